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
# 6. write the training loop yourself (zero the gradients, forward, backward, clip, step) with a
#    learning rate that warms up and then decays;
# 7. train a character model on Shakespeare's plays (1,500 iterations: the lesson's longest cell,
#    minutes on a laptop CPU), and watch its samples go from gibberish to words to something that
#    looks like a play;
# 8. see what `torch.multinomial` and the temperature do when the model samples a character;
# 9. measure what it cannot do: how much of the past it uses, and whether it can copy.
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
from course.train import TrainConfig, lr_at

torch.set_num_threads(1)  # this lesson's models are small: one thread is fastest (section 8 says why)
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
# `cell(x, (h, c))` returns `(h_new, c_new)` too. Compute it from the equations, without calling
# `nn.LSTMCell`, `nn.LSTM` or `torch.lstm_cell` (the autograder does not run an answer that does, and
# its tests score 0).

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
from course.grading import assert_own_work
assert_own_work(lstm_cell, "lstm_cell")
### BEGIN HIDDEN TESTS
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
        _step = lstm_cell(_xs[:, _t], _h, _c, _lstm.weight_ih_l0, _lstm.weight_hh_l0, _lstm.bias_ih_l0, _lstm.bias_hh_l0)
        assert type(_step) is tuple and len(_step) == 2 and all(
            type(_s) is torch.Tensor and _s.shape == (2, 5) for _s in _step), \
            "hidden test: unrolled over 9 steps, each step must return the tuple (h, c) of (2, 5) tensors"
        _h, _c = _step
        _outs.append(_h)
assert torch.allclose(torch.stack(_outs, dim=1), _want_out, atol=1e-5) and torch.allclose(_c, _want_cn[0], atol=1e-5), \
    "hidden test: unrolled over 9 steps, the cell must give nn.LSTM's outputs and final c"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-lstm-cell-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: the tuple (h_new, c_new), each (B, H), in the inputs' dtype.
for _B, _I, _H in [(1, 3, 4), (5, 2, 3)]:
    _W = nn.LSTMCell(_I, _H)
    _out = checks.form_call("lstm_cell", lstm_cell, (torch.randn(_B, _I), torch.randn(_B, _H), torch.randn(_B, _H),
                                                     _W.weight_ih, _W.weight_hh, _W.bias_ih, _W.bias_hh))
    assert type(_out) is tuple and len(_out) == 2, f"return the tuple (h_new, c_new), got {checks.describe(_out)}"
    for _name, _t in zip(("h_new", "c_new"), _out):
        assert type(_t) is torch.Tensor and _t.shape == (_B, _H) and _t.dtype == torch.float32, \
            f"{_name} must be a ({_B}, {_H}) float32 tensor for B = {_B}, H = {_H}, got {checks.describe(_t)}"
from course.grading import assert_own_work
assert_own_work(lstm_cell, "lstm_cell")

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
from course.grading import assert_own_work
assert_own_work(shift_batch, "shift_batch")
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(2)
_data = torch.randint(0, 65, (20_000,), generator=_gen)
for _block, _B in [(1, 1), (5, 3), (64, 32), (17, 8)]:
    _starts = torch.randint(0, len(_data) - _block - 1, (_B,), generator=_gen)
    _starts[0] = len(_data) - _block - 1  # the last window that still has a label for every input
    _got = shift_batch(_data, _starts.clone(), _block)
    _want = windows_at(_data, _starts, _block)
    assert type(_got) is tuple and len(_got) == 2, f"hidden test (block_size={_block}, B={_B}): return the tuple (x, y)"
    for _name, _g, _w in zip("xy", _got, _want):
        assert type(_g) is torch.Tensor and _g.dtype == torch.long and _g.shape == (_B, _block), \
            f"hidden test (block_size={_block}, B={_B}): {_name} must be a ({_B}, {_block}) long tensor"
        assert torch.equal(_g, _w), f"hidden test (block_size={_block}, B={_B}, last window included): wrong {_name}"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-shift-batch-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: the tuple (x, y), two (B, block_size) long tensors.
