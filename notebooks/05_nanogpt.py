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
# # Lesson 05 — nanoGPT: from a bigram model to a GPT
#
# In this lesson you build, piece by piece, a GPT: the architecture of GPT-2, the design that the
# models behind ChatGPT grew from. (ChatGPT adds what no laptop can: a model thousands of times larger,
# trained on far more text, then instruction tuning and learning from human preferences, RLHF, which
# lesson 06 places.) You train it on Shakespeare on your laptop's CPU in a few minutes. We follow the
# path of Andrej Karpathy's lecture
# *"Let's build GPT: from scratch, in code, spelled out"* and of his nanoGPT repository:
#
# 1. the data: characters, a vocabulary, a train/validation split, and batches of windows;
# 2. the **bigram model**, the simplest language model there is, trained and sampled;
# 3. the **mathematical trick** at the heart of self-attention: averaging the past with one matrix product;
# 4. **self-attention**: one head, then several;
# 5. the feed-forward layer, residual connections, LayerNorm and dropout, assembled into a
#    **transformer block**;
# 6. the full **GPT**, trained, plotted and sampled;
# 7. a race against lesson 04's LSTM, and their texts side by side.
#
# Exercises are marked **Exercise**. Write your code where it says `YOUR CODE HERE`, run the test cell
# below it, and read the self-check's message if it fails: it often names the mistake. If you are stuck,
# carry on: the rest of the lesson uses the course's reference implementations (`course.gpt`).

# %%
import course  # first, before torch: threading that copes with a shared machine (course/threads.py)
import concurrent.futures
import copy
import dataclasses
import itertools
import math
import textwrap
import time
import warnings

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F

import course.gpt as ref  # the course's reference implementations
import course.lstm as lstm_ref
from course.checks import gpt as checks
from course.data import RandomWindows, load_corpus, train_val_split
from course.plots import plot_history, plot_race
from course.train import TrainConfig, autocast, resolve_precision, scaled_iters, train

torch.set_printoptions(precision=4, sci_mode=False)
text = load_corpus("shakespeare")
print(f"{len(text):,} characters of Shakespeare's plays. Here is the middle of Hamlet:\n")
print(text[835_094:835_510])

# %% [markdown]
# ## 1. The data
#
# Our model reads and writes **characters**. Its vocabulary is every character that occurs in the
# text, and a character's id is its place in the sorted list (lesson 01's character tokenizer).

# %%
chars = sorted(set(text))
vocab_size = len(chars)
print(f"{vocab_size} characters: {''.join(chars)!r}")
stoi = {ch: i for i, ch in enumerate(chars)}  # string → integer
itos = {i: ch for i, ch in enumerate(chars)}  # integer → string


def encode(s):
    return [stoi[c] for c in s]


def decode(ids):
    return "".join(itos[i] for i in ids)


print(encode("To be, or not to be"))
print(decode(encode("To be, or not to be")))

# %% [markdown]
# The whole text becomes one long tensor of ids. The first 90% is for training; the last 10% (the
# end of *Troilus and Cressida*, *Twelfth Night*, *The Two Gentlemen of Verona* and *The Winter's
# Tale*) we keep aside to measure how well the model does on text it never trained on: the
# **validation** loss.

# %%
data = torch.tensor(encode(text), dtype=torch.long)
train_data, val_data = train_val_split(data, 0.9)
print(f"{data.dtype}, {len(train_data):,} characters to train on, {len(val_data):,} to validate")
print(data[:40])

# %% [markdown]
# A model never reads the whole text at once: it reads **windows** of `block_size` characters. One
# window holds `block_size` examples at once: from the first character predict the second, from
# the first two the third, and so on. The targets are the same window **shifted by one**.

# %%
block_size = 8
x = train_data[:block_size]
y = train_data[1:block_size + 1]
for t in range(block_size):
    context, target = x[:t + 1], y[t]
    print(f"when the input is {decode(context.tolist())!r:>12}, the target is {decode([target.item()])!r}")


# %% [markdown]
# Training uses many windows at once, a **batch**, taken at random places in the text: lesson 04's
# `shift_batch` built one from given offsets; here the offsets are drawn too. For offset `i` the input
# row is `data[i : i + block_size]` and the target row `data[i + 1 : i + block_size + 1]`, so the
# largest offset, `len(data) - block_size - 1`, still leaves room for the targets (the generator makes
# the draw reproducible):

# %%
def get_batch(data, block_size, batch_size, generator):
    """A batch of random windows of `data` and their next-token targets: a tuple (x, y), each (batch_size, block_size)."""
    ix = torch.randint(len(data) - block_size, (batch_size,), generator=generator)  # (B,) offsets
    x = torch.stack([data[i:i + block_size] for i in ix])          # (B, block_size)
    y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])  # (B, block_size): x shifted by one
    return x, y


toy_x, toy_y = get_batch(torch.arange(100), 4, 3, torch.Generator().manual_seed(0))
print("x =", toy_x, "y =", toy_y, sep="\n")

# %% [markdown]
# The course's `RandomWindows` draws batches in exactly this way (from its own seeded generator). From
# here on the lesson uses it. Each row below is one training window and its targets:

# %%
xb, yb = RandomWindows(train_data, 8, 4, generator=torch.Generator().manual_seed(1337)).sample()
for row_x, row_y in zip(xb, yb):
    print(f"input {decode(row_x.tolist())!r:>12}   targets {decode(row_y.tolist())!r:>12}")


# %% [markdown]
# ## 2. The bigram model
#
# The simplest language model predicts the next character from the current one only: a table with one
# row per character, holding the **scores** (logits) of every possible next character. After `e`, a
# space or an `r` should score high; after `q`, a `u`. Training fills in the table.
#
# The model's loss is the **cross-entropy**: minus the log of the probability it gave to the right
# next character, averaged over every position of the batch. Softmax turns a row of scores into
# probabilities; `F.cross_entropy` applies it for us, so it takes the raw scores.
#
# ### Exercise 1 — the bigram forward pass and its loss (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `bigram_forward(table, idx, targets=None)`. `table` is `(V, V)`, `idx` and `targets` are
# `(B, T)` token ids.
#
# * `logits = table[idx]`, shape `(B, T, V)`: row `idx[b, t]` of the table;
# * without targets return `(logits, None)`;
# * with targets, the loss is `F.cross_entropy`, which wants one row of scores per prediction: flatten
#   the logits to `(B*T, V)` and the targets to `(B*T,)`; return `(logits, loss)` with the logits
#   still `(B, T, V)`.
#
# With a table of zeros every character gets probability `1/V`, so the loss is `ln V`.

