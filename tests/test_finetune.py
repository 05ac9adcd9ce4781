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