for _starts, _block in [(torch.tensor([0, 5, 2]), 4), (torch.tensor([7]), 1)]:
    _out = checks.form_call("shift_batch", shift_batch, (torch.arange(20), _starts, _block))
    assert type(_out) is tuple and len(_out) == 2, f"return the tuple (x, y), got {checks.describe(_out)}"
    for _name, _t in zip("xy", _out):
        assert type(_t) is torch.Tensor and _t.shape == (len(_starts), _block) and _t.dtype == torch.long, \
            f"{_name} must be a ({len(_starts)}, {_block}) long tensor, got " + (
                f"a {str(_t.dtype).replace('torch.', '')} tensor of shape {tuple(_t.shape)}"
                if isinstance(_t, torch.Tensor) else f"a {type(_t).__name__}")
from course.grading import assert_own_work
assert_own_work(shift_batch, "shift_batch")

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
from course.grading import assert_own_work
assert_own_work(sequence_loss, "sequence_loss")
### BEGIN HIDDEN TESTS
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
    _out = checks.form_call("sequence_loss", sequence_loss, (torch.randn(_B, _T, _V), torch.randint(0, _V, (_B, _T))))
    assert type(_out) is torch.Tensor, f"return a torch.Tensor (not .item()), got {type(_out).__name__}"
    assert _out.shape == () and _out.dtype == torch.float32, f"return a float32 scalar, got shape {tuple(_out.shape)}, {_out.dtype}"
from course.grading import assert_own_work
assert_own_work(sequence_loss, "sequence_loss")

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
# Never feed the whole text again, and never reset the state. Leave the model in the mode it came in
# (the caller chooses: no `model.eval()` or `model.train()` without putting the old mode back).

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
from course.grading import assert_own_work
assert_own_work(generate_greedy, "generate_greedy")
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(5)
for _seed, (_V, _layers, _B, _T, _n) in enumerate([(10, 1, 1, 1, 8), (13, 2, 3, 5, 12), (7, 3, 2, 8, 6), (20, 2, 1, 4, 0)]):
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
    _model.generate = checks._forbidden_generate  # raises: write the loop yourself
    try:
        _got = generate_greedy(_model, _prompt.clone(), _n)
    finally:
        _hook.remove()
    assert type(_got) is torch.Tensor and _got.dtype == torch.long and _got.shape == (_B, _T + _n), \
        f"hidden test ({_case}): expected a ({_B}, {_T + _n}) long tensor"
    assert torch.equal(_got, _want), f"hidden test ({_case}): wrong ids"
    # the prompt is read once, then one id per step: never the prefix again (no call at all for no new id)
    assert (_n == 0 and not _lengths) or (_lengths[:1] == [_T] and all(_k == 1 for _k in _lengths[1:])), \
        f"hidden test ({_case}): read the prompt once, then one id per step"
    assert (_n == 0 and not _lengths) or len(_lengths) - 1 in (max(_n - 1, 0), _n), \
        f"hidden test ({_case}): not one one-step call per new id"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-generate-greedy-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a (B, T + max_new_tokens) long tensor that starts with the prompt.
_model = ref.CharLSTM(ref.CharLSTMConfig(vocab_size=7, n_embd=4, hidden_size=8, n_layers=1)).eval()
_prompt = torch.tensor([[1, 2], [3, 4], [5, 6]])
_out = checks.form_call("generate_greedy", generate_greedy, (_model, _prompt.clone(), 4))
assert type(_out) is torch.Tensor and _out.dtype == torch.long, f"return a long tensor, got {checks.describe(_out)}"
assert _out.shape == (3, 6), f"for a (3, 2) prompt and 4 new ids expected shape (3, 6), got {tuple(_out.shape)}"
assert torch.equal(_out[:, :2], _prompt), "the output starts with the prompt"
from course.grading import assert_own_work
assert_own_work(generate_greedy, "generate_greedy")

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
# from the probabilities `softmax(logits / temperature)` (section 9). `ref.generate_text` wraps it for
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
# (and the total with its square). Below, the time to produce one more character after a text of
# `n` characters, both ways (the fastest of five tries). Timings depend on the machine; the shapes of
# the two curves do not.