# %% nbgrader={"grade_id": "bigram-forward", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def bigram_forward(table, idx, targets=None):
    """Logits (B, T, V) of the bigram model with score table `table` (V, V), and the mean cross-entropy."""
    ### BEGIN SOLUTION
    logits = table[idx]  # (B, T, V)
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
    return logits, loss
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-bigram-forward", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_bigram_forward(bigram_forward)  # names the mistake, if your function has a common one
uniform_logits, uniform_loss = bigram_forward(torch.zeros(vocab_size, vocab_size), xb, yb)
assert uniform_logits.shape == (4, 8, vocab_size), "logits must be (B, T, V)"
assert abs(uniform_loss.item() - math.log(vocab_size)) < 1e-5, "an all-zero table gives the loss ln(V)"
assert bigram_forward(torch.zeros(vocab_size, vocab_size), xb)[1] is None, "without targets the loss is None"
from course.grading import assert_own_work
assert_own_work(bigram_forward, "bigram_forward")
### BEGIN HIDDEN TESTS
_g = torch.Generator().manual_seed(56)
for _k in range(20):
    _V = int(torch.randint(2, 90, (1,), generator=_g))
    _B, _T = (int(v) for v in torch.randint(1, 9, (2,), generator=_g))
    _case = f"V={_V}, B={_B}, T={_T}"
    _table = (3 * torch.randn(_V, _V, generator=_g)).requires_grad_()
    _idx = torch.randint(0, _V, (_B, _T), generator=_g)
    _tg = torch.randint(0, _V, (_B, _T), generator=_g)
    _got = bigram_forward(_table, _idx, _tg)
    _want = ref.bigram_forward(_table, _idx, _tg)
    assert type(_got) is tuple and len(_got) == 2, f"hidden test ({_case}): return the tuple (logits, loss)"
    assert type(_got[0]) is torch.Tensor and _got[0].shape == (_B, _T, _V) and _got[0].dtype == torch.float32, \
        f"hidden test ({_case}): the logits must be a ({_B}, {_T}, {_V}) float32 tensor"
    assert type(_got[1]) is torch.Tensor and _got[1].dim() == 0, f"hidden test ({_case}): the loss must be a scalar tensor"
    assert torch.allclose(_got[0], _want[0]), f"hidden test ({_case}): wrong logits"
    assert torch.allclose(_got[1], _want[1], atol=1e-5, rtol=1e-4), f"hidden test ({_case}): wrong loss"
    assert _got[1].requires_grad, f"hidden test ({_case}): the loss is cut off from the table's graph"
    _grad, = torch.autograd.grad(_got[1], _table)
    _want_grad, = torch.autograd.grad(_want[1], _table)
    assert torch.allclose(_grad, _want_grad, atol=1e-6), f"hidden test ({_case}): the loss does not train the table correctly"
    _none = bigram_forward(_table, _idx)
    assert type(_none) is tuple and len(_none) == 2 and _none[1] is None, \
        f"hidden test ({_case}): without targets return (logits, None)"
    assert type(_none[0]) is torch.Tensor and _none[0].shape == (_B, _T, _V), \
        f"hidden test ({_case}): without targets the logits must be a ({_B}, {_T}, {_V}) tensor"
    assert torch.allclose(_none[0], _want[0]), f"hidden test ({_case}): wrong logits without targets"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-bigram-forward-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: (logits (B, T, V) float32, a scalar loss), or (logits, None) without targets.
checks.check_bigram_forward_form(bigram_forward)  # says what is wrong with the form, if anything
_form_table = torch.randn(5, 5)
_form_idx = torch.randint(0, 5, (3, 4))
_form_out = checks.form_call("bigram_forward", bigram_forward, (_form_table, _form_idx, torch.randint(0, 5, (3, 4))))
assert type(_form_out) is tuple and len(_form_out) == 2, f"return the tuple (logits, loss), got {checks.describe(_form_out)}"
assert type(_form_out[0]) is torch.Tensor and _form_out[0].shape == (3, 4, 5), f"the logits must be (B, T, V) = (3, 4, 5), got {checks.describe(_form_out[0])}"
assert type(_form_out[1]) is torch.Tensor and _form_out[1].dim() == 0, f"the loss must be a scalar tensor, got {checks.describe(_form_out[1])}"
_form_out = checks.form_call("bigram_forward", bigram_forward, (_form_table, _form_idx))
assert type(_form_out) is tuple and _form_out[1] is None, "without targets return (logits, None)"
from course.grading import assert_own_work
assert_own_work(bigram_forward, "bigram_forward")

# %% [markdown]
# The course's `BigramLanguageModel` holds the table as an `nn.Embedding(V, V)` and calls
# `bigram_forward`. Before training, its random table gives a loss near `ln V`, and its text is noise:

# %%
torch.manual_seed(1337)
bigram = ref.BigramLanguageModel(vocab_size)
_, loss = bigram(xb, yb)
print(f"loss {loss.item():.2f}; guessing uniformly gives ln({vocab_size}) = {math.log(vocab_size):.2f}")

# %% tags=["nbval-ignore-output"]
newline = torch.tensor([encode("\n")])  # (1, 1): every sample starts from a newline
print(decode(bigram.generate(newline, 200, generator=torch.Generator().manual_seed(0))[0].tolist()))

# %% [markdown]
# Training it is the loop every model of the course uses (`course.train.train`): draw a batch,
# compute the loss, backpropagate, let the AdamW optimizer update the table. The bar shows the loss
# on the latest batch and the validation loss, estimated every few hundred iterations.

# %% tags=["nbval-ignore-output"]
bigram_batches = {"train": RandomWindows(train_data, 8, 32, seed=1), "val": RandomWindows(val_data, 8, 32, seed=2)}
bigram_cfg = TrainConfig(max_iters=2000, learning_rate=1e-2, warmup_iters=0, weight_decay=0.0,
                         eval_interval=250, eval_iters=50).scaled()
bigram_history = train(bigram, lambda split: bigram_batches[split].sample(), bigram_cfg)
print(bigram_history)
plot_history(bigram_history, title=f"bigram model: validation loss {bigram_history.val_loss[-1]:.2f}")

# %% tags=["nbval-ignore-output"]
print(decode(bigram.generate(newline, 300, generator=torch.Generator().manual_seed(0))[0].tolist()))

# %% [markdown]
# Better than noise: word-sized chunks, capitals after newlines, names followed by a period. But it is
# still gibberish, because each character only sees the one before it. The loss stalls near 2.5. To
# do better the characters must **talk to each other**: each position must gather information from
# the ones before it (never from the ones after it: those are what it must predict).
#
# ## 3. The mathematical trick: averaging the past
#
# The simplest way to gather the past: position `t` takes the **average** of the vectors at positions
# `0..t`. With a loop it is slow; with a matrix it is one product. Take a lower-triangular matrix of
# ones and normalise each row to sum to 1; then row `t` of `weights @ x` is the mean of rows `0..t` of
# `x`:

