"""One record per recurrent cell and cell form: how it runs. Its spec (recipe/cells.py) says
what the recipe knows of it; the record adds the stack module, the step written out
(models/steps.py), torch's single-step kernels where torch has the cell, and, for a cell
that runs step by step, its parameters and the fastest way found to run a whole sequence.
Everything that asks about a cell reads these records."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn

from seqcli.models import references, steps
from seqcli.models.leaky import leaky_run
from seqcli.models.references import Reference
from seqcli.models.stack import FusedStack, RecurrentStack
from seqcli.models.stepped import SteppedStack, step_over_time, uniform_weights
from seqcli.recipe.cells import CELL_FORMS, CELL_SPECS, CellSpec, form_key


class FusedRNN(FusedStack, nn.RNN):
    pass


class FusedLSTM(FusedStack, nn.LSTM):
    pass


class FusedGRU(FusedStack, nn.GRU):
    pass


def _one_part(kernel: Callable) -> Callable:
    """A kernel of a one-part state (h alone) taking and giving the (h,) tuple."""
    return lambda x, state, *weights: (kernel(x, state[0], *weights),)


def _no_options(config) -> dict:
    return {}


@dataclass(frozen=True)
class Cell:
    spec: CellSpec
    stack: type[RecurrentStack]  # built as stack(cell, config, input_size=...)
    step: Callable  # (proj, state, weights, activation) -> (state, records)
    reference: Reference  # the step as its paper writes it: what tests hold the stack to
    kernels: dict[str, Callable] | None = None  # torch's single-step kernel per activation
    module_options: Callable[[object], dict] = _no_options  # recipe options in torch's words
    parameters: Callable | None = None  # (config, width, hidden) -> {name: Parameter}
    runner: Callable | None = None  # a faster whole-sequence run than the generic loop

    def traced_step(self, x, state, weights, activation: str):
        """The step from the raw input x (B, I), recording everything."""
        return self.step(steps.project(x, weights), state, weights, activation)

    def kernel(self, activation: str) -> Callable:
        """One step (x, state, *weights) -> state: torch's kernel, or the step itself."""
        if self.kernels is not None:
            return self.kernels[activation]
        return lambda x, state, *weights: self.traced_step(x, state, weights, activation)[0]

    def run(self, proj, start, weights, mask, activation: str):
        """A whole projected sequence (B, T, G*H) -> outputs (B, T, H) and the final state."""
        run = self.runner or partial(step_over_time, self.step)
        return run(proj, start, weights, mask, activation)


def _gated(blocks: int) -> Callable:
    return lambda config, width, hidden: uniform_weights(blocks * hidden, width, hidden)


def _through_network(config, width: int, hidden: int) -> dict:
    bound = hidden**-0.5
    vh = nn.Parameter(torch.empty(hidden, hidden).uniform_(-bound, bound))
    return {**uniform_weights(hidden, width, hidden), "weight_vh": vh}


def _leaky(config, width: int, hidden: int) -> dict:
    """torch's RNN weights and the leak's logit: 0 (a = 0.5) to learn, or a fixed a."""
    fixed = isinstance(config.leak, float)
    logit = math.log(config.leak / (1 - config.leak)) if fixed else 0.0
    leak = nn.Parameter(torch.full((hidden,), logit), requires_grad=not fixed)
    return {**uniform_weights(hidden, width, hidden), "leak": leak}


def _stepped(
    spec: CellSpec, step: Callable, reference: Reference, parameters: Callable, runner=None
) -> Cell:
    return Cell(spec, SteppedStack, step, reference, parameters=parameters, runner=runner)


_RNN_OPTIONS = {"module_options": lambda config: {"nonlinearity": config.nonlinearity or "tanh"}}
CELLS = {
    "rnn": Cell(
        CELL_SPECS["rnn"], FusedRNN, steps.rnn_step, references.elman,
        {"tanh": _one_part(torch.rnn_tanh_cell), "relu": _one_part(torch.rnn_relu_cell)},
        **_RNN_OPTIONS,
    ),
    "lstm": Cell(
        CELL_SPECS["lstm"], FusedLSTM, steps.lstm_step(torch.sigmoid),
        references.lstm(references.logistic), {"tanh": torch.lstm_cell},
    ),
    "gru": Cell(
        CELL_SPECS["gru"], FusedGRU, steps.gru_step(torch.sigmoid),
        references.gru(references.logistic), {"tanh": _one_part(torch.gru_cell)},
    ),
    "leaky": _stepped(
        CELL_SPECS["leaky"], steps.leaky_step, references.leaky, _leaky, runner=leaky_run
    ),
    ("rnn", "after_activation"): _stepped(
        CELL_FORMS["rnn", "after_activation"], steps.rnn_after_step,
        references.after_activation, _gated(1),
    ),
    ("rnn", "through_network"): _stepped(
        CELL_FORMS["rnn", "through_network"], steps.rnn_through_step,
        references.through_network, _through_network,
    ),
    ("lstm", "hard_sigmoid"): _stepped(
        CELL_FORMS["lstm", "hard_sigmoid"], steps.lstm_step(steps.GATES["hard_sigmoid"]),
        references.lstm(references.hard_logistic), _gated(4),
    ),
    ("gru", "hard_sigmoid"): _stepped(
        CELL_FORMS["gru", "hard_sigmoid"], steps.gru_step(steps.GATES["hard_sigmoid"]),
        references.gru(references.hard_logistic), _gated(3),
    ),
}  # fmt: skip


def make_stack(config, *, input_size: int) -> RecurrentStack:
    """Build the recurrent stack the recipe describes (batch-first)."""
    cell = CELLS[form_key(config)]
    return cell.stack(cell, config, input_size=input_size)