# %% tags=["nbval-ignore-output"]
@torch.no_grad()
def ms_for_next_char(n, carry_state, tries=5):
    """Milliseconds to score character n + 1 after a text of n characters: the fastest of `tries`."""
    text_ids = val_ids[:n][None]                               # (1, n): a text of n characters
    _, state = model.forward_with_state(text_ids[:, :-1])      # the state after n - 1 of them (not timed)
    times = []
    for _ in range(tries):
        start = time.perf_counter()
        if carry_state:
            model.forward_with_state(text_ids[:, -1:], state)  # one step: the newest character and the state
        else:
            model.forward_with_state(text_ids)                 # the whole text again, from a zero state
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


model.eval()
lengths = [25, 50, 100, 200, 400, 800]
carried = [ms_for_next_char(n, carry_state=True) for n in lengths]
rerun = [ms_for_next_char(n, carry_state=False) for n in lengths]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(lengths, rerun, marker="o", color="C1", label="whole text re-run for each character")
ax.plot(lengths, carried, marker="o", color="C0", label="state carried (model.generate)")
ax.set_xlabel("characters so far")
ax.set_ylabel("milliseconds for the next character")
ax.set_title("Generation: one step per character")
ax.set_ylim(bottom=0)
ax.grid(alpha=0.3)
ax.legend(loc="upper left")
plt.show()
for n, fast, slow in zip(lengths, carried, rerun):
    print(f"after {n:>3} characters: state carried {fast:6.2f} ms, text re-run {slow:7.2f} ms")

# %% [markdown]
# ## 7. The training loop
#
# Training repeats one small recipe thousands of times. In each **iteration** `it`:
#
# 1. set this iteration's **learning rate** (the schedule, below);
# 2. draw a batch: `x, y = get_batch("train")`;
# 3. **forward**: `_, loss = model(x, y)`;
# 4. `optimizer.zero_grad()`: PyTorch *adds* each backward pass's gradients to those already stored
#    in the parameters' `.grad`, so the previous iteration's must go first;
# 5. **backward**: `loss.backward()` stores in every parameter's `.grad` the derivative of the loss;
# 6. **clip**: when the norm of all the gradients together is larger than `grad_clip`, scale them all
#    down to that norm (`torch.nn.utils.clip_grad_norm_`). The direction stays, only the length is
#    capped, so one unlucky batch cannot throw the weights far away. An LSTM needs this: its gradients
#    are products over many time steps, and can jump;
# 7. `optimizer.step()`: move every parameter against its gradient, by an amount the learning rate
#    sets.
#
# **The schedule.** The course's runs, like nanoGPT's, warm up and then decay. The optimizer, AdamW,
# divides each gradient by a running estimate of its size, and its first estimates are poor: so the
# rate starts small and rises in a straight line for `warmup_iters` iterations. Then it follows half a
# cosine down to `min_lr` at `max_iters`: large steps while the loss falls fast, small ones at the end
# to settle.
#
# ### Exercise 5 — the learning-rate schedule (2 points: one for a result of the right type, one for the right values)
#
# Write `lr_at_step(it, cfg)`. `cfg` is a `TrainConfig`, the course's training settings, of which you
# need `cfg.learning_rate`, `cfg.min_lr`, `cfg.warmup_iters` and `cfg.max_iters`. Return a Python float:
#
# * while `it < warmup_iters`: `learning_rate * (it + 1) / (warmup_iters + 1)`;
# * from `warmup_iters` to `max_iters`: with `progress = (it - warmup_iters) / (max_iters - warmup_iters)`,
#   which goes from 0 to 1, `min_lr + 0.5 * (1 + cos(π · progress)) * (learning_rate - min_lr)`;
# * after `max_iters`: `min_lr`.
#
# For `learning_rate = 1.0`, `min_lr = 0.1`, `warmup_iters = 4`, `max_iters = 14`: iterations 0 to 3
# give 0.2, 0.4, 0.6 and 0.8; iteration 4 gives 1.0, iteration 9 (half-way down) 0.55, iteration 14
# and later 0.1. (`math.cos`, `math.pi`.)

