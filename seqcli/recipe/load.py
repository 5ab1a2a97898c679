"""Recipe files in and out: safe YAML, --set overrides, validation, dumps."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from seqcli.errors import RecipeError, RecipeProblems
from seqcli.recipe.cells import CELL_OPTIONS
from seqcli.recipe.errors import cut, describe_validation_error
from seqcli.recipe.inputs import RECIPE, Input, read_input
from seqcli.recipe.schema import READ_BY, SPEC_OPTIONS, Recipe
from seqcli.recipe.yaml_loader import YamlRefused, parse_yaml


def load_recipe(path: Path, overrides: list[str] = ()) -> Recipe:
    """Read, override and validate a recipe file."""
    raw = read_yaml(path)
    require_mapping(raw, source=str(path))
    try:
        return validate_recipe(
            overridden(raw, overrides), source=str(path), base_dir=path.parent, overrides=overrides
        )
    except RecipeError as err:
        raise _blame_override(err, raw, path, overrides) from None


def overridden(raw: dict, overrides: Sequence[str]) -> dict:
    """A copy of the raw recipe with the --set overrides applied in order."""
    raw = copy.deepcopy(raw)
    for override in overrides:
        apply_override(raw, override)
    return raw


def _blame_override(
    err: RecipeError, raw: dict, path: Path, overrides: Sequence[str]
) -> RecipeError:
    """An error the file alone does not have is the fault of the first --set that brings it,
    even where it surfaces at another key (`--set train.epochs=2` against the file's steps)."""
    message, prefix = str(err), f"{path}: "
    if not overrides or not message.startswith(prefix) or _fails(raw, path, ()):
        return err
    culprit = next(o for i, o in enumerate(overrides, 1) if _fails(raw, path, overrides[:i]))
    return RecipeError(f"--set {cut(culprit)}: {message.removeprefix(prefix)}")


def _fails(raw: dict, path: Path, overrides: Sequence[str]) -> bool:
    try:
        validate_recipe(overridden(raw, overrides), source=str(path), base_dir=path.parent)
    except RecipeError:
        return True
    return False


def validate_recipe(
    raw: Any,
    *,
    source: str,
    base_dir: Path | None = None,
    overrides: list[str] = (),
    stored: bool = False,
) -> Recipe:
    """Validate a recipe dict, turning pydantic errors into RecipeProblems, a line a key.
    stored: a recipe a run saved, whose train and data keys its task does not read are dropped."""
    require_mapping(raw, source=source)
    try:
        return Recipe.model_validate(raw, context={"base_dir": base_dir, "stored": stored})
    except ValidationError as err:
        raise RecipeProblems(describe_validation_error(err, Recipe, source, overrides)) from None


def require_mapping(raw: Any, *, source: str) -> None:
    if not isinstance(raw, dict):
        raise RecipeError(f"{source}: a recipe is a mapping of keys, got {type(raw).__name__}")


def read_yaml(path: Path, kind: Input = RECIPE) -> Any:
    """Parse a recipe file (a regular file of at most 1 MiB) with the safe loader, naming the
    line and column of a syntax error, a duplicate key or an alias bomb."""
    text = read_input(path, kind)
    if not text.strip():
        raise kind.error(f"{path}: {kind.noun} is empty")
    return parse_text(text, source=str(path))


def parse_text(text: str, *, source: str, not_yaml_is_text: bool = False) -> Any:
    """YAML text as data; anything wrong is a RecipeError starting with the source. With
    not_yaml_is_text, text that does not parse is returned as it is (a --set value)."""
    try:
        return parse_yaml(text)
    except YamlRefused as err:
        where = f"line {err.line}: " if err.line else ""
        raise RecipeError(f"{source}: {where}{err.problem}") from None
    except RecursionError:
        raise RecipeError(f"{source}: YAML nested too deeply to read") from None
    except yaml.YAMLError as err:
        if not_yaml_is_text:
            return text
        raise RecipeError(f"{source}: YAML syntax error{_syntax_error(err)}") from None


def _syntax_error(err: yaml.YAMLError) -> str:
    if not isinstance(err, yaml.MarkedYAMLError):
        return f": {err}"
    mark = err.problem_mark or err.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"{where}: {err.problem}"


def apply_override(raw: dict, override: str) -> None:
    """Set one dotted key from a `--set key=value` string; the value is parsed as YAML (text
    that is not YAML is taken as a string, so `--set generate.prime=a: b` works)."""
    key, sep, text = override.partition("=")
    source = f"--set {cut(override)}"
    if not sep or not key.strip():
        raise RecipeError(f"{source}: expected key=value, e.g. model.hidden_size=512")
    parts = key.strip().split(".")
    if not all(part.strip() for part in parts):
        raise RecipeError(f"{source}: empty part in the key; write it as section.key=value")
    value = parse_text(text, source=source, not_yaml_is_text=True)
    *parents, leaf = parts
    node = raw
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise RecipeError(f"{source}: '{cut(part)}' is a value, not a section")
        node = child
    node[leaf] = value


def recipe_to_dict(recipe: Recipe) -> dict:
    """Plain JSON-ready data for run folders and checkpoints."""
    return json.loads(recipe.model_dump_json())


def recipe_to_yaml(recipe: Recipe) -> str:
    return yaml.safe_dump(recipe_to_dict(recipe), sort_keys=False, allow_unicode=True)


def task_keys(recipe: Recipe) -> dict:
    """The recipe as `recipe show` prints it: the keys its task and cell read, every default
    filled in. Loaded again it is the same recipe (a key left out is at its default)."""
    shown, spec = recipe_to_dict(recipe), recipe.spec
    for section, keys in READ_BY.items():
        for key in keys:
            if key not in SPEC_OPTIONS[section](spec) and key in shown[section]:
                shown[section].pop(key)
    for option, cells in CELL_OPTIONS.items():
        if getattr(recipe.model, "cell", None) not in cells and option in shown["model"]:
            shown["model"].pop(option)
    if not spec.generate:
        shown.pop("generate")
    return shown


def recipe_json_schema() -> dict:
    return Recipe.model_json_schema()
