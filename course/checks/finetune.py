"""Self-checks for lesson 06 (using and fine-tuning a pretrained GPT): greedy decoding by hand, the
language-model loss by hand, and the collation of documents into a padded batch.

Usage: ``from course.checks import finetune as checks; checks.check_greedy_decode(greedy_decode)``.
The sampling filters (temperature, top-k, top-p) have their checks in ``course.checks.sampling``.
"""
from __future__ import annotations

import collections.abc
import dataclasses
import functools

import torch
import torch.nn.functional as F

from course import finetune
from course.checks._core import (DIMENSION_TOO_MANY, MAX_PAIR, Mistake, check_gradient, describe, failure,
                                 first_named, form_call, run_check, two_at_once)

IGNORE = finetune.IGNORE_INDEX


# ---------------------------------------------------------------------------------------------------
# Greedy decoding: fn(model, input_ids (B, T), max_new_tokens) -> (B, T + max_new_tokens) long


def tiny_gpt2(seed: int, vocab_size: int = 40, n_positions: int = 32, training: bool = False):
    """A small random ``GPT2LMHeadModel`` in eval mode whose next-token logits are far from ties; with
    ``training``, the same weights in training mode with every dropout probability 0, so that its
    logits are eval mode's (a function that switches the mode and leaves it so can be seen)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    dropout = {name: 0.0 for name in ("resid_pdrop", "embd_pdrop", "attn_pdrop")} if training else {}
    config = GPT2Config(vocab_size=vocab_size, n_positions=n_positions, n_embd=16, n_layer=2, n_head=2,
                        initializer_range=0.5, bos_token_id=None, eos_token_id=None, pad_token_id=None, **dropout)
    return GPT2LMHeadModel(config).train(training)


@torch.no_grad()
def reference_greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    for _ in range(max_new_tokens):
        logits = model(ids).logits                      # (B, T, V)
        nxt = logits[:, -1, :].argmax(dim=-1)           # (B,)
        ids = torch.cat([ids, nxt[:, None]], dim=1)      # (B, T + 1)
    return ids


def _greedy_choosing(choose):
    """Greedy decoding with one mistake, in how the next ids come from the logits: ``choose(logits)``, a
    (B,) tensor (the reference's is ``logits[:, -1, :].argmax(dim=-1)``)."""
    @torch.no_grad()
    def decode(model, input_ids, max_new_tokens):
        ids = input_ids
        for _ in range(max_new_tokens):
            ids = torch.cat([ids, choose(model(ids).logits)[:, None]], dim=1)
        return ids
    return decode


_greedy_first_position = _greedy_choosing(lambda logits: logits[:, 0, :].argmax(dim=-1))
# (T,): the last sequence's positions
_greedy_last_row = _greedy_choosing(lambda logits: logits[-1].argmax(dim=-1))
# the largest scores, not where they lie
_greedy_max_values = _greedy_choosing(lambda logits: logits[:, -1, :].max(dim=-1)[0].long())


def _greedy_cropped(keep):
    """Greedy decoding that runs the model on the last ``keep`` ids only."""
    @torch.no_grad()
    def decode(model, input_ids, max_new_tokens):
        ids = input_ids
        for _ in range(max_new_tokens):
            ids = torch.cat([ids, model(ids[:, -keep:]).logits[:, -1, :].argmax(dim=-1)[:, None]], dim=1)
        return ids
    return decode


def _greedy_new_only(model, input_ids, max_new_tokens):
    return reference_greedy_decode(model, input_ids, max_new_tokens)[:, input_ids.shape[1]:]


@torch.no_grad()
def _greedy_never_fed_back(model, input_ids, max_new_tokens):
    nxt = model(input_ids).logits[:, -1, :].argmax(dim=-1)  # (B,)
    return torch.cat([input_ids, nxt[:, None].expand(-1, max_new_tokens)], dim=1)


def _greedy_output_field(field):
    """Greedy decoding that takes the model's output field ``field`` (its last, -1, or the second, 1) as
    the logits: that field is past_key_values, the cache, and indexing it raises."""
    @torch.no_grad()
    def decode(model, input_ids, max_new_tokens):
        ids = input_ids
        for _ in range(max_new_tokens):
            logits = model(ids)[field]
            ids = torch.cat([ids, logits[:, -1, :].argmax(dim=-1, keepdim=True)], dim=1)
        return ids
    return decode


GREEDY_MISTAKES = [
    MAX_PAIR,
    *[Mistake("the output's last field is the cache", "a Hugging Face model's output holds the logits first "
              "and past_key_values, the cache of keys and values, last: model(ids)[-1] is the cache. Take the "
              "logits by name, model(ids).logits (or model(ids)[0]).", _greedy_output_field(field), same_error=True)
      for field in (-1, 1)],
    Mistake("last row of the batch instead of the last position", "logits is (B, T, V): logits[-1] is the last "
            "SEQUENCE of the batch, all its positions. The scores for the next token are the last position of "
            "every sequence, logits[:, -1, :].", _greedy_last_row, same_error=True),
    # (only as ids: float scores fed back raise what float ids do, "float token ids" below)
    Mistake("the largest score instead of its index", "x.max(dim=-1)[0] is the largest SCORE; the token id is "
            "where it lies, [1] (.indices), or x.argmax(dim=-1).", _greedy_max_values),
    Mistake("first position's logits", "you picked the next token from the logits of the first position (logits[:, 0]); the "
            "prediction for the next token is at the last position, logits[:, -1, :].", _greedy_first_position),
    Mistake("new tokens only", "you returned only the new tokens; return the prompt followed by the new tokens, as "
            "model.generate does (shape (B, T + max_new_tokens)).", _greedy_new_only),
    Mistake("token never fed back", "every new token is the same: you ran the model on the prompt only. Append each new token to "
            "the sequence and run the model on the longer sequence for the next one.", _greedy_never_fed_back),
    Mistake("only the new token fed", "each step ran the model on the last token alone, so it forgot the "
            "prompt: without a key-value cache, run the model on the whole sequence so far, model(ids).",
            lambda model, ids, n: _greedy_last_token_only(model, ids, n)),
    Mistake("calls model.generate", "write the loop yourself: model(ids).logits, the argmax of the last "
            "position, append, repeat. (model.generate is what it is compared with.)",
            error="model.generate was called"),
    Mistake("int32 ids", "the ids must stay torch.long (int64), like the prompt: argmax gives long, "
            "don't convert them.", lambda model, ids, n: reference_greedy_decode(model, ids, n).int(), credit=0.5),
    Mistake("argmax without keepdim", "argmax(dim=-1) of the (B, V) last logits is (B,): make it a (B, 1) "
            "column (keepdim=True, or next_id[:, None]) before torch.cat([ids, next_id], dim=1).",
            error="same number of dimensions: got 2 and 1"),
    DIMENSION_TOO_MANY,
    # (the same error from a (1, B) row and from one id for the whole batch, .item(): the hint names both)
    Mistake("new ids not a (B, 1) column", "the new tokens are a column, one id per sequence: "
            "logits[:, -1, :].argmax(dim=-1) then next_id[:, None] (or unsqueeze(1)). next_id.unsqueeze(0) makes a "
            "(1, B) row, and .item() (or argmax() without dim=) gives one id for the whole batch.",
            error="except in dimension 1"),
    Mistake("one token too few", "return exactly max_new_tokens new tokens: one per step, "
            "for _ in range(max_new_tokens).", lambda model, ids, n: reference_greedy_decode(model, ids, n - 1)),
    Mistake("sampled instead of argmax", "greedy decoding takes the most likely token, "
            "logits[:, -1, :].argmax(dim=-1), not a sample (torch.multinomial): sampling gives another text "
            "at every run.", lambda model, ids, n: _greedy_sampled(model, ids, n)),
    *[Mistake("sampled with a temperature", "greedy decoding takes the most likely token, "
              "logits[:, -1, :].argmax(dim=-1): dividing by a temperature and sampling (torch.multinomial) is "
              "the sampling of this lesson's section 3, which gives another text at every run (and a "
              "temperature does not change which token is the most likely).", lambda model, ids, n, t=t: _greedy_sampled(model, ids, n, t))
      for t in (0.5, 0.7, 0.8, 0.9, 1.2, 1.5, 2.0)],
    Mistake("logits averaged over the positions", "the next token is predicted at the LAST position only: "
            "logits[:, -1, :].argmax(dim=-1); logits.mean(dim=1) mixes in the predictions for the tokens already "
            "there.", lambda model, ids, n: _greedy_with_logits(model, ids, n, lambda m, x: m(x).logits.mean(dim=1))),
    Mistake("attention mask of zeros", "an attention_mask marks with 1 the tokens the model may read, and 0 the "
            "padding: torch.zeros_like(ids) hides the whole prompt. Call model(ids) without one (or with "
            "torch.ones_like(ids)).", lambda model, ids, n: _greedy_with_logits(
                model, ids, n, lambda m, x: m(x, attention_mask=torch.zeros_like(x)).logits[:, -1, :])),
    # (logits / 0.0 is +inf where a score is positive: softmax gives NaN there and argmax the first of them)
    *[Mistake("divided by temperature 0", "a temperature of 0 divides the scores by 0: they become +inf and -inf "
              "(and NaN after softmax), so argmax finds the first positive score, not the largest. Greedy decoding "
              "needs no temperature: take the argmax of the last position's logits as they are.",
              lambda model, ids, n, soft=soft: _greedy_with_logits(model, ids, n, lambda m, x: (
                  torch.softmax if soft else lambda z, dim: z)(m(x).logits[:, -1, :] / 0.0, dim=-1)))
      for soft in (True, False)],
    Mistake("argmax over the whole batch", "argmax() without dim= flattens the (B, V) logits and gives one "
            "index into all B * V of them, not a token id: take argmax(dim=-1), one id per sequence.",
            error="index out of range", on=lambda model, ids, n: ids.shape[0] > 1),
    Mistake("first sequence only", "decode every sequence of the batch: input_ids is (B, T), and so is "
            "each step's model(ids); don't take ids[0].", lambda model, ids, n: reference_greedy_decode(model, ids[:1], n)),
]


@torch.no_grad()
def _greedy_sampled(model, input_ids, max_new_tokens, temperature=1.0):
    ids = input_ids
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SAMPLING_SEED)  # the seed the check sets before calling the answer
        for _ in range(max_new_tokens):
            logits = model(ids).logits[:, -1, :]
            probs = torch.softmax(logits if temperature == 1.0 else logits / temperature, dim=-1)
            ids = torch.cat([ids, torch.multinomial(probs, 1)], dim=1)
    return ids


