"""The pictures: a smoothed loss that does not lag, a forecast drawn in proportion, labels
inside the image, and every file written announced."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from seqcli.ui.curves import smoothed
from seqcli.ui.figures import (
    FEWEST_HISTORY_ROWS,
    ForecastFigure,
    attention_figure,
    forecast_figure,
    history_rows,
    plot_attention,
    plot_forecast,
)
from seqcli.ui.files import write_file


def reference_smoothing(values: list[float], beta: float) -> list[float]:
    """Debiased EMA written from its definition: sum_i (1 - b) b^(t-i) x_i / (1 - b^t)."""
    out = []
    for t in range(1, len(values) + 1):
        weights = [(1 - beta) * beta ** (t - i) for i in range(1, t + 1)]
        out.append(sum(w * x for w, x in zip(weights, values[:t], strict=True)) / (1 - beta**t))
    return out


def test_the_smoothed_loss_is_the_debiased_moving_average():
    losses = [4.0, 3.1, 2.5, 2.2, 1.9, 1.95, 1.7, 1.65, 1.6, 1.62]
    assert smoothed(losses, 0.9) == pytest.approx(reference_smoothing(losses, 0.9))


def test_the_smoothed_loss_of_a_falling_curve_does_not_hang_on_its_first_value():
    losses = [10.0] + [1.0] * 9  # a first step far above the rest
    assert smoothed(losses)[-1] < 2.0  # the undebiased average started at 10 was 4.5 here


def sine_figure(history_rows: int, steps: int, **fields) -> ForecastFigure:
    history = np.sin(np.arange(history_rows) / 3.0)[:, None]  # (T, 1)
    forecast = [np.zeros((steps, 1, 1))]  # (S, V, Q)
    return ForecastFigure(("level",), history, forecast, **fields)


def test_a_short_forecast_is_drawn_after_a_history_in_proportion():
    figure = forecast_figure(sine_figure(500, 7))
    (past, _) = figure.axes[0].get_lines()
    assert len(past.get_xdata()) == history_rows(7, 500) == FEWEST_HISTORY_ROWS
    assert history_rows(20, 500) == 80 and history_rows(20, 50) == 50


def test_the_forecast_plot_has_a_title_naming_the_columns_and_steps():
    title = forecast_figure(sine_figure(500, 7, series="b")).axes[0].get_title()
    assert title == "level of series b: 7 steps forecast after the last 30 rows"


def test_a_dated_forecast_plot_keeps_its_dates_beside_the_rows_drawn():
    dates = [np.datetime64("2020-01-01") + np.timedelta64(d, "D") for d in range(507)]
    figure = forecast_figure(sine_figure(500, 7, dates=dates))
    past, ahead = figure.axes[0].get_lines()[:2]
    assert past.get_xdata()[0] == dates[500 - 30]
    assert ahead.get_xdata()[-1] == dates[-1]


def test_the_attention_picture_keeps_its_axis_titles_inside_the_image():
    row = {"source": ["a", "b"], "target": ["x", "<eos>"], "weights": [[0.5, 0.5], [1.0, 0.0]]}
    figure = attention_figure(row)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    box = figure.bbox
    for label in (figure.axes[0].yaxis.label, figure.axes[0].xaxis.label):
        extent = label.get_window_extent(renderer)
        assert box.y0 <= extent.y0 and extent.y1 <= box.y1 and box.x0 <= extent.x0


def test_every_file_written_is_announced_on_stderr(tmp_path: Path, capsys):
    row = {"source": ["a"], "target": ["x"], "weights": [[1.0]]}
    written = [tmp_path / "a.png", tmp_path / "f.png", tmp_path / "o.txt"]
    plot_attention([row], written[0])
    plot_forecast(sine_figure(40, 3), written[1])
    write_file(written[2], "text", flag="--output")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [f"wrote {path}" for path in written]
