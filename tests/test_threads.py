"""--threads and SEQCLI_THREADS: every heavy command gives torch the CPU threads asked for, the
flag before the variable, one thread when neither is given (the measured default)."""

from __future__ import annotations

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine.threads import DEFAULT_THREADS, use_threads
from tests.conftest import train_briefly


@pytest.fixture(autouse=True)
def back_to_one_thread():
    """Thread counts are process-wide; the rest of the session runs on one (conftest)."""
    yield
    torch.set_num_threads(1)


def threads_after(args: list[str], **environment: str) -> int:
    torch.set_num_threads(3)  # neither 1 nor 2, so a command that sets nothing shows
    result = CliRunner().invoke(app, args, env={"SEQCLI_THREADS": None, **environment})
    assert result.exit_code == 0, result.output
    return torch.get_num_threads()


def test_the_default_is_one_thread_and_a_count_is_taken_as_given():
    assert DEFAULT_THREADS == 1
    assert use_threads(None) == 1 and torch.get_num_threads() == 1
    assert use_threads(2) == 2 and torch.get_num_threads() == 2


@pytest.mark.parametrize(
    "command",
    [
        ["evaluate", "{run}", "--max-batches", "1", "--json"],
        ["generate", "{run}", "--length", "3"],
    ],
    ids=["evaluate", "generate"],
)
def test_run_commands_take_the_flag_and_the_variable(trained_run, command):
    args = [str(trained_run) if word == "{run}" else word for word in command]
    assert threads_after(args) == DEFAULT_THREADS
    assert threads_after([*args, "--threads", "2"]) == 2
    assert threads_after(args, SEQCLI_THREADS="2") == 2
    assert threads_after([*args, "--threads", "1"], SEQCLI_THREADS="2") == 1  # flag first


def test_train_takes_the_flag(write_recipe, tmp_path):
    recipe = write_recipe(train={"steps": 2, "eval_every": 2})
    args = ["train", str(recipe), "--out", str(tmp_path / "run"), "--quiet", "--threads", "2"]
    assert threads_after(args) == 2


def test_predict_takes_the_flag(tmp_path):
    run = tmp_path / "run"
    train_briefly("classifier", run)
    assert threads_after(["predict", str(run), "--text", "win a prize", "--threads", "2"]) == 2


@pytest.mark.slow
def test_compare_cells_takes_the_flag(write_recipe, tmp_path, full_run):
    if not full_run:
        pytest.skip("15 s, the comparison's reports and figures; runs with --all (CI)")
    recipe = write_recipe(train={"steps": 2, "eval_every": 2})
    out = str(tmp_path / "cells")
    args = ["compare-cells", str(recipe), "--cells", "rnn", "--out", out, "--threads", "2"]
    assert threads_after(args) == 2
