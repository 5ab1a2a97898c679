"""The handoffs are annotated and a type checker keeps the annotations true: `make test` runs
mypy (configured in pyproject.toml) before the tests, over every package the task contract
runs through."""

from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import ROOT

tomllib = pytest.importorskip("tomllib")  # Python 3.11 on; the checker's config is TOML

# Where a run, recipe, batch or meta is handed to a function, the parameter says its type.
ANNOTATED = ("tasks", "compare", "analysis", "decoding", "engine/contract.py")
HANDOFFS = ("run", "recipe", "batch", "meta")
CHECKED = ("seqcli.tasks", "seqcli.compare", "seqcli.analysis", "seqcli.decoding")
CHECKED_MODULES = (
    "seqcli.engine.contract",
    "seqcli.recipe.task_spec",
    "seqcli.recipe.tasks",
    "seqcli.recipe.task_choice",
)


def mypy_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def unannotated(path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{arg.lineno} {node.name}({arg.arg})"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)
        if arg.arg in HANDOFFS and arg.annotation is None
    ]


@pytest.mark.parametrize("place", ANNOTATED)
def test_every_run_recipe_batch_and_meta_parameter_says_its_type(place):
    where = ROOT / "seqcli" / place
    paths = [where] if where.suffix == ".py" else sorted(where.rglob("*.py"))
    found = [line for path in paths for line in unannotated(path)]
    assert not found, "annotate these (run: Run, recipe: Recipe, ...):\n" + "\n".join(found)


def test_make_test_runs_the_type_check_before_the_tests():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: typecheck$", makefile, re.M)
    assert re.search(r"^typecheck: .*\n\t\$\(BIN\)/python -m mypy$", makefile, re.M)


def test_the_checker_covers_the_whole_package():
    assert mypy_config()["files"] == ["seqcli"]


def test_no_module_of_the_contracts_packages_has_its_errors_ignored():
    ignored = [
        module
        for override in mypy_config().get("overrides", [])
        if override.get("ignore_errors")
        for module in override["module"]
    ]
    assert ignored, "the list of modules still to bring up to the check"
    contract = [m for m in ignored if m.startswith(CHECKED) or m in CHECKED_MODULES]
    assert not contract, contract
