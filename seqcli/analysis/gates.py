"""What a trained cell does with a user's input: every record of its hand-written step (gates,
candidate, cell state) and h, per layer, direction, step and unit, as plain numpy arrays.

The task turns the input into one model call (Task.stack_input); the tensor the model's first
recurrent stack receives in that call is captured and traced from a zero state, as the model
reads it in evaluation. The trace runs the fused module's own weights through the cell
record's hand-written step (tested equal to torch's kernels within 1e-6); training never
uses it. Record names come from the cell's spec, so a new cell needs nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from seqcli.analysis.diagnostics import SATURATED, recurrent_stack
from seqcli.analysis.features import top_units
from seqcli.analysis.moving_average import moving_average
from seqcli.engine.contract import Given, ReadsStackInput, StackInput
from seqcli.engine.run import Run
from seqcli.errors import SeqcliError, UsageError
from seqcli.models.ragged import Ragged
from seqcli.recipe.cells import CellSpec
from seqcli.recipe.model import ModelConfig

HIDDEN = "hidden"  # h, beside the records of every cell
DIRECTIONS = ("forward", "backward")
GATE_SUFFIX = "_gate"  # a record named so is a sigmoid: drawn on 0..1 and averaged as it is


def aliases(spec: CellSpec) -> dict[str, str]:
    """Short name -> record name: the spec's aliases (or the names themselves), and h."""
    return {**dict(zip(spec.aliases or spec.records, spec.records, strict=True)), "h": HIDDEN}


def short_name(spec: CellSpec, record: str) -> str:
    return next(short for short, name in aliases(spec).items() if name == record)


def is_gate(record: str) -> bool:
    return record.endswith(GATE_SUFFIX)


# Values a trace may keep (every gate and state of every unit at every step). Measured with a
# 2-layer LSTM of 256 units (3,072 values a step), one thread: 2 ms and 50 KB a step, 8 ms and
# 270 KB with --json; 4,000 characters took 41 s and 1.4 GB, 16,000 took 133 s and 4.7 GB.
MAX_TRACED = 10_000_000


@dataclass(frozen=True)
class Gates:
    """A trace of one input: spec order, then h; each (L, D, T, H) float64."""

    spec: CellSpec
    activation: str  # tanh or relu: only tanh units saturate
    steps: list[str]
    kind: str  # StackInput.kind
    values: dict[str, np.ndarray]

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return self.values[HIDDEN].shape

    @property
    def directions(self) -> tuple[str, ...]:
        return DIRECTIONS[: self.shape[1]]


