"""Interactive views for the lessons (ipywidgets), each with a static fallback that renders anywhere.

Lesson 01: ``show_tokens`` colours each token of a text and prints its id beneath it;
``token_explorer`` lets a student type text and see it tokenized by several tokenizers at once.
"""
from __future__ import annotations

import html
from typing import Mapping, Sequence

# Pale colours that stay readable with dark text; cycled over tokens.
PALETTE = ["#fde2e4", "#e2ece9", "#dfe7fd", "#fff1c1", "#e8dff5", "#d8f3dc", "#fce1c6", "#cde7f0"]


def _visible(token: str) -> str:
    # Show GPT-2's byte-level markers and whitespace so the student sees what the token holds.
    return token.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥")


def tokens_html(tokens: Sequence[str], ids: Sequence[int]) -> str:
    """HTML for a row of tokens, each in its own colour with its id underneath."""
    if len(tokens) != len(ids):
        raise ValueError(f"got {len(tokens)} tokens but {len(ids)} ids; they must pair up one to one")
    boxes = []
    for n, (token, token_id) in enumerate(zip(tokens, ids)):
        boxes.append(
            f'<span style="display:inline-block;margin:1px;padding:1px 3px;border-radius:3px;'
            f'background-color:{PALETTE[n % len(PALETTE)]};color:#222;font-family:monospace;text-align:center">'
            f'{html.escape(_visible(token))}<br><small style="color:#666">{token_id}</small></span>')
    return f'<div style="line-height:2.2">{"".join(boxes)}</div>'


class TokenView:
    """A static, colour-coded view of tokens: renders as HTML in Jupyter, as text elsewhere."""

    def __init__(self, tokens: Sequence[str], ids: Sequence[int], title: str = ""):
        self.tokens, self.ids, self.title = list(tokens), list(ids), title

    def _repr_html_(self) -> str:
        head = f"<b>{html.escape(self.title)}</b> ({len(self.ids)} tokens)" if self.title else ""
        return head + tokens_html(self.tokens, self.ids)

    def __repr__(self) -> str:
        head = f"{self.title} ({len(self.ids)} tokens): " if self.title else ""
        return head + " | ".join(f"{_visible(t)}:{i}" for t, i in zip(self.tokens, self.ids))


def show_tokens(tokenizer, text: str, title: str = "") -> TokenView:
    """Tokenize ``text`` and return a colour-coded view. ``tokenizer`` needs ``encode`` and either
    ``tokens(text)`` (our tokenizers) or ``convert_ids_to_tokens`` (Hugging Face)."""
    ids = tokenizer.encode(text)
    if hasattr(tokenizer, "tokens"):
        tokens = tokenizer.tokens(text)
    elif hasattr(tokenizer, "convert_ids_to_tokens"):
        tokens = tokenizer.convert_ids_to_tokens(ids)
    else:
        tokens = [tokenizer.decode([i]) for i in ids]
    return TokenView(tokens, ids, title)


def token_explorer(tokenizers: Mapping[str, object], text: str = "Hello world! Tokenizers split text into pieces."):
    """Type text, see it tokenized by each tokenizer (colour-coded, ids underneath, token counts).

    Returns an ipywidgets VBox; the view updates on every keystroke.
    """
    import ipywidgets as widgets

    box = widgets.Textarea(value=text, description="Text:", layout=widgets.Layout(width="95%", height="60px"))
    out = widgets.HTML()

    def render(_=None) -> None:
        parts = []
        for name, tokenizer in tokenizers.items():
            try:
                parts.append(show_tokens(tokenizer, box.value, name)._repr_html_())
            except Exception as error:  # e.g. a character tokenizer meeting an unknown character
                parts.append(f"<b>{html.escape(name)}</b>: <span style='color:#b00'>{html.escape(str(error))}</span>")
        out.value = "<br>".join(parts)

    box.observe(render, names="value")
    render()
    return widgets.VBox([box, out])



