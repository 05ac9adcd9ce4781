"""A GPT in one file, in the style of nanoGPT: the same architecture as GPT-2 (lesson 05).

``GPTConfig`` → ``MLP`` → ``Block`` → ``GPT``. The attention is ``course.attention.CausalSelfAttention``.
Parameter names are GPT-2's, so ``GPT.to_hf()`` / ``GPT.from_hf()`` convert to and from Hugging Face's
``GPT2LMHeadModel`` with the same weights and the same outputs.

Call ``model(idx, targets)`` → ``(logits, loss)`` to train and ``model.generate(idx, n)`` to write.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from course.attention import AttentionConfig, CausalSelfAttention, KVCache, past_length
from course.sampling import next_token
from course.threads import FreeCores
from course.train import TrainConfig


@dataclass(kw_only=True)
class GPTConfig(AttentionConfig):
    """The model's sizes. Defaults are GPT-2 small (124M parameters).

    Inherits ``block_size``, ``n_head``, ``n_embd``, ``dropout``, ``bias`` and ``use_sdpa`` from
    ``AttentionConfig``, so the same config builds a ``CausalSelfAttention``.
    """
    vocab_size: int = 50257
    n_layer: int = 12
    # GPT-2's GELU is the tanh approximation; "none" is the exact (erf) GELU that nanoGPT uses,
    # which trains the same and is several times cheaper on CPUs (torch 2.13)
    gelu_approximate: str = "tanh"

    def __post_init__(self):
        super().__post_init__()
        if self.gelu_approximate not in ("tanh", "none"):
            raise ValueError(f"gelu_approximate must be 'tanh' (GPT-2's GELU) or 'none' (the exact GELU), "
                             f"got {self.gelu_approximate!r}")
        for name in ("vocab_size", "n_layer"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")


class MLP(nn.Module):
    """Position-wise feed-forward network: widen 4×, GELU, project back."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate=config.gelu_approximate)  # "tanh": GPT-2's ("gelu_new" in HF)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):  # (B, T, C) → (B, T, C)
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """One transformer block, pre-LayerNorm: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: GPTConfig, attention: type[nn.Module] = CausalSelfAttention):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = attention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x, past_kv=None, use_cache=False):
        if past_kv is None and not use_cache:  # a plain call, so any (B, T, C) -> (B, T, C) module fits
            a, present = self.attn(self.ln_1(x)), None
        else:
            a = self.attn(self.ln_1(x), past_kv=past_kv, use_cache=use_cache)
            a, present = a if use_cache else (a, None)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return (x, present) if use_cache else x


class GPT(nn.Module):
    """Token + position embeddings, ``n_layer`` blocks, a final LayerNorm and a head tied to the embedding."""

    def __init__(self, config: GPTConfig, attention: type[nn.Module] = CausalSelfAttention):
        """``attention``: the class of each block's attention, built as ``attention(config)``; e.g. your
        own ``CausalSelfAttention`` (lesson 03). Generation with ``use_cache`` needs the course's."""
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"GPT needs a GPTConfig, got {type(config).__name__}")
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),  # token embeddings
            wpe=nn.Embedding(config.block_size, config.n_embd),  # position embeddings
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config, attention) for _ in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # weight tying: the same matrix reads tokens in and scores them out (saves vocab_size·n_embd)
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        # GPT-2: scale the projections into the residual stream by 1/sqrt(2·n_layer), since
        # each block adds two of them and the stream's variance would otherwise grow with depth
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self, non_embedding: bool = False) -> int:
        """Number of parameters (the tied head counted once); ``non_embedding`` leaves out ``wpe``,
        as the GPT-2 paper's counts do."""
        n = sum(p.numel() for p in self.parameters())
        return n - self.transformer.wpe.weight.numel() if non_embedding else n

    def _check_idx(self, idx, name="idx"):
        if not isinstance(idx, torch.Tensor) or idx.dim() != 2:
            got = f"shape {tuple(idx.shape)}" if isinstance(idx, torch.Tensor) else type(idx).__name__
            raise ValueError(f"{name} must be a (B, T) tensor of token ids, got {got}; "
                             f"for one sequence use {name}[None] or {name}.unsqueeze(0)")
        if idx.dtype not in (torch.long, torch.int32, torch.int16, torch.int8, torch.uint8):
            raise TypeError(f"{name} must hold integer token ids, got dtype {idx.dtype}; use {name}.long()")
        if idx.shape[1] == 0:
            raise ValueError(f"{name} is empty (shape {tuple(idx.shape)}): give at least one token, "
                             f"e.g. the id of a newline to start from nothing")
        if idx.numel() and (idx.min() < 0 or idx.max() >= self.config.vocab_size):
            raise ValueError(f"{name} has ids from {idx.min().item()} to {idx.max().item()}, outside "
                             f"the vocabulary 0..{self.config.vocab_size - 1} (vocab_size="
                             f"{self.config.vocab_size})")

    def forward(self, idx, targets=None, past_kv=None, use_cache=False):
        """``idx (B, T)`` → ``(logits (B, T, vocab_size), loss)``; loss is None without ``targets``.

        The loss is the mean cross-entropy over all positions whose target is not -1 (set a target
        to -1 to leave it out). With ``use_cache`` returns ``(logits, loss, present_kv)``: one
        ``(k, v)`` per layer, to pass back as ``past_kv`` with the next tokens.
        """
        self._check_idx(idx)
        B, T = idx.shape
        if past_kv is not None and len(past_kv) != self.config.n_layer:
            raise ValueError(f"past_kv has {len(past_kv)} entries but the model has {self.config.n_layer} "
                             f"layers: pass the present_kv that forward(..., use_cache=True) returned")
        T_past = 0 if past_kv is None else past_length(past_kv[0])
        if T_past + T > self.config.block_size:
            raise ValueError(f"sequence of {T_past + T} tokens is longer than block_size="
                             f"{self.config.block_size}: crop it to the last {self.config.block_size}")
        pos = torch.arange(T_past, T_past + T, device=idx.device)  # (T,)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))  # (B, T, C)
        present_kv = []
        for i, block in enumerate(self.transformer.h):
            layer_past = None if past_kv is None else past_kv[i]
            if use_cache:
                x, kv = block(x, past_kv=layer_past, use_cache=True)
                present_kv.append(kv)
            else:
                x = block(x, past_kv=layer_past)
        logits = self.lm_head(self.transformer.ln_f(x))  # (B, T, vocab_size)

        loss = None
        if targets is not None:
            if not isinstance(targets, torch.Tensor) or targets.shape != idx.shape:
                got = tuple(targets.shape) if isinstance(targets, torch.Tensor) else type(targets).__name__
                raise ValueError(f"targets has shape {got} but idx has shape {tuple(idx.shape)}: "
                                 f"give one target id per input position")
            if targets.min() < -1 or targets.max() >= self.config.vocab_size:
                raise ValueError(f"targets has values from {targets.min().item()} to {targets.max().item()}: "
                                 f"use token ids 0..{self.config.vocab_size - 1}, or -1 for positions "
                                 f"the loss should ignore")
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1).long(),
                                   ignore_index=-1)
        return (logits, loss, present_kv) if use_cache else (logits, loss)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None, greedy=False,
                 use_cache=True, crop=False, generator=None):
        """Continue each sequence of ``idx (B, T)`` by ``max_new_tokens`` tokens; returns ``(B, T + n)``.

        Sampling is ``course.sampling.next_token`` (temperature, top-k, top-p, or ``greedy``; pass a
        seeded ``torch.Generator`` for reproducible samples). With ``use_cache`` the prompt is
        processed once and each step feeds only the new token, reusing earlier keys and values (kept
        in ``KVCache`` buffers that each step extends in place).

        The model sees at most ``block_size`` tokens. If the prompt plus the new tokens would be
        longer, ``crop=False`` (default) raises ``ValueError``; ``crop=True`` keeps only the last
        ``block_size`` tokens as context (with a warning; the cache cannot be reused then, because
        every token's position changes). Runs with dropout off and restores the training mode after.
        """
        self._check_idx(idx)
        if not isinstance(max_new_tokens, int) or isinstance(max_new_tokens, bool) or max_new_tokens < 0:
            raise ValueError(f"max_new_tokens must be a non-negative int, got {max_new_tokens!r}")
        block_size, T = self.config.block_size, idx.shape[1]
        if not crop and T > block_size:
            raise ValueError(f"the prompt has {T} tokens but the model's block_size is {block_size}: "
                             f"shorten the prompt, or pass crop=True to keep only its last {block_size} tokens")
        if not crop and T + max_new_tokens > block_size:
            raise ValueError(f"the prompt ({T} tokens) + max_new_tokens ({max_new_tokens}) = "
                             f"{T + max_new_tokens} exceeds block_size={block_size}: ask for at most "
                             f"{block_size - T} new tokens, or pass crop=True to keep only the last "
                             f"{block_size} tokens as context")
        was_training = self.training
        self.eval()
        warned = False
        past_kv = None
        # our attention keeps the cache in buffers filled in place; another module gets (k, v) tuples
        in_place = all(isinstance(block.attn, CausalSelfAttention) for block in self.transformer.h)
        C = self.config.n_embd  # a cached step's multiply-adds: 12 C² a layer per token (4 attention, 8 MLP)
        cached = use_cache and T + max_new_tokens <= block_size  # (cropping runs whole windows)
        cores = FreeCores(work=idx.shape[0] * self.config.n_layer * 12 * C * C if cached else None)
        try:  # one thread for small steps, fewer while neighbours hold cores (course/threads.py)
            for _ in range(max_new_tokens):
                cores.step()
                if idx.shape[1] > block_size and not warned:
                    warnings.warn(f"the sequence is longer than block_size={block_size}: from now on the "
                                  f"model only sees the last {block_size} tokens", stacklevel=3)
                    warned = True
                if use_cache and past_kv is not None and idx.shape[1] <= block_size:
                    logits, _, past_kv = self(idx[:, -1:], past_kv=past_kv, use_cache=True)
                elif use_cache and idx.shape[1] <= block_size:  # first step: the whole prompt
                    first = [KVCache(block_size) for _ in self.transformer.h] if in_place else None
                    logits, _, past_kv = self(idx, past_kv=first, use_cache=True)
                else:  # no cache, or cropping: run on the (last block_size tokens of the) sequence
                    logits, _ = self(idx[:, -block_size:])
                nxt = next_token(logits[:, -1, :], temperature=temperature, top_k=top_k, top_p=top_p,
                                 greedy=greedy, generator=generator)  # (B,)
                idx = torch.cat([idx, nxt.view(-1, 1).to(idx.dtype)], dim=1)
        finally:
            cores.close()
            self.train(was_training)
        return idx

    # --- Hugging Face GPT-2 -------------------------------------------------------------------
    # HF's GPT-2 uses Conv1D layers, which store weights as (in, out): the transpose of nn.Linear.
    _CONV1D = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")

    def to_hf(self):
        """A ``transformers.GPT2LMHeadModel`` with this model's weights (same logits)."""
        from transformers import GPT2Config, GPT2LMHeadModel
        c = self.config
        if not c.bias:
            raise ValueError("Hugging Face's GPT-2 always has biases: to_hf() needs a model built "
                             "with bias=True")
        hf_config = GPT2Config(
            vocab_size=c.vocab_size, n_positions=c.block_size, n_embd=c.n_embd, n_layer=c.n_layer,
            n_head=c.n_head, n_inner=4 * c.n_embd,
            activation_function="gelu_new" if c.gelu_approximate == "tanh" else "gelu",
            resid_pdrop=c.dropout, embd_pdrop=c.dropout, attn_pdrop=c.dropout,
            layer_norm_epsilon=1e-5, tie_word_embeddings=True,
            bos_token_id=None, eos_token_id=None, pad_token_id=None)
        hf = GPT2LMHeadModel(hf_config)
        ours = self.state_dict()
        state = {k: (v.t() if k.endswith(self._CONV1D) else v) for k, v in ours.items()}
        missing, unexpected = hf.load_state_dict(state, strict=False)
        missing = [k for k in missing if k != "lm_head.weight"]  # tied to wte
        if missing or unexpected:
            raise RuntimeError(f"weights do not map onto GPT-2: missing {missing}, unexpected {unexpected}")
        hf.tie_weights()
        p = next(self.parameters())
        return hf.to(device=p.device, dtype=p.dtype).train(self.training)

    @classmethod
    def from_hf(cls, hf_model) -> "GPT":
        """A ``GPT`` with the weights of a ``transformers.GPT2LMHeadModel`` (e.g. ``to_hf()``'s)."""
        from transformers import GPT2LMHeadModel
        if not isinstance(hf_model, GPT2LMHeadModel):
            raise TypeError(f"from_hf needs a transformers.GPT2LMHeadModel, got {type(hf_model).__name__}")
        h = hf_model.config
        problems = []
        gelus = {"gelu_new": "tanh", "gelu_pytorch_tanh": "tanh", "gelu": "none"}
        if h.activation_function not in gelus:
            problems.append(f"activation_function={h.activation_function!r} (ours is 'gelu_new', the tanh "
                            f"GELU, or 'gelu', the exact one)")
        if h.n_inner not in (None, 4 * h.n_embd):
            problems.append(f"n_inner={h.n_inner} (ours is 4 * n_embd = {4 * h.n_embd})")
        if h.layer_norm_epsilon != 1e-5:
            problems.append(f"layer_norm_epsilon={h.layer_norm_epsilon} (ours is 1e-5)")
        if not h.scale_attn_weights or h.scale_attn_by_inverse_layer_idx or h.add_cross_attention:
            problems.append("non-standard attention (scale_attn_weights / scale_attn_by_inverse_layer_idx"
                            " / add_cross_attention)")
        if not torch.equal(hf_model.lm_head.weight, hf_model.transformer.wte.weight):
            problems.append("an output head not tied to the token embedding")
        if problems:
            raise ValueError("this GPT-2 differs from course.gpt.GPT: " + "; ".join(problems))
        if len({h.resid_pdrop, h.embd_pdrop, h.attn_pdrop}) > 1:
            warnings.warn(f"GPT has one dropout rate; using resid_pdrop={h.resid_pdrop} for all "
                          f"(embd_pdrop={h.embd_pdrop}, attn_pdrop={h.attn_pdrop})", stacklevel=2)
        config = GPTConfig(vocab_size=h.vocab_size, block_size=h.n_positions, n_embd=h.n_embd,
                           n_layer=h.n_layer, n_head=h.n_head, dropout=h.resid_pdrop, bias=True,
                           gelu_approximate=gelus[h.activation_function])
        model = cls(config)
        wanted = model.state_dict().keys()
        theirs = hf_model.state_dict()
        state = {k: (theirs[k].t() if k.endswith(cls._CONV1D) else theirs[k]) for k in wanted}
        model.load_state_dict(state)
        p = next(hf_model.parameters())
        return model.to(device=p.device, dtype=p.dtype).train(hf_model.training)


