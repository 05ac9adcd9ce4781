"""The lesson 06 self-checks in course.checks.finetune: the references and independent correct answers
pass, and every named mistake, written as a student would, is recognised by its hint."""
import pytest
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence

from course.checks import CheckFailed
from course.checks import finetune as checks

torch.set_num_threads(1)


def failure(check, fn) -> str:
    with pytest.raises(CheckFailed) as info:
        check(fn)
    return str(info.value)


def hint(mistakes, wrong):
    (m,) = [m for m in mistakes if m.wrong is wrong]
    return m.hint


# --- correct answers pass ---------------------------------------------------------------------------

def test_references_pass(capsys):
    checks.check_greedy_decode(checks.reference_greedy_decode)
    checks.check_lm_loss(checks.reference_lm_loss)
    checks.check_collate(checks.reference_collate)
    out = capsys.readouterr().out
    assert "✓ greedy_decode" in out and "✓ lm_loss" in out and "✓ collate" in out


def test_independent_answers_pass():
    @torch.no_grad()
    def greedy_by_hand(model, ids, n):
        for _ in range(n):
            logits = model(input_ids=ids).logits
            ids = torch.cat([ids, logits[:, -1].max(dim=-1).indices.unsqueeze(1)], dim=1)
        return ids

    def loss_by_gather(logits, labels):
        logp = logits[:, :-1].log_softmax(-1)
        target = labels[:, 1:]
        keep = target != -100
        return -logp.gather(-1, target.clamp(min=0)[..., None])[..., 0][keep].mean()

    def collate_with_pad_sequence(docs, pad_id):
        t = [torch.tensor(d) for d in docs]
        return {"input_ids": pad_sequence(t, batch_first=True, padding_value=pad_id),
                "attention_mask": pad_sequence([torch.ones(len(d), dtype=torch.long) for d in docs], batch_first=True),
                "labels": pad_sequence(t, batch_first=True, padding_value=-100)}

    checks.check_greedy_decode(greedy_by_hand)
    checks.check_lm_loss(loss_by_gather)
    checks.check_collate(collate_with_pad_sequence)


def test_greedy_that_switches_to_eval_and_puts_the_mode_back_passes():
    # one case's model comes in training mode (dropout 0): an answer that puts the old mode back passes,
    # one that leaves the model in eval mode is named
    def greedy_restoring(model, ids, n):
        was = model.training
        model.eval()
        with torch.no_grad():
            for _ in range(n):
                ids = torch.cat([ids, model(ids).logits[:, -1].argmax(-1, keepdim=True)], dim=1)
        model.train(was)
        return ids

    @torch.no_grad
    def greedy_bare_decorator(model, ids, n):
        for _ in range(n):
            ids = torch.cat([ids, model(ids).logits[:, -1].argmax(-1, keepdim=True)], dim=1)
        return ids

    checks.check_greedy_decode(greedy_restoring)
    checks.check_greedy_decode(greedy_bare_decorator)
    assert any(model.training for model, *_ in checks._greedy_cases())


def test_not_implemented_is_reported():
    def todo(*args):
        raise NotImplementedError()
    assert "not implemented yet" in failure(checks.check_collate, todo)


# --- greedy decoding mistakes ------------------------------------------------------------------------

@torch.no_grad()
def greedy_first_position(model, ids, n):
    for _ in range(n):
        ids = torch.cat([ids, model(ids).logits[:, 0].argmax(-1, keepdim=True)], dim=1)
    return ids


@torch.no_grad()
def greedy_new_only(model, ids, n):
    new = []
    for _ in range(n):
        nxt = model(ids).logits[:, -1].argmax(-1, keepdim=True)
        ids = torch.cat([ids, nxt], dim=1)
        new.append(nxt)
    return torch.cat(new, dim=1)


