"""assert_own_work: answers that delegate to the course's reference are caught; honest ones pass."""
import functools
import importlib

import pytest
import torch

from course.grading import DelegatesToReference, assert_own_work


def _module(source: str) -> dict:
    """Run `source` as if it were a student's notebook (module __main__) and return its globals."""
    namespace = {"__name__": "__main__"}
    exec(compile(source, "<student notebook>", "exec"), namespace)
    return namespace


HONEST = """
def helper(x):
    return x + 1
def answer(ids):
    return [helper(i) for i in ids]
"""

CHEATS = {
    "alias": "import course.checks as ref\nanswer = ref.describe",
    "from-import alias": "from course.checks import describe as answer",
    "wrapper over module": "import course.checks as ref\ndef answer(x):\n    return ref.describe(x)",
    "wrapper over name": "from course.checks import describe\ndef answer(x):\n    return describe(x)",
    "import inside": "def answer(x):\n    import course.checks\n    return course.checks.describe(x)",
    "importlib string": "import importlib\ndef answer(x):\n    return importlib.import_module('course.checks').describe(x)",
    "closure": "import course.checks\ndef make(f):\n    def answer(x):\n        return f(x)\n    return answer\nanswer = make(course.checks.describe)",
    "nested function": "import course.checks as c\ndef answer(x):\n    def inner(y):\n        return c.describe(y)\n    return inner(x)",
    "partial": "import functools, course.checks\nanswer = functools.partial(course.checks.describe)",
}


def test_honest_answer_passes():
    assert_own_work(_module(HONEST)["answer"], "answer")


@pytest.mark.parametrize("kind", sorted(CHEATS))
def test_delegation_is_caught(kind):
    answer = _module(CHEATS[kind])["answer"]
    with pytest.raises(DelegatesToReference, match="answer"):
        assert_own_work(answer, "answer")


def test_class_inheriting_from_reference_is_caught():
    ns = _module("from course.checks import Mistake\nclass Answer(Mistake):\n    pass")
    with pytest.raises(DelegatesToReference, match="inherits"):
        assert_own_work(ns["Answer"], "Answer")


def test_honest_module_class_passes():
    ns = _module("import torch\nclass Answer(torch.nn.Module):\n    def forward(self, x):\n        return x * 2")
    assert_own_work(ns["Answer"], "Answer")


def test_method_delegating_is_caught():
    ns = _module("import torch\nimport course.checks as c\nclass Answer(torch.nn.Module):\n"
                 "    def forward(self, x):\n        return c.describe(x)")
    with pytest.raises(DelegatesToReference, match="uses `c`"):
        assert_own_work(ns["Answer"], "Answer")


def test_docstring_mentioning_course_is_not_a_delegation():
    ns = _module('def answer(x):\n    """Of course, this is my own course work."""\n    return x')
    assert_own_work(ns["answer"], "answer")


def test_a_method_named_like_a_course_function_is_not_a_delegation():
    """`model.train()` is the module's own method, not the course's `train` imported into the notebook."""
    ns = _module("from course.checks import describe as train\nimport torch\n"
                 "def answer(model, x):\n    model.train()\n    return model(x)")
    assert_own_work(ns["answer"], "answer")
    ns = _module("from course.checks import describe as train\ndef answer(model, x):\n    return train(x)")
    with pytest.raises(DelegatesToReference, match="uses `train`"):
        assert_own_work(ns["answer"], "answer")


def test_isinstance_of_a_configuration_class_is_not_a_delegation():
    """``isinstance(cfg, TrainConfig)`` in an honest lr_at_step lost both its points in the real grader, "it uses
    `TrainConfig`, which comes from the course package", once the rules allowed it (stop 58): a configuration
    class computes nothing an exercise asks for. The course's functions beside it are still caught."""
    honest = ("from course.train import TrainConfig, lr_at\n"
              "def answer(it, cfg):\n    if not isinstance(cfg, TrainConfig):\n        raise TypeError('no')\n"
              "    return cfg.learning_rate\n")
    assert_own_work(_module(honest)["answer"], "answer")
    ns = _module(honest.replace("return cfg.learning_rate", "return lr_at(it, cfg)"))
    with pytest.raises(DelegatesToReference, match="uses `lr_at`"):
        assert_own_work(ns["answer"], "answer")
    ns = _module("from course.train import train as TrainConfig\ndef answer(model, cfg):\n"
                 "    return TrainConfig(model, cfg)\n")
    with pytest.raises(DelegatesToReference, match="uses `TrainConfig`"):
        assert_own_work(ns["answer"], "answer")



