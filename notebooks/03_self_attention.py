# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 03 — Causal multi-head self-attention
#
# In lesson 02 one sentence attended to another. A language model has only one sequence, the text so
# far, and its tokens attend to each other: **self-attention**. Two things make it the attention of
# a GPT:
#
# * a **causal mask**: a GPT learns to predict every next token of a text at once, so position `t`
#   must not see positions after `t`, or it would simply read the answer;
# * **several heads**: a few smaller attentions side by side, each free to look for something else.
#
# In this lesson you build the mask, the head reshaping and the whole `CausalSelfAttention` module
# that the course's GPT stacks. Then you put your module into a small GPT, train it in under a
# minute on a task where we know the **best possible loss** exactly, and look at what its heads
# attend to, and at what the heads of a model trained on real text attend to.

# %%
import course  # first, before torch: threading that copes with a shared machine (course/threads.py)
import math
import time

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F

import course.attention as ref  # the course's reference implementations
from course import hmm
from course.checks import attention as checks
from course.gpt import GPT, GPTConfig
from course.plots import plot_attention, plot_attention_grid, plot_causal_timeline, plot_history, plot_mask
from course.tokenization import BPETokenizer
from course.train import TrainConfig, train
from course.widgets import attention_explorer

tokenizer = BPETokenizer.from_gpt2()

# %% [markdown]
# ## 1. No peeking: the causal mask
#
# Training on "Lisbon is a great city to live in", a GPT predicts `is` from `L`, `bon` from `L is`,
# `Ġgreat` from `L is bon Ġis Ġa`, and so on: one prediction per position, all in one pass. Counting
# positions from 0, as tensors do, the model at position `t` may use tokens `0 … t` and nothing
# after (struck through):

# %%
tokens = tokenizer.tokens("Lisbon is a great city to live in")
plot_causal_timeline(tokens)


# %% [markdown]
# In attention this is a mask on the `T × T` scores: row `t` (the query at position `t`) may look at
# columns `0 … t`, the **lower triangle** including the diagonal. Following PyTorch, `True` means
# "may attend".
#
# ### Exercise 1 — the causal mask (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `causal_mask(T)`, a `(T, T)` **boolean** tensor that is `True` where column `j ≤ row i`.
# For `T = 3`:
#
# ```
# [[ True, False, False],
#  [ True,  True, False],
#  [ True,  True,  True]]
# ```

# %% nbgrader={"grade_id": "causal-mask", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def causal_mask(T):
    """(T, T) boolean: True where position i may attend to position j, that is j <= i."""
    ### BEGIN SOLUTION
    return torch.ones(T, T, dtype=torch.bool).tril()
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-causal-mask", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_causal_mask(causal_mask)  # names the mistake, if your answer has a common one
m = causal_mask(3)
assert type(m) is torch.Tensor and m.dtype == torch.bool, f"causal_mask must return a boolean tensor, got {m!r}"
assert m.tolist() == [[True, False, False], [True, True, False], [True, True, True]], f"causal_mask(3) is wrong: {m}"
assert causal_mask(1).tolist() == [[True]], "causal_mask(1) is [[True]]: a position sees itself"
# with your mask, PyTorch's attention equals its built-in causal attention
g = torch.Generator().manual_seed(0)
q, k, v = (torch.randn(2, 7, 4, generator=g) for _ in range(3))
assert torch.allclose(F.scaled_dot_product_attention(q, k, v, attn_mask=causal_mask(7)),
                      F.scaled_dot_product_attention(q, k, v, is_causal=True), atol=1e-6), \
    "with causal_mask(7), attention must equal PyTorch's is_causal=True"
from course.grading import assert_own_work
assert_own_work(causal_mask, "causal_mask")
### BEGIN HIDDEN TESTS
for _T in range(1, 25):
    _m = causal_mask(_T)
    assert type(_m) is torch.Tensor and _m.dtype == torch.bool and _m.shape == (_T, _T), \
        f"hidden test (T={_T}): causal_mask({_T}) must be a ({_T}, {_T}) boolean tensor"
    assert torch.equal(_m, torch.tril(torch.ones(_T, _T)).bool()), f"hidden test (T={_T}): causal_mask({_T}) is wrong"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-causal-mask-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a (T, T) boolean tensor.
for _T in (1, 5):
    _m = checks.form_call("causal_mask", causal_mask, (_T,))
    assert type(_m) is torch.Tensor, f"causal_mask must return a torch.Tensor, got {type(_m).__name__}"
    assert _m.dtype == torch.bool, f"causal_mask must be boolean (True = may attend), got {_m.dtype}"
    assert _m.shape == (_T, _T), f"causal_mask({_T}) must have shape ({_T}, {_T}), got {tuple(_m.shape)}"
from course.grading import assert_own_work
assert_own_work(causal_mask, "causal_mask")

# %% [markdown]
# The mask as a picture: row `t` is the line `t = …` of the timeline above.

# %%
plot_mask(ref.causal_mask(len(tokens)), tokens, title="causal mask: row t may look at columns ≤ t")

# %% [markdown]
# The point of the mask, checked: rewrite the *future* of a sequence, and the outputs of the earlier
# positions do not change at all. (Random vectors stand in for the tokens' embeddings.)

# %%
g = torch.Generator().manual_seed(0)
x = torch.randn(1, len(tokens), 8, generator=g)
x_new_future = x.clone()
x_new_future[:, 5:] = torch.randn(1, len(tokens) - 5, 8, generator=g)  # positions 5, 6, ... rewritten
mask = ref.causal_mask(len(tokens))
y = ref.scaled_dot_product_attention(x, x, x, mask)
y_new_future = ref.scaled_dot_product_attention(x_new_future, x_new_future, x_new_future, mask)
changed = (y - y_new_future).abs().amax(-1)[0] > 0
print("outputs changed at positions:", [t for t in range(len(tokens)) if changed[t]])
y_no_mask = ref.scaled_dot_product_attention(x_new_future, x_new_future, x_new_future)
changed = (ref.scaled_dot_product_attention(x, x, x) - y_no_mask).abs().amax(-1)[0] > 0
print("without the mask:             ", [t for t in range(len(tokens)) if changed[t]])

