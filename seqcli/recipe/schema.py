"""The whole recipe and the rules that tie its sections to the task. Nothing here imports torch."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Discriminator, Field, Tag, ValidationInfo, model_validator

from seqcli.recipe.data import SYNTHETIC_MAPPINGS, Data, fill_format
from seqcli.recipe.model import TASK_KEY, ModelConfig
from seqcli.recipe.schedule import Section
from seqcli.recipe.task_choice import task_of
from seqcli.recipe.tasks import FORMATS, MAPPINGS, SPECS, Mapping, TaskSpec
from seqcli.recipe.training import GenerateConfig, TrainConfig, monitored

TUNE_KEY = r"^[a-z_]+(\.[a-z0-9_]+)+$"  # a dotted recipe key, as --set writes it
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
# Keys of a shared section that only some tasks read: train keys (a spec's train_options,
# with their defaults) and keys of a data format several tasks read (its data_options).
SPEC_OPTIONS = {"train": lambda spec: spec.train_options, "data": lambda spec: spec.data_options}


def _readers(section: str) -> dict[str, tuple[str, ...]]:
    """Each key only some tasks read in the section -> the titles of those tasks."""
    options = SPEC_OPTIONS[section]
    return {
        key: tuple(dict.fromkeys(s.title for s in SPECS.values() if key in options(s)))
        for spec in SPECS.values()
        for key in options(spec)
    }


READ_BY = {section: _readers(section) for section in SPEC_OPTIONS}
TRAIN_OPTIONS = READ_BY["train"]


def unread_key(spec: TaskSpec, recipe: Any) -> str | None:
    """The first key set in train or data that this task does not read, as a refusal."""
    for section, keys in READ_BY.items():
        values = getattr(recipe, section)
        read = SPEC_OPTIONS[section](spec)
        for key, readers in keys.items():
            if getattr(values, key, None) is not None and key not in read:
                return f"{section}.{key}: {_not_read(section, key, spec, readers)}; remove it"
    return None


def _not_read(section: str, key: str, spec: TaskSpec, readers: tuple[str, ...]) -> str:
    if spec.title not in readers:
        return f"a {spec.title} does not read it (only a {' or '.join(readers)} does)"
    # Two tasks of one title (a forecaster) differ by mapping: name the one that reads it.
    mappings = [
        s.mapping
        for s in SPECS.values()
        if s.title == spec.title and key in SPEC_OPTIONS[section](s)
    ]
    return (
        f"a {spec.title} with mapping {spec.mapping} does not read it (only mapping "
        f"{' or '.join(mappings)} does)"
    )


def _without_unread_keys(raw: dict, spec: TaskSpec) -> dict:
    """A stored recipe without the train and data keys its task never read: runs saved
    before a key became some tasks' kept their values (a default filled in for every task)."""
    cleaned = dict(raw)
    for section, keys in READ_BY.items():
        read = SPEC_OPTIONS[section](spec)
        if isinstance(raw.get(section), dict):
            cleaned[section] = {k: v for k, v in raw[section].items() if k not in keys or k in read}
    return cleaned


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
    # Read by `seqcli tune` only (seqcli/tune/space.py parses each DIST); left out of every
    # dump, so a run trained from this recipe stores, and is, the recipe without it.
    tune: dict[Annotated[str, Field(pattern=TUNE_KEY)], str] = Field(
        default_factory=dict,
        exclude=True,
        description="seqcli tune's search space: recipe key -> DIST, e.g. train.lr: "
        "float(1e-4,1e-2,log), model.hidden_size: int(16,128), model.cell: choice(lstm,gru); "
        "seqcli train ignores it",
    )

    @model_validator(mode="before")
    @classmethod
    def _pick_the_task(cls, raw: Any, info: ValidationInfo) -> Any:
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
        if (info.context or {}).get("stored"):
            raw = _without_unread_keys(raw, spec)
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
        check_monitor(self.train.monitor, spec, self.data)
        # A task that writes left to right has a recurrent section; check that first.
        if spec.left_to_right and self.model.direction == "bi":
            raise ValueError(f"model.direction: 'bi' {spec.left_to_right}; use 'uni'")
        unread = unread_key(spec, self)
        if unread:
            raise ValueError(unread)
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


def check_monitor(monitor: str, spec: TaskSpec, data) -> None:
    """train.monitor names a metric the task reports, at a step its horizon holds."""
    name, step = monitored(monitor)
    if name not in spec.metric_names:
        raise ValueError(
            f"train.monitor: '{monitor}' is not reported by a {spec.name}; "
            f"choose {', '.join(spec.metric_names)}"
        )
    if step is None:
        return
    if name not in spec.step_metrics:
        raise ValueError(
            f"train.monitor: '{monitor}': a {spec.name} reports no metric at one step; "
            f"monitor '{name}'"
        )
    if step > data.horizon:
        raise ValueError(
            f"train.monitor: '{monitor}' reads step {step}, beyond data.horizon {data.horizon}; "
            f"choose a step from 1 to {data.horizon}"
        )