# ---------------------------------------------------------------------------------------------------
# Lesson 05 defaults, measured on a 2-core CPU (AMD EPYC, bfloat16 native: precision "auto") with one
# thread, about 0.1 s per iteration, by training with course.train.train on the lesson's data, windows
# and seeds (benchmarks/bench_gpt.py --preset lesson runs this recipe): 3,500 iterations reach a
# validation loss near 1.54 on the shipped corpus, at or below 1.55 from about iteration 3,000 (1.549).
# Fewer iterations with the schedule fitted to them stop higher: 1,800 near 1.64 (at learning rates of
# 0.003, 0.006 or 0.01, or 128-character windows), 3,000 at 1.549; 4,000 reach 1.526. In float32 about
# twice as long.

LESSON_CONFIG = dict(n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False,
                     gelu_approximate="none")  # + vocab_size from the tokenizer, block_size from the batch
LESSON_BATCH = dict(block_size=64, batch_size=32)
LESSON_TRAIN = TrainConfig(max_iters=3500, learning_rate=3e-3, min_lr=3e-4, warmup_iters=100, weight_decay=0.1,
                           beta2=0.99, grad_clip=1.0, eval_interval=250, eval_iters=20, precision="auto")


# ---------------------------------------------------------------------------------------------------
# Lesson 05's stepping stones, before the GPT: the bigram model and the averaging trick.

