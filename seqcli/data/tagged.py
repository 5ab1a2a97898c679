"""Token-per-line tagged corpora (CoNLL-U, CoNLL-style columns) as sentences of (word, label).

Both formats put one token on a line and a blank line between sentences; every malformed line
is a DataError naming file:line, so a broken treebank never turns into a silent mis-read."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from seqcli.data.corpus import open_data
from seqcli.errors import DataError

CONLLU_COLUMNS = ("id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc")
DOCSTART = "-DOCSTART-"  # CoNLL-2003 document separators: not part of any sentence


class Sentence(NamedTuple):
    words: tuple[str, ...]
    labels: tuple[str, ...]
    # Per word, the values of data.feature_columns in their order; () when there are none.
    features: tuple[tuple[str, ...], ...] = ()


def _numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) pairs; bad UTF-8 is an error naming file:line."""
    with open_data(path) as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataError(
                    f"{path}:{number}: not UTF-8 (byte 0x{raw[err.start]:02x} at column "
                    f"{err.start + 1}); re-encode the file as UTF-8"
                ) from None
            yield number, text


def _blocks(path: Path) -> Iterator[list[tuple[int, str]]]:
    """Numbered non-blank lines, one list per blank-line-separated block."""
    block: list[tuple[int, str]] = []
    for number, line in _numbered_lines(path):
        line = line.rstrip("\r\n")
        if number == 1:  # a byte-order mark (Windows editors) is not part of the first token
            line = line.removeprefix("\ufeff")
        if line.strip():
            block.append((number, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def read_conllu(
    path: Path, *, label_column: str, feature_columns: Sequence[str] = ()
) -> list[Sentence]:
    """Syntactic words with the named column as label; comments, multiword ranges (3-4) and
    empty nodes (5.1) are skipped because they are not tokens of the sentence's word sequence."""
    label_index = CONLLU_COLUMNS.index(label_column)
    features = [CONLLU_COLUMNS.index(column) for column in feature_columns]
    sentences = []
    for block in _blocks(path):
        pairs = [
            _conllu_pair(path, number, line, label_index, label_column, features)
            for number, line in block
            if not line.startswith("#")
        ]
        pairs = [pair for pair in pairs if pair is not None]
        if pairs:
            sentences.append(_sentence(pairs))
    return _require_sentences(sentences, path)


def _conllu_pair(
    path: Path, number: int, line: str, label_index: int, label_column: str, features: list[int]
) -> tuple[str, str, tuple[str, ...]] | None:
    fields = line.split("\t")
    if len(fields) != len(CONLLU_COLUMNS):
        raise DataError(
            f"{path}:{number}: {len(fields)} tab-separated columns; CoNLL-U lines have "
            f"{len(CONLLU_COLUMNS)}"
        )
    if "-" in fields[0] or "." in fields[0]:
        return None
    label = fields[label_index]
    if label in ("", "_"):
        raise DataError(
            f"{path}:{number}: the {label_column} column is empty ('{label}'); choose "
            "another data.label_column"
        )
    return fields[1], label, tuple(fields[i] for i in features)


def read_columns(
    path: Path, *, token_column: int, label_column: int, feature_columns: Sequence[int] = ()
) -> list[Sentence]:
    """Whitespace-separated columns; every token line must have as many columns as the first."""
    sentences, expected = [], None
    columns = {f"token_column {token_column}": token_column}
    columns[f"label_column {label_column}"] = label_column
    columns |= {f"feature_columns {column}": column for column in feature_columns}
    for block in _blocks(path):
        pairs = []
        for number, line in block:
            fields = line.split()
            if fields[0] == DOCSTART:
                continue
            expected = expected or (len(fields), number)
            _check_columns(path, number, fields, expected, columns)
            features = tuple(fields[column] for column in feature_columns)
            pairs.append((fields[token_column], fields[label_column], features))
        if pairs:
            sentences.append(_sentence(pairs))
    return _require_sentences(sentences, path)


def _check_columns(
    path: Path, number: int, fields: list[str], expected: tuple[int, int], columns: dict
) -> None:
    """The line has the first line's width and every named column (name -> index) in it; a
    feature column that is, counted from the end, the token's or the label's is refused."""
    count, first_line = expected
    if len(fields) != count:
        raise DataError(
            f"{path}:{number}: {len(fields)} columns, but line {first_line} has {count}"
        )
    for name, column in columns.items():
        if not -count <= column < count:
            raise DataError(
                f"{path}:{number}: data.{name} is missing; lines have {count} "
                f"columns (0 to {count - 1})"
            )
    seen: dict[int, str] = {}
    for name, column in columns.items():
        if (other := seen.setdefault(column % count, name)) != name:
            raise DataError(
                f"{path}:{number}: data.{name} is the same column as data.{other} in lines of "
                f"{count} columns; each must be a column of its own"
            )


def _sentence(rows: list[tuple[str, str, tuple[str, ...]]]) -> Sentence:
    words, labels, features = zip(*rows, strict=True)
    return Sentence(tuple(words), tuple(labels), features if features[0] else ())


def _require_sentences(sentences: list[Sentence], path: Path) -> list[Sentence]:
    if not sentences:
        raise DataError(f"{path}: no sentences (the file is empty or only comments)")
    return sentences


def read_tagged(config, path: Path | None = None) -> list[Sentence]:
    """Read a file (the recipe's data.path unless given) in the recipe's tagged format."""
    return READERS[config.format](config, path or config.path)


READERS = {
    "conllu": lambda config, path: read_conllu(
        path, label_column=config.label_column, feature_columns=config.feature_columns
    ),
    "columns": lambda config, path: read_columns(
        path,
        token_column=config.token_column,
        label_column=config.label_column,
        feature_columns=config.feature_columns,
    ),
}


def split_sentences(
    sentences: Sequence[Sentence], *, val_fraction: float, test_fraction: float, seed: int
) -> dict[str, list[Sentence]]:
    """Hold out random sentences (seeded): treebank files are ordered by document, so a tail
    split would validate on one genre only."""
    order = np.random.default_rng(seed).permutation(len(sentences))
    n_val, n_test = round(len(order) * val_fraction), round(len(order) * test_fraction)
    parts = {
        "val": order[:n_val],
        "test": order[n_val : n_val + n_test],
        "train": order[n_val + n_test :],
    }
    return {name: [sentences[i] for i in np.sort(part)] for name, part in parts.items()}
