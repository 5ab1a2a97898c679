"""Train the classifier recipes on the full shared datasets; print metric, baseline, wall time.

    python bench/classify.py [--only sms|names] [--shared DIR] [--set key=value ...]

sms:   recipes/sms-spam.yaml on all 5,574 SMS Spam messages, stratified 80/20.
       Targets: accuracy >= 98.0%, spam F1 >= 0.92; baseline (all ham) 86.6%.
names: recipes/names-language.yaml on all 20,074 surnames, stratified 85/15.
       Target: accuracy >= 80%; baseline (all Russian) 46.9%.
The figures are the last step's on the held-out split (no model is picked on it).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, require  # noqa: E402

from seqcli.engine import events  # noqa: E402
from seqcli.engine.start import fresh_training  # noqa: E402
from seqcli.engine.train import Trainer  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import task_for  # noqa: E402

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


def train(recipe) -> Trainer:
    """The engine's own training, into a throwaway run folder."""
    with tempfile.TemporaryDirectory() as out:
        trainer = fresh_training(
            recipe, task_for(recipe), device=torch.device("cpu"), out=Path(out) / "run"
        )
        try:
            for event in trainer:
                if isinstance(event, events.Evaluated):
                    shown = "  ".join(f"{k} {v:.4f}" for k, v in event.metrics.items())
                    print(f"  step {event.step}: {shown}", flush=True)
        finally:
            trainer.folder.release()
    return trainer


def bench(name: str, shared: Path, overrides: list[str]) -> None:
    recipe_path, data_path, settings, positive = BENCHES[name]
    data_path = require(shared / data_path)
    recipe = load_recipe(recipe_path, [f"data.path={data_path}", *settings, *overrides])
    start = time.perf_counter()
    trainer = train(recipe)
    held_out = trainer.data.splits["val"]
    metrics = trainer.run.task.evaluate(trainer.run, held_out)
    seconds = time.perf_counter() - start
    details = metrics["details"]
    print(f"{name}: {len(trainer.data.splits['train'])} train / {len(held_out)} held out")
    print(f"  accuracy {metrics['accuracy']:.2%}  macro F1 {metrics['macro_f1']:.4f}")
    if positive:
        _, precision, recall, f1, _ = next(
            row for row in details["per class"]["rows"] if row[0] == positive
        )
        print(f"  {positive} F1 {f1:.4f}  (precision {precision:.4f}, recall {recall:.4f})")
    predictor, baseline, _ = details["baseline"]["rows"][0]
    print(f"  baseline ({predictor}) accuracy {baseline:.2%}")
    print(f"  wall time {seconds:.0f} s (data, training, evaluation)", flush=True)


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
