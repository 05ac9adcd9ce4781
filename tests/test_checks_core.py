"""The machinery every self-check shares: the failure box JupyterLab shows, the mistake's name and
credit, recognition only on an exact match, input changes, call patterns and gradients."""
import pytest
import torch

from course.checks import CheckFailed, Mistake, run_check
from course.checks._core import check_gradient


def double(xs):
    return [2 * x for x in xs]


CASES = [([1, 2, 3],), ([],), ([5],)]
OFF_BY_ONE = Mistake("one too many", "you added one: return 2 * x.", lambda xs: [2 * x + 1 for x in xs])


def test_a_matching_mistake_is_named_with_its_credit():
    off = Mistake("half right", "a small slip.", lambda xs: [2 * x + 1 for x in xs], credit=0.5)
    with pytest.raises(CheckFailed) as info:
        run_check("double", lambda xs: [2 * x + 1 for x in xs], double, CASES, [off])
    assert info.value.mistake == "half right" and info.value.credit == 0.5
    assert "Mistake — half right: a small slip." in str(info.value)


def test_no_hint_unless_the_output_equals_the_wrong_version():
    with pytest.raises(CheckFailed) as info:
        run_check("double", lambda xs: [2 * x + 2 for x in xs], double, CASES, [OFF_BY_ONE])
    assert info.value.mistake is None and info.value.credit == 0.0
    assert "Mistake" not in str(info.value)
    assert "expected: list of length 3: [2, 4, 6]" in str(info.value)
    assert "got:      list of length 3: [4, 6, 8]" in str(info.value)
    assert "at position 0: expected int 2, got int 4" in str(info.value)


def test_a_wrong_version_equal_to_the_right_answer_names_nothing():
    # on [] both give [], so the hint would be a guess: it is given on the case that tells them apart
    same = Mistake("same", "never shown.", lambda xs: [2 * x for x in xs])
    with pytest.raises(CheckFailed) as info:
        run_check("double", lambda xs: [0 for x in xs], double, [([],), ([1],)], [same])
    assert info.value.mistake is None and "case 2 of 2" in str(info.value)


def test_the_box_ipython_shows_is_the_message_without_a_traceback():
    with pytest.raises(CheckFailed) as info:
        run_check("double", lambda xs: [2 * x + 1 for x in xs], double, CASES, [OFF_BY_ONE])
    lines = info.value._render_traceback_()
    text = "\n".join(lines)
    assert lines[0].startswith("\x1b[1;31m✗ double: case 1 of 3")
    assert "Mistake — one too many" in text and "Traceback" not in text and "_core.py" not in text
    assert all(len(line) <= 80 for line in lines[1:])


def test_an_error_in_the_students_code_names_its_line():
    def student(xs):
        return [xs[i + 1] for i in range(len(xs))]
    with pytest.raises(CheckFailed) as info:
        run_check("double", student, double, CASES)
    message = str(info.value)
    assert "your function raised IndexError: list index out of range" in message
    assert "return [xs[i + 1] for i in range(len(xs))]" in message


def test_an_error_can_name_a_mistake():
    view = Mistake("view after transpose", "use reshape.", error="view size is not compatible")
    with pytest.raises(CheckFailed) as info:
        run_check("flat", lambda x: x.transpose(0, 1).view(-1), lambda x: x.T.reshape(-1),
                  [(torch.ones(2, 3),)], [view])
    assert info.value.mistake == "view after transpose"


def test_unfinished_work_is_not_implemented_not_a_mistake():
    def todo(xs):
        raise NotImplementedError()
    with pytest.raises(CheckFailed) as info:
        run_check("double", todo, double, CASES)
    assert info.value.mistake == "not implemented" and "not implemented yet" in str(info.value)


def test_a_librarys_not_implemented_error_is_not_the_template():
    # an nn.ModuleList has no forward: calling it raises NotImplementedError with a message, from torch's code
    blocks = torch.nn.ModuleList([torch.nn.Identity()])
    with pytest.raises(CheckFailed) as info:
        run_check("blocks", lambda x: blocks(x), lambda x: x, [(torch.ones(2),)])
    assert info.value.mistake == "ModuleList called" and "not implemented yet" not in str(info.value)


