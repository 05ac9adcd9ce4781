"""What a wrong result's relation to the right one says, in words, when no catalogued mistake fits.

A check first looks for an exercise's own mistakes (``Mistake`` lists in each module). When none
gives the student's output, ``diagnose(expected, got, args)`` looks at how the two values relate:
the right numbers in another shape, order or dtype; the right result transposed, flipped, shifted,
inverted, cut short or run long; every value scaled or offset by one constant; the softmax of the
right values; an argument handed back unchanged. Each relation is tested exactly (the transformed
right value must equal the student's output, as ``difference`` compares), so what it says is a fact
about the output, never a guess; the hint then says where such a result usually comes from.
"""
from __future__ import annotations

import itertools
import math
from typing import Any, Sequence

import torch

from course.checks._core import Mistake, difference

ORDINAL = ("first", "second", "third", "fourth", "fifth", "sixth")


def diagnose(expected: Any, got: Any, args: Sequence[Any] = (), atol: float = 1e-5,
             rtol: float = 1e-4) -> Mistake | None:
    """The mistake that ``got``'s relation to ``expected`` shows, or None when none is plain."""
    if difference(expected, got, atol, rtol) is None:
        return None
    same = lambda a, b: difference(a, b, atol, rtol) is None  # noqa: E731  (a is the trusted value)
    for rule in (_returned_an_argument, _wrapped_or_written, _kind_of_value, _tensor_relation, _sequence_relation,
                 _dict_relation, _number_relation):
        try:
            found = rule(expected, got, args, same)
        except Exception:  # a rule that cannot apply to these values says nothing
            found = None
        if found is not None:
            return found
    return _inside(expected, got, args, atol, rtol)


def _inside(expected: Any, got: Any, args: Sequence[Any], atol: float, rtol: float) -> Mistake | None:
    """The first wrong element of a list, tuple or dict that is otherwise of the right form, diagnosed."""
    if isinstance(expected, (list, tuple)) and type(got) is type(expected) and len(got) == len(expected):
        where = [(f"position {i}", e, g) for i, (e, g) in enumerate(zip(expected, got))]
    elif isinstance(expected, dict) and isinstance(got, dict) and got.keys() == expected.keys():
        where = [(f"key {k!r}", expected[k], got[k]) for k in expected]
    else:
        return None
    for place, e, g in where:
        if difference(e, g, atol, rtol) is not None:
            inner = diagnose(e, g, args, atol, rtol)
            return None if inner is None else Mistake(f"{inner.name} (at {place})", inner.hint, credit=inner.credit)
    return None


# --- rules: each returns a Mistake when its relation holds exactly -----------------------------------

def _returned_an_argument(expected, got, args, same):
    for position, arg in enumerate(args):
        if isinstance(arg, (torch.Tensor, list, dict)) and got is arg:
            return _argument_back(position)
        if type(arg) is type(got) and isinstance(arg, (torch.Tensor, list, tuple)) and same(arg, got) \
                and not same(expected, arg):
            return _argument_back(position)
    return None


def _argument_back(position):
    which = ORDINAL[position] if position < len(ORDINAL) else f"number {position + 1}"
    return Mistake("an argument returned unchanged", f"your function returned its {which} argument as it "
                   f"came in: compute the result from it and return that (a loop that never runs, an "
                   f"early return, or returning the input instead of the new value).")


def _wrapped_or_written(expected, got, args, same):
    """The right value inside a tuple or list of one, or a string where another kind of value belongs, where
    the check's own comparison meets it inside a result (the top of a result is ``_core._shape_of_return``'s)."""
    from course.checks._core import wrapped_or_written
    return wrapped_or_written(expected, got, same)


