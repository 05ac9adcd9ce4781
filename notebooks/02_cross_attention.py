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
# # Lesson 02 — Cross-attention: one sentence looks at another
#
# When you translate a sentence, each word you write depends on a few words of the original, not on
# all of them equally: writing "Lisboa" you look at "Lisbon", writing "julho" you look at "July".
# **Attention** is a way for a model to do this: for every token of one sequence, compute how well it
# matches every token of another sequence, turn those scores into weights that sum to 1, and take the
# weighted average of what the other tokens carry. Everything is differentiable, so a model can
# *learn* what to look at.
#
# In this lesson you
#
# 1. see attention as an **alignment** between two sentences,
# 2. write **cross-attention**, `softmax(QKᵀ/√d_k)V`, the classic exercise of the LxMLS lab,
# 3. find out why that exercise gives a strange answer, and what the `√d_k` and sensible embeddings fix,
# 4. write the batched `scaled_dot_product_attention` with **masks**, as PyTorch has it,
# 5. batch sentences of different lengths with a **padding mask**.
#
# Lesson 03 turns this into the *self*-attention inside a GPT.

# %%
import course  # first, before torch: threading that copes with a shared machine (course/threads.py)
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import course.attention as ref  # the course's reference implementations
from course.checks import attention as checks
from course.plots import plot_alignment, plot_attention, plot_attention_steps
from course.tokenization import BPETokenizer

tokenizer = BPETokenizer.from_gpt2()  # GPT-2's tokenizer, from lesson 01
sentence_a = "I travelled to Lisbon in July to attend an NLP summer school"
sentence_b = "In July I went to a summer school on NLP in Lisbon"
tokens_a, tokens_b = tokenizer.tokens(sentence_a), tokenizer.tokens(sentence_b)
print(tokens_a)
print(tokens_b)


# %% [markdown]
# `Ġ` is GPT-2's mark for the space in front of a word (lesson 01): `ĠLisbon` is " Lisbon". The text
# and every figure of this lesson write it the same way.

# %% [markdown]
# ## 1. Attention is a soft alignment
#
# Sentence B says the same as sentence A in another order. For each token of B, which token of A is
# its counterpart? To let a computer answer, give every token a vector. Here we use a very plain one:
# which **three-letter pieces** the token is spelled with (`"July"` → `#ju`, `jul`, `uly`, `ly#`).
# Tokens spelled alike get similar vectors, and the dot product of two vectors measures how alike
# they are.

# %%
def spelling_pieces(token):
    word = "#" + token.replace("Ġ", "").lower() + "#"  # '#' marks the start and the end
    return [word[i:i + 3] for i in range(len(word) - 2)]


pieces = sorted({p for token in tokens_a + tokens_b for p in spelling_pieces(token)})


def spelling_vectors(tokens):
    """One row per token: how often each three-letter piece occurs in it, scaled to length 1."""
    counts = torch.tensor([[spelling_pieces(t).count(p) for p in pieces] for t in tokens], dtype=torch.float32)
    return F.normalize(counts, dim=-1)


d = len(pieces)
# Make the vectors long enough that, after attention's division by √d, two tokens spelled
# identically score 8 and two tokens with nothing in common score 0.
sharpen = math.sqrt(8 * math.sqrt(d))
X_a, X_b = spelling_vectors(tokens_a) * sharpen, spelling_vectors(tokens_b) * sharpen
print(f"{d} different pieces, so each token is a vector of {d} numbers")
print("July · July =", round(float(X_b[1] @ X_a[5] / math.sqrt(d)), 2),
      "   July · Lisbon =", round(float(X_b[1] @ X_a[3] / math.sqrt(d)), 2))

# %% [markdown]
# Each token of B (a **query**) is compared with every token of A (the **keys**). A softmax over each
# row turns the scores into weights that are positive and sum to 1. Draw a line from each token of B
# to the tokens of A it puts weight on, as thick as the weight:

# %%
_, weights_ba = ref.scaled_dot_product_attention(X_b, X_a, X_a, return_weights=True)
plot_alignment(weights_ba, tokens_b, tokens_a, title="sentence B (bottom) attends to sentence A (top)")