# %% [markdown]
# ## 2. Many heads
#
# One attention computes one weighted average per token: one way of relating tokens. **Multi-head
# attention** runs `n_head` attentions side by side, each on its own slice of the channels. With
# `C` channels and `n_head` heads, each head gets `hs = C // n_head` channels (the *head size*): the
# queries, keys and values of head `h` are channels `h·hs … (h+1)·hs − 1`. Each head computes its own
# weights; their outputs are put side by side again, back to `C` channels. It costs the same as one
# big head, but can attend to `n_head` different things.
#
# In tensors: `(B, T, C)` → view as `(B, T, n_head, hs)` → transpose to `(B, n_head, T, hs)`, so that
# the heads become a batch dimension and lesson 02's batched attention runs every head at once. To
# merge, do the reverse: transpose back to `(B, T, n_head, hs)`, then flatten to `(B, T, C)`.
#
# An example where each entry says where it came from, `10·t + c` (position `t`, channel `c`), with
# `T = 4`, `C = 6` and 2 heads:

# %%
x = (10 * torch.arange(4)[:, None] + torch.arange(6)).unsqueeze(0)  # (1, 4, 6)
print("x[0]: rows are positions, columns channels\n", x[0])
heads = ref.split_heads(x, 2)  # (1, 2, 4, 3)
print("head 0: channels 0-2 of every position\n", heads[0, 0])
print("head 1: channels 3-5 of every position\n", heads[0, 1])


# %% [markdown]
# ### Exercise 2 — split and merge heads (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `split_heads(x, n_head)`: `(B, T, C)` → `(B, n_head, T, C // n_head)` as above, with `view`
# and `transpose`, and its inverse `merge_heads(x)`: `(B, n_head, T, hs)` → `(B, T, n_head · hs)`.
#
# Careful: after a `transpose` the tensor is no longer laid out row by row in memory, so `.view`
# refuses it; use `.reshape` (or `.contiguous().view`).

# %% nbgrader={"grade_id": "heads", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def split_heads(x, n_head):
    """(B, T, C) → (B, n_head, T, C // n_head)."""
    ### BEGIN SOLUTION
    B, T, C = x.shape
    return x.view(B, T, n_head, C // n_head).transpose(1, 2)
    ### END SOLUTION


def merge_heads(x):
    """(B, n_head, T, hs) → (B, T, n_head * hs), the inverse of split_heads."""
    ### BEGIN SOLUTION
    B, n_head, T, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, n_head * hs)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-heads", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_split_heads(split_heads)  # names the mistake, if your answer has a common one
checks.check_merge_heads(merge_heads)
x = (10 * torch.arange(4)[:, None] + torch.arange(6)).unsqueeze(0)  # the example above
heads = split_heads(x, 2)
assert type(heads) is torch.Tensor and heads.shape == (1, 2, 4, 3), f"split_heads: expected shape (1, 2, 4, 3), got {tuple(heads.shape)}"
assert heads[0, 1].tolist() == [[3, 4, 5], [13, 14, 15], [23, 24, 25], [33, 34, 35]], f"split_heads: head 1 is wrong: {heads[0, 1]}"
g = torch.Generator().manual_seed(1)
x = torch.randn(2, 5, 12, generator=g)
heads = split_heads(x, 3)
assert heads.shape == (2, 3, 5, 4), f"split_heads: expected shape (2, 3, 5, 4), got {tuple(heads.shape)}"
assert torch.equal(heads[1, 2, 4], x[1, 4, 8:12]), "split_heads: head 2 of position 4 must be channels 8..11"
merged = merge_heads(heads)
assert type(merged) is torch.Tensor and merged.shape == (2, 5, 12), f"merge_heads: expected shape (2, 5, 12), got {tuple(merged.shape)}"
assert torch.equal(merged, x), "merge_heads(split_heads(x)) must give x back"
from course.grading import assert_own_work
assert_own_work(split_heads, "split_heads")
assert_own_work(merge_heads, "merge_heads")
### BEGIN HIDDEN TESTS
_g = torch.Generator().manual_seed(21)
for _B, _T, _nh, _hs in [(1, 1, 1, 1), (3, 7, 4, 2), (2, 5, 1, 6), (1, 9, 6, 8), (4, 2, 3, 5)]:
    _x = torch.randn(_B, _T, _nh * _hs, generator=_g, dtype=torch.float64)
    _s = split_heads(_x.clone(), _nh)
    assert type(_s) is torch.Tensor and _s.dtype == torch.float64 and _s.shape == (_B, _nh, _T, _hs), \
        f"hidden test (x of shape {tuple(_x.shape)}, {_nh} heads): split_heads gives the wrong type, dtype or shape"
    assert torch.equal(_s, ref.split_heads(_x, _nh)), f"hidden test (x of shape {tuple(_x.shape)}, {_nh} heads): split_heads is wrong"
    _h = torch.randn(_B, _nh, _T, _hs, generator=_g)
    _m = merge_heads(_h.clone())
    assert type(_m) is torch.Tensor and _m.shape == (_B, _T, _nh * _hs), \
        f"hidden test (heads of shape {tuple(_h.shape)}): merge_heads gives the wrong type or shape"
    assert torch.equal(_m, ref.merge_heads(_h)), f"hidden test (heads of shape {tuple(_h.shape)}): merge_heads is wrong"
    assert torch.equal(merge_heads(split_heads(_x.clone(), _nh)), _x), f"hidden test (x of shape {tuple(_x.shape)}, {_nh} heads): merge_heads(split_heads(x)) is not x"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-heads-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the results: (B, T, C) → (B, nh, T, hs) and back, in the input's dtype.
_x = torch.zeros(2, 5, 12, dtype=torch.float64)
_s = checks.form_call("split_heads", split_heads, (_x, 3))
assert type(_s) is torch.Tensor and _s.shape == (2, 3, 5, 4), \
    f"split_heads of a (2, 5, 12) tensor into 3 heads must have shape (2, 3, 5, 4), got {checks.describe(_s)}"
assert _s.dtype == torch.float64, f"split_heads must keep the dtype (float64), got {_s.dtype}"
_m = checks.form_call("merge_heads", merge_heads, (torch.zeros(2, 3, 5, 4, dtype=torch.float64),))
assert type(_m) is torch.Tensor and _m.shape == (2, 5, 12), \
    f"merge_heads of a (2, 3, 5, 4) tensor must have shape (2, 5, 12), got {checks.describe(_m)}"
