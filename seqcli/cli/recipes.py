"""seqcli recipe show / schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.app import Overrides, friendly, recipe_app


@recipe_app.command("show")
@friendly
def recipe_show(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")],
    overrides: Overrides = None,
) -> None:
    """Print the keys the recipe's task reads, every default filled in, overrides applied."""
    import yaml

    from seqcli.recipe import load_recipe
    from seqcli.recipe.load import task_keys

    shown = task_keys(load_recipe(recipe, overrides or []))
    ui.write_stdout(yaml.safe_dump(shown, sort_keys=False, allow_unicode=True))


@recipe_app.command("schema")
def recipe_schema() -> None:
    """Print the recipe JSON Schema (for editor completion and validation)."""
    from seqcli.recipe import recipe_json_schema

    ui.write_stdout(json.dumps(recipe_json_schema(), indent=2) + "\n")
