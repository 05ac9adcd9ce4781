"""What of a submission is graded (autograder/answers.py): the released lesson with the student's
answers in it, and only answers that cannot reach the grading machinery."""
import ast
import copy
import dataclasses
import functools
import operator
import re
import sys
import warnings

import fresh_python
import nbformat
import pytest

from autograder.answers import REFUSED_MARK, Lesson, problems, rebuild
from autograder.notebooks import lesson_names, lesson_path, solution_path

L01 = "01_tokenization"


@pytest.fixture(scope="module")
def lesson01():
    return Lesson.from_notebook(nbformat.read(solution_path(L01), as_version=4))


# Cheats seen in a hostile class, each written as a student would put it in the `merge` answer cell.
CHEATS = {
    "import built with chr": "def merge(ids, pair, new_id):\n    m = __import__(''.join(map(chr, [99, 111, 117, 114, 115, 101])))\n    return m.tokenization.merge(ids, pair, new_id)",
    "default argument": "def merge(ids, pair, new_id, _impl=ref.merge):\n    return _impl(ids, pair, new_id)",
    "update_wrapper": "import functools\ndef stub(ids, pair, new_id):\n    pass\nmerge = functools.update_wrapper(ref.merge, stub)",
    "inspect the caller": "import inspect\ndef merge(ids, pair, new_id):\n    return inspect.stack()[1].frame.f_globals['ref'].merge(ids, pair, new_id)",
    "sys._getframe": "import sys\ndef merge(ids, pair, new_id):\n    return sys._getframe(1).f_globals['ref'].merge(ids, pair, new_id)",
    "frame from a traceback": "def merge(ids, pair, new_id):\n    try:\n        raise ValueError\n    except ValueError as e:\n        return e.__traceback__.tb_frame.f_back.f_globals['ref'].merge(ids, pair, new_id)",
    "no-op assert_own_work": "import course.grading\ncourse.grading.assert_own_work = lambda *a: None\ndef merge(ids, pair, new_id):\n    return []",
    "rebinds assert_own_work": "def assert_own_work(*args):\n    pass\ndef merge(ids, pair, new_id):\n    return []",
    "patched torch.equal": "torch.equal = lambda a, b: True\ndef merge(ids, pair, new_id):\n    return []",
    "importlib": "import importlib\nmerge = importlib.import_module('course.' + 'tokenization').merge",
    "sys.modules": "import sys\nmerge = sys.modules['course.tokenization'].merge",
    "getattr on builtins": "merge = getattr(__builtins__, 'ev' + 'al')('ref.merge')",
    "copied __code__": "def merge(ids, pair, new_id):\n    pass\nmerge.__code__ = ref.merge.__code__",
    "exec of the solution": "exec(open('../../solutions/01_tokenization/01_tokenization.ipynb').read())",
    "input transformer": "get_ipython().input_transformers_post.append(lambda lines: lines)\ndef merge(ids, pair, new_id):\n    return []",
    "displayhook": "import sys\ndef merge(ids, pair, new_id):\n    sys.displayhook('2.0')\n    raise ValueError",
    "background process": "import subprocess\nsubprocess.Popen(['sleep', '100'])\ndef merge(ids, pair, new_id):\n    return []",
    "profiler writes a file": "import torch\nwith torch.profiler.profile() as p:\n    pass\np.export_chrome_trace('../../submitted/bob/01_tokenization/01_tokenization.ipynb')\ndef merge(ids, pair, new_id):\n    return []",
    "a frame from __exit__'s traceback": "class Grab:\n    def __enter__(self):\n        return self\n    def __exit__(self, kind, error, trace):\n        self.found = trace.tb_frame.f_back.f_globals\n        return True\ndef merge(ids, pair, new_id):\n    return []",
    "a container method stored over": "class Box:\n    pass\nBox.__getitem__ = print\ndef merge(ids, pair, new_id):\n    return []",
    "profiler imported by name": "from torch import profiler\ndef merge(ids, pair, new_id):\n    return []",
    "autograd's profiler": "import torch\nprof = torch.autograd.profiler.profile()\ndef merge(ids, pair, new_id):\n    return []",
    "rebinds the corpus": "text = 'aaaa'\ndef merge(ids, pair, new_id):\n    return []",
    "global statement": "def merge(ids, pair, new_id):\n    global stoi\n    stoi = {}\n    return []",
    "private torch": "def merge(ids, pair, new_id):\n    return torch._C._get_tracing_state()",
    "vars of a module": "merge = vars(ref)['merge']",
    "alias then patch": "import torch as t\nt.equal = lambda a, b: True\ndef merge(ids, pair, new_id):\n    return []",
    "local alias then patch": "def merge(ids, pair, new_id):\n    t = torch.testing\n    t.assert_close = print\n    return []",
    "global forward hook": "nn.modules.module.register_module_forward_hook(lambda m, i, o: o * 0)\ndef merge(ids, pair, new_id):\n    return []",
    "pickle through torch.load": "def merge(ids, pair, new_id):\n    return torch.load('x.pt', weights_only=False)",
    "operator library": "from torch import library\ndef merge(ids, pair, new_id):\n    return []",
    "string.Formatter field lookup": "import string\ndef merge(ids, pair, new_id):\n    return string.Formatter().get_field('0.__globals__[ref]', [merge], {})[0].merge(ids, pair, new_id)",
    "evaluated annotation": "from typing import get_type_hints\ndef _h(x: 'ref.merge'):\n    pass\ndef merge(ids, pair, new_id):\n    return get_type_hints(_h)['x'](ids, pair, new_id)",
    "numpy ctypes": "import numpy\ndef merge(ids, pair, new_id):\n    numpy.ctypeslib.as_array\n    return []",
    "metaclass": "class Meta(type):\n    pass\nclass Merge(metaclass=Meta):\n    pass\ndef merge(ids, pair, new_id):\n    return []",
    # patching a module through a function whose parameter is called `self`
    "self as a parameter": "def patch(self):\n    self.equal = lambda a, b: True\npatch(torch)\ndef merge(ids, pair, new_id):\n    return []",
    "method taken from its class": "class P:\n    def patch(self):\n        self.equal = lambda a, b: True\nP.patch(torch)\ndef merge(ids, pair, new_id):\n    return []",
    "staticmethod self": "class P:\n    @staticmethod\n    def patch(self):\n        self.equal = lambda a, b: True\nP().patch(torch)\ndef merge(ids, pair, new_id):\n    return []",
    "__init__ on a module": "class P:\n    def __init__(self):\n        self.equal = lambda a, b: True\nP.__init__(torch)\ndef merge(ids, pair, new_id):\n    return []",
    "method through type()": "class P:\n    def patch(self):\n        self.equal = lambda a, b: True\nt = type(P())\nt.patch(torch)\ndef merge(ids, pair, new_id):\n    return []",
    "self rebound in a method": "class P:\n    def patch(self):\n        self = torch\n        self.equal = lambda a, b: True\nP().patch()\ndef merge(ids, pair, new_id):\n    return []",
    "nested function named self": "class P:\n    def patch(self):\n        def inner(self):\n            self.equal = lambda a, b: True\n        inner(torch)\nP().patch()\ndef merge(ids, pair, new_id):\n    return []",
    "type() builds a class": "Cheat = type('Cheat', (list,), {'__eq__': lambda s, o: True})\ndef merge(ids, pair, new_id):\n    return Cheat()",
    "always-equal result": "class Same(list):\n    def __eq__(self, other):\n        return True\ndef merge(ids, pair, new_id):\n    return Same()",
    "torch function override": "class T(torch.Tensor):\n    def __torch_function__(self, *a, **k):\n        return True",
    "reads the test's expected value": "def merge(ids, pair, new_id):\n    return _want",
    "format looks up globals": "def merge(ids, pair, new_id):\n    return '{0.__globals__}'.format(merge)",
    "format on a computed template": "def merge(ids, pair, new_id):\n    spec = '{0.' + '_' * 2 + 'globals' + '_' * 2 + '}'\n    return spec.format(merge)",
    # sys, the import machinery and the builtins as attributes of an allowed module: each reached the
    # course's reference in the notebook and in the re-check alike, and scored full marks
    "sys through another module": "import warnings\ndef merge(ids, pair, new_id):\n    name = ''.join(['cour', 'se.tokenization'])\n"
        "    return warnings.sys.modules['importlib'].import_module(name).merge(ids, pair, new_id)",
    "sys imported from another module": "from dataclasses import sys as s\nmerge = s.modules['course.tokenization'].merge",
    "torch.compile named re": "def merge(ids, pair, new_id):\n    match torch:\n        case re:\n            return re.compile(list)(ids)",
    "torch.compile named re in a function": "import re\ndef merge(ids, pair, new_id):\n    re = torch\n    return re.compile(list)(ids)",
    # the hidden tests of earlier test cells, and the test's own line, printed so that the feedback's
    # filter, which removes the lines of hidden tests, cannot recognise them
    "IPython's In, backwards": "def merge(ids, pair, new_id):\n    print([cell[::-1] for cell in In])\n    return list(ids)",
    "IPython's _ih": "def merge(ids, pair, new_id):\n    print(_ih[-2][::-1])\n    return list(ids)",
    "a cell's source by number": "def merge(ids, pair, new_id):\n    print(_i12.upper())\n    return list(ids)",
    "the caller's line through warnings": "import warnings\ndef merge(ids, pair, new_id):\n"
        "    with warnings.catch_warnings(record=True) as w:\n        warnings.warn('x', stacklevel=2)\n"
        "    print(warnings.formatwarning('', UserWarning, w[0].filename, w[0].lineno)[::-1])\n    return list(ids)",
    "more threads than its share": "torch.set_num_threads(64)\ndef merge(ids, pair, new_id):\n    return list(ids)",
    "C code built and imported": "import numpy as np\nm = np.testing.extbuild.build_and_import_extension('m', [])",
    "sys under another name": "import sys as s\nmerge = s.modules['course.tokenization'].merge",
    "sys.modules imported by name": "from sys import modules\nmerge = modules['course.tokenization'].merge",
    "the builtins under another name": "import enum\nmerge = enum.bltns.eval('ref.merge')",
    "a module through torch": "def merge(ids, pair, new_id):\n    m = torch.importlib.import_module('course.tokenization')\n    return m.merge(ids, pair, new_id)",
    "a timer that runs a string": "def merge(ids, pair, new_id):\n    out = []\n    torch.utils.benchmark.Timer('out.append(m(ids, pair, new_id))', "
        "setup='from course.tokenization import merge as m', globals=dict(out=out, ids=ids, pair=pair, new_id=new_id)).timeit(1)\n"
        "    return out[0]",
    "a command line through collect_env": "from torch.utils import collect_env\ndef merge(ids, pair, new_id):\n"
        "    return eval(collect_env.run('python -c \"print(1)\"')[1])",
    # data that becomes code: a string annotation that typing evaluates, a pickle read from an object
    "an annotation run as code": "import functools\nSTASH = []\n@functools.singledispatch\ndef g(x):\n    return x\n"
        "@g.register\ndef _(x: \"[STASH.append(vars(ref)['merge']), int][1]\"):\n    return x\nmerge = lambda *a: STASH[0](*a)",
    "a string inside an annotation": "import typing\ndef merge(ids: typing.List['__import__(\"course\")'], pair, new_id):\n    return list(ids)",
    "singledispatch imported": "from functools import singledispatch\n@singledispatch\ndef g(x):\n    return x",
    "a pickle read by numpy": "import numpy as np\nclass R:\n    def read(self, n=-1):\n        return b''\n"
        "impl = np.lib.format.read_array(R(), allow_pickle=True)",
    # a class pattern reads attributes by name: the model's class (for its own generate), a function's globals
    "the class through a match": "def generate_greedy(model, idx, max_new_tokens):\n    match model:\n"
        "        case object(__class__=cls):\n            return cls.generate(model, idx, max_new_tokens, greedy=True)",
    "globals through a match": "import random\nmatch random.shuffle:\n    case object(__globals__=g):\n"
        "        merge = g['__builtins__']['__import__']('course.tokenization').tokenization.merge",
    "a private attribute through a match": "def f(model):\n    match model:\n        case object(_modules=m):\n            return m",
    # attributes copied by name: collections' globals (its `_sys`) into the answer's, with a name of
    # its own to receive it, or a special attribute named in a string
    "globals copied by update_wrapper": "import functools, collections\n_sys = None\ndef _carrier():\n    pass\n"
        "functools.update_wrapper(_carrier, collections.namedtuple, (), ('__glo' + 'bals__',))\n"
        "def generate_greedy(model, idx, max_new_tokens):\n"
        "    return _sys.modules['course.lstm'].CharLSTM.generate(model, idx, max_new_tokens, greedy=True)",
    "globals copied by wraps": "import functools, collections\n_sys = None\n"
        "@functools.wraps(collections.namedtuple, assigned=(), updated=('__glo' + 'bals__',))\ndef _carrier():\n    pass",
    "a name from nowhere": "def generate_greedy(model, idx, max_new_tokens):\n"
        "    return _sys.modules['course.lstm'].CharLSTM.generate(model, idx, max_new_tokens, greedy=True)",
    "a special attribute's name": "import dataclasses\nAlways = dataclasses.make_dataclass('Always', [], "
        "namespace={'__eq__': lambda self, other: True})",
    # IPython's magics and shell commands, which the rules cannot read: the history (hidden tests) reversed
    "magics and shell commands": "%history -f /tmp/h\n!rev /tmp/h\ndef merge(ids, pair, new_id):\n    return list(ids)",
    "a cell magic": "%%bash\nrev /tmp/h",
    # io, types and pprint are allowed for a few harmless names only
    "a file opened through io": "import io\ndef merge(ids, pair, new_id):\n    return io.open('/etc/passwd').read()",
    "io's open imported": "from io import open as o\ndef merge(ids, pair, new_id):\n    return o('x').read()",
    "io under another name": "import io as stream\ndef merge(ids, pair, new_id):\n    return stream.FileIO('x').read()",
    "io passed on whole": "import io\ndef merge(ids, pair, new_id, m=io):\n    return m.open('x').read()",
    "a function made from code by types": "import types\ndef merge(ids, pair, new_id):\n"
        "    return types.FunctionType(merge.__code__, {})(ids, pair, new_id)",
    "types' FunctionType imported": "from types import FunctionType\ndef merge(ids, pair, new_id):\n    return FunctionType",
    "sys beyond the recursion limit": "import sys\nsys.setrecursionlimit(10_000)\ndef merge(ids, pair, new_id):\n"
        "    return sys.modules",
    "allow_pickle anywhere": "import numpy as np\nx = np.asarray([1], dtype=object)\ndef merge(ids, pair, new_id, **k):\n"
        "    return list(ids)\nmerge([], (1, 2), 3, allow_pickle=True)",
    # a red team's (2026-12-02): a special method without a class body (make_dataclass's namespace, an enum's
    # functional form, a metaclass), then copy.copy set and read any attribute through it
    "make_dataclass": "import dataclasses\ndef f(g):\n    return dataclasses.make_dataclass('S', [], namespace={'_' * 2 + 'reduce_ex' + '_' * 2: g})\n",
    "enum's functional form": "import enum\ndef f(g):\n    return enum.Enum('S', {'_' * 2 + 'reduce_ex' + '_' * 2: g})\n",
    "an empty enum of the answer's": "from enum import Enum as E\nclass Empty(E):\n    pass\n"
                                     "def f(g):\n    return Empty('S', {'_' * 2 + 'eq' + '_' * 2: g})\n",
    "an enum class under another name": "import enum\nB = enum.IntEnum\ndef f(g):\n    return B('S', names={'a': 1})\n",
    "a metaclass": "import abc\ndef f(g):\n    return abc.ABCMeta('S', (), {'_' * 2 + 'eq' + '_' * 2: g})\n",
    "copy's reducers": "import copy\ndef f(g):\n    copy.dispatch_table[int] = g\n",
    "torch's module class": "import torch\ndef f(g):\n    return torch.backends.PropModule\n",
    # a red team's (2026-12-02): type(...) handed to a container's own __contains__ (or an ordering method)
    # gave them typing._GenericAlias, whose subclass's instances forward `self.sys` to the module they wrap
    "type() caught by __contains__": "import typing\nclass Catch:\n    def __init__(self):\n        self.got = []\n"
                                     "    def __contains__(self, item):\n        self.got.append(item)\n        return False\n"
                                     "c = Catch()\ntype(typing.List[int]) in c\n",
    "type() caught by __gt__": "import typing\nclass Catch:\n    def __gt__(self, other):\n        self.got = other\n"
                               "        return False\nc = Catch()\ntype(typing.List[int]) < c\n",
    # a red team's (2026-12-03): a method of a class that sets self.sys, taken as a plain function in the class
    # body, read dataclasses.sys.modules as its `self.sys`, and the course's GPT from there (8/8)
    "staticmethod of a method": "import dataclasses\nclass Peek:\n    def __init__(self):\n        self.sys = None\n"
                                "    def look(self):\n        return self.sys\n    as_static = staticmethod(look)\n"
                                "def f():\n    return Peek().as_static(dataclasses).modules\n",
    "a method as a default argument": "import dataclasses\nclass Peek:\n    def __init__(self):\n        self.sys = None\n"
                                      "    def look(self):\n        return self.sys\n"
                                      "    def m(self, f=look):\n        return f(dataclasses)\n",
    "a method in a list in the class body": "class Peek:\n    def look(self):\n        return self.sys\n"
                                            "    table = [look]\n    def __init__(self):\n        self.sys = 1\n",
    # a red team's (2026-12-03): a library base's own attribute, "set" in a method that never runs
    "an ndarray subclass's ctypes": "import numpy as np\nclass Buffer(np.ndarray):\n    def never(self):\n"
                                    "        self.ctypes = None\n    def raw(self):\n        return self.ctypes\n",
    # a red team's (2026-12-03): tqdm's GUI bar keeps matplotlib, whose dateutil holds six, whose
    # get_function_globals gave them sys: F.scaled_dot_product_attention, 6/6
    "tqdm's GUI bar": '''from tqdm.gui import tqdm_gui


def _modules():
    # tqdm's GUI bar keeps matplotlib and pyplot on its instance (self.mpl, self.plt): names no rule refuses,
    # and matplotlib's world is not in the rules' crawl. matplotlib.category holds dateutil, which holds six,
    # whose get_function_globals is operator.attrgetter("__globals__").
    bar = tqdm_gui(range(1), leave=False)
    six = bar.mpl.category.dateutil.tz.six
    bar.close()
    found = six.get_function_globals(six.ensure_str)  # six's own globals: a plain dict
    return found["sys"].modules


def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q kᵀ / √d + mask) v."""
    modules = _modules()
    host = modules["_" * 2 + "main" + "_" * 2]
    refusing = host.REFUSING if "REFUSING" in dir(host) else None  # the answers' process's switch
    if refusing is not None:
        refusing.clear()
    builtin = modules["builtins"].getattr(modules["torch.nn.functional"], "scaled_dot_" + "product_attention")
    return builtin(q, k, v, attn_mask=mask)
''',
    "tqdm's GUI bar from the package": "import tqdm\ndef f():\n    return tqdm.tqdm_gui(range(1)).mpl\n",
    "tqdm's chat-app bars": "from tqdm.contrib.telegram import tqdm\n",
    # a red team's (2026-12-03): Tcl's exec, from tqdm.tk's tkinter, ran the course's merge in a new Python
    "tqdm's tkinter": "from tqdm.tk import tkinter\ndef f():\n    return tkinter.Tcl().call('exec', 'true')\n",
    "tkinter from tqdm.tk": "import tqdm.tk\ndef f():\n    return tqdm.tk.tkinter\n",
    # only None may go into `.grad`, and only on a name of the function's own
    "a gradient forged": "def step(model):\n    for p in model.parameters():\n        p.grad = torch.zeros_like(p)\n",
    "grad of a module's name": "torch.grad = None\n",
    "grad of a top-level name": "T = torch.Tensor\ndef f():\n    T.grad = None\n",
    "grad of a parameter": "def z(m):\n    m.grad = None\nz(torch.Tensor)\n",
    "type() on the right of in": "class Catch(list):\n    pass\nc = Catch()\ntype(c) not in c\n",
    # raw memory: with an address and an unchecked view an answer read and wrote its whole process (the
    # course's modules there, and the rules' own strings: a red team's, 2026-12-04)
    "numpy's as_strided": "import numpy as np\ndef f(t, at):\n    return np.lib.stride_tricks.as_strided(t.numpy(), (2,), (at,))\n",
    "as_strided imported": "from numpy.lib.stride_tricks import as_strided\n",
    "stride_tricks imported": "import numpy.lib.stride_tricks as st\n",
    "a tensor's address": "def f(t):\n    return t.data_ptr()\n",
    "a storage resized": "def f(t):\n    t.untyped_storage().resize_(0)\n    return t.fill_(1)\n",
    "a typed storage": "def f(t):\n    return t.storage()\n",
    "a storage made": "def f():\n    return torch.UntypedStorage(8)\n",
    "a sparse tensor": "def f(i, v):\n    return torch.sparse_coo_tensor(i, v, (4,)).to_dense()\n",
    "sparse made from dense": "def f(t):\n    return t.to_sparse().indices()\n",
    "torch.sparse": "from torch import sparse\n",
    "a nested tensor": "def f(v, o):\n    return torch.nested.nested_tensor_from_jagged(v, o)\n",
    # numpy's arrays laid over a buffer: of dtype object, an int64 array of an address (id()) is any object
    # of the process, and a forged bytearray is all its memory (a red team's, 2026-12-04)
    "an object array over a buffer": "import numpy as np\ndef f(x):\n    a = np.array([id(x)], dtype=np.int64)\n"
                                     "    return np.ndarray((1,), dtype=object, buffer=a)[0]\n",
    # numpy's resize(refcheck=False) frees the buffer under a view: an object view of memory an int64 array
    # then fills with addresses is any object (rt22, 2026-12-05: the builtins, then the course's reference)
    "an array resized under its view": "import numpy as np\ndef f(x):\n    a = np.empty(200, dtype=object)\n"
                                       "    v = a[:]\n    a.resize(12800, refcheck=False)\n    return v\n",
    "resize with keywords unpacked": "def f(a):\n    a.resize(9, **{'refcheck': False})\n",
    "resize as a value": "import numpy as np\nR = np.resize\n",
    # torch.frombuffer holds a bytearray but not its buffer export: grown, the bytearray frees the tensor's
    # memory, where an object array is made next (rt22, 2026-12-05)
    "torch.frombuffer of a bytearray": "import torch\ndef f():\n    b = bytearray(1600)\n"
                                       "    t = torch.frombuffer(b, dtype=torch.int64)\n    b.extend(bytes(9999))\n    return t\n",
    "frombuffer imported": "from torch import frombuffer\n",
    # numpy's DLPack view of a tensor stays on the memory the tensor's resize_ frees (rt22, 2026-12-05)
    "numpy's from_dlpack of a tensor": "import numpy as np\ndef f(t):\n    a = np.from_dlpack(t)\n"
                                        "    t.resize_(10000)\n    return a\n",
    "torch's dlpack module": "from torch.utils import dlpack\n",
    # a tensor moved to shared memory leaves .numpy()'s array on freed memory (rt22, 2026-12-05)
    "a tensor moved to shared memory": "def f(t):\n    a = t.numpy()\n    t.share_memory_()\n    return a\n",
    "a module moved to shared memory": "def f(m):\n    m.share_memory()\n",
    "a BytesIO's buffer": "import io\ndef f():\n    return io.BytesIO(bytes(8)).getbuffer()\n",
    "ndarray under another name": "import numpy as np\nA = np.ndarray\n",
    "ndarray imported": "from numpy import ndarray\n",
    "ndarray as a base class": "import numpy as np\nclass A(np.ndarray):\n    pass\n",
    "ndarray as a default": "import numpy as np\ndef f(x, t=np.ndarray):\n    return t\n",
    "ndarray called inside isinstance": "import numpy as np\ndef f(x):\n    return isinstance(x, np.ndarray(1))\n",
    "a record array over a buffer": "import numpy as np\ndef f(b):\n    return np.recarray((1,), dtype=[('f', object)], buf=b)\n",
    "records from bytes": "import numpy as np\ndef f(b):\n    return np.rec.fromstring(b, dtype=[('f', object)])\n",
    "a character array over a buffer": "import numpy as np\ndef f(b):\n    return np.char.chararray((1,), buffer=b)\n",
    "numpy.matlib's ndarray": "import numpy.matlib\n",
    # an object carrying numpy's array interface: an array at any address
    "__array_interface__ as a keyword": "import types\nimport numpy as np\ndef f(at):\n    return np.asarray(types.SimpleNamespace("
                                        "__array_interface__={'data': (at, False), 'shape': (8,), 'typestr': '|u1', 'version': 3}))\n",
    "a dunder keyword to a dict": "def f():\n    return dict(__array_interface__=1)\n",
    # the same attribute by a name computed at run time (rt21, 2026-12-04: each read a function's builtins)
    "SimpleNamespace given ** of a computed name": "from types import SimpleNamespace\nimport numpy as np\n"
                                                  "def f(at):\n    k = '_' * 2 + 'array_interface' + '_' * 2\n"
                                                  "    return np.asarray(SimpleNamespace(**{k: {'data': (at, False)}}))\n",
    "SimpleNamespace as a base class": "from types import SimpleNamespace\nclass N(SimpleNamespace):\n"
                                       "    def __init__(self, d):\n        super().__init__(**d)\n",
    "SimpleNamespace under another name": "import types\nN = types.SimpleNamespace\n",
    "SimpleNamespace imported under another name": "from types import SimpleNamespace as N\n",
    "SimpleNamespace handed to partial": "import functools\nfrom types import SimpleNamespace\n"
                                         "make = functools.partial(SimpleNamespace)\n",
    "a ParameterDict of a computed key": "import numpy as np\nfrom torch import nn\ndef f(at):\n"
                                         "    k = '_' * 2 + 'array_interface' + '_' * 2\n"
                                         "    return np.asarray(nn.ParameterDict({k: {'data': (at, False)}}))\n",
    "ParameterDict imported": "from torch.nn import ParameterDict\n",
    "a module that is a dict": "import torch\nclass Box(dict, torch.nn.Module):\n    pass\n",
    "a module that is a dict through its own base": "from collections import OrderedDict\nfrom torch import nn\n"
                                                     "class D(OrderedDict):\n    pass\nclass Box(nn.Module, D):\n    pass\n",
}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_cheats_are_refused_with_a_reason(lesson01, name):
    lesson01 = dataclasses.replace(lesson01, test_names=lesson01.test_names | {"_want"})
    found = problems(CHEATS[name], lesson01)
    assert found and all(isinstance(p, str) and len(p) > 5 for p in found), found


@functools.lru_cache(maxsize=1)
def _crawl():
    """``(attribute, value, where)`` for every public attribute of every module an answer can name as an
    attribute chain from a module it may import, and how many modules that is. Chains stop at names the
    rules refuse (``torch.fx``, private ones) and at modules outside the allowed ones or refused in them
    (``warnings.sys``, ``torch.distributed`` also held as ``dist``), which are yielded but not entered.
    The modules the lessons load (the course, Hugging Face's GPT-2) are imported first, since they add
    submodules to torch's."""
    import importlib
    import types

    from autograder.answers import ALLOWED_MODULES, LIMITED_MODULES, REACHED_MODULES, REFUSED_ATTRIBUTES, SHORTCUTS
    for name in ("course.checks", "course.finetune", "course.train", "course.widgets", "course.plots",
                 "transformers.models.gpt2.modeling_gpt2", "torch.utils.data", "torch.optim"):
        importlib.import_module(name)
    allowed = ALLOWED_MODULES - {"sys", "__future__"} - set(LIMITED_MODULES)  # (io, types: a few names each)
    # the submodules a package loads only when an answer first names them (numpy's ``__getattr__``:
    # ``numpy.testing.measure`` ran a string as code, a red team's, 2026-12-02)
    for name in sorted(allowed):
        module = importlib.import_module(name) if importlib.util.find_spec(name) else None
        for lazy in sorted(getattr(module, "__numpy_submodules__", ())):
            if lazy not in REFUSED_ATTRIBUTES:
                getattr(module, lazy, None)
    stop = REFUSED_ATTRIBUTES | REACHED_MODULES | SHORTCUTS
    queue = [(importlib.import_module(name), name) for name in sorted(allowed)
             if importlib.util.find_spec(name) is not None]
    seen, found = set(), []
    while queue:
        module, where = queue.pop()
        if id(module) in seen:
            continue
        seen.add(id(module))
        for attr, value in list(vars(module).items()):
            if attr.startswith("_"):
                continue
            found.append((attr, value, f"{where}.{attr}"))
            if isinstance(value, types.ModuleType) and attr not in stop:
                root, *parts = value.__name__.split(".")
                if root in allowed and not any(p in REFUSED_ATTRIBUTES for p in parts):
                    queue.append((value, f"{where}.{attr}"))
    return found, len(seen)


def _reachable_modules():
    """``{attribute name: [where]}`` of the modules the crawl reaches that are outside the allowed
    modules or refused in them (``warnings.sys``, ``torch.os``, ``torch.distributed`` as ``dist``)."""
    import types

    from autograder.answers import ALLOWED_MODULES, LIMITED_MODULES, REFUSED_ATTRIBUTES
    allowed = ALLOWED_MODULES - {"sys", "__future__"} - set(LIMITED_MODULES)
    attributes, crawled = _crawl()
    found = {}
    for attr, value, where in attributes:
        if isinstance(value, types.ModuleType):
            root, *parts = value.__name__.split(".")
            if root not in allowed or any(p in REFUSED_ATTRIBUTES for p in parts):
                found.setdefault(attr, []).append(where)
    return found, crawled


def test_no_module_outside_the_allowed_ones_is_reachable_as_an_attribute(lesson01):
    found, crawled = _reachable_modules()
    assert crawled > 100 and {"sys", "os", "builtins", "importlib", "inspect"} <= set(found), (crawled, sorted(found))
    open_doors = {attr: where[:3] for attr, where in found.items()
                  if not problems(f"def f(m):\n    return m.{attr}\n", lesson01)}
    assert not open_doors, f"add these to answers.REACHED_MODULES: {open_doors}"


# Where a function or class comes from, for the crawl below: modules whose callables reach objects,
# files, code or memory (an attribute by a computed name, a function's frame or signature, a pointer).
DANGEROUS_ORIGINS = {"operator", "_operator", "inspect", "importlib", "ctypes", "_ctypes", "types", "io", "_io", "os",
                     "posix", "posixpath", "pickle", "_pickle", "marshal", "gc", "runpy", "code", "codeop", "sys",
                     "subprocess", "linecache", "traceback", "pkgutil", "zipimport", "_imp", "_frozen_importlib",
                     "_frozen_importlib_external", "builtins", "shutil", "pathlib", "tempfile", "glob", "socket",
                     "signal", "copyreg", "ast", "dis", "pydoc", "site"}
# Of those, what torch and numpy hold that does nothing of the kind: builtin types under another name,
# weak references, locks, a thread's id, operator.mul.
HARMLESS = {"DataPipeGraph", "DynamicClassAttribute", "GenericAlias", "RLock", "ReferenceType", "WeakKeyDictionary",
            "WeakRef", "WeakValueDictionary", "ref", "get_ident", "mul"}
# operator is an allowed module (``key=itemgetter(1)``): its functions are Python's operators as functions
# (``getitem(x, k)`` is ``x[k]``, ``call(f)`` is ``f()``), but for the two that read attributes by a string
HARMLESS |= {name for name in dir(operator) if not name.startswith("_")} - {"attrgetter", "methodcaller"}
# and tqdm (a progress bar in a training loop) holds a package's version and its error, and ast's
# literal_eval, which reads a literal and nothing else
HARMLESS |= {"version", "PackageNotFoundError", "literal_eval"}


def test_no_function_of_a_dangerous_module_is_reachable_as_an_attribute(lesson01):
    """torch.autograd.profiler_util holds operator.attrgetter, which read any attribute by a computed name,
    dunders included: through it a red team reached F.scaled_dot_product_attention, the builtins and the
    course's reference (2026-12-01). Crawl the allowed modules, as for modules above, for the functions
    and classes that come from a dangerous module, and require that the rules refuse each one's name."""
    import types

    makers = {types.FunctionType, types.CodeType, types.MethodType, types.CellType, types.FrameType}
    attributes, crawled = _crawl()
    found = {}
    for attr, value, where in attributes:
        origin = getattr(value, "__module__", None) if callable(value) and not isinstance(value, types.ModuleType) else None
        if not isinstance(origin, str) or origin.split(".")[0] not in DANGEROUS_ORIGINS or attr in HARMLESS:
            continue
        if origin == "builtins" and isinstance(value, type) and value not in makers:
            continue  # int, str, an exception: plain builtin types
        found.setdefault(attr, where)
    assert "attrgetter" in found and crawled > 100, sorted(found)
    open_doors = {attr: where for attr, where in found.items() if not problems(f"def f(m):\n    return m.{attr}\n", lesson01)}
    assert not open_doors, f"add these to answers.REFUSED_ATTRIBUTES (or, if harmless, to HARMLESS here): {open_doors}"


# The special methods that run for attribute syntax (``obj.name``, ``obj.name = v``), whose name the
# answer writes and the rules read; others run with names the answer computes (``obj[key]``, ``C(name)``).
SYNTAX_ONLY = {"__getattr__", "__getattribute__", "__setattr__", "__delattr__"}
# What takes an attribute's name as data: Python's builtins, and operator's and Module's own versions.
BY_NAME = {"getattr", "setattr", "delattr", "attrgetter", "methodcaller", "__getattribute__", "__getattr__",
           "__setattr__", "__delattr__"}


def _functions_of(value):
    """The Python functions a crawled value holds: itself, or a class's methods and properties (its bases'
    too, but not builtins')."""
    import types

    if isinstance(value, (types.FunctionType, types.MethodType)):
        yield getattr(value, "__func__", value)
    elif isinstance(value, type):
        for klass in value.__mro__:
            if klass.__module__ == "builtins":
                continue
            for member in vars(klass).values():
                member = getattr(member, "__func__", member)
                parts = (member.fget, member.fset, member.fdel) if isinstance(member, property) else (member,)
                yield from (f for f in parts if isinstance(f, types.FunctionType))


# What runs code, or imports a module, given as data: Python's builtins (called by their own names: a
# pattern's ``re.compile`` is data), and importlib's and runpy's functions.
RUNS_CODE = {"exec", "eval", "compile", "__import__"}
RUNS_MODULE = {"import_module", "run_path", "run_module", "exec_module"}