# %% nbgrader={"grade_id": "lr-schedule", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def lr_at_step(it, cfg):
    """The learning rate at iteration `it`: a linear warm-up, then a cosine from cfg.learning_rate to cfg.min_lr."""
    ### BEGIN SOLUTION
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)  # 0 -> 1
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-lr-schedule", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_lr_schedule(lr_at_step)  # names the mistake, if your schedule has a common one
example = TrainConfig(max_iters=14, learning_rate=1.0, min_lr=0.1, warmup_iters=4)
for it, want in [(0, 0.2), (3, 0.8), (4, 1.0), (9, 0.55), (14, 0.1), (20, 0.1)]:
    got = lr_at_step(it, example)
    assert isinstance(got, float), f"iteration {it}: return a Python float, got {got!r}"
    assert abs(got - want) < 1e-9, f"iteration {it} of the example above: expected {want}, got {got}"
from course.grading import assert_own_work
assert_own_work(lr_at_step, "lr_at_step")
### BEGIN HIDDEN TESTS
for _max, _lr, _min, _warm in [(1500, 3e-3, 3e-4, 50), (7, 1.0, 0.0, 1), (40, 0.5, 0.05, 0), (10, 1.0, 0.25, 9),
                               (25, 2.0, 2.0, 5)]:
    _cfg = TrainConfig(max_iters=_max, learning_rate=_lr, min_lr=_min, warmup_iters=_warm)
    # every iteration of a short schedule; of the long one, its turning points and 30 others
    _its = range(_max + 5) if _max <= 50 else sorted(
        {0, 1, _warm - 1, _warm, _warm + 1, _max // 2, _max - 1, _max, _max + 1, _max + 4}
        | set(torch.randint(0, _max + 5, (30,), generator=torch.Generator().manual_seed(_max)).tolist()))
    for _it in _its:
        _got, _want = lr_at_step(_it, _cfg), lr_at(_it, _cfg)
        assert isinstance(_got, float), f"hidden test (max_iters={_max}, warmup_iters={_warm}): return a float at iteration {_it}"
        assert abs(_got - _want) <= 1e-9 * max(1.0, abs(_want)), \
            f"hidden test (max_iters={_max}, learning_rate={_lr}, min_lr={_min}, warmup_iters={_warm}): wrong rate at iteration {_it}"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-lr-schedule-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a finite Python float at every iteration (math.cos, not torch.cos).
_cfg = TrainConfig(max_iters=10, learning_rate=0.5, min_lr=0.05, warmup_iters=3)
for _it in (0, 2, 3, 7, 10, 12):
    _value = checks.form_call("lr_at_step", lr_at_step, (_it, _cfg))
    assert isinstance(_value, float) and math.isfinite(_value), \
        f"iteration {_it}: return a finite Python float (math.cos, not torch.cos), got {checks.describe(_value)}"
from course.grading import assert_own_work
assert_own_work(lr_at_step, "lr_at_step")

# %% [markdown]
# ### Exercise 6 — the training loop (2 points: one for a result of the right type and length, one for the right values)
#
# Write `train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule)`: train `model` in
# place for `max_iters` iterations with the seven steps above, and return the list of its
# `max_iters` training losses as Python floats (`loss.item()`).
#
# * `lr_schedule(it)` gives iteration `it`'s learning rate. An optimizer keeps the rate in each of its
#   **parameter groups** (`optimizer.param_groups`, a list of dicts; the course's AdamW has two, for the
#   parameters with and without weight decay): set `group["lr"]` in every one.
# * `model(x, y)` returns `(logits, loss)`; `get_batch("train")` returns `(x, y)`.
# * Clip with `torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)`.
# * The model comes in training mode: leave it so (a `model.eval()` would turn dropout off while it
#   trains, and hand the caller a model in the wrong mode).
#
# About ten lines. The self-check trains tiny models with your loop and with the course's
# (`course.train.train_loop`), and compares the losses and the trained weights.

# %% nbgrader={"grade_id": "train-loop", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    """Train `model` in place for `max_iters` iterations; return the list of the training losses (floats)."""
    ### BEGIN SOLUTION
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-train-loop", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_train_loop(train_loop)  # names the mistake, if your loop has a common one
torch.manual_seed(0)
small = ref.CharLSTM(ref.CharLSTMConfig(vocab_size=tokenizer.vocab_size, n_embd=16, hidden_size=32, n_layers=1))
small_optimizer = torch.optim.AdamW(small.parameters(), lr=0.0)
one_batch = RandomWindows(train_ids, 16, 8, seed=0).sample()  # the same batch at every iteration
losses = train_loop(small, small_optimizer, lambda split: one_batch, 30, 1.0, lambda it: 0.01)
assert type(losses) is list and len(losses) == 30, "return a list with one loss per iteration"
assert all(type(value) is float for value in losses), "each loss is a Python float (loss.item())"
assert small_optimizer.param_groups[0]["lr"] == 0.01, "set each parameter group's 'lr' to lr_schedule(it)"
assert losses[-1] < losses[0] - 0.5, \
    f"30 iterations on one batch must lower its loss a lot, it went from {losses[0]:.3f} to {losses[-1]:.3f}"
from course.grading import assert_own_work
assert_own_work(train_loop, "train_loop")
### BEGIN HIDDEN TESTS
from course.train import configure_optimizer as _configure
from course.train import train_loop as _reference_loop


def _run(_loop, _seed, _kind, _iters, _clip):
    torch.manual_seed(_seed)
    _model = ref.CharLSTM(ref.CharLSTMConfig(vocab_size=11, n_embd=5, hidden_size=7, n_layers=2))
    _opt = (_configure(_model, 0.1, 5.0) if _kind == "adamw" else
            torch.optim.SGD(_model.parameters(), lr=5.0, momentum=0.9))
    _g = torch.Generator().manual_seed(_seed)
    _data = torch.randint(0, 11, (200,), generator=_g)
    # the other split draws from a generator of its own: a loop that also measures on it trains as the reference
    _gv = torch.Generator().manual_seed(1000 + _seed)
    _get = lambda split: windows_at(_data, torch.randint(0, 190, (4,), generator=_g if split == "train" else _gv), 6)  # noqa: E731
    _losses = _loop(_model, _opt, _get, _iters, _clip, lambda it: 0.05 * (it + 1) / 4 if it < 3 else 0.05 / (it - 1))
    return _losses, torch.cat([_p.detach().reshape(-1) for _p in _model.parameters()])


for _seed, _kind, _iters, _clip in [(0, "adamw", 8, 0.1), (1, "sgd", 6, 0.05), (2, "adamw", 1, 1.0), (3, "sgd", 7, 10.0),
                                    (4, "adamw", 0, 1.0)]:
    _case = f"{_kind}, {_iters} iterations, grad_clip {_clip}"
    _got, _got_params = _run(train_loop, _seed, _kind, _iters, _clip)
    _want, _want_params = _run(_reference_loop, _seed, _kind, _iters, _clip)
    assert type(_got) is list and len(_got) == _iters and all(type(_v) is float for _v in _got), \
        f"hidden test ({_case}): return a list of {_iters} Python floats"
    assert torch.allclose(torch.tensor(_got), torch.tensor(_want), atol=1e-5), f"hidden test ({_case}): wrong losses"
    assert torch.allclose(_got_params, _want_params, atol=1e-5), f"hidden test ({_case}): wrong weights after training"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-train-loop-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a list of max_iters Python floats.
_model = ref.CharLSTM(ref.CharLSTMConfig(vocab_size=5, n_embd=3, hidden_size=4, n_layers=1))
_xy = (torch.tensor([[1, 2, 3]]), torch.tensor([[2, 3, 4]]))
for _iters in (3, 1):
    _out = checks.form_call("train_loop", train_loop, (_model, torch.optim.SGD(_model.parameters(), lr=0.1),
                                                       lambda split: _xy, _iters, 1.0, lambda it: 0.1))
    assert type(_out) is list and len(_out) == _iters, f"return a list of max_iters = {_iters} losses, got {checks.describe(_out)}"
    assert all(type(_v) is float for _v in _out), \
        f"each loss is a Python float (loss.item()), got {[type(_v).__name__ for _v in _out]}"
from course.grading import assert_own_work
assert_own_work(train_loop, "train_loop")

# %% [markdown]
# Your schedule for the run of section 8 (1,500 iterations, 50 of warm-up), and your loop training a
# small LSTM (64 units) for 100 iterations with AdamW and a schedule of its own:

# %% tags=["raises-exception", "nbval-ignore-output"]
run_lrs = [lr_at_step(it, ref.LESSON_TRAIN) for it in range(ref.LESSON_TRAIN.max_iters)]
torch.manual_seed(0)
small = ref.CharLSTM(ref.CharLSTMConfig(vocab_size=tokenizer.vocab_size, n_embd=16, hidden_size=64, n_layers=1))
small_cfg = TrainConfig(max_iters=100, learning_rate=1e-2, min_lr=1e-3, warmup_iters=10, grad_clip=1.0)
small_batches = RandomWindows(train_ids, 64, 16, seed=5)
small_losses = train_loop(small, torch.optim.AdamW(small.parameters()), lambda split: small_batches.sample(),
                          small_cfg.max_iters, small_cfg.grad_clip, lambda it: lr_at_step(it, small_cfg))
fig, (ax_lr, ax_loss) = plt.subplots(1, 2, figsize=(10, 3.2))
ax_lr.plot(run_lrs)
ax_lr.set_xlabel("iteration")
ax_lr.set_ylabel("learning rate")
ax_lr.set_title("lr_at_step for ref.LESSON_TRAIN")
ax_loss.plot(small_losses)
ax_loss.set_xlabel("iteration")
ax_loss.set_ylabel("training loss")
ax_loss.set_title("train_loop on a small LSTM")
for ax in (ax_lr, ax_loss):
    ax.grid(alpha=0.3)
plt.show()
print(f"learning rate: {run_lrs[0]:.2e} at iteration 0, {max(run_lrs):.2e} at iteration {run_lrs.index(max(run_lrs))}, "
      f"{run_lrs[-1]:.2e} at iteration {len(run_lrs) - 1}")
print(f"small LSTM: loss {small_losses[0]:.2f} at the first iteration, {small_losses[-1]:.2f} at the last")

# %% [markdown]
# ## 8. Training on Shakespeare
#
# `course.train.train(model, get_batch, cfg, callback)` is the loop of Exercise 6 with what a real run
# needs around it: AdamW with weight decay on the weight matrices only, the schedule of Exercise 5
# (`course.train.lr_at`), a progress bar, and every `eval_interval` iterations an estimate of the
# train and validation losses (the mean loss of `eval_iters` batches of each, in eval mode, without
# gradients). After each estimate it calls `callback(iteration, model, history)`; ours prints a short
# sample, so you can watch the model learn. The `history` it returns holds the estimates, and the loss,
# learning rate and gradient norm of every iteration.
#
# The lesson's settings are `ref.LESSON_CONFIG`, `ref.LESSON_BATCH` and `ref.LESSON_TRAIN`: a 2-layer
# LSTM of 256 units, batches of 32 windows of 64 characters, 1,500 iterations. This is the longest
# cell of the lesson, minutes on a laptop's CPU; it prints how long it took, here on the machine that
# stored this notebook's outputs, which was shared with other jobs. Under `COURSE_FAST=1` (tests and
# grading) it runs at most 20 iterations: same code, worse text.
#
# **One thread.** The first cell of this lesson called `torch.set_num_threads(1)`. An LSTM goes
# through the 64 steps of a window one after the other, and each step is a few small matrix
# products: too little work to share between cores. With several threads, each small operation waits
# for all of them, and on a busy machine (a laptop running a browser, a shared server) a thread that
# is not scheduled makes the others wait: training can be many times slower than on one thread. The
# cell prints the CPU time too, which depends much less than the wall-clock time on what else the
# machine is doing.

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
history = course.train.train(model, get_batch, cfg, callback=show_sample)
print(f"{len(history.loss)} iterations in {history.seconds:.0f} s ({time.process_time() - cpu_start:.0f} s of CPU "
      f"time), evaluations and samples included; final validation loss {history.val_loss[-1]:.3f}")

# %% [markdown]
# The samples go from random characters, to letters in word-like groups with spaces and line breaks,
# to words, names in capitals followed by a full stop and a new line, and lines of verse. The model
# learned spelling and the layout of a play from nothing but next-character prediction.
#
# The loss curves: both fall together, and the validation loss stays close to the training loss,
# so the model is not memorising the training text. It could hardly: 1,500 batches of 2,048
# characters are about 3 million characters, fewer than the 4.4 million of the training text. Below
# them, `history.lr`: the learning rate of every iteration, the schedule of Exercise 5.

# %% tags=["nbval-ignore-output"]
plot_history(history)
fig, ax = plt.subplots(figsize=(6.4, 2.2))
ax.plot(history.lr)
ax.set_xlabel("iteration")
ax.set_ylabel("learning rate")
ax.set_title("history.lr: warm-up, then cosine decay to min_lr")
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# What does the final loss mean? A loss of `L` nats per character means the model is, on average, as
# unsure as if it had to choose uniformly among `e^L` characters (the **perplexity**): down from
# the whole vocabulary at the start to a handful.

# %% tags=["nbval-ignore-output"]
final = history.val_loss[-1]
print(f"validation loss {final:.3f} nats per character = {final / math.log(2):.2f} bits; "
      f"perplexity e^{final:.3f} = {math.exp(final):.1f} (untrained: {config.vocab_size})")

# %% [markdown]
# ## 9. Sampling, and temperature
#
# `model.generate` picks each character with `torch.multinomial(probs, 1)`: a random draw in which
# character `c` comes out with probability `probs[c]`. Drawing many times from one distribution shows
# what that means. After the prompt `"HAMLET.\nThe "`, a new word begins; here are the trained model's
# probabilities for its first letter, and how often each letter came out in `N = 1,000` draws:

# %% tags=["nbval-ignore-output"]
sampling_prompt = "HAMLET.\nThe "
with torch.no_grad():
    model.eval()
    logits, _ = model(torch.tensor([tokenizer.encode(sampling_prompt)]))
next_logits = logits[0, -1]                    # (V,): the scores for the next character
probs = F.softmax(next_logits, dim=-1)         # (V,): probabilities that sum to 1
N = 1000
draws = torch.multinomial(probs, N, replacement=True, generator=torch.Generator().manual_seed(0))  # (N,) ids
counts = torch.bincount(draws, minlength=len(probs))  # (V,): how often each id came out
top = probs.argsort(descending=True)[:10]      # the 10 most likely characters
names = [repr(tokenizer.decode([i]))[1:-1] for i in top.tolist()]
positions = torch.arange(len(top)).float()
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(positions - 0.2, (N * probs[top]).tolist(), width=0.4, label=f"expected count: N × p")
ax.bar(positions + 0.2, counts[top].tolist(), width=0.4, label=f"counted in N = {N:,} draws")
ax.set_xticks(positions.tolist(), names)
ax.set_xlabel("next character")
ax.set_ylabel("draws")
ax.set_title(f"torch.multinomial after {sampling_prompt!r}")
ax.legend()
plt.show()
for name, i in zip(names, top.tolist()):
    print(f"{name!r:5} p = {probs[i]:.3f}   N × p = {N * probs[i]:5.1f}   drawn {counts[i]:3d} times")
rest = torch.ones(len(probs), dtype=torch.bool)
rest[top] = False
print(f"the other {int(rest.sum())} characters together: p = {probs[rest].sum():.3f}, drawn {counts[rest].sum()} times")

# %% [markdown]
# Each count lands near `N × p`, off by a few draws to a dozen: random counts spread by about
# `√(N × p)` around their expected value. Every draw is a throw of a loaded die, and over many throws
# the loading shows. That is why a sampled text is different at every run (unless
# the generator is seeded, as in this lesson), and why unlikely characters do come out now and then.
#
# **Temperature** reshapes the distribution before the draw: `softmax(logits / temperature)`. The same
# scores at three temperatures:

# %% tags=["nbval-ignore-output"]
fig, axes = plt.subplots(1, 3, figsize=(11, 3), sharey=True)
for ax, temperature in zip(axes, (0.5, 1.0, 1.5)):
    p_t = F.softmax(next_logits / temperature, dim=-1)  # (V,)
    ax.bar(names, p_t[top].tolist(), color="C2")
    ax.set_title(f"temperature {temperature}")
    ax.set_xlabel("next character")
    print(f"temperature {temperature}: the most likely character {names[0]!r} gets p = {p_t[top[0]]:.3f}; "
          f"the {len(probs) - len(top)} characters not shown get {1 - p_t[top].sum():.3f} together")
axes[0].set_ylabel("probability")
plt.show()

# %% [markdown]
# Divided by a temperature below 1, the scores spread further apart, and the softmax gives the likely
# characters even more of the probability: at 0.5 the bars are taller on the left and shorter on the
# right, `'s'` gets 0.27 instead of 0.12, and the 73 characters off the chart 0.17 instead of 0.38
# together. Above 1 the scores move closer together and the bars level out: at 1.5 `'s'` drops to
# 0.08 and the rare characters off the chart get half of the probability. Greedy decoding is the
# limit of temperature → 0.
# Below, the same prompt and the same random seed at several temperatures, and for each, the share
# of its words that occur somewhere in Shakespeare.

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
# ## 10. What a character-level LSTM cannot do
#
# The samples look like Shakespeare from a distance. Up close, no speech says anything, a character
# who speaks is not one who was in the scene, and nothing said two lines earlier is remembered. Two
# measurements show why.
#
# **How much of the past does the model use?** Take 256 fixed places in the validation text. For each
# length `k`, give the model exactly the `k` characters before each place, read from a fresh (zero)
# state, and score its prediction of the character at the place. The 256 characters to predict are
# the same for every `k`; only the context given changes:

# %% tags=["nbval-ignore-output"]
contexts = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256]
places = torch.randint(max(contexts), len(val_ids), (256,), generator=torch.Generator().manual_seed(3))
targets = val_ids[places]                                   # (256,): the characters to predict
loss_with = []
with torch.no_grad():
    model.eval()
    for k in contexts:
        before = torch.stack([val_ids[p - k:p] for p in places.tolist()])  # (256, k): the k characters before
        logits, _ = model.forward_with_state(before)                       # a fresh state for every k
        loss_with.append(F.cross_entropy(logits[:, -1], targets).item())   # the prediction after the k-th
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(contexts, loss_with, marker="o")
ax.axvline(block_size, color="0.5", linestyle="--", label=f"length of the training windows ({block_size})")
ax.set_xscale("log")
ax.set_xlabel("characters of context given (k)")
ax.set_ylabel("mean loss on the same 256 characters")
ax.set_title("How much context the LSTM uses")
ax.grid(alpha=0.3)
ax.legend()
plt.show()
for k, loss in zip(contexts, loss_with):
    print(f"context of {k:>3} characters: loss {loss:.3f}")

