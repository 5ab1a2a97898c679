"""seqcli tune across processes: two on one SQLite study or one PostgreSQL study run every
trial once and complete it; a study stopped by Ctrl-C or killed mid-trial continues, the
trial under way resumed from its last.pt."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.tune import study as tune_study
from seqcli.tune.runner import read_study
from tests.conftest import ROOT

pytest.importorskip("optuna")

LR = "train.lr=float(1e-3,3e-2,log)"
PATIENCE = 300.0  # a loaded 2-core machine can take tens of seconds to start torch


@pytest.fixture
def recipe(write_recipe):
    return write_recipe(train={"steps": 20, "eval_every": 5}, generate={"sample_length": 0})


@pytest.fixture
def long_recipe(write_recipe):
    """Trials long enough to be caught mid-run."""
    return write_recipe(train={"steps": 200, "eval_every": 5}, generate={"sample_length": 0})


def start_tune(recipe: Path, out: Path, *extra: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "seqcli", "tune", str(recipe), "--param", LR]
    args += ["--out", str(out), "--threads", "1", "--pruner", "none", *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(condition, process) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert process.poll() is None, process.communicate()[1].decode()
        assert time.monotonic() < deadline, "the study made no progress within the time limit"
        time.sleep(0.02)


def finish(*processes: subprocess.Popen) -> None:
    for process in processes:
        _, stderr = process.communicate(timeout=PATIENCE)
        assert process.returncode == 0, stderr.decode()


def rows(out: Path) -> list[dict]:
    return json.loads((out / "tune.json").read_text(encoding="utf-8"))["trials"]


def steps_logged(folder: Path) -> list[int]:
    lines = (folder / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [record["step"] for record in map(json.loads, lines) if record["split"] == "train"]


def assert_every_trial_ran_once(out: Path, trials: int, storage: str | None = None) -> None:
    """The study holds `trials` finished ones and none under way; no folder trained twice.
    Read from the storage: each process writes tune.json as it ends, the other maybe still
    in its last trial."""
    table = read_study(out, storage)["trials"]
    assert all(row["state"] == "complete" for row in table)
    assert len(table) >= trials  # a process may start one more as the other finishes
    folders = [row["folder"] for row in table]
    assert len(set(folders)) == len(folders)
    for folder in folders:
        logged = steps_logged(out / folder)
        assert logged == sorted(set(logged)) and logged[-1] == 20


def test_ctrl_c_saves_the_trial_and_the_same_command_resumes_it(long_recipe, tmp_path):
    out = tmp_path / "study"
    process = start_tune(long_recipe, out, "--trials", "2")
    wait_for(lambda: (out / "trials" / "0000" / "last.pt").exists(), process)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=PATIENCE)
    assert process.returncode == 128 + signal.SIGINT
    assert [row["state"] for row in rows(out)] == ["fail", "waiting"]
    again = CliRunner().invoke(
        app, ["tune", str(long_recipe), "--param", LR, "--out", str(out), "--trials", "2",
              "--threads", "1", "--pruner", "none"],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    retried = rows(out)[1]
    assert retried["state"] == "complete" and retried["retries"] == 0
    assert retried["folder"] == "trials/0000"
    logged = steps_logged(out / "trials" / "0000")
    assert logged == list(range(1, 201))  # resumed where it stopped: no step twice or lost


@pytest.mark.slow
def test_a_trial_whose_process_was_killed_is_failed_and_resumed(
    long_recipe, tmp_path, monkeypatch, full_run
):
    if not full_run:
        pytest.skip("starts seqcli as a process; runs with --all (make test-all, CI)")
    out = tmp_path / "study"
    process = start_tune(long_recipe, out, "--trials", "2")
    wait_for(lambda: (out / "trials" / "0000" / "last.pt").exists(), process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # The dead process's trial is stale once its heartbeat is GRACE seconds old.
    monkeypatch.setattr(tune_study, "HEARTBEAT", 1)
    monkeypatch.setattr(tune_study, "GRACE", 1)
    time.sleep(2.5)
    again = CliRunner().invoke(
        app, ["tune", str(long_recipe), "--param", LR, "--out", str(out), "--trials", "2",
              "--threads", "1", "--pruner", "none"],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    table = rows(out)
    assert table[0]["state"] == "fail"
    assert table[1]["retries"] == 0 and table[1]["folder"] == "trials/0000"
    assert [row["state"] for row in table[1:]] == ["complete", "complete"]
    assert steps_logged(out / "trials" / "0000") == list(range(1, 201))


@pytest.mark.slow
def test_two_processes_on_one_sqlite_study_run_each_trial_once(recipe, tmp_path, full_run):
    if not full_run:
        pytest.skip("starts two seqcli processes; runs with --all (make test-all, CI)")
    out = tmp_path / "study"
    finish(*(start_tune(recipe, out, "--trials", "4") for _ in range(2)))
    assert_every_trial_ran_once(out, 4)


def postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


def run_as_postgres(*args) -> None:
    """initdb and postgres refuse to run as root: as root, run them as the postgres user."""
    command = [str(arg) for arg in args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True)


@pytest.fixture
def postgres_url(full_run):
    """A throwaway PostgreSQL server on a unix socket in a temporary folder."""
    if not full_run:
        pytest.skip("starts a PostgreSQL server and two seqcli processes; runs with --all, CI")
    binaries = postgres_bin()
    if binaries is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must test the PostgreSQL storage: install postgresql (.ci/run does)")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    pytest.importorskip("psycopg")
    home = Path(tempfile.mkdtemp(prefix="seqcli-pg-"))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
    data, port = home / "data", "5433"
    run_as_postgres(binaries / "initdb", "-D", data, "-A", "trust", "-U", "postgres")
    options = f"-k {home} -c listen_addresses='' -p {port}"
    run_as_postgres(
        binaries / "pg_ctl", "-D", data, "-o", options, "-l", home / "log", "-w", "start"
    )
    try:  # the database initdb makes, postgres: no client program needed to create one
        yield f"postgresql://postgres@/postgres?host={home}&port={port}"
    finally:
        run_as_postgres(binaries / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.slow
def test_two_processes_on_one_postgresql_study_run_each_trial_once(recipe, tmp_path, postgres_url):
    out = tmp_path / "study"
    processes = [start_tune(recipe, out, "--trials", "4", "--storage", postgres_url)]
    processes.append(start_tune(recipe, out, "--trials", "4", "--storage", postgres_url))
    finish(*processes)
    assert_every_trial_ran_once(out, 4, postgres_url)
    assert not (out / "study.db").exists()


@pytest.mark.slow
def test_jobs_run_trials_in_worker_processes_on_the_same_study(recipe, tmp_path, full_run):
    if not full_run:
        pytest.skip("starts two worker processes; runs with --all (make test-all, CI)")
    out = tmp_path / "study"
    process = start_tune(recipe, out, "--trials", "3", "--jobs", "2")
    finish(process)
    assert_every_trial_ran_once(out, 3)
    assert len(rows(out)) == len(read_study(out, None)["trials"])  # the parent wrote it last
