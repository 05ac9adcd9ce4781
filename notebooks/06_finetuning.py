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
# # Lesson 06 — Using and fine-tuning a pretrained GPT
#
# Nobody trains a language model from nothing for every task. Someone spends a lot of compute once,
# **pretraining** a model on a large text to predict the next token; everyone else downloads it and
# **fine-tunes** it: a few minutes of training on their own, much smaller text. What the model learned
# about words, grammar and style carries over. This is *transfer learning*, and in this lesson you will
# measure it.
#
# Real pretrained models (GPT-2, Llama, …) come from the Hugging Face hub, which needs the internet.
# This course ships its own small pretrained model instead: a GPT from lesson 05 (`course.gpt.GPT`),
# pretrained on a CPU on Shakespeare's 37 plays and Milton's *Paradise Lost* with the BPE tokenizer of
# lesson 01, and saved
# in Hugging Face's format. So the code below is exactly the code you would write for GPT-2: online,
# change one name (`MODEL = "gpt2"`) and the same cells run on the real thing (section 9 has a short
# GPT-2 fine-tuning recipe).
#
# You will:
#
# 1. load the model and its tokenizer with Hugging Face's `Auto` classes, load the same weights into
#    lesson 05's own `GPT`, generate text, look at logits;
# 2. write **greedy decoding** by hand (exercise) and check it against `model.generate`;
# 3. write **top-k** and **top-p** sampling filters (exercises) and play with them;
# 4. compute the training **loss** by hand (exercise);
# 5. turn the 154 Sonnets into a padded training batch (exercise) — without letting padding into the loss;
# 6. fine-tune on the Sonnets, watch the held-out loss to stop early, and compare with a model trained
#    from scratch;
# 7. fine-tune only a few parameters: the last block, or a LoRA adapter you can read in 30 lines;
# 8. see how the same loss, with the prompt masked out, teaches a model to follow instructions.

# %%
import course  # first, before torch: threading that copes with a shared machine (course/threads.py)
import dataclasses

import matplotlib.pyplot as plt
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.utils import logging

import course.finetune as ref_ft  # the course's reference implementations
import course.sampling as ref
from course.checks import finetune as checks
from course.checks import sampling as sampling_checks
from course.data import load_corpus
from course.gpt import GPT
from course.train import TrainConfig, scaled_iters, train
from course.widgets import sampling_explorer

logging.disable_progress_bar()  # no "Loading weights" bars: keep the notebook's output quiet
logging.set_verbosity_error()

MODEL = ref_ft.SHIPPED_MODEL_DIR  # a folder (a Path or a str); online, a hub name: "gpt2"

# %% [markdown]
# ## 1. Load a pretrained model
#
# A Hugging Face model folder holds a `config.json` (the sizes: layers, heads, embedding width,
# vocabulary), the weights (`model.safetensors`) and the tokenizer's files (for GPT-2-style BPE:
# `vocab.json` and `merges.txt`). `AutoModelForCausalLM` reads the config, sees `"model_type": "gpt2"`
# and builds a `GPT2LMHeadModel`; `AutoTokenizer` does the same for the tokenizer. The weights are
# stored in half precision (float16) to halve the download; we compute in float32.

# %%
model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()
tokenizer = AutoTokenizer.from_pretrained(MODEL)
print(type(model).__name__, type(tokenizer).__name__)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters; vocabulary of {len(tokenizer):,} tokens; "
      f"context of {model.config.n_positions} tokens; {model.config.n_layer} layers, "
      f"{model.config.n_head} heads, {model.config.n_embd}-dimensional embeddings")
folder = ref_ft.model_folder(MODEL)  # for a hub name: the folder of Hugging Face's cache it was downloaded into
print(sorted(p.name for p in folder.iterdir()))
pretraining = ref_ft.pretraining_report(MODEL)  # tools/pretrain.py's record; None for a hub model
if pretraining:
    per_char = pretraining.get("val_loss_per_char")
    print(f"pretrained for {pretraining['iters']:,} steps; held-out loss on the plays: {pretraining['val_loss']:.3f} "
          f"nats per token" + (f", {per_char:.3f} per character" if per_char else ""))

# %% [markdown]
# The tokenizer is the byte-level BPE you built in lesson 01, trained on the plays (2,048 tokens, where
# GPT-2 has 50,257). `generate` continues a prompt. With `do_sample=True` each next token is drawn at
# random from the model's predicted distribution (we come back to how in section 3), so we seed the
# random generator to make the text repeatable.

# %% tags=["nbval-ignore-output"]
prompt = "King.\nWhat news"
inputs = tokenizer(prompt, return_tensors="pt")  # input_ids and attention_mask, each (1, T)
print(inputs["input_ids"])
torch.manual_seed(0)
out = model.generate(**inputs, max_new_tokens=80, do_sample=True, top_k=0, top_p=0.9)
print(tokenizer.decode(out[0]))

# %% [markdown]
# Not Shakespeare, but Shakespeare-shaped: speakers' names, verse lines, archaic words, from a model of a
# million parameters trained for minutes on a laptop CPU.
#
# ### What the model computes: logits
#
# Called on token ids of shape `(B, T)`, the model returns **logits** of shape `(B, T, vocab_size)`: one
# row of scores per position. Row `t` scores every token of the vocabulary as the *next* token after
# positions `0..t`; softmax turns a row into probabilities. One forward pass thus gives a prediction at
# every position — that is what makes training efficient (section 4). For generation only the last row
# matters.

# %%
ids = tokenizer("Ham.\nTo be, or not to", return_tensors="pt")["input_ids"]
with torch.no_grad():
    logits = model(ids).logits
print("input_ids:", tuple(ids.shape), " logits:", tuple(logits.shape))
print("tokens:", [tokenizer.decode([i]) for i in ids[0].tolist()])

# %% tags=["nbval-ignore-output"]
probs = logits[0, -1].softmax(-1)  # the distribution of the token after "to"
top = probs.topk(8)
for p, i in zip(top.values.tolist(), top.indices.tolist()):
    print(f"{p:6.3f}  {tokenizer.decode([i])!r}")

# %% [markdown]
# ### The same model, in the course's own code
#
# `GPT2LMHeadModel` is Hugging Face's GPT-2; `course.gpt.GPT` is the one you built in lesson 05. They are
# the same architecture with the same parameter names (only Hugging Face stores its linear layers
# transposed), so `GPT.from_hf` copies the weights across. Same weights, same function: the logits agree
# to rounding, and greedy decoding writes the same text.

# %%
ours = GPT.from_hf(model).eval()  # lesson 05's GPT with the pretrained weights
with torch.no_grad():
    our_logits, _ = ours(ids)
print(f"{type(ours).__module__}.{type(ours).__name__}: {ours.num_params():,} parameters")
print("same logits (to within 1e-4):", torch.allclose(our_logits, logits, atol=1e-4, rtol=0))
_greedy_ours = ours.generate(ids, 20, greedy=True)
_greedy_hf = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=20, do_sample=False)
print("same greedy text:", torch.equal(_greedy_ours, _greedy_hf))
print(repr(tokenizer.decode(_greedy_ours[0])))


