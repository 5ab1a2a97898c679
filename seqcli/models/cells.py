"""One record per recurrent cell: how it runs. Its spec (recipe/cells.py) says what the recipe
knows of it; this adds the stack module, torch's single-step kernels and the hand-written step
that records every gate. Everything that asks about a cell reads these records.

The hand-written steps are slow Python for inspection only, never training; the tests hold them
to torch's fused modules within 1e-6.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from seqcli.models.stack import FusedStack, RecurrentStack, State
from seqcli.recipe.cells import CELL_SPECS, CellSpec

ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu}


def _rnn_step(x, state: State, weights, activation: str):
    w_ih, w_hh, b_ih, b_hh = weights
    pre = x @ w_ih.T + b_ih + state[0] @ w_hh.T + b_hh  # (B, H)
    return (ACTIVATIONS[activation](pre),), {"preactivation": pre}


def _lstm_step(x, state: State, weights, activation: str):
    (h, c), (w_ih, w_hh, b_ih, b_hh) = state, weights
    pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (B, 4H), torch's gate order i, f, g, o
    i, f, g, o = pre.chunk(4, dim=-1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    h = o * torch.tanh(c)
    return (h, c), {"input_gate": i, "forget_gate": f, "candidate": g, "output_gate": o, "cell": c}


def _gru_step(x, state: State, weights, activation: str):
    (h,), (w_ih, w_hh, b_ih, b_hh) = state, weights
    # The reset gate multiplies the recurrent term after its bias (torch's and cuDNN's form,
    # not the original paper's reset-before-matmul), so the two must be kept apart.
    x_r, x_z, x_n = (x @ w_ih.T + b_ih).chunk(3, dim=-1)  # each (B, H)
    h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=-1)
    reset, update = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    new = torch.tanh(x_n + reset * h_n)
    h = (1 - update) * new + update * h
    return (h,), {"reset_gate": reset, "update_gate": update, "candidate": new}


def _one_part(kernel: Callable) -> Callable:
    """A kernel of a one-part state (h alone) taking and giving the (h,) tuple."""
    return lambda x, state, *weights: (kernel(x, state[0], *weights),)


class FusedRNN(FusedStack, nn.RNN):
    pass


class FusedLSTM(FusedStack, nn.LSTM):
    pass


class FusedGRU(FusedStack, nn.GRU):
    pass


def _no_options(config) -> dict:
    return {}


@dataclass(frozen=True)
class Cell:
    spec: CellSpec
    stack: type[RecurrentStack]  # built as stack(cell, config, input_size=...)
    kernels: dict[str, Callable]  # activation -> single-step kernel: (x, state, *weights) -> state
    traced_step: Callable  # (x, state, weights, activation) -> (state, records)
    module_options: Callable[[object], dict] = _no_options  # recipe options in torch's words


CELLS = {
    "rnn": Cell(
        CELL_SPECS["rnn"],
        FusedRNN,
        {"tanh": _one_part(torch.rnn_tanh_cell), "relu": _one_part(torch.rnn_relu_cell)},
        _rnn_step,
        module_options=lambda config: {"nonlinearity": config.nonlinearity or "tanh"},
    ),
    "lstm": Cell(CELL_SPECS["lstm"], FusedLSTM, {"tanh": torch.lstm_cell}, _lstm_step),
    "gru": Cell(CELL_SPECS["gru"], FusedGRU, {"tanh": _one_part(torch.gru_cell)}, _gru_step),
}


def make_stack(config, *, input_size: int) -> RecurrentStack:
    """Build the recurrent stack the recipe describes (batch-first)."""
    cell = CELLS[config.cell]
    return cell.stack(cell, config, input_size=input_size)


def map_state(fn, state):
    """Apply fn to every tensor of a state: a tensor, a tuple of parts, a list, or None."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return fn(state)
    return type(state)(map_state(fn, part) for part in state)


def detach(state):
    """Cut the graph behind a carried state."""
    return map_state(torch.Tensor.detach, state)
