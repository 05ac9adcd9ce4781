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
# # Lesson 04 — An LSTM writes Shakespeare, one character at a time
#
# A language model predicts the next token from the tokens before it. Lessons 02 and 03 built
# attention, which looks back at every earlier token at once. This lesson takes the older road: a
# **recurrent** network reads the text one character at a time and carries a small **state** from
# step to step, a running summary of everything it has read. The best-known recurrent cell is the
# **LSTM** (long short-term memory, Hochreiter and Schmidhuber, 1997); for twenty years it was the
# way to model text.
#
# In this lesson you
#
# 1. write the LSTM cell by hand, gate by gate, and check it against PyTorch's `nn.LSTMCell`;
# 2. feed an LSTM a whole sequence at once, or one step at a time carrying its state, and see that
#    the two give the same numbers;
# 3. cut one long text into training batches: inputs, and labels **shifted by one**;
# 4. compute the cross-entropy of `(batch, time, classes)` scores, and see why it needs a reshape;
# 5. generate text the cheap way: every new character costs one step, however long the text gets;
# 6. train a character model on Shakespeare's plays in about two minutes on a laptop CPU, and watch
#    its samples go from gibberish to words to something that looks like a play;
# 7. find out what it cannot do, which is what lesson 05's GPT is for.
#
# Exercises are marked **Exercise**. Write your code where it says `YOUR CODE HERE`, run the tests
# below it, and read the self-check's message (`checks.check_…`) when something is off: it names the
# common mistakes.

# %%
import course  # first, before torch: threading that copes with a shared machine (course/threads.py)
import math
import re
import time

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F

import course.lstm as ref  # the course's reference implementations
from course.checks import lstm as checks
from course.data import RandomWindows, load_corpus, train_val_split, windows_at
from course.plots import plot_history
from course.tokenization import CharTokenizer
from course.train import train

torch.set_num_threads(1)  # this lesson's models are small: one thread is fastest (section 7 says why)
text = load_corpus("shakespeare")
tokenizer = CharTokenizer.from_text(text)  # lesson 01: one id per character
print(f"{len(text):,} characters of Shakespeare, {tokenizer.vocab_size} distinct:")
print(repr("".join(tokenizer.decode(range(tokenizer.vocab_size)))))
print(text[200_560:200_800])

# %% [markdown]
# Every character gets an id, so the whole corpus becomes one long tensor of integers. The model's
# job, at every position: given the ids so far, give a probability to each possible next character.

# %%
data = torch.tensor(tokenizer.encode(text), dtype=torch.long)
print(data.shape, data.dtype)
print(data[200_560:200_580].tolist(), "=", repr(tokenizer.decode(data[200_560:200_580])))

# %% [markdown]
# ## 1. The LSTM cell
#
# A recurrent network applies the same **cell** at every step. The cell gets the input `x` of this
# step and the state from the previous step, and returns the new state. An LSTM's state has two
# parts, each a vector of `H` numbers:
#
# * `c`, the **cell state**: the long-term memory, changed only by careful additions;
# * `h`, the **hidden state**: what the cell shows the outside (the next layer, the output) and
#   itself at the next step.
#
# Four **gates** decide what happens to the memory. Each is computed from `x` and the previous `h`
# with its own weights; three go through a sigmoid (0 = closed, 1 = open), one through a tanh:
#
# $$
# \begin{aligned}
# i &= \sigma(W_{ii}\,x + b_{ii} + W_{hi}\,h + b_{hi}) &&\text{input gate: how much new to write}\\
# f &= \sigma(W_{if}\,x + b_{if} + W_{hf}\,h + b_{hf}) &&\text{forget gate: how much old memory to keep}\\
# g &= \tanh(W_{ig}\,x + b_{ig} + W_{hg}\,h + b_{hg}) &&\text{candidate: what to write, in } (-1, 1)\\
# o &= \sigma(W_{io}\,x + b_{io} + W_{ho}\,h + b_{ho}) &&\text{output gate: how much memory to show}\\
# c' &= f \odot c + i \odot g\\
# h' &= o \odot \tanh(c')
# \end{aligned}
# $$
#
# ($\odot$ multiplies element by element.) The memory `c` is updated by a multiplication with `f`
# and an addition, with no squashing in between; that is what lets gradients, and information,
# travel across many steps, where a plain RNN (`h' = tanh(W x + U h + b)`) forgets within a few.
#
# PyTorch stores the four matrices stacked in one: `weight_ih` is `(4H, I)`, `weight_hh` is
# `(4H, H)`, and the biases are `(4H,)`, **in the order i, f, g, o**. One matrix product computes all
# four gates at once; then split the result into four blocks of `H` columns.

# %%
torch.manual_seed(0)
cell = nn.LSTMCell(input_size=3, hidden_size=4)
for name, p in cell.named_parameters():
    print(f"{name:10} {tuple(p.shape)}")


# %% [markdown]
# ### Exercise 1 — the LSTM cell by hand (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh)` that returns the tuple `(h_new, c_new)`, with
# the equations above.
#
# * `x` is `(B, I)`, `h` and `c` are `(B, H)`: a batch of `B` rows, computed independently;
# * `W_ih` is `(4H, I)`, `W_hh` is `(4H, H)`, `b_ih` and `b_hh` are `(4H,)`, gates in the order
#   **i, f, g, o**, as in `nn.LSTMCell`;
# * with a row vector per example, "`W x`" is `x @ W_ih.T`, of shape `(B, 4H)`.
#
# For the same weights, your function must agree with `nn.LSTMCell`:
# `cell(x, (h, c))` returns `(h_new, c_new)` too.

# %% nbgrader={"grade_id": "lstm-cell", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """One LSTM step: the new (h, c) after reading x. Gates stacked as (i, f, g, o)."""
    ### BEGIN SOLUTION
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (B, 4H)
    i, f, g, o = gates.chunk(4, dim=1)             # each (B, H)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-lstm-cell", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_lstm_cell(lstm_cell)  # names the mistake, if your function has a common one
