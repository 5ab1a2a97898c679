"""The recipe: its schema (pydantic, frozen), how files become one, and its error lines."""

from seqcli.recipe.data import SeriesData, TextData
from seqcli.recipe.load import (
    apply_override,
    load_recipe,
    read_yaml,
    recipe_json_schema,
    recipe_to_dict,
    recipe_to_yaml,
    validate_recipe,
)
from seqcli.recipe.schedule import EarlyStopping
from seqcli.recipe.schema import (
    GenerateConfig,
    ModelConfig,
    Recipe,
    TrainConfig,
)

__all__ = [
    "EarlyStopping",
    "GenerateConfig",
    "ModelConfig",
    "Recipe",
    "SeriesData",
    "TextData",
    "TrainConfig",
    "apply_override",
    "load_recipe",
    "read_yaml",
    "recipe_json_schema",
    "recipe_to_dict",
    "recipe_to_yaml",
    "validate_recipe",
]
