"""Fine-tuning a pretrained causal language model on documents (lesson 06).

- ``load_pretrained(name_or_path)``: model and tokenizer with Hugging Face's Auto classes, from the
  course's shipped folder (``SHIPPED_MODEL_DIR``, no network) or, online, from a hub name like ``"gpt2"``.
- ``split_sonnets`` / ``make_documents``: each of the 154 Sonnets as one document,
  ``prefix + poem + <|endoftext|>``.
- ``collate``: documents of different lengths → one padded batch ``{input_ids, attention_mask, labels}``
  with ``labels = -100`` on padding, so padding never counts in the loss.
- ``DocumentBatches`` and ``CausalLM`` let ``course.train.train`` fine-tune a Hugging Face model;
  ``document_loss`` is the exact held-out loss (every real token counted once).
"""
from __future__ import annotations

import re
from pathlib import Path

import torch
import torch.nn as nn

from course.tokenization import END_OF_TEXT

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "models" / "shakespeare-gpt"
IGNORE_INDEX = -100  # what Hugging Face's (and PyTorch's) cross-entropy leaves out
SONNET_PREFIX = "SONNET\n\n"

# A model folder needs these; each entry lists the file names that can stand for it.
_NEEDED = {"config": ("config.json",),
           "weights": ("model.safetensors", "pytorch_model.bin"),
           "tokenizer": ("tokenizer.json", "vocab.json")}


# ---------------------------------------------------------------------------------------------------
# Loading

def check_model_dir(path) -> Path:
    """``path`` as a ``Path`` if it is a folder with a model's config, weights and tokenizer files;
    otherwise ``FileNotFoundError`` naming what is missing."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"no model folder at {path}: give a folder written by save_pretrained "
                                f"(e.g. course.finetune.SHIPPED_MODEL_DIR), or, online, a hub name like 'gpt2'")
    for what, names in _NEEDED.items():
        if not any((path / name).is_file() for name in names):
            raise FileNotFoundError(f"the model folder {path} has no {' or '.join(names)} (the {what}); "
                                    f"rebuild it with tools/pretrain.py --out {path}")
    if (path / "vocab.json").is_file() and not (path / "tokenizer.json").is_file() \
            and not (path / "merges.txt").is_file():
        raise FileNotFoundError(f"the model folder {path} has vocab.json but no merges.txt: a GPT-2 "
                                f"tokenizer needs both; rebuild it with tools/pretrain.py --out {path}")
    return path


def _is_local(name_or_path) -> bool:
    # A hub name is "gpt2" or "owner/name"; anything that exists on disk or looks like a path is local.
    text = str(name_or_path)
    return isinstance(name_or_path, Path) or Path(text).exists() or text.startswith((".", "/", "~")) \
        or text.count("/") > 1 or "\\" in text


def load_pretrained(name_or_path=SHIPPED_MODEL_DIR, **model_kwargs):
    """``(model, tokenizer)`` via ``AutoModelForCausalLM`` / ``AutoTokenizer``, model in eval mode.

    A local folder is checked first (a clear error names a missing file); a hub name (``"gpt2"``,
    ``"openai-community/openai-gpt"``) goes to Hugging Face, which needs the network. Weights load in
    float32 (the shipped file is float16 to halve its size; CPUs compute float32 faster).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if _is_local(name_or_path):
        name_or_path = check_model_dir(name_or_path)
    model_kwargs.setdefault("dtype", torch.float32)
    model = AutoModelForCausalLM.from_pretrained(name_or_path, **model_kwargs)
    tokenizer = AutoTokenizer.from_pretrained(name_or_path)
    return model.eval(), tokenizer


# ---------------------------------------------------------------------------------------------------
# Documents

_NUMERAL = re.compile(r"^([IVXLC]+)\n\n", re.MULTILINE)


def split_sonnets(text: str) -> list[str]:
    """The poems of ``load_corpus("sonnets")``, in order, without their Roman-numeral headings."""
    parts = _NUMERAL.split(text)  # [title, "I", poem, "II", poem, ...]
    poems = [poem.strip("\n") + "\n" for poem in parts[2::2]]
    if not poems:
        raise ValueError("found no sonnets: expected headings like 'XVIII' on a line of their own, "
                         "as in course.data.load_corpus('sonnets')")
    return poems


