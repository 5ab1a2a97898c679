"""How far a forecaster reads and forecasts, and how its rows split, from the frequency and
the number of rows."""

from __future__ import annotations

import math

from seqcli.scaffold.calendar import Frequency
from seqcli.scaffold.draft import Draft

SEASONS_NEEDED = 3  # fewer seasons than this in a series teach little about the season
MOST_HELD_OUT = 0.5  # validation and test together; the rest trains


def add_forecast_sizes(draft: Draft, frequency: Frequency, rows: int, *, dated: bool) -> None:
    season = frequency.season
    if season and rows < SEASONS_NEEDED * season:
        draft.unsure.append(
            f"{rows} rows hold fewer than {SEASONS_NEEDED} seasons of {season:g}: no season "
            "guessed; set data.season if the data repeats"
        )
        season = None
    horizon = min(frequency.horizon, max(1, rows // 10))
    held = held_out(rows, horizon)
    while 2 * held > MOST_HELD_OUT and horizon > 1:
        horizon = max(1, horizon // 2)
        held = held_out(rows, horizon)
    lookback = 2 * round(season) if season else max(2 * horizon, 12)
    lookback = max(2, min(lookback, rows // 4))
    read = "two seasons" if season else "twice the horizon"
    draft.add("data", "lookback", lookback, f"{read}: rows read for each forecast")
    draft.add("data", "horizon", horizon, horizon_why(frequency, horizon))
    draft.add("data", "test_fraction", held, f"the last {held:.0%} of rows: forecasts to score")
    draft.add("data", "val_fraction", held, "the rows before the test: they pick best.pt")
    draft.add("data", "scaling", "standard", "fitted on the training rows only")
    draft.add("data", "season", season, season_why(frequency, season))
    if dated and not frequency.name:
        draft.unsure.append("the dates step unevenly: set data.horizon and data.season")


def held_out(rows: int, horizon: int) -> float:
    """A share of rows that holds two whole forecasts, rounded up to a hundredth, >= 0.1."""
    return max(0.1, math.ceil(100 * 2 * horizon / max(rows, 1)) / 100)


def horizon_why(frequency: Frequency, horizon: int) -> str:
    if not frequency.name:
        return "rows forecast at once; no frequency to suggest more"
    return f"{frequency.name} data: {horizon} rows ahead at once"


def season_why(frequency: Frequency, season: float | None) -> str:
    if season is None:
        return "no season found: no seasonal-naive baseline; set one if the data repeats"
    return f"{frequency.name} data repeats every {season:g} rows: the seasonal-naive baseline"
