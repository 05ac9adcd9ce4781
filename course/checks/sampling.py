"""Self-checks for lesson 06 (decoding strategies): temperature, top-k and top-p.

Each check compares your function with ``course.sampling`` on random logits (1-D, batched, with ties
where they matter) and, when your output equals a known wrong version, says which mistake it is.
Usage: ``from course.checks import sampling as checks; checks.check_top_p(my_top_p)``.
"""
from __future__ import annotations

import torch

from course import sampling
from course.checks._core import (Mistake, describe, failure, first_named, missing_name, run_check, said,
                                 two_at_once, where_raised)

NEG_INF = float("-inf")


def _randn(*shape: int, seed: int, scale: float = 1.0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).to(dtype)


# ---------------------------------------------------------------------------------------------------
# Temperature: fn(logits, temperature) -> logits


def _temperature_multiplied(logits, temperature):
    return logits * temperature


def _temperature_probabilities(logits, temperature):
    return torch.softmax(logits / temperature, dim=-1)


TEMPERATURE_MISTAKES = [
    Mistake("multiplied by the temperature", "you multiplied the logits by the temperature; divide them (logits / temperature), so that a "
            "temperature below 1 sharpens the distribution and above 1 flattens it.", _temperature_multiplied),
    Mistake("probabilities instead of logits", "you returned probabilities (softmax of the scaled logits); return the scaled logits "
            "themselves — softmax comes later, after filtering.", _temperature_probabilities),
]


def _temperature_cases():
    return [
        (_randn(8, seed=1), 0.5),
        (_randn(3, 10, seed=2), 2.0),
        (_randn(2, 2, 6, seed=3, scale=3.0), 0.8),
        (_randn(7, seed=4), 1.0),
        (_randn(4, 9, seed=5, dtype=torch.float64), 3.0),
    ]


def check_temperature(fn) -> None:
    """Check ``fn(logits, temperature)``, which should return ``logits / temperature``."""
    run_check("temperature", fn, sampling.temperature_scale, _temperature_cases(), TEMPERATURE_MISTAKES)


# ---------------------------------------------------------------------------------------------------
# Top-k: fn(logits, k) -> logits with all but the k largest of each row set to -inf


def _remove_below_kth(logits, k):  # keep everything >= the k-th largest; raises for k outside 1..V
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits < kth


def _top_k_plus_one(logits, k):
    return logits.masked_fill(_remove_below_kth(logits, k + 1), NEG_INF)


def _top_k_minus_one(logits, k):
    return logits.masked_fill(_remove_below_kth(logits, k - 1), NEG_INF)


def _keep_exactly_k(logits, k, prefer_low_ids: bool):
    # Ties broken by token id. A stable descending sort lists tied tokens lowest id first; flipping the
    # vocabulary first lists them highest id first.
    values = logits if prefer_low_ids else logits.flip(-1)
    top = torch.sort(values, dim=-1, descending=True, stable=True).indices[..., :k]
    if not prefer_low_ids:
        top = logits.size(-1) - 1 - top
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, top, True)
    return logits.masked_fill(~keep, NEG_INF)


def _top_k_smallest(logits, k):
    kth_smallest = torch.topk(logits, k, dim=-1, largest=False).values[..., -1:]
    return logits.masked_fill(logits > kth_smallest, NEG_INF)


def _top_k_zero_logits(logits, k):
    return logits.masked_fill(_remove_below_kth(logits, k), 0.0)


def _top_k_zero_probs(logits, k):
    return torch.softmax(logits, dim=-1).masked_fill(_remove_below_kth(logits, k), 0.0)


def _top_k_softmax_after(logits, k):
    return torch.softmax(sampling.top_k_filter(logits, k), dim=-1)


def _top_k_zero_probs_renormalised(logits, k):
    probs = _top_k_zero_probs(logits, k)
    return probs / probs.sum(dim=-1, keepdim=True)


def _top_k_past_the_kth(sliced: bool):
    """top-k that removes every logit <= the (k+1)-th largest, read with torch.topk(logits, k + 1) or as
    index k of a descending sort (``sliced``): k tokens where nothing ties, but nothing to read when k is
    the whole vocabulary (topk raises, the slice is empty)."""
    def wrong(logits, k):
        if sliced:
            beyond = torch.sort(logits, dim=-1, descending=True).values[..., k:k + 1]
        else:
            beyond = torch.topk(logits, k + 1, dim=-1).values[..., -1:]
        return logits.masked_fill(logits <= beyond, NEG_INF)
    return wrong


def _top_k_down_the_columns(logits, k):
    """top-k with the k-th largest of each COLUMN as the threshold (topk along dim 0, across the batch)."""
    kth = torch.topk(logits, min(k, logits.size(0)), dim=0).values[-1:]
    return logits.masked_fill(logits < kth, NEG_INF)


_ZERO_LOGITS_HINT = ("you set the removed logits to 0 instead of -inf: a logit of 0 still gets probability "
                     "exp(0) / Z > 0 after softmax. Use float('-inf').")
_PROBS_HINT = ("you returned probabilities with the removed tokens set to 0. The filter should return "
               "logits, with the removed ones set to -inf (float('-inf')), so that a softmax afterwards "
               "gives them probability 0 and renormalises the rest.")
_EXACTLY_K_HINT = ("you kept exactly k tokens, breaking a tie with the k-th largest logit by position. "
                   "Keep every token whose logit is >= the k-th largest (torch.topk(logits, k).values[..., "
                   "-1:]), as Hugging Face's TopKLogitsWarper does: tied tokens are equally likely, so "
                   "dropping one of them by position is arbitrary.")

