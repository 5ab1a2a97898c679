"""A table of texts read as a classifier, a regressor or a translator's pairs."""

from __future__ import annotations

from functools import partial

from seqcli.recipe.text_formats import TABLE_EXTENSIONS
from seqcli.scaffold.columns import Column, Table, name_like
from seqcli.scaffold.draft import Draft, Option
from seqcli.scaffold.roles import Roles, two_sides
from seqcli.scaffold.sample import Sample
from seqcli.scaffold.sizes import add_model, add_training, batch_size, steps_for
from seqcli.scaffold.source import Source
from seqcli.scaffold.text import add_tokens

# The delimiter data.delimiter null takes from each extension (seqcli/data/labelled.py).
IMPLIED = {".tsv": "\t", ".txt": "\t", ".csv": ","}
VAL_FRACTION = 0.1
UNBALANCED = 0.7  # the largest class's share from which accuracy hides the rest


def text_options(source: Source, sample: Sample, table: Table, roles: Roles) -> dict[str, Option]:
    """The tasks this table of texts can make, the likeliest first."""
    options: dict[str, Option] = {}
    build = partial(labelled_draft, source, sample, table, roles)
    label = roles.label
    if roles.text is not None and label is not None:
        if label.kind == "number" and not few_whole_numbers(label):
            options["regressor"] = partial(build, "regressor")
        if label.kind != "number" or label.integers:  # whole numbers may name classes
            options["classifier"] = partial(build, "classifier")
        if label.kind == "number":
            options.setdefault("regressor", partial(build, "regressor"))
    sides = two_sides(table, roles)
    if sides is not None:  # the likeliest only when no column reads as a label
        options["translator"] = partial(pairs_draft, source, sample, table, sides)
    return options


def few_whole_numbers(label: Column) -> bool:
    """Ratings or 0/1 flags: classes written as numbers rather than values to predict."""
    return label.integers and label.distinct <= 10


def add_table(draft: Draft, source: Source, table: Table) -> None:
    draft.add("data", "path", source.written, source.path_why)
    suffix = source.path.suffix.lower()
    if IMPLIED.get(suffix) != table.delimiter or suffix not in TABLE_EXTENSIONS:
        draft.add("data", "delimiter", table.delimiter, "what splits the sample's rows evenly")
    if table.header:
        draft.add("data", "header", True, "the first row names the columns")


def labelled_draft(source: Source, sample: Sample, table: Table, roles: Roles, task: str) -> Draft:
    text, label = roles.text, roles.label
    number = task == "regressor"
    count = sample.estimate(table.lines)
    draft = Draft(task, "many_to_one", found=table_found(sample, table, roles))
    draft.add("data", "format", "table", "a CSV/TSV with a text column and a label column")
    add_table(draft, source, table)
    draft.add("data", "text_column", text.key, f"{text.shown}: the longest texts")
    draft.add("data", "label_column", label.key, label_why(label, number))
    if number:
        draft.add("data", "label_type", "number", "a value to predict: a regressor")
    add_tokens(draft, list(text.cells), count)
    draft.add("data", "val_fraction", VAL_FRACTION, split_why(number))
    say_roles(draft, table, roles, number)
    add_model(draft, count, unit="examples")
    draft.add("model", "direction", "bi", "read both ways: a cue can sit at either end")
    draft.add("model", "dropout", 0.2, "regularise a small data set's embeddings and head")
    draft.add("model", "pooling", "mean", "the whole text votes, not only its last state")
    batch = batch_size(count)
    steps, every = steps_for(count, batch, VAL_FRACTION, epochs=10)
    add_training(draft, batch=batch, steps=steps, every=every, monitor=monitor_of(label, number))
    return draft


def split_why(number: bool) -> str:
    return "a seeded shuffle" if number else "stratified: each class in the same proportion"


def label_why(label: Column, number: bool) -> str:
    if number:
        low, high = min(map(float, label.cells)), max(map(float, label.cells))
        return f"{label.shown}: numbers from {low:g} to {high:g}"
    top = ", ".join(f"{name} ({n})" for name, n in label.counts().most_common(3))
    more = ", ..." if label.distinct > 3 else ""
    return f"{label.shown}: {label.distinct} classes in the sample: {top}{more}"


def monitor_of(label: Column, number: bool) -> str:
    if number:
        return "mae"
    largest = label.counts().most_common(1)[0][1] / len(label.cells)
    return "macro_f1" if largest >= UNBALANCED else "accuracy"


def say_roles(draft: Draft, table: Table, roles: Roles, number: bool) -> None:
    """Ignored columns, and the guesses a user may want to change, each with its key."""
    for column in roles.ids:
        draft.ignored.append(f"{column.shown} (an id: every value differs)")
    for column in roles.rest:
        draft.ignored.append(f"{column.shown} (a table reads one text and one label column)")
    texts = [c for c in table.of_kind("text") if c not in (*roles.ids, roles.label)]
    if len(texts) > 1:
        draft.unsure.append(f"the text is {roles.text.shown}; another: set data.text_column")
    if roles.label.kind == "number" and not number:
        draft.unsure.append(
            f"{roles.label.shown} holds {roles.label.distinct} whole numbers, read as classes; "
            "values to predict instead: --task regressor (data.label_type: number)"
        )
    if not table.header and all(name_like(c.cells[0]) for c in table.columns if c.cells):
        draft.unsure.append("no header row found; if the first row names columns, set data.header")


def table_found(sample: Sample, table: Table, roles: Roles) -> str:
    header = "a header" if table.header else "no header"
    return (
        f"{sample.path.name}: {sample.about(table.lines, 'rows')}, {len(table.columns)} columns, "
        f"{header}; text {roles.text.shown}, label {roles.label.shown}"
    )


def pairs_draft(source: Source, sample: Sample, table: Table, sides) -> Draft:
    first, second = sides
    count = sample.estimate(table.lines)
    found = (
        f"{sample.path.name}: {sample.about(table.lines, 'pairs')}, source {first.shown}, "
        f"target {second.shown}"
    )
    draft = Draft("translator", "encoder_decoder", found=found)
    draft.add("data", "format", "pairs", "source<TAB>target lines: read one, write the other")
    draft.add("data", "path", source.written, source.path_why)
    draft.add("data", "source_column", first.index, f"{first.shown}: what the model reads")
    draft.add("data", "target_column", second.index, f"{second.shown}: what it writes")
    tokens = add_tokens(draft, [*first.cells, *second.cells], count, lowercase=False)
    digits = sum(any(ch.isdigit() for ch in cell) for cell in first.cells) > len(first.cells) / 2
    normalize = "none" if digits or tokens == "char" else "tutorial"
    why = NORMALIZE_WHY[normalize]
    draft.add("data", "normalize", normalize, why)
    draft.add("data", "val_fraction", VAL_FRACTION, "distinct sources held out, seeded shuffle")
    if table.header:
        draft.unsure.append("the first line looks like a header; pairs reads it as a pair")
    add_model(draft, count, unit="pairs")
    draft.add("model", "direction", "bi", "the encoder reads both ways; the decoder left to right")
    draft.add("model", "attention", "general", "lets each written token look at the source")
    batch = batch_size(count)
    steps, every = steps_for(count, batch, VAL_FRACTION, epochs=10)
    monitor = "exact_match" if tokens == "char" else "bleu"
    add_training(draft, batch=batch, steps=steps, every=every, monitor=monitor)
    return draft


NORMALIZE_WHY = {
    "none": "the text as written: the tutorial's rule would delete digits and symbols",
    "tutorial": "lowercase, accents stripped, .!? split off: fewer distinct words to learn",
}
