"""The process that holds a student's answers while the autograder re-checks them (``autograder.recheck``).

It runs alone (in the sandbox when grading is sandboxed), with torch and nothing of the grader, and
without the course package but in the second such process of the exercises that get models of the course's
classes (``recheck.MODEL_TESTS``): it executes the answer cells given in a JSON file, one after the other as a
notebook would (a cell that raises does not stop the next), and then answers calls on stdin/stdout.
Each message is a frame: 8 bytes of length (big-endian), then the bytes of a dict: ``pickle``'s from
the grader (read here in full: the grader is trusted, and plain pickle is a third of a small call's time
cheaper than ``torch.save``'s zip); from here, a byte then the data: ``P`` and a pickle of plain Python data
and tensors as tuples (``_as_plain``), which the grader reads refusing every class, or ``T`` and ``torch.save``'s
(read there as data only):

* request ``{"op": "call", "name": str, "args": tuple, "kwargs": dict, "grad": [positions]}``: call
  the answer's ``name`` (with ``"cell": n``, as answer cell ``n`` left it: the cells after a test cell had not
  run when the notebook ran it); the tensors at ``grad`` get ``requires_grad`` first, and the call is kept for
  a ``grad`` request. Reply ``{"ok": True, "value": ..., "linked": [bool per output tensor]}`` or
  ``{"ok": False, "error": type name, "message": str}``. ``"args"``: the arguments after the call
  (data as it is, ``None`` for a plain list or dict left as it was, a module as ``{"__state__": [its
  state_dict's tensors, with "weights": True in the request], "__modes__": [training per module],
  "__trainable__": [requires_grad per parameter]}``); ``"returned"``: the position of the argument the
  result is (or views), or None; ``"left"``: ``{"grad": bool, "dtype": str}``, the grad mode and default dtype
  the call left (put back here after it).
* request ``{"op": "structure", "object": n}``: a module's parameters', buffers' and plain tensors' names
  (``_structure``).
* request ``{"op": "weight_grad", "arg": i, "parameter": name}``: the gradient of the sum of the last call's
  result with respect to parameter ``name`` of its module argument ``i`` (``_weight_grad``): None when the
  result does not require grad.
  An argument ``("__callback__", n)`` is a function of the grader's: the answer gets a stand-in, and
  calling it writes a frame ``{"ok": True, "callback": n, "args": [...], "kwargs": {...}}`` (data only)
  and reads the grader's answer, ``{"ok": True, "value": ...}`` or an error, before the call goes on.
  An argument ``("__served__", module, {name: n}, {name: look})`` is a module whose child ``name`` the
  grader kept: the answer gets the module with a stand-in child that calls the grader's function ``n``
  the same way, and has the child's settings and copies of its weights (``look``) to read.
* requests ``{"op": "getattr", "object": n, "attr": str}`` and ``{"op": "repr", "object": n}``, and a
  ``call`` with ``"object": n`` instead of ``"name"`` and ``"handles": True``: for a class answer.
  What is not data stays here, in a table, and goes back as ``{"handle": n}``; the grader passes it
  back as ``("__object__", n)``. Each call runs with the grader's grad mode (``"grad_enabled"``) and
  RNG state (``"rng"``, returned as it is after the call), so seeded dropout draws the same numbers.
* request ``{"op": "bind", "names": [...], "source": str}``: the course's functions in place of the
  answers' own (as lesson 03's test cells do with ``checks.reference_helpers``), sent as their source by
  the grader: this process has no course package to import them from (``recheck.COURSE_OBJECTS``).
* request ``{"op": "load", "cells": [str], "lesson": str}``: forget the answers and run these cells
  instead (the answers of ``lesson``, when it is given: see SHORTCUT_KINDS).
* request ``{"op": "grad", "grad_outputs": [tensor or None]}``: the gradients of the last call's
  linked outputs with respect to its ``grad`` arguments. Reply ``{"ok": True, "value": [tensor or None]}``.

The grader reads replies as data only (``torch.load(weights_only=True)``, or a pickle without classes): whatever this process
does, only tensors, numbers, strings and plain containers come back. It is started with this file's
path as the script, the answers file, the answer cells' time limit, the modules to import first
(comma-separated) and the lesson (``04_lstm``: PyTorch's own versions of its exercises refuse to run
here, ``SHORTCUT_KINDS``) and ``course`` or ``none`` (whether the grader will send models of the course's
classes, which loading needs the course's modules for) as its arguments; stdout is moved to stderr at once, so what
the answers print cannot corrupt the frames. Its first frame, ``{"ok": True, "value": "ready"}``, is
written once the grader's own setup is done and before any answer runs: a process that cannot send
it failed to start (the grader's problem, not the student's). Its second, ``{"ok": True, "value":
"loaded"}``, follows once the answer cells have run, so that no call's time limit pays for them.
"""
import __future__
import ast
import collections
import dis
import gc
import inspect
import functools
import io
import json
import os
import re
import signal
import struct
import sys
import threading
import types
import warnings


OUTPUT_BYTES = 1_000_000  # of what the answers print, what this process writes to its stderr file


class _Capped(io.TextIOBase):
    """This process's ``sys.stdout`` and ``sys.stderr``: what the answers print goes to the stderr file
    (the grader reads its end only when the process fails to start) until ``OUTPUT_BYTES`` are written,
    then nowhere; a write never fails. The file grew to the sandbox's 512 MB limit under an answer that
    printed a gigabyte, and every later write there raised, an honest exercise's one print included:
    a red team's answer cost its whole lesson (2026-12-04). In the notebook such printing only gets cut."""

    def __init__(self, fd: int, limit: int):
        super().__init__()
        self._fd, self._left = fd, limit

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "backslashreplace"

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return False

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self._left > 0:
            data = text.encode("utf-8", "backslashreplace")[:self._left]
            self._left -= len(data)
            if self._left <= 0:
                data += b"\n... the rest of what the answers printed is not kept ...\n"
            try:
                while data:
                    data = data[os.write(self._fd, data):]
            except OSError:
                self._left = 0
        return len(text)


def _frames():
    channel = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr = _Capped(2, OUTPUT_BYTES)
    return sys.stdin.buffer, channel


def _read(stream):
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack(">Q", head)
    return stream.read(size)


def _without_numpy_scalars(value):
    """``value`` with numpy's scalars as ``("__numpy__", dtype, number)``, which the grader turns back
    into them (``recheck._numpy_scalars``): its loader takes plain data only, and refused them with
    a page of text where the notebook's check had taken an ``np.float64`` for the float it is."""
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.generic) and value.dtype.kind in "biufc":
        return ("__numpy__", value.dtype.str, value.item())
    if type(value) in (list, tuple):
        return type(value)(_without_numpy_scalars(v) for v in value)
    if type(value) is dict:
        return {k: _without_numpy_scalars(v) for k, v in value.items()}
    return value


def _plain_arguments(value):
    """``value`` with an instance of a subclass of ``str``, ``int`` or ``float`` as the plain value it holds
    (an answer's ``class Split(str, enum.Enum)``, whose ``Split.TRAIN`` is the string ``"train"``; an
    ``IntEnum``), read by the base type's own method, which no subclass overrides; plain containers are walked.
    The grader's functions (a batch source, a schedule) take such a value as the notebook's do: an honest
    ``train_loop`` that called ``get_batch(Split.TRAIN)`` passed its test cell and lost both points in the
    re-check, told that only plain data can be passed (rt45)."""
    if isinstance(value, bool):
        return value
    for plain, read in ((str, str.__str__), (int, int.__int__), (float, float.__float__)):
        if isinstance(value, plain) and type(value) is not plain:
            return read(value)
    if type(value) in (list, tuple):
        return type(value)(_plain_arguments(v) for v in value)
    if type(value) is dict:
        return {_plain_arguments(k): _plain_arguments(v) for k, v in value.items()}
    return value


def _said(error: BaseException) -> str:
    """``str(error)``, or a note where the answer's exception class cannot say it: a ``__str__`` of its own that
    raises or returns no string (``return 5``) raised again where this process wrote the message, which ended
    it, and every test after it was told 'the answers' process ended' (ch58: a merge raising such an error on the
    hidden tests' longer lists; an answer cell raising one as it ran failed every exercise of its notebook)."""
    try:
        text = str(error)
        return text if type(text) is str else str.__str__(text)
    except BaseException:
        return f"<the message of {type(error).__name__} could not be written: its __str__ failed>"


def _builtin_base(error: BaseException) -> str:
    """The names of the nearest of Python's own exception classes that ``error``'s class derives from, joined
    by commas (an answer's ``class UnknownCharacter(ValueError)``: ``"ValueError"``; ``class
    UnknownCharacter(KeyError, ValueError)``: ``"KeyError,ValueError"``), which the grader's stand-in derives
    from too, so that ``except ValueError`` catches it there as in the notebook. Only the nearest: a builtin
    class that another one named derives from (``LookupError`` under ``KeyError``) is left out."""
    import builtins

    found = []
    try:
        for cls in type(error).__mro__:
            name = cls.__name__
            if (type(name) is str and getattr(builtins, name, None) is cls
                    and not any(issubclass(getattr(builtins, f), cls) for f in found)):
                found.append(name)
    except Exception:  # (a class that lies about its bases)
        pass
    return ",".join(found) or "Exception"


def _not_data(reply: dict, error: Exception) -> str:
    """What a student reads when the reply holds an object the grader cannot receive: its class (a
    namedtuple's ``Pair``, made in the answer cell), not the pickler's words."""
    import torch

    plain = (list, tuple, dict, set, frozenset, collections.OrderedDict, collections.Counter)
    leaves = (str, bytes, int, float, complex, bool, type(None), torch.Tensor, torch.Size, torch.dtype)
    stack, steps = [reply.get("value"), reply.get("args")], 0
    while stack and steps < 100_000:
        value, steps = stack.pop(), steps + 1
        kind = type(value)
        if kind in plain:
            stack.extend([*value.keys(), *value.values()] if isinstance(value, dict) else value)
        elif kind not in leaves and not (isinstance(value, torch.Tensor)
                                         and str(getattr(kind, "__module__", "")).startswith("torch")):
            # (a tensor of a subclass of the answer's, ``x.as_subclass(Mine)``, too: it was told the pickler's
            # "Can't pickle <class '__main__.Mine'>: attribute lookup Mine on __main__ failed", ch54)
            made = " (a class made in your answer cell)" if getattr(kind, "__module__", "") == "__main__" else ""
            fix = ("a plain torch.Tensor (x.as_subclass(torch.Tensor) makes one of it)"
                   if isinstance(value, torch.Tensor) else
                   "plain Python values (tuples, lists, dicts, numbers, strings, tensors)")
            return (f"your function returned a {getattr(kind, '__name__', 'value')}{made} in its result, which the "
                    f"grader cannot receive: return {fix}")
    return f"the result could not be sent back as data: {error}"


# What a reply of plain data holds, exactly these types (not a subclass), and tensors as ``TENSOR_MARK`` tuples:
# such a reply crosses as a pickle that names no class (``b"P"``), which the grader reads with C's unpickler
# refusing every class; any other, as ``torch.save`` writes it (``b"T"``), read there with torch's loader of
# data only: a third of a millisecond a reply of numbers, two of one with a tensor, most of a small call's
# time in the grader (lesson 01's re-check makes 565 calls, lesson 05's 140 with tensors).
PLAIN_CONTAINERS = (dict, list, tuple)
PLAIN_LEAVES = (str, bytes, int, float, bool, type(None))
TENSOR_MARK = "__tensor__"  # ``("__tensor__", dtype name, shape, bytes)``: a tensor that owns its storage
TENSOR_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64")


class _NotPlain(Exception):
    pass


def _as_plain(value, memo: dict, storages: set):
    """``value`` with its tensors as ``TENSOR_MARK`` tuples, each container once (as pickle shares it);
    ``_NotPlain`` if it holds anything else, or a tensor that is not alone in a storage of its own (a view,
    one with a gradient or attributes: ``torch.save`` keeps what they share and are)."""
    import torch

    kind = type(value)
    if kind in PLAIN_LEAVES:
        return value
    if id(value) in memo:
        return memo[id(value)]
    if kind is torch.Tensor:
        size = value.numel() * value.element_size()
        dtype = str(value.dtype).removeprefix("torch.")
        if (dtype not in TENSOR_DTYPES or value.layout is not torch.strided or value.device.type != "cpu"
                or value.requires_grad or value.is_conj() or value.is_neg() or value.__dict__
                or not value.is_contiguous() or value.storage_offset() != 0
                or value.untyped_storage().nbytes() != size):
            raise _NotPlain
        if size:  # (two tensors of one storage cross as one, with torch.save)
            if value.untyped_storage().data_ptr() in storages:
                raise _NotPlain
            storages.add(value.untyped_storage().data_ptr())
        data = value.reshape(-1).view(torch.uint8).numpy().tobytes()
        made = (TENSOR_MARK, dtype, tuple(value.shape), data)
    elif kind is dict:
        made = memo[id(value)] = {}
        for key, item in value.items():
            made[_as_plain(key, memo, storages)] = _as_plain(item, memo, storages)
    elif kind is list:
        made = memo[id(value)] = []
        made.extend(_as_plain(item, memo, storages) for item in value)
    elif kind is tuple:
        made = tuple(_as_plain(item, memo, storages) for item in value)
    else:
        raise _NotPlain
    memo[id(value)] = made
    return made


def _write(stream, message) -> None:
    import pickle

    import torch

    message = _without_numpy_scalars(message)
    try:
        data = b"P" + pickle.dumps(_as_plain(message, {}, set()), protocol=pickle.HIGHEST_PROTOCOL)
    except (_NotPlain, RecursionError):
        buffer = io.BytesIO()
        torch.save(message, buffer)
        data = b"T" + buffer.getvalue()
    stream.write(struct.pack(">Q", len(data)) + data)