# %% [markdown]
# ## 2. Greedy decoding by hand
#
# Generation is a loop: run the model on the sequence so far, pick a next token from the last row of
# logits, append it, repeat. The simplest pick is the most likely token, `argmax`: **greedy decoding**.
#
# **Exercise 1** (2 points: one for a result of the right type and shape, one for the right values.) Write `greedy_decode(model, input_ids, max_new_tokens)`: `input_ids` is a `(B, T)`
# long tensor; return a `(B, T + max_new_tokens)` long tensor, the prompt followed by the new tokens.
# Call the model as `model(ids).logits` (inside `torch.no_grad()`: no training here). It must equal
# `model.generate(input_ids, do_sample=False, max_new_tokens=...)`. (Hugging Face's `generate` avoids
# recomputing the whole sequence at each step with a key-value cache, as lesson 05's `GPT.generate`
# does; here, simply rerun the model on the whole sequence, and don't call `model.generate` yourself.)

# %% nbgrader={"grade_id": "greedy-decode", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def greedy_decode(model, input_ids, max_new_tokens):
    """Append `max_new_tokens` tokens to `input_ids` (B, T), each the argmax of the last position's logits."""
    ### BEGIN SOLUTION
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            next_id = model(ids).logits[:, -1, :].argmax(dim=-1)  # (B,)
            ids = torch.cat([ids, next_id[:, None]], dim=1)      # (B, T + 1)
    return ids
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-greedy-decode", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
_prompt = tokenizer("King.\nWhat news", return_tensors="pt")["input_ids"]
checks.check_greedy_decode(greedy_decode)  # names the mistake, if your function has a common one
_mine = greedy_decode(model, _prompt, 20)
assert type(_mine) is torch.Tensor and _mine.dtype == torch.long and _mine.shape == (1, _prompt.shape[1] + 20), \
    f"expected a (1, {_prompt.shape[1] + 20}) long tensor"
_hf = model.generate(_prompt, attention_mask=torch.ones_like(_prompt), max_new_tokens=20, do_sample=False)
assert torch.equal(_mine, _hf), "greedy_decode must equal model.generate(do_sample=False)"
from course.grading import assert_own_work
assert_own_work(greedy_decode, "greedy_decode")
### BEGIN HIDDEN TESTS
import functools as _functools
for _seed in (11, 12, 13):
    _m = checks.tiny_gpt2(_seed)
    _x = torch.randint(40, (2, 3), generator=torch.Generator().manual_seed(_seed))
    _want = _m.generate(_x, attention_mask=torch.ones_like(_x), max_new_tokens=7, do_sample=False, pad_token_id=0)
    _m.generate = _functools.partial(checks._forbidden, "generate")  # raises: write the loop yourself
    _got = greedy_decode(_m, _x, 7)
    assert type(_got) is torch.Tensor and _got.dtype == torch.long and _got.shape == (2, 10), \
        f"hidden test (a random GPT-2, seed {_seed}): expected a (2, 10) long tensor"
    assert torch.equal(_got, _want), f"hidden test (a random GPT-2, seed {_seed}): not the greedy continuation"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-greedy-decode-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a (B, T + max_new_tokens) long tensor that starts with the prompt.
checks.check_greedy_decode_form(greedy_decode)  # says what is wrong with the form, if anything
_form_m = checks.tiny_gpt2(3)
_form_x = torch.tensor([[1, 2, 3], [4, 5, 6]])
_form_out = checks.form_call("greedy_decode", greedy_decode, (_form_m, _form_x.clone(), 4))
assert type(_form_out) is torch.Tensor and _form_out.dtype == torch.long, f"return a long tensor, got {checks.describe(_form_out)}"
assert _form_out.shape == (2, 7), f"for a (2, 3) prompt and 4 new tokens expected shape (2, 7), got {tuple(_form_out.shape)}"
assert torch.equal(_form_out[:, :3], _form_x), "the output starts with the prompt"
from course.grading import assert_own_work
assert_own_work(greedy_decode, "greedy_decode")

# %% tags=["nbval-ignore-output", "raises-exception"]
print(tokenizer.decode(greedy_decode(model, _prompt, 60)[0]))

# %% [markdown]
# Greedy text tends to loop: the most likely continuation of a common phrase is another common phrase,
# and soon the model repeats itself. Sampling fixes that.
#
# ## 3. Sampling: temperature, top-k, top-p
#
# Sampling draws the next token from `softmax(logits)`. Three knobs reshape that distribution first;
# each is a function from logits to logits, applied row by row (`course.sampling` has them all):
#
# * **temperature** $\tau$: use `logits / τ`. Below 1 it sharpens the distribution (τ → 0 is greedy),
#   above 1 it flattens it (more surprising text, more nonsense).
# * **top-k**: keep the `k` most likely tokens, set every other logit to `-inf` (probability exactly 0
#   after softmax). A tie with the k-th logit is kept.
# * **top-p** (nucleus): keep the smallest set of most likely tokens whose probabilities add up to at
#   least `p`. Where the model is sure, that is one or two tokens; where it hesitates, many.
#
# Temperature is one line:

# %%
row = logits[0, -1]
for tau in (0.5, 1.0, 2.0):
    p = ref.temperature_scale(row, tau).softmax(-1)
    print(f"temperature {tau}: most likely token has probability {p.max():.3f}")


# %% [markdown]
# **Exercise 2** (2 points: one for a result of the right type and shape, one for the right values.) Write `top_k_filter(logits, k)`: logits of shape `(..., vocab_size)`; return a tensor of
# the same shape in which, in every row, the logits smaller than the row's k-th largest are `-inf`
# (`torch.topk` gives the k-th largest). Example: `top_k_filter(torch.tensor([1., 3., 2., 3.]), 2)` is
# `[-inf, 3., -inf, 3.]`; with `k=3`, `[-inf, 3., 2., 3.]`. A `k` larger than the vocabulary keeps
# everything. Leave `logits` as it is (the caller may use it again): return a new tensor. It must equal
# Hugging Face's `TopKLogitsWarper`.

# %% nbgrader={"grade_id": "top-k", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def top_k_filter(logits, k):
    """Set every logit below the k-th largest of its row to -inf."""
    ### BEGIN SOLUTION
    k = min(k, logits.size(-1))  # a k larger than the vocabulary keeps everything
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth, float("-inf"))
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-top-k", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
sampling_checks.check_top_k(top_k_filter)  # names the mistake, if your function has a common one
_out = top_k_filter(torch.tensor([1.0, 3.0, 2.0, 3.0]), 2)
assert torch.equal(_out, torch.tensor([float("-inf"), 3.0, float("-inf"), 3.0])), f"top_k_filter([1, 3, 2, 3], 2) gives {_out}"
assert torch.equal(top_k_filter(torch.tensor([1.0, 3.0, 2.0, 3.0]), 3), torch.tensor([float("-inf"), 3.0, 2.0, 3.0])), \
    "top_k_filter([1, 3, 2, 3], 3) must keep 3, 2 and 3"