# %%
weights = torch.tril(torch.ones(3, 3))
weights = weights / weights.sum(dim=1, keepdim=True)
values = torch.tensor([[2.0, 7.0], [6.0, 4.0], [6.0, 5.0]])
print("weights =", weights, "values =", values, "weights @ values =", weights @ values, sep="\n")

# %% [markdown]
# A third way gives the same weights and shows where attention comes from: start from **scores** of
# zero, set the future's scores to `-inf`, and take the softmax of each row. `exp(-inf) = 0`, so the
# future gets weight 0 and the past shares the rest equally. In self-attention the scores will not be
# zero: they will be computed from the data, so that each position can decide how much each past
# position matters to it.

# %%
torch.manual_seed(1337)
B, T, C = 4, 8, 2
x = torch.randn(B, T, C)

xbow = torch.zeros(B, T, C)  # version 1: loops ("bag of words": an average, order ignored)
for b in range(B):
    for t in range(T):
        xbow[b, t] = x[b, :t + 1].mean(dim=0)

weights = torch.tril(torch.ones(T, T))  # version 2: normalised lower triangle
weights = weights / weights.sum(dim=1, keepdim=True)
xbow2 = weights @ x  # (T, T) @ (B, T, C) → (B, T, C): the product broadcasts over the batch

tril = torch.tril(torch.ones(T, T))  # version 3: masked scores and softmax
scores = torch.zeros(T, T).masked_fill(tril == 0, float("-inf"))
weights = F.softmax(scores, dim=-1)
xbow3 = weights @ x
print("the three versions agree:", torch.allclose(xbow, xbow2, atol=1e-6), torch.allclose(xbow, xbow3, atol=1e-6))
print(weights)


# %% [markdown]
# ### Exercise 2 — the causal average (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `causal_average(x)` for `x` of shape `(B, T, C)`: return `(B, T, C)` where position `t` holds
# the mean of positions `0..t`. Use version 3: scores of zero, the future masked with `-inf` (the mask
# is `torch.tril`), a softmax over each row, and one matrix product.

# %% nbgrader={"grade_id": "causal-average", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def causal_average(x):
    """For x (B, T, C): position t of the result is the mean of positions 0..t of x."""
    ### BEGIN SOLUTION
    T = x.shape[1]
    tril = torch.tril(torch.ones(T, T))
    scores = torch.zeros(T, T).masked_fill(tril == 0, float("-inf"))
    return F.softmax(scores, dim=-1) @ x
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-causal-average", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_causal_average(causal_average)  # names the mistake, if your function has a common one
averaged = causal_average(x)
assert averaged.shape == (B, T, C), f"expected shape {(B, T, C)}, got {tuple(averaged.shape)}"
assert torch.allclose(averaged, xbow, atol=1e-6), "position t must be the mean of positions 0..t"
assert torch.allclose(causal_average(torch.ones(1, 5, 3)), torch.ones(1, 5, 3)), "the mean of ones is one"
from course.grading import assert_own_work
assert_own_work(causal_average, "causal_average")
### BEGIN HIDDEN TESTS
_g = torch.Generator().manual_seed(57)
for _k in range(20):
    _B, _T, _C = (int(v) for v in torch.randint(1, 12, (3,), generator=_g))
    _x = torch.randn(_B, _T, _C, generator=_g)
    _got = causal_average(_x.clone())
    assert type(_got) is torch.Tensor and _got.shape == (_B, _T, _C) and _got.dtype == torch.float32, \
        f"hidden test (B={_B}, T={_T}, C={_C}): expected a ({_B}, {_T}, {_C}) float32 tensor"
    assert torch.allclose(_got, _x.cumsum(1) / torch.arange(1, _T + 1).view(1, _T, 1), atol=1e-5), \
        f"hidden test (B={_B}, T={_T}, C={_C}): position t must be the mean of positions 0..t"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-causal-average-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a float32 tensor of x's shape (B, T, C).
for _form_shape in [(2, 5, 3), (1, 1, 4)]:
    _form_out = checks.form_call("causal_average", causal_average, (torch.randn(*_form_shape),))
    assert type(_form_out) is torch.Tensor and _form_out.shape == _form_shape and _form_out.dtype == torch.float32, \
        f"for x of shape {_form_shape} return a float32 tensor of that shape, got {checks.describe(_form_out)}"
from course.grading import assert_own_work
assert_own_work(causal_average, "causal_average")

# %% [markdown]
# ## 4. Self-attention
#
# An average treats every past position alike. **Self-attention** lets each position choose. Every
# position emits three vectors, computed from its own content by three linear layers:
#
# * a **query**: what am I looking for?
# * a **key**: what do I contain?
# * a **value**: what do I pass on if I am chosen?
#
# The score between position `t` and an earlier position `s` is the dot product `query_t · key_s`:
# large when what `t` looks for matches what `s` contains. Then, exactly as above: mask the future,
# softmax each row, and take the weighted average of the **values**. Here is one head on random input:

# %%
torch.manual_seed(1337)
B, T, C = 4, 8, 32
x = torch.randn(B, T, C)
head_size = 16
key = nn.Linear(C, head_size, bias=False)
query = nn.Linear(C, head_size, bias=False)
value = nn.Linear(C, head_size, bias=False)
k, q = key(x), query(x)  # (B, T, 16) each
scores = q @ k.transpose(-2, -1) * head_size ** -0.5  # (B, T, 16) @ (B, 16, T) → (B, T, T)
scores = scores.masked_fill(tril == 0, float("-inf"))
attention = F.softmax(scores, dim=-1)
out = attention @ value(x)  # (B, T, T) @ (B, T, 16) → (B, T, 16)
print(out.shape)

fig, axes = plt.subplots(1, 2, figsize=(8, 3.4))
for ax, w, title in ((axes[0], weights, "averaging: equal weights"), (axes[1], attention[0].detach(), "one head (untrained): weights from the data")):
    image = ax.imshow(w, cmap="Blues", vmin=0, vmax=1)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("position attended to (key)")
    ax.set_ylabel("position attending (query)")
fig.colorbar(image, ax=axes, shrink=0.8)
plt.show()

