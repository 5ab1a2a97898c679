"""Every PNG seqcli draws: compare-cells' curves, train --diagnose's gradient flow, a
forecast, a translation's attention, a Hopfield network's capacity. matplotlib is imported
inside each function (it is slow to import and only these commands need it) and used through
Figure objects, so no GUI backend and no global pyplot state are involved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from seqcli.errors import UsageError
from seqcli.recipe.outputs import Output, write_output
from seqcli.ui import wrote

if TYPE_CHECKING:  # `seqcli --help` imports this module (plot's --x-axis), never numpy
    import numpy as np

# A forecast plot shows this many history rows per forecast step, at least FEWEST_HISTORY_ROWS:
# 7 steps after 500 rows of history were squeezed against the right edge.
HISTORY_PER_STEP = 4
FEWEST_HISTORY_ROWS = 30


@dataclass(frozen=True)
class ForecastFigure:
    names: tuple[str, ...]  # the value columns, one panel each
    history: np.ndarray  # (T, V) the rows the forecast continues, data units
    forecast: list[np.ndarray]  # (C, V, Q) chunks, S rows in all, filled as the CSV streams
    levels: tuple[float, ...] = (0.5,)  # the quantiles of the last axis; 0.5 is the line
    dates: list | None = None  # datetimes of the history rows then the forecast rows, if dated
    date_name: str = "date"  # the data's date column, the x axis's title when dated
    series: str | None = None  # the series of several it continues (--series), the title


@dataclass(frozen=True)
class CapacityFigure:
    units: int  # N
    noise: float  # share of each pattern's units flipped in its probe
    counts: tuple[int, ...]  # P, the patterns stored
    recalled: dict[str, list[float]]  # network kind -> share of the P recalled, per count
    overlap: dict[str, list[float]]  # network kind -> mean overlap of recall and pattern
    limit: float  # the classical capacity in patterns per unit, drawn as a line


def new_figure(
    rows: int | None = None, *, columns: int = 1, figsize: tuple[float, float] = (8, 4.5)
):
    """A Figure detached from pyplot (no backend, no global state) and its axes: one, or a
    grid of `rows` x `columns` panels, row by row."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, dpi=100, layout="constrained")
    if rows is None:
        return figure, figure.subplots()
    return figure, figure.subplots(rows, columns, squeeze=False).ravel()


def save_figure(figure, path: Path | BinaryIO, *, flag: str) -> None:
    """Write the PNG through the write door; a path that cannot be written is the user's flag
    at fault. A handle is a run folder's file, opened and reported on by RunFolder."""
    if not isinstance(path, Path):
        figure.savefig(path, format="png")
        return

    def draw(handle: BinaryIO) -> None:
        figure.savefig(handle, format="png", bbox_inches="tight")  # no label cut at the edge

    write_output(path, draw, figure_output(flag))
    wrote(path)


def figure_output(flag: str) -> Output:
    """A PNG a flag names: checked by check_output before the work, written by save_figure."""
    return Output(flag, suffixes=(".png",))


def plot_gradient_flow(curves: dict[str, Sequence[float]], path: Path | BinaryIO):
    """One line per variant: |d loss / d x_t| against t, on a log scale."""
    figure, axes = new_figure()
    for label, values in curves.items():
        points = [(t, v) for t, v in enumerate(values) if v > 0]  # log scale has no zero
        axes.plot([t for t, _ in points], [v for _, v in points], label=label)
    axes.set_yscale("log")
    axes.set_xlabel("input step t")
    axes.set_ylabel("mean |d loss / d x_t|")
    axes.set_title("gradient flow over time")
    axes.legend(fontsize="small")
    figure.savefig(path, format="png")
    return path


def plot_learning_curves(
    curves: dict[str, Sequence[tuple[int, float]]],
    path: Path,
    *,
    metric: str,
    log: bool,
    groups: dict[str, str],
) -> Path:
    """One line per run, the validation metric against the step; runs of one group (the
    seeds of a variant) share a colour and one legend entry."""
    figure, axes = new_figure()
    colours = {group: f"C{i % 10}" for i, group in enumerate(dict.fromkeys(groups.values()))}
    labelled = set()
    for name, points in curves.items():
        group = groups[name]
        label = None if group in labelled else group
        labelled.add(group)
        axes.plot(
            [s for s, _ in points],
            [v for _, v in points],
            color=colours[group],
            label=label,
            marker=".",
            alpha=0.8,
        )
    if log:
        readable_log_ticks(axes)
    axes.set_xlabel("step")
    axes.set_ylabel(f"validation {metric}")
    seeded = len(set(groups.values())) < len(groups)
    axes.set_title("learning curves (one line per seed)" if seeded else "learning curves")
    axes.legend(fontsize="small")
    figure.savefig(path, format="png")
    return path


def readable_log_ticks(axes) -> None:
    """A log y axis labelled in plain numbers at 1, 2 and 5 of each decade: matplotlib's
    default labels only powers of ten, none at all on a curve within one decade."""
    from matplotlib import ticker

    axes.set_yscale("log")
    plain = ticker.FuncFormatter(lambda value, _: f"{value:.3g}")
    axes.yaxis.set_major_formatter(plain)
    axes.yaxis.set_minor_locator(ticker.LogLocator(subs=(2.0, 5.0)))
    axes.yaxis.set_minor_formatter(plain)


def history_rows(steps: int, available: int) -> int:
    """History rows a forecast of `steps` is drawn after: in proportion, within what there is."""
    return min(available, max(HISTORY_PER_STEP * steps, FEWEST_HISTORY_ROWS))


