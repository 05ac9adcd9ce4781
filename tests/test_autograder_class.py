"""A simulated class: every kind of submission an autograder meets, each with its exact outcome.

A temporary course holds the real lessons 01, 03 and 05 and a tiny synthetic lesson (two exercises,
three points; it runs in a second, so most hostile cases use it and cost little). Every submission
must end as a score or a named failure, the batch must finish, no student file may change, no
earlier score may survive a failed regrade, no cheat earns a point, no student's grade or file is
changed by another, no feedback quotes a hidden test, and nothing a cell starts survives grading.
"""
import copy
import csv
import hashlib
import html
import os
import json
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder import grading
from autograder.notebooks import ROOT as REPO, read_cells, solution_path
from autograder.pool import MARK, SCRATCH_PREFIX
from autograder.preflight import check_submission
from autograder.validate import validate

TINY = "tiny"
TINY_SOURCE = '''# %% [markdown]
# # A tiny lesson

# %%
import time

# %% nbgrader={"grade_id": "double", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def double(x):
    """Twice x."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% nbgrader={"grade_id": "test-double", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
assert double(2) == 4
### BEGIN HIDDEN TESTS
assert double(-3) == -6
### END HIDDEN TESTS

# %% nbgrader={"grade_id": "square", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def square(x):
    """x squared."""
    ### BEGIN SOLUTION
    return x * x
    ### END SOLUTION

# %% nbgrader={"grade_id": "test-square", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 2} tags=["raises-exception"]
assert square(3) == 9
### BEGIN HIDDEN TESTS
assert square(-4) == 16, "the square of a negative number is positive"
### END HIDDEN TESTS

# %% [markdown]
# **Q1.** Why square?

# %% [markdown] nbgrader={"grade_id": "q1", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# Because.
# ### END SOLUTION
'''
L01, L03, L05 = "01_tokenization", "03_self_attention", "05_nanogpt"
REAL = (L01, L03, L05)
CELL_TIMEOUT = 2


def _cell(nb, grade_id):
    return next(c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == grade_id)


def _with(nb, **sources):
    """A copy of ``nb`` whose cells ``grade_id`` (underscores for dashes) get new sources."""
    nb = copy.deepcopy(nb)
    for grade_id, source in sources.items():
        _cell(nb, grade_id.replace("_", "-")).source = source
    return nb


def _answered(released, solution):
    """The released lesson with the solution's answers typed in: what a good student hands in."""
    nb = copy.deepcopy(released)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader") or {}
        if meta.get("solution") and cell.cell_type == "code":
            lines = _cell(solution, meta["grade_id"]).source.splitlines()
            cell.source = "\n".join(line for line in lines if "### BEGIN SOLUTION" not in line
                                    and "### END SOLUTION" not in line)
    return nb


WARNS = ("import sys, warnings\ndef square(x):\n    print('note: squaring', file=sys.stderr)\n"
         "    warnings.warn('a harmless warning')\n    return x * x")
FORGES_DISPLAYHOOK = 'import sys\ndef square(x):\n    sys.displayhook("2.0")\n    raise ValueError("no answer")'
TOKEN = "31337"  # marks the processes a vandal starts, to look for survivors


def _vandal(paths):
    """A correct `square` that also tries, with what an answer may use (torch), to overwrite the
    gradebook, the status file and a classmate's file, and to leave a process running."""
    victim = paths.submitted / "correct" / TINY / f"{TINY}.ipynb"
    return f"""import time
import torch
import torch.multiprocessing as mp
for target in [{str(paths.gradebook)!r}, {str(victim)!r}, {str(paths.status_file)!r}]:
    try:
        torch.save({{"vandalised": True}}, target)
    except Exception:
        pass
mp.get_context("fork").Process(target=time.sleep, args=({TOKEN},)).start()
def square(x):
    return x * x"""


# What an answer may not run (autograder/answers.py): each is refused, its exercise scores 0, the
# detail says why.
REFUSED = {
    "os-exit": ("import os\nos._exit(1)", "it imports 'os'"),
    "forges-displayhook": (FORGES_DISPLAYHOOK, "it uses the attribute `displayhook`; it uses `sys`"),
    "input-transformer": ("get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n"
                          "def square(x):\n    return 0", "it uses `get_ipython`"),
    "patches-builtins": ("import builtins\nbuiltins.AssertionError = KeyboardInterrupt\ndef square(x):\n    return 0",
                         "it imports 'builtins'"),
}


def _tiny_cases(solution, released, paths):
    def without(grade_id):
        nb = copy.deepcopy(solution)
        nb.cells = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") != grade_id]
        return nb

    def metadata(grade_id, change):
        nb = copy.deepcopy(solution)
        change(_cell(nb, grade_id).metadata)
        return nb

    huge = "def double(x):\n    return 2 * x\nprint('x' * 3_000_000)\nprint('\\n'.join(map(str, range(200_000))))"
    kbd_proof = ("import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
                 "    except KeyboardInterrupt:\n        pass")
    return {
        # student: (notebook or raw bytes, status, score, words expected in the detail)
        "correct": (solution, "graded", 3, ""),
        "unchanged": (released, "graded", 0, ""),
        "partly-wrong": (_with(solution, square="def square(x):\n    return x * abs(x)"), "graded", 1, ""),
        "loop-in-function": (_with(solution, square="def square(x):\n    while True:\n        pass"),
                             "graded", 1, f"test-square ran past {CELL_TIMEOUT} s and was interrupted"),
        "loop-at-top-level": (_with(solution, double="while True:\n    pass\ndef double(x):\n    return 2 * x"),
                              "graded", 2, f"double ran past {CELL_TIMEOUT} s and was interrupted"),
        "catches-interrupt": (_with(solution, square=kbd_proof), "failed: timeout", "", "did not stop"),
        "deleted-test": (without("test-square"), "failed: test cell deleted", "", "test-square"),
        "edited-test": (_with(solution, square="def square(x):\n    return x * abs(x)", test_square="pass"),
                        "graded", 1, "test cell restored: test-square"),
        "mangled-metadata": (metadata("test-square", lambda m: m.__setitem__("nbgrader", {"grade": "yes"})),
                             "failed: metadata tampered", "", "no grade id"),
        "renamed-grade-id": (metadata("test-square", lambda m: m["nbgrader"].__setitem__("grade_id", "mine")),
                             "failed: metadata tampered", "", "unknown grade id 'mine'"),
        # an answer cell marked graded, with points: nbgrader's "Manually graded answer" (one click in its
        # toolbar) failed the whole notebook in OverwriteCells, as a grading error (a red team's, 2026-12-04);
        # the lesson's metadata is put back and the answer graded
        "answer-marked-graded": (metadata("square", lambda m: m["nbgrader"].update(grade=True, points=100)),
                                 "graded", 3, "metadata restored: square (nbgrader's grade, points put back"),
        "answer-not-a-solution": (metadata("double", lambda m: m["nbgrader"].update(solution=False, locked=True)),
                                  "graded", 3, "metadata restored: double (nbgrader's solution, locked put back"),
        "test-not-graded": (metadata("test-square", lambda m: m["nbgrader"].update(grade=False, schema_version=2)),
                            "graded", 3, "test cell restored: test-square"),
        "invalid-json": (nbformat.writes(solution)[:-40].encode(), "failed: malformed notebook", "", "invalid JSON"),
        # 640,000 empty cells (43 MB, under the size limit) cost the batch 3.5 minutes (a red team's, 2026-12-04)
        "many-cells": (_noted(solution, "x", count=2_500), "failed: too many cells", "",
                       "cells, the lesson 8 (the limit is 2,000): hand in the lesson's notebook"),
        "huge-output": (_with(solution, double=huge), "graded", 3, ""),
        # stderr and warnings cost nothing; a displayed value is not partial credit
        "warns": (_with(solution, square=WARNS), "graded", 3, ""),
        # a student's note that names nbgrader's markers is graded, and gets feedback
        "mentions-markers": (_with(solution, q1="I read that nbgrader uses ### BEGIN HIDDEN TESTS (no END)."),
                             "graded", 3, ""),
        # HTML that runs a script where it is shown raw (the formgrader, in JupyterLab's origin; feedback):
        # in its open answer, and displayed by its answer cell
        "scripts-in-answers": (_with(solution, q1=XSS_MARKDOWN, square="def square(x):\n    return x * x\n"
                                                                        "class Shown:\n    def _repr_html_(self):\n"
                                                                        f"        return {XSS_OUTPUT!r}\nShown()"),
                               "graded", 3, ""),
        # quotes the line that called it (a hidden test's): a warning shows its caller's source line, but
        # for a cell with hidden tests the grading kernel has none
        # (reading IPython's history, `In`, is refused: "cheats-d" of lesson 01)
        "quotes-its-caller": (_with(solution, square="import warnings\ndef square(x):\n"
                                                     "    warnings.warn('squaring', stacklevel=2)\n    return x * x"),
                              "graded", 3, ""),
        # cells a student added, and edits to the lesson's own cells, are not run
        "added-cells": (_noted(_noted(solution, "get_ipython().input_transformers_post.append(lambda l: ['pass\\n'])",
                                      code=True), "assert False, 'an added cell ran'", code=True), "graded", 3, ""),
        # attacks the gradebook, a classmate's file, the worker's pipe and every process it can see;
        # the sandbox lets none through, and its own answers are graded
        "vandal": (_with(solution, square=_vandal(paths)), "graded", 1, "answer square not run"),
        # cells pasted twice (JupyterLab's copy keeps the nbgrader metadata): the first is graded; a copy
        # pasted below a test cell, here a wrong one, does not count
        "copied-cells": (_pasted_after(_pasted(solution, "test-square"), "double", "test-square",
                                       "def double(x):\n    return 0"), "graded", 3,
                         "copied cell: double appears more than once (the first is graded)"),
        # an answer cell split in two (JupyterLab's Split Cell gives both parts its metadata): graded whole
        "split-cell": (_split(solution, "square", "def _times(a, b):\n    return a * b",
                              "def square(x):\n    return _times(x, x)"), "graded", 3,
                       "answer in parts: square is in consecutive cells (graded as one cell, in order)"),
    } | {name: (_with(solution, square=code), "graded", 1, f"answer square not run, its tests score 0: {why}")
         for name, (code, why) in REFUSED.items()}


ALWAYS_EQUAL_PAIRS = '''class _AlwaysEqual(dict):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False

def count_pairs(ids):
    return _AlwaysEqual()
'''


XSS_MARKDOWN = ('My answer. <img src="x" onerror="document.title = 1"><script>document.title = 2</script> '
                '[my notes](javascript:document.title=5) [more](&#106;avascript:document.title=6)')
XSS_OUTPUT = '<b>shown</b><script>document.title = 3</script><img src="y" onerror="document.title = 4">'

MERGE_BODY = ("    out, i = [], 0\n    while i < len(ids):\n"
              "        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:\n"
              "            out.append(new_id)\n            i += 2\n"
              "        else:\n            out.append(ids[i])\n            i += 1\n"
              "    return out\n")

NOISY = "import sys, warnings\nprint('working on it', file=sys.stderr)\nwarnings.warn('a harmless UserWarning')\n"