def _kind_of_value(expected, got, args, same):
    """The right values in the wrong kind of container: a list for a tensor, a number for a 0-d tensor,
    numpy values, another dtype, a list for a tuple."""
    if isinstance(expected, torch.Tensor):
        if isinstance(got, torch.Tensor) and got.shape == expected.shape and got.dtype != expected.dtype:
            if same(expected, got.to(expected.dtype)) or same(expected.to(got.dtype), got):
                return Mistake("wrong dtype", f"the values are right but the dtype is {got.dtype}, expected "
                               f"{expected.dtype}: don't convert (.float(), .double(), .long(), "
                               f"dtype=...), or build the result in the inputs' dtype.")
        if not isinstance(got, torch.Tensor) and _as_tensor_equal(expected, got, same):
            fix = "the tensor itself, not .item()" if expected.dim() == 0 else "the tensor, not .tolist() or .numpy()"
            return Mistake("not a tensor", f"the values are right but you returned a {_kind(got)}, "
                           f"expected a torch.Tensor: return {fix}.")
    if isinstance(expected, (list, tuple)) and not isinstance(got, (list, tuple)) and _listlike(got):
        if same(expected, type(expected)(_plain(got.tolist() if hasattr(got, "tolist") else list(got)))):
            return Mistake(f"not a {type(expected).__name__}", f"the values are right but you returned a "
                           f"{type(got).__name__}, expected a {type(expected).__name__}: "
                           f"{'call .tolist() on it' if hasattr(got, 'tolist') else f'wrap it in {type(expected).__name__}(...)'}.")
    if isinstance(expected, tuple) and isinstance(got, torch.Tensor) and got.dim() >= 1 \
            and len(got) == len(expected) > 1 and all(isinstance(e, torch.Tensor) for e in expected):
        if same(expected, tuple(got.unbind(0))):
            return Mistake("stacked into one tensor", f"the values are right, but you stacked the {len(expected)} "
                           f"results into one tensor: return them as a tuple, return a, b (not "
                           f"torch.stack([a, b]) or torch.cat).")
    if isinstance(expected, (list, tuple)) and isinstance(got, dict) and len(got) == len(expected):
        if same(expected, type(expected)(got.values())):
            return Mistake(f"a dict instead of a {type(expected).__name__}", f"the values are right, but return "
                           f"them as a {type(expected).__name__}, in order (return a, b), not a dict of names.")
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)) and type(got) is not type(expected):
        if same(expected, type(expected)(got)):
            return Mistake(f"a {type(got).__name__} instead of a {type(expected).__name__}", f"the values are "
                           f"right, but return a {type(expected).__name__}: {type(expected).__name__}(...) of it.")
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)) and len(got) == len(expected):
        odd = [g for e, g in zip(expected, got) if type(g) is not type(e) and not isinstance(g, (list, tuple, dict))]
        if odd and same(expected, type(expected)(_plain(g) for g in got)):
            return Mistake("elements of the wrong type", f"the values are right but the elements are "
                           f"{_kind(odd[0])}, expected {_kind(expected[got.index(odd[0])])}: convert them "
                           f"(int(x), float(x), or .tolist() on a tensor or array gives plain Python numbers).")
    if isinstance(expected, dict) and type(expected) is dict and isinstance(got, dict) and type(got) is not dict \
            and same(expected, dict(got)):
        return Mistake(f"{type(got).__name__} instead of dict", f"the entries are right, but you returned a "
                       f"{_kind(got)}; the exercise asks for a plain dict: return dict(...) of it.")
    if not isinstance(expected, tuple) and isinstance(got, tuple) and len(got) > 1 \
            and not isinstance(expected, torch.Tensor):
        for position, value in enumerate(got):
            if type(value) is type(expected) and same(expected, value):
                which = ORDINAL[position] if position < len(ORDINAL) else f"number {position + 1}"
                return Mistake("extra values returned", f"you returned {len(got)} values and the {which} is the "
                               f"right result: return it alone (the exercise asks for one {_kind(expected)}, "
                               f"not a tuple with a count or other values).")
    if type(expected) in (int, float) and isinstance(got, str):
        try:
            spelled = float(got) == expected
        except ValueError:
            spelled = False
        if spelled:
            return Mistake("a number written as a string", f"the value is right but it is the string {got!r}, "
                           f"expected the {type(expected).__name__} {expected!r}: keep the number itself, "
                           f"without str(...) or an f-string.")
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and type(got) is not type(expected):
        plain = _plain(got)
        if plain is not got and type(plain) in (int, float) and same(expected, type(expected)(plain)):
            return Mistake("not a plain number", f"the value is right but it is a {_kind(got)}, expected a "
                           f"Python {type(expected).__name__}: return {type(expected).__name__}(...) of it "
                           f"(math.cos rather than numpy's or torch's, or .item() on a tensor).")
        if isinstance(got, (int, float)) and not isinstance(got, bool) and same(expected, type(expected)(got)):
            return Mistake(f"{type(got).__name__} instead of {type(expected).__name__}", f"the value is right "
                           f"but it is a {type(got).__name__}, expected a {type(expected).__name__}.")
    return None


