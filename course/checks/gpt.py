"""Self-checks for lesson 05 (from a bigram model to a GPT): ``from course.checks import gpt as checks``.

    checks.check_bigram_forward(bigram_forward)
    checks.check_bigram_forward_form(bigram_forward)
    checks.check_causal_average(causal_average)
    checks.check_block_forward(block_forward)
    checks.check_gpt_forward(gpt_forward)

Each compares your function with the course's reference on random cases and, when your answer equals
a common wrong version, says which mistake that is.
"""
from __future__ import annotations

import copy
import math
import os
import types

import torch
import torch.nn as nn
import torch.nn.functional as F

from course.checks._core import (Mistake, check_gradient, describe, difference, failure, first_named,
                                 form_call, missing_name, raised, run_check, two_at_once)
from course.gpt import GPT, MLP, Block, CausalSelfAttention, GPTConfig, bigram_forward, causal_average


# ---------------------------------------------------------------------------------------------------
# bigram_forward(table, idx, targets) -> (logits, loss)

def _bigram_cases():
    gen = torch.Generator().manual_seed(6)
    cases = []
    for V, B, T in ((5, 2, 3), (11, 3, 4), (65, 4, 8)):
        table = 2 * torch.randn(V, V, generator=gen)
        cases.append((table, torch.randint(0, V, (B, T), generator=gen), torch.randint(0, V, (B, T), generator=gen)))
    cases.append((torch.randn(7, 7, generator=gen), torch.randint(0, 7, (2, 5), generator=gen), None))
    # a batch of one sequence (the hidden tests have them): logits.squeeze() would drop its dimension
    one = torch.Generator().manual_seed(61)
    cases.append((torch.randn(6, 6, generator=one), torch.randint(0, 6, (1, 3), generator=one),
                  torch.randint(0, 6, (1, 3), generator=one)))
    return cases


def _flat(logits, targets):
    B, T, V = logits.shape
    return logits.reshape(B * T, V), targets.reshape(B * T)


def _bigram_with(table, idx, targets, *, softmax_first=False, transposed=False, flat_logits=False,
                 time_major=False, reduction="mean", smoothing=0.0, last_only=False, per_sequence=False,
                 shifted=False):
    logits = (table.T if transposed else table)[idx]
    if shifted:  # each row's largest score subtracted from the logits returned
        logits = logits - logits.max(dim=-1, keepdim=True).values
    if targets is None:
        return logits, None
    scores = F.softmax(logits, dim=-1) if softmax_first else logits
    if last_only:  # the loss of the last position alone
        return logits, F.cross_entropy(scores[:, -1, :], targets[:, -1])
    if per_sequence:  # summed, then divided by B alone
        return logits, F.cross_entropy(*_flat(scores, targets), reduction="sum") / idx.shape[0]
    if smoothing:
        return logits, F.cross_entropy(*_flat(scores, targets), label_smoothing=smoothing)
    if time_major:  # (T, B, V) flattened against (B, T) targets: rows and targets no longer line up
        loss = F.cross_entropy(scores.transpose(0, 1).reshape(-1, scores.shape[-1]), targets.reshape(-1))
    else:
        loss = F.cross_entropy(*_flat(scores, targets), reduction=reduction)
    return (_flat(logits, targets)[0] if flat_logits else logits), loss


def _shifted_loss(logits, labels, cut):
    """The mean cross-entropy of the logits of positions 0..T-2 against the labels of 1..T-1 (``cut=1``),
    or of positions 1..T-1 against 0..T-2 (``cut=-1``); ``cut=0``: no shift."""
    if cut == 1:
        logits, labels = logits[:, :-1], labels[:, 1:]
    elif cut == -1:
        logits, labels = logits[:, 1:], labels[:, :-1]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))


# F.embedding(table, idx) fails before it returns anything: torch reads the float table as the indices.
# Named when the answer raises exactly what that call raises on the same case.
EMBEDDING_SWAPPED = Mistake("arguments of F.embedding swapped", "F.embedding(idx, table) — indices first, then "
                            "the weight; F.embedding(table, idx) reads the float table as the ids (or index the "
                            "table: logits = table[idx]).", lambda t, i, y=None: (F.embedding(t, i), None),
                            same_error=True)


# F.one_hot gives int64, and a matrix product of int64 with the float table fails before there is a result.
ONE_HOT_INT64 = Mistake("one_hot is int64", "F.one_hot returns an int64 tensor, and @ refuses to multiply it with "
                        "the float32 table: make it float first, F.one_hot(idx, V).float() @ table, or simply "
                        "index the table, logits = table[idx].",
                        lambda t, i, y=None: (F.one_hot(i, t.shape[0]) @ t, None), same_error=True)