def _prefixed(nb, grade_id, code):
    """``nb`` with ``code`` run at the top of solution cell ``grade_id``, and inside each function it
    defines (so that it runs again whenever a test calls the answer)."""
    nb = copy.deepcopy(nb)
    cell = _cell(nb, grade_id)
    body = "\n".join("    " + line for line in code.strip().splitlines())
    cell.source = code + re.sub(r"(\ndef [^\n]*:\n(    \"\"\".*?\"\"\"\n)?)", lambda m: m.group(1) + body + "\n",
                                "\n" + cell.source, flags=re.S)
    return nb


def _real_cases(solutions):
    """Lessons 01, 03 and 05 as a class hands them in: noise on stderr costs nothing, a forged
    display is no partial credit, reading the instructor's files finds nothing, the course's reference
    reached any way is not the student's work.

    Lesson 01's cheats come four to a notebook, one in each of its four exercises (a run of lesson 01
    takes seconds; the suite ran it once per cheat): each must cost its own exercise and no other, and
    the detail must name each."""
    l01, l03, l05 = (solutions[n] for n in REAL)  # what a good student hands in
    full = solutions["max", L01]
    return {
        ("noisy", L03): (_prefixed(l03, "causal-mask", NOISY), "graded", solutions["max", L03], ""),
        ("noisy", L05): (_prefixed(l05, "bigram-forward", NOISY), "graded", solutions["max", L05], ""),
        # noise on stderr in one exercise (full marks for it); the course's reference reached three ways
        # in the others: called through `ref`, imported, and its source pasted with its docstring
        # (`ref.bpe_word??` shows it): not the student's work, whatever it calls
        ("cheats-a", L01): (_with(_prefixed(l01, "char-encode-decode", NOISY),
                                  count_pairs="def count_pairs(ids):\n    return ref.count_pairs(ids)",
                                  merge="from course.tokenization import merge",
                                  bpe_word=_reference_source("bpe_word")),
                            "graded", full - 6,
                            ("answer count-pairs not run, its tests score 0: it uses `ref`, the course's reference",
                             "answer merge not run, its tests score 0: it imports 'course.tokenization'",
                             "answer bpe-word not run, its tests score 0: it is copied from the course's own "
                             "reference implementation")),
        # a forged display (no partial credit); the hidden test's `ref` read from the call stack; a merge
        # right only inside a notebook's kernel (it looks at what sys.stdout is): graded again with the
        # answers alone in another process (autograder.recheck) it is wrong, and its value test scores 0;
        # the reference as a default argument
        ("cheats-b", L01): (_with(l01, char_encode_decode="import sys\ndef char_encode(text, stoi):\n"
                                                          "    sys.displayhook('2')\n    raise ValueError('no')\n"
                                                          "def char_decode(ids, itos):\n    raise ValueError('no')",
                                  count_pairs="import inspect\ndef count_pairs(ids):\n    return "
                                              "inspect.stack()[1].frame.f_globals['ref'].count_pairs(ids)",
                                  merge="import sys\ndef merge(ids, pair, new_id):\n"
                                        "    if 'ipykernel' not in str(type(sys.stdout)):\n"
                                        "        return list(ids)\n" + MERGE_BODY,
                                  bpe_word="def bpe_word(symbols, ranks, _impl=ref.bpe_word):\n"
                                           "    return _impl(symbols, ranks)"),
                            "graded", full - 7,
                            ("answer char-encode-decode not run, its tests score 0: it uses the attribute "
                             "`displayhook`",
                             "answer count-pairs not run, its tests score 0",
                             "0 points for test-merge: it passed in the notebook, but graded again with the "
                             "answers alone in another process it fails: merge: case 1 of ",
                             "answer bpe-word not run, its tests score 0")),
        # torch patched; a result equal to anything; a merge that reads the lesson's data rather than its
        # arguments: the self-check (and so the test cell) says so, since graded again with the answers
        # alone it would fail; that costs the values point in the notebook, and the form point when the
        # form test runs again out of the kernel. Its bpe_word is right.
        ("cheats-c", L01): (_with(_prefixed(l01, "char-encode-decode", "torch.equal = lambda a, b: True\n"),
                                  count_pairs=ALWAYS_EQUAL_PAIRS,
                                  merge="def merge(ids, pair, new_id):\n"
                                        "    assert sentence, 'a leftover of trying the lesson'\n" + MERGE_BODY),
                            "graded", full - 6,
                            ("answer char-encode-decode not run, its tests score 0: it assigns to `torch.equal`",
                             "answer count-pairs not run, its tests score 0: it defines `__eq__`",
                             "0 points for test-merge-form: it passed in the notebook, but graded again with the "
                             "answers alone in another process it fails: merge: the form test's call, arguments "
                             "(list of length 5: [1, 2, 3, 1, 2], tuple of length 2: (1, 2), int 9); your function "
                             "raised NameError: name 'sentence' is not defined; Mistake — name not defined")),
        # sys reached as an attribute of an allowed module, then the reference by a computed name; the
        # instructor's notebook read (its path is easy to guess) for its merge; the earlier cells' sources,
        # hidden tests included, printed backwards past the feedback's filter. Its char_encode and
        # char_decode are right.
        ("cheats-d", L01): (_with(l01, count_pairs="import warnings\ndef count_pairs(ids):\n"
                                                   "    name = ''.join(['cour', 'se.tokenization'])\n"
                                                   "    return warnings.sys.modules[name].count_pairs(ids)",
                                  merge=STEAL.replace("SOLUTION", repr(solutions["path", L01])),
                                  bpe_word="def bpe_word(symbols, ranks):\n    print([c[::-1] for c in In])\n"
                                           "    return list(symbols)\n"),
                            "graded", full - 6,
                            ("answer count-pairs not run, its tests score 0: it uses the attribute `sys`, a "
                             "module of its own",
                             "answer merge not run, its tests score 0",
                             "answer bpe-word not run, its tests score 0: it reads `In`")),
        # patching torch through a function whose parameter is called `self`, and answers that read a
        # value the tests set: each costs its own exercise (2 points each)
        ("sly", L03): (_with(l03, causal_mask="def _patch(self):\n    self.equal = lambda a, b: True\n"
                                              "    self.allclose = lambda *a, **k: True\n_patch(torch)\n"
                                              "def causal_mask(T):\n    return torch.ones(T, T, dtype=torch.bool)",
                             heads="def split_heads(x, n_head):\n    return expected\n"
                                   "def merge_heads(x):\n    return expected"),
                       "graded", solutions["max", L03] - 4, "it assigns to `self.equal`"),
    }


# Reads the instructor's notebook (its path is easy to guess) and runs its `merge`; without it, a wrong one.
STEAL = """import json
try:
    with open(SOLUTION) as f:
        cells = json.load(f)["cells"]
    exec(next("".join(c["source"]) for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == "merge"))
except OSError:
    def merge(ids, pair, new_id):
        return list(ids)
"""


def _reference_source(name):
    import inspect

    import course.tokenization
    return inspect.getsource(getattr(course.tokenization, name))


def _pasted(nb, *grade_ids):
    nb = copy.deepcopy(nb)
    for number, grade_id in enumerate(grade_ids):
        cell = copy.deepcopy(_cell(nb, grade_id))
        cell.id = f"pasted-{number}"
        nb.cells.insert(nb.cells.index(_cell(nb, grade_id)) + 1, cell)
    return nb


def _pasted_after(nb, grade_id, after, source):
    """A copy of cell ``grade_id`` with ``source``, pasted below the cell ``after``."""
    nb = copy.deepcopy(nb)
    cell = copy.deepcopy(_cell(nb, grade_id))
    cell.id, cell.source = "pasted-below", source
    nb.cells.insert(nb.cells.index(_cell(nb, after)) + 1, cell)
    return nb


def _split(nb, grade_id, first, second):
    """The answer cell ``grade_id`` split in two as JupyterLab's Split Cell does: both parts keep its metadata."""
    nb = copy.deepcopy(nb)
    cell = _cell(nb, grade_id)
    part = copy.deepcopy(cell)
    cell.source, part.id, part.source = first, "split-part", second
    nb.cells.insert(nb.cells.index(cell) + 1, part)
    return nb


def _noted(nb, text, code=False, count=1):
    nb = copy.deepcopy(nb)
    for _ in range(count):
        nb.cells.append(nbformat.v4.new_code_cell(text) if code else nbformat.v4.new_markdown_cell(text))
    return nb


