"""Text and JSON files the commands write where a flag says."""

from __future__ import annotations

import json
from pathlib import Path

from seqcli.recipe.outputs import Output, write_output
from seqcli.ui import wrote
from seqcli.ui.figures import plot_attention


def write_file(path: Path, text: str, *, flag: str) -> None:
    """A text file a flag names, through the write door."""
    write_output(path, text.encode("utf-8"), Output(flag))
    wrote(path)


def write_attention(rows: list[dict], path: Path) -> None:
    """[{"source": [...], "target": [...], "weights": [[...] per target token]}, ...]"""
    write_file(path, json.dumps(rows, ensure_ascii=False, indent=1), flag="--attention")


# --attention's file suffix -> how the weights are written.
ATTENTION_WRITERS = {".json": write_attention, ".png": plot_attention}
