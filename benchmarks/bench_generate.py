"""Tokens per second of ``GPT.generate`` with and without the KV cache.

Model: a character-level GPT of the size the lessons train (vocab 65, 4 layers, 4 heads, 128
dimensions, block_size 512), randomly initialised (speed does not depend on the weights). The prompt
is one token; sampling is greedy. Each number is the median of 3 runs after one warm-up.

    python benchmarks/bench_generate.py [--threads 1] [--device cpu] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from course.gpt import GPT, GPTConfig


def tokens_per_second(model, prompt, n_new, use_cache, repeats):
    model.generate(prompt, min(n_new, 20), greedy=True, use_cache=use_cache)  # warm-up
    times = []
    for _ in range(repeats):
        if prompt.device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        model.generate(prompt, n_new, greedy=True, use_cache=use_cache)
        if prompt.device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return n_new / statistics.median(times)


def print_generation_table(model, prompt, new_tokens, repeats):
    """A markdown table: tokens/s without and with the KV cache, and the speed-up, per length."""
    print("| new tokens | no cache tokens/s | KV cache tokens/s | speed-up |")
    print("|-----------:|------------------:|------------------:|---------:|")
    for n in new_tokens:
        slow = tokens_per_second(model, prompt, n, use_cache=False, repeats=repeats)
        fast = tokens_per_second(model, prompt, n, use_cache=True, repeats=repeats)
        print(f"| {n:>10} | {slow:>17,.0f} | {fast:>17,.0f} | {fast / slow:>7.1f}x |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--new-tokens", type=int, nargs="+", default=[100, 500])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=65, block_size=512, n_layer=4, n_head=4, n_embd=128)
    model = GPT(config).to(args.device).eval()
    prompt = torch.zeros(1, 1, dtype=torch.long, device=args.device)
    print(f"GPT {config.n_layer} layers, {config.n_head} heads, {config.n_embd} dims, block_size "
          f"{config.block_size}, vocab {config.vocab_size} ({model.num_params() / 1e6:.2f}M parameters); "
          f"device {args.device}, {torch.get_num_threads()} thread(s), median of {args.repeats}")
    print_generation_table(model, prompt, args.new_tokens, args.repeats)


if __name__ == "__main__":
    main()
