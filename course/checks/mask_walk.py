"""The walk of lesson 03's "mask not a buffer": the tensors a module keeps outside its parameters and buffers,
and the causal masks among them, known by their values whatever form they are kept in.

Two processes run it: the notebook's check (``course.checks.attention._plain_tensors``), and the autograder's
answers' process (``autograder/answer_host.py``), which has no course package: ``autograder.recheck`` copies this
file beside it, and it loads the file as a module of its own that is not in ``sys.modules`` (an answer that
imports a copy cannot change the one that walks it). So this module imports nothing but Python, torch and numpy.
What differs between the two is handed in: which classes and functions are the answer's own (``answers``), and how
a module's own dicts are read (``members``: the answers' process reads them without methods a class may override).
"""
import collections
import dis
import functools
import gc
import math
import re
import sys
import types

import numpy
import torch


def plain_and_masks(found: list) -> dict:
    """``plain``: ``[name, dtype]`` of each tensor found; ``masks``: the names of those that are causal masks by
    their values (``causal_pattern``); the answers' process sends the same (``answer_host.plain_and_masks``)."""
    return {"plain": [[name, dtype] for name, dtype, _ in found], "masks": [name for name, _, mask in found if mask]}


def _cell_contents(cell):
    """What a closure's cell holds, or None while it is empty."""
    try:
        return cell.cell_contents
    except ValueError:
        return None


def made_here(cls) -> bool:
    """Whether the class ``cls`` was made at run time, not found under its name in the module it names: a
    ``collections.namedtuple("Held", "tril", defaults=[mask])`` keeps its defaults in its class, and named a
    library's module (``module="torch"``), or the answers' own, it was no class of the answer's statements
    and the walk stopped there, all 8 points kept (ch49). Read from the modules' and classes' own dicts:
    nothing is imported or computed."""
    found = sys.modules.get(cls.__module__) if type(cls.__module__) is str else None
    for part in str(cls.__qualname__).split("."):
        found = vars(found).get(part) if isinstance(found, (types.ModuleType, type)) else None
    return found is not cls


def _globals_read(code) -> list:
    """The global names ``code`` reads (LOAD_GLOBAL), and the functions defined in it."""
    names = [instruction.argval for instruction in dis.get_instructions(code) if instruction.opname == "LOAD_GLOBAL"]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names += _globals_read(const)
    return names


def causal_pattern(tensor) -> bool:
    """Whether ``tensor`` is a causal mask by its values, whatever its dtype and name: at most two values, and
    the entries of its larger one, in each square matrix of its last two dimensions, those on and below the
    diagonal, or those above it (a bool or 0/1 mask, its inverse, an additive mask of 0 and -inf, a mask of -1
    and 1: ch49's own, which counted the nonzero entries, missed that one): a float mask kept as
    ``self.w = causal_mask(n).float()`` was no buffer and kept all 8 points, its dtype and name unlike a
    mask's (ch49). An attention map has more than two values; a scale or a position, no square."""
    try:
        if tensor.dim() < 2 or tensor.shape[-1] != tensor.shape[-2] or tensor.shape[-1] < 2 \
                or tensor.numel() > 1 << 22 or tensor.is_complex() or tensor.layout != torch.strided:
            return False
        values = tensor.detach().to("cpu")
        if torch.unique(values).numel() > 2:
            return False
        top = values == values.max()  # (of two values, either: 1 of 0 and 1, 0 of 0 and -inf, 1 of -1 and 1)
        below = torch.ones(values.shape[-2:], dtype=torch.bool).tril()
        return bool((top == below).all() or (top == ~below).all())
    except Exception:  # (a tensor whose values cannot be read here: a meta tensor)
        return False


