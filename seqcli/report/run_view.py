"""A run's own section, read from its folder alone: the recipe, the summary, the curves of
metrics.jsonl (the panels `seqcli plot` draws) with its resumes marked, and the validation
samples of samples.jsonl with their steps."""

from __future__ import annotations

import math
from pathlib import Path

import yaml

from seqcli.errors import UsageError
from seqcli.report import charts
from seqcli.report.html import Named, Section, chart, collapsible, pre, table
from seqcli.runs.jsonfiles import (
    SampleForm,
    StepForm,
    SummaryForm,
    read_log,
    read_metrics,
    read_state,
)
from seqcli.ui.curves import panels

SUMMARY = {  # summary.json key -> the row's name on the page
    "task": "task",
    "steps": "steps trained",
    "epochs": "epochs",
    "best_step": "best step (best.pt)",
    "stopped": "stop reason",
    "elapsed_s": "wall time (s)",
    "parameters": "parameters",
    "device": "device",
    "ranks": "ranks",
    "effective_batch": "effective batch",
}
SHOWN_SAMPLES = 12  # samples the page shows, spread over the run: the first and the last among them


def read_run(folder: Path) -> dict:
    """The folder's recipe text, summary (empty if the run has not finished) and log rows."""
    if not (folder / "metrics.jsonl").is_file():
        raise UsageError(f"{folder}: holds no metrics.jsonl (not a run folder, or not started)")
    summary = folder / "summary.json"
    recipe = folder / "recipe.yaml"
    return {
        "name": folder.resolve().name,
        "recipe": recipe.read_text(encoding="utf-8") if recipe.is_file() else "",
        "summary": read_state(summary, SummaryForm) if summary.is_file() else {},
        "rows": read_metrics(folder),
        "samples": _log(folder / "samples.jsonl", SampleForm),
        "resumes": sorted({row["step"] for row in _log(folder / "resumes.jsonl", StepForm)}),
    }


def _log(path: Path, form: type[StepForm]) -> list[dict]:
    """A log beside metrics.jsonl; a run from before seqcli wrote it has none."""
    return read_log(path, form).rows if path.is_file() else []


def run_section(run: dict, named: Named) -> Section:
    """The recipe (collapsed), the summary table and every curve of the run."""
    key = f"curves-{named.tag}"
    body = [
        collapsible("recipe (resolved)", pre(run["recipe"])),
        table(["", "value"], summary_rows(run)),
        chart(key),
        samples_block(run["samples"]),
    ]
    figure = curves({run["name"]: run["rows"]}, marks=tuple(run["resumes"]))
    return Section(f"Run {run['name']}", "".join(body), {key: figure})


def samples_block(samples: list[dict]) -> str:
    """The validation samples over time: SHOWN_SAMPLES of them, evenly spread, each under its
    step; the first is what the untrained model wrote, the last what the run ends on."""
    if not samples:
        return ""
    count = min(len(samples), SHOWN_SAMPLES)
    picked = sorted({round(i * (len(samples) - 1) / max(count - 1, 1)) for i in range(count)})
    shown = "".join(
        f'<div class="sample" data-step="{samples[i]["step"]}"><b>step {samples[i]["step"]:,}'
        f"</b>{pre(samples[i]['text'])}</div>"
        for i in picked
    )
    heading = f"<h3>Validation samples ({count} of {len(samples)})</h3>"
    return f'<div class="samples">{heading}{shown}</div>'


def summary_rows(run: dict) -> list[list]:
    summary = run["summary"]
    if not summary:
        return [["state", "not finished: no summary.json yet"]]
    best = summary.get("best") or {}
    rows = [[SUMMARY[key], summary[key]] for key in SUMMARY if key in summary]
    rows.append([f"best {best.get('metric', '')}", best.get("value")])
    recipe = (yaml.safe_load(run["recipe"]) if run["recipe"] else None) or {}
    precision = (recipe.get("train") or {}).get("precision")
    return rows + ([["precision", precision]] if precision else [])


def curves(runs: dict[str, list[dict]], *, marks: tuple[int, ...] = ()) -> dict:
    """`seqcli plot`'s panels as one zoomable figure; a series per run and split, a rule at
    each step of marks."""
    points = [
        point
        for split, key in panels(runs)
        for name, rows in runs.items()
        for point in _points(rows, split, key, prefix=f"{name} " if len(runs) > 1 else "")
    ]
    return charts.curves(points, marks=marks)


def _points(rows: list[dict], split: str, key: str, *, prefix: str) -> list[dict]:
    """One panel's points of one run; the loss panel holds train and val."""
    panel = "loss" if split == "loss" else f"{split} {key}"
    return [
        {"series": prefix + row["split"], "x": row["step"], "panel": panel, "y": row[key]}
        for row in rows
        if row.get("split") in ("train", "val")
        and split in ("loss", row["split"])
        and finite(row.get(key))
    ]


def finite(value: object) -> bool:
    """A number JSON can carry: a diverged run's NaN loss is left out of the figure."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def several_runs(runs: list[dict], tag: str = "all") -> Section:
    """Every run's curves overlaid and their final validation metrics side by side."""
    names = [run["name"] for run in runs]
    finals = [run["summary"].get("final", {}).get("val", {}) for run in runs]
    metrics = list(dict.fromkeys(key for final in finals for key in final))
    rows = [[metric, *(final.get(metric, "") for final in finals)] for metric in metrics]
    key = f"curves-{tag}"
    body = table(["validation", *names], rows) + chart(key)
    return Section("Runs side by side", body, {key: curves(_named(runs))}, "runs")


def _named(runs: list[dict]) -> dict[str, list[dict]]:
    """Runs by name; where two folders share a name the later ones get a number."""
    named: dict[str, list[dict]] = {}
    for run in runs:
        name = run["name"] if run["name"] not in named else f"{run['name']} ({len(named) + 1})"
        named[name] = run["rows"]
    return named