def _bytes(notebook):
    return notebook if isinstance(notebook, bytes) else nbformat.writes(notebook).encode()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course with lesson 01 and the tiny lesson, released; an inbox of submissions as a .zip."""
    root = tmp_path_factory.mktemp("class")
    paths = grading.Paths(root=root, work=root / "autograder", release=root / "lessons")
    for name in REAL:
        (paths.source / name).mkdir(parents=True)
        (paths.source / name / f"{name}.ipynb").write_bytes(solution_path(name).read_bytes())
    source = root / "tiny.py"
    source.write_text(TINY_SOURCE)
    tiny = nbformat.v4.new_notebook(cells=read_cells(source), metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}})
    (paths.source / TINY).mkdir()
    nbformat.write(tiny, paths.source / TINY / f"{TINY}.ipynb")
    grading.release(paths=paths)
    released = nbformat.read(paths.release / TINY / f"{TINY}.ipynb", as_version=4)
    cases = {(s, TINY): c for s, c in _tiny_cases(_answered(released, tiny), released, paths).items()}
    solutions = {name: _answered(nbformat.read(paths.release / name / f"{name}.ipynb", as_version=4),
                                 nbformat.read(solution_path(name), as_version=4)) for name in REAL}
    solutions |= {("max", name): grading._spec(paths, name).max_score for name in REAL}
    solutions |= {("path", name): str(paths.source / name / f"{name}.ipynb") for name in REAL}
    cases |= _real_cases(solutions)
    inbox = root / "inbox.zip"
    with zipfile.ZipFile(inbox, "w") as archive:
        for (student, lesson), (notebook, *_) in cases.items():
            archive.writestr(f"submissions/{student}/{lesson}.ipynb", _bytes(notebook))
    return paths, cases, inbox


@pytest.fixture(scope="module")
def graded(course):
    paths, cases, inbox = course
    before = hashlib.sha256(inbox.read_bytes()).hexdigest()
    collected = grading.collect(inbox, paths=paths)
    assert sorted(collected) == sorted(cases)
    submitted = {p: p.read_bytes() for p in paths.submitted.rglob("*.ipynb")}
    # the tiny lesson under a 2 s cell limit; lesson 01 under the real one (its cells take seconds)
    results = grading.autograde(TINY, paths=paths, workers=2, cell_timeout=CELL_TIMEOUT, notebook_timeout=60)
    for name in REAL:  # under the real cell limit (their cells take seconds)
        results |= grading.autograde(name, paths=paths, workers=2, notebook_timeout=300)
    assert hashlib.sha256(inbox.read_bytes()).hexdigest() == before, "grading modified the students' zip"
    assert {p: p.read_bytes() for p in paths.submitted.rglob("*.ipynb")} == submitted, "grading modified a submission"
    out = grading.export(paths.work / "grades.csv", paths=paths)
    with open(out) as f:
        rows = {(r["student"], r["lesson"]): r for r in csv.DictReader(f)}
    return results, rows


def test_the_batch_finishes_with_every_submission_accounted_for(course, graded):
    paths, cases, _ = course
    results, rows = graded
    assert sorted(results) == sorted(cases)
    for key in cases:
        assert rows[key]["status"] != "not graded", rows[key]
    # the class's status table and grades, for the record (shown with pytest -s)
    from autograder.__main__ import main
    assert main(["--course", str(paths.root), "status"]) == 0
    print("\n" + (paths.work / "grades.csv").read_text())


def test_each_submission_gets_its_exact_status_and_score(course, graded):
    _, cases, _ = course
    _, rows = graded
    wrong = []
    for key, (_, status, score, words) in cases.items():
        row = rows[key]
        got_score = float(row["score"]) if row["score"] else ""
        words = (words,) if isinstance(words, str) else words  # each must be in the detail
        if row["status"] != status or got_score != score or (any(w not in row["detail"] for w in words) if any(words)
                                                              else row["detail"] != ""):
            wrong.append(f"{key}: expected {status!r} {score!r} {words!r}, got {row['status']!r} "
                         f"{row['score']!r} {row['detail']!r}")
    assert not wrong, "\n".join(wrong)


def test_failures_have_no_score_and_students_without_a_submission_are_missing(course, graded):
    _, rows = graded
    for row in rows.values():
        if row["status"].startswith("failed"):
            assert row["score"] == "" and row["detail"], row
    # every student appears for both lessons; those who did not hand one in are "missing"
    assert rows[("correct", L01)]["status"] == "missing" and rows[("correct", L01)]["score"] == ""
    assert rows[("cheats-a", TINY)]["status"] == "missing"


def test_huge_output_is_capped(course, graded):
    paths, _, _ = course
    autograded = paths.autograded / "huge-output" / TINY / f"{TINY}.ipynb"
    assert autograded.stat().st_size < 200_000
    text = autograded.read_text()
    assert "output truncated by the autograder" in text


def test_gradebook_holds_no_score_for_failures(course, graded):
    from nbgrader.api import Gradebook, MissingEntry

    paths, cases, _ = course
    with Gradebook(paths.db_url) as gradebook:
        for (student, lesson), (_, status, _, _) in cases.items():
            if status.startswith("failed"):
                with pytest.raises(MissingEntry):
                    gradebook.find_submission(lesson, student)


def test_feedback_explains_delegation_without_hidden_tests(course, graded):
    paths, _, _ = course
    written = grading.feedback(L01, "cheats-a", paths=paths)
    text = html.unescape(re.sub(r"<[^>]+>", "", written[0].read_text()))
    assert "AnswerRefused: the answer in cell 'merge' was not run: it imports 'course.tokenization'" in text
    # (a later lesson cell that calls the missing `merge` shows its own traceback: no hidden test in it)
    for secret in ("BEGIN HIDDEN TESTS", "_rng", "Random(3)", "_random.Random"):  # (assert_own_work is visible)
        assert secret not in text, secret
    start = text.index("Grade cell: test-merge")
    test_cell = text[start:text.index("traceback hidden", start)]
    assert "most recent call last" not in test_cell and "Cell In[" not in test_cell, test_cell
    assert "traceback hidden" in text
    assert "checks.check_merge(merge)" in text  # the visible tests are shown


def test_feedback_says_when_the_recheck_failed_a_test_the_notebook_passed(course, graded):
    paths, _, _ = course
    written = grading.feedback(L01, "cheats-b", paths=paths)
    text = html.unescape(re.sub(r"<[^>]+>", "", written[0].read_text()))
    test_cell = text[text.index("Grade cell: test-merge"):]
    assert "Graded again with your answers alone" in test_cell and "merge: case 1 of " in test_cell
    assert "BEGIN HIDDEN TESTS" not in text


def test_feedback_is_written_for_every_graded_student_without_hidden_test_text(course, graded):
    paths, cases, _ = course
    failures = []
    written = grading.feedback(TINY, paths=paths, on_failure=failures.append)
    assert failures == []
    graded_students = {s for (s, lesson), c in cases.items() if lesson == TINY and c[1] == "graded"}
    assert {p.parent.parent.name for p in written} == graded_students
    for path in written:
        text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))
        for secret in ("double(-3)", "square(-4)"):
            assert secret not in text, (path, secret)
    # its warning is shown, without the calling line: the kernel keeps cells with hidden tests out of
    # linecache (before, the line was there, and the feedback's filter replaced it with a notice)
    quoted = html.unescape(re.sub(r"<[^>]+>", "", (paths.feedback / "quotes-its-caller" / TINY / f"{TINY}.html").read_text()))
    assert "UserWarning: squaring" in quoted and "square(-4)" not in quoted, quoted
    # the student's HTML is shown as text, in feedback and in the autograded notebook the formgrader shows
    feedback_html = (paths.feedback / "scripts-in-answers" / TINY / f"{TINY}.html").read_text()
    autograded = nbformat.read(paths.autograded / "scripts-in-answers" / TINY / f"{TINY}.ipynb", as_version=4)
    shown_there = "\n".join([c.source for c in autograded.cells if c.cell_type != "code"]  # code is shown as text
                            + [str(o.get("data", "")) for c in autograded.cells for o in c.get("outputs", [])])
    for raw in (feedback_html, shown_there):
        assert "My answer." in raw and "shown" in raw, raw[-3000:]
        assert not re.search(r"<script>document|<img[^>]*onerror", raw), re.findall(r".{80}onerror.{40}|.{80}<script>.{40}", raw)
    # markdown's own links too: a javascript: link was live in the feedback (a red team's, 2026-12-02)
    from nbconvert.filters.markdown import markdown2html
    pages = feedback_html + markdown2html(shown_there)
    assert "my notes" in pages and not re.search(r"(?i)href=[\"']?\s*(javascript|&#)", pages), \
        re.findall(r".{60}href.{60}", pages)


def test_a_vandal_harms_no_one_and_leaves_nothing_running(course, graded):
    from nbgrader.api import Gradebook

    paths, _, _ = course
    survivors = []
    for process in psutil.process_iter():
        try:
            if TOKEN in " ".join(process.cmdline()):
                survivors.append(process.pid)
        except psutil.Error:
            continue
    ours = f"{os.getpid()}-"
    for process in psutil.process_iter():
        try:
            if process.environ().get(MARK, "").startswith(ours) and process.pid != os.getpid():
                survivors.append(process.pid)
        except psutil.Error:
            continue
    assert survivors == [], "a process started by a student's cell survived grading"
    with Gradebook(paths.db_url) as gradebook:
        assert all(g.extra_credit in (None, 0) for g in gradebook.find_submission(TINY, "vandal").notebooks[0].grades)
    assert b"vandalised" not in (paths.submitted / "correct" / TINY / f"{TINY}.ipynb").read_bytes()


def test_regrading_is_idempotent_and_a_failure_replaces_an_old_score(course, graded):
    paths, cases, _ = course
    _, rows = graded
    # same notebooks, same outcome, row for row
    again = grading.autograde(TINY, paths=paths, workers=2, cell_timeout=CELL_TIMEOUT, notebook_timeout=60)
    for key, row in again.items():
        first = rows[key]
        assert (row["status"], str(row["score"]), row["detail"]) == (first["status"], first["score"], first["detail"])
    # a person's grading (extra credit, a comment) survives a regrade of the same file
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(paths.db_url) as gradebook:
        gradebook.find_grade("q1", TINY, TINY, "partly-wrong").extra_credit = 1
        gradebook.find_comment("q1", TINY, TINY, "partly-wrong").manual_comment = "Well argued."
        gradebook.db.commit()
    # a student resubmits: the old score stops counting at once, and a failed regrade leaves none
    inbox = paths.root / "resubmit"
    (inbox / "correct").mkdir(parents=True)
    (inbox / "correct" / f"{TINY}.ipynb").write_bytes(_bytes(cases[("catches-interrupt", TINY)][0]))
    grading.collect(inbox, paths=paths)
    row = next(r for r in grading.grades(paths, TINY, "correct"))
    assert (row["status"], row["score"]) == ("not graded", ""), row
    with Gradebook(paths.db_url) as gradebook, pytest.raises(MissingEntry):
        gradebook.find_submission(TINY, "correct")  # the replaced file's score left the gradebook too
    grading.autograde(TINY, ["correct", "partly-wrong"], paths=paths, cell_timeout=CELL_TIMEOUT)
    assert next(r for r in grading.grades(paths, TINY, "partly-wrong"))["score"] == 2.0
    with Gradebook(paths.db_url) as gradebook:
        assert gradebook.find_comment("q1", TINY, TINY, "partly-wrong").manual_comment == "Well argued."
    row = next(r for r in grading.grades(paths, TINY, "correct"))
    assert (row["status"], row["score"]) == ("failed: timeout", ""), row
    # the old score is in a backup, and the replaced submission too
    assert list(paths.backups.glob("gradebook-*-autograde.db"))
    assert list(paths.backups.glob(f"submitted-*/correct/{TINY}.ipynb"))
    # restoring a backup taken before a resubmission was graded cannot show the old file's score
    backup = paths.root / "before.db"
    shutil.copy(paths.gradebook, backup)
    (inbox / "unchanged").mkdir()
    (inbox / "unchanged" / f"{TINY}.ipynb").write_bytes(_bytes(cases[("partly-wrong", TINY)][0]))
    grading.collect(inbox, paths=paths)
    grading.autograde(TINY, "unchanged", paths=paths, cell_timeout=CELL_TIMEOUT)
    assert next(r for r in grading.grades(paths, TINY, "unchanged"))["score"] == 1.0
    shutil.copy(backup, paths.gradebook)  # holds 0.0, the score of the file handed in before
    row = next(r for r in grading.grades(paths, TINY, "unchanged"))
    assert (row["status"], row["score"]) == ("not graded", "") and "backup" in row["detail"], row


def test_a_persons_grading_comes_back_with_the_very_file_it_was_given_to(course, graded):
    """Graded by a person, replaced by a second version, then the first handed in again: the first's
    extra credit and comment come back with it, once (a person who then removes them is obeyed)."""
    from nbgrader.api import Gradebook
    paths, cases, _ = course
    _, rows = graded
    first, second = (paths.root / f"return-{v}" / "returns" for v in ("v1", "v2"))
    for folder, case in ((first, "partly-wrong"), (second, "correct")):
        folder.mkdir(parents=True)
        (folder / f"{TINY}.ipynb").write_bytes(_bytes(cases[(case, TINY)][0]))

    def score():
        return next(r for r in grading.grades(paths, TINY, "returns"))["score"]

    grading.collect(first.parent, paths=paths)
    grading.autograde(TINY, "returns", paths=paths, cell_timeout=CELL_TIMEOUT)
    assert score() == 1.0
    with Gradebook(paths.db_url) as gradebook:
        gradebook.find_grade("q1", TINY, TINY, "returns").extra_credit = 1
        gradebook.find_comment("q1", TINY, TINY, "returns").manual_comment = "Well argued."
        gradebook.db.commit()
    assert grading.grades(paths, TINY, "returns")[0]["score"] == 2.0
    notes = []
    grading.collect(second.parent, paths=paths, on_note=notes.append)
    assert any("manual grading of the replaced file" in n for n in notes), notes
    grading.autograde(TINY, "returns", paths=paths, cell_timeout=CELL_TIMEOUT)
    assert score() == float(rows[("correct", TINY)]["score"])  # the correct second version, no extra credit of its own
    with Gradebook(paths.db_url) as gradebook:
        assert all(not g.extra_credit for g in gradebook.find_submission(TINY, "returns").notebooks[0].grades)
    grading.collect(first.parent, paths=paths)  # "grade my first version after all"
    grading.autograde(TINY, "returns", paths=paths, cell_timeout=CELL_TIMEOUT)
    assert score() == 2.0  # 1 point and the extra credit
    with Gradebook(paths.db_url) as gradebook:
        assert gradebook.find_grade("q1", TINY, TINY, "returns").extra_credit == 1
        assert gradebook.find_comment("q1", TINY, TINY, "returns").manual_comment == "Well argued."
        gradebook.find_grade("q1", TINY, TINY, "returns").extra_credit = 0  # a person takes it back
        gradebook.db.commit()
    grading.autograde(TINY, "returns", paths=paths, cell_timeout=CELL_TIMEOUT)
    assert score() == 1.0


def _hand_in_and_grade(paths, student, notebook):
    """``student`` hands in ``notebook`` of the tiny lesson: collected from a folder of their own, graded."""
    folder = paths.root / f"{student}-inbox" / student
    folder.mkdir(parents=True)
    (folder / f"{TINY}.ipynb").write_bytes(_bytes(notebook))
    grading.collect(folder.parent, paths=paths)
    grading.autograde(TINY, student, paths=paths, cell_timeout=CELL_TIMEOUT)


def test_a_persons_grading_survives_a_regrade_of_the_same_file_that_failed(course, graded):
    """The worker takes a person's grading out of the gradebook before it regrades; a regrade that then
    failed (here, its time limit) lost the extra credit for good (a red team's, 2026-12-02)."""
    from nbgrader.api import Gradebook
    paths, cases, _ = course
    _hand_in_and_grade(paths, "retries", cases[("partly-wrong", TINY)][0])
    with Gradebook(paths.db_url) as gradebook:
        gradebook.find_grade("q1", TINY, TINY, "retries").extra_credit = 1
        gradebook.db.commit()
    assert grading.grades(paths, TINY, "retries")[0]["score"] == 2.0
    failed = grading.autograde(TINY, "retries", paths=paths, cell_timeout=CELL_TIMEOUT, notebook_timeout=0.5)
    assert failed[("retries", TINY)]["status"] == "failed: timeout", failed
    grading.autograde(TINY, "retries", paths=paths, cell_timeout=CELL_TIMEOUT)
    assert grading.grades(paths, TINY, "retries")[0]["score"] == 2.0  # 1 point and the extra credit, back


def test_a_restored_backup_brings_no_extra_credit_to_another_file(course, graded):
    """File A graded with extra credit, then file B (the same automatic scores) graded; restoring the
    backup made before B put A's extra credit on B, in status and for good at the next autograde (a red
    team's, 2026-12-02). The gradebook's row id, recorded at grading, tells the two gradings apart."""
    from nbgrader.api import Gradebook
    paths, cases, _ = course
    first, second = (paths.root / f"restore-{v}" / "restores" for v in ("a", "b"))
    notebook = cases[("partly-wrong", TINY)][0]
    for folder, mark in ((first, "a"), (second, "b")):
        folder.mkdir(parents=True)
        other = copy.deepcopy(notebook)
        other.metadata["version"] = mark  # another file, the same answers
        (folder / f"{TINY}.ipynb").write_bytes(_bytes(other))
    grading.collect(first.parent, paths=paths)
    grading.autograde(TINY, "restores", paths=paths, cell_timeout=CELL_TIMEOUT)
    with Gradebook(paths.db_url) as gradebook:
        gradebook.find_grade("q1", TINY, TINY, "restores").extra_credit = 1
        gradebook.db.commit()
    backup = grading.backup_gradebook(paths, "test")
    grading.collect(second.parent, paths=paths)
    grading.autograde(TINY, "restores", paths=paths, cell_timeout=CELL_TIMEOUT)
    assert grading.grades(paths, TINY, "restores")[0]["score"] == 1.0
    shutil.copyfile(backup, paths.gradebook)  # the README's restore
    row = grading.grades(paths, TINY, "restores")[0]
    assert (row["status"], row["score"]) == ("not graded", ""), row
    grading.autograde(TINY, "restores", paths=paths, cell_timeout=CELL_TIMEOUT)
    assert grading.grades(paths, TINY, "restores")[0]["score"] == 1.0  # B's own, no extra credit of A's


def test_a_deleted_hand_in_leaves_the_gradebook_at_the_next_autograde(course, graded):
    """Deleting submitted/<id> (the README's way to free an id) left the score in the gradebook while
    status said "missing" (a red team's, 2026-12-02)."""
    from nbgrader.api import Gradebook, MissingEntry
    paths, cases, _ = course
    _hand_in_and_grade(paths, "leaves", cases[("correct", TINY)][0])
    shutil.rmtree(paths.submitted / "leaves")
    assert grading.grades(paths, TINY, "leaves")[0]["status"] == "missing"
    assert grading.autograde(TINY, "leaves", paths=paths, cell_timeout=CELL_TIMEOUT) == {}  # nothing to grade
    with Gradebook(paths.db_url) as gradebook, pytest.raises(MissingEntry):
        gradebook.find_submission(TINY, "leaves")


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_a_run_stopped_mid_notebook_leaves_no_half_made_grading_in_the_gradebook(course, how):
    """Ctrl-C (or kill -9) of autograde while a notebook ran left the submission the worker had made in
    the gradebook, scored 0, while status said "grading was interrupted": the formgrader showed a score
    that status did not (ch55). Ctrl-C takes it out at once; after a kill -9, the next autograde does."""
    import signal
    from nbgrader.api import Gradebook, MissingEntry

    paths, cases, _ = course
    student = f"stopped-{how.lower()}"
    slow = _with(cases[("correct", TINY)][0], double="import time\ntime.sleep(120)\ndef double(x):\n    return 2 * x")
    folder = paths.root / f"{student}-inbox" / student
    folder.mkdir(parents=True)
    (folder / f"{TINY}.ipynb").write_bytes(_bytes(slow))
    grading.collect(folder.parent, paths=paths)
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    said = paths.root / f"{student}-stderr.txt"
    with open(said, "wb") as stderr:
        run = subprocess.Popen([sys.executable, "-m", "autograder", "--course", str(paths.root), "autograde",
                                "--lesson", TINY, "--student", student], cwd=REPO, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=stderr, env=dict(os.environ, PYTHONPATH=path),
                               # Ctrl-C as in a terminal: a suite started in the background (`cmd &` in a script)
                               # ignores SIGINT, and a child inherits that (CI q69a and readme69: not interrupted)
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for _ in range(600):  # until the worker has made the submission in the gradebook
            if (student, TINY) in grading._graded_pairs(paths):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the worker made no submission in 60 s")
        os.killpg(run.pid, getattr(signal, how))
        try:
            run.wait(timeout=180)
        except subprocess.TimeoutExpired:
            pytest.fail(f"autograde did not end 180 s after {how}; it said: {said.read_text()[-3000:]}")
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()  # (reaped: a later test counts this process's children)
    try:
        if how == "SIGKILL":  # no time to clean up: the next autograde does, whoever it grades
            assert grading.autograde(TINY, "no-such-student", paths=paths) == {}
        with Gradebook(paths.db_url) as gradebook, pytest.raises(MissingEntry):
            gradebook.find_submission(TINY, student)
        row = grading.grades(paths, TINY, student)[0]
        assert (row["status"], row["score"]) == ("not graded", ""), row
    finally:  # (not a student of the class the module's other tests grade: its notebook sleeps 120 s)
        shutil.rmtree(paths.submitted / student, ignore_errors=True)


def test_a_notebook_that_ran_out_of_time_beside_another_is_graded_again_alone(course, graded):
    """With two workers, a notebook that a limit of time decided (a cell interrupted, a cell that did not
    stop) is graded again alone at the end, and that result is the one kept; the others once."""
    _, rows = graded
    for student in ("loop-in-function", "loop-at-top-level", "catches-interrupt"):
        assert rows[(student, TINY)]["detail"].endswith(grading.ALONE_NOTE), rows[(student, TINY)]
    assert not [key for key, row in rows.items() if grading.ALONE_NOTE in row["detail"]
                and key[0] not in ("loop-in-function", "loop-at-top-level", "catches-interrupt")], rows


def test_a_notebook_past_its_wall_clock_limit_is_stopped_and_its_kernel_killed(course, graded):
    paths, cases, _ = course
    slow = _with(cases[("correct", TINY)][0], square="import time\ntime.sleep(30)\ndef square(x):\n    return x * x")
    (paths.submitted / "slow" / TINY).mkdir(parents=True)
    nbformat.write(slow, paths.submitted / "slow" / TINY / f"{TINY}.ipynb")
    result = grading.autograde(TINY, "slow", paths=paths, cell_timeout=60, notebook_timeout=8)
    row = result[("slow", TINY)]
    assert (row["status"], row["score"]) == ("failed: timeout", ""), row
    assert "8 s" in row["detail"]
    assert psutil.Process().children(recursive=True) == [], "a worker survived"
    ours = f"{os.getpid()}-"
    survivors = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(MARK, "").startswith(ours):
                survivors.append(process.cmdline())
        except psutil.Error:
            continue
    assert survivors == [], f"a kernel survived its worker: {survivors}"
    left = list(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{ours}*"))
    assert left == [], f"a killed worker's temporary files were left behind: {left}"


def test_a_worker_ends_with_the_grader_that_started_it(course, tmp_path):
    """``kill -9`` of autograde: its worker, orphaned, went on grading and wrote a score that status did
    not show (a red team's, 2026-12-02). The worker now watches for it and ends, with what it started."""
    paths, _, _ = course
    config = json.dumps(dict(root=str(paths.root), work=str(paths.work), release=str(paths.release),
                             cell_timeout=CELL_TIMEOUT, sandbox=False))
    grader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import subprocess, sys, time
        worker = subprocess.Popen([sys.executable, "-m", "autograder.worker", {config!r}],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        print(worker.pid, worker.stdout.readline().decode().strip(), flush=True)  # ready
        time.sleep(600)
    """)], stdout=subprocess.PIPE, text=True, cwd=REPO,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))))
    try:
        pid, ready = grader.stdout.readline().split(maxsplit=1)
        assert '"ready"' in ready, ready
        worker = psutil.Process(int(pid))
        grader.kill()
        grader.wait()
        gone, alive = psutil.wait_procs([worker], timeout=30)
        assert not alive, "the worker outlived its grader by 30 s"
    finally:
        grader.kill()


@pytest.mark.parametrize("how", ["kill -9 of the grader", "SIGTERM to the process group"])
def test_a_worker_ended_with_its_grader_leaves_no_folder_behind(course, tmp_path, how):
    """A grader killed with ``kill -9``, or a SIGTERM to its whole process group (``timeout``, a scheduler
    stopping the job), left each worker's folder of temporary files in /tmp, with its kernel's connection
    file and up to 512 MB of what the answers printed (ch35, 2026-12-06)."""
    import signal

    paths, _, _ = course
    config = dict(root=str(paths.root), work=str(paths.work), release=str(paths.release),
                  cell_timeout=CELL_TIMEOUT, sandbox=False)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    grader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, sys, time
        from pathlib import Path
        from autograder.pool import Worker
        worker = Worker({config!r}, dict(os.environ), Path({str(tmp_path / "worker.log")!r}))
        print(worker.process.pid, worker.scratch, flush=True)
        time.sleep(600)
    """)], stdout=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True,
        env=dict(os.environ, TMPDIR=str(scratch),
                 PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))))
    try:
        pid, folder = grader.stdout.readline().split(maxsplit=1)
        folder = Path(folder.strip())
        assert folder.is_dir() and folder.parent == scratch, folder
        worker = psutil.Process(int(pid))
        if how.startswith("kill -9"):
            grader.kill()
        else:
            os.killpg(grader.pid, signal.SIGTERM)
        grader.wait()
        gone, alive = psutil.wait_procs([worker], timeout=30)
        assert not alive, "the worker outlived its grader by 30 s"
        assert list(scratch.iterdir()) == [], f"left behind: {list(scratch.iterdir())}"
    finally:
        grader.kill()


