"""A metric's value reads the same in every table: four significant digits for a value,
four decimals for a share of items, a percentage with its % sign."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

import seqcli.ui as ui
from seqcli.analysis.inspect import summary_rows
from seqcli.compare.folds import folds_table
from seqcli.compare.report import markdown
from seqcli.engine import events
from seqcli.recipe.tasks import METRICS
from seqcli.ui.compare import CompareView
from seqcli.ui.numbers import KIND_OF, KINDS, metric_text, significant, spread_text
from seqcli.ui.training import TrainView
from tests.conftest import shipped_recipe

SMAPE = 47.370812  # a percentage: sMAPE is 100 x the mean ratio
WRITTEN = "47.37%"


@pytest.fixture
def screen(monkeypatch) -> io.StringIO:
    """What the tables print on stderr, at a width that cuts nothing."""
    text = io.StringIO()
    console = Console(file=text, width=200)
    monkeypatch.setattr(ui, "err_console", console)
    monkeypatch.setattr("seqcli.ui.compare.err_console", console)
    monkeypatch.setattr("seqcli.ui.training.err_console", console)
    return text


@pytest.mark.parametrize(
    ("value", "text"),
    [(152.1561, "152.2"), (1.1298, "1.130"), (0.000123456, "0.0001235"), (12345.67, "12346")],
)
def test_a_value_has_four_significant_digits_and_no_exponent(value, text):
    assert significant(value) == text


def test_each_kind_of_metric_is_written_its_way():
    assert metric_text("accuracy", 0.75) == "0.7500"
    assert metric_text("smape", SMAPE) == WRITTEN
    assert metric_text("coverage", 0.8125) == "81.25%"
    assert metric_text("mase", 0.476612) == "0.4766"
    assert spread_text("smape", SMAPE, 1.234) == "47.37% ± 1.2%"


def test_the_kinds_name_metrics_the_tasks_report():
    assert set(KIND_OF) <= set(METRICS) | {"coverage", "p"}  # p: the ranking's DM p-value
    assert set(KIND_OF.values()) <= set(KINDS)


def test_evaluate_and_its_detail_tables_write_a_percentage_alike(screen):
    ui.metrics_table("air on val", {"smape": SMAPE})
    ui.detail_tables({"per step": {"columns": ["h", "smape"], "rows": [[1, SMAPE]]}})
    assert screen.getvalue().count(WRITTEN) == 2 and "47.3708" not in screen.getvalue()


def test_training_lines_and_the_run_summary_write_it_alike(screen):
    assert ui.format_metrics({"smape": SMAPE}) == f"smape {WRITTEN}"
    summary = {"name": "r", "steps": 2, "parameters": 10, "elapsed_s": 1.0}
    summary["best"] = {"metric": "smape", "value": SMAPE}
    TrainView(quiet=True)._finished(events.Finished(2, summary))
    assert WRITTEN in screen.getvalue()


def compare_group(value: float) -> dict:
    return {
        "group": "lstm",
        "parameters": 100,
        "seeds": [0, 1],
        "speed": 10.0,
        "wall_s": 1.0,
        "unit": "ex",
        "test_split": "test",
        "best_val": (value, 1.234),
        "test": (value, 1.234),
        "target_step": [None],
        "early_gradient": 1e-3,
        "late_gradient": 1e-4,
        "saturation": 0.1,
        "gradient_flow": [1.0],
    }


def test_compare_cells_tables_and_report_write_it_alike(screen):
    view = CompareView()
    view.unit, view.monitor = "ex", "smape"
    ui.err_console.print(view._summary_grid([compare_group(SMAPE)]).table())
    assert "47.37% ± 1.2%" in screen.getvalue()
    recipe = shipped_recipe("direct_forecaster", "train.monitor=smape")
    assert "47.37% ± 1.2%" in markdown([compare_group(SMAPE)], recipe=recipe)


def test_folds_and_inspect_write_it_alike():
    report = {
        "folds": 2,
        "val": {"smape": {"mean": SMAPE, "std": 1.234}},
        "per_fold": [{"fold": 0, "val": {"smape": SMAPE}}, {"fold": 1, "val": {"smape": SMAPE}}],
    }
    (table,) = folds_table(report).values()
    assert table["rows"][0][1:] == ["47.37% ± 1.2%", WRITTEN, WRITTEN]
    payload = {
        "recipe": {"name": "r", "mapping": "many_to_one", "model": {"hidden_size": 8}},
        "best": {"metric": "smape", "value": SMAPE},
        "step": 4,
        "format": 1,
    }
    assert ("best val smape", WRITTEN) in summary_rows(payload, [])
