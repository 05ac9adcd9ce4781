"""Attention, from one query to the multi-head causal self-attention inside a GPT (lessons 02-03).

In order: ``cross_attention`` (the classic lab exercise: queries from one sentence, keys and values
from another), ``scaled_dot_product_attention`` (the core formula for tensors), ``causal_mask``,
``padding_mask``,
``split_heads`` / ``merge_heads``, and ``CausalSelfAttention``, the module ``course.gpt`` stacks, with
``KVCache``, the buffers ``GPT.generate`` keeps its keys and values in.
``attention_on`` measures what a trained model's heads look at (lesson 03).

Conventions: a sequence is a matrix with one row per token, ``(T, d)`` or batched ``(..., T, d)``.
Boolean masks follow PyTorch: ``True`` means "may attend". Additive float masks are added to the
scores (``0`` keeps a position, ``-inf`` removes it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


def _shape(x: torch.Tensor) -> tuple[int, ...]:
    return tuple(x.shape)


def cross_attention(S1: torch.Tensor, S2: torch.Tensor, W_Q: torch.Tensor, W_K: torch.Tensor,
                    W_V: torch.Tensor) -> torch.Tensor:
    """Sentence ``S2`` attends to sentence ``S1``: queries from ``S2``, keys and values from ``S1``.

    Shapes: ``S1`` is ``(n1, d_in)`` and ``S2`` is ``(n2, d_in)``, one row per token; ``W_Q`` and
    ``W_K`` are ``(d_in, d_k)``, ``W_V`` is ``(d_in, d_v)``. Returns ``(n2, d_v)``: for each token of
    ``S2``, a weighted average of the values of ``S1``. A row of token ids becomes such a matrix
    (``d_in = 1``) with ``ids.unsqueeze(-1)`` or, for a ``(1, n)`` row, ``ids.T``.

    The scores are scaled by ``1/sqrt(d_k)`` as in "Attention Is All You Need". In the lesson's example
    (GPT-2 ids as one-number embeddings) the scores are between 10^5 and 10^8 and far apart, so the
    softmax is one-hot with or without the scaling: every query picks the largest id, 41898
    (" Lisbon"), and every row is 41898 · W_V.
    """
    for name, m in (("S1", S1), ("S2", S2), ("W_Q", W_Q), ("W_K", W_K), ("W_V", W_V)):
        if not isinstance(m, torch.Tensor) or m.dim() != 2:
            got = f"shape {_shape(m)}" if isinstance(m, torch.Tensor) else type(m).__name__
            raise ValueError(f"{name} must be a 2-D tensor (a matrix), got {got}. A row of token ids "
                             f"becomes a column (one row per token) with ids.unsqueeze(-1).")
    for s_name, s, w_name, w in (("S2", S2, "W_Q", W_Q), ("S1", S1, "W_K", W_K), ("S1", S1, "W_V", W_V)):
        if s.shape[1] != w.shape[0]:
            raise ValueError(
                f"{s_name} has shape {_shape(s)} but {w_name} has shape {_shape(w)}: {s_name}'s last "
                f"dimension ({s.shape[1]}) must equal {w_name}'s first ({w.shape[0]}). Sequences are "
                f"matrices with one row per token; if {s_name} is a row of ids, use {s_name}.T.")
    if W_Q.shape[1] != W_K.shape[1]:
        raise ValueError(f"W_Q has shape {_shape(W_Q)} but W_K has shape {_shape(W_K)}: queries and "
                         f"keys must have the same size d_k to be compared.")
    Q = S2 @ W_Q  # (n2, d_k)
    K = S1 @ W_K  # (n1, d_k)
    V = S1 @ W_V  # (n1, d_v)
    scores = Q @ K.T / math.sqrt(K.shape[-1])  # (n2, n1): how well each query matches each key
    weights = torch.softmax(scores, dim=-1)    # each row sums to 1 over the tokens of S1
    return weights @ V                         # (n2, d_v)


def _check_mask(mask: torch.Tensor, scores_shape: tuple[int, ...]) -> None:
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a tensor (boolean, True = may attend, or additive float), "
                        f"got {type(mask).__name__}")
    if mask.dtype != torch.bool and not mask.is_floating_point():
        raise TypeError(f"mask has dtype {mask.dtype}: use a boolean mask (True = may attend) or an "
                        f"additive float mask (0 = keep, -inf = drop), e.g. mask.bool()")
    try:
        torch.broadcast_shapes(mask.shape, scores_shape)
    except RuntimeError:
        raise ValueError(f"mask has shape {_shape(mask)}, which does not broadcast to the scores' shape "
                         f"{scores_shape} (..., T_q, T_k)") from None


def scaled_dot_product_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                                 mask: torch.Tensor | None = None, return_weights: bool = False):
    """``softmax(q kᵀ / sqrt(d) + mask) v`` for tensors ``q (..., T_q, d)``, ``k (..., T_k, d)``,
    ``v (..., T_k, d_v)``; returns ``(..., T_q, d_v)``, and the weights ``(..., T_q, T_k)`` too when
    ``return_weights``.

    ``mask`` broadcasts to ``(..., T_q, T_k)``: boolean (``True`` = may attend, as in PyTorch) or an
    additive float mask. A query that may attend to nothing gets zeros, as
    ``torch.nn.functional.scaled_dot_product_attention`` gives, which this function equals.
    """
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor) or t.dim() < 2:
            got = f"shape {_shape(t)}" if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"{name} must be a tensor of shape (..., T, d), got {got}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q has shape {_shape(q)} but k has shape {_shape(k)}: the last dimensions "
                         f"(the query/key size d) must match")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k has shape {_shape(k)} but v has shape {_shape(v)}: they need the same "
                         f"number of positions T_k (the second-to-last dimension)")
    if not (q.dtype == k.dtype == v.dtype):
        raise TypeError(f"q, k and v have dtypes {q.dtype}, {k.dtype}, {v.dtype}: they must be the same")
    try:
        batch = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except RuntimeError:
        raise ValueError(f"q, k and v have shapes {_shape(q)}, {_shape(k)}, {_shape(v)}: their leading "
                         f"(batch) dimensions do not broadcast together") from None

    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., T_q, T_k)
    if mask is not None:
        _check_mask(mask, (*batch, q.shape[-2], k.shape[-2]))
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        # a row of all -inf gives NaN from softmax; PyTorch returns zeros there, so do we
        weights = weights.masked_fill(scores.isneginf().all(dim=-1, keepdim=True), 0.0)
    out = weights @ v  # (..., T_q, d_v)
    return (out, weights) if return_weights else out


def causal_mask(T: int, device=None) -> torch.Tensor:
    """``(T, T)`` boolean, lower-triangular: position ``i`` may attend to positions ``0..i``."""
    if not isinstance(T, int) or T < 1:
        raise ValueError(f"T must be a positive int (the sequence length), got {T!r}")
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()


def padding_mask(lengths, T: int) -> torch.Tensor:
    """``(B, T)`` boolean: ``True`` at the real tokens of each sequence (positions ``< lengths[b]``),
    ``False`` at the padding after them. Sentences of different lengths share a batch once padded
    to ``T``; as a key mask for scores ``(B, T_q, T)`` use ``padding_mask(lengths, T)[:, None, :]``."""
    if isinstance(lengths, (list, tuple)):
        lengths = torch.tensor(lengths)
    if not isinstance(lengths, torch.Tensor) or lengths.dim() != 1 or lengths.is_floating_point() \
            or lengths.dtype == torch.bool:
        got = f"{lengths.dtype} tensor of shape {_shape(lengths)}" if isinstance(lengths, torch.Tensor) \
            else type(lengths).__name__
        raise ValueError(f"lengths must be a 1-D integer tensor (one length per sequence), got {got}")
    if not isinstance(T, int) or isinstance(T, bool) or T < 1:
        raise ValueError(f"T must be a positive int (the padded length), got {T!r}")
    if lengths.numel() and (lengths.min() < 0 or lengths.max() > T):
        raise ValueError(f"lengths go from {lengths.min().item()} to {lengths.max().item()}, but a "
                         f"sequence padded to T={T} has between 0 and {T} real tokens")
    return torch.arange(T, device=lengths.device) < lengths[:, None]  # (B, T)


def split_heads(x: torch.Tensor, n_head: int) -> torch.Tensor:
    """``(B, T, C)`` → ``(B, n_head, T, C // n_head)``: each head gets its own slice of channels."""
    if not isinstance(x, torch.Tensor) or x.dim() != 3:
        got = f"shape {_shape(x)}" if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be a tensor of shape (B, T, C), got {got}")
    B, T, C = x.shape
    if not isinstance(n_head, int) or n_head < 1 or C % n_head != 0:
        raise ValueError(f"cannot split {C} channels into n_head={n_head!r} heads: C must be a "
                         f"multiple of n_head (choose n_embd divisible by n_head)")
    return x.view(B, T, n_head, C // n_head).transpose(1, 2)  # (B, nh, T, hs)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """``(B, nh, T, hs)`` → ``(B, T, nh * hs)``, the inverse of ``split_heads``."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        got = f"shape {_shape(x)}" if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be a tensor of shape (B, n_head, T, head_size), got {got}")
    B, nh, T, hs = x.shape
    # transpose back first, so that each position's heads sit side by side, then flatten them
    return x.transpose(1, 2).reshape(B, T, nh * hs)  # (B, T, C)


@dataclass(kw_only=True)
class AttentionConfig:
    """What a ``CausalSelfAttention`` needs. ``course.gpt.GPTConfig`` extends it with the model's sizes.

    ``use_sdpa`` picks PyTorch's fused ``scaled_dot_product_attention`` (fast; in bfloat16 on a CPU, where
    that kernel is slow, one batched product that adds the mask) over the readable path written out
    step by step; both give the same results.
    """
    block_size: int = 1024  # the longest sequence the model accepts
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True  # biases in the Linear layers (and LayerNorms, in the GPT)
    use_sdpa: bool = True

    def __post_init__(self):
        for name in ("block_size", "n_head", "n_embd"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if self.n_embd % self.n_head != 0:
            raise ValueError(f"n_embd={self.n_embd} is not divisible by n_head={self.n_head}: each "
                             f"head gets n_embd // n_head channels, so choose sizes that divide")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")


class KVCache:
    """One layer's keys and values during generation, in buffers of ``capacity`` positions filled in place.

    ``append(k, v)`` writes the new positions after the old ones and returns views of all of them,
    ``(B, nh, length, hs)`` each. A tuple cache grows with ``torch.cat``, which copies every earlier
    position at every step: at 500 tokens that copying was most of generation's time. Here a step
    copies only its new positions. The buffers are reused, so a cache belongs to one sequence of
    steps: to branch two continuations from one prefix, use the tuple ``past_kv`` instead.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.length = 0
        self.k: torch.Tensor | None = None  # (B, nh, capacity, hs), allocated by the first append
        self.v: torch.Tensor | None = None

    def append(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        B, nh, T, hs = k.shape
        if self.k is None:
            self.k = k.new_empty(B, nh, self.capacity, hs)
            self.v = v.new_empty(B, nh, self.capacity, v.shape[-1])
        if self.k.shape[:2] != (B, nh) or self.k.dtype != k.dtype:
            raise ValueError(f"this KVCache holds a batch of shape {_shape(self.k)[:2]} in {self.k.dtype}; "
                             f"the new keys are {_shape(k)[:2]} in {k.dtype}: use one cache per sequence")
        if self.length + T > self.capacity:
            raise ValueError(f"{self.length + T} positions do not fit a KVCache of {self.capacity}")
        self.k[:, :, self.length:self.length + T] = k
        self.v[:, :, self.length:self.length + T] = v
        self.length += T
        return self.k[:, :, :self.length], self.v[:, :, :self.length]  # (B, nh, length, hs)


def past_length(past_kv) -> int:
    """How many positions a layer's past holds: a ``KVCache``, a ``(k, v)`` tuple, or None."""
    if past_kv is None:
        return 0
    return past_kv.length if isinstance(past_kv, KVCache) else past_kv[0].shape[-2]


class CausalSelfAttention(nn.Module):
    """Multi-head masked self-attention, as in GPT-2: every position attends to itself and the past.

    ``forward(x)`` maps ``(B, T, C)`` to ``(B, T, C)``. For generation, ``forward(x, past_kv, use_cache=True)``
    also takes the keys and values of earlier positions, ``(k, v)`` each ``(B, nh, T_past, hs)``, and
    returns ``(y, present_kv)`` with the new positions appended, so each step only computes its new token.
    ``past_kv`` may also be a ``KVCache``, which is extended in place and returned as ``present_kv``.

    Set ``store_attention = True`` to keep the last attention weights in ``last_attention``
    ``(B, nh, T_q, T_k)`` (this takes the readable path); ``use_sdpa`` switches between the paths.
    """

    def __init__(self, config: AttentionConfig):
        super().__init__()
        for field in ("n_embd", "n_head", "block_size", "dropout", "bias"):
            if not hasattr(config, field):
                raise TypeError(f"config has no field {field!r}: pass an AttentionConfig or a GPTConfig")
        if config.n_embd % config.n_head != 0:
            raise ValueError(f"n_embd={config.n_embd} is not divisible by n_head={config.n_head}")
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.block_size = config.block_size
        self.dropout = config.dropout
        self.use_sdpa = getattr(config, "use_sdpa", True)
        self.store_attention = False
        self.last_attention: torch.Tensor | None = None
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v at once
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        # not saved in the state dict: it is the same for every model with this block_size
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x: torch.Tensor, past_kv: tuple[torch.Tensor, torch.Tensor] | KVCache | None = None,
                use_cache: bool = False):
        if x.dim() != 3 or x.shape[-1] != self.n_embd:
            raise ValueError(f"x has shape {_shape(x)}; expected (B, T, n_embd={self.n_embd})")
        B, T, C = x.shape
        T_past = past_length(past_kv)
        if T_past + T > self.block_size:
            raise ValueError(f"sequence of {T_past + T} positions is longer than block_size="
                             f"{self.block_size}: crop it to the last {self.block_size} positions")
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)  # 3 × (B, T, C)
        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))  # (B, nh, T, hs)
        present = (k, v)
        if isinstance(past_kv, KVCache):
            k, v = past_kv.append(k, v)  # (B, nh, T_past + T, hs), views of its buffers
            present = past_kv
        elif past_kv is not None:
            k = torch.cat([past_kv[0], k], dim=-2)  # (B, nh, T_past + T, hs)
            v = torch.cat([past_kv[1], v], dim=-2)
            present = (k, v)
        # new position i (absolute T_past + i) may see keys 0..T_past + i: rows of the full causal mask
        mask = self.mask[T_past:T_past + T, :T_past + T]  # (T, T_past + T)

        if self.use_sdpa and not self.store_attention and q.dtype == torch.bfloat16 and q.device.type == "cpu":
            # torch 2.13's fused CPU kernel is several times slower in bfloat16 (under autocast) than
            # plain batched products, its backward above all. One product that scales and adds the
            # mask as it goes (0 where allowed, -inf in the future: baddbmm) saves the masking pass
            # and its backward: a training step of nanoGPT's CPU model is 4% faster than step by step
            # (17.0 against 17.8 ms, benchmarks/bench_gpt.py's preset, 2026-12-02)
            bias = torch.zeros(mask.shape, dtype=q.dtype).masked_fill_(~mask, float("-inf"))  # (T, T_past + T)
            att = torch.baddbmm(bias, q.flatten(0, 1), k.flatten(0, 1).transpose(-2, -1),
                                alpha=1 / math.sqrt(k.shape[-1]))  # (B * nh, T, T_past + T)
            att = self.attn_dropout(torch.softmax(att, dim=-1))
            y = (att @ v.flatten(0, 1)).view(B, self.n_head, T, -1)  # (B, nh, T, hs)
        elif self.use_sdpa and not self.store_attention:
            dropout_p = self.dropout if self.training else 0.0
            if T_past == 0:
                y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p, is_causal=True)
            else:  # is_causal aligns the triangle top-left, which is wrong once there is a past
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
        else:
            att = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])  # (B, nh, T, T_past + T)
            att = att.masked_fill(~mask, float("-inf"))              # no peeking at the future
            att = torch.softmax(att, dim=-1)
            if self.store_attention:
                self.last_attention = att.detach()
            att = self.attn_dropout(att)
            y = att @ v  # (B, nh, T, hs)

        y = self.resid_dropout(self.c_proj(merge_heads(y)))  # (B, T, C)
        return (y, present) if use_cache else y