def _tensors(value, found):
    import torch

    if isinstance(value, torch.Tensor):
        found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _tensors(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _tensors(item, found)
    return found


def _is_data(value) -> bool:
    import torch

    leaves = (bool, int, float, str, type(None), torch.Tensor)  # (exactly these types: no subclass)
    if type(value) in leaves:
        return True
    if type(value) in (list, tuple):  # (a list of a thousand ids: their types looked at in C, at once)
        return set(map(type, value)).issubset(leaves) or all(_is_data(v) for v in value)
    if type(value) is dict:
        return set(map(type, value)).issubset(leaves) and set(map(type, value.values())).issubset(leaves) \
            or all(_is_data(k) and _is_data(v) for k, v in value.items())
    return False


def _detached(value):
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if type(value) is list:  # only plain containers are rebuilt: a Counter goes back as a Counter
        return [_detached(v) for v in value]
    if type(value) is tuple:
        return tuple(_detached(v) for v in value)
    if type(value) is dict:
        return {k: _detached(v) for k, v in value.items()}
    return value


CELL_SECONDS = 20  # an answer cell only defines its functions; one running longer is interrupted
                  # (a second argument, after the answers file, changes it)
# ... and all of them together have that much (a cell of MIN_CELL_SECONDS or less counts nothing), each at
# least MIN_CELL_SECONDS once it is spent: answer cells that spun only here (a lesson variable missing) cost
# the batch 20 s each, 2 minutes for lesson 04's six, with full marks (a red team's, 2026-12-04). An honest
# cell defines functions in milliseconds.
MIN_CELL_SECONDS = 2


class CellInterrupted(BaseException):
    """Raised in an answer cell that runs past CELL_SECONDS (as the notebook's cell limit would)."""


class GraderGone(SystemExit):
    """Ends this process when the grader closed its end while an answer's call waited for a callback."""


GIVEN = [0]  # the seconds the running answer cell was given (what is left of the shared budget)
# the running cell's clock and where its limit began (``clock.Clock.mark``); None between cells. The limit
# counts the cell's own time: on a busy machine a cell that waits for a CPU is not interrupted for the wait,
# as the notebook's cells and the re-check's calls are not (``autograder/clock.py``), and it holds at
# ``WALL_FACTOR`` times its length on the wall clock
LIMIT = [None, None]
# the mark of the cell last interrupted: one that catches CellInterrupted and goes on had, until the grader's limit
# for all the cells (``recheck.Host._load_seconds``, 120 s and then cell_seconds for each cell), a sleeping
# ``while True: try: time.sleep(1) except BaseException: pass`` only here (a lesson variable missing) holding
# its worker 200 s past a cell's 20 s, and told 'the answer ran past 200 s' (ch56)
INTERRUPTED = [None]
IGNORED_SECONDS = 2
IGNORED_STATUS = 75  # this process's exit status then (the grader names it: ``recheck.Host._read``)


def _interrupt(signum, frame):
    """At the running cell's limit on the wall clock, and each second after it: interrupts the cell once its
    own time is past the limit, or reads the clock again a moment later. A cell still running
    ``IGNORED_SECONDS`` after its interrupt caught it (``except BaseException``, a bare ``except:``) ends this
    process, with the exit status ``IGNORED_STATUS``, as a kernel that ignores its interrupt is ended."""
    clock, mark = LIMIT
    if clock is None:  # (the cell ended meanwhile)
        return
    if INTERRUPTED[0] is mark:
        try:
            os.write(2, b"an answer cell ran past its time limit and did not stop when interrupted\n")
        finally:
            os._exit(IGNORED_STATUS)
    if not clock.past(mark, GIVEN[0]):
        signal.setitimer(signal.ITIMER_REAL, max(clock.left(mark, GIVEN[0]), 0.05))
        return
    INTERRUPTED[0] = mark
    signal.setitimer(signal.ITIMER_REAL, IGNORED_SECONDS)
    raise CellInterrupted(f"the cell ran past its time limit ({GIVEN[0]} s of the {CELL_SECONDS} s the answer "
                          "cells share)")


ANNOTATIONS_AS_TEXT = __future__.annotations.compiler_flag


SITE = "__answer_class_site__"  # a class attribute of each class an answer defines: where its statement is
MODULE_NAMES = set()  # the last part of each module's name, filled when first needed


def _own_self(obj, site, attribute):
    """``obj``, a method's ``self``, when it is an instance of the method's class (the class whose statement
    is at ``site``, by its type's class chain, which no ``__instancecheck__`` or ABC registration changes),
    and ``self.attribute`` is not, for a private or module-like name, a library class's own; else
    ``PermissionError``."""
    chain = type(obj).__mro__
    if not any(vars(c).get(SITE) == site for c in chain):
        raise PermissionError(f"a method used self.{attribute} on something that is not an instance of its class "
                              f"(a {type(obj).__name__}): call your methods on instances of their class")
    if not MODULE_NAMES:
        MODULE_NAMES.update(name.rpartition(".")[2] for name in list(sys.modules))
    if attribute.startswith("_") or attribute in MODULE_NAMES:
        owner = next((c for c in chain if attribute in vars(c)), None)
        # A library base's method is the instance's own behaviour (``self.copy()`` of a dict or Counter subclass,
        # ``self.join`` of a str one): what is refused is its other attributes, data or descriptors (ndarray's
        # ``ctypes``). The builtin types' are all fine; a class a library made for the answer (``namedtuple("P",
        # "x y")`` as a base) is the answer's: its ``__module__`` is the answer's; nn.Module keeps a module's parts.
        if owner is not None and _library(owner) and not inspect.isroutine(vars(owner)[attribute]):
            raise PermissionError(f"self.{attribute} is {owner.__module__}.{owner.__qualname__}'s own attribute, not "
                                  f"one your class set: give yours another name")
        # and not one a library base put on the instance itself (a red team's class mixed in
        # warnings.catch_warnings, whose __init__ sets self._module, and read it through its own method)
        library = next((c for c in chain if _library(c)), None)
        if owner is None and library is not None:
            raise PermissionError(f"self.{attribute} may be {library.__module__}.{library.__qualname__}'s, a base of "
                                  f"{type(obj).__name__}: give your attribute a name of its own, without a leading _")
    return obj


class _AnswersSuper(super):
    """The answers' ``super`` (their cells' globals hold it, so it is what the name means in their code): Python's
    own, save that what it reads must start after a class of the answers' own (its statement's site,
    ``SITE``). ``super(torch.Tensor, t).numpy()`` skipped this process's ``Tensor.numpy`` for torch's own, in
    an immutable C base: the array it gave did not hold the tensor's memory, and ``set_`` freed it under the
    array, ``sys`` some lines on (ch42, 2026-12-06; ch41's gadget). ``super()`` in a method, and
    ``super(MyClass, self)``, start after the answer's class, as before. (That base's ``numpy`` is now this
    process's too, ``_tensor_method``; this closes the route past whatever else is put in a library class's
    place.) No ``__init__`` here: Python's finds
    the zero-argument form's class and instance in the frame that calls it, which must stay the answer's."""

    def __getattribute__(self, name):
        start = vars(super)["__thisclass__"].__get__(self)
        if not (isinstance(start, type) and vars(start).get(SITE) is not None):
            raise PermissionError(f"super({getattr(start, '__name__', '?')}, ...) names a library's class, which "
                                  f"skips what the grader put in its place: call super() with no arguments in a "
                                  f"method of your class, or super(YourClass, self)")
        return super().__getattribute__(name)


def _own_part(obj, attribute):
    """``obj``, what a method's ``self`` holds (``self.c_proj``), whose ``attribute`` the method sets
    (``self.c_proj.NANOGPT_SCALE_INIT = 1``), when it is an nn.Module object (by its type's class chain); else
    ``PermissionError``: a subclass in another answer cell could make ``c_proj`` a property that returns torch,
    and the line would patch it (``torch.equal = ...``)."""
    import torch

    if isinstance(obj, type) or torch.nn.Module not in type(obj).__mro__:
        raise PermissionError(f"a method set .{attribute} on a {type(obj).__name__} that self holds: an answer may set "
                              f"attributes of self, and of the nn.Module objects self holds, only")
    return obj


def _own_ctx(ctx, site, attribute):
    """``ctx``, the first parameter of a static ``forward``/``setup_context``/``backward`` of an autograd Function
    of the answer's (the class whose statement is at ``site``), whose ``attribute`` the method sets (``ctx.dim =
    dim``), when it is the context torch made for a call of that class (or of a subclass): a ``BackwardCFunction``
    of the class's own backward type; else ``PermissionError``. ``MyFn.forward(torch, x)`` would set attributes
    of whatever it is handed."""
    import torch

    kind = type(ctx)
    made = kind.__dict__.get("_forward_cls") if torch.autograd.function.BackwardCFunction in kind.__mro__ else None
    if not isinstance(made, type) or made.__dict__.get("_backward_cls") is not kind \
            or not any(vars(c).get(SITE) == site for c in made.__mro__):
        raise PermissionError(f"a static method set ctx.{attribute} on a {kind.__name__}, not the context PyTorch made "
                              f"for a call of its Function: call the Function as `MyFunction.apply(...)`")
    return ctx


def _library(cls) -> bool:
    """Whether ``cls`` is a library's class whose attributes an answer's ``self`` may not take for its own: not
    the answer's (its statement's site, or a class a library made for it, ``namedtuple("P", "x y")``, whose
    ``__module__`` is the answer's), not a builtin type, not nn.Module (which keeps a module's parts)."""
    return SITE not in vars(cls) and cls.__module__ not in ("builtins", "__main__") \
        and not (cls.__module__.startswith("torch.nn.") and cls.__name__ == "Module")


def _held_by_self(value) -> bool:
    """Whether ``value`` is what ``self`` holds, by attributes only: ``self.c_proj``, ``self.transformer.wte``
    (as ``answers._held_by_self``; this process imports nothing of the autograder's)."""
    if not isinstance(value, ast.Attribute):
        return False
    while isinstance(value, ast.Attribute):
        value = value.value
    return isinstance(value, ast.Name) and value.id == "self"


class _SelfGuard(ast.NodeTransformer):
    """Every ``self.x`` in a method of an answer's class (read, written or deleted), as
    ``__answer_own_self__(self, site, "x").x`` (``_own_self``): the rules allow more on ``self`` than on other
    objects (an attribute named like a module, or private, that the class sets itself), on the promise that
    ``self`` is an instance of the class and the attribute its own, and red teams broke that promise a dozen
    ways, each of which reached ``sys`` (``staticmethod(method)``, the class under another name, a
    classmethod's ``cls.method(obj)``, an Enum's ``_missing_``; an ndarray subclass's ``self.ctypes``,
    2026-12-03). Each class statement gets a class attribute ``__answer_class_site__``, where it is in the
    answers (kept by NamedTuple's and Enum's classes too). A function inside a method reads the method's
    ``self`` unless it has a ``self`` of its own; a static or class method has no instance."""

    def __init__(self, file):
        self.file, self.owner = file, [None]  # the site of the class whose method's ``self`` is in scope
        self.context = [None]  # (``ctx``'s name and the class's site, in a static forward/backward: ``_own_ctx``)

    def visit_ClassDef(self, node):
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.bases = [self.visit(b) for b in node.bases]
        node.keywords = [self.visit(k) for k in node.keywords]
        site = (self.file, node.lineno, node.col_offset)
        marker = ast.Assign(targets=[ast.Name(SITE, ast.Store())], value=ast.Constant(site), lineno=node.lineno)
        docstring = node.body[:1] if ast.get_docstring(node, clean=False) is not None else []
        body = [*docstring, marker]  # (after the docstring, which stays the class's ``__doc__``)
        self.context.append(None)
        for item in node.body[len(docstring):]:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = (item.args.posonlyargs + item.args.args)[:1]
                plain = not any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")
                                for d in item.decorator_list)
                static = [ast.unparse(d) for d in item.decorator_list] == ["staticmethod"]
                self.context.append((first[0].arg, site) if first and static else None)
                body.append(self._function(item, site if first and first[0].arg == "self" and plain else None))
                self.context.pop()
            else:
                body.append(self.visit(item))
        self.context.pop()
        node.body = body
        return node

    @staticmethod
    def _parameters(args):
        return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs
                + [a for a in (args.vararg, args.kwarg) if a is not None]]

    def _function(self, node, site):
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.args = self.visit(node.args)
        inherited = None if "self" in self._parameters(node.args) else self.owner[-1]
        self.owner.append(site or inherited)
        node.body = [self.visit(item) for item in node.body]
        self.owner.pop()
        return node

    def visit_FunctionDef(self, node):
        return self._function(node, None)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        node.args = self.visit(node.args)
        self.owner.append(None if "self" in self._parameters(node.args) else self.owner[-1])
        node.body = self.visit(node.body)
        self.owner.pop()
        return node

    def visit_Attribute(self, node):
        held = self.owner[-1] is not None and not isinstance(node.ctx, ast.Load) and _held_by_self(node.value)
        node.value = self.visit(node.value)
        if held:  # ``self.c_proj.NANOGPT_SCALE_INIT = 1``: only on an nn.Module object (``_own_part``)
            node.value = ast.copy_location(ast.Call(func=ast.Name("__answer_own_part__", ast.Load()),
                                                    args=[node.value, ast.Constant(node.attr)], keywords=[]), node.value)
        context = self.context[-1]
        if context is not None and not isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) \
                and node.value.id == context[0]:  # ``ctx.dim = dim``: only on the context of its own call
            node.value = ast.copy_location(ast.Call(
                func=ast.Name("__answer_own_ctx__", ast.Load()),
                args=[node.value, ast.Constant(context[1]), ast.Constant(node.attr)], keywords=[]), node.value)
        if self.owner[-1] is not None and isinstance(node.value, ast.Name) and node.value.id == "self":
            node.value = ast.copy_location(ast.Call(
                func=ast.Name("__answer_own_self__", ast.Load()),
                args=[node.value, ast.Constant(self.owner[-1]), ast.Constant(node.attr)], keywords=[]), node.value)
        return node


# The answer cells that raised as they ran, ``[cell index, class name, message]``: sent with "loaded" and a
# load's reply, so that the feedback says why the answer's names are missing (a default value that read a
# variable of the lesson's: ``def collate(docs, pad_id=pad_id)``).
CELL_ERRORS = []
# Each answer cell's own module namespace, in order. A cell runs in a copy of what the cells before it left, so
# its functions read the names as they stood when the notebook ran the cell's test, right after it, not as a
# later answer cell bound them again: an honest lstm_cell whose helper ``_split`` shift_batch's cell defined
# again, differently, passed in the notebook and lost its points here (rt35, 2026-12-06). The last one is the
# notebook as it stands at its end, where the tests find the answers.
CELL_NAMESPACES = []
CELL_MODULES = []  # the modules that hold them (``_run``)
# Each cell's names as it left them (``CELL_AS_LEFT[j]``), and the test's place whose names the cells' namespaces
# hold now (``AS_OF``). In the notebook a function reads its globals as they stand when it is called: in a test,
# the names as the answer cells above it left them. So before a test's calls every cell's namespace up to the
# test's place is given those names (``_as_of``): a module-like first cell's ``bpe_loop`` that calls a draft
# ``merge`` of its own, answered again for real two cells below, used the real one in bpe_word's test and the
# draft here (rt39, 2026-12-06: bpe_word's points lost, "not implemented yet"); and rt35's helper defined again
# later is still the first one in a test above the later cell.
CELL_AS_LEFT = []
AS_OF = [None]


def _lend_new_names(namespace):
    """Give the earlier cells' namespaces the names this cell bound first, never one they hold. In the notebook
    a function reads its globals when it is called: a module-like first cell's ``bpe`` that calls ``merge``,
    answered two cells below, ran in bpe_word's test, after that cell; in a namespace of its own it found no
    ``merge`` (rt39, 2026-12-06: a correct notebook lost bpe_word's points, told "a helper defined in another
    cell counts only once that cell has run"). A name an earlier cell holds keeps its value (rt35's helper
    defined again later); so the earlier cells read what the notebook's one namespace gave them."""
    for earlier in CELL_NAMESPACES[:-1]:
        for name, value in namespace.items():
            if name not in earlier:
                earlier[name] = value


