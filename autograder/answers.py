"""What of a submission is graded: the lesson as released, with the student's answers in it.

Test cells run in the student's kernel, after the student's code (their visible code; for the
course's lessons the grader runs the hidden tests itself, ``autograder.recheck``). Two rules keep that
code from reaching them:

1. **Only the answers run.** The notebook that is graded is rebuilt from the released lesson: every
   cell comes from the release, except the answer cells (``solution`` cells, found by grade id; the
   first copy when a cell was pasted twice (or the last above its test cell), joined with its parts when it was split:
   ``answer_cells_by_id``), which come from the submission. Cells the student added
   and edits to the lesson's own cells are not run, so a cell of its own cannot patch the
   interpreter, the tests or the course package before the tests run.
2. **An answer uses plain Python.** Each code answer is read (``ast``) before it runs, and an answer
   that could reach the grading machinery is not run: it is replaced by a cell that raises
   ``AnswerRefused`` naming why, and that exercise scores 0. Refused: imports outside ``ALLOWED_MODULES``;
   the builtins that reach objects by name or run code (``exec``, ``eval``, ``getattr``, ``globals``,
   ``open``, ...; but ``getattr``/``setattr`` of ``self`` by a name that can spell nothing refused,
   ``setattr(self, f"layer{i}", ...)``); dunder names and attributes (``__code__``, ``__globals__``, ``__builtins__``;
   only ``__init__`` is allowed, for ``super().__init__()``, and reading ``__name__`` or a container's ``__getitem__``), also as a class pattern's keywords
   (``case object(__class__=c)``), which read attributes too; frame and code attributes (``f_back``,
   ``tb_frame``, ``gi_frame``, ``co_code``) and private ones (``torch._C``); the parts of torch and
   numpy that touch files, run pickles or change every tensor or module (``REFUSED_ATTRIBUTES``:
   ``torch.load``, ``torch.library``, global hooks, ...) or reach raw memory (``RAW_MEMORY``: ``data_ptr``,
   numpy's ``stride_tricks``, storages, sparse tensors); ``global`` (``nonlocal`` is allowed: it can
   only rebind a variable of the answer's own enclosing function); rebinding a name
   the lesson defined (``torch = ...``, ``stoi = ...``; but by the lesson's own import, ``import
   torch.nn.functional as F``); assigning an attribute of anything but
   ``self`` inside a method of the answer's own class (``torch.equal = ...``, through any alias, or
   ``def patch(self): self.equal = ...`` called on ``torch``; not of ``self.x`` either, and of an
   instance of the answer's own class that the function made, also through its own variables:
   ``tail.next = node``), or taking a method from the class itself
   (``Patch.method(torch)``, ``type(obj).method``) or, in its class body, as the plain function
   (``staticmethod(method)``, ``def m(self, f=method)``); special methods other than ``DUNDER_METHODS``
   (``__eq__`` returning True, ``__torch_function__``); reading a name that only the test cells set
   (``_want``, ``expected``); ``str.format`` with a computed template or a field that looks up an
   attribute or item (``"{0.__globals__}".format(f)``); using the course's reference modules (``ref``,
   ``checks``); PyTorch's own version of an exercise (``SHORTCUTS``: ``F.scaled_dot_product_attention``,
   ``nn.LSTMCell``, ``torch.lstm_cell``, ``nn.MultiheadAttention``, the model's ``to_hf()``, Hugging
   Face's ``generate_batch``) and
   ``from … import *``; what turns data into code: a string annotation that breaks these rules (typing
   evaluates it), ``singledispatch`` (whose ``register`` does), ``allow_pickle`` and numpy's ``read_array``;
   copying attributes from one object onto another (``update_wrapper``, ``wraps``, a string that
   names a special attribute); reading a name that neither an answer cell nor the lesson binds (one put
   into the answer's globals behind the rules' back); a cell that is not plain Python (IPython's ``%``
   magics and ``!`` commands run in the kernel but cannot be read here); any use of ``sys`` but ``sys.stdout``/``sys.stderr``, and ``sys`` under another
   name; and a module held as an attribute of an allowed one (``warnings.sys``, ``torch.os``:
   ``REACHED_MODULES``).

A student's own helper functions and classes belong in the answer cell. The rules are for answers to
the exercises of this course, which need none of what is refused; ``python -m autograder validate``
says before hand-in when an answer would be refused.
"""
from __future__ import annotations

import ast
import builtins
import collections
import copy
import functools
import re
import string
import sys
from dataclasses import dataclass, replace

from autograder import copies

ALLOWED_MODULES = {"math", "random", "collections", "itertools", "functools", "heapq", "bisect", "string",
                   "re", "regex", "typing", "dataclasses", "numpy", "torch", "unicodedata", "copy", "statistics",
                   "enum", "abc", "time", "warnings", "sys", "operator", "tqdm", "pprint", "io", "types", "contextlib",
                   "__future__"}
REFUSED_CALLS = {"exec", "eval", "compile", "__import__", "globals", "locals", "vars", "getattr", "setattr",
                 "delattr", "open", "input", "breakpoint", "get_ipython", "exit", "quit", "help", "memoryview"}
CALL_HINTS = {  # what an honest answer reaches for instead
    "vars": " (read a config's fields by name, cfg.n_embd or cfg.warmup_iters, or use dataclasses.asdict(cfg))",
    "getattr": " (read the attribute by its name, obj.name; a dataclass's fields with their values: dataclasses.asdict(obj))",
    "setattr": " (assign it by its name, self.name = ...; or keep the parts in a dict or nn.ModuleList)",
    "open": " (the exercise's data comes in its arguments: no answer needs a file)",
    "input": " (an answer is called with its arguments: it cannot ask for input)",
    # rt39 (2026-12-06): what students leave in while they work
    "memoryview": (" (a view of raw memory, which the rules keep out; work on the bytes themselves: "
                   "list(data), bytes(data), or slices of them)"),
    "help": " (read the help in a cell of your own; only the answer cells are graded)",
    "locals": " (print the variables by name, print(f\"{x=}\"))",
    "globals": " (print the variables by name, print(f\"{x=}\"); an answer reads its inputs from its arguments)",
    "breakpoint": " (debug in a cell of your own; an answer stopped at a breakpoint waits for ever in the grader)",
}
# What is said of a special name (``__x__``) with no hint of its own: they reach Python's machinery
DUNDER_HINT = (" (a name of the form __x__ is Python's machinery, which answers may not use: reach the same "
               "through its public form, type(x) or len(x), or leave it out)")
# A module's own metadata, which a student who writes an answer cell as a module sets at its top (rt39, 2026-12-06)
MODULE_DUNDERS = {"__all__", "__version__", "__author__", "__doc__", "__license__", "__email__"}
MODULE_DUNDER_HINT = (" (a name of the form __x__ is Python's machinery, which answers may not use; a notebook's cell "
                      "is no module that anything imports, so a module's __all__, __version__ or __author__ means "
                      "nothing there: leave the line out, or write it as a comment)")
# Why a refused attribute an honest notebook often holds is refused, and what to do instead
SETTING = (": it changes a setting of the whole process, which the tests share; put the line in a cell "
           "of your own (only answer cells are graded), or leave it out")
ATTRIBUTE_HINTS = {
    "set_printoptions": SETTING, "seterrcall": SETTING, "geterrcall": SETTING, "set_default_dtype": SETTING, "set_default_device": SETTING,
    "use_deterministic_algorithms": SETTING,
    "set_num_threads": ": the grader gives each notebook its share of the cores; leave the threads as they are",
    "wraps": (": functools.wraps copies one object's attributes onto another, which reaches what the rules "
              "refuse; write the wrapper without it"),
    "__dict__": ": read a config's fields by name, cfg.n_embd or cfg.warmup_iters, or use dataclasses.asdict(cfg)",
    "__dataclass_fields__": ": a dataclass's fields are listed by dataclasses.fields(cfg), or read as cfg.name",
    "__class__": ": an object's class is type(obj) (type(obj).__name__ for its name)",
    "attrgetter": (": operator.attrgetter reads attributes by a name held in a string, as getattr does; read "
                   "them by their names, obj.name"),
    "update_wrapper": (": it copies one object's attributes onto another, which reaches what the rules refuse; "
                       "write the wrapper without it"),
    **{name: (": functools.singledispatch reads the type hints of what it registers, which can run code from a "
              "string; choose by the argument's type yourself, `if isinstance(x, list): ...`")
       for name in ("singledispatch", "singledispatchmethod")},
    **{name: (": torch.jit and torch.compile make code of their own from a function's source, which these rules "
              "cannot read, and no exercise needs their speed; leave the decorator or the call out")
       for name in ("jit", "compile")},
    "save": ": an answer returns its result; no exercise writes files",
    "load": ": an answer works from its arguments; no exercise reads files",
    **{name: (": it reaches raw memory (an address, a view or a tensor that no bounds check guards), which no "
              "exercise needs; write it with ordinary tensor operations") for name in (
        "stride_tricks", "data_ptr", "const_data_ptr", "untyped_storage", "storage", "nested")},
    **{name: (": numpy's constructor lays an array over any buffer, which reaches raw memory; make arrays with "
              "np.array, np.zeros or np.asarray (np.ndarray itself is allowed in isinstance and annotations)")
       for name in ("ndarray", "recarray", "chararray", "rec", "records", "recfunctions", "matlib", "NDArray")},
    "baseclass": (": it gives numpy's ndarray class, whose constructor lays an array over any buffer, which reaches "
                  "raw memory; make arrays with np.array, np.zeros or np.asarray"),
    # (rt41: an honest ``assert nn.Module in CausalSelfAttention.mro()`` was told about numpy's arrays only, and
    # to call mro on an instance, which has none)
    "mro": (": a class's mro() lists its bases, numpy's ndarray class too (np.matrix.mro()), whose constructor lays "
            "an array over any buffer, which reaches raw memory; to test a class, write issubclass(C, nn.Module), "
            "or isinstance(x, nn.Module) for an object"),
    **{name: ": sparse tensors skip their bounds checks, and no exercise needs one; use a dense tensor"
       for name in ("sparse", "sparse_coo_tensor", "sparse_csr_tensor", "to_sparse")},
    **{name: (": an array shared with a tensor through DLPack stays pointed at memory the tensor may free (raw "
              "memory); use t.numpy() or torch.from_numpy(a), or a copy") for name in ("from_dlpack", "to_dlpack", "dlpack")},
    **{name: (": moving a tensor to shared memory frees the memory a numpy view of it still reads (raw memory); "
              "no exercise shares memory between processes") for name in ("share_memory_", "share_memory")},
    "getbuffer": (": a BytesIO's buffer shared with a tensor or an array is memory the BytesIO may free (raw "
                  "memory); read its bytes with getvalue()"),
    "frombuffer": (": torch.frombuffer shares a bytearray's memory without keeping it from moving (raw memory); "
                   "make the tensor from a copy, torch.tensor(list(data))"),
    "resize": (": numpy's ndarray.resize can free an array's memory under its views (raw memory); make a new "
               "array (np.zeros, np.concatenate, np.reshape) instead"),
    "ParameterDict": (": its keys become attributes of the module, by any name (a special one too, which reaches "
                      "raw memory); keep the parameters in an nn.ParameterList, or register each with "
                      "self.register_parameter(\"name\", ...)"),
}
# (``dir()`` is allowed: it gives names, and reading an attribute by a computed name is refused)
# The names IPython gives the notebook's history (``In``, ``_ih``, ``_i3``: the source of every cell run so
# far, the hidden tests of earlier test cells included; ``Out``, ``_``, ``_7``: their results). Printed
# as they are, the feedback removes the lines of hidden tests; printed backwards, it could not.
IPYTHON_HISTORY = re.compile(r"In|Out|_ih|_oh|_dh|_i{1,3}|_{1,3}|_i?\d+|_exit_code")
REGEX_MODULES = {"re", "regex"}  # whose `compile` is allowed (a pattern), unlike torch's
SYS_ALLOWED = {"stdout", "stderr", "maxsize", "float_info", "setrecursionlimit", "getrecursionlimit"}
# Modules of which an answer may use a few harmless names only (``io.open`` reads files, ``types``
# builds functions from code): ``import io`` for ``io.StringIO``, ``from types import SimpleNamespace``;
# ``contextlib.nullcontext()`` in place of ``torch.no_grad()`` when a flag says so (rt31, 2026-12-06).
# What an honest answer that imported a module the rules refuse writes instead (rt34, 2026-12-06: students'
# copies through JSON, exact fractions, a context manager of their own, a plot or a display in the function)
NDARRAY_IMPORT_HINT = ("; numpy.typing's NDArray is numpy's array class under another name, so its name may not be "
                       "bound: in a type hint write np.ndarray, or npt.NDArray[...] after `import numpy.typing as npt`")
IMPORT_HINTS = {
    "json": ": to copy a dict or a list, use copy.deepcopy(d) (or dict(d), list(x) for a shallow copy)",
    "fractions": ": count with ints and divide once at the end, or use math.isclose for floats",
    "decimal": ": count with ints and divide once at the end, or use math.isclose for floats",
    "contextlib.contextmanager": (": write a class with __enter__ and __exit__ methods for your own `with` "
                                  "block, or put the lines before and after the code in try/finally"),
    "matplotlib": (": use the lesson's own `plt` (imported at its top; where the answers are graded it draws "
                   "nothing), or plot in a cell of your own (only the answer cells are graded)"),
    "IPython": (": call `display(...)` without importing it (the notebook has it), or display or time things in "
                "a cell of your own (only the answer cells are graded)"),
    "logging": ": print() or warnings.warn() say the same",
    "einops": (": einops is not among the course's packages; write the reshape with torch, x.view(...) and "
               ".transpose(...) or .permute(...)"),
    # rt36 (2026-12-06): input validation and hints as students write them
    "numbers": ": check with isinstance(T, int) (a numpy integer too: isinstance(T, (int, np.integer)))",
    "typing_extensions": (": import the name from typing (Python 3.11's typing has Self, Literal, TypeAlias, "
                          "assert_never), or leave the hint out"),
    "textwrap": ": write the message with an f-string",
    # rt39 (2026-12-06): typed arrays and packed bytes, for ids in a tokenizer
    "array": ": keep the ids in a list (or a torch.tensor / np.array of them, then .tolist())",
    "struct": ": a list of ints is the ids; bytes(ids) and list(data) convert between bytes and ints",
    # rt45 (2026-12-06): a hint's class, imported as an AI assistant writes it, under `if TYPE_CHECKING:`
    "transformers": (": the model and the tokenizer come to your function as its arguments: in a type hint "
                     "write nn.Module (torch.nn) or torch.Tensor, or leave the hint out (an import under "
                     "`if TYPE_CHECKING:` is read as any other)"),
}
LIMITED_MODULES = {"io": {"StringIO", "BytesIO"}, "types": {"SimpleNamespace"},
                   "contextlib": {"nullcontext", "suppress"}}
# The public methods of named tuples, whose names start with ``_`` so as not to clash with fields.
NAMEDTUPLE_METHODS = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}
STREAM_METHODS = {"write", "flush", "writelines"}
# tqdm's progress bars, in a script or a notebook; not its GUI, Tk, rich, pandas, keras or chat-app bars,
# which hold other libraries (matplotlib), nor its command line
TQDM_PARTS = {"tqdm", "trange", "auto", "autonotebook", "notebook", "std"}
# What reaches raw memory (see REFUSED_ATTRIBUTES): tests/test_answers.py crawls torch for more such names
RAW_MEMORY = {"stride_tricks", "data_ptr", "const_data_ptr", "untyped_storage", "storage",
              "Storage", "TypedStorage", "UntypedStorage", "BFloat16Storage", "BoolStorage", "ByteStorage",
              "CharStorage", "ComplexDoubleStorage", "ComplexFloatStorage", "DoubleStorage", "FloatStorage",
              "HalfStorage", "IntStorage", "LongStorage", "QInt32Storage", "QInt8Storage", "QUInt2x4Storage",
              "QUInt4x2Storage", "QUInt8Storage", "ShortStorage",
              "sparse", "sparse_coo_tensor", "sparse_csr_tensor", "sparse_csc_tensor", "sparse_bsr_tensor",
              "sparse_bsc_tensor", "sparse_compressed_tensor", "to_sparse", "to_sparse_coo", "to_sparse_csr",
              "to_sparse_csc", "to_sparse_bsr", "to_sparse_bsc", "sparse_mask", "sparse_resize_",
              "sparse_resize_and_clear_", "resize_as_sparse_", "nested",
              "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc",  # (layouts: torch.zeros(..., layout=))
              # numpy's constructors that lay an array over a buffer given to them: of dtype object, each 8 bytes
              # of it read as the address of a Python object, so an int64 array of an address (from id())
              # became any object of the process, and a forged bytearray all its memory (a red team's,
              # 2026-12-04). np.ndarray stays allowed as a type (isinstance, annotations): ``ARRAY_TYPES``.
              # (np.frombuffer refuses dtype object itself; tests/test_answers.py crawls numpy for others)
              "ndarray", "recarray", "chararray", "rec", "records", "recfunctions", "matlib",
              # and what gives the ndarray class under another name (ch40, 2026-12-06: each passed the rules, and
              # ``nd((1,), dtype=object, buffer=bytearray(address))[0]`` was any object, ``sys`` three lines on):
              # numpy.typing's alias NDArray (called, it makes an ndarray), a masked array's ``baseclass``, and
              # a class's ``mro()`` (``np.matrix.mro()[1]``; the rules refuse ``__mro__``, ``__bases__``)
              "NDArray", "baseclass", "mro",
              # an array's own resize(..., refcheck=False) moves its buffer and frees the old one under the
              # views that still point into it: an object view of freed memory, filled again by an int64
              # array of addresses, is any object of the process (rt22, 2026-12-05: the builtins, then the
              # course's reference class in lesson 03). np.resize (a copy) goes with it: np.reshape, or a new
              # array, does what an exercise needs
              "resize",
              # torch.frombuffer keeps a reference to a bytearray but not its buffer export: the bytearray, grown,
              # moves and frees the memory under the tensor, which then writes addresses into the object array
              # made there (rt22, 2026-12-05; np.frombuffer keeps the export, and goes with it: np.array(list(b)))
              "frombuffer",
              # numpy's view of a tensor through DLPack does not mark the tensor's storage as shared (``.numpy()``
              # does): the tensor's resize_ frees the memory under the array (rt22, 2026-12-05)
              "from_dlpack", "to_dlpack", "dlpack",
              # io.BytesIO's view of its own memory: released once torch.asarray has read it, the BytesIO grows
              # and frees that memory under the tensor (rt22, 2026-12-05)
              "getbuffer",
              # a tensor (or a module's weights) moved to shared memory frees its old memory under the numpy array
              # that .numpy() made of it (rt22, 2026-12-05: a lesson 03 class scored 8/8 with the reference's forward)
              "share_memory_", "share_memory"}