# %% [markdown]
# A few notes, as Karpathy gives them:
#
# * Attention is a **communication** mechanism between positions; it has no notion of order. That is
#   why the GPT adds a **position embedding** to each token's embedding.
# * The examples of a batch never talk to each other: the `(T, T)` weights are per sequence.
# * The triangular mask makes this a **decoder** block, for predicting text. An encoder (for example
#   for sentiment analysis) lets every position see every other one: no mask.
# * "Self" attention: queries, keys and values all come from the same `x`. In **cross**-attention
#   (lesson 02) the keys and values come from another sequence.
# * The scores are divided by `√head_size`. Without it, the dot products of unit-variance vectors have
#   variance `head_size`, and the softmax of large scores is nearly one-hot: each position would
#   listen to one other position only, from the very start of training.

# %%
torch.manual_seed(1337)
q, k = torch.randn(B, T, head_size), torch.randn(B, T, head_size)
print(f"variance of q·k: {(q @ k.transpose(-2, -1)).var():.1f}; "
      f"divided by √{head_size}: {(q @ k.transpose(-2, -1) * head_size ** -0.5).var():.1f}")
row = torch.tensor([0.1, -0.2, 0.3, -0.2, 0.5])
print("softmax of a row of scores:  ", F.softmax(row, dim=-1))
print("the same scores, 8 times as large:", F.softmax(8 * row, dim=-1))


# %% [markdown]
# As modules: one `Head`, and `MultiHeadAttention` running several heads side by side (each with its
# own smaller `head_size`, so that together they have as many channels as the input) and mixing
# their outputs with one more linear layer, the **projection**. Several heads can look for several
# things at once: one for the previous vowel, one for the start of the word, …

# %%
class Head(nn.Module):
    """One head of causal self-attention."""

    def __init__(self, n_embd, head_size, block_size):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer("tril", torch.tril(torch.ones(block_size, block_size)))

    def forward(self, x):
        B, T, C = x.shape
        k, q = self.key(x), self.query(x)                          # (B, T, hs)
        scores = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5     # (B, T, T)
        scores = scores.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
        return F.softmax(scores, dim=-1) @ self.value(x)           # (B, T, hs)