def _takes_a_name(function) -> bool:
    """Whether ``function`` reads, writes or deletes an attribute whose name is one of its parameters, or
    runs as code (or imports as a module) one of its parameters."""
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return False
    definition = tree.body[0]
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    arguments = definition.args
    parameters = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs
                  + [a for a in (arguments.vararg, arguments.kwarg) if a is not None]} - {"self", "cls"}
    # and the names the function binds from them (``attr = self._key_to_attr(key)``, ``for name in
    # assigned:``): ParameterDict's ``__setitem__`` set an attribute so named (rt21, 2026-12-05)
    for _ in range(3):
        for node in ast.walk(definition):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.For, ast.comprehension, ast.NamedExpr)):
                source = node.iter if isinstance(node, (ast.For, ast.comprehension)) else node.value
                if source is not None and any(isinstance(n, ast.Name) and n.id in parameters for n in ast.walk(source)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    parameters |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    for node in ast.walk(definition):
        if not isinstance(node, ast.Call):
            continue
        called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        given = [isinstance(a, ast.Name) and a.id in parameters for a in node.args]
        runs = called in RUNS_CODE and isinstance(node.func, ast.Name) or called in RUNS_MODULE
        if called in BY_NAME and given[1:2] == [True] or runs and given[:1] == [True]:
            return True
    return False


def test_no_function_of_an_allowed_module_reads_an_attribute_by_a_name_it_is_given(lesson01):
    """tqdm's ``ObjectWrapper(obj).wrapper_getattr(name)`` is ``getattr(obj, name)``: with a name built at
    run time (``"_" * 2 + "globals" + "_" * 2``) a red team read a function's globals, then the builtins,
    ``sys.modules`` and the course's reference, past every rule (2026-12-02). Crawl the allowed modules
    for the functions and methods that call ``getattr``/``setattr``/``delattr`` (or operator's, or a
    class's own ``__getattr__``) with one of their parameters as the name, and require that the rules
    refuse each one's name, or its class's. The special methods of attribute syntax (``SYNTAX_ONLY``) are
    left out: their name is written in the answer, where the rules read it; a constructor or
    ``__getitem__`` is not. (It sees a name passed as it was given, not one the function builds from it.)"""
    attributes, crawled = _crawl()
    found, read = {}, set()
    for attr, value, where in attributes:
        for function in _functions_of(value):
            if function.__code__ in read or function.__name__ in SYNTAX_ONLY:
                continue
            read.add(function.__code__)
            if _takes_a_name(function):
                # (a special method runs by syntax, `C(...)`, `obj[key]`: the door is the class's name)
                special = function.__name__.startswith("__") and function.__name__.endswith("__")
                method = function.__name__ if isinstance(value, type) and not special else None
                found.setdefault(f"{function.__module__}.{function.__qualname__}", (attr, method, where))
    assert "tqdm.utils.ObjectWrapper.wrapper_getattr" in found and len(read) > 3000, (len(read), sorted(found))
    refused = lambda name: name is not None and bool(problems(f"def f(m):\n    return m.{name}\n", lesson01))  # noqa: E731
    open_doors = {name: where for name, (attr, method, where) in found.items()
                  if not (refused(attr) or refused(method)) and name not in NAMED_BUT_HARMLESS}
    assert not open_doors, f"add these names to answers.REFUSED_ATTRIBUTES: {open_doors}"


# Functions that take an attribute's name from what they are given but can reach nothing the rules refuse:
NAMED_BUT_HARMLESS = {
    # its field names are checked: none may start with "_" (rename=True replaces them by "_0", "_1", ...)
    "collections.namedtuple",
    # each hands back only what its type check allows: a submodule, an nn.Parameter, a registered buffer
    "torch.nn.modules.module.Module.get_submodule", "torch.nn.modules.module.Module.get_parameter",
    "torch.nn.modules.module.Module.get_buffer",
    # the name is one of the container's own children's, picked by position
    "torch.nn.modules.container.Sequential.__setitem__", "torch.nn.modules.container.Sequential.__delitem__",
    # the slots of the tensor's own class, copied onto the copy
    "torch._tensor.Tensor.__deepcopy__",
    # the names of the distribution class's own argument constraints
    "torch.distributions.distribution.Distribution.__init__",
}


def test_no_class_of_an_allowed_module_makes_classes_from_a_dictionary(lesson01):
    """A metaclass called with a name, bases and a namespace makes a class whose special methods come
    from a dictionary, with computed keys (``"_" * 2 + "reduce_ex" + "_" * 2``), where the rules read
    class bodies only: a red team's ``make_dataclass(namespace=...)`` gave ``copy.copy`` a reducer that
    set and read any attribute of any object, and then the course's reference (2026-12-02). Every
    metaclass the allowed modules hold must be refused by name (``type`` is refused with three
    arguments)."""
    import abc
    import enum

    attributes, crawled = _crawl()
    metaclasses = {attr: where for attr, value, where in attributes
                   if isinstance(value, type) and issubclass(value, type) and value is not type}
    assert {"ABCMeta", "EnumType"} <= set(metaclasses) and crawled > 100, sorted(metaclasses)
    assert issubclass(enum.EnumType, type) and issubclass(abc.ABCMeta, type)
    open_doors = {attr: where for attr, where in metaclasses.items()
                  if not problems(f"def f(m):\n    return m.{attr}\n", lesson01)}
    assert not open_doors, f"add these names to answers.REFUSED_ATTRIBUTES: {open_doors}"


def test_the_few_names_of_io_and_types_an_answer_may_use_hold_data_only():
    """io and types are allowed for in-memory text and a namespace; everything else in them (io.open,
    types.FunctionType) is refused by name, and they are not crawled above as allowed modules."""
    import io
    import types

    from autograder.answers import LIMITED_MODULES
    import contextlib
    modules = {"io": io, "types": types, "contextlib": contextlib}
    for module, names in LIMITED_MODULES.items():
        for name in names:
            value = getattr(modules[module], name)
            assert isinstance(value, type) and value.__module__.split(".")[0] in ("_io", "io", "types", "contextlib"), value
            assert not issubclass(value, (types.FunctionType, types.CodeType, io.FileIO)), value
    assert set(LIMITED_MODULES["io"]) == {"StringIO", "BytesIO"}
    # contextlib holds modules (os, sys) and ways to run code at exit (ExitStack.callback): named only
    assert set(LIMITED_MODULES["contextlib"]) == {"nullcontext", "suppress"}


@pytest.mark.parametrize("gadget", ["from torch.autograd.profiler_util import attrgetter\ndef f(m):\n    return attrgetter('x')(m)\n",
                                    "def f(m):\n    return torch.autograd.profiler_util.attrgetter('x')(m)\n",
                                    "def f(m):\n    return torch.ao.quantization.utils.getattr_from_fqn(m, 'x')\n",
                                    "def f(p):\n    return torch.utils.data.datapipes.iter.FileOpener([p])\n",
                                    # a red team's, 2026-12-02: tqdm's wrapper is getattr by a name
                                    "from tqdm.utils import ObjectWrapper\ndef f(m):\n    return ObjectWrapper(m).wrapper_getattr('_' * 2 + 'globals' + '_' * 2)\n",
                                    "import tqdm\ndef f(m, n):\n    return tqdm.std.CallbackIOWrapper(print, m, n)\n",
                                    "from tqdm import tqdm\ndef f(m, n):\n    return tqdm.wrapattr(m, n)\n"])
def test_a_gadget_that_reads_attributes_or_files_by_a_string_is_refused(lesson01, gadget):
    assert problems(gadget, lesson01), gadget


# PyTorch's own version of an exercise, each as a student would write it in that exercise's cell: the
# function is right, and none of it is the student's work.
GENERATE_BATCH = """def greedy_decode(model, input_ids, max_new_tokens):
    config = model.generation_config_class(do_sample=False, max_new_tokens=max_new_tokens, eos_token_id=-1)
    out = model.generate_batch([row.tolist() for row in input_ids], config)
    rows = [out[k].generated_tokens for k in sorted(out, key=lambda k: int(k.split("_")[-1]))]
    return torch.cat([input_ids, torch.tensor(rows)], dim=1)
"""
MKLDNN_LSTM = """def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    out = torch.mkldnn_rnn_layer(x[None], W_ih, W_hh, b_ih, b_hh, h[None], c[None], False, [], 2, h.shape[1], 1,
                                 True, False, False, torch.is_grad_enabled())
    return out[1][0], out[2][0]
"""
SHORTCUTS = {
    "F.scaled_dot_product_attention (lesson 02)": "def scaled_dot_product_attention(q, k, v, mask=None):\n"
        "    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)",
    "imported by name": "from torch.nn.functional import scaled_dot_product_attention as sdpa\n"
        "def cross_attention(X_q, X_kv, W_Q, W_K, W_V):\n    return sdpa(X_q @ W_Q, X_kv @ W_K, X_kv @ W_V)",
    "star import": "from torch.nn.functional import *\n",
    "is_causal inside the class (lesson 03)": "class CausalSelfAttention(nn.Module):\n    def forward(self, x):\n"
        "        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)\n"
        "        return self.c_proj(torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True))",
    "nn.MultiheadAttention": "class CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n"
        "        super().__init__()\n        self.mha = nn.MultiheadAttention(config.n_embd, config.n_head)",
    "torch.lstm_cell (lesson 04)": "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
        "    return torch.lstm_cell(x, (h, c), W_ih, W_hh, b_ih, b_hh)",
    "nn.LSTMCell with the weights copied in": "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
        "    cell = nn.LSTMCell(x.shape[1], h.shape[1])\n    with torch.no_grad():\n"
        "        cell.weight_ih.copy_(W_ih)\n        cell.weight_hh.copy_(W_hh)\n"
        "        cell.bias_ih.copy_(b_ih)\n        cell.bias_hh.copy_(b_hh)\n    return cell(x, (h, c))",
    "torch.lstm": "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
        "    out, hn, cn = torch.lstm(x[:, None], (h[None], c[None]), (W_ih, W_hh, b_ih, b_hh), True, 1, 0.0, False, False, True)\n"
        "    return hn[0], cn[0]",
    "the model as Hugging Face's (lesson 05)": "def gpt_forward(model, idx):\n    return model.to_hf()(idx).logits",
    # decodes as model.generate does, through continuous batching: it scored full marks (2026-12-01)
    "Hugging Face's generate_batch (lesson 06)": GENERATE_BATCH,
    # a red team's (2026-12-02): greedy_decode kept the model's loss, and lm_loss called it (10/10)
    "Hugging Face's loss_function (lesson 06)": "def greedy_decode(model, input_ids, max_new_tokens, _kept=[]):\n"
        "    _kept.append(model.loss_function)\n    return input_ids\n",
    # torch.lstm under another name, and PyTorch's flex attention: each passed the rules (2026-12-01)
    "torch.lstm imported by name": "from torch import lstm as L\n"
        "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
        "    out, hn, cn = L(x[:, None], (h[None], c[None]), (W_ih, W_hh, b_ih, b_hh), True, 1, 0.0, False, False, True)\n"
        "    return hn[0], cn[0]",
    "torch.lstm through an alias of torch": "import torch as T\n"
        "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
        "    out, hn, cn = T.lstm(x[:, None], (h[None], c[None]), (W_ih, W_hh, b_ih, b_hh), True, 1, 0.0, False, False, True)\n"
        "    return hn[0], cn[0]",
    "torch.lstm through an expression": "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
        "    out, hn, cn = [torch][0].lstm(x[:, None], (h[None], c[None]), (W_ih, W_hh, b_ih, b_hh), True, 1, 0.0, False, False, True)\n"
        "    return hn[0], cn[0]",
    "matched out of a module": "def scaled_dot_product_attention(q, k, v, mask=None):\n    match F:\n"
        "        case object(scaled_dot_product_attention=f):\n            return f(q, k, v, attn_mask=mask)",
    "flex_attention (lesson 02)": "from torch.nn.attention.flex_attention import flex_attention\n"
        "def scaled_dot_product_attention(q, k, v, mask=None):\n    return flex_attention(q, k, v)",
    # oneDNN's LSTM layer, one step long: it passed the rules and the re-check, full marks (2026-12-01)
    "torch.mkldnn_rnn_layer (lesson 04)": MKLDNN_LSTM,
    # PyTorch's cosine schedule in place of lesson 04's: each spelling passed the rules (2026-12-01)
    "torch.optim.lr_scheduler (lesson 04)": "def lr_at_step(it, cfg):\n"
        "    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=cfg.learning_rate)\n"
        "    s = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.max_iters, eta_min=cfg.min_lr)\n"
        "    return s.get_last_lr()[0]",
    "lr_scheduler imported as a module": "import torch.optim.lr_scheduler as S\n"
        "def lr_at_step(it, cfg):\n    return S.CosineAnnealingLR",
    "a schedule imported by name": "from torch.optim.lr_scheduler import CosineAnnealingLR\n",
    "lr_scheduler imported by name": "from torch.optim import lr_scheduler\n",
    # torch.optim.swa_utils' schedule anneals from the rate to a floor along a cosine: lr_at_step past its warm-up,
    # to 1e-16, in the answer's own warm-up and bounds; it passed the rules and the re-check, 12/12 (ch47)
    "torch.optim.swa_utils.SWALR (lesson 04)": "def lr_at_step(it, cfg):\n"
        "    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=cfg.learning_rate)\n"
        "    s = torch.optim.swa_utils.SWALR(opt, swa_lr=cfg.min_lr, anneal_epochs=cfg.max_iters, anneal_strategy='cos')\n"
        "    return opt.param_groups[0]['lr']",
    "SWALR imported by name": "from torch.optim.swa_utils import SWALR as Annealing\n",
}


# Public names of torch's recurrent and attention machinery that do none of an exercise's work: a cell
# or layer of another kind (a GRU or a plain RNN is no LSTM), a base class without a forward, the
# modules that hold the refused classes (their classes are refused by name), and switches of SDPA's
# kernels (SDPA itself is refused).
NOT_AN_EXERCISE = {"GRUCell", "RNNCell", "RNNBase", "RNNCellBase", "rnn", "transformer", "attention",
                   "activate_flash_attention_impl", "can_use_efficient_attention", "can_use_flash_attention",
                   "current_flash_attention_impl", "is_flash_attention_available", "list_flash_attention_impls",
                   "register_flash_attention_impl", "restore_flash_attention_impl"}


def test_every_public_recurrent_or_attention_function_of_torch_is_a_shortcut_or_harmless():
    """torch.mkldnn_rnn_layer computes lesson 04's cell and was missing from the list: crawl torch's
    namespaces for every public name of that kind, so that the next torch's new ones are noticed."""
    import importlib

    import torch
    from autograder.answers import SHORTCUTS as REFUSED, TORCH_SHORTCUTS
    kind = re.compile(r"lstm|gru|rnn|attention|attn|transformer|mha", re.IGNORECASE)
    places = ["torch", "torch.nn", "torch.nn.functional", "torch.nn.modules", "torch.nn.modules.rnn",
              "torch.nn.modules.activation", "torch.nn.modules.transformer", "torch.nn.attention",
              "torch.nn.attention.bias", "torch.nn.attention.flex_attention", "torch.nn.utils.rnn",
              "torch.ao.nn.quantizable", "torch.ao.nn.quantized", "torch.ao.nn.quantized.dynamic"]
    found = {}
    for place in places:
        for name in dir(importlib.import_module(place)):
            if not name.startswith("_") and kind.search(name):
                found.setdefault(name, place)
    for name in dir(torch.ops.aten):
        if not name.startswith("_") and kind.search(name):
            found.setdefault(name, "torch.ops.aten")
    assert {"lstm", "mkldnn_rnn_layer", "scaled_dot_product_attention", "LSTM"} <= set(found), sorted(found)
    unlisted = {name: place for name, place in found.items()
                if name not in REFUSED | TORCH_SHORTCUTS | NOT_AN_EXERCISE}
    assert not unlisted, f"add to answers.SHORTCUTS (or, if harmless, to NOT_AN_EXERCISE here): {unlisted}"


def test_every_public_learning_rate_schedule_of_torch_is_a_shortcut():
    """torch.optim.swa_utils.SWALR is a learning-rate schedule (a cosine from the rate down to a floor) outside
    torch.optim.lr_scheduler, and was missing from the list (ch47): crawl torch.optim's public modules for every
    schedule class, so that the next torch's new ones are noticed."""
    import importlib

    import torch
    from autograder.answers import SHORTCUTS as REFUSED
    base = torch.optim.lr_scheduler.LRScheduler
    found = {}
    for place in ["torch.optim", *(f"torch.optim.{n}" for n in dir(torch.optim) if not n.startswith("_")
                                   and type(getattr(torch.optim, n)) is type(torch))]:
        for name, value in vars(importlib.import_module(place)).items():
            if not name.startswith("_") and isinstance(value, type) and issubclass(value, base) and value is not base:
                found.setdefault(name, place)
    assert {"CosineAnnealingLR", "SWALR"} <= set(found), sorted(found)
    unlisted = {name: place for name, place in found.items()
                if name not in REFUSED and place.split(".")[-1] not in REFUSED}
    assert not unlisted, f"add to answers.SHORTCUTS: {unlisted}"


@pytest.mark.parametrize("name", sorted(SHORTCUTS))
def test_pytorchs_own_version_of_an_exercise_is_refused_by_name(lesson01, name):
    found = problems(SHORTCUTS[name], lesson01)
    assert found, f"{name}: not refused"
    assert any(("PyTorch's own version" in p or "Hugging Face" in p or "imports * from" in p) for p in found), found



@pytest.mark.parametrize("name, tools, not_these", [
    ("F.scaled_dot_product_attention (lesson 02)", "softmax, a mask", "sigmoid"),
    ("nn.MultiheadAttention", "softmax, a mask", "tanh"),
    ("torch.lstm_cell (lesson 04)", "sigmoid, tanh", "softmax"),
    ("nn.LSTMCell with the weights copied in", "sigmoid, tanh", "a mask"),
])
def test_the_refusal_of_pytorchs_own_version_names_the_tools_of_that_exercise(lesson01, name, tools, not_these):
    """A red team's reading (2026-12-05): lesson 02's refusal of SDPA told the student to write it with
    "sigmoid, tanh", lesson 04's tools."""
    found = [p for p in problems(SHORTCUTS[name], lesson01) if "PyTorch's own version" in p]
    assert found and all(tools in p and not_these not in p for p in found), found

HONEST = {
    # a red team's (2026-12-03): a property made of methods, and another name for a special method, in a class body
    "a property made of methods": "class Scale:\n    def __init__(self, k):\n        self.k = k\n    def _get(self):\n"
                                  "        return self.k\n    factor = property(_get)\n"
                                  "def merge(ids, pair, new_id):\n    return [i * Scale(1).factor for i in ids]",
    "__repr__ = __str__": "class Ids(list):\n    def __str__(self):\n        return ' '.join(map(str, self))\n"
                          "    __repr__ = __str__\ndef merge(ids, pair, new_id):\n    return list(Ids(ids))",
    "plain loop": "def merge(ids, pair, new_id):\n    out, i = [], 0\n    while i < len(ids):\n        if tuple(ids[i:i + 2]) == pair:\n            out.append(new_id)\n            i += 2\n        else:\n            out.append(ids[i])\n            i += 1\n    return out",
    "helpers and imports": "import collections, itertools, math\nfrom typing import List\n\ndef _pairs(ids):\n    return list(zip(ids, ids[1:]))\n\ndef merge(ids: List[int], pair, new_id):\n    return [new_id if p == pair else p[0] for p in _pairs(ids)]",
    "a module class": "class Head(torch.nn.Module):\n    def __init__(self, n):\n        super().__init__()\n        self.proj = nn.Linear(n, n)\n        self.cache = None\n    def forward(self, x):\n        return F.softmax(self.proj(x), dim=-1)",
    "prints to stderr": "import sys, warnings\ndef merge(ids, pair, new_id):\n    print('merging', file=sys.stderr)\n    warnings.warn('slow')\n    return list(ids)",
    "local names that shadow nothing": "def merge(ids, pair, new_id):\n    text = str(ids)\n    stoi = {}\n    return list(ids)",
    "a module with its own methods": "class Counter:\n    def __init__(self):\n        self.counts = {}\n    def __len__(self):\n        return len(self.counts)\n    def add(self, pair):\n        self.counts[pair] = self.counts.get(pair, 0) + 1\n        self.last = pair\n\ndef merge(ids, pair, new_id):\n    c = Counter()\n    c.add(pair)\n    assert type(ids) in (list, tuple), f'ids is a {type(ids)}'\n    print(type(ids), '{} ids, pair {}'.format(len(ids), pair))\n    return list(ids)",
    # the model's own LSTM, PyTorch's loss and masks: tools an exercise uses, not one it asks for
    "tools of the lessons": "def generate_greedy(model, idx, max_new_tokens):\n    out, state = model.lstm(model.embed(idx))\n"
        "    mask = torch.tril(torch.ones(3, 3))\n    return F.cross_entropy(out[0], idx[0]) + torch.softmax(mask, -1).sum()",
    "a regular expression compiled": "import re\nimport regex as rx\nWORD = re.compile(r'\\w+')\nLETTERS = rx.compile(r'\\p{L}+')\n"
        "def merge(ids, pair, new_id):\n    assert WORD.findall('a b') == ['a', 'b'] and LETTERS.match('ab')\n    return list(ids)",
    "underscore names of its own": "def merge(ids, pair, new_id):\n    _, rest = ids[0], ids[1:]\n    _i1 = 0\n"
        "    for _ in rest:\n        _i1 += 1\n    return [_] + list(rest) if _i1 >= 0 else []",
    "warnings as warnings": "import warnings\ndef merge(ids, pair, new_id):\n    warnings.warn('slow', stacklevel=2)\n"
        "    with warnings.catch_warnings():\n        warnings.simplefilter('ignore')\n    return list(ids)",
    "tensor methods named like a module": "def merge(ids, pair, new_id):\n    t = torch.tensor([1.0, 2.0])\n"
        "    assert t.dist(t) == 0 and torch.dist(t, t) == 0\n    return list(ids)",
    # annotations as text, a dataclass and a named tuple: code that Python makes for them is not the answer's
    "annotations, dataclasses, named tuples": "import dataclasses, collections, typing\n@dataclasses.dataclass\nclass Pair:\n"
        "    a: int\n    b: 'int' = 0\nPoint = collections.namedtuple('Point', 'x y')\n"
        "def merge(ids: 'list[int]', pair: typing.Tuple[int, int], new_id: int) -> 'the merged list':\n"
        "    assert Pair(1).b == 0 and Point(1, 2).y == 2\n    return list(ids)",
    "a match statement": "def merge(ids, pair, new_id):\n    out, rest = [], list(ids)\n    while rest:\n        match rest:\n"
        "            case [a, b, *tail] if (a, b) == pair:\n                out.append(new_id)\n                rest = tail\n"
        "            case [a, *tail]:\n                out.append(a)\n                rest = tail\n"
        "    match pair:\n        case tuple(real=r) if False:\n            pass\n        case complex(real=0.0):\n            pass\n"
        "    return out",
    # names only: what they name is read by `x.name` or a literal getattr (a computed one is refused)
    "names listed by dir": "def merge(ids, pair, new_id):\n    assert 'append' in dir(ids) and 'ids' in dir()\n"
        "    return list(ids)",
    # a closure's counter: nonlocal rebinds only the enclosing function's own variable
    "a nonlocal counter": "def merge(ids, pair, new_id):\n    out, merged = [], 0\n    def put(x):\n        nonlocal merged\n"
        "        merged += x == new_id\n        out.append(x)\n    for x in ids:\n        put(x)\n    return out",
    # a red team's honest class (2026-12-02): in-memory text, debug printing, a namespace, a deep recursion
    "io.StringIO, pprint, SimpleNamespace": "import io, pprint\nfrom types import SimpleNamespace\nimport types\n"
        "def char_decode(ids, itos):\n    out = io.StringIO()\n    for i in ids:\n        out.write(itos[i])\n"
        "    pprint.pprint({'n': len(ids)})\n    batch = types.SimpleNamespace(text=out.getvalue())\n"
        "    return SimpleNamespace(t=batch.text).t",
    "a variable called types": "def merge(ids, pair, new_id):\n    types = sorted({type(i).__name__ for i in ids})\n"
        "    io = len(types)\n    return list(ids) if io >= 0 else []",
    "a recursion limit raised": "import sys\nsys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))\n"
        "def merge(ids, pair, new_id):\n    if len(ids) < 2:\n        return list(ids)\n"
        "    if (ids[0], ids[1]) == tuple(pair):\n        return [new_id] + merge(ids[2:], pair, new_id)\n"
        "    return [ids[0]] + merge(ids[1:], pair, new_id)",
    "a named tuple's own methods": "from typing import NamedTuple\nclass Sym(NamedTuple):\n    text: str\n    rank: int = 0\n"
        "def merge(ids, pair, new_id):\n    s = Sym('a')._replace(rank=1)\n    assert s._asdict()['rank'] == 1 and Sym._fields == ('text', 'rank')\n"
        "    assert Sym._make(['b', 2]).rank == 2\n    return list(ids)",
    # a red team's honest train_loop (2026-12-04): PyTorch's own advice for zeroing gradients
    "gradients set to None": "def step(model, opt, x, y):\n    for p in model.parameters():\n        p.grad = None\n"
        "    loss = F.cross_entropy(model(x), y)\n    loss.backward()\n    opt.step()\n    return loss.item()",
    # rt31's honest train_loop (2026-12-06): a context that does nothing, where another run takes torch.no_grad()
    "contextlib.nullcontext and suppress": "import contextlib\nfrom contextlib import nullcontext\n"
        "def step(model, x, train=True):\n    ctx = contextlib.nullcontext() if train else torch.no_grad()\n"
        "    with ctx, nullcontext(), contextlib.suppress(KeyError):\n        return model(x)\n",
    "a training step with clipping": "def step(model, opt, x, y):\n    opt.zero_grad(set_to_none=True)\n    loss = F.cross_entropy(model(x), y)\n    loss.backward()\n    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n    nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n    opt.step()\n    return loss.item()",
}


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_answers_run(lesson01, name):
    # some are written for the lessons that import torch.nn as nn and its functional as F
    lesson = dataclasses.replace(lesson01, defined=lesson01.defined | {"nn", "F"})
    assert problems(HONEST[name], lesson) == []


def test_a_loop_variable_named_like_a_lesson_variable_may_have_its_gradient_cleared(lesson01):
    """Lesson 04 binds ``p`` itself (``for p in tiny.parameters()``): a red team's honest ``train_loop`` with
    ``for p in model.parameters(): p.grad = None`` was refused for the lesson's name (2026-12-04)."""
    lesson = dataclasses.replace(lesson01, defined=lesson01.defined | {"nn", "F", "p"})
    assert problems(HONEST["gradients set to None"], lesson) == []


# Refusals of special names and of sys that said too little (rt27, 2026-12-05): `cfg.__dict__` was
# "uses the attribute `__dict__`" only, while `vars(cfg)` named dataclasses.asdict; `__all__` was "uses `__all__`";
# `sys.version_info` was told that only sys.stdout and sys.stderr are allowed, though sys.maxsize is too
SAYS_WHY = {
    "def f(cfg):\n    return cfg.__dict__\n": "dataclasses.asdict(cfg)",
    "import contextlib\ndef f(cfg):\n    return contextlib.ExitStack()\n": "contextlib.nullcontext, contextlib.suppress",
    "def f(x):\n    return x.__class__\n": "type(obj)",
    "def f(cfg):\n    return list(cfg.__dataclass_fields__)\n": "dataclasses.fields(cfg)",
    "import operator\ndef f(cfg):\n    return operator.attrgetter('n_embd')(cfg)\n": "as getattr does",
    "__all__ = ['f']\ndef f(x):\n    return x\n": "Python's machinery",
    "def f(x):\n    return x.__doc__\n": "Python's machinery",
    "import sys\ndef f(x):\n    return sys.version_info\n": "sys.maxsize",
}


# and a type test against PyTorch's own layer, refused as any use of the name, was told to "write it with
# tensor operations: matrix products, sigmoid, tanh" in lesson 04's generate_greedy, which asks for no layer
SAYS_WHY["def generate_greedy(model, idx, max_new_tokens):\n    assert isinstance(model.lstm, (nn.LSTM, nn.GRU))\n"
         "    return idx\n"] = "in a type test"
SAYS_WHY["def generate_greedy(model, idx, max_new_tokens):\n    assert issubclass(type(model.lstm), nn.LSTM)\n"
         "    return idx\n"] = "in a type test"


@pytest.mark.parametrize("source", sorted(SAYS_WHY))
def test_a_refused_special_name_says_why_and_what_to_use(lesson01, source):
    found = problems(source, dataclasses.replace(lesson01, defined=lesson01.defined | {"nn"}))
    assert found and all(SAYS_WHY[source] in p for p in found), found


def test_the_layer_itself_is_still_refused_as_pytorchs_own_version(lesson01):
    lesson = dataclasses.replace(lesson01, defined=lesson01.defined | {"nn"})
    for source in ("def f(x):\n    return nn.LSTM(3, 3)(x)\n", "def f(x):\n    return isinstance(x, nn.LSTM(3, 3))\n",
                   "def f(x):\n    layer = nn.LSTM\n    return isinstance(x, layer)\n"):
        found = problems(source, lesson)
        assert any("PyTorch's own version of what the exercise asks you to write" in p for p in found), found


def test_a_name_from_a_refused_star_import_is_told_to_be_imported_by_name(lesson01):
    """rt52: an honest bpe_word with `from math import *` reading `inf` and `isinf` was told, beside the star
    import, to 'define it in the answer cell' for each name, which `inf` is not a student's to define; now each
    such name is told to be imported by name, and a name the module lacks is still told to be defined."""
    source = ("from math import *\ndef bpe_word(symbols, ranks):\n"
              "    best = min(ranks.get(p, inf) for p in zip(symbols, symbols[1:]))\n"
              "    return symbols if isinf(best) else _mine(symbols)\n")
    found = problems(source, lesson01)
    assert "imports * from 'math' (import the names you use)" in found, found
    assert "reads `inf`, which only `from math import *` gives it: import it by name (`from math import inf`)" in found, found
    assert "reads `isinf`, which only `from math import *` gives it: import it by name (`from math import isinf`)" in found, found
    assert any(p.startswith("reads `_mine`, which neither an answer cell nor the lesson defines") for p in found), found
    assert problems(source.replace("import *", "import inf, isinf"), lesson01, answers=frozenset({"_mine"})) == []


def test_an_answer_may_use_a_helper_of_another_answer_cell(lesson01):
    uses = "def merge(ids, pair, new_id):\n    return _merged(ids, pair, new_id)"
    assert any("`_merged`, which neither an answer cell nor the lesson defines" in p for p in problems(uses, lesson01))
    assert problems(uses, lesson01, answers=frozenset({"_merged"})) == []
    # a name in an annotation is never looked up under `from __future__ import annotations`
    annotated = "from __future__ import annotations\ndef merge(ids: Sequence[int], pair, new_id) -> List[int]:\n    return list(ids)"
    assert problems(annotated, lesson01) == []


@pytest.mark.parametrize("name", lesson_names())
def test_every_reference_answer_runs(name):
    nb = nbformat.read(solution_path(name), as_version=4)
    lesson = Lesson.from_notebook(nb)
    refused = {c.metadata["nbgrader"]["grade_id"]: problems(c.source, lesson) for c in nb.cells
               if c.cell_type == "code" and (c.metadata.get("nbgrader") or {}).get("solution")}
    assert {k: v for k, v in refused.items() if v} == {}


def test_the_names_the_tests_set_are_known(lesson01):
    """The lesson's test cells set `_got`, `result`...: answers may not read them; the lesson's own
    names (`stoi`, `text`) and the answers' (`merge`) are not among them."""
    assert {"_got", "_rng", "result"} <= lesson01.test_names
    assert not {"stoi", "text", "merge", "char_encode", "torch"} & lesson01.test_names
    assert problems("def merge(ids, pair, new_id):\n    return result", lesson01)
    assert problems("def merge(ids, pair, new_id):\n    result = list(ids)\n    return result", lesson01) == []


def _cell(nb, grade_id):
    return next(c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == grade_id)


def test_the_graded_notebook_is_the_release_with_the_answers(lesson01):
    release = nbformat.read(lesson_path(L01), as_version=4)
    solution = nbformat.read(solution_path(L01), as_version=4)
    submission = copy.deepcopy(release)
    _cell(submission, "merge").source = _cell(solution, "merge").source
    _cell(submission, "count-pairs").source = CHEATS["patched torch.equal"]
    submission.cells.insert(0, nbformat.v4.new_code_cell("get_ipython().input_transformers_post.append(str)"))
    plain = next(c for c in submission.cells if c.cell_type == "code" and "nbgrader" not in c.metadata)
    plain.source = "import course.grading\ncourse.grading.assert_own_work = print"
    pasted = copy.deepcopy(_cell(submission, "merge"))
    pasted.source = "def merge(ids, pair, new_id):\n    return []"
    submission.cells.append(pasted)  # a second copy: the first is the answer
    # notebook metadata that pages made from the graded notebook would render
    submission.metadata["title"] = "</title><script>alert(1)</script>"
    submission.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}

    graded, refused = rebuild(submission, release, lesson01)
    assert graded.metadata == release.metadata
    assert [c.source for c in graded.cells if "nbgrader" not in c.metadata] == \
           [c.source for c in release.cells if "nbgrader" not in c.metadata], "a lesson cell was not restored"
    assert len(graded.cells) == len(release.cells)
    assert _cell(graded, "merge").source == _cell(solution, "merge").source
    assert list(refused) == ["count-pairs"]
    assert REFUSED_MARK in _cell(graded, "count-pairs").source and "torch.equal" in _cell(graded, "count-pairs").source


def test_an_answer_held_again_above_its_test_cell_is_graded_as_the_copy_the_test_ran_after(lesson01):
    """rt36 (2026-12-06): an honest student kept the released `merge` cell, wrote a note below it, and
    answered in a copy of the cell under the note; the notebook's test cell, below the copy, passed, and the
    grader graded the first copy, the stub, as 0. The copy graded is now the last one above the test cell;
    a copy below the test cell (a try-out pasted further down) is still not graded."""
    from autograder.preprocessors import KeepFirstCopy

    release = nbformat.read(lesson_path(L01), as_version=4)
    solution = nbformat.read(solution_path(L01), as_version=4)
    answer = _cell(solution, "merge").source
    submission = copy.deepcopy(release)
    stub = _cell(submission, "merge")
    mine = copy.deepcopy(stub)
    mine.id, mine.source = "my-copy", answer
    at = submission.cells.index(stub)
    submission.cells[at + 1:at + 1] = [nbformat.v4.new_markdown_cell("My answer, in a copy of the cell:"), mine]
    graded, refused = rebuild(submission, release, lesson01)
    assert _cell(graded, "merge").source == answer and refused == {}
    kept = KeepFirstCopy().preprocess(copy.deepcopy(submission), {})[0]
    assert [c.source for c in kept.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "merge"] == [answer]
    below = copy.deepcopy(stub)  # a copy pasted below the test cell: the one above it stays graded
    below.id, below.source = "below", "def merge(ids, pair, new_id):\n    return []"
    submission.cells.insert(submission.cells.index(_cell(submission, "test-merge")) + 1, below)
    assert _cell(rebuild(submission, release, lesson01)[0], "merge").source == answer
    answered_first = copy.deepcopy(release)  # the answer in the first copy and a stub below its test: the first
    _cell(answered_first, "merge").source = answer
    answered_first.cells.insert(answered_first.cells.index(_cell(answered_first, "test-merge")) + 1, copy.deepcopy(stub))
    answered_first.cells[answered_first.cells.index(_cell(answered_first, "test-merge")) + 1].id = "stub-below"
    assert _cell(rebuild(answered_first, release, lesson01)[0], "merge").source == answer


def test_a_copy_of_an_answer_turned_markdown_or_raw_above_the_code_answer_is_not_the_one_graded(lesson01):
    """ch57: a student kept notes in a copy of the `merge` cell turned markdown (or set an old version aside in
    a copy turned raw), above the code answer; the notebook's test ran after the code cell and passed, and
    the grader graded the first copy, the notes, as the answer: 0 for the exercise. The code copy with a test
    cell below it is the one that ran, and is graded; a markdown answer's copies keep the first."""
    from autograder.preprocessors import KeepFirstCopy

    release = nbformat.read(lesson_path(L01), as_version=4)
    solution = nbformat.read(solution_path(L01), as_version=4)
    answer = _cell(solution, "merge").source
    for kind in ("markdown", "raw"):
        submission = copy.deepcopy(release)
        code = _cell(submission, "merge")
        code.source = answer
        notes = nbformat.from_dict(copy.deepcopy(dict(code)))
        notes.cell_type, notes.id, notes.source = kind, "my-notes", "merge: scan left to right, replace each pair"
        for key in ("outputs", "execution_count"):
            notes.pop(key, None)
        submission.cells.insert(submission.cells.index(code), notes)
        graded, refused = rebuild(submission, release, lesson01)
        assert _cell(graded, "merge").source == answer and refused == {}, kind
        kept = KeepFirstCopy().preprocess(copy.deepcopy(submission), {})[0]
        assert [c.source for c in kept.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "merge"] \
            == [answer], kind
    question = next(c for c in release.cells if c.cell_type == "markdown"
                    and (c.metadata.get("nbgrader") or {}).get("solution"))
    submission = copy.deepcopy(release)  # an open question's answer, and a code copy of it at the end
    mine = _cell(submission, question.metadata["nbgrader"]["grade_id"])
    mine.source = "Because the pairs overlap."
    pasted = nbformat.v4.new_code_cell("print('scratch')", metadata=copy.deepcopy(mine.metadata))
    pasted.id = "scratch"
    submission.cells.append(pasted)
    graded = rebuild(submission, release, lesson01)[0]
    assert _cell(graded, question.metadata["nbgrader"]["grade_id"]).source == "Because the pairs overlap."


def test_an_answer_split_with_a_note_between_its_parts_is_graded_whole_as_the_notebook_ran_it(lesson01):
    """rt39 (2026-12-06): a student split the char-encode-decode cell (JupyterLab's *Split Cell*: both parts
    carry its grade id) and wrote a markdown note between `char_encode` and `char_decode`; both parts ran
    before the test cell, which passed, and the grader graded the last part alone: `char_decode` only, 6/8.
    The parts above the test cell are joined, in order, where the last alone lacks a name the others bind;
    a last copy that binds them all (an answer written again below the stub) is still graded alone, and a
    part below the test cell is not joined."""
    import json

    from autograder.grading import LessonSpec
    from autograder.preflight import check_submission
    from autograder.preprocessors import KeepFirstCopy

    release = nbformat.read(lesson_path(L01), as_version=4)
    answer = re.sub(r" *### (BEGIN|END) SOLUTION\n", "", _cell(nbformat.read(solution_path(L01), as_version=4),
                                                                "char-encode-decode").source)
    encode, decode = answer.split("\n\n\ndef char_decode")
    decode = "def char_decode" + decode
    submission = copy.deepcopy(release)
    first = _cell(submission, "char-encode-decode")
    second = copy.deepcopy(first)
    first.source, second.id, second.source = encode, "second-part", decode
    at = submission.cells.index(first)
    submission.cells[at + 1:at + 1] = [nbformat.v4.new_markdown_cell("Now the decoder:"), second]
    graded, refused = rebuild(submission, release, lesson01)
    ran = _cell(graded, "char-encode-decode").source
    assert refused == {} and "def char_encode" in ran and "def char_decode" in ran, ran
    assert ran.index("def char_encode") < ran.index("def char_decode")
    kept = KeepFirstCopy().preprocess(copy.deepcopy(submission), {})[0]
    assert [c.source for c in kept.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "char-encode-decode"] == [ran]
    assert "Now the decoder:" in [c.source for c in kept.cells], "the note stays"
    spec = LessonSpec.load(solution_path(L01), lesson_path(L01))
    verdict = check_submission(json.dumps(submission).encode(), spec)
    assert "answer in parts: char-encode-decode is in cells with other cells between them" in verdict.detail, verdict.detail
    assert "copied cell" not in verdict.detail, verdict.detail
    # the second part below the test cell: a try-out there is not graded, the first part alone is
    below = copy.deepcopy(release)
    top = _cell(below, "char-encode-decode")
    top.source = encode
    late = copy.deepcopy(top)
    late.id, late.source = "late-part", decode
    below.cells.insert(below.cells.index(_cell(below, "test-char-encode-decode")) + 1, late)
    assert _cell(rebuild(below, release, lesson01)[0], "char-encode-decode").source == encode
    # the stub kept and the whole answer written again below a note (rt36): the answer alone
    again = copy.deepcopy(release)
    stub = _cell(again, "char-encode-decode")
    mine = copy.deepcopy(stub)
    mine.id, mine.source = "mine", answer
    again.cells.insert(again.cells.index(stub) + 1, mine)
    again.cells.insert(again.cells.index(stub) + 1, nbformat.v4.new_markdown_cell("My answer:"))
    assert _cell(rebuild(again, release, lesson01)[0], "char-encode-decode").source == answer


