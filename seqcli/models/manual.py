"""Hand-written RNN, LSTM and GRU that step a fused module's own weights and record every
hidden state and gate on the way.

The fused kernels (cuDNN, MKL-DNN and torch's own) return only the last layer's outputs and
the final state; the diagnostics need every layer's hidden state and the LSTM forget gate or
GRU update gate at every step. This is slow Python, for diagnostics only, never training; the
tests hold it to the fused module's outputs within 1e-6.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


@dataclass(frozen=True)
class Trace:
    output: torch.Tensor  # (B, T, D*H) the last layer, as the fused module returns it
    hidden: torch.Tensor  # (L, D, B, T, H) every layer's and direction's hidden state
    gates: torch.Tensor | None  # (L, D, B, T, H) lstm forget / gru update gate; rnn: None


def _rnn_step(activation):
    def step(x, state, w_ih, w_hh, b_ih, b_hh):
        h = activation(x @ w_ih.T + b_ih + state @ w_hh.T + b_hh)  # (B, H)
        return h, h, None

    return step


def _lstm_step(x, state, w_ih, w_hh, b_ih, b_hh):
    h, c = state
    pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (B, 4H), torch's gate order i, f, g, o
    i, f, g, o = pre.chunk(4, dim=-1)
    forget = torch.sigmoid(f)
    c = forget * c + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    return (h, c), h, forget


def _gru_step(x, state, w_ih, w_hh, b_ih, b_hh):
    # The reset gate multiplies the recurrent term after its bias (torch's and cuDNN's form,
    # not the original paper's reset-before-matmul), so the two must be kept apart.
    x_r, x_z, x_n = (x @ w_ih.T + b_ih).chunk(3, dim=-1)  # each (B, H)
    h_r, h_z, h_n = (state @ w_hh.T + b_hh).chunk(3, dim=-1)
    reset = torch.sigmoid(x_r + h_r)
    update = torch.sigmoid(x_z + h_z)
    new = torch.tanh(x_n + reset * h_n)
    h = (1 - update) * new + update * state
    return h, h, update


# nn.RNNBase.mode -> one step: (x, state, *weights) -> (new state, hidden, recorded gate).
CELL_STEPS = {
    "RNN_TANH": _rnn_step(torch.tanh),
    "RNN_RELU": _rnn_step(torch.relu),
    "LSTM": _lstm_step,
    "GRU": _gru_step,
}


def direction_weights(rnn: nn.RNNBase, layer: int, direction: int) -> tuple[torch.Tensor, ...]:
    """(w_ih, w_hh, b_ih, b_hh) of one layer and direction: the module's tensors, not copies."""
    suffix = "_reverse" if direction else ""
    return tuple(getattr(rnn, f"{name}_l{layer}{suffix}") for name in WEIGHT_NAMES)


def _zero_state(rnn: nn.RNNBase, like: torch.Tensor):
    zeros = like.new_zeros(like.shape[0], rnn.hidden_size)  # (B, H)
    return (zeros, zeros) if rnn.mode == "LSTM" else zeros


def _run_direction(rnn, x, layer, direction):
    """One layer read one way: hidden (B, T, H) in time order, and gates or None."""
    step = CELL_STEPS[rnn.mode]
    weights = direction_weights(rnn, layer, direction)
    times = range(x.shape[1] - 1, -1, -1) if direction else range(x.shape[1])
    state, hiddens, gates = _zero_state(rnn, x), {}, {}
    for t in times:
        state, hiddens[t], gates[t] = step(x[:, t], state, *weights)
    order = sorted(hiddens)
    hidden = torch.stack([hiddens[t] for t in order], dim=1)
    gate = None if gates[0] is None else torch.stack([gates[t] for t in order], dim=1)
    return hidden, gate


@torch.no_grad()
def trace(rnn: nn.RNNBase, x: torch.Tensor) -> Trace:
    """Run a batch-first fused module's weights step by step from a zero state, recording all.

    Dropout between layers is left out: traces describe the model as evaluation sees it.
    """
    assert rnn.batch_first and rnn.proj_size == 0, "make_rnn builds batch-first, unprojected"
    directions = 2 if rnn.bidirectional else 1
    hiddens, gates = [], []
    for layer in range(rnn.num_layers):
        runs = [_run_direction(rnn, x, layer, d) for d in range(directions)]
        hiddens.append(torch.stack([h for h, _ in runs]))  # (D, B, T, H)
        gates.append(None if runs[0][1] is None else torch.stack([g for _, g in runs]))
        x = torch.cat([h for h, _ in runs], dim=-1)  # (B, T, D*H) input of the next layer
    gate = None if gates[0] is None else torch.stack(gates)
    return Trace(output=x, hidden=torch.stack(hiddens), gates=gate)
