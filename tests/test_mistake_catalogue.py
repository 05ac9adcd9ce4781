"""The project's own catalogue of wrong answers (``tests/mistake_catalogue.py``) against the self-checks.

Every exercise has at least four common wrong answers; each one fails its self-check, and the check
names exactly the mistake it is (never another one: a wrong hint is worse than none).
"""
import collections
import sys

import pytest

from course.checks.exercises import BY_TEST, EXERCISES
from course.checks.report import run_entry
from mistake_catalogue import CATALOGUE


def test_every_exercise_has_at_least_four_distinct_mistakes():
    names = collections.defaultdict(set)  # per answer cell: an exercise may have several test cells
    for entry in CATALOGUE:
        assert entry.test in BY_TEST, f"{entry.test} is not an exercise's test cell"
        names[BY_TEST[entry.test].answer].add(entry.mistake)
    few = {e.answer: len(names[e.answer]) for e in EXERCISES if len(names[e.answer]) < 4}
    assert not few, f"exercises with fewer than four catalogued mistakes: {few}"


@pytest.mark.parametrize("entry", CATALOGUE, ids=[f"{e.test}:{e.mistake}" for e in CATALOGUE])
def test_each_wrong_answer_is_named_by_its_self_check(entry):
    outcome = run_entry(entry)
    assert outcome.failed, f"the self-check passed a wrong answer: {outcome.shown}"
    assert outcome.named == entry.mistake, f"named {outcome.named!r}; the student read: {outcome.shown}"
    assert outcome.shown.startswith(f"Mistake — {entry.mistake}: ")


SMALL_CATALOGUE = """
import importlib.util
import sys
from dataclasses import replace

spec = importlib.util.spec_from_file_location("_whole_catalogue", {path!r})
whole = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = whole
spec.loader.exec_module(whole)
first = {{}}  # each exercise's first wrong answer
for entry in whole.CATALOGUE:
    first.setdefault(entry.test, entry)
chars = first["test-char-encode-decode"]
CATALOGUE = list(first.values()) + [
    replace(chars, mistake="a mistake it is not"),  # named, but not as this entry expects
    replace(chars, mistake="right after all", source=whole.CHAR_DECODE_OK + whole.CHAR_ENCODE_OK),  # passes
]
"""


def test_the_report_prints_one_row_per_wrong_answer(capsys, monkeypatch, tmp_path):
    """``python -m course.checks.report`` on a catalogue of its own: each exercise's first wrong answer
    (named: "yes"), one named otherwise than its entry expects ("NO") and one its check passes ("PASS");
    the whole catalogue is checked entry by entry above."""
    from mistake_catalogue import __file__ as whole
    from course.checks import report
    path = tmp_path / "small_catalogue.py"
    path.write_text(SMALL_CATALOGUE.format(path=whole))
    monkeypatch.setitem(sys.modules, "mistake_catalogue", sys.modules["mistake_catalogue"])  # (put back after)
    assert report.main([str(path)]) == 1  # not every one named as expected
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith("test-")]
    exercises = len({e.test for e in CATALOGUE})
    assert len(rows) == exercises + 2, out
    assert [row[0] for row in rows[:exercises]] == list({e.test: None for e in CATALOGUE})
    verdicts = [next(word for word in row if word in ("yes", "NO", "PASS")) for row in rows]
    assert verdicts == ["yes"] * exercises + ["NO", "PASS"], verdicts
    assert f"{exercises + 2} wrong answers over {exercises} exercises: {exercises + 1} fail their self-check, " \
           f"{exercises} named as expected" in out, out


def test_the_exercise_table_matches_the_lessons():
    # every graded test cell of every lesson is in the table, with its points (and nothing else is)
    import json
    from autograder.notebooks import lesson_names, solution_path
    cells = {}
    for name in lesson_names():
        for cell in json.loads(solution_path(name).read_text())["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                cells[meta["grade_id"]] = (name, meta["points"])
    assert cells == {e.test: (e.lesson, e.points) for e in EXERCISES}


# --- autograded: each wrong answer loses points, is named where the student reads, costs no other exercise --
# Grading the whole catalogue runs every lesson several times (about 6 rounds per lesson: minutes per
# lesson on a laptop CPU), so it runs when asked: COURSE_GRADE_CATALOGUE=1 (all lessons) or a
# comma-separated list of lesson numbers, e.g. COURSE_GRADE_CATALOGUE=01,03. The same numbers come from
# `python -m course.checks.report --grade`.

def _graded_lessons():
    import os
    from autograder.notebooks import lesson_names
    wanted = os.environ.get("COURSE_GRADE_CATALOGUE", "")
    if not wanted:
        return []
    names = lesson_names()
    return names if wanted == "1" else [n for n in names if n[:2] in wanted.split(",")]


@pytest.mark.skipif(not _graded_lessons(), reason="set COURSE_GRADE_CATALOGUE=1 (or =01,03) to autograde the catalogue")
@pytest.mark.parametrize("lesson", _graded_lessons() or ["none"])
def test_each_wrong_answer_loses_points_is_named_and_costs_nothing_else(lesson):
    from course.checks.grade_catalogue import grade_catalogue
    entries = [i for i, e in enumerate(CATALOGUE) if BY_TEST[e.test].lesson == lesson]
    results = grade_catalogue(CATALOGUE, lessons=[lesson])
    problems = []
    for i in entries:
        entry, graded = CATALOGUE[i], results.get(i)
        if graded is None:
            problems.append(f"{entry.test} / {entry.mistake}: not graded")
            continue
        if graded.score >= graded.max_score:
            problems.append(f"{entry.test} / {entry.mistake}: full marks ({graded.score}/{graded.max_score}): a hole")
        if f"Mistake — {entry.mistake}" not in graded.shown:
            problems.append(f"{entry.test} / {entry.mistake}: the test cell's error does not name it: "
                            f"{graded.shown.splitlines()[:3]}")
        if graded.collateral:
            problems.append(f"{entry.test} / {entry.mistake}: another exercise lost points in its submission")
    assert not problems, "\n".join(problems)


def test_the_report_refuses_what_the_notebook_refuses():
    """The report runs a cell as the notebook does (in ``__main__``, its source readable), so an answer
    the autograder would not run is reported as refused, as the student is told, not as passing."""
    from mistake_catalogue import Wrong
    scheduler = Wrong("test-train-loop", "answer refused", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda it: lr_schedule(it) / lr_schedule(0))
    losses = []
    for it in range(max_iters):
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses
''')
    outcome = run_entry(scheduler)
    assert outcome.failed and outcome.named == "answer refused", outcome.shown
    assert "will not run this answer" in outcome.shown
