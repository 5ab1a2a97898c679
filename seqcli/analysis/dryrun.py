"""Size a run before training it: shapes per layer, parameters, activation memory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from torch import nn
from torch.nn.utils.rnn import PackedSequence

from seqcli.data.roles import Roles, data_roles
from seqcli.engine.contract import TaskData
from seqcli.engine.memory import Need, available_bytes, require, saved_bytes, training_need
from seqcli.engine.optim import planned_steps
from seqcli.engine.run import Run


@dataclass(frozen=True)
class DryRun:
    layers: list[tuple[str, str, int]]  # (module, output shape, parameters)
    parameters: int
    activation_bytes: int  # what autograd keeps for backward, for one batch
    parameter_bytes: int
    steps: int
    batch_size: int  # in the task's units
    unit: str
    need: Need  # the estimate a run is refused by, before anything is allocated
    free: int | None  # bytes free on the device, None where it cannot be told
    columns: Roles = ()  # which data column plays which role, where the recipe may leave it


def dry_run(run: Run, data: TaskData) -> DryRun:
    """Run one training batch forward, recording shapes and the tensors saved for backward;
    refused first, with the estimate, if the batch would not fit."""
    need = training_need(run, data)
    free = available_bytes(run.device)
    require(need, run.device, f"recipe {run.recipe.name}", run.task.spec)
    batches = run.task.batches(data, run.recipe)
    batch = next(batches).to(run.device)
    run.model.train()
    with _output_shapes(run.model) as shapes:
        activations = saved_bytes(run.model, batch)
    parameters = {id(p): p for p in run.model.parameters()}.values()
    # The leaf modules; a model that is one module (a Hopfield network) is its own leaf.
    layers = [
        (
            name or type(module).__name__,
            shapes.get(name, "-"),
            sum(p.numel() for p in module.parameters(recurse=False)),
        )
        for name, module in run.model.named_modules()
        if not list(module.children())
    ]
    return DryRun(
        layers=layers,
        parameters=sum(p.numel() for p in parameters),
        activation_bytes=activations,
        parameter_bytes=sum(p.numel() * p.element_size() for p in parameters),
        steps=planned_steps(run, len(batches)),
        batch_size=batch.size,
        unit=run.task.spec.unit,
        need=need,
        free=free,
        columns=data_roles(run.recipe.data),
    )


@contextmanager
def _output_shapes(model: nn.Module) -> Iterator[dict[str, str]]:
    """Record each leaf module's output shape during forward passes inside the block."""
    shapes: dict[str, str] = {}

    def recorder(name):
        def hook(module, inputs, output):
            first = output[0] if isinstance(output, tuple) else output
            # A packed sequence (taggers read padded batches packed) keeps its rows in .data.
            first = first.data if isinstance(first, PackedSequence) else first
            shapes[name] = "x".join(str(size) for size in first.shape)

        return hook

    handles = [
        module.register_forward_hook(recorder(name))
        for name, module in model.named_modules()
        if not list(module.children())
    ]
    try:
        yield shapes
    finally:
        for handle in handles:
            handle.remove()