# (a tensor's ``set_`` stays allowed: an honest greedy decode grows its ids with ``ids.set_(torch.cat(...))``.
# On ``.numpy()``'s base and the tensor it freed the memory under the array, ``sys`` some lines on: ch41,
# 2026-12-06; the answers' process keeps that memory: answer_host._numpy_views_keep_their_memory)
ARRAY_TYPES = frozenset({"ndarray", "NDArray"})  # (allowed as a type only: isinstance, annotations)
# Parts of torch and numpy that read or write files, run pickled code, or change how every tensor,
# module or operator behaves (hooks, operator libraries): no exercise needs them.
REFUSED_ATTRIBUTES = {"load", "save", "library", "overrides", "ops", "hub", "jit", "fx", "compile", "export",
                      "package", "multiprocessing", "distributed", "classes", "set_default_dtype",
                      "set_default_device", "set_default_tensor_type", "use_deterministic_algorithms", "tofile", "dump",
                      "fromfile", "from_file", "fromregex", "DataSource", "open_memmap", "savetxt", "loadtxt",
                      "savez", "savez_compressed", "genfromtxt", "memmap",
                      "set_printoptions",
                      # numpy's error callback, one object for the whole process, set and read back: a place to
                      # keep anything out of every walk of the answer's objects (lesson 03's mask, ch50)
                      "seterrcall", "geterrcall",
                      # take more cores than the grader gives a notebook, from the notebook graded beside it
                      "set_num_threads", "set_num_interop_threads",
                      # reach objects or run code from a string: str.format's field lookup, evaluated
                      # annotations, C pointers, compiled extensions
                      "Formatter", "get_type_hints", "ForwardRef", "ctypeslib", "cpp_extension",
                      # build and import C code (numpy.testing.extbuild), unpickle for show
                      "extbuild", "build_and_import_extension", "compile_extension_module", "show_pickle",
                      # unpickle from an object of the answer's (numpy's .npy reader, torch's data decoders),
                      # evaluate a function's string annotations (``register`` calls get_type_hints)
                      "read_array", "basichandlers", "singledispatch", "singledispatchmethod",
                      # copy attributes named by strings from one object to another: a module's globals
                      # into the answer's (``updated=("__globals__",)``)
                      "update_wrapper",
                      # and ``wraps(f)`` copies ``f.__dict__`` onto the wrapper: given a module, its globals
                      # (a red team's ``wraps(dataclasses)(box)`` then ``box.sys``, 2026-12-01)
                      "wraps",
                      # read a source file's line: the test that called the answer (warnings.warn's record
                      # names the caller's file and line)
                      "formatwarning", "showwarning", "getline", "getlines",
                      # read any attribute by a computed name (a dunder too, so __globals__ and the builtins):
                      # operator's, held by torch.autograd.profiler_util, and torch's dotted-name getattr.
                      # Found by a red team on 2026-12-01: they reached F.scaled_dot_product_attention, the
                      # course's reference and IPython's history, past every rule above
                      "attrgetter", "methodcaller", "getattr_from_fqn",
                      # tqdm's GUI bars, as its package holds them (``tqdm.tqdm_gui``): see REACHED_MODULES
                      "tqdm_gui", "tgrange",
                      # what other modules' names torch and numpy hold (tests/test_answers.py crawls for
                      # them by where they come from): importlib's finder, inspect's readers of a function,
                      # ctypes' pointers, the types that make functions and code
                      "find_spec", "signature", "getfullargspec", "byref", "pointer", "cast", "c_void_p",
                      "c_double", "c_uint32", "FunctionType", "CodeType", "MethodType", "IOBase", "BufferedIOBase",
                      # torch's data pipes, whose FileOpener reads any file the kernel can see
                      "datapipes",
                      # a property's functions, called with any object as ``self`` (``C.p.fset(torch, f)``)
                      "fget", "fset", "fdel",
                      # what an annotation holds, as objects: annotations may name the course's classes
                      # (``cfg: TrainConfig``), which nothing else reads back
                      "get_type_hints",
                      # tqdm's command line (it copies files where told) and its extras (chat clients, pools)
                      "cli", "contrib",
                      # what reads or writes an attribute by a name it is given (``getattr(obj, name)``) and
                      # lets the result out: tqdm's wrappers (``ObjectWrapper(f).wrapper_getattr("__glob" "als__")``
                      # gave a red team the builtins, then the course's reference, 2026-12-02), torch's
                      # parametrizations, numpy's docstring writer (which imports a module by its name) and the
                      # allocators that load a shared library; tests/test_answers.py crawls the allowed modules
                      # for such functions
                      "wrapattr", "wrapper_getattr", "wrapper_setattr", "ObjectWrapper", "CallbackIOWrapper",
                      "SimpleTextIOWrapper", "DisableOnWriteError", "parametrize", "parametrizations",
                      "register_parametrization", "remove_parametrizations", "add_newdoc", "CUDAPluggableAllocator",
                      "XPUPluggableAllocator", "save_on_cpu",
                      # numpy.testing's, which run a string as code in the caller's globals (``measure("...")``
                      # installed an input transformer in a red team's kernel, 2026-12-02), and unittest's
                      # test case, which reads its own attribute by a name it is given
                      "measure", "runstring", "TestCase",
                      # what makes a class from a dictionary, whose keys may be computed: a special method the
                      # rules would refuse in a class body (``make_dataclass(namespace={"_" * 2 + "reduce_ex" ...})``:
                      # ``copy.copy`` then set and read any attribute of any object, a red team's, 2026-12-02),
                      # the metaclasses (called with a name, bases and a namespace), copy's table of reducers, and
                      # torch's module class (a module's class set to a subclass of it read any attribute)
                      "make_dataclass", "ABCMeta", "EnumMeta", "EnumType", "NamedTupleMeta", "FunctionMeta",
                      "dispatch_table", "PropModule",
                      # what sets an attribute named by a key it is given (a special one too, computed,
                      # ``"_" * 2 + "array_interface" + "_" * 2``, which numpy reads as an array at any address:
                      # rt21, 2026-12-04): a ParameterDict's ``__setitem__`` is ``setattr(self, key, value)``
                      # (``add_module`` and nn.ModuleDict take modules only: see ``_mapping_modules``)
                      "ParameterDict",
                      # and what else reads, sets or deletes an attribute by a name made from what it is given
                      # (``tests/test_answers.py``'s crawl follows names bound from a parameter: 2026-12-05):
                      # fx's ``Node`` (its ``__setstate__`` sets any attribute it is handed; torch.ao holds it),
                      # ``swap_tensors`` (two tensors' very objects traded), torch's config and accessor helpers,
                      # ``replicate``, parametrizations' transfer, numpy's ``info`` (looks a name up), tqdm's
                      # command line and typing's ``no_type_check``. No exercise needs any of them.
                      "Node", "swap_tensors", "install_config_module", "NamedMemberAccessor", "replicate",
                      "transfer_parametrizations_and_params", "info", "main", "no_type_check",
                      # the running kernel, reached from an object the notebook gives (sys.stdout.session.parent
                      # .kernel.get_parent() is the request of the cell running now: a hidden test's source, a red
                      # team's, 2026-12-01; a notebook progress bar's widget has a comm, which has the kernel)
                      "session", "kernel", "shell", "comm", "comms", "comm_manager", "get_parent", "parent_header",
                      "user_ns", "user_global_ns", "history_manager", "input_hist_raw", "input_hist_parsed",
                      "container", "iopub_socket", "pub_thread", "display_pub", "display_formatter", "displayhook",
                      # writes an enum's members into the module its class names (in the re-check's process,
                      # that process's own)
                      "global_enum",
                      # a profile's trace is written to any path it is given (``torch.profiler.profile()``,
                      # then ``export_chrome_trace("../../submitted/bob/L.ipynb")``: a red team's, without the
                      # sandbox, 2026-12-02), and TensorBoard's writer writes where it is told
                      "profiler", "profiler_legacy", "profiler_util", "export_chrome_trace", "export_stacks",
                      "export_memory_timeline", "tensorboard",
                      # raw memory: an address, and what reads or writes memory that no bounds check guards. numpy's
                      # as_strided (in stride_tricks) makes a view it does not check, and with id() or data_ptr() an
                      # answer read and wrote any address of its process: the course's modules there, and the
                      # rules' own strings (a red team's, 2026-12-04). A storage resized under its tensor leaves the
                      # tensor reading past it; a sparse or nested tensor is built without checking its indices or
                      # offsets (torch warns: "Memory errors (e.g. SEGFAULT) will occur"). No exercise needs them.
                      *RAW_MEMORY}
# Modules an allowed module holds as attributes: ``dataclasses.sys``, ``torch.os``, ``enum.bltns`` (the
# builtins), ``typing.types``... Through one of them an answer would reach ``sys.modules`` and the
# import machinery, and so the course's reference, in the grader's re-check as in the notebook. So an
# attribute by any of these names is refused (on anything but ``self``, and unless it is called at once,
# as the tensor method ``x.dist(y)`` is), as is importing one by name
# (``from torch import sys``). The names are those a crawl of the allowed modules finds, torch and numpy
# included (``tests/test_answers.py`` crawls them again and fails when a new one appears), and the
# import and process machinery that the crawl might find in another version.
REACHED_MODULES = {
    "argparse", "ast", "base64", "bltns", "builtins", "code", "codecs", "codeop", "concurrent", "contextlib",
    "contextvars", "copyreg", "ctypes", "datetime", "difflib", "dis", "errno", "faulthandler", "fnmatch", "gc",
    "glob", "gzip", "hashlib", "imp", "importlib", "inspect", "io", "json", "keyword", "linecache", "locale",
    "logging", "marshal", "mmap", "mp", "multiprocessing", "numbers", "operator", "os", "pathlib", "pickle",
    "pickletools", "pkgutil", "platform", "posix", "pprint", "pty", "python_multiprocessing", "queue",
    "reducer", "reduction", "resource", "runpy", "selectors", "shelve", "shutil", "signal", "site",
    "socket", "sqlite3", "struct", "subprocess", "sys", "sysconfig", "tarfile", "tempfile", "textwrap",
    "threading", "timeit", "tokenize", "traceback", "types", "typing_extensions", "unittest", "uuid",
    "weakref", "zipfile", "zipimport", "atexit", "asyncio",
    # torch's and numpy's own modules that run code from a string or a command line, or are refused
    # under another name (``torch.distributed`` as ``dist``, ``torch.fx.traceback`` as ``fx_traceback``)
    "benchmark", "collect_env", "f2py", "dist", "fx_traceback",
    # what tqdm's GUI bar keeps on its instances (matplotlib, pyplot) and modules they hold: a red team went
    # from ``tqdm.gui``'s bar through matplotlib to six's ``get_function_globals`` and ``sys`` (2026-12-03)
    "mpl", "plt", "matplotlib", "pyplot", "pylab", "six", "dateutil", "gui", "cli",
    # and tqdm.tk's tkinter, whose Tcl interpreter starts processes past Python's audit hooks (a red team's)
    "tkinter"}
# What does an exercise's work for it: PyTorch's own attention (lessons 02 and 03), LSTM cell and
# layers (lesson 04), and the course model's copy as a Hugging Face model, whose forward pass is
# lesson 05's exercise. Read as an attribute (``F.scaled_dot_product_attention``) or imported by
# name; ``torch.lstm``-like functions only when read from ``torch``.
# Hugging Face's decoding loops beside ``generate`` (lesson 06's greedy_decode): continuous batching
# decodes greedily as generate does
HF_DECODERS = {"generate_batch", "init_continuous_batching", "continuous_batching_context_manager", "heal_tokens"}
SHORTCUTS = {"scaled_dot_product_attention", "multi_head_attention_forward", "MultiheadAttention", "lstm_cell",
             "LSTMCell", "LSTM", "GRU", "RNN", "Transformer", "TransformerEncoder", "TransformerEncoderLayer",
             "TransformerDecoder", "TransformerDecoderLayer", "to_hf", "from_hf",
             # PyTorch's other attention functions (flex_attention runs eagerly on a CPU: lesson 02's
             # exercises, done)
             "flex_attention", "flex_attention_hop", "varlen_attn", "varlen_attn_out", "PagedAttention",
             # torch's other recurrent layers: oneDNN's LSTM layer (one step of it is lesson 04's cell,
             # done) and the quantized and ROCm ones; tests/test_answers.py crawls torch for more
             "mkldnn_rnn_layer", "mkldnn_rnn_layer_backward", "quantized_lstm", "quantized_gru", "miopen_rnn",
             # PyTorch's learning-rate schedules: warm-up and cosine decay are lesson 04's exercise (and SWALR of
             # torch.optim.swa_utils, a cosine from the rate to a floor: lr_at_step past its warm-up, ch47)
             "lr_scheduler", "SWALR",
             # Hugging Face's language-model loss (a model's ``loss_function``): lesson 06's lm_loss, done
             "loss_function", "ForCausalLMLoss", "LOSS_MAPPING"} | HF_DECODERS
TORCH_SHORTCUTS = {"lstm", "gru", "gru_cell", "rnn_tanh", "rnn_relu", "rnn_tanh_cell", "rnn_relu_cell",
                   "quantized_lstm_cell", "quantized_gru_cell", "quantized_rnn_tanh_cell", "quantized_rnn_relu_cell"}
FRAME_PREFIXES = ("f_", "tb_", "gi_", "co_", "cr_", "ag_")
# The special methods an answer's class may define: construction, printing, containers (writable too, and a
# dict's default for a missing key, ``__missing__``, a counting idiom of the textbooks),
# ordering, and a ``with`` block of its own (a timer). Only the answer's own code calls them: nothing of
# the grader's writes into, or enters, an object of the answer's (what an answer returns crosses as data).
# Not ``__eq__``/``__hash__``/``__bool__`` (an object equal to anything passes an ``==`` test), nor
# ``__getattr__``, ``__torch_function__``, ``__init_subclass__`` and the like.
DUNDER_METHODS = {"__init__", "__post_init__", "__repr__", "__str__", "__len__", "__iter__", "__next__",
                  "__getitem__", "__setitem__", "__delitem__", "__contains__", "__call__", "__lt__", "__le__",
                  "__gt__", "__ge__", "__enter__", "__exit__", "__missing__"}
# ``type(x)`` may appear compared (``type(x) is list``, ``type(x) in (int, float)``) or printed, not used as
# the class itself. Compared by identity or equality only, and ``in`` a tuple, list or set written out:
# ``type(x) in box`` and ``type(x) < box`` hand the class to ``box``'s own ``__contains__``/``__gt__``, and a
# red team took ``typing._GenericAlias`` that way, subclassed it and read ``sys`` through its instances'
# attribute forwarding (2026-12-02).
TYPE_TESTS = (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)
# nn.Module's methods that register a part of the module on ``self`` (``register_`` is otherwise refused)
SELF_REGISTERS = {"register_buffer", "register_parameter", "register_module"}
# What is said of another ``register_...`` (rt39, 2026-12-06: a tensor's ``register_hook`` to look at a gradient
# was refused as "uses the attribute `register_hook`", with no word of why)
REGISTER_HINT = (": a hook runs code of yours inside torch's calls, the tests' too, and no exercise needs one; "
                 "look at gradients or outputs in a cell of your own, and register only your own module's parts, "
                 "in its method: self.register_buffer, self.register_parameter, self.register_module")
# The special attributes an answer may read: a name, a string (``type(x).__name__`` in an error message)
NAME_DUNDERS = {"__name__", "__qualname__"}
# ... and a container's own methods, read to pass them on (``map(itos.__getitem__, ids)``): each does what
# ``x[k]``, ``k in x`` and ``len(x)`` already may
CONTAINER_DUNDERS = {"__getitem__", "__contains__", "__len__"}
TYPE_CALLERS = {"print", "str", "repr", "isinstance", "issubclass"}
REFUSED_MARK = "AnswerRefused"
BUILTIN_NAMES = frozenset(dir(builtins)) | {"display"}  # and IPython's display(), which a notebook has


@dataclass(frozen=True)
class Lesson:
    """What the rules need to know of a lesson: the names its own cells read before binding them
    (what an answer must not rebind: ``text``, ``stoi``, ``torch``, ``len``...; a loop variable or a
    name a cell sets for itself is free to reuse), and which names are the course's reference
    modules (``import course.tokenization as ref``)."""
    names: frozenset[str]
    course_names: frozenset[str]
    test_names: frozenset[str] = frozenset()  # set only by the test cells (``_want``, ``expected``)
    # every name the lesson's own cells and its answer cells bind (None: not known, as in a self-check)
    defined: frozenset[str] | None = None
    # ``"F=torch.nn.functional"``: names the lesson's own cells bind only by importing that module.
    # An answer may import it again under the same name (``import torch.nn.functional as F``, as
    # nanoGPT does): it rebinds the name to the object it already holds
    imports: frozenset[str] = frozenset()
    # the phrases of the course's comments and docstrings that the lesson itself holds (``autograder.copies``)
    phrases: frozenset[str] = frozenset()

    @classmethod
    def from_notebook(cls, nb) -> "Lesson":
        names, course, answers, tests, lesson_bound = set(), set(), set(), set(), set()
        imported, assigned = set(), set()
        texts = []  # the lesson's text, its outputs' included: what a student may quote
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader") or {}
            texts.append(cell.source)
            texts += [_output_text(output) for output in cell.get("outputs", ())]
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            if meta.get("solution"):  # what the answers define is theirs to define
                answers |= {name for node in tree.body for name in _bound_names(node)}
                continue
            bound = {name for node in tree.body for name in _bound_names(node)}
            (tests if meta.get("grade") else lesson_bound).update(bound)
            for node in _walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and node in tree.body:
                    imported |= {f"{a.asname or a.name.split('.')[0]}={_imported_module(node, a)}" for a in node.names}
                else:
                    assigned |= _binds(node)
            names |= _free_names(tree)
            for node in tree.body:
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    module = node.module if isinstance(node, ast.ImportFrom) else None
                    for alias in node.names:
                        full = f"{module}.{alias.name}" if module else alias.name
                        if full.split(".")[0] in ("course", "autograder", "nbgrader"):
                            course.add(alias.asname or alias.name.split(".")[0])
        # (a name also bound otherwise, or to two modules, is not the module's alone)
        once = {i for i in imported if i.split("=")[0] not in assigned | answers
                and sum(j.split("=")[0] == i.split("=")[0] for j in imported) == 1}
        return cls(frozenset(names - answers), frozenset(course), frozenset(tests - lesson_bound - answers),
                   frozenset(lesson_bound | answers), frozenset(once), copies.lesson_phrases(texts))


def _output_text(output) -> str:
    """The text an output shows: a stream's, or a result's plain text."""
    text = output.get("text") if output.get("output_type") == "stream" else (output.get("data") or {}).get("text/plain")
    return "".join(text) if isinstance(text, list) else text if isinstance(text, str) else ""


def _imported_module(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    """What ``alias`` of an import binds, by its dotted name: ``torch.nn.functional`` for ``import
    torch.nn.functional as F`` and ``from torch.nn import functional as F``, ``torch`` for ``import
    torch.nn``; relative imports get a leading dot and match nothing of a lesson's."""
    if isinstance(node, ast.Import):
        return alias.name if alias.asname else alias.name.split(".")[0]
    return "." * node.level + f"{node.module or ''}.{alias.name}"


def _free_names(tree: ast.Module) -> set[str]:
    """Names a cell reads that it does not bind itself (by assignment, loop, import, def or class)."""
    loaded, bound = set(), set()
    for node in _walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name.split(".")[0]) for a in node.names}
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return loaded - bound


def _bound_names(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name.split(".")[0]) for a in node.names if a.name != "*"}
    found = set()
    for child in _walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            found.add(child.id)
    return found


# A layer's tensors and a tensor's own values, which students set by assignment (``lin.weight = nn.Parameter(W)``,
# ``self.lin.weight.data = w``): refused on anything but ``self``; the message says to copy into them in place
TENSOR_SLOTS = {"weight", "bias", "data"}
TENSOR_ONLY_SLOTS = {"data", "grad"}


def _module_root(node: ast.Attribute, tree: ast.AST) -> bool:
    """Whether the attribute assigned hangs from a module the cell imports (``torch.backends.cudnn.x``)."""
    root = _root(node)
    if not isinstance(root, ast.Name):
        return False
    return any(isinstance(n, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name.split(".")[0]) == root.id
                                                                    for a in n.names)
               for n in _walk(tree)) or root.id in ("torch", "np", "numpy", "nn", "F", "math", "sys", "random")


def _class_names(tree: ast.AST) -> set[str]:
    """The classes the cell defines (``class Stats: ...``)."""
    return {n.name for n in _walk(tree) if isinstance(n, ast.ClassDef)}


def _tensor_target(node: ast.Attribute) -> str:
    """What to copy into, for a refused ``x.weight = ...`` (``x.weight``) or ``x.weight.data = ...`` (``x.weight``)."""
    return ast.unparse(node.value if node.attr == "data" else node)


def top_level_names(source: str) -> set[str]:
    """The names a cell binds for the cells after it (its defs, classes, imports and assignments);
    empty when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {name for node in tree.body for name in _bound_names(node)}


def _held_by_self(value: ast.AST) -> bool:
    """Whether ``value`` is what a method's ``self`` holds, by attributes only: ``self.c_proj``, or deeper,
    ``self.transformer.wte`` (not ``self`` itself, nor through an item or a call, ``self.h[0]``)."""
    if not isinstance(value, ast.Attribute):
        return False
    while isinstance(value, ast.Attribute):
        value = value.value
    return isinstance(value, ast.Name) and value.id == "self"


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


def _type_position(node: ast.AST, parents: dict) -> bool:
    """Whether ``node`` is used as a type only: the class argument of ``isinstance``/``issubclass`` (or an
    item of a tuple written out there), or inside an annotation."""
    parent = parents.get(node)
    if isinstance(parent, ast.Tuple) and node in parent.elts:
        node, parent = parent, parents.get(parent)
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id in ("isinstance", "issubclass") \
            and len(parent.args) == 2 and parent.args[1] is node and not parent.keywords:
        return True
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.arg) and parent.annotation is child \
                or isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) and parent.returns is child \
                or isinstance(parent, ast.AnnAssign) and parent.annotation is child:
            return True
        if isinstance(parent, ast.stmt):
            return False
        child, parent = parent, parents.get(parent)
    return False


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _matched_attribute_refused(attr: str) -> bool:
    """Whether a class pattern may not read the attribute ``attr`` of its subject (``case object(_C=c)``)."""
    return _dunder(attr) or attr.startswith(FRAME_PREFIXES) or attr.startswith("_") or attr in REFUSED_ATTRIBUTES \
        or attr in REACHED_MODULES or attr.startswith("register_")


# The classes whose pattern with one positional part matches the subject itself (``case int(n)``): no attribute read
SELF_MATCHING = frozenset({"bool", "bytearray", "bytes", "dict", "float", "frozenset", "int", "list", "set", "str",
                           "tuple"})
DATACLASS_DECORATORS = frozenset({"dataclass", "dataclasses.dataclass"})
NAMED_TUPLE_BASES = frozenset({"NamedTuple", "typing.NamedTuple", "object"})


def _match_fields(name: str, tree: ast.Module, lesson: Lesson, others: frozenset[str] | None,
                  seen: frozenset = frozenset()) -> set[str] | None:
    """The names that ``__match_args__`` of the class ``name`` can hold, when this cell alone makes that class: a
    class statement, bound nowhere else in the cell nor by another answer cell (``others``, known) or the lesson,
    plain or under ``@dataclass``, whose bases are such classes of the cell, ``object`` or ``NamedTuple``: the names
    annotated in their bodies (a dataclass's or named tuple's fields). None when the cell does not show them (a
    library's class, one of another cell, a decorator's)."""
    made = [n for n in _walk(tree) if isinstance(n, ast.ClassDef) and n.name == name]
    if name in seen or len(made) != 1 or sum(name in _binds(n) for n in _walk(tree)) != 1 or others is None \
            or name in others or name in lesson.names | (lesson.defined or set()):
        return None
    node = made[0]
    if node.keywords or any(ast.unparse(d.func if isinstance(d, ast.Call) else d) not in DATACLASS_DECORATORS
                            for d in node.decorator_list):
        return None
    fields = {s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
    for base in node.bases:
        if ast.unparse(base) in NAMED_TUPLE_BASES and ast.unparse(base).split(".")[0] not in others:
            continue
        inherited = _match_fields(base.id, tree, lesson, others, seen | {name}) if isinstance(base, ast.Name) else None
        if inherited is None:
            return None
        fields |= inherited
    return fields


def _positional_match(node: ast.MatchClass, tree: ast.Module, own: set[str], lesson: Lesson,
                      others: frozenset[str] | None) -> list[str]:
    """``case C(a, b)`` reads the attributes that ``C.__match_args__`` names, ``a = subject.<first>``: a dataclass
    field ``_module`` of a class of the answer's based on ``warnings.catch_warnings`` read the module that the
    library's ``__init__`` had put there, which the answers' process refuses as ``self._module`` (ch40). Allowed
    where the rules can read those names (a dataclass or named tuple of this cell) and would allow them as
    keywords, and for the builtin types that match the subject itself (``case int(n)``)."""
    if not node.patterns:
        return []
    if isinstance(node.cls, ast.Name) and node.cls.id in SELF_MATCHING and node.cls.id not in own \
            and others is not None and node.cls.id not in others | (lesson.defined or set()) and len(node.patterns) == 1:
        return []
    fields = _match_fields(node.cls.id, tree, lesson, others) if isinstance(node.cls, ast.Name) else None
    if fields is not None and not any(_matched_attribute_refused(f) for f in fields):
        return []
    return [f"matches `case {ast.unparse(node)}` by position, which reads the attributes that "
            f"`{ast.unparse(node.cls)}.__match_args__` names"
            + (f", among them {', '.join(f'`{f}`' for f in sorted(fields) if _matched_attribute_refused(f))}"
               if fields else "")
            + ": name the attributes, `case Point(x=a, y=b)` (public names), or match a dataclass of this cell "
              "whose fields are public names"]


_WALKS: dict = {}  # node -> tuple(ast.walk(node)), while the rules read an answer
_READING = [0]  # how many readings are under way (the cache is emptied when the last ends)


def _walk(node) -> tuple:
    """``ast.walk(node)``, in its order, as a tuple kept while the rules read one answer (``problems``): they
    walk the same few subtrees about 58 times per answer cell (the catalogue's answers, stop 65), and the
    walks were half of the rules' time. The tree is never changed while it is read, so a walk found again
    is the walk; the cache keeps each node alive, so no other node can take its ``id``."""
    found = _WALKS.get(node)
    if found is None:
        found = tuple(ast.walk(node))
        if _READING[0]:
            _WALKS[node] = found
    return found


def problems(source: str, lesson: Lesson, answers: frozenset[str] = frozenset(),
             others: frozenset[str] | None = None, lazy_annotations: bool = False) -> list[str]:
    """Why the answer ``source`` may not run (empty: it may), one sentence each. ``answers``: the names
    that the submission's answer cells bind (one answer may use another's helper); ``others``: those
    that its other answer cells bind (None: not known), which could rebind a class of this answer's
    after it ran (``_answer_class``); ``lazy_annotations``: another cell of the notebook imports
    ``annotations`` from ``__future__`` (``future_annotations``), so this cell's hints are text there too."""
    if isinstance(source, str) and len(source) > MAX_ANSWER_CHARS:
        return [f"is {len(source):,} characters long, more than the {MAX_ANSWER_CHARS:,} an answer cell may hold "
                f"(the lesson's answers are a few dozen lines): keep your answer, and move long experiments out "
                f"of the answer cell"]
    _READING[0] += 1
    try:
        return _problems(source, lesson, answers, others, lazy_annotations)
    except (RecursionError, MemoryError):  # `1+1+...` 3,000 times: too deep for Python's own parser
        return ["is nested too deeply to be read (an expression thousands of terms long, or brackets "
                "inside brackets thousands deep): write it with a loop"]
    finally:
        _READING[0] -= 1
        if not _READING[0]:
            _WALKS.clear()