assert _m.dtype == torch.float64, f"merge_heads must keep the dtype (float64), got {_m.dtype}"
from course.grading import assert_own_work
assert_own_work(split_heads, "split_heads")
assert_own_work(merge_heads, "merge_heads")

# %% [markdown]
# ## 3. The attention block of a GPT
#
# Now all of it in one `nn.Module`, as in GPT-2 (and nanoGPT). It is configured by a `config` with
# `n_embd` (`C`), `n_head`, `block_size` (the longest sequence), `dropout` and `bias`; for example
# `ref.AttentionConfig(block_size=8, n_head=2, n_embd=8)`. It maps `x (B, T, C)` to `(B, T, C)`.
#
# In `__init__`, create (the names matter: the checks, and GPT-2's weights, use them):
#
# * `self.c_attn = nn.Linear(C, 3 * C, bias=config.bias)`: queries, keys and values in one matrix
#   product, in that order;
# * `self.c_proj = nn.Linear(C, C, bias=config.bias)`: the output projection, which mixes the heads;
# * `self.attn_dropout` and `self.resid_dropout`, both `nn.Dropout(config.dropout)`;
# * the causal mask for the longest sequence: `self.register_buffer("mask", causal_mask(config.block_size), persistent=False)`
#   (a buffer moves with the module to another device but is not a parameter; not persistent: it
#   stays out of saved weights, since it is always the same).
#
# In `forward(x)`, compute multi-head causal self-attention, the attention of section 2 with the
# mask of section 1:
#
# * queries, keys and values come from one product, `self.c_attn(x)`, in that order along the last
#   dimension, each `(B, T, C)`;
# * head `h` works on its own slice of channels, `h·hs … (h+1)·hs − 1` of each (`hs = C // n_head`,
#   the **head size**): its weights are the softmax over the keys of `q_h k_hᵀ / √hs`, with the
#   future hidden (`self.mask[:T, :T]`; the module must take any `T ≤ block_size`), and its output is
#   the weighted average of `v_h`, `(B, T, hs)`;
# * `self.attn_dropout` acts on the **weights**;
# * the heads' outputs, side by side in head order, are `(B, T, C)` again, and you return
#   `self.resid_dropout(self.c_proj(y))`.
#
# **How to run the heads is your decision.** A loop over the heads is correct. So is running them
# all at once as a batch dimension, with your `split_heads` and `merge_heads` (which is what GPT-2
# does, and faster). Work out the shapes of each step before you write it. The cell after the tests
# computes the heads one by one, separately, and checks that your module gives the same result.
#
# (If you have done the LxMLS lab: its skeleton of this class leaves some names undefined and calls
# the same matrix `attention_scores` in one place and `scores` in another. This statement gives you
# every name you need.)
#
# ### Exercise 3 — `CausalSelfAttention` (4 points)
#
# Three points for the module in eval mode (the values, the causal mask, gradients to every
# parameter), one for dropout in training mode, which must act where the statement puts it: the
# tests compare your module with the reference under the same random seed, so apply
# `self.attn_dropout` to the weights (all heads at once, or, in a loop over the heads, to each head's weights
# in turn: the tests take both), then `self.resid_dropout` to the output of `c_proj`. The tests grade this class with the course's `causal_mask`, `split_heads`
# and `merge_heads` in place of yours: a mistake in exercise 1 or 2 costs that exercise only.

# %% nbgrader={"grade_id": "causal-self-attention", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention, as in GPT-2: (B, T, C) → (B, T, C)."""

    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        ### BEGIN SOLUTION
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)
        ### END SOLUTION

    def forward(self, x):
        B, T, C = x.shape
        ### BEGIN SOLUTION
        q, k, v = self.c_attn(x).split(C, dim=2)                         # 3 × (B, T, C)
        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))      # (B, nh, T, hs)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])       # (B, nh, T, T)
        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))  # no peeking at the future
        weights = self.attn_dropout(torch.softmax(scores, dim=-1))
        y = merge_heads(weights @ v)                                    # (B, T, C)
        return self.resid_dropout(self.c_proj(y))
        ### END SOLUTION


# %% nbgrader={"grade_id": "test-causal-self-attention", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 3} tags=["raises-exception"]
# Graded with the course's causal_mask, split_heads and merge_heads bound in place of yours (restored
# after the `with`), so that a mistake in exercise 1 or 2 is not counted twice.
with checks.reference_helpers(globals()):
    checks.check_causal_self_attention(CausalSelfAttention)  # names the mistake, if your class has a common one
    config = ref.AttentionConfig(block_size=8, n_head=2, n_embd=8)
    torch.manual_seed(0)
    attn = CausalSelfAttention(config).eval()
    x = torch.randn(2, 6, 8)
    with torch.no_grad():
        y = attn(x)
    assert type(y) is torch.Tensor and y.shape == (2, 6, 8), f"expected a (2, 6, 8) tensor, got {y!r}"
    # 1. PyTorch's fused attention with is_causal=True, on your module's own projections
    with torch.no_grad():
        q, k, v = (t.view(2, 6, 2, 4).transpose(1, 2) for t in attn.c_attn(x).split(8, dim=2))
        fused = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (2, 2, 6, 4)
        expected = attn.c_proj(fused.transpose(1, 2).reshape(2, 6, 8))
    assert torch.allclose(y, expected, atol=1e-5), "the output must equal PyTorch's causal attention on your projections"
    # 2. nn.MultiheadAttention with the same weights (careful: its boolean mask means True = may NOT attend)
    mha = nn.MultiheadAttention(8, 2, batch_first=True).eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(attn.c_attn.weight)
        mha.in_proj_bias.copy_(attn.c_attn.bias)
        mha.out_proj.weight.copy_(attn.c_proj.weight)
        mha.out_proj.bias.copy_(attn.c_proj.bias)
        future = torch.ones(6, 6, dtype=torch.bool).triu(diagonal=1)
        expected_mha, _ = mha(x, x, x, attn_mask=future, need_weights=False)
    assert torch.allclose(y, expected_mha, atol=1e-5), "the output must equal nn.MultiheadAttention's with the same weights"
