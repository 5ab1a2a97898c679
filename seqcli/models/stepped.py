"""A recurrent stack for cells torch has no kernel for: the cell record's step run over time.

The input's share of every step (x W_ih^T + b_ih) is computed for the whole sequence in one
matrix product; only the recurrence runs step by step. Packed batches are read padded with a
mask, so a state stops at each sequence's last real step and a backward direction starts
there. Parameters are named as torch names its own (weight_ih_l0, bias_hh_l1_reverse, ...),
plus whatever else the cell needs (leak_l0, weight_vh_l0)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from seqcli.models.stack import RecurrentStack, State, Stepper, Trace, trace_stack


class SteppedStack(RecurrentStack):
    def __init__(self, cell, config, *, input_size: int):
        super().__init__()
        self.cell, self.activation = cell, config.nonlinearity or "tanh"
        self.hidden_size, self.num_layers = config.hidden_size, config.layers
        self.bidirectional, self.batch_first = config.direction == "bi", True
        self.dropout = config.dropout if config.layers > 1 else 0.0
        self.names = []
        for layer in range(self.num_layers):
            width = input_size if layer == 0 else self.output_size
            for suffix in ("", "_reverse")[: self.directions]:
                tensors = cell.parameters(config, width, self.hidden_size)
                self.names = list(tensors)
                for name, tensor in tensors.items():
                    self.register_parameter(f"{name}_l{layer}{suffix}", tensor)
        self.start_biases(config)

    def weights(self, layer: int, direction: int = 0) -> tuple[torch.Tensor, ...]:
        suffix = "_reverse" if direction else ""
        return tuple(getattr(self, f"{name}_l{layer}{suffix}") for name in self.names)

    def forward(self, x, state: State | None = None):
        """Output (B, T, D*H), or packed as the input was, and the final state's parts."""
        packed = isinstance(x, PackedSequence)
        x, lengths = pad_packed_sequence(x, batch_first=True) if packed else (x, None)
        mask = None if lengths is None else torch.arange(x.shape[1]) < lengths[:, None]
        finals = []
        for layer in range(self.num_layers):
            if layer:
                x = F.dropout(x, self.dropout, self.training)
            runs = [self._read(x, lengths, mask, layer, d, state) for d in range(self.directions)]
            x = torch.cat([out for out, _ in runs], dim=-1)  # (B, T, D*H)
            finals += [last for _, last in runs]
        parts = tuple(torch.stack(part) for part in zip(*finals, strict=True))  # (L*D, B, H)
        if packed:
            x = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        return x, parts

    def _read(self, x, lengths, mask, layer: int, direction: int, state):
        """One layer read one way: outputs (B, T, H) in time order and the final state."""
        weights = self.weights(layer, direction)
        if direction:
            x = reverse(x, lengths)
        start = self._start(x, state, layer * self.directions + direction)
        device_mask = None if mask is None else mask.to(x.device)
        proj = x @ weights[0].T + weights[2]  # (B, T, G*H): every step's input at once
        out, last = self.cell.run(proj, start, weights, device_mask, self.activation)
        return (reverse(out, lengths) if direction else out), last

    def _start(self, x, state, index: int) -> State:
        if state is not None:
            return tuple(part[index] for part in state)
        zeros = x.new_zeros(x.shape[0], self.hidden_size)  # (B, H)
        return (zeros,) * len(self.cell.spec.state)

    def stepper(self) -> Stepper:
        assert not self.bidirectional, "stepping reads one direction only"
        layers = [self.weights(layer) for layer in range(self.num_layers)]
        kernel = self.cell.kernel(self.activation)
        return Stepper(kernel, layers, self.hidden_size, len(self.cell.spec.state))

    @torch.no_grad()
    def trace(self, x: torch.Tensor) -> Trace:
        return trace_stack(self, x)


def reverse(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Each sequence of a padded batch (B, T, ...) reversed within its own length."""
    if lengths is None:
        return x.flip(1)
    steps = torch.arange(x.shape[1])
    order = torch.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
    order = order.to(x.device).view(*order.shape, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(1, order)


def step_over_time(step, proj, start: State, weights, mask, activation: str):
    """The generic runner: the step at every time step, the state held past a sequence's end.
    Returns outputs (B, T, H), zero on padding, and the final state."""
    state, outputs = start, []
    for t in range(proj.shape[1]):
        new, _ = step(proj[:, t], state, weights, activation)
        if mask is not None:
            real = mask[:, t, None]  # (B, 1)
            new = tuple(torch.where(real, n, s) for n, s in zip(new, state, strict=True))
            outputs.append(new[0] * real)
        else:
            outputs.append(new[0])
        state = new
    return torch.stack(outputs, dim=1), state


def uniform_weights(rows: int, width: int, hidden: int) -> dict[str, nn.Parameter]:
    """torch's initialisation for a recurrent layer: U(-1/sqrt(H), 1/sqrt(H)) everywhere."""
    bound = hidden**-0.5
    shapes = {"weight_ih": (rows, width), "weight_hh": (rows, hidden), "bias_ih": (rows,),
              "bias_hh": (rows,)}  # fmt: skip
    return {
        name: nn.Parameter(torch.empty(shape).uniform_(-bound, bound))
        for name, shape in shapes.items()
    }
