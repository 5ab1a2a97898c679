"""seqcli tune: the live table of trials, the study's summary, and its figures."""

from __future__ import annotations

from pathlib import Path

from rich.live import Live
from rich.table import Table

from seqcli.ui import err_console, info, warn, wrote
from seqcli.ui.figures import new_figure, save_figure
from seqcli.ui.numbers import metric_text

MARKS = {"complete": "o", "pruned": "x", "fail": "."}  # history plot: a trial's end


class TuneView:
    """One live row per trial of this process's (or its workers') study, updated from
    TrialUpdate events; use as a context manager around the study."""

    def __init__(self, monitor: str, *, title: str = "tune"):
        self.monitor = monitor
        self.title = title
        self.rows: dict[int, dict] = {}
        self.said: set[str] = set()  # worker lines shown: the same data warns in every worker
        # transient: the summary's table replaces it when the study ends
        self.live = Live(self._table(), console=err_console, refresh_per_second=4, transient=True)

    def __enter__(self) -> TuneView:
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.__exit__(*exc)

    def update(self, event) -> None:
        """Show a TrialUpdate in the table, or a worker's line (once per study) above it."""
        {"TrialUpdate": self._trial, "WorkerSaid": self._said}[type(event).__name__](event)

    def _said(self, event) -> None:
        if event.line in self.said:
            return
        self.said.add(event.line)
        warned = event.line.removeprefix("warning: ")
        if warned != event.line:
            warn(warned)
        else:
            info(event.line)

    def _trial(self, event) -> None:
        row = self.rows.setdefault(event.number, {"note": ""})
        row.update(params=event.params, state=event.state, step=event.step)
        if event.value is not None:
            row["value"] = event.value
        if event.note:
            row["note"] = event.note
        self.live.update(self._table())

    def _table(self) -> Table:
        return trial_table(self.title, self.monitor, self.rows)


def trial_table(title: str, monitor: str, rows: dict[int, dict]) -> Table:
    """Trials by number: their values of the searched keys, metric, state and note."""
    keys = sorted({key for row in rows.values() for key in row.get("params", {})})
    table = Table(title=title)
    for column in ("trial", *keys, "step", monitor, "state", "note"):
        table.add_column(column, justify="left" if column in ("state", "note") else "right")
    for number, row in sorted(rows.items()):
        params = row.get("params", {})
        value = row.get("value")
        table.add_row(
            str(number),
            *(_value_text(params.get(key)) for key in keys),
            str(row.get("step", "")),
            "" if value is None else metric_text(monitor, value),
            row.get("state", ""),
            row.get("note", ""),
        )
    return table


def _value_text(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return "" if value is None else str(value)


def show_summary(summary: dict, files: list[Path]) -> None:
    """The study's table from tune.json rows, its best and gain, and the files written."""
    rows = {
        row["number"]: {
            "params": row["params"],
            "state": row["state"],
            "step": row["pruned_step"] or "",
            "value": row["value"],
            "note": " ".join(filter(None, ["baseline" if row["baseline"] else "", _retry(row)])),
        }
        for row in summary["trials"]
    }
    monitor = summary["monitor"]
    err_console.print(trial_table(f"study {summary['study']}", monitor, rows))
    counts = ", ".join(f"{n} {state}" for state, n in summary["counts"].items())
    info(f"trials: {counts}")
    best, baseline = summary["best"], summary["baseline"]
    if best is not None:
        info(f"best: trial {best['number']}, {monitor} {metric_text(monitor, best['value'])}")
    if baseline is not None and summary["gain"] is not None:
        shown = metric_text(monitor, baseline["value"])
        info(f"recipe's own values (trial {baseline['number']}): {monitor} {shown}")
    for path in files:
        wrote(path)


def _retry(row: dict) -> str:
    return "" if row["retries"] is None else f"retry of {row['retries']}"


def plot_study(summary: dict, keys: dict[str, bool], out: Path) -> list[Path]:
    """history.png, importances.png (with three finished trials) and slices.png; `keys`: the
    searched keys, each True if searched on a log scale."""
    finished = [row for row in summary["trials"] if row["value"] is not None]
    if not finished:
        return []
    drawn = {"history.png": _history, "slices.png": _slices}
    if summary["importances"]:
        drawn["importances.png"] = _importances
    paths = []
    for name, draw in drawn.items():
        figure = draw(summary, keys, finished)
        save_figure(figure, out / name, flag="--out")
        paths.append(out / name)
    return paths


def _history(summary: dict, keys: dict[str, bool], finished: list[dict]):
    """Each trial's value by trial number, and the best so far among finished trials."""
    from matplotlib import ticker

    figure, axes = new_figure()
    for state, mark in MARKS.items():
        rows = [row for row in finished if row["state"] == state]
        axes.plot(
            [row["number"] for row in rows], [row["value"] for row in rows], mark, label=state
        )
    pick = min if summary["direction"] == "minimize" else max
    best, line = None, []
    for row in sorted(finished, key=lambda row: row["number"]):
        if row["state"] == "complete":
            best = row["value"] if best is None else pick(best, row["value"])
        line.append((row["number"], best))
    axes.step(*zip(*line, strict=True), where="post", label="best so far")
    axes.set(xlabel="trial", ylabel=summary["monitor"], title="optimisation history")
    axes.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    axes.legend()
    return figure


def _importances(summary: dict, keys: dict[str, bool], finished: list[dict]):
    figure, axes = new_figure(figsize=(8, 0.6 + 0.5 * len(summary["importances"])))
    names = list(summary["importances"])[::-1]
    axes.barh(names, [summary["importances"][name] for name in names])
    axes.set(xlabel="importance (fANOVA)", title="parameter importances")
    return figure


def _slices(summary: dict, keys: dict[str, bool], finished: list[dict]):
    """One panel per key: each finished trial's value against its value of the key."""
    from matplotlib import ticker

    figure, panels = new_figure(1, columns=len(keys), figsize=(4 * len(keys), 3.5))
    for axes, key in zip(panels, keys, strict=True):
        rows = [row for row in finished if key in row["params"]]
        values = [row["params"][key] for row in rows]
        axes.scatter(
            [str(v) if isinstance(v, str) else v for v in values],
            [row["value"] for row in rows],
            c=[row["number"] for row in rows],
        )
        axes.set(xlabel=key, ylabel=summary["monitor"])
        if keys[key]:  # searched on a log scale; labels at the decades only, or they overlap
            axes.set_xscale("log")
            axes.xaxis.set_minor_formatter(ticker.NullFormatter())
    figure.suptitle("slices (colour: trial number; pruned trials at their last validation)")
    return figure
