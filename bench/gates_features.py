"""Search a char LM's units for features of held-out text (Karpathy, Johnson & Fei-Fei 2015).

    python bench/gates_features.py [--run RUN_DIR] [--recipe bench/recipes/shakespeare-lstm.yaml]
                                   [--out DIR] [--chars 5000] [--top 3] [--set key=value ...]

Without --run it first trains the recipe (the quality benchmark's: ~13 minutes on 2 cores)
into --out (default: a temporary folder). The text searched is the first --chars characters
of the held-out part of the recipe's file (its last val_fraction + test_fraction), which
training never read. Prints, per feature, the best |r| found (any gate or state, layer and
unit), then the LSTM's moving-average numbers per layer: what `seqcli gates --top-units`
shows, on a longer text.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, require, train_quietly  # noqa: E402

from seqcli.analysis.features import top_units  # noqa: E402
from seqcli.analysis.gates import aliases, read_gates  # noqa: E402
from seqcli.analysis.moving_average import moving_average  # noqa: E402
from seqcli.engine.contract import Given  # noqa: E402
from seqcli.engine.run import load_run  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import TASKS  # noqa: E402


def held_out_text(run, chars: int) -> str:
    """The first `chars` characters after the training split of the run's own file."""
    data = run.recipe.data
    text = require(Path(data.path)).read_text(encoding="utf-8")
    start = len(text) - round(len(text) * (data.val_fraction + data.test_fraction))
    return text[start : start + chars]


def report(run, text: str, top: int) -> None:
    gates = read_gates(run, Given(text, "held-out text"))
    short = {name: alias for alias, name in aliases(gates.spec).items()}
    found = top_units(gates.values, gates.steps, gates.kind, k=top, directions=gates.directions)
    print(f"{len(gates.steps)} held-out steps; best |r| per feature (gate/state, layer, unit):")
    for feature, rows in found["features"].items():
        shown = ", ".join(
            f"{row['r']:+.3f} {short[row['record']]} L{row['layer']} u{row['unit']}" for row in rows
        )
        print(f"  {feature:<18} {abs(rows[0]['r']):.3f}   ({shown})")
    for feature in found["constant"]:
        print(f"  {feature:<18} -       (constant over this text)")
    for row in moving_average(gates.values, gates.directions):
        corr = row["corr_f_1_minus_i"]
        print(
            f"layer {row['layer']}: f {row['f']['mean']:.3f}  i {row['i']['mean']:.3f}  "
            f"f+i {row['f+i']['mean']:.3f} (sd {row['f+i']['sd']:.3f})  corr(f, 1-i) "
            f"{'-' if corr is None else f'{corr:+.3f}'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a trained char LM run folder; skips training")
    parser.add_argument("--recipe", type=Path, default=ROOT / "bench/recipes/shakespeare-lstm.yaml")
    parser.add_argument("--out", type=Path, help="train into this run folder (kept)")
    parser.add_argument("--chars", type=int, default=5000)
    parser.add_argument("--top", type=int, default=3)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    torch.set_num_threads(2)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.run
        if folder is None:
            folder = args.out or Path(scratch) / "run"
            _, seconds = train_quietly(load_recipe(args.recipe, args.overrides), folder)
            print(f"trained {folder} in {seconds / 60:.1f} min")
        run = load_run(folder, torch.device("cpu"), TASKS)
        report(run, held_out_text(run, args.chars), args.top)
    print(f"{time.perf_counter() - start:.1f} s in all")


if __name__ == "__main__":
    main()