def _tensor_relation(expected, got, args, same):
    if not (isinstance(expected, torch.Tensor) and isinstance(got, torch.Tensor)) or got.dtype != expected.dtype:
        return None
    if got.shape != expected.shape:
        return _other_shape(expected, got, same)
    return _same_shape(expected, got, args, same)


def _other_shape(expected, got, same):
    e_shape, g_shape = tuple(expected.shape), tuple(got.shape)
    if got.numel() == expected.numel() and got.numel() > 1:
        if [s for s in e_shape if s != 1] == [s for s in g_shape if s != 1] and same(expected, got.reshape(e_shape)):
            return Mistake("extra or missing dimensions of size 1", f"the values are right but the shape is "
                           f"{g_shape}, expected {e_shape}: drop the dimension you added (unsqueeze, [None], "
                           f"keepdim=True) or add the one you squeezed away.")
        for order in itertools.permutations(range(expected.dim())):
            if order != tuple(range(expected.dim())) and tuple(expected.permute(order).shape) == g_shape \
                    and same(expected.permute(order), got):
                return Mistake("dimensions in the wrong order", f"the values are right but the dimensions are "
                               f"in another order: shape {g_shape}, expected {e_shape}. Transpose or permute "
                               f"them back, or check which dimensions your reshape/view split or merged.")
        if same(expected, got.reshape(e_shape)):
            return Mistake("wrong shape", f"the numbers are right and in the right order, but the shape is "
                           f"{g_shape}, expected {e_shape}: reshape to {e_shape}.")
    if got.dim() == expected.dim():
        differ = [d for d in range(got.dim()) if g_shape[d] != e_shape[d]]
        if len(differ) == 1:
            d = differ[0]
            n, m = e_shape[d], g_shape[d]
            short, long_ = (got, expected) if m < n else (expected, got)
            k = short.size(d)
            if same(long_.narrow(d, 0, k), short) if m < n else same(short, long_.narrow(d, 0, k)):
                return _length_off(d, expected.dim(), n, m, "end")
            if same(long_.narrow(d, long_.size(d) - k, k), short) if m < n else same(short, long_.narrow(d, long_.size(d) - k, k)):
                return _length_off(d, expected.dim(), n, m, "start")
    return None


def _length_off(d, dims, n, m, side):
    axis = f"dimension {d}" if dims > 1 else "the sequence"
    if m < n:
        return Mistake(f"{n - m} too few along {axis}", f"you returned {_entries(m)} along {axis}, expected {n}; "
                       f"the ones you have are right, the {'last' if side == 'end' else 'first'} {n - m} "
                       f"{'are' if n - m > 1 else 'is'} missing: check the loop's range or the slice (an "
                       f"off-by-one, an early break{', a slice that drops the start' if side == 'start' else ''}).")
    return Mistake(f"{m - n} too many along {axis}", f"you returned {_entries(m)} along {axis}, expected {n}; "
                   f"the {'first' if side == 'end' else 'last'} {n} are right and {m - n} "
                   f"{'are' if m - n > 1 else 'is'} extra at the {side}: check the loop's range or the slice "
                   f"(an off-by-one{', or something added before the first' if side == 'start' else ''}).")