from course.grading import assert_own_work
assert_own_work(CausalSelfAttention, "CausalSelfAttention")
### BEGIN HIDDEN TESTS
with checks.reference_helpers(globals()):
    _g = torch.Generator().manual_seed(31)
    for _nh, _hs, _block, _T, _bias in [(1, 4, 5, 5, True), (2, 3, 9, 4, True), (4, 2, 6, 6, False),
                                        (3, 8, 12, 7, True), (2, 4, 4, 1, False)]:
        _case = f"n_head={_nh}, n_embd={_nh * _hs}, block_size={_block}, T={_T}, bias={_bias}"
        _config = ref.AttentionConfig(block_size=_block, n_head=_nh, n_embd=_nh * _hs, bias=_bias)
        _mine = CausalSelfAttention(_config).eval()
        _theirs = ref.CausalSelfAttention(_config).eval()
        with torch.no_grad():  # the same random weights in both (the check made sure the names match)
            for _name, _p in _theirs.named_parameters():
                _p.copy_(torch.randn(_p.shape, generator=_g) * 0.5)
                _layer, _kind = _name.split(".")
                getattr(getattr(_mine, _layer), _kind).copy_(_p)
        _x = torch.randn(3, _T, _nh * _hs, generator=_g)
        with torch.no_grad():
            _y = _mine(_x.clone())
            assert type(_y) is torch.Tensor and _y.shape == _x.shape, f"hidden test ({_case}): wrong output type or shape"
            assert torch.allclose(_y, _theirs(_x), atol=1e-5), f"hidden test ({_case}): wrong output values"
            # causal: rewriting the last position changes nothing before it
            _x2 = _x.clone()
            _x2[:, -1] = torch.randn(3, _nh * _hs, generator=_g)
            _y2 = _mine(_x2)
            assert type(_y2) is torch.Tensor and _y2.shape == _x.shape, f"hidden test ({_case}): wrong output type or shape"
            assert torch.allclose(_y2[:, :-1], _y[:, :-1], atol=1e-6), \
                f"hidden test ({_case}): the future changed the output of earlier positions"
    # gradients reach every parameter, from random weights of the test's (an initialisation of the student's
    # own, a zeroed output projection as some GPTs have, would leave the earlier layers no gradient), and they
    # are the reference's: a backward pass the module ran itself (in __init__) had left c_attn a gradient that
    # the test's backward pass, through c_attn.weight.data, never gave it (ch45)
    _config = ref.AttentionConfig(block_size=6, n_head=2, n_embd=8)
    _mine, _theirs = CausalSelfAttention(_config).eval(), ref.CausalSelfAttention(_config).eval()  # (dropout off)
    with torch.no_grad():
        for _name, _p in _theirs.named_parameters():
            _p.copy_(torch.randn(_p.shape, generator=_g) * 0.5)
            _layer, _kind = _name.split(".")
            getattr(getattr(_mine, _layer), _kind).copy_(_p)
    _x = torch.randn(2, 6, 8, generator=_g, requires_grad=True)
    _mine(_x).pow(2).sum().backward()
    _theirs(_x.detach()).pow(2).sum().backward()
    for _name, _p in _theirs.named_parameters():
        _layer, _kind = _name.split(".")
        _grad = getattr(getattr(_mine, _layer), _kind).grad
        assert _grad is not None and _grad.abs().sum() > 0, f"hidden test: no gradient reaches {_name}"
        assert type(_grad) is torch.Tensor and _grad.shape == _p.shape and \
            torch.allclose(_grad, _p.grad, atol=1e-3, rtol=1e-3), f"hidden test: the gradient of {_name} is not the reference's"
    # dropout is off in eval mode
    _config = ref.AttentionConfig(block_size=6, n_head=2, n_embd=8, dropout=0.3)
    _mine, _theirs = CausalSelfAttention(_config), ref.CausalSelfAttention(_config)
    with torch.no_grad():
        for _name, _p in _theirs.named_parameters():
            _layer, _kind = _name.split(".")
            getattr(getattr(_mine, _layer), _kind).copy_(_p)
        _x = torch.randn(2, 6, 8, generator=_g)
        _y = _mine.eval()(_x)
        assert type(_y) is torch.Tensor and _y.shape == _x.shape, "hidden test: wrong output type or shape in eval mode"
        assert torch.allclose(_y, _theirs.eval()(_x), atol=1e-5), \
            "hidden test: with dropout=0.3 in eval mode the output must equal the reference's (dropout off)"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-attention-dropout", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
with checks.reference_helpers(globals()):
    checks.check_attention_dropout(CausalSelfAttention)  # training mode: where the dropout acts
from course.grading import assert_own_work
assert_own_work(CausalSelfAttention, "CausalSelfAttention")
### BEGIN HIDDEN TESTS
with checks.reference_helpers(globals()):
    _g = torch.Generator().manual_seed(32)
    for _nh, _hs, _T, _p_drop in [(2, 4, 6, 0.3), (1, 6, 5, 0.5), (4, 2, 8, 0.1)]:
        _config = ref.AttentionConfig(block_size=8, n_head=_nh, n_embd=_nh * _hs, dropout=_p_drop)
        _mine, _theirs = CausalSelfAttention(_config).train(), ref.CausalSelfAttention(_config).train()
        _theirs.use_sdpa = False  # the step-by-step path: nn.Dropout on the weights, then on the output
        with torch.no_grad():
            for _name, _p in _theirs.named_parameters():
                _p.copy_(torch.randn(_p.shape, generator=_g) * 0.5)
                _layer, _kind = _name.split(".")
                getattr(getattr(_mine, _layer), _kind).copy_(_p)
        _x = torch.randn(2, _T, _nh * _hs, generator=_g)
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(5)
            _a, _b = _mine(_x), _mine(_x)
            torch.manual_seed(5)
            _want = _theirs(_x)
            torch.manual_seed(5)
            _want_in_turn = checks.heads_dropped_in_turn(_theirs, _x)  # (a loop over the heads draws so)
        assert all(type(_t) is torch.Tensor and _t.shape == _x.shape for _t in (_a, _b)), \
            f"hidden test (dropout={_p_drop}, n_head={_nh}): in training mode the output must be a tensor of the input's shape"
        assert not torch.allclose(_a, _b), f"hidden test (dropout={_p_drop}, n_head={_nh}): two calls in training mode must differ"
        assert torch.allclose(_a, _want, atol=1e-5) or torch.allclose(_a, _want_in_turn, atol=1e-5), \
            f"hidden test (dropout={_p_drop}, n_head={_nh}): in training mode the dropout does not act on the " \
            f"attention weights and then on c_proj's output"
### END HIDDEN TESTS

