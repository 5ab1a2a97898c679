"""compare-cells' outputs: per-variant means over seeds, and the json, csv, md and png files."""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from itertools import groupby, zip_longest
from pathlib import Path

from seqcli.recipe import Recipe
from seqcli.recipe.cells import MEMORY_GATES
from seqcli.recipe.outputs import Output, check_output, make_folder, write_output
from seqcli.recipe.tasks import METRICS
from seqcli.ui.figures import plot_gradient_flow, plot_learning_curves
from seqcli.ui.numbers import spread_text

CSV_COLUMNS = (
    "name",
    "cell",
    "layers",
    "direction",
    "hidden_size",
    "seed",
    "parameters",
    "wall_s",
    "speed",
    "best_val",
    "test",
    "target_step",
    "early_gradient",
    "late_gradient",
    "saturation",
    *MEMORY_GATES,
    "grad_norm_median",
    "clipped_share",
)


def spread(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single seed)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return math.nan, math.nan
    return statistics.fmean(finite), statistics.stdev(finite) if len(finite) > 1 else 0.0


def geometric_mean(values: list[float]) -> float:
    """Gradients span tens of orders of magnitude: average their logarithms."""
    positive = [v for v in values if v > 0]
    if not positive:
        return 0.0
    return math.exp(statistics.fmean(math.log(v) for v in positive))


def summarize(results: list[dict]) -> list[dict]:
    """One row per variant without its seed, in grid order."""
    return [_group(name, list(runs)) for name, runs in groupby(results, key=lambda r: r["group"])]


def _group(name: str, runs: list[dict]) -> dict:
    monitor = runs[0]["monitor"]
    diagnostics = [r["diagnostics"] for r in runs]
    # Seeds draw different first batches: with variable-length data their flows differ in
    # length, so each step averages the seeds whose batch reached it.
    flows = zip_longest(*(d["gradient_flow"] for d in diagnostics))
    row = {
        "group": name,
        **{k: runs[0]["variant"][k] for k in ("cell", "layers", "direction", "hidden_size")},
        "seeds": [r["variant"]["seed"] for r in runs],
        "parameters": runs[0]["parameters"],
        "monitor": monitor,
        "test_split": runs[0]["test_split"],
        "wall_s": statistics.fmean(r["wall_s"] for r in runs),
        "speed": statistics.fmean(r["speed"] for r in runs),
        "unit": runs[0]["unit"],
        "best_val": spread([r["best_val"] for r in runs]),
        "test": spread([r["test"][monitor] for r in runs]),
        "target_step": [r["target_step"] for r in runs],
        "early_gradient": geometric_mean([d["early_gradient"] for d in diagnostics]),
        "late_gradient": geometric_mean([d["late_gradient"] for d in diagnostics]),
        "saturation": spread([d.get("saturation") for d in diagnostics])[0],
        "gradient_flow": [geometric_mean([v for v in step if v is not None]) for step in flows],
        "clipped_share": statistics.fmean(r["clipping"].get("clipped_share", 0) for r in runs),
    }
    for gate in MEMORY_GATES:
        if gate in diagnostics[0]:
            row[gate] = statistics.fmean(d[gate] for d in diagnostics)
    return row


REPORTS = Output("--out")  # compare-cells' folder: its reports are rewritten on each rerun
REPORT_FILES = ("compare.json", "compare.csv", "compare.md")
FIGURES = ("learning_curves.png", "gradient_flow.png")


def check_reports(out: Path) -> None:
    """Refuse, before anything trains, a report path the door would refuse at the end."""
    if out.is_dir() and not out.is_symlink():
        for name in (*REPORT_FILES, *FIGURES):
            check_output(out / name, REPORTS)


def write_reports(results: list[dict], out: Path, *, recipe: Recipe) -> tuple[list[dict], list]:
    """compare.json, compare.csv, compare.md and the two plots; returns groups and paths."""
    make_folder(out, REPORTS)
    groups = summarize(results)
    monitor = recipe.train.monitor
    summary = {"recipe": recipe.name, "monitor": monitor, "groups": groups, "runs": results}
    contents = (json.dumps(summary, indent=1), _csv_text(results), markdown(groups, recipe=recipe))
    texts = dict(zip(REPORT_FILES, contents, strict=True))
    files = [
        write_output(out / name, text.encode("utf-8"), REPORTS) for name, text in texts.items()
    ]
    curves = {r["name"]: r["curve"] for r in results}
    positive = all(v > 0 for r in results for _, v in r["curve"])
    log = METRICS[monitor].lower_is_better and positive
    groups_of = {r["name"]: r["group"] for r in results}

    def learning(handle) -> None:
        plot_learning_curves(curves, handle, metric=monitor, log=log, groups=groups_of)

    flows = {g["group"]: g["gradient_flow"] for g in groups}
    figures = (learning, lambda handle: plot_gradient_flow(flows, handle))
    files += [write_output(out / n, f, REPORTS) for n, f in zip(FIGURES, figures, strict=True)]
    return groups, files


def _csv_text(results: list[dict]) -> str:
    handle = io.StringIO(newline="")
    writer = csv.DictWriter(handle, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for r in results:
        writer.writerow(
            {
                "name": r["name"],
                **r["variant"],
                "parameters": r["parameters"],
                "wall_s": r["wall_s"],
                "speed": r["speed"],
                "best_val": r["best_val"],
                "test": r["test"][r["monitor"]],
                "target_step": r["target_step"],
                **r["diagnostics"],
                **r["clipping"],
            }
        )
    return handle.getvalue()


def markdown(groups: list[dict], *, recipe: Recipe) -> str:
    """The final table as Markdown, one row per variant (means over seeds)."""
    monitor, split = recipe.train.monitor, groups[0]["test_split"] if groups else "test"
    header = [
        "variant",
        "parameters",
        "wall s",
        f"{groups[0]['unit']}/s" if groups else "/s",
        f"best val {monitor}",
        f"{split} {monitor}",
        "target step",
        "early grad",
        "late grad",
        "saturation",
    ]
    lines = [
        f"# compare-cells: {recipe.name}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for g in groups:
        reached = [s for s in g["target_step"] if s is not None]
        cells = [
            g["group"],
            f"{g['parameters']:,}",
            f"{g['wall_s']:.0f}",
            f"{g['speed']:,.0f}",
            spread_text(monitor, *g["best_val"]),
            spread_text(monitor, *g["test"]),
            ", ".join(map(str, reached)) or "-",
            f"{g['early_gradient']:.2e}",
            f"{g['late_gradient']:.2e}",
            f"{g['saturation']:.3f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