def test_isinstance_of_a_configuration_class_through_the_lessons_module_is_not_a_delegation():
    """``isinstance(config, ref.AttentionConfig)``, as lesson 03's own cells name the class, in an honest
    CausalSelfAttention: once the rules allowed it, "it uses `ref`, which comes from the course package" cost
    the class its 4 points (rt32, 2026-12-06). The module read for a configuration class of its own is fine;
    read for anything else of the course's, it is still caught."""
    honest = ("import torch\nimport course.attention as ref\nclass Answer(torch.nn.Module):\n"
              "    def __init__(self, config):\n        super().__init__()\n"
              "        if not isinstance(config, ref.AttentionConfig):\n            raise TypeError('no')\n"
              "        self.n_head = config.n_head\n")
    assert_own_work(_module(honest)["Answer"], "Answer")
    for reached in ("ref.causal_mask", "ref.CausalSelfAttention", "ref.AttentionConfig.mro"):
        ns = _module(honest + f"    def forward(self, x):\n        return {reached}(x)\n")
        with pytest.raises(DelegatesToReference, match="uses `ref`"):
            assert_own_work(ns["Answer"], "Answer")


def test_only_a_test_cell_that_makes_the_check_reports_a_delegating_answer(tmp_path):
    """A red team raised its own class named ``DelegatesToReference`` in an answer cell, and the status said
    the answer delegated to the course's reference: only a test cell that calls ``assert_own_work`` (its
    source is the release's) can say so."""
    import nbformat

    from autograder.worker import delegating_cells

    def cell(source, grade_id=None, test=False):
        meta = {"nbgrader": {"grade": test, "solution": not test, "grade_id": grade_id, "points": 1,
                             "locked": test}} if grade_id else {}
        error = nbformat.v4.new_output("error", ename="DelegatesToReference", evalue="x", traceback=[])
        return nbformat.v4.new_code_cell(source, metadata=meta, outputs=[error])

    nb = nbformat.v4.new_notebook(cells=[
        cell("class DelegatesToReference(Exception): ...\nraise DelegatesToReference()", "answer"),
        cell("assert f(1) == 2", "plain-test", test=True),
        cell("from course.grading import assert_own_work\nassert_own_work(f, 'f')", "own-work-test", test=True),
        cell("raise DelegatesToReference()")])
    path = tmp_path / "graded.ipynb"
    nbformat.write(nb, path)
    assert delegating_cells(path) == ["own-work-test"]


def test_an_lru_cache_of_the_students_own_function_is_its_own_work():
    """An honest answer put ``@functools.lru_cache(maxsize=None)`` (or ``@functools.cache``) on its
    ``causal_mask``: ``assert_own_work`` refused the wrapper, and the status said the answer delegates to the
    course's reference (2026-12-03). The function the wrapper holds is checked instead; a wrapper around
    the reference, or one whose ``__wrapped__`` was rebound to an honest function, is still refused."""
    import course.attention as reference

    def causal_mask(T):
        return torch.tril(torch.ones(T, T, dtype=torch.bool))

    assert_own_work(functools.lru_cache(maxsize=None)(causal_mask), "causal_mask")
    assert_own_work(functools.cache(causal_mask), "causal_mask")
    with pytest.raises(DelegatesToReference, match="course's reference"):
        assert_own_work(functools.lru_cache(reference.causal_mask), "causal_mask")
    disguised = functools.lru_cache(reference.causal_mask)
    disguised.__module__, disguised.__wrapped__ = "__main__", causal_mask
    with pytest.raises(DelegatesToReference, match="cannot be checked"):
        assert_own_work(disguised, "causal_mask")

    def calls_it(T):
        return reference.causal_mask(T)

    with pytest.raises(DelegatesToReference, match="delegates"):
        assert_own_work(functools.cache(calls_it), "causal_mask")


