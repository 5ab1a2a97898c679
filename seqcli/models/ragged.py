"""A ragged batch (padded, with lengths) through torch's fused CPU kernels without packing.

Packing keeps padding out of the recurrence, but on the CPU torch's packed LSTM runs 2-12x
slower than the same kernel on the padded tensor (it steps a shrinking batch). Padding at
the end cannot reach a forward direction's real steps, so the forward direction reads the
padded tensor as it is; the backward direction reads each sequence reversed within its
length, so its padding also comes last. Each layer and direction is one call of torch's own
kernel (torch._VF, which nn.LSTM calls itself) on the module's own weights: the numbers are
the packed reading's, to float rounding."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

KERNELS = {
    "LSTM": torch._VF.lstm,
    "GRU": torch._VF.gru,
    "RNN_TANH": torch._VF.rnn_tanh,
    "RNN_RELU": torch._VF.rnn_relu,
}


class Ragged(NamedTuple):
    """A padded batch and each row's length: a fused stack's third input form, beside a
    tensor and a PackedSequence, so hooks on the stack see the call as any other."""

    padded: torch.Tensor  # (B, T, I)
    lengths: torch.Tensor  # (B,)


def reversal(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """(B, T) indices that reverse each row's first `length` steps and keep the padding last;
    applied twice it is the identity."""
    t = torch.arange(steps, device=lengths.device)
    inside = t < lengths[:, None]
    return torch.where(inside, lengths[:, None] - 1 - t, t)


def reorder(x: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    return x.gather(1, order.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


def read_one_way(stack, x: torch.Tensor, layer: int, direction: int) -> torch.Tensor:
    """(B, T, H): one layer read forward from a zero state with one direction's weights."""
    zero = x.new_zeros(1, x.shape[0], stack.hidden_size)
    start = (zero, zero) if stack.mode == "LSTM" else zero
    weights = list(stack.weights(layer, direction))
    # has_biases, num_layers, dropout, train, bidirectional, batch_first
    return KERNELS[stack.mode](x, start, weights, True, 1, 0.0, stack.training, False, True)[0]


def read_ragged_fused(stack, x: torch.Tensor, lengths: torch.Tensor):
    """(B, T, D*H) outputs, zero past each length, and (B, D*H) the top layer's final h of
    each direction, as a packed reading gives them."""
    lengths = lengths.to(x.device)
    order = reversal(lengths, x.shape[1]) if stack.bidirectional else None
    for layer in range(stack.num_layers):
        if layer:
            x = F.dropout(x, stack.dropout, stack.training)
        outputs = [read_one_way(stack, x, layer, 0)]
        if order is not None:
            outputs.append(reorder(read_one_way(stack, reorder(x, order), layer, 1), order))
        x = torch.cat(outputs, dim=-1)
    inside = torch.arange(x.shape[1], device=x.device) < lengths[:, None]
    output = x * inside.unsqueeze(-1).to(x.dtype)
    return output, final_steps(output, lengths, stack.hidden_size, 2 if order is not None else 1)


def final_steps(output: torch.Tensor, lengths: torch.Tensor, hidden: int, directions: int):
    """(B, D*H): the top layer's final h of each direction, read off its (B, T, D*H) output:
    the forward direction's at its last real step, the backward's at the first step, where it
    ends. Read here rather than from a packed reading's final state, which torch's ONNX
    exporter cannot export (a C++ vector::_M_range_check)."""
    rows = torch.arange(output.shape[0], device=output.device)
    finals = [output[rows, lengths.to(output.device) - 1, :hidden]]  # (B, H)
    if directions == 2:
        finals.append(output[:, 0, hidden:])  # (B, H)
    return torch.cat(finals, dim=-1)
