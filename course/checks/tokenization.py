"""Self-checks for lesson 01 (tokenization): ``check_char_encode(char_encode)`` and so on.

Each check runs your function and the reference from ``course.tokenization`` on seeded random cases
and, when they differ, names the common mistake your answer looks like.
"""
from __future__ import annotations

import collections
import copy
import functools
import inspect
import itertools
import random
import unicodedata

import torch

from course import tokenization as ref
from course.checks._core import (Mistake, describe, difference, failure, first_named, form_call, missing_name, raised,
                                 run_check, two_at_once)
from course.checks.diagnose import _kind

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALPHABET = LETTERS + " \n.,;:!?'-0123456789éßΩ😀"

SENTENCES = [
    "Your drawing is charmingly anachronistic.",
    "To be, or not to be, that is the question:",
    "I'm sure they'll find it, won't they? 1,234.56 ducats!",
    "Grüße aus Köln — naïve café 👋🏽 日本語のテキスト",
    "Sing, Heav'nly Muse, that on the secret top",
]


# -- characters -------------------------------------------------------------------------------

def _char_cases(count: int = 12, seed: int = 0):
    rng = random.Random(seed)
    cases = []
    for n in range(count):
        chars = rng.sample(ALPHABET, rng.randint(4, 20))
        ids = rng.sample(range(len(chars) + 10), len(chars))  # ids in no particular order
        stoi = dict(zip(chars, ids))
        length = 0 if n == 0 else rng.randint(1, 30)
        cases.append(("".join(rng.choice(chars) for _ in range(length)), stoi))
    return cases


def _cased_case():
    # both cases of each letter in the vocabulary: a text whose case was changed is still encodable
    rng = random.Random(7)
    chars = list("aAbBdDsS ,.\n\r")
    stoi = dict(zip(chars, rng.sample(range(len(chars) + 5), len(chars))))
    # (with a space first and a newline last, and a Windows line end, "\r\n": they are characters too)
    return (" Bad dAds,\r\nsad Abs.\n", stoi)


def _own_ids(order):
    """char_encode numbering the characters itself, in ``order(text, stoi)``, instead of using stoi's ids."""
    def encode(text, stoi):
        vocab = {c: i for i, c in enumerate(order(text, stoi))}
        return [vocab[c] for c in text]
    return encode


def _regex():
    """The ``regex`` module the lesson imports as ``re`` (its \\w also takes combining marks), else ``re``."""
    try:
        import regex
    except ImportError:  # pragma: no cover (a course dependency)
        import re as regex
    return regex


def _none_when_short(reference, shortest: int):
    """A wrong version of ``reference`` that returns None when its first argument has fewer than
    ``shortest`` items (``if not text: return None``, ``if len(ids) < 2: return None``), else the right
    result: an early return for an empty input that hands back nothing instead of an empty result."""
    def wrong(first, *rest):
        return None if len(first) < shortest else reference(first, *rest)
    return wrong


def _empty_gives_none(reference, empty: str, shortest: tuple[int, ...] = (1,)) -> list[Mistake]:
    return [Mistake("None for an empty input", f"your function returned None for an empty (or very short) input, and the "
                    f"right result otherwise: an input with nothing in it still has a result, {empty}. Drop "
                    f"the early `return None` (the loop simply runs zero times), or return {empty} there.",
                    _none_when_short(reference, n)) for n in shortest]


def _numpy_ints(text, stoi):
    import numpy as np
    return list(np.array([stoi[c] for c in text], dtype=np.int64))


class _UnknownCharacter(Exception):
    pass


_UTF8_BYTES = ("UTF-8 bytes instead of characters", "text.encode(\"utf-8\") gives bytes, and a character outside "
               "ASCII takes two to four of them ('é' is 195 169): the vocabulary holds characters, so walk over "
               "the str itself, [stoi[c] for c in text].")


_GRAPHEMES = ("grapheme clusters, not characters", "re.findall(r\"\\X\", text) splits the text into graphemes, "
              "what a reader sees as one letter: '\\r\\n', or 'e' followed by a combining accent, is one grapheme "
              "but two characters, each with its own id in stoi. Iterate over the string itself, for ch in text.")


def _graphemes(text: str) -> list[str] | None:
    try:
        import regex
    except ImportError:
        return None
    return regex.findall(r"\X", text)


def _reads_bytes(char_encode, text, stoi) -> bool:
    """Whether ``char_encode`` looks up the text's UTF-8 bytes as characters (``chr(b)``, or the bytes
    decoded as Latin-1), not its characters: given a vocabulary that also holds each byte as a
    character, it returns their ids."""
    data = text.encode("utf-8")
    start = max(stoi.values(), default=0) + 1
    vocabulary = {**stoi, **{chr(b): start + b for b in data if chr(b) not in stoi}}
    try:
        got = char_encode(text, dict(vocabulary))
    except Exception:
        return False
    return difference([vocabulary[chr(b)] for b in data], got) is None


def _refuses_non_ascii(char_encode, text, stoi) -> bool:
    """Whether ``char_encode`` refuses ``text`` for its characters outside ASCII alone: each of them is
    in ``stoi``, and the same text without them is encoded right (``if not text.isascii(): raise``)."""
    plain = "".join(c for c in text if c.isascii())
    if text.isascii() or not plain or any(c not in stoi for c in text):
        return False
    try:
        got = char_encode(plain, dict(stoi))
    except Exception:
        return False
    return difference(ref.char_encode(plain, stoi), got) is None


def _reads_graphemes(char_encode, text, stoi) -> bool:
    """Whether ``char_encode`` looks up graphemes (regex's \\X), not characters: given a vocabulary that also
    holds the text's graphemes of several characters, it returns their ids."""
    graphemes = _graphemes(text)
    wide = list(dict.fromkeys(g for g in graphemes or () if len(g) > 1))
    if not wide:
        return False
    start = max(stoi.values(), default=0) + 1
    vocabulary = {**stoi, **{g: start + n for n, g in enumerate(wide)}}
    try:
        got = char_encode(text, dict(vocabulary))
    except Exception:
        return False
    return difference([vocabulary.get(g) for g in graphemes], got) is None


def _passes_without_id_0(char_encode, text, stoi) -> bool:
    """Whether ``char_encode`` gets ``text`` right once no character's id is 0 (every id one higher)."""
    shifted = {c: i + 1 for c, i in stoi.items()}
    try:
        got = char_encode(text, dict(shifted))
    except Exception:
        return False
    return difference(ref.char_encode(text, shifted), got) is None


def _check_another_vocabulary(char_encode, text, stoi) -> None:
    """A text the check gave before, now with another vocabulary (the same characters, their ids in
    reverse): the ids must be the new vocabulary's. A result kept from the earlier call (a cache keyed
    by the text alone) still gives the old ones."""
    other = dict(zip(stoi, reversed(list(stoi.values()))))
    where = f"char_encode: the text {text!r} again, now with another stoi {other}"
    try:
        got = char_encode(text, dict(other))
    except Exception as error:
        raise failure(where, raised(error), missing_name(error)) from None
    expected = ref.char_encode(text, other)
    problem = difference(expected, got)
    if problem is None:
        return
    kept = difference(ref.char_encode(text, stoi), got) is None
    raise failure(where, problem, Mistake(
        "ids kept from an earlier call", "your function returned the ids the same text had with the "
        "earlier vocabulary: the result depends on stoi too. Look every character up in the stoi you are "
        "given (a cache keyed by the text alone, or a vocabulary kept from the first call, ignores it).")
        if kept else None, expected=describe(expected, True), got=describe(got, True))