@torch.no_grad()
def greedy_not_fed_back(model, ids, n):
    out = ids
    for _ in range(n):
        out = torch.cat([out, model(ids).logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return out


@pytest.mark.parametrize("student, wrong", [
    (greedy_first_position, checks._greedy_first_position),
    (greedy_new_only, checks._greedy_new_only),
    (greedy_not_fed_back, checks._greedy_never_fed_back),
])
def test_greedy_mistakes_named(student, wrong):
    assert hint(checks.GREEDY_MISTAKES, wrong) in failure(checks.check_greedy_decode, student)


def test_the_check_has_a_text_that_goes_on_past_end_of_text():
    """Hugging Face's generate stops at the model's eos_token_id; the exercise asks for max_new_tokens
    tokens: one case of the check passes through GPT-2's <|endoftext|> (50256) with tokens before and after."""
    model, prompt = checks.gpt2_through_eos(5)
    ids = checks.reference_greedy_decode(model, prompt, 8)[0, 3:].tolist()
    at = ids.index(50256)
    assert 0 < at < len(ids) - 1 and ids[at + 1] != 50256, ids
    hf = model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=8, do_sample=False)
    assert hf[0, 3:].tolist() == ids[:at + 1]  # generate ends where the text did


@torch.no_grad()
def greedy_breaks_at_50256(model, ids, n):
    for _ in range(n):
        nxt = model(ids).logits[:, -1].argmax(-1, keepdim=True)
        ids = torch.cat([ids, nxt], dim=1)
        if nxt[0, 0].item() == 50256:
            break
    return ids


EOS_ID = 50256  # the lesson's tokenizer.eos_token_id


@torch.no_grad()
def greedy_stops_before_eos(model, ids, n):
    for _ in range(n):
        nxt = model(ids).logits[:, -1].argmax(-1)
        if (nxt == EOS_ID).all():
            break
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids


@pytest.mark.parametrize("student", [greedy_breaks_at_50256, greedy_stops_before_eos])
def test_greedy_that_stops_at_end_of_text_is_named(student):
    with pytest.raises(CheckFailed) as info:
        checks.check_greedy_decode(student)
    assert info.value.mistake == "stopped at <|endoftext|>", info.value


def test_greedy_that_calls_generate_is_named():
    def greedy_with_generate(model, ids, n):
        return model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, do_sample=False,
                              pad_token_id=0)
    with pytest.raises(CheckFailed) as info:
        checks.check_greedy_decode(greedy_with_generate)
    assert info.value.mistake == "calls model.generate"


# --- loss mistakes ----------------------------------------------------------------------------------

def loss_unshifted(logits, labels):
    return F.cross_entropy(logits.flatten(0, 1), labels.flatten())


def loss_wrong_way(logits, labels):
    return F.cross_entropy(logits[:, 1:].flatten(0, 1), labels[:, :-1].flatten())


def loss_summed(logits, labels):
    return F.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten(), reduction="sum")


def loss_mean_of_rows(logits, labels):
    return torch.stack([F.cross_entropy(lg[:-1], lb[1:]) for lg, lb in zip(logits, labels)]).mean()


@pytest.mark.parametrize("student, wrong", [
    (loss_unshifted, checks._loss_unshifted),
    (loss_wrong_way, checks._loss_shifted_wrong_way),
    (loss_summed, checks._loss_summed),
    (loss_mean_of_rows, checks._loss_mean_of_rows),
])
def test_loss_mistakes_named(student, wrong):
    assert hint(checks.LOSS_MISTAKES, wrong) in failure(checks.check_lm_loss, student)


# --- collate mistakes -------------------------------------------------------------------------------

def collate_mask_from_pad(docs, pad_id):
    T = max(map(len, docs))
    ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    mask = (ids != pad_id).long()
    return {"input_ids": ids, "attention_mask": mask, "labels": torch.where(mask.bool(), ids, -100)}


def collate_pad_labels(docs, pad_id):
    T = max(map(len, docs))
    ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs])
    return {"input_ids": ids, "attention_mask": mask, "labels": ids.clone()}


def collate_left(docs, pad_id):
    T = max(map(len, docs))
    ids = torch.tensor([[pad_id] * (T - len(d)) + d for d in docs])
    mask = torch.tensor([[0] * (T - len(d)) + [1] * len(d) for d in docs])
    return {"input_ids": ids, "attention_mask": mask, "labels": ids.masked_fill(mask == 0, -100)}


