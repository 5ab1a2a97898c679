"""A CSV/TSV sample: which tasks its columns can make, the likeliest first."""

from __future__ import annotations

from functools import partial

from seqcli.errors import DataError
from seqcli.recipe.errors import cut
from seqcli.scaffold.columns import Table, mixed_dates, read_table, table_delimiter
from seqcli.scaffold.draft import Draft, Option
from seqcli.scaffold.labelled import text_options
from seqcli.scaffold.patterns import bipolar_options
from seqcli.scaffold.roles import table_roles
from seqcli.scaffold.sample import Sample
from seqcli.scaffold.series import series_options
from seqcli.scaffold.sizes import add_model, add_training, batch_size, steps_for
from seqcli.scaffold.source import Source
from seqcli.scaffold.text import WORDS_FOR_WORD_TOKENS


def looks_like_table(sample: Sample) -> bool:
    return table_delimiter(sample) is not None


def table_options(source: Source, sample: Sample) -> dict[str, Option]:
    table = read_table(sample, table_delimiter(sample))
    refuse_mixed_dates(sample, table)
    roles = table_roles(table)
    generators = {
        **bipolar_options(source, sample, table),
        **vectors_options(source, sample, table),
    }
    texts = text_options(source, sample, table, roles)
    series = series_options(source, sample, table)
    # Dated rows are a series, unless they carry sentences (dated reviews are still reviews).
    sentences = roles.text is not None and roles.text.words > WORDS_FOR_WORD_TOKENS
    first = series if table.of_kind("date") and not sentences else texts
    return {**generators, **first, **texts, **series}


def refuse_mixed_dates(sample: Sample, table: Table) -> None:
    """A column of dates written two ways reads as text, and one line is a header or a row,
    nothing to guess from: say so, not that no column fits."""
    if sample.complete and table.lines + table.header == 1:
        (line,) = filter(str.strip, sample.lines)
        raise DataError(
            f"{sample.path}: one line ({cut(line.strip())}) and no rows after it; "
            "init guesses the task from rows of data"
        )
    for column in table.columns:
        if (pair := mixed_dates(column)) is not None:
            raise DataError(
                f"{sample.path}: {column.shown} holds dates such as {pair[0]!r} and cells "
                f"such as {pair[1]!r}; write every date of it as the first is written"
            )


def vectors_options(source: Source, sample: Sample, table: Table) -> dict[str, Option]:
    """A column of space-separated numbers beside columns of numbers: a sequence to generate
    from a vector (data.format vectors)."""
    sequences, numbers = table.of_kind("sequence"), table.of_kind("number")
    if not (table.header and sequences and numbers):
        return {}
    return {"generator": partial(vectors_draft, source, sample, table)}


def vectors_draft(source: Source, sample: Sample, table: Table) -> Draft:
    sequence, numbers = table.of_kind("sequence")[0], table.of_kind("number")
    count = sample.estimate(table.lines)
    found = (
        f"{sample.path.name}: {sample.about(table.lines, 'rows')}; sequences in "
        f"{sequence.shown}, conditions {', '.join(c.shown for c in numbers)}"
    )
    draft = Draft("generator", "one_to_many", found=found)
    draft.add("data", "format", "vectors", "numbers in, a sequence of numbers out")
    draft.add("data", "path", source.written, source.path_why)
    names = [c.name for c in numbers]
    draft.add("data", "condition_columns", names, "the numbers each sequence is made from")
    draft.add("data", "sequence_column", sequence.name, "space-separated values to generate")
    draft.add("data", "val_fraction", 0.1, "a seeded tenth of the rows")
    for column in table.columns:
        if column is not sequence and column not in numbers:
            draft.ignored.append(f"{column.shown} (neither a number nor a sequence)")
    add_model(draft, count, unit="rows")
    draft.add("model", "condition", "both", "the condition sets the first state and every step")
    batch = batch_size(count)
    steps, every = steps_for(count, batch, 0.1, epochs=20)
    add_training(draft, batch=batch, steps=steps, every=every, monitor="mae", why=GENERATED)
    draft.add("generate", "sample_length", 0, "numbers are not much to look at in training")
    return draft


GENERATED = "of a free roll-out: it measures what generate produces"