def plot_forecast(data: ForecastFigure, path: Path) -> None:
    """The latest history and the forecast of every value column, one panel each."""
    save_figure(forecast_figure(data), path, flag="--plot")


def forecast_figure(data: ForecastFigure):
    import numpy as np

    figure, axes = new_figure(len(data.names), figsize=(9, 3 * len(data.names)))
    outputs = np.concatenate(data.forecast)  # (S, V, Q)
    forecast = outputs[..., data.levels.index(0.5)]  # (S, V)
    shown = history_rows(len(forecast), len(data.history))
    history = data.history[-shown:]  # (H, V)
    rows = np.arange(-shown + 1, len(forecast) + 1)
    dates = None if data.dates is None else data.dates[len(data.history) - shown :]
    x = rows if dates is None else np.asarray(dates, dtype="datetime64[s]")
    past, ahead = x[:shown], x[shown - 1 :]  # the lines join
    for column, (name, axis) in enumerate(zip(data.names, axes, strict=True)):
        axis.plot(past, history[:, column], label="history")
        joined = np.concatenate([history[-1:, column], forecast[:, column]])
        axis.plot(ahead, joined, linestyle="--", label="forecast")
        if len(data.levels) > 1:  # the widest interval the quantiles make
            low, high = outputs[:, column, 0], outputs[:, column, -1]
            band = f"{data.levels[0]:g} to {data.levels[-1]:g} quantiles"
            axis.fill_between(ahead[1:], low, high, alpha=0.25, label=band)
        axis.set_ylabel(name)
        axis.legend(loc="upper left")
    axes[-1].set_xlabel("rows after the last known one" if dates is None else data.date_name)
    axes[0].set_title(forecast_title(data, len(forecast), shown))
    if dates is not None:
        figure.autofmt_xdate()  # slanted, so dates of every width stay legible
    return figure


def forecast_title(data: ForecastFigure, steps: int, shown: int) -> str:
    series = "" if data.series is None else f" of series {data.series}"
    names = ", ".join(data.names)
    return f"{names}{series}: {steps} steps forecast after the last {shown} rows"


def plot_attention(rows: list[dict], path: Path) -> None:
    """A heat map of one sentence: target tokens down, source tokens across, as in Bahdanau
    et al. 2015, Fig. 3."""
    if len(rows) != 1:
        raise UsageError(
            f"--attention {path}: a PNG shows one sentence, got {len(rows)}; "
            "use a .json file for several"
        )
    save_figure(attention_figure(rows[0]), path, flag="--attention")


def attention_figure(row: dict):
    # At least ATTENTION_HEIGHT inches tall: the axis titles are longer than a short sentence.
    height = max(ATTENTION_HEIGHT, 1 + 0.4 * len(row["target"]))
    figure, axes = new_figure(figsize=(2 + 0.5 * len(row["source"]), height))
    image = axes.imshow(row["weights"], cmap="bone", vmin=0, vmax=1)
    axes.set_xticks(range(len(row["source"])), row["source"], rotation=90)
    axes.set_yticks(range(len(row["weights"])), row["target"])
    axes.set_xlabel("source (read by the encoder)")
    axes.set_ylabel("target (written by the decoder)")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="attention weight")
    return figure


ATTENTION_HEIGHT = 3.5


TICK_LABELS = {"\n": "\\n", " ": "·", "\t": "\\t"}  # steps that would not show as a tick label
MOST_TICKS = 120  # beyond this many steps, label every k-th so the labels stay legible


def plot_gates(panels: list[tuple[str, np.ndarray, tuple[float, float]]], steps, path) -> None:
    """Heat maps of a layer's records and h, units down and steps across, the input along
    the time axis; gates on 0..1, other records on ± their largest |value|."""
    width = min(max(6.0, 2 + 0.12 * len(steps)), 30.0)
    figure, axes = new_figure(len(panels), figsize=(width, 1 + 1.8 * len(panels)))
    every = -(-len(steps) // MOST_TICKS)  # ceiling division
    ticks = list(range(0, len(steps), every))
    labels = [TICK_LABELS.get(steps[t], steps[t]) for t in ticks]
    for (title, values, (low, high)), axis in zip(panels, axes, strict=True):
        image = axis.imshow(
            values, aspect="auto", cmap="RdBu_r", vmin=low, vmax=high, interpolation="nearest"
        )
        axis.set_title(title, fontsize="small", loc="left")
        axis.set_ylabel("unit")
        axis.set_xticks(ticks, labels, fontsize="x-small")
        figure.colorbar(image, ax=axis, fraction=0.02, pad=0.01)
    save_figure(figure, path, flag="--plot")


def plot_capacity(data: CapacityFigure, path: Path | BinaryIO) -> None:
    """Share of patterns recalled against P / N, one line per kind of network, with the
    classical limit marked."""
    figure, axes = new_figure()
    loads = [count / data.units for count in data.counts]
    for kind, shares in data.recalled.items():
        axes.plot(loads, shares, marker=".", label=kind)
    axes.axvline(data.limit, color="grey", linestyle="--", label=f"{data.limit} N")
    axes.set_xlabel(f"patterns stored / units (N = {data.units})")
    axes.set_ylabel("share of patterns recalled")
    axes.set_title(f"recall from {data.noise:.0%} flipped units")
    axes.set_ylim(-0.02, 1.02)
    axes.legend()
    save_figure(figure, path, flag="--capacity")