def captured_input(model: nn.Module, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    """(1, T, I): what the model's first recurrent stack receives when called on inputs."""
    seen = []
    stack = recurrent_stack(model)
    # A decoder stepping another stack, or this one again, comes later: the first call counts.
    handle = stack.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    try:
        with torch.no_grad():
            model.eval()(**inputs)
    finally:
        handle.remove()
    x = seen[0]
    if isinstance(x, Ragged):
        return x.padded
    return pad_packed_sequence(x, batch_first=True)[0] if isinstance(x, PackedSequence) else x


def read_gates(run: Run, given: Given) -> Gates:
    """Trace a user's input through the run's first recurrent stack."""
    reading = _stack_input(run, given)
    if not reading.steps:
        raise UsageError(f"{given.source}: nothing to read; give some input")
    stack = recurrent_stack(run.model)
    _check_cost(run, len(reading.steps), len(stack.cell.spec.records), given.source)
    inputs = {name: tensor.to(run.device) for name, tensor in reading.inputs.items()}
    x = captured_input(run.model, inputs)
    assert x.shape[:2] == (1, len(reading.steps)), "a label per step the stack reads"
    trace = stack.trace(x)
    spec = stack.cell.spec
    parts = {**{name: trace.records[name] for name in spec.records}, HIDDEN: trace.hidden}
    values = {name: part[:, :, 0].double().cpu().numpy() for name, part in parts.items()}
    return Gates(spec, stack.activation, reading.steps, reading.kind, values)


def _check_cost(run: Run, steps: int, records: int, source: str) -> None:
    """Refuse an input whose trace would keep more than MAX_TRACED values, before the step
    by step pass that makes it."""
    model: ModelConfig = run.recipe.model  # every task with a recurrent stack has this section
    per_step = model.layers * model.directions * model.hidden_size * (records + 1)  # + h
    if steps * per_step > MAX_TRACED:
        raise UsageError(
            f"{source}: {steps:,} steps of {per_step:,} values each; seqcli gates keeps at most "
            f"{MAX_TRACED:,} values, about {MAX_TRACED // per_step:,} steps of this model; "
            "give a shorter input"
        )


def _stack_input(run: Run, given: Given) -> StackInput:
    """The task's reading of the input; its errors name where the input came from."""
    assert isinstance(run.task, ReadsStackInput), "cli/gates.py refuses a task without it"
    try:
        return run.task.stack_input(run, given)
    except SeqcliError as err:
        named = given.source in str(err) or (given.path and str(given.path) in str(err))
        if named:
            raise
        raise type(err)(f"{given.source}: {err}") from None


@dataclass(frozen=True)
class View:
    """What the terminal and the plot show: one layer, its directions, one record's unit."""

    layer: int
    directions: tuple[int, ...]
    record: str
    unit: int


def choose(gates: Gates, *, layer: int | None, gate: str, unit: int, direction: str) -> View:
    """Check --layer, --gate, --unit and --direction against the run; None: the top layer."""
    layers, _, _, units = gates.shape
    layer = layers - 1 if layer is None else layer
    if not 0 <= layer < layers:
        raise UsageError(f"--layer {layer}: this model has {layers} layer(s), 0 to {layers - 1}")
    names = aliases(gates.spec)
    record = names.get(gate, gate if gate in names.values() else None)
    if record is None:
        shown = ", ".join(f"{short} ({name})" for short, name in names.items())
        raise UsageError(
            f"--gate {gate}: not a record of the {gates.spec.name} cell; choose {shown}"
        )
    if not 0 <= unit < units:
        raise UsageError(f"--unit {unit}: a layer has {units} units, 0 to {units - 1}")
    return View(layer, _directions(direction, gates.directions), record, unit)


def _directions(direction: str, present: tuple[str, ...]) -> tuple[int, ...]:
    if direction == "both":
        return tuple(range(len(present)))
    if direction not in present:
        choices = " or ".join(("both", *present) if len(present) > 1 else present)
        raise UsageError(f"--direction {direction}: this model reads {choices}")
    return (present.index(direction),)


def scale(record: str, values: np.ndarray) -> tuple[float, float]:
    """The colour range: a gate's is 0..1; any other record's ± its largest |value|."""
    if is_gate(record):
        return 0.0, 1.0
    bound = float(np.abs(values).max()) or 1.0
    return -bound, bound


def step_summary(gates: Gates, view: View) -> dict[str, list[float]]:
    """Per step, over the units of the view's layer and directions: each gate's mean, each
    other record's mean |value|, and the share of saturated tanh units (|h| > 0.99)."""
    chosen = list(view.directions)
    summary = {}
    for record, values in gates.values.items():
        block = values[view.layer, chosen]  # (d, T, H)
        short = short_name(gates.spec, record)
        if is_gate(record):
            summary[short] = block.mean(axis=(0, 2)).tolist()
        else:
            summary[f"|{short}|"] = np.abs(block).mean(axis=(0, 2)).tolist()
    if gates.activation == "tanh":  # relu units have no ceiling to saturate against
        hidden = np.abs(gates.values[HIDDEN][view.layer, chosen])
        summary["saturated"] = (hidden > SATURATED).mean(axis=(0, 2)).tolist()
    return summary


def report(gates: Gates, view: View, *, top: int | None = None) -> dict:
    """What `seqcli gates` shows, as plain data: the run's shape, the steps, the chosen unit's
    values per direction, the per-step summary, the moving-average view and, if asked, the
    top units per feature."""
    layers, _, _, units = gates.shape
    data = {
        "cell": gates.spec.name,
        "layers": layers,
        "directions": list(gates.directions),
        "hidden_size": units,
        "kind": gates.kind,
        "steps": gates.steps,
        "aliases": aliases(gates.spec),
        "shown": shown_unit(gates, view),
        "per_step": step_summary(gates, view),
        "moving_average": moving_average(gates.values, gates.directions),
    }
    if top is not None:
        found = top_units(gates.values, gates.steps, gates.kind, k=top, directions=gates.directions)
        data["top_units"] = found
    return data


def shown_unit(gates: Gates, view: View) -> dict:
    """The unit that colours the text: its values per direction and their colour range."""
    rows = gates.values[view.record][view.layer][list(view.directions), :, view.unit]  # (d, T)
    names = [gates.directions[d] for d in view.directions]
    return {
        "layer": view.layer,
        "record": view.record,
        "unit": view.unit,
        "scale": list(scale(view.record, rows)),
        "values": {name: row.tolist() for name, row in zip(names, rows, strict=True)},
    }


def heatmaps(gates: Gates, view: View) -> list[tuple[str, np.ndarray, tuple[float, float]]]:
    """One panel per record and h of the view's layer, per direction: (title, (H, T) values,
    colour range)."""
    panels = []
    for record, values in gates.values.items():
        for d in view.directions:
            block = values[view.layer, d].T  # (H, T)
            title = f"{short_name(gates.spec, record)} ({record}), layer {view.layer}"
            direction = f" {gates.directions[d]}" if gates.shape[1] > 1 else ""
            panels.append((title + direction, block, scale(record, block)))
    return panels


def arrays(gates: Gates) -> dict[str, list]:
    """Every record and h as nested lists, (L, D, T, H), for --json."""
    return {name: values.tolist() for name, values in gates.values.items()}