def _entries(m: int) -> str:
    return f"{m} entr{'y' if m == 1 else 'ies'}"


def _same_shape(expected, got, args, same):
    if expected.dtype == torch.bool and same(expected, ~got):
        return Mistake("True and False swapped", "every entry is the opposite of the expected one: "
                       "invert the comparison (< for >=, == for !=) or drop the ~ / logical_not.")
    if expected.dim() >= 2 and expected.size(-1) == expected.size(-2) and same(expected, got.transpose(-1, -2)):
        return Mistake("transposed", "your result is the expected one with its last two dimensions swapped "
                       "(rows for columns): check the order of a matrix product (q @ k.T, not k @ q.T), "
                       "which dimension a mask or tril runs along, or drop a transpose.")
    for d in range(expected.dim()):
        if expected.size(d) > 1 and same(expected, got.flip(d)):
            return Mistake("reversed", f"your result is the expected one in reverse order along dimension {d}: "
                           f"check the direction of the loop, the slice or the triangle (tril/triu).")
    found = _shifted(expected, got, same)
    if found is not None:
        return found
    if expected.is_floating_point():
        return _float_relation(expected, got, same, args)
    return None


def _shifted(expected, got, same):
    for d in range(expected.dim()):
        n = expected.size(d)
        for k in (1, 2, -1, -2):
            if n - abs(k) < 3:  # (two or three rows reordered look shifted; a shift needs some length)
                continue
            a, b = (got.narrow(d, k, n - k), expected.narrow(d, 0, n - k)) if k > 0 else \
                (got.narrow(d, 0, n + k), expected.narrow(d, -k, n + k))
            # (data that mostly repeats along d matches itself shifted: then the relation says nothing)
            if same(b, a) and _mostly_changes(expected, d, abs(k)):
                where = "later" if k > 0 else "earlier"
                axis = f"dimension {d}" if expected.dim() > 1 else "the sequence"
                return Mistake(f"off by {abs(k)} along {axis}", f"your values are the expected ones moved "
                               f"{abs(k)} position{'s' * (abs(k) > 1)} {where} along {axis}: an index or a "
                               f"slice is off by {abs(k)} (i + 1 for i, [1:] for [:-1], or the other way).")
    return None


def _mostly_changes(x: torch.Tensor, d: int, k: int) -> bool:
    """Whether most entries of ``x`` differ from the one ``k`` further along dimension ``d``."""
    n = x.size(d)
    return (x.narrow(d, 0, n - k) != x.narrow(d, k, n - k)).float().mean().item() >= 0.5


