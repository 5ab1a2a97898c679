"""Training and generation speed of this checkout against another one (say, a git worktree of
an older commit), whole processes in turn, A B A B, through the command line both share.

Training: `seqcli train` on Tiny Shakespeare, char-level LSTM-256 x 2, batch 64 x 128; the
tokens/s between step 5 and the last step, timed from the JSON events as they arrive.
Generation: `seqcli generate` of 4,000 characters at batch 1 from a run each checkout trains
itself (2 steps; speed does not depend on the weights), timed from the first character.

    git worktree add /tmp/baseline <commit>
    python bench/versus.py /tmp/baseline [--pairs 3] [--steps 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHAKESPEARE, require  # noqa: E402

HERE = Path(__file__).resolve().parents[1]
WARMUP, BATCH, SEQ_LEN, LENGTH = 5, 64, 128, 4000
RECIPE = f"""name: versus
data: {{path: {SHAKESPEARE}, val_fraction: 0.1}}
model: {{cell: lstm, layers: 2, hidden_size: 256, embedding_size: 64}}
train: {{batch_size: {BATCH}, seq_len: {SEQ_LEN}, eval_every: 1000000, lr: 0.002}}
generate: {{sample_length: 0, prime: "A"}}
"""


def seqcli(checkout: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [sys.executable, "-m", "seqcli", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def train_speed(checkout: Path, recipe: Path, out: Path, steps: int, *settings: str) -> float:
    """Training tokens/s of a checkout's `seqcli train`, --set settings applied."""
    sets = [arg for setting in settings for arg in ("--set", setting)]
    process = seqcli(
        checkout, "train", str(recipe), "--out", str(out), "--overwrite", "--json",
        "--set", f"train.steps={WARMUP + steps}", *sets,
    )  # fmt: skip
    start = None
    for line in process.stdout:
        event = json.loads(line)
        if event["event"] == "step" and event["step"] == WARMUP - 1:
            start = time.perf_counter()
        if event["event"] == "step" and event["step"] == WARMUP + steps - 1:
            elapsed = time.perf_counter() - start
    process.wait()
    return steps * BATCH * SEQ_LEN / elapsed


def generate_speed(checkout: Path, run: Path) -> float:
    process = seqcli(checkout, "generate", str(run), "--length", str(LENGTH), "--device", "cpu")
    process.stdout.read(1)  # the prime: the model is loaded and writing
    start = time.perf_counter()
    written = len(process.stdout.read())
    process.wait()
    return written / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path, help="the other checkout (its top folder)")
    parser.add_argument("--pairs", type=int, default=3, help="A B rounds")
    parser.add_argument("--steps", type=int, default=30, help="timed training steps")
    args = parser.parse_args()
    require(SHAKESPEARE)
    checkouts = {"baseline": args.baseline.resolve(), "this": HERE}
    speeds = {(kind, name): [] for kind in ("train", "generate") for name in checkouts}
    with tempfile.TemporaryDirectory() as folder:
        recipe = Path(folder) / "versus.yaml"
        recipe.write_text(RECIPE, encoding="utf-8")
        for _ in range(args.pairs):
            for name, checkout in checkouts.items():
                run = Path(folder) / name
                speed = train_speed(checkout, recipe, run, args.steps)
                speeds["train", name].append(speed)
                speeds["generate", name].append(generate_speed(checkout, run))
                print(
                    f"{name:>8}: train {speed:,.0f} tok/s, "
                    f"generate {speeds['generate', name][-1]:,.0f} chars/s",
                    flush=True,
                )
    for kind in ("train", "generate"):
        ratios = [
            a / b for a, b in zip(speeds[kind, "this"], speeds[kind, "baseline"], strict=True)
        ]
        print(
            f"{kind}: this / baseline per pair {', '.join(f'{r:.3f}' for r in ratios)}; "
            f"median {statistics.median(ratios):.3f}"
        )


if __name__ == "__main__":
    main()