def _ipython_changes(source: str) -> str | None:
    """Why IPython would run ``source`` otherwise than it reads, or None. A Jupyter kernel passes every cell
    through IPython's input transforms before Python sees it, and these rules read the Python: a line that
    starts with ``>>>`` outside a docstring turns on IPython's doctest-prompt stripping, after which an
    indented ``... %system(...)`` in a function never called is a shell command at the top of the cell (a
    red team's, 2026-12-04). An answer runs only where both read it alike."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # no IPython, so no kernel to run the cell differently
        return None
    try:
        view = TransformerManager().transform_cell(source)
    except Exception as error:  # what IPython cannot read, a kernel cannot run either
        return f"cannot be read by IPython ({type(error).__name__}): write it as plain Python"
    # (IPython drops blank lines before the first, and a line's trailing spaces change nothing)
    source_lines, view_lines = _code_lines(source), _code_lines(view)
    if source_lines == view_lines:
        return None
    line = next((number for number, (a, b) in enumerate(zip(source_lines, view_lines), 1) if a != b), None)
    return (f"is not run by Jupyter as it reads{f' (line {line} on)' if line else ''}: IPython rewrites the cell "
            f"before Python sees it (a line that starts with `>>>` or `...`, as in a doctest example outside a "
            f"docstring, makes it strip such prompts from the lines after). Put examples in a docstring or a "
            f"comment")


def _ipython_line(source: str, number: int | None) -> bool:
    """Whether line ``number`` of ``source`` reads as IPython's (a magic, a shell command, help with ``?``)
    rather than a Python typo: then the refusal says where such lines go (rt34, 2026-12-06: `%%time` atop an
    honest answer was told only that it "must parse")."""
    lines = source.splitlines()
    line = lines[number - 1].strip() if number and 0 < number <= len(lines) else ""
    return line.startswith(("%", "!")) or line.endswith("?") or line.startswith("?")


# Python 3.12's syntax, which a notebook on Colab (Python 3.12) runs and Python 3.11 does not parse: a `type`
# alias, a def or class with type parameters (PEP 695), and an f-string that reuses its quotes inside its
# braces (PEP 701). An honest answer with one passed its checks there and was told here that it held "IPython's
# `%` magics" (rt36, 2026-12-06)
NEWER_SYNTAX = [
    (re.compile(r"\s*type\s+[A-Za-z_]\w*\s*(\[[^\]]*\])?\s*="),
     "`type Name = ...` is Python 3.12's type alias: write `Name = ...` (or leave the alias out)"),
    (re.compile(r"\s*(async\s+)?(def|class)\s+[A-Za-z_]\w*\s*\["),
     "`def f[T](...)` and `class C[T]:` are Python 3.12's type parameters: write `def f(...)`, and hints "
     "with `typing.TypeVar` or without the parameter"),
]
FSTRING_312 = ("an f-string that uses its own quote inside its braces, `f\"{\"\".join(xs)}\"`, or a backslash or a comment there, "
               "is Python 3.12's: use the other quote inside, `f\"{''.join(xs)}\"`, or compute the value on a line "
               "before")


def _newer_python(source: str, error: SyntaxError) -> str | None:
    """What to write instead when ``source`` fails to parse here at a line of Python 3.12's syntax."""
    if sys.version_info >= (3, 12):
        return None
    lines = source.splitlines()
    line = lines[error.lineno - 1] if error.lineno and 0 < error.lineno <= len(lines) else ""
    for pattern, hint in NEWER_SYNTAX:
        if pattern.match(line):
            return hint
    if (error.msg or "").startswith("f-string") and (
            "backslash" in error.msg or re.search(r"""[fF][rR]?(["']).*\{[^}]*\1[^}]*\1[^}]*\}""", line)):
        return FSTRING_312
    # the other forms fail as a string or a continuation would: an f-string whose braces, closed on this line or
    # the next, hold a quote, a backslash or a comment says it (not a plain unclosed brace, ``f"{x"``)
    text = "\n".join(lines[error.lineno - 1:error.lineno + 1]) if error.lineno else ""
    if re.search(r"""(?<![\w])(?:[fF][rR]?|[rR][fF])["'][^\n]*?\{[^}]*?["'\\#][^}]*\}""", text):
        return ("if the line's f-string uses its own quote inside its braces, or a backslash or a comment there, "
                "that is Python 3.12's: use the other quote inside, `f\"{''.join(xs)}\"`, or compute the value on a "
                "line before")
    return None


OLDEST_PYTHON = (3, 11)  # the oldest Python the course runs on (pyproject's requires-python, environment.yml)


def _newer_syntax(source: str) -> str | None:
    """On Python 3.12 or later, what to write instead when ``source`` parses only there: the notebook's self-check
    runs where the student works (Colab's Python is 3.12), and an answer that parses there and not on an
    autograder of Python 3.11 lost its points with no word before hand-in (rt36, 2026-12-06). ``ast.parse``'s
    ``feature_version`` reads a type alias and type parameters as newer; an f-string that reuses its quote, or
    holds a backslash or a comment, inside its braces (PEP 701) is found among its tokens."""
    import io
    import tokenize

    if sys.version_info < (3, 12):
        return None  # (here such an answer does not parse: ``_newer_python``)
    try:
        ast.parse(source, feature_version=OLDEST_PYTHON)
    except SyntaxError as error:
        lines = source.splitlines()
        line = lines[error.lineno - 1] if error.lineno and 0 < error.lineno <= len(lines) else ""
        hint = next((hint for pattern, hint in NEWER_SYNTAX if pattern.match(line)), None)
        return f"{error.msg}, line {error.lineno}" + (f": {hint}" if hint else "")
    except (ValueError, RecursionError, MemoryError):
        return None
    quotes = []  # the quote of each f-string open around the token
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            kind = tokenize.tok_name[token.type]
            if kind in ("FSTRING_START", "STRING") and quotes:
                quote = token.string.lstrip("fFrRbBuU")[:3]
                quote = quote if quote in ('"""', "'''") else quote[:1]
                if any(quote.startswith(q) for q in quotes) or (kind == "STRING" and "\\" in token.string):
                    return f"line {token.start[0]}: {FSTRING_312}"
            elif kind == "COMMENT" and quotes:
                return f"line {token.start[0]}: {FSTRING_312}"
            if kind == "FSTRING_START":
                quote = token.string.lstrip("fFrRbBuU")
                quotes.append(quote if quote in ('"""', "'''") else quote[:1])
            elif kind == "FSTRING_END" and quotes:
                quotes.pop()
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return None


# What Python 3.12 and 3.13 added to modules an answer may import, which an autograder of Python 3.11 lacks:
# an answer that used one passed on Colab (3.12) and failed there with a bare AttributeError (rt36, 2026-12-06)
NEWER_LIBRARY = {
    ("itertools", "batched"): ("3.12", "`[xs[i:i + n] for i in range(0, len(xs), n)]`"),
    ("math", "sumprod"): ("3.12", "`sum(a * b for a, b in zip(xs, ys))`"),
    ("typing", "override"): ("3.12", "leave the decorator out"),
    ("math", "fma"): ("3.13", "`x * y + z`"),
    ("copy", "replace"): ("3.13", "`dataclasses.replace(obj, ...)`"),
}


def _newer_library(tree: ast.AST) -> list[str]:
    """A use of a name that ``NEWER_LIBRARY`` lists (``itertools.batched``, ``from math import sumprod``)."""
    aliases = {}  # name bound by ``import m`` or ``import m as a`` → m
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            aliases.update({a.asname or a.name: a.name for a in node.names})
    found = []
    for node in _walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            used = [(node.module, a.name) for a in node.names if (node.module, a.name) in NEWER_LIBRARY]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            used = [(aliases[node.value.id], node.attr)] if (aliases.get(node.value.id), node.attr) in NEWER_LIBRARY else []
        else:
            continue
        for module, name in used:
            version, instead = NEWER_LIBRARY[(module, name)]
            found.append(f"uses `{module}.{name}`, new in Python {version}, which an autograder of Python "
                         f"{OLDEST_PYTHON[0]}.{OLDEST_PYTHON[1]} does not have: write {instead}")
    return list(dict.fromkeys(found))


