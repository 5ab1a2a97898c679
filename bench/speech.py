"""Train the speech recipes on all of FSDD; print each held-out score and the time taken.

    flock /tmp/heavy.lock python bench/speech.py [--only digit|speaker|strings] [--beam-size N]

digit:   recipes/spoken-digit.yaml, FSDD's official split (test: recordings 0-4 of each
         digit and speaker, 300). Goal: test accuracy >= 97%.
speaker: the same recipe trained on five speakers and tested on the sixth (theo, 500).
strings: recipes/spoken-digit-strings.yaml, CTC over 2-7 digit utterances of one speaker,
         composed from training recordings (test utterances from test recordings).
         Goal: test CER <= 5%; whole-string accuracy reported.
Threads are pinned to one (torch.set_num_threads(1)), as the docs' figures were taken.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, require, train_quietly  # noqa: E402

from seqcli.engine.run import load_run  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import TASKS  # noqa: E402

BENCHES = {
    "digit": ("spoken-digit.yaml", [], ("accuracy", "macro_f1")),
    "speaker": ("spoken-digit.yaml", ["data.test_files=*_theo_*"], ("accuracy", "macro_f1")),
    "strings": ("spoken-digit-strings.yaml", [], ("cer", "wer", "exact_match")),
}


def bench(name: str, beam_size: int) -> None:
    recipe_file, overrides, shown = BENCHES[name]
    recipe = load_recipe(ROOT / "recipes" / recipe_file, overrides)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "run"
        _, seconds = train_quietly(recipe, out)
        run = load_run(out / "best.pt", torch.device("cpu"), TASKS)
        test = run.task.prepare(run.recipe, run.meta).splits["test"]
        options = {"beam_size": beam_size} if name == "strings" else {}
        start = time.perf_counter()
        metrics = run.task.evaluate(run, test, **options)
    scores = "  ".join(f"{key} {metrics[key]:.4f}" for key in shown)
    print(f"{name:8s} test ({len(test)}): {scores}  trained in {seconds:.0f} s, "
          f"scored in {time.perf_counter() - start:.1f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(BENCHES))
    parser.add_argument("--beam-size", type=int, default=1, help="strings: prefix beam width")
    args = parser.parse_args()
    require(SHARED / "fsdd" / "recordings")
    torch.set_num_threads(1)
    for name in [args.only] if args.only else list(BENCHES):
        bench(name, args.beam_size)


if __name__ == "__main__":
    main()