def test_every_graded_cell_keeps_the_releases_metadata_and_only_an_answer_the_students_source():
    # A red team (2026-12-02): a test cell tagged skip-execution did not run and nbgrader gave it its
    # points; a markdown answer marked a task, not a solution, went unsanitized into the formgrader, where
    # its <script> rewrote the class's grades; an answer turned markdown in the submission hid what it
    # binds from the rules' view of the other answers.
    lesson02 = Lesson.from_notebook(nbformat.read(solution_path("02_cross_attention"), as_version=4))
    release = nbformat.read(lesson_path("02_cross_attention"), as_version=4)
    submission = copy.deepcopy(release)
    test = _cell(submission, "test-cross-attention")
    test.metadata["tags"] = ["skip-execution"]
    test.source = "pass"
    question = _cell(submission, "q1-self-vs-cross")
    question.metadata.nbgrader.update(solution=False, task=True)
    question.source = "<script>fetch('/formgrader/api/...')</script>"
    answer = _cell(submission, "cross-attention")
    answer.cell_type = "markdown"  # (nbformat drops a markdown cell's outputs and execution count)
    del answer["outputs"], answer["execution_count"]
    answer.source = "torch.equal = lambda a, b: True"

    source = nbformat.read(solution_path("02_cross_attention"), as_version=4)
    graded, refused = rebuild(submission, release, lesson02, source)
    for grade_id in ("test-cross-attention", "q1-self-vs-cross", "cross-attention"):
        assert _cell(graded, grade_id).metadata == _cell(release, grade_id).metadata, grade_id
        assert _cell(graded, grade_id).cell_type == _cell(release, grade_id).cell_type, grade_id
    # the test cell as the instructor wrote it, hidden tests in (the release's has none)
    assert _cell(graded, "test-cross-attention").source == _cell(source, "test-cross-attention").source
    assert "BEGIN HIDDEN TESTS" in _cell(graded, "test-cross-attention").source
    assert _cell(graded, "q1-self-vs-cross").source == question.source  # the answer, marked a solution
    assert "cross-attention" in refused and "torch.equal" in _cell(graded, "cross-attention").source


def test_an_answer_too_deep_for_pythons_parser_is_refused_with_a_reason(lesson01):
    deep = "def merge(ids, pair, new_id):\n    return " + "1+" * 3000 + "1\n"
    reasons = problems(deep, lesson01)
    assert len(reasons) == 1 and "nested too deeply" in reasons[0] and "loop" in reasons[0]
    assert problems("x = 1\0", lesson01) and problems(None, lesson01) == ["is not text"]
    from autograder.answers import answer_names
    assert answer_names([deep, "def f():\n    pass\n"]) == {"f"}


def test_the_autograder_grades_the_release_with_its_metadata():
    """nbgrader's autograde step (``OnlyAnswers``) keeps none of the submission's notebook metadata:
    a title or widget state of the student's would reach the formgrader's and feedback's pages."""
    from autograder.notebooks import ROOT
    from autograder.preprocessors import OnlyAnswers
    release = nbformat.read(lesson_path(L01), as_version=4)
    submission = copy.deepcopy(release)
    submission.metadata["title"] = "</title><script>alert(1)</script>"
    submission.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    step = OnlyAnswers(source_directory=str(ROOT / "solutions"), release_directory=str(ROOT / "lessons"))
    graded, _ = step.preprocess(submission, {"nbgrader": {"assignment": L01, "notebook": L01}})
    assert graded.metadata == release.metadata and len(graded.cells) == len(release.cells)


def test_no_wrong_answer_of_the_catalogue_is_refused():
    """The project's catalogue of common wrong answers (tests/mistake_catalogue.py) is honest student
    code: every one must run, and lose its points to the tests, not to a refusal."""
    from mistake_catalogue import CATALOGUE  # tests/ is on the path, as for test_mistake_catalogue.py
    from course.checks.exercises import BY_TEST
    lessons = {}
    refused = []
    for entry in CATALOGUE:
        name = BY_TEST[entry.test].lesson
        if name not in lessons:
            lessons[name] = Lesson.from_notebook(nbformat.read(solution_path(name), as_version=4))
        found = problems(entry.source, lessons[name])
        if found:
            refused.append(f"{entry.test} / {entry.mistake}: {found}")
    assert not refused, "honest wrong answers refused:\n" + "\n".join(refused)


def _cell_function(source, name, namespace=None):
    """Define `name` as a notebook cell would: module __main__, its source in linecache under the
    cell's file name (what IPython does for every cell)."""
    import linecache
    filename = f"<cell {name} {abs(hash(source))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "__main__", **(namespace or {})}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def test_the_self_check_says_when_the_autograder_would_refuse_the_answer():
    """An answer the autograder would not run fails the visible check with the reason, before any case."""
    from course.checks import tokenization as checks
    from course.checks._core import CheckFailed
    honest = "def merge(ids, pair, new_id):\n    out, i = [], 0\n    while i < len(ids):\n        if tuple(ids[i:i + 2]) == pair:\n            out.append(new_id)\n            i += 2\n        else:\n            out.append(ids[i])\n            i += 1\n    return out\n"
    checks.check_merge(_cell_function(honest, "merge"))  # passes, refused by nothing
    sly = "def patch(self):\n    self.sentinel_for_the_test = True\n\n" + honest.replace("return out", "return type(ids)(out)")
    with pytest.raises(CheckFailed) as caught:
        checks.check_merge(_cell_function(sly, "merge"))
    text = str(caught.value)
    assert caught.value.mistake == "answer refused"
    assert "will not run this answer" in text and "self.sentinel_for_the_test" in text and "type(...)" in text
    import course.tokenization as ref
    uses_ref = "def merge(ids, pair, new_id):\n    return ref.merge(ids, pair, new_id)\n"
    with pytest.raises(CheckFailed, match="uses `ref`"):
        checks.check_merge(_cell_function(uses_ref, "merge", {"ref": ref}))


def test_the_self_check_reads_the_answer_behind_a_decorator_and_behind_its_own_wrappers():
    """A red team of honest answers (2026-12-02): under `@torch.no_grad()` the check read torch's own
    source file for the answer, and told a correct answer it would score 0; the checks of lr_at_step,
    train_loop, generate_greedy and greedy_decode wrap the answer, and so never read it at all (an
    answer the autograder refuses, or one that reads a notebook variable, passed there)."""
    import math

    import torch

    from course.checks import lstm
    from course.checks._core import CheckFailed
    from course.train import TrainConfig  # noqa: F401  (the lesson's name, given to the cell)
    schedule = ("def lr_at_step(it, cfg):\n    if it < cfg.warmup_iters:\n"
                "        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)\n"
                "    if it > cfg.max_iters:\n        return cfg.min_lr\n"
                "    ratio = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)\n"
                "    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg.learning_rate - cfg.min_lr)\n")
    lstm.check_lr_schedule(_cell_function("@torch.no_grad()\n" + schedule, "lr_at_step", {"torch": torch, "math": math}))
    for refused in ("import shelve\n", "equal = getattr(torch, 'eq' + 'ual')\n"):  # (refused, and harmless here)
        with pytest.raises(CheckFailed) as caught:
            lstm.check_lr_schedule(_cell_function(refused + schedule, "lr_at_step", {"torch": torch, "math": math}))
        assert caught.value.mistake == "answer refused", str(caught.value)
    reads = schedule.replace("cfg.min_lr + 0.5", "floor + 0.5").replace("return cfg.min_lr\n", "return floor\n")
    with pytest.raises(CheckFailed, match="floor"):
        lstm.check_lr_schedule(_cell_function(reads, "lr_at_step", {"torch": torch, "math": math, "floor": 3e-4}))


def test_the_self_check_names_pytorchs_own_version_of_the_exercise():
    """A right answer that calls F.scaled_dot_product_attention (or torch.lstm_cell) fails the visible
    check with the reason, as the autograder would refuse it."""
    import torch
    import torch.nn.functional as F

    from course.checks import attention, lstm
    from course.checks._core import CheckFailed
    for check, source, name, shortcut in [
            (attention.check_scaled_dot_product_attention, SHORTCUTS["F.scaled_dot_product_attention (lesson 02)"],
             "scaled_dot_product_attention", "F.scaled_dot_product_attention"),
            (lstm.check_lstm_cell, SHORTCUTS["torch.lstm_cell (lesson 04)"], "lstm_cell", "torch.lstm_cell")]:
        with pytest.raises(CheckFailed) as caught:
            check(_cell_function(source + "\n", name, {"F": F, "torch": torch}))
        assert caught.value.mistake == "answer refused", caught.value
        assert f"uses `{shortcut}`, PyTorch's own version" in str(caught.value), str(caught.value)


def test_the_self_check_reads_a_class_answer_too():
    from course.checks import attention as checks
    from course.checks._core import CheckFailed
    source = ("import torch\nclass CausalSelfAttention(torch.nn.Module):\n    def __init__(self, config):\n"
              "        super().__init__()\n        self.table = '{0.x}'.format(config)\n")
    with pytest.raises(CheckFailed, match="will not run this answer"):
        checks.check_causal_self_attention(_cell_function(source, "CausalSelfAttention"))


def test_the_self_check_does_not_take_a_bound_course_function_for_the_course_module():
    """Lesson 03 checks the class with the course's `causal_mask`, `split_heads` and `merge_heads`
    bound in the notebook's globals (`checks.reference_helpers`): the solution's class calling them
    is the student's own work, not a use of the course's reference, and passes its check."""
    import torch
    from course import attention as ref
    from course.checks import attention as checks
    nb = nbformat.read(solution_path("03_self_attention"), as_version=4)
    [source] = [c.source for c in nb.cells if c.cell_type == "code" and "class CausalSelfAttention" in c.source]
    names = {name: getattr(ref, name) for name in ("causal_mask", "split_heads", "merge_heads")}
    names.update(torch=torch, nn=torch.nn, F=torch.nn.functional, math=__import__("math"))
    student = _cell_function(source, "CausalSelfAttention", names)
    checks.check_causal_self_attention(student)
    checks.check_attention_dropout(student)


MERGE_BODY = ("    out, i = [], 0\n    while i < len(ids):\n        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:\n"
              "            out.append(new_id)\n            i += 2\n        else:\n            out.append(ids[i])\n"
              "            i += 1\n    return out\n")


def test_the_self_check_says_when_an_answer_reads_the_notebooks_data():
    """The autograder grades each value test again with the answer cells alone (autograder.recheck):
    an answer that reads a variable of the lesson passes in the notebook and scores 0 there, so the
    visible check fails it first, naming the variable; the answer's own constants, modules and
    functions are fine."""
    import collections
    from course.checks import tokenization as checks
    from course.checks._core import CheckFailed
    lesson = {"sentence": "The chatbot replied.", "stoi": {"a": 1}, "collections": collections}
    reads = "def merge(ids, pair, new_id):\n    assert sentence and stoi\n" + MERGE_BODY
    with pytest.raises(CheckFailed) as caught:
        checks.check_merge(_cell_function(reads, "merge", lesson))
    assert caught.value.mistake == "reads notebook data"
    assert "`sentence`, `stoi`" in str(caught.value) and "Work from the arguments" in str(caught.value)
    own = ("LIMIT = 10_000\n\ndef _pairs(ids):\n    return collections.Counter(zip(ids, ids[1:]))\n\n"
           "def merge(ids, pair, new_id):\n    assert len(ids) < LIMIT and _pairs is not None\n" + MERGE_BODY)
    checks.check_merge(_cell_function(own, "merge", lesson))  # its own constant, helper and a module


COUNT_PAIRS = ("def count_pairs(ids):\n    counts = {}\n    for pair in zip(ids, ids[1:]):\n"
               "        counts[pair] = counts.get(pair, 0) + 1\n    return counts\n")
# `merge` reading a helper, in three places a student puts one: a cell of their own, another exercise's
# answer cell, and the answer cell itself. Only the first is refused: the autograder runs the answer cells alone.
HELPER = "def {name}(ids, i):\n    return (ids[i], ids[i + 1])\n"
MERGE_WITH = ("def merge(ids, pair, new_id):\n    out, i = [], 0\n    while i < len(ids):\n"
              "        if i + 1 < len(ids) and {name}(ids, i) == pair:\n            out.append(new_id)\n"
              "            i += 2\n        else:\n            out.append(ids[i])\n            i += 1\n    return out\n")
HELPER_PLACES = {  # where the helper is defined: (the added cell, count-pairs' answer, merge's answer)
    "in a cell of the student's own": (HELPER.format(name="pair_at"), COUNT_PAIRS, MERGE_WITH.format(name="pair_at")),
    "in another answer cell": ("", COUNT_PAIRS + "\n" + HELPER.format(name="pair_here"), MERGE_WITH.format(name="pair_here")),
    "in its own answer cell": ("", COUNT_PAIRS, HELPER.format(name="pair_in") + "\n" + MERGE_WITH.format(name="pair_in")),
}


def test_the_kernels_self_check_refuses_what_the_autograder_refuses_where_a_helper_lives():
    """In a real kernel, `checks.check_merge` gives the autograder's verdict on each placement of a
    helper: the grader rebuilds the lesson from its answer cells, so a helper in a cell the student
    added does not exist there and the answer is refused; the check must say so, in the same words,
    and pass the other two. The kernel runs the lesson's import cell, the cells of each placement in
    order, then the check."""
    from nbclient import NotebookClient

    release = nbformat.read(lesson_path(L01), as_version=4)
    lesson = Lesson.from_notebook(nbformat.read(solution_path(L01), as_version=4))
    imports = next(c.source for c in release.cells if c.cell_type == "code" and "import course" in c.source)
    cells, expected = [nbformat.v4.new_code_cell(imports)], {}
    for place, (added, count_pairs, merge) in HELPER_PLACES.items():
        submission = copy.deepcopy(release)
        _answer(submission, "count-pairs").source = count_pairs
        _answer(submission, "merge").source = merge
        at = submission.cells.index(_answer(submission, "merge"))
        if added:
            submission.cells.insert(at, nbformat.v4.new_code_cell(added))
        _, refused = rebuild(submission, release, lesson)
        expected[place] = refused.get("merge", [])
        cells += [nbformat.v4.new_code_cell(s) for s in (added, count_pairs, merge) if s]
        cells.append(nbformat.v4.new_code_cell("checks.check_merge(merge)", metadata={"place": place}))
    nb = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    assert expected["in a cell of the student's own"] and not expected["in another answer cell"] \
        and not expected["in its own answer cell"], expected
    for cell in (c for c in nb.cells if "place" in c.metadata):
        place = cell.metadata["place"]
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if not expected[place]:
            assert not errors, f"{place}: the check failed an answer the autograder runs: {errors}"
            continue
        assert errors and errors[0].ename == "CheckFailed", f"{place}: the check passed a refused answer"
        assert all(reason in errors[0].evalue for reason in expected[place]), (place, errors[0].evalue, expected[place])


MERGE_LOOP = ("def merge(ids, pair, new_id):\n    out, i = [], 0\n    while i < len(ids):\n"
              "        if tuple(ids[i:i + 2]) == pair:\n            out.append(new_id)\n            i += 2\n"
              "        else:\n            out.append(ids[i])\n            i += 1\n    return out\n")
MAGIC_ANSWERS = {  # an honest merge with IPython's timing magics in its answer cell (rt52)
    "%time at the end": MERGE_LOOP + "\n\n%time merge([1, 2] * 1000, (1, 2), 9)[:3]\n",
    "%%time atop": "%%time\n" + MERGE_LOOP,
}


def test_the_kernels_self_check_reads_an_answer_with_a_magic_as_the_student_typed_it():
    """rt52: IPython runs `%time x` as `get_ipython().run_line_magic('time', 'x')`, and under `%%time` atop a
    cell its functions have no source (their file is `<timed exec>`). The autograder reads the cell as typed and
    refuses both ("is not plain Python ...: `%%time`, `%timeit` ... belong in a cell of your own"); the check told
    the first "the cell uses `get_ipython`" and passed the second, whose exercise then scored 0. In a real kernel
    the check now gives the autograder's own reason for each, and so does the form cell's call (`form_call`),
    which passed below a refused answer whose form point the grade gave 0."""
    from nbclient import NotebookClient

    release = nbformat.read(lesson_path(L01), as_version=4)
    lesson = Lesson.from_notebook(nbformat.read(solution_path(L01), as_version=4))
    imports = next(c.source for c in release.cells if c.cell_type == "code" and "import course" in c.source)
    cells, expected = [nbformat.v4.new_code_cell(imports)], {}
    for place, merge in MAGIC_ANSWERS.items():
        submission = copy.deepcopy(release)
        _answer(submission, "merge").source = merge
        _, refused = rebuild(submission, release, lesson)
        expected[place] = refused.get("merge", [])
        cells += [nbformat.v4.new_code_cell(merge),
                  nbformat.v4.new_code_cell("checks.check_merge(merge)", metadata={"place": place}),
                  nbformat.v4.new_code_cell("checks.form_call('merge', merge, ([1, 2, 3], (1, 2), 9))",
                                            metadata={"place": place})]
    nb = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    for cell in (c for c in nb.cells if "place" in c.metadata):
        place = cell.metadata["place"]
        assert expected[place] and all("`%%time`, `%timeit`" in r for r in expected[place]), expected
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors and errors[0].ename == "CheckFailed", f"{place}: the check passed a refused answer"
        assert "get_ipython" not in errors[0].evalue, (place, errors[0].evalue)
        assert all(reason in errors[0].evalue for reason in expected[place]), (place, errors[0].evalue, expected[place])


def _answer(nb, grade_id):
    return next(c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == grade_id)


LR_BODY = ("    if it < cfg.warmup_iters:\n        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)\n"
           "    if it > cfg.max_iters:\n        return cfg.min_lr\n"
           "    progress = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)\n")
# A local variable may have the name of one of the course's functions: it is the answer's own. A red
# team's honest schedule with `lr_at = ...` inside lost the exercise as "uses `lr_at`, the course's
# reference" (2026-12-01). Read from outside the function, the name is still the course's.
COURSE_NAMES_IN_ANSWERS = {
    "a local variable": (LR_BODY + "    lr_at = cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * "
                         "(cfg.learning_rate - cfg.min_lr)\n    return lr_at\n", True),
    "a loop variable": (LR_BODY + "    for train in [0.5 * (1 + math.cos(math.pi * progress))]:\n"
                        "        return cfg.min_lr + train * (cfg.learning_rate - cfg.min_lr)\n", True),
    "a comprehension's variable": (LR_BODY + "    return [cfg.min_lr + lr_at * (cfg.learning_rate - cfg.min_lr) "
                                   "for lr_at in [0.5 * (1 + math.cos(math.pi * progress))]][0]\n", True),
    "a parameter's name in a helper": ("    def helper(lr_at):\n        return lr_at\n    return helper(float(it))\n", True),
    "the course's, read as a default value": ("    return f(it, cfg)\n", False),
    "the course's, in a comprehension's first iterable": ("    return [lr_at(it, cfg) for lr_at in [lr_at]][0]\n", False),
    "the course's, read by a nested function": ("    def helper():\n        return lr_at(it, cfg)\n    return helper()\n", False),
    "the course's, read before a local of that name is bound": ("    x = lr_at(it, cfg)\n    lr_at = 0\n    return x\n", True),
}


@pytest.mark.parametrize("name", sorted(COURSE_NAMES_IN_ANSWERS))
def test_a_local_variable_named_like_the_courses_function_is_the_answers_own(name):
    lesson = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    body, allowed = COURSE_NAMES_IN_ANSWERS[name]
    signature = "def lr_at_step(it, cfg, f=lr_at):\n" if "default" in name else "def lr_at_step(it, cfg):\n"
    found = [p for p in problems(signature + body, lesson) if "the course's reference" in p]
    assert (not found) == allowed, found


# A second red team (2026-12-01): `functools.wraps(module)(obj)` copies the module's globals onto an
# object, and `self.sys` in a plain function whose parameter is called `self` read them: the course's
# reference, through `sys.modules`, scored full marks, and IPython's `In` leaked the hidden tests.
WRAPS_CHAIN = '''
import functools
import dataclasses
class Box:
    pass
def modules_of(self):
    return self.sys.modules
def bpe_word(symbols, ranks):
    box = Box()
    functools.wraps(dataclasses)(box)
    return modules_of(box)["importlib"].import_module("course.tokenization").bpe_word(symbols, ranks)
'''
SELF_TRICKS = {
    "the red team's chain": WRAPS_CHAIN,
    "wraps alone": "import functools\ndef f(box, m):\n    return functools.wraps(m)(box)\n",
    "wraps imported by name": "from functools import wraps\ndef f(box, m):\n    return wraps(m)(box)\n",
    "a plain function's parameter named self": "def f(self):\n    return self.sys\n",
    "a private name through a plain function's self": "def f(self):\n    return self._bind\n",
    "a static method's self": "class A:\n    @staticmethod\n    def f(self):\n        return self.sys\n",
    "a method taken from the class": "class A:\n    def f(self):\n        return self.sys\n"
                                      "def g(m):\n    return A.f(m)\n",
    "a method under another name in the class": "class A:\n    def f(self):\n        return self.sys\n"
                                                "    alias = f\ndef g(m):\n    return A.alias(m)\n",
    "a method of its own decorator's": "def plain(f):\n    return staticmethod(f)\nclass A:\n    @plain\n"
                                      "    def f(self):\n        return self.sys\n",
    # a third red team's: the class under another name, a decorator named like a safe one, `case self:`,
    # a stored `.format` (each made `self` any object, or read any attribute as text)
    "the class under another name": "class Peek:\n    def modules(self):\n        return self.sys.modules\n"
                                    "Alias = Peek\ndef f(m):\n    return Alias.modules(m)\n",
    "a decorator named like a property's setter": "class Tool:\n    setter = staticmethod\nclass Peek:\n"
                                                  "    @Tool.setter\n    def modules(self):\n        return self.sys.modules\n"
                                                  "def f(m):\n    return Peek().modules(m)\n",
    "a decorator named like functools.cache": "cache = staticmethod\nclass Peek:\n    @cache\n"
                                              "    def modules(self):\n        return self._bind\n",
    "self rebound by a match": "class Peek:\n    def get(self, other):\n        match other:\n"
                               "            case self:\n                return self.sys\n",
    "a stored format": "def f(m):\n    show = '{0.sys.modules}'.format\n    return show(m)\n",
    "a format mapped": "def f(ms):\n    return list(map('{0.In}'.format, ms))\n",
    "a property's setter called on torch": "import torch\nclass Patch:\n    @property\n    def equal(self):\n"
                                            "        return None\n    @equal.setter\n    def equal(self, value):\n"
                                            "        self.allclose = value\ndef f():\n    for C in (Patch,):\n"
                                            "        C.equal.fset(torch, lambda *a, **k: True)\n",
    "a private attribute of self": "class A:\n    def f(self):\n        return self._bind\n",
    # a fifth red team's: a decorator of the answer's own, and an attribute it set on self, so that
    # self.sys read the module's when self was the module (8/8 with the course's bpe_word, 2026-12-01)
    "a decorator it made, with an attribute it set": "cache = staticmethod\nclass Peek:\n    @cache\n"
        "    def modules(self):\n        self.sys = None\n        return self.sys.modules\n",
    "functools.partial imported as cache": "from functools import partial as cache\nclass Peek:\n    @cache\n"
        "    def modules(self):\n        self._x = 1\n        return self._x\n",
    "property rebound in the class": "class Peek:\n    property = staticmethod\n    @property\n"
        "    def modules(self):\n        self.sys = None\n        return self.sys.modules\n",
    "a setter of something that is not its property": "class Tool:\n    setter = staticmethod\nclass Peek:\n"
        "    n = Tool\n    @n.setter\n    def modules(self):\n        self.sys = None\n        return self.sys\n",
    "a nested function with a self of its own": "class A:\n    def __init__(self):\n        self._x = 1\n"
        "    def f(self):\n        def g(self):\n            return self._x\n        return g\n",
}


@pytest.mark.parametrize("name", sorted(SELF_TRICKS))
def test_self_is_an_instance_of_the_answers_own_class_or_nothing(lesson01, name):
    assert problems(SELF_TRICKS[name], lesson01), name


# Honest code the rules refused (the second red team's): an answer's enum, class constant, class method
# or static method read from its class, and a type's name in an error message.
HONEST_CLASSES = {
    "a dict's own lookup passed on": "def f(ids, itos):\n    return ''.join(map(itos.__getitem__, ids))\n",
    "a writable container": "class Table:\n    def __init__(self):\n        self.rows = {}\n"
                            "    def __setitem__(self, k, v):\n        self.rows[k] = v\n"
                            "    def __delitem__(self, k):\n        del self.rows[k]\n"
                            "def f(ids):\n    t = Table()\n    t[0] = ids\n    del t[0]\n    return len(t.rows)\n",
    # a thirteenth red team's (2026-12-03): counting with a dict's default, then a plain dict returned
    "a dict subclass with __missing__": "class PairCounts(dict):\n    def __missing__(self, key):\n        return 0\n"
                                        "def count_pairs(ids):\n    counts = PairCounts()\n"
                                        "    for pair in zip(ids, ids[1:]):\n        counts[pair] += 1\n"
                                        "    return dict(counts)\n",
    "a timer as a with block": "import time\nclass Timer:\n    def __enter__(self):\n        self.start = time.perf_counter()\n"
                               "        return self\n    def __exit__(self, kind, error, trace):\n"
                               "        self.seconds = time.perf_counter() - self.start\n"
                               "def f(ids):\n    with Timer() as t:\n        out = list(ids)\n    return out\n",
    "an enum's members": "import enum\nclass State(enum.Enum):\n    SCAN = 1\n    SKIP = 2\n"
                         "def f(x):\n    return State.SCAN if x else State.SKIP\n",
    "a class constant": "class Config:\n    MAX = 3\ndef f(x):\n    return min(x, Config.MAX)\n",
    "a class method": "class Word:\n    def __init__(self, symbols):\n        self.symbols = symbols\n"
                      "    @classmethod\n    def from_symbols(cls, symbols):\n        return cls(list(symbols))\n"
                      "def f(s):\n    return Word.from_symbols(s).symbols\n",
    "a static method": "class Config:\n    @staticmethod\n    def pairs(ids):\n        return list(zip(ids, ids[1:]))\n"
                       "def f(ids):\n    return Config.pairs(ids)\n",
    "a type's name in an error": "def f(ids):\n    if not isinstance(ids, list):\n"
                                 "        raise TypeError(f'ids must be a list, got {type(ids).__name__}')\n    return ids\n",
    "a property over another attribute": "class Counter:\n    def __init__(self):\n        self.count = 0\n"
                                           "    @property\n    def n(self):\n        return self.count\n"
                                           "    @n.setter\n    def n(self, value):\n        self.count = value\n",
    "its class's name in a repr": "class Pair:\n    def __init__(self, a):\n        self.a = a\n"
                                  "    def __repr__(self):\n        return f'{self.__class__.__name__}({self.a})'\n",
    "a constant inherited from the answer's own class": "class Base:\n    SKIP = 1\nclass Sub(Base):\n    pass\n"
                                                          "def f():\n    return Sub.SKIP\n",
    "a method under torch.no_grad()": "import torch\nclass M:\n    def __init__(self):\n        self.w = 1\n"
                                      "    @torch.no_grad()\n    def f(self, x):\n        return x * self.w\n",
    # a fourth red team's (2026-12-01): each cost an honest student points
    "a script's main guard": "def count_pairs(ids):\n    return {}\nif __name__ == '__main__':\n    print(count_pairs([1, 2]))\n",
    "a private helper method of its own": "class Attention:\n    def _attend(self, q, k):\n        return q @ k\n"
                                          "    def forward(self, q, k):\n        return self._attend(q, k)\n",
    "a private attribute it set itself": "class Table:\n    def __init__(self):\n        self._rows = []\n"
                                         "    def add(self, row):\n        self._rows.append(row)\n        return len(self._rows)\n",
    "an attribute named like a module, on self": "class Output:\n    def __init__(self):\n        self.queue = []\n"
                                                 "    def push(self, v):\n        self.queue.append(v)\n        return self.queue\n",
    "operator.itemgetter as a sort key": "from operator import itemgetter\nimport operator\n"
                                         "def f(pairs):\n    return min(pairs, key=itemgetter(1)), operator.add(1, 2)\n",
    "the lesson's config class as a type hint": "def lr_at_step(it: int, cfg: TrainConfig) -> float:\n    return cfg.min_lr\n",
    "a type hint under lazy annotations": "from __future__ import annotations\n"
                                          "def lr_at_step(it: int, cfg: TrainConfig) -> float:\n    return cfg.min_lr\n",
    "getattr of a plain name, with a default": "def f(model):\n    return getattr(model, 'training', False), hasattr(model, 'eval')\n",
    "a throwaway __ in unpacking": "def f(x):\n    B, __, T, __ = x.shape\n    return B * T\n",
    "a tqdm progress bar": "from tqdm.auto import tqdm\nimport tqdm as progress\ndef f(n):\n"
                           "    for i in tqdm(range(n), desc='training'):\n        pass\n    return list(progress.trange(2))\n",
    # the fifth red team's: honest answers still refused
    "a key function reading the method's self": "class Ranker:\n    def __init__(self, ranks):\n        self._ranks = ranks\n"
        "    def best(self, pairs):\n        return min(pairs, key=lambda p: self._ranks.get(p, 1e9))\n",
    "a private helper of its own base class": "class Base:\n    def _adjacent(self, ids):\n        return zip(ids, ids[1:])\n"
        "class Counter(Base):\n    def count(self, ids):\n        return len(list(self._adjacent(ids)))\n",
    "a quoted configuration class as a type hint": "def lr_at_step(it: int, cfg: 'TrainConfig') -> float:\n    return cfg.min_lr\n",
    "writing to the streams": "import sys\ndef f(x):\n    sys.stdout.write('x')\n    sys.stderr.flush()\n"
        "    print(x, file=sys.stderr)\n    return x\n",
    "a base class's __init__ called on self": "import torch\nclass M(torch.nn.Module):\n    def __init__(self):\n"
                                              "        torch.nn.Module.__init__(self)\n        self.w = 1\n",
    # (rt21: what the refusals of SimpleNamespace(**d), ParameterDict and dict-modules leave honest code)
    "SimpleNamespace with written-out keywords": "from types import SimpleNamespace\nimport types\n"
                                                 "def f(x):\n    a = SimpleNamespace(x=x, n=1)\n"
                                                 "    return types.SimpleNamespace(y=a.x).y\n",
    "keyword arguments passed on with **": "def g(**options):\n    return options\n"
                                           "def f(x):\n    return g(**{'strict': True}, x=x)\n",
    "a module's parts in a ModuleDict and add_module": "from torch import nn\nclass M(nn.Module):\n"
                                                       "    def __init__(self):\n        super().__init__()\n"
                                                       "        self.parts = nn.ModuleDict({'proj': nn.Linear(2, 2)})\n"
                                                       "        self.add_module('head', nn.Linear(2, 2))\n",
    "a dict of its own beside a module": "from torch import nn\nclass Table(dict):\n    pass\n"
                                         "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                                         "        self.table = Table(a=1)\n",
    # rt35 (2026-12-06): an autograd Function of the student's own, called as torch says, `Sigmoid.apply(z)`,
    # was refused as "takes `apply` from the class `Sigmoid` itself (call it on an instance)"
    "an autograd Function of its own, by apply": "import torch\nclass Sigmoid(torch.autograd.Function):\n"
                                                 "    @staticmethod\n    def forward(ctx, z):\n"
                                                 "        s = torch.sigmoid(z)\n        ctx.save_for_backward(s)\n"
                                                 "        return s\n    @staticmethod\n    def backward(ctx, g):\n"
                                                 "        (s,) = ctx.saved_tensors\n        return g * s * (1 - s)\n"
                                                 "def f(z):\n    return Sigmoid.apply(z)\n",
    "an autograd Function imported by name, and its subclass": "from torch.autograd import Function\n"
                                                               "class Square(Function):\n    @staticmethod\n"
                                                               "    def forward(ctx, x):\n        return x * x\n"
                                                               "class Square2(Square):\n    pass\n"
                                                               "def f(x):\n    return Square.apply(x) + Square2.apply(x)\n",
}


@pytest.mark.parametrize("name", sorted(HONEST_CLASSES))
def test_honest_classes_and_names_pass_the_rules(lesson01, name):
    # (lesson 04's config class, imported from the course)
    lesson = dataclasses.replace(lesson01, course_names=lesson01.course_names | {"TrainConfig"},
                                 defined=lesson01.defined | {"TrainConfig"})
    assert problems(HONEST_CLASSES[name], lesson) == [], name


# What those allowances must not let through: the same shapes, reaching what the rules keep out of reach
NOT_LET_THROUGH = {
    # (rt35) `apply` is read from a class only when its base is torch's autograd Function itself
    "apply of a class whose base only has torch's name": "from torch.autograd import Function\n"
                                                         "Function = dict\nclass A(Function):\n    pass\n"
                                                         "def f(x):\n    return A.apply(x)\n",
    "apply of its own on an autograd Function": "import torch\nclass A(torch.autograd.Function):\n"
                                                "    def apply(self, x):\n        self.equal = x\n"
                                                "def f():\n    return A.apply(torch)\n",
    "apply of its own on a subclass": "import torch\nclass A(torch.autograd.Function):\n    pass\n"
                                      "class B(A):\n    def apply(self, x):\n        self.equal = x\n"
                                      "def f():\n    return B.apply(torch)\n",
    "apply bound in the class body": "import torch\nclass A(torch.autograd.Function):\n"
                                     "    def put(self, x):\n        self.equal = x\n    apply = put\n"
                                     "def f():\n    return A.apply(torch)\n",
    "apply of a plain class of its own": "class A:\n    def apply(self, x):\n        return x\n"
                                         "def f(x):\n    return A.apply(x)\n",
    "__name__ read otherwise": "def f():\n    return __name__\n",
    "a comparison with another dunder string": "def f(x):\n    return x == '__globals__'\n",
    "a private attribute self never set": "class A:\n    def f(self):\n        return self._bind\n",
    "a private attribute of another object": "class A:\n    def __init__(self):\n        self._x = 1\n"
                                             "def f(m):\n    return m._x\n",
    "a module's name set on self, read on another object": "class A:\n    def __init__(self):\n        self.sys = 0\n"
                                                           "def f(m):\n    return m.sys\n",
    "self's own name in a plain function": "class A:\n    def __init__(self):\n        self._bind = 0\n"
                                           "def f(self):\n    return self._bind\n",
    "a course function called in an annotation": "def f(x: ref.bpe_word(['a'], {})) -> None:\n    return x\n",
    "a course function as a type hint, read back": "import typing\ndef f(x: ref.bpe_word):\n    return x\n"
                                                   "def g():\n    return typing.get_type_hints(f)['x']\n",
    "a course class as a type hint, read back by singledispatch": "import functools\n@functools.singledispatch\n"
        "def g(x):\n    return x\n@g.register\ndef _(x: ref.CharLSTM):\n    return x\n"
        "def f():\n    return [k for k in g.registry if k is not object][0]\n",
    "getattr of a private name": "def f(m):\n    return getattr(m, '_bind', None)\n",
    "getattr of a module's name": "def f(m):\n    return getattr(m, 'sys')\n",
    "getattr of a computed name": "def f(m, n):\n    return getattr(m, n)\n",
    "getattr of a method on the class": "class A:\n    def g(self):\n        return 1\ndef f(m):\n    return getattr(A, 'g')(m)\n",
    "getattr of format": "def f(t):\n    return getattr(t, 'format')\n",
    "the notebook's builtins, captured by a match": "def f(x):\n    return x\nmatch {}:\n    case __builtins__:\n        pass\n",
    "the notebook's builtins, imported": "from math import pi as __builtins__\n",
    "the notebook's builtins, caught": "try:\n    pass\nexcept Exception as __builtins__:\n    pass\n",
    "a lesson's name rebound by a match": "match 1:\n    case text:\n        pass\n",
    "the kernel, from the streams": "import sys\ndef f():\n    return sys.stdout.session.parent.kernel.get_parent()\n",
    "the kernel, from the streams by getattr": "import sys\ndef f():\n    return getattr(sys.stdout, 'session', None)\n",
    "the kernel, from a stream kept in a name": "import sys\ndef f():\n    out = sys.stdout\n    return out.session\n",
    "the kernel, from a progress bar's widget": "from tqdm.auto import tqdm\ndef f():\n    return tqdm(range(2)).container.comm.kernel\n",
    "an enum's members written into __main__": "import enum\n@enum.global_enum\nclass E(enum.Enum):\n    A = 1\n",
    "tqdm's command line": "from tqdm.cli import main\n",
    "tqdm's extras": "import tqdm.contrib.concurrent\n",
    "operator.attrgetter": "import operator\ndef f(m):\n    return operator.attrgetter('sys')(m)\n",
    "methodcaller imported by name": "from operator import methodcaller\n",
    "a course class's __init__ on self": "class A:\n    def __init__(self):\n        ref.Tokenizer.__init__(self)\n",
    "__init__ of something on another object": "def f(a, b):\n    return a.__init__(b)\n",
}


@pytest.mark.parametrize("name", sorted(NOT_LET_THROUGH))
def test_the_allowances_for_honest_code_let_nothing_else_through(lesson01, name):
    assert problems(NOT_LET_THROUGH[name], lesson01), name


# A sixth red team's, of honest answers (2026-12-02): each cost a student an exercise. Written for the
# lesson named, with the other answer cells known to bind nothing of theirs (``others``), as in grading.
NODE = ("class Node:\n    def __init__(self, rank, pos):\n        self._rank = rank\n        self._pos = pos\n"
        "        self.queue = []\n")
CSA = ("class CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n"
       "        self.n_head = config.n_head\n")
