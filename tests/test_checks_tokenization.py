"""The lesson 01 self-checks: the reference passes, and each named mistake, written the way a student
would write it, is recognised by its hint."""
import collections

import pytest

from course import tokenization as ref
from course.checks import CheckFailed
from course.checks import tokenization as checks

BYTE_DECODER = {c: b for b, c in ref.bytes_to_unicode().items()}


def fails_with(check, student, hint):
    with pytest.raises(CheckFailed) as info:
        check(student)
    assert hint in str(info.value), str(info.value)
    return str(info.value)


# -- the references pass ------------------------------------------------------------------------

@pytest.mark.parametrize("check, reference", [
    (checks.check_char_encode, ref.char_encode),
    (checks.check_char_decode, ref.char_decode),
    (checks.check_count_pairs, ref.count_pairs),
    (checks.check_merge, ref.merge),
    (checks.check_bpe_word, ref.bpe_word),
    (checks.check_tokens_to_text, ref.tokens_to_text),
])
def test_reference_passes(check, reference, capsys):
    check(reference)
    assert "✓" in capsys.readouterr().out


def test_unfinished_exercise_is_reported_as_not_implemented():
    def student(*args):
        raise NotImplementedError()
    message = fails_with(checks.check_merge, student, "not implemented yet")
    assert "merge" in message


# -- char_encode / char_decode ------------------------------------------------------------------

def test_char_encode_simple_correct_version_passes(capsys):
    def student(text, stoi):
        unknown = [c for c in text if c not in stoi]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not in the vocabulary")
        return [stoi[c] for c in text]
    checks.check_char_encode(student)
    assert "✓ char_encode" in capsys.readouterr().out


def test_char_encode_with_a_bare_key_error_is_named():
    # the policy the lesson states: an unknown character raises ValueError, not KeyError
    with pytest.raises(CheckFailed) as info:
        checks.check_char_encode(lambda text, stoi: [stoi[c] for c in text])
    assert info.value.mistake == "KeyError instead of ValueError"
    assert "raise ValueError" in str(info.value)


def test_char_encode_with_ord_is_recognised():
    fails_with(checks.check_char_encode, lambda text, stoi: [ord(c) for c in text], "code points (ord)")


def test_char_encode_returning_characters_is_recognised():
    fails_with(checks.check_char_encode, lambda text, stoi: [c for c in text], "the characters themselves")


def test_char_encode_skipping_whitespace_is_recognised():
    def student(text, stoi):
        return [stoi[c] for c in text.replace(" ", "").replace("\n", "")]
    fails_with(checks.check_char_encode, student, "whitespace skipped")


def test_char_encode_that_skips_unknown_characters_fails():
    fails_with(checks.check_char_encode, lambda text, stoi: [stoi[c] for c in text if c in stoi],
               "unknown character skipped")


def test_char_encode_that_maps_unknown_characters_to_none_fails():
    fails_with(checks.check_char_encode, lambda text, stoi: [stoi.get(c) for c in text],
               "must raise ValueError naming it")


def test_char_encode_whose_error_does_not_name_the_character_fails():
    def student(text, stoi):
        if any(c not in stoi for c in text):
            raise ValueError("unknown character")
        return [stoi[c] for c in text]
    fails_with(checks.check_char_encode, student, "should name the unknown character")


@pytest.mark.parametrize("spelling", [ascii, lambda ch: ch.encode("utf-8"), lambda ch: ch.encode("unicode_escape").decode()])
def test_char_encode_whose_error_escapes_a_character_outside_ascii_is_named(spelling):
    # 'Z' is named by these as 'Z'; the hidden tests' 'ü' and '🙂' come out as '\\xfc', b'\\xc3\\xbc' (wa42)
    def student(text, stoi):
        for ch in text:
            if ch not in stoi:
                raise ValueError(f"unknown character {spelling(ch)}")
        return [stoi[ch] for ch in text]
    message = fails_with(checks.check_char_encode, student, "error does not name the character")
    assert "'ü'" in message and "write the character itself" in message


def test_char_encode_that_names_a_character_outside_ascii_by_itself_passes(capsys):
    def student(text, stoi):
        for ch in text:
            if ch not in stoi:
                raise ValueError(f"unknown character {ch} (code point {ord(ch)})")
        return [stoi[ch] for ch in text]
    checks.check_char_encode(student)
    assert "✓ char_encode" in capsys.readouterr().out


