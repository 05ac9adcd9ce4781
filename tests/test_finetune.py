"""course.finetune and the shipped pretrained model: collation against an independent padding,
padding never changes the loss, manual greedy = generate, manual loss = labels= loss, the shipped
checkpoint loads with the Auto classes and its tokenizer gives our BPE's ids on the whole corpus."""
import json
import math
import shutil

import pytest
import regex
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence

from course import finetune
from course.checks.finetune import reference_greedy_decode, reference_lm_loss, tiny_gpt2
from course.data import load_corpus
from course.gpt import GPT
from course.tokenization import BPETokenizer, END_OF_TEXT

torch.set_num_threads(1)
MODEL_DIR = finetune.SHIPPED_MODEL_DIR


def random_docs(seed, n=5, vocab=40, longest=12):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, longest + 1, (n,), generator=g).tolist()
    return [torch.randint(vocab - 1, (L,), generator=g).tolist() + [vocab - 1] for L in lengths]


# --- collate ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_collate_matches_pad_sequence(seed):
    docs = random_docs(seed)
    pad = 39  # the end-of-text id, which also ends every document
    batch = finetune.collate(docs, pad)
    tensors = [torch.tensor(d) for d in docs]
    expected_ids = pad_sequence(tensors, batch_first=True, padding_value=pad)
    expected_labels = pad_sequence(tensors, batch_first=True, padding_value=-100)
    expected_mask = pad_sequence([torch.ones(len(d), dtype=torch.long) for d in docs], batch_first=True)
    assert sorted(batch) == ["attention_mask", "input_ids", "labels"]
    for key, expected in [("input_ids", expected_ids), ("labels", expected_labels),
                          ("attention_mask", expected_mask)]:
        assert batch[key].dtype == torch.long
        assert torch.equal(batch[key], expected), key
    # every document's end-of-text is a real, learned token although it equals the pad id
    assert all(batch["labels"][i, len(d) - 1] == pad for i, d in enumerate(docs))


def test_collate_max_length_and_errors():
    batch = finetune.collate([[1, 2, 3, 4], [5]], pad_id=0, max_length=2)
    assert batch["input_ids"].tolist() == [[1, 2], [5, 0]]
    assert batch["labels"].tolist() == [[1, 2], [5, -100]]
    with pytest.raises(ValueError, match="non-empty list"):
        finetune.collate([], 0)
    with pytest.raises(ValueError, match="has no tokens"):
        finetune.collate([[1], []], 0)


# --- the loss: padding never counts; by hand = labels= ----------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_padding_never_changes_a_documents_loss(seed):
    model = tiny_gpt2(seed)
    docs = random_docs(seed + 10)
    batch = finetune.collate(docs, pad_id=39)
    out = model(**batch)
    per_doc, counts = [], []
    for d in docs:
        alone = model(input_ids=torch.tensor([d]), labels=torch.tensor([d]))
        per_doc.append(alone.loss)
        counts.append(len(d) - 1)
        # the same document padded by 7 more positions: same loss
        padded = finetune.collate([d], 39)
        longer = {k: F.pad(v, (0, 7), value=(39 if k == "input_ids" else -100 if k == "labels" else 0))
                  for k, v in padded.items()}
        torch.testing.assert_close(model(**longer).loss, alone.loss)
    # the batch loss is the token-weighted mean of the documents' losses
    weights = torch.tensor(counts, dtype=torch.float32)  # targets per document: every token but the first
    expected = (torch.stack(per_doc) * weights).sum() / weights.sum()
    torch.testing.assert_close(out.loss, expected)
    torch.testing.assert_close(finetune.document_loss(model, docs, 39, batch_size=2), expected.item(),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("seed", range(4))
def test_manual_loss_equals_hf_labels_loss(seed):
    model = tiny_gpt2(seed)
    batch = finetune.collate(random_docs(seed + 20), 39)
    out = model(**batch)
    torch.testing.assert_close(reference_lm_loss(out.logits, batch["labels"]), out.loss)
    # and an independent formula: log-softmax, gather, masked mean
    logp = out.logits[:, :-1].log_softmax(-1)
    target = batch["labels"][:, 1:]
    keep = target != -100
    nll = -logp.gather(-1, target.clamp(min=0)[..., None])[..., 0]
    torch.testing.assert_close(nll[keep].mean(), out.loss)


@pytest.mark.parametrize("seed", range(5))
def test_manual_greedy_equals_generate(seed):
    model = tiny_gpt2(seed)
    g = torch.Generator().manual_seed(seed)
    prompt = torch.randint(40, (2, 3), generator=g)
    ours = reference_greedy_decode(model, prompt, 12)
    theirs = model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=12,
                            do_sample=False, pad_token_id=0)
    assert torch.equal(ours, theirs)


