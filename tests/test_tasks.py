"""Every task spec against its implementation, on the task's shipped recipe: the spec is the
task's, its meta survives a weights-only checkpoint, a few steps train, evaluation reports
every metric the spec promises (train.monitor may name any). Which hooks each task has is
tests/test_contract.py's."""

from __future__ import annotations

import pytest
import torch

from seqcli.engine import events
from seqcli.engine.start import fresh_training
from seqcli.recipe import ModelConfig
from seqcli.recipe.tasks import SPECS
from seqcli.tasks import TASKS
from tests.conftest import shipped_recipe

SHORT = ("train.epochs=null", "train.steps=2", "train.eval_every=2")
SMALL = ("model.hidden_size=8", "model.embedding_size=8")  # a recurrent stack's sizes
# Metrics a task reports only for some data, and why.
SOMETIMES = {"tagger": {"f1", "precision", "recall"}}  # spans exist for BIO/BIOES labels only


@pytest.fixture(scope="module", params=sorted(SPECS))
def trained(request, tmp_path_factory):
    name = request.param
    recurrent = issubclass(SPECS[name].model, ModelConfig)
    recipe = shipped_recipe(name, *SHORT, *(SMALL if recurrent else ()))
    task = TASKS[name]
    trainer = fresh_training(
        recipe, task, device=torch.device("cpu"), out=tmp_path_factory.mktemp(name) / "run"
    )
    try:
        stream = list(trainer)
    finally:
        trainer.folder.release()
    return name, trainer, stream


def test_the_implementation_carries_its_own_spec(trained):
    name, trainer, _ = trained
    assert trainer.run.task.spec is SPECS[name]
    assert trainer.run.recipe.task == name


def test_the_meta_survives_a_weights_only_checkpoint(trained, tmp_path):
    _, trainer, _ = trained
    meta = trainer.run.meta
    torch.save(meta.to_dict(), tmp_path / "meta.pt")
    assert type(meta).from_dict(torch.load(tmp_path / "meta.pt", weights_only=True)) == meta
    rows = meta.summary()
    assert rows and all(isinstance(k, str) and isinstance(v, str) for k, v in rows)


def test_a_few_steps_train_and_validate(trained):
    name, trainer, stream = trained
    assert isinstance(stream[-1], events.Finished)
    # A task with nothing to optimize takes no step and validates what its data built.
    steps = 2 if SPECS[name].optimizes else 0
    assert [e.step for e in stream if isinstance(e, events.Step)] == list(range(1, steps + 1))
    assert [e.step for e in stream if isinstance(e, events.Evaluated)] == [steps]
    assert stream[0].unit == trainer.run.task.spec.unit


def test_evaluation_reports_every_metric_the_spec_promises(trained):
    name, trainer, _ = trained
    run = trainer.run
    metrics = run.task.evaluate(run, trainer.data.splits["val"], max_batches=1)
    promised = set(SPECS[name].metric_names) - SOMETIMES.get(name, set())
    assert promised <= set(metrics)