def check_char_encode(char_encode) -> None:
    """``char_encode(text, stoi) -> list[int]``; a character not in ``stoi`` raises a ``ValueError``
    whose message names it (the course's policy: not a bare ``KeyError``, not skipped, not None)."""
    name = "char_encode"
    cases = _char_cases()
    cases.insert(1, _cased_case())
    # an accent written as two characters, 'e' and U+0301 (the combining acute accent), beside the text's
    # one-character 'é': each has its own id, and a text normalised (NFC, NFD) before encoding changes them
    text, stoi = cases[-1]
    cases[-1] = (text + "e\u0301", {**stoi, "\u0301": len(stoi) + 10})
    own_ids = ("own ids instead of stoi's", "you numbered the characters yourself (enumerate over sorted(set(text)), "
               "or over stoi's keys); the ids are given: look each character up in stoi, stoi[c].")
    mistakes = [
        Mistake("code points instead of ids", "you returned Unicode code points (ord). Look each character "
                "up in stoi instead: stoi[c].", lambda text, stoi: [ord(c) for c in text]),
        Mistake("characters instead of ids", "you returned the characters themselves; return their ids, "
                "stoi[c].", lambda text, stoi: list(text)),
        *[Mistake("whitespace skipped", "spaces and newlines are characters too and need their ids.",
                  lambda text, stoi, skipped=skipped: [stoi[c] for c in text if not skipped(c)])
          for skipped in (str.isspace, lambda c: c in " \n", lambda c: c in " \n\t")],
        Mistake("one id per distinct character", "you returned one id per distinct character (a set loses "
                "repeats and order): return one id for every character of the text, in order.",
                lambda text, stoi: [stoi[c] for c in dict.fromkeys(text)]),
        Mistake("one id per distinct character", "you returned one id per distinct character (a set loses "
                "repeats and order): return one id for every character of the text, in order.",
                lambda text, stoi: [stoi[c] for c in set(text)]),
        Mistake("tuple instead of list", "return a list of ids ([stoi[c] for c in text]), not a tuple.",
                lambda text, stoi: tuple(stoi[c] for c in text)),
        Mistake("ids as strings", "your ids are strings; stoi maps a character to an int: return stoi[c], "
                "not str(stoi[c]).", lambda text, stoi: [str(stoi[c]) for c in text]),
        Mistake(*own_ids, _own_ids(lambda text, stoi: sorted(set(text)))),
        Mistake(*own_ids, _own_ids(lambda text, stoi: dict.fromkeys(text))),
        Mistake(*own_ids, _own_ids(lambda text, stoi: sorted(stoi))),
        Mistake(*own_ids, _own_ids(lambda text, stoi: list(stoi))),
        *[Mistake("case changed", "'A' and 'a' are different characters with ids of their own: encode the text "
                  "as it is, without .lower() or .upper().", lambda text, stoi, how=how: [stoi[c] for c in how(text)])
          for how in (str.lower, str.upper)],
        Mistake("last character dropped", "the last character has an id too: loop over every character, "
                "for c in text (range(len(text)), not range(len(text) - 1)).",
                lambda text, stoi: [stoi[c] for c in text[:-1]]),
        *_empty_gives_none(ref.char_encode, "an empty list []"),
        Mistake("only word characters kept", "re.findall(r'\\w', text) keeps letters, digits and '_' only: "
                "spaces, punctuation and newlines are characters too, with ids of their own. Encode every "
                "character of the text, for c in text.",
                lambda text, stoi: [stoi[c] for c in _regex().findall(r"\w", text)]),
        Mistake("tensor instead of list", "return a plain list of ints, [stoi[c] for c in text], not "
                "torch.tensor(...) of it.", lambda text, stoi: torch.tensor([stoi[c] for c in text])),
        Mistake("tensor instead of list", "return a plain list of ints, [stoi[c] for c in text], not "
                "torch.tensor(...) of it.", lambda text, stoi: torch.tensor([stoi[c] for c in text], dtype=torch.long)),
        Mistake("numpy integers instead of ints", "list(np.array(...)) holds numpy int64 values, not Python ints: "
                "return [stoi[c] for c in text] (or call .tolist() on the array).", _numpy_ints, credit=0.5),
        Mistake(*_UTF8_BYTES, lambda text, stoi: list(text.encode("utf-8"))),
        Mistake("text stripped", "the spaces and newlines at the start and end of the text are characters too, "
                "with ids of their own: encode the text as it is, without .strip().",
                lambda text, stoi: [stoi[c] for c in text.strip()]),
        *[Mistake("line ends changed", "\\r is a character too, with an id of its own: a text with Windows "
                  "line ends (\"\\r\\n\") must come back as it was, so encode it as it is, without replacing "
                  "or splitting its line ends.", lambda text, stoi, new=new: [stoi[c] for c in text.replace("\r\n", new)])
          for new in ("\n", "")],
        *[Mistake("text normalised", "the ids are for the characters as given: 'e' followed by a combining accent "
                  "(U+0301) is two characters with two ids, and unicodedata.normalize makes them one 'é' (or splits "
                  "an 'é' in two). Encode the text as it is, without normalising it.",
                  lambda text, stoi, form=form: [stoi[c] for c in unicodedata.normalize(form, text)])
          for form in ("NFC", "NFKC", "NFD", "NFKD")],
        # (a character whose id is 0 reported as unknown: the same text passes once no id is 0)
        Mistake("id 0 taken as unknown", "a character whose id is 0 is in the vocabulary, but `if not stoi.get(ch)` "
                "is True for 0 as for None: test `if ch not in stoi:`.", error="",
                on=lambda text, stoi: any(stoi[c] == 0 for c in text if c in stoi)
                and _passes_without_id_0(char_encode, text, stoi)),
        # (regex's \X: '\r\n', or 'e' and a combining accent, is one grapheme and two characters; recognised
        # when the answer passes once the vocabulary holds those graphemes too)
        Mistake(*_GRAPHEMES, error="", on=lambda text, stoi: _reads_graphemes(char_encode, text, stoi)),
        Mistake(_GRAPHEMES[0], "\\X, a grapheme ('\\r\\n', or 'e' followed by a combining accent), is the regex "
                "module's, not the standard library re's, and a grapheme can be two characters anyway, each with its "
                "own id in stoi: iterate over the string itself, for ch in text.", error="bad escape \\X"),
        # (an error only on a text outside ASCII: the bytes' doing when the answer passes once the vocabulary
        # holds each byte as a character too, else a refusal of every character outside ASCII)
        Mistake(*_UTF8_BYTES, error="", on=lambda text, stoi: not text.isascii()
                and any(chr(b) not in stoi for b in text.encode("utf-8")) and _reads_bytes(char_encode, text, stoi)),
        Mistake("text outside ASCII refused", "every character of this text is in stoi, yet your function "
                "refused it for its characters outside ASCII (text.isascii(), ord(ch) < 128, string.printable): "
                "'é', '日' and '🙂' are characters like 'a', with ids of their own. Refuse only a character "
                "that is not in stoi: `if ch not in stoi: raise ValueError(...)`.", error="",
                on=lambda text, stoi: _refuses_non_ascii(char_encode, text, stoi)),
        Mistake("empty text refused", "an empty text is a text like any other, with no characters: it encodes to "
                "the empty list []. Raise ValueError only for a character that is not in stoi, not for `if not text`.",
                error="ValueError", on=lambda text, stoi: text == ""),
        # (last: the more particular reasons for a ValueError on a known character come first)
        Mistake("known character reported as unknown", "every character of this text is in stoi, yet your "
                "function raised ValueError: test `if ch not in stoi` (its keys, the characters), not "
                "`ch not in stoi.values()` (the ids) or another collection.", error="ValueError",
                on=lambda text, stoi: all(c in stoi for c in text)),
    ]
    run_check(name, char_encode, ref.char_encode, cases, mistakes, quiet=True, unchanged=True)
    _check_another_vocabulary(char_encode, *cases[2])
    stoi = {"a": 0, "b": 1, "c": 2}
    # 'Z' first (each wrong kind of error is told there), then a character outside ASCII, as the hidden tests'
    # 'ü', '日本' and '🙂': named by itself, not by the escapes that ascii(ch), ch.encode() or
    # ch.encode("unicode_escape") write for it ('\\xfc', b'\\xc3\\xbc'), which write 'Z' as 'Z' (wa42)
    for text, unknown in (("abcZa", "Z"), ("abüa", "ü")):
        _check_unknown_character(char_encode, text, stoi, unknown)
    print(f"✓ {name}: all {len(cases)} cases match the reference, and an unknown character raises "
          f"a ValueError naming it.")


def _check_unknown_character(char_encode, text, stoi, unknown) -> None:
    """``char_encode(text, stoi)`` raises a ValueError whose message names ``unknown``, the character of
    ``text`` that ``stoi`` lacks."""
    name = "char_encode"
    where = f"{name}: text {text!r} with stoi {stoi} (no {unknown!r} in it)"
    try:
        got = char_encode(text, dict(stoi))
    except ValueError as error:
        if unknown not in str(error):
            escaped = not unknown.isascii() and any(
                form in str(error) for form in (ascii(unknown)[1:-1], str(unknown.encode("utf-8"))[2:-1]))
            raise failure(where, f"your function raised ValueError: {error}", Mistake(
                "error does not name the character", "the message should name the unknown character, "
                "e.g. f\"character {ch!r} is not in the vocabulary\", so the reader knows what to fix." + (
                    "" if not escaped else f" Yours writes {unknown!r} as the escape of its code (ascii(ch), ch.encode() "
                    f"or 'unicode_escape' give that): write the character itself, {{ch!r}}."))) from None
    except KeyError as error:
        raise failure(where, f"your function raised KeyError: {error}", Mistake(
            "KeyError instead of ValueError", "an unknown character is a bad value, not a missing key of "
            "yours: check `if ch not in stoi` and raise ValueError(f\"character {ch!r} is not in the "
            "vocabulary\")."), expected=f"ValueError naming {unknown!r}") from None
    except Exception as error:
        if isinstance(error, AssertionError):
            mistake = Mistake("assert instead of ValueError", "assert is for checking your own code (python -O "
                              "even removes it); a character outside the vocabulary is a bad input: "
                              "`if ch not in stoi: raise ValueError(f\"character {ch!r} is not in the vocabulary\")`.")
        else:
            mistake = Mistake("wrong exception type", f"an unknown character must raise ValueError (a bad "
                              f"value), not {type(error).__name__}: raise ValueError(f\"character {{ch!r}} is "
                              f"not in the vocabulary\").")
        raise failure(where, raised(error),
                      mistake, expected=f"ValueError naming {unknown!r}") from None
    else:
        skipped = difference([0, 1, 2, 0], got) is None
        raise failure(where, f"your function returned {describe(got)}", Mistake(
            "unknown character skipped" if skipped else "unknown character not reported",
            "a character that is not in the vocabulary must raise ValueError naming it, not be "
            "skipped or turned into None."), expected=f"ValueError naming {unknown!r}")


def _by_position(ids, chars):
    """char_decode reading chars[i] (a list made from itos's values) in place of itos[i]. Where the student's
    version raises IndexError this one gives U+FFFF, so that an answer with a result there (itos[i - 1], which
    agrees with it on a small case) is not taken for it."""
    return "".join(chars[i] if i < len(chars) else "\uffff" for i in ids)


def check_char_decode(char_decode) -> None:
    """``char_decode(ids, itos) -> str``."""
    cases = [(ref.char_encode(text, stoi), {i: c for c, i in stoi.items()}) for text, stoi in _char_cases(seed=1)]
    mistakes = [
        Mistake("id 0 skipped", "0 is an id like any other (here the vocabulary's first character), not "
                "padding: `if i` or `if i != 0` drops it; decode every id.",
                lambda ids, itos: "".join(itos[i] for i in ids if i)),
        Mistake("id 0 taken as the end", "0 is an id like any other (here the vocabulary's first character), not "
                "an end-of-text mark: `if i == 0: break` stops at it; decode every id.",
                lambda ids, itos: "".join(itos[i] for i in (ids[:ids.index(0)] if 0 in ids else ids))),
        *[Mistake("itos read by position", "itos is a dict from each id to its character, and the ids need not "
                  "follow the order of its values (or of the sorted characters): look each id up as a key, itos[i], "
                  "not list(itos.values())[i] or sorted(...)[i].", lambda ids, itos, order=order: _by_position(
                      ids, order(itos.values()))) for order in (list, sorted)],
        Mistake("ids shifted by one", "ids count from 0, as itos's keys do: look each id up as it is, itos[i], "
                "not itos[i - 1].", lambda ids, itos: "".join(itos[i - 1] for i in ids), same_error=True),
        Mistake("ids shifted by one", "ids count from 0, as itos's keys do: look each id up as it is, itos[i], "
                "not itos[i - 1].", lambda ids, itos: "".join(itos[i - 1] for i in ids)),
        Mistake("joined with spaces", "join the characters with nothing in between: ''.join(...).",
                lambda ids, itos: " ".join(itos[i] for i in ids)),
        *[Mistake("joined with a separator", f"the characters were joined with {sep!r} between them: the text's own "
                  f"spaces and newlines are characters with ids of their own, so join with nothing in between: "
                  f"''.join(itos[i] for i in ids).", lambda ids, itos, sep=sep: sep.join(itos[i] for i in ids))
          for sep in ("\n", ",", ", ", "|")],
        Mistake("ids looked up as strings", "itos's keys are the ids themselves, ints: look each id up as it is, "
                "itos[i], not itos[str(i)] (string keys are what a vocabulary read back from JSON has).",
                lambda ids, itos: "".join(itos[str(i)] for i in ids), same_error=True),
        Mistake("last id not decoded", "the last id was left out: decode every id, for i in ids (a while "
                "loop runs while i < len(ids), not len(ids) - 1).",
                lambda ids, itos: "".join(itos[i] for i in ids[:-1])),
        Mistake("list instead of string", "you returned a list of characters; join them into one string "
                "with ''.join(...).", lambda ids, itos: [itos[i] for i in ids]),
        Mistake("list instead of string", "you returned a tuple of characters; join them into one string "
                "with ''.join(...).", lambda ids, itos: tuple(itos[i] for i in ids)),
        Mistake("first id not decoded", "the first id was left out (ids[1:], or a loop from 1): it is a character of "
                "the text like the others, not a start mark; decode every id, ''.join(itos[i] for i in ids).",
                lambda ids, itos: "".join(itos[i] for i in ids[1:])),
        Mistake("string of the ids", "you turned the ids themselves into text (str(i)); look each id up "
                "in itos.", lambda ids, itos: "".join(str(i) for i in ids)),
        Mistake("reversed", "the text came out backwards: decode the ids in order.",
                lambda ids, itos: "".join(itos[i] for i in reversed(ids))),
        Mistake("decoded text stripped", "spaces and newlines at the ends were stripped: they are characters "
                "of the text too; return ''.join(...) as it is, without .strip().",
                lambda ids, itos: "".join(itos[i] for i in ids).strip()),
        Mistake("newlines dropped", "the newlines were removed (splitlines() or replace('\\n', '')): a newline "
                "is a character of the text too; return ''.join(itos[i] for i in ids) as it is.",
                lambda ids, itos: "".join(itos[i] for i in ids).replace("\n", "")),
        Mistake("whitespace dropped", "the spaces and newlines were removed (split() and join): they are "
                "characters of the text too; return ''.join(itos[i] for i in ids) as it is.",
                lambda ids, itos: "".join("".join(itos[i] for i in ids).split())),
        Mistake("chr instead of itos", "chr(i) gives the character with Unicode code point i, but these ids are "
                "the vocabulary's own: look each id up in itos, itos[i].", lambda ids, itos: "".join(map(chr, ids))),
        Mistake("one character per distinct id", "you decoded each distinct id once (a set loses repeats and "
                "order): decode every id of the list, in order.", lambda ids, itos: "".join(itos[i] for i in set(ids))),
        Mistake("one character per distinct id", "you decoded each distinct id once (a set loses repeats and "
                "order): decode every id of the list, in order.",
                lambda ids, itos: "".join(itos[i] for i in dict.fromkeys(ids))),
        Mistake("ids sorted", "the ids are the text in order: decode them as they come, ''.join(itos[i] for i "
                "in ids), without sorted(ids).", lambda ids, itos: "".join(itos[i] for i in sorted(ids))),
        Mistake("repeated characters collapsed", "a character repeated in the text (as in 'hello') is one id per "
                "occurrence: decode every id, ''.join(itos[i] for i in ids), without skipping an id equal to the "
                "one before it.", lambda ids, itos: "".join(
                    itos[i] for n, i in enumerate(ids) if n == 0 or itos[i] != itos[ids[n - 1]])),
        Mistake("itos inverted", "itos already maps each id to its character: look the ids up as they are, "
                "itos[i]. Inverting it ({ch: i for i, ch in itos.items()}) gives stoi back, where the ids are "
                "not keys.", lambda ids, itos: "".join({c: i for i, c in itos.items()}[i] for i in ids), same_error=True),
        Mistake("str() of a list", "str([...]) writes the list itself, brackets, quotes and commas: join the "
                "characters instead, ''.join(itos[i] for i in ids).", lambda ids, itos: str([itos[i] for i in ids])),
    ]
    run_check("char_decode", char_decode, ref.char_decode, cases, mistakes, unchanged=True)


