"""course.gpt against Hugging Face's GPT-2 (same weights → same logits, loss and greedy text), and
its KV cache against plain recomputation."""
import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from transformers import GPT2Config, GPT2LMHeadModel

from course.attention import CausalSelfAttention
from course.gpt import GPT, GPTConfig

torch.set_num_threads(1)

TINY = dict(vocab_size=61, block_size=24, n_layer=2, n_head=2, n_embd=16)


def _gpt(seed, scale=0.3, **overrides):
    """A tiny GPT with all weights (LayerNorms included) drawn at ``scale``, so outputs are far from
    uniform and every parameter's place matters."""
    torch.manual_seed(seed)
    model = GPT(GPTConfig(**{**TINY, **overrides}))
    if scale:
        with torch.no_grad():
            for p in model.parameters():
                p.normal_(0, scale)
    return model.eval()


def _hf(seed, scale=0.3, **overrides):
    c = {**TINY, **overrides}
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=c["vocab_size"], n_positions=c["block_size"], n_layer=c["n_layer"],
                        n_head=c["n_head"], n_embd=c["n_embd"], bos_token_id=None, eos_token_id=None)
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, scale)
    return model.eval()


def _hf_greedy(hf, idx, n):
    return hf.generate(idx, attention_mask=torch.ones_like(idx), max_new_tokens=n, min_new_tokens=n,
                       do_sample=False, pad_token_id=0)


# --- same as Hugging Face ------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_logits_and_loss_equal_hf_to_hf(seed):
    model = _gpt(seed)
    hf = model.to_hf().eval()
    idx = torch.randint(0, TINY["vocab_size"], (3, 20))
    targets = torch.cat([idx[:, 1:], torch.full((3, 1), -1)], dim=1)  # next token; last one ignored
    with torch.no_grad():
        logits, loss = model(idx, targets)
        out = hf(idx, labels=idx)  # HF shifts the labels itself
    torch.testing.assert_close(logits, out.logits, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(loss, out.loss)


@pytest.mark.parametrize("seed", range(3))
def test_logits_equal_hf_from_hf(seed):
    hf = _hf(seed)
    model = GPT.from_hf(hf)
    idx = torch.randint(0, TINY["vocab_size"], (2, TINY["block_size"]))
    with torch.no_grad():
        torch.testing.assert_close(model(idx)[0], hf(idx).logits, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("seed", range(3))
def test_greedy_generation_equals_hf_both_directions(seed):
    idx = torch.randint(0, TINY["vocab_size"], (2, 4), generator=torch.Generator().manual_seed(seed))
    ours = _gpt(seed)
    torch.testing.assert_close(ours.generate(idx, 15, greedy=True), _hf_greedy(ours.to_hf(), idx, 15),
                               rtol=0, atol=0)
    hf = _hf(seed + 10)
    torch.testing.assert_close(GPT.from_hf(hf).generate(idx, 15, greedy=True), _hf_greedy(hf, idx, 15),
                               rtol=0, atol=0)


@pytest.mark.parametrize("seed", range(2))
def test_round_trips_are_exact(seed):
    model = _gpt(seed)
    back = GPT.from_hf(model.to_hf())
    assert back.config == model.config
    theirs = back.state_dict()
    for name, value in model.state_dict().items():
        assert torch.equal(theirs[name], value), name
    hf = _hf(seed)
    again = GPT.from_hf(hf).to_hf().state_dict()
    for name, value in hf.state_dict().items():
        assert torch.equal(again[name], value), name


def test_hf_conversion_errors():
    with pytest.raises(ValueError, match="bias=True"):
        _gpt(0, bias=False).to_hf()
    with pytest.raises(TypeError, match="GPT2LMHeadModel"):
        GPT.from_hf(_gpt(0))
    relu = GPT2LMHeadModel(GPT2Config(vocab_size=10, n_positions=8, n_layer=1, n_head=1, n_embd=4,
                                      activation_function="relu", bos_token_id=None, eos_token_id=None))
    with pytest.raises(ValueError, match="activation_function='relu'"):
        GPT.from_hf(relu)


# --- the model itself ----------------------------------------------------------------------------

def test_loss_ignores_targets_set_to_minus_one():
    model = _gpt(0)
    idx = torch.randint(0, TINY["vocab_size"], (2, 10))
    targets = torch.randint(0, TINY["vocab_size"], (2, 10))
    keep = torch.rand(2, 10) < 0.5
    keep[0, 0] = True
    with torch.no_grad():
        logits, loss = model(idx, targets.masked_fill(~keep, -1))
    expected = F.cross_entropy(logits[keep], targets[keep])
    torch.testing.assert_close(loss, expected)
    assert model(idx)[1] is None


def test_init_follows_gpt2():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=100, block_size=32, n_layer=4, n_head=4, n_embd=64))
    assert model.lm_head.weight is model.transformer.wte.weight
    for name, p in model.named_parameters():
        if name.endswith("c_proj.weight"):
            assert abs(p.std().item() - 0.02 / math.sqrt(8)) < 0.1 * 0.02 / math.sqrt(8), name
        elif name.endswith(("c_attn.weight", "c_fc.weight", "wte.weight", "wpe.weight")):
            assert abs(p.std().item() - 0.02) < 0.1 * 0.02, name
        elif "ln" in name and name.endswith("weight"):
            assert torch.equal(p, torch.ones_like(p)), name
        else:  # biases
            assert torch.equal(p, torch.zeros_like(p)), name


