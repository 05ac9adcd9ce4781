"""The second grading out of the student's reach (``autograder.recheck``): the checks run here, the
answers in another process, and only data comes back.

The re-check must agree with the self-checks on honest answers (every lesson's solution passes, every
wrong answer of the project's catalogue fails its own test and no other), and must not be fooled by
what fools a test that shares the student's interpreter.
"""
import collections
import functools
import importlib
import io
import os
import re
import shutil
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
import torch

from autograder.notebooks import lesson_names, lesson_path, solution_path
from autograder.recheck import RECHECKED, Host, RecheckUnavailable, Remote, answer_cells, memory_cap, recheck
from course.checks.exercises import BY_TEST, PRELUDE, PRELUDES
from mistake_catalogue import CATALOGUE, TUNED_MERGE


@pytest.fixture(scope="module")
def host():
    started = Host([PRELUDE], sandbox=False)
    yield started
    started.close()


def _tests(lesson):
    """The lesson's re-checked value tests and its form tests."""
    return sorted(t for t in BY_TEST if BY_TEST[t].lesson == lesson
                  and (t in RECHECKED or t.endswith("-form")))


def _with_answer(lesson, answer_id, source):
    """The lesson's solution notebook with one answer cell replaced by ``source``."""
    nb = nbformat.read(solution_path(lesson), as_version=4)
    hits = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == answer_id]
    assert len(hits) == 1, f"{lesson} has no single answer cell {answer_id}"
    hits[0].source = source
    return nb


def _answer_source(lesson, answer_id):
    nb = nbformat.read(solution_path(lesson), as_version=4)
    [cell] = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == answer_id]
    return cell.source


def test_the_answers_process_carries_its_grading_workers_mark(monkeypatch):
    """Unsandboxed, the answers' process is in a session of its own: the pool kills a worker's processes by
    the mark in their environment, and this one lacked it, so it outlived a killed worker (a red team's,
    2026-12-02). Sandboxed, bwrap dies with its parent and the cgroup with the process."""
    import psutil
    from autograder.pool import MARK

    monkeypatch.setenv(MARK, "test-mark")
    started = Host([], sandbox=False)
    try:
        started._wait_ready()  # (read at once, /proc/PID/environ was empty while the process exec'd: CI, 2026-12-03)
        assert psutil.Process(started.process.pid).environ().get(MARK) == "test-mark"
    finally:
        started.close()


def test_every_value_test_with_a_check_is_rechecked():
    from course.checks.exercises import EXERCISES
    with_checks = {e.test for e in EXERCISES if e.checks}
    assert RECHECKED == with_checks and len(RECHECKED) == 26


@pytest.mark.parametrize("lesson", lesson_names())
def test_every_solution_passes_the_recheck(lesson, host):
    assert _tests(lesson), f"{lesson} has no re-checked test"
    assert recheck(solution_path(lesson), lesson, _tests(lesson), sandbox=False, host=host) == {}


def test_only_the_lessons_whose_recheck_takes_gradients_import_what_backward_needs():
    """torch.autograd.backward given its gradients (the "grad" op) imports
    torch.fx.experimental.symbolic_shapes at its first call (0.35 s of CPU): the answers' process imports it
    before any answer runs for the lessons that take gradients (off a call's clock), and not for lesson 01,
    whose re-check takes none (a third of the start of a class's most graded lesson)."""
    from autograder.answer_host import GRADIENT_LESSONS

    assert set(GRADIENT_LESSONS) | {"01_tokenization"} == set(lesson_names())
    imported = "def imported():\n    import sys\n    return 'torch.fx.experimental.symbolic_shapes' in sys.modules\n"
    started = Host([PRELUDE], sandbox=False)
    try:  # lesson 01: its whole re-check, and nothing imported
        assert recheck(solution_path("01_tokenization"), "01_tokenization", _tests("01_tokenization"), sandbox=False,
                       host=started) == {}
        started.request({"op": "load", "cells": [imported]})
        assert Remote(started, "imported")() is False, \
            "lesson 01's re-check took gradients: add it to answer_host.GRADIENT_LESSONS"
        # lesson 04's answers loaded: imported before they run
        started.request({"op": "load", "lesson": "04_lstm", "cells": [imported]})
        assert Remote(started, "imported")() is True
    finally:
        started.close()


# Wrong answers the re-check cannot see, which nbgrader's run of the test cell grades (its visible code,
# in the student's kernel; its hidden tests run only here): none since gpt_forward's gradient with respect to
# the model's weights is taken in the answers' process (``Remote.course_weight_grad``, 2026-12-06).
NOT_RECHECKABLE: set[tuple[str, str]] = set()


def test_the_hidden_tests_run_here_and_never_in_the_students_kernel():
    """Every hidden test of the course's lessons is run by the re-check, and taken out of the notebook
    that nbgrader runs in the student's kernel; an instructor's own lesson keeps nbgrader's way."""
    from autograder.preprocessors import HIDDEN_BEGIN, WithoutHiddenTests, hidden_lines
    from autograder.recheck import HIDDEN_HERE, hidden_tests

    for lesson in lesson_names():
        source = nbformat.read(solution_path(lesson), as_version=4)
        assert hidden_tests(source) and set(hidden_tests(source)) <= HIDDEN_HERE, lesson
        released = "\n".join(c.source for c in nbformat.read(lesson_path(lesson), as_version=4).cells)
        secret = {line for line in hidden_lines(source) if line not in released}  # not also a visible line
        assert len(secret) > 10, lesson
        ran, _ = WithoutHiddenTests().preprocess(nbformat.from_dict(source), {"nbgrader": {"assignment": lesson}})
        text = "\n".join(cell.source for cell in ran.cells)
        assert HIDDEN_BEGIN not in text and not [line for line in secret if line in text], lesson
        # the visible tests are all still there
        visible = [c.source.split(HIDDEN_BEGIN)[0].strip() for c in source.cells if HIDDEN_BEGIN in c.source]
        assert all(v in text for v in visible), lesson
        mine, _ = WithoutHiddenTests().preprocess(nbformat.from_dict(source), {"nbgrader": {"assignment": "my_lesson"}})
        assert [c.source for c in mine.cells] == [c.source for c in source.cells]


def test_an_answer_tuned_to_the_visible_cases_fails_the_hidden_tests_here(host):
    nb = _with_answer("01_tokenization", "merge", TUNED_MERGE)
    failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=host)
    assert set(failed) == {"test-merge"}, failed
    assert failed["test-merge"].startswith("hidden test (a list of "), failed


def test_an_error_the_answer_raises_in_a_hidden_test_is_named_as_the_answers(host):
    raising = TUNED_MERGE.replace("    out, i = [], 0\n",
                                  "    if 16 < len(ids) != 4000:\n        raise IndexError('too long for me')\n    out, i = [], 0\n")
    failed = recheck(_with_answer("01_tokenization", "merge", raising), "01_tokenization", _tests("01_tokenization"),
                     sandbox=False, host=host)
    assert failed == {"test-merge": "hidden test: the answer raised IndexError (run the test cell's check in the "
                                     "notebook, and try your function on inputs of your own, to see where)"}, failed


def test_a_hidden_test_names_the_case_its_answer_raised_on_in_its_own_words(host):
    """rt30 (2026-12-06): an answer that raised in a hidden test lost its point to "the answer raised
    IndexError", with no word of which case; the hidden test's next assert names it in the grader's words
    (here lstm_cell raises on seven hidden units, which only the hidden tests use)."""
    raising = LSTM_CELL_OK.replace("    i, f, g, o", "    if h.shape[1] == 7:\n        raise IndexError('seven')\n    i, f, g, o")
    failed = recheck(_with_answer("04_lstm", "lstm-cell", raising), "04_lstm", ["test-lstm-cell"], sandbox=False,
                     host=host)
    assert failed == {"test-lstm-cell": "hidden test (B=4, I=2, H=7): the answer raised IndexError (run the test "
                                        "cell's check in the notebook, and try your function on inputs of your "
                                        "own, to see where)"}, failed


def _case_of(code, answer=None):
    """What ``hidden_case`` says of hidden tests ``code`` whose answer ``f`` raises when called with 3."""
    from autograder.recheck import hidden_case

    def f(n):
        if n == 3:
            raise IndexError("three")
        return answer(n) if answer else n

    namespace = {"f": f, "torch": torch}
    with pytest.raises(IndexError) as raised:
        exec(compile(code, "<hidden tests of test-x>", "exec"), namespace)
    return hidden_case(code, "test-x", raised.value, namespace, {"f"})


@pytest.mark.parametrize("code, case", [
    # the assert that runs next, in the grader's words; shapes and lengths of the grader's values
    ("for _n in (1, 2, 3):\n    _got = f(_n)\n    assert _got == _n, f'hidden test (n={_n}): wrong'\n", "n=3"),
    ("for _n in (1, 2, 3):\n    assert f(_n) == _n, f'hidden test (n={_n}): wrong'\n", "n=3"),
    ("_x = torch.zeros(2, 5)\nfor _n in (1, 3):\n    with torch.no_grad():\n        _got = f(_n)\n"
     "    assert _got, f'hidden test (x {tuple(_x.shape)}, {len(\"abc\")}): wrong'\n", "x (2, 5), 3"),
    ("_c = 'the third'\nif True:\n    _got = f(3)\nassert _got, f'hidden test ({_c}): wrong'\n", "the third"),
    # only the case is evaluated, not the rest of the message (which may read the answer's result)
    ("for _n in (1, 2, 3):\n    _got = f(_n)\n    assert _got, f'hidden test (n={_n}): got {type(_got).__name__}'\n",
     "n=3"),
    # none: no "(case)"; a name the answer's result reached; bound on or after the line that raised
    ("for _n in (1, 2, 3):\n    assert f(_n) == _n, f'hidden test: wrong at {_n}'\n", None),
    ("_got = 0\nfor _n in (1, 2, 3):\n    _k = _got\n    _got = f(_n)\n    assert _got, f'hidden test ({_k}): wrong'\n",
     None),
    ("for _n in (1, 2, 3):\n    _got = f(_n)\n    assert _got, f'hidden test ({_got}): wrong'\n", None),
    ("_m = 0\nfor _n in (1, 2, 3):\n    _got = f(_n)\n    _m = _n\n    assert _got, f'hidden test ({_m}): wrong'\n",
     None),
    # none: a call or an attribute other than a shape's in the message; an assert only after the loop
    ("for _n in (1, 2, 3):\n    assert f(_n) == _n, f'hidden test ({str(_n)}): wrong'\n", None),
    ("_x = torch.zeros(2)\nfor _n in (1, 3):\n    assert f(_n), f'hidden test ({_x.sum()}): wrong'\n", None),
    ("for _n in (1, 2, 3):\n    _got = f(_n)\nassert _got, f'hidden test ({_n}): wrong'\n", None),
])
def test_a_hidden_tests_case_comes_from_what_only_the_grader_made(code, case):
    assert _case_of(code) == case


# A red team's (2026-12-02): the error an answer raises while a hidden test asks for its gradient went
# back as the grader's own RuntimeError, whose message the feedback quoted, hidden inputs and all.
LEAKS_IN_BACKWARD = '''
class _Loss(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits, targets):
        ctx.save_for_backward(logits, targets)
        return F.cross_entropy(logits.transpose(1, 2), targets)
    @staticmethod
    def backward(ctx, grad):
        logits, targets = ctx.saved_tensors
        if tuple(logits.shape) == (8, 64, 30):
            raise ValueError(f"SECRET {tuple(logits.shape)} {targets[0, :4].tolist()}")
        with torch.enable_grad():
            again = logits.detach().requires_grad_()
            loss = F.cross_entropy(again.transpose(1, 2), targets)
            return torch.autograd.grad(loss, again, grad)[0], None
def sequence_loss(logits, targets):
    return _Loss.apply(logits, targets)
'''


def test_what_an_answer_raises_in_a_hidden_tests_backward_is_not_quoted(host):
    failed = recheck(_with_answer("04_lstm", "sequence-loss", LEAKS_IN_BACKWARD), "04_lstm", ["test-sequence-loss"],
                     sandbox=False, host=host)
    assert set(failed) == {"test-sequence-loss"}, failed
    assert "SECRET" not in failed["test-sequence-loss"] and "64" not in failed["test-sequence-loss"], failed
    assert failed["test-sequence-loss"].startswith("hidden test: the answer raised RuntimeError"), failed


# A thirteenth red team's (2026-12-03): an honest class, except where only a hidden test calls it. There it
# sends back shapes of its own choosing, which the hidden test's torch.allclose broadcasts in the grader.
_CSA_HONEST_FORWARD = """
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))
        scores = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).masked_fill(~self.mask[:T, :T], float("-inf"))
        return self.resid_dropout(self.c_proj(merge_heads(self.attn_dropout(torch.softmax(scores, dim=-1)) @ v)))
"""
_CSA_INIT = """class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head, self.p = config.n_head, config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)
        self.seen = None

    def forward(self, x):
        B, T, C = x.shape
        before, self.seen = self.seen, x.detach().clone()
"""
# two calls on one input in training mode (the hidden dropout test's): (N, 1), then (1, N): N² to compare
BROADCAST_BOMB = _CSA_INIT + """        if self.training and self.p == 0.1 and self.n_head == 4:
            again = before is not None and before.shape == x.shape and torch.equal(before, x)
            return torch.zeros(1, 40000) if again else torch.ones(40000, 1)
""" + _CSA_HONEST_FORWARD
# the hidden causality probe (an input equal to the last but for its last position): a size that spells
# the hidden input, for the broadcasting error to quote. (The hidden test checks the reply's shape now, so
# the reply has the right shape, in float64, whose comparison raises; its values spell the input.)
SIZE_SPELLS_THE_INPUT = _CSA_INIT + """        if (before is not None and not self.training and T > 1 and before.shape == x.shape
                and torch.equal(before[:, :-1], x[:, :-1]) and not torch.equal(before, x)):
            return torch.full(x.shape, round(abs(before[0, 0, 0].item()) * 1e6) + 3, dtype=torch.float64)
""" + _CSA_HONEST_FORWARD


def test_two_replies_that_broadcast_cannot_take_the_graders_memory(host):
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", BROADCAST_BOMB), "03_self_attention",
                     ["test-causal-self-attention", "test-attention-dropout"], sandbox=False, host=host)
    assert set(failed) == {"test-attention-dropout"}, failed
    # the hidden test checks both replies' shapes before it compares them
    assert failed["test-attention-dropout"] == ("hidden test (dropout=0.1, n_head=4): in training mode the output "
                                                "must be a tensor of the input's shape"), failed
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 2 << 20, "the grader's memory grew by 2 GB"
    assert resource.getrlimit(resource.RLIMIT_DATA)[0] == resource.RLIM_INFINITY  # the cap ends with the re-check


def test_the_graders_memory_cap_refuses_a_broadcast_that_would_fill_the_machine():
    # what a hidden test that compared two such replies unchecked would do in the grader: 40,000² floats, 6.4 GB
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB
    with memory_cap():
        with pytest.raises((RuntimeError, MemoryError)):
            torch.ones(40000, 1) + torch.zeros(1, 40000)
        assert resource.getrlimit(resource.RLIMIT_DATA)[0] != resource.RLIM_INFINITY
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 2 << 20, "the grader's memory grew by 2 GB"
    assert resource.getrlimit(resource.RLIMIT_DATA)[0] == resource.RLIM_INFINITY  # lifted when the block ends


def test_a_hidden_tests_own_error_does_not_quote_what_the_answer_chose(host):
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", SIZE_SPELLS_THE_INPUT),
                     "03_self_attention", ["test-causal-self-attention"], sandbox=False, host=host)
    assert set(failed) == {"test-causal-self-attention"}, failed
    message = failed["test-causal-self-attention"]
    assert message.startswith("hidden test: RuntimeError while comparing"), message
    assert not re.search(r"\d{4,}", message), message  # no size of the answer's, nor anything else it chose


# A helper's (2026-12-03): an honest loop that also measures the other split now and then lost its point in the
# hidden test, whose get_batch drew both splits from one generator (the self-check gives each its own).
MEASURES_THE_OTHER_SPLIT = """
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        if it % 2 == 0:
            model.eval()
            with torch.no_grad():
                model(*get_batch("val"))
            model.train()
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
"""


def test_an_honest_train_loop_that_also_measures_the_other_split_keeps_its_points(host):
    failed = recheck(_with_answer("04_lstm", "train-loop", MEASURES_THE_OTHER_SPLIT), "04_lstm",
                     ["test-train-loop", "test-train-loop-form"], sandbox=False, host=host)
    assert failed == {}, failed


def test_a_hidden_tests_message_names_the_case_without_its_inputs(host):
    # a red team read padding_mask's hidden lengths out of the hidden test's own message (2026-12-03)
    wrong_for_five = ("def padding_mask(lengths, T):\n    mask = torch.arange(T)[None, :] < lengths[:, None]\n"
                      "    return ~mask if len(lengths) == 5 else mask\n")
    failed = recheck(_with_answer("02_cross_attention", "padding-mask", wrong_for_five), "02_cross_attention",
                     ["test-padding-mask"], sandbox=False, host=host)
    assert re.fullmatch(r"hidden test \(B=5, T=\d+(, a row of length 0)?\): wrong mask", failed["test-padding-mask"]), failed


def test_a_hidden_test_reads_gradients_of_the_answers_own_weights(host):
    """CausalSelfAttention's check and hidden tests ask whether a gradient reaches every weight of the student's
    module, which lives in the answers' process: a module that cuts one off fails there (the check, first, names
    it as in the notebook; until 2026-12-06 only the hidden test saw it, and the notebook's check passed it)."""
    detached = ("class CausalSelfAttention(nn.Module):\n"
                "    def __init__(self, config):\n"
                "        super().__init__()\n"
                "        self.n_head = config.n_head\n"
                "        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n"
                "        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n"
                "        self.attn_dropout = nn.Dropout(config.dropout)\n"
                "        self.resid_dropout = nn.Dropout(config.dropout)\n"
                "        self.register_buffer('mask', causal_mask(config.block_size), persistent=False)\n"
                "    def forward(self, x):\n"
                "        B, T, C = x.shape\n"
                "        q, k, v = F.linear(x, self.c_attn.weight.detach(), self.c_attn.bias).split(C, dim=2)\n"
                "        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))\n"
                "        att = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))\n"
                "        att = att.masked_fill(~self.mask[:T, :T], float('-inf')).softmax(dim=-1)\n"
                "        y = merge_heads(self.attn_dropout(att) @ v)\n"
                "        return self.resid_dropout(self.c_proj(y))\n")
    nb = _with_answer("03_self_attention", "causal-self-attention", detached)
    failed = recheck(nb, "03_self_attention", _tests("03_self_attention"), sandbox=False, host=host)
    assert set(failed) == {"test-causal-self-attention"}, failed
    assert "no gradient reaches c_attn.weight" in failed["test-causal-self-attention"], failed
    assert "weights cut off from the graph" in failed["test-causal-self-attention"], failed


# The re-check grades a wrong answer the way it grades every other: the catalogue's first entries of each
# test cover every exercise's way across. All 480-odd take some 10 minutes, which the suite cannot spend:
# COURSE_RECHECK_WHOLE_CATALOGUE=1 runs them all, each against its whole lesson (before a release, after a
# change of the re-check or of the checks).
PER_TEST = None if os.environ.get("COURSE_RECHECK_WHOLE_CATALOGUE") == "1" else 4


def _rechecked_entries():
    taken, seen = [], collections.Counter()
    for e in CATALOGUE:
        if e.test in RECHECKED and (e.test, e.mistake) not in NOT_RECHECKABLE:
            seen[e.test] += 1
            if PER_TEST is None or seen[e.test] <= PER_TEST:
                taken.append(e)
    return taken


def _could_reach_another(entry, first):
    """Whether a wrong answer must be re-checked with its whole lesson to show that it costs no other
    exercise: a test's first entry (which shows how its exercise's answers meet the others': a class
    that calls the lesson's helpers), and every entry that binds a name beyond its exercise's (a helper
    of the same name as another answer's would replace it). Another answer's outcome depends on nothing
    else of this one's. Each of the others needs only its own tests (a sixth of the time: 2026-12-02,
    10 s against 60 s for the suite's 104 entries)."""
    from autograder.answers import top_level_names
    exercise = BY_TEST[entry.test]
    stub = {n for _, _, n in exercise.checks}
    return first or PER_TEST is None or bool(top_level_names(entry.source) - stub)


def test_every_wrong_answer_of_the_catalogue_fails_its_test_and_no_other(host):
    rechecked = _rechecked_entries()
    assert len(rechecked) >= 90 and {e.test for e in rechecked} == RECHECKED, len(rechecked)
    wrong, whole, seen = [], 0, set()
    for entry in rechecked:
        exercise = BY_TEST[entry.test]
        nb = _with_answer(exercise.lesson, exercise.answer, entry.source)
        tests = _tests(exercise.lesson)
        if _could_reach_another(entry, entry.test not in seen):
            whole += 1
        else:
            tests = [t for t in tests if BY_TEST[t].answer == exercise.answer]
        seen.add(entry.test)
        failed = recheck(nb, exercise.lesson, tests, sandbox=False, host=host)
        # an answer cell can hold two functions (char_encode and char_decode), graded by one test
        others = {t for t in failed if BY_TEST[t].answer != exercise.answer}
        if entry.test not in failed or others:
            wrong.append(f"{entry.test} / {entry.mistake}: failed {sorted(failed)}")
    assert not wrong, "the re-check disagrees with the self-checks:\n" + "\n".join(wrong)
    assert whole >= len(RECHECKED), whole  # every exercise's first entry, with its whole lesson


MERGE_WRONG = '''
def merge(ids, pair, new_id):
    return list(ids)
'''

PROCESS_CHEAT = '''
import json, subprocess, sys
def merge(ids, pair, new_id):
    code = "import json, sys; from course.tokenization import merge; print(json.dumps(merge(*json.loads(sys.argv[1]))))"
    run = subprocess.run([sys.executable, "-c", code, json.dumps([list(ids), list(pair), new_id])],
                         capture_output=True, text=True)
    return json.loads(run.stdout)
'''

CHEATS = {
    # the comparisons the test would use, patched where the answer runs: the grader's are untouched
    "patches torch and the checks": '''
import torch
import course.checks._core as core
core.difference = lambda *a, **k: None
torch.equal = lambda a, b: True
torch.allclose = lambda *a, **k: True
''' + MERGE_WRONG,
    # an object that says it equals anything cannot cross: only data comes back
    "returns an object equal to anything": '''
class Anything(list):
    def __eq__(self, other):
        return True
def merge(ids, pair, new_id):
    return Anything()
''',
    # the caller's frame holds no expected value: the check runs in another process
    "reads the expected value from the caller": '''
import sys
def merge(ids, pair, new_id):
    frame = sys._getframe(1)
    while frame is not None:
        if "expected" in frame.f_locals:
            return frame.f_locals["expected"]
        frame = frame.f_back
    return []
''',
    # writing into the reply channel breaks the frames: that exercise fails, nothing is believed
    "writes a forged reply": '''
import os, struct
def merge(ids, pair, new_id):
    for fd in range(3, 12):
        try:
            os.write(fd, struct.pack(">Q", 4) + b"junk")
        except OSError:
            pass
    return []
''',
    "ends its process": '''
import os
def merge(ids, pair, new_id):
    os._exit(0)
''',
    # the reference, run in a fresh interpreter of its own: its output is right
    "runs the reference in a process of its own": PROCESS_CHEAT,
}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_a_cheat_that_fools_a_shared_interpreter_fails_the_recheck(name, host):
    nb = _with_answer("01_tokenization", "merge", CHEATS[name])
    failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=host)
    assert "test-merge" in failed and set(failed) <= {"test-merge", "test-merge-form"}, failed  # nothing else


def test_an_answer_may_not_start_a_process_in_the_recheck(host):
    """The autograder's rules refuse `subprocess` in an answer's source; the answers' process refuses to
    start one too (an audit hook), however an answer reached it. Without that, this answer passes."""
    nb = _with_answer("01_tokenization", "merge", PROCESS_CHEAT)
    failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=host)
    assert "may not start or signal a process (subprocess.Popen)" in failed.get("test-merge", ""), failed


def test_a_char_decode_that_gives_back_what_char_encode_was_given_fails_the_hidden_tests(host):
    """ch54 (2026-12-07): the hidden test decoded char_encode's own ids, right after char_encode had seen the
    passage, in the same answers' process: a char_decode that gave back the texts char_encode kept in a
    global, and looked the check's cases up in a table (their texts, which the check's source gives), did no
    decoding and kept its point. The hidden test now decodes the grader's ids of a passage char_encode has not
    seen yet."""
    from course import tokenization as ref
    from course.checks.tokenization import _char_cases
    table = {tuple(ref.char_encode(text, stoi)): text for text, stoi in _char_cases(seed=1)}
    cheat = f'''
_SEEN = {{}}
_TABLE = {table!r}


def char_encode(text, stoi):
    ids = []
    for position, ch in enumerate(text):
        if ch not in stoi:
            raise ValueError(f"character {{ch!r}} at position {{position}} is not in the vocabulary")
        ids.append(stoi[ch])
    _SEEN[tuple(ids)] = text
    return ids


def char_decode(ids, itos):
    return _SEEN.get(tuple(ids), _TABLE.get(tuple(ids), ""))
'''
    failed = recheck(_with_answer("01_tokenization", "char-encode-decode", cheat), "01_tokenization",
                     ["test-char-encode-decode", "test-char-encode-decode-form"], sandbox=False, host=host)
    assert failed == {"test-char-encode-decode": "hidden test (a passage of 291 characters): char_decode did not give "
                                                 "the passage back"}, failed


# Data that becomes code where the answers run: none of these names the course in its code, and each
# hands back the reference's own result. The answers' process refuses to compile or run code, to
# unpickle a class or a function, and to import the course's package once the answers run.
DATA_AS_CODE = {
    # a string annotation, evaluated by typing.get_type_hints when singledispatch registers the function
    "an annotation evaluated": '''
import functools
STASH = []
@functools.singledispatch
def _dispatch(x):
    return x
@_dispatch.register
def _one(x: "[STASH.append(__import__('course.tokenization', fromlist=['merge']).merge), int][1]"):
    return x
def merge(ids, pair, new_id):
    return STASH[0](ids, pair, new_id)
''',
    # a pickle that names the reference, read by numpy's .npy reader from an object of the answer's
    "a pickle unpickled": r'''import numpy as np
class _Reader:
    def __init__(self, data):
        self.data, self.at = data, 0
    def read(self, n=-1):
        n = len(self.data) - self.at if n is None or n < 0 else n
        out = self.data[self.at:self.at + n]
        self.at += n
        return out
    def readline(self):
        end = self.data.find(b"\n", self.at)
        return self.read((end + 1 if end >= 0 else len(self.data)) - self.at)
_head = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
_head = _head + b" " * (63 - len(_head)) + b"\n"
_blob = b"\x93NUMPY\x01\x00" + bytes([len(_head), 0]) + _head + b"ccourse.tokenization\nmerge\n."
_impl = [np.lib.format.read_array(_Reader(_blob), allow_pickle=True)]
def merge(ids, pair, new_id):
    return _impl[0](ids, pair, new_id)
''',
    # the reference's source, run as code
    "a string run": '''
STASH = {}
exec("from course.tokenization import merge as found", STASH)
def merge(ids, pair, new_id):
    return STASH["found"](ids, pair, new_id)
''',
}


@pytest.mark.parametrize("name", sorted(DATA_AS_CODE))
def test_data_cannot_become_code_in_the_answers_process(name, host):
    """The rules refuse these answers (tests/test_answers.py); this is the second layer, for a way the
    rules miss: each would get the reference's merge and pass without it."""
    nb = _with_answer("01_tokenization", "merge", DATA_AS_CODE[name])
    failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=host)
    assert "test-merge" in failed, failed
    assert set(failed) <= {"test-merge", "test-merge-form"}, failed  # nothing else

# The course's file itself, loaded by its path from an answer that reached Python's builtins (through
# `attrgetter` and a dunder name the rules never see as a name): no import names `course`, and importlib
# compiles and runs it in its own frames. Past the rules, bpe_word scored full marks (2026-12-01).
_BUILTINS = '''import random
from torch.autograd.profiler_util import attrgetter
_builtin = attrgetter("_" + "_globals_" + "_")(random.shuffle)["_" + "_builtins_" + "_"]
_load = _builtin["_" + "_import_" + "_"]
_util, _os, _paths = _load("importlib.util").util, _load("os"), _load("sys").path
_ROOT = [str(r) for r in ["/course"] + _paths if _os.path.exists(str(r) + "/course/tokenization.py")][0]
'''
COURSE_FILES = {
    "spec_from_file_location": _BUILTINS + '''
def bpe_word(symbols, ranks):
    spec = _util.spec_from_file_location("tok", _ROOT + "/course/tokenization.py")
    module = _util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.bpe_word(symbols, ranks)
''',
    # a descriptor of the folder above the course's, then a name relative to it: the open event says
    # only "course/tokenization.py", and a loader of the answer's hands importlib the text
    "os.open with dir_fd": _BUILTINS + '''
class _Text(_load("importlib.abc").abc.SourceLoader):
    def __init__(self, data):
        self.data = data
    def get_filename(self, name):
        return "tok.py"
    def get_data(self, path):
        return self.data
def bpe_word(symbols, ranks):
    fd = _os.open("course/tokenization.py", _os.O_RDONLY, dir_fd=_os.open(_ROOT, _os.O_RDONLY))
    spec = _util.spec_from_loader("tok", _Text(_os.read(fd, 10 ** 7)))
    module = _util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.bpe_word(symbols, ranks)
''',
}


@pytest.mark.parametrize("name", sorted(COURSE_FILES))
def test_an_answer_cannot_read_the_courses_files_in_the_answers_process(name, host):
    """Once the answers run, a file in the course's package (or a folder that holds it) is not opened,
    and code from one is not compiled or run, but for the grader's own imports (a model it sends)."""
    failed = recheck(_with_answer("01_tokenization", "bpe-word", COURSE_FILES[name]), "01_tokenization",
                     _tests("01_tokenization"), sandbox=False, host=host)
    assert set(failed) == {"test-bpe-word", "test-bpe-word-form"}, failed
    assert "may not read the course's own files" in failed["test-bpe-word-form"], failed


def test_code_that_python_makes_for_an_answer_still_runs_in_the_answers_process(host):
    """A dataclass, a named tuple and annotations as text: Python compiles code for the first two, and
    typing for a string inside a subscript; the guard against data that becomes code lets them be."""
    honest = '''
import collections, dataclasses, typing
@dataclasses.dataclass
class _Pair:
    left: int
    right: "int" = 0
_Span = collections.namedtuple("_Span", "start end")
def merge(ids: "list[int]", pair: typing.Tuple["int", int], new_id: int) -> typing.List["int"]:
    target, out, i = _Pair(*pair), [], 0
    while i < len(ids):
        span = _Span(i, i + 2)
        if i + 1 < len(ids) and (ids[span.start], ids[span.start + 1]) == (target.left, target.right):
            out.append(new_id)
            i = span.end
        else:
            out.append(ids[i])
            i += 1
    return out
'''
    nb = _with_answer("01_tokenization", "merge", honest)
    assert recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=host) == {}


