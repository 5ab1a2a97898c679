"""Where a folder of recordings keeps its labels: a file<TAB>label table in it or beside it,
class subfolders, or the file names (FSDD's `{label}_{speaker}_{index}`). Torch-free."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from seqcli.errors import DataError
from seqcli.scaffold.draft import Entry
from seqcli.scaffold.sample import read_sample
from seqcli.scaffold.source import Source

TABLE_SUFFIXES = (".tsv", ".txt")  # what a file<TAB>label table is called
# Names split on "_" into this many fields are FSDD's; other counts get neutral names.
FIELD_NAMES = {2: ("label", "index"), 3: ("label", "speaker", "index")}


@dataclass(frozen=True)
class Labelling:
    """How the recordings are labelled: the data keys that say so, and the labels found."""

    how: str  # "their class subfolders"
    labels: tuple[str, ...]
    keys: list[Entry] = field(default_factory=list)

    @property
    def sequences(self) -> bool:
        """Transcripts rather than classes: words in a label, or most labels said once (a
        class needs examples to learn from)."""
        distinct = set(self.labels)
        return any(" " in label for label in distinct) or len(distinct) > len(self.labels) / 2


def labelling(source: Source, wavs: list[Path]) -> Labelling:
    """The first way of labelling the recordings fit; none is one line saying how to add one."""
    for find in FINDERS:
        if (found := find(source, wavs)) is not None:
            return found
    raise DataError(
        f"{source.path}: {len(wavs)} .wav files but no labels; name them "
        "{label}_{speaker}_{index}.wav, put each class in a subfolder, or add labels.tsv "
        "(file<TAB>label) beside them"
    )


def by_table(source: Source, wavs: list[Path]) -> Labelling | None:
    folder = source.path
    names = {wav.relative_to(folder).as_posix() for wav in wavs}
    for table in candidate_tables(folder):
        rows = table_rows(table)
        if rows and all(name in names for name, _ in rows):
            written = table_written(source, table)
            why = f"file<TAB>label, {len(rows):,} rows naming recordings in {folder.name}/"
            labels = tuple(label for _, label in rows)
            return Labelling(
                f"the table {table.name}", labels, [Entry("labels_file", written, why)]
            )
    return None


def candidate_tables(folder: Path) -> list[Path]:
    near = [*sorted(folder.iterdir()), *sorted(folder.parent.iterdir())]
    return [p for p in near if p.suffix.lower() in TABLE_SUFFIXES and p.is_file()]


def table_rows(table: Path) -> list[tuple[str, str]]:
    """(file, label) of every line, or [] when a line is not file<TAB>label."""
    try:
        lines = read_sample(table).lines
    except DataError:  # not text, or empty: not a table
        return []
    rows = []
    for line in lines:
        name, tab, label = line.partition("\t")
        if not line.strip():
            continue
        if not tab or not label.strip():
            return []
        rows.append((name, label.strip()))
    return rows


def table_written(source: Source, table: Path) -> str:
    """The table's path as the recipe writes it: beside data.path's written form."""
    folder = PurePosixPath(source.written)
    beside = folder if table.parent == source.path else folder.parent
    return (beside / table.name).as_posix()


def by_subfolder(source: Source, wavs: list[Path]) -> Labelling | None:
    classes = {wav.parent.name for wav in wavs}
    if any(wav.parent == source.path for wav in wavs) or len(classes) < 2:
        return None
    return Labelling("their class subfolders", tuple(wav.parent.name for wav in wavs))


def by_name(source: Source, wavs: list[Path]) -> Labelling | None:
    parts = [wav.stem.split("_") for wav in wavs]
    count = len(parts[0])
    if count < 2 or any(len(fields) != count for fields in parts):
        return None
    names = FIELD_NAMES.get(count) or ("label", *(f"part{i}" for i in range(1, count)))
    pattern = "_".join(f"{{{name}}}" for name in names)
    example = f"{wavs[0].name} says {parts[0][0]}"
    entry = Entry("name_pattern", pattern, f"the label is the name's first field: {example}")
    return Labelling("their names", tuple(fields[0] for fields in parts), [entry])


FINDERS: tuple[Callable[[Source, list[Path]], Labelling | None], ...] = (
    by_table,
    by_subfolder,
    by_name,
)