SAMPLING_SEED = 0


@torch.no_grad()
def _greedy_with_logits(model, input_ids, max_new_tokens, next_logits):
    """Greedy decoding whose next token is the argmax of ``next_logits(model, ids)`` (B, V): one mistake there."""
    ids = input_ids
    for _ in range(max_new_tokens):
        ids = torch.cat([ids, next_logits(model, ids).argmax(dim=-1, keepdim=True)], dim=1)
    return ids


@torch.no_grad()
def _greedy_last_token_only(model, input_ids, max_new_tokens):
    ids, last = input_ids, input_ids[:, -1:]
    for _ in range(max_new_tokens):
        nxt = model(last).logits[:, -1, :].argmax(dim=-1)
        ids = torch.cat([ids, nxt[:, None]], dim=1)
        last = nxt[:, None]
    return ids


class ForbiddenCall(Exception):
    """Raised by the model a check hands to ``greedy_decode`` when its ``generate`` is called."""


def _forbidden(name, *args, **kwargs):
    raise ForbiddenCall(f"model.{name} was called: write the decoding loop yourself")


def _hf_decoders() -> list[str]:
    """Every public method of Hugging Face's GenerationMixin (``generate``, ``generate_batch``, the
    continuous-batching manager...): each can do greedy_decode's work, so the check's model has none."""
    from transformers.generation.utils import GenerationMixin
    return sorted(n for n in dir(GenerationMixin) if not n.startswith("_") and callable(getattr(GenerationMixin, n)))


EOS = 50256  # GPT-2's <|endoftext|>, the lesson's tokenizer.eos_token_id


def gpt2_through_eos(seed: int, max_new_tokens: int = 8):
    """``(model, prompt)``: a small random GPT-2 with GPT-2's vocabulary whose greedy continuation of
    ``prompt`` (1, 3) passes through <|endoftext|> (id 50256, its config's ``eos_token_id``) and goes on.

    A random model's greedy path, then the embedding rows (tied to the output layer) of one of its
    tokens and of 50256 swapped: the same computation with the two ids' names exchanged."""
    model = tiny_gpt2(seed, vocab_size=EOS + 1)
    prompt = torch.randint(40, (1, 3), generator=torch.Generator().manual_seed(200 + seed))
    path = reference_greedy_decode(model, prompt, max_new_tokens)[0, 3:].tolist()
    # a token first met in the middle of the path, not in the prompt: tokens come before it and after
    at = next(i for i in range(2, max_new_tokens - 2) if path[i] not in prompt[0].tolist() + path[:i])
    wte = model.transformer.wte.weight
    assert model.lm_head.weight is wte  # tied: swapping a row swaps the token's input and its logit
    with torch.no_grad():
        wte[[path[at], EOS]] = wte[[EOS, path[at]]].clone()
    model.config.eos_token_id = model.generation_config.eos_token_id = EOS
    return model, prompt


@torch.no_grad()
def _greedy_stops_at_eos(model, input_ids, max_new_tokens, keep_eos=True):
    ids = input_ids
    for _ in range(max_new_tokens):
        nxt = model(ids).logits[:, -1, :].argmax(dim=-1)
        if not keep_eos and (nxt == EOS).all():
            break
        ids = torch.cat([ids, nxt[:, None]], dim=1)
        if (nxt == EOS).all():
            break
    return ids


def _greedy_argmax_over_positions(model, input_ids, max_new_tokens):
    ids = input_ids
    for _ in range(max_new_tokens):
        nxt = model(ids).logits.argmax(dim=1)[:, -1]  # the mistake: the best POSITION for the last token id
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids


_STOPPED = ("stopped at <|endoftext|>", "greedy_decode appends exactly max_new_tokens tokens, even past the "
            "end-of-text token (id 50256, tokenizer.eos_token_id): don't break out of the loop when it comes.")
GREEDY_MISTAKES += [  # two versions: the loop ends after appending it, or before
    Mistake(*_STOPPED, _greedy_stops_at_eos),
    Mistake(*_STOPPED, lambda model, ids, n: _greedy_stops_at_eos(model, ids, n, keep_eos=False)),
]


def _greedy_in_train_mode(model, input_ids, max_new_tokens):
    # model.train() switches GPT-2's dropout on; the check seeds torch's generator before calling the
    # answer, so the dropped activations are the ones the answer's calls of model(ids) would draw
    model.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SAMPLING_SEED)
        return reference_greedy_decode(model, input_ids, max_new_tokens)


@torch.no_grad()
def _greedy_second_to_last(model, input_ids, max_new_tokens):
    ids = input_ids
    for _ in range(max_new_tokens):
        position = -2 if ids.shape[1] > 1 else -1
        ids = torch.cat([ids, model(ids).logits[:, position, :].argmax(dim=-1, keepdim=True)], dim=1)
    return ids