# %% [markdown]
# The loss falls fast over the first few characters (2.44 with one, 1.48 with six: the rest of the
# word), then slowly up to about two dozen (1.43), and not at all after that: from 24 characters to
# 256 it stays at 1.43, and from 64 on the predictions are the same to the third decimal, whatever
# the extra text. What was said a line ago does not matter to this model. Part of this is how it was
# trained (windows of 64 characters from a zero state, so no gradient ever asked it to remember
# further back), and part is the architecture: everything the model knows about the past has to fit
# in its state (`h` and `c` of 2 layers: 1,024 numbers), and the state is rewritten at every step.
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
# The second reading is no easier than the first; it is slightly harder (1.606 and 1.610, against
# 1.570). The model cannot go back and copy, because the passage is gone: only its blurred summary in
# `(h, c)` remains. People can: to continue a quotation, look at where it was.
#
# **Lesson 05** builds a model that has the means to. A GPT drops the recurrent state and lets every
# position *attend* to every earlier position in its context (lesson 03's causal self-attention): the
# last 64 characters in lesson 05, each one step away rather than a fading memory. It also trains on
# all positions of a window in parallel, where the LSTM must go through them one by one. The price:
# every new token looks at all the tokens before it, so generation is no longer one fixed-cost step
# per character. Having the means is not the same as using them, though: a model learns to copy only
# when its training rewards copying. Lesson 05's small GPT, trained for minutes on windows of 64
# characters, has not learned to; run this experiment on it there and see. The ability shows up in
# larger models trained on more text, where some attention heads learn to find an earlier occurrence
# of the current token and predict what followed it ("induction heads", Olsson et al., 2022).
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
