"""Pretrained word vectors in word2vec/GloVe text format, read for one vocabulary.

A GloVe file can hold millions of rows: it is streamed once and only the rows some vocabulary
token can use are parsed and kept, so memory grows with the vocabulary, never with the file."""

from __future__ import annotations

import gzip
import itertools
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqcli.data.corpus import open_data
from seqcli.data.labelled import text_lines
from seqcli.data.numbers import FLOAT32_MAX
from seqcli.errors import DataError
from seqcli.recipe.errors import cut, non_finite_name
from seqcli.recipe.inputs import size_text

# What a .gz that is not one raises while it is read, beside a clean end too early.
BROKEN_GZIP = (gzip.BadGzipFile, EOFError, zlib.error)
# Bytes a row may take: a word (GloVe's longest are a few hundred) and dim numbers of at most
# 64 characters each. A longer line is no vector file (a .gz of one endless line would
# otherwise be held whole).
WORD_BYTES, NUMBER_BYTES = 4096, 64


@dataclass(frozen=True)
class Aligned:
    """Vectors for a vocabulary: rows[i] is token i's vector, or None if the file has none."""

    rows: list[np.ndarray | None]
    exact: int  # tokens found under their own spelling
    folded: int  # tokens found only by their lowercase form


@dataclass(frozen=True)
class Vectors:
    """The rows of a file some vocabulary can use, by exact word and by lowercase form."""

    exact: dict[str, np.ndarray]
    folded: dict[str, np.ndarray]  # lowercase form -> the first row whose word has it

    def align(self, tokens: Sequence[str]) -> Aligned:
        """Each token's vector: its exact word's row, else one of its lowercase form's."""
        rows = [self.exact.get(token, self.folded.get(token.lower())) for token in tokens]
        found = sum(token in self.exact for token in tokens)
        return Aligned(rows, found, sum(row is not None for row in rows) - found)


def read_vectors(path: Path, tokens: Iterable[str], *, dim: int, what: str) -> Vectors:
    """The rows the tokens can use, each checked to hold `dim` numbers; the others are only
    counted, so a GloVe file of millions of rows costs the memory of the vocabulary's."""
    wanted = set(tokens)
    folds = {token.lower() for token in wanted}
    exact: dict[str, np.ndarray] = {}
    folded: dict[str, np.ndarray] = {}
    for word, values, where in _rows(path, dim=dim, what=what):
        lower = word.lower()
        if word in wanted and word not in exact:
            exact[word] = _numbers(values, where)
        if lower in folds and lower not in folded:
            folded[lower] = exact[word] if word in exact else _numbers(values, where)
    return Vectors(exact, folded)


def _rows(path: Path, *, dim: int, what: str) -> Iterator[tuple[str, list[str], str]]:
    """(word, its number fields unparsed, "file:line") per row; the word2vec header skipped."""
    seen = False
    with _lines(path, limit=WORD_BYTES + NUMBER_BYTES * dim) as lines:
        for number, line in enumerate(lines, start=1):
            fields = line.rstrip().split(" ")
            if number == 1 and _is_header(fields):
                _check_header(fields, dim, path, what)
                continue
            if fields == [""]:
                continue
            # GloVe 840B has a few words with spaces in them: past the first row, a longer
            # row is such a word (no whitespace-split token can match it), a shorter one ragged.
            if len(fields) - 1 < dim or (len(fields) - 1 > dim and not seen):
                raise DataError(_ragged(path, number, len(fields) - 1, dim, what, first=not seen))
            seen = True
            yield " ".join(fields[:-dim]), fields[-dim:], f"{path}:{number}"
    if not seen:
        raise DataError(f"{what}: {path} holds no vectors (a word then its numbers per line)")


@contextmanager
def _lines(path: Path, *, limit: int) -> Iterator[Iterator[str]]:
    """The file's decoded lines, through gzip when its name ends in .gz, each within limit."""
    with open_data(path) as handle:
        stream = gzip.GzipFile(fileobj=handle) if path.suffix == ".gz" else handle
        try:
            yield text_lines(_bounded(stream, limit, path), str(path))
        except BROKEN_GZIP as err:
            raise DataError(f"{path}: not a readable gzip file ({err})") from None


def _bounded(stream, limit: int, path: Path) -> Iterator[bytes]:
    for number in itertools.count(1):
        line = stream.readline(limit + 1)
        if len(line) > limit:
            raise DataError(
                f"{path}:{number}: a line longer than {size_text(limit)}; a vector's line holds "
                "a word and its numbers"
            )
        if not line:
            return
        yield line


def _is_header(fields: list[str]) -> bool:
    return len(fields) == 2 and all(field.isdigit() for field in fields)


def _check_header(fields: list[str], dim: int, path: Path, what: str) -> None:
    if int(fields[1]) != dim:
        raise DataError(_ragged(path, 1, int(fields[1]), dim, what, first=True))


def _ragged(path: Path, number: int, got: int, dim: int, what: str, *, first: bool) -> str:
    """A row of the wrong width: the file's dimension against the model's on its first row,
    a ragged file after that."""
    if first:
        return (
            f"{what}: {path} holds {got}-dimensional vectors (line {number}) but "
            f"model.embedding_size is {dim}; set embedding_size: {got}"
        )
    return f"{path}:{number}: {got} numbers after the word, but the rows before have {dim}"


def _numbers(values: list[str], where: str) -> np.ndarray:
    try:
        row = np.array([float(value) for value in values], dtype=np.float64)
    except ValueError:
        text = next(value for value in values if not _is_float(value))
        raise DataError(f"{where}: {cut(text)!r} is not a number") from None
    bad = np.flatnonzero(~np.isfinite(row) | (np.abs(np.nan_to_num(row)) > FLOAT32_MAX))
    if len(bad):
        first = int(bad[0])
        value = float(row[first])
        what = non_finite_name(value) if not np.isfinite(value) else "beyond float32's range"
        raise DataError(f"{where}: number {first + 1} of the vector is {what} ({values[first]!r})")
    return row.astype(np.float32)


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