def bigram_forward(table: torch.Tensor, idx: torch.Tensor, targets: torch.Tensor | None = None):
    """The bigram model: row ``idx[b, t]`` of ``table (V, V)`` is the scores of the next token.

    Returns ``(logits (B, T, V), loss)``: the loss is the mean cross-entropy against ``targets (B, T)``,
    or None without targets.
    """
    if not isinstance(table, torch.Tensor) or table.dim() != 2 or table.shape[0] != table.shape[1]:
        got = tuple(table.shape) if isinstance(table, torch.Tensor) else type(table).__name__
        raise ValueError(f"table must be a square (vocab_size, vocab_size) tensor, got {got}")
    if not isinstance(idx, torch.Tensor) or idx.dim() != 2:
        got = tuple(idx.shape) if isinstance(idx, torch.Tensor) else type(idx).__name__
        raise ValueError(f"idx must be a (B, T) tensor of token ids, got {got}")
    logits = table[idx]  # (B, T, V): one row of scores per position
    if targets is None:
        return logits, None
    if not isinstance(targets, torch.Tensor) or targets.shape != idx.shape:
        got = tuple(targets.shape) if isinstance(targets, torch.Tensor) else type(targets).__name__
        raise ValueError(f"targets has shape {got} but idx has shape {tuple(idx.shape)}: one target per position")
    B, T, V = logits.shape
    # cross_entropy wants (N, V) scores and (N,) classes: flatten batch and time together
    loss = F.cross_entropy(logits.view(B * T, V), targets.reshape(B * T))
    return logits, loss