# %% [markdown]
# Your module against `n_head` separate attentions: each head gets its slice of the channels of
# `q`, `k` and `v` and its own weights; the outputs are put side by side and projected. Batched or
# looped, your module must give the same numbers.

# %% tags=["raises-exception"]
torch.manual_seed(0)
attn = CausalSelfAttention(ref.AttentionConfig(block_size=8, n_head=4, n_embd=16)).eval()
x = torch.randn(1, 6, 16)
with torch.no_grad():
    q, k, v = attn.c_attn(x).split(16, dim=2)  # (1, 6, 16) each
    hs = 16 // 4
    outputs = []
    for h in range(4):  # one head at a time, on its own channels
        channels = slice(h * hs, (h + 1) * hs)
        outputs.append(ref.scaled_dot_product_attention(q[..., channels], k[..., channels], v[..., channels],
                                                        ref.causal_mask(6)))  # (1, 6, hs)
    one_by_one = attn.c_proj(torch.cat(outputs, dim=-1))  # heads side by side: (1, 6, 16)
    print("your module == 4 separate heads, concatenated and projected:",
          torch.allclose(attn(x), one_by_one, atol=1e-6))

# %% [markdown]
# ## 4. Train a GPT built from your attention
#
# How do we know a trained model has learned its task? Its loss keeps falling, but towards what? On
# text nobody knows the best possible loss. So we train on data from a process we know completely,
# where the **best possible loss** can be computed, and watch the model get there.
#
# **The weather task** (after the LxMLS lab). Each day the weather is sunny, rainy or snowy, and
# tomorrow's weather depends on today's (a Markov chain). We never see the weather, only what
# someone did that day: walk, shop, clean, play tennis, read, with probabilities that depend on the
# weather (nobody plays tennis in the rain). This is a **hidden Markov model** (HMM):

# %%
weather = hmm.WEATHER
print("first day:  ", "  ".join(f"{s} {p:.2f}" for s, p in zip(weather.states, weather.initial.tolist())))
print("\ntomorrow →  " + "".join(f"{s:>8}" for s in weather.states))
for s, row in zip(weather.states, weather.transition.tolist()):
    print(f"{s:>10}  " + "".join(f"{p:8.2f}" for p in row))
print("\nactivity →  " + "".join(f"{o:>8}" for o in weather.observations))
for s, row in zip(weather.states, weather.emission.tolist()):
    print(f"{s:>10}  " + "".join(f"{p:8.2f}" for p in row))

# %% [markdown]
# A sequence is `L = 6` days. The GPT reads the six activities and then writes the six days' weather,
# one day at a time, like the LxMLS lab's model: its input is the activities followed by the weather
# so far, and its target at each position is the next token. Only the weather is a prediction we
# care about, so the targets of the positions that would predict an activity are `-1`, which the
# loss ignores (`course.gpt.GPT` uses `ignore_index=-1`). Tokens `0 … 4` are the activities,
# `5 … 7` the weather:

# %%
L = 6
vocab = hmm.vocabulary(weather)
obs, states = weather.sample(1, L, torch.Generator().manual_seed(0))
x_example, y_example = hmm.encode(obs, states, weather.n_observations)
print("input: ", [vocab[i] for i in x_example[0].tolist()])
print("target:", [vocab[i] if i >= 0 else -1 for i in y_example[0].tolist()])
print(x_example[0].tolist())
print(y_example[0].tolist())

# %% [markdown]
# **The best possible loss.** When the model writes day `k`'s weather it has read all six activities
# and the true weather of days `1 … k−1`. No model can do better than the true probability
# `p(weather_k | activities, weather_1 … weather_{k−1})`, which the HMM gives us exactly (the
# forward–backward algorithm, in `course/hmm.py`). Its average cross-entropy is the **Bayes-optimal
# loss**. Multiplied over the six days, those probabilities are `p(all the weather | all the
# activities)`, so the Bayes-optimal loss is the conditional entropy `H(weather | activities) / 6`,
# which `course.hmm` computes exactly by summing over all `5⁶` activity sequences.
#
# For scale: a model that ignores the activities and the weather so far, and only knows which day it
# is, cannot do better than the entropy of each day's weather.

# %%
bayes = hmm.bayes_optimal_loss(weather, L)
baseline = hmm.marginal_loss(weather, L)
print(f"Bayes-optimal loss: {bayes:.4f} nats per prediction")
print(f"knowing only the day:   {baseline:.4f} nats")
print(f"uniform guess:          {math.log(len(vocab)):.4f} nats (1 of {len(vocab)} tokens, an untrained model)")

# %% [markdown]
# The data: a fresh batch of 64 sequences for every training step (the supply never ends, so the
# model cannot memorise it), and a fixed validation set of 4,096 sequences, on which we also compute
# the Bayes-optimal loss sequence by sequence.

# %%
g_train, g_val = torch.Generator().manual_seed(1), torch.Generator().manual_seed(3)
val_obs, val_states = weather.sample(4096, L, torch.Generator().manual_seed(2))
x_val, y_val = hmm.encode(val_obs, val_states, weather.n_observations)


def get_batch(split):
    if split == "train":
        return hmm.encode(*weather.sample(64, L, g_train), weather.n_observations)
    rows = torch.randint(0, len(x_val), (512,), generator=g_val)
    return x_val[rows], y_val[rows]


x, y = get_batch("train")
print("a training batch:", tuple(x.shape), tuple(y.shape))

# %% [markdown]
# **What `GPT(config)` adds around your attention.** Lesson 05 builds it piece by piece; in short,
# it is GPT-2's architecture:
#
# * a **token embedding** `wte` (lesson 01's `nn.Embedding`) and a **position embedding** `wpe`: a
#   learned vector for each position `0 … block_size − 1`, added to the token's vector;
# * `n_layer` blocks, each `x = x + attn(ln_1(x))` then `x = x + mlp(ln_2(x))`: a **LayerNorm**
#   before, a **residual connection** around, and an **MLP** (two linear layers with a GELU between)
#   that works on each position on its own;
# * a final LayerNorm and a linear layer `lm_head` that turns each position's vector into a score for
#   every token of the vocabulary.
#
# Why the position embedding? Attention compares vectors and averages them; it has no idea where a
# vector is. Without a mask, shuffle the tokens and the outputs are the same rows, shuffled
# (attention is *permutation-equivariant*): "dog bites man" and "man bites dog" would look alike.
# Adding a vector per position makes the same token at two positions two different vectors:

