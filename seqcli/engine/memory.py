"""Will it fit? The memory a run needs, estimated before it is allocated, against what the
machine has free: the weights from a model built on the meta device (a recipe asking for a
terabyte builds in milliseconds), the activations of a batch from forward passes of one row
and of two, extrapolated to the batch."""

from __future__ import annotations

import resource
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from seqcli.errors import RecipeError, UsageError

if TYPE_CHECKING:  # for annotations: engine/run.py imports this module
    from seqcli.engine.contract import Meta, Task, TaskData
    from seqcli.engine.run import Run
    from seqcli.recipe import Recipe
    from seqcli.recipe.model import ModelConfig
    from seqcli.recipe.task_spec import TaskSpec

# What a module's init draws its weights with (nn.init's functions dispatch as themselves).
RANDOM_FILLS = {nn.init.normal_, nn.init.uniform_, torch.Tensor.normal_, torch.Tensor.uniform_}
PROBE_ROWS = (1, 2)  # batch rows of the measured forward passes; activations grow with rows
# Copies of every weight a training step holds: the weight, its gradient, the optimizer's
# moments (Adam's two, the momentum buffer or square average of SGD and RMSprop).
TRAINING_COPIES = {"adam": 4, "adamw": 4, "sgd": 3, "rmsprop": 3}
# Keys that shrink a run, each with whether a task reads it: a Hopfield network has no hidden
# size and takes no batches, a classifier no seq_len.
CUT_IF: dict[str, Callable[[TaskSpec], bool]] = {
    "model.hidden_size": lambda spec: "hidden_size" in spec.model.model_fields,
    "model.layers": lambda spec: "layers" in spec.model.model_fields,
    "train.batch_size": lambda spec: spec.optimizes,
    "train.seq_len": lambda spec: "seq_len" in spec.train_options,
}


def model_on_meta(task: Task, recipe: Recipe, meta: Meta) -> nn.Module:
    """The model a recipe and a data description build, every weight's shape and no memory."""
    with torch.device("meta"), _Unfilled():
        return task.build_model(recipe, meta)


class _Unfilled(TorchFunctionMode):
    """Random fills skipped: a meta tensor holds no values, and torch's normal_ on one imports
    torch._dynamo the first time (2.5 to 4 s of every command that loads a run, for nothing)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in RANDOM_FILLS:  # only under model_on_meta's torch.device("meta")
            return args[0] if args else kwargs["tensor"]  # nn.init passes it by name
        return func(*args, **(kwargs or {}))


@dataclass(frozen=True)
class Need:
    """What a training step holds at its peak, roughly: a forward pass's saved tensors and
    every copy of the weights."""

    parameters: int
    weight_bytes: int  # weights, gradients, optimizer moments
    activation_bytes: int = 0  # saved for backward, one batch

    @property
    def total(self) -> int:
        return self.weight_bytes + self.activation_bytes

    def describe(self) -> str:
        text = f"{size(self.total)} ({self.parameters:,} parameters: {size(self.weight_bytes)}"
        if self.weight_bytes > 4 * self.parameters:  # a run that trains: more than the weights
            text += " with gradients and moments"
        if self.activation_bytes:
            text += f"; activations {size(self.activation_bytes)} a batch"
        return text + ")"


def weights_need(model: nn.Module, copies: int = 1) -> Need:
    """A model's weights (meta or real), copies times: see TRAINING_COPIES."""
    count = sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
    return Need(count, count * 4 * copies)  # float32


def training_need(run: Run, data: TaskData) -> Need:
    """Weights, gradients, moments and one batch's activations of a run about to train."""
    need = weights_need(run.model, TRAINING_COPIES[run.recipe.train.optimizer])
    if not run.task.spec.optimizes:  # nothing is trained: no batch goes backward
        return need
    run.task.batches(data, run.recipe)  # data that cannot fill the batch is told as such first
    return replace(need, activation_bytes=activation_bytes(run, data))


