"""Labelled text examples: readers for the `table` and `folder` formats and a stratified split.

Every reader returns Example(label, text, where) in file order; `where` is "file:line", so
any later complaint about an example (too few of its class, an unknown label) can point at it.
"""

from __future__ import annotations

import csv
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

from seqcli.data.corpus import open_data
from seqcli.data.numbers import BadNumber, parse_number
from seqcli.data.subwords import SUBWORDS
from seqcli.data.vocab import PAD, TOKENIZERS, UNK, Vocab, build_vocab, subword_vocab
from seqcli.errors import DataError
from seqcli.recipe.errors import cut, shown
from seqcli.recipe.inputs import bundled_sample
from seqcli.recipe.text_formats import Quoting

# data.delimiter null: the extension decides (the recipe rejects any other extension).
DELIMITERS = {".tsv": "\t", ".txt": "\t", ".csv": ","}
# TSV has no quoting convention and real files (SMS Spam) start texts with a bare '"', which
# csv's default quoting would read as an opening quote and glue lines together.
QUOTING: dict[str, Quoting] = {"\t": csv.QUOTE_NONE}
FOLDER_SUFFIX = ".txt"  # one class per *.txt file, so a README beside them is not a class


class Example(NamedTuple):
    label: str
    text: str
    where: str  # "file:line", for error messages
    padded: bool = False  # the label was written with edge whitespace, stripped here


def decoded_lines(path: Path) -> Generator[str]:
    """The file's lines without their ends, streamed; bad UTF-8 is a DataError naming
    file:line."""
    with open_data(path) as handle:
        yield from text_lines(handle, str(path))


def text_lines(stream, where: str) -> Iterator[str]:
    """A byte stream's lines without their ends; bad UTF-8 is a DataError naming where:line."""
    return _numbered_text(where, _universal_lines(stream))


def _universal_lines(handle) -> Iterator[bytes]:
    # A file iterates by "\n"; splitting each piece again also ends a line at a lone "\r",
    # as reading the whole file and calling splitlines did.
    for piece in handle:
        yield from piece.splitlines()


def _numbered_text(where: str, lines: Iterator[bytes]) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as err:
            raise DataError(
                f"{where}:{number}: not UTF-8 (byte 0x{line[err.start]:02x} at column "
                f"{err.start + 1}); re-encode the file as UTF-8"
            ) from None
        # Spreadsheet exports start with a byte-order mark that is not part of the first field.
        yield text.removeprefix("\ufeff") if number == 1 else text


def normalise(text: str, config) -> str:
    """The text as the model reads it: edge whitespace off, lowercased if the recipe says."""
    text = text.strip()
    return text.lower() if config.lowercase else text


def read_table(config) -> list[Example]:
    """`label<TAB>text` rows (or any two columns of a CSV/TSV), in file order."""
    path = config.path
    delimiter = config.delimiter or DELIMITERS.get(path.suffix.lower())
    if delimiter is None:  # a recipe cannot get here; another file given to evaluate can
        raise DataError(f"{path}: cannot tell the delimiter from the extension; set data.delimiter")
    rows = csv.reader(
        decoded_lines(path), delimiter=delimiter, quoting=QUOTING.get(delimiter, csv.QUOTE_MINIMAL)
    )
    columns = {"label": config.label_column, "text": config.text_column}
    examples = []
    start = 1
    header_pending = config.header
    try:
        for row in rows:
            where, start = f"{path}:{start}", rows.line_num + 1
            if not any(field.strip() for field in row):
                continue  # a blank line is no example
            if header_pending:
                columns, header_pending = header_indices(row, columns, where), False
            else:
                examples.append(table_example(row, columns, where, config))
    except csv.Error as err:
        raise DataError(f"{path}:{rows.line_num}: {err}") from None
    return examples


def header_indices(header: list[str], columns: dict, where: str) -> dict[str, int]:
    """Column names from the header row, turned into positions."""
    names = [name.strip() for name in header]
    indices = {}
    for role, column in columns.items():
        if isinstance(column, int):
            indices[role] = column
        elif column in names:
            indices[role] = names.index(column)
        else:
            raise DataError(
                f"{where}: no column named '{column}' ({role}_column) in the header; "
                f"columns are {cut(', '.join(repr(n) for n in names))}"
            )
    return indices