def _refuses_outside_ascii(text, stoi):
    if not text.isascii():
        raise ValueError("the text must be ASCII")
    return [stoi[ch] for ch in text]


def _utf8_bytes_as_characters(text, stoi):
    return [stoi[c] for c in text.encode("utf-8").decode("latin-1")]


@pytest.mark.parametrize("student, name", [
    (_refuses_outside_ascii, "text outside ASCII refused"),
    (_utf8_bytes_as_characters, "UTF-8 bytes instead of characters"),
])
def test_char_encode_failing_only_outside_ascii_is_told_why(student, name):
    """Both raise on the first text with an 'é', and both were named "UTF-8 bytes" (wa42): the bytes
    answer encodes the text once the vocabulary holds each byte as a character, the refusal does not."""
    message = fails_with(checks.check_char_encode, student, f"Mistake — {name}:")
    other = {"text outside ASCII refused", "UTF-8 bytes instead of characters"} - {name}
    assert other.pop() not in message


@pytest.mark.parametrize("student, name", [
    (lambda ids: dict(collections.Counter(zip(ids[1:-1], ids[:-2]))), "pairs reversed and last pair missing"),
    (lambda ids: {p: n + 1 for p, n in collections.Counter(zip(ids[1:], ids[2:])).items()},
     "first pair missing and every count one too high"),
    (lambda ids: dict(collections.Counter((str(a), str(b)) for a, b in zip(ids, ids[1:]))), "ids turned into strings"),
])
def test_count_pairs_more_mistakes_are_named(student, name):
    # (told only the values that differ before: wa42)
    with pytest.raises(CheckFailed) as info:
        checks.check_count_pairs(student)
    assert info.value.mistake == name, str(info.value)


def test_merge_that_appends_the_pairs_first_id_after_new_id_is_named():
    # (the `else` left out: new_id appended, then ids[i] too; told '1 too many ... at the end' before: wa42)
    def student(ids, pair, new_id):
        out, skip = [], False
        for i in range(len(ids)):
            if skip:
                skip = False
                continue
            if i < len(ids) - 1 and ids[i] == pair[0] and ids[i + 1] == pair[1]:
                out.append(new_id)
                skip = True
            out.append(ids[i])
        return out
    with pytest.raises(CheckFailed) as info:
        checks.check_merge(student)
    assert info.value.mistake == "an id of the pair kept", str(info.value)


def test_bpe_word_with_the_highest_rank_merged_from_the_right_names_both():
    def student(symbols, ranks):
        symbols = list(symbols)
        while len(symbols) > 1:
            pairs = [p for p in zip(symbols, symbols[1:]) if p in ranks]
            if not pairs:
                break
            best = max(pairs, key=lambda p: ranks[p])  # the highest rank, and its occurrences from the right
            i = len(symbols) - 2
            while i >= 0:
                if (symbols[i], symbols[i + 1]) == best:
                    symbols[i:i + 2] = [best[0] + best[1]]
                    i -= 2
                else:
                    i -= 1
        return symbols
    fails_with(checks.check_bpe_word, student, "Mistake — highest rank first and merged from the right")


def test_bpe_word_applying_the_merges_in_sorted_order_is_named():
    def student(symbols, ranks):
        symbols = list(symbols)
        for pair in sorted(ranks):  # the pairs' own (alphabetical) order, not their ranks
            symbols = ref.merge(symbols, pair, pair[0] + pair[1])
        return symbols
    fails_with(checks.check_bpe_word, student, "Mistake — merges in the pairs' sorted order")


def test_bpe_word_that_glues_an_end_of_word_marker_to_the_last_symbol_is_named():
    # (the original BPE's '</w>' on the last symbol, kept in the result; told only the values before: wa42)
    def student(symbols, ranks):
        symbols = list(symbols[:-1]) + [symbols[-1] + "</w>"]
        while len(symbols) > 1:
            pairs = list(zip(symbols, symbols[1:]))
            best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
            if best not in ranks:
                break
            i = pairs.index(best)
            symbols[i:i + 2] = [best[0] + best[1]]
        return symbols
    with pytest.raises(CheckFailed) as info:
        checks.check_bpe_word(student)
    assert info.value.mistake == "end-of-word marker added", str(info.value)