TOP_K_MISTAKES = [
    Mistake("k clamped by the wrong size", "min(k, logits.size(0)) compares k with the first dimension (the batch "
            "for a (B, V) batch): the vocabulary is the LAST dimension, min(k, logits.size(-1)).",
            lambda logits, k: sampling.top_k_filter(logits, min(k, logits.size(0)))),
    Mistake("kept k + 1", "you kept k + 1 tokens (an off-by-one in the threshold): the threshold is the k-th largest "
            "logit, torch.topk(logits, k).values[..., -1:], i.e. index k - 1.", _top_k_plus_one),
    Mistake("kept k - 1", "you kept only k - 1 tokens (an off-by-one in the threshold): keep every logit >= the k-th "
            "largest, torch.topk(logits, k).values[..., -1:]; use >= (or remove only what is <), not >.",
            _top_k_minus_one),
    Mistake("kthvalue of -logits not negated back", "torch.kthvalue(-logits, k) is the k-th smallest of -logits, "
            "which is MINUS the k-th largest logit: negate it back, -torch.kthvalue(-logits, k, dim=-1, "
            "keepdim=True).values (or use torch.topk(logits, k).values[..., -1:]).",
            lambda logits, k: logits.masked_fill(logits < torch.kthvalue(
                -logits, min(k, logits.size(-1)), dim=-1, keepdim=True).values, NEG_INF)),
    Mistake("ties broken", _EXACTLY_K_HINT, lambda logits, k: _keep_exactly_k(logits, k, prefer_low_ids=True)),
    Mistake("ties broken", _EXACTLY_K_HINT, lambda logits, k: _keep_exactly_k(logits, k, prefer_low_ids=False)),
    Mistake("kept the smallest", "you kept the k smallest logits (largest=False, or an ascending sort); keep the k largest.",
            _top_k_smallest),
    Mistake("removed set to 0", _ZERO_LOGITS_HINT, _top_k_zero_logits),
    Mistake("probabilities instead of logits", _PROBS_HINT, _top_k_zero_probs),
    Mistake("probabilities instead of logits", _PROBS_HINT, _top_k_zero_probs_renormalised),
    Mistake("probabilities instead of logits", _PROBS_HINT, _top_k_softmax_after),
    *[Mistake("the (k+1)-th largest as the threshold", "you removed every logit <= the (k+1)-th largest: "
              "there is none when k is the whole vocabulary (k = logits.size(-1) must keep everything), and a "
              "tie with the k-th largest removes the k-th too. Compare with the k-th largest itself and remove "
              "what is below it: logits < torch.topk(logits, k).values[..., -1:].", _top_k_past_the_kth(sliced),
              same_error=True) for sliced in (False, True)],
    *[Mistake("k larger than the vocabulary", "k is larger than the vocabulary here, so the sorted logits have no "
              "k-th largest to read (values[..., k - 1] or values[..., -k] is out of range, the slice values[..., "
              "k - 1:k] is empty): clamp it first, k = min(k, logits.size(-1)) (then everything is kept).",
              error=error, on=lambda logits, k: k > logits.size(-1)) for error in ("must match the size", "out of bounds")],
    Mistake("top-k over the batch", "torch.topk works along the last dimension by default: dim=0 picks the "
            "k largest of each COLUMN, across the sequences of the batch. Take each row's own k largest, "
            "torch.topk(logits, k, dim=-1).", error="out of range",
            on=lambda logits, k: logits.dim() > 1 and k <= logits.size(-1)),
    Mistake("top-k over the batch", "torch.topk(logits, k, dim=0) takes the k largest of each COLUMN, across "
            "the sequences of the batch: take each row's own k largest, torch.topk(logits, k, dim=-1).",
            _top_k_down_the_columns),
    Mistake("k larger than the vocabulary", "torch.topk fails when k is larger than the vocabulary: clamp it "
            "first, k = min(k, logits.size(-1)) (then everything is kept).", error="out of range",
            on=lambda logits, k: k > logits.size(-1)),
    Mistake("threshold not kept per row", "the threshold must be each row's own k-th largest logit, with a "
            "dimension kept to broadcast against the row: torch.topk(logits, k).values[..., -1:] (values[-1] "
            "takes the last ROW, values[..., -1] drops the dimension).", error="must match the size",
            on=lambda logits, k: logits.dim() > 1),
    Mistake("removed set to -1e9", "use float('-inf'): -1e9 is a finite logit, and Hugging Face's filter (and "
            "the tests) set the removed logits to -inf.", lambda logits, k: sampling.top_k_filter(logits, k).masked_fill(
                torch.isneginf(sampling.top_k_filter(logits, k)), -1e9)),
    Mistake("dtype changed", "the result must keep the logits' dtype (float64 logits give float64): build it "
            "from the logits, logits.masked_fill(...) or torch.full_like(logits, ...), not torch.full(shape, ...).",
            lambda logits, k: sampling.top_k_filter(logits, k).float()),
]


def _top_k_returned_topk(logits, k, part):
    return getattr(torch.topk(logits, min(k, logits.size(-1)), dim=-1), part)


def _top_k_kthvalue(logits, k):
    # torch.kthvalue counts from the smallest: the k-th smallest as the threshold
    kth = torch.kthvalue(logits, min(k, logits.size(-1)), dim=-1, keepdim=True).values
    return logits.masked_fill(logits < kth, NEG_INF)


def _top_k_whole_batch(logits, k):
    flat = logits.reshape(-1)
    kth = torch.topk(flat, min(k, flat.numel())).values[-1]
    return logits.masked_fill(logits < kth, NEG_INF)


def _top_k_smallest_of_all_rows(logits, k):
    kth = torch.topk(logits, min(k, logits.size(-1)), dim=-1).values.min()  # the mistake: one number for all rows
    return logits.masked_fill(logits < kth, NEG_INF)


def _top_k_indices_as_threshold(logits, k):
    # torch.topk(...)[1] is the indices: the k-th largest logit's id taken for its value
    kth = torch.topk(logits, min(k, logits.size(-1)), dim=-1)[1][..., -1:]
    return logits.masked_fill(logits < kth, NEG_INF)


def _top_k_inverted(logits, k):
    kth = torch.topk(logits, min(k, logits.size(-1)), dim=-1).values[..., -1:]
    return logits.masked_fill(logits >= kth, NEG_INF)


def _removed_mask(filtered, logits):
    return torch.isneginf(filtered) & ~torch.isneginf(logits)


def _probs_with_inf(filter_, logits, arg):
    return torch.softmax(logits, dim=-1).masked_fill(_removed_mask(filter_(logits, arg), logits), NEG_INF)


def _log_probs_masked(filter_, logits, arg):
    return torch.log_softmax(logits, dim=-1).masked_fill(_removed_mask(filter_(logits, arg), logits), NEG_INF)


def _log_probs_of_filtered(filter_, logits, arg):
    return torch.log_softmax(filter_(logits, arg), dim=-1)


def _large_negative(filter_, logits, arg, value):
    filtered = filter_(logits, arg)
    fill = torch.finfo(logits.dtype).min if value == "finfo" else value
    return filtered.masked_fill(_removed_mask(filtered, logits), fill)


# The values students put in place of -inf (-1e9 has a name of its own for top-k), and the temperatures
# of the lesson's sampling cells, which some fold into a filter.
LARGE_NEGATIVES = (-1e4, -1e5, -1e8, -1e10, -1e12, -1e20, -1e30, -3.4028234663852886e38, "finfo")
TEMPERATURES = (0.5, 0.7, 0.8, 1.5, 2.0)

_PROBS_INF_HINT = ("you returned probabilities (softmax of the logits) with the removed ones set to -inf: "
                   "return the logits themselves, unchanged where kept, logits.masked_fill(remove, "
                   "float('-inf')); softmax comes later, when sampling.")
_LOG_PROBS_HINT = ("you returned log-probabilities (log_softmax), not the logits: return the logits "
                   "themselves, unchanged where kept and -inf where removed, logits.masked_fill(remove, "
                   "float('-inf')).")
_LARGE_NEGATIVE_HINT = ("use float('-inf') for the removed logits: a large negative number is a finite "
                        "logit, and Hugging Face's filter (and the tests) set them to -inf.")
_TEMPERATURE_HINT = ("the filter changed the kept logits: it divided them by a temperature. Return the "
                     "logits unchanged where kept (-inf where removed); temperature is a step of its own "
                     "(temperature_scale), applied before the filters.")