def _float_relation(expected, got, same, args=()):
    e, g = expected.double(), got.double()
    if not (e.isfinite().all() and g.isfinite().all()):
        if g.isnan().any() and not e.isnan().any():
            return Mistake("NaN in the result", "some of your values are NaN (not a number) where the "
                           "expected ones are numbers: a softmax over a row that is all -inf, 0 / 0, 0 * inf "
                           "(a mask multiplied by -inf: 0 * -inf is NaN where the mask is 0; fill with "
                           "masked_fill instead), or the log or square root of a negative number or 0 made them.")
        if e.isfinite().all() and g.isinf().any():
            return Mistake("infinity in the result", "some of your values are inf or -inf where every expected one "
                           "is a finite number: the log of 0 (torch.log of a probability that is 0: use "
                           "log_softmax, or F.cross_entropy on the logits), a division by 0, or -inf from a mask "
                           "left in the result made them.")
        return None
    if e.numel() > 1 and e.abs().max() > 0 and e.std() > 0:
        if same(-expected, got):
            return Mistake("sign flipped", "every value is the expected one with its sign flipped: a minus "
                           "sign is missing or extra (a loss is minus the log-probability).")
        scale = float((g * e).sum() / (e * e).sum())
        if abs(scale - 1) > 1e-3 and scale != 0 and same(expected, (g / scale).to(expected.dtype)):
            return Mistake("scaled by a constant", f"every value is {_number(scale)} times the expected "
                           f"one{_what_number(scale, expected, args)}: a factor is missing or extra (a "
                           f"division by a size, a square root, a sum where a mean is taken).")
        offset = float((g - e).mean())
        if abs(offset) > 1e-6 and same(expected, (g - offset).to(expected.dtype)):
            return Mistake("shifted by a constant", f"every value is the expected one plus {offset:.4g}: "
                           f"something constant is added or left out.")
        if same(expected.softmax(-1), got):
            return Mistake("softmax applied", "your values are the softmax (over the last dimension) of "
                           "the expected ones: return the scores or logits before the softmax.")
        if same(got.softmax(-1), expected):
            return Mistake("softmax missing", "the softmax (over the last dimension) of your values is the "
                           "expected result: apply softmax(dim=-1) where it belongs.")
        if same(expected.log_softmax(-1), got):
            return Mistake("log-softmax applied", "your values are the log-softmax of the expected ones: "
                           "return the values before log_softmax.")
    return None


def _number(x: float) -> str:
    return f"{x:.4g}"


def _what_number(scale: float, expected: torch.Tensor, args: Sequence[Any] = ()) -> str:
    """`` (√8)`` or `` (1/12, one over a size)`` when the factor is a size of the result or of a tensor
    argument (3 or more), the square root of one that is not a square, or their inverses: the usual
    suspects. (A factor of 2 says nothing of where it came from.)"""
    shapes = [expected.shape] + [a.shape for a in args if isinstance(a, torch.Tensor)]
    for n in sorted({s for shape in shapes for s in shape if s > 2}):
        candidates = [(n, f"{n}, a size"), (1 / n, f"1/{n}, one over a size")]
        if math.isqrt(n) ** 2 != n:
            candidates += [(math.sqrt(n), f"√{n}"), (1 / math.sqrt(n), f"1/√{n}")]
        for value, words in candidates:
            if abs(scale - value) <= 1e-3 * abs(value):
                return f" ({words})"
    return ""


def _sequence_relation(expected, got, args, same):
    if not (isinstance(expected, (list, tuple)) and type(got) is type(expected)) or not expected:
        return None
    if len(got) == len(expected):
        if len(expected) > 1 and same(expected, type(expected)(reversed(got))):
            if isinstance(expected, tuple):  # the values a function returns
                return Mistake("values in the wrong order", f"your {len(got)} values are right but in reverse "
                               f"order: return them in the order the exercise gives.")
            return Mistake("reversed", "your result has the right elements in reverse order: check the "
                           "loop's direction, or a reverse()/[::-1] you don't need.")
        if _same_elements(expected, got) and not same(expected, got):
            return Mistake("right elements, wrong order", "your result has exactly the expected elements, "
                           "but in another order: keep the order of the input (don't sort, and don't collect "
                           "them through a set).")
        return None
    n, m = len(expected), len(got)
    if m < n and (same(type(expected)(expected[:m]), got) or same(type(expected)(expected[n - m:]), got)):
        side = "last" if same(type(expected)(expected[:m]), got) else "first"
        return Mistake(f"{n - m} too few", f"you returned {_elements(m)}, expected {n}: the ones you have are "
                       f"right and the {side} {n - m} {'are' if n - m > 1 else 'is'} missing (a loop that stops "
                       f"early, range(len - 1), a slice that cuts the {'end' if side == 'last' else 'start'}).")
    if m > n and (same(expected, type(expected)(got[:n])) or same(expected, type(expected)(got[m - n:]))):
        side = "end" if same(expected, type(expected)(got[:n])) else "start"
        return Mistake(f"{m - n} too many", f"you returned {_elements(m)}, expected {n}: {m - n} extra at the "
                       f"{side}, the rest right ({'a loop that runs once too often, or a leftover added at the end' if side == 'end' else 'something added, or not skipped, before the first right one'}).")
    return None


