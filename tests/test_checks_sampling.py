"""The lesson 06 self-checks: the reference and independent correct answers pass, and every named
mistake, written here the way a student would write it, is recognised by its hint."""
import pytest
import torch

from course import sampling
from course.checks import CheckFailed
from course.checks import sampling as checks

torch.set_num_threads(1)
INF = float("inf")


def failure(check, fn) -> str:
    with pytest.raises(CheckFailed) as info:
        check(fn)
    return str(info.value)


def hint_of(mistakes, wrong_fn_name: str) -> str:
    (hint,) = {m.hint for m in mistakes if getattr(m.wrong, "__name__", "") == wrong_fn_name}
    return hint


# ---------------------------------------------------------------------------------------------------
# Correct answers pass


def test_references_pass(capsys):
    checks.check_temperature(sampling.temperature_scale)
    checks.check_top_k(sampling.top_k_filter)
    checks.check_top_p(sampling.top_p_filter)
    out = capsys.readouterr().out
    assert "✓ temperature" in out and "✓ top_k" in out and "✓ top_p" in out


def student_top_k(logits, k):  # nanoGPT's way
    v, _ = torch.topk(logits, min(k, logits.size(-1)))
    out = logits.clone()
    out[out < v[..., [-1]]] = -INF
    return out


def student_top_p(logits, p):  # the usual descending recipe, with the shift
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, sorted_ids = torch.sort(probs, descending=True)
    cumulative = torch.cumsum(sorted_probs, dim=-1)
    remove = cumulative > p
    remove[..., 1:] = remove[..., :-1].clone()
    remove[..., 0] = False
    remove = remove.scatter(-1, sorted_ids, remove)
    return logits.masked_fill(remove, -INF)


def student_top_p_subtracting(logits, p):  # "the mass before me is already >= p"
    if p >= 1.0:  # without this, float32 sums reaching 1.0 early drop tokens (and the hidden test fails it)
        return logits.clone()
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, sorted_ids = probs.sort(dim=-1, descending=True)
    before = sorted_probs.cumsum(-1) - sorted_probs
    out = torch.full_like(logits, -INF)
    keep = torch.zeros_like(before, dtype=torch.bool).scatter(-1, sorted_ids, before < p)
    return torch.where(keep, logits, out)


def test_independent_correct_answers_pass(capsys):
    checks.check_temperature(lambda logits, t: logits * (1.0 / t))
    checks.check_top_k(student_top_k)
    checks.check_top_p(student_top_p)
    checks.check_top_p(student_top_p_subtracting)
    assert capsys.readouterr().out.count("✓") == 4


def test_unfinished_exercise_says_so():
    def unfinished(logits, k):
        raise NotImplementedError()
    assert "not implemented yet" in failure(checks.check_top_k, unfinished)


def test_an_unknown_wrong_answer_gets_no_hint():
    message = failure(checks.check_top_k, lambda logits, k: logits + 1)
    assert "values differ" in message and "Mistake" not in message


# ---------------------------------------------------------------------------------------------------
# Temperature mistakes


def test_temperature_multiplied():
    message = failure(checks.check_temperature, lambda logits, t: logits * t)
    assert hint_of(checks.TEMPERATURE_MISTAKES, "_temperature_multiplied") in message
    assert "divide" in message


def test_temperature_returning_probabilities():
    message = failure(checks.check_temperature, lambda logits, t: (logits / t).softmax(-1))
    assert hint_of(checks.TEMPERATURE_MISTAKES, "_temperature_probabilities") in message


# ---------------------------------------------------------------------------------------------------
# Top-k mistakes


def test_top_k_keeping_k_plus_one():
    def wrong(logits, k):
        threshold = torch.sort(logits, descending=True).values[..., k:k + 1]  # index k: the (k+1)-th
        return logits.masked_fill(logits < threshold, -INF)
    assert hint_of(checks.TOP_K_MISTAKES, "_top_k_plus_one") in failure(checks.check_top_k, wrong)


@pytest.mark.parametrize("read", ["topk", "sort"])
def test_top_k_removing_up_to_the_next_largest_is_named(read):
    # the (k+1)-th largest and <=: k tokens where nothing ties, and nothing to read when k is the vocabulary
    # (topk raised 'selected index k out of range', named 'top-k over the batch'; the empty slice's
    # broadcast error was named 'threshold not kept per row')
    def wrong(logits, k):
        if read == "topk":
            beyond = torch.topk(logits, k + 1).values[..., -1:]
        else:
            beyond = torch.sort(logits, descending=True).values[..., k:k + 1]
        return logits.masked_fill(logits <= beyond, -INF)
    text = failure(checks.check_top_k, wrong)
    assert "Mistake — the (k+1)-th largest as the threshold: " in text, text


