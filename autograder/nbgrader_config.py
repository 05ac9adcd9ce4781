"""nbgrader configuration for the course. Use through `python -m autograder …` (see README), or
`nbgrader … --NbGrader.config_file=autograder/nbgrader_config.py` from the repository root.
"""
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # nbgrader imports the preprocessors below by name
    sys.path.insert(0, str(ROOT))

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
# Per cell: a cell running longer is interrupted (its test fails) and grading goes on; a kernel that
# ignores the interrupt fails the notebook. Training cells shrink under COURSE_FAST=1 (set by
# `python -m autograder autograde`, which also enforces a limit per notebook; see grading.py).
c.Execute.timeout = int(os.environ.get("COURSE_CELL_TIMEOUT", "300"))
c.Execute.interrupt_on_timeout = True

c.OnlyAnswers.source_directory = str(ROOT / "solutions")
c.OnlyAnswers.release_directory = str(ROOT / "lessons")
c.RestoreMetadata.source_directory = str(ROOT / "solutions")
c.RestoreMetadata.release_directory = str(ROOT / "lessons")

# Autograde: nbgrader's pipeline, plus a cap on the size of every output (LimitOutput only counts
# stream lines, and one line can be gigabytes).
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "autograder.preprocessors.RestoreMetadata",  # the lesson's nbgrader metadata on the lesson's cells
    "autograder.preprocessors.KeepFirstCopy",  # nbgrader's DeduplicateIds fails the notebook on a copied cell
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# The notebook checked against nbformat's schema once, after the last preprocessor, rather than after
# each of them: 18 times a notebook took 0.15 s of a lesson 04 notebook's grading.
c.NotebookExporter.optimistic_validation = True
c.Autograde.autograde_preprocessors = [
    "autograder.preprocessors.OnlyAnswers",  # the released lesson with the student's answers, nothing else
    "autograder.preprocessors.WithoutHiddenTests",  # the grader runs them itself (autograder/recheck.py)
    "autograder.preprocessors.TimedExecute",  # nbgrader's Execute, timed
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.preprocessors.LimitOutputSize",
    "autograder.preprocessors.ScoreFromErrorsOnly",  # stderr and displayed values never change a score
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
    "autograder.preprocessors.SanitizeStudentHTML",  # nothing a browser would run (see below)
]

# Released lessons: solutions become stubs, hidden tests go, outputs are cleared.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearOutput.enabled = True

# A student's markdown and outputs are shown as HTML: in feedback, and in the formgrader, which runs in
# JupyterLab's own origin, where a script (a <script>, an onerror="...", a JavaScript output) could
# call the server's API with the instructor's session, to change grades or run code. SanitizeStudentHTML
# (above) escapes them in the autograded notebook; nbconvert's own sanitizer also runs where it applies.
c.HTMLExporter.sanitize_html = True

# Feedback must never show hidden tests, nor their tracebacks (which quote the failing lines).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.preprocessors.ProtectStudentText",  # a student's text cannot crash it or quote hidden tests
    "autograder.preprocessors.HideHiddenTestTracebacks",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