# %% [markdown]
# Most tokens find their counterpart, crossing the lines where the order differs. Note `Ġwent`,
# which matches nothing: its weights must still sum to 1, so they spread over all of A. And
# `Ġto`, which occurs twice in A: the two copies get equal weight, since their vectors are identical.
# Nothing here knows *where* a token is.
#
# ## 2. Queries, keys and values
#
# In a model the vectors are not hand-made: they are **learned**, and each token gets three different
# ones, computed from its embedding by three learned matrices:
#
# * the **query** `q = x W_Q`: what this token is looking for,
# * the **key** `k = x W_K`: what this token offers to be found by,
# * the **value** `v = x W_V`: what this token hands over when it is found.
#
# With the queries of one sequence in the rows of `Q` (`n_q × d_k`) and the keys and values of the
# other in `K` (`n_k × d_k`) and `V` (`n_k × d_v`):
#
# $$\text{Attention}(Q, K, V) = \text{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}}\right) V$$
#
# Row `i` of `QKᵀ` holds the scores of query `i` against every key; the softmax runs along each row;
# row `i` of the result is the weighted average of the values, one vector per query. When queries
# come from one sequence and keys and values from another, it is **cross-attention** (a translation
# model's decoder attends to the source sentence this way). When all three come from the same
# sequence, it is **self-attention** (lesson 03).
#
# Here is the formula with real numbers: three queries for "I like traveling", five keys and values
# for the start of sentence A. The numbers are random (they stand in for learned projections), so
# only the shapes and the flow matter. Top row: the scores; bottom row: a softmax along each row of
# the scores gives the weights, and the weights average the values:

# %%
g = torch.Generator().manual_seed(0)
tokens_c = tokenizer.tokens("I like traveling")
Q_demo = torch.randn(3, 4, generator=g)
K_demo, V_demo = torch.randn(5, 4, generator=g), torch.randn(5, 3, generator=g)
plot_attention_steps(Q_demo, K_demo, V_demo, tokens_c, tokens_a[:5], title="Attention(Q, K, V), step by step")

# %% [markdown]
# ### Exercise 1 — cross-attention (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `cross_attention(S1, S2, W_Q, W_K, W_V)`: sentence `S2` attends to sentence `S1`.
#
# * `S1` is `(n1, d_in)` and `S2` is `(n2, d_in)`, one row per token;
# * queries come from `S2` (`Q = S2 @ W_Q`), keys and values from `S1` (`K = S1 @ W_K`, `V = S1 @ W_V`);
# * `W_Q` and `W_K` are `(d_in, d_k)`, `W_V` is `(d_in, d_v)`;
# * return `softmax(QKᵀ/√d_k) V`, shape `(n2, d_v)`; the softmax runs over the keys (the last dimension).
#
# The test below is the one the LxMLS summer school's lab uses: the GPT-2 token ids of two sentences,
# each id used as a one-number embedding (`d_in = 1`), with `W_Q = [[0.1, 0.2, 0.3]]`,
# `W_K = [[0.7, 0.8, 0.9]]`, `W_V = [[1.6, 1.7, 1.8]]`:

# %%
ids_1 = tokenizer.encode("I travelled to Lisbon in July to attend an NLP summer school")
ids_2 = tokenizer.encode("I like traveling")
S1 = torch.tensor([ids_1], dtype=torch.float32).T  # a row of ids → (13, 1): one row per token
S2 = torch.tensor([ids_2], dtype=torch.float32).T  # (3, 1)
W_Q = torch.tensor([[0.1, 0.2, 0.3]])
W_K = torch.tensor([[0.7, 0.8, 0.9]])
W_V = torch.tensor([[1.6, 1.7, 1.8]])
print(ids_1, ids_2, tuple(S1.shape), tuple(S2.shape))


