"""Lesson 04: predict the next character with an LSTM.

An LSTM reads a sequence one step at a time and carries a state ``(h, c)`` from step to step: ``h``
is what it shows the next layer, ``c`` its memory, guarded by gates it computes from the input and
``h``. This module builds the cell by hand (``lstm_cell``), shows that PyTorch's ``nn.LSTM`` is that
cell run along the sequence (``run_stepwise``), and trains a character model (``CharLSTM``) whose
generation is cheap: after the prompt, each new character costs one step, because the state already
summarises everything before it.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from course.threads import FreeCores
from course.train import TrainConfig


# ---------------------------------------------------------------------------------------------------
# The cell, by hand

def lstm_cell(x, h, c, W_ih, W_hh, b_ih=None, b_hh=None):
    """One LSTM step: ``(h, c)`` after reading ``x``. Equals ``nn.LSTMCell`` with the same weights.

    x: (B, I); h, c: (B, H); W_ih: (4H, I); W_hh: (4H, H); b_ih, b_hh: (4H,) or None.
    The four gates are stacked in PyTorch's order: input i, forget f, candidate g, output o.
    """
    _check_cell_shapes(x, h, c, W_ih, W_hh, b_ih, b_hh)
    gates = x @ W_ih.T + h @ W_hh.T  # (B, 4H)
    if b_ih is not None:
        gates = gates + b_ih
    if b_hh is not None:
        gates = gates + b_hh
    i, f, g, o = gates.chunk(4, dim=-1)  # each (B, H)
    i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)  # gates: 0 = closed, 1 = open
    g = torch.tanh(g)                    # the candidate values to write
    c = f * c + i * g                    # keep part of the old memory, write part of the new
    h = o * torch.tanh(c)                # show part of the memory
    return h, c


def _check_cell_shapes(x, h, c, W_ih, W_hh, b_ih, b_hh):
    named = {"x": x, "h": h, "c": c, "W_ih": W_ih, "W_hh": W_hh}
    for name, t in named.items():
        if not isinstance(t, torch.Tensor) or t.dim() != 2:
            what = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"{name} must be a 2-D tensor, got {what}: x is (B, I), h and c are (B, H), "
                             f"W_ih is (4H, I), W_hh is (4H, H)")
    H = h.shape[1]
    expected = {"c": (h.shape[0], H), "x": (h.shape[0], W_ih.shape[1]),
                "W_ih": (4 * H, W_ih.shape[1]), "W_hh": (4 * H, H)}
    for name, shape in expected.items():
        if tuple(named[name].shape) != shape:
            raise ValueError(f"{name} has shape {tuple(named[name].shape)} but h has shape {tuple(h.shape)} "
                             f"and W_ih {tuple(W_ih.shape)}, so {name} should be {shape} "
                             f"(x: (B, I), h and c: (B, H), W_ih: (4H, I), W_hh: (4H, H))")
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        if b is not None and tuple(b.shape) != (4 * H,):
            raise ValueError(f"{name} has shape {tuple(b.shape)}, expected ({4 * H},) = 4 gates x hidden size {H}")


def run_stepwise(lstm: nn.LSTM, x: torch.Tensor, state=None):
    """Run ``lstm`` one time step at a time, carrying the state; returns what ``lstm(x, state)`` does:
    ``(output, (h, c))`` with output (B, T, H) (or (T, B, H) if not batch_first) and h, c
    (num_layers, B, H)."""
    if not isinstance(lstm, nn.LSTM):
        raise TypeError(f"lstm must be a torch.nn.LSTM, got {type(lstm).__name__}")
    if not isinstance(x, torch.Tensor) or x.dim() != 3:
        layout = "(B, T, input_size)" if lstm.batch_first else "(T, B, input_size)"
        raise ValueError(f"x must be a 3-D tensor {layout}, got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    time_dim = 1 if lstm.batch_first else 0
    outputs = []
    for t in range(x.shape[time_dim]):
        step = x.narrow(time_dim, t, 1)         # (B, 1, I): one time step, still 3-D
        out, state = lstm(step, state)          # the state carries everything seen so far
        outputs.append(out)
    return torch.cat(outputs, dim=time_dim), state


# ---------------------------------------------------------------------------------------------------
# Loss for next-token prediction

def sequence_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of (B, T, V) logits against (B, T) target ids (the inputs shifted by one).

    Takes raw logits: ``F.cross_entropy`` applies log-softmax itself.
    """
    if not isinstance(logits, torch.Tensor) or logits.dim() != 3:
        raise ValueError(f"logits must be a 3-D tensor (B, T, V), got "
                         f"{tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__}")
    if not isinstance(targets, torch.Tensor) or targets.dim() != 2:
        raise ValueError(f"targets must be a 2-D tensor (B, T) of token ids, got "
                         f"{tuple(targets.shape) if isinstance(targets, torch.Tensor) else type(targets).__name__}")
    B, T, V = logits.shape
    if tuple(targets.shape) != (B, T):
        if targets.shape[0] == B and logits.shape[2] == targets.shape[1]:
            raise ValueError(f"logits have shape {tuple(logits.shape)} and targets {tuple(targets.shape)}: "
                             f"the logits look like (B, V, T); pass logits.transpose(1, 2), shaped (B, T, V)")
        if targets.shape[0] == B and abs(targets.shape[1] - T) == 1:
            raise ValueError(f"logits cover {T} positions but targets {targets.shape[1]}: inputs and targets "
                             f"must have the same length, the targets being the inputs shifted by one "
                             f"(x = data[i : i+T], y = data[i+1 : i+T+1])")
        raise ValueError(f"logits have shape {tuple(logits.shape)} (B, T, V) but targets {tuple(targets.shape)}; "
                         f"targets must be (B, T) = {(B, T)}")
    if targets.dtype != torch.long:
        raise ValueError(f"targets must be token ids of dtype torch.long, got {targets.dtype}")
    # cross_entropy wants one row of scores per prediction: (B, T, V) -> (B*T, V), (B, T) -> (B*T,)
    return F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T))


