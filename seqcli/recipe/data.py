"""The recipe's data section, one class per data format, chosen by `format`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from seqcli.recipe.schedule import Section

Tokenizer = Literal["char", "word"]
TOKENIZER_HELP = "char: one token per Unicode code point; word: whitespace-split words"


def resolve_path(path: Path | None, info: ValidationInfo) -> Path | None:
    """A relative path is relative to the recipe file's folder, not to where seqcli runs."""
    base = (info.context or {}).get("base_dir")
    if path is None or path.is_absolute() or base is None:
        return path
    return (Path(base) / path).resolve()


class DataSection(Section):
    path: Path = Field(
        description="the data file (or folder); a relative path resolves against the recipe "
        "file's folder"
    )
    val_fraction: float = Field(0.1, ge=0, lt=1, description="share held out for validation")
    test_fraction: float = Field(0.0, ge=0, lt=1, description="share held out for test")

    _paths = field_validator("path")(resolve_path)

    @model_validator(mode="after")
    def _room_for_training(self) -> DataSection:
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError(
                f"val_fraction + test_fraction = {self.val_fraction + self.test_fraction:g}"
                " leaves nothing to train on; keep the sum below 1"
            )
        return self


class TextData(DataSection):
    format: Literal["text"] = Field(
        "text", description="text: one corpus for next-token prediction (language model)"
    )
    tokenizer: Tokenizer = Field(
        "char",
        description="char: one token per Unicode code point, newlines included; "
        "word: whitespace-split words, <eos> at each line end",
    )
    val_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of tokens for validation, just before the test split"
    )
    test_fraction: float = Field(
        0.0, ge=0, lt=1, description="share of tokens for test, at the very end of the file"
    )


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
    input_columns: tuple[str, ...] = Field(
        (),
        description="header names of extra covariate columns the model reads but does not forecast",
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
    scaling: Literal["standard", "minmax", "none"] = Field(
        "standard",
        description="per-column scaling, fitted on the training rows only: standard (zero "
        "mean, unit variance), minmax (0..1) or none",
    )
    season: int = Field(
        1,
        ge=1,
        description="rows per season (12 for monthly data): the lag of the seasonal-naive "
        "baseline and of MASE's scale; 1 means none",
    )

    @model_validator(mode="after")
    def _columns_play_one_role(self) -> SeriesData:
        date = [self.date_column] if self.date_column else []
        roles = [*(self.value_columns or ()), *self.input_columns, *date]
        twice = sorted({name for name in roles if roles.count(name) > 1})
        if twice:
            raise ValueError(
                f"column(s) {', '.join(twice)} named twice across value_columns, input_columns "
                "and date_column; each column plays one role"
            )
        if self.test_size is not None and self.test_fraction > 0:
            raise ValueError("set test_size or test_fraction, not both")
        return self


# Each format adds its class here; pydantic picks the class by the `format` key.
Data = Annotated[TextData | SeriesData, Field(discriminator="format")]


def fill_format(raw: Any) -> Any:
    """A data section without a format is text, as before formats existed."""
    if isinstance(raw, dict) and "format" not in raw:
        return {**raw, "format": "text"}
    return raw
