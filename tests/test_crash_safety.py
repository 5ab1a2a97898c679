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
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine.start import resumed_training
from seqcli.tasks import TASKS

TRIALS = {True: 20, False: 2}  # full run (make test-all, CI) or the inner loop
PARALLEL = 4


def start_training(recipe, out):
    # One thread each: several trainings share two cores without oversubscribing them.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    args = [sys.executable, "-m", "seqcli", "train", str(recipe), "--out", str(out), "--quiet"]
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# Generous bounds: the promise is that training starts and stops, not how fast; a loaded
# 2-core machine can take tens of seconds to start a torch process.
PATIENCE = 300.0


def wait_for(condition, process, *, timeout=PATIENCE):
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, "training exited early"
        assert time.monotonic() < deadline, "training made no progress within the time limit"
        time.sleep(0.02)


def kill_after_first_checkpoint(process, out, rng):
    wait_for(lambda: (out / "last.pt").exists(), process)
    time.sleep(rng.uniform(0.0, 0.6))
    process.send_signal(signal.SIGKILL)
    process.wait()


def resume_one_step(out) -> int:
    trainer = resumed_training(out, TASKS, device=torch.device("cpu"))
    try:
        stream = iter(trainer)
        next(stream)  # Started
        return next(stream).step
    finally:
        trainer.folder.release()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_at_random_moments_always_leaves_a_resumable_run(write_recipe, tmp_path, full_run):
    recipe = write_recipe(
        model={"hidden_size": 96, "layers": 2},
        train={"steps": 100000, "eval_every": 1, "batch_size": 4, "seq_len": 16},
        generate={"sample_length": 0},
    )
    rng = random.Random(0)
    outs = [tmp_path / f"run{i}" for i in range(TRIALS[full_run])]
    for first in range(0, len(outs), PARALLEL):
        batch = outs[first : first + PARALLEL]
        processes = [start_training(recipe, out) for out in batch]
        for process, out in zip(processes, batch, strict=True):
            kill_after_first_checkpoint(process, out, rng)
    for out in outs:
        assert resume_one_step(out) >= 2
        assert not list(out.glob(".*.partial"))


# Each case starts torch in a process: tens of seconds on a loaded machine. The inner loop
# sends SIGINT; SIGTERM (the same handler) with --all (make test-all, CI).
SIGNALS = [
    pytest.param(signal.SIGINT, id="SIGINT"),
    pytest.param(signal.SIGTERM, id="SIGTERM", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("sig", SIGNALS)
def test_signal_saves_last_and_prints_the_resume_command(write_recipe, tmp_path, sig, full_run):
    if sig == signal.SIGTERM and not full_run:
        pytest.skip("SIGTERM as SIGINT, in another process: runs with --all (make test-all, CI)")
    recipe = write_recipe(train={"steps": 100000, "eval_every": 50})
    out = tmp_path / "run"
    args = [sys.executable, "-m", "seqcli", "train", str(recipe), "--out", str(out)]
    process = subprocess.Popen(
        args, env={**os.environ, "OMP_NUM_THREADS": "1"}, stderr=subprocess.PIPE, text=True
    )
    wait_for(lambda: (out / "metrics.jsonl").exists(), process)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=PATIENCE)
    assert process.returncode == 128 + sig
    assert f"seqcli train --resume {out}" in stderr
    assert resume_one_step(out) >= 2


def test_a_second_training_into_the_same_folder_is_refused(write_recipe, tmp_path):
    recipe = write_recipe(train={"steps": 100000, "eval_every": 50})
    out = tmp_path / "run"
    first = start_training(recipe, out)
    try:
        wait_for(lambda: (out / "metrics.jsonl").exists(), first)
        # The second comes from this process: the lock is another process's all the same, and
        # a second torch process to start doubled the test's time.
        second = CliRunner().invoke(app, ["train", "--resume", str(out)])
        assert second.exit_code == 2, second.output
        assert "another seqcli process is training into this run folder" in second.stderr
    finally:
        first.kill()
        first.wait()


@pytest.mark.slow
def test_a_dead_process_leaves_no_stuck_lock(write_recipe, tmp_path, full_run):
    if not full_run:  # the SIGKILL test above resumes runs whose process died holding the lock
        pytest.skip("starts seqcli as a process; runs with --all (make test-all, CI)")
    recipe = write_recipe(train={"steps": 100000, "eval_every": 2}, generate={"sample_length": 0})
    out = tmp_path / "run"
    process = start_training(recipe, out)
    kill_after_first_checkpoint(process, out, random.Random(1))
    assert resume_one_step(out) >= 2