def _elements(m: int) -> str:
    return f"{m} element{'' if m == 1 else 's'}"


def _same_elements(expected, got) -> bool:
    try:
        return sorted(map(repr, expected)) == sorted(map(repr, got))
    except Exception:
        return False


def _dict_relation(expected, got, args, same):
    if not (isinstance(expected, dict) and isinstance(got, dict)):
        return None
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    if len(missing) == 1 and len(extra) == 1 and same(expected[missing[0]], got[extra[0]]):
        return Mistake("a key misnamed", f"the entry under {extra[0]!r} is right, but its key must be "
                       f"{missing[0]!r}: rename it.")
    if missing and len(got) == len(expected):
        keys = {type(k) for k in got}
        want = {type(k) for k in expected}
        if keys != want:
            return Mistake("keys of the wrong type", f"your keys are {', '.join(sorted(t.__name__ for t in keys))}, "
                           f"expected {', '.join(sorted(t.__name__ for t in want))} (for example "
                           f"{next(iter(expected))!r}): use the values themselves as keys.")
        if all(isinstance(k, tuple) for k in got) and all(k[::-1] in expected for k in got) \
                and all(same(expected[k[::-1]], got[k]) for k in got):
            return Mistake("keys reversed", "each key is the expected one reversed, (b, a) for (a, b): "
                           "keep the elements in their order in the input.")
    if not missing and extra and all(not _truthy(got[k]) for k in extra) \
            and same(expected, {k: got[k] for k in expected}):
        return Mistake("entries that should be absent", f"your result also has entries for {extra[:3]} "
                       f"with a value of {got[extra[0]]!r}: leave out what never occurs instead of "
                       f"filling it with zeros.")
    return None


def _truthy(value) -> bool:
    try:
        return bool(value)
    except Exception:
        return True


def _number_relation(expected, got, args, same):
    if type(expected) is float and isinstance(got, float) and math.isnan(got) and not math.isnan(expected):
        return Mistake("NaN in the result", "your value is NaN (not a number) where the expected one is a number: "
                       "0 * inf, inf - inf, 0 / 0 in floats, or the log or square root of a negative number made it.")
    if type(expected) in (int, float) and type(got) in (int, float) and expected != 0 \
            and abs(got / expected + 1) < 1e-6:
        return Mistake("sign flipped", "your value is the expected one with its sign flipped: a minus "
                       "sign is missing or extra.")
    return None


# --- small helpers -----------------------------------------------------------------------------------

def _as_tensor_equal(expected: torch.Tensor, got: Any, same) -> bool:
    if isinstance(got, (bool, str, bytes, dict)) or got is None:
        return False
    value = torch.as_tensor(_plain(got.tolist()) if hasattr(got, "tolist") else got, dtype=expected.dtype)
    return tuple(value.shape) == tuple(expected.shape) and same(expected, value)


def _listlike(x: Any) -> bool:
    return hasattr(x, "tolist") or (hasattr(x, "__iter__") and not isinstance(x, (str, bytes, dict)))


def _plain(x: Any) -> Any:
    """Python values for numpy scalars and 0-d tensors (elements of lists too)."""
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if isinstance(x, torch.Tensor) and x.dim() == 0:
        return x.item()
    if type(x).__module__ == "numpy" and hasattr(x, "item"):
        return x.item()
    return x


def _kind(x: Any) -> str:
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]}.{t.__name__}"