def mask_data(value) -> str | None:
    """What ``value``, data that is no tensor, is when it holds a causal mask by its values (``causal_pattern``), or
    None: a numpy array, nested lists or tuples of numbers, or the entries of a square of k * k, k >= 4, in a row (a
    flat list of numbers, bytes, a string, the bits of an int, first entry lowest or highest). Kept as
    ``self.tri = causal_mask(n).numpy()``, ``.tolist()``, ``bytes(...)``, a string of 0s and 1s or an int of its bits,
    and made a tensor again in forward, a mask was no buffer and kept all 8 points past a walk that read tensors only
    (ch50)."""
    try:
        if isinstance(value, numpy.ndarray):
            if value.dtype.kind not in "biuf" or value.size > 1 << 22:
                return None
            return f"a numpy array of {value.dtype}" if causal_pattern(torch.from_numpy(numpy.array(value))) else None
        if isinstance(value, (bytes, bytearray, str)):  # (a subclass's own, read as the plain value it holds)
            value = (bytes if isinstance(value, (bytes, bytearray)) else str).__getitem__(value, slice(None))
            if not 16 <= len(value) <= 1 << 20:
                return None
            if type(value) is str:  # its characters, or the numbers it prints (str(mask.tolist()), str(mask))
                words = re.findall(r"True|False|-?inf|-?\d+(?:\.\d+)?", value)
                printed = [word == "True" or word != "False" and float(word) for word in words]
                if len(printed) >= 16 and mask_data(printed) is not None:
                    return "a str of its printed values"
            entries, what = [ord(c) for c in value] if type(value) is str else list(value), type(value).__name__
        elif isinstance(value, int) and not isinstance(value, bool):
            value = int.__add__(value, 0)
            bits = value.bit_length()
            if value < 0 or not 16 <= bits <= 1 << 16:
                return None
            for k in (math.isqrt(bits), math.isqrt(bits) + 1):
                if k * k >= bits:
                    low = torch.tensor([(value >> i) & 1 for i in range(k * k)])
                    if causal_pattern(low.view(k, k)) or causal_pattern(low.flip(0).view(k, k)):
                        return "an int of its bits"
            return None
        elif type(value) in (list, tuple):
            entries, what = _numbers(value, 0), f"a {type(value).__name__} of numbers"
            if entries is None:
                return None
        else:
            return None
        data = torch.tensor(entries)
        if data.dim() == 1:
            k = math.isqrt(data.numel())
            if k < 4 or k * k != data.numel():
                return None
            data = data.view(k, k)
        return what if causal_pattern(data) else None
    except Exception:  # (ragged lists, numbers torch cannot hold)
        return None


def _numbers(value, depth: int):
    """``value``, plain lists and tuples of plain numbers at most 4 deep, as lists (None if it is not that)."""
    if type(value) in (bool, int, float):
        return value
    if type(value) not in (list, tuple) or depth > 4 or len(value) > 1 << 12 or not value:
        return None
    items = [_numbers(item, depth + 1) for item in value]
    return None if any(item is None for item in items) else items


def _numpy_iterated(iterator, name: str):
    """An iterator of numpy's ``name`` (a flatiter's base, a broadcast's iters, an nditer's operands), or None."""
    try:
        return getattr(iterator, name)
    except Exception:  # (an nditer closed, a broadcast's operands)
        return None


def _tensor_grad(tensor) -> list:
    """``[("grad", gradient)]`` of a leaf tensor that has one, ``[("grad_fn", node)]`` of one that is not a leaf:
    torch keeps them outside the tensor's ``__dict__``, and model.to() gives a buffer a new tensor without them (a
    mask put in a buffer's .grad by a backward of ``(x * mask).sum()``, or the leaf behind a buffer's grad_fn, kept
    all 8 points, ch50), read by torch's own descriptors; else []."""
    try:
        leaf = torch._C.TensorBase.is_leaf.__get__(tensor)
        name, part = ("grad", torch._C.TensorBase.grad) if leaf else ("grad_fn", torch._C.TensorBase.grad_fn)
        value = part.__get__(tensor)
    except Exception:
        return []
    return [] if value is None else [(name, value)]


def _future_result(future):
    """What a Future of torch's completed with (None while it runs, or if it failed)."""
    try:
        return future.value() if future.done() else None
    except Exception:
        return None


