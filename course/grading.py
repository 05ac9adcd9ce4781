"""Integrity checks that the lessons' test cells run on a student's answer.

The course ships its reference implementations, so an answer could simply call them. Such an answer
teaches nothing and must not score: ``assert_own_work`` fails when a student's function (or class) is
the reference itself, an alias of it, or code whose body reaches into the ``course`` package (through
a name bound to a course object, an import, or the string "course").
"""
from __future__ import annotations

import dis
import functools
import gc
import inspect
import types
from typing import Any


class DelegatesToReference(AssertionError):
    """The answer calls the course's reference instead of implementing the exercise."""


def _from_course(obj: Any) -> bool:
    if isinstance(obj, types.ModuleType):
        return obj.__name__ == "course" or obj.__name__.startswith("course.")
    module = getattr(obj, "__module__", None) or ""
    if not isinstance(module, str):
        return False
    return module == "course" or module.startswith("course.")


def _configuration_class(obj: Any) -> bool:
    """Whether ``obj`` is one of the course's configuration classes (``TrainConfig``, a dataclass of settings):
    an answer may test its argument against one, ``isinstance(cfg, TrainConfig)``; it computes nothing an
    exercise asks for (the autograder's rules refuse any other use of it, ``autograder.answers``)."""
    import dataclasses

    return isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__name__.endswith("Config")


def _code_objects(code: types.CodeType):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _configuration_of_module(value: Any, following: list) -> bool:
    """Whether a course module read by the code (``ref``) is read only for a configuration class of its
    own, by the next instruction, and nothing of that class by the one after: ``isinstance(config,
    ref.AttentionConfig)``, as lesson 03's cells name it (the autograder's rules allow the class there and in
    a type hint only; an honest check lost its points, rt32)."""
    read, then = (following + [None, None])[:2]
    if not isinstance(value, types.ModuleType) or read is None or read.opname != "LOAD_ATTR" \
            or not isinstance(read.argval, str) or (then is not None and then.opname in ("LOAD_ATTR", "LOAD_METHOD")):
        return False
    return _configuration_class(vars(value).get(read.argval))


def _problems_in_function(fn: types.FunctionType, seen: set | None = None) -> list[str]:
    seen = set() if seen is None else seen
    seen.add(id(fn))
    if _from_course(fn):  # (held where the walk for functions reaches it: a partial's, a default's)
        return [f"it holds the course's {fn.__module__}.{fn.__qualname__}"]
    problems = []
    for code in _code_objects(fn.__code__):
        # the global names it reads and the modules it imports; not attribute names, so that
        # `model.train()` is not mistaken for the course's `train` imported into the notebook
        instructions = list(dis.get_instructions(code))
        for index, ins in enumerate(instructions):
            following = instructions[index + 1:index + 3]
            if ins.opname not in ("LOAD_GLOBAL", "LOAD_NAME", "IMPORT_NAME") or not isinstance(ins.argval, str):
                continue
            name = ins.argval
            if name.split(".")[0] == "course":
                problems.append("its code mentions the `course` package")
            elif ins.opname != "IMPORT_NAME" and name in fn.__globals__ and _from_course(fn.__globals__[name]) \
                    and not _configuration_class(fn.__globals__[name]) \
                    and not _configuration_of_module(fn.__globals__[name], following):
                problems.append(f"it uses `{name}`, which comes from the course package")
            elif ins.opname != "IMPORT_NAME" and name in fn.__globals__:
                problems += _problems_in_global(name, fn.__globals__[name], seen)
        for const in code.co_consts:
            if isinstance(const, str) and (const == "course" or const.startswith("course.")):
                problems.append(f"it contains the string {const!r}")
    # (``def forward(self, x, g=ref.causal_average)``: a default value is read by the body under a name of its own)
    defaults = [*(fn.__defaults__ or ()), *(fn.__kwdefaults__ or {}).values()]
    if _holds_course([d for d in defaults if not _configuration_class(d)], modules=False):
        problems.append("a default value of its parameters is the course's")
    # (and a function a default holds, run as the answer's: ``g=(lambda: ref.causal_mask,)``, a
    # ``functools.partial(ref.causal_mask)``, passed: ch34, 2026-12-06)
    for held in _functions_held(defaults):
        if id(held) not in seen:
            problems += _problems_in_function(held, seen)
    for cell in fn.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if _from_course(value):
            problems.append("it closes over an object from the course package")
    return problems