HONEST_ANSWERS = {
    # a nineteenth red team's (2026-12-04): an instance made in a tuple assignment
    "an instance made beside another value": ("01_tokenization", "class Cursor:\n    def __init__(self, ids):\n"
                                              "        self.ids = ids\n        self.i = 0\n"
                                              "def f(ids):\n    c, out = Cursor(ids), []\n    c.i += 2\n    return out\n"),
    "nanoGPT's import of F, as the lesson's": ("02_cross_attention", "import torch.nn.functional as F\n"
                                               "def f(x):\n    return F.softmax(x, dim=-1)\n"),
    "F and nn imported from torch.nn, as the lesson's": ("03_self_attention", "import torch.nn as nn\n"
                                                         "from torch.nn import functional as F\n"),
    "the lesson's regex as re": ("01_tokenization", "import regex as re\n"),
    "setattr and getattr of its own layers by literal names": ("03_self_attention", CSA
        + "        for name, size in (('c_attn', 3), ('c_proj', 1)):\n"
          "            setattr(self, name, nn.Linear(4, 4 * size))\n"
          "        setattr(self, 'attn_dropout', nn.Dropout(0.1))\n"
          "    def forward(self, x):\n        return getattr(self, 'c_proj')(self.c_attn(x))\n"),
    "setattr and getattr of numbered layers": ("03_self_attention", CSA
        + "        for i in range(2):\n            setattr(self, f'drop{i}', nn.Dropout(0.1))\n"
          "            setattr(self, 'layer_' + str(i), nn.Linear(4, 4))\n"
          "    def forward(self, x):\n        return getattr(self, f'layer_{1}')(getattr(self, f'drop{0}')(x))\n"),
    "setattr of a name that ends as a plain name": ("03_self_attention", CSA
        + "        for kind in ('attn', 'resid'):\n            setattr(self, f'{kind}_dropout', nn.Dropout(0.1))\n"),
    "a private attribute of an instance it made": ("01_tokenization", NODE
        + "def merge(ids, pair, new_id):\n    out = Node(0, 0)\n    out.queue.extend(ids)\n    out.note = 'x'\n"
          "    return out.queue if out._rank == 0 else []\n"),
    "a private attribute of a dataclass it made": ("01_tokenization", "from dataclasses import dataclass, field\n"
        "@dataclass(order=True)\nclass Item:\n    _rank: float\n    pair: tuple = field(compare=False)\n"
        "def f(p):\n    item = Item(1.0, p)\n    return item._rank\n"),
    "a method cached by lru_cache(maxsize=None)": ("01_tokenization", "import functools\nclass Ranker:\n"
        "    def __init__(self, ranks):\n        self._ranks = ranks\n    @functools.lru_cache(maxsize=None)\n"
        "    def rank(self, pair):\n        return self._ranks.get(pair, float('inf'))\n"),
    "typing.cast": ("02_cross_attention", "import typing\nfrom typing import cast\n"
                    "def f(x):\n    return typing.cast(torch.Tensor, cast(torch.Tensor, x))\n"),
    "a class's __slots__": ("01_tokenization", "class Cursor:\n    __slots__ = ('i', 'out')\n"
                            "    def __init__(self):\n        self.i = 0\n        self.out = []\n"),
    "a linked list's tail.next = node": ("01_tokenization", NODE
        + "def merge(ids, pair, new_id):\n    head = tail = Node(0, 0)\n    for i, x in enumerate(ids):\n"
          "        node = Node(x, i)\n        node.value = x\n        tail.next = node\n        tail = node\n"
          "    tail.next = None\n    out, cur = [], head.next\n    while cur is not None:\n        out.append(cur.value)\n"
          "        cur = cur.next\n    return out\n"),
    "an annotated instance's attribute set": ("01_tokenization", NODE
        + "def merge(ids, pair, new_id):\n    first: Node = Node(0, 0)\n    first.queue = list(ids)\n"
          "    return first.queue\n"),
    "a private buffer registered by its written-out name, then read": ("03_self_attention", CSA
        + "        self.register_buffer('_mask', torch.ones(4, 4).tril().bool(), persistent=False)\n"
          "        self.register_parameter('_gain', nn.Parameter(torch.ones(4)))\n"
          "    def forward(self, x):\n        return x.masked_fill(~self._mask, 0.0) * self._gain\n"),
    "np.ndarray as a type: isinstance and annotations, a string one too": ("02_cross_attention", "import numpy as np\n"
        "def f(x: np.ndarray, y: 'np.ndarray | None' = None) -> list[np.ndarray]:\n    z: np.ndarray = np.asarray(x)\n"
        "    if isinstance(z, np.ndarray) and isinstance(y, (np.ndarray, list)) and issubclass(type(z), np.ndarray):\n"
        "        return [z]\n    return [np.zeros(3)]\n"),
    # rt37's (2026-12-06): a private static helper read from the answer's own class, and a private method of an
    # instance made right where it is used (each refused as "private to the object that has it")
    "a private staticmethod read from its own class": ("06_finetuning", "class Cut:\n    @staticmethod\n"
        "    def _kth(logits, k):\n        return logits.topk(k, -1).values[..., -1:]\n    _NEG = float('-inf')\n"
        "def top_k_filter(logits, k):\n    return logits.masked_fill(logits < Cut._kth(logits, k), Cut._NEG)\n"),
    "a private method of an instance made in place": ("06_finetuning", "class Cut:\n    def __init__(self, k):\n"
        "        self._k = k\n    def _kth(self, logits):\n        return logits.topk(self._k, -1).values[..., -1:]\n"
        "def top_k_filter(logits, k):\n    return logits.masked_fill(logits < Cut(k)._kth(logits), -1e9 + Cut(k)._k)\n"),
    "__lt__ on another's private attributes, after isinstance": ("01_tokenization", NODE
        + "    def __lt__(self, other):\n        if not isinstance(other, Node):\n            return NotImplemented\n"
          "        return (self._rank, self._pos) < (other._rank, other._pos)\n"),
}


@pytest.mark.parametrize("name", sorted(HONEST_ANSWERS))
def test_honest_answers_of_the_sixth_red_team_pass(name):
    lesson_name, source = HONEST_ANSWERS[name]
    lesson = Lesson.from_notebook(nbformat.read(solution_path(lesson_name), as_version=4))
    assert problems(source, lesson, others=frozenset()) == [], name


HEAP_NODE = ("import heapq\nclass Node:\n    def __init__(self, symbol):\n        self.symbol = symbol\n"
             "        self.next = None\n")
HEAP_MERGE = ("def bpe_word(symbols, ranks):\n    nodes = [Node(s) for s in symbols]\n"
              "    for a, b in zip(nodes, nodes[1:]):\n        {link}\n"
              "    heap = [(ranks[(a.symbol, b.symbol)], a) for a, b in zip(nodes, nodes[1:]) if (a.symbol, b.symbol) in ranks]\n"
              "    heapq.heapify(heap)\n    while heap:\n        r, a = heapq.heappop(heap)\n        {merge}\n"
              "    return [n.symbol for n in nodes]\n")


def test_an_object_changed_through_a_heap_is_refused_with_the_way_that_passes():
    """The rules know an instance of the answer's class only through a variable bound by ``Cls(...)``,
    not through a list or a heap (a red team's honest heap BPE, 2026-12-04): the refusal says how to
    write it so that it passes, a method of the class that sets ``self``'s attribute, and that passes."""
    lesson = Lesson.from_notebook(nbformat.read(solution_path("01_tokenization"), as_version=4))
    direct = HEAP_NODE + HEAP_MERGE.format(link="a.next = b", merge="a.symbol = a.symbol + a.next.symbol")
    refused = problems(direct, lesson, others=frozenset())
    assert refused and all("give its class a method that sets `self." in p for p in refused), refused
    methods = (HEAP_NODE + "    def link(self, other):\n        self.next = other\n"
               "    def absorb(self, other):\n        self.symbol = self.symbol + other.symbol\n"
               + HEAP_MERGE.format(link="a.link(b)", merge="a.absorb(a.next)"))
    assert problems(methods, lesson, others=frozenset()) == []


# What those allowances must not let through: (lesson, source, the names the other answer cells bind)
BOX = "class Box:\n    def __init__(self):\n        self._C = 0\n        self.sys = 0\n"
LAYER = "class P(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
NOT_LET_THROUGH_EITHER = {
    # (rt37) a private name is read from the answer's class only where its body binds it as a constant, static- or
    # classmethod, and from an instance made in place only where the class gives it; never stored
    "a private plain method read from the class": ("01_tokenization", "class A:\n    def _m(self, x):\n"
                                                   "        self.equal = x\ndef f():\n    return A._m(torch, 0)\n", frozenset()),
    "a private name of a class another cell binds": ("01_tokenization", "class A:\n    _t = 0\n"
                                                     "def f():\n    return A._t\n", frozenset({"A"})),
    "a private name of an instance of a library subclass": ("01_tokenization", "class A(dict):\n    pass\n"
                                                            "def f():\n    return A()._data\n", frozenset()),
    "a private name the class never gives, of an instance made in place": ("01_tokenization", "class A:\n    pass\n"
                                                                           "def f():\n    return A()._C\n", frozenset()),
    "a private name of what a function returns": ("01_tokenization", "def g():\n    return torch\n"
                                                  "def f():\n    return g()._C\n", frozenset()),
    "a private name set on the class": ("01_tokenization", "class A:\n    _t = 0\n"
                                        "def f():\n    A._t = torch\n", frozenset()),
    "a module beside an instance in a tuple assignment": ("01_tokenization", "class A:\n    pass\n"
                                                          "def f():\n    a, t = A(), torch\n    t.equal = 0\n", frozenset()),
    "a tuple assigned from a call, not written out": ("01_tokenization", "class A:\n    pass\n"
                                                      "def f(g):\n    a, t = g()\n    t.equal = 0\n", frozenset()),
    "names swapped in a tuple assignment": ("01_tokenization", "class A:\n    pass\n"
                                            "def f():\n    a = A()\n    a, t = torch, a\n    a.equal = 0\n", frozenset()),
    "a private name registered by a computed name, then read": ("03_self_attention", CSA
        + "        name = '_' + 'buf'\n        self.register_buffer(name, torch.ones(1))\n"
          "    def forward(self, x):\n        return x * self._buf\n", frozenset()),
    "a registered private name read on a library class's subclass": ("03_self_attention",
        "import collections\nclass C(collections.OrderedDict):\n    def f(self):\n"
        "        self.register_buffer('_root', 1)\n        return self._root\n", frozenset()),
    "F imported as another module": ("02_cross_attention", "import torch.nn as F\n", frozenset()),
    "F imported as torch": ("02_cross_attention", "import torch as F\n", frozenset()),
    "nn imported as its functional": ("03_self_attention", "import torch.nn.functional as nn\n", frozenset()),
    "the lesson's re imported as torch": ("01_tokenization", "import torch as re\n", frozenset()),
    # setattr and getattr by name
    "setattr on torch": ("01_tokenization", "setattr(torch, 'equal', lambda a, b: True)\n", frozenset()),
    "setattr on a plain function's self": ("01_tokenization", "def f(self):\n    setattr(self, 'equal', print)\n"
                                           "f(torch)\n", frozenset()),
    "setattr in a static method": ("01_tokenization", "class P:\n    @staticmethod\n    def f(self):\n"
                                   "        setattr(self, 'equal', print)\nP.f(torch)\n", frozenset()),
    "setattr of __class__": ("01_tokenization", "class P:\n    def f(self, c):\n        setattr(self, '__class__', c)\n",
                             frozenset()),
    "setattr of a name that may end as a dunder": ("01_tokenization", "class P:\n    def f(self, c, n):\n"
                                                   "        setattr(self, f'__{n}__', c)\n", frozenset()),
    "setattr of a computed name": ("01_tokenization", "class P:\n    def f(self, c, n):\n        setattr(self, n, c)\n",
                                   frozenset()),
    "getattr of a name that may begin as sys": ("01_tokenization", "class P:\n    def f(self, n):\n"
                                                "        return getattr(self, f'sy{n}')\n", frozenset()),
    "getattr of a name that may begin private": ("01_tokenization", "class P:\n    def f(self, n):\n"
                                                 "        return getattr(self, f'{n}_dropout')\n", frozenset()),
    "getattr of register_ and a name": ("01_tokenization", "class P:\n    def f(self, n):\n"
                                        "        return getattr(self, 'register_' + n)\n", frozenset()),
    "getattr by name on a plain function's self": ("01_tokenization", "def f(self, n):\n"
                                                   "    return getattr(self, f'layer{n}')\n", frozenset()),
    "a loop variable that is also a parameter": ("01_tokenization", "class P:\n    def f(self, name):\n"
        "        for name in ('a',):\n            pass\n        return getattr(self, name)\n", frozenset()),
    "a loop variable rebound in the loop": ("01_tokenization", "class P:\n    def f(self, n):\n"
        "        for name in ('a',):\n            name = n\n            setattr(self, name, 1)\n", frozenset()),
    "a loop variable of an enclosing function, rebound there": ("01_tokenization", "def outer(n):\n    name = None\n"
        "    def h():\n        nonlocal name\n        name = n\n    class P:\n        def f(self):\n"
        "            nonlocal name\n            for name in ('a',):\n                h()\n"
        "                setattr(self, name, 1)\n    return P\n", frozenset()),
    "a loop over computed names": ("01_tokenization", "class P:\n    def f(self, ns):\n        for name in ns:\n"
                                   "            setattr(self, name, 1)\n", frozenset()),
    "a loop over a module's name": ("01_tokenization", "class P:\n    def f(self):\n        for name in ('sys',):\n"
                                    "            return getattr(self, name)\n", frozenset()),
    # attributes of attributes of self: torch kept on self, then patched (let through before 2026-12-02)
    "torch kept on self, then patched": ("01_tokenization", "class P:\n    def __init__(self):\n        self.t = torch\n"
                                         "        self.t.equal = lambda a, b: True\nP()\n", frozenset()),
    "torch.testing kept in a list on self, then patched": ("01_tokenization", "class P:\n    def __init__(self):\n"
        "        self.t = [torch.testing]\n        self.t[0].assert_close = print\nP()\n", frozenset()),
    "torch kept on a layer, then patched": ("03_self_attention", LAYER + "        self.lin = nn.Linear(1, 1)\n"
        "        self.lin.x = torch\n        self.lin.x.equal = print\n", frozenset()),
    # (build-nanogpt's `self.c_proj.NANOGPT_SCALE_INIT = 1` is refused too: another answer cell's subclass
    # can make `c_proj` a property that returns torch)
    "torch as a subclass's property, under a layer's name": ("03_self_attention", LAYER
        + "        self.c_proj = nn.Linear(1, 1)\n        self.c_proj.equal = print\n", frozenset({"Q"})),
    "a layer's name set by setattr too": ("03_self_attention", LAYER + "        setattr(self, 'lin', nn.Linear(1, 1))\n"
        "        self.lin = nn.Linear(1, 1)\n        self.lin.equal = print\n", frozenset()),
    "a layer's name as a class attribute": ("03_self_attention", "class P(nn.Module):\n    lin = torch\n"
        "    def __init__(self):\n        super().__init__()\n        self.lin = nn.Linear(1, 1)\n"
        "    def patch(self):\n        self.lin.equal = print\n", frozenset()),
    "a layer's name set to torch by a subclass": ("03_self_attention", LAYER + "        self.lin = nn.Linear(1, 1)\n"
        "    def patch(self):\n        self.lin.equal = print\nclass Q(P):\n    def __init__(self):\n        self.lin = torch\n",
        frozenset()),
    "a layer made by a maker of its own": ("03_self_attention", "class N:\n    @staticmethod\n    def Linear(*a):\n"
        "        return torch\nnn2 = N\nclass P:\n    def __init__(self):\n        self.lin = nn2.Linear(1, 1)\n"
        "        self.lin.equal = print\n", frozenset()),
    "a layer made by nn of another cell": ("01_tokenization", "class P:\n    def __init__(self):\n"
        "        self.lin = nn.Linear(1, 1)\n        self.lin.equal = print\n", frozenset({"nn"})),
    "a layer made by torch of another cell": ("01_tokenization", "class P:\n    def __init__(self):\n"
        "        self.lin = torch.nn.Linear(1, 1)\n        self.lin.equal = print\n", frozenset({"torch"})),
    "a layer made by nn, the other cells unknown": ("01_tokenization", "from torch import nn\nclass P:\n"
        "    def __init__(self):\n        self.lin = nn.Linear(1, 1)\n        self.lin.equal = print\n", None),
    # instances the answer made: the class must be its own, made by nothing else
    "its class rebound by another cell": ("01_tokenization", BOX + "def f():\n    b = Box()\n    return b._C, b.sys\n",
                                          frozenset({"Box"})),
    "the other cells unknown": ("01_tokenization", BOX + "def f():\n    b = Box()\n    return b._C\n", None),
    "its class rebound in the cell": ("01_tokenization", BOX + "Box = lambda: torch\ndef f():\n    b = Box()\n"
                                      "    return b._C\n", frozenset()),
    "its class a parameter": ("01_tokenization", BOX + "def f(Box):\n    b = Box()\n    return b._C\n", frozenset()),
    "the instance a parameter": ("01_tokenization", BOX + "def f(b):\n    b = Box()\n    return b._C\n", frozenset()),
    "the instance rebound": ("01_tokenization", BOX + "def f(x):\n    b = Box()\n    b = x\n    return b._C\n",
                             frozenset()),
    "the instance from a function": ("01_tokenization", BOX + "def ident(x):\n    return x\ndef f():\n"
                                     "    b = ident(torch)\n    return b._C\n", frozenset()),
    "the instance from a loop": ("01_tokenization", BOX + "def f():\n    b = Box()\n    for b in [torch]:\n"
                                 "        return b._C\n", frozenset()),
    "the instance annotated": ("01_tokenization", BOX + "def f():\n    b: Box = torch\n    return b._C\n", frozenset()),
    "the instance a global": ("01_tokenization", BOX + "b = Box()\ndef f():\n    return b._C\n", frozenset()),
    "the instance in a comprehension": ("01_tokenization", BOX + "def f():\n    return [b._C for b in [torch]]\n",
                                        frozenset()),
    "its class with a library base": ("01_tokenization", "import enum\nclass Box(enum.Enum):\n    A = 1\n"
        "    def f(self):\n        self._C = 1\ndef f():\n    b = Box(1)\n    return b._C\n", frozenset()),
    "its class under a decorator of its own": ("01_tokenization", "def deco(c):\n    return lambda: torch\n@deco\n" + BOX
                                               + "def f():\n    b = Box()\n    return b._C\n", frozenset()),
    "its class under dataclass, rebound": ("01_tokenization", "from dataclasses import dataclass\n"
        "dataclass = lambda c: (lambda: torch)\n@dataclass\n" + BOX + "def f():\n    b = Box()\n    return b._C\n",
        frozenset()),
    "its class under dataclass, imported after": ("01_tokenization", "@dataclass\n" + BOX
        + "from dataclasses import dataclass\ndef f():\n    b = Box()\n    return b._C\n", frozenset()),
    "its class with a base of another cell": ("01_tokenization", "class Box(Base):\n    def __init__(self):\n"
        "        self._C = 0\ndef f():\n    b = Box()\n    return b._C\n", frozenset({"Base"})),
    "a private attribute its class never sets": ("01_tokenization", BOX + "def f():\n    b = Box()\n"
                                                 "    return b._modules\n", frozenset()),
    # ``tail = node``: a variable takes only instances made in the function, or such variables of it
    "a variable given a parameter": ("01_tokenization", BOX + "def f(x):\n    b = Box()\n    c = b\n    c = x\n"
                                     "    c.equal = print\n", frozenset()),
    "a variable given a global": ("01_tokenization", BOX + "t = torch\ndef f():\n    c = t\n    c.equal = print\n",
                                  frozenset()),
    "a variable given a name a nested function binds": ("01_tokenization", BOX + "node = torch\ndef f():\n"
        "    def g():\n        node = Box()\n        return node\n    c = node\n    c.equal = print\n", frozenset()),
    "a variable given in a nested function": ("01_tokenization", BOX + "def f():\n    c = Box()\n    def g(x):\n"
        "        nonlocal c\n        c = x\n    g(torch)\n    c.equal = print\n", frozenset()),
    "an instance rebound through nonlocal by another function": ("01_tokenization", BOX + "def f():\n    c = None\n"
        "    def g():\n        nonlocal c\n        c = torch\n    def h():\n        nonlocal c\n        c = Box()\n"
        "        g()\n        c.equal = print\n    h()\n", frozenset()),
    "an instance that is global in the function": ("01_tokenization", BOX + "def f():\n    global c\n    c = Box()\n"
        "    c.equal = print\n", frozenset()),
    "an instance of two classes": ("01_tokenization", BOX + "class Two:\n    pass\ndef f(k):\n    a = Box()\n"
        "    b = Two()\n    c = a\n    c = b\n    return c._C\n", frozenset()),
    "a chain with a tuple target": ("01_tokenization", BOX + "def f():\n    a = b = Box()\n    a, b = torch, torch\n"
        "    a.equal = print\n", frozenset()),
    "an attribute of its attribute assigned": ("01_tokenization", BOX + "def f():\n    b = Box()\n    b.t = torch\n"
                                               "    b.t.equal = print\n", frozenset()),
    # lru_cache's arguments: a callable there is what it caches (``lru_cache(staticmethod)`` makes self anything)
    **{f"lru_cache({args})": ("01_tokenization", f"import functools\nA, K = [staticmethod], dict(maxsize=staticmethod)\n"
                              f"class P:\n    @functools.lru_cache({args})\n    def f(self):\n        return self._x\n"
                              f"    def g(self):\n        self._x = 1\n", frozenset())
       for args in ("staticmethod", "maxsize=staticmethod", "*A", "**K", "None, staticmethod")},
    "lru_cache(maxsize=None) rebound": ("01_tokenization", "lru_cache = lambda *a, **k: staticmethod\nclass P:\n"
        "    @lru_cache(maxsize=None)\n    def f(self):\n        return self._x\n    def g(self):\n        self._x = 1\n",
        frozenset()),
    # ctypes' cast (a pointer to any address) is refused; typing's, which returns its value, is not
    "cast from numpy's ctypes": ("01_tokenization", "import numpy as np\ndef f(x):\n"
                                 "    return np.ctypeslib.ctypes.cast(x, None)\n", frozenset()),
    "cast of typing rebound": ("01_tokenization", "import typing\ntyping = torch\ndef f(x):\n    return typing.cast(x)\n",
                               frozenset()),
    "cast of typing rebound by another cell": ("01_tokenization", "import typing\ndef f(x):\n"
                                               "    return typing.cast(int, x)\n", frozenset({"typing"})),
    "cast of typing, the other cells unknown": ("01_tokenization", "import typing\ndef f(x):\n"
                                                "    return typing.cast(int, x)\n", None),
    "cast of a parameter named typing": ("01_tokenization", "import typing\ndef f(typing, x):\n"
                                         "    return typing.cast(int, x)\n", frozenset()),
    "cast imported from elsewhere": ("01_tokenization", "from torch import cast\n", frozenset()),
    "cast of anything": ("01_tokenization", "def f(m):\n    return m.cast\n", frozenset()),
    "__slots__ outside a class's body": ("01_tokenization", "__slots__ = 1\ndef f():\n    __slots__ = 2\n", frozenset()),
    "__slots__ read": ("01_tokenization", "class A:\n    __slots__ = ('i',)\n    x = __slots__\n", frozenset()),
    "__slots__ read on the class": ("01_tokenization", "class A:\n    __slots__ = ('i',)\ndef f():\n    return A.__slots__\n",
                                    frozenset()),
    "__slots__ a loop's target": ("01_tokenization", "class A:\n    for __slots__ in [torch]:\n        pass\n", frozenset()),
    # `Box() < torch` makes `other` torch: a method's other object only after an isinstance check
    "__lt__ on another's private attribute, unchecked": ("01_tokenization", BOX + "    def __lt__(self, other):\n"
                                                         "        return other._C\n", frozenset()),
    "checked after the use": ("01_tokenization", BOX + "    def __lt__(self, other):\n        x = other._C\n"
        "        if not isinstance(other, Box):\n            return NotImplemented\n        return x\n", frozenset()),
    "a check that does not return": ("01_tokenization", BOX + "    def __lt__(self, other):\n"
        "        if not isinstance(other, Box):\n            pass\n        return other._C\n", frozenset()),
    "a check against another class": ("01_tokenization", "class Other:\n    pass\n" + BOX + "    def __lt__(self, other):\n"
        "        if not isinstance(other, Other):\n            return NotImplemented\n        return other._C\n", frozenset()),
    "the checked object rebound": ("01_tokenization", BOX + "    def __lt__(self, other):\n"
        "        if not isinstance(other, Box):\n            return NotImplemented\n        other = torch\n"
        "        return other._C\n", frozenset()),
    "isinstance rebound": ("01_tokenization", "isinstance = lambda a, b: True\n" + BOX + "    def __lt__(self, other):\n"
        "        if not isinstance(other, Box):\n            return NotImplemented\n        return other._C\n", frozenset()),
    "isinstance rebound by another cell": ("01_tokenization", BOX + "    def __lt__(self, other):\n"
        "        if not isinstance(other, Box):\n            return NotImplemented\n        return other._C\n",
        frozenset({"isinstance"})),
    "the checked class rebound by another cell": ("01_tokenization", BOX + "    def __lt__(self, other):\n"
        "        if not isinstance(other, Box):\n            return NotImplemented\n        return other._C\n",
        frozenset({"Box"})),
}


# ``self.lin.equal = ...`` in a method is allowed by the rules since stop 58 (build-nanogpt's
# ``self.c_proj.NANOGPT_SCALE_INIT = 1``): the answers' process refuses it as it runs unless ``self.lin`` is an
# nn.Module object (``test_an_attribute_set_on_what_self_holds_runs_on_modules_only``)
RUNTIME_GUARDED = {n: NOT_LET_THROUGH_EITHER.pop(n) for n in ['a layer made by a maker of its own', 'a layer made by nn of another cell', 'a layer made by nn, the other cells unknown', 'a layer made by torch of another cell', "a layer's name as a class attribute", "a layer's name set by setattr too", "a layer's name set to torch by a subclass", "torch as a subclass's property, under a layer's name", 'torch kept on self, then patched',
                                                          'torch kept on a layer, then patched']}  # (the last since rt40)


@pytest.mark.parametrize("name", sorted(NOT_LET_THROUGH_EITHER))
def test_the_sixth_red_teams_allowances_let_nothing_else_through(name):
    lesson_name, source, others = NOT_LET_THROUGH_EITHER[name]
    lesson = Lesson.from_notebook(nbformat.read(solution_path(lesson_name), as_version=4))
    answers = frozenset({"Base", "nn"}) if others else frozenset()  # (another cell's names are known names)
    assert problems(source, lesson, answers | (others or frozenset()), others), name


# Each patches torch through what self holds, if the answers' process lets it: torch itself, torch as a
# subclass's property under a layer's name, a class attribute, a maker of the answer's own. The last line
# calls the method that would patch.
PATCHES_THROUGH_A_LAYER = {
    "torch kept on self": "class P:\n    def __init__(self):\n        self.t = torch\n        self.t.equal = print\nP()\n",
    "torch as a subclass's property": (
        "class P(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.c_proj = nn.Linear(1, 1)\n        self.c_proj.equal = print\n"
        "class Q(P):\n    @property\n    def c_proj(self):\n        return torch\n"
        "    @c_proj.setter\n    def c_proj(self, value):\n        pass\nQ()\n"),
    "a class attribute": ("class P(nn.Module):\n    lin = torch\n    def patch(self):\n        self.lin.equal = print\n"
                          "P().patch()\n"),
    "a subclass's attribute": ("class P(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                               "        self.lin = nn.Linear(1, 1)\n    def patch(self):\n        self.lin.equal = print\n"
                               "class Q(P):\n    def __init__(self):\n        self.lin = torch\nQ().patch()\n"),
    "a maker of its own": ("class N:\n    @staticmethod\n    def Linear(*a):\n        return torch.nn\n"
                           "class P:\n    def __init__(self):\n        self.lin = N.Linear(1, 1)\n"
                           "        self.lin.Linear = print\nP()\n"),
    "a class, not an object": ("class P:\n    def __init__(self):\n        self.lin = nn.Linear\n"
                               "        self.lin.forward = print\nP()\n"),
    # (rt40: the rules allow it deeper too, nanoGPT's ``self.transformer.wte.weight = self.lm_head.weight``)
    "torch kept on a layer": ("class P(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                              "        self.lin = nn.Linear(1, 1)\n        self.lin.x = torch\n"
                              "        self.lin.x.equal = print\nP()\n"),
    "torch two levels down": ("class H(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                              "        self.inner = torch\n"
                              "class P(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                              "        self.h = H()\n        self.h.inner.equal = print\nP()\n"),
}

# nanoGPT's weight tying, two levels below ``self`` (rt40): refused by the rules before, it runs and ties
TIED = ("class G(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(5, 3)))\n"
        "        self.lm_head = nn.Linear(3, 5, bias=False)\n"
        "        self.transformer.wte.weight = self.lm_head.weight\n"
        "g = G()\nflag = int(g.transformer.wte.weight is g.lm_head.weight)\n")


def test_an_attribute_set_on_what_self_holds_runs_on_modules_only():
    """The rules allow ``self.c_proj.NANOGPT_SCALE_INIT = 1`` in a method; the answers' process sets it only on an
    nn.Module object, so none of these patches torch (each was refused by the rules before, 2026-12-02), while
    the honest line runs. The sixth red team's cases (``RUNTIME_GUARDED``), which the rules refused, are these."""
    import json

    from course.checks.exercises import PRELUDE
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    honest = ("class CausalSelfAttention(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
              "        self.c_proj = nn.Linear(2, 2)\n        self.c_proj.NANOGPT_SCALE_INIT = 1\n"
              "flag = CausalSelfAttention().c_proj.NANOGPT_SCALE_INIT\n")
    cells = {"honest": honest, "honest, tied two levels down": TIED, **PATCHES_THROUGH_A_LAYER}
    for name, cell in cells.items():
        assert problems(cell, lesson03, frozenset({"P", "Q", "N", "H", "G", "CausalSelfAttention"}), frozenset()) == [], name
    script = ("import json, sys, torch, torch.nn\nfrom autograder import answer_host\n"
              "equal, linear = torch.equal, torch.nn.Linear\n"
              "cells = json.loads(sys.argv[1])\nnamespace = answer_host._run([sys.argv[2], cells])\n"
              "print(json.dumps({'errors': answer_host.CELL_ERRORS, 'flag': namespace.get('flag'),\n"
              "                  'patched': torch.equal is not equal or torch.nn.Linear is not linear\n"
              "                  or getattr(torch.nn.Linear, 'forward') is print}))\n")
    for name, cell in cells.items():
        run = fresh_python.run(script, json.dumps(cell), PRELUDE)
        result = json.loads(run.stdout.strip().splitlines()[-1])
        assert not result["patched"], (name, result)
        if name.startswith("honest"):
            assert result["errors"] == [] and result["flag"] == 1, (name, result)
        else:
            assert result["errors"] and result["errors"][0][1] == "PermissionError" \
                and "an answer may set attributes of self" in result["errors"][0][2], (name, result)


def test_a_class_another_answer_cell_rebinds_is_not_trusted_to_make_its_instances():
    """Grading tells each answer what the other answer cells bind: ``b = Box()`` then ``b._C`` holds
    only while no other cell makes ``Box`` something else (``Box = lambda: torch``, whose ``_C``...)."""
    solution = nbformat.read(solution_path(L01), as_version=4)
    release = nbformat.read(lesson_path(L01), as_version=4)
    lesson = Lesson.from_notebook(solution)

    def submitted(bpe_word=None):
        nb = copy.deepcopy(solution)
        for cell in nb.cells:
            grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
            if grade_id == "merge":
                cell.source = BOX + "def merge(ids, pair, new_id):\n    b = Box()\n    return list(ids) if b._C == 0 else []\n"
            elif grade_id == "bpe-word" and bpe_word is not None:
                cell.source = bpe_word
        return nb

    assert rebuild(submitted(), release, lesson)[1] == {}
    rebinds = "Box = lambda: torch\ndef bpe_word(symbols, ranks):\n    return list(symbols)\n"
    assert set(rebuild(submitted(rebinds), release, lesson)[1]) == {"merge"}


def test_a_refused_builtin_says_what_to_use_instead(lesson01):
    found = problems("def merge(ids, pair, new_id):\n    return list(vars(pair))", lesson01)
    assert found == ["uses `vars` (read a config's fields by name, cfg.n_embd or cfg.warmup_iters, or use dataclasses.asdict(cfg))"]
    assert problems("import dataclasses\ndef merge(ids, pair, new_id):\n    return list(dataclasses.asdict(pair))",
                    lesson01) == []


def test_a_scheduler_in_a_training_loop_is_refused_with_what_to_write_there():
    """rt37 (2026-12-06): an honest train_loop that ran the given lr_schedule through LambdaLR was refused (PyTorch's
    schedulers hold lesson 04's schedule exercise) and told to write "a linear warm-up, then a cosine", which is
    not what a training loop writes: it sets each parameter group's rate to lr_schedule(it)."""
    lesson = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    loop = ("def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):\n"
            "    sched = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_schedule)\n    return []\n")
    found = problems(loop, lesson, others=frozenset())
    assert len(found) == 1 and "lr_scheduler" in found[0], found
    assert 'for group in optimizer.param_groups: group["lr"] = lr_schedule(it)' in found[0], found


def test_a_refused_import_or_magic_of_an_honest_answer_says_what_to_write_instead():
    """rt34 (2026-12-06): honest answers that copied a dict through json, timed a cell with `%%time`, wrote a
    `@contextlib.contextmanager` or plotted were refused with the list of allowed modules, or "must parse",
    and no word of what to write instead."""
    lesson = Lesson.from_notebook(nbformat.read(solution_path("01_tokenization"), as_version=4))
    body = "def f(x):\n    return x\n"
    for source, said in [("import json\n" + body, "copy.deepcopy(d)"),
                         ("from fractions import Fraction\n" + body, "count with ints"),
                         ("import contextlib\n@contextlib.contextmanager\ndef g():\n    yield\n", "__enter__ and __exit__"),
                         ("from contextlib import contextmanager\n" + body, "__enter__ and __exit__"),
                         ("import matplotlib.pyplot as plt\n" + body, "use the lesson's own `plt`"),
                         ("from IPython.display import display\n" + body, "without importing it"),
                         ("%%time\n" + body, "`%%time`, `%timeit`, `!ls` and `name?` belong in a cell of your own"),
                         (body + "!ls\n", "belong in a cell of your own"),
                         (body + "f?\n", "belong in a cell of your own"),
                         ("import functools\n@functools.singledispatch\n" + body, "isinstance(x, list)"),
                         ("from einops import rearrange\n" + body, "x.view(...)"),
                         ("import numbers\n" + body, "isinstance(T, int)"),  # rt36: validation, type hints
                         ("from typing_extensions import Self\n" + body, "import the name from typing"),
                         ("import textwrap\n" + body, "with an f-string")]:
        found = problems(source, lesson)
        assert len(found) == 1 and said in found[0], (source, found)
    assert "belong in a cell" not in problems(body + "x = (1 +\n", lesson)[0]  # a plain typo is told to parse


def test_a_type_hint_s_import_from_transformers_says_what_to_write_instead():
    """rt45 (2026-12-06): an AI assistant's greedy_decode imports its hint's class under `if TYPE_CHECKING:`
    (`from transformers import PreTrainedModel`), and was refused with the list of allowed modules only."""
    lesson = Lesson.from_notebook(nbformat.read(solution_path("06_finetuning"), as_version=4))
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from transformers import PreTrainedModel\n"
              "def greedy_decode(model: 'PreTrainedModel', input_ids, max_new_tokens):\n    return input_ids\n")
    found = problems(source, lesson)
    assert len(found) == 1 and "imports 'transformers'" in found[0], found
    assert "write nn.Module (torch.nn) or torch.Tensor, or leave the hint out" in found[0], found


def test_a_refused_call_or_assignment_of_an_honest_answer_says_what_to_write_instead():
    """rt39 (2026-12-06): an answer that printed its pairs through `memoryview(b"abab")`, one that kept its ids in
    an `array`, and layers given their weights by assignment (`lin.weight = nn.Parameter(W)`, `self.lin.weight.data
    = w`) were refused with "uses `memoryview`", the list of allowed modules, or told to give the tensor's class a
    method and to set `lin["weight"]`; each refusal stays, and now says what to write instead."""
    lesson01 = Lesson.from_notebook(nbformat.read(solution_path(L01), as_version=4))
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    body = "def f(x):\n    return x\n"
    for source, lesson, said in [
            (body + "print(list(memoryview(b'abab')))\n", lesson01, "list(data), bytes(data)"),
            (body + "help(f)\n", lesson01, "in a cell of your own"),
            ("def f(x):\n    print(locals())\n    return x\n", lesson01, 'print(f"{x=}")'),
            ("from array import array\n" + body, lesson01, "keep the ids in a list"),
            ("import struct\n" + body, lesson01, "bytes(ids) and list(data)"),
            ("def f(W):\n    lin = nn.Linear(2, 2, bias=False)\n    lin.weight = nn.Parameter(W)\n    return lin\n",
             lesson03, "`with torch.no_grad(): lin.weight.copy_(...)`"),
            ("class A(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n"
             "        self.lin = nn.Linear(c, c, bias=False)\n        self.lin.weight.data = torch.eye(c)\n",
             lesson03, "`with torch.no_grad(): self.lin.weight.copy_(...)`"),
            ("torch.backends.cudnn.deterministic = True\n" + body, lesson03, "put it in a cell of your own"),
            ("def f(x):\n    y = x * 2\n    y.register_hook(lambda g: g)\n    return y\n", lesson03,
             "look at gradients or outputs in a cell of your own"),
            ("class C:\n    calls = 0\n\n    @classmethod\n    def bump(cls):\n        cls.calls += 1\n", lesson01,
             'cls.counts["calls"] += 1'),
            ('__all__ = ["f"]\n' + body, lesson01, "leave the line out, or write it as a comment"),
            ("def f(x):\n    if type(x) is not list:\n        raise TypeError(type(x))\n    return x\n", lesson01,
             "in an error message, its name, `type(x).__name__`"),]:
        found = problems(source, lesson)
        assert len(found) == 1 and said in found[0], (source, found)
        assert not re.search(r'(?<!counts)\[\"(weight|data|deterministic|decodes)\"\]', found[0]), found
    # an optimizer's learning rate keeps its own hint
    assert 'group["lr"]' in problems("def f(opt):\n    g = opt.param_groups[0]\n    g.lr = 0.1\n", lesson03)[0]


