"""The attention self-checks pass the reference and name each common mistake.

Every wrong version below is written the way a student would write it (not taken from the check's
own list), so these tests show that the hints fire on real mistakes.
"""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from course import attention as ref
from course.checks import CheckFailed
from course.checks import attention as checks


# --- the reference passes ----------------------------------------------------------------------

@pytest.mark.parametrize("check, fn", [
    (checks.check_cross_attention, ref.cross_attention),
    (checks.check_scaled_dot_product_attention, ref.scaled_dot_product_attention),
    (checks.check_causal_mask, ref.causal_mask),
    (checks.check_split_heads, ref.split_heads),
    (checks.check_merge_heads, ref.merge_heads),
    (checks.check_causal_self_attention, ref.CausalSelfAttention),
])
def test_reference_passes(check, fn, capsys):
    check(fn)
    assert "✓" in capsys.readouterr().out


def test_readable_path_passes_too():
    class Readable(ref.CausalSelfAttention):
        def __init__(self, config):
            super().__init__(config)
            self.use_sdpa = False
    checks.check_causal_self_attention(Readable)


def test_not_implemented_is_reported_plainly():
    def todo(*args):
        raise NotImplementedError()

    class Todo(nn.Module):
        def __init__(self, config):
            raise NotImplementedError()

    with pytest.raises(CheckFailed, match="not implemented yet"):
        checks.check_scaled_dot_product_attention(todo)
    with pytest.raises(CheckFailed, match="not implemented yet"):
        checks.check_causal_self_attention(Todo)


