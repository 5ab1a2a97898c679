"""`predict --file` of a table run: each input row with the prediction appended (and, for a
classifier, every class's probability), as CSV rows or JSON records. The file is read as the
run's table, so its header is not predicted as a text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from seqcli.data.table_input import InputTable, read_input_table
from seqcli.engine.run import Run


@dataclass(frozen=True)
class Appended:
    names: list[str]  # the columns added to each row
    cells: list[list]  # per row, in the order of names
    records: list[dict]  # per row, what --json adds to the input


@dataclass(frozen=True)
class TablePredictions:
    table: InputTable
    appended: Appended

    def csv_rows(self) -> Iterator[list]:
        """The header (when the input had one) and every row, the new columns at the end."""
        if self.table.header is not None:
            yield [*self.table.header, *self.appended.names]
        for given, cells in zip(self.table.rows, self.appended.cells, strict=True):
            yield [*given, *cells]

    def records(self) -> Iterator[dict]:
        """One dict a row: the input (by column name when there is a header) and the answer."""
        header = self.table.header
        for given, added in zip(self.table.rows, self.appended.records, strict=True):
            fields = given if header is None else dict(zip(header, given, strict=False))
            yield {"input": fields, **added}


def classifier_columns(run: Run, texts: list[str]) -> Appended:
    """The likeliest class, then the probability of every class in the run's label order."""
    labels = run.meta.labels
    rows = run.task.predict(run, texts, top_k=len(labels))
    shares = [_by_label(row, labels) for row in rows]
    records = [
        {"prediction": row["label"], "probability": row["probability"], "probabilities": share}
        for row, share in zip(rows, shares, strict=True)
    ]
    cells = [[row["label"], *share.values()] for row, share in zip(rows, shares, strict=True)]
    return Appended(["prediction", *(f"p_{label}" for label in labels)], cells, records)


def _by_label(row: dict, labels) -> dict[str, float]:
    found = {top["label"]: top["probability"] for top in row.get("top", [row])}
    return {label: found[label] for label in labels}


def regressor_columns(run: Run, texts: list[str]) -> Appended:
    """The predicted number, in the data's units."""
    values = [row["value"] for row in run.task.predict(run, texts)]
    return Appended(
        ["prediction"], [[value] for value in values], [{"prediction": v} for v in values]
    )


# The tasks that read a table and predict: what each appends to a row.
APPENDED = {"classifier": classifier_columns, "regressor": regressor_columns}


def predict_table(run: Run, path: Path) -> TablePredictions:
    """Every row of path, read as the run's table, with the task's answer appended."""
    table = read_input_table(run.recipe.data, path)
    return TablePredictions(table, APPENDED[run.task.spec.name](run, table.texts))