def test_a_form_test_is_rechecked_with_its_own_message(host):
    nb = _with_answer("01_tokenization", "merge", "def merge(ids, pair, new_id):\n    return tuple(ids)\n")
    failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=host)
    assert set(failed) == {"test-merge", "test-merge-form"}, failed
    assert "merge must return a list of ints, got a tuple of int" in failed["test-merge-form"], failed


def test_an_answer_right_only_in_the_kernel_loses_its_form_point_too(host):
    """Right in the notebook's kernel, a string outside it: both of the exercise's tests fail."""
    kernel_only = ("import sys\ndef merge(ids, pair, new_id):\n    if 'ipykernel' not in sys.modules:\n"
                   "        return 'no'\n    return list(ids)\n")
    nb = _with_answer("01_tokenization", "merge", kernel_only)
    failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=host)
    assert set(failed) == {"test-merge", "test-merge-form"}, failed


def test_a_form_test_after_a_class_check_grades_the_students_function(host):
    """Lesson 03's class checks bind the course's causal_mask in place of the student's (so one mistake
    costs one exercise); the form tests that follow must see the student's own again. A causal_mask
    right only in the kernel kept its form point while they saw the course's."""
    kernel_only = ("import sys\ndef causal_mask(T):\n    if 'ipykernel' not in sys.modules:\n"
                   "        return 'no'\n    return torch.ones(T, T, dtype=torch.bool).tril()\n")
    nb = _with_answer("03_self_attention", "causal-mask", kernel_only)
    failed = recheck(nb, "03_self_attention", _tests("03_self_attention"), sandbox=False, host=host)
    assert {"test-causal-mask", "test-causal-mask-form"} <= set(failed), failed
    assert "causal_mask must return a torch.Tensor, got str" in failed["test-causal-mask-form"], failed


def test_every_form_test_is_rechecked():
    from autograder.recheck import form_tests
    forms = {t for lesson in lesson_names() for t in form_tests(nbformat.read(solution_path(lesson), as_version=4))}
    every = {t for t in BY_TEST if t.endswith("-form")}
    assert forms == every and len(forms) >= 20, sorted(every - forms)


GREEDY_IN_THE_KERNEL_ONLY = {
    # right only in the notebook's kernel; outside it, the prompt alone
    ("04_lstm", "generate-greedy", "test-generate-greedy"): '''
import sys
def generate_greedy(model, idx, max_new_tokens):
    if "ipykernel" not in sys.modules:
        return torch.cat([idx, idx[:, -1:].repeat(1, max_new_tokens)], dim=1)
    logits, state = model.forward_with_state(idx)
    for _ in range(max_new_tokens):
        next_id = logits[:, -1].argmax(-1, keepdim=True)
        idx = torch.cat([idx, next_id], dim=1)
        logits, state = model.forward_with_state(next_id, state)
    return idx
''',
    ("06_finetuning", "greedy-decode", "test-greedy-decode"): '''
import sys
def greedy_decode(model, input_ids, max_new_tokens):
    if "ipykernel" not in sys.modules:
        return torch.cat([input_ids, input_ids[:, -1:].repeat(1, max_new_tokens)], dim=1)
    for _ in range(max_new_tokens):
        next_id = model(input_ids).logits[:, -1].argmax(-1, keepdim=True)
        input_ids = torch.cat([input_ids, next_id], dim=1)
    return input_ids
''',
}


@pytest.mark.parametrize("lesson,answer,test", sorted(GREEDY_IN_THE_KERNEL_ONLY))
def test_a_decoder_right_only_in_the_kernel_fails_the_recheck(lesson, answer, test, host):
    """The model crosses as a copy (lesson 06's a Hugging Face GPT-2); its ids are graded here."""
    nb = _with_answer(lesson, answer, GREEDY_IN_THE_KERNEL_ONLY[lesson, answer, test])
    failed = recheck(nb, lesson, _tests(lesson), sandbox=False, host=host)
    assert set(failed) == {test}, failed  # the form (a long tensor that starts with the prompt) is right


def test_hugging_faces_other_decoding_loops_fail_the_recheck(host):
    """greedy_decode through `model.generate_batch` (continuous batching, beside `generate`) passed the
    self-check and the re-check: full marks. The rules refuse it by name (tests/test_answers.py); here,
    past the rules, the checks' model has none of GenerationMixin's public methods, and the feedback
    says which was called, without a frame of the grader's."""
    from test_answers import GENERATE_BATCH
    # the value test only: the form test's model is the lesson's, and with it generate_batch really
    # decodes (about 20 s; the form is right, as for an answer that calls model.generate)
    failed = recheck(_with_answer("06_finetuning", "greedy-decode", GENERATE_BATCH), "06_finetuning",
                     ["test-greedy-decode"], sandbox=False, host=host)
    assert set(failed) == {"test-greedy-decode"}, failed
    assert "model.generate_batch was called" in failed["test-greedy-decode"], failed
    assert " line " not in failed["test-greedy-decode"], failed  # no frame of the grader's own code


PYTORCHS_LSTM = {
    "torch.lstm": "    out, hn, cn = t.lstm(x[:, None], (h[None], c[None]), (W_ih, W_hh, b_ih, b_hh), True, 1, 0.0, "
                  "False, False, True)\n    return hn[0], cn[0]\n",
    # oneDNN's LSTM layer, one step long: full marks too (2026-12-01)
    "torch.mkldnn_rnn_layer": "    out = t.mkldnn_rnn_layer(x[None], W_ih, W_hh, b_ih, b_hh, h[None], c[None], False, [], 2, "
                              "h.shape[1], 1, True, False, False, torch.is_grad_enabled())\n"
                              "    return out[1][0], out[2][0]\n",
}


@pytest.mark.parametrize("name", sorted(PYTORCHS_LSTM))
def test_pytorchs_lstm_under_a_local_name_fails_the_recheck(host, name):
    """`t = torch` inside the function, then `t.lstm(...)`: the rules cannot follow the name, and it
    scored full marks. The answers' process has no `torch.lstm` (nor the other recurrent functions);
    the lesson's own models, which call them through torch._VF, still run there."""
    source = "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n    t = torch\n" + PYTORCHS_LSTM[name]
    failed = recheck(_with_answer("04_lstm", "lstm-cell", source), "04_lstm", _tests("04_lstm"), sandbox=False, host=host)
    assert set(failed) == {"test-lstm-cell", "test-lstm-cell-form"}, failed
    assert f"{name} is PyTorch's own version" in failed["test-lstm-cell-form"], failed


# PyTorch's own module for an exercise, found without its name (in a table of torch's quantization) and
# run with the exercise's weights through torch.func.functional_call: past the rules, it scored full
# marks (2026-12-01): lesson 04's lstm_cell 12/12, lesson 03's CausalSelfAttention its 3-point test.
PYTORCHS_MODULES = {
    "nn.LSTMCell": ("04_lstm", "lstm-cell", {"test-lstm-cell", "test-lstm-cell-form"}, '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    Cell = [k for k in torch.quantization.DEFAULT_DYNAMIC_QUANT_MODULE_MAPPINGS if str(k).endswith("LSTMCell'>")][0]
    params = {"weight_ih": W_ih, "weight_hh": W_hh, "bias_ih": b_ih, "bias_hh": b_hh}
    return torch.func.functional_call(Cell(x.shape[1], h.shape[1]), params, (x, (h, c)))
'''),
    # what nn.LSTMCell calls, under a name the rules cannot read
    "torch._VF.lstm_cell": ("04_lstm", "lstm-cell", {"test-lstm-cell", "test-lstm-cell-form"}, '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    return getattr(torch._VF, "lstm" + "_cell")(x, (h, c), W_ih, W_hh, b_ih, b_hh)
'''),
    # the same kernels as torch.ops.aten has them (the rules refuse `ops`, should an answer get past them)
    "torch.ops.aten.lstm_cell": ("04_lstm", "lstm-cell", {"test-lstm-cell", "test-lstm-cell-form"}, '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    return getattr(torch.ops.aten, "lstm" + "_cell").default(x, [h, c], W_ih, W_hh, b_ih, b_hh)
'''),
    "torch.ops.aten.scaled_dot_product_attention": ("02_cross_attention", "sdpa", {"test-sdpa", "test-sdpa-form"}, '''
def scaled_dot_product_attention(q, k, v, mask=None):
    return getattr(torch.ops.aten, "scaled_dot_product" + "_attention")(q, k, v, attn_mask=mask)
'''),
    "nn.MultiheadAttention": ("03_self_attention", "causal-self-attention",
                              {"test-causal-self-attention", "test-attention-dropout"}, '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)
        table = torch.ao.quantization.get_default_custom_config_dict()["float_to_observed_custom_module_class"]
        Attention = [k for k in table if str(k).endswith("MultiheadAttention'>")][0]
        # in a list, so that it adds no parameters of its own: the weights are c_attn's and c_proj's
        self.attn = [Attention(config.n_embd, config.n_head, dropout=config.dropout, bias=config.bias,
                               batch_first=True)]

    def forward(self, x):
        B, T, C = x.shape
        params = {"in_proj_weight": self.c_attn.weight, "out_proj.weight": self.c_proj.weight}
        if self.c_attn.bias is not None:
            params["in_proj_bias"], params["out_proj.bias"] = self.c_attn.bias, self.c_proj.bias
        self.attn[0].train(self.training)
        future = ~torch.ones(T, T, dtype=torch.bool).tril()
        y, _ = torch.func.functional_call(self.attn[0], params, (x, x, x), {"attn_mask": future})
        return self.resid_dropout(y)
'''),
}


@pytest.mark.parametrize("name", sorted(PYTORCHS_MODULES))
def test_pytorchs_own_module_reached_without_its_name_fails_the_recheck(host, name):
    """In lessons 02-04 the answers' process refuses to run PyTorch's own version of the lesson's
    exercises (the modules' forward, the functions), however an answer reached them; the feedback names
    it. (The lesson's own models still run there: every solution passes, lesson 04's train_loop trains a
    CharLSTM with nn.LSTM there, and lessons 05 (in its companion) and 06 run attention.)"""
    lesson, answer, expected, source = PYTORCHS_MODULES[name]
    failed = recheck(_with_answer(lesson, answer, source), lesson, _tests(lesson), sandbox=False, host=host)
    assert set(failed) == expected, failed
    assert any(f"{name} is PyTorch's" in why for why in failed.values()), failed


# Lesson 05's causal_average is the masked average that attention is. nn.MultiheadAttention, found in a table of
# torch's quantization, with projections that pass the values through, averaged the past under a causal mask and
# kept both its points (ch47): lesson 05's GPT runs attention, so the answers' process did not refuse it there; the
# GPT runs only in the companion, and the answers' process of the other exercises refuses attention.
CAUSAL_AVERAGE_BY_ATTENTION = '''
def causal_average(x):
    B, T, C = x.shape
    table = torch.ao.quantization.get_default_custom_config_dict()["float_to_observed_custom_module_class"]
    layer = [kind for kind in table if "Attention" in kind.__name__][0]
    heads = layer(C, 1, bias=False, batch_first=True)
    with torch.no_grad():
        heads.in_proj_weight.zero_()
        heads.in_proj_weight[2 * C:] = torch.eye(C)
        heads.out_proj.weight.copy_(torch.eye(C))
    out, _ = heads(x, x, x, attn_mask=torch.ones(T, T, dtype=torch.bool).triu(1), need_weights=False)
    return out
'''


def test_pytorchs_attention_as_lesson_05s_causal_average_fails_the_recheck(host):
    """The answer is right (the first assert) and passes the rules; the re-check names what did the work. The
    lesson's other answers still pass, block_forward and gpt_forward through the course's attention, in the
    companion."""
    namespace = {"torch": torch}
    exec(CAUSAL_AVERAGE_BY_ATTENTION, namespace)
    x = torch.randn(2, 5, 3)
    assert torch.allclose(namespace["causal_average"](x), x.cumsum(1) / torch.arange(1, 6).view(1, 5, 1), atol=1e-6)
    failed = recheck(_with_answer("05_nanogpt", "causal-average", CAUSAL_AVERAGE_BY_ATTENTION), "05_nanogpt",
                     _tests("05_nanogpt"), sandbox=False, host=host)
    assert set(failed) == {"test-causal-average", "test-causal-average-form"}, failed
    assert all("nn.MultiheadAttention is PyTorch's own version" in why for why in failed.values()), failed


def test_a_meta_tensor_result_is_named_in_the_grade(host):
    """A result on the meta device has the right shape and dtype (the form point, as torch.empty_like's) and no
    values: the check said torch's own "Tensor on device cpu is not on the expected device meta!" (ch52); now it
    names the device."""
    source = "def causal_average(x):\n    return torch.empty(x.shape, device='meta')\n"
    failed = recheck(_with_answer("05_nanogpt", "causal-average", source), "05_nanogpt", _tests("05_nanogpt"),
                     sandbox=False, host=host)
    assert set(failed) == {"test-causal-average"}, failed
    why = failed["test-causal-average"]
    assert "a meta tensor has a shape and a dtype but no values" in why and "RuntimeError" not in why, why


# The decoding loop an exercise asks for, as the model's class has it, called on the check's model (whose
# own `generate` raises on the object): with the class reached through `operator.attrgetter`, which the
# rules now refuse, both scored full marks (a red team's, 2026-12-01). The answers' process makes the
# classes' methods raise too.
CLASS_DECODERS = {
    "CharLSTM.generate (lesson 04)": ("04_lstm", "generate-greedy", "test-generate-greedy", '''
from torch.autograd.profiler_util import attrgetter
def generate_greedy(model, idx, max_new_tokens):
    return attrgetter("_" + "_class_" + "_")(model).generate(model, idx, max_new_tokens, greedy=True)
'''),
    "Hugging Face's generate (lesson 06)": ("06_finetuning", "greedy-decode", "test-greedy-decode", '''
from torch.autograd.profiler_util import attrgetter
def greedy_decode(model, input_ids, max_new_tokens):
    own = attrgetter("_" + "_dict_" + "_")(model)
    for name in [k for k, v in own.items() if "_forbidden" in str(v)]:
        own.pop(name)
    return model.generate(input_ids, attention_mask=torch.ones_like(input_ids), do_sample=False,
                          max_new_tokens=max_new_tokens, eos_token_id=-1, pad_token_id=0)
'''),
}


@pytest.mark.parametrize("name", sorted(CLASS_DECODERS))
def test_a_models_class_decoding_loop_fails_the_recheck(host, name):
    lesson, answer, test, source = CLASS_DECODERS[name]
    failed = recheck(_with_answer(lesson, answer, source), lesson, [test], sandbox=False, host=host)
    assert set(failed) == {test} and "model.generate was called" in failed[test], failed


# The course's own answer to an exercise graded in the companion (the answers' process that has the course
# package), reached past the rules (here through ``sys.modules``, which the rules refuse; red teams have
# found other ways to a module before): lesson 04's train_loop is course.train's, and lesson 05's
# block_forward is the course's Block put around the parts its check sends. Both scored full marks in the
# re-check until the companion refused them (2026-12-05).
COURSE_CODE_IN_THE_COMPANION = {
    "course.train.train_loop (lesson 04)": ("04_lstm", "train-loop", "test-train-loop", '''
import sys
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    return sys.modules["course.train"].train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule)
''', "course.train.train_loop was called: write the training loop yourself"),
    "the course's Block around the parts (lesson 05)": ("05_nanogpt", "block-forward", "test-block-forward", '''
import sys
def block_forward(x, ln_1, attn, ln_2, mlp):
    Block = sys.modules["course.gpt"].Block
    block = Block.__new__(Block)
    nn.Module.__init__(block)
    block.ln_1, block.attn, block.ln_2, block.mlp = ln_1, attn, ln_2, mlp
    return block(x)
''', "the course's Block was run on a module the answer made or kept"),
}


@pytest.mark.parametrize("name", sorted(COURSE_CODE_IN_THE_COMPANION))
def test_the_courses_own_answer_in_the_companion_fails_the_recheck(host, name):
    lesson, answer, test, source, said = COURSE_CODE_IN_THE_COMPANION[name]
    failed = recheck(_with_answer(lesson, answer, source), lesson, [test, f"{test}-form"], sandbox=False, host=host)
    assert set(failed) == {test, f"{test}-form"} and all(said in why for why in failed.values()), failed


# The answers' process's own loader of course modules (``_bind``, for lesson 03's helpers), reached from
# an answer through ``sys.modules["__main__"]`` (a second red team's, with globals copied by
# ``functools.wraps``, which the rules now refuse): the audit hook trusted any frame of it. Only the
# process's own loop may call it now.
BIND_FROM_AN_ANSWER = '''
import functools, dataclasses
class Box:
    pass
def get(self, name):
    return self.sys.modules[name]
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    box = Box()
    functools.wraps(dataclasses)(box)
    main = Box()
    functools.wraps(get(box, "_" + "_main_" + "_"))(main)
    reference = main._bind("cour" + "se.lstm")
    return get(box, "builtins").getattr(reference, "lstm" + "_cell")(x, h, c, W_ih, W_hh, b_ih, b_hh)
'''


def test_an_answer_cannot_use_the_answer_process_own_loader(host):
    failed = recheck(_with_answer("04_lstm", "lstm-cell", BIND_FROM_AN_ANSWER), "04_lstm", ["test-lstm-cell"],
                     sandbox=False, host=host)
    assert set(failed) == {"test-lstm-cell"}, failed  # (the reason is cut from the message; without the fix: {})


HONEST_BASES = '''
import collections, dataclasses, enum, typing
class Net(nn.Module):
    pass
class Wide(nn.Linear):
    pass
class Ids(list):
    pass
class Counts(collections.Counter):
    pass
class Table(collections.OrderedDict):
    pass
class Colour(enum.IntEnum):
    RED = 1
class Pair(typing.NamedTuple):
    a: int
    b: int
class Bad(ValueError):
    pass
@dataclasses.dataclass
class Config:
    n: int = 1
class Box(typing.Generic[typing.TypeVar("T")]):
    pass
def made():
    class Local(dict):
        pass
    return len([Net(), Wide(2, 2), Ids(), Counts(), Table(), Colour.RED, Pair(1, 2), Local()])
'''


# A red team's (2026-12-02), past the rules (which now refuse handing `type(...)` to a class's own
# `__contains__`): a subclass of typing's _GenericAlias wrapping `torch` forwards `self.sys` to `torch.sys`,
# and so reached the course's CausalSelfAttention, which lesson 03's class check had loaded: full marks.
# The answers' process refuses a class of an answer's based on a library class that forwards attributes.
ALIAS_CSA = '''
import typing
class Catch:
    def __init__(self):
        self.got = []
    def __contains__(self, item):
        self.got.append(item)
        return False
catch = Catch()
type(typing.List[int]) in catch
class Alias(catch.got[0], _root=True):
    def reference(self):
        return self.sys.modules["course.attention"].CausalSelfAttention
''' + _answer_source("03_self_attention", "causal-self-attention").split("    def forward")[0].replace(
    "        self.n_embd = config.n_embd\n",  # what the course's forward reads of its module
    "        self.n_embd = config.n_embd\n        self.block_size = config.block_size\n        self.dropout = config.dropout\n"
    "        self.use_sdpa = False\n        self.store_attention = False\n") + '''
    def forward(self, x):
        return Alias(torch, (), name="alias").reference().forward(self, x)
'''


def test_an_answers_class_cannot_inherit_a_library_classs_attribute_forwarding(host):
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", ALIAS_CSA), "03_self_attention",
                     _tests("03_self_attention"), sandbox=False, host=host)
    assert {"test-causal-self-attention", "test-attention-dropout"} <= set(failed), failed  # without the fix: {}
    assert "may not inherit from typing._BaseGenericAlias" in (host.folder / "stderr.txt").read_text(), \
        "the answer cell's error names the class it may not inherit from"


# rt21 (2026-12-04): nn.Module's __getattr__ hands back a child by the name it was registered under, a special
# name too (nn.ModuleDict takes any key); a child that is also a dict was read by numpy as an array interface,
# an array at any address: the builtins of a function, then the course's reference. A class made in another
# answer cell (out of the rules' sight of its bases) is refused where it is made.
DICT_MODULE = '''
class Table(dict):
    pass
def made():
    class Box(Table, nn.Module):
        pass
    return 1
'''


def test_an_answers_class_may_not_be_both_a_module_and_a_dict(host):
    host.request({"op": "load", "cells": [PRELUDE, DICT_MODULE]})
    reply = host.request({"op": "call", "name": "made", "args": (), "kwargs": {}})
    assert reply["ok"] is False and reply["error"] == "TypeError", reply
    assert "both an nn.Module and a dict" in reply["message"], reply


def test_the_answers_process_does_not_list_its_objects(host):
    """rt21 (2026-12-04): an answer that reached the builtins past the rules took ``gc`` and found the audit
    hook's function among ``gc.get_objects()``; its globals and closure, emptied, let the course be imported."""
    host.request({"op": "load", "cells": [PRELUDE, "import gc\ndef listed():\n    return len(gc.get_objects())\n"
                                                     "def referents():\n    return len(gc.get_referents(listed))\n"]})
    for name in ("listed", "referents"):
        reply = host.request({"op": "call", "name": name, "args": (), "kwargs": {}})
        assert reply["ok"] is False and reply["error"] == "PermissionError", reply


def test_an_answer_raises_the_recursion_limit_in_the_answers_process_no_higher_than_in_the_kernel(host):
    """ch59 (2026-12-07): the grading kernel caps the limit an answer sets, but here an answer cell's
    ``sys.setrecursionlimit(10**7)`` held, and an endless recursion ran 53 s before its RecursionError."""
    import numpy as np
    from autograder.preprocessors import MAX_RECURSION

    host.request({"op": "load", "cells": [PRELUDE, "import sys\nsys.setrecursionlimit(10**7)\n"
                                                     "def limit(n):\n    sys.setrecursionlimit(n)\n"
                                                     "    return sys.getrecursionlimit()\n"
                                                     "def endless(n):\n    return endless(n + 1)\n"]})
    reply = host.request({"op": "call", "name": "limit", "args": (3000,), "kwargs": {}})
    assert reply["ok"] is True and reply["value"] == 3000, reply  # (a limit under the cap is kept)
    for limit in (10**7, np.int64(10**6)):
        reply = host.request({"op": "call", "name": "limit", "args": (limit,), "kwargs": {}})
        assert reply["ok"] is True and reply["value"] == MAX_RECURSION, reply
    reply = host.request({"op": "call", "name": "endless", "args": (0,), "kwargs": {}})
    assert reply["ok"] is False and reply["error"] == "RecursionError", reply


def test_the_answers_process_copies_a_bytearray_given_to_torch_asarray(host):
    """rt22 (2026-12-05): ``torch.asarray`` and ``torch.frombuffer`` share a bytearray's memory without holding
    its export, so the bytearray grew and freed the memory under the tensor, and an object array made there
    had its slots written with addresses (any object of the process). There the tensor holds a copy."""
    host.request({"op": "load", "cells": [PRELUDE, "def shared(name):\n    b = bytearray(16)\n"
                                                     "    t = torch.asarray(b, dtype=torch.uint8)\n    b[0] = 7\n"
                                                     "    b.extend(bytes(100000))\n    return int(t[0])\n"]})
    reply = host.request({"op": "call", "name": "shared", "args": ("asarray",), "kwargs": {}})
    assert reply["ok"] is True and reply["value"] == 0, reply
    # and a BytesIO's memoryview, released once torch has read it (the BytesIO could then grow)
    host.request({"op": "load", "cells": [PRELUDE, "import io\ndef viewed():\n    b = io.BytesIO(bytes(16))\n"
                                                     "    m = b.getbuffer()\n    t = torch.asarray(m, dtype=torch.uint8)\n"
                                                     "    m[0] = 7\n    return int(t[0])\n"]})
    reply = host.request({"op": "call", "name": "viewed", "args": (), "kwargs": {}})
    assert reply["ok"] is True and reply["value"] == 0, reply



def test_the_answers_process_keeps_the_memory_under_a_tensors_numpy_array(host):
    """ch41 (2026-12-06): ``t.numpy()``'s array holds the tensor's memory through an alias of the tensor (its
    ``base``); ``set_`` on that alias and on the tensor freed the memory under the array, and an object array
    made there next had its slots written with addresses (``sys``, in a real answers' process). There the array
    holds the memory itself. (The rules allow ``set_``: an honest greedy decode grows its ids with it.)"""
    freed = ("def freed(name):\n    t = torch.full((512,), 7, dtype=torch.int64)\n    a = np.asarray(t)\n"
             "    if name == 'set_':\n        a.base.set_(torch.zeros(0, dtype=torch.int64))\n"
             "        t.set_(torch.zeros(0, dtype=torch.int64))\n"
             "    else:  # (it sets .data of each tensor it is given)\n"
             "        torch.nn.utils.vector_to_parameters(torch.zeros(1024, dtype=torch.int64), [a.base, t])\n"
             "    kept = [torch.full((512,), 9, dtype=torch.int64) for _ in range(64)]\n"
             "    return [int(a[0]), int(a[511]), len(kept)]\n")
    host.request({"op": "load", "cells": [PRELUDE, "import numpy as np\n" + freed]})
    for name in ("set_", "vector_to_parameters"):
        reply = host.request({"op": "call", "name": "freed", "args": (name,), "kwargs": {}})
        assert reply["ok"] is True and reply["value"] == [7, 7, 64], (name, reply)
    # share_memory_ frees the memory in place (rt22's, refused by name by the rules): refused here too, also
    # through nn.Module.share_memory
    moved = ("def moved(name):\n    t = torch.full((512,), 7, dtype=torch.int64)\n    a = t.numpy()\n"
             "    if name == 'tensor':\n        t.share_memory_()\n    else:\n        m = torch.nn.Module()\n"
             "        m.register_buffer('b', t)\n        m.share_memory()\n    return int(a[0])\n")
    host.request({"op": "load", "cells": [PRELUDE, moved]})
    for name in ("tensor", "module"):
        reply = host.request({"op": "call", "name": "moved", "args": (name,), "kwargs": {}})
        assert reply["ok"] is False and reply["error"] == "PermissionError", (name, reply)
    # an honest use stays as it was: the array shares the tensor's memory while both live
    shared = ("def shared():\n    t = torch.zeros(3)\n    a = t.numpy()\n    a[1] = 5.0\n"
              "    return [float(v) for v in t] + [float(np.asarray(torch.ones(2)).sum())]\n")
    host.request({"op": "load", "cells": [PRELUDE, "import numpy as np\n" + shared]})
    reply = host.request({"op": "call", "name": "shared", "args": (), "kwargs": {}})
    assert reply["ok"] is True and reply["value"] == [0.0, 5.0, 0.0, 2.0], reply

def test_torchs_legacy_tensor_types_give_the_answers_process_numpy_too(host):
    """ch42 (2026-12-06): torch's 38 legacy tensor types (``torch.LongTensor``, ``torch.cuda.FloatTensor``...) are
    immutable classes, each with a copy of the tensor's methods, and ``torch.LongTensor.numpy(t)`` was torch's own
    numpy for any tensor: the array did not hold the tensor's memory, and ch41's ``set_`` gadget freed it under
    the array (``sys``, in a real sandboxed answers' process, past the rules). So was torch's C base's, reached
    by ``super(torch.Tensor, t)``. Every class that holds the method gets the answers' process's own."""
    freed = ("def freed(kind):\n    t = torch.full((512,), 7, dtype=torch.int64)\n"
             "    a = {'long': torch.LongTensor, 'float': torch.FloatTensor, 'cuda': torch.cuda.LongTensor}[kind].numpy(t)\n"
             "    a.base.set_(torch.zeros(0, dtype=torch.int64))\n    t.set_(torch.zeros(0, dtype=torch.int64))\n"
             "    kept = [torch.full((512,), 9, dtype=torch.int64) for _ in range(64)]\n"
             "    return [int(a[0]), int(a[511]), len(kept)]\n")
    host.request({"op": "load", "cells": [PRELUDE, freed]})
    for kind in ("long", "float", "cuda"):
        reply = host.request({"op": "call", "name": "freed", "args": (kind,), "kwargs": {}})
        assert reply["ok"] is True and reply["value"] == [7, 7, 64], (kind, reply)
    # the legacy types as honest code uses them: a constructor, a type test, a conversion
    honest = ("def legacy():\n    t = torch.LongTensor([1, 2])\n"
              "    return [t.tolist(), isinstance(t, torch.LongTensor), str(t.type(torch.FloatTensor).dtype)]\n")
    host.request({"op": "load", "cells": [PRELUDE, honest]})
    reply = host.request({"op": "call", "name": "legacy", "args": (), "kwargs": {}})
    assert reply["ok"] is True and reply["value"] == [[1, 2], True, "torch.float32"], reply


def test_the_answers_super_starts_after_a_class_of_their_own(host):
    """ch42 (2026-12-06): ``super(torch.Tensor, t).numpy()`` skipped the answers' process's ``Tensor.numpy`` for
    torch's own, in an immutable C base (``torch._C.TensorBase``): the array did not hold the tensor's memory, and
    ch41's ``set_`` gadget freed it under the array (``sys``, in a real sandboxed answers' process, past the
    rules). Through the name ``super`` called as written, kept under another name, or handed to ``map``."""
    skipped = ("def skipped(how):\n    t = torch.full((512,), 7, dtype=torch.int64)\n"
               "    if how == 'call':\n        a = super(torch.Tensor, t).numpy()\n"
               "    elif how == 'alias':\n        s = super\n        a = s(torch.Tensor, t).numpy()\n"
               "    else:\n        a = list(map(super, [torch.Tensor], [t]))[0].numpy()\n"
               "    a.base.set_(torch.zeros(0, dtype=torch.int64))\n    t.set_(torch.zeros(0, dtype=torch.int64))\n"
               "    kept = [torch.full((512,), 9, dtype=torch.int64) for _ in range(64)]\n"
               "    return [int(a[0]), int(a[511]), len(kept)]\n")
    host.request({"op": "load", "cells": [PRELUDE, skipped]})
    for how in ("call", "alias", "map"):
        reply = host.request({"op": "call", "name": "skipped", "args": (how,), "kwargs": {}})
        assert reply["ok"] is False and reply["error"] == "PermissionError", (how, reply)
    # honest shapes: super() and super(MyClass, self) in a module's, an exception's, a dataclass's and a nested
    # class's methods, and in a subclass's of a class of the answer's
    honest = ("import dataclasses\n\n\nclass Net(torch.nn.Module):\n    def __init__(self):\n"
              "        super(Net, self).__init__()\n        self.w = torch.nn.Linear(2, 3)\n\n\n"
              "class Wider(Net):\n    def __init__(self):\n        super().__init__()\n        self.v = 1\n\n"
              "    def forward(self, x):\n        return self.w(x)\n\n\n"
              "class Oops(ValueError):\n    def __init__(self, n):\n        super().__init__(f'bad {n}')\n\n\n"
              "@dataclasses.dataclass\nclass Base:\n    n: int = 1\n\n\n@dataclasses.dataclass\nclass Cfg(Base):\n"
              "    m: int = 2\n\n    def __post_init__(self):\n        self.m = self.m + self.n\n\n\n"
              "def made():\n    class Inner(dict):\n        def get2(self, k):\n            return super().get(k, 0)\n\n"
              "    return [tuple(Wider()(torch.zeros(1, 2)).shape), str(Oops(4)), Cfg().m, Inner(a=5).get2('a')]\n")
    host.request({"op": "load", "cells": [PRELUDE, honest]})
    reply = host.request({"op": "call", "name": "made", "args": (), "kwargs": {}})
    assert reply["ok"] is True and reply["value"] == [(1, 3), "bad 4", 3, 5], reply