def _as_of(cell):
    """Give every answer cell's namespace up to ``cell`` the names as ``cell`` left them (``CELL_AS_LEFT``)."""
    if AS_OF[0] == cell:
        return
    for namespace in CELL_NAMESPACES[:cell + 1]:
        namespace.clear()
        namespace.update(CELL_AS_LEFT[cell])
    AS_OF[0] = cell


def _run(cells):
    CELL_ERRORS.clear()
    CELL_NAMESPACES.clear()
    CELL_MODULES.clear()
    CELL_AS_LEFT.clear()
    AS_OF[0] = None
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "__answer_own_self__": _own_self,
                 "__answer_own_part__": _own_part, "__answer_own_ctx__": _own_ctx, "super": _AnswersSuper}
    signal.signal(signal.SIGALRM, _interrupt)
    if not CLOCK:  # (a test that runs the cells without ``main``)
        CLOCK.append(_load_beside("clock.py", "autograder/clock.py"))
    # (this process's own time, its threads' and what it starts'; given one CPU: its sandbox's limit, one thread)
    clock = CLOCK[0].Clock(os.getpid(), cpus=1)

    left = CELL_SECONDS  # what the cells that ran longer than MIN_CELL_SECONDS have not used yet (a slow
    for number, source in enumerate(cells):  # import on a busy machine takes a little; an honest cell, nothing)
        began = clock.mark()
        # (the names as this cell found them; a mapping of str keys: no code runs), held by a module of its own,
        # which is ``__main__`` while the cell runs, as IPython's user module is in the notebook: a dataclass
        # reads a hint that is text (``ANNOTATIONS_AS_TEXT``), ``ClassVar[str]``, ``InitVar[dict]`` or
        # ``KW_ONLY``, by looking its name up in the module of the class, ``sys.modules[cls.__module__]``; in
        # this process's own globals it found none and made each an init argument, so an honest dataclass
        # with a ClassVar before a field without a default raised TypeError as the cell ran (rt42, 2026-12-06)
        cell_module = types.ModuleType("__main__")
        cell_module.__dict__.update(namespace)
        namespace = cell_module.__dict__
        CELL_MODULES.append(cell_module)
        CELL_NAMESPACES.append(namespace)
        host = sys.modules.get("__main__")
        try:
            sys.modules["__main__"] = cell_module
            GIVEN[0] = max(MIN_CELL_SECONDS, min(CELL_SECONDS, round(left)))
            LIMIT[:] = [clock, began]
            signal.setitimer(signal.ITIMER_REAL, GIVEN[0])
            # annotations kept as text, never evaluated: a type hint may name a class the lesson imports
            # from the course (``cfg: TrainConfig``), which this process does not have
            tree = compile(source, f"<answer {number + 1}>", "exec", flags=ANNOTATIONS_AS_TEXT | ast.PyCF_ONLY_AST,
                           dont_inherit=True)
            tree = ast.fix_missing_locations(_SelfGuard(f"<answer {number + 1}>").visit(tree))
            namespace.update({name: _config_type(name) for name in _config_names(tree) if name not in namespace})
            namespace.update({module: _config_module(names) for module, names in _config_modules(tree).items()
                              if module not in namespace})
            exec(compile(tree, f"<answer {number + 1}>", "exec", flags=ANNOTATIONS_AS_TEXT, dont_inherit=True),
                 namespace)
        except BaseException as error:  # as in a notebook: the next cell still runs
            said = _said(error)
            print(f"answer cell {number + 1} raised {type(error).__name__}: {said}", file=sys.stderr)
            try:
                CELL_ERRORS.append([number, str(type(error).__name__)[:80], said[:300]])
            except BaseException:  # (an error whose message cannot be written)
                CELL_ERRORS.append([number, "Exception", ""])
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            LIMIT[:] = [None, None]
            sys.modules["__main__"] = host
            took = clock.read() - began[1]
            if took > MIN_CELL_SECONDS:
                left -= took
            CELL_AS_LEFT.append(dict(namespace))
            _lend_new_names(namespace)
    if not CELL_NAMESPACES:
        CELL_NAMESPACES.append(namespace)
        CELL_AS_LEFT.append(dict(namespace))
    return namespace


# The special methods through which a class decides what reading or writing an attribute of its instances
# does. A library class that defines one may forward them to another object: typing's ``_GenericAlias``
# reads its ``__origin__``'s attributes, so a red team's subclass of it, wrapping ``torch``, read ``self.sys``
# (which the rules allow on ``self``) and called the course's reference from ``sys.modules`` (2026-12-02).
# An answer's class may inherit them from ``object``, nn.Module (its parameters and submodules) and
# exceptions only; the rules refuse an answer's own definitions of them.
ATTRIBUTE_HOOKS = ("__getattr__", "__getattribute__", "__setattr__", "__delattr__")
READING_HOOKS = ATTRIBUTE_HOOKS[:2]  # those that decide what reading an attribute gives


def _checked_classes(build_class):
    """``builtins.__build_class__`` that refuses, for a class statement of an answer's (its code's file is
    ``<answer N>``), a base whose class chain holds a library class with its own ``ATTRIBUTE_HOOKS``."""
    import types
    import weakref

    getframe, resolve, own = sys._getframe, types.resolve_bases, weakref.WeakSet()
    trusted = {object, BaseException}

    def checked(func, name, *bases, **keywords):
        if not getframe(1).f_code.co_filename.startswith("<answer "):
            return build_class(func, name, *bases, **keywords)
        if not trusted - {object, BaseException}:
            torch = sys.modules.get("torch")
            if torch is not None:
                trusted.add(torch.nn.Module)
        for base in resolve(bases):
            for ancestor in getattr(base, "__mro__", ()):
                if ancestor in trusted:
                    continue
                # A class made in an answer cell has no hook of its own (the rules refuse one), but a frozen
                # dataclass's __setattr__; the lesson's plt stand-in (``_NoPlots``) is made as one, with
                # ``__getattr__``: its own ``__init_subclass__`` refusal was skipped by a base before it whose
                # ``__init_subclass__`` does not call super() (``class Evil(random.Random, _NoPlots)``, ch37)
                names = READING_HOOKS if ancestor in own else ATTRIBUTE_HOOKS
                hooks = [h for h in names  # (a builtin type's slot is Python's own lookup: dict, int)
                         if h in vars(ancestor) and not isinstance(vars(ancestor)[h], types.WrapperDescriptorType)]
                if hooks:
                    raise TypeError(f"class {name} may not inherit from {ancestor.__module__}.{ancestor.__qualname__}, "
                                    f"which decides itself what its attributes are ({hooks[0]}): base your class on "
                                    f"object, nn.Module or a plain container")
        made = build_class(func, name, *bases, **keywords)
        if isinstance(made, type) and issubclass(made, dict) and any(c in trusted for c in made.__mro__
                                                                     if c not in (object, BaseException)):
            # nn.Module's __getattr__ hands back a child by the name it was registered under, a special one too
            # (``nn.ModuleDict({"_" * 2 + "array_interface" + "_" * 2: child})``): a child that is also a dict is
            # read by numpy as an array at any address (rt21, 2026-12-04)
            raise TypeError(f"class {name} may not be both an nn.Module and a dict: keep the dict in an attribute")
        if isinstance(made, type):
            _no_fields_over_a_library(made)
            own.add(made)
        return made
    return checked


def _no_fields_over_a_library(made) -> None:
    """``TypeError`` if ``made``, a class of an answer's, has a library class in its chain (``_library``) and a class
    of the answers there annotates a private or module-like name: ``dataclasses.astuple``, ``asdict`` and ``replace``
    and a dataclass's ``__match_args__`` read each field by its name, past ``_own_self``. A dataclass field
    ``_baseclass`` of a class based on numpy's MaskedArray gave numpy's ndarray class (ch40, 2026-12-06; its
    constructor lays an array over any buffer), and the field could come from a dataclass of another answer cell."""
    chain = made.__mro__
    library = next((c for c in chain if c not in (object, BaseException) and _library(c)), None)
    if library is None:
        return
    if not MODULE_NAMES:
        MODULE_NAMES.update(name.rpartition(".")[2] for name in list(sys.modules))
    for cls in chain:
        if SITE not in vars(cls):
            continue
        for field in vars(cls).get("__annotations__", {}):
            if type(field) is str and not field.startswith("_") and field in MODULE_NAMES:
                # (rt41: a Dataset dataclass's field ``data`` was told to take "a public name", which it had;
                # the feedback shows the first 200 characters, so the why comes first)
                raise TypeError(f"class {made.__name__} is based on {library.__module__}.{library.__qualname__} and "
                                f"annotates {field!r} (in {cls.__name__}), also a module's name "
                                f"({_module_named(field)}): give the field another name (`tokens`, say); a "
                                f"dataclass's functions would read it from the library's class")
            if type(field) is not str or field.startswith("_") or field in MODULE_NAMES:
                raise TypeError(f"class {made.__name__} is based on {library.__module__}.{library.__qualname__} and "
                                f"annotates {field!r} (in {cls.__name__}), which a dataclass's functions would read "
                                f"from the library's class: give the field a public name of its own, or base the "
                                f"class on object")


def _module_named(last: str) -> str:
    """A loaded module whose name ends in ``last`` (``torch.utils.data`` for ``data``)."""
    return min((name for name in list(sys.modules) if name.rpartition(".")[2] == last), key=len, default=last)


def _library_hook(bases) -> str | None:
    """The first of ``ATTRIBUTE_HOOKS`` that a class in the chain of one of ``bases`` defines itself, as
    ``module.Class (hook)``; None where none does (a builtin type's slot is Python's own lookup: dict, int)."""
    import types

    for base in bases:
        for ancestor in getattr(base, "__mro__", ()):
            hooks = [h for h in ATTRIBUTE_HOOKS
                     if h in vars(ancestor) and not isinstance(vars(ancestor)[h], types.WrapperDescriptorType)]
            if hooks and ancestor not in (object, BaseException):
                return f"{ancestor.__module__}.{ancestor.__qualname__} ({hooks[0]})"
    return None


def _enum_names(names) -> list:
    """``names`` as ``EnumType._create_`` reads them (``"A B"``, ``["A", "B"]``, ``{"A": 1}``, ``[("A", 1)]``),
    read once: a list of names, or of (name, value) pairs. Each name must be a ``str``."""
    if names is None:
        return []
    if isinstance(names, str):
        names = names.replace(",", " ").split()
    if isinstance(names, (tuple, list)) and names and isinstance(names[0], str):
        given = list(names)
        keys = given
    else:
        given = []
        for item in list(names):  # (a mapping of the answer's own gives its keys and values once, here)
            given.append((item, names[item]) if isinstance(item, str) else tuple(item))
        keys = [pair[0] if len(pair) == 2 else None for pair in given]
    if any(type(key) is not str for key in keys):
        raise TypeError("an enum's functional form takes names that are strings: write the enum as a class")
    return given


def _checked_enums() -> None:
    """Makes ``enum.EnumType._create_``, what an enum's functional form runs (``Enum("E", {...})``, also
    reached through ``Enum._convert_``), refuse a member name that starts with ``_``: a key with a special
    method's name (computed, ``"_" * 2 + "getattr" + "_" * 2``) becomes that method of the class made, which
    a class statement of the answer's may not define, and ``_missing_`` or ``_generate_next_value_`` becomes
    one of enum's hooks. It also refuses a mixed-in type (``type=``) that ``__build_class__`` would refuse as a
    base (``_checked_classes``), and ``EnumType.__new__`` asked for a plain class (``_simple``) by anything but
    enum's own code. The answer rules refuse the form where they can see it (``answers._enum_classes_made``);
    they track names, and an enum class reached in a way they do not follow (a member-less base whose only
    entry is ``A = enum.nonmember(1)``, left for another answer cell; a classmethod's ``cls(name, members)``)
    built an enum from a dict whose ``__getattr__`` ran in a real answers' process (ch33, ch34).
    ``EnumType._convert_`` does not run ``_create_`` (Python 3.11): it makes a class of every name of ``source``'s
    namespace that ``filter`` keeps, dunders included, through ``_simple_enum``, and writes the members into the
    module ``module`` names (``torch.equal`` became a member). It runs only as the stdlib runs it: at the top level
    of the module it names, as that module is imported (signal, socket, ssl), never from an answer cell (ch36)."""
    import enum

    metaclass = enum.EnumType
    create = vars(metaclass)["_create_"]  # (a method of the metaclass: its first argument is the enum class)
    new = vars(metaclass)["__new__"]
    new = new.__func__ if isinstance(new, staticmethod) else new
    convert = vars(metaclass)["_convert_"]  # (like _create_, a method of the metaclass)
    enum_file = create.__code__.co_filename
    getframe = sys._getframe

    def checked_create(cls, class_name, names, **keywords):
        given = _enum_names(names)
        private = [n if type(n) is str else n[0] for n in given if (n if type(n) is str else n[0]).startswith("_")]
        if private:
            raise TypeError(f"an enum's functional form may not name a member {private[0]!r} (a name that starts "
                            f"with _ is a special method's or enum's own): write the enum as a class")
        hooked = _library_hook([keywords["type"]]) if keywords.get("type") is not None else None
        if hooked:
            raise TypeError(f"an enum may not mix in {hooked}, which decides itself what its attributes are: "
                            f"write the enum as a class on a plain type")
        if keywords.get("module") is None:  # (as enum's own does: the module that called the enum class)
            try:
                keywords["module"] = getframe(2).f_globals["__name__"]
            except (AttributeError, ValueError, KeyError):
                pass
        return create(cls, class_name, given, **keywords)

    def checked_new(metacls, cls, bases, classdict, *, boundary=None, _simple=False, **keywords):
        if _simple and getframe(1).f_code.co_filename != enum_file:
            raise TypeError("an enum class is made by a class statement: write the enum as a class")
        return new(metacls, cls, bases, classdict, boundary=boundary, _simple=_simple, **keywords)

    def checked_convert(cls, class_name, module, filter, source=None, **keywords):
        caller = getframe(1)
        if caller.f_code.co_name != "<module>" or caller.f_code.co_filename.startswith("<answer ") \
                or caller.f_globals.get("__name__") != module:
            raise TypeError("an enum's _convert_ is for a module's own constants, as it is imported (it makes an "
                            "enum of any namespace and writes its members into the module it names): write the "
                            "enum as a class")
        return convert(cls, class_name, module, filter, source, **keywords)

    metaclass._create_ = checked_create
    metaclass.__new__ = staticmethod(checked_new)
    metaclass._convert_ = checked_convert


def _stand_in(call, look=None):
    """A module whose calls are ``call``'s: it takes the place of a submodule the grader keeps, with its
    settings and copies of its weights (``look``: ``recheck._look``) to read."""
    import torch

    class Served(torch.nn.Module):
        def forward(self, *args, **kwargs):
            return call(*args, **kwargs)

        def flatten_parameters(self):
            """``nn.LSTM``'s: it packs the weights for cuDNN, a no-op on a CPU; the grader's own LSTM runs
            the calls (an honest ``generate_greedy`` that called it lost its point, a red team's, 2026-12-04)."""

    look = look or {}
    name = look.get("class")
    if type(name) is str and name.isidentifier():  # "'LSTM' object has no attribute …", as in the notebook
        Served.__name__ = Served.__qualname__ = name
    served = Served()
    for name, value in look.get("attrs", {}).items():
        if name == "training":
            served.train(bool(value))
        elif not hasattr(served, name):
            setattr(served, name, value)
    for name, (tensor, grad) in look.get("params", {}).items():
        served.register_parameter(name, torch.nn.Parameter(tensor, requires_grad=bool(grad)))
    for name, tensor in look.get("buffers", {}).items():
        served.register_buffer(name, tensor)
    return served