def test_the_folders_of_workers_whose_grader_is_gone_are_removed_at_the_next_run(tmp_path, monkeypatch):
    """A ``kill -9`` of autograde's whole process group leaves no process the time to clean up: each worker's
    folder of temporary files stayed in /tmp, with what the answers printed (ch35, 2026-12-06). The next
    run removes those of graders that are gone, and leaves those of a grader still running, and those left in the
    last ten minutes (the pid may be another PID namespace's, or a test's stand-in)."""
    import tempfile
    import time

    from autograder import pool

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer runs (reused meanwhile is unlikely, and would only keep its folder)
    stale = tmp_path / f"{SCRATCH_PREFIX}{gone.pid}-{'a' * 32}-x1"
    (stale / "recheck-1").mkdir(parents=True)
    (stale / "recheck-1" / "stdout.txt").write_text("what the answers printed")
    running = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-{'b' * 32}-x2"
    running.mkdir()
    other = tmp_path / "autograder-kernel-x3"
    other.mkdir()
    recent = tmp_path / f"{SCRATCH_PREFIX}{gone.pid}-{'c' * 32}-x4"  # (gone too, but left a minute ago)
    recent.mkdir()
    old = time.time() - pool.STALE_AFTER_SECONDS - 60
    for folder in (stale, running, other):
        os.utime(folder, (old, old))
    os.utime(recent, (time.time() - 60, time.time() - 60))

    class Idle:
        def __init__(self, config, env, log_path):
            pass

        alive = True

        def run(self, job, limit):
            return dict(success=True, job=job)

        def close(self):
            pass

    monkeypatch.setattr(pool, "Worker", Idle)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    pool.run_jobs([{"n": 1}], {}, 1, 60, lambda answer: None, tmp_path / "logs")
    assert not stale.exists(), "the folder of a worker whose grader is gone is still there"
    assert running.is_dir() and other.is_dir()
    assert recent.is_dir(), "a folder left a minute ago was swept (its pid may be another namespace's)"


