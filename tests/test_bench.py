"""The benchmark scripts measure this checkout: each puts it first on the path (bench/common.py)
before seqcli is imported."""

from __future__ import annotations

import ast
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