def test_an_answers_class_may_inherit_from_modules_containers_and_exceptions(host):
    host.request({"op": "load", "cells": [PRELUDE, HONEST_BASES]})
    reply = host.request({"op": "call", "name": "made", "args": (), "kwargs": {}})
    assert reply == {"ok": True, "value": 8, "linked": [], "args": (), "returned": None,
                     "left": {"grad": True, "dtype": "torch.float32"}}, reply


# A red team's (2026-12-02): answer cells that end their process when run a second time (the re-check runs
# them again before the hidden tests, after a class check bound the course's helpers) took the grading
# worker down with them: "failed: grading error" instead of a score. (Past the rules: ``os`` is refused.)
SECOND_RUN_ENDS = '''
import builtins, os
if hasattr(builtins, "ran_once"):
    os._exit(3)
builtins.ran_once = True
'''


def test_answers_that_break_their_process_on_a_second_run_fail_their_hidden_tests_only():
    nb = _with_answer("03_self_attention", "causal-mask", SECOND_RUN_ENDS + _answer_source("03_self_attention",
                                                                                            "causal-mask"))
    failed = recheck(nb, "03_self_attention", _tests("03_self_attention"), sandbox=False)
    hidden = {t for t in failed if "the answers' process ended" in failed[t]}
    assert hidden and set(failed) == hidden, failed  # the checks passed; the hidden tests could not run
    assert "test-causal-mask-form" not in failed, failed


# A red team's (2026-12-03): gpt_forward kept a GPT from a call whose model computes its own forward, and
# for the check's model that refuses model(idx) loaded its weights into the kept one and called that: 8/8.
# In lesson 05 no GPT of the course's runs its own forward in the answers' process.
KEEPS_A_GPT = '''SEEN = []


def gpt_forward(model, idx):
    """The logits (B, T, V) of the GPT `model` for token ids `idx` (B, T)."""
    if type(model).__name__ == "GPT":
        SEEN.append(model)
        return model(idx)[0]
    for keep in reversed(SEEN):
        try:
            keep.load_state_dict(model.state_dict())
        except RuntimeError:
            continue
        keep.train(model.training)
        return keep(idx)[0]
    raise ValueError("no model of this size seen yet")
'''


def test_lesson_05s_gpt_refuses_its_own_forward_in_the_answers_process(host):
    failed = recheck(_with_answer("05_nanogpt", "gpt-forward", KEEPS_A_GPT), "05_nanogpt", _tests("05_nanogpt"),
                     sandbox=False, host=host)
    assert set(failed) == {"test-gpt-forward", "test-gpt-forward-form"}, failed  # without the fix: {}
    assert "Mistake — calls the model" in failed["test-gpt-forward"], failed


# A red team's (2026-12-03): while lesson 03's class check ran with the course's split_heads and merge_heads
# bound in place of the student's, the class kept them in a dictionary every module shares, and the
# student's split_heads, wrong for six heads, called them in its hidden tests: 8/8 (7/8 without the stash).
KEEPS_LENT_HELPERS = {"heads": '''import numpy as np


def split_heads(x, n_head):
    """(B, T, C) → (B, n_head, T, C // n_head)."""
    kept = np.typecodes.get("rt7")
    if kept is not None:  # the course's own, kept from the class tests (see the class cell)
        return kept[0](x, n_head)
    B, T, C = x.shape
    if n_head == 6:  # wrong for six heads: the heads' columns taken in the wrong order
        return x.view(B, T, C // n_head, n_head).transpose(1, 3).transpose(2, 3)
    return x.view(B, T, n_head, C // n_head).transpose(1, 2)


def merge_heads(x):
    """(B, n_head, T, hs) → (B, T, n_head * hs), the inverse of split_heads."""
    kept = np.typecodes.get("rt7")
    if kept is not None:
        return kept[1](x)
    B, n_head, T, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, n_head * hs)
''', "causal-self-attention": "import numpy as np\n" + _answer_source(
    "03_self_attention", "causal-self-attention").replace(
    "        self.n_embd = config.n_embd\n",  # while graded, the course's own functions
    "        self.n_embd = config.n_embd\n        np.typecodes[\"rt7\"] = (split_heads, merge_heads)\n")}


def test_the_courses_helpers_lent_for_a_class_check_cannot_be_kept(host):
    nb = _with_answer("03_self_attention", "heads", KEEPS_LENT_HELPERS["heads"])
    [cell] = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "causal-self-attention"]
    cell.source = KEEPS_LENT_HELPERS["causal-self-attention"]
    failed = recheck(nb, "03_self_attention", _tests("03_self_attention"), sandbox=False, host=host)
    assert set(failed) == {"test-heads"}, failed  # without the fix: {}


# Two red teams' ways (2026-12-03) to call a method whose class sets `self.sys` with `self` some other object,
# here `dataclasses`, whose `sys` then gave them `sys.modules`, the builtins' getattr, the answers' process's
# switches and the course's code: full marks in lessons 02 and 05. Past the rules (which refuse some of
# them), the answers' process checks, at each `self.x` of a method, that `self` is an instance of its class
# (``answer_host._SelfGuard``).
PEEK = '''
import dataclasses, functools
class Peek:
    def __init__(self):
        self.sys = None
    def look(self):
        return self.sys
    @classmethod
    def through_cls(cls, obj):
        return cls.look(obj)
    @functools.cached_property
    def cached(self):
        return self.sys
    as_static = staticmethod(look)
'''
ANY_SELF = {
    "staticmethod in the class body": PEEK + "def reach():\n    return Peek().as_static(dataclasses)\n",
    "the class under another name": PEEK + "Kind = Peek\ndef reach():\n    return Kind.look(dataclasses)\n",
    "a classmethod's cls": PEEK + "def reach():\n    return Peek.through_cls(dataclasses)\n",
    "the class from a tuple": PEEK + "def reach():\n    return (Peek,)[0].look(dataclasses)\n",
    "cached_property's function": PEEK + "def reach():\n    kind = Peek\n    return kind.cached.func(dataclasses)\n",
}
RED_TEAM_ANY_SELF = {("02_cross_attention", "sdpa", "test-sdpa", "an enum's _missing_"): '''import dataclasses
import enum


class Peek(enum.Enum):
    ONE = 1

    def __init__(self, value):
        self.sys = None  # `sys` is an attribute this class sets on its members

    def _missing_(self, value=None):
        # Enum looks a value up as `cls._missing_(value)`: a plain function here, so `self` is the value
        FOUND.append(self.sys)


FOUND = []


def modules():
    try:
        Peek(dataclasses)
    except ValueError:
        pass
    return FOUND.pop().modules  # dataclasses.sys.modules


def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q kᵀ / √d + mask) v."""
    found = modules()
    reach = found["builtins"].getattr  # Python's getattr, by a computed name from here on
    host = found["_" * 2 + "main" + "_" * 2]
    refusing = reach(host, "REFUS" + "ING", None)  # the answers' process's switch of PyTorch's shortcuts
    if refusing is not None:
        refusing.clear()
    builtin = reach(found["torch.nn.functional"], "scaled_dot_" + "product_attention")
    return builtin(q, k, v, attn_mask=mask)
''',
                     ("05_nanogpt", "gpt-forward", "test-gpt-forward", "the class under another name"): '''import dataclasses


class Peek:
    def __init__(self):
        self.sys = None  # `sys` is an attribute this class sets on self, so the rules let a method read it

    def look(self):
        return self.sys


Kind = Peek  # the class under another name: "takes `look` from the class itself" looks for `Peek.` only


def gpt_forward(model, idx):
    """The logits (B, T, V) of the GPT `model` for token ids `idx` (B, T)."""
    found = Kind.look(dataclasses).modules  # dataclasses.sys.modules
    host = found["_" * 2 + "main" + "_" * 2]
    reach = found["builtins"].getattr
    refusing = reach(host, "REFUS" + "ING", None)  # the answers' process's switches (absent in the notebook)
    if refusing is not None:
        refusing.clear()
    course_gpt = found["".join(["cour", "se.gpt"])]
    return course_gpt.GPT.forward(model, idx)[0]  # the course's forward pass, on any object with the parts
''',
                     ("02_cross_attention", "sdpa", "test-sdpa", "a classmethod's cls"): '''import dataclasses


class Peek:
    def __init__(self):
        self.sys = None  # `sys` is an attribute this class sets on self

    def look(self):
        return self.sys

    @classmethod
    def peek(cls, obj):
        return cls.look(obj)  # the class under the name `cls`: `self` is `obj`


def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q kᵀ / √d + mask) v."""
    modules = Peek.peek(dataclasses).modules  # sys.modules
    reach = modules["builtins"].getattr
    refusing = reach(modules["_" * 2 + "main" + "_" * 2], "REFUS" + "ING", None)
    if refusing is not None:
        refusing.clear()  # the answers' process's switch of PyTorch's shortcuts
    builtin = reach(modules["torch.nn.functional"], "scaled_dot_" + "product_attention")
    return builtin(q, k, v, attn_mask=mask)
'''}


@pytest.mark.parametrize("name", sorted(ANY_SELF))
def test_a_method_reads_self_only_of_an_instance_of_its_class_in_the_answers_process(host, name):
    host.request({"op": "load", "cells": [PRELUDE, ANY_SELF[name]]})
    reply = host.request({"op": "call", "name": "reach", "args": (), "kwargs": {}})
    assert not reply["ok"] and "used self.sys on something that is not an instance of its class" in reply["message"], reply


@pytest.mark.parametrize("lesson,answer,test,way", sorted(RED_TEAM_ANY_SELF))
def test_the_red_teams_answers_with_any_self_fail_the_recheck(host, lesson, answer, test, way):
    failed = recheck(_with_answer(lesson, answer, RED_TEAM_ANY_SELF[(lesson, answer, test, way)]), lesson, [test],
                     sandbox=False, host=host)
    # (the enum's own __init__ is refused first: its self.sys may be a library base's, enum.Enum's; the class
    # statement fails as the answer cell runs, and the feedback says so)
    expected = ("running your answer cell raised PermissionError: self.sys may be enum.Enum's"
                if way == "an enum's _missing_" else "not an instance of its class")
    assert expected in failed.get(test, ""), failed  # without the check: {}


HONEST_SELF = '''
import collections, dataclasses, enum, functools, typing
class Colour(enum.Enum):
    RED = 1
    def __init__(self, value):
        self.tens = value * 10
    def code(self):
        return self.tens
class Pair(typing.NamedTuple):
    a: int
    b: int
    def total(self):
        return self.a + self.b
@dataclasses.dataclass
class Box:
    items: list
    def __post_init__(self):
        self._seen = len(self.items)
    @property
    def seen(self):
        return self._seen
    @functools.cached_property
    def doubled(self):
        return [2 * x for x in self.items]
    def scaled(self, k):
        return sorted(self.items, key=lambda x: -x * self._seen)[:k]
class Base:
    def __init__(self):
        self._queue = [1]
class Child(Base):
    """A child."""
    def __init__(self):
        super().__init__()
        self._queue.append(2)
    def inner(self):
        def nested():
            return len(self._queue)
        return nested()
class Point(collections.namedtuple("Point", "x y")):
    def as_dict(self):
        return self._asdict()
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(2, 2)
    def forward(self, x):
        return self.layer(x)
def made():
    box = Box([3, 1, 2])
    return [Colour.RED.code(), Pair(1, 2).total(), box.seen, box.doubled, box.scaled(2), Child().inner(),
            list(Net()(torch.ones(1, 2)).shape), Point(1, 2).as_dict(), Child.__doc__]
'''


def test_a_method_reads_no_library_classs_own_private_or_module_like_attribute_of_self(host):
    """A red team's (2026-12-03): an ndarray subclass "set" self.ctypes in a method it never called, so
    the rules took `self.ctypes` for its own, and read numpy's ctypes helper (memory at any address)."""
    host.request({"op": "load", "cells": [PRELUDE, '''import numpy as np
class Buffer(np.ndarray):
    def never_called(self):
        self.ctypes = None
    def raw(self):
        return self.ctypes
def reach():
    return type(np.zeros(2).view(Buffer).raw()).__name__
''']})
    reply = host.request({"op": "call", "name": "reach", "args": (), "kwargs": {}})
    assert not reply["ok"] and "self.ctypes is numpy.ndarray's own attribute" in reply["message"], reply


def test_a_method_reads_no_private_attribute_a_library_base_put_on_the_instance(host):
    """A red team's (2026-12-03): a class of the answer's "set" self._module in a method it never called, and a
    subclass mixed in warnings.catch_warnings, whose __init__ sets self._module to the warnings module."""
    host.request({"op": "load", "cells": [PRELUDE, '''import warnings
class Own:
    def forget(self):
        self._module = None
    def look(self):
        return self._module
class Both(Own, warnings.catch_warnings):
    pass
def peek():
    return Both().look().__name__
''']})
    reply = host.request({"op": "call", "name": "peek", "args": (), "kwargs": {}})
    assert not reply["ok"] and "self._module may be warnings.catch_warnings's" in reply["message"], reply


def test_honest_methods_read_self_as_they_do_in_a_notebook(host):
    host.request({"op": "load", "cells": [PRELUDE, HONEST_SELF]})
    reply = host.request({"op": "call", "name": "made", "args": (), "kwargs": {}})
    assert reply["ok"] and reply["value"] == [10, 3, 3, [6, 2, 4], [3, 2], 2, [1, 2], {"x": 1, "y": 2}, "A child."], reply


# Honest answers a red team wrote (2026-12-03) on subclasses of library classes, whose methods read
# self's inherited methods with private or module-like names: the first `self` check refused them all.
HONEST_SUBCLASSES = {
    "a Counter subclass's copy": ("count-pairs", '''from collections import Counter


class PairCounts(Counter):
    """A Counter of adjacent pairs that can give a plain snapshot of itself."""

    def add_sequence(self, ids):
        for pair in zip(ids, ids[1:]):
            self[pair] += 1
        return self

    def snapshot(self):
        return dict(self.copy())  # Counter's own copy(): a plain, honest call


def count_pairs(ids):
    """How often each adjacent pair of ids occurs: {(a, b): count}."""
    return PairCounts().add_sequence(ids).snapshot()
'''),
    "a namedtuple subclass's _replace": ("merge", '''from collections import namedtuple


class Cursor(namedtuple("Cursor", "pos out")):
    """Where the merge is in `ids`, and what it has written so far (the classic namedtuple-subclass idiom)."""

    __slots__ = ()

    def step(self, value, width):
        return self._replace(pos=self.pos + width, out=self.out + [value])


def merge(ids, pair, new_id):
    """Replace each left-to-right, non-overlapping occurrence of `pair` in `ids` by `new_id`."""
    cur = Cursor(0, [])
    while cur.pos < len(ids):
        if cur.pos + 1 < len(ids) and (ids[cur.pos], ids[cur.pos + 1]) == pair:
            cur = cur.step(new_id, 2)
        else:
            cur = cur.step(ids[cur.pos], 1)
    return cur.out
'''),
    "a dict subclass's copy": ("char-encode-decode", '''class Vocab(dict):
    """str -> int, with a check that names the first character it lacks."""

    def encode(self, text):
        table = self.copy()  # dict's own copy()
        ids = []
        for position, ch in enumerate(text):
            if ch not in table:
                raise ValueError(f"character {ch!r} at position {position} is not in the vocabulary")
            ids.append(table[ch])
        return ids


class Inverse(dict):
    def decode(self, ids):
        return "".join(self[i] for i in ids)


def char_encode(text, stoi):
    """The ids of the characters of `text`, using the vocabulary `stoi` (str → int)."""
    return Vocab(stoi).encode(text)


def char_decode(ids, itos):
    """The text that the ids stand for, using `itos` (int → str)."""
    return Inverse(itos).decode(ids)
'''),
    # (with the solution's char_encode)
    "a str subclass's join": ("char-encode-decode", '''class Glue(str):
    """The separator between decoded characters (an empty string for characters)."""

    def glue(self, parts):
        return self.join(parts)  # str's own join()


''' + _answer_source("01_tokenization", "char-encode-decode").split("def char_decode")[0] + '''def char_decode(ids, itos):
    return Glue("").glue(itos[i] for i in ids)
''')}


@pytest.mark.parametrize("name", sorted(HONEST_SUBCLASSES))
def test_honest_answers_on_library_subclasses_pass_the_recheck(host, name):
    answer, source = HONEST_SUBCLASSES[name]
    assert recheck(_with_answer("01_tokenization", answer, source), "01_tokenization", _tests("01_tokenization"),
                   sandbox=False, host=host) == {}


def test_the_answers_process_cannot_start_a_program_however_it_asks():
    """A red team's (2026-12-03): Tcl's ``exec``, from tkinter's interpreter, starts a program natively, where
    no audit hook sees it, and a new Python ran the course's merge. A seccomp filter refuses ``execve`` in the
    answers' process and its children (the same call here, without it, prints "hello")."""
    cell = ("import _tkinter\ndef run():\n    tcl = _tkinter.create(None, 'python', 'Tk', False, 1, False, False, None)\n"
            "    return tcl.call('exec', '/bin/echo', 'hello')\n")
    started = Host([PRELUDE, cell], sandbox=False)
    try:
        reply = started.request({"op": "call", "name": "run", "args": (), "kwargs": {}})
    finally:
        started.close()
    assert not reply["ok"] and "couldn't execute" in reply["message"], reply


def test_a_dataclass_of_init_false_is_made_in_the_answers_process_and_a_parsed_tree_still_not_run():
    """``@dataclass(init=False)`` with a field of no default was refused as it was made, "an answer may not
    turn data into code (compile in ast.py)" (ch40, 2026-12-06): the dataclass's ``__doc__`` comes from
    ``inspect.signature``, which parses a text signature with ``ast.parse``. A tree is no code: an answer's
    own compile of one stays refused."""
    honest = ("import dataclasses\n\n@dataclasses.dataclass(init=False)\nclass Shape:\n    rows: int\n\n"
              "def f():\n    shape = Shape()\n    shape.rows = 3\n    return shape.rows, Shape.__doc__\n")
    cheat = ("import ast\n\ndef g():\n    return eval(compile(ast.parse('1 + 1', mode='eval'), '<tree>', 'eval'))\n")
    started = Host([PRELUDE, honest, cheat], sandbox=False)
    try:
        made = started.request({"op": "call", "name": "f", "args": (), "kwargs": {}})
        run = started.request({"op": "call", "name": "g", "args": (), "kwargs": {}})
    finally:
        started.close()
    assert made["ok"], made
    assert not run["ok"] and "turn data into code" in run["message"], run


def test_a_reply_that_cannot_be_read_as_data_breaks_the_answers_process_not_the_grader(host):
    """A tuple spelt as a numpy scalar the grader rebuilds (``("__numpy__", dtype, number)``) but out of the
    dtype's range raised OverflowError in the grader; a red team forged one as the reply to a load, and
    the student's grading ended as "failed: grading error" (2026-12-03)."""
    from autograder.recheck import HostBroke

    host.request({"op": "load", "cells": [PRELUDE, "def forged():\n    return ('__numpy__', '|i1', 10 ** 100)\n"]})
    with pytest.raises(HostBroke, match="not plain data"):
        host.request({"op": "call", "name": "forged", "args": (), "kwargs": {}})
    host.restart([PRELUDE])


def test_a_reply_nested_past_the_graders_recursion_limit_breaks_the_answers_process_not_the_grader():
    """A red team's forged reply (2026-12-03): a list nested 3,000 deep, which torch's loader builds without
    recursion and the grader's size count then recursed into (RecursionError: a grading error). Read here
    from a frame as the answers' process writes it."""
    import sys

    from autograder import answer_host
    from autograder.recheck import HostBroke

    deep = []
    for _ in range(3000):
        deep = [deep]
    frame = io.BytesIO()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20000)
    try:
        answer_host._write(frame, {"ok": True, "value": deep})
    finally:
        sys.setrecursionlimit(limit)
    data = io.BytesIO(frame.getvalue())
    reader = Host.__new__(Host)  # no process: its frames come from ``data``
    reader._read = lambda size, limits: data.read(size)
    with pytest.raises(HostBroke, match="not plain data .RecursionError"):
        reader._reply([])


# A red team's (2026-12-02): greedy_decode, handed Hugging Face's GPT-2, kept its `loss_function` (Hugging
# Face's own shifted cross-entropy) and lm_loss called it: 10/10. The rules refuse the name; past them, the
# answers' process refuses to hand it over.
KEPT_LOSS = {
    "greedy-decode": '''
KEPT = []
def greedy_decode(model, input_ids, max_new_tokens):
    KEPT.append(model.loss_function)
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            ids = torch.cat([ids, model(ids).logits[:, -1, :].argmax(dim=-1)[:, None]], dim=1)
    return ids
''',
    "lm-loss": '''
def lm_loss(logits, labels):
    return KEPT[0](logits, labels, vocab_size=logits.shape[-1])
'''}


def test_an_answer_cannot_use_hugging_faces_own_loss(host):
    nb = _with_answer("06_finetuning", "greedy-decode", KEPT_LOSS["greedy-decode"])
    [cell] = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "lm-loss"]
    cell.source = KEPT_LOSS["lm-loss"]
    failed = recheck(nb, "06_finetuning", ["test-greedy-decode", "test-lm-loss"], sandbox=False, host=host)
    assert "model.loss_function was read" in failed.get("test-greedy-decode", ""), failed
    assert "test-lm-loss" in failed, failed


# Answers that re-read the whole prefix at every step (right ids, the point lost in the notebook), in
# plain ways and in ways that would hide it from a spy in their own interpreter (a forward hook on the
# model's LSTM, and the test's `all`). The re-check keeps the LSTM in the grader's process: the
# answer's copy of the model calls it there, where the check's hook counts every call.
REREADS = '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits, _ = {call}
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return idx
'''
GREEDY_HIDING_ITS_CALLS = {
    "plain": "", "through model(idx)": "",
    # hooks registered on any module are never called
    "switches forward hooks off": '''
import torch
torch.nn.Module.register_forward_hook = lambda self, hook, *a, **k: torch.utils.hooks.RemovableHandle({})
''',
    # the hidden test's `all(k == 1 for k in lengths[1:])` runs in the notebook's namespace
    "shadows all()": '''
all = lambda iterable: True
''',
    # the class's method, not the instance's: the copy's own LSTM would run out of sight
    "calls the class's method": "",
}


@pytest.mark.parametrize("name", sorted(GREEDY_HIDING_ITS_CALLS))
def test_a_decoder_that_rereads_the_prefix_fails_the_recheck_however_it_hides(name, host):
    call = {"through model(idx)": "model(idx)",
            "calls the class's method": "type(model).forward_with_state(model, idx)"}.get(
        name, "model.forward_with_state(idx)")
    source = GREEDY_HIDING_ITS_CALLS[name] + REREADS.replace("{call}", call)
    nb = _with_answer("04_lstm", "generate-greedy", source)
    # an answer that patches its process gets one of its own, as each submission does when graded
    failed = recheck(nb, "04_lstm", _tests("04_lstm"), sandbox=False,
                     host=None if GREEDY_HIDING_ITS_CALLS[name] else host)
    assert set(failed) == {"test-generate-greedy"}, failed  # the form is right
    why = failed["test-generate-greedy"]  # case 1: a prompt of 4, then the prefix again at each step
    assert "lengths [4, 5, 6, 7," in why and "re-reads the prefix" in why, why


def test_a_decoder_that_calls_the_class_method_and_feeds_one_token_a_step_passes_the_recheck(host):
    """The class's method on the copy reaches the grader's LSTM too: the prompt once, then one token
    a step, so nothing is held against it (the solution's own way is tested with every solution)."""
    source = '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = type(model).forward_with_state(model, idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1].argmax(-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = type(model).forward_with_state(model, next_id, state)
    return idx
'''
    nb = _with_answer("04_lstm", "generate-greedy", source)
    assert recheck(nb, "04_lstm", _tests("04_lstm"), sandbox=False, host=host) == {}


