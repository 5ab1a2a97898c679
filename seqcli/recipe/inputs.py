"""Files a user names, opened one way: a regular file or a one-line error, and never more
bytes than a command can hold where it reads the whole file.

Every reader goes through open_input: the recipe loader, the data readers (so also the data
path a checkpoint stores), and the CLI's primes and input files. It lives in the lowest layer
because the recipe loader is one of them. A FIFO would block the open, a device never ends,
and a symbolic link loop fails deep inside Python; each is refused here, before any read."""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from seqcli.errors import DataError, RecipeError, SeqcliError, UsageError

MiB = 1 << 20
# Paths open_input checked before opening, in this process: the audit-hook test proves that
# every file a user names is read through here (tests/test_doors_audit.py).
VETTED_READS: set[str] = set()


@dataclass(frozen=True)
class Input:
    """What a file is to seqcli: its name in messages, the error it raises, and how much of
    it may be read whole (None: the reader streams it, so any size is fine)."""

    noun: str
    error: type[SeqcliError]
    limit: int | None = None
    line_limit: int | None = None  # characters per line, where each line is one model input


RECIPE = Input("recipe file", RecipeError, limit=1 * MiB)
# seqcli tune --space: a YAML file of recipe key: distribution, read as a recipe is.
SPACE = Input("search space file", UsageError, limit=1 * MiB)
DATA = Input("data file", DataError)
MUSIC = Input("music file", DataError)
# The prime is fed to the model in chunks; the limit bounds the text held and echoed.
PRIME = Input("prime file", UsageError, limit=16 * MiB)
# predict's and generate's input lines: each line becomes one sequence the model reads whole.
LINES = Input("input file", UsageError, limit=16 * MiB, line_limit=100_000)
# seqcli gates keeps every gate of every unit at every step, so its input is kept short.
GATES = Input("input file", UsageError, limit=256 * 1024)
# A sentencepiece model is read whole; the largest published ones are a few MiB.
TOKENIZER = Input("tokenizer file", DataError, limit=64 * MiB)

