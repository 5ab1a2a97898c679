"""Variable-length examples into padded batches: length-bucketed for training, resumable."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

BUCKET_BATCHES = 50  # batches per sorting pool: enough to cut padding, small enough to shuffle


def pad(sequences: Sequence[Sequence[int]], *, value: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T_max) int64 ids padded with value, and the (B,) true lengths."""
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    longest = int(lengths.max()) if len(sequences) else 0  # Tensor.max takes no initial=
    out = torch.full((len(sequences), longest), value, dtype=torch.long)
    for row, sequence in enumerate(sequences):
        out[row, : len(sequence)] = torch.as_tensor(sequence, dtype=torch.long)
    return out, lengths


def pad_values(sequences: Sequence[np.ndarray]) -> torch.Tensor:
    """(B, T_max, ...) float32 real-valued sequences, zero-padded."""
    longest = max(len(s) for s in sequences)
    first = np.asarray(sequences[0], dtype=np.float32)
    out = torch.zeros((len(sequences), longest, *first.shape[1:]), dtype=torch.float32)
    for row, sequence in enumerate(sequences):
        out[row, : len(sequence)] = torch.as_tensor(np.asarray(sequence, dtype=np.float32))
    return out


class BucketBatches:
    """Endless batches of example indices, epoch after epoch, each epoch shuffled from
    (seed, epoch). Within pools of BUCKET_BATCHES batches examples are sorted by length,
    so a batch holds similar lengths; the batch order is shuffled again. Resumable from
    (epoch, position) alone because every epoch's order is recomputed from the seed."""

    def __init__(self, lengths: Sequence[int], *, batch_size: int, seed: int, bucket: bool = True):
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.batch_size = batch_size
        self.seed = seed
        self.bucket = bucket
        self.epoch, self.position = 0, 0
        self._order, self._starts = self._epoch_batches(0)

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self):
        return self

    def __next__(self) -> np.ndarray:
        if self.position == len(self._starts):
            self.epoch, self.position = self.epoch + 1, 0
            self._order, self._starts = self._epoch_batches(self.epoch)
        start = self._starts[self.position]
        self.position += 1
        return self._order[start : start + self.batch_size]

    def _epoch_batches(self, epoch: int) -> tuple[np.ndarray, np.ndarray]:
        """The epoch's example order and, shuffled, where each of its batches starts: batches
        are cut as they are read, since a million examples split up front take seconds."""
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(len(self.lengths))
        if self.bucket:
            pool = self.batch_size * BUCKET_BATCHES
            order = np.concatenate(
                [
                    chunk[np.argsort(self.lengths[chunk], kind="stable")]
                    for chunk in np.split(order, range(pool, len(order), pool))
                ]
            )
        # np.split's batches: an empty order still gives one (empty) batch
        starts = np.arange(0, max(len(order), 1), self.batch_size)
        return order, starts[rng.permutation(len(starts))]

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict) -> None:
        self.epoch, self.position = int(state["epoch"]), int(state["position"])
        self._order, self._starts = self._epoch_batches(self.epoch)

    def reshard(self, state: dict, scale: float) -> dict:
        """The same epoch, as many of its examples read: the batches of the new size are cut
        from a new order of that epoch, so its remaining examples are only about the same."""
        position = min(len(self), round(int(state["position"]) * scale))
        return {"epoch": int(state["epoch"]), "position": position}


def ordered_batches(lengths: Sequence[int], *, batch_size: int) -> list[np.ndarray]:
    """One pass for evaluation: every example once, sorted by length to cut padding."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    return np.split(order, range(batch_size, len(order), batch_size))
