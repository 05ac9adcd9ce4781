"""An answer pasted from the course's own reference implementation: found by the reference's words.

The course ships the reference implementation of every exercise (the lessons call it, and a student
can read it: ``ref.lstm_cell??``). An answer that *calls* it is refused by the answer rules; one that
*copies* its source ran as the student's own code and scored (a red team pasted three references from
``inspect.getsource`` into lesson 04, 2026-12-02: 6 points of 12).

Code alone cannot tell a copy from honest work: a training loop is the same ten lines whoever writes
it, and the lesson's own solutions are, line for line, what the references do. The reference's *words*
can: its comments and docstrings (``# keep part of the old memory, write part of the new``) are its
author's, and no student writes them word for word. So an answer is a copy when it holds, as its own
comments or docstrings, lines of the course package's comments and docstrings (``course/*.py``; not
``course/checks``, whose messages a student reads in every failed check) that the lesson itself does not
contain anywhere (its prose, code and outputs: a student may quote the lesson), together at least
``MIN_WORDS`` words, each line at least ``MIN_LINE_WORDS`` words long (a short comment, ``# update the
parameters``, is anyone's, and a shape, ``# (B, T, C) → (B, T, C)``, has no words).

A copy stripped of the reference's comments and docstrings is what an honest student may write, and
is graded as that: the rule finds the pasted reference, not the idea.
"""
from __future__ import annotations

import ast
import functools
import importlib.util
import io
import re
import tokenize
from pathlib import Path

MIN_LINE_WORDS = 4   # words in one line of the reference's that counts
MIN_WORDS = 8        # words of such lines in one answer that make it a copy


def normalize(text: str) -> str:
    """Lower case, without markdown's and Python's markup (`` ` ``, ``#``, ``*``), one space between words."""
    return " ".join(re.sub(r"[`#*]", " ", text.lower()).split()).strip(" .,:;")


def words(phrase: str) -> list[str]:
    """The words of a phrase: runs of three or more letters (``max_new_tokens`` is three; the letters of
    a shape, ``(B, nh, T, hs)``, are none)."""
    return re.findall(r"[a-z][a-z']{2,}", phrase)


def _long_enough(line: str) -> bool:
    return len(words(line)) >= MIN_LINE_WORDS


def _comments(source: str) -> list[str]:
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found.append(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # what was read before the error counts
    return found


def _strings(source: str) -> list[str]:
    """The text of every string that stands as a statement of its own (docstrings)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return [node.value.value for node in ast.walk(tree) if isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)]


def phrases(source: str) -> dict[str, str]:
    """The lines of ``source``'s comments and docstrings that are long enough to count: normalized, each
    with the line as written."""
    lines = [line for text in _comments(source) + _strings(source) for line in text.splitlines()]
    return {normalize(line): line.strip(" #") for line in lines if _long_enough(normalize(line))}


def _rough_phrases(source: str) -> set[str]:
    """``phrases``, read quickly from a module's text: what follows a ``#`` on each line, and the lines of
    every triple-quoted string (a ``#`` inside a string adds a phrase no answer holds: harmless)."""
    lines = [m.group(1) for m in re.finditer(r"(?m)#(.*)$", source)]
    lines += [line for m in re.finditer(r'"""(.*?)"""|\'\'\'(.*?)\'\'\'', source, re.S)
              for line in (m.group(1) or m.group(2) or "").splitlines()]
    return {p for p in map(normalize, lines) if _long_enough(p)}


def _course_dir() -> Path | None:
    spec = importlib.util.find_spec("course")  # (finds the package without importing it, and torch)
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


@functools.lru_cache(maxsize=1)
def course_phrases() -> dict[str, str]:
    """Each phrase of the course package's comments and docstrings, and the file it is in
    (``course/lstm.py``); not those of ``course/checks``."""
    root = _course_dir()
    found: dict[str, str] = {}
    if root is None:
        return found
    for path in sorted(root.rglob("*.py")):
        if "checks" in path.relative_to(root).parts:
            continue
        for phrase in _rough_phrases(path.read_text(encoding="utf-8")):
            found.setdefault(phrase, f"course/{path.relative_to(root).as_posix()}")
    return found


def lesson_phrases(texts) -> frozenset[str]:
    """The course's phrases that the lesson holds somewhere in ``texts`` (its cells' sources and
    outputs): a student may quote those."""
    whole = "\n".join(normalize(text) for text in texts)
    return frozenset(p for p in course_phrases() if p in whole)


def copied(source: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """Why ``source`` is a copy of the course's reference (a reason in the answer rules' words), or None.
    ``allowed``: phrases the lesson itself holds."""
    reference, written = course_phrases(), phrases(source)
    matched = sorted(p for p in written if p in reference and p not in allowed)
    if sum(len(words(p)) for p in matched) < MIN_WORDS:
        return None
    files = sorted({reference[p] for p in matched})
    quoted = ", ".join(f'"{written[p]}"' for p in matched[:2]) + (", ..." if len(matched) > 2 else "")
    return (f"is copied from the course's own reference implementation: it holds {len(matched)} "
            f"line{'s' * (len(matched) > 1)} of the comments and docstrings of {' and '.join(files)} word "
            f"for word ({quoted}). An answer is your own work: write it yourself, in your own words")