def _code_lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _problems(source: str, lesson: Lesson, answers: frozenset[str], others: frozenset[str] | None,
              lazy_annotations: bool = False) -> list[str]:
    if not isinstance(source, str):
        return ["is not text"]
    try:
        tree = ast.parse(source)
    except ValueError as error:  # a NUL character
        return [f"cannot be read as Python ({error})"]
    except SyntaxError as error:
        # not "it fails by itself": IPython runs `%` magics and `!` commands, which these rules cannot
        # read (`%history -f h` then `!rev h` would print the earlier hidden tests past the feedback's filter)
        newer = _newer_python(source, error)
        if newer:
            return [f"is not Python {sys.version_info.major}.{sys.version_info.minor}, which the autograder "
                    f"runs ({error.msg}, line {error.lineno}): {newer}"]
        if "non-printable character" in (error.msg or "") or "null bytes" in (error.msg or ""):
            # a byte-order mark or a NUL pasted in with text from another editor: no magic to blame (ch57: a
            # BOM was told "may not hold IPython's `%` magics", and a NUL "line None")
            where = f", line {error.lineno}" if error.lineno else ""
            return [f"is not plain Python ({error.msg}{where}): the cell holds an invisible character that Python "
                    f"cannot read, as text pasted from another editor or a web page may: delete it (retype the "
                    f"start of that line)"]
        return [f"is not plain Python ({error.msg}, line {error.lineno}): an answer may not hold IPython's "
                f"`%` magics or `!` commands, and must parse" + (
                    f" (`%%time`, `%timeit`, `!ls` and `name?` belong in a cell of your own: only the answer "
                    f"cells are graded)" if _ipython_line(source, error.lineno) else "")]
    newer = _newer_syntax(source)
    if newer:
        return [f"is not Python {OLDEST_PYTHON[0]}.{OLDEST_PYTHON[1]}, the oldest Python the course and its "
                f"autograder run on ({newer})"]
    changed = _ipython_changes(source)
    if changed:
        return [changed]
    found: list[str] = _newer_library(tree)
    parents = {child: node for node in _walk(tree) for child in ast.iter_child_nodes(node)}
    own = _own_names(tree)
    # names that may hold a module: what the cell imports (``import torch as T``) or binds at its top
    # level (``T = torch``), and the lesson's own
    module_names = {name for node in tree.body for name in _bound_names(node)} | {"torch"} | set(lesson.defined or ())
    parameters = {node.arg for node in _walk(tree) if isinstance(node, ast.arg)}
    classes = {node.name for node in _walk(tree) if isinstance(node, ast.ClassDef)}
    class_attributes = _class_attributes(tree)
    autograd = _autograd_classes(tree)  # (once per cell: a cell of a thousand ``ctx.k = 1`` lines took a minute)
    regexes = _regex_names(tree)
    # the names that are ``typing`` (whose ``cast`` returns its value, unlike ctypes'): imported as such by
    # this answer alone, bound to nothing else here or in another answer cell
    typings = {a.asname or a.name for node in tree.body if isinstance(node, ast.Import) for a in node.names
               if a.name == "typing"}
    typings = {t for t in typings if others is not None and t not in others
               and (t not in (lesson.defined or ()) or f"{t}=typing" in lesson.imports)
               and sum(t in _binds(n) for n in _walk(tree)) == 1}
    # ``io`` and ``types`` are the modules (limited to a few names) unless this answer binds the name to
    # something else (a variable called ``types``)
    # the answer's NamedTuple classes (``typing`` refuses a class that redefines their methods)
    named_tuples = {n.name for n in _walk(tree) if isinstance(n, ast.ClassDef)
                    and any(ast.unparse(b).split(".")[-1] == "NamedTuple" for b in n.bases)}
    limited_imports = {m for m in LIMITED_MODULES
                       if not any(m in _binds(n) for n in _walk(tree) if not isinstance(n, (ast.Import, ast.ImportFrom)))}
    # under ``from __future__ import annotations`` an annotation is text, never looked up (without it,
    # it runs when the function is defined, and its names are read like any other)
    # (or in another cell: IPython keeps a future import in force for the cells after it, rt42)
    lazy = lazy_annotations or _imports_future_annotations(tree)
    hinted = {name for annotation in _annotations(tree) for name in _walk(annotation)}
    annotated = hinted if lazy else set()
    typed = _names_in_plain_annotations(tree) | {n for n in annotated if isinstance(n, ast.Name)}
    guard = _main_guard(tree)
    # what a refused ``from math import *`` would have brought: a name read from it is told to be imported
    # by name (rt52: "define it in the answer cell" for ``inf``); modules already imported only, none imported here
    starred = [node.module for node in _walk(tree) if isinstance(node, ast.ImportFrom) and node.module
               and node.module.split(".")[0] in ALLOWED_MODULES and any(a.name == "*" for a in node.names)]
    instance_attributes = _own_instance_attributes(tree, class_attributes, lesson)
    found += _methods_taken_in_class_bodies(tree)
    found += _builtins_of_another_cell(tree, others)
    for text in _annotation_strings(tree):  # code that typing would evaluate: the same rules, as an annotation
        as_annotation = f"def _annotated_(x: {text}):\n    pass"
        source_of = as_annotation if _parses(as_annotation) and "\n" not in text else text
        # (read with the names the answers bind, this cell's imports among them: ``"np.ndarray | None"``)
        # (a name no cell defines is text here, as under ``from __future__ import annotations``: an honest
        # ``config: "AttentionConfig"`` in lesson 03, which imports only ``ref``, was refused, rt28)
        found += [f"{reason} (in the annotation {text!r})"
                  for reason in problems(source_of, replace(lesson, defined=None), answers | _own_names(tree), others)]
    for node in _walk(tree):
        if isinstance(node, (ast.MatchAs, ast.MatchStar, ast.ExceptHandler)) and node.name == "self" \
                or isinstance(node, ast.MatchMapping) and node.rest == "self":
            found.append("binds `self` to something else")  # ``case self:``, as an assignment would
        bound = (node.name if isinstance(node, (ast.MatchAs, ast.MatchStar, ast.ExceptHandler)) else
                 node.rest if isinstance(node, ast.MatchMapping) else
                 node.asname if isinstance(node, ast.alias) else node.arg if isinstance(node, ast.arg) else None)
        if bound and _dunder(bound) and set(bound) != {"_"}:
            # ``case __builtins__:``, ``import x as __builtins__``: the notebook's builtins replaced (a red
            # team's answer took every later cell's imports, the hidden tests' too, 2026-12-01)
            found.append(f"binds `{bound}`")
        elif bound and bound in lesson.names and not isinstance(node, ast.arg) and not _inside_function(node, parents) \
                and not (isinstance(node, ast.alias) and isinstance(parents.get(node), (ast.Import, ast.ImportFrom))
                         and f"{bound}={_imported_module(parents[node], node)}" in lesson.imports):
            found.append(f"rebinds `{bound}`, a name the lesson defined (a try-out at the cell's top level belongs in a cell of your own, which the autograder does not run; or give it a name of your own)")
        if isinstance(node, ast.keyword) and node.arg is not None and _dunder(node.arg):
            # ``types.SimpleNamespace(__array_interface__={"data": (address, False), ...})``: numpy reads an
            # array at any address from such an object (a red team's, 2026-12-04)
            found.append(f"passes the keyword argument `{node.arg}=`, the name of a special attribute (an object "
                         f"made with it would carry that attribute)")
        if isinstance(node, ast.keyword) and node.arg == "allow_pickle":
            found.append("passes `allow_pickle` (a pickle can run any code: use tensors and plain values)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _dunder(node.value) \
                and node.value.isidentifier() and node not in guard:
            found.append(f"holds the string {node.value!r}, the name of a special attribute (answers may not "
                         f"reach attributes by name)")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or "."]
            if isinstance(node, ast.ImportFrom):
                modules += [f"{node.module}.{a.name}" for a in node.names]
            refused_roots = set()
            for module in modules:
                root, *parts = module.split(".")
                if root in refused_roots:
                    continue  # ``from contextlib import suppress``: 'contextlib' named once, not again with each name
                if root not in ALLOWED_MODULES or getattr(node, "level", 0) \
                        or any((part in REFUSED_ATTRIBUTES and not (root in REGEX_MODULES and part == "compile")
                                and not (root == "typing" and parts == ["cast"]))
                               or part in REACHED_MODULES and (root, part) != ("pprint", "pprint")  # (a function)
                               or part.startswith("_") for part in parts) \
                        or root == "sys" and parts and parts[0] not in SYS_ALLOWED \
                        or root in LIMITED_MODULES and parts and parts[0] not in LIMITED_MODULES[root] \
                        or root == "tqdm" and parts and parts[0] not in TQDM_PARTS:
                    found.append(f"imports {module!r} (answers may import only {_modules_allowed({'__future__'})})"
                                 + IMPORT_HINTS.get(root if root not in LIMITED_MODULES else module, "")
                                 # (rt41: ``from numpy.typing import NDArray`` for a type hint was told only
                                 # that numpy may be imported)
                                 + (NDARRAY_IMPORT_HINT if module == "numpy.typing.NDArray" else ""))
                    if root not in ALLOWED_MODULES:
                        refused_roots.add(root)
                elif any(part in SHORTCUTS for part in parts):  # ``import torch.optim.lr_scheduler as S``
                    found.append(_shortcut(module))
                    break  # (``from torch.optim.lr_scheduler import X`` names it once)
            if any(a.asname == "self" for a in node.names):
                found.append("imports a module as `self`")
            if isinstance(node, ast.Import) and any(a.name == "sys" and a.asname not in (None, "sys")
                                                    for a in node.names):
                found.append("imports `sys` under another name (use sys.stdout or sys.stderr as they are)")
            for alias in node.names if isinstance(node, ast.Import) else ():
                if alias.name in LIMITED_MODULES and alias.asname not in (None, alias.name):
                    found.append(f"imports `{alias.name}` under another name (use "
                                 f"{', '.join(f'{alias.name}.{n}' for n in sorted(LIMITED_MODULES[alias.name]))})")
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name == "*":
                        found.append(f"imports * from {node.module!r} (import the names you use)")
                    elif alias.name in SHORTCUTS or (alias.name in TORCH_SHORTCUTS
                                                     and (node.module or "").split(".")[0] == "torch"):
                        found.append(_shortcut(f"{node.module}.{alias.name}"))
        elif isinstance(node, ast.MatchClass):
            # ``case object(__class__=cls)`` reads the attribute ``__class__`` of the subject: its
            # names are attributes, under the rules of attributes
            for attr in node.kwd_attrs:
                if _matched_attribute_refused(attr):
                    found.append(f"matches the attribute `{attr}` in `case {ast.unparse(node)}`")
                elif attr in SHORTCUTS or attr in TORCH_SHORTCUTS:
                    found.append(_shortcut(attr))
            found += _positional_match(node, tree, own, lesson, others)
        elif isinstance(node, ast.Global):  # (``nonlocal`` can only reach a function's own local: allowed)
            found.append(f"declares `global {', '.join(node.names)}` (return the value instead)")
        elif isinstance(node, ast.Name):
            # (``__slots__ = ("i",)`` in a class's body names its instances' attributes: a store, read by nothing)
            slots = node.id == "__slots__" and isinstance(node.ctx, ast.Store) \
                and isinstance(parents.get(node), (ast.Assign, ast.AnnAssign)) \
                and isinstance(parents.get(parents[node]), ast.ClassDef)
            # (nor ``__repr__ = __str__`` there: another name for an allowed special method of the class)
            statement = parents.get(node)
            alias = node.id in DUNDER_METHODS and isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                and isinstance(parents.get(statement), ast.ClassDef) and all(
                    isinstance(n, ast.Name) and n.id in DUNDER_METHODS for n in (statement.targets[0], statement.value))
            if _dunder(node.id) and node not in guard and not slots and not alias \
                    and not (isinstance(node.ctx, ast.Store) and set(node.id) == {"_"}):
                found.append(f"uses `{node.id}`" + (MODULE_DUNDER_HINT if node.id in MODULE_DUNDERS else DUNDER_HINT))
            elif node.id in REFUSED_CALLS and not ((_literal_getattr(parents.get(node), classes)
                                                     or _own_attribute_by_name(parents.get(node), parents))
                                                    and parents[node].func is node):
                found.append(f"uses `{node.id}`" + CALL_HINTS.get(node.id, ""))
            elif node.id in lesson.course_names and not _local(node, parents) \
                    and not ((node in typed and _configuration(node, parents))
                             or (_isinstance_configuration(node, parents)
                                 and _builtin_isinstance(tree, answers, others))):
                config = ast.unparse(_configuration(node, parents) or node)
                own_isinstance = _isinstance_configuration(node, parents)
                found.append(f"tests isinstance(..., {config}) with an `isinstance` of its own (a def, a "
                             f"parameter or a variable of that name): leave Python's isinstance as it is"
                             if own_isinstance else
                             f"uses `{node.id}` in a type hint (a hint may name only the course's configuration "
                             f"classes, such as cfg: TrainConfig: leave this one out, the code runs the same "
                             f"without it)" if node in typed else
                             f"uses `{config}` outside a type hint and isinstance: a configuration class of the "
                             f"course's may be named only there (cfg: {config}, isinstance(cfg, {config})), for "
                             f"your answer is graded without the course; leave out a {config}(...) of your own, and read the fields of "
                             f"the one you are given" + ("" if _inside_function(node, parents) else
                                                         f" (a try-out at the cell's top level that builds one "
                                                         f"belongs in a cell of your own, which the autograder "
                                                         f"does not run)")
                             if _configuration(node, parents) and (node.id.endswith("Config")
                                                                   or _inside_function(node, parents)) else
                             f"uses `{node.id}`, the course's reference (write the code yourself)"
                             if _inside_function(node, parents) else
                             f"uses `{node.id}`, the course's reference, at the cell's top level (write the code "
                             f"yourself; a try-out that reads `{node.id}` belongs in a cell of your own, which the "
                             f"autograder does not run)")
            elif node.id in LIMITED_MODULES and node.id in limited_imports:
                parent = parents.get(node)
                if not (isinstance(parent, ast.Attribute) and parent.attr in LIMITED_MODULES[node.id]):
                    found.append(f"uses `{node.id}` (only {', '.join(f'{node.id}.{n}' for n in sorted(LIMITED_MODULES[node.id]))}"
                                 f" {'is' if len(LIMITED_MODULES[node.id]) == 1 else 'are'} allowed)"
                                 + (IMPORT_HINTS.get(f"{node.id}.{parent.attr}", "")
                                    if isinstance(parent, ast.Attribute) else ""))
            elif node.id == "sys":
                parent = parents.get(node)
                if not (isinstance(parent, ast.Attribute) and parent.attr in SYS_ALLOWED):
                    found.append(f"uses `sys` (only {', '.join(f'sys.{n}' for n in sorted(SYS_ALLOWED))} are allowed)")
                elif isinstance(parents.get(parent), ast.Attribute) and parent.attr in ("stdout", "stderr") \
                        and parents[parent].attr not in STREAM_METHODS:
                    # the notebook's streams are the kernel's objects: write to them, nothing else
                    found.append(f"uses `sys.{parent.attr}.{parents[parent].attr}` (write to the stream: "
                                 f"{', '.join(sorted(STREAM_METHODS))}, or print(..., file=sys.{parent.attr}))")
            elif isinstance(node.ctx, (ast.Store, ast.Del)) and node.id in lesson.names and not _inside_function(node, parents):
                found.append(f"rebinds `{node.id}`, a name the lesson defined (a try-out at the cell's top level belongs in a cell of your own, which the autograder does not run; or give it a name of your own)")
            elif isinstance(node.ctx, ast.Load) and IPYTHON_HISTORY.fullmatch(node.id) and node.id not in own:
                found.append(f"reads `{node.id}`, IPython's record of the notebook's cells and results (an answer "
                             f"works from its arguments)")
            elif isinstance(node.ctx, ast.Load) and node.id in lesson.test_names and node.id not in own:
                found.append(f"reads `{node.id}`, a name of the tests (an answer works from its arguments)")
            elif isinstance(node.ctx, ast.Load) and lesson.defined is not None and node.id not in own \
                    and node.id not in answers and node.id not in lesson.defined and node.id not in BUILTIN_NAMES \
                    and node not in annotated:
                # a name from nowhere: put in the answer's globals behind the rules' back
                # (``functools.update_wrapper(f, collections.namedtuple, (), ("__globals__",))`` adds ``_sys``)
                star = next((m for m in starred if not node.id.startswith("_")
                             and hasattr(sys.modules.get(m), node.id)), None)
                found.append(f"reads `{node.id}`, which only `from {star} import *` gives it: import it by name "
                             f"(`from {star} import {node.id}`)" if star else
                             f"reads `{node.id}`, which neither an answer cell nor the lesson defines "
                             f"(define it in the answer cell" + (
                                 "; a type hint is read when its def runs, unless this answer cell or one above it "
                                 "starts with `from __future__ import annotations`, which a cell of your own does "
                                 "not do when graded, for it is not run: put the import atop the answer cell)"
                                 if node in hinted else ")"))
            elif node.id == "self" and isinstance(node.ctx, (ast.Store, ast.Del)):
                found.append("binds `self` to something else")
            elif node.id == "type" and isinstance(node.ctx, ast.Load):
                call = parents.get(node)
                use = parents.get(call)
                if not (isinstance(call, ast.Call) and call.func is node and len(call.args) == 1 and not call.keywords
                        and (isinstance(use, ast.FormattedValue) or isinstance(use, ast.Compare) and _plain_type_test(use, call)
                             or isinstance(use, ast.Call) and call in use.args
                             and isinstance(use.func, ast.Name) and use.func.id in TYPE_CALLERS
                             # (Python's own: ``def f(x, str=lambda c: c)`` made ``str(type(x))`` the class, ch32)
                             and _builtin(use.func.id, tree, answers, others)
                             or isinstance(use, ast.Attribute) and use.attr in NAME_DUNDERS)):
                    found.append("uses `type(...)` other than to compare or print it (`type(x) is list`, "
                                 "`type(x) in (int, float)`; in an error message, its name, `type(x).__name__`, "
                                 "or an f-string, f\"{type(x)}\")" + (
                                     f"; `{use.func.id}` there is not Python's: the answer (or another answer cell) "
                                     f"binds that name, so leave Python's {use.func.id} as it is"
                                     if isinstance(use, ast.Call) and isinstance(use.func, ast.Name)
                                     and use.func.id in TYPE_CALLERS and call in use.args else ""))
        elif isinstance(node, ast.Attribute):
            # ``self`` gets no other rules than any object: the rules cannot know what it is (a red team made
            # it ``dataclasses``, then read ``self.sys``, by a dozen ways: a plain function's parameter, the
            # class under another name, a decorator, ``case self:``, 2026-12-01). Only nn.Module's own
            # registering methods are allowed on it (``register_`` is otherwise refused: global hooks).
            on_self = isinstance(node.value, ast.Name) and node.value.id == "self"
            # (``super`` Python's own: ``def super(): return torch`` made ``super().__init__("x")`` rename
            # torch, and ``return sys.stdout`` re-pointed the answers' process's output, ch32, 2026-12-06)
            on_super = isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) \
                and node.value.func.id == "super" and _builtin("super", tree, answers, others)
            class_name = node.attr == "__class__" and isinstance(parents.get(node), ast.Attribute) \
                and parents[node].attr in NAME_DUNDERS  # ``self.__class__.__name__`` in a __repr__: a string
            # ``nn.Module.__init__(self)``, as ``super().__init__()``: a base's __init__ called on self
            base_init = node.attr == "__init__" and isinstance(parents.get(node), ast.Call) \
                and parents[node].func is node and parents[node].args \
                and isinstance(parents[node].args[0], ast.Name) and parents[node].args[0].id == "self" \
                and _in_method(parents[node].args[0], parents) \
                and _written_base(node.value, _enclosing_class(node, parents), tree, lesson, answers, others)
            # ``super().__repr__()`` in a ``__repr__``, ``super().__setitem__(k, v)`` in a dict subclass's: a
            # special method of the base, one that an operator allowed on any object already reaches (repr(x),
            # x[k] = v), gives nothing more (an honest dict subclass's __repr__ lost its points, rt30)
            base_special = on_super and not node.value.args and not node.value.keywords \
                and node.attr in DUNDER_METHODS - {"__init__", "__post_init__"}
            if (_dunder(node.attr) and not (node.attr == "__init__" and (on_super or base_init)) and not class_name
                    and not base_special
                    and not (node.attr in NAME_DUNDERS | CONTAINER_DUNDERS and isinstance(node.ctx, ast.Load))) \
                    or node.attr.startswith(FRAME_PREFIXES) \
                    or (node.attr in REFUSED_ATTRIBUTES and not (node.attr in ARRAY_TYPES and _type_position(node, parents))
                        and not (node.attr == "compile" and isinstance(node.value, ast.Name)
                                                                  and node.value.id in regexes)
                        and not (node.attr == "cast" and isinstance(node.value, ast.Name) and node.value.id in typings)) \
                    or (node.attr.startswith("register_") and not (on_self and node.attr in SELF_REGISTERS)):
                found.append(_special_on_a_base(node, parents, _builtin("super", tree, answers, others)) or f"uses the attribute `{node.attr}`"
                             + ATTRIBUTE_HINTS.get(node.attr, DUNDER_HINT if _dunder(node.attr)
                                                   else REGISTER_HINT if node.attr.startswith("register_") else ""))
            elif on_self and _in_method(node.value, parents) and node.attr in instance_attributes.get(
                    _enclosing_class(node, parents), set()) and not _dunder(node.attr):
                pass  # the answer's own attribute of its own instance (``self._attend``, ``self.queue``)
            elif isinstance(node.value, ast.Name) and not on_self and not _dunder(node.attr) \
                    and (node.attr.startswith("_") or node.attr in REACHED_MODULES) \
                    and node.attr in instance_attributes.get(_own_instance(node.value, parents, tree, lesson, others)
                                                             or _guarded_instance(node.value, parents, tree, lesson, others), ()):
                # the same, of an instance the function made itself (``out = Output()``, ``out.queue``),
                # or that its method checked (``if not isinstance(other, Node): return NotImplemented``)
                pass
            elif isinstance(node.ctx, ast.Load) and not _dunder(node.attr) and node.attr.startswith("_") \
                    and _own_class_private(node, tree, lesson, others, class_attributes, instance_attributes):
                pass  # ``Gates._split(z)``, ``Filter()._kth(x)``: a private name the answer's own class gives
            elif node.attr.startswith("_") and not _dunder(node.attr) and node.attr not in NAMEDTUPLE_METHODS:
                found.append(f"uses the attribute `{node.attr}` (a name that starts with `_` is private to the "
                             f"object that has it, and refused on any object but an instance of the answer's own "
                             f"class that set it: `self`, one the function made, or `other` after `if not "
                             f"isinstance(other, YourClass): return NotImplemented`; or call your own "
                             f"`{node.attr.lstrip('_') or 'x'}`)"
                             + _private_of_another_cell(node, parents, tree, others, instance_attributes))
            elif node.attr in REACHED_MODULES and not (
                    isinstance(parents.get(node), ast.Call) and parents[node].func is node):  # x.dist(y): a method
                found.append(f"uses the attribute `{node.attr}`, a module of its own (answers may use only "
                             f"the modules they import: {_modules_allowed({'__future__', 'sys'})}"
                             + ("; give your own attribute another name)" if on_self or any(
                                 node.attr in names for names in instance_attributes.values()) else ")"))
            if node.attr in SHORTCUTS or (node.attr in TORCH_SHORTCUTS and _may_be_torch(node.value, module_names, parameters)):
                target = parents.get(node) if isinstance(parents.get(node), ast.Tuple) else node
                call = parents.get(target)
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) \
                        and call.func.id in ("isinstance", "issubclass") and target in call.args[1:]:
                    # (an honest type test in generate_greedy was told to write the layer "with sigmoid, tanh")
                    found.append(f"uses `{ast.unparse(node)}` in a type test: a name of PyTorch's own version of "
                                 f"a course exercise is refused anywhere in an answer, and the grader's model "
                                 f"may stand in for it; leave the test out")
                else:
                    found.append(_shortcut(ast.unparse(node), top_level=not _inside_function(node, parents)))
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                # ``self.x = ...``, not ``self.x.y = ...``: ``self.t = torch`` then ``self.t.equal = ...``
                # patched torch (a red team of honest answers, 2026-12-02). Not even where ``self.c_proj =
                # nn.Linear(...)`` alone sets it: a subclass in another answer cell can make ``c_proj`` a
                # property that returns torch.
                of_self = isinstance(node.value, ast.Name) and node.value.id == "self" and _in_method(node.value, parents)
                # ``p.grad = None`` on a name of the function's own (a loop over ``model.parameters()``):
                # PyTorch's own advice for zeroing gradients, which the rule cost both of a red team's honest
                # train_loop's points (2026-12-04); None in ``.grad`` takes nothing away but that gradient
                cleared = node.attr == "grad" and isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Store) \
                    and node.value.id not in classes and _set_in_function(node.value, parents) \
                    and isinstance(parents.get(node), ast.Assign) and isinstance(parents[node].value, ast.Constant) \
                    and parents[node].value.value is None
                held = _held_by_self(node.value)
                # ``self.c_proj.NANOGPT_SCALE_INIT = 1``, as Karpathy's build-nanogpt writes it (rt30: 4 of 8
                # points of an honest CausalSelfAttention): in a method, a public attribute of what ``self``
                # holds, which the answers' process checks as it runs is an nn.Module object, never a module or
                # a class (``answer_host._own_part``: ``self.t = torch`` then ``self.t.equal = ...`` fails there)
                # (also deeper, ``self.transformer.wte.weight = self.lm_head.weight``, nanoGPT's weight tying
                # (rt40): every attribute on the way is read under the rules of reads, and the object set on is
                # checked as for one level)
                # (a tensor's own ``data`` or ``grad``, ``self.lin.weight.data = w``, is set on a tensor, never on
                # a module: refused, and told to copy in place, below)
                part = held and isinstance(node.ctx, ast.Store) and _in_method(_root(node.value), parents) \
                    and not node.attr.startswith("_") and node.attr not in REFUSED_ATTRIBUTES \
                    and node.attr not in TENSOR_ONLY_SLOTS
                # ``ctx.dim = dim`` in a static forward, setup_context or backward of an autograd Function of
                # the answer's own, as PyTorch's tutorials keep a setting for the backward (rt34, 2026-12-06):
                # the answers' process checks as it runs that ``ctx`` is a context torch made for that class's
                # own call (``answer_host._own_ctx``), never an object a caller passed to ``forward`` directly
                context = isinstance(node.ctx, ast.Store) and _autograd_context(node, parents, tree, autograd)
                # (last, and only where nothing above allows it: it walks the function again, and a cell of
                # 2,000 ``ctx.kN = 1`` lines held the rules 155 s; ch39)
                made = not (of_self or cleared or part or context) and isinstance(node.value, ast.Name) \
                    and not _dunder(node.attr) \
                    and (_own_instance(node.value, parents, tree, lesson, others) is not None
                         or _own_namespace(node.value, parents, tree, lesson, others))
                if held and not (of_self or made or cleared or part) and node.attr not in TENSOR_ONLY_SLOTS:
                    found.append(f"assigns to `{ast.unparse(node)}`, an attribute of what `self` holds (an answer "
                                 f"may set attributes of `self` itself, `self.{node.attr} = ...`, and public ones of "
                                 f"the modules `self` holds, in a method: another answer cell's subclass could make "
                                 f"`{ast.unparse(node.value)}` a property that returns torch itself); keep the value "
                                 f"on `self` under a name of your own, or leave the line out if nothing reads it")
                elif not (of_self or made or cleared or part or context):
                    found.append(f"assigns to `{ast.unparse(node)}` (an answer may assign attributes of `self` "
                                 f"only, in a plain method of its own class, or of an instance of its class that "
                                 f"the function made itself and keeps in a variable; "
                                 # (rt39, 2026-12-06: ``lin.weight = nn.Parameter(W)`` and ``self.lin.weight.data
                                 # = w`` were told to give the tensor's class a method, or to set a dict's key)
                                 + (f"to set a layer's weights or a tensor's values, copy them in place: `with "
                                    f"torch.no_grad(): {_tensor_target(node)}.copy_(...)`, or an `nn.init` "
                                    f"function; or compute with the tensor itself, `x @ W` or `F.linear(x, W.T)`"
                                    if node.attr in TENSOR_SLOTS else
                                    f"to clear gradients, call `zero_grad(set_to_none=True)` on the module or the "
                                    f"optimizer, or write `for p in model.parameters(): p.grad = None`"
                                    if node.attr == "grad" else
                                    # (rt39: ``torch.backends.cudnn.deterministic = True`` at a cell's top was told
                                    # to give cudnn's class a method, and ``cls.calls += 1`` to set cls["calls"])
                                    f"`{ast.unparse(node.value)}` is a module, so the line changes a setting of the whole process, which "
                                    f"the tests share; put it in a cell of your own (only answer cells are graded), "
                                    f"or leave it out"
                                    if _module_root(node, tree) else
                                    f"a class's own state changes in a container it holds, `cls.counts[\"{node.attr}\"] "
                                    f"+= 1`, or on an instance, `self.{node.attr}`"
                                    if isinstance(node.value, ast.Name) and node.value.id == "cls" else
                                    # (rt41: a counter kept on the answer's own class, ``Stats.decodes += 1`` in a
                                    # function, was told to set Stats["decodes"], which a class does not have)
                                    f"a class's own state changes in a container it holds, "
                                    f"`{node.value.id}.counts[\"{node.attr}\"] += 1`, or in a dict of the cell's, "
                                    f"`COUNTS[\"{node.attr}\"] += 1`"
                                    if isinstance(node.value, ast.Name) and node.value.id in _class_names(tree) else
                                    f"to change one taken from a list, a heap or another object, give its class a "
                                    f"method that sets `self.{node.attr}`; a dict's entry, an optimizer's param "
                                    f"group say, is set by its key: `{ast.unparse(node.value)}[\"{node.attr}\"] = ...`")
                                 # (an optimizer has no learning rate of its own: each of its param groups has
                                 # one, and `optimizer["lr"]` raises; wa24, 2026-12-05)
                                 + (f"; an optimizer's learning rate is in each of its param groups: `for group "
                                    f"in {ast.unparse(node.value)}.param_groups: group[\"lr\"] = ...`"
                                    if node.attr == "lr" else "")
                                 # (rt40, 2026-12-06: ``model.config.pad_token_id = ...`` in a greedy_decode was
                                 # told to write ``model.config["pad_token_id"]``, which a config does not have)
                                 + (f"; a setting of an object the function was given, a model's "
                                    f"`{ast.unparse(node.value)}`, stays as it is: pass the value where it is used "
                                    f"(`{node.attr}=...` as an argument), or leave the line out"
                                    if isinstance(node.value, ast.Attribute) and node.value.attr == "config" else "")
                                 # (rt34, 2026-12-06: a custom autograd function's ``ctx.dim = dim`` was told
                                 # to write ``ctx["dim"]``, which a ctx does not have)
                                 + (f"; a custom autograd function sets public attributes of `ctx` in its "
                                    f"static `forward`, `setup_context` or `backward`, where `ctx` is their first "
                                    f"parameter and the class's base is `torch.autograd.Function`"
                                    if isinstance(node.value, ast.Name) and node.value.id == "ctx" else "") + ")")
            if isinstance(node.value, ast.Name) and node.value.id in classes and not _dunder(node.attr) \
                    and node.attr not in class_attributes.get(node.value.id, set()) \
                    and not (node.value.id in named_tuples and node.attr in NAMEDTUPLE_METHODS):
                # a method taking an instance, read from the class (a class constant, an enum member, a
                # classmethod or staticmethod are fine: ``State.SCAN``, ``Word.from_symbols(...)``)
                if node.attr != "mro":  # (refused by name, with its own hint: an instance has no mro)
                    found.append(f"takes `{node.attr}` from the class `{node.value.id}` itself (call it on an instance)")
            # read at all, not only called (``show = "{0.sys}".format`` then ``show(dataclasses)``)
            if node.attr in ("format", "format_map") and not _plain_template(node.value) \
                    and not _constant_template(node.value, tree, lesson, others) \
                    and not _class_constant_template(node.value, tree, lesson, others):
                found.append(f"calls `{node.attr}` on a template that is computed or looks up attributes or "
                             f"items (use an f-string)" + (
                                 f"; a template kept in a constant of your class is read from the class by its "
                                 f"name, `YourClass.{node.value.attr}.{node.attr}(...)`: `self.{node.value.attr}` "
                                 f"may be another class's" if isinstance(node.value, ast.Attribute)
                                 and isinstance(node.value.value, ast.Name) and node.value.value.id == "self" else ""))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if _dunder(node.name) and (node.name not in DUNDER_METHODS or isinstance(node, ast.ClassDef)):
                found.append(f"defines `{node.name}` (special methods allowed: {', '.join(sorted(DUNDER_METHODS))}"
                             + ("; for == between your objects, make the class a @dataclass, which writes "
                                "__eq__ from its fields, or compare the fields themselves)"
                                if node.name in ("__eq__", "__ne__", "__hash__") else
                                f"; give it a name of your own, def {node.name.strip('_') or 'method'}(self, ...), "
                                f"and call it by that name)" if isinstance(node, ast.FunctionDef) else ")"))
            if node.name in lesson.course_names:
                found.append(f"defines `{node.name}`, a name of the course's grading and reference code")
            elif node.name in lesson.names and node.col_offset == 0 and parents.get(node) is tree:
                found.append(f"redefines `{node.name}`, a name the lesson defined")
            if isinstance(node, ast.ClassDef) and node.keywords:
                found.append(f"class {node.name} uses a metaclass or class keywords")
    found += _enum_classes_made(tree)
    found += _namespaces_made(tree, parents)
    found += _mapping_modules(tree)
    pasted = copies.copied(source, lesson.phrases)
    if pasted:
        found.append(pasted)
    return list(dict.fromkeys(found))


def _namespaces_made(tree: ast.Module, parents: dict) -> list[str]:
    """``SimpleNamespace`` other than called by that name with written-out keywords: ``SimpleNamespace(**d)``
    sets the attributes ``d`` names, a special one too, built at run time (``"_" * 2 + "array_interface" +
    "_" * 2``), where the rules read keywords' names only; numpy reads an array at any address from such an
    object (rt21, 2026-12-04). Under another name, as a base class or as a value, it could be called so out of
    the rules' sight."""
    found = []
    for node in _walk(tree):
        if isinstance(node, ast.alias) and node.name == "SimpleNamespace" and node.asname not in (None, node.name):
            found.append("imports SimpleNamespace under another name (use it as SimpleNamespace)")
            continue
        if not (isinstance(node, ast.Name) and node.id == "SimpleNamespace" and isinstance(node.ctx, ast.Load)
                or isinstance(node, ast.Attribute) and node.attr == "SimpleNamespace"):
            continue
        call = parents.get(node)
        if not (isinstance(call, ast.Call) and call.func is node):
            found.append("uses SimpleNamespace other than by calling it (SimpleNamespace(x=..., y=...))")
        elif any(k.arg is None for k in call.keywords):
            found.append("calls SimpleNamespace with `**` (its attributes' names could be anything, a special "
                         "attribute's too: write each keyword, SimpleNamespace(x=..., y=...), or use a dict)")
    return found


