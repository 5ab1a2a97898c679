"""Each cell's step as its paper writes it, in plain torch: the reference every cell record
names, and tests/test_cells.py holds the record's stack to, forward and gradient.

Nothing here runs in training or generation. A reference takes one raw input x (B, I), the
state's parts and one layer's parameters by name (weight_ih, weight_hh, bias_ih, bias_hh and
any the cell adds: weight_vh, leak) and gives the next state. It uses nothing of
models/steps.py, torch's kernels or the leaky cell's hand-written backward, so it can catch
a wrong formula in any of them. torch carries two biases, one beside each weight; the papers'
single b is their sum.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch

Reference = Callable[[torch.Tensor, tuple, dict, str], tuple]


def logistic(z: torch.Tensor) -> torch.Tensor:
    return 1 / (1 + torch.exp(-z))


def hard_logistic(z: torch.Tensor) -> torch.Tensor:
    """The piecewise-linear gate the recipe documents: clamp(z / 6 + 1/2, 0, 1)."""
    return (z / 6 + 0.5).clamp(0, 1)


SQUASH = {"tanh": torch.tanh, "relu": lambda z: z.clamp(min=0)}


class Block(NamedTuple):
    """One gate's share of a layer's stacked weights."""

    w: torch.Tensor  # (H, I) input weights
    u: torch.Tensor  # (H, H) recurrent weights
    b: torch.Tensor  # (H,) input bias
    c: torch.Tensor  # (H,) recurrent bias

    def of_input(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w.T + self.b

    def of_state(self, h: torch.Tensor) -> torch.Tensor:
        return h @ self.u.T + self.c


def blocks(p: dict, count: int) -> list[Block]:
    """The layer's weights cut into its `count` gate blocks, in torch's stacking order."""
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    cut = [p[name].chunk(count) for name in names]
    return [Block(*parts) for parts in zip(*cut, strict=True)]


def elman(x, state, p, activation):
    """Elman (1990): h' = f(W x + U h + b)."""
    (h,) = state
    [g] = blocks(p, 1)
    return (SQUASH[activation](g.of_input(x) + g.of_state(h)),)


def after_activation(x, state, p, activation):
    """The state joins after the squashing: h' = f(W x + b) + U h."""
    (h,) = state
    [g] = blocks(p, 1)
    return (SQUASH[activation](g.of_input(x) + g.c) + h @ g.u.T,)


def through_network(x, state, p, activation):
    """The state passes a layer of its own first: h' = f(W x + U tanh(V h) + b)."""
    (h,) = state
    [g] = blocks(p, 1)
    return (SQUASH[activation](g.of_input(x) + g.of_state(torch.tanh(h @ p["weight_vh"].T))),)


def lstm(gate: Callable) -> Reference:
    """Hochreiter & Schmidhuber (1997) with the forget gate of Gers et al. (2000):
    c' = f c + i g, h' = o tanh(c'), each gate squashed by `gate` of W x + U h + b."""

    def reference(x, state, p, activation):
        h, c = state
        i, f, g, o = (b.of_input(x) + b.of_state(h) for b in blocks(p, 4))  # torch's order
        c = gate(f) * c + gate(i) * torch.tanh(g)
        return gate(o) * torch.tanh(c), c

    return reference


def gru(gate: Callable) -> Reference:
    """Cho et al. (2014) as torch and cuDNN compute it, the reset gate applied to U h + b
    after the product: n = tanh(W x + b + r (U h + c)), h' = (1 - z) n + z h."""

    def reference(x, state, p, activation):
        (h,) = state
        r, z, n = blocks(p, 3)  # torch stacks the reset, update and new blocks so
        reset = gate(r.of_input(x) + r.of_state(h))
        update = gate(z.of_input(x) + z.of_state(h))
        new = torch.tanh(n.of_input(x) + reset * n.of_state(h))
        return ((1 - update) * new + update * h,)

    return reference


def leaky(x, state, p, activation):
    """Leaky integrator (Jaeger et al. 2007): h' = a h + (1 - a) f(W x + U h + b), with the
    per-unit leak a = logistic(leak)."""
    (h,) = state
    [g] = blocks(p, 1)
    a = logistic(p["leak"])
    return (a * h + (1 - a) * SQUASH[activation](g.of_input(x) + g.of_state(h)),)