CONFIG_CLASSES = {}  # (name, fields, frozen) -> the dataclass made here for the course's configurations of that name


def _config_names(tree) -> set:
    """The names of the course's configuration classes a cell reads (``TrainConfig``): the rules let an
    answer name one in a type hint and as the class of ``isinstance`` only (``answers._isinstance_class``)."""
    return {node.id for node in ast.walk(tree) if type(node) is ast.Name and type(node.ctx) is ast.Load
            and node.id.endswith("Config") and node.id[:1].isupper()}


def _config_modules(tree) -> dict:
    """The configuration classes a cell reads through the lesson's module, by module (``isinstance(config,
    ref.AttentionConfig)``: ``{"ref": {"AttentionConfig"}}``); the rules let an answer name a course module
    only so, in a type hint and as the class of ``isinstance``. The module is bound only where the answers
    have nothing of that name, to a namespace that holds those stand-ins and nothing else; never a builtin's
    name (``len.TrainConfig`` would have made ``len`` a namespace)."""
    import builtins

    found = {}
    for node in ast.walk(tree):
        if type(node) is ast.Attribute and type(node.value) is ast.Name and type(node.ctx) is ast.Load \
                and node.attr.endswith("Config") and node.attr[:1].isupper() and not hasattr(builtins, node.value.id):
            found.setdefault(node.value.id, set()).add(node.attr)
    return found


def _config_module(names):
    import types

    return types.SimpleNamespace(**{name: _config_type(name) for name in sorted(names)})


class _ConfigType(type):
    """The class of a stand-in for a configuration class of the course's (``TrainConfig``), which this process
    may not have: ``isinstance(cfg, TrainConfig)`` is true of a configuration of that name that the grader sent
    (or one made from it with ``dataclasses.replace``), and of the course's own class where the course is here."""

    def __instancecheck__(cls, value):
        kind = type(value)
        return kind.__name__ == cls.__name__ and (kind in CONFIG_CLASSES.values()
                                                  or str(kind.__module__).split(".")[0] == "course")

    def __subclasscheck__(cls, kind):
        return False

    def __call__(cls, *args, **kwargs):
        raise TypeError(f"{cls.__name__} is the course's class, which is not here where the answers are graded: "
                        f"read the fields of the configuration you are given")


def _config_type(name):
    return _ConfigType(name, (), {"__module__": "course"})


def _config(name, fields, frozen, derived=None):
    """A configuration of the course's (``("__config__", class name, {field: value}, frozen, {property:
    value})``: an ``AttentionConfig``) as a dataclass of the same name and fields made here, since this process
    may have no course package to unpickle it from: ``config.n_embd``, its repr and ``dataclasses.replace``
    work as in the notebook. Its public properties (``TrainConfig.final_lr``) give the values the grader
    computed, while the fields are those it sent (``_derived_property``)."""
    import dataclasses

    derived = derived or {}
    key = (name, tuple(fields), bool(frozen), tuple(sorted(derived)))
    if key not in CONFIG_CLASSES:
        CONFIG_CLASSES[key] = dataclasses.make_dataclass(
            name if name.isidentifier() else "Config", list(fields), frozen=bool(frozen), kw_only=True,
            namespace={p: _derived_property(p, tuple(fields)) for p in derived})
    made = CONFIG_CLASSES[key](**fields)
    # (beside the fields, which repr, ==, asdict and replace read: a copy has the values, replace does not)
    if derived:
        object.__setattr__(made, DERIVED, (tuple(fields.values()), dict(derived)))
    return made


DERIVED = "_derived_values"  # the attribute of a made configuration: its fields as sent, its properties' values


def _derived_property(name, fields):
    """A property of a made configuration: the value the grader computed for it, as long as the fields are
    the ones it was computed from. A configuration the answer made or changed has no value to give (the
    code that computes it is the course's): it says to read the fields."""
    def get(self):
        sent = vars(self).get(DERIVED)
        if sent is not None and tuple(getattr(self, f) for f in fields) == sent[0]:
            return sent[1][name]
        raise AttributeError(f"{type(self).__name__}.{name} is computed by the course's class, which is not "
                             f"here for a configuration changed or made by your code: read its fields instead")
    get.__name__ = get.__qualname__ = name
    return property(get)


def _resolve(value, objects, callback=None):
    """The arguments with the grader's handles (``("__object__", n)``) replaced by the objects, its
    functions (``("__callback__", n)``) by ``callback(n)``, the children it keeps of a module
    (``("__served__", module, {name: n})``) by modules that call ``callback(n)``, and its configurations
    (``("__config__", ...)``) by dataclasses (``_config``)."""
    if type(value) is tuple and len(value) == 2 and value[0] == "__object__":
        return objects[value[1]]
    if type(value) is tuple and len(value) in (4, 5) and value[0] == "__config__" and type(value[1]) is str \
            and type(value[2]) is dict and all(type(k) is str and k.isidentifier() for k in value[2]):
        derived = value[4] if len(value) == 5 and type(value[4]) is dict else {}
        return _config(value[1], value[2], value[3], {k: v for k, v in derived.items() if type(k) is str
                                                      and k.isidentifier() and k not in value[2]
                                                      and type(v) in (int, float, bool, str, type(None))})
    if type(value) is tuple and len(value) == 2 and value[0] == "__callback__" and callback is not None:
        return callback(value[1])
    if type(value) is tuple and len(value) == 4 and value[0] == "__served__" and callback is not None:
        module, served, looks = value[1], value[2], value[3]
        for name, number in served.items():
            setattr(module, name, _stand_in(callback(number), looks.get(name)))
        return module
    if type(value) in (list, tuple):
        return type(value)(_resolve(v, objects, callback) for v in value)
    if type(value) is dict:
        return {k: _resolve(v, objects, callback) for k, v in value.items()}
    return value


class CallbackError(Exception):
    """What one of the grader's functions raised when the answer called it (a builtin error keeps its type)."""


def _callbacks(requests, replies):
    """``callback(n)``: a function that stands in for the grader's function ``n`` (a batch source, a
    schedule): calling it sends the arguments to the grader as data and returns its result."""
    import builtins

    def callback(number):
        def call(*args, **kwargs):
            # numpy's numbers as the grader turns them back (a loop over np.arange passes np.int64 steps to
            # the schedule, as in the notebook: a red team's honest train_loop lost both points, 2026-12-03)
            args, kwargs = _without_numpy_scalars(tuple(args)), _without_numpy_scalars(kwargs)
            args, kwargs = _plain_arguments(args), _plain_arguments(kwargs)
            if not (_is_data(list(args)) and _is_data(kwargs)):
                raise TypeError("only tensors, numbers, strings and plain containers can be passed to this function")
            _write(replies, {"ok": True, "callback": number, "args": _detached(list(args)), "kwargs": _detached(kwargs)})
            import torch

            frame = _read(requests)
            if frame is None:
                raise GraderGone(0)
            reply = _load(frame)  # from the grader
            if reply.get("ok"):
                return reply.get("value")
            kind = getattr(builtins, str(reply.get("error")), None)
            kind = kind if isinstance(kind, type) and issubclass(kind, Exception) else CallbackError
            raise kind(reply.get("message"))
        return call
    return callback


def _plain_snapshots(args) -> list:
    """For each argument that is a plain list or dict of data (a check's ids, a table of ranks), its
    pickle before the call; None for the others. An argument the call left as it was is not sent back:
    a dict of some hundred pairs, sent back after each of 300 calls, made a test's re-check take 4 s
    (the grader reads replies with torch's pure-Python safe unpickler)."""
    import pickle

    return [pickle.dumps(a, protocol=5) if type(a) in (list, dict) and _is_data(a) else None for a in args]


def _unchanged(value, snapshot) -> bool:
    """``value`` (a plain list or dict of data, checked again: the call may have put anything in it)
    pickles to ``snapshot``: for exact builtin types and tensors, the same contents."""
    import pickle

    return snapshot is not None and type(value) in (list, dict) and _is_data(value) \
        and pickle.dumps(value, protocol=5) == snapshot


def _after(value, snapshot=None, weights: bool = True):
    """An argument as the call left it, for the grader: data as it is, a module as its state (the
    tensors of its ``state_dict``, in order: a training loop trains its argument in place), its
    modules' modes (``training``, in ``modules()``'s order) and which parameters require grad; a plain list
    or dict of data (``snapshot``, its pickle before the call) that the call left holding something else, a
    word that compares equal to no list or dict: ``ids.append({0})`` came back as None, "as it was" (ch44)."""
    import torch

    if _is_data(value):
        return _detached(value)
    if isinstance(value, torch.nn.Module):  # (and the modes its modules were left in: model.eval() shows)
        # (the weights only where the grader takes them: a training loop's, ``"weights"`` in the request; a
        # GPT-2 sent back after each of a decoding test's calls is most of its reply, ch44)
        return {"__state__": [t.detach().clone() for t in value.state_dict().values()] if weights else [],
                "__modes__": [bool(m.training) for m in value.modules()],
                "__trainable__": [bool(p.requires_grad) for p in value.parameters()]}
    return None if snapshot is None else "changed: no longer data"


def _structure(module) -> dict | None:
    """What lesson 03's check reads of a module of the answer's that its outputs cannot show, as data: its
    parameters' and buffers' names, and the tensors it keeps as plain attributes (name, dtype), read from the
    modules' own dicts, not by methods a class may override (``course.checks.attention._structure``: "extra
    parameters", "mask not a buffer")."""
    import torch

    if not isinstance(module, torch.nn.Module):
        return None
    modules = _own_modules(module)
    return {"parameters": _own_members(modules, "_parameters"), "buffers": _own_members(modules, "_buffers"),
            **WALK[0].plain_and_masks(WALK[0].plain_tensors(modules, _own_dict, _answers))}


def _answers(value) -> bool:
    """Whether the class or function ``value`` is the answer's own: a class statement's of the answers (``SITE``),
    a function whose code an answer cell compiled."""
    if isinstance(value, type):
        return SITE in vars(value)
    code = getattr(value, "__code__", None)
    return isinstance(code, types.CodeType) and code.co_filename.startswith("<answer ")


WALK = []  # the walk of lesson 03's "mask not a buffer" (course/checks/mask_walk.py), loaded by main (``_load_beside``)
CLOCK = []  # the grader's clock (autograder/clock.py), for the answer cells' time limit, loaded by main


