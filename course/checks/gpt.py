"""Self-checks for lesson 05 (from a bigram model to a GPT): ``from course.checks import gpt as checks``.

    checks.check_get_batch(get_batch)
    checks.check_bigram_forward(bigram_forward)
    checks.check_causal_average(causal_average)
    checks.check_block_forward(block_forward)

Each compares your function with the course's reference on random cases and, when your answer equals
a common wrong version, says which mistake that is.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from course.checks._core import Mistake, check_gradient, run_check
from course.data import RandomWindows
from course.gpt import MLP, Block, CausalSelfAttention, GPTConfig, bigram_forward, causal_average


# ---------------------------------------------------------------------------------------------------
# get_batch(data, block_size, batch_size, generator) -> (x, y)

def _reference_get_batch(data, block_size, batch_size, generator):
    return tuple(RandomWindows(data, block_size, batch_size, generator=generator).sample())


def _batch_with(data, block_size, batch_size, generator, *, high_offset=0, x_shift=0, y_shift=1, y_len=None):
    """Windows drawn as the exercise says, with knobs for the usual mistakes."""
    starts = torch.randint(len(data) - block_size + high_offset, (batch_size,), generator=generator)
    y_len = block_size if y_len is None else y_len
    x = torch.stack([data[s + x_shift:s + x_shift + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + y_shift:s + y_shift + y_len] for s in starts.tolist()])
    return x, y


def _get_batch_cases():
    gen = torch.Generator().manual_seed(5)
    cases = []
    for n, block_size, batch_size, seed in ((50, 8, 4, 0), (200, 16, 6, 1), (30, 3, 5, 2), (1000, 32, 3, 3)):
        data = torch.randint(0, 65, (n,), generator=gen)
        cases.append((data, block_size, batch_size, torch.Generator().manual_seed(seed)))
    return cases


def check_get_batch(student_fn):
    """``student_fn(data, block_size, batch_size, generator)`` must draw ``batch_size`` start offsets with
    ``torch.randint(len(data) - block_size, (batch_size,), generator=generator)`` and return the tuple
    ``(x, y)``, both ``(batch_size, block_size)``: ``x[b] = data[i : i+block_size]`` and
    ``y[b] = data[i+1 : i+block_size+1]`` for the ``b``-th offset ``i``."""
    run_check("get_batch", student_fn, _reference_get_batch, _get_batch_cases(), mistakes=[
        Mistake("labels not shifted", "the labels are not shifted: y must hold the NEXT token of each position, "
                "y = data[i+1 : i+block_size+1], not the same window as x.",
                lambda d, b, n, g: _batch_with(d, b, n, g, y_shift=0)),
        Mistake("x and y swapped", "x and y are swapped: x = data[i : i+block_size] is the input, y = data[i+1 : i+block_size+1] "
                "the targets.", lambda d, b, n, g: _batch_with(d, b, n, g, x_shift=1, y_shift=0)),
        Mistake("y one token short", "the target window ends one token early: y = data[i+1 : i+block_size+1] has block_size tokens "
                "(Python slices leave out their end).", lambda d, b, n, g: _batch_with(d, b, n, g, y_len=b - 1)),
        Mistake("offsets from the wrong range", "the offsets come from the wrong range: draw them with torch.randint(len(data) - block_size, "
                "(batch_size,), generator=generator), so the last window starts at len(data) - block_size - 1 "
                "and its targets still fit.", lambda d, b, n, g: _batch_with(d, b, n, g, high_offset=-1)),
        Mistake("list instead of tuple", "return the tuple (x, y), not a list.",
                lambda d, b, n, g: list(_batch_with(d, b, n, g)), credit=0.5),
        Mistake("(block_size, B) instead of (B, block_size)", "one ROW per window: torch.stack(windows) "
                "gives (batch_size, block_size); don't transpose.",
                lambda d, b, n, g: tuple(t.T for t in _batch_with(d, b, n, g))),
    ])


# ---------------------------------------------------------------------------------------------------
# bigram_forward(table, idx, targets) -> (logits, loss)

def _bigram_cases():
    gen = torch.Generator().manual_seed(6)
    cases = []
    for V, B, T in ((5, 2, 3), (11, 3, 4), (65, 4, 8)):
        table = 2 * torch.randn(V, V, generator=gen)
        cases.append((table, torch.randint(0, V, (B, T), generator=gen), torch.randint(0, V, (B, T), generator=gen)))
    cases.append((torch.randn(7, 7, generator=gen), torch.randint(0, 7, (2, 5), generator=gen), None))
    return cases


def _flat(logits, targets):
    B, T, V = logits.shape
    return logits.reshape(B * T, V), targets.reshape(B * T)


def _bigram_with(table, idx, targets, *, softmax_first=False, transposed=False, flat_logits=False,
                 time_major=False, reduction="mean"):
    logits = (table.T if transposed else table)[idx]
    if targets is None:
        return logits, None
    scores = F.softmax(logits, dim=-1) if softmax_first else logits
    if time_major:  # (T, B, V) flattened against (B, T) targets: rows and targets no longer line up
        loss = F.cross_entropy(scores.transpose(0, 1).reshape(-1, scores.shape[-1]), targets.reshape(-1))
    else:
        loss = F.cross_entropy(*_flat(scores, targets), reduction=reduction)
    return (_flat(logits, targets)[0] if flat_logits else logits), loss


def check_bigram_forward(student_fn):
    """``student_fn(table, idx, targets)``: ``logits = table[idx]`` of shape (B, T, V) and the mean
    cross-entropy against ``targets`` (B, T); returns ``(logits, loss)``, ``(logits, None)`` when
    ``targets`` is None."""
    run_check("bigram_forward", student_fn, bigram_forward, _bigram_cases(), mistakes=[
        Mistake("softmax before cross-entropy", "softmax was applied before cross-entropy: F.cross_entropy takes raw logits and applies "
                "log-softmax itself.", lambda t, i, y: _bigram_with(t, i, y, softmax_first=True)),
        Mistake("(T, B) instead of (B, T)", "the logits were reshaped along the wrong axes, so each row of scores meets another "
                "position's target: use logits.view(B*T, V) with targets.view(B*T), no transpose.",
                lambda t, i, y: _bigram_with(t, i, y, time_major=True)),
        Mistake("flattened logits returned", "return the logits with shape (B, T, V); flatten them to (B*T, V) only for the loss.",
                lambda t, i, y: _bigram_with(t, i, y, flat_logits=True)),
        Mistake("column instead of row", "the scores of the token after token i are ROW i of the table (table[idx]), not column i.",
                lambda t, i, y: _bigram_with(t, i, y, transposed=True)),
        Mistake("sum instead of mean", "the losses were summed: take the mean over all B*T positions.",
                lambda t, i, y: _bigram_with(t, i, y, reduction="sum")),
        Mistake("loss as a Python float", "return the loss as a scalar tensor (what F.cross_entropy returns), "
                "not .item(): training needs its gradient.",
                lambda t, i, y: (lambda lo, l: (lo, l if l is None else l.item()))(*bigram_forward(t, i, y)),
                credit=0.5),
    ])
    table, idx, targets = _bigram_cases()[1]
    check_gradient("bigram_forward", student_fn, bigram_forward, (table, idx, targets), wrt=0,
                   pick=lambda out: out[1])


# ---------------------------------------------------------------------------------------------------
# causal_average(x) -> (B, T, C)

def _average_with(x, *, triangle="lower", softmax_dim=-1, normalise=True):
    T = x.shape[1]
    ones = torch.ones(T, T, dtype=torch.bool)
    allowed = {"lower": ones.tril(), "upper": ones.triu(), "strict": ones.tril(-1), "none": ones}[triangle]
    scores = torch.zeros(T, T, dtype=x.dtype).masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=softmax_dim) if normalise else allowed.to(x.dtype)
    return weights @ x


def _average_cases():
    gen = torch.Generator().manual_seed(7)
    return [(torch.randn(B, T, C, generator=gen),) for B, T, C in ((1, 4, 2), (2, 6, 3), (3, 8, 5), (2, 1, 4))]


def check_causal_average(student_fn):
    """``student_fn(x)`` with ``x`` of shape (B, T, C) returns (B, T, C): row ``t`` of each sequence is the
    mean of rows ``0..t`` (itself and the past, never the future)."""
    run_check("causal_average", student_fn, causal_average, _average_cases(), mistakes=[
        Mistake("includes the future", "this averages the FUTURE: keep the lower triangle (torch.tril), where row t allows "
                "columns 0..t.", lambda x: _average_with(x, triangle="upper")),
        Mistake("normalised over the wrong dimension", "the weights were normalised over the wrong dimension: each ROW must sum to 1, "
                "so softmax over the last dimension (dim=-1).", lambda x: _average_with(x, softmax_dim=0)),
        Mistake("sums instead of means", "these are sums, not means: normalise each row of the mask (softmax of the masked "
                "scores, or divide by the row sums).", lambda x: _average_with(x, normalise=False)),
        Mistake("no mask", "no mask: every position sees the whole sequence; mask the future with -inf before the "
                "softmax.", lambda x: _average_with(x, triangle="none")),
        Mistake("diagonal missing", "position t must include itself: torch.tril keeps the diagonal (tril(-1) drops it, and the "
                "first row then has nothing to average).", lambda x: _average_with(x, triangle="strict")),
        Mistake("divided by T", "every row was divided by the full length T; row t averages t + 1 "
                "positions, so divide by t + 1 (or normalise each row of the mask).",
                lambda x: _average_with(x, normalise=False) / x.shape[1]),
        Mistake("float64 result", "the values are right but the result is float64: build the weights "
                "with x's dtype (torch.ones(T, T) is float32), or .to(x.dtype).",
                lambda x: causal_average(x).double(), credit=0.5),
    ])


# ---------------------------------------------------------------------------------------------------
# block_forward(x, ln_1, attn, ln_2, mlp) -> (B, T, C)

def _reference_block_forward(x, ln_1, attn, ln_2, mlp):
    block = Block.__new__(Block)  # the course's Block, holding the case's modules
    nn.Module.__init__(block)
    block.ln_1, block.attn, block.ln_2, block.mlp = ln_1, attn, ln_2, mlp
    return block(x)


def _block_cases():
    cases = []
    for seed, (B, T, C, nh) in enumerate(((1, 4, 8, 2), (2, 6, 12, 3), (3, 5, 16, 4))):
        torch.manual_seed(500 + seed)
        config = GPTConfig(vocab_size=10, block_size=8, n_layer=2, n_head=nh, n_embd=C)
        ln_1, ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        attn, mlp = CausalSelfAttention(config), MLP(config)
        with torch.no_grad():  # larger than at initialisation, and two different norms, so each place matters
            for module in (ln_1, ln_2, attn, mlp):
                for p in module.parameters():
                    p.normal_(0, 0.5)
        modules = [m.eval() for m in (ln_1, attn, ln_2, mlp)]
        cases.append((torch.randn(B, T, C), *modules))
    return cases


def _post_norm(x, ln_1, attn, ln_2, mlp):
    x = ln_1(x + attn(x))
    return ln_2(x + mlp(x))


def check_block_forward(student_fn):
    """``student_fn(x, ln_1, attn, ln_2, mlp)``: a pre-LayerNorm transformer block,
    ``x = x + attn(ln_1(x))`` then ``x = x + mlp(ln_2(x))``; returns the new ``x`` (B, T, C)."""
    with torch.no_grad():
        run_check("block_forward", student_fn, _reference_block_forward, _block_cases(), mistakes=[
            Mistake("post-norm", "this is the post-norm block of the original Transformer, ln(x + attn(x)); GPT-2 normalises "
                    "BEFORE each sublayer and adds to the raw x: x = x + attn(ln_1(x)).", _post_norm),
            Mistake("attention residual missing", "the residual connection around the attention is missing: x = x + attn(ln_1(x)), "
                    "not x = attn(ln_1(x)).",
                    lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(a(l1(x)))),
            Mistake("MLP residual missing", "the residual connection around the MLP is missing: x = x + mlp(ln_2(x)), "
                    "not x = mlp(ln_2(x)).",
                    lambda x, l1, a, l2, m: (lambda h: m(l2(h)))(x + a(l1(x)))),
            Mistake("residual of the normalised x", "the residual adds the NORMALISED x: add the sublayer's output to x itself, "
                    "x = x + attn(ln_1(x)), so the stream is never normalised in place.",
                    lambda x, l1, a, l2, m: (lambda h: l2(h) + m(l2(h)))(l1(x) + a(l1(x)))),
            Mistake("norms swapped", "ln_1 and ln_2 are swapped: ln_1 goes before the attention, ln_2 before the MLP.",
                    lambda x, l1, a, l2, m: (lambda h: h + m(l1(h)))(x + a(l2(x)))),
            Mistake("parallel sublayers", "the MLP must read the output of the attention step, not the block's input: "
                    "two steps, one after the other.",
                    lambda x, l1, a, l2, m: x + a(l1(x)) + m(l2(x))),
        ])
    x, *modules = _block_cases()[1]
    check_gradient("block_forward", student_fn, _reference_block_forward, (x, *modules), wrt=0)