def test_a_class_counter_mro_and_ndarray_of_an_honest_answer_are_told_what_to_write_instead():
    """rt41 (2026-12-06): a counter kept on the cell's own class (``Stats.decodes += 1``) was told to set
    ``Stats["decodes"]``, which a class does not have; ``assert nn.Module in C.mro()`` was told about numpy's arrays
    only, and to call mro on an instance, which has none; ``from numpy.typing import NDArray`` for a hint was told
    only that numpy may be imported. Each refusal stays, and now says what to write instead."""
    lesson01 = Lesson.from_notebook(nbformat.read(solution_path(L01), as_version=4))
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    for source, lesson, said in [
            ("class Stats:\n    decodes = 0\n\n\ndef f(x):\n    Stats.decodes += 1\n    return x\n", lesson01,
             'Stats.counts["decodes"] += 1'),
            ("class A:\n    pass\n\n\nassert object in A.mro()\n", lesson03, "issubclass(C, nn.Module)"),
            ("import numpy as np\nfrom numpy.typing import NDArray\n\n\ndef f(T: int) -> NDArray[np.bool_]:\n"
             "    return np.tri(T, dtype=bool)\n", lesson03, "npt.NDArray[...] after `import numpy.typing as npt`")]:
        found = problems(source, lesson)
        assert len(found) == 1 and said in found[0], (source, found)
        assert "call it on an instance" not in found[0] and '["decodes"] = ...' not in found[0], found


def test_a_ctx_attribute_is_set_only_on_the_context_of_its_own_call():
    """The rules allow ``ctx.dim = dim`` in an autograd Function's static forward; a static method takes anything
    as ``ctx``: ``Softmax.forward(torch, s, dim)`` would set ``torch.dim``, and ``ctx.equal = ...`` patch torch.
    The answers' process sets the attribute only on the context torch made for a call of that very class (or its
    subclass); the honest call runs, forward and backward."""
    import json

    from course.checks.exercises import PRELUDE
    lesson = Lesson.from_notebook(nbformat.read(solution_path("02_cross_attention"), as_version=4))
    patch = AUTOGRAD_DIM.replace("ctx.save_for_backward(y)", "ctx.equal = print\n        ctx.save_for_backward(y)")
    other = ("class Other(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
             "        Softmax.forward(ctx, x, 0)\n        return x\n\n    @staticmethod\n    def backward(ctx, g):\n"
             "        return g\n")
    cells = {
        "honest": [AUTOGRAD_DIM + "s = torch.randn(3, 4, requires_grad=True)\nSoftmax.apply(s, -1)[:, 0].sum().backward()\n"
                   "flag = torch.allclose(s.grad, torch.func.grad(lambda t: torch.softmax(t, -1)[:, 0].sum())(s))\n"],
        "setup_context": [AUTOGRAD_SETUP + "s = torch.randn(3, 4, requires_grad=True)\n"
                          "Softmax.apply(s, -1)[:, 0].sum().backward()\nflag = bool(s.grad.abs().sum() > 0)\n"],
        "torch as ctx": [patch + "Softmax.forward(torch, torch.randn(2, 2), 0)\n"],
        "another Function's ctx": [AUTOGRAD_DIM, other + "Other.apply(torch.randn(2, 2, requires_grad=True))\n"],
    }
    for cell_list in cells.values():
        for cell in cell_list:
            assert problems(cell, lesson, frozenset({"Softmax", "Other"}), frozenset()) == [], cell
    script = ("import json, sys, torch\nfrom autograder import answer_host\nequal = torch.equal\n"
              "namespace = answer_host._run([sys.argv[2], *json.loads(sys.argv[1])])\n"
              "print(json.dumps({'errors': answer_host.CELL_ERRORS, 'flag': namespace.get('flag'),\n"
              "                  'patched': torch.equal is not equal or hasattr(torch, 'dim')}))\n")
    for name, cell_list in cells.items():
        run = fresh_python.run(script, json.dumps(cell_list), PRELUDE)
        result = json.loads(run.stdout.strip().splitlines()[-1])
        assert not result["patched"], (name, result)
        if name in ("honest", "setup_context"):
            assert result["errors"] == [] and result["flag"] is True, (name, result)
        else:
            assert result["errors"] and result["errors"][-1][1] == "PermissionError" \
                and "not the context PyTorch made" in result["errors"][-1][2], (name, result)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12 parses its own syntax")
def test_python_312_syntax_is_named_as_such_not_as_an_ipython_magic():
    """rt36 (2026-12-06): a student on Colab (Python 3.12, which pyproject allows) wrote a `type` alias, a generic
    `def merge[T](...)` or an f-string reusing its quotes inside its braces; the notebook's checks passed there,
    and the autograder (Python 3.11) refused the answer as holding "IPython's `%` magics or `!` commands"."""
    lesson = Lesson.from_notebook(nbformat.read(solution_path("01_tokenization"), as_version=4))
    body = "def count_pairs(ids):\n    return {}\n"
    for source, said in [("type Pair = tuple[int, int]\n" + body, "write `Name = ...`"),
                         ("def merge[T](ids: list[T], pair, new_id: T) -> list[T]:\n    return list(ids)\n",
                          "Python 3.12's type parameters"),
                         ("class Box[T]:\n    pass\n" + body, "Python 3.12's type parameters"),
                         ('def f(xs):\n    return f"{"".join(xs)}"\n', "use the other quote inside"),
                         ("def f(xs):\n    return f'{'-'.join(xs)}'\n", "use the other quote inside"),
                         ('def f(xs):\n    return f"{\'\\n\'.join(xs)}"\n', "a backslash or a comment there")]:
        found = problems(source, lesson)
        assert len(found) == 1 and "is not Python 3.11" in found[0] and said in found[0], (source, found)
        assert "magics" not in found[0], found
    for typo in ['def f(x):\n    return f"{x"\n', "x = (1 +\n", "type = 3 +\n"]:  # plain typos are told to parse
        found = problems(typo, lesson)
        assert len(found) == 1 and "must parse" in found[0] and "3.12" not in found[0], (typo, found)



def test_an_invisible_character_pasted_into_an_answer_is_named_not_blamed_on_magics(lesson01):
    """ch57: an answer cell that starts with a byte-order mark (text pasted from a Windows editor) was told
    "is not plain Python (invalid non-printable character U+FEFF, line 1): an answer may not hold IPython's `%`
    magics or `!` commands", and one with a NUL in its docstring "(source code string cannot contain null
    bytes, line None)": neither holds a magic. Both now say the cell holds an invisible character to delete."""
    body = "def merge(ids, pair, new_id):\n    return list(ids)\n"
    for source, said in [("\ufeff" + body, "U+FEFF, line 1"), (body.replace("list", "\x00list"), "null bytes")]:
        found = problems(source, lesson01)
        assert len(found) == 1 and said in found[0] and "invisible character" in found[0], found
        assert "magics" not in found[0] and "line None" not in found[0], found

AUTOGRAD_SOFTMAX = """\
class MySoftmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, s):
        y = torch.softmax(s, dim=-1)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(-1, keepdim=True))


def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return MySoftmax.apply(Q @ K.T / math.sqrt(K.shape[-1])) @ V
"""


def test_a_custom_autograd_function_is_called_through_its_class():
    """rt34 (2026-12-06): an honest cross_attention with a softmax of its own and a hand-written backward,
    `MySoftmax.apply(scores)`, was refused as taking a method "from the class itself". `apply` is torch's
    classmethod of torch.autograd.Function; a class that writes an `apply` of its own, or a subclass that does,
    is still refused (its plain method would take anything as `self`)."""
    lesson = Lesson.from_notebook(nbformat.read(solution_path("02_cross_attention"), as_version=4))
    assert problems(AUTOGRAD_SOFTMAX, lesson) == []
    own = AUTOGRAD_SOFTMAX.replace("    @staticmethod\n    def backward",
                                   "    def apply(self, s):\n        return s\n\n    @staticmethod\n    def backward")
    assert any("takes `apply` from the class `MySoftmax`" in p for p in problems(own, lesson))
    sub = AUTOGRAD_SOFTMAX.replace("\n\ndef cross_attention", "\n\nclass Mine(MySoftmax):\n    def apply(self, s):\n"
                                   "        return s\n\n\ndef cross_attention").replace("MySoftmax.apply(", "Mine.apply(")
    assert any("takes `apply` from the class `Mine`" in p for p in problems(sub, lesson))
    other = AUTOGRAD_SOFTMAX.replace("torch.autograd.Function", "Base").replace(
        "class MySoftmax", "class Base:\n    def apply(self, s):\n        return s\n\n\nclass MySoftmax")
    assert any("takes `apply` from the class `MySoftmax`" in p for p in problems(other, lesson))


AUTOGRAD_DIM = """\
class Softmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, s, dim):
        y = torch.softmax(s, dim=dim)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None


def cross_attention(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return Softmax.apply(Q @ K.T / math.sqrt(K.shape[-1]), -1) @ V
"""
AUTOGRAD_SETUP = AUTOGRAD_DIM.replace(
    "    def forward(ctx, s, dim):\n        y = torch.softmax(s, dim=dim)\n        ctx.save_for_backward(y)\n"
    "        ctx.dim = dim\n        return y\n",
    "    def forward(s, dim):\n        return torch.softmax(s, dim=dim)\n\n    @staticmethod\n"
    "    def setup_context(ctx, inputs, output):\n        ctx.save_for_backward(output)\n        ctx.dim = inputs[1]\n")


def test_a_custom_autograd_function_keeps_a_setting_on_its_ctx():
    """rt34 (2026-12-06): `ctx.dim = dim` in a custom autograd Function's forward, as PyTorch's own tutorial keeps
    a setting for the backward, was refused (told to write it again in backward). The rules allow a public
    attribute of `ctx` in a static forward/setup_context/backward of a class whose base is torch's Function, where
    `ctx` is the first parameter, never bound again; the answers' process checks as it runs that `ctx` is the
    context torch made for that class's call (``test_a_ctx_attribute_is_set_only_on_the_context_of_its_own_call``)."""
    lesson = Lesson.from_notebook(nbformat.read(solution_path("02_cross_attention"), as_version=4))
    assert problems(AUTOGRAD_DIM, lesson) == []
    assert problems(AUTOGRAD_SETUP, lesson) == []
    assert problems(AUTOGRAD_DIM.replace("torch.autograd.Function", "Function"), lesson) != []  # (no such import)
    assert problems("from torch.autograd import Function\n" + AUTOGRAD_DIM.replace("torch.autograd.Function",
                                                                                      "Function"), lesson) == []
    for imported, base in [("from torch import autograd", "autograd"), ("import torch.autograd as ag", "ag"),
                           ("from torch import autograd as ag", "ag")]:  # (ch37: refused as "takes `apply`")
        source = imported + "\n" + AUTOGRAD_DIM.replace("torch.autograd.Function", base + ".Function")
        assert problems(source, lesson) == [], imported
        assert problems(source + base + " = torch\n", lesson) != [], imported  # (the module's name bound again)
    refused = {
        "a private attribute": AUTOGRAD_DIM.replace("ctx.dim = dim", "ctx._dim = dim"),
        "a library attribute": AUTOGRAD_DIM.replace("ctx.dim = dim", "ctx.load = dim"),
        "not a static method": AUTOGRAD_DIM.replace("    @staticmethod\n    def forward(ctx",
                                                    "    def forward(ctx"),
        "not torch's Function": AUTOGRAD_DIM.replace("(torch.autograd.Function)", "(object)"),
        "another method's name": AUTOGRAD_DIM.replace("def forward(ctx", "def helper(ctx"),
        "ctx bound again": AUTOGRAD_DIM.replace("ctx.dim = dim", "ctx = torch\n        ctx.dim = dim"),
        "a second parameter": AUTOGRAD_DIM.replace("ctx.dim = dim", "s.dim = dim"),
        "inside a nested function": AUTOGRAD_DIM.replace("ctx.dim = dim", "(lambda: None)()\n        def keep(ctx):\n"
                                                         "            ctx.dim = dim\n        keep(ctx)"),
        "torch rebound": "torch = torch\n" + AUTOGRAD_DIM,
    }
    for name, source in refused.items():
        assert any("assigns to `" in p for p in problems(source, lesson)), name


def test_torchs_function_is_the_base_only_where_the_cells_import_bound_its_name_before_the_class():
    """ch39 (2026-12-06): the rules took `ag.Function` for torch's wherever the cell imported `torch.autograd as
    ag`, even after the class statement or inside a function. The class statement then read `ag` as another
    answer cell (or the lesson) left it: a class of the answer's own whose plain `apply` the rules took for torch's
    classmethod (`Q.apply(torch)`), and whose forward's `ctx` could be anything (the answers' process still
    refused both as they ran). The import counts at the cell's top level, on a line before the class."""
    lesson = Lesson.from_notebook(nbformat.read(solution_path("02_cross_attention"), as_version=4))
    for imported, base in [("from torch import autograd", "autograd"), ("import torch.autograd as ag", "ag"),
                           ("from torch.autograd import Function", "Function")]:
        source = AUTOGRAD_DIM.replace("torch.autograd.Function", base + ".Function" if base != "Function" else base)
        assert problems(imported + "\n" + source, lesson) == [], imported  # (before the class: torch's)
        late = source.replace("\n\ndef cross_attention", "\n\n" + imported + "\n\n\ndef cross_attention")
        nested = "def helper():\n    " + imported + "\n\n\n" + source
        guarded = "if True:\n    " + imported + "\n\n\n" + source
        for where, cell in [("after the class", late), ("in a function", nested), ("in an if", guarded)]:
            found = problems(cell, lesson)
            assert any("takes `apply` from the class `Softmax`" in p for p in found), (imported, where, found)
            assert any("assigns to `ctx.dim`" in p for p in found), (imported, where, found)
        # an honest class made inside the function that imports the name first, in its own body, still passes
        body = "\n".join("    " + line if line else "" for line in source.split("\n\n\ndef cross_attention")[0].split("\n"))
        inside = ("def cross_attention(S1, S2, W_Q, W_K, W_V):\n    " + imported + "\n\n" + body + "\n\n"
                  "    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V\n"
                  "    return Softmax.apply(Q @ K.T / math.sqrt(K.shape[-1]), -1) @ V\n")
        assert problems(inside, lesson) == [], (imported, inside)
        elsewhere = inside.replace("    " + imported + "\n", "    pass\n") + "\n\ndef helper():\n    " + imported + "\n"
        assert any("takes `apply` from the class `Softmax`" in p for p in problems(elsewhere, lesson)), imported


def test_the_self_check_says_when_an_answer_reads_what_only_the_notebook_imports():
    """rt34 (2026-12-06): an honest count_pairs that closed the lesson's figures, plt.close("all"), passed every
    check in the notebook and lost both its points in the re-check, where the answers ran with the lesson's
    imports of the modules an answer may import only. The answers' process now has the lesson's `plt` and
    IPython's `display` (rt35, test_recheck.py); the self-check names a read of anything else that only the
    notebook has (IPython's Markdown, matplotlib under a name of a cell of one's own) and says to use it in a
    cell of one's own; the answer's own imports and the lesson's allowed ones are fine."""
    import collections
    import types
    from course.checks import tokenization as checks
    from course.checks._core import CheckFailed, missing_name

    def display(*objects):
        return None
    display.__module__ = "IPython.core.display_functions"
    def Markdown(text):
        return text
    Markdown.__module__ = "IPython.core.display"
    plt = types.ModuleType("matplotlib.pyplot")  # (a stand-in: what the lines below call does nothing)
    plt.ion = plt.close = plt.plot = display
    lesson = {"plt": plt, "pyplot": plt, "display": display, "Markdown": Markdown, "collections": collections}
    for line in ['    plt.close("all")\n', "    display(len(ids))\n"]:  # what the answers' process has too
        checks.check_merge(_cell_function("def merge(ids, pair, new_id):\n" + line + MERGE_BODY, "merge", lesson))
    for line, name in [('    pyplot.close("all")\n', "pyplot"), ('    Markdown("x")\n', "Markdown")]:
        reads = "def merge(ids, pair, new_id):\n" + line + MERGE_BODY
        with pytest.raises(CheckFailed) as caught:
            checks.check_merge(_cell_function(reads, "merge", lesson))
        assert caught.value.mistake == "reads notebook data"
        assert f"your cell reads `{name}`" in str(caught.value) and "a cell of your own" in str(caught.value)
    before = 'pyplot.ion()\n\ndef merge(ids, pair, new_id):\n' + MERGE_BODY  # the cell's top level, before the def
    with pytest.raises(CheckFailed, match="your cell reads `pyplot`"):
        checks.check_merge(_cell_function(before, "merge", lesson))
    fine = ("import collections\n\ndef merge(ids, pair, new_id):\n    assert collections.Counter(ids) is not None\n"
            + MERGE_BODY + '\npyplot.plot([1, 2])\n')  # (a try-out after the def runs once merge is defined)
    checks.check_merge(_cell_function(fine, "merge", lesson))
    said = missing_name(NameError("name 'Markdown' is not defined")).hint  # the re-check's own words
    assert "IPython" in said and "a cell of your own" in said and "import it" not in said


def test_an_answer_reading_a_lessons_variable_it_meant_to_bind_is_told_its_mistake_too():
    """Lesson 04 has a variable `state` (the LSTM run by hand); an answer that forgot to unpack
    `logits, state = model.forward_with_state(idx)` reads it, and the check said only "reads `state`", while
    the re-check, where `state` does not exist, grades the pair used as the logits (a catalogued mistake, graded
    2026-12-07). The check names what the re-check sees, and the read; an answer that needs the variable is still
    told that alone; the notebook keeps its variable."""
    import torch
    from course.checks import lstm as checks
    from course.checks._core import CheckFailed
    lesson = {"state": (torch.zeros(1, 1, 4), torch.zeros(1, 1, 4)), "torch": torch}
    pair = ("def generate_greedy(model, idx, max_new_tokens):\n    with torch.no_grad():\n"
            "        logits = model.forward_with_state(idx)\n        for _ in range(max_new_tokens):\n"
            "            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)\n"
            "            idx = torch.cat([idx, next_id], dim=1)\n"
            "            logits = model.forward_with_state(next_id, state)\n    return idx\n")
    student = _cell_function(pair, "generate_greedy", lesson)
    with pytest.raises(CheckFailed) as caught:
        checks.check_generate_greedy(student)
    assert caught.value.mistake == "a pair used as the logits", str(caught.value)
    assert "reads `state`, defined elsewhere in the notebook" in str(caught.value)
    assert isinstance(student.__globals__["state"], tuple)  # put back
    needs = pair.replace("logits = model.forward_with_state(idx)", "logits, _ = model.forward_with_state(idx)") \
        .replace("logits = model.forward_with_state(next_id, state)", "logits, _ = model.forward_with_state(idx, None)")
    needs = needs.replace("    return idx", "    assert state is not None\n    return idx")
    with pytest.raises(CheckFailed) as caught:
        checks.check_generate_greedy(_cell_function(needs, "generate_greedy", lesson))
    assert caught.value.mistake == "reads notebook data", str(caught.value)


def test_a_refused_setting_says_why_and_what_to_do():
    lesson = Lesson.from_notebook(nbformat.read(solution_path("02_cross_attention"), as_version=4))
    found = problems("torch.set_printoptions(precision=3)\ndef f(x):\n    return x\n", lesson)
    assert any("set_printoptions" in p and "a cell of your own" in p for p in found), found
    found = problems("import functools\ndef timed(fn):\n    @functools.wraps(fn)\n    def inner(*a):\n"
                     "        return fn(*a)\n    return inner\n", lesson)
    assert any("`wraps`" in p and "write the wrapper without it" in p for p in found), found
    # numpy's error callback, one object for the whole process: lesson 03's mask kept there, set in __init__ and read
    # back in forward, was outside every walk of the module's objects and kept all 8 points (ch50, graded)
    kept = ("import numpy as np\n\ndef keep(mask):\n    np.seterrcall(lambda m=mask: m)\n\n"
            "def read():\n    return np.geterrcall()()\n")
    found = problems(kept, lesson)
    assert sum("a cell of your own" in p and ("`seterrcall`" in p or "`geterrcall`" in p) for p in found) == 2, found


def test_the_self_check_says_when_an_answer_cell_reads_the_notebooks_data_as_it_runs():
    """``def collate(docs, pad_id=pad_id)`` read a variable of the lesson's in a default value: the rules and
    the self-check passed it, and the re-check, where the def itself fails, scored it 0 with "name 'collate'
    is not defined" (2026-12-03). The self-check names the variable first; the cell's own constant is fine."""
    from course.checks import tokenization as checks
    from course.checks._core import CheckFailed
    lesson = {"new_token": 99, "sentence": "The chatbot replied."}
    reads = "def merge(ids, pair, new_id=new_token):\n" + MERGE_BODY
    with pytest.raises(CheckFailed, match="your cell reads `new_token` as it runs .in a default value") as caught:
        checks.check_merge(_cell_function(reads, "merge", lesson))
    assert caught.value.mistake == "reads notebook data"
    own = "NEW = 99\n\ndef merge(ids, pair, new_id=NEW):\n" + MERGE_BODY + "\nprint(merge([1, 2], (1, 2), new_token))\n"
    checks.check_merge(_cell_function(own, "merge", lesson))  # (a try-out after the def runs once it is defined)


def test_a_scripts_guard_above_the_def_is_not_notebook_data():
    """``if __name__ == "__main__":`` above the def of an honest ``causal_mask`` failed its self-check with "your
    cell reads `__name__` as it runs ... where `__name__` does not exist" (rt28, 2026-12-05): the answers'
    process runs the cells as ``__main__`` too. What the guard's body reads there is still named."""
    import torch

    from course.checks import attention as checks
    from course.checks._core import CheckFailed
    body = "def causal_mask(T):\n    return torch.ones(T, T, dtype=torch.bool).tril()\n"
    guard = 'if __name__ == "__main__":\n    pass\n\n'
    checks.check_causal_mask(_cell_function(guard + body, "causal_mask", {"torch": torch}))
    reads = 'if __name__ == "__main__":\n    print(T_demo)\n\n'
    with pytest.raises(CheckFailed, match="your cell reads `T_demo` as it runs"):
        checks.check_causal_mask(_cell_function(reads + body, "causal_mask", {"torch": torch, "T_demo": 3}))


# An honest bpe_word that reads a constant for "no rank" (``{inf}``), with parameters ``{params}``
BPE_READING_INF = ("def bpe_word({params}):\n    symbols = list(symbols)\n    while len(symbols) > 1:\n"
                   "        ranked = [(ranks.get(p, {inf}), i) for i, p in enumerate(zip(symbols, symbols[1:]))]\n"
                   "        rank, i = min(ranked)\n        if rank == {inf}:\n            break\n"
                   "        symbols = symbols[:i] + [symbols[i] + symbols[i + 1]] + symbols[i + 2:]\n"
                   "    return symbols\n")


def test_a_constant_of_another_answer_cell_is_not_notebook_data(monkeypatch):
    """``INF = float("inf")`` in the cell of an honest ``merge``, read by ``bpe_word`` in its own cell, failed
    bpe_word's self-check: "`INF` ... where `INF` does not exist" (rt28, 2026-12-05); the answers' process runs
    every answer cell, so it does. The kernel's history says which cells answer the lesson's exercises; a
    variable that only a cell of the lesson's (or one the student added) binds is still named."""
    from course.checks import _core
    from course.checks import tokenization as checks
    from course.checks._core import CheckFailed
    merge_cell = "INF = float('inf')\n\ndef merge(ids, pair, new_id):\n" + MERGE_BODY
    bpe_cell = BPE_READING_INF.format(params="symbols, ranks", inf="INF")
    lesson = {"INF": float("inf")}
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["text = 'x'", merge_cell, bpe_cell])
    checks.check_bpe_word(_cell_function(bpe_cell, "bpe_word", lesson))
    # and in the grading kernel, whose sandbox holds the course but not the autograder
    import sys
    monkeypatch.setitem(sys.modules, "autograder.answers", None)
    checks.check_bpe_word(_cell_function(bpe_cell, "bpe_word", lesson))
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["INF = float('inf')", bpe_cell])
    with pytest.raises(CheckFailed, match="reads `INF`"):
        checks.check_bpe_word(_cell_function(bpe_cell, "bpe_word", lesson))


def test_a_default_value_may_read_a_constant_of_an_earlier_answer_cell(monkeypatch):
    """``def bpe_word(symbols, ranks, inf=INF)`` with ``INF`` in merge's cell was told "your cell reads `INF` as it
    runs ... where `INF` does not exist" (rt28, 2026-12-05, left then): the answers' process runs the answer cells
    in the notebook's order, merge's before bpe_word's, so it does exist there. A constant of a cell further
    down (bpe_word's, read by merge's default) does not exist when merge's cell runs, and is still named, as is
    one that only a cell of the lesson's binds."""
    from course.checks import _core
    from course.checks import tokenization as checks
    from course.checks._core import CheckFailed
    merge_cell = "INF = float('inf')\n\ndef merge(ids, pair, new_id):\n" + MERGE_BODY
    bpe_cell = BPE_READING_INF.format(params="symbols, ranks, inf=INF", inf="inf")
    lesson = {"INF": float("inf")}
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["text = 'x'", merge_cell, bpe_cell])
    checks.check_bpe_word(_cell_function(bpe_cell, "bpe_word", lesson))
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["INF = float('inf')", bpe_cell])
    with pytest.raises(CheckFailed, match="reads `INF`"):
        checks.check_bpe_word(_cell_function(bpe_cell, "bpe_word", lesson))
    # the other way round: merge's default reads a constant of bpe_word's cell, which runs after merge's
    late_merge = "def merge(ids, pair, new_id, none=NONE):\n" + MERGE_BODY
    late_bpe = "NONE = None\n\n" + bpe_cell.replace("inf=INF", "inf=float('inf')")
    monkeypatch.setattr(_core, "_kernel_history", lambda: [late_bpe, late_merge])
    with pytest.raises(CheckFailed, match="reads `NONE` as it runs"):
        checks.check_merge(_cell_function(late_merge, "merge", {"NONE": None}))


def test_an_answer_cell_too_long_to_read_is_refused_at_once(lesson01):
    """A red team's cell of 32,000 small classes (3.8 MB) held the batch's preflight for 329 s before any
    notebook was graded (2026-12-04): past MAX_ANSWER_CHARS the rules do not read a cell, and its names
    are none of the answers'."""
    from autograder.answers import MAX_ANSWER_CHARS, answer_names

    classes = "".join(f"class C{i}:\n    def __init__(self):\n        self.a{i} = {i}\n" for i in range(4_000))
    assert len(classes) > MAX_ANSWER_CHARS
    found = problems(classes, lesson01)
    assert len(found) == 1 and "characters long" in found[0], found
    assert "C1" not in answer_names([classes]) and "ok" in answer_names(["def ok():\n    return 1\n"])
    # and one of its classes' inheritance read in one pass: a chain of classes, each its base's attributes
    chain = "class B0:\n    K0 = 0\n" + "".join(f"class B{i}(B{i - 1}):\n    K{i} = {i}\n" for i in range(1, 300))
    assert problems(chain + "def f():\n    return B299.K0 + B299.K150\n", lesson01) == []


def test_a_type_hint_naming_the_course_is_refused_with_a_hint_to_leave_it_out():
    lesson04 = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    found = problems("def generate_greedy(model: ref.CharLSTM, idx, n):\n    return idx\n", lesson04)
    assert any("in a type hint" in p and "leave this one out" in p for p in found), found


# a line starting with `>>>` outside a docstring turns on IPython's doctest-prompt stripping, which the
# kernel applies before Python sees the cell: an indented `... %system(...)` in a function never called
# became a shell command at the cell's top, while these rules read an unreachable `Ellipsis % system(...)`
# (a red team's, 2026-12-04)
PROMPT_CELL = '''
doc = """
>>> bpe_word(["a", "b"], {})
"""


def system(command):
    return command


def never():
    return 0
    ... %system ("sh" "-c" "echo ran")
'''


def test_a_cell_that_ipython_would_rewrite_is_refused(lesson01):
    from IPython.core.inputtransformer2 import TransformerManager
    assert "get_ipython" in TransformerManager().transform_cell(PROMPT_CELL)  # what the kernel would run
    found = problems(PROMPT_CELL, lesson01)
    assert found and "IPython rewrites the cell" in found[0], found


def test_a_doctest_in_a_docstring_and_blank_lines_around_a_cell_are_fine(lesson01):
    cell = '\n  \ndef double(x):\n    """Twice x.\n\n    >>> double(2)\n    4\n    """\n    return 2 * x\n\n\n'
    assert problems(cell, lesson01) == []


def test_every_name_of_torch_that_makes_a_sparse_tensor_or_a_storage_is_refused(lesson01):
    """Sparse tensors are built without checking their indices (torch warns of segfaults), and a storage
    resized under its tensor leaves it reading and writing past its end: with either, an answer reaches
    its process's memory. Every public name of torch and of a tensor that makes or changes one is refused,
    as new ones come with new versions of torch."""
    import torch

    names = {n for n in dir(torch) + dir(torch.Tensor) if not n.startswith("_")
             and ("sparse" in n.lower() or n.endswith("Storage") or "storage" == n.split("_")[-1])}
    harmless = {"is_sparse", "is_sparse_csr", "is_storage", "sparse_dim", "storage_offset", "storage_type"}  # read a fact
    assert "sparse_coo_tensor" in names and "untyped_storage" in names, sorted(names)
    open_doors = sorted(n for n in names - harmless if not problems(f"def f(m):\n    return m.{n}\n", lesson01))
    assert not open_doors, f"add these names to answers.RAW_MEMORY: {open_doors}"


def test_every_numpy_constructor_that_takes_a_buffer_is_refused(lesson01):
    """An array laid over a buffer given to it, of dtype object, reads each 8 bytes as the address of a Python
    object: with id(), any object of the answers' process (a red team's, 2026-12-04). Every public callable of
    numpy that takes a buffer is refused, but np.frombuffer, which refuses dtype object itself (checked here)."""
    import importlib
    import inspect
    import re

    import numpy as np

    with pytest.raises(ValueError, match="OBJECT"):
        np.frombuffer(np.zeros(1, dtype=np.int64), dtype=object)
    with pytest.raises(ValueError, match="OBJECT"):
        np.frombuffer(np.zeros(1, dtype=np.int64), dtype=[("f", object)])
    takes_buffer = {}
    for module_name in ("numpy", "numpy.lib", "numpy.char", "numpy.ma", "numpy.rec", "numpy.strings", "numpy.linalg",
                        "numpy.fft", "numpy.random", "numpy.polynomial", "numpy.lib.recfunctions", "numpy.lib.npyio",
                        "numpy.lib.array_utils", "numpy.matlib"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)  # (numpy.matlib's)
            module = importlib.import_module(module_name)
        for name in dir(module):
            item = getattr(module, name, None)
            if name.startswith("_") or not callable(item):
                continue
            try:
                parameters = set(inspect.signature(item).parameters)
            except (TypeError, ValueError):  # (a C function: its docstring's first lines give its signature)
                parameters = set(re.findall(r"\b(buffer|buf|datastring)\b", (item.__doc__ or "")[:400]))
            if parameters & {"buffer", "buf", "datastring"}:
                takes_buffer[f"{module_name}.{name}"] = name
    assert "numpy.ndarray" in takes_buffer and "numpy.recarray" in takes_buffer, sorted(takes_buffer)
    open_doors = sorted(path for path, name in takes_buffer.items() if name != "frombuffer" and not problems(
        f"import {path.rsplit('.', 1)[0]}\ndef f(b):\n    return {path}((1,), buffer=b)\n", lesson01))
    assert not open_doors, f"add these names to answers.RAW_MEMORY: {open_doors}"


def test_a_split_answer_is_joined_as_the_student_ran_it_in_time_linear_in_its_parts(monkeypatch):
    """A split answer's parts are one answer: their sources joined with a blank line between, every part's
    attachments kept. The work is linear in the parts (a red team's 2,000 parts took 21 s when each join
    copied the whole cell so far, and an answer of 100,000 parts fits in a notebook): what is copied adds
    up to about the notebook's size, however many parts there are, and the cells given are not changed."""
    from autograder import answers

    def part(source, attachment=None):
        cell = nbformat.v4.new_markdown_cell(source)
        cell.metadata["nbgrader"] = {"solution": True, "grade_id": "q1"}
        if attachment:
            cell.attachments = {attachment: {"image/png": "iVBORw0KGgo="}}
        return cell

    cells = [part("first\n\n", "a.png"), part("\n"), part("second", "b.png"), part("third\n")]
    cells += [part(f"more {i}", f"{i}.png") for i in range(500)]
    cells[0].metadata["big"] = list(range(2000))  # metadata of the first part: copied once, not at every join
    copied, deepcopy = [], copy.deepcopy
    monkeypatch.setattr(answers.copy, "deepcopy", lambda value, *a: copied.append(len(repr(value))) or deepcopy(value, *a))
    out, joined = answers.join_split_answers(cells)
    assert joined == ["q1"] and len(out) == 1
    assert out[0].source.startswith("first\n\nsecond\n\nthird\n\nmore 0\n\nmore 1\n\n")
    assert out[0].source.endswith("more 499") and set(out[0].attachments) == {"a.png", "b.png"} | {f"{i}.png" for i in range(500)}
    size = sum(len(repr(cell)) for cell in cells)
    assert sum(copied) < 2 * size, f"{sum(copied):,} characters copied to join a notebook of {size:,}"
    assert cells[0].source == "first\n\n" and set(cells[0].attachments) == {"a.png"}


def test_an_answer_indented_as_a_whole_is_graded_as_jupyter_runs_it():
    """A cell pasted from inside a function or a class, every line indented, runs in Jupyter (IPython
    removes the indentation its lines share): graded, it is the same answer, dedented, not "not plain
    Python" (a red team's correct answer so indented scored 0, 2026-12-04). The line numbers stay."""
    import textwrap

    from IPython.core.inputtransformer2 import TransformerManager

    from autograder.answers import answer_cells_by_id, as_jupyter_runs

    assert as_jupyter_runs("\n    def f(x):\n        return x\n") == "\ndef f(x):\n    return x\n"
    assert as_jupyter_runs("def f(x):\n    return x\n") == "def f(x):\n    return x\n"
    indented = '\n  # a comment\n  def merge(ids, pair, new_id):\n      """\n      a docstring\n      """\n      return ids\n'
    assert as_jupyter_runs(indented).lstrip("\n") == TransformerManager().transform_cell(indented)  # as the kernel runs it
    solution = nbformat.read(solution_path(L01), as_version=4)
    released = nbformat.read(lesson_path(L01), as_version=4)
    submission = copy.deepcopy(released)
    cell = next(c for c in submission.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "merge")
    answer = next(c.source for c in solution.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "merge")
    cell.source = textwrap.indent(re.sub(r" *### (BEGIN|END) SOLUTION\n?", "", answer), "    ")
    graded, refused = rebuild(submission, released, Lesson.from_notebook(solution))
    ran = next(c for c in graded.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "merge")
    assert "merge" not in refused and ran.source.startswith("def merge"), (refused, ran.source[:80])
    assert answer_cells_by_id(submission.cells)["merge"].source == ran.source
    assert cell.source.startswith("    "), "the submission itself is not changed"


def test_a_param_groups_learning_rate_set_as_an_attribute_is_refused_with_the_key_to_use():
    """``group.lr = ...`` on an optimizer's param group, a dict (wa21, 2026-12-05): the refusal said only to give
    the object's class a method, where the fix is ``group["lr"] = ...``; it says both, and the fix passes."""
    lesson = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    loop = ("def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):\n"
            "    for it in range(max_iters):\n        for group in optimizer.param_groups:\n"
            "            group{set} = lr_schedule(it)\n")
    refused = problems(loop.format(set=".lr"), lesson, others=frozenset())
    assert len(refused) == 1 and 'is set by its key: `group["lr"] = ...`' in refused[0], refused
    assert problems(loop.format(set='["lr"]'), lesson, others=frozenset()) == []
    # ``optimizer.lr = ...``: the optimizer's learning rate is in its param groups (``optimizer["lr"]`` raises)
    refused = problems("def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):\n"
                       "    for it in range(max_iters):\n        optimizer.lr = lr_schedule(it)\n",
                       lesson, others=frozenset())
    assert len(refused) == 1 and ('`for group in optimizer.param_groups: group["lr"] = ...`' in refused[0]), refused


def test_a_string_annotation_may_name_a_class_no_cell_imports():
    """``def __init__(self, config: "AttentionConfig")`` in lesson 03, which imports only ``ref``, was refused
    as reading a name that no cell defines (rt28, 2026-12-05), while the same hint under ``from __future__
    import annotations`` passed: both are text that nothing evaluates. What else the rules refuse in a string
    annotation still is."""
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    hinted = 'def build(config: "AttentionConfig") -> "torch.Tensor":\n    return config\n'
    assert problems(hinted, lesson03) == []
    lazy = "from __future__ import annotations\n\ndef build(config: AttentionConfig):\n    return config\n"
    assert problems(lazy, lesson03) == []
    assert problems('def build(config: "__import__(\'os\')"):\n    return config\n', lesson03) != []
    assert problems('def build(config: "ref.CausalSelfAttention"):\n    return config\n', lesson03) != []