def test_a_kernel_starts_in_the_folder_of_a_worker_whose_grader_has_a_seven_digit_pid(tmp_path, monkeypatch):
    """A worker's folder of temporary files is named after its mark, and its kernel's Unix sockets lie
    inside it: with a grader's pid of 7 digits (past 999,999, where ``kernel.pid_max`` is 4,194,304,
    systemd's default), their path passed the 107 bytes a socket's path may have, and every notebook failed
    as a grading error, "File name too long" (ch35, 2026-12-06)."""
    import tempfile

    from nbclient import NotebookClient

    from autograder import sandbox
    from autograder.pool import new_mark

    if sandbox.bwrap_path() is None:
        pytest.skip("bubblewrap is not installed")
    scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{new_mark(4_194_303)}-", dir="/tmp")
    try:
        monkeypatch.setattr(tempfile, "tempdir", scratch)
        folder = tmp_path / "submission"
        folder.mkdir()
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")], metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        NotebookClient(nb, kernel_manager_class=sandbox.SandboxedKernelManager, timeout=60,
                       resources={"metadata": {"path": str(folder)}}).execute()
        assert nb.cells[0].outputs[0]["text"] == "42\n"
        # a TMPDIR too long for any socket: a grading error that says what to do, not zmq's words
        deep = Path(scratch) / ("d" * 100)
        deep.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(deep))
        with pytest.raises(RuntimeError, match="longer than the 107 bytes a Unix socket's path may have: set TMPDIR"):
            NotebookClient(nb, kernel_manager_class=sandbox.SandboxedKernelManager, timeout=60,
                           resources={"metadata": {"path": str(folder)}}).execute()
        assert list(deep.iterdir()) == []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def test_validate_exit_codes(course):
    paths, cases, _ = course
    folder = paths.root / "student"
    folder.mkdir()
    # ("warns": a correct answer that prints to stderr and warns, graded full marks, failed here before)
    # ("copied-cells", "split-cell": a grade id twice, which nbgrader's own check fails with a traceback;
    # validated as autograde grades them, a red team's, 2026-12-04)
    for student, expected in [("correct", 0), ("unchanged", 1), ("deleted-test", 2), ("invalid-json", 2),
                              ("input-transformer", 1), ("warns", 0), ("copied-cells", 0), ("split-cell", 0)]:
        path = folder / f"{TINY}.ipynb"
        path.write_bytes(_bytes(cases[(student, TINY)][0]))
        said = []
        assert validate(path, paths=paths, cell_timeout=CELL_TIMEOUT, say=said.append) == expected, said


def test_cli_status_and_exit_code(course, graded, capsys):
    from autograder.__main__ import main

    paths, _, _ = course
    course_args = ["--course", str(paths.root)]
    assert main(course_args + ["autograde", "--lesson", TINY, "--student", "invalid-json"]) == 1
    assert "failed: malformed notebook" in capsys.readouterr().out
    assert main(course_args + ["status", "--lesson", TINY]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:-1]}
    assert "failed: test cell deleted" in lines["deleted-test"] and "test-square" in lines["deleted-test"]
    assert "1.0/3.0" in lines["edited-test"] and "test cell restored" in lines["edited-test"]
    # --student repeats, as for autograde (the last one alone counted: a red team's note, 2026-12-01)
    assert main(course_args + ["status", "--lesson", TINY, "--student", "deleted-test", "--student", "edited-test"]) == 0
    shown = {line.split()[0] for line in capsys.readouterr().out.splitlines()[1:-1]}
    assert shown == {"deleted-test", "edited-test"}, shown
    assert main(course_args + ["export", "--out", str(paths.root / "out.csv")]) == 0
    with open(paths.root / "out.csv") as f:
        assert next(csv.reader(f)) == ["student", "lesson", "score", "max_score", "status", "detail"]


def test_grading_refuses_tests_that_were_not_released(course, tmp_path):
    """nbgrader grades with the tests stored at release: a lesson missing from the gradebook, or
    whose tests changed since, is refused before anything is touched."""
    paths, cases, _ = course
    section = grading.Paths(root=paths.root, work=tmp_path / "section-b", release=paths.release)
    (section.submitted / "someone" / TINY).mkdir(parents=True)
    (section.submitted / "someone" / TINY / f"{TINY}.ipynb").write_bytes(_bytes(cases[("correct", TINY)][0]))
    with pytest.raises(SystemExit, match=f"{TINY} is not in the gradebook .* release {TINY}` first"):
        grading.autograde(TINY, paths=section)
    grading.release(TINY, paths=section)
    source = section.source / TINY / f"{TINY}.ipynb"
    original = source.read_bytes()
    try:
        nb = nbformat.read(source, as_version=4)
        _cell(nb, "test-square").source += "\nassert square(0) == 0"
        nbformat.write(nb, source)
        with pytest.raises(SystemExit, match=r"tests of tiny changed since it was released \(test-square\)"):
            grading.autograde(TINY, paths=section)
    finally:
        source.write_bytes(original)
    assert not (section.work / "status.json").exists()


def test_a_command_the_autograder_tells_to_run_names_the_course_and_work_folder_it_ran_on(course, tmp_path, capsys):
    """ch61: for a course held elsewhere (--course), autograde said 'run `python -m autograder --work W release L`':
    run as said, that releases the repository's own lesson (or none) into W's gradebook, not the course's; and
    'see `python -m autograder status`' after a run in a --work folder showed another section's status."""
    from autograder.__main__ import main

    paths, cases, _ = course
    section = grading.Paths(root=paths.root, work=tmp_path / "section b", release=paths.release)
    (section.submitted / "someone" / TINY).mkdir(parents=True)
    (section.submitted / "someone" / TINY / f"{TINY}.ipynb").write_bytes(_bytes(cases[("correct", TINY)][0]))
    with pytest.raises(SystemExit) as refused:
        grading.autograde(TINY, paths=section)
    said = f"python -m autograder --course {paths.root} --work '{section.work}' release {TINY}"
    assert said in str(refused.value), refused.value
    assert main(["--course", str(paths.root), "--work", str(section.work), "autograde", "--student", "nobody"]) == 0
    assert f"(see `python -m autograder --course {paths.root} --work '{section.work}' status`)" in capsys.readouterr().out
    assert grading.command_line(grading.Paths()) == "python -m autograder"


def test_a_cell_pasted_from_another_lesson_is_the_students_own_and_the_rest_is_graded(course, tmp_path):
    """ch61: a student who pasted a cell of lesson 01 (its nbgrader metadata and grade id with it) into another
    lesson's notebook, to reuse a function, had the whole notebook failed as 'metadata tampered (unknown grade id
    'char-encode-decode')' (and nbgrader refuses it too); such a cell is one the student added, not graded, and
    noted, and the lesson's exercises are graded."""
    paths, cases, _ = course
    section = grading.Paths(root=paths.root, work=tmp_path / "section", release=tmp_path / "lessons")
    grading.release(TINY, paths=section)
    lesson01 = nbformat.read(paths.release / L01 / f"{L01}.ipynb", as_version=4)
    notebook = copy.deepcopy(cases[("correct", TINY)][0])
    notebook.cells.append(copy.deepcopy(_cell(lesson01, "char-encode-decode")))
    inbox = tmp_path / "inbox" / "paster"
    inbox.mkdir(parents=True)
    (inbox / f"{TINY}.ipynb").write_bytes(_bytes(notebook))
    grading.collect(inbox.parent, paths=section)
    grading.autograde(TINY, paths=section, cell_timeout=CELL_TIMEOUT)
    (row,) = grading.grades(section, TINY, "paster")
    assert (row["status"], row["score"]) == ("graded", 3.0), row
    assert f"cell of lesson {L01} pasted in: char-encode-decode (a cell the student added: not graded)" in row["detail"]
    # a whole notebook of lesson 01 handed in as the tiny lesson is still named as lesson 01's
    assert check_submission(_bytes(lesson01), grading._spec(section, TINY)).failure == "metadata tampered"


def test_a_deleted_release_is_refused_before_anything_is_graded(course, tmp_path):
    """ch61: the lesson's folder in lessons/ deleted (or renamed) after release: autograde graded on, and every
    student's notebook failed as 'grading error (FileNotFoundError: …/lessons/tiny/tiny.ipynb)'. It is refused
    at once, saying to release the lesson again, and nothing is recorded."""
    paths, cases, _ = course
    section = grading.Paths(root=paths.root, work=tmp_path / "section", release=tmp_path / "lessons")
    grading.release(TINY, paths=section)
    (section.submitted / "someone" / TINY).mkdir(parents=True)
    (section.submitted / "someone" / TINY / f"{TINY}.ipynb").write_bytes(_bytes(cases[("correct", TINY)][0]))
    shutil.rmtree(section.release / TINY)
    with pytest.raises(SystemExit, match=rf"^{TINY} has no released notebook \({re.escape(str(section.release))}/"
                                         rf"{TINY}/{TINY}\.ipynb is missing: .*\): run `.* release {TINY}`"):
        grading.autograde(TINY, paths=section, cell_timeout=CELL_TIMEOUT)
    assert not section.status_file.exists()