# The builtin mappings (numpy takes an object's ``__array_interface__`` only when it is a dict, or a subclass)
MAPPING_BASES = {"dict", "OrderedDict", "defaultdict", "Counter", "ChainMap"}


def _mapping_modules(tree: ast.Module) -> list[str]:
    """Classes of the answer's that are both an nn.Module and a dict: nn.Module's ``__getattr__`` hands back a
    child module by the name it was registered under (``nn.ModuleDict({name: child})``, a special name too), and
    such a child is also the dict numpy reads as an array's address (rt21, 2026-12-04). No exercise needs one."""
    classes = {node.name: node for node in _walk(tree) if isinstance(node, ast.ClassDef)}
    kinds: dict[str, set[str]] = {}

    def kind(name: str, seen=()) -> set[str]:
        if name in kinds:
            return kinds[name]
        found = set()
        for base in classes[name].bases:
            last = ast.unparse(base).split(".")[-1]
            if last in MAPPING_BASES:
                found.add("mapping")
            elif ast.unparse(base) in MODULE_BASES or last == "Module":
                found.add("module")
            elif last in classes and last not in seen:
                found |= kind(last, (*seen, name))
        kinds[name] = found
        return found

    return [f"class {name} is both an nn.Module and a dict (keep the dict in an attribute of the module)"
            for name in classes if kind(name) == {"mapping", "module"}]


ENUM_CLASSES = {"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum"}
ENUM_KEYWORDS = {"names", "module", "qualname", "type", "start", "boundary"}
# methods by which a container takes what it is given (``torch.tensor([g.value for g in Gate])`` is no such)
FILLING = {"append", "extend", "insert", "add", "update", "setdefault", "appendleft", "extendleft", "push", "put"}
# builtins that make a number, a string or a bool of whatever they are given, an enum class too
COUNTING_BUILTINS = {"len", "isinstance", "issubclass", "str", "repr", "int", "float", "bool", "hash"}


def _plain_type_test(compare: ast.Compare, call: ast.Call) -> bool:
    """Whether ``compare`` only tests ``call`` (a ``type(x)``) by identity or equality, or for membership of
    a tuple, list or set written out: nothing of the answer's is given the class it returns."""
    operands = [compare.left, *compare.comparators]
    for number, op in enumerate(compare.ops):
        left, right = operands[number], operands[number + 1]
        if call not in (left, right):
            continue
        if isinstance(op, (ast.In, ast.NotIn)):
            if left is not call or not isinstance(right, (ast.Tuple, ast.List, ast.Set)):
                return False
        elif not isinstance(op, TYPE_TESTS):
            return False
    return True


def _set_in_function(name: ast.Name, parents: dict) -> bool:
    """Whether ``name`` is a variable its enclosing function sets itself (a loop's or an assignment's
    target), not one of its parameters, which a caller could fill with a module, nor a name of the cell."""
    function = _enclosing_function(name, parents)  # (an assignment's scope: a function, a class or none)
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or name.id in _parameters(function.args):
        return False
    return any(isinstance(node, ast.Name) and node.id == name.id and isinstance(node.ctx, ast.Store)
               for node in _walk(function))


def _enum_classes_made(tree: ast.Module) -> list[str]:
    """Calls of an enum class with a name and members (``Enum("E", {...})``): its functional form makes a
    class whose members come from a dictionary, and a member with a special method's name (computed,
    ``"_" * 2 + "reduce_ex" + "_" * 2``) becomes that special method. A member is looked up with one
    argument (``State(1)``). These rules follow names within the cell: an enum class another answer cell binds
    (``Kind = Phase``), or one reached where a name does not show it (a classmethod's ``cls(name, members)``),
    is left to the answers' process, which refuses such a member name wherever the form is reached
    (``answer_host._checked_enums``; ch34)."""
    enums = set(ENUM_CLASSES)
    for node in _walk(tree):  # first the classes, for their members (``Axis.TIME`` is not the class)
        if isinstance(node, ast.ImportFrom) and node.module == "enum":
            enums |= {a.asname or a.name for a in node.names}
    for _ in range(2):
        enums |= {node.name for node in _walk(tree)
                  if isinstance(node, ast.ClassDef) and any(_mentions(b, enums) for b in node.bases)}
    methods = _enum_methods(tree, enums)
    shadowed = frozenset(COUNTING_BUILTINS & set(_every_binding(tree)))
    for _ in range(2):  # the answer's own names for an enum class: imported as, assigned, or subclassed
        for node in _walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "enum":
                enums |= {a.asname or a.name for a in node.names}
            elif isinstance(node, ast.ClassDef) and any(_mentions(b, enums) for b in node.bases):
                enums.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None \
                    and _mentions_enum(node.value, enums, methods, shadowed):
                enums |= {n.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                          for n in _walk(t) if isinstance(n, ast.Name)}
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) \
                    and _mentions_enum(node.iter, enums, methods, shadowed) \
                    and not _bare_enum(node.iter, enums, methods, shadowed):
                # (``for E in [enum.Enum]``, or a comprehension's, a with's target: ch33; ``for g in Gate`` gives
                # members)
                enums |= {n.id for n in _walk(node.target) if isinstance(n, ast.Name)}
            elif isinstance(node, ast.withitem) and node.optional_vars is not None \
                    and _mentions_enum(node.context_expr, enums, methods, shadowed):
                enums |= {n.id for n in _walk(node.optional_vars) if isinstance(n, ast.Name)}
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                    isinstance(r, (ast.Return, ast.Yield, ast.YieldFrom)) and r.value is not None
                    and _mentions_enum(r.value, enums, methods, shadowed) for r in _walk(node)):
                # (``def f(): return enum.Enum``, then ``f()("E", {...})``, passed: rt33, 2026-12-06)
                enums.add(node.name)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in FILLING \
                    and isinstance(node.func.value, ast.Name) and any(
                        _mentions_enum(a, enums, methods, shadowed) for a in [*node.args, *node.keywords]):
                # a container given an enum class holds it: ``lst.append(enum.Enum)``, then ``lst[0]("E", {...})``
                enums.add(node.func.value.id)
    methods = _enum_methods(tree, enums)
    return [f"calls `{ast.unparse(node.func)}` with a name and members (an enum's functional form, whose members "
            f"may name special methods: write the enum as a class)"
            for node in _walk(tree) if isinstance(node, ast.Call) and _mentions_enum(node.func, enums, methods, shadowed)
            and not _own_enum_method(node.func, methods)
            and (len(node.args) >= 2 or any(k.arg in ENUM_KEYWORDS or k.arg is None for k in node.keywords))] + [
        f"passes the enum class `{ast.unparse(arg)}` to `{ast.unparse(node.func)}`, which could call it with a name and "
        f"members (an enum's functional form, whose members may name special methods): write the enum as a class"
        for node in _walk(tree) if isinstance(node, ast.Call) and not _iterates_or_counts(node.func, shadowed)
        for arg in [*node.args, *(k.value for k in node.keywords)]
        if _bare_enum(arg.value if isinstance(arg, ast.Starred) else arg, enums, methods, shadowed)] + [
        f"calls `{ast.unparse(node.func)}` with arguments unpacked by *: give an enum's arguments one by one"
        for node in _walk(tree) if isinstance(node, ast.Call) and _mentions_enum(node.func, enums, methods, shadowed)
        and not _own_enum_method(node.func, methods) and any(isinstance(a, ast.Starred) for a in node.args)]


# builtins that only iterate an enum class's members or count them (``list(Gate)``, ``len(Gate)``)
ITERATING_BUILTINS = {"list", "tuple", "set", "frozenset", "sorted", "reversed", "iter", "enumerate", "zip"}


def _iterates_or_counts(func: ast.expr, shadowed: frozenset) -> bool:
    return isinstance(func, ast.Name) and func.id in (COUNTING_BUILTINS | ITERATING_BUILTINS) - shadowed


def _bare_enum(node: ast.expr, enums: set[str], methods: dict, shadowed: frozenset) -> bool:
    """Whether ``node`` is itself an enum name (``enum.Enum``, ``E``, ``getattr(enum, "Enum")``), not a value
    that only contains or uses one: given to ``functools.partial``, ``map`` or ``operator.call`` it is called
    with a name and members that the call's own arguments do not show (ch33)."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return (isinstance(node, (ast.Name, ast.Attribute)) or _getattr_of(node, enums)) \
        and _mentions_enum(node, enums, methods, shadowed)


def _enum_methods(tree: ast.Module, enums: set[str]) -> dict[str, tuple[set[str], set[str]]]:
    """For each enum class the answer defines: the names its body binds by ``def`` and by nothing else (not
    also a member or an alias), methods of the answer's own whose code the rules read; and its members
    bound to a literal (``WARMUP = "warmup"``), instances of the class. A name the body binds a second time
    in any way (``for of in [staticmethod(enum.Enum)]``, ``from enum import Enum as WARMUP``, a ``with``'s
    or a walrus's target), or a def under a decorator other than Python's classmethod or staticmethod
    (``@wrap``, which may return anything), is neither: each made ``Phase.WARMUP.of("E", {...})`` an enum
    built from a dict that the rules passed, whose special methods ran in a real answers' process (ch33)."""
    methods = {}
    bindings = collections.Counter(_every_binding(tree))
    # enum.auto as the cell imports it, its name bound by that import alone (``import enum``, ``from enum
    # import auto``): ``TRAIN = enum.auto()`` is a member as ``TRAIN = "train"`` is (an honest
    # ``get_batch(Split.TRAIN)`` was refused as passing the enum class, and the names it bound with it, rt46)
    autos = {(a.asname or a.name, None if isinstance(n, ast.Import) else "auto") for n in _walk(tree)
             for a in getattr(n, "names", ()) if isinstance(n, ast.Import) and a.name == "enum"
             or isinstance(n, ast.ImportFrom) and n.module == "enum" and a.name == "auto"}
    autos = {(name, attr) for name, attr in autos if bindings[name] == 1}
    if any("_generate_next_value_" in text for node in _walk(tree)  # (what auto() gives, the class's own)
           for text in (getattr(node, "name", None), getattr(node, "id", None), getattr(node, "attr", None),
                        getattr(node, "arg", None), getattr(node, "value", None)) if isinstance(text, str)):
        autos = set()
    for node in _walk(tree):
        # (a class whose name is bound again, ``P = Q``, may be another class: its members are not known)
        if isinstance(node, ast.ClassDef) and node.name in enums and bindings[node.name] == 1:
            once = {name for name, count in collections.Counter(_class_scope_bindings(node)).items() if count == 1}
            defined = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                       and all(isinstance(d, ast.Name) and d.id in ("classmethod", "staticmethod")
                               and not bindings[d.id] for d in n.decorator_list)}
            members = {n.targets[0].id for n in node.body if isinstance(n, ast.Assign) and len(n.targets) == 1
                       and isinstance(n.targets[0], ast.Name) and (_literal(n.value) or _enum_auto(n.value, autos))}
            methods[node.name] = (defined & once, members & once, set(_class_scope_bindings(node)))
    return methods


def _enum_auto(node: ast.expr, autos: set[tuple[str, str | None]]) -> bool:
    """Whether ``node`` is ``enum.auto()`` or ``auto()`` with no arguments, through a name in ``autos``
    (``("enum", None)`` for the module, ``("auto", "auto")`` for the function imported from it)."""
    if not isinstance(node, ast.Call) or node.args or node.keywords:
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "auto" and isinstance(func.value, ast.Name):
        return (func.value.id, None) in autos
    return isinstance(func, ast.Name) and (func.id, "auto") in autos


def _class_scope_bindings(classdef: ast.ClassDef):
    """Every name a class's body binds in the class's own scope, once for each binding (a def's or a nested
    class's name, not what their bodies bind)."""
    todo = list(classdef.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
            todo += [*node.decorator_list, *(node.bases if isinstance(node, ast.ClassDef) else [])]
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        yield from _names_a_node_binds(node)
        todo += list(ast.iter_child_nodes(node))


def _mentions_enum(node: ast.AST, enums: set[str], methods: dict[str, tuple[set[str], set[str]]],
                   shadowed: frozenset = frozenset()) -> bool:
    """``_mentions(node, enums)``, but for the members of the answer's enum classes bound to a literal
    (``Axis.TIME``): a member is an instance, not the class, so ``T = x.shape[Axis.TIME]`` is a number, and
    ``torch.arange(1, T + 1).view(1, T, 1)`` no call of an enum class (refused so, rt33, 2026-12-06)."""
    todo = [node]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.attr in methods.get(node.value.id, (set(), set()))[1]:
            continue
        if isinstance(node, ast.Attribute) and _enum_member(node.value, methods) and not (
                node.attr in ("value", "name") and node.attr not in methods[node.value.value.id][2]):
            return True  # (a member's attribute is its class's: ``Phase.WARMUP.of``, ``of`` bound to enum.Enum)
        if isinstance(node, ast.Subscript):  # (what an index picks is in the container, not the index)
            todo.append(node.value)
            if _bare_enum(node.slice, enums, methods, shadowed):  # (a container of the answer's may give it back)
                return True
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in COUNTING_BUILTINS \
                and node.func.id not in shadowed:
            continue  # len(Gate) is a number (unless the answer binds the name itself)
        if isinstance(node, ast.Name) and node.id in enums or isinstance(node, ast.Attribute) and node.attr in enums \
                or _getattr_of(node, enums):
            return True
        todo.extend(ast.iter_child_nodes(node))
    return False


def _enum_member(node: ast.expr, methods: dict) -> bool:
    """Whether ``node`` is ``Phase.WARMUP``, a member of the answer's own enum bound to a literal."""
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
        and node.attr in methods.get(node.value.id, (set(), set()))[1]


def _every_binding(tree: ast.Module):
    """Every name the answer binds, once for each binding: a def, a class, an assignment's or a loop's target,
    an import, a parameter, an exception's or a pattern's name."""
    for node in _walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.arg):
            yield node.arg
        else:
            yield from _names_a_node_binds(node)


def _names_a_node_binds(node: ast.AST):
    """The names one node binds, other than a def's, a class's or a parameter's: an assignment's, a loop's or a
    del's target, an import, an exception's or a pattern's name, a global or nonlocal statement's."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        yield node.id
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        yield from ((a.asname or a.name).split(".")[0] for a in node.names)
    elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
        yield node.name
    elif isinstance(node, ast.MatchMapping) and node.rest:
        yield node.rest
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        yield from node.names


def _literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _own_enum_method(func: ast.expr, methods: dict[str, set[str]]) -> bool:
    """Whether ``func`` is ``Phase.of`` or ``Phase.WARMUP.of``: a method that the answer's enum class ``Phase``
    defines, called with arguments of its own, not the class called with a name and members (an honest
    ``Phase.of(it, cfg)`` classmethod was refused as the functional form, rt33, 2026-12-06)."""
    if not isinstance(func, ast.Attribute):
        return False
    root = func.value
    if isinstance(root, ast.Attribute) and isinstance(root.value, ast.Name) \
            and root.attr in methods.get(root.value.id, (set(), set()))[1]:
        root = root.value  # a member's method, Phase.WARMUP.of(...)
    return isinstance(root, ast.Name) and func.attr in methods.get(root.id, (set(), set()))[0]


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names or isinstance(n, ast.Attribute) and n.attr in names
               or _getattr_of(n, names) for n in _walk(node))


def _getattr_of(node: ast.AST, names: set[str]) -> bool:
    """Whether ``node`` is ``getattr(x, "Enum")``, an attribute of one of ``names`` read by a constant name
    (``getattr(enum, "Enum")("E", {...})`` passed the enum rules, ch33)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
        and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and node.args[1].value in names


def _annotation_strings(tree: ast.Module) -> list[str]:
    """The strings inside the answer's annotations (``x: "Tensor"``, ``-> Optional["Node"]``): Python
    keeps them as text, and ``typing.get_type_hints`` runs them as code."""
    return [node.value for annotation in _annotations(tree) for node in _walk(annotation)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _parses(node.value)]


def _parses(text: str) -> bool:
    """Whether ``text`` is Python (an annotation that is not, ``"the merged list"``, can never run)."""
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):  # (too deep: `problems` refuses the whole answer)
        return False
    return True


