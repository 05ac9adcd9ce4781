"""Train lesson 04's CharLSTM on the shipped Shakespeare corpus for a fixed time budget, then measure it.

Prints training throughput (tokens/s), the validation loss reached, generation speed (characters/s),
and the time per generated character for 100 to 2000 characters: flat, because after the prompt each
character costs one LSTM step with the carried state (the "re-run prefix" column, for comparison,
feeds the whole text again for every new character and grows with the length).

    python benchmarks/bench_lstm.py                 # lesson defaults, 60 s of training
    python benchmarks/bench_lstm.py --seconds 120 --hidden-size 512 --lr 2e-3

The defaults are course.lstm.LESSON_CONFIG / LESSON_BATCH / LESSON_TRAIN; the schedule is fitted to
the budget (max_iters from a short timing run, and training stops at the budget in any case).
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import torch

from course.data import RandomWindows, load_corpus, train_val_split
from course.lstm import LESSON_BATCH, LESSON_CONFIG, LESSON_TRAIN, CharLSTM, CharLSTMConfig, generate_text
from course.tokenization import CharTokenizer
from course.train import estimate_loss, train


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=60.0, help="training budget in seconds (default 60)")
    p.add_argument("--n-embd", type=int, default=LESSON_CONFIG["n_embd"])
    p.add_argument("--hidden-size", type=int, default=LESSON_CONFIG["hidden_size"])
    p.add_argument("--n-layers", type=int, default=LESSON_CONFIG["n_layers"])
    p.add_argument("--dropout", type=float, default=LESSON_CONFIG["dropout"])
    p.add_argument("--block-size", type=int, default=LESSON_BATCH["block_size"])
    p.add_argument("--batch-size", type=int, default=LESSON_BATCH["batch_size"])
    p.add_argument("--lr", type=float, default=LESSON_TRAIN.learning_rate)
    p.add_argument("--weight-decay", type=float, default=LESSON_TRAIN.weight_decay)
    p.add_argument("--max-iters", type=int, default=None,
                   help="iterations for the schedule (default: as many as fit in --seconds)")
    p.add_argument("--val-batches", type=int, default=100, help="batches in the final validation estimate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: PyTorch's choice)")
    return p.parse_args()


def time_generation(model, n: int, prompt: torch.Tensor, rerun: bool, repeats: int = 3) -> float:
    """Seconds per generated character (median of ``repeats``), greedy."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        if rerun:  # the slow way: feed the whole text again for each new character
            with torch.no_grad():
                idx = prompt
                for _ in range(n):
                    logits, _ = model(idx)
                    idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
        else:
            model.generate(prompt, n, greedy=True)
        times.append((time.perf_counter() - start) / n)
    return statistics.median(times)


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    text = load_corpus("shakespeare")
    tok = CharTokenizer.from_text(text)
    data = torch.tensor(tok.encode(text), dtype=torch.long)
    train_ids, val_ids = train_val_split(data, 0.9)
    batches = {"train": RandomWindows(train_ids, args.block_size, args.batch_size, seed=args.seed),
               "val": RandomWindows(val_ids, args.block_size, args.batch_size, seed=args.seed + 1)}

    def get_batch(split):
        return batches[split].sample()

    config = CharLSTMConfig(vocab_size=tok.vocab_size, n_embd=args.n_embd, hidden_size=args.hidden_size,
                            n_layers=args.n_layers, dropout=args.dropout)
    model = CharLSTM(config)
    print(f"corpus: {len(data):,} characters, vocabulary {tok.vocab_size}; model: {model.num_params():,} "
          f"parameters {config}; batch {args.batch_size} x {args.block_size}; torch threads "
          f"{torch.get_num_threads()}")

    max_iters = args.max_iters
    if max_iters is None:  # fit the schedule to the budget: time a few steps on a throwaway copy
        probe = dataclasses.replace(LESSON_TRAIN, max_iters=30, warmup_iters=0, eval_interval=10,
                                    eval_iters=1, progress=False, learning_rate=args.lr)
        history = train(CharLSTM(config), get_batch, probe)
        per_iter = (history.elapsed[-1] - history.elapsed[1]) / 20  # the first 10 iterations warm up
        max_iters = max(20, int(args.seconds / per_iter))
    cfg = dataclasses.replace(LESSON_TRAIN, max_iters=max_iters, learning_rate=args.lr,
                              weight_decay=args.weight_decay, warmup_iters=min(LESSON_TRAIN.warmup_iters, max_iters // 10),
                              lr_decay_iters=None, eval_interval=max(1, max_iters // 4), eval_iters=10,
                              max_seconds=args.seconds, seed=args.seed, progress=False)
    history = train(model, get_batch, cfg)
    iters = len(history.loss)
    train_seconds = history.elapsed[-1]
    val = estimate_loss(model, get_batch, args.val_batches, splits=("val",))["val"]

    model.eval()
    prompt = torch.tensor([tok.encode("ROMEO:\n")], dtype=torch.long)
    gen = {n: (time_generation(model, n, prompt, rerun=False),
               time_generation(model, n, prompt, rerun=True, repeats=1) if n <= 500 else None)
           for n in (100, 500, 1000, 2000)}

    print()
    print(f"| measure                          | value        |")
    print(f"|----------------------------------|--------------|")
    print(f"| training iterations              | {iters:>12,} |")
    print(f"| training time (s, without evals) | {train_seconds:>12.1f} |")
    print(f"| training tokens/s                | {iters * args.batch_size * args.block_size / train_seconds:>12,.0f} |")
    print(f"| train loss (last estimate)       | {history.train_loss[-1]:>12.3f} |")
    print(f"| validation loss ({args.val_batches:>3} batches)    | {val:>12.3f} |")
    print(f"| generation characters/s (2000)   | {1 / gen[2000][0]:>12,.0f} |")
    print()
    print("| characters | ms/char, carried state | ms/char, re-run prefix |")
    print("|-----------:|-----------------------:|-----------------------:|")
    for n, (fast, slow) in gen.items():
        slow_text = f"{slow * 1e3:.3f}" if slow is not None else "(skipped)"
        print(f"| {n:>10} | {fast * 1e3:>22.3f} | {slow_text:>22} |")
    print()
    print("Validation loss at each evaluation:",
          ", ".join(f"{it}: {v:.3f}" for it, v in zip(history.iters, history.val_loss)))
    sample = generate_text(model, tok, "ROMEO:\n", 400, temperature=0.8,
                           generator=torch.Generator().manual_seed(args.seed))
    print("\nSample (temperature 0.8):\n" + sample)


if __name__ == "__main__":
    main()
