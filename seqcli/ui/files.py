"""Text and JSON files the commands write where a flag says."""

from __future__ import annotations

import json
from pathlib import Path

from seqcli.errors import UsageError
from seqcli.ui import wrote
from seqcli.ui.figures import plot_attention


def write_file(path: Path, text: str, *, flag: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"{flag} {path}: cannot write ({err.strerror})") from None
    wrote(path)


def write_attention(rows: list[dict], path: Path) -> None:
    """[{"source": [...], "target": [...], "weights": [[...] per target token]}, ...]"""
    write_file(path, json.dumps(rows, ensure_ascii=False, indent=1), flag="--attention")


# --attention's file suffix -> how the weights are written.
ATTENTION_WRITERS = {".json": write_attention, ".png": plot_attention}
