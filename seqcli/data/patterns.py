"""Pattern files for an associative memory: ASCII-art glyphs, or rows of +1/-1 values, read
into one (P, N) array of +1 and -1 with the grid a pattern is drawn on. Every problem is a
DataError naming file:line (and column, for a bad character or value)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqcli.data.labelled import decoded_lines
from seqcli.errors import DataError
from seqcli.recipe.errors import shown

MEMORY_MINIMUM = 2  # one pattern leaves nothing to choose between
INK, PAPER = "#", "."  # how a bipolar pattern, which has no characters of its own, is drawn


@dataclass(frozen=True)
class Patterns:
    vectors: np.ndarray  # (P, N) int8 of +1 and -1, in file order
    rows: int  # a pattern is drawn as rows x columns = N units
    columns: int
    ink: str = INK  # the character drawing +1
    paper: str = PAPER  # and -1


def read_patterns(config, path: Path | None = None, *, minimum: int = MEMORY_MINIMUM) -> Patterns:
    """The patterns of the recipe's file, or of another file in the same format."""
    path = path or config.path
    return parse_patterns(decoded_lines(path), config, str(path), minimum=minimum)


def parse_patterns(lines: Iterable[str], config, source: str, *, minimum: int) -> Patterns:
    """Patterns from lines of text in the recipe's data format; source names them in errors."""
    patterns = PARSERS[config.format](lines, config, source)
    count = len(patterns.vectors)
    if count == 0:
        raise DataError(f"{source}: holds no patterns")
    if count < minimum:
        raise DataError(
            f"{source}: {count} pattern; an associative memory needs at least {minimum} to "
            "choose between"
        )
    return patterns


def _glyphs(lines: Iterable[str], config, source: str) -> Patterns:
    """Blocks of rows separated by blank lines; every block the size of the first."""
    values = {config.ink: 1, config.paper: -1}
    vectors, first = [], None
    for start, rows in _blocks(lines):
        first = first or (start, len(rows), len(rows[0]))
        vectors.append(_glyph(rows, start, values, source))
        if (len(rows), len(rows[0])) != first[1:]:
            raise DataError(
                f"{source}:{start}: a {len(rows)}x{len(rows[0])} glyph; the first (line "
                f"{first[0]}) is {first[1]}x{first[2]}, and every pattern needs as many units"
            )
    rows, columns = first[1:] if first else (0, 0)
    return Patterns(_array(vectors), rows, columns, config.ink, config.paper)


def _blocks(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(first line number, rows) of each run of non-blank lines; trailing blanks cut off."""
    start, rows = 0, []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            start, rows = (start or number), [*rows, line.rstrip()]
        elif rows:
            yield start, rows
            start, rows = 0, []
    if rows:
        yield start, rows


def _glyph(rows: list[str], start: int, values: dict[str, int], source: str) -> list[int]:
    width = len(rows[0])
    for offset, row in enumerate(rows):
        if len(row) != width:
            raise DataError(
                f"{source}:{start + offset}: a row of {len(row)} characters; the glyph's first "
                f"row (line {start}) has {width}"
            )
        for column, character in enumerate(row, start=1):
            if character not in values:
                ink, paper = values
                raise DataError(
                    f"{source}:{start + offset}:{column}: {character!r} is neither the ink "
                    f"{ink!r} nor the paper {paper!r}"
                )
    return [values[character] for row in rows for character in row]


def _bipolar(lines: Iterable[str], config, source: str) -> Patterns:
    """Comma-separated +1/-1 values, one pattern per line; blank lines skipped."""
    vectors, first = [], None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        vector = [
            _unit(field, f"{source}:{number}:{i}") for i, field in enumerate(line.split(","), 1)
        ]
        first = first or (number, len(vector))
        if len(vector) != first[1]:
            raise DataError(
                f"{source}:{number}: {len(vector)} values; line {first[0]} has {first[1]}, and "
                "every pattern needs as many units"
            )
        vectors.append(vector)
    return Patterns(_array(vectors), 1, first[1] if first else 0)


def _unit(field: str, where: str) -> int:
    try:
        value = float(field)
    except ValueError:
        value = None
    if value not in (1.0, -1.0):
        raise DataError(f"{where}: {shown(field.strip())} is not +1 or -1")
    return int(value)


def _array(vectors: list[list[int]]) -> np.ndarray:
    return np.array(vectors, dtype=np.int8) if vectors else np.zeros((0, 0), dtype=np.int8)


PARSERS = {"glyphs": _glyphs, "bipolar": _bipolar}


def draw(vector: Iterable[int], *, columns: int, ink: str, paper: str) -> str:
    """A pattern as lines of text, ink where a unit is +1, paper where it is -1."""
    characters = [ink if value > 0 else paper for value in vector]
    return "\n".join(
        "".join(characters[start : start + columns]) for start in range(0, len(characters), columns)
    )