def test_bpe_word_that_drops_the_space_marker_is_named():
    def student(symbols, ranks):
        symbols = [s for s in symbols if s != "Ġ"]
        while len(symbols) > 1:
            pairs = list(zip(symbols, symbols[1:]))
            best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
            if best not in ranks:
                break
            i = pairs.index(best)
            symbols = symbols[:i] + [best[0] + best[1]] + symbols[i + 2:]
        return symbols
    with pytest.raises(CheckFailed) as info:
        checks.check_bpe_word(student)
    assert info.value.mistake == "space marker dropped", str(info.value)


def test_char_decode_joined_with_spaces_is_recognised():
    fails_with(checks.check_char_decode, lambda ids, itos: " ".join(itos[i] for i in ids), "joined with spaces")


def test_char_decode_returning_a_numpy_string_is_named():
    import numpy as np

    def student(ids, itos):  # the empty case handed back as numpy's own string type
        chars = np.array([itos[i] for i in ids])
        return "".join(chars) if len(chars) else np.str_("")
    fails_with(checks.check_char_decode, student, "Mistake — numpy str instead of str")


def test_char_decode_returning_a_list_is_recognised():
    fails_with(checks.check_char_decode, lambda ids, itos: [itos[i] for i in ids], "returned a list of characters")


# -- count_pairs ----------------------------------------------------------------------------------

def test_count_pairs_plain_dict_from_a_counter_passes(capsys):
    checks.check_count_pairs(lambda ids: dict(collections.Counter(zip(ids, ids[1:]))))
    assert "✓ count_pairs" in capsys.readouterr().out


@pytest.mark.parametrize("student, mistake", [
    (lambda ids: collections.Counter(zip(ids, ids[1:])), "Counter instead of dict"),
    (lambda ids: collections.defaultdict(int, collections.Counter(zip(ids, ids[1:]))), "defaultdict instead of dict"),
])
def test_count_pairs_policy_is_a_plain_dict(student, mistake):
    # the policy the lesson states (and the hidden tests grade): a plain dict, half credit otherwise
    with pytest.raises(CheckFailed) as info:
        checks.check_count_pairs(student)
    assert info.value.mistake == mistake and info.value.credit == 0.5


def test_count_pairs_missing_last_pair_is_recognised():
    def student(ids):
        counts = {}
        for i in range(len(ids) - 2):  # off by one
            counts[(ids[i], ids[i + 1])] = counts.get((ids[i], ids[i + 1]), 0) + 1
        return counts
    fails_with(checks.check_count_pairs, student, "last pair missing")


def test_count_pairs_stepping_by_two_is_recognised():
    def student(ids):
        counts = collections.defaultdict(int)
        i = 0
        while i + 1 < len(ids):
            counts[ids[i], ids[i + 1]] += 1
            i += 2
        return counts
    fails_with(checks.check_count_pairs, lambda ids: dict(student(ids)), "every second position")


def test_count_pairs_presence_only_is_recognised():
    fails_with(checks.check_count_pairs, lambda ids: {p: 1 for p in set(zip(ids, ids[1:]))},
               "every pair got the count 1")


# -- merge ----------------------------------------------------------------------------------------

def test_merge_dropping_last_element_is_recognised():
    def student(ids, pair, new_id):
        out = []
        i = 0
        while i < len(ids) - 1:
            if ids[i] == pair[0] and ids[i + 1] == pair[1]:
                out.append(new_id)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        return out
    fails_with(checks.check_merge, student, "the last element was dropped")


def test_merge_returning_a_tuple_with_a_named_mistake_names_both():
    def student(ids, pair, new_id):  # overlapping pairs merged, and handed back as a tuple
        out = []
        for i in range(len(ids)):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                out.append(new_id)
            elif i > 0 and (ids[i - 1], ids[i]) == pair:
                continue
            else:
                out.append(ids[i])
        return tuple(out)
    fails_with(checks.check_merge, student, "Mistake — a tuple instead of a list and overlapping pairs merged")
    # a tuple of the right ids is the tuple alone
    fails_with(checks.check_merge, lambda ids, pair, new_id: tuple(ref.merge(ids, pair, new_id)),
               "Mistake — a tuple instead of a list:")


