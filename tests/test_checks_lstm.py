"""Lesson 04 self-checks: the reference passes, each named mistake is recognised by its hint,
and an unrelated wrong answer fails without a misleading hint."""
import pytest
import torch
import torch.nn.functional as F

from course.checks import CheckFailed
from course.checks import lstm as checks

torch.set_num_threads(1)


# --- independent correct solutions, written as a student would ---------------------------------

def student_cell(x, h, c, W_ih, W_hh, b_ih, b_hh, order="ifgo", g_act=torch.tanh, tanh_c=True):
    H = h.shape[1]
    z = x @ W_ih.t() + b_ih + h @ W_hh.t() + b_hh
    parts = {name: z[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    i, f, o = parts["i"].sigmoid(), parts["f"].sigmoid(), parts["o"].sigmoid()
    c2 = f * c + i * g_act(parts["g"])
    return o * (c2.tanh() if tanh_c else c2), c2


def student_shift(data, starts, block_size, shift=1):
    xs, ys = [], []
    for s in starts.tolist():
        xs.append(data[s:s + block_size])
        ys.append(data[s + shift:s + shift + block_size])
    return torch.stack(xs), torch.stack(ys)


def student_generate(model, idx, n, reset=False):
    logits, state = model.forward_with_state(idx)
    for _ in range(n):
        nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, nxt], dim=1)
        logits, state = model.forward_with_state(nxt, None if reset else state)
    return idx


def student_loss(logits, targets, softmax_first=False):
    B, T, V = logits.shape
    if softmax_first:
        logits = logits.softmax(-1)
    return torch.nn.CrossEntropyLoss()(logits.view(B * T, V), targets.view(B * T))


# --- the reference (and an independent correct version) passes ---------------------------------

@pytest.mark.parametrize("check, solution", [
    (checks.check_lstm_cell, student_cell),
    (checks.check_shift_batch, student_shift),
    (checks.check_generate_greedy, torch.no_grad()(student_generate)),
    (checks.check_sequence_loss, student_loss),
])
def test_correct_solutions_pass(check, solution, capsys):
    check(solution)
    assert "✓" in capsys.readouterr().out


def test_references_pass(capsys):
    from course.data import windows_at
    from course.lstm import lstm_cell, sequence_loss
    checks.check_lstm_cell(lstm_cell)
    checks.check_shift_batch(windows_at)
    checks.check_sequence_loss(sequence_loss)
    assert capsys.readouterr().out.count("✓") == 3


# --- each named mistake is recognised --------------------------------------------------------

MISTAKES = [
    (checks.check_lstm_cell, lambda *a: student_cell(*a, order="ifog"), "gates are in the wrong order"),
    (checks.check_lstm_cell, lambda *a: student_cell(*a, g_act=torch.sigmoid), "through tanh"),
    (checks.check_lstm_cell, lambda *a: student_cell(*a, tanh_c=False), "tanh of the cell state is missing"),
    (checks.check_lstm_cell, lambda *a: _cell_without_forget(*a), "scaled by the forget gate"),
    (checks.check_shift_batch, lambda d, s, b: student_shift(d, s, b, shift=0), "labels are not shifted"),
    (checks.check_shift_batch, lambda d, s, b: student_shift(d, s, b)[::-1], "swapped"),
    (checks.check_shift_batch, lambda d, s, b: student_shift(d, s, b, shift=-1), "shifted the wrong way"),
    (checks.check_generate_greedy, torch.no_grad()(lambda m, i, n: student_generate(m, i, n, reset=True)),
     "state is reset at every step"),
    (checks.check_generate_greedy, torch.no_grad()(lambda m, i, n: _generate_feeding_last_twice(m, i, n)),
     "fed twice"),
    (checks.check_generate_greedy, torch.no_grad()(lambda m, i, n: _generate_skipping_prompt(m, i, n)),
     "whole prompt first"),
    (checks.check_sequence_loss, lambda lo, t: student_loss(lo, t, softmax_first=True), "softmax was applied"),
    (checks.check_sequence_loss,
     lambda lo, t: F.cross_entropy(lo.permute(1, 0, 2).reshape(-1, lo.shape[2]), t.reshape(-1)), "wrong axes"),
    (checks.check_sequence_loss,
     lambda lo, t: F.cross_entropy(lo.reshape(-1, lo.shape[2]), t.reshape(-1), reduction="none").sum(), "summed"),
    (checks.check_sequence_loss,
     lambda lo, t: -lo.reshape(-1, lo.shape[2]).gather(1, t.reshape(-1, 1)).mean(), "nll_loss expects"),
]


def _cell_without_forget(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    c2 = c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c2), c2


def _generate_feeding_last_twice(model, idx, n):
    _, state = model.forward_with_state(idx)
    for _ in range(n):
        logits, state = model.forward_with_state(idx[:, -1:], state)
        idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return idx


def _generate_skipping_prompt(model, idx, n):
    out = student_generate(model, idx[:, -1:], n)
    return torch.cat([idx[:, :-1], out], dim=1)


@pytest.mark.parametrize("check, wrong, hint", MISTAKES, ids=[m[2] for m in MISTAKES])
def test_each_mistake_is_named(check, wrong, hint):
    with pytest.raises(CheckFailed, match="Mistake — ") as info:
        check(wrong)
    assert hint in str(info.value)


@pytest.mark.parametrize("check, wrong", [
    (checks.check_lstm_cell, lambda x, h, c, *w: (h, c)),
    (checks.check_shift_batch, lambda d, s, b: (d[:b][None].repeat(len(s), 1), d[1:b + 1][None].repeat(len(s), 1))),
    (checks.check_generate_greedy, lambda m, i, n: torch.cat([i, torch.zeros(i.shape[0], n, dtype=torch.long)], 1)),
    (checks.check_sequence_loss, lambda lo, t: torch.tensor(1.0)),
])
def test_unrelated_wrong_answers_fail_without_a_hint(check, wrong):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake is None and "Mistake" not in str(info.value)


def test_unfinished_exercise_and_errors_are_reported():
    def unfinished(*args):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="not implemented yet"):
        checks.check_lstm_cell(unfinished)
    with pytest.raises(CheckFailed, match="your function raised IndexError"):
        checks.check_shift_batch(lambda d, s, b: d[10 ** 6])
    with pytest.raises(CheckFailed, match="expected a torch.Tensor, got float"):
        checks.check_sequence_loss(lambda lo, t: 2.5)