def test_a_message_template_kept_in_a_constant_of_the_cell_may_be_formatted(lesson01):
    """``UNKNOWN = "character {!r} is not in the vocabulary"`` at the top of the cell, then
    ``raise ValueError(UNKNOWN.format(ch))`` in char_encode, was refused as a computed template (rt28,
    2026-12-05). A name bound once, at the top level, to a plain template is that template; one bound again
    (anywhere in the cell, or by another answer cell), or to a template that looks up attributes, is not."""
    body = ("def char_encode(text, stoi):\n    for ch in text:\n        if ch not in stoi:\n"
            "            raise ValueError(UNKNOWN.format(ch))\n    return [stoi[ch] for ch in text]\n")
    honest = 'UNKNOWN = "character {!r} is not in the vocabulary"\n\n' + body
    assert problems(honest, lesson01, others=frozenset()) == []
    refused = {
        "looks up an attribute": 'UNKNOWN = "{0.__globals__}"\n\n' + body,
        "bound again at the top": honest + 'UNKNOWN = "{0.x}"\n',
        "bound again by a loop": honest + 'for UNKNOWN in ["{0.x}"]:\n    pass\n',
        "bound again in a match": honest + 'match 1:\n    case _ as UNKNOWN:\n        pass\n',
        "computed": 'UNKNOWN = "character " + "{!r}"\n\n' + body,
        "a parameter of that name": honest + 'def show(x, UNKNOWN="{!r}"):\n    return UNKNOWN.format(x)\n',
        "a lambda's parameter": honest + 'show = lambda x, UNKNOWN: UNKNOWN.format(x)\n',
        "bound by another answer cell": honest,
    }
    for kind, source in refused.items():
        others = frozenset({"UNKNOWN"}) if kind == "bound by another answer cell" else frozenset()
        found = problems(source, lesson01, others=others)
        assert any("template" in p for p in found), (kind, found)


CODEC = ("class Codec:\n    UNKNOWN = \"character {!r} is not in the vocabulary\"\n\n"
         "    def __init__(self, stoi):\n        self.stoi = stoi\n\n"
         "    def encode(self, text):\n        for ch in text:\n            if ch not in self.stoi:\n"
         "                raise ValueError(Codec.UNKNOWN.format(ch))\n        return [self.stoi[ch] for ch in text]\n\n\n"
         "def char_encode(text, stoi):\n    return Codec(stoi).encode(text)\n")


def test_a_message_template_kept_in_a_constant_of_the_answers_class_may_be_formatted(lesson01):
    """``UNKNOWN = "character {!r} ..."`` in a class body, then ``Codec.UNKNOWN.format(ch)`` in its method, was
    refused as a computed template (rt30, 2026-12-06). Read from the class by its name, bound once in its body to
    a plain template, it is that template; ``self.UNKNOWN`` is not (a subclass in another answer cell may give it
    any template), and the refusal says to read it from the class."""
    assert problems(CODEC, lesson01, others=frozenset()) == []
    refused = {
        "looks up an attribute": (CODEC.replace('"character {!r}', '"{0.__globals__}'), frozenset()),
        "the class bound by another answer cell": (CODEC, frozenset({"Codec"})),
        "the class bound again": (CODEC + "\nclass Codec:\n    pass\n", frozenset()),
        "the name bound again": (CODEC + "\nUNKNOWN = 3\n", frozenset()),
        "the attribute set": (CODEC.replace("self.stoi = stoi", "self.stoi = stoi\n        self.UNKNOWN = stoi"),
                              frozenset()),
        "bound twice in the class": (CODEC.replace("    def __init__", "    UNKNOWN = '{0.x}'\n\n    def __init__"),
                                     frozenset()),
        "a decorated class": ("@swap\n" + CODEC, frozenset({"swap"})),  # swap may return another class
    }
    for kind, (source, others) in refused.items():
        found = problems(source, lesson01, others=others)
        assert any("template" in p for p in found), (kind, found)
    found = problems(CODEC.replace("Codec.UNKNOWN.format", "self.UNKNOWN.format"), lesson01, others=frozenset())
    assert len(found) == 1 and "`YourClass.UNKNOWN.format(...)`" in found[0], found


def test_a_template_constant_of_the_answers_dataclass_or_annotated_may_be_formatted(lesson01):
    """``@dataclass class Codec`` with ``UNKNOWN: ClassVar[str] = "character {!r} ..."``, then
    ``Codec.UNKNOWN.format(ch)``: written as the refusal of ``self.UNKNOWN.format`` says, it was refused again as
    a computed template (rt42, 2026-12-06). An annotated constant with a plain template binds the class attribute
    as an assignment does, and ``@dataclass`` (or ``functools.total_ordering``) imported in the cell returns the
    class itself; a decorator of another's, a computed template or the attribute set again stay refused."""
    dataclass = ("from dataclasses import dataclass\nfrom typing import ClassVar\n\n\n@dataclass\n"
                 + CODEC.replace("    UNKNOWN = ", "    UNKNOWN: ClassVar[str] = "))
    honest = {
        "a dataclass's ClassVar": dataclass,
        "a dataclass's field with a default": dataclass.replace("ClassVar[str]", "str"),
        "an annotated constant of a plain class": CODEC.replace("    UNKNOWN = ", "    UNKNOWN: str = "),
        "total_ordering": "import functools\n\n\n@functools.total_ordering\n" + CODEC,
    }
    for kind, source in honest.items():
        assert problems(source, lesson01, others=frozenset()) == [], kind
    refused = {
        "a decorator of another cell's": ("@swap\n" + CODEC.replace("    UNKNOWN = ", "    UNKNOWN: str = "),
                                          frozenset({"swap"})),
        "dataclass not imported from dataclasses": (dataclass.replace("from dataclasses import dataclass",
                                                                      "from typing import dataclass_transform as dataclass"),
                                                    frozenset()),
        "looks up an attribute": (dataclass.replace('"character {!r}', '"{0.__globals__}'), frozenset()),
        "annotated without a value": (dataclass.replace('UNKNOWN: ClassVar[str] = "character {!r} is not in the '
                                                        'vocabulary"', "UNKNOWN: ClassVar[str]"), frozenset()),
        "the attribute set": (dataclass.replace("self.stoi = stoi", "self.stoi = stoi\n        Codec.UNKNOWN = stoi"),
                              frozenset()),
    }
    for kind, (source, others) in refused.items():
        assert source != dataclass, kind
        found = problems(source, lesson01, others=others)
        assert any("template" in p for p in found), (kind, found)


def test_a_special_method_of_the_base_is_called_through_super(lesson01):
    """``return "Counts(" + super().__repr__() + ")"`` in an honest dict subclass's ``__repr__`` was refused as
    "uses the attribute `__repr__`" (rt30, 2026-12-06). Through ``super()`` with no arguments, the special methods
    an answer may define are the base's, each reached by an operator allowed on any object already (repr(x),
    x[k] = v); ``super(...)`` with arguments, other special methods and ``__init__`` elsewhere stay refused."""
    honest = ("class Counts(dict):\n    def __repr__(self):\n        return 'Counts(' + super().__repr__() + ')'\n\n"
              "    def __setitem__(self, key, value):\n        super().__setitem__(key, value)\n\n"
              "    def __str__(self):\n        return super().__str__()\n")
    assert problems(honest, lesson01) == []
    for refused in ("super(dict, self).__repr__()", "super().__reduce_ex__(2)", "super().__getattribute__('x')",
                    "super().__post_init__()", "self.__repr__()", "dict.__repr__(self)"):
        found = problems(honest.replace("super().__repr__()", refused), lesson01)
        assert any("uses the attribute `__" in p for p in found), (refused, found)



# ``X.__init__(...)`` on any object ``X``: each renamed torch in a real answers' process (ch32, 2026-12-06), and
# ``sys.stdout`` as ``X`` re-pointed the process's output (``answer_host._Capped``) at any descriptor
INIT_OF_ANYTHING = {
    "super of the cell's own": "def super():\n    return torch\nclass S(str):\n    def m(self):\n"
                               "        super().__init__('renamed')\nS().m()\n",
    "super as a parameter": "class S(str):\n    def m(self, super=lambda: torch):\n        super().__init__('renamed')\n"
                            "S().m()\n",
    "a module that is no base": "class S(str):\n    def m(self):\n        torch.__init__(self)\nS('renamed').m()\n",
    "a base rebound in the method": "class S(str):\n    def m(self, str=torch):\n        str.__init__(self)\n"
                                    "S('renamed').m()\n",
}


def test_a_base_is_initialised_only_through_pythons_super_or_a_base_the_class_statement_names(lesson01):
    """The rules allow ``super().__init__(...)`` and ``Base.__init__(self)`` in a method, a base's __init__ called
    on self; but ``super`` may be the answer's own (``def super(): return torch``, a parameter, another answer cell's
    def) and ``X`` any object (``torch.__init__(self)`` in a str subclass), and then the line calls ``X.__init__``
    of that object: each renamed torch in a real answers' process (``_run``), and ``super()`` returning
    ``sys.stdout`` re-pointed the process's output (ch32, 2026-12-06). Refused, saying what to write; honest ones
    of each shape still run."""
    import json

    for name, cell in INIT_OF_ANYTHING.items():
        found = problems(cell, lesson01, others=frozenset())
        assert any("super().__init__" in p or "leave Python's super as it is" in p for p in found), (name, found)
    found = problems("class D(dict):\n    def put(self, k, v):\n        super().__setitem__(k, v)\n", lesson01,
                     answers=frozenset({"super"}), others=frozenset({"super"}))
    assert any("binds the name `super`" in p for p in found), found
    honest = {
        "super()": "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n",
        "a torch base written out": "import torch\nclass M(torch.nn.Module):\n    def __init__(self):\n"
                                    "        torch.nn.Module.__init__(self)\n",
        "the lesson's nn": "class M(nn.Module):\n    def __init__(self):\n        nn.Module.__init__(self)\n",
        "a builtin base": "class D(dict):\n    def __init__(self, pairs):\n        dict.__init__(self, pairs)\n",
        "a base of the cell's own": "class Base:\n    def __init__(self, n):\n        self.n = n\n"
                                    "class Sub(Base):\n    def __init__(self):\n        Base.__init__(self, 1)\n",
    }
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    for name, cell in honest.items():
        assert problems(cell, lesson03, others=frozenset()) == [], name
    assert problems(honest["a base of the cell's own"], lesson03, others=frozenset({"Base"}))  # (rebound there)
    script = ("import json, sys, torch\nfrom autograder import answer_host\n"
              "answer_host._run(['import torch', sys.argv[1]])\nprint(json.dumps(torch.__name__))\n")
    for name, cell in INIT_OF_ANYTHING.items():
        run = fresh_python.run(script, cell)
        assert json.loads(run.stdout.strip().splitlines()[-1]) == "renamed", (name, run.stderr[-2000:])


def test_type_of_a_value_is_printed_only_by_pythons_own_print_str_or_repr(lesson01):
    """``type(x)`` may be passed to ``print``, ``str``, ``repr``, ``isinstance`` and ``issubclass``, which give
    nothing of the class back; but the answer may bind those names itself (``def f(x, str=lambda c: c)``, another
    answer cell's ``def repr(c): return c``), and ``str(type(x))`` was then the class itself, which the rules keep
    from answers: ``str(type(sys.stdout))(2, 10 ** 12)`` made a writer of the answers' process's own, past its cap
    on output (ch32, 2026-12-06). Refused, saying to leave the name as Python's; honest printing still runs."""
    refused = {
        "a parameter": ("def f(x, str=lambda c: c):\n    return str(type(x))('m')\n", frozenset()),
        "another cell's def": ("def f(x):\n    return repr(type(x))('m')\n", frozenset({"repr"})),
        "a local": ("def f(x):\n    issubclass = lambda c, d: c\n    return issubclass(type(x), int)('m')\n",
                    frozenset()),
    }
    for kind, (source, others) in refused.items():
        found = problems(source, lesson01, answers=others, others=others)
        assert any("there is not Python's" in p and "uses `type(...)`" in p for p in found), (kind, found)
    honest = "def f(x):\n    print(type(x))\n    return str(type(x)) + repr(type(x))\n"
    assert problems(honest, lesson01, others=frozenset()) == []


def test_a_property_is_pythons_own_where_another_answer_cell_binds_that_name(lesson01):
    """The rules let a method under ``@property`` (or ``x = property(get_x)``) read ``self.sys`` that its class sets,
    trusting ``property`` to hand it an instance; the cell's own ``def property`` was refused, another answer cell's
    was not (``def property(f): return staticmethod(f)``; ch32, 2026-12-06: ``C().look(dataclasses)`` then read
    ``dataclasses.sys``, which the answers' process refused as it ran). Refused, saying to leave it as Python's;
    the same cell without another cell's ``property`` still runs."""
    cell = ("class C:\n    def __init__(self):\n        self.sys = 1\n    @property\n    def look(self):\n"
            "        return self.sys\n")
    called = ("class C:\n    def __init__(self):\n        self.sys = 1\n    def get(self):\n        return self.sys\n"
              "    look = property(get)\n")
    for source in (cell, called):
        assert problems(source, lesson01, answers=frozenset({"C"}), others=frozenset()) == []
        found = problems(source, lesson01, answers=frozenset({"C", "property"}), others=frozenset({"property"}))
        assert any("another answer cell binds" in p and "leave Python's property" in p for p in found), found


def test_a_class_on_nn_module_owns_what_it_sets_on_self_only_where_module_is_torchs(lesson01):
    """What a method sets on ``self`` counts as the class's own only where its bases are the answer's classes or
    torch's nn.Module, which the rules read as written (``nn.Module``, ``torch.nn.Module``, ``Module``):
    ``from warnings import catch_warnings as Module`` then ``class C(Module)`` made ``self._module``, which
    catch_warnings' own ``__init__`` sets, the answer's (the answers' process refused the read as it ran; ch32,
    2026-12-06); so did another answer cell's ``Module``. The name is now torch's only as the lesson's import or
    the cell's own import from torch before the class; honest ones of each spelling still run."""
    body = ("class C(Module):\n    def never(self):\n        self._module = 1\n    def read(self):\n"
            "        return self._module\n")
    refused = {"an alias": ("from warnings import catch_warnings as Module\n" + body, frozenset()),
               "another answer cell's": (body, frozenset({"Module"}))}
    for kind, (source, others) in refused.items():
        found = problems(source, lesson01, answers=others | {"C"}, others=others)
        assert any(p.startswith("uses the attribute `_module`") for p in found), (kind, found)
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    for head, base in (("from torch.nn import Module\n", "Module"), ("import torch.nn as nn\n", "nn.Module"),
                       ("from torch import nn\n", "nn.Module"), ("import torch\n", "torch.nn.Module"), ("", "nn.Module")):
        source = head + body.replace("C(Module)", f"C({base})")
        assert problems(source, lesson03, answers=frozenset({"C"}), others=frozenset()) == [], source

def test_a_try_out_at_the_top_of_an_answer_cell_is_told_to_move_to_a_cell_of_its_own():
    """An honest CausalSelfAttention cell ending with a try-out, ``config = ref.AttentionConfig(...)`` and
    ``print(CausalSelfAttention(config))``, was refused as "uses `ref`, the course's reference (write the code
    yourself)" (rt28, 2026-12-05): the class was the student's own. Still refused (a top-level line runs in the
    answers' process); the reason now says where such a line belongs."""
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    cell = ("class CausalSelfAttention(nn.Module):\n    def forward(self, x):\n        return x\n\n"
            "config = ref.AttentionConfig(block_size=8, n_head=2, n_embd=8)\nprint(CausalSelfAttention(config))\n")
    found = problems(cell, lesson03)
    assert any("`ref`" in p and "a cell of your own" in p for p in found), found
    assert any("`config`" in p and "a cell of your own" in p for p in found), found
    inside = "def f(x):\n    return ref.causal_mask(x)\n"
    assert problems(inside, lesson03) == ["uses `ref`, the course's reference (write the code yourself)"]


# An honest lr_at_step that checked its argument, isinstance(cfg, TrainConfig), or made a TrainConfig of its own
# for defaults, was refused as using "the course's reference (write the code yourself)": the configuration is
# no reference of anything (rt29, 2026-12-05). isinstance is allowed since stop 58 (the answers' process binds a
# stand-in, ``test_isinstance_of_a_configuration_class_is_graded``); a TrainConfig(...) of the answer's own is
# still refused (the answers are graded without the course), and the refusal says where the class may stand.
@pytest.mark.parametrize("source", [
    "def lr_at_step(it, cfg):\n    default = TrainConfig()\n    return default.learning_rate\n",
    "def lr_at_step(it, cfg, kind=TrainConfig):\n    return cfg.min_lr\n",
    "def lr_at_step(it, cfg):\n    if not isinstance(cfg, TrainConfig()):\n        raise TypeError('a TrainConfig')\n"
    "    return cfg.min_lr\n",
])
def test_a_configuration_class_outside_a_type_hint_is_refused_saying_where_it_may_stand(lesson01, source):
    lesson = dataclasses.replace(lesson01, course_names=lesson01.course_names | {"TrainConfig"},
                                 defined=lesson01.defined | {"TrainConfig"})
    found = problems(source, lesson)
    assert found and all("may be named only there (cfg: TrainConfig, isinstance(cfg, TrainConfig))" in p
                         and "the course's reference" not in p for p in found), found
    for allowed in ("def lr_at_step(it, cfg):\n    if not isinstance(cfg, TrainConfig):\n"
                    "        raise TypeError('a TrainConfig')\n    return cfg.min_lr\n",
                    "def lr_at_step(it, cfg: TrainConfig):\n    assert isinstance(cfg, (TrainConfig, dict))\n"
                    "    return cfg.min_lr\n"):
        assert problems(allowed, lesson) == []
    # the course's functions keep their own refusal
    assert any("the course's reference (write the code yourself)" in p
               for p in problems("def lr_at_step(it, cfg):\n    return lr_at(it, cfg)\n",
                                 dataclasses.replace(lesson, course_names=lesson.course_names | {"lr_at"})))


@pytest.mark.parametrize("source, answers", [
    ("def isinstance(a, b):\n    return b\ndef lr_at_step(it, cfg):\n    kind = isinstance(cfg, TrainConfig)\n"
     "    return kind(learning_rate=1.0).learning_rate\n", {"isinstance", "lr_at_step"}),
    ("def lr_at_step(it, cfg, isinstance=lambda a, b: b):\n    return isinstance(cfg, TrainConfig)\n", {"lr_at_step"}),
    ("def lr_at_step(it, cfg):\n    isinstance = lambda a, b: b\n    return isinstance(cfg, TrainConfig)\n",
     {"lr_at_step"}),
    # (another answer cell's def isinstance(a, b): return b)
    ("def lr_at_step(it, cfg):\n    return isinstance(cfg, TrainConfig)\n", {"lr_at_step", "isinstance"}),
])
def test_a_configuration_class_is_allowed_in_pythons_own_isinstance_only(lesson01, source, answers):
    """``isinstance(cfg, TrainConfig)`` is allowed on the promise that isinstance is Python's, which only tests
    its argument against the class: ``def isinstance(a, b): return b`` handed the course's configuration class to
    the answer as a value (ch30, 2026-12-06: in the notebook the course's own, which it could call; in the
    answers' process the stand-in). An isinstance that the cell or another answer cell binds is refused."""
    lesson = dataclasses.replace(lesson01, course_names=lesson01.course_names | {"TrainConfig"},
                                 defined=lesson01.defined | {"TrainConfig"})
    found = problems(source, lesson, frozenset(answers), frozenset(answers) - {"lr_at_step"})
    assert any("with an `isinstance` of its own" in p for p in found), found
    honest = "def lr_at_step(it, cfg):\n    if not isinstance(cfg, TrainConfig):\n        raise TypeError(cfg)\n" \
             "    return cfg.min_lr\n"
    assert problems(honest, lesson, frozenset({"lr_at_step"}), frozenset()) == []


def test_a_module_refused_in_a_from_import_is_named_once(lesson01):
    """``from contextlib import suppress`` was refused as "imports 'contextlib' (answers may import only ...);
    imports 'contextlib.suppress' (answers may import only ...)", the list of modules twice (rt30, 2026-12-06).
    The module is named once; a refused name of an allowed module is still named."""
    found = problems("from logging import getLogger, basicConfig\n", lesson01)
    assert len(found) == 1 and found[0].startswith("imports 'logging' (answers may import only "), found
    # (contextlib's nullcontext and suppress are allowed since; its other names are refused by name)
    assert problems("from contextlib import suppress, nullcontext\n", lesson01) == []
    assert problems("from contextlib import suppress, contextmanager\n", lesson01)
    found = problems("from torch import _C, nn\n", lesson01)
    assert len(found) == 1 and found[0].startswith("imports 'torch._C'"), found
    assert len(problems("import os, subprocess\n", lesson01)) == 2


def test_a_hint_may_name_a_configuration_class_as_the_lesson_does_through_its_module():
    """``def __init__(self, config: "ref.AttentionConfig")``, the class as lesson 03's own cells name it, was
    refused as "uses `ref` in a type hint (a hint may name only the course's configuration classes ...)", which
    it did (rt30, 2026-12-06). ``ref.<Name>Config`` in a hint is that configuration class; the module's other
    names, an attribute of the class, and the class outside a hint stay refused, the last saying why."""
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    for hint in ("ref.AttentionConfig", '"ref.AttentionConfig"', '"Optional[ref.AttentionConfig]" = None'):
        assert problems(f"def build(config: {hint}):\n    return config\n", lesson03) == [], hint
    for hint in ("ref.CausalSelfAttention", "ref.causal_mask", "ref.AttentionConfig.mro", '"ref.merge_heads"'):
        found = problems(f"def build(config: {hint}):\n    return config\n", lesson03)
        assert any("uses `ref` in a type hint" in p for p in found), (hint, found)
    found = problems("def build(config):\n    return [ref.AttentionConfig, config]\n", lesson03)
    assert found and all("`ref.AttentionConfig` outside a type hint" in p for p in found), found
    assert "isinstance(cfg, ref.AttentionConfig)" in found[0]  # the form this lesson can write, not a bare name


def test_isinstance_may_name_a_configuration_class_through_the_lessons_module():
    """``assert isinstance(config, ref.AttentionConfig)`` in an honest CausalSelfAttention was refused as "outside
    a type hint and isinstance", and the refusal named ``isinstance(cfg, AttentionConfig)``, a name lesson 03
    does not have (rt32, 2026-12-06). As the class of an isinstance, ``ref.<Name>Config`` is that configuration
    class; the module's other names, the class as a value, and an isinstance of the answer's own stay refused."""
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    for test in ("isinstance(config, ref.AttentionConfig)", "isinstance(config, (ref.AttentionConfig, dict))",
                 "not isinstance(config, ref.AttentionConfig)"):
        assert problems(f"def build(config):\n    assert {test}\n    return config\n", lesson03) == [], test
    for test, why in (("isinstance(config, ref.CausalSelfAttention)", "the course's reference"),
                      ("isinstance(config, ref.AttentionConfig.replace)", "the course's reference"),  # (not .mro: refused itself, ch40)
                      ("isinstance(ref.AttentionConfig, ref.AttentionConfig)", "outside a type hint"),
                      ("issubclass(config, ref.AttentionConfig)", "outside a type hint")):
        found = problems(f"def build(config):\n    assert {test}\n    return config\n", lesson03)
        assert found and all(why in p for p in found), (test, found)
    found = problems("def isinstance(a, b):\n    return b\ndef build(config):\n"
                     "    return isinstance(config, ref.AttentionConfig)\n", lesson03)
    assert any("tests isinstance(..., ref.AttentionConfig) with an `isinstance` of its own" in p for p in found), found


NAMESPACE_ENCODE = '''from types import SimpleNamespace


def char_encode(text, stoi):
    state = SimpleNamespace(ids=[], position=0)
    for ch in text:
        if ch not in stoi:
            raise ValueError(f"{ch!r} at {state.position} is not in the vocabulary")
        state.ids.append(stoi[ch])
        state.position += 1
    return state.ids
'''


def test_a_namespace_the_function_made_may_have_its_attributes_set(lesson01):
    """``state = SimpleNamespace(ids=[], position=0)`` then ``state.position += 1``, in an honest char_encode, was
    refused as assigning an attribute of something else than ``self`` (rt30, 2026-12-06). A local variable that
    holds only a SimpleNamespace the function made (imported from types, bound nowhere else) is the answer's own;
    a parameter, a variable bound to something else too, SimpleNamespace rebound, and an attribute of one of its
    attributes stay refused."""
    assert problems(NAMESPACE_ENCODE, lesson01, others=frozenset()) == []
    refused = {
        "SimpleNamespace bound by another answer cell": (NAMESPACE_ENCODE, frozenset({"SimpleNamespace"})),
        "bound to a parameter too": (NAMESPACE_ENCODE.replace(
            "position=0)\n", "position=0)\n    if not text:\n        state = stoi\n"), frozenset()),
        "a parameter": (NAMESPACE_ENCODE.replace("(text, stoi):", "(text, stoi, state=None):"), frozenset()),
        "SimpleNamespace rebound": (NAMESPACE_ENCODE + "\nSimpleNamespace = dict\n", frozenset()),
        "an attribute of its attribute": (NAMESPACE_ENCODE.replace("state.position += 1", "state.ids.x = 1"),
                                          frozenset()),
    }
    for kind, (source, others) in refused.items():
        found = problems(source, lesson01, others=others)
        assert any(p.startswith("assigns to `state.") for p in found), (kind, found)


LINKED_MERGE = '''class Node:
    def __init__(self, value):
        self.value = value
        self.next = None


def merge(ids, pair, new_id):
    head = tail = None
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            node = Node(new_id)
            i += 2
        else:
            node = Node(ids[i])
            i += 1
        if tail is None:
            head = tail = node
        else:
            tail.next = node
            tail = node
    out = []
    while head is not None:
        out.append(head.value)
        head = head.next
    return out
'''


def test_a_linked_list_that_starts_from_none_may_link_its_nodes(lesson01):
    """An honest merge that built a linked list from ``head = tail = None`` was refused as assigning
    ``tail.next`` (rt30, 2026-12-06): the rules followed ``tail`` to ``Node(...)`` only, and None stopped them.
    None has no attribute to set; a variable also bound to anything else stays refused."""
    assert problems(LINKED_MERGE, lesson01, others=frozenset()) == []
    for other in ("ids", "pair[0]", "[]"):
        found = problems(LINKED_MERGE.replace("head = tail = None", f"head = tail = {other}"), lesson01,
                         others=frozenset())
        assert any(p.startswith("assigns to `tail.next`") for p in found), (other, found)


CLASSMETHOD_ENCODE = '''class Codec:
    def __init__(self, table):
        self._table = table

    @classmethod
    def from_table(cls, table):
        return cls(table)

    @property
    def table(self):
        return self._table

    @table.setter
    def table(self, value):
        self._table = dict(value)

    def encode(self, text):
        return [self.table[ch] for ch in text]


def char_encode(text, stoi):
    codec = Codec.from_table(stoi)
    codec.table = stoi
    return codec.encode(text)
'''


def test_an_instance_made_by_the_classs_alternative_constructor_is_the_answers_own(lesson01):
    """``codec = Codec.from_table(stoi)`` (a classmethod that returns ``cls(table)``) then ``codec.table = stoi``
    (a property's setter), in an honest char_encode, was refused as assigning an attribute of something else than
    ``self`` (rt30, 2026-12-06): only ``Codec(...)`` counted as making an instance. A classmethod whose every
    return is ``cls(...)`` makes one too; one that may return anything else, a staticmethod, ``cls`` rebound,
    ``classmethod`` rebound, or the class bound by another answer cell stay refused."""
    assert problems(CLASSMETHOD_ENCODE, lesson01, others=frozenset()) == []
    refused = {
        "returns its argument": (CLASSMETHOD_ENCODE.replace("return cls(table)", "return table"), frozenset()),
        "returns its argument at times": (CLASSMETHOD_ENCODE.replace(
            "        return cls(table)", "        if table:\n            return cls(table)\n        return table"),
            frozenset()),
        "a staticmethod": (CLASSMETHOD_ENCODE.replace("@classmethod", "@staticmethod"), frozenset()),
        "cls rebound": (CLASSMETHOD_ENCODE.replace("        return cls(table)", "        cls = dict\n        return cls(table)"),
                        frozenset()),
        "classmethod rebound by another cell": (CLASSMETHOD_ENCODE, frozenset({"classmethod"})),
        "the class bound by another cell": (CLASSMETHOD_ENCODE, frozenset({"Codec"})),
        # the classmethod's name bound again in the class's body, after the def (ch30, 2026-12-06)
        "the name rebound in the class": (CLASSMETHOD_ENCODE.replace(
            "    @property", "    from_table = staticmethod(lambda table: torch)\n\n    @property"), frozenset()),
        "a loop variable of the class": (CLASSMETHOD_ENCODE.replace(
            "    @property",
            "    for from_table in [staticmethod(lambda table: torch)]:\n        pass\n\n    @property"),
            frozenset()),
    }
    for kind, (source, others) in refused.items():
        found = problems(source, lesson01, others=others)
        assert any(p.startswith("assigns to `codec.table`") for p in found), (kind, found)


def test_a_classmethods_name_rebound_in_its_class_makes_nothing_the_answers_own(lesson01):
    """``from_table = staticmethod(lambda table: torch)`` after the classmethod made ``Codec.from_table(stoi)``
    torch itself, and the rules let the answer set its attributes as an instance of its own class's (ch30,
    2026-12-06: ``codec.equal = print`` replaced torch.equal in a real answers' process). The rules refuse it;
    run anyway, the cell does patch torch, which is why the rules must."""
    import json

    cell = CLASSMETHOD_ENCODE.replace("    @property", "    from_table = staticmethod(lambda table: torch)\n\n"
                                      "    @property").replace("codec.table = stoi", "codec.equal = print") \
        + "char_encode('', {})\n"
    found = problems(cell, lesson01, others=frozenset())
    assert any(p.startswith("assigns to `codec.equal`") for p in found), found
    script = ("import json, sys, torch\nfrom autograder import answer_host\nequal = torch.equal\n"
              "answer_host._run(['import torch', sys.argv[1]])\nprint(json.dumps(torch.equal is not equal))\n")
    run = fresh_python.run(script, cell)
    assert json.loads(run.stdout.strip().splitlines()[-1]) is True, run.stderr[-2000:]


def test_a_public_attribute_set_on_a_layer_of_self_in_a_method_is_allowed():
    """build-nanogpt's ``self.c_proj.NANOGPT_SCALE_INIT = 1`` in an honest CausalSelfAttention lost 4 of 8 points
    (rt30, 2026-12-06): the rules refused any attribute set on what ``self`` holds, since another answer cell's
    subclass could make ``c_proj`` a property that returns torch. Now the rules allow a public one in a method,
    and the answers' process checks as it runs that the object is an nn.Module
    (``test_an_attribute_set_on_what_self_holds_runs_on_modules_only``). A private or refused name, or one
    outside a method, is still refused, with the words that say what to write."""
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    head = "class CausalSelfAttention(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n" \
           "        self.c_proj = nn.Linear(config.n_embd, config.n_embd)\n"
    assert problems(head + "        self.c_proj.NANOGPT_SCALE_INIT = 1\n", lesson03, others=frozenset()) == []
    found = problems(head + "        self.c_proj._scale = 1\n", lesson03, others=frozenset())
    assert any("an attribute of what `self` holds" in p and "keep the value on `self`" in p and "[" not in p
               for p in found), found
    assert problems(head + "        self.c_proj.__class__ = nn.Linear\n", lesson03, others=frozenset())
    outside = "def f(block):\n    block.c_proj.NANOGPT_SCALE_INIT = 1\n"
    assert problems(outside, lesson03, others=frozenset())


def test_nanogpts_weight_tying_two_levels_below_self_is_allowed():
    """rt40 (2026-12-06): nanoGPT's model.py, copied into lesson 05's gpt-forward cell to try the answer on,
    ties its weights with ``self.transformer.wte.weight = self.lm_head.weight``, and was refused (only one level
    below ``self`` was allowed) and told to write ``self.transformer.wte["weight"] = ...``, which a module has not.
    Deeper is allowed as one level is (the answers' process checks the object set on,
    ``test_an_attribute_set_on_what_self_holds_runs_on_modules_only``); through an item, a private or a
    refused name, or outside a method, it is still refused."""
    lesson05 = Lesson.from_notebook(nbformat.read(solution_path("05_nanogpt"), as_version=4))
    head = ("class MyGPT(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(5, 3)))\n"
            "        self.lm_head = nn.Linear(3, 5, bias=False)\n")
    assert problems(head + "        self.transformer.wte.weight = self.lm_head.weight\n", lesson05, others=frozenset()) == []
    for line in ("        self.transformer.wte._weight = self.lm_head.weight\n",
                 "        self.transformer.wte.__class__ = nn.Linear\n",
                 "        self.transformer.sys.weight = 1\n",
                 "        self.transformer['wte'].weight = self.lm_head.weight\n"):
        assert problems(head + line, lesson05, others=frozenset()), line
    assert problems("def tie(model):\n    model.transformer.wte.weight = model.lm_head.weight\n", lesson05,
                    others=frozenset())


def test_pytorchs_own_version_in_a_top_level_try_out_says_where_it_belongs():
    """rt40 (2026-12-06): an honest lstm_cell whose cell ends with a self-test against ``nn.LSTM`` (unrolled over a
    few steps) or ``nn.LSTMCell`` was refused, by design, but told to "write it with tensor operations", which its
    function already did. At the cell's top level the refusal now says that a try-out comparing with PyTorch's
    own version belongs in a cell of the student's own; inside the function it still says what to write."""
    lesson04 = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    cell = "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n    return h, c\n\n"
    for try_out in ("_lstm = nn.LSTM(3, 4, batch_first=True)\nprint(_lstm)\n", "_cell = nn.LSTMCell(3, 4)\n"):
        (found,) = problems(cell + try_out, lesson04, others=frozenset())
        assert "at the cell's top level" in found and "belongs in a cell of your own" in found, found
        assert "write it with tensor operations" not in found, found
    (found,) = problems("def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n    return nn.LSTMCell(3, 4)(x, (h, c))\n",
                        lesson04, others=frozenset())
    assert "write it with tensor operations" in found and "top level" not in found, found


def test_refusals_of_a_compiler_and_of_a_special_method_say_what_to_write_instead(lesson01):
    """``@torch.jit.script`` on a helper and ``torch.compile`` were refused as "uses the attribute `jit`", and a
    class's ``def __add__`` with the list of allowed special methods only: neither said why or what to write
    (rt32, 2026-12-06). Both stay refused, and now say so."""
    for source in ("@torch.jit.script\ndef soft(s: torch.Tensor) -> torch.Tensor:\n    return s.softmax(-1)\n",
                   "def merge(ids, pair, new_id):\n    return torch.compile(list)(ids)\n"):
        found = problems(source, lesson01)
        assert found and all("leave the decorator or the call out" in p for p in found), found
    found = problems("class Tally:\n    def __add__(self, other):\n        return self\n", lesson01)
    assert found and "def add(self, ...), and call it by that name" in found[0], found
    assert problems("import re\nPATTERN = re.compile('a+')\n", lesson01) == []


def test_a_configuration_built_for_a_try_out_at_the_cells_top_level_says_where_the_try_out_belongs():
    """An honest ``lr_at_step`` followed, at its cell's top level, by a try-out
    ``print([lr_at_step(i, TrainConfig(max_iters=10, ...)) for i in range(12)])`` is refused (a configuration
    of the answer's own), and the message said only to leave the TrainConfig(...) out, not where the try-out
    may go, as the message of a try-out reading ``ref`` does (rt33, 2026-12-06). Inside the function the
    message stays as it was: there the configuration would be part of the answer."""
    lesson04 = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    answer = "def lr_at_step(it, cfg):\n    return cfg.min_lr\n\n"
    found = problems(answer + "print(lr_at_step(0, TrainConfig(max_iters=10, min_lr=0.1)))\n", lesson04)
    assert found and all("outside a type hint" in p and "belongs in a cell of your own" in p for p in found), found
    found = problems("def lr_at_step(it, cfg):\n    return TrainConfig(max_iters=10).min_lr\n", lesson04)
    assert found and all("outside a type hint" in p and "cell of your own" not in p for p in found), found





def test_torch_jit_and_torch_compile_are_refused_saying_to_leave_them_out(lesson01):
    """An honest lstm_cell whose gate arithmetic was a ``@torch.jit.script`` helper was refused as "uses the
    attribute `jit`", which says neither why nor what to write instead (rt33, 2026-12-06). They stay refused
    (compiled code the rules cannot read), and the message says to leave them out."""
    for source in ("@torch.jit.script\ndef step(g: torch.Tensor):\n    return g.sigmoid()\n",
                   "def step(g):\n    return g.sigmoid()\n\nfast_step = torch.compile(step)\n"):
        found = problems(source, lesson01)
        assert found and all("leave the decorator or the call out" in p for p in found), found
    assert problems("import re\n\nWORD = re.compile(r'\\\\w+')\n", lesson01) == []


PHASE_SCHEDULE = '''import enum
import math


class Phase(enum.Enum):
    WARMUP = "warmup"
    DECAY = "decay"
    FLOOR = "floor"

    @classmethod
    def of(cls, it, cfg):
        if it < cfg.warmup_iters:
            return cls.WARMUP
        return cls.DECAY if it <= cfg.max_iters else cls.FLOOR

    def starts(self, cfg, unit):
        return {"warmup": 0, "decay": cfg.warmup_iters, "floor": cfg.max_iters}[self.value] * unit


def lr_at_step(it, cfg):
    phase = Phase.of(it, cfg)
    if phase is Phase.WARMUP:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    if phase is Phase.FLOOR:
        return cfg.min_lr
    progress = (it - Phase.DECAY.starts(cfg, 1)) / (cfg.max_iters - cfg.warmup_iters)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
'''


def test_a_method_of_the_answers_own_enum_called_with_two_arguments_is_not_the_functional_form():
    """``Phase.of(it, cfg)``, a classmethod of an honest ``lr_at_step``'s own enum, was refused as "calls
    `Phase.of` with a name and members (an enum's functional form ...)", and so was a member's method with two
    arguments, ``Phase.DECAY.starts(cfg, 1)`` (rt33, 2026-12-06). A method the enum's body defines, reached
    from the class or from a member bound to a literal, is the answer's own code; the class called with a name
    and members, or an attribute that is not such a method (a member whose value is an enum class, a method's
    name bound again to one), stays refused."""
    lesson04 = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    assert problems(PHASE_SCHEDULE, lesson04, frozenset({"lr_at_step"}), frozenset()) == []
    head = "import enum\n\nclass P(enum.Enum):\n    A = 1\n"
    for cheat in (head + "\nQ = P('Q', {'x': 1})\n",
                  "import enum\n\nclass P(enum.Enum):\n    X = enum.Enum\n\n\ndef f():\n    return P.X.value('E', {'a': 1})\n",
                  "import enum\n\nclass P(enum.Enum):\n    X = enum.Enum\n    def of(self, a, b):\n        return a\n\n\n"
                  "def f():\n    return P.X.of('E', {'a': 1})\n",
                  head + "    def of(cls, a, b):\n        return cls\n    of = enum.Enum\n\n\ndef f():\n    return P.of('E', {'a': 1})\n"):
        found = problems(cheat, lesson04, frozenset({"f", "Q"}), frozenset())
        assert any("functional form" in p for p in found), (cheat, found)