# %% nbgrader={"grade_id": "cross-attention", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def cross_attention(S1, S2, W_Q, W_K, W_V):
    """S2 attends to S1: softmax((S2 W_Q)(S1 W_K)ᵀ / √d_k) (S1 W_V), shape (n2, d_v)."""
    ### BEGIN SOLUTION
    Q = S2 @ W_Q  # (n2, d_k)
    K = S1 @ W_K  # (n1, d_k)
    V = S1 @ W_V  # (n1, d_v)
    scores = Q @ K.T / math.sqrt(K.shape[-1])  # (n2, n1)
    weights = torch.softmax(scores, dim=-1)
    return weights @ V
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-cross-attention", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_cross_attention(cross_attention)  # names the mistake, if your function has a common one
out = cross_attention(S1, S2, W_Q, W_K, W_V)
assert type(out) is torch.Tensor and out.shape == (3, 3), f"expected a (3, 3) tensor, got {out!r}"
assert torch.allclose(out, torch.tensor([[67036.8047, 71226.6016, 75416.3984]] * 3)), f"the lab's example gives {out}"
# on random inputs it must equal PyTorch's attention, applied to the projections
g = torch.Generator().manual_seed(1)
S1_r, S2_r = torch.randn(6, 4, generator=g), torch.randn(2, 4, generator=g)
W_Q_r, W_K_r, W_V_r = (torch.randn(4, 5, generator=g) for _ in range(3))
expected = F.scaled_dot_product_attention(S2_r @ W_Q_r, S1_r @ W_K_r, S1_r @ W_V_r)
assert torch.allclose(cross_attention(S1_r, S2_r, W_Q_r, W_K_r, W_V_r), expected, atol=1e-5), \
    "on random inputs the result must equal F.scaled_dot_product_attention on the projections"
from course.grading import assert_own_work
assert_own_work(cross_attention, "cross_attention")
### BEGIN HIDDEN TESTS
_g = torch.Generator().manual_seed(11)
for _n1, _n2, _d_in, _d_k, _d_v in [(1, 1, 1, 1, 1), (7, 3, 5, 4, 2), (3, 8, 2, 6, 6), (12, 12, 8, 8, 3), (5, 2, 3, 16, 1)]:
    for _dtype in (torch.float32, torch.float64):
        _case = f"n1={_n1}, n2={_n2}, d_in={_d_in}, d_k={_d_k}, d_v={_d_v}, {_dtype}"
        _S1, _S2 = torch.randn(_n1, _d_in, generator=_g, dtype=_dtype), torch.randn(_n2, _d_in, generator=_g, dtype=_dtype)
        _W = [torch.randn(_d_in, _d, generator=_g, dtype=_dtype) for _d in (_d_k, _d_k, _d_v)]
        _got = cross_attention(_S1, _S2, *_W)
        assert type(_got) is torch.Tensor and _got.dtype == _dtype and _got.shape == (_n2, _d_v), \
            f"hidden test ({_case}): expected a ({_n2}, {_d_v}) {_dtype} tensor"
        assert torch.allclose(_got, ref.cross_attention(_S1, _S2, *_W), atol=1e-5, rtol=1e-4), \
            f"hidden test ({_case}): wrong values"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-cross-attention-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a tensor (n2, d_v), in the inputs' dtype.
_g = torch.Generator().manual_seed(3)
for _dtype in (torch.float32, torch.float64):
    _out = checks.form_call("cross_attention", cross_attention, (
        torch.randn(5, 4, generator=_g, dtype=_dtype), torch.randn(3, 4, generator=_g, dtype=_dtype),
        *(torch.randn(4, _d, generator=_g, dtype=_dtype) for _d in (6, 6, 2))))
    assert type(_out) is torch.Tensor, f"cross_attention must return a torch.Tensor, got {type(_out).__name__}"
    assert _out.shape == (3, 2), f"for n2 = 3 queries and d_v = 2, expected shape (3, 2), got {tuple(_out.shape)}"
    assert _out.dtype == _dtype, f"for {_dtype} inputs the result must be {_dtype}, got {_out.dtype}"
from course.grading import assert_own_work
assert_own_work(cross_attention, "cross_attention")

# %% [markdown]
# ## 3. Why every row is the same
#
# All three rows of that answer are `41898 × W_V`, and 41898 is the id of `ĠLisbon`: every word of
# "I like traveling" attends only to "Lisbon". Not because of any meaning: 41898 is simply the
# **largest id** in sentence A. With one-number embeddings, query `i` and key `j` score
# `id_i · id_j · (W_Q · W_K) / √3`, so the biggest id wins every row, and the scores are so large
# that the softmax is exactly one-hot:

# %%
ids_a = torch.tensor([ids_1], dtype=torch.float32).T
ids_c = torch.tensor([ids_2], dtype=torch.float32).T
scores = (ids_c @ W_Q) @ (ids_a @ W_K).T / math.sqrt(3)
top2 = scores.topk(2, dim=-1).values
for token, row, (best, second) in zip(tokens_c, scores, top2):
    print(f"{token:>10}: scores up to {best:.3g}; the best beats the runner-up by {best - second:.3g}")
gaps = top2[:, 0] - top2[:, 1]
print(f"gaps from {gaps.min():.2g} to {gaps.max():.2g}; exp(-100) = {math.exp(-100):.2g}, so even the "
      f"smallest gap leaves the runner-up no weight at all")

# %% [markdown]
# A gap of even 100 in the scores makes the softmax one-hot; here the gaps run from about 2 × 10^5 to
# 7 × 10^7. Two things are wrong with the toy, and real models fix both:
#
# * **Token ids are labels, not quantities.** Id 41898 is not "more" than id 40. Models look up a
#   learned **embedding vector** for each id instead, with entries of order 1.
# * **Scores must stay of order 1** for the softmax to spread its weight and pass gradients. A dot
#   product of two `d_k`-dimensional vectors with unit-variance entries has variance `d_k`; dividing
#   by `√d_k` brings it back to 1. In the toy, `√3` is far too little to help.
#
# Top and middle: the toy's weights without and with the `√d_k`, one-hot either way. Bottom: the same
# sentences with the spelling vectors of section 1, where the weights mean something: `I` → `I`,
# `Ġtraveling` → `Ġtravelled`. (`Ġlike` → `ĠLisbon` too, because both start with `li`: spelling is
# only a crude stand-in for meaning, which real models learn.)

# %%
_, weights_ids = ref.scaled_dot_product_attention(ids_c @ W_Q, ids_a @ W_K, ids_a @ W_V, return_weights=True)
weights_unscaled = torch.softmax((ids_c @ W_Q) @ (ids_a @ W_K).T, dim=-1)
X_c = spelling_vectors(tokens_c) * sharpen
_, weights_spelling = ref.scaled_dot_product_attention(X_c, X_a, X_a, return_weights=True)

fig, axes = plt.subplots(3, 1, figsize=(8.5, 8.5), layout="constrained")
plot_attention(weights_unscaled, tokens_c, tokens_a, ax=axes[0], title="token ids, no √d_k")
plot_attention(weights_ids, tokens_c, tokens_a, ax=axes[1], title="token ids, with √d_k")
plot_attention(weights_spelling, tokens_c, tokens_a, ax=axes[2], title="spelling vectors, with √d_k")
plt.show()

# %% [markdown]
# What does the `√d_k` do when the embeddings *are* sensible? Take random queries and 16 random keys
# with unit-variance entries, as a freshly initialised model has, and measure how much weight the
# softmax gives to its favourite key. Without the scaling, the scores grow like `√d_k` and the
# softmax becomes nearly one-hot as `d_k` grows; the model could hardly learn, since a one-hot softmax
# passes almost no gradient to the keys it ignores. With the scaling the weights stay spread out,
# whatever the size.

# %%
g = torch.Generator().manual_seed(0)
sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
largest_unscaled, largest_scaled = [], []
for d_k in sizes:
    q, k = torch.randn(2000, 1, d_k, generator=g), torch.randn(2000, 16, d_k, generator=g)
    s = (q @ k.transpose(1, 2)).squeeze(1)  # (2000, 16): one row of scores per query
    largest_unscaled.append(torch.softmax(s, -1).max(-1).values.mean().item())
    largest_scaled.append(torch.softmax(s / math.sqrt(d_k), -1).max(-1).values.mean().item())

fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(sizes, largest_unscaled, marker="o", label="softmax(q·k)")
ax.plot(sizes, largest_scaled, marker="o", label="softmax(q·k / √d_k)")
ax.axhline(1 / 16, color="grey", linestyle=":", label="uniform (1/16)")
ax.set_xscale("log", base=2)
ax.set_xlabel("d_k (size of queries and keys)")
ax.set_ylabel("mean weight of the favourite key")
ax.set_title("Without √d_k the softmax saturates as d_k grows")
ax.set_ylim(0, 1.02)
ax.grid(alpha=0.3)
ax.legend()
plt.show()
for d_k, u, s in zip(sizes[::2], largest_unscaled[::2], largest_scaled[::2]):
    print(f"d_k = {d_k:>4}: favourite key gets {u:.2f} unscaled, {s:.2f} scaled")