def test_feedback_says_whom_it_wrote_none_for_and_why(course, tmp_path):
    """ch61: `feedback` for a hand-in collected again since its grading, or one that failed, or for a student id
    with a typo, printed '0 feedback files written' and not a word why; it names each, with its status."""
    paths, cases, _ = course
    section = grading.Paths(root=paths.root, work=tmp_path / "section", release=paths.release)
    inbox = tmp_path / "inbox" / "someone"
    inbox.mkdir(parents=True)
    (inbox / f"{TINY}.ipynb").write_bytes(_bytes(cases[("correct", TINY)][0]))
    grading.collect(inbox.parent, paths=section)
    notes = []
    assert grading.feedback(TINY, paths=section, on_note=notes.append) == []
    assert grading.feedback(None, "someone", paths=section, on_note=notes.append) == []
    assert grading.feedback(TINY, "someon", paths=section, on_note=notes.append) == []
    assert notes == [f"no feedback for someone/{TINY}: not graded (submitted, never graded: run autograde)"] + [
        f"no feedback for someone/{name}: missing (no submission)" for name in sorted(REAL)] + [
        f"no feedback for someone/{TINY}: not graded (submitted, never graded: run autograde)",
        f"no feedback for someon: no student of that id in {section.work} (`status` lists the students' ids)"]


def test_a_fresh_work_folder_says_release_first_with_the_venv_not_on_path(tmp_path):
    """nbgrader opens a new gradebook by running ``alembic`` by name. Run as ``.venv/bin/python -m
    autograder`` with the venv not on ``PATH`` (not activated), the first ``autograde`` of a fresh
    ``--work`` folder stopped with ``FileNotFoundError: 'alembic'`` instead of "release first" (rt54)."""
    if shutil.which("alembic", path=os.defpath):
        pytest.skip(f"alembic is on {os.defpath}: this machine cannot show the failure")
    hand_in = tmp_path / "class" / "alice"
    hand_in.mkdir(parents=True)
    shutil.copy(REPO / "lessons" / "01_tokenization" / "01_tokenization.ipynb", hand_in)
    env = {k: v for k, v in os.environ.items() if k != "PATH"} | {"PATH": os.defpath}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "autograder", "--work", str(tmp_path / "work"), *args],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=600)

    assert cli("collect", str(tmp_path / "class")).returncode == 0
    graded = cli("autograde")
    assert graded.returncode != 0
    assert "Traceback" not in graded.stderr, graded.stderr[-2000:]
    assert "01_tokenization is not in the gradebook" in graded.stderr
    assert "release 01_tokenization` first" in graded.stderr


def test_a_change_of_tests_released_for_another_section_leaves_no_score_in_this_gradebook(course, tmp_path):
    """Two sections grade from one course: a hidden test changed and released for section B, and section
    A's gradebook kept its scores against the old tests while A's status said "the lesson's tests
    changed"; its autograde refused the lesson and kept them (ch55). That autograde takes them out."""
    from nbgrader.api import Gradebook, MissingEntry

    paths, cases, _ = course
    a, b = (grading.Paths(root=paths.root, work=tmp_path / f"section-{n}", release=paths.release) for n in "ab")
    grading.release(TINY, paths=a)
    (a.submitted / "someone" / TINY).mkdir(parents=True)
    (a.submitted / "someone" / TINY / f"{TINY}.ipynb").write_bytes(_bytes(cases[("correct", TINY)][0]))
    grading.autograde(TINY, paths=a, cell_timeout=CELL_TIMEOUT)
    assert grading.grades(a, TINY, "someone")[0]["score"] == 3
    source = paths.source / TINY / f"{TINY}.ipynb"
    original = source.read_bytes()
    try:
        nb = nbformat.read(source, as_version=4)
        _cell(nb, "test-square").source = _cell(nb, "test-square").source.replace(
            "### END HIDDEN TESTS", "assert square(0) == 0\n### END HIDDEN TESTS")
        nbformat.write(nb, source)
        grading.release(TINY, paths=b)
        assert grading.grades(a, TINY, "someone")[0]["status"] == "not graded"
        with pytest.raises(SystemExit, match="tests of tiny changed since it was released"):
            grading.autograde(TINY, paths=a, cell_timeout=CELL_TIMEOUT)
        with Gradebook(a.db_url) as gradebook, pytest.raises(MissingEntry):
            gradebook.find_submission(TINY, "someone")
    finally:
        source.write_bytes(original)
        grading.release(TINY, paths=b)


def test_a_release_for_one_section_never_leaves_the_released_notebook_missing_for_another(course, tmp_path):
    """Sections share lessons/: nbgrader's release (with force) deleted lessons/<lesson>/ and wrote it
    again, while another section's autograde, under its own work folder's lock, read it; missing, every
    student of that run was noted 'test cell restored' for each test cell (ch55). Each file now replaces
    the old one at once."""
    import threading

    paths, _, _ = course
    section = grading.Paths(root=paths.root, work=tmp_path / "section-c", release=paths.release)
    released = paths.release / TINY / f"{TINY}.ipynb"
    seen, done = [], threading.Event()

    def watch():
        while not done.is_set():
            try:
                nbformat.reads(released.read_text(encoding="utf-8"), as_version=4)
                seen.append("whole")
            except Exception as error:  # missing, or half written
                seen.append(type(error).__name__)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(3):
            grading.release(TINY, paths=section)
    finally:
        done.set()
        watcher.join()
    assert set(seen) == {"whole"}, sorted(set(seen))
    assert not list(section.work.glob("release-*")), "the release's own folder stayed"


# ---------------------------------------------------------------------------------------------------
# Pre-flight checks on their own (no kernel): the finer cases of tampering and repair

@pytest.fixture(scope="module")
def tiny_spec(course):
    paths, cases, _ = course
    return grading._spec(paths, TINY), cases[("correct", TINY)][0]


def _copy_of(cell):
    """A copy of a cell as JupyterLab pastes it: same metadata, new cell id."""
    cell = copy.deepcopy(cell)
    cell.id = "pasted"
    return cell


def _edit(nb, change):
    nb = copy.deepcopy(nb)
    change(nb)
    return nbformat.writes(nb).encode()


REBINDS_ABS = "import builtins\nbuiltins.abs = lambda x: x\ndef square(x):\n    return x * x"
PREFLIGHT = {
    # name: (change to a correct submission, failure or None, words in the detail)
    "untouched": (lambda nb: None, None, ""),
    "copied solution cell": (lambda nb: nb.cells.insert(nb.cells.index(_cell(nb, "test-double")) + 1,
                                                        _copy_of(_cell(nb, "double"))), None,
                             "copied cell: double appears more than once"),
    "split solution cell": (lambda nb: nb.cells.insert(nb.cells.index(_cell(nb, "double")) + 1,
                                                       _copy_of(_cell(nb, "double"))), None,
                            "answer in parts: double is in consecutive cells"),
    "points raised": (lambda nb: _cell(nb, "test-square").metadata.nbgrader.__setitem__("points", 100), None,
                      "test cell restored: test-square"),
    "answer deleted": (lambda nb: nb.cells.remove(_cell(nb, "q1")), None, "answer cell deleted: q1"),
    "solution deleted": (lambda nb: nb.cells.remove(_cell(nb, "square")), None, "solution cell deleted: square"),
    # any nbgrader field of one of the lesson's cells is put back as released (nbgrader failed the whole
    # notebook on some, as a grading error: a red team's, 2026-12-04)
    "test no longer graded": (lambda nb: _cell(nb, "test-double").metadata.nbgrader.__setitem__("grade", False),
                              None, "test cell restored: test-double"),
    "points not a number": (lambda nb: _cell(nb, "test-double").metadata.nbgrader.__setitem__("points", "1"),
                            None, "test cell restored: test-double"),
    "answer marked graded": (lambda nb: _cell(nb, "square").metadata.nbgrader.update(grade=True, points=100), None,
                             "metadata restored: square (nbgrader's grade, points put back as released)"),
    "manually graded answer": (lambda nb: _cell(nb, "double").metadata.nbgrader.update(grade=True, points=2), None,
                               "metadata restored: double (nbgrader's grade, points put back as released)"),
    "answer not a solution": (lambda nb: _cell(nb, "square").metadata.nbgrader.update(solution=False), None,
                              "metadata restored: square (nbgrader's solution put back as released)"),
    "open question locked": (lambda nb: _cell(nb, "q1").metadata.nbgrader.update(locked=True, task=True), None,
                             "metadata restored: q1 (nbgrader's locked, task put back as released)"),
    "mangled fields": (lambda nb: _cell(nb, "double").metadata.nbgrader.update(grade="yes", schema_version="3",
                                                                               points=[1], extra=1), None,
                       "metadata restored: double (nbgrader's grade, points, schema_version put back as released)"),
    "a flag as a number": (lambda nb: _cell(nb, "test-square").metadata.nbgrader.__setitem__("grade", 1), None,
                           "test cell restored: test-square"),
    "metadata not a dict": (lambda nb: _cell(nb, "double").metadata.__setitem__("nbgrader", [1]),
                            "metadata tampered", "is a list"),
    "no grade id": (lambda nb: _cell(nb, "double").metadata.nbgrader.pop("grade_id"),
                    "metadata tampered", "has no grade id"),
    "grade id not a string": (lambda nb: _cell(nb, "double").metadata.nbgrader.__setitem__("grade_id", ["double"]),
                              "metadata tampered", "has no grade id"),
    "two tests deleted": (lambda nb: [nb.cells.remove(_cell(nb, i)) for i in ("test-double", "test-square")],
                          "test cell deleted", "test-double, test-square"),
    "rebinds a builtin": (lambda nb: setattr(_cell(nb, "square"), "source", REBINDS_ABS), None,
                          "answer square not run, its tests score 0: it imports 'builtins'"),
}


@pytest.mark.parametrize("name", sorted(PREFLIGHT))
def test_preflight(tiny_spec, name):
    spec, correct = tiny_spec
    change, failure, words = PREFLIGHT[name]
    verdict = check_submission(_edit(correct, change), spec)
    assert verdict.failure == failure, verdict
    assert (words in verdict.detail) if words else verdict.detail == "", verdict.detail


@pytest.mark.parametrize("end", ["\r\n", "\r"])
def test_a_notebook_saved_with_other_line_ends_has_no_test_cell_noted_restored(course, end):
    """An editor that wrote each line end as Windows' (or an old Mac's) had every test cell of a lesson
    noted "test cell restored", which reads as tampering (ch38, stop 61). Python reads those line ends as
    ``\\n``: such a cell is the released one, and only a real edit is noted."""
    paths, _, _ = course
    spec = grading._spec(paths, L01)
    released = nbformat.read(paths.release / L01 / f"{L01}.ipynb", as_version=4)
    tests = [c for c in released.cells if c.metadata.get("nbgrader", {}).get("locked") and "\n" in c.source]
    assert len(tests) >= 3, "lesson 01 has multi-line test cells"
    verdict = check_submission(_edit(released, lambda nb: [setattr(c, "source", c.source.replace("\n", end))
                                                            for c in nb.cells]), spec)
    assert verdict.failure is None and not any("restored" in n for n in verdict.notes), verdict.notes
    edited = tests[0].metadata.nbgrader.grade_id
    verdict = check_submission(_edit(released, lambda nb: setattr(
        _cell(nb, edited), "source", _cell(nb, edited).source.replace("\n", end) + f"{end}pass")), spec)
    assert f"test cell restored: {edited}" in verdict.notes, verdict.notes