@pytest.mark.parametrize("read", ["slice", "index"])
def test_top_k_sorted_without_clamping_k_is_named(read):
    # right but for k > V, where the k-th largest cannot be read from the sort (the empty slice's broadcast
    # error was named 'threshold not kept per row'; the index's IndexError only 'index out of range')
    def wrong(logits, k):
        values = torch.sort(logits, dim=-1, descending=True).values
        kth = values[..., k - 1:k] if read == "slice" else values[..., k - 1].unsqueeze(-1)
        return logits.masked_fill(logits < kth, -INF)
    text = failure(checks.check_top_k, wrong)
    assert "Mistake — k larger than the vocabulary: " in text, text


def test_top_k_keeping_k_minus_one():
    def wrong(logits, k):
        kth = torch.topk(logits, k).values[..., -1:]
        return logits.masked_fill(logits <= kth, -INF)  # <= also removes the k-th itself
    assert hint_of(checks.TOP_K_MISTAKES, "_top_k_minus_one") in failure(checks.check_top_k, wrong)


@pytest.mark.parametrize("how", ["topk", "argsort", "argsort_reversed"])
def test_top_k_keeping_exactly_k(how):
    def wrong(logits, k):
        if how == "topk":
            ids = torch.topk(logits, k).indices
        elif how == "argsort":
            ids = torch.argsort(logits, descending=True, stable=True)[..., :k]
        else:  # ties broken towards the higher id
            ids = logits.size(-1) - 1 - torch.argsort(logits.flip(-1), descending=True, stable=True)[..., :k]
        out = torch.full_like(logits, -INF)
        return out.scatter(-1, ids, logits.gather(-1, ids))
    message = failure(checks.check_top_k, wrong)
    assert "case 6 of" in message  # passes every case without ties
    assert checks._EXACTLY_K_HINT in message


def test_top_k_keeping_the_smallest():
    def wrong(logits, k):
        values, ids = torch.sort(logits)  # ascending
        keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, ids[..., :k], True)
        return torch.where(keep, logits, torch.full_like(logits, -INF))
    assert hint_of(checks.TOP_K_MISTAKES, "_top_k_smallest") in failure(checks.check_top_k, wrong)


def test_top_k_setting_removed_logits_to_zero():
    def wrong(logits, k):
        out = logits.clone()
        out[out < torch.topk(out, min(k, out.size(-1))).values[..., -1:]] = 0
        return out
    assert checks._ZERO_LOGITS_HINT in failure(checks.check_top_k, wrong)


@pytest.mark.parametrize("renormalise", [False, True])
def test_top_k_filtering_probabilities_with_zero(renormalise):
    def wrong(logits, k):
        probs = torch.softmax(logits, dim=-1)
        kth = torch.topk(probs, min(k, probs.size(-1))).values[..., -1:]
        probs = torch.where(probs < kth, torch.zeros_like(probs), probs)
        return probs / probs.sum(-1, keepdim=True) if renormalise else probs
    message = failure(checks.check_top_k, wrong)
    assert checks._PROBS_HINT in message and "return logits" in message


# ---------------------------------------------------------------------------------------------------
# Top-p mistakes


def seed_notebook_top_p(logits, p):
    """The seed notebook's nucleus filter, as it was: no shift, so the crossing token is dropped."""
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, indices = torch.sort(probs, descending=True)
    cumulative_probs = torch.cumsum(sorted_probs, dim=-1)
    sorted_to_remove = cumulative_probs > p
    to_remove = sorted_to_remove.scatter(-1, indices, sorted_to_remove)
    logits = logits.clone()
    logits[to_remove] = -INF
    return logits


def test_top_p_seed_notebook_bug_is_named():
    message = failure(checks.check_top_p, seed_notebook_top_p)
    assert checks.SEED_TOP_P_HINT in message
    assert "seed notebook" in message and "drops the token that crosses the threshold" in message


def test_top_p_sorting_cumulative_probabilities():
    def wrong(logits, p):
        cumulative = torch.softmax(logits, dim=-1).cumsum(-1)  # vocabulary order
        keep_sorted, ids = torch.sort(cumulative, descending=True)
        remove = (keep_sorted > p).scatter(-1, ids, keep_sorted > p)
        return logits.masked_fill(remove, -INF)
    message = failure(checks.check_top_p, wrong)
    assert "sorted cumulative probabilities instead of probabilities" in message


