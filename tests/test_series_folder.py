"""Several series as a folder of CSV files, one per series (data.path a folder): the same
global model and per-series scores as data.series_column gives one long file."""

from __future__ import annotations

import numpy as np
import pytest

from seqcli.errors import DataError
from tests.series_helpers import detail, series_recipe, untrained_run, write_csv


def panel_folder(folder, levels=(("a", 10), ("b", 100), ("c", 1000))):
    """One monthly wave per file, each at its own level, dated alike."""
    folder.mkdir()
    for name, level in levels:
        wave = level + level / 10 * np.sin(2 * np.pi * np.arange(72) / 12)
        lines = ["month,v"] + [
            f"{1900 + t // 12}-{t % 12 + 1:02d},{value!r}" for t, value in enumerate(wave.tolist())
        ]
        write_csv(folder / f"{name}.csv", "\n".join(lines) + "\n")
    return folder


def long_csv(path, folder):
    """The folder's files as one table with an id column."""
    rows = ["id,month,v"]
    for file in sorted(folder.iterdir()):
        rows += [f"{file.stem},{line}" for line in file.read_text().splitlines()[1:]]
    return write_csv(path, "\n".join(rows) + "\n")


def test_a_folder_scores_each_series_exactly_as_a_series_column_does(tmp_path):
    folder = panel_folder(tmp_path / "series")
    run, data = untrained_run(
        series_recipe(folder, date_column="month", lookback=6, test_size=12, season=None)
    )
    test = data.splits["test"]
    assert test.panel.names == ("a", "b", "c") and len(test) == 3 * 12
    by_folder = run.task.evaluate(run, test)["details"]
    long = series_recipe(
        long_csv(tmp_path / "l.csv", folder),
        series_column="id",
        date_column="month",
        lookback=6,
        test_size=12,
        season=None,
    )
    long_run, long_data = untrained_run(long)
    by_column = long_run.task.evaluate(long_run, long_data.splits["test"])["details"]
    rows = detail(by_folder, "each series")["rows"]
    assert [row[:2] for row in rows] == [["a", 10], ["b", 10], ["c", 10]]
    assert rows == detail(by_column, "each series")["rows"]
    assert np.allclose(data.splits["train"].raw, long_data.splits["train"].raw)


@pytest.mark.parametrize(
    ("arrange", "message"),
    [
        (lambda folder: None, "the folder is empty; put one .csv file per series in it"),
        (
            lambda folder: (folder / "notes.txt").write_text("hi\n"),
            "notes.txt: not a .csv file",
        ),
        (
            lambda folder: (
                write_csv(folder / "a.csv", "month,v\n1900-01,1\n"),
                write_csv(folder / "b.csv", "month,w\n1900-01,1\n"),
            ),
            "b.csv:1: columns month, w; a.csv has month, v: every file of the folder needs",
        ),
    ],
    ids=["empty", "not-csv", "different-columns"],
)
def test_a_bad_folder_is_refused_in_one_line(tmp_path, arrange, message):
    folder = tmp_path / "series"
    folder.mkdir()
    arrange(folder)
    with pytest.raises(DataError, match=message.replace(".", r"\.")):
        untrained_run(
            series_recipe(folder, date_column="month", lookback=6, test_size=12, season=None)
        )


def test_hidden_files_in_the_folder_are_not_series(tmp_path):
    # A folder copied from a Mac holds .DS_Store and ._a.csv beside the series.
    folder = panel_folder(tmp_path / "series")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    (folder / "._a.csv").write_bytes(b"\x00\x05\x16\x07")
    run, data = untrained_run(series_recipe(folder, date_column="month", lookback=6, test_size=12))
    assert data.meta.series_names == ("a", "b", "c")