def _node_parts(node) -> list:
    """``(name, value)`` of what an autograd node keeps that an answer can read back: the leaf tensor of an
    AccumulateGrad (``variable``), the node's ``metadata`` dict, and of a custom autograd.Function's node, its
    ``saved_tensors`` and its own attributes (``ctx.mask = mask``)."""
    parts = []
    for name in ("variable", "metadata", "saved_tensors"):
        try:
            parts.append((name, getattr(node, name)))
        except Exception:  # (no such part on this kind of node, or freed by a backward)
            continue
    own = getattr(node, "__dict__", None)
    return parts + (list(own.items()) if type(own) is dict else [])


def held_tensors(where: str, value, found: list, seen: set, answers, globals_read: bool = True) -> None:
    """Append ``[place, dtype]`` for ``value`` if it is a tensor, and for each tensor it holds, at any depth, in a
    plain list, tuple, set or dict, or in the closure of a function kept as an attribute: a mask kept as
    ``self.held = [[mask]]``, ``{"k": (mask,)}`` or ``lambda: mask`` is no buffer either (ch46). A dict, list, tuple, set or
    deque of a subclass too (an OrderedDict, read as a dict), the arguments of a functools.partial, and the
    attributes of any other object that keeps them in a __dict__ (a types.SimpleNamespace, a class of the
    answer's), and what any other object refers to (an iterator of itertools', a generator's variables): a mask kept as ``collections.deque([mask])`` or ``SimpleNamespace(tril=mask)`` kept all the
    points past the walk of exact types (ch48). And what a class of the answer's keeps (its attributes, its
    methods' closures and defaults), the globals a function of the answer's reads (an lru_cache's cache too),
    and a tensor's own attributes: a mask kept as a class attribute, in a global dict, in the closure of a class
    made by a function, or as an attribute of a parameter, kept all the points past that walk (ch49). Not the
    globals of a class's own ``__init__`` (``globals_read`` False): what it reads there only, no other method reads
    (those are walked), and its calls' results are the instance's attributes, walked too; an honest causal_mask under
    ``@functools.lru_cache``, called by ``__init__`` for the buffer, kept its masks in the cache, and lesson 03's
    check of the class before the GPT uses it said "global causal_mask[5] is a tensor kept outside the module"
    (rt50). ``answers(value)``: whether a class or function is the answer's own."""
    if id(value) in seen:
        return
    seen.add(id(value))
    data = mask_data(value)
    if data is not None:  # a mask's values kept as data (ch50)
        found.append([where, data, True])
        return
    if isinstance(value, torch.Tensor):
        found.append([where, str(value.dtype), causal_pattern(value)])
        own = vars(value) if type(getattr(value, "__dict__", None)) is dict else {}
        items = [(f"{where}.{key}", item) for key, item in list(own.items()) + _tensor_grad(value)] \
            + [(where, type(value))]
        for place, item in items:
            held_tensors(place, item, found, seen, answers)
        return
    sequence = next((kind for kind in (list, tuple, set, frozenset, collections.deque) if isinstance(value, kind)), None)
    if isinstance(value, dict):  # its values, and its keys (a tensor is a key of its own: {mask: 1}, ch50)
        items = [(f"{where}[{key!r}]", item) for key, item in dict.items(value)] \
            + [(f"{where}.keys()[{number}]", key) for number, key in enumerate(dict.keys(value))]
    elif sequence is not None:
        items = [(f"{where}[{key!r}]", item) for key, item in enumerate(sequence.__iter__(value))]
    elif isinstance(value, types.FunctionType):
        cells = zip(value.__code__.co_freevars, value.__closure__ or ())
        items = [(f"{where}.{name}", _cell_contents(cell)) for name, cell in cells] \
            + [(f"{where}.__defaults__[{key}]", item) for key, item in enumerate(value.__defaults__ or ())] \
            + [(f"{where}.{key}", item) for key, item in (value.__kwdefaults__ or {}).items()]
        if answers(value) and globals_read:  # the globals it reads (a dict of masks, an lru_cache'd function's cache)
            kept = value.__globals__
            items += [(f"global {name}", kept[name]) for name in dict.fromkeys(_globals_read(value.__code__))
                      if name in kept]
    elif isinstance(value, functools.partial):
        items = [(f"{where}.args[{key}]", item) for key, item in enumerate(value.args)] \
            + [(f"{where}.keywords[{key!r}]", item) for key, item in value.keywords.items()] + [(where, value.func)]
    elif isinstance(value, type) and (answers(value) or made_here(value)):  # its attributes, its bases'
        items = [(f"{where}.{key}", item) for key, item in vars(value).items() if key != "__init__"] \
            + [(where, base) for base in value.__bases__]
        if "__init__" in vars(value):
            held_tensors(f"{where}.__init__", vars(value)["__init__"], found, seen, answers, globals_read=False)
    elif isinstance(value, torch.nn.Module):  # not one of the module's own (those are in ``seen``): its tensors are
        # plain too (``self.keep = [inner]``, inner's buffer the mask, kept all 8 points, ch50)
        own = vars(value)
        items = [(f"{where}.{key}", item) for key, item in own.items() if key not in ("_parameters", "_buffers")] \
            + [(f"{where}.{name}", item) for kind in ("_parameters", "_buffers") if type(own.get(kind)) is dict
               for name, item in dict.items(own[kind])]
    elif isinstance(value, (numpy.flatiter, numpy.broadcast, numpy.nditer)):  # the arrays an iterator of numpy's
        # goes over, which gc does not see (self.flat = causal_mask(n).numpy().flat, read as self.flat.base, ch50)
        items = [(f"{where}.base", _numpy_iterated(value, "base"))] if isinstance(value, numpy.flatiter) else \
            [(f"{where}.{name}[{key}]", item) for name in ("iters", "operands")
             for key, item in enumerate(_numpy_iterated(value, name) or ())]
    elif isinstance(value, torch._C.Future):  # its result: a Future of torch's shows gc nothing it holds (ch50)
        items = [(f"{where}.value()", _future_result(value))]
    elif isinstance(value, torch.autograd.graph.Node):  # a tensor's grad_fn: the graph behind it, its leaves (ch50)
        items = [(f"{where}.next_functions[{key}][0]", pair[0]) for key, pair in enumerate(value.next_functions)] \
            + [(f"{where}.{name}", part) for name, part in _node_parts(value)]
    elif isinstance(value, (type, types.ModuleType, types.CodeType)):
        return
    elif isinstance(value, types.FrameType):  # a generator's: its own variables (not its globals)
        items = [(f"{where}.{key}", item) for key, item in value.f_locals.items()]
    else:  # an object's attributes (a SimpleNamespace, a class of the answer's), and what else it refers to
        # (itertools.repeat(mask), a generator, a staticmethod's function, a __slots__ attribute); called here,
        # not in a comprehension: the answers' process lets this function alone list an object's referents
        referents = gc.get_referents(value)
        own = vars(value) if type(getattr(value, "__dict__", None)) is dict else {}
        items = [(f"{where}.{key}", item) for key, item in own.items()] \
            + [(where, item) for item in referents if item is not own]
    for place, item in items:
        held_tensors(place, item, found, seen, answers)


