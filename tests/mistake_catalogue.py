"""The project's own catalogue of common wrong answers: for every exercise, answer cells as students
write them when they get it wrong, each with the name of the mistake the self-check must give.

Written from the errors students make (and that the lesson texts warn about), as whole answer cells in
a student's own style, not as copies of the checks' wrong versions. ``tests/test_mistake_catalogue.py``
checks that each one is named by the self-check, loses points in autograding and costs no other
exercise anything; ``python -m course.checks.report`` prints the table.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wrong:
    test: str      # the test cell's grade id (course.checks.exercises.BY_TEST)
    mistake: str   # the name the self-check must give
    source: str    # the whole answer cell


W = Wrong

CHAR_DECODE_OK = '''
def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''
CHAR_ENCODE_OK = '''
def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return [stoi[ch] for ch in text]
'''
SPLIT_OK = '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, n_head, C // n_head).transpose(1, 2)
'''
MERGE_OK = '''
def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, nh * hs)
'''


def _attention(scores="q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])", mask="scores.masked_fill(~self.mask[:T, :T], float('-inf'))",
               weights="self.attn_dropout(torch.softmax(scores, dim=-1))", qkv="q, k, v", out="self.resid_dropout(self.c_proj(y))",
               merge="merge_heads(weights @ v)"):
    return f'''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        {qkv} = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        scores = {scores}
        scores = {mask}
        weights = {weights}
        y = {merge}
        return {out}
'''

# Answers that the value test and the form test both name (the form tests' own checks: FORM_CHECKS)
COUNT_PAIRS_NUMPY = '''
import numpy as np

def count_pairs(ids):
    arr = np.array(ids)
    pairs = np.stack([arr[:-1], arr[1:]], axis=1)
    uniq, counts = np.unique(pairs, axis=0, return_counts=True)
    return {tuple(p): c for p, c in zip(uniq, counts)}
'''
BIGRAM_EMBEDDING_SWAPPED = '''
def bigram_forward(table, idx, targets=None):
    logits = F.embedding(table, idx)
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
'''
GREEDY_FLOAT_IDS = '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1).float()
            ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids
'''


CATALOGUE = [
    # --- 01 tokenization -------------------------------------------------------------------------
    W("test-char-encode-decode", "code points instead of ids", '''
def char_encode(text, stoi):
    return [ord(ch) for ch in text]
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "KeyError instead of ValueError", '''
def char_encode(text, stoi):
    ids = []
    for ch in text:
        ids.append(stoi[ch])
    return ids
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "unknown character skipped", '''
def char_encode(text, stoi):
    return [stoi[ch] for ch in text if ch in stoi]
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "joined with spaces", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    return " ".join([itos[i] for i in ids])
'''),
    W("test-char-encode-decode", "list instead of string", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    chars = []
    for i in ids:
        chars.append(itos[i])
    return chars
'''),
    W("test-char-encode-decode", "numpy str instead of str", CHAR_ENCODE_OK + '''
import numpy as np

def char_decode(ids, itos):
    chars = np.array([itos[i] for i in ids])
    if len(chars) == 0:
        return np.str_("")
    return "".join(chars)
'''),
    W("test-count-pairs", "Counter instead of dict", '''
def count_pairs(ids):
    return collections.Counter(zip(ids, ids[1:]))
'''),
    W("test-count-pairs", "last pair missing", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids) - 2):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W("test-count-pairs", "every second position", '''
def count_pairs(ids):
    counts = {}
    for i in range(0, len(ids) - 1, 2):
        counts[(ids[i], ids[i + 1])] = counts.get((ids[i], ids[i + 1]), 0) + 1
    return counts
'''),
    W("test-count-pairs", "presence instead of counts", '''
def count_pairs(ids):
    counts = {}
    for a, b in zip(ids, ids[1:]):
        counts[(a, b)] = 1
    return counts
'''),
    W("test-merge", "overlapping pairs merged", '''
def merge(ids, pair, new_id):
    out = []
    for i in range(len(ids)):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
        elif i > 0 and ids[i - 1] == pair[0] and ids[i] == pair[1]:
            pass
        else:
            out.append(ids[i])
    return out
'''),
    W("test-merge", "a tuple instead of a list and overlapping pairs merged", '''
def merge(ids, pair, new_id):
    out = []
    for i in range(len(ids)):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
        elif i > 0 and (ids[i - 1], ids[i]) == pair:
            continue
        else:
            out.append(ids[i])
    return tuple(out)
'''),
    W("test-merge", "last element dropped", '''
def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W("test-merge", "second element not skipped", '''
def merge(ids, pair, new_id):
    out = []
    for i, x in enumerate(ids):
        if i + 1 < len(ids) and (x, ids[i + 1]) == pair:
            out.append(new_id)
        else:
            out.append(x)
    return out
'''),
    W("test-merge", "first occurrence only", '''
def merge(ids, pair, new_id):
    for i in range(len(ids) - 1):
        if ids[i] == pair[0] and ids[i + 1] == pair[1]:
            return ids[:i] + [new_id] + ids[i + 2:]
    return list(ids)
'''),
    W("test-merge", "changes its input", '''
def merge(ids, pair, new_id):
    i = 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == pair:
            ids[i:i + 2] = [new_id]
        i += 1
    return ids
'''),
    W("test-bpe-word", "highest rank first", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = [p for p in zip(symbols, symbols[1:]) if p in ranks]
        if not pairs:
            break
        best = max(pairs, key=lambda p: ranks[p])
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols
'''),
    W("test-bpe-word", "highest rank first and merged from the right", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = [p for p in zip(symbols, symbols[1:]) if p in ranks]
        if not pairs:
            break
        best = max(pairs, key=lambda p: ranks[p])
        i = len(symbols) - 2
        while i >= 0:
            if (symbols[i], symbols[i + 1]) == best:
                symbols[i:i + 2] = [best[0] + best[1]]
                i -= 2
            else:
                i -= 1
    return symbols
'''),
    W("test-bpe-word", "merges in the pairs' sorted order", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    for pair in sorted(ranks):
        out = []
        i = 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
                out.append(pair[0] + pair[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols
'''),
    W("test-bpe-word", "leftmost pair first", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    changed = True
    while changed:
        changed = False
        for i in range(len(symbols) - 1):
            if (symbols[i], symbols[i + 1]) in ranks:
                best = (symbols[i], symbols[i + 1])
                out, j = [], 0
                while j < len(symbols):
                    if j + 1 < len(symbols) and (symbols[j], symbols[j + 1]) == best:
                        out.append(best[0] + best[1])
                        j += 2
                    else:
                        out.append(symbols[j])
                        j += 1
                symbols = out
                changed = True
                break
    return symbols
'''),
    W("test-bpe-word", "one merge only", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    pairs = [(ranks[p], p) for p in zip(symbols, symbols[1:]) if p in ranks]
    if not pairs:
        return symbols
    _, best = min(pairs)
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
            out.append(best[0] + best[1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out
'''),
    W("test-bpe-word", "space marker lost", '''
def bpe_word(symbols, ranks):
    symbols = [" " if s == "Ġ" else s for s in symbols]
    while True:
        pairs = [p for p in zip(symbols, symbols[1:]) if p in ranks]
        if not pairs:
            return symbols
        best = min(pairs, key=ranks.get)
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
'''),
    W("test-char-encode-decode", "unknown character not reported", '''
def char_encode(text, stoi):
    return [stoi.get(ch) for ch in text]
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "unknown character not reported", '''
def char_encode(text, stoi):
    return [stoi.get(ch, -1) for ch in text]
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "error does not name the character", '''
def char_encode(text, stoi):
    ids = []
    for ch in text:
        if ch not in stoi:
            raise ValueError("unknown character in the text")
        ids.append(stoi[ch])
    return ids
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "assert instead of ValueError", '''
def char_encode(text, stoi):
    ids = []
    for ch in text:
        assert ch in stoi, f"unknown character {ch!r}"
        ids.append(stoi[ch])
    return ids
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "wrong exception type", '''
def char_encode(text, stoi):
    ids = []
    for ch in text:
        if ch not in stoi:
            raise Exception(f"unknown character {ch!r}")
        ids.append(stoi[ch])
    return ids
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "one id per distinct character", '''
def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return [stoi[ch] for ch in set(text)]
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "decoded text stripped", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    return "".join(itos[i] for i in ids).strip()
'''),
    W("test-char-encode-decode", "tuple instead of list", '''
def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return tuple(stoi[ch] for ch in text)
''' + CHAR_DECODE_OK),
    W("test-count-pairs", "wrapped around", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids)):
        pair = (ids[i], ids[(i + 1) % len(ids)])
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W("test-count-pairs", "pairs sorted", '''
def count_pairs(ids):
    counts = {}
    for a, b in zip(ids, ids[1:]):
        key = (min(a, b), max(a, b))
        counts[key] = counts.get(key, 0) + 1
    return counts
'''),
    W("test-count-pairs", "defaultdict instead of dict", '''
def count_pairs(ids):
    counts = collections.defaultdict(int)
    for pair in zip(ids, ids[1:]):
        counts[pair] += 1
    return counts
'''),
    W("test-count-pairs", "ran past the end", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids)):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W("test-count-pairs", "list of pairs instead of dict", '''
def count_pairs(ids):
    return collections.Counter(zip(ids, ids[1:])).most_common()
'''),
    W("test-count-pairs", "overlapping repeats skipped", '''
def count_pairs(ids):
    counts = {}
    i = 0
    while i < len(ids) - 1:
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
        i += 2 if ids[i] == ids[i + 1] else 1
    return counts
'''),
    W("test-count-pairs", "single ids counted", '''
def count_pairs(ids):
    counts = {}
    for i in ids:
        counts[i] = counts.get(i, 0) + 1
    return counts
'''),
    W("test-merge", "nothing merged", '''
def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if ids[i:i + 2] == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W("test-merge", "ran past the end", '''
def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W("test-merge", "right to left", '''
def merge(ids, pair, new_id):
    out, i = [], len(ids) - 1
    while i >= 0:
        if i > 0 and ids[i - 1] == pair[0] and ids[i] == pair[1]:
            out.insert(0, new_id)
            i -= 2
        else:
            out.insert(0, ids[i])
            i -= 1
    return out
'''),
    W("test-merge", "empty list not handled", '''
def merge(ids, pair, new_id):
    out = [ids[0]]
    for x in ids[1:]:
        if (out[-1], x) == pair:
            out[-1] = new_id
        else:
            out.append(x)
    return out
'''),
    W("test-bpe-word", "unranked pairs compared", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = list(zip(symbols, symbols[1:]))
        best = min(pairs, key=ranks.get)
        if best not in ranks:
            break
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols
'''),
    W("test-bpe-word", "unranked pairs merged", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = list(zip(symbols, symbols[1:]))
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols
'''),
    W("test-bpe-word", "one symbol left not handled", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while True:
        pairs = list(zip(symbols, symbols[1:]))
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            return symbols
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
'''),
    W("test-bpe-word", "merged pair as a tuple", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while True:
        ranked = [p for p in zip(symbols, symbols[1:]) if p in ranks]
        if not ranked:
            return symbols
        best = min(ranked, key=ranks.get)
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
'''),
    # a third round (2026-12): the red team's wrong answers the checks did not name, and their kin
    W("test-char-encode-decode", "own ids instead of stoi's", '''
def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    chars = sorted(set(text))
    lookup = {ch: i for i, ch in enumerate(chars)}
    return [lookup[ch] for ch in text]
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "own ids instead of stoi's", '''
def char_encode(text, stoi):
    vocab = list(stoi.keys())
    ids = []
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
        ids.append(vocab.index(ch))
    return ids
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "case changed", '''
def char_encode(text, stoi):
    ids = []
    for ch in text.lower():
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
        ids.append(stoi[ch])
    return ids
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "last character dropped", '''
def char_encode(text, stoi):
    ids = []
    for i in range(len(text) - 1):
        if text[i] not in stoi:
            raise ValueError(f"unknown character {text[i]!r}")
        ids.append(stoi[text[i]])
    return ids
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "newlines dropped", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    text = "".join(itos[i] for i in ids)
    return "".join(text.splitlines())
'''),
    W("test-char-encode-decode", "whitespace dropped", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    return "".join("".join([itos[i] for i in ids]).split())
'''),
    W("test-char-encode-decode", "chr instead of itos", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    return "".join(chr(i) for i in ids)
'''),
    W("test-char-encode-decode", "one character per distinct id", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    return "".join(itos[i] for i in set(ids))
'''),
    W("test-count-pairs", "pairs two apart", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids) - 2):
        pair = (ids[i], ids[i + 2])
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W("test-count-pairs", "pairs reversed", '''
def count_pairs(ids):
    counts = {}
    for a, b in zip(ids[1:], ids):
        counts[(a, b)] = counts.get((a, b), 0) + 1
    return counts
'''),
    W("test-count-pairs", "ids sorted first", '''
def count_pairs(ids):
    ids = sorted(ids)
    return dict(collections.Counter(zip(ids, ids[1:])))
'''),
    W("test-count-pairs", "pairs that never occur included", '''
def count_pairs(ids):
    counts = {}
    for a in set(ids):
        for b in set(ids):
            counts[(a, b)] = 0
    for i in range(len(ids) - 1):
        counts[(ids[i], ids[i + 1])] += 1
    return counts
'''),
    W("test-count-pairs", "string keys instead of tuples", '''
def count_pairs(ids):
    counts = {}
    for a, b in zip(ids, ids[1:]):
        key = str(a) + " " + str(b)
        counts[key] = counts.get(key, 0) + 1
    return counts
'''),
    W("test-count-pairs", "float counts", '''
def count_pairs(ids):
    counts = collections.defaultdict(float)
    for pair in zip(ids, ids[1:]):
        counts[pair] += 1
    return dict(counts)
'''),
    W("test-count-pairs", "first occurrence not counted", '''
def count_pairs(ids):
    counts = {}
    for pair in zip(ids, ids[1:]):
        if pair in counts:
            counts[pair] += 1
        else:
            counts[pair] = 0
    return counts
'''),
    W("test-count-pairs", "last id counted alone", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids)):
        pair = tuple(ids[i:i + 2])
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W("test-char-encode-decode", "text normalised", '''
import unicodedata

def char_encode(text, stoi):
    text = unicodedata.normalize("NFKC", text)  # so accents are always written the same way
    missing = [ch for ch in text if ch not in stoi]
    if missing:
        raise ValueError(f"{missing[0]!r} is not in the vocabulary")
    return [stoi[ch] for ch in text]
''' + CHAR_DECODE_OK),
    W("test-count-pairs", "new key in a plain dict", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids) - 1):
        counts[(ids[i], ids[i + 1])] += 1
    return counts
'''),
    W("test-count-pairs", "frequencies instead of counts", '''
def count_pairs(ids):
    counts = collections.Counter(zip(ids, ids[1:]))
    total = sum(counts.values())
    return {pair: n / total for pair, n in counts.items()}
'''),
    W("test-count-pairs", "list as a key", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids) - 1):
        pair = ids[i:i + 2]
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    # numpy's values in the dict (np.unique): the value test names the count, the form test the key's ints
    W("test-count-pairs", "not a plain number (at key (1, 2))", COUNT_PAIRS_NUMPY),
    W("test-count-pairs-form", "numpy ints", COUNT_PAIRS_NUMPY),
    W("test-merge", "one id of the pair compared", '''
def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if ids[i] == pair[0] and i < len(ids) - 1:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W("test-merge", "pair read backwards", '''
def merge(ids, pair, new_id):
    a, b = pair
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == b and ids[i + 1] == a:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W("test-merge", "an id of the pair kept", '''
def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(ids[i])
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W("test-merge", "last element copied after a merge", '''
def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    if ids:
        out.append(ids[-1])
    return out
'''),
    W("test-merge", "generator instead of list", '''
def merge(ids, pair, new_id):
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            yield new_id
            i += 2
        else:
            yield ids[i]
            i += 1
'''),
    W("test-merge", "merged as text", '''
def merge(ids, pair, new_id):
    # write the ids out, swap the pair's text for the new id, read them back
    text = " ".join(str(i) for i in ids)
    text = text.replace(str(pair[0]) + " " + str(pair[1]), str(new_id))
    return [int(piece) for piece in text.split()]
'''),
    W("test-bpe-word", "best pair of the whole table", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    best = min(ranks, key=lambda p: ranks[p])  # the merge learned first
    while best in list(zip(symbols, symbols[1:])):
        merged, i = [], 0
        while i < len(symbols):
            if symbols[i:i + 2] == list(best):
                merged.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
        ranked = [p for p in zip(symbols, symbols[1:]) if p in ranks]
        if not ranked:
            break
        best = min(ranked, key=lambda p: ranks[p])
    return symbols
'''),
    W("test-bpe-word", "stopped at a merge the word lacks", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    for pair in sorted(ranks, key=lambda p: ranks[p]):
        if pair not in zip(symbols, symbols[1:]):
            break  # the next merge does not apply to this word
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
                out.append(pair[0] + pair[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols
'''),
    W("test-bpe-word", "scan stopped at an unranked pair", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while True:
        best, best_rank = None, None
        for i in range(len(symbols) - 1):
            pair = (symbols[i], symbols[i + 1])
            if pair not in ranks:
                break
            if best is None or ranks[pair] < best_rank:
                best, best_rank = pair, ranks[pair]
        if best is None:
            return symbols
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
'''),
    W("test-bpe-word", "last pair never considered", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while True:
        pairs = [(symbols[i], symbols[i + 1]) for i in range(len(symbols) - 2)]
        ranked = [p for p in pairs if p in ranks]
        if not ranked:
            return symbols
        best = min(ranked, key=lambda p: ranks[p])
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
'''),
    W("test-bpe-word", "merged symbols joined with a space", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(" ".join(best))
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols
'''),
    W("test-bpe-word", "tuple instead of list", '''
def bpe_word(symbols, ranks):
    symbols = tuple(symbols)
    while len(symbols) > 1:
        best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = tuple(out)
    return symbols
'''),
    W("test-bpe-word", "unranked pair looked up with ranks[...]", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = list(zip(symbols, symbols[1:]))
        best = min(pairs, key=lambda p: ranks[p])
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols
'''),
    W("test-bpe-word", "results kept from an earlier call", '''
seen = {}

def bpe_word(symbols, ranks):
    word = tuple(symbols)
    if word in seen:  # a word already split: no need to merge it again
        return list(seen[word])
    symbols = list(symbols)
    while True:
        candidates = [(ranks[p], p) for p in zip(symbols, symbols[1:]) if p in ranks]
        if not candidates:
            break
        _, (a, b) = min(candidates)
        merged, i = [], 0
        while i < len(symbols):
            if symbols[i] == a and i + 1 < len(symbols) and symbols[i + 1] == b:
                merged.append(a + b)
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    seen[word] = symbols
    return list(symbols)
'''),
    # --- 02 cross-attention ----------------------------------------------------------------------
    W("test-cross-attention", "no scaling", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return torch.softmax(Q @ K.T, dim=-1) @ V
'''),
    W("test-cross-attention", "W_K on the left", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S2 @ W_Q
    K = W_K @ S1.T          # keys as columns, (d_k, n1)
    V = S1 @ W_V
    return torch.softmax(Q @ K / math.sqrt(K.shape[0]), dim=-1) @ V
'''),
    W("test-cross-attention", "divided by d_k", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return torch.softmax(Q @ K.T / K.shape[1], dim=-1) @ V
'''),
    W("test-cross-attention", "softmax over the wrong dimension", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return F.softmax(Q @ K.T / math.sqrt(K.shape[1]), dim=0) @ V
'''),
    W("test-cross-attention", "sentences swapped", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S1 @ W_Q, S2 @ W_K, S2 @ W_V
    return torch.softmax(Q @ K.T / math.sqrt(W_K.shape[1]), dim=-1) @ V
'''),
    W("test-sdpa", "mask inverted", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(mask, float("-inf"))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "mask inverted and mask after softmax", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    d = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(mask, 0.0)
    return weights @ v
'''),
    W("test-sdpa", "masked with 0", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, 0.0)
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "mask after softmax", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    if mask is not None:
        weights = weights * mask if mask.dtype == torch.bool else torch.softmax(weights.log() + mask, -1)
    return weights @ v
'''),
    W("test-sdpa", "no scaling", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "softmax over the wrong dimension", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return scores.softmax(dim=-2) @ v
'''),
    W("test-padding-mask", "True marks the padding", '''
def padding_mask(lengths, T):
    return torch.arange(T)[None, :] >= lengths[:, None]
'''),
    W("test-padding-mask", "off by one", '''
def padding_mask(lengths, T):
    return torch.arange(T).unsqueeze(0) <= lengths.unsqueeze(1)
'''),
    W("test-padding-mask", "(T, B) instead of (B, T)", '''
def padding_mask(lengths, T):
    return torch.arange(T)[:, None] < lengths[None, :]
'''),
    W("test-padding-mask", "numbers instead of booleans", '''
def padding_mask(lengths, T):
    mask = torch.zeros(len(lengths), T)
    for b, n in enumerate(lengths):
        mask[b, :n] = 1
    return mask
'''),
    W("test-cross-attention", "scaled by the wrong size", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return torch.softmax(Q @ K.T / math.sqrt(S1.shape[1]), dim=-1) @ V
'''),
    W("test-cross-attention", "scaled by the wrong size", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return torch.softmax(Q @ K.T / math.sqrt(K.shape[0]), dim=-1) @ V
'''),
    W("test-cross-attention", "keys not transposed", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return torch.softmax(Q @ K / math.sqrt(K.shape[1]), dim=-1) @ V
'''),
    W("test-cross-attention", "scaled after the softmax", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    weights = torch.softmax(Q @ K.T, dim=-1) / math.sqrt(K.shape[1])
    return weights @ V
'''),
    W("test-cross-attention", "values from the wrong sentence", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S2 @ W_V
    return torch.softmax(Q @ K.T / math.sqrt(K.shape[1]), dim=-1) @ V
'''),
    W("test-sdpa", "float mask not added", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "float mask not added", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "boolean mask added", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "batch dimensions not handled", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.T / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "softmax over the wrong dimension", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, dim=1) @ v
'''),
    W("test-sdpa", "scaled by the wrong size", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-2])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "scaled by the wrong size", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(v.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "changes its input", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    q /= math.sqrt(q.shape[-1])
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-padding-mask", "lengths not unsqueezed", '''
def padding_mask(lengths, T):
    return torch.arange(T) < lengths
'''),
    W("test-padding-mask", "width from the lengths, not T", '''
def padding_mask(lengths, T):
    return torch.arange(int(lengths.max()))[None, :] < lengths[:, None]
'''),
    W("test-padding-mask", "one real token short", '''
def padding_mask(lengths, T):
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    for b, n in enumerate(lengths):
        mask[b, :n - 1] = True
    return mask
'''),
    W("test-padding-mask", "numbers instead of booleans", '''
def padding_mask(lengths, T):
    return (torch.arange(T)[None, :] < lengths[:, None]).int()
'''),
    W("test-padding-mask", "numbers instead of booleans", '''
def padding_mask(lengths, T):
    return torch.tensor([[1 if t < n else 0 for t in range(T)] for n in lengths])
'''),
    W("test-padding-mask", "one real token short", '''
def padding_mask(lengths, T):
    return torch.arange(1, T + 1)[None, :] < lengths[:, None]
'''),
    W("test-cross-attention", "float32 result", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    S1, S2 = S1.float(), S2.float()
    Q, K, V = S2 @ W_Q.float(), S1 @ W_K.float(), S1 @ W_V.float()
    return torch.softmax(Q @ K.T / math.sqrt(K.shape[1]), dim=-1) @ V
'''),
    W("test-sdpa", "float32 result", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.matmul(q, k.transpose(-2, -1)) / torch.sqrt(torch.tensor(q.shape[-1], dtype=torch.float32))
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return (torch.softmax(scores, dim=-1) @ v).float()
'''),
    W("test-cross-attention", "softmax over the whole matrix", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    scores = Q @ K.T / math.sqrt(K.shape[-1])
    e = torch.exp(scores)
    return (e / e.sum()) @ V
'''),
    W("test-cross-attention", "row sums without keepdim", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    e = torch.exp(Q @ K.T / math.sqrt(K.shape[-1]))
    weights = e / e.sum(dim=-1)
    return weights @ V
'''),
    W("test-cross-attention", "log_softmax instead of softmax", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return F.log_softmax(Q @ K.T / math.sqrt(K.shape[-1]), dim=-1) @ V
'''),
    W("test-cross-attention", "weight matrices transposed", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S2 @ W_Q.T
    K = S1 @ W_K.T
    V = S1 @ W_V.T
    return torch.softmax(Q @ K.T / math.sqrt(K.shape[-1]), dim=-1) @ V
'''),
    W("test-cross-attention", "float64 result", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = (S2 @ W_Q).double(), (S1 @ W_K).double(), (S1 @ W_V).double()
    return torch.softmax(Q @ K.T / math.sqrt(K.shape[-1]), dim=-1) @ V
'''),
    W("test-cross-attention", "multiplied by √d_k", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    d_k = K.shape[1]
    return torch.softmax(Q @ K.T * math.sqrt(d_k), dim=-1) @ V
'''),
    W("test-cross-attention", "wrong weight matrix", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S2 @ W_Q
    K = S1 @ W_Q
    V = S1 @ W_V
    return torch.softmax(Q @ K.T / math.sqrt(K.shape[1]), dim=-1) @ V
'''),
    W("test-cross-attention", "wrong weight matrix", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_K
    return torch.softmax(Q @ K.T / math.sqrt(K.shape[1]), dim=-1) @ V
'''),
    W("test-sdpa", "float mask read as a boolean", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype != torch.bool:
            mask = mask == 0
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "float mask read as a boolean", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.is_floating_point():
            mask = torch.isfinite(mask)
        scores = scores.masked_fill(mask == False, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "only float32 masks added", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.float32:
            scores = scores + mask
        else:
            scores = scores.masked_fill(~mask.bool(), float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "only float32 masks added", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None and mask.dtype == torch.bool:
        scores = scores.masked_fill(~mask, float("-inf"))
    elif mask is not None and mask.dtype == torch.float:
        scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "mask unsqueezed", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        mask = mask.unsqueeze(0)
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "dimensions counted from the front", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(1, 2) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "torch.bmm on other shapes", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.bmm(q, k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.bmm(torch.softmax(scores, dim=-1), v)
'''),
    W("test-sdpa", "float mask not added", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = torch.where(mask, scores, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "mask scaled with the scores", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    scores = scores / math.sqrt(q.shape[-1])
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-padding-mask", "padding on the left", '''
def padding_mask(lengths, T):
    return torch.arange(T)[None, :] >= (T - lengths)[:, None]
'''),
    W("test-padding-mask", "padding on the left", '''
def padding_mask(lengths, T):
    mask = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)
    return mask.flip(-1)
'''),
    W("test-padding-mask", "extra dimension", '''
def padding_mask(lengths, T):
    mask = torch.arange(T)[None, :] < lengths[:, None]
    return mask[:, None, :]
'''),
    W("test-padding-mask", "numbers instead of booleans", '''
def padding_mask(lengths, T):
    return (torch.arange(T)[None, :] < lengths[:, None]).byte()
'''),
    W("test-padding-mask", "one slice for every row's length", '''
def padding_mask(lengths, T):
    B = lengths.shape[0]
    mask = torch.zeros((B, T), dtype=torch.bool)
    for b in range(B):
        mask[b, :lengths] = True   # keep the first `length` positions
    return mask
'''),
    W("test-cross-attention", "result transposed", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    weights = torch.softmax(Q @ K.T / math.sqrt(K.shape[1]), dim=-1)
    return V.T @ weights.T
'''),
    W("test-sdpa", "dimensions counted from the front", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    B, T, d = q.shape
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    # --- 03 self-attention -----------------------------------------------------------------------
    W("test-causal-mask", "upper triangle", '''
def causal_mask(T):
    return torch.triu(torch.ones(T, T)).bool()
'''),
    W("test-causal-mask", "upper triangle", '''
def causal_mask(T):
    # keep the diagonal below as well, so each token sees the one before it
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=-1)
'''),
    W("test-causal-mask", "True marks the future", '''
def causal_mask(T):
    return torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)
'''),
    W("test-causal-mask", "diagonal missing", '''
def causal_mask(T):
    return torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1)
'''),
    W("test-causal-mask", "numbers instead of booleans", '''
def causal_mask(T):
    return torch.tril(torch.ones(T, T))
'''),
    W("test-causal-mask", "additive mask", '''
def causal_mask(T):
    return torch.full((T, T), float("-inf")).triu(1)
'''),
    W("test-heads", "list of heads instead of a tensor and heads interleaved", '''
def split_heads(x, n_head):
    heads = []
    for h in range(n_head):
        heads.append(x[:, :, h::n_head])
    return heads
''' + MERGE_OK),
    W("test-heads", "reshape without transpose", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.reshape(B, n_head, T, C // n_head)
''' + MERGE_OK),
    W("test-heads", "transpose missing", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, n_head, C // n_head)
''' + MERGE_OK),
    W("test-heads", "merged without transpose", SPLIT_OK + '''
def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.reshape(B, T, nh * hs)
'''),
    W("test-heads", "view after transpose", SPLIT_OK + '''
def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.transpose(1, 2).view(B, T, nh * hs)
'''),
    W("test-heads", "shape unpacked as (B, T, C)", SPLIT_OK + '''
def merge_heads(x):
    B, T, C = x.shape
    return x.transpose(1, 2).contiguous().view(B, T, C)
'''),
    W("test-heads", "float32 result", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.float().view(B, T, n_head, C // n_head).transpose(1, 2)
''' + MERGE_OK),
    W("test-causal-self-attention", "scaled by √n_embd",
      _attention(scores="q @ k.transpose(-2, -1) / math.sqrt(C)")),
    W("test-causal-self-attention", "heads cut from overlapping channels", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        outs = []
        for h in range(self.n_head):
            qh, kh, vh = q[:, :, h:h + hs], k[:, :, h:h + hs], v[:, :, h:h + hs]
            att = qh @ kh.transpose(-2, -1) / math.sqrt(hs)
            att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
            att = self.attn_dropout(torch.softmax(att, dim=-1))
            outs.append(att @ vh)
        y = torch.cat(outs, dim=-1)
        return self.resid_dropout(self.c_proj(y))
'''),
    W("test-causal-self-attention", "no causal mask", _attention(mask="scores")),
    W("test-causal-self-attention", "merged without transpose",
      _attention(merge="(weights @ v).reshape(B, T, C)")),
    W("test-attention-dropout", "dropout on the scores",
      _attention(scores="self.attn_dropout(q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1]))",
                 weights="torch.softmax(scores, dim=-1)")),
    W("test-attention-dropout", "dropout on the scores and residual dropout missing",
      _attention(scores="self.attn_dropout(q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1]))",
                 weights="torch.softmax(scores, dim=-1)", out="self.c_proj(y)")),
    W("test-attention-dropout", "attention dropout missing",
      _attention(weights="torch.softmax(scores, dim=-1)")),
    W("test-attention-dropout", "residual dropout missing", _attention(out="self.c_proj(y)")),
    W("test-causal-self-attention", "dropout on in eval mode",
      _attention(weights="F.dropout(torch.softmax(scores, dim=-1), 0.5 if self.attn_dropout.p else 0.0)")),
    W("test-causal-self-attention", "q, k, v in the wrong order", _attention(qkv="k, q, v")),
    # right values and the right gradient for x, but a weight that never learns (2026-12-06)
    W("test-causal-self-attention", "weights cut off from the graph",
      _attention().replace("self.c_attn(x)", "F.linear(x, self.c_attn.weight.data, self.c_attn.bias)")),
    W("test-causal-self-attention", "weights cut off from the graph",
      _attention(out="self.resid_dropout(F.linear(y, self.c_proj.weight.detach(), self.c_proj.bias))")),
    W("test-causal-self-attention", "mask not cropped to T",
      _attention(mask="scores.masked_fill(~self.mask, float('-inf'))")),
    # nn.LazyLinear: torch's own "Can't access the shape of an uninitialized parameter" was all it said (ch47)
    W("test-causal-self-attention", "layers made without their sizes", _attention().replace(
        "nn.Linear(config.n_embd, 3 * config.n_embd,", "nn.LazyLinear(3 * config.n_embd,").replace(
        "nn.Linear(config.n_embd, config.n_embd,", "nn.LazyLinear(config.n_embd,")),
    W("test-causal-self-attention", "mask not cropped to T",  # n_embd wide, not block_size (a red team's)
      _attention(mask="scores.masked_fill(~causal_mask(self.n_embd)[:T, :T], float('-inf'))")),
    W("test-causal-mask", "one step of the future", '''
def causal_mask(T):
    return torch.tril(torch.ones(T, T), diagonal=1).bool()
'''),
    W("test-causal-mask", "numbers instead of booleans", '''
def causal_mask(T):
    return torch.tril(torch.ones(T, T, dtype=torch.uint8))
'''),
    W("test-causal-mask", "numbers instead of booleans", '''
def causal_mask(T):
    return torch.tril(torch.ones(T, T, dtype=torch.int))
'''),
    W("test-causal-mask", "additive mask", '''
def causal_mask(T):
    return torch.zeros(T, T).masked_fill(torch.triu(torch.ones(T, T), 1) == 1, -1e9)
'''),
    W("test-causal-mask", "upper triangle", '''
def causal_mask(T):
    mask = torch.zeros(T, T, dtype=torch.bool)
    for i in range(T):
        for j in range(T):
            mask[i, j] = j >= i
    return mask
'''),
    W("test-heads", "n_head and head size swapped", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, C // n_head, n_head).transpose(1, 2)
''' + MERGE_OK),
    W("test-heads", "heads interleaved", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, C // n_head, n_head).permute(0, 3, 1, 2)
''' + MERGE_OK),
    W("test-heads", "wrong dimensions transposed", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, n_head, C // n_head).transpose(1, 3)
''' + MERGE_OK),
    W("test-heads", "heads joined along the positions", SPLIT_OK + '''
def merge_heads(x):
    return torch.cat([x[:, h] for h in range(x.shape[1])], dim=1)
'''),
    W("test-heads", "heads interleaved", SPLIT_OK + '''
def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.permute(0, 2, 3, 1).reshape(B, T, nh * hs)
'''),
    W("test-heads", "heads before the batch", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, n_head, C // n_head).transpose(0, 2)
''' + MERGE_OK),
    W("test-causal-self-attention", "mask inverted",
      _attention(mask="scores.masked_fill(self.mask[:T, :T], float('-inf'))")),
    # wa30 (2026-12-06): named by its symptom, NaN, before
    W("test-causal-self-attention", "diagonal hidden",
      _attention(mask="scores.masked_fill(self.mask[:T, :T].T, float('-inf'))")),
    W("test-causal-self-attention", "diagonal hidden",
      _attention(mask="scores.masked_fill(~torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1), float('-inf'))")),
    W("test-causal-self-attention", "softmax over the wrong dimension",
      _attention(weights="self.attn_dropout(torch.softmax(scores, dim=-2))")),
    W("test-causal-self-attention", "keys and values swapped",
      _attention(scores="q @ v.transpose(-2, -1) / math.sqrt(k.shape[-1])", merge="merge_heads(weights @ k)")),
    W("test-causal-self-attention", "split into pieces of the wrong size", _attention(qkv="q, k, v").replace(
        "self.c_attn(x).split(C, dim=2)", "self.c_attn(x).split(self.n_head, dim=2)")),
    W("test-causal-self-attention", "mask after softmax",
      _attention(mask="scores",
                 weights="self.attn_dropout(torch.softmax(scores, dim=-1).masked_fill(~self.mask[:T, :T], 0.0))")),
    W("test-causal-self-attention", "scaled by the sequence length",
      _attention(scores="q @ k.transpose(-2, -1) / math.sqrt(T)")),
    W("test-causal-self-attention", "no output projection", _attention(out="self.resid_dropout(y)")),
    W("test-attention-dropout", "dropout before the projection", _attention(out="self.c_proj(self.resid_dropout(y))")),
    W("test-attention-dropout", "dropout before the projection",
      _attention(weights="torch.softmax(scores, dim=-1)", merge="self.attn_dropout(merge_heads(weights @ v))",
                 out="self.c_proj(y)")),
    W("test-attention-dropout", "dropout on the values",
      _attention(weights="torch.softmax(scores, dim=-1)", merge="merge_heads(weights @ self.attn_dropout(v))")),
    W("test-causal-self-attention", "bias not from config",
      _attention().replace("3 * config.n_embd, bias=config.bias)", "3 * config.n_embd)").replace(
          "config.n_embd, bias=config.bias)", "config.n_embd)")),
    W("test-causal-self-attention", "extra parameters",
      _attention().replace('self.register_buffer("mask", causal_mask(config.block_size), persistent=False)',
                           'self.mask = nn.Parameter(causal_mask(config.block_size), requires_grad=False)')),
    W("test-causal-mask", "size hard-coded", '''
def causal_mask(T):
    full = torch.tril(torch.ones(8, 8, dtype=torch.bool))
    return full[:T, :T]
'''),
    W("test-causal-mask", "size hard-coded", '''
def causal_mask(T):
    block_size = 16
    return torch.tril(torch.ones(block_size, block_size)).bool()[:T, :T]
'''),
    W("test-causal-mask", "extra dimensions", '''
def causal_mask(T):
    return torch.tril(torch.ones(T, T, dtype=torch.bool)).view(1, 1, T, T)
'''),
    W("test-causal-mask", "mask flipped", '''
def causal_mask(T):
    return torch.tril(torch.ones(T, T, dtype=torch.bool)).flip(0)
'''),
    W("test-causal-mask", "numbers instead of booleans", '''
def causal_mask(T):
    return torch.tril(torch.ones(T, T, dtype=torch.float64))
'''),
    W("test-heads", "transposed before the view", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.transpose(1, 2).reshape(B, n_head, T, C // n_head)
''' + MERGE_OK),
    W("test-heads", "head size as a float", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    hs = C / n_head
    return x.view(B, T, n_head, hs).transpose(1, 2)
''' + MERGE_OK),
    W("test-heads", "heads summed", SPLIT_OK + '''
def merge_heads(x):
    return x.sum(dim=1)
'''),
    W("test-heads", "dimensions read in the wrong order", SPLIT_OK + '''
def merge_heads(x):
    B, T, nh, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, nh * hs)
'''),
    W("test-heads", "wrong dimensions transposed", SPLIT_OK + '''
def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.transpose(1, 3).reshape(B, T, nh * hs)
'''),
    W("test-causal-self-attention", "q, k, v in the wrong order", _attention(qkv="v, k, q")),
    W("test-causal-self-attention", "heads never split", _attention(merge="weights @ v").replace(
        "        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n", "")),
    W("test-attention-dropout", "attention dropout after the values",
      _attention(weights="torch.softmax(scores, dim=-1)", merge="merge_heads(self.attn_dropout(weights @ v))")),
    W("test-attention-dropout", "dropout rate not from config", _attention().replace(
        "nn.Dropout(config.dropout)", "nn.Dropout(0.1)")),
    W("test-attention-dropout", "dropout never applied",
      _attention(weights="torch.softmax(scores, dim=-1)", out="self.c_proj(y)")),
    W("test-causal-self-attention", "view after transpose",
      _attention(merge="(weights @ v).transpose(1, 2).view(B, T, self.n_embd)")),
    W("test-causal-self-attention", "dimensions counted from the front",
      _attention(scores="torch.matmul(q, k.transpose(1, 2)) * (1.0 / math.sqrt(k.size(-1)))")),
    W("test-attention-dropout", "the keep probability given as p", _attention().replace(
        "nn.Dropout(config.dropout)", "nn.Dropout(p=1.0 - config.dropout)")),
    W("test-attention-dropout", "dropout rescaled again",  # "so the expected value stays the same"
      _attention(out="self.resid_dropout(self.c_proj(y)) * (1 - self.resid_dropout.p)")),
    W("test-attention-dropout", "dropout rescaled again",  # only while training: eval mode is right
      _attention(weights="self.attn_dropout(torch.softmax(scores, dim=-1))\n"
                 "        if self.training:\n"
                 "            weights = weights / (1 - self.attn_dropout.p)")),
    # --- 04 LSTM ---------------------------------------------------------------------------------
    W("test-lstm-cell", "gate order", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, o, g = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "tanh of c missing", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * c_new
    return h_new, c_new
'''),
    W("test-lstm-cell", "sigmoid on the candidate", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = torch.sigmoid(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    c_new = f * c + i * g
    return o * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "forget gate unused", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    c_new = c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-shift-batch", "labels not shifted", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts])
    return x, x.clone()
'''),
    W("test-shift-batch", "x and y swapped", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s + 1:s + 1 + block_size] for s in starts])
    y = torch.stack([data[s:s + block_size] for s in starts])
    return x, y
'''),
    W("test-shift-batch", "list instead of tuple", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts])
    y = torch.stack([data[s + 1:s + 1 + block_size] for s in starts])
    return [x, y]
'''),
    W("test-shift-batch", "(block_size, B) instead of (B, block_size)", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts], dim=1)
    y = torch.stack([data[s + 1:s + 1 + block_size] for s in starts], dim=1)
    return x, y
'''),
    W("test-sequence-loss", "softmax before cross-entropy", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(F.softmax(logits, dim=-1).view(B * T, V), targets.view(B * T))
'''),
    W("test-sequence-loss", "sum instead of mean", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.view(-1, V), targets.view(-1), reduction="sum")
'''),
    W("test-sequence-loss", "(T, B) instead of (B, T)", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.transpose(0, 1).reshape(T * B, V), targets.reshape(B * T))
'''),
    W("test-sequence-loss", "Python float instead of a tensor", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.view(B * T, V), targets.view(B * T)).item()
'''),
    W("test-sequence-loss", "cut off from the graph", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    with torch.no_grad():
        return F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
'''),
    W("test-generate-greedy", "re-reads the prefix", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits, _ = model.forward_with_state(idx)
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return idx
'''),
    W("test-generate-greedy", "calls model.generate", '''
def generate_greedy(model, idx, max_new_tokens):
    return model.generate(idx, max_new_tokens, greedy=True)
'''),
    W("test-generate-greedy", "state reset", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model.forward_with_state(nxt)
    return idx
'''),
    W("test-generate-greedy", "last token fed twice", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        _, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            logits, state = model.forward_with_state(idx[:, -1:], state)
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return idx
'''),
    W("test-generate-greedy", "new tokens only", '''
def generate_greedy(model, idx, max_new_tokens):
    new = []
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            new.append(nxt)
            logits, state = model.forward_with_state(nxt, state)
    return torch.cat(new, dim=1)
'''),
    W("test-lr-schedule", "no warm-up", '''
def lr_at_step(it, cfg):
    if it > cfg.max_iters:
        return cfg.min_lr
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * it / cfg.max_iters)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "warm-up starts at 0", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * it / cfg.warmup_iters
    progress = min((it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters), 1.0)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "decays to 0 instead of min_lr", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    progress = min((it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters), 1.0)
    return 0.5 * (1 + math.cos(math.pi * progress)) * cfg.learning_rate
'''),
    W("test-lr-schedule", "linear decay instead of cosine", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it >= cfg.max_iters:
        return cfg.min_lr
    frac = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.learning_rate - frac * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "decay not shifted by the warm-up", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    cosine = 0.5 * (1 + math.cos(math.pi * it / cfg.max_iters))
    return cfg.min_lr + cosine * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "no warm-up steps not handled", '''
def lr_at_step(it, cfg):
    warm = min(it / cfg.warmup_iters, 1.0)
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-train-loop", "gradients never zeroed", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "step finds no gradients", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        optimizer.zero_grad()
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.step()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "step finds no gradients", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        loss.backward()
        optimizer.zero_grad()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "gradients not clipped to grad_clip", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        optimizer.zero_grad()
        _, loss = model(x, y)
        loss.backward()
        optimizer.step()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)  # too late: the step is done
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "gradients not clipped to grad_clip", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        optimizer.zero_grad()
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # nanoGPT's number, not the argument
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "clipped each value, not the norm", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "learning rate set for the first group only", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        optimizer.param_groups[0]["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "learning rate never set", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        lr = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "loss tensors instead of floats", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.detach())
    return losses
'''),
    W("test-lstm-cell", "biases missing", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + h @ W_hh.T
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "one bias missing", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + h @ W_hh.T + b_ih
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "one bias added twice", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_ih
    i, f, g, o = z.chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c
'''),
    W("test-lstm-cell", "(c, h) instead of (h, c)", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return c_new, h_new
'''),
    W("test-lstm-cell", "h from the old c", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    h_new = torch.sigmoid(o) * torch.tanh(c)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return h_new, c_new
'''),
    W("test-lstm-cell", "weights not transposed", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih + b_ih + h @ W_hh + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "weights not transposed", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    # as in the paper: W times the column vector
    z = W_ih @ x.T + b_ih.unsqueeze(1) + W_hh @ h.T + b_hh.unsqueeze(1)
    i, f, g, o = torch.chunk(z, 4, dim=0)
    i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)
    c_next = f * c + i * torch.tanh(g)
    h_next = o * torch.tanh(c_next)
    return h_next, c_next
'''),
    W("test-lstm-cell", "input gate replaced by 1 - f", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    f = torch.sigmoid(f)
    c_new = f * c + (1 - f) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "gates split along the batch", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-shift-batch", "windows one token short", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size - 1] for s in starts])
    y = torch.stack([data[s + 1:s + block_size] for s in starts])
    return x, y
'''),
    W("test-shift-batch", "concatenated instead of stacked", '''
def shift_batch(data, starts, block_size):
    x = torch.cat([data[s:s + block_size] for s in starts])
    y = torch.cat([data[s + 1:s + block_size + 1] for s in starts])
    return x, y
'''),
    W("test-shift-batch", "labels rolled", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts])
    return x, torch.roll(x, -1, dims=1)
'''),
    W("test-shift-batch", "sliced with the whole starts tensor", '''
def shift_batch(data, starts, block_size):
    return data[starts:starts + block_size], data[starts + 1:starts + block_size + 1]
'''),
    W("test-shift-batch", "torch.tensor of a list of tensors", '''
def shift_batch(data, starts, block_size):
    xs, ys = [], []
    for s in starts.tolist():
        xs.append(data[s:s + block_size])
        ys.append(data[s + 1:s + 1 + block_size])
    return torch.tensor(xs), torch.tensor(ys)
'''),
    W("test-shift-batch", "labels as ids plus one", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[i:i + block_size] for i in starts])
    y = x + 1  # the targets: the next token
    return x, y
'''),
    W("test-shift-batch", "rows not stacked", '''
def shift_batch(data, starts, block_size):
    x = [data[s:s + block_size] for s in starts]
    y = [data[s + 1:s + block_size + 1] for s in starts]
    return x, y
'''),
    W("test-sequence-loss", "classes on the wrong axis", '''
def sequence_loss(logits, targets):
    return F.cross_entropy(logits, targets)
'''),
    W("test-sequence-loss", "log-softmax over the wrong dimension", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    logp = F.log_softmax(logits, dim=1)
    return F.nll_loss(logp.reshape(B * T, V), targets.reshape(B * T))
'''),
    W("test-sequence-loss", "one loss per position", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T), reduction="none")
'''),
    W("test-sequence-loss", "cut off from the graph", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.detach().view(B * T, V), targets.view(B * T))
'''),
    W("test-sequence-loss", "divided by T again", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.view(B * T, V), targets.view(B * T)) / T
'''),
    W("test-sequence-loss", "nll_loss on logits", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.nll_loss(logits.view(B * T, V), targets.view(B * T))
'''),
    W("test-sequence-loss", "nn.CrossEntropyLoss given the data", '''
def sequence_loss(logits, targets):
    V = logits.size(-1)
    loss = nn.CrossEntropyLoss(logits.reshape(-1, V), targets.reshape(-1))
    return loss
'''),
    W("test-sequence-loss", "gather's index without its last dimension", '''
def sequence_loss(logits, targets):
    log_probs = torch.log_softmax(logits, dim=2)
    picked = torch.gather(log_probs, 2, targets)
    return -picked.mean()
'''),
    W("test-generate-greedy", "state passed as targets", '''
@torch.no_grad()
def generate_greedy(model, idx, max_new_tokens):
    out, state = model.forward_with_state(idx)
    for step in range(max_new_tokens):
        token = torch.argmax(out[:, -1, :], dim=-1).unsqueeze(1)
        idx = torch.cat((idx, token), dim=1)
        out, state = model(token, state)
    return idx
'''),
    W("test-generate-greedy", "argmax without keepdim", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            nxt = logits[:, -1, :].argmax(dim=-1)
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model.forward_with_state(nxt, state)
    return idx
'''),
    W("test-generate-greedy", "state not updated", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
            logits, _ = model.forward_with_state(nxt, state)
    return idx
'''),
    W("test-generate-greedy", "prompt read in two calls", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        _, state = model.forward_with_state(idx[:, :-1])
        nxt = idx[:, -1:]
        for _ in range(max_new_tokens):
            logits, state = model.forward_with_state(nxt, state)
            nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
    return idx
'''),
    W("test-generate-greedy", "one token too few", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, nxt], dim=1)
        for _ in range(max_new_tokens - 2):
            logits, state = model.forward_with_state(nxt, state)
            nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
    return idx
'''),
    W("test-generate-greedy", "appended along the batch", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, nxt])
            logits, state = model.forward_with_state(nxt, state)
    return idx
'''),
    W("test-lr-schedule", "progress clamped from below", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    decay_ratio = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    decay_ratio = max(1.0, decay_ratio)  # never past the end of the cosine
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return cfg.min_lr + coeff * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "a quarter of a cosine wave", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it >= cfg.max_iters:
        return cfg.min_lr
    t = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + (cfg.learning_rate - cfg.min_lr) * math.cos(t * math.pi / 2)
'''),
    W("test-lr-schedule", "warm-up reaches the peak one step early", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / cfg.warmup_iters
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "warm-up and decay one step early", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / cfg.warmup_iters
    if it > cfg.max_iters:
        return cfg.min_lr
    ratio = (it + 1 - cfg.warmup_iters) / (cfg.max_iters + 1 - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "warm-up multiplied onto the cosine", '''
def lr_at_step(it, cfg):
    if it > cfg.max_iters:
        return cfg.min_lr
    cos = cfg.min_lr + 0.5 * (1 + math.cos(math.pi * it / cfg.max_iters)) * (cfg.learning_rate - cfg.min_lr)
    warm = min(1.0, (it + 1) / (cfg.warmup_iters + 1))
    return cos * warm
'''),
    W("test-lr-schedule", "no floor after max_iters", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "cosine without the 0.5", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "cosine without π", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "tensor instead of float", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = torch.tensor((it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters))
    return cfg.min_lr + 0.5 * (1 + torch.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "float32 arithmetic", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + torch.cos(torch.tensor(math.pi * progress)).item()) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "progress divided by max_iters", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / cfg.max_iters
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "warm-up from min_lr", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.min_lr + (cfg.learning_rate - cfg.min_lr) * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-train-loop", "a new optimizer every iteration", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        xb, yb = get_batch("train")
        logits, loss = model(xb, yb)
        model.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        opt = torch.optim.Adam(model.parameters(), lr=lr_schedule(it))  # the rate changes every step
        opt.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "learning rate one iteration ahead", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it + 1)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "learning rate set after the step", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "gradients not clipped to grad_clip", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        optimizer.zero_grad()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        _, loss = model(x, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "loss not unpacked", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "one batch for every iteration", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    x, y = get_batch("train")
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "one step after the loop", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    total_loss = 0.0
    optimizer.zero_grad(set_to_none=True)
    for it in range(max_iters):
        lr = lr_schedule(it)
        for group in optimizer.param_groups:
            group["lr"] = lr
        xb, yb = get_batch("train")
        _, loss = model(xb, yb)
        total_loss = total_loss + loss
        losses.append(loss.item())
    total_loss.backward()  # one update for the whole run
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return losses
'''),
    W("test-train-loop", "param_groups indexed like a dict", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        optimizer.param_groups["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-generate-greedy", "sampled instead of argmax", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            probs = F.softmax(logits[:, -1, :], dim=-1)
            nxt = torch.multinomial(probs, 1)
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model.forward_with_state(nxt, state)
    return idx
'''),
    W("test-generate-greedy", "first token outside the loop", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, next_id], dim=1)
        for _ in range(max_new_tokens - 1):
            logits, state = model.forward_with_state(next_id, state)
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
    return idx
'''),
    # a third round (2026-12): the red team's wrong answers the checks did not name, and their kin
    W("test-lstm-cell", "relu on the candidate", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * F.relu(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "sigmoid of c instead of tanh", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.sigmoid(c_new)
    return h_new, c_new
'''),
    W("test-lstm-cell", "input gate unused", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[1]
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    f = torch.sigmoid(gates[:, H:2 * H])
    g = torch.tanh(gates[:, 2 * H:3 * H])
    o = torch.sigmoid(gates[:, 3 * H:])
    c_new = f * c + g
    return o * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "forget gate applied to h", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=-1)
    c_next = f.sigmoid() * h + i.sigmoid() * g.tanh()
    h_next = o.sigmoid() * c_next.tanh()
    return h_next, c_next
'''),
    W("test-lstm-cell", "old c returned", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h = o * torch.tanh(c_new)
    return h, c
'''),
    W("test-lstm-cell", "gate order", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, g, f, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-shift-batch", "windows one token too long", '''
def shift_batch(data, starts, block_size):
    chunks = torch.stack([data[s:s + block_size + 2] for s in starts.tolist()])
    return chunks[:, :-1], chunks[:, 1:]
'''),
    W("test-shift-batch", "row numbers instead of starts", '''
def shift_batch(data, starts, block_size):
    xs, ys = [], []
    for i in range(len(starts)):
        xs.append(data[i:i + block_size])
        ys.append(data[i + 1:i + block_size + 1])
    return torch.stack(xs), torch.stack(ys)
'''),
    W("test-shift-batch", "float tensors instead of ids", '''
def shift_batch(data, starts, block_size):
    x = torch.zeros(len(starts), block_size)
    y = torch.zeros(len(starts), block_size)
    for row, s in enumerate(starts.tolist()):
        x[row] = data[s:s + block_size]
        y[row] = data[s + 1:s + block_size + 1]
    return x, y
'''),
    W("test-shift-batch", "labels shifted by two", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 2:s + block_size + 2] for s in starts.tolist()])
    return x, y
'''),
    W("test-shift-batch", "windows start one late", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s + 1:s + 1 + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 2:s + 2 + block_size] for s in starts.tolist()])
    return x, y
'''),
    W("test-sequence-loss", "label smoothing", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.view(B * T, V), targets.view(B * T), label_smoothing=0.1)
'''),
    W("test-sequence-loss", "last position only", '''
def sequence_loss(logits, targets):
    return F.cross_entropy(logits[:, -1, :], targets[:, -1])
'''),
    W("test-sequence-loss", "a position left out", '''
def sequence_loss(logits, targets):
    V = logits.shape[-1]
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), targets[:, :-1].reshape(-1))
'''),
    W("test-sequence-loss", "targets shifted again", '''
def sequence_loss(logits, targets):
    V = logits.shape[-1]
    logits = logits[:, :-1, :].reshape(-1, V)
    targets = targets[:, 1:].reshape(-1)
    return F.cross_entropy(logits, targets)
'''),
    W("test-sequence-loss", "loss in float64", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.reshape(B * T, V).to(torch.float64), targets.reshape(B * T))
'''),
    W("test-sequence-loss", "ignore_index copied in", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.view(B * T, V), targets.view(B * T), ignore_index=0)
'''),
    W("test-sequence-loss", "logits and targets reshaped differently", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.reshape(B, T * V), targets.reshape(B * T))
'''),
    W("test-sequence-loss", "one_hot without num_classes", '''
def sequence_loss(logits, targets):
    log_probs = F.log_softmax(logits, dim=-1)
    # pick each target's log-probability with a one-hot mask
    return -(log_probs * F.one_hot(targets)).sum(dim=-1).mean()
'''),
    W("test-sequence-loss", "one_hot without num_classes", '''
def sequence_loss(logits, targets):
    onehot = F.one_hot(targets).float()
    nll = -(onehot * torch.log_softmax(logits, -1)).sum(-1)
    return nll.mean()
'''),
    W("test-generate-greedy", "prompt's state dropped", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, _ = model.forward_with_state(idx)
        state = None
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-generate-greedy", "argmin instead of argmax", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = torch.argmin(logits[:, -1, :], dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-generate-greedy", "one token too many", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens + 1):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-generate-greedy", "whole text fed with the state", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(idx, state)
    return idx
'''),
    W("test-generate-greedy", "new tokens only", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx[:, -max_new_tokens:]
'''),
    W("test-generate-greedy", "new id not a (B, 1) column", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1).unsqueeze(0)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-lr-schedule", "decay length off by one", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    decay_steps = cfg.max_iters - cfg.warmup_iters + 1
    progress = min((it - cfg.warmup_iters) / decay_steps, 1.0)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "cosine in degrees", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it >= cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + (cfg.learning_rate - cfg.min_lr) * (1 + math.cos(progress * 180)) / 2
'''),
    W("test-lr-schedule", "cosine scaled by learning_rate", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * cfg.learning_rate
'''),
    W("test-lr-schedule", "progress by integer division", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) // (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "lr_decay_iters used (None here)", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.lr_decay_iters:
        return cfg.min_lr
    ratio = (it - cfg.warmup_iters) / (cfg.lr_decay_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-train-loop", "learning rate set once", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    for group in optimizer.param_groups:
        group["lr"] = lr_schedule(0)
    losses = []
    for it in range(max_iters):
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "loss measured after the step", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        optimizer.zero_grad()
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        with torch.no_grad():
            _, new_loss = model(x, y)
        losses.append(new_loss.item())
    return losses
'''),
    W("test-train-loop", "targets not passed to the model", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        logits, loss = model(x)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    # --- 05 nanoGPT ------------------------------------------------------------------------------
    W("test-bigram-forward", "softmax before cross-entropy", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.softmax(-1).view(B * T, V), targets.view(B * T))
'''),
    W("test-bigram-forward", "(T, B) instead of (B, T)", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.permute(1, 0, 2).reshape(-1, V), targets.reshape(-1))
'''),
    W("test-bigram-forward", "sum instead of mean", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    V = logits.shape[-1]
    return logits, F.cross_entropy(logits.view(-1, V), targets.view(-1), reduction="sum")
'''),
    W("test-bigram-forward", "flattened logits returned", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    logits = logits.view(B * T, V)
    return logits, F.cross_entropy(logits, targets.view(B * T))
'''),
    W("test-bigram-forward", "cut off from the graph", '''
def bigram_forward(table, idx, targets=None):
    logits = table.detach()[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
'''),
    W("test-causal-average", "includes the future", '''
def causal_average(x):
    T = x.shape[1]
    mask = torch.triu(torch.ones(T, T))
    return (mask / mask.sum(1, keepdim=True)) @ x
'''),
    W("test-causal-average", "sums instead of means", '''
def causal_average(x):
    T = x.shape[1]
    return torch.tril(torch.ones(T, T)) @ x
'''),
    W("test-causal-average", "divided by T", '''
def causal_average(x):
    return x.cumsum(dim=1) / x.shape[1]
'''),
    W("test-causal-average", "no mask", '''
def causal_average(x):
    T = x.shape[1]
    return F.softmax(torch.zeros(T, T), dim=-1) @ x
'''),
    W("test-block-forward", "post-norm", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = ln_1(x + attn(x))
    x = ln_2(x + mlp(x))
    return x
'''),
    W("test-block-forward", "attention residual missing", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = attn(ln_1(x))
    x = x + mlp(ln_2(x))
    return x
'''),
    W("test-block-forward", "MLP residual missing", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    h = x + attn(ln_1(x))
    return mlp(ln_2(h))
'''),
    W("test-block-forward", "norms swapped", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_2(x))
    x = x + mlp(ln_1(x))
    return x
'''),
    W("test-block-forward", "ln_2 on the attention output", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    # attention, normalised, then the MLP
    x = x + ln_2(attn(ln_1(x)))
    x = x + mlp(x)
    return x
'''),
    W("test-block-forward", "parallel sublayers", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    return x + attn(ln_1(x)) + mlp(ln_2(x))
'''),
    W("test-gpt-forward", "no position embedding", '''
def gpt_forward(model, idx):
    x = model.transformer.drop(model.transformer.wte(idx))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "a new LayerNorm instead of ln_f", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    tok = model.transformer.wte(idx)
    pos = model.transformer.wpe(torch.arange(T, device=idx.device))
    x = model.transformer.drop(tok + pos)
    for block in model.transformer.h:
        x = block(x)
    x = F.layer_norm(x, (x.size(-1),))  # normalise the channels before the head
    return model.lm_head(x)
'''),
    W("test-gpt-forward", "positions counted from 1", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    positions = torch.arange(1, T + 1)
    x = model.transformer.wte(idx) + model.transformer.wpe(positions)
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "the whole position table added", '''
def gpt_forward(model, idx):
    x = model.transformer.wte(idx) + model.transformer.wpe.weight
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "final LayerNorm missing", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(x)
'''),
    W("test-gpt-forward", "blocks not chained", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    emb = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        out = block(emb)
    return model.lm_head(model.transformer.ln_f(out))
'''),
    W("test-gpt-forward", "softmax applied", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
    logits = model.lm_head(model.transformer.ln_f(x))
    return F.softmax(logits, dim=-1)
'''),
    W("test-gpt-forward", "last position only", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))[:, -1, :]
'''),
    W("test-gpt-forward", "calls the model", '''
def gpt_forward(model, idx):
    logits, _ = model(idx)
    return logits
'''),
    # the check's model raises in model(idx): catching that kept the point until 2026-12-01 (a red team's)
    W("test-gpt-forward", "calls the model", '''
def gpt_forward(model, idx):
    try:
        return model(idx)[0]
    except Exception:
        return None
'''),
    W("test-bigram-forward", "targets=None not handled", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
    return logits, loss
'''),
    W("test-bigram-forward", "logits alone without targets", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
'''),
    W("test-bigram-forward", "(loss, logits) instead of (logits, loss)", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return F.cross_entropy(logits.view(B * T, V), targets.view(B * T)), logits
'''),
    W("test-bigram-forward", "nll_loss on logits", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.nll_loss(logits.view(B * T, V), targets.view(B * T))
'''),
    W("test-bigram-forward", "column instead of row", '''
def bigram_forward(table, idx, targets=None):
    logits = table[:, idx].permute(1, 2, 0)
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T))
'''),
    W("test-bigram-forward", "loss as a Python float", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T)).item()
'''),
    W("test-causal-average", "divided along the wrong axis", '''
def causal_average(x):
    T = x.shape[1]
    return x.cumsum(dim=1) / torch.arange(1, T + 1)
'''),
    W("test-causal-average", "counts start at 0", '''
def causal_average(x):
    T = x.shape[1]
    return x.cumsum(dim=1) / torch.arange(T).view(1, T, 1)
'''),
    W("test-causal-average", "stacked along the wrong dimension", '''
def causal_average(x):
    B, T, C = x.shape
    return torch.stack([x[:, :t + 1].mean(dim=1) for t in range(T)])
'''),
    W("test-causal-average", "float64 result", '''
def causal_average(x):
    T = x.shape[1]
    wei = torch.tril(torch.ones(T, T, dtype=torch.float64))
    wei = wei / wei.sum(1, keepdim=True)
    return wei @ x.double()
'''),
    W("test-causal-average", "normalised over the wrong dimension", '''
def causal_average(x):
    T = x.shape[1]
    scores = torch.zeros(T, T).masked_fill(torch.tril(torch.ones(T, T)) == 0, float("-inf"))
    return F.softmax(scores, dim=0) @ x
'''),
    W("test-causal-average", "x overwritten in place", '''
def causal_average(x):
    T = x.shape[1]
    for t in range(T):
        x[:, t] = x[:, :t + 1].mean(dim=1)
    return x
'''),
    W("test-causal-average", "mask hides the past", '''
def causal_average(x):
    T = x.shape[1]
    tril = torch.tril(torch.ones(T, T))
    scores = torch.zeros(T, T).masked_fill(tril == 1, float("-inf"))
    return F.softmax(scores, dim=-1) @ x
'''),
    W("test-causal-average", "diagonal missing", '''
def causal_average(x):
    out = torch.zeros_like(x)
    for t in range(x.shape[1]):
        out[:, t] = x[:, :t].mean(dim=1)
    return out
'''),
    W("test-block-forward", "changes its input", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x += attn(ln_1(x))
    x += mlp(ln_2(x))
    return x
'''),
    W("test-block-forward", "one LayerNorm used twice", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x))
    x = x + mlp(ln_1(x))
    return x
'''),
    W("test-block-forward", "LayerNorm after the sublayer", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + ln_1(attn(x))
    x = x + ln_2(mlp(x))
    return x
'''),
    W("test-block-forward", "LayerNorms missing", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(x)
    x = x + mlp(x)
    return x
'''),
    W("test-block-forward", "MLP before attention", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + mlp(ln_2(x))
    x = x + attn(ln_1(x))
    return x
'''),
    W("test-gpt-forward", "dropout missing", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "dropout in the wrong place", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.drop(model.transformer.wte(idx)) + model.transformer.drop(model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "cut off from the graph", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    with torch.no_grad():
        x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
        for block in model.transformer.h:
            x = block(x)
        return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "token ids as positions", '''
def gpt_forward(model, idx):
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(idx))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "the whole position table added", '''
def gpt_forward(model, idx):
    pos = torch.arange(model.config.block_size)
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "final LayerNorm after every block", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = model.transformer.ln_f(block(x))
    return model.lm_head(x)
'''),
    W("test-gpt-forward", "blocks not chained", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    x = model.transformer.h[-1](x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-bigram-forward", "targets tested for truth", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if not targets:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
'''),
    W("test-bigram-forward", "loss against the inputs", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), idx.view(B * T))
'''),
    W("test-bigram-forward", "probabilities returned", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits.softmax(-1), None
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
    return logits.softmax(-1), loss
'''),
    W("test-bigram-forward", "targets not flattened", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets)
'''),
    W("test-bigram-forward", "targets shifted again", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    V = logits.shape[-1]
    return logits, F.cross_entropy(logits[:, :-1].reshape(-1, V), targets[:, 1:].reshape(-1))
'''),
    W("test-bigram-forward", "nll_loss on probabilities", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    probs = F.softmax(logits, dim=-1)
    return logits, F.nll_loss(probs.view(B * T, V), targets.view(B * T))
'''),
    W("test-bigram-forward", "loss not averaged", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T), reduction="none")
'''),
    W("test-causal-average", "softmax of the 0/1 mask", '''
def causal_average(x):
    T = x.shape[1]
    tril = torch.tril(torch.ones(T, T))
    return F.softmax(tril, dim=-1) @ x
'''),
    W("test-causal-average", "running maximum", '''
def causal_average(x):
    return x.cummax(dim=1).values
'''),
    W("test-causal-average", "running sum along the wrong dimension", '''
def causal_average(x):
    B, T, C = x.shape
    return x.cumsum(dim=-1) / torch.arange(1, T + 1).view(1, T, 1)
'''),
    W("test-causal-average", "row sums without keepdim", '''
def causal_average(x):
    T = x.shape[1]
    wei = torch.tril(torch.ones(T, T))
    wei = wei / wei.sum(1)
    return wei @ x
'''),
    W("test-block-forward", "in-place residual", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x.clone()
    x += attn(ln_1(x))
    x += mlp(ln_2(x))
    return x
'''),
    W("test-block-forward", "MLP reads the attention output alone", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    a = attn(ln_1(x))
    x = x + a
    return x + mlp(ln_2(a))
'''),
    W("test-block-forward", "a sublayer used twice", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x))
    return x + attn(ln_2(x))
'''),
    W("test-block-forward", "residual of the normalised x", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = ln_1(x)
    x = x + attn(x)
    x = x + mlp(ln_2(x))
    return x
'''),
    W("test-block-forward", "attention output not kept", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    h = x + attn(ln_1(x))
    out = x + mlp(ln_2(h))
    return out
'''),
    W("test-block-forward", "attention computed twice", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    h = x + attn(ln_1(x))
    m = mlp(ln_2(h))
    return x + attn(ln_1(x)) + m
'''),
    W("test-gpt-forward", "positions from the batch dimension", '''
def gpt_forward(model, idx):
    pos = torch.arange(idx.size(0))
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos)[:, None, :])
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "positions from the batch dimension", '''
def gpt_forward(model, idx):
    T, B = idx.shape
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "embeddings scaled by √C", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    tok = model.transformer.wte(idx)
    x = model.transformer.drop(tok * math.sqrt(tok.shape[-1]) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "only the first block", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    x = model.transformer.h[0](x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "blocks in reverse order", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in reversed(model.transformer.h):
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "log_softmax applied", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
    return F.log_softmax(model.lm_head(model.transformer.ln_f(x)), dim=-1)
'''),
    W("test-bigram-forward", "flattened logits returned", '''
def bigram_forward(table, idx, targets=None):
    B, T = idx.shape
    logits = table[idx].view(B * T, -1)
    if targets is None:
        return logits, None
    return logits, F.cross_entropy(logits, targets.view(B * T))
'''),
    W("test-bigram-forward", "table called like a module", '''
def bigram_forward(table, idx, targets=None):
    logits = table(idx)
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
'''),
    # torch refuses the call before there is any output: both tests name it from the error
    W("test-bigram-forward", "arguments of F.embedding swapped", BIGRAM_EMBEDDING_SWAPPED),
    W("test-bigram-forward", "one_hot is int64", '''
def bigram_forward(table, idx, targets=None):
    V = table.shape[0]
    onehot = F.one_hot(idx, num_classes=V)          # (B, T, V)
    logits = torch.matmul(onehot, table)            # row idx of the table
    if targets is None:
        return logits, None
    B, T, _ = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
    return logits, loss
'''),
    W("test-bigram-forward-form", "arguments of F.embedding swapped", BIGRAM_EMBEDDING_SWAPPED),
    W("test-gpt-forward", "last position only", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
    x = model.transformer.ln_f(x)
    return model.lm_head(x[:, [-1], :])
'''),
    # --- 06 fine-tuning --------------------------------------------------------------------------
    W("test-greedy-decode", "token never fed back", '''
def greedy_decode(model, input_ids, max_new_tokens):
    with torch.no_grad():
        nxt = model(input_ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
    return torch.cat([input_ids] + [nxt] * max_new_tokens, dim=1)
'''),
    W("test-greedy-decode", "divided by temperature 0", '''
def greedy_decode(model, input_ids, max_new_tokens):
    temperature = 0.0  # greedy = no randomness
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids).logits[:, -1, :] / temperature
            probs = torch.softmax(logits, dim=-1)
            nxt = torch.argmax(probs, dim=-1, keepdim=True)
            ids = torch.cat((ids, nxt), dim=1)
    return ids
'''),
    W("test-greedy-decode", "first position's logits", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            ids = torch.cat([ids, model(ids).logits[:, 0, :].argmax(dim=-1, keepdim=True)], dim=1)
    return ids
'''),
    W("test-greedy-decode", "only the new token fed", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids, last = input_ids, input_ids[:, -1:]
    with torch.no_grad():
        for _ in range(max_new_tokens):
            last = model(last).logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, last], dim=1)
    return ids
'''),
    W("test-greedy-decode", "calls model.generate", '''
def greedy_decode(model, input_ids, max_new_tokens):
    return model.generate(input_ids, attention_mask=torch.ones_like(input_ids), do_sample=False,
                          max_new_tokens=max_new_tokens, pad_token_id=0)
'''),
    W("test-greedy-decode", "new tokens only", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids, new = input_ids, []
    with torch.no_grad():
        for _ in range(max_new_tokens):
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, nxt], dim=1)
            new.append(nxt)
    return torch.cat(new, dim=1)
'''),
    W("test-greedy-decode", "stopped at <|endoftext|>", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, nxt], dim=1)
            if (nxt == 50256).all():  # the end of the text
                break
    return ids
'''),
    W("test-top-k", "kept k + 1", '''
def top_k_filter(logits, k):
    values, _ = torch.sort(logits, dim=-1, descending=True)
    k = min(k, logits.size(-1) - 1)
    kth = values[..., k:k + 1]
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W("test-top-k", "ties broken", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    idx = torch.topk(logits, k, dim=-1).indices
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, idx, True)
    return logits.masked_fill(~keep, float("-inf"))
'''),
    W("test-top-k", "removed set to 0", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    out = logits.clone()
    out[out < kth] = 0
    return out
'''),
    W("test-top-k", "probabilities instead of logits", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    probs = torch.softmax(logits, dim=-1)
    return probs.masked_fill(logits < kth, 0.0)
'''),
    W("test-top-k", "kept k - 1", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits <= kth, float("-inf"))
'''),
    W("test-top-p", "crossing token dropped", '''
def top_p_filter(logits, p):
    probs = logits.softmax(-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(-1) > p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "never sorted", '''
def top_p_filter(logits, p):
    cumulative = logits.softmax(-1).cumsum(-1)
    sorted_cum, order = cumulative.sort(dim=-1, descending=True)
    remove_sorted = sorted_cum > p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "no token kept", '''
def top_p_filter(logits, p):
    sorted_probs, order = logits.softmax(-1).sort(dim=-1, descending=True)
    cumulative = sorted_probs.cumsum(-1)
    remove_sorted = torch.zeros_like(cumulative, dtype=torch.bool)
    remove_sorted[..., 1:] = cumulative[..., :-1] > p
    remove_sorted[..., 0] = cumulative[..., 0] > p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "ascending sort", '''
def top_p_filter(logits, p):
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1)
    before = sorted_probs.cumsum(-1) - sorted_probs
    remove_sorted = before >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "softmax over the batch", '''
def top_p_filter(logits, p):
    sorted_probs, order = torch.sort(torch.softmax(logits, dim=0), dim=-1, descending=True)
    before = sorted_probs.cumsum(-1) - sorted_probs
    remove_sorted = before >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-lm-loss", "labels not shifted", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=-100)
'''),
    W("test-lm-loss", "positions selected before the shift", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    mask = labels != -100          # only the real tokens
    logits, labels = logits[mask], labels[mask]
    return F.cross_entropy(logits[:-1], labels[1:])
'''),
    W("test-lm-loss", "shifted the wrong way", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(logits[:, 1:].reshape(-1, V), labels[:, :-1].reshape(-1))
'''),
    W("test-lm-loss", "sum instead of mean", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), reduction="sum")
'''),
    W("test-lm-loss", "mean of sequence means", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    losses = [F.cross_entropy(logits[b, :-1], labels[b, 1:]) for b in range(logits.size(0))]
    return torch.stack(losses).mean()
'''),
    W("test-lm-loss", "padding counted", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    V = logits.size(-1)
    logp = torch.log_softmax(logits[:, :-1], dim=-1)
    return -logp.gather(-1, labels[:, 1:, None]).mean()
'''),
    W("test-collate", "padded on the left", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    ids = [[pad_id] * (T - len(d)) + d for d in docs]
    mask = [[0] * (T - len(d)) + [1] * len(d) for d in docs]
    input_ids, attention_mask = torch.tensor(ids), torch.tensor(mask)
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "labels": input_ids.masked_fill(attention_mask == 0, -100)}
'''),
    W("test-collate", "mask from the pad id", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    attention_mask = (input_ids != pad_id).long()
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "labels": input_ids.masked_fill(attention_mask == 0, -100)}
'''),
    W("test-collate", "padding in the labels", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs])
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": input_ids.clone()}
'''),
    W("test-collate", "bool attention mask", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    attention_mask = torch.tensor([[True] * len(d) + [False] * (T - len(d)) for d in docs])
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "labels": input_ids.masked_fill(~attention_mask, -100)}
'''),
    W("test-collate", "labels shifted", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs])
    labels = torch.tensor([d[1:] + [-100] * (T - len(d) + 1) for d in docs])
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-greedy-decode", "argmax without keepdim", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1)
            ids = torch.cat([ids, nxt], dim=1)
    return ids
'''),
    W("test-greedy-decode", "new ids not a (B, 1) column", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1)
            ids = torch.cat([ids, nxt.unsqueeze(0)], dim=1)
    return ids
'''),
    W("test-greedy-decode", "one token too few", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens - 1):
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, nxt], dim=1)
    return ids
'''),
    W("test-greedy-decode", "sampled instead of argmax", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            probs = torch.softmax(model(ids).logits[:, -1, :], dim=-1)
            ids = torch.cat([ids, torch.multinomial(probs, 1)], dim=1)
    return ids
'''),
    W("test-greedy-decode", "first sequence only", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids[0].tolist()
    with torch.no_grad():
        for _ in range(max_new_tokens):
            ids.append(int(model(torch.tensor([ids])).logits[0, -1].argmax()))
    return torch.tensor([ids])
'''),
    W("test-top-k", "threshold not kept per row", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k).values[-1]
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W("test-top-k", "threshold not kept per row", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1]
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W("test-top-k", "k larger than the vocabulary", '''
def top_k_filter(logits, k):
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W("test-top-k", "removed set to -1e9", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, -1e9)
'''),
    W("test-top-k", "dtype changed", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    out = torch.full(logits.shape, float("-inf"))
    keep = logits >= kth
    out[keep] = logits[keep].float()
    return out
'''),
    W("test-top-k", "kept k + 1", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    values, _ = torch.sort(logits, dim=-1, descending=True)
    kth = values[..., min(k, logits.size(-1) - 1)].unsqueeze(-1)
    return torch.where(logits < kth, torch.full_like(logits, float("-inf")), logits)
'''),
    W("test-top-p", "mask left in sorted order", '''
def top_p_filter(logits, p):
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1, descending=True)
    remove = sorted_probs.cumsum(-1) - sorted_probs >= p
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "gather instead of scatter", '''
def top_p_filter(logits, p):
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(-1) - sorted_probs >= p
    remove = remove_sorted.gather(-1, order)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "crossing token dropped", '''
def top_p_filter(logits, p):
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(-1) > p
    remove_sorted[..., 0] = False
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "sorted logits returned", '''
def top_p_filter(logits, p):
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
    probs = sorted_logits.softmax(-1)
    remove = probs.cumsum(-1) - probs >= p
    return sorted_logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "one token too many", '''
def top_p_filter(logits, p):
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1, descending=True)
    before = sorted_probs.cumsum(-1) - sorted_probs
    remove_sorted = torch.zeros_like(before, dtype=torch.bool)
    remove_sorted[..., 1:] = before[..., :-1] >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "removed set to 0", '''
def top_p_filter(logits, p):
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(-1) - sorted_probs >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, 0.0)
'''),
    W("test-top-p", "one list of ids for every row", '''
import torch.nn.functional as F

def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    sorted_logits, sorted_indices = torch.sort(logits, descending=True)
    probs = F.softmax(sorted_logits, dim=-1)
    sorted_indices_to_remove = torch.cumsum(probs, dim=-1) - probs >= p
    indices_to_remove = sorted_indices[sorted_indices_to_remove]
    filtered = logits.clone()
    filtered[..., indices_to_remove] = float("-inf")
    return filtered
'''),
    W("test-top-p", "one list of ids for every row", '''
import torch.nn.functional as F

def top_p_filter(logits, p):
    sorted_logits, sorted_indices = torch.sort(logits, descending=True)
    cumulative_probs = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
    sorted_indices_to_remove = cumulative_probs > p
    sorted_indices_to_remove[..., 1:] = sorted_indices_to_remove[..., :-1].clone()
    sorted_indices_to_remove[..., 0] = 0
    logits = logits.clone()
    logits[sorted_indices[sorted_indices_to_remove]] = float("-inf")
    return logits
'''),
    W("test-top-p", "float mask", '''
def top_p_filter(logits, p):
    sorted_probs, idx = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    cum = sorted_probs.cumsum(dim=-1)
    remove = torch.zeros_like(sorted_probs)
    remove[..., 1:] = cum[..., :-1] >= p
    remove = remove.scatter(-1, idx, remove)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "float mask", '''
def top_p_filter(logits, p):
    sorted_probs, order = torch.sort(logits.softmax(dim=-1), dim=-1, descending=True)
    remove = sorted_probs.cumsum(dim=-1) > p
    remove = torch.cat([torch.zeros(*remove.shape[:-1], 1), remove[..., :-1]], dim=-1)
    remove = remove.scatter(-1, order, remove)
    return torch.where(remove, torch.tensor(float("-inf")), logits)
'''),
    W("test-lm-loss", "view on a slice", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(logits[:, :-1, :].view(-1, V), labels[:, 1:].view(-1))
'''),
    W("test-lm-loss", "labels not shifted", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, :-1].reshape(-1))
'''),
    W("test-lm-loss", "padding counted in the mean", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    V = logits.size(-1)
    losses = F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), reduction="none")
    return losses.sum() / losses.numel()
'''),
    W("test-lm-loss", "softmax before cross-entropy", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    probs = F.softmax(logits, dim=-1)
    V = probs.size(-1)
    return F.cross_entropy(probs[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))
'''),
    W("test-lm-loss", "classes on the wrong axis", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    return F.cross_entropy(logits[:, :-1], labels[:, 1:])
'''),
    W("test-lm-loss", "cut off from the graph", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    V = logits.size(-1)
    return torch.tensor(F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1)).item())
'''),
    W("test-collate", "padded with 0, not pad_id", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [0] * (T - len(d)) for d in docs])
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs])
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "float attention mask", '''
def collate(docs, pad_id):
    B, T = len(docs), max(len(d) for d in docs)
    input_ids = torch.full((B, T), pad_id)
    attention_mask = torch.zeros(B, T)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = 1
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "labels share input_ids' memory", '''
def collate(docs, pad_id):
    B, T = len(docs), max(len(d) for d in docs)
    input_ids = torch.full((B, T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros(B, T, dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = 1
    labels = input_ids
    labels[attention_mask == 0] = -100
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "(T, B) instead of (B, T)", '''
def collate(docs, pad_id):
    seqs = [torch.tensor(d) for d in docs]
    input_ids = torch.nn.utils.rnn.pad_sequence(seqs, padding_value=pad_id)
    attention_mask = torch.nn.utils.rnn.pad_sequence([torch.ones(len(d), dtype=torch.long) for d in docs])
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "labels": input_ids.masked_fill(attention_mask == 0, -100)}
'''),
    W("test-collate", "labels from the pad id", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs])
    labels = input_ids.masked_fill(input_ids == pad_id, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    # the checks' second round for lesson 06: dropout, keys, rounding at p = 1.0 and more
    W("test-greedy-decode", "dropout on while decoding", '''
def greedy_decode(model, input_ids, max_new_tokens):
    model.train()
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, nxt], dim=1)
    return ids
'''),
    W("test-greedy-decode", "second-to-last position's logits", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids).logits
            nxt = logits[:, -2, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, nxt], dim=1)
    return ids
'''),
    W("test-greedy-decode", "appended to the prompt each step", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([input_ids, nxt], dim=1)
    return ids
'''),
    W("test-greedy-decode", "one token too many", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    T = input_ids.shape[1]
    with torch.no_grad():
        while ids.shape[1] <= T + max_new_tokens:
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, nxt], dim=1)
    return ids
'''),
    W("test-greedy-decode", "max_new_tokens read as the total length", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        while ids.shape[1] < max_new_tokens:
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, nxt], dim=1)
    return ids
'''),
    W("test-greedy-decode", "list instead of a tensor", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, nxt], dim=1)
    return ids.tolist()
'''),
    # the model's embedding refuses the float ids fed back: both tests name it from the error
    W("test-greedy-decode", "float token ids", GREEDY_FLOAT_IDS),
    W("test-greedy-decode-form", "float token ids", GREEDY_FLOAT_IDS),
    W("test-top-k", "topk's output returned", '''
def top_k_filter(logits, k):
    values, indices = torch.topk(logits, min(k, logits.size(-1)))
    return values
'''),
    W("test-top-k", "k-th smallest as the threshold", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.kthvalue(logits, k, dim=-1, keepdim=True).values
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W("test-top-k", "one threshold for the whole batch", '''
def top_k_filter(logits, k):
    flat = logits.flatten()
    kth = torch.topk(flat, min(k, flat.numel())).values[-1]
    return torch.where(logits >= kth, logits, torch.tensor(float("-inf")))
'''),
    W("test-top-k", "mask inverted", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    keep = logits >= kth
    return logits.masked_fill(keep, float("-inf"))
'''),
    W("test-top-k", "probabilities instead of logits", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    probs = torch.softmax(logits, dim=-1)
    probs[logits < kth] = float("-inf")
    return probs
'''),
    W("test-top-k", "log-probabilities instead of logits", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    filtered = logits.masked_fill(logits < kth, float("-inf"))
    return torch.log_softmax(filtered, dim=-1)
'''),
    W("test-top-k", "removed set to a large negative number", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, -1e10)
'''),
    W("test-top-k", "temperature applied", '''
def top_k_filter(logits, k, temperature=0.7):
    logits = logits / temperature
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W("test-top-k", "assumed 2-D logits", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[:, -1:]
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W("test-top-p", "p = 1.0 rounded", '''
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep_sorted = before < p
    keep_sorted[..., 0] = True
    keep = keep_sorted.scatter(-1, order, keep_sorted)
    return torch.where(keep, logits, torch.full_like(logits, float("-inf")))
'''),
    W("test-top-p", "each token's own probability", '''
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1)
    return logits.masked_fill(probs < 1 - p, float("-inf"))
'''),
    W("test-top-p", "mask inverted", '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1, descending=True)
    keep_sorted = sorted_probs.cumsum(-1) - sorted_probs < p
    keep = keep_sorted.scatter(-1, order, keep_sorted)
    return logits.masked_fill(keep, float("-inf"))
'''),
    W("test-top-p", "shifted along the batch", '''
def top_p_filter(logits, p):
    sorted_logits, order = torch.sort(logits, descending=True)
    cumulative = torch.cumsum(torch.softmax(sorted_logits, dim=-1), dim=-1)
    remove = cumulative > p
    remove[1:] = remove[:-1].clone()
    remove[0] = False
    remove = remove.scatter(-1, order, remove)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "cumsum over the batch", '''
def top_p_filter(logits, p):
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1, descending=True)
    cumulative = torch.cumsum(sorted_probs, dim=0)
    remove = cumulative > p
    remove[..., 1:] = remove[..., :-1].clone()
    remove[..., 0] = False
    remove = remove.scatter(-1, order, remove)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "probabilities instead of logits", '''
def top_p_filter(logits, p):
    probs = logits.softmax(dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    remove = (sorted_probs.cumsum(-1) - sorted_probs) >= p
    remove[..., 0] = False
    remove = remove.scatter(-1, order, remove)
    return probs.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "log-probabilities instead of logits", '''
def top_p_filter(logits, p):
    logp = torch.log_softmax(logits, dim=-1)
    sorted_logp, order = torch.sort(logp, dim=-1, descending=True)
    probs = sorted_logp.exp()
    remove = probs.cumsum(-1) - probs >= p
    remove[..., 0] = False
    remove = remove.scatter(-1, order, remove)
    return logp.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "temperature applied", '''
def top_p_filter(logits, p):
    logits = logits / 0.8
    if p >= 1.0:
        return logits
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1, descending=True)
    remove = sorted_probs.cumsum(-1) - sorted_probs >= p
    remove[..., 0] = False
    return logits.masked_fill(remove.scatter(-1, order, remove), float("-inf"))
'''),
    W("test-top-p", "removed set to a large negative number", '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1, descending=True)
    remove = sorted_probs.cumsum(-1) - sorted_probs >= p
    remove[..., 0] = False
    return logits.masked_fill(remove.scatter(-1, order, remove), torch.finfo(logits.dtype).min)
'''),
    W("test-top-p", "assumed 2-D logits", '''
def top_p_filter(logits, p):
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1, descending=True)
    cumulative = sorted_probs.cumsum(-1)
    remove = cumulative > p
    remove[:, 1:] = remove[:, :-1].clone()
    remove[:, 0] = False
    return logits.masked_fill(remove.scatter(-1, order, remove), float("-inf"))
'''),
    W("test-top-p", "removed set to 0", '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    sorted_probs, order = torch.sort(logits.softmax(-1), dim=-1, descending=True)
    remove = sorted_probs.cumsum(-1) - sorted_probs >= p
    remove[..., 0] = False
    out = logits.clone()
    out[remove.scatter(-1, order, remove)] = 0.0
    return out
'''),
    W("test-lm-loss", "loss.item() returned", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    V = logits.size(-1)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-100)
    return loss.item()
'''),
    W("test-lm-loss", "nll_loss on raw logits", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    V = logits.size(-1)
    return F.nll_loss(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))
'''),
    W("test-lm-loss", "labels rolled", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    targets = torch.roll(labels, shifts=-1, dims=1)
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-100)
'''),
    W("test-lm-loss", "divided by the batch size", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    B, T, V = logits.shape
    total = F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), reduction="sum")
    return total / B
'''),
    W("test-lm-loss", "counted the unshifted labels", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    V = logits.size(-1)
    mask = labels != -100
    losses = F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), reduction="none")
    return losses.sum() / mask.sum()
'''),
    W("test-collate", "not torch.long", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.int32)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = 1
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "rows reordered", '''
def collate(docs, pad_id):
    docs = sorted(docs, key=len, reverse=True)
    T = len(docs[0])
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs])
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "labels": input_ids.masked_fill(attention_mask == 0, -100)}
'''),
    W("test-collate", "wrong key names", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs])
    targets = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "targets": targets}
'''),
    W("test-collate", "padded to a fixed length", '''
def collate(docs, pad_id, max_len=128):
    input_ids = torch.full((len(docs), max_len), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), max_len), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = 1
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "padding attended", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    attention_mask = torch.ones_like(input_ids)
    labels = torch.tensor([d + [-100] * (T - len(d)) for d in docs])
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "label mask inverted", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs])
    labels = torch.where(attention_mask == 1, torch.tensor(-100), input_ids)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "input_ids padded with -100", '''
def collate(docs, pad_id):
    rows = [torch.tensor(d) for d in docs]
    input_ids = torch.nn.utils.rnn.pad_sequence(rows, batch_first=True, padding_value=-100)
    attention_mask = (input_ids != -100).long()
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": input_ids.clone()}
'''),
]

# --- a second round: answers the checks missed, named wrongly or answered without a name ----------------
# (nothing returned, extra values returned, and mistakes the first round had no wrong version for)
CATALOGUE += [
    W('test-char-encode-decode', 'nothing returned', '\ndef char_encode(text, stoi):\n    for ch in text:\n        if ch not in stoi:\n            raise ValueError(f"unknown character {ch!r}")\n    return [stoi[ch] for ch in text]\n\ndef char_decode(ids, itos):\n    text = ""\n    for i in ids:\n        text += itos[i]\n'),
    W('test-count-pairs', 'first pair missing', '\ndef count_pairs(ids):\n    counts = {}\n    for i in range(1, len(ids) - 1):\n        pair = (ids[i], ids[i + 1])\n        counts[pair] = counts.get(pair, 0) + 1\n    return counts\n'),
    W('test-merge', 'nothing returned', '\ndef merge(ids, pair, new_id):\n    i = 0\n    while i < len(ids) - 1:\n        if ids[i] == pair[0] and ids[i + 1] == pair[1]:\n            ids[i:i + 2] = [new_id]\n        i += 1\n'),
    W('test-bpe-word', 'pairs compared, not their ranks', '\ndef bpe_word(symbols, ranks):\n    symbols = list(symbols)\n    while len(symbols) > 1:\n        pairs = [p for p in zip(symbols, symbols[1:]) if p in ranks]\n        if not pairs:\n            break\n        best = min(pairs)\n        out, i = [], 0\n        while i < len(symbols):\n            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:\n                out.append(symbols[i] + symbols[i + 1]); i += 2\n            else:\n                out.append(symbols[i]); i += 1\n        symbols = out\n    return symbols\n'),
    W('test-bpe-word', 'most frequent pair first', '\ndef bpe_word(symbols, ranks):\n    symbols = list(symbols)\n    while len(symbols) > 1:\n        counts = {}\n        for p in zip(symbols, symbols[1:]):\n            if p in ranks:\n                counts[p] = counts.get(p, 0) + 1\n        if not counts:\n            break\n        best = max(counts, key=counts.get)\n        out, i = [], 0\n        while i < len(symbols):\n            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:\n                out.append(symbols[i] + symbols[i + 1]); i += 2\n            else:\n                out.append(symbols[i]); i += 1\n        symbols = out\n    return symbols\n'),
    W('test-bpe-word', 'one string instead of a list', '\ndef bpe_word(symbols, ranks):\n    symbols = list(symbols)\n    while len(symbols) > 1:\n        pairs = list(zip(symbols, symbols[1:]))\n        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))\n        if best not in ranks:\n            break\n        out, i = [], 0\n        while i < len(symbols):\n            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:\n                out.append(symbols[i] + symbols[i + 1]); i += 2\n            else:\n                out.append(symbols[i]); i += 1\n        symbols = out\n    return "".join(symbols)\n'),
    W('test-cross-attention', 'extra values returned', '\ndef cross_attention(S1, S2, W_Q, W_K, W_V):\n    Q = S2 @ W_Q\n    K = S1 @ W_K\n    V = S1 @ W_V\n    weights = torch.softmax(Q @ K.T / math.sqrt(K.shape[-1]), dim=-1)\n    return weights @ V, weights\n'),
    W('test-cross-attention', 'attention weights returned', '\ndef cross_attention(S1, S2, W_Q, W_K, W_V):\n    Q = S2 @ W_Q\n    K = S1 @ W_K\n    V = S1 @ W_V\n    weights = torch.softmax(Q @ K.T / math.sqrt(K.shape[-1]), dim=-1)\n    return weights\n'),
    W('test-sdpa', 'extra values returned', '\ndef scaled_dot_product_attention(q, k, v, mask=None):\n    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n    if mask is not None:\n        if mask.dtype == torch.bool:\n            scores = scores.masked_fill(~mask, float("-inf"))\n        else:\n            scores = scores + mask\n    w = torch.softmax(scores, dim=-1)\n    return w @ v, w\n'),
    W('test-heads', 'heads not merged', '\ndef split_heads(x, n_head):\n    B, T, C = x.shape\n    return x.view(B, T, n_head, C // n_head).transpose(1, 2)\n\ndef merge_heads(x):\n    B, nh, T, hs = x.shape\n    return x.transpose(1, 2)\n'),
    W('test-causal-self-attention', 'masked with 0', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], 0.0)\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        y = merge_heads(weights @ v)\n        return self.resid_dropout(self.c_proj(y))\n'),
    W('test-causal-self-attention', 'scaled by √n_head', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(self.n_head)\n        scores = scores.masked_fill(~self.mask[:T, :T], float(\'-inf\'))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        y = merge_heads(weights @ v)\n        return self.resid_dropout(self.c_proj(y))\n'),
    W('test-lstm-cell', 'tanh on the output gate', '\ndef lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh\n    i, f, g, o = gates.chunk(4, dim=1)\n    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.tanh(o)\n    c = f * c + i * g\n    h = o * torch.tanh(c)\n    return h, c\n'),
    W('test-lstm-cell', 'one value instead of 2', '\ndef lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh\n    i, f, g, o = gates.chunk(4, dim=1)\n    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)\n    c_new = f * c + i * g\n    h_new = o * torch.tanh(c_new)\n    return h_new\n'),
    W('test-sequence-loss', 'summed over the positions', '\ndef sequence_loss(logits, targets):\n    logp = F.log_softmax(logits, dim=-1)\n    picked = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)\n    return -picked.sum(dim=1).mean()\n'),
    W('test-sequence-loss', 'divided by B again', '\ndef sequence_loss(logits, targets):\n    B, T, V = logits.shape\n    return F.cross_entropy(logits.view(B * T, V), targets.view(B * T)) / B\n'),
    W('test-generate-greedy', 'argmax over the whole batch', '\ndef generate_greedy(model, idx, max_new_tokens):\n    with torch.no_grad():\n        logits, state = model.forward_with_state(idx)\n        for _ in range(max_new_tokens):\n            next_id = logits[:, -1, :].argmax()\n            next_id = next_id.view(1, 1).expand(idx.shape[0], 1)\n            idx = torch.cat([idx, next_id], dim=1)\n            logits, state = model.forward_with_state(next_id, state)\n    return idx\n'),
    W('test-lr-schedule', 'cosine upside down', '\ndef lr_at_step(it, cfg):\n    if it < cfg.warmup_iters:\n        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)\n    if it > cfg.max_iters:\n        return cfg.min_lr\n    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)\n    return cfg.min_lr + 0.5 * (1 - math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)\n'),
    W('test-train-loop', 'batches from the wrong split', '\ndef train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):\n    losses = []\n    for it in range(max_iters):\n        for group in optimizer.param_groups:\n            group["lr"] = lr_schedule(it)\n        x, y = get_batch("val")\n        _, loss = model(x, y)\n        optimizer.zero_grad()\n        loss.backward()\n        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)\n        optimizer.step()\n        losses.append(loss.item())\n    return losses\n'),
    W('test-train-loop', 'forward pass under no_grad', '\ndef train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):\n    losses = []\n    for it in range(max_iters):\n        for group in optimizer.param_groups:\n            group["lr"] = lr_schedule(it)\n        x, y = get_batch("train")\n        with torch.no_grad():\n            _, loss = model(x, y)\n        optimizer.zero_grad()\n        loss.backward()\n        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)\n        optimizer.step()\n        losses.append(loss.item())\n    return losses\n'),
    W('test-bigram-forward', 'classes on the wrong axis', '\ndef bigram_forward(table, idx, targets=None):\n    logits = table[idx]\n    if targets is None:\n        return logits, None\n    loss = F.cross_entropy(logits, targets)\n    return logits, loss\n'),
    W('test-gpt-forward', 'residual added around the block', '\ndef gpt_forward(model, idx):\n    B, T = idx.shape\n    pos = torch.arange(T)\n    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))\n    for block in model.transformer.h:\n        x = x + block(x)\n    return model.lm_head(model.transformer.ln_f(x))\n'),
    W('test-gpt-forward', 'extra values returned', '\ndef gpt_forward(model, idx):\n    B, T = idx.shape\n    pos = torch.arange(T)\n    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))\n    for block in model.transformer.h:\n        x = block(x)\n    logits = model.lm_head(model.transformer.ln_f(x))\n    return logits, None\n'),
    W('test-gpt-forward', 'final LayerNorm after the head', '\ndef gpt_forward(model, idx):\n    B, T = idx.shape\n    pos = torch.arange(T)\n    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))\n    for block in model.transformer.h:\n        x = block(x)\n    return model.transformer.ln_f(model.lm_head(x))\n'),
    W('test-greedy-decode', 'argmax over the whole batch', '\ndef greedy_decode(model, input_ids, max_new_tokens):\n    ids = input_ids\n    with torch.no_grad():\n        for _ in range(max_new_tokens):\n            next_id = model(ids).logits[:, -1].argmax()\n            ids = torch.cat([ids, next_id.view(1, 1).expand(ids.shape[0], 1)], dim=1)\n    return ids\n'),
    W('test-top-k', 'top-k over the batch', '\ndef top_k_filter(logits, k):\n    kth = torch.topk(logits, k, dim=0).values[-1]\n    return logits.masked_fill(logits < kth, float("-inf"))\n'),
    W('test-top-k', 'probabilities instead of logits', '\ndef top_k_filter(logits, k):\n    k = min(k, logits.size(-1))\n    kth = torch.topk(logits, k).values[..., -1, None]\n    filtered = logits.masked_fill(logits < kth, float("-inf"))\n    return torch.softmax(filtered, dim=-1)\n'),
    W('test-top-p', 'cumulative sum of the logits', '\ndef top_p_filter(logits, p):\n    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)\n    cum = torch.cumsum(sorted_logits, dim=-1)\n    remove = cum - sorted_logits >= p\n    remove[..., 0] = False\n    remove = remove.scatter(-1, order, remove)\n    return logits.masked_fill(remove, float("-inf"))\n'),
    W('test-lm-loss', 'logits and labels both cut at the start', '\ndef lm_loss(logits, labels):\n    V = logits.size(-1)\n    return torch.nn.functional.cross_entropy(logits[:, 1:, :].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-100)\n'),
    W('test-collate', 'tuple instead of dict', '\ndef collate(docs, pad_id):\n    T = max(len(d) for d in docs)\n    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)\n    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)\n    for i, d in enumerate(docs):\n        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)\n        attention_mask[i, :len(d)] = 1\n    labels = input_ids.masked_fill(attention_mask == 0, -100)\n    return input_ids, attention_mask, labels\n'),
]


# --- a third round (2026-12-03): answers whose values are right but that change their inputs in place, or
# cannot be trained through (a helper's catalogue of wrong answers found the checks passed them)
CATALOGUE += [
    W("test-causal-self-attention", "changed in place", _attention(
        scores="q.mul_(k.shape[-1] ** -0.5) @ k.transpose(-2, -1)  # scale the queries in place")),
    W("test-lstm-cell", "changes its input", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c.mul_(torch.sigmoid(f)).add_(torch.sigmoid(i) * torch.tanh(g))  # update the cell state
    return torch.sigmoid(o) * torch.tanh(c), c
'''),
    W("test-causal-average", "cut off from the graph", '''
def causal_average(x):
    B, T, C = x.shape
    out = torch.zeros(B, T, C)
    for t in range(T):
        out[:, t] = x[:, :t + 1].mean(dim=1).detach()
    return out
'''),
    W("test-collate", "changes its input", '''
def collate(docs, pad_id):
    longest = max(len(d) for d in docs)
    mask = [[1] * len(d) + [0] * (longest - len(d)) for d in docs]
    for d in docs:
        d.extend([pad_id] * (longest - len(d)))
    input_ids = torch.tensor(docs)
    attention_mask = torch.tensor(mask)
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
]
CATALOGUE += [
    W("test-merge", "the pair appended instead of new_id", '''
def merge(ids, pair, new_id):
    merged = []
    skip = False
    for i, current in enumerate(ids):
        if skip:
            skip = False
            continue
        if i + 1 < len(ids) and (current, ids[i + 1]) == tuple(pair):
            merged.append(pair)  # the two ids become one token
            skip = True
        else:
            merged.append(current)
    return merged
'''),
    W("test-merge", "the id after a merge skipped", '''
def merge(ids, pair, new_id):
    out = ids.copy()
    i = 0
    while i < len(out) - 1:
        if out[i] == pair[0] and out[i + 1] == pair[1]:
            out[i:i + 2] = [new_id]
            i += 2  # jump over the pair we just merged
        else:
            i += 1
    return out
'''),
    W("test-merge", "the id after a merge skipped", '''
def merge(ids, pair, new_id):
    result = list(ids)
    i = 0
    while i + 1 < len(result):
        if (result[i], result[i + 1]) == tuple(pair):
            result[i] = new_id
            del result[i + 1]
            i += 2
        else:
            i += 1
    return result
'''),
    W("test-sdpa", "mask used as an index", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask is not None:
        if mask.dtype == torch.bool:
            scores[~mask] = float("-inf")
        else:
            scores = scores + mask
    return scores.softmax(dim=-1) @ v
'''),
    W("test-sdpa", "if mask: on a tensor", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return scores.softmax(dim=-1) @ v
'''),
    W("test-sdpa", "mask=None not handled", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask.dtype == torch.bool:
        scores = scores.masked_fill(~mask, float("-inf"))
    else:
        scores = scores + mask
    return scores.softmax(dim=-1) @ v
'''),
    W("test-cross-attention", "d_k ** 1 / 2 is not √d_k", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    queries, keys, values = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    d_k = keys.shape[1]
    weights = torch.softmax(queries @ keys.T / d_k ** 1 / 2, dim=1)
    return weights @ values
'''),
    W("test-cross-attention", "softmax not used", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    queries, keys, values = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    scores = queries @ keys.T / math.sqrt(keys.shape[1])
    torch.softmax(scores, dim=-1)
    return scores @ values
'''),
    W("test-causal-self-attention", "scaled by the head size, not its root", _attention(
        scores="q @ k.transpose(-2, -1) / k.shape[-1]")),
    W("test-lstm-cell", "W_ih and W_hh swapped", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    z = h @ W_ih.T + x @ W_hh.T + b_ih + b_hh
    i, f, g, o = z.chunk(4, dim=-1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next
'''),
    W("test-sequence-loss", "sign lost", '''
def sequence_loss(logits, targets):
    logp = F.log_softmax(logits, dim=-1)
    return logp.gather(2, targets.unsqueeze(2)).mean()
'''),
    W("test-sequence-loss", "perplexity instead of the loss", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return torch.exp(F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T)))
'''),
    W("test-generate-greedy", "a dimension too many", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1].argmax(dim=-1, keepdim=True).unsqueeze(1)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-greedy-decode", "a dimension too many", '''
def greedy_decode(model, input_ids, max_new_tokens):
    with torch.no_grad():
        for _ in range(max_new_tokens):
            best = model(input_ids).logits[:, -1, :].argmax(-1, keepdim=True)
            input_ids = torch.cat((input_ids, best[:, None]), dim=1)
    return input_ids
'''),
]
CATALOGUE += [
    W("test-char-encode-decode", "id 0 skipped", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    return "".join(itos[i] for i in ids if i)  # 0 is padding
'''),
    W("test-count-pairs", "every count one too high", '''
def count_pairs(ids):
    counts = {}
    for a, b in zip(ids, ids[1:]):
        counts[(a, b)] = counts.get((a, b), 1) + 1
    return counts
'''),
    W("test-count-pairs", "return inside the loop", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids) - 1):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
        return counts
    return counts
'''),
    W("test-top-k", "k clamped by the wrong size", '''
def top_k_filter(logits, k):
    k = min(k, len(logits))
    threshold = logits.topk(k, dim=-1).values[..., -1, None]
    return logits.masked_fill(logits < threshold, float("-inf"))
'''),
    W("test-generate-greedy", ".max() gives values and indices", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].max(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-greedy-decode", ".max() gives values and indices", '''
def greedy_decode(model, input_ids, max_new_tokens):
    with torch.no_grad():
        for _ in range(max_new_tokens):
            step = model(input_ids).logits[:, -1, :].max(-1, keepdim=True)
            input_ids = torch.cat([input_ids, step], dim=-1)
    return input_ids
'''),
    W("test-bigram-forward", "index_select with a 2-D index", '''
def bigram_forward(table, idx, targets=None):
    logits = table.index_select(0, idx)
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
'''),
    W("test-gpt-forward", "positions not integers", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    positions = torch.arange(T, dtype=torch.float32)
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(positions))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
]

# Mistakes of a helper's set of 65 wrong answers (session of 2026-12-03) that the self-checks did not name yet
CATALOGUE += [
    W("test-char-encode-decode", "UTF-8 bytes instead of characters", '''
def char_encode(text, stoi):
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch not in stoi:
            raise ValueError(f"character {ch!r} is not in the vocabulary")
        out.append(stoi[ch])
    return out
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "UTF-8 bytes instead of characters", '''
def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return [b for b in text.encode()]
''' + CHAR_DECODE_OK),
    W("test-causal-mask", "a different result on every call", '''
def causal_mask(T):
    mask = torch.empty(T, T, dtype=torch.bool)
    return torch.tril(mask)
'''),
    W("test-shift-batch", "a different result on every call", '''
def shift_batch(data, starts, block_size):
    ix = torch.randint(len(data) - block_size, (len(starts),))
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix])
    return x, y
'''),
    W("test-causal-self-attention", "q, k, v split along the positions", _attention(qkv="q, k, v").replace(
        "self.c_attn(x).split(C, dim=2)", "self.c_attn(x).chunk(3, dim=1)")),
    W("test-lstm-cell", "forget-gate bias added", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    z = x @ W_ih.T + h @ W_hh.T + b_ih + b_hh
    H = h.shape[1]
    i = torch.sigmoid(z[:, :H])
    f = torch.sigmoid(z[:, H:2 * H] + 1)  # remember more at the start
    g = torch.tanh(z[:, 2 * H:3 * H])
    o = torch.sigmoid(z[:, 3 * H:])
    c = f * c + i * g
    return o * torch.tanh(c), c
'''),
    W("test-generate-greedy", "last row of the batch instead of the last position", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            last = logits[-1]
            next_id = torch.argmax(last, dim=-1, keepdim=True)
            idx = torch.cat((idx, next_id), dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-generate-greedy", "the largest score instead of its index", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            best = torch.max(logits[:, -1, :], dim=-1, keepdim=True)[0].long()
            idx = torch.cat((idx, best), dim=1)
            logits, state = model.forward_with_state(best, state)
    return idx
'''),
    W("test-lr-schedule", "cosine without (1 + cos) / 2", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    progress = min((it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters), 1.0)
    return cfg.min_lr + (cfg.learning_rate - cfg.min_lr) * math.cos(math.pi * progress)
'''),
    W("test-lr-schedule", "progress without parentheses", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it >= cfg.max_iters:
        return cfg.min_lr
    t = (it - cfg.warmup_iters) / cfg.max_iters - cfg.warmup_iters
    return cfg.min_lr + 0.5 * (cfg.learning_rate - cfg.min_lr) * (1 + math.cos(math.pi * t))
'''),
    W("test-greedy-decode", "last row of the batch instead of the last position", '''
@torch.no_grad()
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    for step in range(max_new_tokens):
        out = model(ids)
        next_token = out.logits[-1].argmax(-1).unsqueeze(1)
        ids = torch.cat([ids, next_token], dim=1)
    return ids
'''),
    W("test-greedy-decode", "the largest score instead of its index", '''
@torch.no_grad()
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    for step in range(max_new_tokens):
        scores = model(ids).logits[:, -1, :]
        best, _ = scores.max(dim=-1)
        ids = torch.cat([ids, best.unsqueeze(1).to(torch.long)], dim=1)
    return ids
'''),
    W("test-greedy-decode", "changes its input", '''
def greedy_decode(model, input_ids, max_new_tokens):
    with torch.no_grad():
        for _ in range(max_new_tokens):
            nxt = model(input_ids).logits[:, -1].argmax(-1, keepdim=True)
            input_ids.set_(torch.cat((input_ids, nxt), 1))
    return input_ids
'''),
    W("test-greedy-decode", "the model's mode changed", '''
def greedy_decode(model, input_ids, max_new_tokens):
    model.eval()
    out = input_ids.clone()
    with torch.no_grad():
        for i in range(max_new_tokens):
            logits = model(out).logits
            out = torch.cat([out, logits[:, -1, :].argmax(-1).unsqueeze(-1)], dim=-1)
    model.train()  # back to training
    return out
'''),
    W("test-gpt-forward", "dropout on in eval mode", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    tok = model.transformer.wte(idx)
    pos = model.transformer.wpe(torch.arange(T))
    x = F.dropout(tok + pos, p=model.transformer.drop.p)
    for block in model.transformer.h:
        x = block(x)
    x = model.transformer.ln_f(x)
    return model.lm_head(x)
'''),
    W("test-padding-mask", "an empty sequence keeps position 0", '''
def padding_mask(lengths, T):
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    for b, n in enumerate(lengths):
        mask[b, :max(int(n), 1)] = True  # at least the first token
    return mask
'''),
    W("test-greedy-decode", "new ids not a (B, 1) column", '''
def greedy_decode(model, input_ids, max_new_tokens):
    out = input_ids
    for _ in range(max_new_tokens):
        with torch.no_grad():
            best = model(out).logits[:, -1, :].argmax().item()
        out = torch.cat([out, torch.tensor([[best]])], dim=1)
    return out
'''),
    W("test-gpt-forward", "last block skipped", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for n in range(len(model.transformer.h) - 1):
        x = model.transformer.h[n](x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "head missing", '''
def gpt_forward(model, idx):
    t = model.transformer
    x = t.drop(t.wte(idx) + t.wpe(torch.arange(idx.size(1))))
    for block in t.h:
        x = block(x)
    return t.ln_f(x)  # (B, T, C)
'''),
    W("test-gpt-forward", "final LayerNorm before the blocks", '''
def gpt_forward(model, idx):
    t = model.transformer
    x = t.drop(t.wte(idx) + t.wpe(torch.arange(idx.size(1))))
    x = t.ln_f(x)
    for block in t.h:
        x = block(x)
    return model.lm_head(x)
'''),
    W("test-gpt-forward", "positions as a column", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    pos = torch.arange(T).unsqueeze(1)
    x = model.transformer.wte(idx) + model.transformer.wpe(pos)
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-gpt-forward", "the ModuleList called", '''
def gpt_forward(model, idx):
    T = idx.size(1)
    tok = model.transformer.wte(idx)
    pos = model.transformer.wpe(torch.arange(T))
    h = model.transformer.h(model.transformer.drop(tok + pos))
    return model.lm_head(model.transformer.ln_f(h))
'''),
    W("test-gpt-forward", "an embedding of a number", '''
def gpt_forward(model, idx):
    T = idx.shape[-1]
    x = model.transformer.wte(idx) + model.transformer.wpe(T)
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-block-forward", "ln_2 missing", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x))
    x = x + mlp(x)
    return x
'''),
    W("test-block-forward", "post-norm MLP", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    h = x + attn(ln_1(x))
    return ln_2(h + mlp(h))
'''),
    W("test-block-forward", "residual branches scaled", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    scale = 1 / math.sqrt(2)  # GPT-2 scales the residual path
    x = x + scale * attn(ln_1(x))
    x = x + scale * mlp(ln_2(x))
    return x
'''),
    W("test-bigram-forward", "label smoothing", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(-1, V), targets.view(-1), label_smoothing=0.1)  # less overconfident
    return logits, loss
'''),
    W("test-bigram-forward", "loss of the last position only", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    loss = None if targets is None else F.cross_entropy(logits[:, -1, :], targets[:, -1])
    return logits, loss
'''),
    W("test-bigram-forward", "sum divided by B", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B = idx.shape[0]
    total = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="sum")
    return logits, total / B
'''),
    W("test-bigram-forward", "logits shifted", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    logits = logits - logits.amax(dim=-1, keepdim=True)  # for numerical stability
    if targets is None:
        return logits, None
    return logits, F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
'''),
    W("test-char-encode-decode", "ids shifted by one", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    return "".join([itos[n - 1] for n in ids])  # ids start at 1
'''),
    W("test-shift-batch", "rows reordered", '''
def shift_batch(data, starts, block_size):
    xs, ys = [], []
    for s in sorted(starts.tolist()):
        xs.append(data[s:s + block_size])
        ys.append(data[s + 1:s + 1 + block_size])
    return torch.stack(xs), torch.stack(ys)
'''),
    W("test-top-k", "the first k of the vocabulary", '''
def top_k_filter(logits, k):
    out = logits.clone()
    out[..., k:] = float("-inf")  # keep the top k
    return out
'''),
    W("test-lm-loss", "label smoothing", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    logits = logits[:, :-1, :]
    labels = labels[:, 1:]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100,
                           label_smoothing=0.1)
'''),
    W("test-lm-loss", "shifted along the batch", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    V = logits.shape[-1]
    return F.cross_entropy(logits[:-1].reshape(-1, V), labels[1:].reshape(-1), ignore_index=-100)
'''),
    W("test-lm-loss", "mask from the pad id", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    logp = F.log_softmax(logits[:, :-1], dim=-1)
    target = labels[:, 1:]
    mask = (target != 0).float()
    nll = -logp.gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return (nll * mask).sum() / mask.sum()
'''),
    W("test-collate", "last real token hidden", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros(len(docs), T, dtype=torch.long)
    labels = torch.full((len(docs), T), -100, dtype=torch.long)
    for i, d in enumerate(docs):
        n = len(d)
        input_ids[i, :n] = torch.tensor(d)
        attention_mask[i, :n] = 1
        labels[i, :n - 1] = torch.tensor(d[:-1])  # nothing to predict after the last token
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-causal-mask", "the method itself returned", '''
def causal_mask(T):
    mask = torch.tril(torch.ones(T, T))
    return mask.bool
'''),
    W("test-causal-mask", "the method itself returned", '''
def causal_mask(T):
    return torch.ones(T, T, dtype=torch.bool).tril
'''),
    W("test-causal-mask", "a row, not a (T, T) grid", '''
def causal_mask(T):
    pos = torch.arange(T)
    return pos.unsqueeze(0) >= pos
'''),
    W("test-collate", "ragged lists made a tensor", '''
def collate(docs, pad_id):
    input_ids = torch.tensor(docs, dtype=torch.long)
    T = input_ids.shape[1]
    attention_mask = torch.ones_like(input_ids)
    for i, d in enumerate(docs):
        attention_mask[i, len(d):] = 0
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "input_ids padded with -100", '''
def collate(docs, pad_id):
    B = len(docs)
    T = max(map(len, docs))
    input_ids = torch.full((B, T), -100)
    attention_mask = torch.zeros((B, T), dtype=torch.long)
    for b, doc in enumerate(docs):
        input_ids[b, :len(doc)] = torch.tensor(doc)
        attention_mask[b, :len(doc)] = 1
    labels = input_ids.clone()
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "padded to the first document's length", '''
def collate(docs, pad_id):
    longest = len(docs[0])
    input_ids, attention_mask = [], []
    for doc in docs:
        doc = list(doc)[:longest]
        pad = longest - len(doc)
        input_ids.append(doc + [pad_id] * pad)
        attention_mask.append([1] * len(doc) + [0] * pad)
    input_ids = torch.tensor(input_ids)
    attention_mask = torch.tensor(attention_mask)
    labels = input_ids.clone()
    labels[attention_mask == 0] = -100
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "the longest document, not its length", '''
def collate(docs, pad_id):
    longest = max(docs, key=len)
    input_ids, attention_mask = [], []
    for d in docs:
        input_ids.append(d + [pad_id] * (longest - len(d)))
        attention_mask.append([1] * len(d) + [0] * (longest - len(d)))
    input_ids = torch.tensor(input_ids)
    attention_mask = torch.tensor(attention_mask)
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "the longest document, not its length", '''
def collate(docs, pad_id):
    T = max(docs, key=len)
    lengths = torch.tensor([len(d) for d in docs])
    attention_mask = (torch.arange(T)[None, :] < lengths[:, None]).long()
    input_ids = torch.full(attention_mask.shape, pad_id)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "labels": input_ids.masked_fill(attention_mask == 0, -100)}
'''),
    W("test-bigram-forward", "one_hot without num_classes", '''
def bigram_forward(table, idx, targets=None):
    x = F.one_hot(idx).float()      # (B, T, V)
    logits = x @ table              # (B, T, V)
    if targets is None:
        return logits, None
    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
    return logits, loss
'''),
    W("test-bigram-forward", "targets as an index on the last dimension", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    probs = torch.softmax(logits, dim=-1)
    loss = -torch.log(probs[:, :, targets]).mean()
    return logits, loss
'''),
    W("test-bigram-forward", "logits flattened to the wrong width", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T = idx.shape
    loss = F.cross_entropy(logits.view(-1, T), targets.view(-1))
    return logits, loss
'''),
    W("test-bigram-forward", "logits flattened to the wrong width", '''
def bigram_forward(table, idx, targets=None):
    B, T = idx.shape
    logits = table[idx]
    loss = None
    if targets is not None:
        loss = F.cross_entropy(logits.reshape(B * T, T), targets.reshape(B * T))
    return logits, loss
'''),
    W("test-bigram-forward", "divided by B*T again", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    # average over every position in the batch
    loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T)) / (B * T)
    return logits, loss
'''),
]

# Not a mistake the self-check names: a merge written to pass what a student can see (the lesson's
# asserts and the self-check, whose lists hold at most 16 ids but one of 4,000) and nothing more. The
# hidden tests, which only the grader runs, give it lists of up to 40 (tests/test_recheck.py,
# tests/test_pipeline.py).
TUNED_MERGE = """def merge(ids, pair, new_id):
    out, i = [], 0
    while i < (len(ids) if len(ids) == 4000 else min(len(ids), 16)):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out + list(ids[i:])
"""

# Mistakes of a helper's set of 71 wrong answers (session of 2026-12-03) that the self-checks did not name yet,
# each written here in another student's words
CATALOGUE += [
    W("test-count-pairs", "counted in the text", '''
def count_pairs(ids):
    s = ",".join(map(str, ids))
    return {(a, b): s.count(f"{a},{b}") for a, b in set(zip(ids, ids[1:]))}
'''),
    W("test-bpe-word", "stopped at two symbols", '''
def bpe_word(symbols, ranks):
    word = list(symbols)
    while len(word) >= 3:
        candidates = [(ranks[p], p) for p in zip(word, word[1:]) if p in ranks]
        if not candidates:
            break
        _, (a, b) = min(candidates)
        merged, i = [], 0
        while i < len(word):
            if i < len(word) - 1 and word[i] == a and word[i + 1] == b:
                merged.append(a + b)
                i += 2
            else:
                merged.append(word[i])
                i += 1
        word = merged
    return word
'''),
    W("test-causal-self-attention", "q, k, v interleaved per head", _attention().replace(
        """        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
""", """        hs = C // self.n_head
        q, k, v = self.c_attn(x).view(B, T, self.n_head, 3 * hs).transpose(1, 2).split(hs, dim=-1)
""")),
    W("test-lstm-cell", "hidden size from the batch", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    n = len(h)
    z = torch.addmm(b_ih + b_hh, x, W_ih.t()) + h @ W_hh.t()
    i, f = torch.sigmoid(z[:, :n]), torch.sigmoid(z[:, n:2 * n])
    g, o = torch.tanh(z[:, 2 * n:3 * n]), torch.sigmoid(z[:, 3 * n:4 * n])
    c = f * c + i * g
    return o * torch.tanh(c), c
'''),
    W("test-causal-average", "T from the wrong dimension", '''
def causal_average(x):
    T = x.size(0)
    wei = torch.tril(torch.ones(T, T))
    wei = wei / wei.sum(dim=1, keepdim=True)
    return wei @ x
'''),
    W("test-greedy-decode", "context cropped", '''
def greedy_decode(model, input_ids, max_new_tokens):
    out = input_ids.clone()
    for _ in range(max_new_tokens):
        with torch.no_grad():
            logits = model(input_ids=out[:, -4:]).logits
        out = torch.cat((out, logits[:, -1].argmax(-1, keepdim=True)), dim=-1)
    return out
'''),
    # 2026-12-04: a probe's new wrong answers (numpy and generators returned, inputs changed in place,
    # gradients cut, merged ids, rounding, dtypes and devices), each named since
    W("test-count-pairs", "ids limited to 0–255", '''
def count_pairs(ids):
    table = [[0] * 256 for _ in range(256)]
    for a, b in zip(ids, ids[1:]):
        table[a][b] += 1
    return {(a, b): table[a][b] for a in range(256) for b in range(256) if table[a][b] > 0}
'''),
    W("test-count-pairs", "changes its input", '''
def count_pairs(ids):
    counts = {}
    while len(ids) > 1:
        first = ids.pop(0)
        pair = (first, ids[0])
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W("test-cross-attention", "changes its input", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    W_Q /= math.sqrt(W_K.shape[1])
    scores = (S2 @ W_Q) @ (S1 @ W_K).T
    return torch.softmax(scores, dim=-1) @ (S1 @ W_V)
'''),
    W("test-cross-attention", "cut off from the graph", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    with torch.no_grad():
        Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
        weights = torch.softmax(Q @ K.T / math.sqrt(K.shape[-1]), dim=-1)
    return weights @ V
'''),
    W("test-sdpa", "cut off from the graph", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return (torch.softmax(scores, dim=-1) @ v).detach()
'''),
    W("test-heads", "cut off from the graph", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.detach().view(B, T, n_head, C // n_head).transpose(1, 2)
''' + MERGE_OK),
    W("test-lstm-cell", "cut off from the graph", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c.detach() + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-sequence-loss", "changes its input", '''
def sequence_loss(logits, targets):
    with torch.no_grad():
        logits -= logits.max(dim=-1, keepdim=True).values  # for stability
    B, T, V = logits.shape
    return F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
'''),
    W("test-lm-loss", "changes its input", '''
def lm_loss(logits, labels):
    logits -= logits.max(dim=-1, keepdim=True).values.detach()
    V = logits.shape[-1]
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-100)
'''),
    W("test-lr-schedule", "rate rounded", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        rate = cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    elif it > cfg.max_iters:
        rate = cfg.min_lr
    else:
        progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
        rate = cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
    return round(rate, 6)
'''),
    W("test-causal-mask", "numpy array instead of tensor", '''
import numpy as np

def causal_mask(T):
    return np.tril(np.ones((T, T), dtype=bool))
'''),
    W("test-padding-mask", "numpy array instead of tensor", '''
import numpy as np

def padding_mask(lengths, T):
    return np.arange(T)[None, :] < lengths.numpy()[:, None]
'''),
    W("test-char-encode-decode", "a generator returned", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    return (itos[i] for i in ids)
'''),
    W("test-causal-average", "dtypes mixed", '''
import numpy as np

def causal_average(x):
    T = x.shape[1]
    w = torch.from_numpy(np.tril(np.ones((T, T))))
    w = w / w.sum(dim=1, keepdim=True)
    return w @ x
'''),
    W("test-gpt-forward", "device hard-coded", '''
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T, device="cuda"))
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-shift-batch", "results share memory", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts.tolist()])
    y = x
    y[:, :-1] = x[:, 1:].clone()
    y[:, -1] = data[starts + block_size]
    return x, y
'''),
    W("test-shift-batch", "last labels not made a column", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts])
    # y is x moved one to the left, plus the token that follows each window
    nxt = data[starts + block_size]
    y = torch.cat((x[:, 1:], nxt), dim=1)
    return x, y
'''),
    W("test-block-forward", "dropout of your own", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + F.dropout(attn(ln_1(x)), 0.1)
    x = x + F.dropout(mlp(ln_2(x)), 0.1)
    return x
'''),
    W("test-block-forward", "a new LayerNorm instead of the given one", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    C = x.shape[-1]
    norm = nn.LayerNorm(C)
    x = x + attn(norm(x))
    x = x + mlp(norm(x))
    return x
'''),
    W("test-block-forward", "a new LayerNorm instead of the given one", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    h = x + attn(ln_1(x))
    out = h + mlp(F.layer_norm(h, (h.size(-1),)))
    return out
'''),
    W("test-causal-self-attention", "scaled by √block_size",
      _attention(scores="q @ k.transpose(-2, -1) / math.sqrt(self.mask.shape[-1])")),
    W("test-train-loop", "parameters used up", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    params = model.parameters()
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-sequence-loss", "log of softmax", '''
def sequence_loss(logits, targets):
    probs = torch.softmax(logits, dim=-1)
    picked = probs.gather(2, targets.unsqueeze(2)).squeeze(2)
    return -torch.log(picked).mean()
'''),
    W("test-char-encode-decode", "ids kept from an earlier call", '''
_encoded = {}


def char_encode(text, stoi):
    # remember texts already encoded, so that a text seen before costs nothing
    if text in _encoded:
        return list(_encoded[text])
    ids = []
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
        ids.append(stoi[ch])
    _encoded[text] = ids
    return list(ids)
''' + CHAR_DECODE_OK),
    W("test-bpe-word", "rank 0 taken as no rank", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        best, best_rank = None, None
        for pair in zip(symbols, symbols[1:]):
            rank = ranks.get(pair)
            if rank and (best_rank is None or rank < best_rank):
                best, best_rank = pair, rank
        if best is None:
            break
        merged, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                merged.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols
'''),
    W("test-train-loop", "loss summed, not averaged", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        logits, _ = model(x, y)
        B, T, V = logits.shape
        loss = F.cross_entropy(logits.view(B * T, V), y.view(B * T), reduction="sum")
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "trained in eval mode", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    model.eval()
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "the model's mode changed", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    model.eval()  # done training: ready to generate
    return losses
'''),
    W("test-train-loop", "model.parameters not called", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    from torch.nn.utils import clip_grad_norm_
    losses = []
    for it in range(max_iters):
        lr = lr_schedule(it)
        for g in optimizer.param_groups:
            g["lr"] = lr
        xb, yb = get_batch("train")
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip_grad_norm_(model.parameters, max_norm=grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-generate-greedy", "the model's mode changed", '''
def generate_greedy(model, idx, max_new_tokens):
    model.eval()
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-generate-greedy", "the model's mode changed", '''
def generate_greedy(model, idx, max_new_tokens):
    model.train()
    logits, state = model.forward_with_state(idx)
    for _ in range(max_new_tokens):
        next_id = torch.argmax(logits[:, -1, :], dim=-1, keepdim=True)
        idx = torch.cat((idx, next_id), dim=1)
        logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W('test-greedy-decode', 'the model frozen', '''
def greedy_decode(model, input_ids, max_new_tokens):
    model.requires_grad_(False)
    ids = input_ids
    for _ in range(max_new_tokens):
        nxt = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
        ids = torch.cat([ids, nxt], dim=1)
    return ids
'''),
    W('test-greedy-decode', 'autograd left switched off', '''
def greedy_decode(model, input_ids, max_new_tokens):
    torch.set_grad_enabled(False)
    ids = input_ids
    for _ in range(max_new_tokens):
        nxt = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
        ids = torch.cat([ids, nxt], dim=1)
    return ids
'''),
    W('test-generate-greedy', 'autograd left switched off', '''
def generate_greedy(model, idx, max_new_tokens):
    torch.set_grad_enabled(False)
    logits, state = model.forward_with_state(idx)
    for _ in range(max_new_tokens):
        nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, nxt], dim=1)
        logits, state = model.forward_with_state(nxt, state)
    return idx
'''),
    W('test-lm-loss', 'log of softmax', '''
def lm_loss(logits, labels):
    probs = torch.softmax(logits[:, :-1], dim=-1)
    tgt = labels[:, 1:]
    keep = tgt != -100
    picked = probs.gather(-1, tgt.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(torch.log(picked) * keep).sum() / keep.sum()
'''),
    W('test-top-p', 'softmax overflows', '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    e = logits.exp()
    probs = e / e.sum(-1, keepdim=True)
    sp, order = torch.sort(probs, dim=-1, descending=True)
    remove_sorted = (sp.cumsum(-1) - sp) >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W('test-top-k', 'the input returned', '''
def top_k_filter(logits, k):
    if k >= logits.size(-1):
        return logits
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W('test-top-p', 'the input returned', '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits
    probs = logits.softmax(dim=-1)
    sp, order = torch.sort(probs, dim=-1, descending=True)
    remove_sorted = (sp.cumsum(-1) - sp) >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W('test-char-encode-decode', 'text stripped', '''
def char_encode(text, stoi):
    text = text.strip()
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return [stoi[ch] for ch in text]

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''),
    W('test-char-encode-decode', 'id 0 taken as unknown', '''
def char_encode(text, stoi):
    ids = []
    for ch in text:
        i = stoi.get(ch)
        if not i:
            raise ValueError(f"unknown character {ch!r}")
        ids.append(i)
    return ids

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''),
    W('test-attention-dropout', 'the same dropout mask every call', '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        torch.manual_seed(0)
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))
        weights = self.attn_dropout(torch.softmax(scores, dim=-1))
        return self.resid_dropout(self.c_proj(merge_heads(weights @ v)))
'''),
    W('test-char-encode-decode', 'results kept from an earlier call', '''
def char_encode(text, stoi, ids=[]):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
        ids.append(stoi[ch])
    return ids

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''),
    W('test-merge', 'results kept from an earlier call', '''
def merge(ids, pair, new_id, out=[]):
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W('test-count-pairs', 'results kept from an earlier call', '''
def count_pairs(ids, counts={}):
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W('test-merge', 'ids compared with `is`', '''
def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] is pair[0] and ids[i + 1] is pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W('test-sdpa', 'float mask subtracted', '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores.masked_fill_(~mask, float("-inf"))
        else:
            scores = scores - mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W('test-generate-greedy', "first position's logits", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            nxt = logits[:, 0, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model.forward_with_state(nxt, state)
    return idx
'''),
    W('test-collate', 'attention mask inverted', '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    pad = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)
        pad[i, len(d):] = 1
    return {"input_ids": ids, "attention_mask": pad, "labels": ids.masked_fill(pad == 1, -100)}
'''),
    W('test-train-loop', 'learning rate set for the last group only', '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        optimizer.param_groups[-1]["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W('test-train-loop', 'schedule not called', '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
]

# 2026-12-04 afternoon: a falling or integer warm-up, bpe merged from the right, a block cut off but for the
# residual, token 0 ignored, F taken by a variable, causal_average by //, dropout twice, interleaved gates
_LR_TAIL = '''
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''
CATALOGUE += [
    W("test-lr-schedule", "warm-up falls", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (cfg.warmup_iters - it) / (cfg.warmup_iters + 1)''' + _LR_TAIL),
    W("test-lr-schedule", "warm-up falls", '''
def lr_at_step(it, cfg):
    w = cfg.warmup_iters
    if it < w:
        return cfg.learning_rate * (1 - it / w)''' + _LR_TAIL.replace("cfg.warmup_iters", "w")),
    W("test-lr-schedule", "integer division", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * ((it + 1) // (cfg.warmup_iters + 1))''' + _LR_TAIL),
    W("test-lr-schedule", "warm-up numerator it, not it + 1", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        frac = it / (cfg.warmup_iters + 1)  # fraction of the warm-up done
        return cfg.learning_rate * frac''' + _LR_TAIL),
    W("test-bpe-word", "merged from the right", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        positions = {}
        for i in range(len(symbols) - 1):
            pair = (symbols[i], symbols[i + 1])
            if pair in ranks:
                positions[pair] = i
        if not positions:
            break
        best = min(positions, key=lambda p: ranks[p])
        i = positions[best]
        symbols[i:i + 2] = [best[0] + best[1]]
    return symbols
'''),
    W("test-bpe-word", "merged from the right", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = list(zip(symbols, symbols[1:]))
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        i = len(symbols) - 2
        while i >= 0:
            if (symbols[i], symbols[i + 1]) == best:
                symbols[i:i + 2] = [best[0] + best[1]]
            i -= 1
    return symbols
'''),
    W("test-block-forward", "cut off from the graph", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    out = x.clone()
    with torch.no_grad():
        out += attn(ln_1(out))
        out += mlp(ln_2(out))
    return out
'''),
    W("test-lm-loss", "token 0 ignored", '''
def lm_loss(logits, labels):
    labels = labels.clone()
    labels[labels == -100] = 0
    shift_logits = logits[:, :-1, :].reshape(-1, logits.shape[-1])
    shift_labels = labels[:, 1:].reshape(-1)
    return torch.nn.functional.cross_entropy(shift_logits, shift_labels, ignore_index=0)
'''),
    W("test-lm-loss", "shifted after flattening", '''
import torch.nn.functional as F


def lm_loss(logits, labels):
    B, T, V = logits.shape
    logits = logits.view(B * T, V)
    labels = labels.view(B * T)
    return F.cross_entropy(logits[:-1], labels[1:])
'''),
    W("test-sequence-loss", "a name taken by a variable", '''
def sequence_loss(logits, targets):
    B, T, F = logits.shape
    return F.cross_entropy(logits.view(B * T, F), targets.view(B * T))
'''),
    W("test-causal-average", "integer division", '''
def causal_average(x):
    B, T, C = x.shape
    weights = torch.tril(torch.ones(T, T))
    weights = weights // weights.sum(dim=1, keepdim=True)
    return weights @ x
'''),
    W("test-causal-average", "torch.bmm with (T, T) weights", '''
def causal_average(x):
    B, T, C = x.shape
    weights = torch.tril(torch.ones(T, T))
    weights = weights / weights.sum(dim=1, keepdim=True)
    return torch.bmm(weights, x)
'''),
    W("test-attention-dropout", "attention dropout applied twice",
      _attention(merge="self.attn_dropout(merge_heads(weights @ v))")),
    W("test-attention-dropout", "dropout in place", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout, inplace=True)  # no extra copy of the weights
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:T, :T] == 0, float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        return self.resid_dropout(self.c_proj(merge_heads(att @ v)))
'''),
    W("test-attention-dropout", "dropout in place", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.p = config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.register_buffer("mask", causal_mask(config.block_size))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = [split_heads(t, self.n_head) for t in self.c_attn(x).split(C, dim=2)]
        w = q @ k.transpose(-2, -1) / math.sqrt(C // self.n_head)
        w = torch.softmax(w.masked_fill(~self.mask[:T, :T], float("-inf")), dim=-1)
        F.dropout(w, self.p, training=self.training, inplace=True)
        y = self.c_proj(merge_heads(w @ v))
        return F.dropout(y, self.p, training=self.training)
'''),
    W("test-attention-dropout", "residual dropout applied twice",
      _attention(merge="self.resid_dropout(merge_heads(weights @ v))")),
    W("test-attention-dropout", "dropout made inside forward", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.register_buffer("mask", causal_mask(config.block_size))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))
        drop = nn.Dropout(self.dropout)
        weights = drop(torch.softmax(scores, dim=-1))
        return drop(self.c_proj(merge_heads(weights @ v)))
'''),
    W("test-causal-self-attention", "dropouts in a plain list", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.dropouts = {"attn": nn.Dropout(config.dropout), "resid": nn.Dropout(config.dropout)}
        self.register_buffer("mask", causal_mask(config.block_size))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))
        weights = self.dropouts["attn"](torch.softmax(scores, dim=-1))
        return self.dropouts["resid"](self.c_proj(merge_heads(weights @ v)))
'''),
    W("test-causal-self-attention", "residual added inside the attention",
      _attention(out="x + self.resid_dropout(self.c_proj(y))")),
    W("test-causal-self-attention", "reshape without transpose", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size))

    def forward(self, x):
        B, T, C = x.shape
        nh = self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.reshape(B, nh, T, C // nh)
        k = k.reshape(B, nh, T, C // nh)
        v = v.reshape(B, nh, T, C // nh)
        att = q @ k.transpose(-2, -1) / math.sqrt(C // nh)
        att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
        att = self.attn_dropout(att.softmax(dim=-1))
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return self.resid_dropout(self.c_proj(y))
'''),
    W("test-lstm-cell", "gates interleaved", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    B, H = h.shape
    gates = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).reshape(B, H, 4)
    i = torch.sigmoid(gates[..., 0])
    f = torch.sigmoid(gates[..., 1])
    g = torch.tanh(gates[..., 2])
    o = torch.sigmoid(gates[..., 3])
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next
'''),
]

# wa17: torch.sqrt of an int, a mask changed by forward (inverted in
# place, or cropped into self.mask), a mask taken as 2-D, -100 only at the end, a mask cut from one made
# once, Windows line ends
CATALOGUE += [
    W("test-cross-attention", "torch.sqrt of a number", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    scores = Q @ K.T / torch.sqrt(K.shape[-1])
    return torch.softmax(scores, dim=-1) @ V
'''),
    W("test-causal-self-attention", "mask changed by forward", '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))\n        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n        hide = self.mask[:T, :T].logical_not_()\n        scores = scores.masked_fill(hide, float("-inf"))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        return self.resid_dropout(self.c_proj(merge_heads(weights @ v)))\n'),
    W("test-causal-self-attention", "mask changed by forward", '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        self.mask = self.mask[:T, :T]\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))\n        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n        scores = scores.masked_fill(~self.mask, float("-inf"))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        return self.resid_dropout(self.c_proj(merge_heads(weights @ v)))\n'),
    W("test-sdpa", "mask taken as 2-D", '\ndef scaled_dot_product_attention(q, k, v, mask=None):\n    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n    if mask is not None:\n        T_q, T_k = mask.shape\n        for i in range(T_q):\n            for j in range(T_k):\n                if mask.dtype == torch.bool:\n                    if not mask[i, j]:\n                        scores[..., i, j] = float("-inf")\n                else:\n                    scores[..., i, j] += mask[i, j]\n    return torch.softmax(scores, dim=-1) @ v\n'),
    W("test-lm-loss", "-100 only expected at the end", '\ndef lm_loss(logits, labels):\n    total, count = 0.0, 0\n    for b in range(labels.shape[0]):\n        n = int((labels[b] != -100).sum())\n        if n < 2:\n            continue\n        lp = torch.log_softmax(logits[b, : n - 1], dim=-1)\n        tgt = labels[b, 1:n]\n        total = total - lp.gather(-1, tgt[:, None]).sum()\n        count += n - 1\n    return total / count\n'),
    W("test-causal-mask", "size hard-coded", '\n_BIG = torch.ones(64, 64, dtype=torch.bool).tril()\n\ndef causal_mask(T):\n    return _BIG[:T, :T]\n'),
    W("test-char-encode-decode", "line ends changed", '\ndef char_encode(text, stoi):\n    text = text.replace("\\r\\n", "\\n")\n    ids = []\n    for ch in text:\n        if ch not in stoi:\n            raise ValueError(f"{ch!r} is not in the vocabulary")\n        ids.append(stoi[ch])\n    return ids\n\ndef char_decode(ids, itos):\n    return "".join(itos[i] for i in ids)\n'),
]

# wa17, names: gates split(4), top-k down the columns, an ascending sort, range(1, max_iters), a loss
# summed over the batch, decode stopping at id 0, min_lr left out, the MLP left out
CATALOGUE += [
    W("test-lstm-cell", "split into pieces of the wrong size", '\ndef lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh\n    i, f, g, o = gates.split(4, dim=1)\n    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)\n    h_new = torch.sigmoid(o) * torch.tanh(c_new)\n    return h_new, c_new\n'),
    W("test-top-k", "top-k over the batch", '\ndef top_k_filter(logits, k):\n    k = min(k, logits.size(0))\n    kth = torch.topk(logits, k, dim=0).values[-1:]\n    return logits.masked_fill(logits < kth, float("-inf"))\n'),
    W("test-top-k", "indices as the threshold", '''
def top_k_filter(logits, k):
    k = min(k, logits.shape[-1])
    _, top = torch.topk(logits, k)
    out = logits.clone()
    out[logits < top[..., [-1]]] = float("-inf")
    return out
'''),
    W("test-top-k", "k-th smallest as the threshold", '\ndef top_k_filter(logits, k):\n    k = min(k, logits.size(-1))\n    vals, _ = torch.sort(logits, dim=-1)\n    kth = vals[..., k - 1].unsqueeze(-1)\n    return logits.masked_fill(logits < kth, float("-inf"))\n'),
    W("test-train-loop", "one iteration short", '\ndef train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):\n    losses = []\n    for it in range(1, max_iters):\n        lr = lr_schedule(it)\n        for group in optimizer.param_groups:\n            group["lr"] = lr\n        xb, yb = get_batch("train")\n        logits, loss = model(xb, yb)\n        optimizer.zero_grad(set_to_none=True)\n        loss.backward()\n        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)\n        optimizer.step()\n        losses.append(float(loss))\n    return losses\n'),
    W("test-sequence-loss", "summed over the batch", '\ndef sequence_loss(logits, targets):\n    B, T, V = logits.shape\n    per_token = F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T), reduction="none")\n    return per_token.view(B, T).mean(dim=1).sum()\n'),
    W("test-char-encode-decode", "id 0 taken as the end", '\ndef char_encode(text, stoi):\n    for ch in text:\n        if ch not in stoi:\n            raise ValueError(f"unknown character {ch!r}")\n    return [stoi[ch] for ch in text]\n\ndef char_decode(ids, itos):\n    chars = []\n    for i in ids:\n        if i == 0:\n            break\n        chars.append(itos[i])\n    return "".join(chars)\n'),
    W("test-lr-schedule", "min_lr left out", '\ndef lr_at_step(it, cfg):\n    if it < cfg.warmup_iters:\n        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)\n    if it > cfg.max_iters:\n        return cfg.min_lr\n    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)\n    return 0.5 * (1 + math.cos(math.pi * progress)) * cfg.learning_rate\n'),
    W("test-block-forward", "MLP missing", '\ndef block_forward(x, ln_1, attn, ln_2, mlp):\n    x = x + attn(ln_1(x))\n    return x\n    x = x + mlp(ln_2(x))\n'),
]

# wa17, names: a softmax written by hand (over dim 0, and without the largest score taken off), a padding
# mask filled from the end, a block with one branch detached, a cache fed the whole sequence again
CATALOGUE += [
    W("test-cross-attention", "softmax over the wrong dimension", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    e = torch.exp(Q @ K.T / math.sqrt(K.shape[1]))
    return (e / e.sum(0)) @ V
'''),
    W("test-cross-attention", "softmax by hand overflows", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    e = torch.exp(Q @ K.T / math.sqrt(K.shape[1]))
    return e / e.sum(dim=-1, keepdim=True) @ V
'''),
    W("test-padding-mask", "padding on the left", '''
def padding_mask(lengths, T):
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    for b, n in enumerate(lengths.tolist()):
        mask[b, -n:] = True
    return mask
'''),
    W("test-block-forward", "cut off from the graph", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x)).detach()
    return x + mlp(ln_2(x))
'''),
    W("test-block-forward", "cut off from the graph", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x))
    return x + mlp(ln_2(x).detach())
'''),
    W("test-greedy-decode", "whole sequence fed with the cache", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids, past = input_ids, None
    with torch.no_grad():
        for _ in range(max_new_tokens):
            out = model(ids, past_key_values=past, use_cache=True)
            past = out.past_key_values
            ids = torch.cat([ids, out.logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return ids
'''),
]

# wa18, names: id 0 hidden by an attention mask of ids != 0 in greedy decoding; a float mask given a batch
# dimension, met with queries that have none
CATALOGUE += [
    W("test-greedy-decode", "the model's mode changed", '''
def greedy_decode(model, input_ids, max_new_tokens):
    model.eval()  # no dropout while generating
    seq = input_ids
    for step in range(max_new_tokens):
        with torch.no_grad():
            logits = model(seq).logits
        seq = torch.cat((seq, logits[:, -1].argmax(-1)[:, None]), dim=1)
    return seq
'''),
    W("test-greedy-decode", "token 0 hidden", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids, attention_mask=(ids != 0).long()).logits
            ids = torch.cat([ids, logits[:, -1, :].argmax(dim=-1, keepdim=True)], dim=1)
    return ids
'''),
    W("test-sdpa", "float64 turned into float32", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    d = q.size(-1)
    att = (q @ k.transpose(-2, -1)) / d ** 0.5
    if mask is not None:
        att = att.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else att + mask
    att = F.softmax(att, dim=-1, dtype=torch.float32)  # softmax in full precision
    return att @ v
'''),
    W("test-sdpa", "extra or missing dimensions of size 1", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask.unsqueeze(0)
    return torch.softmax(scores, dim=-1) @ v
'''),
]

# wa20, names: a merge that recurses once per id (and one that returns the list it was given), graphemes
# (regex's \X) for characters, a no-rank value of len(ranks), a zip read twice, binary cross-entropy and
# [..., targets] in the sequence loss, the output's last field as the logits, a collate that returns an
# OrderedDict or hides the first label
CATALOGUE += [
    W("test-merge", "recursion deeper than Python allows", '''
def merge(ids, pair, new_id):
    # base case: nothing left to pair up
    if len(ids) <= 1:
        return list(ids)
    if ids[0] == pair[0] and ids[1] == pair[1]:
        return [new_id] + merge(ids[2:], pair, new_id)
    return ids[:1] + merge(ids[1:], pair, new_id)
'''),
    W("test-merge", "the input list returned", '''
def merge(ids, pair, new_id):
    if len(ids) < 2:
        return ids  # nothing to merge
    out = []
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W("test-char-encode-decode", "grapheme clusters, not characters", '''
def char_encode(text, stoi):
    ids = []
    for symbol in re.findall(r"\\X", text):  # user-perceived characters
        if symbol not in stoi:
            raise ValueError(f"character {symbol!r} is not in the vocabulary")
        ids.append(stoi[symbol])
    return ids
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "grapheme clusters, not characters", '''
import re

def char_encode(text, stoi):
    chars = re.findall(r"\\X", text)
    missing = [c for c in chars if c not in stoi]
    if missing:
        raise ValueError(f"unknown character {missing[0]!r}")
    return [stoi[c] for c in chars]
''' + CHAR_DECODE_OK),
    W("test-bpe-word", "no-rank sentinel smaller than real ranks", '''
def bpe_word(symbols, ranks):
    word = list(symbols)
    NO_RANK = len(ranks)  # one past the last merge
    while len(word) >= 2:
        rank, i = min((ranks.get((word[j], word[j + 1]), NO_RANK), j) for j in range(len(word) - 1))
        if rank == NO_RANK:
            break
        best = (word[i], word[i + 1])
        merged = []
        j = 0
        while j < len(word):
            if j < len(word) - 1 and (word[j], word[j + 1]) == best:
                merged.append(word[j] + word[j + 1])
                j += 2
            else:
                merged.append(word[j])
                j += 1
        word = merged
    return word
'''),
    W("test-count-pairs", "zip iterator used up", '''
def count_pairs(ids):
    pairs = zip(ids, ids[1:])
    counts = dict.fromkeys(pairs, 0)
    for pair in pairs:
        counts[pair] += 1
    return counts
'''),
    W("test-sequence-loss", "binary cross-entropy", '''
def sequence_loss(logits, targets):
    one_hot = F.one_hot(targets, num_classes=logits.size(-1)).float()
    return F.binary_cross_entropy_with_logits(logits, one_hot)
'''),
    W("test-sequence-loss", "targets as an index on the last dimension", '''
def sequence_loss(logits, targets):
    log_probs = F.log_softmax(logits, dim=-1)
    return -log_probs[..., targets].mean()
'''),
    W("test-greedy-decode", "the output's last field is the cache", '''
@torch.no_grad()
def greedy_decode(model, input_ids, max_new_tokens):
    out = input_ids
    for _ in range(max_new_tokens):
        logits = model(out)[-1]
        next_token = torch.argmax(logits[:, -1], dim=-1, keepdim=True)
        out = torch.cat((out, next_token), dim=1)
    return out
'''),
    W("test-collate", "not a plain dict", '''
from collections import OrderedDict

def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs], dtype=torch.long)
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs], dtype=torch.long)
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return OrderedDict(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
'''),
    W("test-collate", "first label hidden", '''
def collate(docs, pad_id):
    B, T = len(docs), max(len(d) for d in docs)
    input_ids = torch.full((B, T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros(B, T, dtype=torch.long)
    for b, doc in enumerate(docs):
        input_ids[b, :len(doc)] = torch.tensor(doc)
        attention_mask[b, :len(doc)] = 1
    labels = input_ids.clone()
    labels[attention_mask == 0] = -100
    labels[:, 0] = -100  # nothing predicts the first token
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    # --- wa21: mistakes named since (a wrong answer for each new name) ---------------------------------
    W('test-bpe-word', "merges in the table's listed order", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    for a, b in ranks:
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols
'''),
    W('test-bpe-word', 'merged pair joined backwards', '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = [(ranks.get((a, b), float("inf")), i) for i, (a, b) in enumerate(zip(symbols, symbols[1:]))]
        rank, i = min(pairs)
        if rank == float("inf"):
            break
        symbols[i:i + 2] = [symbols[i + 1] + symbols[i]]
    return symbols
'''),
    W('test-count-pairs', 'pairs of equal ids left out', '''
def count_pairs(ids):
    counts = {}
    for a, b in zip(ids, ids[1:]):
        if a != b:
            counts[(a, b)] = counts.get((a, b), 0) + 1
    return counts
'''),
    W('test-cross-attention', 'largest score of the whole matrix subtracted', '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    scores = Q @ K.T / math.sqrt(K.shape[1])
    e = torch.exp(scores - scores.max())
    return (e / e.sum(dim=1, keepdim=True)) @ V
'''),
    W('test-sdpa', "masked_fill's result not kept", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W('test-sdpa', 'float mask multiplied', '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores * mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W('test-lstm-cell', 'tanh on the input gate', '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.tanh(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return h_new, c_new
'''),
    W('test-lstm-cell', 'tanh of o * c', '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.tanh(torch.sigmoid(o) * c_new)
    return h_new, c_new
'''),
    W('test-lr-schedule', 'warm-up denominator without parentheses', '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / cfg.warmup_iters + 1
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W('test-lr-schedule', 'decay counted from it + 1', '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it + 1 - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W('test-train-loop', 'clipped each parameter on its own', '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        for p in model.parameters():
            torch.nn.utils.clip_grad_norm_(p, grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W('test-train-loop', 'clipped the first group only', '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(optimizer.param_groups[0]["params"], grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W('test-block-forward', 'output normalised again', '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x))
    x = x + mlp(ln_2(x))
    return ln_2(x)
'''),
    W('test-top-p', 'cumulative sum in vocabulary order', '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    probs = logits.softmax(-1)
    before = probs.cumsum(-1) - probs
    return logits.masked_fill(before >= p, float("-inf"))
'''),
    W('test-causal-self-attention', 'masked with a small number',
      _attention(mask="scores.masked_fill(~self.mask[:T, :T], -10.0)")),
    W('test-causal-self-attention', 'masked with a small number',
      _attention(mask="scores.masked_fill(self.mask[:T, :T] == 0, -1)")),
    W('test-attention-dropout', 'residual dropout on the input',
      _attention(qkv="x = self.resid_dropout(x)\n        q, k, v", out="self.c_proj(y)")),
    W('test-attention-dropout', 'dropout on the queries and keys',
      _attention(scores="self.attn_dropout(q) @ self.attn_dropout(k).transpose(-2, -1) / math.sqrt(k.shape[-1])",
                 weights="torch.softmax(scores, dim=-1)")),
    W('test-lr-schedule', 'floor one step early', '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it >= cfg.max_iters - 1:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W('test-causal-average', 'weights on the wrong side', '''
def causal_average(x):
    T = x.shape[1]
    tril = torch.tril(torch.ones(T, T))
    weights = F.softmax(torch.zeros(T, T).masked_fill(tril == 0, float("-inf")), dim=-1)
    return (x.transpose(1, 2) @ weights).transpose(1, 2)
'''),
    W('test-causal-average', 'counts one short', '''
def causal_average(x):
    T = x.shape[1]
    return x.cumsum(dim=1) / torch.arange(T).clamp(min=1).view(1, T, 1)
'''),
    W('test-greedy-decode', 'sampled with a temperature', '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            probs = torch.softmax(model(ids).logits[:, -1, :] / 0.7, dim=-1)
            ids = torch.cat([ids, torch.multinomial(probs, 1)], dim=1)
    return ids
'''),
    W('test-top-k', 'k clamped to V - 1', '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1) - 1)
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W('test-top-k', 'one threshold for the whole batch', '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k).values.min()
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W('test-gpt-forward', 'positions in reverse order', '''
def gpt_forward(model, idx):
    B, T = idx.shape
    pos = torch.arange(T - 1, -1, -1)
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W('test-gpt-forward', 'embeddings multiplied', '''
def gpt_forward(model, idx):
    B, T = idx.shape
    x = model.transformer.drop(model.transformer.wte(idx) * model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W('test-bigram-forward', 'squared error against one-hot targets', '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.mse_loss(logits.view(B * T, V), F.one_hot(targets.view(-1), V).float())
'''),
    W('test-char-encode-decode', 'ids sorted', '''
def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return [stoi[ch] for ch in text]

def char_decode(ids, itos):
    return "".join(itos[i] for i in sorted(ids))
'''),
    W('test-char-encode-decode', 'repeated characters collapsed', '''
def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return [stoi[ch] for ch in text]

def char_decode(ids, itos):
    out = ""
    for i in ids:
        if not out or out[-1] != itos[i]:
            out += itos[i]
    return out
'''),
    W('test-padding-mask', 'an empty sequence marked real', '''
def padding_mask(lengths, T):
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    for b, L in enumerate(lengths.tolist()):
        mask[b, :L - 1] = True
        mask[b, L - 1] = True
    return mask
'''),
    W('test-padding-mask', 'an empty sequence marked real', '''
def padding_mask(lengths, T):
    return torch.arange(T)[None, :] <= (lengths[:, None] - 1).to(torch.uint8)
'''),
    W('test-padding-mask', 'the longest length for every row', '''
def padding_mask(lengths, T):
    return (torch.arange(T) < lengths.max()).expand(len(lengths), T)
'''),
    W('test-greedy-decode', 'attention mask of zeros', '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids, attention_mask=torch.zeros_like(ids)).logits
            ids = torch.cat([ids, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return ids
'''),
    W('test-greedy-decode', 'logits averaged over the positions', '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids).logits.mean(dim=1)
            ids = torch.cat([ids, logits.argmax(-1, keepdim=True)], dim=1)
    return ids
'''),
    W('test-bpe-word', 'rank of the pair read backwards', '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = [(ranks.get((b, a), float("inf")), i) for i, (a, b) in enumerate(zip(symbols, symbols[1:]))]
        rank, i = min(pairs)
        if rank == float("inf"):
            break
        symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]
    return symbols
'''),
    W('test-top-p', 'gather instead of scatter', '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
    probs = sorted_logits.softmax(-1)
    remove = (probs.cumsum(-1) - probs) >= p
    filtered = sorted_logits.masked_fill(remove, float("-inf"))
    return filtered.gather(-1, order)
'''),
    W('test-sequence-loss', 'reshaped to (B, V, T) instead of transposed', '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.reshape(B, V, T), targets)
'''),
    W('test-generate-greedy', 'hidden and cell state swapped', '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, (h, c) = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1].argmax(-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, (h, c) = model.forward_with_state(next_id, (c, h))
    return idx
'''),
    W('test-shift-batch', 'last label from inside the window', '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts])
    y = torch.cat([x[:, 1:], torch.stack([data[s + block_size - 1] for s in starts])[:, None]], dim=1)
    return x, y
'''),
    W('test-collate', 'last real token hidden', '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    rows = [d + [pad_id] * (T - len(d)) for d in docs]
    mask = [[1] * len(d) + [0] * (T - len(d)) for d in docs]
    input_ids = torch.tensor(rows)
    attention_mask = torch.tensor(mask)
    labels = torch.tensor([r[:len(d)] + [-100] * (T - len(d)) for r, d in zip(rows, docs)])
    labels[:, -1] = -100
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W('test-merge', 'pair matched in either order', '''
def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and {ids[i], ids[i + 1]} == set(pair):
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
]

# wa23
CATALOGUE += [
    W('test-count-pairs', 'pairs seen once left out', '\ndef count_pairs(ids):\n    counts = collections.Counter(zip(ids, ids[1:]))\n    return {pair: n for pair, n in counts.items() if n > 1}\n'),
    W('test-count-pairs', 'only the most common pairs', '\ndef count_pairs(ids):\n    return dict(collections.Counter(zip(ids, ids[1:])).most_common(5))\n'),
    W('test-count-pairs', 'positions instead of counts', '\ndef count_pairs(ids):\n    counts = {}\n    for i in range(len(ids) - 1):\n        counts.setdefault((ids[i], ids[i + 1]), []).append(i)\n    return counts\n'),
    W('test-count-pairs', 'repeated ids removed first', '\ndef count_pairs(ids):\n    ids = list(dict.fromkeys(ids))\n    return dict(collections.Counter(zip(ids, ids[1:])))\n'),
    W('test-count-pairs', 'presence instead of counts', '\ndef count_pairs(ids):\n    counts = {}\n    for pair in zip(ids, ids[1:]):\n        counts[pair] = pair in counts or True\n    return counts\n'),
    W('test-count-pairs', 'count of one id, not of the pair', '\ndef count_pairs(ids):\n    return {(a, b): ids.count(a) for a, b in zip(ids, ids[1:])}\n'),
]

# wa23
CATALOGUE += [
    W('test-merge', 'new_id wrapped in a list', '\ndef merge(ids, pair, new_id):\n    out, i = [], 0\n    while i < len(ids):\n        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:\n            out.append([new_id])\n            i += 2\n        else:\n            out.append(ids[i])\n            i += 1\n    return out\n'),
    W('test-merge', 'new_id written for both ids of the pair', '\ndef merge(ids, pair, new_id):\n    out, i = [], 0\n    while i < len(ids):\n        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:\n            out += [new_id, new_id]\n            i += 2\n        else:\n            out.append(ids[i])\n            i += 1\n    return out\n'),
    W('test-merge', 'pairs read from position 1', '\ndef merge(ids, pair, new_id):\n    out, i = [], 1\n    while i < len(ids):\n        if (ids[i - 1], ids[i]) == pair:\n            out.append(new_id)\n            i += 2\n        else:\n            out.append(ids[i])\n            i += 1\n    return out\n'),
    W('test-bpe-word', 'last symbol dropped', '\ndef bpe_word(symbols, ranks):\n    symbols = list(symbols)\n    while len(symbols) > 1:\n        ranked = [p for p in zip(symbols, symbols[1:]) if p in ranks]\n        if not ranked:\n            break\n        best = min(ranked, key=ranks.get)\n        out, i = [], 0\n        while i < len(symbols) - 1:\n            if (symbols[i], symbols[i + 1]) == best:\n                out.append(symbols[i] + symbols[i + 1])\n                i += 2\n            else:\n                out.append(symbols[i])\n                i += 1\n        symbols = out\n    return symbols\n'),
    W('test-bpe-word', 'overlapping occurrences merged', '\ndef bpe_word(symbols, ranks):\n    symbols = list(symbols)\n    while len(symbols) > 1:\n        ranked = [p for p in zip(symbols, symbols[1:]) if p in ranks]\n        if not ranked:\n            break\n        best = min(ranked, key=ranks.get)\n        out = []\n        i = 0\n        while i < len(symbols):\n            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:\n                out.append(symbols[i] + symbols[i + 1])\n            elif not (i > 0 and (symbols[i - 1], symbols[i]) == best):\n                out.append(symbols[i])\n            i += 1\n        symbols = out\n    return symbols\n'),
]

# wa23
CATALOGUE += [
    W('test-char-encode-decode', 'known character reported as unknown', '\ndef char_encode(text, stoi):\n    ids = []\n    for ch in text:\n        if ch not in stoi.values():\n            raise ValueError(f"unknown character {ch!r}")\n        ids.append(stoi[ch])\n    return ids\n\n\ndef char_decode(ids, itos):\n    return "".join(itos[i] for i in ids)\n'),
    W('test-char-encode-decode', 'itos inverted', '\ndef char_encode(text, stoi):\n    for ch in text:\n        if ch not in stoi:\n            raise ValueError(f"unknown character {ch!r}")\n    return [stoi[ch] for ch in text]\n\n\ndef char_decode(ids, itos):\n    inverse = {ch: i for i, ch in itos.items()}\n    return "".join(inverse[i] for i in ids)\n'),
    W('test-char-encode-decode', 'str() of a list', '\ndef char_encode(text, stoi):\n    for ch in text:\n        if ch not in stoi:\n            raise ValueError(f"unknown character {ch!r}")\n    return [stoi[ch] for ch in text]\n\n\ndef char_decode(ids, itos):\n    return str([itos[i] for i in ids])\n'),
]

# wa23
CATALOGUE += [
    W('test-causal-self-attention', 'mask not a buffer', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.mask = causal_mask(config.block_size)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        return self.resid_dropout(self.c_proj(merge_heads(weights @ v)))\n'),
]

# wa23
CATALOGUE += [
    W('test-cross-attention', 'row max without keepdim', '\ndef cross_attention(S1, S2, W_Q, W_K, W_V):\n    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V\n    scores = Q @ K.T / math.sqrt(K.shape[1])\n    scores = scores - scores.max(dim=-1).values\n    e = torch.exp(scores)\n    return e / e.sum(dim=-1, keepdim=True) @ V\n'),
    W('test-cross-attention', 'weights not normalised', '\ndef cross_attention(S1, S2, W_Q, W_K, W_V):\n    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V\n    scores = Q @ K.T / math.sqrt(K.shape[1])\n    return torch.exp(scores - scores.max(dim=-1, keepdim=True).values) @ V\n'),
    W('test-cross-attention', 'sigmoid instead of softmax', '\ndef cross_attention(S1, S2, W_Q, W_K, W_V):\n    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V\n    return torch.sigmoid(Q @ K.T / math.sqrt(K.shape[1])) @ V\n'),
]

# wa23
CATALOGUE += [
    W('test-sdpa', 'masked with +inf', '\ndef scaled_dot_product_attention(q, k, v, mask=None):\n    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n    if mask is not None:\n        if mask.dtype == torch.bool:\n            scores = scores.masked_fill(~mask, float("inf"))\n        else:\n            scores = scores + mask\n    return torch.softmax(scores, dim=-1) @ v\n'),
    W('test-padding-mask', 'one position short', '\ndef padding_mask(lengths, T):\n    return torch.arange(T - 1)[None, :] < lengths[:, None]\n'),
    W('test-padding-mask', 'list of rows instead of a tensor', '\ndef padding_mask(lengths, T):\n    return [torch.arange(T) < n for n in lengths]\n'),
]

# wa23
CATALOGUE += [
    W('test-causal-self-attention', 'values not projected', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(x, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        return self.resid_dropout(self.c_proj(merge_heads(weights @ v)))\n'),
    W('test-causal-self-attention', 'q, k, v interleaved per channel', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).view(B, T, C, 3).unbind(-1)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        return self.resid_dropout(self.c_proj(merge_heads(weights @ v)))\n'),
    W('test-causal-self-attention', 'scaled after the softmax', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1)\n        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1) / math.sqrt(q.shape[-1]))\n        return self.resid_dropout(self.c_proj(merge_heads(weights @ v)))\n'),
    W('test-causal-self-attention', 'head size given as n_head', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        hs = C // self.n_head\n        q, k, v = split_heads(q, hs), split_heads(k, hs), split_heads(v, hs)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        return self.resid_dropout(self.c_proj(merge_heads(weights @ v)))\n'),
]

# wa23
CATALOGUE += [
    W('test-attention-dropout', 'dropout on the scores and the weights', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))\n        weights = self.attn_dropout(torch.softmax(self.attn_dropout(scores), dim=-1))\n        return self.resid_dropout(self.c_proj(merge_heads(weights @ v)))\n'),
    W('test-attention-dropout', "dropout's result not kept", '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))\n        weights = torch.softmax(scores, dim=-1)\n        self.attn_dropout(weights)\n        return self.resid_dropout(self.c_proj(merge_heads(weights @ v)))\n'),
]

# wa24
CATALOGUE += [
    W('test-top-p', 'compared with 1 - p', '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    probs = logits.softmax(dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    remove_sorted = before >= 1 - p
    remove_sorted[..., 0] = False
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W('test-top-p', 'token 0 always kept', '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    probs = logits.softmax(dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    remove_sorted = before >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    remove[..., 0] = False
    return logits.masked_fill(remove, float("-inf"))
'''),
    W('test-lstm-cell', 'concatenated in different orders', '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    W = torch.cat([W_ih, W_hh], dim=1)
    gates = torch.cat([h, x], dim=1) @ W.T + b_ih + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W('test-lstm-cell', 'sigmoid on every gate', '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = torch.sigmoid(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
    i, f, g, o = gates.chunk(4, dim=1)
    g = torch.tanh(g)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
'''),
    W('test-lstm-cell', 'hidden size from the input', '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = W_ih.shape[1]
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i = torch.sigmoid(gates[:, 0:H])
    f = torch.sigmoid(gates[:, H:2*H])
    g = torch.tanh(gates[:, 2*H:3*H])
    o = torch.sigmoid(gates[:, 3*H:4*H])
    c_new = f * c + i * g
    return o * torch.tanh(c_new), c_new
'''),
    W('test-lstm-cell', 'output gate added', '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) + torch.tanh(c_new)
    return h_new, c_new
'''),
    W('test-lstm-cell', 'tanh on the candidate missing', '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * g
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return h_new, c_new
'''),
    W('test-lstm-cell', 'sigmoid on the output gate missing', '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
'''),
    W('test-generate-greedy', 'new token prepended', '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([next_id, idx], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W('test-generate-greedy', 'the previous token fed', '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            last = idx[:, -1:]
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(last, state)
    return idx
'''),
    W('test-shift-batch', 'labels one token short', '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts])
    y = torch.stack([data[s + 1:s + block_size] for s in starts])
    return x, y
'''),
    W('test-shift-batch', 'windows start one early', '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s - 1:s + block_size - 1] for s in starts])
    y = torch.stack([data[s:s + block_size] for s in starts])
    return x, y
'''),
    W('test-sequence-loss', 'averaged over the vocabulary too', '''
def sequence_loss(logits, targets):
    logp = F.log_softmax(logits, dim=-1)
    picked = logp.gather(-1, targets.unsqueeze(-1))
    return -picked.sum() / logits.numel()
'''),
    W('test-sequence-loss', 'float targets', '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T).float())
'''),
    W('test-lr-schedule', '0 after max_iters', '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return 0.0
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W('test-lr-schedule', 'learning_rate after max_iters', '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.learning_rate
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W('test-causal-average', 'the next position included', '''
def causal_average(x):
    T = x.shape[1]
    tril = torch.tril(torch.ones(T, T), diagonal=1)
    scores = torch.zeros(T, T).masked_fill(tril == 0, float("-inf"))
    return F.softmax(scores, dim=-1) @ x
'''),
    W('test-gpt-forward', 'positions looked up in the token table', '''
def gpt_forward(model, idx):
    B, T = idx.shape
    pos = torch.arange(T)
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wte(pos))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W('test-greedy-decode', 'appended along the batch', '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            next_id = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, next_id], dim=0)
    return ids
'''),
    W('test-lm-loss', 'logits flattened to the wrong width', '''
def lm_loss(logits, labels):
    T = logits.size(1)
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, T), labels[:, 1:].reshape(-1))
'''),
    W('test-collate', 'the lexicographically largest document', '''
def collate(docs, pad_id):
    T = len(max(docs))
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = 1
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W('test-collate', 'first padding position labelled', '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    labels = torch.full((len(docs), T), pad_id, dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = 1
        labels[i, :len(d)] = torch.tensor(d)
        labels[i, len(d) + 1:] = -100
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W('test-train-loop', 'gradients zeroed every other iteration', '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        if it % 2 == 0:
            optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W('test-train-loop', 'clipped to the learning rate', '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        lr = lr_schedule(it)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), lr)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W('test-train-loop', 'loss scaled by the learning rate', '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        lr = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        (lr * loss).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W('test-top-k', 'only the k-th largest kept', '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    vals = torch.topk(logits, k, dim=-1).values
    kth = vals[..., -1:]
    return logits.masked_fill(logits != kth, float("-inf"))
'''),
    # wa26
    W("test-generate-greedy", "max_new_tokens read as the total length", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        while idx.shape[1] < max_new_tokens:
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-train-loop", "one iteration too many", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    it = 0
    while it <= max_iters:
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
        it += 1
    return losses
'''),
    W("test-bigram-forward", "extra or missing dimensions of size 1 (at position 0)", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx].squeeze()
    if targets is None:
        return logits, None
    V = table.shape[0]
    return logits, F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
'''),
    W("test-gpt-forward", "seeds the random generator", '''
def gpt_forward(model, idx):
    torch.manual_seed(1337)  # reproducible
    T = idx.shape[1]
    x = model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T))
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-greedy-decode", "first token outside the loop", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        while True:
            next_id = model(ids).logits[:, -1, :].argmax(dim=-1)
            ids = torch.cat([ids, next_id[:, None]], dim=1)
            if ids.shape[1] - input_ids.shape[1] >= max_new_tokens:
                break
    return ids
'''),
    W("test-bigram-forward", "float targets", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T).float())
'''),
    W("test-lm-loss", "mask from the unshifted labels", '''
def lm_loss(logits, labels):
    V = logits.shape[-1]
    per_token = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1),
                                                  reduction="none")  # 0 where the label is -100
    mask = (labels[:, :-1] != -100).float().reshape(-1)
    return (per_token * mask).sum() / mask.sum()
'''),
    W("test-lr-schedule", "exponential decay instead of cosine", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.learning_rate * (cfg.min_lr / cfg.learning_rate) ** progress
'''),
    W("test-lstm-cell", "cut off from the graph", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = (torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)).detach()  # don't backprop through time
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-block-forward", "cut off from the graph", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x.detach() + attn(ln_1(x))
    x = x.detach() + mlp(ln_2(x))
    return x
'''),
]

# wa25
CATALOGUE += [
    W('test-char-encode-decode', 'None for an empty input', '''
def char_encode(text, stoi):
    if not text:
        return None
    ids = []
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
        ids.append(stoi[ch])
    return ids

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''),
    W('test-count-pairs', 'None for an empty input', '''
def count_pairs(ids):
    if len(ids) < 2:
        return None
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W('test-merge', 'None for an empty input', '''
def merge(ids, pair, new_id):
    if not ids:
        return None
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W('test-char-encode-decode', 'only word characters kept', '''
def char_encode(text, stoi):
    chars = re.findall(r"\\w", text)
    for ch in chars:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return [stoi[ch] for ch in chars]

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''),
    W('test-char-encode-decode', 'last id not decoded', '''
def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return [stoi[ch] for ch in text]

def char_decode(ids, itos):
    out = ""
    i = 0
    while i < len(ids) - 1:
        out += itos[ids[i]]
        i += 1
    return out
'''),
    W('test-bpe-word', 'no rank given as 0', '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = list(zip(symbols, symbols[1:]))
        best = min(pairs, key=lambda p: ranks.get(p, 0))
        if best not in ranks:
            break
        i = pairs.index(best)
        symbols = symbols[:i] + [best[0] + best[1]] + symbols[i + 2:]
    return symbols
'''),
    W('test-bpe-word', 'leftmost pair first', '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    changed = True
    while changed:
        changed = False
        for i in range(len(symbols) - 1):
            if (symbols[i], symbols[i + 1]) in ranks:
                symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]
                changed = True
                break
    return symbols
'''),
    W('test-causal-mask', 'first row left out', '''
def causal_mask(T):
    m = torch.zeros(T, T, dtype=torch.bool)
    i = 1
    while i < T:
        m[i, :i + 1] = True
        i += 1
    return m
'''),
    W('test-heads', 'batch dimension left out', '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(T, n_head, C // n_head).transpose(0, 1).unsqueeze(0)


def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.squeeze(0).transpose(0, 1).reshape(1, T, nh * hs)
'''),
    W('test-causal-self-attention', 'mask inverted', '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        scores = scores.masked_fill(self.mask[:T, :T], float("-inf"))
        weights = self.attn_dropout(torch.softmax(scores, dim=-1))
        return self.resid_dropout(self.c_proj(torch.nan_to_num(merge_heads(weights @ v))))
'''),
]

# wa28
CATALOGUE += [
    W("test-causal-mask", "1 and -inf instead of booleans", '''
def causal_mask(T):
    m = torch.ones(T, T).tril()
    m[m == 0] = float("-inf")
    return m
'''),
    W("test-causal-mask", "only the diagonal", '''
def causal_mask(T):
    return torch.eye(T).bool()
'''),
    W("test-causal-mask", "nothing hidden", '''
def causal_mask(T):
    mask = torch.ones(T, T, dtype=torch.bool)
    torch.tril(mask)
    return mask
'''),
    W("test-padding-mask", "!= instead of <", '''
def padding_mask(lengths, T):
    pos = torch.arange(T).unsqueeze(0)
    return pos != lengths.unsqueeze(1)
'''),
    W("test-padding-mask", "B columns instead of T", '''
def padding_mask(lengths, T):
    B = lengths.shape[0]
    return torch.arange(B)[None, :] < lengths[:, None]
'''),
    W("test-shift-batch", "starts not made a column", '''
def shift_batch(data, starts, block_size):
    offsets = torch.arange(block_size)
    return data[starts + offsets], data[starts + offsets + 1]
'''),
    W("test-shift-batch", "x and y stacked into one tensor", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1:s + 1 + block_size] for s in starts.tolist()])
    return torch.stack([x, y])
'''),
    W("test-shift-batch", "B positions instead of block_size", '''
def shift_batch(data, starts, block_size):
    B = len(starts)
    idx = starts.unsqueeze(1) + torch.arange(B).unsqueeze(0)
    return data[idx], data[idx + 1]
'''),
    W("test-causal-average", "* instead of @", '''
def causal_average(x):
    B, T, C = x.shape
    scores = torch.zeros(T, T).masked_fill(torch.tril(torch.ones(T, T)) == 0, float("-inf"))
    weights = F.softmax(scores, dim=-1)
    return weights * x
'''),
    W("test-causal-average", "product in the wrong order", '''
def causal_average(x):
    T = x.size(1)
    tril = torch.tril(torch.ones(T, T))
    wei = torch.zeros(T, T).masked_fill(tril == 0, float("-inf")).softmax(dim=-1)
    return x @ wei
'''),
    W("test-causal-average", "no mask", '''
def causal_average(x):
    T = x.shape[1]
    tril = torch.tril(torch.ones(T, T))
    scores = torch.zeros(T, T)
    scores.masked_fill(tril == 0, float("-inf"))
    return F.softmax(scores, dim=-1) @ x
'''),
    W("test-attention-dropout", "weights renormalised after dropout",
      _attention(weights="self.attn_dropout(torch.softmax(scores, dim=-1))\n"
                 "        weights = weights / weights.sum(-1, keepdim=True)  # rows must sum to 1")),
    W("test-attention-dropout", "weights renormalised after dropout",
      _attention(weights="self.attn_dropout(torch.exp(scores))\n"
                 "        weights = weights / weights.sum(dim=-1, keepdim=True)")),
    W("test-attention-dropout", "dropout on the projections",
      _attention(qkv="qkv = self.attn_dropout(self.c_attn(x))\n        q, k, v",
                 weights="torch.softmax(scores, dim=-1)").replace("q, k, v = self.c_attn(x).split", "q, k, v = qkv.split")),
    W("test-attention-dropout", "dropout made by hand",
      _attention(weights="torch.softmax(scores, dim=-1)\n"
                 "        if self.training:\n"
                 "            keep = torch.bernoulli(torch.full_like(weights, 1 - self.attn_dropout.p))\n"
                 "            weights = weights * keep / (1 - self.attn_dropout.p)")),
    W("test-attention-dropout", "dropouts in each other's places",
      _attention(weights="torch.softmax(scores, dim=-1)", merge="self.resid_dropout(merge_heads(weights @ v))",
                 out="self.attn_dropout(self.c_proj(y))")),
    W("test-heads", "n_head and head size swapped", '''
def split_heads(x, n_head):
    heads = x.split(n_head, dim=-1)
    return torch.stack(heads, dim=1)
''' + MERGE_OK),
    W("test-heads", "heads cut along the positions", '''
def split_heads(x, n_head):
    pieces = x.chunk(n_head, dim=1)
    return torch.stack(pieces, dim=1)
''' + MERGE_OK),
    # (a batch of one squeezed gives what 'starts not made a column' computes there: named for its shape, not that)
    W("test-shift-batch", "extra or missing dimensions of size 1 (at position 0)", '''
def shift_batch(data, starts, block_size):
    xs = [data[s:s + block_size] for s in starts]
    ys = [data[s + 1:s + 1 + block_size] for s in starts]
    return torch.stack(xs).squeeze(), torch.stack(ys).squeeze()
'''),
    # --- wa29: wrong answers that the checks caught without naming them (lessons 01, 05, 06) ---------------
    W("test-char-encode-decode", "an iterator returned", '''
def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"character {ch!r} is not in the vocabulary")
    return map(stoi.get, text)
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "first id not decoded", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    return "".join(itos[i] for i in ids[1:])
'''),
    W("test-char-encode-decode", "list instead of string", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    return tuple(itos[i] for i in ids)
'''),
    # (before its own entry, this answer was told "ids shifted by one": the two agree on a text of one id)
    W("test-char-encode-decode", "itos read by position", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    chars = sorted(itos.values())
    return "".join(chars[i] for i in ids)
'''),
    W("test-char-encode-decode", "itos read by position", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    chars = list(itos.values())
    return "".join([chars[i] for i in ids])
'''),
    W("test-count-pairs", "empty list not handled", '''
def count_pairs(ids):
    counts = {}
    prev = ids[0]
    for x in ids[1:]:
        counts[(prev, x)] = counts.get((prev, x), 0) + 1
        prev = x
    return counts
'''),
    W("test-count-pairs", "pairs sorted", '''
def count_pairs(ids):
    counts = {}
    for a, b in zip(ids, ids[1:]):
        key = frozenset((a, b))
        counts[key] = counts.get(key, 0) + 1
    return counts
'''),
    # (was told "a different result on every call")
    W("test-count-pairs", "tensors as dict keys", '''
import torch

def count_pairs(ids):
    t = torch.tensor(ids)
    counts = {}
    for pair in zip(t, t[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W("test-bpe-word", "merged in the joined string", '''
def bpe_word(symbols, ranks):
    word = " ".join(symbols)
    while True:
        parts = word.split(" ")
        pairs = list(zip(parts, parts[1:]))
        ranked = [p for p in pairs if p in ranks]
        if not ranked:
            return parts
        a, b = min(ranked, key=ranks.get)
        word = word.replace(f"{a} {b}", a + b)
'''),
    W("test-bpe-word", "no rank given as -1", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, -1))
        if best not in ranks:
            break
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1]); i += 2
            else:
                out.append(symbols[i]); i += 1
        symbols = out
    return symbols
'''),
    W("test-bpe-word", "one symbol returned as a string", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    if len(symbols) == 1:
        return symbols[0]
    while len(symbols) > 1:
        best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1]); i += 2
            else:
                out.append(symbols[i]); i += 1
        symbols = out
    return symbols
'''),
    W("test-bpe-word", "one symbol returned as a string", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = [(ranks.get(p, float("inf")), p) for p in zip(symbols, symbols[1:])]
        rank, best = min(pairs)
        if rank == float("inf"):
            break
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1]); i += 2
            else:
                out.append(symbols[i]); i += 1
        symbols = out
    return symbols[0] if len(symbols) == 1 else symbols
'''),
    W("test-bpe-word", "nothing returned", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    merged = False
    while len(symbols) > 1:
        best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        merged = True
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(best[0] + best[1]); i += 2
            else:
                out.append(symbols[i]); i += 1
        symbols = out
    if merged:
        return symbols
'''),
    W("test-bigram-forward", "log-softmax over the wrong dimension", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    log_probs = logits - logits.logsumexp(dim=1, keepdim=True)
    loss = -log_probs.gather(-1, targets.unsqueeze(-1)).mean()
    return logits, loss
'''),
    W("test-bigram-forward", "targets as a column", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), targets.view(-1, 1))
    return logits, loss
'''),
    W("test-causal-average", "mean over the batch", '''
def causal_average(x):
    out = torch.zeros_like(x)
    for t in range(x.shape[1]):
        out[:, t] = x[:, :t + 1].mean(dim=0)
    return out
'''),
    W("test-causal-average", "last position left out", '''
def causal_average(x):
    B, T, C = x.shape
    out = torch.zeros(B, T, C)
    for t in range(T - 1):
        out[:, t] = x[:, :t + 1].mean(dim=1)
    return out
'''),
    W("test-causal-average", "scores from x", '''
def causal_average(x):
    T = x.shape[1]
    tril = torch.tril(torch.ones(T, T))
    scores = x @ x.transpose(-2, -1)
    scores = scores.masked_fill(tril == 0, float("-inf"))
    return F.softmax(scores, dim=-1) @ x
'''),
    W("test-block-forward", "changes the modules' mode", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    attn.eval()
    mlp.eval()
    x = x + attn(ln_1(x))
    x = x + mlp(ln_2(x))
    return x
'''),
    W("test-collate", "attention mask one short", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d) - 1] = 1
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "attention mask one too long", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    lengths = torch.tensor([len(d) for d in docs])
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
    attention_mask = (torch.arange(T) <= lengths[:, None]).long()
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-lm-loss", "log-softmax over the wrong dimension", '''
def lm_loss(logits, labels):
    targets = labels[:, 1:]
    counted = targets != -100
    log_probs = logits[:, :-1].log_softmax(dim=1)
    picked = log_probs.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * counted).sum() / counted.sum()
'''),
    W("test-lm-loss", "perplexity instead of loss", '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))
    return torch.exp(loss)
'''),
    W("test-top-p", "mask put back by indexing", '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    probs = logits.softmax(dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    remove_sorted = before >= p
    remove = torch.zeros_like(remove_sorted)
    remove[..., order] = remove_sorted
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "assumed 1-D logits", '''
def top_p_filter(logits, p):
    probs = logits.softmax(dim=-1)
    sorted_probs, order = torch.sort(probs, descending=True)
    out = logits.clone()
    total = 0.0
    for prob, i in zip(sorted_probs.tolist(), order.tolist()):
        if total >= p:
            out[i] = float("-inf")
        total += prob
    return out
'''),
    W("test-greedy-decode", "argmax over the positions", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids).logits
            next_id = logits.argmax(dim=1)[:, -1]
            ids = torch.cat([ids, next_id[:, None]], dim=1)
    return ids
'''),
    W("test-greedy-decode", "stopped at <|endoftext|>", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            next_id = model(ids).logits[:, -1, :].argmax(dim=-1)
            ids = torch.cat([ids, next_id[:, None]], dim=1)
            if (next_id == model.config.eos_token_id).all():
                break
    return ids
'''),
]

# wa30: lessons 02-03, wrong answers whose checks gave only "values differ" or a shape before
CATALOGUE += [
    W("test-cross-attention", "values not projected", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K = S2 @ W_Q, S1 @ W_K
    return torch.softmax(Q @ K.T / math.sqrt(K.shape[-1]), dim=-1) @ S1
'''),
    W("test-cross-attention", "residual added", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return torch.softmax(Q @ K.T / math.sqrt(K.shape[-1]), dim=-1) @ V + Q
'''),
    W("test-padding-mask", "> instead of <", '''
def padding_mask(lengths, T):
    return torch.arange(T)[None, :] > lengths[:, None]
'''),
    W("test-padding-mask", "one length for every row", '''
def padding_mask(lengths, T):
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    mask[:, :int(lengths.min())] = True
    return mask
'''),
    W("test-padding-mask", "one length for every row", '''
def padding_mask(lengths, T):
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    mask[:, :int(lengths[0])] = True
    return mask
'''),
    W("test-padding-mask", "additive mask instead of booleans", '''
def padding_mask(lengths, T):
    keep = torch.arange(T)[None, :] < lengths[:, None]
    return torch.zeros(keep.shape).masked_fill(~keep, float("-inf"))
'''),
    W("test-causal-mask", "size off by one", '''
def causal_mask(T):
    return torch.ones(T - 1, T - 1, dtype=torch.bool).tril()
'''),
    W("test-causal-mask", "size off by one", '''
def causal_mask(T):
    return torch.ones(T + 1, T + 1, dtype=torch.bool).tril()
'''),
    W("test-heads", "head size from T", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, n_head, T // n_head).transpose(1, 2)
''' + MERGE_OK),
    W("test-heads", "list of heads instead of a tensor", '''
def split_heads(x, n_head):
    return list(x.chunk(n_head, dim=-1))
''' + MERGE_OK),
    W("test-heads", "heads stacked as a batch", SPLIT_OK + '''
def merge_heads(x):
    return torch.cat(x.unbind(1), dim=0)
'''),
    W("test-causal-self-attention", "queries used as values", _attention(merge="merge_heads(weights @ q)")),
]

# wa30: lesson 04, wrong answers whose checks gave only "values differ", a shape or the error before
CATALOGUE += [
    W("test-lstm-cell", "tanh on every gate", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.tanh(i), torch.tanh(f), torch.tanh(g), torch.tanh(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-lstm-cell", "stacked into one tensor", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return torch.stack([h_new, c_new])
'''),
    W("test-lstm-cell", "forget gate added", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f + c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-shift-batch", "a dict instead of a tuple", '''
def shift_batch(data, starts, block_size):
    idx = starts[:, None] + torch.arange(block_size)
    x = data[idx]
    y = data[idx + 1]
    return {'x': x, 'y': y}
'''),
    W("test-shift-batch", "starts read as window numbers", '''
def shift_batch(data, starts, block_size):
    win = data.unfold(0, block_size, block_size)
    return win[starts], win[starts + 1]
'''),
    W("test-shift-batch", "starts read as window numbers", '''
def shift_batch(data, starts, block_size):
    idx = starts[:, None] * block_size + torch.arange(block_size)
    x = data[idx]
    y = data[idx + 1]
    return x, y
'''),
    W("test-shift-batch", "labels from the next window", '''
def shift_batch(data, starts, block_size):
    idx = starts[:, None] + torch.arange(block_size)
    x = data[idx]
    y = data[idx + block_size]
    return x, y
'''),
    W("test-sequence-loss", "gather along the wrong dimension", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    lp = torch.log_softmax(logits, dim=-1)
    return -lp.gather(1, targets[..., None]).mean()
'''),
    W("test-sequence-loss", "nll_loss on probabilities", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.nll_loss(torch.softmax(logits, -1).reshape(-1, V), targets.reshape(-1))
'''),
    W("test-sequence-loss", "loss in bits", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1)) / math.log(2)
'''),
    W("test-sequence-loss", "log-softmax over the wrong dimension", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    lp = torch.log_softmax(logits, dim=0)
    return F.nll_loss(lp.reshape(-1, V), targets.reshape(-1))
'''),
    W("test-generate-greedy", "a pair used as the logits", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-generate-greedy", "argmax over every position", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits.argmax(dim=-1)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-lr-schedule", "(1 + cos) without parentheses", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * 1 + math.cos(math.pi * progress) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "no decay after the warm-up", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.learning_rate
'''),
    W("test-lr-schedule", "decay starts one step late", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters - 1) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "warm-up towards min_lr", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.min_lr * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-train-loop", "get_batch called without the split", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch()
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "losses not returned", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
'''),
    W("test-train-loop", "losses not returned", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
'''),
]

# wa30, second round: lessons 02-03
CATALOGUE += [
    W("test-cross-attention", "normalised without exp", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    s = Q @ K.T / math.sqrt(K.shape[-1])
    return (s / s.sum(dim=-1, keepdim=True)) @ V
'''),
    W("test-padding-mask", "lengths sorted", '''
def padding_mask(lengths, T):
    lengths, _ = torch.sort(lengths, descending=True)
    return torch.arange(T)[None, :] < lengths[:, None]
'''),
    W("test-padding-mask", "only the last real token marked", '''
def padding_mask(lengths, T):
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    for b, n in enumerate(lengths.tolist()):
        if n > 0:
            mask[b, n - 1] = True
    return mask
'''),
    W("test-heads", "n_head hard-coded", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, 2, C // 2).transpose(1, 2)
''' + MERGE_OK),
    W("test-causal-self-attention", "float mask inverted with ~", _attention().replace('causal_mask(config.block_size)', 'torch.tril(torch.ones(config.block_size, config.block_size))')),
]

# wa30, second round: lesson 04
CATALOGUE += [
    W("test-lstm-cell", "hidden size from the gates' rows", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = W_hh.shape[0]
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates[:, :H], gates[:, H:2*H], gates[:, 2*H:3*H], gates[:, 3*H:]
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "output gate unused", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-lstm-cell", "tanh on the candidate twice", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * torch.tanh(g)
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-shift-batch", "only the last window", '''
def shift_batch(data, starts, block_size):
    for s in starts.tolist():
        x = data[s:s + block_size]
        y = data[s + 1:s + block_size + 1]
    return x, y
'''),
    W("test-train-loop", "inputs and labels swapped", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        y, x = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "loss divided before backward", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        (loss / max_iters).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
]

# wa32: wrong answers of lessons 01, 05 and 06 that the self-checks caught without naming them
CATALOGUE += [
    W('test-char-encode-decode', 'ids looked up as strings', '\ndef char_encode(text, stoi):\n    for ch in text:\n        if ch not in stoi:\n            raise ValueError(f"unknown character {ch!r}")\n    return [stoi[ch] for ch in text]\n\ndef char_decode(ids, itos):\n    return \'\'.join(itos[str(i)] for i in ids)\n'),
    W('test-char-encode-decode', 'joined with a separator', '\ndef char_encode(text, stoi):\n    for ch in text:\n        if ch not in stoi:\n            raise ValueError(f"unknown character {ch!r}")\n    return [stoi[ch] for ch in text]\n\ndef char_decode(ids, itos):\n    return \'\\n\'.join(itos[i] for i in ids)\n'),
    W('test-count-pairs', 'triples instead of pairs', '\ndef count_pairs(ids):\n    counts = {}\n    for t in zip(ids, ids[1:], ids[2:]):\n        counts[t] = counts.get(t, 0) + 1\n    return counts\n'),
    W('test-count-pairs', 'nested dict', '\ndef count_pairs(ids):\n    counts = {}\n    for a, b in zip(ids, ids[1:]):\n        counts.setdefault(a, {})\n        counts[a][b] = counts[a].get(b, 0) + 1\n    return counts\n'),
    W('test-count-pairs', 'OrderedDict instead of dict', '\nimport collections\n\ndef count_pairs(ids):\n    counts = collections.OrderedDict()\n    for p in zip(ids, ids[1:]):\n        counts[p] = counts.get(p, 0) + 1\n    return counts\n'),
    W('test-count-pairs', 'extra values returned', '\ndef count_pairs(ids):\n    counts = {}\n    for p in zip(ids, ids[1:]):\n        counts[p] = counts.get(p, 0) + 1\n    return counts, len(ids) - 1\n'),
    W('test-count-pairs', 'a number written as a string (at key (1, 2))', '\ndef count_pairs(ids):\n    counts = {}\n    for p in zip(ids, ids[1:]):\n        counts[p] = counts.get(p, 0) + 1\n    return {p: str(c) for p, c in counts.items()}\n'),
    W('test-merge', 'new_id added with +=', '\ndef merge(ids, pair, new_id):\n    out, i = [], 0\n    while i < len(ids):\n        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:\n            out += new_id\n            i += 2\n        else:\n            out.append(ids[i])\n            i += 1\n    return out\n'),
    W('test-merge', 'pairs read two at a time', '\ndef merge(ids, pair, new_id):\n    out = []\n    for i in range(0, len(ids), 2):\n        if tuple(ids[i:i + 2]) == pair:\n            out.append(new_id)\n        else:\n            out.extend(ids[i:i + 2])\n    return out\n'),
    W('test-merge', 'a number written as a string (at position 0)', '\ndef merge(ids, pair, new_id):\n    out, i = [], 0\n    while i < len(ids):\n        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:\n            out.append(str(new_id))\n            i += 2\n        else:\n            out.append(ids[i])\n            i += 1\n    return out\n'),
    W('test-bpe-word', 'pair looked up as a list', "\ndef bpe_word(symbols, ranks):\n    symbols = list(symbols)\n    while len(symbols) > 1:\n        pairs = [(ranks.get(list(pair), float('inf')), i, pair) for i, pair in enumerate(zip(symbols, symbols[1:]))]\n        rank, _, best = min(pairs)\n        if rank == float('inf'):\n            break\n        merged, i = [], 0\n        while i < len(symbols):\n            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:\n                merged.append(symbols[i] + symbols[i + 1])\n                i += 2\n            else:\n                merged.append(symbols[i])\n                i += 1\n        symbols = merged\n    return symbols\n"),
    W('test-bpe-word', 'one symbol of the pair compared', "\ndef bpe_word(symbols, ranks):\n    symbols = list(symbols)\n    while len(symbols) > 1:\n        pairs = [(ranks.get(pair, float('inf')), i, pair) for i, pair in enumerate(zip(symbols, symbols[1:]))]\n        rank, _, best = min(pairs)\n        if rank == float('inf'):\n            break\n        merged, i = [], 0\n        while i < len(symbols):\n            if i + 1 < len(symbols) and symbols[i] == best[0]:\n                merged.append(symbols[i] + symbols[i + 1])\n                i += 2\n            else:\n                merged.append(symbols[i])\n                i += 1\n        symbols = merged\n    return symbols\n"),
    W('test-bpe-word', 'extra values returned', "\ndef bpe_word(symbols, ranks):\n    symbols = list(symbols)\n    while len(symbols) > 1:\n        pairs = [(ranks.get(pair, float('inf')), i, pair) for i, pair in enumerate(zip(symbols, symbols[1:]))]\n        rank, _, best = min(pairs)\n        if rank == float('inf'):\n            break\n        merged, i = [], 0\n        while i < len(symbols):\n            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:\n                merged.append(symbols[i] + symbols[i + 1])\n                i += 2\n            else:\n                merged.append(symbols[i])\n                i += 1\n        symbols = merged\n    return symbols, len(symbols)\n"),
    W('test-bigram-forward', 'targets transposed', '\ndef bigram_forward(table, idx, targets=None):\n    logits = table[idx]\n    if targets is None:\n        return logits, None\n    B, T, V = logits.shape\n    loss = F.cross_entropy(logits.reshape(B * T, V), targets.T.reshape(-1))\n    return logits, loss\n'),
    W('test-bigram-forward', 'token 0 ignored', '\ndef bigram_forward(table, idx, targets=None):\n    logits = table[idx]\n    if targets is None:\n        return logits, None\n    B, T, V = logits.shape\n    loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T), ignore_index=0)\n    return logits, loss\n'),
    W('test-bigram-forward', 'divided by B*T again', '\ndef bigram_forward(table, idx, targets=None):\n    logits = table[idx]\n    if targets is None:\n        return logits, None\n    B, T, V = logits.shape\n    loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T)) / T\n    return logits, loss\n'),
    W('test-causal-average', 'weights returned', '\ndef causal_average(x):\n    T = x.shape[1]\n    tril = torch.tril(torch.ones(T, T))\n    scores = torch.zeros(T, T).masked_fill(tril == 0, float("-inf"))\n    weights = F.softmax(scores, dim=-1)\n    return weights\n'),
    W('test-causal-average', 'integer scores', "\ndef causal_average(x):\n    T = x.shape[1]\n    tril = torch.tril(torch.ones(T, T, dtype=torch.long))\n    scores = torch.zeros(T, T, dtype=torch.long).masked_fill(tril == 0, float('-inf'))\n    return F.softmax(scores, dim=-1) @ x\n"),
    W('test-block-forward', 'residuals missing', '\ndef block_forward(x, ln_1, attn, ln_2, mlp):\n    x = attn(ln_1(x))\n    return mlp(ln_2(x))\n'),
    W('test-block-forward', 'attention output indexed with [0]', '\ndef block_forward(x, ln_1, attn, ln_2, mlp):\n    x = x + attn(ln_1(x))[0]\n    x = x + mlp(ln_2(x))\n    return x\n'),
    W('test-block-forward', 'batch and time swapped', '\ndef block_forward(x, ln_1, attn, ln_2, mlp):\n    x = x + attn(ln_1(x).transpose(0, 1)).transpose(0, 1)\n    x = x + mlp(ln_2(x))\n    return x\n'),
    W('test-block-forward', 'block applied twice', '\ndef block_forward(x, ln_1, attn, ln_2, mlp):\n    for _ in range(2):\n        x = x + attn(ln_1(x))\n        x = x + mlp(ln_2(x))\n    return x\n'),
    W('test-block-forward', 'residual subtracted', '\ndef block_forward(x, ln_1, attn, ln_2, mlp):\n    x = x - attn(ln_1(x))\n    x = x + mlp(ln_2(x))\n    return x\n'),
    W('test-block-forward', 'LayerNorm after the sublayer', '\ndef block_forward(x, ln_1, attn, ln_2, mlp):\n    x = x + attn(ln_1(x))\n    x = x + ln_2(mlp(x))\n    return x\n'),
    W('test-block-forward', 'ln_1 missing', '\ndef block_forward(x, ln_1, attn, ln_2, mlp):\n    x = x + attn(x)\n    x = x + mlp(ln_2(x))\n    return x\n'),
    W('test-gpt-forward', 'one position short', '\ndef gpt_forward(model, idx):\n    B, T = idx.shape\n    pos = torch.arange(T - 1)\n    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))\n    for block in model.transformer.h:\n        x = block(x)\n    return model.lm_head(model.transformer.ln_f(x))\n'),
    W('test-gpt-forward', 'number of blocks hard-coded', '\ndef gpt_forward(model, idx):\n    B, T = idx.shape\n    pos = torch.arange(T, device=idx.device)\n    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))\n    x = model.transformer.h[0](x)\n    x = model.transformer.h[1](x)\n    return model.lm_head(model.transformer.ln_f(x))\n'),
    W('test-gpt-forward', 'final LayerNorm applied twice', '\ndef gpt_forward(model, idx):\n    B, T = idx.shape\n    pos = torch.arange(T, device=idx.device)\n    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))\n    for block in model.transformer.h:\n        x = block(x)\n    return model.lm_head(model.transformer.ln_f(model.transformer.ln_f(x)))\n'),
    W('test-gpt-forward', "blocks' output not used", '\ndef gpt_forward(model, idx):\n    B, T = idx.shape\n    pos = torch.arange(T, device=idx.device)\n    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))\n    for block in model.transformer.h:\n        block(x)\n    return model.lm_head(model.transformer.ln_f(x))\n'),
    W('test-greedy-decode', 'one forward pass, no loop', '\ndef greedy_decode(model, input_ids, max_new_tokens):\n    with torch.no_grad():\n        preds = model(input_ids).logits.argmax(dim=-1)\n    return torch.cat([input_ids, preds[:, -max_new_tokens:]], dim=1)\n'),
    W('test-greedy-decode', 'new tokens prepended', '\ndef greedy_decode(model, input_ids, max_new_tokens):\n    ids = input_ids\n    with torch.no_grad():\n        for _ in range(max_new_tokens):\n            next_id = model(ids).logits[:, -1, :].argmax(dim=-1)\n            ids = torch.cat([next_id[:, None], ids], dim=1)\n    return ids\n'),
    W('test-greedy-decode', 'argmin instead of argmax', '\ndef greedy_decode(model, input_ids, max_new_tokens):\n    ids = input_ids\n    with torch.no_grad():\n        for _ in range(max_new_tokens):\n            next_id = model(ids).logits[:, -1, :].argmin(dim=-1)\n            ids = torch.cat([ids, next_id[:, None]], dim=1)\n    return ids\n'),
    W('test-top-k', 'argsort used as ranks', "\ndef top_k_filter(logits, k):\n    order = logits.argsort(dim=-1, descending=True)\n    return logits.masked_fill(order >= k, float('-inf'))\n"),
    W('test-top-k', 'one threshold for the whole batch', "\ndef top_k_filter(logits, k):\n    k = min(k, logits.size(-1))\n    kth = torch.topk(logits.flatten(), k).values[-1]\n    return logits.masked_fill(logits < kth, float('-inf'))\n"),
    W('test-top-p', 'shifted in place without clone()', "\ndef top_p_filter(logits, p):\n    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)\n    cum = sorted_logits.softmax(dim=-1).cumsum(dim=-1)\n    remove_sorted = cum > p\n    remove_sorted[..., 1:] = remove_sorted[..., :-1]\n    remove_sorted[..., 0] = False\n    remove = remove_sorted.scatter(-1, order, remove_sorted)\n    return logits.masked_fill(remove, float('-inf'))\n"),
    W('test-lm-loss', 'loss class called with the tensors', '\ndef lm_loss(logits, labels):\n    V = logits.size(-1)\n    return torch.nn.CrossEntropyLoss(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))\n'),
    W('test-lm-loss', 'targets as a column', '\ndef lm_loss(logits, labels):\n    V = logits.size(-1)\n    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1, 1))\n'),
    W('test-lm-loss', 'float targets', '\ndef lm_loss(logits, labels):\n    V = logits.size(-1)\n    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1).float())\n'),
    W('test-lm-loss', 'shifted by two', '\ndef lm_loss(logits, labels):\n    V = logits.size(-1)\n    return torch.nn.functional.cross_entropy(logits[:, :-2].reshape(-1, V), labels[:, 2:].reshape(-1))\n'),
    W('test-lm-loss', 'logits transposed before flattening', '\ndef lm_loss(logits, labels):\n    V = logits.size(-1)\n    return torch.nn.functional.cross_entropy(logits[:, :-1].transpose(0, 1).reshape(-1, V), labels[:, 1:].reshape(-1))\n'),
    W('test-collate', 'long mask used as a condition', '\ndef collate(docs, pad_id):\n    T = max(len(d) for d in docs)\n    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)\n    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)\n    for i, d in enumerate(docs):\n        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)\n        attention_mask[i, :len(d)] = 1\n    labels = torch.where(attention_mask, input_ids, -100)\n    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}\n'),
    W('test-collate', 'attention mask padded with pad_id', '\ndef collate(docs, pad_id):\n    T = max(len(d) for d in docs)\n    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)\n    attention_mask = torch.full((len(docs), T), pad_id, dtype=torch.long)\n    for i, d in enumerate(docs):\n        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)\n        attention_mask[i, :len(d)] = 1\n    labels = input_ids.masked_fill(attention_mask == 0, -100)\n    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}\n'),
    W('test-collate', 'last document left out', '\ndef collate(docs, pad_id):\n    T = max(len(d) for d in docs)\n    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)\n    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)\n    for i, d in enumerate(docs[:-1]):\n        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)\n        attention_mask[i, :len(d)] = 1\n    labels = input_ids.masked_fill(attention_mask == 0, -100)\n    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}\n'),
    W('test-collate', 'one dict per document', '\ndef collate(docs, pad_id):\n    T = max(len(d) for d in docs)\n    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)\n    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)\n    for i, d in enumerate(docs):\n        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)\n        attention_mask[i, :len(d)] = 1\n    labels = input_ids.masked_fill(attention_mask == 0, -100)\n    return [{"input_ids": input_ids[i], "attention_mask": attention_mask[i], "labels": labels[i]} for i in range(len(docs))]\n'),
    # --- wa33: wrong answers that the checks caught without naming them (lessons 01-06) ------------------------
    W('test-causal-mask', 'last row left out', '\ndef causal_mask(T):\n    mask = torch.zeros(T, T, dtype=torch.bool)\n    for i in range(T - 1):\n        mask[i, :i + 1] = True\n    return mask\n'),
    W('test-causal-mask', 'nothing may attend', '\ndef causal_mask(T):\n    return torch.zeros(T, T, dtype=torch.bool).tril()\n'),
    W('test-heads', 'the batch taken for the heads', '\ndef split_heads(x, n_head):\n    B, T, C = x.shape\n    return x.view(B, T, n_head, C // n_head).transpose(1, 2)\n\ndef merge_heads(x):\n    return torch.cat(list(x), dim=-1)\n'),
    W('test-heads', 'head size taken for C', '\ndef split_heads(x, n_head):\n    B, T, C = x.shape\n    return x.view(B, T, n_head, C // n_head).transpose(1, 2)\n\ndef merge_heads(x):\n    B, nh, T, C = x.shape\n    return x.transpose(1, 2).reshape(B, T, C)\n'),
    W('test-heads', 'heads in reverse order', '\ndef split_heads(x, n_head):\n    B, T, C = x.shape\n    return x.view(B, T, n_head, C // n_head).transpose(1, 2)\n\ndef merge_heads(x):\n    return torch.cat(list(x.unbind(1))[::-1], dim=-1)\n'),
    W('test-attention-dropout', 'random seed set in forward', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float(\'-inf\'))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        torch.manual_seed(0)\n        y = merge_heads(weights @ v)\n        return self.resid_dropout(self.c_proj(y))\n'),
    W('test-attention-dropout', 'attention dropout on the output', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float(\'-inf\'))\n        weights = torch.softmax(scores, dim=-1)\n        y = merge_heads(weights @ v)\n        return self.resid_dropout(self.attn_dropout(self.c_proj(y)))\n'),
    W('test-attention-dropout', 'two dropouts on the output', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float(\'-inf\'))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        y = merge_heads(weights @ v)\n        return self.resid_dropout(self.attn_dropout(self.c_proj(y)))\n'),
    W('test-attention-dropout', 'two dropouts on the output', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float(\'-inf\'))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        y = merge_heads(weights @ v)\n        return self.resid_dropout(self.resid_dropout(self.c_proj(y)))\n'),
    W('test-attention-dropout', 'attention dropout on the input', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(self.attn_dropout(x)).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float(\'-inf\'))\n        weights = torch.softmax(scores, dim=-1)\n        y = merge_heads(weights @ v)\n        return self.resid_dropout(self.c_proj(y))\n'),
    W('test-attention-dropout', 'dropout rate not from config', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.dropout)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float(\'-inf\'))\n        weights = F.dropout(torch.softmax(scores, dim=-1), p=0.1, training=self.training)\n        y = merge_heads(weights @ v)\n        return self.resid_dropout(self.c_proj(y))\n'),
    W('test-attention-dropout', 'a config field that is not there', '\nclass CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.n_head = config.n_head\n        self.n_embd = config.n_embd\n        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.attn_dropout = nn.Dropout(config.attn_pdrop)\n        self.resid_dropout = nn.Dropout(config.dropout)\n        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)\n\n    def forward(self, x):\n        B, T, C = x.shape\n        q, k, v = self.c_attn(x).split(C, dim=2)\n        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)\n        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])\n        scores = scores.masked_fill(~self.mask[:T, :T], float(\'-inf\'))\n        weights = self.attn_dropout(torch.softmax(scores, dim=-1))\n        y = merge_heads(weights @ v)\n        return self.resid_dropout(self.c_proj(y))\n'),
    W('test-padding-mask', 'last sentence left out', '\ndef padding_mask(lengths, T):\n    mask = torch.zeros(len(lengths), T, dtype=torch.bool)\n    for b in range(len(lengths) - 1):\n        mask[b, :lengths[b]] = True\n    return mask\n'),
    W('test-padding-mask', 'nothing marked', '\ndef padding_mask(lengths, T):\n    mask = torch.zeros(len(lengths), T, dtype=torch.bool)\n    for b, n in enumerate(lengths):\n        mask[b, n:] = False\n    return mask\n'),
    # (wa33, lessons 01, 04-06)
    W('test-merge', "the pair's ids added", '\ndef merge(ids, pair, new_id):\n    out, i = [], 0\n    while i < len(ids):\n        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:\n            out.append(pair[0] + pair[1])\n            i += 2\n        else:\n            out.append(ids[i])\n            i += 1\n    return out\n'),
    W('test-shift-batch', 'one (x, y) pair per window', '\ndef shift_batch(data, starts, block_size):\n    pairs = [(data[s:s + block_size], data[s + 1:s + block_size + 1]) for s in starts.tolist()]\n    return tuple(torch.stack(p) for p in pairs)\n'),
    W('test-causal-average', 'positions sliced on the batch dimension', '\ndef causal_average(x):\n    B, T, C = x.shape\n    return torch.stack([x[:t + 1].mean(1) for t in range(T)], dim=1)\n'),
    W('test-top-k', '+inf instead of -inf', "\ndef top_k_filter(logits, k):\n    k = min(k, logits.size(-1))\n    kth = torch.topk(logits, k, dim=-1).values[..., -1:]\n    return logits.masked_fill(logits < kth, float('inf'))\n"),
    W('test-top-k', "the first row's threshold for every row", "\ndef top_k_filter(logits, k):\n    k = min(k, logits.size(-1))\n    kth = torch.topk(logits.reshape(-1, logits.size(-1))[0], k).values[-1]\n    return logits.masked_fill(logits < kth, float('-inf'))\n"),
    W('test-generate-greedy', 'last new id never written', '\ndef generate_greedy(model, idx, max_new_tokens):\n    B, T = idx.shape\n    out = torch.zeros(B, T + max_new_tokens, dtype=torch.long)\n    out[:, :T] = idx\n    with torch.no_grad():\n        logits, state = model.forward_with_state(idx)\n        for i in range(max_new_tokens - 1):\n            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)\n            out[:, T + i] = next_id[:, 0]\n            logits, state = model.forward_with_state(next_id, state)\n    return out\n'),
    W('test-generate-greedy', 'new id fed without its column', '\ndef generate_greedy(model, idx, max_new_tokens):\n    with torch.no_grad():\n        logits, state = model.forward_with_state(idx)\n        for _ in range(max_new_tokens):\n            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)\n            idx = torch.cat([idx, next_id], dim=1)\n            logits, state = model.forward_with_state(next_id.squeeze(), state)\n    return idx\n'),
    W('test-generate-greedy', 'argmax over the positions', '\ndef generate_greedy(model, idx, max_new_tokens):\n    with torch.no_grad():\n        logits, state = model.forward_with_state(idx)\n        for _ in range(max_new_tokens):\n            next_id = logits.argmax(dim=1)[:, -1:]\n            idx = torch.cat([idx, next_id], dim=1)\n            logits, state = model.forward_with_state(next_id, state)\n    return idx\n'),
    W('test-lm-loss', 'the vocabulary cut instead of the last position', '\ndef lm_loss(logits, labels):\n    V = logits.size(-1)\n    return torch.nn.functional.cross_entropy(logits[..., :-1].reshape(-1, V), labels[..., 1:].reshape(-1))\n'),
    W('test-top-p', 'mask inverted', '\ndef top_p_filter(logits, p):\n    if p >= 1.0:\n        return logits.clone()\n    probs = logits.softmax(dim=-1)\n    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)\n    before = sorted_probs.cumsum(dim=-1) - sorted_probs\n    remove_sorted = before <= p\n    remove_sorted[..., 0] = False\n    remove = remove_sorted.scatter(-1, order, remove_sorted)\n    return logits.masked_fill(remove, float("-inf"))\n'),
    W('test-top-p', 'roll wraps the total round', "\ndef top_p_filter(logits, p):\n    if p >= 1.0:\n        return logits.clone()\n    probs = logits.softmax(dim=-1)\n    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)\n    before = sorted_probs.cumsum(dim=-1).roll(1, dims=-1)\n    remove_sorted = before >= p\n    remove = remove_sorted.scatter(-1, order, remove_sorted)\n    return logits.masked_fill(remove, float('-inf'))\n"),
    W('test-sdpa', 'd ** 1/2 is not √d', "\ndef scaled_dot_product_attention(q, k, v, mask=None):\n    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 1/2\n    if mask is not None:\n        if mask.dtype == torch.bool:\n            scores = scores.masked_fill(~mask, float('-inf'))\n        else:\n            scores = scores + mask\n    return torch.softmax(scores, dim=-1) @ v\n"),
    W('test-sdpa', 'scaled after the softmax', "\ndef scaled_dot_product_attention(q, k, v, mask=None):\n    scores = q @ k.transpose(-2, -1)\n    if mask is not None:\n        if mask.dtype == torch.bool:\n            scores = scores.masked_fill(~mask, float('-inf'))\n        else:\n            scores = scores + mask\n    return torch.softmax(scores, dim=-1) @ v / math.sqrt(q.shape[-1])\n"),
    W('test-sdpa', 'multiplied by √d', "\ndef scaled_dot_product_attention(q, k, v, mask=None):\n    scores = q @ k.transpose(-2, -1) * math.sqrt(q.shape[-1])\n    if mask is not None:\n        if mask.dtype == torch.bool:\n            scores = scores.masked_fill(~mask, float('-inf'))\n        else:\n            scores = scores + mask\n    return torch.softmax(scores, dim=-1) @ v\n"),
    W('test-cross-attention', 'causal mask in cross-attention', "\ndef cross_attention(S1, S2, W_Q, W_K, W_V):\n    Q = S2 @ W_Q\n    K = S1 @ W_K\n    V = S1 @ W_V\n    scores = Q @ K.T / math.sqrt(K.shape[-1])\n    scores = scores.masked_fill(torch.ones(scores.shape, dtype=torch.bool).triu(1), float('-inf'))\n    weights = torch.softmax(scores, dim=-1)\n    return weights @ V\n"),
    W('test-cross-attention', 'weights transposed', '\ndef cross_attention(S1, S2, W_Q, W_K, W_V):\n    Q = S2 @ W_Q\n    K = S1 @ W_K\n    V = S1 @ W_V\n    scores = Q @ K.T / math.sqrt(K.shape[-1])\n    weights = torch.softmax(scores, dim=-1)\n    return weights.T @ V\n'),
    W('test-cross-attention', 'keys from the wrong sentence', '\ndef cross_attention(S1, S2, W_Q, W_K, W_V):\n    Q = S2 @ W_Q\n    K = S2 @ W_K\n    V = S1 @ W_V\n    scores = Q @ K.T / math.sqrt(K.shape[-1])\n    return torch.softmax(scores, dim=-1) @ V\n'),
    W('test-cross-attention', 'dimensions counted for a batch', '\ndef cross_attention(S1, S2, W_Q, W_K, W_V):\n    Q = S2 @ W_Q\n    K = S1 @ W_K\n    V = S1 @ W_V\n    scores = Q @ K.transpose(1, 2) / math.sqrt(K.shape[-1])\n    weights = torch.softmax(scores, dim=-1)\n    return weights @ V\n'),
    W('test-cross-attention', 'torch.bmm on 2-D matrices', '\ndef cross_attention(S1, S2, W_Q, W_K, W_V):\n    Q = S2 @ W_Q\n    K = S1 @ W_K\n    V = S1 @ W_V\n    scores = torch.bmm(Q, K.T) / math.sqrt(K.shape[-1])\n    weights = torch.softmax(scores, dim=-1)\n    return weights @ V\n'),
    W('test-collate', 'keys of your own', '\ndef collate(docs, pad_id):\n    T = max(len(d) for d in docs)\n    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)\n    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)\n    for i, d in enumerate(docs):\n        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)\n        attention_mask[i, :len(d)] = 1\n    labels = input_ids.masked_fill(attention_mask == 0, -100)\n    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels, "lengths": torch.tensor([len(d) for d in docs])}\n'),
    W('test-collate', 'labels made before the ids were filled', "\ndef collate(docs, pad_id):\n    T = max(len(d) for d in docs)\n    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)\n    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)\n    labels = input_ids.masked_fill(attention_mask == 0, -100)\n    for i, d in enumerate(docs):\n        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)\n        attention_mask[i, :len(d)] = 1\n    return {'input_ids': input_ids, 'attention_mask': attention_mask, 'labels': labels}\n"),
    W('test-collate', 'labels made before the ids were filled', "\ndef collate(docs, pad_id):\n    T = max(len(d) for d in docs)\n    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)\n    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)\n    for i, d in enumerate(docs):\n        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)\n    labels = input_ids.masked_fill(attention_mask == 0, -100)\n    for i, d in enumerate(docs):\n        attention_mask[i, :len(d)] = 1\n    return {'input_ids': input_ids, 'attention_mask': attention_mask, 'labels': labels}\n"),
    W('test-collate', '-1 instead of -100', "\ndef collate(docs, pad_id):\n    T = max(len(d) for d in docs)\n    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)\n    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)\n    for i, d in enumerate(docs):\n        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)\n        attention_mask[i, :len(d)] = 1\n    labels = input_ids.masked_fill(attention_mask == 0, -1)\n    return {'input_ids': input_ids, 'attention_mask': attention_mask, 'labels': labels}\n"),
    W('test-collate', 'padding one short', "\ndef collate(docs, pad_id):\n    T = max(len(d) for d in docs)\n    ids = [d + [pad_id] * (T - len(d) - 1) for d in docs]\n    mask = [[1] * len(d) + [0] * (T - len(d) - 1) for d in docs]\n    input_ids = torch.tensor(ids)\n    attention_mask = torch.tensor(mask)\n    labels = input_ids.masked_fill(attention_mask == 0, -100)\n    return {'input_ids': input_ids, 'attention_mask': attention_mask, 'labels': labels}\n"),
    W('test-block-forward', 'attn given two arguments', '\ndef block_forward(x, ln_1, attn, ln_2, mlp):\n    h = ln_1(x)\n    x = x + attn(h, h)\n    return x + mlp(ln_2(x))\n'),
    W('test-block-forward', 'residual concatenated', '\ndef block_forward(x, ln_1, attn, ln_2, mlp):\n    x = torch.cat([x, attn(ln_1(x))], dim=-1)\n    return x + mlp(ln_2(x))\n'),
    W('test-block-forward', 'residual averaged', '\ndef block_forward(x, ln_1, attn, ln_2, mlp):\n    x = (x + attn(ln_1(x))) / 2\n    x = (x + mlp(ln_2(x))) / 2\n    return x\n'),
    W('test-sequence-loss', 'logits flattened from dimension 1', '\ndef sequence_loss(logits, targets):\n    return F.cross_entropy(logits.flatten(1), targets)\n'),
    W('test-sequence-loss', 'reshaped to (V, B * T) and transposed', '\ndef sequence_loss(logits, targets):\n    B, T, V = logits.shape\n    return F.cross_entropy(logits.reshape(V, -1).T, targets.reshape(-1))\n'),
    W('test-sequence-loss', 'one loss per sequence', "\ndef sequence_loss(logits, targets):\n    B, T, V = logits.shape\n    return F.cross_entropy(logits.transpose(1, 2), targets, reduction='none').mean(dim=1)\n"),
    W('test-sequence-loss', 'one-hot targets', '\ndef sequence_loss(logits, targets):\n    B, T, V = logits.shape\n    return F.cross_entropy(logits.reshape(B * T, V), F.one_hot(targets.reshape(-1), V))\n'),
    W('test-sequence-loss', 'the first sequence only', '\ndef sequence_loss(logits, targets):\n    return F.cross_entropy(logits[0], targets[0])\n'),
    W('test-lr-schedule', 'a config field that is not there', '\ndef lr_at_step(it, cfg):\n    if it < cfg.warmup_iters:\n        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)\n    if it > cfg.max_iters:\n        return cfg.min_lr\n    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)\n    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.lr - cfg.min_lr)\n'),
    W('test-lstm-cell', 'weights joined along the wrong dimension', '\ndef lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n    gates = torch.cat([x, h], dim=1) @ torch.cat([W_ih, W_hh], dim=0).T + b_ih + b_hh\n    i, f, g, o = gates.chunk(4, dim=1)\n    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)\n    c_new = f * c + i * g\n    h_new = o * torch.tanh(c_new)\n    return h_new, c_new\n'),
    # --- wa34: inputs the checks did not try (T = 1, ids past 255, a row as long as T, a batch of two, float64
    # heads), in-place changes of an argument (unchanged=True), confusions (nll_loss of probabilities)
    W('test-causal-mask', 'a column, not a (T, T) grid', '''
def causal_mask(T):
    return torch.arange(T).unsqueeze(1) >= torch.arange(T).unsqueeze(1)
'''),
    W('test-causal-mask', 'T = 1 made a special case', '''
def causal_mask(T):
    if T == 1:
        return torch.tensor(True)
    return torch.ones(T, T, dtype=torch.bool).tril()
'''),
    W('test-heads', 'viewed as (hs, n_head), then transpose(1, 3)', '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.reshape(B, T, C // n_head, n_head).transpose(1, 3)

def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, nh * hs)
'''),
    W('test-heads', 'float32 result', '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, n_head, C // n_head).transpose(1, 2)

def merge_heads(x):
    B, nh, T, hs = x.shape
    out = torch.zeros(B, T, nh * hs)
    for h in range(nh):
        out[:, :, h * hs:(h + 1) * hs] = x[:, h]
    return out
'''),
    W('test-padding-mask', 'width from the lengths, not T', '''
def padding_mask(lengths, T):
    return torch.arange(int(lengths[0]))[None, :] < lengths[:, None]
'''),
    W('test-padding-mask', 'padding cut with a -0 slice', '''
def padding_mask(lengths, T):
    mask = torch.ones(len(lengths), T, dtype=torch.bool)
    for b, n in enumerate(lengths.tolist()):
        pad = T - n
        mask[b, -pad:] = False
    return mask
'''),
    W('test-padding-mask', 'positions compared with positions', '''
def padding_mask(lengths, T):
    return torch.arange(T)[None, :] < torch.arange(T)[:, None]
'''),
    W('test-merge', 'ids as bytes', '''
def merge(ids, pair, new_id):
    return list(bytes(ids).replace(bytes(pair), bytes([new_id])))
'''),
    W('test-shift-batch', 'block_size not used', '''
T = 12
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + T] for s in starts])
    y = torch.stack([data[s + 1:s + T + 1] for s in starts])
    return x, y
'''),
    W('test-causal-average', 'scores from x', '''
def causal_average(x):
    B, T, C = x.shape
    tril = torch.tril(torch.ones(T, T))
    scores = (x @ x.transpose(-2, -1) / C ** 0.5).masked_fill(tril == 0, float('-inf'))
    return F.softmax(scores, dim=-1) @ x
'''),
    W('test-char-encode-decode', 'changes its input', '''
def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return [stoi[ch] for ch in text]

def char_decode(ids, itos):
    text = ''
    while ids:
        text += itos[ids.pop(0)]
    return text
'''),
    W('test-char-encode-decode', 'changes its input', '''
def char_encode(text, stoi):
    ids = []
    for ch in text:
        if ch not in stoi:
            raise ValueError(f'unknown character {ch!r}')
        ids.append(stoi[ch])
    stoi.setdefault('<unk>', len(stoi))
    return ids

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''),
    W('test-bigram-forward', 'changes its input', '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    targets.resize_(B * T)
    return logits, F.cross_entropy(logits.view(B * T, V), targets)
'''),
    W('test-gpt-forward', 'changes its input', '''
def gpt_forward(model, idx):
    B, T = idx.shape
    tok = model.transformer.wte(idx)
    pos = idx[0]
    pos.copy_(torch.arange(T))
    x = model.transformer.drop(tok + model.transformer.wpe(pos))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W('test-generate-greedy', 'changes its input', '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx.set_(torch.cat([idx, next_id], dim=1))
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W('test-shift-batch', 'changes its input', '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts])
    starts += 1
    y = torch.stack([data[s:s + block_size] for s in starts])
    return x, y
'''),
    W('test-shift-batch', 'changes its input', '''
def shift_batch(data, starts, block_size):
    data.unsqueeze_(0)
    x = torch.stack([data[0, s:s + block_size] for s in starts])
    y = torch.stack([data[0, s + 1:s + block_size + 1] for s in starts])
    return x, y
'''),
    W('test-causal-average', 'changes its input', '''
def causal_average(x):
    T = x.shape[1]
    x.cumsum_(dim=1)
    return x / torch.arange(1, T + 1).view(1, T, 1)
'''),
    W('test-heads', 'changes its input', '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, n_head, C // n_head).transpose(1, 2)

def merge_heads(x):
    B, nh, T, hs = x.shape
    x.transpose_(1, 2)
    return x.reshape(B, T, nh * hs)
'''),
    W('test-heads', 'changes its input', '''
def split_heads(x, n_head):
    B, T, C = x.shape
    x.resize_(B, T, n_head, C // n_head)
    return x.transpose(1, 2)

def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, nh * hs)
'''),
    W('test-lm-loss', 'probabilities given to nll_loss', '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    return torch.nn.functional.nll_loss(logits[:, :-1].softmax(-1).reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-100)
'''),
    W('test-generate-greedy', '.item() on a batch', '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = torch.tensor([[logits[:, -1, :].argmax(dim=-1).item()]])
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W('test-lstm-cell', 'cell state squashed', '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = torch.tanh(f * c + i * g)
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
'''),

    # --- wa35: the commonest errors of any answer, named by the shared machinery when no exercise's own mistake
    # fits: the result handed back wrapped, as text or as a dict view; the student's own code raising (a number
    # looped over, a key not there, shapes or dtypes that do not fit, an assert of their own, a recursion without
    # end, None from a helper without return); a tensor far too large
    W('test-count-pairs', 'a view of a dict returned', '''
def count_pairs(ids):
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts.items()
'''),
    W('test-causal-mask', 'result wrapped in a tuple', '''
def causal_mask(T):
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool)),
    return mask
'''),
    W('test-lstm-cell', 'extra values returned', '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    state = (h_new, c_new)
    return state, None
'''),
    W('test-block-forward', 'a string instead of a tensor', '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x))
    x = x + mlp(ln_2(x))
    return f"{x}"
'''),
    W('test-padding-mask', 'a number looped over', '''
def padding_mask(lengths, T):
    B = lengths.shape[0]
    mask = torch.zeros(B, T, dtype=torch.bool)
    for b in B:
        mask[b, :lengths[b]] = True
    return mask
'''),
    W('test-causal-mask', 'your own assert failed', '''
def causal_mask(T):
    assert T > 1, "a mask needs at least two positions"
    return torch.ones(T, T, dtype=torch.bool).tril()
'''),
    W('test-bpe-word', 'calls itself without end', '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    if len(symbols) < 2:
        return symbols
    pairs = list(zip(symbols, symbols[1:]))
    best = min(pairs, key=lambda pair: ranks.get(pair, float("inf")))
    merged, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best and best in ranks:
            merged.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return bpe_word(merged, ranks)
'''),
    W('test-collate', 'None used as a value', '''
def pad(d, T, pad_id):
    d + [pad_id] * (T - len(d))

def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([pad(d, T, pad_id) for d in docs], dtype=torch.long)
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs], dtype=torch.long)
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W('test-bigram-forward', 'a tensor far too large', '''
def bigram_forward(table, idx, targets=None):
    V = table.shape[0]
    one_hot = torch.zeros(*idx.shape, V, V, V, V, V, V, V)
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
'''),
    W('test-collate', 'key not in the dict', '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    batch = {}
    for d in docs:
        batch["input_ids"].append(d + [pad_id] * (T - len(d)))
        batch["attention_mask"].append([1] * len(d) + [0] * (T - len(d)))
        batch["labels"].append(d + [-100] * (T - len(d)))
    return {key: torch.tensor(rows, dtype=torch.long) for key, rows in batch.items()}
'''),
    W('test-causal-average', 'ids and floats mixed', '''
def causal_average(x):
    B, T, C = x.shape
    tril = torch.tril(torch.ones(T, T, dtype=torch.long))
    return (tril @ x) / tril.sum(dim=1, keepdim=True)
'''),
    W('test-sdpa', 'shapes do not fit', '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W('test-lr-schedule', 'nothing returned (at position 0)', '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        lr = cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    elif it > cfg.max_iters:
        lr = cfg.min_lr
    else:
        progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
        lr = cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
    print(f"step {it}: lr {lr:.4f}")
'''),
    # the losses handed back wrapped or as text: named inside the dict train_loop's check builds (stop 65)
    W("test-train-loop", "result wrapped in a tuple (at key 'losses')", '\ndef train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):\n    losses = []\n    for it in range(max_iters):\n        for group in optimizer.param_groups:\n            group["lr"] = lr_schedule(it)\n        optimizer.zero_grad()\n        x, y = get_batch("train")\n        _, loss = model(x, y)\n        loss.backward()\n        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)\n        optimizer.step()\n        losses.append(loss.item())\n    return losses,\n'),
    W("test-train-loop", "a string instead of a list (at key 'losses')", '\ndef train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):\n    losses = []\n    for it in range(max_iters):\n        for group in optimizer.param_groups:\n            group["lr"] = lr_schedule(it)\n        optimizer.zero_grad()\n        x, y = get_batch("train")\n        _, loss = model(x, y)\n        loss.backward()\n        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)\n        optimizer.step()\n        losses.append(loss.item())\n    return str(losses)\n'),
    # the new h returned .detach()ed ("truncated backprop" misapplied): the gradient flows through c alone (stop 65)
    W("test-lstm-cell", "cut off from the graph", '\ndef lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh\n    i, f, g, o = gates.chunk(4, dim=1)\n    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)\n    c_new = f * c + i * g\n    h_new = o * torch.tanh(c_new)\n    return h_new.detach(), c_new\n'),
    # --- wa36: wrong answers a class writes, each checked for a name that fits it ---------------------
    W("test-top-k", "the (k+1)-th largest as the threshold", '''
def top_k_filter(logits, k):
    values, _ = torch.topk(logits, k + 1, dim=-1)
    return logits.masked_fill(logits <= values[..., -1:], float('-inf'))
'''),
    W("test-top-k", "the (k+1)-th largest as the threshold", '''
def top_k_filter(logits, k):
    next_best = torch.sort(logits, dim=-1, descending=True).values[..., k:k + 1]
    return logits.masked_fill(logits <= next_best, float('-inf'))
'''),
    W("test-top-k", "k larger than the vocabulary", '''
def top_k_filter(logits, k):
    kth = torch.sort(logits, dim=-1, descending=True).values[..., k - 1:k]
    return logits.masked_fill(logits < kth, float('-inf'))
'''),
    W("test-top-k", "k larger than the vocabulary", '''
def top_k_filter(logits, k):
    kth = torch.sort(logits, dim=-1).values[..., -k].unsqueeze(-1)
    return torch.where(logits >= kth, logits, torch.full_like(logits, float('-inf')))
'''),
    W("test-greedy-decode", "softmax over the wrong dimension", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids).logits[:, -1, :]
            next_id = torch.softmax(logits, dim=0).argmax(dim=-1)
            ids = torch.cat([ids, next_id[:, None]], dim=1)
    return ids
'''),
    W("test-greedy-decode", "softmax over the wrong dimension", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    for _ in range(max_new_tokens):
        with torch.no_grad():
            probs = torch.softmax(model(ids).logits, dim=1)
        next_id = torch.argmax(probs[:, -1, :], dim=-1, keepdim=True)
        ids = torch.cat((ids, next_id), dim=1)
    return ids
'''),
    W("test-lstm-cell", "gates squashed twice", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-lstm-cell", "gates squashed twice", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    H = h.shape[1]
    i = torch.sigmoid(gates[:, :H])
    f = torch.sigmoid(gates[:, H:2 * H])
    g = torch.tanh(gates[:, 2 * H:3 * H])
    o = torch.sigmoid(gates[:, 3 * H:])
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-cross-attention", "values projected twice", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_V
    scores = Q @ K.T / math.sqrt(K.shape[-1])
    weights = torch.softmax(scores, dim=-1)
    return weights @ V @ W_V
'''),
    W("test-lr-schedule", "a whole cosine wave", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(2 * math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-train-loop", "softmax before cross-entropy", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        logits, _ = model(x, y)
        probs = F.softmax(logits, dim=-1)
        loss = F.cross_entropy(probs.view(-1, probs.size(-1)), y.view(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-generate-greedy", "softmax over the wrong dimension", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            probs = F.softmax(logits[:, -1, :], dim=0)
            next_id = probs.argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-count-pairs", "every count one too high", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids) - 1):
        pair = ids[i], ids[i + 1]
        counts[pair] = counts.get(pair, 1) + 1
    return counts
'''),
    W("test-bpe-word", "highest rank first", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = list(zip(symbols, symbols[1:]))
        best = max(pairs, key=lambda p: ranks.get(p, -1))
        if best not in ranks:
            break
        merged, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                merged.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols
'''),
    W("test-sdpa", "float mask not added", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float('-inf'))
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-causal-mask", "diagonal missing", '''
def causal_mask(T):
    return torch.arange(T)[:, None] > torch.arange(T)[None, :]
'''),
    W("test-heads", "view after transpose", SPLIT_OK + '''
def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.permute(0, 2, 1, 3).view(B, T, nh * hs)
'''),
    W("test-causal-self-attention", "upper triangle", _attention(mask="scores.masked_fill(~self.mask[:T, :T].T, float('-inf'))")),
    W("test-top-p", "one count for the whole batch", '''
def top_p_filter(logits, p):
    probs = logits.softmax(dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    cum = sorted_probs.cumsum(dim=-1)
    n_keep = int((cum < p).sum()) + 1
    keep = order[..., :n_keep]
    out = torch.full_like(logits, float('-inf'))
    return out.scatter(-1, keep, logits.gather(-1, keep))
'''),
    W("test-sdpa", "extra or missing dimensions of size 1", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float('-inf'))
        else:
            scores = scores + mask
    return (torch.softmax(scores, dim=-1) @ v).squeeze()
'''),
    W("test-cross-attention", "extra or missing dimensions of size 1", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_V
    return (torch.softmax(Q @ K.T / math.sqrt(K.shape[-1]), dim=-1) @ V).squeeze()
'''),
    # .squeeze() on the result: a (1, V) batch came back (V,), and passed the check and the grade (wa36; stop 65)
    W("test-top-k", "extra or missing dimensions of size 1", '\ndef top_k_filter(logits, k):\n    k = min(k, logits.size(-1))\n    kth = torch.topk(logits, k, dim=-1).values[..., -1:]\n    return logits.masked_fill(logits < kth, float("-inf")).squeeze()\n'),
    W("test-top-p", "extra or missing dimensions of size 1", '\ndef top_p_filter(logits, p):\n    """Keep, in each row, the smallest set of most likely tokens whose probability reaches p; -inf elsewhere."""\n    if p >= 1.0:  # keep everything (the cumulative sum may round to just above 1)\n        return logits.clone()\n    probs = logits.softmax(dim=-1)\n    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)\n    before = sorted_probs.cumsum(dim=-1) - sorted_probs  # probability of the more likely tokens\n    remove_sorted = before >= p\n    remove_sorted[..., 0] = False\n    remove = remove_sorted.scatter(-1, order, remove_sorted)  # back to vocabulary order\n    return (logits.masked_fill(remove, float("-inf"))).squeeze()\n'),
    # --- wa37: wrong answers that only a hidden case caught, and the doubles and classics a class writes --------
    # a clip by hand without min(1, ...): every gradient scaled to norm grad_clip, small ones up too; the check's
    # clip always acted, so it passed, and the hidden case with grad_clip 10 took the point
    W("test-train-loop", "small gradients scaled up", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        total = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters() if p.grad is not None))
        for p in model.parameters():
            if p.grad is not None:
                p.grad.mul_(grad_clip / total)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    # the last loss printed after the loop: IndexError with max_iters = 0, which only the hidden tests tried
    W("test-train-loop", "no iteration, no last loss", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    print(f"last loss {losses[-1]:.3f}, last gradient norm {norm:.3f}")
    return losses
'''),
    W("test-train-loop", "no iteration, no last loss", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    print("final training loss:", loss.item())
    return losses
'''),
    # two of the common mistakes in one answer: named after both (they were told only the values that differ)
    W("test-cross-attention", "divided by d_k and softmax over the wrong dimension", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_V
    scores = Q @ K.T / K.shape[-1]
    return torch.softmax(scores, dim=0) @ V
'''),
    W("test-cross-attention", "no scaling and sentences swapped", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S1 @ W_Q
    K = S2 @ W_K
    V = S2 @ W_V
    return torch.softmax(Q @ K.T, dim=-1) @ V
'''),
    W("test-cross-attention", "softmax over the wrong dimension and sentences swapped", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S1 @ W_Q
    K = S2 @ W_K
    V = S2 @ W_V
    scores = Q @ K.T / math.sqrt(K.shape[-1])
    return torch.softmax(scores, dim=0) @ V
'''),
    W("test-cross-attention", "no scaling and softmax over the wrong dimension", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_V
    scores = Q @ K.T
    weights = torch.softmax(scores, dim=0)
    return weights @ V
'''),
    W("test-sdpa", "no scaling and masked with 0", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, 0)
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "divided by d and softmax over the wrong dimension", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / q.shape[-1]
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-2) @ v
'''),
    W("test-sdpa", "softmax over the wrong dimension and mask inverted", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(mask, float("-inf"))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-2) @ v
'''),
    W("test-sdpa", "no scaling and mask after softmax", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None and mask.dtype != torch.bool:
        scores = scores + mask
    weights = torch.softmax(scores, dim=-1)
    if mask is not None and mask.dtype == torch.bool:
        weights = weights * mask
    return weights @ v
'''),
    W("test-lstm-cell", "gate order and (c, h) instead of (h, c)", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, o, g = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return c_new, h_new
'''),
    W("test-lstm-cell", "gate order and (c, h) instead of (h, c)", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    f, i, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return c_new, h_new
'''),
    W("test-lstm-cell", "gate order and old c returned", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, o, g = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c
'''),
    W("test-gpt-forward", "no position embedding and final LayerNorm missing", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    pos = torch.arange(T)
    x = model.transformer.wte(idx)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(x)
'''),
    W("test-gpt-forward", "no position embedding and final LayerNorm missing", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    pos = torch.arange(T)
    x = model.transformer.drop(model.transformer.wte(idx))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(x)
'''),
    W("test-gpt-forward", "no position embedding and softmax applied", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    pos = torch.arange(T)
    x = model.transformer.wte(idx)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x)).softmax(-1)
'''),
    W("test-causal-self-attention", "no scaling and merged without transpose",
      _attention(scores="q @ k.transpose(-2, -1)", merge="(weights @ v).reshape(B, T, C)")),
    W("test-causal-self-attention", "scaled by √n_embd and softmax over the wrong dimension",
      _attention(scores="q @ k.transpose(-2, -1) / math.sqrt(C)", weights="self.attn_dropout(torch.softmax(scores, dim=-2))")),
    W("test-causal-self-attention", "no scaling and mask inverted",
      _attention(scores="q @ k.transpose(-2, -1)", mask="scores.masked_fill(self.mask[:T, :T], float('-inf'))")),
    W("test-causal-self-attention", "scaled by the head size, not its root and no output projection",
      _attention(scores="q @ k.transpose(-2, -1) / k.shape[-1]", out="y")),
    W("test-causal-self-attention", "no scaling and mask after softmax",
      _attention(scores="q @ k.transpose(-2, -1)", mask="scores",
                 weights="self.attn_dropout(torch.softmax(scores, dim=-1) * self.mask[:T, :T])")),
    W("test-causal-self-attention", "no scaling and q, k, v in the wrong order", _attention(qkv="k, q, v", scores="q @ k.transpose(-2, -1)")),
    # the labels' positions (or the starts) bounded one short: the last window of the data, which only the hidden tests tried, lost its last label
    W("test-shift-batch", "the data's last token left out", '''
def shift_batch(data, starts, block_size):
    idx = starts[:, None] + torch.arange(block_size)
    return data[idx], data[(idx + 1).clamp(max=len(data) - 2)]
'''),
    W("test-shift-batch", "the data's last token left out", '''
def shift_batch(data, starts, block_size):
    starts = starts.clamp(max=len(data) - block_size - 2)  # keep every label inside the data
    x = torch.stack([data[s:s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1:s + block_size + 1] for s in starts.tolist()])
    return x, y
'''),
    # the original BPE's end-of-word marker, as its own symbol or glued to the last one (the course's GPT-2 BPE has none)
    W("test-bpe-word", "end-of-word marker added", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols) + ["</w>"]
    while len(symbols) > 1:
        pairs = [(ranks.get(pair, float("inf")), i, pair) for i, pair in enumerate(zip(symbols, symbols[1:]))]
        rank, _, best = min(pairs)
        if rank == float("inf"):
            break
        merged, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                merged.append(symbols[i] + symbols[i + 1]); i += 2
            else:
                merged.append(symbols[i]); i += 1
        symbols = merged
    return symbols
'''),
    W("test-bpe-word", "last pair never considered", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    symbols[-1] = symbols[-1] + "</w>"
    while len(symbols) > 1:
        pairs = [(ranks.get(pair, float("inf")), i, pair) for i, pair in enumerate(zip(symbols, symbols[1:]))]
        rank, _, best = min(pairs)
        if rank == float("inf"):
            break
        merged, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                merged.append(symbols[i] + symbols[i + 1]); i += 2
            else:
                merged.append(symbols[i]); i += 1
        symbols = merged
    symbols[-1] = symbols[-1].replace("</w>", "")
    return symbols
'''),
    W("test-lr-schedule", "decays to 0 instead of min_lr and decay not shifted by the warm-up", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    progress = it / cfg.max_iters
    progress = min(progress, 1.0)
    return 0.5 * (1 + math.cos(math.pi * progress)) * cfg.learning_rate
'''),
    W("test-lr-schedule", "warm-up starts at 0 and no floor after max_iters", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * it / cfg.warmup_iters
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-bigram-forward", "column instead of row and sum instead of mean", '''
def bigram_forward(table, idx, targets=None):
    logits = table.T[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T), reduction="sum")
'''),
    W("test-padding-mask", "True marks the padding and padding on the left", '''
def padding_mask(lengths, T):
    return torch.arange(T)[None, :] < (T - lengths)[:, None]
'''),
    W("test-padding-mask", "off by one and numbers instead of booleans", '''
def padding_mask(lengths, T):
    positions = torch.arange(T).unsqueeze(0)
    return (positions <= lengths.unsqueeze(1)).long()
'''),
    W("test-padding-mask", "off by one and width from the lengths, not T", '''
def padding_mask(lengths, T):
    width = int(lengths.max())
    return torch.arange(width)[None, :] <= lengths[:, None]
'''),
    W("test-causal-mask", "upper triangle and numbers instead of booleans", '''
def causal_mask(T):
    return torch.triu(torch.ones(T, T))
'''),
    W("test-causal-mask", "diagonal missing and numbers instead of booleans", '''
def causal_mask(T):
    return torch.ones(T, T).tril(diagonal=-1)
'''),
    W("test-top-k", "kept k + 1 and removed set to 0", '''
def top_k_filter(logits, k):
    k = min(k + 1, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, 0.0)
'''),
    W("test-top-k", "kept k - 1 and removed set to -1e9", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits <= kth, -1e9)
'''),
    W("test-top-k", "one threshold for the whole batch and removed set to 0", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits.flatten(), k).values[-1]
    return torch.where(logits < kth, torch.zeros_like(logits), logits)
'''),
    W("test-top-p", "crossing token dropped and removed set to 0", '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    probs = logits.softmax(dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(dim=-1) > p
    remove_sorted[..., 0] = False
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, 0.0)
'''),
    W("test-top-p", "crossing token dropped and mask left in sorted order", '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, _ = torch.sort(probs, dim=-1, descending=True)
    remove = torch.cumsum(sorted_probs, dim=-1) > p
    remove[..., 0] = False
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "ascending sort and removed set to 0", '''
def top_p_filter(logits, p):
    if p >= 1.0:
        return logits.clone()
    probs = logits.softmax(dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    remove_sorted = before >= p
    remove_sorted[..., 0] = False
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, 0.0)
'''),
    W("test-sequence-loss", "sum instead of mean and last position only", '''
def sequence_loss(logits, targets):
    return F.cross_entropy(logits[:, -1, :], targets[:, -1], reduction="sum")
'''),
    W("test-sequence-loss", "log of softmax and sum instead of mean", '''
def sequence_loss(logits, targets):
    probs = torch.softmax(logits, dim=-1)
    log_probs = torch.log(probs)
    return -log_probs.gather(-1, targets.unsqueeze(-1)).sum()
'''),
    W("test-sequence-loss", "softmax before cross-entropy and targets shifted again", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    probs = F.softmax(logits[:, :-1], dim=-1)
    return F.cross_entropy(probs.reshape(-1, V), targets[:, 1:].reshape(-1))
'''),
    W("test-merge", "last element dropped and second element not skipped", '''
def merge(ids, pair, new_id):
    out = []
    for i in range(len(ids) - 1):
        if (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
        else:
            out.append(ids[i])
    return out
'''),
    W("test-merge", "first occurrence only and ids compared with `is`", '''
def merge(ids, pair, new_id):
    for i in range(len(ids) - 1):
        if ids[i] is pair[0] and ids[i + 1] is pair[1]:
            return ids[:i] + [new_id] + ids[i + 2:]
    return list(ids)
'''),
    W("test-merge", "last element dropped and one id of the pair compared", '''
def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids) - 1:
        if ids[i] == pair[0]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W("test-lstm-cell", "a dimension of size 1 squeezed", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return h_new.squeeze(-1), c_new.squeeze(-1)
'''),
    W("test-generate-greedy", "state reset and one token too many", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens + 1):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id)
    return idx
'''),
    W("test-generate-greedy", "first position's logits and new tokens only", '''
def generate_greedy(model, idx, max_new_tokens):
    new_ids = []
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, 0, :].argmax(dim=-1, keepdim=True)
            new_ids.append(next_id)
            logits, state = model.forward_with_state(next_id, state)
    return torch.cat(new_ids, dim=1)
'''),
    W("test-generate-greedy", "state not updated and one token too many", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens + 1):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, _ = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-block-forward", "post-norm and MLP residual missing", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = ln_1(x + attn(x))
    x = ln_2(mlp(x))
    return x
'''),
    W("test-block-forward", "MLP residual missing and norms swapped", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_2(x))
    x = mlp(ln_1(x))
    return x
'''),
    W("test-block-forward", "attention residual missing and ln_2 missing", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = attn(ln_1(x))
    x = x + mlp(x)
    return x
'''),
    W("test-greedy-decode", "first position's logits and new tokens only", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    new = []
    with torch.no_grad():
        for _ in range(max_new_tokens):
            next_id = model(ids).logits[:, 0, :].argmax(dim=-1)
            ids = torch.cat([ids, next_id[:, None]], dim=1)
            new.append(next_id[:, None])
    return torch.cat(new, dim=1)
'''),
    W("test-greedy-decode", "one token too many and new tokens only", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens + 1):
            next_id = model(ids).logits[:, -1, :].argmax(dim=-1)
            ids = torch.cat([ids, next_id[:, None]], dim=1)
    return ids[:, input_ids.shape[1]:]
'''),
    W("test-greedy-decode", "first position's logits and max_new_tokens read as the total length", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        while ids.shape[1] < max_new_tokens:
            next_id = model(ids).logits[:, 0, :].argmax(dim=-1)
            ids = torch.cat([ids, next_id[:, None]], dim=1)
    return ids
'''),
    W("test-greedy-decode", "one token too many and token never fed back", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens + 1):
            next_id = model(input_ids).logits[:, -1, :].argmax(dim=-1)
            ids = torch.cat([ids, next_id[:, None]], dim=1)
    return ids
'''),
    W("test-collate", "padded on the left and padded with 0, not pad_id", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.zeros((len(docs), T), dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, T - len(d):] = torch.tensor(d, dtype=torch.long)
        attention_mask[i, T - len(d):] = 1
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "padded with 0, not pad_id and padding in the labels", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.zeros((len(docs), T), dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)
        attention_mask[i, :len(d)] = 1
    labels = input_ids.clone()
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "padding in the labels and labels shifted", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)
        attention_mask[i, :len(d)] = 1
    labels = torch.full_like(input_ids, -100)
    labels[:, :-1] = input_ids[:, 1:]
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "padded with 0, not pad_id and mask from the pad id", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d, dtype=torch.long)
    attention_mask = (input_ids != pad_id).long()
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-generate-greedy", "prompt's state dropped and one token too many", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, _ = model.forward_with_state(idx)
        state = None
        for _ in range(max_new_tokens + 1):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-top-p", "crossing token dropped and removed set to 0", '''
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, sorted_ids = torch.sort(probs, dim=-1, descending=True)
    cumulative = sorted_probs.cumsum(dim=-1)
    remove_sorted = cumulative > p
    remove = remove_sorted.scatter(-1, sorted_ids, remove_sorted)
    return logits.masked_fill(remove, 0.0)
'''),
    # --- wa39: visible-check parity, lessons 05 and 06's likely wrong answers, last round's leftovers ------------
    # (passed the check, which had no window of one token; lost the point in the grade, whose hidden tests have one)
    W("test-shift-batch", "a dimension of size 1 squeezed", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts]).squeeze(-1)
    y = torch.stack([data[s + 1:s + block_size + 1] for s in starts]).squeeze(-1)
    return x, y
'''),
    # (told only the values that differ, or a wrong name: wa39)
    W("test-bigram-forward", "perplexity instead of the loss", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
    return logits, torch.exp(loss)
'''),
    W("test-bigram-forward", "sign lost", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    loss = -F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
    return logits, loss
'''),
    W("test-bigram-forward", "loss in bits", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T)) / math.log(2)
    return logits, loss
'''),
    W("test-bigram-forward", "binary cross-entropy", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    loss = None
    if targets is not None:
        B, T, V = logits.shape
        loss = F.binary_cross_entropy_with_logits(logits, F.one_hot(targets, V).float())
    return logits, loss
'''),
    # (told 'index out of range', an index past the end: the index tensors' shapes do not broadcast)
    W("test-bigram-forward", "index tensors that do not line up", '''
def bigram_forward(table, idx, targets=None):
    B, T = idx.shape
    logits = table[idx]
    if targets is None:
        return logits, None
    probs = torch.softmax(logits, dim=-1)
    loss = -torch.log(probs[torch.arange(B), torch.arange(T), targets]).mean()
    return logits, loss
'''),
    W("test-block-forward", "residuals missing and MLP before attention", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = mlp(ln_2(x))
    x = attn(ln_1(x))
    return x
'''),
    # (the attention's residual is the one missing, not the MLP's as it was told)
    W("test-block-forward", "attention residual missing and MLP before attention", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + mlp(ln_2(x))
    x = attn(ln_1(x))
    return x
'''),
    W("test-block-forward", "post-norm attention", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = ln_1(x + attn(x))
    x = x + mlp(ln_2(x))
    return x
'''),
    W("test-block-forward", "parallel sublayers", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    h = ln_1(x)
    x = x + attn(h)
    x = x + mlp(ln_2(h))
    return x
'''),
    W("test-gpt-forward", "final LayerNorm before every block", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    x = model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T))
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(model.transformer.ln_f(x))
    return model.lm_head(x)
'''),
    W("test-collate", "labels shifted", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = 1
    labels = input_ids.clone()
    labels[:, :-1] = input_ids[:, 1:]
    labels[attention_mask == 0] = -100
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    # (told 'last element dropped': from the right, the loop one short drops the first)
    W("test-merge", "right to left and first element dropped", '''
def merge(ids, pair, new_id):
    out = []
    i = len(ids) - 1
    while i > 0:
        if (ids[i - 1], ids[i]) == tuple(pair):
            out.insert(0, new_id)
            i -= 2
        else:
            out.insert(0, ids[i])
            i -= 1
    return out
'''),
    # (named already: written as students write them, wa39)
    W("test-bigram-forward", "log-softmax applied (at position 0)", '''
def bigram_forward(table, idx, targets=None):
    logits = torch.log_softmax(table[idx], dim=-1)
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
    return logits, loss
'''),
    W("test-causal-average", "includes the future", '''
def causal_average(x):
    B, T, C = x.shape
    out = torch.zeros_like(x)
    for t in range(T):
        out[:, t] = x[:, t:].mean(dim=1)
    return out
'''),
    W("test-block-forward", "LayerNorm after the sublayer", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x))
    x = x + ln_2(mlp(x))
    return x
'''),
    W("test-gpt-forward", "residual added around the block", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    tok = model.transformer.wte(idx)
    pos = model.transformer.wpe(torch.arange(T))
    x = model.transformer.drop(tok + pos)
    for block in model.transformer.h:
        x = x + block(x)
    x = model.transformer.ln_f(x)
    return model.lm_head(x)
'''),
    W("test-gpt-forward", "changes the model's mode", '''
def gpt_forward(model, idx):
    model.eval()
    B, T = idx.shape
    x = model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T))
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-greedy-decode", "new ids not a (B, 1) column", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids).logits
            next_id = torch.argmax(logits[:, -1, :])
            ids = torch.cat([ids, next_id.view(1, 1)], dim=1)
    return ids
'''),
    W("test-greedy-decode", "only the new token fed", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids[:, -1:]).logits
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, next_id], dim=1)
    return ids
'''),
    W("test-greedy-decode", "extra or missing dimensions of size 1", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids).logits
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, next_id], dim=-1)
    return ids[0]
'''),
    W("test-top-k", "changes its input", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    logits[logits < kth] = float("-inf")
    return logits
'''),
    W("test-top-k", "one threshold for the whole batch", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values.min()
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W("test-top-p", "changes its input", '''
def top_p_filter(logits, p):
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
    cum = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
    remove_sorted = cum > p
    remove_sorted[..., 1:] = remove_sorted[..., :-1].clone()
    remove_sorted[..., 0] = False
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    logits[remove] = float("-inf")
    return logits
'''),
    W("test-top-p", "crossing token dropped", '''
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    cum = torch.cumsum(sorted_probs, dim=-1)
    n_keep = (cum <= p).sum(dim=-1, keepdim=True)
    ranks = torch.argsort(order, dim=-1)
    return logits.masked_fill(ranks >= n_keep, float("-inf"))
'''),
    W("test-lm-loss", "padding counted", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-1)
'''),
    W("test-lm-loss", "divided by the batch size", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    V = logits.size(-1)
    shift_logits = logits[:, :-1, :]
    shift_labels = labels[:, 1:]
    mask = shift_labels != -100
    return F.cross_entropy(shift_logits[mask], shift_labels[mask], reduction="sum") / labels.shape[0]
'''),
    W("test-collate", "long mask used as a condition", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = 1
    labels = torch.where(attention_mask, input_ids, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
]

# wa40: answers that fail only on the hidden tests' inputs of size 1 (C = 1, T = 1, n_head = 1, idx (1, 1))
CATALOGUE += [
    W("test-causal-average", "a dimension of size 1 squeezed", '''
def causal_average(x):
    B, T, C = x.shape
    out = torch.zeros_like(x)
    for t in range(T):
        out[:, t] = x[:, :t + 1].mean(dim=1).squeeze()
    return out
'''),
    W("test-block-forward", "a dimension of size 1 squeezed", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x)).squeeze()
    x = x + mlp(ln_2(x))
    return x
'''),
    W("test-gpt-forward", "extra or missing dimensions of size 1", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    x = model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T))
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x)).squeeze(1)
'''),
]

# wa40: split_heads and merge_heads with one head, or one position of one channel, as the hidden tests have
CATALOGUE += [
    W("test-heads", "a dimension of size 1 squeezed", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, n_head, C // n_head).transpose(1, 2).squeeze(1)

def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, nh * hs)
'''),
    W("test-heads", "a dimension of size 1 squeezed", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, n_head, C // n_head).transpose(1, 2)

def merge_heads(x):
    heads = torch.chunk(x, x.shape[1], dim=1)
    return torch.cat(heads, dim=-1).squeeze()
'''),
]

# wa40: lessons 01-04 as a tired student writes them (each was told only the values, a NaN or torch's own error)
CATALOGUE += [
    W("test-count-pairs", "zip(..., strict=True) on lists of different lengths", '''
def count_pairs(ids):
    counts = {}
    for pair in zip(ids, ids[1:], strict=True):
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W("test-bpe-word", "pairs listed once, before any merge", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    pairs = sorted(set(zip(symbols, symbols[1:])), key=lambda p: ranks.get(p, float("inf")))
    for pair in pairs:
        if pair not in ranks:
            break
        merged, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
                merged.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols
'''),
    W("test-sdpa", "softmax over the wrong dimension", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    weights = torch.softmax(scores, dim=0)
    return weights @ v
'''),
    W("test-causal-self-attention", "softmax over the wrong dimension",
      _attention(weights="self.attn_dropout(torch.softmax(scores, dim=1))")),
    W("test-causal-self-attention", "softmax over the wrong dimension",
      _attention(weights="self.attn_dropout(F.softmax(scores, dim=0))")),
    W("test-causal-self-attention", "one step of the future",
      _attention(mask="scores.masked_fill(torch.tril(torch.ones(T, T), diagonal=1) == 0, float('-inf'))")),
    W("test-lstm-cell", "tanh on the forget gate", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i = torch.sigmoid(i)
    f = torch.tanh(f)
    g = torch.tanh(g)
    o = torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-lstm-cell", "forget gate and candidate activations swapped", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.tanh(f), torch.sigmoid(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-lstm-cell", "sigmoid on the forget gate missing", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, g, o = torch.sigmoid(i), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-lstm-cell", "sigmoid on the input gate missing", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    f, g, o = torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-lstm-cell", "c where h belongs in the gates", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + c @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-train-loop", "step before backward", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.step()
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        losses.append(loss.item())
    return losses
'''),
]

# wa40: lesson 02's queries, from the wrong sentence or transposed (each was told only the values)
CATALOGUE += [
    W("test-cross-attention", "queries from the wrong sentence", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S1 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_V
    scores = Q @ K.T / math.sqrt(K.shape[-1])
    return torch.softmax(scores, dim=-1) @ V
'''),
    W("test-cross-attention", "queries transposed instead of the keys", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_V
    d_k = K.shape[-1]
    weights = torch.softmax(Q.T @ K / math.sqrt(d_k), dim=-1)
    return weights @ V
'''),
]

# wa41: lessons 05 and 06 as tired students write them (the new names: weights of a fixed size, float mask in
# masked_fill, residual added twice, token ids used as row indices, arguments of cross_entropy swapped, B * T rows
# after the shift, labels made from the attention mask; the others were named already, a few of them names that no
# entry had: lists instead of tensors, padding not -100 in labels, int32 ids, kept the smallest, top-p's -1e9)
CATALOGUE += [
    W("test-causal-average", "weights of a fixed size", '''
def causal_average(x):
    tril = torch.tril(torch.ones(8, 8))
    wei = torch.zeros(8, 8).masked_fill(tril == 0, float("-inf"))
    wei = F.softmax(wei, dim=-1)
    return wei @ x
'''),
    W("test-causal-average", "float mask in masked_fill", '''
def causal_average(x):
    T = x.shape[1]
    tril = torch.tril(torch.ones(T, T))
    wei = torch.zeros(T, T).masked_fill(1 - tril, float("-inf"))
    return F.softmax(wei, dim=-1) @ x
'''),
    W("test-causal-average", "softmax of the 0/1 mask", '''
def causal_average(x):
    T = x.shape[1]
    tril = torch.tril(torch.ones(T, T))
    wei = tril.masked_fill(tril == 0, 0)
    wei = F.softmax(wei, dim=-1)
    return wei @ x
'''),
    W("test-causal-average", "no mask", '''
def causal_average(x):
    T = x.shape[1]
    tril = torch.tril(torch.ones(T, T))
    wei = torch.zeros(T, T)
    wei.masked_fill(tril == 0, float("-inf"))
    wei = F.softmax(wei, dim=-1)
    return wei @ x
'''),
    W("test-causal-average", "diagonal missing", '''
def causal_average(x):
    B, T, C = x.shape
    out = torch.zeros_like(x)
    for t in range(T):
        out[:, t] = x[:, :t].mean(dim=1)
    return out
'''),
    W("test-block-forward", "residual added twice", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + x + attn(ln_1(x))
    x = x + mlp(ln_2(x))
    return x
'''),
    W("test-block-forward", "residual added twice", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    h = x + attn(ln_1(x))
    h = h + mlp(ln_2(h))
    return x + h
'''),
    W("test-gpt-forward", "log_softmax applied", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
    return F.log_softmax(model.lm_head(model.transformer.ln_f(x)), dim=1)
'''),
    W("test-greedy-decode", "sampled instead of argmax", '''
def greedy_decode(model, input_ids, max_new_tokens, temperature=0.7):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            probs = torch.softmax(model(ids).logits[:, -1, :], dim=-1) / temperature
            next_id = torch.multinomial(probs, 1)
            ids = torch.cat([ids, next_id], dim=1)
    return ids
'''),
    W("test-greedy-decode", "the model's mode changed", '''
def greedy_decode(model, input_ids, max_new_tokens):
    model.eval()
    for _ in range(max_new_tokens):
        logits = model(input_ids).logits
        next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        input_ids = torch.cat([input_ids, next_id], dim=1)
    return input_ids
'''),
    W("test-top-k", "token ids used as row indices", '''
def top_k_filter(logits, k):
    values, indices = torch.topk(logits, min(k, logits.size(-1)))
    keep = torch.zeros_like(logits, dtype=torch.bool)
    keep[indices] = True
    return logits.masked_fill(~keep, float("-inf"))
'''),
    W("test-top-k", "k-th smallest as the threshold", '''
def top_k_filter(logits, k):
    sorted_logits, _ = torch.sort(logits, dim=-1)
    kth = sorted_logits[..., k - 1:k]
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W("test-top-p", "p = 1.0 rounded", '''
def top_p_filter(logits, p):
    probs, order = torch.sort(torch.softmax(logits, -1), descending=True)
    n = (torch.cumsum(probs, -1) < p).sum(-1, keepdim=True) + 1
    ranks = torch.arange(logits.size(-1)).expand_as(probs)
    remove_sorted = ranks >= n
    return logits.masked_fill(remove_sorted.scatter(-1, order, remove_sorted), float("-inf"))
'''),
    W("test-lm-loss", "padding counted in the mean", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    V = logits.size(-1)
    per = F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), reduction="none")
    mask = (labels[:, 1:] != -100).reshape(-1).float()
    return (per * mask).sum() / labels.numel()
'''),
    W("test-lm-loss", "arguments of cross_entropy swapped", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(labels[:, 1:].reshape(-1), logits[:, :-1].reshape(-1, V))
'''),
    W("test-lm-loss", "B * T rows after the shift", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    B, T, V = logits.shape
    return F.cross_entropy(logits[:, :-1].reshape(B * T, V), labels[:, 1:].reshape(B * T))
'''),
    W("test-lm-loss", "shifted by two", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    V = logits.size(-1)
    labels = torch.cat([labels[:, 1:], torch.full_like(labels[:, :1], -100)], dim=1)  # shift the labels
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))
'''),
    W("test-lm-loss", "padding counted", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    V = logits.size(-1)
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-1)
'''),
    W("test-lm-loss", "token 0 ignored", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    V = logits.size(-1)
    targets = labels[:, 1:].reshape(-1)
    per = F.cross_entropy(logits[:, :-1].reshape(-1, V), targets.clamp(min=0), reduction="none")
    mask = (targets > 0).float()
    return (per * mask).sum() / mask.sum()
'''),
    W("test-collate", "labels made from the attention mask", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs])
    labels = attention_mask.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "labels shifted", '''
def collate(docs, pad_id):
    B, T = len(docs), max(map(len, docs))
    input_ids = torch.full((B, T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((B, T), dtype=torch.long)
    labels = torch.full((B, T), -100, dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = 1
        labels[i, :len(d) - 1] = torch.tensor(d[1:])
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "attention mask one short", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), pad_id)
    attention_mask = torch.zeros(len(docs), T, dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d) - 1] = 1
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-top-k", "assumed 2-D logits", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=1).values[:, -1:]
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W("test-top-k", "kept the smallest", '''
def top_k_filter(logits, k):
    _, ids = torch.sort(logits, dim=-1)
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, ids[..., :k], True)
    return logits.masked_fill(~keep, float("-inf"))
'''),
    W("test-top-p", "removed set to -1e9", '''
def top_p_filter(logits, p):
    probs, order = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    remove = probs.cumsum(-1) - probs >= p
    return logits.masked_fill(remove.scatter(-1, order, remove), -1e9)
'''),
    W("test-collate", "lists instead of tensors", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = [d + [pad_id] * (T - len(d)) for d in docs]
    attention_mask = [[1] * len(d) + [0] * (T - len(d)) for d in docs]
    labels = [d + [-100] * (T - len(d)) for d in docs]
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "padding not -100 in labels", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    attention_mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs])
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "labels": input_ids.masked_fill(attention_mask == 0, 0)}
'''),
    W("test-greedy-decode", "int32 ids", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids.tolist()
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(torch.tensor(ids)).logits
            for row, nxt in zip(ids, logits[:, -1].argmax(-1).tolist()):
                row.append(nxt)
    return torch.tensor(ids, dtype=torch.int32)
'''),
    W("test-lm-loss", "labels not shifted", '''
import torch.nn.functional as F

def lm_loss(logits, labels):
    return F.cross_entropy(logits[:, :-1].transpose(1, 2), labels[:, :-1])
'''),
    W("test-gpt-forward", "last position only", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    tok = model.transformer.wte(idx)
    pos = model.transformer.wpe(torch.arange(T, device=idx.device))
    x = model.transformer.drop(tok + pos)
    for block in model.transformer.h:
        x = block(x)
    x = model.transformer.ln_f(x)
    return model.lm_head(x[:, -1, :])
'''),
    W("test-block-forward", "residual of the normalised x", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x))
    x = ln_2(x)
    x = x + mlp(x)
    return x
'''),
    W("test-causal-average", "normalised over the wrong dimension", '''
def causal_average(x):
    T = x.shape[1]
    tril = torch.tril(torch.ones(T, T))
    wei = tril / tril.sum(0, keepdim=True)
    return wei @ x
'''),
]

# wa41: greedy decoding that appends every position's prediction (logits not cropped to the last position) was
# told 'whole sequence fed with the cache' (both run past the model's last position), with no cache in sight
CATALOGUE += [
    W("test-greedy-decode", "every position's prediction appended", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            next_ids = model(ids).logits.argmax(dim=-1)
            ids = torch.cat([ids, next_ids], dim=1)
    return ids
'''),
]

# wa41: lesson 05, more of the same evening (each named already)
CATALOGUE += [
    W("test-bigram-forward", "token 0 ignored", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T), ignore_index=0)
    return logits, loss
'''),
    W("test-bigram-forward", "flattened logits returned", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    loss = None
    if targets is not None:
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
    return logits.view(-1, logits.size(-1)), loss
'''),
    W("test-gpt-forward", "final LayerNorm before every block", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    x = model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T))
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(model.transformer.ln_f(x))
    return model.lm_head(x)
'''),
    W("test-gpt-forward", "scaled by a constant", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x)) / math.sqrt(x.shape[-1])
'''),
    W("test-block-forward", "one LayerNorm used twice and parallel sublayers", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    h = ln_1(x)
    x = x + attn(h)
    x = x + mlp(h)
    return x
'''),
    W("test-causal-average", "divided by T", '''
def causal_average(x):
    B, T, C = x.shape
    wei = torch.tril(torch.ones(T, T)) / T
    return wei @ x
'''),
    W("test-causal-average", "row sums without keepdim", '''
def causal_average(x):
    B, T, C = x.shape
    tril = torch.tril(torch.ones(T, T))
    wei = torch.zeros(T, T).masked_fill(tril == 0, float("-inf"))
    wei = torch.exp(wei) / torch.exp(wei).sum(-1)
    return wei @ x
'''),
]

# wa42: lessons 01-04 as tired students write them, and two mistakes at once (the new names: ids turned into
# strings, space marker dropped, an id of the pair kept after new_id, end-of-word marker glued on, old h returned,
# min_lr as a floor; the two at once of count_pairs, cross_attention's values, the diagonal hidden, the tanh of c,
# train_loop's zero_grad and rate)
CATALOGUE += [
    W("test-char-encode-decode", "error does not name the character", '''
def char_encode(text, stoi):
    ids = []
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ascii(ch)}")
        ids.append(stoi[ch])
    return ids

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''),
    W("test-char-encode-decode", "error does not name the character", '''
def char_encode(text, stoi):
    ids = []
    for ch in text:
        if ch not in stoi:
            raise ValueError("unknown character: " + ch.encode("unicode_escape").decode())
        ids.append(stoi[ch])
    return ids

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''),
    W("test-char-encode-decode", "error does not name the character", '''
def char_encode(text, stoi):
    ids = []
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch.encode()}")
        ids.append(stoi[ch])
    return ids

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids)
'''),
    W("test-char-encode-decode", "text stripped", '''
def char_encode(text, stoi):
    text = text.strip()
    ids = []
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
        ids.append(stoi[ch])
    return ids

def char_decode(ids, itos):
    return "".join(itos[i] for i in ids[:-1])
'''),
    W("test-count-pairs", "pairs reversed and last pair missing", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids) - 2):
        pair = (ids[i + 1], ids[i])
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W("test-count-pairs", "repeated ids removed first", '''
def count_pairs(ids):
    counts = {}
    uniq = list(dict.fromkeys(ids))
    for pair in zip(uniq, uniq[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W("test-count-pairs", "pairs seen once left out", '''
def count_pairs(ids):
    counts = collections.Counter(zip(ids, ids[1:]))
    return {p: c for p, c in counts.items() if c > 1}
'''),
    W("test-count-pairs", "ids turned into strings", '''
def count_pairs(ids):
    counts = {}
    for a, b in zip(ids, ids[1:]):
        counts[(str(a), str(b))] = counts.get((str(a), str(b)), 0) + 1
    return counts
'''),
    W("test-merge", "right to left", '''
def merge(ids, pair, new_id):
    out = list(ids)
    for i in range(len(out) - 2, -1, -1):
        if i + 1 < len(out) and out[i] == pair[0] and out[i + 1] == pair[1]:
            out[i:i + 2] = [new_id]
    return out
'''),
    W("test-merge", "an id of the pair kept", '''
def merge(ids, pair, new_id):
    out = []
    skip = False
    for i in range(len(ids)):
        if skip:
            skip = False
            continue
        if i < len(ids) - 1 and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            skip = True
        out.append(ids[i])
    return out
'''),
    W("test-bpe-word", "merged from the right", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while True:
        best, best_i = None, None
        for i in range(len(symbols) - 1):
            p = (symbols[i], symbols[i + 1])
            if p in ranks and (best is None or ranks[p] <= ranks[best]):
                best, best_i = p, i
        if best is None:
            return symbols
        symbols[best_i:best_i + 2] = [best[0] + best[1]]
'''),
    W("test-bpe-word", "no-rank sentinel smaller than real ranks", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = list(zip(symbols, symbols[1:]))
        best = min(pairs, key=lambda p: ranks.get(p, len(ranks)))
        if best not in ranks:
            break
        i = pairs.index(best)
        symbols[i:i + 2] = ["".join(best)]
    return symbols
'''),
    W("test-bpe-word", "space marker dropped", '''
def bpe_word(symbols, ranks):
    symbols = [s for s in symbols if s != "Ġ"]
    while len(symbols) > 1:
        pairs = list(zip(symbols, symbols[1:]))
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(symbols[i] + symbols[i + 1]); i += 2
            else:
                out.append(symbols[i]); i += 1
        symbols = out
    return symbols
'''),
    W("test-merge", "last element dropped", '''
def merge(ids, pair, new_id):
    out = []
    skip = False
    for i in range(len(ids) - 1):
        if skip:
            skip = False
            continue
        if (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            skip = True
        else:
            out.append(ids[i])
    return out
'''),
    W("test-bpe-word", "no rank given as 0", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = list(zip(symbols, symbols[1:]))
        best = min(pairs, key=lambda p: ranks.get(p, 0))
        if best not in ranks:
            break
        i = pairs.index(best)
        symbols[i:i + 2] = [best[0] + best[1]]
    return symbols
'''),
    W("test-bpe-word", "end-of-word marker added", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols[:-1]) + [symbols[-1] + "</w>"]
    while len(symbols) > 1:
        pairs = list(zip(symbols, symbols[1:]))
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        i = pairs.index(best)
        symbols[i:i + 2] = [best[0] + best[1]]
    return symbols
'''),
    W("test-cross-attention", "scaled by the wrong size", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):

    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_V
    scores = Q @ K.T / math.sqrt(K.shape[0])
    return torch.softmax(scores, dim=-1) @ V
'''),
    W("test-cross-attention", "scaled by the wrong size", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):

    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_V
    scores = Q @ K.T / math.sqrt(V.shape[-1])
    return torch.softmax(scores, dim=-1) @ V
'''),
    W("test-cross-attention", "softmax over the wrong dimension and values from the wrong sentence", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):

    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S2 @ W_V
    scores = Q @ K.T / math.sqrt(K.shape[-1])
    return torch.softmax(scores, dim=0) @ V
'''),
    W("test-cross-attention", "softmax over the wrong dimension", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):

    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_V
    scores = K @ Q.T / math.sqrt(K.shape[-1])
    return torch.softmax(scores, dim=-1).T @ V
'''),
    W("test-cross-attention", "result transposed", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):

    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_V
    scores = Q @ K.T / K.shape[-1] ** 0.5
    return (torch.softmax(scores, dim=-1) @ V).T
'''),
    W("test-cross-attention", "scaled by the wrong size", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):

    Q = S2 @ W_Q
    K = S1 @ W_K
    V = S1 @ W_V
    scores = Q @ K.T / math.sqrt(W_Q.shape[0])
    return torch.softmax(scores, dim=-1) @ V
'''),
    W("test-cross-attention", "no scaling and values not projected", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):

    Q = S2 @ W_Q
    K = S1 @ W_K
    scores = Q @ K.T
    return torch.softmax(scores, dim=-1) @ S1
'''),
    W("test-sdpa", "scaled by the wrong size", '''
def scaled_dot_product_attention(q, k, v, mask=None):

    scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-2])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "batch dimensions not handled", '''
def scaled_dot_product_attention(q, k, v, mask=None):

    scores = q @ k.T / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "float mask multiplied", '''
def scaled_dot_product_attention(q, k, v, mask=None):

    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, -1e9)
        else:
            scores = scores * mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "masked with 0", '''
def scaled_dot_product_attention(q, k, v, mask=None):

    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = torch.where(mask, scores, torch.zeros_like(scores))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "no scaling and softmax over the wrong dimension", '''
def scaled_dot_product_attention(q, k, v, mask=None):

    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-2) @ v
'''),
    W("test-padding-mask", "one real token short", '''
def padding_mask(lengths, T):
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    for b, L in enumerate(lengths):
        mask[b, :L - 1] = True
    return mask
'''),
    W("test-padding-mask", "additive mask instead of booleans", '''
def padding_mask(lengths, T):
    keep = torch.arange(T)[None, :] < lengths[:, None]
    return torch.zeros(len(lengths), T).masked_fill(~keep, float("-inf"))
'''),
    W("test-padding-mask", "off by one and numbers instead of booleans", '''
def padding_mask(lengths, T):
    return (torch.arange(T)[None, :] <= lengths[:, None]).long()
'''),
    W("test-padding-mask", "True marks the padding", '''
def padding_mask(lengths, T):
    mask = torch.ones(len(lengths), T, dtype=torch.bool)
    for b, L in enumerate(lengths):
        mask[b, L:] = False
    return ~mask
'''),
    W("test-causal-mask", "True marks the future", '''
def causal_mask(T):
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
'''),
    W("test-causal-mask", "diagonal missing", '''
def causal_mask(T):
    i = torch.arange(T)
    return i[:, None] > i[None, :]
'''),
    W("test-causal-mask", "size off by one", '''
def causal_mask(T):
    return torch.tril(torch.ones(T - 1, T - 1, dtype=torch.bool))
'''),
    W("test-causal-mask", "T = 1 made a special case", '''
def causal_mask(T):
    return torch.tril(torch.ones(T, T)) == 1.0 if T > 1 else torch.ones(1, dtype=torch.bool)
'''),
    W("test-causal-mask", "additive mask", '''
def causal_mask(T):
    return torch.zeros(T, T).masked_fill(torch.ones(T, T).triu(1).bool(), float("-inf"))
'''),
    W("test-heads", "reshape without transpose", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, n_head, T, C // n_head)

def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.view(B, T, nh * hs)
'''),
    W("test-heads", "heads before the batch", '''
def split_heads(x, n_head):
    return torch.stack(x.chunk(n_head, dim=-1), dim=0)

def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, nh * hs)
'''),
    W("test-causal-self-attention", "scaled by √n_embd and no output projection", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(C)
        scores = scores.masked_fill(~self.mask[:T, :T], float('-inf'))
        weights = self.attn_dropout(torch.softmax(scores, dim=-1))
        y = merge_heads(weights @ v)
        return y
'''),
    W("test-causal-self-attention", "mask inverted", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
        scores = scores.masked_fill(self.mask[:T, :T], -1e9)
        weights = self.attn_dropout(torch.softmax(scores, dim=-1))
        y = merge_heads(weights @ v)
        return self.resid_dropout(self.c_proj(y))
'''),
    W("test-causal-self-attention", "diagonal hidden and no output projection", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
        scores = scores.masked_fill(~torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1), float('-inf'))
        weights = self.attn_dropout(torch.softmax(scores, dim=-1))
        y = merge_heads(weights @ v)
        return y
'''),
    W("test-causal-self-attention", "mask inverted and merged without transpose", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
        scores = scores.masked_fill(self.mask[:T, :T], float('-inf'))
        weights = self.attn_dropout(torch.softmax(scores, dim=-1))
        y = (weights @ v).reshape(B, T, C)
        return self.resid_dropout(self.c_proj(y))
'''),
    W("test-lstm-cell", "gate order", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):

    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, g, f, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    return o * torch.tanh(c), c
'''),
    W("test-lstm-cell", "gate order", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):

    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    f, i, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    return o * torch.tanh(c), c
'''),
    W("test-lstm-cell", "gate order and tanh of c missing", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):

    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, o, f, g = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    return o * c, c
'''),
    W("test-lstm-cell", "old h returned", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):

    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h, c_new
'''),
    W("test-shift-batch", "shifted the wrong way", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts])
    y = torch.stack([data[s - 1:s + block_size - 1] for s in starts])
    return x, y
'''),
    W("test-shift-batch", "labels one token short", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts])
    y = x[:, 1:]
    return x, y
'''),
    W("test-shift-batch", "labels not shifted", '''
def shift_batch(data, starts, block_size):
    offs = torch.arange(block_size)
    x = data[starts[:, None] + offs]
    y = data[starts[:, None] + offs]
    return x, y
'''),
    W("test-shift-batch", "(block_size, B) instead of (B, block_size)", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts], dim=1)
    y = torch.stack([data[s + 1:s + block_size + 1] for s in starts], dim=1)
    return x, y
'''),
    W("test-sequence-loss", "logits and targets reshaped differently", '''
def sequence_loss(logits, targets):
    return F.cross_entropy(logits.view(-1, logits.shape[1]), targets.view(-1))
'''),
    W("test-sequence-loss", "targets transposed", '''
def sequence_loss(logits, targets):
    return F.cross_entropy(logits.transpose(1, 2), targets.T)
'''),
    W("test-sequence-loss", "summed over the positions", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T), reduction="sum") / B
'''),
    W("test-sequence-loss", "sign lost", '''
def sequence_loss(logits, targets):
    logp = F.log_softmax(logits, dim=-1)
    return logp.gather(-1, targets.unsqueeze(-1)).mean()
'''),
    W("test-sequence-loss", "targets shifted again", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), targets[:, 1:].reshape(-1))
'''),
    W("test-sequence-loss", "cut off from the graph", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return torch.tensor(F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T)).item())
'''),
    W("test-generate-greedy", "state reset", '''
def generate_greedy(model, idx, max_new_tokens):

    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, _ = model.forward_with_state(next_id)
    return idx
'''),
    W("test-generate-greedy", "sampled instead of argmax", '''
def generate_greedy(model, idx, max_new_tokens):

    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            probs = logits[:, -1, :].softmax(dim=-1)
            next_id = torch.multinomial(probs, 1)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-generate-greedy", "sampled instead of argmax", '''
def generate_greedy(model, idx, max_new_tokens):

    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = torch.multinomial(logits[:, -1, :].exp(), 1)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-generate-greedy", "state reset and one token too many", '''
def generate_greedy(model, idx, max_new_tokens):

    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens + 1):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, _ = model.forward_with_state(next_id)
    return idx
'''),
    W("test-lr-schedule", "warm-up starts at 0 and decay not shifted by the warm-up", '''
def lr_at_step(it, cfg):

    if it < cfg.warmup_iters:
        return cfg.learning_rate * it / cfg.warmup_iters
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = it / cfg.max_iters
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "min_lr as a floor", '''
def lr_at_step(it, cfg):

    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return max(cfg.min_lr, 0.5 * (1 + math.cos(math.pi * progress)) * cfg.learning_rate)
'''),
    W("test-lr-schedule", "warm-up reaches the peak one step early", '''
def lr_at_step(it, cfg):

    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / cfg.warmup_iters
    if it >= cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-train-loop", "gradients not clipped to grad_clip", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):

    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "the model's mode changed", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):

    losses = []
    model.train()
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return losses
'''),
    W("test-heads", "n_head and head size swapped", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    hs = C // n_head
    return x.view(B, T, hs, n_head).transpose(1, 2)

def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, nh * hs)
'''),
    W("test-heads", "dimensions in the wrong order", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.reshape(B, T, n_head, C // n_head).transpose(-2, -1)

def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, nh * hs)
'''),
    W("test-train-loop", "gradients never zeroed", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):

    losses = []
    optimizer.zero_grad()
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "learning rate one iteration ahead", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):

    losses = []
    for it in range(1, max_iters + 1):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-lstm-cell", "input gate unused", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + g
    return o * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "one bias missing", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = torch.cat([x, h], dim=1) @ torch.cat([W_ih, W_hh], dim=1).T + b_ih
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-train-loop", "gradients never zeroed and learning rate set once", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for group in optimizer.param_groups:
        group["lr"] = lr_schedule(0)
    for it in range(max_iters):
        x, y = get_batch("train")
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-lstm-cell", "hidden size from the input", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = x.shape[1]
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates[:, :H], gates[:, H:2*H], gates[:, 2*H:3*H], gates[:, 3*H:]
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    return o * torch.tanh(c), c
'''),
]

# wa42: lesson 05
CATALOGUE += [
    W("test-block-forward", "attention residual missing", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    h = attn(ln_1(x))
    return x + mlp(ln_2(h))
'''),
]

# stop 72: an answer that refuses every character outside ASCII (wa42 saw it named "UTF-8 bytes")
CATALOGUE += [
    W("test-char-encode-decode", "text outside ASCII refused", '''
def char_encode(text, stoi):
    if not text.isascii():
        raise ValueError("the text must be ASCII")
    ids = []
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"character {ch!r} is not in the vocabulary")
        ids.append(stoi[ch])
    return ids
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "text outside ASCII refused", '''
def char_encode(text, stoi):
    ids = []
    for ch in text:
        if ord(ch) > 127 or ch not in stoi:
            raise ValueError(f"character {ch!r} is not in the vocabulary")
        ids.append(stoi[ch])
    return ids
''' + CHAR_DECODE_OK),
]

# wa43: lessons 04-06, wrong answers as tired students and nanoGPT / makemore / Hugging Face copiers write
# them, a third of them with two mistakes at once
CATALOGUE += [
    W("test-lstm-cell", "split into pieces of the wrong size", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + h @ W_hh.T + b_ih + b_hh
    i, f, g, o = torch.split(gates, 4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return h_new, c_new
'''),
    W("test-lstm-cell", "h from the old c and forget gate unused", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = c + i * g
    h_new = o * torch.tanh(c)
    return h_new, c_new
'''),
    W("test-lstm-cell", "sigmoid on the candidate and tanh of c missing", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = torch.sigmoid(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
    i, f, g, o = gates.chunk(4, 1)
    c_new = f * c + i * g
    h_new = o * c_new
    return h_new, c_new
'''),
    W("test-lstm-cell", "biases missing", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = (W_ih @ x.T + W_hh @ h.T).T
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "tanh on the input gate and tanh on the forget gate", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = z.chunk(4, dim=1)
    i, f = torch.tanh(i), torch.tanh(f)
    c = f * c + i * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    return h, c
'''),
    W("test-lstm-cell", "gate order and tanh of c missing", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, o, g = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * c_new
    return h_new, c_new
'''),
    W("test-shift-batch", "labels not shifted", '''
def shift_batch(data, starts, block_size):
    chunks = torch.stack([data[s:s + block_size + 1] for s in starts])
    return chunks[:, :-1], chunks[:, :-1]
'''),
    W("test-shift-batch", "windows one token too long", '''
def shift_batch(data, starts, block_size):
    ix = starts[:, None] + torch.arange(block_size + 1)
    return data[ix], data[ix + 1]
'''),
    W("test-shift-batch", "windows start one late and labels not shifted", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[i + 1:i + 1 + block_size] for i in starts])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in starts])
    return x, y
'''),
    W("test-shift-batch", "labels one token short", '''
def shift_batch(data, starts, block_size):
    ix = starts.view(-1, 1) + torch.arange(block_size).view(1, -1)
    x = data[ix]
    y = data[ix[:, 1:]]
    return x, y
'''),
    W("test-shift-batch", "dimensions in the wrong order (at position 0)", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts]).T
    y = torch.stack([data[s + 1:s + block_size + 1] for s in starts])
    return x, y
'''),
    W("test-shift-batch", "labels shifted by two and x and y swapped", '''
def shift_batch(data, starts, block_size):
    xs, ys = [], []
    for s in starts:
        xs.append(data[s:s + block_size])
        ys.append(data[s + 2:s + block_size + 2])
    return torch.stack(ys), torch.stack(xs)
'''),
    W("test-sequence-loss", "summed over the positions", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits.view(-1, V), targets.view(-1), reduction="sum") / B
'''),
    W("test-sequence-loss", "targets transposed", '''
def sequence_loss(logits, targets):
    return F.cross_entropy(logits.permute(0, 2, 1), targets.T)
'''),
    W("test-sequence-loss", "softmax before cross-entropy and sum instead of mean", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    probs = F.softmax(logits.view(B * T, V), dim=-1)
    return F.cross_entropy(probs, targets.view(B * T), reduction="sum")
'''),
    W("test-sequence-loss", "summed over the positions", '''
def sequence_loss(logits, targets):
    logp = F.log_softmax(logits, dim=-1)
    picked = logp.gather(2, targets.unsqueeze(-1)).squeeze(-1)
    return -picked.sum(dim=1).mean()
'''),
    W("test-sequence-loss", "log of softmax and log-softmax over the wrong dimension", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    logp = torch.log(F.softmax(logits, dim=1))
    return F.nll_loss(logp.reshape(B * T, V), targets.reshape(B * T))
'''),
    W("test-generate-greedy", "state reset and one token too few", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens - 1):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id)
    return idx
'''),
    W("test-generate-greedy", "the model's mode changed", '''
def generate_greedy(model, idx, max_new_tokens):
    model.eval()
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = torch.argmax(logits[:, -1, :], dim=-1, keepdim=True)
            idx = torch.cat((idx, next_id), dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx
'''),
    W("test-generate-greedy", "prompt not read", '''
def generate_greedy(model, idx, max_new_tokens):
    out = idx
    state = None
    for _ in range(max_new_tokens):
        logits, state = model.forward_with_state(out[:, -1:], state)
        next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        out = torch.cat([out, next_id], dim=1)
    return out
'''),
    W("test-generate-greedy", "state reset and sampled instead of argmax", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            probs = F.softmax(logits[:, -1, :], dim=-1)
            next_id = torch.multinomial(probs, 1)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id)
    return idx
'''),
    W("test-generate-greedy", "first new token dropped", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            logits, state = model.forward_with_state(next_id, state)
            idx = torch.cat([idx, logits[:, -1, :].argmax(dim=-1, keepdim=True)], dim=1)
    return idx
'''),
    W("test-lr-schedule", "warm-up starts at 0 and min_lr left out", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * it / cfg.warmup_iters
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return 0.5 * (1 + math.cos(math.pi * progress)) * cfg.learning_rate
'''),
    W("test-lr-schedule", "warm-up reaches the peak one step early and linear decay instead of cosine", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / cfg.warmup_iters
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.learning_rate - progress * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "no warm-up and no floor after max_iters", '''
def lr_at_step(it, cfg):
    decay_ratio = it / cfg.max_iters
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return cfg.min_lr + coeff * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "decay not shifted by the warm-up", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if it > cfg.max_iters:
        return cfg.min_lr
    decay_ratio = it / cfg.max_iters
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return cfg.min_lr + coeff * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "cosine scaled by learning_rate", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    progress = min(1.0, (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters))
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * cfg.learning_rate
'''),
    W("test-train-loop", "clipped with the 1-norm", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip, norm_type=1)
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "learning rate multiplied at every iteration", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = group["lr"] * lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "step finds no gradients", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        lr = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        loss.backward()
        optimizer.zero_grad()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "learning rate one iteration ahead and gradients not clipped to grad_clip", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(1, max_iters + 1):
        for g in optimizer.param_groups:
            g["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "gradients not clipped to grad_clip", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        losses.append(loss.item())
    return losses
'''),
    W("test-bigram-forward", "sum instead of mean and flattened logits returned", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        loss = None
    else:
        B, T, C = logits.shape
        logits = logits.view(B * T, C)
        targets = targets.view(B * T)
        loss = F.cross_entropy(logits, targets, reduction="sum")
    return logits, loss
'''),
    W("test-bigram-forward", "token 0 ignored", '''
def bigram_forward(table, idx, targets=None):
    logits = F.one_hot(idx, table.shape[0]).float() @ table
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T), ignore_index=0)
'''),
    W("test-bigram-forward", "sum instead of mean", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    probs = F.softmax(logits, dim=-1)
    loss = -torch.log(probs.gather(-1, targets.unsqueeze(-1))).sum()
    return logits, loss
'''),
    W("test-bigram-forward", "targets transposed", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    loss = None
    if targets is not None:
        loss = F.cross_entropy(logits.transpose(1, 2), targets.T)
    return logits, loss
'''),
    W("test-causal-average", "divided along the wrong axis", '''
def causal_average(x):
    B, T, C = x.shape
    return torch.cumsum(x, dim=1) / torch.arange(1, T + 1)
'''),
    W("test-causal-average", "mean over the channels", '''
def causal_average(x):
    B, T, C = x.shape
    out = torch.zeros_like(x)
    for b in range(B):
        for t in range(T):
            out[b, t] = x[b, :t + 1].mean(dim=1)
    return out
'''),
    W("test-causal-average", "weights on the wrong side", '''
def causal_average(x):
    T = x.shape[1]
    wei = torch.triu(torch.ones(T, T))
    wei = wei / wei.sum(0, keepdim=True)
    return wei @ x
'''),
    W("test-causal-average", "diagonal missing", '''
def causal_average(x):
    B, T, C = x.shape
    xbow = torch.zeros((B, T, C))
    for b in range(B):
        for t in range(T):
            xbow[b, t] = torch.mean(x[b, :t], 0)
    return xbow
'''),
    W("test-causal-average", "product in the wrong order", '''
def causal_average(x):
    T = x.shape[1]
    wei = torch.tril(torch.ones(T, T)) / T
    return x @ wei
'''),
    W("test-block-forward", "one LayerNorm used twice and parallel sublayers", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    return x + attn(ln_1(x)) + mlp(ln_1(x))
'''),
    W("test-block-forward", "residual of the normalised x and ln_2 missing", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    h = ln_1(x)
    x = h + attn(h)
    x = x + mlp(x)
    return x
'''),
    W("test-block-forward", "extra values returned", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_1(x))
    x = x + mlp(ln_2(x))
    return x, None
'''),
    W("test-block-forward", "MLP reads the attention output alone", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    a = attn(ln_1(x))
    m = mlp(ln_2(a))
    return x + a + m
'''),
    W("test-block-forward", "post-norm attention", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = ln_1(x + attn(x))
    return x + mlp(ln_2(x))
'''),
    W("test-block-forward", "one LayerNorm used twice", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    y = x + attn(ln_2(x))
    return y + mlp(ln_2(y))
'''),
    W("test-gpt-forward", "last position only", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    pos = torch.arange(0, T, dtype=torch.long)
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))
    for block in model.transformer.h:
        x = block(x)
    x = model.transformer.ln_f(x)
    return model.lm_head(x[:, [-1], :])
'''),
    W("test-gpt-forward", "final LayerNorm missing", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    x = model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(x)
'''),
    W("test-gpt-forward", "positions counted from 1 and final LayerNorm missing", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    pos = torch.arange(1, T + 1)
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(pos))
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(x)
'''),
    W("test-gpt-forward", "final LayerNorm after every block", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T)))
    for block in model.transformer.h:
        x = block(x)
        x = model.transformer.ln_f(x)
    return model.lm_head(x)
'''),
    W("test-gpt-forward", "softmax applied and blocks in reverse order", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    tok = model.transformer.wte(idx)
    pos = model.transformer.wpe(torch.arange(T))
    x = model.transformer.drop(tok + pos)
    for block in reversed(model.transformer.h):
        x = block(x)
    return F.softmax(model.lm_head(model.transformer.ln_f(x)), dim=-1)
'''),
    W("test-gpt-forward", "token ids as positions", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(idx))
    for block in model.transformer.h:
        x = x + block(x)
    return model.lm_head(model.transformer.ln_f(x))
'''),
    W("test-greedy-decode", "one token too few and only the new token fed", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens - 1):
            next_id = model(ids[:, -1:]).logits[:, -1, :].argmax(dim=-1)
            ids = torch.cat([ids, next_id[:, None]], dim=1)
    return ids
'''),
    W("test-greedy-decode", "new ids not a (B, 1) column", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    for _ in range(max_new_tokens):
        outputs = model(input_ids=ids)
        next_token_logits = outputs.logits[:, -1, :]
        next_tokens = torch.argmax(next_token_logits, dim=-1)
        ids = torch.cat([ids, next_tokens.unsqueeze(0)], dim=-1)
    return ids
'''),
    W("test-greedy-decode", "new tokens only", '''
def greedy_decode(model, input_ids, max_new_tokens):
    model.eval()
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids).logits
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, next_id], dim=1)
    return ids[:, input_ids.shape[1]:]
'''),
    W("test-greedy-decode", "softmax over the wrong dimension", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids).logits
            next_id = logits[:, -1, :].softmax(dim=0).argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, next_id], dim=1)
    return ids
'''),
    W("test-greedy-decode", "token never fed back", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(input_ids).logits
            next_id = logits[:, -1].argmax(-1, keepdim=True)
            ids = torch.cat([ids, next_id], dim=1)
    return ids
'''),
    W("test-greedy-decode", "sampled with a temperature", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids).logits
            probs = torch.softmax(logits[:, -1, :] / 0.7, dim=-1)
            next_id = torch.multinomial(probs, num_samples=1)
            ids = torch.cat([ids, next_id], dim=1)
    return ids
'''),
    W("test-top-k", "assumed 2-D logits", '''
def top_k_filter(logits, k):
    v, _ = torch.topk(logits, min(k, logits.size(-1)))
    logits[logits < v[:, [-1]]] = -float("Inf")
    return logits
'''),
    W("test-top-k", "probabilities instead of logits", '''
def top_k_filter(logits, k):
    probs = torch.softmax(logits, dim=-1)
    kth = torch.topk(probs, min(k, probs.size(-1)), dim=-1).values[..., -1:]
    return probs.masked_fill(probs < kth, 0.0)
'''),
    W("test-top-k", "kept k + 1", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    sorted_logits = torch.sort(logits, dim=-1, descending=True).values
    kth = sorted_logits[..., k]
    return torch.where(logits < kth.unsqueeze(-1), torch.full_like(logits, float("-inf")), logits)
'''),
    W("test-top-k", "ties broken", '''
def top_k_filter(logits, k):
    values, indices = torch.topk(logits, k, dim=-1)
    out = torch.full_like(logits, float("-inf"))
    return out.scatter(-1, indices, values)
'''),
    W("test-top-k", "kept k - 1", '''
def top_k_filter(logits, k):
    kth = torch.topk(logits, k).values[..., -1:]
    return logits.masked_fill(logits <= kth, float("-inf"))
'''),
    W("test-top-p", "crossing token dropped and mask left in sorted order", '''
def top_p_filter(logits, p):
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
    cum = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove = cum > p
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-top-p", "crossing token dropped and probabilities instead of logits", '''
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, order = torch.sort(probs, descending=True)
    cum = sorted_probs.cumsum(-1)
    remove_sorted = cum > p
    remove_sorted[..., 0] = False
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return probs.masked_fill(remove, 0.0)
'''),
    W("test-top-p", "probabilities instead of logits", '''
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    remove_sorted = before >= p
    remove = remove_sorted.scatter(-1, order, remove_sorted)
    return probs.masked_fill(remove, 0.0)
'''),
    W("test-top-p", "crossing token dropped and gather instead of scatter", '''
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    remove_sorted = sorted_probs.cumsum(dim=-1) > p
    remove = remove_sorted.gather(-1, order)
    return logits.masked_fill(remove, float("-inf"))
'''),
    W("test-lm-loss", "labels not shifted and sum instead of mean", '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    return torch.nn.functional.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), reduction="sum")
'''),
    W("test-lm-loss", "padding counted", '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    shift_logits = logits[:, :-1, :].reshape(-1, V)
    shift_labels = labels[:, 1:].reshape(-1)
    return torch.nn.functional.cross_entropy(shift_logits, shift_labels, ignore_index=0)
'''),
    W("test-lm-loss", "padding counted in the mean", '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    shift_labels = labels[:, 1:]
    ce = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), shift_labels.reshape(-1), reduction="none")
    return ce.mean()
'''),
    W("test-lm-loss", "shifted the wrong way and padding counted in the mean", '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    logits = logits[:, 1:, :]
    labels = labels[:, :-1]
    return torch.nn.functional.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), reduction="sum") / labels.numel()
'''),
    W("test-lm-loss", "labels not shifted and softmax before cross-entropy", '''
def lm_loss(logits, labels):
    probs = torch.softmax(logits, dim=-1)
    return torch.nn.functional.cross_entropy(probs.reshape(-1, probs.size(-1)), labels.reshape(-1))
'''),
    W("test-lm-loss", "softmax before cross-entropy", '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    shift_logits = logits[:, :-1].reshape(-1, V)
    shift_labels = labels[:, 1:].reshape(-1)
    keep = shift_labels != -100
    return torch.nn.functional.cross_entropy(torch.softmax(shift_logits[keep], dim=-1), shift_labels[keep])
'''),
    W("test-collate", "padding in the labels and mask from the pad id", '''
def collate(docs, pad_id):
    input_ids = torch.nn.utils.rnn.pad_sequence([torch.tensor(d) for d in docs], batch_first=True, padding_value=pad_id)
    attention_mask = (input_ids != pad_id).long()
    labels = input_ids.clone()
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "padding in the labels and bool attention mask", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.bool)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = True
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": input_ids.clone()}
'''),
    W("test-collate", "padded on the left and labels from the pad id", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, T - len(d):] = torch.tensor(d)
        attention_mask[i, T - len(d):] = 1
    labels = input_ids.masked_fill(input_ids == pad_id, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "labels shifted", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids, attention_mask, labels = [], [], []
    for d in docs:
        n = T - len(d)
        input_ids.append(d + [pad_id] * n)
        attention_mask.append([1] * len(d) + [0] * n)
        labels.append(d[1:] + [-100] * (n + 1))
    return {"input_ids": torch.tensor(input_ids), "attention_mask": torch.tensor(attention_mask),
            "labels": torch.tensor(labels)}
'''),
    W("test-collate", "input_ids padded with -100", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    input_ids = torch.full((len(docs), T), -100, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": input_ids.clone()}
'''),
]


# Lesson 03 (wa44): wrong answers in students' own styles (loops, numpy, cumsum, per-head loops), a few with
# two mistakes at once; where a check did not name them, it was taught to (tests/test_checks_attention.py).
ATTENTION_INIT = '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)
'''

CATALOGUE += [
    W("test-causal-mask", "not a tensor", '''
def causal_mask(T):
    return [[j <= i for j in range(T)] for i in range(T)]
'''),
    W("test-causal-mask", "upper triangle", '''
def causal_mask(T):
    return torch.eye(T).cumsum(dim=1).bool()
'''),
    W("test-causal-mask", "diagonal missing", '''
def causal_mask(T):
    future = torch.triu(torch.ones(T, T, dtype=torch.bool))
    return ~future
'''),
    W("test-causal-mask", "a numpy array instead of a tensor and diagonal missing", '''
import numpy as np

def causal_mask(T):
    return np.tril(np.ones((T, T)), k=-1)
'''),
    W("test-heads", "wrong shape", SPLIT_OK + '''
def merge_heads(x):
    return x.transpose(1, 2).flatten(1)
'''),
    W("test-heads", "dimensions in the wrong order", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.view(B, T, n_head, -1).permute(0, 2, 3, 1)
''' + MERGE_OK),
    W("test-heads", "4 too few along dimension 2", SPLIT_OK + '''
def merge_heads(x):
    return torch.cat([x[:, h] for h in range(x.shape[1] - 1)], dim=-1)
'''),
    W("test-heads", "head size as a float", '''
def split_heads(x, n_head):
    B, T, C = x.shape
    return x.reshape(B, T, n_head, C / n_head).transpose(1, 2)

def merge_heads(x):
    B, nh, T, hs = x.shape
    return x.reshape(B, T, nh * hs)
'''),
    W("test-causal-self-attention", "c_attn's bias left out", ATTENTION_INIT + '''
    def forward(self, x):
        B, T, C = x.shape
        qkv = x @ self.c_attn.weight.T
        q, k, v = qkv.split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        att = q @ k.transpose(-2, -1) / math.sqrt(k.size(-1))
        att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
        att = self.attn_dropout(att.softmax(dim=-1))
        return self.resid_dropout(self.c_proj(merge_heads(att @ v)))
'''),
    W("test-causal-self-attention", "multiplied by √head_size", ATTENTION_INIT + '''
    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        att = (q @ k.transpose(-2, -1)) * math.sqrt(k.size(-1))
        att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        return self.resid_dropout(self.c_proj(merge_heads(att @ v)))
'''),
    W("test-causal-self-attention", "a head left out", ATTENTION_INIT + '''
    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        outs = []
        for h in range(self.n_head - 1):
            qh, kh, vh = (t[:, :, h * hs:(h + 1) * hs] for t in (q, k, v))
            att = qh @ kh.transpose(1, 2) / math.sqrt(hs)
            att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
            outs.append(self.attn_dropout(att.softmax(-1)) @ vh)
        y = torch.cat(outs, dim=-1)
        return self.resid_dropout(self.c_proj(y))
'''),
    W("test-causal-self-attention", "NaN in the result", ATTENTION_INIT + '''
    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        att = q @ k.transpose(-2, -1) / math.sqrt(k.size(-1))
        att = att + (~self.mask[:T, :T]) * float("-inf")
        att = self.attn_dropout(F.softmax(att, dim=-1))
        return self.resid_dropout(self.c_proj(merge_heads(att @ v)))
'''),
    W("test-causal-self-attention", "multiplied by √head_size and no output projection", ATTENTION_INIT + '''
    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        att = (q @ k.transpose(-2, -1)) * math.sqrt(k.size(-1))
        att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        return self.resid_dropout(merge_heads(att @ v))
'''),
    W("test-causal-self-attention", "masked with 0 and q, k, v in the wrong order", ATTENTION_INIT + '''
    def forward(self, x):
        B, T, C = x.shape
        k, q, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        att = q @ k.transpose(-2, -1) / math.sqrt(k.size(-1))
        att = att.masked_fill(~self.mask[:T, :T], 0.0)
        att = self.attn_dropout(F.softmax(att, dim=-1))
        return self.resid_dropout(self.c_proj(merge_heads(att @ v)))
'''),
# ---------------- attention dropout
    W("test-causal-self-attention", "multiplied by √head_size and softmax over the wrong dimension", ATTENTION_INIT + '''
    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        heads = []
        for h in range(self.n_head):
            cols = slice(h * hs, (h + 1) * hs)
            att = q[:, :, cols] @ k[:, :, cols].transpose(1, 2) * hs ** 0.5
            att = att.masked_fill(self.mask[:T, :T] == 0, float("-inf"))
            heads.append(self.attn_dropout(torch.softmax(att, dim=1)) @ v[:, :, cols])
        return self.resid_dropout(self.c_proj(torch.cat(heads, dim=-1)))
'''),
    W("test-attention-dropout", "another kind of dropout", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.AlphaDropout(config.dropout)
        self.resid_dropout = nn.AlphaDropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        att = q @ k.transpose(-2, -1) / math.sqrt(k.size(-1))
        att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        return self.resid_dropout(self.c_proj(merge_heads(att @ v)))
'''),
    W("test-attention-dropout", "another kind of dropout", '''
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout2d(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.register_buffer("mask", causal_mask(config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)
        att = q @ k.transpose(-2, -1) / math.sqrt(k.size(-1))
        att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        return self.resid_dropout(self.c_proj(merge_heads(att @ v)))
'''),
]

# Lesson 01 (wa44): wrong answers in students' own styles (torch and numpy where lists are asked, guards for
# short inputs, skip flags, re-encoded bytes), a few with two mistakes at once.
CATALOGUE += [
    W("test-char-encode-decode", "tensor instead of list", '''
import torch

def char_encode(text, stoi):
    ids = []
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"{ch!r} is not in the vocabulary")
        ids.append(stoi[ch])
    return torch.tensor(ids, dtype=torch.long)
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "empty text refused", '''
def char_encode(text, stoi):
    if not text:
        raise ValueError("nothing to encode")
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return [stoi[ch] for ch in text]
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "index out of range", CHAR_ENCODE_OK + '''
def char_decode(ids, itos):
    text = itos[ids[0]]
    for i in ids[1:]:
        text += itos[i]
    return text
'''),
    W("test-char-encode-decode", "1 too few", '''
def char_encode(text, stoi):
    ids = []
    for i in range(1, len(text)):
        if text[i] not in stoi:
            raise ValueError(f"unknown character {text[i]!r}")
        ids.append(stoi[text[i]])
    return ids
''' + CHAR_DECODE_OK),
    W("test-char-encode-decode", "tensor instead of list", '''
import torch

def char_encode(text, stoi):
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"unknown character {ch!r}")
    return torch.tensor([stoi[ch] for ch in text])

def char_decode(ids, itos):
    return "".join(itos[int(ids[i])] for i in range(len(ids) - 1))
'''),
    W("test-char-encode-decode", "your own assert failed", '''
def char_encode(text, stoi):
    assert len(text) > 0
    ids = []
    for ch in text:
        try:
            ids.append(stoi[ch])
        except KeyError:
            raise ValueError("text has a character that is not in the vocabulary")
    return ids
''' + CHAR_DECODE_OK),
    W("test-count-pairs", "counts never increased", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids) - 1):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0)
    return counts
'''),
    W("test-count-pairs", "wrapped around and last pair missing", '''
def count_pairs(ids):
    counts = {}
    for i in range(len(ids) - 1):
        pair = (ids[i - 1], ids[i])
        if pair in counts:
            counts[pair] += 1
        else:
            counts[pair] = 1
    return counts
'''),
    W("test-count-pairs", "two ids not counted", '''
import torch

def count_pairs(ids):
    if len(ids) < 3:  # too short to have pairs
        return {}
    t = torch.tensor(ids)
    pairs, counts = torch.unique(torch.stack([t[:-1], t[1:]], dim=1), dim=0, return_counts=True)
    return {(int(a), int(b)): int(n) for (a, b), n in zip(pairs, counts)}
'''),
    W("test-count-pairs", "a list for a short input", '''
def count_pairs(ids):
    if len(ids) < 2:
        return []
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts
'''),
    W("test-count-pairs", "pairs reversed and every count one too high", '''
def count_pairs(ids):
    counts = {}
    for a, b in zip(ids[1:], ids):
        counts[(a, b)] = counts.get((a, b), 1) + 1
    return counts
'''),
    W("test-merge", "a tuple instead of a list", '''
def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i < len(ids) - 1 and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return tuple(out)
'''),
    W("test-merge", "elements of the wrong type", '''
import numpy as np

def merge(ids, pair, new_id):
    arr = np.array(ids)
    out, i = [], 0
    while i < len(arr):
        if i + 1 < len(arr) and arr[i] == pair[0] and arr[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(arr[i])
            i += 1
    return out
'''),
    W("test-merge", "nothing kept after the first merge", '''
def merge(ids, pair, new_id):
    out = []
    skip = False
    for i in range(len(ids)):
        if skip:
            continue
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            skip = True
        else:
            out.append(ids[i])
    return out
'''),
    W("test-merge", "1 too few", '''
def merge(ids, pair, new_id):
    if len(ids) < 2:
        return []
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
'''),
    W("test-merge", "first occurrence only and pair read backwards", '''
def merge(ids, pair, new_id):
    a, b = pair
    for i in range(len(ids) - 1):
        if ids[i] == b and ids[i + 1] == a:
            return ids[:i] + [new_id] + ids[i + 2:]
    return list(ids)
'''),
    W("test-bpe-word", "nothing merged", '''
def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        best, best_rank = None, None
        for a, b in zip(symbols, symbols[1:]):
            r = ranks.get(a + b)
            if r is not None and (best_rank is None or r < best_rank):
                best, best_rank = (a, b), r
        if best is None:
            break
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols
'''),
    W("test-bpe-word", "symbols turned into bytes again", '''
def bpe_word(symbols, ranks):
    symbols = [bytes([b]).decode("latin-1") for b in "".join(symbols).encode("utf-8")]
    while len(symbols) > 1:
        pairs = [(ranks.get(p, float("inf")), p) for p in zip(symbols, symbols[1:])]
        rank, best = min(pairs)
        if rank == float("inf"):
            break
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                out.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols
'''),
]

# Lesson 02 (wa44): wrong answers in students' own styles (numpy, a loop over the queries, stabilising by the
# wrong max, masks multiplied by -inf, dtype tests against Python's bool), three with two mistakes at once.
CATALOGUE += [
    W("test-cross-attention", "numpy array instead of tensor", '''
import numpy as np

def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = S2.numpy() @ W_Q.numpy()
    K = S1.numpy() @ W_K.numpy()
    V = S1.numpy() @ W_V.numpy()
    scores = Q @ K.T / np.sqrt(K.shape[1])
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) @ V
'''),
    W("test-cross-attention", "largest score of each column subtracted", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    scores = Q @ K.T / K.shape[1] ** 0.5
    e = torch.exp(scores - scores.max(dim=0, keepdim=True).values)
    return (e / e.sum(dim=1, keepdim=True)) @ V
'''),
    W("test-cross-attention", "list of rows instead of a tensor", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    K, V = S1 @ W_K, S1 @ W_V
    rows = []
    for s in S2:
        q = s @ W_Q
        w = torch.softmax(K @ q / math.sqrt(K.shape[1]), dim=0)
        rows.append(w @ V)
    return rows
'''),
    W("test-cross-attention", "no scaling and result transposed", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q = torch.matmul(S2, W_Q)
    K = torch.matmul(S1, W_K)
    V = torch.matmul(S1, W_V)
    A = F.softmax(torch.matmul(Q, K.t()), dim=1)
    return torch.matmul(A, V).t()
'''),
    W("test-cross-attention", "softmax over the wrong dimension and scaled by the wrong size", '''
def cross_attention(S1, S2, W_Q, W_K, W_V):
    d_k = W_Q.shape[0]
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return torch.softmax(Q @ K.T / math.sqrt(d_k), dim=0) @ V
'''),
    W("test-sdpa", "NaN in the result", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores + (~mask) * float("-inf")
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "boolean mask added", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == bool:
            scores = scores.masked_fill(mask == False, float("-inf"))
        else:
            scores = scores + mask
    return F.softmax(scores, dim=-1) @ v
'''),
    W("test-sdpa", "wrong dtype", '''
def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = q.double(), k.double(), v.double()
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, dim=-1) @ v
'''),
    W("test-padding-mask", "changes its input", '''
def padding_mask(lengths, T):
    lengths.unsqueeze_(1)
    return torch.arange(T) < lengths
'''),
    W("test-padding-mask", "padding on the left and numbers instead of booleans", '''
import numpy as np

def padding_mask(lengths, T):
    L = lengths.numpy()
    return torch.from_numpy(np.arange(T)[None, :] >= (T - L)[:, None]).int()
'''),
]

# Lessons 04-06 (wa46): wrong answers in students' own styles (nonlinearities written by hand, preallocated
# float outputs, F.pad on the shifted labels, the position embedding in the wrong place, numpy), many with two
# mistakes at once.
CATALOGUE += [
    W("test-lstm-cell", "sigmoid without its minus sign", '''
def sigmoid(z):
    return 1 / (1 + torch.exp(z))

def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    H = h.shape[1]
    i = sigmoid(z[:, :H])
    f = sigmoid(z[:, H:2*H])
    g = torch.tanh(z[:, 2*H:3*H])
    o = sigmoid(z[:, 3*H:])
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next
'''),
    W("test-lstm-cell", "tanh from sigmoid without doubling z", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    tanh = lambda t: 2 * torch.sigmoid(t) - 1
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    return o * tanh(c_new), c_new
'''),
    W("test-lstm-cell", "sigmoid from tanh without halving z", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    sig = lambda t: (torch.tanh(t) + 1) / 2
    i, f, g, o = sig(i), sig(f), torch.tanh(g), sig(o)
    c_new = f * c + i * g
    return o * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "hard sigmoid on the gates", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, o = F.hardsigmoid(i), F.hardsigmoid(f), F.hardsigmoid(o)
    c_new = f * c + i * torch.tanh(g)
    return o * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "softmax on the gates", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, o = torch.softmax(i, dim=1), torch.softmax(f, dim=1), torch.softmax(o, dim=1)
    c_new = f * c + i * torch.tanh(g)
    return o * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "cell update multiplied", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c * i * g
    return o * torch.tanh(c_new), c_new
'''),
    W("test-lstm-cell", "relu of c instead of tanh", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.relu(c_new)
    return h_new, c_new
'''),
    W("test-lstm-cell", "cell state squashed", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = torch.tanh(f * c + i * g)
    return o * c_new, c_new
'''),
    W("test-lstm-cell", "(c, h) instead of (h, c) and biases missing", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + h @ W_hh.T
    i, f, g, o = gates.chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    return c, h
'''),
    W("test-lstm-cell", "h from the old c and sigmoid on the candidate", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = h.size(1)
    z = torch.cat([x, h], dim=1) @ torch.cat([W_ih, W_hh], dim=1).T + b_ih + b_hh
    i = torch.sigmoid(z[:, :H]); f = torch.sigmoid(z[:, H:2*H])
    g = torch.sigmoid(z[:, 2*H:3*H]); o = torch.sigmoid(z[:, 3*H:])
    c_next = f * c + i * g
    h_next = o * torch.tanh(c)
    return h_next, c_next
'''),
    W("test-lstm-cell", "forget gate applied to h and tanh on the input gate", '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.tanh(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * h + i * g
    return o * torch.tanh(c_new), c_new
'''),
    W("test-shift-batch", "wrong dtype (at position 0)", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s:s + block_size] for s in starts]).int()
    y = torch.stack([data[s + 1:s + block_size + 1] for s in starts]).int()
    return x, y
'''),
    W("test-shift-batch", "windows start one early and labels not shifted", '''
def shift_batch(data, starts, block_size):
    x = torch.stack([data[s - 1:s - 1 + block_size] for s in starts.tolist()])
    y = torch.stack([data[s - 1:s - 1 + block_size] for s in starts.tolist()])
    return x, y
'''),
    W("test-shift-batch", "windows start one late and labels shifted by two", '''
def shift_batch(data, starts, block_size):
    idx = starts.view(-1, 1) + torch.arange(block_size).view(1, -1)
    return data[idx + 1], data[idx + 3]
'''),
    W("test-sequence-loss", "sum instead of mean and loss in bits", '''
def sequence_loss(logits, targets):
    V = logits.size(-1)
    return F.cross_entropy(logits.view(-1, V), targets.view(-1), reduction="sum") / math.log(2)
'''),
    W("test-sequence-loss", "last position only and sign lost", '''
def sequence_loss(logits, targets):
    logp = F.log_softmax(logits, dim=-1)
    return logp[:, -1, :].gather(-1, targets[:, -1:]).mean()
'''),
    W("test-sequence-loss", "nll_loss on logits and sum instead of mean", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.nll_loss(logits.reshape(B * T, V), targets.reshape(B * T), reduction="sum")
'''),
    W("test-sequence-loss", "targets shifted again and loss in bits", '''
def sequence_loss(logits, targets):
    B, T, V = logits.shape
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), targets[:, 1:].reshape(-1)) / math.log(2)
'''),
    W("test-generate-greedy", "wrong dtype", '''
def generate_greedy(model, idx, max_new_tokens):
    B, T = idx.shape
    out = torch.zeros(B, T + max_new_tokens)
    out[:, :T] = idx
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for t in range(max_new_tokens):
            nxt = logits[:, -1].argmax(-1)
            out[:, T + t] = nxt
            logits, state = model.forward_with_state(nxt[:, None], state)
    return out
'''),
    W("test-generate-greedy", "sampled instead of argmax and one token too few", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens - 1):
            probs = torch.softmax(logits[:, -1, :], dim=-1)
            nxt = torch.multinomial(probs, 1)
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model.forward_with_state(nxt, state)
    return idx
'''),
    W("test-generate-greedy", "state reset and new token prepended", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([nxt, idx], dim=1)
            logits, state = model.forward_with_state(nxt)
    return idx
'''),
    W("test-generate-greedy", "argmin instead of argmax and one token too many", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens + 1):
            nxt = logits[:, -1, :].argmin(dim=-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model.forward_with_state(nxt, state)
    return idx
'''),
    W("test-generate-greedy", "one token too few and new tokens only", '''
def generate_greedy(model, idx, max_new_tokens):
    out = idx
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            out = torch.cat([out, nxt], dim=1)
            logits, state = model.forward_with_state(nxt, state)
    return out[:, idx.shape[1]:][:, :-1]
'''),
    W("test-lr-schedule", "warm-up starts at 0 and linear decay instead of cosine", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * it / cfg.warmup_iters
    if it > cfg.max_iters:
        return cfg.min_lr
    frac = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.learning_rate - frac * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-lr-schedule", "decays to 0 instead of min_lr and no floor after max_iters", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return 0.5 * (1 + math.cos(math.pi * progress)) * cfg.learning_rate
'''),
    W("test-lr-schedule", "quadratic warm-up", '''
def lr_at_step(it, cfg):
    if it < cfg.warmup_iters:
        return cfg.learning_rate * ((it + 1) / (cfg.warmup_iters + 1)) ** 2
    if it > cfg.max_iters:
        return cfg.min_lr
    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''),
    W("test-train-loop", "learning rate never set and gradients not clipped to grad_clip", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-train-loop", "learning rate one iteration ahead and batches from the wrong split", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for g in optimizer.param_groups:
            g["lr"] = lr_schedule(it + 1)
        x, y = get_batch("val")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-lstm-cell", "h and c parameters swapped", '''
def lstm_cell(x, c, h, W_ih, W_hh, b_ih, b_hh):
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, 1)
    c_t = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_t = torch.sigmoid(o) * torch.tanh(c_t)
    return h_t, c_t
'''),
    W("test-generate-greedy", "wrong dtype", '''
def generate_greedy(model, idx, max_new_tokens):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(max_new_tokens):
            nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model.forward_with_state(nxt, tuple(s.detach() for s in state))
    return idx.int()
'''),
    W("test-train-loop", "running average of the losses", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    running = 0.0
    for it in range(max_iters):
        for g in optimizer.param_groups:
            g["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        running += loss.item()
        losses.append(running / (it + 1))
    return losses
'''),
    W("test-train-loop", "learning rate never set", '''
def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        optimizer.defaults["lr"] = lr_schedule(it)
        x, y = get_batch("train")
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''),
    W("test-bigram-forward", "wrong dtype (at position 1)", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    return logits, F.cross_entropy(logits.double().flatten(0, 1), targets.flatten())
'''),
    W("test-bigram-forward", "cut off from the graph", '''
def bigram_forward(table, idx, targets=None):
    logits = nn.Embedding.from_pretrained(table)(idx)
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T))
'''),
    W("test-bigram-forward", "reshaped to (B, V, T) instead of transposed", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.reshape(B, V, T), targets)
'''),
    W("test-bigram-forward", "softmax before cross-entropy and flattened logits returned", '''
def bigram_forward(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    probs = F.softmax(logits, dim=-1).view(B * T, V)
    return logits.view(B * T, V), F.cross_entropy(probs, targets.view(B * T))
'''),
    W("test-bigram-forward", "column instead of row and loss of the last position only", '''
def bigram_forward(table, idx, targets=None):
    logits = table.T[idx]
    if targets is None:
        return logits, None
    return logits, F.cross_entropy(logits[:, -1, :], targets[:, -1])
'''),
    W("test-causal-average", "no mask", '''
def causal_average(x):
    B, T, C = x.shape
    tril = torch.tril(torch.ones(T, T))
    wei = torch.zeros(T, T).masked_fill(tril == 0, 0.0)
    wei = F.softmax(wei, dim=-1)
    return wei @ x
'''),
    W("test-causal-average", "counts in reverse order", '''
def causal_average(x):
    T = x.shape[1]
    counts = torch.arange(T, 0, -1).view(1, T, 1)
    return x.cumsum(dim=1) / counts
'''),
    W("test-block-forward", "residual multiplied", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x * attn(ln_1(x))
    x = x * mlp(ln_2(x))
    return x
'''),
    W("test-block-forward", "MLP residual missing and ln_1 missing", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = x + attn(x)
    x = mlp(ln_2(x))
    return x
'''),
    W("test-block-forward", "post-norm and one LayerNorm used twice", '''
def block_forward(x, ln_1, attn, ln_2, mlp):
    x = ln_1(x + attn(x))
    x = ln_1(x + mlp(x))
    return x
'''),
    W("test-gpt-forward", "the last positions of the table", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    tr = model.transformer
    x = tr.drop(tr.wte(idx) + tr.wpe.weight[-T:])
    for block in tr.h:
        x = block(x)
    return model.lm_head(tr.ln_f(x))
'''),
    W("test-gpt-forward", "position embedding after the blocks", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    tr = model.transformer
    pos = torch.arange(T)
    x = tr.drop(tr.wte(idx))
    for block in tr.h:
        x = block(x)
    x = x + tr.wpe(pos)
    return model.lm_head(tr.ln_f(x))
'''),
    W("test-gpt-forward", "position embedding added before every block", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    tr = model.transformer
    pe = tr.wpe(torch.arange(T))
    x = tr.drop(tr.wte(idx) + pe)
    for block in tr.h:
        x = block(x + pe)
    return model.lm_head(tr.ln_f(x))
'''),
    W("test-gpt-forward", "embeddings concatenated", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    tr = model.transformer
    x = tr.drop(torch.cat([tr.wte(idx), tr.wpe(torch.arange(T)).expand(B, T, -1)], dim=-1))
    for block in tr.h:
        x = block(x)
    return model.lm_head(tr.ln_f(x))
'''),
    W("test-gpt-forward", "positions counted from 1 and last position only", '''
def gpt_forward(model, idx):
    B, T = idx.shape
    tr = model.transformer
    x = tr.drop(tr.wte(idx) + tr.wpe(torch.arange(1, T + 1)))
    for block in tr.h:
        x = block(x)
    return model.lm_head(tr.ln_f(x))[:, -1, :]
'''),
    W("test-gpt-forward", "no position embedding and residual added around the block", '''
def gpt_forward(model, idx):
    tr = model.transformer
    x = tr.drop(tr.wte(idx))
    for block in tr.h:
        x = x + block(x)
    return model.lm_head(tr.ln_f(x))
'''),
    W("test-greedy-decode", "argmin instead of argmax and new tokens prepended", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens):
            nxt = model(ids).logits[:, -1, :].argmin(dim=-1, keepdim=True)
            ids = torch.cat([nxt, ids], dim=1)
    return ids
'''),
    W("test-greedy-decode", "first position's logits and one token too many", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens + 1):
            nxt = model(ids).logits[:, 0, :].argmax(dim=-1, keepdim=True)
            ids = torch.cat([ids, nxt], dim=1)
    return ids
'''),
    W("test-greedy-decode", "one token too few and new tokens only", '''
def greedy_decode(model, input_ids, max_new_tokens):
    ids = input_ids
    new = []
    with torch.no_grad():
        for _ in range(max_new_tokens - 1):
            nxt = model(ids).logits[:, -1, :].argmax(dim=-1, keepdim=True)
            new.append(nxt)
            ids = torch.cat([ids, nxt], dim=1)
    return torch.cat(new, dim=1)
'''),
    W("test-top-k", "kthvalue of -logits not negated back", '''
def top_k_filter(logits, k):
    k = min(k, logits.size(-1))
    kth = torch.kthvalue(-logits, k, dim=-1, keepdim=True).values
    return logits.masked_fill(logits < kth, float("-inf"))
'''),
    W("test-top-k", "numpy array instead of tensor", '''
import numpy as np
def top_k_filter(logits, k):
    a = logits.numpy().copy()
    kth = np.sort(a, axis=-1)[..., -k][..., None]
    a[a < kth] = -np.inf
    return a
'''),
    W("test-top-k", "kept k + 1 and probabilities instead of logits", '''
def top_k_filter(logits, k):
    probs = logits.softmax(dim=-1)
    kth = probs.topk(min(k + 1, probs.size(-1)), dim=-1).values[..., -1:]
    return probs.masked_fill(probs < kth, 0.0)
'''),
    W("test-top-k", "kept k - 1 and one threshold for the whole batch", '''
def top_k_filter(logits, k):
    kth = torch.topk(logits.flatten(), min(k, logits.size(-1))).values[-1]
    return logits.masked_fill(logits <= kth, float("-inf"))
'''),
    W("test-top-p", "numpy array instead of tensor", '''
import numpy as np
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1).numpy()
    out = logits.numpy().copy()
    for row_p, row in zip(probs.reshape(-1, probs.shape[-1]), out.reshape(-1, out.shape[-1])):
        order = np.argsort(-row_p)
        total = 0.0
        for j, t in enumerate(order):
            if total >= p and j > 0:
                row[t] = -np.inf
            total += row_p[t]
    return out
'''),
    W("test-top-p", "mask left in sorted order and removed set to 0", '''
def top_p_filter(logits, p):
    probs = logits.softmax(-1)
    sp, order = probs.sort(dim=-1, descending=True)
    before = sp.cumsum(-1) - sp
    remove = before >= p
    remove[..., 0] = False
    return logits.masked_fill(remove, 0.0)
'''),
    W("test-top-p", "mask left in sorted order and probabilities instead of logits", '''
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1)
    sp, order = torch.sort(probs, dim=-1, descending=True)
    cum = torch.cumsum(sp, dim=-1)
    remove = (cum - sp) >= p
    remove[..., 0] = False
    return probs.masked_fill(remove, 0.0)
'''),
    W("test-lm-loss", "one loss per position", '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1),
                                             ignore_index=-100, reduction="none")
'''),
    W("test-lm-loss", "wrong dtype", '''
def lm_loss(logits, labels):
    logits = logits.double()
    V = logits.size(-1)
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))
'''),
    W("test-lm-loss", "shifted labels padded with 0", '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    shifted = torch.nn.functional.pad(labels[:, 1:], (0, 1), value=0)
    return torch.nn.functional.cross_entropy(logits.reshape(-1, V), shifted.reshape(-1), ignore_index=-100)
'''),
    W("test-lm-loss", "logits and labels both cut at the start", '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    shifted = torch.nn.functional.pad(labels[:, 1:], (1, 0), value=-100)
    return torch.nn.functional.cross_entropy(logits.reshape(-1, V), shifted.reshape(-1), ignore_index=-100)
'''),
    W("test-lm-loss", "logits and labels both cut at the start and sum instead of mean", '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    return torch.nn.functional.cross_entropy(logits[:, 1:].reshape(-1, V), labels[:, 1:].reshape(-1), reduction="sum")
'''),
    W("test-lm-loss", "softmax before cross-entropy and divided by the batch size", '''
def lm_loss(logits, labels):
    V = logits.size(-1)
    probs = logits.softmax(-1)
    l = torch.nn.functional.cross_entropy(probs[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), reduction="sum")
    return l / labels.size(0)
'''),
    W("test-collate", "1 too few along dimension 1 (at key 'input_ids')", '''
def collate(docs, pad_id):
    T = min(len(d) for d in docs)
    input_ids = torch.tensor([d[:T] for d in docs])
    attention_mask = torch.ones_like(input_ids)
    labels = input_ids.clone()
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "1 too many along dimension 1 (at key 'input_ids')", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs) + 1
    input_ids = torch.full((len(docs), T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(docs), T), dtype=torch.long)
    for i, d in enumerate(docs):
        input_ids[i, :len(d)] = torch.tensor(d)
        attention_mask[i, :len(d)] = 1
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
'''),
    W("test-collate", "1 too many along dimension 1 (at key 'input_ids')", '''
def collate(docs, pad_id):
    docs = [d + [pad_id] for d in docs]
    T = max(len(d) for d in docs)
    ids = [d + [pad_id] * (T - len(d)) for d in docs]
    mask = [[1] * len(d) + [0] * (T - len(d)) for d in docs]
    labels = [d + [-100] * (T - len(d)) for d in docs]
    return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask), "labels": torch.tensor(labels)}
'''),
    W("test-collate", "padded on the left and bool attention mask", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    ids = [[pad_id] * (T - len(d)) + d for d in docs]
    mask = [[False] * (T - len(d)) + [True] * len(d) for d in docs]
    labels = [[-100] * (T - len(d)) + d for d in docs]
    return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask), "labels": torch.tensor(labels)}
'''),
    W("test-collate", "padded with 0, not pad_id and float attention mask", '''
def collate(docs, pad_id):
    T = max(len(d) for d in docs)
    ids = torch.tensor([d + [0] * (T - len(d)) for d in docs])
    mask = torch.tensor([[1.0] * len(d) + [0.0] * (T - len(d)) for d in docs])
    labels = ids.masked_fill(mask == 0, -100)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}
'''),
]
