"""The run folder's JSON files read one way (metrics.jsonl, result.json and the reports beside
them), through the read door, so that a damaged or hostile file is one line naming it.

A line is bounded in length and nesting (json's parser recurses: a deep line is a
RecursionError), a number is finite and of a sane size (`Infinity` parses, then `int()` of it
overflows far away), and each file has a form. metrics.jsonl is a log: a crash may tear its
last line, so a damaged line is skipped and counted in one warning. A state file (result.json)
decides what a rerun skips, so a damaged one is refused, naming file:line."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import IO

from pydantic import Field

from seqcli import ui
from seqcli.data.forms import Form
from seqcli.errors import CheckpointError
from seqcli.recipe.inputs import Input, open_input, read_input

MAX_LINE = 64 * 1024  # characters: a metrics row is a few hundred; a longer line is damage
MAX_DEPTH = 32  # the deepest file seqcli writes (a result's recipe) nests 5 levels
MAX_DIGITS = 40  # an integer longer than this is no step count or metric seqcli wrote
LOG = Input("metrics log", CheckpointError)  # streamed a line at a time: any length is fine
STATE = Input("run file", CheckpointError, limit=16 << 20)
STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
NON_FINITE = {"NaN": "NaN", "Infinity": "infinity", "-Infinity": "minus infinity"}


class Damaged(ValueError):
    """What is wrong with one line or file, in words, with the line it is on."""

    def __init__(self, problem: str, line: int = 1):
        super().__init__(problem)
        self.line = line


def parse(text: str, *, finite: bool = True) -> object:
    """The JSON value of text, within the bounds above; finite=False lets NaN and infinity
    through as floats (a skipped training step logs its non-finite loss)."""
    if max(map(len, text.splitlines()), default=0) > MAX_LINE:
        raise Damaged(f"a line longer than {MAX_LINE:,} characters")
    depth = _depth(text)
    if depth > MAX_DEPTH:
        raise Damaged(f"nested {depth} levels deep; at most {MAX_DEPTH}")
    try:
        return json.loads(
            text,
            parse_constant=_constant if finite else float,
            parse_float=_float(finite),
            parse_int=_int,
        )
    except json.JSONDecodeError as err:
        raise Damaged(f"not JSON ({err.msg}, column {err.colno})", err.lineno) from None


def _depth(text: str) -> int:
    brackets = re.sub(r"[^\[\]{}]", "", STRING.sub("", text))
    return max(accumulate(1 if mark in "[{" else -1 for mark in brackets), default=0)


def _constant(token: str) -> float:
    raise Damaged(f"holds {NON_FINITE[token]} ({token}); numbers here are finite")


def _float(finite: bool):
    def read(token: str) -> float:
        value = float(token)
        if finite and not math.isfinite(value):
            raise Damaged(f"{token} is infinity as a float; numbers here are finite")
        return value

    return read


def _int(token: str) -> int:
    if len(token.lstrip("-")) > MAX_DIGITS:
        raise Damaged(f"an integer of {len(token):,} digits; at most {MAX_DIGITS}")
    return int(token)


class SummaryForm(Form):
    """summary.json: what a run became (its other fields are shown or ignored as they are)."""

    best: dict[str, float | int | str | None] | None = None


class StepForm(Form):
    """A row of any log of a run: taken at a step (a resume drops the rows after its own)."""

    step: int = Field(ge=0)


class RowForm(StepForm):
    """A metrics.jsonl row: the stamps every row has; its values are the metrics logged."""

    split: str


class SampleForm(StepForm):
    """A samples.jsonl row: the sample a validation wrote, cut to a bounded length."""

    text: str


@dataclass
class Log:
    """A metrics log's good rows, and the damaged lines skipped: (line number, problem)."""

    rows: list[dict] = field(default_factory=list)
    damaged: list[tuple[int, str]] = field(default_factory=list)


def log_row(line: str, form: type[Form] = RowForm) -> dict:
    """One log line as a row of its form, or Damaged saying why not."""
    row = parse(line, finite=False)
    if not isinstance(row, dict):
        raise Damaged("not a row of metrics (a JSON object)")
    form.read(row)
    return row


def read_log(path: Path, form: type[Form] = RowForm) -> Log:
    """Every row of a log; damaged lines are skipped and counted in one warning."""
    log = Log()
    with open_input(path, LOG) as handle:
        for number, line in _bounded_lines(handle):
            try:
                if line is None:
                    raise Damaged(f"a line longer than {MAX_LINE:,} characters")
                log.rows.append(log_row(line, form))
            except ValueError as err:  # Damaged, or a row's form
                log.damaged.append((number, str(err).removeprefix(": ")))
    if log.damaged:
        number, problem = log.damaged[0]
        count = len(log.damaged)
        ui.warn(
            f"{path}: skipped {count} damaged line{'s' * (count > 1)} "
            f"(first: line {number}: {problem})"
        )
    return log


def _bounded_lines(handle: IO[bytes]) -> Iterator[tuple[int, str | None]]:
    """(number, text) of each line; a line past MAX_LINE is read on to its end unkept and
    given as None, so no such line is ever held whole."""
    for number in range(1, 1 << 62):
        line = handle.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while (rest := handle.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                pass
            yield number, None
        else:
            yield number, line.decode("utf-8", errors="replace")


def read_metrics(folder: Path) -> list[dict]:
    """A run folder's metrics.jsonl as rows; a line torn by a crash is left out."""
    return read_log(folder / "metrics.jsonl").rows


def read_state(path: Path, form: type[Form]) -> dict:
    """A state file's JSON object, of its form; anything else is refused naming file:line."""
    text = read_input(path, STATE)
    try:
        data = parse(text)
        form.read(data)
    except Damaged as err:
        raise CheckpointError(f"{path}:{err.line}: {err}; delete it to start over") from None
    except ValueError as err:
        problem = str(err).removeprefix(": ")
        raise CheckpointError(f"{path}: {problem}; delete it to start over") from None
    assert isinstance(data, dict)  # every form is a mapping of fields
    return data
