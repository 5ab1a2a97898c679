"""A forecast's history from another file (generate --input-file): the last rows of one series.
The window reads data.lookback rows, the plot and the baselines at most HISTORY_ROWS (what a
run keeps of its own series), so a file of one series is read from its end instead of parsed
whole: a 5-million-row file took 24 s and 1 GB of memory to continue. A panel or a folder is
read whole, since which rows are the series asked for (or the last) shows only at the end."""

from __future__ import annotations

import io
import os
import re
from itertools import chain
from pathlib import Path
from typing import BinaryIO

import numpy as np

from seqcli.data.corpus import open_data
from seqcli.data.dates import Calendar, calendar_of
from seqcli.data.forecast_data import SeriesMeta, with_cycles
from seqcli.data.missing import completed, read_complete
from seqcli.data.panel import grouped, one_series
from seqcli.data.series import LONGEST_ROW, Columns, Table, read_rows
from seqcli.data.series_folder import read_table
from seqcli.errors import DataError

BLOCK = 1 << 16  # bytes read at a time, backwards from the end
# A blank line (no row, in a file of several columns), found from the line end before it.
BLANK = re.compile(rb"\n[ \t\r,]*(?=\n)")


def history_of_file(
    path: Path, meta: SeriesMeta, missing: str, series: str | None = None, *, rows=None
) -> tuple[np.ndarray, Calendar | None, int]:
    """One series' rows (data units), its dates' calendar, and the row of its series the first
    row is: read from another file or folder with the run's columns and data.missing, the
    series named or the last in the file. rows: how many last rows are needed (None: all)."""
    # data.missing drop: a row's number in its series counts only the whole rows before it,
    # which the lines before a tail do not tell.
    whole = rows is None or series is not None or meta.columns.series is not None
    whole = whole or missing == "drop"
    if whole or path.is_dir():
        table, panel = grouped(read_table(path, meta.columns, missing))
        table, first = one_series(table, panel, series, str(path)), 0
    else:
        table, first = read_tail(path, meta.columns, missing, rows)
    form = meta.calendar.format if meta.calendar is not None else None
    calendar = None if table.dates is None else calendar_of(table.dates, form, str(path))
    table = with_cycles(table, meta.cycles, calendar, str(path))
    return table.features, calendar, first


def read_tail(path: Path, columns: Columns, missing: str, rows: int) -> tuple[Table, int]:
    """The last rows of a CSV file of one series (at least `rows`, more while the first has a
    gap that filling would read earlier rows for), and the number of the rows before it, rows
    data.missing drop would drop among them too (history_of_file reads those whole). Whatever
    the tail cannot read is read whole, so an error is the very line a whole read gives."""
    with open_data(path) as handle:
        header = handle.readline(LONGEST_ROW + 1)
        size = os.fstat(handle.fileno()).st_size
        wanted = rows if header.endswith(b"\n") and len(header) <= LONGEST_ROW else 0
        while wanted and (start := _tail_start(handle, size, len(header), wanted)) is not None:
            try:
                raw = _tail_table(path, handle, header, start, columns, missing)
            except (DataError, UnicodeDecodeError):
                break
            table = completed(path, raw, columns.features, missing)
            if start == len(header) or _enough(raw, table, rows):
                return table, _rows_before(handle, len(header), start, len(columns.features))
            wanted *= 4
    return read_complete(path, columns, missing), 0


def _enough(raw: Table, table: Table, rows: int) -> bool:
    """Rows enough, and the first one whole: interpolate and ffill then read no earlier row."""
    return len(table.features) >= rows and not np.isnan(raw.features[0]).any()


def _tail_table(path, handle: BinaryIO, header: bytes, start: int, columns, missing) -> Table:
    handle.seek(start)
    lines = (line.decode("utf-8") for line in io.BytesIO(handle.read()))  # split at \n only
    return read_rows(path, chain([header.decode("utf-8")], lines), columns, missing=missing)


def _tail_start(handle: BinaryIO, size: int, header_end: int, wanted: int) -> int | None:
    """The byte the last `wanted` lines start at (header_end: the file holds no more); None
    past a line longer than LONGEST_ROW, which the whole read refuses naming its number."""
    handle.seek(max(size - 1, 0))
    need = wanted + (handle.read(1) == b"\n")  # the last line's own end is not one before it
    position = line_end = size
    while position > header_end:
        step = min(BLOCK, position - header_end)
        position -= step
        handle.seek(position)
        block, end = handle.read(step), step
        while (found := block.rfind(b"\n", 0, end)) >= 0:
            need -= 1
            end, line_end = found, position + found
            if need == 0:
                return line_end + 1
        if line_end - position > LONGEST_ROW:
            return None
    return header_end


def _rows_before(handle: BinaryIO, header_end: int, start: int, width: int) -> int:
    """The rows in the whole lines between the header and the tail: every line, less the
    blank ones in a file of several columns (in a file of one, a blank line is an empty cell)."""
    if start == header_end:
        return 0
    handle.seek(header_end - 1)  # from the header's line end, so each line follows one
    left, carry = start - header_end + 1, b""
    ends = blanks = 0
    while left > 0:
        chunk = handle.read(min(BLOCK, left))
        left -= len(chunk)
        ends += chunk.count(b"\n")
        data = carry + chunk
        cut = data.rfind(b"\n")
        blanks += len(BLANK.findall(data, 0, cut + 1))
        carry = data[cut:]
    lines = ends - 1  # the header's own line end
    return lines if width == 1 else lines - blanks
