"""Tokens per second of ``GPT.generate`` with and without the KV cache.

Model: a character-level GPT of the size the lessons train (vocab 65, 4 layers, 4 heads, 128
dimensions, block_size 512), randomly initialised (speed does not depend on the weights). The prompt
is one token; sampling is greedy. Each number is the median of 3 runs after one warm-up.

    python benchmarks/bench_generate.py [--threads 1] [--device cpu] [--repeats 3]
    python benchmarks/bench_generate.py --vs-hf      # ours against Hugging Face's generate, same weights

``--vs-hf`` times our KV-cache ``generate`` against ``transformers``' ``GPT2LMHeadModel.generate`` on the
same weights (``GPT.to_hf()``, so the model has biases), greedy and sampled (temperature 1, no top-k),
one sequence and a batch of 8, alternating the two (A B A B) so both see the same machine.
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


def hf_tokens_per_second(hf, prompt, n_new, sample, repeats):
    """Hugging Face's generate with its own cache (DynamicCache), the same settings as ours."""
    # No end-of-text token, and a pad id that is not the prompt's token (else HF takes it for padding).
    kwargs = dict(max_new_tokens=n_new, min_new_tokens=n_new, do_sample=sample, eos_token_id=None,
                  pad_token_id=hf.config.vocab_size - 1, attention_mask=torch.ones_like(prompt))
    if sample:
        kwargs.update(temperature=1.0, top_k=0, top_p=1.0)
    with torch.no_grad():
        hf.generate(prompt, **{**kwargs, "max_new_tokens": min(n_new, 20), "min_new_tokens": min(n_new, 20)})
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            out = hf.generate(prompt, **kwargs)
            times.append(time.perf_counter() - start)
    assert out.shape == (prompt.shape[0], prompt.shape[1] + n_new), out.shape
    return prompt.shape[0] * n_new / statistics.median(times)


def ours_tokens_per_second(model, prompt, n_new, sample, repeats):
    kwargs = dict(greedy=not sample, generator=torch.Generator().manual_seed(0))
    model.generate(prompt, min(n_new, 20), **kwargs)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.generate(prompt, n_new, **kwargs)
        times.append(time.perf_counter() - start)
    return prompt.shape[0] * n_new / statistics.median(times)


def print_hf_table(model, new_tokens, repeats):
    """Ours vs Hugging Face: tokens/s (all sequences together) and the ratio, per setting."""
    import transformers
    hf = model.to_hf().eval()
    with torch.no_grad():  # the two are the same model: check before timing them
        x = torch.randint(model.config.vocab_size, (2, 16))
        torch.testing.assert_close(hf(x).logits, model(x)[0], rtol=1e-4, atol=1e-4)
    print(f"ours vs transformers {transformers.__version__} GPT2LMHeadModel.generate, same weights")
    print("| mode    | batch | new tokens | ours tokens/s | HF tokens/s | ours / HF |")
    print("|---------|------:|-----------:|--------------:|------------:|----------:|")
    for sample in (False, True):
        for batch in (1, 8):
            prompt = torch.zeros(batch, 1, dtype=torch.long)
            for n in new_tokens:
                a, b = [], []
                for _ in range(2):  # alternate: ours, HF, ours, HF
                    a.append(ours_tokens_per_second(model, prompt, n, sample, repeats))
                    b.append(hf_tokens_per_second(hf, prompt, n, sample, repeats))
                ours, theirs = statistics.median(a), statistics.median(b)
                print(f"| {'sampled' if sample else 'greedy':<7} | {batch:>5} | {n:>10} | {ours:>13,.0f} | "
                      f"{theirs:>11,.0f} | {ours / theirs:>8.2f}x |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--new-tokens", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--vs-hf", action="store_true", help="time ours against Hugging Face's generate")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=65, block_size=512, n_layer=4, n_head=4, n_embd=128, bias=args.vs_hf)
    model = GPT(config).to(args.device).eval()
    prompt = torch.zeros(1, 1, dtype=torch.long, device=args.device)
    print(f"GPT {config.n_layer} layers, {config.n_head} heads, {config.n_embd} dims, block_size "
          f"{config.block_size}, vocab {config.vocab_size} ({model.num_params() / 1e6:.2f}M parameters); "
          f"device {args.device}, {torch.get_num_threads()} thread(s), median of {args.repeats}")
    if args.vs_hf:
        print_hf_table(model, args.new_tokens, args.repeats)
    else:
        print_generation_table(model, prompt, args.new_tokens, args.repeats)


if __name__ == "__main__":
    main()