def _problems_in_global(name: str, value: Any, seen: set) -> list[str]:
    """What a class or a plain object of the notebook's own, read as the global ``name``, holds of the course's:
    the reference in a class's list (``class Steps: run = [ref.causal_average]``, then ``Steps.run[0](x)``), an
    object's attribute (``SimpleNamespace(k=ref.causal_average)``), or a function they hold that uses it. These
    passed (ch34, ch37); the autograder's rules refuse them. Not a function of the notebook's (a lesson's own
    helper may use the course), nor a library's object."""
    if id(value) in seen or _from_course(value) or isinstance(value, (types.ModuleType, types.FunctionType)):
        return []
    if isinstance(value, type):
        chain = [c for c in value.__mro__ if c.__module__ == "__main__"]
        values = _class_values(chain)
    elif type(value) is types.SimpleNamespace or type(value).__module__ == "__main__":
        chain = [c for c in type(value).__mro__ if c.__module__ == "__main__"]
        values = [*(vars(value).values() if isinstance(getattr(value, "__dict__", None), dict) else ()),
                  *_class_values(chain)]
    else:
        return []
    seen.add(id(value))
    if _holds_course(values, modules=False):
        return [f"it reads `{name}`, which holds the course's reference"]
    return [p for held in _functions_held(values) if id(held) not in seen for p in _problems_in_function(held, seen)]


def _functions_held(values) -> list[types.FunctionType]:
    """The functions among ``values`` (a class's or an object's attributes) that run when the answer runs: plain
    ones, and those a staticmethod, classmethod, property or bound method holds (``__call__ =
    staticmethod(lambda x: ...)``, ``self.forward = lambda x: ...`` on a module: ch32, 2026-12-06)."""
    found, values, seen = [], list(values), 0
    while values and seen < 1_000_000:  # (``_holds_course``, which walks the same values, refuses more)
        value = values.pop()
        seen += 1
        if type(value) in (list, tuple, set, frozenset):  # (``self.steps = [lambda x: ...]``)
            values += list(value)
            continue
        if isinstance(value, dict):
            values += list(dict.keys(value)) + list(dict.values(value))
            continue
        if type(value) is functools.partial:  # (what it calls, and what it passes that)
            values += [value.func, *value.args, *value.keywords.values()]
            continue
        if isinstance(value, (staticmethod, classmethod, types.MethodType)):
            value = value.__func__
        elif isinstance(value, functools.cached_property):
            value = value.func
        parts = [value.fget, value.fset, value.fdel] if isinstance(value, property) else [value]
        found += [part for part in parts if isinstance(part, types.FunctionType)]
    return found


_LRU_CACHE = type(functools.lru_cache(maxsize=None)(lambda: None))  # functools.cache and lru_cache's wrapper


def _cached_function(answer: Any, name: str) -> Any:
    """The function an ``lru_cache`` wrapper calls: the one the wrapper holds itself, not its
    ``__wrapped__`` (an attribute anyone may set), and only where both agree."""
    held = [r for r in gc.get_referents(answer) if type(r) not in (dict, object) and not isinstance(r, type)]
    wrapped = getattr(answer, "__wrapped__", None)
    if len(held) != 1 or held[0] is not wrapped:
        raise DelegatesToReference(
            f"{name} is an lru_cache whose function cannot be checked: put @functools.lru_cache "
            f"(or @functools.cache) right above the def of your own function.")
    return wrapped


def _own_instance(answer: Any) -> bool:
    """Whether ``answer`` is an object of a class the notebook defined: every class of its chain but ``object``
    defined in the notebook (``__main__``; not the course's, not a library's: a ``functools.partial`` subclass
    holds any function), and no attribute that is the course's."""
    kind = type(answer)
    chain = kind.__mro__[:-1]
    if isinstance(answer, type) or not chain or _from_course(kind):
        return False
    if any(c.__module__ != "__main__" or type(c) is not type for c in chain):
        return False
    own = getattr(answer, "__dict__", None)
    return isinstance(own, dict) and not _holds_course([*own.values(), *_class_values(chain)])