def _annotations(tree: ast.Module) -> list[ast.expr]:
    found = [node.annotation for node in _walk(tree) if isinstance(node, (ast.arg, ast.AnnAssign))]
    found += [node.returns for node in _walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return [annotation for annotation in found if annotation is not None]


# The longest answer cell the rules read. An honest one is a few kilobytes; reading is linear in the cell's
# size, but each cell is read several times before grading, in the batch's own process (a red team's cell of
# 32,000 classes, 3.8 MB, held every classmate's grading for minutes: 2026-12-04).
MAX_ANSWER_CHARS = 100_000


def _imports_future_annotations(tree: ast.Module) -> bool:
    """Whether the cell's top level imports ``annotations`` from ``__future__``."""
    return any(isinstance(n, ast.ImportFrom) and n.module == "__future__" and any(a.name == "annotations" for a in n.names)
               for n in tree.body)


def future_annotations(sources) -> bool:
    """Whether one of the answer cells ``sources`` imports ``annotations`` from ``__future__``. IPython compiles
    every cell after it with that import in force (its compiler, as ``codeop``'s, keeps a future statement),
    so a later cell's hints are text in the notebook, never evaluated: ``config: AttentionConfig`` in lesson
    03, which imports only ``ref``, ran there (rt42, 2026-12-06). Answer cells only, and those above the cell
    read: the graded notebook runs them, in order, and no cell of the student's own (nor the lesson's cells
    as the student changed them)."""
    for source in sources:
        try:
            if isinstance(source, str) and len(source) <= MAX_ANSWER_CHARS \
                    and _imports_future_annotations(ast.parse(source)):
                return True
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # (a magic; each refused by `problems`)
            continue
    return False


def answer_names(sources) -> frozenset[str]:
    """Every name the answer cells ``sources`` bind (those that parse, and are not refused as too long)."""
    found = set()
    for source in sources:
        if isinstance(source, str) and len(source) > MAX_ANSWER_CHARS:
            continue
        try:
            found |= _own_names(ast.parse(source if isinstance(source, str) else ""))
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # (each refused by `problems`)
            continue
    return frozenset(found)


def _may_be_torch(value: ast.AST, modules: set[str], parameters: set[str]) -> bool:
    """Whether ``value.lstm`` may be ``torch.lstm``: ``value`` is not a name of the function's own (a
    parameter such as ``model``, whose ``model.lstm`` is the lesson's LSTM layer, or ``self``) nor an
    attribute of one, but a module name, an alias, or any other expression (``[torch][0]``)."""
    root = _root(value) if isinstance(value, ast.Attribute) else value
    if not isinstance(root, ast.Name) or root.id == "torch":
        return True
    return root.id in modules and root.id not in parameters and root.id != "self"


def _shortcut(name: str, top_level: bool = False) -> str:
    """Why ``name`` is refused, and what to write instead. ``top_level``: used at the cell's top level, outside
    the answer's functions, as an answer's self-test that compares the function with ``nn.LSTM`` is (rt40: it was
    told to write "it" with tensor operations, which its function already did)."""
    if top_level:
        last = name.split(".")[-1]
        what = ("Hugging Face's own decoding loop" if last in HF_DECODERS else
                "Hugging Face's own version of the language-model loss"
                if last in ("loss_function", "ForCausalLMLoss", "LOSS_MAPPING") else
                "which hands the model to Hugging Face's code to run" if name.endswith(("to_hf", "from_hf")) else
                "PyTorch's own version of what the exercise asks you to write")
        return (f"uses `{name}`, {what}, at the cell's top level: it is refused anywhere in an answer cell, in a "
                f"try-out that compares your function with it too (such a try-out belongs in a cell of your own, "
                f"which the autograder does not run)")
    if name.split(".")[-1] in HF_DECODERS:
        return (f"uses `{name}`, Hugging Face's own decoding loop (write the loop yourself: the model's "
                f"logits at the last position, the next token, append, repeat)")
    if "lr_scheduler" in name.split(".") or name.split(".")[-1] == "SWALR":
        return (f"uses `{name}`, PyTorch's own version of what the exercise asks you to write, a learning-rate "
                f"schedule (write it yourself: in lr_at_step, a linear warm-up, then a cosine from the top rate "
                f"down to the floor, with math.cos; in a training loop, set the rate of every parameter group at "
                f"each iteration, `for group in optimizer.param_groups: group[\"lr\"] = lr_schedule(it)`)")
    if name.split(".")[-1] in ("loss_function", "ForCausalLMLoss", "LOSS_MAPPING"):
        return (f"uses `{name}`, Hugging Face's own version of the language-model loss (shift the logits and "
                f"the labels, then compute the cross-entropy yourself)")
    if name.endswith(("to_hf", "from_hf")):
        return (f"uses `{name}`, which hands the model to Hugging Face's code to run (compute the forward "
                f"pass yourself, from the model's parts)")
    last = name.split(".")[-1].lower()
    if any(word in last for word in ("lstm", "gru", "rnn")):
        tools = "matrix products, sigmoid, tanh"
    elif "attention" in last or "transformer" in last:
        tools = "matrix products, softmax, a mask"
    else:
        tools = "matrix products and elementwise operations"
    return (f"uses `{name}`, PyTorch's own version of what the exercise asks you to write (write it with "
            f"tensor operations: {tools})")


def _regex_names(tree: ast.Module) -> set[str]:
    """The names that are the ``re`` or ``regex`` module in this answer (``re.compile`` is a regular
    expression, not ``torch.compile``): imported as such, or the lesson's own ``re`` when the answer
    binds that name to nothing else."""
    imported = {a.asname or a.name for node in _walk(tree) if isinstance(node, ast.Import)
                for a in node.names if a.name in REGEX_MODULES}
    return (imported | REGEX_MODULES) - _own_names(tree, but_imports_of=REGEX_MODULES)


def _modules_allowed(but: set[str]) -> str:
    """The allowed modules, for a message: ``io (StringIO, BytesIO only)`` for the limited ones."""
    return ", ".join(f"{m} ({', '.join(sorted(LIMITED_MODULES[m]))} only)" if m in LIMITED_MODULES else m
                     for m in sorted(ALLOWED_MODULES - but))


def _binds(node: ast.AST, but_imports_of: set[str] = frozenset()) -> set[str]:
    """The names ``node`` itself binds: an assignment's target, a parameter, an import (but ``import m``
    of the modules ``but_imports_of``), a def or class, ``except … as`` and ``match`` captures."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return {node.id}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.arg):
        return {node.arg}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name.split(".")[0]) for a in node.names
                if not (isinstance(node, ast.Import) and a.name in but_imports_of)}
    if isinstance(node, (ast.MatchAs, ast.MatchStar, ast.ExceptHandler)) and node.name:
        return {node.name}
    if isinstance(node, ast.MatchMapping) and node.rest:
        return {node.rest}
    return set()


def _own_names(tree: ast.Module, but_imports_of: set[str] = frozenset()) -> set[str]:
    """Every name the answer binds anywhere."""
    return {name for node in _walk(tree) for name in _binds(node, but_imports_of)}


# Decorators after which a method's ``self`` is still an instance of its class (``staticmethod``, or a
# decorator of the answer's own, would make it whatever the caller passes).
INSTANCE_DECORATORS = {"property", "cached_property", "functools.cached_property", "torch.no_grad()",
                       "torch.inference_mode()", "torch.enable_grad()", "functools.cache", "cache",
                       "functools.lru_cache", "lru_cache", "functools.lru_cache()", "lru_cache()",
                       "abstractmethod", "abc.abstractmethod"}


# Where a decorator's bare name may come from: an import of it under its own name, from this module
TRUSTED_IMPORTS = {"functools": {"cache", "lru_cache", "cached_property"}, "abc": {"abstractmethod"}}
TRUSTED_MODULES = {"functools", "abc", "torch"}


@functools.lru_cache(maxsize=16)  # asked once per use of ``self``: the answer's tree is walked once
def _rebound(tree: ast.Module) -> frozenset[str]:
    """The names the answer binds other than by importing a trusted decorator or module under its own
    name: ``cache = staticmethod``, ``from functools import partial as cache``, ``property = ...``,
    ``import torch as functools``. A decorator whose name is one of these is the answer's, not Python's."""
    found = set()
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.asname or a.name.split(".")[0] for a in node.names
                      if not (a.asname in (None, a.name) and a.name in TRUSTED_MODULES)}
        elif isinstance(node, ast.ImportFrom):
            found |= {a.asname or a.name for a in node.names
                      if not (a.asname in (None, a.name) and a.name in TRUSTED_IMPORTS.get(node.module or "", ()))}
        else:
            found |= _binds(node)
    return frozenset(found)


def _instance_decorators(decorators: list[ast.expr], cls: ast.ClassDef | None = None,
                         rebound: set[str] = frozenset()) -> bool:
    """Whether a method with these decorators still gets an instance as ``self``: each is one of
    INSTANCE_DECORATORS whose name the answer never binds itself (``cache = staticmethod`` then
    ``@cache`` made ``self`` anything, 2026-12-01, twice), or a property's ``@n.setter`` where ``n`` is
    a ``@property`` of the same class and nothing else in its body."""
    for d in decorators:
        if isinstance(d, ast.Attribute) and d.attr in ("setter", "getter", "deleter") and isinstance(d.value, ast.Name):
            same = [] if cls is None else [item for item in cls.body if d.value.id in _binds(item)]
            if not same or "property" in rebound or not all(
                    isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) for item in same) or not any(
                    any(ast.unparse(x) == "property" for x in item.decorator_list) for item in same):
                return False
            continue
        root = _root(d.func if isinstance(d, ast.Call) else d)
        text = ast.unparse(d)
        # ``lru_cache(maxsize=None)``, ``lru_cache(128, typed=True)``: sizes and flags as literals (a callable
        # there is the function it caches: ``lru_cache(staticmethod)`` would make ``self`` anything)
        if isinstance(d, ast.Call) and ast.unparse(d.func) in ("lru_cache", "functools.lru_cache") \
                and all(isinstance(a, ast.Constant) and (a.value is None or type(a.value) in (int, bool))
                        for a in d.args + [k.value for k in d.keywords]) \
                and all(k.arg in ("maxsize", "typed") for k in d.keywords) and len(d.args) <= 2:
            text = f"{ast.unparse(d.func)}()"
        if text not in INSTANCE_DECORATORS or not isinstance(root, ast.Name) or root.id in rebound:
            return False
    return True


def _in_method(name: ast.Name, parents: dict) -> bool:
    """Whether ``name`` (a use of ``self``) is inside a method whose first parameter is ``self``: a
    function defined directly in a class body, plain or with decorators that keep ``self`` an instance
    (``property``, ``torch.no_grad()``; not ``staticmethod``, nor a decorator the answer made). Inside it,
    a lambda or nested function without a ``self`` of its own reads the method's (``key=lambda p:
    self._ranks[p]``)."""
    node = name
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            extra = [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
            if isinstance(node, ast.Lambda) or not isinstance(parents.get(node), ast.ClassDef):
                if any(a.arg == "self" for a in args + extra):
                    return False  # a self of its own: whatever its caller passes
                continue
            tree = node
            while tree in parents:
                tree = parents[tree]
            return (_instance_decorators(node.decorator_list, parents[node], _rebound(tree))
                    and bool(node.args.posonlyargs + node.args.args)
                    and (node.args.posonlyargs + node.args.args)[0].arg == "self")
    return False


def _class_attributes(tree: ast.Module) -> dict[str, set[str]]:
    """Per class of the answer, what may be read from the class itself: the names its body assigns
    (constants, enum members) and its class and static methods. Not a method that takes an instance,
    nor anything inherited: ``Class.method(obj)`` would pass anything as ``self``."""
    found = {}
    for node in _walk(tree):
        if isinstance(node, ast.ClassDef):
            names = found.setdefault(node.name, set())
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if any(ast.unparse(d) in ("staticmethod", "classmethod") for d in item.decorator_list):
                        names.add(item.name)
                elif isinstance(item, (ast.Assign, ast.AnnAssign)):
                    # but not another name for a method (``alias = method``)
                    methods = {f.name for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
                    if item.value is not None and any(isinstance(n, ast.Name) and n.id in methods
                                                      for n in _walk(item.value)):
                        continue
                    targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                    names.update(n.id for t in targets for n in _walk(t) if isinstance(n, ast.Name))
    classes = _in_source_order(node for node in _walk(tree) if isinstance(node, ast.ClassDef))
    autograd = _autograd_classes(tree)
    # (but not where a class of the answer's binds ``apply`` itself: ``Sigmoid.apply(torch)`` would pass torch
    # as ``self`` to a method of its own)
    own_apply = any("apply" in _binds(part) for node in classes for item in node.body
                    for part in ([item] if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                                 else _walk(item)))
    for node in classes:  # ``Sigmoid.apply(z)``: how torch says to call an autograd Function of one's own
        if not own_apply and id(node) in autograd:
            found[node.name].add("apply")
    bases = [(node.name, [b.id for b in node.bases if isinstance(b, ast.Name)]) for node in classes]
    for _ in range(INHERITANCE_PASSES):  # and what they inherit from the answer's other classes (``Sub.SKIP``)
        for name, parents in bases:
            for parent in parents:
                found[name] |= found.get(parent, set())
    for node in classes:  # but never a method a class writes itself, which would take anything as ``self``
        found[node.name] -= {item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                             and not any(ast.unparse(d) in ("staticmethod", "classmethod") for d in item.decorator_list)}
    return found


CONTEXT_METHODS = ("forward", "setup_context", "backward", "vjp", "jvp")


def _autograd_context(node: ast.Attribute, parents: dict, tree: ast.Module, autograd: set[int]) -> bool:
    """Whether ``node`` (an attribute being set) is ``ctx.name``, a public name, where ``ctx`` is the first
    parameter, never bound again, of the static ``forward``/``setup_context``/``backward`` directly around it,
    in a class whose base is ``torch.autograd.Function`` (``autograd``: ``_autograd_classes``)."""
    if not isinstance(node.value, ast.Name) or node.attr.startswith("_") or node.attr in REFUSED_ATTRIBUTES:
        return False
    function = _enclosing_function(node.value, parents)
    owner = parents.get(function)
    if not isinstance(function, ast.FunctionDef) or function.name not in CONTEXT_METHODS \
            or not isinstance(owner, ast.ClassDef) or [ast.unparse(d) for d in function.decorator_list] != ["staticmethod"]:
        return False
    first = (function.args.posonlyargs + function.args.args)[:1]
    return bool(first) and first[0].arg == node.value.id and id(owner) in autograd \
        and node.value.id not in _bound_in_body(function)


def _bound_in_body(function: ast.FunctionDef) -> frozenset[str]:
    """The names ``function``'s body binds anywhere in it (kept on the node: asked once for each ``ctx.x = ...``)."""
    known = getattr(function, "_bound_in_body", None)
    if known is None:
        known = function._bound_in_body = frozenset(
            n for item in function.body for part in _walk(item) for n in _binds(part))
    return known


def _autograd_classes(tree: ast.Module) -> set[int]:
    """The ids of the class statements whose base is ``torch.autograd.Function`` under a name of
    ``_autograd_function_names`` that an import bound, before the class statement, in the very scope the class
    statement runs in (the cell's top level, or the function around both) and directly in its body. An import
    after the class, or in another scope, leaves the name as another answer cell or the lesson bound it when the
    class statement runs (``class Q(ag.Function)`` then ``import torch.autograd as ag``: another cell's
    ``ag.Function`` whose plain ``apply`` the rules took for torch's classmethod; ch39, 2026-12-06)."""
    functions, scopes = _autograd_function_names(tree), _scopes(tree)
    return {id(node) for node in _walk(tree) if isinstance(node, ast.ClassDef) and any(
        line < node.lineno for b in node.bases
        for place, line in functions.get(ast.unparse(b), {}).items() if place in (None, id(scopes[id(node)])))}


def _scopes(tree: ast.Module) -> dict[int, ast.AST]:
    """By id, the scope whose names each node below ``tree`` reads: the module, a function, a class body."""
    found, todo = {}, [(tree, tree)]
    while todo:
        node, scope = todo.pop()
        for child in ast.iter_child_nodes(node):
            found[id(child)] = scope
            todo.append((child, child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                                            ast.ClassDef)) else scope))
    return found


def _autograd_function_names(tree: ast.Module) -> dict[str, dict[int | None, int]]:
    """How the answer names ``torch.autograd.Function``: so (``torch`` not bound again), or as ``from
    torch.autograd import Function`` binds it (and nothing else binds that name). Its ``apply`` is torch's
    classmethod that runs the class's own static ``forward`` and ``backward``, which the rules read like any
    other function of the answer, never a method with an instance of anything as ``self``: an honest
    lstm_cell, sequence_loss and cross_attention with a hand-written backward were refused as taking a method
    "from the class itself" (rt34, rt35, 2026-12-06). For each name, the scopes (by id; None: any) whose body
    binds it by an import statement of its own, and the first such line (``_autograd_classes``)."""
    names, modules, bound = {"torch.autograd.Function": {None: 0}}, {}, []
    scopes = _scopes(tree)
    direct = {id(statement) for scope in _walk(tree)  # (not an import in an ``if`` or a ``try``: it may not run)
              if isinstance(scope, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
              for statement in scope.body}

    def place(node, found, name):
        if id(node) in direct:
            found.setdefault(name, {}).setdefault(id(scopes[id(node)]), node.lineno)
    for node in _walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "torch.autograd" and node.level == 0:
            for a in node.names:
                if a.name == "Function":
                    place(node, names, a.asname or a.name)
                else:
                    bound.append(a.asname or a.name)
        elif isinstance(node, ast.ImportFrom) and node.module == "torch" and node.level == 0:
            for a in node.names:  # ``from torch import autograd`` then ``autograd.Function`` (ch37, 2026-12-06)
                if a.name == "autograd":
                    place(node, modules, a.asname or a.name)
                else:
                    bound.append(a.asname or a.name)
        elif isinstance(node, ast.Import) and any(a.name == "torch.autograd" and a.asname for a in node.names):
            for a in node.names:  # ``import torch.autograd as ag``
                if a.name == "torch.autograd" and a.asname:
                    place(node, modules, a.asname)
                else:
                    bound.append(a.asname or a.name.split(".")[0])
        else:
            bound += _binds(node)
    dotted_ok = "torch" not in _rebound(tree)
    return {name: where for name, where in names.items()
            if ("." in name and dotted_ok) or ("." not in name and name not in bound)} | \
        {f"{module}.Function": where for module, where in modules.items() if module not in bound}


# A base class comes before its subclasses in the source (it must exist when the class statement runs),
# so one pass in source order passes every inherited name down; a second covers a base bound again later.
# Not one pass per class: a red team's answer cell of 32,000 small classes held the batch's preflight for
# 329 s before any notebook was graded (2026-12-04).
INHERITANCE_PASSES = 2


def _in_source_order(nodes) -> list:
    return sorted(nodes, key=lambda node: (node.lineno, node.col_offset))


# Decorators after which a method's name in its class body is not the plain function (so not a function
# that takes anything as ``self``): a property, a class or a static method
NOT_PLAIN_METHODS = {"property", "staticmethod", "classmethod"}


def _methods_taken_in_class_bodies(tree: ast.Module) -> list[str]:
    """A method, read as the plain function it is in its class body (``as_static = staticmethod(look)``,
    ``def m(self, f=look)``, ``partial(look, x)``), then gets whatever it is called with as ``self``: a red
    team's ``staticmethod(look)`` read ``self.sys`` of ``dataclasses`` through a method whose class sets
    ``self.sys`` (2026-12-03). Allowed there: another name for it, ``alias = method``, which stays a method,
    and a property made of methods, ``x = property(get_x)``, whose functions get an instance."""
    found = []
    for cls in [n for n in _walk(tree) if isinstance(n, ast.ClassDef)]:
        methods = {item.name for item in cls.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                   and not any(ast.unparse(d) in NOT_PLAIN_METHODS or isinstance(d, ast.Attribute)
                               and d.attr in ("setter", "getter", "deleter") for d in item.decorator_list)}
        evaluated = []  # what runs in the class body itself (not in its methods' bodies, nor a nested class)
        for item in cls.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                evaluated += [*item.decorator_list, *item.args.defaults, *[d for d in item.args.kw_defaults if d]]
            elif isinstance(item, ast.Assign) and isinstance(item.value, ast.Name) and item.value.id in methods:
                evaluated += item.targets  # ``alias = method``
            elif isinstance(item, ast.Assign) and isinstance(item.value, ast.Call) \
                    and isinstance(item.value.func, ast.Name) and item.value.func.id == "property" \
                    and "property" not in _rebound(tree) \
                    and all(isinstance(a, ast.Name) or isinstance(a, ast.Constant) and isinstance(a.value, (str, type(None)))
                            for a in [*item.value.args, *(k.value for k in item.value.keywords)]):
                evaluated += item.targets  # ``factor = property(_get_factor, _set_factor)``: an instance's
            elif not isinstance(item, ast.ClassDef):
                evaluated.append(item)
        for node in evaluated:
            for name in _walk(node):
                if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Load) and name.id in methods:
                    found.append(f"takes the method `{name.id}` of class {cls.name} as a plain function in the class "
                                 f"body (as `staticmethod({name.id})` would, whose `self` is then whatever it is given); "
                                 f"call it on an instance, `self.{name.id}(...)`")
    return found


def _main_guard(tree: ast.Module) -> set[ast.AST]:
    """The nodes of ``__name__ == "__main__"`` comparisons (a script's guard around its own tries: it is
    False in a notebook's kernel, and reads nothing but a string)."""
    found = set()
    for node in _walk(tree):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            sides = [node.left, node.comparators[0]]
            if any(isinstance(n, ast.Name) and n.id == "__name__" and isinstance(n.ctx, ast.Load) for n in sides) \
                    and any(isinstance(n, ast.Constant) and n.value == "__main__" for n in sides):
                found.update(sides)
    return found


ANNOTATION_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.List, ast.Constant, ast.BinOp,
                    ast.BitOr, ast.Load)


def _configuration(name: ast.Name, parents: dict) -> ast.expr | None:
    """The course's configuration class that ``name`` names: itself (``TrainConfig``), or, for the lesson's
    module, its attribute (``ref.AttentionConfig``, as the lesson's own cells write it: an honest hint
    ``config: "ref.AttentionConfig"`` was refused as naming something else than a configuration, rt30)."""
    if _config_class(name.id):
        return name
    parent = parents.get(name)
    if isinstance(parent, ast.Attribute) and parent.value is name and _config_class(parent.attr) \
            and not isinstance(parents.get(parent), ast.Attribute):
        return parent
    return None


def _names_in_plain_annotations(tree: ast.Module) -> set[ast.AST]:
    """The names in annotations made of names, dotted names, subscripts and ``|`` only (``cfg:
    TrainConfig``, ``-> list[str] | None``): evaluated, such an annotation only reads them. Of the course's
    names, only its configuration classes may stand there (``problems``): an annotation can be read back
    as an object (``get_type_hints`` is refused, but ``functools.singledispatch`` registers a function
    under its parameter's annotation, and a dataclass field keeps its type), and a configuration is the
    one course object that does no exercise's work."""
    found = set()
    for annotation in _annotations(tree):
        nodes = list(_walk(annotation))
        if all(isinstance(n, ANNOTATION_NODES) for n in nodes):
            found.update(n for n in nodes if isinstance(n, ast.Name))
    return found


def _plain_attribute(name: str) -> bool:
    """Whether ``x.<name>`` would pass the rules on any object (no private, special, refused or module name)."""
    return (name.isidentifier() and not name.startswith("_") and not name.startswith(FRAME_PREFIXES)
            and name not in REFUSED_ATTRIBUTES and name not in REACHED_MODULES and name not in SHORTCUTS
            and name not in TORCH_SHORTCUTS and not name.startswith("register_") and name not in ("format", "format_map"))


def _literal_getattr(call: ast.AST, classes: set[str]) -> bool:
    """``getattr(obj, "name")``, ``getattr(obj, "name", default)`` or ``hasattr(obj, "name")`` with a
    name that ``obj.name`` could read (not on one of the answer's classes: ``Class.method`` is refused)."""
    return (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in ("getattr", "hasattr")
            and not call.keywords and len(call.args) in ((2, 3) if call.func.id == "getattr" else (2,))
            and isinstance(call.args[1], ast.Constant) and isinstance(call.args[1].value, str)
            and _plain_attribute(call.args[1].value)
            and not (isinstance(call.args[0], ast.Name) and call.args[0].id in classes)
            and not any(isinstance(a, ast.Starred) for a in call.args))


# Names that ``x.<name>`` refuses on any object, or begins with (``register_``, ``f_``...): what a
# computed name on ``self`` must not be able to spell (see ``_safe_prefix``)
def _refused_names() -> set[str]:
    return (REFUSED_ATTRIBUTES | REACHED_MODULES | SHORTCUTS | TORCH_SHORTCUTS | {"format", "format_map", "register_"}
            | set(FRAME_PREFIXES))


def _safe_prefix(prefix: str) -> bool:
    """Whether every name that starts with ``prefix`` would pass as ``self.<name>``: it is a plain
    name's start (``layer`` of ``f"layer{i}"``), and no refused name or prefix begins as it does (not
    ``s``, which could spell ``sys``)."""
    return (prefix.isidentifier() and not prefix.startswith("_")
            and not any(name.startswith(prefix) or prefix.startswith(name) for name in _refused_names()))


def _name_prefix(node: ast.AST) -> str | None:
    """The text a string expression surely begins with: a literal's whole text, an f-string's first
    literal part (``f"layer{i}"``), ``"layer" + str(i)``'s left side; None when it begins computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return node.values[0].value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _name_prefix(node.left)
    return None


def _own_attribute_by_name(call: ast.AST, parents: dict) -> bool:
    """``setattr(self, f"layer{i}", nn.Linear(...))``, ``getattr(self, f"layer{i}")``, ``hasattr``: an
    attribute of the answer's own instance (``self`` in its own plain method, as ``self.x = ...``
    needs), by a name that surely begins as a plain name that no refused name begins with: whatever
    the rest, ``self.<name>`` would pass the rules. (A name that begins computed could spell
    ``__class__`` or a module's name.)"""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and not call.keywords
            and not any(isinstance(a, ast.Starred) for a in call.args)):
        return False
    arity = {"setattr": (3,), "getattr": (2, 3), "hasattr": (2,)}.get(call.func.id, ())
    if len(call.args) not in arity or not (isinstance(call.args[0], ast.Name) and call.args[0].id == "self"
                                           and _in_method(call.args[0], parents)):
        return False
    name = call.args[1]
    if isinstance(name, ast.Name):  # ``for name in ("c_attn", "c_proj"): setattr(self, name, ...)``
        values = _literal_loop_values(name, parents)
        return values is not None and all(_plain_attribute(v) for v in values)
    prefix = _name_prefix(name)
    if isinstance(name, ast.Constant):
        return prefix is not None and _plain_attribute(prefix)
    if prefix is not None and _safe_prefix(prefix):
        return True
    # setattr only: a name that surely ends in a literal not ending with ``_`` (``f"{kind}_dropout"``)
    # is no special attribute; set on the answer's own instance, it changes nothing of anyone else's
    suffix = name.values[-1] if isinstance(name, ast.JoinedStr) and name.values else \
        name.right if isinstance(name, ast.BinOp) and isinstance(name.op, ast.Add) else None
    return (call.func.id == "setattr" and isinstance(suffix, ast.Constant) and isinstance(suffix.value, str)
            and suffix.value != "" and not suffix.value.endswith("_"))


def _literal_loop_values(name: ast.Name, parents: dict) -> list[str] | None:
    """The strings a loop variable of the enclosing function takes, when a ``for`` over a literal tuple
    or list of strings (or of tuples, unpacked: ``for name, size in (("c_attn", 3), ("c_proj", 1))``) is
    all that binds it there; else None."""
    scope = parents.get(name)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        scope = parents.get(scope)
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    args = scope.args
    if name.id in set(_parameters(args)) or any(isinstance(node, (ast.Nonlocal, ast.Global)) and name.id in node.names
                                                for node in _walk(scope)):
        return None  # (a variable of an enclosing function: what binds it there is not read here)
    values = []
    for node in _walk(scope):
        if node is not name and name.id in _binds(node):
            loop = parents.get(node)
            if isinstance(loop, ast.Tuple):  # a name in an unpacked target
                where, loop = loop.elts.index(node), parents.get(loop)
            else:
                where = None
            if not (isinstance(loop, ast.For) and (node is loop.target or parents.get(node) is loop.target)
                    and isinstance(loop.iter, (ast.Tuple, ast.List))):
                return None
            for item in loop.iter.elts:
                if where is not None:
                    if not (isinstance(item, ast.Tuple) and len(item.elts) == len(loop.target.elts)):
                        return None
                    item = item.elts[where]
                if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
                    return None
                values.append(item.value)
    return values or None


MODULE_BASES = {"nn.Module", "torch.nn.Module", "Module"}  # (nn.Module keeps a module's parts in its own tables)