def _code_names(code) -> set:
    """The names ``code`` reads as attributes or globals, and its string constants, nested code's too."""
    found = set(code.co_names) | {const for const in code.co_consts if type(const) is str}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _code_names(const)
    return found


def _init_only(classes: list) -> set:
    """The names of the methods of ``classes`` (a module's class and its bases of the answer's) that only
    ``__init__`` calls, itself or through each other (``self._build_mask()``): what they read of the globals is
    ``__init__``'s, not walked (a cached causal_mask called by a helper of ``__init__``'s kept its masks in the
    cache, and the check said "global causal_mask[5] is a tensor kept outside the module", rt50). Not a method
    that any other method, or a method those call, names (as an attribute or a string, a class attribute's string
    too), forward, nor a name that nn.Module or Python calls (``_apply``, a dunder); none at all where a class keeps a
    callable this cannot read (a ``partialmethod``: what it calls is not in any code)."""
    def readable(value):
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            return [part for part in (value.fget, value.fset, value.fdel) if part is not None]
        plain = isinstance(value, (types.GetSetDescriptorType, types.MemberDescriptorType)) \
            or not (callable(value) or hasattr(type(value), "__get__"))  # (data: a string, a tensor, a slot)
        return [value] if isinstance(value, types.FunctionType) or plain else None

    methods = {}
    for klass in classes:
        for key, value in vars(klass).items():
            parts = readable(value)
            if parts is None:
                return set()
            codes = [part.__code__ for part in parts if isinstance(part, types.FunctionType)]
            named = {value} if isinstance(value, str) else set()  # (a name kept as a string: getattr(self, self.which))
            methods.setdefault(key, set()).update(named, *(_code_names(code) for code in codes))

    def called(roots) -> set:  # the methods ``roots`` name, and those they name in turn
        found, queue = set(), list(roots)
        while queue:
            for name in methods.get(queue.pop(), set()) & methods.keys():
                if name not in found:
                    found.add(name)
                    queue.append(name)
        return found

    library = set(dir(torch.nn.Module))
    reached = called(["__init__"]) - {"__init__"}
    outside = {key for key in methods if key != "__init__" and (key not in reached or key in library
               or key == "forward" or key.startswith("__") and key.endswith("__"))}  # (what else may call)
    return reached - outside - called(outside)


