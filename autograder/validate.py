"""``python -m autograder validate NOTEBOOK``: the student's check before handing in, with an exit code.

``nbgrader validate`` always exits 0. This runs the same checks the autograder runs before grading
(is it a notebook, are the test cells and their metadata intact) and then nbgrader's ``Validator``
(the notebook is executed, as the autograder will, with ``COURSE_FAST=1``), and says what failed.

Exit codes: 0 every visible test passes; 1 a test fails, a test cell was edited, or an answer would not
be run by the autograder (``autograder.answers``); 2 the notebook
cannot be graded as it is (not a notebook, far too many cells, a test cell deleted, nbgrader metadata
naming none of the lesson's cells, the kernel died, a cell ran past the time limit and ignored the
interrupt).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from autograder.preflight import check_submission, read_submission, restore_metadata

PASSED, FAILED, UNGRADABLE = 0, 1, 2


def validate(notebook: Path, lesson: str | None = None, paths=None, cell_timeout: int | None = None,
             say: Callable[[str], None] = print) -> int:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbgrader.validator import Validator

    from autograder import grading

    notebook = Path(notebook)
    paths = paths or grading.Paths()
    cell_timeout = cell_timeout or grading.CELL_TIMEOUT
    try:
        data = notebook.read_bytes()
    except OSError as error:
        say(f"cannot read {notebook}: {error.strerror}")
        return UNGRADABLE
    name = lesson or notebook.stem
    lesson_metadata = {}  # the lesson's nbgrader metadata, put back on its cells as autograde does
    if name in grading.lessons(paths) and (paths.release / name / f"{name}.ipynb").is_file():
        spec = grading._spec(paths, name)
        lesson_metadata = spec.metadata
        verdict = check_submission(data, spec)
        if verdict.failure:
            say(f"{notebook}: cannot be graded: {verdict.failure}: {verdict.detail}")
            say(f"Fix it (or start again from a fresh copy of lessons/{name}/{name}.ipynb and paste your answers in).")
            return UNGRADABLE
        for note in verdict.notes:
            say(f"note: {note}")
        if verdict.refused:
            say("validation failed: the autograder will not run the answers above (they reach outside plain "
                "Python and torch); rewrite them and validate again")
            return FAILED
    else:
        _, failed = read_submission(data)
        if failed:
            say(f"{notebook}: cannot be graded: {failed.failure}: {failed.detail}")
            return UNGRADABLE
        say(f"note: {name!r} is not a lesson of this course; running its tests without comparing it to a lesson")

    from autograder.preprocessors import KeepFirstCopy, ScoreFromErrorsOnly

    class ScoredAsGraded(Validator):
        """nbgrader's Validator, with test cells scored as ``autograde`` scores them: by their errors
        only (a warning, or a print to stderr, in a correct answer failed its test here, not there)."""
        def _preprocess(self, nb):
            # a copied or split cell as autograde takes it (nbgrader's own check fails the notebook on
            # a grade id that appears twice: a red team's validate ended in a traceback, 2026-12-04)
            restore_metadata(nb.cells, lesson_metadata)
            nb, _ = KeepFirstCopy().preprocess(nb, {})
            nb, _ = ScoreFromErrorsOnly().preprocess(super()._preprocess(nb), {})
            return nb

    api = grading.make_api(paths, cell_timeout=cell_timeout)  # the autograder's configuration
    validator = ScoredAsGraded(config=api.config)
    say(f"running {notebook} (this takes as long as the notebook does) …")
    try:
        with grading.grading_environment():
            results = validator.validate(str(notebook))
    except DeadKernelError:
        say("the Python kernel died while running the notebook (os._exit, a crash, or out of memory)")
        return UNGRADABLE
    except CellTimeoutError as error:
        if "Timeout waiting for IOPub output" in str(error):  # the cell ended; what it printed was still arriving
            say("a cell's output was still arriving long after the cell ended (it printed a great deal): "
                "print less, e.g. not inside a loop")
        else:
            say(f"a cell ran longer than {cell_timeout} s and did not stop when interrupted")
        return UNGRADABLE
    for cell in results.get("type_changed", []):
        say(f"a cell changed type from {cell['old_type']} to {cell['new_type']}:\n{_indent(cell['source'])}")
    for cell in results.get("changed", []):
        say(f"a test cell was edited (the autograder will put the original back):\n{_indent(cell['source'])}")
    for cell in results.get("failed", []):
        say(f"FAILED:\n{_indent(cell['source'])}\n{_indent(cell['raw_error'], 8)}")
    if results.get("type_changed") or results.get("changed") or results.get("failed"):
        counts = {k: len(results.get(k, [])) for k in ("failed", "changed", "type_changed") if results.get(k)}
        say("validation failed: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()))
        return FAILED
    say("validation passed: every visible test passes (hidden tests run when it is graded)")
    return PASSED


def _indent(text: str, spaces: int = 4) -> str:
    from nbconvert.filters import strip_ansi
    lines = strip_ansi(text).splitlines()[-30:]
    return "\n".join(" " * spaces + line for line in lines)