NOT_REGULAR = {
    stat.S_ISDIR: "a folder",
    stat.S_ISFIFO: "a named pipe (FIFO)",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISSOCK: "a socket",
}
OS_PROBLEMS = {
    errno.ENOENT: "{noun} not found",
    errno.ENOTDIR: "{noun} not found",
    errno.ELOOP: "a loop of symbolic links; it leads to no file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def size_text(size: int) -> str:
    """Bytes as a person reads them: 16 MiB, 256 KiB, 3.2 GiB."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", MiB), ("KiB", 1 << 10)):
        if size >= scale:
            value = size / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    return f"{size} bytes"


# Public data sets the shipped samples are slices of, by a folder or file name on the path: a
# recipe written for the full set, run where it is absent, is pointed at the slice instead.
SAMPLE_OF = {
    "tinyshakespeare": "shakespeare/input.txt",
    "sms_spam_collection": "sms_spam/sms.tsv",
    "smsspamcollection": "sms_spam/sms.tsv",
    "ud_english_ewt": "ud_ewt_mini",
    "eng_fra_tatoeba": "eng_fra_mini/eng-fra.tsv",
    "fra-eng.zip": "eng_fra_mini/eng-fra.tsv",
    "names_by_language": "names",
    "airline-passengers.csv": "airline_passengers/airline-passengers.csv",
    "monthly-sunspots.csv": "sunspots/monthly-sunspots.csv",
    "jsb_chorales.mat": "jsb-chorales/JSB_Chorales_small.mat",
    "fsdd": "fsdd/recordings",
}
SAMPLES = Path(__file__).resolve().parents[2] / "samples"  # in a source checkout


def bundled_sample(path: Path) -> str:
    """'; ...' naming the shipped sample of the data set a missing path names, or ''."""
    for part in reversed(Path(path).parts):
        sample = SAMPLE_OF.get(part.lower())
        if sample is not None and (SAMPLES / sample).exists():
            return f"; seqcli ships a sample of this data set: {SAMPLES / sample}"
    return ""


def _refuse(label: str, kind: Input, problem: str) -> SeqcliError:
    return kind.error(f"{label}: {problem}")


def _os_problem(err: OSError, kind: Input) -> str:
    template = OS_PROBLEMS.get(err.errno)
    if template is None:
        return f"cannot read {kind.noun} ({err.strerror or err})"
    return template.format(noun=kind.noun)


def _check_mode(mode: int, label: str, kind: Input) -> None:
    for test, what in NOT_REGULAR.items():
        if test(mode):
            raise _refuse(label, kind, f"is {what}, expected a regular file")


def _check_size(size: int, label: str, kind: Input) -> None:
    if kind.limit is not None and size > kind.limit:
        raise _refuse(
            label, kind, f"{size_text(size)}; {kind.noun}s may be at most {size_text(kind.limit)}"
        )


@contextmanager
def open_input(path: Path, kind: Input, *, label: str | None = None) -> Iterator[BinaryIO]:
    """The file, opened for reading bytes, if it is a regular file within the kind's limit."""
    label = label or str(path)
    try:
        # stat first, so a device is never opened; O_NONBLOCK so a FIFO swapped in between
        # cannot block the open either (it is then refused by the fstat below).
        _check_mode(os.stat(path).st_mode, label, kind)
        VETTED_READS.add(os.path.abspath(path))
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        hint = bundled_sample(path) if err.errno == errno.ENOENT and kind is DATA else ""
        raise _refuse(label, kind, _os_problem(err, kind) + hint) from None
    with io.BufferedReader(_Reads(descriptor, label, kind)) as handle:
        status = os.fstat(descriptor)
        _check_mode(status.st_mode, label, kind)
        _check_size(status.st_size, label, kind)
        os.set_blocking(descriptor, True)
        yield handle


class _Reads(io.FileIO):
    """A file whose read failures (EIO from /proc/self/mem, a disk going away) are one line
    naming it, wherever the reading happens."""

    def __init__(self, descriptor: int, label: str, kind: Input):
        super().__init__(descriptor, "r")
        self.label, self.kind = label, kind

    def readinto(self, buffer) -> int | None:
        try:
            return super().readinto(buffer)
        except OSError as err:
            raise _refuse(self.label, self.kind, _os_problem(err, self.kind)) from None

    def readall(self) -> bytes:
        try:
            return super().readall()
        except OSError as err:
            raise _refuse(self.label, self.kind, _os_problem(err, self.kind)) from None


def read_bounded(handle: IO, label: str, kind: Input) -> bytes | str:
    """Everything in a stream, or an error once it passes the kind's limit (a file can grow
    after its size was checked, and stdin has no size)."""
    data = handle.read(kind.limit + 1) if kind.limit is not None else handle.read()
    if kind.limit is not None and len(data) > kind.limit:
        raise _refuse(
            label, kind, f"more than {size_text(kind.limit)}; {kind.noun}s may be at most that"
        )
    return data


def decode_text(data: bytes, label: str, kind: Input) -> str:
    """UTF-8 text; a bad byte is an error naming its offset."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _refuse(
            label,
            kind,
            f"not UTF-8 at byte offset {err.start} (byte 0x{data[err.start]:02x}); "
            "re-encode it as UTF-8",
        ) from None


def read_input(path: Path, kind: Input, *, label: str | None = None) -> str:
    """A whole file's UTF-8 text, within the kind's limit."""
    label = label or str(path)
    with open_input(path, kind, label=label) as handle:
        return decode_text(read_bounded(handle, label, kind), label, kind)


def read_stream(stream: IO, kind: Input, *, label: str = "stdin") -> str:
    """A stream's text (stdin), within the kind's limit: its bytes decoded as UTF-8, or its
    characters when it has no bytes underneath (a StringIO)."""
    data = read_bounded(getattr(stream, "buffer", stream), label, kind)
    return data if isinstance(data, str) else decode_text(data, label, kind)


def input_lines(text: str, kind: Input, *, label: str) -> list[str]:
    """The text's lines, each within the kind's line limit (a line is one model input)."""
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if kind.line_limit is not None and len(line) > kind.line_limit:
            raise _refuse(
                label,
                kind,
                f"line {number} holds {len(line):,} characters; a line may hold at most "
                f"{kind.line_limit:,}",
            )
    return lines
