"""A table of numbers over time read as a forecaster: the date, the target, the covariates,
and a horizon and season from the dates' frequency."""

from __future__ import annotations

import csv
import re
from functools import partial
from pathlib import Path

import numpy as np

from seqcli.data.series_folder import check_headers
from seqcli.errors import DataError
from seqcli.scaffold.calendar import UNKNOWN, Frequency, frequency_of
from seqcli.scaffold.columns import Column, Table, is_number, read_table, table_delimiter
from seqcli.scaffold.draft import Draft, Option
from seqcli.scaffold.roles import is_id
from seqcli.scaffold.sample import Sample, read_sample
from seqcli.scaffold.series_sizes import FEWEST_ROWS, add_forecast_sizes
from seqcli.scaffold.sizes import add_model, add_training
from seqcli.scaffold.source import Source

TARGET_NAMES = re.compile(
    r"target|value|sales|demand|load|count|total|passengers|price|close|^y$", re.I
)


def series_options(source: Source, sample: Sample, table: Table) -> dict[str, Option]:
    """A forecaster, when the table has a header over at least one column of numbers."""
    numbers = [c for c in table.of_kind("number") if not is_id(c, table)]
    if not (table.header and numbers):
        return {}
    return {"forecaster": partial(series_draft, source, sample, table)}


def series_folder_options(source: Source, files: list[Path]) -> dict[str, Option]:
    """One .csv file per series: guessed from the first, which the others must match."""
    check_headers(files)  # as training reads the folder, before a recipe for the first is made
    sample = read_sample(files[0])
    delimiter = table_delimiter(sample)
    if delimiter != ",":
        raise DataError(f"{files[0]}: not a comma-separated table; a series file is a CSV")
    folder = len(files)
    return {"forecaster": partial(series_draft, source, sample, read_table(sample, ","), folder)}


def series_draft(source: Source, sample: Sample, table: Table, files: int = 0) -> Draft:
    dates = table.of_kind("date")
    series = series_column(table)
    numbers = [c for c in table.of_kind("number") if not is_id(c, table)]
    target = pick_target(numbers)
    inputs = [c for c in numbers if c is not target]
    rows = rows_per_series(sample, table, series)
    refuse_short(sample, rows, series)
    total = rows * (files or (series.distinct if series else 1))
    frequency = frequency_of(sample.path, dates[0], min(rows, table.rows)) if dates else UNKNOWN
    draft = Draft(
        "forecaster", "many_to_one", found=series_found(sample, table, dates, target, frequency)
    )
    draft.add("data", "format", "series", "a CSV of rows over time, oldest first")
    draft.add("data", "path", source.written, source.path_why)
    if dates:
        draft.add("data", "date_column", dates[0].name, date_why(dates[0], frequency))
    draft.add("data", "value_columns", [target.name], "the column forecast")
    if inputs:
        draft.add("data", "input_columns", [c.name for c in inputs], INPUTS_WHY)
    if series is not None:
        draft.add("data", "series_column", series.name, f"{series.distinct} series seen")
    add_missing(draft, [target, *inputs])
    add_forecast_sizes(
        draft, frequency, rows, first_values(sample, table, target, rows), dated=bool(dates)
    )
    say_series(draft, table, dates, numbers, target, series)
    add_forecast_model(draft, total)
    steps, every = (400, 50) if total < 5000 else (3000, 200)
    batch = 16 if total < 1000 else 32
    add_training(draft, batch=batch, steps=steps, every=every, monitor="mase")
    draft.add("generate", "sample_length", 0, "no text samples: validation shows progress")
    return draft


INPUTS_WHY = "covariates: read in each window, not forecast"


def refuse_short(sample: Sample, rows: int, series: Column | None) -> None:
    """Too few rows to hold out validation and test forecasts and train on the rest: said of
    the file, not as the fractions the written recipe would then refuse."""
    if rows < FEWEST_ROWS:
        which = f" in the shortest series of '{series.name}'" if series else ""
        raise DataError(
            f"{sample.path}: {rows} row(s){which}; a forecaster needs at least {FEWEST_ROWS}: "
            "forecasts to validate and to test, and the rows before them to train on"
        )


