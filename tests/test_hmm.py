"""course.hmm against brute force: every hidden path (and every observation sequence) enumerated."""
import itertools
import math

import pytest
import torch

from course import hmm

torch.set_num_threads(1)


def _random_hmm(seed, S=3, O=4, zeros=False):
    g = torch.Generator().manual_seed(seed)

    def rows(n, m):
        p = torch.rand(n, m, generator=g, dtype=torch.float64) + 0.05
        if zeros:  # knock out some entries, keeping at least one per row
            p = p * (torch.rand(n, m, generator=g) > 0.3)
            p[torch.arange(n), torch.randint(m, (n,), generator=g)] += 0.5
        return p / p.sum(1, keepdim=True)

    return hmm.HMM(states=tuple(f"s{i}" for i in range(S)), observations=tuple(f"o{i}" for i in range(O)),
                   initial=rows(1, S)[0], transition=rows(S, S), emission=rows(S, O))


def _brute_joint(model, obs, states):
    """p(h, o) by the definition, one product per sequence (independent of log_joint)."""
    p = model.initial[states[0]] * model.emission[states[0], obs[0]]
    for t in range(1, len(obs)):
        p = p * model.transition[states[t - 1], states[t]] * model.emission[states[t], obs[t]]
    return float(p)


def _paths(S, L):
    return [list(p) for p in itertools.product(range(S), repeat=L)]


@pytest.mark.parametrize("seed,L,zeros", [(0, 1, False), (1, 3, False), (2, 4, True), (3, 5, False)])
def test_log_likelihood_equals_sum_over_all_hidden_paths(seed, L, zeros):
    model = _random_hmm(seed, zeros=zeros)
    obs, _ = model.sample(6, L, torch.Generator().manual_seed(seed))
    expected = [math.log(sum(_brute_joint(model, o, h) for h in _paths(model.n_states, L)))
                for o in obs.tolist()]
    torch.testing.assert_close(model.log_likelihood(obs), torch.tensor(expected, dtype=torch.float64))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_joint_is_the_product_of_the_tables(seed):
    model = _random_hmm(seed, zeros=True)
    obs, states = model.sample(20, 5, torch.Generator().manual_seed(seed))
    expected = [math.log(_brute_joint(model, o, h)) for o, h in zip(obs.tolist(), states.tolist())]
    torch.testing.assert_close(model.log_joint(obs, states), torch.tensor(expected, dtype=torch.float64))


@pytest.mark.parametrize("seed", [4, 5])
def test_forward_and_backward_messages_by_enumeration(seed):
    model = _random_hmm(seed, S=2, O=3)
    L = 4
    obs, _ = model.sample(3, L, torch.Generator().manual_seed(seed))
    alpha, beta = model.forward(obs), model.backward(obs)
    for n, o in enumerate(obs.tolist()):
        for t in range(L):
            for s in range(model.n_states):
                paths = [h for h in _paths(model.n_states, L) if h[t] == s]
                joint = sum(_brute_joint(model, o, h) for h in paths)  # p(o, h_t = s)
                # α_t(s) β_t(s) = p(o, h_t = s)
                assert math.isclose(math.exp(alpha[n, t, s] + beta[n, t, s]), joint, rel_tol=1e-9)
                prefix = sum(_brute_joint(model, o[:t + 1], h[:t + 1]) for h in paths
                             if h[t + 1:] == [0] * (L - t - 1))  # each prefix once
                assert math.isclose(math.exp(alpha[n, t, s]), prefix, rel_tol=1e-9)


@pytest.mark.parametrize("seed,zeros", [(6, False), (7, True)])
def test_state_nll_is_the_conditional_of_each_step(seed, zeros):
    model = _random_hmm(seed, zeros=zeros)
    L = 4
    obs, states = model.sample(5, L, torch.Generator().manual_seed(seed))
    got = model.state_nll(obs, states)
    assert got.shape == (5, L)
    for n, (o, h_true) in enumerate(zip(obs.tolist(), states.tolist())):
        for t in range(L):
            # p(h_t | o, h_<t) = Σ over paths agreeing on h_≤t / Σ over paths agreeing on h_<t
            num = sum(_brute_joint(model, o, h) for h in _paths(model.n_states, L) if h[:t + 1] == h_true[:t + 1])
            den = sum(_brute_joint(model, o, h) for h in _paths(model.n_states, L) if h[:t] == h_true[:t])
            assert math.isclose(got[n, t].item(), -math.log(num / den), rel_tol=1e-9, abs_tol=1e-12)
    # the steps multiply to p(h | o)
    torch.testing.assert_close(got.sum(1), model.log_likelihood(obs) - model.log_joint(obs, states))


def test_conditional_entropy_by_enumerating_every_pair():
    model = _random_hmm(8, S=2, O=3, zeros=True)
    L = 3
    H = 0.0
    for o in _paths(model.n_observations, L):
        p_o = sum(_brute_joint(model, o, h) for h in _paths(model.n_states, L))
        for h in _paths(model.n_states, L):
            p = _brute_joint(model, o, h)
            if p > 0:
                H -= p * math.log(p / p_o)
    assert math.isclose(model.conditional_entropy(L), H, rel_tol=1e-9)