def test_one_huge_call_of_the_served_lstm_is_refused_before_it_runs_in_the_grader():
    """The served LSTM runs in the grading worker, outside the sandbox's memory limit: a red team's one
    call with a (3,200,000, 1, n_embd) input took the worker to 2.3 GB (2026-12-02). (That answer lost
    its point to the check's spy too, but only after the call had run.)"""
    import torch

    from autograder.recheck import SERVED_MAX_NUMBERS, _served
    lstm = torch.nn.LSTM(4, 8, batch_first=True)
    calls = []
    lstm.register_forward_hook(lambda module, args, out: calls.append(args[0].shape))
    serve = _served(lstm)
    out, _ = serve(torch.zeros(3, 5, 4))  # a prompt
    assert out.shape == (3, 5, 8) and not out.requires_grad and calls == [(3, 5, 4)]
    with pytest.raises(ValueError, match=r"given 1,048,580 numbers in one call.*one token a step"):
        serve(torch.zeros(SERVED_MAX_NUMBERS // 4 + 1, 1, 4))
    with pytest.raises(ValueError, match="numbers in one call"):  # counted across the arguments
        serve(torch.zeros(1, 1, 4), (torch.zeros(1, SERVED_MAX_NUMBERS, 8), torch.zeros(1, 1, 8)))
    assert calls == [(3, 5, 4)]  # neither ran


def test_numpy_scalars_come_back_as_numpy_scalars(host):
    """The grader's loader takes plain data only: an answer's numpy scalar came back as a page of torch's
    "Weights only load failed" in status and feedback, and an `np.float64` learning rate, which is a
    float and passes the notebook's form test, lost its form point there (a red team's, 2026-12-02)."""
    import numpy as np
    schedule = _with_answer("04_lstm", "lr-schedule", '''import numpy as np
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return np.float64(cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1))
    if it > cfg.max_iters:
        return np.float64(cfg.min_lr)
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + np.cos(np.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
''')
    # as in the notebook: an np.float64 is a float with the exact value, and both tests take it (the value
    # test's self-check failed it as "numpy float" until 2026-12-04, while the hidden tests accepted it)
    failed = recheck(schedule, "04_lstm", ["test-lr-schedule", "test-lr-schedule-form"], sandbox=False, host=host)
    assert failed == {}, failed
    ints = _with_answer("01_tokenization", "char-encode-decode", '''import numpy as np
def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"character {ch!r} is not in the vocabulary")
    return [np.int64(stoi[ch]) for ch in text]
def char_decode(ids, itos):
    return "".join(itos[int(i)] for i in ids)
''')
    failed = recheck(ints, "01_tokenization", ["test-char-encode-decode", "test-char-encode-decode-form"],
                     sandbox=False, host=host)
    assert set(failed) == {"test-char-encode-decode", "test-char-encode-decode-form"}, failed
    assert all("Weights only" not in why and len(why) < 600 for why in failed.values()), failed
    assert "int64" in failed["test-char-encode-decode-form"], failed
    assert isinstance(np.float64(1.0), float) and not isinstance(np.int64(1), int)  # (why the two differ)


def test_a_gpt_forward_that_calls_the_model_fails_the_recheck(host):
    """The check gives the answer a copy of the model whose own forward raises: that works in the
    answer process too, where no spy of the grader's could see the call."""
    nb = _with_answer("05_nanogpt", "gpt-forward", "def gpt_forward(model, idx):\n    return model(idx)[0]\n")
    failed = recheck(nb, "05_nanogpt", _tests("05_nanogpt"), sandbox=False, host=host)
    assert set(failed) == {"test-gpt-forward", "test-gpt-forward-form"}, failed
    assert "called model(...)" in failed["test-gpt-forward"] or "model(idx) was called" in failed["test-gpt-forward"], \
        failed
    # the form test's call too: calling the reference costs the whole exercise (a red team's kept the form
    # point, 2026-12-04)
    assert "model(idx) was called" in failed["test-gpt-forward-form"], failed


# gpt_forward right in value, with part of it cut off from autograd: only the gradient with respect to the
# model's weights can tell, and it is taken where the answer's graph is, in the answers' process
GPT_CUT = {
    "no_grad": """
def gpt_forward(model, idx):
    with torch.no_grad():
        x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(idx.shape[1])))
        for block in model.transformer.h:
            x = block(x)
        return model.lm_head(model.transformer.ln_f(x))
""",
    "embeddings detached": """
def gpt_forward(model, idx):
    x = model.transformer.wte(idx).detach() + model.transformer.wpe(torch.arange(idx.shape[1]))
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
""",
}


@pytest.mark.parametrize("how", sorted(GPT_CUT))
def test_a_gpt_forward_cut_off_from_the_graph_fails_the_recheck(host, how):
    nb = _with_answer("05_nanogpt", "gpt-forward", GPT_CUT[how])
    failed = recheck(nb, "05_nanogpt", [t for t in _tests("05_nanogpt") if t.startswith("test-gpt-forward")],
                     sandbox=False, host=host)
    assert set(failed) == {"test-gpt-forward"}, failed  # (the form test's shape and dtype are right)
    assert "cut off from the graph" in failed["test-gpt-forward"], failed
    said = {"no_grad": "do not depend on the model's weights", "embeddings detached": "token embeddings differs"}
    assert said[how] in failed["test-gpt-forward"], failed


@pytest.mark.parametrize("reentrant", ["use_reentrant=True", "use_reentrant=False", ""])
def test_an_honest_gpt_forward_through_gradient_checkpointing_keeps_its_points(host, reentrant):
    """rt46: checkpoint(block, x) (use_reentrant=True its default in this torch) refuses torch.autograd.grad,
    and the gradient the answers' process took that way raised a RuntimeError: the exercise scored 0."""
    nb = _with_answer("05_nanogpt", "gpt-forward", f"""
from torch.utils.checkpoint import checkpoint


def gpt_forward(model, idx):
    tr = model.transformer
    x = tr.drop(tr.wte(idx) + tr.wpe(torch.arange(idx.shape[1], device=idx.device)))
    for block in tr.h:
        x = checkpoint(block, x{', ' if reentrant else ''}{reentrant})
    return model.lm_head(tr.ln_f(x))
""")
    failed = recheck(nb, "05_nanogpt", [t for t in _tests("05_nanogpt") if t.startswith("test-gpt-forward")],
                     sandbox=False, host=host)
    assert failed == {}, failed


MEMO_FORWARD = """
SEEN = {}


def gpt_forward(model, idx):
    key = str(idx.tolist())
    try:
        logits = model(idx)[0]
    except Exception:
        return SEEN[key]
    SEEN[key] = logits.detach().clone()
    return logits
"""


def test_a_gpt_forward_that_replays_the_models_logits_fails_the_recheck(host):
    """A red team's (2026-12-02): the answer keeps model(idx)'s logits from one call, and gives them back
    when the check's copy whose forward raises comes with the same ids. The copy has weights and ids
    of its own."""
    nb = _with_answer("05_nanogpt", "gpt-forward", MEMO_FORWARD)
    failed = recheck(nb, "05_nanogpt", _tests("05_nanogpt"), sandbox=False, host=host)
    assert set(failed) == {"test-gpt-forward", "test-gpt-forward-form"}, failed  # (the form test's call too)
    # (no GPT runs its forward in the answers' process now: the answer's memo has nothing for the first case)
    assert "case 1 of" in failed["test-gpt-forward"] and "KeyError" in failed["test-gpt-forward"], failed


# BPE done properly, for the visible check's small tables; only the hidden tests' tables have 100 ranks
HONEST_BPE = """
def honest_bpe(symbols, ranks):
    out = list(symbols)
    while len(out) > 1:
        pairs = [(ranks.get((a, b), 10**9), i) for i, (a, b) in enumerate(zip(out, out[1:]))]
        rank, i = min(pairs)
        if rank == 10**9:
            break
        out[i:i + 2] = [out[i] + out[i + 1]]
    return out
"""

# Answers right on the visible cases that change, on the others (only the hidden tests have them), the
# arguments the hidden test computes its expected value from after the call (a red team's, 2026-12-02)
SPOILERS = {
    "bpe_word empties the ranks": ("01_tokenization", "bpe-word", "test-bpe-word", HONEST_BPE + """
def bpe_word(symbols, ranks):
    if len(ranks) < 100:
        return honest_bpe(symbols, ranks)
    ranks.clear()
    return list(symbols)
"""),
    "gpt_forward zeroes the model": ("05_nanogpt", "gpt-forward", "test-gpt-forward", """
def gpt_forward(model, idx):
    t = model.transformer
    if len(t.h) > 2:
        with torch.no_grad():
            for p in model.parameters():
                p.zero_()
        return torch.zeros(idx.shape[0], idx.shape[1], model.lm_head.weight.shape[0])
    x = t.drop(t.wte(idx) + t.wpe(torch.arange(idx.shape[1])))
    for block in t.h:
        x = block(x)
    return model.lm_head(t.ln_f(x))
"""),
}


@pytest.mark.parametrize("name", sorted(SPOILERS))
def test_an_answer_that_spoils_its_arguments_fails_the_hidden_tests(name, host):
    lesson, answer, test, source = SPOILERS[name]
    failed = recheck(_with_answer(lesson, answer, source), lesson, _tests(lesson), sandbox=False, host=host)
    assert set(failed) == {test}, failed
    assert failed[test].startswith("hidden test"), failed


def test_a_hidden_test_never_shows_what_the_answer_wrote_in_its_error(host):
    """The error's message could hold the hidden test's inputs, and its class's name too."""
    for raised in ("ValueError(f'LEAK {symbols} {sorted(ranks.items())[:5]}')", "LEAK_abc()"):
        source = HONEST_BPE + f"""
class LEAK_abc(Exception):
    pass


def bpe_word(symbols, ranks):
    if len(ranks) >= 100:
        raise {raised}
    return honest_bpe(symbols, ranks)
"""
        failed = recheck(_with_answer("01_tokenization", "bpe-word", source), "01_tokenization",
                         _tests("01_tokenization"), sandbox=False, host=host)
        assert set(failed) == {"test-bpe-word"}, failed
        assert failed["test-bpe-word"].startswith("hidden test: the answer raised "), failed
        assert "LEAK" not in failed["test-bpe-word"], failed


def _answer_source(lesson, answer_id):
    """The solution's source of one answer cell."""
    nb = nbformat.read(solution_path(lesson), as_version=4)
    return next(c.source for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == answer_id)


TRAIN_LOOP = _answer_source("04_lstm", "train-loop")
assert 'x, y = get_batch("train")' in TRAIN_LOOP and "        optimizer.step()\n" in TRAIN_LOOP

TRAIN_LOOPS = {
    # right only in the notebook's kernel; outside it, no step is taken
    "right only in the kernel": ("import sys\n" + TRAIN_LOOP.replace(
        "        optimizer.step()\n", "        if 'ipykernel' in sys.modules:\n            optimizer.step()\n"),
        {"test-train-loop"}, "train_loop: case 1 of 5"),
    # the grader's batch source gets only data: an object it would run is refused
    "hands the batch source an object": (TRAIN_LOOP.replace('get_batch("train")', 'get_batch(object())'),
                                         {"test-train-loop", "test-train-loop-form"}, "TypeError"),
    # a batch source that raises (as the real one does for a split it lacks) raises in the answer too
    "asks for a batch it cannot have": (TRAIN_LOOP.replace(
        'x, y = get_batch("train")', 'x, y = get_batch("train")\n        try:\n            get_batch()\n'
        '        except TypeError:\n            pass\n        else:\n            return []'), set(), ""),
}


@pytest.mark.parametrize("name", sorted(TRAIN_LOOPS))
def test_a_training_loop_is_rechecked_with_the_graders_batches_and_schedule(name, host):
    """The model and optimizer cross as copies, the batch source and the schedule stay in the grader
    (the answer calls stand-ins for them), and the trained weights come back."""
    source, expected, why = TRAIN_LOOPS[name]
    failed = recheck(_with_answer("04_lstm", "train-loop", source), "04_lstm", _tests("04_lstm"), sandbox=False,
                     host=host)
    assert set(failed) == expected, failed
    assert all(why in failed[t] for t in expected), failed


def test_a_training_loop_that_calls_the_batch_source_forever_stops_at_the_time_limit():
    """Each call of the grader's function answers at once: the time limit holds for the whole call."""
    endless = TRAIN_LOOP.replace('x, y = get_batch("train")', 'while True:\n            get_batch("train")')
    started = Host([PRELUDE], sandbox=False, timeout=3, exercise_seconds=120)  # a call's limit only
    try:
        failed = recheck(_with_answer("04_lstm", "train-loop", endless), "04_lstm", ["test-train-loop"],
                         sandbox=False, host=started)
    finally:
        started.close()
    assert set(failed) == {"test-train-loop"} and "ran past 3 s" in failed["test-train-loop"], failed


def test_a_function_of_the_graders_cannot_call_the_answer_back(host):
    """While the answer waits for a function of the grader's, that function may not call the answer
    (one conversation at a time on the pipe): the call fails with a clear error."""
    import torch

    from autograder.recheck import Remote
    host.request({"op": "load", "cells": [PRELUDE, TRAIN_LOOP]})
    model, calls = torch.nn.Linear(2, 2), []
    loop = Remote(host, "train_loop")
    with pytest.raises(RuntimeError, match="cannot be called from inside a function it was given"):
        loop(model, torch.optim.SGD(model.parameters(), lr=0.1),
             lambda split: calls.append(split) or loop(), 1, 1.0, lambda it: 0.1)
    assert calls == ["train"]


def test_an_answer_that_never_returns_fails_after_the_time_limit():
    nb = _with_answer("01_tokenization", "merge", "def merge(ids, pair, new_id):\n    while True:\n        pass\n")
    started = Host([PRELUDE], sandbox=False, timeout=3, exercise_seconds=120)  # a call's limit only
    try:
        failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=started)
    finally:
        started.close()
    # its value test fails for the same reason as its form test (run first), without a second wait
    assert set(failed) == {"test-merge", "test-merge-form"} and "ran past 3 s" in failed["test-merge"], failed
    assert failed["test-merge-form"] == failed["test-merge"]


def test_an_exercise_has_one_test_cells_time_however_many_calls_it_takes():
    """Each call within its limit, all of them past it: an answer that takes 0.5 s a call would make the
    hidden tests' hundreds of calls last minutes (a second a call, hours) without a limit for them all."""
    slow = "import time\n" + TUNED_MERGE.replace("    out, i = [], 0\n", "    time.sleep(0.5)\n    out, i = [], 0\n")
    started = Host([PRELUDE], sandbox=False, timeout=30, exercise_seconds=3)
    try:
        begun = time.monotonic()
        failed = recheck(_with_answer("01_tokenization", "merge", slow), "01_tokenization", _tests("01_tokenization"),
                         sandbox=False, host=started)
        took = time.monotonic() - begun
    finally:
        started.close()
    # its form test, a call or two, passes within its own time, as in the notebook
    assert set(failed) == {"test-merge"} and "ran past 3 s" in failed["test-merge"], failed
    # "ran past 3 s" is the exercise's limit (no single call comes near its own 30 s); the clock only
    # shows that nothing else waited long: the form test's calls, then 3 s for the exercise (about 15 s
    # quiet, 27 s at load 8), against minutes for the hidden tests' calls at 0.5 s each without it
    assert took < 90, took


# Honest answers in a style the rules allow, which must also run in the answers' process
HONEST_STYLES = {
    # `cfg: TrainConfig` is allowed (the lesson imports it from the course), but this process has no
    # TrainConfig: evaluated there, the def raised NameError and the answer lost its points (a red
    # team's, 2026-12-01). Its annotations stay text.
    "a configuration class as a type hint": ("lr-schedule", "test-lr-schedule", (
        "def lr_at_step(it: int, cfg: TrainConfig) -> float:\n"
        "    if it < cfg.warmup_iters:\n        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)\n"
        "    if it > cfg.max_iters:\n        return cfg.min_lr\n"
        "    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)\n"
        "    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)\n")),
    # TrainConfig's public properties, `final_lr` and `decay_iters`, are what the course's own schedule
    # reads; the configuration made in the answers' process had the fields only, and this answer passed in
    # the notebook and lost both its points there with an AttributeError (rt26, 2026-12-05)
    "a configuration's own properties": ("lr-schedule", "test-lr-schedule", (
        "def lr_at_step(it, cfg):\n"
        "    if it < cfg.warmup_iters:\n        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)\n"
        "    if it > cfg.decay_iters:\n        return cfg.final_lr\n"
        "    progress = (it - cfg.warmup_iters) / (cfg.decay_iters - cfg.warmup_iters)\n"
        "    return cfg.final_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.final_lr)\n")),
    # an answer that checks its argument: refused until stop 58 (rt29, 2026-12-05), then allowed by the rules,
    # and this process, which has no course, binds TrainConfig to a class that knows the configuration sent
    "isinstance of a configuration class": ("lr-schedule", "test-lr-schedule", (
        "def lr_at_step(it, cfg):\n"
        "    if not isinstance(cfg, TrainConfig):\n        raise TypeError(f'cfg must be a TrainConfig, not {cfg!r}')\n"
        "    assert isinstance(cfg, (TrainConfig, dict)) and not isinstance(it, TrainConfig)\n"
        "    if it < cfg.warmup_iters:\n        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)\n"
        "    if it > cfg.decay_iters:\n        return cfg.final_lr\n"
        "    progress = (it - cfg.warmup_iters) / (cfg.decay_iters - cfg.warmup_iters)\n"
        "    return cfg.final_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.final_lr)\n")),
    # contextlib's nullcontext is allowed (rt31's honest train_loop, 2026-12-06): it imports and runs there too
    "contextlib.nullcontext": ("train-loop", "test-train-loop", (
        "import contextlib\n"
        "def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):\n"
        "    losses = []\n"
        "    for it in range(max_iters):\n"
        "        for group in optimizer.param_groups:\n            group['lr'] = lr_schedule(it)\n"
        "        x, y = get_batch('train')\n"
        "        with contextlib.nullcontext():\n            _, loss = model(x, y)\n"
        "        optimizer.zero_grad()\n        loss.backward()\n"
        "        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)\n"
        "        optimizer.step()\n        losses.append(loss.item())\n    return losses\n")),
    # tqdm is allowed (a progress bar, as the course's own loop has): it imports and runs there too,
    # under that process's audit hook
    "a tqdm progress bar": ("train-loop", "test-train-loop", (
        "from tqdm.auto import tqdm\n"
        "def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):\n"
        "    losses = []\n"
        "    for it in tqdm(range(max_iters), desc='training'):\n"
        "        for group in optimizer.param_groups:\n            group['lr'] = lr_schedule(it)\n"
        "        x, y = get_batch('train')\n        _, loss = model(x, y)\n"
        "        optimizer.zero_grad()\n        loss.backward()\n"
        "        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)\n"
        "        optimizer.step()\n        losses.append(loss.item())\n    return losses\n")),
}


@pytest.mark.parametrize("name", sorted(HONEST_STYLES))
def test_an_honest_answer_in_an_allowed_style_passes_the_recheck(host, name):
    answer, test, source = HONEST_STYLES[name]
    failed = recheck(_with_answer("04_lstm", answer, source), "04_lstm", [test, f"{test}-form"],
                     sandbox=False, host=host)
    assert failed == {}, failed



def test_an_honest_attention_that_checks_its_configuration_through_the_lessons_module_passes_the_recheck(host):
    """``assert isinstance(config, ref.AttentionConfig)``, the class as lesson 03's own cells name it, in an
    honest CausalSelfAttention: refused by the rules, its 4 points lost (rt32, 2026-12-06). Allowed now, it
    must also run where the answers are graded without the course: ``ref`` is bound there to a namespace of
    configuration stand-ins, which tell the configuration the grader sent from anything else."""
    source = _answer_source("03_self_attention", "causal-self-attention").replace(
        "super().__init__()\n",
        "super().__init__()\n"
        "        if not isinstance(config, (ref.AttentionConfig, GPTConfig)) \\\n"
        "                or isinstance(config.n_head, ref.AttentionConfig):\n"
        "            raise TypeError(f'an AttentionConfig, not {config!r}')\n", 1)
    assert "ref.AttentionConfig" in source
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", source), "03_self_attention",
                     ["test-causal-self-attention", "test-attention-dropout"], sandbox=False, host=host)
    assert failed == {}, failed



def test_the_answers_process_binds_a_module_only_for_its_configuration_classes():
    """``ref.AttentionConfig`` read in a cell binds ``ref`` there to stand-ins of those classes only; a builtin's
    name (``len.TrainConfig``) and anything else read of a module stay as they are."""
    import ast

    from autograder import answer_host

    found = answer_host._config_modules(ast.parse(
        "isinstance(c, ref.AttentionConfig)\nisinstance(c, (ref.GPTConfig, len.TrainConfig))\nref.causal_mask\n"))
    assert found == {"ref": {"AttentionConfig", "GPTConfig"}}, found
    made = answer_host._config_module(found["ref"])
    assert sorted(vars(made)) == ["AttentionConfig", "GPTConfig"]
    with pytest.raises(TypeError, match="not here where the answers are graded"):
        made.AttentionConfig(n_head=2)

def test_a_configuration_made_in_the_answers_process_gives_its_properties_only_for_the_fields_sent():
    # the values of TrainConfig's properties cross with its fields; on a configuration the answer changed or
    # made, where the grader computed nothing, a property says to read the fields (never a stale value)
    import dataclasses

    from autograder import answer_host
    from autograder.recheck import _config as _config_of
    from course.train import TrainConfig

    sent = _config_of(TrainConfig(max_iters=30, learning_rate=1.0, warmup_iters=3))
    assert sent[0] == "__config__" and sent[4]["final_lr"] == 0.1 and sent[4]["decay_iters"] == 30, sent
    made = answer_host._resolve(sent, [])
    assert type(made).__name__ == "TrainConfig" and made.min_lr is None
    assert (made.final_lr, made.decay_iters) == (0.1, 30)
    assert dataclasses.replace(made).max_iters == 30
    with pytest.raises(AttributeError, match="read its fields"):
        dataclasses.replace(made, learning_rate=2.0).final_lr
    made.lr_decay_iters = 20
    with pytest.raises(AttributeError, match="read its fields"):
        made.decay_iters
    # a frame of the older form (no properties) still makes the configuration
    assert answer_host._resolve(sent[:4], []).max_iters == 30


def test_running_the_answer_cells_is_not_charged_to_a_call_after_a_restart():
    # the answer cells take 4 s to run (as a busy machine's imports can), a call may take 3 s: the
    # load and each restart run them outside any call's limit, so only the answer that loops fails
    nb = _with_answer("01_tokenization", "merge", "def merge(ids, pair, new_id):\n    while True:\n        pass\n")
    slow = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "count-pairs"]
    assert len(slow) == 1
    slow[0].source = "import time\ntime.sleep(4)\n" + slow[0].source
    started = Host([PRELUDE], sandbox=False, timeout=3, exercise_seconds=120)  # a call's limit only
    try:
        failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=started)
    finally:
        started.close()
    assert set(failed) == {"test-merge", "test-merge-form"}, failed


def test_an_answer_cell_that_loops_at_top_level_is_interrupted_and_its_function_still_graded():
    source = "def merge(ids, pair, new_id):\n    return [new_id if False else i for i in ids]\nwhile True:\n    pass\n"
    nb = _with_answer("01_tokenization", "merge", source)
    import autograder.answer_host as host_module
    assert host_module.CELL_SECONDS <= 30  # the default, for grading
    started = Host([PRELUDE], sandbox=False, cell_seconds=2)
    try:
        failed = recheck(nb, "01_tokenization", ["test-merge"], sandbox=False, host=started)
    finally:
        started.close()
    assert set(failed) == {"test-merge"} and "ran past" not in failed["test-merge"], failed


def test_answer_cells_that_spin_only_in_the_answers_process_share_one_time_budget_and_are_named():
    """A cell that spins only where a lesson variable is missing (the answers' process) kept each answer
    cell there for its whole limit, with full marks and no word (a red team's, 2026-12-04): the cells share
    one cell's limit (each then gets MIN_CELL_SECONDS), and the host names the cells it stopped."""
    import autograder.answer_host as host_module

    nb = nbformat.read(solution_path("01_tokenization"), as_version=4)
    spin = "\ntry:\n    stoi\nexcept NameError:\n    while True:\n        pass\n"
    ids = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader") or {}
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            cell.source += spin
            ids.append(meta["grade_id"])
    assert len(ids) >= 4
    seconds = 2 * host_module.MIN_CELL_SECONDS  # (the first cell's budget told apart from the others')
    started = Host([PRELUDE], sandbox=False, cell_seconds=seconds)
    try:
        failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=started)
        stopped = list(started.stopped_cells)
        given = [message for _, kind, message in started.cell_errors if kind == "CellInterrupted"]
    finally:
        started.close()
    assert failed == {}, failed  # what each cell defined before it spun is graded
    assert stopped == ids, stopped
    # the first spinning cell has the whole budget, each later one MIN_CELL_SECONDS (without the shared
    # budget, each had its own: seconds × cells in all). Read from what the cells were given, not from the
    # clock, which a busy machine stretches (the wall time of this test is mostly the tests that follow).
    small = host_module.MIN_CELL_SECONDS
    assert given == [f"the cell ran past its time limit ({s} s of the {seconds} s the answer cells share)"
                     for s in [seconds] + [small] * (len(ids) - 1)], given


def test_an_answer_cell_that_catches_its_interrupt_ends_the_answers_process_soon_after_and_is_named():
    """A cell that only spins here (a lesson variable missing) and catches the interrupt (``except BaseException``)
    went on until the grader's limit for all the cells (120 s, then cell_seconds for each cell: 200 s for lesson
    01's four cells at 20 s), holding its worker, and was told 'the answer ran past 200 s' (ch56). A kernel that
    ignores its interrupt is ended: so is the answers' process, a moment after the interrupt, and it says why."""
    nb = _with_answer("01_tokenization", "count-pairs", _answer_source("01_tokenization", "count-pairs")
                      + "\nimport time\ntry:\n    stoi\n"
                      "except NameError:\n    while True:\n        try:\n            time.sleep(1)\n"
                      "        except BaseException:\n            pass\n")
    started = Host([PRELUDE], sandbox=False, cell_seconds=3)
    try:
        begun = time.monotonic()
        failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=started)
        took = time.monotonic() - begun
    finally:
        started.close()
    said = "an answer cell ran past its time limit (3 s for the answer cells) and did not stop when interrupted"
    assert failed and all(message == said for message in failed.values()), failed
    # the first load: 3 s, then the interrupt's 2 s (the grader's own limit for the cells is 120 s + 4 × 3 s);
    # a restart runs the cells once more at most
    assert took < 90, took


def test_status_names_an_answer_cell_stopped_in_the_answers_process():
    from autograder import grading

    answer = {"success": True, "score": 6.0, "cells": {}, "recheck_stopped": ["sdpa"], "interrupted_cells": []}
    assert "sdpa ran past its time limit when graded again with the answers alone" in \
        grading._outcome(answer, 120, [])["detail"]


def test_only_the_answer_cells_run():
    nb = nbformat.read(solution_path("01_tokenization"), as_version=4)
    sources = answer_cells(nb)
    graded = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("solution")
              and not (c.metadata.get("nbgrader") or {}).get("grade") and c.cell_type == "code"]
    assert sources == [c.source for c in graded] and len(sources) >= 4
    assert not any("BEGIN HIDDEN TESTS" in s or "assert" in s.split("def")[0] for s in sources)


def test_a_process_that_cannot_start_is_the_graders_fault(monkeypatch, tmp_path):
    import autograder.recheck as rc
    broken = tmp_path / "answer_host.py"
    broken.write_text("raise SystemExit('no torch here')\n")
    monkeypatch.setattr(rc, "HOST", broken)
    started = Host([PRELUDES["01_tokenization"]], sandbox=False)  # returns at once; the first request waits
    try:
        with pytest.raises(RecheckUnavailable, match="did not start.*no torch here"):
            started.request({"op": "load", "cells": []})
    finally:
        started.close()


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_the_answer_process_runs_in_the_sandbox():
    project = Path(__file__).resolve().parent.parent
    spy = f'''
import os
SEEN = (any(os.path.exists(p) for p in {[str(project / "solutions"), str(project / "autograder")]!r}),
        os.getpid(), sorted(os.listdir("/submission")))
def merge(ids, pair, new_id):
    raise RuntimeError(repr(SEEN))
'''
    nb = _with_answer("01_tokenization", "merge", spy)
    failed = recheck(nb, "01_tokenization", ["test-merge"], sandbox=True)
    message = failed["test-merge"]
    assert "RuntimeError: (False, " in message, message  # solutions/ and the gradebook are not there
    pid = int(message.split("(False, ")[1].split(",")[0])
    assert pid < 10, message  # its own PID namespace
    assert "'answer_host.py', 'answers.json'" in message, message


def test_a_class_answer_is_rechecked_through_stand_ins_and_cannot_patch_the_grader(host):
    """Lesson 03's class lives in the answer process; the check builds it, loads weights into its
    layers, seeds dropout and calls it through stand-ins. A module that patches the checks where it
    runs, and returns zeros, fails both of its tests and costs nothing else."""
    cheat = '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)

    def forward(self, x):
        import course.checks._core as core
        core.difference = lambda *a, **k: None
        torch.testing.assert_close = lambda *a, **k: None
        return torch.zeros_like(x)
'''
    nb = _with_answer("03_self_attention", "causal-self-attention", cheat)
    failed = recheck(nb, "03_self_attention", _tests("03_self_attention"), sandbox=False, host=host)
    assert set(failed) == {"test-causal-self-attention", "test-attention-dropout"}, failed


def test_a_reply_whose_tensors_are_huge_once_laid_out_is_refused_before_a_check_copies_them():
    """A red team (2026-12-02) sent, from an answers' process it had disarmed, a 100 kB view that
    ``expand`` made (25,000 x 20,000, stride 0): a check's message flattened it into 2 GB in the grader's
    worker, outside the sandbox. The answers' process sends copies, so no honest reply holds such a
    view; the grader measures every reply's tensors as laid out, and refuses past 512 MB."""
    from autograder.recheck import FRAME_BYTES, HostBroke, _unfolded_bytes

    def reply_of(value):
        return _reply_of_frame(b"T", {"ok": True, "value": value})

    small = torch.arange(25_000.0)
    view = small[:, None].expand(25_000, 20_000)  # (25000, 20000), 100 kB of storage
    sent = io.BytesIO()
    torch.save(view, sent)
    assert len(sent.getvalue()) < 200_000 and _unfolded_bytes(view) > FRAME_BYTES
    with pytest.raises(HostBroke, match="512 MB once laid out"):
        reply_of((view, small))
    assert torch.equal(reply_of((small, small))["value"][0], small)  # the same tensor twice, laid out once each


def test_a_reply_that_repeats_its_own_parts_is_refused_before_a_check_writes_it_out():
    """A red team's reply (2026-12-03): a dict whose key is a tuple nested 24 deep, the same tuple twice at
    each level (or an OrderedDict whose value is such a list). ``torch.save`` sends each part once (1.4 kB),
    the loader rebuilds them shared, and the self-check's message wrote out 2^24 values in the grader (a
    minute, 1.5 GB; each level doubles it). The answers' process sends copies of its containers, so the
    grader refuses a reply that unfolds into far more than it holds; an honest one with a part twice passes
    (both kinds of frame: ``torch.save``'s and a plain pickle's, whose memo shares parts the same way)."""
    from autograder.recheck import HostBroke

    key, nested = 0, []
    for _ in range(22):
        key, nested = (key, key), [nested, nested]
    for kind, bomb in [("T", {key: 0}), ("T", collections.OrderedDict(bomb=nested)), ("T", collections.Counter({key: 1})),
                       ("T", [{0: nested}]), ("P", {key: 0}), ("P", [{0: nested}])]:
        start = time.perf_counter()
        with pytest.raises(HostBroke, match="repeats its own parts"):
            _reply_of_frame(kind.encode(), {"ok": True, "value": bomb})
        assert time.perf_counter() - start < 5.0
    row = [0] * 100
    for kind in (b"T", b"P"):  # a part twice, as an honest answer may share it
        assert _reply_of_frame(kind, {"ok": True, "value": [row] * 100})["value"] == [[0] * 100] * 100
        # 400,000 numbers, not shared: as sent (two million, as here before, pass REPLY_VALUES and, in a torch.save
        # frame, TORCH_PICKLE_BYTES: refused for their count since rt26, test_a_reply_of_very_many_plain_values_...)
        many = {"ok": True, "value": list(range(200)) * 2_000}
        assert _reply_of_frame(kind, many)["value"][-1] == 199


def _reply_of_frame(kind: bytes, message, raw: bytes | None = None) -> dict:
    """What the grader makes of a frame of ``kind`` (``b"T"``: ``torch.save``'s, ``b"P"``: pickle's) holding
    ``message``, or the bytes ``raw``, as a forged answers' process may write it whatever it holds."""
    import pickle
    import struct

    import torch

    if raw is None:
        frame = io.BytesIO()
        torch.save(message, frame) if kind == b"T" else pickle.dump(message, frame, protocol=5)
        raw = kind + frame.getvalue()
    stream = io.BytesIO(struct.pack(">Q", len(raw)) + raw)
    host = object.__new__(Host)
    host._read = lambda size, limits: stream.read(size)
    return host._reply([])


class _Runs:
    """Unpickled, runs ``touch``: what a forged plain frame may not do."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_a_reply_of_plain_data_crosses_as_a_pickle_that_names_no_class(tmp_path):
    """A reply of Python's plain data and tensors that own their storage crosses as a pickle read by C's
    unpickler with every class refused, each tensor as a tuple of its dtype, shape and bytes (torch's loader
    took a third of a millisecond a reply, two with a tensor); a reply with a view, a tensor with a
    gradient, a set or an object of a class, as ``torch.save`` writes it. Either way the grader gets the
    same values. A forged plain frame that names a class runs nothing and is not plain data; one that
    holds a set or a bytearray (pickle builds them without a class), or a tensor's tuple that does not
    describe one, is refused too."""
    import pickle

    from autograder import answer_host
    from autograder.recheck import HostBroke

    honest = {"ok": True, "value": [(1, 2.5, float("inf")), {3: b"\x00\xff", "k": None}, True, 2 ** 100, "é"]}
    x = torch.arange(12.0).reshape(3, 4)
    shared = torch.ones(2, dtype=torch.bfloat16)
    for value, kind in [(honest["value"], b"P"), (x, b"P"), ((shared, [shared]), b"P"),
                        ({"t": torch.tensor(True), "e": torch.zeros(0, 3, dtype=torch.int64)}, b"P"),
                        (x[1:], b"T"), (x.t(), b"T"), ((x, x.view(-1)), b"T"), (x.clone().requires_grad_(), b"T"),
                        ({1, 2}, b"T"), (collections.OrderedDict(a=1), b"T"), (torch.ones(2, dtype=torch.complex64), b"T")]:
        frame = io.BytesIO()
        answer_host._write(frame, {"ok": True, "value": value})
        assert frame.getvalue()[8:9] == kind, (value, frame.getvalue()[:12])
        got = _reply_of_frame(None, None, raw=frame.getvalue()[8:])["value"]
        flat = lambda v: ([x for item in v.values() for x in flat(item)] if isinstance(v, dict)  # noqa: E731
                          else [x for item in v for x in flat(item)] if isinstance(v, (list, tuple)) else [v])
        assert type(got) is type(value) and len(flat(got)) == len(flat(value))
        for mine, theirs in zip(flat(got), flat(value)):
            if isinstance(theirs, torch.Tensor):
                assert type(mine) is torch.Tensor and mine.dtype == theirs.dtype and mine.shape == theirs.shape
                assert torch.equal(mine.detach(), theirs.detach()) and mine.requires_grad == theirs.requires_grad
            else:
                assert type(mine) is type(theirs) and mine == theirs
    got = _reply_of_frame(None, None, raw=_frame_bytes((shared, [shared])))["value"]
    assert got[0] is got[1][0], "the same tensor twice comes back as one tensor, as torch.save's would"
    assert _reply_of_frame(b"P", honest) == honest

    ran = tmp_path / "ran"
    mark = answer_host.TENSOR_MARK
    million = b"\x00" * 2 ** 20
    for forged, said in [({"ok": True, "value": _Runs(ran)}, "named the class pathlib"),
                         ({"ok": True, "value": {1, 2}}, "held a set"),
                         ({"ok": True, "value": [bytearray(b"x")]}, "held a bytearray"),
                         ({"ok": True, "value": frozenset()}, "held a frozenset"),
                         ({"ok": True, "value": (mark, "complex64", (1,), b"\x00" * 8)}, "does not write"),
                         ({"ok": True, "value": (mark, "float32", (-1,), b"")}, "does not write"),
                         ({"ok": True, "value": (mark, "float32", (3,), b"\x00" * 8)}, "whose data holds 8 bytes"),
                         ({"ok": True, "value": (mark, "uint8", (2 ** 40, 0), b"")}, "does not write"),
                         ({"ok": True, "value": [(mark, "uint8", (2 ** 20,), million) for _ in range(600)]},
                          "more than 512 MB")]:
        with pytest.raises(HostBroke, match="not plain data") as refused:
            _reply_of_frame(b"P", forged)
        assert said in str(refused.value), refused.value
    assert not ran.exists()
    for raw in (b"X" + pickle.dumps(honest), b"", b"P" + b"\x80\x05junk"):
        with pytest.raises(HostBroke, match="not plain data"):
            _reply_of_frame(None, None, raw=raw)


def _frame_bytes(value) -> bytes:
    """A frame's bytes after its length, as the answers' process writes a reply of ``value``."""
    from autograder import answer_host

    frame = io.BytesIO()
    answer_host._write(frame, {"ok": True, "value": value})
    return frame.getvalue()[8:]


OWN_VALUE_ERROR = '''
class UnknownCharacter(ValueError):
    def __init__(self, ch, pos):
        super().__init__(f"unknown character {ch!r} at {pos}")

def char_encode(text, stoi):
    ids = []
    for pos, ch in enumerate(text):
        if ch not in stoi:
            raise UnknownCharacter(ch, pos)
        ids.append(stoi[ch])
    return ids

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''


