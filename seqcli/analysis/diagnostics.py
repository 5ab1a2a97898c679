"""Why a recurrent network learns or fails over long spans, measured on one batch.

Gradient flow: the norm of d loss / d (input of the recurrent stack at step t), averaged over
the batch. A vanilla RNN's shrinks geometrically going back from the loss (Bengio et al.
1994; Pascanu et al. 2013); an LSTM's additive cell state and a GRU's update gate keep it up.
It is read from the fused module itself by making its input a leaf that requires grad.
Saturation and gate means need every hidden state, which the fused kernels do not expose:
those come from the stack's trace: the cell record's hand-written step on the same weights.
"""

from __future__ import annotations

import copy
import math
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from seqcli.engine.contract import Batch
from seqcli.errors import UsageError
from seqcli.models.ragged import Ragged
from seqcli.models.stack import RecurrentStack

SATURATED = 0.99  # |tanh| beyond this passes back less than 2% of the gradient (1 - 0.99^2)
EARLY_SHARE = 0.1  # "the first steps": this share of the sequence, at least one step
PLOTTED_STEPS = 6  # train --diagnose's PNG: the latest validations, so the lines stay legible


def recurrent_stack(model: nn.Module) -> RecurrentStack:
    """The model's first recurrent stack: the encoder's, for a two-stack model."""
    stack = next((m for m in model.modules() if isinstance(m, RecurrentStack)), None)
    assert stack is not None, "every seqcli model holds a recurrent stack"
    return stack


@dataclass
class _Capture:
    """Swap the stack's first input for a leaf that requires grad, and keep it."""

    leaf: torch.Tensor | None = None
    packed: PackedSequence | None = None

    def __call__(self, module, args):
        if self.leaf is not None:  # a decoder stepping the same module: the first call counts
            return None
        x, *rest = args
        if isinstance(x, Ragged):
            self.leaf = x.padded.detach().requires_grad_(True)
            return (x._replace(padded=self.leaf), *rest)
        if isinstance(x, PackedSequence):
            self.leaf = x.data.detach().requires_grad_(True)
            self.packed = x._replace(data=self.leaf)
            return (self.packed, *rest)
        self.leaf = x.detach().requires_grad_(True)
        return (self.leaf, *rest)

    def padded(self, values: torch.Tensor) -> torch.Tensor:
        """values shaped like the leaf, as (B, T, I) batch-first."""
        if self.packed is None:
            return values
        return pad_packed_sequence(self.packed._replace(data=values), batch_first=True)[0]


def _double(tensor):
    return tensor.double() if tensor is not None and tensor.is_floating_point() else tensor


def _capture_gradient(model: nn.Module, batch: Batch) -> tuple[nn.Module, _Capture, torch.Tensor]:
    """d loss / d stack input, on a float64 copy of the model in evaluation mode.

    float64 because a vanished gradient is the point: 200 steps of a factor 0.5 is 1e-60,
    which float32 rounds to an exact zero that a log-scale plot cannot show. Evaluation
    mode because dropout noise is not what the picture is about.
    """
    probe = copy.deepcopy(model).double().eval()
    capture = _Capture()
    recurrent_stack(probe).register_forward_pre_hook(capture)
    inputs = {name: _double(tensor) for name, tensor in batch.inputs.items()}
    # cuDNN refuses a backward pass in evaluation mode; torch's own kernels do not.
    with torch.backends.cudnn.flags(enabled=False), torch.enable_grad():
        out = probe(**inputs, targets=_double(batch.targets))
        (grad,) = torch.autograd.grad(out.loss, capture.leaf)
    return probe, capture, grad


def cell_statistics(stack: RecurrentStack, x: torch.Tensor) -> dict[str, float]:
    """Saturation of tanh units and the mean memory gate, from a step-by-step trace."""
    steps, gate = stack.trace(x), stack.cell.spec.memory_gate
    stats = {}
    if stack.activation == "tanh":  # relu units have no ceiling to saturate against
        stats["saturation"] = (steps.hidden.abs() > SATURATED).double().mean().item()
    if gate is not None:
        stats[gate] = steps.records[gate].double().mean().item()
    return stats


def diagnose(model: nn.Module, batch: Batch) -> dict:
    """Plain-data diagnostics of one batch: gradient flow, early-step gradient, cell stats."""
    probe, capture, grad = _capture_gradient(model, batch)
    # Padded steps of shorter examples have no gradient and count as zeros in the mean.
    flow = capture.padded(grad).norm(dim=-1).mean(dim=0).tolist()  # (B, T) -> (T,)
    early = flow[: max(1, math.ceil(EARLY_SHARE * len(flow)))]
    inputs = capture.padded(capture.leaf.detach())  # (B, T, I)
    return {
        "gradient_flow": flow,
        "early_gradient": statistics.fmean(early),
        "late_gradient": statistics.fmean(flow[-len(early) :]),
        **cell_statistics(recurrent_stack(probe), inputs),
    }


@dataclass
class ClipStats:
    """Exploding gradients: the pre-clip global norm of every step, and how often clipping
    changed the update."""

    clip_norm: float | None
    norms: list[float] = field(default_factory=list)

    def observe(self, grad_norm: float) -> None:
        self.norms.append(grad_norm)

    def summary(self) -> dict[str, float]:
        finite = [n for n in self.norms if math.isfinite(n)]
        if not finite:
            return {}
        limit = math.inf if self.clip_norm is None else self.clip_norm
        return {
            "grad_norm_median": statistics.median(finite),
            "grad_norm_max": max(finite),
            "clipped_share": sum(n > limit for n in self.norms) / len(self.norms),
        }


def diagnosed(trainer) -> Iterator[object]:
    """train --diagnose: the trainer's events, and after each validation a Diagnosed event on
    one fixed training batch. Before the last event, diagnostics.json and gradient_flow.png
    (one line per diagnosed step) go into the run folder. Refused, before any event, for a
    task that takes no gradient step: there is no gradient to follow."""
    spec = trainer.run.task.spec
    if not spec.optimizes:
        raise UsageError(f"--diagnose follows gradients; a {spec.title} takes no gradient step")
    return _diagnosed(trainer)


def _diagnosed(trainer) -> Iterator[object]:
    from seqcli.engine import events
    from seqcli.ui.figures import plot_gradient_flow

    run = trainer.run
    batch = next(run.task.batches(trainer.data, run.recipe)).to(run.device)
    clipping = ClipStats(run.recipe.train.clip_norm)
    reports: list[dict] = []
    for event in trainer:
        if isinstance(event, events.Step):
            clipping.observe(event.grad_norm)
        if isinstance(event, events.Finished | events.Stopped) and reports:
            trainer.folder.write_json("diagnostics.json", {"reports": reports})
            flows = {f"step {r['step']}": r["gradient_flow"] for r in reports[-PLOTTED_STEPS:]}
            trainer.folder.write_atomically("gradient_flow.png", partial(plot_gradient_flow, flows))
        yield event
        if isinstance(event, events.Evaluated):
            report = {**diagnose(run.model, batch), **clipping.summary()}
            reports.append({"step": event.step, **report})
            yield events.Diagnosed(event.step, report)