def test_a_name_an_enums_body_binds_twice_or_under_a_decorator_is_no_member_or_method_of_its_own():
    """A member or a method's name that the enum's body binds again in another way (a loop's, a ``with``'s or
    a walrus's target, an import), a def under a decorator of the answer's, or any attribute read from a member
    (``Phase.WARMUP.of``, which is the class's) made ``Phase.WARMUP.of("E", {...})`` pass the rules: in a real
    answers' process it built an enum from a dict whose ``__getattr__`` ran (ch33, 2026-12-06). The honest
    schedule, with its classmethod and its member's method, is still allowed."""
    lesson04 = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    assert problems(PHASE_SCHEDULE, lesson04, frozenset({"lr_at_step"}), frozenset()) == []
    head = "import enum\n\nclass P(enum.Enum):\n    A = 1\n"
    method = "    def of(self):\n        pass\n"
    call = "\n\ndef f():\n    return P.A.of('E', {'a': 1})\n"
    member = "\n\ndef f():\n    return P.A('E', {'a': 1})\n"
    for cheat in (head + method + "    for of in [staticmethod(enum.Enum)]:\n        pass\n" + call,
                  head + method + "    with contextlib.nullcontext(staticmethod(enum.Enum)) as of:\n        pass\n" + call,
                  "def wrap(f):\n    return staticmethod(enum.Enum)\n\n" + head + "    @wrap\n" + method + call,
                  head + "    @(lambda f: staticmethod(enum.Enum))\n" + method + call,
                  head + "    for A in [enum.Enum]:\n        pass\n" + member,
                  head + "    with contextlib.nullcontext(enum.Enum) as A:\n        pass\n" + member,
                  head.replace("enum.Enum", "Enum") + "    for A in [enum.Enum]:\n        pass\n" + member
                  .replace("def f", "Enum = object\n\n\ndef f"),
                  head + "    for value in [property(lambda m: enum.Enum)]:\n        pass\n"
                  + "\n\ndef f():\n    return P.A.value('E', {'a': 1})\n"):
        found = problems(cheat, lesson04, frozenset({"f", "P", "wrap"}), frozenset())
        assert any("functional form" in p for p in found), (cheat, found)
    for honest in (head + "    @staticmethod\n    def of(a, b):\n        return a\n" + call,
                   head + "\n\ndef f():\n    return P.A.value + len(P.A.name)\n"):
        assert problems(honest, lesson04, frozenset({"f", "P"}), frozenset()) == [], honest



def test_an_enum_class_reached_by_getattr_a_loop_a_partial_or_another_answer_cell_is_an_enum_name():
    """Ways to call an enum class with a name and members that the rules passed (ch33, 2026-12-06):
    ``getattr(enum, "Enum")(...)`` and ``from enum import Enum as E`` in one answer cell with ``E("X", {...})``
    in another built, in a real answers' process, an enum from a dict whose ``__getattr__`` ran. The others: a
    loop's, a comprehension's or a with's target, ``functools.partial``/``map`` given the class, ``*`` unpacking,
    an index of the answer's own container, and a top-level class attribute or def that hands the class to
    other cells. Honest enums (members, methods, iteration, counting) are still allowed."""
    lesson04 = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    call = "('X', {'a': 1})"
    for cheat in (f"import enum\n\ndef f():\n    return getattr(enum, 'Enum'){call}\n",
                  f"import enum\n\ndef f():\n    for E in [enum.Enum]:\n        return E{call}\n",
                  f"import enum\n\ndef f():\n    return [E{call} for E in [enum.Enum]]\n",
                  f"import enum\nimport contextlib\n\ndef f():\n    with contextlib.nullcontext(enum.Enum) as E:\n"
                  f"        return E{call}\n",
                  "import enum\nimport functools\n\ndef f():\n    return functools.partial(enum.Enum, 'X')({'a': 1})\n",
                  "import enum\n\ndef f():\n    return list(map(enum.Enum, ['X'], [{'a': 1}]))\n",
                  "import enum\n\ndef f():\n    return enum.Enum(*['X', {'a': 1}])\n",
                  f"import enum\n\nclass K:\n    def __getitem__(self, k):\n        return k\n\n\ndef f():\n"
                  f"    return K()[enum.Enum]{call}\n"):
        found = problems(cheat, lesson04, frozenset({"f", "K"}), frozenset())
        assert any("functional form" in p or "unpacked" in p for p in found), (cheat, found)
    honest = ("import enum\n\nclass Gate(enum.IntEnum):\n    I = 0\n    F = 1\n\n\ndef f(x):\n"
              "    return [g.value for g in Gate] + list(Gate) + [x[Gate.I], len(Gate), isinstance(x, Gate)]\n")
    assert problems(honest, lesson04, frozenset({"f", "Gate"}), frozenset()) == []
    honest = ("import enum\n\nclass Gate(enum.IntEnum):\n    I = 0\n    F = 1\n\n\nN = len(Gate)\nNAMES = list(Gate)\n"
              "ORDER = torch.tensor([g.value for g in Gate])\n")
    assert problems(honest, lesson04, frozenset({"Gate", "N", "NAMES", "ORDER"}), frozenset()) == []
    assert problems(PHASE_SCHEDULE, lesson04, frozenset({"lr_at_step"}), frozenset()) == []
    assert problems(GATE_CELL, lesson04, frozenset({"lstm_cell"}), frozenset()) == []


AXIS_AVERAGE = '''import enum


class Axis(enum.IntEnum):
    BATCH = 0
    TIME = 1
    CHANNEL = 2


def causal_average(x):
    T = x.shape[Axis.TIME]
    counts = torch.arange(1, T + 1, dtype=x.dtype).view(1, T, 1)
    return x.cumsum(Axis.TIME) / counts
'''


def test_a_number_read_with_a_member_of_the_answers_own_enum_is_not_an_enum_class():
    """``T = x.shape[Axis.TIME]`` in an honest causal_average made ``T`` an enum class for the rules, and then
    ``torch.arange(1, T + 1, dtype=x.dtype).view(1, T, 1)`` was refused as "calls ... with a name and members
    (an enum's functional form ...)" (rt33, 2026-12-06). A member bound to a literal is an instance, not the
    class; the class itself, a member whose value is not a literal, and a member of a class whose name is bound
    again (``P = Q``: another class, whose member may be an enum class's value) still make an enum name."""
    lesson05 = Lesson.from_notebook(nbformat.read(solution_path("05_nanogpt"), as_version=4))
    assert problems(AXIS_AVERAGE, lesson05, frozenset({"causal_average"}), frozenset()) == []
    for cheat in ("import enum\n\nclass P(enum.Enum):\n    A = 1\n\nE = P\nE('X', {'a': 1})\n",
                  "import enum\n\nclass Q(enum.Enum):\n    A = enum.Enum\n\nclass P(enum.Enum):\n    A = 1\n\nP = Q\n"
                  "E = P.A.value\nE('X', {'a': 1})\n",
                  "import enum\n\nclass P(enum.Enum):\n    A = enum.Enum\n\nE = P.A.value\nE('X', {'a': 1})\n"):
        found = problems(cheat, lesson05, frozenset(), frozenset())
        assert any("functional form" in p for p in found), (cheat, found)


AUTO_TRAIN_LOOP = '''import enum


class Split(enum.StrEnum):
    TRAIN = enum.auto()
    VAL = enum.auto()


def train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
    losses = []
    for it in range(max_iters):
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule(it)
        x, y = get_batch(split=Split.TRAIN)
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''


def test_a_member_bound_to_enum_auto_is_not_an_enum_class():
    """rt46: ``TRAIN = enum.auto()`` was no member for the rules (only a literal was), so an honest train_loop's
    ``get_batch(split=Split.TRAIN)`` was refused as "passes the enum class `Split.TRAIN` to `get_batch`", and
    ``model(x, y)`` as passing the enum classes `x` and `y` (bound from that call). ``auto()`` imported from
    enum counts too; an ``auto`` the cell binds otherwise, or one it does not import, does not, nor any where the
    cell names ``_generate_next_value_`` (what auto() gives is then the class's own choice)."""
    lesson04 = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    assert problems(AUTO_TRAIN_LOOP, lesson04, frozenset({"train_loop"}), frozenset()) == []
    imported = AUTO_TRAIN_LOOP.replace("import enum\n", "import enum\nfrom enum import auto\n").replace(
        "enum.auto()", "auto()")
    assert problems(imported, lesson04, frozenset({"train_loop"}), frozenset()) == []
    for cheat in ("import enum\n\nauto = lambda: enum.Enum\nfrom enum import auto\n\nclass P(enum.Enum):\n"
                  "    A = auto()\n\nE = P.A.value\nE('X', {'a': 1})\n",
                  "import enum\n\nclass P(enum.Enum):\n    A = auto()\n\nE = P.A.value\nE('X', {'a': 1})\n",
                  "import enum\n\nclass B(enum.Enum):\n    def _generate_next_value_(name, start, count, last):\n"
                  "        return enum.Enum\n\nclass P(B):\n    A = enum.auto()\n\nE = P.A.value\nE('X', {'a': 1})\n"):
        found = problems(cheat, lesson04, frozenset(), frozenset())
        assert any("functional form" in p for p in found), (cheat, found)


GATE_CELL = '''import enum


class Gate(enum.IntEnum):
    I = 0
    F = 1
    G = 2
    O = 3


def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    B, H = h.shape
    parts = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).view(B, len(Gate), H)
    i, f, g, o = parts.unbind(1)
    c_new = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h_new = o.sigmoid() * c_new.tanh()
    return h_new.reshape(B, H), c_new.reshape(B, H)