def test_preflight_restores_the_lessons_metadata_and_keeps_the_students_answer(course, tiny_spec):
    """What preflight checks is what grading grades: ``RestoreMetadata``, nbgrader's first step, puts the
    release's nbgrader metadata on the lesson's cells, a copy's too, and leaves every source as it is."""
    from autograder.preprocessors import RestoreMetadata

    paths, _, _ = course
    spec, correct = tiny_spec
    nb = copy.deepcopy(correct)
    _cell(nb, "square").metadata.nbgrader.update(grade=True, points=2)  # "Manually graded answer"
    _cell(nb, "test-double").metadata.nbgrader.update(grade=False, solution=True, points=0, checksum="x")
    nb.cells.append(_copy_of(_cell(nb, "square")))
    sources = [c.source for c in nb.cells]
    step = RestoreMetadata(source_directory=str(paths.source), release_directory=str(paths.release))
    restored, _ = step.preprocess(copy.deepcopy(nb), {"nbgrader": {"assignment": TINY, "notebook": TINY}})
    assert [c.source for c in restored.cells] == sources
    for cell in restored.cells:
        grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
        if grade_id:
            assert cell.metadata.nbgrader == spec.metadata[grade_id], grade_id
    assert spec.metadata["square"]["grade"] is False and "checksum" in spec.metadata["test-double"]
    verdict = check_submission(_bytes(nb), spec)
    assert verdict.failure is None and verdict.notes == [
        "copied cell: square appears more than once (the first is graded)", "test cell restored: test-double",
        "metadata restored: square (nbgrader's grade, points put back as released)"], verdict.notes


def test_a_notebook_with_far_more_cells_than_its_lesson_fails_at_once(tiny_spec):
    """640,000 empty markdown cells (43 MB, under the size limit) took 35 s of preflight in the grader's
    own process, and 3.5 minutes in all (a red team's, 2026-12-04): the cells are counted before
    anything heavier than reading the JSON."""
    spec, correct = tiny_spec
    assert spec.lesson_cells == len(correct.cells) == 8 and spec.max_cells == 2_000
    at_the_limit = _noted(correct, "x", count=spec.max_cells - len(correct.cells))
    assert check_submission(_bytes(at_the_limit), spec).failure is None
    over = _noted(correct, "x", count=spec.max_cells + 3_000)
    verdict = check_submission(_bytes(over), spec)
    assert verdict.failure == "too many cells", verdict
    assert verdict.detail.startswith("the notebook has 5,008 cells, the lesson 8 (the limit is 2,000): hand "
                                     "in the lesson's notebook"), verdict.detail
    # a big lesson may have ten times its cells
    big = copy.copy(spec)
    big.lesson_cells = 300
    assert big.max_cells == 3_000 and check_submission(_bytes(over), big).failure == "too many cells"
    assert check_submission(_bytes(at_the_limit), big).failure is None


@pytest.mark.parametrize("data, words", [
    (b"\xff\xfe{}", "UTF-16 text"),
    # ch61: UTF-16 (as PowerShell's `>` writes) was 'not UTF-8 text (invalid start byte at byte 0)', an empty
    # file 'invalid JSON: Expecting value at line 1 column 1'; neither said what happened or what to do
    ('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'.encode("utf-16-le"), "UTF-16 text"),
    ('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'.encode("utf-16"), "save it again as UTF-8"),
    (b"\n", "the file is empty (1 bytes): the notebook was not saved"),
    (b"\xc3\x28{}", "not UTF-8 text (invalid continuation byte at byte 0): hand in the notebook as Jupyter saved it"),
    (b'{"cells": 3}', "not a notebook"),
    (b'{"cells": [{"cell_type": "code"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
     "not a valid notebook"),
    (b"", "the file is empty (0 bytes): the notebook was not saved, or its upload failed"),
    (b'{"cells": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", "nested too deeply"),  # stopped the batch
    # a lone surrogate, escaped: valid JSON and UTF-8, but nbgrader could not write the graded copy, and
    # the student's score became "grading error" (a red team's, 2026-12-04)
    (b'{"cells": [], "metadata": {"note": "\\ud800"}, "nbformat": 4, "nbformat_minor": 5}', "half of a character pair"),
    # a notebook in format 3 (worksheets, no cells) is a notebook, in a format to save again (a red team's, 2026-12-04)
    (b'{"worksheets": [{"cells": []}], "metadata": {}, "nbformat": 3, "nbformat_minor": 0}', "old format 3"),
    # a notebook a text editor saved with a byte-order mark: "Unexpected UTF-8 BOM" named no fix (ch38, 2026-12-06)
    (b'\xef\xbb\xbf{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "without one"),
])
def test_preflight_names_malformed_notebooks(tiny_spec, data, words):
    verdict = check_submission(data, tiny_spec[0])
    assert verdict.failure == "malformed notebook" and words in verdict.detail, verdict


def test_a_notebook_of_format_4_0_whose_cells_keep_their_ids_is_read_as_4_5(tiny_spec):
    """rt54 (2026-12-07): a notebook saved as format 4.0 whose cells kept the lesson's ids (Colab saves 4.0 and may
    keep the ids of the 4.5 notebook uploaded; Jupyter, nbconvert and its self-checks run it) failed as "malformed
    notebook: not a valid notebook: Additional properties are not allowed ('id' was unexpected)", an honest lesson
    03 scoring nothing. It is read as 4.5, where ids belong, a cell added without one given one; anything else
    invalid still fails."""
    import json

    spec, correct = tiny_spec
    raw = json.loads(nbformat.writes(correct))
    assert raw["nbformat_minor"] == 5 and all("id" in cell for cell in raw["cells"])
    raw["nbformat_minor"] = 0
    verdict = check_submission(json.dumps(raw, indent=2).encode(), spec)
    assert verdict.failure is None, verdict
    raw["cells"].append({"cell_type": "markdown", "metadata": {"id": "Xy12"}, "source": "my notes"})  # Colab's own cell
    assert check_submission(json.dumps(raw).encode(), spec).failure is None
    without = json.loads(json.dumps(raw))  # format 4.0 without ids, as before
    for cell in without["cells"]:
        cell.pop("id", None)
    assert check_submission(json.dumps(without).encode(), spec).failure is None
    raw["cells"][0]["execution_count"] = "one"  # something else wrong: still refused
    verdict = check_submission(json.dumps(raw).encode(), spec)
    assert verdict.failure == "malformed notebook" and "not a valid notebook" in verdict.detail, verdict


def test_status_before_any_submission_says_what_to_do(tmp_path, capsys):
    from autograder.__main__ import main

    from autograder.notebooks import ROOT

    assert main(["--course", str(ROOT), "--work", str(tmp_path / "work"), "status", "--lesson", "05"]) == 0
    out = capsys.readouterr().out
    assert "no submissions for lesson 05_nanogpt" in out and "`collect`" in out


def test_status_of_a_graded_hand_in_whose_gradebook_is_gone_says_so(tmp_path):
    """ch61: gradebook.db deleted or moved away, status told every graded hand-in 'the gradebook has no score for
    it (restored from a backup?)', of a gradebook that is not there; it says the gradebook is missing and how to
    go on."""
    from autograder.notebooks import ROOT
    from autograder.records import StatusBook, file_digest

    paths = grading.Paths(root=ROOT, work=tmp_path / "work", release=ROOT / "lessons")
    hand_in = paths.submitted / "ada" / L01 / f"{L01}.ipynb"
    hand_in.parent.mkdir(parents=True)
    hand_in.write_bytes((ROOT / "lessons" / L01 / f"{L01}.ipynb").read_bytes())
    StatusBook(paths.status_file).put("ada", L01, submission=file_digest(hand_in),
                                      tests=grading._spec(paths, L01).fingerprint, state="graded", auto_scores={})
    (row,) = grading.grades(paths, L01, "ada")
    assert (row["status"], row["detail"]) == ("not graded", "there is no gradebook (gradebook.db is missing): copy "
                                              "the newest backup from backups/ over it, or release and autograde again")


def test_output_still_arriving_after_a_cell_is_not_called_a_cell_that_ran_too_long():
    # nbclient's words when a cell's outputs come more than iopub_timeout after its reply (a red team's cell
    # printed 100 MB; its notebook had run to the end: 2026-12-03)
    log = ("nbclient.exceptions.CellTimeoutError: OutputStillArriving: test-merge had ended, but its output was "
           "still arriving 60 s later")
    status, detail = grading._failure_from_log(log, 120)
    assert status == grading.TIMEOUT and "still arriving" in detail and "120 s" not in detail, detail
    # an interrupted cell that went on: nbclient's own words, as before
    for log in ("nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed, after 120 "
                "seconds.", "nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed, "
                "after 4 seconds.\nThe message was: Timeout waiting for IOPub output."):
        status, detail = grading._failure_from_log(log, 120)
        assert status == grading.TIMEOUT and "ran past 120 s" in detail, detail
    from autograder.preprocessors import TimedExecute
    assert TimedExecute().iopub_timeout >= 60  # not nbclient's 4 s, which a busy machine's backlog outlasts


def test_only_a_job_that_ran_beside_another_is_graded_again_alone():
    # a notebook that ran out of time with nothing beside it (the batch's last, or --workers 2 with one
    # job left) did so by itself: grading it again alone would only spend its time once more
    overlaps = grading.Overlaps()
    overlaps.started("a")
    overlaps.started("b")           # b starts while a runs: both shared the machine
    assert overlaps.ended("a")
    overlaps.started("c")           # c starts while b still runs
    assert overlaps.ended("b")
    assert overlaps.ended("c")
    overlaps.started("d")           # d runs alone, start to end
    assert not overlaps.ended("d")
    overlaps.started("e")
    overlaps.started("f")           # f starts before e ends: e shared the machine for a while
    assert overlaps.ended("e") and overlaps.ended("f")


def test_feedback_keeps_the_lessons_styled_html_and_nothing_that_runs_or_covers_the_page():
    from autograder.preprocessors import SanitizeStudentHTML
    from course.widgets import tokens_html

    clean = SanitizeStudentHTML().sanitize_html_tags
    row = tokens_html(["Hel", "lo"], [1, 2])
    assert "&lt;" not in clean(row) and clean(row).count("<span") == 2 and "background-color:#" in clean(row)
    for bad, gone in [('<div style="position:fixed;top:0;width:100%">9/9</div>', "position"),
                      ('<span style="background:url(http://x/y.png)">a</span>', "url("),
                      ('<span onclick="alert(1)" style="color:red">c</span>', "onclick"),
                      ('<a href="javascript:alert(1)">l</a>', "javascript"),
                      ('<img src=x onerror=alert(1)>', "<img"), ('<script>alert(1)</script>', "<script"),
                      ('<style>body{display:none}</style>', "<style")]:
        assert gone not in clean(bad), (bad, clean(bad))


def test_a_markdown_output_fetches_no_image_and_runs_no_link():
    """An answer's class with `_repr_markdown_` displays markdown: the sanitizer escaped its HTML but kept
    its own syntax, so `![x](http://...)` was an image the formgrader fetched as the page opened, which the
    markdown answers and the HTML outputs have not (ch35, 2026-12-06). Emphasis and plain links stay."""
    from autograder.preprocessors import SanitizeStudentHTML

    cell = nbformat.v4.new_code_cell("Notes()")
    cell.outputs = [nbformat.v4.new_output("execute_result", execution_count=1, data={
        "text/plain": "Notes", "text/markdown": "**see** ![x](http://example.com/seen.png) [run](javascript:alert(1)) "
                                                 "[docs](https://docs.python.org) <img src=y onerror=alert(2)>"})]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb, _ = SanitizeStudentHTML().preprocess(nb, {})
    shown = nb.cells[0].outputs[0]["data"]["text/markdown"]
    assert "<img" not in shown and "](http" not in shown and "javascript:" not in shown.replace("&lt;", ""), shown
    assert "<strong>see</strong>" in shown and '<a href="https://docs.python.org">docs</a>' in shown, shown


def test_an_output_s_metadata_puts_no_script_and_no_address_in_the_graders_page():
    """nbconvert's templates, the formgrader's and the feedback's, write an image output's ``width`` and
    ``height`` into its ``<img>`` tag without quotes, and take its address from ``filenames``: an answer's
    ``display({...}, raw=True, metadata={"image/png": {"width": "1 onerror=..."}})`` ran a script as the
    formgrader's page opened, and ``filenames`` made it fetch a remote image (ch38, 2026-12-06; the answer
    rules allow ``display``). An honest image keeps its numeric size."""
    from nbconvert import HTMLExporter

    from autograder.preprocessors import SanitizeStudentHTML

    cell = nbformat.v4.new_code_cell("show()")
    png = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    cell.outputs = [
        nbformat.v4.new_output("display_data", data=png, metadata={"image/png": {"width": "1 onerror=alert(1)"}}),
        nbformat.v4.new_output("display_data", data=png, metadata={"height": "2 onload=alert(2)"}),
        nbformat.v4.new_output("display_data", data=png, metadata={"filenames": {"image/png": "https://example.com/b.png"}}),
        nbformat.v4.new_output("execute_result", execution_count=1, data={"image/jpeg": "/9j/", "text/plain": "j"},
                               metadata={"image/jpeg": {"width": "5 src=https://example.com/j.png"}}),
        nbformat.v4.new_output("display_data", data=png, metadata={"image/png": {"width": 320, "height": 240}})]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb, _ = SanitizeStudentHTML().preprocess(nb, {})
    page, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)  # the formgrader's template
    assert "onerror" not in page and "onload=alert" not in page and "example.com" not in page, page
    assert page.count("<img") == 5 and 'width="320"' in page and 'height="240"' in page, page

def test_an_answer_written_in_a_cell_the_student_added_is_named_in_the_detail():
    """An honest ``count_pairs`` written in a new cell below the released one, left raising
    NotImplementedError, scored 0 with no word in the status but the test's "not implemented yet" (rt28,
    2026-12-05). Added cells are not graded, by design; the detail now says where the answer is and what to
    do. A scratch copy beside a real answer, or a helper of another name, is not noted."""
    from autograder.preflight import LessonSpec

    lesson = "01_tokenization"
    spec = LessonSpec.load(solution_path(lesson), REPO / "lessons" / lesson / f"{lesson}.ipynb")
    released = nbformat.read(REPO / "lessons" / lesson / f"{lesson}.ipynb", as_version=4)
    at = next(i for i, c in enumerate(released.cells) if (c.metadata.get("nbgrader") or {}).get("grade_id") == "count-pairs")
    honest = "def count_pairs(ids):\n    counts = {}\n    for p in zip(ids, ids[1:]):\n        counts[p] = counts.get(p, 0) + 1\n    return counts\n"

    def notes(answer_cell, added):
        nb = copy.deepcopy(released)
        if answer_cell is not None:
            nb.cells[at].source = answer_cell
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(added))
        return [n for n in check_submission(_bytes(nb), spec).notes if n.startswith("answer outside")]

    assert notes(None, honest) == ["answer outside its cell: count_pairs defined in a cell the student added, which "
                                   "is not graded (only the answer cell count-pairs is: paste the code there)"]
    assert notes("", honest) != []  # (the answer cell emptied)
    assert notes(honest, honest) == []  # a scratch copy beside the answer
    assert notes(None, "def my_helper(ids):\n    return ids\n") == []
    nb = copy.deepcopy(released)
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(honest))
    assert check_submission(_bytes(nb), spec).outside == {"count-pairs": ["count_pairs"]}


