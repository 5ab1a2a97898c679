"""Every cell record (each cell and form): its stack's forward and gradients follow the
reference formula written from its paper (models/references.py), and its stepper and its
hand-written trace agree with its forward, for every activation it takes, depth and
direction; the forms torch lacks follow their formulas by hand, and the leaky cell's own
backward pass equals autograd's."""

from __future__ import annotations

import dataclasses
import functools
import math

import pytest
import torch
from torch import nn

from seqcli.engine import events
from seqcli.models.cells import CELLS, make_stack
from seqcli.models.stack import RecurrentStack
from seqcli.recipe import ModelConfig
from seqcli.recipe.cells import spec_of
from seqcli.recipe.tasks import SPECS
from tests.conftest import SHIPPED, train_briefly


def variants():
    """Model options for every record (each cell and form) and every activation it takes."""
    for key, cell in CELLS.items():
        name, form = (key, None) if isinstance(key, str) else key
        options = {cell.spec.form_option: form} if form else {}
        activations = ("tanh", "relu") if "nonlinearity" in cell.spec.options else (None,)
        for activation in activations:
            label = "-".join(filter(None, (name, form, activation)))
            yield pytest.param({"cell": name, "nonlinearity": activation, **options}, id=label)


VARIANTS = list(variants())


def stack_for(cell, nonlinearity=None, **options):
    torch.manual_seed(0)
    config = ModelConfig(cell=cell, nonlinearity=nonlinearity, hidden_size=6, **options)
    return make_stack(config, input_size=5).double().eval()


def stack_of(variant, **options):
    return stack_for(**variant, **options)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("direction", ["uni", "bi"])
def test_the_traced_step_matches_the_stacks_forward(variant, layers, direction):
    stack = stack_of(variant, layers=layers, direction=direction)
    x = torch.randn(3, 8, 5, dtype=torch.float64)
    output, state = stack(x)
    steps = stack.trace(x)
    torch.testing.assert_close(steps.output, output, atol=1e-6, rtol=0)
    h_n = state[0].view(layers, -1, 3, 6)  # (L, D, B, H)
    torch.testing.assert_close(steps.hidden[:, 0, :, -1], h_n[:, 0], atol=1e-6, rtol=0)
    if direction == "bi":  # a backward direction ends at the first step
        torch.testing.assert_close(steps.hidden[:, 1, :, 0], h_n[:, 1], atol=1e-6, rtol=0)
    assert set(steps.records) == set(stack.cell.spec.records)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("layers", [1, 3])
def test_the_stepper_matches_the_stacks_forward(variant, layers):
    stack = stack_of(variant, layers=layers)
    x = torch.randn(2, 12, 5, dtype=torch.float64)
    output, state = stack(x)
    step, carried, tops = stack.stepper(), None, []
    for t in range(x.shape[1]):
        top, carried = step(x[:, t], carried)
        tops.append(top)
    torch.testing.assert_close(torch.stack(tops, 1), output, atol=1e-6, rtol=0)
    for part, stepped in zip(state, zip(*carried, strict=True), strict=True):
        torch.testing.assert_close(torch.stack(stepped), part, atol=1e-6, rtol=0)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_state_has_the_parts_the_spec_names(variant):
    stack = stack_of(variant, layers=2, direction="bi")
    _, state = stack(torch.randn(3, 4, 5).double())
    assert len(state) == len(stack.cell.spec.state)
    assert all(part.shape == (4, 3, 6) for part in state)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("direction", ["uni", "bi"])
def test_the_stack_says_the_width_of_its_output_and_top_state(variant, direction):
    stack = stack_of(variant, layers=2, direction=direction)
    output, final = stack.read_ragged(torch.randn(3, 4, 5).double(), torch.tensor([4, 2, 1]))
    assert output.shape[-1] == final.shape[-1] == stack.output_size == 6 * stack.directions


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_carried_state_continues_where_the_first_half_ended(variant):
    stack = stack_of(variant, layers=2)
    x = torch.randn(2, 10, 5, dtype=torch.float64)
    whole, _ = stack(x)
    first, state = stack(x[:, :4])
    second, _ = stack(x[:, 4:], state)
    torch.testing.assert_close(torch.cat([first, second], 1), whole)


def layer_parameters(stack, layer: int, direction: int) -> dict:
    """One layer's and direction's parameters, named as a reference reads them."""
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    named = stack.named_parameters()
    return {name.removesuffix(suffix): p for name, p in named if name.endswith(suffix)}


def by_reference(stack, x: torch.Tensor) -> torch.Tensor:
    """The output (B, T, D*H) of the stack's weights run through its cell's reference, one
    step at a time from zero states, layer by layer, the backward direction from the end."""
    zero = x.new_zeros(x.shape[0], stack.hidden_size)
    for layer in range(stack.num_layers):
        directions = []
        for direction in range(stack.directions):
            state, hidden = (zero,) * len(stack.cell.spec.state), {}
            params = layer_parameters(stack, layer, direction)
            times = range(x.shape[1] - 1, -1, -1) if direction else range(x.shape[1])
            for t in times:
                state = stack.cell.reference(x[:, t], state, params, stack.activation)
                hidden[t] = state[0]
            directions.append(torch.stack([hidden[t] for t in sorted(hidden)], dim=1))
        x = torch.cat(directions, dim=-1)
    return x