# --- documents --------------------------------------------------------------------------------------

def test_sonnets_split_into_154_documents():
    poems = finetune.split_sonnets(load_corpus("sonnets"))
    assert len(poems) == 154
    assert poems[17].startswith("Shall I compare thee to a summer's day?")
    assert all(12 <= p.count("\n") <= 15 for p in poems)
    docs = finetune.make_documents(poems)
    assert all(d.startswith(finetune.SONNET_PREFIX) and d.endswith(END_OF_TEXT) for d in docs)
    with pytest.raises(ValueError, match="no sonnets"):
        finetune.split_sonnets("just some text")
    with pytest.raises(TypeError, match="list of texts"):
        finetune.make_documents("one poem")


def test_document_batches_train_with_course_train():
    from course.train import TrainConfig, train
    model = tiny_gpt2(0)
    docs = random_docs(1, n=8)
    batches = finetune.DocumentBatches(docs, batch_size=4, pad_id=39, seed=0)
    x, y = batches.sample()
    assert x.shape == y.shape and (y == -100).any()
    before = finetune.document_loss(model, docs, 39)
    history = train(finetune.CausalLM(model), lambda split: batches.sample(),
                    TrainConfig(max_iters=30, learning_rate=3e-3, warmup_iters=2, eval_interval=30,
                                eval_iters=2, progress=False))
    assert len(history.loss) == 30
    assert finetune.document_loss(model, docs, 39) < before


# --- loading ----------------------------------------------------------------------------------------

def test_shipped_checkpoint_loads_with_auto_classes():
    from transformers import AutoModelForCausalLM, AutoTokenizer
    files = {p.name for p in MODEL_DIR.iterdir()}
    assert {"config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json"} <= files
    assert (MODEL_DIR / "model.safetensors").stat().st_size <= 10_000_000
    model = AutoModelForCausalLM.from_pretrained(MODEL_DIR, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    assert tokenizer.eos_token == END_OF_TEXT
    assert model.config.eos_token_id == tokenizer.eos_token_id == len(tokenizer) - 1
    # the same weights in the course's GPT give the same logits
    ids = torch.tensor([tokenizer("To be, or not to be: that is the question.")["input_ids"]])
    ours, _ = GPT.from_hf(model)(ids)
    torch.testing.assert_close(ours, model(ids).logits, rtol=1e-4, atol=1e-4)
    # and it has learned Shakespeare: the held-out loss recorded at pretraining is far below chance
    report = json.loads((MODEL_DIR / "pretraining.json").read_text())
    assert report["val_loss"] < math.log(model.config.vocab_size) - 2
    assert model.config.n_positions >= max(len(tokenizer(d)["input_ids"]) for d in
                                           finetune.make_documents(finetune.split_sonnets(load_corpus("sonnets"))))


def test_shipped_tokenizer_matches_ours_on_the_whole_corpus():
    from transformers import AutoTokenizer
    from transformers.utils import logging
    logging.set_verbosity_error()  # "longer than model_max_length": we only tokenize here
    text = load_corpus("shakespeare")
    ours = BPETokenizer.load(MODEL_DIR).encode(text)
    # Hugging Face in chunks (in parallel) cut where GPT-2's pre-tokenizer cuts anyway: after a single
    # newline that follows a non-space, before a letter. Compared with our encoding of the whole text.
    cuts = [m.start() for m in regex.finditer(r"(?<=\S\n)(?=\p{L})", text)][::200]
    chunks = [text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)])]
    hf = AutoTokenizer.from_pretrained(MODEL_DIR)
    theirs = [i for ids in hf(chunks)["input_ids"] for i in ids]
    assert len(theirs) == len(ours) and theirs == ours
    doc = finetune.make_documents(["Shall I compare thee"])[0]
    assert hf(doc)["input_ids"] == BPETokenizer.load(MODEL_DIR).encode(doc)


