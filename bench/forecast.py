"""Forecasting head-to-head: the default recipe of each frequency against every baseline.

    python bench/forecast.py                  # every series below, one after another
    python bench/forecast.py airline nile     # some of them
    python bench/forecast.py --set model.decomposition=none --set model.residual_of=auto
    python bench/forecast.py --set data.auto_arima=true   # AutoARIMA among the baselines
    python bench/forecast.py --init           # what `seqcli init` writes for each file instead

Each series is written to a CSV and trained with its frequency's recipe unchanged
(recipes/forecast-*.yaml; the daily one in bench/recipes); only facts about the data are set:
the file and its columns, the season (none where the series has no fixed one) and, as a rule
rather than a tuning, an additive decomposition where a value is at or below zero. Then the
test split is forecast from every origin whose horizon fits in it, beside every baseline on
the same origins, and a rolling-origin backtest (origins a horizon apart) counts where the
model has the lowest MAE. Printed per series: mean MASE over the horizon of the model and of
each baseline, the margin to the best baseline, evaluate's verdict, the 80% band's coverage.
With --init, each series is written with its dates and trained with the recipe `seqcli init`
writes for that file, as a new user would: its season, horizon and lookback are init's guesses,
so its MASE is on the scale of the season it found. Training runs on one thread."""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, require, train_quietly  # noqa: E402

from seqcli.engine.run import load_run  # noqa: E402
from seqcli.errors import SeqcliError  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import TASKS  # noqa: E402

TIMESERIES = SHARED / "timeseries"
RECIPES = {
    "monthly": ROOT / "recipes" / "forecast-monthly.yaml",
    "quarterly": ROOT / "recipes" / "forecast-quarterly.yaml",
    "yearly": ROOT / "recipes" / "forecast-yearly.yaml",
    "daily": ROOT / "bench" / "recipes" / "forecast-daily.yaml",
}


@dataclass(frozen=True)
class Case:
    frequency: str
    season: float | None  # None: the series has no fixed season
    source: str  # where the values come from, for the table's reader
    start: str  # the first row's date, for --init's dated file


def statsmodels_frame(name: str):
    import statsmodels.datasets as datasets

    return getattr(datasets, name).load_pandas().data


def co2() -> np.ndarray:
    """Mauna Loa CO2, weekly 1958-2001, as monthly means (gaps left out of the mean)."""
    weekly = statsmodels_frame("co2")["co2"]
    return weekly.resample("MS").mean().interpolate().to_numpy()


def elec_equip() -> np.ndarray:
    from statsmodels.datasets import elec_equip as data

    return data.load().data.iloc[:, 0].to_numpy()


def elnino() -> np.ndarray:
    """Monthly sea surface temperature, 1950-2010: the year's rows end to end."""
    return statsmodels_frame("elnino").iloc[:, 1:].to_numpy().ravel()


def shared_column(file: str, column: str):
    def read() -> np.ndarray:
        import pandas as pd

        return pd.read_csv(require(TIMESERIES / file))[column].to_numpy()

    return read


READERS = {  # name: (values, what the series is)
    "airline": (
        shared_column("airline-passengers.csv", "Passengers"),
        Case("monthly", 12, "shipped", "1949-01-01"),
    ),
    "sunspots": (
        shared_column("monthly-sunspots.csv", "Sunspots"),
        Case("monthly", None, "shipped", "1749-01-01"),
    ),
    "temps": (
        shared_column("daily-min-temperatures.csv", "Temp"),
        Case("daily", 365.25, "shipped", "1981-01-01"),
    ),
    "co2": (co2, Case("monthly", 12, "statsmodels", "1958-03-01")),
    "elec_equip": (elec_equip, Case("monthly", 12, "statsmodels", "1996-01-01")),
    "elnino": (elnino, Case("monthly", 12, "statsmodels", "1950-01-01")),
    "nile": (
        lambda: statsmodels_frame("nile")["volume"].to_numpy(),
        Case("yearly", None, "statsmodels", "1871-01-01"),
    ),
    "sunspots_yearly": (
        lambda: statsmodels_frame("sunspots")["SUNACTIVITY"].to_numpy(),
        Case("yearly", None, "statsmodels", "1700-01-01"),
    ),
    "realgdp": (
        lambda: statsmodels_frame("macrodata")["realgdp"].to_numpy(),
        Case("quarterly", None, "statsmodels", "1959-01-01"),
    ),
    "unemp": (
        lambda: statsmodels_frame("macrodata")["unemp"].to_numpy(),
        Case("quarterly", None, "statsmodels", "1959-01-01"),
    ),
}


def written(name: str, values: np.ndarray, folder: Path) -> Path:
    path = folder / f"{name}.csv"
    path.write_text("value\n" + "\n".join(f"{v:.6g}" for v in values) + "\n", encoding="utf-8")
    return path


def overrides(path: Path, case: Case) -> list[str]:
    """The data's facts only: where it is and its season."""
    season = "null" if case.season is None else f"{case.season}"
    return [
        f"data.path={path}",
        "data.value_columns=[value]",
        "data.date_column=null",
        f"data.season={season}",
    ]