def gradients(stack, x: torch.Tensor, run) -> list[torch.Tensor]:
    """d loss / d (input, every trained parameter) through run(stack, x)."""
    inputs = x.clone().requires_grad_()
    probe = torch.linspace(-1, 1, stack.output_size, dtype=x.dtype)  # weighs each unit
    (run(stack, inputs) * probe).sin().sum().backward()
    grads = [inputs.grad, *(p.grad.clone() for p in stack.parameters() if p.requires_grad)]
    stack.zero_grad()
    return grads


def assert_follows_its_reference(stack) -> None:
    """The stack's forward and gradients equal its cell's reference formula's."""
    torch.manual_seed(2)
    x = torch.randn(3, 6, 5, dtype=torch.float64)
    # In float64 a wrong formula misses by far more than 1e-7; torch's hardsigmoid does not
    # meet 1e-10, as it multiplies by a float32 1/6 whatever the dtype.
    close = {"atol": 1e-7, "rtol": 1e-6}
    torch.testing.assert_close(stack(x)[0], by_reference(stack, x), **close)
    own = gradients(stack, x, lambda s, v: s(v)[0])
    expected = gradients(stack, x, by_reference)
    for grad, reference in zip(own, expected, strict=True):
        torch.testing.assert_close(grad, reference, **close)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("direction", ["uni", "bi"])
def test_every_cell_follows_its_papers_formula_forward_and_backward(variant, layers, direction):
    assert_follows_its_reference(stack_of(variant, layers=layers, direction=direction))


def flipped_update(step):
    """A GRU step with the update gate on the wrong side: h = z n + (1 - z) h."""

    def wrong(proj, state, weights, activation):
        _, records = step(proj, state, weights, activation)
        update, new = records["update_gate"], records["candidate"]
        return (update * new + (1 - update) * state[0],), records

    return wrong


def test_a_stepped_cell_with_a_wrong_formula_fails_its_reference_check():
    right = CELLS["gru", "hard_sigmoid"]
    cell = dataclasses.replace(right, step=flipped_update(right.step))
    torch.manual_seed(0)
    config = ModelConfig(cell="gru", gate_activation="hard_sigmoid", hidden_size=6)
    wrong = cell.stack(cell, config, input_size=5).double()
    assert_follows_its_reference(stack_for("gru", gate_activation="hard_sigmoid"))
    with pytest.raises(AssertionError, match="not close"):
        assert_follows_its_reference(wrong)


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


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("direction", ["uni", "bi"])
def test_a_packed_batch_reads_each_sequence_as_if_alone(variant, direction):
    stack = stack_of(variant, layers=2, direction=direction)
    x, lengths = torch.randn(3, 7, 5, dtype=torch.float64), torch.tensor([7, 3, 5])
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, state = stack(packed)
    out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
    for row, length in enumerate(lengths.tolist()):
        alone, alone_state = stack(x[row : row + 1, :length])
        torch.testing.assert_close(out[row : row + 1, :length], alone, atol=1e-6, rtol=0)
        assert not out[row, length:].any()
        torch.testing.assert_close(state[0][:, row], alone_state[0][:, 0], atol=1e-6, rtol=0)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("direction", ["uni", "bi"])
def test_a_ragged_batch_is_read_as_the_packed_one_with_its_gradients(variant, direction):
    """read_ragged (torch's kernels on the padded tensor for fused cells, on the CPU) gives
    the packed reading's outputs, top-layer final h and gradients."""
    stack = stack_of(variant, layers=2, direction=direction)
    x, lengths = torch.randn(4, 7, 5, dtype=torch.float64), torch.tensor([7, 3, 1, 5])
    readings = []
    packed = functools.partial(RecurrentStack.read_padded, stack)  # what every stack can do
    for read in (stack.read_ragged, packed):
        inputs = x.clone().requires_grad_()
        out, final = read(inputs, lengths)
        (out.sum() + final.square().sum()).backward()
        grads = [inputs.grad, *(p.grad.clone() for p in stack.parameters())]
        stack.zero_grad()
        readings.append((out, final, grads))
    (out, final, grads), (packed_out, packed_final, packed_grads) = readings
    torch.testing.assert_close(out, packed_out, atol=1e-6, rtol=0)
    torch.testing.assert_close(final, packed_final, atol=1e-6, rtol=0)
    for grad, packed_grad in zip(grads, packed_grads, strict=True):
        torch.testing.assert_close(grad, packed_grad, atol=1e-6, rtol=0)


def one_unit(cell, **options):
    """A one-unit, one-input stack with every weight set by hand."""
    config = ModelConfig(cell=cell, hidden_size=1, **options)
    stack = make_stack(config, input_size=1).double()
    with torch.no_grad():
        for name, parameter in stack.named_parameters():
            parameter.fill_(VALUES.get(name.split("_l")[0], 0.0))
    return stack


