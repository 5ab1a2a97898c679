"""Data-parallel training tokens/s: one process against N ranks under torchrun.

Trains the char-level LM on Tiny Shakespeare through `seqcli train --nproc N --json` (rank 0's
events on stdout) and times the steps after a warm-up, in alternation 1 N 1 N. Two ways to
add ranks:
- weak scaling: every rank keeps batch_size, so N ranks read N times the tokens a step;
  efficiency = tokens/s of N ranks / (N x tokens/s of one);
- same effective batch: one process reads batch_size x N, each of N ranks batch_size; the
  steps are then the same computation (to float rounding), only spread.

    python bench/ddp_scaling.py [--nproc 2] [--steps 30] [--rounds 2] [--device cpu]

On a machine with N GPUs: `python bench/ddp_scaling.py --nproc N --device cuda` (nccl is chosen
by itself; each rank takes the GPU of its local rank); raise --batch and --hidden to fill them.
Each rank here is pinned to one thread (OMP_NUM_THREADS=1), so on CPU the ranks compete for
cores with nothing else of seqcli's.
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

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHAKESPEARE, require  # noqa: E402

WARMUP = 5  # steps left out of the timing: process start, first allocations


def recipe_dict(args, batch_size: int) -> dict:
    return {
        "name": "bench-ddp",
        "data": {"path": str(require(SHAKESPEARE)), "val_fraction": 0.1},
        "model": {"cell": "lstm", "layers": 2, "hidden_size": args.hidden, "embedding_size": 64},
        "train": {
            "batch_size": batch_size,
            "seq_len": args.seq_len,
            "steps": args.steps + WARMUP,
            "eval_every": 10**9,
        },
        "generate": {"sample_length": 0},
    }


def tokens_per_second(args, nproc: int, batch_size: int) -> float:
    """Train once; the tokens of every rank per second over the steps after the warm-up."""
    with tempfile.TemporaryDirectory() as folder:
        recipe = Path(folder) / "recipe.yaml"
        recipe.write_text(yaml.safe_dump(recipe_dict(args, batch_size)), encoding="utf-8")
        command = [sys.executable, "-m", "seqcli", "train", str(recipe), "--json"]
        command += ["--out", str(Path(folder) / "run"), "--nproc", str(nproc)]
        command += ["--device", args.device]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
        times = []
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
            for line in process.stdout:
                if json.loads(line)["event"] == "step":
                    times.append(time.perf_counter())
        if process.returncode:
            sys.exit(f"training failed with exit code {process.returncode}")
    tokens = batch_size * nproc * args.seq_len * (len(times) - WARMUP)
    return tokens / (times[-1] - times[WARMUP - 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16, help="batch_size of each rank")
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    n, batch = args.nproc, args.batch
    runs = {"1 process": (1, batch), f"{n} ranks": (n, batch), f"1 process x{n}": (1, batch * n)}
    speeds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, (nproc, batch_size) in runs.items():
            speeds[name].append(tokens_per_second(args, nproc, batch_size))
            print(f"{name:>16}: {speeds[name][-1]:9.0f} tok/s", flush=True)
    median = {name: statistics.median(values) for name, values in speeds.items()}
    print(f"\nmedians over {args.rounds} rounds, {os.cpu_count()} cores, device {args.device}")
    for name, value in median.items():
        print(f"{name:>16}: {value:9.0f} tok/s")
    weak = median[f"{n} ranks"] / (n * median["1 process"])
    same = median[f"{n} ranks"] / median[f"1 process x{n}"]
    print(f"weak scaling efficiency ({n} ranks of batch {batch} / {n} x one): {weak:.2f}")
    print(f"same effective batch {batch * n}: {n} ranks / one process = {same:.2f}")


if __name__ == "__main__":
    main()
