"""Tagging metrics worked by hand: conlleval/seqeval spans and the most-frequent-tag baseline."""

from __future__ import annotations

import pytest

from seqcli.metrics.spans import is_span_scheme, micro_scores, span_counts, spans
from seqcli.metrics.tags import baseline_labels, most_frequent_tags

# Spans, by hand


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["B-PER", "I-PER", "O", "B-LOC"], [("PER", 0, 1), ("LOC", 3, 3)]),
        (["O", "I-PER", "I-PER", "O"], [("PER", 1, 2)]),  # I- without B- opens a span
        (["I-PER"], [("PER", 0, 0)]),
        (["B-PER", "I-LOC"], [("PER", 0, 0), ("LOC", 1, 1)]),  # a type change splits
        (["B-PER", "B-PER"], [("PER", 0, 0), ("PER", 1, 1)]),
        (["S-PER", "B-LOC", "E-LOC", "S-ORG"], [("PER", 0, 0), ("LOC", 1, 2), ("ORG", 3, 3)]),
        (["B-PER", "E-PER", "I-PER"], [("PER", 0, 1), ("PER", 2, 2)]),  # E- closes
        (["O", "E-PER", "O"], [("PER", 1, 1)]),  # E- without B- is a one-word span
        (["B-PER", "I-PER"], [("PER", 0, 1)]),  # the sentence end closes the last span
    ],
)
def test_spans_follow_conlleval(labels, expected):
    assert spans(labels) == expected


def test_span_scores_of_the_seqeval_example_are_one_half():
    gold = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    predicted = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    scores = micro_scores(span_counts(gold, predicted))
    assert scores == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5})


def test_span_scores_by_hand_with_unequal_counts():
    # gold: PER 0-1, LOC 3, ORG 5; predicted: PER 0 (wrong end), LOC 3 (right)
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O", "S-ORG"]]
    predicted = [["B-PER", "O", "O", "B-LOC", "O", "O"]]
    scores = micro_scores(span_counts(gold, predicted))
    # precision 1/2, recall 1/3, F1 = 2 * (1/2 * 1/3) / (1/2 + 1/3) = 0.4
    assert scores == pytest.approx({"precision": 0.5, "recall": 1 / 3, "f1": 0.4})


def test_span_scores_without_predictions_are_zero():
    assert micro_scores(span_counts([["B-PER"]], [["O"]])) == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
    }


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["O", "B-PER", "I-PER"], True),
        (["S-LOC", "E-LOC", "O"], True),
        (["NOUN", "VERB"], False),
        (["O"], False),
        (["O", "B-"], False),
    ],
)
def test_span_scheme_is_o_and_typed_bies_tags(labels, expected):
    assert is_span_scheme(labels) is expected


# Baseline


def test_most_frequent_tag_baseline_by_hand():
    train = [(["the", "duck", "swims"], ["DET", "NOUN", "VERB"]), (["duck", "!"], ["VERB", "X"])]
    train.append((["a", "duck"], ["DET", "NOUN"]))
    lexicon, default = most_frequent_tags(train)
    assert lexicon["duck"] == "NOUN" and default == "DET"  # duck: NOUN 2, VERB 1
    assert baseline_labels(["the", "duck", "flies"], lexicon, default) == ["DET", "NOUN", "DET"]
