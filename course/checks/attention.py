"""Self-checks for lessons 02-03 (attention): ``from course.checks import attention as checks``.

Each ``check_*`` compares your function (or, for ``check_causal_self_attention``, your module class)
with ``course.attention`` on random cases and names the common mistake your output looks like.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from course import attention as ref
from course.checks._core import CheckFailed, Mistake, difference, run_check

# --- wrong versions, written out plainly so each mistake is exactly one change ------------------


def _attend(q, k, v, mask=None, *, scale=None, softmax_dim=-1, mask_mode="keep", fill=float("-inf")):
    """Attention with knobs for the usual mistakes (plain softmax: empty rows give NaN, as yours would)."""
    scores = q @ k.transpose(-2, -1) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if mask is not None and mask_mode == "keep":
        scores = scores.masked_fill(~mask, fill)
    elif mask is not None and mask_mode == "inverted":
        scores = scores.masked_fill(mask, fill)
    weights = torch.softmax(scores, dim=softmax_dim)
    if mask is not None and mask_mode == "after_softmax":
        weights = weights * mask
    return weights @ v


def _rand(generator, *shape, scale=1.0):
    return torch.randn(*shape, generator=generator) * scale


# --- cross-attention (lesson 02) -----------------------------------------------------------------

def _cross(S1, S2, W_Q, W_K, W_V, swap=False, **knobs):
    if swap:
        S1, S2 = S2, S1
    return _attend(S2 @ W_Q, S1 @ W_K, S1 @ W_V, **knobs)


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
    cases = [_lesson_example()]
    for n1, n2, d_in, d_k, d_v in [(5, 3, 4, 6, 2), (7, 4, 3, 5, 5), (4, 6, 8, 4, 3)]:
        cases.append((_rand(g, n1, d_in), _rand(g, n2, d_in), _rand(g, d_in, d_k, scale=0.8),
                      _rand(g, d_in, d_k, scale=0.8), _rand(g, d_in, d_v)))
    mistakes = [
        Mistake("the scores are not divided by √d_k (d_k = W_K.shape[1]) before the softmax.",
                lambda *a: _cross(*a, scale=1.0)),
        Mistake("the scores are divided by d_k instead of √d_k.",
                lambda *a: _cross(*a, scale=1 / a[3].shape[1])),
        Mistake("the softmax runs over the wrong dimension: each query's weights over the keys "
                "(the last dimension, dim=-1) must sum to 1.", lambda *a: _cross(*a, softmax_dim=0)),
        Mistake("queries and keys/values come from the wrong sentences: queries from S2, keys and "
                "values from S1.", lambda *a: _cross(*a, swap=True)),
    ]
    run_check("cross_attention", student_fn, ref.cross_attention, cases, mistakes, atol=1e-4, rtol=1e-4)


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
    return cases


def check_scaled_dot_product_attention(student_fn) -> None:
    """``student_fn(q, k, v, mask=None)`` for ``(..., T, d)`` tensors; ``mask`` is boolean, True = may attend."""
    mistakes = [
        Mistake("the scores are not divided by √d (d = q.shape[-1]) before the softmax.",
                lambda q, k, v, m=None: _attend(q, k, v, m, scale=1.0)),
        Mistake("the scores are divided by d instead of √d.",
                lambda q, k, v, m=None: _attend(q, k, v, m, scale=1 / q.shape[-1])),
        Mistake("the softmax runs over the wrong dimension: each query's weights over the keys "
                "(dim=-1) must sum to 1.", lambda q, k, v, m=None: _attend(q, k, v, m, softmax_dim=-2)),
        Mistake("the mask is not applied: set the scores where mask is False to -inf before the softmax.",
                lambda q, k, v, m=None: _attend(q, k, v, None)),
        Mistake("the mask is inverted: True means 'may attend', so hide the positions where mask is "
                "False (scores.masked_fill(~mask, float('-inf'))).",
                lambda q, k, v, m=None: _attend(q, k, v, m, mask_mode="inverted")),
        Mistake("masked scores are set to 0 instead of -inf: exp(0) = 1, so hidden positions still get weight.",
                lambda q, k, v, m=None: _attend(q, k, v, m, fill=0.0)),
        Mistake("the mask is applied after the softmax, so the weights no longer sum to 1: mask the "
                "scores with -inf before the softmax.",
                lambda q, k, v, m=None: _attend(q, k, v, m, mask_mode="after_softmax")),
    ]
    run_check("scaled_dot_product_attention", student_fn, ref.scaled_dot_product_attention,
              _sdpa_cases(), mistakes)


def check_causal_mask(student_fn) -> None:
    """``student_fn(T)``: a ``(T, T)`` boolean mask, True where position i may attend to position j (j ≤ i)."""
    mistakes = [
        Mistake("this is the upper triangle: position i may attend to positions 0..i, the lower "
                "triangle (torch.tril).", lambda T: torch.ones(T, T, dtype=torch.bool).triu()),
        Mistake("True must mean 'may attend' (PyTorch's convention); you marked the positions to hide.",
                lambda T: torch.ones(T, T, dtype=torch.bool).triu(1)),
        Mistake("the diagonal is missing: every position may attend to itself.",
                lambda T: torch.ones(T, T, dtype=torch.bool).tril(-1)),
    ]
    run_check("causal_mask", student_fn, ref.causal_mask, [(5,), (1,), (2,), (8,)], mistakes)


def check_padding_mask(student_fn) -> None:
    """``student_fn(lengths, T)``: a ``(B, T)`` boolean mask, True at positions ``< lengths[b]`` (real tokens)."""
    cases = [(torch.tensor([3, 1, 5]), 5), (torch.tensor([2]), 4), (torch.tensor([4, 4, 2, 1]), 4),
             (torch.tensor([6, 2]), 7)]

    def positions(lengths, T):
        return torch.arange(T)[None, :], lengths[:, None]

    mistakes = [
        Mistake("True must mark the real tokens (they may be attended to); you marked the padding.",
                lambda lengths, T: (lambda p, n: p >= n)(*positions(lengths, T))),
        Mistake("off by one: positions count from 0, so position i is a real token when i < length.",
                lambda lengths, T: (lambda p, n: p <= n)(*positions(lengths, T))),
        Mistake("the mask is (T, B); it must be (B, T), one row per sequence.",
                lambda lengths, T: (lambda p, n: p < n)(*positions(lengths, T)).T),
        Mistake("return a boolean mask (dtype torch.bool, e.g. from a comparison), not 0/1 numbers.",
                lambda lengths, T: (lambda p, n: p < n)(*positions(lengths, T)).float()),
        Mistake("return a boolean mask (dtype torch.bool, e.g. from a comparison), not 0/1 numbers.",
                lambda lengths, T: (lambda p, n: p < n)(*positions(lengths, T)).long()),
    ]
    run_check("padding_mask", student_fn, ref.padding_mask, cases, mistakes)


# --- heads ---------------------------------------------------------------------------------------

def check_split_heads(student_fn) -> None:
    """``student_fn(x, n_head)``: ``(B, T, C)`` → ``(B, n_head, T, C // n_head)``."""
    g = torch.Generator().manual_seed(4)
    cases = [(_rand(g, B, T, C), nh) for B, T, C, nh in [(2, 3, 8, 2), (1, 5, 12, 3), (3, 4, 16, 4)]]

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
        Mistake("reshaped straight to (B, n_head, T, hs), which mixes positions: view as "
                "(B, T, n_head, hs) first, then .transpose(1, 2).", direct),
        Mistake("the result is (B, T, n_head, hs): transpose(1, 2) to put the heads before the positions.",
                no_transpose),
        Mistake("channels split as (hs, n_head): head h must get the consecutive channels "
                "h·hs … (h+1)·hs − 1, so view as (B, T, n_head, hs).", interleaved),
    ]
    run_check("split_heads", student_fn, ref.split_heads, cases, mistakes)