def saved_bytes(model: nn.Module, batch) -> int:
    """Bytes autograd keeps for backward after one training forward pass of batch (weights,
    kept apart, not counted)."""
    saved: dict[int, int] = {}
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            saved[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(**batch.inputs, targets=batch.targets)
    return sum(saved.values())


def activation_bytes(run: Run, data: TaskData) -> int:
    """A batch's saved tensors, measured on one row and two and extrapolated to
    train.batch_size (what does not grow with the rows is counted once); the random state is
    left as it was, so a run is the same with or without the probe."""
    one, two = (_saved_by_rows(run, data, rows) for rows in PROBE_ROWS)
    per_row = max(0, two - one)
    return one + per_row * (run.recipe.train.batch_size - 1)


def _saved_by_rows(run: Run, data: TaskData, rows: int) -> int:
    train = run.recipe.train
    small = run.recipe.model_copy(update={"train": train.model_copy(update={"batch_size": rows})})
    with torch.random.fork_rng(devices=[]):
        batch = next(run.task.batches(data, small)).to(run.device)
        was_training = run.model.training
        # Buffers a training forward sets (running statistics, a lazy start from the first
        # batch: models/smoothing.py) are put back, so the first real batch sets them.
        buffers = [(buffer, buffer.clone()) for buffer in run.model.buffers()]
        run.model.train()
        measured = saved_bytes(run.model, batch)
        run.model.train(was_training)
        for buffer, kept in buffers:
            buffer.copy_(kept)
    return measured


def require(need: Need, device: torch.device, source: str, spec: TaskSpec) -> None:
    """Refuse a run whose estimate exceeds the memory free on device, with the estimate and
    the keys of the task's recipe that would shrink it."""
    free = available_bytes(device)
    if free is not None and need.total > free:
        raise RecipeError(
            f"{source}: the run needs about {need.describe()}; {device.type} has "
            f"{size(free)} free; {advice(spec)}"
        )


def advice(spec: TaskSpec) -> str:
    keys = [key for key, reads in CUT_IF.items() if reads(spec)]
    if not keys:
        return f"the data decides a {spec.title}'s size: use less"
    return f"lower {', '.join(keys)}"


def require_samples(
    model: ModelConfig,
    vocab_size: int,
    draw,
    length: int,
    device: torch.device,
    *,
    length_from: str = "--length",
) -> None:
    """Refuse a length or --num-samples whose rows, decoded at once, would not fit: per row the
    carried state (at most two parts, as an LSTM's, per layer and direction), the scores over
    the vocabulary and their softmax, sorted copy and mask, and the picked ids kept for
    output. One row that does not fit is the length's fault (length_from names where it was
    given), never the sample count's."""
    state = 2 * 2 * model.layers * model.hidden_size
    row = 4 * (state + 4 * vocab_size) + 8 * length
    free = available_bytes(device)
    if free is not None and row > free:
        raise UsageError(
            f"{length_from} {length:,}: one sample of that many tokens needs about {size(row)};"
            f" {device.type} has {size(free)} free; ask for fewer"
        )
    if free is not None and row * draw.num_samples > free:
        raise UsageError(
            f"--num-samples {draw.num_samples:,}: the samples need about "
            f"{size(row * draw.num_samples)} ({size(row)} each); {device.type} has "
            f"{size(free)} free; ask for fewer"
        )


def available_bytes(device: torch.device) -> int | None:
    """What this process may still allocate on device; None where it cannot be told."""
    return AVAILABLE.get(device.type, lambda device: None)(device)


def _cuda_free(device: torch.device) -> int:
    return torch.cuda.mem_get_info(device)[0]


def _host_free(device: torch.device) -> int | None:
    """The tightest of the machine's free memory, this process's address-space limit
    (ulimit -v) and its control group's limit (a container)."""
    known = [free for free in (_meminfo(), _address_space(), _cgroup()) if free is not None]
    return min(known, default=None)


def _meminfo() -> int | None:
    return _field_kib(Path("/proc/meminfo"), "MemAvailable:")


def _address_space() -> int | None:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    used = _field_kib(Path("/proc/self/status"), "VmSize:")
    if soft == resource.RLIM_INFINITY or used is None:
        return None
    return max(0, soft - used)


def _cgroup() -> int | None:
    limit, current = (
        _read(Path("/sys/fs/cgroup") / name) for name in ("memory.max", "memory.current")
    )
    if limit is None or current is None or not limit.isdigit():  # "max": no limit
        return None
    return max(0, int(limit) - int(current))


def _field_kib(path: Path, field: str) -> int | None:
    for line in (_read(path) or "").splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


AVAILABLE: dict[str, Callable[[torch.device], int | None]] = {"cpu": _host_free, "cuda": _cuda_free}


def size(count: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB" if count < 1024 else f"{count:.3g} TiB"  # 7.28e+18, not 19 digits