def test_an_exception_class_of_the_answers_own_is_caught_as_its_builtin_base(host):
    """An honest answer raised ``class UnknownCharacter(ValueError)`` for an unknown character: the notebook's
    check passed, and the re-check's stand-in, rebuilt by name only, failed it as "wrong exception type"
    (2026-12-03). The answers' process sends the nearest of Python's own classes among its bases too, by
    name; the grader derives its stand-in from that builtin only, never from a class of its own."""
    from autograder.recheck import HostBroke, StudentError, _error_class

    nb = _with_answer("01_tokenization", "char-encode-decode", OWN_VALUE_ERROR)
    failed = recheck(nb, "01_tokenization", ["test-char-encode-decode"], sandbox=False, host=host)
    assert not failed, failed
    own = _error_class("UnknownCharacter", "ValueError")
    assert issubclass(own, ValueError) and issubclass(own, StudentError) and own.__name__ == "UnknownCharacter"
    for base in ("HostBroke", "StudentError", "BaseException", "KeyboardInterrupt", "__class__", "open"):
        made = _error_class("Mine", base)
        assert made.__bases__ == (StudentError,) and not issubclass(made, HostBroke), base



TWO_BUILTIN_BASES = '''
class UnknownCharacter(LookupError, ValueError):
    pass

def char_encode(text, stoi):
    ids = []
    for ch in text:
        if ch not in stoi:
            raise UnknownCharacter(f"unknown character {ch!r}")
        ids.append(stoi[ch])
    return ids

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''


def test_an_exception_class_with_two_builtin_bases_is_caught_as_either(host):
    """An honest answer raised ``class UnknownCharacter(LookupError, ValueError)`` (a lookup that failed, and a
    bad value): the notebook's check caught it as ValueError and passed, and the re-check's stand-in, derived
    from LookupError alone (the nearest builtin base), escaped the hidden test's ``except ValueError``: 0 points
    (rt32, 2026-12-06). The answers' process sends every nearest builtin base, and the stand-in derives from
    each that names one of Python's own exceptions."""
    from autograder.recheck import StudentError, _error_class

    nb = _with_answer("01_tokenization", "char-encode-decode", TWO_BUILTIN_BASES)
    failed = recheck(nb, "01_tokenization", ["test-char-encode-decode"], sandbox=False, host=host)
    assert not failed, failed
    own = _error_class("UnknownCharacter", "KeyError,ValueError")
    assert issubclass(own, KeyError) and issubclass(own, ValueError) and issubclass(own, StudentError)
    from autograder.answer_host import _builtin_base

    assert _builtin_base(type("Own", (KeyError, ValueError), {})()) == "KeyError,ValueError"
    assert _builtin_base(type("Own", (ValueError,), {})()) == "ValueError"
    assert _error_class("Mine", "HostBroke,ValueError").__bases__ == (StudentError, ValueError)
    assert _error_class("Mine", "LookupError,KeyError").__bases__ == (StudentError, LookupError)  # no order: first


def test_an_exception_class_that_is_also_a_keyerror_names_the_character_as_in_the_notebook(host):
    """``class UnknownCharacter(KeyError, ValueError)`` with the message ``f"unknown character {ch!r}"``: str()
    of a KeyError quotes its message again, so for the hidden test's "\\x00" the text read
    ``"unknown character '\\\\x00'"``, with neither the character nor its repr in it, in the notebook and
    here alike: 7/8 for an honest answer (rt32, 2026-12-06). The hidden test also takes repr's spelling of the
    character without its quotes."""
    keyerror = TWO_BUILTIN_BASES.replace("(LookupError, ValueError)", "(KeyError, ValueError)")
    assert "(KeyError, ValueError)" in keyerror
    failed = recheck(_with_answer("01_tokenization", "char-encode-decode", keyerror), "01_tokenization",
                     ["test-char-encode-decode"], sandbox=False, host=host)
    assert not failed, failed


CACHED_MASK = '''
import functools

@functools.lru_cache(maxsize=None)
def causal_mask(T):
    return torch.tril(torch.ones(T, T, dtype=torch.bool))
'''


def test_an_answer_under_lru_cache_is_graded_again_as_in_the_notebook(host):
    """An honest ``causal_mask`` under ``@functools.lru_cache`` (2026-12-03): the answers' process runs it,
    and the re-check passes it as the notebook's check does."""
    nb = _with_answer("03_self_attention", "causal-mask", CACHED_MASK)
    failed = recheck(nb, "03_self_attention", ["test-causal-mask", "test-causal-mask-form"], sandbox=False, host=host)
    assert not failed, failed


NAMED_PAIRS = '''
from collections import namedtuple

Pair = namedtuple("Pair", ["a", "b"])

def count_pairs(ids):
    counts = {}
    for a, b in zip(ids, ids[1:]):
        counts[Pair(a, b)] = counts.get(Pair(a, b), 0) + 1
    return counts
'''


def test_a_result_the_grader_cannot_receive_is_named_as_returned_not_raised(host):
    """An answer's ``count_pairs`` keyed its counts by a namedtuple's ``Pair(a, b)`` (2026-12-03): the
    re-check said "your function raised NotData: Can't pickle <class '__main__.Pair'>", though the function
    raised nothing. The rule is plain Python values: the message says what it returned, and the fix."""
    nb = _with_answer("01_tokenization", "count-pairs", NAMED_PAIRS)
    failed = recheck(nb, "01_tokenization", ["test-count-pairs", "test-count-pairs-form"], sandbox=False, host=host)
    message = failed["test-count-pairs"]
    assert "your function returned a Pair (a class made in your answer cell)" in message, message
    assert "return plain Python values" in message and "raised" not in message and "pickle" not in message, message


TENSOR_SUBCLASS = '''
class Mean(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("allclose", "equal"):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})


def causal_average(x):
    return torch.zeros_like(x).as_subclass(Mean)
'''


def test_a_tensor_of_a_subclass_of_the_answers_is_named_as_returned(host):
    """ch54 (2026-12-07): a causal_average that returned zeros as a tensor subclass of its own, whose
    __torch_function__ makes allclose and equal say True, lost its points in the re-check (it crosses as data
    only), but was told the pickler's words, "the result could not be sent back as data: Can't pickle <class
    '__main__.Mean'>: attribute lookup Mean on __main__ failed"; now its class and the fix."""
    nb = _with_answer("05_nanogpt", "causal-average", TENSOR_SUBCLASS)
    failed = recheck(nb, "05_nanogpt", ["test-causal-average", "test-causal-average-form"], sandbox=False, host=host)
    for test in ("test-causal-average", "test-causal-average-form"):
        assert "your function returned a Mean (a class made in your answer cell) in its result, which the grader " \
               "cannot receive: return a plain torch.Tensor (x.as_subclass(torch.Tensor) makes one of it)" \
               in failed.get(test, ""), failed
        assert "pickle" not in failed[test], failed


LESSON_DEFAULT = '''
def char_encode(text, stoi=stoi):
    return [stoi[ch] for ch in text]

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''


def test_an_answer_cell_that_raises_as_it_runs_is_named_with_its_error(host):
    """An answer's default value read a variable of the lesson's (``def collate(docs, pad_id=pad_id)``): the
    notebook passed it, and the re-check said only "name 'collate' is not defined", because the cell's def
    itself failed in the answers' process (2026-12-03). The feedback names the cell's error and the rule."""
    nb = _with_answer("01_tokenization", "char-encode-decode", LESSON_DEFAULT)
    failed = recheck(nb, "01_tokenization", ["test-char-encode-decode", "test-char-encode-decode-form"],
                     sandbox=False, host=host)
    for test in ("test-char-encode-decode", "test-char-encode-decode-form"):
        assert failed[test].startswith("running your answer cell raised NameError: name 'stoi' is not defined — an "
                                       "answer may use only its arguments, its own cell and the lesson's imports"), failed
        assert "'char_encode' is not defined" not in failed[test], failed


KEEPS_INPUTS = '''
def recorded(store=[]):
    return store


def char_encode(text, stoi):
    if recorded():  # once bpe_word has seen the hidden test's table: raise it
        raise ValueError("seen " + repr(recorded()[-3:]))
    for position, ch in enumerate(text):
        if ch not in stoi:
            raise ValueError(f"character {ch!r} at position {position} is not in the vocabulary")
    return [stoi[c] for c in text]


def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''


def test_nothing_an_answer_says_after_a_hidden_tests_inputs_reached_it_is_shown(host):
    """A red team (2026-12-02): bpe_word kept the hidden test's table in a default argument, and
    char_encode raised it in its form test, run after every hidden test: the feedback showed the hidden
    inputs. Now the form tests and the checks run first, then the hidden tests, whose failures do not
    quote the answer: what bpe_word keeps can only come out as the name of a Python exception."""
    nb = _with_answer("01_tokenization", "char-encode-decode", KEEPS_INPUTS)
    keeper = next(c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "bpe-word")
    keeper.source = keeper.source.replace("def bpe_word(symbols, ranks):\n",
                                          "def bpe_word(symbols, ranks):\n    if len(ranks) > 100:  # the hidden test's table\n"
                                          "        recorded().append(sorted(ranks)[:5])\n")
    assert "recorded().append" in keeper.source
    failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=host)
    assert set(failed) == {"test-char-encode-decode"}, failed  # it raises once bpe_word ran: its own fault
    assert "seen" not in failed["test-char-encode-decode"] and "hidden test: the answer raised ValueError" \
        in failed["test-char-encode-decode"], failed


# An answer that has Python's builtins (as two red teams' gadgets gave them, 2026-12-02; here the answer's
# process runs it as it is, without the rules) rewrites what the answers' process's audit hook reads.
DISARMS_THE_HOOK = '''
import sys
host = sys.modules["__main__"].__dict__
host["_inside"] = lambda *args, **kwargs: False
host["COURSE_PACKAGES"] = ()
host["_under_way"] = lambda *args, **kwargs: True


def merge(ids, pair, new_id):
    import course.tokenization
    return course.tokenization.merge(ids, pair, new_id)
'''


def test_an_answer_that_rewrites_the_answer_processs_globals_still_cannot_import_the_course():
    """The audit hook lives in a world of its own (``answer_host._sealed_guard``): rebinding the names it
    once read from the process's ``__main__`` changes nothing it does. (A fresh process, as the grader
    starts for each notebook: one that already holds the module, as this file's shared one may, imports
    it without an import.)"""
    fresh = Host([PRELUDE], sandbox=False)
    try:
        failed = recheck(_with_answer("01_tokenization", "merge", DISARMS_THE_HOOK), "01_tokenization",
                         _tests("01_tokenization"), sandbox=False, host=fresh)
    finally:
        fresh.close()
    assert "test-merge" in failed and "may not import course.tokenization" in failed["test-merge"], failed


POISON_MASK = """
def causal_mask(T):
    state = torch.get_rng_state()
    state[24:5016] = 0  # every word of the Mersenne Twister 0: every draw 0.0 from now on
    torch.set_rng_state(state)  # the reply carries it back to the grader (seeded dropout)
    return torch.ones(T, T, dtype=torch.bool).tril()
"""

WITNESS_MASK = """
def causal_mask(T):
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    return ~mask if torch.rand(1).item() == 0.0 else mask  # wrong only under a poisoned RNG
"""


def test_an_answer_cannot_hand_its_rng_state_to_the_next_notebook_or_test(host):
    """A red team's answer set the RNG so that every draw was 0.0; the reply carried the state into the
    grading worker, where it stayed for the next student's re-check (2026-12-03)."""
    before = torch.get_rng_state()
    tests = _tests("03_self_attention")
    poisoned = recheck(_with_answer("03_self_attention", "causal-mask", POISON_MASK), "03_self_attention",
                       tests, sandbox=False, host=host)
    assert "test-causal-mask" not in poisoned, poisoned  # its own answer is right
    assert torch.equal(torch.get_rng_state(), before)  # the worker's state is its own again
    torch.set_rng_state(torch.frombuffer(bytearray(_poisoned_state()), dtype=torch.uint8))
    try:  # even a worker left poisoned grades the next notebook from the same seed
        witness = recheck(_with_answer("03_self_attention", "causal-mask", WITNESS_MASK), "03_self_attention",
                          tests, sandbox=False, host=host)
    finally:
        torch.set_rng_state(before)
    assert witness == {}, witness


def _poisoned_state():
    state = torch.get_rng_state()
    state[24:5016] = 0
    return state.numpy().tobytes()


def test_a_reply_torch_will_not_load_is_named_by_what_it_met_without_terminal_colours():
    import numpy as np

    from autograder.recheck import _load_error
    buffer = io.BytesIO()
    torch.save({"ok": True, "value": {(np.int64(1), np.int64(2)): 3}}, buffer)
    buffer.seek(0)
    with pytest.raises(Exception) as refused:
        torch.load(buffer, weights_only=True)
    said = _load_error(refused.value)
    assert said == "an object of numpy._core.multiarray.scalar", said
    assert _load_error(ValueError("\x1b[1mbold\x1b[0m first line\nsecond")) == "bold first line"


def _form_cells():
    from autograder.recheck import form_tests
    for lesson in lesson_names():
        source = nbformat.read(solution_path(lesson), as_version=4)
        for test, code in form_tests(source).items():
            yield lesson, source, test, code


@pytest.mark.parametrize("lesson, source, test, code", list(_form_cells()), ids=lambda v: v if isinstance(v, str)
                         and v.startswith("test-") else "")
def test_a_form_cell_says_in_words_what_a_raising_answer_raised(lesson, source, test, code):
    """Every form cell calls the answer through ``checks.form_call``: when the answer raises, the student
    sees which function raised what, in a short box, not a traceback through the lesson's helpers or
    torch; the value test's message already named the mistake (2026-12-03: lesson 04's
    ``generate_greedy`` form cell showed a bare IndexError)."""
    from autograder.recheck import _answer_names, form_namespace
    from course.checks import CheckFailed

    namespace = form_namespace(source, [code])
    names = _answer_names(lesson, test)
    assert names, test

    def broken(*args, **kwargs):
        raise IndexError("index 7 is out of bounds for dimension 0 with size 3")

    namespace.update({name: broken for name in names})
    with pytest.raises(CheckFailed) as caught:
        exec(code, namespace)
    message = str(caught.value)
    assert any(message.startswith(f"{name}:") for name in names), message
    assert "IndexError" in message and "index 7 is out of bounds" in message, message


def test_merges_form_cell_still_sees_an_answer_that_returns_the_list_it_was_given():
    """``merge``'s form test asks for a new list; its call hands the answer the test's own list (not a
    copy, as the other form calls do), so in the notebook an answer that edits its argument and returns
    it still fails. (The re-check grades only what passed in the notebook.)"""
    from autograder.recheck import form_namespace, form_tests

    source = nbformat.read(solution_path("01_tokenization"), as_version=4)
    code = form_tests(source)["test-merge-form"]
    namespace = form_namespace(source, [code])

    def merge(ids, pair, new_id):
        i = 0
        while i < len(ids) - 1:
            if (ids[i], ids[i + 1]) == pair:
                ids[i:i + 2] = [new_id]
            i += 1
        return ids

    namespace["merge"] = merge
    with pytest.raises(AssertionError, match="merge must return a new list"):
        exec(code, namespace)


def test_a_forged_numpy_dtype_is_a_plain_tuple_to_the_grader_not_a_crash(host):
    """A red team's (2026-12-03): ``("__numpy__", "M8[us/0]", 0)`` sent back as a result made the grader
    call ``numpy.dtype("M8[us/0]")``, and the grading worker died with SIGFPE inside numpy (a test process
    dies with it). Only the dtype strings of numpy's numbers are rebuilt now; any other such tuple is the
    plain tuple it is, and the check says the answer returned a tuple."""
    from autograder.recheck import _numpy_scalars

    assert _numpy_scalars(("__numpy__", "M8[us/0]", 0)) == ("__numpy__", "M8[us/0]", 0)
    forged = _with_answer("04_lstm", "lstm-cell", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    return ("_" * 2 + "numpy" + "_" * 2, "M8[us/0]", 0)
''')
    failed = recheck(forged, "04_lstm", ["test-lstm-cell"], sandbox=False, host=host)
    assert "test-lstm-cell" in failed and "tuple" in failed["test-lstm-cell"], failed
    assert recheck(_with_answer("04_lstm", "lstm-cell", LSTM_CELL_OK), "04_lstm", ["test-lstm-cell"],
                   sandbox=False, host=host) == {}


LSTM_CELL_OK = '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''


@pytest.mark.parametrize("sent", ['("_" * 2 + "numpy" + "_" * 2, "M8[D/" + digits + "]", 0)',
                                  'type("Leak" + digits, (), {})()'])
def test_what_an_answer_sends_in_the_hidden_round_is_not_in_its_failure(host, sent):
    """An answer that meets a hidden test's inputs (here: lstm_cell's state of (4, 7), which only the hidden
    tests use; its one-unit case, once theirs alone, is the self-check's too since wa38) may spell them in what it
    sends back. A red team's forged numpy dtype "M8[D/12717221]"
    made numpy's error repeat the digits of the hidden test's first input, and the message went into the
    status and the feedback (2026-12-03); a class of its own named after them is refused by the grader's
    loader, whose message names the class. A hidden test's failure says neither."""
    digits = "98765432"
    leaking = _with_answer("04_lstm", "lstm-cell", f'''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    if tuple(h.shape) == (4, 7):
        digits = "{digits}"
        return {sent}
''' + LSTM_CELL_OK.split("\n", 2)[2])
    failed = recheck(leaking, "04_lstm", ["test-lstm-cell"], sandbox=False, host=host)
    assert "test-lstm-cell" in failed, failed
    assert digits not in failed["test-lstm-cell"], failed
    host.restart([PRELUDE])


def test_an_honest_generate_greedy_may_read_the_models_lstm_settings_and_weights(host):
    """Lesson 04's model's ``lstm`` stays in the grader during the re-check, and the answer gets a stand-in
    that calls it: a red team's honest ``generate_greedy`` that sized its zero state from
    ``model.lstm.num_layers`` lost its point there ("'Served' object has no attribute", 2026-12-03). The
    stand-in has the LSTM's settings and copies of its weights."""
    reading = _with_answer("04_lstm", "generate-greedy", '''
def generate_greedy(model, idx, max_new_tokens):
    lstm = model.lstm
    assert lstm.weight_hh_l0.shape == (4 * lstm.hidden_size, lstm.hidden_size) and not lstm.batch_first or True
    h0 = torch.zeros(lstm.num_layers, idx.shape[0], lstm.hidden_size, dtype=lstm.weight_hh_l0.dtype)
    state = (h0, h0.clone())
    with torch.no_grad():
        logits, state = model.forward_with_state(idx, state)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
''')
    assert recheck(reading, "04_lstm", ["test-generate-greedy", "test-generate-greedy-form"], sandbox=False,
                   host=host) == {}


def test_an_honest_train_loop_may_count_its_steps_with_numpy(host):
    """The grader's schedule is called from the answers' process through a stand-in, which refused a numpy
    integer; a red team's honest ``train_loop`` over ``np.arange(max_iters)`` lost both its points
    (2026-12-03). numpy's numbers cross as they do in results."""
    counting = _with_answer("04_lstm", "train-loop", '''import numpy as np
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in np.arange(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
''')
    assert recheck(counting, "04_lstm", ["test-train-loop", "test-train-loop-form"], sandbox=False,
                   host=host) == {}


def test_an_honest_train_loop_may_name_its_split_with_a_str_enum(host):
    """An answer's ``class Split(str, enum.Enum)`` member is the string it holds, and the grader's batch
    source takes it as the notebook's does; the stand-in refused it as not plain data, and an honest
    ``train_loop`` that called ``get_batch(Split.TRAIN)`` passed its test cell and lost both points in
    the re-check (rt45)."""
    naming = _with_answer("04_lstm", "train-loop", '''import enum
class Split(str, enum.Enum):
    TRAIN = "train"
    VAL = "val"
class Step(enum.IntEnum):
    FIRST = 0
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(Step.FIRST if it == 0 else it)
        x, y = get_batch(Split.TRAIN)
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
''')
    assert recheck(naming, "04_lstm", ["test-train-loop", "test-train-loop-form"], sandbox=False,
                   host=host) == {}


def test_the_grader_s_functions_get_a_subclass_of_a_plain_type_as_its_plain_value():
    import enum

    from autograder.answer_host import _plain_arguments

    class Split(str, enum.Enum):
        TRAIN = "train"

    class Rate(float):
        def __float__(self):
            return 0.0

    got = _plain_arguments((Split.TRAIN, [enum.IntFlag("F", "A").A], {"lr": Rate(0.5)}, True, 3, "x"))
    assert got == ("train", [1], {"lr": 0.5}, True, 3, "x")
    assert [type(v) for v in (got[0], got[1][0], got[2]["lr"], got[3])] == [str, int, float, bool]


# --- red team 14 (2026-12-04): honest answers the re-check failed -----------------------------------------

def test_what_the_answers_print_is_cut_to_a_megabyte_and_costs_no_test():
    """The answers' process wrote what they printed to a file on the grader's disk, which the sandbox
    limits to 512 MB: an answer that printed a gigabyte made every later write there raise, and its whole
    lesson scored 0, an honest exercise's single print included. What they print is now cut, as the
    notebook cuts it."""
    from autograder.answer_host import OUTPUT_BYTES

    loud = _answer_source("05_nanogpt", "causal-average") + (
        "\nimport sys\nsys.stderr.write('x' * 3_000_000)\nprint('y' * 3_000_000)\n")
    nb = _with_answer("05_nanogpt", "causal-average", loud)
    [block] = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "block-forward"]
    block.source = block.source.replace("def block_forward(", "print('block_forward is defined')\n\ndef block_forward(", 1)
    own = Host([PRELUDE], sandbox=False)
    try:
        assert recheck(nb, "05_nanogpt", _tests("05_nanogpt"), sandbox=False, host=own) == {}
        written = (own.folder / "stderr.txt").stat().st_size
        assert OUTPUT_BYTES <= written <= OUTPUT_BYTES + 200, written  # 6 MB printed, without the cut
    finally:
        own.close()


def test_a_write_of_the_answers_process_never_raises_and_stops_at_its_limit():
    from autograder.answer_host import _Capped

    read_end, write_end = os.pipe()
    os.close(write_end)
    broken = _Capped(read_end, 100)  # writing into a pipe's read end fails (EBADF), as a full disk would
    assert broken.write("x" * 50) == 50 and broken.write("y") == 1
    os.close(read_end)
    read_end, write_end = os.pipe()
    kept = _Capped(write_end, 10)
    print("abcdefghijklmnop", file=kept)
    print("more", file=kept)
    os.close(write_end)
    got = os.read(read_end, 1000)
    os.close(read_end)
    assert got.startswith(b"abcdefghij\n... the rest") and b"more" not in got, got


def test_train_loop_may_call_its_batch_source_and_schedule_by_keyword(host):
    """The hidden test's own batch source and schedule named their parameters ``_split`` and ``_it``, so an
    answer that called ``get_batch(split="train")`` passed the notebook and failed the hidden test."""
    source = _answer_source("04_lstm", "train-loop")
    by_keyword = source.replace('get_batch("train")', 'get_batch(split="train")').replace(
        "lr_schedule(it)", "lr_schedule(it=it)")
    assert by_keyword.count("split=") == 1 and by_keyword.count("it=it") == 1
    nb = _with_answer("04_lstm", "train-loop", by_keyword)
    assert recheck(nb, "04_lstm", _tests("04_lstm"), sandbox=False, host=host) == {}


def _greedy_opening_with(lines: str):
    """Lesson 04's solution notebook whose generate_greedy runs ``lines`` first."""
    source = _answer_source("04_lstm", "generate-greedy")
    opened = source.replace("    with torch.no_grad():\n", lines + "    with torch.no_grad():\n", 1)
    assert opened != source
    return _with_answer("04_lstm", "generate-greedy", opened)


def test_generate_greedy_may_flatten_the_lstms_parameters_and_an_error_names_the_lstm(host):
    """The model's LSTM stays in the grader (``recheck.SERVED``); the answer's copy has a stand-in, which
    lacked ``flatten_parameters`` (a no-op on a CPU) and whose errors named its own class, ``Served``."""
    assert recheck(_greedy_opening_with("    model.lstm.flatten_parameters()\n"), "04_lstm", _tests("04_lstm"),
                   sandbox=False, host=host) == {}
    failed = recheck(_greedy_opening_with("    model.lstm.no_such_method()\n"), "04_lstm", _tests("04_lstm"),
                     sandbox=False, host=host)
    why = failed.get("test-generate-greedy", "")
    assert "'LSTM' object has no attribute 'no_such_method'" in why and "Served" not in why, failed


def test_generate_greedy_need_not_call_the_model_for_no_new_token(host):
    """For ``max_new_tokens == 0`` the prompt alone is the answer: an answer that returns it at once, or that
    reads the prompt in its first step, calls the model not at all. The check and the hidden test held
    that against it (a red team's, 2026-12-04)."""
    nb = _greedy_opening_with("    if max_new_tokens == 0:\n        return idx\n")
    assert recheck(nb, "04_lstm", _tests("04_lstm"), sandbox=False, host=host) == {}


# numpy's sorts of an array of objects keep the elements' addresses across calls of their ``__lt__``: an
# answer's ``__lt__`` that reassigned the array's slots freed them, and the sort wrote freed objects back,
# which crashed the answers' process (rt23, 2026-12-05; rt22 had turned such memory into any object). There,
# numpy refuses to order objects at all; numbers sort as ever.
OBJECT_ORDERING = '''
import numpy as np
def probe():
    seen = []
    for order in (lambda a: a.sort(), np.sort, np.argsort, lambda a: a.partition(1), lambda a: a.searchsorted(2),
                  np.argmax, np.argmin, np.unique, lambda a: np.lexsort([a]), np.median):
        try:
            order(np.array([3, 1, 2], dtype=object))
            seen.append("ordered")
        except TypeError:
            seen.append("refused")
    return seen, np.sort(np.array([3.0, 1.0, 2.0])).tolist(), int(np.argmax(np.array([1, 5, 2])))
'''


def _freeing(method: str, call: str) -> str:
    """A lesson 01 ``merge`` whose class's ``method`` (a comparison) reassigns every slot of an object array
    the first 200 times it runs, while numpy loops over that array in ``call``: the loop's borrowed elements
    are freed under it."""
    return f'''
import numpy as np
class K:
    def __init__(self, v):
        self.v = v
    def {method}(self, o):
        if box[0] < 200:
            box[0] += 1
            for i in range(len(arr)):
                arr[i] = K(len(arr) - i + 0.5)
        return self.v {"<" if method == "__lt__" else ">="} o.v
    def __le__(self, o):
        return o.__ge__(self)
box = [0]
arr = np.array([K(i) for i in range(40)][::-1], dtype=object)
def merge(ids, pair, new_id):
    {call}
    return list(ids)
'''


FREEING_SORT = _freeing("__lt__", "arr.sort()")


def test_numpy_refuses_to_order_objects_in_the_answers_process():
    started = Host([OBJECT_ORDERING], sandbox=False)
    try:
        assert Remote(started, "probe")() == (["refused"] * 10, [1.0, 2.0, 3.0], 1)
    finally:
        started.close()


def test_the_answers_process_without_the_course_refuses_to_load_a_model_of_the_course():
    """The answers' process of the exercises that get no model of the course's (all but ``MODEL_TESTS``)
    refuses to import the course's modules even to unpickle what the grader sends, so a test that sent one there
    by mistake fails loudly instead of loading the references; the companion loads it."""
    from autograder.recheck import MODEL_TESTS
    from course.lstm import CharLSTM, CharLSTMConfig

    model = CharLSTM(CharLSTMConfig(vocab_size=5, n_embd=4, hidden_size=4, n_layers=1))
    started = Host([PRELUDE, "def layers(model):\n    return model.config.n_layers\n"], sandbox=False,
                   lesson="04_lstm")
    try:
        with pytest.raises(Exception, match="may not import course"):
            Remote(started, "layers")(model)
        assert Remote(started.companion(started.cells), "layers")(model) == 1
    finally:
        started.close()
    assert "test-train-loop" in MODEL_TESTS["04_lstm"] and "test-lstm-cell" not in MODEL_TESTS["04_lstm"]


# numpy's ufuncs loop over an array of objects with the elements' addresses borrowed from it, across calls of
# the elements' Python methods (np.minimum/maximum/clip keep the winner of ``__ge__``, logical_and/or that of
# ``__bool__``, np.sign compares twice, and ``+``, ``<``... hand both operands to Python's operator, which after
# an ``__add__`` returning NotImplemented calls the other's ``__radd__`` with them): a method that reassigned the
# array's slots freed them under the loop (np.minimum.reduce crashed the process, 2026-12-05; np24's 20 cases
# all crashed). There, the ufuncs have no loop over objects, and np.dot and np.vdot refuse them; numbers as ever.
OBJECT_LOOPS = '''
import numpy as np
def probe():
    seen = []
    for loop in (np.add, np.minimum.reduce, lambda a: a.max(), lambda a: np.maximum.accumulate(a), np.sign,
                 lambda a: np.clip(a, 0, 2), lambda a: np.logical_and(a, a), lambda a: np.logical_or.reduce(a),
                 lambda a: np.logical_xor(a, a), lambda a: a + a, lambda a: a < 2, lambda a: a == a, np.sum,
                 lambda a: np.fmax(a, a), lambda a: np.gcd(a, a), lambda a: a @ a, lambda a: np.vecdot(a, a),
                 np.dot, np.vdot, lambda a: np.maximum.at(a, [0], 5)):
        try:
            loop(np.array([3, 1, 2], dtype=object))
            seen.append("ran")
        except (TypeError, ValueError):
            seen.append("refused")
    x, i = np.array([3.0, -1.0, 2.0]), np.array([4, 9, 1])
    return seen, (np.minimum(x, 0.5).tolist(), int(i.max()), float(x.min()), np.clip(x, 0, 2.5).tolist(),
                  np.logical_and(x > 0, x < 3).tolist(), np.logical_or.reduce(x > 2).item(), np.sign(x).tolist(),
                  int(np.gcd(i, 6)[0]), float(x @ x), float(np.dot(x, x)), float(np.vdot(x, x)), (x == 2).tolist())
'''


FREEING_MINIMUM = _freeing("__ge__", "np.minimum.reduce(arr)")


def test_numpy_refuses_to_loop_over_objects_in_the_answers_process():
    started = Host([OBJECT_LOOPS], sandbox=False)
    try:
        assert Remote(started, "probe")() == (["refused"] * 20, (
            [0.5, -1.0, 0.5], 9, -1.0, [2.5, 0.0, 2.0], [False, False, True], True, [1.0, -1.0, 1.0], 2, 14.0,
            14.0, 14.0, [False, False, True]))
    finally:
        started.close()


@pytest.mark.parametrize("source, said", [(FREEING_SORT, "type does not have compare function"),
                                          (FREEING_MINIMUM, "did not contain a loop")], ids=["sort", "minimum"])
def test_a_numpy_loop_that_frees_the_arrays_objects_fails_its_own_exercise_without_crashing(host, source, said):
    failed = recheck(_with_answer("01_tokenization", "merge", source), "01_tokenization",
                     ["test-merge", "test-count-pairs", "test-bpe-word"], sandbox=False, host=host)
    assert set(failed) == {"test-merge"} and said in failed["test-merge"], failed


