"""Every cell record: its stack, its single-step kernel and its hand-written step agree with
torch's fused module, for every activation it takes, depth and direction."""

from __future__ import annotations

import math

import pytest
import torch

from seqcli.models.cells import CELLS, make_stack
from seqcli.recipe import ModelConfig

# (cell, nonlinearity) for every kernel a record holds: rnn with tanh and relu, the others once.
VARIANTS = [
    (name, activation if len(cell.kernels) > 1 else None)
    for name, cell in CELLS.items()
    for activation in cell.kernels
]
IDS = [f"{name}-{activation}" if activation else name for name, activation in VARIANTS]


def stack_for(cell, nonlinearity=None, **options):
    torch.manual_seed(0)
    config = ModelConfig(cell=cell, nonlinearity=nonlinearity, hidden_size=6, **options)
    return make_stack(config, input_size=5).double().eval()


@pytest.mark.parametrize(("cell", "nonlinearity"), VARIANTS, ids=IDS)
@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("direction", ["uni", "bi"])
def test_the_traced_step_matches_the_fused_module(cell, nonlinearity, layers, direction):
    stack = stack_for(cell, nonlinearity, layers=layers, direction=direction)
    x = torch.randn(3, 8, 5, dtype=torch.float64)
    output, state = stack(x)
    steps = stack.trace(x)
    torch.testing.assert_close(steps.output, output, atol=1e-6, rtol=0)
    h_n = state[0].view(layers, -1, 3, 6)  # (L, D, B, H)
    torch.testing.assert_close(steps.hidden[:, 0, :, -1], h_n[:, 0], atol=1e-6, rtol=0)
    if direction == "bi":  # a backward direction ends at the first step
        torch.testing.assert_close(steps.hidden[:, 1, :, 0], h_n[:, 1], atol=1e-6, rtol=0)
    assert set(steps.records) == set(CELLS[cell].spec.records)


@pytest.mark.parametrize(("cell", "nonlinearity"), VARIANTS, ids=IDS)
@pytest.mark.parametrize("layers", [1, 3])
def test_the_stepper_matches_the_fused_module(cell, nonlinearity, layers):
    stack = stack_for(cell, nonlinearity, layers=layers)
    x = torch.randn(2, 12, 5, dtype=torch.float64)
    output, state = stack(x)
    step, carried, tops = stack.stepper(), None, []
    for t in range(x.shape[1]):
        top, carried = step(x[:, t], carried)
        tops.append(top)
    torch.testing.assert_close(torch.stack(tops, 1), output, atol=1e-6, rtol=0)
    for part, stepped in zip(state, zip(*carried, strict=True), strict=True):
        torch.testing.assert_close(torch.stack(stepped), part, atol=1e-6, rtol=0)


@pytest.mark.parametrize("cell", CELLS)
def test_the_state_has_the_parts_the_spec_names(cell):
    _, state = stack_for(cell, layers=2, direction="bi")(torch.randn(3, 4, 5).double())
    assert len(state) == len(CELLS[cell].spec.state)
    assert all(part.shape == (4, 3, 6) for part in state)


@pytest.mark.parametrize("cell", CELLS)
def test_a_carried_state_continues_where_the_first_half_ended(cell):
    stack = stack_for(cell, layers=2)
    x = torch.randn(2, 10, 5, dtype=torch.float64)
    whole, _ = stack(x)
    first, state = stack(x[:, :4])
    second, _ = stack(x[:, 4:], state)
    torch.testing.assert_close(torch.cat([first, second], 1), whole)


def test_the_lstm_trace_records_its_forget_gate():
    stack = stack_for("lstm")
    with torch.no_grad():
        for parameter in stack.parameters():
            parameter.zero_()
        stack.bias_ih_l0[6:12] = math.log(3)  # the forget block; sigmoid(ln 3) = 0.75
    gate = stack.trace(torch.randn(1, 4, 5, dtype=torch.float64)).records["forget_gate"]
    torch.testing.assert_close(gate, torch.full_like(gate, 0.75))


def test_forget_bias_fills_the_forget_block_the_spec_names():
    stack = stack_for("lstm", forget_bias=2.5)
    block = CELLS["lstm"].spec.gates.index("forget")
    total = stack.bias_ih_l0 + stack.bias_hh_l0
    assert torch.all(total[block * 6 : (block + 1) * 6] == 2.5)


def test_relu_reaches_the_module_and_its_steps():
    stack = stack_for("rnn", "relu")
    assert stack.nonlinearity == "relu" and stack.activation == "relu"


def test_dropout_sits_between_layers_only_when_stacked():
    assert stack_for("gru", layers=1, dropout=0.3).dropout == 0.0
    assert stack_for("gru", layers=2, dropout=0.3).dropout == 0.3


def test_parameter_names_are_torchs_so_old_checkpoints_load():
    names = dict(stack_for("lstm", layers=2, direction="bi").named_parameters())
    assert {"weight_ih_l0", "bias_hh_l1_reverse"} <= set(names)