def _own_module(answer: Any) -> list | None:
    """The classes of the notebook's own whose methods run when ``answer`` is called, if ``answer`` is an
    nn.Module object of a class the notebook defined (``causal_average = CausalAverage()``): every class of its
    chain but nn.Module and ``object`` defined in the notebook, and of each of its submodules either that or
    one of torch's own (``nn.Linear``); no hook registered on any of them; nothing of the course's among their
    attributes (their parameters, buffers and submodules included). Else None."""
    import torch.nn as nn

    if isinstance(answer, type) or not isinstance(answer, nn.Module):
        return None
    found = []
    for module in nn.Module.modules(answer):
        chain = [c for c in type(module).__mro__ if c not in (nn.Module, object)]
        own = all(c.__module__ == "__main__" and type(c) is type for c in chain)
        if module is answer and not (chain and own):
            return None
        if not own and not all(c.__module__.split(".")[0] == "torch" and not _from_course(c) for c in chain):
            return None
        state = vars(module)
        if any(k.endswith(("hooks", "hooks_with_kwargs", "hooks_always_called")) and v for k, v in state.items()):
            return None
        if _holds_course([*state.values(), *_class_values(chain)]):
            return None
        if own:
            found += [c for c in chain if c not in found]
    return found


def _module_state_functions(answer: Any) -> list[types.FunctionType]:
    """The functions that the modules of ``answer`` (an ``_own_module``) hold in their own attributes
    (``self.forward = lambda x: ...``, a torch layer's ``forward`` replaced by one)."""
    import torch.nn as nn

    return [f for module in nn.Module.modules(answer) for f in _functions_held(vars(module).values())]


def _object_of_own_class_on_a_library_base(answer: Any) -> bool:
    """Whether ``answer`` is a callable object of a class the notebook defined on a library's base (an nn.Module
    of its own), which ``_own_instance`` does not count as the notebook's own."""
    kind = type(answer)
    return (not isinstance(answer, type) and callable(answer) and kind.__module__ == "__main__"
            and any(c.__module__ != "__main__" for c in kind.__mro__[:-1])
            and not any(_from_course(c) for c in kind.__mro__))


def _own_callable_object(answer: Any) -> bool:
    """Whether ``answer`` is a callable object of a class the notebook defined (``_own_instance``) with a
    ``__call__`` of its own."""
    chain = type(answer).__mro__[:-1]
    return (_own_instance(answer) and callable(answer)
            and any(isinstance(vars(c).get("__call__"), types.FunctionType) for c in chain))


def _own_bound_method(answer: Any) -> bool:
    """Whether ``answer`` is a method of the notebook's own, bound to an object of its own class
    (``char_encode = Codec().encode``) or to that class (a classmethod, ``bpe_word = BPE.apply``)."""
    if type(answer) is not types.MethodType or type(answer.__func__) is not types.FunctionType:
        return False
    owner = answer.__self__
    if answer.__func__.__module__ != "__main__":
        return False
    return owner.__module__ == "__main__" if isinstance(owner, type) else _own_instance(owner)


def _class_values(classes) -> list:
    """The values the classes hold under their own names: not their special entries, whose
    ``__annotations__`` may name a configuration class of the course's (``config: AttentionConfig``)."""
    return [v for c in classes for k, v in vars(c).items() if not (k.startswith("__") and k.endswith("__"))]


def _holds_course(values: list, modules: bool = True) -> bool:
    """Whether ``values`` (an object's or a class's attributes), or what their lists, tuples, sets and dicts
    hold, include an object of the course's (``staticmethod(ref.describe)`` too: it carries the function's
    module) or, with ``modules``, a module; more than a million of them count as such."""
    values, seen = list(values), 0
    while values:
        value = values.pop()
        seen += 1
        if seen > 1_000_000 or _from_course(value) or (modules and isinstance(value, types.ModuleType)):
            return True
        if type(value) in (list, tuple, set, frozenset):
            values += list(value)
        elif isinstance(value, dict):  # (an nn.Module's hooks are in OrderedDicts; read as plain dicts)
            values += list(dict.keys(value)) + list(dict.values(value))
    return False


