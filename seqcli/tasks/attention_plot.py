"""Attention weights to a file: JSON for any number of sentences, a PNG heat map for one."""

from __future__ import annotations

import json
from pathlib import Path

from seqcli.ui.figures import new_figure, save_figure
from seqcli.errors import UsageError


def write_json(rows: list[dict], path: Path) -> None:
    """[{"source": [...], "target": [...], "weights": [[...] per target token]}, ...]"""
    try:
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError as err:
        raise UsageError(f"--attention {path}: cannot write ({err})") from None


def write_png(rows: list[dict], path: Path) -> None:
    """A heat map: target tokens down, source tokens across, as in Bahdanau et al. Fig. 3."""
    if len(rows) != 1:
        raise UsageError(
            f"--attention {path}: a PNG shows one sentence, got {len(rows)}; "
            "use a .json file for several"
        )
    row = rows[0]
    figure, axes = new_figure(figsize=(1 + 0.5 * len(row["source"]), 1 + 0.4 * len(row["target"])))
    axes.imshow(row["weights"], cmap="bone", vmin=0, vmax=1)
    axes.set_xticks(range(len(row["source"])), row["source"], rotation=90)
    axes.set_yticks(range(len(row["weights"])), row["target"])
    save_figure(figure, path, flag="--attention")


ATTENTION_WRITERS = {".json": write_json, ".png": write_png}