def check_bigram_forward(student_fn):
    """``student_fn(table, idx, targets)``: ``logits = table[idx]`` of shape (B, T, V) and the mean
    cross-entropy against ``targets`` (B, T); returns ``(logits, loss)``, ``(logits, None)`` when
    ``targets`` is None."""
    mistakes = [
        Mistake("index_select with a 2-D index", "index_select takes a 1-D index, and idx is (B, T): index the "
                "table directly, table[idx], which gives (B, T, V).", error="Index is supposed to be a vector"),
        Mistake("softmax before cross-entropy", "softmax was applied before cross-entropy: F.cross_entropy takes raw logits and applies "
                "log-softmax itself.", lambda t, i, y: _bigram_with(t, i, y, softmax_first=True)),
        Mistake("(T, B) instead of (B, T)", "the logits were reshaped along the wrong axes, so each row of scores meets another "
                "position's target: use logits.view(B*T, V) with targets.view(B*T), no transpose.",
                lambda t, i, y: _bigram_with(t, i, y, time_major=True)),
        Mistake("flattened logits returned", "return the logits with shape (B, T, V); flatten them to (B*T, V) only for the loss.",
                lambda t, i, y: _bigram_with(t, i, y, flat_logits=True)),
        Mistake("flattened logits returned", "return the logits with shape (B, T, V); flatten them to (B*T, V) only for the loss.",
                lambda t, i, y: (t[i].reshape(-1, t.shape[1]), None) if y is None
                else _bigram_with(t, i, y, flat_logits=True)),
        Mistake("column instead of row", "the scores of the token after token i are ROW i of the table (table[idx]), not column i.",
                lambda t, i, y: _bigram_with(t, i, y, transposed=True)),
        Mistake("sum instead of mean", "the losses were summed: take the mean over all B*T positions.",
                lambda t, i, y: _bigram_with(t, i, y, reduction="sum")),
        Mistake("loss as a Python float", "return the loss as a scalar tensor (what F.cross_entropy returns), "
                "not .item(): training needs its gradient.",
                lambda t, i, y: (lambda lo, l: (lo, l if l is None else l.item()))(*bigram_forward(t, i, y)),
                credit=0.5),
        Mistake("targets=None not handled", "without targets there is no loss to compute: `if targets is None: "
                "return logits, None` before the cross-entropy.", error="NoneType",
                on=lambda table, idx, targets: targets is None),
        Mistake("logits alone without targets", "without targets return the pair (logits, None), not the logits "
                "alone: the caller always unpacks two values.",
                lambda t, i, y: bigram_forward(t, i, y)[0] if y is None else bigram_forward(t, i, y)),
        Mistake("(loss, logits) instead of (logits, loss)", "return the logits first, then the loss: "
                "return logits, loss.", lambda t, i, y: bigram_forward(t, i, y)[::-1] if y is not None
                else bigram_forward(t, i, y)),
        Mistake("float targets", "the targets are class ids: pass them as they come, torch.long (.view(B*T), no "
                ".float()); F.cross_entropy reads float targets as probabilities, one per class.",
                error="expected target dtype to be Long"),
        Mistake("classes on the wrong axis", "F.cross_entropy reads the classes from dim 1: flatten the "
                "(B, T, V) logits to (B*T, V) and the targets to (B*T,) first, logits.view(B*T, V), "
                "targets.view(B*T).", error="Expected target size"),
        Mistake("nll_loss on logits", "nll_loss expects log-probabilities: use F.cross_entropy on the logits "
                "(or F.log_softmax first).", lambda t, i, y: (t[i], None) if y is None
                else (t[i], F.nll_loss(*_flat(t[i], y)))),
        Mistake("nll_loss on probabilities", "nll_loss expects LOG-probabilities: softmax gives probabilities; use "
                "F.cross_entropy on the logits (or F.log_softmax, not F.softmax, before nll_loss).",
                lambda t, i, y: (t[i], None) if y is None else (t[i], F.nll_loss(*_flat(F.softmax(t[i], dim=-1), y)))),
        Mistake("targets tested for truth", "`if not targets` (or `if targets`) asks a whole tensor for one "
                "True/False: test `if targets is None:`.", error="Boolean value of Tensor",
                on=lambda table, idx, targets: targets is not None),
        *[Mistake("loss against the inputs", "the loss compares each position's logits with targets, the tokens "
                  "that come NEXT: F.cross_entropy(logits.view(B*T, V), targets.view(B*T)), not with idx "
                  "(shifted or not).",
                  lambda t, i, y, cut=cut: (t[i], None if y is None else _shifted_loss(t[i], i, cut)))
          for cut in (0, 1)],
        *[Mistake("probabilities returned", "return the raw scores, logits = table[idx], and give F.cross_entropy "
                  "the raw scores too: softmax is for sampling, and cross_entropy applies log-softmax itself.",
                  lambda t, i, y, loss_of=loss_of: (F.softmax(t[i], dim=-1), None if y is None
                                                    else F.cross_entropy(*_flat(loss_of(t[i]), y))))
          for loss_of in (lambda logits: logits, lambda logits: F.softmax(logits, dim=-1))],
        # (T where V belongs: B*V rows of T scores against B*T targets; the same error as targets left
        # unflattened, so the wrong versions come first)
        *[Mistake("logits flattened to the wrong width", "each row of scores must hold the V scores of one "
                  "position: logits.view(B*T, V), with V = logits.shape[-1] (the vocabulary size, not T), against "
                  "targets.view(B*T).", lambda t, i, y, rows=rows: (t[i], None if y is None else F.cross_entropy(
                      t[i].reshape(rows(*i.shape), i.shape[1]), y.reshape(-1))), same_error=True)
          for rows in (lambda B, T: -1, lambda B, T: B * T)],
        # (the classes moved to dim 1, logits.transpose(1, 2), and the targets transposed too: wa43)
        Mistake("targets transposed", "with the scores as (B, V, T), logits.transpose(1, 2), F.cross_entropy wants "
                "the targets as they are, (B, T): targets.T is (T, B), each position's ids across the batch. Pass "
                "targets itself (or flatten both: logits.view(B*T, V), targets.view(B*T)).",
                lambda t, i, y: (t[i], None if y is None else F.cross_entropy(t[i].transpose(1, 2), y.T)),
                same_error=True),
        Mistake("targets not flattened", "F.cross_entropy needs as many targets as rows of scores: flatten both, "
                "logits.view(B*T, V) and targets.view(B*T).", error="to match target batch_size"),
        Mistake("targets transposed", "targets.T (or transpose(0, 1)) is (T, B): flattened, its ids run position by "
                "position across the batch, while the rows of logits.view(B*T, V) run sequence by sequence, so most "
                "rows meet another position's target. Flatten both as they are: targets.view(B*T).",
                lambda t, i, y: (t[i], None if y is None else F.cross_entropy(*_flat(t[i], y.T.reshape(y.shape))))),
        Mistake("token 0 ignored", "ignore_index=0 leaves out every target 0, and 0 is a real character's id (the "
                "vocabulary's first): every position counts here, so call F.cross_entropy without ignore_index.",
                lambda t, i, y: (t[i], None if y is None else F.cross_entropy(*_flat(t[i], y), ignore_index=0))),
        *[Mistake("divided by B*T again", "F.cross_entropy already averages over the B*T positions: don't divide "
                  "its result by B * T (or B, or T) again.",
                  lambda t, i, y, dim=dim: (t[i], None if y is None else F.cross_entropy(*_flat(t[i], y)) / i.shape[dim]))
          for dim in (1, 0)],
        Mistake("divided by B*T again", "F.cross_entropy already averages over the B*T positions: don't divide "
                "its result by B * T (or B, or T) again.",
                lambda t, i, y: (lambda lo, loss: (lo, loss if loss is None else loss / i.numel()))(
                    *_bigram_with(t, i, y))),
        *[Mistake("targets shifted again", "targets are already the next tokens (targets[b, t] follows idx[b, t]): "
                  "compare every position's logits with targets as they are, without shifting either by one.",
                  lambda t, i, y, cut=cut: (t[i], None if y is None else _shifted_loss(t[i], y, cut)))
          for cut in (1, -1)],
        Mistake("table called like a module", "table is a tensor, not an nn.Embedding: index it, logits = "
                "table[idx], to pick row idx[b, t] for every position.", error="'Tensor' object is not callable"),
        Mistake("loss not averaged", "reduction='none' gives one loss per position: the loss is one number, the "
                "mean over all B*T positions (F.cross_entropy's default).",
                lambda t, i, y: _bigram_with(t, i, y, reduction="none")),
        EMBEDDING_SWAPPED,
        Mistake("label smoothing", "the loss is plain cross-entropy: F.cross_entropy(logits, targets) without "
                "label_smoothing, which a training recipe may add but the bigram's loss does not have.",
                lambda t, i, y: _bigram_with(t, i, y, smoothing=0.1)),
        Mistake("loss of the last position only", "every position predicts its next token, and the loss is the mean "
                "over all B*T of them: flatten logits to (B*T, V) and targets to (B*T,), not [:, -1].",
                lambda t, i, y: _bigram_with(t, i, y, last_only=True)),
        Mistake("sum divided by B", "the mean is over all B*T positions: F.cross_entropy's default reduction, not "
                "the sum divided by the batch size alone.", lambda t, i, y: _bigram_with(t, i, y, per_sequence=True)),
        Mistake("logits shifted", "return the scores as they are, logits = table[idx]: F.cross_entropy is stable by "
                "itself, and the logits you return are used elsewhere (to sample) as they are.",
                lambda t, i, y: _bigram_with(t, i, y, shifted=True)),
        Mistake("one_hot without num_classes", "F.one_hot(idx) is only as wide as the largest id in idx plus one, "
                "and a batch need not hold the last token of the vocabulary: F.one_hot(idx, num_classes=V), or "
                "simply logits = table[idx].", lambda t, i, y: _bigram_one_hot(t, i, y), same_error=True),
        Mistake("targets as an index on the last dimension", "log_probs[..., targets] picks every target for "
                "every position, a (B, T, B, T) block, not each position's own: take "
                "log_probs.gather(-1, targets.unsqueeze(-1)), or F.cross_entropy(logits.view(B*T, V), "
                "targets.view(B*T)).", lambda t, i, y: (t[i], None if y is None else
                                                         -F.log_softmax(t[i], dim=-1)[..., y].mean())),
        ONE_HOT_INT64,
        Mistake("squared error against one-hot targets", "the loss is the cross-entropy of the next token, "
                "F.cross_entropy(logits.view(B*T, V), targets.view(B*T)): the mean squared error between the raw "
                "scores and one-hot rows pulls every score towards 0 or 1 instead of making the right token "
                "likely under the softmax.", lambda t, i, y: (t[i], None if y is None else F.mse_loss(
                    t[i].reshape(-1, t.shape[1]), F.one_hot(y.reshape(-1), t.shape[1]).to(t.dtype)))),
        Mistake("log-softmax over the wrong dimension", "each position's V scores are normalised along the LAST "
                "dimension of the (B, T, V) logits: logits.log_softmax(dim=-1) (or logsumexp(dim=-1)), not dim=1, "
                "which runs along the positions. Simpler: F.cross_entropy(logits.view(B*T, V), targets.view(B*T)).",
                lambda t, i, y: (t[i], None if y is None else -(t[i] - t[i].logsumexp(dim=1, keepdim=True)).gather(
                    -1, y.unsqueeze(-1)).mean())),
        Mistake("targets as a column", "F.cross_entropy takes the targets as one id per row of scores, shape "
                "(B*T,): targets.view(B*T) (or .view(-1)), not a (B*T, 1) column.",
                error="multi-target not supported"),
        # (sequence_loss's check names the same, lesson 04: wa39)
        Mistake("perplexity instead of the loss", "you returned exp(loss), the perplexity: return the mean "
                "cross-entropy itself, F.cross_entropy(logits.view(B*T, V), targets.view(B*T)) (training takes its "
                "gradient; the perplexity is exp of it, for reading).",
                lambda t, i, y: (t[i], None if y is None else F.cross_entropy(*_flat(t[i], y)).exp())),
        Mistake("sign lost", "the loss is the NEGATIVE mean log-probability of the targets, a positive number (ln V "
                "for uniform scores): F.cross_entropy includes the minus, so don't negate it (and -log_softmax(...)"
                ".gather(...).mean() needs it).",
                lambda t, i, y: (t[i], None if y is None else -F.cross_entropy(*_flat(t[i], y)))),
        Mistake("loss in bits", "the loss is in nats, the natural log that F.cross_entropy and log_softmax use "
                "(ln V for uniform scores): don't divide by ln 2.",
                lambda t, i, y: (t[i], None if y is None else F.cross_entropy(*_flat(t[i], y)) / math.log(2))),
        Mistake("reshaped to (B, V, T) instead of transposed", "cross_entropy takes the classes in dim 1, "
                "(B, V, T): that is logits.transpose(1, 2), which moves the vocabulary; reshape(B, V, T) keeps the "
                "order of the numbers and cuts it into other rows, mixing positions and scores.",
                lambda t, i, y: (t[i], None if y is None else F.cross_entropy(
                    t[i].reshape(i.shape[0], t.shape[1], i.shape[1]), y))),
        Mistake("binary cross-entropy", "binary cross-entropy treats every vocabulary entry as a yes/no question of "
                "its own (a sigmoid each), not one choice among V (a softmax): for the next token use "
                "F.cross_entropy(logits.view(B*T, V), targets.view(B*T)).",
                lambda t, i, y: (t[i], None if y is None else F.binary_cross_entropy_with_logits(
                    t[i], F.one_hot(y, t.shape[1]).to(t.dtype)))),
    ]
    single = first_named(mistakes)
    mistakes += two_at_once([(single["softmax before cross-entropy"], "softmax_first", lambda *a: True),
                             (single["column instead of row"], "transposed", lambda *a: True),
                             (single["sum instead of mean"], "reduction", lambda *a: "sum"),
                             (single["(T, B) instead of (B, T)"], "time_major", lambda *a: True),
                             (single["flattened logits returned"], "flat_logits", lambda *a: True),
                             (single["loss of the last position only"], "last_only", lambda *a: True)],
                            lambda args, knobs: _bigram_with(*args, **knobs))
    # (the table is the model's parameters, idx and targets the caller's batch)
    run_check("bigram_forward", student_fn, bigram_forward, _bigram_cases(), mistakes=mistakes, unchanged=True)
    table, idx, targets = _bigram_cases()[1]
    check_gradient("bigram_forward", student_fn, bigram_forward, (table, idx, targets), wrt=0,
                   pick=lambda out: out[1])


def _bigram_one_hot(table, idx, targets):
    logits = F.one_hot(idx).float() @ table  # the mistake: as many columns as the largest id present, plus one
    return logits, None if targets is None else F.cross_entropy(*_flat(logits, targets))


def check_bigram_forward_form(student_fn):
    """The form test's calls, with and without targets, in words: what they raised (where, and which
    mistake), or what is wrong with the form of the result ((logits (B, T, V), a scalar loss tensor), or
    (logits, None)). Only what the form test grades; the values are the value test's."""
    gen = torch.Generator().manual_seed(5)  # (not torch's global generator: the lesson's cells use that)
    table, idx = torch.randn(5, 5, generator=gen), torch.randint(0, 5, (3, 4), generator=gen)
    targets = torch.randint(0, 5, (3, 4), generator=gen)
    where = "bigram_forward: the form of the result, for a (5, 5) table and (3, 4) ids"
    out = form_call("bigram_forward", student_fn, (table, idx, targets), [EMBEDDING_SWAPPED, ONE_HOT_INT64])
    if type(out) is not tuple or len(out) != 2:
        raise failure(where, f"return the tuple (logits, loss), got {describe(out)}")
    if type(out[0]) is not torch.Tensor or out[0].shape != (3, 4, 5):
        raise failure(where, f"the logits must be a (B, T, V) = (3, 4, 5) tensor, got {describe(out[0])}")
    if type(out[1]) is not torch.Tensor or out[1].dim() != 0:
        raise failure(where, f"the loss must be a scalar tensor, got {describe(out[1])}")
    out = form_call("bigram_forward", student_fn, (table, idx), [EMBEDDING_SWAPPED, ONE_HOT_INT64])
    if type(out) is not tuple or len(out) < 2 or out[1] is not None:
        raise failure(where, f"without targets return (logits, None), got {describe(out)}")


# ---------------------------------------------------------------------------------------------------
# causal_average(x) -> (B, T, C)

