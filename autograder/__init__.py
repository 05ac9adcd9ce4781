"""The course's autograder: nbgrader's release, gradebook and feedback, with the course's rules."""
import sys

# jsonschema checks the "iri" string format with rfc3987-syntax when it is installed (jupyter-events, a
# part of JupyterLab, asks for it), and that package builds its grammar when imported: 1.3 s of CPU in
# every process that reads a notebook (nbformat validates with jsonschema), each grading worker
# included, measured with `python -X importtime -c "import nbformat"` (2026-12-02). No notebook field
# is an IRI, so the grader's processes go without it (a process that imported it already keeps it).
sys.modules.setdefault("rfc3987_syntax", None)

import warnings  # noqa: E402

# nbformat mends a hand-in's repeated or missing cell ids (a cell copied by an editor that copies its id,
# a notebook from nbformat 4.4) and says so on stderr, naming no student: a line in the middle of
# `autograde`'s output that asks the instructor for nothing (ch38). Copies are noted per student.
warnings.filterwarnings("ignore", message=r"Non-unique cell id .* detected")
warnings.filterwarnings("ignore", message=r"Cell is missing an id field")
