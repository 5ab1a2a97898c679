"""The benchmark scripts measure this checkout: each puts it first on the path (bench/common.py)
before seqcli is imported, and bench/forecast.py's arguments are checked before any training."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPTS = sorted(path for path in (ROOT / "bench").glob("*.py") if path.name != "common.py")


def imported_modules(path: Path) -> list[str]:
    """The modules a script imports at its top level, in order."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_a_bench_script_that_uses_seqcli_imports_common_before_seqcli(script):
    """common.py puts the checkout first; without it `python bench/x.py` (bench/ first on the
    path) imports the venv's seqcli, maybe another checkout's."""
    if "seqcli" not in script.read_text(encoding="utf-8"):
        pytest.skip(f"{script.name} neither imports nor runs seqcli")
    modules = imported_modules(script)
    assert "common" in modules, f"{script.name} does not import bench/common.py"
    first_seqcli = next((i for i, name in enumerate(modules) if name.startswith("seqcli")), None)
    assert first_seqcli is None or modules.index("common") < first_seqcli


@pytest.fixture(scope="module")
def forecast_bench():
    spec = importlib.util.spec_from_file_location("bench_forecast", ROOT / "bench" / "forecast.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_forecast_bench_refuses_an_unknown_series_in_one_line(forecast_bench, capsys):
    with pytest.raises(SystemExit) as ended:
        forecast_bench.main(["airline", "nosuch"])
    assert ended.value.code == 2
    said = capsys.readouterr().err.splitlines()
    assert said == [
        f"bench/forecast.py: no series 'nosuch'; choose from {', '.join(forecast_bench.READERS)}"
    ]


def test_forecast_bench_refuses_a_bad_set_before_training(forecast_bench, capsys):
    with pytest.raises(SystemExit) as ended:
        forecast_bench.main(["airline", "--set", "model.nope=1"])
    assert ended.value.code == 2
    (said,) = capsys.readouterr().err.splitlines()
    assert said.startswith("bench/forecast.py: --set model.nope=1: unknown key")


def test_forecast_bench_help_names_every_series(forecast_bench, capsys):
    with pytest.raises(SystemExit) as ended:
        forecast_bench.main(["--help"])
    assert ended.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert all(name in shown for name in forecast_bench.READERS)
    assert "--set KEY=VALUE" in shown


def test_forecast_bench_reads_series_and_set_in_any_order(forecast_bench):
    args = forecast_bench.parsed(["airline", "--set", "model.decomposition=none", "nile"])
    assert args.series == ["airline", "nile"] and args.changes == ["model.decomposition=none"]