x_test, h_test, c_test = torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4)
result = lstm_cell(x_test, h_test, c_test, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
assert type(result) is tuple and len(result) == 2, "return the tuple (h_new, c_new)"
assert result[0].shape == (2, 4) and result[1].shape == (2, 4), "h_new and c_new are (B, H)"
want_h, want_c = cell(x_test, (h_test, c_test))
assert torch.allclose(result[0], want_h, atol=1e-5), "h_new differs from nn.LSTMCell's"
assert torch.allclose(result[1], want_c, atol=1e-5), "c_new differs from nn.LSTMCell's"
### BEGIN HIDDEN TESTS
from course.grading import assert_own_work
assert_own_work(lstm_cell, "lstm_cell")
_gen = torch.Generator().manual_seed(4)
for _B, _I, _H in [(1, 1, 1), (3, 5, 2), (4, 2, 7), (2, 8, 8), (5, 3, 16)]:
    torch.manual_seed(_B * 100 + _I * 10 + _H)
    _cell = nn.LSTMCell(_I, _H)
    with torch.no_grad():
        for _p in _cell.parameters():
            _p.normal_(generator=_gen)  # larger than the default init, so every gate matters
    _x, _h, _c = (torch.randn(_B, _n, generator=_gen) for _n in (_I, _H, _H))
    with torch.no_grad():
        _want = _cell(_x, (_h, _c))
        _got = lstm_cell(_x, _h, _c, _cell.weight_ih, _cell.weight_hh, _cell.bias_ih, _cell.bias_hh)
    assert type(_got) is tuple and len(_got) == 2, f"hidden test (B={_B}, I={_I}, H={_H}): return the tuple (h, c)"
    for _name, _g, _w in zip(("h", "c"), _got, _want):
        assert type(_g) is torch.Tensor and _g.dtype == torch.float32 and _g.shape == (_B, _H), \
            f"hidden test (B={_B}, I={_I}, H={_H}): the new {_name} must be a ({_B}, {_H}) float32 tensor"
        assert torch.allclose(_g, _w, atol=1e-5, rtol=1e-4), \
            f"hidden test (B={_B}, I={_I}, H={_H}): the new {_name} differs from nn.LSTMCell's"
# unrolled over a sequence, the cell is one layer of nn.LSTM
torch.manual_seed(7)
_lstm = nn.LSTM(3, 5, batch_first=True)
_xs = torch.randn(2, 9, 3, generator=_gen)
with torch.no_grad():
    _want_out, (_want_hn, _want_cn) = _lstm(_xs)
    _h, _c = torch.zeros(2, 5), torch.zeros(2, 5)
    _outs = []
    for _t in range(9):
        _h, _c = lstm_cell(_xs[:, _t], _h, _c, _lstm.weight_ih_l0, _lstm.weight_hh_l0, _lstm.bias_ih_l0, _lstm.bias_hh_l0)
        _outs.append(_h)
assert torch.allclose(torch.stack(_outs, dim=1), _want_out, atol=1e-5) and torch.allclose(_c, _want_cn[0], atol=1e-5), \
    "hidden test: unrolled over 9 steps, the cell must give nn.LSTM's outputs and final c"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-lstm-cell-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: the tuple (h_new, c_new), each (B, H), in the inputs' dtype.
for _B, _I, _H in [(1, 3, 4), (5, 2, 3)]:
    _W = nn.LSTMCell(_I, _H)
    _out = lstm_cell(torch.randn(_B, _I), torch.randn(_B, _H), torch.randn(_B, _H),
                     _W.weight_ih, _W.weight_hh, _W.bias_ih, _W.bias_hh)
    assert type(_out) is tuple and len(_out) == 2, f"return the tuple (h_new, c_new), got {type(_out).__name__}"
    for _name, _t in zip(("h_new", "c_new"), _out):
        assert type(_t) is torch.Tensor and _t.shape == (_B, _H) and _t.dtype == torch.float32, \
            f"{_name} must be a ({_B}, {_H}) float32 tensor for B = {_B}, H = {_H}, got {getattr(_t, 'shape', _t)}"
### BEGIN HIDDEN TESTS
from course.grading import assert_own_work
assert_own_work(lstm_cell, "lstm_cell")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Two ways to feed an LSTM
#
# `nn.LSTM` runs the cell along a whole sequence, and stacks layers: layer 2 reads layer 1's `h` at
# every step. Unrolled in time, with the state flowing from left to right:
#
# ```
#               y₁               y₂               y₃         outputs: the top layer's h at each step
#               ↑                ↑                ↑
#  (h₀, c₀) → [cell] → (h₁, c₁) → [cell] → (h₂, c₂) → [cell] → (h₃, c₃)
#               ↑                ↑                ↑
#               x₁               x₂               x₃
# ```
#
# There are two ways to use it, and they must give the same numbers:
#
# * **the whole sequence at once**: `lstm(x)` with `x` of shape `(B, T, I)` (`batch_first=True`)
#   returns the outputs at every step, `(B, T, H)`, and the final state `(h, c)`, each of shape
#   `(num_layers, B, H)`: one row per layer;
# * **one step at a time**: call `lstm` on `(B, 1, I)` slices, passing back the state it returned.
#   That is what generation needs, because the next input is not known until the model has chosen it.

# %%
torch.manual_seed(0)
lstm = nn.LSTM(input_size=8, hidden_size=16, num_layers=2, batch_first=True)
x = torch.randn(3, 10, 8)  # (B, T, I)

out_whole, (h_whole, c_whole) = lstm(x)
print("whole sequence: output", tuple(out_whole.shape), " h", tuple(h_whole.shape), " c", tuple(c_whole.shape))

state, outputs = None, []  # None: start from zeros
for t in range(x.shape[1]):
    out_t, state = lstm(x[:, t:t + 1], state)  # (B, 1, I) in, (B, 1, H) out, state carried
    outputs.append(out_t)
out_steps = torch.cat(outputs, dim=1)  # (B, T, H)
print("step by step:   output", tuple(out_steps.shape))
print("same outputs:", torch.allclose(out_steps, out_whole, atol=1e-6),
      " same final state:", torch.allclose(state[0], h_whole, atol=1e-6) and torch.allclose(state[1], c_whole, atol=1e-6))

# %% [markdown]
# The most common bug in step-by-step code is to drop the state: call `lstm(x_t)` without it and
# every step starts again from zeros. It runs without complaint, and the model forgets everything but
# the current character:

# %%
out_reset = torch.cat([lstm(x[:, t:t + 1])[0] for t in range(x.shape[1])], dim=1)  # no state passed
print("state reset at every step, same outputs:", torch.allclose(out_reset, out_whole, atol=1e-6))
print("the first step agrees (both start from zeros):", torch.allclose(out_reset[:, 0], out_whole[:, 0], atol=1e-6))

# %% [markdown]
# And there is nothing more inside `nn.LSTM` than the cell of Exercise 1. Two layers are two cells;
# layer 2's input is layer 1's `h`. The course's `ref.lstm_cell`, unrolled by hand with the weights
# of `lstm` (`weight_ih_l0` is layer 1's, `weight_ih_l1` layer 2's):

# %%
B, H = x.shape[0], lstm.hidden_size
h1, c1, h2, c2 = (torch.zeros(B, H) for _ in range(4))
tops = []
for t in range(x.shape[1]):
    h1, c1 = ref.lstm_cell(x[:, t], h1, c1, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
    h2, c2 = ref.lstm_cell(h1, h2, c2, lstm.weight_ih_l1, lstm.weight_hh_l1, lstm.bias_ih_l1, lstm.bias_hh_l1)
    tops.append(h2)
print("two hand-made cells = nn.LSTM with 2 layers:", torch.allclose(torch.stack(tops, dim=1), out_whole, atol=1e-6))

# %% [markdown]
# ## 3. Next-character batches from one long text
#
# To learn, the model needs examples of (what came before, what comes next). One window of text
# gives many at once: take `T + 1` consecutive ids; the first `T` are the **inputs** `x`, the last `T`
# are the **labels** `y`. At every position `t`, `y[t]` is the character that follows `x[t]`, and
# the model must predict it from `x[0..t]`:

# %%
start, T = 200_560, 12
window = data[start:start + T + 1]
x_demo, y_demo = window[:-1], window[1:]
def shown(ids):  # each character in a column of 3, a newline as \n
    return "".join(repr(tokenizer.decode([i]))[1:-1].rjust(3) for i in ids.tolist())


print("position", "".join(f"{t:>3}" for t in range(T)))
print("input x ", shown(x_demo))
print("label y ", shown(y_demo))


# %% [markdown]
# A **batch** stacks `B` such windows, taken at random places in the text, into two `(B, T)` tensors.
#
# ### Exercise 2 — the shifted batch (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `shift_batch(data, starts, block_size)`. `data` is a 1-D tensor of ids, `starts` a 1-D tensor
# of `B` offsets. Return the tuple `(x, y)`, both of shape `(B, block_size)`, where for `s = starts[b]`
#
# * `x[b] = data[s : s + block_size]` (the inputs),
# * `y[b] = data[s + 1 : s + block_size + 1]` (the labels: the inputs shifted by one).
#
# For `data = torch.arange(10, 20)`, `starts = torch.tensor([0, 5])` and `block_size = 3`:
# `x = [[10, 11, 12], [15, 16, 17]]` and `y = [[11, 12, 13], [16, 17, 18]]`.
# (`torch.stack` makes a `(B, T)` tensor from a list of `B` rows.)

# %% nbgrader={"grade_id": "shift-batch", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def shift_batch(data, starts, block_size):
    """Inputs and next-token labels for windows of `data` starting at `starts`: two (B, block_size) tensors."""
    ### BEGIN SOLUTION
    x = torch.stack([data[s:s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1:s + block_size + 1] for s in starts.tolist()])
    return x, y
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-shift-batch", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_shift_batch(shift_batch)  # names the mistake, if your function has a common one
batch = shift_batch(torch.arange(10, 20), torch.tensor([0, 5]), 3)
assert type(batch) is tuple and len(batch) == 2, "return the tuple (x, y)"
assert batch[0].tolist() == [[10, 11, 12], [15, 16, 17]], f"x is {batch[0].tolist()}, expected [[10, 11, 12], [15, 16, 17]]"
assert batch[1].tolist() == [[11, 12, 13], [16, 17, 18]], f"y is {batch[1].tolist()}, expected [[11, 12, 13], [16, 17, 18]]"
x_check, y_check = shift_batch(data, torch.tensor([200_560]), 12)
assert tokenizer.decode(x_check[0]) == text[200_560:200_572], "x must be the 12 characters from position 200,560"
assert tokenizer.decode(y_check[0]) == text[200_561:200_573], "y must be the 12 characters from position 200,561"
### BEGIN HIDDEN TESTS
from course.grading import assert_own_work
assert_own_work(shift_batch, "shift_batch")
_gen = torch.Generator().manual_seed(2)
for _block, _B in [(1, 1), (5, 3), (64, 32), (17, 8)]:
    _starts = torch.randint(0, len(data) - _block - 1, (_B,), generator=_gen)
    _starts[0] = len(data) - _block - 1  # the last window that still has a label for every input
    _got = shift_batch(data, _starts.clone(), _block)
    _want = windows_at(data, _starts, _block)
    assert type(_got) is tuple and len(_got) == 2, f"hidden test (block_size={_block}, B={_B}): return the tuple (x, y)"
    for _name, _g, _w in zip("xy", _got, _want):
        assert type(_g) is torch.Tensor and _g.dtype == torch.long and _g.shape == (_B, _block), \
            f"hidden test (block_size={_block}, B={_B}): {_name} must be a ({_B}, {_block}) long tensor"
        assert torch.equal(_g, _w), f"hidden test (block_size={_block}, B={_B}, last window included): wrong {_name}"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-shift-batch-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: the tuple (x, y), two (B, block_size) long tensors.
for _starts, _block in [(torch.tensor([0, 5, 2]), 4), (torch.tensor([7]), 1)]:
    _out = shift_batch(torch.arange(20), _starts, _block)
    assert type(_out) is tuple and len(_out) == 2, f"return the tuple (x, y), got {type(_out).__name__}"
    for _name, _t in zip("xy", _out):
        assert type(_t) is torch.Tensor and _t.shape == (len(_starts), _block) and _t.dtype == torch.long, \
            f"{_name} must be a ({len(_starts)}, {_block}) long tensor, got {getattr(_t, 'shape', _t)}"
### BEGIN HIDDEN TESTS
from course.grading import assert_own_work
assert_own_work(shift_batch, "shift_batch")
### END HIDDEN TESTS

# %% [markdown]
# The course's `RandomWindows` is the small sampler class that training uses. It keeps its own seeded
# random generator (so batches are reproducible and independent of everything else) and on every
# call draws `batch_size` random offsets and cuts the windows, as your function does:
#
# ```python
# class RandomWindows:
#     def __init__(self, data, block_size, batch_size, seed=0): ...     # checks, and a torch.Generator
#     def sample(self):
#         starts = torch.randint(len(self.data) - self.block_size, (self.batch_size,), generator=self.generator)
#         return windows_at(self.data, starts, self.block_size)          # (x, y), each (B, T)
# ```
#
# The model is trained on the first 90% of the text and **validated** on the last 10%. The split is
# a cut, not a random choice of windows: random windows from one text overlap, so a validation window
# would share most of its characters with some training window and the validation loss would reward
# memorising. The last 10% holds plays the model never sees while training, so its loss measures how
# well it has learned English-in-Shakespeare's-style, not these particular lines.

# %%
train_ids, val_ids = train_val_split(data, 0.9)
print(f"train: {len(train_ids):,} characters, validation: {len(val_ids):,}")
print("validation starts with:", repr(tokenizer.decode(val_ids[:80])))

block_size, batch_size = ref.LESSON_BATCH["block_size"], ref.LESSON_BATCH["batch_size"]
batches = {"train": RandomWindows(train_ids, block_size, batch_size, seed=1),
           "val": RandomWindows(val_ids, block_size, batch_size, seed=2)}


def get_batch(split):
    return batches[split].sample()


xb, yb = RandomWindows(train_ids, block_size, batch_size, seed=0).sample()  # a sample batch to look at
print("x", tuple(xb.shape), "y", tuple(yb.shape))
print("x[0]:", repr(tokenizer.decode(xb[0])))
print("y[0]:", repr(tokenizer.decode(yb[0])))

# %% [markdown]
# ## 4. The model: embedding → LSTM → linear
#
# `ref.CharLSTM` has three parts, and every position goes through all three:
#
# 1. an **embedding** table turns each id into a vector of `n_embd` numbers: `(B, T)` → `(B, T, n_embd)`;
# 2. a multi-layer **LSTM** reads the vectors in order: `(B, T, n_embd)` → `(B, T, hidden_size)`,
#    plus the final state `(h, c)`, each `(n_layers, B, hidden_size)`;
# 3. a **linear** layer turns each position's `h` into one score (a **logit**) per character of the
#    vocabulary: `(B, T, hidden_size)` → `(B, T, V)`.
#
# `model.forward_with_state(idx, state)` returns the logits and the state, to continue a sequence
# later; `model(idx, targets)` returns the logits and the loss, which is what training calls.

# %%
config = ref.CharLSTMConfig(vocab_size=tokenizer.vocab_size, **ref.LESSON_CONFIG)
torch.manual_seed(0)
model = ref.CharLSTM(config)
print(config)
print(model)
print(f"{model.num_params():,} parameters")

logits, (h, c) = model.forward_with_state(xb)
print(f"ids {tuple(xb.shape)} -> logits {tuple(logits.shape)}; state h {tuple(h.shape)}, c {tuple(c.shape)}")

# %% [markdown]
# ## 5. The loss, and the reshape it needs
#
# At each of the `B × T` positions the model gives `V` scores, and the label is one id. The loss is
# the **cross-entropy**: minus the log of the probability that the softmax of the scores gives to
# the right character, averaged over all positions. A model that knows nothing gives every character
# probability `1/V`, so its loss is `ln V`.
#
# PyTorch's `F.cross_entropy` (and `nn.CrossEntropyLoss`) take raw logits and apply the
# (log-)softmax themselves. They want the **classes on axis 1**: scores `(N, V)` with labels `(N,)`,
# or `(B, V, T)` with labels `(B, T)`. Our logits are `(B, T, V)`, with the classes last. Passed as they
# are, axis 1 is read as the classes:

# %%
small_logits = torch.randn(2, 5, 7)           # (B, T, V) = (2, 5, 7)
small_targets = torch.randint(0, 7, (2, 5))   # (B, T)
try:
    F.cross_entropy(small_logits, small_targets)
except RuntimeError as error:
    print(f"RuntimeError: {error}")

# %% [markdown]
# The message says it: with the classes on axis 1 it expected labels of shape `(B, V) = (2, 7)`.
# There are two fixes, and they agree:
#
# * **reshape** to one row per prediction: logits `(B, T, V)` → `(B·T, V)`, labels `(B, T)` → `(B·T,)`;
# * **transpose** the classes to axis 1: `logits.transpose(1, 2)` is `(B, V, T)`.

# %%
B_, T_, V_ = small_logits.shape
by_reshape = F.cross_entropy(small_logits.reshape(B_ * T_, V_), small_targets.reshape(B_ * T_))
by_transpose = F.cross_entropy(small_logits.transpose(1, 2), small_targets)
print(f"reshape: {by_reshape:.4f}   transpose: {by_transpose:.4f}   same: {torch.allclose(by_reshape, by_transpose)}")

# %% [markdown]
# Be careful with the axes, because the error above is a lucky one. When `T` happens to equal `V`,
# the wrong call runs and returns a number, just not the right one. So do transposing the wrong
# axes, `transpose(0, 1)` before a reshape (each row of scores then meets another position's label),
# and applying a softmax first (the loss then takes a softmax of probabilities):

# %%
square_logits, square_targets = torch.randn(2, 7, 7), torch.randint(0, 7, (2, 7))  # T = V = 7
right = F.cross_entropy(square_logits.reshape(-1, 7), square_targets.reshape(-1))
print(f"right:                          {right:.4f}")
print(f"classes read from axis 1:       {F.cross_entropy(square_logits, square_targets):.4f}   (no error!)")
print(f"transpose(0, 1) before reshape: {F.cross_entropy(square_logits.transpose(0, 1).reshape(-1, 7), square_targets.reshape(-1)):.4f}")
print(f"softmax applied first:          {F.cross_entropy(square_logits.softmax(-1).reshape(-1, 7), square_targets.reshape(-1)):.4f}")


# %% [markdown]
# ### Exercise 3 — the sequence loss (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `sequence_loss(logits, targets)`: the mean cross-entropy of `(B, T, V)` logits against
# `(B, T)` target ids, as a scalar tensor. Use `F.cross_entropy` on the raw logits (no softmax of
# your own), with the reshape or the transpose above. Uniform scores (all logits equal) must give
# `ln V`.

# %% nbgrader={"grade_id": "sequence-loss", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def sequence_loss(logits, targets):
    """Mean cross-entropy of (B, T, V) logits against (B, T) targets: a scalar tensor."""
    ### BEGIN SOLUTION
    B, T, V = logits.shape
    return F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T))
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-sequence-loss", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_sequence_loss(sequence_loss)  # names the mistake, if your function has a common one
loss = sequence_loss(small_logits, small_targets)
assert type(loss) is torch.Tensor and loss.shape == (), "return a scalar tensor (shape ())"
log_probs = torch.log_softmax(small_logits, dim=-1)  # (B, T, V)
by_hand = -log_probs.gather(-1, small_targets[..., None]).mean()  # minus the log-probability of each label
assert torch.allclose(loss, by_hand, atol=1e-5), "the loss must be the mean of -log p(label) over all positions"
assert torch.allclose(sequence_loss(torch.zeros(3, 4, 10), torch.randint(0, 10, (3, 4))), torch.tensor(math.log(10))), \
    "uniform scores must give ln V"
