"""One CPU thread against two for torch, on a small and a mid-size shipped recipe: the wall
time of whole `seqcli train` processes, run in turn (1 2 1 2 ...) so a change in the
machine's load falls on both alike. The measurement behind the --threads default.

    python bench/threads.py [--recipes sms-spam:300,char-lm:60] [--pairs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT  # noqa: E402

THREADS = (1, 2)


def train(recipe: str, steps: int, threads: int, out: Path) -> float:
    """Seconds one whole training process takes, start-up included."""
    command = [
        sys.executable, "-m", "seqcli", "train", str(ROOT / "recipes" / f"{recipe}.yaml"),
        "--out", str(out), "--overwrite", "--quiet", "--threads", str(threads),
        "--set", "train.epochs=null", "--set", f"train.steps={steps}",
    ]  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if k != "SEQCLI_THREADS"}
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True, env=environment)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default="sms-spam:300,char-lm:60")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print("| recipe (steps) | 1 thread s | 2 threads s | 2 threads / 1 thread |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for entry in args.recipes.split(","):
            recipe, steps = entry.split(":")
            seconds = {n: [] for n in THREADS}
            for _ in range(args.pairs):
                for threads in THREADS:
                    seconds[threads].append(train(recipe, int(steps), threads, Path(tmp) / "run"))
                pair = " / ".join(f"{seconds[n][-1]:.1f}" for n in THREADS)
                print(f"  {recipe} pair: {pair} s", file=sys.stderr, flush=True)
            ratios = [two / one for one, two in zip(seconds[1], seconds[2], strict=True)]
            print(
                f"| {recipe} ({steps}) | {' / '.join(f'{s:.1f}' for s in seconds[1])} "
                f"| {' / '.join(f'{s:.1f}' for s in seconds[2])} "
                f"| {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}) |",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