def _torch_module_base(base: ast.expr, cls: ast.ClassDef, tree: ast.Module, lesson: Lesson) -> bool:
    """Whether the base ``base`` of ``cls`` is torch's nn.Module as written (``nn.Module``, ``torch.nn.Module``,
    ``Module``): its first name is the lesson's import, or the cell's own import from torch before the class
    statement, and bound nowhere else in the cell. ``from warnings import catch_warnings as Module`` made a class
    ``C(Module)`` count what its methods set on self as its own, ``self._module`` too, which catch_warnings' own
    ``__init__`` sets (the answers' process refused the read as it ran; ch32, 2026-12-06)."""
    root = _root(base)
    if ast.unparse(base) not in MODULE_BASES or not isinstance(root, ast.Name):
        return False
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)) and root.id in _binds(n)]
    if any(root.id in _binds(n) for n in _walk(tree) if n not in imports) \
            or any(isinstance(n, (ast.Global, ast.Nonlocal)) and root.id in n.names for n in _walk(tree)):
        return False
    if not imports:
        return root.id in (lesson.defined or ()) and root.id != "Module"
    from_torch = all(
        all(a.name.split(".")[0] == "torch" for a in n.names if (a.asname or a.name.split(".")[0]) == root.id)
        if isinstance(n, ast.Import) else (n.module or "").split(".")[0] == "torch" and not n.level
        for n in imports)
    return from_torch and all(n.lineno < cls.lineno for n in imports)


def _own_instance_attributes(tree: ast.Module, class_attributes: dict[str, set[str]],
                             lesson: Lesson | None = None) -> dict[ast.AST, set[str]]:
    """Per class of the answer (its node): the attributes its own code gives an instance: the names its
    body defines (methods, constants; inherited from its other classes too) and those its methods assign
    on ``self``. ``self._attend(...)`` or ``self.queue`` read one of these: the answer's own."""
    found = {}
    classes = [node for node in _walk(tree) if isinstance(node, ast.ClassDef)]
    own = {node.name for node in classes}
    for node in classes:
        names = set(class_attributes.get(node.name, set()))
        names |= {item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
        # What its methods assign on ``self`` counts only where no library class but nn.Module is among its
        # bases: a library base's own attribute of that name (a property, or one read before the method that
        # sets it runs) is what ``self.x`` reads, and a red team's ndarray subclass "set" ``self.ctypes`` in a
        # method it never called to read numpy's ctypes helper (2026-12-03). Names its body defines come first.
        if all(isinstance(b, ast.Name) and b.id in own or (ast.unparse(b) in MODULE_BASES if lesson is None
                                                            else _torch_module_base(b, node, tree, lesson))
               for b in node.bases):
            for item in _walk(node):
                if isinstance(item, ast.Attribute) and isinstance(item.ctx, ast.Store) \
                        and isinstance(item.value, ast.Name) and item.value.id == "self":
                    names.add(item.attr)
                # nn.Module's registering methods set one too, by a written-out name
                # (``self.register_buffer("_mask", ...)``, then ``self._mask``)
                elif isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute) \
                        and item.func.attr in SELF_REGISTERS and isinstance(item.func.value, ast.Name) \
                        and item.func.value.id == "self" and item.args and isinstance(item.args[0], ast.Constant) \
                        and isinstance(item.args[0].value, str) and item.args[0].value.isidentifier():
                    names.add(item.args[0].value)
        found[node] = names
    by_name = {node.name: node for node in found}
    for _ in range(INHERITANCE_PASSES):  # and what its own base classes give (``self._adjacent`` of a base)
        for node in _in_source_order(found):
            for base in node.bases:
                if isinstance(base, ast.Name) and base.id in by_name:
                    found[node] |= found[by_name[base.id]]
    return found


def _answer_class(name: str, tree: ast.Module, lesson: Lesson, others: frozenset[str] | None,
                  before: int | None = None) -> ast.ClassDef | None:
    """The answer's own top-level class ``name``, when ``name(...)`` can make nothing but an instance
    of it: the answer binds ``name`` once (the class), no other answer cell (``others`` known) nor the
    lesson binds it (neither could rebind it after this cell ran); its bases are ``object`` or such
    classes defined before it, and its decorators are ``dataclass`` or ``functools.total_ordering``
    imported earlier in the cell (which return the class)."""
    if others is None or name in others or name in lesson.names | lesson.test_names | lesson.course_names \
            or name in (lesson.defined or ()) or sum(name in _binds(n) for n in _walk(tree)) != 1:
        return None
    found = [(i, n) for i, n in enumerate(tree.body) if isinstance(n, ast.ClassDef) and n.name == name]
    if not found or (before is not None and found[0][0] >= before) or found[0][1].keywords:
        return None
    at, cls = found[0]
    for base in cls.bases:
        if not (isinstance(base, ast.Name) and (base.id == "object" and "object" not in others | (lesson.defined or set()) and not any(
                "object" in _binds(n) for n in _walk(tree)) or _answer_class(base.id, tree, lesson, others, at))):
            return None
    for decorator in cls.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        text, root = ast.unparse(target), _root(target)
        module = {"dataclass": "dataclasses", "dataclasses.dataclass": "dataclasses",
                  "total_ordering": "functools", "functools.total_ordering": "functools"}.get(text)
        imports = [(i, n) for i, n in enumerate(tree.body) if isinstance(n, (ast.Import, ast.ImportFrom))
                   and any((a.asname or a.name) == root.id and a.name == text.split(".")[0] for a in n.names)
                   and (isinstance(n, ast.Import) or n.module == module and not n.level)]
        if module is None or not imports or imports[0][0] >= at \
                or sum(root.id in _binds(n) for n in _walk(tree)) != 1:
            return None
    return cls


def _own_class_private(node: ast.Attribute, tree: ast.Module, lesson: Lesson, others: frozenset[str] | None,
                       class_attributes: dict[str, set[str]], instance_attributes: dict[ast.AST, set[str]]) -> bool:
    """Whether ``node`` reads a private name that the answer's own class gives: from the class by its name, a
    constant, staticmethod or classmethod of its body (``Gates._split(z)``), as ``Gates.split(z)`` may; from an
    instance made right there, a name it gives its instances (``Filter()._kth(x)``), as ``f = Filter()`` then
    ``f._kth(x)`` may. An honest class with a private static helper lost its exercise (rt37, 2026-12-06)."""
    value = node.value
    if isinstance(value, ast.Name):
        return node.attr in class_attributes.get(value.id, set()) \
            and _answer_class(value.id, tree, lesson, others) is not None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        cls = _answer_class(value.func.id, tree, lesson, others)
        return cls is not None and node.attr in instance_attributes.get(cls, set())
    return False


def _own_instance(name: ast.Name, parents: dict, tree: ast.Module, lesson: Lesson,
                  others: frozenset[str] | None) -> ast.ClassDef | None:
    """The answer's class of which ``name`` surely holds an instance: a local variable of a function
    (not a parameter, nor one declared ``nonlocal`` or ``global``) that nothing binds there but
    ``name = Cls(...)`` (also ``a = b = Cls(...)``, ``name: Cls = Cls(...)``) or, in the function itself,
    ``name = other``, ``other`` such a variable too (a linked list's ``tail = node``); one class
    ``Cls`` for all, an ``_answer_class``."""
    made = _makers(name, parents)
    if made is None or len(made) != 1:
        return None
    maker = made.pop()
    if "." in maker:
        owner, method = maker.split(".", 1)
        cls = _answer_class(owner, tree, lesson, others)
        return cls if cls is not None and _alternative_constructor(cls, method, tree, others) else None
    return _answer_class(maker, tree, lesson, others)


def _alternative_constructor(cls: ast.ClassDef, method: str, tree: ast.Module, others: frozenset[str]) -> bool:
    """Whether ``method`` of ``cls`` is a classmethod whose every ``return`` is ``cls(...)``, ``cls`` its first
    parameter and bound nowhere else in it (``classmethod`` the builtin): called on the class by its name, it makes an instance of that class
    (``codec = Codec.from_table(stoi)``, then ``codec.table = ...``: an honest char_encode lost its points, rt30)."""
    found = [f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == method]
    # and nothing else in the class's body binds that name (``make = staticmethod(lambda: torch)`` after the
    # def made ``Codec.make()`` torch itself, whose attributes the answer then set: ch30, 2026-12-06)
    if len(found) != 1 or sum(method in _binds(n) for n in _walk(cls)) != 1 \
            or [ast.unparse(d) for d in found[0].decorator_list] != ["classmethod"] \
            or "classmethod" in others or any("classmethod" in _binds(n) for n in _walk(tree)):
        return False
    function = found[0]
    params = function.args.posonlyargs + function.args.args
    if not params:
        return False
    first = params[0].arg
    returns = [n for n in _walk(function) if isinstance(n, ast.Return)]
    return bool(returns) and sum(first in _binds(n) for n in _walk(function)) == 1 and all(
        isinstance(r.value, ast.Call) and isinstance(r.value.func, ast.Name) and r.value.func.id == first
        for r in returns)


def _own_namespace(name: ast.Name, parents: dict, tree: ast.Module, lesson: Lesson,
                   others: frozenset[str] | None) -> bool:
    """Whether ``name`` surely holds a ``SimpleNamespace`` the function made (``state =
    SimpleNamespace(ids=[], position=0)``, then ``state.position += 1``: an honest char_encode lost its
    points, rt30), ``SimpleNamespace`` being the cell's import from ``types``, bound nowhere else."""
    made = _makers(name, parents)
    if made != {"SimpleNamespace"} or others is None or "SimpleNamespace" in others \
            or "SimpleNamespace" in lesson.names | (lesson.defined or set()) \
            or sum("SimpleNamespace" in _binds(n) for n in _walk(tree)) != 1:
        return False
    return any(isinstance(n, ast.ImportFrom) and n.module == "types" and not n.level
               and any(a.name == "SimpleNamespace" and a.asname is None for a in n.names) for n in tree.body)


def _makers(name: ast.Name, parents: dict) -> set[str] | None:
    """The names called to make what the local variable ``name`` holds (``_own_instance``), or None where
    something else may bind it."""
    below, child, scope = None, name, parents.get(name)
    while scope is not None and not (isinstance(scope, SCOPES) and _in_scope(below, child, scope)
                                     and name.id in _scope_names(scope)):
        below, child, scope = child, scope, parents.get(scope)
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    # what a read of the name gives depends on its scope only: kept on the scope's node, since the rules ask
    # once for every attribute a function sets (a cell of 1,000 ``b.kN = 1`` lines held them 42 s; ch39)
    known = scope.__dict__.setdefault("_makers", {})
    if isinstance(name.ctx, ast.Load):
        if name.id not in known:
            known[name.id] = _makers_in(name, scope, parents)
        return None if known[name.id] is None else set(known[name.id])  # (a copy: callers pop from it)
    return _makers_in(name, scope, parents)


def _makers_in(name: ast.Name, scope: ast.AST, parents: dict) -> set[str] | None:
    local = _scope_names(scope) - set(_parameters(scope.args)) - {
        n for node in _walk(scope) if isinstance(node, (ast.Nonlocal, ast.Global)) for n in node.names}
    made: set[str] = set()
    todo, seen = [name.id], set()
    while todo:  # every variable whose value can flow into ``name``, and what makes it
        ident = todo.pop()
        if ident in seen:
            continue
        seen.add(ident)
        if ident not in local:
            return None
        for node in _walk(scope):
            if node is name or ident not in _binds(node):
                continue
            assign, value = parents.get(node), None
            if isinstance(assign, ast.Assign) and node in assign.targets and all(isinstance(t, ast.Name) for t in assign.targets) \
                    or isinstance(assign, ast.AnnAssign) and assign.target is node:
                value = assign.value
            elif isinstance(assign, (ast.Tuple, ast.List)) and isinstance(parents.get(assign), ast.Assign):
                # ``c, out = Cursor(ids), []``: one name of a tuple written out on both sides, each name its
                # own value (a red team's honest answer lost its points without this, 2026-12-04)
                statement = parents[assign]
                if statement.targets == [assign] and isinstance(statement.value, (ast.Tuple, ast.List)) \
                        and len(statement.value.elts) == len(assign.elts) and not any(
                            isinstance(e, ast.Starred) for e in assign.elts + statement.value.elts):
                    value = statement.value.elts[next(i for i, e in enumerate(assign.elts) if e is node)]
                    assign = statement
            if not isinstance(node, ast.Name) or value is None:
                return None
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
                made.add(value.func.id)
            elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                    and isinstance(value.func.value, ast.Name):  # ``Codec.from_table(stoi)`` (``_own_instance``)
                made.add(f"{value.func.value.id}.{value.func.attr}")
            elif isinstance(value, ast.Constant) and value.value is None:
                pass  # a linked list's ``head = tail = None`` before its first node: None has no attribute to set
            elif isinstance(value, ast.Name) and _enclosing_function(assign, parents) is scope:
                todo.append(value.id)
            else:
                return None
    return made


def _enclosing_function(node: ast.AST, parents: dict) -> ast.AST | None:
    """The innermost function, lambda, class or comprehension around ``node``."""
    node = parents.get(node)
    while node is not None and not isinstance(node, SCOPES + (ast.Lambda, ast.ClassDef)):
        node = parents.get(node)
    return node


def _guarded_instance(name: ast.Name, parents: dict, tree: ast.Module, lesson: Lesson,
                      others: frozenset[str] | None) -> ast.ClassDef | None:
    """The answer's class of which ``name`` surely holds an instance: a parameter of a method of that
    class, rebound nowhere in it, used after a first-level ``if not isinstance(other, Cls): return ...``
    (or ``raise``) in the method's body, ``Cls`` an ``_answer_class`` and ``isinstance`` Python's own.
    (Without the check, ``Node() < torch`` makes ``other`` torch, and ``other._C`` torch._C.)"""
    method = parents.get(name)
    while method is not None and not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        method = parents.get(method)
    if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or not isinstance(parents.get(method), ast.ClassDef) \
            or others is None or "isinstance" in others | (lesson.defined or set()) \
            or any("isinstance" in _binds(n) for n in _walk(tree)):
        return None
    args = method.args
    params = _parameters(args)
    if name.id not in params[1:] or params.count(name.id) != 1 \
            or any(name.id in _binds(n) for n in _walk(method) if not isinstance(n, ast.arguments | ast.arg)):
        return None
    statement = name
    while parents.get(statement) is not method:
        statement = parents[statement]
    if statement not in method.body:
        return None  # (a default or a decorator, read before the method runs)
    for guard in method.body[:method.body.index(statement)]:
        test = guard.test if isinstance(guard, ast.If) else None
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Call) \
                and isinstance(test.operand.func, ast.Name) and test.operand.func.id == "isinstance" \
                and not test.operand.keywords and len(test.operand.args) == 2 \
                and isinstance(test.operand.args[0], ast.Name) and test.operand.args[0].id == name.id \
                and isinstance(test.operand.args[1], ast.Name) and not guard.orelse \
                and len(guard.body) == 1 and isinstance(guard.body[0], (ast.Return, ast.Raise)):
            cls = _answer_class(test.operand.args[1].id, tree, lesson, others)
            if cls is not None and cls is parents[method]:
                return cls
    return None


def _private_of_another_cell(node: ast.Attribute, parents: dict, tree: ast.Module, others: frozenset[str] | None,
                             instance_attributes: dict) -> str:
    """Why a private name of what looks like the answer's own class was refused, where another answer cell is
    the cause, or "". The rules read each answer cell alone: ``self._split`` where ``_split`` comes from a base
    class that another answer cell defines (lesson 03's ``class CausalSelfAttention(MultiHead)``), and
    ``Gates._split(z)`` where another answer cell binds ``Gates`` too, were told only that ``_split`` is private
    to the object that has it, which the student's own ``self`` or class seemed to be (rt38, 2026-12-06)."""
    cls = _enclosing_class(node, parents)
    if isinstance(node.value, ast.Name) and node.value.id == "self" and cls is not None \
            and node.attr not in instance_attributes.get(cls, set()):
        outside = [ast.unparse(b) for b in cls.bases if isinstance(b, ast.Name) and b.id not in {
            n.name for n in _walk(tree) if isinstance(n, ast.ClassDef)} and others is not None and b.id in others]
        if outside:
            return (f"; `{node.attr}` is not set by `{cls.name}` in this cell: each answer cell's rules read that "
                    f"cell alone, so what `{outside[0]}`, a class of another answer cell, gives is not known here: "
                    f"define `{outside[0]}` in this answer cell too, or give `{node.attr}` a name without the leading _")
    value = node.value.func if isinstance(node.value, ast.Call) else node.value
    if isinstance(value, ast.Name) and others is not None and value.id in others \
            and any(isinstance(n, ast.ClassDef) and n.name == value.id for n in tree.body):
        return (f"; `{value.id}` is this cell's own class, but another answer cell binds `{value.id}` too, and the "
                f"private names of a class are allowed only where no other cell could make its name something else: "
                f"give one of them another name")
    if isinstance(value, ast.Name) and others is not None and value.id in others and value.id not in _own_names(tree):
        return (f"; `{value.id}` comes from another answer cell, and each answer cell's rules read that cell alone: "
                f"give `{node.attr}` a name without the leading _ there, or define what you need in this answer cell")
    return ""


def _enclosing_class(node: ast.AST, parents: dict) -> ast.ClassDef | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.ClassDef):
            return node
    return None


def _plain_template(node: ast.AST) -> bool:
    """A string literal whose replacement fields name no attribute or item (``"{0.x}"``, ``"{0[k]}"``)."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(node.value) if f is not None]
    except ValueError:
        return False
    return not any("." in f or "[" in f for f in fields)


def _constant_template(node: ast.AST, tree: ast.Module, lesson: Lesson, others: frozenset[str] | None) -> bool:
    """A name bound once, at the cell's top level, to a plain template (``MESSAGE = "{!r} is unknown"``), and
    nowhere else: not again in the cell (in any scope), nor by another answer cell or the lesson (an honest
    module-level message was refused as a computed template, rt28)."""
    if not (isinstance(node, ast.Name) and _constant_template_name(node.id, tree, lesson, others, ast.Assign)):
        return False
    assignments = [s for s in tree.body if isinstance(s, ast.Assign) and len(s.targets) == 1
                   and isinstance(s.targets[0], ast.Name) and s.targets[0].id == node.id]
    return len(assignments) == 1 and _plain_template(assignments[0].value)


def _constant_template_name(name: str, tree: ast.Module, lesson: Lesson, others: frozenset[str] | None,
                            kind: type) -> bool:
    """Whether ``name`` is bound once in the cell, by a statement of ``kind`` at its top level (an assignment,
    or a class), and by no other answer cell nor the lesson."""
    if others is None or name in others or lesson.defined is None or name in lesson.defined \
            or name in lesson.names or _bindings(name, tree) != 1:
        return False
    return any(isinstance(s, kind) and (s.name == name if isinstance(s, ast.ClassDef) else
                                        any(isinstance(t, ast.Name) and t.id == name for t in s.targets))
               for s in tree.body)


def _bindings(name: str, tree: ast.Module) -> int:
    """How many times the cell binds ``name``, in any scope (a class body's names too)."""
    bindings = 0
    for other in _walk(tree):
        if isinstance(other, ast.Name) and not isinstance(other.ctx, ast.Load):
            bindings += other.id == name
        elif isinstance(other, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler,
                                ast.MatchAs, ast.MatchStar)):
            bindings += other.name == name
        elif isinstance(other, ast.alias):
            bindings += (other.asname or other.name.split(".")[0]) == name
        elif isinstance(other, ast.arg):  # a parameter of that name is another variable: any string
            bindings += other.arg == name
        elif isinstance(other, (ast.Global, ast.Nonlocal)):
            bindings += name in other.names
        elif isinstance(other, ast.MatchMapping):
            bindings += other.rest == name
    return bindings


def _class_constant_template(node: ast.AST, tree: ast.Module, lesson: Lesson, others: frozenset[str] | None) -> bool:
    """``Codec.UNKNOWN``, where ``Codec`` is an undecorated class of the cell's top level bound nowhere else (nor
    by another answer cell or the lesson) whose body binds ``UNKNOWN`` once to a plain template, and nothing else in the
    cell binds that name or sets that attribute (an honest class constant was refused as a computed template,
    rt30). Not ``self.UNKNOWN``: a subclass in another answer cell may give it another template."""
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and _constant_template_name(node.value.id, tree, lesson, others, ast.ClassDef)):
        return False
    [cls] = [c for c in tree.body if isinstance(c, ast.ClassDef) and c.name == node.value.id]
    # a decorator may give the name another class, with another template: only those ``_answer_class`` knows
    # return the class itself (``@dataclass``, ``functools.total_ordering``, imported in the cell)
    if cls.decorator_list and _answer_class(cls.name, tree, lesson, others) is None:
        return False
    # (also annotated, ``UNKNOWN: ClassVar[str] = "..."``, as a dataclass's constant is written: the hint
    # below told such an honest char_encode to write ``Codec.UNKNOWN.format(...)``, then refused it; rt42)
    assignments = [s for s in cls.body if isinstance(s, ast.Assign) and len(s.targets) == 1
                   and isinstance(s.targets[0], ast.Name) and s.targets[0].id == node.attr
                   or isinstance(s, ast.AnnAssign) and s.value is not None and isinstance(s.target, ast.Name)
                   and s.target.id == node.attr]
    sets_attribute = any(isinstance(a, ast.Attribute) and a.attr == node.attr and not isinstance(a.ctx, ast.Load)
                         for a in _walk(tree))
    return (not sets_attribute and len(assignments) == 1 and _plain_template(assignments[0].value)
            and _bindings(node.attr, tree) == 1)


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _local(name: ast.Name, parents: dict) -> bool:
    """Whether ``name`` is a local variable of a function around it (a parameter, or a name the function
    binds: ``lr_at = ...`` in an answer is the answer's own, not the course's ``lr_at``). A function's
    defaults, decorators and annotations, and a comprehension's first iterable, are read outside it."""
    below, child, node = None, name, parents.get(name)
    while node is not None:
        if isinstance(node, SCOPES) and _in_scope(below, child, node) and name.id in _scope_names(node):
            return True
        below, child, node = child, node, parents.get(node)
    return False


def _in_scope(below: ast.AST | None, child: ast.AST, scope: ast.AST) -> bool:
    """Whether ``child`` of ``scope`` (reached from ``below``) is evaluated in ``scope``."""
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return child in scope.body
    if isinstance(scope, ast.Lambda):
        return child is scope.body
    return not (child is scope.generators[0] and below is child.iter)  # the first `in ...` is outside


def _parameters(args: ast.arguments) -> list[str]:
    """The names of a function's parameters, in order: positional, keyword-only, ``*args``, ``**kwargs``."""
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg] if a is not None]