# %%
g = torch.Generator().manual_seed(0)
T, C = 6, 8
x = torch.randn(T, C, generator=g)  # six tokens' embeddings
W_q, W_k, W_v = (torch.randn(C, C, generator=g) / math.sqrt(C) for _ in range(3))


def self_attention(x):  # one head, no mask: every token sees every token
    return ref.scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v)


order = torch.tensor([3, 0, 5, 1, 4, 2])  # a shuffle of the six tokens
print("shuffled tokens in, same outputs shuffled out:",
      torch.allclose(self_attention(x[order]), self_attention(x)[order], atol=1e-6))
positions = torch.randn(T, C, generator=g)  # one vector per position (learned, in a GPT)
with_positions, shuffled_with_positions = self_attention(x + positions), self_attention(x[order] + positions)
difference = (shuffled_with_positions - with_positions[order]).abs().max().item()
print("with position embeddings:", torch.allclose(shuffled_with_positions, with_positions[order], atol=1e-6),
      f"(the outputs differ by up to {difference:.2f})")

# %% [markdown]
# The causal mask tells a position a little about order (the first token sees only itself), but
# nothing like "five positions back". Keep this in mind for the attention maps of section 5: a head
# that looks a fixed distance back can only do so through the position embeddings.
#
# **The model: gpt-nano** (3 layers, 3 heads, 48 channels, as in minGPT and the LxMLS lab), built
# from *your* `CausalSelfAttention`: `GPT(config, attention=CausalSelfAttention)` builds every block's
# attention with your class. If your class is not finished or fails its check, the next cell says so
# and the course's reference is used instead, so the rest of the lesson runs either way.

# %%
config = GPTConfig(vocab_size=len(vocab), block_size=2 * L - 1, n_layer=3, n_head=3, n_embd=48, dropout=0.0)
Attention = ref.CausalSelfAttention  # the course's, until yours passes the check below

# %% tags=["raises-exception"]
checks.check_causal_self_attention(CausalSelfAttention)
Attention = CausalSelfAttention
print("The GPT will use your CausalSelfAttention.")

# %%
torch.manual_seed(0)
model = GPT(config, attention=Attention)
print(f"gpt-nano: {model.num_params():,} parameters; attention: {Attention.__module__}.{Attention.__name__}")
print("embeddings:", model.transformer.wte, model.transformer.wpe)
print("block 0 of 3:", model.transformer.h[0])

# %% [markdown]
# Train for 600 steps with the course's training loop (AdamW, warm-up, cosine decay, as in lesson 05).
# This takes 10 to 20 seconds of CPU time; on a busy machine the wall-clock time can be several
# times that (the cell prints both). A model this small runs fastest on one thread: its matrices
# are too small to share out, and on a busy machine threads waiting for each other can make it many
# times slower.

# %% tags=["nbval-ignore-output"]
torch.set_num_threads(1)
train_config = TrainConfig(max_iters=600, learning_rate=3e-3, warmup_iters=50, eval_interval=50,
                           eval_iters=4).scaled()  # COURSE_FAST=1 (autograder, CI): 20 steps
cpu_start = time.process_time()
history = train(model, get_batch, train_config)
print(f"{len(history.loss)} steps in {history.seconds:.1f} s ({time.process_time() - cpu_start:.1f} s of CPU time)")

# %% [markdown]
# Now the whole validation set, position by position: the model's cross-entropy on each day's
# weather, next to the Bayes-optimal loss on the very same sequences.

# %% tags=["nbval-ignore-output"]
model.eval()
with torch.no_grad():
    logits, _ = model(x_val)
per_day_model = F.cross_entropy(logits[:, L - 1:].transpose(1, 2), y_val[:, L - 1:], reduction="none")  # (n, L)
per_day_bayes = weather.state_nll(val_obs, val_states)  # (n, L)
gap = per_day_model.mean().item() - per_day_bayes.mean().item()
print(f"model:                       {per_day_model.mean():.4f} nats")
print(f"Bayes-optimal, same data:    {per_day_bayes.mean():.4f} nats  (exact expectation {bayes:.4f})")
print(f"gap: {gap:.4f} nats — within 0.05 of the best possible: {gap < 0.05}")

fig, axes = plt.subplots(1, 2, figsize=(13, 4), gridspec_kw={"width_ratios": [3, 2]})
plot_history(history, ax=axes[0], title="gpt-nano learns the weather task")
axes[0].axhline(bayes, color="tab:green", linestyle="--", label=f"Bayes-optimal {bayes:.3f}")
axes[0].axhline(baseline, color="tab:red", linestyle=":", label=f"knowing only the day {baseline:.3f}")
axes[0].set_ylim(0.5, 2.2)
axes[0].legend()
days = torch.arange(1, L + 1)
axes[1].bar(days - 0.2, per_day_model.mean(0), width=0.4, label="model")
axes[1].bar(days + 0.2, per_day_bayes.mean(0), width=0.4, label="Bayes-optimal")
axes[1].set_xlabel("day whose weather is predicted")
axes[1].set_ylabel("loss (nats)")
axes[1].set_title("per day, on the validation set")
axes[1].legend(loc="lower right")
plt.show()

# %% [markdown]
# The loss falls from about 2 (an untrained model is close to a uniform guess, `log 8 ≈ 2.08`) past
# "knowing only the day" to the dashed line, and stays there: there is nothing left to learn. Per
# day, the first day is the hardest (no weather known yet, only the activities), and the last day
# has no later activities to hint at it.
# The model matches the optimum day by day, so it has learned what the forward–backward algorithm
# computes, from examples alone.
#
# ## 5. What do the heads look at?
#
# The course's attention can keep its weights (`store_attention = True`). We copy the trained
# weights into a GPT built with it (the parameter names are the same) and run one validation
# sequence.

# %% tags=["nbval-ignore-output"]
viewer = GPT(config)
missing, _ = viewer.load_state_dict(model.state_dict(), strict=False)
assert not missing, f"parameters missing from the trained model: {missing}"
viewer.eval()
for block in viewer.transformer.h:
    block.attn.store_attention = True
with torch.no_grad():
    viewer(x_val[:1])
attentions = [block.attn.last_attention for block in viewer.transformer.h]  # per layer: (1, n_head, T, T)
seq_tokens = [vocab[i] for i in x_val[0].tolist()]
print(seq_tokens)
plot_attention_grid(attentions, seq_tokens, title="gpt-nano on one validation sequence: every layer and head")