def test_changing_the_input_fails_only_when_asked():
    def in_place(xs):
        xs[:] = [2 * x for x in xs]
        return xs
    run_check("double", in_place, double, CASES, quiet=True)
    with pytest.raises(CheckFailed) as info:
        run_check("double", in_place, double, CASES, unchanged=True)
    assert info.value.mistake == "changes its input"


def shift(x):
    return x - x.max()


def test_a_wrong_result_that_came_with_an_argument_changed_in_place_says_so_too():
    """``table -= table.max()`` both shifts the result and changes the caller's tensor (wa21, 2026-12-05: the box
    named only the shift); what the reference itself does to its own copy of the arguments is not mentioned."""
    def shifted_in_place(x):
        x -= x.max()
        return x - 1
    cases = [(torch.tensor([1.0, 3.0, 2.0]),)]
    with pytest.raises(CheckFailed) as info:
        run_check("shift", shifted_in_place, shift, cases)
    assert "also:     your function changed argument 1 in place" in str(info.value), str(info.value)

    def reference_in_place(x):
        x -= x.max()
        return x
    with pytest.raises(CheckFailed) as info:
        run_check("shift", shifted_in_place, reference_in_place, cases)
    assert "also:" not in str(info.value) and "changed argument" not in str(info.value), str(info.value)
    with pytest.raises(CheckFailed) as info:
        run_check("shift", lambda x: x - x.max() - 1, shift, cases)
    assert "changed argument" not in str(info.value), str(info.value)


def test_after_reports_what_the_output_cannot_show():
    calls = []

    def student(xs):
        calls.append(len(xs))
        return double(xs)

    def after(case):
        return ("called twice", Mistake("twice", "call once.")) if len(calls) > 1 else None

    with pytest.raises(CheckFailed) as info:
        run_check("double", student, double, CASES, after=after)
    assert info.value.mistake == "twice" and "case 2 of 3" in str(info.value)


def test_a_detached_result_is_named_and_a_connected_one_passes():
    def loss(x):
        return (x ** 2).sum()
    x = torch.randn(4)
    check_gradient("loss", loss, loss, (x,), wrt=0)
    with pytest.raises(CheckFailed) as info:
        check_gradient("loss", lambda x: loss(x).detach(), loss, (x,), wrt=0)
    assert info.value.mistake == "cut off from the graph"
    with pytest.raises(CheckFailed) as info:
        check_gradient("loss", lambda x: (x ** 3).sum(), loss, (x,), wrt=0)
    assert info.value.mistake is None and "the gradient with respect to argument 1 differs" in str(info.value)


def test_several_inputs_are_checked_in_one_pass_and_the_one_cut_off_is_named():
    def weighted(x, w, b):
        return (x @ w + b).sum()
    args = (torch.randn(3, 4), torch.randn(4, 2), torch.randn(2))
    check_gradient("weighted", weighted, weighted, args, wrt=range(3))
    with pytest.raises(CheckFailed) as info:
        check_gradient("weighted", lambda x, w, b: (x @ w + b.detach()).sum(), weighted, args, wrt=range(3))
    assert info.value.mistake == "cut off from the graph" and "argument 3" in str(info.value)
    with pytest.raises(CheckFailed) as info:
        check_gradient("weighted", lambda x, w, b: (x @ (2 * w) + b).sum(), weighted, args, wrt=range(3))
    assert info.value.mistake is None and "argument 1 differs" in str(info.value)