def _attention_png(weights, query_tokens, key_tokens, title: str) -> bytes:
    import io

    from course.plots import plot_attention
    fig = plot_attention(weights, query_tokens, key_tokens, title=title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def attention_explorer(attentions, tokens: Sequence[str], query_tokens: Sequence[str] | None = None,
                       title: str = "attention"):
    """Pick a layer and a head, see its attention weights as a heatmap with the tokens on the axes.

    ``attentions`` holds one tensor per layer, ``(n_head, T_q, T_k)`` or ``(1, n_head, T_q, T_k)``
    (the format bertviz and Hugging Face's ``output_attentions`` use); ``tokens`` label the keys and,
    unless ``query_tokens`` is given, the queries too. The heads' mean is offered as well.

    Works offline: the heatmap is drawn by matplotlib in the kernel and shown as a PNG. Returns an
    ipywidgets VBox.
    """
    import ipywidgets as widgets
    import torch

    layers = []
    for i, a in enumerate(attentions):
        a = torch.as_tensor(a).detach().float().cpu()
        if a.dim() == 4 and a.shape[0] == 1:
            a = a[0]
        if a.dim() != 3:
            raise ValueError(f"attentions[{i}] has shape {tuple(a.shape)}: expected (n_head, T_q, T_k) or "
                             f"(1, n_head, T_q, T_k), one tensor per layer for a single sequence")
        layers.append(a)
    if not layers:
        raise ValueError("attentions is empty: give one (n_head, T_q, T_k) tensor per layer")
    n_head, n_q, n_k = layers[0].shape
    for i, a in enumerate(layers):
        if a.shape != layers[0].shape:
            raise ValueError(f"attentions[{i}] has shape {tuple(a.shape)} but attentions[0] has "
                             f"{tuple(layers[0].shape)}: all layers need the same heads and positions")
    tokens = [str(t) for t in tokens]
    if len(tokens) != n_k:
        raise ValueError(f"got {len(tokens)} tokens for {n_k} key positions: give one token per position")
    query_tokens = tokens if query_tokens is None else [str(t) for t in query_tokens]
    if len(query_tokens) != n_q:
        raise ValueError(f"got {len(query_tokens)} query tokens for {n_q} query positions")

    layer = widgets.Dropdown(options=[(f"layer {i}", i) for i in range(len(layers))], value=0,
                             description="Layer:")
    head = widgets.Dropdown(options=[(f"head {h}", h) for h in range(n_head)] + [("mean of heads", -1)],
                            value=0, description="Head:")
    image = widgets.Image(format="png")

    def render(_=None) -> None:
        a = layers[layer.value]
        weights = a.mean(0) if head.value == -1 else a[head.value]
        which = "mean of heads" if head.value == -1 else f"head {head.value}"
        image.value = _attention_png(weights, query_tokens, tokens, f"{title}: layer {layer.value}, {which}")

    layer.observe(render, names="value")
    head.observe(render, names="value")
    render()
    return widgets.VBox([widgets.HBox([layer, head]), image])


# ---------------------------------------------------------------------------------------------------
# Lesson 06: the next-token distribution under temperature, top-k and top-p

def _kept_tokens_png(probs, labels: Sequence[str], title: str, most: int = 30) -> bytes:
    import io

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.2))
    shown = len(probs) if len(probs) <= most else most
    ax.bar(range(shown), probs[:shown], color="#4c72b0")
    ax.set_xticks(range(shown), [_visible(t) for t in labels[:shown]], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("probability")
    more = f" (the {shown} most likely shown)" if shown < len(probs) else ""
    ax.set_title(f"{title}: {len(probs)} tokens kept{more}", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def sampling_explorer(logits, decode, sample=None, title: str = "next token"):
    """Sliders for temperature, top-k (0 = off) and top-p redraw the distribution the next token is
    drawn from: a bar plot of the kept tokens (``course.sampling.kept_tokens``).

    ``logits`` is one row (vocab_size,) of next-token logits, or a dict ``{prompt: row}``: then a
    dropdown picks the prompt. ``decode(id) -> str`` labels the bars. ``sample(prompt, temperature,
    top_k, top_p) -> str``, if given, writes a continuation of the chosen prompt with those settings,
    shown under the plot (``prompt`` is None for a single row). Returns an ipywidgets VBox.
    """
    import ipywidgets as widgets
    import torch

    from course.sampling import kept_tokens

    rows = dict(logits) if isinstance(logits, dict) else {None: logits}
    if not rows:
        raise ValueError("sampling_explorer got an empty dict of prompts: give {prompt: logits row}")
    for prompt, row in rows.items():
        row = torch.as_tensor(row).detach().float().cpu()
        if row.dim() != 1:
            which = "" if prompt is None else f" for the prompt {prompt!r}"
            raise ValueError(f"sampling_explorer needs one row of logits of shape (vocab_size,){which}, got "
                             f"shape {tuple(row.shape)}; pick one, e.g. logits[0, -1]")
        rows[prompt] = row
    first = next(iter(rows.values()))
    prompt = widgets.Dropdown(options=[(_visible(str(p)), p) for p in rows], value=next(iter(rows)),
                              description="prompt", layout=widgets.Layout(width="95%"))
    temperature = widgets.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.05, description="temperature")
    top_k = widgets.IntSlider(value=0, min=0, max=min(100, first.numel()), description="top-k (0: off)")
    top_p = widgets.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05, description="top-p")
    image = widgets.Image(format="png")
    text = widgets.HTML()

    def render(_=None) -> None:
        k = top_k.value or None
        probs, ids = kept_tokens(rows[prompt.value], temperature.value, k, top_p.value)
        labels = [decode(int(i)) for i in ids]
        image.value = _kept_tokens_png(probs.tolist(), labels, title)
        if sample is not None:
            text.value = f"<pre>{html.escape(sample(prompt.value, temperature.value, k, top_p.value))}</pre>"

    for control in (prompt, temperature, top_k, top_p):
        control.observe(render, names="value")
    render()
    sliders = widgets.HBox([temperature, top_k, top_p])
    return widgets.VBox(([prompt] if len(rows) > 1 else []) + [sliders, image, text])