def test_a_class_whose_forward_ran_outside_it_is_told_so():
    # the answer cell split in JupyterLab above `def forward`: the class has __init__ only, and the part below
    # ran alone as a plain function (IPython strips its indent); the self-check failed with torch's words only,
    # and the autograder, which joins the parts, gave full marks (rt51)
    class NoForward(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.n_head = config.n_head
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
            self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            self.attn_dropout = nn.Dropout(config.dropout)
            self.resid_dropout = nn.Dropout(config.dropout)
            self.register_buffer("mask", ref.causal_mask(config.block_size), persistent=False)

    with pytest.raises(CheckFailed) as info:
        checks.check_causal_self_attention(NoForward)
    assert info.value.mistake == "no forward method", str(info.value)
    assert "split its answer cell" in str(info.value) and "Shift+M" in str(info.value)


def test_object_pretending_to_be_equal_fails():
    class Liar:
        def __eq__(self, other):
            return True
    with pytest.raises(CheckFailed, match="expected a torch.Tensor"):
        checks.check_split_heads(lambda x, n: Liar())


# --- cross_attention ---------------------------------------------------------------------------

def _cross(S1, S2, W_Q, W_K, W_V, scale=True, dim=-1, swap=False, divide_by_dk=False):
    if swap:
        S1, S2 = S2, S1
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    s = Q @ K.T
    if divide_by_dk:
        s = s / K.shape[1]
    elif scale:
        s = s / math.sqrt(K.shape[1])
    return F.softmax(s, dim=dim) @ V


@pytest.mark.parametrize("wrong, hint", [
    (lambda *a: _cross(*a, scale=False), "not divided by √d_k"),
    (lambda *a: _cross(*a, divide_by_dk=True), "divided by d_k instead"),
    (lambda *a: _cross(*a, dim=0), "wrong dimension"),
    (lambda *a: _cross(*a, swap=True), "wrong sentences"),
])
def test_cross_attention_mistakes(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        checks.check_cross_attention(wrong)


def test_cross_attention_independent_version_passes():
    checks.check_cross_attention(lambda S1, S2, W_Q, W_K, W_V: F.scaled_dot_product_attention(
        S2 @ W_Q, S1 @ W_K, S1 @ W_V))


# --- scaled_dot_product_attention and causal_mask ---------------------------------------------

def _sdpa(q, k, v, mask=None, scale="sqrt", dim=-1, mask_style="ok"):
    d = q.shape[-1]
    s = q @ k.transpose(-2, -1)
    s = s / {"sqrt": math.sqrt(d), "none": 1.0, "d": d}[scale]
    if mask is not None and mask.dtype != torch.bool:
        s = s if mask_style == "ignored" else s + mask  # a float mask is added (the lesson's tests use one too)
    elif mask is not None:
        if mask_style == "ok":
            s = s.masked_fill(mask == 0, -math.inf)
        elif mask_style == "inverted":
            s = s.masked_fill(mask, -math.inf)
        elif mask_style == "zero":
            s = s.masked_fill(~mask, 0.0)
    w = s.softmax(dim)
    if mask is not None and mask.dtype == torch.bool and mask_style == "after":
        w = w.masked_fill(~mask, 0.0)
    return w @ v


@pytest.mark.parametrize("wrong, hint", [
    (lambda q, k, v, m=None: _sdpa(q, k, v, m, scale="none"), "not divided by √d"),
    (lambda q, k, v, m=None: _sdpa(q, k, v, m, scale="d"), "divided by d instead"),
    (lambda q, k, v, m=None: _sdpa(q, k, v, m, dim=-2), "wrong dimension"),
    (lambda q, k, v, m=None: _sdpa(q, k, v, m, mask_style="ignored"), "mask is not applied"),
    (lambda q, k, v, m=None: _sdpa(q, k, v, m, mask_style="inverted"), "mask is inverted"),
    (lambda q, k, v, m=None: _sdpa(q, k, v, m, mask_style="zero"), "set to 0 instead of -inf"),
    (lambda q, k, v, m=None: _sdpa(q, k, v, m, mask_style="after"), "after the softmax"),
])
def test_sdpa_mistakes(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        checks.check_scaled_dot_product_attention(wrong)


def _sdpa_by_rows_of_q(q, k, v, mask=None):
    """An answer that recurses over q's batch, taking k[i] and v[i]: right on every case of the same batch."""
    if q.dim() == 2:
        return _sdpa(q, k, v, mask)
    if mask is not None:
        mask = mask.expand(*q.shape[:-2], q.shape[-2], k.shape[-2])
    return torch.stack([_sdpa_by_rows_of_q(q[i], k[i], v[i], None if mask is None else mask[i])
                        for i in range(q.shape[0])])


def test_sdpa_keys_of_batch_one_must_broadcast_against_the_queries():
    """An honest-looking answer that looped over q's batch (k[i], v[i]) passed the self-check and the visible
    test, then lost its point to the hidden tests' "keys and values with batch size 1 must broadcast against 4
    query sequences" as "the answer raised IndexError", with no word of the case (rt30, 2026-12-06). The
    self-check now has that case and names the mistake."""
    with pytest.raises(CheckFailed, match="k and v may hold one sequence for many queries"):
        checks.check_scaled_dot_product_attention(_sdpa_by_rows_of_q)


def test_sdpa_with_the_mask_inverted_after_the_softmax_names_both():
    def student(q, k, v, mask=None):
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
        if mask is not None:
            weights = weights.masked_fill(mask, 0.0)  # the allowed positions zeroed, and no renormalising
        return weights @ v
    with pytest.raises(CheckFailed, match="Mistake — mask inverted and mask after softmax"):
        checks.check_scaled_dot_product_attention(student)


def test_sdpa_plain_student_version_passes():
    checks.check_scaled_dot_product_attention(lambda q, k, v, m=None: _sdpa(q, k, v, m))


@pytest.mark.parametrize("wrong, hint", [
    (lambda T: torch.triu(torch.ones(T, T)).bool(), "upper triangle"),
    (lambda T: torch.triu(torch.ones(T, T), diagonal=1).bool(), "True must mean 'may attend'"),
    (lambda T: torch.tril(torch.ones(T, T), diagonal=-1).bool(), "diagonal is missing"),
    # triu with a negative diagonal: the upper triangle and a diagonal below it, alone or as numbers
    (lambda T: torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=-1), "Mistake — upper triangle: torch.triu"),
    (lambda T: torch.triu(torch.ones(T, T), diagonal=-2).bool(), "Mistake — upper triangle: torch.triu"),
    (lambda T: torch.triu(torch.ones(T, T), diagonal=-1),
     "Mistake — upper triangle and numbers instead of booleans: .* negative diagonal"),
])
def test_causal_mask_mistakes(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        checks.check_causal_mask(wrong)


def test_a_numpy_array_whose_values_are_wrong_too_is_not_named_by_the_array_alone():
    """A numpy answer with a second mistake was told only "numpy array instead of tensor" (wa44's
    ``np.tril(..., k=-1)``): the student turned it into a tensor and met the second mistake next time. The
    array's values are read as a tensor: a mistake they show is named beside the array, else the message says
    the values are wrong too; an array with the right values is still told about the array alone."""
    import numpy as np
    with pytest.raises(CheckFailed, match="Mistake — a numpy array instead of a tensor and diagonal missing: two "
                                          "mistakes at once"):
        checks.check_causal_mask(lambda T: np.tril(np.ones((T, T)), k=-1))
    with pytest.raises(CheckFailed, match="Mistake — numpy array instead of tensor: .* not the only mistake: read "
                                          "as a tensor, the values are wrong too") as raised:
        checks.check_cross_attention(lambda S1, S2, W_Q, W_K, W_V: 2 * ref.cross_attention(S1, S2, W_Q, W_K, W_V).numpy())
    assert "diagonal" not in str(raised.value)
    with pytest.raises(CheckFailed, match="Mistake — numpy array instead of tensor: your function returned") as raised:
        checks.check_causal_mask(lambda T: np.tril(np.ones((T, T), dtype=bool)))
    assert "not the only mistake" not in str(raised.value)


def test_causal_mask_float_is_reported_by_dtype():
    with pytest.raises(CheckFailed, match="expected dtype torch.bool"):
        checks.check_causal_mask(lambda T: torch.tril(torch.ones(T, T)))


# --- heads ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("wrong, hint", [
    (lambda x, nh: x.view(x.shape[0], nh, x.shape[1], -1), "reshaped straight"),
    (lambda x, nh: x.view(*x.shape[:2], nh, -1), "transpose\\(1, 2\\) to put the heads"),
    (lambda x, nh: x.view(*x.shape[:2], -1, nh).permute(0, 3, 1, 2), "split as \\(hs, n_head\\)"),
    # a list (or tuple) of heads, each cut as a mistake above cuts it: both named
    (lambda x, nh: [x[:, :, h::nh] for h in range(nh)], "Mistake — list of heads instead of a tensor and heads interleaved"),
    (lambda x, nh: tuple(x.view(x.shape[0], nh, x.shape[1], -1).unbind(1)),
     "Mistake — list of heads instead of a tensor and reshape without transpose: .* as a tuple"),
])
def test_split_heads_mistakes(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        checks.check_split_heads(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda x: x.contiguous().view(x.shape[0], x.shape[2], -1), "without transposing back"),
    (lambda x: x.permute(0, 2, 3, 1).flatten(2), "merged as \\(hs, n_head\\)"),
])
def test_merge_heads_mistakes(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        checks.check_merge_heads(wrong)


# --- CausalSelfAttention -------------------------------------------------------------------------

class StudentAttention(nn.Module):
    """A student's readable version; class attributes switch on one mistake at a time."""
    scale = "head"
    softmax_dim = -1
    mask = "tril"
    transpose_back = True
    project = True
    functional_dropout = False
    dropout_on = "weights"
    resid_dropout = True
    fill = float("-inf")
    attn_bias = True
    heads = "view"

    def __init__(self, config):
        super().__init__()
        self.n_head, self.n_embd, self.p = config.n_head, config.n_embd, config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # the hidden tests use
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)      # bias=False too
        self.drop = nn.Dropout(config.dropout)
        self.out_drop = nn.Dropout(config.dropout)
        self.register_buffer("bias", torch.tril(torch.ones(config.block_size, config.block_size)))

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        qkv = self.c_attn(x) if self.attn_bias else x @ self.c_attn.weight.T
        q, k, v = qkv.split(C, dim=2)
        if self.heads == "overlapping":  # head h sliced h:h + hs, not h * hs:(h + 1) * hs
            q, k, v = (torch.stack([t[..., h:h + hs] for h in range(self.n_head)], dim=1) for t in (q, k, v))
        else:
            q, k, v = (t.view(B, T, self.n_head, hs).transpose(1, 2) for t in (q, k, v))
        att = q @ k.transpose(-2, -1)
        att = att * {"head": hs ** -0.5, "model": C ** -0.5, "none": 1.0, "times": hs ** 0.5}[self.scale]
        if self.dropout_on == "scores":
            att = self.drop(att)
        tri = self.bias[:T, :T]
        if self.mask == "tril":
            att = att.masked_fill(tri == 0, self.fill)
        elif self.mask == "triu":
            att = att.masked_fill(tri.T == 0, float("-inf"))
        elif self.mask == "true_hides":
            att = att.masked_fill(tri == 1, self.fill)
        elif self.mask == "strict":  # tril(diagonal=-1): the diagonal hidden too
            att = att.masked_fill(torch.ones_like(tri).tril(-1) == 0, float("-inf"))
        elif self.mask == "next":  # tril(diagonal=1): one step of the future
            att = att.masked_fill(torch.ones_like(tri).tril(1) == 0, float("-inf"))
        att = F.softmax(att, dim=self.softmax_dim)
        if self.dropout_on == "weights":
            att = F.dropout(att, self.p) if self.functional_dropout else self.drop(att)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C) if self.transpose_back else y.reshape(B, T, C)
        y = self.c_proj(y) if self.project else y
        return self.out_drop(y) if self.resid_dropout else y


