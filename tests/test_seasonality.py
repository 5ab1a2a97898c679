"""seqcli init's season: the calendar proposes it, the values' autocorrelation confirms it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.scaffold.seasonality import autocorrelation, repeats


def test_the_autocorrelation_is_the_lagged_sum_of_products_over_the_sum_of_squares():
    # 1, 2, 3, 4: centred -1.5, -0.5, 0.5, 1.5, sum of squares 5;
    # lag 1: (0.75 - 0.25 + 0.75) / 5, lag 2: (-0.75 - 0.75) / 5 (Box & Jenkins' r_k).
    assert autocorrelation(np.array([1.0, 2, 3, 4]), 2) == pytest.approx([1.0, 0.25, -0.3])


def seasonal(rows: int, period: float, trend: float = 0.0, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 0.3, rows)
    k = np.arange(rows)
    return 10 + trend * k + np.sin(2 * math.pi * k / period) + noise


def test_a_season_under_a_trend_is_found_and_a_slow_decay_is_not_one():
    assert repeats(seasonal(240, 12, trend=0.5), 12)  # the differences show the bump
    walk = np.cumsum(np.random.default_rng(1).normal(size=240))  # decays, no bump at 12
    assert not repeats(walk, 12)


def test_noise_and_another_period_are_not_the_calendars_season():
    assert not repeats(np.random.default_rng(2).normal(size=400), 12)
    assert not repeats(seasonal(400, 132), 12)  # sunspots' 11 years of months


def dated(path, values, start="2000-01-01", unit="D"):
    dates = np.datetime64(start) + np.arange(len(values)).astype(f"timedelta64[{unit}]")
    rows = [f"{d},{v:.4f}" for d, v in zip(dates, values, strict=True)]
    path.write_text("date,sales\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def init(tmp_path, data) -> tuple[dict, str]:
    out = tmp_path / "recipe.yaml"
    result = CliRunner().invoke(app, ["init", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    return yaml.safe_load(out.read_text(encoding="utf-8")), result.stderr


def test_days_that_repeat_by_the_year_get_that_season_and_a_shorter_window(tmp_path):
    # Ten years, as the shipped daily temperatures: Bartlett's band at a lag of a year is wide.
    raw, _ = init(tmp_path, dated(tmp_path / "temps.csv", seasonal(3653, 365.25)))
    assert (raw["data"]["season"], raw["data"]["lookback"]) == (365.25, 56)  # 8 horizons


def test_months_without_a_yearly_season_get_none_and_say_which_key_sets_one(tmp_path):
    monthly = np.datetime64("1900-01") + np.arange(400)
    values = seasonal(400, 132)
    rows = [f"{d},{v:.4f}" for d, v in zip(monthly, values, strict=True)]
    data = tmp_path / "spots.csv"
    data.write_text("month,sales\n" + "\n".join(rows) + "\n", encoding="utf-8")
    raw, said = init(tmp_path, data)
    assert raw["data"]["season"] is None
    assert "do not repeat every 12 rows" in said and "data.season" in said