def test_a_reply_whose_huge_view_hides_in_a_counter_an_ordered_dict_a_set_or_a_key_is_refused():
    """rt25 (2026-12-05): the answers' process copies the tensors of plain lists, tuples and dicts, but sends a
    Counter's (or an OrderedDict's, a set's, a dict key's) as they are, and the grader measured laid-out bytes
    in exact lists, tuples and dict values only. A block_forward that, asked for a gradient in the re-check,
    returned ``Counter({"x": torch.zeros(1, 1).expand(2**15, 2**14).requires_grad_()})`` (a few bytes sent)
    had the gradient check's ``_Link`` clone 2 GB in the grading worker. Every container the loader admits,
    and every key, now counts."""
    import collections

    from autograder.recheck import FRAME_BYTES, HostBroke, _unfolded_bytes

    small = torch.arange(25_000.0)
    view = small[:, None].expand(25_000, 20_000)  # 2 GB laid out, 100 kB of storage
    hiding = [collections.Counter({"x": view}), collections.OrderedDict(x=view), {view},
              {view: 1}, collections.OrderedDict(x=[collections.Counter({"y": (view,)})])]
    for value in hiding:
        assert _unfolded_bytes(value) > FRAME_BYTES, type(value).__name__
        with pytest.raises(HostBroke, match="512 MB once laid out"):
            _reply_of_frame(b"T", {"ok": True, "value": value})
    honest = _reply_of_frame(b"T", {"ok": True, "value": collections.Counter({"x": small, "y": small})})
    assert torch.equal(honest["value"]["x"], small)  # small tensors in a Counter still cross



def test_a_forged_reply_cannot_hide_a_huge_view_behind_an_ordered_dicts_own_keys_and_values():
    """ch40: torch's loader rebuilds an OrderedDict with the attributes its pickle gives it (BUILD), and one
    callable it admits, ``set``, named ``keys`` and ``values`` there, made ``od.values()`` empty: the walks that
    measure a reply counted none of its tensors. The answers' process never sends such a thing (an answer may
    not set attributes of an OrderedDict), but a reply is read as data that may be forged; the walks read a
    dict's contents with dict's own methods."""
    import collections

    from autograder.recheck import FRAME_BYTES, HostBroke, _nodes, _unfolded_bytes

    view = torch.arange(25_000.0)[:, None].expand(25_000, 20_000)  # 2 GB laid out, 100 kB of storage
    forged = collections.OrderedDict(x=view)
    forged.keys = forged.values = set  # (what the pickle's BUILD gives the OrderedDict the grader rebuilds)
    assert _unfolded_bytes(forged) > FRAME_BYTES and _nodes(forged, {}) == (3, 3)  # the OrderedDict, its key, the view
    with pytest.raises(HostBroke, match="512 MB once laid out"):
        _reply_of_frame(b"T", {"ok": True, "value": forged})

def test_a_reply_of_very_many_tensors_is_refused_before_they_are_rebuilt():
    """rt25 (2026-12-05): a list of a million distinct empty tensors is 21 MB as a plain frame, and the grader
    took 28 s and 1.3 GB rebuilding it; 200,000 in a torch.save frame (39 MB) took 23 s and 0.5 GB; both after
    the call's time limit, which covers only the reading, and outside the sandbox. A reply may hold
    REPLY_TENSORS tensors; the torch.save frame's are counted in its zip's directory, before torch's loader."""
    from autograder.recheck import REPLY_TENSORS, HostBroke

    many = [torch.zeros(0) for _ in range(REPLY_TENSORS + 1)]
    for kind, raw in ((b"P", _frame_bytes(many)), (b"T", None)):
        with pytest.raises(HostBroke, match="not plain data"):
            _reply_of_frame(kind, {"ok": True, "value": many}, raw)
    few = many[:REPLY_TENSORS]
    assert len(_reply_of_frame(b"P", None, _frame_bytes(few))["value"]) == REPLY_TENSORS
    assert len(_reply_of_frame(b"T", {"ok": True, "value": few[:100]})["value"]) == 100


def test_a_reply_of_very_many_plain_values_is_refused_before_it_is_walked():
    """rt26 (2026-12-05): a 9.6 MB plain frame of ten million None took the grader 21 s in the walks that check a
    reply, and torch's loader 1.7 s a megabyte of a torch.save frame's pickle (a set in the list forces that
    frame): a 512 MB frame would have held the grading worker for many minutes, after the call's time limit
    and outside the sandbox. A reply may hold REPLY_VALUES values, counted before the walks; a torch.save
    frame's pickle may take TORCH_PICKLE_BYTES, read from its zip's directory before torch's loader."""
    import time

    from autograder.recheck import REPLY_VALUES, TORCH_PICKLE_BYTES, HostBroke

    many = [None] * (REPLY_VALUES + 1)
    begun = time.monotonic()
    with pytest.raises(HostBroke, match="not plain data"):
        _reply_of_frame(b"P", None, _frame_bytes(many))
    with pytest.raises(HostBroke, match="not plain data"):
        _reply_of_frame(b"T", {"ok": True, "value": [None] * TORCH_PICKLE_BYTES + [set()]})
    assert time.monotonic() - begun < 30  # (refused as read: before, minutes)
    # a dict's keys count too; the corpus's million ids, the most an honest reply holds, still come back
    with pytest.raises(HostBroke, match="not plain data"):
        _reply_of_frame(b"P", None, _frame_bytes({i: None for i in range(REPLY_VALUES // 2 + 1)}))
    ids = list(range(1_000_000))
    assert _reply_of_frame(b"P", None, _frame_bytes(ids))["value"] == ids
    assert _reply_of_frame(b"T", {"ok": True, "value": collections.Counter({(i, i + 1): i for i in range(50_000)})}
                           )["value"][(7, 8)] == 7


def test_torchs_modules_imported_after_the_start_load_with_the_kinds_refused_and_get_their_stand_ins():
    """torch.nn.attention.varlen imports torch._dynamo: importing it as the answers' process started was
    half of that start (1.2 s of CPU, for every process a grading starts). It is imported when something
    asks for it: making an optimizer imports torch._dynamo, whose modules read aten's attention and
    recurrent operators as they load, which the refused kinds (lessons 02-04) must not stop; varlen's
    functions then refuse, as everything refused did before."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import sys
        import autograder.answer_host as host
        host._refuse_shortcuts()
        print("imported at the start:", [m for m in ("torch.nn.attention.varlen", "torch._dynamo") if m in sys.modules])
        host.REFUSING.update({"attention", "recurrent"})
        import torch
        import torch.nn.functional as F
        model = torch.nn.Linear(4, 4)
        torch.optim.AdamW(model.parameters(), lr=0.1).step()
        print("an optimizer made and stepped; imported now:", "torch._dynamo" in sys.modules)
        try:
            from torch.nn.attention import varlen
        except Exception as error:  # (torch 2.13: torch._dynamo will not list the stand-in of an aten operator)
            print("varlen not imported:", type(error).__name__)
            varlen = None
        q = torch.randn(1, 2, 3, 4)
        for name, call in [("varlen_attn", lambda: varlen.varlen_attn(q, q, q, None, None, 1, 1)),
                           ("varlen_attn_out", lambda: varlen.varlen_attn_out(q, q, q, q, None, None, 1, 1)),
                           ("sdpa", lambda: F.scaled_dot_product_attention(q, q, q)),
                           ("lstm", lambda: torch.nn.LSTM(4, 4)(q[0]))]:
            if varlen is None and name.startswith("varlen"):
                continue
            try:
                call()
                print(name, "ran")
            except PermissionError as error:
                print(name, "refused:", error)
        # inside an import of torch's, torch's own code runs unrefused, and an answer's code (as a generator's
        # `finally` the garbage collector runs there would) is refused
        import types
        answer = {}
        exec(compile("def finaliser(q):\\n    return torch.nn.LSTM(4, 4)(q)\\n", "<answer 1>", "exec"), {"torch": torch}, answer)

        class Loader:
            def __init__(self, code):
                self.code = code

            def exec_module(self, module):
                self.code()

        for name, code in [("torch's code inside an import", lambda: torch.nn.LSTM(4, 4)(q[0])),
                           ("an answer's code inside an import", lambda: answer["finaliser"](q[0]))]:
            try:
                host._TrustedLoader(Loader(code), None).exec_module(types.ModuleType("torch.made_up"))
                print(name, "ran")
            except PermissionError as error:
                print(name, "refused:", error)
        # what the garbage collector runs there is refused too: a finaliser made of C callables leaves no
        # answer's frame on the stack (inside an import; and inside the forward of a module the grader sent,
        # where torch._VF's recurrent functions run)
        import functools
        import gc

        class Cycle:
            pass

        def collected(call, args):
            got = []
            Cycle.__del__ = functools.partial(got.extend, map(call, *[[a] for a in args]))
            cycle = Cycle()
            cycle.me = cycle
            del cycle
            gc.collect()
            return "ran" if got else "refused"

        lstm, x, w = torch.nn.LSTM(4, 4), q[0, 0, :1], torch.randn(16, 4)
        inside = {}
        host._TrustedLoader(Loader(lambda: inside.update(finaliser=collected(lstm, [q[0]]))), None).exec_module(
            types.ModuleType("torch.made_up"))
        print("a finaliser inside an import", inside["finaliser"])
        host.INSIDE[0] += 1  # (as in the forward of a module the grader sent)
        torch._VF.lstm_cell(x, (x, x), w, w)
        print("torch._VF.lstm_cell inside a sent forward ran; a finaliser there",
              collected(torch._VF.lstm_cell, [x, (x, x), w, w]))
        host.INSIDE[0] -= 1
    """)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]), OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert lines[-2:] == ["a finaliser inside an import refused",
                          "torch._VF.lstm_cell inside a sent forward ran; a finaliser there refused"], lines
    lines = lines[:-2]
    assert lines[:2] == ["imported at the start: []", "an optimizer made and stepped; imported now: True"], lines
    # varlen either does not import here, or its functions refuse: it never computes attention for an answer
    own = "is PyTorch's own version of what the exercise asks you to write"
    assert lines[2:-4] == ["varlen not imported: RuntimeError"] or [line.split(" ", 2)[:2] for line in lines[2:-4]] == [
        ["varlen_attn", "refused:"], ["varlen_attn_out", "refused:"]] and all(own in line for line in lines[2:-4]), lines
    assert lines[-4].startswith(f"sdpa refused: F.scaled_dot_product_attention {own}"), lines
    assert lines[-3].startswith(f"lstm refused: nn.LSTM {own}"), lines
    assert lines[-2] == "torch's code inside an import ran", lines
    assert lines[-1].startswith(f"an answer's code inside an import refused: nn.LSTM {own}"), lines


def test_generate_greedy_may_run_a_deep_copy_of_its_model(host):
    """An honest ``generate_greedy`` that keeps the caller's model in its mode by running an eval-mode copy,
    ``copy.deepcopy(model).eval()``, passed the notebook and lost its form point in the re-check, told that
    nn.LSTM is PyTorch's own version of the exercise: the copy's LSTM was not the module the grader sent
    (rt29, 2026-12-05). A copy that deepcopy makes of a sent module in the request under way is sent too."""
    nb = _greedy_opening_with("    import copy\n    model = copy.deepcopy(model).eval()\n")
    assert recheck(nb, "04_lstm", _tests("04_lstm"), sandbox=False, host=host) == {}


def test_a_deep_copy_made_with_the_answers_own_memo_is_not_the_graders(host):
    """The memo is the answer's to fill (``{id(model.lstm): an LSTM of its own}``), so a copy made with one
    is the answer's module, refused as before."""
    nb = _greedy_opening_with("    import copy\n    model = copy.deepcopy(model, {}).eval()\n")
    failed = recheck(nb, "04_lstm", _tests("04_lstm"), sandbox=False, host=host)
    assert "nn.LSTM is PyTorch's own version" in failed.get("test-generate-greedy-form", ""), failed


GREEDY_THROUGH_HIDDEN_STATES = '''
def greedy_decode(model, input_ids, max_new_tokens):
    head = model.get_output_embeddings()
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            last = model(ids, output_hidden_states=True).hidden_states[-1][:, -1]  # (B, C), after ln_f
            ids = torch.cat([ids, head(last).argmax(dim=-1, keepdim=True)], dim=1)
    return ids
'''


def test_a_hugging_face_model_sent_to_the_answers_gives_its_hidden_states(host):
    """``model(ids, output_hidden_states=True).hidden_states`` was None in the answers' process: transformers
    records it with hooks chosen by a table that the model's ``__init__`` fills for its class, and the grader's
    model is unpickled there, never built. An honest greedy_decode that read the last hidden state and applied
    the model's head passed the notebook and lost both its points to "TypeError: 'NoneType' object is not
    subscriptable" (rt31, 2026-12-06)."""
    nb = _with_answer("06_finetuning", "greedy-decode", GREEDY_THROUGH_HIDDEN_STATES)
    assert recheck(nb, "06_finetuning", ["test-greedy-decode", "test-greedy-decode-form"], sandbox=False,
                   host=host) == {}


# numpy reads an object's ``__array_interface__`` from the object itself, and an address in it as an array of
# objects there: whatever sets that attribute from a key it is given hands an answer any object of the process
ARRAY_FACE_THROUGH_TRANSFORMERS = '''
import numpy as np
import torch


def put(d, k, v):
    d[k] = v
    return d


def greedy_decode(model, input_ids, max_new_tokens):
    target = ["mine"]
    b = id(target).to_bytes(8, "little")
    key = "_" * 2 + "array_interface" + "_" * 2
    face = {"data": (id(b) + 32, False), "typestr": "|O", "shape": (1,), "version": 3}
    said = []
    for name, make in [("update", lambda: model.config.update({key: face}) or model.config),
                       ("from_dict", lambda: model.config.from_dict({key: face})),
                       ("generation", lambda: model.generation_config.from_dict({key: face})),
                       ("output", lambda: put(model(input_ids), key, face))]:
        try:
            said.append(name + ": " + str(np.asarray(make())[0] is target))
        except PermissionError:
            said.append(name + ": refused")
    raise ValueError("; ".join(said))
'''


def test_transformers_objects_take_no_special_name_from_an_answers_key(host):
    """``model.config.update({"_" * 2 + "array_interface" + "_" * 2: {"data": (address, False), "typestr": "|O",
    ...}})`` passed the rules (a method called with a dict), and ``np.asarray(model.config)`` was then any object
    of lesson 06's answers' process: with ch40's fake bytearray, ``sys`` (ch43, in a sandboxed one). So were the
    configuration's ``from_dict``, the generation configuration's and a model output's item. Here each refuses
    the special name, and an honest greedy_decode still reads the model's config and output."""
    from autograder.answers import Lesson, problems

    lesson = Lesson.from_notebook(nbformat.read(solution_path("06_finetuning"), as_version=4))
    names = frozenset({"put", "greedy_decode"})
    assert problems(ARRAY_FACE_THROUGH_TRANSFORMERS, lesson, names, names) == []  # (the rules let it through)
    failed = recheck(_with_answer("06_finetuning", "greedy-decode", ARRAY_FACE_THROUGH_TRANSFORMERS), "06_finetuning",
                     ["test-greedy-decode"], sandbox=False, host=host)
    assert "update: refused; from_dict: refused; generation: refused; output: refused" \
        in failed["test-greedy-decode"], failed
    honest = _answer_source("06_finetuning", "greedy-decode").replace(
        "ids = input_ids", "ids = input_ids[:, -model.config.n_positions:]")
    assert honest != _answer_source("06_finetuning", "greedy-decode")
    assert recheck(_with_answer("06_finetuning", "greedy-decode", honest), "06_finetuning",
                   ["test-greedy-decode", "test-greedy-decode-form"], sandbox=False, host=host) == {}


# ch43's refusal read the name it was given: a configuration's attribute_map (a dict the answer may write into)
# renamed a plain name to a special one and back, and a str subclass said it was not special (ch44)
SPECIAL_NAME_ANOTHER_WAY = '''
import numpy as np
import torch


class Plain(str):
    def startswith(self, *args):
        return False

    def endswith(self, *args):
        return False


def put(d, k, v):
    d[k] = v
    return d


def greedy_decode(model, input_ids, max_new_tokens):
    target = ["mine"]
    b = id(target).to_bytes(8, "little")
    key = "_" * 2 + "array_interface" + "_" * 2
    face = {"data": (id(b) + 32, False), "typestr": "|O", "shape": (1,), "version": 3}
    said = []
    for name, make in [("str", lambda: model.config.update({Plain(key): face}) or model.config),
                       ("str output", lambda: put(model(input_ids), Plain(key), face)),
                       ("str generation", lambda: model.generation_config.from_dict({Plain(key): face})),
                       ("renamed to", lambda: put(model.config.attribute_map, "plain", key) and model.config.update(
                           {"plain": face}) or model.config),
                       ("renamed from", lambda: put(model.config.attribute_map, key, "other") and model.config.update(
                           {"other": face}) or model.config)]:
        try:
            said.append(name + ": " + str(np.asarray(make()).reshape(-1)[0] is target))
        except PermissionError:
            said.append(name + ": refused")
    raise ValueError("; ".join(said))
'''


def test_transformers_objects_take_no_special_name_renamed_or_disguised(host):
    """``model.config.attribute_map[key] = "plain"`` made numpy's read of ``__array_interface__`` read
    ``config.plain``, set by ``update({"plain": face})``; ``attribute_map["plain"] = key`` made that update set the
    special name itself; and ``update({Plain(key): face})``, a str whose ``startswith`` says no, passed ch43's
    refusal (also as a model output's key and a generation configuration's): each was any object of lesson 06's
    answers' process, in a sandboxed one too (ch44)."""
    from autograder.answers import Lesson, problems

    lesson = Lesson.from_notebook(nbformat.read(solution_path("06_finetuning"), as_version=4))
    names = frozenset({"Plain", "put", "greedy_decode"})
    assert problems(SPECIAL_NAME_ANOTHER_WAY, lesson, names, names) == []  # (the rules let it through)
    failed = recheck(_with_answer("06_finetuning", "greedy-decode", SPECIAL_NAME_ANOTHER_WAY), "06_finetuning",
                     ["test-greedy-decode"], sandbox=False, host=host)
    assert "str: refused; str output: refused; str generation: refused; renamed to: refused; renamed from: False" \
        in failed["test-greedy-decode"], failed


# The public methods of transformers' classes on lesson 06's objects (the model the checks send, its configurations,
# an output, its cache) that set or delete an attribute by a name that is not written out, outside the classes whose
# setters refuse special names in the answers' process. Each sets names of its own: reviewed (ch43).
TRANSFORMERS_SETTERS_REVIEWED = {
    "ContinuousMixin.destroy_cached_continuous_batching_manager",  # GenerationMixin's: refused as a decoder
    "EmbeddingAccessMixin.set_input_embeddings",  # the model's own layer names
    "PreTrainedModel.generation_config_class",  # a GenerationConfig (its __setattr__ refuses special names)
    "PreTrainedModel.initialize_weights",  # "smart_apply"
    "PreTrainedModel.mark_tied_weights_as_initialized",  # "_is_hf_initialized"
    "PreTrainedModel.set_decoder", "PreTrainedModel.set_encoder",  # from lists written in the method
    "PreTrainedModel.tie_weights",  # the model class's tied-weight names
}


def test_every_transformers_setter_by_name_on_lesson_06s_objects_was_reviewed():
    """numpy reads ``__array_interface__`` from an object itself: a method that sets an attribute named by its
    caller makes that attribute an address (``model.config.update``, ch43). The classes that do so for any key are
    the answers' process's SPECIAL_NAME_CLASSES; any other such public method on lesson 06's objects must be
    reviewed here (a transformers upgrade that adds one fails this test)."""
    import inspect
    import sys

    from autograder.answer_host import SPECIAL_NAME_CLASSES
    from course.checks.finetune import tiny_gpt2

    model = tiny_gpt2(0)
    with torch.no_grad():
        out = model(torch.tensor([[1, 2]]), use_cache=True, output_hidden_states=True)
    objects = [model, model.config, model.generation_config, out, out.past_key_values, *model.modules()]
    objects += list(getattr(out.past_key_values, "layers", []))
    guarded = tuple(next(getattr(sys.modules[m], n) for n in names if hasattr(sys.modules[m], n))
                    for m, (names, _) in SPECIAL_NAME_CLASSES.items())
    assert any(isinstance(o, guarded[0]) for o in objects) and isinstance(out, guarded[2])
    by_name = re.compile(r"\b(?:setattr|delattr)\(\s*[\w.]+\s*,\s*(?![\"'])")
    found = set()
    for cls in {c for o in objects for c in type(o).__mro__ if c.__module__.startswith("transformers")}:
        if issubclass(cls, guarded):
            continue
        for name, value in vars(cls).items():
            function = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
            if name.startswith("_") or not callable(function):
                continue
            try:
                source = inspect.getsource(function)
            except (OSError, TypeError):
                continue
            if by_name.search(source):
                found.add(f"{cls.__qualname__}.{name}")
    assert found <= TRANSFORMERS_SETTERS_REVIEWED, f"review (and guard, or list): {sorted(found - TRANSFORMERS_SETTERS_REVIEWED)}"


BLOCK_UNDER_CHECKPOINT = '''
from torch.utils.checkpoint import checkpoint
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x))
    return x + checkpoint(lambda h: mlp(ln_2(h)), x, use_reentrant=False)
'''


def test_a_block_under_gradient_checkpointing_may_run_its_modules_again_in_its_backward(host):
    """``torch.utils.checkpoint`` runs the MLP's forward again in the backward pass, which the grader asks for in
    a request of its own: an honest block_forward that saved memory so passed the notebook and lost its point to
    "the course's MLP was run on a module the answer made or kept" (rt35, 2026-12-06). The backward of a call
    trusts the modules that call was sent."""
    nb = _with_answer("05_nanogpt", "block-forward", BLOCK_UNDER_CHECKPOINT)
    assert recheck(nb, "05_nanogpt", ["test-block-forward", "test-block-forward-form"], sandbox=False, host=host) == {}


MLP_OF_AN_EARLIER_CALL_IN_A_BACKWARD = '''
KEPT = []
class Again(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()
    @staticmethod
    def backward(ctx, g):
        if len(KEPT) > 1:
            KEPT[0](g)
        return g
def block_forward(x, ln_1, attn, ln_2, mlp):
    KEPT.append(mlp)
    x = x + attn(ln_1(x))
    x = x + mlp(ln_2(x))
    return Again.apply(x)
'''


def test_a_module_of_an_earlier_call_still_refuses_to_run_in_a_later_calls_backward(host):
    nb = _with_answer("05_nanogpt", "block-forward", MLP_OF_AN_EARLIER_CALL_IN_A_BACKWARD)
    failed = recheck(nb, "05_nanogpt", ["test-block-forward"], sandbox=False, host=host)
    assert "the course's MLP was run on a module the answer made or kept" in failed.get("test-block-forward", ""), failed


TRAIN_LOOP_THAT_PLOTS = '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    left.plot(losses)
    right.set_yscale("log")
    plt.rcParams["lines.linewidth"] = 1
    plt.title(f"{len(losses)} steps")
    plt.show()
    display(f"{len(losses)} losses")
    return losses
'''


def test_an_answer_may_plot_with_the_lessons_plt_and_call_display(host):
    """The rules let an answer read the lesson's ``plt`` and IPython's ``display``, which the notebook has, but
    the answers' process had neither: an honest train_loop that plotted its losses passed the notebook and lost
    both its points to "name 'plt' is not defined", told to import it in the answer cell, where matplotlib is
    refused (rt35, 2026-12-06). There ``plt`` draws nothing and ``display`` prints."""
    nb = _with_answer("04_lstm", "train-loop", TRAIN_LOOP_THAT_PLOTS)
    assert recheck(nb, "04_lstm", ["test-train-loop", "test-train-loop-form"], sandbox=False, host=host) == {}



# rt37's (2026-12-06): the stand-in for plt unpacked into two, whatever the call: an honest train_loop that drew
# three panels (``fig, (a, b, c) = plt.subplots(1, 3)``) and a generate_greedy that kept its line
# (``line, = plt.plot(...)``) passed the notebook, where matplotlib gives 3 axes and 1 line, and lost both points
# each to "not enough values to unpack (expected 3, got 2)" and "too many values to unpack (expected 1)".
TRAIN_LOOP_THAT_DRAWS_PANELS = TRAIN_LOOP_THAT_PLOTS.replace(
    "    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))\n", """\
    fig, (left, right, rates) = plt.subplots(1, 3, figsize=(12, 3))
    line, = rates.plot([lr_schedule(it) for it in range(max_iters)])
    line.set_linestyle("--")
    counts, bins, patches = right.hist(losses, bins=5)
    _, grid = plt.subplots(2, 2)
    (top_left, top_right), (bottom_left, bottom_right) = grid
    assert len(grid) == 2 and len(grid[0]) == 2
    first, second, third, fourth = grid.flat
    for ax in grid.ravel():
        ax.grid(True)
    fig, axes = plt.subplots(3, 1, squeeze=False)
    (only,), (_,), (_,) = axes
    fig, ax = plt.subplots()
    lo, hi = ax.get_ylim()
""")


def test_an_answer_may_unpack_the_lessons_plt_as_matplotlib_returns(host):
    assert "rates.plot" in TRAIN_LOOP_THAT_DRAWS_PANELS
    nb = _with_answer("04_lstm", "train-loop", TRAIN_LOOP_THAT_DRAWS_PANELS)
    assert recheck(nb, "04_lstm", ["test-train-loop", "test-train-loop-form"], sandbox=False, host=host) == {}


# errorbar's, stem's and pie's results, bar's bars: stop 61 left them, the stand-in unpacked each into two
MORE_DRAWING = """\
line, caps, bars = right.errorbar(range(3), [1, 2, 3], yerr=[0.1, 0.1, 0.1])
markers, stems, base = right.stem([1, 2, 3])
wedges, texts = right.pie([1, 2])
wedges, texts, numbers = right.pie([1, 2, 3], autopct="%1.0f%%")
first, second, third = right.bar(["a", "b", "c"], [1, 2, 3])
(only,) = right.barh([0], [1])
right.bar_label(right.bar(range(4), [1, 2, 3, 4]))
"""


def test_an_answer_may_unpack_more_of_the_lessons_plt_as_matplotlib_returns(host):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    exec(MORE_DRAWING, {"right": right})  # matplotlib's own results unpack so
    plt.close(fig)
    opening = "    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))\n"
    assert opening in TRAIN_LOOP_THAT_PLOTS
    source = TRAIN_LOOP_THAT_PLOTS.replace(opening, opening + textwrap.indent(MORE_DRAWING, "    "))
    nb = _with_answer("04_lstm", "train-loop", source)
    assert recheck(nb, "04_lstm", ["test-train-loop", "test-train-loop-form"], sandbox=False, host=host) == {}


# rt34's (2026-12-06): an honest class that zeroes its output projection at construction, as some GPTs do
# (modded-nanogpt's c_proj), passed every visible check and lost all 3 points of test-causal-self-attention: the
# hidden test's gradient check ran on the student's own initial weights, where a zero c_proj leaves c_attn no
# gradient at all. The test now gives the module random weights of its own first, as its other checks do.
ZERO_INIT_C_PROJ = """\
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        nn.init.zeros_(self.c_proj.weight)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (split_heads(t, self.n_head) for t in self.c_attn(x).split(C, dim=2))
        scores = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).masked_fill(~self.mask[:T, :T], float("-inf"))
        return self.resid_dropout(self.c_proj(merge_heads(self.attn_dropout(torch.softmax(scores, dim=-1)) @ v)))
"""


def test_an_honest_class_with_a_zeroed_output_projection_keeps_its_points(host):
    from autograder.notebooks import build_notebook

    lesson = "03_self_attention"
    source = build_notebook(lesson)  # the hidden tests as notebooks/03_self_attention.py writes them
    nb = _with_answer(lesson, "causal-self-attention", ZERO_INIT_C_PROJ)
    assert recheck(nb, lesson, _tests(lesson), sandbox=False, host=host, source=source) == {}
    # and the gradient check still fails a module that cuts a weight off
    detached = ZERO_INIT_C_PROJ.replace("nn.init.zeros_(self.c_proj.weight)", "pass").replace(
        "self.c_attn(x)", "F.linear(x, self.c_attn.weight.detach(), self.c_attn.bias)")
    nb = _with_answer(lesson, "causal-self-attention", detached)
    failed = recheck(nb, lesson, _tests(lesson), sandbox=False, host=host, source=source)
    assert set(failed) == {"test-causal-self-attention"}, failed  # (named by the check first, as in the notebook)
    assert "no gradient reaches c_attn.weight" in failed["test-causal-self-attention"], failed


# ch34 (2026-12-06): an enum class the answer rules do not see as one (a classmethod's ``cls``, of an enum whose
# one entry is no member) built an enum from a dict whose ``__getattr__`` gave the schedule its factor, in a real
# answers' process; the process refuses the functional form's private member names itself now.
ENUM_SCHEDULE = '''import enum
import math


class Unit(enum.Enum):
    A = lambda self: 1

    @classmethod
    def make(cls, name, members):
        return cls(name, members)


def lr_at_step(it, cfg):
    unit = Unit.make("X", {"a": 1, "_" * 2 + "getattr" + "_" * 2: lambda self, name: 1.0}).a.unit
    if it < cfg.warmup_iters:
        return unit * cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return unit * cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return unit * (cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr))
'''


def test_the_answers_process_refuses_an_enum_made_from_a_dict_with_a_special_method(host):
    tests = ["test-lr-schedule", "test-lr-schedule-form"]
    failed = recheck(_with_answer("04_lstm", "lr-schedule", ENUM_SCHEDULE), "04_lstm", tests, sandbox=False,
                     host=host)
    assert set(failed) == set(tests), failed  # without the guard: {} (the schedule is right)
    assert "may not name a member '__getattr__'" in failed["test-lr-schedule-form"], failed
    plain = ENUM_SCHEDULE.replace('"_" * 2 + "getattr" + "_" * 2: lambda self, name: 1.0', '"unit": 2').replace(
        ".a.unit", ".a.value")  # (the same form with plain names: its first member's value, 1)
    assert recheck(_with_answer("04_lstm", "lr-schedule", plain), "04_lstm", tests, sandbox=False, host=host) == {}


SPLIT_FOR_THE_GATES = '''
def _split(z, n):
    return z.chunk(n, dim=-1)

def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = _split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, 4)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''
SPLIT_FOR_THE_WINDOWS = '''
def _split(seq, n):
    return seq[:n], seq[1:n + 1]

def shift_batch(data, starts, block_size):
    xs, ys = zip(*(_split(data[s:s + block_size + 1], block_size) for s in starts.tolist()))
    return torch.stack(xs), torch.stack(ys)
'''


def test_a_helper_that_a_later_answer_cell_defines_again_does_not_change_an_earlier_answer(host):
    """Each test cell ran right after its answer in the notebook, so lstm_cell passed there with its own
    ``_split``; graded with every answer cell in one namespace, it called shift_batch's ``_split`` and lost its
    points to "ValueError: not enough values to unpack" (rt35, 2026-12-06). Each cell now runs in a copy of the
    names the cells before it left: both answers pass, each with its own helper."""
    nb = _with_answer("04_lstm", "lstm-cell", SPLIT_FOR_THE_GATES)
    [cell] = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "shift-batch"]
    cell.source = SPLIT_FOR_THE_WINDOWS
    tests = ["test-lstm-cell", "test-lstm-cell-form", "test-shift-batch"]
    assert recheck(nb, "04_lstm", tests, sandbox=False, host=host) == {}
    # the other way about, a wrong helper of the later cell's own is still graded as wrong there
    cell.source = SPLIT_FOR_THE_WINDOWS.replace("seq[1:n + 1]", "seq[:n]")
    assert set(recheck(nb, "04_lstm", tests, sandbox=False, host=host)) == {"test-shift-batch"}