def _student(**attributes):
    return type("Wrong", (StudentAttention,), attributes)


def test_student_version_passes():
    checks.check_causal_self_attention(StudentAttention)
    checks.check_attention_dropout(StudentAttention)


@pytest.mark.parametrize("attributes, hint", [
    (dict(scale="none"), "not divided by √head_size"),
    (dict(scale="model"), "divided by √n_embd"),
    (dict(scale="times"), "multiplied by √head_size"),
    (dict(attn_bias=False), "c_attn's bias left out"),
    (dict(heads="overlapping"), "Mistake — heads cut from overlapping channels"),
    (dict(softmax_dim=-2), "wrong dimension"),
    (dict(mask="none"), "mask is not applied"),
    (dict(mask="triu"), "upper triangle"),
    (dict(mask="true_hides"), "mask is inverted"),
    (dict(transpose_back=False), "without transposing back"),
    (dict(project=False), "c_proj is not applied"),
    (dict(functional_dropout=True), "dropout on in eval mode"),
    (dict(dropout_on="scores"), "dropout on the scores"),
    (dict(dropout_on="none"), "attention dropout missing"),
    (dict(resid_dropout=False), "residual dropout missing"),
    (dict(dropout_on="scores", resid_dropout=False), "Mistake — dropout on the scores and residual dropout missing"),
])
def test_causal_self_attention_mistakes(attributes, hint):
    check = checks.check_attention_dropout if "dropout" in hint else checks.check_causal_self_attention
    with pytest.raises(CheckFailed, match=hint):
        check(_student(**attributes))
    if check is checks.check_causal_self_attention:  # the dropout check names the same mistake first
        with pytest.raises(CheckFailed, match=hint):
            checks.check_attention_dropout(_student(**attributes))


@pytest.mark.parametrize("fill", [-1e4, -1e9, torch.finfo(torch.float32).min])
def test_a_large_finite_fill_passes(fill):
    # (exp of a large negative score is 0 in float32, as exp(-inf) is: the same weights)
    checks.check_causal_self_attention(_student(fill=fill))
    checks.check_attention_dropout(_student(fill=fill))


@pytest.mark.parametrize("fill", [-1.0, -5.0, -10.0])
def test_a_small_fill_is_named(fill):
    with pytest.raises(CheckFailed) as info:
        checks.check_causal_self_attention(_student(fill=fill))
    assert info.value.mistake == "masked with a small number", str(info.value)


@pytest.mark.parametrize("fill", [-1e4, -1e9])
def test_an_inverted_mask_filled_with_a_large_finite_number_is_named(fill):
    # (no NaN: the last position, every key hidden, averages them all; told only the values before, wa42)
    with pytest.raises(CheckFailed) as info:
        checks.check_causal_self_attention(_student(mask="true_hides", fill=fill))
    assert info.value.mistake == "mask inverted", str(info.value)


def test_dropout_mistakes_cost_only_the_dropout_check(capsys):
    for attributes in [dict(dropout_on="scores"), dict(dropout_on="none"), dict(resid_dropout=False)]:
        checks.check_causal_self_attention(_student(**attributes))
    assert capsys.readouterr().out.count("✓") == 3


