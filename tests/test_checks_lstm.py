"""Lesson 04 self-checks: the reference passes, each named mistake is recognised by its hint,
and an unrelated wrong answer fails without a misleading hint."""
import dataclasses
import math

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
    # h returned detached: the values right, the gradient through c alone (stop 65; the first tensor is h)
    (checks.check_lstm_cell, lambda *a: (student_cell(*a)[0].detach(), student_cell(*a)[1]),
     "the first tensor you return carries no gradient"),
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
    (checks.check_lstm_cell, lambda x, h, c, *w: (h + 1, c * 0)),
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


# --- lesson 04's training exercises: the schedule and the loop ----------------------------------

def student_schedule(it, cfg):
    warm, top, low = cfg.warmup_iters, cfg.learning_rate, cfg.min_lr
    if it < warm:
        return top * (it + 1) / (warm + 1)
    t = min(1.0, (it - warm) / (cfg.max_iters - warm))
    return low + (top - low) * (1 + math.cos(t * math.pi)) / 2


def _loop_with_the_rate_set_once_and_no_zero_grad(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    for group in optimizer.param_groups:
        group["lr"] = lr_schedule(0)
    losses = []
    for it in range(max_iters):
        x, y = get_batch("train")
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses


def _cell_with_the_hidden_size_of_x(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = x.shape[1]
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def student_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule, zero=True, clip=True):
    out = []
    for it in range(max_iters):
        for g in optimizer.param_groups:
            g["lr"] = lr_schedule(it)
        if zero:
            optimizer.zero_grad(set_to_none=False)
        x, y = get_batch("train")
        loss = model(x, y)[1]
        loss.backward()
        if clip:  # (a number: clipped to it instead of grad_clip)
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=grad_clip if clip is True else clip)
        optimizer.step()
        out.append(loss.item())
    return out


def test_training_exercises_pass_with_correct_solutions(capsys):
    checks.check_lr_schedule(student_schedule)
    checks.check_train_loop(student_loop)
    assert capsys.readouterr().out.count("✓") == 2