def test_top_p_forgetting_to_keep_one_token():
    def wrong(logits, p):
        probs = torch.softmax(logits, dim=-1)
        sorted_probs, ids = torch.sort(probs, descending=True)
        remove = torch.cumsum(sorted_probs, -1) > p
        remove[..., 1:] = remove[..., :-1].clone()  # shifted, but remove[..., 0] = False is missing
        return logits.masked_fill(remove.scatter(-1, ids, remove), -INF)
    message = failure(checks.check_top_p, wrong)
    assert "case 5 of" in message  # only the peaked rows show it
    assert "forgot to keep at least one token" in message


@pytest.mark.parametrize("count", ["cumulative", "before"])
def test_top_p_counting_the_kept_tokens_over_the_whole_batch_is_named(count):
    # the 1-D recipe on a batch: one count of kept tokens, every row's added up (was told 'an argument
    # returned unchanged' where that total kept every token, with a hint about loops and early returns)
    def wrong(logits, p):
        probs = torch.softmax(logits, dim=-1)
        sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
        cum = sorted_probs.cumsum(dim=-1)
        n_keep = int((cum < p).sum()) + 1 if count == "cumulative" else int((cum - sorted_probs < p).sum())
        keep = order[..., :n_keep]
        return torch.full_like(logits, -INF).scatter(-1, keep, logits.gather(-1, keep))
    text = failure(checks.check_top_p, wrong)
    assert "Mistake — one count for the whole batch: " in text, text


def test_top_p_sorting_ascending():
    def wrong(logits, p):
        probs = torch.softmax(logits, dim=-1)
        sorted_probs, ids = torch.sort(probs)  # forgot descending=True
        remove = torch.cumsum(sorted_probs, -1) > p
        remove[..., 1:] = remove[..., :-1].clone()
        remove[..., 0] = False
        return logits.masked_fill(remove.scatter(-1, ids, remove), -INF)
    assert "torch.sort sorts in ascending order" in failure(checks.check_top_p, wrong)


def test_top_p_softmax_over_the_batch_dimension():
    def wrong(logits, p):  # the descending recipe with softmax(dim=0)
        probs = torch.softmax(logits, dim=0)
        sorted_probs, ids = torch.sort(probs, descending=True)
        before = torch.cumsum(sorted_probs, -1) - sorted_probs
        return logits.masked_fill((before >= p).scatter(-1, ids, before >= p), -INF)

    def wrong_hf_style(logits, p):  # the ascending recipe with softmax(dim=0)
        sorted_logits, ids = torch.sort(logits)
        remove = torch.softmax(sorted_logits, dim=0).cumsum(-1) <= 1 - p
        remove[..., -1] = False
        return logits.masked_fill(remove.scatter(-1, ids, remove), -INF)

    for fn in (wrong, wrong_hf_style):
        message = failure(checks.check_top_p, fn)
        assert "case 3 of" in message  # the first batched case: 1-D cases pass
        assert checks._WRONG_DIM_HINT in message


def test_top_p_setting_removed_logits_to_zero():
    def wrong(logits, p):
        kept = student_top_p(logits, p)
        return torch.where(kept == -INF, torch.zeros_like(logits), logits)
    assert checks._ZERO_LOGITS_HINT in failure(checks.check_top_p, wrong)


def test_top_p_filtering_probabilities_with_zero():
    def wrong(logits, p):
        probs = torch.softmax(logits, dim=-1)
        sorted_probs, ids = torch.sort(probs, descending=True)
        before = torch.cumsum(sorted_probs, -1) - sorted_probs
        sorted_probs[before >= p] = 0.0
        return torch.zeros_like(probs).scatter(-1, ids, sorted_probs)
    assert checks._PROBS_HINT in failure(checks.check_top_p, wrong)


# ---------------------------------------------------------------------------------------------------
# The checks themselves: every mistake is wrong on some case, and no two hints collide on a case


@pytest.mark.parametrize("cases, reference, mistakes", [
    (checks._temperature_cases, sampling.temperature_scale, checks.TEMPERATURE_MISTAKES),
    (checks._top_k_cases, sampling.top_k_filter, checks.TOP_K_MISTAKES),
    (checks._top_p_cases, sampling.top_p_filter, checks.TOP_P_MISTAKES),
])
def test_every_mistake_is_wrong_on_some_case(cases, reference, mistakes):
    from course.checks._core import difference
    for mistake in mistakes:
        if mistake.wrong is None or mistake.same_error:
            continue  # named from the error the answer raises (k larger than the vocabulary), not a value
        wrong_somewhere = False
        for case in cases():
            try:
                wrong = mistake.wrong(*case)
            except Exception:
                continue
            wrong_somewhere |= difference(reference(*case), wrong) is not None
        assert wrong_somewhere, mistake.hint