def add_forecast_model(draft: Draft, total: int) -> None:
    """The design recipes/forecast-*.yaml share and bench/forecast.py measured against the
    baselines: a plain network extrapolates a trend badly (MASE 4.9 against Holt-Winters' 0.63
    on US real GDP), a correction of the best baseline starts as that baseline."""
    draft.add("model", "residual_of", "auto", RESIDUAL_WHY)
    draft.add(
        "model",
        "correction_weight",
        0.5,
        "the forecast is the mean of the network's "
        "and the baseline's (M4's combination); training learns the whole correction",
    )
    draft.add(
        "model",
        "window_norm",
        True,
        "each window rescaled by its own mean and spread: "
        "values beyond the training range still read as the network learned them",
    )
    add_model(draft, total, unit="rows", embedding=False)
    draft.add("model", "dropout", 0.1, "a small series is easily memorised")
    draft.add(
        "model",
        "quantiles",
        [0.1, 0.5, 0.9],
        "the median is the forecast; 0.1-0.9 the 80% band, calibrated on validation",
    )


RESIDUAL_WHY = (
    "the network corrects the baseline (Holt-Winters, drift, seasonal naive, ...) that forecast "
    "training's second half and validation best; untrained, the model is that baseline"
)


def first_values(sample: Sample, table: Table, target: Column, rows: int) -> np.ndarray:
    """The target's values in the whole sample (the profile reads its first rows only), of
    the first series when several are stacked: enough rows to see a year of days repeat."""
    lines = [line for line in sample.lines[int(table.header) :] if line.strip()][:rows]
    found = csv.reader(lines, delimiter=table.delimiter)
    cells = (row[target.index].strip() for row in found if target.index < len(row))
    return np.array([float(cell) for cell in cells if is_number(cell)])


def date_why(dates: Column, frequency: Frequency) -> str:
    step = frequency.name or "an unusual step"
    return f"{step} dates ({dates.cells[0]} ...): forecasts continue them"


def series_column(table: Table) -> Column | None:
    """A column of names, each in one run of rows: several series stacked in one file."""
    for column in table.of_kind("text"):
        runs = sum(1 for a, b in zip(column.cells, column.cells[1:], strict=False) if a != b) + 1
        if 2 <= column.distinct == runs and column.distinct < len(column.cells) / 2:
            return column
    return None


def rows_per_series(sample: Sample, table: Table, series: Column | None) -> int:
    """The rows of one series: the shortest seen whole (the last may run past the sample)."""
    if series is None:
        return sample.estimate(table.lines)
    counts = series.counts()
    return min(counts.values()) if len(counts) == 1 else min(list(counts.values())[:-1])


def pick_target(numbers: list[Column]) -> Column:
    """A column named like a target, else the first that is not a 0/1 flag."""
    named = [c for c in numbers if TARGET_NAMES.search(c.name)]
    flags = [c for c in numbers if set(c.cells) <= {"0", "1", "0.0", "1.0"}]
    return next(iter(named), None) or next((c for c in numbers if c not in flags), numbers[0])


def add_missing(draft: Draft, columns: list[Column]) -> None:
    gaps = sum(c.missing for c in columns)
    if gaps:
        why = f"{gaps} empty or NA cell(s) in the sample: filled linearly from their neighbours"
        draft.add("data", "missing", "interpolate", why)


def say_series(draft, table, dates, numbers, target, series) -> None:
    for column in table.columns:
        if column not in (*dates[:1], *numbers, series):
            draft.ignored.append(f"{column.shown} ({'an id' if is_id(column, table) else 'text'})")
    if len(numbers) > 1:
        draft.unsure.append(
            f"the target is {target.shown}, the other numbers covariates; another: set "
            "data.value_columns and data.input_columns"
        )
    if not dates:
        draft.unsure.append("no date column: rows are numbered; set data.date_column if one is")


def series_found(
    sample: Sample, table: Table, dates: list, target: Column, frequency: Frequency
) -> str:
    when = f", {frequency.name or 'dated'} from {dates[0].cells[0]}" if dates else ""
    rows = sample.about(table.lines, "rows")
    return f"{sample.path.name}: {rows}{when}; target {target.shown}"