VALUES = {"weight_ih": 0.5, "weight_hh": -2.0, "bias_ih": 0.1, "bias_hh": 0.2, "weight_vh": 3.0}


def run_two(stack) -> list[float]:
    out, _ = stack(torch.tensor([[[1.0], [-1.0]]], dtype=torch.float64))
    return out[0, :, 0].tolist()


def test_the_memory_forms_follow_their_formulas():
    h1 = math.tanh(0.5 + 0.1 + 0.2)  # h0 = 0: every form starts with the input alone
    before = [h1, math.tanh(-0.5 + 0.3 - 2.0 * h1)]
    after = [h1, math.tanh(-0.5 + 0.3) - 2.0 * h1]
    through = [h1, math.tanh(-0.5 + 0.3 - 2.0 * math.tanh(3.0 * h1))]
    assert run_two(one_unit("rnn")) == pytest.approx(before)
    assert run_two(one_unit("rnn", memory="after_activation")) == pytest.approx(after)
    assert run_two(one_unit("rnn", memory="through_network")) == pytest.approx(through)


def test_the_leaky_cell_keeps_a_of_its_state_and_starts_at_a_half():
    stack = one_unit("leaky")
    c1 = math.tanh(0.8)
    c2 = math.tanh(-0.5 + 0.3 - 2.0 * 0.5 * c1)
    assert run_two(stack) == pytest.approx([0.5 * c1, 0.5 * (0.5 * c1) + 0.5 * c2])
    fixed = stack_for("leaky", leak=0.9)
    assert torch.sigmoid(fixed.leak_l0).tolist() == pytest.approx([0.9] * 6)
    assert not fixed.leak_l0.requires_grad


def test_the_leaky_cells_own_backward_equals_autograd_through_its_step():
    torch.manual_seed(1)
    x, lengths = torch.randn(4, 9, 5, dtype=torch.float64), torch.tensor([9, 4, 6, 1])
    grads = []
    for runner in (CELLS["leaky"].runner, None):
        cell = dataclasses.replace(CELLS["leaky"], runner=runner)
        torch.manual_seed(0)
        stack = cell.stack(
            cell, ModelConfig(cell="leaky", hidden_size=6, layers=2, direction="bi"), input_size=5
        ).double()
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths, batch_first=True, enforce_sorted=False
        )
        out, (h_n,) = stack(packed)
        (out.data.pow(2).sum() + h_n.sin().sum()).backward()
        grads.append({n: p.grad for n, p in stack.named_parameters()})
    for name, grad in grads[0].items():
        torch.testing.assert_close(grad, grads[1][name], atol=1e-10, rtol=1e-8)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_hard_sigmoid_gates_are_clamped_lines(cell):
    stack = stack_for(cell, gate_activation="hard_sigmoid")
    trace = stack.trace(torch.randn(2, 5, 5, dtype=torch.float64) * 20)
    gates = [v for k, v in trace.records.items() if k.endswith("_gate")]
    assert all(((g >= 0) & (g <= 1)).all() for g in gates)
    assert any((g == 0).any() or (g == 1).any() for g in gates)  # saturates exactly


def test_forget_bias_reaches_a_stepped_lstm_too():
    stack = stack_for("lstm", gate_activation="hard_sigmoid", forget_bias=2.5)
    total = stack.bias_ih_l0 + stack.bias_hh_l0
    assert torch.all(total[6:12] == 2.5)


FORMS = [v for v in VARIANTS if v.values[0].get("nonlinearity") != "relu"]


@pytest.mark.parametrize("variant", FORMS)
@pytest.mark.parametrize("task", ["language_model", "classifier", "translator"])
def test_every_cell_and_form_trains_a_packed_a_carried_and_a_decoding_task(variant, task, tmp_path):
    options = [f"model.{key}={value}" for key, value in variant.items() if value is not None]
    trainer, stream = train_briefly(task, tmp_path / "r", *options)
    assert isinstance(stream[-1], events.Finished)
    stacks = [m for m in trainer.run.model.modules() if hasattr(m, "cell")]
    assert stacks and all(stack.cell.spec == spec_of(trainer.run.recipe.model) for stack in stacks)


RECURRENT = sorted(t for t in SHIPPED if issubclass(SPECS[t].model, ModelConfig))
# The inner loop's cut: the tasks above train it too; these add a tag per step, a series, a
# synthetic task and arrays. Every recurrent task with --all (make test-all, CI).
SHORT_CUT = {"tagger", "autoregressive_forecaster", "copy", "array_classifier"}


@pytest.mark.slow
@pytest.mark.parametrize("task", RECURRENT)
def test_the_leaky_cell_works_in_every_recurrent_task(task, tmp_path, full_run):
    if not (full_run or task in SHORT_CUT):
        pytest.skip("trains every recurrent task; runs with --all (make test-all, CI)")
    _, stream = train_briefly(task, tmp_path / "r", "model.cell=leaky")
    assert isinstance(stream[-1], events.Finished)
