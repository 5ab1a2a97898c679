"""The recipe's mapping to a model; every model answers forward(x, *, targets, state)."""

from __future__ import annotations

from torch import nn

from seqcli.models.cells import detach
from seqcli.models.language_model import LanguageModel, Output

MAPPINGS = {"many_to_many": LanguageModel}

__all__ = ["MAPPINGS", "Output", "build_model", "count_parameters", "detach"]


def build_model(recipe, spec) -> nn.Module:
    """Build the model for the recipe's mapping, sized by what the data decided."""
    return MAPPINGS[recipe.mapping](recipe.model, num_tokens=spec.num_tokens)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
