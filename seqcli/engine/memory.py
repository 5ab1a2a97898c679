"""Will it fit? The memory a run needs, estimated from its recipe and its data's sizes before
anything is allocated, against what the machine has free."""

from __future__ import annotations

import torch
from torch import nn


def model_on_meta(run) -> nn.Module:
    """The model a run's recipe and meta build, on the meta device: every weight's shape, and
    none of its memory (a recipe asking for a terabyte builds in milliseconds)."""
    with torch.device("meta"):
        return run.task.build_model(run.recipe, run.meta)
