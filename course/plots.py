"""Plots the lessons share. Every function draws on ``ax`` when given one (and returns its figure),
otherwise makes a new figure with ``plt.subplots``; it returns the figure and never calls
``plt.show()``, so it works the same in a notebook, a script and under the Agg backend.

A figure the function made itself is closed in pyplot before it is returned (``_new_figure_done``):
in a notebook ``plot_history(history)`` as a cell's last line then shows the figure once, as the
cell's value (pyplot would otherwise show it a second time at the end of the cell). Keep the
figure with ``fig = plot_history(history)`` and show it with ``fig`` or ``fig.savefig(path)``.
Functions added here should follow the same pattern.
"""
from __future__ import annotations

import matplotlib.pyplot as plt


def _axes(ax, figsize=(6.4, 4.0)):
    """(figure, axes, whether we made the figure)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax, True
    return ax.figure, ax, False


def _new_figure_done(fig, made: bool):
    if made:
        plt.close(fig)  # pyplot forgets it; the returned figure still displays and saves
    return fig


def _check_history(history, name="history"):
    for attr in ("iters", "train_loss", "val_loss", "elapsed"):
        if not hasattr(history, attr):
            raise TypeError(f"{name} must be a course.train.History (what train() returns), "
                            f"got {type(history).__name__} without .{attr}")
    if not history.iters:
        raise ValueError(f"{name} has no evaluations to plot: train() records them every eval_interval iterations")


def plot_history(history, ax=None, title: str | None = None, logy: bool = False):
    """Train and validation loss against the iteration, from a ``History``; returns the figure."""
    _check_history(history)
    fig, ax, made = _axes(ax)
    ax.plot(history.iters, history.train_loss, marker="o", markersize=3, label="train")
    ax.plot(history.iters, history.val_loss, marker="o", markersize=3, label="validation")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss (cross-entropy, nats)")
    if logy:
        ax.set_yscale("log")
    ax.set_title(title if title is not None else f"final validation loss {history.val_loss[-1]:.3f}")
    ax.grid(alpha=0.3)
    ax.legend()
    return _new_figure_done(fig, made)


def plot_losses_vs_time(histories: dict, ax=None, title: str | None = "validation loss against training time",
                        logy: bool = False, split: str = "val"):
    """One validation-loss curve per named ``History`` against seconds of training (evaluation time not
    counted), e.g. ``plot_losses_vs_time({"LSTM": h_lstm, "GPT": h_gpt})``; returns the figure."""
    if not isinstance(histories, dict) or not histories:
        raise ValueError("histories must be a non-empty dict mapping a label to a History, "
                         "e.g. {'LSTM': history_lstm, 'GPT': history_gpt}")
    if split not in ("train", "val"):
        raise ValueError(f"split must be 'train' or 'val', got {split!r}")
    fig, ax, made = _axes(ax)
    for label, history in histories.items():
        _check_history(history, f"histories[{label!r}]")
        losses = history.val_loss if split == "val" else history.train_loss
        ax.plot(history.elapsed, losses, marker="o", markersize=3, label=str(label))
    ax.set_xlabel("training time (s)")
    ax.set_ylabel(f"{'validation' if split == 'val' else 'train'} loss (nats)")
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return _new_figure_done(fig, made)


def plot_race(histories: dict, characters_per_iteration: dict, zoom=None, zoom_from: float = 0.5,
              title: str | None = "validation loss against the training text read"):
    """A race between models on equal terms: validation loss against the characters of training text
    each has read (iterations × batch × window), from named ``History`` objects.

    The left panel has every model on a logarithmic axis, so a model that trained on little text (a
    bigram) still shows as a curve. With ``zoom`` (a list of labels) a right panel shows those models
    from ``zoom_from`` of the way through on linear axes fitted to their losses, where a gap of a few
    hundredths is visible. The legend sits below the panels, off the data. Returns the figure.

        plot_race({"LSTM": h_lstm, "GPT": h_gpt}, {"LSTM": 32 * 64, "GPT": 32 * 64}, zoom=["LSTM", "GPT"])
    """
    if not isinstance(histories, dict) or not histories:
        raise ValueError("histories must be a non-empty dict mapping a label to a History, "
                         "e.g. {'LSTM': history_lstm, 'GPT': history_gpt}")
    missing = [label for label in histories if label not in characters_per_iteration]
    if missing:
        raise ValueError(f"characters_per_iteration has no entry for {missing}: give each model's "
                         f"batch_size * block_size")
    zoom = list(zoom or [])
    unknown = [label for label in zoom if label not in histories]
    if unknown:
        raise ValueError(f"zoom names {unknown}, which are not in histories ({list(histories)})")
    if not 0 <= zoom_from < 1:
        raise ValueError(f"zoom_from must lie in [0, 1), got {zoom_from}")
    curves = {}
    for label, history in histories.items():
        _check_history(history, f"histories[{label!r}]")
        per_iter = characters_per_iteration[label]
        if not per_iter > 0:
            raise ValueError(f"characters_per_iteration[{label!r}] must be positive, got {per_iter!r}")
        curves[label] = ([it * per_iter for it in history.iters], list(history.val_loss))

    fig, axes = plt.subplots(1, 2 if zoom else 1, figsize=(11, 4.2) if zoom else (6.4, 4.2), squeeze=False)
    axes = axes[0]
    left = axes[0]
    colours = {}
    for label, (xs, ys) in curves.items():
        # iteration 0 has read nothing: a log axis cannot show it, so the curve starts at the first evaluation
        colours[label], = left.plot([x for x in xs if x > 0], [y for x, y in zip(xs, ys) if x > 0], marker="o", markersize=3,
                  label=str(label))
        colours[label] = colours[label].get_color()
    left.set_xscale("log")
    left.set_xlabel("characters of training text read (log scale)")
    left.set_ylabel("validation loss (nats)")
    left.set_title("every model" if zoom else (title or ""), fontsize=10)
    left.grid(alpha=0.3, which="both")
    if zoom:
        right = axes[1]
        end = max(curves[label][0][-1] for label in zoom)
        shown = []
        for label in zoom:
            xs, ys = curves[label]
            part = [(x, y) for x, y in zip(xs, ys) if x >= zoom_from * end]
            shown += [y for _, y in part]
            right.plot([x for x, _ in part], [y for _, y in part], marker="o", markersize=3,
                       color=colours[label])  # the same colour as in the left panel
            right.annotate(f"{part[-1][1]:.3f}", part[-1], textcoords="offset points", xytext=(4, 0),
                           va="center", fontsize=9, color=colours[label])
        low, high = min(shown), max(shown)
        pad = 0.1 * (high - low) or 0.05
        right.set_ylim(low - pad, high + pad)
        right.set_xlim(zoom_from * end, end * 1.12)  # room for the final values' labels
        right.set_xlabel("characters of training text read")
        right.set_title(f"zoom: {' and '.join(map(str, zoom))}, from {zoom_from:.0%} of the run", fontsize=10)
        right.grid(alpha=0.3)
    if title and zoom:
        fig.suptitle(title)
    fig.legend(*left.get_legend_handles_labels(), loc="lower center", ncol=len(curves), frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))  # keep the bottom strip for the legend
    plt.close(fig)  # see _new_figure_done: shown once, as the cell's value
    return fig


# ---------------------------------------------------------------------------------------------------
# Attention (lessons 02-03). Weights are (T_q, T_k): one row per query, one column per key.

def _as_matrix(x, name: str, dims: int = 2):
    import torch
    t = torch.as_tensor(x).detach().cpu()
    while t.dim() > dims and t.shape[0] == 1:  # a batch of one
        t = t[0]
    if t.dim() != dims:
        raise ValueError(f"{name} must be a {dims}-D tensor (or one with a leading batch of 1), "
                         f"got shape {tuple(t.shape)}")
    return t


def _check_tokens(tokens, size: int, name: str) -> list[str]:
    if tokens is None:
        return [str(i) for i in range(size)]
    tokens = [str(t) for t in tokens]
    if len(tokens) != size:
        raise ValueError(f"got {len(tokens)} {name} for {size} positions: give one label per position")
    return tokens


def _pretty(token: str) -> str:
    # GPT-2's byte-level tokens keep their own markers (Ġ for the space, Ċ for a newline), as the
    # tokenizer prints them; only raw text's newlines and tabs need a visible glyph
    return token.replace("\n", "↵").replace("\t", "⇥")


def _label_token_axes(ax, query_tokens, key_tokens, xlabel: str, ylabel: str):
    """Keys along the top (slanted), queries down the side: the layout of every heatmap here."""
    size = 10 if max(len(key_tokens), len(query_tokens)) <= 20 else 8  # long passages: smaller labels
    ax.set_xticks(range(len(key_tokens)), key_tokens, rotation=60, ha="left", rotation_mode="anchor", fontsize=size)
    ax.set_yticks(range(len(query_tokens)), query_tokens, fontsize=size)
    ax.xaxis.tick_top()
    ax.set_xlabel(xlabel)
    ax.xaxis.set_label_position("bottom")
    ax.set_ylabel(ylabel)


def plot_attention(weights, query_tokens=None, key_tokens=None, ax=None, title: str | None = None,
                   annotate: bool | None = None, cmap: str = "Blues", vmax: float | None = 1.0,
                   positions: bool = False):
    """Heatmap of attention weights ``(T_q, T_k)``: row ``i`` says how much query ``i`` takes from
    each key. Tokens label the axes (queries down the side, keys along the top), with their positions
    (from 0) when ``positions``; cells are annotated with their weight when the matrix is small.
    Returns the figure."""
    w = _as_matrix(weights, "weights").float()
    n_q, n_k = w.shape
    query_tokens = [_pretty(t) for t in _check_tokens(query_tokens, n_q, "query tokens")]
    key_tokens = [_pretty(t) for t in _check_tokens(key_tokens, n_k, "key tokens")]
    if positions:
        query_tokens = [f"{t} {i}" for i, t in enumerate(query_tokens)]
        key_tokens = [f"{j} {t}" for j, t in enumerate(key_tokens)]
    fig, ax, made = _axes(ax, figsize=(1.0 + 0.45 * n_k, 1.2 + 0.4 * n_q))
    image = ax.imshow(w.numpy(), cmap=cmap, vmin=0.0, vmax=vmax, aspect="auto")
    _label_token_axes(ax, query_tokens, key_tokens, "keys (what is looked at)", "queries (who is looking)")
    if annotate is None:
        annotate = n_q * n_k <= 200
    if annotate:
        top = float(w.max()) if vmax is None else vmax
        for i in range(n_q):
            for j in range(n_k):
                value = float(w[i, j])
                if value >= 0.005:
                    label = f"{value:.2f}"
                    ax.text(j, i, label[1:] if label.startswith("0") else label, ha="center",
                            va="center", fontsize=7, color="white" if value > 0.6 * top else "black")
    if title:
        ax.set_title(title, pad=10)
    if made:
        fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    return _new_figure_done(fig, made)


def plot_alignment(weights, query_tokens, key_tokens, ax=None, title: str | None = None,
                   threshold: float = 0.05):
    """Attention as an alignment: the keys on the top line, the queries on the bottom line, and a line
    from each query to each key it attends to, as thick and dark as its weight. Returns the figure."""
    w = _as_matrix(weights, "weights").float()
    n_q, n_k = w.shape
    query_tokens = [_pretty(t) for t in _check_tokens(query_tokens, n_q, "query tokens")]
    key_tokens = [_pretty(t) for t in _check_tokens(key_tokens, n_k, "key tokens")]
    width = max(n_q, n_k)
    fig, ax, made = _axes(ax, figsize=(0.75 * width + 1.0, 2.6))
    x_key = [(j + 0.5) * width / n_k for j in range(n_k)]
    x_query = [(i + 0.5) * width / n_q for i in range(n_q)]
    for i in range(n_q):
        for j in range(n_k):
            value = float(w[i, j])
            if value >= threshold:
                ax.plot([x_query[i], x_key[j]], [0.0, 1.0], color="tab:blue", alpha=min(1.0, 0.15 + value),
                        linewidth=0.5 + 4.0 * value, solid_capstyle="round")
    for x, token in zip(x_key, key_tokens):
        ax.text(x, 1.06, token, ha="center", va="bottom", fontsize=9)
    for x, token in zip(x_query, query_tokens):
        ax.text(x, -0.06, token, ha="center", va="top", fontsize=9)
    ax.set_xlim(0, width)
    ax.set_ylim(-0.35, 1.35)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return _new_figure_done(fig, made)


def plot_attention_steps(Q, K, V, query_tokens=None, key_tokens=None, title: str | None = None):
    """The formula drawn with real numbers, in two rows that fit a notebook's width: first
    ``Q · Kᵀ / √d_k`` = the scores; then a softmax along each row of the scores gives the weights, and
    ``weights · V`` = the output. Each panel is as wide as its matrix; the weights are written in
    their cells. Returns the figure."""
    import math

    import torch
    Q, K, V = (_as_matrix(m, name).float() for m, name in ((Q, "Q"), (K, "K"), (V, "V")))
    if Q.shape[1] != K.shape[1] or K.shape[0] != V.shape[0]:
        raise ValueError(f"Q {tuple(Q.shape)}, K {tuple(K.shape)} and V {tuple(V.shape)} do not fit: "
                         f"Q and K need the same number of columns d_k, K and V the same number of rows")
    n_q, d_k = Q.shape
    n_k, d_v = V.shape
    query_tokens = [_pretty(t) for t in _check_tokens(query_tokens, n_q, "query tokens")]
    key_tokens = [_pretty(t) for t in _check_tokens(key_tokens, n_k, "key tokens")]
    scores = Q @ K.T / math.sqrt(d_k)
    weights = torch.softmax(scores, dim=-1)
    rows = [[(Q, f"Q ({n_q}×{d_k})", query_tokens, None),
             (K.T, f"Kᵀ ({d_k}×{n_k})", None, key_tokens),
             (scores, f"scores = QKᵀ/√{d_k}", query_tokens, key_tokens)],
            [(weights, "weights = softmax\nof each row of the scores", query_tokens, key_tokens),
             (V, f"V ({n_k}×{d_v})", key_tokens, None),
             (weights @ V, f"output ({n_q}×{d_v})", query_tokens, None)]]
    symbols = [("·", "="), ("·", "=")]
    cell = 0.55  # inches per matrix entry
    widths = [[m.shape[1] for m, *_ in row] for row in rows]
    fig = plt.figure(figsize=(cell * max(sum(w) for w in widths) + 3.0,
                              cell * (max(n_q, d_k) + max(n_q, n_k)) + 3.6))
    outer = fig.add_gridspec(2, 1, hspace=0.5, top=0.88 if title else 0.94, bottom=0.1, left=0.1, right=0.97)
    limit = max(float(m.abs().max()) for row in rows for m, *_ in row if m is not weights) or 1.0
    axes = []
    for r, row in enumerate(rows):
        grid = outer[r].subgridspec(1, 3, width_ratios=widths[r], wspace=0.7)
        row_axes = [fig.add_subplot(grid[0, c]) for c in range(3)]
        axes.append(row_axes)
        for ax, (m, label, row_labels, col_labels) in zip(row_axes, row):
            if m is weights:
                ax.imshow(m.numpy(), cmap="Blues", vmin=0.0, vmax=1.0)
                for i in range(n_q):
                    for j in range(n_k):
                        ax.text(j, i, f"{float(m[i, j]):.2f}".lstrip("0"), ha="center", va="center", fontsize=8,
                                color="white" if m[i, j] > 0.6 else "black")
            else:
                ax.imshow(m.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(label, fontsize=10)
            ax.set_yticks(range(m.shape[0]), row_labels if row_labels else [""] * m.shape[0], fontsize=9)
            ax.set_xticks(range(m.shape[1]), col_labels if col_labels else [""] * m.shape[1], fontsize=9,
                          rotation=90)
            ax.tick_params(length=0)
    renderer = fig.canvas.get_renderer()
    for row_axes, row_symbols in zip(axes, symbols):
        for left, symbol in enumerate(row_symbols):
            # halfway between this panel's right edge and the next panel's tick labels
            a = row_axes[left].get_position()
            b = row_axes[left + 1].get_tightbbox(renderer).transformed(fig.transFigure.inverted())
            fig.text((a.x1 + b.x0) / 2, (a.y0 + a.y1) / 2, symbol, ha="center", va="center", fontsize=24)
    fig.text(0.5, 0.01, "blue < 0 < red for Q, K, V, scores and output; the weights are between 0 and 1 "
             "and each row sums to 1", ha="center", fontsize=9, color="0.35")
    if title:
        fig.suptitle(title)
    return _new_figure_done(fig, True)


def plot_mask(mask, tokens=None, ax=None, title: str | None = None):
    """A boolean mask ``(T_q, T_k)`` as a picture: dark where a query may attend (True), pale and
    crossed where it may not. Returns the figure."""
    import torch

    m = _as_matrix(mask, "mask")
    if m.dtype != torch.bool:
        raise TypeError(f"mask must be boolean (True = may attend), got dtype {m.dtype}")
    n_q, n_k = m.shape
    key_tokens = [_pretty(t) for t in _check_tokens(tokens if n_q == n_k else None, n_k, "tokens")]
    query_tokens = key_tokens if n_q == n_k else [str(i) for i in range(n_q)]
    fig, ax, made = _axes(ax, figsize=(1.2 + 0.42 * n_k, 1.2 + 0.42 * n_q))
    ax.imshow(m.float().numpy(), cmap="Blues", vmin=-0.3, vmax=1.2)
    for i in range(n_q):
        for j in range(n_k):
            if not m[i, j]:
                ax.text(j, i, "×", ha="center", va="center", color="0.6", fontsize=9)
    _label_token_axes(ax, query_tokens, key_tokens, "key position (may be looked at)", "query position")
    if title:
        ax.set_title(title, pad=10)
    return _new_figure_done(fig, made)


def plot_causal_timeline(tokens, ax=None, title: str | None = "what the model sees at each position"):
    """One row per position ``t`` (counted from 0, as the rows of the mask): tokens ``0 … t`` in black
    (the model sees them), later tokens greyed and struck through (hidden by the causal mask). Returns
    the figure."""
    tokens = [_pretty(str(t)) for t in tokens]
    if not tokens:
        raise ValueError("tokens is empty: give the tokens of a sentence")
    T = len(tokens)
    widths = [max(2, len(t)) for t in tokens]
    starts = [sum(widths[:j]) + j for j in range(T)]
    total = starts[-1] + widths[-1]
    fig, ax, made = _axes(ax, figsize=(0.11 * total + 1.5, 0.34 * T + 0.6))
    for t in range(T):
        y = T - 1 - t
        ax.text(-1.0, y, f"t = {t}", ha="right", va="center", fontsize=9, color="0.3")
        for j, (token, x) in enumerate(zip(tokens, starts)):
            centre = x + widths[j] / 2
            if j <= t:
                ax.text(centre, y, token, ha="center", va="center", fontsize=10, family="monospace",
                        fontweight="bold" if j == t else "normal")
            else:
                ax.text(centre, y, token, ha="center", va="center", fontsize=10, family="monospace", color="0.7")
                ax.plot([x - 0.2, x + widths[j] + 0.2], [y, y], color="0.45", linewidth=1.0)
    ax.set_xlim(-8, total + 1)
    ax.set_ylim(-0.7, T - 0.3)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return _new_figure_done(fig, made)


def plot_attention_grid(attentions, tokens, query_tokens=None, title: str | None = None, cmap: str = "Blues"):
    """Every layer and head at once: ``attentions`` is a sequence of per-layer tensors
    ``(n_head, T_q, T_k)`` (or ``(1, n_head, T_q, T_k)``), one row of heatmaps per layer, one colour
    scale (the colorbar) for all. Ticks read ``position token``, counted from 0 as the tensors are
    indexed. Returns the figure."""
    layers = [_as_matrix(a, f"attentions[{i}]", dims=3).float() for i, a in enumerate(attentions)]
    if not layers:
        raise ValueError("attentions is empty: give one (n_head, T, T) tensor per layer")
    n_head, n_q, n_k = layers[0].shape
    key_tokens = [_pretty(t) for t in _check_tokens(tokens, n_k, "tokens")]
    query_tokens = key_tokens if query_tokens is None and n_q == n_k else \
        [_pretty(t) for t in _check_tokens(query_tokens, n_q, "query tokens")]
    for l, layer in enumerate(layers):
        if layer.shape != (n_head, n_q, n_k):
            raise ValueError(f"attentions[{l}] has shape {tuple(layer.shape)}, but layer 0 has "
                             f"{(n_head, n_q, n_k)}: every layer needs the same heads and tokens")
    key_labels = [f"{j} {t}" for j, t in enumerate(key_tokens)]
    query_labels = [f"{t} {i}" for i, t in enumerate(query_tokens)]
    size = 0.2 * max(n_q, n_k) + 0.6
    fig, axes = plt.subplots(len(layers), n_head, figsize=(size * n_head + 2.4, size * len(layers) + 1.6),
                             squeeze=False, layout="constrained")
    for l, layer in enumerate(layers):
        for h in range(n_head):
            ax = axes[l][h]
            image = ax.imshow(layer[h].numpy(), cmap=cmap, vmin=0.0, vmax=1.0)
            ax.set_xticks(range(n_k), key_labels if l == len(layers) - 1 else [""] * n_k, rotation=90, fontsize=9)
            ax.set_yticks(range(n_q), query_labels if h == 0 else [""] * n_q, fontsize=9)
            ax.tick_params(length=0)
            if l == 0:
                ax.set_title(f"head {h}", fontsize=11)
            if h == 0:
                ax.set_ylabel(f"layer {l}\nquery (row)", fontsize=11)
            if l == len(layers) - 1:
                ax.set_xlabel("key (column)", fontsize=10)
    fig.colorbar(image, ax=axes, shrink=min(1.0, 3.0 / len(layers) + 0.2), label="attention weight")
    if title:
        fig.suptitle(title, fontsize=12)
    return _new_figure_done(fig, True)
