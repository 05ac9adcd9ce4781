"""course.sampling against Hugging Face's logits warpers (transformers 5.23), on many random seeds.

No hypothesis library: each property test loops over seeded random shapes, dtypes and parameters,
including ties, p = 1.0, k = 1, k >= V, very peaked and flat distributions.
"""
import math

import numpy as np
import pytest
import torch
from transformers.generation.logits_process import (LogitsProcessorList, TemperatureLogitsWarper,
                                                    TopKLogitsWarper, TopPLogitsWarper)

from course.sampling import (filter_logits, greedy, kept_tokens, next_token, temperature_scale,
                             top_k_filter, top_p_filter)

torch.set_num_threads(1)

KINDS = ["normal", "rounded", "repeated", "scaled", "peaked", "flat", "masked"]
SHAPES = [(7,), (1, 5), (4, 11), (3, 50), (2, 3, 17), (2, 2, 2, 9), (1, 1)]


def random_logits(g: torch.Generator, shape, kind: str, dtype) -> torch.Tensor:
    x = torch.randn(shape, generator=g, dtype=torch.float64)
    if kind == "rounded":  # ties: values on a 0.1 grid
        x = x.round(decimals=1)
    elif kind == "repeated":  # many ties: a handful of distinct values
        x = torch.randint(-2, 3, shape, generator=g).double()
    elif kind == "scaled":
        x = x * 10
    elif kind == "peaked":  # the other tokens' probabilities underflow to 0
        top = torch.randint(0, shape[-1], shape[:-1] + (1,), generator=g)
        x = x.scatter_add(-1, top, torch.full(top.shape, 120.0, dtype=torch.float64))
    elif kind == "flat":
        x = torch.full(shape, 0.3, dtype=torch.float64)
    elif kind == "masked":  # some tokens already at -inf, as after another filter
        drop = torch.rand(shape, generator=g) < 0.4
        drop[..., 0] = False
        x = x.masked_fill(drop, float("-inf"))
    return x.to(dtype)