### BEGIN HIDDEN TESTS
from course.grading import assert_own_work
assert_own_work(sequence_loss, "sequence_loss")
_gen = torch.Generator().manual_seed(3)
for _B, _T, _V in [(1, 1, 2), (2, 7, 7), (4, 16, 83), (3, 5, 4), (8, 64, 30)]:
    _logits = (4 * torch.randn(_B, _T, _V, generator=_gen)).requires_grad_()
    _targets = torch.randint(0, _V, (_B, _T), generator=_gen)
    _got = sequence_loss(_logits, _targets.clone())
    _want = nn.CrossEntropyLoss()(_logits.transpose(1, 2), _targets)
    assert type(_got) is torch.Tensor and _got.shape == () and _got.dtype == torch.float32, \
        f"hidden test (B={_B}, T={_T}, V={_V}): return a float32 scalar tensor"
    assert torch.allclose(_got, _want, atol=1e-5, rtol=1e-4), f"hidden test (B={_B}, T={_T}, V={_V}): wrong value"
    assert _got.requires_grad, f"hidden test (B={_B}, T={_T}, V={_V}): the loss is cut off from the logits' graph"
    _got.backward()  # the loss must stay connected to the logits, to train through it
    assert _logits.grad is not None and _logits.grad.abs().sum() > 0, "hidden test: no gradient reaches the logits"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-sequence-loss-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a scalar tensor (shape ()), float32.