# -- counting and merging pairs -----------------------------------------------------------------

def _id_lists(count: int, seed: int):
    rng = random.Random(seed)
    return [[rng.randint(0, 4) for _ in range(rng.randint(3, 16))] for _ in range(count)]


def _count_in_text(sep):
    """count_pairs counting each pair's spelling in the ids joined by ``sep`` (str.count: no overlaps)."""
    def wrong(ids):
        text = sep.join(str(i) for i in ids)
        return {(a, b): text.count(f"{a}{sep}{b}") for a, b in zip(ids, ids[1:])}
    return wrong


def check_count_pairs(count_pairs) -> None:
    """``count_pairs(ids) -> dict[tuple[int, int], int]``: a plain ``dict`` (the course's policy: a
    ``Counter`` or ``defaultdict`` is turned into one with ``dict(...)`` before it is returned)."""
    # The first case tells the mistakes below apart; then the edge cases, then random lists.
    cases = [([1, 2, 1, 2, 1, 2, 3],), ([5, 5, 5],), ([],), ([7],), ([3, 1, 3, 1],)]
    cases += [(ids,) for ids in _id_lists(12, seed=2)]
    cases += [([256, 300, 256, 300, 1000, 3],)]  # merged tokens have ids from 256 up
    cases += [([4, 9],)]  # two ids, one pair: the shortest list that has one
    mistakes = [
        Mistake("ids limited to 0–255", "after a merge the ids are 256 and up (the new tokens): count into a dict "
                "keyed by the pair, not a fixed 256 × 256 table or list.", error="IndexError",
                on=lambda ids: max(ids, default=0) >= 256),
        Mistake("zip(..., strict=True) on lists of different lengths", "ids[1:] is one shorter than ids, so "
                "zip(ids, ids[1:], strict=True) raises at the end: strict=True is for lists that must have the same "
                "length. Leave it out, zip(ids, ids[1:]), which stops at the shorter one, after the last pair.",
                error="zip() argument 2 is shorter than argument 1"),
        Mistake("Counter instead of dict", "the counts are right, but you returned a collections.Counter; "
                "the exercise asks for a plain dict: return dict(counts).",
                lambda ids: collections.Counter(ref.count_pairs(ids)), credit=0.5),
        Mistake("defaultdict instead of dict", "the counts are right, but you returned a defaultdict; the "
                "exercise asks for a plain dict: return dict(counts).",
                lambda ids: collections.defaultdict(int, ref.count_pairs(ids)), credit=0.5),
        Mistake("triples instead of pairs", "zip(ids, ids[1:], ids[2:]) gives runs of THREE ids: a pair is two "
                "neighbours, zip(ids, ids[1:]), and each key the tuple (a, b).",
                lambda ids: dict(collections.Counter(zip(ids, ids[1:], ids[2:])))),
        Mistake("nested dict", "you counted into a dict of dicts, counts[a][b]: the exercise asks for one flat "
                "dict keyed by the pair itself, counts[(a, b)] (merge() and max(counts, key=counts.get) read it "
                "that way).", _count_nested),
        Mistake("last pair missing", "the pairs are (ids[i], ids[i + 1]) for i from 0 to len(ids) - 2 "
                "inclusive, i.e. range(len(ids) - 1), or zip(ids, ids[1:]).",
                lambda ids: ref.count_pairs(ids[:-1])),
        Mistake("first pair missing", "the pair (ids[0], ids[1]) was not counted: the pairs start at "
                "position 0, so loop over range(len(ids) - 1) (or zip(ids, ids[1:])), not from 1.",
                lambda ids: ref.count_pairs(ids[1:])),
        Mistake("every second position", "count every adjacent pair, overlapping ones too: [5, 5, 5] has "
                "the pair (5, 5) twice.", _count_every_second),
        Mistake("presence instead of counts", "every pair got the count 1: count how many times each pair "
                "occurs, not only whether it does.", lambda ids: {pair: 1 for pair in zip(ids, ids[1:])}),
        Mistake("single ids counted", "you counted the ids one by one; count the pairs of neighbours "
                "(ids[i], ids[i + 1]).", lambda ids: dict(collections.Counter(ids))),
        Mistake("wrapped around", "the last id was paired with the first: a sequence has len(ids) - 1 "
                "pairs, zip(ids, ids[1:]), not a cycle.",
                lambda ids: dict(collections.Counter(zip(ids, ids[1:] + ids[:1])))),
        Mistake("pairs sorted", "(a, b) and (b, a) are different pairs: keep each pair in the order "
                "it appears.", lambda ids: dict(collections.Counter(tuple(sorted(p)) for p in zip(ids, ids[1:])))),
        Mistake("pairs sorted", "(a, b) and (b, a) are different pairs, and a set (or frozenset) forgets which "
                "came first: key the counts by the tuple (a, b), in the order the ids appear.",
                lambda ids: dict(collections.Counter(frozenset(p) for p in zip(ids, ids[1:])))),
        Mistake("list of pairs instead of dict", "you returned the (pair, count) items as a list, most "
                "frequent first (most_common or sorted); return the dict itself, {(a, b): count}: "
                "max(counts, key=counts.get) finds the most frequent pair later.",
                lambda ids: collections.Counter(zip(ids, ids[1:])).most_common()),
        Mistake("pairs of equal ids left out", "a pair of two equal ids, such as (5, 5), is a pair like any "
                "other (BPE merges 'l' + 'l' and runs of spaces): count every adjacent pair, without an "
                "`if a != b`.", lambda ids: dict(collections.Counter(p for p in zip(ids, ids[1:]) if p[0] != p[1]))),
        Mistake("overlapping repeats skipped", "after a repeated pair such as (5, 5) you jumped two positions: "
                "counting is not merging, every adjacent pair counts, overlapping ones too ([5, 5, 5] has "
                "(5, 5) twice).", _count_skipping_repeats),
        Mistake("ran past the end", "the last pair starts at position len(ids) - 2, so ids[i + 1] does not "
                "exist for i = len(ids) - 1: loop over range(len(ids) - 1), or zip(ids, ids[1:]).",
                error="IndexError", on=lambda ids: len(ids) > 1),
        Mistake("empty list not handled", "an empty list has no ids[0] to start from: it has no pairs, so return {} "
                "for it (or loop over zip(ids, ids[1:]), which is simply empty then, instead of reading ids[0] first).",
                error="IndexError", on=lambda ids: len(ids) == 0),
        Mistake("pairs two apart", "a pair is two NEIGHBOURS, (ids[i], ids[i + 1]): zip(ids, ids[1:]), not "
                "zip(ids, ids[2:]).", lambda ids: dict(collections.Counter(zip(ids, ids[2:])))),
        Mistake("pairs reversed", "each key is (first, second) in the order the ids come: (ids[i], ids[i + 1]), "
                "not (ids[i + 1], ids[i]).", lambda ids: dict(collections.Counter(zip(ids[1:], ids)))),
        Mistake("ids sorted first", "sorting the ids loses their order, and the pairs are neighbours in the "
                "sequence as given: count zip(ids, ids[1:]) without sorting.",
                lambda ids: ref.count_pairs(sorted(ids))),
        Mistake("pairs that never occur included", "only the pairs that occur belong in the dict: don't fill "
                "in every possible pair with 0 first; counts.get(pair, 0) + 1 adds a pair when it is first seen.",
                lambda ids: {**{(a, b): 0 for a in set(ids) for b in set(ids)}, **ref.count_pairs(ids)}),
        Mistake("pairs that never occur included", "only the pairs that occur belong in the dict: don't fill "
                "in every possible pair with 0 first; counts.get(pair, 0) + 1 adds a pair when it is first seen.",
                lambda ids: {**{(a, b): 0 for a in range(max(ids) + 1) for b in range(max(ids) + 1)},
                             **ref.count_pairs(ids)}),
        *[Mistake("string keys instead of tuples", "the keys must be the pairs themselves, tuples (a, b), as "
                  "merge and max(counts, key=counts.get) use them: counts[(a, b)], not a string made from them.",
                  lambda ids, key=key: dict(collections.Counter(key(a, b) for a, b in zip(ids, ids[1:]))))
          for key in (lambda a, b: f"{a},{b}", lambda a, b: f"{a}, {b}", lambda a, b: f"{a} {b}",
                      lambda a, b: str((a, b)), lambda a, b: f"{a}{b}", lambda a, b: f"{a}-{b}")],
        *[Mistake("counted in the text", "you counted each pair's spelling in the ids joined into a string: "
                  "str.count skips overlapping repeats ('5 5 5' holds '5 5' once) and also finds '1 2' inside "
                  "'11 2'. Count the neighbouring pairs themselves: for a, b in zip(ids, ids[1:]): "
                  "counts[(a, b)] = counts.get((a, b), 0) + 1.", _count_in_text(sep))
          for sep in (" ", ",", ", ", "-", "")],
        Mistake("float counts", "the counts are floats (2.0): start each count at the int 0, "
                "counts.get(pair, 0) + 1, not 0.0.", lambda ids: {p: float(n) for p, n in ref.count_pairs(ids).items()}),
        Mistake("first occurrence not counted", "each count is one short: a pair seen for the first time has "
                "been seen once, so start it at 1 (counts[pair] = counts.get(pair, 0) + 1), not at 0.",
                lambda ids: {p: n - 1 for p, n in ref.count_pairs(ids).items()}),
        Mistake("last id counted alone", "tuple(ids[i:i + 2]) at the last position is a pair of one id, "
                "(ids[-1],): loop over range(len(ids) - 1), or zip(ids, ids[1:]).",
                lambda ids: {**ref.count_pairs(ids), **({(ids[-1],): 1} if ids else {})}),
        Mistake("frequencies instead of counts", "you divided the counts by the number of pairs (or of ids): "
                "count_pairs gives how many times each pair occurs, an int.",
                lambda ids: {p: n / (len(ids) - 1) for p, n in ref.count_pairs(ids).items()}),
        Mistake("frequencies instead of counts", "you divided the counts by the number of pairs (or of ids): "
                "count_pairs gives how many times each pair occurs, an int.",
                lambda ids: {p: n / len(ids) for p, n in ref.count_pairs(ids).items()}),
        Mistake("list as a key", "a list cannot be a dict key: use the tuple (ids[i], ids[i + 1]) (or "
                "tuple(ids[i:i + 2])) as the pair.", error="unhashable type: 'list'"),
        Mistake("every count one too high", "a pair seen for the first time counts 1: counts.get(pair, 0) + 1, "
                "not counts.get(pair, 1) + 1.", lambda ids: {p: n + 1 for p, n in ref.count_pairs(ids).items()}),
        Mistake("return inside the loop", "the function returned after the first pair: the `return` belongs "
                "after the loop, not inside it (check its indentation).",
                lambda ids: {(ids[0], ids[1]): 1} if len(ids) > 1 else {}),
        Mistake("new key in a plain dict", "counts[pair] += 1 reads the pair's count first, and a plain dict has "
                "no count for a pair it has not seen yet (KeyError): write counts[pair] = counts.get(pair, 0) + 1, "
                "or count with collections.Counter and return dict(...) of it.", _count_plain_dict, same_error=True),
        Mistake("pairs seen once left out", "every pair that occurs belongs in the dict, also the pairs seen only "
                "once (count 1): don't filter with `if count > 1`; the most frequent pair is chosen later, with "
                "max(counts, key=counts.get).", lambda ids: {p: n for p, n in ref.count_pairs(ids).items() if n > 1}),
        *[Mistake("only the most common pairs", "count_pairs returns EVERY pair that occurs with its count, not the "
                  "few most frequent: return dict(counter), not dict(counter.most_common(k)).",
                  lambda ids, k=k: dict(collections.Counter(zip(ids, ids[1:])).most_common(k))) for k in range(1, 11)],
        Mistake("positions instead of counts", "each pair's value must be how many times it occurs, an int, not the "
                "list of the positions where it occurs: counts[pair] = counts.get(pair, 0) + 1 (or len(...) of "
                "your list).", lambda ids: {p: [i for i, q in enumerate(zip(ids, ids[1:])) if q == p]
                                            for p in ref.count_pairs(ids)}),
        *[Mistake("repeated ids removed first", "removing the repeated ids (set(ids), dict.fromkeys(ids)) changes "
                  "the sequence and loses its pairs: count zip(ids, ids[1:]) on the ids as given.",
                  lambda ids, unique=unique: ref.count_pairs(unique(ids)))
          for unique in (lambda ids: list(dict.fromkeys(ids)), lambda ids: list(set(ids)))],
        *[Mistake("count of one id, not of the pair", "each value must count the PAIR (a, b), how many times a is "
                  "directly followed by b, not how often a (or b) occurs on its own (ids.count(a)): "
                  "counts[(a, b)] = counts.get((a, b), 0) + 1 for a, b in zip(ids, ids[1:]).",
                  lambda ids, which=which: {(a, b): ids.count((a, b)[which]) for a, b in zip(ids, ids[1:])})
          for which in (0, 1)],
        Mistake("presence instead of counts", "every pair got the value True: count how many times each pair "
                "occurs (an int), not only whether it does.", lambda ids: {pair: True for pair in zip(ids, ids[1:])},
                shows=lambda got: isinstance(got, dict) and any(v is True for v in got.values())),
    ]
    # every count 0, from an answer that reads its pairs from an iterator (zip, pairwise, map): read once (by
    # set(pairs) or dict.fromkeys(pairs)), it is empty for the counting pass after it
    iterators = {"zip", "pairwise", "map", "iter", "filter"} & _names_read(count_pairs)
    mistakes.append(Mistake("zip iterator used up", f"every count is 0: {max(iterators, default='zip')}(...) gives an "
                            f"iterator, used up once it has been read (by set(pairs), dict.fromkeys(pairs) or a first "
                            f"loop), so the pass that counts sees nothing. Make it a list first, pairs = "
                            f"list(zip(ids, ids[1:])).", lambda ids: {p: 0 for p in ref.count_pairs(ids)}
                            if iterators else None))
    mistakes.append(Mistake("counts never increased", "every count is 0: counts[pair] = counts.get(pair, 0) "
                            "sets each count to what it was, without adding the pair just seen: "
                            "counts[pair] = counts.get(pair, 0) + 1.", lambda ids: {p: 0 for p in ref.count_pairs(ids)}))
    mistakes += _empty_gives_none(ref.count_pairs, "an empty dict {}", (1, 2))
    mistakes += [
        Mistake("a list for a short input", "a list of fewer than two ids has no pairs, and no pairs is still a dict: "
                "return {}, not [] (or let the loop over zip(ids, ids[1:]) run zero times, with no special case).",
                lambda ids: [] if len(ids) < 2 else ref.count_pairs(ids)),
        Mistake("two ids not counted", "a list of two ids has one pair, (ids[0], ids[1]): only a list of fewer than "
                "TWO ids has none, so guard with len(ids) < 2 (or no guard at all: zip(ids, ids[1:]) is empty then).",
                lambda ids: {} if len(ids) < 3 else ref.count_pairs(ids)),
        Mistake("wrapped around and last pair missing", "two mistakes at once, from reading the pair (ids[i - 1], "
                "ids[i]) for i in range(len(ids) - 1). Wrapped around: at i = 0, ids[-1] is the LAST id (Python "
                "counts negative indices from the end), so the last id was paired with the first. And last pair "
                "missing: the range stops one short of the last pair. Count zip(ids, ids[1:]).",
                lambda ids: dict(collections.Counter((ids[i - 1], ids[i]) for i in range(len(ids) - 1)))),
    ]
    mistakes.append(Mistake("ids turned into strings", "each key is the pair of ids themselves, ints: (a, b), not "
                            "(str(a), str(b)); merge compares them with the ids of the list.",
                            lambda ids: {(str(a), str(b)): n for (a, b), n in ref.count_pairs(ids).items()}))
    # two of the mistakes above at once (a range one short with the pair read backwards: wa42)
    single = first_named(mistakes)
    mistakes += two_at_once([(single["pairs reversed"], "reverse", lambda ids: True),
                             (single["last pair missing"], "cut", lambda ids: "last"),
                             (single["first pair missing"], "cut", lambda ids: "first"),
                             (single["pairs two apart"], "gap", lambda ids: 2),
                             (single["first occurrence not counted"], "offset", lambda ids: -1),
                             (single["every count one too high"], "offset", lambda ids: 1)],
                            lambda args, knobs: _count_with(*args, **knobs))
    run_check("count_pairs", count_pairs, ref.count_pairs, cases, mistakes, unchanged=True)


