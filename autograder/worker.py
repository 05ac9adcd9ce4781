"""A grading worker: one long-lived process that autogrades many notebooks with nbgrader's API.

Starting nbgrader costs seconds, so a worker starts once and then reads jobs, one JSON object per line
on stdin (``{"student": ..., "lesson": ...}``), and answers each with one JSON line on its stdout.
The parent (``autograder.pool``) kills this process, its kernel and whatever they started when a
notebook overruns its time limit; this process only grades. Its own stdout is moved to stderr at start, so nothing a library prints can
corrupt the answers.

Run by the pool as ``python -m autograder.worker CONFIG_JSON``.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import sys
import threading
import time
from pathlib import Path

LOG_TAIL_LINES = 40


def delegating_cells(notebook: Path) -> list[str]:
    """Test cells of an autograded notebook (grade id) that call ``assert_own_work`` and raised a
    ``DelegatesToReference``. The cell's source is the release's (``OnlyAnswers``); the error's name is the
    kernel's word, which an answer could forge, but only the test cells that make the check can say so."""
    import nbformat

    from autograder.preprocessors import _is_test

    if not notebook.is_file():
        return []
    nb = nbformat.read(notebook, as_version=4)
    return [cell.metadata["nbgrader"]["grade_id"] for cell in nb.cells
            if _is_test(cell) and "assert_own_work(" in cell.source
            and any(o.output_type == "error" and o.get("ename") == "DelegatesToReference" for o in cell.outputs)]


RECHECK_NOTE = ("Graded again with your answers alone, in a process of their own (no other cell of the "
                "notebook ran there), this test failed, so it scores 0:\n{why}\nAn answer must work from its "
                "arguments, its own cell and the lesson's imports.\n")


HIDDEN_NOTE = ("This test's hidden tests, run with your answers in a process of their own, failed, so it "
               "scores 0:\n{why}\n")


def note_recheck(notebook: Path, failed: dict) -> None:
    """Add to each re-checked test cell that failed a line saying so (the feedback shows the graded
    notebook: without it, the cell would show its self-check passing next to a score of 0)."""
    import nbformat

    from autograder.grading import HIDDEN_FAILURE

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        test = (cell.metadata.get("nbgrader") or {}).get("grade_id")
        if cell.cell_type == "code" and test in failed:
            note = HIDDEN_NOTE if failed[test].startswith(HIDDEN_FAILURE) else RECHECK_NOTE
            cell.outputs.append(nbformat.v4.new_output("stream", name="stderr", text=note.format(why=failed[test])))
    nbformat.write(nb, notebook)


OUTSIDE_NOTE = ("Your {names} is in a cell you added, and the autograder grades only the answer cells: this "
                "exercise's answer cell does not define it (or still raises NotImplementedError), so this test "
                "scores 0. Paste your code into the answer cell (in place of `raise NotImplementedError()`) and "
                "delete the cell you added.\n")


def note_outside(notebook: Path, lesson: str, outside: dict) -> None:
    """Add to the test cells of each exercise answered only in a cell the student added (``outside``: the
    answer's grade id → the names that cell defines, ``preflight.answers_outside``) a line saying so: the
    feedback showed only the template's NotImplementedError, and the reason was in the status alone (rt54)."""
    import nbformat

    from course.checks.exercises import EXERCISES

    tests = {e.test: outside[e.answer] for e in EXERCISES if e.lesson == lesson and e.answer in outside}
    if not tests:
        return
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        test = (cell.metadata.get("nbgrader") or {}).get("grade_id")
        if cell.cell_type == "code" and test in tests:
            names = ", ".join(f"`{n}`" for n in tests[test])
            cell.outputs.append(nbformat.v4.new_output("stream", name="stderr", text=OUTSIDE_NOTE.format(names=names)))
    nbformat.write(nb, notebook)


def preload(modules) -> None:
    """Import ``modules`` (in a thread, while the notebook runs); a failure shows at the re-check."""
    for module in modules:
        with contextlib.suppress(Exception):
            importlib.import_module(module)


def grade(api, paths, job: dict, sandbox: bool = False, cell_timeout: float | None = None) -> dict:
    from autograder.gradebook import forget_submission, read_manual_work
    from autograder.notebooks import course_lesson

    lesson, student = job["lesson"], job["student"]
    # A person's grading of this very file (the parent checked it is unchanged) survives the regrade.
    manual = read_manual_work(paths, lesson, student) if job.get("keep_manual_work") else {}
    manual = manual or job.get("manual_work") or {}  # or the grading of this file kept when it was replaced
    forget_submission(paths, lesson, student)
    if not course_lesson(lesson):  # an instructor's own lesson: no re-check, and no torch to import for it
        return _grade(api, paths, job, manual, None, sandbox)
    from autograder.recheck import CALL_SECONDS, COURSE_OBJECTS, PRELOAD, Host

    # the re-check's answer processes import torch while nbgrader runs the notebook (the one of the exercises
    # that get the course's models, the modules those need too)
    host = Host([], sandbox=sandbox, timeout=cell_timeout or CALL_SECONDS, lesson=lesson)
    if lesson in COURSE_OBJECTS:
        host.companion([], preload=PRELOAD.get(lesson, ()))
    # and so does this process, for its checks' own copies of those modules (lesson 06's reference
    # GPT-2: 3-5 s of import the first time, which the first notebook of a batch paid after its run),
    # while the kernel runs the notebook (``TimedExecute.beside``)
    from autograder.preprocessors import TimedExecute
    TimedExecute.beside = functools.partial(preload, PRELOAD.get(lesson, ()))
    try:
        return _grade(api, paths, job, manual, host, sandbox)
    finally:
        TimedExecute.beside = None
        host.close()


