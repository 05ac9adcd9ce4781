"""Lesson 04: the hand-written LSTM cell, stepwise = whole-sequence, CharLSTM and its generation,
and the random-window batches it trains on."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from course.data import RandomWindows, windows_at
from course.lstm import (LESSON_BATCH, LESSON_CONFIG, LESSON_TRAIN, CharLSTM, CharLSTMConfig, generate_text,
                         lstm_cell, run_stepwise, sequence_loss)

torch.set_num_threads(1)


def tiny_model(seed=0, vocab_size=13, n_layers=2, dropout=0.0):
    torch.manual_seed(seed)
    return CharLSTM(CharLSTMConfig(vocab_size=vocab_size, n_embd=8, hidden_size=16, n_layers=n_layers,
                                   dropout=dropout))


# --- the cell ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("bias", [True, False])
def test_lstm_cell_equals_nn_lstmcell(seed, bias):
    torch.manual_seed(seed)
    B, I, H = 1 + seed, 3 + seed, 2 + 2 * seed
    cell = nn.LSTMCell(I, H, bias=bias)
    with torch.no_grad():
        for p in cell.parameters():
            p.normal_()  # larger than the default init, so every gate matters
    x, h, c = torch.randn(B, I), torch.randn(B, H), torch.randn(B, H)
    want_h, want_c = cell(x, (h, c))
    got_h, got_c = lstm_cell(x, h, c, cell.weight_ih, cell.weight_hh, cell.bias_ih if bias else None,
                             cell.bias_hh if bias else None)
    torch.testing.assert_close(got_h, want_h)
    torch.testing.assert_close(got_c, want_c)


def test_lstm_cell_unrolled_equals_nn_lstm_layer():
    torch.manual_seed(1)
    lstm = nn.LSTM(4, 5, batch_first=True)
    x = torch.randn(3, 7, 4)
    want, (h_n, c_n) = lstm(x)
    h, c = torch.zeros(3, 5), torch.zeros(3, 5)
    outs = []
    for t in range(7):
        h, c = lstm_cell(x[:, t], h, c, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
        outs.append(h)
    torch.testing.assert_close(torch.stack(outs, dim=1), want)
    torch.testing.assert_close(c, c_n[0])


def test_lstm_cell_shape_errors():
    x, h, c = torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4)
    W_ih, W_hh = torch.randn(16, 3), torch.randn(16, 4)
    with pytest.raises(ValueError, match=r"W_hh has shape \(16, 3\).*should be \(16, 4\)"):
        lstm_cell(x, h, c, W_ih, torch.randn(16, 3))
    with pytest.raises(ValueError, match="x must be a 2-D tensor"):
        lstm_cell(torch.randn(3), h, c, W_ih, W_hh)
    with pytest.raises(ValueError, match=r"b_ih has shape \(12,\), expected \(16,\)"):
        lstm_cell(x, h, c, W_ih, W_hh, torch.randn(12), None)


# --- stepwise = whole sequence ------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("num_layers", [1, 3])
@pytest.mark.parametrize("batch_first", [True, False])
def test_run_stepwise_equals_whole_sequence(seed, num_layers, batch_first):
    torch.manual_seed(seed)
    lstm = nn.LSTM(5, 6, num_layers=num_layers, batch_first=batch_first)
    x = torch.randn(2, 9, 5) if batch_first else torch.randn(9, 2, 5)
    state = (torch.randn(num_layers, 2, 6), torch.randn(num_layers, 2, 6)) if seed % 2 else None
    want, (want_h, want_c) = lstm(x, state)
    got, (got_h, got_c) = run_stepwise(lstm, x, state)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(got_h, want_h)
    torch.testing.assert_close(got_c, want_c)


def test_run_stepwise_errors():
    with pytest.raises(TypeError, match="must be a torch.nn.LSTM"):
        run_stepwise(nn.GRU(3, 4), torch.randn(1, 2, 3))
    with pytest.raises(ValueError, match=r"3-D tensor \(B, T, input_size\)"):
        run_stepwise(nn.LSTM(3, 4, batch_first=True), torch.randn(2, 3))


# --- sequence loss ---------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_sequence_loss_equals_cross_entropy_on_class_axis(seed):
    gen = torch.Generator().manual_seed(seed)
    B, T, V = 2 + seed, 5, 7 + seed
    logits, targets = torch.randn(B, T, V, generator=gen), torch.randint(0, V, (B, T), generator=gen)
    # independent form: nn.CrossEntropyLoss with the classes on axis 1, (B, V, T)
    want = nn.CrossEntropyLoss()(logits.transpose(1, 2), targets)
    torch.testing.assert_close(sequence_loss(logits, targets), want)
    manual = -torch.log_softmax(logits, -1).gather(-1, targets[..., None]).mean()
    torch.testing.assert_close(sequence_loss(logits, targets), manual)


def test_sequence_loss_errors():
    logits, targets = torch.randn(2, 5, 7), torch.randint(0, 7, (2, 5))
    with pytest.raises(ValueError, match=r"look like \(B, V, T\).*transpose\(1, 2\)"):
        sequence_loss(logits.transpose(1, 2), targets)
    with pytest.raises(ValueError, match="shifted by one"):
        sequence_loss(logits, torch.randint(0, 7, (2, 6)))
    with pytest.raises(ValueError, match=r"logits must be a 3-D tensor \(B, T, V\)"):
        sequence_loss(logits.reshape(10, 7), targets.reshape(10))
    with pytest.raises(ValueError, match="dtype torch.long"):
        sequence_loss(logits, targets.float())


# --- CharLSTM ----------------------------------------------------------------------------------------

def test_charlstm_forward_loss_and_state_shapes():
    model = tiny_model(n_layers=3)
    idx = torch.randint(0, 13, (4, 6))
    targets = torch.randint(0, 13, (4, 6))
    logits, loss = model(idx, targets)
    assert logits.shape == (4, 6, 13)
    torch.testing.assert_close(loss, F.cross_entropy(logits.transpose(1, 2), targets))
    assert model(idx)[1] is None
    _, (h, c) = model.forward_with_state(idx)
    assert h.shape == c.shape == (3, 4, 16)


def test_charlstm_state_carries_the_sequence():
    model = tiny_model(seed=3)
    idx = torch.randint(0, 13, (2, 10))
    whole, _ = model.forward_with_state(idx)
    first, state = model.forward_with_state(idx[:, :4])
    second, _ = model.forward_with_state(idx[:, 4:], state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole)


def test_charlstm_errors():
    model = tiny_model()
    with pytest.raises(ValueError, match=r"token ids must lie in \[0, 12\].*got ids from 0 to 13"):
        model(torch.tensor([[0, 13]]))
    with pytest.raises(ValueError, match=r"idx must be a \(B, T\) tensor"):
        model(torch.randn(2, 3, 4))
    with pytest.raises(ValueError, match="dtype torch.long"):
        model(torch.zeros(1, 3))
    with pytest.raises(ValueError, match=r"state must be \(h, c\), each of shape .*\(2, 1, 16\)"):
        model(torch.zeros(1, 3, dtype=torch.long), state=(torch.zeros(1, 1, 16), torch.zeros(1, 1, 16)))
    with pytest.raises(ValueError, match="dropout must lie in"):
        CharLSTMConfig(vocab_size=5, dropout=1.0)
    with pytest.raises(ValueError, match="vocab_size must be a positive integer"):
        CharLSTMConfig(vocab_size=0)


# --- generation --------------------------------------------------------------------------------------

def slow_greedy(model, idx, n):
    """Independent, slow generation: re-run the whole text for every new token."""
    with torch.no_grad():
        for _ in range(n):
            logits, _ = model(idx)
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return idx


@pytest.mark.parametrize("seed", range(3))
def test_generate_with_state_equals_rerunning_the_prefix(seed):
    model = tiny_model(seed=seed, n_layers=1 + seed).eval()
    with torch.no_grad():  # sharper, state-dependent predictions than at initialisation
        for p in model.parameters():
            p.mul_(3.0)
    prompt = torch.randint(0, 13, (2, 5), generator=torch.Generator().manual_seed(seed))
    want = slow_greedy(model, prompt, 25)
    got = model.generate(prompt, 25, greedy=True)
    assert torch.equal(got, want)
    assert len(set(got[:, 5:].flatten().tolist())) > 1  # not a degenerate repetition of one token


def slow_sample(model, idx, n, temperature, generator):
    with torch.no_grad():
        for _ in range(n):
            logits, _ = model(idx)
            probs = F.softmax(logits[:, -1] / temperature, dim=-1)
            idx = torch.cat([idx, torch.multinomial(probs, 1, generator=generator)], dim=1)
    return idx


@pytest.mark.parametrize("seed", range(2))
def test_sampled_generation_equals_rerunning_the_prefix_with_the_same_random_draws(seed):
    model = tiny_model(seed=seed, n_layers=2).eval()
    prompt = torch.randint(0, 13, (3, 4), generator=torch.Generator().manual_seed(seed))
    want = slow_sample(model, prompt, 40, 0.8, torch.Generator().manual_seed(seed))
    got = model.generate(prompt, 40, temperature=0.8, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(got, want)
    assert len(set(got[:, 4:].flatten().tolist())) > 5


def test_generate_runs_the_prompt_once_then_one_step_at_a_time():
    model = tiny_model()
    lengths = []
    hook = model.lstm.register_forward_hook(lambda module, args, out: lengths.append(args[0].shape[1]))
    model.generate(torch.randint(0, 13, (1, 7)), 30)
    hook.remove()
    assert lengths == [7] + [1] * 29  # the prompt, then one step per further token; never the prefix again


def test_generate_is_reproducible_with_a_seeded_generator():
    model = tiny_model(seed=5)
    prompt = torch.tensor([1, 2, 3])
    a = model.generate(prompt, 40, generator=torch.Generator().manual_seed(7))
    b = model.generate(prompt, 40, generator=torch.Generator().manual_seed(7))
    c = model.generate(prompt, 40, generator=torch.Generator().manual_seed(8))
    assert a.shape == (43,) and torch.equal(a[:3], prompt)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_generate_samples_from_softmax_over_temperature():
    # A one-token continuation sampled many times follows softmax(logits / temperature).
    model = tiny_model(seed=2)
    prompt = torch.tensor([[4, 5]])
    with torch.no_grad():
        logits, _ = model(prompt)
    probs = F.softmax(logits[0, -1] / 0.5, dim=-1)
    gen = torch.Generator().manual_seed(0)
    draws = torch.stack([model.generate(prompt, 1, temperature=0.5, generator=gen)[0, -1] for _ in range(3000)])
    freq = torch.bincount(draws, minlength=13).float() / 3000
    assert (freq - probs).abs().max() < 0.04


def test_generate_uses_eval_mode_and_restores_training():
    model = tiny_model(dropout=0.5).train()
    prompt = torch.randint(0, 13, (1, 4))
    a = model.generate(prompt, 20, greedy=True)
    b = model.generate(prompt, 20, greedy=True)
    assert torch.equal(a, b)  # no dropout noise
    assert model.training


def test_generate_errors():
    model = tiny_model()
    prompt = torch.tensor([[1, 2]])
    with pytest.raises(ValueError, match="temperature must be positive, got 0"):
        model.generate(prompt, 5, temperature=0)
    with pytest.raises(ValueError, match="temperature must be positive"):
        model.generate(prompt, 5, temperature=-1.0)
    with pytest.raises(ValueError, match="the prompt is empty"):
        model.generate(torch.zeros(1, 0, dtype=torch.long), 5)
    with pytest.raises(ValueError, match="max_new_tokens must be a non-negative integer"):
        model.generate(prompt, -1)


class DictTokenizer:
    """A minimal tokenizer for the tests: a dict lookup that raises KeyError for unknown characters."""

    def __init__(self, text):
        self.itos = sorted(set(text))
        self.stoi = {ch: i for i, ch in enumerate(self.itos)}
        self.vocab_size = len(self.itos)

    def encode(self, text):
        return [self.stoi[ch] for ch in text]

    def decode(self, ids):
        return "".join(self.itos[i] for i in ids)


def test_generate_text_with_the_course_tokenizer():
    from course.tokenization import CharTokenizer, UnknownCharacterError

    tok = CharTokenizer.from_text("to be or not to be, that is the question")
    model = tiny_model(vocab_size=tok.vocab_size)
    text = generate_text(model, tok, "to be", 20, generator=torch.Generator().manual_seed(0))
    assert isinstance(text, str) and text.startswith("to be") and len(text) == 25
    again = generate_text(model, tok, "to be", 20, generator=torch.Generator().manual_seed(0))
    assert text == again
    with pytest.raises(UnknownCharacterError, match="Z"):
        generate_text(model, tok, "to Ze", 5)


def test_generate_text_errors():
    tok = DictTokenizer("abc ")
    model = tiny_model(vocab_size=4)
    assert generate_text(model, tok, "ab", 3, greedy=True).startswith("ab")
    with pytest.raises(ValueError, match="the prompt contains 'x', which is not in the tokenizer's vocabulary"):
        generate_text(model, tok, "axb", 3)
    with pytest.raises(ValueError, match="the tokenizer has 4 tokens but the model was built for 13"):
        generate_text(tiny_model(vocab_size=13), tok, "ab", 3)
    with pytest.raises(ValueError, match="prompt must be a non-empty string"):
        generate_text(model, tok, "", 3)
    with pytest.raises(ValueError, match="temperature must be positive"):
        generate_text(model, tok, "ab", 3, temperature=0.0)


def test_lesson_defaults_build_a_model_and_schedule():
    model = CharLSTM(CharLSTMConfig(vocab_size=83, **LESSON_CONFIG))
    x = torch.zeros(2, LESSON_BATCH["block_size"], dtype=torch.long)
    assert model(x)[0].shape == (2, LESSON_BATCH["block_size"], 83)
    assert LESSON_TRAIN.max_iters > LESSON_TRAIN.warmup_iters


# --- random windows ------------------------------------------------------------------------------------

def test_windows_at_equals_slicing():
    data = torch.arange(100) * 7 % 31
    starts = [0, 5, 90, 42]
    x, y = windows_at(data, starts, 9)
    assert x.shape == y.shape == (4, 9)
    for row, s in enumerate(starts):
        assert x[row].tolist() == data.tolist()[s:s + 9]
        assert y[row].tolist() == data.tolist()[s + 1:s + 10]


def test_random_windows_are_shifted_windows_of_the_data():
    data = torch.randperm(500)  # distinct values: a window's first value tells where it starts
    sampler = RandomWindows(data, block_size=16, batch_size=8, seed=3)
    for _ in range(20):
        x, y = sampler.sample()
        assert x.shape == y.shape == (8, 16) and x.dtype == torch.long
        for row in range(8):
            s = int((data == x[row, 0]).nonzero())
            assert torch.equal(x[row], data[s:s + 16])
            assert torch.equal(y[row], data[s + 1:s + 17])


def test_random_windows_reach_both_ends_and_are_reproducible():
    data = torch.arange(12)
    starts = set()
    sampler = RandomWindows(data, block_size=5, batch_size=4, seed=0)
    for _ in range(50):
        x, _ = sampler()
        starts.update(x[:, 0].tolist())
    assert starts == set(range(7))  # 0 .. len - block_size - 1
    a = [RandomWindows(data, 5, 4, seed=9).sample() for _ in range(2)]
    assert torch.equal(a[0][0], a[1][0])
    s1, s2 = RandomWindows(torch.arange(1000), 5, 4, seed=1), RandomWindows(torch.arange(1000), 5, 4, seed=2)
    assert not torch.equal(s1.sample()[0], s2.sample()[0])
    only = RandomWindows(torch.arange(6), block_size=5, batch_size=3, seed=0).sample()
    assert only[0].tolist() == [[0, 1, 2, 3, 4]] * 3 and only[1].tolist() == [[1, 2, 3, 4, 5]] * 3


def test_random_windows_errors():
    with pytest.raises(ValueError, match=r"data has 5 tokens but a window of block_size=5 needs 6"):
        RandomWindows(torch.arange(5), block_size=5, batch_size=2)
    with pytest.raises(ValueError, match="1-D tensor of token ids"):
        RandomWindows([1, 2, 3], block_size=1, batch_size=1)
    with pytest.raises(ValueError, match="1-D tensor of token ids"):
        RandomWindows(torch.zeros(3, 4, dtype=torch.long), block_size=1, batch_size=1)
    with pytest.raises(ValueError, match="dtype torch.long"):
        RandomWindows(torch.zeros(30), block_size=4, batch_size=2)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        RandomWindows(torch.arange(30), block_size=4, batch_size=0)
    with pytest.raises(ValueError, match=r"start offsets must lie in \[0, 4\]"):
        windows_at(torch.arange(10), [0, 5], 5)
