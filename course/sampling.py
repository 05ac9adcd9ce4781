"""Decoding strategies (lesson 06): turn a model's next-token logits into the next token.

Greedy decoding takes the most likely token. Sampling draws from softmax(logits), usually after
reshaping the distribution:

- temperature divides the logits: below 1 sharpens the distribution, above 1 flattens it;
- top-k keeps the k most likely tokens;
- top-p (nucleus) keeps the smallest set of most likely tokens whose probabilities add up to at least p.

Filters set the logits of removed tokens to -inf, so they get probability exactly 0 after softmax and
the kept tokens are renormalised for free. Every function takes logits of shape (..., vocab_size)
and works row by row. The results equal Hugging Face's ``TemperatureLogitsWarper``,
``TopKLogitsWarper`` and ``TopPLogitsWarper`` (transformers 5.23), and ``next_token`` applies them in
the order ``generate`` does: temperature, then top-k, then top-p (``_get_logits_processor`` in
``transformers/generation/utils.py``).
"""
from __future__ import annotations

import math
import numbers

import torch

# ---------------------------------------------------------------------------------------------------
# Argument checks: a clear error here instead of a traceback from deep inside torch.


def _check_logits(logits, where: str) -> None:
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"{where}: logits must be a torch.Tensor of shape (..., vocab_size), "
                        f"got {type(logits).__name__}")
    if not logits.is_floating_point():
        raise TypeError(f"{where}: logits must be a floating-point tensor, got dtype {logits.dtype}; "
                        f"logits are real-valued scores (convert with logits.float())")
    if logits.dim() == 0:
        raise ValueError(f"{where}: logits is a 0-d tensor (a single number); it needs a last dimension "
                         f"over the vocabulary, shape (..., vocab_size)")
    if logits.size(-1) == 0:
        raise ValueError(f"{where}: logits has shape {tuple(logits.shape)}: the vocabulary (last) "
                         f"dimension is empty")


def _check_temperature(temperature) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise TypeError(f"temperature must be a positive number, got {type(temperature).__name__} {temperature!r}")
    temperature = float(temperature)
    if temperature == 0.0:
        raise ValueError("temperature is 0, which would divide by zero: for temperature 0 use greedy "
                         "decoding instead (greedy(logits), or next_token(..., greedy=True))")
    if not (temperature > 0 and math.isfinite(temperature)):
        raise ValueError(f"temperature must be a positive finite number, got {temperature}")
    return temperature


def _check_top_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"top-k: k must be a positive int, got {type(k).__name__} {k!r}")
    if k < 1:
        raise ValueError(f"top-k: k must be at least 1 (k = 1 keeps only the most likely token), got {k}; "
                         f"to switch top-k off pass top_k=None")
    return int(k)


def _check_top_p(p) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"top-p: p must be a number in (0, 1], got {type(p).__name__} {p!r}")
    p = float(p)
    if not 0.0 < p <= 1.0:
        raise ValueError(f"top-p: p must be in (0, 1] (the probability mass to keep; 1.0 keeps every "
                         f"token), got {p}")
    return p


# ---------------------------------------------------------------------------------------------------
# The three ways of reshaping the distribution.