def _grade(api, paths, job: dict, manual: dict, host, sandbox: bool) -> dict:
    from autograder.gradebook import (forget_submission, grading_environment, read_grades, restore_manual_work,
                                      zero_auto_scores)
    from autograder.preprocessors import TimedExecute
    from autograder.sandbox import SandboxedKernelManager

    lesson, student = job["lesson"], job["student"]
    TimedExecute.last_seconds, TimedExecute.interrupted, TimedExecute.too_large = None, [], []
    SandboxedKernelManager.out_of_memory = []
    start = time.perf_counter()
    with grading_environment():
        result = api.autograde(lesson, student, force=True, create=True)
    seconds = time.perf_counter() - start
    log = (result.get("log") or "").splitlines()
    answer = dict(success=bool(result.get("success")), seconds=seconds, execute_seconds=TimedExecute.last_seconds,
                  log="\n".join(log[-LOG_TAIL_LINES:]), error=result.get("error"),
                  out_of_memory=list(SandboxedKernelManager.out_of_memory))
    if answer["success"]:
        if manual:
            restore_manual_work(paths, lesson, student, manual)
            answer["kept_manual_work"] = len(manual)
        answer.update(read_grades(paths, lesson, student))
        graded = paths.autograded / student / lesson / f"{lesson}.ipynb"
        # what the grader itself did (a student's error named ``CellTimeoutError`` is no interruption)
        answer["interrupted_cells"] = list(TimedExecute.interrupted)
        answer["too_large_cells"] = list(TimedExecute.too_large)
        answer["delegating_cells"] = delegating_cells(graded)
        # the value tests that passed in the student's kernel, graded again out of its reach
        passed = [cell for cell, g in answer["cells"].items() if (g.get("auto_score") or 0) > 0]
        tick = time.perf_counter()
        if host is None:
            answer["recheck_failed"] = {}
        else:
            from autograder.recheck import recheck
            host.stopped_cells = []  # (set again if this notebook's answer cells are run)
            answer["recheck_failed"] = recheck(graded, lesson, passed, sandbox=sandbox, host=host,
                                               source=paths.source / lesson / f"{lesson}.ipynb")
            answer["recheck_stopped"] = list(host.stopped_cells)
        answer["recheck_seconds"] = time.perf_counter() - tick
        if answer["recheck_failed"]:
            zero_auto_scores(paths, lesson, student, answer["recheck_failed"])
            answer.update(read_grades(paths, lesson, student))
            note_recheck(graded, answer["recheck_failed"])  # so the student's feedback says why
        if job.get("outside"):
            note_outside(graded, lesson, job["outside"])  # (the status says it too: preflight's notes)
        answer["seconds"] = time.perf_counter() - start  # the whole grading, the re-check included
    else:  # nbgrader leaves a half-made submission (score 0) behind: drop it
        answer["full_log"] = "\n".join(log)
        forget_submission(paths, lesson, student)
    return answer


def _end_with_the_grader(grader: int) -> None:
    """Kill this worker, and everything it started, once the grader that started it is gone. After a
    ``kill -9`` of ``autograde``, an orphaned worker went on grading for a minute and wrote a score into
    the gradebook that status did not show (a red team's, 2026-12-02)."""
    def watch() -> None:
        while os.getppid() == grader:
            time.sleep(0.5)
        _end_now()

    threading.Thread(target=watch, daemon=True, name="end-with-the-grader").start()


def _end_now(*_) -> None:
    """Clean up (``_clean_up``) and end this worker at once."""
    import signal

    _clean_up()
    os.kill(os.getpid(), signal.SIGKILL)


def _clean_up() -> None:
    """Kill everything this worker started, remove its folder of temporary files and its sandboxes'
    cgroups. The grader does this for a worker it kills; but a grader killed with ``kill -9``, or a
    ``SIGTERM`` to the whole process group (``timeout``, a job stopped by a scheduler), which ends the
    grader and its workers at once, left each worker's folder in /tmp, with its kernel's connection file
    and up to 512 MB of what the answers printed (ch35, 2026-12-06)."""
    import psutil

    from autograder.pool import MARK, SCRATCH_PREFIX, kill_all
    from autograder.sandbox import remove_cgroups, remove_tree

    kill_all(psutil.Process().children(recursive=True))  # the kernel, bwrap (and, unsandboxed, more)
    scratch = os.environ.get("TMPDIR", "")
    if Path(scratch).name.startswith(SCRATCH_PREFIX) and os.environ.get(MARK, "") in scratch:
        remove_tree(scratch)  # (never raises)
    remove_cgroups(os.environ.get(MARK, ""))


def main(argv: list[str]) -> int:
    import signal

    _end_with_the_grader(os.getppid())
    signal.signal(signal.SIGTERM, _end_now)
    config = json.loads(argv[0])
    answers = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # anything printed from here on goes to stderr, never into the answers
    sys.stdout = sys.stderr

    from autograder.gradebook import Paths, make_api

    paths = Paths(root=Path(config["root"]), work=Path(config["work"]), release=Path(config["release"]))
    api = make_api(paths, cell_timeout=config.get("cell_timeout"), sandbox=config.get("sandbox", False))
    answers.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin:
        job = json.loads(line)
        try:
            answer = grade(api, paths, job, sandbox=config.get("sandbox", False), cell_timeout=config.get("cell_timeout"))
        except Exception as error:  # report and carry on with the next job
            import traceback
            answer = dict(success=False, worker_error=f"{type(error).__name__}: {error}",
                          full_log=traceback.format_exc(), log=traceback.format_exc()[-4000:])
        answer["job"] = job
        answers.write(json.dumps(answer, default=str) + "\n")
    _clean_up()  # no more jobs: the grader is done, or gone (its end closed this worker's stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
