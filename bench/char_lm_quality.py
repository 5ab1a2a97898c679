"""Train the quality benchmark recipe and print the validation curve with wall times.

    python bench/char_lm_quality.py [--recipe bench/recipes/shakespeare-lstm.yaml]
                                    [--budget-min 15] [--set key=value ...]

Stops at the recipe's step count or when the time budget runs out, whichever comes first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHAKESPEARE, require  # noqa: E402

from seqcli.engine import events  # noqa: E402
from seqcli.engine.start import fresh_training  # noqa: E402
from seqcli.launch.allocator import tune_allocator  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import task_for  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", type=Path, default=ROOT / "bench/recipes/shakespeare-lstm.yaml")
    parser.add_argument("--budget-min", type=float, default=15.0)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    require(SHAKESPEARE)
    tune_allocator()
    recipe = load_recipe(args.recipe, args.overrides)
    start, best, last_sample = time.perf_counter(), None, ""
    with tempfile.TemporaryDirectory() as out:
        trainer = fresh_training(
            recipe, task_for(recipe), device=torch.device("cpu"), out=Path(out) / "run"
        )
        print(f"{'step':>6} {'minutes':>8} {'val loss':>9} {'bits/char':>10}")
        for event in trainer:
            minutes = (time.perf_counter() - start) / 60
            if isinstance(event, events.Evaluated):
                best = min(best or event.metrics["loss"], event.metrics["loss"])
                print(
                    f"{event.step:6} {minutes:8.2f} {event.metrics['loss']:9.4f} "
                    f"{event.metrics['bpc']:10.4f}",
                    flush=True,
                )
            if isinstance(event, events.Sample):
                last_sample = event.text
            if isinstance(event, events.Step) and minutes > args.budget_min:
                trainer.request_stop("time budget spent")
    print(f"best val loss {best:.4f} nats/char in {minutes:.1f} min (target <= 1.50)")
    if last_sample:
        print("sample:\n" + last_sample)


if __name__ == "__main__":
    main()