def check_merge_heads(student_fn) -> None:
    """``student_fn(x)``: ``(B, n_head, T, hs)`` → ``(B, T, n_head * hs)``, the inverse of ``split_heads``."""
    g = torch.Generator().manual_seed(5)
    cases = [(_rand(g, *shape),) for shape in [(2, 2, 3, 4), (1, 3, 5, 2), (3, 4, 4, 4)]]

    def no_transpose(x):
        B, nh, T, hs = x.shape
        return x.reshape(B, T, nh * hs)

    def interleaved(x):
        B, nh, T, hs = x.shape
        return x.permute(0, 2, 3, 1).reshape(B, T, nh * hs)

    mistakes = [
        Mistake("heads merged without transposing back: x.transpose(1, 2) to (B, T, n_head, hs) "
                "first, then reshape to (B, T, C).", no_transpose),
        Mistake("channels merged as (hs, n_head): each head's hs channels must stay together.", interleaved),
    ]
    run_check("merge_heads", student_fn, ref.merge_heads, cases, mistakes)


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
                   softmax_dim=-1):
    w = _weights(config, seed)
    B, T, C = x.shape
    nh = config.n_head
    qkv = x @ w["c_attn.weight"].T + w["c_attn.bias"]
    q, k, v = (t.view(B, T, nh, C // nh).transpose(1, 2) for t in qkv.split(C, dim=2))
    scale = {"head": 1 / math.sqrt(C // nh), "model": 1 / math.sqrt(C), "none": 1.0}[scale]
    lower = torch.ones(T, T, dtype=torch.bool).tril()
    if mask == "lower":
        y = _attend(q, k, v, lower, scale=scale, softmax_dim=softmax_dim)
    elif mask == "upper":
        y = _attend(q, k, v, torch.ones(T, T, dtype=torch.bool).triu(), scale=scale)
    elif mask == "true_hides":
        y = _attend(q, k, v, lower, scale=scale, mask_mode="inverted")
    else:
        y = _attend(q, k, v, None, scale=scale)
    y = y.transpose(1, 2).reshape(B, T, C) if merge == "transpose" else y.reshape(B, T, C)
    return y @ w["c_proj.weight"].T + w["c_proj.bias"] if project else y


def _build(student_cls, config):
    try:
        module = student_cls(config)
    except NotImplementedError:
        raise CheckFailed("CausalSelfAttention: not implemented yet — replace `raise "
                          "NotImplementedError()` with your code.") from None
    except Exception as error:
        raise CheckFailed(f"CausalSelfAttention: {getattr(student_cls, '__name__', student_cls)}(config) "
                          f"raised {type(error).__name__}: {error}") from error
    C = config.n_embd
    for name, (n_in, n_out) in {"c_attn": (C, 3 * C), "c_proj": (C, C)}.items():
        layer = getattr(module, name, None)
        if not isinstance(layer, nn.Linear) or (layer.in_features, layer.out_features) != (n_in, n_out) \
                or layer.bias is None:
            raise CheckFailed(f"CausalSelfAttention: expected your module to have {name} = "
                              f"nn.Linear({n_in}, {n_out}) with a bias (with config.bias=True), got {layer!r}. "
                              f"c_attn computes query, key and value in one layer, in that order.")
    return module


def check_causal_self_attention(student_cls) -> None:
    """``student_cls(config)`` with ``c_attn`` and ``c_proj`` like ``course.attention.CausalSelfAttention``.

    Both modules get the same weights and run in eval mode on random inputs; then, with dropout 0.5,
    your module in eval mode must still give the reference's (dropout-free) output every time.
    """
    Config = ref.AttentionConfig
    configs = [Config(block_size=6, n_head=2, n_embd=8), Config(block_size=8, n_head=4, n_embd=16),
               Config(block_size=5, n_head=1, n_embd=6)]
    _build(student_cls, configs[0])  # clear message early if the class cannot be used at all
    g = torch.Generator().manual_seed(6)
    cases = [(c, seed, _rand(g, 2, T, c.n_embd)) for seed, (c, T) in
             enumerate([(configs[0], 6), (configs[1], 5), (configs[1], 8), (configs[2], 4)])]

    def student_forward(config, seed, x):
        with torch.no_grad():
            return _load(_build(student_cls, config), config, seed)(x)

    mistakes = [
        Mistake("the scores are not divided by √head_size before the softmax.",
                lambda *a: _wrong_forward(*a, scale="none")),
        Mistake("the scores are divided by √n_embd; divide by √head_size (n_embd // n_head), the "
                "size of the vectors each head compares.", lambda *a: _wrong_forward(*a, scale="model")),
        Mistake("the softmax runs over the wrong dimension: over the keys, dim=-1.",
                lambda *a: _wrong_forward(*a, softmax_dim=-2)),
        Mistake("the causal mask is not applied: each position sees the future.",
                lambda *a: _wrong_forward(*a, mask="none")),
        Mistake("the mask is the upper triangle: positions see the future instead of the past; "
                "use the lower triangle (torch.tril).", lambda *a: _wrong_forward(*a, mask="upper")),
        Mistake("the mask is inverted: True means 'may attend', so fill -inf where the mask is False.",
                lambda *a: _wrong_forward(*a, mask="true_hides")),
        Mistake("heads merged without transposing back: y.transpose(1, 2) to (B, T, n_head, hs) "
                "before reshaping to (B, T, C).", lambda *a: _wrong_forward(*a, merge="none")),
        Mistake("the output projection c_proj is not applied to the merged heads.",
                lambda *a: _wrong_forward(*a, project=False)),
    ]
    run_check("CausalSelfAttention", student_forward, _reference_forward, cases, mistakes, quiet=True)

    # dropout must be off in eval mode (nn.Dropout modules, or F.dropout(..., training=self.training))
    config = Config(block_size=8, n_head=2, n_embd=8, dropout=0.5)
    x = _rand(g, 2, 8, 8)
    expected = _reference_forward(config, 7, x)
    module = _load(_build(student_cls, config), config, 7)
    with torch.no_grad():
        got = [module(x.clone()) for _ in range(2)]
    problem = difference(expected, got[0])
    if problem is not None:
        message = f"CausalSelfAttention: with dropout=0.5 in eval mode\n  {problem}"
        if difference(got[0], got[1]) is not None:
            message += ("\n  Hint: this looks like a common mistake — dropout is still on in eval mode: "
                        "use nn.Dropout modules (model.eval() turns them off), or pass "
                        "training=self.training to F.dropout.")
        raise CheckFailed(message)
    print(f"✓ CausalSelfAttention: all {len(cases) + 1} cases match the reference.")
