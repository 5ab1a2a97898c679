"""Training speed of each cell and cell form against torch's fused nn.RNN, on the char-LM
bench (Tiny Shakespeare, char-level, 2 layers of 256, batch 64 x 128): whole `seqcli train`
processes in turn, the reference (rnn) and a cell alternating, A B A B.

    python bench/cell_speed.py [--cells leaky,rnn.after_activation] [--pairs 3] [--steps 20]

A cell with a form is written cell.form (rnn.through_network, lstm.hard_sigmoid).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHAKESPEARE, require  # noqa: E402
from versus import HERE, RECIPE, train_speed  # noqa: E402

FORM_OPTIONS = {"rnn": "memory", "lstm": "gate_activation", "gru": "gate_activation"}


def settings(entry: str) -> list[str]:
    """--set settings of a cell or cell.form."""
    cell, _, form = entry.partition(".")
    return [f"model.cell={cell}"] + ([f"model.{FORM_OPTIONS[cell]}={form}"] if form else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="leaky", help="comma-separated cells or cell.form")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20, help="timed training steps")
    args = parser.parse_args()
    require(SHAKESPEARE)
    with tempfile.TemporaryDirectory() as folder:
        recipe = Path(folder) / "speed.yaml"
        recipe.write_text(RECIPE, encoding="utf-8")
        for entry in args.cells.split(","):
            ratios = []
            for _ in range(args.pairs):
                ref = train_speed(HERE, recipe, Path(folder) / "a", args.steps, "model.cell=rnn")
                mine = train_speed(HERE, recipe, Path(folder) / "b", args.steps, *settings(entry))
                ratios.append(mine / ref)
                print(f"{entry}: {mine:,.0f} tok/s, rnn {ref:,.0f} tok/s", flush=True)
            shown = ", ".join(f"{r:.3f}" for r in ratios)
            print(f"{entry} / nn.RNN: {shown}; median {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
