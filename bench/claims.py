"""What the textbooks say about recurrent networks, measured: each claim's seqcli command, run
as a user would run it, and the figure it gives. Prints the README's table, row by row.

    python bench/claims.py                 # every row (about an hour on two cores)
    python bench/claims.py gates depth     # some rows
    python bench/claims.py --list

Each row is one or two `seqcli compare-cells` commands (or `seqcli evaluate`) that finish
in ten minutes or less on two cores; their run folders go to runs/claims/<row>/.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT  # noqa: E402

ADDING_50 = "recipes/adding-200.yaml --set data.length=50 --steps 2000"
ADDING_20 = "recipes/adding-200.yaml --set data.length=20 --steps 2000"
MEMORY = "--memory before_activation,after_activation,through_network"
# row -> (the claim, [compare-cells arguments per command], metric shown)
ROWS = {
    "vanishing": (
        "a vanilla RNN forgets over long spans; gates keep the gradient alive",
        ["recipes/adding-200.yaml --cells lstm,gru,rnn --match-params --jobs 2"],
        "test mse; early-step gradient",
    ),
    "depth": (
        "stacking more than two layers helps little",
        ["recipes/char-lm.yaml --cells lstm --layers 1,2,3,4 --steps 500 --jobs 2"],
        "val loss (nats/char)",
    ),
    "gates": (
        "a gate must squash into [0, 1]; sigmoid's smoothness is not what matters",
        [f"{ADDING_50} --cells gru,lstm --gate-activation sigmoid,hard_sigmoid --jobs 2"],
        "test mse",
    ),
    "gru": (
        "the GRU matches the LSTM with fewer parameters",
        ["recipes/char-lm.yaml --cells lstm,gru --seeds 0,1 --jobs 2"],
        "val loss (nats/char)",
    ),
    "bidirectional": (
        "reading both ways helps tagging",
        ["recipes/pos-tagging.yaml --cells lstm --direction uni,bi --seeds 0,1,2 --jobs 2"],
        "val accuracy",
    ),
    "memory-adding": (
        "the previous memory belongs before the activation (adding, T = 20: at T = 50 every "
        "form stays on the mean's plateau for 2000 steps)",
        [f"{ADDING_20} --cells rnn {MEMORY} --match-params --seeds 0,1,2 --jobs 2"],
        "test mse",
    ),
    "memory-text": (
        "the previous memory belongs before the activation (char-LM sample)",
        [
            f"recipes/char-lm.yaml --cells rnn {MEMORY} --match-params --seeds 0,1,2 "
            "--steps 500 --jobs 2"
        ],
        "val loss (nats/char)",
    ),
    "averaging": (
        "a fixed average < a learned constant average < learned per-step gates (adding, T=50)",
        [
            f"{ADDING_50} --set model.cell=leaky --set model.forget_bias=null --set model.leak=0.5"
            " --cells leaky --seeds 0,1 --jobs 2",
            f"{ADDING_50} --cells rnn,leaky,gru --match-params --seeds 0,1 --jobs 2",
        ],
        "test mse",
    ),
}


def capacity() -> str:
    """The Hopfield row: store the letters, then the capacity experiment at N = 100."""
    out = ROOT / "runs" / "claims" / "capacity"
    seqcli = [sys.executable, "-m", "seqcli"]
    subprocess.run(
        [
            *seqcli,
            "train",
            "recipes/hopfield-letters.yaml",
            "--out",
            str(out),
            "--overwrite",
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
    )
    done = subprocess.run(
        [*seqcli, "evaluate", str(out), "--capacity", "100", "--json"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    (table,) = [t for title, t in json.loads(done.stdout)["details"].items() if "capacity" in title]
    return "; ".join(f"P={r[0]}: classical {r[2]:.0%}, modern {r[3]:.0%}" for r in table["rows"])


def compare(row: str, index: int, arguments: str) -> list[dict]:
    """Run one compare-cells command; its groups (means over seeds) from compare.json."""
    out = ROOT / "runs" / "claims" / f"{row}-{index}"
    command = [sys.executable, "-m", "seqcli", "compare-cells", *shlex.split(arguments)]
    print(f"$ seqcli compare-cells {arguments}", flush=True)
    subprocess.run([*command, "--out", str(out)], cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
    return json.loads((out / "compare.json").read_text(encoding="utf-8"))["groups"]


def figures(groups: list[dict], command: str) -> str:
    """variant: test mean ± std (parameters), early gradient where it says something; a
    fixed leak is named, so it reads apart from the learned one."""
    parts = []
    for g in groups:
        if "model.leak=" in command:
            g = {**g, "group": f"leaky(a={command.split('model.leak=')[1].split()[0]})"}
        mean, std = g["test"]
        text = f"{g['group']} {mean:.4g} ± {std:.2g} ({g['parameters']:,} params"
        text += f", early grad {g['early_gradient']:.1e})" if g["early_gradient"] else ")"
        parts.append(text)
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="*", help=f"default: every row of {', '.join(ROWS)}")
    parser.add_argument("--list", action="store_true", help="print the rows and commands")
    args = parser.parse_args()
    unknown = set(args.rows) - {*ROWS, "capacity"}
    if unknown:
        parser.error(f"no row {', '.join(sorted(unknown))}; rows: {', '.join(ROWS)}")
    for row in args.rows or [*ROWS, "capacity"]:
        if row == "capacity":
            print(f"| a Hopfield network holds about 0.138 N patterns | {capacity()} |")
            continue
        claim, commands, metric = ROWS[row]
        if args.list:
            print(f"{row}: {claim}\n" + "\n".join(f"  seqcli compare-cells {c}" for c in commands))
            continue
        started = time.perf_counter()
        measured = [figures(compare(row, i, c), c) for i, c in enumerate(commands)]
        minutes = (time.perf_counter() - started) / 60
        shown = " / ".join(f"`seqcli compare-cells {c}`" for c in commands)
        print(f"| {claim} | {shown} | {metric}: {' | '.join(measured)} | {minutes:.1f} min |")


if __name__ == "__main__":
    main()
