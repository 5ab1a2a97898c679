"""The recurrent stack every model reads through, and its fused implementation.

A stack offers three things: `forward` over a padded (B, T, I) or packed batch, `stepper()`
for one step at a time (generation), and `trace` (every layer's state and gates at every step,
for diagnostics). Its state is always a tuple of parts, (h,) or (h, c), each (L*D, B, H), so
no caller asks which cell it holds. FusedStack is torch's nn.RNN / nn.LSTM / nn.GRU itself
(same parameters, same names, cuDNN on GPU); stepping and tracing run the same weights through
the cell record's single-step kernel and hand-written step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqcli.models.ragged import Ragged, final_steps, read_ragged_fused

if TYPE_CHECKING:  # cells.py builds its records from the stacks here
    from seqcli.models.cells import Cell

WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
State = tuple[torch.Tensor, ...]  # (h,) or (h, c), each (L*D, B, H)
LayerStates = list[State]  # one step's state per layer, each part (B, H)


def state_parts(state) -> State:
    """A state as its tuple of parts; torch's own modules give a bare h for RNN and GRU."""
    return tuple(state) if isinstance(state, tuple | list) else (state,)


def top_state(state: State, directions: int) -> torch.Tensor:
    """(B, D*H): the top layer's final h of each direction, side by side. A backward
    direction's output at the last step has read one step only; its final state read all."""
    h_n = state[0]  # (L*D, B, H)
    return torch.cat(list(h_n[-directions:]), dim=-1)


@dataclass(frozen=True)
class Trace:
    output: torch.Tensor  # (B, T, D*H): the top layer, as forward returns it
    hidden: torch.Tensor  # (L, D, B, T, H): every layer's and direction's h
    records: dict[str, torch.Tensor]  # the cell's records (gates, candidate, ...), each like hidden


class RecurrentStack(nn.Module):
    """What a recurrent stack offers the models. Subclasses set `cell` (the record),
    `hidden_size`, `num_layers`, `bidirectional` and `activation`, and implement
    forward(x, state) -> (output, state), stepper() and trace(x)."""

    cell: Cell
    activation: str

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        """The width a model reads from the stack: its output's and top_state's D*H."""
        return self.hidden_size * self.directions

    def stepper(self) -> Stepper:
        raise NotImplementedError

    def trace(self, x: torch.Tensor) -> Trace:
        raise NotImplementedError

    def read_ragged(self, x: torch.Tensor, lengths: torch.Tensor):
        """A padded (B, T, I) batch of sequences of `lengths` steps: (B, T, D*H) outputs, zero
        past each length, and (B, D*H) the top layer's final h of each direction, as if each
        sequence were read alone. A batch without padding is read as it is."""
        # A traced graph (seqcli export) would keep whichever branch its example batch took.
        if not torch.jit.is_tracing() and bool((lengths == x.shape[1]).all()):
            output, state = self(x)
            return output, top_state(state, self.directions)
        return self.read_padded(x, lengths)

    def read_padded(self, x: torch.Tensor, lengths: torch.Tensor):
        """read_ragged of a batch with padding: packed, so padding never enters a state."""
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, _ = self(packed)
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])
        return output, final_steps(output, lengths, self.hidden_size, self.directions)

    def start_biases(self, config) -> None:
        if config.forget_bias is not None:  # the recipe allows it for cells with a forget gate
            self.fill_gate_bias("forget", config.forget_bias)

    def fill_gate_bias(self, gate: str, value: float) -> None:
        """Start a gate's bias at value (Gers et al. 2000; Keras' unit_forget_bias)."""
        hidden, block = self.hidden_size, self.cell.spec.gates.index(gate)
        with torch.no_grad():
            for name, bias in self.named_parameters():
                if name.startswith("bias_"):
                    # torch adds bias_ih and bias_hh, so one carries the value and the other none.
                    fill = value if name.startswith("bias_ih") else 0.0
                    bias[block * hidden : (block + 1) * hidden].fill_(fill)


