"""Lesson 05 self-checks: the references and independent correct solutions pass, each named mistake is
recognised by its hint, and an unrelated wrong answer fails without a misleading hint. The references
themselves are tested against independent computations (cumulative sums, a Python loop, PyTorch's
own modules)."""

import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from course.checks import CheckFailed
from course.checks import gpt as checks
from course.gpt import GPT, BigramLanguageModel, Block, GPTConfig, bigram_forward, causal_average

torch.set_num_threads(1)


# --- independent correct solutions, written as a student would -----------------------------------

def student_bigram(table, idx, targets, *, softmax_first=False, columns=False, flat=False, permute=False,
                   total=False):
    logits = (table.t() if columns else table)[idx]
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    scores = logits.softmax(dim=2) if softmax_first else logits
    rows = scores.permute(1, 0, 2).reshape(T * B, V) if permute else scores.view(B * T, V)
    losses = -torch.log_softmax(rows, dim=1).gather(1, targets.view(B * T, 1)).squeeze(1)
    loss = losses.sum() if total else losses.mean()
    return (logits.view(B * T, V) if flat else logits), loss


def student_average(x, *, upper=False, dim=-1, sums=False, no_mask=False, strict=False):
    B, T, C = x.shape
    tril = torch.tril(torch.ones(T, T), diagonal=-1 if strict else 0)
    if upper:
        tril = tril.T
    if no_mask:
        tril = torch.ones(T, T)
    if sums:
        return tril @ x
    wei = torch.zeros(T, T).masked_fill(tril == 0, float("-inf"))
    return F.softmax(wei, dim=dim) @ x


def student_block(x, ln_1, attn, ln_2, mlp):
    h = x + attn(ln_1(x))
    return h + mlp(ln_2(h))


def student_gpt(model, idx, *, positions=True, start=0, whole_table=False, final_norm=True, chain=True, softmax=False,
                last=False, scale=False, order=None, batch_positions=False):
    parts = model.transformer
    T = idx.shape[1]
    emb = parts.wte(idx)
    if scale:  # the original Transformer's tokens × √d_model
        emb = emb * emb.shape[-1] ** 0.5
    if whole_table:
        emb = emb + parts.wpe.weight  # (block_size, C): only fits when T == block_size
    elif batch_positions:  # one position per sequence: (B, 1, C)
        emb = emb + parts.wpe(torch.arange(idx.shape[0])).unsqueeze(1)
    elif positions:
        emb = emb + parts.wpe(torch.arange(start, start + T))
    h = parts.drop(emb)
    out = h
    for block in (parts.h if order is None else order(list(parts.h))):
        out = block(out if chain else h)
    if final_norm:
        out = parts.ln_f(out)
    logits = out @ parts.wte.weight.T  # the tied head, written out
    if last:
        logits = logits[:, -1]
    return logits.softmax(-1) if softmax else logits


# --- the references against independent computations ------------------------------------------------

@pytest.mark.parametrize("B, T, C", [(1, 1, 3), (2, 7, 4), (3, 16, 8)])
def test_causal_average_is_the_running_mean(B, T, C):
    x = torch.randn(B, T, C)
    want = x.cumsum(dim=1) / torch.arange(1, T + 1).view(1, T, 1)
    torch.testing.assert_close(causal_average(x), want)
    loop = torch.stack([torch.stack([x[b, :t + 1].mean(0) for t in range(T)]) for b in range(B)])
    torch.testing.assert_close(causal_average(x), loop)


@pytest.mark.parametrize("seed", range(3))
def test_bigram_forward_equals_nn_embedding_and_cross_entropy_loss(seed):
    torch.manual_seed(seed)
    V, B, T = 13, 3, 5
    emb = nn.Embedding(V, V)
    idx, targets = torch.randint(0, V, (B, T)), torch.randint(0, V, (B, T))
    logits, loss = bigram_forward(emb.weight, idx, targets)
    torch.testing.assert_close(logits, emb(idx))
    torch.testing.assert_close(loss, nn.CrossEntropyLoss()(emb(idx).permute(0, 2, 1), targets))
    assert bigram_forward(emb.weight, idx)[1] is None