class MultiHeadAttention(nn.Module):
    """n_head heads in parallel; their outputs side by side, then a projection."""

    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.heads = nn.ModuleList([Head(n_embd, n_embd // n_head, block_size) for _ in range(n_head)])
        self.proj = nn.Linear(n_embd, n_embd, bias=False)

    def forward(self, x):
        return self.proj(torch.cat([head(x) for head in self.heads], dim=-1))  # (B, T, C)


# %% [markdown]
# The GPT does exactly this, faster: `course.attention.CausalSelfAttention` computes the queries, keys
# and values of **all** heads with one linear layer (`c_attn`, `C → 3C`) and runs the heads as one
# batched product (PyTorch's fused `scaled_dot_product_attention`). Give our modules its weights and
# they compute the same function:

# %%
tiny = ref.GPTConfig(vocab_size=vocab_size, block_size=8, n_layer=1, n_head=4, n_embd=32, bias=False)
torch.manual_seed(0)
fused = ref.CausalSelfAttention(tiny)
mha = MultiHeadAttention(32, 4, 8)
W_q, W_k, W_v = fused.c_attn.weight.split(32, dim=0)  # (C, C) each; head h owns rows h*hs … (h+1)*hs
with torch.no_grad():
    for h, head in enumerate(mha.heads):
        rows = slice(h * 8, (h + 1) * 8)
        head.query.weight.copy_(W_q[rows])
        head.key.weight.copy_(W_k[rows])
        head.value.weight.copy_(W_v[rows])
    mha.proj.weight.copy_(fused.c_proj.weight)
x = torch.randn(2, 8, 32)
print("same outputs:", torch.allclose(mha(x), fused(x), atol=1e-6))

# %% [markdown]
# ## 5. The transformer block
#
# Attention lets positions gather information; then each position needs to **think** about what it
# gathered, on its own. That is the **feed-forward** network (`course.gpt.MLP`): a linear layer to 4×
# the width, a GELU non-linearity, and a linear layer back. A **block** is attention (communication)
# followed by the MLP (computation); a GPT stacks several blocks. Three more ingredients make a deep
# stack trainable:
#
# * **Residual connections.** Each sublayer *adds* its output to its input: `x = x + attn(…)`. The sum
#   passes gradients straight through to the early layers, and at initialisation every block starts
#   close to doing nothing, then learns what to add.
# * **LayerNorm.** Normalises each position's vector to mean 0 and variance 1 (then scales and shifts
#   it with learned gains), which keeps activations in a good range. GPT-2 applies it **before** each
#   sublayer ("pre-norm"), not after the sum as the original Transformer did.
# * **Dropout.** While training, zeroes a random fraction of activations (and scales up the rest), so
#   the network cannot rely on any single path: a regulariser against overfitting. Off at evaluation.

# %%
torch.manual_seed(0)
rows = 3 * torch.randn(4, 100) + 5  # four vectors, far from mean 0 and variance 1
layer_norm = nn.LayerNorm(100)
normed = layer_norm(rows).detach()
print("means before:", rows.mean(dim=1), "after:", normed.mean(dim=1).abs().max().item() < 1e-6)
print("std before:  ", rows.std(dim=1, unbiased=False), "after:", normed.std(dim=1, unbiased=False))
by_hand = (rows - rows.mean(1, keepdim=True)) / torch.sqrt(rows.var(1, keepdim=True, unbiased=False) + 1e-5)
print("LayerNorm by hand equals nn.LayerNorm:", torch.allclose(by_hand, normed, atol=1e-5))

dropout = nn.Dropout(p=0.5)
print("dropout while training:", dropout(torch.ones(10)))
print("dropout at evaluation: ", dropout.eval()(torch.ones(10)))


# %% [markdown]
# ### Exercise 3 — a transformer block's forward pass (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `block_forward(x, ln_1, attn, ln_2, mlp)`: the forward pass of one pre-LayerNorm block, as
# in GPT-2 and nanoGPT. The four modules are given (two `nn.LayerNorm`s, a `CausalSelfAttention`, an
# `MLP`); each maps `(B, T, C)` to `(B, T, C)`.
#
# ```
# x = x + attn(ln_1(x))    # communicate
# x = x + mlp(ln_2(x))     # compute
# ```

# %% nbgrader={"grade_id": "block-forward", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def block_forward(x, ln_1, attn, ln_2, mlp):
    """One pre-LayerNorm transformer block: attention then MLP, each inside a residual connection."""
    ### BEGIN SOLUTION
    x = x + attn(ln_1(x))
    x = x + mlp(ln_2(x))
    return x
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-block-forward", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_block_forward(block_forward)  # names the mistake, if your function has a common one
torch.manual_seed(0)
small = ref.GPTConfig(vocab_size=vocab_size, block_size=8, n_layer=1, n_head=2, n_embd=16)
block = ref.Block(small).eval()
x_in = torch.randn(2, 8, 16)
with torch.no_grad():
    x_out = block_forward(x_in, block.ln_1, block.attn, block.ln_2, block.mlp)
    assert x_out.shape == (2, 8, 16), f"expected shape (2, 8, 16), got {tuple(x_out.shape)}"
    assert torch.allclose(x_out, block(x_in), atol=1e-6), "x + attn(ln_1(x)), then x + mlp(ln_2(x))"
from course.grading import assert_own_work
assert_own_work(block_forward, "block_forward")
### BEGIN HIDDEN TESTS
for _k in range(8):
    torch.manual_seed(600 + _k)
    _nh = [1, 2, 4][_k % 3]
    _cfg = ref.GPTConfig(vocab_size=11, block_size=12, n_layer=2, n_head=_nh, n_embd=8 * _nh, bias=_k % 2 == 0)
    _block = ref.Block(_cfg).eval()
    with torch.no_grad():
        for _p in _block.parameters():
            _p.normal_(0, 0.4)
        _x = torch.randn(3, 1 + _k, 8 * _nh)
        _got = block_forward(_x.clone(), _block.ln_1, _block.attn, _block.ln_2, _block.mlp)
        assert type(_got) is torch.Tensor and _got.shape == _x.shape and _got.dtype == torch.float32, \
            f"hidden test (x of shape {tuple(_x.shape)}): expected a float32 tensor of x's shape"
        assert torch.allclose(_got, _block(_x), atol=1e-5, rtol=1e-4), f"hidden test (x of shape {tuple(_x.shape)}): wrong values"
_block.train()
_x = torch.randn(2, 5, 8 * _nh, requires_grad=True)
_got = block_forward(_x, _block.ln_1, _block.attn, _block.ln_2, _block.mlp)
_got.sum().backward()
assert _x.grad is not None and torch.allclose(_x.grad, torch.autograd.grad(_block(_x).sum(), _x)[0], atol=1e-5), \
    "hidden test: the gradient with respect to x differs from the block's"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-block-forward-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a float32 tensor of x's shape (B, T, C).
_form_cfg = ref.GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=2, n_embd=8)
_form_block = ref.Block(_form_cfg).eval()
with torch.no_grad():
    _form_out = checks.form_call("block_forward", block_forward, (torch.randn(3, 6, 8), _form_block.ln_1, _form_block.attn,
                                                                  _form_block.ln_2, _form_block.mlp))
assert type(_form_out) is torch.Tensor and _form_out.shape == (3, 6, 8) and _form_out.dtype == torch.float32, \
    f"for x of shape (3, 6, 8) return a float32 tensor of that shape, got {checks.describe(_form_out)}"
from course.grading import assert_own_work
assert_own_work(block_forward, "block_forward")

# %% [markdown]
# With your function, a block built from the course's modules computes the same as `course.gpt.Block`
# (this cell uses your `block_forward`):

# %% tags=["raises-exception"]
torch.manual_seed(1)
demo_block = ref.Block(ref.GPTConfig(vocab_size=vocab_size, block_size=8, n_layer=1, n_head=2, n_embd=16)).eval()
demo_x = torch.randn(1, 8, 16)
with torch.no_grad():
    mine = block_forward(demo_x, demo_block.ln_1, demo_block.attn, demo_block.ln_2, demo_block.mlp)
print("your block_forward equals course.gpt.Block:", torch.allclose(mine, demo_block(demo_x), atol=1e-6))

# %% [markdown]
# ## 6. The GPT
#
# `course.gpt.GPT` is nanoGPT's model, the same architecture as GPT-2:
#
# ```
# ids (B, T) ─► token embedding + position embedding ─► dropout ─► n_layer × Block ─► LayerNorm ─► linear ─► logits (B, T, V)
# ```
#
# The last linear layer shares its weights with the token embedding (**weight tying**: the same
# matrix reads characters in and scores them out). The lesson's model has 4 blocks of 4 heads and
# 128 channels, and reads 64 characters of context:

# %%
block_size, batch_size = ref.LESSON_BATCH["block_size"], ref.LESSON_BATCH["batch_size"]
gpt_config = ref.GPTConfig(vocab_size=vocab_size, block_size=block_size, **ref.LESSON_CONFIG)
torch.manual_seed(1337)
model = ref.GPT(gpt_config)
print(gpt_config)
print(f"{model.num_params():,} parameters")
gpt_batches = {"train": RandomWindows(train_data, block_size, batch_size, seed=1),
               "val": RandomWindows(val_data, block_size, batch_size, seed=2)}


def get_gpt_batch(split):
    return gpt_batches[split].sample()


# %% [markdown]
# ### Exercise 4 — the GPT's forward pass (2 points: one for a result of the right type and shape, one for the right values)
#
# You have built every piece; now put the whole model together. Write `gpt_forward(model, idx)`: the
# logits of a `course.gpt.GPT` for the token ids `idx` of shape `(B, T)`, computed from the model's
# parts (the names are GPT-2's, as in the diagram above):
#
# * the token embeddings `model.transformer.wte(idx)`, `(B, T, C)`, plus the embeddings of the
#   positions `pos = torch.arange(T)`, `model.transformer.wpe(pos)` of shape `(T, C)` (the sum
#   broadcasts over the batch);
# * `model.transformer.drop` on that sum (dropout: it does nothing at evaluation, but training uses it);
# * every block of `model.transformer.h`, in order, each reading the previous one's output: `x = block(x)`;
# * the final LayerNorm `model.transformer.ln_f`, then the head `model.lm_head`: logits `(B, T, V)`.
#   (The head's weight is the token embedding's: weight tying.)
#
# Return the logits only, no loss. Don't call `model(idx)`: the point is to write what it does.

# %% nbgrader={"grade_id": "gpt-forward", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def gpt_forward(model, idx):
    """The logits (B, T, V) of the GPT `model` for token ids `idx` (B, T), from its embeddings, blocks and head."""
    ### BEGIN SOLUTION
    B, T = idx.shape
    pos = torch.arange(T, device=idx.device)  # (T,)
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))  # (B, T, C)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))  # (B, T, V)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-gpt-forward", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_gpt_forward(gpt_forward)  # names the mistake, if your function has a common one
torch.manual_seed(0)
small_gpt = ref.GPT(ref.GPTConfig(vocab_size=vocab_size, block_size=8, n_layer=2, n_head=2, n_embd=16, dropout=0.1))
small_gpt.eval()
with torch.no_grad():
    small_logits = gpt_forward(small_gpt, xb)  # xb: the (4, 8) batch of section 1
    assert type(small_logits) is torch.Tensor and small_logits.shape == (4, 8, vocab_size), \
        f"the logits must be a (B, T, V) = (4, 8, {vocab_size}) tensor, got {getattr(small_logits, 'shape', small_logits)}"
    assert torch.allclose(small_logits, small_gpt(xb)[0], atol=1e-5), \
        "the logits differ from course.gpt.GPT's: token + position embeddings, the blocks in order, ln_f, lm_head"
    assert torch.allclose(gpt_forward(small_gpt, xb[:, :3]), small_gpt(xb[:, :3])[0], atol=1e-5), \
        "for a window of T = 3 < block_size, add the embeddings of positions 0, 1, 2"
