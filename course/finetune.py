"""Fine-tuning a pretrained causal language model on documents (lesson 06).

- ``load_pretrained(name_or_path)``: model and tokenizer with Hugging Face's Auto classes, from the
  course's shipped folder (``SHIPPED_MODEL_DIR``, no network) or, online, from a hub name like ``"gpt2"``.
- ``split_sonnets`` / ``make_documents``: each of the 154 Sonnets as one document,
  ``prefix + poem + <|endoftext|>``.
- ``collate``: documents of different lengths → one padded batch ``{input_ids, attention_mask, labels}``
  with ``labels = -100`` on padding, so padding never counts in the loss.
- ``DocumentBatches`` and ``CausalLM`` let ``course.train.train`` fine-tune a Hugging Face model;
  ``document_loss`` is the exact held-out loss (every real token counted once).
- ``EarlyStopping``: a ``train`` callback that notes where the held-out loss stopped improving and keeps
  the weights of its best evaluation up to there.
- ``freeze_all_but_last_block`` and ``LoRALinear`` / ``add_lora``: parameter-efficient fine-tuning.
- ``instruction_prompt`` / ``mask_prompts``: instruction-format examples whose loss counts the response only.
"""
from __future__ import annotations

import copy
import math
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


def model_folder(name_or_path=SHIPPED_MODEL_DIR) -> Path:
    """The folder on this machine that holds a model's files: a local folder (a ``Path`` or a str, checked
    like ``load_pretrained`` does) as it is; for a hub name (``"gpt2"``), the folder of Hugging Face's cache
    that ``from_pretrained`` downloads it into (this fetches its ``config.json``, so it needs the network
    the first time)."""
    if _is_local(name_or_path):
        return check_model_dir(name_or_path)
    from transformers.utils import cached_file
    return Path(cached_file(str(name_or_path), "config.json")).parent


def pretraining_report(name_or_path=SHIPPED_MODEL_DIR) -> dict | None:
    """What ``tools/pretrain.py`` recorded (``pretraining.json``: steps, held-out loss, ...) for a model
    folder it made; None for any other model (a hub model's card describes its training instead)."""
    import json
    if not _is_local(name_or_path):
        return None
    report = check_model_dir(name_or_path) / "pretraining.json"
    return json.loads(report.read_text()) if report.is_file() else None


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
    signature ``course.train`` expects.

    Batches are padded on the right, so the padding is what follows a row's last counted label (-100
    labels before it, e.g. an instruction's prompt, are real tokens the model must attend to)."""

    def __init__(self, hf_model: nn.Module):
        super().__init__()
        self.hf = hf_model

    def forward(self, input_ids, labels):
        counted = (labels != IGNORE_INDEX).long()                    # (B, T)
        attention_mask = counted.flip(-1).cummax(-1).values.flip(-1)  # (B, T) 1 up to the last counted label
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


# ---------------------------------------------------------------------------------------------------
# Early stopping

class EarlyStopping:
    """A ``course.train.train`` callback: stop when the held-out loss has not improved by ``min_delta``
    for ``patience`` evaluations in a row, keeping the weights of the best evaluation before that.

    ``train`` has no way to be interrupted, so this records the decision instead: ``stop_iter`` is the
    evaluation where training would stop (None while the loss still improves), ``best_iter`` and
    ``best_loss`` the evaluation whose weights it kept, and ``restore()`` loads them back.
    """

    def __init__(self, patience: int = 2, min_delta: float = 0.01):
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be a positive int (evaluations without improvement), got {patience!r}")
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_iter, self.stop_iter = math.inf, None, None
        self.bad_evals, self._state, self._model = 0, None, None

    def __call__(self, it, model, history):
        if self.stop_iter is not None:
            return
        loss = history.val_loss[-1]
        if loss < self.best_loss - self.min_delta or self.best_iter is None:
            self.bad_evals = 0
        else:
            self.bad_evals += 1
        if loss < self.best_loss:  # the weights to keep: the lowest loss so far, however small the gain
            self.best_loss, self.best_iter = loss, it
            self._state, self._model = copy.deepcopy(model.state_dict()), model
        if self.bad_evals >= self.patience:
            self.stop_iter = it

    def restore(self, model: nn.Module | None = None) -> nn.Module:
        """Load the kept weights into ``model``, by default the model ``train`` was given (for a
        ``CausalLM``, that updates the Hugging Face model inside it). Returns that model."""
        if self._state is None:
            raise RuntimeError("EarlyStopping.restore: no evaluation seen yet; pass it to train(..., callback=)")
        model = self._model if model is None else model
        model.load_state_dict(self._state)
        return model