def test_a_callable_object_of_the_students_own_class_is_its_own_work():
    """An honest ``padding_mask = PaddingMask()`` (a class of the notebook's with ``__call__``) was refused as
    not a function, and the status said the answer delegates to the course's reference (rt26, 2026-12-05).
    Its class's methods are checked as a class answer's are; an object of a library's class (a partial),
    one whose method calls the reference, or one that holds the reference, is still refused."""
    honest = _module(
        "import torch\n"
        "class PaddingMask:\n"
        "    def __call__(self, lengths, T):\n"
        "        return torch.arange(T)[None, :] < lengths[:, None]\n"
        "padding_mask = PaddingMask()\n")
    assert_own_work(honest["padding_mask"], "padding_mask")
    calls = _module(
        "import course.checks as ref\n"
        "class Answer:\n"
        "    def __call__(self, x):\n"
        "        return ref.describe(x)\n"
        "answer = Answer()\n")
    with pytest.raises(DelegatesToReference, match="delegates"):
        assert_own_work(calls["answer"], "answer")
    holds = _module(
        "import course.checks as ref\n"
        "class Answer:\n"
        "    def __init__(self, f):\n"
        "        self.f = f\n"
        "    def __call__(self, x):\n"
        "        return self.f(x)\n"
        "answer = Answer(ref.describe)\n")
    with pytest.raises(DelegatesToReference, match="cannot be checked"):
        assert_own_work(holds["answer"], "answer")
    tucked = _module(
        "import course.checks as ref\n"
        "class Answer:\n"
        "    def __init__(self, table):\n"
        "        self.table = table\n"
        "    def __call__(self, x):\n"
        "        return self.table['f'][0](x)\n"
        "answer = Answer({'f': [ref.describe]})\n")
    with pytest.raises(DelegatesToReference, match="cannot be checked"):
        assert_own_work(tucked["answer"], "answer")
    as_class_attribute = _module(
        "import course.checks as ref\n"
        "class Answer:\n"
        "    f = staticmethod(ref.describe)\n"
        "    def __call__(self, x):\n"
        "        return self.f(x)\n"
        "answer = Answer()\n")
    with pytest.raises(DelegatesToReference, match="cannot be checked"):
        assert_own_work(as_class_attribute["answer"], "answer")
    # (and a class answer holding it so, which was let through before)
    with pytest.raises(DelegatesToReference, match="class attribute"):
        assert_own_work(as_class_attribute["Answer"], "Answer")
    # a class-level type hint may name a configuration class of the course's, as anywhere
    hinted = _module(
        "import torch\nfrom course.attention import AttentionConfig\n"
        "class Masker:\n"
        "    config: AttentionConfig\n"
        "    def __call__(self, lengths, T):\n"
        "        return torch.arange(T)[None, :] < lengths[:, None]\n"
        "padding_mask = Masker()\n")
    assert_own_work(hinted["padding_mask"], "padding_mask")
    assert_own_work(hinted["Masker"], "Masker")
    wrapped = _module(
        "import functools\nimport course.checks as ref\n"
        "class Answer(functools.partial):\n"
        "    pass\n"
        "answer = Answer(ref.describe)\n")
    with pytest.raises(DelegatesToReference, match="cannot be checked"):
        assert_own_work(wrapped["answer"], "answer")


