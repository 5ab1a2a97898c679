"""A cell torch does not have plugs in through one record and a RecurrentStack with three
methods. Proof: a stack written in plain Python (the GRU record's hand-written step, weights
named as torch names them) matches the fused module, and, put in the GRU record's place,
trains every shipped task through the engine with no task touched."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from seqcli.engine import events
from seqcli.models import cells
from seqcli.models.stack import WEIGHT_NAMES, RecurrentStack, Stepper, Trace, run_direction
from seqcli.recipe import ModelConfig
from seqcli.recipe.tasks import SPECS
from tests.conftest import train_briefly


class PythonStack(RecurrentStack):
    """A recurrent stack with no fused kernel: every step is the record's traced step."""

    def __init__(self, cell, config, *, input_size: int):
        super().__init__()
        self.cell, self.activation = cell, config.nonlinearity or "tanh"
        self.hidden_size, self.num_layers = config.hidden_size, config.layers
        self.bidirectional = config.direction == "bi"
        rows = len(cell.spec.gates) * self.hidden_size
        for layer in range(self.num_layers):
            width = input_size if layer == 0 else self.hidden_size * self.directions
            for suffix in ("", "_reverse")[: self.directions]:
                shapes = {
                    "weight_ih": (rows, width),
                    "weight_hh": (rows, self.hidden_size),
                    "bias_ih": (rows,),
                    "bias_hh": (rows,),
                }
                for name, shape in shapes.items():
                    weight = torch.empty(shape).uniform_(-0.3, 0.3)
                    self.register_parameter(f"{name}_l{layer}{suffix}", nn.Parameter(weight))

    def weights(self, layer: int, direction: int):
        suffix = "_reverse" if direction else ""
        return tuple(getattr(self, f"{n}_l{layer}{suffix}") for n in WEIGHT_NAMES)

    def forward(self, x, state=None):
        packed = isinstance(x, PackedSequence)
        if packed:
            x, lengths = pad_packed_sequence(x, batch_first=True)
        else:
            lengths = torch.full((x.shape[0],), x.shape[1])
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.directions):
                out, last = self._read(x, lengths, layer, direction, state)
                outputs.append(out)
                finals.append(last)
            x = torch.cat(outputs, dim=-1)  # (B, T, D*H)
        parts = tuple(torch.stack(p) for p in zip(*finals, strict=True))  # each (L*D, B, H)
        if packed:
            x = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        return x, parts

    def _read(self, x, lengths, layer, direction, state):
        """One layer one way over each sequence's real steps; padding stays zero."""
        index = layer * self.directions + direction
        start = (
            tuple(p[index] for p in state)
            if state is not None
            else (x.new_zeros(x.shape[0], self.hidden_size),) * len(self.cell.spec.state)
        )
        # Reverse each sequence within its own length, so a backward read starts at its end.
        steps = torch.arange(x.shape[1])
        order = torch.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
        if direction:
            x = x.gather(1, order[..., None].expand_as(x))
        out, carried = [], start
        for t in range(x.shape[1]):
            new, _ = self.cell.traced_step(
                x[:, t], carried, self.weights(layer, direction), self.activation
            )
            real = (t < lengths)[:, None]
            carried = tuple(torch.where(real, n, c) for n, c in zip(new, carried, strict=True))
            out.append(torch.where(real, new[0], torch.zeros_like(new[0])))
        out = torch.stack(out, dim=1)  # (B, T, H)
        if direction:
            out = out.gather(1, order[..., None].expand_as(out))
        return out, carried

    def stepper(self):
        weights = [self.weights(layer, 0) for layer in range(self.num_layers)]
        return Stepper(
            lambda x, state, *w: self.cell.traced_step(x, state, w, self.activation)[0],
            weights,
            self.hidden_size,
            len(self.cell.spec.state),
        )

    def trace(self, x):
        start = (x.new_zeros(x.shape[0], self.hidden_size),) * len(self.cell.spec.state)
        runs = [
            run_direction(self.cell.traced_step, x, self.weights(0, d), start, d, self.activation)
            for d in range(self.directions)
        ]
        hidden = torch.stack([h for h, _ in runs])[None]
        records = {k: torch.stack([r[k] for _, r in runs])[None] for k in runs[0][1]}
        return Trace(torch.cat([h for h, _ in runs], dim=-1), hidden, records)


PYTHON_GRU = dataclasses.replace(cells.CELLS["gru"], stack=PythonStack)


@pytest.mark.parametrize("direction", ["uni", "bi"])
@pytest.mark.parametrize("packed", [False, True])
def test_the_python_stack_matches_the_fused_gru_on_the_same_weights(direction, packed):
    config = ModelConfig(cell="gru", hidden_size=5, layers=2, direction=direction)
    torch.manual_seed(0)
    fused = cells.make_stack(config, input_size=3)
    mine = PythonStack(PYTHON_GRU, config, input_size=3)
    mine.load_state_dict(fused.state_dict())  # torch's names: a fused checkpoint loads
    x, lengths = torch.randn(4, 6, 3), torch.tensor([6, 2, 4, 1])
    if packed:
        x = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    (out_a, state_a), (out_b, state_b) = fused(x), mine(x)
    if packed:
        out_a, out_b = (pad_packed_sequence(o, batch_first=True)[0] for o in (out_a, out_b))
    torch.testing.assert_close(out_b, out_a, atol=1e-5, rtol=0)
    torch.testing.assert_close(state_b[0], state_a[0], atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    "task",
    [
        "language_model",
        "classifier",
        "tagger",
        "translator",
        "conditioned_text",
        "direct_forecaster",
        "copy",
    ],
)
def test_a_python_cell_in_the_gru_record_trains_every_mapping(task, tmp_path, monkeypatch):
    monkeypatch.setitem(cells.CELLS, "gru", PYTHON_GRU)
    trainer, stream = train_briefly(task, tmp_path / "r", "model.cell=gru")
    assert any(isinstance(module, PythonStack) for module in trainer.run.model.modules())
    assert isinstance(stream[-1], events.Finished), SPECS[task].mapping