class BigramLanguageModel(nn.Module):
    """The simplest language model: the next token's scores depend on the current token only.

    Its only parameter is a ``(vocab_size, vocab_size)`` table, stored as an ``nn.Embedding``.
    ``model(idx, targets)`` → ``(logits, loss)`` like every model of the course.
    """

    def __init__(self, vocab_size: int):
        super().__init__()
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 1:
            raise ValueError(f"vocab_size must be a positive int, got {vocab_size!r}")
        self.token_embedding_table = nn.Embedding(vocab_size, vocab_size)

    def forward(self, idx, targets=None):
        return bigram_forward(self.token_embedding_table.weight, idx, targets)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens: int, temperature: float = 1.0, generator=None):
        """Append ``max_new_tokens`` sampled tokens to each row of ``idx (B, T)``; returns ``(B, T + n)``."""
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -1:])  # only the last token matters to a bigram model
            nxt = next_token(logits[:, -1, :], temperature=temperature, generator=generator)  # (B,)
            idx = torch.cat([idx, nxt.view(-1, 1).to(idx.dtype)], dim=1)
        return idx


def causal_average(x: torch.Tensor) -> torch.Tensor:
    """``x (B, T, C)`` → ``(B, T, C)``: position ``t`` gets the mean of positions ``0..t``.

    Written as attention with equal scores: mask the future with -inf, softmax each row (so the
    ``t + 1`` allowed weights are each ``1 / (t + 1)``), then one matrix product averages the past.
    """
    if not isinstance(x, torch.Tensor) or x.dim() != 3:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be a (B, T, C) tensor, got {got}")
    T = x.shape[1]
    scores = torch.zeros(T, T, dtype=x.dtype, device=x.device)
    allowed = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()  # row t: columns 0..t
    weights = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)  # (T, T), rows sum to 1
    return weights @ x  # (T, T) @ (B, T, C) → (B, T, C)
