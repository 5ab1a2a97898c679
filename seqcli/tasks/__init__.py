"""Task implementations, each found by its spec's name (recipe/tasks.py)."""

from __future__ import annotations

from seqcli.engine.contract import Task
from seqcli.recipe import Recipe
from seqcli.tasks.arrays.regressor import ArrayRegressorTask
from seqcli.tasks.arrays.task import ArrayClassifierTask, ArrayTaggerTask
from seqcli.tasks.audio.classifier import AudioClassifierTask
from seqcli.tasks.conditioned.text import ConditionedText
from seqcli.tasks.conditioned.values import ConditionedValues
from seqcli.tasks.forecaster.task import FORECASTERS
from seqcli.tasks.hopfield.task import HopfieldTask
from seqcli.tasks.labelled.classifier import ClassifierTask
from seqcli.tasks.labelled.regressor import RegressorTask
from seqcli.tasks.language_model import LanguageModelTask
from seqcli.tasks.music import MusicTask
from seqcli.tasks.synthetic import AddingTask, CopyTask
from seqcli.tasks.tagger.task import TaggerTask
from seqcli.tasks.transcriber.task import TranscriberTask
from seqcli.tasks.translator.task import Translator

TASKS: dict[str, Task] = {
    task.spec.name: task
    for task in (
        LanguageModelTask(),
        ClassifierTask(),
        RegressorTask(),
        AddingTask(),
        CopyTask(),
        MusicTask(),
        ConditionedText(),
        ConditionedValues(),
        Translator(),
        *FORECASTERS,
        TaggerTask(),
        ArrayClassifierTask(),
        ArrayTaggerTask(),
        ArrayRegressorTask(),
        HopfieldTask(),
        AudioClassifierTask(),
        TranscriberTask(),
    )
}

__all__ = ["TASKS", "task_for"]


def task_for(recipe: Recipe) -> Task:
    """The implementation of the recipe's task."""
    return TASKS[recipe.task]