def test_a_loop_that_also_measures_on_the_validation_split_passes(capsys):
    """Training on 'val' is a named mistake; measuring on it, beside training on 'train', is not."""
    def measuring_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
        losses = student_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule)
        with torch.no_grad():
            model(*get_batch("val"))
        return losses

    def interleaved(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
        out = []
        for it in range(max_iters):
            for g in optimizer.param_groups:
                g["lr"] = lr_schedule(it)
            with torch.no_grad():
                model(*get_batch("val"))  # a validation loss at every step, before the training batch
            x, y = get_batch("train")
            loss = model(x, y)[1]
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
            out.append(loss.item())
        return out

    checks.check_train_loop(measuring_loop)
    checks.check_train_loop(interleaved)
    assert capsys.readouterr().out.count("✓") == 2


def test_the_schedule_check_compares_with_a_schedule_worked_by_hand():
    # learning_rate 1.0, min_lr 0.1, warm-up 5 of 20 iterations (the check's first case), by hand:
    # warm-up (it + 1) / 6; half-way down the cosine (it = 12.5, not an iteration) 0.55; the end 0.1
    from course.train import TrainConfig, lr_at
    cfg = TrainConfig(max_iters=20, learning_rate=1.0, min_lr=0.1, warmup_iters=5)
    assert [round(lr_at(it, cfg), 6) for it in range(6)] == [0.166667, 0.333333, 0.5, 0.666667, 0.833333, 1.0]
    assert lr_at(20, cfg) == pytest.approx(0.1) and lr_at(22, cfg) == pytest.approx(0.1)
    assert (lr_at(12, cfg) + lr_at(13, cfg)) / 2 == pytest.approx(0.55, abs=0.01)


TRAINING_MISTAKES = [
    (checks.check_lr_schedule, lambda it, cfg: student_schedule(it, dataclasses.replace(cfg, warmup_iters=0)),
     "starts at the full learning rate"),
    (checks.check_lr_schedule, lambda it, cfg: student_schedule(it, dataclasses.replace(cfg, min_lr=0.0)),
     "the cosine ends at 0"),
    (checks.check_train_loop, lambda *a: student_loop(*a, zero=False), "call optimizer.zero_grad() every iteration"),
    (checks.check_train_loop, lambda *a: student_loop(*a, clip=False), "not clipped to grad_clip before the step"),
    (checks.check_train_loop, lambda *a: student_loop(*a, clip=1.0), "to a number of your own, such as 1.0"),
]


@pytest.mark.parametrize("check, wrong, hint", TRAINING_MISTAKES, ids=[m[2] for m in TRAINING_MISTAKES])
def test_each_training_mistake_is_named(check, wrong, hint):
    with pytest.raises(CheckFailed, match="Mistake — ") as info:
        check(wrong)
    assert hint in str(info.value)


@pytest.mark.parametrize("check, wrong", [
    (checks.check_lr_schedule, lambda it, cfg: cfg.learning_rate / 2),
    (checks.check_train_loop, lambda model, optimizer, get_batch, n, clip, schedule: [1.0] * n),
])
def test_unrelated_training_answers_fail_without_a_hint(check, wrong):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake is None and "Mistake" not in str(info.value)


def test_the_loop_check_leaves_the_reference_loop_equal_to_train():
    # course.train.train_loop, the check's reference, is the loop inside course.train.train: with no
    # evaluation in between (one evaluation at the start, on its own batches) both give the same losses
    import torch.nn as nn
    from course.train import TrainConfig, configure_optimizer, lr_at, train, train_loop

    def setup():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Embedding(7, 8), nn.Linear(8, 7))
        model.forward = lambda x, y, m=model: (m[1](m[0](x)), F.cross_entropy(m[1](m[0](x)).reshape(-1, 7), y.reshape(-1)))
        gen = torch.Generator().manual_seed(1)
        return model, lambda split: (torch.randint(0, 7, (4, 5), generator=gen), torch.randint(0, 7, (4, 5), generator=gen))

    cfg = TrainConfig(max_iters=12, learning_rate=0.05, min_lr=0.005, warmup_iters=3, weight_decay=0.1,
                      eval_interval=100, eval_iters=1, progress=False)
    model, get_batch = setup()
    history = train(model, lambda split: get_batch("train") if split == "train" else get_batch("train"), cfg)
    model2, get_batch2 = setup()
    get_batch2("train"), get_batch2("train")  # the two batches train()'s first evaluation drew
    losses = train_loop(model2, configure_optimizer(model2, cfg.weight_decay, cfg.learning_rate, (cfg.beta1, cfg.beta2)),
                        get_batch2, cfg.max_iters, cfg.grad_clip, lambda it: lr_at(it, cfg))
    assert losses == pytest.approx(history.loss[:cfg.max_iters], abs=1e-6)


# --- a third round: the red team's wrong answers and their kin, each named ----------------------

def _schedule_with_numpy(it, cfg):
    import numpy as np
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    t = min(1.0, (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters))
    return cfg.min_lr + (cfg.learning_rate - cfg.min_lr) * (1 + np.cos(np.pi * t)) / 2