def _load_beside(name: str, repository_path: str):
    """A module from the copy of one of the grader's or the course's files that ``recheck.Host`` puts beside this
    file, ``name`` (this process may not import the course), or where this file is the repository's (a test
    that runs ``main`` itself), from ``repository_path`` there; run as a module of this process's own: not in
    ``sys.modules``, so an answer that imports the file gets a copy of its own and cannot change this one.
    Before any answer runs. The course's walk of the tensors a module keeps outside its parameters and
    buffers (``course/checks/mask_walk.py``); the clock of the answer cells' limit (``autograder/clock.py``)."""
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, name)
    if not os.path.exists(path):
        path = os.path.join(os.path.dirname(here), *repository_path.split("/"))
    spec = importlib.util.spec_from_file_location("_" + name[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _own_dict(module, kind: str) -> dict:
    """``module``'s own ``_parameters``, ``_buffers`` or ``_modules``, as ``nn.Module.__init__`` left it in the
    instance; ``TypeError`` if it is not a plain dict, or a class of the answer's puts something of that name
    in its way."""
    found = vars(module).get(kind)
    if type(found) is not dict or any(kind in vars(klass) for klass in type(module).__mro__):
        raise TypeError(f"{type(module).__name__}'s {kind} is not nn.Module's own: leave nn.Module's "
                        f"bookkeeping to it (register_buffer, nn.Parameter, submodules as attributes)")
    return found


def _own_modules(module) -> list:
    """``(prefix, module)`` for ``module`` and every submodule, each once, read from the modules' own
    ``_modules`` dicts, not by their methods: an answer's class that overrode ``named_modules`` (a public
    method's name) to yield its children alone hid the parameter it kept the mask in, and the check's
    "extra parameters" saw nothing (ch45)."""
    import torch

    found, seen, stack = [], set(), [("", module)]
    while stack:
        prefix, current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.append((prefix, current))
        children = [(prefix + ("." if prefix else "") + name, child)
                    for name, child in dict.items(_own_dict(current, "_modules"))
                    if isinstance(child, torch.nn.Module) and type(name) is str]
        stack.extend(reversed(children))
    return found


def _own_members(modules: list, kind: str) -> list:
    """The names of the parameters (``kind`` ``"_parameters"``) or buffers of ``modules``, each tensor once,
    as ``nn.Module.named_parameters`` lists them."""
    names, seen = [], set()
    for prefix, module in modules:
        for name, value in dict.items(_own_dict(module, kind)):
            if value is None or id(value) in seen:
                continue
            seen.add(id(value))
            names.append(prefix + ("." if prefix else "") + str(name))
    return names


def _weight_grad(called, request) -> "torch.Tensor | None":
    """The gradient of the sum of the last call's output tensors with respect to parameter ``request["parameter"]``
    of its module argument ``request["arg"]``, taken here, where the answer built the graph: None when no output
    requires grad, zeros when the parameter is not reached (gpt_forward's check: "cut off from the graph")."""
    import torch

    if called is None:
        raise ValueError("no call to take the gradient of")
    args, outputs = called
    position, name = request.get("arg"), request.get("parameter")
    if type(position) is not int or not 0 <= position < len(args) or type(name) is not str \
            or not isinstance(args[position], torch.nn.Module):
        raise ValueError("weight_grad names no module argument of the last call")
    parameter = torch.nn.Module.get_parameter(args[position], name)
    tracked = [t for t in outputs if t.requires_grad and t.is_floating_point()]
    if not tracked:
        return None
    if not parameter.requires_grad:  # (frozen by the answer's call)
        return torch.zeros_like(parameter).detach()
    total = sum(t.sum() for t in tracked)
    # backward, not torch.autograd.grad: a forward through torch.utils.checkpoint with use_reentrant=True (the
    # default of checkpoint(block, x)) refuses autograd.grad (course.checks.gpt.gradient_by_backward, rt46)
    kept = parameter.grad
    parameter.grad = None
    try:
        total.backward()
        grad = parameter.grad
    finally:
        parameter.grad = kept
    return torch.zeros_like(parameter).detach() if grad is None else grad.detach()


def _returned(value, args) -> int | None:
    """The position of the argument the call returned as its result (the very list or dict, or a tensor
    over the same memory: the argument itself or a view of it), or None: the grader gets a copy of both, so
    only here can it be seen that a filter handed back the caller's logits."""
    import torch

    for position, arg in enumerate(args):
        if type(value) in (list, dict) and value is arg:
            return position
        if type(value) is torch.Tensor and type(arg) is torch.Tensor and value.numel() and arg.numel() \
                and value.untyped_storage().data_ptr() == arg.untyped_storage().data_ptr():
            return position
    return None


def _answer(value, objects, handles: bool) -> dict:
    """The reply for a value: data goes back as it is; anything else, when ``handles``, stays here
    and goes back as a number the grader can call, read and pass back."""
    import torch

    if not handles or _is_data(value) or type(value) in (torch.Size, torch.dtype):
        return {"value": _detached(value)}
    objects.append(value)
    return {"handle": len(objects) - 1}


def _call(request, namespace, objects, callback=None):
    """Run one call or attribute read the way the grader's process would: same grad mode, same RNG."""
    import torch

    if "rng" in request:  # its bytes (a tensor would cross as a zip of its own)
        torch.set_rng_state(torch.frombuffer(bytearray(request["rng"]), dtype=torch.uint8))
    with torch.set_grad_enabled(request.get("grad_enabled", True)):
        if "object" in request:
            target = objects[request["object"]]
        else:
            cell = request.get("cell")  # (the answers as the cells up to the test's place left them)
            if type(cell) is int and 0 <= cell < len(CELL_NAMESPACES):
                _as_of(cell)
                namespace = CELL_NAMESPACES[cell]
            target = namespace.get(request["name"])
            if target is None:
                raise NameError(f"name {request['name']!r} is not defined")
        if request["op"] == "getattr":
            return getattr(target, request["attr"])
        if request["op"] == "repr":
            return repr(target)
        args = _resolve(list(request["args"]), objects, callback)
        for position in request.get("grad", ()):
            args[position] = args[position].detach().requires_grad_()
        request["resolved"] = args
        dtype = torch.get_default_dtype()
        # ``__main__`` is the answers' module while they run, as it is while their cells run (``_run``): a
        # dataclass made inside an answer function, as the test calls it, reads its hints there (as rt42's did)
        module = next((m for m in reversed(CELL_MODULES) if vars(m) is namespace), None)
        host = sys.modules.get("__main__")
        try:
            if module is not None:
                sys.modules["__main__"] = module
            value = target(*args, **_resolve(request.get("kwargs", {}), objects, callback))
            # what the call left behind for the cells after it, which the test cell's check sees in the notebook
            request["left"] = {"grad": torch.is_grad_enabled(), "dtype": str(torch.get_default_dtype())}
            return value
        finally:
            sys.modules["__main__"] = host
            torch.set_default_dtype(dtype)  # (for the calls after it: the check puts it back in the notebook too)


# Starting or signalling a process: an answer that did so could run the course's reference in a fresh
# interpreter (``python -c "from course... import ..."``) and hand back its output. No exercise needs
# it. The autograder's rules refuse ``subprocess`` and ``os`` in an answer's source; this refuses them
# here, whatever way an answer found to reach them.
PROCESS_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                  "os.forkpty", "pty.spawn", "os.kill", "os.killpg", "os.startfile")
# Data that becomes code: a string compiled and run (an annotation that ``typing`` evaluates, a string
# given to ``exec``), a pickle that names a function (read by numpy's ``.npy`` reader from an object of
# the answer's), a code object built by hand. Through any of them an answer would get the course's
# reference (or anything else) without naming it in its source, where the rules look. So, once the
# answers run, code is compiled and run only for an import (a library may make code as it loads:
# mpmath does) and by what makes it from names it has checked (dataclasses, namedtuple; ``typing`` may
# compile a forward reference but not run it); unpickling is for this process's own reading of the
# grader's frames; and the course's package, the autograder and nbgrader are imported only for the
# grader (a model class it sends). Nor is the course's code read as a file: an answer that
# reached Python's builtins loaded course/tokenization.py by its path (importlib.util's
# spec_from_file_location, then exec_module: no import names ``course``, and the compiling and running
# happen in importlib's frames), so opening a file in the course's package, and compiling or running
# code that comes from one, are refused but for the grader (``_load``).
COURSE_PACKAGES = ("course", "autograder", "nbgrader")
# The garbage collector's lists of every object: an answer that reached the builtins past the rules found this
# hook's own function there and emptied what it compares against (rt21, 2026-12-04). Nothing here needs them.
GC_EVENTS = ("gc.get_objects", "gc.get_referrers", "gc.get_referents")
CODE_EVENTS = ("compile", "exec", "code.__new__")
IMPORTING = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>")


def _code_makers():
    import ast
    import collections
    import dataclasses
    import typing

    # (ast.parse compiles to a tree only, always: PyCF_ONLY_AST; a tree becomes code only by a compile of its
    # own, which is refused. inspect.signature parses a builtin's text signature with it, which a dataclass
    # of init=False does for its __doc__: ch40 found such an honest dataclass refused as it was made)
    return {"exec": {dataclasses.__file__, collections.__file__}, "code.__new__": set(),
            "compile": {dataclasses.__file__, collections.__file__, typing.__file__, ast.__file__}}


def _under_way(codes=(), files=()) -> bool:
    """Whether a frame above the audit hook runs one of ``codes``, called by this process's own loop
    (``_host_callers``: an answer that reached this module's ``_bind`` through ``sys.modules["__main__"]``
    and called it is not the grader binding a module, 2026-12-01), or is in one of ``files``."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code in codes and _by_host(frame) or frame.f_code.co_filename in files:
            return True
        frame = frame.f_back
    return False


def _host_callers() -> set:
    """The code of this process's own loop: ``main``, and the stand-in that reads a grader's reply."""
    import types

    found = {main.__code__}
    queue = [_callbacks.__code__]
    while queue:
        code = queue.pop()
        found.add(code)
        queue += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return found - {_callbacks.__code__}


HOST_CALLERS = set()  # filled by main, before any answer runs


def _by_host(frame) -> bool:
    return frame.f_back is not None and frame.f_back.f_code in HOST_CALLERS


def _course_folder():
    """The course package's folder, resolved (``/course/course`` in the sandbox, the repository's
    ``course/`` outside it), as an import of ``course`` would find it; None where there is none."""
    import importlib.util

    spec = importlib.util.find_spec("course")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def _inside(path, folder, above=False) -> bool:
    """Whether the file ``path`` (a name; a descriptor is not) is ``folder`` or lies in it, links resolved;
    with ``above``, or is a folder that holds it (``os.open`` of one, then of ``course/...`` relative
    to it with ``dir_fd``, would be an open event of a path that says nothing)."""
    if folder is None or isinstance(path, int):
        return False
    try:
        where = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    if where == folder or where.startswith(folder + os.sep):
        return True
    return above and (folder.startswith(where.rstrip(os.sep) + os.sep) and os.path.isdir(where))


def _code_file(event, args):
    """The file the code of a CODE_EVENTS event says it comes from."""
    if event == "exec":
        return getattr(args[0], "co_filename", None) if args else None
    return args[1] if len(args) > 1 else None  # compile(source, filename), code.__new__(code, filename, ...)


def _guard(makers, course=None, load_course=True):
    """The audit hook. ``course``: the course package's folder; ``load_course``: whether the grader's frames
    may load its modules (to unpickle a model it sends): not in the answers' process of the exercises that
    get none (``recheck.MODEL_TESTS``), where a model sent by mistake fails loudly instead."""
    def guard(event, args):
        if event in PROCESS_EVENTS:
            raise PermissionError(f"an answer may not start or signal a process ({event}); compute the result "
                                  f"in the function itself")
        if event in GC_EVENTS and not (event == "gc.get_referents"
                                       and sys._getframe(1).f_code is WALK[0].held_tensors.__code__):
            raise PermissionError(f"an answer may not list the process's objects ({event}); work from the "
                                  f"function's arguments")
        if event == "open" and args and _inside(args[0], course, above=True) \
                and not (load_course and _under_way(codes=(_load.__code__,))):
            raise PermissionError(f"an answer may not read the course's own files ({os.fsdecode(args[0])}); write "
                                  f"the code yourself")
        if event in CODE_EVENTS and _inside(_code_file(event, args), course) \
                and not (load_course and _under_way(codes=(_load.__code__,))):
            raise PermissionError(f"an answer may not run the course's own code ({event} of "
                                  f"{_code_file(event, args)}); write the code yourself")
        if event in CODE_EVENTS:
            frame = sys._getframe(1)
            caller = frame.f_code
            if not ((caller in (_run.__code__, _bind.__code__) and _by_host(frame)) or caller.co_filename in makers[event]
                    or _under_way(files=IMPORTING)):
                raise PermissionError(f"an answer may not turn data into code ({event} in "
                                      f"{caller.co_filename}); write the code in the answer itself")
        elif event == "pickle.find_class" and not _under_way(codes=(_load.__code__,)):
            raise PermissionError(f"an answer may not unpickle objects ({args[0]}.{args[1]}); use tensors "
                                  f"and plain Python values")
        elif event == "import" and str(args[0]).split(".")[0] in COURSE_PACKAGES \
                and not (load_course and _under_way(codes=(_load.__code__,))):
            raise PermissionError(f"an answer may not import {args[0]} (the course's own code); write the "
                                  f"code yourself")
    return guard


def _sealed_guard(makers, course, load_course=True):
    """``_guard``'s hook, made in a world of its own that nothing an answer reaches can change: its
    functions rebuilt on a private copy of this module's globals and of the builtins, the code objects it
    trusts and ``HOST_CALLERS`` frozen, and ``os``/``sys`` replaced by the few functions it calls. Two red
    teams (2026-12-02) reached this module's globals (as ``sys.modules["__main__"]``) once a gadget had given
    them the builtins, and switched the hook off by rebinding ``_inside`` and ``COURSE_PACKAGES``. The hook
    function itself is held only by the interpreter's list of audit hooks."""
    import builtins
    import types

    frozen = types.SimpleNamespace
    private = dict(globals())
    private["__builtins__"] = dict(vars(builtins))
    private["HOST_CALLERS"] = frozenset(HOST_CALLERS)
    private["os"] = frozen(path=frozen(realpath=os.path.realpath, isdir=os.path.isdir), fsdecode=os.fsdecode,
                           fspath=os.fspath, sep=os.sep)
    private["sys"] = frozen(_getframe=sys._getframe)
    for name in ("_load", "_bind", "_run"):  # compared by their code, which an answer could swap on the function
        private[name] = frozen(__code__=globals()[name].__code__)
    for name in ("_inside", "_under_way", "_by_host", "_code_file", "_guard"):
        function = globals()[name]
        private[name] = types.FunctionType(function.__code__, private, function.__name__, function.__defaults__,
                                           function.__closure__)
    return private["_guard"](makers, course, load_course)


def _load(frame):
    """A frame of the grader's, read as the objects it holds (a model it sends is rebuilt here)."""
    import pickle

    if HOST_CALLERS and not _by_host(sys._getframe(0)):
        raise PermissionError("an answer may not unpickle objects; use tensors and plain Python values")
    return pickle.loads(frame)


def _bind(source):
    """The functions the grader sent as ``source`` (a ``bind`` request: the course's functions in place of
    the answers'), defined in a namespace of their own that has ``torch``. The grader sends their text, not
    the module's name: the answers' process of a lesson whose checks send no model of the course's has no
    course package at all, so that no memory trick of an answer's can find the references there (rt22's
    found ``sys.modules["course.attention"]``, 2026-12-05)."""
    import torch

    if HOST_CALLERS and not _by_host(sys._getframe(0)):  # an answer that reached it: not the grader's request
        raise PermissionError("an answer may not define the course's functions; write the code yourself")
    namespace = {"__name__": "course's lent functions", "torch": torch}
    exec(compile(source, "<the course's lent functions>", "exec", dont_inherit=True), namespace)
    return namespace


# The course's functions lent to the answers for a class's check (``bind``) work until the next ``bind`` or
# ``load`` only: a red team's class kept lesson 03's split_heads and merge_heads while they were bound (in
# ``numpy.typecodes``, a dictionary every module shares) and its own split_heads called them in the hidden
# tests, which run after the answers are loaded again (2026-12-03).
LENT = [0]


def _lent(function, lending):
    def call(*args, **kwargs):
        if LENT[0] != lending:
            raise PermissionError(f"{function.__name__} is the course's, lent for the class's check only: write "
                                  f"your own")
        return function(*args, **kwargs)
    call.__name__ = call.__qualname__ = function.__name__
    return call


# PyTorch's recurrent layers and cells as plain functions (``torch.lstm``, ``torch.lstm_cell``...): lesson
# 04's exercises, done. The rules refuse them by name; here they refuse whatever reaches them (``t = torch``
# then ``t.lstm``), in every lesson. The models the grader sends use nn.LSTM, which calls torch._VF
# (see SHORTCUT_KINDS for what lesson 04 refuses there).
RECURRENT = ("lstm", "lstm_cell", "gru", "gru_cell", "rnn_tanh", "rnn_relu", "rnn_tanh_cell", "rnn_relu_cell",
             "quantized_lstm_cell", "quantized_gru_cell", "quantized_rnn_tanh_cell", "quantized_rnn_relu_cell",
             "mkldnn_rnn_layer", "quantized_lstm", "quantized_gru", "miopen_rnn")
HINTS = {"recurrent": "matrix products, sigmoid, tanh", "attention": "matrix products, softmax, a mask"}


def _refusal(name, kind="recurrent"):
    return PermissionError(f"{name} is PyTorch's own version of what the exercise asks you to write: "
                           f"write it with tensor operations ({HINTS[kind]})")


def _refused(name):
    def call(*args, **kwargs):
        raise _refusal(f"torch.{name}")
    return call


# PyTorch's own versions of a lesson's exercises, whatever way an answer reached them: the rules refuse
# them by name, but a class can be found without its name (nn.LSTMCell among the keys of
# torch.quantization.DEFAULT_DYNAMIC_QUANT_MODULE_MAPPINGS, nn.MultiheadAttention in a table of
# torch.ao.quantization's) and run with the exercise's weights through torch.func.functional_call. So,
# while a lesson's answers are graded, its kind's modules refuse to run (their ``forward``), and so do
# its kind's functions. Attention only for lessons 02-04: lesson 05's GPT and lesson 06's GPT-2, which the
# checks send here, run attention themselves; in lesson 05 the course's GPT refuses its own forward pass
# (``_refusing_forward``), which is gpt_forward's exercise. A module the grader sent with the request under way (lesson 04's
# train_loop trains a CharLSTM, whose nn.LSTM runs here) still runs, and torch._VF.lstm with it.
SHORTCUT_KINDS = {"02_cross_attention": "attention", "03_self_attention": "attention", "04_lstm": "recurrent",
                  "05_nanogpt": "model"}
