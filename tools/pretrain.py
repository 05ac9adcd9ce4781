"""Pretrain the course's small GPT on Shakespeare's plays (and Paradise Lost) and save it in Hugging Face's format.

This script makes ``course/models/shakespeare-gpt/`` (lesson 06's "pretrained model"):

1. train the course's byte-level BPE (lesson 01) on the plays (``--bpe-chars`` first characters);
2. train a ``course.gpt.GPT`` (lesson 05) on 90 % of the tokenized plays, and the ``--also`` corpora
   (by default Milton's *Paradise Lost*; never the Sonnets, which lesson 06 fine-tunes on), with
   ``course.train``;
3. measure the loss on the held-out 10 % (every token, in non-overlapping windows);
4. export it with ``GPT.to_hf()`` and write ``config.json``, ``model.safetensors`` (half precision
   by default) and the tokenizer files (``vocab.json``, ``merges.txt``, ``tokenizer_config.json``),
   so that ``AutoModelForCausalLM.from_pretrained(out)`` and ``AutoTokenizer.from_pretrained(out)``
   load it with no network.

Everything is seeded; the same command on the same torch version and CPU gives the same model. The
shipped model was made with the defaults, on one thread (see ``course/models/shakespeare-gpt/README.md``
and its ``pretraining.json`` for the time it took and the loss it reached; the defaults train in
bfloat16, fast on a CPU with native bfloat16 and slow on one without: pass ``--precision float32``)::

    python tools/pretrain.py --out course/models/shakespeare-gpt --threads 1

A quick try (seconds): ``python tools/pretrain.py --out /tmp/tiny --tiny``.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch

from course.data import load_corpus, train_val_split, RandomWindows
from course.gpt import GPT, GPTConfig
from course.tokenization import BPETokenizer, END_OF_TEXT
from course.train import TrainConfig, train

TINY = dict(vocab_size=300, n_layer=1, n_head=2, n_embd=16, block_size=32, batch_size=4, iters=5,
            bpe_chars=20_000, text_chars=60_000, eval_interval=5, also=[], dropout=0.0, precision="float32")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", required=True, help="folder to write the Hugging Face model into")
    p.add_argument("--vocab-size", type=int, default=2048, help="BPE vocabulary (256 bytes + merges + end-of-text)")
    p.add_argument("--bpe-chars", type=int, default=2_000_000, help="train the BPE on this many first characters")
    p.add_argument("--text-chars", type=int, default=None, help="use only this many first characters of the plays")
    p.add_argument("--n-layer", type=int, default=6)
    p.add_argument("--n-head", type=int, default=6)
    p.add_argument("--n-embd", type=int, default=192)
    p.add_argument("--block-size", type=int, default=256, help="context length (a whole sonnet fits in 256)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--iters", type=int, default=4500)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--dropout", type=float, default=0.1, help="dropout in the model while it trains")
    p.add_argument("--precision", default="bfloat16", choices=("float32", "bfloat16"),
                   help="training precision (course.train: bfloat16 autocasts the forward pass)")
    p.add_argument("--also", nargs="*", default=["milton"], metavar="CORPUS",
                   help="more shipped corpora to train on (course.data.load_corpus names, e.g. milton); "
                        "the held-out tokens stay the plays' last 10 %%")
    p.add_argument("--eval-interval", type=int, default=250)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    p.add_argument("--float32", action="store_true", help="save float32 weights (default: float16, half the size)")
    p.add_argument("--tiny", action="store_true", help="a seconds-long run with a tiny model (for tests)")
    args = p.parse_args(argv)
    if args.tiny:
        for key, value in TINY.items():
            setattr(args, key, value)
    if args.vocab_size < 257:
        p.error(f"--vocab-size must be at least 257 (256 bytes + {END_OF_TEXT}), got {args.vocab_size}")
    if args.n_embd % args.n_head:
        p.error(f"--n-embd ({args.n_embd}) must be a multiple of --n-head ({args.n_head})")
    return args


@torch.no_grad()
def heldout_loss(model: GPT, ids: torch.Tensor, block_size: int, batch_size: int = 32) -> float:
    """Mean next-token cross-entropy over every token of ``ids``, in non-overlapping windows."""
    model.eval()
    n = (len(ids) - 1) // block_size
    x = ids[: n * block_size].view(n, block_size)            # (n, T)
    y = ids[1: n * block_size + 1].view(n, block_size)       # (n, T), shifted by one
    total = 0.0
    for i in range(0, n, batch_size):
        _, loss = model(x[i:i + batch_size], y[i:i + batch_size])
        total += loss.item() * len(x[i:i + batch_size])
    return total / n


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out = Path(args.out)
    start = time.perf_counter()

    text = load_corpus("shakespeare")
    if args.text_chars:
        text = text[: args.text_chars]
    tick = time.perf_counter()
    tokenizer = BPETokenizer.train(text[: args.bpe_chars], args.vocab_size, progress=True)
    ids = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    bpe_seconds = time.perf_counter() - tick
    print(f"BPE: {tokenizer.vocab_size} tokens trained on {min(len(text), args.bpe_chars):,} characters; "
          f"the plays are {len(ids):,} tokens ({len(text) / len(ids):.2f} characters per token); "
          f"{bpe_seconds:.0f} s")

    train_ids, val_ids = train_val_split(ids, 0.9)
    eot_id = torch.tensor([tokenizer.encoder[END_OF_TEXT]])
    for name in args.also:  # appended after the plays' training part, each after an end-of-text token
        extra = torch.tensor(tokenizer.encode(load_corpus(name)), dtype=torch.long)
        print(f"also training on {name}: {len(extra):,} tokens")
        train_ids = torch.cat([train_ids, eot_id, extra])
    batches = {"train": RandomWindows(train_ids, args.block_size, args.batch_size, seed=args.seed),
               "val": RandomWindows(val_ids, args.block_size, args.batch_size, seed=args.seed + 1)}
    config = GPTConfig(vocab_size=tokenizer.vocab_size, n_layer=args.n_layer, n_head=args.n_head,
                       n_embd=args.n_embd, block_size=args.block_size, dropout=args.dropout, bias=True,
                       gelu_approximate="none")
    model = GPT(config)
    print(f"GPT: {model.num_params():,} parameters, {config}")
    cfg = TrainConfig(max_iters=args.iters, learning_rate=args.lr, min_lr=args.lr / 10,
                      warmup_iters=min(100, args.iters // 10), eval_interval=args.eval_interval,
                      eval_iters=10, seed=args.seed, precision=args.precision)
    tick = time.perf_counter()
    history = train(model, lambda split: batches[split].sample(), cfg)
    train_seconds = time.perf_counter() - tick
    val_loss = heldout_loss(model, val_ids, args.block_size)
    # per character, comparable with lessons 04-05: the counted targets' nats over their characters
    counted = ((len(val_ids) - 1) // args.block_size) * args.block_size
    val_chars = len(tokenizer.decode(val_ids[1:counted + 1].tolist()))
    print(f"trained {args.iters} iterations in {train_seconds:.0f} s; held-out loss {val_loss:.4f} "
          f"(perplexity {math.exp(val_loss):.1f}) on {len(val_ids):,} tokens")

    hf = model.to_hf()
    eot = tokenizer.encoder[END_OF_TEXT]
    for cfg_ in (hf.config, hf.generation_config):  # generate() stops at, and pads with, end-of-text
        cfg_.bos_token_id = cfg_.eos_token_id = eot
    hf.generation_config.pad_token_id = eot
    if not args.float32:
        hf = hf.half()
    out.mkdir(parents=True, exist_ok=True)
    hf.save_pretrained(out)
    tokenizer.save(out)
    # the tokenizer's limits and special tokens, so AutoTokenizer knows them
    tokenizer_config = json.loads((out / "tokenizer_config.json").read_text(encoding="utf-8"))
    tokenizer_config.update(model_max_length=args.block_size, bos_token=END_OF_TEXT, eos_token=END_OF_TEXT,
                            unk_token=END_OF_TEXT, add_prefix_space=False)
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2) + "\n", encoding="utf-8")

    total = time.perf_counter() - start
    report = dict(vocab_size=tokenizer.vocab_size, params=model.num_params(), iters=args.iters,
                  block_size=args.block_size, batch_size=args.batch_size, seed=args.seed,
                  n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd, dropout=args.dropout,
                  precision=args.precision, corpora=["shakespeare", *args.also],
                  train_tokens=len(train_ids), val_tokens=len(val_ids),
                  val_loss_per_char=round(val_loss * counted / val_chars, 4),
                  val_loss=round(val_loss, 4), final_train_estimate=round(history.train_loss[-1], 4),
                  bpe_seconds=round(bpe_seconds, 1), train_seconds=round(train_seconds, 1),
                  total_seconds=round(total, 1), torch=torch.__version__, threads=torch.get_num_threads(),
                  command="python tools/pretrain.py " + " ".join(sys.argv[1:] if argv is None else argv))
    (out / "pretraining.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    size = sum(f.stat().st_size for f in out.iterdir())
    print(f"wrote {out} ({size / 1e6:.1f} MB) in {total:.0f} s in all")
    return report


if __name__ == "__main__":
    main()