# ---------------------------------------------------------------------------------------------------
# The character model

@dataclass
class CharLSTMConfig:
    vocab_size: int
    n_embd: int = 64        # size of a character's embedding
    hidden_size: int = 256  # size of h and c in each layer
    n_layers: int = 2
    dropout: float = 0.0    # between LSTM layers and before the output layer (training only)

    def __post_init__(self):
        for name in ("vocab_size", "n_embd", "hidden_size", "n_layers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"CharLSTMConfig.{name} must be a positive integer, got {value!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"CharLSTMConfig.dropout must lie in [0, 1), got {self.dropout}")


class CharLSTM(nn.Module):
    """Embedding -> stacked LSTM -> linear layer to one score per character.

    ``model(idx, targets)`` returns ``(logits, loss)`` like every model of the course;
    ``model.forward_with_state(idx, state)`` returns ``(logits, state)`` for step-by-step use.
    """

    def __init__(self, config: CharLSTMConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.n_embd)
        self.lstm = nn.LSTM(config.n_embd, config.hidden_size, config.n_layers, batch_first=True,
                            dropout=config.dropout if config.n_layers > 1 else 0.0)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward_with_state(self, idx: torch.Tensor, state=None):
        """idx (B, T) -> logits (B, T, V) and the state after the last step: (h, c), each
        (n_layers, B, hidden_size). Pass that state back to continue the sequence."""
        self._check_input(idx)
        if state is not None:
            self._check_state(state, idx.shape[0])
        x = self.embedding(idx)              # (B, T, n_embd)
        out, state = self.lstm(x, state)     # (B, T, hidden), state (n_layers, B, hidden) x 2
        logits = self.head(self.dropout(out))  # (B, T, V)
        return logits, state

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None, state=None):
        logits, _ = self.forward_with_state(idx, state)
        loss = None if targets is None else sequence_loss(logits, targets)
        return logits, loss

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0,
                 greedy: bool = False, generator: torch.Generator | None = None) -> torch.Tensor:
        """Continue ``idx`` ((B, T) or (T,) token ids) by ``max_new_tokens`` tokens; returns prompt +
        continuation with the same number of dimensions.

        The prompt is read once; after that every step feeds only the newest token and the carried
        state, so each token costs the same however long the text gets. ``greedy`` takes the most
        likely token; otherwise tokens are sampled from softmax(logits / temperature) using
        ``generator`` (pass a seeded ``torch.Generator`` for reproducible text).
        """
        _check_sampling(max_new_tokens, temperature)
        unbatched = isinstance(idx, torch.Tensor) and idx.dim() == 1
        if unbatched:
            idx = idx[None]
        self._check_input(idx)
        if idx.shape[1] == 0:
            raise ValueError("the prompt is empty: give at least one token to start from")
        was_training = self.training
        self.eval()  # no dropout while generating
        pieces = [idx]
        H, E, L, V = (self.config.hidden_size, self.config.n_embd, self.config.n_layers, self.config.vocab_size)
        work = idx.shape[0] * (4 * H * (E + H + (L - 1) * 2 * H) + H * V)  # a step's multiply-adds: gates, head
        cores = FreeCores(work=work)  # one thread for small steps, fewer beside busy neighbours (course/threads.py)
        try:
            logits, state = self.forward_with_state(idx)  # read the whole prompt once
            for step in range(max_new_tokens):
                cores.step()
                next_id = _pick(logits[:, -1, :], temperature, greedy, generator)  # (B, 1)
                pieces.append(next_id)
                if step + 1 < max_new_tokens:
                    logits, state = self.forward_with_state(next_id, state)  # one step: (B, 1) in
        finally:
            cores.close()
            self.train(was_training)
        out = torch.cat(pieces, dim=1)  # (B, T + max_new_tokens)
        return out[0] if unbatched else out

    def _check_input(self, idx):
        if not isinstance(idx, torch.Tensor) or idx.dim() != 2:
            raise ValueError(f"idx must be a (B, T) tensor of token ids, got "
                             f"{tuple(idx.shape) if isinstance(idx, torch.Tensor) else type(idx).__name__}")
        if idx.dtype != torch.long:
            raise ValueError(f"idx must hold token ids of dtype torch.long, got {idx.dtype}")
        if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= self.config.vocab_size):
            raise ValueError(f"token ids must lie in [0, {self.config.vocab_size - 1}] for vocab_size "
                             f"{self.config.vocab_size}, got ids from {int(idx.min())} to {int(idx.max())}; "
                             f"was the model built for this tokenizer?")

    def _check_state(self, state, batch_size):
        shape = (self.config.n_layers, batch_size, self.config.hidden_size)
        if not (isinstance(state, (tuple, list)) and len(state) == 2
                and all(isinstance(s, torch.Tensor) and tuple(s.shape) == shape for s in state)):
            got = ([tuple(s.shape) if isinstance(s, torch.Tensor) else type(s).__name__ for s in state]
                   if isinstance(state, (tuple, list)) else type(state).__name__)
            raise ValueError(f"state must be (h, c), each of shape (n_layers, B, hidden_size) = {shape}, "
                             f"got {got}; pass the state that forward_with_state returned, or None to start")


