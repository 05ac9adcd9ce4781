"""nbgrader configuration for the course. Use through `python -m autograder …` (see README), or
`nbgrader … --NbGrader.config_file=autograder/nbgrader_config.py` from the repository root.
"""
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "llm-from-scratch"
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "lessons"
c.CourseDirectory.submitted_directory = str(HERE / "submitted")
c.CourseDirectory.autograded_directory = str(HERE / "autograded")
c.CourseDirectory.feedback_directory = str(HERE / "feedback")
c.CourseDirectory.db_url = "sqlite:///" + str(HERE / "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# The autograder runs the lessons' own kernel, not whatever name a student's notebook carries.
c.Execute.kernel_name = "python3"
# Per cell. Training cells shrink under COURSE_FAST=1 (set by `python -m autograder autograde`).
c.Execute.timeout = int(os.environ.get("COURSE_CELL_TIMEOUT", "300"))
c.Execute.interrupt_on_timeout = True

# Released lessons: solutions become stubs, hidden tests go, outputs are cleared.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearOutput.enabled = True

# Feedback must never show hidden tests.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