def _average_with(x, *, triangle="lower", softmax_dim=-1, normalise=True):
    T = x.shape[1]
    ones = torch.ones(T, T, dtype=torch.bool)
    allowed = {"lower": ones.tril(), "upper": ones.triu(), "strict": ones.tril(-1), "none": ones,
               "future": ones.triu(1), "next": ones.tril(1)}[triangle]
    scores = torch.zeros(T, T, dtype=x.dtype).masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=softmax_dim) if normalise else allowed.to(x.dtype)
    return weights @ x


def _average_weights(x):
    """The (T, T) weights of the causal average of x (B, T, C): row t is 1 / (t + 1) on columns 0..t."""
    T = x.shape[1]
    scores = torch.zeros(T, T, dtype=x.dtype).masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return torch.softmax(scores, dim=-1)


def _average_cases():
    gen = torch.Generator().manual_seed(7)
    # (the last: one channel, as some of the hidden tests' x have: a .squeeze() drops it)
    return [(torch.randn(B, T, C, generator=gen),) for B, T, C in ((1, 4, 2), (2, 6, 3), (3, 8, 5), (2, 1, 4), (3, 5, 1))]


def _average_length_from(dim):
    """causal_average with T read from the wrong dimension of x: (T, T) weights that do not fit x."""
    def wrong(x):
        T = x.shape[dim]
        scores = torch.zeros(T, T).masked_fill(torch.ones(T, T).tril() == 0, float("-inf"))
        return F.softmax(scores, dim=-1) @ x
    return wrong


def _average_of_length(n):
    """causal_average with (n, n) weights whatever x's length: the notebook's T = 8 read inside the function."""
    def wrong(x):
        scores = torch.zeros(n, n).masked_fill(torch.ones(n, n).tril() == 0, float("-inf"))
        return F.softmax(scores, dim=-1) @ x
    return wrong