def recipe_for(case: Case, path: Path, values: np.ndarray, changes: list[str]):
    """The frequency's recipe with the data's facts and the --set changes; a multiplicative
    decomposition becomes additive where a value is at or below zero (it divides by them)."""
    facts = [*overrides(path, case), *changes]
    recipe = load_recipe(require(RECIPES[case.frequency]), facts)
    if recipe.model.decomposition == "multiplicative" and values.min() <= 0:
        recipe = load_recipe(RECIPES[case.frequency], [*facts, "model.decomposition=additive"])
    return recipe


MONTHS_A_ROW = {"monthly": 1, "quarterly": 3, "yearly": 12}  # daily: a day a row


def init_recipe(case: Case, name: str, values: np.ndarray, folder: Path, changes: list[str]):
    """The recipe `seqcli init` writes for the series as a dated CSV, with the --set changes."""
    from seqcli.scaffold.guess import draft_recipe, render, write_recipe

    steps = np.arange(len(values))
    if case.frequency in MONTHS_A_ROW:
        month = np.datetime64(case.start, "M") + steps * MONTHS_A_ROW[case.frequency]
        dates = month.astype("datetime64[D]")
    else:
        dates = np.datetime64(case.start, "D") + steps
    path, out = folder / f"{name}.csv", folder / f"{name}.yaml"
    lines = [f"{d},{v:.6g}" for d, v in zip(dates, values, strict=True)]
    path.write_text("date,value\n" + "\n".join(lines) + "\n", encoding="utf-8")
    draft = draft_recipe(path, out=out, task="forecaster")
    write_recipe(render(draft, name=name, data=str(path), out=str(out)), out, overwrite=True)
    return load_recipe(out, changes)


def backtest_wins(run, test) -> str:
    details = run.task.evaluate(run, test, backtest=True)["details"]
    content = details["backtest"]
    errors = np.array([row[1:] for row in content["rows"]])  # (origins, forecasts)
    wins = int((errors.argmin(axis=1) == 0).sum())
    return f"{wins}/{len(errors)}"


def scored(name: str, folder: Path, changes: list[str], init: bool) -> dict:
    read, case = READERS[name]
    values = np.asarray(read(), dtype=float)
    if init:
        recipe = init_recipe(case, name, values, folder, changes)
    else:
        recipe = recipe_for(case, written(name, values, folder), values, changes)
    _, seconds = train_quietly(recipe, folder / name)
    run = load_run(folder / name / "best.pt", torch.device("cpu"), TASKS)
    test = run.task.prepare(run.recipe, run.meta).splits["test"]
    details = run.task.evaluate(run, test)["details"]
    ranking = details["ranking"]
    at = ranking["columns"].index("mase")  # the verdict's columns ("vs model", "p") follow it
    mase = {row[1]: row[at] for row in ranking["rows"]}
    coverage = [row[1] for row in details["intervals"]["rows"] if row[0] == "80%"]
    return {
        "name": name,
        "case": case,
        "rows": len(values),
        "seconds": seconds,
        "mase": mase,
        "verdict": ranking.get("note", ""),
        "coverage": coverage[0] if coverage else float("nan"),
        "backtest": backtest_wins(run, test),
        "decomposition": run.recipe.model.residual_of or run.recipe.model.decomposition,
        "corrects": run.meta.baseline,
        "season": run.recipe.data.season,
    }


def report(result: dict) -> None:
    mase, case = result["mase"], result["case"]
    model = mase.pop("model")
    best = min(mase, key=mase.get)
    season = "no season" if result["season"] is None else f"season {result['season']:g}"
    print(
        f"\n{result['name']} ({case.source}, {case.frequency}, {season}, {result['rows']} rows, "
        f"{result['decomposition']} {result['corrects'] or ''}; trained {result['seconds']:.0f} s)"
    )
    for label, value in sorted(mase.items(), key=lambda item: item[1]):
        print(f"    {value:8.3f}  {label}")
    margin = (mase[best] - model) / mase[best]
    print(
        f"  model MASE {model:.3f}, best baseline {best} {mase[best]:.3f} "
        f"(margin {margin:+.1%} of it, positive: the model lower); 80% band covers "
        f"{result['coverage']:.1%}; lowest MAE at {result['backtest']} backtest origins"
    )
    print(f"  verdict: {result['verdict']}")


def parsed(arguments: list[str]) -> argparse.Namespace:
    """The series to run and the --set changes, each checked before any series is read."""
    parser = argparse.ArgumentParser(
        prog="bench/forecast.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument(
        "series", nargs="*", metavar="SERIES", help=f"default: all of {', '.join(READERS)}"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        dest="changes",
        metavar="KEY=VALUE",
        help="a recipe key set in every series' recipe (a variant)",
    )
    parser.add_argument(
        "--init", action="store_true", help="train the recipe seqcli init writes for each file"
    )
    args = parser.parse_intermixed_args(arguments)
    unknown = [name for name in args.series if name not in READERS]
    if unknown:
        names = ", ".join(map(repr, unknown))
        parser.exit(2, f"{parser.prog}: no series {names}; choose from {', '.join(READERS)}\n")
    try:  # a typo in --set is one line now, not a traceback after the first series trained
        for recipe in RECIPES.values():
            load_recipe(recipe, args.changes)
    except SeqcliError as err:
        parser.exit(2, f"{parser.prog}: {err.lines()[0]}\n")
    return args


def main(arguments: list[str]) -> int:
    """Series names, and --set KEY=VALUE changes applied to every recipe (a variant)."""
    args = parsed(arguments)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.series or list(READERS):
            report(scored(name, Path(scratch), args.changes, args.init))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
