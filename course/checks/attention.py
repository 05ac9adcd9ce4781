"""Self-checks for lessons 02-03 (attention): ``from course.checks import attention as checks``.

Each ``check_*`` compares your function (or, for ``check_causal_self_attention``, your module class)
with ``course.attention`` on random cases and names the common mistake your output looks like.
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import io
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from course import attention as ref
from course.checks import mask_walk as walk
from course.checks._core import (IN_PLACE, CheckFailed, Mistake, check_gradient, describe, difference, failure,  # noqa: F401
                                 first_named, form_call, missing_name, refusal, run_check, said, two_at_once,
                                 unfilled, where_raised)  # (form_call: the form cells')

# --- wrong versions, written out plainly so each mistake is exactly one change ------------------


def _attend(q, k, v, mask=None, *, scale=None, softmax_dim=-1, mask_mode="keep", fill=float("-inf"),
            weights_only=False, keys=(-2, -1), rescale=1.0):
    """Attention with knobs for the usual mistakes (plain softmax: empty rows give NaN, as yours would).
    A float mask is added to the scores (``mask_mode="keep"``), or ignored (``"boolean only"``); a
    boolean mask is added as numbers with ``"added"``. ``keys``: the dimensions of k transposed for the
    scores; ``rescale``: a factor the weights are multiplied by after the softmax."""
    scores = q @ k.transpose(*keys) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if mask is not None and mask.dtype != torch.bool:
        if mask_mode == "subtracted":
            scores = scores - mask
        elif mask_mode != "boolean only":
            scores = scores + mask
    elif mask is not None and mask_mode == "added":
        scores = scores + mask
    elif mask is not None and mask_mode in ("keep", "boolean only", "subtracted"):
        scores = scores.masked_fill(~mask, fill)
    elif mask is not None and mask_mode == "inverted":
        scores = scores.masked_fill(mask, fill)
    weights = torch.softmax(scores, dim=softmax_dim) * rescale
    if mask is not None and mask.dtype == torch.bool and mask_mode == "after_softmax":
        weights = weights * mask
    if mask is not None and mask.dtype == torch.bool and mask_mode == "inverted_after_softmax":
        weights = weights.masked_fill(mask, 0.0)
    return weights if weights_only else weights @ v


_FLOAT32_HINT = ("the inputs are float64 and so must be the result (the hidden tests use float64 too): don't "
                 "convert with .float() or build a tensor of a fixed dtype on the way; compute with the inputs' dtype.")


def _rand(generator, *shape, scale=1.0):
    return torch.randn(*shape, generator=generator) * scale


# --- cross-attention (lesson 02) -----------------------------------------------------------------

def _hand_softmax(scores, dim):
    """exp over a sum, as written by hand without taking the largest score off first (inf / inf is NaN)."""
    e = torch.exp(scores)
    return e / e.sum(dim=dim, keepdim=True)


def _cross(S1, S2, W_Q, W_K, W_V, swap=False, values="S1 @ W_V", transposed=False, **knobs):
    if swap:
        S1, S2 = S2, S1
    V = {"S1 @ W_V": lambda: S1 @ W_V, "S2 @ W_V": lambda: S2 @ W_V, "S1": lambda: S1}[values]()
    out = _attend(S2 @ W_Q, S1 @ W_K, V, **knobs)
    return out.T if transposed else out


def _cross_scores(S1, S2, W_Q, W_K, W_V):
    """The scaled scores (n2, n1), as the exercise computes them."""
    return (S2 @ W_Q) @ (S1 @ W_K).T / math.sqrt(W_K.shape[1])


def _cross_values(S1, S2, W_Q, W_K, W_V):
    return S1 @ W_V


def _lesson_example():
    # GPT-2 ids of "I travelled to Lisbon in July to attend an NLP summer school" and "I like traveling"
    s1 = [40, 21650, 284, 41898, 287, 2901, 284, 5262, 281, 399, 19930, 3931, 1524]
    s2 = [40, 588, 11300]
    return (torch.tensor(s1, dtype=torch.float32).unsqueeze(-1),
            torch.tensor(s2, dtype=torch.float32).unsqueeze(-1),
            torch.tensor([[0.1, 0.2, 0.3]]), torch.tensor([[0.7, 0.8, 0.9]]),
            torch.tensor([[1.6, 1.7, 1.8]]))


def check_cross_attention(student_fn) -> None:
    """``student_fn(S1, S2, W_Q, W_K, W_V)``: queries from ``S2``, keys and values from ``S1``, scaled by 1/√d_k."""
    g = torch.Generator().manual_seed(2)
    # first a square case (n1 = n2 = d_in = d_k = d_v), where a missing transpose or the values of the
    # wrong sentence still give numbers, so the check can tell which it is; then the lab's example
    square = torch.Generator().manual_seed(20)
    cases = [tuple(_rand(square, 4, 4, scale=0.8) for _ in range(5)), _lesson_example()]
    for n1, n2, d_in, d_k, d_v in [(5, 3, 4, 6, 2), (7, 4, 3, 5, 5), (4, 6, 8, 4, 3)]:
        cases.append((_rand(g, n1, d_in), _rand(g, n2, d_in), _rand(g, d_in, d_k, scale=0.8),
                      _rand(g, d_in, d_k, scale=0.8), _rand(g, d_in, d_v)))
    cases.append(tuple(t.double() for t in cases[-1]))  # float64 in, float64 out
    # one query, a (1, n1) row of weights (an answer that squeezed its result, .squeeze(), passed every case
    # above and lost its point in the hidden tests)
    cases.append((_rand(g, 5, 4), _rand(g, 1, 4), _rand(g, 4, 3, scale=0.8), _rand(g, 4, 3, scale=0.8), _rand(g, 4, 2)))
    mistakes = [
        Mistake("no scaling", "the scores are not divided by √d_k (d_k = W_K.shape[1]) before the softmax.",
                lambda *a: _cross(*a, scale=1.0)),
        Mistake("divided by d_k", "the scores are divided by d_k instead of √d_k.",
                lambda *a: _cross(*a, scale=1 / a[3].shape[1])),
        *[Mistake("softmax over the wrong dimension", "each query's weights over the keys "
                  "(the last dimension, dim=-1) must sum to 1.", wrong) for wrong in (
                      lambda *a: _cross(*a, softmax_dim=0),
                      lambda *a: _hand_softmax(_cross_scores(*a), 0) @ _cross_values(*a))],
        Mistake("softmax by hand overflows", "torch.exp of a large score is inf (float32 ends near e^88, and the "
                "lesson's sentences give scores near 1e8), and inf / inf is NaN: subtract each row's largest score "
                "before exp, e = torch.exp(scores - scores.max(dim=-1, keepdim=True).values), or use "
                "torch.softmax(scores, dim=-1), which does.",
                lambda *a: _hand_softmax(_cross_scores(*a), -1) @ _cross_values(*a)),
        *[Mistake("d_k ** 1 / 2 is not √d_k", "** binds tighter than /, so d_k ** 1 / 2 is d_k / 2 (and "
                  "x / d_k ** 1 / 2 is x / d_k / 2), not the square root: write math.sqrt(d_k), or d_k ** 0.5.",
                  lambda *a, f=f: _cross(*a, scale=f / a[3].shape[1])) for f in (2.0, 0.5)],
        Mistake("softmax not used", "the weights must be the softmax of the scaled scores, and it is the weights "
                "that mix the values: weights = torch.softmax(scores, dim=-1); return weights @ V (a softmax whose "
                "result is not assigned changes nothing).", lambda *a: _cross_scores(*a) @ _cross_values(*a)),
        Mistake("largest score of the whole matrix subtracted", "exp(scores - scores.max()) takes off the largest "
                "score of the WHOLE matrix: in a row whose scores are all far below it (the lesson's sentences give "
                "scores near 1e8) every exp is 0, and 0 / 0 is NaN. Take off each row's own largest score, "
                "scores.max(dim=-1, keepdim=True).values, or use torch.softmax(scores, dim=-1), which does.",
                lambda *a: (lambda e: e / e.sum(dim=-1, keepdim=True))(
                    torch.exp(_cross_scores(*a) - _cross_scores(*a).max())) @ _cross_values(*a)),
        Mistake("largest score of each column subtracted", "exp(scores - scores.max(dim=0, keepdim=True).values) takes "
                "off each COLUMN's largest score, a different number in each place of a row, so the weights change: "
                "the softmax is unchanged only by taking off one number per row, its own largest, "
                "scores.max(dim=-1, keepdim=True).values (or use torch.softmax(scores, dim=-1), which does).",
                lambda *a: (lambda e: e / e.sum(dim=-1, keepdim=True))(
                    torch.exp(_cross_scores(*a) - _cross_scores(*a).max(dim=0, keepdim=True).values)) @ _cross_values(*a)),
        Mistake("list of rows instead of a tensor", "you returned a Python list of the rows (one per query): return "
                "one (n2, d_v) tensor, weights @ V for all the queries at once (or torch.stack(rows) of your rows).",
                lambda *a: list(ref.cross_attention(*a))),
        Mistake("sentences swapped", "queries and keys/values come from the wrong sentences: queries from S2, keys and "
                "values from S1.", lambda *a: _cross(*a, swap=True)),
        *[Mistake("scaled by the wrong size", "the scores are divided by the square root of another size: d_k is "
                  "the size of each query and key vector, W_K.shape[1] (= K.shape[-1]), not d_in, the number of "
                  "tokens or d_v.", lambda *a, size=size: _cross(*a, scale=1 / math.sqrt(size(*a))))
          for size in (lambda S1, S2, *w: S1.shape[1], lambda S1, *r: S1.shape[0], lambda S1, S2, *w: S2.shape[0],
                       lambda *a: a[4].shape[1])],
        Mistake("scaled after the softmax", "the weights were divided by √d_k after the softmax, so they no longer "
                "sum to 1: scale the scores, softmax(Q @ K.T / math.sqrt(d_k)), then multiply by V.",
                lambda S1, S2, W_Q, W_K, W_V: torch.softmax((S2 @ W_Q) @ (S1 @ W_K).T, dim=-1)
                / math.sqrt(W_K.shape[1]) @ (S1 @ W_V)),
        Mistake("keys not transposed", "the scores are Q @ K.T, (n2, d_k) @ (d_k, n1) = (n2, n1): K must be "
                "transposed.", lambda S1, S2, W_Q, W_K, W_V: torch.softmax(
                    (S2 @ W_Q) @ (S1 @ W_K) / math.sqrt(W_K.shape[1]), dim=-1) @ (S1 @ W_V)),
        Mistake("float32 result", _FLOAT32_HINT, lambda *a: ref.cross_attention(*a).float()),
        Mistake("attention weights returned", "you returned the attention weights softmax(Q @ K.T / √d_k), "
                "(n2, n1): the result is those weights applied to the values, weights @ V, (n2, d_v).",
                lambda S1, S2, W_Q, W_K, W_V: torch.softmax((S2 @ W_Q) @ (S1 @ W_K).T / math.sqrt(W_K.shape[1]), dim=-1)),
        Mistake("normalised without exp", "the scores were divided by their row sums without torch.exp first: "
                "scores can be negative, so those 'weights' are not probabilities (and a row summing to about 0 "
                "blows up). Take the softmax, torch.softmax(scores, dim=-1), which exponentiates then normalises.",
                lambda *a: (lambda s: s / s.sum(dim=-1, keepdim=True))(_cross_scores(*a)) @ _cross_values(*a)),
        Mistake("values not projected", "the weights average the VALUES, V = S1 @ W_V: weights @ V, not weights "
                "@ S1 (the tokens of S1 themselves, W_V left out).", lambda S1, S2, W_Q, W_K, W_V: torch.softmax(
                    (S2 @ W_Q) @ (S1 @ W_K).T / math.sqrt(W_K.shape[1]), dim=-1) @ S1),
        Mistake("values projected twice", "V = S1 @ W_V is already projected: return weights @ V, without "
                "another @ W_V (before or after the weights).", lambda *a: ref.cross_attention(*a) @ a[4]),
        *[Mistake("residual added", "cross_attention returns the attention's output alone, weights @ V: the "
                  "residual (adding the queries or the input back) belongs to the layer that uses it, not here.",
                  lambda S1, S2, W_Q, W_K, W_V, back=back: ref.cross_attention(S1, S2, W_Q, W_K, W_V)
                  + back(S2, W_Q)) for back in (lambda S2, W_Q: S2 @ W_Q, lambda S2, W_Q: S2)],
        Mistake("values from the wrong sentence", "the values come from S1, like the keys (V = S1 @ W_V): each "
                "query mixes the values of the tokens it attends to.", lambda S1, S2, W_Q, W_K, W_V: torch.softmax(
                    (S2 @ W_Q) @ (S1 @ W_K).T / math.sqrt(W_K.shape[1]), dim=-1) @ (S2 @ W_V)),
        *[Mistake("softmax over the whole matrix", "the exponentials were divided by the sum of the WHOLE score "
                  "matrix, so the weights of all queries together sum to 1: normalise each query's row on its own, "
                  "torch.softmax(scores, dim=-1) (or e / e.sum(dim=-1, keepdim=True)).", wrong) for wrong in (
                      lambda *a: (lambda e: e / e.sum())(torch.exp(_cross_scores(*a))) @ _cross_values(*a),
                      lambda *a: (lambda s: torch.softmax(s.flatten(), 0).view_as(s))(_cross_scores(*a))
                      @ _cross_values(*a))],
        Mistake("row sums without keepdim", "e.sum(dim=-1) has shape (n2,), which broadcasting lines up with the "
                "COLUMNS of the (n2, n1) scores: keep the dimension, e.sum(dim=-1, keepdim=True), or use "
                "torch.softmax(scores, dim=-1).",
                lambda *a: (lambda e: e / e.sum(dim=-1))(torch.exp(_cross_scores(*a))) @ _cross_values(*a)),
        Mistake("row max without keepdim", "scores.max(dim=-1).values has shape (n2,), which broadcasting lines "
                "up with the COLUMNS of the (n2, n1) scores, so each column loses another row's maximum (and the "
                "shapes clash when n1 != n2): keep the dimension, scores.max(dim=-1, keepdim=True).values, or use "
                "torch.softmax(scores, dim=-1), which does it for you.",
                lambda *a: _hand_softmax(_cross_scores(*a) - _cross_scores(*a).max(dim=-1).values, -1)
                @ _cross_values(*a)),
        *[Mistake("weights not normalised", "torch.exp of the scores is not yet the weights: divide each row by "
                  "its sum, e / e.sum(dim=-1, keepdim=True), so that every query's weights sum to 1 (or use "
                  "torch.softmax(scores, dim=-1)).", lambda *a, shift=shift: torch.exp(
                      _cross_scores(*a) - (_cross_scores(*a).max(dim=-1, keepdim=True).values if shift else 0))
                  @ _cross_values(*a)) for shift in (True, False)],
        Mistake("sigmoid instead of softmax", "a sigmoid squashes each score on its own, so a query's weights do "
                "not sum to 1 and do not compete: use torch.softmax(scores, dim=-1), which normalises each row.",
                lambda *a: torch.sigmoid(_cross_scores(*a)) @ _cross_values(*a)),
        Mistake("log_softmax instead of softmax", "log_softmax gives log-probabilities (negative numbers), not "
                "weights that sum to 1: use torch.softmax(scores, dim=-1) before multiplying by V.",
                lambda *a: F.log_softmax(_cross_scores(*a), dim=-1) @ _cross_values(*a)),
        Mistake("weight matrices transposed", "W_Q, W_K (d_in, d_k) and W_V (d_in, d_v) multiply the sentences "
                "as they are: Q = S2 @ W_Q, K = S1 @ W_K, V = S1 @ W_V (x @ W.T is for nn.Linear's weights, "
                "stored (out, in)).", lambda S1, S2, W_Q, W_K, W_V: ref.cross_attention(S1, S2, W_Q.T, W_K.T, W_V.T)),
        # (W_K @ S1.T runs only where d_k = d_in, the square first case; the keys as columns, (d_k, n1), so the
        # scores are Q @ K, or Q @ K.T as usual)
        *[Mistake("W_K on the left", "K = W_K @ S1.T multiplies by W_K untransposed (it runs here only because "
                  "d_in = d_k; elsewhere the shapes clash): the keys are the rows of S1 @ W_K, one per token of S1, "
                  "and the scores are Q @ K.T.", lambda S1, S2, W_Q, W_K, W_V, t=t: torch.softmax(
                      (S2 @ W_Q) @ ((W_K @ S1.T).T if t else W_K @ S1.T) / math.sqrt(W_K.shape[1]), dim=-1) @ (S1 @ W_V))
          for t in (False, True)],
        Mistake("float64 result", "the inputs are float32 and so must be the result: don't convert with "
                ".double() on the way; compute with the inputs' dtype.",
                lambda *a: ref.cross_attention(*a).double()),
        Mistake("multiplied by √d_k", "the scores were multiplied by √d_k: divide them, "
                "Q @ K.T / math.sqrt(d_k), so that they stay small as d_k grows.",
                lambda *a: _cross(*a, scale=math.sqrt(a[3].shape[1]))),
        Mistake("result transposed", "the result is (n2, d_v), one row per query (per token of S2): "
                "weights @ V, not its transpose (V.T @ weights.T).", lambda *a: ref.cross_attention(*a).T),
        *[Mistake("wrong weight matrix", "each projection has its own matrix: Q = S2 @ W_Q, K = S1 @ W_K, "
                  "V = S1 @ W_V; here one of them was made with another's.",
                  lambda S1, S2, W_Q, W_K, W_V, pick=pick: _attend(*pick(S1, S2, W_Q, W_K, W_V)))
          for pick in (lambda S1, S2, W_Q, W_K, W_V: (S2 @ W_Q, S1 @ W_Q, S1 @ W_V),
                       lambda S1, S2, W_Q, W_K, W_V: (S2 @ W_K, S1 @ W_K, S1 @ W_V),
                       lambda S1, S2, W_Q, W_K, W_V: (S2 @ W_Q, S1 @ W_K, S1 @ W_K),
                       lambda S1, S2, W_Q, W_K, W_V: (S2 @ W_Q, S1 @ W_K, S1 @ W_Q))],
        Mistake("causal mask in cross-attention", "cross-attention hides nothing: every token of S2 may attend "
                "to every token of S1, the other sentence, which has no 'future' to hide (the causal mask is for "
                "a sequence attending to itself). Leave the mask out: softmax(Q @ K.T / √d_k) @ V.",
                lambda *a: _cross(*a, mask=torch.ones(a[1].shape[0], a[0].shape[0], dtype=torch.bool).tril())),
        Mistake("weights transposed", "weights is (n2, n1), one row per query, over the keys: weights @ V. "
                "weights.T @ V uses its columns, the queries, as if they were keys.",
                lambda *a: _cross(*a, weights_only=True).T @ (a[0] @ a[4])),
        Mistake("queries from the wrong sentence", "S2 attends to S1: the queries come from S2, Q = S2 @ W_Q, "
                "and the keys and values from S1; with Q = S1 @ W_Q, as in self-attention, S1 attends to itself and "
                "the result has S1's n1 rows, not S2's n2.",
                lambda S1, S2, W_Q, W_K, W_V: _attend(S1 @ W_Q, S1 @ W_K, S1 @ W_V)),
        Mistake("queries transposed instead of the keys", "the scores are Q @ K.T, (n2, d_k) @ (d_k, n1) = (n2, n1): "
                "one row per query, one column per key. Q.T @ K multiplies over the positions instead and gives "
                "(d_k, d_k), which only fits the values when the sizes happen to agree.",
                lambda S1, S2, W_Q, W_K, W_V: torch.softmax((S2 @ W_Q).T @ (S1 @ W_K) / math.sqrt(W_K.shape[1]),
                                                            dim=-1) @ (S1 @ W_V), same_error=True),
        Mistake("keys from the wrong sentence", "S2 attends to S1: the queries come from S2, and the keys and "
                "the values both from S1, K = S1 @ W_K, V = S1 @ W_V (not K = S2 @ W_K, as in self-attention).",
                lambda S1, S2, W_Q, W_K, W_V: _attend(S2 @ W_Q, S2 @ W_K, S1 @ W_V)),
        Mistake("dimensions counted for a batch", "S1 and S2 are 2-D, (n, d_in): K.transpose(1, 2) asks for a "
                "third dimension they don't have. Transpose the last two, K.T or K.transpose(-2, -1).",
                error="Dimension out of range"),
        Mistake("torch.bmm on 2-D matrices", "torch.bmm multiplies 3-D batches only, and these are (n, d) "
                "matrices: use @ (torch.matmul), Q @ K.T.", error="must be a 3D tensor"),
    ]
    single = first_named(mistakes)
    mistakes += two_at_once([(single["no scaling"], "scale", lambda *a: 1.0),
                              (single["divided by d_k"], "scale", lambda *a: 1 / a[3].shape[1]),
                              (single["multiplied by √d_k"], "scale", lambda *a: math.sqrt(a[3].shape[1])),
                              (single["softmax over the wrong dimension"], "softmax_dim", lambda *a: 0),
                              (single["sentences swapped"], "swap", lambda *a: True),
                              (single["values from the wrong sentence"], "values", lambda *a: "S2 @ W_V"),
                              (single["values not projected"], "values", lambda *a: "S1"),
                              (single["scaled by the wrong size"], "scale", lambda *a: 1 / math.sqrt(a[0].shape[1])),
                              (single["result transposed"], "transposed", lambda *a: True)],
                             lambda args, knobs: _cross(*args, **knobs), apart=[{"swap", "values"}])
    run_check("cross_attention", student_fn, ref.cross_attention, cases, mistakes, atol=1e-4, rtol=1e-4, unchanged=True)
    # a model trains through it: every input (S1, S2, W_Q, W_K, W_V) must get its gradient
    check_gradient("cross_attention", student_fn, ref.cross_attention, cases[-1], wrt=range(5), atol=1e-4, rtol=1e-4)


# --- scaled dot-product attention ----------------------------------------------------------------

def _sdpa_cases():
    g = torch.Generator().manual_seed(3)
    cases = []
    for batch, T_q, T_k, d, d_v in [((), 4, 6, 8, 5), ((2,), 5, 5, 4, 4), ((2, 3), 3, 7, 6, 2)]:
        q, k, v = _rand(g, *batch, T_q, d), _rand(g, *batch, T_k, d), _rand(g, *batch, T_k, d_v)
        cases.append((q, k, v))
        mask = torch.rand(T_q, T_k, generator=g) < 0.6
        mask[:, 0], mask[:, -1] = True, False  # every query sees something and misses something
        cases.append((q, k, v, mask))
    q, k, v = (_rand(g, 2, 6, 4) for _ in range(3))
    cases.append((q, k, v, ref.causal_mask(6)))
    # a padding mask, (B, 1, T_k): the lesson's own, which broadcasts over the queries (not 2-D)
    padding = torch.arange(6) < torch.tensor([4, 6])[:, None]  # (B, T_k): the first 4 and 6 keys are real
    cases.append((q, k, v, padding[:, None, :]))
    # a float mask is added to the scores (the lesson's visible test and the hidden tests use one too)
    additive = _rand(g, 6, 6).masked_fill(~(torch.rand(6, 6, generator=g) < 0.6), float("-inf"))
    additive[:, 0] = 0.5
    additive[-1] = additive[-1].nan_to_num(neginf=-2.0)  # one row of finite values only: a mask subtracted gives no NaN there
    cases.append((q, k, v, additive))
    # one key/value sequence for many queries: k and v of batch size 1 broadcast against q's 4, as @ does (the
    # hidden tests have this case; an answer that looped over q's batch, k[i], failed only there: rt30)
    cases.append((_rand(g, 4, 3, 5), _rand(g, 1, 6, 5), _rand(g, 1, 6, 2)))
    cases.append((q.double(), k.double(), v.double(), ref.causal_mask(6)))  # float64 in, float64 out
    # a float64 mask is added too, here to queries without a batch dimension: the mask is used as it is
    cases.append((q[0].double(), k[0].double(), v[0].double(), additive.double()))
    # one query, as when generating a token at a time: a size-1 dimension of its own (an answer that squeezed
    # its result, .squeeze(), passed every case above and lost its point in the hidden tests)
    cases.append((_rand(g, 2, 1, 4), _rand(g, 2, 6, 4), _rand(g, 2, 6, 3), ref.causal_mask(6)[-1:]))
    return cases


def check_scaled_dot_product_attention(student_fn) -> None:
    """``student_fn(q, k, v, mask=None)`` for ``(..., T, d)`` tensors; ``mask`` is boolean, True = may attend."""
    mistakes = [
        Mistake("mask taken as 2-D", "a mask broadcasts to (..., T_q, T_k): lesson 02's padding mask is "
                "(B, 1, T_k), one row per sequence for all its queries. Use scores.masked_fill(~mask, "
                "float('-inf')) (or scores + mask), which broadcasts, not the mask's shape unpacked or a loop "
                "over its rows and columns.", error="too many values to unpack",
                on=lambda q, k, v, m=None: m is not None and m.dim() > 2),
        Mistake("no scaling", "the scores are not divided by √d (d = q.shape[-1]) before the softmax.",
                lambda q, k, v, m=None: _attend(q, k, v, m, scale=1.0)),
        Mistake("divided by d", "the scores are divided by d instead of √d.",
                lambda q, k, v, m=None: _attend(q, k, v, m, scale=1 / q.shape[-1])),
        Mistake("softmax over the wrong dimension", "each query's weights over the keys "
                "(dim=-1) must sum to 1.", lambda q, k, v, m=None: _attend(q, k, v, m, softmax_dim=-2)),
        Mistake("mask ignored", "the mask is not applied: set the scores where mask is False to -inf before the softmax.",
                lambda q, k, v, m=None: _attend(q, k, v, None)),
        Mistake("mask inverted", "the mask is inverted: True means 'may attend', so hide the positions where mask is "
                "False (scores.masked_fill(~mask, float('-inf'))).",
                lambda q, k, v, m=None: _attend(q, k, v, m, mask_mode="inverted")),
        Mistake("masked with 0", "masked scores are set to 0 instead of -inf: exp(0) = 1, so hidden positions still get weight.",
                lambda q, k, v, m=None: _attend(q, k, v, m, fill=0.0)),
        Mistake("masked with +inf", "the hidden scores were filled with float('inf'), PLUS infinity: the softmax of "
                "a row holding +inf is NaN (inf - inf). Fill them with float('-inf'), minus infinity, so that "
                "exp gives them exactly 0.", lambda q, k, v, m=None: _attend(q, k, v, m, fill=float("inf"))),
        Mistake("mask after softmax", "the mask is applied after the softmax, so the weights no longer sum to 1: mask the "
                "scores with -inf before the softmax.",
                lambda q, k, v, m=None: _attend(q, k, v, m, mask_mode="after_softmax")),
        Mistake("softmax over the wrong dimension", "each query's weights over the keys (dim=-1) must sum to 1: "
                "dim=1 is the keys only for 2-D inputs; with batch dimensions in front it is another axis.",
                lambda q, k, v, m=None: _attend(q, k, v, m, softmax_dim=1)),
        Mistake("softmax over the wrong dimension", "each query's weights over the keys (dim=-1) must sum to 1: "
                "dim=0 is the queries for 2-D inputs, and with batch dimensions in front it is the batch.",
                lambda q, k, v, m=None: _attend(q, k, v, m, softmax_dim=0)),
        *[Mistake("scaled by the wrong size", "the scores are divided by the square root of another size: d is the "
                  "size of each query and key vector, q.shape[-1], not the number of keys or queries, nor d_v.",
                  lambda q, k, v, m=None, size=size: _attend(q, k, v, m, scale=1 / math.sqrt(size(q, k, v))))
          for size in (lambda q, k, v: k.shape[-2], lambda q, k, v: q.shape[-2], lambda q, k, v: v.shape[-1])],
        Mistake("float mask not added", "a float mask is added to the scores (scores + mask: 0 keeps a score, -inf "
                "hides it); only a boolean mask is filled with masked_fill(~mask, -inf). Test mask.dtype == "
                "torch.bool to tell them apart.", lambda q, k, v, m=None: _attend(q, k, v, m, mask_mode="boolean only")),
        Mistake("float mask not added", "a float mask is added to the scores (scores + mask); ~mask only works on "
                "a boolean mask. Test mask.dtype == torch.bool: masked_fill(~mask, float('-inf')) for a boolean "
                "mask, scores + mask for a float one.", error="only implemented on integer and Boolean"),
        Mistake("float mask not added", "torch.where needs a boolean condition: a float mask is added to the "
                "scores (scores + mask). Test mask.dtype == torch.bool: torch.where(mask, scores, float('-inf')) "
                "for a boolean mask, scores + mask for a float one.",
                error="where expected condition to be a boolean tensor"),
        Mistake("float32 result", _FLOAT32_HINT,
                lambda q, k, v, m=None: ref.scaled_dot_product_attention(q, k, v, m).float()),
        Mistake("boolean mask added", "a boolean mask was added to the scores (True counts as 1): hide the "
                "positions where it is False instead, scores.masked_fill(~mask, float('-inf')); only a float "
                "mask is added. (Where you test the dtype, test mask.dtype == torch.bool: a tensor's dtype is never "
                "Python's bool, so mask.dtype == bool is False for a boolean mask too.)",
                lambda q, k, v, m=None: _attend(q, k, v, m, mask_mode="added")),
        Mistake("attention weights returned", "you returned the attention weights, softmax(scores), (..., T_q, "
                "T_k): the result is those weights applied to the values, weights @ v, (..., T_q, d_v).",
                lambda q, k, v, m=None: _attend(q, k, v, m, weights_only=True)),
        Mistake("if mask: on a tensor", "`if mask:` asks a tensor of many values for one truth value, which it "
                "has not: test whether a mask was given, `if mask is not None:`.", error="Boolean value of Tensor"),
        Mistake("mask=None not handled", "mask is optional: without one (mask=None) there is nothing to hide, so "
                "apply it only `if mask is not None:`.", error="NoneType",
                on=lambda q, k, v, m=None: m is None),
        Mistake("mask used as an index", "scores[~mask] = float('-inf') needs a mask of the scores' full shape, "
                "and a (T_q, T_k) mask does not broadcast over the batch dimensions in front: use "
                "scores.masked_fill(~mask, float('-inf')), which does.", error="The shape of the mask"),
        Mistake("float64 turned into float32", "the inputs are float64, and softmax(..., dtype=torch.float32) (or "
                ".float()) made the weights float32, which then meet the float64 v: keep the inputs' dtype, "
                "torch.softmax(scores, dim=-1), which computes in the scores' own dtype.",
                lambda q, k, v, m=None: _attend(q, k, v, m, weights_only=True).float() @ v, same_error=True),
        Mistake("keys' batch not broadcast", "k and v may hold one sequence for many queries: batch size 1 "
                "against q's batch of 4, which broadcasts as in F.scaled_dot_product_attention. Let @ broadcast "
                "the dimensions in front, q @ k.transpose(-2, -1) and weights @ v, rather than a loop over q's "
                "batch that takes k[i] and v[i].", error="",
                on=lambda q, k, v, m=None: k.shape[:-2] != q.shape[:-2]),
        # (any error on batched float32 inputs; the float64 cases come after float32 ones of the same shapes)
        Mistake("batch dimensions not handled", "your function fails on batched inputs (..., T, d): transpose the "
                "last two dimensions only, k.transpose(-2, -1) (k.T reverses every dimension of a 3-D tensor), "
                "and let @ broadcast over the dimensions in front.", error="",
                on=lambda q, k, v, m=None: q.dim() > 2 and q.dtype == torch.float32),
        Mistake("float mask subtracted", "a float mask is ADDED to the scores, scores + mask: its -inf entries "
                "make a score -inf (weight 0); subtracted, -(-inf) is +inf and the softmax gives NaN.",
                lambda q, k, v, m=None: _attend(q, k, v, m, mask_mode="subtracted")),
        *[Mistake("float mask read as a boolean", "a float mask is added to the scores as it is (scores + mask): "
                  "turning it into a boolean keeps only where it is 0 (or finite) and drops its values. Test "
                  "mask.dtype == torch.bool: masked_fill(~mask, float('-inf')) for a boolean mask, scores + mask "
                  "for a float one.", lambda q, k, v, m=None, keep=keep: _attend(
                      q, k, v, m if m is None or m.dtype == torch.bool else keep(m)))
          for keep in (lambda m: m == 0, lambda m: m != float("-inf"))],
        *[Mistake("only float32 masks added", "a float64 mask is additive too: test mask.dtype == torch.bool (fill "
                  "a boolean mask, add any other), not mask.dtype == torch.float32.",
                  lambda q, k, v, m=None, other=other: _attend(
                      q, k, v, m if m is None or m.dtype in (torch.bool, torch.float32) else other(m)))
          for other in (lambda m: m.bool(), lambda m: None)],
        *[Mistake("mask unsqueezed", "the mask already broadcasts against the scores (..., T_q, T_k): use it as it "
                  "is; the dimension you added in front ends up in the result when q, k and v are 2-D.",
                  lambda q, k, v, m=None, extra=extra: ref.scaled_dot_product_attention(
                      q, k, v, None if m is None else extra(m)))
          for extra in (lambda m: m[None], lambda m: m[None, None])],
        *[Mistake("dimensions counted from the front", "q, k and v may be 2-D, (T, d), or have several batch "
                  "dimensions: don't unpack them or number their dimensions from the front (B, T, d = q.shape, "
                  "k.transpose(1, 2), k.permute(0, 2, 1), softmax(dim=2)); count from the end: k.transpose(-2, -1), "
                  "q.shape[-1], softmax(dim=-1).", error=text, on=lambda q, k, v, m=None: q.dim() == 2)
          for text in ("Dimension out of range", "tuple index out of range", "not enough values to unpack",
                       "does not match the length of the desired ordering")],
        Mistake("torch.bmm on other shapes", "torch.bmm only multiplies 3-D batches: use @ (torch.matmul), which "
                "takes (T, d) matrices and any number of batch dimensions.", error="must be a 3D tensor",
                on=lambda q, k, v, m=None: q.dim() != 3),
        Mistake("masked_fill's result not kept", "masked_fill returns a NEW tensor and leaves scores as they were, "
                "so the boolean mask hid nothing: keep its result, scores = scores.masked_fill(~mask, "
                "float('-inf')) (or fill in place with masked_fill_).",
                lambda q, k, v, m=None: _attend(q, k, v, None if m is not None and m.dtype == torch.bool else m)),
        Mistake("float mask multiplied", "a float mask is ADDED to the scores, scores + mask (0 keeps a score, "
                "-inf hides it); multiplied, 0 wipes a score out and -inf times a score is ±inf, which the "
                "softmax turns into NaN.", lambda q, k, v, m=None: torch.softmax(
                    q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]) * m, dim=-1) @ v
                if m is not None and m.dtype != torch.bool else _attend(q, k, v, m)),
        Mistake("mask scaled with the scores", "the float mask was divided by √d together with the scores: "
                "scale first, q @ k.transpose(-2, -1) / math.sqrt(d), then add the mask as it is.",
                lambda q, k, v, m=None: _attend(q, k, v, None if m is None else m / math.sqrt(q.shape[-1]))
                if m is not None and m.dtype != torch.bool else _attend(q, k, v, m)),
        Mistake("d ** 1/2 is not √d", "d ** 1/2 is (d ** 1) / 2: ** binds tighter than /, so scores / d ** 1/2 "
                "divides by d and then by 2. Divide by the square root, math.sqrt(d) or d ** 0.5 (with its "
                "parentheses, d ** (1/2)).", lambda q, k, v, m=None: _attend(q, k, v, m, scale=1 / (2 * q.shape[-1]))),
        Mistake("multiplied by √d", "the scores are multiplied by √d: DIVIDE them, q @ k.transpose(-2, -1) / "
                "math.sqrt(d), which keeps their spread near 1 whatever d is.",
                lambda q, k, v, m=None: _attend(q, k, v, m, scale=math.sqrt(q.shape[-1]))),
        Mistake("scaled after the softmax", "the √d belongs inside the softmax, softmax(q kᵀ / √d): divide the "
                "scores before the softmax, not the weights or the output after it.",
                lambda q, k, v, m=None: _attend(q, k, v, m, scale=1.0) / math.sqrt(q.shape[-1])),
    ]
    single = first_named(mistakes)
    mistakes += two_at_once([(single["no scaling"], "scale", lambda q, *r: 1.0),
                              (single["divided by d"], "scale", lambda q, *r: 1 / q.shape[-1]),
                              (single["multiplied by √d"], "scale", lambda q, *r: math.sqrt(q.shape[-1])),
                              (single["softmax over the wrong dimension"], "softmax_dim", lambda *a: -2),
                              (single["mask inverted"], "mask_mode", lambda *a: "inverted"),
                              (single["mask after softmax"], "mask_mode", lambda *a: "after_softmax"),
                              (single["masked with 0"], "fill", lambda *a: 0.0)],
                             lambda args, knobs: _attend(*args, **knobs))
    # (both on the one mask knob: weights.masked_fill(mask, 0) after the softmax)
    inverted, after = single["mask inverted"], single["mask after softmax"]
    mistakes.append(Mistake(f"{inverted.name} and {after.name}", f"two mistakes at once. Mask inverted: "
                            f"{inverted.hint} And mask after softmax: {after.hint}",
                            lambda q, k, v, m=None: _attend(q, k, v, m, mask_mode="inverted_after_softmax")))
    cases = _sdpa_cases()
    run_check("scaled_dot_product_attention", student_fn, ref.scaled_dot_product_attention, cases, mistakes,
              unchanged=True)
    # q, k and v each get their gradient (no torch.no_grad(), .detach() on the way)
    check_gradient("scaled_dot_product_attention", student_fn, ref.scaled_dot_product_attention, cases[-1],
                   wrt=range(3))


def _mask_without_row_0(T):
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    mask[0] = False
    return mask


def _mask_without_last_row(T):
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    mask[-1] = False
    return mask


def _split_one_sequence(x, nh):
    """split_heads written for a batch of one: the batch dimension left out of the view."""
    B, T, C = x.shape
    return x.view(T, nh, C // nh).transpose(0, 1).unsqueeze(0)


def check_causal_mask(student_fn) -> None:
    """``student_fn(T)``: a ``(T, T)`` boolean mask, True where position i may attend to position j (j ≤ i)."""
    # triu(diagonal=-1): the upper triangle and diagonals below it
    upper_below = [Mistake("upper triangle", "torch.triu keeps the upper triangle, and a negative diagonal only adds "
                           "diagonals below it: position i may attend to positions 0..i, the lower triangle with the "
                           "diagonal, torch.tril(torch.ones(T, T, dtype=torch.bool)) (diagonal 0).",
                           lambda T, d=d: torch.ones(T, T, dtype=torch.bool).triu(d)) for d in (-1, -2, -3)]
    mistakes = [
        Mistake("upper triangle", "this is the upper triangle: position i may attend to positions 0..i, the lower "
                "triangle (torch.tril).", lambda T: torch.ones(T, T, dtype=torch.bool).triu()),
        Mistake("True marks the future", "True must mean 'may attend' (PyTorch's convention); you marked the positions to hide.",
                lambda T: torch.ones(T, T, dtype=torch.bool).triu(1)),
        *upper_below,
        Mistake("diagonal missing", "the diagonal is missing: every position may attend to itself.",
                lambda T: torch.ones(T, T, dtype=torch.bool).tril(-1)),
        Mistake("numbers instead of booleans", "the pattern is right but the mask holds 0/1 numbers; make it "
                "boolean: torch.ones(T, T, dtype=torch.bool).tril(), or .bool().",
                lambda T: torch.ones(T, T).tril(), credit=0.5),
        Mistake("numbers instead of booleans", "the pattern is right but the mask holds 0/1 numbers; make it "
                "boolean: torch.ones(T, T, dtype=torch.bool).tril(), or .bool().",
                lambda T: torch.ones(T, T, dtype=torch.long).tril(), credit=0.5),
        Mistake("additive mask", "you returned an additive float mask (0 and -inf); the exercise asks for "
                "a boolean mask, True where position i may attend to j.",
                lambda T: torch.zeros(T, T).masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))),
        Mistake("additive mask", "you returned an additive float mask (0 and a large negative number); the "
                "exercise asks for a boolean mask, True where position i may attend to j.",
                lambda T: torch.zeros(T, T).masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), -1e9)),
        *[Mistake("numbers instead of booleans", "the pattern is right but the mask holds 0/1 numbers; make it "
                  "boolean: torch.ones(T, T, dtype=torch.bool).tril(), or .bool().",
                  lambda T, dtype=dtype: torch.ones(T, T, dtype=dtype).tril()) for dtype in (torch.uint8, torch.int32)],
        Mistake("a row, not a (T, T) grid", "a mask compares every query position i with every key position j: "
                "a column against a row, torch.arange(T)[:, None] >= torch.arange(T)[None, :], gives (T, T). With "
                "[None, :] on one side only, both sides hold the same positions, and broadcasting gives one row.",
                lambda T: torch.arange(T)[None, :] <= torch.arange(T)),
        Mistake("one step of the future", "tril(diagonal=1) also lets position i see position i + 1, the next "
                "token: keep the default diagonal=0, torch.tril(torch.ones(T, T, dtype=torch.bool)).",
                lambda T: torch.ones(T, T, dtype=torch.bool).tril(1)),
        Mistake("numbers instead of booleans", "the pattern is right but the mask holds 0/1 numbers; make it "
                "boolean: torch.ones(T, T, dtype=torch.bool).tril(), or .bool().",
                lambda T: torch.ones(T, T, dtype=torch.float64).tril()),
        *[Mistake("size hard-coded", "the mask's size must come from T, torch.ones(T, T, dtype=torch.bool).tril(), "
                  "not from a fixed size such as a block size (cut down or not, made once or at every call): it "
                  "must work for any T.", wrong) for size in (8, 16, 32, 64, 128, 256, 512, 1024) for wrong in (
                      lambda T, size=size: torch.ones(size, size, dtype=torch.bool).tril()[:T, :T],
                      lambda T, size=size: torch.ones(size, size, dtype=torch.bool).tril())],
        *[Mistake("extra dimensions", "return the (T, T) mask itself: the batch and head dimensions are added where "
                  "it is used (broadcasting, or mask[None, None] there).",
                  lambda T, shape=shape: torch.ones(T, T, dtype=torch.bool).tril().view(*shape, T, T))
          for shape in ((1, 1), (1,))],
        *[Mistake("mask flipped", "the mask's rows or columns are in reverse order: row i must allow columns "
                  "0..i, the lower triangle as torch.tril(torch.ones(T, T, dtype=torch.bool)) gives it, unflipped.",
                  lambda T, dim=dim: torch.ones(T, T, dtype=torch.bool).tril().flip(dim)) for dim in (0, 1)],
        Mistake("1 and -inf instead of booleans", "your mask holds 1 where a position may attend and -inf where "
                "it may not: a float mask is added to the scores, so its 1s would shift them, and the exercise "
                "asks for booleans anyway: torch.ones(T, T, dtype=torch.bool).tril(), True where j <= i.",
                lambda T: torch.ones(T, T).tril().masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1),
                                                              float("-inf"))),
        Mistake("only the diagonal", "torch.eye lets each position see itself only: position i may attend to "
                "every position j <= i, the whole lower triangle, torch.ones(T, T, dtype=torch.bool).tril().",
                lambda T: torch.eye(T, dtype=torch.bool)),
        Mistake("nothing hidden", "every entry is True, so every position sees the future too. If you wrote "
                "mask.tril() on a line of its own: tril returns a NEW tensor and leaves mask as it was; keep "
                "it, mask = mask.tril() (or return torch.ones(T, T, dtype=torch.bool).tril()).",
                lambda T: torch.ones(T, T, dtype=torch.bool)),
        *[Mistake("size off by one", f"the mask has {what} rows and columns than T: causal_mask(T) is (T, T), "
                  f"one row and one column per position, torch.ones(T, T, dtype=torch.bool).tril().",
                  lambda T, d=d: torch.ones(T + d, T + d, dtype=torch.bool).tril()) for d, what in ((-1, "one fewer"),
                                                                                                  (1, "one more"))],
        Mistake("first row left out", "row 0 is all False: the first position may attend to itself, so "
                "mask[0, 0] is True. A loop over the rows must start at i = 0 (range(T), or i = 0 with "
                "while i < T), or use torch.tril(torch.ones(T, T, dtype=torch.bool)).", _mask_without_row_0),
        Mistake("last row left out", "the last row is all False: the last position may attend to every position, "
                "itself included. A loop over the rows must reach i = T - 1: range(T), not range(T - 1) (or use "
                "torch.tril(torch.ones(T, T, dtype=torch.bool))).", _mask_without_last_row),
        Mistake("nothing may attend", "every entry is False, so no position may attend to anything, not even "
                "itself. tril keeps the lower triangle of the tensor it is given: of torch.zeros that is zeros "
                "again. Start from ones: torch.ones(T, T, dtype=torch.bool).tril().",
                lambda T: torch.zeros(T, T, dtype=torch.bool)),
        Mistake("a column, not a (T, T) grid", "both sides of the comparison are columns (T, 1), so it compares "
                "each position with itself and gives one column of True: compare a column of query positions "
                "with a ROW of key positions, torch.arange(T)[:, None] >= torch.arange(T)[None, :], which "
                "broadcasts to (T, T).", lambda T: torch.arange(T)[:, None] >= torch.arange(T)[:, None]),
        *[Mistake("T = 1 made a special case", "for T = 1 the mask is still a (1, 1) tensor, [[True]]: "
                  "torch.ones(T, T, dtype=torch.bool).tril() gives it with no special case; a single True "
                  "(torch.tensor(True), or a (1,) tensor) has the wrong shape for the scores it masks.",
                  lambda T, one=one: one() if T == 1 else ref.causal_mask(T))
          for one in (lambda: torch.tensor(True), lambda: torch.tensor([True]), lambda: torch.ones(1, dtype=torch.bool))],
    ]
    # (the last: longer than a hard-coded block size of 8, 16 or 32 cut down to T, and than one cut from a
    # mask made once at 64 or GPT-2's 1,024)
    cases = [(5,), (1,), (2,), (8,), (1025,)]
    single = first_named(mistakes)
    numbers = dataclasses.replace(single["numbers instead of booleans"], hint="the mask holds 0/1 numbers; make "
                                  "it boolean: torch.ones(T, T, dtype=torch.bool).tril(), or .bool().")
    mistakes += two_at_once([*[(single[name], "triangle", lambda *a, side=side: side) for name, side in (
                                 ("upper triangle", (torch.triu, 0)), ("True marks the future", (torch.triu, 1)),
                                 ("diagonal missing", (torch.tril, -1)), ("one step of the future", (torch.tril, 1)))],
                             (upper_below[0], "triangle", lambda *a: (torch.triu, -1)),
                             *[(numbers, "dtype", lambda *a, d=d: d)
                               for d in (torch.float, torch.long, torch.int32, torch.uint8)]],
                            lambda args, knobs: _causal_mask_with(*args, **knobs))
    try:
        run_check("causal_mask", student_fn, ref.causal_mask, cases, mistakes)
    except CheckFailed as error:
        raise _method_returned(error, student_fn, cases[0]) or error from None


def _causal_mask_with(T, triangle=(torch.tril, 0), dtype=torch.bool):
    """The causal mask with the common mistakes as knobs, for two of them at once (``two_at_once``)."""
    side, diagonal = triangle
    return side(torch.ones(T, T, dtype=dtype), diagonal)


METHOD_RETURNED = Mistake(
    "the method itself returned", "a method named without its parentheses, such as .bool at the end of "
    "torch.ones(T, T).tril().bool, is the method itself, not its result (a new one on every call): call it, "
    ".bool().")


def _method_returned(error: CheckFailed, student_fn, case) -> CheckFailed | None:
    """``error`` named again as ``METHOD_RETURNED`` when the student's function returned a method (a tensor's
    .bool, .tril without the call): a new bound method on every call, which the checks otherwise take for a
    result that changes from call to call."""
    if error.mistake not in (None, "a different result on every call"):
        return None
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            got = student_fn(*case)
    except Exception:
        return None
    if isinstance(got, torch.Tensor) or not callable(got) or isinstance(got, type):
        return None
    found = getattr(got, "__name__", None)
    hint = METHOD_RETURNED.hint if found in (None, "bool") else METHOD_RETURNED.hint.replace(
        ".bool at the end of torch.ones(T, T).tril().bool", f".{found} at the end of a line").replace(
        ".bool().", f".{found}().")
    text = str(error).split("\n  Mistake — ")[0]
    return CheckFailed(f"{text}\n  Mistake — {METHOD_RETURNED.name}: {hint}", mistake=METHOD_RETURNED.name)


def _rows_sliced_short(lengths, T):
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    for b, n in enumerate(lengths.tolist()):
        mask[b, :n - 1] = True
    return mask


def _rows_from_the_end(lengths, T):
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    for b, n in enumerate(lengths.tolist()):
        mask[b, -n:] = True  # (and -0: is the whole row)
    return mask


def _one_slice_for_all_rows(lengths, T):
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    mask[:, :lengths] = True  # the mistake: a tensor of lengths as one slice's end (works for one row only)
    return mask


def _last_row_left_out(lengths, T):
    mask = ref.padding_mask(lengths, T)
    mask[-1] = False
    return mask


def _padding_cut_from_the_end(lengths, T):
    mask = torch.ones(len(lengths), T, dtype=torch.bool)
    for b, n in enumerate(lengths.tolist()):
        mask[b, -(T - n):] = False  # the mistake: for n == T, -0: is the whole row
    return mask


def check_padding_mask(student_fn) -> None:
    """``student_fn(lengths, T)``: a ``(B, T)`` boolean mask, True at positions ``< lengths[b]`` (real tokens)."""
    # (a row of length 0, all padding, as the hidden tests have too)
    cases = [(torch.tensor([3, 1, 5]), 5), (torch.tensor([2]), 4), (torch.tensor([4, 0, 2, 1]), 4),
             (torch.tensor([6, 2]), 7)]

    def positions(lengths, T):
        return torch.arange(T)[None, :], lengths[:, None]

    mistakes = [
        Mistake("True marks the padding", "True must mark the real tokens (they may be attended to); you marked the padding.",
                lambda lengths, T: (lambda p, n: p >= n)(*positions(lengths, T))),
        Mistake("off by one", "positions count from 0, so position i is a real token when i < length.",
                lambda lengths, T: (lambda p, n: p <= n)(*positions(lengths, T))),
        Mistake("(T, B) instead of (B, T)", "the mask is (T, B); it must be (B, T), one row per sequence.",
                lambda lengths, T: (lambda p, n: p < n)(*positions(lengths, T)).T),
        Mistake("numbers instead of booleans", "return a boolean mask (dtype torch.bool, e.g. from a comparison), not 0/1 numbers.",
                lambda lengths, T: (lambda p, n: p < n)(*positions(lengths, T)).float(), credit=0.5),
        Mistake("numbers instead of booleans", "return a boolean mask (dtype torch.bool, e.g. from a comparison), not 0/1 numbers.",
                lambda lengths, T: (lambda p, n: p < n)(*positions(lengths, T)).long()),
        Mistake("numbers instead of booleans", "return a boolean mask (dtype torch.bool, e.g. from a comparison), not 0/1 numbers.",
                lambda lengths, T: (lambda p, n: p < n)(*positions(lengths, T)).int()),
        Mistake("an empty sequence keeps position 0", "a sequence of length 0 is all padding: its row must be all "
                "False. Position t is real exactly when t < length, position 0 included: "
                "torch.arange(T)[None, :] < lengths[:, None], with nothing set to True by hand.",
                lambda lengths, T: (lambda p, n: (p < n) | (p == 0))(*positions(lengths, T))),
        *[Mistake("one real token short", "a sequence of length n has real tokens at positions 0 .. n - 1 "
                  "(n of them): position t is real when t < n, counting positions from 0.", wrong) for wrong in (
                      lambda lengths, T: (lambda p, n: p < n - 1)(*positions(lengths, T)),
                      _rows_sliced_short)],  # (mask[b, :n - 1], where n = 0 slices to the last column)
        Mistake("width from the lengths, not T", "the mask must have T columns, the padded length the function is "
                "given, even when every sentence is shorter: torch.arange(T), not up to lengths.max().",
                lambda lengths, T: torch.arange(int(lengths.max()))[None, :] < lengths[:, None]),
        Mistake("width from the lengths, not T", "the mask must have T columns, the padded length the function is "
                "given: torch.arange(T), not up to lengths[0], the first sentence's length (it need not be the "
                "longest, and even the longest may be shorter than T).",
                lambda lengths, T: torch.arange(int(lengths[0]))[None, :] < lengths[:, None]),
        Mistake("padding cut with a -0 slice", "mask[b, -pad:] with pad = T - length: for a sentence that fills "
                "the whole row pad is 0, and -0 is 0, so mask[b, -0:] is the WHOLE row, set to False. Slice from "
                "the length instead, mask[b, n:] = False, or torch.arange(T)[None, :] < lengths[:, None].",
                _padding_cut_from_the_end),
        *[Mistake("positions compared with positions", "a padding mask compares each position with its sentence's "
                  "length, a (B, 1) column lengths[:, None]: torch.arange(T)[None, :] < lengths[:, None] is (B, T). "
                  "Comparing the positions with the positions gives a (T, T) causal-style mask that never reads "
                  "the lengths.", lambda lengths, T, cmp=cmp: cmp(torch.arange(T)[None, :], torch.arange(T)[:, None]))
          for cmp in (torch.lt, torch.le, torch.gt, torch.ge)],
        Mistake("one position short", "the mask needs T columns, positions 0 .. T - 1: torch.arange(T) gives "
                "exactly those (it stops before T), so don't write torch.arange(T - 1).",
                lambda lengths, T: torch.arange(T - 1)[None, :] < lengths[:, None]),
        Mistake("list of rows instead of a tensor", "you returned a Python list of row tensors: return one (B, T) "
                "boolean tensor, torch.arange(T)[None, :] < lengths[:, None] (or torch.stack(rows) of your rows).",
                lambda lengths, T: list(ref.padding_mask(lengths, T))),
        Mistake("lengths not unsqueezed", "torch.arange(T) is (T,) and lengths is (B,): compare a (1, T) row with a "
                "(B, 1) column, torch.arange(T)[None, :] < lengths[:, None], so that broadcasting gives (B, T).",
                lambda lengths, T: torch.arange(T) < lengths, error="must match the size of tensor"),
        Mistake("numbers instead of booleans", "return a boolean mask (dtype torch.bool, e.g. from a comparison), not 0/1 numbers.",
                lambda lengths, T: (lambda p, n: p < n)(*positions(lengths, T)).to(torch.uint8)),
        *[Mistake("padding on the left", "the padding comes AFTER the real tokens: position t of sequence b is real "
                  "when t < lengths[b], torch.arange(T)[None, :] < lengths[:, None] (not t >= T - lengths[b], no "
                  "flip, and not mask[b, -n:], which for n = 0 is the whole row).", wrong) for wrong in (
                      lambda lengths, T: (lambda p, n: p >= T - n)(*positions(lengths, T)), _rows_from_the_end)],
        *[Mistake("extra dimension", "return the (B, T) mask itself, one row per sequence: the dimension for "
                  "broadcasting against the scores is added where the mask is used (mask[:, None, :]).",
                  lambda lengths, T, index=index: ((lambda p, n: p < n)(*positions(lengths, T)))[index])
          for index in ((slice(None), None, slice(None)), (slice(None), None, None, slice(None)))],
        Mistake("one slice for every row's length", "a slice has one end for all rows, and mask[:, :lengths] asks "
                "for one per row, which torch refuses: compare the positions with the lengths instead, "
                "torch.arange(T)[None, :] < lengths[:, None] (or set each row on its own, mask[b, :n]).",
                _one_slice_for_all_rows, same_error=True),
        Mistake("an empty sequence marked real", "a sequence of length 0 is all padding, its row all False, and "
                "lengths - 1 is -1 there: as an index it counts from the end (mask[b, :n - 1] and mask[b, n - 1] "
                "reach the last columns), and in uint8 it wraps around to 255. Compare without the - 1, "
                "torch.arange(T)[None, :] < lengths[:, None].",
                lambda lengths, T: (lambda p, n: (p < n) | (n == 0))(*positions(lengths, T))),
        Mistake("!= instead of <", "position t != length is True at every position but the one AT the "
                "length, padding included: a real token is one BEFORE the length, t < length, "
                "torch.arange(T)[None, :] < lengths[:, None].",
                lambda lengths, T: (lambda p, n: p != n)(*positions(lengths, T))),
        Mistake("> instead of <", "position t > length is True only AFTER the length: it marks the padding "
                "(and misses the position AT the length): a real token is one BEFORE the length, t < length, "
                "torch.arange(T)[None, :] < lengths[:, None].",
                lambda lengths, T: (lambda p, n: p > n)(*positions(lengths, T))),
        *[Mistake("one length for every row", "each row has its own length: compare the positions with every "
                  "row's own, torch.arange(T)[None, :] < lengths[:, None] (B, T), not with one length (the "
                  "shortest, lengths.min(), or the first, lengths[0]) for all rows.",
                  lambda lengths, T, pick=pick: (torch.arange(T) < pick(lengths)).expand(len(lengths), T).clone())
          for pick in (lambda n: n.min(), lambda n: n[0])],
        *[Mistake("additive mask instead of booleans", "you returned a float mask to add to the scores (0 for a "
                  "real token, -inf or a large negative number for padding); the exercise asks for a boolean "
                  "mask, True at the real tokens: torch.arange(T)[None, :] < lengths[:, None].",
                  lambda lengths, T, fill=fill: torch.zeros(len(lengths), T).masked_fill(
                      ~ref.padding_mask(lengths, T), fill)) for fill in (float("-inf"), -1e9)],
        Mistake("lengths sorted", "row b of the mask belongs to sentence b, lengths[b], in the order given: "
                "don't sort the lengths (pack_padded_sequence wants them sorted; a mask does not).",
                lambda lengths, T: ref.padding_mask(torch.sort(lengths, descending=True).values, T)),
        Mistake("only the last real token marked", "every real token is True, positions 0 .. length - 1, not "
                "only the last one at length - 1: torch.arange(T)[None, :] < lengths[:, None] (or mask[b, :n] = "
                "True, a slice, not mask[b, n - 1]).",
                lambda lengths, T: torch.arange(T)[None, :] == lengths[:, None] - 1),
        Mistake("B columns instead of T", "the mask has one column per position, T of them, whatever the number "
                "of sentences B = len(lengths): torch.arange(T), not torch.arange(len(lengths)).",
                lambda lengths, T: torch.arange(len(lengths))[None, :] < lengths[:, None]),
        Mistake("the longest length for every row", "each row has its own length: compare the positions with "
                "every row's own, torch.arange(T)[None, :] < lengths[:, None] (B, T), not with lengths.max(), "
                "which marks every row as long as the longest.",
                lambda lengths, T: (torch.arange(T) < lengths.max()).expand(len(lengths), T)),
        Mistake("last sentence left out", "the last row is all False, whatever its length: a loop over the "
                "sentences must reach the last one, range(len(lengths)), not range(len(lengths) - 1) (or, without "
                "a loop, torch.arange(T)[None, :] < lengths[:, None]).", _last_row_left_out),
        Mistake("nothing marked", "every entry is False: the real tokens, positions 0 .. length - 1, must be True. "
                "Starting from torch.zeros(B, T, dtype=torch.bool), set the real tokens to True, mask[b, :n] = True "
                "(setting the padding to False changes nothing); or in one line, torch.arange(T)[None, :] < "
                "lengths[:, None].", lambda lengths, T: torch.zeros(len(lengths), T, dtype=torch.bool)),
    ]
    single = first_named(mistakes)
    mistakes += two_at_once([(single["True marks the padding"], "compare", lambda *a: torch.ge),
                             (single["off by one"], "compare", lambda *a: torch.le),
                             (single["> instead of <"], "compare", lambda *a: torch.gt),
                             (single["one real token short"], "shift", lambda *a: -1),
                             (single["padding on the left"], "flip", lambda *a: True),
                             (single["(T, B) instead of (B, T)"], "transpose", lambda *a: True),
                             (single["width from the lengths, not T"], "width", lambda lengths, T: int(lengths.max())),
                             *[(single["numbers instead of booleans"], "dtype", lambda *a, d=d: d)
                               for d in (torch.float, torch.long, torch.int)]],
                            lambda args, knobs: _padding_mask_with(*args, **knobs))
    run_check("padding_mask", student_fn, ref.padding_mask, cases, mistakes, unchanged=True)


def _padding_mask_with(lengths, T, compare=torch.lt, shift=0, flip=False, transpose=False, width=None, dtype=None):
    """The padding mask with the common mistakes as knobs, for two of them at once (``two_at_once``)."""
    mask = compare(torch.arange(T if width is None else width)[None, :], lengths[:, None] + shift)
    mask = mask.flip(-1) if flip else mask
    mask = mask.T if transpose else mask
    return mask if dtype is None else mask.to(dtype)


# --- heads ---------------------------------------------------------------------------------------

def check_split_heads(student_fn) -> None:
    """``student_fn(x, n_head)``: ``(B, T, C)`` → ``(B, n_head, T, C // n_head)``."""
    g = torch.Generator().manual_seed(4)
    cases = [(_rand(g, B, T, C), nh) for B, T, C, nh in [(2, 3, 8, 2), (1, 5, 12, 3), (3, 4, 16, 4)]]
    cases.append((_rand(g, 2, 5, 12).double(), 2))  # float64 in, float64 out
    # one head, and one head of one channel over one position, as the hidden tests have (a .squeeze() drops them)
    cases += [(_rand(g, B, T, C), nh) for B, T, C, nh in [(2, 5, 6, 1), (1, 1, 1, 1)]]

    def direct(x, nh):
        B, T, C = x.shape
        return x.reshape(B, nh, T, C // nh)

    def no_transpose(x, nh):
        B, T, C = x.shape
        return x.view(B, T, nh, C // nh)

    def interleaved(x, nh):
        B, T, C = x.shape
        return x.view(B, T, C // nh, nh).permute(0, 3, 1, 2)

    mistakes = [
        Mistake("reshape without transpose", "reshaped straight to (B, n_head, T, hs), which mixes positions: view as "
                "(B, T, n_head, hs) first, then .transpose(1, 2).", direct),
        Mistake("transpose missing", "the result is (B, T, n_head, hs): transpose(1, 2) to put the heads before the positions.",
                no_transpose),
        Mistake("heads interleaved", "channels split as (hs, n_head): head h must get the consecutive channels "
                "h·hs … (h+1)·hs − 1, so view as (B, T, n_head, hs).", interleaved),
        Mistake("heads before the batch", "the heads came first, (n_head, B, T, hs): view as "
                "(B, T, n_head, hs), then transpose(1, 2) (dimensions 1 and 2, not 0 and 2).",
                lambda x, nh: x.view(x.shape[0], x.shape[1], nh, -1).permute(2, 0, 1, 3)),
        Mistake("heads before the batch", "the heads came first: view as (B, T, n_head, hs), then "
                "transpose(1, 2) (dimensions 1 and 2, not 0 and 2).",
                lambda x, nh: x.view(x.shape[0], x.shape[1], nh, -1).transpose(0, 2)),
        Mistake("float32 result", _FLOAT32_HINT, lambda x, nh: ref.split_heads(x, nh).float()),
        Mistake("n_head and head size swapped", "the view's last two sizes are swapped: (B, T, n_head, C // n_head), "
                "n_head first, then the head size, and transpose(1, 2) gives (B, n_head, T, hs). (The same "
                "comes from x.split(n_head, dim=-1): split's number is the size of each piece, so it cuts C // n_head "
                "pieces of n_head channels; x.split(C // n_head, dim=-1), or x.chunk(n_head, dim=-1), cuts the "
                "n_head heads.)",
                lambda x, nh: x.view(x.shape[0], x.shape[1], x.shape[2] // nh, nh).transpose(1, 2)),
        Mistake("wrong dimensions transposed", "after the view (B, T, n_head, hs), swap dimensions 1 and 2 (T and "
                "n_head): transpose(1, 2), not transpose(1, 3).",
                lambda x, nh: x.view(x.shape[0], x.shape[1], nh, -1).transpose(1, 3)),
        Mistake("viewed as (hs, n_head), then transpose(1, 3)", "view as (B, T, n_head, C // n_head), n_head FIRST, "
                "then transpose(1, 2): viewing as (B, T, C // n_head, n_head) gives each head every n_head-th "
                "channel, and transpose(1, 3) then swaps the positions with the head size, (B, n_head, hs, T).",
                lambda x, nh: x.reshape(x.shape[0], x.shape[1], x.shape[2] // nh, nh).transpose(1, 3)),
        Mistake("transposed before the view", "split the channels first, x.view(B, T, n_head, C // n_head), then "
                "transpose(1, 2): transposing (B, T, C) to (B, C, T) first makes the reshape cut across the "
                "positions.", lambda x, nh: x.transpose(1, 2).reshape(x.shape[0], nh, x.shape[1], x.shape[2] // nh)),
        *[Mistake("head size as a float", "C / n_head is a float, and view and reshape take whole numbers: use "
                  "integer division, C // n_head.", error=text) for text in ("but got float", "element of type float")],
        Mistake("batch dimension left out", "the view has no batch dimension, x.view(T, n_head, hs), which only "
                "fits a batch of one sequence: keep B in it, x.view(B, T, n_head, C // n_head).transpose(1, 2).",
                _split_one_sequence, same_error=True),
        Mistake("heads cut along the positions", "torch.chunk(x, n_head, dim=1) cuts the POSITIONS (dim 1 of "
                "(B, T, C)) into pieces: a head gets a slice of the CHANNELS, the last dimension, for every position, "
                "x.view(B, T, n_head, C // n_head).transpose(1, 2) (or torch.stack(x.chunk(n_head, dim=-1), dim=1)).",
                lambda x, nh: torch.stack(torch.chunk(x, nh, dim=1), dim=1), same_error=True),
    ]
    mistakes += [
        Mistake("head size from T", "the head size is C // n_head, the channels each head gets: C is the LAST "
                "dimension of (B, T, C); T // n_head splits the positions' count instead, and the view cannot "
                "hold the tensor.", lambda x, nh: x.view(x.shape[0], x.shape[1], nh, x.shape[1] // nh).transpose(1, 2),
                same_error=True),
        *[Mistake("n_head hard-coded", "the number of heads is the argument n_head, not a number of your own: "
                  "x.view(B, T, n_head, C // n_head).transpose(1, 2) must work for any n_head.",
                  lambda x, nh, fixed=fixed: ref.split_heads(x, fixed)) for fixed in (1, 2, 3, 4, 6, 8, 12)],
        Mistake("list of heads instead of a tensor", "you returned the heads as a Python list (x.chunk or "
                "x.split gives a tuple of pieces): return one (B, n_head, T, hs) tensor, torch.stack(pieces, "
                "dim=1), or x.view(B, T, n_head, C // n_head).transpose(1, 2).",
                lambda x, nh: list(x.chunk(nh, dim=-1))),
        Mistake("list of heads instead of a tensor", "you returned the heads as a tuple (x.chunk or x.split "
                "gives a tuple of pieces): return one (B, n_head, T, hs) tensor, torch.stack(pieces, dim=1), "
                "or x.view(B, T, n_head, C // n_head).transpose(1, 2).", lambda x, nh: x.chunk(nh, dim=-1)),
        *[Mistake("a dimension of size 1 squeezed", "the result is (B, n_head, T, hs) whatever the sizes are: with "
                  "n_head = 1 (or B, T or hs = 1) a .squeeze() drops that dimension. Return "
                  "x.view(B, T, n_head, C // n_head).transpose(1, 2) as it is, without .squeeze().",
                  lambda x, nh, dims=dims: ref.split_heads(x, nh).squeeze(*dims)) for dims in ((1,), ())],
    ]
    # the heads as a list (or tuple) of (B, T, hs) tensors, each cut as one of the mistakes above cuts them
    # ([x[..., h::n_head] for h in range(n_head)]: heads interleaved): both named
    listed = first_named(mistakes)["list of heads instead of a tensor"]
    mistakes += [Mistake(f"{listed.name} and {m.name}", f"two mistakes at once. You returned the heads as a "
                         f"{kind.__name__}: {listed.hint.split(': ', 1)[1]} And {m.name}: {m.hint}",
                         lambda x, nh, wrong=m.wrong, kind=kind: kind(wrong(x, nh).unbind(1)))
                 for m in list(mistakes) if m.wrong is not None and not m.same_error and m.name != listed.name
                 for kind in (list, tuple)]
    run_check("split_heads", student_fn, ref.split_heads, cases, mistakes, unchanged=True)
    check_gradient("split_heads", student_fn, ref.split_heads, cases[0], wrt=0)  # the model trains through it


def check_merge_heads(student_fn) -> None:
    """``student_fn(x)``: ``(B, n_head, T, hs)`` → ``(B, T, n_head * hs)``, the inverse of ``split_heads``."""
    g = torch.Generator().manual_seed(5)
    cases = [(_rand(g, *shape),) for shape in [(2, 2, 3, 4), (1, 3, 5, 2), (3, 4, 4, 4)]]
    cases.append((_rand(g, 2, 3, 4, 2).double(),))  # float64 in, float64 out (merge_heads(split_heads(x)) in the hidden tests)
    # one head, and one head of one channel at one position, as the hidden tests have (a .squeeze() drops them)
    cases += [(_rand(g, *shape),) for shape in [(2, 1, 5, 6), (1, 1, 1, 1)]]

    def no_transpose(x):
        B, nh, T, hs = x.shape
        return x.reshape(B, T, nh * hs)

    def interleaved(x):
        B, nh, T, hs = x.shape
        return x.permute(0, 2, 3, 1).reshape(B, T, nh * hs)

    mistakes = [
        Mistake("merged without transpose", "heads merged without transposing back: x.transpose(1, 2) to (B, T, n_head, hs) "
                "first, then reshape to (B, T, C).", no_transpose),
        Mistake("heads not merged", "you transposed back to (B, T, n_head, hs) but did not join the heads: "
                "reshape to (B, T, n_head * hs) as well.", lambda x: x.transpose(1, 2)),
        Mistake("heads interleaved", "channels merged as (hs, n_head): each head's hs channels must stay together.", interleaved),
        Mistake("view after transpose", "after transpose(1, 2) the tensor is not contiguous, so .view "
                "refuses it: use .reshape(B, T, C) (or .contiguous().view).", error="view size is not compatible"),
        Mistake("heads stacked as a batch", "the heads ended up as extra rows: the result must be "
                "(B, T, n_head * hs), one row of C channels per position.",
                lambda x: x.reshape(x.shape[0] * x.shape[1], x.shape[2], x.shape[3])),
        Mistake("heads stacked as a batch", "the heads were concatenated along the batch, torch.cat(heads, "
                "dim=0), (n_head * B, T, hs): join them along the channels, torch.cat(x.unbind(1), dim=-1), or "
                "x.transpose(1, 2).reshape(B, T, n_head * hs).", lambda x: torch.cat(x.unbind(1), dim=0)),
        Mistake("heads joined along the positions", "the heads were concatenated along the positions, (B, n_head * T, "
                "hs): join them along the channels, torch.cat([...], dim=-1), or transpose(1, 2) then reshape "
                "(B, T, n_head * hs).", lambda x: torch.cat([x[:, h] for h in range(x.shape[1])], dim=1)),
        *[Mistake("heads summed", "merging puts the heads' channels side by side, (B, T, n_head * hs): "
                  "x.transpose(1, 2).reshape(B, T, n_head * hs); adding (or averaging) the heads keeps only hs "
                  "channels.", lambda x, reduce=reduce: reduce(x, 1)) for reduce in (torch.sum, torch.mean)],
        *[Mistake("dimensions read in the wrong order", "merge_heads gets (B, n_head, T, hs), the heads BEFORE the "
                  "positions: B, nh, T, hs = x.shape, then x.transpose(1, 2).reshape(B, T, nh * hs).",
                  lambda x, turn=turn: turn(x).reshape(x.shape[0], x.shape[1], x.shape[2] * x.shape[3]))
          for turn in (lambda x: x.transpose(1, 2), lambda x: x)],
        *[Mistake("wrong dimensions transposed", "swap dimensions 1 and 2, the heads and the positions: "
                  "x.transpose(1, 2) gives (B, T, n_head, hs), then reshape to (B, T, n_head * hs).",
                  lambda x, dims=dims: x.transpose(*dims).reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]))
          for dims in ((1, 3), (2, 3))],
        Mistake("shape unpacked as (B, T, C)", "merge_heads gets the 4-D (B, n_head, T, hs) that split_heads made, so "
                "B, T, C = x.shape (split_heads's first line) has a value too many: B, nh, T, hs = x.shape, then "
                "x.transpose(1, 2).reshape(B, T, nh * hs).", error="too many values to unpack (expected 3"),
        Mistake("the batch taken for the heads", "list(x) (and a for loop over x) walks the FIRST dimension of "
                "(B, n_head, T, hs), the batch, not the heads: the heads are dimension 1, torch.cat(x.unbind(1), "
                "dim=-1), or x.transpose(1, 2).reshape(B, T, n_head * hs).", lambda x: torch.cat(list(x), dim=-1)),
        Mistake("head size taken for C", "merge_heads gets (B, n_head, T, hs): its last size is ONE head's, hs, and "
                "the merged result has n_head * hs channels: B, nh, T, hs = x.shape, then "
                "x.transpose(1, 2).reshape(B, T, nh * hs), not reshape(B, T, x.shape[-1]).",
                lambda x: x.transpose(1, 2).reshape(x.shape[0], x.shape[2], x.shape[3]), same_error=True),
        Mistake("heads in reverse order", "the heads are side by side in reverse order: head 0's channels come "
                "first, then head 1's: torch.cat([x[:, h] for h in range(n_head)], dim=-1), not reversed(...) or "
                "a loop that counts down (or x.transpose(1, 2).reshape(B, T, n_head * hs)).",
                lambda x: ref.merge_heads(x.flip(1))),
        Mistake("float32 result", _FLOAT32_HINT.replace("build a tensor of a fixed dtype", "build a tensor of a "
                "fixed dtype (torch.zeros(B, T, C) is float32: dtype=x.dtype)"), lambda x: ref.merge_heads(x).float()),
        *[Mistake("a dimension of size 1 squeezed", "the result is (B, T, n_head * hs) whatever the sizes are: with "
                  "T = 1 (or B = 1) a .squeeze() drops that dimension. Return x.transpose(1, 2).reshape(B, T, "
                  "n_head * hs) (or torch.cat(x.unbind(1), dim=-1)) as it is, without .squeeze().",
                  lambda x, dims=dims: ref.merge_heads(x).squeeze(*dims)) for dims in ((1,), ())],
    ]
    run_check("merge_heads", student_fn, ref.merge_heads, cases, mistakes, unchanged=True)
    check_gradient("merge_heads", student_fn, ref.merge_heads, cases[0], wrt=0)  # the model trains through it


# --- CausalSelfAttention -------------------------------------------------------------------------

def _weights(config, seed):
    g = torch.Generator().manual_seed(seed)
    C = config.n_embd
    return {"c_attn.weight": _rand(g, 3 * C, C, scale=0.5), "c_attn.bias": _rand(g, 3 * C, scale=0.1),
            "c_proj.weight": _rand(g, C, C, scale=0.3), "c_proj.bias": _rand(g, C, scale=0.1)}


def _load(module, config, seed):
    with torch.no_grad():
        for name, value in _weights(config, seed).items():
            layer, attr = name.split(".")
            getattr(getattr(module, layer), attr).copy_(value)
    return module.eval()


def _reference_forward(config, seed, x):
    with torch.no_grad():
        return _load(ref.CausalSelfAttention(config), config, seed)(x)


def _wrong_forward(config, seed, x, *, scale="head", mask="lower", merge="transpose", project=True,
                   softmax_dim=-1, order="qkv", fill=float("-inf"), split=True, per_head=False, reshape=False,
                   residual=False, keys=(-2, -1), rescale=(1.0, 1.0), values="v", layout="blocks", heads=None,
                   attn_bias=True, heads_kept=None, overlap=False):
    """The forward pass with one mistake; ``split=False``: q, k and v never split into heads (one head of
    C channels), the scale still chosen from ``config.n_head``; ``per_head``: c_attn's output read as
    (B, T, n_head, 3, hs), q, k and v interleaved inside each head; ``reshape``: the heads made by reshaping
    straight to (B, n_head, T, hs), no transpose; ``residual``: the input added to the output (x + ...);
    ``keys``: the dimensions of k transposed for the scores; ``merge="view"``: the heads merged with .view
    after the transpose (which raises where the tensor is not contiguous); ``rescale``: factors the weights
    and the output are multiplied by (dropout's own scaling undone by hand: (1 - p), which eval mode shows);
    ``values="x"``: the module's input, split into heads, in place of v; ``layout="channels"``: c_attn's
    output read as (B, T, C, 3), q, k and v taking every third channel; ``heads``: a number of heads other
    than config.n_head (the head size passed to split_heads); ``scale="after"``: the weights divided by
    √head_size after the softmax instead of the scores before it; ``scale="times"``: the scores multiplied by
    √head_size; ``attn_bias=False``: c_attn's bias left out (x @ c_attn.weight.T); ``heads_kept``: only the
    first heads merged (a loop over range(n_head - 1)), which raises at c_proj as the student's version does;
    ``overlap``: head h cut from channels h:h + hs (a loop over the heads), not h * hs:(h + 1) * hs."""
    w = _weights(config, seed)
    B, T, C = x.shape
    nh = (config.n_head if heads is None else heads) if split else 1
    qkv = x @ w["c_attn.weight"].T + (w["c_attn.bias"] if attn_bias else 0)
    pieces = qkv.view(B, T, C, 3).unbind(-1) if layout == "channels" else qkv.split(C, dim=2)
    parts = dict(zip(order, (t.view(B, T, nh, C // nh).transpose(1, 2) for t in pieces)))
    if values == "x":
        parts["v"] = x.view(B, T, nh, C // nh).transpose(1, 2)
    if values == "q":
        parts["v"] = parts["q"]
    if overlap:
        parts = dict(zip(order, (torch.stack([t[..., h:h + C // nh] for h in range(nh)], dim=1) for t in pieces)))
    if per_head:
        parts = dict(zip(order, (t.transpose(1, 2) for t in qkv.view(B, T, nh, 3, C // nh).unbind(dim=3))))
    if reshape:
        parts = dict(zip(order, (t.reshape(B, nh, T, C // nh) for t in qkv.split(C, dim=2))))
    q, k, v = parts["q"], parts["k"], parts["v"]
    if scale == "after":
        rescale = (rescale[0] / math.sqrt(C // config.n_head), rescale[1])
    scale = {"head": 1 / math.sqrt(C // config.n_head), "model": 1 / math.sqrt(C), "none": 1.0,
             "length": 1 / math.sqrt(T), "heads": 1 / math.sqrt(config.n_head), "block": 1 / math.sqrt(config.block_size),
             "head_size": 1 / (C // config.n_head), "after": 1.0, "actual": 1 / math.sqrt(C // nh),
             "times": math.sqrt(C // config.n_head)}[scale]
    lower = torch.ones(T, T, dtype=torch.bool).tril()
    if mask == "lower":
        y = _attend(q, k, v, lower, scale=scale, softmax_dim=softmax_dim, fill=fill, keys=keys, rescale=rescale[0])
    elif mask == "after_softmax":
        y = _attend(q, k, v, lower, scale=scale, mask_mode="after_softmax")
    elif mask == "upper":
        y = _attend(q, k, v, torch.ones(T, T, dtype=torch.bool).triu(), scale=scale)
    elif mask == "next":  # tril(diagonal=1): each position also sees the next one
        y = _attend(q, k, v, torch.ones(T, T, dtype=torch.bool).tril(diagonal=1), scale=scale)
    elif mask == "true_hides":
        y = _attend(q, k, v, lower, scale=scale, mask_mode="inverted", fill=fill)
    elif mask == "strictly_lower":  # masked_fill(mask.T, -inf): hides the diagonal too; the first row is NaN
        y = _attend(q, k, v, torch.ones(T, T, dtype=torch.bool).tril(diagonal=-1), scale=scale)
    elif mask == "true_hides_zeroed":  # the NaN of the last row (all hidden) turned into 0 (nan_to_num)
        y = _attend(q, k, v, lower, scale=scale, mask_mode="inverted").nan_to_num()
    else:
        y = _attend(q, k, v, None, scale=scale)
    if heads_kept is not None:  # (no head at all: torch.cat of an empty list raises, as the student's loop does)
        y = torch.cat([y[:, h] for h in range(heads_kept)], dim=-1)
    y = y if heads_kept is not None else y.transpose(1, 2).view(B, T, C) if merge == "view" else \
        y.transpose(1, 2).reshape(B, T, C) if merge == "transpose" else y.reshape(B, T, C)
    y = y @ w["c_proj.weight"].T + w["c_proj.bias"] if project else y
    y = y * rescale[1]
    return x + y if residual else y


def _split_along_positions(config, seed, x):
    """The forward pass with q, k and v cut from c_attn's output along the positions (chunk(3, dim=1)):
    it raises where the scores meet the (T, T) mask, as the student's version of it does."""
    w = _weights(config, seed)
    B, T, C = x.shape
    nh = config.n_head
    qkv = x @ w["c_attn.weight"].T + w["c_attn.bias"]
    q, k, v = (t.view(B, t.shape[1], nh, t.shape[2] // nh).transpose(1, 2) for t in qkv.chunk(3, dim=1))
    scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
    mask = torch.ones(config.block_size, config.block_size, dtype=torch.bool).tril()
    weights = torch.softmax(scores.masked_fill(~mask[:T, :T], float("-inf")), dim=-1)
    return (weights @ v).transpose(1, 2).reshape(B, T, C) @ w["c_proj.weight"].T + w["c_proj.bias"]


REFERENCE_HELPERS = ("causal_mask", "split_heads", "merge_heads")
HELPER_CALLED_OTHERWISE = Mistake(
    "the course's helper called with arguments of your own",
    "this class is graded with the course's causal_mask(T), split_heads(x, n_head) and merge_heads(x) bound in "
    "place of yours (so that a mistake in exercise 1 or 2 costs that exercise only): call them with the "
    "exercise's arguments only, and do the rest in the class (causal_mask(T).to(dtype), not causal_mask(T, dtype)).")


def _helper_or_missing(error: BaseException) -> Mistake | None:
    """``HELPER_CALLED_OTHERWISE`` for a TypeError raised by a call of one of the course's helpers that the
    class is graded with (a student's causal_mask(T, dtype=...) took an argument the course's does not: an
    honest class failed saying only "unexpected keyword argument 'dtype'", rt27); else ``missing_name``."""
    if isinstance(error, TypeError) and any(f"{name}()" in str(error) for name in REFERENCE_HELPERS):
        return HELPER_CALLED_OTHERWISE
    return _config_field_missing(error) or missing_name(error)


def _config_field_missing(error: BaseException) -> Mistake | None:
    """The mistake of reading a field the config does not have (GPT-2's Hugging Face names, attn_pdrop,
    resid_pdrop, n_positions, or a name of the student's own)."""
    import re

    found = re.search(r"'(\w*Config)' object has no attribute '(\w+)'", str(error))
    if not isinstance(error, AttributeError) or found is None:
        return None
    fields = ", ".join(f"config.{f.name}" for f in dataclasses.fields(ref.AttentionConfig) if f.name != "use_sdpa")
    return Mistake("a config field that is not there", f"config has no field {found.group(2)}: it has {fields}. "
                   "Both dropouts take the one rate config.dropout, nn.Dropout(config.dropout) (GPT-2's Hugging "
                   "Face config calls them attn_pdrop and resid_pdrop, and the longest sequence n_positions; "
                   "here it is config.block_size).")


LAYERS_MADE_LAZILY = Mistake(
    "layers made without their sizes", "the check copies the reference's weights into c_attn and c_proj before "
    "it runs them, so they must be made with their sizes: self.c_attn = nn.Linear(config.n_embd, 3 * "
    "config.n_embd, bias=config.bias) and self.c_proj = nn.Linear(config.n_embd, config.n_embd, "
    "bias=config.bias), not nn.LazyLinear, whose weights have no shape until its first call.")


def _lazy(value) -> bool:
    """Whether ``value`` is a weight a lazy layer (nn.LazyLinear) has not made yet: reading its shape raises
    torch's "Can't access the shape of an uninitialized parameter" (ch47)."""
    if isinstance(value, nn.parameter.UninitializedParameter):
        return True
    try:
        getattr(value, "shape", None)
    except Exception as error:  # (a stand-in of the autograder's re-check passes torch's error on)
        return "uninitialized parameter" in str(error)
    return False


def _build(student_cls, config):
    try:
        module = student_cls(config)
    except Exception as error:
        if unfilled(error):
            raise CheckFailed("CausalSelfAttention: not implemented yet\n  replace `raise NotImplementedError()` "
                              "with your code, then run this cell again.", mistake="not implemented") from None
        raise failure("CausalSelfAttention: building the module with CausalSelfAttention(config)",
                      f"your class raised {type(error).__name__}: {said(error)}{where_raised(error)}",
                      _helper_or_missing(error)) from None
    C = config.n_embd
    for name, (n_in, n_out) in {"c_attn": (C, 3 * C), "c_proj": (C, C)}.items():
        layer = getattr(module, name, None)
        weight, bias = getattr(layer, "weight", None), getattr(layer, "bias", None)
        if _lazy(weight) or _lazy(bias):
            raise failure("CausalSelfAttention: the module's layers", f"self.{name}'s weights have no size yet "
                          f"(got {layer!r}, which makes them at its first call)", LAYERS_MADE_LAZILY)
        if getattr(weight, "shape", None) != (n_out, n_in) or getattr(bias, "shape", None) != (n_out,):
            raise failure("CausalSelfAttention: the module's layers",
                          f"expected self.{name} = nn.Linear({n_in}, {n_out}) with a bias (config.bias is "
                          f"True here), got {layer!r}", Mistake(
                              "layers missing or misnamed", "create self.c_attn = nn.Linear(C, 3 * C, "
                              "bias=config.bias) (query, key and value in one layer, in that order) and "
                              "self.c_proj = nn.Linear(C, C, bias=config.bias): the names matter."))
    return module


def _structure(module) -> dict | None:
    """The names of ``module``'s parameters and buffers, and the tensors it keeps as plain attributes ``[name,
    dtype]``; where the module lives in another process (the autograder's re-check), as its stand-in there
    reads them (``course_structure``); None where neither can say."""
    if isinstance(module, nn.Module):
        return {"parameters": [name for name, _ in module.named_parameters()],
                "buffers": [name for name, _ in module.named_buffers()],
                **walk.plain_and_masks(_plain_tensors(module))}
    ask = getattr(type(module), "course_structure", None)
    return ask(module) if callable(ask) else None


# The top-level packages whose classes and functions the walk of a module's plain tensors does not read into:
# Python's and the libraries'. A class or function of the answer's (the notebook's) it reads, for what it keeps.
LIBRARIES = frozenset(sys.stdlib_module_names) | {"torch", "numpy", "course", "autograder", "transformers"}


def _answers(value) -> bool:
    """Whether the class or function ``value`` is the answer's own (the notebook's), not Python's or a library's."""
    module = vars(value).get("__module__") if isinstance(value, type) else getattr(value, "__module__", None)
    return type(module) is str and module.split(".")[0] not in LIBRARIES


def _plain_tensors(module: nn.Module) -> list:
    """``[name, dtype, is a mask]`` of each tensor ``module`` keeps outside its parameters and buffers
    (``mask_walk.plain_tensors``; the autograder's answers' process runs the same walk, ``answer_host._structure``)."""
    return walk.plain_tensors(list(module.named_modules()), lambda part, kind: vars(part).get(kind) or {}, _answers)


def _check_parameters(student_cls):
    """The module's parameters are the reference's, with and without biases (the hidden tests build it with
    config.bias False too, and compare the parameter names). In the autograder's re-check the module lives
    in another process, which lists them (``_structure``)."""
    for bias in (True, False):
        config = ref.AttentionConfig(block_size=6, n_head=2, n_embd=8, bias=bias)
        module = _build(student_cls, config) if bias else _build_plain(student_cls, config)
        where = f"CausalSelfAttention: the parameters with config.bias={bias}"
        if not bias:
            kept = [name for name in ("c_attn", "c_proj") if getattr(getattr(module, name, None), "bias", None) is not None]
            if kept:
                raise failure(where, f"config.bias is False, but {' and '.join(kept)} still "
                              f"ha{'s' if len(kept) == 1 else 've'} a bias", Mistake(
                                  "bias not from config", "pass bias=config.bias to both layers: nn.Linear(C, 3 * C, "
                                  "bias=config.bias) and nn.Linear(C, C, bias=config.bias); nn.Linear adds a bias "
                                  "by default."))
        found = _structure(module)
        if found is None:
            continue
        names = sorted(found["parameters"])
        want = sorted(name for name, _ in ref.CausalSelfAttention(config).named_parameters())
        if names != want:
            raise failure(where, f"expected the parameters {want}, got {names}", Mistake(
                "extra parameters", "the module's only parameters are c_attn's and c_proj's: register the causal "
                "mask with self.register_buffer('mask', ...), not as an nn.Parameter (which training would "
                "change)."))


MASK_NOT_A_BUFFER = Mistake(
    "mask not a buffer", "a tensor kept as a plain attribute (self.mask = causal_mask(...)) is not part of the "
    "module: model.to('cuda') moves the parameters and buffers but leaves it on the CPU, and the masked_fill "
    "then fails. Register it, as the statement says: self.register_buffer(\"mask\", "
    "causal_mask(config.block_size), persistent=False).")
def _check_mask_kept(module, where: str) -> None:
    """The mask is a registered buffer, which moves with the module. (A persistent one, nanoGPT's habit, is
    accepted, though the statement asks for persistent=False: in this course nothing loads those weights. A
    module that builds its mask inside forward, and keeps none, is not refused here: its outputs tell.)"""
    found = _structure(module)
    if found is None:
        return
    masks = found.get("masks") if type(found.get("masks")) is list else []  # (a mask by its values, ch49)
    plain = [name for name, dtype in found["plain"] if dtype == str(torch.bool) or name in masks
             or any(word in name.lower() for word in ("mask", "bias", "tril"))]
    if not plain:
        return
    outside = plain[0].startswith("global ")  # (a global the class's methods read, ch49)
    place, kept = (plain[0], "outside the module") if outside else (f"self.{plain[0]}", "as a plain attribute")
    # (a mask's values kept as data, a numpy array or a list of numbers, are named as such, ch50)
    dtype = next((dtype for name, dtype in found["plain"] if name == plain[0]), "torch.bool")
    what = "a tensor" if str(dtype).startswith("torch.") else f"the mask as {dtype},"
    if found["buffers"]:  # the mask registered, and a slice or copy of it kept aside (a cache, rt49)
        buffer = found["buffers"][0]
        raise failure(where, f"{place} is {what} kept {kept} beside the buffer self.{buffer} (it is not in "
                      f"module.buffers())", Mistake(
                          MASK_NOT_A_BUFFER.name, f"model.to('cuda') gives the module a new self.{buffer} and "
                          f"leaves on the CPU what another attribute keeps of the old one (the tensor itself, a "
                          f"slice or a copy: a cache of masks, a submodule handed the mask), and the masked_fill "
                          f"then fails. Read the buffer where you use it, self.{buffer}[:T, :T] in forward (a "
                          f"submodule may take the mask as an argument), and keep no tensor in other attributes."))
    raise failure(where, f"{place} is {what} kept {kept}, not a registered buffer "
                  f"(it is not in module.buffers())", MASK_NOT_A_BUFFER)


def _build_plain(student_cls, config):
    try:
        return student_cls(config)
    except Exception as error:
        raise failure(f"CausalSelfAttention: building the module with config.bias={config.bias}",
                      f"your class raised {type(error).__name__}: {said(error)}{where_raised(error)}",
                      _helper_or_missing(error)) from None


@contextlib.contextmanager
def reference_helpers(namespace: dict, names=("causal_mask", "split_heads", "merge_heads")):
    """Bind the course's ``causal_mask``, ``split_heads`` and ``merge_heads`` in ``namespace`` (a
    notebook's ``globals()``) for the duration, then restore the student's own: a mistake in those
    exercises then costs those exercises only, not ``CausalSelfAttention`` too."""
    missing = object()
    saved = {name: namespace.get(name, missing) for name in names}
    try:
        namespace.update({name: getattr(ref, name) for name in names})
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


def heads_dropped_in_turn(module, x):
    """The reference ``module`` (``course.attention.CausalSelfAttention``, in training mode) on ``x`` with its
    attention dropout drawn one head at a time, in head order, as a loop over the heads draws it, then its
    residual dropout: the same distribution as one dropout over all the heads' weights, other draws. The
    lesson says a loop over the heads is correct, and an honest loop lost the dropout's point to a test that
    took only the one call's draws (rt47, 2026-12-06): the check and the hidden test take either."""
    B, T, C = x.shape
    nh = module.n_head
    q, k, v = (t.view(B, T, nh, C // nh).transpose(1, 2) for t in module.c_attn(x).split(C, dim=2))  # (B, nh, T, hs)
    scores = (q @ k.transpose(-2, -1) / math.sqrt(C // nh)).masked_fill(
        torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))                                # (B, nh, T, T)
    weights = torch.softmax(scores, dim=-1)
    weights = torch.stack([module.attn_dropout(weights[:, h]) for h in range(nh)], dim=1)         # one head at a time
    y = (weights @ v).transpose(1, 2).reshape(B, T, C)                                             # (B, T, C)
    return module.resid_dropout(module.c_proj(y))


def _train_forward(config, seed, x, *, dropout="weights", resid="after", p=None, rescale=(1.0, 1.0), p_weights=None):
    """The step-by-step forward pass in training mode, its dropout drawn from the global RNG in the
    order of the exercise: attention dropout on the weights, then residual dropout on the output.
    ``dropout`` says where the attention dropout goes: "weights" (right), "scores" (before the mask),
    "masked_scores" (after it), "values", "output" (on weights @ v, before the heads merge), "merged"
    (after they merge), "per_head" (on the weights, one head at a time), "qk" (on the queries and the keys, split
    into heads), "discarded" (drawn on the weights, its result thrown away) or "none"; ``resid`` where the residual dropout goes: "after" c_proj (right), "before" it (on the
    merged heads), "input" (on x, before c_attn) or "none"; "qkv" (on c_attn's output) and "renormalised" (after
    "weights": the rows divided by their sums again) are places of the attention dropout too. ``p``: a rate of the student's own instead of the
    config's; ``p_weights``: one for the attention dropout on the weights only. "input" (on x, before c_attn) and
    "projected" (on c_proj's output, before the residual dropout) are places of the attention dropout too.
    ``dropout`` may be a tuple of places: the attention dropout applied at each (twice).
    ``rescale``: factors the dropped weights and the dropped output are multiplied by (by hand, again)."""
    w = _weights(config, seed)
    B, T, C = x.shape
    nh, p = config.n_head, config.dropout if p is None else p
    places = dropout if isinstance(dropout, tuple) else (dropout,)
    if resid == "input":  # the residual dropout on the module's input, before c_attn (and none on the output)
        x = F.dropout(x, p)
    if "input" in places:  # the attention dropout on the module's input
        x = F.dropout(x, p)
    qkv = x @ w["c_attn.weight"].T + w["c_attn.bias"]
    if "qkv" in places:  # on c_attn's output, before q, k and v are split
        qkv = F.dropout(qkv, p)
    q, k, v = (t.view(B, T, nh, C // nh).transpose(1, 2) for t in qkv.split(C, dim=2))
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(C // nh)
    if "qk" in places:  # (on the heads, (B, n_head, T, hs): the draws in split_heads' layout)
        q, k = F.dropout(q, p), F.dropout(k, p)
        scores = q @ k.transpose(-2, -1) / math.sqrt(C // nh)
    if "scores" in places:
        scores = F.dropout(scores, p)
    scores = scores.masked_fill(future, float("-inf"))
    if "masked_scores" in places:
        scores = F.dropout(scores, p)
    weights = torch.softmax(scores, dim=-1)
    if "weights" in places:
        weights = F.dropout(weights, p if p_weights is None else p_weights) * rescale[0]
    if "renormalised" in places:  # the dropped weights divided by their row sums again
        weights = weights / weights.sum(dim=-1, keepdim=True)
    if "discarded" in places:  # drawn (the random numbers are used up) but its result never assigned
        F.dropout(weights, p)
    if "per_head" in places:  # right in distribution, but the masks drawn one head at a time
        weights = torch.stack([F.dropout(weights[:, h], p) for h in range(nh)], dim=1)
    y = weights @ (F.dropout(v, p) if "values" in places else v)
    if "output" in places:
        y = F.dropout(y, p)
    y = y.transpose(1, 2).reshape(B, T, C)
    if "merged" in places:
        y = F.dropout(y, p)
    if resid == "before":
        y = F.dropout(y, p)
    y = y @ w["c_proj.weight"].T + w["c_proj.bias"]
    if "projected" in places:
        y = F.dropout(y, p)
    return F.dropout(y, p) * rescale[1] if resid == "after" else y


def _seeded(forward, seed):
    with torch.random.fork_rng(devices=[]), torch.no_grad():  # leaves the notebook's RNG as it was
        torch.manual_seed(seed)
        return forward()


def check_causal_self_attention(student_cls, gradient: bool = True) -> None:
    """``student_cls(config)`` with ``c_attn`` and ``c_proj`` like ``course.attention.CausalSelfAttention``.

    Both modules get the same weights and run in eval mode on random inputs; then, with dropout 0.5,
    your module in eval mode must still give the reference's (dropout-free) output every time; and
    (``gradient``) the gradient with respect to the input must be the reference's.
    ``check_attention_dropout`` checks the training mode.
    """
    refused = refusal(student_cls, "causal_self_attention")
    if refused is not None:
        raise refused
    Config = ref.AttentionConfig
    # (the last: block_size > n_embd, where a mask made n_embd wide is too small)
    configs = [Config(block_size=6, n_head=2, n_embd=8), Config(block_size=8, n_head=4, n_embd=16),
               Config(block_size=5, n_head=1, n_embd=6), Config(block_size=9, n_head=2, n_embd=4)]
    _build(student_cls, configs[0])  # clear message early if the class cannot be used at all
    _check_parameters(student_cls)
    g = torch.Generator().manual_seed(6)
    cases = [(c, seed, _rand(g, 2, T, c.n_embd)) for seed, (c, T) in
             enumerate([(configs[0], 6), (configs[1], 5), (configs[1], 8), (configs[2], 4), (configs[2], 1),
                        (configs[3], 9)])]

    def student_forward(config, seed, x):
        with torch.no_grad():
            return _load(_build(student_cls, config), config, seed)(x)
    student_forward.__wrapped__ = student_cls  # (the rules read its cell: course.checks._core.answer_of)

    mistakes = [
        Mistake("no scaling", "the scores are not divided by √head_size before the softmax.",
                lambda *a: _wrong_forward(*a, scale="none")),
        Mistake("scaled by √n_embd", "the scores are divided by √n_embd; divide by √head_size (n_embd // n_head), the "
                "size of the vectors each head compares.", lambda *a: _wrong_forward(*a, scale="model")),
        Mistake("softmax over the wrong dimension", "the softmax must run over the keys, dim=-1.",
                lambda *a: _wrong_forward(*a, softmax_dim=-2)),
        *[Mistake("softmax over the wrong dimension", f"the softmax must run over the keys, dim=-1, the last "
                  f"dimension of the (B, n_head, T, T) scores: dim={dim} is {what}, and where the mask hides a key "
                  f"from every {whom} at once the softmax of all -inf is NaN.",
                  lambda *a, dim=dim: _wrong_forward(*a, softmax_dim=dim))
          for dim, what, whom in ((1, "the heads", "head"), (0, "the batch", "sequence"))],
        Mistake("one step of the future", "the mask keeps the first diagonal above the main one "
                "(tril(..., diagonal=1)): each position also sees the next one. Keep the lower triangle with the "
                "diagonal and nothing above it, torch.tril(torch.ones(T, T)) (diagonal 0), as causal_mask does.",
                lambda *a: _wrong_forward(*a, mask="next")),
        Mistake("no causal mask", "the causal mask is not applied: each position sees the future.",
                lambda *a: _wrong_forward(*a, mask="none")),
        Mistake("upper triangle", "the mask is the upper triangle: positions see the future instead of the past; "
                "use the lower triangle (torch.tril).", lambda *a: _wrong_forward(*a, mask="upper")),
        Mistake("mask inverted", "the mask is inverted: True means 'may attend', so fill -inf where the mask is False.",
                lambda *a: _wrong_forward(*a, mask="true_hides")),
        # (filled with a large negative number, the last position, every key hidden, averages them all, no NaN: wa42)
        *[Mistake("mask inverted", "the mask is inverted: True means 'may attend', so fill -inf where the mask is False.",
                  lambda *a, fill=fill: _wrong_forward(*a, mask="true_hides", fill=fill)) for fill in (-1e9, -1e4)],
        Mistake("diagonal hidden", "each position must see itself too: the scores kept are the lower triangle WITH "
                "the diagonal, masked_fill(~self.mask[:T, :T], float('-inf')). Here the diagonal was hidden as well "
                "(a transposed mask, self.mask[:T, :T].T, filled where True, or torch.tril(..., diagonal=-1)), so "
                "the first position saw nothing and its output is NaN.", lambda *a: _wrong_forward(*a, mask="strictly_lower")),
        Mistake("mask inverted", "the mask is inverted: True means 'may attend', so fill -inf where the mask is "
                "False. (The NaN you may have turned into 0 came from it: the last position had every key hidden.)",
                lambda *a: _wrong_forward(*a, mask="true_hides_zeroed")),
        Mistake("merged without transpose", "heads merged without transposing back: y.transpose(1, 2) to (B, T, n_head, hs) "
                "before reshaping to (B, T, C).", lambda *a: _wrong_forward(*a, merge="none")),
        Mistake("no output projection", "the output projection c_proj is not applied to the merged heads.",
                lambda *a: _wrong_forward(*a, project=False)),
        Mistake("q, k, v in the wrong order", "c_attn's output holds query, key and value in that order: "
                "q, k, v = self.c_attn(x).split(C, dim=2).", lambda *a: _wrong_forward(*a, order="kqv")),
        Mistake("keys and values swapped", "the scores compare the queries with the KEYS, q @ k.transpose(-2, -1), "
                "and the weights then mix the VALUES, weights @ v: here k and v trade places.",
                lambda *a: _wrong_forward(*a, order="qvk")),
        Mistake("mask after softmax", "the causal mask was applied after the softmax, so each row's weights no "
                "longer sum to 1: fill the future scores with -inf before the softmax.",
                lambda *a: _wrong_forward(*a, mask="after_softmax")),
        Mistake("float mask inverted with ~", "~ inverts booleans only: a mask made with torch.tril(torch.ones(...)) "
                "holds floats. Register the boolean causal_mask(config.block_size), as the statement says, or "
                "hide where the float mask is 0, masked_fill(self.mask[:T, :T] == 0, float('-inf')).",
                error="is only implemented on integer and Boolean-type tensors"),
        Mistake("masked with 0", "the future scores are set to 0 instead of -inf: exp(0) = 1, so each "
                "position still gives the future weight. Fill them with float('-inf').",
                lambda *a: _wrong_forward(*a, fill=0.0)),
        Mistake("scaled by the head size, not its root", "the scores are divided by head_size; divide by its "
                "square root, math.sqrt(head_size) (or multiply by head_size ** -0.5).",
                lambda *a: _wrong_forward(*a, scale="head_size")),
        Mistake("scaled by √n_head", "the scores are divided by √n_head; divide by √head_size (n_embd // n_head), "
                "the size of the vectors each head compares.", lambda *a: _wrong_forward(*a, scale="heads")),
        Mistake("scaled by the sequence length", "the scores are divided by √T; divide by √head_size "
                "(n_embd // n_head), the size of the vectors each head compares.",
                lambda *a: _wrong_forward(*a, scale="length")),
        Mistake("scaled by √block_size", "the scores are divided by the square root of block_size (the mask's "
                "size); divide by √head_size, q.size(-1) = n_embd // n_head, the size of the vectors each head "
                "compares.", lambda *a: _wrong_forward(*a, scale="block")),
        Mistake("split into pieces of the wrong size", "self.c_attn(x) has 3·C channels, query, key and value: "
                "split(C, dim=2) cuts pieces of C channels each (split's first argument is the size of a piece, "
                "not how many), or use chunk(3, dim=2).", error="values to unpack"),
        Mistake("mask not cropped to T", "self.mask is (block_size, block_size), made from config.block_size "
                "(not n_embd); a sequence of T < block_size positions needs self.mask[:T, :T].",
                error="must match the size of tensor",
                # (where T is block_size and at most n_embd, a mask of either size fits: the error is another's,
                # such as heads never transposed to (B, n_head, T, hs))
                on=lambda config, seed, x: x.shape[1] < config.block_size or x.shape[1] > config.n_embd),
        *[Mistake("q, k, v in the wrong order", "c_attn's output holds query, key and value in that order: "
                  "q, k, v = self.c_attn(x).split(C, dim=2).", lambda *a, order=order: _wrong_forward(*a, order=order))
          for order in ("kvq", "vqk", "vkq")],
        Mistake("q, k, v split along the positions", "c_attn(x) is (B, T, 3·C): query, key and value lie side by "
                "side along the channels, the last dimension. Split there, q, k, v = self.c_attn(x).split(C, dim=2) "
                "(or chunk(3, dim=-1)); along dim=1 each piece holds a third of the positions instead.",
                _split_along_positions, same_error=True),
        Mistake("q, k, v interleaved per head", "c_attn(x) holds all of q, then all of k, then all of v, each "
                "n_embd wide: q, k, v = self.c_attn(x).split(C, dim=2) (or view(B, T, 3, n_head, hs)), then "
                "split each into heads. view(B, T, n_head, 3, hs) cuts every head's slice into three, mixing "
                "q, k and v.", lambda *a: _wrong_forward(*a, per_head=True)),
        *[Mistake("heads never split", "q, k and v were used whole, as one head of C channels: split each into "
                  "heads, split_heads(q, self.n_head) (B, n_head, T, hs), so that every head attends on its own, "
                  "and join them with merge_heads after.", lambda *a, scale=scale: _wrong_forward(
                      *a, split=False, scale=scale)) for scale in ("model", "head")],
        *[Mistake("reshape without transpose", "the heads were made by reshaping q, k and v straight to (B, n_head, "
                  "T, hs), which mixes the positions into the heads: view as (B, T, n_head, hs), then transpose(1, 2) "
                  "(split_heads); and transpose back before joining the heads (merge_heads).",
                  lambda *a, merge=merge: _wrong_forward(*a, reshape=True, merge=merge))
          for merge in ("none", "transpose")],
        Mistake("residual added inside the attention", "the residual x + ... belongs to the block (lesson 05's "
                "x = x + attn(ln_1(x))): the attention returns self.resid_dropout(self.c_proj(y)) alone, "
                "without adding its input.", lambda *a: _wrong_forward(*a, residual=True)),
        Mistake("view after transpose", "after transpose(1, 2) the tensor is not contiguous, so .view refuses it: "
                "merge the heads with .reshape(B, T, C) (or .contiguous().view(B, T, C)).",
                lambda *a: _wrong_forward(*a, merge="view"), same_error=True),
        Mistake("dimensions counted from the front", "k is (B, n_head, T, head_size): the scores need its LAST two "
                "dimensions swapped, q @ k.transpose(-2, -1); k.transpose(1, 2) swaps the heads and the positions "
                "instead.", lambda *a: _wrong_forward(*a, keys=(1, 2)), same_error=True),
        # (a large finite fill, -1e4 or -1e9, gives the same weights as -inf here and passes: only a small one differs)
        Mistake("values not projected", "the weights must average the VALUES, v, the third part of "
                "self.c_attn(x) split into heads: weights @ v, not weights @ (the input x split into heads).",
                lambda *a: _wrong_forward(*a, values="x")),
        Mistake("queries used as values", "the weights must average the VALUES, v, the third part of "
                "self.c_attn(x): weights @ v, not weights @ q (the queries only score the keys).",
                lambda *a: _wrong_forward(*a, values="q")),
        Mistake("q, k, v interleaved per channel", "c_attn(x) holds all of q, then all of k, then all of v, each "
                "n_embd wide: q, k, v = self.c_attn(x).split(C, dim=2). view(B, T, C, 3) (then unbind(-1)) "
                "gives each of them every third channel instead, mixing q, k and v.",
                lambda *a: _wrong_forward(*a, layout="channels")),
        Mistake("scaled after the softmax", "the weights were divided by √head_size after the softmax, so they "
                "no longer sum to 1: divide the SCORES, q @ k.transpose(-2, -1) / math.sqrt(head_size), then take "
                "the softmax.", lambda *a: _wrong_forward(*a, scale="after")),
        Mistake("head size given as n_head", "split_heads(x, n_head) takes the NUMBER of heads, self.n_head, not "
                "the head size (C // n_head): with the head size you get C // hs heads of n_head channels each.",
                lambda config, seed, x: _wrong_forward(config, seed, x, heads=config.n_embd // config.n_head,
                                                       scale="actual")),
        Mistake("head size given as n_head", "split_heads(x, n_head) takes the NUMBER of heads, self.n_head, not "
                "the head size (C // n_head): with the head size you get C // hs heads of n_head channels each.",
                lambda config, seed, x: _wrong_forward(config, seed, x, heads=config.n_embd // config.n_head)),
        *[Mistake("masked with a small number", f"the future scores were filled with {fill:g}, which is not far "
                  f"below the real scores: exp({fill:g}) is not 0, so each position still gives the future some "
                  f"weight. Fill them with float('-inf') (so that the softmax gives them exactly 0).",
                  lambda *a, fill=fill: _wrong_forward(*a, fill=fill)) for fill in (-1.0, -2.0, -3.0, -5.0, -10.0)],
        Mistake("multiplied by √head_size", "the scores were multiplied by √head_size: DIVIDE them, "
                "q @ k.transpose(-2, -1) / math.sqrt(head_size), so that they keep a variance near 1.",
                lambda *a: _wrong_forward(*a, scale="times")),
        Mistake("a head left out", "the merged output is one head too narrow (C - head_size channels, where c_proj "
                "takes C): a loop over the heads must run over all of them, range(self.n_head), not "
                "range(self.n_head - 1), and every head's output goes into the torch.cat.",
                lambda *a: _wrong_forward(*a, heads_kept=a[0].n_head - 1), same_error=True),
        Mistake("heads cut from overlapping channels", "head h's channels are h * hs up to (h + 1) * hs (hs = "
                "C // n_head): a slice h:h + hs starts each head one channel after the one before, so the heads "
                "overlap and the later channels are never used. Slice [..., h * hs:(h + 1) * hs], or split_heads.",
                lambda *a: _wrong_forward(*a, overlap=True)),
        Mistake("c_attn's bias left out", "x @ self.c_attn.weight.T uses the layer's weight but not its bias: call "
                "the layer itself, self.c_attn(x), which adds the bias (and works whatever config.bias is).",
                lambda *a: _wrong_forward(*a, attn_bias=False)),
    ]
    single = first_named(mistakes)
    mistakes += two_at_once([(single["no scaling"], "scale", lambda *a: "none"),
                             (single["scaled by √n_embd"], "scale", lambda *a: "model"),
                             (single["scaled by the head size, not its root"], "scale", lambda *a: "head_size"),
                             (single["multiplied by √head_size"], "scale", lambda *a: "times"),
                             (single["softmax over the wrong dimension"], "softmax_dim", lambda *a: -2),
                             (single["masked with 0"], "fill", lambda *a: 0.0),
                             (single["no causal mask"], "mask", lambda *a: "none"),
                             (single["mask inverted"], "mask", lambda *a: "true_hides"),
                             (single["mask after softmax"], "mask", lambda *a: "after_softmax"),
                             (single["diagonal hidden"], "mask", lambda *a: "strictly_lower"),
                             (single["merged without transpose"], "merge", lambda *a: "none"),
                             (single["no output projection"], "project", lambda *a: False),
                             (single["q, k, v in the wrong order"], "order", lambda *a: "kqv")],
                            lambda args, knobs: _wrong_forward(*args, **knobs),
                            apart=[{"mask", "softmax_dim"}, {"mask", "fill"}])  # (only the lower mask takes those)
    run_check("CausalSelfAttention", student_forward, _reference_forward, cases, mistakes, quiet=True)

    # dropout must be off in eval mode (nn.Dropout modules, or F.dropout(..., training=self.training))
    config = Config(block_size=8, n_head=2, n_embd=8, dropout=0.5)
    x = _rand(g, 2, 8, 8)
    where = "CausalSelfAttention: with dropout=0.5, in eval mode (model.eval())"
    expected = _reference_forward(config, 7, x)
    module = _load(_build(student_cls, config), config, 7)
    with torch.no_grad():
        got = [module(x.clone()) for _ in range(2)]
    problem = difference(expected, got[0])
    if problem is not None:
        mistake = None
        if difference(got[0], got[1]) is not None:
            mistake = _dropout_out_of_reach(student_cls, module) or Mistake(
                "dropout on in eval mode", "use nn.Dropout modules (model.eval() turns them off), or pass "
                "training=self.training to F.dropout.")
        else:  # the same output twice, but scaled by (1 - p) (or 1 / (1 - p)) where the dropout is
            mistake = next((RESCALED for factors in _rescalings(config.dropout)
                            if difference(_wrong_forward(config, 7, x, rescale=factors), got[0]) is None), None)
        raise failure(where, problem, mistake, expected=describe(expected, True), got=describe(got[0], True))

    _check_called_again(student_cls, configs[1], g)

    # a model trains through the module: autograd must reach the input and give the reference's gradient
    # (an in-place change of a tensor it still needs, such as q *= scale on c_attn's split, raises there)
    if not gradient:
        return
    config = configs[1]
    module = _load(_build(student_cls, config), config, 3)
    check_gradient("CausalSelfAttention", lambda x: module(x),
                   lambda x: _load(ref.CausalSelfAttention(config), config, 3)(x), (_rand(g, 2, 5, 16),), wrt=0)
    _check_weight_gradients(student_cls, config, _rand(g, 2, 5, 16))

    # last, once the values are right: where the module keeps its mask (the outputs cannot show it)
    _check_mask_kept(module, "CausalSelfAttention: the module's mask")
    print(f"✓ CausalSelfAttention: all {len(cases) + 1} cases match the reference (in eval mode), "
          f"and so does the gradient.")


def _check_weight_gradients(student_cls, config, x) -> None:
    """The weights train too: after one backward pass each parameter's gradient is the reference's. A forward
    through ``self.c_attn.weight.data`` (or a detached weight) gives the right values and the right gradient
    for the input, but c_attn never learns (the hidden tests compare the same gradients)."""
    module, theirs = _load(_build(student_cls, config), config, 3), _load(ref.CausalSelfAttention(config), config, 3)
    with torch.enable_grad():
        module(x.clone().requires_grad_()).pow(2).sum().backward()
        theirs(x.clone().requires_grad_()).pow(2).sum().backward()
    for name, parameter in theirs.named_parameters():
        layer, kind = name.split(".")
        grad = getattr(getattr(module, layer), kind).grad
        where = f"CausalSelfAttention: the gradient of {name} after one backward pass"
        if not isinstance(grad, torch.Tensor) or not bool(grad.abs().sum() > 0):
            raise failure(where, f"no gradient reaches {name}",
                          Mistake("weights cut off from the graph", f"the values are right, but {name} gets no "
                                  f"gradient, so it never learns: use the layer itself, self.{layer}(x), not its "
                                  f"weight's .data or a .detach()ed copy, and no torch.no_grad() in forward."))
        problem = difference(parameter.grad, grad, 1e-4, 1e-3)
        if problem is not None:
            raise failure(where, problem,
                          Mistake("weights cut off from the graph", f"the values are right, but the gradient of "
                                  f"{name} is not the reference's: part of the computation that uses it is cut off "
                                  f"from autograd (.data, .detach() or torch.no_grad() on the way), or the module "
                                  f"ran a backward pass of its own. Compute every step from self.{layer}(x)."))


RESCALED = Mistake(
    "dropout rescaled again", "nn.Dropout already scales the values it keeps by 1 / (1 - p) in training mode, "
    "and does nothing in eval mode: use its output as it is, self.attn_dropout(weights), without multiplying "
    "(or dividing) by (1 - p) yourself.")


def _rescalings(p):
    """(weights, output) factors of a dropout's scaling written out again by hand: (1 - p) or 1 / (1 - p), on
    the attention weights, on the output, or on both."""
    return [pair for f in (1 - p, 1 / (1 - p)) for pair in ((f, 1.0), (1.0, f), (f, f))]


MASK_CHANGED = Mistake(
    "mask changed by forward", "forward changed a tensor the module keeps (its mask), which every later call "
    "reads: self.mask[:T, :T].logical_not_() (or any method ending in _) inverts the buffer itself, and "
    "self.mask = self.mask[:T, :T] replaces it with a smaller one. Leave self.mask as __init__ made it: crop "
    "into a local name, and use ~, which makes a new tensor (hide = ~self.mask[:T, :T]).")


def _kept_tensors(module) -> dict[str, torch.Tensor]:
    """The tensors a module keeps besides its parameters: its buffers and plain tensor attributes (copies).
    Empty where the module lives in another process (the autograder's re-check): the outputs still tell."""
    if not isinstance(module, nn.Module):
        return {}
    kept = {name: value for name, value in module.named_buffers()}
    kept.update({name: value for name, value in vars(module).items() if isinstance(value, torch.Tensor)})
    # a mask by its dtype or its name (nanoGPT calls it bias): not a tensor a module may rightly keep
    # changing, such as the last attention weights kept for a plot
    return {name: value.detach().clone() for name, value in kept.items()
            if value.dtype == torch.bool or any(word in name.lower() for word in ("mask", "bias", "tril"))}


def _changed_tensor(before: dict[str, torch.Tensor], module) -> str | None:
    now = _kept_tensors(module)
    for name, value in before.items():
        if name not in now or now[name].shape != value.shape or not torch.equal(now[name], value):
            return name
    return None


DROPOUTS_IN_A_LIST = Mistake(
    "dropouts in a plain list", "a plain Python list (or tuple, or dict) hides the nn.Dropout modules in it from "
    "your module: model.eval() never reaches them, so they stay on. Assign each to its own attribute, "
    "self.attn_dropout = nn.Dropout(config.dropout) and self.resid_dropout = nn.Dropout(config.dropout) "
    "(or keep them in an nn.ModuleList).")
DROPOUT_MADE_IN_FORWARD = Mistake(
    "dropout made inside forward", "an nn.Dropout made inside forward is a new module on every call, always in "
    "training mode, which model.eval() never reaches: make each once in __init__, self.attn_dropout = "
    "nn.Dropout(config.dropout), and call that one in forward.")


def _dropout_out_of_reach(student_cls, module) -> Mistake | None:
    """Why the module's dropout stays on in eval mode, when the reason is where its nn.Dropout modules live:
    in a plain list (or dict) attribute, which nn.Module does not register, or made anew inside forward.
    (Not known in the autograder's re-check, where the module lives in another process.)"""
    import ast
    import inspect
    import textwrap

    if not isinstance(module, nn.Module):
        return None
    for name, value in vars(module).items():
        if name == "_modules":  # (nn.Module's own register of its submodules)
            continue
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
        if any(isinstance(item, nn.Dropout) for item in items):
            return DROPOUTS_IN_A_LIST
    forward = getattr(student_cls, "forward", None)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(forward)))
    except (TypeError, OSError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called == "Dropout":
                return DROPOUT_MADE_IN_FORWARD
    return None


def _check_called_again(student_cls, config, g) -> None:
    """One module called on a short sequence, then a whole block, then the short one again, as generation
    calls it: each output must be the reference's, and whatever the module keeps (its mask) as it was."""
    module = _load(_build(student_cls, config), config, 5)
    before = _kept_tensors(module)
    for call, T in enumerate((3, config.block_size, 3), 1):
        x = _rand(g, 2, T, config.n_embd)
        where = (f"CausalSelfAttention: one module called three times, on T = 3, {config.block_size} and 3 "
                 f"(call {call}, T = {T})")
        expected = _reference_forward(config, 5, x)
        try:
            with torch.no_grad():
                got = module(x.clone())
        except Exception as error:
            changed = _changed_tensor(before, module)
            raise failure(where, f"your module raised {type(error).__name__}: {said(error)}{where_raised(error)}"
                          + (f"; self.{changed} is not what __init__ made" if changed else ""),
                          MASK_CHANGED if changed else _helper_or_missing(error)) from None
        changed = _changed_tensor(before, module)
        if changed is not None:
            raise failure(where, f"after this call self.{changed} is not what __init__ made", MASK_CHANGED)
        problem = difference(expected, got)
        if problem is not None:
            raise failure(where, problem + (" (the first call was right)" if call > 1 else ""),
                          MASK_CHANGED if call > 1 else None, expected=describe(expected, True),
                          got=describe(got, True))


def _fixed_rate(module, config):
    """The mistake of a dropout layer built with a rate other than ``config.dropout``, when the module has one
    (not known in the autograder's re-check, where the module lives in another process)."""
    if not isinstance(module, nn.Module):
        return None
    rates = sorted({m.p for m in module.modules() if isinstance(m, nn.Dropout) and m.p != config.dropout})
    if not rates:
        return None
    return Mistake("dropout rate not from config", f"your nn.Dropout has p={rates[0]}, but config.dropout is "
                   f"{config.dropout} here: build it with the config's rate, nn.Dropout(config.dropout), not a "
                   f"fixed number.")


def _other_dropout(module):
    """The mistake of a dropout layer of another kind than nn.Dropout (AlphaDropout, Dropout2d, ...), which
    draws and scales otherwise, when the module has one."""
    if not isinstance(module, nn.Module):
        return None
    kinds = sorted({type(m).__name__ for m in module.modules()
                    if isinstance(m, nn.modules.dropout._DropoutNd) and type(m) is not nn.Dropout})
    if not kinds:
        return None
    return Mistake("another kind of dropout", f"your module uses nn.{kinds[0]}, which drops (and rescales) otherwise "
                   f"than plain dropout: nn.{kinds[0]} is for other layers (whole channels, or SELU networks). Use "
                   f"nn.Dropout(config.dropout), which zeroes single values and scales the rest by 1 / (1 - p).")


def check_attention_dropout(student_cls) -> None:
    """``student_cls(config)`` in training mode with dropout 0.4, under a fixed seed: the output must be
    that of dropout applied where the exercise says, to the attention weights (after the softmax),
    then to the output of ``c_proj``, as ``nn.Dropout`` modules (or ``F.dropout(..., training=
    self.training)``) draw it."""
    refused = refusal(student_cls, "attention_dropout")
    if refused is not None:
        raise refused
    with contextlib.redirect_stdout(io.StringIO()):
        # a mistake without dropout is named as such first (not the gradient: the dropout's point is its own)
        check_causal_self_attention(student_cls, gradient=False)
    # (not 0.5, where the keep probability 1 - p is p itself; nor a rate a student writes as a fixed number)
    config = ref.AttentionConfig(block_size=8, n_head=2, n_embd=8, dropout=0.4)
    x = _rand(torch.Generator().manual_seed(8), 2, 8, 8)
    module = _load(_build(student_cls, config), config, 7)
    where = (f"CausalSelfAttention: with dropout={config.dropout}, in training mode (model.train()), under "
             f"torch.manual_seed(0)")
    expected = _seeded(lambda: _train_forward(config, 7, x), 0)
    module.train()
    try:
        got = _seeded(lambda: module(x.clone()), 0)
    except Exception as error:
        raise failure(where, f"your module raised {type(error).__name__}: {said(error)}{where_raised(error)}",
                      _helper_or_missing(error)) from None
    problem = difference(expected, got)
    if problem is not None and difference(_seeded(lambda: _train_forward(config, 7, x, dropout="per_head"), 0),
                                          got) is None:
        problem = None  # a loop over the heads, each head's weights dropped in turn: right (heads_dropped_in_turn)
    if problem is not None:
        train_mistakes = [
            Mistake("dropout on the scores", "the attention dropout must act on the weights, after the "
                    "softmax: weights = self.attn_dropout(torch.softmax(scores, dim=-1)). "
                    "Dropping scores instead sets them to 0, which still gets weight after the softmax.",
                    lambda: _train_forward(config, 7, x, dropout="scores")),
            Mistake("dropout on the scores", "the attention dropout must act on the weights, after the "
                    "softmax: dropout on masked scores turns some -inf into 0 or NaN.",
                    lambda: _train_forward(config, 7, x, dropout="masked_scores")),
            Mistake("attention dropout missing", "self.attn_dropout is never applied: apply it to the "
                    "weights after the softmax.", lambda: _train_forward(config, 7, x, dropout="none")),
            Mistake("residual dropout missing", "self.resid_dropout is never applied: return "
                    "self.resid_dropout(self.c_proj(y)).", lambda: _train_forward(config, 7, x, resid="none")),
            Mistake("dropout before the projection", "the residual dropout acts on the OUTPUT of c_proj, "
                    "self.resid_dropout(self.c_proj(y)), not on the merged heads before it; the attention "
                    "dropout on the weights after the softmax.", lambda: _train_forward(config, 7, x, resid="before")),
            Mistake("dropout before the projection", "the residual dropout acts on the OUTPUT of c_proj, "
                    "self.resid_dropout(self.c_proj(y)), not on the merged heads before it; the attention "
                    "dropout on the weights after the softmax.",
                    lambda: _train_forward(config, 7, x, dropout="none", resid="before")),
            Mistake("dropout on the values", "the attention dropout acts on the weights after the softmax, "
                    "self.attn_dropout(torch.softmax(scores, dim=-1)), not on v.",
                    lambda: _train_forward(config, 7, x, dropout="values")),
            *[Mistake("attention dropout after the values", "the attention dropout acts on the weights, before "
                      "they mix the values: self.attn_dropout(torch.softmax(scores, dim=-1)) @ v, not on "
                      "weights @ v.", lambda where=where: _train_forward(config, 7, x, dropout=where))
              for where in ("output", "merged")],
            Mistake("the keep probability given as p", "nn.Dropout's p is the fraction of values ZEROED, not "
                    "the fraction kept (TensorFlow's keep_prob): build it as nn.Dropout(config.dropout), not "
                    "nn.Dropout(1 - config.dropout).", lambda: _train_forward(config, 7, x, p=1 - config.dropout)),
            *[Mistake("dropout rate not from config", f"build the dropout with the config's rate, "
                      f"nn.Dropout(config.dropout) (or F.dropout(..., config.dropout, self.training)), not a fixed "
                      f"number: here config.dropout is {config.dropout}.",
                      lambda rate=rate: _train_forward(config, 7, x, p=rate))
              for rate in (0.1, 0.2, 0.3, 0.5)],
            *[Mistake(RESCALED.name, RESCALED.hint, lambda factors=factors: _train_forward(config, 7, x, rescale=factors))
              for factors in _rescalings(config.dropout)],
            *[Mistake("attention dropout applied twice", "self.attn_dropout goes on the weights once, "
                      "self.attn_dropout(torch.softmax(scores, dim=-1)), and nowhere else: a second dropout on "
                      "weights @ v drops (and rescales) the output again. After c_proj comes self.resid_dropout only.",
                      lambda where=where: _train_forward(config, 7, x, dropout=("weights", where)))
              for where in ("output", "merged")],
            Mistake("residual dropout on the input", "self.resid_dropout acts on the attention's OUTPUT, "
                    "return self.resid_dropout(self.c_proj(y)), not on its input x: the block adds that output to "
                    "its residual stream, and the dropout there is what regularises it.",
                    lambda: _train_forward(config, 7, x, resid="input")),
            Mistake("dropout on the queries and keys", "the attention dropout acts on the attention WEIGHTS, "
                    "after the softmax, weights = self.attn_dropout(torch.softmax(scores, dim=-1)), so that each "
                    "position drops some of the positions it attends to; not on q and k before the scores.",
                    lambda: _train_forward(config, 7, x, dropout="qk")),
            *[Mistake("dropout on the scores and the weights", "self.attn_dropout goes on the weights only, once, "
                      "after the softmax: weights = self.attn_dropout(torch.softmax(scores, dim=-1)). A dropout on "
                      "the scores as well zeroes some of them (exp(0) is not 0: the dropped keys still get weight) "
                      "and, after the mask, turns -inf into NaN (0 · -inf).",
                      lambda where=where: _train_forward(config, 7, x, dropout=(where, "weights")))
              for where in ("masked_scores", "scores")],
            Mistake("dropout's result not kept", "self.attn_dropout(weights) returns a NEW tensor and leaves weights "
                    "as they were: assign it, weights = self.attn_dropout(weights) (a call on a line of its own "
                    "draws its random numbers and throws the result away).",
                    lambda: _train_forward(config, 7, x, dropout="discarded")),
            Mistake("weights renormalised after dropout", "dropout zeroes some weights and scales the others by "
                    "1 / (1 - p), so a row no longer sums to 1, and that is meant: dividing by the row sums again "
                    "undoes the scaling (and a row whose weights were all dropped becomes 0 / 0 = NaN). Apply it "
                    "once, after the normalisation, weights = self.attn_dropout(torch.softmax(scores, dim=-1)), "
                    "not to the exponentials before they are divided by their sum.",
                    lambda: _train_forward(config, 7, x, dropout=("weights", "renormalised"))),
            Mistake("dropout on the projections", "self.attn_dropout acts on the attention WEIGHTS, after the "
                    "softmax, weights = self.attn_dropout(torch.softmax(scores, dim=-1)), not on c_attn's output "
                    "(the queries, keys and values) before the scores.",
                    lambda: _train_forward(config, 7, x, dropout="qkv")),
            Mistake("dropout never applied", "neither dropout is applied: self.attn_dropout goes on the weights "
                    "after the softmax, self.resid_dropout on the output of c_proj.",
                    lambda: _train_forward(config, 7, x, dropout="none", resid="none")),
            Mistake("attention dropout on the output", "self.attn_dropout acts on the attention weights, "
                    "weights = self.attn_dropout(torch.softmax(scores, dim=-1)), not on c_proj's output: there "
                    "comes self.resid_dropout only, once, return self.resid_dropout(self.c_proj(y)).",
                    lambda: _train_forward(config, 7, x, dropout="projected")),
            Mistake("two dropouts on the output", "c_proj's output gets one dropout, "
                    "self.resid_dropout(self.c_proj(y)); a second one there (self.attn_dropout, or "
                    "self.resid_dropout again) drops and rescales it "
                    "twice. self.attn_dropout goes on the attention weights only, once, after the softmax.",
                    lambda: _train_forward(config, 7, x, dropout=("weights", "projected"))),
            Mistake("attention dropout on the input", "self.attn_dropout acts on the attention weights, after the "
                    "softmax, weights = self.attn_dropout(torch.softmax(scores, dim=-1)), not on the module's "
                    "input x before c_attn (the block's own dropouts act on the residual stream, not this one).",
                    lambda: _train_forward(config, 7, x, dropout="input")),
            *[Mistake("dropout rate not from config", f"the dropout on the weights has a rate of your own: use "
                      f"the config's, self.attn_dropout(weights), or F.dropout(weights, self.attn_dropout.p, "
                      f"self.training), not a fixed number: here config.dropout is {config.dropout}.",
                      lambda rate=rate: _train_forward(config, 7, x, p_weights=rate)) for rate in (0.1, 0.2, 0.3, 0.5)],
        ]
        single = first_named(train_mistakes)
        scores_masked = next(m for m in train_mistakes if m.name == "dropout on the scores" and m is not single[m.name])
        train_mistakes += two_at_once([*[(m, "dropout", lambda *a, where=where: where) for m, where in (
                                           (single["dropout on the scores"], "scores"), (scores_masked, "masked_scores"),
                                           (single["dropout on the values"], "values"),
                                           (single["attention dropout after the values"], "output"))],
                                       *[(single[name], "resid", lambda *a, where=where: where) for name, where in (
                                           ("residual dropout missing", "none"), ("dropout before the projection", "before"),
                                           ("residual dropout on the input", "input"))]],
                                      lambda args, knobs: _train_forward(config, 7, x, **knobs))
        mistake = None
        for candidate in train_mistakes:
            try:
                wrong = _seeded(candidate.wrong, 0)
            except Exception:
                continue
            if difference(wrong, got) is None:
                mistake = candidate
                break
        if mistake is not None and mistake.name == "attention dropout applied twice" \
                and _called_twice(module, x) == "resid_dropout":
            mistake = RESID_TWICE  # (the same draws as the attention dropout twice: both are Dropout(config.dropout))
        if mistake is not None and mistake.name == "attention dropout after the values" \
                and _dropout_order(module, x) == ["resid_dropout", "attn_dropout"]:
            mistake = DROPOUTS_SWAPPED
        if mistake is None and "attn_dropout" not in (_dropout_order(module, x) or ["attn_dropout"]) \
                and _draws_by_hand(student_cls):
            mistake = DROPOUT_BY_HAND
        if mistake is not None and mistake.name == "dropout rate not from config":
            mistake = _fixed_rate(module, config) or mistake  # (the module's own rate, where it has one)
        mistake = mistake or _other_dropout(module) or _fixed_rate(module, config) \
            or (SEED_IN_FORWARD if _reseeds(module, x) else None)
        raise failure(where, problem, mistake, expected=describe(expected, True), got=describe(got, True))
    # two calls in a row draw two masks: the same output twice means forward re-seeds the generator
    first, second = _seeded(lambda: (module(x.clone()), module(x.clone())), 0)
    if difference(first, second) is None:
        raise failure(where + ", called twice", "the two calls gave the same output: the same dropout masks both times",
                      Mistake("the same dropout mask every call", "something in forward seeds the random generator "
                              "(torch.manual_seed), so every call drops the same entries and dropout stops "
                              "regularising (it also resets the caller's random numbers): remove it; the caller "
                              "sets the seed once."))
    _check_train_backward(module, x, where)
    print("✓ CausalSelfAttention: in training mode, dropout acts on the attention weights and the output.")


SEED_IN_FORWARD = Mistake(
    "random seed set in forward", "your forward sets the random seed (torch.manual_seed) as it runs, so what it "
    "draws after that is the same on every call, and the caller's random numbers are reset too: remove it from "
    "the module; the caller sets the seed once, before the model runs.")


def _reseeds(module, x) -> bool:
    """Whether a training-mode forward sets the global seed: the generator's state after the call is the same
    whatever it was before (False in the autograder's re-check, where the module lives in another process)."""
    if not isinstance(module, nn.Module):
        return False
    states = []
    for seed in (0, 1):
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(seed)
            try:
                module(x.clone())
            except Exception:
                return False
            states.append(torch.get_rng_state())
    return torch.equal(states[0], states[1])


DROPOUTS_SWAPPED = Mistake(
    "dropouts in each other's places", "your forward calls self.resid_dropout first, on the merged heads, and "
    "self.attn_dropout after c_proj: the attention dropout goes on the weights after the softmax, "
    "weights = self.attn_dropout(torch.softmax(scores, dim=-1)), the residual dropout on c_proj's output, "
    "self.resid_dropout(self.c_proj(y)).")
DROPOUT_BY_HAND = Mistake(
    "dropout made by hand", "your forward never calls self.attn_dropout and draws its own random numbers "
    "(torch.rand, torch.bernoulli): right or not on average, they are not the draws the tests compare with under "
    "the same seed. Apply the module you made, weights = self.attn_dropout(torch.softmax(scores, dim=-1)) (or "
    "F.dropout(weights, self.attn_dropout.p, self.training)).")


def _dropout_order(module, x) -> list[str] | None:
    """The names of the module's nn.Dropout submodules in the order a training-mode forward calls them (None in
    the autograder's re-check, where the module lives in another process, or when the forward raises)."""
    if not isinstance(module, nn.Module):
        return None
    calls = []
    hooks = [m.register_forward_hook(lambda m, i, o, name=name: calls.append(name))
             for name, m in module.named_modules() if isinstance(m, nn.Dropout)]
    try:
        _seeded(lambda: module(x.clone()), 0)
    except Exception:
        return None
    finally:
        for hook in hooks:
            hook.remove()
    return calls


def _draws_by_hand(student_cls) -> bool:
    """Whether the class's forward draws random numbers of its own (torch.rand, rand_like, bernoulli)."""
    import inspect

    try:
        source = inspect.getsource(student_cls.forward)
    except (TypeError, OSError, AttributeError):
        return False
    return any(name in source for name in ("rand(", "rand_like(", "bernoulli"))


RESID_TWICE = Mistake(
    "residual dropout applied twice", "self.resid_dropout goes on c_proj's output only, "
    "self.resid_dropout(self.c_proj(y)): a second one on the merged heads before c_proj drops (and rescales) "
    "them again. Between merge_heads and c_proj comes nothing.")


def _called_twice(module, x) -> str | None:
    """The name of the module's one dropout submodule that a training-mode forward calls more than once, if
    there is exactly one (None in the autograder's re-check, where the module lives in another process)."""
    order = _dropout_order(module, x)
    if order is None:
        return None
    twice = [name for name, count in collections.Counter(order).items() if count > 1]
    return twice[0] if len(twice) == 1 else None


DROPOUT_IN_PLACE = Mistake(
    "dropout in place", "nn.Dropout(p, inplace=True) (or F.dropout(..., inplace=True)) on the attention weights "
    "overwrites the softmax's output, which autograd needs for the backward pass, so the module cannot be "
    "trained with dropout: build it as nn.Dropout(config.dropout), without inplace=True.")


def _check_train_backward(module, x, where) -> None:
    """The backward pass in training mode, with the dropout on: a dropout that writes in place over a
    tensor autograd still needs (the softmax's output) gives the right values but cannot be trained.
    (Every gradient check elsewhere runs with dropout 0, where dropout does nothing.)"""
    # (in the autograder's re-check the module lives in another process: the backward pass runs there, and its
    # error comes back by name and message)
    given = x.clone().requires_grad_()
    try:
        with torch.random.fork_rng(devices=[]), torch.enable_grad():
            torch.manual_seed(0)
            module.train()
            module(given).sum().backward()
    except RuntimeError as error:
        text = str(error)
        inplace = "inplace" in text and ("Softmax" in text or isinstance(module, nn.Module) and any(
            isinstance(m, nn.Dropout) and m.inplace for m in module.modules()))
        raise failure(where + ", the backward pass", f"computing the gradient raised RuntimeError: {text}",
                      DROPOUT_IN_PLACE if inplace else IN_PLACE if "inplace" in text else None) from None


from course.checks._core import guard_checks  # noqa: E402

guard_checks(globals())  # each check starts from float32, whatever an earlier cell left