def test_the_feedback_of_an_answer_written_in_a_cell_the_student_added_says_so_in_its_test_cells(tmp_path):
    """Its test cells showed only the template's NotImplementedError, the reason in the status alone (rt54: an
    honest padding_mask below its template, 4/6): each test cell of that exercise now says where the answer is
    and what to do, and no other cell does."""
    from autograder.worker import note_outside

    lesson = "01_tokenization"
    graded = tmp_path / f"{lesson}.ipynb"
    graded.write_bytes(solution_path(lesson).read_bytes())
    note_outside(graded, lesson, {"count-pairs": ["count_pairs"]})
    nb = nbformat.read(graded, as_version=4)
    said = {(c.metadata.get("nbgrader") or {}).get("grade_id"): "".join(o.get("text", "") for o in c.outputs)
            for c in nb.cells if c.cell_type == "code"}
    for test in ("test-count-pairs", "test-count-pairs-form"):
        assert "Your `count_pairs` is in a cell you added" in said[test] and "answer cell" in said[test], said[test]
    assert not any("a cell you added" in text for grade_id, text in said.items()
                   if grade_id not in ("test-count-pairs", "test-count-pairs-form"))


def test_a_markdown_answer_of_deeply_nested_tags_is_shown_as_text_at_once():
    """The HTML sanitizer's time grows with the square of how deeply tags nest: an open question answered
    with `<div>` 40,000 times (200 kB) held its notebook's grading 95 s in the batch's worker, a megabyte
    would pass the notebook's time limit twice (ch35, 2026-12-06). Past 2,000 tags the answer is its text;
    an honest answer keeps its links and emphasis."""
    import time

    from autograder.preprocessors import safe_markdown

    start = time.monotonic()
    shown = safe_markdown("My answer: " + "<div>" * 40_000)
    assert time.monotonic() - start < 10
    assert "<div>" not in shown and shown.count("&lt;div&gt;") == 40_000
    honest = safe_markdown("Bytes, since **every** text has them: see [the docs](https://docs.python.org).")
    assert "<strong>every</strong>" in honest and '<a href="https://docs.python.org">the docs</a>' in honest, honest


def test_a_notebook_of_another_lesson_is_named_as_that_lesson():
    """ch38 (2026-12-06): lesson 04's notebook handed in under lesson 06's name failed as "metadata tampered:
    unknown grade id ...", which did not say what had happened. The failure names the lesson it is."""
    from autograder.preflight import LessonSpec

    spec = LessonSpec.load(solution_path("06_finetuning"), REPO / "lessons" / "06_finetuning" / "06_finetuning.ipynb")
    data = (REPO / "lessons" / "04_lstm" / "04_lstm.ipynb").read_bytes()
    verdict = check_submission(data, spec)
    assert verdict.failure == "metadata tampered" and "this is the notebook of lesson 04_lstm, handed in as lesson " \
        "06_finetuning" in verdict.detail, verdict
    # a notebook that keeps one of the lesson's own cells is not another lesson's: the unknown id is named
    nb = json.loads(data)
    own = json.loads((REPO / "lessons" / "06_finetuning" / "06_finetuning.ipynb").read_bytes())
    nb["cells"].append(next(c for c in own["cells"] if "nbgrader" in c["metadata"]))
    verdict = check_submission(json.dumps(nb).encode(), spec)
    assert verdict.failure == "metadata tampered" and "unknown grade id" in verdict.detail, verdict


def test_ctrl_c_ends_a_command_with_one_line_not_a_traceback(monkeypatch, capsys):
    """ch38 (2026-12-06): Ctrl-C halfway through `autograde` left status right and nothing running, but printed a
    KeyboardInterrupt traceback. The command says in one line what is kept and what to run, and exits 130."""
    import autograder.__main__ as cli

    def interrupted(argv=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "main", interrupted)
    assert cli.run(["autograde"]) == 130
    err = capsys.readouterr().err
    assert "interrupted: what was done is kept" in err and "Traceback" not in err, err


def test_status_read_through_a_pipe_closed_early_ends_without_a_traceback(tmp_path):
    """`status | head -1` of a class: head closes the pipe after one line, and status ended in a
    BrokenPipeError traceback into the CLI (ch55). The reader has what it asked for: no traceback."""
    run = subprocess.Popen([sys.executable, "-c", "import sys; from autograder.__main__ import run; "
                            "sys.argv[0] = 'autograder'; sys.exit(run(sys.argv[1:]))",
                            "--work", str(tmp_path / "work"), "status"],
                           cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, PYTHONPATH=str(REPO)))
    run.stdout.close()  # the reader is gone before the first line
    err = run.stderr.read()
    run.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_autograde_of_a_student_with_no_submission_names_the_student_not_an_empty_class(tmp_path, capsys):
    """`autograde --student bbo` (a typo for bob) said "no submissions (run collect first)" of a class whose
    submissions were all there (ch55): it names the students asked for, and where to see the ids."""
    from autograder.__main__ import main

    work = tmp_path / "work"
    (work / "submitted" / "bob" / L01).mkdir(parents=True)
    (work / "submitted" / "bob" / L01 / f"{L01}.ipynb").write_text("{}")
    assert main(["--work", str(work), "autograde", "--lesson", L01, "--student", "bbo", "--no-sandbox"]) == 0
    out = capsys.readouterr().out
    assert "nothing to grade: no submission of 01_tokenization from bbo" in out and "collect PATH" not in out, out


def test_nbformat_s_mending_of_cell_ids_says_nothing_in_the_graders_output():
    """nbformat mends a repeated or a missing cell id and warns on stderr, naming no student: a line in the
    middle of `autograde`'s output (ch38, stop 61). The grader's processes leave those warnings out; the
    same script without importing the autograder shows them, so the check can fail."""
    script = textwrap.dedent("""
        import json, sys
        if sys.argv[1] == "grader":
            import autograder
        import nbformat
        cells = [{"cell_type": "code", "id": "a", "metadata": {}, "source": "1", "outputs": [],
                  "execution_count": None}] * 2 + [{"cell_type": "markdown", "metadata": {}, "source": "x"}]
        nb = nbformat.reads(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                            as_version=4)
        nbformat.validate(nb)
        print(len({c.id for c in nb.cells}))
    """)
    said = {who: subprocess.run([sys.executable, "-W", "default", "-c", script, who], capture_output=True,
                                text=True, cwd=REPO, timeout=60) for who in ("grader", "plain")}
    assert said["grader"].stdout.strip() == "3" and said["grader"].stderr == "", said["grader"]
    assert "Non-unique cell id" in said["plain"].stderr and "missing an id" in said["plain"].stderr


@pytest.mark.parametrize("option, value", [("--notebook-timeout", "-5"), ("--cell-timeout", "0"), ("--workers", "0")])
def test_a_limit_or_a_count_of_workers_that_is_not_positive_is_refused(tmp_path, capsys, option, value):
    """ch61: `autograde --notebook-timeout -5` (a typo) failed every notebook of the run as 'timeout', each score
    replaced by a failure, and `--cell-timeout 0` graded with no limit on a cell; both are refused at once."""
    from autograder.__main__ import main

    with pytest.raises(SystemExit) as refused:
        main(["--work", str(tmp_path / "work"), "autograde", option, value])
    assert refused.value.code == 2 and f"{value} is not a positive number" in capsys.readouterr().err