# The kinds refused besides, in the answers' process that gets no model of the course's (``recheck.MODEL_TESTS``;
# ``none`` as its last argument): lesson 05's GPT runs attention only in the companion, and the plain process
# grades causal_average, the masked average that attention is. nn.MultiheadAttention, found in a table of
# torch.ao.quantization's and given projections that pick the values, averaged the past under a causal mask
# there and kept causal_average's points (ch47).
PLAIN_KINDS = {"05_nanogpt": "attention"}
PLAIN = [False]  # whether this is that process (set at the start)
class _Refusing(set):
    """The kinds refused now. While a thread runs the code of a module of torch's being imported
    (``_TorchImports``), none for that code; an answer's code that runs inside the import all the same (a
    generator's ``finally`` that the garbage collector ran there) is refused as anywhere else, and so is
    whatever runs while the collector does (``_collecting``)."""

    def __contains__(self, kind):
        if not set.__contains__(self, kind):
            return False
        if _collecting():  # what the collector runs (a finaliser) is refused, inside an import or not
            return True
        return not getattr(_IMPORTING, "depth", 0) or _answer_inside_import(sys._getframe(1))


def _answer_inside_import(frame) -> bool:
    """Whether an answer's code is on the stack between ``frame`` and the innermost import of a module of
    torch's (the code that asked for the import is outside it)."""
    while frame is not None:
        if frame.f_code is _TrustedLoader.exec_module.__code__:
            return False
        if frame.f_code.co_filename.startswith("<answer "):
            return True
        frame = frame.f_back
    return True  # (no import of torch's on the stack after all: as anywhere else)


_IMPORTING = threading.local()  # depth: how many of torch's modules this thread is importing
# The garbage collector runs finalisers in the thread whose allocation started it, in the middle of whatever
# code that thread runs: of a module of torch's being imported, or of the forward of a module the grader
# sent. A finaliser made only of C callables (``functools.partial(list.extend, map(model, [x]))``) leaves no
# answer's frame on the stack for ``_answer_inside_import`` to find, so while a collection runs in a thread,
# nothing is excepted from the refusals there (``gc.callbacks``, set as the process starts).
_COLLECTION = threading.local()


def _collector(phase, info) -> None:
    _COLLECTION.on = phase == "start"


def _collecting() -> bool:
    return getattr(_COLLECTION, "on", False)


REFUSING = _Refusing()  # the kinds refused now (the lesson of the answers loaded)
SENT = {}  # id -> module: the grader's modules in the request under way, and their submodules
INSIDE = [0]  # how deep in the forward of one of SENT (where torch._VF's recurrent functions run)
VF_RECURRENT = ("lstm", "lstm_cell", "gru", "gru_cell", "rnn_tanh", "rnn_relu", "rnn_tanh_cell", "rnn_relu_cell")


# The lessons whose re-check takes gradients through the answers (the "grad" op): torch.autograd.backward
# given its gradients imports torch.fx.experimental.symbolic_shapes at its first call, 0.35 s of CPU that
# the start pays for them (or a load, before any answer runs), not a call's time limit. Lesson 01's
# processes (a class's most graded lesson) skip it; another lesson that takes gradients pays it once, on
# the call's clock (torch._dynamo, imported at the start before 2026-12-05, imported it for every lesson).
GRADIENT_LESSONS = {"02_cross_attention", "03_self_attention", "04_lstm", "05_nanogpt", "06_finetuning"}


def _serve(lesson) -> None:
    """Refuse, from now on, PyTorch's own versions of ``lesson``'s exercises (none for an unknown lesson)."""
    REFUSING.clear()
    if lesson in GRADIENT_LESSONS:
        import torch.fx.experimental.symbolic_shapes  # noqa: F401
    if lesson in SHORTCUT_KINDS:
        REFUSING.add(SHORTCUT_KINDS[lesson])
    if lesson in PLAIN_KINDS and PLAIN[0]:
        REFUSING.add(PLAIN_KINDS[lesson])


def _sent(value, found):
    """The modules in a request's arguments (the grader's), and all their submodules, by id."""
    import torch

    if isinstance(value, torch.nn.Module):
        found.update((id(m), m) for m in value.modules())
    elif type(value) in (list, tuple):
        for item in value:
            _sent(item, found)
    elif type(value) is dict:
        for item in value.values():
            _sent(item, found)
    return found


def _copies_stay_sent() -> None:
    """``copy.deepcopy`` that counts a copy of one of SENT, made in the request under way, as sent too (for
    that request only: SENT is emptied after it). An honest ``generate_greedy`` that ran an eval-mode copy
    (``copy.deepcopy(model).eval()``, so that the caller's model keeps its mode) was told that nn.LSTM is
    PyTorch's own version of the exercise (rt29, 2026-12-05): the copy's LSTM was not the grader's. Only a copy
    that deepcopy made itself, with a memo of its own (an answer's memo could map a sent module's id to a
    module of its own), of the sent module's very class."""
    import copy

    import torch

    original = copy.deepcopy

    def deepcopy(x, memo=None, _nil=[]):  # noqa: B006  (copy.deepcopy's own signature)
        if memo is not None or not SENT:
            return original(x, memo)
        memo = {}
        made = original(x, memo)
        for key, value in list(memo.items()):
            sent = SENT.get(key)
            if sent is not None and isinstance(value, torch.nn.Module) and type(value) is type(sent):
                SENT[id(value)] = value
        return made
    deepcopy.__doc__ = original.__doc__
    copy.deepcopy = deepcopy


def _refusing_function(name, kind, original):
    def call(*args, **kwargs):
        if kind in REFUSING:
            raise _refusal(name, kind)
        return original(*args, **kwargs)
    call.__name__ = call.__qualname__ = name.split(".")[-1]
    return call


def _refusing_vf(name, original):
    """torch._VF's recurrent function: refused in lesson 04 but inside the forward of a module the grader sent
    (and there too while the garbage collector runs)."""
    def call(*args, **kwargs):
        if "recurrent" in REFUSING and (not INSIDE[0] or _collecting()):
            raise _refusal(f"torch._VF.{name}")
        return original(*args, **kwargs)
    call.__name__ = call.__qualname__ = name
    return call


def _refusing_method(label, kind, original):
    def method(self, *args, **kwargs):
        if SENT.get(id(self)) is self:  # the grader's own module, in the request that sent it
            INSIDE[0] += 1
            try:
                return original(self, *args, **kwargs)
            finally:
                INSIDE[0] -= 1
        if kind in REFUSING:
            raise _refusal(label, kind)
        return original(self, *args, **kwargs)
    method.__name__, method.__qualname__ = original.__name__, original.__qualname__
    return method


def _shortcut_classes():
    """``{class: (label, kind)}``: PyTorch's recurrent and attention modules (and their subclasses)."""
    import importlib

    import torch

    found = {}
    places = [("nn", "torch.nn"), ("torch.ao.nn.quantizable", "torch.ao.nn.quantizable.modules.rnn"),
              ("torch.ao.nn.quantizable", "torch.ao.nn.quantizable.modules.activation"),
              ("torch.ao.nn.quantized", "torch.ao.nn.quantized.modules.rnn"),
              ("torch.ao.nn.quantized", "torch.ao.nn.quantized.modules.activation"),
              ("torch.ao.nn.quantized.dynamic", "torch.ao.nn.quantized.dynamic.modules.rnn"),
              ("torch.ao.nn.quantized.reference", "torch.ao.nn.quantized.reference.modules.rnn")]
    recurrent, attention = re.compile(r"lstm|gru|rnn", re.I), re.compile(r"attention|transformer", re.I)
    for label, place in places:
        module = importlib.import_module(place)
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, torch.nn.Module):
                kind = "recurrent" if recurrent.search(name) else "attention" if attention.search(name) else None
                if kind:
                    found.setdefault(value, (f"{label}.{name}" if name[0] != "_" else value.__qualname__, kind))
    for cls, (label, kind) in list(found.items()):  # and what derives from them
        stack = list(cls.__subclasses__())
        while stack:
            sub = stack.pop()
            found.setdefault(sub, (f"{sub.__module__}.{sub.__qualname__}", kind))
            stack.extend(sub.__subclasses__())
    return found


def _refuse_shortcuts() -> None:
    """Put the refusing stand-ins of SHORTCUT_KINDS in place (they refuse only while REFUSING says so)."""
    import importlib

    import torch

    for cls, (label, kind) in _shortcut_classes().items():
        for name, value in list(vars(cls).items()):  # forward and what computes beside it (_forward_impl)
            if re.fullmatch(r"_?forward\w*|_\w+_block", name) and callable(value):
                setattr(cls, name, _refusing_method(label, kind, value))
    functions = [("torch.nn.functional", name, f"F.{name}")
                 for name in ("scaled_dot_product_attention", "multi_head_attention_forward")]
    functions += [("torch._C._nn", "scaled_dot_product_attention", "F.scaled_dot_product_attention")]
    functions += [("torch", name, f"torch.{name}") for name in dir(torch)
                  if re.search(r"attention|multi_head|transformer", name) and callable(getattr(torch, name))]
    functions += [("torch.nn.attention.flex_attention", "flex_attention", "flex_attention")]
    modules = {}
    for place in dict.fromkeys(place for place, _, _ in functions):  # all imported before any is replaced
        try:
            modules[place] = importlib.import_module(place)
        except ImportError:
            continue
    for place, name, label in functions:
        if callable(getattr(modules.get(place), name, None)):
            setattr(modules[place], name, _refusing_function(label, "attention", getattr(modules[place], name)))
    # torch.nn.attention.varlen imports torch._dynamo: importing it here was half of this process's start
    # (1.2 s of CPU for every answers' process a grading starts; its functions run only on a GPU's flash
    # attention, whose aten operators are refused below). Its functions are replaced when it is imported.
    def refuse_varlen(module):
        for name in ("varlen_attn", "varlen_attn_out"):
            if callable(getattr(module, name, None)):
                setattr(module, name, _refusing_function(name, "attention", getattr(module, name)))

    if "torch.nn.attention.varlen" in sys.modules:
        refuse_varlen(sys.modules["torch.nn.attention.varlen"])
    else:
        _TorchImports.PATCHES["torch.nn.attention.varlen"] = refuse_varlen
    _TorchImports.install()
    if _collector not in gc.callbacks:
        gc.callbacks.append(_collector)
    # flex_attention's operator (torch._higher_order_ops' flex_attention) stays the object other modules
    # register by identity (torch.utils.flop_counter); its class's __call__ refuses
    hop = getattr(modules.get("torch.nn.attention.flex_attention"), "flex_attention_hop", None)
    if hop is not None and "__call__" in vars(type(hop)):
        type(hop).__call__ = _refusing_method("flex_attention", "attention", vars(type(hop))["__call__"])
    for name in VF_RECURRENT:
        setattr(torch._VF, name, _refusing_vf(name, getattr(torch._VF, name)))
    # the same kernels as torch.ops.aten has them (the rules refuse `ops`; this holds should an answer
    # get past them). torch._C._VariableFunctions cannot be changed: the rules keep `_C` out of reach
    aten = torch.ops.aten  # (its dir() lists only the operators looked up so far: the dispatcher has all)
    for name in sorted({op[6:].split(".")[0] for op in torch._C._dispatch_get_all_op_names() if op.startswith("aten::")}):
        kind = "recurrent" if re.search(r"lstm|gru|rnn", name) else \
            "attention" if re.search(r"attention|attn|multi_head|transformer", name) else None
        if kind is not None and not name.startswith("__"):
            setattr(aten, name, _RefusingOp(f"torch.ops.aten.{name}", kind, getattr(aten, name)))


class _TorchImports:
    """The finder first on ``sys.meta_path``: a module of torch's imported after the start runs its own code
    with no kind refused in its thread (``_Refusing``), then gets its patch (``PATCHES``), if it has one.

    torch's modules read aten's operators as they load (torch._dynamo, which making an optimizer imports,
    reads ``aten.rnn_relu.default`` and ``aten._scaled_dot_product_flash_attention.default``): with lesson
    04's or 03's kind refused, that import failed. The start imported them before anything was refused, at
    the cost of half of the start (torch.nn.attention.varlen, which imports torch._dynamo: 1.2 s of CPU for
    every answers' process a grading starts)."""

    PATCHES = {}  # module name -> function(module), run once the module's own code has run

    @classmethod
    def install(cls):
        if not any(isinstance(finder, cls) for finder in sys.meta_path):
            sys.meta_path.insert(0, cls())

    def find_spec(self, name, path, target=None):
        if name != "torch" and not name.startswith("torch."):
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None) if finder is not self else None
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _TrustedLoader(spec.loader, self.PATCHES.pop(name, None))
        return spec


class _TrustedLoader:
    """A torch module's own loader, whose ``exec_module`` runs with no kind refused in this thread."""

    def __init__(self, loader, patch):
        self._loader, self._patch = loader, patch

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        _IMPORTING.depth = getattr(_IMPORTING, "depth", 0) + 1
        try:
            self._loader.exec_module(module)
        finally:
            _IMPORTING.depth -= 1
        if self._patch is not None:
            self._patch(module)

    def __getattr__(self, name):  # (get_code, get_source, is_package... as the module's own loader has them)
        return getattr(self._loader, name)


class _RefusingOp:
    """An operator of torch.ops.aten that refuses, while its kind is refused, to run or to hand out its
    overloads (``torch.ops.aten.lstm_cell.default``)."""

    def __init__(self, label, kind, original):
        self._label, self._kind, self._original = label, kind, original

    def __call__(self, *args, **kwargs):
        if self._kind in REFUSING:
            raise _refusal(self._label, self._kind)
        return self._original(*args, **kwargs)

    def __getattr__(self, name):
        if self._kind in REFUSING:
            raise _refusal(self._label, self._kind)
        return getattr(self._original, name)


# The decoding loops and forward passes that exercises ask for, as the course's models and Hugging
# Face's have them. The checks hand an answer models whose own ``generate`` (or every public method of
# Hugging Face's GenerationMixin) raises, on the object; a red team called the class's instead
# (``CharLSTM.generate(model, ...)``, the class reached through the object, 2026-12-01). The rules keep a
# model's class out of an answer's reach; here the classes' methods raise too, in case something reaches it.
DECODERS = {"course.lstm": {"CharLSTM": ("generate",)}, "course.gpt": {"GPT": ("generate", "to_hf")}}
DECODERS_DONE = set()


def _decoder_refusal(label, what="write the loop (or the forward pass) yourself"):
    def method(*args, **kwargs):
        raise PermissionError(f"{label} was called: {what}")
    return method


