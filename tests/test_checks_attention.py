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


def test_sdpa_plain_student_version_passes():
    checks.check_scaled_dot_product_attention(lambda q, k, v, m=None: _sdpa(q, k, v, m))


@pytest.mark.parametrize("wrong, hint", [
    (lambda T: torch.triu(torch.ones(T, T)).bool(), "upper triangle"),
    (lambda T: torch.triu(torch.ones(T, T), diagonal=1).bool(), "True must mean 'may attend'"),
    (lambda T: torch.tril(torch.ones(T, T), diagonal=-1).bool(), "diagonal is missing"),
])
def test_causal_mask_mistakes(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        checks.check_causal_mask(wrong)


def test_causal_mask_float_is_reported_by_dtype():
    with pytest.raises(CheckFailed, match="expected dtype torch.bool"):
        checks.check_causal_mask(lambda T: torch.tril(torch.ones(T, T)))


# --- heads ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("wrong, hint", [
    (lambda x, nh: x.view(x.shape[0], nh, x.shape[1], -1), "reshaped straight"),
    (lambda x, nh: x.view(*x.shape[:2], nh, -1), "transpose\\(1, 2\\) to put the heads"),
    (lambda x, nh: x.view(*x.shape[:2], -1, nh).permute(0, 3, 1, 2), "split as \\(hs, n_head\\)"),
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
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, hs).transpose(1, 2) for t in (q, k, v))
        att = q @ k.transpose(-2, -1)
        att = att * {"head": hs ** -0.5, "model": C ** -0.5, "none": 1.0}[self.scale]
        if self.dropout_on == "scores":
            att = self.drop(att)
        tri = self.bias[:T, :T]
        if self.mask == "tril":
            att = att.masked_fill(tri == 0, float("-inf"))
        elif self.mask == "triu":
            att = att.masked_fill(tri.T == 0, float("-inf"))
        elif self.mask == "true_hides":
            att = att.masked_fill(tri == 1, float("-inf"))
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
])
def test_causal_self_attention_mistakes(attributes, hint):
    check = checks.check_attention_dropout if "dropout" in hint else checks.check_causal_self_attention
    with pytest.raises(CheckFailed, match=hint):
        check(_student(**attributes))
    if check is checks.check_causal_self_attention:  # the dropout check names the same mistake first
        with pytest.raises(CheckFailed, match=hint):
            checks.check_attention_dropout(_student(**attributes))


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