@torch.no_grad()
def _greedy_appended_to_prompt(model, input_ids, max_new_tokens, run_on_ids):
    # ids = torch.cat([input_ids, next_id], dim=1): each step starts again from the prompt
    ids = input_ids
    for _ in range(max_new_tokens):
        nxt = model(ids if run_on_ids else input_ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
        ids = torch.cat([input_ids, nxt], dim=1)
    return ids


_TRAIN_MODE = ("dropout on while decoding", "your function put the model in training mode (model.train()), "
               "so dropout zeroes random activations at every step and the text changes from run to run: "
               "decode in eval mode (model.eval(), and no model.train() in greedy_decode).")


@torch.no_grad()
def _greedy_cache_and_whole_sequence(model, input_ids, max_new_tokens):
    ids, past = input_ids, None
    for _ in range(max_new_tokens):
        out = model(ids, past_key_values=past, use_cache=True)
        past = out.past_key_values
        ids = torch.cat([ids, out.logits[:, -1, :].argmax(dim=-1, keepdim=True)], dim=1)
    return ids


@torch.no_grad()
def _greedy_every_position(model, input_ids, max_new_tokens):
    ids = input_ids
    for _ in range(max_new_tokens):
        ids = torch.cat([ids, model(ids).logits.argmax(dim=-1)], dim=1)  # the mistake: (B, T) new ids, not (B, 1)
    return ids


def _reads_a_cache(fn) -> bool:
    """Whether the answer's code names a key-value cache (past_key_values or use_cache, read or passed by name);
    True where its code cannot be read (the cache's mistake then stays possible, as before)."""
    from course.checks._core import answer_of
    from course.grading import _code_objects

    code = getattr(answer_of(fn), "__code__", None)
    if code is None:
        return True
    words = {"past_key_values", "use_cache"}
    return any(words & set(c.co_names) or any(isinstance(k, tuple) and words & set(k) for k in c.co_consts)
               for c in _code_objects(code))


@torch.no_grad()
def _greedy_zero_hidden(model, input_ids, max_new_tokens):
    ids = input_ids
    for _ in range(max_new_tokens):
        logits = model(ids, attention_mask=(ids != 0).long()).logits
        ids = torch.cat([ids, logits[:, -1, :].argmax(dim=-1, keepdim=True)], dim=1)
    return ids


_PROMPT_ONLY = ("appended to the prompt each step", "each step appended the new token to input_ids, the "
                "prompt, so only one new token is left at the end: keep a growing sequence, "
                "ids = torch.cat([ids, next_id], dim=1), and run the model on ids.")
GREEDY_MISTAKES += [
    Mistake("appended along the batch", "append each new token as a new COLUMN of ids: torch.cat([ids, next_id], "
            "dim=1), with next_id of shape (B, 1); dim=0 adds it as a new row, as if it were another sequence.",
            error="except in dimension 0"),
    *[Mistake("context cropped", "the model saw only the last few ids (ids[:, -k:]); it predicts from the whole "
              "sequence so far: call model(ids). Cropping is needed only past the model's longest context, "
              "model.config.n_positions (1,024 for GPT-2), far more than here.", _greedy_cropped(keep))
      for keep in (1, 2, 3, 4, 5, 6, 8, 10, 16)],
    Mistake(*_TRAIN_MODE, _greedy_in_train_mode),
    Mistake("second-to-last position's logits", "you picked the next token from logits[:, -2] (the "
            "prediction for the token already there); the prediction for the next token is at the last "
            "position, logits[:, -1, :].", _greedy_second_to_last),
    Mistake("second-to-last position's logits", "you picked the next token from logits[:, -2] (the "
            "prediction for the token already there); the prediction for the next token is at the last "
            "position, logits[:, -1, :].", error="index -2 is out of bounds"),
    Mistake(*_PROMPT_ONLY, lambda model, ids, n: _greedy_appended_to_prompt(model, ids, n, run_on_ids=False)),
    Mistake(*_PROMPT_ONLY, lambda model, ids, n: _greedy_appended_to_prompt(model, ids, n, run_on_ids=True)),
    Mistake("one token too many", "return exactly max_new_tokens new tokens: one per step, "
            "for _ in range(max_new_tokens), not range(max_new_tokens + 1) (or, with a while loop, "
            "while ids.shape[1] < T + max_new_tokens, not <=).", lambda model, ids, n: reference_greedy_decode(model, ids, n + 1)),
    Mistake("first token outside the loop", "with max_new_tokens=0 you still added a token (one appended "
            "before the loop, or a while True loop that tests after appending): append every new token inside "
            "for _ in range(max_new_tokens), so that 0 gives the prompt back.",
            lambda model, ids, n: reference_greedy_decode(model, ids, max(n, 1))),
    Mistake("max_new_tokens read as the total length", "max_new_tokens counts the NEW tokens only: append "
            "max_new_tokens tokens after the T of the prompt (the result is (B, T + max_new_tokens)), "
            "not tokens until the sequence is max_new_tokens long.",
            lambda model, ids, n: reference_greedy_decode(model, ids, max(n - ids.shape[1], 0))),
    Mistake("list instead of a tensor", "return the ids as a (B, T + max_new_tokens) torch.long tensor "
            "(torch.cat keeps them one), not a Python list.",
            lambda model, ids, n: reference_greedy_decode(model, ids, n).tolist()),
    # the model's only ids are the ones the answer feeds it (GPT-2 makes its position ids itself): its
    # embedding refusing them means the answer fed it floats
    Mistake("float token ids", "token ids must stay integers (torch.long): argmax gives long ids; don't "
            "convert them with .float() (and append argmax's indices, not max's values) before feeding "
            "them back to the model.", error="'indices' to have one of the following scalar types: Long"),
    # a cache holds the keys and values of every id it has seen: fed the whole sequence again, the model
    # reads the prompt twice, at positions past its own, until they run past the last position (IndexError)
    Mistake("whole sequence fed with the cache", "past_key_values already holds every id read so far: with "
            "it, feed only the new id, model(next_id, past_key_values=past); fed the whole sequence again, "
            "the model reads it twice, at positions that run past its last (an IndexError from its "
            "position embedding). Without a cache, feed model(ids) and no past_key_values.",
            _greedy_cache_and_whole_sequence, same_error=True),
    Mistake("token 0 hidden", "id 0 is a real token here (GPT-2 has no padding id: '!' is 0), and an attention "
            "mask of ids != 0 hides it from the model: call model(ids) without an attention mask (or with "
            "torch.ones_like(ids)); a mask is for padding that the caller marks.", _greedy_zero_hidden),
]



@torch.no_grad()
def _greedy_one_pass(model, input_ids, max_new_tokens):
    """The predictions of one forward pass over the prompt, its last max_new_tokens positions, as the new ids."""
    preds = model(input_ids).logits.argmax(dim=-1)
    return torch.cat([input_ids, preds[:, -max_new_tokens:]], dim=1)


@torch.no_grad()
def _greedy_prepended(model, input_ids, max_new_tokens):
    ids = input_ids
    for _ in range(max_new_tokens):
        ids = torch.cat([model(ids).logits[:, -1, :].argmax(dim=-1)[:, None], ids], dim=1)
    return ids


GREEDY_MISTAKES += [
    Mistake("one forward pass, no loop", "the logits of one pass over the prompt predict the token after EACH "
            "prompt position, not the tokens after the prompt: each new token depends on the one before it, so "
            "loop max_new_tokens times, running the model on the sequence so far and appending its last "
            "position's argmax.", _greedy_one_pass),
    Mistake("new tokens prepended", "torch.cat([next_id, ids], dim=1) puts the new token BEFORE the prompt: "
            "append it at the end, torch.cat([ids, next_id], dim=1), so the last position is always the newest "
            "token.", _greedy_prepended),
    Mistake("argmin instead of argmax", "greedy decoding takes the MOST likely token, the largest score: "
            "logits[:, -1, :].argmax(dim=-1), not argmin.", _greedy_choosing(lambda logits: logits[:, -1, :].argmin(dim=-1))),
    # a softmax is not needed at all (it keeps the order of a row's scores), but over the wrong dimension it
    # changes which token is largest: over the batch (all ones for one sequence: token 0) or the positions
    *[Mistake("softmax over the wrong dimension", "the softmax ran over the batch or the positions, not over "
              "the vocabulary, so its largest entry is not the most likely token (with one sequence, a softmax "
              "over the batch is 1 everywhere and argmax gives token 0). Greedy needs no softmax at all: "
              "logits[:, -1, :].argmax(dim=-1); if you keep one, softmax(..., dim=-1).", _greedy_choosing(choose))
      for choose in (lambda logits: torch.softmax(logits[:, -1, :], dim=0).argmax(dim=-1),
                     lambda logits: torch.softmax(logits, dim=1)[:, -1, :].argmax(dim=-1))],
]



@torch.no_grad()
def _greedy_with(model, input_ids, max_new_tokens, position=-1, pick=torch.argmax, steps=0, out="appended",
                 fed="ids"):
    """Greedy decoding with the common mistakes as knobs, for two of them at once (``two_at_once``): the
    ``position`` whose logits choose, ``steps`` more than max_new_tokens, ``out`` ("appended", "prepended",
    or the "new" tokens only), and what the model is ``fed`` (the "ids" so far, the "prompt" alone, or the
    "last" token alone)."""
    ids = input_ids
    for _ in range(max(max_new_tokens + steps, 0)):
        nxt = pick(model({"prompt": input_ids, "last": ids[:, -1:]}.get(fed, ids)).logits[:, position, :], dim=-1)[:, None]
        ids = torch.cat([nxt, ids] if out == "prepended" else [ids, nxt], dim=1)
    return ids[:, input_ids.shape[1]:] if out == "new" else ids


_GREEDY_SINGLE = first_named(GREEDY_MISTAKES)
GREEDY_PAIRS = two_at_once([(_GREEDY_SINGLE["first position's logits"], "position", lambda *a: 0),
                            (_GREEDY_SINGLE["argmin instead of argmax"], "pick", lambda *a: torch.argmin),
                            (_GREEDY_SINGLE["one token too many"], "steps", lambda *a: 1),
                            (_GREEDY_SINGLE["one token too few"], "steps", lambda *a: -1),
                            (_GREEDY_SINGLE["max_new_tokens read as the total length"], "steps",
                             lambda model, ids, n: -ids.shape[1]),
                            (_GREEDY_SINGLE["new tokens only"], "out", lambda *a: "new"),
                            (_GREEDY_SINGLE["new tokens prepended"], "out", lambda *a: "prepended"),
                            (_GREEDY_SINGLE["token never fed back"], "fed", lambda *a: "prompt"),
                            (_GREEDY_SINGLE["only the new token fed"], "fed", lambda *a: "last")],
                           lambda args, knobs: _greedy_with(*args, **knobs))


def _greedy_cases():
    # seeds whose greedy text is not one token repeated, so each mistake gives its own output
    cases = []
    for seed, (B, T, n) in zip([1, 2, 4, 7], [(1, 4, 6), (2, 3, 8), (1, 1, 8), (3, 2, 10)]):
        g = torch.Generator().manual_seed(100 + seed)
        # the second model comes in training mode (dropout 0: the same logits), as a caller's may
        cases.append((tiny_gpt2(seed, training=seed == 2), torch.randint(40, (B, T), generator=g), n))
    cases[0][1][0, 1] = 0  # id 0 is a token like any other (GPT-2 has no padding id): an answer must not hide it
    cases.append((*gpt2_through_eos(5), 8))  # a text that goes on past <|endoftext|>
    # no new token at all: the prompt comes back as it is (a loop that appends before it tests adds one)
    cases.append((tiny_gpt2(3), torch.randint(40, (2, 3), generator=torch.Generator().manual_seed(103)), 0))
    return cases


def check_greedy_decode(fn) -> None:
    """Check ``fn(model, input_ids, max_new_tokens)``: the prompt followed by ``max_new_tokens`` tokens,
    each the argmax of the model's logits at the last position."""
    modes = []  # (before, after) the call: model.training, for each call

    def probed(model, input_ids, max_new_tokens):
        for name in _hf_decoders():  # the check's own copy of its model
            setattr(model, name, functools.partial(_forbidden, name))
        with torch.random.fork_rng(devices=[]):  # a seed, so that a sampling answer can be recognised
            torch.manual_seed(SAMPLING_SEED)
            before = model.training
            try:
                return fn(model, input_ids, max_new_tokens)
            finally:
                modes.append((before, model.training))
    probed.__wrapped__ = fn  # (the rules read fn's cell: course.checks._core.answer_of)

    def after(case):  # the caller's model goes back in the mode it came in (the test cell's generate uses it)
        before, now = modes[-1]
        if before != now:
            return (f"the ids are right, but the model came in {'training' if before else 'eval'} mode and went back "
                    f"in {'training' if now else 'eval'} mode", Mistake(
                        "the model's mode changed", "leave the caller's model as it came: " + (
                            "model.train() at the end switches dropout on for whoever uses it next. " if now else
                            "model.eval() left as it is switches dropout off for a caller that was training. ")
                        + "Don't change the mode at all (the caller chooses it), or put back what it was: "
                        "was = model.training, then model.train(was)."))
        return None

    stopped = _stops_at_eos_id(fn)
    # every position's prediction appended raises the cache's IndexError too: each is named only where the answer
    # does (or does not) use a cache
    cached = _reads_a_cache(fn)
    mistakes = [dataclasses.replace(m, on=lambda *case: cached) if m.name == "whole sequence fed with the cache"
                else m for m in GREEDY_MISTAKES]
    every_position = Mistake(
        "every position's prediction appended", "model(ids).logits is (B, T, V): its argmax(dim=-1) is a prediction "
        "for EVERY position, (B, T), and appending all of them doubles the sequence at each step (until it runs past "
        "the model's last position: the IndexError). Take the last position's only, one new id per sequence: "
        "logits[:, -1, :].argmax(dim=-1, keepdim=True).", _greedy_every_position, same_error=True,
        on=lambda *case: not cached)
    # (unchanged: input_ids grown in place, with set_ or cat into it, changes the caller's prompt)
    run_check("greedy_decode", probed, reference_greedy_decode, _greedy_cases(), mistakes + [every_position,
        Mistake("argmax over the positions", "logits is (B, T, V): argmax(dim=1) runs along the T positions and "
                "gives a position, not a token. Take the last position's scores first, then the best token of "
                "each: logits[:, -1, :].argmax(dim=-1).", _greedy_argmax_over_positions),
        *GREEDY_PAIRS, stopped], unchanged=True, after=after)


def _stops_at_eos_id(fn) -> Mistake:
    """An answer that stops at model.config.eos_token_id: the check's small models have none (None), so
    `next_id == model.config.eos_token_id` is the bool False and its .all() (or the `if`) fails for that reason,
    not for one of the student's. Put last: named once no other mistake explains the error."""
    from course.checks.tokenization import _names_read
    reads_eos = "eos_token_id" in _names_read(fn)
    return Mistake(*_STOPPED, error="", on=lambda *case: reads_eos)


def check_greedy_decode_form(fn) -> None:
    """The form test's call, ``fn(tiny_gpt2(3), [[1, 2, 3], [4, 5, 6]], 4)``, in words: what it raised
    (where, and which mistake), or what is wrong with the form of its result (a (2, 7) torch.long tensor
    that starts with the prompt). Only what the form test grades; the values are the value test's."""
    prompt = torch.tensor([[1, 2, 3], [4, 5, 6]])
    out = form_call("greedy_decode", fn, (tiny_gpt2(3), prompt, 4), GREEDY_MISTAKES + [_stops_at_eos_id(fn)])
    where = "greedy_decode: the form of the result, for a (2, 3) prompt and 4 new tokens"
    if type(out) is not torch.Tensor or out.dtype != torch.long:
        mistake = next((m for m in GREEDY_MISTAKES if m.name == "int32 ids"), None) \
            if isinstance(out, torch.Tensor) and out.dtype == torch.int32 else None
        raise failure(where, f"return a torch.long tensor of ids, got {describe(out)}", mistake)
    if out.shape != (2, 7):
        raise failure(where, f"expected shape (2, 7): the prompt's 3 tokens and 4 new ones, got {tuple(out.shape)}")
    if not torch.equal(out[:, :3], prompt):
        raise failure(where, "the output must start with the prompt (input_ids), then the new tokens")


# ---------------------------------------------------------------------------------------------------
# The language-model loss: fn(logits (B, T, V), labels (B, T)) -> scalar


def reference_lm_loss(logits, labels):
    V = logits.size(-1)
    # position t predicts token t + 1: drop the last prediction and the first label
    return F.cross_entropy(logits[:, :-1, :].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=IGNORE)


def _loss_unshifted(logits, labels):
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=IGNORE)