_TWO_D_HINT = ("the logits may be 1-D (vocab_size,) or batched (..., vocab_size): work along the last "
               "dimension, dim=-1, and index it with ..., e.g. values[..., -1:], not [:, -1] or dim=1.")


def _sampling_mistakes(*filters):
    """The mistakes top-k and top-p share: what is returned in place of the filtered logits. ``filters``:
    the right filter, and for top-p also one that a mistake may be built on (see ``_top_p_before_below_p``)."""
    return [
        *[mistake for filter_ in filters for mistake in _returned_in_place_of_logits(filter_)],
        Mistake("assumed 2-D logits", _TWO_D_HINT, error="too many indices for tensor of dimension 1"),
        Mistake("assumed 2-D logits", _TWO_D_HINT, error="[-1, 0], but got 1)", on=lambda logits, a: logits.dim() == 1),
    ]


def _returned_in_place_of_logits(filter_):
    return [
        Mistake("probabilities instead of logits", _PROBS_INF_HINT, lambda logits, a: _probs_with_inf(filter_, logits, a)),
        Mistake("log-probabilities instead of logits", _LOG_PROBS_HINT,
                lambda logits, a: _log_probs_masked(filter_, logits, a)),
        Mistake("log-probabilities instead of logits", _LOG_PROBS_HINT,
                lambda logits, a: _log_probs_of_filtered(filter_, logits, a)),
        *[Mistake("removed set to a large negative number", _LARGE_NEGATIVE_HINT,
                  lambda logits, a, v=v: _large_negative(filter_, logits, a, v)) for v in LARGE_NEGATIVES],
        *[Mistake("temperature applied", _TEMPERATURE_HINT, lambda logits, a, t=t: filter_(logits / t, a))
          for t in TEMPERATURES],
    ]


_TOPK_OUTPUT = ("topk's output returned", "you returned what torch.topk gives (the k largest values, or their "
                "ids), not the filtered logits: return a tensor of the logits' shape, every logit below the "
                "k-th largest set to -inf, logits.masked_fill(logits < kth, float('-inf')).")
def _top_k_first_of_vocabulary(logits, k):
    out = logits.clone()
    out[..., k:] = float("-inf")  # the mistake: the first k ids, not the k largest
    return out


TOP_K_MISTAKES += [
    Mistake("the first k of the vocabulary", "keep the k LARGEST logits, wherever they are: their threshold is "
            "torch.topk(logits, k).values[..., -1:], and every logit below it goes; logits[..., k:] is the ids after "
            "the first k.", _top_k_first_of_vocabulary),
    Mistake(*_TOPK_OUTPUT, lambda logits, k: _top_k_returned_topk(logits, k, "values")),
    Mistake(*_TOPK_OUTPUT, lambda logits, k: _top_k_returned_topk(logits, k, "indices")),
    Mistake("k-th smallest as the threshold", "your threshold is the k-th SMALLEST logit (torch.kthvalue counts "
            "from the smallest, and torch.sort sorts in ascending order), so you kept all but k - 1 tokens: the "
            "k-th largest is torch.topk(logits, k).values[..., -1:], or sort with descending=True (or "
            "torch.kthvalue(logits, V - k + 1)).", _top_k_kthvalue),
    Mistake("one threshold for the whole batch", "you took the k largest logits of the whole batch at once "
            "(flattened): each row is its own distribution, so take each row's k-th largest, "
            "torch.topk(logits, k, dim=-1).values[..., -1:].", _top_k_whole_batch),
    Mistake("one threshold for the whole batch", "torch.topk(logits, k).values.min() is the smallest of EVERY "
            "row's k largest, one threshold for the whole batch, so the other rows keep more than k tokens: each "
            "row is its own distribution, so keep each row's own k-th largest, torch.topk(logits, k, "
            "dim=-1).values[..., -1:] (the dimension kept, to compare with its row).", _top_k_smallest_of_all_rows),
    Mistake("k clamped to V - 1", "when k is at least the vocabulary size every token is kept: clamp k to "
            "logits.size(-1), k = min(k, logits.size(-1)); min(k, V - 1) drops the least likely token then.",
            lambda logits, k: sampling.top_k_filter(logits, min(k, logits.size(-1) - 1))),
    Mistake("mask inverted", "you removed the k largest logits and kept the rest: masked_fill(mask, -inf) "
            "sets -inf where mask is True, so the mask marks the tokens to REMOVE, logits < kth.",
            _top_k_inverted),
    Mistake("indices as the threshold", "torch.topk returns (values, indices), and [1] is the indices: your "
            "threshold was the k-th largest logit's id, not its value. Take torch.topk(logits, k).values[..., -1:] "
            "(or [0][..., -1:]).", _top_k_indices_as_threshold),
    *_sampling_mistakes(sampling.top_k_filter),
    Mistake("only the k-th largest kept", "keep every logit AT LEAST as large as the k-th largest: "
            "logits.masked_fill(logits < kth, float('-inf')); logits != kth removes the larger ones too, leaving "
            "only the ties with the k-th.", lambda logits, k: (lambda kth: logits.masked_fill(logits != kth, NEG_INF))(
                torch.topk(logits, min(k, logits.size(-1)), dim=-1).values[..., -1:])),
]


def _top_k_cases():
    # Random cases first (no ties); then ties with the k-th largest, one tie of exactly two tokens per
    # case, so that a "keep exactly k" answer is recognised whichever of the two it kept.
    return [
        (_randn(10, seed=11), 3),
        (_randn(4, 12, seed=12), 5),
        (_randn(6, seed=13), 1),
        (_randn(2, 3, 9, seed=14), 4),
        (_randn(3, 8, seed=15), 8),
        (torch.tensor([1.5, 0.5, 2.0, 0.5, -1.0, 3.0]), 4),
        (torch.tensor([[0.0, 2.0, 1.0, 1.0, -1.0], [3.0, 1.0, 2.0, 2.5, 0.0]]), 2),
        (_randn(5, 6, seed=16, dtype=torch.float64), 12),
        (_randn(1, 7, seed=17), 3),  # a batch of one row: (1, V) stays (1, V), not squeezed (wa36)
    ]


def _top_k_argsort_as_ranks(logits, k):
    return logits.masked_fill(logits.argsort(dim=-1, descending=True) >= k, NEG_INF)


def _top_k_whole_batch_clamped(logits, k):
    kth = torch.topk(logits.reshape(-1), min(k, logits.size(-1))).values[-1]
    return logits.masked_fill(logits < kth, NEG_INF)


def _top_k_first_row(logits, k):
    rows = logits.reshape(-1, logits.size(-1))
    kth = torch.topk(rows[0], min(k, logits.size(-1))).values[-1]
    return logits.masked_fill(logits < kth, float("-inf"))


