"""Which column of the user's file plays which role, said before training: a minimal series
recipe forecasts the last column, and a user should see that rather than find it out."""

from __future__ import annotations

import csv
from contextlib import closing

from seqcli.data.forecast_data import recipe_columns
from seqcli.data.labelled import DELIMITERS, QUOTING, decoded_lines
from seqcli.data.series import file_header
from seqcli.data.series_folder import header_file
from seqcli.recipe import SeriesData

Roles = tuple[tuple[str, str], ...]  # (role, the columns or what it is), in reading order

GUESSED_TARGET = "the last column; data.value_columns names others"
NO_DATE = "none; rows are numbered (data.date_column names one)"


def series_roles(config: SeriesData) -> Roles:
    """Target, inputs, date, series and the columns no role reads."""
    columns = recipe_columns(config)
    used = {*columns.features, columns.date, columns.series}
    ignored = [name for name in file_header(header_file(config.path)) if name not in used]
    target = ", ".join(columns.values)
    roles = [("target", target if config.value_columns else f"{target} ({GUESSED_TARGET})")]
    roles.append(("inputs", ", ".join(columns.inputs) or "none besides the target"))
    roles.append(("date", columns.date or NO_DATE))
    if columns.series is not None:
        roles.append(("series", columns.series))
    roles.append(("ignored", ", ".join(ignored) or "none"))
    return tuple(roles)


def table_roles(config) -> Roles:
    """The label and text columns of a table, by name or position, and the others."""
    first = _first_row(config)
    names = first if config.header else [f"column {i}" for i in range(len(first))]
    chosen = {"label": config.label_column, "text": config.text_column}
    shown = {
        role: names[c] if isinstance(c, int) and c < len(names) else str(c)
        for role, c in chosen.items()
    }
    ignored = [name for name in names if name not in shown.values()]
    return (*shown.items(), ("ignored", ", ".join(ignored) or "none"))


def _first_row(config) -> list[str]:
    """The cells of the table's first non-blank row (its header, when it has one)."""
    delimiter = config.delimiter or DELIMITERS[config.path.suffix.lower()]
    with closing(decoded_lines(config.path)) as lines:
        first = next((line for line in lines if line.strip()), "")
    quoting = QUOTING.get(delimiter, csv.QUOTE_MINIMAL)
    return [
        cell.strip() for cell in next(csv.reader([first], delimiter=delimiter, quoting=quoting))
    ]


# data.format -> its column roles; a format whose columns the recipe always names has none.
ROLES = {"series": series_roles, "table": table_roles}


def data_roles(config) -> Roles:
    """The roles of the data section's columns, or () for a format that has no choice."""
    describe = ROLES.get(config.format)
    return describe(config) if describe else ()