def collate_bool(docs, pad_id):
    T = max(map(len, docs))
    ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    mask = torch.tensor([[True] * len(d) + [False] * (T - len(d)) for d in docs])
    return {"input_ids": ids, "attention_mask": mask, "labels": ids.masked_fill(~mask, -100)}


@pytest.mark.parametrize("student, wrong", [
    (collate_mask_from_pad, checks._collate_mask_from_pad_id),
    (collate_pad_labels, checks._collate_labels_keep_pad),
    (collate_left, checks._collate_left_padded),
    (collate_bool, checks._collate_bool_mask),
])
def test_collate_mistakes_named(student, wrong):
    assert hint(checks.COLLATE_MISTAKES, wrong) in failure(checks.check_collate, student)


# --- the second round: mistakes named by their own check ----------------------------------------------

def greedy_in_train_mode(model, ids, n):
    model.train()  # left over from fine-tuning: dropout stays on
    with torch.no_grad():
        for _ in range(n):
            ids = torch.cat([ids, model(ids).logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return ids


@torch.no_grad()
def greedy_second_to_last(model, ids, n):
    for _ in range(n):
        ids = torch.cat([ids, model(ids).logits[:, -2].argmax(-1, keepdim=True)], dim=1)
    return ids


@torch.no_grad()
def greedy_until_total_length(model, ids, n):
    while ids.shape[1] < n:
        ids = torch.cat([ids, model(ids).logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return ids


@torch.no_grad()
def greedy_softmax_over_the_batch(model, ids, n):
    for _ in range(n):
        probs = torch.softmax(model(ids).logits[:, -1, :], dim=0)  # (B, V): dim=0 is the batch
        ids = torch.cat([ids, probs.argmax(dim=-1, keepdim=True)], dim=1)
    return ids


@torch.no_grad()
def greedy_softmax_over_the_positions(model, ids, n):
    for _ in range(n):
        probs = F.softmax(model(ids).logits, dim=1)  # (B, T, V): dim=1 is the positions
        ids = torch.cat([ids, probs[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    return ids


@pytest.mark.parametrize("student, name", [
    (greedy_in_train_mode, "dropout on while decoding"),
    # (both were told only the first token that differs)
    (greedy_softmax_over_the_batch, "softmax over the wrong dimension"),
    (greedy_softmax_over_the_positions, "softmax over the wrong dimension"),
    (greedy_second_to_last, "second-to-last position's logits"),
    (greedy_until_total_length, "max_new_tokens read as the total length"),
])
def test_greedy_second_round_named(student, name):
    with pytest.raises(CheckFailed) as info:
        checks.check_greedy_decode(student)
    assert info.value.mistake == name, info.value


def loss_item(logits, labels):
    return F.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten()).item()


def loss_rolled(logits, labels):
    return F.cross_entropy(logits.flatten(0, 1), labels.roll(-1, 1).flatten())


def loss_nll(logits, labels):
    return F.nll_loss(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten())


@pytest.mark.parametrize("student, name", [
    (loss_item, "loss.item() returned"),
    (loss_rolled, "labels rolled"),
    (loss_nll, "nll_loss on raw logits"),
])
def test_loss_second_round_named(student, name):
    with pytest.raises(CheckFailed) as info:
        checks.check_lm_loss(student)
    assert info.value.mistake == name, info.value


def collate_with_lengths(docs, pad_id=9, T=None, mask_dtype=torch.long, key="attention_mask"):
    T = T or max(map(len, docs))
    ids = torch.tensor([d + [pad_id] * (T - len(d)) for d in docs])
    mask = torch.tensor([[1] * len(d) + [0] * (T - len(d)) for d in docs], dtype=mask_dtype)
    return {"input_ids": ids, key: mask, "labels": ids.masked_fill(mask == 0, -100)}


def collate_labels_shifted_in_a_copy(docs, pad_id):
    batch = collate_with_lengths(docs, pad_id)
    labels = batch["input_ids"].clone()
    labels[:, :-1] = batch["input_ids"][:, 1:]  # the last column keeps its own id
    return {**batch, "labels": labels.masked_fill(batch["attention_mask"] == 0, -100)}


@pytest.mark.parametrize("student, name", [
    (lambda docs, pad_id: collate_with_lengths(sorted(docs, key=len), pad_id), "rows reordered"),
    # (told only the values that differ: wa39)
    (collate_labels_shifted_in_a_copy, "labels shifted"),
    (lambda docs, pad_id: collate_with_lengths(docs, pad_id, T=512), "padded to a fixed length"),
    (lambda docs, pad_id: collate_with_lengths(docs, pad_id, mask_dtype=torch.int32), "not torch.long"),
    (lambda docs, pad_id: collate_with_lengths(docs, pad_id, key="attn_mask"), "wrong key names"),
])
def test_collate_second_round_named(student, name):
    with pytest.raises(CheckFailed) as info:
        checks.check_collate(student)
    assert info.value.mistake == name, info.value


@pytest.mark.parametrize("cases, reference, mistakes", [
    (checks._loss_cases, checks.reference_lm_loss, checks.LOSS_MISTAKES),
    (checks._collate_cases, checks.reference_collate, checks.COLLATE_MISTAKES),
])
def test_every_mistake_is_wrong_on_some_case(cases, reference, mistakes):
    from course.checks._core import difference
    for mistake in mistakes:
        if mistake.wrong is None:
            continue
        outputs = []
        for case in cases():
            try:
                outputs.append(difference(reference(*case), mistake.wrong(*case)))
            except Exception:  # a mistake named by its error (same_error) is wrong where it raises
                if mistake.same_error:
                    outputs.append("raised")
                continue
        assert any(d is not None for d in outputs), mistake.hint


# --- two mistakes in one answer, named after both (told only the values that differ: wa38) -----------

@torch.no_grad()
def greedy_with(model, ids, n, steps=0, position=-1, new_only=False, prepend=False):
    prompt = ids
    for _ in range(n + steps):
        nxt = model(ids).logits[:, position].argmax(-1, keepdim=True)
        ids = torch.cat([nxt, ids] if prepend else [ids, nxt], dim=1)
    return ids[:, prompt.shape[1]:] if new_only else ids


@pytest.mark.parametrize("student, name", [
    (lambda m, i, n: greedy_with(m, i, n, position=0, new_only=True), "first position's logits and new tokens only"),
    (lambda m, i, n: greedy_with(m, i, n, steps=1, new_only=True), "one token too many and new tokens only"),
    (lambda m, i, n: greedy_with(m, i, n, steps=-1, prepend=True), "one token too few and new tokens prepended"),
    (lambda m, i, n: greedy_with(m, i, n - i.shape[1], position=0),
     "first position's logits and max_new_tokens read as the total length"),
])
def test_greedy_two_mistakes_at_once_are_named_after_both(student, name):
    with pytest.raises(CheckFailed) as info:
        checks.check_greedy_decode(student)
    assert info.value.mistake == name, info.value
    assert "two mistakes at once" in str(info.value)


def collate_by_hand(docs, pad_id, left=False, fill=None, labels_from_ids=False, ignore=-100):
    T = max(map(len, docs))
    pad = pad_id if fill is None else fill
    rows = [[pad] * (T - len(d)) + d if left else d + [pad] * (T - len(d)) for d in docs]
    mask = torch.tensor([[0] * (T - len(d)) + [1] * len(d) if left else [1] * len(d) + [0] * (T - len(d)) for d in docs])
    ids = torch.tensor(rows)
    return {"input_ids": ids, "attention_mask": mask,
            "labels": ids.clone() if labels_from_ids else ids.masked_fill(mask == 0, ignore)}


@pytest.mark.parametrize("student, name", [
    (lambda docs, pad_id: collate_by_hand(docs, pad_id, left=True, fill=0), "padded on the left and padded with 0, not pad_id"),
    (lambda docs, pad_id: collate_by_hand(docs, pad_id, fill=0, labels_from_ids=True),
     "padded with 0, not pad_id and padding in the labels"),
    (lambda docs, pad_id: collate_by_hand(docs, pad_id, left=True, ignore=-1), "padded on the left and -1 instead of -100"),
    (lambda docs, pad_id: (lambda b: {**b, "labels": torch.cat([b["labels"][:, 1:], torch.full_like(b["labels"][:, :1], -100)], 1)})(
        collate_by_hand(docs, pad_id, labels_from_ids=True)), "padding in the labels and labels shifted"),
])
def test_collate_two_mistakes_at_once_are_named_after_both(student, name):
    with pytest.raises(CheckFailed) as info:
        checks.check_collate(student)
    assert info.value.mistake == name, info.value
    assert "two mistakes at once" in str(info.value)


# --- float ids fed back to the model (hon10's w16, 2026-12-03): its embedding refuses them -------------

@torch.no_grad()
def greedy_float_ids(model, input_ids, max_new_tokens):
    ids = input_ids
    for _ in range(max_new_tokens):
        nxt = model(ids).logits[:, -1, :].argmax(dim=-1).float()
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids


@pytest.mark.parametrize("check", [checks.check_greedy_decode, checks.check_greedy_decode_form])
def test_float_ids_fed_back_are_named_by_both_tests(check):
    with pytest.raises(CheckFailed) as info:
        check(greedy_float_ids)
    text = str(info.value)
    assert info.value.mistake == "float token ids", text
    assert "your function raised RuntimeError" in text
    assert "(in greedy_float_ids, line" in text  # where, in the answer's own code
    assert "token ids must stay integers (torch.long): argmax gives long ids; don't convert them with .float()" in text


def test_greedy_form_check_passes_correct_answers_and_says_nothing(capsys):
    checks.check_greedy_decode_form(checks.reference_greedy_decode)
    checks.check_greedy_decode_form(greedy_first_position)  # wrong values, right form: the value test's
    assert capsys.readouterr().out == ""


def test_greedy_form_check_keeps_the_form_tests_messages():
    with pytest.raises(CheckFailed, match="return a torch.long tensor of ids, got list"):
        checks.check_greedy_decode_form(lambda m, ids, n: checks.reference_greedy_decode(m, ids, n).tolist())
    with pytest.raises(CheckFailed, match=r"expected shape \(2, 7\)"):
        checks.check_greedy_decode_form(greedy_new_only)
    with pytest.raises(CheckFailed, match="not implemented yet"):
        checks.check_greedy_decode_form(lambda m, ids, n: (_ for _ in ()).throw(NotImplementedError()))


def loss_masked_sum_over_every_label(logits, labels):
    per = F.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten(), reduction="none")
    mask = (labels[:, 1:] != -100).flatten().float()
    return (per * mask).sum() / labels.numel()


def loss_arguments_swapped(logits, labels):
    return F.cross_entropy(labels[:, 1:].flatten(), logits[:, :-1].flatten(0, 1))


def loss_rows_of_b_times_t(logits, labels):
    B, T, V = logits.shape
    return F.cross_entropy(logits[:, :-1].reshape(B * T, V), labels[:, 1:].reshape(B * T))


@pytest.mark.parametrize("student, name", [  # (told only the values, or torch's error: wa41)
    (loss_masked_sum_over_every_label, "padding counted in the mean"),
    (loss_arguments_swapped, "arguments of cross_entropy swapped"),
    (loss_rows_of_b_times_t, "B * T rows after the shift"),
])
def test_loss_third_round_named(student, name):
    with pytest.raises(CheckFailed) as info:
        checks.check_lm_loss(student)
    assert info.value.mistake == name, info.value


def test_collate_with_labels_from_the_attention_mask_is_named():  # (told only the values: wa41)
    def student(docs, pad_id):
        batch = collate_with_lengths(docs, pad_id)
        mask = batch["attention_mask"]
        return {**batch, "labels": mask.masked_fill(mask == 0, -100)}

    with pytest.raises(CheckFailed) as info:
        checks.check_collate(student)
    assert info.value.mistake == "labels made from the attention mask", info.value


def test_greedy_that_appends_every_positions_prediction_is_not_told_of_a_cache():  # (it was: wa41)
    def student(model, input_ids, max_new_tokens):
        ids = input_ids
        with torch.no_grad():
            for _ in range(max_new_tokens):
                ids = torch.cat([ids, model(ids).logits.argmax(dim=-1)], dim=1)
        return ids

    with pytest.raises(CheckFailed) as info:
        checks.check_greedy_decode(student)
    assert info.value.mistake == "every position's prediction appended", info.value


def _greedy_feeding_the_last_token(model, input_ids, max_new_tokens):
    ids = input_ids
    with torch.no_grad():
        for _ in range(max_new_tokens - 1):  # one token too few
            nxt = model(ids[:, -1:]).logits[:, -1].argmax(-1)  # and the last token alone fed
            ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids


def _collate_on_the_left(docs, pad_id):
    T = max(len(d) for d in docs)
    ids = torch.tensor([[pad_id] * (T - len(d)) + list(d) for d in docs], dtype=torch.long)
    mask = torch.tensor([[0] * (T - len(d)) + [1] * len(d) for d in docs], dtype=torch.long)
    return {"input_ids": ids, "attention_mask": mask, "labels": ids.masked_fill(ids == pad_id, -100)}


def _lm_loss_of(logits, labels, *, shift=1, reduction="mean", softmax=False):
    V = logits.size(-1)
    if shift == 1:
        logits, labels = logits[:, :-1], labels[:, 1:]
    elif shift == -1:
        logits, labels = logits[:, 1:], labels[:, :-1]
    logits = logits.softmax(-1) if softmax else logits
    losses = F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), reduction="none")  # (0 where -100)
    return losses.sum() if reduction == "sum" else losses.sum() / (labels != -100).sum() if reduction == "mean" \
        else losses.mean()


WA43 = [  # (each was told only the values that differ: wa43)
    (checks.check_greedy_decode, _greedy_feeding_the_last_token, "one token too few and only the new token fed"),
    (checks.check_collate, _collate_on_the_left, "padded on the left and labels from the pad id"),
    (checks.check_lm_loss, lambda lo, la: _lm_loss_of(lo, la, shift=0, reduction="sum"),
     "labels not shifted and sum instead of mean"),
    (checks.check_lm_loss, lambda lo, la: _lm_loss_of(lo, la, shift=-1, reduction="every position"),
     "shifted the wrong way and padding counted in the mean"),
    (checks.check_lm_loss, lambda lo, la: _lm_loss_of(lo, la, shift=0, softmax=True),
     "labels not shifted and softmax before cross-entropy"),
]


@pytest.mark.parametrize("check, wrong, name", WA43, ids=[m[2] for m in WA43])
def test_wa43_mistakes_are_named(check, wrong, name):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)
    assert f"Mistake — {name}: " in str(info.value)


def _loss_padded_back(logits, labels, value):
    shifted = torch.cat([labels[:, 1:], torch.full_like(labels[:, :1], value)], dim=1)
    return F.cross_entropy(logits.flatten(0, 1), shifted.flatten())


def test_shifted_labels_padded_back_with_0_are_named_and_with_minus_100_pass(capsys):
    """Labels shifted and padded back to T with 0 train every last position to predict token 0 (wa46)."""
    checks.check_lm_loss(lambda lo, la: _loss_padded_back(lo, la, -100))
    with pytest.raises(CheckFailed) as info:
        checks.check_lm_loss(lambda lo, la: _loss_padded_back(lo, la, 0))
    assert info.value.mistake == "shifted labels padded with 0", str(info.value)


def test_a_loss_per_position_is_named(capsys):
    """reduction='none' returns one loss per position, 0 at the -100 ones (wa46)."""
    with pytest.raises(CheckFailed) as info:
        checks.check_lm_loss(lambda lo, la: F.cross_entropy(lo[:, :-1].flatten(0, 1), la[:, 1:].flatten(),
                                                            reduction="none"))
    assert info.value.mistake == "one loss per position", str(info.value)