# %% [markdown]
# ## 4. Attention for batches, with masks
#
# Models run attention on many sequences (and, in lesson 03, many heads) at once, so the core
# function takes tensors `q (…, T_q, d)`, `k (…, T_k, d)`, `v (…, T_k, d_v)` with any number of
# leading batch dimensions, which broadcast as `@` does (keys and values of batch size 1 serve every query
# sequence); `@` and `transpose(-2, -1)` work on the last two.
#
# A **mask** says which keys each query may look at. PyTorch's convention, which we follow:
#
# * a **boolean** mask: `True` = may attend. Where it is `False`, set the score to `-inf` before the
#   softmax, so that the weight is `exp(-inf) = 0`;
# * a **float** mask is **added** to the scores: `0` keeps a position, `-inf` removes it (and other
#   values shift the scores, e.g. to favour nearby positions).
#
# The mask has shape `(T_q, T_k)` or anything that broadcasts to the scores' shape `(…, T_q, T_k)`.
#
# ### Exercise 2 — scaled dot-product attention (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `scaled_dot_product_attention(q, k, v, mask=None)`, returning `softmax(q kᵀ/√d + mask) v`
# of shape `(…, T_q, d_v)`, where `d = q.shape[-1]`. It must equal
# `torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)`, but without calling it:
# write it with a matrix product and a softmax (the autograder does not run an answer that calls
# PyTorch's own attention, and its tests score 0). (You may assume every query can see at least one key.)

