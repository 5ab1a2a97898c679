"""A Hopfield network's recall on the page: a stored pattern with data.noise of its units
flipped (the probe the training display recalls), every state of the recall under a slider,
the energy falling beside it."""

from __future__ import annotations

from seqcli.decoding.requests import Recall
from seqcli.engine.run import Run
from seqcli.report import charts
from seqcli.report.html import Named, as_json, chart, escape
from seqcli.tasks.hopfield.recall import recall_steps
from seqcli.tasks.hopfield.task import MemoryMeta


def recall_view(run: Run, name: Named) -> tuple[str, dict[str, dict]]:
    """The slider's HTML and data, and the energy per iteration as a figure."""
    title, states, energies = recall_steps(run, Recall(), seed=run.recipe.seed)[0]
    meta = run.meta
    assert isinstance(meta, MemoryMeta), "VIEWS calls this for a Hopfield run only"
    data = {"rows": meta.rows, "columns": meta.columns, "states": states}
    data["energies"] = energies
    key = f"energy-{name.tag}"
    points = [
        {"series": "energy", "x": step, "panel": "energy", "y": energy}
        for step, energy in enumerate(energies)
    ]
    body = (
        f"<h3>Recall: {escape(title)}</h3>"
        '<div class="recall"></div>'
        f'<script type="application/json" class="recall-data">{as_json(data)}</script>' + chart(key)
    )
    return body, {key: charts.curves(points, x_title="iteration")}
