"""A translator's attention on the page: the validation sentences the training display shows,
translated greedily as `seqcli generate --attention` does; hover a written word to light the
source words it attended to."""

from __future__ import annotations

from typing import cast

from seqcli.decoding.requests import Draw, Request
from seqcli.engine.contract import Generates
from seqcli.engine.run import Run
from seqcli.recipe.model import TranslatorConfig
from seqcli.report.html import Named, as_json
from seqcli.tasks.translator.task import TranslatorMeta


def attention_view(run: Run, name: Named) -> tuple[str, dict[str, dict]]:
    """The sentences with their references, or a note for a model without attention."""
    meta, model = run.meta, cast(TranslatorConfig, run.recipe.model)
    assert isinstance(meta, TranslatorMeta) and isinstance(model, TranslatorConfig)
    assert isinstance(run.task, Generates), "a translator generates"
    if model.attention == "none" or not meta.shown:
        return "<p>No attention to show: model.attention is none.</p>", {}
    sources = tuple(source for source, _ in meta.shown)
    draw = Draw(run.recipe.generate, seed=run.recipe.seed)
    rows = run.task.generate(run, Request(draw, lines=sources, attention=True)).attention or []
    references = [reference for _, reference in meta.shown]
    data = [{**row, "reference": ref} for row, ref in zip(rows, references, strict=True)]
    return (
        "<h3>Attention: hover a written word</h3>"
        '<div class="attention"></div>'
        f'<script type="application/json" class="attention-data">{as_json(data)}</script>'
    ), {}
