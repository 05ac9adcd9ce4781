"""Which self-checks grade which exercise: the course's test cells, by nbgrader grade id.

For each test cell: its lesson, its points, the answer cell it tests, and the checks it runs, as
``(module, check, name)``: ``checks.<check>(<name>)`` where ``<name>`` is what the answer cell defines.
An exercise's points are split over several test cells where it has parts that can be right on their
own: ``…-form`` cells (types and shapes) beside the values in every lesson, and lesson 03's dropout.
A few form cells run a check of their own first (``FORM_CHECKS``), which says in words what their
call raised or what is wrong with the form; the re-check runs those cells' code as it stands.
``course.checks.report`` and the mistake-catalogue tests use it to run an answer's checks by themselves.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    lesson: str
    test: str            # the test cell's grade id
    answer: str          # the answer (solution) cell's grade id
    points: int
    checks: tuple[tuple[str, str, str], ...]  # (module in course.checks, check function, name defined by the answer)


def _e(lesson, test, answer, points, *checks):
    return Exercise(lesson, test, answer, points, tuple(checks))


EXERCISES = [
    _e("01_tokenization", "test-char-encode-decode", "char-encode-decode", 1,
       ("tokenization", "check_char_encode", "char_encode"), ("tokenization", "check_char_decode", "char_decode")),
    _e("01_tokenization", "test-char-encode-decode-form", "char-encode-decode", 1),
    _e("01_tokenization", "test-count-pairs", "count-pairs", 1, ("tokenization", "check_count_pairs", "count_pairs")),
    _e("01_tokenization", "test-count-pairs-form", "count-pairs", 1),
    _e("01_tokenization", "test-merge", "merge", 1, ("tokenization", "check_merge", "merge")),
    _e("01_tokenization", "test-merge-form", "merge", 1),
    _e("01_tokenization", "test-bpe-word", "bpe-word", 1, ("tokenization", "check_bpe_word", "bpe_word")),
    _e("01_tokenization", "test-bpe-word-form", "bpe-word", 1),
    _e("02_cross_attention", "test-cross-attention", "cross-attention", 1,
       ("attention", "check_cross_attention", "cross_attention")),
    _e("02_cross_attention", "test-cross-attention-form", "cross-attention", 1),
    _e("02_cross_attention", "test-sdpa", "sdpa", 1,
       ("attention", "check_scaled_dot_product_attention", "scaled_dot_product_attention")),
    _e("02_cross_attention", "test-sdpa-form", "sdpa", 1),
    _e("02_cross_attention", "test-padding-mask", "padding-mask", 1, ("attention", "check_padding_mask", "padding_mask")),
    _e("02_cross_attention", "test-padding-mask-form", "padding-mask", 1),
    _e("03_self_attention", "test-causal-mask", "causal-mask", 1, ("attention", "check_causal_mask", "causal_mask")),
    _e("03_self_attention", "test-causal-mask-form", "causal-mask", 1),
    _e("03_self_attention", "test-heads", "heads", 1,
       ("attention", "check_split_heads", "split_heads"), ("attention", "check_merge_heads", "merge_heads")),
    _e("03_self_attention", "test-heads-form", "heads", 1),
    _e("03_self_attention", "test-causal-self-attention", "causal-self-attention", 3,
       ("attention", "check_causal_self_attention", "CausalSelfAttention")),
    _e("03_self_attention", "test-attention-dropout", "causal-self-attention", 1,
       ("attention", "check_attention_dropout", "CausalSelfAttention")),
    _e("04_lstm", "test-lstm-cell", "lstm-cell", 1, ("lstm", "check_lstm_cell", "lstm_cell")),
    _e("04_lstm", "test-lstm-cell-form", "lstm-cell", 1),
    _e("04_lstm", "test-shift-batch", "shift-batch", 1, ("lstm", "check_shift_batch", "shift_batch")),
    _e("04_lstm", "test-shift-batch-form", "shift-batch", 1),
    _e("04_lstm", "test-sequence-loss", "sequence-loss", 1, ("lstm", "check_sequence_loss", "sequence_loss")),
    _e("04_lstm", "test-sequence-loss-form", "sequence-loss", 1),
    _e("04_lstm", "test-generate-greedy", "generate-greedy", 1, ("lstm", "check_generate_greedy", "generate_greedy")),
    _e("04_lstm", "test-generate-greedy-form", "generate-greedy", 1),
    _e("04_lstm", "test-lr-schedule", "lr-schedule", 1, ("lstm", "check_lr_schedule", "lr_at_step")),
    _e("04_lstm", "test-lr-schedule-form", "lr-schedule", 1),
    _e("04_lstm", "test-train-loop", "train-loop", 1, ("lstm", "check_train_loop", "train_loop")),
    _e("04_lstm", "test-train-loop-form", "train-loop", 1),
    _e("05_nanogpt", "test-bigram-forward", "bigram-forward", 1, ("gpt", "check_bigram_forward", "bigram_forward")),
    _e("05_nanogpt", "test-bigram-forward-form", "bigram-forward", 1),
    _e("05_nanogpt", "test-causal-average", "causal-average", 1, ("gpt", "check_causal_average", "causal_average")),
    _e("05_nanogpt", "test-causal-average-form", "causal-average", 1),
    _e("05_nanogpt", "test-block-forward", "block-forward", 1, ("gpt", "check_block_forward", "block_forward")),
    _e("05_nanogpt", "test-block-forward-form", "block-forward", 1),
    _e("05_nanogpt", "test-gpt-forward", "gpt-forward", 1, ("gpt", "check_gpt_forward", "gpt_forward")),
    _e("05_nanogpt", "test-gpt-forward-form", "gpt-forward", 1),
    _e("06_finetuning", "test-greedy-decode", "greedy-decode", 1, ("finetune", "check_greedy_decode", "greedy_decode")),
    _e("06_finetuning", "test-greedy-decode-form", "greedy-decode", 1),
    _e("06_finetuning", "test-top-k", "top-k", 1, ("sampling", "check_top_k", "top_k_filter")),
    _e("06_finetuning", "test-top-k-form", "top-k", 1),
    _e("06_finetuning", "test-top-p", "top-p", 1, ("sampling", "check_top_p", "top_p_filter")),
    _e("06_finetuning", "test-top-p-form", "top-p", 1),
    _e("06_finetuning", "test-lm-loss", "lm-loss", 1, ("finetune", "check_lm_loss", "lm_loss")),
    _e("06_finetuning", "test-lm-loss-form", "lm-loss", 1),
    _e("06_finetuning", "test-collate", "collate", 1, ("finetune", "check_collate", "collate")),
    _e("06_finetuning", "test-collate-form", "collate", 1),
]

BY_TEST = {e.test: e for e in EXERCISES}

# The form cells that run a check before their asserts, as ``Exercise.checks``: for the catalogue of wrong
# answers and the report, which run an answer's checks by themselves. (Not in ``Exercise.checks``, which
# are the value tests' self-checks that ``autograder.recheck`` runs on their own.)
FORM_CHECKS = {
    "test-count-pairs-form": (("tokenization", "check_count_pairs_form", "count_pairs"),),
    "test-bigram-forward-form": (("gpt", "check_bigram_forward_form", "bigram_forward"),),
    "test-greedy-decode-form": (("finetune", "check_greedy_decode_form", "greedy_decode"),),
}

# What an answer cell may use without importing it: the names its lesson's first cell imports.
PRELUDE = """\
import collections
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
"""
PRELUDES = {"01_tokenization": "import collections\nimport regex as re\n", "06_finetuning": "import torch\n"}


def run_checks(exercise: Exercise, namespace: dict) -> None:
    """Run the exercise's self-checks on the names an answer cell defined in ``namespace``; the
    ``CausalSelfAttention`` check runs with the course's helpers bound in place of the student's, as
    its test cell does, so a mistake in an earlier exercise is not blamed on this one."""
    import contextlib
    import importlib

    from course.checks.attention import reference_helpers

    for module, check, name in exercise.checks or FORM_CHECKS.get(exercise.test, ()):
        fn = getattr(importlib.import_module(f"course.checks.{module}"), check)
        guard = reference_helpers(namespace) if name == "CausalSelfAttention" else contextlib.nullcontext()
        with guard:
            fn(namespace[name])
