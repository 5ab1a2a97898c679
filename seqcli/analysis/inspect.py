"""What a checkpoint holds, for `seqcli inspect`."""

from __future__ import annotations

import re

from seqcli.models.smoothing import coefficient_rows
from seqcli.recipe.cells import CELL_SPECS
from seqcli.ui.numbers import metric_text

RECURRENT = re.compile(
    r"(?P<part>(\w+\.)*)rnn\.(weight|bias)_(ih|hh)_l(?P<layer>\d+)(?P<reverse>_reverse)?"
)


def parameter_rows(state_dict: dict, cell: str | None) -> list[tuple[str, str, int]]:
    """(part, block, count) rows: recurrent layers split into gate blocks, weights and biases
    of a gate summed; tied tensors counted once. A model without a cell has no such layers."""
    gates = CELL_SPECS[cell].gates if cell else ()
    counts: dict[tuple[str, str], int] = {}
    seen: set[int] = set()
    for name, tensor in state_dict.items():
        if tensor.data_ptr() in seen:
            continue
        seen.add(tensor.data_ptr())
        match = RECURRENT.fullmatch(name)
        if match is None:
            key = (name.rsplit(".", 1)[0], "")
            counts[key] = counts.get(key, 0) + tensor.numel()
            continue
        layer = f"{match['part']}rnn layer {match['layer']}"
        layer += " (backward)" if match["reverse"] else ""
        for gate in gates:
            counts[(layer, gate)] = counts.get((layer, gate), 0) + tensor.numel() // len(gates)
    return [(part, block, count) for (part, block), count in counts.items()]


def summary_rows(payload: dict, meta_rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Rows for a checkpoint; meta_rows describe its data, in the words of its task."""
    recipe, model = payload["recipe"], payload["recipe"]["model"]
    best = payload.get("best") or {}
    value = best.get("value")
    return [
        ("name", recipe["name"]),
        ("mapping", recipe["mapping"]),
        *_model_rows(model),
        *meta_rows,
        *coefficient_rows(
            payload.get("model", {}), payload.get("meta", {}).get("series_names", [])
        ),
        *(_vectors_row(found) for found in payload.get("embeddings", ())),
        ("steps trained", str(payload.get("step", "?"))),
        *([("ranks", str(payload["ranks"]))] if "ranks" in payload else []),
        *([("effective batch", str(payload["effective_batch"]))] if "ranks" in payload else []),
        (f"best val {best.get('metric', '')}".strip(), _best(best.get("metric", ""), value)),
        ("resumable", "yes" if "training" in payload else "no (weights only)"),
        ("format", str(payload["format"])),
    ]


def _best(metric: str, value: float | None) -> str:
    return "-" if value is None else metric_text(metric, value)


def _model_rows(model: dict) -> list[tuple[str, str]]:
    """The stored model section: a recurrent stack's shape, or a cell-less model's keys."""
    if "cell" not in model:
        return [("model", ", ".join(f"{key} {value}" for key, value in model.items()))]
    return [
        ("cell", f"{model['cell']} x {model['layers']} layers, {model['direction']}"),
        ("hidden / embedding", f"{model['hidden_size']} / {model['embedding_size']}"),
    ]


def _vectors_row(found: dict) -> tuple[str, str]:
    """What model.pretrained_embeddings found for one token table when the run started."""
    return (
        f"word vectors, {found['table']}",
        f"{found['found']:,} of {found['tokens']:,} found ({found['by_lowercase']:,} by lowercase)",
    )
