"""Self-checks for lesson 06 (decoding strategies): temperature, top-k and top-p.

Each check compares your function with ``course.sampling`` on random logits (1-D, batched, with ties
where they matter) and, when your output equals a known wrong version, says which mistake it is.
Usage: ``from course.checks import sampling as checks; checks.check_top_p(my_top_p)``.
"""
from __future__ import annotations

import torch

from course import sampling
from course.checks._core import Mistake, run_check

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
    Mistake("kept k + 1", "you kept k + 1 tokens (an off-by-one in the threshold): the threshold is the k-th largest "
            "logit, torch.topk(logits, k).values[..., -1:], i.e. index k - 1.", _top_k_plus_one),
    Mistake("kept k - 1", "you kept only k - 1 tokens (an off-by-one in the threshold): keep every logit >= the k-th "
            "largest, torch.topk(logits, k).values[..., -1:]; use >= (or remove only what is <), not >.",
            _top_k_minus_one),
    Mistake("ties broken", _EXACTLY_K_HINT, lambda logits, k: _keep_exactly_k(logits, k, prefer_low_ids=True)),
    Mistake("ties broken", _EXACTLY_K_HINT, lambda logits, k: _keep_exactly_k(logits, k, prefer_low_ids=False)),
    Mistake("kept the smallest", "you kept the k smallest logits (largest=False, or an ascending sort); keep the k largest.",
            _top_k_smallest),
    Mistake("removed set to 0", _ZERO_LOGITS_HINT, _top_k_zero_logits),
    Mistake("probabilities instead of logits", _PROBS_HINT, _top_k_zero_probs),
    Mistake("probabilities instead of logits", _PROBS_HINT, _top_k_zero_probs_renormalised),
    Mistake("probabilities instead of logits", _PROBS_HINT, _top_k_softmax_after),
    Mistake("top-k over the batch", "torch.topk works along the last dimension by default: dim=0 picks the "
            "k largest of each COLUMN, across the sequences of the batch. Take each row's own k largest, "
            "torch.topk(logits, k, dim=-1).", error="out of range",
            on=lambda logits, k: logits.dim() > 1 and k <= logits.size(-1)),
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
    ]


def check_top_k(fn) -> None:
    """Check ``fn(logits, k)``: logits with all but the k largest of each row set to -inf (ties kept)."""
    run_check("top_k", fn, sampling.top_k_filter, _top_k_cases(), TOP_K_MISTAKES, unchanged=True)


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
    probs = _top_p_zero_probs(logits, p)
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


TOP_P_MISTAKES = [
    Mistake("no token kept", "you forgot to keep at least one token: when the most likely token alone holds more than p, "
            "your filter removes the whole row, and softmax of all -inf is NaN. Always keep the most "
            "likely token (remove_sorted[..., 0] = False for a descending sort).", _top_p_none_kept),
    Mistake("crossing token dropped", SEED_TOP_P_HINT, _seed_top_p),
    Mistake("cumulative sum of the logits", "p is a probability: add up the PROBABILITIES, softmax(logits) sorted "
            "in descending order, not the logits (which can be negative and do not sum to 1).", _top_p_logit_cumsum),
    Mistake("never sorted", "you sorted cumulative probabilities instead of probabilities: cumsum over the unsorted "
            "probabilities follows vocabulary order, so you kept the first tokens of the vocabulary, not "
            "the most likely ones. Sort the probabilities from largest to smallest first, then cumsum "
            "(and keep the token that crosses p).", _top_p_sorted_cumulative),
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
    Mistake("sorted logits returned", "return the logits in vocabulary order (token i stays at position i), "
            "with the removed ones set to -inf: undo the sort with scatter.", _top_p_sorted_logits),
    Mistake("one token too many", "you kept one token after the one that crosses p: keep a token while the "
            "probability of the tokens BEFORE it is below p, remove = cumsum - prob >= p, shifted only once.",
            _top_p_one_more),
]


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
    return [
        (_flat_enough(_randn(10, seed=21), 0.9), 0.9),
        (_flat_enough(_randn(8, seed=22, scale=2.0), 0.6), 0.6),
        (_flat_enough(_randn(4, 12, seed=23), 0.75), 0.75),
        (_flat_enough(_randn(2, 3, 10, seed=24), 0.5), 0.5),
        (peaked, 0.3),
        (_randn(3, 7, seed=26), 1.0),
        (_flat_enough(_randn(3, 16, seed=27, dtype=torch.float64), 0.85), 0.85),
    ]


def check_top_p(fn) -> None:
    """Check ``fn(logits, p)``: logits with all but the nucleus of each row set to -inf.

    The nucleus is the smallest set of most likely tokens whose probabilities add up to at least p,
    including the token that crosses p; p = 1.0 keeps everything.
    """
    run_check("top_p", fn, lambda logits, p: sampling.top_p_filter(logits, p), _top_p_cases(), TOP_P_MISTAKES,
              unchanged=True)