def test_merge_of_overlapping_pairs_is_recognised():
    def student(ids, pair, new_id):
        starts = {i for i in range(len(ids) - 1) if (ids[i], ids[i + 1]) == pair}
        out = []
        for i, x in enumerate(ids):
            if i in starts:
                out.append(new_id)
            elif i - 1 not in starts:
                out.append(x)
        return out
    fails_with(checks.check_merge, student, "overlapping pairs were both merged")


def test_merge_right_to_left_is_recognised():
    def student(ids, pair, new_id):
        out = []
        i = len(ids) - 1
        while i >= 0:
            if i > 0 and (ids[i - 1], ids[i]) == pair:
                out.insert(0, new_id)
                i -= 2
            else:
                out.insert(0, ids[i])
                i -= 1
        return out
    fails_with(checks.check_merge, student, "merged from right to left")


def test_merge_without_skipping_is_recognised():
    def student(ids, pair, new_id):
        out = []
        for i in range(len(ids)):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                out.append(new_id)
            else:
                out.append(ids[i])
        return out
    fails_with(checks.check_merge, student, "did not skip its second element")


def test_merge_of_first_occurrence_only_is_recognised():
    def student(ids, pair, new_id):
        for i in range(len(ids) - 1):
            if (ids[i], ids[i + 1]) == pair:
                return ids[:i] + [new_id] + ids[i + 2:]
        return ids
    fails_with(checks.check_merge, student, "only the first occurrence was merged")


def _merge_by_hand(ids, pair, new_id, stop=0, step=2, first_only=False, compare=lambda a, b, pair: (a, b) == pair):
    out, i, merged = [], 0, False
    while i < len(ids) - stop:
        if i + 1 < len(ids) and not (first_only and merged) and compare(ids[i], ids[i + 1], pair):
            out.append(new_id)
            i += step
            merged = True
        else:
            out.append(ids[i])
            i += 1
    return out


@pytest.mark.parametrize("student, name", [  # (told only the values that differ: wa38)
    (lambda ids, pair, new_id: _merge_by_hand(ids, pair, new_id, stop=1, step=1),
     "last element dropped and second element not skipped"),
    (lambda ids, pair, new_id: _merge_by_hand(ids, pair, new_id, first_only=True,
                                              compare=lambda a, b, pair: a is pair[0] and b is pair[1]),
     "first occurrence only and ids compared with `is`"),
    (lambda ids, pair, new_id: _merge_by_hand(ids, pair, new_id, stop=1, compare=lambda a, b, pair: a == pair[0]),
     "last element dropped and one id of the pair compared"),
    (lambda ids, pair, new_id: _merge_by_hand(ids, pair, new_id, stop=1, compare=lambda a, b, pair: (b, a) == pair),
     "last element dropped and pair read backwards"),
])
def test_two_merge_mistakes_at_once_are_named_after_both(student, name):
    with pytest.raises(CheckFailed) as info:
        checks.check_merge(student)
    assert info.value.mistake == name, str(info.value)
    assert "two mistakes at once" in str(info.value)


# -- bpe_word -------------------------------------------------------------------------------------