small_gpt.train()  # dropout on: your function must draw the same random masks as the model, in the same order
torch.manual_seed(1)
train_logits = gpt_forward(small_gpt, xb)
torch.manual_seed(1)
assert torch.allclose(train_logits, small_gpt(xb)[0], atol=1e-5), \
    "in training mode the logits differ: apply model.transformer.drop once, to the sum of the embeddings, before the blocks"
assert train_logits.requires_grad, "the logits must stay connected to the weights (no torch.no_grad(), .detach() or .item()), or training learns nothing"
from course.grading import assert_own_work
assert_own_work(gpt_forward, "gpt_forward")
### BEGIN HIDDEN TESTS
for _k in range(8):
    torch.manual_seed(800 + _k)
    _nh = [1, 2, 4][_k % 3]
    _cfg = ref.GPTConfig(vocab_size=13 + _k, block_size=10, n_layer=1 + _k % 3, n_head=_nh, n_embd=8 * _nh,
                         bias=_k % 2 == 0, dropout=0.1)
    _gpt = ref.GPT(_cfg)
    with torch.no_grad():
        for _p in _gpt.parameters():
            _p.normal_(0, 0.4)
    _idx = torch.randint(0, _cfg.vocab_size, (1 + _k % 3, 1 + _k), generator=torch.Generator().manual_seed(_k))
    _case = f"{_cfg.n_layer} blocks of {_nh} heads, idx of shape {tuple(_idx.shape)}"
    _gpt.eval()
    with torch.no_grad():
        _got = gpt_forward(_gpt, _idx.clone())
        assert type(_got) is torch.Tensor and _got.dtype == torch.float32 and _got.shape == (*_idx.shape, _cfg.vocab_size), \
            f"hidden test ({_case}): expected a float32 tensor of shape {(*_idx.shape, _cfg.vocab_size)}"
        assert torch.allclose(_got, _gpt(_idx)[0], atol=1e-4, rtol=1e-4), f"hidden test ({_case}): wrong logits"
    _gpt.train()
    torch.manual_seed(_k)
    _got = gpt_forward(_gpt, _idx.clone())
    torch.manual_seed(_k)
    _want = _gpt(_idx)[0]
    assert type(_got) is torch.Tensor and _got.shape == _want.shape, \
        f"hidden test ({_case}, training mode): expected a tensor of shape {tuple(_want.shape)}"
    assert torch.allclose(_got, _want, atol=1e-4, rtol=1e-4), f"hidden test ({_case}, training mode): wrong logits (dropout?)"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-gpt-forward-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a float32 tensor of shape (B, T, V), the logits of every position.
_form_gpt = ref.GPT(ref.GPTConfig(vocab_size=7, block_size=6, n_layer=1, n_head=2, n_embd=8)).eval()
for _form_shape in [(2, 6), (1, 1)]:
    with torch.no_grad():
        _form_out = checks.form_call("gpt_forward", gpt_forward, (_form_gpt, torch.zeros(_form_shape, dtype=torch.long)))
    assert type(_form_out) is torch.Tensor and _form_out.shape == (*_form_shape, 7) and _form_out.dtype == torch.float32, \
        f"for idx of shape {_form_shape} return a float32 tensor of shape {(*_form_shape, 7)}, got {checks.describe(_form_out)}"
from course.grading import assert_own_work
assert_own_work(gpt_forward, "gpt_forward")

# %% [markdown]
# With your function, the lesson's GPT (untrained, so the scores are near uniform) gives the same logits
# as the course's (this cell uses your `gpt_forward`):

# %% tags=["raises-exception"]
with torch.no_grad():
    mine = gpt_forward(model.eval(), xb)
    print("your gpt_forward equals course.gpt.GPT:", torch.allclose(mine, model(xb)[0], atol=1e-5))
model.train()


# %% [markdown]
# Section 7 races this GPT against lesson 04's LSTM, which must train for as many iterations, on the
# same windows. Rather than wait for the two trainings one after the other, we start the LSTM's now,
# in a second thread, and train the GPT in this one: PyTorch's kernels let go of Python's lock while
# they compute, so on two cores the two trainings run side by side, each on one core
# (`torch.set_num_threads(1)`: models this small gain little from a second thread). Each model's
# numbers are exactly what it would get alone: nothing random is drawn during training but the
# windows, and each model has its own window generator. Section 7 collects the LSTM's result.

# %% tags=["nbval-ignore-output"]
gpt_cfg = ref.LESSON_TRAIN.scaled()  # shorter under COURSE_FAST=1
lstm_batches = {"train": RandomWindows(train_data, lstm_ref.LESSON_BATCH["block_size"],
                                       lstm_ref.LESSON_BATCH["batch_size"], seed=1),
                "val": RandomWindows(val_data, lstm_ref.LESSON_BATCH["block_size"],
                                     lstm_ref.LESSON_BATCH["batch_size"], seed=2)}


def get_lstm_batch(split):
    return lstm_batches[split].sample()