def _count_with(ids, reverse=False, cut=None, gap=1, offset=0):
    """count_pairs with the common mistakes as knobs, for two of them at once (``two_at_once``)."""
    ids = {"last": ids[:-1], "first": ids[1:], None: ids}[cut]
    pairs = zip(ids[gap:], ids) if reverse else zip(ids, ids[gap:])
    return {p: n + offset for p, n in collections.Counter(pairs).items()}


def _count_nested(ids):
    counts = {}
    for a, b in zip(ids, ids[1:]):
        counts.setdefault(a, {})
        counts[a][b] = counts[a].get(b, 0) + 1
    return counts


def _names_read(function) -> set[str]:
    """The global and attribute names the function's code (its comprehensions' too) reads."""
    from course.checks._core import answer_of
    from course.grading import _code_objects

    code = getattr(answer_of(function), "__code__", None)
    return set() if code is None else {name for c in _code_objects(code) for name in c.co_names}


def check_count_pairs_form(count_pairs) -> None:
    """The form test's call, ``count_pairs([1, 2, 3, 1, 2])``, in words: what it raised, or what is wrong
    with the form of its result (a plain dict from (a, b) tuples of Python ints to int counts). Only
    what the form test grades; the values are the value test's."""
    counts = form_call("count_pairs", count_pairs, ([1, 2, 3, 1, 2],))
    where = "count_pairs: the form of the result, for count_pairs([1, 2, 3, 1, 2])"
    if type(counts) is not dict:
        raise failure(where, f"count_pairs must return a plain dict, got {describe(counts)}")
    keys, values = list(counts), list(counts.values())
    odd = next((k for k in keys if isinstance(k, tuple) and type(k) is not tuple), None)
    if odd is not None:
        raise failure(where, f"keys are {type(odd).__name__}, a tuple subclass: return plain tuples (a, b)")
    if not all(type(k) is tuple and len(k) == 2 for k in keys):
        raise failure(where, f"count_pairs' keys must be (a, b) tuples of two ids, got {describe(keys[:3])}")
    inside = next((i for k in keys for i in k if type(i) is not int), None)
    count = next((v for v in values if type(v) is not int), None)
    if inside is None and count is None:
        return
    numpy = [x for x in (inside, count) if _numpy_int(x)]
    if inside is not None:
        problem = f"keys must be (a, b) tuples of Python ints; got {_kind(inside)} inside the tuples"
        if count is not None:
            problem += f", and {_kind(count)} counts"
    else:
        problem = f"counts must be Python ints; got {_kind(count)}"
    mistake = Mistake("numpy ints", "convert with int(...), {(int(a), int(b)): int(n)}, or call .tolist() on the "
                      "numpy arrays first: numpy.int64 is not a Python int, and the grader receives plain "
                      "Python values only.") \
        if numpy and all(x is None or _numpy_int(x) for x in (inside, count)) else None
    raise failure(where, problem, mistake)


def _numpy_int(x) -> bool:
    return type(x).__module__ == "numpy" and hasattr(x, "dtype") and x.dtype.kind in "iu"


def _count_skipping_repeats(ids):
    counts, i = {}, 0
    while i < len(ids) - 1:
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
        i += 2 if ids[i] == ids[i + 1] else 1  # the mistake: an overlapping repeat is not counted
    return counts


def _count_plain_dict(ids):
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] += 1  # the mistake: a pair seen for the first time has no count to add to
    return counts


def _count_every_second(ids):
    counts = {}
    for i in range(0, len(ids) - 1, 2):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def _merge_dropping_last(ids, pair, new_id):
    merged, i = [], 0
    while i < len(ids) - 1:  # the mistake: stops before the last element
        if (ids[i], ids[i + 1]) == tuple(pair):
            merged.append(new_id)
            i += 2
        else:
            merged.append(ids[i])
            i += 1
    return merged


def _merge_overlapping(ids, pair, new_id):
    merged = []
    for i in range(len(ids)):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):
            merged.append(new_id)  # the mistake: a pair that overlaps the previous one is merged too
        elif i > 0 and (ids[i - 1], ids[i]) == tuple(pair):
            continue
        else:
            merged.append(ids[i])
    return merged


def _merge_both_replaced(ids, pair, new_id):
    """merge writing new_id in the place of each of the pair's two ids (out += [new_id, new_id])."""
    marker = object()
    return [x for y in ref.merge(list(ids), tuple(pair), marker) for x in ((new_id, new_id) if y is marker else (y,))]


def _merge_from_position_1(ids, pair, new_id):
    """merge scanning i from 1 over (ids[i - 1], ids[i]), but copying ids[i] where there is no match:
    ids[0] is lost unless it starts a merged pair, and so is the id after a pair merged at the end."""
    merged, i = [], 1
    while i < len(ids):
        if (ids[i - 1], ids[i]) == tuple(pair):
            merged.append(new_id)
            i += 2
        else:
            merged.append(ids[i])
            i += 1
    return merged


