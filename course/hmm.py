"""A hidden Markov model, its forward and backward algorithms, and the weather task of lesson 03.

The weather task (after the LxMLS lab's): each day the weather (a hidden state: sunny, rainy, snowy)
follows a Markov chain, and we only see what someone did that day (an observation: walk, shop, ...).
A GPT reads the observations of ``L`` days and then writes the weather of those days, one day at a
time. Because the data come from a known HMM, the best loss any model can reach is computable exactly:
``bayes_optimal_loss``. A model that gets there has learned everything there is to learn.

Sequences are ``(n, L)`` long tensors of indices; probabilities are float64 and computed in log space,
so long sequences and zero probabilities (``log 0 = -inf``) are safe.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch


def _as_probabilities(name: str, values, shape: tuple[int, ...]) -> torch.Tensor:
    p = torch.as_tensor(values, dtype=torch.float64)
    if tuple(p.shape) != shape:
        raise ValueError(f"{name} has shape {tuple(p.shape)}, expected {shape}")
    if not torch.isfinite(p).all() or (p < 0).any():
        raise ValueError(f"{name} must hold probabilities (finite, >= 0), got {p.tolist()}")
    sums = p.sum(-1)
    if not torch.allclose(sums, torch.ones_like(sums), atol=1e-6):
        raise ValueError(f"each row of {name} must sum to 1, but the sums are {sums.tolist()}")
    return p / sums.unsqueeze(-1)  # exact normalisation of rows that sum to 1 up to rounding


def _xlogx(p: torch.Tensor) -> torch.Tensor:
    """p log p with 0 log 0 = 0."""
    return torch.where(p > 0, p * p.clamp_min(1e-300).log(), torch.zeros_like(p))


@dataclass(frozen=True)
class HMM:
    """``p(h, o) = initial[h_1] · emission[h_1, o_1] · Π_t transition[h_{t-1}, h_t] · emission[h_t, o_t]``.

    ``initial (S,)``, ``transition (S, S)`` (row = from, column = to) and ``emission (S, O)`` (row = state,
    column = observation) hold probabilities; every row sums to 1.
    """
    states: tuple[str, ...]
    observations: tuple[str, ...]
    initial: torch.Tensor
    transition: torch.Tensor
    emission: torch.Tensor

    def __post_init__(self):
        S, O = len(self.states), len(self.observations)
        if S < 1 or O < 1:
            raise ValueError("an HMM needs at least one state and one observation")
        if len(set(self.states) | set(self.observations)) != S + O:
            raise ValueError(f"state and observation names must all differ: {self.states}, {self.observations}")
        object.__setattr__(self, "states", tuple(self.states))
        object.__setattr__(self, "observations", tuple(self.observations))
        object.__setattr__(self, "initial", _as_probabilities("initial", self.initial, (S,)))
        object.__setattr__(self, "transition", _as_probabilities("transition", self.transition, (S, S)))
        object.__setattr__(self, "emission", _as_probabilities("emission", self.emission, (S, O)))

    @property
    def n_states(self) -> int:
        return len(self.states)

    @property
    def n_observations(self) -> int:
        return len(self.observations)

    def _check(self, obs: torch.Tensor, states: torch.Tensor | None = None) -> None:
        for name, x, size in (("obs", obs, self.n_observations), ("states", states, self.n_states)):
            if x is None:
                continue
            if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.dtype != torch.long:
                got = f"{x.dtype} tensor of shape {tuple(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__
                raise ValueError(f"{name} must be a (n, L) long tensor of indices, got {got}")
            if x.shape[1] == 0:
                raise ValueError(f"{name} has length 0: sequences need at least one step")
            if x.numel() and (x.min() < 0 or x.max() >= size):
                raise ValueError(f"{name} has indices from {x.min().item()} to {x.max().item()}, "
                                 f"outside 0..{size - 1}")
        if states is not None and states.shape != obs.shape:
            raise ValueError(f"obs has shape {tuple(obs.shape)} but states has shape "
                             f"{tuple(states.shape)}: one state per observation")

    # --- sampling ---------------------------------------------------------------------------------

    def sample(self, n: int, length: int, generator: torch.Generator | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` sequences of ``length`` steps: ``(obs, states)``, each an ``(n, length)`` long tensor."""
        for name, value in (("n", n), ("length", length)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        states = torch.empty(n, length, dtype=torch.long)
        states[:, 0] = torch.multinomial(self.initial.expand(n, -1), 1, generator=generator).squeeze(1)
        for t in range(1, length):
            rows = self.transition[states[:, t - 1]]  # (n, S): where each sequence may go next
            states[:, t] = torch.multinomial(rows, 1, generator=generator).squeeze(1)
        rows = self.emission[states.reshape(-1)]      # (n·L, O)
        obs = torch.multinomial(rows, 1, generator=generator).view(n, length)
        return obs, states

    # --- probabilities ----------------------------------------------------------------------------

    def log_joint(self, obs: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
        """``log p(h, o)`` for each sequence: ``(n,)``."""
        self._check(obs, states)
        log_pi, log_A, log_B = self.initial.log(), self.transition.log(), self.emission.log()
        out = log_pi[states[:, 0]] + log_B[states, obs].sum(1)
        return out + log_A[states[:, :-1], states[:, 1:]].sum(1)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The forward algorithm: ``log α_t(s) = log p(o_1..o_t, h_t = s)``, shape ``(n, L, S)``."""
        self._check(obs)
        log_A, log_B = self.transition.log(), self.emission.log()
        n, L = obs.shape
        alpha = torch.empty(n, L, self.n_states, dtype=torch.float64)
        alpha[:, 0] = self.initial.log() + log_B[:, obs[:, 0]].T
        for t in range(1, L):
            # α_t(j) = Σ_i α_{t-1}(i) A[i, j] · B[j, o_t], summed in log space
            alpha[:, t] = torch.logsumexp(alpha[:, t - 1, :, None] + log_A, dim=1) + log_B[:, obs[:, t]].T
        return alpha

    def backward(self, obs: torch.Tensor) -> torch.Tensor:
        """The backward algorithm: ``log β_t(s) = log p(o_{t+1}..o_L | h_t = s)``, shape ``(n, L, S)``."""
        self._check(obs)
        log_A, log_B = self.transition.log(), self.emission.log()
        n, L = obs.shape
        beta = torch.zeros(n, L, self.n_states, dtype=torch.float64)  # β_L = 1
        for t in range(L - 2, -1, -1):
            # β_t(i) = Σ_j A[i, j] · B[j, o_{t+1}] · β_{t+1}(j)
            nxt = log_B[:, obs[:, t + 1]].T + beta[:, t + 1]  # (n, S)
            beta[:, t] = torch.logsumexp(log_A + nxt[:, None, :], dim=2)
        return beta

    def log_likelihood(self, obs: torch.Tensor) -> torch.Tensor:
        """``log p(o)`` for each sequence, by the forward algorithm: ``(n,)``."""
        return torch.logsumexp(self.forward(obs)[:, -1], dim=-1)

    def state_nll(self, obs: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
        """``-log p(h_t | o_1..o_L, h_1..h_{t-1})`` for every step: ``(n, L)``.

        This is the loss of the best possible predictor of the weather task, position by position: it
        has read all the observations and the true states so far. The row sums are ``-log p(h | o)``.
        """
        self._check(obs, states)
        beta = self.backward(obs)
        log_A, log_B = self.transition.log(), self.emission.log()
        n, L = obs.shape
        # score of each candidate state at step t: p(h_t | h_{t-1}) · p(o_t | h_t) · β_t(h_t)
        prior = torch.cat([self.initial.log().expand(n, 1, -1), log_A[states[:, :-1]]], dim=1)  # (n, L, S)
        scores = prior + log_B[:, obs].permute(1, 2, 0) + beta
        log_p = scores.gather(2, states[..., None]).squeeze(2) - torch.logsumexp(scores, dim=2)
        return -log_p

    def state_marginals(self, length: int) -> torch.Tensor:
        """``p(h_t = s)`` for ``t = 1..length``: ``(length, S)``."""
        marginals = [self.initial]
        for _ in range(length - 1):
            marginals.append(marginals[-1] @ self.transition)
        return torch.stack(marginals)

    def conditional_entropy(self, length: int, max_sequences: int = 2_000_000) -> float:
        """``H(h_1..h_L | o_1..o_L)`` in nats, exactly: ``H(h, o) - H(o)``.

        ``H(h, o)`` has a closed form (entropies of the rows of the three tables, weighted by how often
        each state occurs); ``H(o)`` sums over all ``O^L`` observation sequences with the forward
        algorithm, so this refuses when there are more than ``max_sequences`` of them.
        """
        if not isinstance(length, int) or isinstance(length, bool) or length < 1:
            raise ValueError(f"length must be a positive int, got {length!r}")
        O = self.n_observations
        if O ** length > max_sequences:
            raise ValueError(f"{O}^{length} = {O ** length:,} observation sequences are too many to sum "
                             f"over exactly (max_sequences={max_sequences:,}); estimate the entropy from "
                             f"samples instead: state_nll(*sample(n, length)).sum(1).mean()")
        marginals = self.state_marginals(length)                   # (L, S)
        H_rows_A = -_xlogx(self.transition).sum(1)                 # (S,) entropy of each row
        H_rows_B = -_xlogx(self.emission).sum(1)
        H_joint = -_xlogx(self.initial).sum() + (marginals[:-1] @ H_rows_A).sum() + (marginals @ H_rows_B).sum()
        all_obs = torch.tensor(list(itertools.product(range(O), repeat=length)), dtype=torch.long)
        log_p = self.log_likelihood(all_obs)
        H_obs = -(log_p.exp() * log_p).sum()
        return float(H_joint - H_obs)


# --- the weather task --------------------------------------------------------------------------------

WEATHER = HMM(
    states=("sunny", "rainy", "snowy"),
    observations=("walk", "shop", "clean", "tennis", "read"),
    initial=[0.5, 0.3, 0.2],
    transition=[[0.7, 0.2, 0.1],    # weather tends to stay as it is
                [0.3, 0.5, 0.2],
                [0.2, 0.2, 0.6]],
    emission=[[0.35, 0.15, 0.05, 0.40, 0.05],   # sunny: walks and tennis
              [0.05, 0.35, 0.30, 0.00, 0.30],   # rainy: never tennis
              [0.20, 0.20, 0.30, 0.00, 0.30]],  # snowy: like rainy, but more walks
)


def vocabulary(hmm: HMM) -> list[str]:
    """The task's tokens: observations first (ids ``0..O-1``), then states (ids ``O..O+S-1``)."""
    return list(hmm.observations) + list(hmm.states)


def encode(obs: torch.Tensor, states: torch.Tensor, n_observations: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The GPT's inputs and targets for sequences of ``L`` observations and ``L`` states.

    The model reads ``o_1 … o_L h_1 … h_{L-1}`` (``2L - 1`` tokens) and, from the last observation on,
    predicts the next state: ``targets`` is ``-1`` (no prediction, ignored by the loss) for the first
    ``L - 1`` positions, then ``h_1 … h_L``. State ``s`` is token ``n_observations + s``.
    """
    if obs.shape != states.shape or obs.dim() != 2:
        raise ValueError(f"obs and states must be (n, L) tensors of the same shape, got "
                         f"{tuple(obs.shape)} and {tuple(states.shape)}")
    L = obs.shape[1]
    tokens = torch.cat([obs, states + n_observations], dim=1)  # (n, 2L)
    x, y = tokens[:, :-1].clone(), tokens[:, 1:].clone()
    y[:, :L - 1] = -1  # these positions predict an observation: not part of the task
    return x, y


def bayes_optimal_loss(hmm: HMM, length: int) -> float:
    """The lowest expected loss of any model on the task, per predicted state, in nats:
    ``H(h | o) / L``, because the model's ``L`` predictions multiply to ``p(h_1..h_L | o_1..o_L)``."""
    return hmm.conditional_entropy(length) / length


def marginal_loss(hmm: HMM, length: int) -> float:
    """The expected loss of the best model that ignores the observations and earlier states and knows
    only the position: the mean entropy of ``p(h_t)``, a baseline to compare with."""
    return float(-_xlogx(hmm.state_marginals(length)).sum(1).mean())