# ---------------------------------------------------------------------------------------------------
# p = 1.0 in float32: a cumulative sum reaches 1.0 before the least likely tokens


def top_p_without_a_case_for_one(logits, p):  # the exercise's recipe to the letter
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, ids = probs.sort(dim=-1, descending=True)
    before = sorted_probs.cumsum(-1) - sorted_probs
    keep = before < p
    keep[..., 0] = True
    return logits.masked_fill(~keep.scatter(-1, ids, keep), -INF)


def test_the_last_top_p_case_rounds_to_one_early():
    logits, p = checks._top_p_cases()[-1]
    assert p == 1.0 and logits.dtype == torch.float32
    sorted_probs = torch.softmax(logits, dim=-1).sort(dim=-1, descending=True).values
    assert ((sorted_probs.cumsum(-1) - sorted_probs)[:, 1:] == 1.0).all()  # every token after the first
    assert torch.equal(student_top_p(logits, p), logits)  # cumsum > p, shifted: nothing is above 1.0


def test_top_p_without_a_case_for_p_one_is_named():
    message = failure(checks.check_top_p, top_p_without_a_case_for_one)
    assert "case 9 of 9" in message and "Mistake — p = 1.0 rounded" in message


@pytest.mark.parametrize("name, student", [
    ("removed set to 0", lambda logits, p: torch.where(torch.isneginf(top_p_without_a_case_for_one(logits, p)),
                                                       torch.zeros_like(logits), logits)),
    ("removed set to 0", lambda logits, p: torch.where(torch.isneginf(student_top_p_subtracting(logits, p)),
                                                       torch.zeros_like(logits), logits)),
    ("probabilities instead of logits", lambda logits, p: torch.softmax(logits, -1).masked_fill(
        torch.isneginf(top_p_without_a_case_for_one(logits, p)), -INF)),
    ("temperature applied", lambda logits, p: student_top_p_subtracting(logits / 0.7, p)),
    ("log-probabilities instead of logits", lambda logits, p: torch.log_softmax(student_top_p(logits, p), -1)),
])
def test_top_p_mistakes_named_with_or_without_a_case_for_p_one(name, student):
    with pytest.raises(CheckFailed) as info:
        checks.check_top_p(student)
    assert info.value.mistake == name, info.value


@pytest.mark.parametrize("name, student", [
    ("topk's output returned", lambda logits, k: torch.topk(logits, min(k, logits.size(-1))).values),
    ("k-th smallest as the threshold", lambda logits, k: logits.masked_fill(
        logits < logits.kthvalue(min(k, logits.size(-1)), dim=-1, keepdim=True).values, -INF)),
    ("removed set to a large negative number", lambda logits, k: torch.where(
        torch.isneginf(student_top_k(logits, k)), torch.full_like(logits, -1e4), logits)),
    ("assumed 2-D logits", lambda logits, k: logits.masked_fill(
        logits < torch.topk(logits, min(k, logits.size(-1)), dim=1).values[:, -1:], -INF)),
])
def test_top_k_second_round_named(name, student):
    with pytest.raises(CheckFailed) as info:
        checks.check_top_k(student)
    assert info.value.mistake == name, info.value


def _top_p_ties_widened(logits, p):
    """Right top-p, then every token as likely as the least likely kept one put back (ties kept whole)."""
    kept = ~torch.isneginf(sampling.top_p_filter(logits, p))
    probs = logits.softmax(-1)
    floor = probs.masked_fill(~kept, float("inf")).min(-1, keepdim=True).values
    return logits.masked_fill(probs < floor - 1e-7, float("-inf"))


def test_top_p_keeping_every_tied_token_is_named_as_the_hidden_tests_fail_it():
    with pytest.raises(CheckFailed) as info:
        checks.check_top_p(_top_p_ties_widened)
    assert info.value.mistake == "every tied token kept", str(info.value)
    # the case is a (2, 8) batch and the message shows one row of the result: it says which
    assert "got:      row 0 of your result, tensor of shape (8,)" in str(info.value), str(info.value)


def test_top_p_ties_check_agrees_with_hugging_face():
    from transformers import TopPLogitsWarper
    # Hugging Face's nucleus passes the tie cases, whichever of the tied tokens it keeps
    checks._check_top_p_ties(lambda x, p: TopPLogitsWarper(p)(None, x.clone()))


