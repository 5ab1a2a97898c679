"""Which reader a data file or folder goes to, and the draft recipe it makes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from seqcli.errors import DataError
from seqcli.scaffold.arrays import guess_arrays
from seqcli.scaffold.corpus import corpus_options
from seqcli.scaffold.draft import TASK_WORDS, Draft, Option, choose
from seqcli.scaffold.folder import guess_folder
from seqcli.scaffold.patterns import glyphs_options, guess_music, looks_like_glyphs
from seqcli.scaffold.render import render
from seqcli.scaffold.sample import Sample, read_sample
from seqcli.scaffold.source import Source
from seqcli.scaffold.tables import looks_like_table, table_options
from seqcli.scaffold.tagged import columns_options, conllu_options, looks_columns, looks_conllu
from seqcli.scaffold.write import check_out, write_recipe

__all__ = ["TASK_WORDS", "check_out", "default_out", "draft_recipe", "render", "write_recipe"]

# Files read whole by their own library, picked by extension; a folder is read as a folder.
BY_SUFFIX: dict[str, Callable[[Source, str | None], Draft]] = {
    ".npz": guess_arrays,
    ".mat": guess_music,
}
# Text files, by what their first lines look like: the first that fits, else a corpus.
SNIFFERS: tuple[tuple[str, Callable[[Sample], bool]], ...] = (
    ("CoNLL-U sentences", looks_conllu),
    ("token/tag columns", looks_columns),
    ("a table", looks_like_table),
    ("glyphs", looks_like_glyphs),
)
OPTIONS: dict[str, Callable[[Source, Sample], dict[str, Option]]] = {
    "CoNLL-U sentences": conllu_options,
    "token/tag columns": columns_options,
    "a table": table_options,
    "glyphs": glyphs_options,
    "plain text": corpus_options,
}


def default_out(data: Path) -> Path:
    """<data's name>.yaml in the current folder."""
    return Path(f"{Source.of(data, Path('recipe.yaml')).name}.yaml")


def draft_recipe(data: Path, *, out: Path, task: str | None) -> Draft:
    """The draft recipe for data, of the task --task names or the likeliest one."""
    if not data.exists():
        raise DataError(f"{data}: no such file or folder")
    source = Source.of(data, out)
    if data.is_dir():
        return guess_folder(source, task)
    if data.suffix.lower() in BY_SUFFIX:
        return BY_SUFFIX[data.suffix.lower()](source, task)
    sample = read_sample(data)
    kind = next((kind for kind, looks in SNIFFERS if looks(sample)), "plain text")
    return choose(OPTIONS[kind](source, sample), task, data, kind)
