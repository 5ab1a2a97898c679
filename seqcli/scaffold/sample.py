"""A bounded look at a data file: its first lines, and how much of the file they are."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from seqcli.errors import DataError
from seqcli.recipe.inputs import DATA, open_input

SAMPLE_BYTES = 1 << 19  # enough rows to guess from, whatever the file's size
KINDS_HELP = "CSV/TSV, text, CoNLL-U, token/tag columns, .npz, or a folder of class files or .wav"


@dataclass(frozen=True)
class Sample:
    path: Path
    lines: tuple[str, ...]  # the first lines, without their ends
    size: int  # the file's bytes
    read: int  # bytes the lines came from

    @property
    def complete(self) -> bool:
        return self.read >= self.size

    def estimate(self, count: int) -> int:
        """A count seen in the sample, scaled to the whole file."""
        return count if self.complete else round(count * self.size / max(self.read, 1))

    def about(self, count: int, what: str) -> str:
        """'144 rows', or 'about 52,000 rows' when the sample was cut."""
        return f"{'' if self.complete else 'about '}{self.estimate(count):,} {what}"


def read_sample(path: Path, limit: int = SAMPLE_BYTES) -> Sample:
    """The file's first `limit` bytes as lines; a file that is not UTF-8 text is refused."""
    with open_input(path, DATA) as handle:  # the read door: a FIFO or a device is refused
        data = handle.read(limit)
        size = os.fstat(handle.fileno()).st_size
    if len(data) < size:  # cut at the last whole line
        data = data[: data.rfind(b"\n") + 1] or data
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DataError(
            f"{path}: not UTF-8 text (byte 0x{data[err.start]:02x} on line {line}); seqcli init "
            f"reads {KINDS_HELP}"
        ) from None
    if "\0" in text:  # valid UTF-8, yet no text file holds one: 2 GB of zeros read as a corpus
        line = text[: text.index("\0")].count("\n") + 1
        raise DataError(
            f"{path}: a NUL byte (0x00) on line {line}: a binary file, not text; seqcli init "
            f"reads {KINDS_HELP}"
        )
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    return Sample(path, tuple(text.splitlines()), size, len(data))
