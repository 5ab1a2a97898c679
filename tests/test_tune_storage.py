"""seqcli tune's storage and sampler: a storage that can never work fails at once, the
create race is tried again, and workers sharing a study never share a sampler seed."""

from __future__ import annotations

import importlib.util

import pytest

from seqcli.errors import UsageError
from seqcli.tune import study as tune_study

pytest.importorskip("optuna")

LR = "train.lr=float(1e-3,3e-2,log)"


@pytest.fixture
def recipe(write_recipe):
    return write_recipe(train={"steps": 20, "eval_every": 10}, generate={"sample_length": 0})


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("nonsense://x", "SQLAlchemy knows no database 'nonsense'"),
        ("postgresql://u@127.0.0.1:1/db", "Connection refused"),
        ("postgresql://u@no-such-host.invalid/db", "no-such-host.invalid"),
    ],
)
def test_a_storage_that_can_never_work_fails_at_once_without_retrying(url, said, monkeypatch):
    pytest.importorskip("psycopg")
    naps = []
    monkeypatch.setattr(tune_study.time, "sleep", naps.append)
    with pytest.raises(UsageError, match=said):
        tune_study.open_storage(url)
    assert naps == []


# What a user mistypes, and the one line each gets, before the recipe is read or --out is made.
BAD_URLS = [
    (
        "postgresql://u:secret@[::1:5/x",
        "postgresql://u:...@[::1:5/x: cannot read the host and port '[::1:5'; the port is a "
        "number and an IPv6 address goes in brackets, as in [::1]:5432",
    ),
    ("postgresql://u@h:99999/x", "postgresql://u@h:99999/x: port 99999 is not a port (1-65535)"),
    (
        "not a url",
        "not a url: not a database URL; e.g. postgresql://user@host/db or sqlite:///study.db",
    ),
    (
        "postgres://u@h/x",
        "postgres://u@h/x: SQLAlchemy knows no database 'postgres'; did you mean postgresql://?",
    ),
    (
        "mysql://u@h/x",
        "mysql://u@h/x: its driver MySQLdb is not installed; pip install mysqlclient",
    ),
    (
        "mysql+pymysql://u@h/x",
        "mysql+pymysql://u@h/x: its driver pymysql is not installed; pip install PyMySQL",
    ),
    (
        "postgresql+asyncpg://u@h/x",
        "postgresql+asyncpg://u@h/x: postgresql+asyncpg is an asyncio "
        "driver; Optuna needs a blocking one, as in postgresql://",
    ),
    (
        "sqlite:///no/such/x.db",
        "sqlite:///no/such/x.db: no folder no/such to hold the database; create it first",
    ),
]


@pytest.mark.parametrize(("url", "said"), BAD_URLS)
def test_a_storage_url_that_can_never_work_is_one_line_before_any_work(url, said, tmp_path):
    from typer.testing import CliRunner

    from seqcli.cli import app

    for module in ("MySQLdb", "pymysql", "asyncpg"):  # the drivers these URLs name
        assert importlib.util.find_spec(module) is None, f"{module} is installed here"
    out = tmp_path / "study"
    args = ["tune", str(tmp_path / "no-recipe.yaml"), "--param", LR, "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--storage", url])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: --storage {said}"]
    assert not out.exists()


@pytest.mark.parametrize(("url", "said"), [*BAD_URLS, ("sqlite://", "sqlite://: an SQLite study")])
def test_opening_a_storage_directly_runs_the_same_checks_as_the_cli(url, said):
    # In memory, Optuna would open it happily and lose the study between connections.
    with pytest.raises(UsageError) as caught:
        tune_study.open_storage(url)
    assert str(caught.value).startswith(f"--storage {said}")


def test_a_storage_the_user_did_not_give_is_named_by_its_label(tmp_path):
    url = f"sqlite:///{tmp_path / 'gone' / 'study.db'}"
    with pytest.raises(UsageError, match=r"^--out gone: study.db: no folder .*gone to hold"):
        tune_study.open_storage(url, "--out gone: study.db")


# Two processes creating one SQLite storage: both create its tables, both stamp alembic's row.
RACES = [
    ("OperationalError", "CREATE TABLE", "table studies already exists"),
    ("IntegrityError", "INSERT INTO alembic_version", "UNIQUE constraint failed: alembic_version"),
    # PostgreSQL, two sessions' CREATE TABLE at once (seen in bench/fault_sweep.py)
    ("IntegrityError", "CREATE TABLE", 'duplicate key value violates unique constraint "pg_type'),
]


@pytest.mark.parametrize(("error", "statement", "said"), RACES)
def test_opening_a_storage_another_process_is_creating_is_tried_again(
    error, statement, said, monkeypatch, tmp_path
):
    import sqlalchemy.exc

    real, calls = tune_study._storage, []

    def racing(url):
        calls.append(url)
        if len(calls) == 1:
            raise getattr(sqlalchemy.exc, error)(statement, {}, said)
        return real(url)

    monkeypatch.setattr(tune_study, "_storage", racing)
    monkeypatch.setattr(tune_study.time, "sleep", lambda seconds: None)
    assert tune_study.open_storage(f"sqlite:///{tmp_path / 'study.db'}") is not None
    assert len(calls) == 2


def test_a_worker_joining_before_the_baseline_is_queued_draws_other_values(
    recipe, tmp_path, monkeypatch
):
    import optuna
    import torch

    from seqcli.recipe import load_recipe
    from seqcli.tune.space import from_flags
    from seqcli.tune.trial import Base

    seeds = []
    monkeypatch.setitem(tune_study.SAMPLERS, "tpe", lambda optuna, seed: seeds.append(seed) or None)
    monitor = load_recipe(recipe, []).train.monitor
    base = Base(recipe, (), tmp_path / "study", torch.device("cpu"), monitor)
    request = tune_study.Request(base, tuple(from_flags([LR])), trials=2)
    base.out.mkdir()
    # Worker 1 loads the study worker 0 has just created, before its baseline is queued.
    empty = optuna.create_study(study_name="study", storage=request.url)
    empty.set_user_attr("fingerprint", tune_study.fingerprint(request))
    tune_study.open_study(request, worker=1)
    empty.enqueue_trial({"train.lr": 0.01})
    tune_study.open_study(request, worker=0)  # worker 0, after queueing it
    assert seeds[0] != seeds[1]


def test_two_workers_never_both_take_one_queued_trial_from_an_sqlite_study(tmp_path):
    """Each has its own connection, as each --jobs worker does; Python's sqlite3 begins a
    transaction at the first write, so both could read a trial as waiting and both run it."""
    import threading

    import optuna

    url = f"sqlite:///{tmp_path / 'study.db'}"
    queued = optuna.create_study(study_name="study", storage=tune_study.open_storage(url))
    for value in range(40):
        queued.enqueue_trial({"x": value}, skip_if_exists=False)
    workers = [
        optuna.load_study(study_name="study", storage=tune_study.open_storage(url))
        for _ in range(2)
    ]
    taken: list[list[int]] = [[], []]
    together = threading.Barrier(2)

    def take(number: int) -> None:
        together.wait()
        while (trial := workers[number]._pop_waiting_trial_id()) is not None:
            taken[number].append(trial)

    threads = [threading.Thread(target=take, args=(number,)) for number in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken[0] + taken[1]) == [trial._trial_id for trial in queued.trials]
