"""Word, BPE, unigram and char language models on the Shakespeare sample, compared as
validation bits per character (the loss over the characters the tokens cover).

    python bench/subword_lm.py [--budget-min 2 | --steps N] [--vocab-size 1000]

Every row is recipes/char-lm.yaml with the same recurrent stack (1 layer of 256, embeddings
of 64) and the same wall budget, or the same number of steps (batches of 64 x 128 tokens, so
a word or subword row reads more text a step than the char row); only the tokenizer (and so
the vocabulary) differs.
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
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import task_for  # noqa: E402

SAME = ["model.layers=1", "train.eval_every=100000"]


def rows(vocab_size: int) -> dict[str, list[str]]:
    return {
        "char": ["data.tokenizer=char"],
        "word": ["data.tokenizer=word"],
        "bpe": ["data.tokenizer=bpe", f"data.vocab_size={vocab_size}"],
        "unigram": ["data.tokenizer=unigram", f"data.vocab_size={vocab_size}"],
    }


def final_bpc(
    overrides: list[str], budget_min: float, steps: int, out: Path
) -> tuple[float, int, int, float]:
    """The validation bpc (the whole split) when the budget runs out or the steps are done,
    the steps taken, the vocabulary size and the minutes it took."""
    recipe = load_recipe(ROOT / "recipes/char-lm.yaml", [*SAME, f"train.steps={steps}", *overrides])
    trainer = fresh_training(recipe, task_for(recipe), device=torch.device("cpu"), out=out)
    start, step = time.perf_counter(), 0
    try:
        for event in trainer:
            if isinstance(event, events.Step):
                step = event.step
                if time.perf_counter() - start > budget_min * 60:
                    trainer.request_stop("time budget spent")
        run = trainer.run
        metrics = run.task.evaluate(run, trainer.data.splits["val"])
        return metrics["bpc"], step, len(run.meta), (time.perf_counter() - start) / 60
    finally:
        trainer.folder.release()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-min", type=float, default=2.0)
    parser.add_argument("--steps", type=int, default=100000, help="instead of the budget")
    parser.add_argument("--vocab-size", type=int, default=1000)
    args = parser.parse_args()
    require(SHAKESPEARE)
    torch.manual_seed(0)
    print("| tokenizer | vocabulary | steps | minutes | val bpc |\n|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as out:
        for name, overrides in rows(args.vocab_size).items():
            bpc, steps, size, minutes = final_bpc(
                overrides, args.budget_min, args.steps, Path(out) / name
            )
            print(f"| {name} | {size} | {steps} | {minutes:.1f} | {bpc:.3f} |", flush=True)


if __name__ == "__main__":
    main()
