"""Small CSV series and recipes for the forecasting tests."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from seqcli.cli.requests import build_request
from seqcli.engine.run import Run
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS

CPU = torch.device("cpu")


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def sine_csv(path: Path, rows: int = 240) -> Path:
    """A clean sine of period 12 with a date column: easy to learn, hard for persistence."""
    lines = ["month,level"]
    for t in range(rows):
        lines.append(f"{1900 + t // 12}-{t % 12 + 1:02d},{10 + 5 * math.sin(2 * math.pi * t / 12)}")
    return write_csv(path, "\n".join(lines) + "\n")


def series_recipe(path: Path, *, mapping: str = "many_to_many", **data) -> dict:
    return {
        "name": "fc",
        "seed": 3,
        "mapping": mapping,
        "data": {
            "format": "series",
            "path": str(path),
            "lookback": 12,
            "horizon": 3,
            "test_size": 24,
            "val_fraction": 0.1,
            "season": 12,
            **data,
        },
        "model": {"cell": "gru", "hidden_size": 16},
        "train": {"batch_size": 16, "steps": 300, "lr": 0.01, "eval_every": 100},
        "generate": {"sample_length": 0},
    }


def prepare(raw: dict):
    recipe = validate_recipe(raw, source="test")
    task = TASKS[recipe.task]
    return recipe, task, task.prepare(recipe)


def untrained_run(raw: dict) -> tuple[Run, object]:
    recipe, task, data = prepare(raw)
    torch.manual_seed(0)
    return Run(recipe, task, data.meta, task.build_model(recipe, data.meta), CPU), data


def generated(run, **options):
    """What `seqcli generate` with these flags gets from the run's task."""
    return run.task.generate(run, build_request(run.recipe, options))


def generated_text(run, **options) -> str:
    return "".join(generated(run, **options).chunks)


def detail(details: dict, word: str) -> dict:
    """The one evaluate details table whose key or title holds word."""
    (table,) = [table for key, table in details.items() if word in f"{key} {table.get('title')}"]
    return table


def ranked(details: dict) -> dict[str, dict]:
    """Forecast name -> its mean errors, from evaluate's ranking table, best first."""
    table = detail(details, "ranked")
    names = table["columns"][2:]
    return {row[1]: dict(zip(names, row[2:], strict=True)) for row in table["rows"]}
