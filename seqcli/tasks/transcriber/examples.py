"""A transcriber's examples as tensors: scaled frames, their lengths, each transcript as
label ids from 1 (0 is CTC's blank), and the transcripts as text for CER and WER."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seqcli.data.arrays import Arrays
from seqcli.engine.contract import Batch
from seqcli.models.tagger import IGNORE
from seqcli.tasks.arrays.examples import ArraysMeta, Encoded, fit_scaler, scaled
from seqcli.tasks.audio.reading import AudioMeta


def transcript_meta(train: Arrays, scaling: str) -> AudioMeta:
    """The characters of the training transcripts (a label each, id = position + 1) and the
    frame scaling, both from the training split only."""
    assert train.y is not None
    characters = sorted({c for text in train.y.tolist() for c in text})
    return AudioMeta(tuple(characters), fit_scaler(train, scaling))


@dataclass(frozen=True)
class Transcripts(Encoded):
    """targets: (N, L) label ids, IGNORE past each transcript and for characters the run
    never saw (they cannot be emitted, but still count against CER as the text has them)."""

    texts: tuple[str, ...] = ()

    def batch(self, indices: np.ndarray) -> Batch:
        rows = torch.as_tensor(indices, dtype=torch.long)
        lengths = self.lengths[rows]
        targets = self.targets[rows]
        longest = int((targets != IGNORE).sum(dim=1).max().clamp(min=1))
        inputs = {"values": self.values[rows, : int(lengths.max())], "lengths": lengths}
        return Batch(inputs, targets[:, :longest], size=int(lengths.sum()))

    def spread(self, count: int) -> Transcripts:
        if count >= len(self):
            return self
        rows = np.linspace(0, len(self) - 1, count).round().astype(int)
        index = torch.as_tensor(rows)
        texts = tuple(self.texts[i] for i in rows)
        return Transcripts(self.values[index], self.lengths[index], self.targets[index], texts)


def label_ids(texts: list[str], meta: ArraysMeta) -> torch.Tensor:
    """(N, L) ids from 1, known characters only, IGNORE-padded."""
    index = {label: i + 1 for i, label in enumerate(meta.labels)}
    rows = [[index[c] for c in text if c in index] for text in texts]
    ids = torch.full((len(rows), max([1, *map(len, rows)])), IGNORE, dtype=torch.long)
    for number, row in enumerate(rows):
        ids[number, : len(row)] = torch.as_tensor(row, dtype=torch.long)
    return ids


def encode_transcripts(arrays: Arrays, meta: ArraysMeta) -> Transcripts:
    texts = [] if arrays.y is None else arrays.y.tolist()
    targets = label_ids(texts, meta) if texts else torch.full((len(arrays), 1), IGNORE)
    lengths = torch.from_numpy(arrays.lengths)
    return Transcripts(scaled(arrays, meta), lengths, targets, tuple(texts))


def text_of(ids: list[int], meta: ArraysMeta) -> str:
    return "".join(meta.labels[i - 1] for i in ids)
