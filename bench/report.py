"""Time to write a report, as whole processes, against torch's import and `seqcli inspect`.

Each round runs every command once, in turn (A B C A B C ...), so a change in the machine's
load falls on all of them alike. Every process is pinned to one thread (OMP_NUM_THREADS,
MKL_NUM_THREADS, SEQCLI_THREADS and --threads 1). Wall seconds and the CPU seconds the
process used are both printed: on a shared machine the CPU seconds move less.

    seqcli train recipes/char-lm.yaml --steps 200 --out /tmp/char-lm --threads 1
    python bench/report.py /tmp/char-lm [--rounds 3] [--max-batches 20] [--file notes.txt]
        [--before /path/to/other/checkout]

--before adds that checkout's `seqcli report` to each round (A = before, B = this one) and
checks that the two pages are byte for byte the same.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT  # noqa: E402

PINNED = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "SEQCLI_THREADS": "1"}


def commands(args: argparse.Namespace, scratch: Path) -> dict[str, tuple[Path, list[str]]]:
    """Name -> (the checkout on PYTHONPATH, the argv after `python`)."""

    def report(out: str) -> list[str]:
        flags = ["--out", str(scratch / out), "--overwrite", "--threads", "1"]
        flags += ["--max-batches", str(args.max_batches)] if args.max_batches else []
        return ["-m", "seqcli", "report", str(args.run), *flags] + (
            ["--file", str(args.file)] if args.file else []
        )

    chosen = {
        "import torch": (ROOT, ["-c", "import torch"]),
        "seqcli inspect": (ROOT, ["-m", "seqcli", "inspect", str(args.run)]),
    }
    if args.before:
        chosen["report (before)"] = (args.before, report("before.html"))
    chosen["seqcli report"] = (ROOT, report("report.html"))
    return chosen


def timed(checkout: Path, argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process."""
    env = {**os.environ, **PINNED, "PYTHONPATH": str(checkout)}
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{' '.join(argv)}: exit {done.returncode}\n{done.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - used.ru_utime) + (after.ru_stime - used.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-batches", type=int, default=20)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--before", type=Path, help="another checkout, timed as A")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/seqcli-bench-report"))
    args = parser.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    chosen = commands(args, args.scratch)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in chosen}
    for round_ in range(args.rounds):
        for name, (checkout, argv) in chosen.items():
            times[name].append(timed(checkout, argv))
            wall, cpu = times[name][-1]
            print(f"round {round_ + 1}  {name:16s} {wall:6.2f} s wall  {cpu:6.2f} s CPU")
    summarise(times, args.scratch, before=bool(args.before))


def summarise(times: dict[str, list[tuple[float, float]]], scratch: Path, *, before: bool):
    print("\nmedian over rounds:")
    for name, pairs in times.items():
        wall = statistics.median(w for w, _ in pairs)
        cpu = statistics.median(c for _, c in pairs)
        print(f"  {name:16s} {wall:6.2f} s wall  {cpu:6.2f} s CPU")
    page = scratch / "report.html"
    print(f"page: {page.stat().st_size / 1e6:.2f} MB ({page})")
    if before:
        same = (scratch / "before.html").read_bytes() == page.read_bytes()
        ratios = [
            b[0] / a[0]
            for a, b in zip(times["report (before)"], times["seqcli report"], strict=True)
        ]
        print("after/before, wall, per round: " + ", ".join(f"{r:.2f}" for r in ratios))
        print(f"pages byte for byte the same: {same}")


if __name__ == "__main__":
    main()
