"""Forecasting benchmark: train a recipe, then score its test split as forecasters are scored.

    python bench/forecast.py                  # every case below, one after another
    python bench/forecast.py airline temps    # some of them

Each case trains on one core, then prints: the model's errors at every step of the horizon
from every test origin whose horizon fits in the test split; the model ranked among the
baselines on those same origins; a rolling-origin backtest (origins every `horizon` rows,
fixed weights) summarised as the share of origins where the model has the lowest MAE; and,
for a model with quantiles, the 80% band's coverage. Airline and sunspots train the shipped
recipes on the bundled samples, as they are and with a 0.1/0.5/0.9 quantile head; the daily
minimum temperatures train bench/recipes/daily-min-temperatures.yaml on the shared copy.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, require, train_quietly  # noqa: E402

from seqcli.engine.run import load_run  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import TASKS  # noqa: E402

QUANTILES = "model.quantiles=[0.1, 0.5, 0.9]"
TEMPERATURES = SHARED / "timeseries" / "daily-min-temperatures.csv"
CASES = {  # name: (recipe, --set overrides)
    "airline": (ROOT / "recipes" / "airline.yaml", []),
    "airline-quantiles": (ROOT / "recipes" / "airline.yaml", [QUANTILES]),
    "sunspots": (ROOT / "recipes" / "sunspots.yaml", []),
    "sunspots-quantiles": (ROOT / "recipes" / "sunspots.yaml", [QUANTILES]),
    "airline-direct-quantiles": (
        ROOT / "recipes" / "airline.yaml",
        ["mapping=many_to_one", QUANTILES],
    ),
    "sunspots-direct-quantiles": (
        ROOT / "recipes" / "sunspots.yaml",
        ["mapping=many_to_one", QUANTILES],
    ),
    "temps": (
        ROOT / "bench" / "recipes" / "daily-min-temperatures.yaml",
        [f"data.path={TEMPERATURES}"],
    ),
}


def table(details: dict, word: str) -> dict:
    return next(content for title, content in details.items() if word in title)


def show(title: str, content: dict) -> None:
    """A details table as aligned text, each column as wide as its widest cell."""
    rows = [content["columns"]] + [
        [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row] for row in content["rows"]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"  {title}")
    for row in rows:
        print(
            "    " + "  ".join(f"{cell:>{width}}" for cell, width in zip(row, widths, strict=True))
        )
    if "note" in content:
        print(f"    {content['note']}")


def backtest_summary(run, test) -> str:
    """Where the model wins across the rolling origins."""
    details = run.task.evaluate(run, test, backtest=True)["details"]
    content = table(details, "backtest")
    errors = np.array([row[1:] for row in content["rows"]])  # (origins, forecasts)
    names = content["columns"][1:]
    wins = int((errors.argmin(axis=1) == 0).sum())
    means = errors.mean(axis=0)
    best = 1 + int(means[1:].argmin())
    bands = ""
    if run.recipe.model.quantiles:
        bands = "; 80% band coverage " + ", ".join(
            f"{row[1]:.1%}" for row in table(details, "intervals")["rows"] if row[0] == "80%"
        )
    return (
        f"backtest, {len(errors)} origins {run.recipe.data.horizon} rows apart: the model has "
        f"the lowest MAE at {wins}; mean MAE model {means[0]:.3f}, best baseline "
        f"{names[best]} {means[best]:.3f}{bands}"
    )


def run_case(name: str, folder: Path) -> None:
    recipe_path, overrides = CASES[name]
    recipe = load_recipe(require(recipe_path), overrides)
    _, seconds = train_quietly(recipe, folder)
    run = load_run(folder / "best.pt", torch.device("cpu"), TASKS)
    test = run.task.prepare(run.recipe, run.meta).splits["test"]
    metrics = run.task.evaluate(run, test)
    print(f"\n{name}: {run.recipe.mapping}, trained in {seconds:.0f} s (wall, one core)")
    details = metrics["details"]
    show("per step ahead (test split)", table(details, "each step"))
    show("ranked by MASE, means over the horizon", table(details, "ranked"))
    print("  " + backtest_summary(run, test))
    if run.recipe.model.quantiles:
        show("intervals", table(details, "intervals"))


def main(names: list[str]) -> int:
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as scratch:
        for name in names:
            run_case(name, Path(scratch) / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(CASES)))