def check_causal_average(student_fn):
    """``student_fn(x)`` with ``x`` of shape (B, T, C) returns (B, T, C): row ``t`` of each sequence is the
    mean of rows ``0..t`` (itself and the past, never the future)."""
    run_check("causal_average", student_fn, causal_average, _average_cases(), mistakes=[
        Mistake("weights returned", "you returned the (T, T) weights; the result is those weights applied to x: "
                "F.softmax(scores, dim=-1) @ x, (B, T, C).", _average_weights),
        Mistake("integer scores", "torch.zeros(T, T, dtype=torch.long) (or a tril of ints) cannot hold -inf: make "
                "the scores floats, torch.zeros(T, T), then masked_fill(tril == 0, float('-inf')).",
                error="cannot be converted to type int64_t"),
        Mistake("includes the future", "this averages the FUTURE: keep the lower triangle (torch.tril), where row t allows "
                "columns 0..t.", lambda x: _average_with(x, triangle="upper")),
        Mistake("normalised over the wrong dimension", "the weights were normalised over the wrong dimension: each ROW must sum to 1, "
                "so softmax over the last dimension (dim=-1).", lambda x: _average_with(x, softmax_dim=0)),
        Mistake("sums instead of means", "these are sums, not means: normalise each row of the mask (softmax of the masked "
                "scores, or divide by the row sums).", lambda x: _average_with(x, normalise=False)),
        Mistake("counts in reverse order", "position t is the mean of t + 1 values: divide the running sum by "
                "torch.arange(1, T + 1), the counts 1, 2, .., T; torch.arange(T, 0, -1) counts down.",
                lambda x: x.cumsum(1) / torch.arange(x.shape[1], 0, -1, dtype=x.dtype).view(1, -1, 1)),
        Mistake("no mask", "no mask: every position sees the whole sequence; mask the future with -inf before the "
                "softmax. (masked_fill returns a NEW tensor: on a line of its own it leaves scores as they were; "
                "keep it, scores = scores.masked_fill(tril == 0, float('-inf')).)",
                lambda x: _average_with(x, triangle="none")),
        Mistake("the next position included", "torch.tril(..., diagonal=1) also keeps the first diagonal above the main "
                "one: row t then averages 0..t+1, one step of the future. Use torch.tril(torch.ones(T, T)), diagonal 0.",
                lambda x: _average_with(x, triangle="next")),
        Mistake("diagonal missing", "position t must include itself: torch.tril keeps the diagonal (tril(-1) drops it, and the "
                "first row then has nothing to average).", lambda x: _average_with(x, triangle="strict")),
        Mistake("divided by T", "every row was divided by the full length T; row t averages t + 1 "
                "positions, so divide by t + 1 (or normalise each row of the mask).",
                lambda x: _average_with(x, normalise=False) / x.shape[1]),
        Mistake("float64 result", "the values are right but the result is float64: build the weights "
                "with x's dtype (torch.ones(T, T) is float32), or .to(x.dtype).",
                lambda x: causal_average(x).double(), credit=0.5),
        Mistake("* instead of @", "* multiplies element by element, and broadcasting lines the (T, T) weights' "
                "columns up with x's channels (C): averaging the positions is a matrix product, weights @ x.",
                lambda x: _average_weights(x) * x, same_error=True),
        Mistake("product in the wrong order", "x @ weights multiplies x's channels (B, T, C) by the (T, T) "
                "weights, which only fits when C == T: the weights mix the POSITIONS, so they go on the left, "
                "weights @ x.", lambda x: x @ _average_weights(x), same_error=True),
        Mistake("divided along the wrong axis", "torch.arange(1, T + 1) has shape (T,), so broadcasting lines it "
                "up with the LAST dimension of x (C), not the positions: make it a column, "
                "torch.arange(1, T + 1).view(T, 1) (or [:, None]).",
                lambda x: x.cumsum(dim=1) / torch.arange(1, x.shape[1] + 1), error="must match the size of tensor"),
        Mistake("counts start at 0", "position t averages t + 1 rows (0..t): divide by torch.arange(1, T + 1), "
                "not torch.arange(T), which divides the first row by 0.",
                lambda x: x.cumsum(dim=1) / torch.arange(x.shape[1]).view(1, -1, 1)),
        Mistake("stacked along the wrong dimension", "torch.stack puts the new dimension first: the rows of "
                "the T positions must go along dim 1, torch.stack(rows, dim=1), to give (B, T, C).",
                lambda x: causal_average(x).transpose(0, 1)),
        Mistake("x overwritten in place", "writing the averages into x (x[:, t] = ...) changes the rows that "
                "later positions still need to average: build a new tensor for the result.", _average_in_place),
        Mistake("mask hides the past", "masked_fill fills where its condition is True: fill -inf where "
                "tril == 0 (the future), not where tril == 1.", lambda x: _average_with(x, triangle="future")),
        Mistake("softmax of the 0/1 mask", "softmax of ones and zeros still gives the zeros weight (exp(0) = 1): "
                "set the future to -inf before the softmax, masked_fill(tril == 0, float('-inf')), or divide the "
                "0/1 mask by its row sums.",
                lambda x: F.softmax(torch.ones(x.shape[1], x.shape[1], dtype=x.dtype).tril(), dim=-1) @ x),
        Mistake("running maximum", "cummax keeps the largest value so far: the exercise wants the running MEAN, "
                "x.cumsum(dim=1) divided by the number of positions so far, t + 1.",
                lambda x: x.cummax(dim=1).values),
        Mistake("torch.bmm with (T, T) weights", "torch.bmm multiplies two 3-D batches, and the weights are one "
                "(T, T) matrix: weights @ x broadcasts it over the batch (or expand it to (B, T, T) first).",
                lambda x: torch.bmm(torch.ones(x.shape[1], x.shape[1], dtype=x.dtype).tril(), x), same_error=True),
        *[Mistake("running sum along the wrong dimension", "the positions are dim 1 of x (B, T, C): "
                  "x.cumsum(dim=1), then divide by the counts 1..T along that same dimension.",
                  lambda x, dim=dim: x.cumsum(dim=dim) / torch.arange(1, x.shape[1] + 1, dtype=x.dtype).view(1, -1, 1))
          for dim in (0, 2)],
        *[Mistake("T from the wrong dimension", f"x is (B, T, C), so the number of positions is x.shape[1] "
                  f"(B, T, C = x.shape); x.shape[{dim}] is {what}, and (T, T) weights must match the positions.",
                  _average_length_from(dim), same_error=True) for dim, what in ((0, "the batch size"), (2, "the channels"))],
        Mistake("integer division", "// rounds every weight below 1 down to 0 (1 // 3 is 0): divide with /, "
                "tril / tril.sum(1, keepdim=True).",
                lambda x: (lambda m: m // m.sum(1, keepdim=True))(torch.ones(x.shape[1], x.shape[1], dtype=x.dtype).tril()) @ x),
        Mistake("weights on the wrong side", "the (T, T) weights mix the POSITIONS, so they multiply x from the "
                "left, weights @ x: row t of the weights averages rows 0..t of x. x.transpose(1, 2) @ weights uses "
                "the weights' COLUMNS instead, so position t mixes itself with the later positions.",
                lambda x: (x.transpose(1, 2) @ F.softmax(torch.zeros(x.shape[1], x.shape[1], dtype=x.dtype).masked_fill(
                    torch.ones(x.shape[1], x.shape[1], dtype=torch.bool).tril().logical_not(), float("-inf")),
                    dim=-1)).transpose(1, 2)),
        Mistake("counts one short", "position t averages t + 1 rows (0..t): divide the running sum by "
                "torch.arange(1, T + 1). torch.arange(T).clamp(min=1) puts right only the first row's count; "
                "every later row t is divided by t, one too few.",
                lambda x: x.cumsum(dim=1) / torch.arange(x.shape[1]).clamp(min=1).view(1, -1, 1)),
        Mistake("mean over the batch", "x[:, :t + 1] is (B, t + 1, C): its positions are dim 1, so the mean of "
                "positions 0..t is x[:, :t + 1].mean(dim=1); mean(dim=0) averages over the sequences of the batch.",
                _average_loop(mean_dim=0), same_error=True),
        Mistake("mean over the batch", "x[:, :t + 1] is (B, t + 1, C): its positions are dim 1, so the mean of "
                "positions 0..t is x[:, :t + 1].mean(dim=1); mean(dim=0) averages over the sequences of the batch.",
                _average_loop(mean_dim=0)),
        # (wa43: Karpathy's xbow loop, xprev = x[b, :t + 1], averaged over its channels)
        Mistake("mean over the channels", "x[b, :t + 1] is (t + 1, C): its positions are dim 0, so the mean of "
                "positions 0..t is x[b, :t + 1].mean(dim=0), a (C,) row; mean(dim=1) averages the channels.",
                _average_rows_loop(mean_dim=1), same_error=True),
        Mistake("mean over the channels", "x[:, :t + 1] is (B, t + 1, C): its positions are dim 1, so the mean "
                "of positions 0..t is x[:, :t + 1].mean(dim=1), (B, C); mean(dim=2) averages the channels.",
                _average_loop(mean_dim=2), same_error=True),
        Mistake("scores from x", "the causal average gives every position 0..t the SAME weight: its scores are "
                "zeros, torch.zeros(T, T), before the mask and the softmax. Scores from x @ x.transpose(-2, -1) "
                "weigh the positions by their content: that is self-attention, the next section.",
                lambda x: torch.softmax((x @ x.transpose(-2, -1)).masked_fill(
                    torch.ones(x.shape[1], x.shape[1], dtype=torch.bool).triu(1), float("-inf")), dim=-1) @ x),
        Mistake("scores from x", "the causal average gives every position 0..t the SAME weight: its scores are "
                "zeros, torch.zeros(T, T), before the mask and the softmax. Scores from x @ x.transpose(-2, -1), "
                "scaled by √C or not, weigh the positions by their content: that is self-attention, the next "
                "section.", lambda x: torch.softmax((x @ x.transpose(-2, -1) / x.shape[-1] ** 0.5).masked_fill(
                    torch.ones(x.shape[1], x.shape[1], dtype=torch.bool).triu(1), float("-inf")), dim=-1) @ x),
        Mistake("a dimension of size 1 squeezed", "x[:, :t + 1].mean(dim=1) is (B, C) whatever B and C are: "
                "with C = 1 a .squeeze() drops the channels and leaves (B,), which does not fit out[:, t], (B, 1). "
                "Keep the mean as it is, without .squeeze().", _average_loop(squeeze=True), same_error=True),
        Mistake("last position left out", "the loop stopped one position early, so the last position kept its "
                "initial zeros: loop over every position, for t in range(T) (T = x.shape[1]), not range(T - 1).",
                _average_loop(stop=-1)),
        Mistake("row sums without keepdim", "tril.sum(1) has shape (T,), which broadcasting lines up with the "
                "COLUMNS: keep the dimension, tril.sum(1, keepdim=True), so that each row is divided by its own sum.",
                lambda x: (lambda m: m / m.sum(1))(torch.ones(x.shape[1], x.shape[1], dtype=x.dtype).tril()) @ x),
        Mistake("positions sliced on the batch dimension", "x[:t + 1] slices the FIRST dimension of (B, T, C), the "
                "batch, not the positions: position t's past is x[:, :t + 1], and its mean x[:, :t + 1].mean(dim=1) "
                "(or, as the exercise asks, F.softmax(scores, dim=-1) @ x).",
                lambda x: torch.stack([x[:t + 1].mean(1) for t in range(x.shape[1])], dim=1)),
        *[Mistake("float mask in masked_fill", "masked_fill (and torch.where) take a BOOLEAN condition: tril == 0 is "
                  "one, while 1 - tril or tril itself are floats, which torch refuses. Write "
                  "scores.masked_fill(tril == 0, float('-inf')).", error=said)
          for said in ("only supports boolean masks", "where expected condition to be a boolean")],
        # (the notebook's T and block_size are 8; a product of (T, T) weights with x transposed raises alike, with
        # other sizes: named by the sizes in the message, not by its words)
        *[Mistake("weights of a fixed size", "build the (T, T) weights from x's own length, T = x.shape[1], inside the "
                  "function: a fixed size (8, block_size, or the notebook's T) fits only x of that length, and "
                  "causal_average is called on other lengths too.", _average_of_length(n), same_error=True)
          for n in (8, 16, 32, 64, 128, 256)],
    ], unchanged=True)  # (x.cumsum_(1) or x[:, t] += ... writes the average into the caller's x)
    # the attention it leads to trains through it: autograd must reach x
    check_gradient("causal_average", student_fn, causal_average, _average_cases()[1], wrt=0)


def _average_loop(mean_dim=1, stop=0, squeeze=False):
    """causal_average as a loop over the positions into a new tensor, but for the dimension of the mean,
    where the loop stops (``stop=-1``: range(T - 1)) or a ``.squeeze()`` of each row's mean (B, C)."""
    def wrong(x):
        out = torch.zeros_like(x)
        for t in range(x.shape[1] + stop):
            mean = x[:, :t + 1].mean(dim=mean_dim)
            out[:, t] = mean.squeeze() if squeeze else mean
        return out
    return wrong


def _average_rows_loop(mean_dim=0):
    """causal_average as Karpathy's loop over each sequence and position (xbow), but for the dimension of
    the mean of x[b, :t + 1], (t + 1, C)."""
    def wrong(x):
        out = torch.zeros_like(x)
        for b in range(x.shape[0]):
            for t in range(x.shape[1]):
                out[b, t] = x[b, :t + 1].mean(dim=mean_dim)
        return out
    return wrong


def _average_in_place(x):
    x = x.clone()
    for t in range(x.shape[1]):  # the mistake: row t is averaged over rows already overwritten
        x[:, t] = x[:, :t + 1].mean(dim=1)
    return x


# ---------------------------------------------------------------------------------------------------
# block_forward(x, ln_1, attn, ln_2, mlp) -> (B, T, C)

def _reference_block_forward(x, ln_1, attn, ln_2, mlp):
    block = Block.__new__(Block)  # the course's Block, holding the case's modules
    nn.Module.__init__(block)
    block.ln_1, block.attn, block.ln_2, block.mlp = ln_1, attn, ln_2, mlp
    return block(x)


def _block_cases():
    """Four blocks in eval mode, the third one's attention built with dropout (off in eval mode; the check
    switches it on afterwards, ``_in_training_mode``), the fourth one head over one position, as the hidden
    tests' first (a .squeeze() drops T)."""
    cases = []
    for seed, (B, T, C, nh) in enumerate(((1, 4, 8, 2), (2, 6, 12, 3), (3, 5, 16, 4), (3, 1, 8, 1))):
        torch.manual_seed(500 + seed)
        config = GPTConfig(vocab_size=10, block_size=8, n_layer=2, n_head=nh, n_embd=C,
                           dropout=0.2 if seed == 2 else 0.0)
        ln_1, ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        attn, mlp = CausalSelfAttention(config), MLP(config)
        with torch.no_grad():  # larger than at initialisation, and two different norms, so each place matters
            for module in (ln_1, ln_2, attn, mlp):
                for p in module.parameters():
                    p.normal_(0, 0.5)
        modules = [m.eval() for m in (ln_1, attn, ln_2, mlp)]
        cases.append((torch.randn(B, T, C), *modules))
    return cases


ATTENTION_TWICE = [
    Mistake("attention computed twice", "attn(ln_1(x)) is written out twice, so the attention runs twice (twice "
            "the work, and in training mode each run drops other weights, so the two results differ): keep it, "
            "x = x + attn(ln_1(x)), then x = x + mlp(ln_2(x)) on that x.", wrong)
    # (the two calls' dropout masks drawn in either order)
    for wrong in (lambda x, l1, a, l2, m: x + a(l1(x)) + m(l2(x + a(l1(x)))),
                  lambda x, l1, a, l2, m: (lambda h: x + a(l1(x)) + h)(m(l2(x + a(l1(x))))))]


MODE_CHANGED = Mistake("changes the modules' mode", "your function switches the attention to eval mode "
                       "(attn.eval(), or .train(False)): that turns its dropout off while the model trains, and "
                       "leaves it off for the caller. The caller chooses the mode, with model.train() or "
                       "model.eval(); block_forward only calls the modules it is given.")


def _in_training_mode(student_fn):
    """The ``after`` of ``check_block_forward``'s cases: a case whose attention has dropout runs again with the
    attention in training mode, under ``torch.manual_seed(0)`` (the caller's random numbers left as they were),
    for the student's block and the reference alike. Eval mode cannot tell one attention call from two; here
    each call draws its own dropout mask, as it does while the model trains."""
    def after(case):
        attn = case[2]
        if not any(isinstance(m, nn.Dropout) and m.p > 0 for m in attn.modules()):
            return None

        def run(fn, modules=None):
            args = copy.deepcopy(tuple(case))
            args[2].train()
            if modules is not None:
                modules.extend(args[1:])
            with torch.random.fork_rng(devices=[]), torch.no_grad():
                torch.manual_seed(0)
                return fn(*args)

        expected = run(_reference_block_forward)
        modules = []
        try:
            got = run(student_fn, modules)
        except Exception as error:
            return (f"with the attention in training mode (its dropout on, under torch.manual_seed(0)), "
                    f"{raised(error)}", missing_name(error))
        problem = difference(expected, got)
        if problem is None:
            return None
        named = next((m for m in ATTENTION_TWICE if difference(run(m.wrong), got) is None), None)
        if named is None and not modules[1].training:  # (the attention was handed over in training mode)
            named = MODE_CHANGED
        return f"with the attention in training mode (its dropout on, under torch.manual_seed(0)): {problem}", named
    return after


def _post_norm(x, ln_1, attn, ln_2, mlp):
    x = ln_1(x + attn(x))
    return ln_2(x + mlp(x))


def _block_with(x, ln_1, attn, ln_2, mlp, post=False, residual_1="x", residual_2="x", out_norm=False, norms=None,
                parallel=False, mlp_first=False):
    """The block with the common mistakes as knobs, for two of them at once (``two_at_once``): ``post``-norm,
    each sublayer's residual ("x", "none", or the "normalised" x), the output normalised again by ln_2, the
    LayerNorms each sublayer reads (``norms``), the MLP reading the block's input (``parallel``) or first (the
    attention's residual is still ``residual_1``, the MLP's ``residual_2``)."""
    first, second = zip((attn, mlp), norms or (ln_1, ln_2))
    if mlp_first:
        first, second = second, first
        residual_1, residual_2 = residual_2, residual_1
    sublayer, norm = first
    skip = {"x": x, "none": 0, "normalised": norm(x)}[residual_1]
    h = norm(skip + sublayer(x)) if post else skip + sublayer(norm(x))
    sublayer, norm = second
    read = x if parallel else h
    skip = {"x": h, "none": 0, "normalised": norm(h)}[residual_2]
    out = norm(skip + sublayer(read)) if post else skip + sublayer(norm(read))
    return ln_2(out) if out_norm else out


def check_block_forward(student_fn):
    """``student_fn(x, ln_1, attn, ln_2, mlp)``: a pre-LayerNorm transformer block,
    ``x = x + attn(ln_1(x))`` then ``x = x + mlp(ln_2(x))``; returns the new ``x`` (B, T, C)."""
    own_dropout = Mistake("dropout of your own", "F.dropout(x, p) drops values whatever the mode (its training "
                          "argument defaults to True), so the block gave another result on every call: the "
                          "sublayers attn and mlp already apply the model's dropout, which model.eval() switches "
                          "off; add none of your own.")
    with torch.no_grad():
        mistakes = [
            Mistake("post-norm", "this is the post-norm block of the original Transformer, ln(x + attn(x)); GPT-2 normalises "
                    "BEFORE each sublayer and adds to the raw x: x = x + attn(ln_1(x)).", _post_norm),
            Mistake("attention residual missing", "the residual connection around the attention is missing: x = x + attn(ln_1(x)), "
                    "not x = attn(ln_1(x)).",
                    lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(a(l1(x)))),
            # (h = attn(ln_1(x)); return x + mlp(ln_2(h)): the MLP reads the attention's output alone, wa42)
            Mistake("attention residual missing", "the residual connection around the attention is missing: the MLP "
                    "must read x = x + attn(ln_1(x)), the stream with the attention added, not attn(ln_1(x)) alone; "
                    "then x = x + mlp(ln_2(x)).", lambda x, l1, a, l2, m: x + m(l2(a(l1(x))))),
            Mistake("MLP residual missing", "the residual connection around the MLP is missing: x = x + mlp(ln_2(x)), "
                    "not x = mlp(ln_2(x)).",
                    lambda x, l1, a, l2, m: (lambda h: m(l2(h)))(x + a(l1(x)))),
            Mistake("output normalised again", "a block returns the residual stream itself, x after "
                    "x = x + mlp(ln_2(x)): no LayerNorm on the way out (the next block normalises its own input, "
                    "and the model's final ln_f comes after the last block).",
                    lambda x, l1, a, l2, m: (lambda h: l2(h + m(l2(h))))(x + a(l1(x)))),
            Mistake("MLP missing", "a block has two sublayers: after x = x + attn(ln_1(x)) comes x = x + mlp(ln_2(x)) "
                    "(a return before it leaves the MLP out).", lambda x, l1, a, l2, m: x + a(l1(x))),
            Mistake("attention missing", "a block has two sublayers: x = x + attn(ln_1(x)) first, then "
                    "x = x + mlp(ln_2(x)).", lambda x, l1, a, l2, m: x + m(l2(x))),
            Mistake("residual of the normalised x", "the residual adds the NORMALISED x: add the sublayer's output to x itself, "
                    "x = x + attn(ln_1(x)), so the stream is never normalised in place.",
                    lambda x, l1, a, l2, m: (lambda h: l2(h) + m(l2(h)))(l1(x) + a(l1(x)))),
            Mistake("norms swapped", "ln_1 and ln_2 are swapped: ln_1 goes before the attention, ln_2 before the MLP.",
                    lambda x, l1, a, l2, m: (lambda h: h + m(l1(h)))(x + a(l2(x)))),
            Mistake("parallel sublayers", "the MLP must read the output of the attention step, not the block's input: "
                    "two steps, one after the other.",
                    lambda x, l1, a, l2, m: x + a(l1(x)) + m(l2(x))),
            *[Mistake("one LayerNorm used twice", "each sublayer has its own LayerNorm: ln_1 before the attention, "
                      "ln_2 before the MLP.", wrong) for wrong in (
                          lambda x, l1, a, l2, m: (lambda h: h + m(l1(h)))(x + a(l1(x))),
                          lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x + a(l2(x))))],
            Mistake("LayerNorm after the sublayer", "pre-norm normalises the sublayer's INPUT: x + attn(ln_1(x)), "
                    "not x + ln_1(attn(x)).", lambda x, l1, a, l2, m: (lambda h: h + l2(m(h)))(x + l1(a(x)))),
            *[Mistake("LayerNorm after the sublayer", "pre-norm normalises the sublayer's INPUT: x + attn(ln_1(x)) "
                      "and x + mlp(ln_2(x)), not x + ln_1(attn(x)) or x + ln_2(mlp(x)).", wrong) for wrong in (
                          lambda x, l1, a, l2, m: (lambda h: h + l2(m(h)))(x + a(l1(x))),
                          lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x + l1(a(x))))],
            Mistake("ln_1 missing", "the attention reads the normalised stream, as the MLP does: "
                    "x = x + attn(ln_1(x)), not x + attn(x).",
                    lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x + a(x))),
            Mistake("residuals missing", "each sublayer ADDS its output to the stream: x = x + attn(ln_1(x)), then "
                    "x = x + mlp(ln_2(x)); without the two residuals the block replaces x instead of refining it.",
                    lambda x, l1, a, l2, m: m(l2(a(l1(x))))),
            Mistake("residual subtracted", "the residual ADDS the sublayer's output: x = x + attn(ln_1(x)) and "
                    "x = x + mlp(ln_2(x)), not x - ....", lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x - a(l1(x)))),
            Mistake("residual subtracted", "the residual ADDS the sublayer's output: x = x + attn(ln_1(x)) and "
                    "x = x + mlp(ln_2(x)), not x - ....", lambda x, l1, a, l2, m: (lambda h: h - m(l2(h)))(x + a(l1(x)))),
            Mistake("attention output indexed with [0]", "attn(ln_1(x)) is the tensor itself, (B, T, C), not a "
                    "tuple (Hugging Face's attention returns one; this one does not): [0] takes the FIRST SEQUENCE, "
                    "(T, C), which broadcasting then adds to every sequence of the batch. Drop the [0].",
                    lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x + a(l1(x))[0])),
            Mistake("batch and time swapped", "the attention takes (B, T, C) as it is (batch first); transposed to "
                    "(T, B, C), as nn.MultiheadAttention wants by default, it attends across the sequences of the "
                    "batch instead of along each one: x = x + attn(ln_1(x)), no transpose.",
                    lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x + a(l1(x).transpose(0, 1)).transpose(0, 1))),
            Mistake("block applied twice", "block_forward is ONE block: each sublayer runs once, x = x + "
                    "attn(ln_1(x)) then x = x + mlp(ln_2(x)); the model stacks blocks, and a loop here repeats this one.",
                    lambda x, l1, a, l2, m: _reference_block_forward(_reference_block_forward(x, l1, a, l2, m), l1, a, l2, m)),
            Mistake("LayerNorms missing", "normalise each sublayer's input first: x = x + attn(ln_1(x)), "
                    "then x = x + mlp(ln_2(x)).", lambda x, l1, a, l2, m: (lambda h: h + m(h))(x + a(x))),
            Mistake("MLP before attention", "the attention comes first (communicate), then the MLP (compute): "
                    "x = x + attn(ln_1(x)), then x = x + mlp(ln_2(x)).",
                    lambda x, l1, a, l2, m: (lambda h: h + a(l1(h)))(x + m(l2(x)))),
            Mistake("MLP reads the attention output alone", "the MLP reads the whole stream after the attention "
                    "step: h = x + attn(ln_1(x)), then h + mlp(ln_2(h)), not mlp(ln_2(attn(ln_1(x)))).",
                    lambda x, l1, a, l2, m: (lambda h: x + h + m(l2(h)))(a(l1(x)))),
            *[Mistake("a sublayer used twice", "each sublayer runs once, the attention first, then the MLP: "
                      "x = x + attn(ln_1(x)), then x = x + mlp(ln_2(x)).", wrong) for wrong in (
                          lambda x, l1, a, l2, m: (lambda h: h + a(l2(h)))(x + a(l1(x))),
                          lambda x, l1, a, l2, m: (lambda h: h + a(l1(h)))(x + a(l1(x))),
                          lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x + m(l1(x))))],
            *[Mistake("residual of the normalised x", "the residual adds the NORMALISED x: add the sublayer's output "
                      "to x itself, x = x + attn(ln_1(x)), so the stream is never normalised in place.", wrong)
              for wrong in (lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(l1(x) + a(l1(x))),
                            lambda x, l1, a, l2, m: (lambda h: l2(h) + m(l2(h)))(x + a(l1(x))))],
            Mistake("ln_2 missing", "the MLP reads the normalised stream too: x = x + mlp(ln_2(x)), as the attention "
                    "reads ln_1(x).", lambda x, l1, a, l2, m: (lambda h: h + m(h))(x + a(l1(x)))),
            Mistake("post-norm MLP", "both sublayers are pre-norm in GPT-2: x = x + mlp(ln_2(x)), as for the "
                    "attention, not ln_2(x + mlp(x)).", lambda x, l1, a, l2, m: (lambda h: l2(h + m(h)))(x + a(l1(x)))),
            Mistake("post-norm attention", "both sublayers are pre-norm in GPT-2: x = x + attn(ln_1(x)), as for the "
                    "MLP, not ln_1(x + attn(x)).", lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(l1(x + a(x)))),
            Mistake("parallel sublayers", "the MLP must read the stream after the attention step, not the block's "
                    "normalised input: h = ln_1(x) is the attention's input alone. x = x + attn(ln_1(x)), then "
                    "x = x + mlp(ln_2(x)) on that new x.",
                    lambda x, l1, a, l2, m: (lambda n: x + a(n) + m(l2(n)))(l1(x))),
            *[Mistake("residual added twice", "each residual adds the stream ONCE: x = x + attn(ln_1(x)), then "
                      "x = x + mlp(ln_2(x)). x + x + ..., or the block's input added again at the end (return x + h, "
                      "where h already holds x), doubles the stream.", wrong) for wrong in (
                          lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x + x + a(l1(x))),
                          lambda x, l1, a, l2, m: (lambda h: h + h + m(l2(h)))(x + a(l1(x))),
                          lambda x, l1, a, l2, m: (lambda h: x + h + m(l2(h)))(x + a(l1(x))))],
            *[Mistake("residual branches scaled", "the block adds each sublayer's output as it is: x = x + attn(ln_1(x)). "
                      "GPT-2's 1/√(2·n_layer) scales the initial weights of c_proj, not the forward pass.",
                      lambda x, l1, a, l2, m, k=k: (lambda h: h + k * m(l2(h)))(x + k * a(l1(x))))
              for k in (1 / math.sqrt(2), 1 / math.sqrt(4))],
            # (a new nn.LayerNorm(C) has weight 1 and bias 0: F.layer_norm without them)
            *[Mistake("a new LayerNorm instead of the given one", "use the LayerNorms you are given, ln_1 before the "
                      "attention and ln_2 before the MLP: a LayerNorm of your own (nn.LayerNorm(C) made in the function, or "
                      "F.layer_norm without weight and bias) has weight 1 and bias 0, not the block's learned ones.",
                      lambda x, l1, a, l2, m, new_1=new_1, new_2=new_2: (lambda h: h + m(
                          F.layer_norm(h, h.shape[-1:]) if new_2 else l2(h)))(
                          x + a(F.layer_norm(x, x.shape[-1:]) if new_1 else l1(x))))
              for new_1, new_2 in ((True, True), (True, False), (False, True))],
            *[Mistake("ln_2 on the attention output", "ln_2 belongs to the MLP sublayer: it normalises the MLP's "
                      "INPUT, x = x + mlp(ln_2(x)); the attention's output is added to x as it is, not through ln_2.",
                      wrong) for wrong in (
                          lambda x, l1, a, l2, m: (lambda h: h + m(h))(x + l2(a(l1(x)))),
                          lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x + l2(a(l1(x)))))],
            Mistake("attention output not kept", "the MLP step adds to the stream AFTER the attention: "
                    "h = x + attn(ln_1(x)), then return h + mlp(ln_2(h)), not x + mlp(ln_2(h)).",
                    lambda x, l1, a, l2, m: x + m(l2(x + a(l1(x))))),
            Mistake("attn given two arguments", "attn(x) takes the normalised stream alone and makes its queries, "
                    "keys and values from it itself: x = x + attn(ln_1(x)), not attn(h, h) as for a cross-attention.",
                    lambda x, l1, a, l2, m: x + a(l1(x), l1(x)), same_error=True),
            Mistake("residual concatenated", "a residual connection ADDS the sublayer's output to the stream, "
                    "x = x + attn(ln_1(x)), which keeps C channels: torch.cat([x, ...], dim=-1) doubles them, and "
                    "ln_2 (made for C) refuses the result.",
                    lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(torch.cat([x, a(l1(x))], dim=-1)),
                    same_error=True),
            Mistake("residual multiplied", "the residual ADDS the sublayer's output: x = x + attn(ln_1(x)) and "
                    "x = x + mlp(ln_2(x)), not x * ...: a product is not a skip connection, and the gradient no "
                    "longer reaches x unchanged.", lambda x, l1, a, l2, m: (lambda h: h * m(l2(h)))(x * a(l1(x)))),
            Mistake("residual averaged", "the residual ADDS the sublayer's output, x = x + attn(ln_1(x)): dividing "
                    "by 2 shrinks the stream at every block (the LayerNorms before each sublayer already keep its "
                    "inputs in scale).", lambda x, l1, a, l2, m: (lambda h: (h + m(l2(h))) / 2)((x + a(l1(x))) / 2)),
        ]
        single = first_named(mistakes)
        mistakes += two_at_once([(single["post-norm"], "post", lambda *a: True),
                                 (single["attention residual missing"], "residual_1", lambda *a: "none"),
                                 (single["residual of the normalised x"], "residual_1", lambda *a: "normalised"),
                                 (single["MLP residual missing"], "residual_2", lambda *a: "none"),
                                 (single["output normalised again"], "out_norm", lambda *a: True),
                                 (single["norms swapped"], "norms", lambda x, l1, a, l2, m: (l2, l1)),
                                 (single["ln_1 missing"], "norms", lambda x, l1, a, l2, m: (nn.Identity(), l2)),
                                 (single["ln_2 missing"], "norms", lambda x, l1, a, l2, m: (l1, nn.Identity())),
                                 (single["LayerNorms missing"], "norms", lambda *a: (nn.Identity(), nn.Identity())),
                                 (single["one LayerNorm used twice"], "norms", lambda x, l1, a, l2, m: (l1, l1)),
                                 (single["one LayerNorm used twice"], "norms", lambda x, l1, a, l2, m: (l2, l2)),
                                 (single["parallel sublayers"], "parallel", lambda *a: True),
                                 (single["MLP before attention"], "mlp_first", lambda *a: True)],
                                lambda args, knobs: _block_with(*args, **knobs),
                                apart=[{"post", "out_norm"}, {"post", "residual_1"}, {"parallel", "mlp_first"}])
        # (both residuals missing is one mistake of its own, two knobs: with the MLP first, three at once)
        mistakes.append(Mistake("residuals missing and MLP before attention", "two mistakes at once. Residuals "
                                f"missing: {single['residuals missing'].hint} And MLP before attention: "
                                f"{single['MLP before attention'].hint}", lambda *a: _block_with(
                                    *a, residual_1="none", residual_2="none", mlp_first=True)))
        mistakes += [Mistake("a dimension of size 1 squeezed", "attn(...) and mlp(...) return (B, T, C) whatever B "
                             "and T are: with T = 1 a .squeeze() drops the positions and leaves (B, C), which "
                             "broadcasts against x (B, 1, C) into (B, B, C). Add each sublayer's output as it is, "
                             "without .squeeze().", wrong) for wrong in (
            lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x + a(l1(x)).squeeze()),
            lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)).squeeze())(x + a(l1(x))))]
        run_check("block_forward", student_fn, _reference_block_forward, _block_cases(), unrepeatable=own_dropout,
                  mistakes=mistakes, unchanged=True, after=_in_training_mode(student_fn))
    x, *modules = _block_cases()[1]
    check_gradient("block_forward", student_fn, _reference_block_forward, (x, *modules), wrt=0, in_place=Mistake(
        "in-place residual", "an in-place update (x += ..., x.add_(...)) changed a tensor that autograd saved "
        "for the backward pass (a LayerNorm read it): write x = x + attn(ln_1(x)) and x = x + mlp(ln_2(x)), "
        "which make new tensors."), mistakes=[*[
            Mistake("cut off from the graph", f"the value is right, but the gradient does not flow back to x "
                    f"through the {part} branch: a .detach(), .data or torch.no_grad() on the way cuts it off, so "
                    "nothing before this block learns through it. Compute x = x + attn(ln_1(x)) and "
                    "x = x + mlp(ln_2(x)) as they are.", wrong)
            for part, wrong in (("attention", _block_detached(attn=True)), ("MLP", _block_detached(mlp=True)),
                                ("attention", _block_detached(ln_1=True)), ("MLP", _block_detached(ln_2=True)))],
            *[Mistake("cut off from the graph", "the value is right, but the gradient does not flow back to x along "
                      "the residual stream: x.detach() + ... (or .data) cuts the skip connection, the path that "
                      "carries the gradient straight through every block. Add the branch to x itself: "
                      "x = x + attn(ln_1(x)), x = x + mlp(ln_2(x)).", wrong)
              for wrong in (_block_detached(skip_1=True, skip_2=True), _block_detached(skip_1=True),
                            _block_detached(skip_2=True))]])