def _bpe_merging_with(step):
    """bpe_word's loop, right but for its merge step, ``step(symbols, pair, joined)`` (one of merge's
    wrong versions)."""
    def wrong(symbols, ranks):
        symbols = list(symbols)
        for _ in range(10_000):
            ranked = [p for p in zip(symbols, symbols[1:]) if p in ranks]
            if not ranked:
                return symbols
            best = min(ranked, key=ranks.get)
            symbols = step(symbols, best, best[0] + best[1])
        return symbols
    return wrong


def _merge_right_to_left(ids, pair, new_id):
    return ref.merge(ids[::-1], tuple(pair)[::-1], new_id)[::-1]


def _merge_matching(matches):
    """A merge whose only mistake is how a neighbouring pair is matched: ``matches(a, b, pair)``."""
    def merge(ids, pair, new_id):
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and matches(ids[i], ids[i + 1], pair):
                out.append(new_id)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        return out
    return merge


# the mistake: (b, a) matches (a, b) too
_merge_either_order = _merge_matching(lambda a, b, pair: {a, b} == set(pair))


def _merge_without_skip(ids, pair, new_id):
    merged, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):
            merged.append(new_id)
        else:
            merged.append(ids[i])
        i += 1  # the mistake: the second half of a merged pair is not skipped
    return merged


def _merge_in_copy_skipping(ids, pair, new_id):
    out, i = list(ids), 0
    while i < len(out) - 1:
        if (out[i], out[i + 1]) == tuple(pair):
            out[i:i + 2] = [new_id]
            i += 2  # the mistake: the list is one shorter now, and the next id is already at i + 1
        else:
            i += 1
    return out


# the mistake: `is`, not ==
_merge_compared_with_is = _merge_matching(lambda a, b, pair: a is pair[0] and b is pair[1])


def _merge_in_blocks(ids, pair, new_id):
    out = []
    for i in range(0, len(ids), 2):
        block = list(ids[i:i + 2])
        out.extend([new_id] if tuple(block) == tuple(pair) else block)
    return out


def _merge_first_only(ids, pair, new_id):
    for i in range(len(ids) - 1):
        if (ids[i], ids[i + 1]) == tuple(pair):
            return ids[:i] + [new_id] + ids[i + 2:]
    return list(ids)


def _merge_as_text(separator, padded):
    """merge done on the ids written out as text, ``" ".join(...)``, with the pair's text replaced: the
    pair "1 2" also matches inside "11 2" or "1 21" (``padded``: the text starts and ends with the
    separator, which still leaves the inner matches)."""
    def wrong(ids, pair, new_id):
        text = separator.join(str(i) for i in ids)
        if padded:
            text = separator + text + separator
        text = text.replace(f"{pair[0]}{separator}{pair[1]}", str(new_id))
        return [int(t) for t in text.split(separator) if t]
    return wrong


def _merge_one_id_compared(which, guarded):
    """merge matching a pair on one of its ids only (``which``: 0 the first, 1 the second); ``guarded``:
    with the check i + 1 < len(ids) (without it, the last id can match and be replaced alone)."""
    def wrong(ids, pair, new_id):
        merged, i = [], 0
        while i < len(ids):
            if (i + 1 < len(ids) or not guarded) and i + which < len(ids) and ids[i + which] == pair[which]:
                merged.append(new_id)
                i += 2
            else:
                merged.append(ids[i])
                i += 1
        return merged
    return wrong


def _merge_keeping(kept, before=None):
    """merge appending new_id together with one id of the pair (``kept``: 0 the first, 1 the second), the id
    ``before`` new_id or after it (by default, where it stood in the pair)."""
    before = kept == 0 if before is None else before
    def wrong(ids, pair, new_id):
        merged, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):
                merged += [ids[i + kept], new_id] if before else [new_id, ids[i + kept]]
                i += 2
            else:
                merged.append(ids[i])
                i += 1
        return merged
    return wrong


def _merge_last_always_copied(ids, pair, new_id):
    merged, i = [], 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == tuple(pair):
            merged.append(new_id)
            i += 2
        else:
            merged.append(ids[i])
            i += 1
    merged.append(ids[-1])  # the mistake: copied even when the last pair was merged
    return merged


class GeneratorReturned(TypeError):
    """Raised by the check of ``merge`` when the answer returns a generator (or another iterator) instead
    of a list."""


def check_merge(merge) -> None:
    """``merge(ids, pair, new_id) -> list[int]``."""
    def listed(ids, pair, new_id):
        merged = merge(ids, pair, new_id)
        if inspect.isgenerator(merged) or isinstance(merged, (map, filter, zip)):
            raise GeneratorReturned(f"merge returned a {type(merged).__name__}, not a list")
        return merged
    listed.__wrapped__ = merge  # (the rules read merge's cell: course.checks._core.answer_of)

    # the pair twice back to back ([1, 2, 1, 2], [5, 5, 5, 5]): a merge that moves on past the id after a
    # merged pair (by 2 in a list that has just become one shorter) misses the second one
    cases = [([5, 5, 5], (5, 5), 9), ([1, 2, 1, 2, 3, 1, 2], (1, 2), 7), ([3, 1, 2], (1, 2), 7), ([1, 2], (2, 1), 7)]
    rng = random.Random(3)
    for ids in _id_lists(11, seed=3):
        i = rng.randrange(len(ids) - 1)
        cases.append((ids, (ids[i], ids[i + 1]), 5 + rng.randint(0, 20)))
    # the last of them 500 times over, 4,000 ids (the lesson merges corpora of thousands): a merge that calls
    # itself once per id runs past Python's recursion limit (1,000 calls; 3,000 where it was raised)
    ids, pair, new_id = cases[-1]
    cases[-1] = (ids * 500, pair, new_id)
    cases.append(([5, 5, 5, 5], (5, 5), 9))
    cases += [([], (1, 2), 7), ([4], (4, 4), 7)]  # the edge cases the hidden tests meet too
    # ids of more than one digit, as a tokenizer's are (256 and up): a merge done on the ids written out
    # as text also matches the pair inside longer numbers ("11 2" holds "1 2"), which one-digit ids hide
    cases += [([11, 2, 1, 21, 1, 2, 12], (1, 2), 300), ([1, 2, 112, 1, 2], (1, 2), 256)]
    # ids of 257 and up made as a tokenizer makes them, each its own int object: equal, but not the same
    # object (Python keeps one object per int only from -5 to 256), so `is` tells them apart where == does not
    big = lambda n: int(str(n))  # noqa: E731
    cases.append(([big(300), big(301), 7, big(300), big(301), big(300)], (big(300), big(301)), big(400)))
    mistakes = [
        Mistake("ids compared with `is`", "`is` asks whether two names hold the very same object, not equal "
                "values: Python happens to keep one object per small int (up to 256), so it works there, and "
                "fails for a tokenizer's new ids (300 is not another 300). Compare with ==.", _merge_compared_with_is),
        Mistake("last element dropped", "the last element was dropped: when the final element is not part of a merged pair it must "
                "still be copied (loop while i < len(ids), and check i + 1 < len(ids) before looking at ids[i + 1]).",
                _merge_dropping_last),
        Mistake("overlapping pairs merged", "overlapping pairs were both merged ([5, 5, 5] with pair (5, 5) gave [new, new]). Once a pair is "
                "merged its second element is used up: [5, 5, 5] -> [new, 5].",
                _merge_overlapping),
        Mistake("right to left", "the list was merged from right to left ([5, 5, 5] -> [5, new]); scan left to right: [new, 5].",
                _merge_right_to_left),
        Mistake("second element not skipped", "after merging a pair the loop did not skip its second element (it moved on by 1 instead "
                "of 2), so that element appears again.",
                _merge_without_skip),
        Mistake("the id after a merge skipped", "after out[i:i + 2] = [new_id] the list is one shorter and the "
                "next id is already at i + 1: move on by 1 there (by 2 only when you read ids and append to a new "
                "list), or [1, 2, 1, 2] merges into [new, 1, 2] instead of [new, new].", _merge_in_copy_skipping),
        Mistake("first occurrence only", "only the first occurrence was merged; replace every occurrence of the pair.",
                _merge_first_only),
        Mistake("nothing merged", "no pair was merged although the pair occurs. If you compare a slice with the "
                "pair, ids[i:i + 2] is a list and pair a tuple, and [1, 2] == (1, 2) is False in Python: compare "
                "(ids[i], ids[i + 1]) == tuple(pair).", lambda ids, pair, new_id: list(ids)),
        Mistake("ran past the end", "at the last position there is no ids[i + 1]: check i + 1 < len(ids) "
                "before reading it, and copy the last element as it is.", error="IndexError",
                on=lambda ids, pair, new_id: len(ids) > 0),
        Mistake("recursion deeper than Python allows", "your merge calls itself once per id, and Python stops "
                "a chain of calls at about 1,000 (RecursionError), while a corpus has thousands of ids: write it as "
                "a loop, while i < len(ids), appending to a new list.", error="RecursionError"),
        Mistake("empty list not handled", "merge([], pair, new_id) must return [] (there is nothing to merge): "
                "don't start from ids[0]; loop while i < len(ids).", error="", on=lambda ids, pair, new_id: not ids),
        *[Mistake("one id of the pair compared", "a pair matches only when BOTH ids match: compare "
                  "(ids[i], ids[i + 1]) == tuple(pair), not only ids[i] == pair[0] (or ids[i + 1] == pair[1]).",
                  _merge_one_id_compared(which, guarded)) for which in (0, 1) for guarded in (True, False)],
        Mistake("pair read backwards", "the pair is (ids[i], ids[i + 1]), in that order: compare "
                "(ids[i], ids[i + 1]) == tuple(pair), not (ids[i + 1], ids[i]).",
                lambda ids, pair, new_id: ref.merge(ids, tuple(pair)[::-1], new_id)),
        *[Mistake("an id of the pair kept", "a merged pair becomes ONE id: append new_id alone and skip both ids "
                  "(i += 2); don't also append ids[i] or ids[i + 1].", _merge_keeping(kept, before))
          # (new_id, then ids[i]: the else of `if pair matches` left out, so ids[i] is appended after it: wa42)
          for kept, before in ((0, None), (1, None), (0, False), (1, True))],
        Mistake("last element copied after a merge", "after the loop you appended ids[-1] even when the last two "
                "ids had just been merged into new_id: copy the last element only when the loop stopped on it "
                "(if i == len(ids) - 1), or loop while i < len(ids).", _merge_last_always_copied),
        Mistake("generator instead of list", "your function yields the ids (a generator) or returns an iterator "
                "such as map(...): collect them in a list and return it.", error="GeneratorReturned"),
        Mistake("the pair appended instead of new_id", "where the pair occurs, append the new id that stands "
                "for it, out.append(new_id), not the pair (a, b) itself: the result is a list of ints.",
                lambda ids, pair, new_id: ref.merge(ids, pair, tuple(pair))),
        *[Mistake("merged as text", "replacing the pair's text in the ids written out as a string also matches "
                  "inside longer numbers: the pair (1, 2) is found in '11 2' and '1 21'. A tokenizer's ids run past "
                  "256, so compare the ids themselves: (ids[i], ids[i + 1]) == tuple(pair).",
                  _merge_as_text(separator, padded)) for separator in (" ", ",", ", ") for padded in (True, False)],
        Mistake("ids as bytes", "bytes(ids) holds numbers from 0 to 255 only, and a tokenizer's ids go past 255 (new_id "
                "and the ids of earlier merges, 256 and up), so bytes.replace cannot merge them: work on the list "
                "of ints, appending new_id where (ids[i], ids[i + 1]) == tuple(pair) and ids[i] otherwise.",
                error="bytes must be in range(0, 256)"),
        Mistake("pair matched in either order", "a pair is ordered: (1, 2) is id 1 followed by id 2, and 2 "
                "followed by 1 is another pair, with its own merge (or none). Compare the tuple, "
                "(ids[i], ids[i + 1]) == tuple(pair), not sets of the two ids.", _merge_either_order),
        Mistake("new_id wrapped in a list", "where the pair occurs, append the new id itself, out.append(new_id), "
                "not a list holding it ([new_id]): the result is a flat list of ints.",
                lambda ids, pair, new_id: ref.merge(ids, tuple(pair), [new_id])),
        Mistake("new_id written for both ids of the pair", "a merged pair becomes ONE id, so the list gets "
                "shorter: append new_id once (out.append(new_id)) and skip both ids of the pair (i += 2).",
                _merge_both_replaced),
        Mistake("new_id added with +=", "out += new_id (like out.extend(new_id)) adds the ITEMS of an iterable, "
                "and an int has none: append the id itself, out.append(new_id) (or out += [new_id]).",
                error="'int' object is not iterable", on=lambda ids, pair, new_id: tuple(pair) in zip(ids, ids[1:])),
        Mistake("pairs read two at a time", "stepping by 2 (range(0, len(ids), 2)) reads the ids in fixed blocks "
                "(ids[0], ids[1]), (ids[2], ids[3]), ...: a pair that starts at an odd position is never seen. Walk "
                "one id at a time and jump by 2 only after a merge.", _merge_in_blocks),
        Mistake("pairs read from position 1", "reading (ids[i - 1], ids[i]) from i = 1 but copying ids[i] where "
                "there is no match loses ids[0] (and the id after a pair merged at the end): loop from i = 0, "
                "compare (ids[i], ids[i + 1]) while i + 1 < len(ids), and copy ids[i] when they don't match.",
                _merge_from_position_1),
        Mistake("the pair's ids added", "where the pair occurs, append the id the merge was given, new_id, not the "
                "sum of the pair's ids: new_id is a new token of its own (256, 257, ...), and pair[0] + pair[1] is "
                "some other token's id.", lambda ids, pair, new_id: ref.merge(ids, tuple(pair), pair[0] + pair[1])),
    ]

    def new_list(case):  # (what the values cannot show: the result is the very list merge was given)
        ids, pair, new_id = copy.deepcopy(tuple(case))
        try:
            merged = merge(ids, pair, new_id)
        except Exception:
            return None
        if merged is not ids:
            return None
        return (f"the result is right, but it is the list merge was given ({describe(case[0])}), not a new one",
                Mistake("the input list returned", "where there was nothing to merge you returned the caller's "
                        "list itself (return ids): whoever then changes the result (the next merge, an append) "
                        "changes the caller's ids too. Return a new list every time: list(ids), or build it in "
                        "the loop."))

    mistakes.append(Mistake("nothing kept after the first merge", "everything after the first merged pair is "
                            "missing: a flag such as skip = True, set to jump over the pair's second id, was never set "
                            "back to False (or the loop broke off). Jump over exactly one id after a merge: with a "
                            "while loop, i += 2 after a merge and i += 1 otherwise.", _merge_stopped_after_first))
    mistakes += _empty_gives_none(ref.merge, "an empty list []", (1,))
    single = first_named(mistakes)
    mistakes += two_at_once([(single["last element dropped"], "stop", lambda *a: 1),
                             (single["second element not skipped"], "step", lambda *a: 1),
                             (single["right to left"], "backwards", lambda *a: True),
                             (single["first occurrence only"], "once", lambda *a: True),
                             (single["ids compared with `is`"], "match", lambda *a: "is"),
                             *[(single["one id of the pair compared"], "match", lambda *a, w=w: w) for w in (0, 1)],
                             (single["pair read backwards"], "match", lambda *a: "backwards"),
                             *[(single["an id of the pair kept"], "kept", lambda *a, k=k: k) for k in (0, 1)]],
                            lambda args, knobs: _merge_with(*args, **knobs), apart=[{"stop", "backwards"}])
    # (a loop one short that runs from the right end stops before ids[0]: the FIRST element is the one dropped)
    mistakes.append(Mistake("right to left and first element dropped", "two mistakes at once. Right to left: "
                            f"{single['right to left'].hint} And first element dropped: your loop, running from the "
                            "end, stopped before ids[0] (while i > 0), so ids[0] was never copied when it is not part "
                            "of a merged pair: scanning left to right, while i < len(ids), copies every id.",
                            lambda *a: _merge_with(*a, stop=1, backwards=True)))
    run_check("merge", listed, ref.merge, cases, mistakes, unchanged=True, after=new_list)


