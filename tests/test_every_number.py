"""Every number a user gives has a bound before work starts: each integer or float recipe key
and command-line flag either declares a maximum (the recipe's field, or the flag's parser), or
is listed here with the check that bounds it at run time. A new number must join one or the
other, so a key that could ask for 10^9 of something is a decision, not an accident."""

from __future__ import annotations

import inspect
import re
import typing

import annotated_types
import pytest
import typer

from seqcli.cli import app
from seqcli.recipe import recipe_json_schema

# Why a number needs no maximum of its own, one word each:
WHY = {
    # compared with a count or a value, never iterated or allocated: a large one costs nothing
    "free": "a threshold, factor or count compared, never looped over",
    # checked against what the data or the model holds, before work (a column past the last,
    # a vocab_size the text cannot fill, a layer the model lacks, lookback + horizon > rows)
    "data": "checked against the data or the model",
    # checked against the CPU cores this process may use (more only wait on each other)
    "cores": "checked against the usable cores",
    # checked against engine/memory.py's estimate before anything is allocated
    "memory": "checked against the memory estimate",
    # a length of work that shows progress, streams its output and stops on Ctrl-C with
    # what it did kept (a run saves; generate has written what it wrote)
    "time": "work that shows progress and stops on Ctrl-C",
}

RECIPE_KEYS = {  # a field name (in any section) -> WHY
    "label_column": "data",
    "token_column": "data",
    "text_column": "data",
    "source_column": "data",
    "target_column": "data",
    "min_freq": "free",
    "vocab_size": "data",  # sentencepiece refuses one its text cannot fill
    "warmup_steps": "free",
    "min_lr": "free",
    "min_delta": "free",
    "patience": "free",
    "step_size": "free",
    "forget_bias": "free",
    "freeze_embeddings": "free",  # steps to hold the vectors, compared with the step
    "length": "memory",  # generate's: require_samples, and streamed
    "sample_length": "memory",
    "min_length": "free",
    "repetition_penalty": "free",
    "temperature": "free",
    "top_k": "free",  # clipped to the vocabulary
    "max_length": "free",  # pairs longer than it are left out
    "horizon": "data",  # lookback + horizon must fit the series; generate streams it
    "lookback": "data",
    "test_size": "data",
    "val_examples": "memory",  # SyntheticData bounds val + test steps together
    "test_examples": "memory",
    "batch_size": "memory",  # and refused when larger than the data
    "seq_len": "memory",
    "clip_norm": "free",
    "lr": "free",
    "weight_decay": "free",
    "epochs": "time",
    "steps": "time",
    "max_time": "time",
    "eval_every": "free",
    "eval_batches": "free",  # validation stops at the split's end
    "fold": "data",  # below train.folds
}

FLAGS = {  # (command, parameter) -> WHY, for flags whose parser declares no maximum
    ("train", "steps"): "time",
    ("train", "epochs"): "time",
    ("train", "max_time"): "time",
    ("tune", "timeout"): "time",  # the same words and bound as train.max_time
    ("train", "nproc"): "cores",  # launch/torchrun.check_ranks
    ("compare-cells", "steps"): "time",
    ("compare-cells", "target"): "free",
    ("evaluate", "max_batches"): "free",
    ("report", "max_batches"): "free",  # the task's evaluate, as evaluate --max-batches
    ("gates", "layer"): "data",
    ("gates", "unit"): "data",
    ("gates", "top_units"): "free",
    ("generate", "length"): "memory",
    ("generate", "min_length"): "free",
    ("generate", "temperature"): "free",
    ("generate", "top_k"): "free",
    ("generate", "repetition_penalty"): "free",
    ("generate", "num_samples"): "memory",
    ("generate", "horizon"): "time",  # streamed 1024 rows at a time; --plot at most 100,000
    ("generate", "n_best"): "data",  # at most --beam-size
    ("generate", "length_penalty"): "free",
    ("generate", "pattern"): "data",  # below the patterns the run stores
}


def has_maximum(schema: dict) -> bool:
    return "maximum" in schema or "exclusiveMaximum" in schema


