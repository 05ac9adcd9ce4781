"""One training loop for every model of the course (lessons 04-06).

A model is anything called as ``model(x, targets)`` that returns ``(logits, loss)``; a batch comes
from ``get_batch(split)`` returning ``(x, y)`` for ``split`` in ``"train"`` and ``"val"``. The loop is
nanoGPT's: AdamW with weight decay on matrices only, linear warm-up then cosine decay of the learning
rate, gradient clipping, and a periodic estimate of the train and validation losses.

Fast mode: with the environment variable ``COURSE_FAST=1`` (the autograder and CI set it) the lessons
train for a twentieth of the iterations, at most 20 (``scaled_iters``, ``TrainConfig.scaled``) so that every
notebook runs in seconds; the numbers are worse, the code is the same.

Distributed: run the same script with ``torchrun --nproc_per_node=2 script.py`` and ``train`` wraps
the model in DistributedDataParallel (gloo on CPU). Every process calls ``get_batch`` with the same
seed and so draws the same global batch; process ``r`` of ``w`` trains on rows ``r*B/w`` to
``(r+1)*B/w``. Gradients are averaged across processes, so the run follows the one-process run on
the global batch step for step (up to float rounding).

Precision: ``TrainConfig.precision="bfloat16"`` runs the forward passes under ``torch.autocast`` in
bfloat16 (the weights and the optimizer stay float32); ``"auto"`` does so only where the processor
computes bfloat16 natively (CPUs with AVX512-BF16 or AMX, GPUs with bf16), where its matrix products
are several times faster, and stays in float32 elsewhere. In float32 on an x86 CPU that is not Intel's,
the training steps' larger linear layers run on oneDNN rather than PyTorch's BLAS (``OneDNNLinear``): the
same float32 products, about twice as fast on CPUs that MKL does not tune for (on Intel's, slower).

Checkpoints are safetensors files: ``save_checkpoint`` / ``load_checkpoint``.
"""
from __future__ import annotations

import atexit
import dataclasses
import functools
import gc
import inspect
import json
import math
import os
import platform
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn as nn

from course.threads import FreeCores


# ---------------------------------------------------------------------------------------------------
# Fast mode

def fast_mode() -> bool:
    """True when the environment variable ``COURSE_FAST`` is ``"1"`` (unset or ``"0"``: False)."""
    value = os.environ.get("COURSE_FAST", "").strip()
    if value in ("", "0"):
        return False
    if value == "1":
        return True
    raise ValueError(f"COURSE_FAST must be '1' (fast mode) or '0'/unset (full training), got {value!r}")


FAST_MAX_ITERS = 20  # fast mode's ceiling: a lesson's longest run takes seconds (each lesson runs ~6 times in the tests;
# 40 -> 20 took 5 s off each run of lessons 04 and 05, 2026-12-01)
FAST_MIN_ITERS = 5


