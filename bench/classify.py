"""Train the classifier recipes on the full shared datasets; print metric, baseline, wall time.

    python bench/classify.py [--only sms|names] [--shared DIR] [--set key=value ...]

sms:   recipes/sms-spam.yaml on all 5,574 SMS Spam messages, stratified 80/20.
       Targets: accuracy >= 98.0%, spam F1 >= 0.92; baseline (all ham) 86.6%.
names: recipes/names-language.yaml on all 20,074 surnames, stratified 85/15.
       Target: accuracy >= 80%; baseline (all Russian) 46.9%.
The figures are those of the last step on the held-out split (no model picked on it).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, require  # noqa: E402

from seqcli.engine.optim import LearningRate, build_optimizer  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks.classifier import TASK  # noqa: E402

BENCHES = {
    "sms": (
        ROOT / "recipes/sms-spam.yaml",
        "sms_spam_collection/SMSSpamCollection",
        ['data.delimiter="\\t"', "data.val_fraction=0.2", "data.test_fraction=0"],
        "spam",
    ),
    "names": (
        ROOT / "recipes/names-language.yaml",
        "names_by_language",
        ["data.val_fraction=0.15", "data.test_fraction=0"],
        None,
    ),
}


@dataclass
class BenchRun:
    recipe: object
    meta: object
    model: torch.nn.Module
    device: torch.device
    checkpoint: dict | None = None


def train(recipe, data) -> BenchRun:
    """The Trainer's step, without checkpoints: enough to measure what the recipe reaches."""
    torch.manual_seed(recipe.seed)
    run = BenchRun(recipe, data.meta, TASK.build_model(recipe, data.meta), torch.device("cpu"))
    batches = TASK.batches(data, recipe)
    steps = recipe.train.steps or math.ceil(recipe.train.epochs * len(batches))
    optimizer = build_optimizer(run.model.parameters(), recipe.train)
    rate = LearningRate(recipe.train, total_steps=steps)
    run.model.train()
    for step in range(steps):
        for group in optimizer.param_groups:
            group["lr"] = rate.at(step)
        batch = next(batches)
        loss = run.model(**batch.inputs, targets=batch.targets).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), recipe.train.clip_norm or math.inf)
        optimizer.step()
        if (step + 1) % recipe.train.eval_every == 0:
            print(f"  step {step + 1}/{steps}  train loss {loss.item():.4f}", flush=True)
    return run


def bench(name: str, shared: Path, overrides: list[str]) -> None:
    recipe_path, data_path, settings, positive = BENCHES[name]
    data_path = require(shared / data_path)
    recipe = load_recipe(recipe_path, [f"data.path={data_path}", *settings, *overrides])
    start = time.perf_counter()
    data = TASK.prepare(recipe)
    run = train(recipe, data)
    metrics = TASK.evaluate(run, data.splits["val"])
    seconds = time.perf_counter() - start
    details = metrics["details"]
    print(f"{name}: {len(data.splits['train'])} train / {len(data.splits['val'])} held out")
    print(f"  accuracy {metrics['accuracy']:.2%}  macro F1 {metrics['macro_f1']:.4f}")
    if positive:
        row = next(r for r in details["per_class"] if r["label"] == positive)
        print(f"  {positive} F1 {row['f1']:.4f}  (precision {row['precision']:.4f}, "
              f"recall {row['recall']:.4f})")  # fmt: skip
    print(f"  baseline (majority class) accuracy {details['majority_baseline']:.2%}")
    print(f"  wall time {seconds:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(BENCHES))
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    # A git worktree sits one level deeper than the main checkout, beside no shared/ folder.
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name in [args.only] if args.only else BENCHES:
        bench(name, args.shared, args.overrides)


if __name__ == "__main__":
    main()
