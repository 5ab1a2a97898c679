"""Which series of several generate continues: --series names one, read from --input-file or
the run's own data; without it, the last (as the run's stored history is)."""

from __future__ import annotations

import numpy as np
import pytest

from seqcli.errors import DataError
from tests.series_helpers import generated, generated_text, series_recipe, sine_csv, untrained_run
from tests.test_forecast_evaluation import panel_csv
from tests.test_series_folder import panel_folder


@pytest.fixture(scope="module")
def panel_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("panel")
    run, _ = untrained_run(
        series_recipe(panel_csv(folder / "p.csv"), series_column="id", lookback=6)
    )
    return run


def history_of(run, **options) -> np.ndarray:
    return generated(run, plot=True, **options).figure.history[:, 0]


def test_series_picks_the_rows_generate_continues(panel_run):
    levels = {name: history_of(panel_run, series=name).mean() for name in ("a", "b", "c")}
    assert levels == pytest.approx({"a": 10, "b": 100, "c": 1000}, rel=0.05)
    assert len(history_of(panel_run, series="a")) == 80  # that series' rows, none of another's
    assert generated(panel_run, plot=True, series="a").figure.series == "a"  # the plot's title


def test_the_last_series_is_the_default_and_the_stored_history(panel_run):
    assert generated_text(panel_run, series="c") == generated_text(panel_run)


def test_an_input_file_of_several_series_continues_one_not_all_of_them(panel_run, tmp_path):
    other = panel_csv(tmp_path / "other.csv", rows=40)
    assert len(history_of(panel_run, input_file=other)) == 40  # the last series, c
    assert history_of(panel_run, input_file=other, series="b").mean() == pytest.approx(
        100, rel=0.05
    )


def test_a_folder_run_continues_the_file_named(tmp_path):
    folder = panel_folder(tmp_path / "series")
    run, _ = untrained_run(
        series_recipe(folder, date_column="month", lookback=6, test_size=12, season=None)
    )
    assert history_of(run, series="b").mean() == pytest.approx(100, rel=0.05)


def test_a_series_not_in_the_data_is_refused_naming_those_that_are(panel_run):
    with pytest.raises(DataError, match=r"--series z: .*p\.csv has no such series; it has a, b, c"):
        generated(panel_run, series="z")


def test_a_run_of_one_series_refuses_series(tmp_path):
    run, _ = untrained_run(series_recipe(sine_csv(tmp_path / "s.csv")))
    with pytest.raises(DataError, match=r"--series a: .*s\.csv holds one series"):
        generated(run, series="a")


def test_a_long_history_is_plotted_as_far_back_as_the_stored_one(panel_run, tmp_path):
    other = panel_csv(tmp_path / "long.csv", rows=700)
    assert len(history_of(panel_run, input_file=other)) == 500  # HISTORY_ROWS, as the default
