"""Long-range synthetic tasks, each example generated from (seed, split, index) alone.

Because an example depends on nothing but its index, a training stream is resumable from the
position of its index sampler, and validation and test sets are fixed sets of indices under
their own split number, so they never overlap the training examples.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

SPLITS = {"train": 0, "val": 1, "test": 2}
MEMORY = 10  # digits to remember in copy memory (Arjovsky et al. 2016; Bai et al. 2018)
DELIMITER = 9  # copy memory's "now recall" symbol; 0 is the blank, 1..8 the digits
SYMBOLS = 10  # blank, eight digits, delimiter


def adding_example(rng: np.random.Generator, length: int) -> tuple[np.ndarray, float]:
    """Le et al. 2015: (T, 2) rows of (value in U[0,1], marker); one marker in each half;
    the target is the sum of the two marked values."""
    values = rng.random(length)
    half = length // 2
    marked = [int(rng.integers(half)), int(rng.integers(half, length))]
    markers = np.zeros(length)
    markers[marked] = 1.0
    return np.stack([values, markers], axis=1), float(values[marked].sum())


def copy_example(rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Bai et al. 2018's layout, T + 20 steps: ten digits from 1..8, T-1 blanks and 11
    delimiters in; blanks out until the last ten steps, which must repeat the digits."""
    digits = rng.integers(1, DELIMITER, size=MEMORY)
    inputs = np.concatenate([digits, np.zeros(length - 1), np.full(MEMORY + 1, DELIMITER)])
    targets = np.concatenate([np.zeros(length + MEMORY), digits])
    return inputs, targets


GENERATORS = {"adding": adding_example, "copy": copy_example}
# Per task: (input dtype, target dtype) of the batched tensors.
DTYPES = {"adding": (torch.float32, torch.float32), "copy": (torch.long, torch.long)}


def make_batch(
    task: str, indices: Sequence[int], *, length: int, seed: int, split: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Stacked examples: adding (B, T, 2) and (B,); copy (B, T+20) and (B, T+20)."""
    pairs = [
        GENERATORS[task](np.random.default_rng([seed, SPLITS[split], int(index)]), length)
        for index in indices
    ]
    input_type, target_type = DTYPES[task]
    inputs = torch.as_tensor(np.stack([x for x, _ in pairs]), dtype=input_type)
    targets = torch.as_tensor(np.stack([y for _, y in pairs]), dtype=target_type)
    return inputs, targets