def test_an_answer_that_never_returns_is_named_an_endless_loop(monkeypatch):
    """merge without `i += 1` in its else branch never returns: the check cell spun with no word. Past the
    limit per case, it fails naming the mistake (not in the grader's own process, which has its own)."""
    import sys
    import time

    from course.checks import _core, tokenization

    monkeypatch.setattr(_core, "STUDENT_SECONDS", 1)
    monkeypatch.delitem(sys.modules, "autograder.recheck", raising=False)

    def merge(ids, pair, new_id):
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                out.append(new_id)
                i += 2
            else:
                out.append(ids[i])  # forgot i += 1
        return out

    import signal
    handler = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    with pytest.raises(_core.CheckFailed) as info:
        tokenization.check_merge(merge)
    assert info.value.mistake == "endless loop" and "did not return within 1 s" in str(info.value), str(info.value)
    assert time.monotonic() - start < 30
    assert signal.getsignal(signal.SIGALRM) is handler and signal.alarm(0) == 0  # nothing left behind


def test_a_nan_float_is_far_from_every_number_but_a_nan():
    # a red team's (2026-12-02): abs(nan - x) > tol is False, so a NaN loss passed the check that the
    # hidden tests (abs(...) <= tol) then failed
    from course.checks._core import difference
    assert difference(1.5, float("nan")) is not None
    assert difference([1.5, 2.0], [1.5, float("nan")]) is not None
    assert difference(float("nan"), 1.5) is not None
    assert difference(float("nan"), float("nan")) is None
    assert difference(float("inf"), float("inf")) is None
    assert difference(float("inf"), 1e300) is not None
    assert difference(1.5, 1.5 + 1e-7) is None


def test_a_meta_tensor_is_named_not_compared():
    # ch52: a result on the meta device (torch.empty(x.shape, device="meta")) has a shape and a dtype but no
    # values; torch's comparison raised "Tensor on device cpu is not on the expected device meta!" out of
    # every check that compares tensors, in the notebook and in the grade
    from course.checks import _core, gpt
    from course.checks._core import difference
    said = difference(torch.zeros(2, 3), torch.empty(2, 3, device="meta"))
    assert said is not None and "meta" in said and "no values" in said, said
    with pytest.raises(_core.CheckFailed) as info:
        gpt.check_causal_average(lambda x: torch.empty(x.shape, device="meta"))
    assert "a meta tensor has a shape and a dtype but no values" in str(info.value), str(info.value)


def _forgot_the_import(x):
    return math.sqrt(x)  # noqa: F821 (a student's missing import)


def _typo(x):
    total = x
    return totl  # noqa: F821


def _unset(x):
    for _ in range(x):
        last = x
    return last


@pytest.mark.parametrize("fn, name, words", [
    (_forgot_the_import, "name not defined", "add `import math` at the top of the answer cell"),
    (_typo, "name not defined", "reads `totl`, which nothing defines where it runs: check its spelling"),
    (_unset, "variable read before it is set", "give it a value before the loop"),
])
def test_a_name_that_is_not_defined_is_named_with_its_fix(fn, name, words):
    with pytest.raises(CheckFailed) as caught:
        run_check("f", fn, lambda x: x, [(4,), (0,)])
    text = str(caught.value)
    assert caught.value.mistake == name and words in text, text


def test_an_error_of_another_kind_is_not_taken_for_a_missing_name():
    def indexes(x):
        return [][x]
    with pytest.raises(CheckFailed) as caught:
        run_check("f", indexes, lambda x: float(x), [(4,)])
    assert caught.value.mistake == "index out of range" and "IndexError" in str(caught.value), str(caught.value)


def test_index_tensors_that_do_not_broadcast_are_not_taken_for_an_index_past_the_end():
    """x[rows, cols, ids] with (B,), (T,) and (B, T) index tensors raises IndexError 'shape mismatch: indexing
    tensors could not be broadcast together': it was told 'index out of range', reads past the end (wa39)."""
    def picks(x):
        return x[torch.arange(2), torch.arange(3), torch.zeros(2, 3, dtype=torch.long)]
    with pytest.raises(CheckFailed) as caught:
        run_check("f", picks, lambda x: x[:, :, 0], [(torch.ones(2, 3, 4),)])
    assert caught.value.mistake == "index tensors that do not line up", str(caught.value)
    assert "torch.arange(B)[:, None]" in str(caught.value)