def _kth(logits, k, rows=None):
    values = torch.topk(logits if rows is None else rows, min(k, logits.size(-1)), dim=-1).values
    return values[..., -1:] if rows is None else values[-1]


@pytest.mark.parametrize("name, student", [  # (told only the values that differ: wa38)
    ("kept k + 1 and removed set to 0", lambda logits, k: logits.masked_fill(
        logits < torch.topk(logits, min(k + 1, logits.size(-1))).values[..., -1:], 0.0)),
    ("kept k - 1 and removed set to -1e9", lambda logits, k: logits.masked_fill(logits <= _kth(logits, k), -1e9)),
    ("mask inverted and removed set to 0", lambda logits, k: torch.where(logits >= _kth(logits, k), 0.0, logits)),
    ("one threshold for the whole batch and removed set to 0", lambda logits, k: logits.masked_fill(
        logits < _kth(logits, k, rows=logits.flatten()), 0.0)),
    ("kept k + 1 and one threshold for the whole batch", lambda logits, k: logits.masked_fill(
        logits < _kth(logits, k + 1, rows=logits.flatten()), -INF)),
])
def test_top_k_two_mistakes_at_once_are_named_after_both(name, student):
    with pytest.raises(CheckFailed) as info:
        checks.check_top_k(student)
    assert info.value.mistake == name, info.value
    assert "two mistakes at once" in str(info.value)


def _top_p_seed(logits, p, fill=-INF, back="scatter"):
    """The seed notebook's nucleus (cumsum > p: the crossing token dropped), filled and put back as given."""
    probs = logits.softmax(-1)
    sorted_probs, ids = probs.sort(dim=-1, descending=True)
    remove = sorted_probs.cumsum(-1) > p
    remove[..., 0] = False
    if back == "scatter":
        remove = remove.scatter(-1, ids, remove)
    elif back == "gather":
        remove = remove.gather(-1, ids)
    return logits.masked_fill(remove, fill)


@pytest.mark.parametrize("name, student", [  # (told only the values that differ: wa38)
    ("crossing token dropped and removed set to 0", lambda logits, p: _top_p_seed(logits, p, fill=0.0)),
    ("crossing token dropped and removed set to 0", lambda logits, p: (lambda probs, ids: logits.masked_fill(
        (probs.cumsum(-1) > p).scatter(-1, ids, probs.cumsum(-1) > p), 0.0))(*logits.softmax(-1).sort(dim=-1, descending=True))),
    ("crossing token dropped and mask left in sorted order", lambda logits, p: _top_p_seed(logits, p, back="none")),
    ("crossing token dropped and gather instead of scatter", lambda logits, p: _top_p_seed(logits, p, back="gather")),
    ("ascending sort and removed set to 0", lambda logits, p: logits.clone() if p >= 1.0 else (
        lambda probs, ids: logits.masked_fill((probs.cumsum(-1) - probs >= p).scatter(-1, ids, probs.cumsum(-1) - probs >= p),
                                              0.0))(*logits.softmax(-1).sort(dim=-1))),
])
def test_top_p_two_mistakes_at_once_are_named_after_both(name, student):
    with pytest.raises(CheckFailed) as info:
        checks.check_top_p(student)
    assert info.value.mistake == name, info.value
    assert "two mistakes at once" in str(info.value)


def test_top_k_marking_the_kept_ids_on_the_rows_is_named():  # (told 'index out of range': wa41)
    def wrong(logits, k):
        values, indices = torch.topk(logits, min(k, logits.size(-1)))
        keep = torch.zeros_like(logits, dtype=torch.bool)
        keep[indices] = True
        return logits.masked_fill(~keep, -INF)
    with pytest.raises(CheckFailed) as info:
        checks.check_top_k(wrong)
    assert info.value.mistake == "token ids used as row indices", info.value


def test_a_threshold_from_kthvalue_of_minus_the_logits_not_negated_back_is_named():
    """torch.kthvalue(-logits, k) is minus the k-th largest logit; compared as it is, it keeps the wrong tokens (wa46)."""
    def top_k(logits, k):
        kth = torch.kthvalue(-logits, min(k, logits.shape[-1]), dim=-1, keepdim=True).values
        return torch.where(logits >= kth, logits, torch.full_like(logits, float("-inf")))
    with pytest.raises(CheckFailed) as info:
        checks.check_top_k(top_k)
    assert info.value.mistake == "kthvalue of -logits not negated back", str(info.value)