from course.grading import assert_own_work
assert_own_work(top_k_filter, "top_k_filter")
### BEGIN HIDDEN TESTS
from transformers import TopKLogitsWarper as _TopK
for _seed in range(20):
    _g = torch.Generator().manual_seed(_seed)
    _x = torch.randint(-3, 4, (4, 30), generator=_g).float()  # many ties
    _k = int(torch.randint(1, 35, (1,), generator=_g))
    _got = top_k_filter(_x.clone(), _k)
    assert type(_got) is torch.Tensor and _got.shape == _x.shape and _got.dtype == _x.dtype, \
        f"hidden test (k={_k}, logits (4, 30) with ties): same shape and dtype as the logits"
    assert torch.equal(_got, _TopK(_k)(None, _x.clone())), \
        f"hidden test (k={_k}, logits (4, 30) with ties): differs from Hugging Face's TopKLogitsWarper"
_x = torch.randn(1, 12, generator=torch.Generator().manual_seed(99))  # a batch of one row: (1, V) stays (1, V)
_got = top_k_filter(_x.clone(), 4)
assert type(_got) is torch.Tensor and _got.shape == _x.shape, \
    "hidden test (k=4, logits (1, 12), a batch of one row): same shape as the logits, (1, 12)"
assert torch.equal(_got, _TopK(4)(None, _x.clone())), \
    "hidden test (k=4, logits (1, 12), a batch of one row): differs from Hugging Face's TopKLogitsWarper"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-top-k-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a tensor of the logits' shape and dtype.
for _form_shape, _form_dtype in [((7,), torch.float32), ((2, 3, 5), torch.float64)]:
    _form_out = checks.form_call("top_k_filter", top_k_filter, (torch.randn(*_form_shape, dtype=_form_dtype), 2))
    assert type(_form_out) is torch.Tensor and _form_out.shape == _form_shape and _form_out.dtype == _form_dtype, \
        f"for {_form_dtype} logits of shape {_form_shape} return a tensor of that shape and dtype, got {checks.describe(_form_out)}"
from course.grading import assert_own_work
assert_own_work(top_k_filter, "top_k_filter")

# %% [markdown]
# **Exercise 3** (2 points: one for a result of the right type and shape, one for the right values.) Write `top_p_filter(logits, p)` with `0 < p ≤ 1`: in every row, sort the probabilities
# `softmax(logits)` from largest to smallest; keep a token while the probabilities of the tokens *before*
# it in that order add up to less than `p` (so the token that crosses `p` is kept, and the most likely
# token always is); set the others' logits to `-inf`, in a new tensor (leave `logits` as it is). With
# `p = 1.0` everything is kept. Example: the probabilities `[0.5, 0.3, 0.2]` with `p = 0.6` keep the
# first two.
#
# The seed version of this course got it wrong twice: it sorted the *cumulative* probabilities (which
# follow vocabulary order, not likelihood) and it dropped the token that crosses the threshold. The
# self-check names both mistakes; the hidden tests compare with Hugging Face's `TopPLogitsWarper`,
# ties included.