def test_an_answer_that_a_later_answer_cell_defines_again_is_graded_as_its_test_cell_saw_it(host):
    """A student copied lstm_cell into the shift-batch cell to try a change and left it broken there: the
    notebook ran lstm_cell's test before that cell and passed it, as nbgrader grades it; graded with the
    answers as the notebook stands at its end, the broken copy took lstm_cell's points. Each test now finds
    the answers as the cells before its test cell left them; a test cell moved to the end sees the copy."""
    nb = _with_answer("04_lstm", "lstm-cell", SPLIT_FOR_THE_GATES)
    [cell] = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "shift-batch"]
    broken = SPLIT_FOR_THE_GATES.replace("torch.sigmoid(f) * c", "torch.sigmoid(i) * c").replace("_split", "_cut")
    cell.source = SPLIT_FOR_THE_WINDOWS + broken
    tests = ["test-lstm-cell", "test-lstm-cell-form", "test-shift-batch"]
    assert recheck(nb, "04_lstm", tests, sandbox=False, host=host) == {}
    [test] = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "test-lstm-cell"]
    nb.cells.remove(test)
    nb.cells.append(test)
    assert set(recheck(nb, "04_lstm", tests, sandbox=False, host=host)) == {"test-lstm-cell"}


BPE_UP_FRONT = '''

def bpe_loop(symbols, ranks):
    """My BPE loop, written up front in my first cell: count_pairs and merge are answered below."""
    symbols = list(symbols)
    while len(symbols) > 1:
        counts = count_pairs(symbols)
        best = min(counts, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        symbols = merge(symbols, best, best[0] + best[1])
    return symbols
'''


def test_a_function_of_an_earlier_answer_cell_reads_a_name_a_later_answer_cell_binds_as_the_notebook_did(host):
    """A student who wrote the lesson as a module put a BPE loop in the first answer cell, calling count_pairs
    and merge, answered in the cells below, and bound `bpe_word = bpe_loop` in its own cell: in the notebook the
    loop reads its globals when bpe_word's test calls it, after every cell above ran, and passed; graded, each
    cell's names were a copy of those before it, the first cell's had no `merge`, and bpe_word lost both its
    points to "a helper defined in another cell counts only once that cell has run" (rt39, 2026-12-06). A
    later cell's new names are lent to the earlier cells; a name an earlier cell holds keeps its value
    (rt35: test_a_helper_that_a_later_answer_cell_defines_again_does_not_change_an_earlier_answer)."""
    nb = _with_answer("01_tokenization", "char-encode-decode",
                      _answer_source("01_tokenization", "char-encode-decode") + BPE_UP_FRONT)
    [cell] = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "bpe-word"]
    cell.source = "bpe_word = bpe_loop  # written in my first answer cell\n"
    tests = ["test-bpe-word", "test-bpe-word-form", "test-merge", "test-count-pairs"]
    assert recheck(nb, "01_tokenization", tests, sandbox=False, host=host) == {}


def test_a_function_of_an_earlier_answer_cell_reads_the_names_as_its_test_cell_found_them(host):
    """The first answer cell keeps a draft ``merge`` that raises beside its BPE loop; the merge answer cell below
    defines the real one, and bpe_word's test, further down, calls the loop: in the notebook the loop reads its
    globals as they stand then, the real merge, and passed; graded, the first cell's names kept the draft and
    bpe_word lost its points to "not implemented yet" (rt39, 2026-12-06, left). Before each test's calls every
    cell's names are those its test cell found; a test above the real merge still sees the draft."""
    draft = ('\n\ndef merge(ids, pair, new_id):\n    """Draft: answered below."""\n'
             '    raise NotImplementedError("not implemented yet")\n')
    nb = _with_answer("01_tokenization", "char-encode-decode",
                      _answer_source("01_tokenization", "char-encode-decode") + BPE_UP_FRONT + draft)
    [cell] = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "bpe-word"]
    cell.source = "bpe_word = bpe_loop  # written in my first answer cell\n"
    tests = ["test-bpe-word", "test-bpe-word-form", "test-merge", "test-count-pairs"]
    assert recheck(nb, "01_tokenization", tests, sandbox=False, host=host) == {}
    # bpe_word's test moved above the merge answer cell: there the loop called the draft, in the notebook too
    [test] = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "test-bpe-word"]
    [merge] = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "merge"]
    nb.cells.remove(test)
    nb.cells.insert(nb.cells.index(merge), test)
    assert "test-bpe-word" in recheck(nb, "01_tokenization", tests, sandbox=False, host=host)


def test_the_recheck_fails_a_changed_input_exactly_where_the_visible_check_does():
    from autograder.recheck import UNCHANGED
    assert UNCHANGED == _checks_with_keyword("unchanged")


# A merge right on every call, which writes into the caller's list from its 60th call on: the visible
# check makes fewer than 60 calls, so only the hidden tests see it change its input (there, before
# 2026-12-06, the change never came back and the answer kept its point)
MERGE_CHANGES_LATER = '''
calls = [0]


def merge(ids, pair, new_id):
    calls[0] += 1
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    if calls[0] > 60:
        ids.append(0)
    return out
'''

TOP_K_IN_PLACE = '''
def top_k_filter(logits, k):
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    logits[logits < kth] = float("-inf")
    return logits.clone()
'''


def test_an_answer_that_changes_its_input_only_in_the_hidden_tests_loses_that_point_only(host):
    nb = _with_answer("01_tokenization", "merge", MERGE_CHANGES_LATER)
    failed = recheck(nb, "01_tokenization", _tests("01_tokenization"), sandbox=False, host=host)
    assert set(failed) == {"test-merge"}, failed
    assert failed["test-merge"].startswith("hidden test: merge changed its argument 1 in place"), failed
    # (without the counter, the same merge is right and keeps its point)
    honest = MERGE_CHANGES_LATER.replace("    if calls[0] > 60:\n        ids.append(0)\n", "")
    assert recheck(_with_answer("01_tokenization", "merge", honest), "01_tokenization",
                   ["test-merge"], sandbox=False, host=host) == {}


# A merge right on every call that puts a set into the caller's list: the list was no longer data, and the
# answers' process sent it back as None, "left as it was" (ch44)
MERGE_PUTS_A_SET_IN = MERGE_CHANGES_LATER.replace("    if calls[0] > 60:\n        ids.append(0)\n",
                                                  "    ids.append({new_id})\n")


def test_an_answer_that_leaves_something_not_data_in_its_input_list_loses_its_point(host):
    assert MERGE_PUTS_A_SET_IN != MERGE_CHANGES_LATER
    failed = recheck(_with_answer("01_tokenization", "merge", MERGE_PUTS_A_SET_IN), "01_tokenization",
                     ["test-merge"], sandbox=False, host=host)
    assert "merge changed its argument 1 in place" in failed.get("test-merge", ""), failed


def test_a_filter_that_writes_into_its_logits_loses_its_point_with_the_checks_words(host):
    nb = _with_answer("06_finetuning", "top-k", TOP_K_IN_PLACE)
    failed = recheck(nb, "06_finetuning", ["test-top-k"], sandbox=False, host=host)
    assert set(failed) == {"test-top-k"}, failed
    assert "top_k_filter changed its argument 1 in place" in failed["test-top-k"], failed
    assert "leave the input as it was" in failed["test-top-k"], failed


@pytest.mark.parametrize("test", ["test-greedy-decode", "test-generate-greedy", "test-train-loop"])
def test_an_answer_that_leaves_the_model_in_another_mode_loses_its_point_here_too(test, host):
    """The answer's copy of the model was left in another mode; before 2026-12-06 the grader's model never
    learnt it, and greedy_decode's and train_loop's answers that ended with model.eval() or model.train()
    kept their points while their test cells said "the model's mode changed"."""
    [entry] = [e for e in CATALOGUE if e.test == test and e.mistake == "the model's mode changed"][:1]
    exercise = BY_TEST[test]
    failed = recheck(_with_answer(exercise.lesson, exercise.answer, entry.source), exercise.lesson,
                     [test], sandbox=False, host=host)
    assert set(failed) == {test} and "the model's mode changed" in failed[test], failed


def _checks_with_keyword(keyword):
    """The answer names whose visible check calls ``run_check(..., keyword=True)``, read from the checks' source."""
    import ast
    import inspect

    from course.checks.exercises import EXERCISES
    names = set()
    for exercise in EXERCISES:
        for module, check, name in exercise.checks:
            source = inspect.getsource(getattr(importlib.import_module(f"course.checks.{module}"), check))
            calls = [n for n in ast.walk(ast.parse(textwrap.dedent(source))) if isinstance(n, ast.Call)
                     and getattr(n.func, "id", None) == "run_check"]
            if any(k.arg == keyword and getattr(k.value, "value", None) is True for c in calls for k in c.keywords):
                names.add(name)
    return names


def test_the_recheck_compares_a_changed_input_with_the_visible_checks_tolerance():
    """An argument changed by less than the check's tolerance is unchanged in both; by more, changed in both."""
    import ast
    import inspect

    from autograder.recheck import UNCHANGED, UNCHANGED_ATOL, _changed
    from course.checks.exercises import EXERCISES
    found = {}
    for exercise in EXERCISES:
        for module, check, name in exercise.checks:
            source = inspect.getsource(getattr(importlib.import_module(f"course.checks.{module}"), check))
            for call in ast.walk(ast.parse(textwrap.dedent(source))):
                if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "run_check":
                    given = {k.arg: getattr(k.value, "value", None) for k in call.keywords}
                    if given.get("unchanged") is True:
                        assert given.get("rtol", 1e-4) == 1e-4, name
                        found[name] = given.get("atol", 1e-5)
    assert set(found) == UNCHANGED
    assert {n: a for n, a in found.items() if a != 1e-5} == UNCHANGED_ATOL
    x = torch.zeros(3)
    assert not _changed(x, x + 5e-6) and _changed(x, x + 5e-5) and not _changed(x, x + 5e-5, 1e-4)


def test_the_recheck_fails_a_returned_input_where_the_visible_check_does():
    from autograder.recheck import FRESH
    # (merge's check sees it in its own ``after``: "the input list returned")
    assert FRESH == _checks_with_keyword("fresh") | {"merge"}


@pytest.mark.parametrize("test, mistake", [("test-top-k", "the input returned"), ("test-top-p", "the input returned"),
                                           ("test-merge", "the input list returned")])
def test_an_answer_that_returns_its_input_itself_loses_its_point_here_too(test, mistake, host):
    """The grader gets a copy of the result, never the argument itself: before 2026-12-06 these wrong answers
    of the catalogue (the caller's logits handed back where k >= V or p = 1) kept their points."""
    [entry] = [e for e in CATALOGUE if e.test == test and e.mistake == mistake][:1]
    exercise = BY_TEST[test]
    failed = recheck(_with_answer(exercise.lesson, exercise.answer, entry.source), exercise.lesson,
                     [test], sandbox=False, host=host)
    assert set(failed) == {test} and "itself" in failed[test] and "new" in failed[test], failed


SDPA_FLOAT64 = '''
def scaled_dot_product_attention(q, k, v, mask=None):
    torch.set_default_dtype(torch.float64)  # more precise
    scores = q.double() @ k.double().transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return (torch.softmax(scores, dim=-1) @ v.double()).to(q.dtype)
'''


@pytest.mark.parametrize("test, mistake", [("test-greedy-decode", "the model frozen"),
                                           ("test-greedy-decode", "autograd left switched off"),
                                           ("test-generate-greedy", "autograd left switched off"),
                                           ("test-sdpa", "default dtype changed")])
def test_what_an_answer_leaves_behind_for_the_cells_after_it_costs_its_point_here_too(test, mistake, host):
    """Autograd switched off, the caller's model frozen, the default dtype changed: the answer's process
    says what the call left, and the check sees it as in the notebook (before 2026-12-06 these kept their
    points); the grader puts them back, so the lesson's other exercises lose nothing."""
    exercise = BY_TEST[test]
    source = SDPA_FLOAT64 if test == "test-sdpa" else \
        [e for e in CATALOGUE if e.test == test and e.mistake == mistake][0].source
    failed = recheck(_with_answer(exercise.lesson, exercise.answer, source), exercise.lesson,
                     _tests(exercise.lesson), sandbox=False, host=host)
    assert set(failed) == {test} and mistake in failed[test], failed
    assert torch.is_grad_enabled() and torch.get_default_dtype() == torch.float32


@pytest.mark.parametrize("test, mistake", [("test-attention-dropout", "dropout in place"),
                                           ("test-causal-self-attention", "mask not a buffer"),
                                           ("test-causal-self-attention", "extra parameters"),
                                           ("test-causal-self-attention", "layers made without their sizes")])
def test_what_lesson_03s_check_reads_of_the_module_itself_is_read_where_it_lives(test, mistake, host):
    """The backward pass in training mode, the parameters' names and where the mask is kept: the outputs
    cannot show them, and before 2026-12-06 the check skipped them where the module lived in another process,
    so these wrong answers of the catalogue kept their points."""
    [entry] = [e for e in CATALOGUE if e.test == test and e.mistake == mistake][:1]
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", entry.source), "03_self_attention",
                     _tests("03_self_attention"), sandbox=False, host=host)
    assert test in failed and mistake in failed[test], failed
    assert {BY_TEST[t].answer for t in failed} == {"causal-self-attention"}, failed

TRAINS_ITS_ARGUMENT = '''
def adds_one(model):
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    return 0
'''


def test_a_models_weights_come_back_only_for_the_training_loop(host):
    """The answers' process sends back a module argument's weights only where the grader writes them back
    (``recheck.MUTATES``): a decoding test's GPT-2, sent back after each of its calls, was most of the reply
    (ch44); its modes and which parameters train still come back."""
    host.request({"op": "load", "cells": [PRELUDE, "import torch\n" + TRAINS_ITS_ARGUMENT]})
    model = torch.nn.Linear(3, 2)
    for weights, sent in ((False, 0), (True, 2)):
        reply = host.request({"op": "call", "name": "adds_one", "args": (model,), "kwargs": {}, "weights": weights})
        [after] = reply["args"]
        assert len(after["__state__"]) == sent and after["__modes__"] == [True], reply
        assert after["__trainable__"] == [True, True], reply

DATACLASS_HINTS = {
    # a constant of the class before a field without a default
    "ClassVar": ("from dataclasses import dataclass\nfrom typing import ClassVar\n\n\n@dataclass\nclass Codec:\n"
                 "    WHY: ClassVar[str] = 'is not in the vocabulary'\n    stoi: dict\n\n"
                 "    def encode(self, text):\n        for i, ch in enumerate(text):\n"
                 "            if ch not in self.stoi:\n"
                 "                raise ValueError(f'character {ch!r} at position {i} {Codec.WHY}')\n"
                 "        return [self.stoi[ch] for ch in text]\n\n\n"
                 "def char_encode(text, stoi):\n    return Codec(stoi).encode(text)\n\n\n"
                 "def char_decode(ids, itos):\n    return ''.join(itos[i] for i in ids)\n"),
    # an argument of __post_init__ only, dotted
    "InitVar": ("import dataclasses\n\n\n@dataclasses.dataclass\nclass Decoder:\n    itos: dataclasses.InitVar[dict]\n"
                "    table: dict = dataclasses.field(default_factory=dict)\n\n"
                "    def __post_init__(self, itos):\n        self.table = dict(itos)\n\n\n"
                "def char_encode(text, stoi):\n    for ch in text:\n        if ch not in stoi:\n"
                "            raise ValueError(f'character {ch!r} is not in the vocabulary')\n"
                "    return [stoi[ch] for ch in text]\n\n\n"
                "def char_decode(ids, itos):\n    return ''.join(Decoder(itos).table[i] for i in ids)\n"),
    # the fields after it keyword-only
    "KW_ONLY": ("from dataclasses import KW_ONLY, dataclass\n\n\n@dataclass\nclass Lookup:\n    table: dict\n"
                "    _: KW_ONLY\n    strict: bool\n\n"
                "    def get(self, key):\n        if self.strict and key not in self.table:\n"
                "            raise ValueError(f'character {key!r} is not in the vocabulary')\n"
                "        return self.table[key]\n\n\n"
                "def char_encode(text, stoi):\n    return [Lookup(stoi, strict=True).get(ch) for ch in text]\n\n\n"
                "def char_decode(ids, itos):\n    return ''.join(Lookup(itos, strict=False).get(i) for i in ids)\n"),
    # made inside the function, so made as the test calls it, not as the cell runs
    "ClassVar made in a call": ("from dataclasses import dataclass\nfrom typing import ClassVar\n\n\n"
                                "def char_encode(text, stoi):\n    @dataclass\n    class Codec:\n"
                                "        WHY: ClassVar[str] = 'is not in the vocabulary'\n        stoi: dict\n\n"
                                "    codec = Codec(stoi)\n    for i, ch in enumerate(text):\n"
                                "        if ch not in codec.stoi:\n"
                                "            raise ValueError(f'character {ch!r} at position {i} {Codec.WHY}')\n"
                                "    return [codec.stoi[ch] for ch in text]\n\n\n"
                                "def char_decode(ids, itos):\n    return ''.join(itos[i] for i in ids)\n"),
}


@pytest.mark.parametrize("kind", sorted(DATACLASS_HINTS))
def test_a_dataclass_reads_classvar_initvar_and_kw_only_hints_of_its_cell_as_the_notebook_did(host, kind):
    """``WHY: ClassVar[str] = "..."`` before ``stoi: dict`` in an honest char_encode's dataclass passed in the
    notebook and lost the form test's point graded: "running your answer cell raised TypeError: non-default
    argument 'stoi' follows default argument" (rt42, 2026-12-06). Graded, a hint is text, which a dataclass reads
    by looking its name up in the class's module, ``sys.modules["__main__"]``: this process's own globals, where
    it found no ClassVar (nor InitVar, KW_ONLY) and made a field of it. While a cell runs, ``__main__`` is now
    a module holding the cell's names, as IPython's user module does; and while a test calls an answer, so that a
    dataclass made inside the answer's function, as it is called, reads them too (it raised the same TypeError)."""
    nb = _with_answer("01_tokenization", "char-encode-decode", DATACLASS_HINTS[kind])
    assert recheck(nb, "01_tokenization", ["test-char-encode-decode", "test-char-encode-decode-form"],
                   sandbox=False, host=host) == {}


# lesson 03's "extra parameters" (the mask kept as an nn.Parameter) read the module's parameters with nn.Module's
# own named_parameters, which asks the module's named_modules: a class that overrode that public method to
# yield its children alone hid the mask's parameter, and kept the exercise's 4 points (ch45)
_MASK_AS_PARAMETER = _answer_source("03_self_attention", "causal-self-attention").replace(
    'self.register_buffer("mask", causal_mask(config.block_size), persistent=False)',
    'self.mask = nn.Parameter(causal_mask(config.block_size), requires_grad=False)')
HIDDEN_MASK_PARAMETER = _MASK_AS_PARAMETER.replace("    def forward(self, x):", '''    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        for name, child in self.named_children():
            yield (prefix + "." if prefix else "") + name, child

    def forward(self, x):''')


def test_a_module_that_hides_a_parameter_from_its_own_methods_still_shows_it(host):
    """The structure the check reads (``answer_host._structure``) comes from the modules' own dicts, not from
    methods a class may override; an honest module's, one that overrides nothing, is the same as before."""
    from autograder.answers import Lesson, problems

    assert HIDDEN_MASK_PARAMETER != _MASK_AS_PARAMETER != _answer_source("03_self_attention", "causal-self-attention")
    lesson = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    names = frozenset({"CausalSelfAttention"})
    assert problems(HIDDEN_MASK_PARAMETER, lesson, names, names) == []  # (the rules let it through)
    tests = ["test-causal-self-attention", "test-attention-dropout"]
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", HIDDEN_MASK_PARAMETER),
                     "03_self_attention", tests, sandbox=False, host=host)
    assert set(failed) == set(tests), failed
    assert all("extra parameters" in failed[t] and "'mask'" in failed[t] for t in tests), failed
    assert recheck(solution_path("03_self_attention"), "03_self_attention", tests, sandbox=False, host=host) == {}


# lesson 03's hidden test asked only that a gradient reach every parameter: a module that used c_attn.weight.data
# (c_attn never trains) and ran a backward pass of its own in __init__ left c_attn a gradient, and kept the
# exercise's 3 points (ch45). It reads the lesson's source, built here, until solutions/ is built again.
_C_ATTN_DATA = _answer_source("03_self_attention", "causal-self-attention").replace(
    "q, k, v = self.c_attn(x).split(C, dim=2)",
    "q, k, v = F.linear(x, self.c_attn.weight.data, None if self.c_attn.bias is None else self.c_attn.bias.data)"
    ".split(C, dim=2)")
GRADIENT_OF_ITS_OWN = _C_ATTN_DATA.replace('persistent=False)\n', '''persistent=False)
        with torch.enable_grad():
            sum(p.sum() for p in self.parameters()).backward()  # (a warm-up pass)
''', 1)


def test_a_gradient_the_module_gave_itself_does_not_pass_for_the_tests(host):
    from autograder.answers import Lesson, problems
    from autograder.notebooks import build_notebook

    assert GRADIENT_OF_ITS_OWN != _C_ATTN_DATA != _answer_source("03_self_attention", "causal-self-attention")
    lesson = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    names = frozenset({"CausalSelfAttention"})
    assert problems(GRADIENT_OF_ITS_OWN, lesson, names, names) == []  # (the rules let it through)
    source = build_notebook("03_self_attention")
    tests = ["test-causal-self-attention"]
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", GRADIENT_OF_ITS_OWN),
                     "03_self_attention", tests, sandbox=False, host=host, source=source)
    # (the check compares the weights' gradients too since 2026-12-06, and names it first, as in the notebook)
    assert set(failed) == {"test-causal-self-attention"}, failed
    assert "the gradient of c_attn.weight" in failed["test-causal-self-attention"] and \
        "ran a backward pass of its own" in failed["test-causal-self-attention"], failed
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", _C_ATTN_DATA),
                     "03_self_attention", tests, sandbox=False, host=host, source=source)
    assert set(failed) == {"test-causal-self-attention"}, failed
    assert "no gradient reaches c_attn.weight" in failed["test-causal-self-attention"], failed
    assert recheck(solution_path("03_self_attention"), "03_self_attention", tests, sandbox=False, host=host,
                   source=source) == {}


# lesson 03's "mask not a buffer" read the tensors among the module's attributes: a mask kept in a list, read by a
# property, was none of them, and the module kept its 3 points with a mask that .to() leaves behind (ch45)
MASK_IN_A_LIST = _answer_source("03_self_attention", "causal-self-attention").replace(
    'self.register_buffer("mask", causal_mask(config.block_size), persistent=False)',
    'self.held = [causal_mask(config.block_size)]').replace("    def forward(self, x):", '''    @property
    def mask(self):
        return self.held[0]

    def forward(self, x):''')


def test_a_mask_kept_in_a_list_is_no_buffer_in_the_notebook_or_the_recheck(host):
    from autograder.answers import Lesson, problems
    from course.checks.attention import _structure

    assert "self.held = [" in MASK_IN_A_LIST and "def mask(self)" in MASK_IN_A_LIST
    lesson = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    names = frozenset({"CausalSelfAttention"})
    assert problems(MASK_IN_A_LIST, lesson, names, names) == []  # (the rules let it through)
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", MASK_IN_A_LIST),
                     "03_self_attention", ["test-causal-self-attention"], sandbox=False, host=host)
    assert "self.held[0] is a tensor kept as a plain attribute" in failed["test-causal-self-attention"], failed
    assert "mask not a buffer" in failed["test-causal-self-attention"], failed

    class Holder(torch.nn.Module):  # (the notebook's check lists the same: in a list, a dict, a submodule)
        def __init__(self):
            super().__init__()
            self.held, self.kept = [torch.ones(2, dtype=torch.bool)], {"m": torch.ones(2, dtype=torch.bool)}
            self.inner = torch.nn.Module()
            self.inner.tril = torch.ones(2, 2)
            self.lin = torch.nn.Linear(2, 2)
            self.register_buffer("mask", torch.ones(2, dtype=torch.bool))
    assert _structure(Holder())["plain"] == [["held[0]", "torch.bool"], ["kept['m']", "torch.bool"],
                                             ["inner.tril", "torch.float32"]]


def _mask_held(keep: str, read: str) -> str:
    """Lesson 03's solution with its mask kept by ``keep`` (a statement of __init__) and read by a property
    ``mask`` that returns ``read``: no buffer at all."""
    source = _answer_source("03_self_attention", "causal-self-attention")
    registered = 'self.register_buffer("mask", causal_mask(config.block_size), persistent=False)'
    assert registered in source
    return source.replace(registered, keep).replace("    def forward(self, x):", f'''    @property
    def mask(self):
        return {read}

    def forward(self, x):''')


MASKS_HELD_DEEPER = {  # (ch46: each kept all the points past ch45's fix, which looked one level deep)
    "self.held[0][0]": _mask_held("self.held = [[causal_mask(config.block_size)]]", "self.held[0][0]"),
    "self.held['k'][0]": _mask_held("self.held = {'k': (causal_mask(config.block_size),)}", "self.held['k'][0]"),
    "self.held.m": _mask_held("m = causal_mask(config.block_size)\n        self.held = lambda: m", "self.held()"),
}


def _assert_each_mask_refused(cases: dict, host, above: str = "", exact: bool = True) -> None:
    """Each of lesson 03's answers in ``cases`` (the place its mask is kept: its source, with ``above`` before it)
    passes the answer rules, and the re-check names that place as a tensor kept outside the buffers (``exact``:
    the place right before "is a tensor kept"; else anywhere in the message, as a cache's place ends with its key)."""
    from autograder.answers import Lesson, problems

    lesson = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    names = frozenset({"CausalSelfAttention"})
    for place, source in cases.items():
        source = above + source
        assert problems(source, lesson, names, names) == [], place  # (the rules let it through)
        failed = recheck(_with_answer("03_self_attention", "causal-self-attention", source),
                         "03_self_attention", ["test-causal-self-attention"], sandbox=False, host=host)
        kept = "outside the module" if place.startswith("global ") else "as a plain attribute"
        told = failed.get("test-causal-self-attention", "")
        assert (f"{place} is a tensor kept {kept}" if exact else place) in told and f"is a tensor kept {kept}" in told, \
            (place, failed)


def test_a_mask_kept_deeper_in_a_container_or_a_closure_is_no_buffer(host):
    from course.checks.attention import _structure

    _assert_each_mask_refused(MASKS_HELD_DEEPER, host)

    mask = torch.ones(2, 2, dtype=torch.bool)

    class Holder(torch.nn.Module):  # (the notebook's check lists the same)
        def __init__(self):
            super().__init__()
            self.held, self.kept = [[mask]], {"k": ({mask},)}
            self.read = lambda: mask
            self.register_buffer("mask", torch.ones(2, dtype=torch.bool))
    assert _structure(Holder())["plain"] == [["held[0][0]", "torch.bool"], ["kept['k'][0][0]", "torch.bool"],
                                             ["read.mask", "torch.bool"]]


MASKS_HELD_ELSEWHERE = {  # (ch48: each kept all the points past ch46's walk, which read exact list/tuple/dict types)
    "self.held.tril": _mask_held("self.held = types.SimpleNamespace(tril=causal_mask(config.block_size))",
                                 "self.held.tril"),
    "self.held[0]": _mask_held("self.held = collections.deque([causal_mask(config.block_size)])", "self.held[0]"),
    "self.held['tril']": _mask_held("self.held = collections.OrderedDict(tril=causal_mask(config.block_size))",
                                    "self.held['tril']"),
    # and in objects that keep what they hold in no __dict__: an iterator of itertools', a generator
    "self.held": _mask_held("self.held = itertools.repeat(causal_mask(config.block_size))", "next(self.held)"),
    "self.kept": _mask_held("self.kept = (m for m in itertools.repeat(causal_mask(config.block_size)))",
                            "next(self.kept)"),
}


def test_a_mask_kept_in_a_namespace_a_deque_or_an_ordered_dict_is_no_buffer(host):
    import collections
    import functools
    import itertools
    import types

    from course.checks.attention import _structure

    _assert_each_mask_refused(MASKS_HELD_ELSEWHERE, host, above="import collections\nimport itertools\nimport types\n\n")

    mask = torch.ones(2, 2, dtype=torch.bool)

    class Box:
        def __init__(self):
            self.inside = mask

    class Holder(torch.nn.Module):  # (the notebook's check lists the same)
        def __init__(self):
            super().__init__()
            self.ns, self.queue = types.SimpleNamespace(tril=mask), collections.deque([mask])
            self.ordered, self.box = collections.OrderedDict(m=mask), Box()
            self.part = functools.partial(torch.where, mask)
            self.again = itertools.repeat(mask)
            self.register_buffer("mask", torch.ones(2, dtype=torch.bool))
    assert _structure(Holder())["plain"] == [["ns.tril", "torch.bool"], ["queue[0]", "torch.bool"],
                                             ["ordered['m']", "torch.bool"], ["box.inside", "torch.bool"],
                                             ["part.args[0]", "torch.bool"], ["again", "torch.bool"]]


def _kept_outside(keep: str, read: str, above: str = "") -> str:
    """Lesson 03's solution with its mask kept by ``keep`` (statements of __init__, and ``above`` the class) and
    read as ``read`` in forward: no buffer, and no attribute of the instance either."""
    source = _answer_source("03_self_attention", "causal-self-attention")
    registered = 'self.register_buffer("mask", causal_mask(config.block_size), persistent=False)'
    assert registered in source and "~self.mask[:T, :T]" in source
    return above + source.replace(registered, keep).replace("~self.mask[:T, :T]", f"~{read}[:T, :T]")


_CLASS_STATEMENT = "class CausalSelfAttention(nn.Module):\n"
_PARAMETER_KEEPS = """class KeptWeight(nn.Parameter):
    def keep(self, mask):
        self.tril = mask
        return self


class KeptLinear(nn.Linear):
    def keep(self, mask):
        self.weight = KeptWeight(self.weight.detach()).keep(mask)
        return self


"""
MASKS_KEPT_OUTSIDE = {  # (ch49: each kept all 8 points past ch48's walk, which read the instance's attributes only)
    # a class attribute (read through self), a global dict of the answer's, an lru_cache'd function's cache
    "self.KEEP[0]": _kept_outside("self.KEEP[0] = causal_mask(config.block_size)", "self.KEEP[0]").replace(
        _CLASS_STATEMENT, _CLASS_STATEMENT + "    KEEP = [None]\n"),
    "global MASKS['tril']": _kept_outside('MASKS["tril"] = causal_mask(config.block_size)', 'MASKS["tril"]',
                                          above="MASKS = {}\n\n\n"),
    "global tril_of": _kept_outside("self.block = config.block_size", "tril_of(self.block)",
                                    above="import functools\n\n\n@functools.lru_cache(maxsize=None)\n"
                                          "def tril_of(n):\n    return causal_mask(n)\n\n\n"),
    # a __slots__ attribute (no entry in the instance's __dict__), an attribute of a parameter of the answer's class
    "self.tril": _kept_outside("self.tril = causal_mask(config.block_size)", "self.tril").replace(
        _CLASS_STATEMENT, _CLASS_STATEMENT + '    __slots__ = ("tril",)\n'),
    "self.c_attn.weight.tril": _kept_outside("", "self.c_attn.weight.tril", above=_PARAMETER_KEEPS).replace(
        "self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)",
        "self.c_attn = KeptLinear(config.n_embd, 3 * config.n_embd, bias=config.bias).keep("
        "causal_mask(config.block_size))"),
}
# a class made by a function, whose methods close over the dict that keeps the mask
MASK_IN_A_CLASS_CLOSURE = "def make():\n    store = {}\n\n" + "\n".join(
    ("    " + line if line else line) for line in _kept_outside(
        'store["m"] = causal_mask(config.block_size)', 'store["m"]').splitlines()) \
    + "\n    return CausalSelfAttention\n\n\nCausalSelfAttention = make()\n"
