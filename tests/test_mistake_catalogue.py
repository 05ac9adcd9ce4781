"""The project's own catalogue of wrong answers (``tests/mistake_catalogue.py``) against the self-checks.

Every exercise has at least four common wrong answers; each one fails its self-check, and the check
names exactly the mistake it is (never another one: a wrong hint is worse than none).
"""
import collections

import pytest

from course.checks.exercises import BY_TEST, EXERCISES
from course.checks.report import run_entry
from mistake_catalogue import CATALOGUE


def test_every_exercise_has_at_least_four_distinct_mistakes():
    names = collections.defaultdict(set)
    for entry in CATALOGUE:
        assert entry.test in BY_TEST, f"{entry.test} is not an exercise's test cell"
        names[entry.test].add(entry.mistake)
    few = {e.test: len(names[e.test]) for e in EXERCISES if len(names[e.test]) < 4}
    assert not few, f"exercises with fewer than four catalogued mistakes: {few}"


@pytest.mark.parametrize("entry", CATALOGUE, ids=[f"{e.test}:{e.mistake}" for e in CATALOGUE])
def test_each_wrong_answer_is_named_by_its_self_check(entry):
    outcome = run_entry(entry)
    assert outcome.failed, f"the self-check passed a wrong answer: {outcome.shown}"
    assert outcome.named == entry.mistake, f"named {outcome.named!r}; the student read: {outcome.shown}"
    assert outcome.shown.startswith(f"Mistake — {entry.mistake}: ")


def test_the_report_prints_one_row_per_wrong_answer(capsys):
    from course.checks import report
    assert report.main([]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("test-")]
    assert len(rows) == len(CATALOGUE)
    assert all(" yes " in row for row in rows)
    assert f"{len(CATALOGUE)} named as expected (100%)" in out