def test_bigram_model_learns_the_bigram_statistics():
    torch.manual_seed(0)
    data = torch.tensor([0, 1, 2, 1, 0, 2] * 50)
    model = BigramLanguageModel(3)
    opt = torch.optim.AdamW(model.parameters(), lr=0.1)
    for _ in range(300):
        _, loss = model(data[None, :-1], data[None, 1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
    # after 1 comes 2 or 0 with equal counts; after 0 always 1; after 2 comes 1 or 0 equally
    counts = torch.zeros(3, 3)
    for a, b in zip(data[:-1].tolist(), data[1:].tolist()):
        counts[a, b] += 1
    probs = model(torch.arange(3)[None])[0][0].softmax(-1)
    torch.testing.assert_close(probs, counts / counts.sum(1, keepdim=True), atol=0.02, rtol=0)
    out = model.generate(torch.zeros(2, 1, dtype=torch.long), 10, generator=torch.Generator().manual_seed(0))
    assert out.shape == (2, 11) and out.dtype == torch.long


def test_reference_errors():
    with pytest.raises(ValueError, match="table must be a square"):
        bigram_forward(torch.zeros(3, 4), torch.zeros(1, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="idx must be a \\(B, T\\) tensor"):
        bigram_forward(torch.zeros(3, 3), torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="targets has shape \\(1, 3\\) but idx has shape \\(1, 2\\)"):
        bigram_forward(torch.zeros(3, 3), torch.zeros(1, 2, dtype=torch.long), torch.zeros(1, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="x must be a \\(B, T, C\\) tensor, got \\(4, 2\\)"):
        causal_average(torch.zeros(4, 2))
    with pytest.raises(ValueError, match="vocab_size must be a positive int"):
        BigramLanguageModel(0)


# --- references and correct solutions pass ----------------------------------------------------------

def test_references_pass(capsys):
    checks.check_bigram_forward(bigram_forward)
    checks.check_causal_average(causal_average)
    checks.check_block_forward(lambda x, l1, a, l2, m: _course_block(l1, a, l2, m)(x))
    assert capsys.readouterr().out.count("✓") == 3  # gpt_forward's reference is model(idx): the check refuses that


def _course_block(ln_1, attn, ln_2, mlp):
    # (built without drawing from the global generator: the check runs one case again with the attention's
    # dropout on, under a seed, and a block built here would move the draws the attention's dropout gets)
    with torch.random.fork_rng(devices=[]):
        block = Block(GPTConfig(vocab_size=2, block_size=8, n_layer=1, n_head=attn.n_head, n_embd=attn.n_embd))
    block.ln_1, block.attn, block.ln_2, block.mlp = ln_1, attn, ln_2, mlp
    return block


def _gpt_from_state_dict(model, idx):
    """gpt_forward with its embedding tables read from model.state_dict(), which detaches them (rt51)."""
    sd = model.state_dict()
    x = sd["transformer.wte.weight"][idx] + sd["transformer.wpe.weight"][:idx.shape[1]]
    x = model.transformer.drop(x)
    for block in model.transformer.h:
        x = block(x)
    return model.lm_head(model.transformer.ln_f(x))


@pytest.mark.parametrize("check, solution", [
    (checks.check_bigram_forward, student_bigram),
    (checks.check_causal_average, student_average),
    (checks.check_block_forward, student_block),
    (checks.check_gpt_forward, student_gpt),
])
def test_correct_solutions_pass(check, solution, capsys):
    check(solution)
    assert "✓" in capsys.readouterr().out


# --- each named mistake is recognised ---------------------------------------------------------------

def _post_norm(x, ln_1, attn, ln_2, mlp):
    h = ln_1(x + attn(x))
    return ln_2(h + mlp(h))


MISTAKES = [
    (checks.check_bigram_forward, lambda t, i, y: student_bigram(t, i, y, softmax_first=True), "softmax was applied"),
    (checks.check_bigram_forward, lambda t, i, y: student_bigram(t, i, y, permute=True), "wrong axes"),
    (checks.check_bigram_forward, lambda t, i, y: student_bigram(t, i, y, flat=True), "shape (B, T, V)"),
    (checks.check_bigram_forward, lambda t, i, y: student_bigram(t, i, y, columns=True), "ROW i of the table"),
    (checks.check_bigram_forward, lambda t, i, y: student_bigram(t, i, y, total=True), "summed"),
    (checks.check_causal_average, lambda x: student_average(x, upper=True), "averages the FUTURE"),
    (checks.check_causal_average, lambda x: student_average(x, dim=0), "wrong dimension"),
    (checks.check_causal_average, lambda x: student_average(x, sums=True), "sums, not means"),
    (checks.check_causal_average, lambda x: student_average(x, no_mask=True), "no mask"),
    (checks.check_causal_average, lambda x: student_average(x, strict=True), "include itself"),
    (checks.check_block_forward, _post_norm, "post-norm"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: a(l1(x)) + m(l2(a(l1(x)))), "around the attention is missing"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: m(l2(x + a(l1(x)))), "around the MLP is missing"),
    (checks.check_block_forward,
     lambda x, l1, a, l2, m: (lambda h: l2(h) + m(l2(h)))(l1(x) + a(l1(x))), "adds the NORMALISED x"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: student_block(x, l2, a, l1, m), "swapped"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: x + a(l1(x)) + m(l2(x)), "output of the attention"),
    (checks.check_gpt_forward, lambda m, i: student_gpt(m, i, positions=False), "position embeddings are missing"),
    (checks.check_gpt_forward, lambda m, i: student_gpt(m, i, start=1), "positions start at 1"),
    (checks.check_gpt_forward, lambda m, i: student_gpt(m, i, final_norm=False), "final LayerNorm is missing"),
    (checks.check_gpt_forward, lambda m, i: student_gpt(m, i, chain=False), "previous block's output"),
    (checks.check_gpt_forward, lambda m, i: student_gpt(m, i, softmax=True), "return the logits, the raw scores"),
    (checks.check_gpt_forward, lambda m, i: student_gpt(m, i, last=True), "logits of EVERY position"),
    (checks.check_gpt_forward, lambda m, i: m(i)[0], "don't call model(idx)"),
    (checks.check_gpt_forward, lambda m, i: student_gpt(m, i, whole_table=True), "positions 0..T-1 only"),
    (checks.check_causal_average, lambda x: x.cumsum(1) / x.shape[1], "divided by the full length T"),
    (checks.check_bigram_forward, lambda t, i, y: (t[i], None if y is None else F.cross_entropy(
        t[i].flatten(0, 1), i.flatten())), "not with idx"),
    (checks.check_bigram_forward, lambda t, i, y: (t[i].softmax(-1), None if y is None else F.cross_entropy(
        t[i].flatten(0, 1), y.flatten())), "return the raw scores"),
    (checks.check_bigram_forward, lambda t, i, y: (t[i], None if not y else 0.0), "`if targets is None:`"),
    (checks.check_bigram_forward, lambda t, i, y: (t[i], None if y is None else F.cross_entropy(
        t[i][:, :-1].flatten(0, 1), y[:, 1:].flatten())), "without shifting"),
    (checks.check_bigram_forward, lambda t, i, y: (t[i], None if y is None else F.cross_entropy(
        t[i].flatten(0, 1), y)), "flatten both"),
    (checks.check_bigram_forward, lambda t, i, y: (t[i], None if y is None else F.nll_loss(
        t[i].flatten(0, 1).softmax(1), y.flatten())), "LOG-probabilities"),
    (checks.check_causal_average, lambda x: F.softmax(torch.ones(x.shape[1], x.shape[1]).tril(), dim=1) @ x,
     "exp(0) = 1"),
    (checks.check_causal_average, lambda x: torch.cummax(x, 1)[0], "running MEAN"),
    (checks.check_causal_average, lambda x: x.cumsum(2) / torch.arange(1, x.shape[1] + 1)[:, None], "dim 1 of x"),
    (checks.check_causal_average, lambda x: (lambda w: w / w.sum(-1) @ x)(torch.ones(x.shape[1], x.shape[1]).tril()),
     "keepdim=True"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: x + a(l1(x)) + m(l2(a(l1(x)))), "not mlp(ln_2(attn"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: student_block(x, l1, a, l2, lambda h: a(h)),
     "each sublayer runs once"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: x + m(l2(x + a(l1(x)))), "not x + mlp(ln_2(h))"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(l1(x) + a(l1(x))),
     "adds the NORMALISED x"),
    (checks.check_gpt_forward, lambda m, i: student_gpt(m, i, scale=True), "as they are"),
    (checks.check_gpt_forward, lambda m, i: student_gpt(m, i, order=lambda h: h[::-1]), "without reversed()"),
    (checks.check_gpt_forward, lambda m, i: student_gpt(m, i, order=lambda h: h[:1]), "run every block"),
    (checks.check_gpt_forward, lambda m, i: student_gpt(m, i, batch_positions=True), "idx.shape[0] is the batch size"),
    (checks.check_gpt_forward, lambda m, i: _gpt_from_state_dict(m, i), "state_dict(keep_vars=True)"),
]


@pytest.mark.parametrize("check, wrong, hint", MISTAKES, ids=[m[2] for m in MISTAKES])
def test_each_mistake_is_named(check, wrong, hint):
    with pytest.raises(CheckFailed, match="Mistake — ") as info:
        check(wrong)
    assert hint in str(info.value)


# --- other wrong answers fail, without a lesson's hint (a general one says how the values relate) ------

OTHER_WRONG = [
    (checks.check_gpt_forward, lambda m, i: 2 * student_gpt(m, i)),
    (checks.check_bigram_forward, lambda t, i, y: (t[i] * 2, None if y is None else F.cross_entropy(
        (t[i] * 2).flatten(0, 1), y.flatten()))),
    (checks.check_causal_average, lambda x: x.cumsum(1) / (x.shape[1] + 1)),
    (checks.check_block_forward, lambda x, l1, a, l2, m: 2 * student_block(x, l1, a, l2, m)),
]


@pytest.mark.parametrize("check, wrong", OTHER_WRONG)
def test_other_wrong_answers_fail_without_a_hint(check, wrong):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    mistake = info.value.mistake
    assert mistake is None or mistake.startswith("scaled by a constant"), info.value  # (the 2 x answers)
    assert mistake is None or "every value is 2 times the expected one" in str(info.value)


TWO_AT_ONCE = [  # two mistakes in one answer, named after both (told only the values that differ: wa37)
    (lambda m, i: student_gpt(m, i, positions=False, final_norm=False), "no position embedding and final LayerNorm missing"),
    (lambda m, i: student_gpt(m, i, positions=False, softmax=True), "no position embedding and softmax applied"),
    (lambda m, i: student_gpt(m, i, start=1, chain=False), "positions counted from 1 and blocks not chained"),
    (lambda m, i: student_gpt(m, i, final_norm=False, last=True), "final LayerNorm missing and last position only"),
]


@pytest.mark.parametrize("wrong, name", TWO_AT_ONCE, ids=[m[1] for m in TWO_AT_ONCE])
def test_two_mistakes_at_once_are_named_after_both(wrong, name):
    with pytest.raises(CheckFailed) as info:
        checks.check_gpt_forward(wrong)
    assert info.value.mistake == name, str(info.value)
    assert "two mistakes at once" in str(info.value)


@pytest.mark.parametrize("wrong, name", [
    (lambda t, i, y: (t.T[i], None if y is None else F.cross_entropy(t.T[i].flatten(0, 1), y.flatten(), reduction="sum")),
     "column instead of row and sum instead of mean"),
    (lambda t, i, y: (t[i], None if y is None else F.cross_entropy(t[i].softmax(-1)[:, -1], y[:, -1])),
     "softmax before cross-entropy and loss of the last position only"),
])
def test_two_bigram_mistakes_at_once_are_named_after_both(wrong, name):
    with pytest.raises(CheckFailed) as info:
        checks.check_bigram_forward(wrong)
    assert info.value.mistake == name, str(info.value)


def _post_norm_mlp_without_residual(x, ln_1, attn, ln_2, mlp):
    x = ln_1(x + attn(x))
    return ln_2(mlp(x))


def _swapped_norms_mlp_without_residual(x, ln_1, attn, ln_2, mlp):
    x = x + attn(ln_2(x))
    return mlp(ln_1(x))


def _block_whose_mlp_reads_the_attention_alone(x, ln_1, attn, ln_2, mlp):
    h = attn(ln_1(x))
    return x + mlp(ln_2(h))


def test_a_block_whose_mlp_reads_the_attention_output_alone_is_named():
    # (told only the values that differ before: wa42)
    with pytest.raises(CheckFailed) as info:
        checks.check_block_forward(_block_whose_mlp_reads_the_attention_alone)
    assert info.value.mistake == "attention residual missing", str(info.value)


@pytest.mark.parametrize("wrong, name", [  # (told only the values that differ: wa38)
    (_post_norm_mlp_without_residual, "post-norm and MLP residual missing"),
    (_swapped_norms_mlp_without_residual, "MLP residual missing and norms swapped"),
    (lambda x, ln_1, attn, ln_2, mlp: (lambda h: h + mlp(h))(attn(ln_1(x))), "attention residual missing and ln_2 missing"),
    (lambda x, ln_1, attn, ln_2, mlp: x + attn(x) + mlp(x), "LayerNorms missing and parallel sublayers"),
    (lambda x, ln_1, attn, ln_2, mlp: (lambda h: mlp(ln_1(h)))(x + attn(ln_1(x))),
     "MLP residual missing and one LayerNorm used twice"),
])
def test_two_block_mistakes_at_once_are_named_after_both(wrong, name):
    with pytest.raises(CheckFailed) as info:
        checks.check_block_forward(wrong)
    assert info.value.mistake == name, str(info.value)
    assert "two mistakes at once" in str(info.value)


def test_errors_are_reported_in_words():
    def broken(x, ln_1, attn, ln_2, mlp):
        return x @ torch.zeros(3, 3)  # wrong inner size

    with pytest.raises(CheckFailed, match="your function raised RuntimeError"):
        checks.check_block_forward(broken)
    with pytest.raises(CheckFailed, match="not implemented yet"):
        checks.check_causal_average(lambda x: (_ for _ in ()).throw(NotImplementedError()))


def test_an_in_place_residual_is_named_by_its_gradient():
    def in_place(x, ln_1, attn, ln_2, mlp):
        x = x.clone()  # the input stays as it was: only the gradient shows the mistake
        x += attn(ln_1(x))
        x += mlp(ln_2(x))
        return x

    with pytest.raises(CheckFailed, match="Mistake — in-place residual") as info:
        checks.check_block_forward(in_place)
    assert info.value.mistake == "in-place residual" and "the gradient" in str(info.value)


@pytest.mark.parametrize("reentrant", [True, False])
def test_a_gpt_forward_through_gradient_checkpointing_passes(reentrant, capsys):
    """rt46: torch.utils.checkpoint around each block, as memory-saving training code writes it. With
    use_reentrant=True (the default of checkpoint(block, x) in this torch) autograd.grad raises a RuntimeError
    ("incompatible with .grad()"): the check takes the embeddings' gradient by backward(), and the model's
    own weights keep the .grad they had."""
    from torch.utils.checkpoint import checkpoint

    def checkpointed(model, idx):
        parts = model.transformer
        x = parts.drop(parts.wte(idx) + parts.wpe(torch.arange(idx.shape[1])))
        for block in parts.h:
            x = checkpoint(block, x, use_reentrant=reentrant)
        return model.lm_head(parts.ln_f(x))

    checks.check_gpt_forward(checkpointed)
    assert "✓ gpt_forward" in capsys.readouterr().out
    model = GPT(GPTConfig(vocab_size=7, block_size=4, n_layer=1, n_head=1, n_embd=4))
    weight = model.transformer.wte.weight
    weight.grad = torch.full_like(weight, 5.0)
    got = checkpointed(model, torch.tensor([[1, 2, 3]]))
    want, = torch.autograd.grad(model(torch.tensor([[1, 2, 3]]))[0].sum(), weight)
    assert torch.allclose(checks.gradient_by_backward(got.sum(), weight), want, atol=1e-6)
    assert torch.equal(weight.grad, torch.full_like(weight, 5.0))


def test_a_block_forward_through_reentrant_gradient_checkpointing_passes(capsys):
    """rt46: check_gradient took the input's gradient with torch.autograd.grad, which checkpoint(f, x,
    use_reentrant=True) refuses: an honest block_forward failed its test cell, told "computing the gradient
    raised RuntimeError"."""
    from torch.utils.checkpoint import checkpoint

    def checkpointed(x, ln_1, attn, ln_2, mlp):
        x = x + checkpoint(lambda h: attn(ln_1(h)), x, use_reentrant=True)
        return x + checkpoint(lambda h: mlp(ln_2(h)), x, use_reentrant=True)

    checks.check_block_forward(checkpointed)
    assert "✓ block_forward" in capsys.readouterr().out


def test_a_forward_that_switches_the_model_to_eval_mode_is_named():
    def switches(model, idx):
        model.eval()  # a student's way to "make it deterministic"
        return student_gpt(model, idx)

    with pytest.raises(CheckFailed) as info:
        checks.check_gpt_forward(switches)
    assert info.value.mistake == "changes the model's mode", str(info.value)


# --- F.embedding's arguments swapped (hon10's w13, 2026-12-03): torch refuses the call ---------------

def bigram_embedding_swapped(table, idx, targets=None):
    logits = F.embedding(table, idx)
    if targets is None:
        return logits, None
    B, T, V = logits.shape
    return logits, F.cross_entropy(logits.view(B * T, V), targets.view(B * T))


@pytest.mark.parametrize("check", [checks.check_bigram_forward, checks.check_bigram_forward_form])
def test_embedding_arguments_swapped_are_named_by_both_tests(check):
    with pytest.raises(CheckFailed) as info:
        check(bigram_embedding_swapped)
    assert info.value.mistake == "arguments of F.embedding swapped", info.value
    assert "F.embedding(idx, table) — indices first, then the weight" in str(info.value)
    assert "your function raised RuntimeError" in str(info.value)


@pytest.mark.parametrize("check", [checks.check_bigram_forward, checks.check_bigram_forward_form])
def test_another_error_is_not_named_as_swapped_embedding_arguments(check):
    def wrong_width(table, idx, targets=None):
        return F.embedding(idx, table[:, :2].T), None  # F.embedding's order, another error: no name

    def float_ids(table, idx, targets=None):
        return table[idx.float()], None  # float indices, but not F.embedding's

    for wrong in (wrong_width, float_ids):
        with pytest.raises(CheckFailed) as info:
            check(wrong)
        assert info.value.mistake != "arguments of F.embedding swapped", info.value


def test_bigram_form_check_passes_correct_answers_and_says_nothing(capsys):
    checks.check_bigram_forward_form(bigram_forward)
    checks.check_bigram_forward_form(lambda t, i, y=None: student_bigram(t, i, y))
    assert capsys.readouterr().out == ""


def test_bigram_form_check_keeps_the_form_tests_messages():
    with pytest.raises(CheckFailed, match="return the tuple"):
        checks.check_bigram_forward_form(lambda t, i, y=None: t[i])
    with pytest.raises(CheckFailed, match="without targets return"):
        checks.check_bigram_forward_form(lambda t, i, y=None: (t[i], F.cross_entropy(t[i].flatten(0, 1), (
            y if y is not None else i).flatten())))


def _bigram_loss_as(change):
    return lambda t, i, y: (t[i], None if y is None else change(F.cross_entropy(t[i].flatten(0, 1), y.flatten())))


def _bigram_picked_with_rows_and_columns(table, idx, targets=None):
    logits = table[idx]
    if targets is None:
        return logits, None
    B, T = idx.shape  # (B,), (T,) and (B, T) index tensors: they do not broadcast together
    return logits, -torch.log_softmax(logits, -1)[torch.arange(B), torch.arange(T), targets].mean()


def _block_mlp_first_without_residuals(x, ln_1, attn, ln_2, mlp):
    x = mlp(ln_2(x))
    return attn(ln_1(x))


def _gpt_ln_f_before_each_block(model, idx):
    t = model.transformer
    x = t.drop(t.wte(idx) + t.wpe(torch.arange(idx.shape[1])))
    for block in t.h:
        x = block(t.ln_f(x))
    return model.lm_head(x)


WA39 = [  # (told only the values that differ, or another mistake's name: wa39)
    (checks.check_bigram_forward, _bigram_loss_as(torch.exp), "perplexity instead of the loss"),
    (checks.check_bigram_forward, _bigram_loss_as(lambda loss: -loss), "sign lost"),
    (checks.check_bigram_forward, _bigram_loss_as(lambda loss: loss / math.log(2)), "loss in bits"),
    (checks.check_bigram_forward, lambda t, i, y: (t[i], None if y is None else F.binary_cross_entropy_with_logits(
        t[i], F.one_hot(y, t.shape[0]).float())), "binary cross-entropy"),
    (checks.check_bigram_forward, _bigram_picked_with_rows_and_columns, "index tensors that do not line up"),
    # both residuals missing and the MLP first: three of the knobs at once
    (checks.check_block_forward, _block_mlp_first_without_residuals, "residuals missing and MLP before attention"),
    # with the MLP first, the residual missing is named by its sublayer, not by its place (it was the other's)
    (checks.check_block_forward, lambda x, l1, a, l2, m: a(l1(x + m(l2(x)))),
     "attention residual missing and MLP before attention"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: (lambda h: h + a(l1(h)))(m(l2(x))),
     "MLP residual missing and MLP before attention"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(l1(x + a(x))), "post-norm attention"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: (lambda n: x + a(n) + m(l2(n)))(l1(x)), "parallel sublayers"),
    (checks.check_gpt_forward, _gpt_ln_f_before_each_block, "final LayerNorm before every block"),
]


@pytest.mark.parametrize("check, wrong, name", WA39, ids=[m[2] for m in WA39])
def test_wa39_mistakes_are_named(check, wrong, name):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)
    assert f"Mistake — {name}: " in str(info.value)


def _average_loop_squeezed(x):
    out = torch.zeros_like(x)
    for t in range(x.shape[1]):
        out[:, t] = x[:, :t + 1].mean(dim=1).squeeze()
    return out


def _gpt_logits_squeezed(model, idx):
    t = model.transformer
    x = t.drop(t.wte(idx) + t.wpe(torch.arange(idx.shape[1])))
    for block in t.h:
        x = block(x)
    return model.lm_head(t.ln_f(x)).squeeze(1)


WA40 = [  # (the hidden tests' inputs of size 1, C = 1, T = 1, n_head = 1, idx (1, 1), passed the checks: wa40)
    (checks.check_causal_average, _average_loop_squeezed, "a dimension of size 1 squeezed"),
    (checks.check_causal_average, lambda x: causal_average(x).squeeze(-1), "extra or missing dimensions of size 1"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x + a(l1(x)).squeeze()),
     "a dimension of size 1 squeezed"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: (lambda h: h + m(l2(h)))(x + a(l1(x))).squeeze(1),
     "extra or missing dimensions of size 1"),
    (checks.check_gpt_forward, _gpt_logits_squeezed, "extra or missing dimensions of size 1"),
]


def _average_of_a_fixed_length(x):
    tril = torch.tril(torch.ones(8, 8))  # the notebook's T, not x's
    return F.softmax(torch.zeros(8, 8).masked_fill(tril == 0, float("-inf")), dim=-1) @ x


def _average_with_a_float_mask(x):
    tril = torch.tril(torch.ones(x.shape[1], x.shape[1]))
    return F.softmax(torch.zeros_like(tril).masked_fill(1 - tril, float("-inf")), dim=-1) @ x


@pytest.mark.parametrize("wrong, name", [  # (told 'shapes do not fit', or torch's error alone: wa41)
    (_average_of_a_fixed_length, "weights of a fixed size"),
    (_average_with_a_float_mask, "float mask in masked_fill"),
])
def test_causal_average_fixed_size_and_float_mask_are_named(wrong, name):
    with pytest.raises(CheckFailed) as info:
        checks.check_causal_average(wrong)
    assert info.value.mistake == name, str(info.value)


def test_weights_applied_to_x_transposed_are_not_called_a_fixed_size():
    def wrong(x):  # torch raises the fixed size's error here too, with x's own sizes in it
        tril = torch.tril(torch.ones(x.shape[1], x.shape[1]))
        return F.softmax(torch.zeros_like(tril).masked_fill(tril == 0, float("-inf")), dim=-1) @ x.transpose(1, 2)
    with pytest.raises(CheckFailed) as info:
        checks.check_causal_average(wrong)
    assert info.value.mistake != "weights of a fixed size", str(info.value)


@pytest.mark.parametrize("wrong", [  # (told only the values that differ: wa41)
    lambda x, ln_1, attn, ln_2, mlp: (lambda h: h + mlp(ln_2(h)))(x + x + attn(ln_1(x))),
    lambda x, ln_1, attn, ln_2, mlp: (lambda h: x + h + mlp(ln_2(h)))(x + attn(ln_1(x))),
])
def test_a_residual_added_twice_is_named(wrong):
    with pytest.raises(CheckFailed) as info:
        checks.check_block_forward(wrong)
    assert info.value.mistake == "residual added twice", str(info.value)


def test_log_softmax_over_the_positions_is_named():  # (told only the values: wa41)
    def wrong(model, idx):
        x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(idx.shape[1])))
        for block in model.transformer.h:
            x = block(x)
        return F.log_softmax(model.lm_head(model.transformer.ln_f(x)), dim=1)
    with pytest.raises(CheckFailed) as info:
        checks.check_gpt_forward(wrong)
    assert info.value.mistake == "log_softmax applied", str(info.value)


