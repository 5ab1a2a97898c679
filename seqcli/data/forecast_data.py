"""A series section to what a forecaster learns from: the meta, scaled rows, split points."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from pydantic import Field, model_validator

from seqcli.data.dates import (
    Calendar,
    CalendarForm,
    calendar_of,
    cycle_columns,
    cycle_names,
    cycles_for,
)
from seqcli.data.forms import Form
from seqcli.data.panel import Panel, grouped, rows_of, split_each
from seqcli.data.scaling import Scaler, ScalerForm, seasonal_mae
from seqcli.data.series import Bounds, Columns, Table, header_columns
from seqcli.data.series_folder import header_file, read_table
from seqcli.errors import DataError
from seqcli.recipe import SeriesData

HISTORY_ROWS = 500  # rows kept in the meta: a plot's context and generate's starting point


class ColumnsForm(Form):
    values: list[str] = Field(min_length=1)
    inputs: list[str]
    date: str | None
    series: str | None = None  # runs saved before panels have none


class SeriesForm(Form):
    columns: ColumnsForm
    scaler: ScalerForm
    mase_scale: list[float]
    history: list[list[float]]
    calendar: CalendarForm | None
    series_names: list[str] = [""]  # runs saved before per-series parts have one series
    baseline: str | None = None
    future: list[str] = []  # runs saved before future covariates have none
    cycles: list[str] = []  # nor calendar features
    history_start: int | None = None  # nor where the kept history starts

    @model_validator(mode="after")
    def _widths_agree(self) -> SeriesForm:
        """Scaling, MASE's scale and the kept rows are per column: as many as the columns."""
        values = len(self.columns.values)
        features = values + len(self.columns.inputs) + 2 * len(self.cycles)
        widths = {
            "scaler.center": (len(self.scaler.center), features),
            "mase_scale": (len(self.mase_scale), values),
            **{f"history.{i}": (len(row), features) for i, row in enumerate(self.history)},
        }
        for field, (width, expected) in widths.items():
            if width != expected:
                raise ValueError(f"{field}: {width} columns; the series has {expected}")
        return self


@dataclass(frozen=True)
class SeriesMeta:
    """What the data decided, kept with the run so new files are read and scaled alike."""

    columns: Columns
    scaler: Scaler  # fitted on the training rows only
    mase_scale: tuple[float, ...]  # (V,) training rows' in-sample seasonal-naive MAE
    history: tuple[tuple[float, ...], ...]  # the file's last rows, data units, model columns
    calendar: Calendar | None  # how dates continue after the last row; None: no dates
    series_names: tuple[str, ...] = ("",)  # the training panel's: per-series parts, in order
    baseline: str | None = None  # the baseline a residual model corrects (model.residual_of)
    future: tuple[str, ...] = ()  # the last input columns, known ahead (data.future_columns)
    cycles: tuple[str, ...] = ()  # calendar features after them (data.calendar)
    history_start: int | None = None  # the row of its series history starts at (None: unknown)

    @property
    def width(self) -> int:
        """The model's input columns: the file's, then two per calendar cycle."""
        return len(self.columns.features) + 2 * len(self.cycles)

    @property
    def ahead(self) -> int:
        """How many of the last input columns are known ahead."""
        return len(self.future) + 2 * len(self.cycles)

    def to_dict(self) -> dict:
        columns = self.columns
        return {
            "columns": {
                "values": list(columns.values),
                "inputs": list(columns.inputs),
                "date": columns.date,
                "series": columns.series,
            },
            "scaler": self.scaler.to_dict(),
            "mase_scale": list(self.mase_scale),
            "history": [list(row) for row in self.history],
            "calendar": None if self.calendar is None else self.calendar.to_dict(),
            "series_names": list(self.series_names),
            "baseline": self.baseline,
            "future": list(self.future),
            "cycles": list(self.cycles),
            "history_start": self.history_start,
        }

    @classmethod
    def from_dict(cls, data: dict) -> SeriesMeta:
        form = SeriesForm.read(data)
        columns = form.columns
        return cls(
            Columns(tuple(columns.values), tuple(columns.inputs), columns.date, columns.series),
            Scaler.from_dict(data["scaler"]),
            tuple(form.mase_scale),
            tuple(tuple(row) for row in form.history),
            Calendar.from_dict(data["calendar"]),
            tuple(form.series_names),
            form.baseline,
            tuple(form.future),
            tuple(form.cycles),
            form.history_start,
        )

    def summary(self) -> list[tuple[str, str]]:
        last = "no dates" if self.calendar is None else f"dates up to {self.calendar.last}"
        return [
            ("forecast columns", ", ".join(self.columns.values)),
            ("input columns", ", ".join(self.columns.inputs) or "-"),
            ("known ahead", ", ".join(self.future + cycle_names(self.cycles)) or "-"),
            ("series column", self.columns.series or "-"),
            ("history kept", f"{len(self.history)} rows, {last}"),
            *([("corrects the baseline", self.baseline)] if self.baseline else []),
        ]


