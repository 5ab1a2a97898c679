"""A tagger's evaluation: its metrics, and the tables `seqcli evaluate` prints beside them
(the most-frequent-tag baseline, words without an embedding, accuracy per tag, spans)."""

from __future__ import annotations

from collections.abc import Sequence

from seqcli.data.tagged import Sentence
from seqcli.metrics.spans import is_span_scheme, micro_scores, per_type_scores, span_counts
from seqcli.metrics.tags import accuracy, baseline_labels, per_tag_accuracy, tag_counts
from seqcli.tasks.tagger.batches import TaggerMeta

BASELINE_TABLE = "accuracy against the most-frequent-tag baseline"


def tagging_metrics(
    examples: Sequence[Sentence], predicted: list[list[str]], *, loss: float, meta: TaggerMeta
) -> dict:
    """Loss, accuracy and, for BIO/BIOES labels, span precision/recall/F1; tables in details."""
    gold = [sentence.labels for sentence in examples]
    normalized = [[meta.normalize(word) for word in sentence.words] for sentence in examples]
    baseline = [baseline_labels(words, meta.lexicon, meta.default_label) for words in normalized]
    total, correct = tag_counts(gold, predicted)
    metrics = {"loss": loss, "accuracy": accuracy(total, correct)}
    details = {
        BASELINE_TABLE: _baseline_table(normalized, gold, predicted, baseline, meta),
        "accuracy per gold tag": _per_tag_table(total, correct),
    }
    if is_span_scheme(meta.labels):
        counts = span_counts(gold, predicted)
        metrics.update(micro_scores(counts))
        details["labelled spans (conlleval)"] = _span_table(counts, span_counts(gold, baseline))
    return {**metrics, "details": details}


def _baseline_table(normalized, gold, predicted, baseline, meta: TaggerMeta) -> dict:
    """Model against baseline over all words, and over words the vocabulary lacks (<unk>),
    which is where character features earn their keep."""
    tokens = [
        (word in meta.words.index, want, got, guess)
        for sentence, *labels in zip(normalized, gold, predicted, baseline, strict=True)
        for word, want, got, guess in zip(sentence, *labels, strict=True)
    ]
    unknown = [token for token in tokens if not token[0]]
    return {
        "columns": ["words", "tokens", "model", "baseline"],
        "rows": [
            ["all", len(tokens), *_hit_rates(tokens)],
            ["not in the vocabulary", len(unknown), *_hit_rates(unknown)],
        ],
    }


def _hit_rates(tokens: list[tuple[bool, str, str, str]]) -> list[float]:
    count = max(len(tokens), 1)
    return [
        sum(want == got for _, want, got, _ in tokens) / count,
        sum(want == guess for _, want, _, guess in tokens) / count,
    ]


def _per_tag_table(total, correct) -> dict:
    rows = [
        [tag, row["tokens"], row["correct"], row["accuracy"]]
        for tag, row in per_tag_accuracy(total, correct).items()
    ]
    return {"columns": ["tag", "tokens", "correct", "accuracy"], "rows": rows}


def _span_table(counts, baseline_counts) -> dict:
    rows = [
        [kind, row["precision"], row["recall"], row["f1"], row["support"]]
        for kind, row in per_type_scores(counts).items()
    ]
    for name, source in (("all", counts), ("all, baseline", baseline_counts)):
        overall = micro_scores(source)
        support = sum(source["gold"].values())
        rows.append([name, overall["precision"], overall["recall"], overall["f1"], support])
    return {"columns": ["type", "precision", "recall", "f1", "gold spans"], "rows": rows}
