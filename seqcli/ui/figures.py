"""PNG figures for compare-cells and train --diagnose. matplotlib is imported inside each
function (it is slow to import and only these commands need it) and used through Figure
objects, so no GUI backend and no global pyplot state are involved."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def new_figure(rows: int | None = None, *, figsize: tuple[float, float] = (8, 4.5)):
    """A Figure detached from pyplot (no backend, no global state) and its axes: one, or a
    column of `rows` panels."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, dpi=100, layout="constrained")
    if rows is None:
        return figure, figure.subplots()
    return figure, figure.subplots(rows, 1, squeeze=False)[:, 0]


def save_figure(figure, path: Path, *, flag: str) -> None:
    """Write the PNG; a path that cannot be written is the user's flag at fault."""
    from seqcli.errors import UsageError

    try:
        figure.savefig(path)
    except OSError as err:
        raise UsageError(f"{flag} {path}: cannot write ({err.strerror})") from None


def plot_gradient_flow(curves: dict[str, Sequence[float]], path: Path) -> Path:
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
    figure.savefig(path)
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
        axes.plot([s for s, _ in points], [v for _, v in points], color=colours[group],
                  label=label, marker=".", alpha=0.8)  # fmt: skip
    if log:
        axes.set_yscale("log")
    axes.set_xlabel("step")
    axes.set_ylabel(f"validation {metric}")
    axes.set_title("learning curves (one line per seed)")
    axes.legend(fontsize="small")
    figure.savefig(path)
    return path
