"""How fast is course.tokenization's byte-level BPE? Training, and encoding next to Hugging Face.

Run on one core, as on a student's laptop with other work going on:

    taskset -c 0 .venv/bin/python benchmarks/bench_bpe.py

Measures (the shipped Shakespeare corpus, no download):
- ``BPETokenizer.train`` to a vocabulary of 1,000 on the first 1 MB (target: under 30 s on one core);
- encoding 1 MB with ``BPETokenizer.from_gpt2()`` (cold: empty word cache; warm: a second pass)
  and with Hugging Face's ``GPT2Tokenizer`` (Rust ``tokenizers``), as one string and in 100-line
  chunks. All encoders must give the same ids; the script stops if they don't.
"""
from __future__ import annotations

import argparse
import time

from course.data import load_corpus
from course.tokenization import BPETokenizer, gpt2_tokenizer


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1.0, help="how much of the corpus to use")
    parser.add_argument("--vocab-size", type=int, default=1000)
    args = parser.parse_args()

    data = load_corpus("shakespeare").encode("utf-8")[: int(args.megabytes * 1_000_000)]
    text = data.decode("utf-8", errors="ignore")  # a cut inside a character loses at most 3 bytes
    megabytes = len(text.encode("utf-8")) / 1e6
    lines = text.splitlines(keepends=True)
    chunks = ["".join(lines[i:i + 100]) for i in range(0, len(lines), 100)]

    rows = []
    trained, seconds = timed(lambda: BPETokenizer.train(text, args.vocab_size))
    rows.append((f"train, vocab {args.vocab_size}", seconds, f"{len(trained.merges)} merges"))

    ours = BPETokenizer.from_gpt2()
    ids, seconds = timed(lambda: ours.encode(text))
    rows.append(("encode, from_gpt2(), cold cache", seconds, f"{megabytes / seconds:.2f} MB/s"))
    again, seconds = timed(lambda: ours.encode(text))
    rows.append(("encode, from_gpt2(), warm cache", seconds, f"{megabytes / seconds:.2f} MB/s"))

    hf = gpt2_tokenizer()
    hf_ids, seconds = timed(lambda: hf.encode(text))
    rows.append(("encode, HF GPT2Tokenizer, one string", seconds, f"{megabytes / seconds:.2f} MB/s"))
    hf_chunks, seconds = timed(lambda: [i for chunk in chunks for i in hf.encode(chunk)])
    rows.append(("encode, HF GPT2Tokenizer, 100-line chunks", seconds, f"{megabytes / seconds:.2f} MB/s"))
    ours_chunks = [i for chunk in chunks for i in ours.encode(chunk)]
    if not (ids == again == hf_ids and hf_chunks == ours_chunks):
        raise SystemExit("the encoders disagree: the comparison is meaningless")

    print(f"byte-level BPE on the first {megabytes:.2f} MB of Shakespeare ({len(ids):,} GPT-2 tokens)")
    print(f"{'what':44} {'seconds':>8}  result")
    for what, seconds, result in rows:
        print(f"{what:44} {seconds:8.2f}  {result}")


if __name__ == "__main__":
    main()