def test_a_partial_or_a_bound_method_of_the_students_own_code_is_its_own_work():
    """An honest ``char_decode = functools.partial(_decode, sep="")`` lost both points of its exercise, and the
    status said the answer delegates to the course's reference (rt28, 2026-12-05); so would ``char_encode =
    Codec().encode`` and a classmethod ``bpe_word = BPE.apply``. The function a partial calls, and a bound
    method's class, are checked as answers are; a partial of the reference, one that passes the reference to
    its function, or a method of a library's class or one that reaches the reference, is still refused."""
    honest = _module(
        "import functools\n"
        "def _decode(ids, itos, sep):\n"
        "    return sep.join(itos[i] for i in ids)\n"
        "char_decode = functools.partial(_decode, sep='')\n"
        "class Codec:\n"
        "    def __init__(self, n):\n"
        "        self.n = n\n"
        "    def encode(self, text):\n"
        "        return [self.n for _ in text]\n"
        "    @classmethod\n"
        "    def apply(cls, text):\n"
        "        return list(text)\n"
        "char_encode = Codec(3).encode\n"
        "bpe_word = Codec.apply\n")
    for name in ("char_decode", "char_encode", "bpe_word"):
        assert_own_work(honest[name], name)
    cheats = {
        "partial of the reference": "import functools, course.checks as ref\nanswer = functools.partial(ref.describe)",
        "partial passing it": "import functools, course.checks as ref\ndef run(f, x):\n    return f(x)\n"
                              "answer = functools.partial(run, ref.describe)",
        "partial passing it by keyword": "import functools, course.checks as ref\ndef run(x, f=None):\n"
                                         "    return f(x)\nanswer = functools.partial(run, f=ref.describe)",
        "partial of a delegating function": "import functools, course.checks as ref\ndef f(x):\n"
                                            "    return ref.describe(x)\nanswer = functools.partial(f)",
        "partial passing an object holding it": "import functools, course.checks as ref\nclass Box:\n"
                                                "    def __init__(self):\n        self.f = ref.describe\n"
                                                "def run(box, x):\n    return box.f(x)\n"
                                                "answer = functools.partial(run, Box())",
        "method calling it": "import course.checks as ref\nclass C:\n    def m(self, x):\n"
                             "        return ref.describe(x)\nanswer = C().m",
        "method of an object holding it": "import course.checks as ref\nclass C:\n    def __init__(self):\n"
                                          "        self.f = ref.describe\n    def m(self, x):\n"
                                          "        return self.f(x)\nanswer = C().m",
        "classmethod of a subclass of it": "from course.checks import Mistake\nclass C(Mistake):\n"
                                           "    @classmethod\n    def m(cls, x):\n        return x\nanswer = C.m",
        "a library's classmethod": "import collections\nanswer = collections.Counter.fromkeys",
    }
    for kind, source in cheats.items():
        with pytest.raises(DelegatesToReference, match="answer"):
            assert_own_work(_module(source)["answer"], "answer")
            pytest.fail(kind)


def test_an_nn_module_object_of_the_students_own_class_is_its_own_work():
    """An honest ``causal_average = CausalAverage()`` (an nn.Module of the notebook's with its own forward)
    was told it "should be a function (or class) defined with def/class", though it was one of the student's
    classes (rt31, 2026-12-06). Its classes are checked as a class answer's are; a hook registered on it, a
    course object among its parts, a submodule of a library outside torch, or a method that uses the course
    is still refused, with the message naming the class."""
    honest = ("import torch\n"
              "class CausalAverage(torch.nn.Module):\n"
              "    def __init__(self):\n        super().__init__()\n        self.scale = torch.nn.Identity()\n"
              "    def forward(self, x):\n"
              "        return self.scale(x.cumsum(1) / torch.arange(1, x.shape[1] + 1).view(1, -1, 1))\n"
              "causal_average = CausalAverage()\n")
    assert_own_work(_module(honest)["causal_average"], "causal_average")
    cheats = {
        "a hook": honest + "import course.gpt as ref\ncausal_average.register_forward_hook(lambda m, i, o: ref.causal_average(*i))\n",
        "a course part": honest + "import course.gpt as ref\ncausal_average.impl = ref.causal_average\n",
        "a course submodule": honest + "import course.gpt as ref\n"
                              "causal_average.block = ref.Block(ref.GPTConfig(n_embd=8, n_head=2, block_size=4))\n",
        "a method using the course": honest.replace("import torch\n", "import torch\nimport course.gpt as ref\n")
                                     .replace("return self.scale(", "return ref.causal_average(x) or self.scale("),
    }
    for kind, source in cheats.items():
        with pytest.raises(DelegatesToReference, match="causal_average"):
            assert_own_work(_module(source)["causal_average"], "causal_average")
            pytest.fail(kind)
    # a library's own object (a partial) keeps the general message
    with pytest.raises(DelegatesToReference, match="should be a function"):
        assert_own_work(functools.partial(print), "answer")


