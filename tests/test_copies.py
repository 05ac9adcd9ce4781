"""An answer pasted from the course's reference implementation is refused, by the reference's own words
(``autograder.copies``); an honest answer, a quote of the lesson and a copy without those words are not."""
import ast
import importlib
import inspect
import math
import re
import textwrap

import nbformat
import pytest
import torch

from autograder import copies
from autograder.answers import Lesson, problems
from autograder.notebooks import lesson_names, solution_path
from tests.test_answers import _cell_function

COPIED = "is copied from the course's own reference implementation"

# (course module, reference, the exercise's name in the lesson): the references with words of their own
# (count_pairs and causal_mask are one line each, with no comment: a copy of either is anyone's answer)
REFERENCES = [
    ("tokenization", "char_encode", "char_encode"), ("tokenization", "merge", "merge"),
    ("tokenization", "bpe_word", "bpe_word"), ("attention", "cross_attention", "cross_attention"),
    ("attention", "scaled_dot_product_attention", "scaled_dot_product_attention"),
    ("attention", "padding_mask", "padding_mask"), ("attention", "merge_heads", "merge_heads"),
    ("attention", "CausalSelfAttention", "CausalSelfAttention"), ("lstm", "lstm_cell", "lstm_cell"),
    ("lstm", "sequence_loss", "sequence_loss"), ("train", "lr_at", "lr_at_step"),
    ("train", "train_loop", "train_loop"), ("gpt", "bigram_forward", "bigram_forward"),
    ("gpt", "causal_average", "causal_average"), ("sampling", "top_k_filter", "top_k_filter"),
    ("sampling", "top_p_filter", "top_p_filter"), ("finetune", "collate", "collate"),
]


@pytest.fixture(scope="module")
def lessons():
    return {name: Lesson.from_notebook(nbformat.read(solution_path(name), as_version=4)) for name in lesson_names()}


def _pasted(module, name, as_name):
    """The reference's source as `inspect.getsource` shows it in the notebook (`ref.lstm_cell??`), renamed
    to the exercise's name, its shape checks dropped (as a red team did, 2026-12-02)."""
    source = textwrap.dedent(inspect.getsource(getattr(importlib.import_module(f"course.{module}"), name)))
    source = re.sub(rf"\b(def|class) {name}\b", rf"\1 {as_name}", source)
    return "\n".join(line for line in source.splitlines() if not re.match(r"\s*_check_\w+\(", line)) + "\n"


def _lesson_of(module):
    return {"tokenization": "01_tokenization", "attention": "03_self_attention", "lstm": "04_lstm",
            "train": "04_lstm", "gpt": "05_nanogpt", "sampling": "06_finetuning", "finetune": "06_finetuning"}[module]


@pytest.mark.parametrize("module, name, as_name", REFERENCES)
def test_a_reference_pasted_into_an_answer_is_refused_and_named(lessons, module, name, as_name):
    found = problems(_pasted(module, name, as_name), lessons[_lesson_of(module)])
    assert any(COPIED in reason and f"course/{module}.py" in reason for reason in found), found


def _without_words(source):
    """The same code with its comments and docstrings gone (``ast.unparse`` keeps neither)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


@pytest.mark.parametrize("module, name, as_name", REFERENCES[:6])
def test_the_same_code_without_the_references_words_is_not_called_a_copy(lessons, module, name, as_name):
    """Code alone cannot tell a copy from an honest answer (lesson 04's own solution of train_loop is the
    reference's code): what the rule reads is the reference's words."""
    bare = _without_words(_pasted(module, name, as_name))
    assert copies.copied(bare) is None
    assert not any(COPIED in reason for reason in problems(bare, lessons[_lesson_of(module)]))


def test_no_solution_and_no_honest_answer_of_the_catalogue_reads_as_a_copy(lessons):
    from tests.mistake_catalogue import CATALOGUE

    for name in lesson_names():
        for cell in nbformat.read(solution_path(name), as_version=4).cells:
            if (cell.metadata.get("nbgrader") or {}).get("solution") and cell.cell_type == "code":
                assert copies.copied(cell.source) is None, (name, cell.source[:200])
    assert [e.mistake for e in CATALOGUE if copies.copied(e.source)] == []


def test_short_comments_and_shapes_are_anyones():
    """A shape (``# (B, T, C) → (B, T, C)``) has no words, and one short line of the course's is not enough."""
    reference = copies.course_phrases()
    short = next(p for p in reference if len(copies.words(p)) == copies.MIN_LINE_WORDS)
    assert copies.copied(f"def f(x):\n    # {short}\n    return x\n") is None
    shapes = "def f(x):\n    y = x  # (B, T, C) -> (B, T, C)\n    z = y  # (B, nh, T, hs) -> (B, T, nh, hs)\n    return z\n"
    assert copies.phrases(shapes) == {}


def test_a_student_may_quote_the_lesson():
    """A phrase of the course's that the lesson itself shows (in its prose, code or outputs) is the
    student's to quote: the rule counts only the reference's words that the lesson does not hold."""
    source = _pasted("lstm", "lstm_cell", "lstm_cell")
    quoted = frozenset(p for p in copies.phrases(source) if p in copies.course_phrases())
    assert copies.copied(source) is not None and copies.copied(source, allowed=quoted) is None
    # the lesson's text, outputs included, as the rules read it
    cell = nbformat.v4.new_markdown_cell("The LSTM: *keep part of the old memory, write part of the new*.")
    lesson = Lesson.from_notebook(nbformat.v4.new_notebook(cells=[cell]))
    assert "keep part of the old memory, write part of the new" in lesson.phrases


def test_the_visible_check_says_the_answer_is_a_copy_before_the_autograder_does():
    """In the student's kernel the self-check reads the answer cell with the same rule and the lesson's
    phrases (``course/checks/lesson_names.json``): a pasted reference fails it, by name."""
    from course.checks import lstm
    from course.checks._core import CheckFailed
    from course.train import TrainConfig  # the lesson's name, which the reference's annotation reads
    with pytest.raises(CheckFailed) as caught:
        lstm.check_lr_schedule(_cell_function(_pasted("train", "lr_at", "lr_at_step"), "lr_at_step",
                                              {"math": math, "torch": torch, "TrainConfig": TrainConfig}))
    assert caught.value.mistake == "answer refused"
    assert COPIED in str(caught.value) and "course/train.py" in str(caught.value)