TOP_K_MISTAKES += [
    Mistake("argsort used as ranks", "logits.argsort(descending=True) lists the token ids from the most likely "
            "down: entry j is the id of the j-th best token, not token j's rank, so argsort(...) < k picks tokens "
            "by id. Compare with each row's k-th largest logit: logits < torch.topk(logits, k).values[..., -1:].",
            _top_k_argsort_as_ranks),
    Mistake("one threshold for the whole batch", "you took the k largest logits of the whole batch at once "
            "(flattened): each row is its own distribution, so take each row's k-th largest, "
            "torch.topk(logits, k, dim=-1).values[..., -1:].", _top_k_whole_batch_clamped),
    Mistake("+inf instead of -inf", "the removed logits are +inf, which softmax makes the MOST likely (or NaN): "
            "remove a token with float('-inf'), logits.masked_fill(logits < kth, float('-inf')).",
            lambda logits, k: sampling.top_k_filter(logits, k).nan_to_num(neginf=float("inf"), posinf=float("inf"))),
    Mistake("the first row's threshold for every row", "you took the k-th largest of the FIRST row (logits[0], "
            "or a reshape's row 0) and compared every row with it: each row is its own distribution, so keep "
            "each row's own k-th largest, torch.topk(logits, k, dim=-1).values[..., -1:].", _top_k_first_row),
]


def _top_k_with(logits, k, keep=0, remove=torch.lt, rows="each", fill=NEG_INF):
    """Top-k with the common mistakes as knobs, for two of them at once (``two_at_once``): ``keep`` tokens
    more than k, ``remove`` compares the logits with the threshold, ``rows`` is whose k-th largest it is."""
    V = logits.size(-1)
    k = max(1, min(k + keep, V))
    if rows == "each":
        kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    else:
        kth = torch.topk(logits.reshape(-1) if rows == "batch" else logits.reshape(-1, V)[0], k).values[-1]
    removed = remove(logits, kth)
    if fill == "probs":
        return torch.softmax(logits, dim=-1).masked_fill(removed, 0.0)
    return logits.masked_fill(removed, fill)


_TOP_K_SINGLE = first_named(TOP_K_MISTAKES)
TOP_K_MISTAKES += two_at_once([(_TOP_K_SINGLE["kept k + 1"], "keep", lambda *a: 1),
                               (_TOP_K_SINGLE["kept k - 1"], "remove", lambda *a: torch.le),
                               (_TOP_K_SINGLE["mask inverted"], "remove", lambda *a: torch.ge),
                               (_TOP_K_SINGLE["one threshold for the whole batch"], "rows", lambda *a: "batch"),
                               (_TOP_K_SINGLE["the first row's threshold for every row"], "rows", lambda *a: "first"),
                               (_TOP_K_SINGLE["removed set to 0"], "fill", lambda *a: 0.0),
                               (_TOP_K_SINGLE["removed set to -1e9"], "fill", lambda *a: -1e9),
                               (_TOP_K_SINGLE["probabilities instead of logits"], "fill", lambda *a: "probs")],
                              lambda args, knobs: _top_k_with(*args, **knobs))


def _top_k_indices_on_rows(logits, k):
    keep = torch.zeros_like(logits, dtype=torch.bool)
    keep[torch.topk(logits, min(k, logits.size(-1)), dim=-1).indices] = True  # the mistake: ids index the rows
    return logits.masked_fill(~keep, NEG_INF)


TOP_K_MISTAKES += [
    Mistake("token ids used as row indices", "keep[indices] = True indexes the FIRST dimension (the rows of a batch) "
            "with the token ids: mark them along the last dimension, keep.scatter(-1, indices, True), or keep "
            "what reaches the k-th largest, logits.masked_fill(logits < torch.topk(logits, k).values[..., -1:], "
            "float('-inf')).", _top_k_indices_on_rows, same_error=True),
]


def check_top_k(fn) -> None:
    """Check ``fn(logits, k)``: logits with all but the k largest of each row set to -inf (ties kept)."""
    run_check("top_k", fn, sampling.top_k_filter, _top_k_cases(), TOP_K_MISTAKES, unchanged=True, fresh=True)


# ---------------------------------------------------------------------------------------------------
# Top-p: fn(logits, p) -> logits with all but the nucleus of each row set to -inf


def _scatter_remove(logits, remove_sorted, sorted_ids):
    remove = remove_sorted.scatter(-1, sorted_ids, remove_sorted)  # back to vocabulary order
    return logits.masked_fill(remove, NEG_INF)


def _seed_top_p(logits, p):
    """The seed notebook's version: remove every token whose cumulative probability exceeds p."""
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, sorted_ids = torch.sort(probs, dim=-1, descending=True)
    cumulative = sorted_probs.cumsum(dim=-1)
    return _scatter_remove(logits, cumulative > p, sorted_ids)  # no shift: the crossing token goes too


