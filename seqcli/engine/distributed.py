"""Data-parallel training under torchrun: torch.distributed and DistributedDataParallel.

Every step reads one global batch of batch_size x ranks x accumulate rows, cut into
ranks x accumulate pieces of batch_size: rank r takes pieces r*K .. r*K+K-1, one micro-batch
each, so what a step reads does not depend on how it is spread over ranks and micro-batches.
Rank 0 alone validates and writes the run folder; the others compute and stay quiet. Without
torchrun (WORLD_SIZE unset or 1) the world is one process and nothing here acts.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import torch
import torch.distributed as dist

from seqcli.engine.contract import Batches, Task, TaskData
from seqcli.engine.precision import autocast
from seqcli.engine.stopping import ABANDONED
from seqcli.models import detach
from seqcli.recipe import Recipe, TrainConfig


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1

    @property
    def writer(self) -> bool:
        return self.rank == 0

    def batch_record(self, train: TrainConfig) -> dict[str, int]:
        """How many ranks trained and the rows one step read over all of them (summary.json,
        checkpoints, inspect)."""
        return {
            "ranks": self.size,
            "effective_batch": train.batch_size * train.accumulate * self.size,
        }

    def agree(self, loss: float, size: int) -> tuple[float, int]:
        """The step's loss averaged and its units summed over the ranks."""
        if self.size == 1:
            return loss, size
        shared = _on_backend(torch.tensor([loss, size], dtype=torch.float64))
        dist.all_reduce(shared)
        loss, size = shared.tolist()
        return loss / self.size, int(size)

    def stop_reason(self, stopping) -> str | None:
        """Why to stop before the next step, agreed by every rank: a signal reaches the ranks
        at different moments, and a rank that stopped alone would leave the others waiting."""
        if self.size == 1:
            return stopping.reason
        stops = _on_backend(torch.tensor([float(stopping.reason is not None)]))
        dist.all_reduce(stops)
        if stops.item() and stopping.reason is None:
            stopping.request("a stop was requested on another rank")
        return stopping.reason

    def from_writer(self, work: Callable[[], object]) -> object:
        """work() on rank 0, its result handed to every rank (validation: one process reads
        the whole split, so its figures are the single-process ones)."""
        if self.size == 1:
            return work()
        box = [_portable(work()) if self.writer else None]
        dist.broadcast_object_list(box, src=0)
        return ABANDONED if box[0] == _ABANDONED else box[0]

    def gather_state(self, state):
        """The carried state of every stream of the global batch, ranks in order (rank 0's
        result; the others get it too)."""
        if self.size == 1 or state is None:
            return state
        return _map_parts(state, self._gather)

    def _gather(self, part: torch.Tensor) -> torch.Tensor:
        parts = [torch.empty_like(part) for _ in range(self.size)]
        dist.all_gather(parts, part.contiguous())
        return torch.cat(parts, dim=1)  # (L, streams of every rank, H)

    def own_state(self, state, train: TrainConfig):
        """This rank's rows of a stored carried state (batch_size x accumulate streams), if
        it holds as many for each rank; None (start afresh) if the global batch changed."""
        streams = train.batch_size * train.accumulate
        if state is None or _rows(state) != streams * self.size:
            return None
        rows = slice(self.rank * streams, (self.rank + 1) * streams)
        return _map_parts(state, lambda part: part[:, rows])


_ABANDONED = "abandoned"  # ABANDONED is an identity; it crosses processes by this name


def _portable(result: object) -> object:
    return _ABANDONED if result is ABANDONED else result


def _on_backend(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.cuda() if dist.get_backend() == "nccl" else tensor


def current_world() -> World:
    if not dist.is_available() or not dist.is_initialized():
        return World()
    return World(dist.get_rank(), dist.get_world_size())


def step_batches(task: Task, data: TaskData, recipe: Recipe, world: World) -> Batches:
    """This rank's micro-batches: the task's stream of global batches, cut into pieces."""
    train = recipe.train
    parts = world.size * train.accumulate
    if parts == 1:
        return task.batches(data, recipe)
    whole = train.model_copy(update={"batch_size": train.batch_size * parts})
    batches = task.batches(data, recipe.model_copy(update={"train": whole}))
    first = world.rank * train.accumulate
    batches.shard(range(first, first + train.accumulate), parts)
    return batches


def parallel(model: torch.nn.Module, world: World, device: torch.device) -> torch.nn.Module:
    """The module a training step runs: DDP, which all-reduces the gradients, or the model
    (alone, or with no weight to train: the data alone makes a Hopfield network)."""
    if world.size == 1 or not any(weight.requires_grad for weight in model.parameters()):
        return model
    ids = [device.index] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)


def accumulated_step(model, batches, state, *, parts: int, device: torch.device, precision, scaler):
    """Forward (in the run's precision) and backward `parts` micro-batches, their gradients
    summed as the mean of their losses (DDP all-reduces with the last; an fp16 scaler scales
    them): the mean loss, the carried state of every micro-batch's streams side by side, and
    the units read."""
    states = _split(state, parts)
    losses = []
    after = []
    size = 0
    for piece in range(parts):
        batch = next(batches).to(device)
        inputs = batch.inputs if batch.fresh_state else {**batch.inputs, "state": states[piece]}
        last = piece == parts - 1
        with nullcontext() if last or not hasattr(model, "no_sync") else model.no_sync():
            with autocast(precision, device):
                out = model(**inputs, targets=batch.targets)
            scaler.scale(out.loss / parts).backward()
        losses.append(out.loss.item())
        after.append(detach(out.state))
        size += batch.size
    return sum(losses) / parts, _joined(after), size


def _split(state, parts: int) -> list:
    if parts == 1 or state is None:
        return [state] * parts
    return [_map_parts(state, lambda part, i=i: part.chunk(parts, dim=1)[i]) for i in range(parts)]


def _joined(states: list):
    if len(states) == 1 or states[0] is None:
        return states[0]
    if isinstance(states[0], torch.Tensor):
        return torch.cat(states, dim=1)
    return type(states[0])(_joined(list(parts)) for parts in zip(*states, strict=True))


def _map_parts(state, fn):
    if isinstance(state, torch.Tensor):
        return fn(state)
    return type(state)(_map_parts(part, fn) for part in state)


def _rows(state) -> int:
    return state.shape[1] if isinstance(state, torch.Tensor) else _rows(state[0])


def restore_stream(batches, training: dict, world: World) -> None:
    """Put the stream where last.pt left it; saved with another number of ranks, the same
    place in the epoch for the new global batch."""
    state = training["batches"]
    ranks = training.get("ranks", 1)
    if ranks != world.size:
        state = batches.reshard(state, ranks / world.size)
    batches.load_state_dict(state)
