"""compare-cells' grid: the cell variants of one recipe (cells x depths x directions x seeds),
their recipes, and hidden sizes matched to one parameter count."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from functools import partial

from seqcli.analysis.matching import match_hidden_size, meta_parameter_count
from seqcli.engine.contract import Meta
from seqcli.errors import UsageError
from seqcli.recipe import ModelConfig, Recipe, recipe_to_dict, validate_recipe
from seqcli.recipe.cells import CELL_NAMES, CELL_OPTIONS, CELL_SPECS
from seqcli.tasks import task_for

DEFAULT_CELLS = "rnn,lstm,gru"  # the classic comparison; --cells adds leaky
# compare-cells' flags that make a grid axis of a cell's form, and the option each sets.
FORM_FLAGS = {"memory": "--memory", "gate_activation": "--gate-activation"}
Entry = tuple[str, str | None]  # (cell, form): the form is the value of the cell's form option


@dataclass(frozen=True)
class Grid:
    cells: tuple[Entry, ...]
    layers: tuple[int, ...]
    directions: tuple[str, ...]
    seeds: tuple[int, ...]
    match_params: bool = False
    steps: int | None = None  # overrides the recipe's train length
    target: float | None = None  # report the first step the monitored metric reached this


@dataclass(frozen=True)
class Variant:
    cell: str
    layers: int
    direction: str
    hidden_size: int
    seed: int
    form: str | None = None

    @property
    def group(self) -> str:
        """The variant without its seed: what mean and std are taken over."""
        cell = f"{self.cell}.{self.form}" if self.form else self.cell
        return f"{cell}-{self.layers}x{self.hidden_size}-{self.direction}"

    @property
    def name(self) -> str:
        return f"{self.group}-seed{self.seed}"


def variant_recipe(recipe: Recipe, variant: Variant, *, steps: int | None) -> Recipe:
    """The base recipe with the variant's cell, shape and seed (and the grid's step budget)."""
    raw = recipe_to_dict(recipe)
    model = {
        **raw["model"],
        "cell": variant.cell,
        "layers": variant.layers,
        "direction": variant.direction,
        "hidden_size": variant.hidden_size,
    }
    # Options of one cell would make the recipe invalid for another.
    model.update(
        {option: None for option, cells in CELL_OPTIONS.items() if variant.cell not in cells}
    )
    option = CELL_SPECS[variant.cell].form_option
    if option is not None:
        model[option] = variant.form
    raw.update(model=model, seed=variant.seed, name=f"{recipe.name}-{variant.name}")
    if steps is not None:
        raw["train"] = {**raw["train"], "steps": steps, "epochs": None}
    return validate_recipe(raw, source=f"compare-cells variant {variant.name}")


def plan(recipe: Recipe, grid: Grid, meta: Meta) -> list[Variant]:
    """Every variant of the grid. With match_params, at each depth and direction the first
    cell keeps the recipe's hidden size and the others get the size that matches its count."""
    task = task_for(recipe)
    hidden_size = recurrent_section(recipe).hidden_size

    def count(entry: Entry, layers: int, direction: str, hidden: int) -> int:
        shape = Variant(entry[0], layers, direction, hidden, recipe.seed, entry[1])
        probe = variant_recipe(recipe, shape, steps=None)
        return meta_parameter_count(lambda: task.build_model(probe, meta))

    variants = []
    for layers in grid.layers:
        for direction in grid.directions:
            reference = count(grid.cells[0], layers, direction, hidden_size)
            for entry in grid.cells:
                hidden = hidden_size
                if grid.match_params and entry != grid.cells[0]:
                    hidden = match_hidden_size(
                        partial(count, entry, layers, direction),
                        reference,
                        what=f"{'.'.join(filter(None, entry))} ({layers} layers, {direction})",
                    )
                variants += [
                    Variant(entry[0], layers, direction, hidden, s, entry[1]) for s in grid.seeds
                ]
    return variants


def parse_grid(recipe: Recipe, flags: dict) -> Grid:
    """The grid from compare-cells' comma-separated flags; absent ones keep the recipe's."""
    if not isinstance(recipe.model, ModelConfig):
        raise UsageError(f"compare-cells compares recurrent cells; a {recipe.spec.title} has none")
    model = recurrent_section(recipe)
    return Grid(
        cells=_entries(
            recipe, _listed(flags["cells"] or DEFAULT_CELLS, "--cells", CELL_NAMES), flags
        ),  # fmt: skip
        layers=tuple(_integers(flags["layers"], "--layers", minimum=1) or [model.layers]),
        directions=_listed(flags["direction"] or model.direction, "--direction", ("uni", "bi")),
        seeds=tuple(_integers(flags["seeds"], "--seeds", minimum=0) or [recipe.seed]),
        match_params=flags["match_params"],
        steps=flags["steps"],
        target=flags["target"],
    )


def recurrent_section(recipe: Recipe) -> ModelConfig:
    """The recipe's model section, which parse_grid has found to have a recurrent cell."""
    model = recipe.model
    assert isinstance(model, ModelConfig), "parse_grid refuses a model without a cell"
    return model


def _entries(recipe: Recipe, cells: tuple[str, ...], flags: dict) -> tuple[Entry, ...]:
    """Each cell once per form the flags ask of it (--memory for rnn, --gate-activation for
    lstm and gru); a cell without one runs the recipe's form if it is the recipe's cell."""
    entries = []
    for cell in cells:
        option = CELL_SPECS[cell].form_option
        given = flags.get(option) if option else None
        if given:
            choices = typing.get_args(ModelConfig.model_fields[option].annotation)[0]
            forms = _listed(given, FORM_FLAGS[option], typing.get_args(choices))
        else:
            same = option and cell == recurrent_section(recipe).cell
            forms = (getattr(recipe.model, option),) if same else (None,)
        entries += [(cell, form) for form in forms]
    return tuple(entries)


def _listed(text: str, flag: str, choices: tuple[str, ...]) -> tuple[str, ...]:
    items = tuple(item.strip() for item in text.split(",") if item.strip())
    bad = [item for item in items if item not in choices]
    if bad or not items:
        raise UsageError(f"{flag} {text}: choose among {', '.join(choices)}, comma-separated")
    if len(set(items)) < len(items):
        raise UsageError(f"{flag} {text}: names a value twice")
    return items


def _integers(text: str | None, flag: str, *, minimum: int) -> list[int]:
    if text is None:
        return []
    try:
        values = [int(item) for item in text.split(",")]
    except ValueError:
        raise UsageError(f"{flag} {text}: expected comma-separated integers, e.g. 1,2") from None
    if any(v < minimum for v in values) or len(set(values)) < len(values):
        raise UsageError(f"{flag} {text}: distinct integers of at least {minimum}")
    return values
