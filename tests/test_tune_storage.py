"""seqcli tune's storage and sampler: a storage that can never work fails at once, the
create race is tried again, and workers sharing a study never share a sampler seed."""

from __future__ import annotations

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
        ("nonsense://x", "Can't load plugin"),
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
