"""What the trainer tells a person about the run's settings and its end, worded once."""

from __future__ import annotations

from seqcli.data.roles import Roles, data_roles
from seqcli.recipe import TrainConfig


def warmup_warnings(train: TrainConfig, total_steps: int) -> tuple[str, ...]:
    warmup = getattr(train.schedule, "warmup_steps", 0)  # only some schedules warm up
    if total_steps and warmup > total_steps:
        return (
            f"train.schedule.warmup_steps is {warmup} but the run takes {total_steps} "
            f"steps: the learning rate never reaches train.lr",
        )
    return ()


def divergence(train: TrainConfig, what: str, *, last_saved: int | None) -> str:
    """Why a diverged run stopped, what it kept, and the two knobs that usually fix it."""
    kept = (
        f"last.pt from step {last_saved} is kept"
        if last_saved is not None
        else "no checkpoint had been written yet"
    )
    clip = "null" if train.clip_norm is None else f"{train.clip_norm:g}"
    return f"{what}; {kept}. Lower train.lr (now {train.lr:g}) or set train.clip_norm (now {clip})"


def column_roles(recipe) -> Roles:
    """Which data column is the target (a series') or the label and text (a table's), which
    are inputs or the date, and which nothing reads: a recipe may leave them to a default, so
    training starts by saying them."""
    return data_roles(recipe.data)