def make_documents(texts, prefix: str = SONNET_PREFIX) -> list[str]:
    """``prefix + text + <|endoftext|>`` for each text: the prefix says what comes, the end-of-text
    token teaches the model where a document stops."""
    if isinstance(texts, str):
        raise TypeError("make_documents takes a list of texts, got one str; wrap it: [text]")
    return [f"{prefix}{text}{END_OF_TEXT}" for text in texts]


def collate(docs: list[list[int]], pad_id: int, max_length: int | None = None) -> dict[str, torch.Tensor]:
    """Pad token-id lists on the right into one batch.

    Returns ``input_ids`` (B, T) long, ``attention_mask`` (B, T) long (1 = real token, 0 = padding)
    and ``labels`` (B, T) long: ``input_ids`` with -100 on padding, so padding never counts in the loss.
    T is the longest document (cut to ``max_length``). The mask comes from the lengths, not from
    ``input_ids == pad_id``: the pad id is often the end-of-text id, a real token that must be learned.
    """
    if not isinstance(docs, (list, tuple)) or not docs:
        raise ValueError("collate needs a non-empty list of documents (lists of token ids)")
    if any(len(doc) == 0 for doc in docs):
        raise ValueError("collate: a document has no tokens; drop empty documents first")
    if max_length is not None:
        docs = [list(doc)[:max_length] for doc in docs]
    T = max(len(doc) for doc in docs)
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)      # (B, T)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)        # (B, T)
    for i, doc in enumerate(docs):
        input_ids[i, : len(doc)] = torch.as_tensor(doc, dtype=torch.long)
        attention_mask[i, : len(doc)] = 1
    labels = input_ids.masked_fill(attention_mask == 0, IGNORE_INDEX)     # (B, T)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


class DocumentBatches:
    """Random batches of whole documents for ``course.train.train``: ``sample()`` → ``(input_ids, labels)``.

    ``labels`` carries the padding (-100), from which ``CausalLM`` rebuilds the attention mask.
    Its own seeded generator makes the batches reproducible.
    """

    def __init__(self, docs: list[list[int]], batch_size: int, pad_id: int, max_length: int | None = None,
                 seed: int = 0):
        if not docs:
            raise ValueError("DocumentBatches needs at least one document")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.docs, self.batch_size, self.pad_id, self.max_length = docs, batch_size, pad_id, max_length
        self.generator = torch.Generator().manual_seed(seed)

    def sample(self):
        picks = torch.randint(len(self.docs), (self.batch_size,), generator=self.generator).tolist()
        batch = collate([self.docs[i] for i in picks], self.pad_id, self.max_length)
        return batch["input_ids"], batch["labels"]

    __call__ = sample


class CausalLM(nn.Module):
    """A Hugging Face causal LM called as ``model(input_ids, labels)`` → ``(logits, loss)``, the
    signature ``course.train`` expects. Padding is where ``labels == -100``."""

    def __init__(self, hf_model: nn.Module):
        super().__init__()
        self.hf = hf_model

    def forward(self, input_ids, labels):
        attention_mask = (labels != IGNORE_INDEX).long()  # (B, T)
        out = self.hf(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
        return out.logits, out.loss


@torch.no_grad()
def document_loss(model: nn.Module, docs: list[list[int]], pad_id: int, batch_size: int = 16,
                  max_length: int | None = None) -> float:
    """Mean next-token cross-entropy over every real token of ``docs`` (each counted once), for a
    Hugging Face causal LM. Batches are padded with ``collate``; padding never counts."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(docs), batch_size):
        batch = collate(docs[i:i + batch_size], pad_id, max_length)
        out = model(**batch)
        n = int((batch["labels"][:, 1:] != IGNORE_INDEX).sum())  # targets: every label but the first
        total += out.loss.item() * n
        count += n
    model.train(was_training)
    return total / count