def _block_detached(attn=False, mlp=False, ln_1=False, ln_2=False, skip_1=False, skip_2=False):
    """The block with one part's output detached: its value is right, no gradient flows through it
    (``skip_1``/``skip_2``: the residual stream itself, x.detach() + ..., in the first/second sum)."""
    def cut(t, on):
        return t.detach() if on else t

    def forward(x, ln_1_, attn_, ln_2_, mlp_):
        x = cut(x, skip_1) + cut(attn_(cut(ln_1_(x), ln_1)), attn)
        return cut(x, skip_2) + cut(mlp_(cut(ln_2_(x), ln_2)), mlp)
    return forward


# ---------------------------------------------------------------------------------------------------
# gpt_forward(model, idx) -> logits (B, T, V)

def _reference_gpt_forward(model, idx):
    return model(idx)[0]


def _gpt_cases():
    cases = []
    # (the last: one head over one token, idx of shape (1, 1), as the hidden tests' first: a .squeeze() drops T)
    for seed, (B, T, block_size, n_head, C, n_layer) in enumerate(((1, 5, 8, 2, 8, 1), (2, 8, 8, 2, 12, 2),
                                                                  (3, 3, 6, 4, 16, 2), (1, 1, 4, 1, 8, 1))):
        torch.manual_seed(700 + seed)
        # (the last with dropout, as the hidden tests' models have: in eval mode it must do nothing)
        config = GPTConfig(vocab_size=11, block_size=block_size, n_layer=n_layer, n_head=n_head, n_embd=C,
                           bias=seed % 2 == 0, dropout=0.1 if seed == 2 else 0.0)
        model = GPT(config).eval()
        with torch.no_grad():  # larger than at initialisation, so that every piece moves the logits visibly
            for p in model.parameters():
                p.normal_(0, 0.5)
        cases.append((model, torch.randint(0, 11, (B, T))))
    return cases


