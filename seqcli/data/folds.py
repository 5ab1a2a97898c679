"""k-fold cross-validation of labelled examples: stratified folds, one of them the validation
split, and the test split held out of every fold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seqcli.data.labelled import Example, stratified_split
from seqcli.data.vectors import random_split
from seqcli.errors import DataError


def stratified_folds(labels: Sequence[str], *, folds: int, seed: int) -> list[int]:
    """The fold of each example. Each class is shuffled with the seed and dealt round-robin,
    the next class going on where the last one stopped: so every fold holds each class's
    count within 1, and the folds' sizes are within 1 of each other."""
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, []).append(index)
    fold_of, dealt = [0] * len(labels), 0
    for label in sorted(by_label):
        for index in rng.permutation(by_label[label]).tolist():
            fold_of[index], dealt = dealt % folds, dealt + 1
    return fold_of


def fold_split(
    examples: list[Example],
    *,
    folds: int,
    fold: int,
    test_fraction: float,
    seed: int,
    stratified: bool = True,
) -> dict[str, list[Example]]:
    """train/val/test where val is fold `fold` of `folds`; the test split is the same for
    every fold, taken first as a split without folds takes it. Not stratified (a
    regressor's numbers are no classes), the folds are blocks of one seeded shuffle."""
    hold_out = stratified_split if stratified else random_split
    held = hold_out(examples, val_fraction=0.0, test_fraction=test_fraction, seed=seed)
    rest = held["train"]
    _enough_for(rest, folds, stratified=stratified)
    strata = [example.label if stratified else "" for example in rest]
    fold_of = stratified_folds(strata, folds=folds, seed=seed)
    return {
        "train": [e for e, f in zip(rest, fold_of, strict=True) if f != fold],
        "val": [e for e, f in zip(rest, fold_of, strict=True) if f == fold],
        "test": held["test"],
    }


def _enough_for(examples: list[Example], folds: int, *, stratified: bool) -> None:
    """Every fold must validate something, and every class train in every fold."""
    if len(examples) < folds:
        raise DataError(
            f"train.folds {folds}: only {len(examples)} example(s) outside the test split; "
            "each fold needs at least one"
        )
    if not stratified:
        return
    counts: dict[str, list[Example]] = {}
    for example in examples:
        counts.setdefault(example.label, []).append(example)
    for label, members in sorted(counts.items()):
        if len(members) < 2:
            raise DataError(
                f"{members[0].where}: class '{label}' has 1 example outside the test split; "
                "train.folds needs 2, so that the fold validating it still trains on one"
            )


def recipe_split(examples: list, recipe, *, stratified: bool) -> dict[str, list]:
    """Train/val/test as the recipe says: stratified by label or a seeded shuffle; with
    train.fold, that fold of train.folds is the validation split."""
    config, train = recipe.data, recipe.train
    sizes = {"test_fraction": config.test_fraction, "seed": recipe.seed}
    if train.fold is not None:
        return fold_split(
            examples, folds=train.folds, fold=train.fold, stratified=stratified, **sizes
        )
    split = stratified_split if stratified else random_split
    return split(examples, val_fraction=config.val_fraction, **sizes)
