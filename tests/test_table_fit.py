"""At 80 columns no table cell is cut with '…': a table too wide is turned on its side or
written as plain lines."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

import seqcli.ui as ui
from seqcli.ui.compare import CompareView
from seqcli.ui.fitting import print_fitted
from tests.cli_tables import FORECASTS, backtest
from tests.test_number_formats import compare_group


@pytest.fixture
def narrow(monkeypatch) -> io.StringIO:
    text = io.StringIO()
    console = Console(file=text, width=80)
    monkeypatch.setattr(ui, "err_console", console)
    return text


@pytest.mark.parametrize("origins", [4, 40])
def test_a_backtest_at_80_columns_shows_every_label_and_number_whole(narrow, origins):
    ui.detail_tables(backtest(origins))
    shown = narrow.getvalue()
    assert "…" not in shown
    for name in FORECASTS:
        assert name in shown
    assert "2022-01-01" in shown and "8.751" in shown


def test_a_backtest_of_few_origins_is_turned_so_forecasts_run_down(narrow):
    ui.detail_tables(backtest(4))
    lines = narrow.getvalue().splitlines()
    assert any("multiplicative Holt-Winters" in line and "8.751" in line for line in lines)


def test_the_compare_cells_summary_fits_80_columns():
    text = io.StringIO()
    view = CompareView()
    view.unit, view.monitor = "tok", "perplexity"
    group = {**compare_group(3.14159), "group": "lstm-2-bi-seed", "speed": 123456.0}
    print_fitted(Console(file=text, width=80), view._summary_grid([group, group, group]))
    assert "…" not in text.getvalue() and "3.142 ± 1.2" in text.getvalue()