def _gpt_norm_before_each(model, idx):
    """The forward pass with ln_f applied to each block's input, and not after the last block."""
    t = model.transformer
    x = t.drop(t.wte(idx) + t.wpe(torch.arange(idx.shape[1])))
    for block in t.h:
        x = block(t.ln_f(x))
    return model.lm_head(x)


def _gpt_with(model, idx, *, positions="arange", final_norm=True, chain=True, softmax=False, last_only=False,
              dropout=True, norm_each=False, extra_residual=False, blocks=None, log_softmax=False, head=True):
    """The forward pass with one mistake; ``blocks`` picks which blocks run, in which order (all, in
    order, by default)."""
    t = model.transformer
    T = idx.shape[1]
    x = t.wte(idx)
    if positions in ("arange", "every block"):
        x = x + t.wpe(torch.arange(T))
    elif positions == "from one":
        x = x + t.wpe(torch.arange(1, T + 1))
    elif positions == "ids":
        x = x + t.wpe(idx)
    elif positions == "batch":  # one position per sequence, the same at every step
        x = x + t.wpe(torch.arange(idx.shape[0]))[:, None, :]
    elif positions == "batch rows":  # (B, C), broadcast against the positions
        x = x + t.wpe(torch.arange(idx.shape[0]))
    elif positions == "scaled tokens":
        x = x * math.sqrt(x.shape[-1]) + t.wpe(torch.arange(T))
    elif positions == "scaled sum":
        x = (x + t.wpe(torch.arange(T))) * math.sqrt(x.shape[-1])
    elif positions == "column":  # (T, 1, C): broadcast against (B, T, C)
        x = x + t.wpe(torch.arange(T)[:, None])
    elif positions == "reversed":  # T-1 .. 0: the last token at position 0
        x = x + t.wpe(torch.arange(T - 1, -1, -1))
    elif positions == "multiplied":
        x = x * t.wpe(torch.arange(T))
    elif positions == "one short":  # torch.arange(T - 1): with T = 1 no positions, and the sum broadcasts to T = 0
        x = x + t.wpe(torch.arange(T - 1))
    elif positions == "token table":  # the positions looked up in wte, the token embedding
        x = x + t.wte(torch.arange(T))
    elif positions == "last rows":  # the table's last T rows, positions block_size-T .. block_size-1
        x = x + t.wpe.weight[-T:]
    elif positions == "concatenated":  # (B, T, 2C): the blocks' LayerNorms refuse it
        x = torch.cat([x, t.wpe(torch.arange(T)).expand(x.shape)], dim=-1)
    x = t.drop(x) if dropout else x
    if final_norm == "first":  # ln_f on the embeddings, before the blocks, and not after
        x, final_norm = t.ln_f(x), False
    h = x
    for block in (t.h if blocks is None else blocks(list(t.h))):
        h = h + t.wpe(torch.arange(T)) if positions == "every block" else h
        h = h + block(h) if extra_residual else block(h if chain else x)
        h = t.ln_f(h) if norm_each else h
    h = h + t.wpe(torch.arange(T)) if positions == "after the blocks" else h
    if final_norm == "new":  # a LayerNorm of one's own, weight 1 and bias 0, instead of ln_f
        h = F.layer_norm(h, h.shape[-1:])
    h = t.ln_f(h) if final_norm is True and not norm_each else h
    logits = model.lm_head(h) if head else h
    if last_only:
        logits = logits[:, [-1], :] if last_only == "kept" else logits[:, -1, :]
    if log_softmax:
        return torch.log_softmax(logits, dim=-1)
    return torch.softmax(logits, dim=-1) if softmax else logits


