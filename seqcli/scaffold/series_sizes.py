"""How far a forecaster reads and forecasts, and how its rows split, from the frequency and
the number of rows."""

from __future__ import annotations

import math

import numpy as np

from seqcli.scaffold.calendar import Frequency
from seqcli.scaffold.draft import Draft
from seqcli.scaffold.seasonality import repeats

LONGEST_READ = 8  # horizons a window reads at most when two seasons would be longer
SEASONS_NEEDED = 3  # fewer seasons than this in a series teach little about the season
MOST_HELD_OUT = 0.5  # validation and test together; the rest trains
# Two one-row forecasts each to validate and to test, within MOST_HELD_OUT of the rows.
FEWEST_ROWS = math.ceil(2 * 2 / MOST_HELD_OUT)


def add_forecast_sizes(
    draft: Draft, frequency: Frequency, rows: int, values: np.ndarray, *, dated: bool
) -> None:
    season = season_of(draft, frequency, rows, values)
    horizon = min(frequency.horizon, max(1, rows // 10))
    held = held_out(rows, horizon)
    while 2 * held > MOST_HELD_OUT and horizon > 1:
        horizon = max(1, horizon // 2)
        held = held_out(rows, horizon)
    lookback, read = lookback_of(season, horizon)
    lookback = max(2, min(lookback, rows // 4))
    draft.add("data", "lookback", lookback, f"{read}: rows read for each forecast")
    draft.add("data", "horizon", horizon, horizon_why(frequency, horizon))
    draft.add("data", "test_fraction", held, f"the last {held:.0%} of rows: forecasts to score")
    draft.add("data", "val_fraction", held, "the rows before the test: they pick best.pt")
    draft.add("data", "scaling", "standard", "fitted on the training rows only")
    draft.add("data", "season", season, season_why(season))
    if dated and not frequency.name:
        draft.unsure.append("the dates step unevenly: set data.horizon and data.season")


def season_of(draft: Draft, frequency: Frequency, rows: int, values: np.ndarray) -> float | None:
    """The first season the calendar suggests that the values repeat at; None, said, when the
    series is too short to tell or the values do not repeat."""
    held = [s for s in frequency.seasons if rows >= SEASONS_NEEDED * s]
    if frequency.seasons and not held:
        draft.unsure.append(
            f"{rows} rows hold fewer than {SEASONS_NEEDED} seasons of "
            f"{frequency.seasons[0]:g}: no season guessed; set data.season if the data repeats"
        )
        return None
    season = next((s for s in held if repeats(values, s)), None)
    if season is None and held:
        every = " or ".join(f"{s:g}" for s in held)
        draft.unsure.append(
            f"the values do not repeat every {every} rows (their autocorrelation): no season "
            "guessed; set data.season if they do"
        )
    return season


def lookback_of(season: float | None, horizon: int) -> tuple[int, str]:
    """Two seasons, unless a season is long (a year of days): then eight horizons."""
    if season is None:
        return max(2 * horizon, 12), "twice the horizon"
    if 2 * season > LONGEST_READ * horizon:
        return LONGEST_READ * horizon, f"{LONGEST_READ} horizons (two seasons would be long)"
    return 2 * round(season), "two seasons"


def held_out(rows: int, horizon: int) -> float:
    """A share of rows that holds two whole forecasts, rounded up to a hundredth, >= 0.1."""
    return max(0.1, math.ceil(100 * 2 * horizon / max(rows, 1)) / 100)


def horizon_why(frequency: Frequency, horizon: int) -> str:
    if not frequency.name:
        return "rows forecast at once; no frequency to suggest more"
    return f"{frequency.name} data: {horizon} rows ahead at once"


def season_why(season: float | None) -> str:
    if season is None:
        return "no season found: no seasonal-naive baseline; set one if the data repeats"
    return f"the values repeat every {season:g} rows: the seasonal baselines' period"