for _B, _T, _V in [(2, 3, 5), (1, 1, 2)]:
    _out = sequence_loss(torch.randn(_B, _T, _V), torch.randint(0, _V, (_B, _T)))
    assert type(_out) is torch.Tensor, f"return a torch.Tensor (not .item()), got {type(_out).__name__}"
    assert _out.shape == () and _out.dtype == torch.float32, f"return a float32 scalar, got shape {tuple(_out.shape)}, {_out.dtype}"
### BEGIN HIDDEN TESTS
from course.grading import assert_own_work
assert_own_work(sequence_loss, "sequence_loss")
### END HIDDEN TESTS

# %% [markdown]
# The untrained model, with its small random weights, is close to knowing nothing: its loss is near
# `ln V`.

# %%
_, loss_untrained = model(xb, yb)  # uses ref.sequence_loss
print(f"untrained loss {loss_untrained.item():.3f}, ln V = ln {config.vocab_size} = {math.log(config.vocab_size):.3f}")


# %% [markdown]
# ## 6. Generating text, one step at a time
#
# To write, the model repeats: score the next character, pick one, feed it back in. With an LSTM the
# feeding back is cheap. After reading a prompt, the state `(h, c)` already summarises it, so the next
# step only needs the **new** character and that state:
#
# ```
# logits, state = model.forward_with_state(prompt)        # the prompt, (B, T), read once
# repeat:  next = the chosen id from logits[:, -1]         # (B, 1)
#          logits, state = model.forward_with_state(next, state)   # one step
# ```
#
# Re-running the whole text for every new character would give the same result, slower and slower as
# the text grows.
#
# ### Exercise 4 — greedy generation with a carried state (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `generate_greedy(model, idx, max_new_tokens)`. `idx` is a `(B, T)` tensor of prompt ids;
# `model` is a `ref.CharLSTM`, to be used only through `model.forward_with_state(ids, state)`, which
# returns `(logits, state)` with logits `(B, len, V)`.
#
# Read the prompt once. Then `max_new_tokens` times: take the most likely next id (`argmax` of the
# last position's logits, keeping a `(B, 1)` shape with `keepdim=True`), append it, and feed **only
# it** with the state. Return the `(B, T + max_new_tokens)` ids: the prompt, then the new ones.
# Never feed the whole text again, and never reset the state.