def _merge_stopped_after_first(ids, pair, new_id):
    """merge with nothing kept after the first merged pair (a skip flag never set back)."""
    for i in range(len(ids) - 1):
        if (ids[i], ids[i + 1]) == tuple(pair):
            return list(ids[:i]) + [new_id]
    return list(ids)


def _merge_with(ids, pair, new_id, stop=0, step=2, backwards=False, once=False, match="both", kept=None):
    """merge with the common mistakes as knobs, for two of them at once (``two_at_once``): the loop ``stop``s
    that many ids early, moves on by ``step`` after a merge, runs ``backwards`` (right to left), merges
    ``once``; ``match`` compares "both" ids, with "is", one id (0 or 1), or the pair read "backwards"; a
    merge appends one id of the pair (``kept``) beside new_id."""
    ids, pair = list(ids), tuple(pair)
    if backwards:
        return _merge_with(ids[::-1], pair[::-1], new_id, stop, step, False, once, match, kept)[::-1]
    matches = {"both": lambda a, b: (a, b) == pair, "is": lambda a, b: a is pair[0] and b is pair[1],
               0: lambda a, b: a == pair[0], 1: lambda a, b: b == pair[1],
               "backwards": lambda a, b: (b, a) == pair}[match]
    merged, i, done = [], 0, False
    while i < len(ids) - stop:
        if i + 1 < len(ids) and not (once and done) and matches(ids[i], ids[i + 1]):
            merged += [new_id] if kept is None else [ids[i], new_id] if kept == 0 else [new_id, ids[i + 1]]
            i, done = i + step, True
        else:
            merged.append(ids[i])
            i += 1
    return merged


# -- BPE on one word --------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _gpt2_merges() -> tuple[tuple[str, str], ...]:
    _, merges = ref.read_vocab_and_merges(*ref.gpt2_files())
    return tuple(merges)


@functools.lru_cache(maxsize=None)
def _gpt2_pairs_by_text() -> dict[str, list[tuple[int, tuple[str, str]]]]:
    by_text = collections.defaultdict(list)
    for rank, pair in enumerate(_gpt2_merges()):
        by_text[pair[0] + pair[1]].append((rank, pair))
    return dict(by_text)


def _ranks_for(symbols: list[str]) -> dict[tuple[str, str], int]:
    # GPT-2's ranks that could apply to this word, in rank order: the pairs whose two symbols together
    # are a piece of it (the whole table is 50,000 entries: too big to show).
    word = "".join(symbols)
    pieces = {word[i:j] for i in range(len(word)) for j in range(i + 2, len(word) + 1)}
    by_text = _gpt2_pairs_by_text()
    return {pair: rank for rank, pair in sorted(found for piece in pieces for found in by_text.get(piece, ()))}


def _bpe_loop(choose=lambda ranked, ranks: min(ranked, key=ranks.get), pairs=lambda s, ranks: zip(s, s[1:]),
              joined=lambda best: best[0] + best[1]):
    """A wrong version of bpe_word that is the right loop but for one of its parts: which of the ranked
    ``pairs`` it merges (``choose``), which pairs it looks at, and what a merged pair becomes (``joined``)."""
    def wrong(symbols, ranks):
        symbols = list(symbols)
        while True:
            ranked = [p for p in pairs(symbols, ranks) if p in ranks]
            if not ranked:
                return symbols
            best = choose(ranked, ranks)
            symbols = ref.merge(symbols, best, joined(best))
    return wrong


def _bpe_rank_reversed(symbols, ranks):
    # each neighbouring pair (a, b) ranked by ranks[(b, a)], the leftmost best one merged as a + b
    symbols = list(symbols)
    while len(symbols) > 1:
        rank, i = min((ranks.get((b, a), float("inf")), i) for i, (a, b) in enumerate(zip(symbols, symbols[1:])))
        if rank == float("inf"):
            return symbols
        symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]
    return symbols


_bpe_highest_rank = _bpe_loop(choose=lambda ranked, ranks: max(ranked, key=ranks.get))
_bpe_first_found = _bpe_loop(choose=lambda ranked, ranks: ranked[0])
_bpe_tuple_symbols = _bpe_loop(joined=lambda best: best)  # the pair itself, not the joined string
_bpe_alphabetical = _bpe_loop(choose=lambda ranked, ranks: min(ranked))  # the pairs compared, not their ranks
# frequency (training's rule), not rank
_bpe_most_frequent = _bpe_loop(choose=lambda ranked, ranks: max(collections.Counter(ranked).items(), key=lambda kv: kv[1])[0])
# the scan stops (break) at the first pair that has no rank
_bpe_until_unranked = _bpe_loop(pairs=lambda s, ranks: itertools.takewhile(lambda p: p in ranks, zip(s, s[1:])))
_bpe_last_pair_left_out = _bpe_loop(pairs=lambda s, ranks: zip(s, s[1:-1]))  # not the last pair
_bpe_joined_with_space = _bpe_loop(joined=lambda best: best[0] + " " + best[1])  # a space between
# `if rank:` (or ranks.get(pair) as a truth value) is False for rank 0: the best merge of all is skipped
_bpe_rank_zero_skipped = _bpe_loop(pairs=lambda s, ranks: (p for p in zip(s, s[1:]) if ranks.get(p)))


def _bpe_unranked_as_zero(symbols, ranks):
    """bpe_word whose value for a pair with no rank is 0 (ranks.get(pair, 0)): such a pair ties with the
    best real rank, so min() picks it whenever it comes first, and the loop stops there."""
    symbols = list(symbols)
    while len(symbols) > 1:
        best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, 0))
        if best not in ranks:
            break
        symbols = ref.merge(symbols, best, best[0] + best[1])
    return symbols


def _bpe_unranked_as_minus_one(symbols, ranks):
    """bpe_word whose value for a pair with no rank is -1 (ranks.get(pair, -1), a "not found" mark): such a
    pair beats every real rank, so min() picks it whenever the word has one, and the loop stops there."""
    symbols = list(symbols)
    while len(symbols) > 1:
        best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, -1))
        if best not in ranks:
            break
        symbols = ref.merge(symbols, best, best[0] + best[1])
    return symbols


def _bpe_replaced_in_text(symbols, ranks):
    """bpe_word that keeps the word as one string of space-separated symbols and merges with str.replace:
    "a b" is also found across a symbol's edge ('aa b' holds it), so a symbol is glued to a piece of its
    neighbour."""
    word = " ".join(symbols)
    while True:
        parts = word.split(" ")
        ranked = [p for p in zip(parts, parts[1:]) if p in ranks]
        if not ranked:
            return parts
        a, b = min(ranked, key=ranks.get)
        word = word.replace(f"{a} {b}", a + b)


def _bpe_one_symbol_as_str(given: bool):
    """bpe_word that returns a single symbol as that str, not as a list of one: a word given as one symbol
    (``given``: an early ``return symbols[0]``), or any word that ends as one."""
    def wrong(symbols, ranks):
        result = ref.bpe_word(symbols, ranks)
        return result[0] if len(symbols if given else result) == 1 else result
    return wrong


