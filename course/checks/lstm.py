"""Self-checks for lesson 04 (next-character prediction with an LSTM).

    from course.checks import lstm as checks
    checks.check_lstm_cell(my_lstm_cell)
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import types

import torch
import torch.nn.functional as F

from course.checks._core import (DIMENSION_TOO_MANY, MAX_PAIR, Mistake, grad_back_on, check_gradient, describe,  # noqa: F401
                                 first_named, form_call, run_check, two_at_once)  # (describe, form_call: the form cells')
from course.data import windows_at
from course.lstm import CharLSTM, CharLSTMConfig, lstm_cell, sequence_loss
from course.train import TrainConfig, lr_at, train_loop


# ---------------------------------------------------------------------------------------------------
# lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh) -> (h, c)

def _cell_with(order: str, g_act=torch.tanh, h_from_c=torch.tanh, keep_old=True, biases="both", coupled=False,
               h_from_old_c=False, swap_outputs=False, o_act=torch.sigmoid, input_gate=True, forget_h=False,
               old_c_out=False, forget_bias=0.0, i_act=torch.sigmoid, squash_after_o=False, f_act=torch.sigmoid,
               recurrent_c=False):
    """A cell built from its parts; the reference when order='ifgo' and the defaults (``recurrent_c``: the
    gates read the old c through W_hh, where h belongs)."""
    def cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
        pre = x @ W_ih.T + (c if recurrent_c else h) @ W_hh.T
        pre = pre + {"both": b_ih + b_hh, "ih": b_ih, "hh": b_hh, "none": 0.0, "ih twice": 2 * b_ih,
                     "hh twice": 2 * b_hh}[biases]
        gates = dict(zip(order, pre.chunk(4, dim=-1)))
        i, f, o = i_act(gates["i"]), f_act(gates["f"] + forget_bias), o_act(gates["o"])
        kept = f * (h if forget_h else c) if keep_old else c
        c_new = kept + (1 - f if coupled else i if input_gate else 1.0) * g_act(gates["g"])
        h_new = (h_from_c(o * c_new) if squash_after_o else
                 o * h_from_c(c if h_from_old_c else c_new))
        c_out = c if old_c_out else c_new
        return (c_out, h_new) if swap_outputs else (h_new, c_out)
    return cell


# every order of the four gates but PyTorch's (i, f, g, o)
_GATE_ORDERS = ["".join(order) for order in itertools.permutations("ifgo") if "".join(order) != "ifgo"]


def _cell_squashed_twice(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """The cell state itself squashed, c_new = tanh(f * c + i * g), and h = o * tanh(c_new) from it."""
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=-1)
    c_new = torch.tanh(torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g))
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def _sigmoid_of_minus(z):
    return torch.sigmoid(-z)


def _sigmoid_steep(z):
    return (torch.tanh(z) + 1) / 2


def _tanh_flat(z):
    return 2 * torch.sigmoid(z) - 1


def _softmax_rows(z):
    return torch.softmax(z, dim=-1)


def _cell_update_multiplied(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """c_new = f * c * i * g: the old and the new memory multiplied instead of added."""
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=-1)
    c_new = torch.sigmoid(f) * c * torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def _cell_squashed_kept(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """c_new = tanh(f * c + i * g) kept as the cell state, and h = o * c_new: h is right, c squashed."""
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=-1)
    c_new = torch.tanh(torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g))
    return torch.sigmoid(o) * c_new, c_new


def _cell_activated_twice(gates: str):
    """lstm_cell whose ``gates`` (some of "ifgo") went through their activation twice: once where the gates
    are split, and again in the formulas (c = sigmoid(f) * c + sigmoid(i) * tanh(g) on gates already
    squashed)."""
    def cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
        pre = dict(zip("ifgo", (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)))
        act = {name: torch.tanh if name == "g" else torch.sigmoid for name in "ifgo"}
        i, f, g, o = (act[n](act[n](pre[n])) if n in gates else act[n](pre[n]) for n in "ifgo")
        c_new = f * c + i * g
        return o * torch.tanh(c_new), c_new
    return cell


def _cell_weights_swapped(h_first):
    """lstm_cell with the input's weights applied to h and the hidden state's to x (``h_first``: the
    product with h written first, so that a size mismatch raises there, as the student's did)."""
    def wrong(x, h, c, W_ih, W_hh, b_ih, b_hh):
        gates = (h @ W_ih.T + b_ih + x @ W_hh.T + b_hh) if h_first else (x @ W_hh.T + b_hh + h @ W_ih.T + b_ih)
        i, f, g, o = gates.chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
    return wrong


def _cell_hidden_size_from(dim):
    """lstm_cell with the hidden size read from the wrong dimension of h (``dim`` 0: the batch), so the gates
    are cut into slices of that width."""
    def wrong(x, h, c, W_ih, W_hh, b_ih, b_hh):
        H = h.shape[dim]
        gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
        i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
    return wrong


def _cell_hidden_size_from_input(x, h, c, W_ih, W_hh, b_ih, b_hh, open_end=False):
    """lstm_cell with the hidden size read from W_ih.shape[1], the INPUT size, so the gates are cut at the wrong
    places (and c, h of the wrong width meet them); ``open_end``: the last gate cut as gates[:, 3 * H:]."""
    H = W_ih.shape[1]
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = (gates[:, k * H:None if open_end and k == 3 else (k + 1) * H] for k in range(4))
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def _cell_concatenated_mismatched(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """lstm_cell with one product: torch.cat([h, x]) against torch.cat([W_ih, W_hh], dim=1), whose columns are
    the input's first, so x meets W_hh's columns and h W_ih's (where the sizes fit)."""
    gates = torch.cat([h, x], dim=1) @ torch.cat([W_ih, W_hh], dim=1).T + b_ih + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def _cell_output_gate_added(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """lstm_cell with h = o + tanh(c_new): the output gate added, not multiplied."""
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) + torch.tanh(c_new), c_new


def _cell_tanh_gates(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """lstm_cell with tanh on all four gates: i, f and o in -1..1 instead of sigmoid's 0..1."""
    i, f, g, o = torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    c_new = f * c + i * g
    return o * torch.tanh(c_new), c_new


def _cell_forget_added(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """lstm_cell with c_new = f + c + i * g: the forget gate added to the old cell state, not multiplied."""
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    c_new = torch.sigmoid(f) + c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def _cell_hidden_size_from_rows(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """lstm_cell with H = W_hh.shape[0] (4H): the first slice takes all four gates and the others are empty."""
    H = W_hh.shape[0]
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def _cell_gates_interleaved(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """lstm_cell that reads the gates as (B, H, 4) and takes them along the last dimension: every fourth
    column, not four blocks of H."""
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (B, 4H)
    i, f, g, o = gates.view(h.shape[0], h.shape[1], 4).unbind(-1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def _cell_split_by_four(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """lstm_cell with gates.split(4, dim=1): pieces of 4 columns, as many as 4H / 4."""
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).split(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def _cell_weights_stacked(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """lstm_cell on [x, h] with the weights stacked along their rows, torch.cat([W_ih, W_hh], dim=0)."""
    gates = torch.cat([x, h], dim=1) @ torch.cat([W_ih, W_hh], dim=0).T + b_ih + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def _cell_as_columns(chunk_dim):
    """lstm_cell in the column-vector convention, W_ih @ x.T + W_hh @ h.T, never transposed back: the gates
    are (4H, B), with the biases added as they are (``chunk_dim`` 1) or as columns (``chunk_dim`` 0), while c
    and h have one row per example. A batch of one broadcasts to a result of the wrong shape; larger ones
    raise."""
    def wrong(x, h, c, W_ih, W_hh, b_ih, b_hh):
        gates = W_ih @ x.T + W_hh @ h.T
        gates = gates + (b_ih + b_hh if chunk_dim == 1 else (b_ih + b_hh)[:, None])
        i, f, g, o = gates.chunk(4, dim=chunk_dim)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
    return wrong


def _cell_cases():
    gen = torch.Generator().manual_seed(404)
    cases = []
    # (the last: one of everything, H = 1 as the hidden tests have: a squeeze(-1) or squeeze(1) changes
    # nothing where H > 1 and drops the hidden dimension there)
    for B, I, H in ((1, 3, 2), (3, 5, 4), (2, 4, 6), (4, 1, 3), (1, 1, 1)):
        r = lambda *shape: torch.randn(*shape, generator=gen)  # noqa: E731
        cases.append((r(B, I), r(B, H), r(B, H), r(4 * H, I), r(4 * H, H), r(4 * H), r(4 * H)))
    return cases


def check_lstm_cell(student_fn):
    """``student_fn(x, h, c, W_ih, W_hh, b_ih, b_hh)`` must return ``(h, c)`` as ``nn.LSTMCell`` does."""
    mistakes = [
        *[Mistake("gate order", f"the gates are in the wrong order. PyTorch stacks them as (i, f, g, o): input, "
                  f"forget, candidate, output — not ({', '.join(order)}).", _cell_with(order)) for order in _GATE_ORDERS],
        Mistake("gates interleaved", "the four gates are four BLOCKS of H columns, (i, f, g, o) one after "
                "another: gates.chunk(4, dim=1). view(B, H, 4) takes every fourth column instead, mixing them.",
                _cell_gates_interleaved),
        Mistake("sigmoid on the candidate", "the candidate g goes through tanh (values in -1..1), not sigmoid.",
                _cell_with("ifgo", g_act=torch.sigmoid)),
        Mistake("relu on the candidate", "the candidate g goes through tanh (values in -1..1), not relu: "
                "c = f * c + i * torch.tanh(g).", _cell_with("ifgo", g_act=torch.relu)),
        Mistake("sigmoid of c instead of tanh", "the new h is o * tanh(c_new): the cell state goes through tanh, "
                "not sigmoid.", _cell_with("ifgo", h_from_c=torch.sigmoid)),
        Mistake("input gate unused", "the candidate must be scaled by the input gate: c = f * c + i * g, with "
                "i = sigmoid(the first quarter of the gates).", _cell_with("ifgo", input_gate=False)),
        Mistake("forget gate applied to h", "the forget gate scales the old CELL state: c = f * c + i * g, "
                "not f * h.", _cell_with("ifgo", forget_h=True)),
        Mistake("old c returned", "return the NEW cell state with the new h: return h_new, c_new, not the c "
                "that came in.", _cell_with("ifgo", old_c_out=True)),
        Mistake("old h returned", "return the NEW hidden state with the new c: return h_new, c_new, not the h "
                "that came in (h_new = o * torch.tanh(c_new) was computed and then not returned).",
                lambda x, h, c, *w: (h, lstm_cell(x, h, c, *w)[1])),
        Mistake("tanh on the output gate", "the output gate o is a gate like i and f: sigmoid (values in 0..1); "
                "only the candidate g goes through tanh.", _cell_with("ifgo", o_act=torch.tanh)),
        Mistake("tanh on the input gate", "the input gate i is a gate like f and o: sigmoid (values in 0..1), "
                "which decides how much of the candidate gets in; only the candidate g goes through tanh: "
                "c = f * c + sigmoid(i) * tanh(g).", _cell_with("ifgo", i_act=torch.tanh)),
        Mistake("tanh on the forget gate", "the forget gate f is a gate like i and o: sigmoid (values in 0..1, how "
                "much of the old cell state to keep); tanh (-1..1) can flip its sign. Only the candidate g goes "
                "through tanh: c = sigmoid(f) * c + sigmoid(i) * tanh(g).", _cell_with("ifgo", f_act=torch.tanh)),
        Mistake("forget gate and candidate activations swapped", "the forget gate f goes through sigmoid and the "
                "candidate g through tanh, not the other way round: i, f, g, o = sigmoid(i), sigmoid(f), tanh(g), "
                "sigmoid(o), in PyTorch's order (i, f, g, o).",
                _cell_with("ifgo", f_act=torch.tanh, g_act=torch.sigmoid)),
        Mistake("sigmoid on the forget gate missing", "the forget gate is a gate like i and o: f = sigmoid(the second "
                "quarter of the gates), in 0..1, then c = f * c + i * g.", _cell_with("ifgo", f_act=lambda z: z)),
        Mistake("sigmoid on the input gate missing", "the input gate is a gate like f and o: i = sigmoid(the first "
                "quarter of the gates), in 0..1, then c = f * c + i * g.", _cell_with("ifgo", i_act=lambda z: z)),
        Mistake("c where h belongs in the gates", "the gates read the input and the previous HIDDEN state: x @ W_ih.T + "
                "b_ih + h @ W_hh.T + b_hh; the cell state c only enters through c_new = f * c + i * g.",
                _cell_with("ifgo", recurrent_c=True)),
        Mistake("h and c parameters swapped", "the cell is called as lstm_cell(x, h, c, ...), the hidden state "
                "before the cell state (nn.LSTMCell's order): with def lstm_cell(x, c, h, ...) the gates read the cell "
                "state and the forget gate scales the hidden state.", _cell_with("ifgo", recurrent_c=True, forget_h=True)),
        Mistake("tanh of o * c", "the output gate scales the squashed cell state: h = o * tanh(c_new), with "
                "the tanh of c_new alone, not tanh(o * c_new).", _cell_with("ifgo", squash_after_o=True)),
        Mistake("tanh of c missing", "the new h is o * tanh(c): the tanh of the cell state is missing.",
                _cell_with("ifgo", h_from_c=lambda c: c)),
        Mistake("cell state squashed", "the cell state is NOT squashed: c_new = f * c + i * g, a plain sum that "
                "may grow past 1 (that is how it carries information over many steps); tanh comes once, on the "
                "way out, h_new = o * torch.tanh(c_new), not also on c_new itself.", _cell_squashed_twice),
        Mistake("forget gate unused", "the old cell state must be scaled by the forget gate: c = f * c + i * g.",
                _cell_with("ifgo", keep_old=False)),
        Mistake("biases missing", "both biases are added to the gates: x @ W_ih.T + b_ih + h @ W_hh.T + b_hh.",
                _cell_with("ifgo", biases="none")),
        *[Mistake("one bias missing", "nn.LSTMCell has two biases and adds both: x @ W_ih.T + b_ih + h @ W_hh.T + b_hh.",
                  _cell_with("ifgo", biases=kept)) for kept in ("ih", "hh")],
        *[Mistake("one bias added twice", f"{twice} is added to the gates twice and {never} never: the input's "
                  "product gets b_ih and the hidden state's gets b_hh, each bias once.",
                  _cell_with("ifgo", biases=f"{kind} twice"))
          for kind, twice, never in (("ih", "b_ih", "b_hh"), ("hh", "b_hh", "b_ih"))],
        Mistake("(c, h) instead of (h, c)", "return the new hidden state first, as nn.LSTMCell does: "
                "return h_new, c_new.", _cell_with("ifgo", swap_outputs=True)),
        Mistake("h from the old c", "the new h uses the NEW cell state: compute c_new = f * c + i * g first, "
                "then h_new = o * tanh(c_new).", _cell_with("ifgo", h_from_old_c=True)),
        Mistake("input gate replaced by 1 - f", "the LSTM has its own input gate: c = f * c + i * g, with "
                "i = sigmoid(the first quarter of the gates), not (1 - f) * g.", _cell_with("ifgo", coupled=True)),
        *[Mistake("W_ih and W_hh swapped", "W_ih multiplies the input and W_hh the hidden state: "
                  "x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, not h @ W_ih.T + x @ W_hh.T.",
                  _cell_weights_swapped(h_first), same_error=True) for h_first in (True, False)],
        Mistake("forget-gate bias added", "nn.LSTMCell adds no constant to the forget gate: f = sigmoid(the "
                "second quarter of the gates), whose biases are b_ih and b_hh alone. A +1 on f is an "
                "initialisation trick (Jozefowicz et al., 2015) that some libraries bake into b_hh instead.",
                _cell_with("ifgo", forget_bias=1.0)),
        Mistake("hidden size from the batch", "h is (B, H): the hidden size is h.shape[1] (or W_hh.shape[1]); "
                "h.shape[0] is the batch size, so the four gates were cut at the wrong places. chunk(4, dim=1) "
                "cuts them without a size.", _cell_hidden_size_from(0), same_error=True),
        *[Mistake("weights not transposed", "W_ih @ x.T gives the gates as columns, (4H, B), while the biases, c "
                  "and h have one row per example: transpose the product back, or write it row-wise from the start, "
                  "x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, (B, 4H).", _cell_as_columns(dim), same_error=True)
          for dim in (1, 0)],
        Mistake("weights not transposed", "W_ih is (4H, I) and W_hh is (4H, H): with one row per example, "
                "x @ W_ih.T and h @ W_hh.T give the (B, 4H) gates.", error="shapes cannot be multiplied"),
        Mistake("weights joined along the wrong dimension", "with [x, h] joined along the columns, (B, I + H), "
                "the weights must be joined along THEIR columns too: torch.cat([W_ih, W_hh], dim=1) is (4H, I + H), "
                "and its .T multiplies [x, h]. dim=0 stacks their rows, which needs I == H (or simply write "
                "x @ W_ih.T + h @ W_hh.T).", _cell_weights_stacked, same_error=True),
        Mistake("split into pieces of the wrong size", "split's first argument is the size of each piece, not "
                "how many: gates.split(4, dim=1) cuts pieces of 4 columns. Use gates.chunk(4, dim=1) (four pieces), "
                "or gates.split(H, dim=1).", _cell_split_by_four, same_error=True),
        Mistake("gates split along the batch", "the four gates lie along the 4H columns: chunk(4, dim=1) "
                "(or dim=-1); chunk's default, dim=0, splits the batch.", error="values to unpack"),
        Mistake("sigmoid on every gate", "you applied sigmoid to all four gates and then tanh to g: the candidate is "
                "tanh of its own pre-activation, torch.tanh(g), not tanh(sigmoid(g)). Apply sigmoid to i, f and o only.",
                _cell_with("ifgo", g_act=lambda z: torch.tanh(torch.sigmoid(z)))),
        Mistake("tanh on the candidate missing", "the candidate g goes through tanh (values in -1..1) before the "
                "input gate scales it: c = f * c + i * torch.tanh(g).", _cell_with("ifgo", g_act=lambda z: z)),
        Mistake("sigmoid on the output gate missing", "the output gate is a gate like i and f: o = sigmoid(the last "
                "quarter of the gates), in 0..1, then h = o * tanh(c_new).", _cell_with("ifgo", o_act=lambda z: z)),
        Mistake("tanh on every gate", "the gates i, f and o go through sigmoid (values in 0..1: how much to let "
                "in, keep, let out); only the candidate g goes through tanh: i, f, o = torch.sigmoid(...), "
                "g = torch.tanh(...).", _cell_tanh_gates),
        Mistake("output gate unused", "the new h is the output gate times the squashed cell state: h = o * "
                "tanh(c_new), with o = sigmoid(the last quarter of the gates), not tanh(c_new) alone.",
                _cell_with("ifgo", o_act=lambda z: torch.ones_like(z))),
        Mistake("tanh on the candidate twice", "g already went through tanh: c = f * c + i * g, not i * "
                "torch.tanh(g) again.", _cell_with("ifgo", g_act=lambda z: torch.tanh(torch.tanh(z)))),
        *[Mistake("gates squashed twice", "the gates already went through their activations where you split them "
                  "(i, f, o = sigmoid(...), g = tanh(...)): use them as they are, c_new = f * c + i * g and "
                  "h_new = o * torch.tanh(c_new), without a second torch.sigmoid (or tanh) in the formulas.",
                  _cell_activated_twice(gates)) for gates in ("ifgo", "ifo", "o", "if")],
        Mistake("hidden size from the gates' rows", "W_hh is (4H, H): W_hh.shape[0] is 4H, all four gates "
                "together; the hidden size is W_hh.shape[1] (or h.shape[1]), and chunk(4, dim=1) cuts the gates "
                "without a size.", _cell_hidden_size_from_rows, same_error=True),
        Mistake("forget gate added", "the forget gate SCALES the old cell state: c = f * c + i * g, a product, "
                "not f + c + i * g.", _cell_forget_added),
        Mistake("output gate added", "the output gate SCALES the squashed cell state: h = o * tanh(c_new), a product, "
                "not o + tanh(c_new).", _cell_output_gate_added),
        Mistake("hidden size from the input", "W_ih is (4H, I): W_ih.shape[1] is the input size I, not the hidden "
                "size. H is h.shape[1] (or W_hh.shape[1]); chunk(4, dim=1) cuts the gates without a size.",
                _cell_hidden_size_from_input, same_error=True),
        # (H = x.shape[1], the same size, with the last gate cut to the end, gates[:, 3 * H:]: wa42)
        Mistake("hidden size from the input", "x.shape[1] (or W_ih.shape[1]) is the input size I, not the hidden "
                "size. H is h.shape[1] (or W_hh.shape[1]); chunk(4, dim=1) cuts the gates without a size.",
                lambda *a: _cell_hidden_size_from_input(*a, open_end=True), same_error=True),
        Mistake("concatenated in different orders", "torch.cat([W_ih, W_hh], dim=1) has the input's columns first, "
                "so the row must be torch.cat([x, h], dim=1), in the same order: with [h, x] the hidden state meets "
                "the input's weights.", _cell_concatenated_mismatched, same_error=True),
        Mistake("sigmoid without its minus sign", "sigmoid(z) = 1 / (1 + exp(-z)): with exp(z) in the denominator "
                "every gate is sigmoid(-z) = 1 - sigmoid(z), open where it should be shut. Use torch.sigmoid.",
                _cell_with("ifgo", i_act=_sigmoid_of_minus, f_act=_sigmoid_of_minus, o_act=_sigmoid_of_minus)),
        Mistake("sigmoid from tanh without halving z", "sigmoid(z) = (tanh(z / 2) + 1) / 2: (tanh(z) + 1) / 2 is "
                "sigmoid(2 z), a gate twice as steep. Use torch.sigmoid.",
                _cell_with("ifgo", i_act=_sigmoid_steep, f_act=_sigmoid_steep, o_act=_sigmoid_steep)),
        Mistake("tanh from sigmoid without doubling z", "tanh(z) = 2 * sigmoid(2 z) - 1: 2 * sigmoid(z) - 1 is "
                "tanh(z / 2), half as steep. Use torch.tanh for the candidate and for the cell state.",
                _cell_with("ifgo", g_act=_tanh_flat, h_from_c=_tanh_flat)),
        Mistake("hard sigmoid on the gates", "nn.LSTMCell's gates go through the logistic sigmoid, torch.sigmoid; "
                "F.hardsigmoid (a piecewise-linear stand-in, Keras's old default) gives other values.",
                _cell_with("ifgo", i_act=F.hardsigmoid, f_act=F.hardsigmoid, o_act=F.hardsigmoid)),
        Mistake("softmax on the gates", "each gate value is its own sigmoid, in 0..1: torch.sigmoid(i). A softmax "
                "over the H units makes them share 1 between them, so every gate is nearly shut.",
                _cell_with("ifgo", i_act=_softmax_rows, f_act=_softmax_rows, o_act=_softmax_rows)),
        Mistake("relu of c instead of tanh", "the new h is o * tanh(c_new): the cell state goes through tanh "
                "(values in -1..1), not relu.", _cell_with("ifgo", h_from_c=torch.relu)),
        Mistake("cell update multiplied", "the old memory and the new one are ADDED: c = f * c + i * g; "
                "f * c * i * g multiplies them, so the cell can only shrink.", _cell_update_multiplied),
        Mistake("cell state squashed", "the cell state is NOT squashed: return c_new = f * c + i * g, a plain sum "
                "that may grow past 1 (that is how it carries information over many steps); tanh comes on the way "
                "out only, h_new = o * torch.tanh(c_new).", _cell_squashed_kept),
        *[Mistake("a dimension of size 1 squeezed", "h and c are (B, H) whatever B and H are: with H = 1 (or B = 1) "
                  "a squeeze drops that dimension and returns (B,) (or (H,)). Return h_new and c_new as they are, "
                  "without .squeeze().", lambda *a, dims=dims: tuple(t.squeeze(*dims) for t in lstm_cell(*a)))
          for dims in ((-1,), (1,), (0,), ())],
    ]
    single = first_named(mistakes)
    orders = [m for m in mistakes if m.name == "gate order"]  # (one per order, _GATE_ORDERS's)
    mistakes += two_at_once([*[(m, "order", lambda *a, o=o: o) for m, o in zip(orders, _GATE_ORDERS)],
                             (single["(c, h) instead of (h, c)"], "swap_outputs", lambda *a: True),
                             (single["old c returned"], "old_c_out", lambda *a: True),
                             (single["h from the old c"], "h_from_old_c", lambda *a: True),
                             (single["sigmoid on the candidate"], "g_act", lambda *a: torch.sigmoid),
                             (single["sigmoid of c instead of tanh"], "h_from_c", lambda *a: torch.sigmoid),
                             (single["tanh of c missing"], "h_from_c", lambda *a: lambda c: c),
                             (single["forget gate applied to h"], "forget_h", lambda *a: True),
                             (single["biases missing"], "biases", lambda *a: "none"),
                             (single["forget gate unused"], "keep_old", lambda *a: False),
                             (single["tanh on the input gate"], "i_act", lambda *a: torch.tanh),
                             (single["tanh on the forget gate"], "f_act", lambda *a: torch.tanh)],
                            lambda args, knobs: _cell_with(knobs.pop("order", "ifgo"), **knobs)(*args),
                            # (without the forget gate in c its activation shows nowhere; with c scaled by f
                            # in place of h the old c is never read)
                            apart=[{"keep_old", "f_act"}, {"keep_old", "forget_h"}])
    # (c updated in place would change the caller's state, which the unrolled loop still holds)
    run_check("lstm_cell", student_fn, lstm_cell, _cell_cases(), mistakes=mistakes, unchanged=True)
    # the unrolled loop trains through the cell: the input, both states and the weights get their gradients
    check_gradient("lstm_cell", student_fn, lstm_cell, _cell_cases()[0], wrt=range(7),
                   pick=lambda out: out[0].sum() + out[1].sum(), mistakes=[
                       Mistake("cut off from the graph", "the values are right, but no gradient flows back through "
                               "the new cell state: a .detach() (or .data) on c_new cuts it off, and the cell state "
                               "is the path that carries the gradient across many steps. Keep c_new in the graph; "
                               "only a training loop that carries the state from one window to the next detaches "
                               "it, outside the cell.", _cell_detached(before_h))
                       for before_h in (True, False)])


def _cell_detached(before_h):
    """The cell with c_new detached: before h_new is computed from it (``before_h``) or only as returned."""
    def cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
        i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h_new = torch.sigmoid(o) * torch.tanh(c_new.detach() if before_h else c_new)
        return h_new, c_new.detach()
    return cell


# ---------------------------------------------------------------------------------------------------
# shift_batch(data, starts, block_size) -> (x, y)

def _shift_cases():
    gen = torch.Generator().manual_seed(4)
    cases = []
    # (the last, one window: a slice with the whole starts tensor works there, torch.tensor of a list of rows
    # still fails, so the two, which raise the same TypeError on the others, are told apart)
    for n, block_size, batch in ((40, 5, 3), (60, 8, 4), (25, 3, 1)):
        data = torch.randint(0, 50, (n,), generator=gen)
        starts = torch.randint(1, n - block_size - 1, (batch,), generator=gen)
        cases.append((data, starts, block_size))
    # the first and the last windows of the data, as the hidden tests have: the last window's last label is
    # data's last token (an answer that clamped the labels' positions one short passed the cases above, wa37)
    data = torch.randint(0, 50, (30,), generator=gen)
    cases.append((data, torch.tensor([30 - 4 - 1, 0, 9]), 4))
    # one window of one token, the data's last, as the hidden tests have (block_size 1, B 1): an answer that
    # squeezed the rows' dimension passed the cases above and lost the point in the grade (wa39)
    data = torch.randint(0, 50, (12,), generator=gen)
    cases.append((data, torch.tensor([12 - 1 - 1]), 1))
    return cases


def _windows(data, starts, block_size, x_shift, y_shift):
    rows_x = [data[s + x_shift:s + x_shift + block_size] for s in starts.tolist()]
    rows_y = [data[s + y_shift:s + y_shift + block_size] for s in starts.tolist()]
    return torch.stack(rows_x), torch.stack(rows_y)


def _grid_windows(data, starts, block_size, scale, y_shift):
    """The windows by indexing with a (B, block_size) grid of positions, starts[:, None] * ``scale`` +
    torch.arange(block_size), and the labels ``y_shift`` further on (an index past the end raises IndexError)."""
    idx = starts[:, None] * scale + torch.arange(block_size)
    return data[idx], data[idx + y_shift]


def check_shift_batch(student_fn):
    """``student_fn(data, starts, block_size)`` must return ``(x, y)`` of shape (len(starts), block_size):
    ``x[i] = data[s : s+block_size]`` and ``y[i] = data[s+1 : s+block_size+1]`` for ``s = starts[i]``."""
    mistakes = [
        Mistake("labels not shifted", "the labels are not shifted: y must be the token after each x, y = data[s+1 : s+1+block_size].",
                lambda d, s, b: _windows(d, s, b, 0, 0)),
        Mistake("rows reordered", "row i of x and y starts at starts[i], in the order given: loop over starts as it "
                "is, not sorted(starts).", lambda d, s, b: windows_at(d, torch.sort(s).values, b)),
        Mistake("x and y swapped", "x and y are swapped: x is the input data[s : s+block_size], y the next tokens.",
                lambda d, s, b: _windows(d, s, b, 1, 0)),
        Mistake("shifted the wrong way", "the labels are shifted the wrong way: y is the NEXT token, data[s+1 : …], not the previous.",
                lambda d, s, b: _windows(d, s, b, 0, -1)),
        Mistake("(block_size, B) instead of (B, block_size)", "one ROW per window: torch.stack(rows) stacks "
                "them along dim 0, giving (B, block_size); don't transpose.",
                lambda d, s, b: tuple(t.T for t in _windows(d, s, b, 0, 1))),
        Mistake("list instead of tuple", "return the tuple (x, y), with x and y (B, block_size) tensors, "
                "not a list.", lambda d, s, b: list(_windows(d, s, b, 0, 1)), credit=0.5),
        Mistake("y one token too long", "y = data[s+1 : s+block_size+1] has block_size tokens, like x.",
                lambda d, s, b: (_windows(d, s, b, 0, 1)[0],
                                 torch.stack([d[i + 1:i + b + 2] for i in s.tolist()]))),
        *[Mistake("block_size not used", "each window has block_size tokens, the argument: data[s : s + block_size] "
                  "and data[s + 1 : s + block_size + 1], not T (the demo's T = 12 above is a global of the notebook) "
                  "or a number of your own.", lambda d, s, b, size=size: _windows(d, s, size, 0, 1), same_error=True)
          for size in (8, 12, 16, 32, 64, 128, 256)],
        Mistake("windows one token short", "a slice's end is excluded: data[s : s+block_size] has block_size "
                "tokens, and y = data[s+1 : s+block_size+1].", lambda d, s, b: _windows(d, s, b - 1, 0, 1)),
        Mistake("concatenated instead of stacked", "torch.cat joins the windows end to end into one long row; "
                "torch.stack(rows) makes a (B, block_size) tensor, one row per window.",
                lambda d, s, b: tuple(t.reshape(-1) for t in _windows(d, s, b, 0, 1))),
        Mistake("last label from inside the window", "y's last token is the one AFTER the window, "
                "data[s + block_size], not data[s + block_size - 1] (x's last token again): y = "
                "data[s+1 : s+block_size+1].", lambda d, s, b: (lambda x: (x, torch.cat(
                    [x[:, 1:], torch.stack([d[i + b - 1] for i in s.tolist()])[:, None]], dim=1)))(
                        _windows(d, s, b, 0, 1)[0])),
        Mistake("labels rolled", "torch.roll wraps x's first token round to the end of y; the last label is the "
                "token AFTER the window, data[s + block_size]: y = data[s+1 : s+block_size+1].",
                lambda d, s, b: (lambda x: (x, torch.roll(x, -1, dims=1)))(_windows(d, s, b, 0, 1)[0])),
        Mistake("rows not stacked", "you returned lists of rows; torch.stack(rows) makes each of x and y one "
                "(B, block_size) tensor.", lambda d, s, b: tuple(list(t) for t in _windows(d, s, b, 0, 1))),
        # (a chunk of block_size + 2 cut into x and y: the slice stops at the data's end, so the last window's
        # pair is right there, the case of one window of one token)
        *[Mistake("windows one token too long", "data[s : s+block_size] already has block_size tokens (a slice's "
                  "end is excluded): x = data[s : s+block_size], y = data[s+1 : s+block_size+1], without another + 1.",
                  wrong) for wrong in (lambda d, s, b: _windows(d, s, b + 1, 0, 1),
                                       lambda d, s, b: (lambda c: (c[:, :-1], c[:, 1:]))(_windows(d, s, b + 2, 0, 0)[0]))],
        Mistake("only the last window", "each pass of the loop overwrote x and y, so only the last start's "
                "window is left: collect one row per start and stack them, x = torch.stack([data[s:s+block_size] "
                "for s in starts.tolist()]), (B, block_size).",
                lambda d, s, b: tuple(t[-1] for t in _windows(d, s, b, 0, 1))),
        *[Mistake("labels from the next window", "y is x shifted by ONE token, data[s+1 : s+block_size+1], not "
                "the window after it, data[s+block_size : s+2*block_size].",
                wrong, same_error=True) for wrong in (lambda d, s, b: _windows(d, s, b, 0, b),
                                                      lambda d, s, b: _grid_windows(d, s, b, 1, b))],
        *[Mistake("starts read as window numbers", "starts holds POSITIONS in data, where each window begins: "
                  "x = data[s : s+block_size] for s in starts, not window number s of a grid of block_size "
                  "(s * block_size, or data.unfold(0, block_size, block_size)[s]).", wrong, same_error=True)
          for wrong in (lambda d, s, b: _windows(d, s * b, b, 0, 1), lambda d, s, b: _grid_windows(d, s, b, b, 1),
                        lambda d, s, b: (d.unfold(0, b, b)[s], d.unfold(0, b, b)[s + 1]))],
        Mistake("x one token too long", "x = data[s : s+block_size] has block_size tokens, like y: don't add 1 "
                "to its end.", lambda d, s, b: (_windows(d, s, b + 1, 0, 1)[0], _windows(d, s, b, 0, 1)[1])),
        *[Mistake("the data's last token left out", "a start of len(data) - block_size - 1 is the last window "
                  "that still has a label for every input: its last label is data's LAST token. A bound of "
                  "len(data) - 2 on the labels' positions (or of len(data) - block_size - 2 on the starts) cuts it "
                  "off; use the starts as given, y = data[s+1 : s+block_size+1], which always stays inside data.",
                  wrong) for wrong in (
                      lambda d, s, b: _grid_windows(d, s, b, 1, 0)[:1] + (
                          d[(s[:, None] + torch.arange(b) + 1).clamp(max=len(d) - 2)],),
                      lambda d, s, b: windows_at(d, s.clamp(max=len(d) - b - 2), b))],
        Mistake("row numbers instead of starts", "each window starts at s = starts[i], not at i: for s in "
                "starts.tolist(): data[s : s+block_size].",
                lambda d, s, b: _windows(d, torch.arange(len(s)), b, 0, 1)),
        Mistake("float tensors instead of ids", "token ids stay integers (torch.long, as data is): drop .float() "
                "(or torch.FloatTensor); embeddings and cross-entropy need long ids.",
                lambda d, s, b: tuple(t.float() for t in _windows(d, s, b, 0, 1))),
        Mistake("float tensors instead of ids", "token ids stay integers (torch.long, as data is): drop .double(); "
                "embeddings and cross-entropy need long ids.",
                lambda d, s, b: tuple(t.double() for t in _windows(d, s, b, 0, 1))),
        Mistake("labels shifted by two", "y is shifted by ONE token: y = data[s+1 : s+block_size+1], the token "
                "right after each of x's.", lambda d, s, b: _windows(d, s, b, 0, 2)),
        Mistake("windows start one early", "the window starts AT s, not at s - 1: x = data[s : s+block_size], "
                "y = data[s+1 : s+block_size+1].", lambda d, s, b: _windows(d, s, b, -1, 0)),
        Mistake("labels one token short", "a slice's end is excluded: y = data[s+1 : s+block_size+1] ends one "
                "further than x's window, so it has block_size tokens too.",
                lambda d, s, b: (_windows(d, s, b, 0, 1)[0], _windows(d, s, b - 1, 0, 1)[1])),
        Mistake("windows start one late", "x starts AT s: x = data[s : s+block_size], y = data[s+1 : s+block_size+1]; "
                "don't add 1 to both.", lambda d, s, b: _windows(d, s, b, 1, 2)),
        Mistake("torch.tensor of a list of tensors", "torch.tensor([...]) builds a tensor from numbers and lists of "
                "numbers, not from a list of tensors (each row is tried as one number): torch.stack(rows) makes the "
                "(B, block_size) tensor.", lambda d, s, b: (torch.tensor([d[i:i + b] for i in s]),
                                                            torch.tensor([d[i + 1:i + 1 + b] for i in s])), same_error=True,
                shows=lambda got: False),  # (named by its error only: with windows of one token, rows (B,) squeezed)
        Mistake("labels as ids plus one", "x + 1 adds one to every id: the labels are the NEXT tokens of the data, "
                "the window one step further along, y = data[s+1 : s+block_size+1] for each start s.",
                lambda d, s, b: (lambda x: (x, x + 1))(_windows(d, s, b, 0, 1)[0])),
        Mistake("last labels not made a column", "data[starts + block_size] is 1-D, one id per row, (B,): make it a "
                "column, data[starts + block_size][:, None] ((B, 1)), to join it to x[:, 1:] with torch.cat(..., dim=1).",
                lambda d, s, b: (lambda x: (x, torch.cat([x[:, 1:], d[s + b]], dim=1)))(_windows(d, s, b, 0, 1)[0]),
                same_error=True),
        Mistake("sliced with the whole starts tensor", "a slice takes one start: data[s : s + block_size] for each "
                "s in starts.tolist(), then torch.stack the rows (or index with starts[:, None] + "
                "torch.arange(block_size)).", error="can be converted to an index"),
        Mistake("starts not made a column", "starts (B,) + torch.arange(block_size) (block_size,) lines the two up "
                "along one dimension, which fails unless B == block_size: make starts a column, starts[:, None] + "
                "torch.arange(block_size) ((B, 1) + (block_size,) = (B, block_size)), and index data with that.",
                lambda d, s, b: (d[s + torch.arange(b)], d[s + torch.arange(b) + 1]), same_error=True,
                shows=lambda got: False),  # (named by its error only: with one window its output is a squeezed one)
        Mistake("x and y stacked into one tensor", "torch.stack([x, y]) makes one (2, B, block_size) tensor: "
                "return the tuple of the two, return x, y.", lambda d, s, b: torch.stack(windows_at(d, s, b))),
        Mistake("B positions instead of block_size", "each window has block_size tokens, whatever the number of "
                "windows B = len(starts): starts[:, None] + torch.arange(block_size), not torch.arange(len(starts)).",
                lambda d, s, b: (lambda ix: (d[ix], d[ix + 1]))(s[:, None] + torch.arange(len(s)))),
        Mistake("one (x, y) pair per window", "you returned one stacked (x, y) pair per window, B tensors of shape "
                "(2, block_size): return two tensors, x with the B windows' inputs and y with their labels, "
                "x = torch.stack([...inputs...]), y = torch.stack([...labels...]); return x, y.",
                lambda d, s, b: tuple(torch.stack(pair) for pair in zip(*windows_at(d, s, b)))),
        *[Mistake("a dimension of size 1 squeezed", "x and y are (B, block_size) whatever B and block_size are: "
                  "with block_size = 1 a squeeze drops that dimension and returns (B,). Return the stacked rows as "
                  "they are, without .squeeze(...).", lambda d, s, b, dim=dim: tuple(t.squeeze(dim) for t in
                                                                                     windows_at(d, s, b)))
          for dim in (-1, 1)],
    ]
    # two of them at once (wa43: x and y swapped with the labels two on; x one late beside the right y)
    single = first_named(mistakes)
    pairs = two_at_once([(single["windows start one late"], "start", lambda *a: 1),
                         (single["windows start one early"], "start", lambda *a: -1),
                         (single["labels not shifted"], "label", lambda *a: 0),
                         (single["shifted the wrong way"], "label", lambda *a: -1),
                         (single["labels shifted by two"], "label", lambda *a: 2),
                         (single["x and y swapped"], "swap", lambda *a: True)],
                        lambda args, knobs: _windows_with(*args, **knobs))
    # (not where x and y are one tensor: y = x, shifted in place, gives both the same window of s + 1 as the
    # windows one late with labels not shifted, and the check says "results share memory")
    mistakes += [Mistake(m.name, m.hint, m.wrong, shows=_apart) for m in pairs]
    run_check("shift_batch", student_fn, windows_at, _shift_cases(), mistakes=mistakes,
              unchanged=True)  # (data is the caller's corpus, starts the caller's offsets: starts += 1 changes them)


def _apart(got) -> bool:
    """Whether the (x, y) returned are two tensors, not one under two names."""
    return not (isinstance(got, tuple) and len(got) == 2 and all(isinstance(t, torch.Tensor) for t in got)
                and got[0].data_ptr() == got[1].data_ptr())


def _windows_with(data, starts, block_size, start=0, label=1, swap=False):
    """shift_batch with the common mistakes as knobs, for two of them at once (``two_at_once``): the windows
    ``start`` that many tokens after s, the labels ``label`` tokens after the inputs, and x and y ``swap``ped."""
    x, y = _windows(data, starts, block_size, start, start + label)
    return (y, x) if swap else (x, y)


# ---------------------------------------------------------------------------------------------------
# generate_greedy(model, idx, max_new_tokens) -> idx with max_new_tokens more tokens

def _case_model(seed: int, vocab_size: int, n_layers: int) -> CharLSTM:
    torch.manual_seed(seed)
    model = CharLSTM(CharLSTMConfig(vocab_size=vocab_size, n_embd=8, hidden_size=16, n_layers=n_layers))
    with torch.no_grad():  # larger weights than at initialisation, so the state matters to the output
        for p in model.parameters():
            p.mul_(4.0)
    return model.eval()


def _generate_cases():
    gen = torch.Generator().manual_seed(40)
    cases = []
    for seed, (vocab, layers, B, T, n) in enumerate(((12, 1, 1, 4, 6), (20, 2, 2, 6, 8), (9, 3, 1, 1, 5),
                                                     (10, 2, 2, 3, 0))):  # no new token: the hidden tests ask too
        cases.append((_case_model(seed, vocab, layers), torch.randint(0, vocab, (B, T), generator=gen), n))
    cases[1][0].train()  # one model comes in training mode (dropout 0: the same ids), and must leave in it
    # a model whose text does not settle into one repeated id, where what the first prompt token predicts,
    # what the last one alone predicts and what the whole prompt predicts all differ
    cases.append((_case_model(8, 15, 1), torch.randint(0, 15, (2, 5), generator=torch.Generator().manual_seed(8)), 8))
    return cases


def _generate_every_position(model, idx, n):
    """generate_greedy that appends logits.argmax(-1) of every position (after the prompt, all T of them at once)."""
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(n):
            next_id = logits.argmax(dim=-1)
            idx = torch.cat([idx, next_id], dim=1)
            logits, state = model.forward_with_state(next_id, state)
    return idx


def _reference_generate(model, idx, max_new_tokens):
    return model.generate(idx, max_new_tokens, greedy=True)


def _generate_reset_state(model, idx, n):
    with torch.no_grad():
        logits, _ = model.forward_with_state(idx)
        for _ in range(n):
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
            logits, _ = model.forward_with_state(idx[:, -1:], None)  # the state is thrown away
    return idx


def _generate_state_swapped(model, idx, n):
    with torch.no_grad():
        logits, (h, c) = model.forward_with_state(idx)
        for _ in range(n):
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
            logits, (h, c) = model.forward_with_state(idx[:, -1:], (c, h))  # the mistake: (c, h) for (h, c)
    return idx


def _generate_last_token_twice(model, idx, n):
    with torch.no_grad():
        _, state = model.forward_with_state(idx)
        for _ in range(n):  # feeds idx[:, -1:] before choosing, so the prompt's last token is read twice
            logits, state = model.forward_with_state(idx[:, -1:], state)
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return idx


def _generate_sampled(model, idx, n):
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)  # the seed the check sets before calling the answer
        logits, state = model.forward_with_state(idx)
        for _ in range(n):
            nxt = torch.multinomial(torch.softmax(logits[:, -1], dim=-1), 1)
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model.forward_with_state(nxt, state)
    return idx


def _sample_pick(logits, dim=-1, keepdim=True):
    """A draw from the softmax of (B, V) logits, a (B, 1) column: the sampling in place of argmax, as a pick."""
    return torch.multinomial(torch.softmax(logits, dim=dim), 1)


def _generate_stale_state(model, idx, n):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(n):
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
            logits, _ = model.forward_with_state(idx[:, -1:], state)  # the prompt's state, every step
    return idx


def _generate_prompt_skipped(model, idx, n):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx[:, -1:])  # only the prompt's last token
        for _ in range(n):
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
            logits, state = model.forward_with_state(idx[:, -1:], state)
    return idx


class ForbiddenCall(Exception):
    """Raised by the model that a check hands to ``generate_greedy`` when its ``generate`` is called."""


def _forbidden_generate(*args, **kwargs):
    raise ForbiddenCall("model.generate was called: write the loop yourself, with forward_with_state")


def _counting_forward(forward, lengths: list[int], stated: list[bool] | None = None):
    """The LSTM's ``forward``, noting the length of each sequence it reads: called as ``model.lstm(x)``, as
    ``model.lstm.forward(x)`` (which a forward hook misses: an honest answer that read its prompt so was told it
    "re-reads the prefix", rt31) or with the input by keyword (``input=x``, which a hook's ``args`` lacks);
    and in ``stated`` whether each read was given a state (``hx``) to start from."""
    def counted(*args, **kwargs):
        given = args[0] if args else kwargs.get("input")
        if isinstance(given, torch.Tensor) and given.dim() >= 2:  # (B, T, C), or one unbatched (T, C)
            lengths.append(given.shape[-2])
            if stated is not None:
                stated.append((args[1] if len(args) > 1 else kwargs.get("hx")) is not None)
        return forward(*args, **kwargs)
    return counted


def check_generate_greedy(student_fn):
    """``student_fn(model, idx, max_new_tokens)``: run the (B, T) prompt ``idx`` through
    ``model.forward_with_state`` once, then repeatedly append the most likely next token and feed only
    that token with the carried state. Must return the (B, T + max_new_tokens) ids. The check also
    watches how the model is called (a hook on its LSTM): the prompt once, then one token per step,
    never the prefix again, and never ``model.generate``."""
    lengths: list[int] = []
    stated: list[bool] = []  # whether each of those reads started from a state
    modes: list[tuple[bool, bool]] = []  # model.training before and after each call

    def probed(model, idx, max_new_tokens):
        lengths.clear()
        stated.clear()
        model.generate = _forbidden_generate  # the check's own model (a copy): not the student's code
        model.lstm.forward = _counting_forward(model.lstm.forward, lengths, stated)  # (the check's model, its own attribute)
        before = model.training
        try:
            with torch.random.fork_rng(devices=[]):  # a seed, so that a sampling answer can be recognised
                torch.manual_seed(0)
                return student_fn(model, idx, max_new_tokens)
        finally:
            del model.lstm.forward
            modes.append((before, model.training))
    probed.__wrapped__ = student_fn  # (the rules read student_fn's cell: course.checks._core.answer_of)

    def calls(case):
        _, idx, n = case
        T = idx.shape[1]
        if modes and modes[-1][0] != modes[-1][1]:
            before, now = modes[-1]
            return (f"the ids are right, but the model came in {'training' if before else 'eval'} mode and "
                    f"went back in {'training' if now else 'eval'} mode", Mistake(
                        "the model's mode changed", "leave the caller's model in the mode it came in: "
                        "model.train() turns dropout on for generation and for whoever uses the model next, and a "
                        "model.eval() never undone leaves a model that was training in eval mode. Don't change the mode (the "
                        "course's models come in eval mode), or put back what it was, as model.generate does: "
                        "was = model.training; model.eval(); …; model.train(was)."))
        if not lengths:  # (for no new token the prompt alone is the answer: no call is needed)
            return None if n == 0 else (
                "the model was never called",
                Mistake("prompt not read", "run forward_with_state on the whole prompt first: read the prompt "
                        "once, then one token per step."))
        if T > 1 and lengths[:1] == [T - 1] and all(k == 1 for k in lengths[1:]):
            return (f"the model read sequences of lengths {lengths[:8]}{' …' if len(lengths) > 8 else ''}; "
                    f"expected the prompt once ({T}), then 1 per step",
                    Mistake("prompt read in two calls", "the text is right, but read the whole prompt in one "
                            "call, forward_with_state(idx): its last logits already predict the first new "
                            "token. Feeding the prompt's last token on its own is one call too many, and "
                            "idx[:, :-1] is empty for a one-token prompt."))
        if lengths[:1] == [T] and any(k > 1 and was for k, was in zip(lengths[1:], stated[1:])):
            # (the text so far fed with the state that already read it: the same ids here, where this small
            # model forgets fast, but not on every case, wa43)
            return (f"the model read sequences of lengths {lengths[:8]}{' …' if len(lengths) > 8 else ''}, each "
                    f"from the state of the last call; expected the prompt once ({T}), then 1 per step",
                    Mistake("whole text fed with the state", "each step feeds the whole text so far AND the state "
                            "that has already read it, so the model reads the text twice over (the ids can match "
                            "here and there, but not in general): feed only the new token with that state, "
                            "logits, state = model.forward_with_state(next_id, state)."))
        if lengths[:1] != [T] or any(k != 1 for k in lengths[1:]):
            return (f"the model read sequences of lengths {lengths[:8]}{' …' if len(lengths) > 8 else ''}; "
                    f"expected the prompt once ({T}), then 1 per step",
                    Mistake("re-reads the prefix", "the text is right but each step runs the model on the "
                            "whole text again: feed only the new token, with the state returned by the "
                            "previous call (forward_with_state(next_id, state)).", credit=0.5))
        if len(lengths) - 1 not in (max(n - 1, 0), n):
            return (f"{len(lengths) - 1} one-token steps for {n} new tokens", None)
        return None

    mistakes = [
        Mistake("state reset", "the state is reset at every step: pass the state returned by the previous "
                "call back into forward_with_state, or the model forgets everything but the last token.",
                _generate_reset_state),
        Mistake("hidden and cell state swapped", "the state goes back in the order it came out, (h, c), the "
                "hidden state first (as nn.LSTM returns and takes it): pass the returned state on as it is, "
                "logits, state = model.forward_with_state(next_id, state), without unpacking and reordering it.",
                _generate_state_swapped),
        Mistake("last token fed twice", "the prompt's last token is fed twice: after reading the prompt, "
                "its logits already predict the first new token; feed each new token once, after choosing it.",
                _generate_last_token_twice),
        Mistake("first position's logits", "the next id comes from the scores at the LAST position, "
                "logits[:, -1, :]: logits[:, 0, :] after reading the prompt predicts its second token.",
                _generate_first_position),
        Mistake("prompt not read", "run forward_with_state on the whole prompt first, then continue from "
                "its state.", _generate_prompt_skipped),
        Mistake("calls model.generate", "generate_greedy must write the loop itself: read the prompt with "
                "forward_with_state, then one token per step.", error="model.generate was called"),
        Mistake("new tokens only", "return the prompt followed by the new tokens, shape (B, T + max_new_tokens).",
                lambda model, idx, n: _reference_generate(model, idx, n)[:, idx.shape[1]:]),
        Mistake("sampled instead of argmax", "greedy decoding takes the most likely token, "
                "logits[:, -1].argmax(-1, keepdim=True), not a sample.", error="multinomial"),
        Mistake("sampled instead of argmax", "greedy decoding takes the most likely token, "
                "logits[:, -1].argmax(-1, keepdim=True), not a sample (torch.multinomial): sampling gives "
                "another text at every run.", _generate_sampled),
        Mistake("state not updated", "each step must continue from the state the previous call returned: "
                "logits, state = model.forward_with_state(next_id, state); you kept passing the prompt's state.",
                _generate_stale_state),
        Mistake("argmax without keepdim", "argmax(-1) of (B, V) logits is (B,); keep a (B, 1) column with "
                "argmax(dim=-1, keepdim=True), so that torch.cat([idx, next_id], dim=1) and the next "
                "forward_with_state get a (B, 1) tensor.", error="same number of dimensions: got 2 and 1"),
        DIMENSION_TOO_MANY,
        MAX_PAIR,
        Mistake("last row of the batch instead of the last position", "logits is (B, T, V): logits[-1] is the "
                "last SEQUENCE of the batch, all its positions. The scores for the next token are the last "
                "position of every sequence, logits[:, -1, :].", _generate_last_row, same_error=True),
        # (only as ids: float scores fed back raise what any float ids do)
        Mistake("the largest score instead of its index", "x.max(dim=-1, keepdim=True)[0] is the largest SCORE; the "
                "token id is where it lies, [1] (.indices), or x.argmax(dim=-1, keepdim=True).", _generate_max_values),
        Mistake("argmax over the whole batch", "argmax() without dim= flattens the (B, V) logits and gives one "
                "index into all B * V of them, not a token id: take argmax(dim=-1, keepdim=True), one id per "
                "sequence.", error="token ids must lie in", on=lambda model, idx, n: idx.shape[0] > 1),
        Mistake(".item() on a batch", ".item() (and int()) turns a tensor of ONE number into a Python number: with "
                "a batch of B > 1 prompts there are B next ids, one per row. Keep them as a (B, 1) tensor, "
                "logits[:, -1, :].argmax(dim=-1, keepdim=True), with no .item() or torch.tensor([[...]]).",
                error="elements cannot be converted to Scalar", on=lambda model, idx, n: idx.shape[0] > 1),
        Mistake("first token outside the loop", "with the first new token appended before the loop, "
                "max_new_tokens=0 still adds one: append every new token inside the loop, "
                "for _ in range(max_new_tokens).", lambda model, idx, n: _reference_generate(model, idx, max(n, 1))),
        Mistake("one token too few", "return exactly max_new_tokens new tokens: the prompt's logits give the "
                "first one, then one per step.", lambda model, idx, n: _reference_generate(model, idx, n - 1)),
        Mistake("max_new_tokens read as the total length", "max_new_tokens counts the NEW ids only: append "
                "max_new_tokens ids after the T of the prompt (the result is (B, T + max_new_tokens)), not ids "
                "until the text is max_new_tokens long.",
                lambda model, idx, n: _reference_generate(model, idx, max(n - idx.shape[1], 0))),
        Mistake("appended along the batch", "append each new token as a new COLUMN: torch.cat([idx, next_id], "
                "dim=1); dim=0 adds rows, as if it were another sequence.",
                _generate_appended_rows, error="except in dimension 0"),
        Mistake("prompt's state dropped", "keep the state that reading the prompt returns, logits, state = "
                "model.forward_with_state(idx), and pass it with the first new token: starting from None forgets "
                "the prompt.", _generate_prompt_state_dropped),
        Mistake("a pair used as the logits", "model.forward_with_state(...) returns a PAIR, (logits, state) "
                "(and model(...) returns (logits, loss)): unpack it, logits, state = model.forward_with_state(idx), "
                "before taking logits[:, -1, :].", error="tuple indices must be integers or slices, not tuple"),
        Mistake("argmax over every position", "logits.argmax(dim=-1) picks an id at EVERY position of the prompt, "
                "(B, T): only the last position predicts the next token, logits[:, -1, :].argmax(dim=-1, "
                "keepdim=True), a (B, 1) column.", _generate_every_position),
        Mistake("argmin instead of argmax", "greedy decoding takes the MOST likely token: "
                "logits[:, -1].argmax(-1, keepdim=True), not argmin.", _generate_argmin),
        # (no softmax is needed: it keeps the order of a row; over the batch or the positions it does not)
        *[Mistake("softmax over the wrong dimension", "the softmax ran over the batch or the positions, not over "
                  "the vocabulary, so its largest entry is not the most likely character (with one sequence, a "
                  "softmax over the batch is 1 everywhere and argmax gives id 0). Greedy needs no softmax at all: "
                  "logits[:, -1, :].argmax(dim=-1, keepdim=True); if you keep one, softmax(..., dim=-1).",
                  _generate_choosing(choose))
          for choose in (lambda logits: torch.softmax(logits[:, -1, :], dim=0).argmax(dim=-1, keepdim=True),
                         lambda logits: torch.softmax(logits, dim=1)[:, -1, :].argmax(dim=-1, keepdim=True))],
        Mistake("one token too many", "return exactly max_new_tokens new tokens: for _ in range(max_new_tokens), "
                "not max_new_tokens + 1.", lambda model, idx, n: _reference_generate(model, idx, n + 1)),
        Mistake("new tokens only", "return the prompt followed by the new tokens, shape (B, T + max_new_tokens).",
                lambda model, idx, n: _reference_generate(model, idx, n)[:, -n:]),
        # (the id appended after the step it was fed to: the argmax of the logits that came back, wa43)
        Mistake("first new token dropped", "you append the argmax of the logits that came BACK from feeding "
                "next_id, so next_id itself, the first new token, is never written (and the last one is one "
                "step further on): append next_id, then feed it, idx = torch.cat([idx, next_id], dim=1).",
                lambda model, idx, n: (lambda full: torch.cat([full[:, :idx.shape[1]], full[:, idx.shape[1] + 1:]],
                                                              dim=1))(_reference_generate(model, idx, n + 1))),
        Mistake("state passed as targets", "model(next_id, state) hands the state to forward's second "
                "argument, targets: forward(idx, targets) returns the logits and a loss, never a state. Carry "
                "the state with the method that takes and returns it: logits, state = "
                "model.forward_with_state(next_id, state).", _generate_state_as_targets, same_error=True),
        Mistake("new id not a (B, 1) column", "the ids you append must be one column of B rows: "
                "logits[:, -1, :].argmax(dim=-1, keepdim=True), of shape (B, 1), not a row "
                "(unsqueeze(0), or an argmax over dim 0), and not .item() or argmax() without dim=, which give "
                "one id for the whole batch.", error="except in dimension 1", on=lambda model, idx, n: idx.shape[0] > 1),
        Mistake("new token prepended", "append each new token at the END of the text: torch.cat([idx, next_id], "
                "dim=1); torch.cat([next_id, idx], dim=1) puts it in front of the prompt.", _generate_prepended),
        Mistake("the previous token fed", "feed the token you just chose, next_id, with the state: the last token of "
                "idx taken BEFORE appending it is the one the state has already read, so the model reads it twice "
                "and never sees the new one.", _generate_previous_token_fed),
        Mistake("argmax over the positions", "logits is (B, len, V): argmax(dim=1) picks a POSITION for every "
                "vocabulary entry. Take the last position's scores first, then the most likely id among them: "
                "logits[:, -1, :].argmax(dim=-1, keepdim=True).",
                _generate_choosing(lambda logits: logits.argmax(dim=1)[:, -1:])),
        Mistake("last new id never written", "the last of the max_new_tokens slots kept the 0 it was made with: "
                "the loop wrote one id too few into your preallocated tensor. Write one id per step for every "
                "step, for i in range(max_new_tokens), out[:, T + i] = next_id[:, 0] (or append with torch.cat).",
                lambda model, idx, n: _last_column_zeroed(_reference_generate(model, idx, n), n)),
        Mistake("new id fed without its column", "forward_with_state reads (B, len) ids: feed the new id as a "
                "(B, 1) column, next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True), as it is, not squeezed "
                "to (B,) (or to a number for a batch of one).", error="idx must be a (B, T) tensor of token ids"),
    ]
    single = first_named(mistakes)
    mistakes += two_at_once([(single["state reset"], "state", lambda *a: "reset"),
                             (single["state not updated"], "state", lambda *a: "prompt's"),
                             (single["prompt's state dropped"], "state", lambda *a: "dropped"),
                             (single["first position's logits"], "position", lambda *a: 0),
                             (single["argmin instead of argmax"], "pick", lambda *a: torch.argmin),
                             (single["sampled instead of argmax"], "pick", lambda *a: _sample_pick),
                             (single["one token too many"], "steps", lambda *a: 1),
                             (single["one token too few"], "steps", lambda *a: -1),
                             (single["new tokens only"], "out", lambda *a: "new"),
                             (single["new token prepended"], "out", lambda *a: "prepended")],
                            lambda args, knobs: _generate_with(*args, **knobs))
    run_check("generate_greedy", probed, _reference_generate, _generate_cases(), mistakes=mistakes,
              after=calls, unchanged=True)  # (idx is the caller's prompt, as greedy_decode's input_ids in lesson 06)


def _generate_with(model, idx, n, state="carried", position=-1, pick=torch.argmax, steps=0, out="appended"):
    """generate_greedy with the common mistakes as knobs, for two of them at once (``two_at_once``): the
    ``state`` fed back ("carried", "reset", the "prompt's", or carried from none, the prompt's "dropped"),
    the ``position`` whose logits choose, ``steps`` more than n, and ``out`` ("appended", "prepended", or the
    "new" tokens only)."""
    T = idx.shape[1]
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)  # the seed the check sets before calling the answer (a pick that samples)
        logits, prompt_state = model.forward_with_state(idx)
        carried = None if state == "dropped" else prompt_state
        for _ in range(max(n + steps, 0)):
            nxt = pick(logits[:, position], dim=-1, keepdim=True)
            idx = torch.cat([nxt, idx] if out == "prepended" else [idx, nxt], dim=1)
            fed = {"carried": carried, "dropped": carried, "reset": None, "prompt's": prompt_state}[state]
            logits, carried = model.forward_with_state(nxt, fed)
    return idx[:, T:] if out == "new" else idx


def _last_column_zeroed(ids, n):
    if n == 0:
        return ids
    ids = ids.clone()
    ids[:, -1] = 0
    return ids


def _generate_first_position(model, idx, n):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(n):
            nxt = logits[:, 0, :].argmax(-1, keepdim=True)  # the mistake: the first position's scores
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model.forward_with_state(nxt, state)
    return idx


def _generate_prepended(model, idx, n):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(n):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            idx = torch.cat([nxt, idx], dim=1)  # the mistake: the new token goes in front of the text
            logits, state = model.forward_with_state(nxt, state)
    return idx


def _generate_previous_token_fed(model, idx, n):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(n):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            last = idx[:, -1:]  # the mistake: taken before the new token is appended, so one step behind
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model.forward_with_state(last, state)
    return idx


def _generate_prompt_state_dropped(model, idx, n):
    with torch.no_grad():
        logits, _ = model.forward_with_state(idx)
        state = None  # the mistake: the first new token starts from no state at all
        for _ in range(n):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model.forward_with_state(nxt, state)
    return idx


def _generate_state_as_targets(model, idx, n):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(n):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
            logits, state = model(nxt, state)  # the mistake: forward's second argument is targets
    return idx


def _generate_choosing(choose):
    """Greedy decoding with one mistake, in how the next ids come from the logits: ``choose(logits)``
    (the reference's is ``logits[:, -1].argmax(-1, keepdim=True)``)."""
    def generate(model, idx, n):
        with torch.no_grad():
            logits, state = model.forward_with_state(idx)
            for _ in range(n):
                nxt = choose(logits)
                idx = torch.cat([idx, nxt], dim=1)
                logits, state = model.forward_with_state(nxt, state)
        return idx
    return generate


# (T, 1): the last sequence's positions
_generate_last_row = _generate_choosing(lambda logits: logits[-1].argmax(-1, keepdim=True))
# the largest score itself, made an id with .long()
_generate_max_values = _generate_choosing(lambda logits: logits[:, -1, :].max(dim=-1, keepdim=True)[0].long())
_generate_argmin = _generate_choosing(lambda logits: logits[:, -1].argmin(-1, keepdim=True))


def _generate_appended_rows(model, idx, n):
    with torch.no_grad():
        logits, state = model.forward_with_state(idx)
        for _ in range(n):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            idx = torch.cat([idx, nxt])  # the mistake: along the batch
            logits, state = model.forward_with_state(nxt, state)
    return idx


# ---------------------------------------------------------------------------------------------------
# sequence_loss(logits (B, T, V), targets (B, T)) -> scalar

def _loss_cases():
    gen = torch.Generator().manual_seed(44)
    cases = [(3 * torch.randn(B, T, V, generator=gen), torch.randint(0, V, (B, T), generator=gen))
             for B, T, V in ((2, 5, 7), (3, 4, 11), (4, 6, 5))]
    # a confident model's scores (a trained one's reach such gaps): the softmax of a far-behind target is
    # 0 in float32, and a loss taken as log(softmax(...)) is inf where log_softmax stays finite
    cases.append((100 * torch.randn(2, 8, 9, generator=gen), torch.randint(0, 9, (2, 8), generator=gen)))
    # a batch need not hold the last class: the second case's targets miss V - 1, where F.one_hot(targets)
    # without num_classes is narrower than the logits
    logits, targets = cases[1]
    cases[1] = (logits, targets.clamp(max=logits.shape[-1] - 2))
    # one sequence of one position over two classes, the hidden tests' first case (wa39; last: nn.CrossEntropyLoss
    # given the data raises on the others, and here makes a module, a single target being a truth value)
    cases.append((4 * torch.randn(1, 1, 2, generator=gen), torch.randint(0, 2, (1, 1), generator=gen)))
    return cases


def _sequence_loss_with(lo, t, scores=None, reduction="mean", positions="all", bits=False, sign=1, dim=-1):
    """The sequence loss with the common mistakes as knobs, for two of them at once (``two_at_once``):
    ``scores`` is what the loss reads (the log of the softmax, over ``dim``, cross-entropy of the softmax,
    nll_loss of the logits, or of a log-softmax over dim 1), ``positions`` the part of the batch it reads."""
    lo, t = {"all": (lo, t), "last": (lo[:, -1:], t[:, -1:]), "shifted": (lo[:, :-1], t[:, 1:]),
             "first sequence": (lo[:1], t[:1])}[positions]
    B, V = lo.shape[0], lo.shape[-1]
    flat = t.reshape(-1)
    if scores == "softmax":
        losses = F.cross_entropy(F.softmax(lo, dim=-1).reshape(-1, V), flat, reduction="none")
    elif scores == "log of softmax":
        losses = -torch.log(torch.softmax(lo, dim=dim)).reshape(-1, V).gather(-1, flat.unsqueeze(-1))
    elif scores is not None:
        losses = F.nll_loss((lo if scores == "logits" else F.log_softmax(lo, dim=1)).reshape(-1, V), flat, reduction="none")
    else:
        losses = F.cross_entropy(lo.reshape(-1, V), flat, reduction="none")
    loss = {"mean": losses.mean, "sum": losses.sum, "sum over T": lambda: losses.sum() / B}[reduction]()
    return sign * (loss / math.log(2) if bits else loss)


def check_sequence_loss(student_fn):
    """``student_fn(logits, targets)``: mean cross-entropy of (B, T, V) logits against (B, T) targets."""
    def flat(logits, targets):
        B, T, V = logits.shape
        return logits.reshape(B * T, V), targets.reshape(B * T)

    mistakes = [
        Mistake("log of softmax", "log(softmax(x)) underflows: a target whose probability rounds to 0 gives "
                "log(0) = -inf and an infinite loss, where the exact value is finite. Use F.log_softmax (or "
                "F.cross_entropy), which subtracts the largest score first.",
                lambda lo, t: -torch.log(torch.softmax(lo, dim=-1)).gather(-1, t.unsqueeze(-1)).mean()),
        Mistake("sign lost", "the loss is the NEGATIVE mean log-probability of the targets (a positive number, "
                "ln V for uniform scores): -log_softmax(...).gather(...).mean(), or F.cross_entropy, which "
                "includes the minus.", lambda lo, t: -sequence_loss(lo, t)),
        Mistake("perplexity instead of the loss", "you returned exp(loss), the perplexity; return the mean "
                "cross-entropy itself (training takes its gradient; the lesson computes exp(loss) later).",
                lambda lo, t: sequence_loss(lo, t).exp()),
        Mistake("softmax before cross-entropy", "softmax was applied before cross-entropy: F.cross_entropy / nn.CrossEntropyLoss take raw "
                "logits and apply log-softmax themselves.",
                lambda lo, t: F.cross_entropy(*flat(F.softmax(lo, dim=-1), t))),
        Mistake("(T, B) instead of (B, T)", "the logits were rearranged along the wrong axes, so each score row is paired with another "
                "position's target: reshape (B, T, V) -> (B*T, V) and (B, T) -> (B*T,) without transposing.",
                lambda lo, t: F.cross_entropy(lo.transpose(0, 1).reshape(-1, lo.shape[-1]), t.reshape(-1))),
        Mistake("sum instead of mean", "the losses were summed: take the mean over all B*T positions (reduction='mean').",
                lambda lo, t: F.cross_entropy(*flat(lo, t), reduction="sum")),
        Mistake("nll_loss on logits", "nll_loss expects log-probabilities: use F.log_softmax first, or F.cross_entropy on the logits.",
                lambda lo, t: F.nll_loss(*flat(lo, t))),
        Mistake("Python float instead of a tensor", "return the loss as a scalar tensor (what F.cross_entropy "
                "returns), not .item(): training needs its gradient.",
                lambda lo, t: sequence_loss(lo, t).item(), credit=0.5),
        Mistake("classes on the wrong axis", "F.cross_entropy reads the classes from dim 1: pass (B*T, V) "
                "logits, or transpose (B, T, V) to (B, V, T), not (B, T, V) as it is.",
                error="Expected target size"),
        Mistake("reshaped to (B, V, T) instead of transposed", "F.cross_entropy does take (B, V, T) logits, but "
                "reshape keeps the numbers in their order and only cuts them anew, mixing positions and classes: "
                "swap the axes with logits.transpose(1, 2) (or flatten, logits.reshape(B * T, V) against "
                "targets.reshape(B * T)).",
                lambda lo, t: F.cross_entropy(lo.reshape(lo.shape[0], lo.shape[2], lo.shape[1]), t)),
        Mistake("log-softmax over the wrong dimension", "the log-softmax ran over dim 1, the positions of "
                "(B, T, V) logits: normalise over the vocabulary, dim=-1 (or let F.cross_entropy do it).",
                lambda lo, t: F.nll_loss(*flat(F.log_softmax(lo, dim=1), t))),
        Mistake("log-softmax over the wrong dimension", "the log-softmax ran over dim 0, the batch of (B, T, V) "
                "logits: normalise over the vocabulary, dim=-1 (or let F.cross_entropy do it).",
                lambda lo, t: F.nll_loss(*flat(F.log_softmax(lo, dim=0), t))),
        Mistake("nll_loss on probabilities", "nll_loss expects LOG-probabilities: on softmax's probabilities it "
                "gives minus the mean probability of the targets, not the cross-entropy. Use F.log_softmax "
                "before nll_loss, or F.cross_entropy on the logits.",
                lambda lo, t: F.nll_loss(*flat(F.softmax(lo, dim=-1), t))),
        Mistake("loss in bits", "the loss is in nats, the natural log that F.cross_entropy and log_softmax use "
                "(ln V for uniform scores): don't divide by ln 2.",
                lambda lo, t: sequence_loss(lo, t) / math.log(2)),
        Mistake("gather along the wrong dimension", "the target's log-probability is picked along the "
                "vocabulary, the LAST dimension of (B, T, V): log_probs.gather(-1, targets.unsqueeze(-1)), not "
                "gather(1, ...), which picks along the positions.",
                lambda lo, t: -F.log_softmax(lo, dim=-1).gather(1, t.unsqueeze(-1)).mean(), same_error=True),
        Mistake("one loss per position", "reduction='none' gives one loss per position: return their mean, a "
                "scalar (F.cross_entropy's default reduction).",
                lambda lo, t: F.cross_entropy(*flat(lo, t), reduction="none")),
        Mistake("summed over the positions", "you summed the losses over the T positions of each sequence and "
                "averaged over the batch only: take the mean over all B*T positions, F.cross_entropy's default.",
                lambda lo, t: F.cross_entropy(*flat(lo, t), reduction="sum") / lo.shape[0]),
        Mistake("summed over the batch", "you averaged each sequence's losses over its positions and then "
                "summed the B sequences: take the mean over all B*T positions, F.cross_entropy's default (a sum "
                "grows with the batch size, and so would the gradient).",
                lambda lo, t: F.cross_entropy(*flat(lo, t), reduction="none").view(lo.shape[0], -1).mean(1).sum()),
        Mistake("divided by B again", "F.cross_entropy already averages over all B*T positions: don't divide "
                "by B (or T) again.", lambda lo, t: sequence_loss(lo, t) / lo.shape[0]),
        Mistake("float targets", "the targets are class ids: pass them as they come, torch.long (.reshape(-1), no "
                ".float()); F.cross_entropy reads float targets as probabilities, one per class.",
                error="expected target dtype to be Long"),
        Mistake("averaged over the vocabulary too", "the mean is over the B*T positions, one log-probability each "
                "(the target's): dividing the sum by logits.numel() divides by V once more. Use F.cross_entropy's "
                "mean, or -logp.gather(...).mean().", lambda lo, t: sequence_loss(lo, t) / lo.shape[-1]),
        Mistake("divided by T again", "F.cross_entropy already averages over all B*T positions: don't divide "
                "by T (or B) again.", lambda lo, t: sequence_loss(lo, t) / lo.shape[1]),
        Mistake("label smoothing", "plain cross-entropy has no label smoothing: drop label_smoothing=..., "
                "F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T)).",
                lambda lo, t: F.cross_entropy(*flat(lo, t), label_smoothing=0.1)),
        Mistake("last position only", "every position has a target: average the loss over all B*T positions "
                "(reshape to (B*T, V) and (B*T,)), not only logits[:, -1].",
                lambda lo, t: F.cross_entropy(lo[:, -1], t[:, -1])),
        *[Mistake("a position left out", "all T positions have a target: don't slice off the first or the last "
                  "one (logits[:, 1:] or logits[:, :-1]); average over all B*T positions.",
                  lambda lo, t, keep=keep: sequence_loss(lo[:, keep], t[:, keep]))
          for keep in (slice(1, None), slice(None, -1))],
        Mistake("targets shifted again", "shift_batch already made targets[:, t] the token after position t: "
                "pair logits[:, t] with targets[:, t], without shifting again (logits[:, :-1] with targets[:, 1:]).",
                lambda lo, t: sequence_loss(lo[:, :-1], t[:, 1:])),
        Mistake("loss in float64", "don't convert to float64 (.double()): the loss has the logits' dtype, float32.",
                lambda lo, t: F.cross_entropy(*flat(lo.double(), t)), credit=0.5),
        Mistake("ignore_index copied in", "every target counts here (id 0 is a real character): drop ignore_index=0.",
                lambda lo, t: F.cross_entropy(*flat(lo, t), ignore_index=0)),
        # (the classes moved to dim 1, logits.permute(0, 2, 1), and the targets transposed too: wa43)
        Mistake("targets transposed", "with the scores as (B, V, T), logits.permute(0, 2, 1) (or transpose(1, 2)), "
                "F.cross_entropy wants the targets as they are, (B, T): targets.T is (T, B), each position's ids "
                "across the batch. Pass targets itself (or flatten both: logits.reshape(-1, V), targets.reshape(-1)).",
                lambda lo, t: F.cross_entropy(lo.transpose(1, 2), t.T), same_error=True),
        Mistake("logits and targets reshaped differently", "F.cross_entropy got a different number of score rows "
                "and targets: reshape the (B, T, V) logits to (B*T, V), logits.reshape(-1, V), and the targets to "
                "(B*T,), targets.reshape(-1).", error="Expected input batch_size"),
        # (the class called with the data: its arguments are options, and the targets as size_average are
        # tested for truth, "Boolean value of Tensor with more than one value is ambiguous")
        Mistake("nn.CrossEntropyLoss given the data", "nn.CrossEntropyLoss is a class: what you pass when you "
                "make it are options (weight, reduction...), not the data. Make the loss, then call it, "
                "nn.CrossEntropyLoss()(logits, targets), or use F.cross_entropy(logits, targets).",
                lambda lo, t: torch.nn.CrossEntropyLoss(*flat(lo, t)), same_error=True),
        *[Mistake("one_hot without num_classes", "F.one_hot(targets) is only as wide as the largest target "
                  "present plus one, and a batch need not hold the last class of the vocabulary: "
                  "F.one_hot(targets, num_classes=V) (V = logits.shape[-1]), or simply F.cross_entropy.",
                  wrong, same_error=True)
          for wrong in (lambda lo, t: -(F.log_softmax(lo, dim=-1) * F.one_hot(t)).sum(-1).mean(),
                        lambda lo, t: -(F.one_hot(t) * F.log_softmax(lo, dim=-1)).sum(-1).mean())],
        Mistake("binary cross-entropy", "binary cross-entropy treats every vocabulary entry as a yes/no question of "
                "its own (a sigmoid each), not one choice among V (a softmax): for the next token use "
                "F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T)).",
                lambda lo, t: F.binary_cross_entropy_with_logits(lo, F.one_hot(t, lo.shape[-1]).float())),
        Mistake("binary cross-entropy", "binary cross-entropy treats every vocabulary entry as a yes/no question of "
                "its own (a sigmoid each), not one choice among V (a softmax): for the next token use "
                "F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T)).",
                lambda lo, t: F.binary_cross_entropy(torch.sigmoid(lo), F.one_hot(t, lo.shape[-1]).float())),
        # (bigram_forward's check names the same)
        Mistake("targets as an index on the last dimension", "log_probs[..., targets] picks every target for "
                "every position, a (B, T, B, T) block, not each position's own: take "
                "log_probs.gather(-1, targets.unsqueeze(-1)), or F.cross_entropy(logits.reshape(B * T, V), "
                "targets.reshape(B * T)).", lambda lo, t: -F.log_softmax(lo, dim=-1)[..., t].mean()),
        Mistake("gather's index without its last dimension", "gather needs an index with as many dimensions "
                "as what it picks from: the targets as a column, targets.unsqueeze(-1) ((B, T, 1) for (B, T, V) "
                "log-probabilities), then .squeeze(-1) the result; or use F.cross_entropy.",
                lambda lo, t: -F.log_softmax(lo, dim=-1).gather(-1, t).mean(), same_error=True),
        Mistake("logits flattened from dimension 1", "logits.flatten(1) joins T and V, (B, T * V): flatten the "
                "batch and the positions instead, logits.flatten(0, 1) (B * T, V), with targets.flatten() (B * T,) "
                "(or logits.reshape(-1, V) and targets.reshape(-1)).",
                lambda lo, t: F.cross_entropy(lo.flatten(1), t), same_error=True),
        Mistake("reshaped to (V, B * T) and transposed", "logits.reshape(V, -1) cuts the memory into rows of "
                "B * T values, which are not the scores of one class: .T does not undo that. Reshape to the "
                "shape you want directly, logits.reshape(-1, V) (B * T, V).",
                lambda lo, t: F.cross_entropy(lo.reshape(lo.shape[-1], -1).T, t.reshape(-1))),
        Mistake("one loss per sequence", "the loss is ONE number, the mean over all B * T positions: .mean(), not "
                ".mean(dim=1), which leaves one loss per sequence (F.cross_entropy's default reduction does it).",
                lambda lo, t: F.cross_entropy(lo.transpose(1, 2), t, reduction="none").mean(dim=1)),
        Mistake("one-hot targets", "F.cross_entropy takes the target ids themselves, targets.reshape(-1) (long): "
                "no F.one_hot. A one-hot target is read as class probabilities, which must be float (and the ids "
                "are the simpler way to say the same).",
                lambda lo, t: F.cross_entropy(lo.reshape(-1, lo.shape[-1]), F.one_hot(t.reshape(-1), lo.shape[-1])),
                same_error=True),
        Mistake("the first sequence only", "logits[0] and targets[0] are the first sequence of the batch: the "
                "loss averages over all B sequences, F.cross_entropy(logits.reshape(B * T, V), "
                "targets.reshape(B * T)).",
                lambda lo, t: F.cross_entropy(lo[0], t[0])),
    ]
    single = first_named(mistakes)
    mistakes += two_at_once([(single["log of softmax"], "scores", lambda *a: "log of softmax"),
                             (single["softmax before cross-entropy"], "scores", lambda *a: "softmax"),
                             (single["nll_loss on logits"], "scores", lambda *a: "logits"),
                             (single["log-softmax over the wrong dimension"], "scores", lambda *a: "log_softmax dim 1"),
                             (single["sum instead of mean"], "reduction", lambda *a: "sum"),
                             (single["summed over the positions"], "reduction", lambda *a: "sum over T"),
                             (single["last position only"], "positions", lambda *a: "last"),
                             (single["targets shifted again"], "positions", lambda *a: "shifted"),
                             (single["the first sequence only"], "positions", lambda *a: "first sequence"),
                             (single["loss in bits"], "bits", lambda *a: True),
                             (single["sign lost"], "sign", lambda *a: -1)],
                            lambda args, knobs: _sequence_loss_with(*args, **knobs))
    # (the log of a softmax over the positions, torch.log(F.softmax(logits, dim=1)): wa43)
    mistakes += two_at_once([(single["log of softmax"], "scores", lambda *a: "log of softmax"),
                             (single["log-softmax over the wrong dimension"], "dim", lambda *a: 1)],
                            lambda args, knobs: _sequence_loss_with(*args, **knobs))
    run_check("sequence_loss", student_fn, sequence_loss, _loss_cases(), unchanged=True, mistakes=mistakes)
    case = _loss_cases()[0]
    check_gradient("sequence_loss", student_fn, sequence_loss, case, wrt=0)


# ---------------------------------------------------------------------------------------------------
# lr_at_step(it, cfg) -> float: linear warm-up, then cosine decay from learning_rate to min_lr

def _schedule_cases():
    return [(TrainConfig(max_iters=20, learning_rate=1.0, min_lr=0.1, warmup_iters=5),),
            (TrainConfig(max_iters=12, learning_rate=0.5, min_lr=0.05, warmup_iters=3),),
            (TrainConfig(max_iters=30, learning_rate=2.0, min_lr=0.5, warmup_iters=10),),
            (TrainConfig(max_iters=8, learning_rate=1.0, min_lr=0.0, warmup_iters=0),)]  # no warm-up (hidden tests too)


def _schedule(fn):
    """The whole schedule as a list: position ``it`` is ``fn(it, cfg)``, two iterations past the end."""
    def schedule(cfg):
        return [fn(it, cfg) for it in range(cfg.max_iters + 3)]
    schedule.__wrapped__ = fn
    return schedule


def _float32_schedule(where: str, end: bool = False):
    """``lr_at`` with its cosine taken in float32 (``torch.cos(torch.tensor(angle)).item()``, where="cos"), or the
    whole decay computed on that float32 tensor and then ``.item()`` (where="decay"), or the rate rounded to
    float32 (``torch.tensor(rate).item()``, where="rate"): each off from the 8th digit on (ch60). ``end``: the
    cosine computed at the last iteration too (``it > max_iters`` for the flat end, not ``>=``)."""
    def schedule(it, cfg):
        if not cfg.decay_lr or it < cfg.warmup_iters or it > cfg.decay_iters or it == cfg.decay_iters and not end:
            return lr_at(it, cfg)
        if where == "rate":
            return torch.tensor(lr_at(it, cfg)).item()
        progress = (it - cfg.warmup_iters) / (cfg.decay_iters - cfg.warmup_iters)
        cos = torch.cos(torch.tensor(math.pi * progress))
        if where == "cos":
            return cfg.final_lr + 0.5 * (1.0 + cos.item()) * (cfg.learning_rate - cfg.final_lr)
        return (cfg.final_lr + 0.5 * (1.0 + cos) * (cfg.learning_rate - cfg.final_lr)).item()
    return schedule


def _cosine(cfg, progress, low=None):
    low = cfg.min_lr if low is None else low
    progress = min(max(progress, 0.0), 1.0)
    return low + 0.5 * (1.0 + math.cos(math.pi * progress)) * (cfg.learning_rate - low)


def _schedule_with(warmup="right", decay="cosine", low=None, offset=True, floor=True, span="right"):
    def lr(it, cfg):
        w, n = cfg.warmup_iters, cfg.max_iters
        if low == "left out":  # the cosine down to 0, and min_lr only after max_iters
            if it > n and floor and warmup != "none":
                return cfg.min_lr
            return _schedule_with(warmup, decay, 0.0, offset, floor, span)(it, cfg)
        if warmup == "none":
            if not floor and it > n:  # the cosine carries on past max_iters and climbs back
                end = cfg.min_lr if low is None else low
                return end + 0.5 * (1.0 + math.cos(math.pi * it / n)) * (cfg.learning_rate - end)
            return _cosine(cfg, it / n, low)
        if it < w:
            if warmup == "from min_lr":
                return cfg.min_lr + (cfg.learning_rate - cfg.min_lr) * (it + 1) / (w + 1)
            if warmup == "no parentheses":  # learning_rate * (it + 1) / warmup_iters + 1
                return cfg.learning_rate * (it + 1) / w + 1
            if warmup == "integer":  # // rounds every fraction below 1 down to 0
                return cfg.learning_rate * ((it + 1) // (w + 1))
            return cfg.learning_rate * {"right": (it + 1) / (w + 1), "from 0": it / w, "early": (it + 1) / w,
                                        "it, not it + 1": it / (w + 1),
                                        "falls": (w - it) / (w + 1), "falls from 1": (w - it) / w,
                                        "squared": ((it + 1) / (w + 1)) ** 2}[warmup]
        if span != "right" and it > n:
            return cfg.min_lr
        progress = (it - w) / ((n - w) if span == "right" else n) if offset else it / n
        if not floor and progress > 1:  # the cosine carries on past max_iters and climbs back
            end = cfg.min_lr if low is None else low
            return end + 0.5 * (1.0 + math.cos(math.pi * progress)) * (cfg.learning_rate - end)
        if decay in ("no half", "no pi"):
            progress = min(max(progress, 0.0), 1.0) if decay == "no half" else progress
            wave = 1.0 + math.cos(math.pi * progress) if decay == "no half" else 0.5 * (1.0 + math.cos(progress))
            if decay == "no pi" and it > n:
                return cfg.min_lr
            return cfg.min_lr + wave * (cfg.learning_rate - cfg.min_lr)
        if decay == "upside down" and it <= n:
            return cfg.min_lr + 0.5 * (1.0 - math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
        if decay == "linear":
            end = cfg.min_lr if low is None else low
            return end + (1.0 - min(progress, 1.0)) * (cfg.learning_rate - end)
        if decay == "exponential":  # learning_rate * (min_lr / learning_rate) ** progress: the same ends, no cosine
            return cfg.learning_rate * (cfg.min_lr / cfg.learning_rate) ** min(progress, 1.0)
        return _cosine(cfg, progress, low)
    return lr


def _schedule_variant(angle=math.pi, extra=0, span="range", integer=False, end=">", half=True,
                      parentheses=True, start=0, early=False):
    """A schedule with the warm-up right and one mistake in the cosine: its ``angle`` per unit of progress
    (180: degrees), ``extra`` steps added to the decay's length, the cosine scaled by learning_rate alone
    (``span="learning_rate"``), progress by integer division, the factor cos alone
    instead of (1 + cos) / 2 (``half=False``), or progress written ``(it - w) / n - w`` (``parentheses=False``).
    ``end`` is how the
    answer keeps min_lr after max_iters: ``">"``/``">="`` (an if before the cosine) or ``"clamp"``
    (progress clamped to 1); ``"early"`` the if from max_iters - 1 on (one step early); ``"max"`` is that clamp
    written with max, so progress is never below 1. With ``early``, the warm-up divides by warmup_iters (its
    peak one step early)."""
    def lr(it, cfg):
        w, n, top, low = cfg.warmup_iters, cfg.max_iters, cfg.learning_rate, cfg.min_lr
        if it < w:
            return top * (it + 1) / (w if early else w + 1)
        if (end == ">" and it > n) or (end == ">=" and it >= n) or (end == "early" and it >= n - 1):
            return low
        progress = (it - w) // (n - w + extra) if integer else (it + start - w) / (n - w + extra)
        if not parentheses:
            progress = (it - w) / n - w
        if end == "clamp":
            progress = min(progress, 1.0)
        if end == "max":  # clamped the wrong way: progress at least 1
            progress = max(progress, 1.0)
        cosine = math.cos(angle * progress)
        factor = 0.5 * (1 + cosine) if half else cosine
        return low + factor * ((top - low) if span == "range" else top)
    return lr


_ENDS = (">", ">=", "clamp")


def _schedule_expression(mistake):
    """The schedule with one mistake in how a part is written: ``"no parentheses"``, the cosine's factor
    written 0.5 * 1 + cos(...); ``"constant"``, learning_rate kept from the warm-up to max_iters (no decay);
    ``"warm-up to min_lr"``, the warm-up's line scaled by min_lr instead of learning_rate."""
    def lr(it, cfg):
        w, n, top, low = cfg.warmup_iters, cfg.max_iters, cfg.learning_rate, cfg.min_lr
        if it < w:
            return (low if mistake == "warm-up to min_lr" else top) * (it + 1) / (w + 1)
        if it > n:
            return low
        progress = (it - w) / (n - w)
        if mistake == "no parentheses":
            return low + 0.5 * 1 + math.cos(math.pi * progress) * (top - low)
        if mistake == "constant":
            return top
        return low + 0.5 * (1 + math.cos(math.pi * progress)) * (top - low)
    return lr


def _cosine_without_min_lr(end):
    """A schedule whose cosine runs from learning_rate down to 0, min_lr left out of it (``end``: how it
    keeps min_lr after max_iters, as in ``_schedule_variant``)."""
    def lr(it, cfg):
        w, n = cfg.warmup_iters, cfg.max_iters
        if it < w:
            return cfg.learning_rate * (it + 1) / (w + 1)
        if (end in (">", "max") and it > n) or (end == ">=" and it >= n):
            return cfg.min_lr
        progress = min((it - w) / (n - w), 1.0)
        rate = 0.5 * (1.0 + math.cos(math.pi * progress)) * cfg.learning_rate
        return max(cfg.min_lr, rate) if end == "max" else rate  # ("max": min_lr as a floor under it)
    return lr


def _warmup_on_top(floor):
    """A schedule with one cosine over the whole run, progress it / max_iters, multiplied by the warm-up's
    factor (it + 1) / (warmup_iters + 1) while it < warmup_iters; ``floor``: min_lr after max_iters (else the
    cosine climbs back)."""
    def lr(it, cfg):
        if floor and it > cfg.max_iters:
            return cfg.min_lr
        progress = it / cfg.max_iters
        rate = cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (cfg.learning_rate - cfg.min_lr)
        return rate * (it + 1) / (cfg.warmup_iters + 1) if it < cfg.warmup_iters else rate
    return lr


class ConfigChanged(ValueError):
    """Raised by the check when ``lr_at_step`` writes into the config it is given."""


class TensorLearningRate(TypeError):
    """Raised by the check when ``lr_at_step`` returns a tensor instead of a float."""


class DecayItersIsNone(TypeError):
    """Raised by the check when ``lr_at_step`` computes with ``cfg.lr_decay_iters``, None in the course."""


def _reads_attribute(fn, name: str) -> bool:
    """Whether ``fn``'s code (its nested functions too) reads an attribute or global called ``name``."""
    from course.checks._core import answer_of
    from course.grading import _code_objects
    code = getattr(answer_of(fn), "__code__", None)
    return code is not None and any(name in c.co_names for c in _code_objects(code))


def check_lr_schedule(student_fn):
    """``student_fn(it, cfg)``: the learning rate at iteration ``it`` for a ``TrainConfig`` ``cfg``:
    ``learning_rate * (it + 1) / (warmup_iters + 1)`` while ``it < warmup_iters``, then a cosine from
    ``learning_rate`` down to ``min_lr`` at ``max_iters``, and ``min_lr`` after that. The check
    compares the whole schedule: position ``it`` of the lists below is iteration ``it``."""
    def typed(it, cfg):
        before = dataclasses.asdict(cfg) if dataclasses.is_dataclass(cfg) else None
        try:
            rate = student_fn(it, cfg)
        except TypeError as error:
            if "NoneType" in str(error) and cfg.lr_decay_iters is None and _reads_attribute(student_fn, "lr_decay_iters"):
                raise DecayItersIsNone(f"{error} (cfg.lr_decay_iters is None)") from None
            raise
        if before is not None and dataclasses.asdict(cfg) != before:
            changed = next(k for k, v in dataclasses.asdict(cfg).items() if before[k] != v)
            raise ConfigChanged(f"iteration {it} changed cfg.{changed} from {before[changed]!r} to "
                                f"{getattr(cfg, changed)!r}")
        if isinstance(rate, torch.Tensor):
            raise TensorLearningRate(f"iteration {it} gave {rate!r}, a tensor")
        if isinstance(rate, float) and type(rate) is not float:
            rate = float(rate)  # numpy's float64 is a float, exact, and the tests take it (np.cos is fine)
        return rate
    typed.__wrapped__ = student_fn

    # as exact as the hidden test (1e-9): a schedule rounded to 6 decimals is 5e-7 off, which a looser check
    # passed while the hidden test failed it (a probe's, 2026-12-04)
    mistakes = [
        Mistake("no warm-up", "the schedule starts at the full learning rate: for it < warmup_iters the rate "
                "rises in a straight line, learning_rate * (it + 1) / (warmup_iters + 1), and the cosine "
                "starts after the warm-up.", _schedule(_schedule_with(warmup="none"))),
        Mistake("warm-up starts at 0", "the first step's rate is 0, a wasted step: warm up with "
                "learning_rate * (it + 1) / (warmup_iters + 1), not it / warmup_iters.",
                _schedule(_schedule_with(warmup="from 0"))),
        Mistake("decays to 0 instead of min_lr", "the cosine ends at 0: it must end at cfg.min_lr, "
                "min_lr + 0.5 * (1 + cos(pi * progress)) * (learning_rate - min_lr), and stay there.",
                _schedule(_schedule_with(low=0.0))),
        *[Mistake("min_lr left out", "the cosine must run from learning_rate down to min_lr, not to 0: "
                  "min_lr + 0.5 * (1 + cos(pi * progress)) * (learning_rate - min_lr) (the difference is small at "
                  "first, and grows to min_lr at the end).", _schedule(_cosine_without_min_lr(end))) for end in (">", ">=")],
        Mistake("min_lr as a floor", "max(min_lr, ...) of a cosine that falls to 0 cuts it off at min_lr: the cosine "
                "itself must END at min_lr, min_lr + 0.5 * (1 + cos(pi * progress)) * (learning_rate - min_lr), which "
                "lies above yours all the way down.", _schedule(_cosine_without_min_lr("max"))),
        Mistake("linear decay instead of cosine", "the rate falls in a straight line: after the warm-up it "
                "follows half a cosine, min_lr + 0.5 * (1 + cos(pi * progress)) * (learning_rate - min_lr).",
                _schedule(_schedule_with(decay="linear"))),
        Mistake("exponential decay instead of cosine", "the rate falls by the same factor each step, "
                "learning_rate * (min_lr / learning_rate) ** progress: it starts at the same peak and ends at "
                "min_lr, but after the warm-up it follows half a cosine, "
                "min_lr + 0.5 * (1 + cos(pi * progress)) * (learning_rate - min_lr).",
                _schedule(_schedule_with(decay="exponential"))),
        Mistake("decay not shifted by the warm-up", "the cosine's progress must start at 0 when the warm-up "
                "ends: progress = (it - warmup_iters) / (max_iters - warmup_iters), not it / max_iters.",
                _schedule(_schedule_with(offset=False))),
        Mistake("warm-up numerator it, not it + 1", "the warm-up counts iteration it as step it + 1: "
                "learning_rate * (it + 1) / (warmup_iters + 1), so iteration 0 already trains at a small rate "
                "(yours gives it 0, a wasted step) and the last warm-up step comes just below learning_rate.",
                _schedule(_schedule_with(warmup="it, not it + 1"))),
        Mistake("warm-up reaches the peak one step early", "the warm-up divides by warmup_iters + 1: "
                "learning_rate * (it + 1) / (warmup_iters + 1), so it is still below the peak at the last warm-up "
                "step and reaches learning_rate at it = warmup_iters.", _schedule(_schedule_with(warmup="early"))),
        Mistake("quadratic warm-up", "the warm-up is LINEAR: learning_rate * (it + 1) / (warmup_iters + 1), a "
                "straight line up to the peak; squared, the fraction keeps the rate far lower through most of the "
                "warm-up.", _schedule(_schedule_with(warmup="squared"))),
        *[Mistake("warm-up falls", "the warm-up must RISE from a small rate to learning_rate: "
                  "learning_rate * (it + 1) / (warmup_iters + 1), which grows with it (yours shrinks: it counts "
                  "down, warmup_iters - it).", _schedule(_schedule_with(warmup=kind))) for kind in ("falls", "falls from 1")],
        Mistake("integer division", "(it + 1) // (warmup_iters + 1) rounds every warm-up fraction down to 0: "
                "divide with /, learning_rate * (it + 1) / (warmup_iters + 1).",
                _schedule(_schedule_with(warmup="integer"))),
        Mistake("warm-up from min_lr", "the warm-up rises from 0, not from min_lr: learning_rate * (it + 1) / "
                "(warmup_iters + 1).", _schedule(_schedule_with(warmup="from min_lr"))),
        *[Mistake(f"{what} after max_iters", f"after max_iters the rate stays at min_lr, the end of the cosine: "
                  f"if it > max_iters: return cfg.min_lr, not {what}.",
                  _schedule(lambda it, cfg, end=end: end(cfg) if it > cfg.max_iters else lr_at(it, cfg)))
          for what, end in (("0", lambda cfg: 0.0), ("learning_rate", lambda cfg: cfg.learning_rate))],
        Mistake("no floor after max_iters", "after max_iters the rate stays at min_lr: without `if it > "
                "max_iters: return min_lr` (or clamping progress to 1), the cosine climbs back up.",
                _schedule(_schedule_with(floor=False))),
        Mistake("cosine without the 0.5", "the cosine factor is 0.5 * (1 + cos(pi * progress)), from 1 down to 0; "
                "without the 0.5 it starts at 2 and the rate at twice learning_rate.",
                _schedule(_schedule_with(decay="no half"))),
        Mistake("cosine upside down", "the rate rises after the warm-up: the factor is 0.5 * (1 + cos(pi * "
                "progress)), from 1 down to 0; with 1 - cos it goes from 0 up to 1.",
                _schedule(_schedule_with(decay="upside down"))),
        Mistake("cosine without π", "the angle is pi * progress, from 0 to pi, so that the cosine goes from 1 to "
                "-1: math.cos(math.pi * progress).", _schedule(_schedule_with(decay="no pi"))),
        Mistake("progress divided by max_iters", "the decay lasts max_iters - warmup_iters steps: progress = "
                "(it - warmup_iters) / (max_iters - warmup_iters), which reaches 1 at max_iters.",
                _schedule(_schedule_with(span="max_iters"))),
        Mistake("no warm-up steps not handled", "warmup_iters may be 0 (no warm-up): divide by warmup_iters only "
                "inside `if it < cfg.warmup_iters:` (where it is at least 1), or by warmup_iters + 1.",
                error="ZeroDivisionError", on=lambda cfg: cfg.warmup_iters == 0),
        Mistake("tensor instead of float", "return a Python float: math.cos on a float (torch.cos gives a "
                "tensor), or .item() on a tensor.", error="TensorLearningRate"),
        *[Mistake("float32 arithmetic", "your rates differ from the schedule's from about the 8th digit on: a "
                  "float32 tensor (torch.tensor(x), torch.cos of one) keeps about 7 digits, and .item() does not "
                  "bring back the ones lost: compute the rate with Python floats and math.cos.",
                  _schedule(_float32_schedule(where, end)))
          for where, end in [("cos", False), ("cos", True), ("decay", False), ("decay", True), ("rate", False)]],
        Mistake("a config field that is not there", "TrainConfig has no field of that name: the schedule reads "
                "cfg.learning_rate, cfg.min_lr, cfg.warmup_iters and cfg.max_iters, spelled as the exercise (and "
                "the TrainConfig class) spells them, not lr, warmup or max_steps.",
                error="'TrainConfig' object has no attribute"),
        Mistake("cfg changed", "your function writes into cfg (cfg.learning_rate = ...), so every later call, "
                "and the training loop, sees another configuration: compute the rate in a variable of your own "
                "and return it, leaving cfg as it came.", error="ConfigChanged"),
        *[Mistake("rate rounded", f"your rates are the schedule's rounded to {digits} decimals: return the value "
                  f"as computed, without round(): a rate is not shown to anyone, and the optimizer takes it exactly.",
                  _schedule(lambda it, cfg, digits=digits: round(lr_at(it, cfg), digits))) for digits in range(2, 10)],
        Mistake("warm-up denominator without parentheses", "/ and * go left to right before +, so "
                "learning_rate * (it + 1) / warmup_iters + 1 adds 1 to the rate: put the whole denominator in "
                "parentheses, learning_rate * (it + 1) / (warmup_iters + 1).",
                _schedule(_schedule_with(warmup="no parentheses"))),
        *[Mistake("decay starts one step late", "the decay's progress is (it - warmup_iters) / (max_iters - "
                  "warmup_iters): 0 at iteration warmup_iters, where the rate is the full learning_rate; subtracting "
                  "another 1 starts the cosine one step late (and the rate at warmup_iters is not the peak).",
                  _schedule(_schedule_variant(start=-1, end=end))) for end in _ENDS],
        Mistake("(1 + cos) without parentheses", "* binds tighter than +, so min_lr + 0.5 * 1 + cos(...) * "
                "(learning_rate - min_lr) is not half of (1 + cos): write min_lr + 0.5 * (1 + math.cos(math.pi * "
                "progress)) * (learning_rate - min_lr).", _schedule(_schedule_expression("no parentheses"))),
        Mistake("no decay after the warm-up", "after the warm-up the rate must fall along half a cosine from "
                "learning_rate to min_lr at max_iters: min_lr + 0.5 * (1 + cos(pi * progress)) * (learning_rate - "
                "min_lr), with progress = (it - warmup_iters) / (max_iters - warmup_iters).",
                _schedule(_schedule_expression("constant"))),
        Mistake("warm-up towards min_lr", "the warm-up rises to the PEAK, learning_rate: learning_rate * (it + 1) / "
                "(warmup_iters + 1), not min_lr * ...; min_lr is where the cosine ends.",
                _schedule(_schedule_expression("warm-up to min_lr"))),
        *[Mistake("decay counted from it + 1", "the decay's progress is (it - warmup_iters) / (max_iters - "
                  "warmup_iters): 0 at iteration warmup_iters, where the rate is learning_rate (the warm-up's "
                  "it + 1 belongs to the warm-up only).", _schedule(_schedule_variant(start=1, end=end)))
          for end in _ENDS],
        *[Mistake("decay length off by one", "progress = (it - warmup_iters) / (max_iters - warmup_iters), which "
                  "reaches 1 exactly at max_iters: don't add or subtract 1 in the denominator.",
                  _schedule(_schedule_variant(extra=extra, end=end))) for extra in (1, -1) for end in _ENDS],
        *[Mistake("cosine without (1 + cos) / 2", "the factor 0.5 * (1 + cos(pi * progress)) goes from 1 down to 0; "
                  "cos(pi * progress) alone goes from 1 down to -1, so the rate ends below min_lr (at 2 * min_lr - "
                  "learning_rate): min_lr + 0.5 * (1 + cos(pi * progress)) * (learning_rate - min_lr).",
                  _schedule(_schedule_variant(half=False, end=end))) for end in _ENDS],
        *[Mistake("progress without parentheses", "(it - warmup_iters) / max_iters - warmup_iters divides first and "
                  "subtracts warmup_iters after: write progress = (it - warmup_iters) / (max_iters - warmup_iters).",
                  _schedule(_schedule_variant(parentheses=False, end=end))) for end in _ENDS],
        *[Mistake("cosine in degrees", "math.cos takes radians: the angle is math.pi * progress, not 180 * progress.",
                  _schedule(_schedule_variant(angle=180, end=end))) for end in _ENDS],
        *[Mistake("cosine scaled by learning_rate", "the cosine spans learning_rate - min_lr: min_lr + 0.5 * (1 + "
                  "cos(pi * progress)) * (learning_rate - min_lr); times learning_rate alone it starts at "
                  "learning_rate + min_lr.", _schedule(_schedule_variant(span="learning_rate", end=end)))
          for end in _ENDS],
        *[Mistake("progress by integer division", "// rounds the progress down to 0 until max_iters, so the rate "
                  "jumps from learning_rate to min_lr: divide with /.", _schedule(_schedule_variant(integer=True, end=end)))
          for end in _ENDS],
        Mistake("floor one step early", "the cosine itself reaches min_lr at it = max_iters; returning min_lr "
                "from max_iters - 1 on (it >= max_iters - 1) cuts the last step of the decay short: the floor is "
                "`if it > cfg.max_iters: return cfg.min_lr` (or it >= max_iters, where the cosine gives min_lr "
                "anyway).", _schedule(_schedule_variant(end="early"))),
        Mistake("progress clamped from below", "max(progress, 1.0) makes the progress at least 1, so the rate "
                "drops to min_lr as soon as the warm-up ends: cap it from above with min(progress, 1.0).",
                _schedule(_schedule_variant(end="max"))),
        *[Mistake("a whole cosine wave", "cos(2 * pi * progress) runs a whole wave: the rate falls to min_lr "
                  "half-way through the decay and climbs back to learning_rate at max_iters. The schedule is half "
                  "a wave, pi: min_lr + 0.5 * (1 + cos(pi * progress)) * (learning_rate - min_lr).",
                  _schedule(_schedule_variant(angle=2 * math.pi, end=end))) for end in _ENDS],
        *[Mistake("a quarter of a cosine wave", "cos(pi * progress / 2) falls from 1 to 0 along a quarter wave, "
                  "slowly at first and steepest at the end; the schedule is half a wave lifted up, which flattens "
                  "out at min_lr: min_lr + 0.5 * (1 + cos(pi * progress)) * (learning_rate - min_lr).",
                  _schedule(_schedule_variant(angle=math.pi / 2, half=False, end=end))) for end in _ENDS],
        *[Mistake("warm-up and decay one step early", "your warm-up peaks at it = warmup_iters - 1 and the cosine "
                  "starts from there, one step early: divide the warm-up by warmup_iters + 1, so that the peak, "
                  "where the cosine's progress is 0, comes at it = warmup_iters.",
                  _schedule(_schedule_variant(early=True, start=1, extra=extra, end=end)))
          for extra in (1, 0) for end in _ENDS],
        *[Mistake("warm-up multiplied onto the cosine", "the warm-up and the cosine take turns: the straight rise "
                  "while it < warmup_iters, then the cosine, whose progress starts at 0 when the warm-up ends, "
                  "(it - warmup_iters) / (max_iters - warmup_iters). Yours scales a cosine over the whole run by "
                  "the warm-up's factor.", _schedule(_warmup_on_top(floor))) for floor in (True, False)],
        Mistake("lr_decay_iters used (None here)", "this course's cosine ends at cfg.max_iters (cfg.lr_decay_iters "
                "is None, nanoGPT's option): progress = (it - warmup_iters) / (max_iters - warmup_iters), and "
                "min_lr after max_iters.", error="DecayItersIsNone"),
    ]
    single = first_named(mistakes)
    mistakes += two_at_once([(single["no warm-up"], "warmup", lambda *a: "none"),
                             (single["warm-up starts at 0"], "warmup", lambda *a: "from 0"),
                             (single["warm-up reaches the peak one step early"], "warmup", lambda *a: "early"),
                             (single["warm-up numerator it, not it + 1"], "warmup", lambda *a: "it, not it + 1"),
                             (single["decays to 0 instead of min_lr"], "low", lambda *a: 0.0),
                             (single["min_lr left out"], "low", lambda *a: "left out"),
                             (single["linear decay instead of cosine"], "decay", lambda *a: "linear"),
                             (single["decay not shifted by the warm-up"], "offset", lambda *a: False),
                             (single["no floor after max_iters"], "floor", lambda *a: False)],
                            lambda args, knobs: _schedule(_schedule_with(**knobs))(*args))
    run_check("lr_at_step", _schedule(typed), _schedule(lr_at), _schedule_cases(), atol=1e-9, rtol=0.0, mistakes=mistakes)


# ---------------------------------------------------------------------------------------------------
# train_loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule) -> losses (list of floats)

def _loop_cases():
    # (seed, max_iters, grad_clip, optimizer): small enough to run in a blink, clipping active in the first
    # three; as in the hidden tests, one where the clip never acts (these gradients' norms stay far below 50:
    # a loop that scaled every gradient to grad_clip matched the reference wherever the clip acted, wa37) and
    # one of no iteration at all (a print of losses[-1] after the loop raised only in the grade, wa37)
    return [(0, 6, 0.05, "sgd"), (1, 5, 0.2, "sgd"), (2, 4, 0.05, "adamw"), (3, 5, 50.0, "sgd"), (4, 0, 0.05, "adamw")]


def _loop_setup(seed, max_iters, grad_clip, kind):
    """A tiny CharLSTM, its optimizer (created with a learning rate the schedule never gives), a
    deterministic ``get_batch`` and a schedule with a warm-up: everything a loop touches, fresh."""
    torch.manual_seed(seed)
    model = CharLSTM(CharLSTMConfig(vocab_size=9, n_embd=4, hidden_size=8, n_layers=1))
    if kind == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=7.0, momentum=0.5)
    else:  # two parameter groups, as course.train.configure_optimizer makes: every group needs its rate
        matrices = [p for p in model.parameters() if p.dim() >= 2]
        vectors = [p for p in model.parameters() if p.dim() < 2]
        optimizer = torch.optim.AdamW([{"params": matrices, "weight_decay": 0.1},
                                       {"params": vectors, "weight_decay": 0.0}], lr=7.0)
    gen = torch.Generator().manual_seed(100 + seed)
    data = torch.randint(0, 9, (64,), generator=gen)
    # another split, drawn with a generator of its own: a loop that also measures on it (honest) trains
    # exactly as the reference does; one that trains on it does not
    other_gen = torch.Generator().manual_seed(200 + seed)
    other = torch.randint(0, 9, (64,), generator=other_gen)

    def get_batch(split):
        source, draw = (data, gen) if split == "train" else (other, other_gen)
        starts = torch.randint(0, len(source) - 6, (3,), generator=draw)
        return windows_at(source, starts, 5)  # (3, 5) inputs and labels

    def lr_schedule(it):
        return 0.3 * (it + 1) / 3 if it < 2 else 0.3 / (1 + it)  # warm-up, then a decay
    return model, optimizer, get_batch, max_iters, grad_clip, lr_schedule


def _outcome(loop):
    """What a loop leaves behind on a case: the losses it returns and the parameters it trained."""
    def run(seed, max_iters, grad_clip, kind):
        model, *rest = _loop_setup(seed, max_iters, grad_clip, kind)
        losses = loop(model, *rest)
        params = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
        return {"losses": losses, "parameters after training": params}
    run.__wrapped__ = loop
    return run


def _loop_with(zero_grad="before backward", step_first=False, clip="norm", set_lr=True, lr_late=False,
               as_tensor=False, groups="all", lr_ahead=False, one_batch=False, split="train", lr_once=False,
               loss_after_step=False, reduction="mean", start=0, fresh=None, scale_by_lr=False, extra=0,
               swap_batch=False, divide_loss=False, lr_times=False):
    def loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
        losses = []
        if lr_once:
            for group in optimizer.param_groups:
                group["lr"] = lr_schedule(0)
        first = get_batch(split) if one_batch and max_iters else None
        for it in range(start, max_iters + extra):  # (extra: the mistake of running past max_iters)
            if fresh is not None:  # the mistake: a new optimizer of torch.optim's class ``fresh`` every iteration
                optimizer = getattr(torch.optim, fresh)(model.parameters(), lr=lr_schedule(it))
            if set_lr and not lr_late and fresh is None:
                for group in optimizer.param_groups[:1] if groups == "first" else \
                        optimizer.param_groups[-1:] if groups == "last" else optimizer.param_groups:
                    group["lr"] = lr_schedule(it + 1 if lr_ahead else it) * (group["lr"] if lr_times else 1.0)
            x, y = first if one_batch else get_batch(split)
            if swap_batch:  # the mistake: y, x = get_batch(...), the labels read as the inputs
                x, y = y, x
            logits, loss = model(x, y)
            if reduction == "sum":  # the mistake: the loss computed again, summed over the batch's tokens
                loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
            if reduction == "softmax first":  # the mistake: the loss computed again, from probabilities
                loss = F.cross_entropy(logits.softmax(dim=-1).reshape(-1, logits.size(-1)), y.reshape(-1))
            if zero_grad == "before backward" or (zero_grad == "every other" and it % 2 == 0):
                optimizer.zero_grad()
            if step_first:
                optimizer.step()
                loss.backward()
            else:
                (lr_schedule(it) * loss if scale_by_lr else loss / max_iters if divide_loss else loss).backward()
                if zero_grad == "after backward":
                    optimizer.zero_grad()
                if clip == "norm" or (clip == "first only" and it == 0):
                    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                elif clip == "1-norm":  # the mistake: the sum of the absolute values clipped, not the length
                    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip, norm_type=1)
                elif clip == "to the rate":  # the mistake: the learning rate given as the norm
                    torch.nn.utils.clip_grad_norm_(model.parameters(), lr_schedule(it))
                elif clip == "method":  # the mistake: the method itself, model.parameters, not called
                    torch.nn.utils.clip_grad_norm_(model.parameters, grad_clip)
                elif clip == "value":
                    torch.nn.utils.clip_grad_value_(model.parameters(), grad_clip)
                elif clip == "each parameter":  # the mistake: each tensor's own norm clipped on its own
                    for p in model.parameters():
                        torch.nn.utils.clip_grad_norm_(p, grad_clip)
                elif clip == "first group":  # the mistake: only the first parameter group's norm clipped
                    torch.nn.utils.clip_grad_norm_(optimizer.param_groups[0]["params"], grad_clip)
                elif clip == "always scaled":  # the mistake: every gradient scaled to norm grad_clip, small ones up
                    grads = [p.grad for p in model.parameters() if p.grad is not None]
                    norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
                    for g in grads:
                        g.mul_(grad_clip / norm)
                optimizer.step()
            if set_lr and lr_late and fresh is None:
                for group in optimizer.param_groups:
                    group["lr"] = lr_schedule(it)
            if loss_after_step:
                with torch.no_grad():
                    _, loss = model(x, y)  # the mistake: the loss of the updated model, a second forward pass
            losses.append(loss if as_tensor else loss.item())
        return losses
    return loop


def _returning(result):
    """The right loop, but returning ``result(losses)`` instead of the list of losses."""
    def loop(*args):
        return result(train_loop(*args))
    return loop


def _loop_one_step(mean):
    """The loop that adds up every iteration's loss (divided by max_iters: ``mean``) and calls backward(), the
    clip and step() once, after the loop: one step for the whole run."""
    def loop(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule):
        losses, total = [], 0.0
        optimizer.zero_grad()
        for it in range(max_iters):
            for group in optimizer.param_groups:
                group["lr"] = lr_schedule(it)
            _, loss = model(*get_batch("train"))
            total = total + loss
            losses.append(loss.item())
        if max_iters:
            (total / max_iters if mean else total).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
        return losses
    return loop


def _mode_watched(loop, seen: list):
    """``loop`` with the model's mode noted at each of its forward calls and after the loop, into ``seen``
    as ``(modes, training_after)``. The modes of the forward calls only where the loop runs in this process
    (the notebook): in the autograder's re-check the answer trains a copy of the model in another process,
    and only the mode the copy was left in comes back (``autograder.recheck._set_modes``)."""
    def watched(model, *rest):
        if not isinstance(loop, types.FunctionType):  # (the re-check's stand-in: only the mode it left comes back)
            try:
                return loop(model, *rest)
            finally:
                seen.append(([], model.training))
        modes: list[bool] = []
        # (a forward pass under no_grad measures, and may run in eval mode: only the training passes count)
        handle = model.register_forward_pre_hook(
            lambda module, args: modes.append(module.training) if torch.is_grad_enabled() else None)
        try:
            return loop(model, *rest)
        finally:
            handle.remove()
            seen.append((modes, model.training))
    watched.__wrapped__ = loop  # (the rules read the loop's cell: course.checks._core.answer_of)
    return watched


def _loop_mode(seen: list):
    """The ``after`` of the train_loop check: the model trained in training mode and was left in it."""
    def after(case):
        if not seen:
            return None
        modes, training_after = seen[-1]
        seen.clear()
        if modes and not all(modes):
            return ("the losses and weights match, but the model ran in eval mode (model.training was False "
                    "during a training forward pass)", Mistake(
                        "trained in eval mode", "your loop switched the model to eval mode (model.eval()), "
                        "which turns dropout off while it trains (these check models have none, so only the "
                        "mode shows it): don't call model.eval() in the loop; the model comes in training mode."))
        if not training_after:
            return ("the losses and weights match, but the model came in training mode and went back in eval "
                    "mode", Mistake("the model's mode changed", "leave the caller's model in the mode it came "
                                    "in: no model.eval() at the end of the loop; whoever evaluates it next "
                                    "switches it."))
        return None
    return after


def check_train_loop(student_fn):
    """``student_fn(model, optimizer, get_batch, max_iters, grad_clip, lr_schedule)`` trains ``model``
    in place for ``max_iters`` iterations and returns the list of its training losses (Python floats).
    Each iteration: set every parameter group's ``"lr"`` to ``lr_schedule(it)``, draw
    ``get_batch("train")``, forward, ``optimizer.zero_grad()``, ``loss.backward()``, clip the gradient
    norm to ``grad_clip``, ``optimizer.step()``. The check compares the losses and the trained
    parameters with the reference loop's on tiny models (SGD and AdamW)."""
    grad_back_on("train_loop")
    seen: list = []
    mistakes = [
        Mistake("softmax before cross-entropy", "F.cross_entropy takes the raw logits and applies log-softmax "
                "itself: given probabilities it takes a softmax of the softmax, whose loss hardly moves and whose "
                "gradients are tiny. Use the loss the model returns, _, loss = model(x, y), or "
                "F.cross_entropy(logits.reshape(-1, V), y.reshape(-1)) on the logits.",
                _outcome(_loop_with(reduction="softmax first"))),
        Mistake("gradients never zeroed", "each backward() adds to the gradients already there: call "
                "optimizer.zero_grad() every iteration, before loss.backward().",
                _outcome(_loop_with(zero_grad="never"))),
        Mistake("gradients zeroed every other iteration", "each backward() adds to the gradients already there, "
                "so a step without zero_grad() before it uses two batches' gradients: call optimizer.zero_grad() "
                "in EVERY iteration, before loss.backward().", _outcome(_loop_with(zero_grad="every other"))),
        Mistake("clipped to the learning rate", "the clip's max_norm is grad_clip, the argument for it, not the "
                "learning rate: torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip).",
                _outcome(_loop_with(clip="to the rate"))),
        Mistake("loss scaled by the learning rate", "the learning rate goes into the optimizer, not into the "
                "loss: set group['lr'] = lr_schedule(it) in every optimizer.param_groups and call loss.backward() "
                "on the loss itself (AdamW divides the gradients by their size, so a scaled loss barely changes "
                "its steps).", _outcome(_loop_with(set_lr=False, scale_by_lr=True))),
        Mistake("step finds no gradients", "the parameters never changed: optimizer.step() ran when there "
                "were no gradients, before loss.backward() or just after optimizer.zero_grad(). In each "
                "iteration: zero_grad(), then backward(), clip, and step() last.",
                _outcome(_loop_with(step_first=True))),
        Mistake("step before backward", "optimizer.step() ran between the forward pass and loss.backward(): it "
                "changes the parameters in place, and backward() needs them as the forward pass used them (hence "
                "torch's 'modified by an inplace operation'). In each iteration: forward, zero_grad(), "
                "backward(), clip, and step() last.", error="modified by an inplace operation"),
        Mistake("gradients not clipped to grad_clip", "the gradient norm was not clipped to grad_clip before "
                "the step (not at all, or to a number of your own, such as 1.0, which these small gradients "
                "never reach): call torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip), with the "
                "grad_clip argument, between loss.backward() and optimizer.step().",
                _outcome(_loop_with(clip="none"))),
        Mistake("parameters used up", "model.parameters() is a generator: made once before the loop, it is used "
                "up by the first clip_grad_norm_, and every later clip sees no parameters and clips nothing. "
                "Call clip_grad_norm_(model.parameters(), grad_clip) with a fresh model.parameters() each time, "
                "or keep params = list(model.parameters()).", _outcome(_loop_with(clip="first only"))),
        Mistake("model.parameters not called", "model.parameters is a method: call it, "
                "clip_grad_norm_(model.parameters(), grad_clip), so that the clip gets the parameters themselves.",
                _outcome(_loop_with(clip="method")), same_error=True),
        Mistake("clipped each value, not the norm", "clip_grad_value_ clips every entry on its own and "
                "changes the gradient's direction: clip the norm of all gradients together with "
                "torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip).",
                _outcome(_loop_with(clip="value"))),
        Mistake("clipped each parameter on its own", "clip_grad_norm_ called on each parameter clips each "
                "tensor's own norm to grad_clip, so together they can still be far above it: clip the norm of ALL "
                "the gradients together, once per iteration, torch.nn.utils.clip_grad_norm_(model.parameters(), "
                "grad_clip).", _outcome(_loop_with(clip="each parameter"))),
        Mistake("clipped the first group only", "optimizer.param_groups[0]['params'] holds only the first "
                "group's parameters (the course's AdamW has two groups: with and without weight decay): clip "
                "them all together, torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip).",
                _outcome(_loop_with(clip="first group"))),
        Mistake("small gradients scaled up", "you multiplied the gradients by grad_clip / norm at every step, "
                "which also scales a gradient whose norm is BELOW grad_clip up to it: clipping only shrinks a "
                "gradient whose norm is above grad_clip, by min(1, grad_clip / norm). "
                "torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip) does exactly that.",
                _outcome(_loop_with(clip="always scaled"))),
        *[Mistake("no iteration, no last loss", "with max_iters = 0 the loop runs no iteration and returns [] "
                  "(the hidden tests ask for that too): the code after your loop read the last iteration's loss "
                  "(losses[-1], or the variable loss), which does not exist then. Guard it, if losses: ..., or "
                  "leave that print out.", error=text, on=lambda seed, max_iters, *rest: max_iters == 0)
          for text in ("list index out of range", "cannot access local variable")],
        Mistake("learning rate never set", "the optimizer kept the learning rate it was created with: at "
                "every iteration set group['lr'] = lr_schedule(it) for each group in optimizer.param_groups.",
                _outcome(_loop_with(set_lr=False))),
        Mistake("learning rate set for the first group only", "an optimizer can have several parameter "
                "groups (course.train's AdamW has two: with and without weight decay): set the rate of each, "
                "for group in optimizer.param_groups: group['lr'] = lr_schedule(it).",
                _outcome(_loop_with(groups="first"))),
        Mistake("learning rate set for the last group only", "an optimizer can have several parameter groups "
                "(course.train's AdamW has two: with and without weight decay), and optimizer.param_groups[-1] is "
                "only the last: set the rate of each, for group in optimizer.param_groups: group['lr'] = "
                "lr_schedule(it).", _outcome(_loop_with(groups="last"))),
        Mistake("schedule not called", "group['lr'] must be a number, this iteration's rate: call the schedule, "
                "lr_schedule(it), rather than store the function itself.", error="'function'"),
        Mistake("learning rate set after the step", "each step used the previous iteration's rate: set "
                "group['lr'] = lr_schedule(it) before optimizer.step().", _outcome(_loop_with(lr_late=True))),
        Mistake("loss tensors instead of floats", "append loss.item(), a Python float: keeping the tensor "
                "keeps its whole graph alive.", _outcome(_loop_with(as_tensor=True)), credit=0.5),
        Mistake("one iteration short", "range(1, max_iters) runs max_iters - 1 steps, and the schedule starts "
                "at it = 1: count from 0, for it in range(max_iters), and call lr_schedule(it).",
                _outcome(_loop_with(start=1))),
        Mistake("one iteration too many", "range(max_iters + 1) (or a while loop with <=) runs one step "
                "more than asked: for it in range(max_iters) runs iterations 0 .. max_iters - 1, one loss each.",
                _outcome(_loop_with(extra=1))),
        Mistake("inputs and labels swapped", "get_batch returns (x, y), the inputs first and then the labels: "
                "x, y = get_batch('train'), then model(x, y).", _outcome(_loop_with(swap_batch=True))),
        Mistake("loss divided before backward", "backward() on loss / max_iters makes every gradient max_iters "
                "times smaller: call loss.backward() on the loss itself (one batch, one step; dividing is for "
                "gradient accumulation over several batches).", _outcome(_loop_with(divide_loss=True))),
        Mistake("get_batch called without the split", "get_batch takes the split to draw from: x, y = "
                "get_batch('train') (the lesson's get_batch has no default).",
                error="missing 1 required positional argument: 'split'"),
        *[Mistake("losses not returned", f"return the list of the losses, one float per iteration (return losses "
                  f"after the loop), not {what}.", _outcome(_returning(result))) for result, what in (
                      (lambda losses: None, "nothing (a function without return gives None)"),
                      (lambda losses: sum(losses) / len(losses) if losses else 0.0, "their mean"),
                      (lambda losses: losses[-1] if losses else None, "the last loss alone"))],
        Mistake("running average of the losses", "return each iteration's own loss, loss.item(), as it is: a "
                "running mean (the sum so far divided by it + 1) smooths the curve, and hides how the last "
                "iterations went. Average when you plot, not in the list.",
                _outcome(_returning(lambda losses: [sum(losses[:i + 1]) / (i + 1) for i in range(len(losses))]))),
        Mistake("learning rate one iteration ahead", "iteration it uses lr_schedule(it), counting from 0: "
                "for it in range(max_iters), group['lr'] = lr_schedule(it), not it + 1.",
                _outcome(_loop_with(lr_ahead=True))),
        Mistake("one batch for every iteration", "draw a new batch at every iteration: x, y = "
                "get_batch('train') inside the loop, not once before it.", _outcome(_loop_with(one_batch=True))),
        Mistake("loss not unpacked", "model(x, y) returns the pair (logits, loss): _, loss = model(x, y).",
                error="'tuple' object has no attribute"),
        Mistake("batches from the wrong split", "a training loop trains on the training data: x, y = "
                "get_batch('train'); the validation split is only for measuring.",
                _outcome(_loop_with(split="val"))),
        Mistake("forward pass under no_grad", "the loss was computed inside torch.no_grad(), so it has no graph "
                "and backward() fails: run the forward pass normally; no_grad is only for evaluation.",
                error="does not require grad"),
        Mistake("learning rate set once", "the schedule changes at every iteration: set group['lr'] = "
                "lr_schedule(it) for each group INSIDE the loop, before optimizer.step(), not once before it.",
                _outcome(_loop_with(set_lr=False, lr_once=True))),
        Mistake("loss measured after the step", "log the loss the step was computed from, loss.item() of the "
                "forward pass before backward(): a second forward pass after optimizer.step() measures the "
                "updated model, and costs a pass.", _outcome(_loop_with(loss_after_step=True))),
        Mistake("targets not passed to the model", "model(x) without the labels returns no loss (None): "
                "_, loss = model(x, y).", error="'NoneType' object has no attribute 'backward'"),
        Mistake("loss summed, not averaged", "your loss is the SUM over the batch's tokens, so it (and every "
                "step) grows with the batch size: model(x, y) already returns the mean cross-entropy; use it, "
                "or F.cross_entropy(...) with its default reduction='mean'.", _outcome(_loop_with(reduction="sum"))),
        *[Mistake("a new optimizer every iteration", "the optimizer you are given must take the steps: one made "
                  "anew at every iteration starts from nothing each time (no SGD momentum, no Adam moments) and "
                  "drops the caller's settings (parameter groups, weight decay). Set the rate on the given one: for "
                  "group in optimizer.param_groups: group['lr'] = lr_schedule(it).", _outcome(_loop_with(fresh=kind)))
          for kind in ("AdamW", "Adam", "SGD")],
        *[Mistake("one step after the loop", "your loop adds up the losses and calls backward() and step() once, "
                  "after the loop, so the model takes a single step and every batch meets the untrained model: "
                  "zero_grad(), backward(), clip and step() belong inside the loop, once per iteration.",
                  _outcome(_loop_one_step(mean))) for mean in (False, True)],
        Mistake("clipped with the 1-norm", "clip the gradients' Euclidean length, clip_grad_norm_'s default "
                "norm_type=2 (as nanoGPT and the course's trainer do): norm_type=1 measures the sum of the absolute "
                "values, far larger, and shrinks the gradients far more. Drop norm_type.",
                _outcome(_loop_with(clip="1-norm"))),
        Mistake("learning rate multiplied at every iteration", "group['lr'] = group['lr'] * lr_schedule(it) "
                "multiplies the rate the last iteration left, so the factors pile up and the rate shrinks towards "
                "0: set it, group['lr'] = lr_schedule(it).", _outcome(_loop_with(lr_times=True))),
        Mistake("param_groups indexed like a dict", "optimizer.param_groups is a LIST of dicts, one per "
                "parameter group: for group in optimizer.param_groups: group['lr'] = lr_schedule(it).",
                error="list indices must be integers"),
    ]
    # two of them at once (zero_grad() left out with the rate set once before the loop, say: wa42)
    single = first_named(mistakes)
    rates = {"never": dict(set_lr=False), "once": dict(set_lr=False, lr_once=True), "ahead": dict(lr_ahead=True),
             "multiplied": dict(lr_times=True)}
    mistakes += two_at_once([(single["gradients never zeroed"], "zero_grad", lambda *a: "never"),
                             (single["learning rate never set"], "rate", lambda *a: "never"),
                             (single["learning rate set once"], "rate", lambda *a: "once"),
                             (single["learning rate one iteration ahead"], "rate", lambda *a: "ahead"),
                             (single["learning rate multiplied at every iteration"], "rate", lambda *a: "multiplied"),
                             (single["gradients not clipped to grad_clip"], "clip", lambda *a: "none"),
                             (single["batches from the wrong split"], "split", lambda *a: "val")],
                            lambda args, knobs: _outcome(_loop_with(**{
                                **rates.get(knobs.pop("rate", None), {}), **knobs}))(*args))
    run_check("train_loop", _outcome(_mode_watched(student_fn, seen)), _outcome(train_loop), _loop_cases(),
              after=_loop_mode(seen), mistakes=mistakes)


from course.checks._core import guard_checks  # noqa: E402

guard_checks(globals())  # each check starts from float32, whatever an earlier cell left