@dataclass(frozen=True)
class SeriesSplit:
    """The points (row indices) one split forecasts; windows read the rows before them, which
    may lie in an earlier split: that is the true past a forecaster would have had. Rows are
    grouped by series (one, unless data.series_column names several)."""

    scaled: np.ndarray  # (N, F) float32 model inputs for the whole file
    raw: np.ndarray  # (N, V) value columns in data units
    points: np.ndarray  # rows forecast, ascending
    panel: Panel  # where each series lies
    ends: np.ndarray  # (S,) per series, rows from here on belong to a later split: masked
    train_ends: np.ndarray  # (S,) per series, [start, train_end) is what baselines fit on
    scales: np.ndarray  # (S, V) per series, MASE's denominator
    dates: list[str] | None = None  # each row's date, to name a forecast's origin
    future: int = 0  # the last columns of scaled are known ahead (meta.future)

    def __len__(self) -> int:
        return len(self.points)

    def end_of(self, rows: np.ndarray) -> np.ndarray:
        """Where the split ends in the series of each row."""
        return self.ends[self.panel.of_row[rows]]


def build_meta(
    config: SeriesData, columns: Columns, dated: tuple, train: np.ndarray, last: np.ndarray
) -> SeriesMeta:
    """Fit the scaler and MASE's scale on the training rows only: the test must stay unseen.
    history keeps the last series' rows, the one generate continues."""
    table, calendar, cycles = dated
    values = len(columns.values)
    scale = seasonal_mae(table.features[train][:, :values], config.season_rows or 1)
    return SeriesMeta(
        columns,
        Scaler.fit(config.scaling, table.features[train]),
        tuple(float(s) for s in scale),
        tuple(tuple(float(x) for x in row) for row in table.features[last][-HISTORY_ROWS:]),
        calendar,
        future=tuple(config.future_columns),
        cycles=cycles,
        history_start=max(0, len(last) - HISTORY_ROWS),
    )


def fresh_dates(config: SeriesData, columns: Columns, table: Table, starts: np.ndarray) -> tuple:
    """(table, calendar, cycles): the rows with data.calendar's features joined on; each
    series' rows start at `starts`."""
    where = f"{config.path} ({columns.date})"
    calendar = (
        None if table.dates is None else calendar_of(table.dates, config.date_format, where, starts)
    )
    cycles = cycles_for(calendar, where) if config.calendar else ()
    return with_cycles(table, cycles, calendar, where), calendar, cycles


def with_cycles(table: Table, cycles: tuple, calendar: Calendar | None, where: str) -> Table:
    """The table with two columns per calendar cycle after its own (data.calendar)."""
    if not cycles:
        return table
    if table.dates is None or calendar is None:
        raise DataError(f"{where}: the model reads calendar features; the file needs its dates")
    joined = cycle_columns(calendar.parsed(table.dates, where), cycles)
    return replace(table, features=np.hstack([table.features, joined]))


def read_splits(config: SeriesData, meta: SeriesMeta | None, *, train_tail: int):
    """(meta, splits): train points stop train_tail rows early, where a target would cross
    into validation; evaluation points start where every baseline has a past."""
    columns = meta.columns if meta else recipe_columns(config)
    table, panel = grouped(read_table(config.path, columns, config.missing))
    bounds = split_each(config.path, panel, config)
    val, test, stops = (np.array([getattr(b, key) for b in bounds]) for key in Bounds.KEYS)
    if meta is None:
        dated = fresh_dates(config, columns, table, panel.starts)
        table, train = dated[0], rows_of(panel.starts, val)
        meta = build_meta(config, columns, dated, train, np.arange(panel.starts[-1], stops[-1]))
        meta = replace(meta, series_names=panel.names)
    else:
        table = with_cycles(table, meta.cycles, meta.calendar, str(config.path))
    first = panel.starts + config.first_origin
    spans = {  # per series: first point, end of points, end of the split
        "train": (panel.starts + config.lookback, val - train_tail, val),
        "val": (np.maximum(val, first), test, test),
        "test": (np.maximum(test, first), stops, stops),
    }
    scaled, raw = scaled_rows(table, meta)
    season = config.season_rows or 1
    scales = np.stack(
        [seasonal_mae(raw[s:t], season) for s, t in zip(panel.starts, val, strict=True)]
    )
    splits = {
        name: SeriesSplit(
            scaled, raw, rows_of(low, high), panel, end, val, scales, table.dates, meta.ahead
        )
        for name, (low, high, end) in spans.items()
    }
    return meta, splits


def recipe_columns(config: SeriesData) -> Columns:
    return header_columns(
        header_file(config.path),
        values=config.value_columns,
        inputs=(*config.input_columns, *config.future_columns),
        date=config.date_column,
        series=config.series_column,
    )


def scaled_rows(table: Table, meta: SeriesMeta) -> tuple[np.ndarray, np.ndarray]:
    """(N, F) scaled model inputs and (N, V) value columns in data units."""
    return meta.scaler.apply(table.features), table.features[:, : len(meta.columns.values)]


def split_of_file(path: Path, meta: SeriesMeta, *, first: int, missing: str) -> SeriesSplit:
    """Every forecastable row of another file, read and scaled as the run's own data, scored
    against the run's MASE scale."""
    table, panel = grouped(read_table(path, meta.columns, missing))
    table = with_cycles(table, meta.cycles, meta.calendar, str(path))
    sizes = panel.stops - panel.starts
    if sizes.min() <= first:
        raise DataError(
            f"{path}: {sizes.min()} rows; forecasting from it needs more than {first} "
            "(data.lookback, or the season's or the moving average's rows if longer)"
        )
    # The rows before each series' first point stand in for the training part baselines fit on.
    fits = panel.starts + first
    scales = np.tile(meta.mase_scale, (len(panel), 1))
    scaled, raw = scaled_rows(table, meta)
    points = rows_of(fits, panel.stops)
    return SeriesSplit(
        scaled, raw, points, panel, panel.stops, fits, scales, table.dates, meta.ahead
    )