def _bpe_leftmost_one_at_a_time(symbols, ranks):
    """bpe_word that merges the leftmost pair that has a rank, that one occurrence only, each time round."""
    symbols = list(symbols)
    while True:
        found = [i for i, p in enumerate(zip(symbols, symbols[1:])) if p in ranks]
        if not found:
            return symbols
        i = found[0]
        symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]


def _bpe_one_step(symbols, ranks):
    ranked = [p for p in zip(symbols, symbols[1:]) if p in ranks]
    if not ranked:
        return list(symbols)
    best = min(ranked, key=ranks.get)
    return ref.merge(list(symbols), best, best[0] + best[1])


def _bpe_table_best(symbols, ranks):
    """bpe_word that takes the best pair of the whole ranks table, not of the word's own pairs, and stops
    when that pair is not in the word (then goes on with the word's best)."""
    symbols = list(symbols)
    best = min(ranks, key=ranks.get) if ranks else None
    while len(symbols) > 1 and best in set(zip(symbols, symbols[1:])):
        symbols = ref.merge(symbols, best, best[0] + best[1])
        ranked = [p for p in zip(symbols, symbols[1:]) if p in ranks]
        if not ranked:
            break
        best = min(ranked, key=ranks.get)
    return symbols


def _bpe_table_order_stopped(symbols, ranks):
    """bpe_word that goes through the ranks table in order, merging each pair, and stops at the first one
    the word does not have (the table's later merges may still apply)."""
    symbols = list(symbols)
    for pair in sorted(ranks, key=ranks.get):
        if pair not in set(zip(symbols, symbols[1:])):
            break
        symbols = ref.merge(symbols, pair, pair[0] + pair[1])
    return symbols


def _bpe_dict_order(symbols, ranks):
    """bpe_word that applies each merge of the table once, in the order the dict lists them (which is the
    rank order for a table built from the merge list, but a rank is the pair's value)."""
    symbols = list(symbols)
    for pair in ranks:
        symbols = ref.merge(symbols, pair, pair[0] + pair[1])
    return symbols


def _bpe_pairs_listed_once(symbols, ranks):
    """bpe_word that lists the word's ranked pairs once, before any merge, and merges them in rank order:
    the pairs that merges make (('ou', 'r') after ('o', 'u')) are never considered."""
    symbols = list(symbols)
    for pair in sorted({p for p in zip(symbols, symbols[1:]) if p in ranks}, key=ranks.get):
        symbols = ref.merge(symbols, pair, pair[0] + pair[1])
    return symbols


def _bpe_unranked_merged(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:  # the mistake: no stop when the best pair has no rank
        best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, float("inf")))
        symbols = ref.merge(symbols, best, best[0] + best[1])
    return symbols


def _bpe_last_pair_left_out_one_at_a_time(symbols, ranks):
    symbols = list(symbols)
    while True:
        found = [(ranks[p], i) for i, p in enumerate(zip(symbols, symbols[1:-1])) if p in ranks]
        if not found:
            return symbols
        _, i = min(found)  # merges that one occurrence, the leftmost of the lowest rank
        symbols = symbols[:i] + [symbols[i] + symbols[i + 1]] + symbols[i + 2:]


def _bpe_stops_at_two(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 2:  # the mistake: a word of two symbols may still merge into one
        best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        symbols = ref.merge(symbols, best, best[0] + best[1])
    return symbols


def _bpe_from_the_right(symbols, ranks, one_at_a_time=False):
    """bpe_word that merges the best pair's occurrences from the right end: all of them in one pass
    (a right-to-left scan), or the last one each time round (``one_at_a_time``)."""
    symbols = list(symbols)
    while len(symbols) > 1:
        best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        if one_at_a_time:
            i = max(i for i, p in enumerate(zip(symbols, symbols[1:])) if p == best)
            symbols = symbols[:i] + [best[0] + best[1]] + symbols[i + 2:]
        else:
            symbols = ref.merge(symbols[::-1], (best[1], best[0]), best[0] + best[1])[::-1]
    return symbols


def _bpe_sentinel_len(stop_unranked):
    """bpe_word whose "no rank" value is len(ranks): smaller than the real ranks of a table cut from a longer
    merge list (GPT-2's: ranks up to 50,000 in a table of a few pairs). It stops when the best pair's rank is
    len(ranks) or more, or (``stop_unranked``) when the best pair, an unranked one that won, is not in ranks."""
    def wrong(symbols, ranks):
        symbols, stop = list(symbols), len(ranks)
        while len(symbols) > 1:
            best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, stop))
            if (best not in ranks) if stop_unranked else ranks.get(best, stop) >= stop:
                break
            symbols = ref.merge(symbols, best, best[0] + best[1])
        return symbols
    return wrong


def _bpe_unmapped_space(symbols, ranks):
    return ref.bpe_word([" " if s == "Ġ" else s for s in symbols], ranks)


