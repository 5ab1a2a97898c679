"""Token-level tagging figures: accuracy, accuracy per gold tag, and the most-frequent-tag
baseline every tagger should beat (each word's commonest training tag; unknown words get the
commonest tag overall)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence


def most_frequent_tags(
    sentences: Iterable[tuple[Sequence[str], Sequence[str]]],
) -> tuple[dict[str, str], str]:
    """(word -> its commonest tag, the commonest tag overall); ties go to the tag seen first."""
    per_word: dict[str, Counter] = {}
    overall: Counter = Counter()
    for words, labels in sentences:
        for word, label in zip(words, labels, strict=True):
            per_word.setdefault(word, Counter())[label] += 1
        overall.update(labels)
    lexicon = {word: tags.most_common(1)[0][0] for word, tags in per_word.items()}
    return lexicon, overall.most_common(1)[0][0]


def baseline_labels(words: Sequence[str], lexicon: dict[str, str], default: str) -> list[str]:
    return [lexicon.get(word, default) for word in words]


def tag_counts(
    gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]]
) -> tuple[Counter, Counter]:
    """Per gold tag: tokens, and tokens predicted right."""
    total: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for gold_labels, predicted_labels in zip(gold, predicted, strict=True):
        for want, got in zip(gold_labels, predicted_labels, strict=True):
            total[want] += 1
            correct[want] += want == got
    return total, correct


def accuracy(total: Counter, correct: Counter) -> float:
    tokens = sum(total.values())
    return sum(correct.values()) / tokens if tokens else 0.0


def per_tag_accuracy(total: Counter, correct: Counter) -> dict[str, dict]:
    """Commonest gold tags first, so the table leads with what moves the overall figure."""
    return {
        tag: {"tokens": count, "correct": correct[tag], "accuracy": correct[tag] / count}
        for tag, count in total.most_common()
    }
