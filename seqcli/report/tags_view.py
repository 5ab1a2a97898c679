"""A tagger's sentences on the page: a few of the validation split, each word with its gold
tag and the tag the model gives it (the tagger's own decoding, a CRF's best sequence too);
a wrong tag stands out."""

from __future__ import annotations

from seqcli.engine.run import Run, with_split_files
from seqcli.report.html import Named, escape
from seqcli.tasks.tagger.task import decode, tag_batches

SENTENCES = 5  # the first sentences of the validation split


def tags_view(run: Run, name: Named) -> tuple[str, dict[str, dict]]:
    """A table per sentence: word, gold tag, predicted tag."""
    sentences = list(with_split_files(run, run.task.prepare(run.recipe, run.meta)).splits["val"])
    chosen = sentences[:SENTENCES]
    predicted: dict[int, list[str]] = {}
    for indices, logits, batch in tag_batches(run, chosen):
        for i, labels in zip(indices, decode(run, logits, batch.inputs["lengths"]), strict=True):
            predicted[i] = labels
    blocks = [_sentence(s.words, s.labels, predicted[i]) for i, s in enumerate(chosen)]
    return "<h3>Validation sentences: gold tag, then predicted</h3>" + "".join(blocks), {}


def _sentence(words, gold, predicted) -> str:
    cells = "".join(_cell(*word) for word in zip(words, gold, predicted, strict=True))
    return f'<table class="tags"><tr>{cells}</tr></table>'


def _cell(word: str, gold: str, predicted: str) -> str:
    shown = "<br>".join(map(escape, (word, gold, predicted)))
    return f'<td class="{"right" if gold == predicted else "wrong"}">{shown}</td>'