def assert_own_work(answer: Any, name: str) -> None:
    """Raise ``DelegatesToReference`` if ``answer`` (a function or class) delegates to ``course``. A function
    under ``@functools.lru_cache`` or ``@functools.cache`` is checked as the function it caches."""
    if type(answer) is _LRU_CACHE and not _from_course(answer):
        answer = _cached_function(answer, name)
    if _from_course(answer):
        raise DelegatesToReference(
            f"{name} is the course's reference implementation ({answer.__module__}), not your own code. "
            f"Write the function yourself; this exercise scores 0 otherwise.")
    functions: list[types.FunctionType] = []
    if isinstance(answer, types.FunctionType):
        functions.append(answer)
    elif inspect.isclass(answer):
        for base in answer.__mro__:
            if _from_course(base):
                raise DelegatesToReference(
                    f"{name} inherits from the course's {base.__module__}.{base.__qualname__}; "
                    f"write the class yourself (subclass torch.nn.Module, not the reference).")
        own = [c for c in answer.__mro__ if c.__module__ == answer.__module__]
        if _holds_course(_class_values(own), modules=False):
            raise DelegatesToReference(
                f"{name} holds the course's reference as a class attribute; write the code yourself.")
        functions += _functions_held(v for c in own for v in vars(c).values())
    elif _own_callable_object(answer):
        # an object of a class of the notebook's own with a __call__ (`padding_mask = PaddingMask()`): its
        # class is checked as a class answer is, every method (an honest one lost both points, rt26)
        functions += _functions_held([*(v for c in type(answer).__mro__[:-1] for v in vars(c).values()),
                                      *vars(answer).values()])
    elif type(answer) is functools.partial:
        # `char_decode = functools.partial(_decode, sep="")`: the function it calls is checked as the answer,
        # and what it passes that function may not be the course's (an honest one lost both points, rt28)
        given = [*answer.args, *answer.keywords.values()]
        held = [v for g in given if not isinstance(g, (type, types.ModuleType))
                and isinstance(getattr(g, "__dict__", None), dict) for v in vars(g).values()]
        if _holds_course(given + held):
            raise DelegatesToReference(
                f"{name} is a functools.partial that passes the course's reference (or a module) to its "
                f"function; write the code yourself.")
        return assert_own_work(answer.func, name)
    elif _own_bound_method(answer):
        # `char_encode = Codec().encode`: the method's object or class is checked as a class answer is (rt28)
        owner = answer.__self__
        assert_own_work(owner if isinstance(owner, type) else type(owner), name)
        functions.append(answer.__func__)
        if not isinstance(owner, type):  # (and what the object holds: ``self.step = lambda x: ...``)
            functions += _functions_held(vars(owner).values())
    elif own_classes := _own_module(answer):
        # `causal_average = CausalAverage()`, an nn.Module of the student's with its forward: its classes are
        # checked as a class answer is (rt31 found it refused, 2026-12-06)
        functions += _functions_held(v for c in own_classes for v in vars(c).values())
        functions += _module_state_functions(answer)
    elif _object_of_own_class_on_a_library_base(answer):
        # `causal_average = CausalAverage()`, an nn.Module of the student's: its library base runs code (hooks)
        # that cannot be checked as theirs, but a def calling the module is checked as any function (rt31)
        kind = type(answer)
        library = next(c for c in kind.__mro__[:-1] if c.__module__ != "__main__")
        raise DelegatesToReference(
            f"{name} is an object of your class {kind.__name__}, whose base {library.__module__}."
            f"{library.__qualname__} is a library's: such an object cannot be checked as your own code. Keep the "
            f"class, and define {name} with def, calling it inside: def {name}(...): return {kind.__name__}()(...).")
    elif type(answer).__name__ == "ScriptFunction" and type(answer).__module__ == "torch.jit":
        # an honest `@torch.jit.script def padding_mask(...)` was told only that a ScriptFunction "cannot be
        # checked as your own code" (rt47): the autograder refuses the cell for torch.jit, and says why
        raise DelegatesToReference(
            f"{name} is compiled by torch.jit, which the autograder does not run (torch.jit makes code of its own "
            f"from a function's source, which its rules cannot read, and no exercise needs its speed): leave the "
            f"decorator or the call out, and keep your function as it is.")
    else:
        raise DelegatesToReference(
            f"{name} should be a function (or class) defined with def/class in your notebook, got "
            f"{type(answer).__name__}, which cannot be checked as your own code: define it with def (a "
            f"functools.partial of your own function, or a method of your own class, is fine too).")
    problems = sorted({p for fn in functions for p in _problems_in_function(fn)})
    if problems:
        raise DelegatesToReference(
            f"{name} delegates to the course's reference implementation: {'; '.join(problems)}. "
            f"Write it yourself; this exercise scores 0 otherwise.")
