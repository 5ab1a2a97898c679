"""Every cell's step written out, recording what it computes on the way.

A step reads the input already projected, proj = x W_ih^T + b_ih (for all time steps at once
when a whole sequence is read), the state as a tuple of parts and the layer's weights
(w_ih, w_hh, b_ih, b_hh, *extra), and returns the new state and its records. For cells
torch has a fused kernel for, these steps serve inspection only (tests hold them to the
kernel within 1e-6); for the other forms they are how the cell runs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from seqcli.models.stack import State

ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu}
GATES = {"sigmoid": torch.sigmoid, "hard_sigmoid": F.hardsigmoid}


def project(x: torch.Tensor, weights) -> torch.Tensor:
    """x W_ih^T + b_ih: the input's share of every gate, (..., G*H)."""
    return x @ weights[0].T + weights[2]


def rnn_step(proj, state: State, weights, activation: str):
    """Elman: h = act(W x + U h + b)."""
    pre = proj + state[0] @ weights[1].T + weights[3]  # (B, H)
    return (ACTIVATIONS[activation](pre),), {"preactivation": pre}


def rnn_after_step(proj, state: State, weights, activation: str):
    """The memory skips the non-linearity: h = act(W x + b) + U h."""
    memory = state[0] @ weights[1].T  # (B, H)
    squashed = ACTIVATIONS[activation](proj + weights[3])
    return (squashed + memory,), {"activation": squashed, "memory": memory}


def rnn_through_step(proj, state: State, weights, activation: str):
    """The memory passes through a layer of its own first: h = act(W x + U tanh(V h) + b)."""
    memory = torch.tanh(state[0] @ weights[4].T)  # (B, H)
    pre = proj + memory @ weights[1].T + weights[3]
    return (ACTIVATIONS[activation](pre),), {"preactivation": pre, "memory": memory}


def lstm_step(gate):
    def step(proj, state: State, weights, activation: str):
        h, c = state
        w_hh, b_hh = weights[1], weights[3]
        i, f, g, o = (proj + h @ w_hh.T + b_hh).chunk(4, dim=-1)  # torch's order i, f, g, o
        i, f, g, o = gate(i), gate(f), torch.tanh(g), gate(o)
        c = f * c + i * g
        records = {"input_gate": i, "forget_gate": f, "candidate": g, "output_gate": o, "cell": c}
        return (o * torch.tanh(c), c), records

    return step


def gru_step(gate):
    def step(proj, state: State, weights, activation: str):
        # The reset gate multiplies the recurrent term after its bias (torch's and cuDNN's
        # form, not the original paper's reset-before-matmul), so the two stay apart.
        (h,) = state
        w_hh, b_hh = weights[1], weights[3]
        x_r, x_z, x_n = proj.chunk(3, dim=-1)  # each (B, H)
        h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=-1)
        reset, update = gate(x_r + h_r), gate(x_z + h_z)
        new = torch.tanh(x_n + reset * h_n)
        h = (1 - update) * new + update * h
        return (h,), {"reset_gate": reset, "update_gate": update, "candidate": new}

    return step


def leaky_step(proj, state: State, weights, activation: str):
    """h = a h + (1 - a) act(W x + U h + b), a = sigmoid(leak) per unit."""
    (h,), leak = state, torch.sigmoid(weights[4])
    pre = proj + h @ weights[1].T + weights[3]
    candidate = ACTIVATIONS[activation](pre)
    h = torch.lerp(candidate, h, leak)  # leak * h + (1 - leak) * candidate
    return (h,), {"preactivation": pre, "candidate": candidate, "leak": leak.expand_as(h)}