def _loss_shifted_wrong_way(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(logits[:, 1:, :].reshape(-1, V), labels[:, :-1].reshape(-1), ignore_index=IGNORE)


def _loss_summed(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(logits[:, :-1, :].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=IGNORE,
                           reduction="sum")


def _loss_mean_of_rows(logits, labels):
    rows = [reference_lm_loss(logits[i:i + 1], labels[i:i + 1]) for i in range(len(logits))]
    return torch.stack(rows).mean()


def _loss_from_row_lengths(logits, labels, gather=True):
    """lm_loss that takes each row's first n labels as its real ones, n the count of labels that are not
    -100: right for padding at the end only."""
    total, count = 0.0, 0
    for b in range(labels.shape[0]):
        n = int((labels[b] != IGNORE).sum())
        if n < 2:
            continue
        if gather:
            log_probs = torch.log_softmax(logits[b, :n - 1], dim=-1)
            total = total - log_probs.gather(-1, labels[b, 1:n, None]).sum()
        else:
            total = total + F.cross_entropy(logits[b, :n - 1], labels[b, 1:n], reduction="sum")
        count += n - 1
    return total / count


LOSS_MISTAKES = [
    Mistake("labels not shifted", "you compared each position's logits with its own label; position t predicts the NEXT token: "
            "use logits[:, :-1] with labels[:, 1:].", _loss_unshifted),
    Mistake("shifted the wrong way", "you shifted the wrong way (logits[:, 1:] with labels[:, :-1]); the logits at position t "
            "predict label t + 1: use logits[:, :-1] with labels[:, 1:].", _loss_shifted_wrong_way),
    Mistake("sum instead of mean", "you summed the token losses; take their mean (cross_entropy's default reduction).", _loss_summed),
    Mistake("one loss per position", "the loss is ONE number, the mean over the counted tokens: reduction='none' "
            "keeps a loss per position (0 at the -100 ones); leave cross_entropy's default mean, which leaves the "
            "-100 positions out of the count.", lambda lo, la: F.cross_entropy(
                lo[:, :-1].reshape(-1, lo.shape[-1]), la[:, 1:].reshape(-1), ignore_index=-100, reduction="none")),
    Mistake("mean of sequence means", "you averaged each sequence's mean loss; Hugging Face averages over all counted tokens of the "
            "batch at once, so a long document weighs more than a short one. Flatten (B, T) into one axis "
            "first.", _loss_mean_of_rows),
    Mistake("softmax before cross-entropy", "cross_entropy takes raw logits and applies log-softmax itself: "
            "don't softmax them first.", lambda lo, la: reference_lm_loss(lo.softmax(-1), la)),
    *[Mistake("-100 only expected at the end", "a row's real tokens are not always its first ones: -100 marks "
              "every position that must not count, the padding at the end and, in instruction tuning, the prompt "
              "at the start (course.finetune.mask_prompts). Leave them out by their value, "
              "F.cross_entropy(..., ignore_index=-100), not by a row's length.",
              functools.partial(_loss_from_row_lengths, gather=gather), same_error=True) for gather in (True, False)],
    Mistake("padding counted", "positions labelled -100 must not count: cross_entropy(..., ignore_index=-100) "
            "leaves them out (indexing with -100 fails, and replacing it with a real id counts the padding).",
            error="out of bounds"),
    Mistake("padding counted", "positions labelled -100 must not count: cross_entropy(..., ignore_index=-100) "
            "leaves them out.", lambda lo, la: reference_lm_loss(lo, la.clamp(min=0))),
    Mistake("labels not shifted", "you compared each position's logits with its own label; position t predicts "
            "the NEXT token: use logits[:, :-1] with labels[:, 1:].",
            lambda lo, la: reference_lm_loss(lo, torch.cat([la[:, :1], la[:, :-1]], dim=1))),
    Mistake("shifted labels padded with 0", "the last position has no next token: padded back to length T, the "
            "shifted labels need -100 there (F.pad(labels[:, 1:], (0, 1), value=-100)), or the loss trains every "
            "sequence's last position to predict token 0. Or cut instead: logits[:, :-1] with labels[:, 1:].",
            lambda lo, la: F.cross_entropy(lo.reshape(-1, lo.shape[-1]), F.pad(la[:, 1:], (0, 1), value=0).reshape(-1),
                                           ignore_index=-100)),
    Mistake("padding counted in the mean", "the -100 positions were left out of the sum but not of the count: "
            "divide by the number of counted tokens (cross_entropy's default mean with ignore_index=-100 "
            "does it), not by every position.", lambda lo, la: _loss_over_all_positions(lo, la)),
    Mistake("logits and labels both cut at the start", "logits[:, 1:] with labels[:, 1:] pairs each position "
            "with its own label again: drop the LAST position's logits and the FIRST label, logits[:, :-1] "
            "with labels[:, 1:].", lambda lo, la: reference_lm_loss(torch.cat([lo[:, 1:], lo[:, :1]], dim=1), la)),
    Mistake("view on a slice", "logits[:, :-1] is not contiguous in memory, so .view refuses it: use "
            ".reshape(-1, V) (or .contiguous().view).", error="view size is not compatible"),
    Mistake("classes on the wrong axis", "cross_entropy reads the classes from dim 1: pass (N, V) logits "
            "(reshape(-1, V)) with (N,) labels, or transpose (B, T, V) to (B, V, T).", error="Expected target size"),
]


def _loss_flattened_then_shifted(logits, labels):
    flat_logits, flat_labels = logits.reshape(-1, logits.size(-1)), labels.reshape(-1)
    return F.cross_entropy(flat_logits[:-1], flat_labels[1:], ignore_index=IGNORE)


def _loss_over_all_positions(logits, labels):
    V = logits.size(-1)
    losses = F.cross_entropy(logits[:, :-1, :].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=IGNORE,
                             reduction="none")
    return losses.sum() / losses.numel()


def _loss_summed_over(logits, labels, count):
    V = logits.size(-1)
    total = F.cross_entropy(logits[:, :-1, :].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=IGNORE,
                            reduction="sum")
    return total / count


def _loss_rolled(logits, labels, across_rows):
    # labels.roll(-1): label t + 1 at position t, but the first label wraps around to the last position
    V = logits.size(-1)
    rolled = labels.reshape(-1).roll(-1) if across_rows else labels.roll(-1, dims=1)
    return F.cross_entropy(logits.reshape(-1, V), rolled.reshape(-1), ignore_index=IGNORE)


def _loss_nll_of_logits(logits, labels):
    V = logits.size(-1)
    return F.nll_loss(logits[:, :-1, :].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=IGNORE)


_ROLLED = ("labels rolled", "labels.roll(-1) wraps the first label around to the last position, so the last "
           "position is scored against the sequence's first token: drop the last position instead, "
           "logits[:, :-1] with labels[:, 1:].")
def _loss_smoothed(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(logits[:, :-1, :].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=IGNORE,
                           label_smoothing=0.1)


def _loss_shifted_along_batch(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(logits[:-1].reshape(-1, V), labels[1:].reshape(-1), ignore_index=IGNORE)


def _loss_mask_from_zero(logits, labels):
    """A mask from labels != 0 (a pad id of 0), the -100 labels clamped to 0 to index the log-probabilities."""
    V = logits.size(-1)
    shifted, targets = logits[:, :-1, :].reshape(-1, V), labels[:, 1:].reshape(-1)
    keep = (targets != 0).float()
    picked = F.log_softmax(shifted, dim=-1).gather(1, targets.clamp(min=0)[:, None])[:, 0]
    return -(picked * keep).sum() / keep.sum()


def _loss_log_of_softmax(logits, labels):
    targets = labels[:, 1:]
    counted = targets != IGNORE
    probs = torch.softmax(logits[:, :-1], dim=-1)
    picked = probs.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(torch.log(picked) * counted).sum() / counted.sum()


def _loss_token_zero_ignored(logits, labels):
    """-100 turned into 0 and ignore_index=0: the real tokens with id 0 are left out as well."""
    V = logits.shape[-1]
    labels = labels.masked_fill(labels == IGNORE, 0)
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=0)


def _loss_flattened_to_width_t(logits, labels):
    T = logits.size(1)
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, T), labels[:, 1:].reshape(-1))


def _loss_unshifted_mask(logits, labels, clamp):
    """The mistake: per-token losses of the shifted pairs, weighted by the mask of the UNshifted labels
    (labels[:, :-1] != -100): the -100 targets clamped to id 0 (or dropped by ignore_index, a 0 loss)."""
    V = logits.size(-1)
    target = labels[:, 1:]
    per_token = F.cross_entropy(logits[:, :-1].reshape(-1, V),
                                (target.clamp(min=0) if clamp else target).reshape(-1), reduction="none")
    keep = (labels[:, :-1] != IGNORE).reshape(-1).to(per_token.dtype)
    return (per_token * keep).sum() / keep.sum()


def _loss_by_hand(logits, labels, dim=-1):
    """The shifted loss written out: log_softmax over ``dim``, the labels' entries, the mean over the counted ones."""
    target = labels[:, 1:]
    keep = target != IGNORE
    picked = logits[:, :-1].log_softmax(dim).gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * keep).sum() / keep.sum()