def test_describe_writes_out_a_value_that_shares_its_parts_within_bounds():
    """A red team's answer (2026-12-03) returned a dict whose key was a tuple nested 24 deep, the same
    tuple twice at each level (an OrderedDict's value, too): sent once, its repr is 2^24 values, and the
    self-check's message took the grader a minute and 1.5 GB. ``describe`` writes out a few levels only."""
    import collections
    import time

    from course.checks._core import describe

    key = 0
    for _ in range(22):  # (2^22 values to hash, to make the dict: the answer's cost, 0.1 s)
        key = (key, key)
    nested = []
    for _ in range(40):
        nested = [nested, nested]
    start = time.perf_counter()
    texts = [describe({key: 0}), describe(collections.OrderedDict(bomb=nested)), describe([nested]), describe(key)]
    assert time.perf_counter() - start < 1.0
    assert all(len(text) < 400 for text in texts), texts
    assert describe({(1, 2): 3}) == "dict of 1 entries: {(1, 2): 3}"
    assert describe(collections.Counter({"a": 2})) == "Counter of 1 entries: {'a': 2}"


# --- a result that changes between calls, and a same-error mistake on every case -------------------

def _noisy(xs):  # the student's: draws its own numbers where the exercise hands them over
    return [2 * x + int(torch.randint(1, 1000, ())) for x in xs]


def test_a_function_that_returns_another_result_when_called_again_is_told_so():
    with pytest.raises(CheckFailed) as info:
        run_check("double", _noisy, double, CASES)
    assert info.value.mistake == "a different result on every call", str(info.value)


def test_nothing_is_said_about_repeating_when_the_reference_itself_samples():
    def sampled(xs):  # a reference that samples: two of its calls differ too
        return [2 * x + int(torch.randint(0, 2, ())) * 1000 for x in xs]
    torch.manual_seed(0)
    with pytest.raises(CheckFailed) as info:
        run_check("sampled", lambda xs: [x + int(torch.randint(0, 2, ())) * 1000 for x in xs], sampled, CASES)
    assert info.value.mistake != "a different result on every call"


def test_a_repeatable_wrong_function_is_not_called_unrepeatable():
    with pytest.raises(CheckFailed) as info:
        run_check("double", lambda xs: [3 * x for x in xs], double, CASES)
    assert info.value.mistake != "a different result on every call"


def _first(xs):
    return xs[0] * 2


def test_a_same_error_mistake_is_named_only_when_it_behaves_alike_on_every_case():
    cases = [([],), ([1, 2],), ([3],)]
    empty = Mistake("empty list not handled", "return 0 for an empty list.", lambda xs: xs[0] * 2, same_error=True)
    # the same IndexError on the empty list, and the same values on the others: named
    with pytest.raises(CheckFailed) as info:
        run_check("first", lambda xs: xs[0] * 2, lambda xs: 2 * xs[0] if xs else 0, cases, [empty])
    assert info.value.mistake == "empty list not handled"
    # the same IndexError on the empty list, other values elsewhere: another mistake, not named
    with pytest.raises(CheckFailed) as info:
        run_check("first", lambda xs: xs[0] * 3, lambda xs: 2 * xs[0] if xs else 0, cases, [empty])
    assert info.value.mistake != "empty list not handled", str(info.value)


def _compares_with_none(xs):
    if (xs == None).all():  # noqa: E711 (a list compared with None is the bool False, which has no .all())
        return []
    return [2 * x for x in xs]


def _torch_shadowed(xs):
    torch = len(xs)
    return torch.all(xs)


