"""The task contract (engine/contract.py) against every task: each provides what it must, its
optional hooks agree with the spec facts that say the same thing, and no hook is looked up
by name where a reader cannot follow it."""

from __future__ import annotations

import re

import pytest

from seqcli.engine.contract import (
    Calibrates,
    Generates,
    HasTokenTables,
    Predicts,
    PredictsFiles,
    ReadsStackInput,
    Task,
)
from seqcli.recipe.tasks import SPECS
from seqcli.tasks import TASKS
from tests.conftest import ROOT

HOOKS = (Calibrates, Generates, HasTokenTables, Predicts, PredictsFiles, ReadsStackInput)
# A hook found by name at run time: getattr(run.task, "calibrate", None), hasattr(task, ...).
LOOKUP_BY_NAME = re.compile(r"\b(getattr|hasattr)\(\s*[\w.]*\btask\b")


def test_every_spec_has_one_task_found_by_the_spec_name():
    assert set(TASKS) == set(SPECS)
    assert all(task.spec is SPECS[name] for name, task in TASKS.items())


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_provides_what_the_contract_requires(name):
    assert isinstance(TASKS[name], Task)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_a_task_generates_exactly_when_its_spec_names_generate_flags(name):
    assert isinstance(TASKS[name], Generates) == bool(SPECS[name].generate)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_a_task_reads_whole_files_exactly_when_its_spec_names_their_suffixes(name):
    assert isinstance(TASKS[name], PredictsFiles) == bool(SPECS[name].predict_files)


def test_a_task_that_reads_whole_files_also_predicts_lines():
    readers = [task for task in TASKS.values() if isinstance(task, PredictsFiles)]
    assert readers and all(isinstance(task, Predicts) for task in readers)


def test_a_predict_without_prediction_lines_is_not_the_predict_hook():
    class HalfPredictor:
        def predict(self, run, lines):
            return []

    assert not isinstance(HalfPredictor(), Predicts)


def test_only_the_forecasters_calibrate_on_the_validation_split():
    calibrating = {name for name, task in TASKS.items() if isinstance(task, Calibrates)}
    assert calibrating == {"direct_forecaster", "autoregressive_forecaster"}


def test_every_hook_is_provided_by_some_task_and_missing_from_another():
    for hook in HOOKS:
        having = [isinstance(task, hook) for task in TASKS.values()]
        assert any(having) and not all(having), hook.__name__


def test_no_code_looks_up_a_task_hook_by_name():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "seqcli").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LOOKUP_BY_NAME.search(line)
    ]
    assert not found, "ask isinstance(task, <hook>) from engine/contract.py instead:\n" + "\n".join(
        found
    )


def test_the_lookup_pattern_catches_the_forms_it_forbids():
    for line in (
        'getattr(run.task, "calibrate", None)',
        'getattr(self.run.task, "calibrate", None)',
        'hasattr(task, "predict")',
        'getattr(loaded.task, "generate")',
    ):
        assert LOOKUP_BY_NAME.search(line), line
    assert not LOOKUP_BY_NAME.search('getattr(run.recipe.model, "freeze_embeddings", False)')
