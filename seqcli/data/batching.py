"""Windows of token ids for truncated back-propagation through time.

Carried windows follow char-rnn and word_language_model: the split is cut into B parallel
streams and step i reads window i of every stream, so the hidden state at the end of one
window is the right state to start the next. Random windows draw B offsets anywhere and
start from a zero state. Both are resumable from a small plain-data state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seqcli.errors import DataError


@dataclass
class Batch:
    inputs: torch.Tensor  # (B, T) token ids
    targets: torch.Tensor  # (B, T) the next token of each input
    fresh_state: bool  # True when the windows do not continue the previous batch's


def _window(ids: np.ndarray, starts: np.ndarray, length: int) -> torch.Tensor:
    rows = np.stack([ids[start : start + length + 1] for start in starts])  # (B, T+1)
    return torch.from_numpy(rows.astype(np.int64))


class CarriedWindows:
    """Consecutive windows of B streams; wraps around at the end of an epoch."""

    def __init__(self, ids: np.ndarray, *, batch_size: int, seq_len: int, what: str):
        stream_len = len(ids) // batch_size
        if stream_len < 2:
            raise DataError(
                f"{what}: {len(ids)} tokens cannot fill {batch_size} streams of 2 tokens; "
                "lower train.batch_size or add data"
            )
        self.ids, self.seq_len = ids, seq_len
        self.starts = np.arange(batch_size) * stream_len
        self.per_epoch = -(-(stream_len - 1) // seq_len)
        self.stream_len = stream_len
        self.position = 0

    def __len__(self) -> int:
        return self.per_epoch

    def __next__(self) -> Batch:
        index = self.position % self.per_epoch
        offset = index * self.seq_len
        length = min(self.seq_len, self.stream_len - 1 - offset)
        rows = _window(self.ids, self.starts + offset, length)
        self.position += 1
        return Batch(rows[:, :-1], rows[:, 1:], fresh_state=index == 0)

    def __iter__(self):
        return self

    def state_dict(self) -> dict:
        return {"position": self.position}

    def load_state_dict(self, state: dict) -> None:
        self.position = int(state["position"])

    def reshard(self, state: dict, scale: float) -> dict:
        """The same epoch and the same share of it read, for a stream cut `scale` times
        wider before (its windows then ran `scale` times fewer per epoch)."""
        streams = round(len(self.starts) * scale)
        before = -(-(len(self.ids) // streams - 1) // self.seq_len)
        epoch, index = divmod(int(state["position"]), before)
        return {"position": epoch * self.per_epoch + min(self.per_epoch - 1, round(index * scale))}


class RandomWindows:
    """B windows at random offsets, each read from a zero state."""

    def __init__(self, ids: np.ndarray, *, batch_size: int, seq_len: int, seed: int, what: str):
        if len(ids) < seq_len + 1:
            raise DataError(
                f"{what}: {len(ids)} tokens are shorter than one window of train.seq_len + 1 "
                f"= {seq_len + 1}; lower train.seq_len or add data"
            )
        self.ids = ids
        self.batch_size = batch_size
        self.seq_len = seq_len
        self.generator = torch.Generator().manual_seed(seed)
        self.per_epoch = max(1, len(ids) // (batch_size * seq_len))

    def __len__(self) -> int:
        return self.per_epoch

    def __next__(self) -> Batch:
        high = len(self.ids) - self.seq_len
        starts = torch.randint(high, (self.batch_size,), generator=self.generator).numpy()
        rows = _window(self.ids, starts, self.seq_len)
        return Batch(rows[:, :-1], rows[:, 1:], fresh_state=True)

    def __iter__(self):
        return self

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])

    def reshard(self, state: dict, scale: float) -> dict:
        return state  # random windows hold no place in an epoch


def evaluation_windows(ids: np.ndarray, *, batch_size: int, seq_len: int) -> CarriedWindows:
    """One pass of carried windows over a held-out split, fewer streams if it is short."""
    streams = max(1, min(batch_size, (len(ids) - 1) // max(seq_len, 1)))
    return CarriedWindows(ids, batch_size=streams, seq_len=seq_len, what="evaluation split")
