"""The floor plan: dependencies point one way (cli -> launch / export -> compare -> analysis ->
tasks -> engine -> runs -> decoding -> models / data / metrics -> recipe), and no package
imports one that imports it back."""

from __future__ import annotations

import ast
from collections import defaultdict

from tests.conftest import ROOT

PACKAGE = ROOT / "seqcli"
# Each package may import only packages after it in this order (and modules at the top).
LAYERS = (
    "cli",
    "scaffold",  # seqcli init: a recipe guessed from a data file, torch-free
    "launch",  # torchrun's ranks and their process group, the allocator: around the loop
    "export",  # a trained run in other formats
    "report",  # seqcli report: one HTML page of runs, reading what analysis and compare give
    "tune",  # seqcli tune: Optuna's trials, each a run as compare-cells trains them
    "compare",
    "analysis",
    "tasks",
    "engine",  # the training loop, and the Run it trains
    "runs",  # the run folder and its files: checkpoints, the metrics log, loggers
    "decoding",
    "models",
    "data",
    "metrics",
    "ui",
    "recipe",
)
TOP = {"errors", "extras", "version", "entry", "__init__", "__main__"}


def imports() -> dict[str, set[str]]:
    """Package -> the seqcli packages its modules import, at any depth of the file."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        me = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                if parts[0] == "seqcli" and len(parts) > 1 and parts[1] != me:
                    edges[me].add(parts[1])
    return edges


def test_no_package_imports_one_that_imports_it_back():
    edges = imports()
    both = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, ())})
    assert not both, f"packages importing each other: {both}"


def test_dependencies_point_down_the_layers():
    upward = [
        f"{package} -> {target}"
        for package, targets in imports().items()
        for target in targets
        if package in LAYERS and target in LAYERS and LAYERS.index(target) <= LAYERS.index(package)
    ]
    assert not upward, f"imports against the layering: {upward}"


def test_every_package_has_a_place_in_the_layers():
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LAYERS)
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules <= TOP


MAX_FILE_LINES, MAX_FUNCTION_LINES = 300, 40


def test_files_fit_in_three_hundred_lines():
    long = {
        str(path.relative_to(ROOT)): count
        for path in PACKAGE.rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    }
    assert not long, f"split these by responsibility: {long}"


def test_functions_fit_on_a_screen():
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


# Values that are one thing may share a statement (a scale's stops, a method's state, a cell's
# gates); unrelated values packed three to a line only hide how long a function is.
PACKED_TOGETHER = {
    "seqcli/ui/gates.py": {"WHITE, RED, BLUE"},
    "seqcli/metrics/holt_winters.py": {"level, trend, seasons"},
    "seqcli/models/steps.py": {"i, f, g, o"},
}


def packed_unrelated(path) -> list[str]:
    """Where the file assigns three or more values in one statement that are not one thing."""
    name = path.relative_to(ROOT).as_posix()
    return [
        f"{name}:{node.lineno}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assign)
        and all(
            isinstance(side, ast.Tuple) and len(side.elts) >= 3
            for side in (node.targets[0], node.value)
        )
        and ", ".join(map(ast.unparse, node.targets[0].elts)) not in PACKED_TOGETHER.get(name, ())
    ]


def test_no_statement_packs_three_unrelated_assignments():
    packed = [line for path in PACKAGE.rglob("*.py") for line in packed_unrelated(path)]
    assert not packed, f"one statement per value, unless they are one thing: {packed}"


def test_the_formatter_formats():
    skips = sum(p.read_text(encoding="utf-8").count("fmt: skip") for p in PACKAGE.rglob("*.py"))
    assert skips < 10