# ---------------------------------------------------------------------------------------------------
# Parameter-efficient fine-tuning

def trainable_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def freeze_all_but_last_block(model: nn.Module) -> nn.Module:
    """Freeze every weight of a GPT-2 (Hugging Face's or ``course.gpt.GPT``) except the last block and the
    final LayerNorm. The tied embedding/output matrix stays frozen. Returns the model."""
    model.requires_grad_(False)
    transformer = model.transformer
    transformer.h[-1].requires_grad_(True)
    transformer.ln_f.requires_grad_(True)
    return model


class LoRALinear(nn.Module):
    """A frozen linear layer plus a trainable low-rank update (LoRA, Hu et al. 2021):
    ``y = base(x) + (alpha / r) · x Aᵀ Bᵀ``, with ``A`` (r, in) random and ``B`` (out, r) zero, so it
    starts as ``base``. Only ``A`` and ``B`` train: ``r · (in + out)`` numbers instead of ``in · out``.

    ``base`` is an ``nn.Linear`` (weight (out, in)) or Hugging Face's GPT-2 ``Conv1D`` (weight (in, out)).
    """

    def __init__(self, base: nn.Module, r: int = 8, alpha: float = 16.0):
        super().__init__()
        if isinstance(base, nn.Linear):
            n_out, n_in = base.weight.shape
        elif type(base).__name__ == "Conv1D":
            n_in, n_out = base.weight.shape
        else:
            raise TypeError(f"LoRALinear wraps an nn.Linear or a GPT-2 Conv1D, got {type(base).__name__}")
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(f"LoRA rank r must be a positive int, got {r!r}")
        self.base = base.requires_grad_(False)
        self.A = nn.Parameter(torch.randn(r, n_in) / math.sqrt(n_in))  # (r, in)
        self.B = nn.Parameter(torch.zeros(n_out, r))                     # (out, r)
        self.scale = alpha / r

    def forward(self, x):  # (..., in) -> (..., out)
        return self.base(x) + (x @ self.A.T @ self.B.T) * self.scale

    def delta_weight(self) -> torch.Tensor:
        """The update as one (out, in) matrix, ``scale · B A``: rank at most r."""
        return self.scale * self.B @ self.A


def add_lora(model: nn.Module, r: int = 8, alpha: float = 16.0, targets=("c_attn", "c_fc")) -> nn.Module:
    """Freeze ``model`` and wrap, in every block, the layers named in ``targets`` (GPT-2's ``attn.c_attn``,
    the fused query/key/value projection, and ``mlp.c_fc``) with ``LoRALinear``. Returns the model."""
    model.requires_grad_(False)
    wrapped = 0
    for block in model.transformer.h:
        for parent in (block.attn, block.mlp):
            for name in targets:
                if hasattr(parent, name):
                    setattr(parent, name, LoRALinear(getattr(parent, name), r, alpha))
                    wrapped += 1
    if not wrapped:
        raise ValueError(f"add_lora found no layer named {targets} in the blocks' attn or mlp")
    return model


# ---------------------------------------------------------------------------------------------------
# Instruction format (supervised fine-tuning)

def instruction_prompt(instruction: str, text: str = "") -> str:
    """An instruction in a fixed template (Alpaca's headings); the response follows the last line."""
    body = f"### Instruction:\n{instruction}\n\n"
    if text:
        body += f"### Input:\n{text}\n\n"
    return body + "### Response:\n"


def mask_prompts(batch: dict[str, torch.Tensor], prompt_lengths) -> dict[str, torch.Tensor]:
    """``batch`` (from ``collate``) with ``labels`` -100 on the first ``prompt_lengths[i]`` tokens of row i:
    the loss then counts only the responses. The attention mask is left alone: the model reads the prompt."""
    labels = batch["labels"].clone()
    if len(prompt_lengths) != labels.shape[0]:
        raise ValueError(f"got {len(prompt_lengths)} prompt lengths for a batch of {labels.shape[0]} rows")
    for i, n in enumerate(prompt_lengths):
        if not 0 <= n < int(batch["attention_mask"][i].sum()):
            raise ValueError(f"row {i}: a prompt of {n} tokens leaves no response to learn")
        labels[i, :n] = IGNORE_INDEX
    return {**batch, "labels": labels}
