"""Training batches of recordings, augmented (data.augment) with a generator seeded from
(seed, epoch, batch) of the batch order: a resumed run restores that order's state, so it
draws the same augmentation the uninterrupted run would have."""

from __future__ import annotations

import numpy as np
import torch

from seqcli.data.audio_augment import augmented
from seqcli.engine.contract import Batch, IndexedBatches
from seqcli.recipe import Recipe
from seqcli.recipe.audio_format import AudioData
from seqcli.tasks.arrays.examples import ArraysMeta, Encoded


class AugmentedBatches(IndexedBatches):
    def __init__(self, train: Encoded, recipe: Recipe, meta: ArraysMeta):
        size = recipe.train.batch_size
        super().__init__(train.lengths.tolist(), train.batch, batch_size=size, seed=recipe.seed)
        assert isinstance(recipe.data, AudioData)
        self.config = recipe.data.augment
        self.seed = recipe.seed
        scaler = meta.scaler
        self.scaler = (
            torch.tensor(scaler.center, dtype=torch.float32),
            torch.tensor(scaler.scale, dtype=torch.float32),
        )

    def __next__(self) -> Batch:
        where = [self.seed, self.order.epoch, self.order.position, len(self.pending)]
        batch = super().__next__()
        seed = int(np.random.SeedSequence(where).generate_state(1)[0])
        generator = torch.Generator().manual_seed(seed)
        inputs = batch.inputs
        values = augmented(inputs["values"], inputs["lengths"], self.scaler, self.config, generator)
        return Batch({**inputs, "values": values}, batch.targets, size=batch.size)


def audio_batches(train: Encoded, recipe: Recipe, meta: ArraysMeta) -> IndexedBatches:
    """Plain batches of the training split, or augmented ones when data.augment is set."""
    if not isinstance(recipe.data, AudioData) or recipe.data.augment is None:
        size, seed = recipe.train.batch_size, recipe.seed
        return IndexedBatches(train.lengths.tolist(), train.batch, batch_size=size, seed=seed)
    return AugmentedBatches(train, recipe, meta)
