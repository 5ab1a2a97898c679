"""Train the UPOS tagging benchmark and print test accuracy beside the baseline and wall time.

    python bench/tagging.py [--recipe bench/recipes/ud-ewt-upos.yaml] [--set key=value ...]

Trains on UD English-EWT dev, keeps best.pt by validation accuracy, scores it on EWT test.
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
from seqcli.engine.run import load_run  # noqa: E402
from seqcli.engine.start import fresh_training  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import TASKS, task_for  # noqa: E402
from seqcli.tasks.tagger.report import BASELINE_TABLE  # noqa: E402

EWT = SHARED / "ud_english_ewt"
TARGET = 0.88


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", type=Path, default=ROOT / "bench/recipes/ud-ewt-upos.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    require(EWT / "en_ewt-ud-dev.conllu")
    require(EWT / "en_ewt-ud-test.conllu")
    # One thread: on two shared cores a second OpenMP thread makes these small steps slower.
    torch.set_num_threads(1)
    recipe = load_recipe(args.recipe, args.overrides)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        trainer = fresh_training(
            recipe, task_for(recipe), device=torch.device("cpu"), out=Path(out) / "run"
        )
        print(f"{'step':>6} {'seconds':>8} {'val accuracy':>13}")
        try:
            for event in trainer:
                if isinstance(event, events.Evaluated):
                    seconds = time.perf_counter() - start
                    print(
                        f"{event.step:6} {seconds:8.0f} {event.metrics['accuracy']:13.4f}",
                        flush=True,
                    )
        finally:
            trainer.folder.release()
        trained = time.perf_counter() - start
        run = load_run(Path(out) / "run" / "best.pt", torch.device("cpu"), TASKS)
        report(run)
    total = time.perf_counter() - start
    print(f"wall time {trained:.0f} s to read and train, {total:.0f} s in all")


def report(run) -> None:
    """best.pt on the test file: accuracy, the baseline, and both on unknown words."""
    task = run.task
    test = task.prepare(run.recipe, run.meta).splits["test"]
    metrics = task.evaluate(run, test)
    rows = {row[0]: row for row in metrics["details"][BASELINE_TABLE]["rows"]}
    _, tokens, model, baseline = rows["all"]
    _, unknown, unknown_model, unknown_baseline = rows["not in the vocabulary"]
    print(f"test: {len(test)} sentences, {tokens} words ({unknown} outside the vocabulary)")
    print(f"accuracy {model:.4f} (target >= {TARGET})  most-frequent-tag baseline {baseline:.4f}")
    print(f"words outside the vocabulary: {unknown_model:.4f}  baseline {unknown_baseline:.4f}")


if __name__ == "__main__":
    main()
