"""`seqcli plot`: the curves of one or several runs from their metrics.jsonl, a panel per
quantity (loss, each validation metric, learning rate, speed), a colour per run."""

from __future__ import annotations

from pathlib import Path

from seqcli.ui.figures import new_figure, save_figure

SMOOTHING = 0.9  # weight of the past in the smoothed training loss drawn over the raw one
NOT_CURVES = {"step", "split", "time", "epoch", "skipped"}  # when a row was taken; a flag
X_AXES = {"step": "step", "epoch": "epoch", "time": "seconds of training"}  # --x-axis: label


def panels(runs: dict[str, list[dict]]) -> list[tuple[str, str]]:
    """(split, key) per panel: loss first (train and val in one), then each validation
    metric, then the training lr and speed, as any run logged them."""
    keys = {
        split: dict.fromkeys(
            key
            for rows in runs.values()
            for row in rows
            if row.get("split") == split
            for key in row
            if key not in NOT_CURVES
        )
        for split in ("train", "val")
    }
    shown = [("loss", "loss")]
    shown += [("val", key) for key in keys["val"] if key != "loss"]
    shown += [("train", key) for key in ("lr", "speed") if key in keys["train"]]
    return shown


def plot_runs(runs: dict[str, list[dict]], path: Path, *, along: str = "step") -> Path:
    """Every run's curves against `along` (a key of X_AXES), two panels a row."""
    shown = panels(runs)
    columns = 2 if len(shown) > 1 else 1
    rows = -(-len(shown) // columns)
    figure, grid = new_figure(rows, columns=columns, figsize=(6.5 * columns, 3.6 * rows))
    for axes, (split, key) in zip(grid, shown, strict=False):
        for colour, (name, logged) in enumerate(runs.items()):
            _draw(axes, [r for r in logged if along in r], (split, key, along), f"C{colour}", name)
        _label(axes, split, key, several=len(runs) > 1)
        axes.set_xlabel(X_AXES[along])
    for axes in grid[len(shown) :]:
        axes.set_visible(False)
    save_figure(figure, path, flag="--out")
    return path


def _draw(axes, rows: list[dict], curve: tuple[str, str, str], colour: str, name: str) -> None:
    """One run's curve: (split, key, x key); the loss panel draws train and val."""
    split, key, along = curve
    if split == "loss":
        where, values = _series(rows, "train", "loss", along)
        axes.plot(where, values, color=colour, alpha=0.25, linewidth=0.8)
        axes.plot(where, smoothed(values), color=colour, label=f"{name} train")
        where, values = _series(rows, "val", "loss", along)
        axes.plot(where, values, color=colour, linestyle="--", marker="o", label=f"{name} val")
        return
    where, values = _series(rows, split, key, along)
    marker = "o" if split == "val" else None
    axes.plot(where, values, color=colour, marker=marker, markersize=4, label=name)


def _label(axes, split: str, key: str, *, several: bool) -> None:
    titles = {"loss": "loss (train smoothed over raw; val dashed)", "lr": "learning rate"}
    titles["speed"] = "training speed (tokens or examples per second)"
    axes.set_title(titles.get(key, f"validation {key}"), fontsize="medium")
    axes.set_ylabel(key)
    axes.grid(alpha=0.3)
    axes.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    if several or split == "loss":
        axes.legend(fontsize="small")


def _series(rows: list[dict], split: str, key: str, along: str) -> tuple[list, list[float]]:
    points = [
        (row[along], row[key])
        for row in rows
        if row.get("split") == split and isinstance(row.get(key), int | float)
    ]
    return [step for step, _ in points], [value for _, value in points]


def smoothed(values: list[float], beta: float = SMOOTHING) -> list[float]:
    """The exponential moving average, debiased as Adam's moments and TensorBoard's smoothing
    are: started at 0 and divided by 1 - beta^t. Started at the first value instead, the
    curve kept that (high) first loss for tens of steps and sat above validation."""
    out, level = [], 0.0
    for t, value in enumerate(values, start=1):
        level = beta * level + (1 - beta) * value
        out.append(level / (1 - beta**t))
    return out
