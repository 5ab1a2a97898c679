"""Forecasting benchmark: train the shipped recipes on the shared series, score the test split.

    python bench/forecast.py             # airline passengers and monthly sunspots
    python bench/forecast.py airline     # one of them

Monthly sunspots hold out the last 20% and airline passengers the last 48 months; each
test month is forecast one step ahead from the true months before it, in the data's units,
beside persistence (last value) and seasonal naive (same month last year) on the same points.
Those baselines read the months before the test too, so airline's are 48.04 and 41.85 over
all 48 months; shared/data's README quotes 48.53 and 41.98, computed inside the test months
alone (47 and 36 points).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, require  # noqa: E402

from seqcli.engine.run import load_run  # noqa: E402
from seqcli.engine.start import fresh_training  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import TASKS, task_for  # noqa: E402

SERIES = {
    "airline": SHARED / "timeseries" / "airline-passengers.csv",
    "sunspots": SHARED / "timeseries" / "monthly-sunspots.csv",
}


def train(name: str, folder: Path) -> float:
    """Train recipes/<name>.yaml on the shared copy of its series; the wall time in seconds."""
    data = require(SERIES[name])
    recipe = load_recipe(ROOT / "recipes" / f"{name}.yaml", [f"data.path={data}"])
    started = time.perf_counter()
    trainer = fresh_training(recipe, task_for(recipe), device=torch.device("cpu"), out=folder)
    try:
        for _ in trainer:
            pass
    finally:
        trainer.folder.release()
    return time.perf_counter() - started


def test_table(folder: Path) -> dict:
    """The best checkpoint's test table: the model's row, then each baseline's."""
    run = load_run(folder / "best.pt", torch.device("cpu"), TASKS)
    examples = run.task.prepare(run.recipe, run.meta).splits["test"]
    details = run.task.evaluate(run, examples)["details"]
    return next(table for title, table in details.items() if "ranked" in title)


def report(name: str, table: dict, seconds: float) -> bool:
    _, label, *metrics = table["columns"]
    print(f"\n{name}: test forecasts, mean over the horizon, trained in {seconds:.1f} s (wall)")
    print(f"  {label:<36}" + "".join(f"{metric:>10}" for metric in metrics))
    for _, row_label, *values in table["rows"]:
        print(f"  {row_label:<36}" + "".join(f"{value:>10.3f}" for value in values))
    rmse = 2 + metrics.index("rmse")
    rows = {row[1]: row for row in table["rows"]}
    model, persistence = rows["model"][rmse], rows["naive (last value)"][rmse]
    beats = model < persistence
    verdict = "below" if beats else "NOT below"
    print(f"  RMSE {model:.2f} vs persistence {persistence:.2f}: {verdict}")
    return beats


def main(names: list[str]) -> int:
    torch.set_num_threads(1)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in names:
            seconds = train(name, Path(scratch) / name)
            results.append(report(name, test_table(Path(scratch) / name), seconds))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(SERIES)))
