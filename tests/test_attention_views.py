"""The attention plots (course.plots) and the offline attention explorer (course.widgets)."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course import plots  # noqa: E402
from course.attention import causal_mask  # noqa: E402
from course.widgets import attention_explorer  # noqa: E402

torch.set_num_threads(1)


def _weights(n_q, n_k, seed=0):
    return torch.softmax(torch.randn(n_q, n_k, generator=torch.Generator().manual_seed(seed)), dim=-1)


def test_plot_attention_draws_the_weights_with_tokens():
    w = _weights(3, 5)
    fig = plots.plot_attention(w, ["a", "b", "c"], ["Ġv", "w", "x", "y", "z\n"], title="t")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), w.numpy())
    # GPT-2's space marker stays as the tokenizer prints it; a raw newline gets a visible glyph
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Ġv", "w", "x", "y", "z↵"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    # small matrices are annotated, one label per visible weight
    assert len(ax.texts) == int((w >= 0.005).sum())


def test_plot_attention_labels_positions_on_request():
    fig = plots.plot_attention(_weights(2, 3), ["a", "b"], ["x", "y", "z"], positions=True)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0 x", "1 y", "2 z"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a 0", "b 1"]


def test_plot_attention_accepts_a_batch_of_one_and_draws_on_given_axes():
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2)
    out = plots.plot_attention(_weights(2, 2)[None], ax=axes[1])
    assert out is fig and len(axes[1].images) == 1 and len(axes[0].images) == 0
    plt.close(fig)


def test_plot_attention_errors():
    with pytest.raises(ValueError, match="2-D tensor"):
        plots.plot_attention(torch.rand(2, 3, 4))
    with pytest.raises(ValueError, match="got 2 query tokens for 3 positions"):
        plots.plot_attention(_weights(3, 4), ["a", "b"], list("abcd"))


def test_plot_mask_marks_the_hidden_positions():
    fig = plots.plot_mask(causal_mask(4), ["a", "b", "c", "d"])
    ax = fig.axes[0]
    assert sum(t.get_text() == "×" for t in ax.texts) == 6  # the strict upper triangle of 4 × 4
    with pytest.raises(TypeError, match="boolean"):
        plots.plot_mask(torch.ones(3, 3))


def test_plot_causal_timeline_strikes_the_future():
    tokens = ["L", "is", "bon", "Ġis"]
    fig = plots.plot_causal_timeline(tokens)
    ax = fig.axes[0]
    assert len(ax.lines) == 3 + 2 + 1  # one stroke per future token at each step
    # rows are numbered from 0, like the rows of the causal mask
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("t =")] == ["t = 0", "t = 1", "t = 2", "t = 3"]
    with pytest.raises(ValueError, match="empty"):
        plots.plot_causal_timeline([])


def test_plot_attention_steps_draws_the_formula():
    g = torch.Generator().manual_seed(0)
    Q, K, V = torch.randn(2, 3, generator=g), torch.randn(4, 3, generator=g), torch.randn(4, 5, generator=g)
    fig = plots.plot_attention_steps(Q, K, V)
    weights = torch.softmax(Q @ K.T / 3 ** 0.5, dim=-1)
    arrays = [ax.images[0].get_array() for ax in fig.axes]
    assert len(arrays) == 6
    np.testing.assert_allclose(arrays[2], (Q @ K.T / 3 ** 0.5).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arrays[3], weights.numpy(), rtol=1e-5)
    np.testing.assert_allclose(arrays[5], (weights @ V).numpy(), rtol=1e-5, atol=1e-6)
    # two rows (scores; then weights and output), so the figure stays narrow enough for a notebook
    top, bottom = fig.axes[:3], fig.axes[3:]
    assert min(ax.get_position().y0 for ax in top) > max(ax.get_position().y1 for ax in bottom)
    assert fig.get_size_inches()[0] < 12
    with pytest.raises(ValueError, match="do not fit"):
        plots.plot_attention_steps(Q, K[:, :2], V)


def test_plot_alignment_and_grid():
    fig = plots.plot_alignment(torch.eye(3), list("abc"), list("xyz"))
    assert len(fig.axes[0].lines) == 3  # only the three weights above the threshold
    layers = [torch.softmax(torch.randn(1, 2, 4, 4), -1) for _ in range(3)]
    fig = plots.plot_attention_grid(layers, list("abcd"))
    assert len(fig.axes) == 6 + 1  # the maps and one colorbar
    bottom_left = fig.axes[4]
    assert [t.get_text() for t in bottom_left.get_xticklabels()] == ["0 a", "1 b", "2 c", "3 d"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a 0", "b 1", "c 2", "d 3"]
    assert fig.axes[-1].get_ylabel() == "attention weight"
    with pytest.raises(ValueError, match="every layer needs the same heads"):
        plots.plot_attention_grid([torch.rand(2, 4, 4), torch.rand(3, 4, 4)], list("abcd"))


def test_attention_explorer_switches_layer_and_head():
    layers = [torch.softmax(torch.randn(1, 2, 3, 3, generator=torch.Generator().manual_seed(i)), -1)
              for i in range(2)]
    box = attention_explorer(layers, ["a", "b", "c"])
    layer, head = box.children[0].children
    image = box.children[1]
    first = image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    head.value = 1
    second = image.value
    layer.value = 1
    head.value = -1  # the mean of the heads
    assert len({first, second, image.value}) == 3
    assert [label for label, _ in head.options][-1] == "mean of heads"


def test_attention_explorer_errors():
    with pytest.raises(ValueError, match="expected \\(n_head, T_q, T_k\\)"):
        attention_explorer([torch.rand(3, 3)], list("abc"))
    with pytest.raises(ValueError, match="got 2 tokens for 3 key positions"):
        attention_explorer([torch.rand(1, 2, 3, 3)], ["a", "b"])
    with pytest.raises(ValueError, match="same heads and positions"):
        attention_explorer([torch.rand(2, 3, 3), torch.rand(1, 3, 3)], list("abc"))
    with pytest.raises(ValueError, match="empty"):
        attention_explorer([], [])