def test_a_shadowed_module_is_named_only_where_the_line_reads_it():
    # "'bool' object has no attribute 'all'" from (xs == None).all(): no torch.all in sight, no variable
    # called torch to blame (wa29: greedy_decode's `(next_id == model.config.eos_token_id).all()` was told so)
    with pytest.raises(CheckFailed) as info:
        run_check("double", _compares_with_none, double, CASES)
    assert info.value.mistake is None, str(info.value)
    assert "'bool' object has no attribute 'all'" in str(info.value)
    with pytest.raises(CheckFailed) as info:
        run_check("double", _torch_shadowed, double, CASES)
    assert info.value.mistake == "a name taken by a variable", str(info.value)


# --- the errors every kind of answer runs into (wa35): named, with the student's own line ------------------

def _reads_past_the_end(xs):
    seen = []
    return [2 * x for x in xs] + seen[:0] + [seen[0]]


def _vocabulary_miss(xs):
    vocab = {"a": 0}
    return [vocab["<unk>"] for _ in xs]


def _matmul_shapes(xs):
    proj = torch.ones(2, 3) @ torch.ones(2, 3)
    return [2 * x for x in xs]


def _view_after_transpose(xs):
    flat = torch.ones(2, 3).t().view(6)
    return [2 * x for x in xs]


def _long_times_float(xs):
    prod = torch.ones(2, 2) @ torch.arange(4).view(2, 2)
    return [2 * x for x in xs]


def _float_targets(xs):
    loss = torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.zeros(2))
    return [2 * x for x in xs]


def _loops_over_a_number(xs):
    return [2 * x for x in len(xs)]


def _mean_of_nothing(xs):
    scale = sum(xs) / len(xs)
    return [2 * x for x in xs]


def _own_assert(xs):
    assert len(xs) > 0, "expected at least one item"
    return [2 * x for x in xs]


def _calls_itself(xs):
    return _calls_itself(xs)


def _far_too_large(xs):
    big = torch.zeros(10 ** 13)
    return [2 * x for x in xs]


def _dim_out_of_range(xs):
    total = torch.tensor(xs, dtype=torch.float32).sum(dim=1)
    return [2 * x for x in xs]


def _helper_returns_nothing(xs):
    def helper(values):
        [2 * v for v in values]
    return list(helper(xs))


@pytest.mark.parametrize("fn, name, line", [
    (_reads_past_the_end, "index out of range", "return [2 * x for x in xs] + seen[:0] + [seen[0]]"),
    (_vocabulary_miss, "key not in the dict", "return [vocab['<unk>'] for _ in xs]"),
    (_matmul_shapes, "shapes do not fit", "proj = torch.ones(2, 3) @ torch.ones(2, 3)"),
    (_view_after_transpose, ".view of a non-contiguous tensor", "flat = torch.ones(2, 3).t().view(6)"),
    (_long_times_float, "ids and floats mixed", "prod = torch.ones(2, 2) @ torch.arange(4).view(2, 2)"),
    (_float_targets, "ids and floats mixed", "torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.zeros(2))"),
    (_loops_over_a_number, "a number looped over", "return [2 * x for x in len(xs)]"),
    (_mean_of_nothing, "division by zero", "scale = sum(xs) / len(xs)"),
    (_own_assert, "your own assert failed", "assert len(xs) > 0"),
    (_calls_itself, "calls itself without end", "return _calls_itself(xs)"),
    (_far_too_large, "a tensor far too large", "big = torch.zeros(10 ** 13)"),
    (_dim_out_of_range, "dimension out of range", "sum(dim=1)"),
    (_helper_returns_nothing, "None used as a value", "return list(helper(xs))"),
])
def test_a_common_error_is_named_with_the_students_line(fn, name, line):
    with pytest.raises(CheckFailed) as caught:
        run_check("double", fn, double, CASES)
    text = str(caught.value)
    assert caught.value.mistake == name, text
    assert line.replace("'", '"') in text.replace("'", '"'), text
    assert "Traceback" not in text and len(text.splitlines()) <= 8, text


