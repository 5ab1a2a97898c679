"""Task implementations by the names recipe/tasks.py gives them."""

from __future__ import annotations

from seqcli.engine.contract import Task
from seqcli.tasks.arrays.regressor import ArrayRegressorTask
from seqcli.tasks.arrays.task import ArrayClassifierTask, ArrayTaggerTask
from seqcli.tasks.conditioned.text import ConditionedText
from seqcli.tasks.conditioned.values import ConditionedValues
from seqcli.tasks.forecaster.task import TASKS as FORECASTERS
from seqcli.tasks.hopfield.task import HopfieldTask
from seqcli.tasks.labelled.classifier import ClassifierTask
from seqcli.tasks.labelled.regressor import RegressorTask
from seqcli.tasks.language_model import LanguageModelTask
from seqcli.tasks.music import MusicTask
from seqcli.tasks.synthetic import AddingTask, CopyTask
from seqcli.tasks.tagger.task import TaggerTask
from seqcli.tasks.translator.task import Translator

TASKS: dict[str, Task] = {
    "language_model": LanguageModelTask(),
    "classifier": ClassifierTask(),
    "regressor": RegressorTask(),
    "adding": AddingTask(),
    "copy": CopyTask(),
    "music": MusicTask(),
    "conditioned_text": ConditionedText(),
    "conditioned_values": ConditionedValues(),
    "translator": Translator(),
    **FORECASTERS,
    "tagger": TaggerTask(),
    "array_classifier": ArrayClassifierTask(),
    "array_tagger": ArrayTaggerTask(),
    "array_regressor": ArrayRegressorTask(),
    "hopfield": HopfieldTask(),
}

__all__ = ["TASKS", "task_for"]


def task_for(recipe) -> Task:
    return TASKS[recipe.task]