# %% [markdown]
# Every map is lower-triangular: the causal mask at work. Positions count from 0, as on the ticks.
# Positions 0 to 4 read activities and predict nothing we score (their targets are `-1`), so their
# attention is trained only as far as later positions use what they compute. Positions 5 to 10
# write the weather: position `k + 4` writes day `k`'s weather (position 5, the sixth activity,
# writes day 1), and day `k`'s activity sits at position `k − 1`. A head that looks at the activity
# of the day it writes draws a diagonal stripe five columns to the left of the main diagonal; a head
# that looks at the weather just written lights up the cell just left of the diagonal.
#
# `course.attention.attention_on` measures both, for every head, on 512 validation sequences: the
# mean weight the rows that write the weather put on their day's activity, and on the token just
# before them. A head that spread its weight evenly would score about 0.12 on each (the cell prints
# that too); a head that always looked there would score 1.

# %% tags=["nbval-ignore-output"]
with torch.no_grad():
    viewer(x_val[:512])
val_attentions = [block.attn.last_attention for block in viewer.transformer.h]  # per layer: (512, nh, T, T)
rows = torch.arange(2 * L - 1)
writes_weather = rows >= L - 1  # positions 5 ... 10
day_activity = torch.where(writes_weather, rows - (L - 1), -1)  # position k + 4 → position k - 1
just_before = torch.where(writes_weather, rows - 1, -1)
even = torch.ones(2 * L - 1, 2 * L - 1).tril()
even = (even / even.sum(-1, keepdim=True))[None, None]  # a head that spreads its weight evenly
print(f"a head that spreads evenly: {ref.attention_on([even], day_activity).item():.2f} on the day's "
      f"activity, {ref.attention_on([even], just_before).item():.2f} on the token before")
on_activity = ref.attention_on(val_attentions, day_activity)  # (n_layer, n_head)
on_before = ref.attention_on(val_attentions, just_before)
for layer in range(config.n_layer):
    print(f"layer {layer}: " + "   ".join(f"head {h}: {on_activity[layer, h]:.2f} activity, "
                                         f"{on_before[layer, h]:.2f} before" for h in range(config.n_head)))

# %% [markdown]
# In the run stored with this notebook, heads 0 and 2 of layer 0 put more than 0.9 of their weight
# on the day's activity, far above the even spread: that is the stripe in the grid above. No head
# looks mainly at the weather just written, and layers 1 and 2 spread their weight almost evenly.
# Which heads draw the stripe can change with the random start of training; the stripe itself is
# what the task needs. Since attention itself cannot count positions, those heads find "five tokens
# back" through the position embeddings.
#
# Explore one head at a time, with the tokens on the axes (in JupyterLab; in a static view of the
# notebook this widget does not render):

# %% tags=["nbval-ignore-output"]
attention_explorer(attentions, seq_tokens, title="gpt-nano")

# %% [markdown]
# ## 6. Attention in a model trained on real text
#
# gpt-nano's heads are easy to read because its task is tiny. What do the heads of a model trained
# on real text look at? The LxMLS lab asks this of a pretrained BERT; we ask it of the course's own
# pretrained model, `course/models/shakespeare-gpt` (lesson 06 fine-tunes it): a GPT like gpt-nano
# (6 layers of 6 heads, 192 channels, 3.1 million parameters), trained on Shakespeare's plays and
# Milton's *Paradise Lost* with its own 2,048-token BPE. Hugging Face's `from_pretrained` loads it from its folder, offline. It must
# be loaded with `attn_implementation="eager"`, which computes the weights step by step as your
# module does; otherwise `output_attentions=True` returns nothing.
#
# We run it on three lines from the end of *The Winter's Tale*, which the model never saw: the last
# 10 % of the plays were held out of its training. (`Ċ` is the newline byte, as `Ġ` is the space.)

# %%
from transformers.utils import logging as hf_logging

from course.data import load_corpus
from course.finetune import SHIPPED_MODEL_DIR, load_pretrained

hf_logging.disable_progress_bar()  # no "Loading weights" bar
hf_logging.set_verbosity_error()
shakespeare, shakespeare_tokenizer = load_pretrained(SHIPPED_MODEL_DIR, attn_implementation="eager")
plays = load_corpus("shakespeare")
start = plays.rindex("PAULINA.\nI am sorry, sir")
passage = plays[start:plays.index("further.\n", start) + len("further.\n")]
passage_ids = shakespeare_tokenizer(passage, return_tensors="pt").input_ids  # (1, T)
with torch.no_grad():
    passage_attentions = shakespeare(passage_ids, output_attentions=True).attentions  # per layer: (1, nh, T, T)
passage_tokens = shakespeare_tokenizer.convert_ids_to_tokens(passage_ids[0])
print(passage)
print(len(passage_tokens), "tokens:", passage_tokens)

# %% [markdown]
# **Guess first.** The LxMLS lab asks: which heads look at the previous token? At the first token?
# At a matching bracket, or at an earlier mention of the same name? Write down what you expect of
# this small model, then look at four of its 36 heads on these lines:

# %%
fig, axes = plt.subplots(2, 2, figsize=(12, 12), layout="constrained")
for ax, (layer, head) in zip(axes.flat, [(0, 0), (4, 3), (2, 5), (4, 1)]):
    plot_attention(passage_attentions[layer][0, head], passage_tokens, passage_tokens, ax=ax, annotate=False,
                   positions=True, title=f"layer {layer}, head {head}")
fig.colorbar(axes[0, 0].images[0], ax=axes, shrink=0.5, label="attention weight")
fig.suptitle("shakespeare-gpt on held-out lines of The Winter's Tale: four of its 36 heads")
plt.show()

# %% [markdown]
# One passage can mislead, so measure. On 8 held-out windows of 256 tokens, `attention_on` gives
# each head's mean weight on: the previous token, the token itself, the first token, the last line
# break before it, the last punctuation mark before it, and the last earlier copy of the same token
# (a repeated name or word). The first row is a head that spreads its weight evenly over all the
# tokens so far, for comparison.

# %% tags=["nbval-ignore-output"]
windows = shakespeare_tokenizer(plays[-20_000:], return_tensors="pt").input_ids[0, :8 * 256].view(8, 256)
with torch.no_grad():
    window_attentions = shakespeare(windows, output_attentions=True).attentions  # per layer: (8, nh, 256, 256)
