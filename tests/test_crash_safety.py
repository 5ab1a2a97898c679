"""A training killed with SIGKILL at any moment leaves a run that resumes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

from seqcli.engine.start import resumed_training

TRIALS = 20
PARALLEL = 4


def start_training(recipe, out):
    # One thread each: several trainings share two cores without oversubscribing them.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    args = [sys.executable, "-m", "seqcli", "train", str(recipe), "--out", str(out), "--quiet"]
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_after_first_checkpoint(process, out, rng, *, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not (out / "last.pt").exists():
        assert process.poll() is None, "training exited before its first checkpoint"
        assert time.monotonic() < deadline, "no checkpoint within the time limit"
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.6))
    process.send_signal(signal.SIGKILL)
    process.wait()


def resume_one_step(out) -> int:
    trainer = resumed_training(out, device=torch.device("cpu"))
    try:
        stream = iter(trainer)
        next(stream)  # Started
        return next(stream).step
    finally:
        trainer.folder.release()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_at_random_moments_always_leaves_a_resumable_run(write_recipe, tmp_path):
    recipe = write_recipe(
        model={"hidden_size": 96, "layers": 2},
        train={"steps": 100000, "eval_every": 1, "batch_size": 4, "seq_len": 16},
        generate={"sample_length": 0},
    )
    rng = random.Random(0)
    outs = [tmp_path / f"run{i}" for i in range(TRIALS)]
    for first in range(0, TRIALS, PARALLEL):
        batch = outs[first : first + PARALLEL]
        processes = [start_training(recipe, out) for out in batch]
        for process, out in zip(processes, batch, strict=True):
            kill_after_first_checkpoint(process, out, rng)
    for out in outs:
        assert resume_one_step(out) >= 2