def temperature_scale(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``logits / temperature``: temperature < 1 sharpens the distribution, > 1 flattens it."""
    _check_logits(logits, "temperature_scale")
    return logits / _check_temperature(temperature)


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest logits of each row and set the rest to -inf.

    Tokens tied with the k-th largest logit are all kept (so a row may keep more than k), as Hugging
    Face's ``TopKLogitsWarper`` does. For k >= vocab_size nothing is removed.
    """
    _check_logits(logits, "top_k_filter")
    k = _check_top_k(k)
    if k >= logits.size(-1):
        return logits.clone()
    kth_largest = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth_largest, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float, min_tokens_to_keep: int = 1) -> torch.Tensor:
    """Nucleus filtering: keep the smallest set of most likely tokens whose probabilities add up to >= p.

    The token whose probability makes the running total cross p is kept; the rest get -inf. At least
    ``min_tokens_to_keep`` tokens always stay, and p = 1.0 keeps everything. Equal to Hugging Face's
    ``TopPLogitsWarper`` (which, at p = 1.0, would also drop tokens whose probability underflows to 0).
    """
    _check_logits(logits, "top_p_filter")
    p = _check_top_p(p)
    if isinstance(min_tokens_to_keep, bool) or not isinstance(min_tokens_to_keep, numbers.Integral) \
            or min_tokens_to_keep < 1:
        raise ValueError(f"top_p_filter: min_tokens_to_keep must be a positive int, got {min_tokens_to_keep!r}")
    if p == 1.0:
        return logits.clone()
    # Sort from least to most likely: the cumulative sum at a token is then the mass of that token and
    # everything less likely. If that is at most 1 - p, the more likely tokens alone already hold p, so
    # the token goes. The token that crosses p has more than 1 - p at or below it, so it stays.
    sorted_logits, sorted_ids = torch.sort(logits, dim=-1)  # (..., V) ascending
    mass_up_to = sorted_logits.softmax(dim=-1).cumsum(dim=-1)  # (..., V)
    remove_sorted = mass_up_to <= 1 - p
    remove_sorted[..., -int(min_tokens_to_keep):] = False  # the most likely tokens always stay
    remove = remove_sorted.scatter(-1, sorted_ids, remove_sorted)  # back to vocabulary order
    return logits.masked_fill(remove, float("-inf"))


def filter_logits(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                  top_p: float | None = None) -> torch.Tensor:
    """The logits ``next_token`` samples from: temperature, then top-k, then top-p (None = off).

    The order is Hugging Face's. It matters: top-p measures mass after temperature has reshaped it.
    """
    _check_logits(logits, "filter_logits")
    logits = temperature_scale(logits, temperature)
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    return logits


# ---------------------------------------------------------------------------------------------------
# Choosing the token.


def greedy(logits: torch.Tensor) -> torch.Tensor:
    """The id of the largest logit in each row, shape (...,) long (the first one on ties)."""
    _check_logits(logits, "greedy")
    return logits.argmax(dim=-1)


def next_token(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
               top_p: float | None = None, greedy: bool = False,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """Pick the next token for every row of ``logits`` (B, V) -> ids (B,) long; (V,) gives a 0-d tensor.

    With ``greedy=True`` returns the argmax (temperature is then ignored; top-k and top-p cannot change
    the argmax). Otherwise samples from softmax(filter_logits(...)) with ``torch.multinomial`` using
    ``generator``, so a seeded generator gives reproducible text.
    """
    _check_logits(logits, "next_token")
    if top_k is not None:
        _check_top_k(top_k)
    if top_p is not None:
        _check_top_p(top_p)
    if greedy:  # the argument shadows the function greedy() here
        return logits.argmax(dim=-1)
    logits = filter_logits(logits, temperature, top_k, top_p)
    # Sample in at least float32: multinomial wants accurate probabilities.
    dtype = torch.float64 if logits.dtype == torch.float64 else torch.float32
    probs = logits.softmax(dim=-1, dtype=dtype)  # (..., V)
    if not torch.isfinite(probs).all():
        raise ValueError("next_token: logits contain NaN or +inf, or a row whose logits are all -inf, "
                         "so there is no probability distribution to sample from")
    flat = probs.reshape(-1, probs.size(-1))  # multinomial takes (B, V) only
    ids = torch.multinomial(flat, num_samples=1, generator=generator)  # (B, 1)
    return ids.reshape(probs.shape[:-1])


def kept_tokens(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                top_p: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The tokens that survive the filters, as ``(probs, ids)`` sorted from most to least likely.

    ``logits`` is one row (V,). ``probs`` are the renormalised probabilities ``next_token`` samples
    with, so they add up to 1; ties are listed in id order. The lesson's slider widget plots these.
    """
    _check_logits(logits, "kept_tokens")
    if logits.dim() != 1:
        raise ValueError(f"kept_tokens: expected one row of logits of shape (vocab_size,), got shape "
                         f"{tuple(logits.shape)}; pick one, e.g. logits[0, -1]")
    filtered = filter_logits(logits, temperature, top_k, top_p)
    probs = filtered.softmax(dim=-1)  # (V,)
    ids = (filtered > float("-inf")).nonzero().squeeze(-1)  # (n,) in id order
    order = torch.sort(probs[ids], descending=True, stable=True).indices
    return probs[ids[order]], ids[order]
