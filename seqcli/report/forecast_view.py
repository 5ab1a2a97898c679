"""A forecaster's forecast on the page: what `seqcli generate --plot` draws (the history the
forecast continues, the median and the band of its outer quantiles), zoomable, dated where
the data has dates."""

from __future__ import annotations

import numpy as np

from seqcli.decoding.requests import Draw, Forecast, Request
from seqcli.engine.contract import Generates
from seqcli.engine.run import Run
from seqcli.report import charts
from seqcli.report.html import Named, chart
from seqcli.ui.figures import ForecastFigure


def forecast_view(run: Run, name: Named) -> tuple[str, dict[str, dict]]:
    """The forecast after the end of the series, data.horizon steps, as generate gives it."""
    request = Request(Draw(run.recipe.generate, seed=run.recipe.seed), forecast=Forecast(keep=True))
    assert isinstance(run.task, Generates), "every forecaster generates"
    generated = run.task.generate(run, request)
    for _ in generated.chunks:
        pass  # the rows stream out as they are made; the figure keeps them
    figure = generated.figure
    assert isinstance(figure, ForecastFigure), "a forecaster's generate gives its figure"
    key = f"forecast-{name.tag}"
    html = "<h3>The forecast after the series (generate --plot's figure)</h3>" + chart(key)
    return html, {key: charts.band(_points(figure), temporal=figure.dates is not None)}


def _points(figure: ForecastFigure) -> list[dict]:
    """History then forecast rows per value column: x, the line's y, the band's ends."""
    forecast = np.concatenate(figure.forecast)  # (S, V, Q)
    middle = figure.levels.index(0.5) if 0.5 in figure.levels else len(figure.levels) // 2
    shown = len(figure.history)
    xs = [_x(at) for at in figure.dates] if figure.dates else list(range(shown + len(forecast)))
    points = []
    for v, column in enumerate(figure.names):
        for t, value in enumerate(figure.history[:, v]):
            points.append({"panel": column, "series": "history", "x": xs[t], "y": float(value)})
        for s, quantiles in enumerate(forecast[:, v]):
            row = {"panel": column, "series": "forecast", "x": xs[shown + s]}
            low, high = float(quantiles.min()), float(quantiles.max())
            points.append({**row, "y": float(quantiles[middle]), "low": low, "high": high})
    return points


def _x(at) -> str:
    return at.isoformat() if hasattr(at, "isoformat") else str(at)