def _loss_selected_then_shifted(logits, labels):
    """The counted positions picked first (labels != -100, flattened across the rows), then shifted by one."""
    keep = labels != IGNORE
    return F.cross_entropy(logits[keep][:-1], labels[keep][1:])


LOSS_MISTAKES += [
    Mistake("logits flattened to the wrong width", "cross_entropy wants one row of V scores per position: flatten "
            "the shifted logits with reshape(-1, V), V = logits.size(-1), the vocabulary, not T.",
            _loss_flattened_to_width_t, same_error=True),
    Mistake("token 0 ignored", "ignore_index=0 leaves out every label 0, and 0 is a real token id as well as "
            "the value you wrote over -100: keep the labels as they are and ignore -100 (F.cross_entropy's "
            "default ignore_index).", _loss_token_zero_ignored),
    Mistake("log of softmax", "log(softmax(x)) underflows: a label whose probability rounds to 0 gives log(0) = -inf "
            "and an infinite (or NaN) loss, where the exact value is finite. Use F.log_softmax (or F.cross_entropy "
            "with ignore_index=-100), which subtracts the largest score first.", _loss_log_of_softmax),
    Mistake("label smoothing", "the loss is plain cross-entropy, as Hugging Face's: without label_smoothing, which a "
            "training recipe may add but the language-model loss does not have.", _loss_smoothed),
    Mistake("shifted along the batch", "the shift is along the positions, dim 1: logits[:, :-1] and labels[:, 1:]; "
            "logits[:-1] and labels[1:] drop a whole sequence instead.", _loss_shifted_along_batch),
    Mistake("mask from the pad id", "the positions to skip are those labelled -100 (ignore_index=-100, or labels != "
            "-100): id 0 is a real token.", _loss_mask_from_zero),
    Mistake("loss.item() returned", "return the loss tensor itself: .item() (or float(...)) makes it a Python "
            "number, and loss.backward() cannot go through a number.",
            lambda lo, la: reference_lm_loss(lo, la).item()),
    Mistake("nll_loss on raw logits", "F.nll_loss expects log-probabilities: give it "
            "logits.log_softmax(dim=-1), or use F.cross_entropy, which takes the raw logits.", _loss_nll_of_logits),
    Mistake("shifted after flattening", "flattened first, the rows run into each other: the last position "
            "of each sequence was paired with the first label of the next one. Shift each row, logits[:, :-1] "
            "with labels[:, 1:], then flatten (reshape(-1, V) and reshape(-1)).", _loss_flattened_then_shifted),
    Mistake(*_ROLLED, lambda lo, la: _loss_rolled(lo, la, across_rows=False)),
    Mistake(*_ROLLED, lambda lo, la: _loss_rolled(lo, la, across_rows=True)),
    Mistake("divided by the batch size", "you summed the token losses and divided by the number of sequences; "
            "take the mean over the counted tokens (cross_entropy's default reduction with ignore_index=-100).",
            lambda lo, la: _loss_summed_over(lo, la, lo.size(0))),
    Mistake("counted the unshifted labels", "you divided by the number of labels that are not -100 before the "
            "shift, which counts each row's first token, never a target: count the targets, "
            "(labels[:, 1:] != -100).sum(), or let cross_entropy take the mean.",
            lambda lo, la: _loss_summed_over(lo, la, (la != IGNORE).sum())),
    *[Mistake("mask from the unshifted labels", "your mask of the counted positions is labels[:, :-1] != -100, "
              "the labels BEFORE the shift: position t's loss is against labels[:, t + 1], so the mask is "
              "labels[:, 1:] != -100 (or let cross_entropy's ignore_index=-100 drop them).",
              functools.partial(_loss_unshifted_mask, clamp=clamp)) for clamp in (True, False)],
    Mistake("log-softmax over the wrong dimension", "each position's V scores are normalised along the LAST "
            "dimension of the (B, T, V) logits: log_softmax(dim=-1), not dim=1, which runs along the positions. "
            "Simpler: cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1)).",
            lambda logits, labels: _loss_by_hand(logits, labels, dim=1)),
    Mistake("perplexity instead of loss", "exp() of the mean cross-entropy is the perplexity: return the loss "
            "itself, the mean cross-entropy, as model(ids, labels=labels).loss does.",
            lambda logits, labels: reference_lm_loss(logits, labels).exp()),
    Mistake("positions selected before the shift", "logits[labels != -100] picks the counted positions before "
            "the shift and runs the rows together, so some positions meet a label that does not follow them (the "
            "next row's first, or one across a masked gap): shift first, logits[:, :-1] against labels[:, 1:], "
            "then leave the -100 targets out (ignore_index=-100).", _loss_selected_then_shifted),
]


def _loss_cases():
    cases = []
    for seed, (B, T, V, pads) in enumerate([(2, 6, 11, (0, 2)), (3, 5, 7, (1, 0, 3)), (1, 8, 13, (0,)),
                                            (4, 7, 9, (2, 0, 4, 1))]):
        g = torch.Generator().manual_seed(200 + seed)
        # the last case: a confident model's scores, where a softmax rounds the unlikely labels' to 0
        logits = torch.randn(B, T, V, generator=g) * (60 if seed == 3 else 2)
        labels = torch.randint(V, (B, T), generator=g)
        for row, n in enumerate(pads):  # right padding
            if n:
                labels[row, -n:] = IGNORE
        if seed == 2:  # a prompt masked as course.finetune.mask_prompts masks it: -100 at the start too
            labels[0, :3] = IGNORE
        cases.append((logits, labels))
    return cases


def _loss_class_called(logits, labels):
    V = logits.size(-1)
    return torch.nn.CrossEntropyLoss(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))


def _loss_shifted_by_two(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(logits[:, :-2].reshape(-1, V), labels[:, 2:].reshape(-1))


def _loss_nll_of_probabilities(logits, labels):
    V = logits.size(-1)
    return F.nll_loss(logits[:, :-1].softmax(-1).reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=IGNORE)


LOSS_MISTAKES += [
    Mistake("probabilities given to nll_loss", "F.nll_loss takes LOG-probabilities (it only picks the label's "
            "entry and negates it): log_softmax, not softmax, before it, or simply F.cross_entropy on the raw "
            "logits, which does both: F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1)).",
            _loss_nll_of_probabilities),
    Mistake("loss class called with the tensors", "torch.nn.CrossEntropyLoss is a class: its arguments are "
            "settings (weight, ignore_index, ...), not the tensors. Make the loss first and then call it, "
            "torch.nn.CrossEntropyLoss()(logits, targets), or use the function "
            "torch.nn.functional.cross_entropy(logits, targets).", _loss_class_called, same_error=True),
    Mistake("targets as a column", "cross_entropy takes one target id per row of scores, shape (N,): "
            "labels[:, 1:].reshape(-1), not reshape(-1, 1) (an (N, 1) column).",
            error="0D or 1D target tensor expected"),
    Mistake("float targets", "the labels are class ids and must stay torch.long: cross_entropy reads float "
            "targets as probabilities. Pass labels[:, 1:].reshape(-1) as it is, without .float().",
            error="target dtype to be Long"),
    Mistake("logits transposed before flattening", "logits[:, :-1].transpose(0, 1) is (T - 1, B, V): flattened, "
            "its rows run position by position across the batch, while labels[:, 1:].reshape(-1) runs sequence by "
            "sequence, so most rows meet another position's label. Flatten both as they are, (B, T - 1, V) to "
            "(-1, V).", lambda logits, labels: F.cross_entropy(
                logits[:, :-1].transpose(0, 1).reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1))),
    Mistake("shifted by two", "the logits at position t predict the NEXT token, t + 1: logits[:, :-1] with "
            "labels[:, 1:], a shift of one, not two.", _loss_shifted_by_two),
    Mistake("the vocabulary cut instead of the last position", "logits is (B, T, V): logits[..., :-1] cuts the "
            "last VOCABULARY entry, and the scores no longer fill rows of V. Drop the last POSITION, "
            "logits[:, :-1, :] (the labels are (B, T), so labels[..., 1:] is right there).",
            lambda logits, labels: F.cross_entropy(logits[..., :-1].reshape(-1, logits.size(-1)),
                                                   labels[..., 1:].reshape(-1)), same_error=True),
]


