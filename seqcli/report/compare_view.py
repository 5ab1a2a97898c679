"""A compare-cells folder on the page: its groups side by side (compare.json, as
compare-cells wrote it), the gradient flow of each, and every variant's curves overlaid."""

from __future__ import annotations

from pathlib import Path

from seqcli.data.forms import Form
from seqcli.report import charts
from seqcli.report.html import Named, Section, chart, table
from seqcli.report.run_view import finite
from seqcli.runs.jsonfiles import read_state

SUMMARY = "compare.json"  # compare/report.py's summary of the grid
COLUMNS = ("group", "parameters", "best_val", "test", "early_gradient", "late_gradient", "speed")


class ComparisonForm(Form):
    """compare-cells' summary as the page reads it, through the one JSON reader."""

    runs: list[dict]
    groups: list[dict]


def is_comparison(folder: Path) -> bool:
    return (folder / SUMMARY).is_file()


def variant_folders(folder: Path) -> list[Path]:
    """The variants' run folders, in the grid's order."""
    summary = read_state(folder / SUMMARY, ComparisonForm)
    return [folder / run["name"] for run in summary["runs"] if (folder / run["name"]).is_dir()]


def compare_section(folder: Path, named: Named) -> Section:
    """The groups' table and their gradient flow: how much gradient reaches each step back."""
    summary = read_state(folder / SUMMARY, ComparisonForm)
    rows = [[_shown(group.get(column)) for column in COLUMNS] for group in summary["groups"]]
    flow = [
        {"series": group["group"], "x": step, "panel": "gradient norm at step", "y": value}
        for group in summary["groups"]
        for step, value in enumerate(group["gradient_flow"])
        if finite(value) and value > 0
    ]
    key = f"flow-{named.tag}"
    spec = charts.curves(flow, x_title="input step", log=True)
    body = table([*COLUMNS], rows, caption=f"monitor: {summary['monitor']}") + chart(key)
    return Section(f"compare-cells: {named.name}", body, {key: spec}, "compare")


def _shown(value: object) -> object:
    """A [mean, spread] pair over seeds as 'mean ± spread'."""
    if isinstance(value, list) and len(value) == 2 and all(finite(v) for v in value):
        return f"{value[0]:.4g} ± {value[1]:.2g}"
    return "" if value is None else value
