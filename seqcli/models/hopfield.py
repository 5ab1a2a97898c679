"""Hopfield networks behind one interface: the classical one (Hopfield 1982: Hebbian weights,
every unit set to the sign of its input) and the modern one (Ramsauer et al. 2020: the state
becomes a softmax-weighted mix of the stored patterns, which is one attention step). Both
recall by feeding their output back in until it stops changing, and both have an energy that
never rises along the way (for the classical one, under asynchronous updates)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import nn

from seqcli.metrics.memory import units_wrong
from seqcli.models.language_model import Output

SETTLED = 1e-6  # modern: a state that moves less than this in every unit has settled
# Multiply-adds per product a batch's update is cut into: Python runs a signal handler (Ctrl-C)
# only between two products. 6,400 probes of 6,400 units in one product kept Ctrl-C waiting
# about 10 s; parts of 2^32 take a fraction of a second and cost little speed.
PRODUCT = 1 << 32


def in_parts(update, state: torch.Tensor, per_row: int) -> torch.Tensor:
    """update(rows) over the batch a few rows at a time (rows are independent), so that each
    product is about PRODUCT multiply-adds when one row costs per_row."""
    rows = max(1, PRODUCT // max(per_row, 1))
    if rows >= len(state):
        return update(state)
    return torch.cat([update(part) for part in state.split(rows)])


def polarise(state: torch.Tensor) -> torch.Tensor:
    """Every unit to +1 or -1 (an exact 0, a tie, to +1)."""
    return torch.where(state >= 0, 1.0, -1.0)


class Hopfield(nn.Module):
    """What both kinds share: recall as a sequence of states, and forward over a batch."""

    def __init__(self, config, *, seed: int):
        super().__init__()
        self.max_iterations, self.seed = config.max_iterations, seed

    def recall(self, probes: torch.Tensor, *, generator=None) -> Iterator[torch.Tensor]:
        """The probes (B, N), then the state after each iteration, until no state changes or
        max_iterations have passed."""
        generator = generator or torch.Generator().manual_seed(self.seed)
        state = probes
        yield state
        for _ in range(self.max_iterations):
            new = self.update(state, generator)
            if self.settled(state, new):
                return
            state = new
            yield state

    def forward(self, x, *, targets=None, state=None, generator=None) -> Output:
        """Recall from probes x (B, N); the loss is the share of units recalled wrong."""
        *_, final = self.recall(x, generator=generator)
        out = polarise(final)  # (B, N)
        loss = None if targets is None else units_wrong(out, targets).mean()
        return Output(out, loss, None)


class ClassicalHopfield(Hopfield):
    def __init__(self, patterns: torch.Tensor, config, *, seed: int):
        super().__init__(config, seed=seed)
        count, units = patterns.shape  # (P, N)
        # Hebb's rule, sum over patterns of x x^T, with no unit feeding itself (the energy
        # argument needs the zero diagonal). Kept as integer counts, N times Hopfield's 1/N
        # scale, so a unit's input is exact and a tie is a true zero; the energy divides by N.
        # Parameters rather than buffers: they are the network's weights (inspect and the
        # training header count them), set by a rule instead of by gradients.
        weights = patterns.T @ patterns - count * torch.eye(units)  # (N, N)
        self.weights = nn.Parameter(weights, requires_grad=False)
        self.rule = UPDATES[config.update]

    def update(self, state: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.rule(self.weights, state, generator)

    def energy(self, state: torch.Tensor) -> torch.Tensor:
        """E = -1/2 s^T W s with W = (1/N) sum of x x^T, zero diagonal; one per row (B,)."""
        return -0.5 * ((state @ self.weights) * state).sum(-1) / len(self.weights)

    def settled(self, old: torch.Tensor, new: torch.Tensor) -> bool:
        return torch.equal(old, new)


def update_async(weights, state, generator) -> torch.Tensor:
    """Every unit once, in a random order, each reading the units set before it; a unit whose
    input is exactly 0 keeps its value, so no step raises the energy."""
    state = state.clone()
    for unit in torch.randperm(len(weights), generator=generator).tolist():
        field = state @ weights[unit]  # (B,); W is symmetric, so its row is its column
        state[:, unit] = torch.where(field == 0, state[:, unit], field.sign())
    return state


def update_sync(weights, state, generator) -> torch.Tensor:
    """Every unit at once from the same old state."""
    return in_parts(lambda rows: _sync(weights, rows), state, weights.numel())


def _sync(weights, state) -> torch.Tensor:
    field = state @ weights  # (B, N)
    return torch.where(field == 0, state, field.sign())


UPDATES = {"async": update_async, "sync": update_sync}


class ModernHopfield(Hopfield):
    def __init__(self, patterns: torch.Tensor, config, *, seed: int):
        super().__init__(config, seed=seed)
        self.patterns = nn.Parameter(patterns.clone(), requires_grad=False)  # X (P, N)
        self.beta = config.beta

    def update(self, state: torch.Tensor, generator=None) -> torch.Tensor:
        """state <- X^T softmax(beta X state): attention with the state as the query and the
        stored patterns as keys and values."""
        return in_parts(self._attend, state, 2 * self.patterns.numel())

    def _attend(self, state: torch.Tensor) -> torch.Tensor:
        weights = torch.softmax(self.beta * state @ self.patterns.T, dim=-1)  # (B, P)
        return weights @ self.patterns  # (B, N)

    def energy(self, state: torch.Tensor) -> torch.Tensor:
        """E = -lse(beta, X state) + 1/2 state^T state + log(P) / beta + M^2 / 2, with M the
        longest pattern's norm (Ramsauer et al. 2020, eq. 2), so 0 <= E <= 2 M^2; (B,)."""
        count, units = self.patterns.shape
        lse = torch.logsumexp(self.beta * state @ self.patterns.T, dim=-1) / self.beta
        longest = self.patterns.square().sum(-1).max()  # M^2
        return -lse + 0.5 * state.square().sum(-1) + math.log(count) / self.beta + 0.5 * longest

    def settled(self, old: torch.Tensor, new: torch.Tensor) -> bool:
        return bool((old - new).abs().max() <= SETTLED)


KINDS = {"classical": ClassicalHopfield, "modern": ModernHopfield}


def build_hopfield(config, patterns: torch.Tensor, *, seed: int) -> Hopfield:
    """The network the recipe's model section names, storing these (P, N) +1/-1 patterns."""
    return KINDS[config.kind](patterns.float(), config, seed=seed)