class ModelCalled(RuntimeError):
    """Raised by a model whose own forward pass may not be used."""


class _GPTWithoutForward(GPT):
    """A GPT whose ``model(idx)`` raises: only its parts can compute the logits. A class of its own,
    not a patched instance, so the model can be copied into another process (the autograder's
    re-check) and still refuse there."""

    def forward(self, *args, **kwargs):
        raise ModelCalled("model(idx) was called")


def _calls_the_model(student_fn, case) -> bool:
    """After a right answer: did it get there by calling the model itself? On a copy whose ``model(idx)``
    raises, an answer computed from the parts gives the same logits. One that calls the model raises, or,
    if it catches the error (``try: return model(idx)[0] except Exception: ...``, which kept its point
    until 2026-12-01), returns something else. The copy gets weights and ids of its own, drawn afresh: an
    answer that kept the logits of the case it was just given (a memo of ``model(idx)``) has none for
    this one (a red team's, 2026-12-02)."""
    model, idx = copy.deepcopy(case[0]), case[1].clone()
    g = torch.Generator().manual_seed(int.from_bytes(os.urandom(4), "big"))  # not the notebook's RNG
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    idx = torch.randint(0, model.config.vocab_size, idx.shape, generator=g)
    want = _reference_gpt_forward(model, idx)
    model.__class__ = _GPTWithoutForward
    try:
        got = student_fn(model, idx)
    except Exception as error:  # (by name: in the re-check the error comes back from another process)
        if type(error).__name__ == "RecheckUnavailable":
            raise
        return True
    return not (isinstance(got, torch.Tensor) and got.shape == want.shape and got.dtype == want.dtype
                and torch.allclose(got, want, rtol=1e-4, atol=1e-5))


def check_gpt_forward(student_fn):
    """``student_fn(model, idx)``: the logits (B, T, V) of a ``course.gpt.GPT`` for ids ``idx`` (B, T), from the
    model's parts: token + position embeddings (positions 0..T-1), dropout, every block in order, the final
    LayerNorm and the tied head. It must not call ``model(idx)`` itself."""

    def after(case):
        if _calls_the_model(student_fn, case):
            return ("the result is right, but your function called model(...) (the course's forward pass) "
                    "instead of computing it from the model's parts",
                    Mistake("calls the model", "write the forward pass yourself from model.transformer.wte, .wpe, "
                            ".drop, .h, .ln_f and model.lm_head; don't call model(idx) or model.forward."))
        return None

    dropout_on = Mistake("dropout on in eval mode", "F.dropout(x, p) drops values whatever the model's mode: its "
                         "training argument defaults to True. Use the model's own module, model.transformer.drop(x), "
                         "which model.eval() switches off (or pass training=model.training).")
    with torch.no_grad():
        mistakes = [
            # (the autograder's answers' process refuses model(idx) for every GPT, with this message)
            Mistake("calls the model", "write the forward pass yourself from model.transformer.wte, .wpe, .drop, .h, "
                    ".ln_f and model.lm_head; don't call model(idx) or model.forward.", error="model(idx) was called"),
            Mistake("positions not integers", "an embedding is indexed by integer ids: the positions are "
                    "torch.arange(T) (long), not floats (dtype=torch.float, torch.linspace).",
                    error="argument #1 'indices'"),
            Mistake("no position embedding", "the position embeddings are missing: add model.transformer.wpe(torch.arange(T)) "
                    "to the token embeddings, or the model cannot tell where in the window a character is.",
                    lambda m, i: _gpt_with(m, i, positions="none")),
            Mistake("one position short", "torch.arange(T - 1) gives T - 1 positions, 0..T-2: torch.arange(T) already "
                    "stops before T, so it gives the T positions 0..T-1, one per token.",
                    lambda m, i: _gpt_with(m, i, positions="one short"), same_error=True),
            Mistake("the whole position table added", "add the embeddings of positions 0..T-1 only, "
                    "model.transformer.wpe(torch.arange(T)) of shape (T, C), not the whole table wpe.weight of "
                    "shape (block_size, C).", error="must match the size of tensor b"),
            Mistake("positions counted from 1", "the positions start at 1: the first character of the window is "
                    "position 0, so use torch.arange(T) (0 .. T-1).",
                    lambda m, i: _gpt_with(m, i, positions="from one")),
            Mistake("final LayerNorm missing", "the final LayerNorm is missing: apply model.transformer.ln_f to the "
                    "output of the last block before model.lm_head.",
                    lambda m, i: _gpt_with(m, i, final_norm=False)),
            Mistake("blocks not chained", "each block must read the previous block's output (x = block(x)); here "
                    "every block read the embeddings, so only the last one counts.",
                    lambda m, i: _gpt_with(m, i, chain=False)),
            Mistake("softmax applied", "return the logits, the raw scores: softmax turns them into probabilities, "
                    "which the loss (F.cross_entropy) and generation compute themselves.",
                    lambda m, i: _gpt_with(m, i, softmax=True)),
            Mistake("last position only", "return the logits of EVERY position, shape (B, T, V): training predicts "
                    "the next character at each position; only generation keeps the last one.",
                    lambda m, i: _gpt_with(m, i, last_only=True)),
            Mistake("last position only", "return the logits of EVERY position, shape (B, T, V): training predicts "
                    "the next character at each position; only generation keeps the last one (x[:, [-1], :]).",
                    lambda m, i: _gpt_with(m, i, last_only="kept")),
            Mistake("positions looked up in the token table", "the position embeddings are their own table, "
                    "model.transformer.wpe(pos); wte(pos) adds the embeddings of the tokens whose ids are 0..T-1.",
                    lambda m, i: _gpt_with(m, i, positions="token table")),
            Mistake("token ids as positions", "the positions are 0..T-1, torch.arange(T), whatever the tokens: "
                    "wpe(idx) looks up the token ids in the position table (which has only block_size rows).",
                    lambda m, i: _gpt_with(m, i, positions="ids"), error="index out of range"),
            Mistake("residual added around the block", "each block adds its own residual connections "
                    "inside (x + attn(...), x + mlp(...)) and returns the new x: chain them with x = block(x), "
                    "not x = x + block(x), which counts x twice.", lambda m, i: _gpt_with(m, i, extra_residual=True)),
            # (before "final LayerNorm after the head": the blocks' LayerNorms refuse the 2C channels with that error)
            Mistake("embeddings concatenated", "the token and position embeddings are ADDED, wte(idx) + "
                    "wpe(torch.arange(T)), both (.., C): joined with torch.cat they make 2C channels, which the "
                    "blocks (built for C) refuse.", lambda m, i: _gpt_with(m, i, positions="concatenated"),
                    same_error=True),
            Mistake("the last positions of the table", "the window's tokens are at positions 0..T-1: "
                    "model.transformer.wpe(torch.arange(T)), the table's FIRST T rows; wpe.weight[-T:] takes its last "
                    "T rows, the positions near block_size.", lambda m, i: _gpt_with(m, i, positions="last rows")),
            Mistake("position embedding after the blocks", "the position embeddings are added to the token "
                    "embeddings at the start, x = wte(idx) + wpe(torch.arange(T)), so that attention in every "
                    "block can use where each token is; added after the blocks, no block sees them.",
                    lambda m, i: _gpt_with(m, i, positions="after the blocks")),
            Mistake("position embedding added before every block", "the position embeddings are added once, to the "
                    "token embeddings before the first block; each block's residual stream carries them on: "
                    "x = block(x), not block(x + wpe(pos)).", lambda m, i: _gpt_with(m, i, positions="every block")),
            Mistake("final LayerNorm after the head", "ln_f normalises the C channels of the last block's output: "
                    "apply it before the head, model.lm_head(model.transformer.ln_f(x)), not to the (B, T, V) "
                    "logits.", error="normalized_shape"),
            # (a new nn.LayerNorm(C) has weight 1 and bias 0: F.layer_norm without them)
            Mistake("a new LayerNorm instead of ln_f", "the final LayerNorm is the model's own, "
                    "model.transformer.ln_f, with its learned weight and bias: F.layer_norm without them (or an "
                    "nn.LayerNorm(C) made in the function) normalises with weight 1 and bias 0.",
                    lambda m, i: _gpt_with(m, i, final_norm="new")),
            Mistake("final LayerNorm after every block", "ln_f is applied once, after the last block; each block "
                    "normalises its own inputs already.", lambda m, i: _gpt_with(m, i, norm_each=True)),
            Mistake("final LayerNorm before every block", "ln_f is applied once, to the last block's output just "
                    "before the head; each block normalises its own inputs already (its ln_1 and ln_2): x = block(x) "
                    "for every block, then model.lm_head(model.transformer.ln_f(x)).", _gpt_norm_before_each),
            *[Mistake("positions from the batch dimension", "the positions run along dim 1 of idx (B, T): "
                      "T = idx.shape[1] (B, T = idx.shape), torch.arange(T); idx.shape[0] is the batch size.",
                      lambda m, i, where=where: _gpt_with(m, i, positions=where)) for where in ("batch", "batch rows")],
            *[Mistake("embeddings scaled by √C", "GPT adds the token and position embeddings as they are: the "
                      "original Transformer's × √d_model is not part of GPT-2.",
                      lambda m, i, where=where: _gpt_with(m, i, positions=where))
              for where in ("scaled tokens", "scaled sum")],
            Mistake("only the first block", "run every block of model.transformer.h, in order: "
                    "for block in model.transformer.h: x = block(x).",
                    lambda m, i: _gpt_with(m, i, blocks=lambda h: h[:1])),
            Mistake("number of blocks hard-coded", "the model has len(model.transformer.h) blocks, config.n_layer, "
                    "not a number you write out (h[0], h[1]): loop over them, for block in model.transformer.h: "
                    "x = block(x).", error="out of range", on=lambda m, i: len(m.transformer.h) < 4),
            Mistake("final LayerNorm applied twice", "ln_f is applied once, after the last block: "
                    "model.lm_head(model.transformer.ln_f(x)), not ln_f(ln_f(x)).",
                    lambda m, i: m.lm_head(m.transformer.ln_f(_gpt_with(m, i, head=False)))),
            Mistake("blocks' output not used", "block(x) returns the new stream and does not change x in place: "
                    "keep it, x = block(x), or the head reads the embeddings as if there were no blocks.",
                    lambda m, i: _gpt_with(m, i, blocks=lambda h: [])),
            Mistake("last block skipped", "run every block of model.transformer.h: for block in model.transformer.h "
                    "(range(len(h) - 1) stops one block short).", lambda m, i: _gpt_with(m, i, blocks=lambda h: h[:-1])),
            Mistake("head missing", "the last step turns the C channels into V scores: return "
                    "model.lm_head(model.transformer.ln_f(x)), not the hidden states (B, T, C).",
                    lambda m, i: _gpt_with(m, i, head=False)),
            Mistake("final LayerNorm before the blocks", "ln_f normalises the LAST block's output, just before the "
                    "head: x = block(x) for every block, then model.lm_head(model.transformer.ln_f(x)).",
                    lambda m, i: _gpt_with(m, i, final_norm="first")),
            Mistake("positions as a column", "model.transformer.wpe(torch.arange(T)) is (T, C) and broadcasts over the "
                    "batch as it is; torch.arange(T).unsqueeze(1) makes it (T, 1, C), which broadcasts against the "
                    "batch instead.", lambda m, i: _gpt_with(m, i, positions="column")),
            Mistake("positions in reverse order", "the first token of the window is at position 0 and the last at "
                    "T - 1: add model.transformer.wpe(torch.arange(T)); torch.arange(T - 1, -1, -1) (or .flip) "
                    "gives the last token position 0.", lambda m, i: _gpt_with(m, i, positions="reversed")),
            Mistake("embeddings multiplied", "the token and position embeddings are ADDED, wte(idx) + "
                    "wpe(torch.arange(T)): each is a vector in the same space, and their sum carries both; "
                    "multiplied element by element, a small entry of either wipes out the other.",
                    lambda m, i: _gpt_with(m, i, positions="multiplied")),
            Mistake("blocks in reverse order", "the blocks run in the order of model.transformer.h, the first "
                    "first: for block in model.transformer.h: x = block(x), without reversed().",
                    lambda m, i: _gpt_with(m, i, blocks=lambda h: h[::-1])),
            Mistake("log_softmax applied", "return the logits, the raw scores: log_softmax turns them into "
                    "log-probabilities, which the loss (F.cross_entropy) computes itself.",
                    lambda m, i: _gpt_with(m, i, log_softmax=True)),
            # (over the positions, dim=1, as well as over the vocabulary: the logits are wanted either way)
            Mistake("softmax applied", "return the logits, the raw scores: softmax turns them into probabilities, "
                    "which the loss (F.cross_entropy) and generation compute themselves.",
                    lambda m, i: F.softmax(_reference_gpt_forward(m, i), dim=1)),
            Mistake("log_softmax applied", "return the logits, the raw scores: log_softmax turns them into "
                    "log-probabilities, which the loss (F.cross_entropy) computes itself.",
                    lambda m, i: F.log_softmax(_reference_gpt_forward(m, i), dim=1)),
            Mistake("the ModuleList called", "model.transformer.h is a ModuleList, a list of blocks, not a module to "
                    "call (it has no forward): run the blocks in turn, for block in model.transformer.h: x = block(x).",
                    lambda m, i: m.transformer.h(m.transformer.wte(i)), same_error=True),
        ]
        single = first_named(mistakes)
        mistakes += two_at_once([(single["no position embedding"], "positions", lambda *a: "none"),
                                 (single["positions counted from 1"], "positions", lambda *a: "from one"),
                                 (single["final LayerNorm missing"], "final_norm", lambda *a: False),
                                 (single["blocks not chained"], "chain", lambda *a: False),
                                 (single["softmax applied"], "softmax", lambda *a: True),
                                 (single["log_softmax applied"], "log_softmax", lambda *a: True),
                                 (single["last position only"], "last_only", lambda *a: True),
                                 (single["token ids as positions"], "positions", lambda *a: "ids"),
                                 (single["residual added around the block"], "extra_residual", lambda *a: True),
                                 (single["blocks in reverse order"], "blocks", lambda *a: lambda h: h[::-1]),
                                 (single["final LayerNorm after every block"], "norm_each", lambda *a: True)],
                                lambda args, knobs: _gpt_with(*args, **knobs),
                                apart=[{"final_norm", "norm_each"}])  # (ln_f after every block is ln_f at the end too)
        run_check("gpt_forward", student_fn, _reference_gpt_forward, _gpt_cases(), after=after, unrepeatable=dropout_on,
                  mistakes=mistakes, unchanged=True)  # (idx is the caller's batch; the model, not a tensor or list, is not compared)
    _check_gpt_training(student_fn)