def _average_rows_by_loop(x, dim):
    out = torch.zeros_like(x)
    for b in range(x.shape[0]):
        for t in range(x.shape[1]):
            out[b, t] = x[b, :t + 1].mean(dim)
    return out


def _average_by_loop_over_the_channels(x):
    out = torch.zeros_like(x)
    for t in range(x.shape[1]):
        out[:, t] = x[:, :t + 1].mean(dim=2)
    return out


def _gpt_with(model, idx, *, reverse=False, residual=False, softmax=False, final_norm=True):
    x = model.transformer.drop(model.transformer.wte(idx) + model.transformer.wpe(torch.arange(idx.shape[1])))
    for block in list(model.transformer.h)[::-1 if reverse else 1]:
        x = x + block(x) if residual else block(x)
    x = model.transformer.ln_f(x) if final_norm else x
    return model.lm_head(x).softmax(-1) if softmax else model.lm_head(x)


WA43 = [  # (each was told only the values that differ, or a mistake it is not: wa43)
    (checks.check_bigram_forward,
     lambda table, idx, targets=None: (table[idx], None if targets is None else F.cross_entropy(
         table[idx].transpose(1, 2), targets.T)), "targets transposed"),
    (checks.check_causal_average, lambda x: _average_rows_by_loop(x, 1), "mean over the channels"),
    (checks.check_causal_average, _average_by_loop_over_the_channels, "mean over the channels"),
    (checks.check_gpt_forward, lambda m, i: _gpt_with(m, i, reverse=True, softmax=True), "softmax applied and blocks in reverse order"),
    (checks.check_gpt_forward, lambda m, i: _gpt_with(m, i, residual=True, final_norm=False),
     "final LayerNorm missing and residual added around the block"),
]


