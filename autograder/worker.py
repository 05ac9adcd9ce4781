"""A grading worker: one long-lived process that autogrades many notebooks with nbgrader's API.

Starting nbgrader costs seconds, so a worker starts once and then reads jobs, one JSON object per line
on stdin (``{"student": ..., "lesson": ...}``), and answers each with one JSON line on its stdout.
The parent (``autograder.pool``) kills this process, its kernel and whatever they started when a
notebook overruns its time limit; this process only grades. Its own stdout is moved to stderr at start, so nothing a library prints can
corrupt the answers.

Run by the pool as ``python -m autograder.worker CONFIG_JSON``.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

LOG_TAIL_LINES = 40


def cells_with_error(notebook: Path, ename: str) -> list[str]:
    """Cells of an autograded notebook (grade id, or "cell N") whose output has an ``ename`` error:
    ``CellTimeoutError`` (ran past the per-cell limit, interrupted), ``DelegatesToReference``."""
    import nbformat

    if not notebook.is_file():
        return []
    nb = nbformat.read(notebook, as_version=4)
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any(o.output_type == "error" and o.get("ename") == ename
                                            for o in cell.outputs):
            found.append((cell.metadata.get("nbgrader") or {}).get("grade_id") or f"cell {index + 1}")
    return found


def grade(api, paths, job: dict) -> dict:
    from autograder.gradebook import (forget_submission, grading_environment, read_grades, read_manual_work,
                                      restore_manual_work)
    from autograder.preprocessors import TimedExecute

    lesson, student = job["lesson"], job["student"]
    # A person's grading of this very file (the parent checked it is unchanged) survives the regrade.
    manual = read_manual_work(paths, lesson, student) if job.get("keep_manual_work") else {}
    forget_submission(paths, lesson, student)
    TimedExecute.last_seconds = None
    start = time.perf_counter()
    with grading_environment():
        result = api.autograde(lesson, student, force=True, create=True)
    seconds = time.perf_counter() - start
    log = (result.get("log") or "").splitlines()
    answer = dict(success=bool(result.get("success")), seconds=seconds, execute_seconds=TimedExecute.last_seconds,
                  log="\n".join(log[-LOG_TAIL_LINES:]), error=result.get("error"))
    if answer["success"]:
        if manual:
            restore_manual_work(paths, lesson, student, manual)
            answer["kept_manual_work"] = len(manual)
        answer.update(read_grades(paths, lesson, student))
        graded = paths.autograded / student / lesson / f"{lesson}.ipynb"
        answer["interrupted_cells"] = cells_with_error(graded, "CellTimeoutError")
        answer["delegating_cells"] = cells_with_error(graded, "DelegatesToReference")
    else:  # nbgrader leaves a half-made submission (score 0) behind: drop it
        answer["full_log"] = "\n".join(log)
        forget_submission(paths, lesson, student)
    return answer


def main(argv: list[str]) -> int:
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
            answer = grade(api, paths, job)
        except Exception as error:  # report and carry on with the next job
            import traceback
            answer = dict(success=False, worker_error=f"{type(error).__name__}: {error}",
                          full_log=traceback.format_exc(), log=traceback.format_exc()[-4000:])
        answer["job"] = job
        answers.write(json.dumps(answer, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