def _check_gpt_training(student_fn):
    """In training mode, under a fixed seed, the logits must be the model's own: dropout drawn once, on the sum
    of the embeddings, then each block's; and they must stay connected to the weights (the lesson's test
    checks both, and the hidden tests the first, which the eval-mode cases above cannot see). In the
    autograder's re-check the answer runs in another process, and the gradient is taken there
    (``_embedding_gradient``)."""
    model, idx = _gpt_cases()[1]
    model = copy.deepcopy(model)
    model.config.dropout = 0.3
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.3
    model.train()
    # (not 0, 1 or 42: an answer that seeds torch itself with one of those would match by chance)
    where = "gpt_forward: in training mode (model.train(), dropout 0.3), under torch.manual_seed(2718)"

    def seeded(fn, seed=2718):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return fn()

    expected = seeded(lambda: _reference_gpt_forward(model, idx))
    weight = model.transformer.wte.weight
    want, = torch.autograd.grad(expected.sum(), weight)  # (before the call, which might freeze the weight)
    try:
        got = seeded(lambda: student_fn(model, idx.clone()))
    except Exception as error:
        raise failure(where, raised(error),
                      missing_name(error)) from None
    problem = difference(expected.detach(), got.detach() if isinstance(got, torch.Tensor) else got, 1e-5, 1e-4)
    if problem is not None:
        switched = not model.training  # the answer called model.eval() (seen where it runs in this process)
        model.train()
        missing = seeded(lambda: _gpt_with(model, idx, dropout=False))
        try:  # the same masks under another seed: the answer seeds torch's generator itself
            again = seeded(lambda: student_fn(model, idx.clone()), seed=3141)
            model.train()
            reseeds = (isinstance(got, torch.Tensor) and isinstance(again, torch.Tensor)
                       and difference(missing.detach(), got.detach()) is not None
                       and difference(got.detach(), again.detach(), 0.0, 0.0) is None)
        except Exception:
            reseeds = False
        mistake = (Mistake("changes the model's mode", "your function switches the model to eval mode "
                           "(model.eval()), which turns dropout off, and leaves the caller's model that way: "
                           "don't call model.eval() or model.train() in gpt_forward; the caller chooses the mode.")
                   if switched else
                   Mistake("dropout missing", "apply model.transformer.drop to the sum of the token and position "
                           "embeddings, before the blocks: it does nothing in eval mode, but training uses it "
                           "(and don't call model.eval() in gpt_forward: the caller chooses the mode).")
                   if difference(missing.detach(), got.detach()) is None else
                   Mistake("seeds the random generator", "your function sets torch's seed itself "
                           "(torch.manual_seed), so every call draws the same dropout masks, whatever the caller "
                           "seeded: training then drops the same units at every step. Leave the seed to the "
                           "caller: no torch.manual_seed in gpt_forward.")
                   if reseeds else
                   Mistake("dropout in the wrong place", "the logits are right in eval mode but not in training "
                           "mode: apply model.transformer.drop once, to the SUM of the token and position "
                           "embeddings, before the first block (not to each embedding, not elsewhere)."))
        raise failure(where, problem, mistake, expected=describe(expected, True), got=describe(got, True))
    have = _embedding_gradient(student_fn, got, weight)
    if have is None:
        raise failure(where, "the logits do not depend on the model's weights through autograd",
                      Mistake("cut off from the graph", "the logits are right but autograd cannot reach the "
                              "weights through them: don't use torch.no_grad(), .detach() or .item() inside "
                              "gpt_forward; the caller decides when to turn gradients off." + _STATE_DICT_HINT))
    if difference(want, have, 1e-4, 1e-3) is not None:
        raise failure(where, "the gradient of the token embeddings differs from the model's",
                      Mistake("cut off from the graph", "part of the computation is cut off from autograd (a "
                              ".detach(), .data, torch.no_grad() or a requires_grad_(False) on the way): keep "
                              "every step a tensor operation on the model's outputs." + _STATE_DICT_HINT))


# (a weight read from model.state_dict() is a detached copy: the logits were right and the gradient never reached
# the embeddings, told only of .detach(), .data and torch.no_grad(), none of which the answer wrote: rt51)
_STATE_DICT_HINT = (" A weight read from model.state_dict() is detached too: read the modules' own weights "
                    "(model.transformer.wpe.weight), or model.state_dict(keep_vars=True).")


def _embedding_gradient(student_fn, got, weight):
    """d(sum of the answer's logits) / d(token embeddings), or None when the logits do not require grad. Where
    the answer ran in another process (the autograder's re-check: its stand-in has ``course_weight_grad``), the
    gradient is taken there, on its copy of the model, and comes back as data; zeros where autograd cannot
    reach the embeddings."""
    ask = None if isinstance(student_fn, types.FunctionType) else getattr(type(student_fn), "course_weight_grad", None)
    if ask is not None:
        return ask(student_fn, 0, "transformer.wte.weight")
    if not isinstance(got, torch.Tensor) or not got.requires_grad:
        return None
    if not weight.requires_grad:  # (the answer froze it)
        return torch.zeros_like(weight)
    have = gradient_by_backward(got.sum(), weight)
    return torch.zeros_like(weight) if have is None else have


def gradient_by_backward(total: torch.Tensor, parameter: torch.Tensor) -> torch.Tensor | None:
    """d(total)/d(parameter) by ``total.backward()``, the parameter's ``.grad`` put back as it was: not
    ``torch.autograd.grad``, which a forward through ``torch.utils.checkpoint`` with ``use_reentrant=True`` (the
    default of ``checkpoint(block, x)``) refuses with a RuntimeError (an honest gpt_forward failed its check, rt46).
    The other leaves of the graph (the model's other weights) get their ``.grad`` as a training step would."""
    kept = parameter.grad
    parameter.grad = None
    try:
        total.backward()
        return parameter.grad
    finally:
        parameter.grad = kept


from course.checks._core import guard_checks  # noqa: E402

guard_checks(globals())  # each check starts from float32, whatever an earlier cell left