# %% nbgrader={"grade_id": "top-p", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def top_p_filter(logits, p):
    """Keep, in each row, the smallest set of most likely tokens whose probability reaches p; -inf elsewhere."""
    ### BEGIN SOLUTION
    if p >= 1.0:  # keep everything (the cumulative sum may round to just above 1)
        return logits.clone()
    probs = logits.softmax(dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs  # probability of the more likely tokens
    remove_sorted = before >= p
    remove_sorted[..., 0] = False
    remove = remove_sorted.scatter(-1, order, remove_sorted)  # back to vocabulary order
    return logits.masked_fill(remove, float("-inf"))
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-top-p", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
sampling_checks.check_top_p(top_p_filter)  # names the mistake, if your function has a common one
_x = torch.tensor([0.5, 0.3, 0.2]).log()
assert torch.isneginf(top_p_filter(_x, 0.6)).tolist() == [False, False, True], \
    "probabilities [0.5, 0.3, 0.2] with p = 0.6 keep the first two (0.3 crosses 0.6 and is kept)"
assert torch.equal(top_p_filter(_x, 1.0), _x), "p = 1.0 keeps everything"
from course.grading import assert_own_work
assert_own_work(top_p_filter, "top_p_filter")
### BEGIN HIDDEN TESTS
from transformers import TopPLogitsWarper as _TopP
for _seed in range(30):
    _g = torch.Generator().manual_seed(_seed)
    _x = torch.randn(3, 25, generator=_g) * float(torch.rand(1, generator=_g) * 4 + 0.1)
    _p = 1.0 if _seed % 5 == 0 else float(torch.rand(1, generator=_g) * 0.98 + 0.01)
    _got = top_p_filter(_x.clone(), _p)
    assert type(_got) is torch.Tensor and _got.shape == _x.shape and _got.dtype == _x.dtype, \
        "hidden test: same shape and dtype as the logits"
    _want = _TopP(_p)(None, _x.clone())
    assert torch.equal(torch.isneginf(_got), torch.isneginf(_want)), \
        "hidden test (logits (3, 25)): a different nucleus than Hugging Face's TopPLogitsWarper"
    assert torch.equal(_got[~torch.isneginf(_got)], _x[~torch.isneginf(_got)]), "hidden test: kept logits must not change"
    # with ties, which of two equally likely tokens crosses p is arbitrary: check the nucleus itself,
    # the smallest set of most likely tokens that holds at least p
    _x = (_x * 2).round()
    _got = top_p_filter(_x.clone(), _p)
    _probs = _x.softmax(-1)
    for _row, _prow, _orig in zip(_got, _probs, _x):
        _kept = ~torch.isneginf(_row)
        assert _kept.any(), "hidden test (ties): keep at least one token"
        if _kept.all():
            assert _p == 1.0 or _prow.sort(descending=True).values[:-1].sum() < _p + 1e-6, \
                "hidden test (ties): kept every token, but fewer hold p"
            assert torch.equal(_row, _orig), "hidden test (ties): kept logits must not change"
            continue
        assert _prow[_kept].min() >= _prow[~_kept].max() - 1e-7, "hidden test (ties): keep the most likely tokens"
        assert _prow[_kept].sum() >= _p - 1e-6, "hidden test (ties): the kept tokens must hold at least p"
        assert _prow[_kept].sum() - _prow[_kept].min() < _p + 1e-6, "hidden test (ties): keep the smallest such set"
        assert torch.equal(_row[_kept], _orig[_kept]), "hidden test (ties): kept logits must not change"
_x = torch.randn(1, 12, generator=torch.Generator().manual_seed(99)) * 2  # a batch of one row: (1, V) stays (1, V)
_got = top_p_filter(_x.clone(), 0.7)
assert type(_got) is torch.Tensor and _got.shape == _x.shape, \
    "hidden test (p=0.7, logits (1, 12), a batch of one row): same shape as the logits, (1, 12)"
assert torch.equal(torch.isneginf(_got), torch.isneginf(_TopP(0.7)(None, _x.clone()))), \
    "hidden test (p=0.7, logits (1, 12), a batch of one row): a different nucleus than Hugging Face's TopPLogitsWarper"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-top-p-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a tensor of the logits' shape and dtype.
for _form_shape, _form_dtype in [((7,), torch.float32), ((2, 3, 5), torch.float64)]:
    _form_out = checks.form_call("top_p_filter", top_p_filter, (torch.randn(*_form_shape, dtype=_form_dtype), 0.5))
    assert type(_form_out) is torch.Tensor and _form_out.shape == _form_shape and _form_out.dtype == _form_dtype, \
        f"for {_form_dtype} logits of shape {_form_shape} return a tensor of that shape and dtype, got {checks.describe(_form_out)}"
from course.grading import assert_own_work
assert_own_work(top_p_filter, "top_p_filter")

# %% [markdown]
# Sampling is then one line, `torch.multinomial(softmax(filtered), 1)`, and generation is the greedy
# loop with that line instead of `argmax` (`course.sampling.next_token` applies temperature, top-k,
# top-p in the order Hugging Face's `generate` does). Here is that loop, using the course's reference
# filters:

# %%
@torch.no_grad()
def sample(model, input_ids, max_new_tokens, temperature=1.0, top_k=None, top_p=None, seed=0):
    """Continue `input_ids` (B, T) by sampling; a seeded generator makes the text repeatable."""
    generator = torch.Generator().manual_seed(seed)
    ids = input_ids
    for _ in range(max_new_tokens):
        next_logits = model(ids[:, -model.config.n_positions:]).logits[:, -1, :]  # (B, V)
        next_id = ref.next_token(next_logits, temperature, top_k, top_p, generator=generator)  # (B,)
        ids = torch.cat([ids, next_id[:, None]], dim=1)
    return ids


# %% tags=["nbval-ignore-output"]
for tau, k, p in [(0.7, None, None), (1.0, 40, None), (1.0, None, 0.9), (1.5, None, None)]:
    text = tokenizer.decode(sample(model, _prompt, 40, tau, k, p)[0])
    print(f"--- temperature={tau}, top_k={k}, top_p={p}\n{text}\n")

# %% [markdown]
# ### Explore
#
# How many tokens does top-p keep? It depends on how sure the model is, and that depends on the prompt.
# For a few prompts, the most likely next token and how many tokens top-p 0.9 and top-k 40 keep:

# %% tags=["nbval-ignore-output"]
explore_prompts = ["Ham.\nTo be, or not to", "ROMEO.\nO, ", "What say you, my lord", "I pray you, sir"]
explore_logits = {}
for text in explore_prompts:
    with torch.no_grad():
        explore_logits[text] = model(tokenizer(text, return_tensors="pt")["input_ids"]).logits[0, -1]
    _p = explore_logits[text].softmax(-1)
    _kept_p = len(ref.kept_tokens(explore_logits[text], top_p=0.9)[1])
    print(f"{text!r:26} most likely {tokenizer.decode([int(_p.argmax())])!r:7} ({_p.max():.2f}); "
          f"top-p 0.9 keeps {_kept_p:4} tokens, top-k 40 keeps 40")

# %% [markdown]
# Read the table above. After "What say you, my lord" the model is fairly sure of a question mark, and
# after "I pray you, sir" of a comma: top-p 0.9 keeps four tokens or fewer, close to greedy decoding.
# After "To be, or not to" its favourite is " be", Hamlet's word, but with only 7 %, and top-p keeps
# about 200 tokens; after "O, " about 100: far more than top-k 40. This small model has half learned
# the line and hesitates there. That is what top-p is for: a cut that adapts to how sure the model
# is, which a fixed k cannot.
#
# Pick a prompt and move the sliders: the bars are the tokens that survive the filters, with the
# probabilities they are sampled with (renormalised to add up to 1); below is a sample with the same
# settings.

# %% tags=["nbval-ignore-output"]
sampling_explorer(
    explore_logits, decode=lambda i: tokenizer.decode([i]),
    sample=lambda text, tau, k, p: tokenizer.decode(
        sample(model, tokenizer(text, return_tensors="pt")["input_ids"], 30, tau, k, p)[0]))


# %% [markdown]
# ## 4. The loss, by hand
#
# To train, Hugging Face models take `labels`: `model(input_ids, labels=input_ids)` returns the mean
# cross-entropy of the next-token predictions. The labels are the inputs themselves, *not* shifted: the
# model shifts them inside, because the logits at position `t` predict the token at `t + 1`. A label of
# `-100` means "leave this position out" (PyTorch's `cross_entropy` ignores it by default).
#
# **Exercise 4** (2 points: one for a result of the right type and shape, one for the right values.) Write `lm_loss(logits, labels)`: `logits` is `(B, T, V)`, `labels` `(B, T)` long with
# `-100` where a position must not count. Return the scalar mean cross-entropy of `logits[:, t]`
# against `labels[:, t + 1]` over all counted positions of the batch (`torch.nn.functional.cross_entropy`
# wants `(N, V)` logits and `(N,)` targets). It must equal `model(ids, labels=labels).loss`.

# %% nbgrader={"grade_id": "lm-loss", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def lm_loss(logits, labels):
    """Mean next-token cross-entropy: logits[:, t] predicts labels[:, t + 1]; -100 labels are ignored."""
    ### BEGIN SOLUTION
    V = logits.size(-1)
    return torch.nn.functional.cross_entropy(logits[:, :-1, :].reshape(-1, V), labels[:, 1:].reshape(-1),
                                             ignore_index=-100)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-lm-loss", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
_ids = tokenizer("Ham.\nTo be, or not to be: that is the question.", return_tensors="pt")["input_ids"]
with torch.no_grad():
    _out = model(_ids, labels=_ids)  # the model's own loss, used again below
checks.check_lm_loss(lm_loss)  # names the mistake, if your function has a common one
_mine = lm_loss(_out.logits, _ids)
assert type(_mine) is torch.Tensor and _mine.dim() == 0, "return a scalar tensor"
assert torch.allclose(_mine, _out.loss, atol=1e-5), f"lm_loss gives {_mine.item():.4f}, the model's own loss is {_out.loss.item():.4f}"
from course.grading import assert_own_work
assert_own_work(lm_loss, "lm_loss")
### BEGIN HIDDEN TESTS
for _seed in range(10):
    _g = torch.Generator().manual_seed(_seed)
    _logits = torch.randn(3, 9, 17, generator=_g)
    _labels = torch.randint(17, (3, 9), generator=_g)
    _labels[1, 5:] = -100
    _labels[2, 7:] = -100
    _got = lm_loss(_logits.clone(), _labels.clone())
    assert type(_got) is torch.Tensor and _got.dim() == 0 and _got.dtype == torch.float32, \
        f"hidden test (seed {_seed}): return a float32 scalar tensor"
    assert torch.allclose(_got, checks.reference_lm_loss(_logits, _labels), atol=1e-5), \
        f"hidden test (seed {_seed}, logits (3, 9, 17), two rows padded with -100): wrong value"
_m = checks.tiny_gpt2(5)
_x = torch.randint(40, (2, 10), generator=torch.Generator().manual_seed(5))
with torch.no_grad():
    _o = _m(_x, labels=_x)
_got = lm_loss(_o.logits, _x)
assert type(_got) is torch.Tensor and _got.dim() == 0, "hidden test: return a scalar tensor for a random GPT-2's logits"
assert torch.allclose(_got, _o.loss, atol=1e-5), "hidden test: must equal a random GPT-2's own loss"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-lm-loss-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a float32 scalar tensor.
_form_out = checks.form_call("lm_loss", lm_loss, (torch.randn(2, 5, 7), torch.tensor([[1, 2, 3, 4, 5], [6, 5, 4, -100, -100]])))
assert type(_form_out) is torch.Tensor, f"return a torch.Tensor (not .item()), got {type(_form_out).__name__}"
assert _form_out.dim() == 0 and _form_out.dtype == torch.float32, f"return a float32 scalar, got shape {tuple(_form_out.shape)}, {_form_out.dtype}"
from course.grading import assert_own_work
assert_own_work(lm_loss, "lm_loss")

# %% [markdown]
# A loss of $L$ nats means the model gave the right next token probability $e^{-L}$ on (geometric)
# average: its **perplexity** $e^L$ is the number of equally likely tokens it hesitated between. Chance
# over 2,048 tokens is $\ln 2048 ≈ 7.6$.

# %%
print(f"chance: {torch.log(torch.tensor(float(len(tokenizer)))):.2f}")

# %% tags=["nbval-ignore-output"]
print(f"this line: {_out.loss:.2f} (perplexity {_out.loss.exp():.0f})")

# %% [markdown]
# ## 5. Fine-tuning data: the Sonnets as documents
#
# Our fine-tuning text is Shakespeare's 154 Sonnets, which the model has never seen (it was pretrained
# on the plays and *Paradise Lost*). Each sonnet becomes one **document**: a prefix that says what follows
# (`"SONNET\n\n"`), the poem, and the end-of-text token `<|endoftext|>`, which teaches the model where a
# sonnet stops. We hold out the last 14 sonnets to measure how well each model predicts poems it was
# not trained on.

# %%
sonnets = ref_ft.split_sonnets(load_corpus("sonnets"))
documents = ref_ft.make_documents(sonnets)  # prefix + poem + "<|endoftext|>"
print(len(sonnets), "sonnets\n")
print(documents[17])
doc_ids = [tokenizer(d)["input_ids"] for d in documents]
lengths = [len(d) for d in doc_ids]
print(f"\n{min(lengths)} to {max(lengths)} tokens per document (the context holds {model.config.n_positions})")
train_docs, val_docs = doc_ids[:140], doc_ids[140:]
pad_id = tokenizer.eos_token_id  # GPT-2 has no padding token: pad with end-of-text
print(f"{len(train_docs)} training documents, {len(val_docs)} held out; pad id {pad_id} = {tokenizer.decode([pad_id])!r}")


# %% [markdown]
# Documents have different lengths, but a batch is one `(B, T)` tensor. So we **pad** the shorter ones on
# the right up to the longest, and tell the model which positions are real with an **attention mask**
# (1 = real token, 0 = padding). The loss must not count padding either: set the **labels** of padded
# positions to `-100`. (The seed of this course fine-tuned on jokes with the padding left in the labels:
# the model spent its effort learning to predict padding after padding.)
#
# Careful: the pad id here is the end-of-text id, and every document *ends* with a real end-of-text
# token, which must be attended to and learned. So find the padding from each document's length, not by
# looking for `pad_id` in the ids.
#
# **Exercise 5** (2 points: one for a result of the right type and shape, one for the right values.) Write `collate(docs, pad_id)`: `docs` is a list of lists of token ids. Return a dict
# with `"input_ids"`, `"attention_mask"` and `"labels"`, each a `(B, T)` `torch.long` tensor, `T` the
# longest document: `input_ids` padded on the right with `pad_id`; `attention_mask` 1 on real tokens,
# 0 on padding; `labels` equal to `input_ids` but `-100` on padding. Example:
# `collate([[5, 6, 9], [7, 9]], 9)` gives `input_ids [[5, 6, 9], [7, 9, 9]]`, `attention_mask
# [[1, 1, 1], [1, 1, 0]]`, `labels [[5, 6, 9], [7, 9, -100]]`.

# %% nbgrader={"grade_id": "collate", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def collate(docs, pad_id):
    """Right-pad token-id lists into {input_ids, attention_mask, labels}; labels are -100 on padding."""
    ### BEGIN SOLUTION
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)
        attention_mask[i, :len(d)] = 1
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-collate", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_collate(collate)  # names the mistake, if your function has a common one
_b = collate([[5, 6, 9], [7, 9]], 9)
assert sorted(_b) == ["attention_mask", "input_ids", "labels"], f"the keys are input_ids, attention_mask, labels; got {sorted(_b)}"
assert _b["input_ids"].tolist() == [[5, 6, 9], [7, 9, 9]], f"input_ids is {_b['input_ids'].tolist()}"
assert _b["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]], f"attention_mask is {_b['attention_mask'].tolist()}"
assert _b["labels"].tolist() == [[5, 6, 9], [7, 9, -100]], f"labels is {_b['labels'].tolist()}"
assert all(v.dtype == torch.long for v in _b.values()), "every value is a torch.long tensor"
from course.grading import assert_own_work
assert_own_work(collate, "collate")
### BEGIN HIDDEN TESTS
for _seed in range(10):
    _g = torch.Generator().manual_seed(_seed)
    _docs = [torch.randint(20, (int(torch.randint(1, 12, (1,), generator=_g)),), generator=_g).tolist() + [20]
             for _ in range(int(torch.randint(1, 6, (1,), generator=_g)))]
    _case = f"{len(_docs)} documents of lengths {[len(d) for d in _docs]}, pad id 20"
    _got = collate([list(d) for d in _docs], 20)
    _want = ref_ft.collate(_docs, 20)
    assert type(_got) is dict and sorted(_got) == sorted(_want), f"hidden test ({_case}): return a dict of the three keys"
    for _key in _want:
        assert type(_got[_key]) is torch.Tensor and _got[_key].dtype == torch.long, f"hidden test ({_case}): {_key} must be a long tensor"
        assert torch.equal(_got[_key], _want[_key]), f"hidden test ({_case}): wrong {_key}"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-collate-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a dict of three (B, T) long tensors, T the longest document.
_form_out = checks.form_call("collate", collate, ([[1, 2, 3], [4], [5, 6]], 0))
assert type(_form_out) is dict and sorted(_form_out) == ["attention_mask", "input_ids", "labels"], \
    f"return a dict with input_ids, attention_mask and labels, got {checks.describe(_form_out)}"
for _form_key, _form_t in _form_out.items():
    assert type(_form_t) is torch.Tensor and _form_t.shape == (3, 3) and _form_t.dtype == torch.long, \
        f"{_form_key} must be a (3, 3) long tensor for 3 documents of at most 3 tokens, got " + (
            f"a {str(_form_t.dtype).replace('torch.', '')} tensor of shape {tuple(_form_t.shape)}"
            if isinstance(_form_t, torch.Tensor) else f"a {type(_form_t).__name__}")
from course.grading import assert_own_work
assert_own_work(collate, "collate")

# %% [markdown]
# Padding now changes nothing: each document's loss is the same alone or padded in a batch, and the
# batch loss is the average over all real tokens of the batch.

# %% tags=["raises-exception"]
_batch = collate(train_docs[:4], pad_id)
with torch.no_grad():
    batch_loss = model(**_batch).loss
    alone = [model(input_ids=torch.tensor([d]), labels=torch.tensor([d])).loss for d in train_docs[:4]]
targets = torch.tensor([len(d) - 1 for d in train_docs[:4]], dtype=torch.float32)  # predictions per document
print(f"batch of 4, shape {tuple(_batch['input_ids'].shape)}: loss {batch_loss:.4f}; "
      f"token-weighted mean of the 4 losses alone: {(torch.stack(alone) * targets).sum() / targets.sum():.4f}")

# %% [markdown]
# ## 6. Fine-tune, and compare with training from scratch
#
# We train with the course's training loop (`course.train.train`, lessons 04–05: AdamW, warm-up, cosine
# decay, gradient clipping). `course.finetune.DocumentBatches` draws random batches of whole documents
# and pads them with the reference `collate`; `CausalLM` lets the loop call a Hugging Face model as
# `model(input_ids, labels)`.
#
# Every `EVAL_EVERY` steps the loop measures the loss on all 14 held-out sonnets. That number decides
# when to stop: **early stopping** ends training once the held-out loss has not improved by at least
# 0.01 for two evaluations in a row, and keeps the weights of the best evaluation
# (`course.finetune.EarlyStopping`, the rule of Hugging Face's `EarlyStoppingCallback` and Keras's
# `EarlyStopping`). Here we let training run on to the end anyway, to see what the steps after that
# point would have done, and then restore the kept weights.
#
# Three models, measured on the 14 held-out sonnets:
#
# * **before**: the pretrained model as it is;
# * **fine-tuned**: the pretrained model after fine-tuning on the 140 training sonnets (early-stopped);
# * **from scratch**: the *same architecture* with random weights, trained the same way for the same
#   steps.

# %%
STEPS = scaled_iters(100, fast=2)  # 100 steps; COURSE_FAST=1 (CI, autograder): 2
EVAL_EVERY = max(STEPS // 10, 5)
config = TrainConfig(max_iters=STEPS, learning_rate=1e-3, warmup_iters=min(10, STEPS // 2),
                     eval_interval=EVAL_EVERY, eval_iters=1, seed=0)
held_out = ref_ft.collate(val_docs, pad_id)  # all 14 held-out sonnets in one batch: the exact loss


def finetune(lm, learning_rate=1e-3, seed=0):
    """Train `lm` on the training sonnets, scoring all held-out sonnets every EVAL_EVERY steps.
    Returns the History and the EarlyStopping that watched it."""
    batches = ref_ft.DocumentBatches(train_docs, 8, pad_id, seed=seed)
    get_batch = lambda split: (batches.sample() if split == "train"  # noqa: E731
                               else (held_out["input_ids"], held_out["labels"]))
    stopper = ref_ft.EarlyStopping(patience=2, min_delta=0.01)
    history = train(ref_ft.CausalLM(lm), get_batch,
                    dataclasses.replace(config, learning_rate=learning_rate), callback=stopper)
    return history, stopper


def training_curve(history):
    """The training loss at each evaluation after the first: the mean batch loss of the steps before it."""
    return [sum(history.loss[max(0, i - EVAL_EVERY):i]) / len(history.loss[max(0, i - EVAL_EVERY):i])
            for i in history.iters[1:]]


def report(name, history, stopper):
    stop = "never" if stopper.stop_iter is None else f"at step {stopper.stop_iter}"
    at_best = training_curve(history)[history.iters.index(stopper.best_iter) - 1] if stopper.best_iter else None
    print(f"{name}: held-out loss {history.val_loss[0]:.3f} at step 0, best {stopper.best_loss:.3f} at step "
          f"{stopper.best_iter}, {history.val_loss[-1]:.3f} at step {history.iters[-1]}; early stopping "
          f"stops {stop}; {history.seconds:.0f} s")
    if at_best is not None:
        print(f"  training batches' loss: {at_best:.3f} at step {stopper.best_iter}, "
              f"{training_curve(history)[-1]:.3f} at step {history.iters[-1]}")


before = ref_ft.document_loss(model, val_docs, pad_id)
prompt_ids = tokenizer(ref_ft.SONNET_PREFIX, return_tensors="pt")["input_ids"]
sample_before = tokenizer.decode(sample(model, prompt_ids, 120, temperature=0.8, seed=1)[0])

# %% tags=["nbval-ignore-output"]
history_ft, stop_ft = finetune(model)
report("fine-tuned", history_ft, stop_ft)
stop_ft.restore()  # the weights of the best evaluation
after = ref_ft.document_loss(model, val_docs, pad_id)

# %% tags=["nbval-ignore-output"]
torch.manual_seed(0)
scratch = type(model)(model.config).eval()  # same architecture, random weights
history_scratch, stop_scratch = finetune(scratch)
report("from scratch", history_scratch, stop_scratch)
stop_scratch.restore()
from_scratch = ref_ft.document_loss(scratch, val_docs, pad_id)
print(f"held-out sonnet loss: before fine-tuning {before:.3f}, fine-tuned {after:.3f}, "
      f"from scratch {from_scratch:.3f}")


# %% tags=["nbval-ignore-output"]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), gridspec_kw={"width_ratios": [3, 3, 2]})
for ax, history, stopper, name in [(axes[0], history_ft, stop_ft, "Fine-tuning the pretrained model"),
                                   (axes[1], history_scratch, stop_scratch, "Same architecture, from scratch")]:
    ax.plot(history.iters[1:], training_curve(history), "s--", color="#dd8452",
            label="training batches")
    ax.plot(history.iters, history.val_loss, "o-", color="#4c72b0", label="held-out sonnets")
    if stopper.stop_iter is not None:
        ax.axvline(stopper.stop_iter, color="#555555", linestyle=":", label="early stopping stops")
    ax.set_xlabel("training step")
    ax.set_ylabel("loss (nats per token)")
    ax.set_title(name, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
bars = axes[2].bar(["before", "fine-tuned", "from scratch"], [before, after, from_scratch],
                   color=["#999999", "#4c72b0", "#dd8452"])
axes[2].bar_label(bars, fmt="%.2f")
axes[2].set_ylabel("loss on the 14 held-out sonnets")
axes[2].set_title("Best weights", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# The printed lines and the figure tell the story. The pretrained model starts far below chance and
# fine-tuning lowers its held-out loss within ten steps: it already knows English words, spelling and
# verse, and only has to learn the sonnets' form and vocabulary. Then the two fine-tuning curves part:
# the training loss keeps falling while the held-out loss goes flat and creeps back up. From there on the
# model is learning these 140 poems, not sonnets in general — **overfitting** — and early stopping
# ends the run where the held-out loss stopped improving: the held-out loss at the end of all the
# steps is no better than at the best evaluation. The model from scratch ends far behind and is still
# improving when its steps run out: pretraining is worth more than all its sonnet
# training.
#
# The same prompt (the documents' prefix), before and after fine-tuning, sampled with temperature 0.8.
# Each model writes 120 tokens; `<|endoftext|>` is where it ended the document (what follows it is a
# new document, as in training, where documents come one after the other).

# %% tags=["nbval-ignore-output"]
sample_after = tokenizer.decode(sample(model, prompt_ids, 120, temperature=0.8, seed=1)[0])
sample_scratch = tokenizer.decode(sample(scratch, prompt_ids, 120, temperature=0.8, seed=1)[0])
for name, text in [("before fine-tuning", sample_before), ("after fine-tuning", sample_after),
                   ("from scratch", sample_scratch)]:
    first = text[len(ref_ft.SONNET_PREFIX):].split(tokenizer.eos_token)[0]
    ended = (f"ended the document after {len(tokenizer(first)['input_ids'])} tokens"
             if tokenizer.eos_token in text else "did not end the document")
    print(f"=== {name} ({ended})\n{text}\n")

# %% [markdown]
# ## 7. Fine-tuning a few parameters
#
# Fine-tuning every weight needs, for every weight, a gradient and AdamW's two running averages: four
# copies of the model in memory, and a full copy saved per task. For a model of billions of parameters
# that is the expensive part, so practitioners often train only a small part. Two ways:
#
# * **Freeze all but the last block.** `requires_grad_(False)` on every parameter, then `True` on the
#   last transformer block and the final LayerNorm. The frozen layers still run forward, but need no
#   gradients and no optimizer state.
# * **LoRA** (low-rank adaptation, Hu et al. 2021). Freeze everything, and next to a frozen weight
#   matrix $W$ (`out × in`) learn a low-rank update: $W + \frac{\alpha}{r} B A$ with $A$ of shape
#   `r × in` (random) and $B$ of shape `out × r` (zero, so training starts from the pretrained model).
#   With `r = 8` and a `192 × 576` matrix that is `8 · (192 + 576) = 6,144` numbers instead of 110,592.
#   Here is the heart of `course.finetune.LoRALinear` (the package's version also takes GPT-2's
#   transposed `Conv1D` layers and checks its arguments):
#
# ```python
# class LoRALinear(nn.Module):
#     def __init__(self, base, r=8, alpha=16.0):
#         super().__init__()
#         n_out, n_in = base.weight.shape               # an nn.Linear's weight is (out, in)
#         self.base = base.requires_grad_(False)         # the pretrained layer, frozen
#         self.A = nn.Parameter(torch.randn(r, n_in) / math.sqrt(n_in))  # (r, in)
#         self.B = nn.Parameter(torch.zeros(n_out, r))                     # (out, r)
#         self.scale = alpha / r
#
#     def forward(self, x):                              # (..., in) -> (..., out)
#         return self.base(x) + (x @ self.A.T @ self.B.T) * self.scale
# ```
#
# `add_lora` wraps the query/key/value projection (`attn.c_attn`) and the MLP's first layer (`mlp.c_fc`)
# of every block. After training, $\frac{\alpha}{r} B A$ can be added into $W$ once, so the adapted
# model costs nothing extra to run; or kept apart, one small adapter per task on one shared model.
#
# Both start from a fresh copy of the pretrained model, and train with the same steps and early stopping.
# LoRA gets a larger learning rate (3e-3), as is usual for it: its update starts at zero and only a few
# numbers carry it.

# %% tags=["nbval-ignore-output"]
n_params = sum(p.numel() for p in model.parameters())
rows = [("all weights", n_params, after, history_ft.seconds)]
for name, prepare, learning_rate in [("last block only", ref_ft.freeze_all_but_last_block, 1e-3),
                                     ("LoRA, rank 8", lambda lm: ref_ft.add_lora(lm, r=8, alpha=16), 3e-3)]:
    lm = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()  # a fresh pretrained copy
    torch.manual_seed(0)  # LoRA's random A
    prepare(lm)
    history, stopper = finetune(lm, learning_rate)
    report(name, history, stopper)
    stopper.restore()
    rows.append((name, ref_ft.trainable_parameters(lm), ref_ft.document_loss(lm, val_docs, pad_id),
                 history.seconds))
print(f"\n{'trained':16} {'parameters':>10} {'share':>6}  held-out loss  training time")
for name, n, loss, seconds in rows:
    print(f"{name:16} {n:10,} {n / n_params:6.1%}  {loss:13.3f}  {seconds:5.0f} s")
print(f"{'nothing (before)':16} {'':10} {'':6}  {before:13.3f}")

# %% [markdown]
# Read the table: training a small share of the weights does as well as training all of them, here
# even a little better (compare each held-out loss with the model before fine-tuning and with
# fine-tuning all weights). With 140 poems, updating all 3.1 million weights overfits within a few
# steps (its best held-out loss came at step 10), while a frozen model with a small trainable part
# moves less and more slowly, and early stopping catches it later and lower. The training times (they vary with the
# machine's load) fall much less than the share of trained parameters: every step still runs the whole
# model forward and, for LoRA, backward through all blocks. LoRA's real savings are in memory (no
# gradients or optimizer state for the frozen weights) and storage (one small adapter per task), and
# those are what matter for a model of billions of parameters on a GPU: LoRA is the standard way
# such models are adapted today.
#
# ## 8. From a text model to an assistant: instructions
#
# Our model continues text. A chat assistant answers requests. The step between them is called
# **supervised fine-tuning** (SFT, or instruction tuning), and it is the same fine-tuning as above on
# different documents: each one an *instruction* (a request, maybe with an input) followed by a
# *response*, in a fixed template. One change: the loss counts only the response. The prompt is there
# to be read, not learned — the model should learn to answer, not to write more requests — so its
# labels are set to `-100`, exactly as we did for padding. (The attention mask stays 1 on the prompt:
# the model must read it.) Here is one such example made from a held-out sonnet: its third quatrain, and
# the request to write the couplet that follows (`course.finetune.instruction_prompt` and `mask_prompts`):

# %%
poem_lines = sonnets[140].splitlines()
instruction = ref_ft.instruction_prompt("Write the couplet that follows this quatrain.", "\n".join(poem_lines[8:12]))
response = "\n".join(poem_lines[12:]) + "\n" + tokenizer.eos_token
instruction_ids, response_ids = tokenizer(instruction)["input_ids"], tokenizer(response)["input_ids"]
example = ref_ft.mask_prompts(ref_ft.collate([instruction_ids + response_ids], pad_id), [len(instruction_ids)])
print(instruction + response)
print(f"\n{len(instruction_ids)} prompt tokens (label -100), {len(response_ids)} response tokens in the loss")
n = len(instruction_ids)
for t in range(n - 3, n + 3):  # around the boundary
    print(f"position {t}: token {tokenizer.decode([int(example['input_ids'][0, t])])!r:12} "
          f"label {int(example['labels'][0, t])}")

# %% tags=["nbval-ignore-output"]
with torch.no_grad():
    response_loss = model(**example).loss
    whole_loss = model(**ref_ft.collate([instruction_ids + response_ids], pad_id)).loss
print(f"fine-tuned model: loss on the response only {response_loss:.3f}, on the whole example {whole_loss:.3f}")

# %% [markdown]
# Training on many such examples (`DocumentBatches` and `CausalLM` handle the masked labels: the model
# still attends to the prompt) teaches a model the pattern "request, then answer". That is how the
# models behind chat assistants are made, in three stages:
#
# 1. **pretraining** on a large text to predict the next token — what `tools/pretrain.py` did here, at
#    a tiny scale, and what GPT-2 is;
# 2. **supervised fine-tuning** on tens of thousands of written instruction–response pairs, as above;
# 3. **learning from human preferences** (RLHF, Ouyang et al. 2022, "InstructGPT"; or DPO): people rank
#    several answers of the model, and it is trained, with reinforcement learning or a ranking loss, to
#    prefer the answers people prefer — more helpful, more honest, less harmful.
#
# This lesson covers stage 1 (using a pretrained model) and the mechanics of stage 2; ChatGPT adds
# stage 3 and a model thousands of times larger. A GPT-2 or our Shakespeare model is a text
# continuer, not an assistant: ask it a question and it continues the text, perhaps with more questions.
#
# ## 9. Online: the same code with GPT-2
#
# Everything above goes through Hugging Face's standard interfaces, so with internet access the lesson
# runs on OpenAI's GPT-2 (124 million parameters, a 50,257-token vocabulary, trained on 40 GB of web
# text): set `MODEL = "gpt2"` in the first code cell and run all, with fewer `STEPS` (GPT-2 has over
# 100 times as many parameters as our model, and each step costs about that much more). Or fine-tune it
# on the Sonnets alone with this recipe, in a new cell (a download of about 550 MB, then minutes):
#
# ```python
# gpt2, gpt2_tokenizer = ref_ft.load_pretrained("gpt2")
# gpt2_docs = [gpt2_tokenizer(d)["input_ids"] for d in documents]
# gpt2_pad = gpt2_tokenizer.eos_token_id
# gpt2_batches = ref_ft.DocumentBatches(gpt2_docs[:140], 4, gpt2_pad, seed=0)
# gpt2_held_out = ref_ft.collate(gpt2_docs[140:], gpt2_pad)
# print("held-out loss before:", ref_ft.document_loss(gpt2, gpt2_docs[140:], gpt2_pad))
# train(ref_ft.CausalLM(gpt2),
#       lambda split: gpt2_batches.sample() if split == "train" else (gpt2_held_out["input_ids"], gpt2_held_out["labels"]),
#       TrainConfig(max_iters=30, learning_rate=5e-5, warmup_iters=3, eval_interval=10, eval_iters=1))
# print("held-out loss after:", ref_ft.document_loss(gpt2, gpt2_docs[140:], gpt2_pad))
# gpt2_prompt = gpt2_tokenizer(ref_ft.SONNET_PREFIX, return_tensors="pt")
# print(gpt2_tokenizer.decode(gpt2.generate(**gpt2_prompt, max_new_tokens=120, do_sample=True, top_p=0.9,
#                                           pad_token_id=gpt2_pad)[0]))
# ```
#
# A large pretrained model needs a much smaller learning rate than ours (5e-5 instead of 1e-3) and few
# steps: it already writes fluent English, and big updates would damage that faster than they teach
# sonnets.
#
# ## Questions
#
# **Q1.** During fine-tuning the training loss kept falling after the held-out loss went flat. What is
# the model learning in those steps, and why is the held-out loss the one to stop on?

# %% [markdown] nbgrader={"grade_id": "q1-early-stopping", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# It is memorising the 140 training sonnets: their particular words, lines and order, which lowers the
# loss on exactly those texts but does not help on sonnets it has not seen (and eventually hurts, as the
# model becomes sure of continuations that only those poems have). The training loss measures fit to
# the data it is trained on, so it always improves; the held-out loss estimates how the model does on new
# text of the same kind, which is what we want from it. Stopping where the held-out loss stops improving
# keeps the best model for new text and saves the remaining compute.
# ### END SOLUTION

# %% [markdown]
# **Q2.** LoRA trains a few percent of the weights and freezes the rest. Why can a low-rank update be
# enough to adapt a model, and what does it save when one base model is adapted for a hundred customers?

# %% [markdown] nbgrader={"grade_id": "q2-lora", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# Fine-tuning changes a pretrained model only a little: it already has the features, and the task needs
# a few new directions in them, so the change in each weight matrix is (close to) low-rank and `B A`
# with a small `r` can express it. LoRA needs gradients and optimizer state only for `A` and `B`
# (memory during training) and stores only them per task: a hundred customers are one shared base model
# plus a hundred adapters of a few MB each, instead of a hundred full copies. An adapter can also be
# merged into `W` for serving, so it costs nothing at inference time.
# ### END SOLUTION

# %% [markdown]
# **Q3.** In the instruction example the prompt's labels were `-100`. What would the model learn if they
# were not, and what would go wrong if the attention mask were 0 on the prompt too?

# %% [markdown] nbgrader={"grade_id": "q3-prompt-mask", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# Without the mask the loss would also train the model to predict the prompts: to write requests and
# the template's headings, and with long prompts most of the signal would go there instead of into the
# answers. The labels decide what is learned; the attention mask decides what is read. With the
# attention mask 0 on the prompt, the response tokens could not attend to it: the model would have to
# answer without seeing the question, so it could only learn generic answers.
# ### END SOLUTION

# %% [markdown]
# ## Closing note
#
# What you measured, in the outputs stored with this notebook (a shared 2-core CPU):
#
# * **The pretrained model** (`course/models/shakespeare-gpt/`, its `README.md` is the model card): its
#   size and its held-out loss on the plays are printed in section 1; the same weights in lesson 05's
#   `GPT` give the same logits.
# * **Fine-tuning** (section 6): the held-out sonnet loss before fine-tuning, after it, and for the same
#   architecture trained from scratch for the same steps. Pretraining is worth more than
#   all the sonnet training the scratch model got; the held-out curve shows where more steps stop
#   helping.
# * **Parameter-efficient fine-tuning** (section 7): the share of weights each method trains and the
#   held-out loss it reaches.
#
# Things to try: fine-tune on the last tenth of the plays, which pretraining held out
# (`load_corpus("shakespeare")`, its last 10 %, split into scenes);
# change LoRA's rank `r`; set `patience` to a large number and train for 300 steps to watch the
# held-out loss rise again as the model memorises 140 poems; fine-tune on instruction examples
# (the couplet task above, for the 140 training sonnets) and ask the model for a couplet.