def scaled_iters(n: int, fast: int | None = None) -> int:
    """``n`` normally; in fast mode ``fast`` if given, else a twentieth of ``n``, at least
    ``FAST_MIN_ITERS`` and at most ``FAST_MAX_ITERS`` (and never more than ``n``). A lesson whose steps
    take a second each (lesson 06's fine-tunings) asks for fewer with ``fast``."""
    if not fast_mode():
        return n
    if fast is not None:
        if fast < 1:
            raise ValueError(f"scaled_iters: fast must be at least 1 iteration, got {fast}")
        return min(n, fast)
    return min(n, max(n // 20, FAST_MIN_ITERS), FAST_MAX_ITERS)


# ---------------------------------------------------------------------------------------------------
# Precision

PRECISIONS = ("float32", "bfloat16", "auto")


def native_bfloat16(device) -> bool:
    """Whether ``device`` computes bfloat16 matrix products in hardware (not by emulation)."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    return False


def resolve_precision(precision: str, device) -> str:
    """``"float32"`` or ``"bfloat16"``: what ``precision`` (a ``TrainConfig.precision``) means on ``device``."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(map(repr, PRECISIONS))}, got {precision!r}")
    if precision == "auto":
        return "bfloat16" if native_bfloat16(device) else "float32"
    return precision


def autocast(precision: str, device):
    """A context for forward passes: ``torch.autocast`` in bfloat16, or nothing for float32."""
    device = torch.device(device)
    if resolve_precision(precision, device) == "float32":
        return nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


# ---------------------------------------------------------------------------------------------------
# float32 linear layers on oneDNN
#
# PyTorch's x86 wheels do float32 matrix products with Intel's MKL, which picks its kernels by the CPU's
# vendor: on an AMD EPYC (Zen 5, AVX-512) it runs its AVX2 code, 210 GFLOP/s on two cores for a GPT's
# (768 x 128) @ (128 x 512), where oneDNN, which the same wheels ship (and use for bfloat16), runs
# 420-460 GFLOP/s. So the training loop sends float32 linear layers to oneDNN: the forward product and
# both of the backward's. oneDNN costs ~10 us more per call, so products under LINEAR_MIN_MACS
# multiply-adds stay with MKL. On Intel's CPUs MKL runs its tuned kernels, and there the detour is a
# loss: on a 2-core Xeon with AVX-512 (2026-12-03) nanoGPT's float32 step took 32.7 ms through oneDNN
# against 26.7 ms on MKL. So only a CPU that is not Intel's takes it (``prefer_onednn``).

LINEAR_MIN_MACS = 2 ** 21  # oneDNN from about 32 x 128 x 384 multiply-adds (equal time there)


def onednn_available() -> bool:
    """Whether this PyTorch has oneDNN's linear for dense tensors (x86 builds; not macOS's arm64)."""
    return (platform.machine().lower() in ("x86_64", "amd64") and torch.backends.mkldnn.is_available()
            and hasattr(torch.ops.mkldnn, "_linear_pointwise"))


@functools.cache
def _cpuinfo() -> str:
    """The start of ``/proc/cpuinfo``, read once (every float32 training step asks for the vendor)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return f.read(65536)
    except OSError:
        return ""


def cpu_vendor(cpuinfo: str | None = None) -> str:
    """The x86 CPU's vendor id from ``/proc/cpuinfo`` (``GenuineIntel``, ``AuthenticAMD``); "" if unknown."""
    if cpuinfo is None:
        cpuinfo = _cpuinfo()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "vendor_id":
            return value.strip()
    return ""


def prefer_onednn() -> bool:
    """Whether float32 training sends its larger linear layers to oneDNN: where it has them, and the CPU is
    not Intel's (MKL picks its tuned kernels for Intel only; an unknown vendor stays with PyTorch's own)."""
    return onednn_available() and cpu_vendor() not in ("", "GenuineIntel")


def _onednn_linear(x2d, weight, bias=None):
    return torch.ops.mkldnn._linear_pointwise(x2d, weight, bias, "none", [], "")  # x2d @ weight.T + bias


class OneDNNLinear(torch.autograd.Function):
    """``F.linear(x, weight, bias)`` in float32 on the CPU, its forward and input gradient on oneDNN."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        y = _onednn_linear(x.reshape(-1, x.shape[-1]), weight, bias)  # (N, out)
        return y.view(*x.shape[:-1], weight.shape[0])

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        g = grad.reshape(-1, grad.shape[-1])  # (N, out)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = _onednn_linear(g, weight.t()).view(x.shape)  # g @ weight: (N, in)
        if ctx.needs_input_grad[1]:  # g.T @ x: oneDNN wants its first operand's rows contiguous, so copy the
            x2 = x.reshape(-1, x.shape[-1])  # narrower of g.T and x.T and compute that side's product
            if x2.shape[1] <= g.shape[1]:
                grad_w = _onednn_linear(x2.t().contiguous(), g.t()).t()  # (x.T @ g).T: (out, in)
            else:
                grad_w = _onednn_linear(g.t().contiguous(), x2.t())  # (out, in)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = g.sum(0)
        return grad_x, grad_w, grad_b


class OneDNNLinears(torch.overrides.TorchFunctionMode):
    """Inside ``with OneDNNLinears():``, float32 CPU ``F.linear`` calls (every ``nn.Linear``) that need
    a gradient and are at least ``LINEAR_MIN_MACS`` multiply-adds run as ``OneDNNLinear``."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.nn.functional.linear and torch.is_grad_enabled() and not torch.is_autocast_enabled("cpu"):
            x, weight = args[0], args[1] if len(args) > 1 else kwargs.get("weight")
            bias = args[2] if len(args) > 2 else kwargs.get("bias")
            plain = (torch.Tensor, nn.Parameter)  # not a tensor subclass with behaviour of its own
            if (type(x) in plain and type(weight) in plain and x.dim() >= 2 and weight.dim() == 2
                    and x.dtype == weight.dtype == torch.float32 and x.device.type == weight.device.type == "cpu"
                    and (bias is None or (type(bias) in plain and bias.dtype == torch.float32))
                    and x.numel() * weight.shape[0] >= LINEAR_MIN_MACS):
                return OneDNNLinear.apply(x, weight, bias)
        return func(*args, **kwargs)


def _float32_context(device):
    """The training steps' context in float32: oneDNN linears on an x86 CPU that is not Intel's, else nothing."""
    return OneDNNLinears() if torch.device(device).type == "cpu" and prefer_onednn() else nullcontext()


# ---------------------------------------------------------------------------------------------------
# Configuration and learning-rate schedule

@dataclass
class TrainConfig:
    max_iters: int = 2000
    learning_rate: float = 1e-3
    min_lr: float | None = None         # end of the cosine decay; None: learning_rate / 10
    warmup_iters: int = 100
    lr_decay_iters: int | None = None   # where the decay reaches min_lr; None: max_iters
    decay_lr: bool = True               # False: constant learning_rate
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.99
    grad_clip: float = 1.0              # max gradient norm; 0 disables clipping
    eval_interval: int = 250
    eval_iters: int = 20                # batches per split in each loss estimate
    seed: int = 1337
    progress: bool = True               # tqdm progress bar (rank 0 only)
    max_seconds: float | None = None    # stop early after this much training time
    precision: str = "float32"          # "float32", "bfloat16" (autocast) or "auto" (see the module doc)

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise ValueError(f"TrainConfig.precision must be one of {', '.join(map(repr, PRECISIONS))}, "
                             f"got {self.precision!r}")
        for name in ("max_iters", "warmup_iters", "eval_interval", "eval_iters"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"TrainConfig.{name} must be a non-negative integer, got {value!r}")
        if self.eval_interval == 0 or self.eval_iters == 0:
            raise ValueError("TrainConfig.eval_interval and eval_iters must be at least 1")
        if not self.learning_rate > 0:
            raise ValueError(f"TrainConfig.learning_rate must be positive, got {self.learning_rate}")
        if self.min_lr is not None and not 0 <= self.min_lr <= self.learning_rate:
            raise ValueError(f"TrainConfig.min_lr must lie in [0, learning_rate={self.learning_rate}], "
                             f"got {self.min_lr}")
        if self.lr_decay_iters is not None and self.lr_decay_iters <= self.warmup_iters:
            raise ValueError(f"TrainConfig.lr_decay_iters ({self.lr_decay_iters}) must be larger than "
                             f"warmup_iters ({self.warmup_iters})")
        if self.grad_clip < 0:
            raise ValueError(f"TrainConfig.grad_clip must be >= 0 (0 disables clipping), got {self.grad_clip}")

    @property
    def final_lr(self) -> float:
        return self.learning_rate / 10 if self.min_lr is None else self.min_lr

    @property
    def decay_iters(self) -> int:
        return self.max_iters if self.lr_decay_iters is None else self.lr_decay_iters

    def scaled(self) -> "TrainConfig":
        """This config with its iteration counts shrunk by ``scaled_iters`` (unchanged unless fast mode).

        Fast mode evaluates at the start and the end (or every ``eval_interval``, if that is sooner) on
        at most 2 batches a split: its losses are only looked at to see that training runs, and a lesson's
        evaluations had cost as much as its fast training (lessons 03-05: 2 s a run, 2026-12-05)."""
        if not fast_mode():
            return self
        max_iters = scaled_iters(self.max_iters)
        warmup = min(self.warmup_iters * max_iters // max(self.max_iters, 1), max_iters // 2)
        decay = None if self.lr_decay_iters is None else max(scaled_iters(self.lr_decay_iters), warmup + 1)
        return dataclasses.replace(self, max_iters=max_iters, warmup_iters=warmup, lr_decay_iters=decay,
                                   eval_interval=max(1, min(self.eval_interval, max_iters)),
                                   eval_iters=min(self.eval_iters, 2))


def lr_at(it: int, cfg: TrainConfig) -> float:
    """The learning rate at iteration ``it``: linear warm-up, cosine decay to ``min_lr``, then flat."""
    if not cfg.decay_lr:
        return cfg.learning_rate
    if it < cfg.warmup_iters:  # warm-up: Adam's early updates are noisy, start small
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it >= cfg.decay_iters:
        return cfg.final_lr
    progress = (it - cfg.warmup_iters) / (cfg.decay_iters - cfg.warmup_iters)  # 0 -> 1
    return cfg.final_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.final_lr)


def train_loop(model: nn.Module, optimizer: torch.optim.Optimizer, get_batch: Callable, max_iters: int,
               grad_clip: float, lr_schedule: Callable[[int], float]) -> list[float]:
    """The bare training loop that ``train`` wraps (lesson 04 asks for it as an exercise): for each
    iteration set the learning rate ``lr_schedule(it)``, draw a batch, forward, zero the gradients,
    backward, clip their norm to ``grad_clip``, step. Returns the training loss of every iteration.

    No evaluation, timing, progress bar, mixed precision or distribution: ``train`` adds those.
    """
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)      # this step's learning rate
        x, y = get_batch("train")
        _, loss = model(x, y)                  # forward
        optimizer.zero_grad(set_to_none=True)  # drop the previous step's gradients
        loss.backward()                        # a gradient for every parameter
        nn.utils.clip_grad_norm_(model.parameters(), grad_clip)  # rescale them if their norm > grad_clip
        optimizer.step()                       # update the parameters
        losses.append(loss.item())
    return losses