@pytest.mark.parametrize("bias", [True, False])
def test_num_params(bias):
    V, Tb, L, C = 61, 24, 3, 16
    model = GPT(GPTConfig(vocab_size=V, block_size=Tb, n_layer=L, n_head=2, n_embd=C, bias=bias))
    b = 1 if bias else 0
    per_block = (2 * (C + b * C)                       # two LayerNorms
                 + C * 3 * C + b * 3 * C + C * C + b * C  # attention
                 + C * 4 * C + b * 4 * C + 4 * C * C + b * C)  # MLP
    expected = V * C + Tb * C + L * per_block + C + b * C  # the head is tied to wte
    assert model.num_params() == expected
    assert model.num_params(non_embedding=True) == expected - Tb * C


def test_config_is_an_attention_config():
    config = GPTConfig(**TINY)
    assert CausalSelfAttention(config)(torch.randn(1, 3, 16)).shape == (1, 3, 16)
    with pytest.raises(ValueError, match="vocab_size must be a positive int"):
        GPTConfig(**{**TINY, "vocab_size": 0})
    with pytest.raises(ValueError, match="not divisible by n_head"):
        GPTConfig(**{**TINY, "n_head": 3})


def test_bias_free_model_runs_and_learns_shapes():
    model = _gpt(0, bias=False)
    idx = torch.randint(0, TINY["vocab_size"], (2, 5))
    logits, loss = model(idx, idx)
    assert logits.shape == (2, 5, TINY["vocab_size"]) and loss.shape == ()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_forward_with_past_kv_equals_full_forward():
    model = _gpt(7)
    idx = torch.randint(0, TINY["vocab_size"], (2, 12))
    with torch.no_grad():
        full, _ = model(idx)
        first, _, past = model(idx[:, :7], use_cache=True)
        rest, _ = model(idx[:, 7:], past_kv=past)  # a cache can be read without extending it
    assert len(past) == TINY["n_layer"] and past[0][0].shape == (2, 2, 7, 8)
    torch.testing.assert_close(torch.cat([first, rest], dim=1), full)
    with pytest.raises(ValueError, match="past_kv has 1 entries but the model has 2 layers"):
        model(idx[:, :1], past_kv=past[:1])


def test_forward_errors():
    model = _gpt(0)
    with pytest.raises(ValueError, match="longer than block_size=24"):
        model(torch.zeros(1, 25, dtype=torch.long))
    with pytest.raises(ValueError, match=r"outside the vocabulary 0..60"):
        model(torch.tensor([[1, 61]]))
    with pytest.raises(TypeError, match=r"integer token ids.*\.long\(\)"):
        model(torch.zeros(1, 3))
    with pytest.raises(ValueError, match="targets has shape"):
        model(torch.zeros(1, 3, dtype=torch.long), torch.zeros(1, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="or -1 for positions the loss should ignore"):
        model(torch.zeros(1, 3, dtype=torch.long), torch.full((1, 3), -100))


# --- generation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("sampling", [dict(greedy=True), dict(), dict(temperature=0.7, top_k=10),
                                      dict(top_p=0.8)])