def plain_tensors(modules: list, members, answers) -> list[list[str]]:
    """``[name, dtype, is a mask]`` of each tensor that the modules (``(prefix, module)`` of a module and each
    submodule, as ``named_modules`` lists them) keep as a plain attribute, or hold in plain containers or a kept
    function's closure (``held_tensors``: ``self.held = [mask]``, read by a property ``mask``, kept a mask that no
    buffer holds past the check's "mask not a buffer", ch45, ch46), nn.Module's parameters, buffers and submodules
    aside (its hook dicts are read too); then what the modules' classes of the answer's keep (class attributes,
    ``__slots__``, their methods' closures and the globals they read) and what their parameters and buffers hold as
    attributes, each tensor not listed already (ch49). ``members(module, kind)``: the module's own dict ``kind``
    (``"_parameters"``, ``"_buffers"``); ``answers``: as ``held_tensors``'s."""
    # nn.Module's parts aside (parameters and buffers, submodules walked in turn), not its hook dicts nor its set of
    # non-persistent names, which a class may set itself (self._load_state_dict_post_hooks = {"tril": mask}, ch49)
    own, found, listed = {"_parameters", "_buffers", "_modules"}, [], set()
    registered = {id(part) for _, part in modules}  # (a module reached otherwise is walked)
    for prefix, part in modules:
        for name, value in vars(part).items():
            if type(name) is not str or name in own:
                continue
            seen = set(registered)
            held_tensors(prefix + ("." if prefix else "") + name, value, found, seen, answers)
            listed |= seen
    for prefix, part in modules:
        at = prefix + ("." if prefix else "")
        for kind in ("_parameters", "_buffers"):
            for name, tensor in dict.items(members(part, kind)):
                if isinstance(tensor, torch.Tensor):
                    listed.add(id(tensor))
                    held = vars(tensor) if type(getattr(tensor, "__dict__", None)) is dict else {}
                    grad = _tensor_grad(tensor) if kind == "_buffers" else []  # (a parameter's moves with it)
                    for key, item in list(held.items()) + grad + [("", type(tensor))]:
                        held_tensors(at + str(name) + ("." + key if key else ""), item, found, listed, answers)
        classes = [klass for klass in type(part).__mro__ if answers(klass) or made_here(klass)]
        init_only = _init_only(classes) | {"__init__"}
        for klass in classes:
            listed.add(id(klass))
            for key, value in vars(klass).items():
                if isinstance(value, types.MemberDescriptorType):  # a __slots__ attribute: its value
                    try:
                        value = value.__get__(part)
                    except AttributeError:
                        continue
                held_tensors(at + key, value, found, listed, answers, globals_read=key not in init_only)
    return found