'''


def test_a_count_of_an_enums_members_is_a_number_and_a_function_returning_an_enum_class_makes_one():
    """``parts = pre.view(B, len(Gate), H)`` made every tensor computed from ``parts`` an enum class for the
    rules, and an honest lstm_cell's ``h_new.reshape(B, H)`` was refused as the enum's functional form (rt33,
    2026-12-06): ``len`` (and the other builtins that make a number, a string or a bool) gives no class, nor
    does an index (``x.shape[...]``). The same red team found ``def f(): return enum.Enum`` then
    ``f()("E", {...})`` passed the rules, while ``f = lambda: enum.Enum`` was refused: a function whose return
    names an enum class now makes an enum name too, and ``len`` rebound by the answer counts for nothing."""
    lesson04 = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    assert problems(GATE_CELL, lesson04, frozenset({"lstm_cell"}), frozenset()) == []
    honest = GATE_CELL + "\n\nORDER = torch.tensor([g.value for g in Gate])\nSHAPE = torch.zeros(2, 3)\n"
    assert problems(honest, lesson04, frozenset({"lstm_cell", "ORDER", "SHAPE"}), frozenset()) == []
    for cheat in ("import enum\n\ndef f():\n    return enum.Enum\n\nE = f()\nm = E('X', {'a': 1})\n",
                  "import enum\n\ndef f():\n    return enum.Enum\n\nm = f()('X', {'a': 1})\n",
                  "import enum\n\nclass H:\n    def k(self):\n        return enum.Enum\n\nm = H().k()('X', {'a': 1})\n",
                  "import enum\n\nd = [enum.Enum]\nm = d[len(d) - 1]('X', {'a': 1})\n",
                  "import enum\n\ndef f():\n    len = lambda c: c\n    E = len(enum.Enum)\n    return E('X', {'a': 1})\n",
                  "import enum\n\nlst = []\nlst.append(enum.Enum)\nm = lst[0]('X', {'a': 1})\n",
                  "import enum\n\nbox = {}\nbox.setdefault('k', enum.Enum)\nm = box['k']('X', {'a': 1})\n"):
        found = problems(cheat, lesson04, frozenset({"f", "m", "E", "H", "d"}), frozenset())
        assert any("functional form" in p for p in found), (cheat, found)


def test_a_helper_in_a_cell_the_student_added_is_named_as_such_where_the_answer_reads_it():
    """An honest causal_average that called ``_tril_weights``, defined in a code cell the student added above
    the answer cell, was refused as reading a name "which neither an answer cell nor the lesson defines (define
    it in the answer cell)", which the student had done, to their eyes (rt33, 2026-12-06). It stays refused
    (only answer cells run), and the message says the helper is in a cell of their own and to move it; a name
    from nowhere keeps its message."""
    from autograder.grading import Paths, _spec
    from autograder.preflight import refused_answers
    release = nbformat.read(lesson_path("05_nanogpt"), as_version=4)
    submission = copy.deepcopy(release)
    at = next(i for i, c in enumerate(submission.cells)
              if (c.metadata.get("nbgrader") or {}).get("grade_id") == "causal-average")
    submission.cells[at].source = "def causal_average(x):\n    return _tril_weights(x.shape[1]) @ x + _nowhere\n"
    submission.cells.insert(at, nbformat.v4.new_code_cell(
        "def _tril_weights(T):\n    w = torch.tril(torch.ones(T, T))\n    return w / w.sum(1, keepdim=True)\n"))
    lesson = Lesson.from_notebook(nbformat.read(solution_path("05_nanogpt"), as_version=4))
    _, refused = rebuild(submission, release, lesson)
    for reasons in (refused["causal-average"], refused_answers(submission, _spec(Paths(), "05_nanogpt"))["causal-average"]):
        assert any("`_tril_weights`, which only a cell you added defines" in r and "move `_tril_weights` into" in r
                   for r in reasons), reasons
        assert any("`_nowhere`, which neither an answer cell nor the lesson defines" in r for r in reasons), reasons


# An enum class reached where the rules' names do not follow it (ch34, 2026-12-06), each cell passing the rules:
# a member-less enum whose only entry is not a member (``A = enum.nonmember(1)``, ``A = lambda self: 1``, a Flag's
# ``A = 0``) left for another answer cell, and a classmethod's ``cls(name, members)``. In a real answers' process each built an enum
# from a dict whose ``__getattr__`` ran.
ENUM_HOOK = "{'a': 1, '_' * 2 + 'getattr' + '_' * 2: lambda self, name: 'hooked ' + name}"
ENUM_PAST_THE_NAMES = {
    "a nonmember, then another cell": ["import enum\n\n\nclass P(enum.Enum):\n    A = enum.nonmember(1)\n",
                                       f"def f():\n    return P('X', {ENUM_HOOK}).a.zzz\n"],
    "a lambda, then another cell": ["import enum\n\n\nclass P(enum.Enum):\n    A = lambda self: 1\n",
                                    f"def f():\n    return P('X', {ENUM_HOOK}).a.zzz\n"],
    "a Flag whose one entry is 0 (no member)": ["import enum\n\n\nclass P(enum.Flag):\n    A = 0\n",
                                                "def f():\n    return P('X', {'a': 1, '_' * 2 + 'getattr' + '_' * 2: "
                                                "lambda self, name: 0}).a.zzz\n"],
    "a classmethod's cls": ["import enum\n\n\nclass P(enum.Enum):\n    A = lambda self: 1\n\n    @classmethod\n"
                            "    def make(cls, name, members):\n        return cls(name, members)\n\n\n"
                            f"def f():\n    return P.make('X', {ENUM_HOOK}).a.zzz\n"],
    # (ch33's, which the rules refused in the first cell until the answers' process refused the form itself)
    **{binder: [binder, f"def f():\n    return {call}('X', {ENUM_HOOK}).a.zzz\n"] for binder, call in (
        ("from enum import Enum as E\n", "E"), ("import enum\n\nE = enum.Enum\n", "E"),
        ("import enum\n\n\nclass E(enum.Enum):\n    def f(self):\n        return 1\n", "E"),
        ("import enum\n\n\nclass E(enum.Enum):\n    _ignore_ = ['A']\n    A = 1\n", "E"),
        ("import enum\n\n\nclass K:\n    E = enum.Enum\n", "K.E"),
        ("import enum\n\n\ndef E():\n    return [enum.Enum]\n", "E()[0]"),
        ("import enum\n\n\nclass P(enum.Enum):\n    A = 1\n    E = enum.nonmember((enum.Enum,))\n", "P.A.E[0]"),
        ("import enum\n\nE = tuple([enum.Enum])\n", "E[0]"))},
}


def _in_answers_process(*runs: list[str]) -> list[dict]:
    """Runs each of ``runs`` (answer cells) in a namespace of its own in one answers' process, set up as
    ``answer_host.main`` sets it up for classes and enums, and calls their ``f``: what it returned or raised,
    and the cells' errors, for each."""
    import json

    from course.checks.exercises import PRELUDE
    script = ("import builtins, json, sys, torch\nfrom autograder import answer_host\n"
              "builtins.__build_class__ = answer_host._checked_classes(builtins.__build_class__)\n"
              "getattr(answer_host, '_checked_enums', lambda: None)()\n"  # (without it: 'hooked zzz')
              "found = []\nfor cells in json.loads(sys.argv[2]):\n"
              "    namespace = answer_host._run([sys.argv[1], *cells])\n"
              "    try:\n        got = {'value': repr(namespace['f']())}\n"
              "    except Exception as error:\n        got = {'error': type(error).__name__, 'message': str(error)}\n"
              "    found.append({**got, 'cells': list(answer_host.CELL_ERRORS)})\n"
              "print(json.dumps(found))\n")
    run = fresh_python.run(script, PRELUDE, json.dumps(runs))
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_an_enums_convert_runs_only_at_the_top_of_the_module_it_names_in_the_answers_process():
    """``EnumType._convert_`` (Python 3.11) makes an enum of every name of a namespace it is given, special
    methods included, without ``_create_``, and writes the members into the module it names: from an answer, an
    enum whose ``__getattr__`` ran, and ``torch.equal`` replaced by a member. The rules refuse ``_convert_`` by
    name; the answers' process refuses it too, however reached. The stdlib's own calls, at the top of signal,
    socket and ssl as each is imported, still run."""
    import subprocess
    import sys

    hooked = "{'a': 1, '_' * 2 + 'getattr' + '_' * 2: lambda self, n: 'hooked ' + n}"
    cheats = ("import enum\nimport types\n\n\ndef f():\n    E = enum.IntEnum._convert_('X', 'math', lambda n: True, "
              f"source=types.SimpleNamespace(**{hooked}))\n    return E.a.zzz\n",
              "import enum\nimport types\n\n\ndef f():\n"
              "    enum.IntEnum._convert_('X', 'torch', lambda n: n == 'equal', source=types.SimpleNamespace(equal=1))\n"
              "    return torch.equal\n")
    for cheat, got in zip(cheats, _in_answers_process(*([c] for c in cheats))):
        # (before: 'hooked zzz', and <X.equal: 1>)
        assert got.get("error") == "TypeError" and "_convert_" in got["message"], (cheat, got)
    script = ("import importlib, signal, socket, ssl\nfrom autograder import answer_host\n"
              "answer_host._checked_enums()\n"
              "for module in (signal, socket, ssl):\n    importlib.reload(module)\n"
              "print(signal.Signals.SIGINT.name, socket.AddressFamily.AF_INET.name, ssl.VerifyMode.CERT_NONE.name)\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=str(solution_path(L01).parents[2]))
    assert run.stdout.split() == ["SIGINT", "AF_INET", "CERT_NONE"], run.stderr[-2000:]


def test_no_class_of_an_answer_derives_from_the_lessons_plt_in_the_answers_process():
    """The answers' process gives the lesson's ``plt`` as an object of its own class, ``_NoPlots``, whose
    ``__getattr__`` answers every name. An answer that read ``_NoPlots`` before binding the name itself passed
    the rules, and its subclass (a dict too) inherited that hook past ``__build_class__``'s check, which trusts the
    classes made in answer cells (torch.as_tensor read its instances as a CUDA array interface at any address).
    A class based on it is refused there; honest plotting with ``plt`` still runs."""
    from autograder.recheck import lesson_imports
    nb = nbformat.read(solution_path("04_lstm"), as_version=4)
    lesson04 = Lesson.from_notebook(nb)
    cheat = ("class Evil(_NoPlots, dict):\n    pass\n\n\n_NoPlots = None\n\n\n"
             "def f():\n    e = Evil(data=(0, False), shape=(4,), typestr='|u1', version=3)\n"
             "    return [e.anything is e, e.anything == dict(data=(0, False), shape=(4,), typestr='|u1', version=3)]\n")
    assert problems(cheat, lesson04, frozenset({"Evil", "_NoPlots", "f"}), frozenset()) == []
    honest = ("def f():\n    plt.plot([1, 2])\n    fig, ax = plt.subplots()\n    ax.set_title('loss')\n    plt.show()\n"
              "    display('shown')\n    return 1\n")
    assert problems(honest, lesson04, frozenset({"f"}), frozenset()) == []
    got, fine = _in_answers_process([lesson_imports(nb), cheat], [lesson_imports(nb), honest])
    assert got.get("error") == "KeyError" and len(got["cells"]) == 1, got  # (before: [True, True])
    assert got["cells"][0][1] == "TypeError" and "inherit from __main__._NoPlots" in got["cells"][0][2], got
    assert fine == {"value": "1", "cells": []}, fine


def test_no_class_of_an_answer_inherits_the_plt_stand_ins_getattr_past_its_init_subclass():
    """ch37: ``_NoPlots.__init_subclass__`` refused a subclass only when Python called it, and it calls the first
    ``__init_subclass__`` after the new class in its chain: ``random.Random``'s, which does not call super(), came
    first in ``class Evil(random.Random, _NoPlots)``, and Evil inherited ``__getattr__`` (``Evil().sys`` was the
    object itself) past ``__build_class__``'s check, which trusted every class made in an answer cell. A class made
    in an answer cell is trusted as a base now only without a ``__getattr__`` of its own; a subclass of the
    answer's frozen dataclass (whose ``__setattr__`` dataclasses wrote) still runs."""
    from autograder.recheck import lesson_imports
    nb = nbformat.read(solution_path("04_lstm"), as_version=4)
    lesson04 = Lesson.from_notebook(nb)
    cheats = [f"import random\n\n\nclass Evil(random.{base}, _NoPlots):\n    pass\n\n\n_NoPlots = None\n\n\n"
              "def f():\n    e = Evil()\n    return [e.anything is e, e.other is e]\n" for base in ("Random", "SystemRandom")]
    for cheat in cheats:
        assert problems(cheat, lesson04, frozenset({"Evil", "_NoPlots", "f"}), frozenset()) == [], cheat
    honest = ("import dataclasses\nimport random\n\n\n@dataclasses.dataclass(frozen=True)\nclass Point:\n    x: int\n\n\n"
              "@dataclasses.dataclass(frozen=True)\nclass Named(Point):\n    name: str\n\n\nclass Dice(random.Random):\n"
              "    pass\n\n\ndef f():\n    return [Named(1, 'a').name, Dice(0).randint(1, 1)]\n")
    assert problems(honest, lesson04, frozenset({"Point", "Named", "Dice", "f"}), frozenset()) == []
    *got, fine = _in_answers_process(*([lesson_imports(nb), c] for c in cheats), [lesson_imports(nb), honest])
    for cheat, result in zip(cheats, got):  # (before: [True, True])
        assert result.get("error") == "KeyError" and len(result["cells"]) == 1, (cheat, result)
        assert result["cells"][0][1] == "TypeError" and "inherit from __main__._NoPlots" in result["cells"][0][2], result
    assert fine == {"value": "['a', 1]", "cells": []}, fine


def test_an_enums_functional_form_refuses_a_private_member_name_in_the_answers_process():
    """The answers' process refuses, wherever it is reached, an enum's functional form given a member name that
    starts with ``_`` (a special method's, ``__getattr__``, or enum's own hooks): the cheats below passed the rules
    and built an enum from a dict whose ``__getattr__`` ran. The functional form with plain names still runs,
    and an honest enum class with its own ``__str__``."""
    lesson04 = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    for name, cells in ENUM_PAST_THE_NAMES.items():
        for number, cell in enumerate(cells):
            later = {"f"} if number + 1 < len(cells) else set()
            assert problems(cell, lesson04, frozenset({"P", "E", "K", "f"}), frozenset(later)) == [], (name, number)
    for name, got in zip(ENUM_PAST_THE_NAMES, _in_answers_process(*ENUM_PAST_THE_NAMES.values())):
        assert got.get("error") == "TypeError" and "may not name a member '__getattr__'" in got["message"], (name, got)
    honest = ("import enum\n\n\nclass Phase(enum.Enum):\n    A = 1\n\n    def __str__(self):\n        return 'a'\n\n\n"
              "def f():\n    Color = enum.IntEnum('Color', {'RED': 3, 'GREEN': 4})\n"
              "    return [str(Phase.A), list(enum.Enum('Shade', 'DARK LIGHT')), Color(4), Color.RED.__module__]\n")
    got, = _in_answers_process([honest])
    assert got == {"value": "['a', [<Shade.DARK: 1>, <Shade.LIGHT: 2>], <Color.GREEN: 4>, '__main__']", "cells": []}, got
    # (honest shapes the rules refused while they tracked enum names across answer cells: an alias left for
    # another cell, and a base with methods and no members)
    honest = ["import enum\n\n\nclass Described(enum.Enum):\n    def describe(self):\n        return self.name.lower()\n"
              "\n\nclass Phase(Described):\n    WARMUP = 1\n    DECAY = 2\n\n\nKind = Phase\n",
              "def f():\n    return [Kind.WARMUP.describe(), Kind(2).name, len(Kind)]\n"]
    for number, cell in enumerate(honest):
        later = {"f"} if number == 0 else set()
        assert problems(cell, lesson04, frozenset({"Described", "Phase", "Kind", "f"}), frozenset(later)) == [], cell
    assert _in_answers_process(honest) == [{"value": "['warmup', 'DECAY', 2]", "cells": []}]
    cheats = ("import enum\nimport typing\n\n\ndef f():\n    return enum.Enum('X', {'a': 1}, type=typing._GenericAlias)\n",
              "import enum\n\n\ndef f():\n    return enum.Enum('X', {'a': 1, '_missing_': classmethod(len)})\n",
              "import enum\n\n\ndef f():\n    return enum.Enum('X', [('a', 1), ('_' * 2 + 'eq' + '_' * 2, len)])\n",
              "import enum\n\n\ndef f():\n    return type(enum.Enum)('X', (), {'a': 1}, _simple=True)\n")
    for cheat, got in zip(cheats, _in_answers_process(*([c] for c in cheats))):
        assert got.get("error") == "TypeError" and "enum" in got["message"], (cheat, got)


# rt35 (2026-12-06): an honest answer's import of a module not allowed was refused with the list of the
# allowed modules alone; the refusal now says what to write instead
@pytest.mark.parametrize("source, said", [
    ("from IPython.display import display, Markdown\n", "without importing it"),
    ("import matplotlib.pyplot as plt\n", "the lesson's own `plt`"),
    ("import json\n", "copy.deepcopy(d)"),
    ("from fractions import Fraction\n", "count with ints"),
    ("import logging\n", "warnings.warn()"),
])
def test_a_refused_import_says_what_to_write_instead(lesson01, source, said):
    found = problems(source, lesson01)
    assert len(found) == 1 and found[0].startswith("imports ") and said in found[0], found


def _newer_pythons() -> list[str]:
    """Python 3.12 and later interpreters on this machine (pyenv's, or on PATH), for the self-check's view."""
    import glob
    import os
    import shutil
    import subprocess

    found = {shutil.which(f"python3.{minor}") for minor in range(12, 16)}
    found |= set(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python")))
    runs = []
    for python in sorted(p for p in found if p):  # (a pyenv shim of a version not chosen does not run)
        try:
            asked = subprocess.run([python, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                                   capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        if asked.returncode == 0 and asked.stdout.strip() == "True":
            runs.append(python)
    return runs


def test_python_3_12_syntax_is_refused_where_the_notebook_runs_too():
    """rt36 (2026-12-06): an answer in Python 3.12's syntax (Colab's Python) passed the notebook's self-check
    there and lost its points on an autograder of Python 3.11, where it does not parse. The rules refuse it on
    any Python, saying what to write instead; on 3.11 the parse fails (``_newer_python``), on 3.12 and later
    ``_newer_syntax`` finds it. Run here by each newer interpreter found (skipped where there is none)."""
    import json
    import subprocess

    pythons = _newer_pythons()
    repo = solution_path("01_tokenization").parents[2]
    if not pythons:
        pytest.skip("no Python 3.12 or later on this machine")
    newer = {"a type alias": "type Pair = tuple[int, int]\n",
             "type parameters": "def first[T](xs: list[T]) -> T:\n    return xs[0]\n",
             "its own quote": 'x = f"{"".join(["a", "b"])}"\n',
             "a nested f-string in the same quote": "x = f'{f'{1}'}'\n",
             "a backslash": 'x = f"{"\\n".join(["a"])}"\n',
             "a comment": 'x = f"{1  # one\n}"\n'}
    honest = {"the other quote": "x = f\"{''.join(['a', 'b'])}\"\n", "a triple-quoted one": 'x = f"""{"a"}"""\n',
              "a format spec": 'x = f"{3.14159:.2f} {1!r:>10} {{braces}}"\n', "plain": "x = 1\n"}
    script = ("import json, sys\nsys.path.insert(0, sys.argv[1])\nfrom autograder.answers import _newer_syntax\n"
              "print(json.dumps({k: _newer_syntax(v) for k, v in json.loads(sys.argv[2]).items()}))\n")
    for python in pythons:
        run = subprocess.run([python, "-c", script, str(repo), json.dumps({**newer, **honest})], capture_output=True,
                             text=True, timeout=120)
        if run.returncode != 0 and "ModuleNotFoundError" in run.stderr:
            continue  # (an interpreter without what autograder.answers imports)
        said = json.loads(run.stdout)
        for name in newer:
            assert said[name] and "3.12" in said[name], (python, name, said[name])
        assert all(said[name] is None for name in honest), (python, said)
    for name, source in newer.items():  # and here, on the Python the suite runs on
        lesson = Lesson(frozenset(), frozenset())
        assert any("is not Python 3.11" in p for p in problems(source, lesson)), (name, problems(source, lesson))


def test_a_name_newer_than_python_3_11_in_an_allowed_module_says_so():
    """rt36 (2026-12-06): `itertools.batched` (Python 3.12, Colab's) passed the notebook and failed on the 3.11
    autograder with a bare "module 'itertools' has no attribute 'batched'". The rules name it, and what to write."""
    lesson = Lesson(frozenset(), frozenset())
    for source in ["import itertools\ndef f(xs):\n    return list(itertools.batched(xs, 2))\n",
                   "import itertools as it\ndef f(xs):\n    return list(it.batched(xs, 2))\n",
                   "from itertools import batched\ndef f(xs):\n    return list(batched(xs, 2))\n"]:
        found = problems(source, lesson)
        assert any("`itertools.batched`, new in Python 3.12" in p and "range(0, len(xs), n)" in p for p in found), found
    assert problems("import math\ndef f(a, b):\n    return math.sumprod(a, b)\n", lesson) != []
    assert problems("import itertools\ndef f(xs):\n    return list(itertools.pairwise(xs))\n", lesson) == []



def test_a_private_name_refused_because_of_another_answer_cell_says_so():
    """Two honest answers, each passing its notebook's check, lost their exercise to "a name that starts with `_`
    is private to the object that has it, and refused on any object but an instance of the answer's own class
    that set it: `self`, …", which is what they used (rt38, 2026-12-06): lesson 03's ``class
    CausalSelfAttention(MultiHead)`` calling ``self._split(t)``, a method of its base ``MultiHead`` defined in the
    heads cell (the rules read each cell alone), and lesson 04's ``Gates._split(z)`` of the lstm_cell cell's own
    class, where shift_batch's cell defines a ``Gates`` of its own too (a cell that binds the name again could
    make it something else in the notebook's kernel). Both stay refused; the message now names the cause and
    what to write."""
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path("03_self_attention"), as_version=4))
    csa = ("class CausalSelfAttention(MultiHead):\n    def __init__(self, config):\n        super().__init__(config.n_head)\n"
           "    def forward(self, x):\n        return self._merge(self._split(x))\n")
    found = problems(csa, lesson03, frozenset({"MultiHead", "CausalSelfAttention"}), frozenset({"MultiHead"}))
    assert len(found) == 2 and "`_merge` is not set by `CausalSelfAttention` in this cell" in found[0], found
    assert "`_split` is not set by `CausalSelfAttention` in this cell" in found[1], found
    assert "`MultiHead`, a class of another answer cell" in found[1] and "define `MultiHead` in this answer cell" in found[1], found
    lesson04 = Lesson.from_notebook(nbformat.read(solution_path("04_lstm"), as_version=4))
    lstm = ("class Gates:\n    @staticmethod\n    def _split(z):\n        return z.chunk(4, dim=1)\n\n\n"
            "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
            "    i, f, g, o = Gates._split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)\n"
            "    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)\n"
            "    return torch.sigmoid(o) * torch.tanh(c), c\n")
    assert problems(lstm, lesson04, frozenset({"Gates", "lstm_cell"}), frozenset({"shift_batch"})) == []
    (found,) = problems(lstm, lesson04, frozenset({"Gates", "lstm_cell", "shift_batch"}), frozenset({"Gates", "shift_batch"}))
    assert "`Gates` is this cell's own class, but another answer cell binds `Gates` too" in found, found
    assert "give one of them another name" in found, found
    # lesson 06's top_p_filter reading TopK._mask / TopK(1)._drop of top_k_filter's cell's class
    lesson06 = Lesson.from_notebook(nbformat.read(solution_path("06_finetuning"), as_version=4))
    for call in ("TopK._mask(logits, logits < 0)", "TopK(1)._drop(logits, logits < 0)"):
        (found,) = problems(f"def top_p_filter(logits, p):\n    return {call}\n", lesson06,
                            frozenset({"TopK", "top_k_filter", "top_p_filter"}), frozenset({"TopK", "top_k_filter"}))
        assert "`TopK` comes from another answer cell" in found and "a name without the leading _ there" in found, found
    # a private name of something else keeps the plain message
    (found,) = problems("def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n    return x._version, c\n", lesson04,
                        frozenset({"lstm_cell"}), frozenset({"Gates"}))
    assert found.endswith("or call your own `version`)"), found


def test_the_rules_walk_a_function_once_for_its_many_attribute_stores(monkeypatch):
    """ch39 (2026-12-06): the rules walked the whole function again for every `name.attr = ...` line (what made
    `name`, what the scope binds) and every `ctx.x = ...` line: a cell of 2,000 `ctx.kN = 1` lines held one
    notebook's preflight 155 s, 1,000 `b.kN = 1` lines 42 s, and a cell under the 100,000-character cap could hold
    the batch for many minutes. What a scope binds and what made a local name are found once per scope (0.5 s and
    0.3 s). Counted here, not timed: the walks do not grow with the number of lines."""
    import autograder.answers as answers

    calls = {"makers": 0}
    real = answers._makers_in

    def counted(*args):
        calls["makers"] += 1
        return real(*args)

    monkeypatch.setattr(answers, "_makers_in", counted)
    lesson = Lesson(frozenset(), frozenset())
    stores = "".join(f"    b.k{i} = 1\n" for i in range(300))
    found = problems("class Box:\n    pass\n\ndef f(x):\n    b = Box()\n" + stores + "    return x\n", lesson)
    assert found and calls["makers"] <= 3, calls  # (once for `b`, not once per line)
    ctx = "".join(f"        ctx.k{i} = 1\n" for i in range(300))
    source = ("import torch\nclass G(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n" + ctx
              + "        return x\n\n    @staticmethod\n    def backward(ctx, g):\n        return g\n")
    assert problems(source, lesson) == []
    forward = answers.ast.parse(source).body[1].body[0]
    assert answers._bound_in_body(forward) == frozenset()  # (attributes set on ctx bind no name)
    assert answers._bound_in_body(forward) is answers._bound_in_body(forward)  # (kept on the node)


# ``case C(a)`` reads the attribute that ``C.__match_args__`` names first: a dataclass's fields, which may be private
# or named like a module, of a class that may have a library base (ch40: ``_module`` of warnings.catch_warnings).
POSITIONAL_MATCHES = {
    "a library base's private attribute": "import dataclasses\nimport warnings\n@dataclasses.dataclass(init=False)\n"
        "class C(warnings.catch_warnings):\n    _module: object\ndef merge(ids, pair, new_id):\n    match C():\n"
        "        case C(m):\n            return m\n    return list(ids)",
    "a private field of a plain dataclass": "import dataclasses\n@dataclasses.dataclass\nclass C:\n    _x: object = 1\n"
        "def merge(ids, pair, new_id):\n    match ids:\n        case C(m):\n            return m\n    return list(ids)",
    "a field named like a module": "import typing\nclass C(typing.NamedTuple):\n    sys: object\n"
        "def merge(ids, pair, new_id):\n    match ids:\n        case C(m):\n            return m\n    return list(ids)",
    "a private field of a dataclass base": "from dataclasses import dataclass\n@dataclass\nclass B:\n    _x: int = 0\n"
        "@dataclass\nclass C(B):\n    y: int = 0\ndef merge(ids, pair, new_id):\n    match ids:\n"
        "        case C(a, b):\n            return a\n    return list(ids)",
    "a library's class": "def merge(ids, pair, new_id):\n    match ids:\n        case torch.Size(m):\n"
        "            return m\n    return list(ids)",
    "a class under a decorator of its own": "import warnings\ndef wrap(c):\n    return warnings.catch_warnings\n"
        "@wrap\nclass C:\n    x: int\ndef merge(ids, pair, new_id):\n    match ids:\n        case C(m):\n"
        "            return m\n    return list(ids)",
    "a class bound again": "import dataclasses\n@dataclasses.dataclass\nclass C:\n    x: int = 0\nC = torch.Size\n"
        "def merge(ids, pair, new_id):\n    match ids:\n        case C(m):\n            return m\n    return list(ids)",
    "int bound to a class of its own": "import dataclasses\n@dataclasses.dataclass\nclass P:\n    _x: int = 0\nint = P\n"
        "def merge(ids, pair, new_id):\n    match ids:\n        case int(m):\n            return m\n    return list(ids)",
}
POSITIONAL_MATCHES_HONEST = {
    "a dataclass of public fields": "import dataclasses\n@dataclasses.dataclass\nclass Pair:\n    a: int\n    b: int\n"
        "def merge(ids, pair, new_id):\n    match Pair(*pair):\n        case Pair(a, b):\n            pass\n"
        "    return list(ids)",
    "a named tuple and its subclass": "from typing import NamedTuple\nclass Pair(NamedTuple):\n    a: int\n    b: int\n"
        "class Named(Pair):\n    pass\ndef merge(ids, pair, new_id):\n    match Pair(*pair):\n"
        "        case Named(a, b) | Pair(a, b):\n            pass\n    return list(ids)",
    "builtins that match themselves": "def merge(ids, pair, new_id):\n    out = []\n    for x in ids:\n"
        "        match x:\n            case int(n) | float(n):\n                out.append(n)\n            case str(s):\n"
        "                out.append(s)\n    return out",
}


@pytest.mark.parametrize("name", sorted(POSITIONAL_MATCHES))
def test_a_class_pattern_by_position_reads_only_names_the_rules_can_see(lesson01, name):
    found = problems(POSITIONAL_MATCHES[name], lesson01, frozenset(), frozenset())
    assert any("by position" in p and "__match_args__" in p for p in found), found


@pytest.mark.parametrize("name", sorted(POSITIONAL_MATCHES_HONEST))
def test_a_class_pattern_by_position_of_public_fields_is_allowed(lesson01, name):
    assert problems(POSITIONAL_MATCHES_HONEST[name], lesson01, frozenset(), frozenset()) == []
    # but not where another answer cell binds the class's name too (in the notebook, where the cells share their
    # names, its class would be the one matched), nor where the other cells are not known
    assert problems(POSITIONAL_MATCHES_HONEST[name], lesson01) != []
    assert problems(POSITIONAL_MATCHES_HONEST[name], lesson01, frozenset(), frozenset({"Pair", "int", "str"})) != []



# numpy's ndarray class under other names: called with ``buffer=bytearray(address)`` and ``dtype=object``, its array
# holds any object of the process (ch40, 2026-12-06: each passed the rules, and ``sys`` was reached three lines on).
NDARRAY_BY_OTHER_NAMES = {
    "a masked array's baseclass": "np.ma.masked_array([1]).baseclass",
    "a subclass's mro": "np.matrix.mro()[1]",
    "the masked array class's mro": "np.ma.MaskedArray.mro()[1]",
    "numpy.typing's alias, called": "np.typing.NDArray",
    "the alias's origin": "typing.get_origin(np.typing.NDArray)",
}


@pytest.mark.parametrize("name", sorted(NDARRAY_BY_OTHER_NAMES))
def test_numpys_ndarray_class_under_another_name_is_refused(lesson01, name):
    cheat = ("import typing\nimport numpy as np\n\n\ndef merge(ids, pair, new_id):\n"
             f"    nd = {NDARRAY_BY_OTHER_NAMES[name]}\n    b = bytearray(id(ids).to_bytes(8, 'little'))\n"
             "    return nd((1,), dtype=object, buffer=b)[0]\n")
    found = problems(cheat, lesson01, frozenset({"merge"}), frozenset())
    assert any("ndarray" in p and ("buffer" in p) for p in found), found


def test_numpys_array_types_stay_allowed_as_types(lesson01):
    honest = ("import numpy as np\nimport numpy.typing as npt\n\n\ndef merge(ids: npt.NDArray, pair, new_id) -> npt.NDArray:\n"
              "    assert isinstance(ids, (np.ndarray, list))\n    return list(ids)\n")
    assert problems(honest, lesson01, frozenset({"merge"}), frozenset()) == []


def test_a_dataclass_field_of_a_class_over_a_library_class_is_refused_in_the_answers_process(lesson01):
    """ch40: ``dataclasses.astuple`` (and ``asdict``, ``replace``, a dataclass's ``__match_args__``) reads each field by
    its name: a field ``_baseclass`` of a dataclass based on numpy's MaskedArray, in its own cell or inherited from a
    dataclass of another answer cell, read the ndarray class that MaskedArray keeps there, which the answers'
    process refuses as ``self._baseclass`` in a method. Both passed the rules; the answers' process now refuses
    such a class as it is made. A dataclass over a library class with public fields, and a private field of a
    dataclass of the answer's own, still run."""
    same = ("import dataclasses\nimport numpy as np\n\n\n@dataclasses.dataclass(init=False)\nclass M(np.ma.MaskedArray):\n"
            "    _baseclass: object\n\n\ndef f():\n    return dataclasses.astuple(np.ma.masked_array([1.0]).view(M))[0]\n")
    base = "import dataclasses\n\n\n@dataclasses.dataclass\nclass Base:\n    _baseclass: object = None\n"
    over = ("import dataclasses\nimport numpy as np\n\n\nclass M(Base, np.ma.MaskedArray):\n    pass\n\n\n"
            "def f():\n    return dataclasses.astuple(np.ma.masked_array([1.0]).view(M))[0]\n")
    assert problems(same, lesson01, frozenset({"M", "f"}), frozenset()) == []
    assert problems(base, lesson01, frozenset({"Base", "M", "f"}), frozenset({"M", "f"})) == []
    assert problems(over, lesson01, frozenset({"Base", "M", "f"}), frozenset({"Base"})) == []
    honest = ("import dataclasses\nimport random\n\n\n@dataclasses.dataclass\nclass Dice(random.Random):\n    sides: int = 6\n"
              "\n\n@dataclasses.dataclass\nclass Own:\n    _cache: dict = None\n\n\n"
              "def f():\n    return [Dice(4).sides, dataclasses.astuple(Own())]\n")
    assert problems(honest, lesson01, frozenset({"Dice", "Own", "f"}), frozenset()) == []
    first, second, fine = _in_answers_process([same], [base, over], [honest])
    for result, where in ((first, "M"), (second, "Base")):  # (before: "<class 'numpy.ndarray'>")
        assert result.get("error") == "KeyError" and result["cells"][-1][1] == "TypeError", result
        assert "annotates '_baseclass'" in result["cells"][-1][2] and f"(in {where})" in result["cells"][-1][2], result
    assert fine == {"value": "[4, (None,)]", "cells": []}, fine


def test_a_dataclass_field_named_as_a_module_over_a_library_class_is_told_so(lesson01):
    """rt41: a Dataset dataclass with the field ``data`` is refused (``data`` is also torch.utils.data's name, which
    the answers' process refuses for a class over a library class) and was told to "give the field a public name",
    which it had. The message now says the name is a module's and names one."""
    honest = ("import dataclasses\nimport torch\n\n\n@dataclasses.dataclass\nclass Windows(torch.utils.data.Dataset):\n"
              "    data: torch.Tensor\n\n\ndef f():\n    return Windows(torch.arange(3)).data.tolist()\n")
    assert problems(honest, lesson01, frozenset({"Windows", "f"}), frozenset()) == []
    [result] = _in_answers_process([honest])
    assert result["cells"][-1][1] == "TypeError", result
    shown = result["cells"][-1][2][:200]  # (what the feedback shows of it: recheck._cell_failure)
    assert "annotates 'data' (in Windows), also a module's name (torch.utils.data)" in shown, result
    assert "give the field another name" in shown, result


def test_no_attribute_of_the_allowed_modules_gives_numpys_ndarray_class_but_under_a_refused_name(lesson01):
    """The crawl of the allowed modules above, for numpy's ndarray class and the aliases that make one when called
    (``numpy.typing.NDArray``, ch40): each under a name the rules refuse outside a type hint or isinstance."""
    import typing

    import numpy as np

    attributes, crawled = _crawl()
    found = {}
    for attr, value, where in attributes:
        try:
            origin = typing.get_origin(value)
        except Exception:
            origin = None
        if value is np.ndarray or origin is np.ndarray:
            found.setdefault(attr, where)
    assert {"ndarray", "NDArray"} <= set(found) and crawled > 100, found
    open_doors = {attr: where for attr, where in found.items() if not problems(f"def f(m):\n    return m.{attr}\n", lesson01)}
    assert not open_doors, f"add these to answers.REFUSED_ATTRIBUTES (and ARRAY_TYPES, for a type): {open_doors}"


def test_a_models_config_setting_in_an_answer_is_refused_with_what_to_write_instead():
    """``model.config.pad_token_id = tokenizer.eos_token_id`` in an honest greedy_decode (rt40, 2026-12-06) was
    refused and told to write ``model.config["pad_token_id"] = ...``, which a Hugging Face config does not
    support. The refusal stays (a setting of an object the function was given); it says to pass the value
    where it is used, or to leave the line out."""
    lesson = Lesson.from_notebook(nbformat.read(solution_path("06_finetuning"), as_version=4))
    answer = ("def greedy_decode(model, input_ids, max_new_tokens):\n"
              "    model.config.pad_token_id = 0\n"
              "    return input_ids\n")
    refused = problems(answer, lesson, others=frozenset())
    assert len(refused) == 1 and "pass the value where it is used (`pad_token_id=...` as an argument)" in refused[0], \
        refused


def test_a_tensors_data_or_grad_set_two_attributes_below_self_is_refused_with_what_to_write():
    """rt40's allowance of attributes set two or more levels below ``self`` (nanoGPT's weight tying) took in
    ``self.lin.weight.data = w`` and ``self.lin.weight.grad = None``, set on a tensor, which the answers' process
    then refused as it ran with no word of what to write; rt39's hint (copy in place) had said it. Both are
    refused by the rules again, each saying what to write; the weight tying stays allowed."""
    lesson = Lesson.from_notebook(nbformat.read(solution_path("05_nanogpt"), as_version=4))
    head = "class A(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.lin = nn.Linear(2, 2)\n"
    data = problems(head + "        self.lin.weight.data = torch.eye(2)\n", lesson, others=frozenset())
    assert len(data) == 1 and "with torch.no_grad(): self.lin.weight.copy_(...)" in data[0], data
    grad = problems(head + "    def clear(self):\n        self.lin.weight.grad = None\n", lesson, others=frozenset())
    assert len(grad) == 1 and "zero_grad(set_to_none=True)" in grad[0] and '["grad"]' not in grad[0], grad
    tied = head + "        self.head = nn.Linear(2, 2)\n        self.lin.inner = nn.Linear(2, 2)\n" \
                  "        self.lin.inner.weight = self.head.weight\n"
    assert problems(tied, lesson, others=frozenset()) == []


def test_hints_of_a_cell_after_a_future_annotations_import_in_another_cell_are_text():
    """rt42 (2026-12-06): ``from __future__ import annotations`` in the causal-mask cell, then hints in the
    CausalSelfAttention cell that name what the lesson does not bind (``config: AttentionConfig``, ``x: Tensor``,
    ``-> CausalSelfAttention`` inside the class): IPython keeps the future import in force for every later cell,
    so the hints were text and the notebook's tests passed; graded, the class was refused ("reads `Tensor`,
    which neither an answer cell nor the lesson defines"). Graded, every hint is text (``answer_host``). Names
    outside hints, and the course's names in hints, are read as before."""
    from autograder.answers import future_annotations
    from autograder.notebooks import lesson_path

    L03 = "03_self_attention"
    lesson03 = Lesson.from_notebook(nbformat.read(solution_path(L03), as_version=4))
    solution = nbformat.read(solution_path(L03), as_version=4)
    mask = "from __future__ import annotations\n\n\ndef causal_mask(T: int) -> torch.Tensor:\n" \
           "    return torch.ones(T, T, dtype=torch.bool).tril()\n"
    attention = _cell(solution, "causal-self-attention").source.replace(
        "def __init__(self, config):", "def __init__(self, config: AttentionConfig) -> None:").replace(
        "def forward(self, x):", "def forward(self, x: Tensor) -> Tensor:") + \
        "\n    @classmethod\n    def of(cls, config: AttentionConfig) -> CausalSelfAttention:\n        return cls(config)\n"
    attention = "\n".join(line for line in attention.splitlines() if "### " not in line)
    assert future_annotations(["import torch", mask]) and not future_annotations(["import torch", "x: int = 1"])
    assert not future_annotations(["%time 1", "from __future__ import division"])
    found = problems(attention, lesson03, others=frozenset())
    assert any("reads `Tensor`" in p for p in found) and any("reads `AttentionConfig`" in p for p in found), found
    assert problems(attention, lesson03, others=frozenset(), lazy_annotations=True) == []
    for refused in ("Tensor = undefined_name", "def f(x: ref.CausalSelfAttention):\n    pass"):
        assert problems(attention + "\n" + refused + "\n", lesson03, others=frozenset(), lazy_annotations=True), refused

    release = nbformat.read(lesson_path(L03), as_version=4)
    submission = copy.deepcopy(release)
    for grade_id in ("causal-mask", "heads"):
        _cell(submission, grade_id).source = "\n".join(
            line for line in _cell(solution, grade_id).source.splitlines() if "### " not in line)
    _cell(submission, "causal-self-attention").source = attention
    assert list(rebuild(submission, release, lesson03)[1]) == ["causal-self-attention"]
    _cell(submission, "causal-mask").source = mask
    graded, refused = rebuild(submission, release, lesson03)
    assert refused == {} and _cell(graded, "causal-self-attention").source == attention
    # graded, the notebook runs the answer cells in order and no cell of the student's own: an import in a
    # scratch cell above, or in an answer cell below, leaves the hints read, and the refusal says where it goes
    _cell(submission, "causal-mask").source = mask.replace("from __future__ import annotations\n", "")
    submission.cells.insert(2, nbformat.v4.new_code_cell("from __future__ import annotations"))
    refused = rebuild(submission, release, lesson03)[1]
    assert list(refused) == ["causal-self-attention"], refused
    assert any("reads `Tensor`" in r and "put the import atop the answer cell" in r
               for r in refused["causal-self-attention"]), refused
    below = copy.deepcopy(submission)
    _cell(below, "causal-self-attention").source = "from __future__ import annotations\n" + attention
    _cell(below, "heads").source += "\n\ndef width(x: Tensor) -> int:\n    return x.shape[-1]\n"
    assert list(rebuild(below, release, lesson03)[1]) == ["heads"]


def test_a_part_of_a_split_answer_that_opens_with_a_future_import_is_joined_so_that_it_compiles(lesson01):
    """rt42 (2026-12-06): char-encode-decode split in two (JupyterLab's *Split Cell*), the second part opening
    with ``from __future__ import annotations`` above a char_decode whose hints name what no cell binds: each
    part ran in the notebook and its tests passed; joined for grading, the cell raised "SyntaxError: from
    __future__ imports must occur at the beginning of the file", and both form points were lost. A part's
    opening future imports are written ``pass``, line for line, and put atop the joined cell, where they hold
    for every part (hints are text when graded anyway); parts without one are joined as before."""
    from autograder.answers import join_parts, join_split_answers

    release = nbformat.read(lesson_path(L01), as_version=4)
    encode = '"""Encoding."""\n\n\ndef char_encode(text, stoi):\n    return [stoi[ch] for ch in text]\n'
    decode = '"""Decoding."""\nfrom __future__ import annotations  # hints as text\n\n\n' \
             "def char_decode(ids: list[int], itos: Vocab) -> str:\n    return ''.join(itos[i] for i in ids)\n"
    for apart in (False, True):
        submission = copy.deepcopy(release)
        first = _cell(submission, "char-encode-decode")
        second = copy.deepcopy(first)
        first.source, second.id, second.source = encode, "second-part", decode
        at = submission.cells.index(first)
        submission.cells[at + 1:at + 1] = [nbformat.v4.new_markdown_cell("Now the decoder:")] * apart + [second]
        cells, joined = join_split_answers(submission.cells)
        assert joined == ["char-encode-decode"], apart
        ran = _cell(nbformat.v4.new_notebook(cells=cells), "char-encode-decode").source
        compile(ran, "<joined>", "exec", dont_inherit=True)  # it raised SyntaxError
        assert ran == "from __future__ import annotations\n" + encode + "\n" + decode.replace(
            "from __future__ import annotations", "pass").rstrip("\n"), ran
        graded, refused = rebuild(submission, release, lesson01)  # `Vocab`, read in a hint: text
        assert refused == {}, refused
    # parts without a future import are joined as before
    assert join_parts(["a = 1\n\n", '"""x"""\nfrom __future__ import division, annotations\nb: T = 2\n',
                       "from __future__ import (annotations,\n    generator_stop); c = 3\r\nd = 4"]) == \
        'from __future__ import division, annotations, generator_stop\na = 1\n\n"""x"""\npass\nb: T = 2\n\n\npass; c = 3\r\nd = 4'
    compile(join_parts(['"""doc"""\nfrom __future__ import division\nx = 1', "from __future__ import annotations\ny = 2"]),
            "<joined>", "exec", dont_inherit=True)


def _split_answer_cell(release, grade_id, first, second_source):
    """A copy of ``release`` with the answer cell ``grade_id`` split in two as JupyterLab's "split cell" does
    (both parts keep the cell's metadata): its index in the copy, the copy, and the second part's cell."""
    split = copy.deepcopy(release)
    at = next(i for i, c in enumerate(split.cells) if (c.metadata.get("nbgrader") or {}).get("grade_id") == grade_id)
    split.cells[at].source = first
    second = copy.deepcopy(split.cells[at])
    second.source, second.id = second_source, "second-part"
    split.cells.insert(at + 1, second)
    return at, split, second


def test_a_split_answer_cell_passes_its_check_where_the_saved_notebook_holds_the_parts(monkeypatch, tmp_path):
    """An honest scaled_dot_product_attention split in JupyterLab below its helper ``_apply_mask`` (each part
    keeps the cell's metadata; the autograder joins them, 6/6) failed its test cell: "reads `_apply_mask`,
    which only a cell you added defines" (rt47, 2026-12-06; a train_loop split below its enum class and import
    too), as did a constant of the first part read by the function ("defined elsewhere in the notebook"). The
    kernel's history holds each part as a cell of its own; the check reads the parts from the notebook's saved
    file (``__session__``, as JupyterLab's kernel holds it). A file saved before the split, a helper in a cell
    the student added, and no known file keep the message."""
    import torch

    from course.checks import _core
    from course.checks import attention as checks
    from course.checks._core import CheckFailed
    helper = ("SCALE = 1.0\n\n\ndef _apply_mask(scores, mask):\n    if mask is None:\n        return scores\n"
              "    if mask.dtype == torch.bool:\n        return scores.masked_fill(~mask, float('-inf'))\n"
              "    return scores + mask\n")
    answer = ("def scaled_dot_product_attention(q, k, v, mask=None):\n"
              "    scores = SCALE * (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])\n"
              "    return torch.softmax(_apply_mask(scores, mask), dim=-1) @ v\n")
    release = nbformat.read(lesson_path("02_cross_attention"), as_version=4)
    at, split, second = _split_answer_cell(release, "sdpa", helper, answer)
    saved = tmp_path / "02_cross_attention.ipynb"
    nbformat.write(split, saved)
    import math
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["import torch", helper, answer])
    namespace = {"torch": torch, "math": math, "SCALE": 1.0}
    namespace["_apply_mask"] = _cell_function(helper, "_apply_mask", namespace)
    checks.check_scaled_dot_product_attention(
        _cell_function(answer, "scaled_dot_product_attention", {**namespace, "__session__": str(saved)}))
    # a constant alone in the first part (data, read by the function): the same
    own_mask = answer.replace("_apply_mask(scores, mask)", "scores if mask is None else (scores.masked_fill(~mask, "
                              "float('-inf')) if mask.dtype == torch.bool else scores + mask)")
    split.cells[at].source, second.source = "SCALE = 1.0\n", own_mask
    nbformat.write(split, saved)
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["import torch", "SCALE = 1.0\n", own_mask])
    checks.check_scaled_dot_product_attention(
        _cell_function(own_mask, "scaled_dot_product_attention", {**namespace, "__session__": str(saved)}))
    with pytest.raises(CheckFailed, match="reads `SCALE`"):
        checks.check_scaled_dot_product_attention(_cell_function(own_mask, "scaled_dot_product_attention", namespace))
    split.cells[at].source, second.source = helper, answer
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["import torch", helper, answer])
    # the grade joins the parts too: nothing refused
    lesson = Lesson.from_notebook(nbformat.read(solution_path("02_cross_attention"), as_version=4))
    assert "sdpa" not in rebuild(split, release, lesson)[1]
    # a file not saved since the split (the answer whole in one cell), and no file known: told as before
    unsplit = copy.deepcopy(release)
    unsplit.cells[at].source = answer
    before = tmp_path / "before" / "02_cross_attention.ipynb"
    before.parent.mkdir()
    nbformat.write(unsplit, before)
    for where in ({"__session__": str(before)}, {}):
        with pytest.raises(CheckFailed, match="reads `_apply_mask`, which only a cell you added defines"):
            checks.check_scaled_dot_product_attention(
                _cell_function(answer, "scaled_dot_product_attention", {**namespace, **where}))
    # the helper in a cell the student added (no metadata) beside a saved notebook: still a cell of their own
    added = copy.deepcopy(unsplit)
    added.cells.insert(at, nbformat.v4.new_code_cell(helper))
    nbformat.write(added, before)
    with pytest.raises(CheckFailed, match="reads `_apply_mask`, which only a cell you added defines"):
        checks.check_scaled_dot_product_attention(
            _cell_function(answer, "scaled_dot_product_attention", {**namespace, "__session__": str(before)}))


def test_a_helper_alone_in_a_part_of_another_split_answer_cell_passes_the_check_that_reads_it(monkeypatch, tmp_path):
    """rt50 (2026-12-07): count-pairs split in JupyterLab below its helper ``_pairs`` (both parts keep the cell's
    metadata), and bpe_word, in its own answer cell, calling ``_pairs`` too: the autograder joins the parts and
    graded full marks, but bpe_word's test cell failed, "reads `_pairs`, which only a cell you added defines"
    (and lesson 02's sdpa reading a softmax helper split above cross_attention the same). The kernel's history
    holds the helper's part as a cell of its own, which defines no exercise; the check reads the saved file's
    parts of split answer cells as answer cells. The helper in a cell the student added is still told so."""
    from course.checks import _core
    from course.checks import tokenization as checks
    from course.checks._core import CheckFailed
    helper = "def _pairs(seq):\n    return [(seq[i], seq[i + 1]) for i in range(len(seq) - 1)]\n"
    counter = ("def count_pairs(ids):\n    counts = {}\n    for p in _pairs(ids):\n"
               "        counts[p] = counts.get(p, 0) + 1\n    return counts\n")
    answer = ("def bpe_word(symbols, ranks):\n    symbols = list(symbols)\n    while True:\n"
              "        ranked = sorted((ranks[p], i) for i, p in enumerate(_pairs(symbols)) if p in ranks)\n"
              "        if not ranked:\n            return symbols\n        i = ranked[0][1]\n"
              "        a, b = symbols[i], symbols[i + 1]\n        out, j = [], 0\n        while j < len(symbols):\n"
              "            if symbols[j:j + 2] == [a, b]:\n                out.append(a + b)\n                j += 2\n"
              "            else:\n                out.append(symbols[j])\n                j += 1\n        symbols = out\n")
    release = nbformat.read(lesson_path(L01), as_version=4)
    at, split, _ = _split_answer_cell(release, "count-pairs", helper, counter)
    next(c for c in split.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "bpe-word").source = answer
    saved = tmp_path / "01_tokenization.ipynb"
    nbformat.write(split, saved)
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["import torch", helper, counter, answer])
    namespace = {"_pairs": _cell_function(helper, "_pairs")}
    checks.check_bpe_word(_cell_function(answer, "bpe_word", {**namespace, "__session__": str(saved)}))
    # the grade joins the parts: nothing refused
    lesson = Lesson.from_notebook(nbformat.read(solution_path(L01), as_version=4))
    assert rebuild(split, release, lesson)[1] == {}
    # bpe_word split too, below a helper of its own (a class), and reading _pairs: the same
    own = "class _Best(tuple):\n    pass\n"
    word = next(c for c in split.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "bpe-word")
    word.source, below = own, copy.deepcopy(word)
    below.source, below.id = answer.replace("symbols = out\n", "symbols = list(_Best(out))\n"), "word-part"
    split.cells.insert(split.cells.index(word) + 1, below)
    nbformat.write(split, saved)
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["import torch", helper, counter, own, below.source])
    checks.check_bpe_word(_cell_function(below.source, "bpe_word",
                                         {**namespace, "_Best": _cell_function(own, "_Best"), "__session__": str(saved)}))
    assert rebuild(split, release, lesson)[1] == {}
    # no file known, and the helper in a cell the student added (no metadata): told as before
    added = copy.deepcopy(release)
    added.cells[at].source = counter
    added.cells.insert(at, nbformat.v4.new_code_cell(helper))
    next(c for c in added.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "bpe-word").source = answer
    nbformat.write(added, saved)
    for where in ({"__session__": str(saved)}, {}):
        with pytest.raises(CheckFailed, match="reads `_pairs`, which only a cell you added defines"):
            checks.check_bpe_word(_cell_function(answer, "bpe_word", {**namespace, **where}))


def test_a_split_answer_cell_passes_its_check_where_the_kernel_names_no_saved_notebook(monkeypatch, tmp_path):
    """rt54 (2026-12-07): an honest scaled_dot_product_attention split below its helper ``_apply_mask`` (both parts
    keep the cell's metadata; the autograder joins them, full marks) failed its test cell, "reads `_apply_mask`,
    which only a cell you added defines", when run by ``jupyter nbconvert --execute`` (no ``JPY_SESSION_NAME``, so
    no ``__session__``), in classic Notebook and in Colab: the check found no saved file to read the parts from
    (count_pairs split below ``_pairs`` in lesson 01, read by bpe_word, the same). Where the kernel names no file,
    the notebook that holds the cell is read: Colab's page, or one in the kernel's working folder (the notebook's
    folder). A notebook there that does not hold the cell, and none at all, keep the message."""
    import json
    import math
    import types

    import torch

    from course.checks import _core
    from course.checks import attention as checks
    from course.checks import tokenization as token_checks
    from course.checks._core import CheckFailed
    helper = ("def _apply_mask(scores, mask):\n    if mask is None:\n        return scores\n"
              "    if mask.dtype == torch.bool:\n        return scores.masked_fill(~mask, float('-inf'))\n"
              "    return scores + mask\n")
    answer = ("def scaled_dot_product_attention(q, k, v, mask=None):\n"
              "    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
              "    return torch.softmax(_apply_mask(scores, mask), dim=-1) @ v\n")
    release = nbformat.read(lesson_path("02_cross_attention"), as_version=4)
    at, split, _ = _split_answer_cell(release, "sdpa", helper, answer)
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["import torch", helper, answer])
    namespace = {"torch": torch, "math": math}
    namespace["_apply_mask"] = _cell_function(helper, "_apply_mask", namespace)
    run = lambda: checks.check_scaled_dot_product_attention(_cell_function(answer, "scaled_dot_product_attention",
                                                                           dict(namespace)))
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    with pytest.raises(CheckFailed, match="reads `_apply_mask`, which only a cell you added defines"):
        run()  # no notebook at all
    other = copy.deepcopy(release)  # another notebook of the folder, not this one (the answer whole in one cell)
    other.cells[at].source = helper + "\n\n" + answer
    nbformat.write(other, folder / "02_cross_attention-Copy1.ipynb")
    with pytest.raises(CheckFailed, match="reads `_apply_mask`, which only a cell you added defines"):
        run()
    nbformat.write(split, folder / "02_cross_attention.ipynb")  # nbconvert --execute, classic Notebook
    run()
    # Colab: the notebook is not in the working folder but in the page, which google.colab._message hands over
    (folder / "02_cross_attention.ipynb").unlink()
    asked = []
    message = types.ModuleType("google.colab._message")
    message.blocking_request = lambda kind, request="", timeout_sec=5: asked.append(kind) or {
        "ipynb": json.loads(nbformat.writes(split))}
    colab = types.ModuleType("google.colab")
    colab._message = message
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab._message", message)
    run()
    assert asked == ["get_ipynb"], asked
    monkeypatch.delitem(sys.modules, "google.colab")
    # lesson 01: a helper alone in a part of count_pairs's split answer cell, read by bpe_word's own cell
    pairs = "def _pairs(seq):\n    return [(seq[i], seq[i + 1]) for i in range(len(seq) - 1)]\n"
    counter = ("def count_pairs(ids):\n    counts = {}\n    for p in _pairs(ids):\n"
               "        counts[p] = counts.get(p, 0) + 1\n    return counts\n")
    word = ("def bpe_word(symbols, ranks):\n    symbols = list(symbols)\n    while True:\n"
            "        ranked = sorted((ranks[p], i) for i, p in enumerate(_pairs(symbols)) if p in ranks)\n"
            "        if not ranked:\n            return symbols\n        i = ranked[0][1]\n"
            "        symbols = symbols[:i] + [symbols[i] + symbols[i + 1]] + symbols[i + 2:]\n")
    tokens = nbformat.read(lesson_path(L01), as_version=4)
    _, split01, _ = _split_answer_cell(tokens, "count-pairs", pairs, counter)
    next(c for c in split01.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "bpe-word").source = word
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["import torch", pairs, counter, word])
    own = {"_pairs": _cell_function(pairs, "_pairs")}
    with pytest.raises(CheckFailed, match="reads `_pairs`, which only a cell you added defines"):
        token_checks.check_bpe_word(_cell_function(word, "bpe_word", dict(own)))
    nbformat.write(split01, folder / "01_tokenization.ipynb")
    token_checks.check_bpe_word(_cell_function(word, "bpe_word", dict(own)))
    token_checks.check_count_pairs(_cell_function(counter, "count_pairs", dict(own)))


def test_an_answer_written_in_a_cell_the_student_added_is_told_so_where_the_saved_notebook_shows_it(monkeypatch, tmp_path):
    """rt54 (2026-12-07): an honest padding_mask written in a new cell below its answer cell, which kept the
    template (``raise NotImplementedError()``), passed its test cell in JupyterLab and scored 0 of 2: the autograder
    runs the answer cells alone ("answer outside its cell" in the status). A count_pairs below an answer cell that
    holds only its helper ``_pairs`` was told to move ``_pairs`` "into this answer cell", where it already was, and
    scored 0 as well. The check reads the saved notebook (``__session__``, or the working folder's): the cell that
    defines the function is one the student added, and no answer cell defines it. The answer in its cell, a copy
    of it in an added cell too, and no saved file known, pass as before."""
    import torch

    from course.checks import _core
    from course.checks import attention as checks
    from course.checks import tokenization as token_checks
    from course.checks._core import CheckFailed
    answer = "def padding_mask(lengths, T):\n    return torch.arange(T)[None, :] < lengths[:, None]\n"
    release = nbformat.read(lesson_path("02_cross_attention"), as_version=4)
    at = next(i for i, c in enumerate(release.cells) if (c.metadata.get("nbgrader") or {}).get("grade_id") == "padding-mask")
    template = release.cells[at].source
    assert "raise NotImplementedError()" in template
    below = copy.deepcopy(release)
    below.cells.insert(at + 1, nbformat.v4.new_code_cell(answer))
    saved = tmp_path / "02_cross_attention.ipynb"
    nbformat.write(below, saved)
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["import torch", template, answer])
    monkeypatch.chdir(tmp_path)
    for where in ({"__session__": str(saved)}, {}):  # JupyterLab; nbconvert --execute (the working folder's)
        student = _cell_function(answer, "padding_mask", {"torch": torch, **where})
        with pytest.raises(CheckFailed, match="`padding_mask` is defined in a cell you added, not in an answer cell"):
            checks.check_padding_mask(student)
        with pytest.raises(CheckFailed, match="defined in a cell you added"):
            _core.form_call("padding_mask", student, (torch.tensor([1, 2]), 3))  # the form cell's call
    # the grade agrees: the answer cell is graded, the added cell is not
    lesson = Lesson.from_notebook(nbformat.read(solution_path("02_cross_attention"), as_version=4))
    graded = rebuild(below, release, lesson)[0]
    assert answer.strip() not in "".join(c.source for c in graded.cells)
    # the answer in its own cell; the same code in an added cell as well; no file known: passes
    inside = copy.deepcopy(release)
    inside.cells[at].source = answer
    nbformat.write(inside, saved)
    checks.check_padding_mask(_cell_function(answer, "padding_mask", {"torch": torch, "__session__": str(saved)}))
    inside.cells.insert(at + 1, nbformat.v4.new_code_cell(answer))
    nbformat.write(inside, saved)
    checks.check_padding_mask(_cell_function(answer, "padding_mask", {"torch": torch, "__session__": str(saved)}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    checks.check_padding_mask(_cell_function(answer, "padding_mask", {"torch": torch}))
    # lesson 01: the helper alone in the answer cell, count_pairs in a cell added below it
    pairs = "def _pairs(seq):\n    return list(zip(seq, seq[1:]))\n"
    counter = ("def count_pairs(ids):\n    counts = {}\n    for p in _pairs(ids):\n"
               "        counts[p] = counts.get(p, 0) + 1\n    return counts\n")
    tokens = nbformat.read(lesson_path(L01), as_version=4)
    at = next(i for i, c in enumerate(tokens.cells) if (c.metadata.get("nbgrader") or {}).get("grade_id") == "count-pairs")
    tokens.cells[at].source = pairs
    tokens.cells.insert(at + 1, nbformat.v4.new_code_cell(counter))
    nbformat.write(tokens, tmp_path / "01_tokenization.ipynb")
    monkeypatch.setattr(_core, "_kernel_history", lambda: ["import torch", pairs, counter])
    own = {"_pairs": _cell_function(pairs, "_pairs"), "__session__": str(tmp_path / "01_tokenization.ipynb")}
    with pytest.raises(CheckFailed, match="`count_pairs` is defined in a cell you added") as caught:
        token_checks.check_count_pairs(_cell_function(counter, "count_pairs", own))
    assert "move `_pairs`" not in str(caught.value)
    # in Colab (no file named, none in the working folder): the page's notebook, where the check fails anyway
    import json
    import types
    message = types.ModuleType("google.colab._message")
    message.blocking_request = lambda kind, request="", timeout_sec=5: {"ipynb": json.loads(nbformat.writes(tokens))}
    colab = types.ModuleType("google.colab")
    colab._message = message
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab._message", message)
    (tmp_path / "01_tokenization.ipynb").unlink()
    del own["__session__"]
    with pytest.raises(CheckFailed, match="`count_pairs` is defined in a cell you added"):
        token_checks.check_count_pairs(_cell_function(counter, "count_pairs", own))


def test_a_function_scripted_by_torch_jit_is_told_the_autograder_refuses_torch_jit():
    """An honest padding_mask under ``@torch.jit.script`` passed its self-check and then failed its test cell
    with DelegatesToReference: "should be a function (or class) defined with def/class ... got ScriptFunction,
    which cannot be checked as your own code" (rt47, 2026-12-06), a cheat's name for an honest answer, while the
    autograder refused the cell for torch.jit ("leave the decorator or the call out"). The check reads the
    function torch compiled, in its cell, and says what the autograder says."""
    import torch

    from course.checks import attention as checks
    from course.checks._core import CheckFailed
    source = ("@torch.jit.script\ndef padding_mask(lengths: torch.Tensor, T: int) -> torch.Tensor:\n"
              "    return torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)\n")
    scripted = _cell_function(source, "padding_mask", {"torch": torch})
    assert isinstance(scripted, torch.jit.ScriptFunction)
    with pytest.raises(CheckFailed, match="will not run this answer") as caught:
        checks.check_padding_mask(scripted)
    assert "torch.jit" in str(caught.value) and "leave the decorator or the call out" in str(caught.value)
    from course.grading import DelegatesToReference, assert_own_work
    with pytest.raises(DelegatesToReference, match="compiled by torch.jit.*leave the decorator or the call out"):
        assert_own_work(scripted, "padding_mask")  # (the form cell's own line, after its call passed)
    checks.check_padding_mask(_cell_function(source.replace("@torch.jit.script\n", ""), "padding_mask",
                                             {"torch": torch}))



def test_a_passing_check_reads_the_saved_notebook_without_importing_nbformat(tmp_path):
    """Every check reads the saved notebook (``_outside_answer_cells``, rt54); read with nbformat, the first check
    of every kernel paid nbformat's import, 1.3 s here (jsonschema's grammars), on a laptop and in every graded
    notebook. Read with ``json``, an honest answer in its answer cell passes without it."""
    import os
    import pathlib
    import subprocess

    release = nbformat.read(lesson_path("02_cross_attention"), as_version=4)
    at = next(i for i, c in enumerate(release.cells) if (c.metadata.get("nbgrader") or {}).get("grade_id") == "padding-mask")
    answer = "def padding_mask(lengths, T):\n    return torch.arange(T)[None, :] < lengths[:, None]\n"
    release.cells[at].source = answer
    saved = tmp_path / "02_cross_attention.ipynb"
    nbformat.write(release, saved)
    script = f'''
import linecache, sys
import torch
from course.checks import attention, _core
source = {answer!r}
_core._kernel_history = lambda: ["import torch", source]
linecache.cache["<cell 1>"] = (len(source), None, source.splitlines(True), "<cell 1>")
namespace = {{"__name__": "__main__", "torch": torch, "__session__": {str(saved)!r}}}
exec(compile(source, "<cell 1>", "exec"), namespace)
attention.check_padding_mask(namespace["padding_mask"])
print("passed", "nbformat" in sys.modules)
'''
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parent.parent)})
    assert done.stdout.splitlines()[-1:] == ["passed False"], done.stdout + done.stderr[-2000:]
