"""The machinery behind every self-check: run a student's function and the reference on the same
cases, describe the first difference in words, and name the common mistake it looks like.

A lesson's checks (``course/checks/<topic>.py``) only list cases and mistakes; the wording lives here
so that every check in the course speaks the same way.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import torch


class CheckFailed(AssertionError):
    """Raised by a self-check. Its message says which case failed, how, and (when known) why."""


@dataclass
class Mistake:
    """A common wrong version of an exercise: if the student's output equals ``wrong(*args)``, say ``hint``."""
    hint: str
    wrong: Callable[..., Any]


def describe(x: Any) -> str:
    """A short description of a value: type, and for tensors shape and dtype."""
    if isinstance(x, torch.Tensor):
        return f"tensor of shape {tuple(x.shape)} and dtype {x.dtype}"
    if isinstance(x, (list, tuple)):
        head = ", ".join(repr(v) for v in list(x)[:8])
        more = ", …" if len(x) > 8 else ""
        return f"{type(x).__name__} of length {len(x)}: [{head}{more}]"
    if isinstance(x, dict):
        items = list(x.items())[:6]
        more = ", …" if len(x) > 6 else ""
        return f"dict of {len(x)} entries: {{{', '.join(f'{k!r}: {v!r}' for k, v in items)}{more}}}"
    text = repr(x)
    return f"{type(x).__name__} {text[:120] + '…' if len(text) > 120 else text}"


def difference(expected: Any, got: Any, atol: float = 1e-5, rtol: float = 1e-4) -> str | None:
    """None when ``got`` equals ``expected``; otherwise a sentence saying how they differ.

    Types are checked strictly (a list is not a tuple, a tensor must be a real ``torch.Tensor`` of the
    same dtype), so an object that only pretends to be equal never passes.
    """
    if isinstance(expected, torch.Tensor):
        if type(got) is not torch.Tensor:
            return f"expected a torch.Tensor, got {describe(got)}"
        if got.shape != expected.shape:
            return f"expected shape {tuple(expected.shape)}, got shape {tuple(got.shape)}"
        if got.dtype != expected.dtype:
            return f"expected dtype {expected.dtype}, got dtype {got.dtype}"
        if expected.dtype == torch.bool or not expected.is_floating_point():
            if not torch.equal(got, expected):
                wrong = (got != expected).nonzero()[0].tolist()
                return (f"values differ: first at index {tuple(wrong)}, expected "
                        f"{expected[tuple(wrong)].item()}, got {got[tuple(wrong)].item()}")
            return None
        if not torch.allclose(got, expected, atol=atol, rtol=rtol, equal_nan=True):
            diff = (got.double() - expected.double()).abs()
            # equal entries (including -inf == -inf and nan/nan) are no difference at all
            same = (got == expected) | (got.isnan() & expected.isnan())
            diff = torch.nan_to_num(diff.masked_fill(same, 0.0), nan=float("inf"))
            worst = divmod_index(int(diff.argmax()), tuple(expected.shape))
            return (f"values differ: max abs difference {diff.max().item():.3g} at index {worst} "
                    f"(expected {expected[worst].item():.6g}, got {got[worst].item():.6g})")
        return None
    if type(got) is not type(expected) and not (_is_int(expected) and _is_int(got)):
        return f"expected {describe(expected)}, got {describe(got)}"
    if isinstance(expected, (list, tuple)):
        if len(got) != len(expected):
            return f"expected length {len(expected)}, got length {len(got)} (expected {describe(expected)}, got {describe(got)})"
        for i, (e, g) in enumerate(zip(expected, got)):
            d = difference(e, g, atol, rtol)
            if d is not None:
                return f"at position {i}: {d}"
        return None
    if isinstance(expected, dict):
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing keys {missing[:5]}")
            if extra:
                parts.append(f"unexpected keys {extra[:5]}")
            return ", ".join(parts)
        for k in expected:
            d = difference(expected[k], got[k], atol, rtol)
            if d is not None:
                return f"at key {k!r}: {d}"
        return None
    if isinstance(expected, float):
        if abs(got - expected) > atol + rtol * abs(expected):
            return f"expected {expected!r}, got {got!r}"
        return None
    if not _plain_equal(expected, got):
        return f"expected {describe(expected)}, got {describe(got)}"
    return None


def divmod_index(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The multi-dimensional index of a flat position in a tensor of ``shape``."""
    index = []
    for size in reversed(shape):
        flat, rest = divmod(flat, size)
        index.append(rest)
    return tuple(reversed(index))


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _plain_equal(expected: Any, got: Any) -> bool:
    # Types were already checked; ask the trusted value, so a student's __eq__ is never consulted.
    try:
        return bool(expected == got)
    except Exception:
        return False


def _show_args(args: Sequence[Any]) -> str:
    return ", ".join(describe(a) for a in args)


def run_check(name: str, student: Callable[..., Any], reference: Callable[..., Any],
              cases: Iterable[Sequence[Any]], mistakes: Sequence[Mistake] = (),
              atol: float = 1e-5, rtol: float = 1e-4, quiet: bool = False) -> None:
    """Compare ``student(*case)`` with ``reference(*case)`` on every case.

    Each function gets its own deep copy of the arguments, so a student function that changes its
    input in place cannot change what the reference sees. On the first failing case raises
    ``CheckFailed`` saying which case, what was expected and what came back, and, when the student's
    output equals a known wrong version, which mistake that is.
    """
    if not callable(student):
        raise CheckFailed(f"{name}: expected a function, got {describe(student)}")
    cases = list(cases)
    for number, case in enumerate(cases, 1):
        expected = reference(*copy.deepcopy(tuple(case)))
        where = f"{name}: case {number} of {len(cases)} (arguments: {_show_args(case)})"
        try:
            got = student(*copy.deepcopy(tuple(case)))
        except NotImplementedError:
            raise CheckFailed(f"{name}: not implemented yet — replace `raise NotImplementedError()` with your code.") from None
        except Exception as error:  # the student's error, reported in words, with the traceback kept
            raise CheckFailed(f"{where}\n  your function raised {type(error).__name__}: {error}") from error
        problem = difference(expected, got, atol, rtol)
        if problem is None:
            continue
        message = f"{where}\n  {problem}"
        for mistake in mistakes:
            try:
                wrong = mistake.wrong(*copy.deepcopy(tuple(case)))
            except Exception:
                continue
            if difference(expected, wrong, atol, rtol) is not None and difference(wrong, got, atol, rtol) is None:
                message += f"\n  Hint: this looks like a common mistake — {mistake.hint}"
                break
        raise CheckFailed(message)
    if not quiet:
        print(f"✓ {name}: all {len(cases)} cases match the reference.")