def _bpe_first_symbol_compared(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        ranked = [p for p in zip(symbols, symbols[1:]) if p in ranks]
        if not ranked:
            return symbols
        best = min(ranked, key=ranks.get)
        merged, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == best[0]:
                merged.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols


def check_bpe_word(bpe_word) -> None:
    """``bpe_word(symbols, ranks) -> list[str]``, on words of GPT-2 with GPT-2's own ranks."""
    words = [w for sentence in SENTENCES for w in ref.pretokenize(sentence) if len(w.encode()) > 2]
    # Small cases first, on which the mistakes below give different answers (on the second, each one
    # gives an answer of its own), then GPT-2's words.
    cases = [(list("aacaa"), {("a", "c"): 0, ("a", "a"): 1, ("c", "a"): 2}),
             (["Ġ", "b", "c", "a", "b", "c", "c"], {("Ġ", "b"): 0, ("a", "b"): 1, ("b", "c"): 2, ("c", "c"): 3, ("c", "a"): 4}),
             (["a", "a", "a"], {("a", "a"): 0})]
    cases += [(ref.word_to_symbols(w), _ranks_for(ref.word_to_symbols(w))) for w in words]
    # a table with pairs the word does not have, the best of them first, as GPT-2's 50,000 merges are
    # for any one word: the best pair is the best of the word's own neighbouring pairs
    cases += [(list("hello"), {("x", "y"): 0, ("h", "e"): 1, ("l", "l"): 2, ("he", "ll"): 3}),
              # (' the' again, a GPT-2 word above, now with a table under which it stays two tokens: a
              # result kept from the earlier call, a cache keyed by the word alone, gives GPT-2's 'Ġthe')
              (["Ġ", "t", "h", "e"], {("e", "r"): 0, ("t", "h"): 1, ("Ġ", "th"): 2, ("h", "e"): 3}),
              # a table whose dict lists its pairs out of rank order: the rank is the pair's value, not
              # its place in the dict (applying the merges in the dict's order gives ['he', 'll', 'o'])
              (list("hello"), {("l", "l"): 1, ("he", "ll"): 2, ("h", "e"): 0}),
              # a word of one symbol (GPT-2's ',' or '.') and a word none of whose pairs has a rank: each
              # stays as it is, a list all the same
              ([","], {("Ġ", ","): 0, (",", "Ġ"): 1}),
              (list("xyz"), {("h", "e"): 0, ("l", "l"): 1})]
    first_seen = {}  # each word's first case: what a cache keyed by the word alone hands back after it
    for symbols, ranks in cases:
        first_seen.setdefault("".join(symbols), ranks)
    mistakes = [
        Mistake("pair looked up as a list", "a list cannot be a dict key (it can change), so ranks.get([a, b]) "
                "raises TypeError: look the pair up as the tuple it is, ranks.get((a, b), float('inf')).",
                error="unhashable type: 'list'"),
        Mistake("one symbol of the pair compared", "a pair occurs where BOTH symbols match: compare "
                "(symbols[i], symbols[i + 1]) == best, not only symbols[i] == best[0], or every symbol equal to "
                "the pair's first is merged with whatever follows it.", _bpe_first_symbol_compared),
        Mistake("highest rank first", "the pair with the HIGHEST rank was merged first; merge the pair with the lowest rank "
                "(the merge learned earliest): min(..., key=lambda pair: ranks.get(pair, float('inf'))).",
                _bpe_highest_rank),
        Mistake("leftmost pair first", "the first (leftmost) pair that has a rank was merged; merge the pair with the lowest rank, "
                "wherever it is in the word.",
                _bpe_first_found),
        Mistake("leftmost pair first", "the first (leftmost) pair that has a rank was merged; merge the pair with the lowest rank, "
                "wherever it is in the word.", _bpe_leftmost_one_at_a_time),
        Mistake("no rank given as 0", "ranks.get(pair, 0) gives a pair that has no rank the value 0, as good as "
                "the best merge of all: min() then picks such a pair and the loop stops. Use float('inf') for "
                "the pairs not in ranks, ranks.get(pair, float('inf')), or keep only the pairs in ranks.",
                _bpe_unranked_as_zero),
        Mistake("no rank given as -1", "ranks.get(pair, -1) gives a pair that has no rank the value -1, better "
                "than every real rank (they start at 0): min() then picks such a pair and the loop stops before "
                "the word is done. Use float('inf') for the pairs not in ranks, ranks.get(pair, float('inf')), "
                "or keep only the pairs in ranks.", _bpe_unranked_as_minus_one),
        Mistake("merged in the joined string", "str.replace on the symbols joined with spaces also finds the pair "
                "across a symbol's edge ('a c' is found inside 'aa c', where 'aa' is one symbol), so part of a "
                "symbol is glued to its neighbour. Work on the list: walk it with an index and join symbols[i] + "
                "symbols[i + 1] where (symbols[i], symbols[i + 1]) is the best pair.", _bpe_replaced_in_text),
        *[Mistake("one symbol returned as a string", "a word that is (or ends as) a single symbol is still a list of "
                "tokens: return [symbol], a list of one str, not the str itself.", _bpe_one_symbol_as_str(given))
          for given in (True, False)],
        Mistake("one merge only", "only one merge was applied; repeat until no neighbouring pair has a rank.",
                _bpe_one_step),
        Mistake("unranked pairs merged", "pairs that are not in ranks were merged too: stop as soon as no "
                "adjacent pair is in ranks (the best rank is float('inf')), or the word becomes one symbol.",
                _bpe_unranked_merged),
        Mistake("merged pair as a tuple", "the merged symbol is the string best[0] + best[1] ('Ġ' + 'a' = 'Ġa'), "
                "not the pair (a, b) itself.", _bpe_tuple_symbols),
        Mistake("pairs compared, not their ranks", "min() of the pairs themselves picks the alphabetically "
                "first pair; pick the pair with the lowest RANK: min(pairs, key=lambda pair: ranks.get(pair, "
                "float('inf'))).", _bpe_alphabetical),
        Mistake("most frequent pair first", "the most frequent pair was merged first, as in training; when "
                "encoding, merge the pair with the lowest rank (the merge learned earliest), however often it "
                "occurs in the word.", _bpe_most_frequent),
        Mistake("one string instead of a list", "you joined the symbols into one string; return the list of "
                "symbols (the tokens), e.g. ['Ġdraw', 'ing'].", lambda symbols, ranks: "".join(ref.bpe_word(symbols, ranks))),
        Mistake("unranked pairs compared", "ranks.get(pair) is None for a pair GPT-2 never learned, and None "
                "cannot be compared with a rank: use ranks.get(pair, float('inf')), or keep only the pairs "
                "that are in ranks.", error="NoneType"),
        Mistake("one symbol left not handled", "when a word is (or becomes) a single symbol it has no pairs, "
                "and min() of nothing fails: stop while fewer than two symbols are left "
                "(while len(symbols) > 1), or when no pair is in ranks.", error="min()"),
        *[Mistake("merged from the right", "the best pair's occurrences were merged starting from the right "
                  "(['a', 'a', 'a'] gave ['a', 'aa']): merge them left to right, as merge() does (['aa', 'a']); "
                  "a loop that keeps the LAST index where the pair occurs, or scans backwards, does it the other way.",
                  lambda symbols, ranks, one=one: _bpe_from_the_right(symbols, ranks, one)) for one in (False, True)],
        Mistake("space marker dropped", "the space marker 'Ġ' was left out of the word: it is a symbol like the others "
                "(the space before the word, as a printable character) and merges with the word ('Ġthe'): keep every "
                "symbol you are given.", lambda symbols, ranks: ref.bpe_word([s for s in symbols if s != "Ġ"], ranks)),
        Mistake("space marker lost", "the space marker 'Ġ' was lost: it came out as ' '. In byte-level BPE the space before a word "
                "is the symbol 'Ġ' and merges with the word ('Ġdrawing'); don't map it back to a space.",
                _bpe_unmapped_space),
        Mistake("scan stopped at an unranked pair", "the scan stopped (break) at the first pair that has no "
                "rank, so the pairs after it were never considered: skip such a pair (continue), and merge the "
                "lowest-ranked pair anywhere in the word.", _bpe_until_unranked),
        *[Mistake("last pair never considered", "the last pair was never considered: the pairs are "
                  "(symbols[i], symbols[i + 1]) for i in range(len(symbols) - 1), or zip(symbols, symbols[1:]), "
                  "not range(len(symbols) - 2). (An end-of-word marker glued to the last symbol, symbols[-1] + "
                  "'</w>', does the same: GPT-2's ranks have no pair with it. Take the symbols as they come.)", wrong)
          for wrong in (_bpe_last_pair_left_out, _bpe_last_pair_left_out_one_at_a_time)],
        Mistake("end-of-word marker added", "GPT-2's byte-level BPE has no end-of-word marker (the original BPE's "
                "'</w>'): a word's symbols are merged as they come, and the word's first symbol carries its "
                "space ('Ġ') instead. Don't add '</w>' to the symbols.",
                lambda symbols, ranks: ref.bpe_word(list(symbols) + ["</w>"], ranks)),
        # (glued to the last symbol and kept: its pair with the symbol before has no rank either, wa42)
        Mistake("end-of-word marker added", "GPT-2's byte-level BPE has no end-of-word marker (the original BPE's "
                "'</w>'): a word's symbols are merged as they come, and the word's first symbol carries its "
                "space ('Ġ') instead. Don't add '</w>' to the symbols (nor glue it to the last one).",
                lambda symbols, ranks: ref.bpe_word(list(symbols[:-1]) + [symbols[-1] + "</w>"], ranks)),
        Mistake("stopped at two symbols", "the loop stopped while two symbols were left, but those two may "
                "still merge into one ('Ġthe' is one token): loop while len(symbols) > 1 (a single symbol has "
                "no pairs left), and stop early only when no pair has a rank.", _bpe_stops_at_two),
        Mistake("merged pair joined backwards", "the merged symbol is the left symbol then the right one, "
                "best[0] + best[1] ('Ġ' + 'the' = 'Ġthe'); joined the other way round it is a token GPT-2 "
                "never learned, and no later merge finds it.", _bpe_loop(joined=lambda best: best[1] + best[0])),
        Mistake("rank of the pair read backwards", "a pair's rank is ranks[(left, right)], the symbols in the "
                "word's order: ranks.get((symbols[i], symbols[i + 1])), not ranks.get((b, a)), which ranks the "
                "pair written the other way round (a merge GPT-2 may never have learned).", _bpe_rank_reversed),
        Mistake("merged symbols joined with a space", "the merged symbol is the two strings with nothing between "
                "them, best[0] + best[1] ('Ġ' + 'a' = 'Ġa'); with a space GPT-2's ranks never find it again.",
                _bpe_joined_with_space),
        Mistake("tuple instead of list", "return the symbols as a list (list(symbols)), not a tuple.",
                lambda symbols, ranks: tuple(ref.bpe_word(symbols, ranks))),
        Mistake("best pair of the whole table", "you took the best pair of the whole ranks table, which is "
                "usually not in the word (GPT-2 has 50,000 merges): take the best of the word's OWN neighbouring "
                "pairs, min(zip(symbols, symbols[1:]), key=lambda pair: ranks.get(pair, float('inf'))), and stop "
                "when none of them has a rank.", _bpe_table_best),
        Mistake("stopped at a merge the word lacks", "you went through the ranks table in order and stopped at "
                "the first merge the word does not have, but later merges may still apply to it: skip that one "
                "(continue), or, simpler, merge the best of the word's own neighbouring pairs until none has a rank.",
                _bpe_table_order_stopped),
        Mistake("pairs listed once, before any merge", "you listed the word's pairs once, at the start, and merged "
                "them in rank order: a merge makes new pairs (after ('o', 'u'), the pair ('ou', 'r')) that may "
                "rank better than the ones left. After each merge, list the pairs of the word AS IT IS NOW and "
                "merge the one with the lowest rank, until none has a rank.", _bpe_pairs_listed_once),
        Mistake("merges in the table's listed order", "you applied the merges in the order the ranks dict lists "
                "them, but a pair's rank is its VALUE, ranks[pair], not its place in the dict: merge the word's "
                "neighbouring pair with the lowest ranks.get(pair, float('inf')), repeatedly, until none has a rank.",
                _bpe_dict_order),
        Mistake("merges in the pairs' sorted order", "sorted(ranks) sorts the pairs themselves, alphabetically, "
                "not by their ranks, so the merges were applied in the wrong order: merge the word's neighbouring "
                "pair with the lowest ranks.get(pair, float('inf')), repeatedly, until none has a rank (or sort by "
                "rank, sorted(ranks, key=ranks.get)).", lambda symbols, ranks: _bpe_dict_order(
                    symbols, dict.fromkeys(sorted(ranks)))),
        Mistake("rank 0 taken as no rank", "the pair with rank 0, the first merge GPT-2 learned, was never merged: "
                "`if rank:` (or `if ranks.get(pair):`) is False for 0 as it is for None. Test the pair itself, "
                "`if pair in ranks:`, or `rank is not None`.", _bpe_rank_zero_skipped),
        Mistake("unranked pair looked up with ranks[...]", "ranks[pair] raises KeyError for a pair GPT-2 never "
                "learned: use ranks.get(pair, float('inf')), or keep only the pairs that are in ranks.",
                error="KeyError: ("),
        *[Mistake("no-rank sentinel smaller than real ranks", "your value for a pair that has no rank, len(ranks), "
                  "is smaller than real ranks: they count over the whole merge list (GPT-2's 50,000), not over this "
                  "table, so a ranked pair can look unranked. Use float('inf') for pairs not in ranks, "
                  "ranks.get(pair, float('inf')), and stop when the best pair is not in ranks.", _bpe_sentinel_len(stop))
          for stop in (False, True)],
        Mistake("results kept from an earlier call", "your function returned what this word gave at an earlier "
                "call, with other ranks: the merges depend on ranks too. Compute each word afresh, or key a cache "
                "by the word and the ranks, not by the word alone.",
                lambda symbols, ranks: ref.bpe_word(symbols, first_seen["".join(symbols)])),
        Mistake("last symbol dropped", "after a merge step the last symbol was lost when it was not part of the "
                "merged pair: copy it too (loop while i < len(symbols), and check i + 1 < len(symbols) before "
                "reading symbols[i + 1]).", _bpe_merging_with(_merge_dropping_last)),
        Mistake("overlapping occurrences merged", "each merge step replaces the best pair's occurrences from left "
                "to right WITHOUT overlaps: once two symbols are merged, the second of them is used up, so "
                "['a', 'a', 'a'] with ('a', 'a') gives ['aa', 'a'], not ['aa', 'aa'] (skip both symbols, i += 2).",
                _bpe_merging_with(_merge_overlapping)),
        Mistake("nothing merged", "the word came back as it was although some of its neighbouring pairs have a rank: "
                "the ranks' keys are tuples of two symbols, so look each pair up as the tuple itself, "
                "ranks.get((a, b)), not as the joined string a + b or 'a b'.", lambda symbols, ranks: list(symbols)),
        Mistake("symbols turned into bytes again", "the symbols are already GPT-2's byte characters (' ' is 'Ġ'): "
                "encoding them to UTF-8 again splits each non-ASCII one ('Ġ' into two bytes). Merge the symbols "
                "as they are given.", lambda symbols, ranks: ref.bpe_word(
                    [bytes([b]).decode("latin-1") for b in "".join(symbols).encode("utf-8")], ranks)),
    ]
    single = first_named(mistakes)
    mistakes += two_at_once([*[(single[name], "choose", lambda *a, c=c: c) for name, c in (
                                 ("highest rank first", lambda ranked, ranks: max(ranked, key=ranks.get)),
                                 ("leftmost pair first", lambda ranked, ranks: ranked[0]),
                                 ("pairs compared, not their ranks", lambda ranked, ranks: min(ranked)))],
                             (single["merged from the right"], "backwards", lambda *a: True)],
                            lambda args, knobs: _bpe_with(*args, **knobs))
    run_check("bpe_word", bpe_word, ref.bpe_word, cases, mistakes, unchanged=True)


def _bpe_with(symbols, ranks, choose=lambda ranked, ranks: min(ranked, key=ranks.get), backwards=False):
    """bpe_word with the common mistakes as knobs, for two of them at once (``two_at_once``): which of the
    ranked pairs it merges (``choose``), and the best pair's occurrences merged from the right (``backwards``)."""
    symbols = list(symbols)
    while True:
        ranked = [p for p in zip(symbols, symbols[1:]) if p in ranks]
        if not ranked:
            return symbols
        best = choose(ranked, ranks)
        if backwards:
            symbols = ref.merge(symbols[::-1], (best[1], best[0]), best[0] + best[1])[::-1]
        else:
            symbols = ref.merge(symbols, best, best[0] + best[1])


# -- tokens back to text ------------------------------------------------------------------------

def check_tokens_to_text(tokens_to_text) -> None:
    """``tokens_to_text(tokens) -> str``: GPT-2 token strings back to text."""
    texts = [SENTENCES[3], "👋 hello", *SENTENCES[:3], "Ἐν ἀρχῇ ἦν ὁ λόγος\n\n  x"]
    gpt2 = ref.BPETokenizer.from_gpt2()
    cases = [([gpt2.decoder[i] for i in gpt2.encode(text)],) for text in texts]
    emoji = gpt2.tokens("👋")
    cases.append((emoji[:-1],))  # an emoji cut short: its bytes are not valid UTF-8
    mistakes = [
        Mistake("tokens decoded one by one", "each token was decoded separately. A character can be split across tokens (an emoji is 4 "
                "bytes): join all the bytes first, then decode once.",
                lambda tokens: "".join(ref.tokens_to_text([t]) for t in tokens)),
        Mistake("byte characters not mapped back", "the byte-characters were not mapped back to bytes (you joined the token strings as they "
                "are). Map each character back with the inverse of bytes_to_unicode, then decode UTF-8.",
                lambda tokens: "".join(tokens)),
        Mistake("only Ġ mapped", "only 'Ġ' was turned back into a space. Every character stands for a byte ('Ã©' is the two "
                "bytes of 'é'): map all of them back to bytes, then decode UTF-8.",
                lambda tokens: "".join(tokens).replace("Ġ", " ").replace("Ċ", "\n")),
    ]
    run_check("tokens_to_text", tokens_to_text, ref.tokens_to_text, cases, mistakes)


from course.checks._core import guard_checks  # noqa: E402

guard_checks(globals())  # each check starts from float32, whatever an earlier cell left