def _scope_names(scope: ast.AST) -> set[str]:
    """The names ``scope`` binds itself: parameters, assignment and loop targets, imports, nested
    definitions, ``except ... as``, ``case ... as`` (not what its nested functions bind)."""
    known = getattr(scope, "_scope_names", None)  # (kept on the node: the rules ask once per store and read)
    if known is not None:
        return known
    if isinstance(scope, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        names = {n.id for g in scope.generators for n in _walk(g.target) if isinstance(n, ast.Name)}
    else:
        names = set(_parameters(scope.args))
        queue = list(scope.body) if isinstance(scope.body, list) else [scope.body]
        while queue:
            node = queue.pop()
            names |= _binds(node)
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
                                     ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                queue.extend(ast.iter_child_nodes(node))  # not into the scopes of their own
    scope._scope_names = frozenset(names)
    return scope._scope_names


def _config_class(name: str) -> bool:
    """Whether ``name``, one of the course's names, is a configuration class's (``TrainConfig``)."""
    return name.endswith("Config") and name[:1].isupper()


def _isinstance_class(node: ast.Name, parents: dict) -> bool:
    """Whether ``node`` is the class ``isinstance`` tests against: ``isinstance(cfg, TrainConfig)``, also in a
    tuple written out there. Of the course's names, a configuration class may stand there (and in a type
    hint): the answers' process, which has no course, binds it to a class that tests whether a configuration
    the grader sent is one of that name (``answer_host._config_type``)."""
    parent = parents.get(node)
    if isinstance(parent, ast.Tuple) and isinstance(parent.ctx, ast.Load):
        node, parent = parent, parents.get(parent)
    return isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "isinstance" \
        and len(parent.args) == 2 and parent.args[1] is node and not parent.keywords


def _isinstance_configuration(node: ast.Name, parents: dict) -> bool:
    """Whether ``node`` names a configuration class of the course's as the class ``isinstance`` tests against:
    itself (``isinstance(cfg, TrainConfig)``) or through the lesson's module, as lesson 03's cells name it
    (``isinstance(config, ref.AttentionConfig)``: an honest check of its argument lost CausalSelfAttention's
    4 points, refused as "outside a type hint and isinstance", rt32). The answers' process binds either to
    a stand-in that only tests a configuration of that name (``answer_host._config_type``)."""
    config = _configuration(node, parents)
    return config is not None and _isinstance_class(config, parents)


def _builtin_isinstance(tree: ast.Module, answers: frozenset[str], others: frozenset[str] | None) -> bool:
    """Whether ``isinstance`` in the cell is Python's: neither the cell (in any scope: a parameter, a local, a
    def) nor another answer cell binds that name. ``def isinstance(a, b): return b`` made
    ``isinstance(cfg, TrainConfig)`` hand the configuration class to the answer as a value (ch30, 2026-12-06)."""
    return _bindings("isinstance", tree) == 0 and "isinstance" not in answers \
        and (others is None or "isinstance" not in others)


def _builtin(name: str, tree: ast.Module, answers: frozenset[str], others: frozenset[str] | None) -> bool:
    """Whether ``name`` in the cell is Python's own builtin: neither the cell (in any scope: a parameter, a local, a
    def) nor another answer cell binds it. ``def super(): return torch`` made ``super().__init__("x")``, which the
    rules allow as a base's ``__init__``, rename torch in the answers' process (ch32, 2026-12-06)."""
    return _bindings(name, tree) == 0 and name not in answers and (others is None or name not in others)


def _written_base(value: ast.expr, cls: ast.ClassDef | None, tree: ast.Module, lesson: Lesson,
                  answers: frozenset[str], others: frozenset[str] | None) -> bool:
    """Whether ``value`` (the ``X`` of ``X.__init__(self)`` in a method) is a base written in the class statement
    (``torch.nn.Module`` of ``class M(torch.nn.Module)``) whose first name nothing rebinds: the lesson's import
    (``nn``), or a name this cell binds only by a top-level import or class statement and no other answer cell
    binds. ``torch.__init__(self)`` in a str subclass's method renamed torch in the answers' process, and
    ``sys.stdout.__init__(self)`` would re-point its output (ch32, 2026-12-06)."""
    root = _root(value)
    if cls is None or not isinstance(root, ast.Name) or ast.unparse(value) not in {ast.unparse(b) for b in cls.bases}:
        return False
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.ClassDef))]
    if any(root.id in _binds(n) and n not in top for n in _walk(tree)) \
            or any(isinstance(n, (ast.Global, ast.Nonlocal)) and root.id in n.names for n in _walk(tree)):
        return False
    if root.id in BUILTIN_NAMES and not any(root.id in _binds(n) for n in top):  # ``dict.__init__(self)``
        return _builtin(root.id, tree, answers, others)
    return root.id in (lesson.defined or ()) or (others is not None and root.id not in others
                                                 and any(root.id in _binds(n) for n in top))


def _special_on_a_base(node: ast.Attribute, parents: dict, pythons_super: bool) -> str | None:
    """What to say of a special method refused on ``super()`` or as ``X.__init__(self)``, where the answer
    may call it but not as written (``super`` bound by the answer, ``X`` not a base of the class), or None."""
    if isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) and node.value.func.id == "super" \
            and node.attr in DUNDER_METHODS and not pythons_super:
        return (f"calls `super().{node.attr}`, but `super` there is not Python's: the answer (or another answer "
                f"cell) binds the name `super`; leave Python's super as it is")
    call = parents.get(node)
    if node.attr == "__init__" and isinstance(call, ast.Call) and call.func is node and call.args \
            and isinstance(call.args[0], ast.Name) and call.args[0].id == "self" and _in_method(call.args[0], parents):
        return (f"calls `{ast.unparse(node)}(self, ...)`, which is not a base written in the class statement: "
                f"initialise the base with super().__init__(...) (or `Base.__init__(self)`, `Base` as the class "
                f"statement writes it and bound nowhere else)")
    return None


# Python's own names the rules trust a method's ``self`` to: a method under ``@property`` (or made by ``x =
# property(get_x)``) gets an instance; ``_rebound`` sees the cell's own bindings of them, not another cell's
DECORATOR_BUILTINS = ("property", "staticmethod", "classmethod")


def _builtins_of_another_cell(tree: ast.Module, others: frozenset[str] | None) -> list[str]:
    """Another answer cell's ``def property(f): return staticmethod(f)`` made this cell's ``@property`` a static
    method, whose ``self`` is whatever it is given (the rules let the method read ``self.sys``, which its class
    sets; the answers' process refused ``C().look(dataclasses)`` as it ran: ch32, 2026-12-06)."""
    used = {n.id for n in _walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return [f"uses `{name}`, which another answer cell binds to something of its own: leave Python's {name} as it is"
            for name in DECORATOR_BUILTINS if others is not None and name in others and name in used]


def _inside_function(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return True
    return False


def refused_cell(grade_id: str, reasons: list[str]) -> str:
    text = f"the answer in cell {grade_id!r} was not run: it " + "; it ".join(reasons)
    return (f"class {REFUSED_MARK}(Exception):\n    pass\n\n"
            f"raise {REFUSED_MARK}({text!r} + '. Answers may use plain Python, torch and the lesson\\'s names; "
            f"see the README (Honest scores).')")


def join_split_answers(cells) -> tuple[list, list[str]]:
    """The cells with the parts of each split answer cell joined into one (``_join_consecutive``, then
    ``join_parts_apart``), and the grade ids so joined."""
    out, joined = _join_consecutive(cells)
    out, apart = join_parts_apart(out)
    return out, joined + [grade_id for grade_id in apart if grade_id not in joined]


LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")  # a source's lines as Python counts them, ends kept


def future_part(source: str) -> tuple[str, list[str]]:
    """``source``, a part of a split answer, with the ``from __future__`` imports that open it written ``pass``,
    line for line, and the features they import; ``join_parts`` puts those atop the joined cell. A future
    import must open its file: in the notebook it opened its part's cell, and the part ran; joined below
    another part, the cell failed to compile, and an honest answer split with ``from __future__ import
    annotations`` atop its second part lost its points (rt42, 2026-12-06: "SyntaxError: from __future__
    imports must occur at the beginning of the file")."""
    if not isinstance(source, str) or "__future__" not in source:  # (most parts: not read twice)
        return source, []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # (refused by `problems`)
        return source, []
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # a docstring may come first
    futures = []
    for node in body:
        if not (isinstance(node, ast.ImportFrom) and node.module == "__future__" and not node.level):
            break
        futures.append(node)
    if not futures:
        return source, []
    lines = LINES.findall(source)
    for node in reversed(futures):  # (two on one line, `;` between: the later one first, offsets kept)
        first, last = node.lineno - 1, node.end_lineno - 1
        head = lines[first].encode()[:node.col_offset]
        tail = lines[last].encode()[node.end_col_offset:]
        lines[first:last + 1] = [(head + b"\n" * (last - first) + b"pass" + tail).decode()]
    return "".join(lines), [a.name for node in futures for a in node.names]


def _futures_below(sources) -> bool:
    """Whether a part after the first opens with a ``from __future__`` import (``join_parts``)."""
    return any(future_part(source)[1] for source in sources[1:])


def join_parts(sources) -> str:
    """The parts of a split answer as one cell: in order, a blank line between, and the future imports that
    opened any part atop (``future_part``). In the notebook a part's future import held for that part and,
    IPython keeping it, every cell after; atop, it holds for the whole cell: for ``annotations``, hints
    that are text, as every answer's are when graded (``answer_host``)."""
    parts, features = [], []
    for source in sources:
        part, opened = future_part(source)
        parts.append(part.rstrip("\n"))
        features += [name for name in opened if name not in features]
    joined = "\n\n".join(parts)
    return f"from __future__ import {', '.join(features)}\n" + joined if features else joined


def join_parts_apart(cells) -> tuple[list, list[str]]:
    """The cells with the copies of an answer cell that lie above the first test cell below its first copy
    joined into one, in order, where the last of them does not bind every name they bind together, and
    the grade ids so joined. A student who split an answer (JupyterLab's *Split Cell*, both parts with the
    cell's grade id) and wrote a note between the parts ran both before the test cell, which passed; the
    last copy alone (``graded_copies``) lacked the first part's function, and scored 0 (rt39, 2026-12-06:
    `char_encode` above a markdown note, `char_decode` below it). Joined, they are graded as the notebook
    ran them. A last copy that binds every name, an answer written again in full below the released
    stub (rt36), stays the copy graded, alone; so does any copy below a test cell. Every part is the
    student's code and passes the same rules, joined or alone. The cells given are not changed."""
    import nbformat

    groups, closed = {}, set()  # grade id → the positions of its copies above the first test cell below it
    for index, cell in enumerate(cells):
        meta = cell.metadata.get("nbgrader") or {}
        if _a_test_cell(cell):
            closed |= set(groups)
            continue
        grade_id = meta.get("grade_id")
        if grade_id is None or grade_id in closed:
            continue
        first = groups.setdefault(grade_id, [index])[0]
        if index != first and meta.get("solution") and cells[first].metadata["nbgrader"].get("solution") \
                and cell.cell_type == cells[first].cell_type == "code" \
                and isinstance(cell.get("source"), str) and isinstance(cells[first].get("source"), str):
            groups[grade_id].append(index)
    merged, dropped, joined = {}, set(), []
    for grade_id, places in groups.items():
        if len(places) < 2:
            continue
        names = [top_level_names(cells[i].source) for i in places]
        if not set().union(*names) - names[-1]:
            continue
        cell = nbformat.from_dict(copy.deepcopy(dict(cells[places[0]])))
        sources = [cells[i].source for i in places]
        cell.source = join_parts(sources) if _futures_below(sources) else \
            "\n\n".join(source.rstrip("\n") for source in sources)
        merged[places[0]] = cell
        dropped |= set(places[1:])
        joined.append(grade_id)
    if not joined:
        return list(cells), []
    return [merged.get(i, cell) for i, cell in enumerate(cells) if i not in dropped], joined


def _join_consecutive(cells) -> tuple[list, list[str]]:
    """The cells with the consecutive parts of each split answer cell joined into one, and the grade ids
    so joined. JupyterLab's *Split Cell* gives every part the whole cell's metadata, so the parts of a
    split answer (``solution``) come one after another with one grade id: they are one answer, graded as
    the student ran them (a red team split a correct answer and lost the second half's points,
    2026-12-04). A copy elsewhere (pasted below, another cell between) is not joined. A joined cell is a
    new one; the cells given are not changed."""
    import nbformat

    out, joined, runs = [], {}, []  # runs: each split answer joined, [merged cell, its source's pieces]
    for cell in cells:
        meta = cell.metadata.get("nbgrader") or {}
        last = out[-1] if out else None
        last_meta = (last.metadata.get("nbgrader") or {}) if last is not None else {}
        if meta.get("solution") and last_meta.get("solution") and meta.get("grade_id") is not None \
                and last_meta.get("grade_id") == meta.get("grade_id") and last.cell_type == cell.cell_type \
                and isinstance(last.get("source"), str) and isinstance(cell.get("source"), str):
            # in time linear in the parts (a red team's 2,000 parts took 21 s when each join copied the
            # whole cell so far, 2026-12-04): the first part copied once, each later part's source and
            # attachments added to it
            if not runs or runs[-1][0] is not last:
                runs.append([nbformat.from_dict(copy.deepcopy(dict(last))), [last.source], [last.source]])
                out[-1] = runs[-1][0]
            merged, pieces, sources = runs[-1]
            sources.append(cell.source)
            while pieces and not pieces[-1].rstrip("\n"):  # the source so far, less its final newlines
                pieces.pop()
            if pieces:
                pieces[-1] = pieces[-1].rstrip("\n")
            pieces += ["\n\n", cell.source]
            if cell.get("attachments"):  # a markdown answer's pasted images, from every part
                merged.attachments = merged.get("attachments") or {}
                merged.attachments.update(copy.deepcopy(cell.attachments))
            joined[meta["grade_id"]] = None
        else:
            out.append(cell)
    for merged, pieces, sources in runs:
        code = merged.cell_type == "code" and _futures_below(sources)
        merged.source = join_parts(sources) if code else "".join(pieces)
    return out, list(joined)


def as_jupyter_runs(source):
    """An answer's source as Jupyter runs it, where the two differ by indentation alone: a cell whose
    lines all start indented (pasted from inside a function or a class) runs in a notebook, since IPython
    removes the leading blank lines and the indentation the lines share before Python reads the cell
    (``leading_empty_lines``, ``leading_indent``); read as it is, it is an "unexpected indent", and a red
    team's correct answer so indented scored 0 (2026-12-04). The blank lines are kept, so that line
    numbers stay the student's. Any other source is returned as it is."""
    import textwrap

    if not isinstance(source, str):
        return source
    lines = source.splitlines(keepends=True)
    blank = next((i for i, line in enumerate(lines) if line and not line.isspace()), len(lines))
    if blank == len(lines) or not lines[blank][:1].isspace():
        return source
    return "\n" * blank + textwrap.dedent("".join(lines[blank:]))


def graded_copies(cells) -> dict[str, int]:
    """Of each grade id that the cells (a split answer's parts joined, ``join_split_answers``) carry, the
    position of the copy that is graded: the first, but of an answer cell held again above the first test
    cell below it, the last such copy, which is the one the notebook's test ran after (rt36, 2026-12-06: an
    honest student kept the released cell, wrote a note, and answered in a copy of the cell below it; the
    test cell passed, and the stub above, graded as "the first", scored 0). A copy below that test cell
    (a try-out pasted further down) is not graded. Of copies of different types, a code copy with a test
    cell below it is the one that ran: a first copy turned markdown or raw (notes kept in a copy of the
    cell, an old version set aside) ran nothing, and graded as "the first" it cost the code answer below
    it its points (ch57: 4/6 for an honest cross_attention, 10/12 for lr_at_step)."""
    first, chosen = {}, {}
    last_test = max((i for i, c in enumerate(cells) if _a_test_cell(c)), default=-1)
    for index, cell in enumerate(cells):
        meta = cell.metadata.get("nbgrader") or {}
        grade_id = meta.get("grade_id")
        if grade_id is None:
            continue
        if grade_id not in first:
            first[grade_id] = chosen[grade_id] = index
        elif cells[first[grade_id]].metadata["nbgrader"].get("solution") and meta.get("solution") \
                and (cell.cell_type == cells[chosen[grade_id]].cell_type
                     or (cell.cell_type == "code" and index < last_test)) \
                and not any(_a_test_cell(c) for c in cells[first[grade_id] + 1:index]):
            chosen[grade_id] = index
    return chosen


def _a_test_cell(cell) -> bool:
    meta = cell.metadata.get("nbgrader") or {}
    return bool(meta.get("grade")) and not meta.get("solution")


def answer_cells_by_id(cells) -> dict:
    """Each grade id's cell in a submission: the copy ``graded_copies`` picks (the first, unless the answer
    is held again above its test cell), a split answer's parts joined (``join_split_answers``). A code answer
    indented as a whole comes dedented, as Jupyter runs it (``as_jupyter_runs``), in a copy."""
    import nbformat

    found = {}
    merged = join_split_answers(cells)[0]
    chosen = graded_copies(merged)
    for index, cell in enumerate(merged):
        grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
        if grade_id is not None and chosen.get(grade_id) == index:
            if cell.cell_type == "code" and as_jupyter_runs(cell.get("source")) != cell.get("source"):
                cell = nbformat.from_dict(copy.deepcopy(dict(cell)))
                cell.source = as_jupyter_runs(cell.source)
            found[grade_id] = cell
    return found


def split_and_copied(cells) -> tuple[list[str], list[str]]:
    """The grade ids of the answer cells a submission holds split in consecutive parts (graded whole),
    and those of the cells it holds again elsewhere (copies, one of them graded: ``graded_copies``), each
    once, in order."""
    merged, split = join_split_answers(cells)
    seen, copied = set(), {}
    for cell in merged:
        grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
        if grade_id in seen:
            copied[grade_id] = None
        elif grade_id is not None:
            seen.add(grade_id)
    return split, list(copied)


def parts_apart(cells) -> list[str]:
    """The grade ids of the answers a submission holds in parts with other cells between them, above the
    test cell, graded joined (``join_parts_apart``)."""
    return join_parts_apart(_join_consecutive(cells)[0])[1]


def later_copy_graded(cells) -> set[str]:
    """The grade ids whose graded copy (``graded_copies``) is not the first."""
    merged = join_split_answers(cells)[0]
    chosen, first = graded_copies(merged), {}
    for index, cell in enumerate(merged):
        first.setdefault((cell.metadata.get("nbgrader") or {}).get("grade_id"), index)
    return {grade_id for grade_id, index in chosen.items() if first[grade_id] != index}


NOWHERE = re.compile(r"reads `(\w+)`, which neither an answer cell nor the lesson defines \(define it in the answer cell\)")


def added_cell_names(cells) -> set[str]:
    """The names that the code cells a student added (no nbgrader metadata) bind at their top level."""
    names = set()
    for cell in cells:
        if cell.get("cell_type") == "code" and not (cell.get("metadata") or {}).get("nbgrader"):
            names |= top_level_names(cell.source if isinstance(cell.get("source"), str) else "")
    return names


def placed(reasons: list[str], added: set[str]) -> list[str]:
    """``reasons``, a name read from nowhere that a cell the student added defines said as such: "define it
    in the answer cell" left a student whose helper sat in a cell of their own above the answer wondering
    (rt33, 2026-12-06)."""
    def say(match):
        name = match.group(1)
        if name not in added:
            return match.group(0)
        return (f"reads `{name}`, which only a cell you added defines, and the autograder runs only the answer "
                f"cells: move `{name}` into this answer cell")
    return [NOWHERE.sub(say, reason) for reason in reasons]


def rebuild(submission, release, lesson: Lesson, source=None) -> tuple["nbformat.NotebookNode", dict[str, list[str]]]:
    """The notebook to grade (see the module docstring), and the answers refused, by grade id.
    ``source``: the lesson's nbgrader source (solutions/), whose test cells hold their hidden tests (the
    release's do not): a graded cell that is not an answer gets its source from there."""
    # imported here, not above: the self-checks import this module in every lesson's kernel for
    # `problems`, and nbformat brings jsonschema, whose import takes a second (rfc3987-syntax builds
    # its grammars)
    import nbformat

    answers, refused = answer_cells_by_id(submission.cells), {}
    added = added_cell_names(submission.cells)
    solutions = {(c.metadata.get("nbgrader") or {}).get("grade_id") for c in release.cells
                 if (c.metadata.get("nbgrader") or {}).get("solution") and c.cell_type == "code"}
    # (by the release's cell type: an answer turned markdown in the submission still runs as code)
    bound = answer_names([answers[g].source for g in solutions if g in answers])
    lazy = False  # an answer cell above, run, imports annotations from __future__ (``future_annotations``)
    # the release's notebook metadata, not the submission's: nothing of the student's (a widget state,
    # a title) outside the answer cells reaches the autograded notebook and the pages made from it
    graded = nbformat.v4.new_notebook(metadata=release.metadata)
    instructor = {} if source is None else {
        (c.metadata.get("nbgrader") or {}).get("grade_id"): c.source for c in source.cells
        if (c.metadata.get("nbgrader") or {}).get("grade_id") and not (c.metadata.get("nbgrader") or {}).get("solution")}
    for cell in release.cells:
        meta = cell.metadata.get("nbgrader") or {}
        grade_id = meta.get("grade_id")
        # the release's cell, metadata and tags included (a test cell tagged skip-execution, a markdown
        # answer marked a task, so that its HTML went unsanitized: a red team, 2026-12-02); of an answer
        # cell, the student's source (and a markdown answer's pasted images) in it
        chosen = nbformat.from_dict(copy.deepcopy(dict(cell)))
        if grade_id in instructor:  # a test cell, its hidden tests in it (for nbgrader to run, or to take out)
            chosen.source = instructor[grade_id]
        student = answers.get(grade_id) if meta.get("solution") else None
        if student is not None:
            chosen.source = student.source if isinstance(student.get("source"), str) else ""
            if chosen.cell_type == "markdown" and student.cell_type == "markdown" and student.get("attachments"):
                chosen.attachments = copy.deepcopy(student.attachments)
        if meta.get("solution") and chosen.cell_type == "code":
            others = answer_names([answers[g].source for g in solutions if g != grade_id and g in answers])
            reasons = placed(problems(chosen.source, lesson, bound, others, lazy), added)
            if reasons:
                refused[grade_id] = reasons
                chosen.source = refused_cell(grade_id, reasons)
            lazy = lazy or future_annotations([chosen.source])
        graded.cells.append(chosen)
    return graded, refused