torch.manual_seed(1337)
lstm = lstm_ref.CharLSTM(lstm_ref.CharLSTMConfig(vocab_size=vocab_size, **lstm_ref.LESSON_CONFIG))
lstm_cfg = dataclasses.replace(lstm_ref.LESSON_TRAIN, max_iters=gpt_cfg.max_iters, eval_interval=gpt_cfg.eval_interval,
                               eval_iters=gpt_cfg.eval_iters, precision=resolve_precision(gpt_cfg.precision, "cpu"),
                               warmup_iters=min(lstm_ref.LESSON_TRAIN.warmup_iters, gpt_cfg.max_iters // 10),
                               progress=False)  # one progress bar (the GPT's) is enough
threads = torch.get_num_threads()  # restored in section 7
torch.set_num_threads(1)
race = concurrent.futures.ThreadPoolExecutor(max_workers=1).submit(train, lstm, get_lstm_batch, lstm_cfg)
print(f"The LSTM is training in the background: {lstm_cfg.max_iters:,} iterations")

# %% [markdown]
# Training uses nanoGPT's recipe: AdamW with weight decay on the weight matrices, the learning rate
# warmed up linearly and then decayed along a cosine, gradients clipped to norm 1. On processors that
# compute in **bfloat16** natively (recent AMD and Intel server CPUs, for example), the matrix
# products run in bfloat16 under `torch.autocast`, which is several times faster; elsewhere
# everything stays float32 (`TrainConfig.precision="auto"`). The recipe's numbers (`ref.LESSON_TRAIN`,
# printed first) were tuned for a 2-core CPU: 3,500 iterations of 32 windows of 64 characters, about
# 1.7 times through the training text, at a learning rate of 0.003 decayed to 0.0003. Samples are printed
# as training goes: watch the text take shape. (This is the long cell: a few minutes on a laptop; the
# table after it says how long it took.)

# %% tags=["nbval-ignore-output"]
print(gpt_cfg)  # (the LSTM trains beside it, on the other core)
show_at = {0, gpt_cfg.max_iters // 4, gpt_cfg.max_iters // 2, gpt_cfg.max_iters}


def show_sample(it, model, history):
    if it in show_at:
        with warnings.catch_warnings():  # 150 characters > block_size: the window slides (see below)
            warnings.simplefilter("ignore")
            ids = model.generate(newline, 150, temperature=0.8, crop=True,
                                 generator=torch.Generator().manual_seed(it))
        print(f"--- iteration {it}, validation loss {history.val_loss[-1]:.3f} ---")
        print(decode(ids[0].tolist()).strip() + "\n")


gpt_history = train(model, get_gpt_batch, gpt_cfg, callback=show_sample)
print(gpt_history, f"in {gpt_history.precision}")

# %% [markdown]
# How fast did it learn? The validation loss at every evaluation, against the time so far: the
# training time counts only the training steps; the wall time is what a clock on the wall shows since
# the cell began, the evaluations and samples before that point included:

# %% tags=["nbval-ignore-output"]
print("| iteration | training time (s) | wall time (s) | validation loss |")
print("|---:|---:|---:|---:|")
for it, seconds, wall, val in zip(gpt_history.iters, gpt_history.elapsed, gpt_history.wall, gpt_history.val_loss):
    print(f"| {it:,} | {seconds:.0f} | {wall:.0f} | {val:.3f} |")
reached = [(it, seconds, wall) for it, seconds, wall, val in
           zip(gpt_history.iters, gpt_history.elapsed, gpt_history.wall, gpt_history.val_loss) if val <= 1.55]
print(f"\nValidation loss {gpt_history.val_loss[-1]:.3f} after {gpt_history.elapsed[-1]:.0f} s of training "
      f"({gpt_history.seconds:.0f} s with the evaluations and samples), {gpt_history.precision}, "
      f"{torch.get_num_threads()} thread{'s' if torch.get_num_threads() > 1 else ''}.")
print(f"At or below 1.55 from iteration {reached[0][0]:,} on, after {reached[0][1]:.0f} s of training "
      f"({reached[0][2]:.0f} s of wall time)." if reached
      else "The validation loss did not reach 1.55" + (
          f" (under COURSE_FAST=1 the training is {ref.LESSON_TRAIN.max_iters // gpt_cfg.max_iters} times shorter)."
          if gpt_cfg.max_iters < ref.LESSON_TRAIN.max_iters else "."))
plot_history(gpt_history, title=f"GPT: validation loss {gpt_history.val_loss[-1]:.3f}")

# %% [markdown]
# Now a longer text. `generate` feeds each new character back in. It keeps a **KV cache**: the keys and
# values of the characters already read are stored, so each step computes only the new character's
# (the keys and values of the past never change, thanks to the mask). Without it, every step would
# run the whole text through the model again. The model sees at most `block_size` characters, so for
# a text longer than that we slide the window along (`crop=True`), and the cache cannot be reused.

# %% tags=["nbval-ignore-output"]
ids = model.generate(newline, 600, temperature=0.8, crop=True, generator=torch.Generator().manual_seed(7))
print(decode(ids[0].tolist()))

# %% tags=["nbval-ignore-output"]
for use_cache in (False, True):
    start = time.perf_counter()
    model.generate(newline, block_size - 1, greedy=True, use_cache=use_cache)
    seconds = time.perf_counter() - start
    print(f"{block_size - 1} characters {'with' if use_cache else 'without'} the KV cache: "
          f"{(block_size - 1) / seconds:,.0f} characters/s")

# %% [markdown]
# With a context of only 64 characters the saving is modest; it grows with the length of the text,
# because without the cache step `n` costs `n` positions' work, with it one. `benchmarks/bench_gpt.py`
# measures it at 100 and 500 new tokens.

# %% [markdown]
# ## 7. GPT against LSTM
#
# Lesson 04 trained an LSTM on the same text. Which of the two learns more from the same text, and
# which costs more to train? A fair race gives both the same terms. The LSTM, with lesson 04's sizes
# and learning rate, trains for as many iterations as the GPT did, on the very same windows (32
# windows of 64 characters at each iteration, drawn from the same seed), in the same precision, with
# its own short warm-up and then a cosine decay over the same iterations; its validation loss is
# estimated at the same iterations, on the same validation windows.
#
# The wall clock makes a poor referee: on a shared machine it also counts the seconds a neighbour's
# program held the core. So the race compares the losses at **equal iterations**, which come out the
# same however busy the machine is, and measures the **cost** of a training step apart, as CPU time
# (`time.process_time`: the processor time this process used, not the time that passed), with one
# thread for every model, as in the training: a single thread's CPU time hardly changes when the
# machine is busy. The LSTM trained in the background while the GPT trained (section 6); this cell
# waits for it if it has not finished, then times a few steps of each model alone.

# %% tags=["nbval-ignore-output"]
race_iters = gpt_cfg.max_iters  # the GPT's iterations (fewer under COURSE_FAST=1)


def cpu_ms_per_step(net, draw, steps=scaled_iters(20)):  # 20 steps (5 under COURSE_FAST=1)
    """CPU milliseconds of one training step (forward, backward, AdamW update) of a copy of `net`."""
    net = copy.deepcopy(net).train()
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-4)
    batches = [draw("train") for _ in range(steps + 2)]  # drawn beforehand: only the steps are timed
    for i, (x, y) in enumerate(batches):
        if i == 2:  # two steps to warm up, then the clock starts
            start = time.process_time()
        with autocast(gpt_history.precision, "cpu"):
            _, loss = net(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return 1000 * (time.process_time() - start) / steps


try:
    lstm_history = race.result()  # the background training (section 6); waits until it is done
    cost = {"bigram": cpu_ms_per_step(bigram, lambda split: bigram_batches[split].sample()),
            "LSTM (lesson 04)": cpu_ms_per_step(lstm, get_lstm_batch),
            "GPT": cpu_ms_per_step(model, get_gpt_batch)}
finally:
    torch.set_num_threads(threads)  # back to the course's setting for the rest of the notebook
print(lstm_history)

# %% [markdown]
# The result. "Characters read" counts the training text each model went through (iterations ×
# windows × window length); the CPU time of a whole run is its iterations times the cost of a step.
# The figure puts every model on equal terms, the characters read, on a logarithmic axis (the bigram
# trained on far less), and zooms on the LSTM and the GPT over the second half of the race, where
# their gap is a few hundredths.

# %% tags=["nbval-ignore-output"]
racers = {"bigram": (bigram, bigram_history, 32 * 8),
          "LSTM (lesson 04)": (lstm, lstm_history, lstm_ref.LESSON_BATCH["batch_size"] * lstm_ref.LESSON_BATCH["block_size"]),
          "GPT": (model, gpt_history, batch_size * block_size)}
print("| model | parameters | iterations | characters read | CPU per step (ms, one thread) "
      "| CPU for the run (s) | validation loss |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, (net, history, characters) in racers.items():
    iters = history.iters[-1]
    n_params = sum(p.numel() for p in net.parameters())  # a tied weight counts once
    print(f"| {name} | {n_params:,} | {iters:,} | {iters * characters:,} | {cost[name]:.1f} "
          f"| {iters * cost[name] / 1000:.0f} | {history.val_loss[-1]:.3f} |")
lstm_loss, gpt_loss = lstm_history.val_loss[-1], gpt_history.val_loss[-1]
ahead, behind = ("LSTM", "GPT") if lstm_loss < gpt_loss else ("GPT", "LSTM")
print(f"\nAfter the same {race_iters:,} iterations on the same windows, the {ahead} is ahead of the {behind} by "
      f"{abs(lstm_loss - gpt_loss):.3f} in validation loss.")
evals = list(zip(lstm_history.iters, lstm_history.val_loss, gpt_history.val_loss))[1:]  # after the start
lstm_ahead = [it for it, lstm_val, gpt_val in evals if lstm_val < gpt_val]
print(f"The LSTM's validation loss was the lower at {len(lstm_ahead)} of the {len(evals)} evaluations after the "
      f"start; the largest gap was {max(abs(a - b) for _, a, b in evals):.3f}, the last {abs(lstm_loss - gpt_loss):.3f}.")
ratio = cost["GPT"] / cost["LSTM (lesson 04)"]
print(f"A training step of the GPT costs {ratio:.2f} times the CPU time of a step of the LSTM (one thread).")
plot_race({name: history for name, (_, history, _) in racers.items()},
          {name: characters for name, (_, _, characters) in racers.items()}, zoom=["LSTM (lesson 04)", "GPT"])

# %% [markdown]
# And what they write: the same prompt, the same seed, the same length and temperature for both, each
# under its validation loss.

# %% tags=["nbval-ignore-output"]
prompt = torch.tensor([encode("\nHam.\n")])  # (1, 6): Hamlet's turn to speak
columns = []
for name in ("LSTM (lesson 04)", "GPT"):
    net, history, _ = racers[name]
    options = {"crop": True} if net is model else {}  # the GPT's window slides after 64 characters
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ids = net.generate(prompt, 400, temperature=0.8, generator=torch.Generator().manual_seed(7), **options)
    lines = [piece for line in decode(ids[0].tolist()).strip().splitlines() for piece in textwrap.wrap(line, 44) or [""]]
    columns.append([f"{name}: validation loss {history.val_loss[-1]:.3f}", "─" * 44] + lines)
for left, right in itertools.zip_longest(*columns, fillvalue=""):
    print(f"{left:<44}   {right}")

# %% [markdown]
# On equal terms (the same text, read in the same order, for the same number of steps) the **LSTM
# comes out slightly ahead**: the lines under the table count the evaluations at which its validation
# loss was the lower and give the largest gap, and the GPT closes most of that gap by the end of the
# race, where the zoom shows a margin of a few hundredths, about as much as one estimate of the
# validation loss (20 batches) wobbles against the next (the GPT's own table above goes from 1.524 at
# iteration 3,250 to 1.536 at 3,500). The
# table gives what a step of each costs in CPU time. A small transformer is not a better model of
# characters than a well-tuned LSTM. What made transformers win is elsewhere, and this race does not
# reward it:
#
# * **Parallelism.** An LSTM must run its time steps one after another (step `t` needs the state of
#   step `t − 1`); the GPT processes all 64 positions of a window at once, as a few large matrix
#   products. On a 2-core CPU that hardly matters; on a GPU, with thousands of cores, it is the
#   difference between idling and running flat out.
# * **Scale.** Transformers keep improving as they get bigger, see longer contexts and read more text.
#   nanoGPT's "baby GPT" (6 blocks, 384 channels, 256 characters of context) reaches a validation loss
#   of 1.47 in about 3 minutes on one A100 GPU, its README says, but on *Tiny Shakespeare*: another
#   text, about 1.1 million characters with its own split, so its number does not compare with ours
#   (our corpus is the 4.8 million characters counted at the top of this lesson, validated on plays
#   the model never read). The smallest GPT-2 has 150 times as many parameters as our model.
# * **Direct access to the past.** Attention reads any earlier position directly; an LSTM must carry
#   everything it needs through its state, step by step.
#
# The LSTM keeps one real advantage: generation. Each new character costs one step with the carried
# state, however long the text, and it has no context limit; the GPT needs a KV cache that grows with
# the text and cannot see further back than `block_size`.
#
# ## Questions
#
# **Q1.** The bigram model's validation loss stalls near 2.5 however long it trains. Why can more
# training not help it, and what does the GPT have that it lacks?

# %% [markdown] nbgrader={"grade_id": "q1-bigram-limit", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# The bigram model's prediction depends on the current character only: its best possible loss is the
# entropy of the next character given the current one, measured on the corpus, and training already
# reaches it (its table has all the freedom it needs: one probability distribution per character).
# More data or steps cannot lower that floor. The GPT conditions on up to `block_size` previous
# characters, through self-attention, so it can use words, names and line structure.
# ### END SOLUTION

# %% [markdown]
# **Q2.** Without the mask (`masked_fill(tril == 0, -inf)`), the training loss of a GPT falls fast,
# towards zero, but its samples are worse than before. What happened?

# %% [markdown] nbgrader={"grade_id": "q2-mask", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# Without the mask each position can attend to the later positions of its window, including the very
# character it must predict (the target at position t is the input at position t + 1). The model
# learns to copy it from there: the training loss collapses, but nothing has been learned about
# predicting the future. At generation time the future is not there to copy, so the samples are bad.
# ### END SOLUTION