def test_an_assert_inside_a_library_is_not_the_students_own():
    def calls_a_library_that_asserts(xs):
        attention = torch.nn.MultiheadAttention(5, 2)  # torch asserts: embed_dim must be divisible by num_heads
        return [2 * x for x in xs]
    with pytest.raises(AssertionError):
        calls_a_library_that_asserts([1])
    with pytest.raises(CheckFailed) as caught:
        run_check("double", calls_a_library_that_asserts, double, CASES)
    assert caught.value.mistake != "your own assert failed", str(caught.value)


def test_a_loop_far_too_long_is_stopped_and_its_line_named(monkeypatch):
    import sys
    from course.checks import _core

    monkeypatch.setattr(_core, "STUDENT_SECONDS", 1)
    monkeypatch.delitem(sys.modules, "autograder.recheck", raising=False)

    def double_slowly(xs):
        total = 0
        for j in range(10 ** 9):
            total += j
        return [2 * x for x in xs]

    with pytest.raises(CheckFailed) as caught:
        run_check("double", double_slowly, double, CASES)
    text = str(caught.value)
    assert caught.value.mistake == "endless loop", text
    assert "stopped in double_slowly, line" in text and ("total += j" in text or "for j in range(10 ** 9)" in text), text
    assert "range(10 ** 9)" in text.split("Mistake — ")[1], text  # the hint speaks of loops far too long too


@pytest.mark.parametrize("fn, reference, name", [
    (lambda xs: (double(xs),), double, "result wrapped in a tuple"),
    (lambda xs: [torch.tensor(xs) * 2], lambda xs: torch.tensor(xs) * 2, "result wrapped in a list"),
    (lambda xs: str(torch.tensor(xs) * 2), lambda xs: torch.tensor(xs) * 2, "a string instead of a tensor"),
    (lambda xs: {x: 2 * x for x in xs}.items(), lambda xs: {x: 2 * x for x in xs}, "a view of a dict returned"),
    (lambda xs: [2 * x for x in xs], lambda xs: {x: 2 * x for x in xs}, "the dict's values only"),
    (lambda xs: ((xs, double(xs)), None), lambda xs: (xs, double(xs)), "extra values returned"),
])
def test_the_right_result_handed_back_in_the_wrong_wrapping_is_named(fn, reference, name):
    cases = [([1, 2, 3],), ([5],)]
    with pytest.raises(CheckFailed) as caught:
        run_check("f", fn, reference, cases)
    assert caught.value.mistake == name, str(caught.value)


def test_a_minus_infinity_where_the_result_is_finite_is_named():
    ref = lambda x: x.softmax(-1)  # noqa: E731
    log_of_zero = lambda x: x.softmax(-1) + torch.log(torch.zeros_like(x))  # noqa: E731
    with pytest.raises(CheckFailed) as caught:
        run_check("f", log_of_zero, ref, [(torch.randn(2, 3),)])
    assert caught.value.mistake == "infinity in the result", str(caught.value)
    # where the right result holds -inf itself (a mask), an -inf is no sign of the log of 0: nothing is said
    masked = lambda x: x.masked_fill(x < 0, float("-inf"))  # noqa: E731
    with pytest.raises(CheckFailed) as caught:
        run_check("f", lambda x: x.masked_fill(x < 0.5, float("-inf")), masked, [(torch.tensor([[-1.0, 0.2, 2.0]]),)])
    assert caught.value.mistake != "infinity in the result", str(caught.value)


def test_what_a_call_hands_back_is_named_inside_a_checks_list_of_calls():
    # lr_at_step's check compares the list of its values over the steps: a `return` forgotten, or a float
    # that is NaN, shows in every element, and is named there as it is for one value
    steps = lambda fn: lambda n: [fn(i) for i in range(n)]  # noqa: E731
    right = lambda i: 0.5 * i + 0.25  # noqa: E731

    def forgot_return(i):
        lr = 0.5 * i + 0.25

    with pytest.raises(CheckFailed) as caught:
        run_check("lr", steps(forgot_return), steps(right), [(3,)])
    assert caught.value.mistake == "nothing returned (at position 0)", str(caught.value)
    with pytest.raises(CheckFailed) as caught:
        run_check("lr", steps(lambda i: right(i) * float("inf") * 0), steps(right), [(3,)])
    assert caught.value.mistake == "NaN in the result (at position 0)", str(caught.value)