def test_load_pretrained_and_clear_errors(tmp_path):
    model, tokenizer = finetune.load_pretrained(MODEL_DIR)
    assert not model.training and next(model.parameters()).dtype == torch.float32
    assert tokenizer.decode(tokenizer("Romeo")["input_ids"]) == "Romeo"
    with pytest.raises(FileNotFoundError, match="no model folder"):
        finetune.load_pretrained(tmp_path / "nowhere")
    for missing, message in [("config.json", "config.json"), ("model.safetensors", "model.safetensors"),
                             ("vocab.json", "tokenizer"), ("merges.txt", "merges.txt")]:
        folder = tmp_path / missing
        shutil.copytree(MODEL_DIR, folder)
        (folder / missing).unlink()
        with pytest.raises(FileNotFoundError, match=message):
            finetune.load_pretrained(folder)


# --- a model given by name: a str, as a hub name would be (never the network here) ------------------

def test_a_local_folder_given_as_a_string_loads_like_a_path():
    name = str(MODEL_DIR)
    assert finetune.model_folder(name) == finetune.model_folder(MODEL_DIR) == MODEL_DIR
    assert finetune.pretraining_report(name) == json.loads((MODEL_DIR / "pretraining.json").read_text())
    model, tokenizer = finetune.load_pretrained(name)
    reference, _ = finetune.load_pretrained(MODEL_DIR)
    ids = torch.tensor([tokenizer("Romeo")["input_ids"]])
    with torch.no_grad():
        torch.testing.assert_close(model(ids).logits, reference(ids).logits)
    assert finetune.pretraining_report("gpt2") is None  # a hub name: no file to read, and no download


def test_the_model_folder_of_a_hub_name_is_hugging_faces_cache(tmp_path, monkeypatch):
    # offline: a cache laid out as huggingface_hub writes it, found through HF_HUB_CACHE with HF_HUB_OFFLINE
    import importlib

    import huggingface_hub.constants
    snapshot = tmp_path / "models--someone--tiny-gpt" / "snapshots" / ("0" * 40)
    shutil.copytree(MODEL_DIR, snapshot)
    (tmp_path / "models--someone--tiny-gpt" / "refs").mkdir()
    (tmp_path / "models--someone--tiny-gpt" / "refs" / "main").write_text("0" * 40)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    importlib.reload(huggingface_hub.constants)
    try:
        import transformers.utils.hub as hub
        monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path), raising=False)
        monkeypatch.setattr(hub, "TRANSFORMERS_CACHE", str(tmp_path), raising=False)
        assert finetune.model_folder("someone/tiny-gpt") == snapshot
    finally:
        monkeypatch.undo()
        importlib.reload(huggingface_hub.constants)


def _lesson_cells():
    import jupytext
    from autograder.notebooks import ROOT
    nb = jupytext.read(ROOT / "notebooks" / "06_finetuning.py")
    return [c for c in nb.cells if c.cell_type == "code"], [c for c in nb.cells if c.cell_type == "markdown"]


def test_the_lessons_cells_that_use_MODEL_run_with_a_name_string(capsys):
    code, _ = _lesson_cells()
    first = code[0].source
    assert "MODEL = ref_ft.SHIPPED_MODEL_DIR" in first
    using = [c.source for c in code[1:] if "MODEL" in c.source]
    assert len(using) >= 2, "the lesson loads the model by MODEL in at least two cells"
    namespace = {}
    exec(first.replace("MODEL = ref_ft.SHIPPED_MODEL_DIR", f"MODEL = {str(MODEL_DIR)!r}"), namespace)
    assert type(namespace["MODEL"]) is str
    exec(using[0], namespace)  # the loading cell: Auto classes, the folder's files, pretraining.json
    out = capsys.readouterr().out
    assert "GPT2LMHeadModel" in out and "model.safetensors" in out and "held-out loss on the plays" in out
    assert namespace["pretraining"]["val_loss"] == json.loads((MODEL_DIR / "pretraining.json").read_text())["val_loss"]


def test_the_gpt2_recipe_runs_on_a_local_folder_name(capsys):
    """Section 9's GPT-2 recipe (markdown, not executed by the lesson), with the shipped folder as its
    name and two steps: every call in it exists and fits together."""
    import re
    from course.train import TrainConfig, train
    _, markdown = _lesson_cells()
    recipes = [m.group(1) for c in markdown for m in re.finditer(r"```python\n(.*?)```", c.source, re.S)
               if 'load_pretrained("gpt2")' in m.group(1)]
    assert len(recipes) == 1
    code = recipes[0].replace('"gpt2"', repr(str(MODEL_DIR)))
    code, n = re.subn(r"max_iters=\d+", "max_iters=2", code)
    assert n == 1
    code = re.sub(r"eval_interval=\d+", "eval_interval=2", code)
    documents = finetune.make_documents(finetune.split_sonnets(load_corpus("sonnets")))
    namespace = {"ref_ft": finetune, "documents": documents, "train": train, "TrainConfig": TrainConfig}
    exec(code, namespace)
    out = capsys.readouterr().out
    before, after = [float(x) for x in re.findall(r"held-out loss (?:before|after): ([0-9.]+)", out)]
    assert math.isfinite(before) and math.isfinite(after) and "SONNET" in out