window_tokens = [shakespeare_tokenizer.convert_ids_to_tokens(row) for row in windows]
n = windows.shape[1]


def last_before(flags):
    """For each position i, the last position j < i where flags[:, j] is True; -1 where there is none."""
    latest = torch.where(flags, torch.arange(n), -1).cummax(dim=-1).values
    return torch.cat([torch.full_like(latest[:, :1], -1), latest[:, :-1]], dim=-1)


earlier_copy = torch.full((8, n), -1)
for b, row in enumerate(windows.tolist()):
    seen = {}
    for i, token_id in enumerate(row):
        earlier_copy[b, i] = seen.get(token_id, -1)
        seen[token_id] = i
targets = {
    "previous": (torch.arange(n) - 1).expand(8, n),
    "itself": torch.arange(n).expand(8, n),
    "first": torch.where(torch.arange(n) > 0, 0, -1).expand(8, n),
    "line break": last_before(torch.tensor([["Ċ" in t for t in row] for row in window_tokens])),
    "punctuation": last_before(torch.tensor([[t in {".", ",", ";", ":", "?", "!"} for t in row]
                                             for row in window_tokens])),
    "earlier copy": earlier_copy,
}
even = torch.ones(n, n).tril()
even = (even / even.sum(-1, keepdim=True))[None, None]
scores = {name: ref.attention_on(window_attentions, t) for name, t in targets.items()}
print(f"{'':>16}" + "".join(f"{name:>13}" for name in targets))
print(f"{'even spread':>16}" + "".join(f"{ref.attention_on([even], t[:1]).item():>13.2f}"
                                       for t in targets.values()))
for layer in range(shakespeare.config.n_layer):
    for head in range(shakespeare.config.n_head):
        print(f"{f'layer {layer} head {head}':>16}"
              + "".join(f"{scores[name][layer, head]:>13.2f}" for name in targets))

# %% [markdown]
# The answers, from the table:
#
# * **Layer 0 spreads evenly.** Its six heads score like the even spread in every column: they
#   average all the tokens so far.
# * **Previous-token heads, weak ones.** Layer 4 head 3 and layer 3 head 2 put about a third of their
#   weight on the previous token (0.33 and 0.31, where the even spread puts 0.02), layer 4 head 0 and
#   layer 2 head 1 about a quarter. In the figure, layer 4 head 3 looks one token back, or back to
#   the start of the word a token belongs to (`ir`, `r` and `'d` all look at `Ġst`, of "stirr'd").
# * **No first-token head** and **no head that finds an earlier copy** of the token (a repeated
#   name): no head puts more than 0.03 on the first token, or more than 0.07 on an earlier copy.
#   Larger models do grow such heads, for example heads that look at an earlier mention of a name
#   and copy what followed it; this model, with 3.1 million parameters and 18 million tokens of
#   training, has none.
# * **Line heads and punctuation heads.** Layer 2 head 5 puts 0.44 of its weight on the last line
#   break (the even spread: 0.01), layer 3 head 3 and layer 2 head 4 about 0.3: the columns under each
#   `Ċ` in the figure. Layer 4 head 1 and layer 2 head 3 look at the last punctuation mark (0.19 and
#   0.17; in the figure, the column under `:`). In verse, where the line began and where the clause began say much about what comes next.
#
# Explore every head on the passage (in JupyterLab; in a static view this widget does not render):

# %% tags=["nbval-ignore-output"]
attention_explorer(passage_attentions, passage_tokens, title="shakespeare-gpt")

# %% [markdown]
# **bertviz** draws the same attentions as lines between tokens, with all heads of a layer at once.
# It needs a **network connection to render**: it loads its JavaScript libraries (require.js, d3,
# jQuery) from the internet, so offline you will see an empty output. The attention maps above are
# drawn locally and always work.

# %% tags=["nbval-ignore-output"]
from bertviz import head_view

head_view(passage_attentions, passage_tokens)

# %% [markdown]
# ## Questions
#
# **Q1.** What is the purpose of applying a causal mask in the attention computation?

# %% [markdown] nbgrader={"grade_id": "q1-causal-mask", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# A GPT is trained to predict the token after each position, for all positions of a sequence in one
# pass. Without the mask, position `t` could attend to position `t + 1`, whose token is exactly its
# target: the model would learn to copy it, reach a near-zero training loss, and be useless for
# generation, where the future does not exist yet. The mask lets each position attend only to
# itself and earlier positions, so training matches generation: every prediction uses only the
# past. It also makes the outputs of earlier positions independent of later tokens, which is what
# lets generation cache keys and values (lesson 05).
# ### END SOLUTION

# %% [markdown]
# **Q2.** How does the number of attention heads affect what the model can capture? What does a
# larger `n_head` cost, with `n_embd` fixed?

# %% [markdown] nbgrader={"grade_id": "q2-heads", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# Each head computes its own attention weights, so with several heads a position can gather from
# several places at once and for different reasons (one head tracks the previous token, another
# the matching observation, another a syntactic relation), where one head must blend everything into
# a single weighted average. With `n_embd` fixed the parameter count and the compute stay the same
# (the channels are only split differently), but each head works in a smaller space
# (`hs = n_embd / n_head`), so its scores are cruder, and there are more attention maps to store
# (`n_head · T²` weights per layer). More heads help only up to a point; GPT-2 small uses 12 heads
# of size 64.
# ### END SOLUTION

# %% [markdown]
# **Q3.** What are the residual dropout and the attention dropout in `CausalSelfAttention` for? Why
# did we train the weather model with `dropout=0.0`?

# %% [markdown] nbgrader={"grade_id": "q3-dropout", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# Both are regularisation, active only in training mode (`model.eval()` turns them off). Attention
# dropout zeroes random attention weights (and rescales the rest), so a position cannot rely on one
# particular other position and learns to spread what it uses. Residual dropout zeroes random
# entries of the block's output before it is added to the residual stream, so later layers cannot
# rely on any single feature; it is the usual dropout between layers. They fight overfitting, when
# a model memorises a limited training set. The weather model sees a fresh sample in every batch,
# effectively unlimited data, so it cannot overfit, and dropout would only add noise and slow
# training; nanoGPT likewise uses `dropout=0.0` for large-data pretraining.
# ### END SOLUTION
