"""Classification metrics from a confusion matrix: accuracy, macro F1 and the per-class table.

Plain numpy and plain lists, so the results go straight into checkpoints, JSON and tables."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


def confusion_matrix(targets: ArrayLike, predictions: ArrayLike, *, classes: int) -> np.ndarray:
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
        **confusion_table(matrix, [str(label) for label in labels]),
        "baseline": {
            "columns": ["predictor", "accuracy", "macro_f1"],
            "rows": [
                [f"always '{labels[majority]}'", accuracy(baseline), macro_f1(baseline)],
            ],
        },
    }


WIDTH = 80  # a terminal's columns: the confusion table must fit them
SHORT = 4  # characters of a class name a column header keeps when the full names do not fit
MISTAKES = 15  # the most frequent confusions listed when even short headers do not fit


def confusion_table(matrix: np.ndarray, labels: list[str]) -> dict:
    """The confusion matrix as a table that fits WIDTH columns: with the class names as column
    headers, else their first SHORT characters, else (many classes) the most frequent mistakes;
    the whole matrix is kept beside (`evaluate --json`)."""
    rows = [[label, *row] for label, row in zip(labels, matrix.tolist(), strict=True)]
    whole = {"labels": labels, "counts": matrix.tolist()}
    for headers in (labels, [label[:SHORT] for label in labels]):
        cell = max(len(str(matrix.max())), *(len(h) for h in headers)) + 3
        if max(map(len, labels)) + 4 + cell * len(labels) <= WIDTH:
            title = "confusion (rows: true class, columns: predicted)"
            return {title: {"columns": ["", *headers], "rows": rows, "matrix": whole}}
    return {"confusion (most frequent mistakes)": mistakes(matrix, labels) | {"matrix": whole}}


def mistakes(matrix: np.ndarray, labels: list[str]) -> dict:
    wrong = matrix.copy()
    np.fill_diagonal(wrong, 0)
    order = np.argsort(-wrong, axis=None, kind="stable")[:MISTAKES]
    support = matrix.sum(1)
    rows = [
        [labels[t], labels[p], int(wrong[t, p]), float(wrong[t, p] / support[t])]
        for t, p in zip(*np.unravel_index(order, wrong.shape), strict=True)
        if wrong[t, p] > 0
    ]
    note = f"{len(labels)} classes: the whole matrix is in evaluate --json (details.confusion)"
    columns = ["true class", "predicted", "count", "share of true class"]
    return {"columns": columns, "rows": rows, "note": note}
