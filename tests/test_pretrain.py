"""tools/pretrain.py end to end in a tiny configuration: it writes a Hugging Face folder that the Auto
classes load offline, whose tokenizer is our BPE and whose weights give the held-out loss it reported."""
import importlib.util
import json
import math
from pathlib import Path

import pytest
import torch

from course.data import load_corpus, train_val_split
from course.tokenization import BPETokenizer

torch.set_num_threads(1)
SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "pretrain.py"


def load_script():
    spec = importlib.util.spec_from_file_location("pretrain", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pretrain_tiny_end_to_end(tmp_path, capsys):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    pretrain = load_script()
    out = tmp_path / "model"
    report = pretrain.main(["--out", str(out), "--tiny", "--float32"])
    assert "held-out loss" in capsys.readouterr().out
    saved = json.loads((out / "pretraining.json").read_text())
    assert saved["val_loss"] == report["val_loss"] and math.isfinite(saved["val_loss"])

    model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).eval()
    hf_tok = AutoTokenizer.from_pretrained(out)
    ours = BPETokenizer.load(out)
    assert ours.vocab_size == report["vocab_size"] == model.config.vocab_size == len(hf_tok)
    text = load_corpus("shakespeare")[: pretrain.TINY["text_chars"]]
    sample = text[:5000]
    assert hf_tok(sample)["input_ids"] == ours.encode(sample)
    # recompute the held-out loss with the saved Hugging Face model: the same number
    ids = torch.tensor(ours.encode(text))
    _, val_ids = train_val_split(ids, 0.9)
    T = pretrain.TINY["block_size"]
    n = (len(val_ids) - 1) // T
    x, y = val_ids[: n * T].view(n, T), val_ids[1: n * T + 1].view(n, T)
    with torch.no_grad():
        logits = model(x).logits
    loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten()).item()
    assert abs(loss - report["val_loss"]) < 1e-3


def test_pretrain_rejects_bad_arguments(capsys):
    pretrain = load_script()
    with pytest.raises(SystemExit):
        pretrain.parse_args(["--out", "x", "--vocab-size", "100"])
    assert "--vocab-size must be at least 257" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        pretrain.parse_args(["--out", "x", "--n-embd", "30", "--n-head", "4"])
    assert "multiple of --n-head" in capsys.readouterr().err
