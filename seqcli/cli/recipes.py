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
    """Print the recipe with every default filled in and every override applied."""
    from seqcli.recipe import load_recipe, recipe_to_yaml

    ui.write_stdout(recipe_to_yaml(load_recipe(recipe, overrides or [])))


@recipe_app.command("schema")
def recipe_schema() -> None:
    """Print the recipe JSON Schema (for editor completion and validation)."""
    from seqcli.recipe import recipe_json_schema

    ui.write_stdout(json.dumps(recipe_json_schema(), indent=2) + "\n")