def merge_all(symbols, pair):
    out, i = [], 0
    while i < len(symbols):
        if symbols[i:i + 2] == list(pair):
            out.append(pair[0] + pair[1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def test_bpe_word_by_highest_rank_is_recognised():
    def student(symbols, ranks):
        while True:
            candidates = [(ranks[p], p) for p in zip(symbols, symbols[1:]) if p in ranks]
            if not candidates:
                return symbols
            symbols = merge_all(symbols, max(candidates)[1])
    fails_with(checks.check_bpe_word, student, "HIGHEST rank")


def test_bpe_word_first_pair_found_is_recognised():
    def student(symbols, ranks):
        merged = True
        while merged:
            merged = False
            for pair in zip(symbols, symbols[1:]):
                if pair in ranks:
                    symbols = merge_all(symbols, pair)
                    merged = True
                    break
        return symbols
    fails_with(checks.check_bpe_word, student, "first (leftmost) pair")


def test_bpe_word_single_merge_is_recognised():
    def student(symbols, ranks):
        candidates = [(ranks[p], p) for p in zip(symbols, symbols[1:]) if p in ranks]
        return merge_all(symbols, min(candidates)[1]) if candidates else symbols
    fails_with(checks.check_bpe_word, student, "only one merge was applied")


def test_bpe_word_that_loses_the_space_marker_is_recognised():
    def student(symbols, ranks):
        symbols = [s.replace("Ġ", " ") for s in symbols]  # "clean up" the marker: the mistake
        while True:
            candidates = [(ranks[p], p) for p in zip(symbols, symbols[1:]) if p in ranks]
            if not candidates:
                return symbols
            symbols = merge_all(symbols, min(candidates)[1])
    fails_with(checks.check_bpe_word, student, "space marker 'Ġ' was lost")


def test_bpe_word_independent_correct_version_passes(capsys):
    def student(symbols, ranks):
        while True:
            candidates = [(ranks[p], p) for p in zip(symbols, symbols[1:]) if p in ranks]
            if not candidates:
                return symbols
            symbols = merge_all(symbols, min(candidates)[1])
    checks.check_bpe_word(student)
    assert "✓ bpe_word" in capsys.readouterr().out


# -- tokens_to_text ---------------------------------------------------------------------------------

def test_tokens_to_text_decoding_each_token_separately_is_recognised():
    def student(tokens):
        return "".join(bytes(BYTE_DECODER[c] for c in t).decode("utf-8", errors="replace") for t in tokens)
    fails_with(checks.check_tokens_to_text, student, "each token was decoded separately")


def test_tokens_to_text_without_byte_mapping_is_recognised():
    fails_with(checks.check_tokens_to_text, lambda tokens: "".join(tokens), "not mapped back to bytes")


def test_tokens_to_text_replacing_only_the_space_marker_is_recognised():
    fails_with(checks.check_tokens_to_text,
               lambda tokens: "".join(tokens).replace("Ġ", " ").replace("Ċ", "\n"), "only 'Ġ' was turned back")


def test_tokens_to_text_strict_decoding_fails():
    def student(tokens):
        return bytes(BYTE_DECODER[c] for c in "".join(tokens)).decode("utf-8")
    fails_with(checks.check_tokens_to_text, student, "UnicodeDecodeError")


# -- a third round: the red team's wrong answers and their kin, each named ------------------------

def _strict_encode(text, stoi):
    for c in text:
        if c not in stoi:
            raise ValueError(f"unknown character {c!r}")
    return [stoi[c] for c in text]


def _encode_as_numpy(text, stoi):
    import numpy as np
    return list(np.array(_strict_encode(text, stoi)))


def _encode_as_tensor(text, stoi):
    import torch
    return torch.tensor(_strict_encode(text, stoi))


def _merge_generator(ids, pair, new_id):
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            yield new_id
            i += 2
        else:
            yield ids[i]
            i += 1


def _bpe_with_lookup(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        best = min(zip(symbols, symbols[1:]), key=lambda p: ranks[p])
        symbols = ref.merge(symbols, best, best[0] + best[1])
    return symbols


def _merge_from_the_right_one_short(ids, pair, new_id):
    out, i = [], len(ids) - 1
    while i > 0:
        if (ids[i - 1], ids[i]) == tuple(pair):
            out.insert(0, new_id)
            i -= 2
        else:
            out.insert(0, ids[i])
            i -= 1
    return out


THIRD_ROUND = [
    (checks.check_char_encode, lambda text, stoi: _strict_encode(text.lower(), stoi), "case changed"),
    (checks.check_char_encode, lambda text, stoi: [sorted(stoi).index(c) for c in text], "own ids instead of stoi's"),
    (checks.check_char_encode, _encode_as_numpy, "numpy integers instead of ints"),
    (checks.check_char_encode, _encode_as_tensor, "tensor instead of list"),
    (checks.check_char_decode, lambda ids, itos: "".join(itos[i] for i in ids if itos[i] != "\n"), "newlines dropped"),
    (checks.check_char_decode, lambda ids, itos: "".join(chr(i) for i in ids), "chr instead of itos"),
    (checks.check_count_pairs, lambda ids: dict(collections.Counter(zip(ids, ids[2:]))), "pairs two apart"),
    (checks.check_count_pairs, lambda ids: {f"{a},{b}": n for (a, b), n in ref.count_pairs(ids).items()},
     "string keys instead of tuples"),
    (checks.check_count_pairs, lambda ids: dict(collections.Counter((b, a) for a, b in zip(ids, ids[1:]))), "pairs reversed"),
    (checks.check_count_pairs, lambda ids: dict(collections.Counter([tuple(ids[i:i + 2]) for i in range(len(ids))])),
     "last id counted alone"),
    (checks.check_count_pairs, lambda ids: {(a, b): 1.0 * n for (a, b), n in ref.count_pairs(ids).items()}, "float counts"),
    (checks.check_merge, lambda ids, pair, new_id: ref.merge(ids, (pair[1], pair[0]), new_id), "pair read backwards"),
    (checks.check_merge, _merge_generator, "generator instead of list"),
    # from the right with a loop one short: ids[0] is the one dropped (told 'last element dropped and ...', wa39)
    (checks.check_merge, _merge_from_the_right_one_short, "right to left and first element dropped"),
    (checks.check_merge, lambda ids, pair, new_id: map(int, ref.merge(ids, pair, new_id)), "generator instead of list"),
    (checks.check_bpe_word, _bpe_with_lookup, "unranked pair looked up with ranks[...]"),
    (checks.check_bpe_word, lambda symbols, ranks: tuple(ref.bpe_word(symbols, ranks)), "tuple instead of list"),
    # the original BPE's end-of-word marker: told '1 too many' (a loop running once too often), wa37
    (checks.check_bpe_word, lambda symbols, ranks: ref.bpe_word(list(symbols) + ["</w>"], ranks), "end-of-word marker added"),
]


@pytest.mark.parametrize("check, student, mistake", THIRD_ROUND, ids=[f"{m[0].__name__}:{m[2]}" for m in THIRD_ROUND])
def test_third_round_mistakes_are_named(check, student, mistake):
    with pytest.raises(CheckFailed) as info:
        check(student)
    assert info.value.mistake == mistake, str(info.value)
    assert f"Mistake — {mistake}: " in str(info.value)


def test_an_end_of_word_marker_glued_to_the_last_symbol_is_named_in_the_hint():
    # it never merges, as the last pair of range(len(symbols) - 2) is never considered: the same output, so the
    # same name, and the hint names the marker too (it spoke only of the range, which such an answer has right)
    def glued(symbols, ranks):
        return [s.removesuffix("</w>") for s in ref.bpe_word(list(symbols[:-1]) + [symbols[-1] + "</w>"], ranks)]
    with pytest.raises(CheckFailed) as info:
        checks.check_bpe_word(glued)
    assert info.value.mistake == "last pair never considered" and "'</w>'" in str(info.value), str(info.value)


def test_char_encode_that_keeps_the_case_passes_the_cased_case(capsys):
    # the case added for "case changed": both cases of each letter are in the vocabulary
    text, stoi = checks._cased_case()
    assert text != text.lower() and all(c in stoi for c in text.lower() + text.upper())
    checks.check_char_encode(_strict_encode)
    assert "✓ char_encode: all 13 cases" in capsys.readouterr().out


def test_count_pairs_keyed_by_a_namedtuple_is_named_in_the_notebook():
    """An answer's ``count_pairs`` keyed its counts by a namedtuple's ``Pair(a, b)``, equal to ``(a, b)`` and
    of the same hash: the value check passed, and the re-check, which receives plain values only, failed it
    (2026-12-03). The check now says so in the notebook: results are plain Python values."""
    Pair = collections.namedtuple("Pair", ["a", "b"])

    def count_pairs(ids):
        counts = {}
        for a, b in zip(ids, ids[1:]):
            counts[Pair(a, b)] = counts.get(Pair(a, b), 0) + 1
        return counts

    with pytest.raises(CheckFailed, match="keys are Pair, a tuple subclass: return plain tuples as keys"):
        checks.check_count_pairs(count_pairs)


# -- the form test's own check: what is wrong with the form, in words (hon10's w0, 2026-12-03) -----

def test_count_pairs_form_passes_the_reference_and_says_nothing(capsys):
    checks.check_count_pairs_form(ref.count_pairs)
    checks.check_count_pairs_form(lambda ids: dict(collections.Counter(zip(ids, ids[1:]))))
    assert capsys.readouterr().out == ""


def test_count_pairs_form_names_numpy_ints_inside_the_keys_and_the_counts():
    """np.unique gives numpy.int64 ids and counts: the keys are tuples of two ids, but not of Python ints.
    The form test said "keys must be (a, b) tuples of two ids, got [(np.int64(1), np.int64(2)), …]"."""
    import numpy as np

    def count_pairs(ids):
        arr = np.array(ids)
        uniq, counts = np.unique(np.stack([arr[:-1], arr[1:]], axis=1), axis=0, return_counts=True)
        return {tuple(p): c for p, c in zip(uniq, counts)}

    with pytest.raises(CheckFailed) as info:
        checks.check_count_pairs_form(count_pairs)
    assert info.value.mistake == "numpy ints"
    assert "keys must be (a, b) tuples of Python ints; got numpy.int64 inside the tuples" in str(info.value)
    assert "numpy.int64 counts" in str(info.value) and "convert with int(...)" in str(info.value)
    assert "np.int64(1)" not in str(info.value)  # the types, not a dump of the values


def test_count_pairs_form_names_numpy_counts_alone():
    import numpy as np

    def count_pairs(ids):
        return {pair: np.int64(n) for pair, n in collections.Counter(zip(ids, ids[1:])).items()}

    with pytest.raises(CheckFailed) as info:
        checks.check_count_pairs_form(count_pairs)
    assert info.value.mistake == "numpy ints"
    assert "counts must be Python ints; got numpy.int64" in str(info.value)


def test_count_pairs_form_says_what_the_call_raised_and_where():
    def count_pairs(ids):
        counts = {}
        for i in range(len(ids)):
            counts[(ids[i], ids[i + 1])] = counts.get((ids[i], ids[i + 1]), 0) + 1
        return counts

    with pytest.raises(CheckFailed) as info:
        checks.check_count_pairs_form(count_pairs)
    assert "your function raised IndexError" in str(info.value)
    assert "(in count_pairs, line" in str(info.value)


def test_count_pairs_form_keeps_the_messages_of_the_form_test():
    Pair = collections.namedtuple("Pair", ["a", "b"])
    fails_with(checks.check_count_pairs_form, lambda ids: collections.Counter(zip(ids, ids[1:])),
               "count_pairs must return a plain dict, got Counter")
    fails_with(checks.check_count_pairs_form, lambda ids: {Pair(a, b): 1 for a, b in zip(ids, ids[1:])},
               "keys are Pair, a tuple subclass: return plain tuples (a, b)")
    fails_with(checks.check_count_pairs_form, lambda ids: {f"{a},{b}": 1 for a, b in zip(ids, ids[1:])},
               "keys must be (a, b) tuples of two ids")
    fails_with(checks.check_count_pairs_form, lambda ids: {(a, b): 1.0 for a, b in zip(ids, ids[1:])},
               "counts must be Python ints; got float")


def test_char_encode_that_caches_by_text_alone_is_named_and_one_keyed_by_vocabulary_passes(capsys):
    by_text = {}

    def cached_by_text(text, stoi):
        if text not in by_text:
            by_text[text] = ref.char_encode(text, stoi)
        return list(by_text[text])

    by_both = {}

    def cached_by_both(text, stoi):  # a cache that also keys on the vocabulary is honest
        key = (text, tuple(sorted(stoi.items())))
        if key not in by_both:
            by_both[key] = [stoi[c] if c in stoi else ref.char_encode(c, stoi) for c in text]
        return list(by_both[key])

    with pytest.raises(CheckFailed, match="ids kept from an earlier call"):
        checks.check_char_encode(cached_by_text)
    checks.check_char_encode(cached_by_both)
    assert "✓ char_encode" in capsys.readouterr().out


def test_bpe_word_that_takes_rank_zero_for_no_rank_is_named():
    def truthy_rank(symbols, ranks):
        symbols = list(symbols)
        while len(symbols) > 1:
            ranked = [(ranks.get(p), p) for p in zip(symbols, symbols[1:]) if ranks.get(p)]
            if not ranked:
                break
            best = min(ranked)[1]
            symbols = ref.merge(symbols, best, best[0] + best[1])
        return symbols

    with pytest.raises(CheckFailed, match="rank 0 taken as no rank"):
        checks.check_bpe_word(truthy_rank)


def _count_pairs_strict(ids):
    counts = {}
    for pair in zip(ids, ids[1:], strict=True):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def _bpe_pairs_sorted_once(symbols, ranks):
    symbols = list(symbols)
    for pair in sorted(set(zip(symbols, symbols[1:])), key=lambda p: ranks.get(p, float("inf"))):
        if pair not in ranks:
            break
        symbols = ref.merge(symbols, pair, pair[0] + pair[1])
    return symbols


@pytest.mark.parametrize("check, wrong, name", [
    (checks.check_count_pairs, _count_pairs_strict, "zip(..., strict=True) on lists of different lengths"),
    (checks.check_bpe_word, _bpe_pairs_sorted_once, "pairs listed once, before any merge"),
], ids=["zip strict", "pairs listed once"])
def test_wa40_mistakes_are_named(check, wrong, name):  # (told only torch's error or the tokens: wa40)
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)
    assert f"Mistake — {name}: " in str(info.value)


# -- wa44: wrong answers that were unnamed or named as another mistake -----------------------------

def _encode_refusing_empty(text, stoi):
    if not text:
        raise ValueError("nothing to encode")
    return _strict_encode(text, stoi)


def _count_never_increased(ids):
    counts = {}
    for i in range(len(ids) - 1):
        counts[(ids[i], ids[i + 1])] = counts.get((ids[i], ids[i + 1]), 0)
    return counts


def _count_from_i_minus_1(ids):
    counts = {}
    for i in range(len(ids) - 1):
        pair = (ids[i - 1], ids[i])
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def _merge_skip_never_reset(ids, pair, new_id):
    out, skip = [], False
    for i in range(len(ids)):
        if skip:
            continue
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            skip = True
        else:
            out.append(ids[i])
    return out


def _bpe_by_joined_strings(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        ranked = [(ranks[a + b], (a, b)) for a, b in zip(symbols, symbols[1:]) if a + b in ranks]
        if not ranked:
            break
        symbols = ref.merge(symbols, min(ranked)[1], "".join(min(ranked)[1]))
    return symbols


def _bpe_on_utf8_bytes(symbols, ranks):
    return ref.bpe_word([chr(b) for b in "".join(symbols).encode()], ranks)


WA44 = [
    # an empty text refused: was told 'known character reported as unknown' (stoi.values())
    (checks.check_char_encode, _encode_refusing_empty, "empty text refused"),
    # each count 0: was unnamed (only a used-up zip iterator was named so)
    (checks.check_count_pairs, _count_never_increased, "counts never increased"),
    # (ids[i - 1], ids[i]): was told 'a key misnamed'
    (checks.check_count_pairs, _count_from_i_minus_1, "wrapped around and last pair missing"),
    # [] for a short list: was told 'an argument returned unchanged'
    (checks.check_count_pairs, lambda ids: [] if len(ids) < 2 else ref.count_pairs(ids), "a list for a short input"),
    # two ids taken for too few: passed (no case of two ids)
    (checks.check_count_pairs, lambda ids: ref.count_pairs(ids) if len(ids) > 2 else {}, "two ids not counted"),
    # a skip flag never set back: was told '1 too few' and 'the last 1 is missing'
    (checks.check_merge, _merge_skip_never_reset, "nothing kept after the first merge"),
    # pairs looked up as joined strings: was told 'an argument returned unchanged'
    (checks.check_bpe_word, _bpe_by_joined_strings, "nothing merged"),
    # the byte characters encoded again: was unnamed
    (checks.check_bpe_word, _bpe_on_utf8_bytes, "symbols turned into bytes again"),
]


@pytest.mark.parametrize("check, student, mistake", WA44, ids=[m[2] for m in WA44])
def test_wa44_mistakes_are_named(check, student, mistake):
    with pytest.raises(CheckFailed) as info:
        check(student)
    assert info.value.mistake == mistake, str(info.value)
    assert f"Mistake — {mistake}: " in str(info.value)
