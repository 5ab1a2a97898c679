"""Inside the cells: the input drawn step by step, each step coloured by a chosen unit (any
record of the cell, or h), every record of that step under the cursor; the LSTM's f against
1 - i. The numbers are `seqcli gates`' own (analysis/gates.py), embedded once as float16."""

from __future__ import annotations

import base64

from seqcli.analysis import gates as looked
from seqcli.analysis.moving_average import BINS
from seqcli.engine.contract import Given, ReadsStackInput
from seqcli.engine.run import Run
from seqcli.errors import SeqcliError
from seqcli.report import charts
from seqcli.report.html import Named, Section, as_json, chart, escape, table

OWN_SAMPLE = "the run's sample"  # the text read when no --text or --file is given
NO_INPUT = "<p>This run writes no sample to read: pass --text or --file to look inside.</p>"
TOP = 3  # units offered per feature of the input, as `seqcli gates --top-units 3`


def given_input(text: str | None, source: str, sample: str | None) -> Given | None:
    """The user's text, else the run's own sample (a language model writes one), else none."""
    if text is None:
        text, source = sample, OWN_SAMPLE
    return Given(text, source) if text else None


def cells_section(run: Run, name: Named, given: Given | None) -> Section | None:
    """The gates view of the run's first recurrent stack, or None for a task that reads no
    input step by step."""
    if not isinstance(run.task, ReadsStackInput):
        return None
    if given is None:
        return Section(f"Inside the cells: {name.name}", NO_INPUT, kind="cells")
    try:
        found = looked.read_gates(run, given)
    except SeqcliError:
        if given.source != OWN_SAMPLE:
            raise
        # A sample that is no input (an adding model's sum, a copy's verdict): nothing to read.
        return Section(f"Inside the cells: {name.name}", NO_INPUT, kind="cells")
    view = looked.choose(found, layer=None, gate="h", unit=0, direction="both")
    report = looked.report(found, view, top=TOP)
    data = as_json(embedded(found, report))
    body = [
        f"<p>Read: {escape(given.source)}, {len(found.steps)} steps. Pick a record and unit; "
        "hover a step to see every record of that unit there.</p>",
        '<div class="gates"></div>',
        f'<script type="application/json" class="gates-data">{data}</script>',
    ]
    steps_key = f"per-step-{name.tag}"
    figures: dict[str, dict] = {steps_key: per_step(report["per_step"], found.steps)}
    body += [
        "<h3>Per step, over the top layer's units (seqcli gates' table)</h3>",
        chart(steps_key),
    ]
    if report["moving_average"]:
        key = f"moving-{name.tag}"
        figures[key] = charts.histograms(histogram_rows(report["moving_average"], view.layer))
        body += ["<h3>The LSTM as a moving average: f against 1 - i</h3>", chart(key)]
        body.append(_correlations(report["moving_average"]))
    return Section(f"Inside the cells: {name.name}", "".join(body), figures, "cells")


def per_step(summary: dict[str, list[float]], steps: list[str]) -> dict:
    """Each gate's mean, each other record's mean |value| and the saturated share, per step,
    a panel each; the step's text is in the tooltip."""
    points = [
        {"series": panel, "x": t, "panel": panel, "y": value, "step": steps[t]}
        for panel, values in summary.items()
        for t, value in enumerate(values)
    ]
    return charts.curves(points, x_title="input step")


def embedded(found: looked.Gates, report: dict) -> dict:
    """What the page's script reads: steps, record names, the top units per feature, and each
    record (L, D, T, H) as little-endian float16 in base64 (half the bytes of float32)."""
    records = {
        looked.short_name(found.spec, record): {
            "name": record,
            "gate": looked.is_gate(record),
            "values": base64.b64encode(values.astype("<f2").tobytes()).decode("ascii"),
        }
        for record, values in found.values.items()
    }
    layers, _, steps, units = found.shape
    top = {
        feature: [{**row, "record": looked.short_name(found.spec, row["record"])} for row in rows]
        for feature, rows in report["top_units"]["features"].items()
    }
    shape = {"layers": layers, "directions": report["directions"], "steps": steps, "units": units}
    return {
        "steps": found.steps,
        "kind": found.kind,
        "shape": shape,
        "records": records,
        "top": top,
    }


def histogram_rows(rows: list[dict], layer: int) -> list[dict]:
    """The chosen layer's f, i and f + i histograms (moving_average's BINS bins) as bars."""
    bars = []
    for row in (row for row in rows if row["layer"] == layer):
        for part in ("f", "i", "f+i"):
            low, high = row[part]["range"]
            width = (high - low) / BINS
            for index, count in enumerate(row[part]["histogram"]):
                start = low + index * width
                panel = f"{part} ({row['direction']})"
                bars.append({"panel": panel, "from": start, "to": start + width, "count": count})
    return bars


def _correlations(rows: list[dict]) -> str:
    table_rows = [
        [row["layer"], row["direction"], row["corr_f_1_minus_i"], row["mean_abs_f_plus_i_minus_1"]]
        for row in rows
    ]
    return table(["layer", "direction", "corr(f, 1 - i)", "mean |f + i - 1|"], table_rows)
