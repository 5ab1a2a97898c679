"""The compare-cells acceptance figures: adding T=200, copy memory T=100, JSB Chorales.

    python bench/compare_cells.py [adding|copy|jsb ...] [--jobs 2] [--seeds 0]
                                  [--out runs/bench-cells] [--set key=value ...]

Each task trains LSTM, GRU and RNN at matched parameter counts (the LSTM at the recipe's size
is the reference) through compare-cells' grid runner, then prints every cell's test metric
beside the task's baseline or the published figure, its early-step gradient and wall times.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, require  # noqa: E402

from seqcli.compare import Grid, run_grid  # noqa: E402
from seqcli.engine import events  # noqa: E402
from seqcli.launch.allocator import tune_allocator  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402

CELLS = ("lstm", "gru", "rnn")
# Per task: recipe, the metric's line to beat, and what each cell should reach.
TASKS = {
    "adding": {
        "recipe": "adding-200.yaml",
        "baseline": "predict 1: mse 0.167",
        "goal": {"lstm": "< 0.01", "gru": "< 0.01", "rnn": "> 0.1"},
    },
    "copy": {
        "recipe": "copy-100.yaml",
        "baseline": "memoryless: loss 0.173, last10 0.125",
        "goal": {"lstm": ">= 0.9", "gru": ">= 0.9", "rnn": "< 0.9"},
    },
    "jsb": {
        "recipe": "jsb.yaml",
        "baseline": "Bai et al. 2018 test nll",
        "goal": {"lstm": "8.45 ± 0.3", "gru": "8.43 ± 0.3", "rnn": "8.91 ± 0.3"},
    },
}


def run(name: str, args) -> None:
    spec = TASKS[name]
    recipe = load_recipe(ROOT / "recipes" / spec["recipe"], args.overrides)
    grid = Grid(
        cells=tuple((cell, None) for cell in CELLS),
        layers=(recipe.model.layers,),
        directions=(recipe.model.direction,),
        seeds=tuple(args.seeds),
        match_params=True,
    )
    started = time.perf_counter()
    print(f"== {name}: {recipe.name}, {recipe.train.monitor}; {spec['baseline']}", flush=True)
    stream = run_grid(recipe, grid, args.out / name, device=torch.device("cpu"), jobs=args.jobs)
    for event in stream:
        if isinstance(event, events.VariantProgress) and event.metric is not None:
            print(f"   {event.name} step {event.step}: val {event.metric:.4f}", flush=True)
        if isinstance(event, events.VariantDone):
            r = event.result
            print(
                f"   done {r['name']}: {r['parameters']:,} params, {r['wall_s'] / 60:.1f} min, "
                f"best val {r['best_val']:.4f}",
                flush=True,
            )
        if isinstance(event, events.CompareFinished):
            report(event.groups, spec, minutes=(time.perf_counter() - started) / 60)


def report(groups: list[dict], spec: dict, *, minutes: float) -> None:
    print(
        f"{'variant':<16}{'params':>9}{'test':>9}{'±':>8}  {'goal':<12}"
        f"{'early grad':>11}{'late grad':>11}{'min':>6}"
    )
    for g in groups:
        mean, std = g["test"]
        split = g["test_split"]
        print(
            f"{g['group']:<16}{g['parameters']:>9,}{mean:>9.4f}{std:>8.4f}  "
            f"{spec['goal'][g['cell']]:<12}{g['early_gradient']:>11.2e}"
            f"{g['late_gradient']:>11.2e}{g['wall_s'] / 60:>6.1f}"
        )
    early = {g["cell"]: g["early_gradient"] for g in groups}
    if early.get("rnn", 0) > 0:
        print(
            f"early-step gradient (first 10% of steps), lstm / rnn: "
            f"{early['lstm'] / early['rnn']:.3g}x, gru / rnn: {early['gru'] / early['rnn']:.3g}x"
        )
    print(f"({split} split; whole run {minutes:.1f} min on {torch.get_num_threads()} thread(s))")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", nargs="*", choices=[*TASKS, []], default=list(TASKS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench-cells")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    require(SHARED / "polyphonic_music" / "JSB_Chorales.mat")
    tune_allocator()
    torch.set_num_threads(1)
    for name in args.tasks:
        run(name, args)


if __name__ == "__main__":
    main()
