"""The data as the user named it, and as the recipe writes it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Source:
    path: Path  # as given on the command line
    written: str  # relative to the recipe's folder, which relative recipe paths resolve against

    @classmethod
    def of(cls, data: Path, recipe: Path) -> Source:
        data_path, folder = data.resolve(), recipe.resolve().parent
        if os.path.commonpath([data_path, folder]) == data_path.anchor:
            return cls(data, data_path.as_posix())  # nothing shared but the root: absolute
        return cls(data, Path(os.path.relpath(data_path, folder)).as_posix())

    @property
    def name(self) -> str:
        """A run name from the file's: runs/<name>/ takes letters, digits, '_', '.' and '-'."""
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", self.path.stem).strip("-.") or "run"

    @property
    def path_why(self) -> str:
        if Path(self.written).is_absolute():
            return "absolute: the data and the recipe share no folder"
        return "relative to this file"