class FusedStack(RecurrentStack):
    """A torch fused module (mixed in after this class) as a RecurrentStack."""

    def __init__(self, cell, config, *, input_size: int):
        super().__init__(
            input_size,
            config.hidden_size,
            num_layers=config.layers,
            bidirectional=config.direction == "bi",
            dropout=config.dropout if config.layers > 1 else 0.0,
            batch_first=True,
            **cell.module_options(config),
        )
        self.cell, self.activation = cell, config.nonlinearity or "tanh"
        self.start_biases(config)

    def forward(self, x, state=None):
        """Output (B, T, D*H) or packed, and the final state's parts. A Ragged batch gives its
        output, zero past each length, and the top layer's final h of each direction (B, D*H)
        instead: what pooling and tagging read (the LSTM's cell state is not kept)."""
        if isinstance(x, Ragged):
            return read_ragged_fused(self, *x)
        hx = None if state is None else torch_state(state_parts(state))
        output, hx = super().forward(x, hx)
        return output, state_parts(hx)

    def read_padded(self, x: torch.Tensor, lengths: torch.Tensor):
        # cuDNN reads packed batches fast; the CPU kernels do not (see seqcli.models.ragged).
        if x.device.type == "cpu" and not torch.jit.is_tracing():
            return self(Ragged(x, lengths))
        return super().read_padded(x, lengths)

    def weights(self, layer: int, direction: int = 0) -> tuple[torch.Tensor, ...]:
        """(w_ih, w_hh, b_ih, b_hh) of one layer and direction: the module's tensors, not copies."""
        suffix = "_reverse" if direction else ""
        return tuple(getattr(self, f"{name}_l{layer}{suffix}") for name in WEIGHT_NAMES)

    def stepper(self) -> Stepper:
        assert not self.bidirectional, "stepping reads one direction only"
        kernel = self.cell.kernel(self.activation)
        layers = [self.weights(layer) for layer in range(self.num_layers)]
        return Stepper(kernel, layers, self.hidden_size, len(self.cell.spec.state))

    @torch.no_grad()
    def trace(self, x: torch.Tensor) -> Trace:
        assert self.batch_first and self.proj_size == 0, "make_stack builds these"
        return trace_stack(self, x)


def trace_stack(stack: RecurrentStack, x: torch.Tensor) -> Trace:
    """Run a stack's weights step by step from a zero state with its cell's hand-written step.
    Dropout between layers is left out: a trace shows the model as evaluation sees it."""
    step, zero = stack.cell.traced_step, x.new_zeros(x.shape[0], stack.hidden_size)  # (B, H)
    start = (zero,) * len(stack.cell.spec.state)
    hiddens, records = [], []
    for layer in range(stack.num_layers):
        runs = [
            run_direction(step, x, stack.weights(layer, d), start, d, stack.activation)
            for d in range(stack.directions)
        ]
        hiddens.append(torch.stack([h for h, _ in runs]))  # (D, B, T, H)
        records.append({k: torch.stack([r[k] for _, r in runs]) for k in runs[0][1]})
        x = torch.cat([h for h, _ in runs], dim=-1)  # (B, T, D*H) input of the next layer
    stacked = {key: torch.stack([r[key] for r in records]) for key in records[0]}
    return Trace(output=x, hidden=torch.stack(hiddens), records=stacked)


def torch_state(parts: State):
    """The form torch's modules take: h alone, or the (h, c) pair."""
    return parts[0] if len(parts) == 1 else parts


def run_direction(step, x, weights, state, direction: int, activation: str):
    """One layer read one way from `state`: h (B, T, H) in time order and the records."""
    times = range(x.shape[1] - 1, -1, -1) if direction else range(x.shape[1])
    hiddens, records = {}, {}
    for t in times:
        state, records[t] = step(x[:, t], state, weights, activation)
        hiddens[t] = state[0]
    order = sorted(hiddens)
    stacked = {k: torch.stack([records[t][k] for t in order], dim=1) for k in records[order[0]]}
    return torch.stack([hiddens[t] for t in order], dim=1), stacked


class Stepper:
    """Carry a stack's state one input at a time with torch's single-step kernels, fed the
    fused module's own weights: constant cost per step, about 3x faster than calling the fused
    module with T=1, which pays its set-up on every call."""

    def __init__(self, kernel: Callable, layers: list, hidden_size: int, parts: int):
        self.kernel = kernel
        self.layers = layers
        self.hidden_size = hidden_size
        self.parts = parts

    def layers_from(self, state: State) -> LayerStates:
        """A stack's state, parts of (L, B, H), as a per-layer list."""
        return [tuple(part[i] for part in state) for i in range(state[0].shape[0])]

    def zero(self, x: torch.Tensor) -> LayerStates:
        zeros = x.new_zeros(x.shape[0], self.hidden_size)
        return [(zeros,) * self.parts for _ in self.layers]

    def __call__(self, x: torch.Tensor, layers: LayerStates | None):
        """The top layer's h (B, H) after reading x (B, I), and the new per-layer state."""
        layers = layers if layers is not None else self.zero(x)
        new_layers = []
        for state, weights in zip(layers, self.layers, strict=True):
            state = self.kernel(x, state, *weights)
            new_layers.append(state)
            x = state[0]  # (B, H)
        return x, new_layers