def _loss_arguments_swapped(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(labels[:, 1:].reshape(-1), logits[:, :-1].reshape(-1, V))


def _loss_rows_of_unshifted_length(logits, labels):
    B, T, V = logits.shape
    return F.cross_entropy(logits[:, :-1].reshape(B * T, V), labels[:, 1:].reshape(B * T))


LOSS_MISTAKES += [
    Mistake("padding counted in the mean", "the -100 positions were left out of the sum but not of the count: "
            "divide by the number of counted tokens (cross_entropy's default mean with ignore_index=-100 does it), "
            "not by every position of labels (labels.numel()).",
            lambda lo, la: _loss_summed_over(lo, la, la.numel())),
    Mistake("arguments of cross_entropy swapped", "F.cross_entropy(input, target) takes the SCORES first, (N, V) "
            "floats, then the target ids, (N,): F.cross_entropy(logits[:, :-1].reshape(-1, V), "
            "labels[:, 1:].reshape(-1)).", _loss_arguments_swapped, same_error=True),
    Mistake("B * T rows after the shift", "after the shift each sequence has T - 1 positions: logits[:, :-1] holds "
            "B * (T - 1) rows of scores, not B * T. Let reshape count them: logits[:, :-1].reshape(-1, V) and "
            "labels[:, 1:].reshape(-1).", _loss_rows_of_unshifted_length, same_error=True),
]


def check_lm_loss(fn) -> None:
    """Check ``fn(logits, labels)``: the mean next-token cross-entropy, labels shifted by one, -100 ignored."""
    run_check("lm_loss", fn, reference_lm_loss, _loss_cases(), LOSS_MISTAKES, unchanged=True)
    check_gradient("lm_loss", fn, reference_lm_loss, _loss_cases()[1], wrt=0)


# ---------------------------------------------------------------------------------------------------
# Collation: fn(docs, pad_id) -> {"input_ids", "attention_mask", "labels"}


def reference_collate(docs, pad_id):
    return finetune.collate(docs, pad_id)


def _collate_width_of_first(docs, pad_id):
    """collate with T = len(docs[0]): longer documents cut to it, shorter ones padded to it."""
    T = len(docs[0])
    ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    mask = torch.zeros((len(docs), T), dtype=torch.long)
    for row, doc in enumerate(docs):
        doc = list(doc[:T])
        ids[row, :len(doc)] = torch.tensor(doc, dtype=torch.long)
        mask[row, :len(doc)] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": ids.masked_fill(mask == 0, IGNORE)}


def _collate_mask_from_pad_id(docs, pad_id):
    batch = finetune.collate(docs, pad_id)
    mask = (batch["input_ids"] != pad_id).long()
    return {"input_ids": batch["input_ids"], "attention_mask": mask,
            "labels": batch["input_ids"].masked_fill(mask == 0, IGNORE)}


def _collate_labels_keep_pad(docs, pad_id):
    batch = finetune.collate(docs, pad_id)
    batch["labels"] = batch["input_ids"].clone()
    return batch


def _collate_left_padded(docs, pad_id):
    flipped = finetune.collate([list(reversed(d)) for d in docs], pad_id)
    return {k: v.flip(-1) for k, v in flipped.items()}


def _collate_bool_mask(docs, pad_id):
    batch = finetune.collate(docs, pad_id)
    batch["attention_mask"] = batch["attention_mask"].bool()
    return batch


COLLATE_MISTAKES = [
    Mistake("mask from the pad id", "you found the padding with input_ids == pad_id; the pad id here is the end-of-text id, a real "
            "token at the end of every document, which must be attended to and learned. Build the mask "
            "from each document's length.", _collate_mask_from_pad_id),
    Mistake("padding in the labels", "your labels keep the pad id on padding, so the padding counts in the loss (the seed's jokes "
            "fine-tune did this). Set labels to -100 where attention_mask is 0.", _collate_labels_keep_pad),
    Mistake("padded on the left", "you padded on the left; pad on the right (real tokens first), so every document starts at "
            "position 0 as in pretraining.", _collate_left_padded),
    Mistake("bool attention mask", "your attention_mask is bool; make it torch.long (1 = real token, 0 = padding), like Hugging "
            "Face tokenizers return.", _collate_bool_mask, credit=0.5),
    Mistake("labels shifted", "labels are input_ids with -100 on padding, not shifted: the model shifts "
            "them inside (position t predicts label t + 1).", lambda docs, pad_id: _collate_labels_shifted(docs, pad_id)),
    Mistake("labels shifted", "labels are input_ids with -100 on padding, not shifted: the model shifts "
            "them inside (position t predicts label t + 1).", lambda docs, pad_id: _collate_labels_shifted_copy(docs, pad_id)),
    Mistake("lists instead of tensors", "each value must be a (B, T) torch.long tensor (torch.tensor(rows)), "
            "not a list of lists.", lambda docs, pad_id: {k: v.tolist() for k, v in finetune.collate(docs, pad_id).items()},
            credit=0.5),
    Mistake("padding not -100 in labels", "set the labels of padding to -100, not 0.",
            lambda docs, pad_id: (lambda b: {**b, "labels": b["input_ids"].masked_fill(b["attention_mask"] == 0, 0)})(
                finetune.collate(docs, pad_id))),
    Mistake("padded with 0, not pad_id", "pad input_ids with pad_id (the argument), not 0: 0 is a real token.",
            lambda docs, pad_id: {**finetune.collate(docs, pad_id),
                                  "input_ids": finetune.collate(docs, 0)["input_ids"]}),
    Mistake("float attention mask", "your attention_mask is float; make it torch.long (1 = real token, "
            "0 = padding), like Hugging Face tokenizers return: torch.zeros(B, T, dtype=torch.long).",
            lambda docs, pad_id: (lambda b: {**b, "attention_mask": b["attention_mask"].float()})(
                finetune.collate(docs, pad_id)), credit=0.5),
    Mistake("labels share input_ids' memory", "your input_ids hold -100 on the padding. labels = input_ids "
            "gives one tensor two names, so writing -100 into labels wrote it into input_ids too: make a new "
            "tensor, input_ids.masked_fill(attention_mask == 0, -100), or input_ids.clone() first (and pad "
            "input_ids with pad_id, only the labels with -100).",
            lambda docs, pad_id: (lambda b: {**b, "input_ids": b["labels"]})(finetune.collate(docs, pad_id)),
            shows=lambda got: _labels_share_memory(got)),
    Mistake("input_ids padded with -100", "-100 is the labels' mark for positions the loss skips, not a token: "
            "pad input_ids with pad_id, torch.full((B, T), pad_id), and put -100 in the labels only, "
            "labels = input_ids.masked_fill(attention_mask == 0, -100).",
            lambda docs, pad_id: (lambda b: {**b, "input_ids": b["labels"]})(finetune.collate(docs, pad_id))),
    Mistake("(T, B) instead of (B, T)", "one ROW per document: pad_sequence stacks along dim 0 only with "
            "batch_first=True; the tensors must be (B, T).",
            lambda docs, pad_id: {k: v.T for k, v in finetune.collate(docs, pad_id).items()}),
    Mistake("tuple instead of dict", "return a dict with the keys 'input_ids', 'attention_mask' and 'labels' "
            "(a Hugging Face model is called as model(**batch)), not a tuple of the three tensors.",
            lambda docs, pad_id: tuple(finetune.collate(docs, pad_id).values())),
    Mistake("labels from the pad id", "you set -100 where input_ids == pad_id; the pad id here is the "
            "end-of-text id, a real token at the end of every document, which must be learned. Set -100 where "
            "attention_mask == 0.", lambda docs, pad_id: (lambda b: {**b, "labels": b["input_ids"].masked_fill(
                b["input_ids"] == pad_id, IGNORE)})(finetune.collate(docs, pad_id))),
]


def _labels_share_memory(batch):
    """Whether a batch's labels are input_ids itself or a view of it (labels = input_ids, then -100 written)."""
    ids, labels = batch.get("input_ids"), batch.get("labels")
    return isinstance(ids, torch.Tensor) and isinstance(labels, torch.Tensor) and ids.numel() > 0 \
        and ids.untyped_storage().data_ptr() == labels.untyped_storage().data_ptr()


def _collate_labels_shifted(docs, pad_id):
    batch = finetune.collate(docs, pad_id)
    labels = torch.full_like(batch["labels"], IGNORE)
    labels[:, :-1] = batch["labels"][:, 1:]
    return {**batch, "labels": labels}


def _collate_labels_shifted_copy(docs, pad_id):
    """labels a copy of input_ids shifted left by one (its last column kept), then -100 on the padding."""
    batch = finetune.collate(docs, pad_id)
    labels = batch["input_ids"].clone()
    labels[:, :-1] = batch["input_ids"][:, 1:]
    return {**batch, "labels": labels.masked_fill(batch["attention_mask"] == 0, IGNORE)}


def _collate_with_dtypes(docs, pad_id, ids_dtype, mask_dtype):
    batch = finetune.collate(docs, pad_id)
    return {"input_ids": batch["input_ids"].to(ids_dtype), "attention_mask": batch["attention_mask"].to(mask_dtype),
            "labels": batch["labels"].to(ids_dtype)}


def _collate_sorted(docs, pad_id, longest_first):
    return finetune.collate(sorted(docs, key=len, reverse=longest_first), pad_id)


def _collate_renamed(docs, pad_id, old, new):
    return {(new if key == old else key): value for key, value in finetune.collate(docs, pad_id).items()}


def _collate_fixed_length(docs, pad_id, T):
    batch = finetune.collate([list(d) + [pad_id] * (T - len(d)) for d in docs], pad_id)
    real = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs])
    return {"input_ids": batch["input_ids"], "attention_mask": real, "labels": batch["input_ids"].masked_fill(real == 0, IGNORE)}


def _collate_all_attended(docs, pad_id, labels_from_mask):
    batch = finetune.collate(docs, pad_id)
    mask = torch.ones_like(batch["attention_mask"])
    return {"input_ids": batch["input_ids"], "attention_mask": mask,
            "labels": batch["input_ids"].clone() if labels_from_mask else batch["labels"]}


_NOT_LONG = ("not torch.long", "an integer tensor of yours is not torch.long (int64) but torch.int32 "
             "(torch.IntTensor) or a small integer type: make input_ids, attention_mask and labels "
             "torch.long, as Hugging Face tokenizers return them (dtype=torch.long).")
_REORDERED = ("rows reordered", "keep the documents in the order given: row i of every tensor is docs[i]. "
              "Don't sort them by length (that belongs to the sampler, and it would pair each document with "
              "another one's place in the batch).")
_KEYS = ("wrong key names", "the dict's keys must be exactly 'input_ids', 'attention_mask' and 'labels': "
         "a Hugging Face model is called as model(**batch) and takes its arguments by those names.")
_FIXED = ("padded to a fixed length", "pad to the longest document of the batch, T = max(len(d) for d in "
          "docs), not to a fixed length: the tensors are (B, T) for that T.")
_ALL_ATTENDED = ("padding attended", "attention_mask must be 0 on the padding (1 on each document's real "
                 "tokens, 0 after them): build it from each document's length, not as all ones or from the "
                 "ids' values.")
def _collate_ragged_tensor(docs, pad_id):
    torch.tensor(docs, dtype=torch.long)  # the mistake: the documents as they are, before any padding
    return finetune.collate(docs, pad_id)


def _collate_last_real_hidden(docs, pad_id):
    batch = finetune.collate(docs, pad_id)
    labels = batch["labels"].clone()
    for row, doc in enumerate(docs):
        if len(doc):
            labels[row, len(doc) - 1] = IGNORE  # the mistake: "nothing to predict after it"
    batch["labels"] = labels
    return batch