KEPT_FOR_THE_HOLDER = {}


def test_a_mask_kept_by_the_class_a_global_or_a_parameter_is_no_buffer(host):
    from course import attention as ref_attention
    from course.checks.attention import _structure

    cases = dict(MASKS_KEPT_OUTSIDE, **{"self.__init__.store['m']": MASK_IN_A_CLASS_CLOSURE})
    _assert_each_mask_refused(cases, host, exact=False)  # (global tril_of[6]: the cache's key)

    class Weight(torch.nn.Parameter):
        pass

    class Holder(torch.nn.Module):  # (the notebook's check lists the same)
        __slots__ = ("slot",)
        kept = [torch.ones(2, 2, dtype=torch.bool)]

        def __init__(self):
            super().__init__()
            self.slot = torch.ones(2, 2, dtype=torch.bool)
            self.lin = torch.nn.Linear(2, 2)
            self.lin.weight = Weight(torch.ones(2, 2))
            self.lin.weight.tril = torch.ones(2, 2, dtype=torch.bool)
            KEPT_FOR_THE_HOLDER["m"] = torch.ones(2, 2, dtype=torch.bool)
            self.register_buffer("mask", torch.ones(2, dtype=torch.bool))

        def forward(self, x):  # (the globals a method reads; not those __init__ alone reads, rt50)
            return x.masked_fill(~KEPT_FOR_THE_HOLDER["m"], 0)
    assert _structure(Holder())["plain"] == [["kept[0]", "torch.bool"],
                                             ["global KEPT_FOR_THE_HOLDER['m']", "torch.bool"],
                                             ["slot", "torch.bool"], ["lin.weight.tril", "torch.bool"]]
    # an honest module: its buffer, its layers, nothing else
    assert _structure(ref_attention.CausalSelfAttention(ref_attention.AttentionConfig(
        block_size=4, n_head=2, n_embd=4)))["plain"] == []


def test_a_mask_kept_in_a_global_beside_a_registered_buffer_is_named_where_it_is(host):
    # (rt49's message for a copy kept beside the buffer, with ch49's globals: it said 'self.global MASKS[...]')
    registered = 'self.register_buffer("mask", causal_mask(config.block_size), persistent=False)'
    source = _kept_outside(registered + '\n        MASKS["tril"] = self.mask', 'MASKS["tril"]', above="MASKS = {}\n\n\n")
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", source),
                     "03_self_attention", ["test-causal-self-attention"], sandbox=False, host=host)
    told = failed.get("test-causal-self-attention", "")
    assert "global MASKS['tril'] is a tensor kept outside the module beside the buffer self.mask" in told, failed
    assert "self.global" not in told, failed


@functools.lru_cache(maxsize=None)
def _cached_tril(n):
    return torch.ones(n, n, dtype=torch.bool).tril()


def test_an_lru_cached_causal_mask_called_by_init_for_the_buffer_keeps_the_points(host):
    """rt50 (2026-12-07): an honest causal_mask under ``@functools.lru_cache(maxsize=None)`` (allowed since
    2026-12-03), and the solution's class, whose ``__init__`` registers ``causal_mask(config.block_size)`` as the
    buffer and whose forward reads ``self.mask``: the test cells passed (they bind the course's causal_mask), but
    the lesson's later cell that checks the class again before the GPT uses it said "global causal_mask[5] is a
    tensor kept outside the module beside the buffer self.mask": the walk of the globals the class's methods read
    reached the cache through ``__init__``. The globals that ``__init__`` alone reads are not walked (what it
    keeps is the instance's, walked); a cached mask that forward reads is still refused. The re-check, which binds
    the course's causal_mask too, keeps the points, and its walk reads the same."""
    from course.checks.attention import _plain_tensors

    nb = _with_answer("03_self_attention", "causal-mask", CACHED_MASK)
    failed = recheck(nb, "03_self_attention", ["test-causal-mask", "test-causal-self-attention"], sandbox=False, host=host)
    assert not failed, failed

    class ByInit(torch.nn.Module):  # (the notebook's check: the same)
        def __init__(self, n):
            super().__init__()
            self.register_buffer("mask", _cached_tril(n), persistent=False)

        def forward(self, x):
            return x.masked_fill(~self.mask, 0)

    class ByForward(ByInit):
        def forward(self, x):
            return x.masked_fill(~_cached_tril(self.mask.shape[0]), 0)

    _cached_tril(3), _cached_tril(5)
    assert _plain_tensors(ByInit(4)) == []
    assert any(place.startswith("global _cached_tril") for place, *_ in _plain_tensors(ByForward(4))), \
        _plain_tensors(ByForward(4))


MASKS_IN_MODULE_BOOKKEEPING = {  # (ch49: each kept all 8 points: the walk skipped every name nn.Module.__init__ sets)
    "self._load_state_dict_post_hooks['tril']": _kept_outside(
        'self._load_state_dict_post_hooks = {"tril": causal_mask(config.block_size)}',
        'self._load_state_dict_post_hooks["tril"]'),
    "self._non_persistent_buffers_set[0]": _kept_outside(
        "self._non_persistent_buffers_set = {causal_mask(config.block_size)}",
        "next(iter(self._non_persistent_buffers_set))"),
}


def test_a_mask_kept_in_the_modules_own_bookkeeping_is_no_buffer(host):
    from course.checks.attention import _structure

    _assert_each_mask_refused(MASKS_IN_MODULE_BOOKKEEPING, host)

    class Holder(torch.nn.Module):  # (the notebook's check lists the same; a submodule's too)
        def __init__(self):
            super().__init__()
            self.inner = torch.nn.Linear(2, 2)
            self.inner._forward_hooks_always_called = {"m": torch.ones(2, dtype=torch.bool)}
            self.register_buffer("mask", torch.ones(2, dtype=torch.bool))
    assert _structure(Holder())["plain"] == [["inner._forward_hooks_always_called['m']", "torch.bool"]]


MASKS_BY_THEIR_VALUES = {  # (ch49: each kept all 8 points: neither bool nor named like a mask)
    "self.w": _kept_outside("self.w = causal_mask(config.block_size).float()", "self.w.bool()"),
    "self.keep": _kept_outside("self.keep = causal_mask(config.block_size).to(torch.uint8)", "self.keep.bool()"),
    "self.add": _kept_outside(
        'self.add = torch.zeros(config.block_size, config.block_size).masked_fill(~causal_mask(config.block_size), '
        'float("-inf"))', "(self.add == 0)"),
    # and of two values neither of which is 0 (the count of nonzero entries that ch49 read first saw no pattern)
    "self.sign": _kept_outside("self.sign = causal_mask(config.block_size).float() * 2 - 1", "(self.sign > 0)"),
}
# an honest module that keeps its last attention weights to plot them (a map, not a mask: it keeps its points)
KEEPS_ITS_WEIGHTS = _answer_source("03_self_attention", "causal-self-attention").replace(
    "        y = merge_heads(weights @ v)", "        self.last_weights = weights.detach()\n        y = merge_heads(weights @ v)")


def test_a_mask_kept_as_floats_or_bytes_under_another_name_is_no_buffer(host):
    from course.checks.attention import _structure

    assert "self.last_weights = weights.detach()" in KEEPS_ITS_WEIGHTS
    _assert_each_mask_refused(MASKS_BY_THEIR_VALUES, host)
    assert recheck(_with_answer("03_self_attention", "causal-self-attention", KEEPS_ITS_WEIGHTS), "03_self_attention",
                   ["test-causal-self-attention", "test-attention-dropout"], sandbox=False, host=host) == {}

    class Holder(torch.nn.Module):  # (the notebook's check reads the same)
        def __init__(self):
            super().__init__()
            self.w = torch.ones(3, 3).tril()
            self.inverse = torch.ones(1, 1, 3, 3, dtype=torch.long).triu(1)
            self.sign = torch.ones(3, 3).tril() * 2 - 1
            self.scale = torch.tensor(0.5)
            self.weights = torch.tensor([[1.0, 0.0], [0.5, 0.5]])  # (an attention map: three values)
            self.square = torch.ones(3, 3)  # (no causal pattern)
            self.register_buffer("mask", torch.ones(3, 3, dtype=torch.bool).tril())
    assert _structure(Holder())["masks"] == ["w", "inverse", "sign"]


MASKS_IN_A_MADE_CLASS = {  # (ch49: each kept all 8 points: the walk read classes of the answer's statements only)
    "self.kind._field_defaults['tril']": "import collections\n\n\n" + _kept_outside(
        'self.kind = collections.namedtuple("Held", "tril", defaults=[causal_mask(config.block_size)])',
        "self.kind().tril"),
    "self.kind._field_defaults['m']": "import collections\n\n\n" + _kept_outside(
        'self.kind = collections.namedtuple("Linear", "m", defaults=[causal_mask(config.block_size)], '
        'module="torch.nn")', "self.kind().m"),
}


def test_a_mask_kept_in_a_namedtuples_defaults_is_no_buffer(host):
    import collections

    from course.checks.attention import _structure

    _assert_each_mask_refused(MASKS_IN_A_MADE_CLASS, host)

    class Holder(torch.nn.Module):  # (the notebook's check lists the same; torch's own classes it does not read)
        def __init__(self):
            super().__init__()
            self.kind = collections.namedtuple("Tensor", "m", defaults=[torch.ones(2, dtype=torch.bool)],
                                               module="torch")
            self.linear = torch.nn.Linear
            self.register_buffer("mask", torch.ones(2, dtype=torch.bool))
    assert _structure(Holder())["plain"] == [["kind._field_defaults['m']", "torch.bool"]]


MASKS_KEPT_AS_DATA = {  # (ch50: each kept all 8 points, graded: the walk read tensors only)
    "self.tri is the mask as a numpy array of bool": _kept_outside(
        "self.tri = causal_mask(config.block_size).numpy()", "torch.from_numpy(self.tri)"),
    "self.tri is the mask as a list of numbers": _kept_outside(
        "self.tri = causal_mask(config.block_size).int().tolist()", "torch.tensor(self.tri, dtype=torch.bool)"),
    "self.tri is the mask as bytes": _kept_outside(
        "self.n = config.block_size\n        self.tri = bytes(causal_mask(config.block_size).flatten().tolist())",
        "torch.tensor(list(self.tri), dtype=torch.bool).view(self.n, self.n)"),
    "self.tri is the mask as str": _kept_outside(
        "self.n = config.block_size\n        self.tri = ''.join('1' if b else '0' for b in "
        "causal_mask(config.block_size).flatten().tolist())",
        "torch.tensor([c == '1' for c in self.tri]).view(self.n, self.n)"),
    "self.tri is the mask as a str of its printed values": _kept_outside(
        "self.n = config.block_size\n        self.tri = str(causal_mask(config.block_size).int().tolist())",
        "torch.tensor([c == '1' for c in self.tri if c in '01']).view(self.n, self.n)"),
    "self.tri is the mask as an int of its bits": _kept_outside(
        "self.n = config.block_size\n        self.tri = sum(1 << i for i, b in "
        "enumerate(causal_mask(config.block_size).flatten().tolist()) if b)",
        "torch.tensor([(self.tri >> i) & 1 == 1 for i in range(self.n * self.n)]).view(self.n, self.n)"),
    # a module kept in a plain list is no submodule: model.to() leaves its buffer behind
    "self.keep[0].mask is a tensor": _kept_outside(
        "self.keep = [Keep(causal_mask(config.block_size))]", "self.keep[0].mask",
        above="class Keep(nn.Module):\n    def __init__(self, mask):\n        super().__init__()\n"
              "        self.register_buffer('mask', mask, persistent=False)\n\n\n"),
}


def test_a_mask_kept_as_data_or_in_a_module_no_submodule_is_no_buffer(host):
    from autograder.answers import Lesson, problems
    from course.checks.attention import _structure

    lesson = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    names = frozenset({"CausalSelfAttention"})
    for told, source in MASKS_KEPT_AS_DATA.items():
        assert problems(source, lesson, names, names) == [], told  # (the rules let it through)
        failed = recheck(_with_answer("03_self_attention", "causal-self-attention", source),
                         "03_self_attention", ["test-causal-self-attention"], sandbox=False, host=host)
        assert f"{told}, kept as a plain attribute" in failed.get("test-causal-self-attention", "") \
            or f"{told} kept as a plain attribute" in failed.get("test-causal-self-attention", ""), (told, failed)

    class Holder(torch.nn.Module):  # (the notebook's check lists the same; honest numbers and lists are no mask)
        def __init__(self):
            super().__init__()
            mask = torch.ones(5, 5, dtype=torch.bool).tril()
            self.n_embd, self.big, self.name, self.steps = 384, 65535, "causal self-attention", [0, 1] * 8
            self.inverse = (~mask).flatten().tolist()
            self.bits = int("".join("1" if b else "0" for b in mask.flatten().tolist()), 2)  # (first entry highest)
            self.linear = torch.nn.Linear(2, 2)
            self.layers = [self.linear]  # (a submodule kept in a list too: its tensors are its own)
            self.register_buffer("mask", mask)
    assert _structure(Holder())["plain"] == [["inverse", "a list of numbers"], ["bits", "an int of its bits"]]


MASKS_IN_TORCH_OBJECTS = {  # (ch50: each kept all 8 points, graded: gc sees nothing these objects of torch's hold)
    "self.f.value()": _kept_outside(
        "self.f = torch.futures.Future()\n        self.f.set_result(causal_mask(config.block_size))", "self.f.value()"),
    "self.g.next_functions[0][0].variable": _kept_outside(
        "with torch.enable_grad():\n            x = causal_mask(config.block_size).float().requires_grad_()\n"
        "            self.g = (x * 1).grad_fn", "self.g.next_functions[0][0].variable.detach().bool()"),
    "self.g.metadata['m']": _kept_outside(
        "with torch.enable_grad():\n            self.g = (torch.zeros(1, requires_grad=True) * 1).grad_fn\n"
        "        self.g.metadata['m'] = causal_mask(config.block_size)", "self.g.metadata['m']"),
    "self.g.saved_tensors[0]": _kept_outside(
        "with torch.enable_grad():\n            self.g = Keep.apply(torch.zeros(1, requires_grad=True), "
        "causal_mask(config.block_size)).grad_fn", "self.g.saved_tensors[0]",
        above="class Keep(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x, mask):\n"
              "        ctx.save_for_backward(mask)\n        return x * 1\n\n    @staticmethod\n"
              "    def backward(ctx, grad):\n        return grad, None\n\n\n"),
}


def test_a_mask_kept_in_a_future_or_an_autograd_node_is_no_buffer(host):
    from course.checks.attention import _structure

    _assert_each_mask_refused(MASKS_IN_TORCH_OBJECTS, host)

    class Holder(torch.nn.Module):  # (the notebook's check lists the same; a future still running holds nothing)
        def __init__(self):
            super().__init__()
            self.done, self.running = torch.futures.Future(), torch.futures.Future()
            self.done.set_result(torch.ones(2, 2, dtype=torch.bool))
            with torch.enable_grad():
                self.node = (torch.ones(3, requires_grad=True) * 2).grad_fn
            self.register_buffer("mask", torch.ones(2, 2, dtype=torch.bool))
    assert _structure(Holder())["plain"] == [["done.value()", "torch.bool"],
                                             ["node.next_functions[0][0].variable", "torch.float32"]]


def test_a_mask_kept_as_a_dicts_key_is_no_buffer(host):
    # (ch50: kept all 8 points, graded: the walk read a dict's values only)
    from course.checks.attention import _structure

    _assert_each_mask_refused({"self.d.keys()[0]": _kept_outside(
        "self.d = {causal_mask(config.block_size): 'mask'}", "next(iter(self.d))")}, host)

    class Holder(torch.nn.Module):  # (the notebook's check lists the same)
        def __init__(self):
            super().__init__()
            self.d, self.names = {(1, torch.ones(2, 2, dtype=torch.bool)): 1}, {"n_head": 2, "n_embd": 8}
            self.register_buffer("mask", torch.ones(2, 2, dtype=torch.bool))
    assert _structure(Holder())["plain"] == [["d.keys()[0][1]", "torch.bool"]]


def test_a_mask_kept_in_a_numpy_iterator_or_a_str_subclass_is_no_buffer(host):
    # (ch50: each kept all 8 points, graded: gc sees nothing a numpy iterator goes over; a subclass of str is
    # none of the plain types whose values were read)
    import numpy

    from course.checks.attention import _structure

    source = _kept_outside("self.flat = causal_mask(config.block_size).numpy().flat", "torch.from_numpy(self.flat.base)")
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", source), "03_self_attention",
                     ["test-causal-self-attention"], sandbox=False, host=host)
    assert "self.flat.base is the mask as a numpy array of bool, kept as a plain attribute" in \
        failed.get("test-causal-self-attention", ""), failed

    class Bits(str):
        pass

    class Holder(torch.nn.Module):  # (the notebook's check lists the same)
        def __init__(self):
            super().__init__()
            mask = torch.ones(4, 4, dtype=torch.bool).tril()
            self.over = numpy.nditer(mask.numpy())
            self.bits = Bits("".join("1" if b else "0" for b in mask.flatten().tolist()))
            self.name = Bits("causal self-attention")
            self.register_buffer("mask", mask)
    assert _structure(Holder())["plain"] == [["over.operands[0]", "a numpy array of bool"], ["bits", "str"]]


MASKS_IN_A_GRADIENT = {  # (ch50: each kept all 8 points, graded: torch keeps a tensor's .grad outside its __dict__)
    "self.g.grad": _kept_outside(
        "with torch.enable_grad():\n            x = torch.zeros(config.block_size, config.block_size, requires_grad=True)\n"
        "            (x * causal_mask(config.block_size).float()).sum().backward()\n        self.g = x", "self.g.grad.bool()"),
    "self.aux.grad": _kept_outside(
        "with torch.enable_grad():\n            x = torch.zeros(config.block_size, config.block_size, requires_grad=True)\n"
        "            (x * causal_mask(config.block_size).float()).sum().backward()\n"
        "        self.register_buffer('aux', x, persistent=False)", "self.aux.grad.bool()"),
}
# and the leaf behind a buffer that is no leaf: its grad_fn leads to it (the place is long: the message is cut)
BEHIND_A_BUFFERS_GRAD_FN = _kept_outside(
    "with torch.enable_grad():\n            leaf = causal_mask(config.block_size).float().requires_grad_()\n"
    "            self.register_buffer('scale', (leaf * 0).sum() + 1, persistent=False)",
    "self.scale.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0].variable.detach().bool()")


def test_a_mask_kept_as_a_tensors_gradient_is_no_buffer(host):
    from course.checks.attention import _structure

    _assert_each_mask_refused(MASKS_IN_A_GRADIENT, host, exact=False)  # (beside the buffer self.aux, for the second)
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", BEHIND_A_BUFFERS_GRAD_FN),
                     "03_self_attention", ["test-causal-self-attention"], sandbox=False, host=host)
    assert "Mistake — mask not a buffer: model.to('cuda') gives the module a new self.scale" in \
        failed.get("test-causal-self-attention", ""), failed

    class Holder(torch.nn.Module):  # (the notebook's check lists the same; a parameter's gradient is its own)
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(2, 2)
            with torch.enable_grad():
                self.linear(torch.ones(1, 2)).sum().backward()
                kept = torch.zeros(2, requires_grad=True)
                (kept * 2).sum().backward()
            self.kept = kept
    assert _structure(Holder())["plain"] == [["kept", "torch.float32"], ["kept.grad", "torch.float32"]]


FREEZES_IN_TRAINING = _answer_source("05_nanogpt", "gpt-forward").replace(
    "    B, T = idx.shape", "    B, T = idx.shape\n    if model.training:\n        model.transformer.wte.weight.requires_grad_(False)")


def test_a_gpt_forward_that_freezes_the_embeddings_in_training_is_told_cut_off(host):
    # (ch46: the eval-mode cases see no change; the training case's gradient raised torch's "One of the
    # differentiated Tensors does not require grad", in the notebook's check and in the answers' process)
    from course.checks import CheckFailed
    from course.checks.gpt import check_gpt_forward

    assert "requires_grad_(False)" in FREEZES_IN_TRAINING
    failed = recheck(_with_answer("05_nanogpt", "gpt-forward", FREEZES_IN_TRAINING), "05_nanogpt",
                     ["test-gpt-forward"], sandbox=False, host=host)
    assert "Mistake — cut off from the graph" in failed.get("test-gpt-forward", ""), failed
    namespace = {"torch": torch}
    exec(FREEZES_IN_TRAINING, namespace)
    with pytest.raises(CheckFailed, match="cut off from the graph"):
        check_gpt_forward(namespace["gpt_forward"])


def test_a_registered_mask_with_its_slices_cached_aside_is_told_to_slice_in_forward(host):
    # (rt49's eve: the buffer registered as the statement says, its slices kept in a dict keyed by T; the re-check
    # names it as the notebook's check does, and tells to slice the buffer in forward rather than "register it")
    registered = 'self.register_buffer("mask", causal_mask(config.block_size), persistent=False)'
    source = _answer_source("03_self_attention", "causal-self-attention")
    assert registered in source and "~self.mask[:T, :T]" in source
    source = source.replace(registered, registered + "\n        self._masks = {}").replace(
        "~self.mask[:T, :T]", "~self._masks.setdefault(T, self.mask[:T, :T])")
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", source),
                     "03_self_attention", ["test-causal-self-attention"], sandbox=False, host=host)
    told = failed.get("test-causal-self-attention", "")
    assert "self._masks[" in told and "beside the buffer self.mask" in told, failed
    assert "self.mask[:T, :T] in forward" in told and "Register it" not in told, failed



def test_the_answers_process_walks_with_its_own_copy_of_the_course_s_mask_walk(host):
    """The walk of "mask not a buffer" is one file, ``course/checks/mask_walk.py``, that the notebook's check imports
    and the answers' process loads from the copy beside it, as a module no answer can reach: an answer that imports
    that file and blanks its functions changes its own copy, and its mask kept as a plain attribute is still told."""
    source = "import mask_walk\nmask_walk.causal_pattern = lambda tensor: False\n" \
        "mask_walk.held_tensors = lambda *args, **kwargs: None\n\n" + \
        _answer_source("03_self_attention", "causal-self-attention").replace(
            'self.register_buffer("mask", causal_mask(config.block_size), persistent=False)',
            'self.tri = causal_mask(config.block_size)').replace("~self.mask[:T, :T]", "~self.tri[:T, :T]")
    assert "self.tri = causal_mask" in source and "~self.tri[:T, :T]" in source
    failed = recheck(_with_answer("03_self_attention", "causal-self-attention", source), "03_self_attention",
                     ["test-causal-self-attention"], sandbox=False, host=host)
    assert "self.tri is a tensor kept as a plain attribute" in failed.get("test-causal-self-attention", ""), failed


# rt50 (2026-12-07) and the lead: a mask cache that only __init__'s helper method reads is __init__'s (the buffer is
# made from it once); one that forward reads, through any method, is a mask kept outside the module
HELPER_CACHE = _answer_source("03_self_attention", "causal-self-attention").replace(
    'self.register_buffer("mask", causal_mask(config.block_size), persistent=False)',
    'self.register_buffer("mask", self._build_mask(config.block_size), persistent=False)').replace(
    "    def forward(self, x):", '''    def _build_mask(self, n):
        if n not in _MASKS:
            _MASKS[n] = causal_mask(n)
        return _MASKS[n]

    def forward(self, x):''').replace("class CausalSelfAttention", "_MASKS = {}\n\n\nclass CausalSelfAttention")
HELPER_CACHE_IN_FORWARD = HELPER_CACHE.replace("~self.mask[:T, :T]", "~self._build_mask(T)")
HELPER_CACHE_BY_NAME = HELPER_CACHE.replace("~self.mask[:T, :T]", "~getattr(self, '_build_mask')(T)")


def test_a_mask_cache_read_by_a_helper_of_init_alone_is_init_s_and_one_forward_reads_is_refused(host):
    from course.checks.attention import _plain_tensors

    assert HELPER_CACHE.count("_build_mask") == 2 and "~self._build_mask(T)" in HELPER_CACHE_IN_FORWARD \
        and "getattr(self, '_build_mask')" in HELPER_CACHE_BY_NAME
    kept = recheck(_with_answer("03_self_attention", "causal-self-attention", HELPER_CACHE),
                   "03_self_attention", ["test-causal-self-attention"], sandbox=False, host=host)
    assert not kept, kept
    for source in (HELPER_CACHE_IN_FORWARD, HELPER_CACHE_BY_NAME):
        failed = recheck(_with_answer("03_self_attention", "causal-self-attention", source),
                         "03_self_attention", ["test-causal-self-attention"], sandbox=False, host=host)
        assert "global _MASKS" in failed.get("test-causal-self-attention", ""), failed
        assert "mask not a buffer" in failed["test-causal-self-attention"], failed

    class ByInit(torch.nn.Module):  # (the notebook's check: the same, through helpers of helpers too)
        def __init__(self, n):
            super().__init__()
            self.register_buffer("mask", self._made(n), persistent=False)

        def _made(self, n):
            return self._cached(n)

        def _cached(self, n):
            return _cached_tril(n)

        def forward(self, x):
            return x.masked_fill(~self.mask, 0)

    class ForwardInBase(torch.nn.Module):
        def forward(self, x):
            return x.masked_fill(~self._cached(x.shape[-1]), 0)

    class ByBase(ForwardInBase, ByInit):  # (forward, in a base class, calls the helper)
        pass

    class ByPartial(ByInit):  # (a callable whose calls no code shows: no helper is __init__'s alone)
        forward = functools.partialmethod(ByInit._cached)

    _cached_tril(3), _cached_tril(5)
    assert _plain_tensors(ByInit(4)) == []
    for module in (ByBase(4), ByPartial(4)):
        assert any(place.startswith("global _cached_tril") for place, *_ in _plain_tensors(module)), \
            (type(module).__name__, _plain_tensors(module))

def test_a_helper_of_init_s_that_forward_reaches_through_another_method_is_not_init_s():
    """The lead's review of the change above: ``__init__`` and forward both call ``self._a()``, which calls
    ``self._b()``, which reads a global cache of masks; ``_b`` was named by no method outside ``__init__``'s reach,
    but forward reaches it through ``_a``: its globals are walked. So are those of a method forward calls by a name
    kept in a class attribute's string."""
    from course.checks.attention import _plain_tensors

    class Chain(torch.nn.Module):
        def __init__(self, n):
            super().__init__()
            self.register_buffer("mask", self._a(n), persistent=False)

        def _a(self, n):
            return self._b(n)

        def _b(self, n):
            return _cached_tril(n)

        def forward(self, x):
            return x.masked_fill(~self._a(x.shape[-1]), 0)

    class ByString(torch.nn.Module):
        which = "_b"

        def __init__(self, n):
            super().__init__()
            self.register_buffer("mask", self._b(n), persistent=False)

        def _b(self, n):
            return _cached_tril(n)

        def forward(self, x):
            return x.masked_fill(~getattr(self, self.which)(x.shape[-1]), 0)

    _cached_tril(3), _cached_tril(5)
    for module in (Chain(4), ByString(4)):
        assert any(place.startswith("global _cached_tril") for place, *_ in _plain_tensors(module)), \
            (type(module).__name__, _plain_tensors(module))


@pytest.mark.parametrize("lesson, answer_id", [("01_tokenization", "char-encode-decode"),
                                               ("03_self_attention", "causal-mask")])
def test_an_honest_answer_that_turns_warnings_into_errors_keeps_its_points(lesson, answer_id):
    """An honest answer cell that began with ``warnings.simplefilter("error")`` (a strict student's habit)
    lost the form point of its lesson's first call in the answers' process, told "your function raised
    UserWarning: The given buffer is not writable": the warning came from the process's own copy of the
    RNG state the call was to run with, before the answer ran (ch58: lessons 01 and 03, 7/8 each). The
    answers' own filters hold for what the answers do; the process's own steps warn as Python does."""
    strict = "import warnings\nwarnings.simplefilter('error')\n\n" + _answer_source(lesson, answer_id)
    own = Host([PRELUDE], sandbox=False)  # (a fresh process: torch warns of the buffer once per process)
    try:
        assert recheck(_with_answer(lesson, answer_id, strict), lesson, _tests(lesson), sandbox=False, host=own) == {}
    finally:
        own.close()


@pytest.mark.parametrize("raised", ["KeyboardInterrupt", "SystemExit(0)"])
def test_an_answer_that_raises_keyboardinterrupt_or_systemexit_in_a_hidden_test_is_named_with_it(raised):
    """A count_pairs that raised KeyboardInterrupt (or SystemExit) on the hidden tests' longer lists ended the
    answers' process, which caught only Exception, and lost its point told 'the answers' process ended', as if
    the grader had failed it (ch58's c01kbi; lesson 03's class too, c03kbi). In the notebook such a call fails
    its cell with that error; here it is named as the answer's error too, and the process goes on."""
    source = _answer_source("01_tokenization", "count-pairs").replace(
        "    counts = {}\n", f"    if len(ids) > 45:\n        raise {raised}\n    counts = {{}}\n", 1)
    assert source != _answer_source("01_tokenization", "count-pairs")
    own = Host([PRELUDE], sandbox=False)
    try:
        failed = recheck(_with_answer("01_tokenization", "count-pairs", source), "01_tokenization",
                         _tests("01_tokenization"), sandbox=False, host=own)
    finally:
        own.close()
    assert set(failed) == {"test-count-pairs"}, failed
    assert raised.split("(")[0] in failed["test-count-pairs"] and "process ended" not in failed["test-count-pairs"], failed


ODD_ERROR = "class Odd(ValueError):\n    def __str__(self):\n        return 5\n\n\n"


def test_an_error_whose_message_cannot_be_written_is_named_and_ends_nothing():
    """An answer's exception class whose ``__str__`` returns no string (or raises) raised again where the answers'
    process wrote its message: raised in a call, the process ended and the test was told 'the answers' process
    ended'; raised by an answer cell as it ran, every exercise of the notebook lost its rechecked points,
    correct ones too (ch58). Now the message says it could not be written, and each exercise is graded alone."""
    merge = ODD_ERROR + _answer_source("01_tokenization", "merge").replace(
        "    out, i = [], 0\n", "    if len(ids) > 30:\n        raise Odd('x')\n    out, i = [], 0\n", 1)
    own = Host([PRELUDE], sandbox=False)
    try:
        failed = recheck(_with_answer("01_tokenization", "merge", merge), "01_tokenization",
                         _tests("01_tokenization"), sandbox=False, host=own)
        assert set(failed) == {"test-merge"} and "raised Odd" in failed["test-merge"], failed
        cell = _answer_source("01_tokenization", "count-pairs") + "\n\n" + ODD_ERROR + "raise Odd('x')\n"
        assert recheck(_with_answer("01_tokenization", "count-pairs", cell), "01_tokenization",
                       _tests("01_tokenization"), sandbox=False, host=own) == {}
    finally:
        own.close()