def test_kv_cache_generation_equals_recomputation(seed, sampling):
    model = _gpt(seed)
    idx = torch.randint(0, TINY["vocab_size"], (3, 5), generator=torch.Generator().manual_seed(seed))
    with_cache = model.generate(idx, 19, use_cache=True, generator=torch.Generator().manual_seed(seed),
                                **sampling)
    without = model.generate(idx, 19, use_cache=False, generator=torch.Generator().manual_seed(seed),
                             **sampling)
    assert with_cache.shape == (3, 24)
    assert torch.equal(with_cache[:, :5], idx)
    torch.testing.assert_close(with_cache, without, rtol=0, atol=0)


class _TuplesOnly(torch.nn.Module):
    """An attention of one's own (lesson 03 builds a GPT from the student's class): it knows only the
    ``(k, v)`` tuple cache, so ``generate`` must not hand it the course's in-place ``KVCache``."""

    def __init__(self, config):
        super().__init__()
        self.inner = CausalSelfAttention(config)

    def forward(self, x, past_kv=None, use_cache=False):
        assert past_kv is None or isinstance(past_kv, tuple), type(past_kv)
        return self.inner(x, past_kv=past_kv, use_cache=use_cache)


def test_generation_with_an_attention_of_ones_own_uses_tuples():
    ours = _gpt(5)
    torch.manual_seed(0)
    theirs = GPT(GPTConfig(**TINY), attention=_TuplesOnly)
    theirs.load_state_dict({k.replace(".attn.", ".attn.inner."): v for k, v in ours.state_dict().items()})
    idx = torch.randint(0, TINY["vocab_size"], (2, 4))
    torch.testing.assert_close(theirs.generate(idx, 15, greedy=True), ours.generate(idx, 15, greedy=True),
                               rtol=0, atol=0)


def test_greedy_generation_equals_argmax_loop():
    model = _gpt(4)
    idx = torch.randint(0, TINY["vocab_size"], (2, 3))
    expected = idx
    with torch.no_grad():
        for _ in range(10):
            expected = torch.cat([expected, model(expected)[0][:, -1].argmax(-1, keepdim=True)], dim=1)
    torch.testing.assert_close(model.generate(idx, 10, greedy=True), expected, rtol=0, atol=0)