def _check_sampling(max_new_tokens, temperature):
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be a non-negative integer, got {max_new_tokens!r}")
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}; for the most likely token "
                         f"every time use greedy=True")


def _pick(logits: torch.Tensor, temperature: float, greedy: bool, generator) -> torch.Tensor:
    """(B, V) logits -> (B, 1) next token ids."""
    if greedy:
        return logits.argmax(dim=-1, keepdim=True)
    probs = F.softmax(logits / temperature, dim=-1)
    return torch.multinomial(probs, num_samples=1, generator=generator)


def generate_text(model: CharLSTM, tokenizer, prompt: str, max_new_tokens: int, temperature: float = 1.0,
                  greedy: bool = False, generator: torch.Generator | None = None) -> str:
    """``prompt`` and its continuation by ``model``, as text. ``tokenizer`` has ``encode``/``decode``
    (e.g. ``course.tokenization.CharTokenizer``); a prompt character it does not know is an error."""
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"prompt must be a non-empty string, got {prompt!r}")
    vocab_size = getattr(tokenizer, "vocab_size", None)
    if vocab_size is not None and vocab_size != model.config.vocab_size:
        raise ValueError(f"the tokenizer has {vocab_size} tokens but the model was built for "
                         f"{model.config.vocab_size}: use the tokenizer the model was trained with")
    _check_sampling(max_new_tokens, temperature)
    try:
        ids = tokenizer.encode(prompt)
    except KeyError as error:  # a tokenizer that is a plain dict lookup
        raise ValueError(f"the prompt contains {error.args[0]!r}, which is not in the tokenizer's "
                         f"vocabulary; use only characters from the training text") from None
    idx = torch.tensor([ids], dtype=torch.long, device=next(model.parameters()).device)
    out = model.generate(idx, max_new_tokens, temperature=temperature, greedy=greedy, generator=generator)
    return tokenizer.decode(out[0].tolist())


# ---------------------------------------------------------------------------------------------------
# Lesson 04 defaults, found with benchmarks/bench_lstm.py on the Shakespeare corpus (83 characters):
# 1500 iterations of 32 x 64 characters reach a validation loss of about 1.61 (word-like text). An
# iteration is about 11 GFLOP (forward and backward through 64 steps of two layers of 256 units):
# 0.14 s of CPU time on one core of a shared 2-core x86 machine (0.2 s wall-clock), about 3.5 minutes
# of CPU time for the run (lesson 04's training cell prints what it took).
#     model = CharLSTM(CharLSTMConfig(vocab_size=tok.vocab_size, **LESSON_CONFIG))
#     history = train(model, get_batch, LESSON_TRAIN.scaled())   # scaled(): shorter with COURSE_FAST=1

LESSON_CONFIG = dict(n_embd=64, hidden_size=256, n_layers=2, dropout=0.0)  # vocab_size comes from the tokenizer
LESSON_BATCH = dict(block_size=64, batch_size=32)
LESSON_TRAIN = TrainConfig(max_iters=1500, learning_rate=3e-3, min_lr=3e-4, warmup_iters=50, weight_decay=0.0,
                           grad_clip=1.0, eval_interval=250, eval_iters=20)