# ---------------------------------------------------------------------------------------------------
# Optimizer

def configure_optimizer(model: nn.Module, weight_decay: float, lr: float,
                        betas: tuple[float, float] = (0.9, 0.99)) -> torch.optim.AdamW:
    """AdamW that decays matrices (weights, embeddings: 2-D and up) but not biases or norm gains.

    Decay pulls weights towards zero; for a bias or a LayerNorm gain that is just a wrong prior.
    Uses PyTorch's fused kernel where available (the fastest on CPU too), else the default.
    """
    params = [p for p in model.parameters() if p.requires_grad]  # tied weights appear once
    if not params:
        raise ValueError("the model has no trainable parameters (all have requires_grad=False)")
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    groups = [g for g in groups if g["params"]]
    try:
        return torch.optim.AdamW(groups, lr=lr, betas=betas, fused=True)
    except (RuntimeError, ValueError):  # e.g. a dtype or device without a fused kernel
        return torch.optim.AdamW(groups, lr=lr, betas=betas)


# ---------------------------------------------------------------------------------------------------
# Distributed helpers (no-ops in a single process)

def _world() -> tuple[int, int]:
    """(rank, world_size), joining the process group that torchrun describes when there is one."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return 0, 1
    import torch.distributed as dist
    if not dist.is_initialized():
        # DDP imports torch.distributed.nn.functional, whose functions take the WORLD group as a default
        # argument. Imported after the group exists, ten defaults would hold it for ever: its gloo
        # threads would outlive destroy_process_group (see _leave_group). Imported first, they hold None.
        import torch.distributed.nn.functional  # noqa: F401
        dist.init_process_group("gloo")
        atexit.register(_leave_group)  # the group train joined, it leaves
    return dist.get_rank(), dist.get_world_size()


# How many calls of ``train`` / ``estimate_loss`` that talk to the other processes have not returned
# (one that raised stays counted: its peers may be waiting in a collective that this process left)
_IN_FLIGHT = {"calls": 0}


def _leave_group() -> None:
    """At the script's exit, leave the process group that ``train`` joined (unless the script did):
    wait for the other processes (a barrier), destroy the group, and collect the DDP wrapper that still
    holds it, so that gloo's worker threads are joined while Python is whole. A gloo thread still
    running at the interpreter's exit can drop the last reference to a finished all-reduce and its
    tensors; freeing a tensor takes the GIL, a thread that asks for it during finalization is ended,
    and C++ aborts the process ("terminate called without an active exception", SIGABRT; seen in 1
    of 18 runs beside two busy loops, core dump in ProcessGroupGloo::AsyncWork::~AsyncWork). torchrun
    then stops the other processes. After a failed ``train`` there is no barrier: a peer may be
    waiting in a collective of the loop."""
    import torch.distributed as dist
    if not dist.is_initialized():
        return
    try:
        if _IN_FLIGHT["calls"] == 0:
            dist.barrier()
    finally:
        dist.destroy_process_group()
        gc.collect()  # a DDP wrapper left in a reference cycle holds the group, and with it gloo's threads


def _local_rows(x: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """This process's share of a global batch: rows rank*B/w to (rank+1)*B/w."""
    if world_size == 1:
        return x
    if x.shape[0] % world_size:
        raise ValueError(f"the global batch has {x.shape[0]} rows, which does not split evenly over "
                         f"{world_size} processes: use a batch size divisible by {world_size}")
    rows = x.shape[0] // world_size
    return x[rank * rows:(rank + 1) * rows]


