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
            f'background:{PALETTE[n % len(PALETTE)]};color:#222;font-family:monospace;text-align:center">'
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

