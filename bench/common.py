"""Helpers shared by the benchmarks: where the shared data lives, peak memory."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SHAKESPEARE = SHARED / "tinyshakespeare" / "input.txt"
# This checkout's seqcli for every benchmark that imports this module: `python bench/x.py` puts
# bench/ first on the path, and the venv's seqcli may be another checkout's (a worktree
# benchmarked main's code without it).
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"{path}: not found; benchmarks read ../shared/data beside the checkout")
    return path


def train_quietly(recipe, out: Path):
    """Train a recipe into out with no display; (trainer's last event, seconds taken)."""
    import time

    import torch

    from seqcli.engine.start import fresh_training
    from seqcli.tasks import task_for

    start = time.perf_counter()
    trainer = fresh_training(
        recipe, task_for(recipe), device=torch.device("cpu"), out=out, overwrite=True
    )
    try:
        for event in trainer:
            last = event
    finally:
        trainer.folder.release()
    return last, time.perf_counter() - start