def _average(values: torch.Tensor, world_size: int) -> torch.Tensor:
    if world_size > 1:
        import torch.distributed as dist
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
        values /= world_size
    return values


def _check_signature(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
    """A clear error for a model that cannot be called as ``model(x, targets)``."""
    forward = model.module.forward if hasattr(model, "module") else model.forward  # DDP wraps the model
    try:
        inspect.signature(forward).bind(x, y)
    except TypeError:
        raise TypeError(f"the model must be callable as model(x, targets) and return (logits, loss), but "
                        f"{type(model).__name__}.forward{inspect.signature(forward)} does not take targets") from None


def _call(model: nn.Module, x: torch.Tensor, y: torch.Tensor, checked: bool = False):
    """``model(x, y)`` -> (logits, loss), with a clear error for a model that does not fit the loop.
    ``checked``: the signature was already checked (inspecting it costs more than a small step's bookkeeping)."""
    if not checked:
        _check_signature(model, x, y)
    return _unpack(model(x, y), "the model")


def _unpack(output, where: str):
    if not (isinstance(output, tuple) and len(output) == 2):
        raise TypeError(f"{where} must return (logits, loss) when called as model(x, targets), "
                        f"got {type(output).__name__}")
    logits, loss = output
    if not (isinstance(loss, torch.Tensor) and loss.dim() == 0):
        raise TypeError(f"{where}: the loss must be a scalar tensor, got "
                        f"{type(loss).__name__ if not isinstance(loss, torch.Tensor) else tuple(loss.shape)}; "
                        f"did the model get its targets?")
    return logits, loss


def _batch(get_batch: Callable, split: str, device: torch.device):
    batch = get_batch(split)
    if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
        raise TypeError(f"get_batch({split!r}) must return (x, y), got {type(batch).__name__}")
    x, y = batch
    return x.to(device), y.to(device)


# ---------------------------------------------------------------------------------------------------
# Evaluation and training

@torch.no_grad()
def estimate_loss(model: nn.Module, get_batch: Callable, eval_iters: int,
                  splits: tuple[str, ...] = ("train", "val"), precision: str = "float32") -> dict[str, float]:
    """Mean loss over ``eval_iters`` batches of each split, in eval mode (no dropout), without gradients.

    ``precision`` as in ``TrainConfig``. Under torchrun every process scores its share of each batch
    and the means are averaged.
    """
    rank, world_size = _world()
    _IN_FLIGHT["calls"] += 1
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    means = torch.zeros(len(splits))
    for i, split in enumerate(splits):
        losses = torch.zeros(eval_iters)
        for k in range(eval_iters):
            x, y = _batch(get_batch, split, device)
            with autocast(precision, device):
                _, loss = _call(model, _local_rows(x, rank, world_size), _local_rows(y, rank, world_size),
                                checked=k > 0)
            losses[k] = loss.item()
        means[i] = losses.mean()
    model.train(was_training)
    means = _average(means, world_size)
    _IN_FLIGHT["calls"] -= 1
    return {split: means[i].item() for i, split in enumerate(splits)}


@dataclass
class History:
    """What ``train`` measured. Evaluation points: ``iters``, ``train_loss``, ``val_loss``, ``elapsed``
    (seconds of training so far, evaluation and callbacks not counted), ``wall`` (wall-clock seconds
    since ``train`` began, the earlier evaluations and callbacks counted); every iteration: ``loss``,
    ``lr``, ``grad_norm`` (before clipping)."""
    iters: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    elapsed: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    seconds: float = 0.0  # total wall-clock time of train(), evaluation included
    precision: str = "float32"  # what the forward passes ran in ("auto" resolved)

    def __repr__(self) -> str:
        last = (f", val_loss={self.val_loss[-1]:.4f} at iteration {self.iters[-1]}"
                if self.iters else "")
        return f"History({len(self.loss)} iterations{last}, {self.seconds:.1f} s)"


def train(model: nn.Module, get_batch: Callable, cfg: TrainConfig,
          callback: Callable | None = None, optimizer: torch.optim.Optimizer | None = None) -> History:
    """Train ``model`` for ``cfg.max_iters`` iterations; return the ``History``.

    Evaluates (``estimate_loss``) at iteration 0, every ``cfg.eval_interval`` iterations and at the
    end, then calls ``callback(it, model, history)`` (rank 0 only), e.g. to print a sample.
    Pass ``optimizer`` to continue with one you made (e.g. from a checkpoint); otherwise
    ``configure_optimizer`` makes one.
    """
    if not callable(get_batch):
        raise TypeError(f"get_batch must be a function split -> (x, y), got {type(get_batch).__name__}")
    rank, world_size = _world()
    _IN_FLIGHT["calls"] += 1
    torch.manual_seed(cfg.seed)  # dropout masks; the same on every process
    if optimizer is None:
        optimizer = configure_optimizer(model, cfg.weight_decay, cfg.learning_rate, (cfg.beta1, cfg.beta2))
    device = next(model.parameters()).device
    trained = model
    if world_size > 1:
        from torch.nn.parallel import DistributedDataParallel
        trained = DistributedDataParallel(model)  # broadcasts rank 0's weights, averages gradients
    history = History()
    start = time.perf_counter()
    train_seconds = 0.0

    history.precision = resolve_precision(cfg.precision, device)
    forward_context = lambda: (autocast(history.precision, device) if history.precision == "bfloat16"  # noqa: E731
                               else _float32_context(device))

    def evaluate(it: int):
        wall_seconds = time.perf_counter() - start  # when the model reached `it`, before this evaluation
        losses = estimate_loss(model, get_batch, cfg.eval_iters, precision=history.precision)
        history.iters.append(it)
        history.train_loss.append(losses["train"])
        history.val_loss.append(losses["val"])
        history.elapsed.append(train_seconds)
        history.wall.append(wall_seconds)
        if rank == 0 and callback is not None:
            callback(it, model, history)

    from tqdm.auto import tqdm
    bar = tqdm(total=cfg.max_iters, disable=not cfg.progress or rank != 0, desc="training")
    shown = {"loss": "-"}  # what the bar shows: the latest training loss and validation estimate
    model.train()
    cores = FreeCores()  # fewer threads while neighbours hold cores (course/threads.py)
    it = 0
    while True:
        if it % cfg.eval_interval == 0 or it == cfg.max_iters:
            evaluate(it)
            shown["val"] = f"{history.val_loss[-1]:.3f}"
            bar.set_postfix(shown)
        if it == cfg.max_iters:
            break
        tick = time.perf_counter()
        lr = lr_at(it, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = _batch(get_batch, "train", device)
        with forward_context():
            _, loss = _call(trained, _local_rows(x, rank, world_size), _local_rows(y, rank, world_size),
                            checked=it > 0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # under DDP this also averages the gradients over processes
        # clip_grad_norm_ returns the norm before clipping; with max_norm=inf it only measures it.
        norm = nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip if cfg.grad_clip > 0 else math.inf)
        optimizer.step()
        train_seconds += time.perf_counter() - tick
        stop = cfg.max_seconds is not None and train_seconds >= cfg.max_seconds
        if world_size > 1:  # the logged loss is the global batch's; the stop flag keeps all processes in step
            shared = _average(torch.tensor([loss.item(), float(stop)]), world_size).tolist()
            history.loss.append(shared[0])
            stop = shared[1] > 0
        else:
            history.loss.append(loss.item())
        history.lr.append(lr)
        history.grad_norm.append(norm.item())
        it += 1
        cores.step()
        bar.update(1)
        if it % 10 == 0:
            shown["loss"] = f"{history.loss[-1]:.3f}"
            bar.set_postfix(shown, refresh=False)
        if stop and it < cfg.max_iters:  # out of time: evaluate once more and stop
            evaluate(it)
            break
    bar.close()
    cores.close()
    history.seconds = time.perf_counter() - start
    _IN_FLIGHT["calls"] -= 1
    return history


# ---------------------------------------------------------------------------------------------------
# Checkpoints (safetensors)

def save_checkpoint(path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    config=None, step: int | None = None) -> None:
    """Write the model's weights (and the optimizer's state, a config dataclass or dict, the step)
    to one safetensors file.

    safetensors refuses two names for one tensor, which tied weights are (GPT's token embedding and
    output layer): each shared tensor is stored once and its other names are kept as aliases.
    """
    from safetensors.torch import save_file

    tensors, aliases, seen = {}, {}, {}
    for name, tensor in model.state_dict().items():
        key = (tensor.untyped_storage().data_ptr(), tensor.storage_offset(), tuple(tensor.shape),
               tuple(tensor.stride()))
        if tensor.numel() and key in seen:
            aliases[f"model.{name}"] = seen[key]
            continue
        seen[key] = f"model.{name}"
        tensors[f"model.{name}"] = tensor.detach().contiguous().cpu()
    meta = {"aliases": aliases, "step": step}
    if config is not None:
        meta["config"] = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)
    if optimizer is not None:
        state = optimizer.state_dict()
        plain_state = {}
        for param_id, param_state in state["state"].items():
            plain_state[str(param_id)] = {}
            for k, v in param_state.items():
                if isinstance(v, torch.Tensor):
                    tensors[f"optimizer.{param_id}.{k}"] = v.detach().contiguous().cpu()
                else:
                    plain_state[str(param_id)][k] = v
        meta["optimizer"] = {"param_groups": state["param_groups"], "state": plain_state}
    save_file(tensors, str(path), metadata={"course": json.dumps(meta)})


def load_checkpoint(path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None) -> dict:
    """Load a file written by ``save_checkpoint`` into ``model`` (and ``optimizer``).

    Returns ``{"config": dict or None, "step": int or None}``. Raises a clear error when the file
    does not exist or its weights do not fit the model.
    """
    from safetensors import safe_open
    from safetensors.torch import load_file

    if not os.path.isfile(path):
        raise FileNotFoundError(f"no checkpoint at {path}; write one with save_checkpoint(path, model)")
    with safe_open(str(path), framework="pt") as f:
        raw = (f.metadata() or {}).get("course")
    if raw is None:
        raise ValueError(f"{path} is a safetensors file but not one written by course.train.save_checkpoint")
    meta = json.loads(raw)
    tensors = load_file(str(path))
    for alias, source in meta["aliases"].items():
        tensors[alias] = tensors[source]
    weights = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    expected = model.state_dict()
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    wrong = [f"{k}: file {tuple(weights[k].shape)}, model {tuple(expected[k].shape)}"
             for k in expected if k in weights and weights[k].shape != expected[k].shape]
    if missing or unexpected or wrong:
        raise ValueError(f"the checkpoint {path} does not fit this model (was it built with the same config? "
                         f"the checkpoint's is {meta.get('config')}): missing {missing[:5]}, "
                         f"unexpected {unexpected[:5]}, shape mismatches {wrong[:5]}")
    model.load_state_dict(weights)
    if optimizer is not None:
        if "optimizer" not in meta:
            raise ValueError(f"{path} holds no optimizer state; it was saved without optimizer=")
        state = {}
        for param_id, plain in meta["optimizer"]["state"].items():
            state[int(param_id)] = dict(plain)
        for k, v in tensors.items():
            if k.startswith("optimizer."):
                _, param_id, name = k.split(".", 2)
                state.setdefault(int(param_id), {})[name] = v
        groups = meta["optimizer"]["param_groups"]
        for group in groups:  # JSON turned tuples into lists
            group.update({k: tuple(v) for k, v in group.items() if k != "params" and isinstance(v, list)})
        optimizer.load_state_dict({"state": state, "param_groups": groups})
    return {"config": meta.get("config"), "step": meta.get("step")}
