"""Facts about a metric or a task live with it: each metric a spec promises carries the way it
is better, and whether a task's examples can be dealt into k folds is its spec's to say."""

from __future__ import annotations

from dataclasses import replace

import pytest

from seqcli.engine.monitor import Monitor
from seqcli.errors import SeqcliError
from seqcli.recipe.task_spec import MetricSpec
from seqcli.recipe.tasks import METRICS, SPECS
from seqcli.recipe.training import Metric, TrainConfig
from tests.conftest import shipped_recipe


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_metric_a_spec_promises_has_a_direction(name):
    for metric in SPECS[name].metrics:
        assert isinstance(metric.lower_is_better, bool), metric
        assert METRICS[metric.name] is metric


def test_a_metric_name_has_one_direction_in_every_spec():
    directions = {(m.name, m.lower_is_better) for s in SPECS.values() for m in s.metrics}
    assert len(directions) == len({name for name, _ in directions})


def test_a_spec_naming_a_metric_without_its_direction_is_a_bug_caught_at_once():
    with pytest.raises(AssertionError, match="its direction"):
        replace(SPECS["classifier"], metrics=(METRICS["loss"], "top5_accuracy"))


def test_train_monitor_may_name_exactly_the_metrics_some_task_reports():
    assert set(Metric.__args__) == set(METRICS)


@pytest.mark.parametrize(
    ("metric", "worse", "better"), [("loss", 0.7, 0.5), ("accuracy", 0.5, 0.7)]
)
def test_the_monitor_follows_the_metrics_direction(metric, worse, better):
    monitor = Monitor(TrainConfig(monitor=metric))
    assert monitor.observe(worse, step=1, loss=1.0)
    assert monitor.observe(better, step=2, loss=1.0)
    assert not monitor.observe(worse, step=3, loss=0.1)
    assert monitor.record() == {"metric": metric, "value": better}


def test_a_metric_record_is_plain_data():
    assert MetricSpec("bleu", lower_is_better=False) == METRICS["bleu"]


def test_only_the_tasks_whose_spec_folds_take_train_folds():
    folding = {name for name, spec in SPECS.items() if spec.folds}
    assert folding == {"classifier", "regressor"}


def test_folds_on_a_task_that_does_not_fold_names_the_tasks_that_do():
    with pytest.raises(SeqcliError, match="deals a classifier's or text regressor's examples"):
        shipped_recipe("tagger", "train.folds=3")