def test_causal_self_attention_with_separate_qkv_layers_is_told_what_to_name():
    class Separate(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.query = nn.Linear(config.n_embd, config.n_embd)

    with pytest.raises(CheckFailed, match=r"c_attn = nn.Linear\(8, 24\)"):
        checks.check_causal_self_attention(Separate)


# --- padding_mask --------------------------------------------------------------------------------

def test_padding_mask_reference_passes(capsys):
    checks.check_padding_mask(ref.padding_mask)
    assert "✓" in capsys.readouterr().out


def test_padding_mask_independent_version_passes():
    def loops(lengths, T):
        return torch.tensor([[t < n for t in range(T)] for n in lengths.tolist()], dtype=torch.bool)
    checks.check_padding_mask(loops)


@pytest.mark.parametrize("wrong, hint", [
    (lambda lengths, T: torch.arange(T).expand(len(lengths), T) >= lengths.unsqueeze(1), "you marked the padding"),
    (lambda lengths, T: torch.arange(T).expand(len(lengths), T) <= lengths.unsqueeze(1), "off by one"),
    (lambda lengths, T: torch.arange(T).unsqueeze(1) < lengths, "it must be \\(B, T\\)"),
    (lambda lengths, T: (torch.arange(T) < lengths.unsqueeze(1)).float(), "not 0/1 numbers"),
    (lambda lengths, T: (torch.arange(T) < lengths.unsqueeze(1)).long(), "not 0/1 numbers"),
])
def test_padding_mask_mistakes(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        checks.check_padding_mask(wrong)


# --- more of the students' mistakes, each named (written as a student would, not from the check's list) --

def _cross_parts(S1, S2, W_Q, W_K, W_V):
    Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
    return Q @ K.T / math.sqrt(K.shape[1]), V


def _float64_only_added(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask if mask.dtype == torch.float32 else scores.masked_fill(~mask.bool(), -math.inf)
    return scores.softmax(-1) @ v


def _bool_from_float(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        keep = mask if mask.dtype == torch.bool else mask == 0
        scores = scores.masked_fill(keep == False, -math.inf)  # noqa: E712
    return scores.softmax(-1) @ v


def _mask_scaled(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, -math.inf) if mask.dtype == torch.bool else scores + mask
    return (scores / math.sqrt(q.shape[-1])).softmax(-1) @ v


def _hard_coded(T, size=16):
    return torch.tril(torch.ones(size, size)).bool()[:T, :T]


MORE_MISTAKES = [
    (checks.check_cross_attention, lambda *a: (lambda s, V: (s.exp() / s.exp().sum()) @ V)(*_cross_parts(*a)),
     "softmax over the whole matrix"),
    (checks.check_cross_attention, lambda *a: (lambda s, V: (s.exp() / s.exp().sum(1)) @ V)(*_cross_parts(*a)),
     "row sums without keepdim"),
    (checks.check_cross_attention, lambda *a: (lambda s, V: s.log_softmax(1) @ V)(*_cross_parts(*a)),
     "log_softmax instead of softmax"),
    (checks.check_cross_attention, lambda S1, S2, W_Q, W_K, W_V: _cross(S1, S2, W_Q.t(), W_K.t(), W_V.t()),
     "weight matrices transposed"),
    (checks.check_cross_attention, lambda *a: _cross(*a).to(torch.float64), "float64 result"),
    # (told only the values that differ)
    (checks.check_cross_attention, lambda *a: _cross(*a) @ a[4], "values projected twice"),
    # (passed the check, no case had a dimension of size 1 to squeeze away, and lost the point in the hidden tests)
    (checks.check_scaled_dot_product_attention, lambda *a: ref.scaled_dot_product_attention(*a).squeeze(),
     "extra or missing dimensions of size 1"),
    (checks.check_cross_attention, lambda *a: _cross(*a).squeeze(), "extra or missing dimensions of size 1"),  # (the same)
    (checks.check_cross_attention, lambda *a: (lambda s, V: (s * a[3].shape[1]).softmax(-1) @ V)(*_cross_parts(*a)),
     "multiplied by √d_k"),
    (checks.check_cross_attention, lambda S1, S2, W_Q, W_K, W_V: _cross(S1, S2, W_Q, W_Q, W_V), "wrong weight matrix"),
    (checks.check_cross_attention, lambda *a: (lambda s, V: V.T @ s.softmax(-1).T)(*_cross_parts(*a)),
     "result transposed"),
    (checks.check_scaled_dot_product_attention, _float64_only_added, "only float32 masks added"),
    (checks.check_scaled_dot_product_attention, _bool_from_float, "float mask read as a boolean"),
    (checks.check_scaled_dot_product_attention, _mask_scaled, "mask scaled with the scores"),
    (checks.check_scaled_dot_product_attention,
     lambda q, k, v, m=None: _sdpa(q, k, v, None if m is None else m[None]), "mask unsqueezed"),
    (checks.check_scaled_dot_product_attention,
     lambda q, k, v, m=None: _sdpa(q, k.permute(0, 2, 1), v, m), "dimensions counted from the front"),
    (checks.check_scaled_dot_product_attention,
     lambda q, k, v, m=None: torch.bmm(torch.bmm(q, k.mT).softmax(-1), v), "torch.bmm on other shapes"),
    (checks.check_causal_mask, _hard_coded, "size hard-coded"),
    (checks.check_causal_mask, lambda T: _hard_coded(T, 8), "size hard-coded"),
    (checks.check_causal_mask, lambda T: torch.tril(torch.ones(T, T)).bool()[None], "extra dimensions"),
    (checks.check_causal_mask, lambda T: torch.tril(torch.ones(T, T)).bool().flip(1), "mask flipped"),
    (checks.check_padding_mask, lambda lengths, T: torch.arange(T) >= T - lengths.unsqueeze(1), "padding on the left"),
    (checks.check_padding_mask, lambda lengths, T: (torch.arange(T) < lengths.unsqueeze(1)).unsqueeze(1),
     "extra dimension"),
    (checks.check_split_heads, lambda x, nh: x.permute(0, 2, 1).contiguous().view(x.shape[0], nh, x.shape[1], -1),
     "transposed before the view"),
    (checks.check_split_heads, lambda x, nh: x.view(*x.shape[:2], nh, x.shape[2] / nh).transpose(1, 2),
     "head size as a float"),
    (checks.check_merge_heads, lambda x: x.mean(1), "heads summed"),
    (checks.check_merge_heads, lambda x: x.transpose(1, 2).flatten(2).view(x.shape[0], x.shape[1], -1),
     "dimensions read in the wrong order"),
    (checks.check_merge_heads, lambda x: x.transpose(2, 3).reshape(x.shape[0], x.shape[2], -1),
     "wrong dimensions transposed"),
]


@pytest.mark.parametrize("check, wrong, name", MORE_MISTAKES, ids=[f"{m[2]}-{i}" for i, m in enumerate(MORE_MISTAKES)])
def test_more_mistakes_are_named(check, wrong, name):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)


TWO_AT_ONCE = [  # (told only the values that differ: wa37)
    (checks.check_cross_attention, lambda *a: _cross(*a, scale=False, dim=0), "no scaling and softmax over the wrong dimension"),
    (checks.check_cross_attention, lambda *a: _cross(*a, divide_by_dk=True, dim=0),
     "divided by d_k and softmax over the wrong dimension"),
    (checks.check_cross_attention, lambda *a: _cross(*a, scale=False, swap=True), "no scaling and sentences swapped"),
    (checks.check_cross_attention, lambda *a: _cross(*a, dim=0, swap=True),
     "softmax over the wrong dimension and sentences swapped"),
    # the values' side wrong beside another mistake (wa42)
    (checks.check_cross_attention, lambda S1, S2, W_Q, W_K, W_V: F.softmax((S2 @ W_Q) @ (S1 @ W_K).T / math.sqrt(
        W_K.shape[1]), dim=0) @ (S2 @ W_V), "softmax over the wrong dimension and values from the wrong sentence"),
    (checks.check_cross_attention, lambda S1, S2, W_Q, W_K, W_V: F.softmax((S2 @ W_Q) @ (S1 @ W_K).T, dim=-1) @ S1,
     "no scaling and values not projected"),
    (checks.check_scaled_dot_product_attention, lambda q, k, v, m=None: _sdpa(q, k, v, m, scale="none", mask_style="after"),
     "no scaling and mask after softmax"),
    (checks.check_scaled_dot_product_attention, lambda q, k, v, m=None: _sdpa(q, k, v, m, scale="none", mask_style="zero"),
     "no scaling and masked with 0"),
    (checks.check_scaled_dot_product_attention, lambda q, k, v, m=None: _sdpa(q, k, v, m, scale="d", dim=-2),
     "divided by d and softmax over the wrong dimension"),
    (checks.check_scaled_dot_product_attention, lambda q, k, v, m=None: _sdpa(q, k, v, m, dim=-2, mask_style="inverted"),
     "softmax over the wrong dimension and mask inverted"),
]


TWO_AT_ONCE += [(checks.check_causal_self_attention, _student(**attributes), name) for attributes, name in [
    (dict(scale="none", transpose_back=False), "no scaling and merged without transpose"),
    (dict(scale="model", softmax_dim=-2), "scaled by √n_embd and softmax over the wrong dimension"),
    (dict(scale="none", mask="true_hides"), "no scaling and mask inverted"),
    (dict(mask="none", project=False), "no causal mask and no output projection"),
    (dict(fill=0.0, transpose_back=False), "masked with 0 and merged without transpose"),
    (dict(mask="strict", project=False), "diagonal hidden and no output projection"),  # (wa42)
]]

TWO_AT_ONCE += [(checks.check_padding_mask, wrong, name) for wrong, name in [
    (lambda lengths, T: torch.arange(T)[None, :] >= lengths[:, None] - 1, "True marks the padding and one real token short"),
    (lambda lengths, T: (torch.arange(T)[None, :] <= lengths[:, None]).long(), "off by one and numbers instead of booleans"),
    (lambda lengths, T: torch.arange(T)[None, :] < (T - lengths)[:, None], "True marks the padding and padding on the left"),
    (lambda lengths, T: torch.arange(int(lengths.max())).unsqueeze(0) <= lengths.unsqueeze(1),
     "off by one and width from the lengths, not T"),
    (lambda lengths, T: torch.arange(T).unsqueeze(1) >= lengths, "True marks the padding and (T, B) instead of (B, T)"),
]]

TWO_AT_ONCE += [(checks.check_causal_mask, wrong, name) for wrong, name in [
    (lambda T: torch.ones(T, T).triu(), "upper triangle and numbers instead of booleans"),
    (lambda T: torch.tril(torch.ones(T, T, dtype=torch.long), diagonal=-1), "diagonal missing and numbers instead of booleans"),
    (lambda T: torch.tril(torch.ones(T, T), diagonal=1), "one step of the future and numbers instead of booleans"),
    (lambda T: (torch.arange(T)[:, None] < torch.arange(T)[None, :]).int(), "True marks the future and numbers instead of booleans"),
]]


@pytest.mark.parametrize("check, wrong, name", TWO_AT_ONCE, ids=[m[2] for m in TWO_AT_ONCE])
def test_two_mistakes_at_once_are_named_after_both(check, wrong, name):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)
    assert "two mistakes at once" in str(info.value)


def test_a_mask_hard_coded_to_a_block_size_fails():
    # the hidden tests ask for masks up to T = 24; the check's longest is 40
    for size in (8, 16, 32):
        with pytest.raises(CheckFailed, match="size hard-coded"):
            checks.check_causal_mask(lambda T, size=size: _hard_coded(T, size))


def test_a_causal_mask_written_with_loops_passes():
    def loops(T):
        mask = torch.zeros(T, T, dtype=torch.bool)
        for i in range(T):
            for j in range(i + 1):
                mask[i, j] = True
        return mask
    checks.check_causal_mask(loops)


class InlineHeads(StudentAttention):
    """Heads split inline with view, never transposed to (B, n_head, T, hs): the mask then fails to broadcast."""

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head) for t in self.c_attn(x).split(C, dim=2))
        att = (q @ k.transpose(-2, -1) / math.sqrt(C // self.n_head)).masked_fill(self.bias[:T, :T] == 0, -math.inf)
        return self.c_proj((att.softmax(-1) @ v).reshape(B, T, C))


def test_heads_never_transposed_are_not_called_an_uncropped_mask():
    with pytest.raises(CheckFailed) as info:
        checks.check_causal_self_attention(InlineHeads)
    # not the mask's mistake: the shapes of the line that fails, named as such (wa35)
    assert info.value.mistake == "shapes do not fit", str(info.value)


@pytest.mark.parametrize("attributes, name", [
    (dict(p_fixed=0.1), "dropout rate not from config"),
    (dict(p_fixed=0.3), "dropout rate not from config"),
    (dict(dropout_on="none", resid_dropout=False), "dropout never applied"),
    (dict(dropout_on="output"), "attention dropout after the values"),
])
def test_more_dropout_mistakes_are_named(attributes, name):
    class Wrong(_student(**{k: v for k, v in attributes.items() if k != "p_fixed"})):
        def __init__(self, config):
            super().__init__(config)
            if "p_fixed" in attributes:
                self.drop.p = self.out_drop.p = attributes["p_fixed"]

        def forward(self, x):
            if self.dropout_on != "output":
                return super().forward(x)
            B, T, C = x.shape
            q, k, v = (t.view(B, T, self.n_head, -1).transpose(1, 2) for t in self.c_attn(x).split(C, dim=2))
            att = (q @ k.transpose(-2, -1) / math.sqrt(C // self.n_head)).masked_fill(self.bias[:T, :T] == 0, -math.inf)
            y = self.drop(att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
            return self.out_drop(self.c_proj(y))

    checks.check_causal_self_attention(Wrong)  # right in eval mode: only the dropout check fails it
    with pytest.raises(CheckFailed) as info:
        checks.check_attention_dropout(Wrong)
    assert info.value.mistake == name, str(info.value)


@pytest.mark.parametrize("kind", [nn.AlphaDropout, nn.Dropout2d, nn.FeatureAlphaDropout])
def test_a_dropout_of_another_kind_is_named(kind):
    class Wrong(StudentAttention):
        def __init__(self, config):
            super().__init__(config)
            self.drop = kind(config.dropout)

    checks.check_causal_self_attention(Wrong)  # (off in eval mode, as nn.Dropout is)
    with pytest.raises(CheckFailed) as info:
        checks.check_attention_dropout(Wrong)
    assert info.value.mistake == "another kind of dropout", str(info.value)
    assert f"nn.{kind.__name__}" in str(info.value)


class HeadByHead(StudentAttention):
    """Right multi-head attention written as a loop over the heads, each head's weights dropped on their own."""

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        heads = []
        for h in range(self.n_head):
            part = slice(h * hs, (h + 1) * hs)
            att = q[:, :, part] @ k[:, :, part].transpose(1, 2) / math.sqrt(hs)  # (B, T, T)
            att = att.masked_fill(self.bias[:T, :T] == 0, -math.inf).softmax(-1)
            heads.append(self.drop(att) @ v[:, :, part])  # (B, T, hs)
        return self.out_drop(self.c_proj(torch.cat(heads, dim=-1)))


def test_dropout_drawn_head_by_head_in_a_loop_over_the_heads_passes():
    """The lesson says a loop over the heads is correct; its dropout drawn head by head, in turn, was named a
    mistake and lost the dropout's point (rt47, 2026-12-06). It passes now, and the hidden test's reference
    for it, heads_dropped_in_turn, gives what such a loop gives; heads dropped in another order still fail."""
    checks.check_causal_self_attention(HeadByHead)  # right in eval mode
    checks.check_attention_dropout(HeadByHead)
    config = ref.AttentionConfig(block_size=8, n_head=4, n_embd=8, dropout=0.3)
    mine, theirs = HeadByHead(config).train(), ref.CausalSelfAttention(config).train()
    with torch.no_grad():
        theirs.c_attn.weight.copy_(mine.c_attn.weight)
        theirs.c_attn.bias.copy_(mine.c_attn.bias)
        theirs.c_proj.weight.copy_(mine.c_proj.weight)
        theirs.c_proj.bias.copy_(mine.c_proj.bias)
    x = torch.randn(2, 6, 8)
    with torch.no_grad():
        torch.manual_seed(3)
        got = mine(x)
        torch.manual_seed(3)
        want = checks.heads_dropped_in_turn(theirs, x)
        torch.manual_seed(3)
        whole = theirs(x)
    assert torch.allclose(got, want, atol=1e-6) and not torch.allclose(got, whole, atol=1e-3)


class HeadsBackwards(HeadByHead):
    """The loop's heads dropped last first: right in distribution, but neither order of draws the tests take."""

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        heads = {}
        for h in reversed(range(self.n_head)):
            part = slice(h * hs, (h + 1) * hs)
            att = q[:, :, part] @ k[:, :, part].transpose(1, 2) / math.sqrt(hs)  # (B, T, T)
            att = att.masked_fill(self.bias[:T, :T] == 0, -math.inf).softmax(-1)
            heads[h] = self.drop(att) @ v[:, :, part]  # (B, T, hs)
        return self.out_drop(self.c_proj(torch.cat([heads[h] for h in range(self.n_head)], dim=-1)))


def test_heads_dropped_in_another_order_fail_the_dropout_check_only():
    checks.check_causal_self_attention(HeadsBackwards)
    with pytest.raises(CheckFailed):
        checks.check_attention_dropout(HeadsBackwards)


def test_a_default_dtype_left_changed_is_named_and_put_back(capsys):
    # torch.set_default_dtype(torch.float64) inside an answer got ✓, and the kernel stayed float64: the same
    # cell's next assert, and the same check on a corrected answer, then failed inside the course's own code
    # with "Float did not match Double" (a probe's, 2026-12-04)
    def cross_attention(S1, S2, W_Q, W_K, W_V):
        torch.set_default_dtype(torch.float64)
        Q, K, V = S2 @ W_Q, S1 @ W_K, S1 @ W_V
        return torch.softmax(Q @ K.T / math.sqrt(K.shape[-1]), dim=-1) @ V
    try:
        with pytest.raises(CheckFailed) as info:
            checks.check_cross_attention(cross_attention)
        assert info.value.mistake == "default dtype changed", info.value
        assert torch.get_default_dtype() == torch.float32
        torch.set_default_dtype(torch.float64)  # as a cell of the student's own may leave it
        checks.check_cross_attention(lambda S1, S2, W_Q, W_K, W_V: ref.cross_attention(S1, S2, W_Q, W_K, W_V))
        out = capsys.readouterr().out
        assert "the default dtype was float64" in out and "✓ cross_attention" in out, out
        assert torch.get_default_dtype() == torch.float32
    finally:
        torch.set_default_dtype(torch.float32)


def test_a_helper_called_with_an_argument_of_the_students_own_is_named():
    """A red team's honest class (rt27, 2026-12-05) called its own causal_mask(T, dtype=torch.bool): graded
    with the course's causal_mask(T) in its place, it failed saying only "unexpected keyword argument"."""
    class OwnArgument(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.n_head = config.n_head
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
            self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            self.attn_dropout = nn.Dropout(config.dropout)
            self.resid_dropout = nn.Dropout(config.dropout)
            self.register_buffer("mask", causal_mask(config.block_size, dtype=torch.bool), persistent=False)

    causal_mask = ref.causal_mask  # (what the grading binds in the notebook; the class reads it from here)
    with pytest.raises(CheckFailed) as info:
        checks.check_causal_self_attention(OwnArgument)
    assert info.value.mistake == checks.HELPER_CALLED_OTHERWISE.name, str(info.value)
    assert "causal_mask(T).to(dtype)" in str(info.value), str(info.value)


def test_a_slice_of_the_buffer_kept_aside_is_told_to_slice_in_forward_not_to_register():
    # rt49's eve registered the mask as the statement says, and kept its slices in a dict keyed by T: model.to()
    # leaves those behind, as "mask not a buffer" says, but the fix it gave, "Register it, as the statement
    # says", was done already
    class Cached(StudentAttention):
        def __init__(self, config):
            super().__init__(config)  # (its mask is the buffer self.bias)
            self._masks = {}

        def forward(self, x):
            T = x.shape[1]
            self._masks.setdefault(T, self.bias[:T, :T])
            return super().forward(x)

    with pytest.raises(CheckFailed) as info:
        checks.check_causal_self_attention(Cached)
    assert info.value.mistake == "mask not a buffer", str(info.value)
    assert "self._masks[" in str(info.value) and "beside the buffer self.bias" in str(info.value), str(info.value)
    assert "Register it" not in str(info.value), str(info.value)
    assert "self.bias[:T, :T]" in str(info.value), str(info.value)


def test_a_submodule_handed_the_registered_mask_is_told_to_take_it_as_an_argument():
    # (rt49's yul: Head modules given the parent's buffer keep it as a plain attribute, which .to() leaves behind)
    class Handed(StudentAttention):
        def __init__(self, config):
            super().__init__(config)  # (its mask is the buffer self.bias)
            self.head = nn.Module()
            self.head.tril = self.bias

    with pytest.raises(CheckFailed) as info:
        checks.check_causal_self_attention(Handed)
    assert info.value.mistake == "mask not a buffer", str(info.value)
    assert "self.head.tril is a tensor kept as a plain attribute beside the buffer self.bias" in str(info.value)
    assert "a submodule may take the mask as an argument" in str(info.value), str(info.value)
    assert "Register it" not in str(info.value), str(info.value)


WA40_HEADS = [  # (one head, and one position of one channel, as the hidden tests have, passed the checks: wa40)
    (checks.check_split_heads, lambda x, nh: ref.split_heads(x, nh).squeeze(1)),
    (checks.check_merge_heads, lambda x: torch.cat(x.unbind(1), dim=-1).squeeze(1)),
]


@pytest.mark.parametrize("check, wrong", WA40_HEADS, ids=["split_heads", "merge_heads"])
def test_wa40_heads_of_size_one_are_checked_and_named(check, wrong):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == "a dimension of size 1 squeezed", str(info.value)
    assert "without .squeeze()" in str(info.value)


def _sdpa_softmax_over_dim_0(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, dim=0) @ v


@pytest.mark.parametrize("check, wrong, name", [
    (checks.check_scaled_dot_product_attention, _sdpa_softmax_over_dim_0, "softmax over the wrong dimension"),
    # over the heads and over the batch: where the mask hides a key from every head the softmax gave NaN, and
    # the check said 'NaN in the result'
    (checks.check_causal_self_attention, _student(softmax_dim=1), "softmax over the wrong dimension"),
    (checks.check_causal_self_attention, _student(softmax_dim=0), "softmax over the wrong dimension"),
    (checks.check_causal_self_attention, _student(mask="next"), "one step of the future"),
], ids=["sdpa dim=0", "attention dim=1", "attention dim=0", "attention tril(1)"])
def test_wa40_mistakes_are_named(check, wrong, name):  # (told only the values, or 'NaN in the result': wa40)
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)
    assert f"Mistake — {name}: " in str(info.value)


@pytest.mark.parametrize("wrong, name", [
    (lambda S1, S2, W_Q, W_K, W_V: torch.softmax((S1 @ W_Q) @ (S1 @ W_K).T / math.sqrt(W_K.shape[1]), dim=-1)
     @ (S1 @ W_V), "queries from the wrong sentence"),
    (lambda S1, S2, W_Q, W_K, W_V: torch.softmax((S2 @ W_Q).T @ (S1 @ W_K) / math.sqrt(W_K.shape[1]), dim=-1)
     @ (S1 @ W_V), "queries transposed instead of the keys"),
], ids=["queries from S1", "Q.T @ K"])
def test_wa40_cross_attention_mistakes_are_named(wrong, name):  # (told only the values: wa40)
    with pytest.raises(CheckFailed) as info:
        checks.check_cross_attention(wrong)
    assert info.value.mistake == name, str(info.value)
    assert f"Mistake — {name}: " in str(info.value)


# -- wa44: cross-attention, sdpa and padding mistakes that were unnamed or told without their cause ---

def _cross_column_max(S1, S2, W_Q, W_K, W_V):
    scores = (S2 @ W_Q) @ (S1 @ W_K).T / math.sqrt(W_K.shape[1])
    e = torch.exp(scores - scores.max(dim=0, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True) @ (S1 @ W_V)


def _cross_rows(S1, S2, W_Q, W_K, W_V):
    K, V = S1 @ W_K, S1 @ W_V
    return [torch.softmax(K @ (s @ W_Q) / math.sqrt(K.shape[1]), dim=0) @ V for s in S2]


def _cross_unscaled_transposed(S1, S2, W_Q, W_K, W_V):
    return (F.softmax((S2 @ W_Q) @ (S1 @ W_K).t(), dim=1) @ (S1 @ W_V)).t()


def _cross_d_in_and_columns(S1, S2, W_Q, W_K, W_V):
    return torch.softmax((S2 @ W_Q) @ (S1 @ W_K).T / math.sqrt(W_Q.shape[0]), dim=0) @ (S1 @ W_V)


def _padding_numpy_left(lengths, T):
    import numpy as np
    return torch.from_numpy(np.arange(T)[None, :] >= (T - lengths.numpy())[:, None]).int()


@pytest.mark.parametrize("check, wrong, name", [
    (checks.check_cross_attention, _cross_column_max, "largest score of each column subtracted"),
    (checks.check_cross_attention, _cross_rows, "list of rows instead of a tensor"),
    (checks.check_cross_attention, _cross_unscaled_transposed, "no scaling and result transposed"),
    (checks.check_cross_attention, _cross_d_in_and_columns, "softmax over the wrong dimension and scaled by the wrong size"),
    (checks.check_padding_mask, _padding_numpy_left, "padding on the left and numbers instead of booleans"),
])
def test_wa44_mistakes_are_named(check, wrong, name):
    with pytest.raises(CheckFailed) as info:
        check(wrong)
    assert info.value.mistake == name, str(info.value)


def test_a_dtype_compared_with_pythons_bool_is_told_so():
    def sdpa(q, k, v, mask=None):
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == bool else scores + mask
        return scores.softmax(-1) @ v
    with pytest.raises(CheckFailed) as info:
        checks.check_scaled_dot_product_attention(sdpa)
    assert info.value.mistake == "boolean mask added" and "mask.dtype == bool" in str(info.value), str(info.value)


class LastHeadLeftOut(HeadByHead):
    """The lesson's loop over the heads, one short: c_proj then gets C - head_size channels and raises."""

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        heads = []
        for h in range(self.n_head - 1):
            part = slice(h * hs, (h + 1) * hs)
            att = (q[:, :, part] @ k[:, :, part].transpose(1, 2) / math.sqrt(hs)).masked_fill(self.bias[:T, :T] == 0, -math.inf)
            heads.append(self.drop(att.softmax(-1)) @ v[:, :, part])
        return self.out_drop(self.c_proj(torch.cat(heads, dim=-1)))


def test_a_loop_over_the_heads_one_short_is_named():
    # (was told only 'shapes do not fit' at c_proj: wa44)
    with pytest.raises(CheckFailed) as info:
        checks.check_causal_self_attention(LastHeadLeftOut)
    assert info.value.mistake == "a head left out", str(info.value)
