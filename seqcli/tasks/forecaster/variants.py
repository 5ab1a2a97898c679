"""What the two forecasters differ in: the model each builds and how far each can forecast;
and whether the validation split holds a whole forecast of data.horizon rows."""

from __future__ import annotations

from torch import nn

from seqcli.data.forecast_data import SeriesMeta, SeriesSplit
from seqcli.errors import DataError, RecipeError, UsageError
from seqcli.models.ensemble import Ensemble
from seqcli.models.forecaster import AutoregressiveForecaster, DirectForecaster
from seqcli.models.smoothing import Smoothing
from seqcli.recipe import Recipe

# Seasons a window must hold to follow the season, by model.initial_season: its own first
# season starts the indices and one more smooths them; learned indices start any window.
SEASONS_HELD = {"window": 2, "learned": 1}


def smoothing_season(recipe: Recipe) -> int | None:
    """The season the smoothing follows: data.season when the lookback holds enough of them,
    else none (the level alone)."""
    season, held = recipe.data.season_rows, SEASONS_HELD[recipe.model.initial_season]
    return season if season and recipe.data.lookback >= held * season else None


def smoothing(recipe: Recipe, meta: SeriesMeta) -> nn.Module | None:
    """model.decomposition's norm for the network's windows (None: the window_norm one)."""
    kind, values = recipe.model.decomposition, len(meta.columns.values)
    learned = recipe.model.initial_season == "learned"
    if learned and (kind == "none" or smoothing_season(recipe) is None):
        raise RecipeError(
            "model.initial_season learned: needs a model.decomposition and a data.season that "
            f"data.lookback ({recipe.data.lookback}) holds at least once"
        )
    if kind == "none":
        return None
    scaler = meta.scaler
    return Smoothing(
        kind,
        series=len(meta.series_names),
        season=smoothing_season(recipe),
        center=scaler.center[:values],
        scale=scaler.scale[:values],
        learned_season=learned,
    )


def _builder(model_class: type[nn.Module], options):
    """A forecaster's build_model: both read the same sizes; they differ in the class and in
    the options(recipe, meta) only one of them takes."""

    def build(recipe: Recipe, meta: SeriesMeta) -> nn.Module:
        columns = meta.columns
        return model_class(
            recipe.model,
            features=meta.width,
            values=len(columns.values),
            horizon=recipe.data.horizon,
            future=meta.ahead,
            **options(recipe, meta),
        )

    return build


def no_decomposition(recipe: Recipe, meta: SeriesMeta) -> dict:
    """A roll-out forecasts a step at a time: nothing is taken out for the whole horizon."""
    model = recipe.model
    asked = {key: getattr(model, key) for key in ("decomposition", "residual_of", "initial_season")}
    for key, value in asked.items():
        if value not in ("none", None, "window"):
            raise RecipeError(
                f"model.{key} {value}: needs mapping many_to_one (a direct head forecasts "
                "what the network adds for the whole horizon)"
            )
    return {}


_direct = _builder(DirectForecaster, lambda recipe, meta: {"norm": smoothing(recipe, meta)})


def build_direct(recipe: Recipe, meta: SeriesMeta) -> nn.Module:
    """One direct forecaster, or train.ensemble of them forecasting their median."""
    members = [_direct(recipe, meta) for _ in range(recipe.train.ensemble or 1)]
    return members[0] if len(members) == 1 else Ensemble(members)


build_autoregressive = _builder(AutoregressiveForecaster, no_decomposition)


def check_positive(recipe: Recipe, split: SeriesSplit) -> None:
    """A multiplicative decomposition divides by the values: none may be zero or below."""
    low = split.raw.min()
    if recipe.model.decomposition == "multiplicative" and low <= 0:
        raise DataError(
            f"{recipe.data.path}: a value of {low:.6g}; model.decomposition multiplicative "
            "needs every value above zero, use additive"
        )


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
    inputs = [name for name in meta.columns.inputs if name not in meta.future]  # cycles: ahead
    if steps > 1 and inputs:
        raise UsageError(
            f"{asked} {steps}: rolling out past one step needs future values of the input "
            f"columns ({', '.join(inputs)}), which the data does not have; use {asked} 1, "
            "mapping many_to_one, or name them in data.future_columns if they are known ahead"
        )