def _refuse_decoders() -> None:
    _refuse_course_code()
    for module, classes in DECODERS.items():
        if module in sys.modules and module not in DECODERS_DONE:
            DECODERS_DONE.add(module)
            for cls, names in classes.items():
                for name in names:
                    setattr(getattr(sys.modules[module], cls), name, _decoder_refusal(f"model.{name}"))
    gpt = sys.modules.get("course.gpt")
    if gpt is not None and "course.gpt.forward" not in DECODERS_DONE:
        # lesson 05's gpt_forward is the GPT's forward pass: no GPT of the course's computes it here while
        # lesson 05's answers run (a red team's gpt_forward kept a GPT from an earlier call, loaded the
        # weights of the one its check had made refuse model(idx), and called the kept one, 2026-12-03)
        DECODERS_DONE.add("course.gpt.forward")
        gpt.GPT.forward = _refusing_forward(gpt.GPT.forward)
    generation = sys.modules.get("transformers.generation.utils")
    if generation is not None and "transformers" not in DECODERS_DONE:
        DECODERS_DONE.add("transformers")
        mixin = generation.GenerationMixin
        for name in [n for n in dir(mixin) if not n.startswith("_") and callable(getattr(mixin, n))]:
            setattr(mixin, name, _decoder_refusal(f"model.{name}"))
    _no_special_names_in_transformers()
    # and Hugging Face's language-model loss, lesson 06's lm_loss done: a red team's greedy_decode kept
    # the model's ``loss_function`` (in a default argument) and lm_loss called it (2026-12-02)
    modeling = sys.modules.get("transformers.modeling_utils")
    if modeling is not None and "transformers.loss" not in DECODERS_DONE:
        DECODERS_DONE.add("transformers.loss")
        modeling.PreTrainedModel.loss_function = property(_loss_refusal)


# transformers' configurations and model outputs set an attribute for every key they are given, a special
# one too: ``model.config.update({"_" * 2 + "array_interface" + "_" * 2: {"data": (address, False), "typestr":
# "|O", "shape": (1,), "version": 3}})`` (or ``model.config.from_dict({...})``, ``model.generation_config
# .from_dict({...})``, ``model(ids)[key] = ...``), and numpy then read the object as an array of objects at any
# address: with ch40's fake bytearray, ``sys`` in lesson 06's answers' process, past the rules (ch43). The rules
# cannot see a name built at run time and passed as a key; here these classes refuse to set or store one.
# Nor one that a configuration's ``attribute_map`` (a dict an answer may write into) renames to or from a special
# one (``attribute_map[key] = "x"`` made numpy's read of the key read ``config.x``; ``attribute_map["x"] = key``
# made ``update({"x": face})`` set the key), nor a str subclass whose ``startswith`` says no (ch44).
SPECIAL_NAME_CLASSES = {"transformers.configuration_utils": (("PreTrainedConfig", "PretrainedConfig"),
                                                             ("__setattr__", "__getattribute__")),
                        "transformers.generation.configuration_utils": (("GenerationConfig",), ("__setattr__",)),
                        "transformers.utils.generic": (("ModelOutput",), ("__setattr__", "__setitem__"))}
SPECIAL_NAMES_DONE = set()  # the classes whose methods refuse special names already


def _special(name) -> bool:
    """A special name (__x__), or a name that may stand for one: a str subclass can say it is none and be
    one to a dict (its own ``startswith``, ``__eq__`` and ``__hash__``)."""
    return type(name) is not str or name.startswith("__") and name.endswith("__")


def _special_name_refused(label, original):
    def method(self, name, value):
        if _special(name):
            said = repr(name[:40]) if type(name) is str else "a str subclass as a name"
            raise PermissionError(f"{label} was given {said}: a special name (__x__), or one that may stand for "
                                  f"one, sets what Python and numpy read from the object itself; use the object's "
                                  f"own fields")
        result = original(self, name, value)
        fields = object.__getattribute__(self, "__dict__")  # (what was set: a name the method renamed, too)
        stored = [key for key in fields if _special(key)]
        for key in stored:
            del fields[key]
        if stored:
            raise PermissionError(f"{label} was given the name {name[:40]!r}, which its attribute_map renames to a "
                                  f"special name (__x__): use the object's own fields")
        return result
    method.__name__ = method.__qualname__ = original.__name__
    return method


def _special_name_read_plainly(label, original):
    """A configuration's ``__getattribute__`` that reads a special name as Python would, never through the
    ``attribute_map`` (numpy reads ``__array_interface__`` from the object through it)."""
    def __getattribute__(self, name):
        if isinstance(name, str) and str.startswith(name, "__") and str.endswith(name, "__"):
            return object.__getattribute__(self, name)
        return original(self, name)
    return __getattribute__


def _no_special_names_in_transformers() -> None:
    """Each base of SPECIAL_NAME_CLASSES (its methods, inherited ones too: GenerationConfig's ``__setattr__`` is
    object's) and each of its subclasses loaded so far that defines its own (GPT2Config has a ``__setattr__``)."""
    for module_name, (class_names, methods) in SPECIAL_NAME_CLASSES.items():
        module = sys.modules.get(module_name)
        base = next((getattr(module, n) for n in class_names if isinstance(getattr(module, n, None), type)), None)
        stack = [base] if base is not None else []
        while stack:
            cls = stack.pop()
            stack.extend(cls.__subclasses__())
            if cls in SPECIAL_NAMES_DONE:
                continue
            SPECIAL_NAMES_DONE.add(cls)
            for name in methods:
                if cls is base or name in vars(cls):
                    make = _special_name_read_plainly if name == "__getattribute__" else _special_name_refused
                    setattr(cls, name, make(f"{cls.__name__}.{name}", getattr(cls, name)))


def _outputs_recordable(modules) -> None:
    """A Hugging Face model computes ``hidden_states`` and ``attentions`` (``model(ids, output_hidden_states=True)``)
    with hooks chosen by its class in transformers' ``_CAN_RECORD_REGISTRY``, which a model's ``__init__`` fills.
    The grader's models are unpickled here, never built, so their classes had no entry and ``hidden_states`` was
    None: an honest greedy_decode that applied the model's head to the last hidden state passed the notebook and
    lost both its points (rt31, 2026-12-06). The entries of the grader's models are made as ``__init__`` makes them."""
    capturing = sys.modules.get("transformers.utils.output_capturing")
    modeling = sys.modules.get("transformers.modeling_utils")
    if capturing is None or modeling is None:
        return
    for module in modules:
        if isinstance(module, modeling.PreTrainedModel):
            capturing._CAN_RECORD_REGISTRY[module] = type(module)._can_record_outputs


# The companion (the answers' process that has the course package: ``recheck.MODEL_TESTS``) holds the course's
# modules that the grader's models need, and with them code that answers an exercise graded there: lesson
# 04's train_loop is course.train's, and lesson 05's block_forward is the course's Block around the parts its
# check sends. An answer that reached them past the rules (``sys.modules["course.train"].train_loop``; a Block
# made with ``Block.__new__`` around ``ln_1, attn, ln_2, mlp``) scored full marks in the re-check
# (2026-12-05). Here the course's training functions raise, and a module of the course's computes its forward
# only as the grader sent it, in the request that sent it (``SENT``): a model the answer made or kept does not.
COURSE_TRAINING = {"course.train": ("train_loop", "train")}
COURSE_DONE = set()  # the course's modules seen (and changed) so far
# the other names of sys.modules seen so far: each request looks at the new names only (all 1,500 of them, with
# torch's, took a fifth of a small call's time in this process)
OTHER_MODULES = set()
MODULES_STAMP = [None]  # sys.modules' length and last name when it was last looked at: no name is new while they hold


def _sent_only_forward(cls, original):
    def forward(self, *args, **kwargs):
        if SENT.get(id(self)) is not self:
            raise PermissionError(f"the course's {cls.__name__} was run on a module the answer made or kept: use "
                                  f"the modules your function is given, and write the computation yourself")
        return original(self, *args, **kwargs)
    forward.__name__, forward.__qualname__ = original.__name__, original.__qualname__
    return forward


def _refuse_course_code() -> None:
    """In the companion, from the first time each of the course's modules is here: ``COURSE_TRAINING`` raises,
    and the ``forward`` of each module class of the course's runs only on a module the grader sent."""
    import torch

    stamp = (len(sys.modules), next(reversed(sys.modules), None))  # (a name added goes last)
    if stamp == MODULES_STAMP[0]:
        return
    new = sys.modules.keys() - OTHER_MODULES - COURSE_DONE
    course = {n for n in new if n == "course" or n.startswith("course.")}
    OTHER_MODULES.update(new - course)
    MODULES_STAMP[0] = stamp
    for name in sorted(course):
        module = sys.modules[name]
        if module is None:  # (looked at again next time, whatever the stamp)
            MODULES_STAMP[0] = None
            continue
        COURSE_DONE.add(name)
        for function in COURSE_TRAINING.get(name, ()):
            if hasattr(module, function):  # (replaced: nothing here keeps the course's own)
                setattr(module, function, _decoder_refusal(f"{name}.{function}", "write the training loop yourself"))
        for cls in list(vars(module).values()):
            if isinstance(cls, type) and issubclass(cls, torch.nn.Module) and cls.__module__ == name \
                    and "forward" in cls.__dict__:
                cls.forward = _sent_only_forward(cls, cls.__dict__["forward"])


def _refusing_forward(original):
    def forward(self, *args, **kwargs):
        # (a form test's call too: a gpt_forward that returns model(idx)[0] earned the form point, a red
        # team's, 2026-12-04; calling the reference costs the whole exercise)
        if "model" in REFUSING:
            raise PermissionError("model(idx) was called: compute the logits from the model's parts (wte, wpe, "
                                  "drop, the blocks, ln_f and lm_head)")
        return original(self, *args, **kwargs)
    forward.__name__, forward.__qualname__ = original.__name__, original.__qualname__
    return forward


def _loss_refusal(model):
    raise PermissionError("model.loss_function was read: it is Hugging Face's own version of lm_loss; shift the "
                          "logits and the labels and compute the cross-entropy yourself")


# ``execve`` and ``execveat`` per machine, and the kernel's name for the machine (``AUDIT_ARCH_*``)
EXEC_CALLS = {"x86_64": (0xC000003E, (59, 322)), "aarch64": (0xC00000B7, (221, 281))}


def _no_new_programs() -> bool:
    """Forbid this process and its children to start a program (``execve``), with a seccomp filter: an
    audit hook sees Python's ways to start one, not a library's own (a red team's Tcl interpreter, from
    tkinter, ran ``exec python`` and the course's merge in it, 2026-12-03). Threads and forks still work;
    the process never needs a new program once it runs. False where the kernel or machine has no seccomp."""
    import ctypes
    import platform
    import struct as packing

    if platform.system() != "Linux" or platform.machine() not in EXEC_CALLS:
        return False
    arch, calls = EXEC_CALLS[platform.machine()]
    ld_w_abs, jeq_k, ret_k = 0x20, 0x15, 0x06
    allow, refuse = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    program = [(ld_w_abs, 0, 0, 4),  # seccomp_data.arch
               (jeq_k, 1, 0, arch), (ret_k, 0, 0, allow),  # another machine's calls: not these numbers
               (ld_w_abs, 0, 0, 0)]  # seccomp_data.nr
    for number, call in enumerate(calls):
        program += [(jeq_k, len(calls) - number, 0, call)]
    program += [(ret_k, 0, 0, allow), (ret_k, 0, 0, refuse)]
    code = b"".join(packing.pack("HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(code)

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0:
        return False
    filter_program = Program(len(program), ctypes.cast(buffer, ctypes.c_void_p))
    return libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(filter_program), 0, 0) == 0


def _asarray_copies_bytearrays() -> None:
    """``torch.asarray`` (and ``torch.frombuffer``) share a bytearray's memory holding the object but not its
    buffer export, so the bytearray may grow, move, and free that memory under the tensor: an object array
    made there next had its slots written through the tensor, addresses that read back as any object of this
    process (rt22, 2026-12-05). The rules refuse ``frombuffer``; ``asarray`` is ordinary, so here a bytearray
    or a memoryview given to either is copied first (bytes cannot move). Nothing else changes."""
    import torch

    for name in ("asarray", "frombuffer"):
        original = getattr(torch, name)

        def copying(*args, _original=original, **kwargs):
            # (a memoryview too: io.BytesIO's getbuffer(), released once torch has read it, let the BytesIO grow)
            args = tuple(bytes(a) if isinstance(a, (bytearray, memoryview)) else a for a in args)
            kwargs = {k: bytes(v) if isinstance(v, (bytearray, memoryview)) else v for k, v in kwargs.items()}
            # torch's note that the copy is read-only is this process's own: an answer cell that turned warnings
            # into errors (``warnings.simplefilter("error")``) had its first call fail on it here (the grader's RNG
            # state is read through this), "your function raised UserWarning: The given buffer is not writable",
            # an honest answer losing its point (ch58)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="The given buffer is not writable", category=UserWarning)
                return _original(*args, **kwargs)
        copying.__name__ = copying.__qualname__ = name
        setattr(torch, name, copying)



def _numpy_views_keep_their_memory() -> None:
    """``t.numpy()`` (and so ``np.asarray(t)``) gives an array over the tensor's memory whose base is an alias
    of the tensor, the array's only hold on that memory. ``set_`` on that alias (``a.base``) and on the tensor
    put other storage under both, and freed the memory under the array: an object array made there next had
    its slots written through the array, addresses that read back as any object, ``sys`` some lines on (ch41,
    2026-12-06). Here each such array holds the storage itself until it is collected (a view of it holds the
    array), so whatever storage a tensor is given next (``set_``, ``torch.nn.utils.vector_to_parameters``, which
    sets ``.data``), the memory stays. The rules cannot refuse ``set_``: an honest greedy decode grows its ids
    with ``ids.set_(torch.cat(...))``. (Memory a storage frees in place, ``share_memory_``, cannot be held that
    way: it is refused.)"""
    import weakref

    import torch

    original = torch.Tensor.numpy

    def numpy(self, *args, **kwargs):
        array = original(self, *args, **kwargs)
        weakref.finalize(array, _kept, self.untyped_storage())
        return array
    numpy.__name__ = numpy.__qualname__ = "numpy"
    numpy.__doc__ = original.__doc__
    _tensor_method("numpy", numpy)
    _tensor_method("share_memory_", _no_shared_memory)  # (nn.Module.share_memory and the optimizers' call it)


def _tensor_method(name, replacement) -> None:
    """Put ``replacement`` in place of the tensor method ``name`` on ``torch.Tensor`` and on every class that holds
    the same method: torch's C base (``super(torch.Tensor, t).numpy()``) and its 38 legacy tensor types, each an
    immutable class with a copy of the tensor's methods (``torch.LongTensor.numpy(t)`` is torch's own numpy for any
    tensor, float too). Both skipped ``Tensor.numpy`` as set here, and ch41's ``set_`` gadget freed the memory
    under the array: ``sys`` in a real sandboxed answers' process, past the rules (ch42, 2026-12-06). Immutable
    classes refuse ``setattr``: their attribute dict is changed in place, and Python told (``PyType_Modified``)
    to forget what it looked up there."""
    import ctypes
    import gc

    import torch

    original = getattr(torch.Tensor, name)
    setattr(torch.Tensor, name, replacement)
    for cls in [torch._C.TensorBase, *sorted(torch._tensor_classes, key=str)]:
        if vars(cls).get(name) is original:
            gc.get_referents(vars(cls))[0][name] = replacement  # (the dict behind the class's mapping proxy)
            ctypes.pythonapi.PyType_Modified(ctypes.py_object(cls))


def _no_shared_memory(self, *args, **kwargs):
    """``share_memory_`` moves a storage's memory in place and frees the old, under the arrays ``.numpy()`` made
    of it (rt22, 2026-12-05): no storage held keeps that memory. The rules refuse it by name; here too."""
    raise PermissionError("share_memory_ moves a tensor to memory shared between processes and frees its own, "
                          "which an array made from it still reads (raw memory); no exercise shares memory "
                          "between processes")


def _kept(storage) -> None:
    """What ``_numpy_views_keep_their_memory`` calls as an array goes: nothing; the storage goes with the call."""


# numpy's C API table (``numpy._core._multiarray_umath._ARRAY_API``): the number of its function that gives a
# dtype's table of C functions (``_PyDataType_GetArrFuncs``, numpy 2), and in that table (``PyArray_ArrFuncs``,
# numpy/ndarraytypes.h) the places of the functions checked or cleared below, in pointers from its start.
ARRFUNCS_API_NUMBER = 365
ARRFUNCS = {"getitem": 21, "setitem": 22, "compare": 25, "argmax": 26, "dotfunc": 27, "scanfunc": 28, "sort": 33,
            "argsort": 36, "argmin": 46}
# A ufunc (``PyUFuncObject``, numpy/ufuncobject.h; 64-bit): after the object's header (16 bytes) the ints nin, nout,
# nargs, identity, the pointers functions, data, the ints ntypes, reserved1, the pointers name, types: in bytes.
UFUNC_FIELDS = {"type": 8, "nin": 16, "nout": 20, "nargs": 24, "ntypes": 48, "name": 56, "types": 64}


def _objects_unordered() -> bool:
    """Make numpy refuse to order arrays of Python objects (``sort``, ``argsort``, ``partition``,
    ``searchsorted``, ``argmax``, ``unique``...: "type does not have compare function"), by clearing the
    object dtype's compare, argmax and argmin functions. Its sorts keep the elements' addresses across calls
    of their ``__lt__``, which an answer's class may define: one that reassigned the array's slots freed
    them, and the sort wrote freed objects back (rt23, 2026-12-05; rt22 had turned such memory into any
    object). Numbers' arrays are not touched; no exercise orders objects in numpy. Nothing is written
    unless the table looks as numpy 2's does (False then, and the process says so)."""
    import ctypes

    import numpy as np

    size = ctypes.sizeof(ctypes.c_void_p)
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    try:
        if int(np.__version__.split(".")[0]) != 2:
            return False
        api = get_pointer(np._core._multiarray_umath._ARRAY_API, None)
        function = ctypes.c_void_p.from_address(api + ARRFUNCS_API_NUMBER * size).value
        arrfuncs = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.py_object)(function)
    except Exception:
        return False

    def slot(dtype, name):
        return ctypes.c_void_p.from_address(arrfuncs(np.dtype(dtype)) + ARRFUNCS[name] * size)

    # the object dtype has these functions but no scan or sort of its own; float64 has its own sort
    if not all(slot(object, n).value for n in ("getitem", "setitem", "compare", "argmax", "argmin", "dotfunc")) \
            or slot(object, "scanfunc").value or slot(object, "sort").value or slot(object, "argsort").value \
            or not slot(np.float64, "sort").value:
        return False
    # (dotfunc: np.dot, np.inner, np.correlate of objects hand the elements' borrowed addresses to ``*`` and
    # ``+``; see _object_loops_refused: "dot not available for this type")
    for name in ("compare", "argmax", "argmin", "dotfunc"):
        slot(object, name).value = None
    return True