def table_example(row: list[str], columns: dict[str, int], where: str, config) -> Example:
    for role, index in columns.items():
        if index >= len(row):
            raise DataError(
                f"{where}: {len(row)} field(s), but {role}_column is {index} (0-based); "
                "check data.delimiter and the column settings"
            )
    written, text = row[columns["label"]], normalise(row[columns["text"]], config)
    label = written.strip()
    if not label:
        raise DataError(f"{where}: empty label")
    if not text:
        raise DataError(f"{where}: empty text")
    return Example(label, text, where, padded=label != written)


def read_folder(config) -> list[Example]:
    """One *.txt file per class (its stem is the label), one example per line; files by name."""
    folder = config.path
    if not folder.is_dir():
        problem = "is a file, expected a folder" if folder.exists() else "folder not found"
        hint = "" if folder.exists() else bundled_sample(folder)
        raise DataError(f"{folder}: {problem} (data.format folder reads one file per class){hint}")
    files = sorted(p for p in folder.iterdir() if p.suffix == FOLDER_SUFFIX and p.is_file())
    if not files:
        raise DataError(f"{folder}: no {FOLDER_SUFFIX} files; each class is one such file")
    return [
        Example(
            path.stem.strip(),
            normalise(line, config),
            f"{path}:{number}",
            path.stem.strip() != path.stem,
        )
        for path in files
        for number, line in enumerate(decoded_lines(path), start=1)
        if line.strip()  # a blank line is no example
    ]


READERS = {"table": read_table, "folder": read_folder}


def read_examples(config) -> list[Example]:
    """The examples of a `table` or `folder` data section; at least two classes."""
    examples = READERS[config.format](config)
    if not examples:
        raise DataError(f"{config.path}: no examples")
    labels = sorted({example.label for example in examples})
    if len(labels) < 2:
        raise DataError(
            f"{config.path}: every example has label '{labels[0]}'; a classifier needs at "
            "least two classes"
        )
    return examples


def number_labels(examples: list[Example]) -> list[float]:
    """Each example's label as a number (data.label_type number); a label that is not one
    names its line."""
    numbers = []
    for example in examples:
        try:
            numbers.append(parse_number(example.label))
        except BadNumber as err:
            raise DataError(
                f"{example.where}: label {shown(example.label)} {err} (data.label_type number)"
            ) from None
    return numbers


def text_vocab(config, train: list[Example], *, specials: tuple[str, ...] = (PAD, UNK)) -> Vocab:
    """The training texts' vocabulary only, so held-out text stays unseen."""
    if config.tokenizer in SUBWORDS:
        texts = (example.text for example in train)
        return subword_vocab(config, texts, what=str(config.path), specials=specials)
    tokenize_text = TOKENIZERS[config.tokenizer]
    return build_vocab(
        (tokenize_text(example.text) for example in train),
        tokenizer=config.tokenizer,
        min_freq=config.min_freq,
        specials=specials,
    )


def split_sizes(count: int, fraction: float) -> int:
    """Examples of one class a held-out split takes: at least one when the split is asked for."""
    return max(1, round(count * fraction)) if fraction > 0 else 0


def stratified_split(
    examples: list[Example], *, val_fraction: float, test_fraction: float, seed: int
) -> dict[str, list[Example]]:
    """train/val/test with each class in the same proportions; each split keeps file order.
    The same seed and file give the same split, whatever else the recipe changes."""
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for index, example in enumerate(examples):
        by_label.setdefault(example.label, []).append(index)
    chosen: dict[str, list[int]] = {"train": [], "val": [], "test": []}
    for label in sorted(by_label):
        indices = np.asarray(by_label[label])
        n_val = split_sizes(len(indices), val_fraction)
        n_test = split_sizes(len(indices), test_fraction)
        if len(indices) - n_val - n_test < 1:
            raise DataError(
                f"{examples[indices[0]].where}: class '{label}' has {len(indices)} example(s); "
                f"val_fraction {val_fraction:g} and test_fraction {test_fraction:g} need at "
                f"least {1 + (n_val > 0) + (n_test > 0)} (one per split)"
            )
        shuffled = rng.permutation(indices).tolist()
        chosen["val"] += shuffled[:n_val]
        chosen["test"] += shuffled[n_val : n_val + n_test]
        chosen["train"] += shuffled[n_val + n_test :]
    return {name: [examples[i] for i in sorted(picked)] for name, picked in chosen.items()}
