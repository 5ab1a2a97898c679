"""Closed choices of seqcli's flags, as shell completion offers them (`--device <TAB>` gives
auto, cpu, cuda, mps) and --help shows them. A choice a recipe field declares is read from its
Literal. A choice whose home imports torch (the device probes, the exporters, the gate
directions) is spelled here once more, because completion and --help run without torch;
tests/test_completion.py pins each such copy to its home."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, get_args, get_origin

DEVICES = ("auto", "cpu", "cuda", "mps")  # engine/run.py: DEVICE_PROBES and auto
EXPORT_FORMATS = ("torchscript", "onnx", "safetensors")  # export/exporters.py: EXPORTERS
GATE_DIRECTIONS = ("forward", "backward", "both")  # analysis/gates.py: DIRECTIONS and both
SPLITS = ("val", "test")  # the held-out splits evaluate scores

Completer = Callable[[object, list[str], str], list[str]]


def literal(model, field: str) -> tuple[str, ...]:
    """The words a recipe field's Literal allows (its None and numbers left out)."""
    return tuple(_words(model.model_fields[field].annotation))


def _words(annotation) -> list[str]:
    if get_origin(annotation) is Literal:
        return [value for value in get_args(annotation) if isinstance(value, str)]
    return [word for part in get_args(annotation) for word in _words(part)]  # a Union


def shown(choices: Sequence[str]) -> str:
    """How --help shows what to type after the flag: [auto|cpu|cuda|mps]."""
    return f"[{'|'.join(choices)}]"


def offer(choices: Sequence[str]) -> Completer:
    """Completion of a flag that takes one of choices (typer keeps those that fit)."""

    def complete(ctx, args: list[str], incomplete: str) -> list[str]:
        return list(choices)

    return complete


def offer_each(choices: Sequence[str]) -> Completer:
    """Completion of a comma-separated list of choices: the item after the last comma."""

    def complete(ctx, args: list[str], incomplete: str) -> list[str]:
        done, _, _ = incomplete.rpartition(",")
        prefix = f"{done}," if done else ""
        return [prefix + choice for choice in choices]

    return complete
