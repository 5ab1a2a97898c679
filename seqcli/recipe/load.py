"""Recipe files in and out: safe YAML, --set overrides, validation, dumps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from seqcli.errors import RecipeError
from seqcli.recipe.errors import describe_validation_error
from seqcli.recipe.schema import Recipe


def load_recipe(path: Path, overrides: list[str] = ()) -> Recipe:
    """Read, override and validate a recipe file."""
    raw = read_yaml(path)
    require_mapping(raw, source=str(path))
    for override in overrides:
        apply_override(raw, override)
    return validate_recipe(raw, source=str(path), base_dir=path.parent, overrides=overrides)


def validate_recipe(
    raw: Any, *, source: str, base_dir: Path | None = None, overrides: list[str] = ()
) -> Recipe:
    """Validate a recipe dict, turning pydantic errors into one RecipeError line."""
    require_mapping(raw, source=source)
    try:
        return Recipe.model_validate(raw, context={"base_dir": base_dir})
    except ValidationError as err:
        raise RecipeError(describe_validation_error(err, Recipe, source, overrides)) from None


def require_mapping(raw: Any, *, source: str) -> None:
    if not isinstance(raw, dict):
        raise RecipeError(f"{source}: a recipe is a mapping of keys, got {type(raw).__name__}")


def read_yaml(path: Path) -> Any:
    """Parse a YAML file with the safe loader, naming the line and column of a syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecipeError(f"{path}: recipe file not found") from None
    except IsADirectoryError:
        raise RecipeError(f"{path}: is a folder, expected a recipe file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise RecipeError(f"{path}: cannot read recipe ({err})") from None
    if not text.strip():
        raise RecipeError(f"{path}: recipe file is empty")
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RecipeError(f"{path}: YAML syntax error at {where}{err.problem}") from None
    except yaml.YAMLError as err:
        raise RecipeError(f"{path}: YAML syntax error: {err}") from None


def apply_override(raw: dict, override: str) -> None:
    """Set one dotted key from a `--set key=value` string; the value is parsed as YAML."""
    key, sep, text = override.partition("=")
    if not sep or not key.strip():
        raise RecipeError(f"--set {override}: expected key=value, e.g. model.hidden_size=512")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = text
    *parents, leaf = key.strip().split(".")
    node = raw
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise RecipeError(f"--set {override}: '{part}' is a value, not a section")
        node = child
    node[leaf] = value


def recipe_to_dict(recipe: Recipe) -> dict:
    """Plain JSON-ready data for run folders and checkpoints."""
    return json.loads(recipe.model_dump_json())


def recipe_to_yaml(recipe: Recipe) -> str:
    return yaml.safe_dump(recipe_to_dict(recipe), sort_keys=False, allow_unicode=True)


def recipe_json_schema() -> dict:
    return Recipe.model_json_schema()
