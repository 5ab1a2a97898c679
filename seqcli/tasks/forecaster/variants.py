"""What the two forecasters differ in: the model each builds and how far each can forecast;
and whether the validation split holds a whole forecast of data.horizon rows."""

from __future__ import annotations

from torch import nn

from seqcli.data.forecast_data import SeriesMeta, SeriesSplit
from seqcli.errors import DataError, UsageError
from seqcli.models.forecaster import AutoregressiveForecaster, DirectForecaster
from seqcli.recipe import Recipe


def _builder(model_class: type[nn.Module]):
    """A forecaster's build_model: both read the same sizes, and differ only in the class."""

    def build(recipe: Recipe, meta: SeriesMeta) -> nn.Module:
        columns = meta.columns
        return model_class(
            recipe.model,
            features=len(columns.features),
            values=len(columns.values),
            horizon=recipe.data.horizon,
        )

    return build


build_direct = _builder(DirectForecaster)
build_autoregressive = _builder(AutoregressiveForecaster)


def direct_reach(recipe: Recipe, meta: SeriesMeta, steps: int, asked: str) -> None:
    horizon = recipe.data.horizon
    if steps > horizon:
        raise UsageError(
            f"{asked} {steps}: this many_to_one model forecasts {horizon} step(s) at once "
            "(data.horizon); retrain with a larger data.horizon, or use mapping many_to_many"
        )


def check_validation_room(config, val: SeriesSplit) -> None:
    if len(val) and not (val.points + config.horizon <= val.end_of(val.points)).any():
        raise DataError(
            f"{config.path}: the validation split's {len(val)} row(s) hold no whole forecast "
            f"of data.horizon {config.horizon} rows; raise data.val_fraction or lower "
            "data.horizon"
        )


def rollout_reach(recipe: Recipe, meta: SeriesMeta, steps: int, asked: str) -> None:
    inputs = meta.columns.inputs
    if steps > 1 and inputs:
        raise UsageError(
            f"{asked} {steps}: rolling out past one step needs future values of the input "
            f"columns ({', '.join(inputs)}), which the data does not have; use {asked} 1 or "
            "mapping many_to_one"
        )