# %% nbgrader={"grade_id": "generate-greedy", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def generate_greedy(model, idx, max_new_tokens):
    """The (B, T) prompt `idx` followed by `max_new_tokens` greedily chosen ids, feeding one id per step."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)  # the whole prompt, once
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)  # (B, 1)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)  # one step, state carried
    return idx
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-generate-greedy", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_generate_greedy(generate_greedy)  # names the mistake; also watches how the model is called


def slow_greedy(model, idx, n):
    """The same text, the slow way: run the whole text again for every new id."""
    with torch.no_grad():
        for _ in range(n):
            logits, _ = model(idx)
            idx = torch.cat([idx, logits[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    return idx


torch.manual_seed(1)
tiny = ref.CharLSTM(ref.CharLSTMConfig(vocab_size=10, n_embd=8, hidden_size=16, n_layers=2)).eval()
with torch.no_grad():
    for p in tiny.parameters():
        p.mul_(3.0)  # larger weights than at initialisation, so the state matters to the choice
prompt_ids = torch.tensor([[1, 2, 3], [4, 5, 6]])
generated = generate_greedy(tiny, prompt_ids, 20)
assert type(generated) is torch.Tensor and generated.shape == (2, 23), f"expected shape (2, 23), got {tuple(generated.shape)}"
assert torch.equal(generated[:, :3], prompt_ids), "the output starts with the prompt"
assert torch.equal(generated, slow_greedy(tiny, prompt_ids, 20)), "carrying the state must give the same text as re-running"
### BEGIN HIDDEN TESTS
from course.grading import assert_own_work
assert_own_work(generate_greedy, "generate_greedy")


def _forbidden(*args, **kwargs):
    raise AssertionError("generate_greedy must not call model.generate (the reference): write the loop yourself")


_gen = torch.Generator().manual_seed(5)
for _seed, (_V, _layers, _B, _T, _n) in enumerate([(10, 1, 1, 1, 15), (13, 2, 3, 5, 30), (7, 3, 2, 8, 12), (20, 2, 1, 4, 0)]):
    _case = f"vocab {_V}, {_layers} layers, prompt ({_B}, {_T}), {_n} new ids"
    torch.manual_seed(100 + _seed)
    _model = ref.CharLSTM(ref.CharLSTMConfig(vocab_size=_V, n_embd=6, hidden_size=12, n_layers=_layers)).eval()
    with torch.no_grad():
        for _p in _model.parameters():
            _p.mul_(3.0)
    _prompt = torch.randint(0, _V, (_B, _T), generator=_gen)
    _want = slow_greedy(_model, _prompt, _n)
    _lengths = []
    _hook = _model.lstm.register_forward_hook(lambda module, args, out: _lengths.append(args[0].shape[1]))
    _model.generate = _forbidden
    try:
        _got = generate_greedy(_model, _prompt.clone(), _n)
    finally:
        _hook.remove()
    assert type(_got) is torch.Tensor and _got.dtype == torch.long and _got.shape == (_B, _T + _n), \
        f"hidden test ({_case}): expected a ({_B}, {_T + _n}) long tensor"
    assert torch.equal(_got, _want), f"hidden test ({_case}): wrong ids"
    # the prompt is read once, then one id per step: never the prefix again
    assert _lengths[0] == _T and all(_k == 1 for _k in _lengths[1:]), \
        f"hidden test ({_case}): read the prompt once, then one id per step (the model read lengths {_lengths[:6]})"
    assert len(_lengths) - 1 in (max(_n - 1, 0), _n), f"hidden test ({_case}): {len(_lengths) - 1} one-step calls for {_n} new ids"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-generate-greedy-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a (B, T + max_new_tokens) long tensor that starts with the prompt.
_model = ref.CharLSTM(ref.CharLSTMConfig(vocab_size=7, n_embd=4, hidden_size=8, n_layers=1)).eval()
_prompt = torch.tensor([[1, 2], [3, 4], [5, 6]])
_out = generate_greedy(_model, _prompt.clone(), 4)
assert type(_out) is torch.Tensor and _out.dtype == torch.long, f"return a long tensor, got {_out!r}"
assert _out.shape == (3, 6), f"for a (3, 2) prompt and 4 new ids expected shape (3, 6), got {tuple(_out.shape)}"
assert torch.equal(_out[:, :2], _prompt), "the output starts with the prompt"
### BEGIN HIDDEN TESTS
from course.grading import assert_own_work
assert_own_work(generate_greedy, "generate_greedy")
### END HIDDEN TESTS

# %% [markdown]
# Here is what *your* function writes from the untrained model. Greedy decoding always takes the most
# likely character, so it writes the same text every time; untrained, that is one character over and
# over.

# %% tags=["raises-exception"]
prompt = "HAMLET.\n"
out = generate_greedy(model, torch.tensor([tokenizer.encode(prompt)]), 60)
print(repr(tokenizer.decode(out[0])))

# %% [markdown]
# The course's `model.generate(idx, max_new_tokens, temperature=1.0, greedy=False, generator=None)`
# is the same loop, with sampling as an option: instead of the most likely character it draws one
# from the probabilities `softmax(logits / temperature)` (section 8). `ref.generate_text` wraps it for
# strings: it encodes the prompt, generates and decodes. Pass a seeded `torch.Generator` and the same
# call writes the same text again:

# %%
for _ in range(2):
    print(repr(ref.generate_text(model, tokenizer, prompt, 60, generator=torch.Generator().manual_seed(0))))

# %% [markdown]
# A character the tokenizer has never seen cannot be fed to the model, and the error says which one:

# %%
try:
    ref.generate_text(model, tokenizer, "Hamlet, ¿qué?", 60)
except ValueError as error:
    print(f"{type(error).__name__}: {error}")


# %% [markdown]
# **How fast?** With the state carried, every new character costs one step of the LSTM, however
# many came before: the time per character stays flat. Re-running the whole text for every new
# character costs a step per character *so far*, so the time per character grows with the length
# (and the total with its square). Timings depend on the machine; the shapes of the two curves do not.

# %% tags=["nbval-ignore-output"]
@torch.no_grad()
def seconds_per_char(n, carry_state):
    idx = torch.tensor([tokenizer.encode(prompt)])
    start = time.perf_counter()
    if carry_state:
        model.generate(idx, n, greedy=True)
    else:  # the slow way: the whole text again for every new character
        for _ in range(n):
            logits, _ = model(idx)
            idx = torch.cat([idx, logits[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    return (time.perf_counter() - start) / n


model.eval()
lengths_fast, lengths_slow = [100, 250, 500, 1000, 2000], [25, 50, 100, 200]
fast = [seconds_per_char(n, carry_state=True) for n in lengths_fast]
slow = [seconds_per_char(n, carry_state=False) for n in lengths_slow]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(lengths_fast, [1e3 * s for s in fast], marker="o", label="state carried (model.generate)")
ax.plot(lengths_slow, [1e3 * s for s in slow], marker="o", label="whole text re-run for each character")
ax.set_xscale("log")
ax.set_xlabel("characters generated")
ax.set_ylabel("milliseconds per character")
ax.set_title("Generation: one step per character")
ax.grid(alpha=0.3)
ax.legend()
plt.show()
for n, seconds in zip(lengths_fast, fast):
    print(f"state carried, {n:>4} characters: {1e3 * seconds:6.3f} ms per character")
for n, seconds in zip(lengths_slow, slow):
    print(f"text re-run,   {n:>4} characters: {1e3 * seconds:6.3f} ms per character")

# %% [markdown]
# ## 7. Training on Shakespeare
#
# `course.train.train(model, get_batch, cfg, callback)` is the training loop of lessons 04–06: AdamW,
# a learning rate that warms up and then decays, gradient clipping (the norm of an LSTM's gradient can
# jump when many steps multiply together), and every `eval_interval` iterations an estimate of the
# train and validation losses. After each estimate it calls `callback(iteration, model, history)`;
# ours prints a short sample, so you can watch the model learn.
#
# With the lesson's settings (`ref.LESSON_CONFIG`, `ref.LESSON_BATCH`, `ref.LESSON_TRAIN`: a 2-layer
# LSTM of 256 units, batches of 32 windows of 64 characters, 1,500 iterations) this takes about two
# minutes on a laptop's CPU. Under `COURSE_FAST=1` (tests and grading) it runs a twentieth of the
# iterations: same code, worse text.
#
# **One thread.** The first cell of this lesson called `torch.set_num_threads(1)`. An LSTM goes
# through the 64 steps of a window one after the other, and each step is a few small matrix
# products: too little work to share between cores. With several threads, each small operation waits
# for all of them, and on a busy machine (a laptop running a browser, a shared server) a thread that
# is not scheduled makes the others wait: training can be many times slower than on one thread. The
# cell prints the CPU time too, which does not depend on what else the machine is doing.

# %% tags=["nbval-ignore-output"]
cfg = ref.LESSON_TRAIN.scaled()  # fewer iterations when COURSE_FAST=1
print(cfg)


def show_sample(iteration, model, history):
    sample = ref.generate_text(model, tokenizer, prompt, 150, temperature=0.8,
                               generator=torch.Generator().manual_seed(0))
    print(f"──── iteration {iteration}: validation loss {history.val_loss[-1]:.3f} ────")
    print(sample)


torch.manual_seed(0)
model = ref.CharLSTM(config)
cpu_start = time.process_time()
history = train(model, get_batch, cfg, callback=show_sample)
print(f"{len(history.loss)} iterations in {history.seconds:.0f} s ({time.process_time() - cpu_start:.0f} s of CPU "
      f"time), evaluations and samples included; final validation loss {history.val_loss[-1]:.3f}")

# %% [markdown]
# The samples go from random characters, to letters in word-like groups with spaces and line breaks,
# to words, names in capitals followed by a full stop and a new line, and lines of verse. The model
# learned spelling and the layout of a play from nothing but next-character prediction.
#
# The loss curves: both fall together, and the validation loss stays close to the training loss,
# so the model is not memorising the training text. It could hardly: 1,500 batches of 2,048
# characters are about 3 million characters, fewer than the 4.4 million of the training text.

# %% tags=["nbval-ignore-output"]
plot_history(history)

# %% [markdown]
# What does the final loss mean? A loss of `L` nats per character means the model is, on average, as
# unsure as if it had to choose uniformly among `e^L` characters (the **perplexity**): down from
# the whole vocabulary at the start to a handful.

# %% tags=["nbval-ignore-output"]
final = history.val_loss[-1]
print(f"validation loss {final:.3f} nats per character = {final / math.log(2):.2f} bits; "
      f"perplexity e^{final:.3f} = {math.exp(final):.1f} (untrained: {config.vocab_size})")

# %% [markdown]
# ## 8. Temperature
#
# Sampling draws the next character from `softmax(logits / temperature)`. A temperature below 1
# sharpens the distribution (the likely characters get likelier), above 1 flattens it, and greedy
# decoding is the limit of temperature → 0. Below, the same prompt and the same random seed at
# several temperatures, and for each, the share of its words that occur somewhere in Shakespeare.

# %% tags=["nbval-ignore-output"]
shakespeare_words = set(re.findall(r"[a-z]+", text.lower()))


def real_word_share(sample):
    words = re.findall(r"[a-z]+", sample[len(prompt):].lower())
    return sum(w in shakespeare_words for w in words) / max(len(words), 1)


for label, kwargs in [("greedy", dict(greedy=True)), ("temperature 0.5", dict(temperature=0.5)),
                      ("temperature 0.8", dict(temperature=0.8)), ("temperature 1.0", dict(temperature=1.0)),
                      ("temperature 1.5", dict(temperature=1.5))]:
    sample = ref.generate_text(model, tokenizer, prompt, 300, generator=torch.Generator().manual_seed(1), **kwargs)
    print(f"════ {label}: {100 * real_word_share(sample):.0f}% of the words are Shakespeare's ════")
    print(sample)
    print()

# %% [markdown]
# Greedy decoding soon loops: the most likely continuation of a phrase leads back into the same
# phrase, and the state, which is all the model knows, comes back to where it was. Low temperatures
# write safe, common words and repeat themselves; 1.0 samples the model's own distribution, with
# more variety and more invented words; 1.5 gives weight to unlikely characters and the spelling
# falls apart. Around 0.7–0.9 is the usual compromise for a small model.
#
# ## 9. What a character-level LSTM cannot do
#
# The samples look like Shakespeare from a distance. Up close, no speech says anything, a character
# who speaks is not one who was in the scene, and nothing said two lines earlier is remembered. Two
# measurements show why.
#
# **How much of the past does the model use?** Run it over long stretches of validation text, carrying
# the state all the way, and average the loss at each position. After one character the model knows
# almost nothing; with every character read it predicts better, but only for a while:

# %% tags=["nbval-ignore-output"]
long_windows = RandomWindows(val_ids, 1024, 128, seed=3).sample()  # 128 stretches of 1,024 characters
with torch.no_grad():
    model.eval()
    logits, _ = model.forward_with_state(long_windows[0])  # the state carried through all 1,024 steps
    loss_at = F.cross_entropy(logits.transpose(1, 2), long_windows[1], reduction="none").mean(dim=0)  # (T,)

# average over groups of positions, wider further out, so the curve is not drowned in noise
edges = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1025]
centres = [math.sqrt(lo * (hi - 1)) for lo, hi in zip(edges, edges[1:])]
means = [loss_at[lo - 1:hi - 1].mean().item() for lo, hi in zip(edges, edges[1:])]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(centres, means, marker="o")
ax.axvline(block_size, color="0.5", linestyle="--", label=f"length of the training windows ({block_size})")
ax.set_xscale("log")
ax.set_xlabel("characters read so far")
ax.set_ylabel("mean loss at that position")
ax.set_title("More context stops helping after about ten characters")
ax.grid(alpha=0.3)
ax.legend()
plt.show()
for first, last in [(1, 1), (2, 8), (9, 32), (33, 64), (65, 256), (257, 1024)]:
    print(f"characters read {first:>3} to {last:>4}: mean loss {loss_at[first - 1:last].mean():.3f}")

# %% [markdown]
# On average the loss stops falling after about ten characters, a word or two. Earlier text still
# shapes a few predictions, but too little to show in the average: what was said a line ago hardly
# matters to this model. Part of this is how it was trained (windows of 64 characters, so no gradient
# ever asked it to remember further back), and part is the architecture: everything the model knows
# about the past has to fit in its state (`h` and `c` of 2 layers: 1,024 numbers), and the state is
# rewritten at every step.
#
# **Can it look something up?** A language model that could look back would find a passage it has
# already read much easier to predict the second time. Take passages of 100 characters from the
# validation text, feed each one twice in a row, and compare the loss on the first and the second
# reading:

# %% tags=["nbval-ignore-output"]
passages = RandomWindows(val_ids, 100, 64, seed=4).sample()[0]  # (64, 100)
for gap in [0, 200]:
    filler = RandomWindows(val_ids, max(gap, 1), 64, seed=5).sample()[0][:, :gap]  # other text in between
    twice = torch.cat([passages, filler, passages], dim=1)
    with torch.no_grad():
        logits, _ = model.forward_with_state(twice[:, :-1])
    losses = F.cross_entropy(logits.transpose(1, 2), twice[:, 1:], reduction="none")  # (64, len - 1)
    # losses[:, j] scores the prediction of twice[:, j + 1]: the first copy's characters 1..99 are
    # predicted at j = 0..98, the second copy's at j = 100 + gap .. 198 + gap
    first, second = losses[:, :99].mean(), losses[:, 100 + gap:].mean()
    print(f"gap of {gap:>3} characters: loss on the first reading {first:.3f}, on the second {second:.3f}")

# %% [markdown]
# The second reading is no easier than the first, even right after it (the two losses differ by a few
# hundredths, either way): the model cannot go back and copy, because the passage is gone; only its
# blurred summary in `(h, c)` remains. People can: to continue a quotation, look at where it was. So
# can attention, for anything within its context.
#
# That is what **lesson 05** builds. A GPT drops the recurrent state and lets every position *attend*
# to every earlier position directly (lesson 03's causal self-attention), so a name or a phrase
# from far back is one step away rather than a fading memory. It also trains on all positions of a
# window in parallel, where the LSTM must go through them one by one. The price: every new token looks
# at all the tokens before it, so generation is no longer one fixed-cost step per character.
#
# ## Questions
#
# **Q1.** Generating the 2,000th character costs the LSTM as much as the first. Why, and what does a
# GPT, which attends to all earlier tokens, have to do differently?

# %% [markdown] nbgrader={"grade_id": "q1-cost", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# The LSTM's state `(h, c)` has a fixed size and already summarises everything before, so each new
# character is one cell step per layer on one input: constant time and memory. A GPT has no summary:
# to predict the next token it attends to the keys and values of every earlier token, so the cost of
# a step grows with the length of the text (linearly with a key/value cache that stores them, which
# itself grows with the text; quadratically if the whole prefix is re-run), and the context is capped
# at the block size. In exchange it can look at any earlier token exactly, and it trains on all
# positions of a sequence in parallel, where the LSTM must go step by step.
# ### END SOLUTION

# %% [markdown]
# **Q2.** Every training window starts from a zero state and is 64 characters long. What does that
# limit, and how could the model be trained to use a longer past without making the windows longer?

# %% [markdown] nbgrader={"grade_id": "q2-windows", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# Gradients only flow within a window, so the model is never rewarded for keeping information longer
# than 64 steps, and it never sees a state that has run for more than 64 steps during training.
# Training on consecutive windows instead of random ones, and passing each window's final state
# (detached from the graph: `h.detach(), c.detach()`) as the next window's initial state, lets the
# state carry information across windows ("truncated backpropagation through time"): the forward pass
# then covers the whole text, while gradients still reach back only one window.
# ### END SOLUTION
