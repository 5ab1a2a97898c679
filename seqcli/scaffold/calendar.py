"""A series' frequency from its dates, and what it means for a forecast: how far ahead, and
how many rows make a season."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from seqcli.data.dates import ONE_SERIES, check_order
from seqcli.scaffold.columns import Column, parse_date

DAY = 86_400.0


@dataclass(frozen=True)
class Frequency:
    name: str
    months: int  # calendar months per row; 0: the step is in seconds
    seconds: float
    seasons: tuple[float, ...]  # rows per season the calendar suggests, likeliest first
    horizon: int  # rows ahead worth forecasting at once


FREQUENCIES = (
    Frequency("yearly", 12, 0, (), 5),
    Frequency("quarterly", 3, 0, (4,), 4),
    Frequency("monthly", 1, 0, (12,), 12),
    Frequency("weekly", 0, 7 * DAY, (52.18,), 4),
    Frequency("daily", 0, DAY, (7, 365.25), 7),
    Frequency("hourly", 0, 3600, (24, 168), 24),
    Frequency("half-hourly", 0, 1800, (48, 336), 48),
    Frequency("minutely", 0, 60, (60, 1440), 60),
)
UNKNOWN = Frequency("", 0, 0, (), 1)


def frequency_of(path, dates: Column, rows: int) -> Frequency:
    """The frequency the first `rows` dates step by most often (UNKNOWN if none listed);
    dates that go back or repeat among them are refused, as training would."""
    cells = list(dates.cells[:rows])
    parsed = [parse_date(cell, dates.date_format) for cell in cells]
    check_order(parsed, cells, ONE_SERIES, f"{path}: column '{dates.name}'")
    pairs = list(zip(parsed, parsed[1:], strict=False))
    if not pairs:
        return UNKNOWN
    # Months have uneven days, so same-day-of-month steps count in months (as data/dates.py).
    if all(a.day == b.day and a.time() == b.time() for a, b in pairs):
        months = Counter((b.year - a.year) * 12 + b.month - a.month for a, b in pairs).most_common(
            1
        )[0][0]
        return next((f for f in FREQUENCIES if f.months == months), UNKNOWN)
    seconds = Counter((b - a).total_seconds() for a, b in pairs).most_common(1)[0][0]
    return next((f for f in FREQUENCIES if not f.months and f.seconds == seconds), UNKNOWN)
