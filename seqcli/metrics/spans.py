"""Labelled-span precision, recall and F1 for BIO/BIOES tags, exactly as conlleval and
seqeval's default mode count them.

Both are lenient about ill-formed sequences: an I- after O, or after a different type, opens a
new span rather than being dropped, and a type change always closes the open span. A span is
(type, first, last); a predicted span counts only if it matches a gold span exactly."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

PREFIXES = ("B-", "I-", "E-", "S-")
OUTSIDE = "O"

# (previous tag, tag) pairs that close the open span / open a new one, whatever the types.
ENDS = {("B", "B"), ("B", "S"), ("B", "O"), ("I", "B"), ("I", "S"), ("I", "O")}
STARTS = {("E", "E"), ("E", "I"), ("S", "E"), ("S", "I"), ("O", "E"), ("O", "I")}
ALWAYS_ENDS_AFTER = {"E", "S"}  # a span's last token
ALWAYS_STARTS = {"B", "S"}


def is_span_scheme(labels: Iterable[str]) -> bool:
    """True when every label is O or a B-/I-/E-/S- tag with a type, and some are not O."""
    labels = set(labels)
    return labels != {OUTSIDE} and all(
        label == OUTSIDE or (label[:2] in PREFIXES and len(label) > 2) for label in labels
    )


def _split(label: str) -> tuple[str, str]:
    """(tag letter, type); O has the placeholder type '_' as in seqeval."""
    return (OUTSIDE, "_") if label == OUTSIDE else (label[0], label[2:])


def spans(labels: Sequence[str]) -> list[tuple[str, int, int]]:
    """The (type, first, last) spans of one sentence's labels."""
    found, start = [], 0
    previous_tag, previous_type = OUTSIDE, ""
    for i, label in enumerate([*labels, OUTSIDE]):  # the trailing O closes a final span
        tag, kind = _split(label)
        if _ends(previous_tag, tag, previous_type, kind):
            found.append((previous_type, start, i - 1))
        if _starts(previous_tag, tag, previous_type, kind):
            start = i
        previous_tag, previous_type = tag, kind
    return found


def _ends(previous_tag: str, tag: str, previous_type: str, kind: str) -> bool:
    return (
        previous_tag in ALWAYS_ENDS_AFTER
        or (previous_tag, tag) in ENDS
        or (previous_tag != OUTSIDE and previous_type != kind)
    )


def _starts(previous_tag: str, tag: str, previous_type: str, kind: str) -> bool:
    return (
        tag in ALWAYS_STARTS
        or (previous_tag, tag) in STARTS
        or (tag != OUTSIDE and previous_type != kind)
    )


def span_counts(
    gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]]
) -> dict[str, Counter]:
    """Per span type: gold spans, predicted spans and exact matches, over many sentences."""
    counts: dict[str, Counter] = {"gold": Counter(), "predicted": Counter(), "correct": Counter()}
    for gold_labels, predicted_labels in zip(gold, predicted, strict=True):
        gold_spans, predicted_spans = set(spans(gold_labels)), set(spans(predicted_labels))
        counts["gold"].update(kind for kind, _, _ in gold_spans)
        counts["predicted"].update(kind for kind, _, _ in predicted_spans)
        counts["correct"].update(kind for kind, _, _ in gold_spans & predicted_spans)
    return counts


def scores(correct: int, predicted: int, gold: int) -> dict[str, float]:
    """Precision, recall and F1; 0 where a ratio is undefined (no spans), as seqeval does."""
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    total = precision + recall
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / total if total else 0.0,
    }


def micro_scores(counts: dict[str, Counter]) -> dict[str, float]:
    """Scores over all span types together (conlleval's overall line)."""
    return scores(*(sum(counts[name].values()) for name in ("correct", "predicted", "gold")))


def per_type_scores(counts: dict[str, Counter]) -> dict[str, dict[str, float]]:
    kinds = sorted(set(counts["gold"]) | set(counts["predicted"]))
    return {
        kind: {
            **scores(*(counts[name][kind] for name in ("correct", "predicted", "gold"))),
            "support": counts["gold"][kind],
        }
        for kind in kinds
    }