def _collate_first_pad_labelled(docs, pad_id):
    """collate whose labels become -100 one position after each document's end (len(d) + 1 on): the first padding
    position keeps pad_id as a label."""
    batch = finetune.collate(docs, pad_id)
    labels = batch["labels"].clone()
    for row, doc in enumerate(docs):
        if len(doc) < labels.shape[1]:
            labels[row, len(doc)] = pad_id
    return {**batch, "labels": labels}


def _collate_mask_off_by_one(docs, pad_id, extra, labels_from_mask=True):
    """collate whose attention_mask covers len(d) + extra positions of each document (extra = -1: [:len(d) - 1],
    the last real token hidden; extra = 1: arange(T) <= length, the first padding position attended), its labels
    -100 where that mask is 0 (``labels_from_mask``) or on the real padding."""
    batch = finetune.collate(docs, pad_id)
    T = batch["input_ids"].shape[1]
    lengths = torch.tensor([len(d) for d in docs])
    mask = (torch.arange(T) < (lengths + extra)[:, None]).long()
    labels = batch["input_ids"].masked_fill(mask == 0, IGNORE) if labels_from_mask else batch["labels"]
    return {**batch, "attention_mask": mask, "labels": labels}


def _collate_lexicographic_max(docs, pad_id):
    """collate with T = len(max(docs)): max compares the lists element by element, so T is the length of the
    lexicographically largest document, not of the longest; a longer one does not fit its row."""
    T = len(max(docs))
    ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    mask = torch.zeros((len(docs), T), dtype=torch.long)
    for row, doc in enumerate(docs):
        ids[row, :len(doc)] = torch.tensor(doc)
        mask[row, :len(doc)] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": ids.masked_fill(mask == 0, IGNORE)}


def _collate_padded_short(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([list(d) + [pad_id] * (T - len(d) - 1) for d in docs])  # unequal rows raise
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d) - 1) for d in docs])
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "labels": input_ids.masked_fill(attention_mask == 0, -100)}


COLLATE_MISTAKES += [
    Mistake("labels made before the ids were filled", "every label is -100: labels were computed from input_ids "
            "and attention_mask before the loop filled them in (masked_fill copies the values as they are then, "
            "all padding): compute labels = input_ids.masked_fill(attention_mask == 0, -100) after the loop.",
            lambda docs, pad_id: {**reference_collate(docs, pad_id),
                                  "labels": torch.full_like(reference_collate(docs, pad_id)["labels"], -100)}),
    Mistake("-1 instead of -100", "the padding's label is -100, the ignore_index that cross_entropy (and Hugging "
            "Face's models) skip by default: -1 is counted as a class id, or refused.",
            lambda docs, pad_id: (lambda b: {**b, "labels": b["labels"].masked_fill(b["labels"] == -100, -1)})(
                reference_collate(docs, pad_id))),
    Mistake("padding one short", "each row is padded up to T: d + [pad_id] * (T - len(d)), not T - len(d) - 1; "
            "rows of different lengths cannot make one (B, T) tensor.", _collate_padded_short, same_error=True),
]


COLLATE_MISTAKES += [
    Mistake("last real token hidden", "labels are input_ids on every real token, the last one too: lm_loss does the "
            "shift itself (position t predicts token t + 1), so -100 goes on the padding only.",
            _collate_last_real_hidden),
    Mistake("last real token hidden", "labels are input_ids on every real token, the last one too: lm_loss does the "
            "shift itself (position t predicts token t + 1), so -100 goes on the padding only (labels[:, -1] = -100 "
            "hides the last token of the longest documents).",
            lambda docs, pad_id: (lambda b: {**b, "labels": torch.cat(
                [b["labels"][:, :-1], torch.full_like(b["labels"][:, -1:], IGNORE)], dim=1)})(
                    finetune.collate(docs, pad_id))),
    Mistake("first label hidden", "labels are input_ids on every real token, the first one too, and -100 on the "
            "padding only: no position predicts the first token, so the loss's shift drops its label anyway; "
            "leave it as it is.", lambda docs, pad_id: (lambda b: {**b, "labels": torch.cat(
                [torch.full_like(b["labels"][:, :1], IGNORE), b["labels"][:, 1:]], dim=1)})(finetune.collate(docs, pad_id))),
    Mistake(*_NOT_LONG, lambda docs, pad_id: _collate_with_dtypes(docs, pad_id, torch.long, torch.int32), credit=0.5),
    Mistake(*_NOT_LONG, lambda docs, pad_id: _collate_with_dtypes(docs, pad_id, torch.long, torch.uint8), credit=0.5),
    Mistake(*_NOT_LONG, lambda docs, pad_id: _collate_with_dtypes(docs, pad_id, torch.int32, torch.int32), credit=0.5),
    Mistake(*_NOT_LONG, lambda docs, pad_id: _collate_with_dtypes(docs, pad_id, torch.int32, torch.long), credit=0.5),
    Mistake(*_REORDERED, lambda docs, pad_id: _collate_sorted(docs, pad_id, longest_first=True)),
    Mistake(*_REORDERED, lambda docs, pad_id: _collate_sorted(docs, pad_id, longest_first=False)),
    Mistake("first padding position labelled", "-100 starts AT each document's end: labels[i, len(d):] = -100 "
            "(or labels = input_ids.masked_fill(attention_mask == 0, -100)); from len(d) + 1 on, the first padding "
            "token is still learned.", _collate_first_pad_labelled),
    Mistake("the lexicographically largest document", "max(docs) compares the lists id by id, like words in a "
            "dictionary, and gives the LARGEST list, not the longest: T = max(len(d) for d in docs) (or "
            "len(max(docs, key=len))).", _collate_lexicographic_max, same_error=True),
    Mistake("padded to the first document's length", "the batch is as wide as its LONGEST document, T = max(len(d) "
            "for d in docs): the first is not always the longest, and a document longer than T was cut.",
            _collate_width_of_first),
    *[Mistake(*_KEYS, lambda docs, pad_id, old=old, new=new: _collate_renamed(docs, pad_id, old, new))
      for old, new in [("attention_mask", "mask"), ("attention_mask", "attn_mask"), ("labels", "targets"),
                       ("labels", "label"), ("input_ids", "ids")]],
    *[Mistake(*_FIXED, lambda docs, pad_id, T=T: _collate_fixed_length(docs, pad_id, T))
      for T in (16, 32, 64, 128, 256, 512, 1024)],
    Mistake(*_ALL_ATTENDED, lambda docs, pad_id: _collate_all_attended(docs, pad_id, labels_from_mask=True)),
    Mistake(*_ALL_ATTENDED, lambda docs, pad_id: _collate_all_attended(docs, pad_id, labels_from_mask=False)),
    *[Mistake("attention mask one short", "attention_mask is 1 on EVERY real token of a document, the last one "
              "(its end-of-text) too: mask[i, :len(d)] = 1, not [:len(d) - 1]; the model must read and learn it.",
              lambda docs, pad_id, f=f: _collate_mask_off_by_one(docs, pad_id, -1, f)) for f in (True, False)],
    *[Mistake("attention mask one too long", "attention_mask is 1 on a document's len(d) real tokens, positions "
              "0..len(d) - 1: torch.arange(T) < length, not <= length, which also marks the first padding position.",
              lambda docs, pad_id, f=f: _collate_mask_off_by_one(docs, pad_id, 1, f)) for f in (True, False)],
    Mistake("attention mask inverted", "attention_mask is 1 on the document's real tokens and 0 on the padding "
            "(1 = attend): you marked the padding instead.",
            lambda docs, pad_id: (lambda b: {**b, "attention_mask": 1 - b["attention_mask"]})(finetune.collate(docs, pad_id))),
    Mistake("attention mask inverted", "attention_mask is 1 on the document's real tokens and 0 on the padding "
            "(1 = attend): you marked the padding instead, and then took the labels of the padding.",
            lambda docs, pad_id: (lambda b: {**b, "attention_mask": 1 - b["attention_mask"],
                                             "labels": b["input_ids"].masked_fill(b["attention_mask"] == 0, IGNORE)})(
                finetune.collate(docs, pad_id))),
    Mistake("ragged lists made a tensor", "torch.tensor needs rows of one length, and the documents differ in "
            "length: pad each one to the longest first, doc + [pad_id] * (T - len(doc)) with T = max(len(d) for "
            "d in docs), then make the tensor.", _collate_ragged_tensor, same_error=True),
    Mistake("label mask inverted", "you set -100 on the real tokens and kept the padding: -100 goes where "
            "attention_mask == 0, labels = input_ids.masked_fill(attention_mask == 0, -100).",
            lambda docs, pad_id: (lambda b: {**b, "labels": b["input_ids"].masked_fill(b["attention_mask"] == 1, IGNORE)})(
                finetune.collate(docs, pad_id))),
    # T = max(docs, key=len) (or max(docs)): a document, a list, where a length belongs, as torch and Python
    # refuse it where T is used (a tensor's size, arange's end, T - len(d))
    *[Mistake("the longest document, not its length", "max(docs, key=len) is the longest document itself, a list "
              "of ids, not its length: T = max(len(d) for d in docs) (or len(max(docs, key=len))).", error=text)
      for text in ('at pos 2 with error "type must be tuple of ints,but got list"',
                   "argument 'end' (position 1) must be Number, not list",
                   "unsupported operand type(s) for -: 'list' and 'int'")],
]


def _collate_cases():
    eot = 9
    return [
        ([[1, 2, 3, eot], [4, 5, eot]], eot),
        ([[3, eot], [1, 2, 3, 4, 5, eot], [7, 7, 7, eot]], eot),
        ([[5, 6, 7]], 0),
        ([[2, 2, eot], [8, eot], [1, 3, 5, 7, eot], [4, 4, 4, 4, 4, eot]], eot),
    ]


def _collate_mask_padded_with_pad_id(docs, pad_id, labels_from_mask):
    batch = finetune.collate(docs, pad_id)
    mask = batch["attention_mask"].masked_fill(batch["attention_mask"] == 0, pad_id)
    labels = batch["input_ids"].masked_fill(mask == 0, IGNORE) if labels_from_mask else batch["labels"]
    return {**batch, "attention_mask": mask, "labels": labels}