def test_bayes_optimal_loss_matches_a_monte_carlo_estimate():
    L = 6
    obs, states = hmm.WEATHER.sample(40_000, L, torch.Generator().manual_seed(9))
    per_step = hmm.WEATHER.state_nll(obs, states)
    estimate, stderr = per_step.mean(1).mean().item(), per_step.mean(1).std().item() / 200
    exact = hmm.bayes_optimal_loss(hmm.WEATHER, L)
    assert abs(estimate - exact) < 4 * stderr
    # knowing the observations helps: the best loss is well below the marginal baseline
    assert exact < hmm.marginal_loss(hmm.WEATHER, L) - 0.2


def test_sampler_frequencies_match_the_parameters():
    model = _random_hmm(10, S=3, O=4, zeros=True)
    n, L = 30_000, 4
    obs, states = model.sample(n, L, torch.Generator().manual_seed(10))
    assert obs.dtype == states.dtype == torch.long and obs.shape == states.shape == (n, L)

    def close(freq, p, count):  # within 5 binomial standard deviations
        sd = (p * (1 - p) / max(count, 1)).sqrt()
        assert ((freq - p).abs() <= 5 * sd + 1e-3).all(), (freq, p)

    close(torch.bincount(states[:, 0], minlength=3).double() / n, model.initial, n)
    pairs = torch.zeros(3, 3, dtype=torch.float64)
    pairs.index_put_((states[:, :-1].reshape(-1), states[:, 1:].reshape(-1)), torch.tensor(1.0, dtype=torch.float64),
                     accumulate=True)
    for s in range(3):
        close(pairs[s] / pairs[s].sum(), model.transition[s], int(pairs[s].sum()))
    emitted = torch.zeros(3, 4, dtype=torch.float64)
    emitted.index_put_((states.reshape(-1), obs.reshape(-1)), torch.tensor(1.0, dtype=torch.float64), accumulate=True)
    for s in range(3):
        close(emitted[s] / emitted[s].sum(), model.emission[s], int(emitted[s].sum()))
    # impossible emissions never happen
    assert (emitted[model.emission == 0] == 0).all()
    torch.testing.assert_close(torch.bincount(states[:, -1], minlength=3).double() / n,
                               model.state_marginals(L)[-1], atol=0.015, rtol=0)


def test_sampling_is_reproducible_with_a_generator():
    a = hmm.WEATHER.sample(5, 6, torch.Generator().manual_seed(3))
    b = hmm.WEATHER.sample(5, 6, torch.Generator().manual_seed(3))
    assert all(torch.equal(x, y) for x, y in zip(a, b))


def test_encode_layout():
    obs = torch.tensor([[0, 3, 4], [1, 1, 2]])
    states = torch.tensor([[2, 0, 1], [0, 0, 0]])
    x, y = hmm.encode(obs, states, n_observations=5)
    assert x.tolist() == [[0, 3, 4, 7, 5], [1, 1, 2, 5, 5]]
    assert y.tolist() == [[-1, -1, 7, 5, 6], [-1, -1, 5, 5, 5]]
    assert hmm.vocabulary(hmm.WEATHER) == ["walk", "shop", "clean", "tennis", "read", "sunny", "rainy", "snowy"]


def test_encoded_batch_trains_a_gpt_loss_with_ignored_positions():
    from course.gpt import GPT, GPTConfig
    torch.manual_seed(0)
    obs, states = hmm.WEATHER.sample(4, 6, torch.Generator().manual_seed(0))
    x, y = hmm.encode(obs, states, 5)
    model = GPT(GPTConfig(vocab_size=8, block_size=11, n_layer=1, n_head=2, n_embd=8))
    logits, loss = model(x, y)
    expected = torch.nn.functional.cross_entropy(logits[:, 5:].reshape(-1, 8), (states + 5).reshape(-1))
    torch.testing.assert_close(loss, expected)


def test_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="must sum to 1"):
        hmm.HMM(states=("a", "b"), observations=("x",), initial=[0.5, 0.6],
                transition=[[1, 0], [0, 1]], emission=[[1], [1]])
    with pytest.raises(ValueError, match=r"transition has shape \(2, 3\), expected \(2, 2\)"):
        hmm.HMM(states=("a", "b"), observations=("x",), initial=[0.5, 0.5],
                transition=[[1, 0, 0], [0, 1, 0]], emission=[[1], [1]])
    with pytest.raises(ValueError, match="must hold probabilities"):
        hmm.HMM(states=("a", "b"), observations=("x", "y"), initial=[0.5, 0.5],
                transition=[[1, 0], [0, 1]], emission=[[1.5, -0.5], [0, 1]])
    with pytest.raises(ValueError, match="must all differ"):
        hmm.HMM(states=("a", "x"), observations=("x",), initial=[0.5, 0.5],
                transition=[[1, 0], [0, 1]], emission=[[1], [1]])
    with pytest.raises(ValueError, match="outside 0..4"):
        hmm.WEATHER.log_likelihood(torch.tensor([[0, 5]]))
    with pytest.raises(ValueError, match=r"\(n, L\) long tensor"):
        hmm.WEATHER.forward(torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="one state per observation"):
        hmm.WEATHER.state_nll(torch.tensor([[0, 1]]), torch.tensor([[0]]))
    with pytest.raises(ValueError, match="too many to sum"):
        hmm.WEATHER.conditional_entropy(20)
    with pytest.raises(ValueError, match="positive int"):
        hmm.WEATHER.sample(0, 6)
    with pytest.raises(ValueError, match="same shape"):
        hmm.encode(torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, 4, dtype=torch.long), 5)
