"""The whole recipe and the rules that tie its sections to the task. Nothing here imports torch."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Discriminator, Field, Tag, model_validator

from seqcli.recipe.data import SYNTHETIC_MAPPINGS, Data, fill_format
from seqcli.recipe.model import TASK_KEY, ModelConfig
from seqcli.recipe.schedule import Section
from seqcli.recipe.tasks import FORMATS, MAPPINGS, SPECS, Mapping, TaskSpec, task_of
from seqcli.recipe.training import GenerateConfig, TrainConfig

MAX_SEED = 2**63 - 1  # torch seeds are 64-bit; the headroom lets samplers add the step


NO_TASK = "no task"  # the mapping or data format names none: only the shared keys are known


def _task_of_section(raw: Any) -> str:
    """The task a raw model section was tagged with, or that a built one belongs to."""
    if isinstance(raw, dict):
        return raw.get(TASK_KEY) if raw.get(TASK_KEY) in SPECS else NO_TASK
    return next((s.name for s in SPECS.values() if type(raw) is s.model), NO_TASK)


# The model section is the task's own, so a key another task reads is unknown here.
TaskModel = Annotated[
    Union[  # noqa: UP007
        (Annotated[ModelConfig, Tag(NO_TASK)],)
        + tuple(Annotated[spec.model, Tag(name)] for name, spec in SPECS.items())
    ],
    Discriminator(_task_of_section),
]
# Train keys only some tasks read, and those tasks' mappings.
TRAIN_OPTIONS = {
    key: tuple(spec.mapping for spec in SPECS.values() if key in spec.train_options)
    for spec in SPECS.values()
    for key in spec.train_options
}


class Recipe(Section):
    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="the run folder is runs/<name>/; letters, digits, '_', '.' and '-'",
    )
    seed: int = Field(
        0,
        ge=0,
        le=MAX_SEED,
        description="seeds weight init, dropout, random windows and the samples shown in training",
    )
    mapping: Mapping = Field(
        "many_to_many",
        description="input/output shape: with data.format it picks the task "
        "(many_to_many + text: a language model)",
    )
    data: Data = Field(description="the data, its format, tokenizer and splits")
    model: TaskModel = Field(
        default_factory=ModelConfig,
        description="the network: a recurrent task's cell, size, depth and dropout, and each "
        "task's own options",
    )
    train: TrainConfig = Field(
        default_factory=TrainConfig,
        description="windows, length, optimizer, schedule, validation and early stopping",
    )
    generate: GenerateConfig = Field(
        default_factory=GenerateConfig,
        description="sampling defaults for seqcli generate and the samples shown in training",
    )

    @model_validator(mode="before")
    @classmethod
    def _pick_the_task(cls, raw: Any) -> Any:
        """Tag the model section with the task, so it is validated as that task's; fill the
        train keys only this task reads. A mapping or format that names no task is an error
        here; one that is not even a choice is left to the field's own message."""
        if not isinstance(raw, dict):
            return raw
        raw = dict(raw)
        if "data" in raw:
            raw["data"] = fill_format(raw["data"])
        data, mapping = raw.get("data"), raw.get("mapping", "many_to_many")
        if not isinstance(data, dict) or mapping not in MAPPINGS or data["format"] not in FORMATS:
            return raw
        spec = task_of(mapping, data["format"], data.get("label_type", "category"))
        model, train = raw.get("model", {}), raw.get("train", {})
        if isinstance(model, dict):
            raw["model"] = {**model, TASK_KEY: spec.name}
        if isinstance(train, dict):
            unset = {k: v for k, v in spec.train_options.items() if train.get(k) is None}
            raw["train"] = {**train, **unset}
        return raw

    @property
    def spec(self) -> TaskSpec:
        """The task this mapping and data format make (see recipe/tasks.py)."""
        return task_of(self.mapping, self.data.format, getattr(self.data, "label_type", "category"))

    @property
    def task(self) -> str:
        return self.spec.name

    @model_validator(mode="after")
    def _the_task_reads_the_rest(self) -> Recipe:
        spec = self.spec
        if self.train.monitor not in spec.metric_names:
            raise ValueError(
                f"train.monitor: '{self.train.monitor}' is not reported by a {spec.name}; "
                f"choose {', '.join(spec.metric_names)}"
            )
        # A task that writes left to right has a recurrent section; check that first.
        if spec.left_to_right and self.model.direction == "bi":
            raise ValueError(f"model.direction: 'bi' {spec.left_to_right}; use 'uni'")
        for key, mappings in TRAIN_OPTIONS.items():
            if getattr(self.train, key) is not None and key not in spec.train_options:
                raise ValueError(f"train.{key} applies to mapping {' and '.join(mappings)} only")
        return self

    @model_validator(mode="after")
    def _folds_split_examples(self) -> Recipe:
        if self.train.folds is None:
            return self
        if not self.spec.folds:
            folding = " or ".join(f"{s.title}'s" for s in SPECS.values() if s.folds)
            raise ValueError(
                f"train.folds: k-fold cross-validation deals a {folding} "
                f"examples into folds; a {self.spec.title} is validated on data.val_fraction "
                "or val_path"
            )
        if getattr(self.data, "val_path", None) is not None:
            raise ValueError("train.folds: each fold is the validation split; drop data.val_path")
        return self

    @model_validator(mode="after")
    def _synthetic_task_fits_the_mapping(self) -> Recipe:
        if self.data.format == "synthetic":
            mapping = SYNTHETIC_MAPPINGS[self.data.task]
            if self.mapping != mapping:
                raise ValueError(
                    f"mapping: data.task '{self.data.task}' is {mapping}, not {self.mapping}"
                )
        return self
