"""course.checks.diagnose: when no exercise's own mistake fits, the relation between a wrong result and
the right one is named, and only when it holds. Each wrong value here is made the way a student's code
makes it (another call, another slice), not by the transformation the rule tests."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course.checks import CheckFailed
from course.checks._core import run_check
from course.checks.diagnose import diagnose

torch.manual_seed(0)
Q, K = torch.randn(2, 5, 8), torch.randn(2, 5, 8)


def named(expected, got, args=()):
    mistake = diagnose(expected, got, args)
    return None if mistake is None else mistake.name


def hint(expected, got, args=()):
    return diagnose(expected, got, args).hint


# --- the right values in the wrong kind of value ---------------------------------------------------------

def test_a_converted_dtype():
    scores = Q @ K.transpose(-2, -1)
    assert named(scores, Q.double() @ K.double().transpose(-2, -1)) == "wrong dtype"
    assert "torch.float64, expected torch.float32" in hint(scores, scores.double())


def test_a_tensor_for_a_list_and_a_list_for_a_tensor():
    ids = [3, 1, 4, 1, 5]
    assert named(ids, torch.tensor(ids)) == "not a list"
    assert ".tolist()" in hint(ids, torch.tensor(ids))
    assert named(torch.tensor(ids), ids) == "not a tensor"
    assert named(torch.tensor(2.5), 2.5) == "not a tensor"  # a loss's .item()


def test_numpy_elements_and_numbers():
    ids = [3, 1, 4]
    assert named(ids, list(np.array(ids))) == "elements of the wrong type"
    assert "numpy.int64" in hint(ids, list(np.array(ids)))
    assert named(0.5, np.float64(0.5) + np.float64(0.25)) is None  # another value altogether
    assert named(0.75, np.cos(0.0) * 0.75) == "not a plain number"


def test_a_pair_stacked_or_named_instead_of_a_tuple():
    h, c = torch.tanh(Q[0]), Q[0] * 2
    assert named((h, c), torch.stack([h, c])) == "stacked into one tensor"
    assert named((h, c), {"h": h, "c": c}) == "a dict instead of a tuple"
    assert named((h, c), torch.stack([c, h])) != "stacked into one tensor"  # (the values must be the right ones)
    assert named((h, c), {"c": c, "h": h}) is None  # the values in another order: no name


def test_a_dict_subclass_a_result_with_extras_and_numbers_as_strings():
    import collections
    counts = {(1, 2): 2, (2, 3): 1}
    assert named(counts, collections.OrderedDict(counts)) == "OrderedDict instead of dict"
    assert named(counts, (counts, 3)) == "extra values returned"
    assert named(["a", "bc"], (["a", "bc"], 2)) == "extra values returned"
    assert named(counts, ({(1, 2): 1}, 3)) is None  # (the dict in the tuple must be the right one)
    assert named(counts, {(1, 2): "2", (2, 3): "1"}) == "a number written as a string (at key (1, 2))"
    assert named([9, 5], ["9", 5]) == "a number written as a string (at position 0)"
    assert named([9, 5], ["8", 5]) is None  # another number, written as a string: no name


def test_the_result_inside_a_tuple_or_list_of_one_or_written_as_text_inside_a_result():
    """``return losses,`` (a trailing comma), ``return [counts]``, ``return str(losses)``: named at the top of a
    result by the checks (``_shape_of_return``), and now inside one too, where a check compares a dict it builds
    (train_loop's losses; wa35's leftovers, stop 65), with the same names."""
    losses, counts = [2.25, 2.5, 1.75], {(1, 2): 2, (2, 3): 1}
    assert named(losses, (losses,)) == "result wrapped in a tuple"
    assert "trailing comma" in hint(losses, (losses,))
    assert named(counts, [counts]) == "result wrapped in a list"
    assert named(torch.tensor([1.0, 2.0]), (torch.tensor([1.0, 2.0]),)) == "result wrapped in a tuple"
    assert named(losses, ([2.25, 2.5, 1.0],)) is None  # (the value inside must be the right one)
    assert named({"losses": losses}, {"losses": (losses,)}) == "result wrapped in a tuple (at key 'losses')"
    assert named({"losses": losses}, {"losses": str(losses)}) == "a string instead of a list (at key 'losses')"
    assert named(losses, str(losses)) == "a string instead of a list"
    assert named(["ab", "c"], ["ab", "d"]) is None  # (a string where a string belongs says nothing)


def test_a_generator_for_a_list():
    def merged(ids):
        yield from (i for i in ids)
    assert named([1, 2], merged([1, 2])) == "not a list"


# --- the right values in another shape or order -----------------------------------------------------------

def test_a_singleton_dimension_too_many():
    T = 5
    want = torch.tril(torch.ones(T, T, dtype=torch.bool))
    got = torch.tril(torch.ones(T, T)).view(1, 1, T, T).bool()
    assert named(want, got) == "extra or missing dimensions of size 1"


def test_heads_not_transposed():
    B, T, C, nh = 2, 5, 8, 2
    x = torch.randn(B, T, C)
    want = x.view(B, T, nh, C // nh).transpose(1, 2)   # (B, nh, T, hs)
    got = x.reshape(B, T, nh, C // nh)                 # (B, T, nh, hs): the transpose forgotten
    assert named(want, got) == "dimensions in the wrong order"


def test_a_triangle_the_wrong_way_is_transposed():
    T = 6
    want = torch.tril(torch.ones(T, T)) == 1
    got = torch.triu(torch.ones(T, T)) == 1
    assert named(want, got) == "transposed"


def test_a_mask_inverted():
    lengths, T = torch.tensor([2, 5, 3]), 5
    want = torch.arange(T)[None, :] < lengths[:, None]
    got = torch.arange(T)[None, :] >= lengths[:, None]
    assert named(want, got) == "True and False swapped"


def test_padding_on_the_wrong_side_is_reversed():
    lengths, T = torch.tensor([2, 5, 3]), 5
    want = torch.arange(T)[None, :] < lengths[:, None]
    got = torch.arange(T - 1, -1, -1)[None, :] < lengths[:, None]
    assert named(want, got) == "reversed"


def test_labels_off_by_one():
    data, starts, T = torch.arange(100, 140), torch.tensor([0, 7, 20]), 5
    want = torch.stack([data[s + 1:s + 1 + T] for s in starts])
    got = torch.stack([data[s + 2:s + 2 + T] for s in starts])
    assert named(want, got) == "off by 1 along dimension 1"
    assert "1 position earlier" in hint(want, got)


def test_data_that_repeats_is_not_called_shifted():
    want = torch.tensor([1, 1, 1, 1, 5])
    assert named(want, torch.tensor([1, 1, 1, 1, 1])) is None


def test_a_loop_one_step_short_or_long():
    prompt, steps = torch.tensor([[1, 2, 3]]), [7, 8, 9, 4]
    want = torch.cat([prompt, torch.tensor([steps])], dim=1)
    assert named(want, torch.cat([prompt, torch.tensor([steps[:-1]])], dim=1)) == "1 too few along dimension 1"
    got = torch.cat([prompt, torch.tensor([steps + [5]])], dim=1)
    assert named(want, got) == "1 too many along dimension 1"


def test_lists_reversed_sorted_short_and_long():
    want = [5, 2, 9, 1]
    assert named(want, want[::-1]) == "reversed"
    assert named(want, sorted(want)) == "right elements, wrong order"
    assert named(want, want[:3]) == "1 too few"
    assert named(want, want + [1]) == "1 too many"


# --- every value changed the same way ---------------------------------------------------------------------

def test_a_scale_by_the_size_instead_of_its_root():
    hs = Q.size(-1)
    want = Q @ K.transpose(-2, -1) / math.sqrt(hs)
    got = Q @ K.transpose(-2, -1) / hs
    assert named(want, got) == "scaled by a constant"
    assert "(1/√8)" in hint(want, got, (Q, K))  # 8: the size of a head, in the arguments


def test_a_factor_of_two_is_not_given_a_cause():
    want = torch.randn(4, 4)
    assert "√" not in hint(want, want + want)


def test_an_offset_and_a_sign():
    want = torch.randn(3, 4)
    assert named(want, want + 0.5) == "shifted by a constant"
    assert named(want, 0 - want) == "sign flipped"


def test_probabilities_for_logits_and_logits_for_probabilities():
    logits = torch.randn(2, 3, 7)
    assert named(logits, F.softmax(logits, dim=-1)) == "softmax applied"
    assert named(F.softmax(logits, dim=-1), logits) == "softmax missing"
    assert named(logits, torch.log(F.softmax(logits, dim=-1))) == "log-softmax applied"


def test_nan_from_a_row_of_minus_infinity():
    scores = torch.randn(3, 3).masked_fill(torch.tensor([[0, 1, 1], [0, 0, 1], [1, 1, 1]]).bool(), float("-inf"))
    want = torch.nan_to_num(scores.softmax(-1))
    assert named(want, scores.softmax(-1)) == "NaN in the result"


def test_an_argument_handed_back():
    x = torch.randn(1, 4, 2)
    want = x.cumsum(1) / torch.arange(1, 5).view(4, 1)
    assert named(want, x.clone(), (x,)) == "an argument returned unchanged"
    assert "first argument" in hint(want, x.clone(), (x,))


# --- dictionaries -----------------------------------------------------------------------------------------

def test_a_key_misnamed_and_keys_of_another_type():
    ids = torch.tensor([[1, 2, 0]])
    want = {"input_ids": ids, "attention_mask": (ids != 0).long()}
    assert named(want, {"input_ids": ids, "mask": (ids != 0).long()}) == "a key misnamed"
    counts = {(1, 2): 2, (2, 3): 1}
    assert named(counts, {"1,2": 2, "2,3": 1}) == "keys of the wrong type"
    assert named(counts, {(2, 1): 2, (3, 2): 1}) == "keys reversed"


def test_zero_entries_and_the_wrong_type_inside():
    counts = {(1, 2): 2, (2, 3): 1}
    assert named(counts, {(1, 2): 2, (2, 3): 1, (3, 1): 0}) == "entries that should be absent"
    assert named(counts, {(1, 2): 2.0, (2, 3): 1.0}) == "float instead of int (at key (1, 2))"
    batch = {"input_ids": torch.tensor([[1, 2]]), "attention_mask": torch.tensor([[1, 1]])}
    got = dict(batch, attention_mask=batch["attention_mask"].int())
    assert named(batch, got) == "wrong dtype (at key 'attention_mask')"


# --- unrelated values: nothing is said ---------------------------------------------------------------------

@pytest.mark.parametrize("want, got", [
    (torch.randn(3, 4), torch.randn(3, 4)),
    (torch.randn(3, 4), torch.randn(4, 3)),
    (torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6])),
    ([1, 2, 3], [1, 5, 3]),
    ({(1, 2): 2}, {(1, 2): 3}),
    (0.5, 0.25),
    ("abc", "abd"),
])
def test_unrelated_values_get_no_name(want, got):
    assert diagnose(want, got) is None


def test_equal_values_get_no_name():
    x = torch.randn(2, 2)
    assert diagnose(x, x.clone()) is None


# --- in a check: the name reaches the student ------------------------------------------------------------

def test_a_check_names_the_relation_when_no_mistake_of_its_own_fits():
    def reference(q, k):
        return q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))

    def student(q, k):
        return (q @ k.transpose(-2, -1)) / q.size(-1)

    with pytest.raises(CheckFailed) as info:
        run_check("scores", student, reference, [(Q, K)])
    assert info.value.mistake == "scaled by a constant"
    assert "Mistake — scaled by a constant: every value is 0.3536 times the expected one (1/√8)" in str(info.value)


def test_nan_from_a_mask_multiplied_by_minus_infinity_is_told_why():
    # (0 * -inf is NaN: the hint named only 'a row that is all -inf, 0 / 0' before: wa44)
    scores, keep = torch.randn(3, 3), torch.ones(3, 3).tril().bool()
    want = scores.masked_fill(~keep, float("-inf")).softmax(-1)
    mistake = diagnose(want, (scores + (~keep) * float("-inf")).softmax(-1), (), 1e-5, 1e-4)
    assert mistake.name == "NaN in the result" and "0 * -inf" in mistake.hint, mistake