# %% nbgrader={"grade_id": "sdpa", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q kᵀ / √d + mask) v for q (..., T_q, d), k (..., T_k, d), v (..., T_k, d_v).

    mask: None, boolean (True = may attend) or float (added to the scores); broadcasts to (..., T_q, T_k).
    """
    ### BEGIN SOLUTION
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., T_q, T_k)
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-sdpa", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_scaled_dot_product_attention(scaled_dot_product_attention)  # names the mistake, if any
g = torch.Generator().manual_seed(2)
q, k, v = torch.randn(2, 3, 5, 8, generator=g), torch.randn(2, 3, 7, 8, generator=g), torch.randn(2, 3, 7, 4, generator=g)
out = scaled_dot_product_attention(q, k, v)
assert type(out) is torch.Tensor and out.shape == (2, 3, 5, 4), f"expected shape (2, 3, 5, 4), got {tuple(out.shape)}"
assert torch.allclose(out, F.scaled_dot_product_attention(q, k, v), atol=1e-5), "without a mask: must equal PyTorch's"
keep = torch.rand(5, 7, generator=g) < 0.5
keep[:, 0] = True  # every query sees at least the first key
assert torch.allclose(scaled_dot_product_attention(q, k, v, keep),
                      F.scaled_dot_product_attention(q, k, v, attn_mask=keep), atol=1e-5), \
    "with a boolean mask (True = may attend): must equal PyTorch's"
additive = torch.randn(5, 7, generator=g).masked_fill(~keep, float("-inf"))
assert torch.allclose(scaled_dot_product_attention(q, k, v, additive),
                      F.scaled_dot_product_attention(q, k, v, attn_mask=additive), atol=1e-5), \
    "with a float mask (added to the scores): must equal PyTorch's"
from course.grading import assert_own_work
assert_own_work(scaled_dot_product_attention, "scaled_dot_product_attention")
### BEGIN HIDDEN TESTS
_g = torch.Generator().manual_seed(12)
for _batch, _T_q, _T_k, _d, _d_v in [((), 1, 1, 1, 1), ((), 4, 9, 3, 5), ((3,), 6, 6, 16, 16), ((2, 4), 5, 3, 8, 2), ((1, 2, 2), 7, 7, 4, 3)]:
    for _dtype in (torch.float32, torch.float64):
        _q = torch.randn(*_batch, _T_q, _d, generator=_g, dtype=_dtype)
        _k = torch.randn(*_batch, _T_k, _d, generator=_g, dtype=_dtype)
        _v = torch.randn(*_batch, _T_k, _d_v, generator=_g, dtype=_dtype)
        _keep = torch.rand(*_batch, _T_q, _T_k, generator=_g) < 0.6
        _keep[..., _T_k - 1] = True
        _shift = torch.randn(_T_q, _T_k, generator=_g, dtype=_dtype)
        for _kind, _mask in (("no mask", None), ("a boolean mask", _keep),
                             ("a boolean mask that broadcasts", _keep[(0,) * len(_batch)] if _batch else _keep),
                             ("a float mask", _shift),
                             ("a float mask with -inf", _shift.masked_fill(~_keep[(0,) * len(_batch)] if _batch else ~_keep, float("-inf")))):
            _case = f"q {tuple(_q.shape)}, k {tuple(_k.shape)}, {_dtype}, {_kind}"
            _got = scaled_dot_product_attention(_q.clone(), _k.clone(), _v.clone(), _mask)
            assert type(_got) is torch.Tensor and _got.dtype == _dtype and _got.shape == (*_batch, _T_q, _d_v), \
                f"hidden test ({_case}): wrong type, dtype or shape"
            assert torch.allclose(_got, F.scaled_dot_product_attention(_q, _k, _v, attn_mask=_mask), atol=1e-5, rtol=1e-4), \
                f"hidden test ({_case}): wrong values"
# broadcasting batch dimensions: one key/value sequence for many queries
_q, _k, _v = torch.randn(4, 3, 5, generator=_g), torch.randn(1, 6, 5, generator=_g), torch.randn(1, 6, 2, generator=_g)
_got = scaled_dot_product_attention(_q, _k, _v)
assert type(_got) is torch.Tensor and _got.shape == (4, 3, 2), \
    "hidden test: keys and values with batch size 1 must broadcast against 4 query sequences (a (4, 3, 2) result)"
assert torch.allclose(_got, F.scaled_dot_product_attention(_q, _k, _v), atol=1e-5), \
    "hidden test: keys and values with batch size 1 must broadcast against 4 query sequences"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-sdpa-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: (..., T_q, d_v), any number of batch dimensions, the inputs' dtype.
_g = torch.Generator().manual_seed(4)
for _batch, _dtype in [((), torch.float32), ((3,), torch.float64), ((2, 2), torch.float32)]:
    _q, _k, _v = (torch.randn(*_batch, _T, _d, generator=_g, dtype=_dtype) for _T, _d in ((4, 8), (6, 8), (6, 3)))
    for _mask in (None, torch.ones(4, 6, dtype=torch.bool)):
        _out = checks.form_call("scaled_dot_product_attention", scaled_dot_product_attention, (_q, _k, _v, _mask))
        assert type(_out) is torch.Tensor, f"return a torch.Tensor, got {type(_out).__name__}"
        assert _out.shape == (*_batch, 4, 3), \
            f"for q {tuple(_q.shape)} and v {tuple(_v.shape)} expected shape {(*_batch, 4, 3)}, got {tuple(_out.shape)}"
        assert _out.dtype == _dtype, f"for {_dtype} inputs the result must be {_dtype}, got {_out.dtype}"
from course.grading import assert_own_work
assert_own_work(scaled_dot_product_attention, "scaled_dot_product_attention")

# %% [markdown]
# ## 5. Sentences of different lengths: padding
#
# To put sentences of different lengths in one batch, pad the short ones to the length `T` of the
# longest with some filler token. The filler must not be attended to: a **padding mask** is `True`
# at the real tokens of each sentence (positions `0 … length − 1`) and `False` at the padding.
#
# ### Exercise 3 — the padding mask (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `padding_mask(lengths, T)`: `lengths` is a 1-D integer tensor with the length of each of `B`
# sentences; return a `(B, T)` **boolean** tensor, `True` where position `t < lengths[b]`. For
# `lengths = tensor([3, 1])` and `T = 4`:
#
# ```
# [[ True,  True,  True, False],
#  [ True, False, False, False]]
# ```
#
# Hint: `torch.arange(T)` and a comparison with broadcasting do it in one line.

# %% nbgrader={"grade_id": "padding-mask", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def padding_mask(lengths, T):
    """(B, T) boolean: True at positions < lengths[b] (real tokens), False at the padding."""
    ### BEGIN SOLUTION
    return torch.arange(T)[None, :] < lengths[:, None]
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-padding-mask", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_padding_mask(padding_mask)  # names the mistake, if your function has a common one
m = padding_mask(torch.tensor([3, 1]), 4)
assert type(m) is torch.Tensor and m.dtype == torch.bool, f"expected a boolean tensor, got {m!r}"
assert m.tolist() == [[True, True, True, False], [True, False, False, False]], f"padding_mask([3, 1], 4) is wrong: {m}"
assert padding_mask(torch.tensor([2, 2, 0]), 2).tolist() == [[True, True], [True, True], [False, False]], \
    "padding_mask([2, 2, 0], 2): full rows, and an empty one"
from course.grading import assert_own_work
assert_own_work(padding_mask, "padding_mask")
### BEGIN HIDDEN TESTS
_g = torch.Generator().manual_seed(13)
for _ in range(30):
    _T = int(torch.randint(1, 12, (1,), generator=_g))
    _B = int(torch.randint(1, 6, (1,), generator=_g))
    _lengths = torch.randint(0, _T + 1, (_B,), generator=_g)
    _got = padding_mask(_lengths.clone(), _T)
    assert type(_got) is torch.Tensor and _got.dtype == torch.bool and _got.shape == (_B, _T), \
        f"hidden test (B={_B}, T={_T}): expected a ({_B}, {_T}) boolean tensor"
    # (the lengths themselves not in the message: the hidden inputs stay hidden)
    _empty = ", a row of length 0" if bool((_lengths == 0).any()) else ""
    assert torch.equal(_got, ref.padding_mask(_lengths, _T)), f"hidden test (B={_B}, T={_T}{_empty}): wrong mask"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-padding-mask-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a (B, T) boolean tensor.
for _lengths, _T in [(torch.tensor([3, 1]), 4), (torch.tensor([5]), 5), (torch.tensor([0, 2, 1]), 3)]:
    _m = checks.form_call("padding_mask", padding_mask, (_lengths, _T))
    assert type(_m) is torch.Tensor, f"return a torch.Tensor, got {type(_m).__name__}"
    assert _m.shape == (len(_lengths), _T), \
        f"for {len(_lengths)} lengths and T = {_T} expected shape ({len(_lengths)}, {_T}), got {tuple(_m.shape)}"
    assert _m.dtype == torch.bool, f"the mask must be boolean (dtype torch.bool), got {_m.dtype}"
from course.grading import assert_own_work
assert_own_work(padding_mask, "padding_mask")

# %% [markdown]
# With the mask, a padded batch gives each sentence exactly what it would get alone. Two sentence
# pairs: "I like traveling" attends to sentence A, and "In Lisbon" to "See you in Lisbon in July".
# We pad both sides with zero vectors, run attention once on the batch with the keys' padding mask
# broadcast over the queries (`[:, None, :]`), and compare with each pair on its own. (The rows of the
# padded *queries* are computed too, and simply ignored. Pieces of the new words that are not in our
# list of pieces are ignored as well; `See` and `you` get zero vectors.)

# %%
queries = [tokens_c, tokenizer.tokens("In Lisbon")]
keys = [tokens_a, tokenizer.tokens("See you in Lisbon in July")]


def padded(token_lists):
    """The spelling vectors of each sentence, zero-padded to the longest: (B, T, d) and the lengths."""
    T = max(len(t) for t in token_lists)
    X = torch.zeros(len(token_lists), T, d)
    for b, tokens in enumerate(token_lists):
        X[b, :len(tokens)] = spelling_vectors(tokens) * sharpen
    return X, torch.tensor([len(t) for t in token_lists])


Xq, lengths_q = padded(queries)
Xk, lengths_k = padded(keys)
key_mask = ref.padding_mask(lengths_k, Xk.shape[1])[:, None, :]  # (B, 1, T_k): the same for every query
out, batch_weights = ref.scaled_dot_product_attention(Xq, Xk, Xk, key_mask, return_weights=True)
for b in range(2):
    alone = ref.scaled_dot_product_attention(Xq[b, :lengths_q[b]], Xk[b, :lengths_k[b]], Xk[b, :lengths_k[b]])
    same = torch.allclose(out[b, :lengths_q[b]], alone, atol=1e-6)
    print(f"pair {b}: {lengths_q[b]} queries, {lengths_k[b]} of {Xk.shape[1]} keys real; batched == alone: {same}")
print("weight on padding:", batch_weights[1, :, lengths_k[1]:].sum().item())
no_mask = ref.scaled_dot_product_attention(Xq, Xk, Xk)
n_q, n_k = lengths_q[1], lengths_k[1]
alone = ref.scaled_dot_product_attention(Xq[1, :n_q], Xk[1, :n_k], Xk[1, :n_k])
print("without the mask, pair 1 batched == alone:", torch.allclose(no_mask[1, :n_q], alone, atol=1e-6))

# %% [markdown]
# ## 6. Two real sentences, one heatmap
#
# Alignment pictures get crowded; the usual view of attention is a **heatmap** of the weights, one
# row per query and one column per key. Here is sentence B attending to sentence A with the spelling
# vectors of section 1:

# %%
plot_attention(weights_ba, tokens_b, tokens_a, title="sentence B (rows) attends to sentence A (columns)")

# %% [markdown]
# Read it row by row: each row sums to 1. Tokens with a twin in A put nearly all their weight on it
# (`In` on `Ġin`: the vectors ignore case and the leading space). `Ġto` splits its weight evenly
# between A's two `Ġto`s. `Ġwent` and `Ġa` share no piece with any token of A, so their weights are
# uniform; `Ġon` leans on `ĠLisbon` for the ending `on`. A trained translation model's heatmap looks
# much like this, but its vectors are learned, so it can also align words that are spelled nothing
# alike ("went" and "travelled") and ignore accidental resemblances.
#
# ## Questions
#
# **Q1.** What is the difference between self-attention and cross-attention? Give an example of a
# model that uses each.

# %% [markdown] nbgrader={"grade_id": "q1-self-vs-cross", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# In cross-attention the queries come from one sequence and the keys and values from another, so
# each token of the first sequence gathers information from the second (`n_q × n_k` weights). In
# self-attention queries, keys and values all come from the same sequence, so its tokens exchange
# information with each other (`T × T` weights). The original Transformer for translation uses both:
# self-attention in the encoder (source sentence) and in the decoder (the translation so far), and
# cross-attention from the decoder to the encoder's output; speech recognisers and image captioners
# use cross-attention the same way. Decoder-only models such as GPT use only (causal) self-attention.
# ### END SOLUTION

# %% [markdown]
# **Q2.** Why divide the scores by `√d_k`? What would go wrong without it in a model with
# `d_k = 64`, and why did it make no difference in the token-id example?

# %% [markdown] nbgrader={"grade_id": "q2-why-scale", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# If the entries of queries and keys have variance about 1, their dot product is a sum of `d_k`
# products and has variance `d_k`: with `d_k = 64`, scores have a standard deviation of 8. The
# softmax of such scores is nearly one-hot, so each query sees only one key, and the softmax's
# gradient (which is small wherever a weight is close to 0 or 1) nearly vanishes, so training stalls.
# Dividing by `√d_k` brings the scores back to variance 1 whatever the size. In the token-id example
# the scores were of order 10^5 to 10^8 with gaps of 10^5 to 10^7: dividing by `√3 ≈ 1.7` still
# leaves gaps that make the softmax exactly one-hot. The problem there is the embedding (raw ids as
# numbers), not the scaling.
# ### END SOLUTION

# %% [markdown]
# **Q3.** In the heatmap, sentence B's `Ġto` gives exactly equal weight to the two `Ġto`s of A. Why
# can attention alone not tell them apart, and what do Transformers add so that it can?

# %% [markdown] nbgrader={"grade_id": "q3-positions", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# Attention only compares vectors, and the two `Ġto`s have identical vectors, so they get identical
# scores and weights; the weighted average also ignores the order of the keys (shuffling the keys
# and values together gives the same output). Attention is a function of a *set*. Transformers add
# information about position to each token's vector: a learned **position embedding** added to the
# token embedding (GPT-2, lesson 05), fixed sinusoids (the original Transformer), or rotations of
# queries and keys by position (RoPE). Then the two `Ġto`s differ, and a query can prefer, say, the
# nearer one.
# ### END SOLUTION
