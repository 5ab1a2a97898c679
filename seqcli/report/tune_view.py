"""A `seqcli tune` study folder on the page (one holding tune.json): its trials as a table,
the optimisation history (each trial's value and the best so far), a slice per searched
numeric key (the value against it) and the best trial's recipe (best.yaml)."""

from __future__ import annotations

from pathlib import Path

from seqcli.data.forms import Form
from seqcli.report import charts
from seqcli.report.html import Named, Section, chart, collapsible, pre, table
from seqcli.report.run_view import finite
from seqcli.runs.jsonfiles import read_state

SUMMARY = "tune.json"  # tune/results.py's summary of the study
COLUMNS = ("number", "state", "value", "pruned_step", "baseline")


class StudyForm(Form):
    """tune.json as the page reads it, through the one JSON reader."""

    monitor: str
    direction: str
    trials: list[dict]


def is_study(folder: Path) -> bool:
    return (folder / SUMMARY).is_file()


def study_section(folder: Path, named: Named) -> Section:
    """The trials table, the history and slices, and best.yaml collapsed."""
    study = read_state(folder / SUMMARY, StudyForm)
    trials = study["trials"]
    keys = list(dict.fromkeys(key for trial in trials for key in trial.get("params", {})))
    rows = [[*(t.get(c) for c in COLUMNS), *(t["params"].get(k) for k in keys)] for t in trials]
    key = f"study-{named.tag}"
    best = folder / "best.yaml"
    body = [
        table([*COLUMNS, *keys], rows, caption=f"{study['monitor']}: {study['direction']}"),
        chart(key),
        chart(f"{key}-slices"),
        collapsible("best.yaml", pre(best.read_text(encoding="utf-8"))) if best.is_file() else "",
    ]
    figures = {
        key: charts.curves(history(trials, study["direction"]), x_title="trial"),
        f"{key}-slices": charts.scatter(slices(trials, keys)),
    }
    return Section(f"Study {named.name}", "".join(body), figures, "study")


def history(trials: list[dict], direction: str) -> list[dict]:
    """Each trial's value by its number, and the best so far among finished ones."""
    better = min if direction == "minimize" else max
    points, best = [], None
    for trial in trials:
        if not finite(trial.get("value")):
            continue
        point = {"panel": "history", "x": trial["number"], "y": trial["value"]}
        points.append({**point, "series": "trial"})
        if trial.get("state") == "complete":
            best = trial["value"] if best is None else better(best, trial["value"])
            points.append({**point, "series": "best so far", "y": best})
    return points


def slices(trials: list[dict], keys: list[str]) -> list[dict]:
    """The value against each numeric key the study searched (a choice of words is left out)."""
    return [
        {"panel": key, "series": "trial", "x": trial["params"][key], "y": trial["value"]}
        for key in keys
        for trial in trials
        if finite(trial.get("value")) and finite(trial.get("params", {}).get(key))
    ]
