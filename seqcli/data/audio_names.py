"""Which files in a folder are recordings, and how a name pattern reads their names: shared by
the audio reader, the data digest and `seqcli init`, so it stays torch-free."""

from __future__ import annotations

import re
from pathlib import Path

SUFFIX = ".wav"


def recordings_in(folder: Path) -> list[Path]:
    """Every .wav under folder, in subfolders too, whatever the case of its suffix (.WAV)."""
    # Not only regular files: a FIFO or a dangling link named .wav is then refused by name
    # when it is read, where skipping it would train on less than the folder holds, unsaid.
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() == SUFFIX and not p.is_dir())


def pattern_regex(pattern: str) -> re.Pattern:
    """'{label}_{speaker}_{index}' as a regex, each field a named group of at least one
    character, the text between fields literal."""
    parts = re.split(r"(\{\w+\})", pattern)
    body = "".join(
        f"(?P<{part[1:-1]}>.+?)" if part.startswith("{") else re.escape(part)
        for part in parts
        if part
    )
    return re.compile(f"^{body}$")