def _collate_last_left_out(docs, pad_id):
    batch = finetune.collate(docs, pad_id)
    ids, mask = batch["input_ids"].clone(), batch["attention_mask"].clone()
    ids[-1], mask[-1] = pad_id, 0
    return {"input_ids": ids, "attention_mask": mask, "labels": ids.masked_fill(mask == 0, IGNORE)}


def _collate_per_document(docs, pad_id):
    batch = finetune.collate(docs, pad_id)
    return [{key: value[row] for key, value in batch.items()} for row in range(len(docs))]


COLLATE_MISTAKES += [
    Mistake("long mask used as a condition", "torch.where wants a boolean condition, and attention_mask is 0/1 "
            "longs: write torch.where(attention_mask == 1, input_ids, -100), or "
            "input_ids.masked_fill(attention_mask == 0, -100).", error="where expected condition to be a boolean"),
    *[Mistake("attention mask padded with pad_id", "attention_mask is 0 on the padding: pad_id belongs to input_ids "
              "only. Start the mask from zeros, torch.zeros((B, T), dtype=torch.long), and set 1 on each document's "
              "real tokens.", functools.partial(_collate_mask_padded_with_pad_id, labels_from_mask=from_mask))
      for from_mask in (True, False)],
    Mistake("last document left out", "every document gets a row: loop over all of docs (for i, d in "
            "enumerate(docs)), not docs[:-1] or range(len(docs) - 1).", _collate_last_left_out),
    Mistake("one dict per document", "collate returns ONE dict for the whole batch, each value a (B, T) tensor "
            "with a row per document: {'input_ids': ..., 'attention_mask': ..., 'labels': ...}, not a list of "
            "dicts.", _collate_per_document),
]


def _collate_labels_from_mask(docs, pad_id):
    batch = finetune.collate(docs, pad_id)
    mask = batch["attention_mask"]
    return {**batch, "labels": mask.masked_fill(mask == 0, IGNORE)}


COLLATE_MISTAKES += [
    Mistake("labels made from the attention mask", "labels are the token ids themselves, with -100 on padding: "
            "labels = input_ids.masked_fill(attention_mask == 0, -100). Filling the attention mask gives 1 where "
            "each token's id belongs.", _collate_labels_from_mask),
]


def check_collate(fn) -> None:
    """Check ``fn(docs, pad_id)``: right-padded ``input_ids``, a long ``attention_mask`` from the lengths,
    and ``labels`` equal to ``input_ids`` with -100 on padding."""
    def plain(docs, pad_id):  # (a mapping of another type: named before the repeat test, which compares two)
        batch = fn(docs, pad_id)
        if isinstance(batch, collections.abc.Mapping) and type(batch) is not dict:
            kind = type(batch).__name__
            raise NotAPlainDict(f"collate returned a{'n' if kind[0] in 'AEIOUaeiou' else ''} {kind}, not a dict")
        extra = sorted(map(str, set(batch) - set(COLLATE_KEYS))) if isinstance(batch, dict) else []
        if extra and set(COLLATE_KEYS) <= set(batch):  # (the three keys there, and more: a wrong answer anyway)
            raise ExtraKeys(f"collate returned the keys {extra} besides {list(COLLATE_KEYS)}")
        return batch
    plain.__wrapped__ = fn  # (the rules read fn's cell: course.checks._core.answer_of)

    run_check("collate", plain, reference_collate, _collate_cases(),
              COLLATE_MISTAKES + [NOT_A_DICT, EXTRA_KEYS] + COLLATE_PAIRS, unchanged=True)


def _collate_with(docs, pad_id, left=False, pad=None, labels=IGNORE, shifted=False, mask="lengths",
                  mask_dtype=torch.long, label_mask="mask"):
    """collate with the common mistakes as knobs, for two of them at once (``two_at_once``): padded on the
    ``left``, with ``pad`` instead of pad_id; ``labels`` the id on padding (or "padding kept", "real tokens
    hidden"), ``shifted`` one to the left; the attention ``mask`` from the "lengths", the "pad id", or
    "inverted"; the labels follow the mask the answer made, or (``label_mask="pad id"``) input_ids != pad_id."""
    T = max(len(d) for d in docs)
    fill = pad_id if pad is None else pad
    ids = torch.tensor([[fill] * (T - len(d)) + list(d) if left else list(d) + [fill] * (T - len(d)) for d in docs],
                       dtype=torch.long).reshape(len(docs), T)
    real = torch.tensor([[False] * (T - len(d)) + [True] * len(d) if left else [True] * len(d) + [False] * (T - len(d))
                         for d in docs], dtype=torch.bool).reshape(len(docs), T)
    attend = ids != pad_id if mask == "pad id" else real
    out = {"padding kept": lambda: ids.clone(), "real tokens hidden": lambda: ids.masked_fill(attend, IGNORE)}.get(
        labels, lambda: ids.masked_fill(~attend if label_mask == "mask" else ids == pad_id, labels))()
    if shifted:
        out = torch.cat([out[:, 1:], torch.full_like(out[:, :1], IGNORE)], dim=1)
    attention_mask = (~attend if mask == "inverted" else attend).to(mask_dtype)
    return {"input_ids": ids, "attention_mask": attention_mask, "labels": out}


_COLLATE_SINGLE = first_named(COLLATE_MISTAKES)
COLLATE_PAIRS = two_at_once([(_COLLATE_SINGLE["padded on the left"], "left", lambda *a: True),
                             (_COLLATE_SINGLE["padded with 0, not pad_id"], "pad", lambda *a: 0),
                             (_COLLATE_SINGLE["padding in the labels"], "labels", lambda *a: "padding kept"),
                             (_COLLATE_SINGLE["-1 instead of -100"], "labels", lambda *a: -1),
                             (_COLLATE_SINGLE["padding not -100 in labels"], "labels", lambda *a: 0),
                             (_COLLATE_SINGLE["label mask inverted"], "labels", lambda *a: "real tokens hidden"),
                             (_COLLATE_SINGLE["labels shifted"], "shifted", lambda *a: True),
                             (_COLLATE_SINGLE["mask from the pad id"], "mask", lambda *a: "pad id"),
                             (_COLLATE_SINGLE["attention mask inverted"], "mask", lambda *a: "inverted"),
                             (_COLLATE_SINGLE["bool attention mask"], "mask_dtype", lambda *a: torch.bool),
                             (_COLLATE_SINGLE["float attention mask"], "mask_dtype", lambda *a: torch.float),
                             (_COLLATE_SINGLE["labels from the pad id"], "label_mask", lambda *a: "pad id")],
                            lambda args, knobs: _collate_with(*args, **knobs),
                            # (the labels' own mask means nothing where they keep the padding or hide the
                            # real tokens, and is the attention mask's where that is from the pad id too)
                            apart=[{"labels", "label_mask"}, {"mask", "label_mask"}])


COLLATE_KEYS = ("input_ids", "attention_mask", "labels")


class NotAPlainDict(TypeError):
    """Raised by the check of ``collate`` when the answer returns a mapping that is not a plain dict."""


class ExtraKeys(ValueError):
    """Raised by the check of ``collate`` when the answer's dict holds keys besides the three."""


EXTRA_KEYS = Mistake("keys of your own", "return a dict of exactly the three keys, input_ids, attention_mask and "
                     "labels: a model called as model(**batch) takes every key as an argument, and refuses one it "
                     "does not know (keep the lengths, or anything else, outside the batch).", error="ExtraKeys")


NOT_A_DICT = Mistake("not a plain dict", "return a plain dict of the three tensors, {'input_ids': ..., "
                     "'attention_mask': ..., 'labels': ...}: a BatchEncoding (what a tokenizer returns), a UserDict "
                     "or an OrderedDict is another type, and the tests take a dict only.",
                     error="NotAPlainDict")


from course.checks._core import guard_checks  # noqa: E402

guard_checks(globals())  # each check starts from float32, whatever an earlier cell left


def _lm_loss_with(logits, labels, shift="right", scores="logits", padding="ignored", reduction="mean"):
    """lm_loss with the common mistakes as knobs, for two of them at once (``two_at_once``): the ``shift``
    ("right", "none", the "wrong way", "both at start"), the ``scores`` it reads ("logits", or their
    "softmax"), the ``padding`` ("ignored", or "counted" as id 0) and the ``reduction`` (the "mean" over the
    counted targets, the "sum", the mean over "all positions", or the sum over the "batch" size)."""
    V = logits.size(-1)
    lo, la = {"right": (logits[:, :-1], labels[:, 1:]), "none": (logits, labels),
              "wrong way": (logits[:, 1:], labels[:, :-1]), "both at start": (logits[:, 1:], labels[:, 1:])}[shift]
    lo = lo.softmax(-1) if scores == "softmax" else lo
    la = la.clamp(min=0) if padding == "counted" else la
    losses = F.cross_entropy(lo.reshape(-1, V), la.reshape(-1), ignore_index=IGNORE, reduction="none")
    count = {"mean": (la != IGNORE).sum(), "sum": 1, "all positions": losses.numel(), "batch": logits.size(0)}[reduction]
    return losses.sum() / count


# two mistakes at once (wa43: labels not shifted with the sum; the wrong shift over every position)
_LOSS_SINGLE = first_named(LOSS_MISTAKES)
LOSS_MISTAKES += two_at_once([(_LOSS_SINGLE["labels not shifted"], "shift", lambda *a: "none"),
                              (_LOSS_SINGLE["shifted the wrong way"], "shift", lambda *a: "wrong way"),
                              (_LOSS_SINGLE["logits and labels both cut at the start"], "shift",
                               lambda *a: "both at start"),
                              (_LOSS_SINGLE["softmax before cross-entropy"], "scores", lambda *a: "softmax"),
                              (_LOSS_SINGLE["padding counted"], "padding", lambda *a: "counted"),
                              (_LOSS_SINGLE["sum instead of mean"], "reduction", lambda *a: "sum"),
                              (_LOSS_SINGLE["padding counted in the mean"], "reduction", lambda *a: "all positions"),
                              (_LOSS_SINGLE["divided by the batch size"], "reduction", lambda *a: "batch")],
                             lambda args, knobs: _lm_loss_with(*args, **knobs),
                             apart=[{"padding", "reduction"}])  # (padding counted: every position is counted)
