"""Autograde a catalogue of wrong answers, batched: one submission per lesson and round.

A lesson's exercises take turns: in round ``r`` exercise ``i`` holds its wrong answer number
``r - i`` (counting round-robin, one slot being the right answer), so every wrong answer is graded
once, every round leaves some exercises right, and an exercise that loses points while its own answer
is right shows collateral damage from another exercise's mistake. Uses the autograder's API as the
pipeline tests do, in a throw-away copy of the course.
"""
from __future__ import annotations

import collections
import tempfile
from dataclasses import dataclass
from pathlib import Path

from course.checks.exercises import BY_TEST, EXERCISES


@dataclass
class Graded:
    score: float
    max_score: float
    collateral: bool     # another exercise of the same submission lost points though its answer was right
    shown: str           # the text of the test cell's error in the autograded notebook ("" when none)


def plan(catalogue) -> dict[str, list[dict[str, int | None]]]:
    """Per lesson, the rounds: for each answer cell id, the index of the catalogue entry it holds
    (None: the right answer)."""
    by_exercise = collections.defaultdict(list)
    for index, entry in enumerate(catalogue):
        by_exercise[entry.test].append(index)
    rounds: dict[str, list[dict[str, int | None]]] = {}
    for lesson in dict.fromkeys(e.lesson for e in EXERCISES):
        # one slot per answer cell (an answer may have several test cells, e.g. values and dropout)
        answers = {}
        for e in EXERCISES:
            if e.lesson == lesson:
                answers.setdefault(e.answer, []).extend(by_exercise[e.test])
        answers = {a: entries for a, entries in answers.items() if entries}
        if not answers:
            continue
        slots = max(len(entries) for entries in answers.values()) + 1  # one slot for the right answer
        rounds[lesson] = []
        for r in range(slots):
            chosen = {}
            for i, (answer, entries) in enumerate(answers.items()):
                k = (r - i) % slots
                chosen[answer] = entries[k] if k < len(entries) else None
            rounds[lesson].append(chosen)
    return rounds


def _submission(solution: Path, answers: dict[str, int | None], catalogue, target: Path) -> None:
    import nbformat
    nb = nbformat.read(solution, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and answers[grade_id] is not None:
            cell.source = catalogue[answers[grade_id]].source.strip() + "\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


def _error_text(cell) -> str:
    import re
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            parts += [f"{output.get('ename')}: {output.get('evalue')}", *output.get("traceback", [])]
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(parts))


def grade_catalogue(catalogue, lessons: list[str] | None = None, workers: int = 1) -> dict[int, Graded]:
    """Autograde every entry of ``catalogue``; the result maps an entry's index to its points."""
    import nbformat
    from autograder import grading
    from autograder.gradebook import open_gradebook
    from autograder.notebooks import solution_path

    rounds = {k: v for k, v in plan(catalogue).items() if lessons is None or k in lessons}
    results: dict[int, Graded] = {}
    with tempfile.TemporaryDirectory(prefix="catalogue-") as tmp:
        root = Path(tmp)
        paths = grading.copy_solutions_tree(root / "course")
        grading.release(paths=paths)
        inbox = root / "inbox"
        for lesson, lesson_rounds in rounds.items():
            for r, answers in enumerate(lesson_rounds):
                _submission(solution_path(lesson), answers, catalogue, inbox / f"round{r}" / f"{lesson}.ipynb")
        grading.collect(inbox, paths=paths)
        grading.autograde(paths=paths, workers=workers)
        tests_of = collections.defaultdict(list)  # answer cell -> its test cells
        for e in EXERCISES:
            tests_of[e.answer].append(e.test)
        with open_gradebook(paths) as gradebook:
            for lesson, lesson_rounds in rounds.items():
                for r, answers in enumerate(lesson_rounds):
                    student = f"round{r}"
                    scores = {}
                    try:
                        notebook = gradebook.find_submission_notebook(lesson, lesson, student)
                        scores = {g.name: (float(g.score or 0.0), float(g.max_score)) for g in notebook.grades}
                    except Exception:
                        pass  # a failed submission: no scores at all, every entry counts as lost
                    graded = paths.autograded / student / lesson / f"{lesson}.ipynb"
                    cells = {}
                    if graded.is_file():
                        cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c
                                 for c in nbformat.read(graded, as_version=4).cells}

                    def points(answer):
                        got = [scores.get(t, (0.0, float(BY_TEST[t].points))) for t in tests_of[answer]]
                        return sum(g[0] for g in got), sum(g[1] for g in got)

                    # collateral: an exercise with the right answer that lost points
                    hurt = [a for a, index in answers.items() if index is None and points(a)[0] < points(a)[1]]
                    for answer, index in answers.items():
                        if index is None:
                            continue
                        score, max_score = points(answer)
                        shown = "\n".join(_error_text(cells.get(t, {})) for t in tests_of[answer])
                        results[index] = Graded(score, max_score, bool(hurt), shown.strip())
    return results