def test_a_function_an_answer_holds_elsewhere_than_in_its_classes_body_is_checked_too():
    """``assert_own_work`` checked the plain functions of an answer's classes and nothing else they hold (ch32,
    2026-12-06): the course's reference as a default value (``def forward(self, x, g=ref.causal_average)``), a
    lambda held by a staticmethod or a property, or put on the object (``self.forward = lambda x: ...``, a
    torch layer's forward replaced, a list of steps, an object's attribute read by its bound method) passed.
    Each is refused now; honest ones of the same shapes pass."""
    head = ("import torch\nimport course.gpt as ref\nfrom course.gpt import causal_average as avg\n"
            "step = lambda x: ref.causal_average(x)\n")
    module = "class M(torch.nn.Module):\n    def __init__(self, f=None):\n        super().__init__()\n"
    cheats = {
        "a default value": "def answer(x, g=avg):\n    return g(x)\n",
        "a keyword-only default": "def answer(x, *, g=avg):\n    return g(x)\n",
        "a method's default": module + "    def forward(self, x, g=avg):\n        return g(x)\nanswer = M()\n",
        "a class's default": "class answer:\n    def run(self, x, g=avg):\n        return g(x)\n",
        "a staticmethod": "class answer:\n    run = staticmethod(step)\n",
        "a property": "class answer:\n    run = property(step)\n",
        "the module's forward": module + "        self.forward = f\n    def forward(self, x):\n        return x\n"
                                "answer = M(step)\n",
        "a torch layer's forward": module + "        self.lin = torch.nn.Identity()\n        self.lin.forward = f\n"
                                   "    def forward(self, x):\n        return self.lin(x)\nanswer = M(step)\n",
        "a list of steps": module + "        self.steps = [f]\n    def forward(self, x):\n        return self.steps[0](x)\n"
                           "answer = M(step)\n",
        "an object's bound method": "class C:\n    def __init__(self, f):\n        self.f = f\n"
                                    "    def run(self, x):\n        return self.f(x)\nanswer = C(step).run\n",
        # (ch34: a function a default value holds, or a functools.partial's)
        "a lambda in a default's tuple": "def answer(x, g=(lambda: avg,)):\n    return g[0]()(x)\n",
        "a default's lambda": "def answer(x, g=(step,)):\n    return g[0](x)\n",
        "a lambda's default lambda": "answer = lambda x, g=lambda: avg: g()(x)\n",
        "a partial default": "import functools\ndef answer(x, g=functools.partial(avg)):\n    return g(x)\n",
        "a keyword-only partial of a partial": "import functools\n"
                                               "def answer(x, *, g=functools.partial(functools.partial(avg))):\n"
                                               "    return g(x)\n",
        "a class's partial": "import functools\nclass answer:\n    run = functools.partial(avg)\n",
    }
    for kind, source in cheats.items():
        with pytest.raises(DelegatesToReference, match="answer"):
            assert_own_work(_module(head + source)["answer"], "answer")
            pytest.fail(kind)
    own = "import torch\nstep = lambda x: x.cumsum(1)\n"
    for kind, source in cheats.items():
        assert_own_work(_module(own + source.replace("avg", "abs"))["answer"], "answer")


def test_a_class_or_object_of_the_notebooks_own_read_as_a_global_is_checked_too():
    """ch34 left it, ch37 closed it: ``assert_own_work`` read the course's objects among the globals a function
    reads, not what a class or an object of the notebook's own holds (the autograder's rules refuse each): a
    class's list of steps, a SimpleNamespace's attribute, an object's, or a staticmethod's lambda that uses the
    reference. Honest ones of the same shapes pass, and an nn.Module of the notebook's read as a global."""
    head = ("import types\nimport torch\nimport course.gpt as ref\nfrom course.gpt import causal_average as avg\n")
    cheats = {
        "a class's list": "class Steps:\n    run = [avg]\ndef answer(x):\n    return Steps.run[0](x)\n",
        "a SimpleNamespace": "box = types.SimpleNamespace(k=avg)\ndef answer(x):\n    return box.k(x)\n",
        "an object's attribute": "class Box:\n    def __init__(self):\n        self.k = avg\nbox = Box()\n"
                                 "def answer(x):\n    return box.k(x)\n",
        "a class's lambda": "class Steps:\n    run = staticmethod(lambda x: ref.causal_average(x))\n"
                            "def answer(x):\n    return Steps.run(x)\n",
        "a tuple in a class": "class Steps:\n    run = ((avg,),)\ndef answer(x):\n    return Steps.run[0][0](x)\n",
    }
    for kind, source in cheats.items():
        with pytest.raises(DelegatesToReference, match="answer"):
            assert_own_work(_module(head + source)["answer"], "answer")
            pytest.fail(kind)
    for kind, source in cheats.items():
        assert_own_work(_module(head + source.replace("ref.causal_average", "abs").replace("avg", "abs"))["answer"],
                        "answer")
    model = ("class M(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
             "        self.lin = torch.nn.Linear(2, 2)\n    def forward(self, x):\n        return self.lin(x)\n"
             "model = M()\ndef answer(x):\n    return model(x)\n")
    assert_own_work(_module(head + model)["answer"], "answer")
