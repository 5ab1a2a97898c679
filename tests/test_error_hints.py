"""Advice in an error is a command that works: every `use seqcli ...`, `give --flag`, `pass
--flag` hint in seqcli's messages names commands that exist and flags those commands take,
and a hint a task's own code gives names flags that command accepts for that task."""

from __future__ import annotations

import ast
import math
import re
from functools import cache
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.cli.requests import GENERATE_OPTIONS
from seqcli.engine.contract import Predicts
from seqcli.recipe.tasks import SPECS
from seqcli.tasks import TASKS
from tests.series_helpers import series_recipe, write_csv

PACKAGE = Path(__file__).resolve().parents[1] / "seqcli"
# The clause after an advising verb, or a command line quoted whole, up to the end of its part.
HINT = re.compile(
    r"\b(?:use|try|add|give|pass|run|rerun|drop|see|with)\s+(?P<hint>[^;:()]*)"
    r"|(?P<line>seqcli [a-z][a-z-]* --[^;:()]*)"
)
# A command a hint names: `seqcli evaluate`, or `evaluate` alone after an `or`.
COMMAND = re.compile(r"(\bseqcli [a-z][a-z-]*|\bor (?!seqcli)[a-z][a-z-]+\b)")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


@cache
def command_flags() -> dict[str, set[str]]:
    """Each command of the app (`recipe show` as such) and the flags it takes."""
    found, groups = {}, [("", typer.main.get_command(app))]
    while groups:
        prefix, group = groups.pop()
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                groups.append((f"{prefix}{name} ", command))
                continue
            flags = {opt for param in command.params for opt in param.opts + param.secondary_opts}
            found[prefix + name] = flags | {"-h", "--help"}  # every command's help option
    return found


def accepted(task: str, command: str) -> set[str]:
    """The flags `command` takes for this task: generate's and evaluate's task-only flags
    only for the tasks whose spec reads them; predict none for a task that does not predict."""
    spec, flags = SPECS[task], command_flags()[command]
    if command == "generate":
        everyones = {flag(n) for names in GENERATE_OPTIONS.values() for n in names}
        own = {flag(n) for group in spec.generate for n in GENERATE_OPTIONS[group]}
        return (flags - everyones) | own
    if command == "evaluate":
        everyones = {flag(n) for s in SPECS.values() for n in s.evaluate}
        return (flags - everyones) | {flag(n) for n in spec.evaluate}
    if command == "predict" and not isinstance(TASKS[task], Predicts):
        return set()
    return flags


def message_texts(path: Path):
    """Each string of the module outside docstrings, f-string fields shown as {}."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inner = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    for node in ast.walk(tree):
        if id(node) in inner or id(node) in docstrings:
            continue
        if isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(_static(part) for part in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def _static(part: ast.expr) -> str:
    return part.value if isinstance(part, ast.Constant) else "{}"


def hints():
    """(where, hint text, the tasks whose own code gives it) for every hint in seqcli/."""
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        package = module.rsplit(".", 1)[0] if path.parent.name != "tasks" else module
        tasks = sorted(n for n, t in TASKS.items() if type(t).__module__.startswith(package))
        owners = tasks if module.startswith("seqcli.tasks.") else []
        for line, text in message_texts(path):
            for match in HINT.finditer(text):
                hint = match["line"] if match["hint"] is None else match["hint"]
                if FLAG.search(hint) or "seqcli " in hint:
                    where = f"{path.relative_to(PACKAGE.parent)}:{line}"
                    yield pytest.param(hint, owners, id=where)


def named(hint: str) -> list[tuple[str | None, list[str]]]:
    """The commands a hint names, each with the flags that follow it; flags before any
    command come first, with None."""
    parts = []
    for piece in COMMAND.split(hint):
        words = piece.split()
        if COMMAND.fullmatch(piece) and (words[0] == "seqcli" or words[1] in command_flags()):
            parts.append((words[1], []))
        elif FLAG.search(piece):
            if not parts:
                parts.append((None, []))
            parts[-1][1].extend(FLAG.findall(piece))
    return parts


@pytest.mark.parametrize(("hint", "owners"), list(hints()))
def test_every_hint_names_commands_and_flags_that_take_it(hint, owners):
    for command, flags in named(hint):
        assert command is None or command in command_flags(), f"no command {command}: {hint}"
        # A hint naming no command advises flags of the command that refused: some one
        # command takes them all (for each task whose own code gives the hint).
        commands = list(command_flags()) if command is None else [command]
        for task in owners or [None]:
            takers = [c for c in commands if set(flags) <= takes(task, c)]
            assert takers, f"{hint!r}: no command takes {flags} for a {task or 'run'}"


def takes(task: str | None, command: str) -> set[str]:
    return command_flags()[command] if task is None else accepted(task, command)


@pytest.mark.parametrize("task", sorted(SPECS))
def test_a_command_that_does_not_apply_points_to_ones_that_do(task):
    """generate's refusal sends people to predict or evaluate; predict's to generate or
    evaluate: each task takes at least one of the commands named."""
    spec = SPECS[task]
    predicts = isinstance(TASKS[task], Predicts)
    assert spec.generate or predicts, f"{task}: neither generate nor predict applies"


def test_predict_on_a_forecaster_with_covariates_advises_a_generate_that_works(tmp_path):
    rows = "".join(f"{i},{i % 3},{math.sin(i)}\n" for i in range(120))
    path = write_csv(tmp_path / "s.csv", "t,weekday,v\n" + rows)
    raw = series_recipe(path, input_columns=["weekday"], horizon=1)
    raw["train"] |= {"steps": 2, "eval_every": 2}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    run = tmp_path / "run"
    assert cli("train", tmp_path / "r.yaml", "--out", run, "--quiet").exit_code == 0
    refused = cli("predict", run, "--text", ",".join(["1"] * 12))
    assert refused.exit_code == 2
    advice = re.search(r"use (seqcli generate [^,]*)", refused.stderr)[1]
    args = advice.replace("RUN", str(run)).replace("FILE.csv", str(path)).split()[1:]
    advised = cli(*args, "--device", "cpu")
    assert advised.exit_code == 0, advised.output
    assert advised.stdout.splitlines()[0] == "step,v"  # the forecast, as CSV


def cli(*args):
    return CliRunner().invoke(app, [str(arg) for arg in args])