# --- CausalLM: the prompt of an instruction is read, not learned ------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_causal_lm_attends_to_a_masked_prompt_and_ignores_padding(seed):
    model = tiny_gpt2(seed)
    docs = random_docs(seed + 30, n=3)
    prompts = [max(0, len(d) - 3) for d in docs]  # all but the last 3 tokens are the prompt
    batch = finetune.mask_prompts(finetune.collate(docs, 39), prompts)
    logits, loss = finetune.CausalLM(model)(batch["input_ids"], batch["labels"])
    # independently: each document alone, no padding, full attention, loss on its last 3 targets only
    nll, count = 0.0, 0
    for row, (d, n) in enumerate(zip(docs, prompts)):
        out = model(input_ids=torch.tensor([d]))
        logp = out.logits[0, :-1].log_softmax(-1)
        targets = torch.tensor(d[1:])
        for t in range(max(n, 1) - 1, len(d) - 1):  # predictions of tokens n.. (token 0 is never a target)
            nll -= logp[t, targets[t]]
            count += 1
        torch.testing.assert_close(logits[row, :len(d)], out.logits[0], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(loss, nll / count, rtol=1e-5, atol=1e-5)


def test_mask_prompts_labels_and_errors():
    batch = finetune.collate([[1, 2, 3, 4], [5, 6, 7]], pad_id=0)
    masked = finetune.mask_prompts(batch, [2, 1])
    assert masked["labels"].tolist() == [[-100, -100, 3, 4], [-100, 6, 7, -100]]
    assert torch.equal(masked["attention_mask"], batch["attention_mask"])
    assert batch["labels"].tolist() == [[1, 2, 3, 4], [5, 6, 7, -100]]  # the input is not changed
    with pytest.raises(ValueError, match="no response"):
        finetune.mask_prompts(batch, [4, 1])
    with pytest.raises(ValueError, match="prompt lengths for a batch of 2 rows"):
        finetune.mask_prompts(batch, [1])
    prompt = finetune.instruction_prompt("Do this.", "with that")
    assert prompt == "### Instruction:\nDo this.\n\n### Input:\nwith that\n\n### Response:\n"
    assert finetune.instruction_prompt("Do this.") == "### Instruction:\nDo this.\n\n### Response:\n"


# --- early stopping ---------------------------------------------------------------------------------

class _History:
    def __init__(self):
        self.val_loss = []


def test_early_stopping_stops_after_patience_and_keeps_the_best_weights():
    model = torch.nn.Linear(2, 1)
    stopper = finetune.EarlyStopping(patience=2, min_delta=0.01)
    history = _History()
    weights = {}
    for it, loss in zip(range(0, 80, 10), [4.6, 4.3, 4.29, 4.295, 4.28, 4.27, 4.0, 3.9]):
        with torch.no_grad():
            model.weight.fill_(it)
        weights[it] = model.weight.clone()
        history.val_loss.append(loss)
        stopper(it, model, history)
    # 4.29 improves 4.3 by less than 0.01 (1), 4.295 not at all (2): stop at step 30, keeping step 20's
    # weights (the lowest loss so far); the later improvement comes too late to count
    assert stopper.stop_iter == 30 and stopper.best_iter == 20 and stopper.best_loss == 4.29
    stopper.restore()  # into the model it watched
    assert torch.equal(model.weight, weights[20])
    other = torch.nn.Linear(2, 1)
    assert stopper.restore(other) is other and torch.equal(other.weight, weights[20])
    with pytest.raises(RuntimeError, match="no evaluation"):
        finetune.EarlyStopping().restore(model)
    with pytest.raises(ValueError, match="patience"):
        finetune.EarlyStopping(patience=0)


def test_early_stopping_as_a_train_callback():
    from course.train import TrainConfig, train
    model = tiny_gpt2(0)
    docs = random_docs(2, n=8)
    batches = finetune.DocumentBatches(docs, batch_size=4, pad_id=39, seed=0)
    everything = finetune.collate(docs, 39)  # "val": all documents at once, the exact loss
    get_batch = lambda split: batches.sample() if split == "train" else (everything["input_ids"], everything["labels"])  # noqa: E731
    stopper = finetune.EarlyStopping(patience=100)
    history = train(finetune.CausalLM(model), get_batch,
                    TrainConfig(max_iters=6, learning_rate=3e-2, warmup_iters=1, eval_interval=2,
                                eval_iters=1, progress=False), callback=stopper)
    best = min(range(len(history.iters)), key=lambda i: history.val_loss[i])
    assert stopper.best_iter == history.iters[best] and stopper.stop_iter is None
    assert finetune.document_loss(model, docs, 39) != pytest.approx(history.val_loss[best], abs=1e-6) \
        or history.iters[best] == 6
    stopper.restore()  # through the CausalLM wrapper, into the Hugging Face model
    assert finetune.document_loss(model, docs, 39) == pytest.approx(history.val_loss[best], abs=1e-5)


# --- parameter-efficient fine-tuning -----------------------------------------------------------------

def test_freeze_all_but_last_block_trains_only_the_last_block():
    model = tiny_gpt2(0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    finetune.freeze_all_but_last_block(model)
    expected = sum(p.numel() for p in model.transformer.h[-1].parameters()) + \
        sum(p.numel() for p in model.transformer.ln_f.parameters())
    assert finetune.trainable_parameters(model) == expected
    batch = finetune.collate(random_docs(3), 39)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    model(**batch).loss.backward()
    optimizer.step()
    last = f"transformer.h.{len(model.transformer.h) - 1}."
    for key, value in model.state_dict().items():
        changed = not torch.equal(value, before[key])
        assert changed == (key.startswith((last, "transformer.ln_f.")) and ".attn.bias" not in key
                           and ".attn.masked_bias" not in key), key


@pytest.mark.parametrize("kind", ["linear", "conv1d"])
def test_lora_equals_the_explicit_low_rank_update(kind):
    from transformers.pytorch_utils import Conv1D
    torch.manual_seed(0)
    if kind == "linear":
        base = torch.nn.Linear(6, 5)
        W, b = base.weight.detach(), base.bias.detach()                 # (out, in)
    else:
        base = Conv1D(5, 6)  # nf=out, nx=in; weight (in, out)
        torch.nn.init.normal_(base.weight)
        torch.nn.init.normal_(base.bias)
        W, b = base.weight.detach().T, base.bias.detach()
    lora = finetune.LoRALinear(base, r=2, alpha=3.0)
    x = torch.randn(4, 3, 6)
    torch.testing.assert_close(lora(x), x @ W.T + b)  # B = 0: it starts as the base layer
    with torch.no_grad():
        lora.B.normal_()
    A, B = lora.A.detach(), lora.B.detach()
    expected = x @ (W + (3.0 / 2) * B @ A).T + b  # the merged weight: W + alpha/r · B A
    torch.testing.assert_close(lora(x), expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(lora.delta_weight(), 1.5 * B @ A)
    assert torch.linalg.matrix_rank(lora.delta_weight()) <= 2
    assert [name for name, p in lora.named_parameters() if p.requires_grad] == ["A", "B"]
    with pytest.raises(TypeError, match="nn.Linear or a GPT-2 Conv1D"):
        finetune.LoRALinear(torch.nn.Embedding(3, 4))
    with pytest.raises(ValueError, match="rank"):
        finetune.LoRALinear(torch.nn.Linear(2, 2), r=0)


def test_add_lora_starts_as_the_model_and_trains_only_the_adapters():
    model = tiny_gpt2(1)
    ids = torch.tensor(random_docs(4)[0])[None]
    with torch.no_grad():
        reference = model(ids).logits
    finetune.add_lora(model, r=4)
    with torch.no_grad():
        torch.testing.assert_close(model(ids).logits, reference)
    c = model.config
    per_block = 4 * (c.n_embd + 3 * c.n_embd) + 4 * (c.n_embd + 4 * c.n_embd)  # c_attn and c_fc adapters
    assert finetune.trainable_parameters(model) == c.n_layer * per_block
    with pytest.raises(ValueError, match="no layer named"):
        finetune.add_lora(tiny_gpt2(1), targets=("q_proj",))