def _top_p_hand_softmax(logits, p):
    # the reference's rule on probabilities from exp(logits) / sum, without the largest score subtracted
    if p >= 1.0:
        return logits.clone()
    e = logits.exp()
    probs = e / e.sum(dim=-1, keepdim=True)
    sorted_probs, sorted_ids = torch.sort(probs, dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs >= p
    remove_sorted[..., 0] = False
    return _scatter_remove(logits, remove_sorted, sorted_ids)


def _top_p_sorted_cumulative(logits, p):
    # Cumulative sums of the probabilities in vocabulary order, then sorted: these sums grow along the
    # vocabulary, so the first tokens of the vocabulary are kept, whatever their probability.
    cumulative = torch.softmax(logits, dim=-1).cumsum(dim=-1)
    sorted_cumulative, sorted_ids = torch.sort(cumulative, dim=-1, descending=True)
    return _scatter_remove(logits, sorted_cumulative > p, sorted_ids)


def _top_p_logit_cumsum(logits, p):
    # The cumulative sum of the sorted LOGITS compared with p, the shift and first-token rule as in the reference.
    sorted_logits, sorted_ids = torch.sort(logits, dim=-1, descending=True)
    remove_sorted = sorted_logits.cumsum(dim=-1) - sorted_logits >= p
    remove_sorted[..., 0] = False
    return _scatter_remove(logits, remove_sorted, sorted_ids)


def _top_p_none_kept(logits, p):
    # The shift that keeps the crossing token, without also keeping the most likely token: when that
    # token alone holds more than p, the whole row is removed.
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, sorted_ids = torch.sort(probs, dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(dim=-1) > p
    remove_sorted[..., 1:] = remove_sorted[..., :-1].clone()
    return _scatter_remove(logits, remove_sorted, sorted_ids)


def _top_p_ascending(logits, p):
    # The recipe for a descending sort applied to torch.sort's default ascending order.
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, sorted_ids = torch.sort(probs, dim=-1)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    return _scatter_remove(logits, before >= p, sorted_ids)


def _top_p_softmax_dim0_probs(logits, p):
    probs = torch.softmax(logits, dim=0)
    sorted_probs, sorted_ids = torch.sort(probs, dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    return _scatter_remove(logits, before >= p, sorted_ids)


def _top_p_softmax_dim0_sorted_logits(logits, p):
    sorted_logits, sorted_ids = torch.sort(logits, dim=-1)
    mass_up_to = torch.softmax(sorted_logits, dim=0).cumsum(dim=-1)
    remove_sorted = mass_up_to <= 1 - p
    remove_sorted[..., -1:] = False
    return _scatter_remove(logits, remove_sorted, sorted_ids)


def _top_p_remove_mask(logits, p):
    return torch.isneginf(sampling.top_p_filter(logits, p)) & ~torch.isneginf(logits)


def _top_p_zero_logits(logits, p):
    return logits.masked_fill(_top_p_remove_mask(logits, p), 0.0)


def _top_p_zero_probs(logits, p):
    return torch.softmax(logits, dim=-1).masked_fill(_top_p_remove_mask(logits, p), 0.0)


def _top_p_zero_probs_renormalised(logits, p):
    return _renormalised(_top_p_zero_probs(logits, p))


def _renormalised(probs):
    return probs / probs.sum(dim=-1, keepdim=True)


SEED_TOP_P_HINT = (
    "this is the seed notebook's top-p bug: it removes every token whose cumulative probability is above "
    "p, which also drops the token that crosses the threshold, so the kept tokens hold less than p. "
    "Keep a token while the probability of the more likely tokens before it is still below p: shift the "
    "mask right by one (or compare cumsum - prob < p), and always keep the most likely token.")
_WRONG_DIM_HINT = ("you took the softmax over the wrong dimension (dim=0, across the batch): for batched "
                   "logits of shape (..., vocab_size) every row is its own distribution, so use dim=-1.")

def _top_p_unsorted_mask(logits, p):
    # The nucleus found in sorted order, applied to the logits in vocabulary order without undoing the sort.
    sorted_probs, _ = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    return logits.masked_fill(sorted_probs.cumsum(dim=-1) - sorted_probs >= p, NEG_INF)


def _top_p_gathered(logits, p):
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs >= p
    return logits.masked_fill(remove_sorted.gather(-1, sorted_ids), NEG_INF)


def _top_p_sorted_logits_gathered(logits, p):
    # the sorted logits filtered, then "unsorted" with gather by the sort's ids (which shuffles them again)
    if p >= 1.0:
        return logits.clone()
    sorted_logits, sorted_ids = torch.sort(logits, dim=-1, descending=True)
    probs = torch.softmax(sorted_logits, dim=-1)
    return sorted_logits.masked_fill(probs.cumsum(dim=-1) - probs >= p, NEG_INF).gather(-1, sorted_ids)


def _top_p_sorted_logits(logits, p):
    sorted_logits, _ = torch.sort(logits, dim=-1, descending=True)
    probs = torch.softmax(sorted_logits, dim=-1)
    return sorted_logits.masked_fill(probs.cumsum(dim=-1) - probs >= p, NEG_INF)


def _top_p_crossing_dropped_first_kept(logits, p):
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(dim=-1) > p
    remove_sorted[..., 0] = False
    return _scatter_remove(logits, remove_sorted, sorted_ids)


def _top_p_one_more(logits, p):
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    remove_sorted = torch.zeros_like(before, dtype=torch.bool)
    remove_sorted[..., 1:] = before[..., :-1] >= p  # the mistake: shifted twice
    return _scatter_remove(logits, remove_sorted, sorted_ids)


def _top_p_one_minus_p(logits, p):
    # the descending sort compared with 1 - p, the threshold of the ascending recipe
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs >= 1 - p
    remove_sorted[..., 0] = False
    return _scatter_remove(logits, remove_sorted, sorted_ids)


def _top_p_token_zero_kept(logits, p):
    # "keep the first token" applied after the scatter: token 0 of the vocabulary, not the most likely one
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs >= p
    remove = remove_sorted.scatter(-1, sorted_ids, remove_sorted)
    remove[..., 0] = False
    return logits.masked_fill(remove, NEG_INF)


def _top_p_indexed_back(logits, p):
    """top_p_filter that maps the mask back with remove[..., sorted_ids] = remove_sorted: right for 1-D
    logits, but with a batch every row's ids index every row."""
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs >= p
    remove = torch.zeros_like(remove_sorted)
    remove[..., sorted_ids] = remove_sorted
    return logits.masked_fill(remove, NEG_INF)


TOP_P_MISTAKES = [
    Mistake("no token kept", "you forgot to keep at least one token: when the most likely token alone holds more than p, "
            "your filter removes the whole row, and softmax of all -inf is NaN. Always keep the most "
            "likely token (remove_sorted[..., 0] = False for a descending sort).", _top_p_none_kept),
    Mistake("crossing token dropped", SEED_TOP_P_HINT, _seed_top_p),
    Mistake("softmax overflows", "exp() of a score above about 88.7 is inf in float32, and inf / inf is NaN, so no "
            "comparison with p holds and nothing is removed: use torch.softmax (it subtracts the row's largest "
            "score first, which changes no probability).", _top_p_hand_softmax),
    Mistake("cumulative sum of the logits", "p is a probability: add up the PROBABILITIES, softmax(logits) sorted "
            "in descending order, not the logits (which can be negative and do not sum to 1).", _top_p_logit_cumsum),
    Mistake("never sorted", "you sorted cumulative probabilities instead of probabilities: cumsum over the unsorted "
            "probabilities follows vocabulary order, so you kept the first tokens of the vocabulary, not "
            "the most likely ones. Sort the probabilities from largest to smallest first, then cumsum "
            "(and keep the token that crosses p).", _top_p_sorted_cumulative),
    Mistake("cumulative sum in vocabulary order", "the cumulative sum ran over the probabilities in vocabulary "
            "order, so you kept the first tokens of the vocabulary, not the most likely ones: sort the "
            "probabilities from largest to smallest first (torch.sort(..., descending=True)), cumsum the sorted "
            "ones, and scatter the mask back to the tokens' places.",
            lambda logits, p: logits.masked_fill(
                (lambda probs: probs.cumsum(-1) - probs >= p)(logits.softmax(-1)), float("-inf"))),
    Mistake("ascending sort", "you kept the least likely tokens: torch.sort sorts in ascending order by default. Sort with "
            "descending=True (most likely first) before taking the cumulative sum.", _top_p_ascending),
    Mistake("softmax over the batch", _WRONG_DIM_HINT, _top_p_softmax_dim0_probs),
    Mistake("softmax over the batch", _WRONG_DIM_HINT, _top_p_softmax_dim0_sorted_logits),
    Mistake("removed set to 0", _ZERO_LOGITS_HINT, _top_p_zero_logits),
    Mistake("probabilities instead of logits", _PROBS_HINT, _top_p_zero_probs),
    Mistake("probabilities instead of logits", _PROBS_HINT, _top_p_zero_probs_renormalised),
    Mistake("crossing token dropped", SEED_TOP_P_HINT, _top_p_crossing_dropped_first_kept),
    Mistake("mask left in sorted order", "the mask was computed in sorted order and applied to the logits in "
            "vocabulary order: map it back first, remove = remove_sorted.scatter(-1, sorted_ids, remove_sorted).",
            _top_p_unsorted_mask),
    Mistake("gather instead of scatter", "gather(-1, sorted_ids) reads the sorted mask in the wrong order; "
            "scatter puts each entry back at its token's id: remove_sorted.scatter(-1, sorted_ids, remove_sorted).",
            _top_p_gathered),
    Mistake("gather instead of scatter", "filtered.gather(-1, sorted_ids) does not undo the sort: it reads the "
            "sorted logits at the positions sorted_ids names, another shuffle. Put each sorted entry back at its "
            "token's id, filtered.scatter(-1, sorted_ids, filtered) (or gather with sorted_ids.argsort(-1)).",
            _top_p_sorted_logits_gathered),
    Mistake("mask put back by indexing", "remove[..., sorted_ids] = remove_sorted undoes the sort for ONE row "
            "only: with a batch, sorted_ids is (B, V), and indexing with it uses every row's ids in every row. Put "
            "each row's mask back with remove_sorted.scatter(-1, sorted_ids, remove_sorted).", _top_p_indexed_back),
    Mistake("sorted logits returned", "return the logits in vocabulary order (token i stays at position i), "
            "with the removed ones set to -inf: undo the sort with scatter.", _top_p_sorted_logits),
    Mistake("one token too many", "you kept one token after the one that crosses p: keep a token while the "
            "probability of the tokens BEFORE it is below p, remove = cumsum - prob >= p, shifted only once.",
            _top_p_one_more),
    Mistake("compared with 1 - p", "with the probabilities sorted from largest to smallest, compare the probability "
            "before each token with p itself: remove = cumsum - prob >= p. (1 - p belongs to an ascending sort, "
            "where the cumulative sum counts the least likely tokens.)", _top_p_one_minus_p),
    Mistake("token 0 always kept", "remove[..., 0] = False after the scatter keeps token 0 of the vocabulary, not "
            "the most likely token: clear the first entry of the SORTED mask, remove_sorted[..., 0] = False, "
            "before scattering it back.", _top_p_token_zero_kept),
]


def _top_p_before_below_p(logits, p):
    # The exercise's recipe to the letter, with no case for p = 1.0: in float32 the probabilities of the
    # more likely tokens can already add up to 1.0, and then `before < 1.0` drops the tokens after them.
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs >= p
    remove_sorted[..., 0] = False
    return _scatter_remove(logits, remove_sorted, sorted_ids)


def _top_p_min_p(logits, p):
    probs = torch.softmax(logits, dim=-1)
    return logits.masked_fill(probs < (1 - p) * probs.max(dim=-1, keepdim=True).values, NEG_INF)


def _top_p_own_probability(logits, p):
    return logits.masked_fill(torch.softmax(logits, dim=-1) < 1 - p, NEG_INF)


def _top_p_inverted(logits, p):
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    return _scatter_remove(logits, sorted_probs.cumsum(dim=-1) - sorted_probs < p, sorted_ids)


def _top_p_shifted_rows(logits, p, shifted):
    # remove[1:] and remove[0] where remove[..., 1:] and remove[..., 0] were meant: rows, on batched logits
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    if shifted:
        remove_sorted = sorted_probs.cumsum(dim=-1) > p
        remove_sorted[1:] = remove_sorted[:-1].clone()
    else:
        remove_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs >= p
    remove_sorted[0] = False
    return _scatter_remove(logits, remove_sorted, sorted_ids)


def _top_p_cumsum_dim0(logits, p, shifted):
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    cumulative = sorted_probs.cumsum(dim=0)
    if shifted:
        remove_sorted = cumulative > p
        remove_sorted[..., 1:] = remove_sorted[..., :-1].clone()
    else:
        remove_sorted = cumulative - sorted_probs >= p
    remove_sorted[..., 0] = False
    return _scatter_remove(logits, remove_sorted, sorted_ids)


_P_ONE_HINT = ("p = 1.0 must keep every token, but in float32 the probabilities before the least likely "
               "tokens already add up to 1.0, so `before < p` removed them: return logits.clone() when "
               "p >= 1.0, before the cumulative sum.")
_OWN_PROBABILITY_HINT = ("top-p does not compare each token's own probability with a threshold: sort the "
                         "probabilities from largest to smallest, add them up (cumsum), and keep tokens "
                         "until the total reaches p.")
_ROWS_SHIFTED_HINT = ("remove[1:] and remove[0] index the first dimension, the ROWS of batched logits: shift "
                      "and fix along the vocabulary, remove[..., 1:] = remove[..., :-1].clone() and "
                      "remove[..., 0] = False.")
_CUMSUM_DIM0_HINT = ("cumsum(dim=0) adds up down the batch, across sequences: add the sorted probabilities "
                     "along the vocabulary, sorted_probs.cumsum(dim=-1).")
TOP_P_MISTAKES += [
    Mistake("p = 1.0 rounded", _P_ONE_HINT, _top_p_before_below_p),
    Mistake("each token's own probability", _OWN_PROBABILITY_HINT, _top_p_min_p),
    Mistake("each token's own probability", _OWN_PROBABILITY_HINT, _top_p_own_probability),
    Mistake("mask inverted", "you removed the nucleus and kept the rest: masked_fill(mask, -inf) sets -inf "
            "where mask is True, so the mask marks the tokens to REMOVE (those whose more likely tokens "
            "already hold p), not those to keep.", _top_p_inverted),
    Mistake("shifted along the batch", _ROWS_SHIFTED_HINT, lambda logits, p: _top_p_shifted_rows(logits, p, True)),
    Mistake("shifted along the batch", _ROWS_SHIFTED_HINT, lambda logits, p: _top_p_shifted_rows(logits, p, False)),
    Mistake("cumsum over the batch", _CUMSUM_DIM0_HINT, lambda logits, p: _top_p_cumsum_dim0(logits, p, True)),
    Mistake("cumsum over the batch", _CUMSUM_DIM0_HINT, lambda logits, p: _top_p_cumsum_dim0(logits, p, False)),
    *[Mistake("removed set to -1e9", "use float('-inf'): -1e9 is a finite logit, and Hugging Face's filter (and "
              "the tests) set the removed logits to -inf.", lambda logits, p, f=f: _large_negative(f, logits, p, -1e9))
      for f in (sampling.top_p_filter, _top_p_before_below_p)],
    # the mistakes built on the right nucleus, in an answer without a case for p = 1.0
    Mistake("removed set to 0", _ZERO_LOGITS_HINT, lambda logits, p: logits.masked_fill(
        _removed_mask(_top_p_before_below_p(logits, p), logits), 0.0)),
    Mistake("probabilities instead of logits", _PROBS_HINT, lambda logits, p: torch.softmax(logits, dim=-1).masked_fill(
        _removed_mask(_top_p_before_below_p(logits, p), logits), 0.0)),
    Mistake("probabilities instead of logits", _PROBS_HINT, lambda logits, p: _renormalised(torch.softmax(
        logits, dim=-1).masked_fill(_removed_mask(_top_p_before_below_p(logits, p), logits), 0.0))),
    *_sampling_mistakes(sampling.top_p_filter, _top_p_before_below_p),
]


def _top_p_columns_of_every_row(logits, p, all_dims=True):
    # The 1-D recipe (a well-known gist) on batched logits: sorted_ids[remove] is one flat list of ids,
    # the union of every row's removed ids, and out[..., ids] = -inf removes all of them from every row
    # (all_dims=False: out[ids], which indexes the rows with them instead)
    sorted_logits, sorted_ids = torch.sort(logits, descending=True)
    remove = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1) > p
    remove[..., 1:] = remove[..., :-1].clone()
    remove[..., 0] = False
    out = logits.clone()
    if all_dims:
        out[..., sorted_ids[remove]] = NEG_INF
    else:
        out[sorted_ids[remove]] = NEG_INF
    return out


_COLUMNS_HINT = ("sorted_ids[remove] flattens every row's removed ids into one list: out[..., ids] = -inf then removes "
                 "their union from every row (and out[ids] takes them for rows), a recipe right for one row of "
                 "logits only. Map the mask back row by row, remove = remove_sorted.scatter(-1, sorted_ids, remove_sorted), then "
                 "logits.masked_fill(remove, float('-inf')).")
_FLOAT_MASK_HINT = ("your mask became float: torch.zeros_like(sorted_probs[..., :1]) (or torch.zeros(...)) is a float "
                    "zero, and joining booleans to it (torch.cat) or writing them into it makes the whole mask "
                    "float, which masked_fill refuses. Start the shift from a boolean, torch.zeros_like(remove[..., :1]) "
                    "(or dtype=torch.bool).")
def _top_p_one_count(before: bool):
    """The 1-D recipe that counts the tokens to keep, int((cumulative < p).sum()) + 1 (or the tokens whose
    probability ``before`` them is below p), on batched logits: one count, every row's added up, for all rows."""
    def wrong(logits, p):
        sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
        cumulative = sorted_probs.cumsum(dim=-1)
        n_keep = int((cumulative - sorted_probs < p).sum()) if before else int((cumulative < p).sum()) + 1
        keep = sorted_ids[..., :n_keep]
        return torch.full_like(logits, NEG_INF).scatter(-1, keep, logits.gather(-1, keep))
    return wrong


TOP_P_MISTAKES += [
    *[Mistake("one count for the whole batch", "you counted the tokens to keep over the whole batch: "
              "(cumulative < p).sum() adds up every row's count, so each row keeps that total (often all of its "
              "tokens). Each row has its own nucleus: build the mask row by row, remove_sorted = (cumulative - "
              "sorted_probs) >= p, then remove = remove_sorted.scatter(-1, sorted_ids, remove_sorted).",
              _top_p_one_count(before)) for before in (False, True)],
    Mistake("one list of ids for every row", _COLUMNS_HINT, _top_p_columns_of_every_row),
    Mistake("one list of ids for every row", _COLUMNS_HINT,
            lambda logits, p: _top_p_columns_of_every_row(logits, p, all_dims=False), same_error=True),
    *[Mistake("float mask", _FLOAT_MASK_HINT, error=text)
      for text in ("only supports boolean masks, but got mask with dtype float",
                   "where expected condition to be a boolean tensor, but got a tensor with dtype Float")],
]


def _kept_whole_at_p_one(wrong):
    def guarded(logits, p):
        return logits.clone() if p >= 1.0 else wrong(logits, p)
    return guarded


# Each mistake again in an answer that first returns the logits as they are for p >= 1.0, as the lesson's
# solution does: in float32 the two differ on the last case (where a cumulative sum reaches 1.0 early).
TOP_P_MISTAKES += [Mistake(m.name, m.hint, _kept_whole_at_p_one(m.wrong), credit=m.credit)
                   for m in list(TOP_P_MISTAKES) if m.wrong is not None and m.name != "p = 1.0 rounded"
                   and not m.same_error]  # (an error raised where p < 1 is raised alike with the guard)

# last: an answer written for one row of logits (a Python loop over logits.tolist(), float(prob), a 1-D index)
# that ran on the 1-D cases and fails on the first batch, for a reason no mistake above names
TOP_P_MISTAKES.append(Mistake(
    "assumed 1-D logits", "your function works on one row of logits, but the logits may have more dimensions, "
    "(..., V): a batch of rows, each filtered on its own. Work along the last dimension with tensor operations: "
    "torch.sort(probs, dim=-1, descending=True), cumsum(dim=-1), and the mask put back with "
    "remove_sorted.scatter(-1, sorted_ids, remove_sorted); a loop over tolist() sees a row as a list.",
    error="", on=lambda logits, p: logits.dim() > 1))


def _p_one_rounds(seed: int) -> torch.Tensor:
    """(2, 9) logits for p = 1.0: in each row one token holds all but ~1e-13 of the probability, so in
    float32 its probability alone is 1.0 and a cumulative sum reaches 1.0 before the other tokens."""
    logits = _randn(2, 9, seed=seed) - 30.0
    logits[0, 4] = 0.0
    logits[1, 1] = 2.0
    return logits


def _flat_enough(logits: torch.Tensor, p: float) -> torch.Tensor:
    # Shrink the logits until no token alone holds p: then forgetting to keep one token changes
    # nothing, and these early cases name the other mistakes.
    while torch.softmax(logits, dim=-1).max() >= p:
        logits = logits / 2
    return logits


def _top_p_cases():
    # 1-D first (where softmax over dim 0 happens to be right), then batched; rows where one token
    # holds more than p come last.
    peaked = _randn(4, 10, seed=25)
    peaked[0, 3] += 6.0
    peaked[2, 7] += 4.0
    peaked += 95.0  # large scores (a low temperature makes them): exp() overflows float32 past about 88.7
    return [
        (_flat_enough(_randn(10, seed=21), 0.9), 0.9),
        (_flat_enough(_randn(8, seed=22, scale=2.0), 0.6), 0.6),
        (_flat_enough(_randn(4, 12, seed=23), 0.75), 0.75),
        (_flat_enough(_randn(2, 3, 10, seed=24), 0.5), 0.5),
        (peaked, 0.3),
        (_randn(3, 7, seed=26), 1.0),
        (_flat_enough(_randn(3, 16, seed=27, dtype=torch.float64), 0.85), 0.85),
        (_flat_enough(_randn(1, 9, seed=29), 0.8), 0.8),  # a batch of one row: (1, V) stays (1, V) (wa36)
        (_p_one_rounds(28), 1.0),  # p = 1.0 keeps everything, even where the float32 sum reaches 1 early
    ]


def _top_p_below_removed(logits, p):
    if p >= 1.0:
        return logits.clone()
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs <= p
    remove_sorted[..., 0] = False
    return _scatter_remove(logits, remove_sorted, sorted_ids)


def _top_p_rolled(logits, p):
    if p >= 1.0:
        return logits.clone()
    sorted_probs, sorted_ids = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    return _scatter_remove(logits, sorted_probs.cumsum(dim=-1).roll(1, dims=-1) >= p, sorted_ids)


TOP_P_MISTAKES += [
    Mistake("shifted in place without clone()", "remove[..., 1:] = remove[..., :-1] reads and writes the same "
            "memory at once, which PyTorch refuses: shift a copy, remove[..., 1:] = remove[..., :-1].clone(), or "
            "compare the probability BEFORE each token, cumsum - sorted_probs >= p, which needs no shift.",
            error="refer to a single memory location"),
    Mistake("mask inverted", "before <= p marks the tokens INSIDE the nucleus (their more likely tokens hold "
            "less than p), and masked_fill(mask, -inf) removes what the mask marks: remove the others, "
            "remove_sorted = before >= p (then keep the most likely token, remove_sorted[..., 0] = False).",
            _top_p_below_removed),
    Mistake("roll wraps the total round", "torch.roll moves the last cumulative sum, the whole row's total (1), "
            "round to the first place, so the most likely token counts as already holding p and is removed: "
            "shift without wrapping, before = cumsum - sorted_probs (or keep remove_sorted[..., 0] = False).",
            _top_p_rolled),
]


def _top_p_with(logits, p, crossing=False, descending=True, back="scatter", inverted=False, fill=NEG_INF):
    """Top-p with the common mistakes as knobs, for two of them at once (``two_at_once``): ``crossing`` drops
    the token that crosses p (cumsum > p: "seed", as the seed notebook, or with the most likely token "kept"),
    ``back`` is how the mask is put back in vocabulary order ("scatter", "gather", or "none": left in sorted
    order). (Not "no token kept": with the probability before each token compared, the most likely token
    has 0 before it and is always kept.)"""
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, sorted_ids = torch.sort(probs, dim=-1, descending=descending)
    cumulative = sorted_probs.cumsum(dim=-1)
    remove_sorted = cumulative > p if crossing else cumulative - sorted_probs >= p
    if crossing != "seed":
        remove_sorted[..., 0] = False
    remove_sorted = ~remove_sorted if inverted else remove_sorted
    remove = {"scatter": lambda: remove_sorted.scatter(-1, sorted_ids, remove_sorted),
              "gather": lambda: remove_sorted.gather(-1, sorted_ids), "none": lambda: remove_sorted}[back]()
    return probs.masked_fill(remove, 0.0) if fill == "probs" else logits.masked_fill(remove, fill)


_TOP_P_SINGLE = first_named(TOP_P_MISTAKES)
_TOP_P_PAIRS = two_at_once([*[(_TOP_P_SINGLE["crossing token dropped"], "crossing", lambda *a, c=c: c)
                              for c in ("kept", "seed")],
                            (_TOP_P_SINGLE["ascending sort"], "descending", lambda *a: False),
                            (_TOP_P_SINGLE["mask left in sorted order"], "back", lambda *a: "none"),
                            (_TOP_P_SINGLE["gather instead of scatter"], "back", lambda *a: "gather"),
                            (_TOP_P_SINGLE["mask inverted"], "inverted", lambda *a: True),
                            (_TOP_P_SINGLE["removed set to 0"], "fill", lambda *a: 0.0),
                            (_TOP_P_SINGLE["probabilities instead of logits"], "fill", lambda *a: "probs")],
                           lambda args, knobs: _top_p_with(*args, **knobs))
# (each again in an answer that returns the logits as they are for p >= 1.0, as the singles are)
TOP_P_MISTAKES += _TOP_P_PAIRS + [Mistake(m.name, m.hint, _kept_whole_at_p_one(m.wrong)) for m in _TOP_P_PAIRS]


def check_top_p(fn) -> None:
    """Check ``fn(logits, p)``: logits with all but the nucleus of each row set to -inf.

    The nucleus is the smallest set of most likely tokens whose probabilities add up to at least p,
    including the token that crosses p; p = 1.0 keeps everything.
    """
    run_check("top_p", fn, lambda logits, p: sampling.top_p_filter(logits, p), _top_p_cases(), TOP_P_MISTAKES,
              unchanged=True, quiet=True, fresh=True)
    _check_top_p_ties(fn)
    print(f"✓ top_p: all {len(_top_p_cases())} cases match the reference.")  # the tie cases included


TIES_KEPT_WHOLE = Mistake(
    "every tied token kept", "tokens tied at the edge of the nucleus are kept only as far as they are needed "
    "to reach p (which of the tied ones is arbitrary): the nucleus is the SMALLEST set of most likely tokens "
    "holding at least p. Keep the tokens whose more likely tokens, in your sorted order, hold less than p, "
    "and don't add back every token tied with a kept one.")


def _check_top_p_ties(fn) -> None:
    """With ties at the top, which of the tied tokens crosses p is arbitrary, so the nucleus is checked by
    its properties (as the hidden tests do): at least one token, the most likely ones, holding at least p,
    and the smallest such set."""
    logits = torch.tensor([[1.0, 1.0, 1.0, 1.0, 0.0, 0.0, -1.0, -1.0],   # four tied at 0.2 each
                           [0.0, 2.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0]])    # two tied at 0.36 each
    for p in (0.1, 0.3, 0.5):
        where = f"top_p: logits with tied most likely tokens, {describe(logits, True)}, p={p}"
        try:
            got = fn(logits.clone(), p)
        except Exception as error:
            raise failure(where, f"your function raised {type(error).__name__}: {said(error)}{where_raised(error)}",
                          missing_name(error)) from None
        if not isinstance(got, torch.Tensor) or got.shape != logits.shape:
            raise failure(where, f"expected a tensor of shape {tuple(logits.shape)}, got {describe(got)}")
        for row, (given, out) in enumerate(zip(logits, got)):
            probs, kept = given.softmax(-1), ~torch.isneginf(out)
            problem, mistake = None, None
            if not kept.any():
                problem = "every token was removed"
            elif not torch.equal(out[kept], given[kept]):
                problem = "a kept logit changed"
            elif not kept.all() and probs[kept].min() < probs[~kept].max() - 1e-7:
                problem = "a less likely token was kept while a more likely one was removed"
            elif probs[kept].sum() < p - 1e-6:
                problem = f"the kept tokens hold {float(probs[kept].sum()):.2f} of the probability, less than p"
            elif probs[kept].sum() - probs[kept].min() >= p + 1e-6:
                problem = (f"{int(kept.sum())} tokens kept, but fewer of them hold p: the nucleus is the smallest "
                           f"such set")
                mistake = TIES_KEPT_WHOLE
            if problem is not None:
                raise failure(where, f"row {row}: {problem}", mistake, got=f"row {row} of your result, {describe(out, True)}")


from course.checks._core import guard_checks  # noqa: E402

guard_checks(globals())  # each check starts from float32, whatever an earlier cell left