@pytest.mark.parametrize("check, wrong, name", WA43, ids=[f"{m[0].__name__}:{m[2]}" for m in WA43])
def test_wa43_mistakes_are_named(check, wrong, name):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)
    assert f"Mistake — {name}: " in str(info.value)


def _gpt_positions(model, idx, where="start"):
    t, T = model.transformer, idx.shape[1]
    tok, pos = t.wte(idx), t.wpe(torch.arange(T))
    x = t.drop({"start": tok + pos, "last rows": tok + t.wpe.weight[-T:], "cat": torch.cat([tok, pos.expand(tok.shape)], -1),
               "every block": tok + pos}
               .get(where, tok))
    for block in t.h:
        x = block(x + pos if where == "every block" else x)
    x = x + pos if where == "after" else x
    return model.lm_head(t.ln_f(x))


def _average_counting_down(x):
    T = x.shape[1]
    return torch.cumsum(x, dim=1) / torch.arange(T, 0, -1)[None, :, None]


WA46 = [  # (each was told only the values that differ, or a mistake it is not: wa46)
    (checks.check_gpt_forward, lambda m, i: _gpt_positions(m, i, "cat"), "embeddings concatenated"),
    (checks.check_gpt_forward, lambda m, i: _gpt_positions(m, i, "last rows"), "the last positions of the table"),
    (checks.check_gpt_forward, lambda m, i: _gpt_positions(m, i, "after"), "position embedding after the blocks"),
    (checks.check_gpt_forward, lambda m, i: _gpt_positions(m, i, "every block"),
     "position embedding added before every block"),
    (checks.check_block_forward, lambda x, l1, a, l2, m: (lambda h: h * m(l2(h)))(x * a(l1(x))), "residual multiplied"),
    (checks.check_bigram_forward, lambda table, idx, targets=None: (table[idx], None if targets is None else F.cross_entropy(
        table[idx].view(idx.shape[0], -1, idx.shape[1]), targets)), "reshaped to (B, V, T) instead of transposed"),
    (checks.check_causal_average, _average_counting_down, "counts in reverse order"),
]


@pytest.mark.parametrize("check, wrong, name", WA40 + WA46, ids=[f"{m[0].__name__}:{m[2]}" for m in WA40 + WA46])
def test_wrong_answers_of_wa40_and_wa46_are_named(check, wrong, name):
    """wa40's size-one inputs (each checked) and wa46's mistakes: each named by its check."""
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)
    assert f"Mistake — {name}: " in str(info.value)