# --- results no comparison can walk or print (ch57's red team: bare RecursionError and ValueError) -------------

def _nested_deep(xs):  # the student's: lists inside lists 300,000 deep
    out = []
    for _ in range(300_000):
        out = [out]
    return out


def _holds_itself(xs):  # the student's: a list and a dict that contain themselves
    out, d = [], {}
    out.append(out)
    d["self"] = d
    return out, d


def _huge_int(xs):  # the student's: an int past Python's 4,300 digits for int-to-text
    return 10 ** 6000


@pytest.mark.parametrize("student, words", [(_nested_deep, "nested too deeply to compare"),
                                            (_holds_itself, "nested too deeply to compare"),
                                            (_huge_int, "an int of 19,932 bits")])
def test_a_result_too_deep_or_too_long_to_write_out_fails_with_a_message_not_an_error(student, words):
    for reference, cases in ((double, CASES), (lambda xs: ([2 * x for x in xs], {"k": 1}), CASES)):
        with pytest.raises(CheckFailed) as info:
            run_check("double", student, reference, cases)
        message = str(info.value)
        assert message.startswith("double: case 1 of 3") and len(message) < 2_000, message
    from course.checks._core import difference
    said = difference(student([1]), student([1])) if student is not _huge_int else difference([[1]], student([1]))
    assert said is not None and words in said, said


def test_an_answer_that_stops_the_program_or_cannot_say_its_error_is_told_in_words():
    """An answer raising SystemExit (sys.exit() on a bad input) or KeyboardInterrupt got a notebook's bare
    "SystemExit: 0", and one raising an exception whose __str__ returns no string got a TypeError traceback
    into the checks (ch58): each is told in words, wherever the check called the answer."""
    import sys

    from course import tokenization as ref
    from course.checks import tokenization as checks
    from course.checks._core import CheckFailed

    def exits(ids, pair, new_id):
        sys.exit(0)

    class Odd(Exception):
        def __str__(self):
            return 5

    def odd(ids, pair, new_id):
        raise Odd()

    def interrupted_on_unknown(text, stoi):  # (right, but the unknown character's call is the check's own)
        if any(c not in stoi for c in text):
            raise KeyboardInterrupt
        return ref.char_encode(text, stoi)

    for check, student, said in [(checks.check_merge, exits, "raised SystemExit: 0"),
                                 (checks.check_merge, odd, "the message of Odd could not be written"),
                                 (checks.check_char_encode, interrupted_on_unknown, "raised KeyboardInterrupt")]:
        with pytest.raises(CheckFailed) as caught:
            check(student)
        assert said in str(caught.value), str(caught.value)
        if student is not odd:
            assert caught.value.mistake == "stops the whole program", str(caught.value)
    def odd_on_unknown(text, stoi):  # (raised where the check calls the answer itself)
        if any(c not in stoi for c in text):
            raise Odd()
        return ref.char_encode(text, stoi)
    with pytest.raises(CheckFailed, match="the message of Odd could not be written"):
        checks.check_char_encode(odd_on_unknown)


def test_a_tensor_subclass_is_named_as_one():
    # ch60: padding_mask returning (...).as_subclass(Mask), Mask a class of the answer's, was told "expected a
    # torch.Tensor, got tensor of shape (3, 5) and dtype torch.bool": a sentence that contradicts itself
    from course.checks._core import difference

    class Mask(torch.Tensor):
        pass

    said = difference(torch.ones(2, 3, dtype=torch.bool), torch.ones(2, 3, dtype=torch.bool).as_subclass(Mask))
    assert said is not None and "Mask, a subclass of it" in said and ".as_subclass(torch.Tensor)" in said, said
    said = difference(torch.zeros(2), torch.nn.Parameter(torch.zeros(2)))
    assert said is not None and "Parameter, a subclass of it" in said, said
