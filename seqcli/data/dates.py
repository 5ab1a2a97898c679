"""Dates of a series' rows: recognise their format and continue them past the last row."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from pydantic import Field, model_validator

from seqcli.data.forms import Form
from seqcli.errors import DataError
from seqcli.recipe.numeric_formats import DATE_FORMATS


class CalendarForm(Form):
    format: str
    last: str
    months: int = Field(ge=0)
    seconds: float = Field(ge=0)

    @model_validator(mode="after")
    def _dates_continue(self) -> CalendarForm:
        try:
            datetime.strptime(self.last, self.format)
        except ValueError:
            raise ValueError(f"last: {self.last!r} is not a date in {self.format!r}") from None
        if not (self.months or self.seconds):
            raise ValueError("months: 0 and seconds 0; dates would not advance")
        return self


@dataclass(frozen=True)
class Calendar:
    """How to write the dates after the last row: its format and a step in months or seconds."""

    format: str
    last: str
    months: int  # calendar months per row (monthly, quarterly, yearly data); 0: use seconds
    seconds: float

    def after(self, count: int) -> Iterator[str]:
        """The next `count` dates after the last row, one at a time."""
        start = datetime.strptime(self.last, self.format)
        return (self._shift(start, k).strftime(self.format) for k in range(1, count + 1))

    def span(self, first: int, last: int) -> list[datetime]:
        """The dates of rows first..last counted from the last row (0; negative: before it),
        as a plot's x positions."""
        start = datetime.strptime(self.last, self.format)
        return [self._shift(start, k) for k in range(first, last + 1)]

    def check_reach(self, count: int, flag: str) -> None:
        """Refuse `count` rows whose dates would pass the last one a date can name (year
        9999), before any is computed or the forecast that needs them."""
        start = datetime.strptime(self.last, self.format)
        if self.months:
            fits = start.month - 1 + self.months * count < (datetime.max.year - start.year + 1) * 12
        else:
            fits = self.seconds * count <= (datetime.max - start).total_seconds()
        if not fits:
            raise DataError(
                f"{flag} {count:,}: that many rows after the series' last date ({self.last}) "
                f"would pass the year {datetime.max.year}, the last a date can name"
            )

    def parsed(self, dates: list[str], where: str) -> list[datetime]:
        """The rows' dates read with the run's format."""
        moments = _parse_all(dates, self.format)
        if moments is None:
            bad = next(text for text in dates if _parse_all([text], self.format) is None)
            raise DataError(f"{where}: date {bad!r} is not in the run's format {self.format!r}")
        return moments

    def _shift(self, start: datetime, k: int) -> datetime:
        if not self.months:
            return start + timedelta(seconds=self.seconds * k)
        month = start.month - 1 + self.months * k
        return start.replace(year=start.year + month // 12, month=month % 12 + 1)

    def to_dict(self) -> dict:
        return {
            "format": self.format,
            "last": self.last,
            "months": self.months,
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> Calendar | None:
        return None if data is None else cls(**CalendarForm.read(data).model_dump())


DAY = 86400.0
ONE_SERIES = np.array([0])  # where each series' rows start: one, from the first
# A date's place in a cycle: (rows per cycle, position of a date, the longest row step that
# still resolves it): an hourly series has hours and weekdays, a daily one weekdays and days
# of the year, a monthly or quarterly one months; a yearly one none.
CYCLES = {
    "hour": (24, lambda moment: moment.hour, DAY / 2),
    "day_of_week": (7, lambda moment: moment.weekday(), 3 * DAY),
    "day_of_year": (366, lambda moment: moment.timetuple().tm_yday - 1, 31 * DAY),
}


def cycles_for(calendar: Calendar | None, where: str) -> tuple[str, ...]:
    """The cycles the rows' step resolves (data.calendar)."""
    if calendar is None:
        raise DataError(f"{where}: data.calendar needs dates that advance by a regular step")
    if calendar.months:
        return ("month",) if calendar.months < 12 else ()
    return tuple(name for name, (*_, longest) in CYCLES.items() if calendar.seconds <= longest)


def cycle_columns(moments: list[datetime], cycles: tuple[str, ...]) -> np.ndarray:
    """(N, 2C) each date's sine and cosine of its place in each cycle: December sits next to
    January, as a number 1-12 would not have it."""
    table = {**CYCLES, "month": (12, lambda moment: moment.month - 1, 0.0)}
    columns = []
    for name in cycles:
        period, position, _ = table[name]
        angle = 2 * np.pi * np.array([position(moment) for moment in moments]) / period
        columns += [np.sin(angle), np.cos(angle)]
    return np.stack(columns, axis=1) if columns else np.zeros((len(moments), 0))


def cycle_names(cycles: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{name}_{part}" for name in cycles for part in ("sin", "cos"))


def calendar_of(
    dates: list[str], form: str | None, where: str, starts: np.ndarray = ONE_SERIES
) -> Calendar | None:
    """The dates' calendar, read with data.date_format when given, else recognised; a
    digits-only date such as 19580329 is refused rather than left as a row number, and dates
    that go back or repeat within a series (its rows start at `starts`) are refused."""
    if form is None:
        if any(text.isdigit() and len(text) > 4 for text in dates):
            example = next(text for text in dates if text.isdigit())
            raise DataError(
                f"{where}: date {example!r} is digits only, which could be many formats; set "
                "data.date_format, e.g. '%Y%m%d'"
            )
        found = recognised(dates)
        if found is None:
            return None
        form, parsed = found
    else:
        parsed = _parse_all(dates, form)
        if parsed is None:
            bad = next(text for text in dates if _parse_all([text], form) is None)
            raise DataError(f"{where}: date {bad!r} does not match data.date_format {form!r}")
    check_order(parsed, dates, starts, where)
    return _calendar(parsed, form, dates[-1]) if len(parsed) > 1 else None


def check_order(parsed: list[datetime], dates: list[str], starts: np.ndarray, where: str) -> None:
    """Refuse a date at or before the one above it in the same series: the rows are learned
    in the file's order, so a file saved newest first would teach the series backwards."""
    ends = set((starts[1:] - 1).tolist())  # the next series may start at any date
    pairs = enumerate(zip(parsed, parsed[1:], strict=False))
    row = next((k for k, (a, b) in pairs if b <= a and k not in ends), None)
    if row is not None:
        what, fix = OUT_OF_ORDER[parsed[row + 1] == parsed[row]]
        raise DataError(f"{where} {what}: {dates[row]!r} then {dates[row + 1]!r}; {fix}")


OUT_OF_ORDER = {  # by whether the date repeats
    False: ("goes back", "a series runs oldest first: sort the rows by date"),
    True: (
        "repeats",
        "a series has one row per date; several series in one file need a column naming each "
        "(data.series_column)",
    ),
}


def infer_calendar(dates: list[str]) -> Calendar | None:
    """The format every date parses with and the most common step; None when there is none
    (too few rows, mixed formats, or dates that do not advance)."""
    found = recognised(dates) if len(dates) >= 2 else None
    return None if found is None else _calendar(found[1], found[0], dates[-1])


def recognised(dates: list[str]) -> tuple[str, list[datetime]] | None:
    """The first known format every date parses with, and the dates parsed."""
    for form in DATE_FORMATS:
        parsed = _parse_all(dates, form)
        if parsed is not None:
            return form, parsed
    return None


def _parse_all(dates: list[str], form: str) -> list[datetime] | None:
    try:
        return [datetime.strptime(text, form) for text in dates]
    except ValueError:
        return None


def _calendar(parsed: list[datetime], form: str, last: str) -> Calendar | None:
    pairs = list(zip(parsed, parsed[1:], strict=False))
    # Month ends and leap days make day counts uneven, so a same-day-of-month series steps
    # in calendar months; anything finer steps in its most common number of seconds.
    if all(a.day == b.day and a.time() == b.time() for a, b in pairs):
        months, _ = Counter(_months(b) - _months(a) for a, b in pairs).most_common(1)[0]
        return Calendar(form, last, months, 0.0) if months > 0 else None
    seconds, _ = Counter((b - a).total_seconds() for a, b in pairs).most_common(1)[0]
    return Calendar(form, last, 0, seconds) if seconds > 0 else None


def _months(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1