def _schedule_to_lr_decay_iters(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    t = min(1.0, (it - cfg.warmup_iters) / (cfg.lr_decay_iters - cfg.warmup_iters))
    return cfg.min_lr + (cfg.learning_rate - cfg.min_lr) * (1 + math.cos(math.pi * t)) / 2


def _cell_with_input_gate_unused(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    c2 = torch.sigmoid(f) * c + torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c2), c2


def _loop_measuring_after_the_step(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for g in optimizer.param_groups:
            g["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        optimizer.zero_grad()
        model(x, y)[1].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        with torch.no_grad():
            losses.append(model(x, y)[1].item())
    return losses


def _cell_squashing_the_gates_again(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * g  # (i and f are gates already)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def _cell_squashing_the_output_gate_again(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def _schedule_a_whole_wave(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(2 * math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)


def _loop_on_probabilities(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for g in optimizer.param_groups:
            g["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        logits, _ = model(x, y)
        probs = F.softmax(logits, dim=-1)
        loss = F.cross_entropy(probs.view(-1, probs.size(-1)), y.view(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses


def _loop_scaling_every_gradient(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    # a clip by hand without min(1, ...): the gradient is scaled to norm grad_clip whether it was above or below
    losses = []
    for it in range(max_iters):
        for g in optimizer.param_groups:
            g["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
        for p in model.parameters():
            p.grad.mul_(grad_clip / norm)
        optimizer.step()
        losses.append(loss.item())
    return losses


def _loop_printing_the_last_loss(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = student_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule)
    print(f"final loss {losses[-1]:.4f}")  # (no loss at all when max_iters is 0)
    return losses


def _loop_printing_the_last_step(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for g in optimizer.param_groups:
            g["lr"] = lr_schedule(it)
        _, loss = model(*get_batch("train"))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    print(f"step {it}: loss {loss.item():.4f}")  # (neither it nor loss exists when max_iters is 0)
    return losses


def _generate_softmax_over_the_batch(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            probs = F.softmax(logits[:, -1, :], dim=0)  # (B, V): dim=0 is the batch
            next_id = probs.argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx


@torch.no_grad()
def _generate_first_position_new_only(model, idx, n):
    logits, state = model.forward_with_state(idx)
    new = []
    for _ in range(n):
        new.append(logits[:, 0, :].argmax(dim=-1, keepdim=True))
        logits, state = model.forward_with_state(new[-1], state)
    return torch.cat(new, dim=1) if new else idx[:, :0]


@torch.no_grad()
def _generate_from_no_state(model, idx, n):
    logits, _ = model.forward_with_state(idx)
    state = None
    for _ in range(n + 1):
        nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, nxt], dim=1)
        logits, state = model.forward_with_state(nxt, state)
    return idx


THIRD_ROUND = [
    # (both were told only the values that differ)
    (checks.check_lstm_cell, _cell_squashing_the_gates_again, "gates squashed twice"),
    (checks.check_lstm_cell, _cell_squashing_the_output_gate_again, "gates squashed twice"),
    (checks.check_lstm_cell, lambda *a: student_cell(*a, g_act=torch.relu), "relu on the candidate"),
    (checks.check_lstm_cell, lambda *a: student_cell(*a, order="fiog"), "gate order"),
    (checks.check_lstm_cell, _cell_with_input_gate_unused, "input gate unused"),
    (checks.check_lstm_cell, lambda x, h, c, *w: (student_cell(x, h, c, *w)[0], c), "old c returned"),
    (checks.check_shift_batch, lambda d, s, b: student_shift(d, s, b, shift=2), "labels shifted by two"),
    (checks.check_shift_batch, lambda d, s, b: tuple(t.float() for t in student_shift(d, s, b)), "float tensors instead of ids"),
    (checks.check_shift_batch, lambda d, s, b: student_shift(d, torch.arange(len(s)), b), "row numbers instead of starts"),
    (checks.check_sequence_loss, lambda lo, t: student_loss(lo[:, 1:].contiguous(), t[:, 1:].contiguous()),
     "a position left out"),
    (checks.check_sequence_loss, lambda lo, t: student_loss(lo[:, :-1].contiguous(), t[:, 1:].contiguous()),
     "targets shifted again"),
    (checks.check_sequence_loss, lambda lo, t: student_loss(lo.double(), t), "loss in float64"),
    (checks.check_generate_greedy, torch.no_grad()(lambda m, i, n: student_generate(m, i, n + 1)), "one token too many"),
    (checks.check_generate_greedy, torch.no_grad()(lambda m, i, n: student_generate(m, i, n)[:, -n:]), "new tokens only"),
    (checks.check_lr_schedule, _schedule_a_whole_wave, "a whole cosine wave"),  # (told only the values)
    (checks.check_lr_schedule, lambda it, cfg: round(student_schedule(it, cfg), 6), "rate rounded"),
    (checks.check_lr_schedule, _schedule_to_lr_decay_iters, "lr_decay_iters used (None here)"),
    (checks.check_lr_schedule, lambda it, cfg: student_schedule(it, dataclasses.replace(cfg, max_iters=cfg.max_iters + 1)),
     "decay length off by one"),
    (checks.check_train_loop, _loop_measuring_after_the_step, "loss measured after the step"),
    (checks.check_train_loop, _loop_on_probabilities, "softmax before cross-entropy"),  # (told only the values)
    # two mistakes in one answer, named after both (told only the values that differ: wa37)
    (checks.check_lstm_cell, lambda *a: student_cell(*a, order="ifog")[::-1], "gate order and (c, h) instead of (h, c)"),
    (checks.check_lstm_cell, lambda x, h, c, *w: (student_cell(x, h, c, *w, order="figo")[0], c),
     "gate order and old c returned"),
    (checks.check_lstm_cell, lambda *a: student_cell(*a, g_act=torch.sigmoid)[::-1],
     "(c, h) instead of (h, c) and sigmoid on the candidate"),
    (checks.check_lr_schedule, lambda it, cfg: student_schedule(it, dataclasses.replace(cfg, min_lr=0.0, warmup_iters=0))
     if it >= cfg.warmup_iters else cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1),
     "decays to 0 instead of min_lr and decay not shifted by the warm-up"),
    (checks.check_lr_schedule, lambda it, cfg: cfg.learning_rate * it / cfg.warmup_iters if it < cfg.warmup_iters else
     cfg.min_lr + 0.5 * (1 + math.cos(math.pi * (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)))
     * (cfg.learning_rate - cfg.min_lr), "warm-up starts at 0 and no floor after max_iters"),
    # (passed the check, which never tried the data's last window; lost the point in the grade)
    (checks.check_shift_batch, lambda d, s, b: student_shift(d, s.clamp(max=len(d) - b - 2), b),
     "the data's last token left out"),
    (checks.check_shift_batch, lambda d, s, b: (d[s[:, None] + torch.arange(b)],
                                                d[(s[:, None] + torch.arange(1, b + 1)).clamp(max=len(d) - 2)]),
     "the data's last token left out"),
    # (passed the check, which had no window of one token; lost the point in the grade, whose hidden tests have one)
    (checks.check_shift_batch, lambda d, s, b: tuple(t.squeeze(-1) for t in student_shift(d, s, b)),
     "a dimension of size 1 squeezed"),
    (checks.check_shift_batch, lambda d, s, b: tuple(t.squeeze(1) for t in student_shift(d, s, b)),
     "a dimension of size 1 squeezed"),
    # (passed the check, whose clip always acted and which always ran an iteration; lost the point in the grade)
    (checks.check_train_loop, _loop_scaling_every_gradient, "small gradients scaled up"),
    (checks.check_train_loop, _loop_printing_the_last_loss, "no iteration, no last loss"),
    (checks.check_train_loop, _loop_printing_the_last_step, "no iteration, no last loss"),
    # (told only the first id that differs)
    (checks.check_generate_greedy, _generate_softmax_over_the_batch, "softmax over the wrong dimension"),
    # two mistakes in one answer, named after both (told only the values that differ: wa38)
    (checks.check_sequence_loss, lambda lo, t: F.cross_entropy(lo[:, -1, :], t[:, -1], reduction="sum"),
     "sum instead of mean and last position only"),
    (checks.check_sequence_loss, lambda lo, t: -torch.log(lo.softmax(-1)).gather(-1, t[..., None]).sum(),
     "log of softmax and sum instead of mean"),
    (checks.check_sequence_loss, lambda lo, t: F.nll_loss(lo.flatten(0, 1), t.flatten(), reduction="sum"),
     "nll_loss on logits and sum instead of mean"),
    (checks.check_sequence_loss, lambda lo, t: F.cross_entropy(lo[:, :-1].softmax(-1).flatten(0, 1), t[:, 1:].flatten()),
     "softmax before cross-entropy and targets shifted again"),
    (checks.check_generate_greedy, torch.no_grad()(lambda m, i, n: student_generate(m, i, n + 1, reset=True)),
     "state reset and one token too many"),
    (checks.check_generate_greedy, torch.no_grad()(lambda m, i, n: student_generate(m, i, n, reset=True)[:, i.shape[1]:]),
     "state reset and new tokens only"),
    (checks.check_generate_greedy, _generate_first_position_new_only, "first position's logits and new tokens only"),
    (checks.check_generate_greedy, _generate_from_no_state, "prompt's state dropped and one token too many"),
    # (passed the check, which had no H = 1 case; lost the point in the grade, whose hidden tests have one: wa38)
    (checks.check_lstm_cell, lambda *a: tuple(t.squeeze(-1) for t in student_cell(*a)), "a dimension of size 1 squeezed"),
    (checks.check_lstm_cell, lambda *a: tuple(t.squeeze(1) for t in student_cell(*a)), "a dimension of size 1 squeezed"),
    # (told only the values that differ: wa42)
    (checks.check_lstm_cell, lambda *a: student_cell(*a, order="iofg", tanh_c=False), "gate order and tanh of c missing"),
    (checks.check_lstm_cell, lambda x, h, c, *w: (h, student_cell(x, h, c, *w)[1]), "old h returned"),
    (checks.check_lstm_cell, _cell_with_the_hidden_size_of_x, "hidden size from the input"),
    (checks.check_train_loop, lambda *a: student_loop(*a, zero=False, clip=False), "gradients never zeroed and gradients not clipped to grad_clip"),
    (checks.check_train_loop, _loop_with_the_rate_set_once_and_no_zero_grad, "gradients never zeroed and learning rate set once"),
    (checks.check_lr_schedule, lambda it, cfg: cfg.min_lr if it > cfg.max_iters else max(cfg.min_lr, cfg.learning_rate * (
        1 + math.cos(math.pi * (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters))) / 2)
     if it >= cfg.warmup_iters else student_schedule(it, cfg), "min_lr as a floor"),
]


@pytest.mark.parametrize("check, wrong, mistake", THIRD_ROUND, ids=[f"{m[0].__name__}:{m[2]}" for m in THIRD_ROUND])
def test_third_round_mistakes_are_named(check, wrong, mistake):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == mistake, str(info.value)


def test_sequence_loss_has_the_hidden_tests_one_position_case_and_names_the_class_given_the_data():
    """The hidden tests' first case is one sequence of one position over two classes, (1, 1, 2): the check has
    it too (wa39). There nn.CrossEntropyLoss(logits, targets), the data passed as its options, makes a module
    without an error (one target is a truth value), which no value equals: still named, and the warning torch
    gives of the options, made while comparing, is not shown."""
    import warnings
    assert (1, 1, 2) in [tuple(logits.shape) for logits, _ in checks._loss_cases()]
    with warnings.catch_warnings(record=True) as shown, pytest.raises(CheckFailed) as info:
        warnings.simplefilter("always")
        checks.check_sequence_loss(lambda lo, t: torch.nn.CrossEntropyLoss(lo.reshape(-1, lo.shape[-1]), t.reshape(-1)))
    assert info.value.mistake == "nn.CrossEntropyLoss given the data", str(info.value)
    assert not [w for w in shown if "size_average" in str(w.message)], [str(w.message) for w in shown]


def test_a_schedule_that_reads_lr_decay_iters_correctly_passes(capsys):
    # lr_decay_iters is None in the course: reading it with a fallback to max_iters is right
    def schedule(it, cfg):
        return student_schedule(it, dataclasses.replace(cfg, max_iters=cfg.lr_decay_iters or cfg.max_iters))
    checks.check_lr_schedule(schedule)
    assert "✓ lr_at_step" in capsys.readouterr().out


def test_a_schedule_computed_with_numpy_passes(capsys):
    # np.cos gives numpy's float64, a float subclass with the exact value: the tests take it, so the check does
    checks.check_lr_schedule(_schedule_with_numpy)
    assert "✓ lr_at_step" in capsys.readouterr().out


def test_a_loop_that_measures_in_eval_mode_and_switches_back_passes(capsys):
    """Evaluating inside the loop (eval mode, no_grad, then train again) is honest; training in eval
    mode, or handing the model back in eval mode, is named."""
    def evaluating(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
        out = []
        for it in range(max_iters):
            for g in optimizer.param_groups:
                g["lr"] = lr_schedule(it)
            x, y = get_batch("train")
            loss = model(x, y)[1]
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
            out.append(loss.item())
            model.eval()
            with torch.no_grad():
                model(*get_batch("val"))
            model.train()
        return out

    def eval_first(model, *rest):
        model.eval()
        return student_loop(model, *rest)

    def eval_last(model, *rest):
        out = student_loop(model, *rest)
        model.eval()
        return out

    checks.check_train_loop(evaluating)
    assert "✓ train_loop" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="trained in eval mode"):
        checks.check_train_loop(eval_first)
    with pytest.raises(CheckFailed, match="the model's mode changed"):
        checks.check_train_loop(eval_last)


def test_a_loss_summed_over_the_batch_is_named():
    def summed(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
        out = []
        for it in range(max_iters):
            for g in optimizer.param_groups:
                g["lr"] = lr_schedule(it)
            x, y = get_batch("train")
            logits = model(x, y)[0]
            loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum")
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
            out.append(loss.item())
        return out

    with pytest.raises(CheckFailed, match="loss summed, not averaged"):
        checks.check_train_loop(summed)


def test_generation_that_puts_the_mode_back_passes_and_one_that_changes_it_is_named(capsys):
    def restoring(model, idx, n):
        was = model.training
        model.eval()
        with torch.no_grad():
            out = student_generate(model, idx, n)
        model.train(was)
        return out

    def switching(model, idx, n):
        model.eval()
        with torch.no_grad():
            return student_generate(model, idx, n)

    checks.check_generate_greedy(restoring)
    assert "✓ generate_greedy" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="came in training mode and went back in eval mode"):
        checks.check_generate_greedy(switching)


def test_autograd_left_off_by_an_earlier_cell_is_switched_back_on_not_blamed_on_the_loop(capsys):
    torch.set_grad_enabled(False)
    try:
        checks.check_train_loop(student_loop)
    finally:
        torch.set_grad_enabled(True)
    out = capsys.readouterr().out
    assert "autograd was switched off in this kernel by an earlier cell" in out and "✓ train_loop" in out


def test_a_generation_that_leaves_autograd_off_is_named_and_autograd_is_back_on():
    def leaking(model, idx, n):
        torch.set_grad_enabled(False)
        return student_generate(model, idx, n)

    with pytest.raises(CheckFailed, match="autograd left switched off"):
        checks.check_generate_greedy(leaking)
    assert torch.is_grad_enabled()


def test_a_schedule_that_writes_into_cfg_is_named():
    # it wrote its rate back into cfg.learning_rate, so every later call saw another peak rate: a bare value dump
    # (a probe's, 2026-12-04; the grader's rules refuse the assignment, the self-check names it)
    def lr_at_step(it, cfg):
        if it < cfg.warmup_iters:
            return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
        if it > cfg.max_iters:
            return cfg.min_lr
        progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
        cfg.learning_rate = cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
        return cfg.learning_rate
    with pytest.raises(CheckFailed) as info:
        checks.check_lr_schedule(lr_at_step)
    assert info.value.mistake == "cfg changed", info.value


def _generate_through_lstm_forward(model, idx, max_new_tokens, keyword=False):
    """Honest greedy generation that calls the LSTM's ``forward`` itself (for the prompt) and passes the
    input by keyword (for the steps): the prompt once, then one token a step."""
    with torch.no_grad():
        out, state = model.lstm.forward(model.embedding(idx))
        for _ in range(max_new_tokens):
            nxt = model.head(out[:, -1]).argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
            out, state = model.lstm(input=model.embedding(nxt), hx=state) if keyword else \
                model.lstm(model.embedding(nxt), state)
    return idx


@pytest.mark.parametrize("keyword", [False, True])
def test_generate_greedy_that_calls_the_lstms_forward_itself_passes(keyword):
    """An honest generate_greedy that read the prompt with ``model.lstm.forward(...)`` was told it "re-reads
    the prefix" (lengths [1, 1, 1, …], "expected the prompt once"): the check counted the LSTM's calls with a
    forward hook, which a direct ``forward`` call skips, and a call with ``input=`` by keyword raised in the
    hook (rt31, 2026-12-06). Every call of the LSTM's forward is counted, however it is made."""
    checks.check_generate_greedy(lambda m, i, n: _generate_through_lstm_forward(m, i, n, keyword))


def _cell_acting(i_act, f_act, g_act, recurrent="h"):
    def cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
        gates = x @ W_ih.T + b_ih + (h if recurrent == "h" else c) @ W_hh.T + b_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c_new = f_act(f) * c + i_act(i) * g_act(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
    return cell


def _loop_step_before_backward(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.step()  # the mistake: the step comes before backward, with the last iteration's gradients
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        losses.append(loss.item())
    return losses


_same = lambda z: z  # noqa: E731
WA40 = [  # (each was told only the values that differ, or torch's own error: wa40)
    (checks.check_lstm_cell, _cell_acting(torch.sigmoid, torch.tanh, torch.tanh), "tanh on the forget gate"),
    (checks.check_lstm_cell, _cell_acting(torch.sigmoid, torch.tanh, torch.sigmoid),
     "forget gate and candidate activations swapped"),
    (checks.check_lstm_cell, _cell_acting(torch.sigmoid, _same, torch.tanh), "sigmoid on the forget gate missing"),
    (checks.check_lstm_cell, _cell_acting(_same, torch.sigmoid, torch.tanh), "sigmoid on the input gate missing"),
    (checks.check_lstm_cell, _cell_acting(torch.sigmoid, torch.sigmoid, torch.tanh, recurrent="c"),
     "c where h belongs in the gates"),
    (checks.check_train_loop, _loop_step_before_backward, "step before backward"),
]


@pytest.mark.parametrize("check, wrong, name", WA40, ids=[m[2] for m in WA40])
def test_wa40_mistakes_are_named(check, wrong, name):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)
    assert f"Mistake — {name}: " in str(info.value)


def _cell_without_forget_gate_h_from_old_c(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    c_new = c + torch.sigmoid(i) * torch.tanh(g)  # the forget gate left out
    return torch.sigmoid(o) * torch.tanh(c), c_new  # and h from the old c


def _generate_appending_the_next_choice(model, idx, n):
    logits, state = model.forward_with_state(idx)
    for _ in range(n):
        logits, state = model.forward_with_state(logits[:, -1].argmax(-1, keepdim=True), state)
        idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)  # the choice after the one fed
    return idx


def _generate_sampling_with_no_state(model, idx, n):
    logits, _ = model.forward_with_state(idx)
    for _ in range(n):
        nxt = torch.multinomial(logits[:, -1].softmax(-1), num_samples=1)
        idx = torch.cat([idx, nxt], dim=1)
        logits, _ = model.forward_with_state(nxt)
    return idx


def _generate_whole_text_with_state(model, idx, n):
    logits, state = model.forward_with_state(idx)
    for _ in range(n):
        idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
        logits, state = model.forward_with_state(idx, state)  # the whole text again, from the state that read it
    return idx


def _loop_with(norm_type=2.0, multiply=False):
    def loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
        out = []
        for it in range(max_iters):
            for g in optimizer.param_groups:
                g["lr"] = g["lr"] * lr_schedule(it) if multiply else lr_schedule(it)
            x, y = get_batch("train")
            loss = model(x, y)[1]
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip, norm_type=norm_type)
            optimizer.step()
            out.append(loss.item())
        return out
    return loop


def _schedule_from_zero_to_zero(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * it / cfg.warmup_iters  # starts at 0
    if it > cfg.max_iters:
        return cfg.min_lr
    t = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.learning_rate * (1 + math.cos(math.pi * t)) / 2  # down to 0, min_lr left out


WA43 = [  # (each was told only the values that differ, or a mistake it is not: wa43)
    (checks.check_lstm_cell, _cell_without_forget_gate_h_from_old_c, "h from the old c and forget gate unused"),
    (checks.check_lstm_cell, _cell_acting(torch.tanh, torch.tanh, torch.tanh),
     "tanh on the input gate and tanh on the forget gate"),
    (checks.check_shift_batch, lambda d, s, b: (student_shift(d, s + 1, b)[0], student_shift(d, s, b)[1]),
     "windows start one late and labels not shifted"),
    (checks.check_shift_batch, lambda d, s, b: student_shift(d, s, b, shift=2)[::-1],
     "labels shifted by two and x and y swapped"),
    (checks.check_sequence_loss, lambda lo, t: F.cross_entropy(lo.transpose(1, 2), t.T), "targets transposed"),
    (checks.check_sequence_loss, lambda lo, t: F.nll_loss(torch.log(lo.softmax(1)).flatten(0, 1), t.flatten()),
     "log of softmax and log-softmax over the wrong dimension"),
    (checks.check_generate_greedy, torch.no_grad()(_generate_appending_the_next_choice), "first new token dropped"),
    (checks.check_generate_greedy, torch.no_grad()(_generate_sampling_with_no_state),
     "state reset and sampled instead of argmax"),
    (checks.check_generate_greedy, torch.no_grad()(_generate_whole_text_with_state), "whole text fed with the state"),
    (checks.check_lr_schedule, _schedule_from_zero_to_zero, "warm-up starts at 0 and min_lr left out"),
    (checks.check_lr_schedule, lambda it, cfg: cfg.min_lr + (cfg.learning_rate - cfg.min_lr) * (
        1 + math.cos(math.pi * it / cfg.max_iters)) / 2, "no warm-up and no floor after max_iters"),
    (checks.check_train_loop, _loop_with(norm_type=1.0), "clipped with the 1-norm"),
    (checks.check_train_loop, _loop_with(multiply=True), "learning rate multiplied at every iteration"),
]


@pytest.mark.parametrize("check, wrong, name", WA43, ids=[m[2] for m in WA43])
def test_wa43_mistakes_are_named(check, wrong, name):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)
    assert f"Mistake — {name}: " in str(info.value)


def test_a_schedule_whose_warm_up_ends_at_its_peak_passes(capsys):
    """(it + 1) / (warmup_iters + 1) up to it <= warmup_iters reaches learning_rate at it = warmup_iters,
    where the cosine starts from it anyway: the same schedule (wa43)."""
    def schedule(it, cfg):
        if it <= cfg.warmup_iters:
            return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
        return student_schedule(it, cfg)
    checks.check_lr_schedule(schedule)
    assert "✓ lr_at_step" in capsys.readouterr().out


def _schedule_in_float32(it, cfg, where):
    """A student's schedule with torch.cos of a float32 tensor (the form cell's 'math.cos, not torch.cos'
    unheeded, and the 'tensor instead of float' hint's .item() followed)."""
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    cos = torch.cos(torch.tensor(math.pi * (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)))
    if where == "cos":
        return cfg.min_lr + 0.5 * (1 + cos.item()) * (cfg.learning_rate - cfg.min_lr)
    return (cfg.min_lr + 0.5 * (1 + cos) * (cfg.learning_rate - cfg.min_lr)).item()


@pytest.mark.parametrize("where", ["cos", "decay"])
def test_a_schedule_computed_in_float32_is_named(where):
    """ch60's d04-lr-torch: torch.cos(torch.tensor(angle)).item() in the cosine was told only that a rate
    differs in its 8th digit ('expected 0.9901664203302125, got 0.9901664316654205'), no mistake named."""
    with pytest.raises(CheckFailed) as info:
        checks.check_lr_schedule(lambda it, cfg: _schedule_in_float32(it, cfg, where))
    assert "float32 arithmetic" in str(info.value) and "math.cos" in str(info.value), str(info.value)
def _cell_parts(gate_act=torch.sigmoid, cand_act=torch.tanh, squash=torch.tanh, update="add", keep_squashed=False):
    def cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
        H = h.shape[1]
        z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
        i, f, o = gate_act(z[:, :H]), gate_act(z[:, H:2 * H]), gate_act(z[:, 3 * H:])
        g = cand_act(z[:, 2 * H:3 * H])
        c2 = f * c + i * g if update == "add" else f * c * i * g
        if keep_squashed:
            c2 = torch.tanh(c2)
            return o * c2, c2
        return o * squash(c2), c2
    return cell


WA46 = [  # (each was told only the values that differ: wa46)
    (checks.check_lstm_cell, _cell_parts(gate_act=lambda z: 1 / (1 + torch.exp(z))), "sigmoid without its minus sign"),
    (checks.check_lstm_cell, _cell_parts(gate_act=lambda z: (torch.tanh(z) + 1) / 2),
     "sigmoid from tanh without halving z"),
    (checks.check_lstm_cell, _cell_parts(cand_act=lambda z: 2 * torch.sigmoid(z) - 1,
                                         squash=lambda z: 2 * torch.sigmoid(z) - 1), "tanh from sigmoid without doubling z"),
    (checks.check_lstm_cell, _cell_parts(gate_act=F.hardsigmoid), "hard sigmoid on the gates"),
    (checks.check_lstm_cell, _cell_parts(gate_act=lambda z: z.softmax(dim=1)), "softmax on the gates"),
    (checks.check_lstm_cell, _cell_parts(squash=torch.relu), "relu of c instead of tanh"),
    (checks.check_lstm_cell, _cell_parts(update="multiply"), "cell update multiplied"),
    (checks.check_lstm_cell, _cell_parts(keep_squashed=True), "cell state squashed"),
    (checks.check_lstm_cell, lambda x, h, c, *w: student_cell(x, c, h, *w), "h and c parameters swapped"),
    (checks.check_train_loop, lambda *args: (lambda out: [sum(out[:i + 1]) / (i + 1) for i in range(len(out))])(
        _loop_with()(*args)), "running average of the losses"),
    (checks.check_lr_schedule, lambda it, cfg: (
        cfg.learning_rate * ((it + 1) / (cfg.warmup_iters + 1)) ** 2 if it < cfg.warmup_iters else
        cfg.min_lr + 0.5 * (1 + math.cos(math.pi * min(1.0, (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters))))
        * (cfg.learning_rate - cfg.min_lr)), "quadratic warm-up"),
]


@pytest.mark.parametrize("check, wrong, name", WA46, ids=[m[2] for m in WA46])
def test_wa46_mistakes_are_named(check, wrong, name):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)
    assert f"Mistake — {name}: " in str(info.value)