def recipe_numbers() -> dict[str, bool]:
    """`Section.field` of every number in the recipe's schema -> whether it has a maximum."""
    found: dict[str, bool] = {}
    for section, definition in recipe_json_schema().get("$defs", {}).items():
        for name, field in definition.get("properties", {}).items():
            for choice in (field, *field.get("anyOf", ())):
                if choice.get("type") in ("integer", "number"):
                    key = f"{section}.{name}"
                    found[key] = found.get(key, True) and has_maximum(choice)
    return found


def commands(group: typer.Typer, prefix: str = ""):
    for command in group.registered_commands:
        yield prefix + (command.name or command.callback.__name__.replace("_", "-")), command
    for sub in group.registered_groups:
        yield from commands(sub.typer_instance, f"{prefix}{sub.name} ")


def number_flags() -> dict[tuple[str, str], bool]:
    """(command, parameter) of every int or float option -> whether its parser has a maximum."""
    found = {}
    for name, command in commands(app):
        for parameter in inspect.signature(command.callback, eval_str=True).parameters.values():
            if typing.get_origin(parameter.annotation) is not typing.Annotated:
                continue
            kind, *extras = typing.get_args(parameter.annotation)
            if not {int, float} & {kind, *typing.get_args(kind)}:
                continue
            option = next(e for e in extras if isinstance(e, typer.models.ParameterInfo))
            found[name, parameter.name] = _parser_maximum(option.parser)
    return found


def _parser_maximum(parser) -> bool:
    annotation = getattr(parser, "annotation", None)  # cli/numbers.py keeps it
    if typing.get_origin(annotation) is not typing.Annotated:
        return False
    extras = typing.get_args(annotation)[1:]
    constraints = [c for extra in extras for c in (extra, *getattr(extra, "metadata", ()))]
    return any(isinstance(c, annotated_types.Le | annotated_types.Lt) for c in constraints)


def test_every_recipe_number_has_a_maximum_or_a_run_time_bound():
    unbounded = {key for key, bounded in recipe_numbers().items() if not bounded}
    unexplained = sorted(key for key in unbounded if key.split(".")[-1] not in RECIPE_KEYS)
    assert not unexplained, f"give these a le= or a RECIPE_KEYS entry: {unexplained}"


def test_every_number_flag_has_a_maximum_or_a_run_time_bound():
    unexplained = sorted(
        key for key, bounded in number_flags().items() if not (bounded or key in FLAGS)
    )
    assert not unexplained, f"give these a bounded(le=...) or a FLAGS entry: {unexplained}"


def test_the_tables_name_no_number_that_is_gone_or_bounded_already():
    unbounded_fields = {k.split(".")[-1] for k, bounded in recipe_numbers().items() if not bounded}
    assert sorted(set(RECIPE_KEYS) - unbounded_fields) == []
    flags = number_flags()
    assert sorted(key for key in FLAGS if flags.get(key, True)) == []


@pytest.mark.parametrize("why", sorted({*RECIPE_KEYS.values(), *FLAGS.values()}))
def test_each_reason_is_one_of_the_named_few(why):
    assert why in WHY


@pytest.mark.parametrize(
    ("task", "override", "named"),
    [
        ("copy", "data.val_examples=1000000000", "val_examples: 1,000,000,000 and test_examples"),
        (
            "copy",
            "data.train_examples=1000000000",
            "data.train_examples=1000000000: got 1000000000; input should be less than or "
            "equal to 10000000",
        ),
        (
            "language_model",
            "train.accumulate=1000000",
            "train.accumulate=1000000: got 1000000; input should be less than or equal to 4096",
        ),
        (
            "classifier",
            "train.folds=1000000000",
            "train.folds=1000000000: got 1000000000; input should be less than or equal to 1000",
        ),
    ],
)
def test_a_number_past_its_bound_is_refused_naming_its_key(task, override, named):
    from seqcli.errors import RecipeError
    from tests.conftest import shipped_recipe

    with pytest.raises(RecipeError, match=re.escape(named)):
        shipped_recipe(task, override)


def test_a_beam_past_its_bound_is_refused_by_the_flag():
    from seqcli.cli.numbers import like
    from seqcli.decoding.requests import Search

    with pytest.raises(typer.BadParameter, match="got 100000; input should be less than or equal"):
        like(Search, "beam_size")("100000")