def _object_loops_refused() -> bool:
    """Make numpy's ufuncs refuse arrays of Python objects (``+``, ``==``, ``<``, np.maximum, ``arr.max()``,
    np.clip, np.logical_and, np.sign, np.gcd, np.matmul, np.vecdot...: "did not contain a loop with signature
    matching types"), and np.vdot refuse them too. Their loops over objects hold the elements' addresses,
    borrowed from the array, across calls of the elements' own Python methods (``__ge__``, ``__bool__``,
    ``__index__``, ``__getattr__``, ``conjugate``, or an ``__add__``/``__lt__`` returning NotImplemented, after
    which Python calls the other operand's reflected method with the same addresses): one that reassigned the
    array's slots freed those elements, which the loop then used (np.minimum.reduce crashed the process,
    2026-12-05, and a sweep of numpy 2.4.6's C source found 20 such loops, all crashing; the probe in
    tests/test_recheck.py calls each). Each ufunc's loops over
    objects come last in its table of loops (``types``), which numpy searches up to ``ntypes`` every time a
    loop is wanted; ``ntypes`` is cut to the loops before them. Numbers' loops are untouched. Comparing an
    object array with ``==``/``!=`` (or a number array with None) now raises TypeError, or, where numpy had
    already picked the object loop before the cut, answers all unequal; no Python code runs either way. No
    exercise computes with object arrays. Nothing is written unless every ufunc's
    fields read back as numpy 2's do (its type, nin, nout, nargs, ntypes, name and types): False then."""
    import ctypes

    import numpy as np
    from numpy._core import umath

    if ctypes.sizeof(ctypes.c_void_p) != 8 or int(np.__version__.split(".")[0]) != 2 or np.dtype(object).num != 17:
        return False
    ufuncs = {id(u): u for module in (np, umath) for u in vars(module).values() if isinstance(u, np.ufunc)}
    cuts = []
    try:
        for address, ufunc in ufuncs.items():
            def field(name, kind=ctypes.c_int, _address=address):
                return kind.from_address(_address + UFUNC_FIELDS[name])

            nargs, ntypes = ufunc.nargs, ufunc.ntypes
            types, name = field("types", ctypes.c_void_p).value, field("name", ctypes.c_void_p).value
            if type(ufunc) is not np.ufunc or field("type", ctypes.c_void_p).value != id(np.ufunc) \
                    or [field(n).value for n in ("nin", "nout", "nargs", "ntypes")] != [ufunc.nin, ufunc.nout,
                                                                                       nargs, ntypes] \
                    or not name or ctypes.string_at(name) != ufunc.__name__.encode():
                return False
            if ntypes == 0:  # (numpy's string ufuncs: ArrayMethods of their own, no table, nothing over objects)
                continue
            if not types:
                return False
            numbers = ctypes.string_at(types, ntypes * nargs)
            if numbers != bytes(np.dtype(c).num for loop in ufunc.types for c in loop.replace("->", "")):
                return False
            objects = [17 in numbers[i * nargs:(i + 1) * nargs] for i in range(ntypes)]
            if True in objects:
                first = objects.index(True)
                if not all(objects[first:]):  # a loop of numbers after one of objects: not numpy 2.4's tables
                    return False
                cuts.append((field("ntypes"), first))
    except Exception:
        return False
    if not cuts:
        return False
    for ntypes, first in cuts:
        ntypes.value = first
    _vdot_refuses_objects()
    return True


def _vdot_refuses_objects() -> None:
    """np.vdot picks its loop over objects by the type's number, not from the dtype's table: it refuses object
    arrays here in Python (each argument made an array once, then handed on as that array)."""
    import numpy as np

    original = np.vdot

    def vdot(a, b):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype.hasobject or b.dtype.hasobject:
            raise TypeError("vdot of Python objects is not available here")
        return original(a, b)
    vdot.__name__ = vdot.__qualname__ = "vdot"
    vdot.__doc__ = original.__doc__
    for module in [m for n, m in sys.modules.items() if n == "numpy" or n.startswith("numpy.")]:
        if getattr(module, "vdot", None) is original:
            setattr(module, "vdot", vdot)


MAX_RECURSION = 20_000  # as the grading kernel's (``preprocessors.MAX_RECURSION``; the sandbox's stack holds it)


def _bounded_recursion() -> None:
    """``sys.setrecursionlimit`` (which the rules allow) sets at most ``MAX_RECURSION`` here, as in the kernel: an
    endless recursion under a limit of 10**7 ran 53 s before its RecursionError, its frames taking the memory."""
    import operator
    set_limit = sys.setrecursionlimit

    def setrecursionlimit(limit):  # (any integer: numpy's too)
        return set_limit(min(operator.index(limit), MAX_RECURSION))
    sys.setrecursionlimit = setrecursionlimit


def main(argv):
    requests, replies = _frames()
    import importlib

    import torch

    global CELL_SECONDS
    if len(argv) > 2:
        CELL_SECONDS = int(argv[2])
    for module in (argv[3].split(",") if len(argv) > 3 and argv[3] else ()):
        importlib.import_module(module)  # what the grader will send (a model class), before any answer runs
    _refuse_decoders()
    for name in RECURRENT:
        if hasattr(torch, name):
            setattr(torch, name, _refused(name))
    _refuse_shortcuts()
    # (the rules refuse sparse tensors; should one be made all the same, torch checks its indices, which it
    # does not by default: an index past the end wrote outside the tensor)
    torch.sparse.check_sparse_tensor_invariants.enable()
    _asarray_copies_bytearrays()
    _numpy_views_keep_their_memory()
    _copies_stay_sent()
    if not _objects_unordered():
        print("answer process: numpy's object arrays can still be sorted here (not numpy 2's layout)", file=sys.stderr)
    if not _object_loops_refused():
        print("answer process: numpy's ufuncs still loop over object arrays here (not numpy 2's layout)",
              file=sys.stderr)
    PLAIN[0] = len(argv) > 5 and argv[5] == "none"
    _serve(argv[4] if len(argv) > 4 else "")
    HOST_CALLERS.update(_host_callers())
    if not _no_new_programs():
        print("answer process: no seccomp filter here; programs are refused by the audit hook only", file=sys.stderr)
    import builtins
    builtins.__build_class__ = _checked_classes(builtins.__build_class__)
    _checked_enums()
    load_course = len(argv) <= 5 or argv[5] != "none"  # (recheck.Host says; see MODEL_TESTS there)
    WALK.append(_load_beside("mask_walk.py", "course/checks/mask_walk.py"))
    CLOCK.append(_load_beside("clock.py", "autograder/clock.py"))
    # for good: an audit hook cannot be removed
    sys.addaudithook(_sealed_guard(_code_makers(), _course_folder(), load_course))
    _bounded_recursion()
    cells = json.loads(open(argv[1], encoding="utf-8").read())
    _write(replies, {"ok": True, "value": "ready"})  # started: from here on, the answers run
    namespace = _run(cells)
    # each cell had CELL_SECONDS; a call's limit starts now
    _write(replies, {"ok": True, "value": "loaded", "cell_errors": list(CELL_ERRORS)})
    last, called, objects, callback = None, None, [], _callbacks(requests, replies)
    while True:
        frame = _read(requests)
        if frame is None:
            return 0
        try:
            request = _load(frame)
        except Exception as error:  # (a model of the course's sent where it may not be loaded: the grader's slip)
            _write(replies, {"ok": False, "error": "RuntimeError", "base": "RuntimeError",
                             "message": f"the answers' process could not read the grader's request: "
                                        f"{type(error).__name__}: {error}"[:2000]})
            continue
        _refuse_decoders()  # the classes of a model the grader sent are imported as it is read
        SENT.clear()
        SENT.update(_sent([request.get("args"), request.get("kwargs")], {}))
        _outputs_recordable(SENT.values())
        try:
            if request["op"] == "call":
                called = None
                before = _plain_snapshots(request["args"])
                value = _call(request, namespace, objects, callback)
                args = request["resolved"]
                outputs = _tensors(value, [])
                linked = [bool(request.get("grad")) and t.requires_grad for t in outputs]
                # (and the grader's modules of this call, which its backward may run again: a block_forward
                # under torch.utils.checkpoint recomputes the MLP's forward there, and an honest one lost its
                # point to "the course's MLP was run on a module the answer made or kept", rt35)
                last = ([args[p] for p in request.get("grad", ())], [t for t, keep in zip(outputs, linked) if keep],
                        dict(SENT))
                called = (args, outputs, dict(SENT))  # (for a weight_grad request)
                # the arguments as the call left them: a function that changes its input is seen to
                after = tuple(None if _unchanged(a, snapshot) else _after(a, snapshot, request.get("weights") is True)
                              for a, snapshot in zip(args, before))
                reply = {"ok": True, "linked": linked, "args": after, "returned": _returned(value, args),
                         "left": request.get("left"),
                         **_answer(value, objects, request.get("handles", False))}
            elif request["op"] in ("getattr", "repr"):
                reply = {"ok": True, **_answer(_call(request, namespace, objects), objects, True)}
            elif request["op"] == "structure":
                reply = {"ok": True, "value": _structure(objects[request["object"]])}
            elif request["op"] == "weight_grad":
                SENT.update(called[2] if called else {})  # (its backward runs the grader's modules of that call)
                reply = {"ok": True, "value": _weight_grad(called and called[:2], request)}
                called = None  # (its graph is spent)
            elif request["op"] == "bind":  # the course's own functions in place of the answers' (lesson 03)
                module = _bind(request["source"])
                LENT[0] += 1
                lent = {name: _lent(module[name], LENT[0]) for name in request["names"]}
                for cell_namespace in CELL_NAMESPACES + CELL_AS_LEFT:  # (as the test cell bound them: for every
                    cell_namespace.update(lent)                         # cell's code, at every test's place)
                reply = {"ok": True, "value": None}
            elif request["op"] == "load":  # other answers in a fresh namespace (the tests reuse one process)
                LENT[0] += 1  # the course's functions bound so far refuse from now on
                if "lesson" in request:
                    _serve(request["lesson"])
                namespace, last, called, objects = _run(request["cells"]), None, None, []
                reply = {"ok": True, "value": None, "cell_errors": list(CELL_ERRORS)}
            elif request["op"] == "grad":
                inputs, outputs, sent = last
                SENT.update(sent)  # the backward of that call: its modules as trusted as they were in it
                grads = [g for g, o in zip(request["grad_outputs"], outputs)]
                for tensor in inputs:
                    tensor.grad = None
                # backward, not autograd.grad: the answer's own leaves (a module's weights) get their
                # gradients too, as they would in the notebook (a test reads them through a handle)
                torch.autograd.backward(outputs, grads, inputs=None)
                reply = {"ok": True, "value": [None if t.grad is None else t.grad.detach() for t in inputs]}
            else:
                reply = {"ok": False, "error": "ValueError", "message": f"unknown op {request['op']!r}"}
            if "rng" in request:  # the grader's RNG goes on from where this call left it
                state = torch.get_rng_state()
                if state.numpy().tobytes() != request["rng"]:  # (5 kB: much of a small call's time)
                    reply["rng"] = state
        except GraderGone:
            raise
        # (and what an answer raises that is no Exception: a KeyboardInterrupt or SystemExit of its own, which a
        # notebook's cell shows as its error, ended this process, and the test was told 'the answers' process
        # ended', as if the grader had failed it, ch58; the limits of a call are the grader's, not a signal here)
        except BaseException as error:
            reply = {"ok": False, "error": type(error).__name__, "base": _builtin_base(error),
                     "message": _said(error)[:2000]}
        finally:
            SENT.clear()  # trusted for that request only: an answer that kept one cannot use it later
        try:
            _write(replies, reply)
        except Exception as error:  # a value torch cannot save: say so instead, naming what it met
            _write(replies, {"ok": False, "error": "NotData", "message": _not_data(reply, error)[:2000]})


if __name__ == "__main__":
    sys.exit(main(sys.argv))