@pytest.mark.parametrize("use_cache", [True, False])
@pytest.mark.parametrize("prompt_length", [5, 30])
def test_crop_slides_the_window(use_cache, prompt_length):
    model = _gpt(5, block_size=8)
    idx = torch.randint(0, TINY["vocab_size"], (2, prompt_length))
    expected = idx
    with torch.no_grad():  # an independent sliding window: always the last 8 tokens
        for _ in range(12):
            logits = model(expected[:, -8:])[0][:, -1]
            expected = torch.cat([expected, logits.argmax(-1, keepdim=True)], dim=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = model.generate(idx, 12, greedy=True, crop=True, use_cache=use_cache)
    torch.testing.assert_close(out, expected, rtol=0, atol=0)
    crop_warnings = [w for w in caught if "block_size=8" in str(w.message)]
    assert len(crop_warnings) == 1 and crop_warnings[0].filename == __file__


def test_generate_restores_training_mode_and_turns_dropout_off():
    model = _gpt(6, dropout=0.5).train()
    idx = torch.randint(0, TINY["vocab_size"], (2, 3))
    a = model.generate(idx, 8, greedy=True)
    assert model.training
    torch.testing.assert_close(a, model.eval().generate(idx, 8, greedy=True), rtol=0, atol=0)
    assert torch.equal(model.generate(idx, 0), idx)


def test_generate_errors():
    model = _gpt(0, block_size=8)
    with pytest.raises(ValueError, match="the prompt has 10 tokens but the model's block_size is 8.*crop=True"):
        model.generate(torch.zeros(1, 10, dtype=torch.long), 1)
    with pytest.raises(ValueError, match=r"prompt \(5 tokens\) \+ max_new_tokens \(4\) = 9 exceeds "
                                         r"block_size=8: ask for at most 3 new tokens, or pass crop=True"):
        model.generate(torch.zeros(1, 5, dtype=torch.long), 4)
    with pytest.raises(ValueError, match="empty"):
        model.generate(torch.zeros(1, 0, dtype=torch.long), 3)
    with pytest.raises(ValueError, match=r"unsqueeze\(0\)"):
        model.generate(torch.zeros(4, dtype=torch.long), 3)
    with pytest.raises(ValueError, match="max_new_tokens must be a non-negative int"):
        model.generate(torch.zeros(1, 2, dtype=torch.long), -1)


# --- your own attention (lesson 03) --------------------------------------------------------------

class _PlainAttention(torch.nn.Module):
    """A minimal causal self-attention with forward(x) only, written with PyTorch's fused kernel."""

    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.c_attn = torch.nn.Linear(config.n_embd, 3 * config.n_embd)
        self.c_proj = torch.nn.Linear(config.n_embd, config.n_embd)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.n_head, -1).transpose(1, 2) for t in self.c_attn(x).split(C, dim=2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


def test_gpt_with_another_attention_class_gives_the_same_logits():
    reference = _gpt(0)
    theirs = GPT(GPTConfig(**TINY), attention=_PlainAttention).eval()
    assert all(isinstance(block.attn, _PlainAttention) for block in theirs.transformer.h)
    theirs.load_state_dict(reference.state_dict())
    idx = torch.randint(0, TINY["vocab_size"], (2, 9), generator=torch.Generator().manual_seed(0))
    targets = torch.randint(0, TINY["vocab_size"], (2, 9), generator=torch.Generator().manual_seed(1))
    (l1, loss1), (l2, loss2) = reference(idx, targets), theirs(idx, targets)
    torch.testing.assert_close(l2, l1)
    torch.testing.assert_close(loss2, loss1)
    # the GPT's initialisation reaches the plugged-in module too (GPT-2's scaled c_proj)
    fresh = GPT(GPTConfig(**TINY), attention=_PlainAttention)
    std = fresh.transformer.h[0].attn.c_proj.weight.std().item()
    assert abs(std - 0.02 / math.sqrt(2 * TINY["n_layer"])) < 0.004


# --- the exact GELU and bfloat16 autocast (speed options, lesson 05) -------------------------------

@pytest.mark.parametrize("seed", range(2))
def test_exact_gelu_equals_hf_gelu_both_directions(seed):
    model = _gpt(seed, gelu_approximate="none")
    assert model.transformer.h[0].mlp.gelu.approximate == "none"
    hf = model.to_hf().eval()
    assert hf.config.activation_function == "gelu"
    idx = torch.randint(0, TINY["vocab_size"], (2, 17))
    with torch.no_grad():
        torch.testing.assert_close(model(idx)[0], hf(idx).logits, atol=1e-5, rtol=1e-4)
        back = GPT.from_hf(hf).eval()
        assert back.config.gelu_approximate == "none"
        torch.testing.assert_close(back(idx)[0], model(idx)[0], atol=0, rtol=0)
        # and it is really the exact GELU, x * Phi(x), not GPT-2's tanh approximation
        x = torch.linspace(-4, 4, 101)
        exact = x * 0.5 * (1 + torch.erf(x / math.sqrt(2)))
        torch.testing.assert_close(model.transformer.h[0].mlp.gelu(x), exact)
        assert (_gpt(seed).transformer.h[0].mlp.gelu(x) - exact).abs().max() > 1e-4


def test_gelu_approximate_is_checked():
    with pytest.raises(ValueError, match="gelu_approximate must be 'tanh'.*or 'none'.*got 'erf'"):
        GPTConfig(**TINY, gelu_approximate="erf")


@pytest.mark.parametrize("bias", [True, False])
def test_bfloat16_autocast_follows_float32_and_trains(bias):
    model = _gpt(0, scale=0.1, bias=bias, gelu_approximate="none")
    idx = torch.randint(0, TINY["vocab_size"], (3, 20))
    targets = torch.randint(0, TINY["vocab_size"], (3, 20))
    with torch.no_grad():
        want = model(idx)[0]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            got = model(idx)[0]
    assert got.dtype == torch.bfloat16
    torch.testing.assert_close(got.float(), want, atol=0.1, rtol=0.05)  # bfloat16 keeps ~3 digits
    model.train()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        _, loss = model(idx, targets)
    loss.backward()
    assert loss.dtype == torch.float32
    assert all(p.grad is not None and p.grad.dtype == torch.float32 and p.grad.isfinite().all()
               for p in model.parameters())
