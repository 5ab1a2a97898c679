"""Forecasting benchmark: train the shipped recipes on the shared series, score the test split.

    python bench/forecast.py             # airline passengers and monthly sunspots
    python bench/forecast.py airline     # one of them

Monthly sunspots hold out the last 20% and airline passengers the last 48 months; each
test month is forecast one step ahead from the true months before it, in the data's units,
beside persistence (last value) and seasonal naive (same month last year) on the same points.
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

SERIES = {
    "airline": SHARED / "timeseries" / "airline-passengers.csv",
    "sunspots": SHARED / "timeseries" / "monthly-sunspots.csv",
}
METRICS = ("rmse", "mae", "smape", "mase")


def train(name: str, folder: Path) -> float:
    """Train recipes/<name>.yaml on the shared copy of its series; the wall time in seconds."""
    data = require(SERIES[name])
    recipe = load_recipe(ROOT / "recipes" / f"{name}.yaml", [f"data.path={data}"])
    started = time.perf_counter()
    trainer = fresh_training(recipe, device=torch.device("cpu"), out=folder)
    try:
        for _ in trainer:
            pass
    finally:
        trainer.folder.release()
    return time.perf_counter() - started


def test_rows(folder: Path) -> list[list]:
    """The best checkpoint's test table: the model's row, then each baseline's."""
    run = load_run(folder / "best.pt", torch.device("cpu"))
    examples = run.task.prepare(run.recipe, run.meta).splits["test"]
    (table,) = run.task.evaluate(run, examples)["details"].values()
    return table["rows"]


def report(name: str, rows: list[list], seconds: float) -> bool:
    print(f"\n{name}: one-step test forecasts, trained in {seconds:.1f} s")
    print(f"  {'forecast':<26}" + "".join(f"{metric:>10}" for metric in METRICS))
    for label, *values in rows:
        print(f"  {label:<26}" + "".join(f"{value:>10.3f}" for value in values))
    model, persistence = rows[0][1], rows[1][1]
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
            results.append(report(name, test_rows(Path(scratch) / name), seconds))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(SERIES)))