def random_cases(n: int, seed0: int):
    """n seeded (generator, logits) pairs covering every kind, shape and dtype."""
    for seed in range(seed0, seed0 + n):
        g = torch.Generator().manual_seed(seed)
        shape = SHAPES[seed % len(SHAPES)]
        kind = KINDS[(seed // len(SHAPES)) % len(KINDS)]
        dtype = (torch.float32, torch.float64)[seed % 2]
        yield g, random_logits(g, shape, kind, dtype)


def hf(warpers, logits: torch.Tensor) -> torch.Tensor:
    """Apply Hugging Face warpers (which take (batch, vocab) scores) to logits of shape (..., V)."""
    scores = logits.reshape(-1, logits.size(-1))
    input_ids = torch.zeros(scores.size(0), 1, dtype=torch.long)  # the warpers ignore them
    for warper in warpers:
        scores = warper(input_ids, scores)
    return scores.reshape(logits.shape)


def hf_chain(logits, temperature=1.0, top_k=None, top_p=None):
    """The warpers generate() builds for do_sample=True, in its order (utils.py, _get_logits_processor)."""
    warpers = LogitsProcessorList()
    if temperature != 1.0:
        warpers.append(TemperatureLogitsWarper(float(temperature)))
    if top_k is not None:
        warpers.append(TopKLogitsWarper(top_k))
    if top_p is not None and top_p < 1.0:
        warpers.append(TopPLogitsWarper(top_p))
    return hf(warpers, logits)


# ---------------------------------------------------------------------------------------------------
# Each filter equals Hugging Face's


def test_temperature_equals_hugging_face():
    for g, x in random_cases(140, 0):
        t = float(torch.empty(1).uniform_(0.05, 5.0, generator=g))
        before = x.clone()
        got = temperature_scale(x, t)
        assert got.dtype == x.dtype
        assert torch.equal(got, hf([TemperatureLogitsWarper(t)], x))
        assert torch.equal(x, before), "temperature_scale changed its input"


def test_top_k_equals_hugging_face_including_ties():
    checked_ties = 0
    for g, x in random_cases(280, 100):
        V = x.size(-1)
        for k in {1, int(torch.randint(1, V + 1, (1,), generator=g)), V, V + 3}:
            before = x.clone()
            got = top_k_filter(x, k)
            assert got.dtype == x.dtype and got.shape == x.shape
            assert torch.equal(got, hf([TopKLogitsWarper(k)], x)), (k, x)
            assert torch.equal(x, before), "top_k_filter changed its input"
            kept = torch.isfinite(got).sum(-1)
            if k < V and (kept > k).any():
                checked_ties += 1  # a tie with the k-th largest kept more than k tokens
    assert checked_ties > 20  # the ties path really was exercised


def test_top_k_keeps_the_k_largest():  # independently of Hugging Face: distinct values, sorted by numpy
    for g, x in random_cases(40, 400):
        if x.dim() < 2 or x.size(-1) < 2:
            continue
        x = torch.randn(x.shape, generator=g, dtype=x.dtype)
        k = int(torch.randint(1, x.size(-1), (1,), generator=g))
        got = top_k_filter(x, k).numpy().reshape(-1, x.size(-1))
        for row, out in zip(x.numpy().reshape(-1, x.size(-1)), got):
            largest = set(np.argsort(-row)[:k].tolist())
            assert set(np.flatnonzero(np.isfinite(out)).tolist()) == largest
            np.testing.assert_array_equal(out[list(largest)], row[list(largest)])


def test_top_k_of_k_at_least_vocab_changes_nothing():
    x = torch.randn(3, 5)
    for k in (5, 6, 100):
        assert torch.equal(top_k_filter(x, k), x)


def test_top_p_equals_hugging_face_including_ties():
    n_peaked_p1 = 0
    for g, x in random_cases(280, 1000):
        for p in (float(torch.rand(1, generator=g)) * 0.999 + 1e-3, 1e-6, 0.5, 0.9, 0.999, 1.0):
            m = int(torch.randint(1, 4, (1,), generator=g))
            before = x.clone()
            got = top_p_filter(x, p, min_tokens_to_keep=m)
            assert got.dtype == x.dtype and got.shape == x.shape
            assert torch.equal(x, before), "top_p_filter changed its input"
            expected = hf([TopPLogitsWarper(p, min_tokens_to_keep=m)], x)
            if p < 1.0:
                assert torch.equal(got, expected), (p, m, x)
            else:
                # p = 1.0 keeps everything. HF's warper would still drop tokens whose probability
                # underflows to 0 (generate() skips it at 1.0); the distributions are the same.
                assert torch.equal(got, x)
                torch.testing.assert_close(got.softmax(-1), expected.softmax(-1), equal_nan=True)
                n_peaked_p1 += int(not torch.equal(got, expected))
    assert n_peaked_p1 > 0  # the underflow difference really occurred and was covered


def test_top_p_keeps_the_smallest_set_reaching_p():
    # Independently of Hugging Face, in float64 with numpy: sort descending, the nucleus is the
    # shortest prefix whose sum reaches p, so the crossing token is in it.
    for seed in range(150):
        g = torch.Generator().manual_seed(seed)
        V = int(torch.randint(2, 40, (1,), generator=g))
        x = torch.randn(6, V, generator=g, dtype=torch.float64) * float(torch.empty(1).uniform_(0.2, 4, generator=g))
        p = float(torch.rand(1, generator=g)) * 0.98 + 0.01
        got = top_p_filter(x, p).numpy()
        for row, out in zip(x.numpy(), got):
            probs = np.exp(row - row.max())
            probs /= probs.sum()
            order = np.argsort(-probs)
            cumulative = np.cumsum(probs[order])
            if np.abs(cumulative - p).min() < 1e-9:
                continue  # too close to call in floating point
            n = int(np.searchsorted(cumulative, p)) + 1  # first position whose cumulative sum is >= p
            assert set(np.flatnonzero(np.isfinite(out)).tolist()) == set(order[:n].tolist())
            assert probs[np.isfinite(out)].sum() >= p


def test_top_p_keeps_min_tokens_and_the_most_likely_token():
    x = torch.tensor([[10.0, 0.0, -1.0, -2.0, 0.5]])
    assert torch.isfinite(top_p_filter(x, 0.01)).tolist() == [[True, False, False, False, False]]
    assert torch.isfinite(top_p_filter(x, 0.01, min_tokens_to_keep=3)).tolist() == [[True, True, False, False, True]]


def test_one_dimensional_logits_equal_a_batch_of_one():
    for g, x in random_cases(30, 2000):
        row = x.reshape(-1, x.size(-1))[0]
        assert torch.equal(temperature_scale(row, 0.7), temperature_scale(row[None], 0.7)[0])
        assert torch.equal(top_k_filter(row, 2), top_k_filter(row[None], 2)[0])
        assert torch.equal(top_p_filter(row, 0.6), top_p_filter(row[None], 0.6)[0])
        assert torch.equal(greedy(row), greedy(row[None])[0])


def test_filter_logits_applies_temperature_then_top_k_then_top_p_like_generate():
    order_mattered = 0
    for g, x in random_cases(140, 3000):
        t = float(torch.empty(1).uniform_(0.3, 3.0, generator=g))
        k = int(torch.randint(1, x.size(-1) + 2, (1,), generator=g))
        p = float(torch.rand(1, generator=g)) * 0.9 + 0.05
        for top_k, top_p in ((None, None), (k, None), (None, p), (k, p)):
            assert torch.equal(filter_logits(x, t, top_k, top_p), hf_chain(x, t, top_k, top_p))
        # Top-p before temperature keeps a different set: the test above can tell the orders apart.
        reversed_order = temperature_scale(top_p_filter(x, p), t)
        order_mattered += int(not torch.equal(torch.isfinite(reversed_order), torch.isfinite(filter_logits(x, t, None, p))))
    assert order_mattered > 10


# ---------------------------------------------------------------------------------------------------
# Choosing the token


def test_greedy_is_the_first_argmax():
    for g, x in random_cases(70, 4000):
        got = greedy(x)
        assert got.dtype == torch.long and got.shape == x.shape[:-1]
        np.testing.assert_array_equal(got.numpy(), np.argmax(x.numpy(), axis=-1))  # numpy: first on ties


def test_next_token_shapes_and_greedy():
    x = torch.randn(2, 3, 10)
    assert next_token(x).shape == (2, 3) and next_token(x).dtype == torch.long
    assert next_token(x[0, 0]).shape == ()
    assert torch.equal(next_token(x, greedy=True), torch.from_numpy(np.argmax(x.numpy(), axis=-1)))
    # greedy ignores temperature, so temperature 0 is fine there
    assert torch.equal(next_token(x, temperature=0, greedy=True), next_token(x, greedy=True))
    # top_k = 1 leaves only the argmax to sample
    assert torch.equal(next_token(x, top_k=1), next_token(x, greedy=True))


def test_next_token_is_reproducible_with_a_seeded_generator():
    x = torch.zeros(200, 30)  # flat: every draw is as random as it gets
    a = next_token(x, 0.8, 10, 0.9, generator=torch.Generator().manual_seed(7))
    b = next_token(x, 0.8, 10, 0.9, generator=torch.Generator().manual_seed(7))
    c = next_token(x, 0.8, 10, 0.9, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def chi_square(counts: np.ndarray, probs: np.ndarray) -> float:
    """Pearson's statistic; infinite when a token of probability 0 was drawn."""
    n = counts.sum()
    if (counts[probs == 0] > 0).any():
        return math.inf
    support = probs > 0
    expected = n * probs[support]
    return float(((counts[support] - expected) ** 2 / expected).sum())


@pytest.mark.parametrize("temperature, top_k, top_p", [
    (1.0, None, None), (0.7, 5, None), (1.5, None, 0.8), (0.8, 6, 0.9), (2.0, 3, 0.5), (0.5, None, 0.95)])
def test_next_token_samples_the_filtered_softmax(temperature, top_k, top_p):
    V, N = 10, 40_000
    logits = torch.randn(V, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 1.5
    expected = hf_chain(logits[None], temperature, top_k, top_p)[0].softmax(-1).numpy()
    draws = next_token(logits.expand(N, V), temperature, top_k, top_p,
                       generator=torch.Generator().manual_seed(11))
    counts = np.bincount(draws.numpy(), minlength=V)
    df = int((expected > 0).sum()) - 1
    # About five standard deviations above the mean df of the statistic (p < 1e-4 for these df);
    # the draws are seeded, so the test is deterministic, not flaky.
    bound = df + 5 * math.sqrt(2 * df) + 5
    assert chi_square(counts, expected) < bound
    # ... and the bound has power: the same draws are far from the distributions of common mistakes.
    unfiltered = logits.softmax(-1).numpy()
    multiplied = hf_chain(logits[None] * temperature * temperature, temperature, top_k, top_p)[0].softmax(-1).numpy()
    for wrong in (unfiltered, multiplied):
        if not np.allclose(wrong, expected, atol=0.01):
            assert chi_square(counts, wrong) > bound  # so a sampler with this mistake fails


def test_next_token_never_samples_a_filtered_token():
    for g, x in random_cases(35, 5000):
        x = x.reshape(-1, x.size(-1))
        if not torch.isfinite(x.max(-1).values).all():
            continue
        allowed = torch.isfinite(hf_chain(x, 0.9, 4, 0.7))
        draws = next_token(x.repeat(300, 1), 0.9, 4, 0.7, generator=g)
        assert allowed.repeat(300, 1).gather(-1, draws[:, None]).all()


def test_kept_tokens_are_the_survivors_sorted_by_probability():
    for g, x in random_cases(70, 6000):
        row = x.reshape(-1, x.size(-1))[0]
        t = float(torch.empty(1).uniform_(0.3, 3.0, generator=g))
        k = int(torch.randint(1, row.size(0) + 2, (1,), generator=g))
        p = float(torch.rand(1, generator=g)) * 0.9 + 0.05
        probs, ids = kept_tokens(row, t, k, p)
        reference = hf_chain(row[None], t, k, p)[0]
        assert ids.dtype == torch.long and probs.dtype == row.dtype
        assert sorted(ids.tolist()) == torch.isfinite(reference).nonzero().squeeze(-1).tolist()
        torch.testing.assert_close(probs, reference.softmax(-1)[ids])
        assert (probs[:-1] >= probs[1:]).all()
        assert math.isclose(probs.sum().item(), 1.0, rel_tol=1e-5)


# ---------------------------------------------------------------------------------------------------
# Errors that say what was wrong


ALL = [
    lambda x: temperature_scale(x, 1.0), lambda x: top_k_filter(x, 2), lambda x: top_p_filter(x, 0.5),
    greedy, next_token, kept_tokens, filter_logits,
]


@pytest.mark.parametrize("fn", ALL)
def test_bad_logits(fn):
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        fn([1.0, 2.0])
    with pytest.raises(TypeError, match=r"floating-point tensor, got dtype torch.int64.*logits.float\(\)"):
        fn(torch.tensor([1, 2, 3]))
    with pytest.raises(TypeError, match="floating-point tensor, got dtype torch.bool"):
        fn(torch.tensor([True, False]))
    with pytest.raises(ValueError, match="0-d tensor"):
        fn(torch.tensor(1.0))
    with pytest.raises(ValueError, match="vocabulary .* dimension is empty"):
        fn(torch.zeros(3, 0))


def test_bad_temperature():
    x = torch.randn(4)
    with pytest.raises(ValueError, match="temperature is 0.*greedy"):
        temperature_scale(x, 0)
    with pytest.raises(ValueError, match="temperature is 0.*greedy"):
        next_token(x, temperature=0.0)
    for t in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="positive finite number"):
            temperature_scale(x, t)
    for t in (True, "1.0", None):
        with pytest.raises(TypeError, match="temperature must be a positive number"):
            temperature_scale(x, t)


def test_bad_top_k():
    x = torch.randn(4)
    for k in (0, -3):
        with pytest.raises(ValueError, match="at least 1.*top_k=None"):
            top_k_filter(x, k)
        with pytest.raises(ValueError, match="at least 1"):
            next_token(x, top_k=k, greedy=True)
    for k in (2.5, True, None, "3"):
        with pytest.raises(TypeError, match="k must be a positive int"):
            top_k_filter(x, k)
    assert torch.equal(top_k_filter(x, np.int64(2)), top_k_filter(x, 2))  # numpy ints are fine


def test_bad_top_p():
    x = torch.randn(4)
    for p in (0.0, -0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match=r"must be in \(0, 1\]"):
            top_p_filter(x, p)
        with pytest.raises(ValueError, match=r"must be in \(0, 1\]"):
            next_token(x, top_p=p)
    for p in ("0.9", True, None):
        with pytest.raises(TypeError, match="p must be a number"):
            top_p_filter(x, p)
    for m in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="min_tokens_to_keep must be a positive int"):
            top_p_filter(x, 0.5, min_tokens_to_keep=m)


def test_next_token_refuses_rows_without_a_distribution():
    with pytest.raises(ValueError, match="NaN or \\+inf"):
        next_token(torch.tensor([[0.0, float("nan"), 1.0]]))
    with pytest.raises(ValueError, match="all -inf"):
        next_token(torch.tensor([[0.0, 1.0], [float("-inf"), float("-inf")]]))


def test_kept_tokens_wants_one_row():
    with pytest.raises(ValueError, match=r"shape \(vocab_size,\), got shape \(2, 5\).*logits\[0, -1\]"):
        kept_tokens(torch.randn(2, 5))


# ---------------------------------------------------------------------------------------------------
# The lesson's explorer (course.widgets.sampling_explorer): a prompt to pick, sliders that redraw


def test_sampling_explorer_switches_prompt_and_redraws():
    from course.widgets import sampling_explorer
    rows = {"sure": torch.tensor([8.0, 0.0, 0.0, 0.0, 0.0]), "unsure": torch.zeros(5)}
    calls = []

    def sample(prompt, temperature, top_k, top_p):
        calls.append((prompt, temperature, top_k, top_p))
        return f"<{prompt}>"

    box = sampling_explorer(rows, decode=str, sample=sample)
    prompt, sliders, image, text = box.children
    temperature, top_k, top_p = sliders.children
    assert [value for _, value in prompt.options] == ["sure", "unsure"]
    assert calls == [("sure", 1.0, None, 1.0)] and text.value == "<pre>&lt;sure&gt;</pre>"
    first = image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    top_p.value = 0.5  # "sure": one token holds more than half the mass
    sure = image.value
    prompt.value = "unsure"  # five equal tokens: top-p 0.5 keeps three
    assert calls[-1] == ("unsure", 1.0, None, 0.5) and text.value == "<pre>&lt;unsure&gt;</pre>"
    assert len({first, sure, image.value}) == 3
    top_k.value = 2
    assert calls[-1] == ("unsure", 1.0, 2, 0.5)


def test_sampling_explorer_one_row_and_errors():
    from course.widgets import sampling_explorer
    box = sampling_explorer(torch.randn(7), decode=str, sample=lambda prompt, t, k, p: f"{prompt}")
    assert len(box.children) == 3  # no prompt to pick: sliders, plot, sample
    assert box.children[2].value == "<pre>None</pre>"
    with pytest.raises(ValueError, match="for the prompt 'b'"):
        sampling_explorer({"a": torch.randn(5), "b": torch.randn(2, 5)}, decode=str)
    with pytest.raises(ValueError, match="empty dict"):
        sampling_explorer({}, decode=str)
