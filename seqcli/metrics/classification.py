"""Classification metrics from a confusion matrix: accuracy, macro F1 and the per-class table.

Plain numpy and plain lists, so the results go straight into checkpoints, JSON and tables."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def confusion_matrix(targets: Sequence[int], predictions: Sequence[int], *, classes: int):
    """(K, K) counts; row = true class, column = predicted class (scikit-learn's layout)."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(targets), np.asarray(predictions)), 1)
    return matrix


def safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division=0)."""
    out = np.zeros(len(numerator), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def per_class(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support of every class."""
    hits = np.diag(matrix).astype(np.float64)
    predicted, support = matrix.sum(0), matrix.sum(1)
    precision, recall = safe_ratio(hits, predicted), safe_ratio(hits, support)
    f1 = safe_ratio(2 * precision * recall, precision + recall)
    return {"precision": precision, "recall": recall, "f1": f1, "support": support}


def macro_f1(matrix: np.ndarray) -> float:
    """Unweighted mean F1 over the classes present in the targets or the predictions, so a
    class absent from a small split does not count as a zero."""
    present = (matrix.sum(0) + matrix.sum(1)) > 0
    return float(per_class(matrix)["f1"][present].mean())


def accuracy(matrix: np.ndarray) -> float:
    return float(np.trace(matrix) / max(matrix.sum(), 1))


def classification_details(matrix: np.ndarray, labels: Sequence[str]) -> dict:
    """Tables for `seqcli evaluate`: per-class scores, the confusion matrix and the
    majority-class baseline, as {title: {"columns": [...], "rows": [[...], ...]}}."""
    scores = per_class(matrix)
    per_class_rows = [
        [
            label,
            *(float(scores[name][i]) for name in ("precision", "recall", "f1")),
            int(scores["support"][i]),
        ]
        for i, label in enumerate(labels)
    ]
    support = matrix.sum(1)
    majority = int(support.argmax())
    baseline = confusion_matrix(
        np.repeat(np.arange(len(labels)), support),
        np.full(support.sum(), majority),
        classes=len(labels),
    )
    return {
        "per class": {
            "columns": ["class", "precision", "recall", "f1", "support"],
            "rows": per_class_rows,
        },
        "confusion (rows: true class, columns: predicted)": {
            "columns": ["", *labels],
            "rows": [[label, *row] for label, row in zip(labels, matrix.tolist(), strict=True)],
        },
        "baseline": {
            "columns": ["predictor", "accuracy", "macro_f1"],
            "rows": [
                [f"always '{labels[majority]}'", accuracy(baseline), macro_f1(baseline)],
            ],
        },
    }
