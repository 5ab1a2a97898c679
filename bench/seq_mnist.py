"""Sequential MNIST under a fixed CPU budget: LSTM, GRU and RNN at ~70K parameters.

    python bench/make_seq_mnist.py MNIST_DIR /tmp/seq-mnist      # once: the .npz files
    python bench/seq_mnist.py /tmp/seq-mnist [--variants pixel,row] [--cells lstm,gru,rnn]
                              [--budget 600] [--params 70000] [--test-limit N] [--set k=v]

Each run trains bench/recipes/seq-mnist.yaml with the cell's hidden size matched to --params
(within 2%, as compare-cells matches), stops at --budget seconds of wall-clock training (the
step under way finishes and last.pt is saved), then scores last.pt on the test file. Bai et
al. (2018, Table 1) report test accuracy after 10 epochs on a GPU for the pixel reading:
LSTM 87.2, GRU 96.2, RNN 21.5 (TCN 99.0); a few CPU minutes see a small share of one epoch,
so the figures here measure how far each cell gets on a budget, not those models' ceiling.
The row reading (28 steps of 28 pixels) has no published line beside it here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, peak_rss_mb  # noqa: E402

from seqcli.analysis.matching import match_hidden_size, meta_parameter_count  # noqa: E402
from seqcli.data.scaling import Scaler  # noqa: E402
from seqcli.engine import events  # noqa: E402
from seqcli.engine.run import load_run  # noqa: E402
from seqcli.engine.start import fresh_training  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import TASKS  # noqa: E402
from seqcli.tasks.arrays.examples import ArraysMeta  # noqa: E402

RECIPE = ROOT / "bench" / "recipes" / "seq-mnist.yaml"
FEATURES = {"pixel": 1, "row": 28}  # per step: one pixel, or a row of 28
BAI_2018 = {"pixel": {"lstm": 87.2, "gru": 96.2, "rnn": 21.5}}  # Table 1, test accuracy %
TASK = TASKS["array_classifier"]


def matched_recipe(folder: Path, variant: str, cell: str, args):
    """The bench recipe for one variant and cell, its hidden size matched to args.params,
    and its parameter count."""
    paths = [f"data.path={folder / f'{variant}-train.npz'}"]
    paths.append(f"data.test_path={folder / f'{variant}-test.npz'}")
    base = [*paths, f"model.cell={cell}", f"name=seq-mnist-{variant}-{cell}", *args.overrides]
    features = FEATURES[variant]
    meta = ArraysMeta(
        tuple(str(d) for d in range(10)), Scaler((0.0,) * features, (1.0,) * features)
    )

    def count(hidden: int) -> int:
        recipe = load_recipe(RECIPE, [*base, f"model.hidden_size={hidden}"])
        return meta_parameter_count(lambda: TASK.build_model(recipe, meta))

    hidden = match_hidden_size(count, args.params, what=cell)
    return load_recipe(RECIPE, [*base, f"model.hidden_size={hidden}"]), count(hidden)


def train_for(recipe, out: Path, budget: float) -> tuple[int, float]:
    """Train until budget seconds have passed: (steps taken, seconds)."""
    trainer = fresh_training(recipe, TASK, device=torch.device("cpu"), out=out, overwrite=True)
    start, steps = time.perf_counter(), 0
    try:
        for event in trainer:
            if isinstance(event, events.Step):
                steps = event.step
                if time.perf_counter() - start >= budget:
                    trainer.request_stop(f"the bench's {budget:g} s budget")
    finally:
        trainer.folder.release()
    return steps, time.perf_counter() - start


def score(out: Path, test_path: Path, test_limit: int | None) -> float:
    run = load_run(out / "last.pt", torch.device("cpu"), TASKS)
    examples = TASK.examples_from_file(run, test_path)
    batches = None if test_limit is None else -(-test_limit // run.recipe.train.batch_size)
    return TASK.evaluate(run, examples, max_batches=batches)["accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="what bench/make_seq_mnist.py wrote")
    parser.add_argument("--variants", default="pixel,row")
    parser.add_argument("--cells", default="lstm,gru,rnn")
    parser.add_argument("--budget", type=float, default=600.0, help="training seconds per run")
    parser.add_argument("--params", type=int, default=70_000)
    parser.add_argument("--test-limit", type=int, help="score N test images spread over the file")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench-seq-mnist")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    print("variant cell  hidden params  steps  images  train_s  test_acc  Bai2018", flush=True)
    for variant in args.variants.split(","):
        for cell in args.cells.split(","):
            recipe, params = matched_recipe(args.folder, variant, cell, args)
            out = args.out / recipe.name
            steps, seconds = train_for(recipe, out, args.budget)
            accuracy = score(out, recipe.data.test_path, args.test_limit)
            published = BAI_2018.get(variant, {}).get(cell)
            print(
                f"{variant:7} {cell:5} {recipe.model.hidden_size:6} {params:6,} {steps:6} "
                f"{steps * recipe.train.batch_size:7,} {seconds:8.0f} {100 * accuracy:8.1f}  "
                f"{'—' if published is None else f'{published:.1f}'}",
                flush=True,
            )
    print(f"peak memory {peak_rss_mb():.0f} MB", flush=True)


if __name__ == "__main__":
    main()