def attention_on(attentions, targets) -> torch.Tensor:
    """How much weight each head puts on one chosen key per query: ``(n_layer, n_head)``.

    ``attentions``: one tensor per layer, ``(n_head, T, T)`` or ``(B, n_head, T, T)`` (what
    ``output_attentions=True`` returns, or ``CausalSelfAttention.last_attention``). ``targets``:
    ``(T,)`` or ``(B, T)`` integer key positions, ``targets[..., i]`` the key that query ``i`` is scored
    on, ``-1`` to leave query ``i`` out. Entry ``[l, h]`` is head ``h`` of layer ``l``'s weight on the
    target key, averaged over every query that has one. For example ``targets = arange(T) - 1`` scores
    "looks at the previous token" (query 0 has none); a head that always does scores 1.
    """
    layers = []
    for i, a in enumerate(attentions):
        a = torch.as_tensor(a).detach().float()
        if a.dim() == 3:
            a = a[None]
        if a.dim() != 4 or a.shape[-1] != a.shape[-2]:
            raise ValueError(f"attentions[{i}] has shape {_shape(a)}: expected (n_head, T, T) or "
                             f"(B, n_head, T, T), one tensor per layer")
        layers.append(a)
    if not layers:
        raise ValueError("attentions is empty: give one (n_head, T, T) tensor per layer")
    if any(a.shape != layers[0].shape for a in layers):
        raise ValueError(f"the layers' attentions have shapes {[_shape(a) for a in layers]}: "
                         f"every layer needs the same batch, heads and positions")
    att = torch.stack(layers, dim=1)  # (B, n_layer, n_head, T, T)
    B, _, _, T, _ = att.shape
    targets = torch.as_tensor(targets)
    if targets.is_floating_point() or targets.dtype == torch.bool:
        raise TypeError(f"targets must hold integer key positions (-1 = no target), got dtype {targets.dtype}")
    targets = targets.expand(B, T) if targets.dim() == 1 and targets.shape[0] == T else targets
    if targets.shape != (B, T):
        raise ValueError(f"targets has shape {_shape(targets)}: give one key position per query, "
                         f"shape ({T},) or ({B}, {T})")
    if targets.numel() and (targets.min() < -1 or targets.max() >= T):
        raise ValueError(f"targets go from {targets.min().item()} to {targets.max().item()}: key "
                         f"positions are 0..{T - 1}, or -1 for a query without a target")
    scored = targets >= 0  # (B, T)
    if not scored.any():
        raise ValueError("every target is -1: no query has a key to be scored on")
    # weight of query i on key targets[b, i], for every layer and head: (B, n_layer, n_head, T)
    index = targets.clamp(min=0)[:, None, None, :, None].expand(*att.shape[:4], 1)
    on_target = att.gather(-1, index)[..., 0]
    on_target = on_target * scored[:, None, None, :]
    return on_target.sum(dim=(0, 3)) / scored.sum()  # (n_layer, n_head)
