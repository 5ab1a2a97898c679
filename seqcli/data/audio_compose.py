"""Utterances joined from labelled recordings (data.compose): a seeded draw of how many
recordings, which (of one group: a speaker), the gain of each and the silence between, so
the same seed and split make the same utterances. The transcript is their labels in order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from seqcli.data.audio import Sound
from seqcli.data.audio_folder import Recording

SPLIT_STREAMS = {"train": 0, "val": 1, "test": 2}  # each split draws from its own stream


@dataclass(frozen=True)
class Utterance:
    samples: np.ndarray  # (S,) float32
    transcript: str


def utterance_count(compose, split: str, recordings: int, training: int) -> int:
    """compose.utterances for training; as many per recording for the held-out splits."""
    if split == "train":
        return compose.utterances
    return max(1, round(compose.utterances * recordings / max(1, training)))


def compose_split(
    recordings: list[Recording], sounds: list[Sound], config, *, split: str, count: int, seed: int
) -> list[Utterance]:
    """count utterances from this split's recordings alone."""
    rng = np.random.default_rng([seed, SPLIT_STREAMS[split]])
    groups = _groups(recordings, config.compose.group)
    names = sorted(groups)
    made = []
    for _ in range(count):
        members = groups[names[rng.integers(len(names))]]
        low, high = config.compose.length
        chosen = rng.choice(members, size=int(rng.integers(low, high + 1)))
        made.append(_joined(chosen, recordings, sounds, config, rng))
    return made


def _groups(recordings: list[Recording], field: str | None) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for index, recording in enumerate(recordings):
        groups[recording.field(field) if field else ""].append(index)
    return groups


def _joined(chosen, recordings, sounds, config, rng) -> Utterance:
    """The chosen recordings at a random gain each, silence before, between and after."""
    rate, compose = config.sample_rate, config.compose
    pieces = [_pause(rng, compose, rate)]
    for index in chosen:
        gain = 10 ** (rng.uniform(-compose.gain_db, compose.gain_db) / 20)
        pieces += [np.clip(sounds[index].samples * gain, -1, 1), _pause(rng, compose, rate)]
    transcript = "".join(str(recordings[index].label) for index in chosen)
    return Utterance(np.concatenate(pieces).astype(np.float32), transcript)


def _pause(rng, compose, rate: int) -> np.ndarray:
    low, high = compose.pause_ms
    return np.zeros(round(rng.uniform(low, high) * rate / 1000), dtype=np.float32)
