"""The task's view of a run: what `seqcli evaluate` reports on the validation split (its
metrics and detail tables), figures for the details that are pictures (a confusion matrix),
and a sample from best.pt where the task writes one."""

from __future__ import annotations

from collections.abc import Callable

from seqcli.engine.run import Run, with_split_files
from seqcli.report import charts
from seqcli.report.attention_view import attention_view
from seqcli.report.forecast_view import forecast_view
from seqcli.report.html import Named, Section, chart, escape, pre, table
from seqcli.report.recall_view import recall_view
from seqcli.report.tags_view import tags_view
from seqcli.report.transcripts_view import transcripts_view


def evaluated(run: Run, max_batches: int | None) -> dict:
    """The task's evaluate on the validation split: what `seqcli evaluate --json` reports
    (with the same --max-batches)."""
    task = run.task
    examples = with_split_files(run, task.prepare(run.recipe, run.meta)).splits["val"]
    if not len(examples):
        return {}
    return task.evaluate(run, examples, max_batches=max_batches)


def task_section(run: Run, name: Named, scores: dict, sample: str | None) -> Section:
    """Metrics, each detail table (a matrix also as a heatmap), and the run's sample from
    best.pt (`task.sample(run, 0)`; None where the task writes none)."""
    details = scores.get("details", {})
    metrics = [[key, value] for key, value in scores.items() if key != "details"]
    body = [table(["metric (validation split)", "value"], metrics)] if metrics else []
    figures: dict[str, dict] = {}
    for title, detail in details.items():
        body.append(_detail(title, detail))
        if "matrix" in detail:
            key = f"matrix-{name.tag}-{len(figures)}"
            figures[key] = confusion(detail["matrix"])
            body.append(chart(key))
    if run.task.spec.name in VIEWS:
        html, more = VIEWS[run.task.spec.name](run, name)
        body.append(html)
        figures |= more
    if sample:
        body.append("<h3>A sample from best.pt</h3>" + pre(sample))
    return Section(f"{run.task.spec.title}: {name.name}", "".join(body), figures, "task")


# What a task shows beyond evaluate's tables: task name -> (run, name) -> (HTML, figures).
VIEWS: dict[str, Callable[[Run, Named], tuple[str, dict[str, dict]]]] = {
    "hopfield": recall_view,
    "translator": attention_view,
    "tagger": tags_view,
    "transcriber": transcripts_view,
    "direct_forecaster": forecast_view,
    "autoregressive_forecaster": forecast_view,
}


def _detail(title: str, detail: dict) -> str:
    note = f"<p>{escape(detail['note'])}</p>" if detail.get("note") else ""
    return table(detail.get("columns", []), detail.get("rows", []), caption=title) + note


def confusion(matrix: dict) -> dict:
    """evaluate's whole matrix (labels, counts) as a heatmap to hover: true against predicted."""
    labels = matrix["labels"]
    cells = [
        {"true class": labels[t], "predicted": labels[p], "count": count}
        for t, row in enumerate(matrix["counts"])
        for p, count in enumerate(row)
    ]
    return charts.heatmap(cells, x="predicted", y="true class", value="count")
