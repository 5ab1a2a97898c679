"""What every audio task shares: the folder read into splits (data.test_files' glob, then the
fractions), the data report's counts, and other recordings read as the run read its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from seqcli.data.audio_compose import compose_split, utterance_count
from seqcli.data.audio_folder import (
    Heard,
    Recording,
    find_recordings,
    frames_of,
    hear,
    heard,
    held_out,
    read_sounds,
    stacked,
)
from seqcli.data.audio_names import recordings_in
from seqcli.data.labelled import stratified_split
from seqcli.data.vectors import random_split
from seqcli.engine.contract import Given, Meta, StackInput, TaskData
from seqcli.engine.run import Run
from seqcli.errors import DataError
from seqcli.recipe import Recipe
from seqcli.tasks.arrays.examples import ArraysForm, ArraysMeta, scaled
from seqcli.tasks.arrays.task import ArrayTask


class AudioForm(ArraysForm):
    recordings: int
    clipped: int
    silent: int


@dataclass(frozen=True)
class AudioMeta(ArraysMeta):
    """The arrays meta (labels, scaling per mel band) and what the data report counts."""

    recordings: int = 0  # 0: not read from recordings (a transcriber over arrays)
    clipped: int = 0  # a peak at full scale
    silent: int = 0  # RMS below -80 dBFS

    def to_dict(self) -> dict:
        counts = {"recordings": self.recordings, "clipped": self.clipped, "silent": self.silent}
        return {**super().to_dict(), **counts}

    @classmethod
    def from_dict(cls, data: dict) -> AudioMeta:
        form = AudioForm.read(data)
        plain = ArraysMeta.from_dict(data)
        return cls(plain.labels, plain.scaler, form.recordings, form.clipped, form.silent)

    def summary(self) -> list[tuple[str, str]]:
        if not self.recordings:
            return super().summary()
        heard = f"{self.recordings}, {self.clipped} clipped, {self.silent} silent"
        return [*super().summary(), ("recordings", heard)]


def _heard(recipe: Recipe, folder: Path) -> Heard:
    return hear(find_recordings(recipe.data, folder), recipe.data, str(folder))


def recording_splits(recipe: Recipe, *, stratified: bool) -> dict[str, list[Recording]]:
    """train/val/test recordings: data.test_files' matches (or data.test_path's folder) are
    the test split, the rest dealt by the fractions; data.val_path's folder replaces val."""
    config = recipe.data
    found = find_recordings(config, config.path)
    test = held_out(tuple(r.path.name for r in found), config.test_files)
    rest = [r for r, held in zip(found, test, strict=True) if not held]
    fractions = {"val_fraction": config.val_fraction, "test_fraction": config.test_fraction}
    # stratified_split reads each item's label and where, and hands the same items back
    deal: Callable[..., dict[str, list]] = stratified_split if stratified else random_split
    splits = deal(rest, **fractions, seed=recipe.seed)
    if test.any():
        splits["test"] = [r for r, held in zip(found, test, strict=True) if held]
    for split in ("val", "test"):
        folder = getattr(config, f"{split}_path")
        if folder is not None:
            splits[split] = find_recordings(config, folder)
    return splits


def composed(recipe: Recipe, splits: dict[str, list[Recording]]) -> dict[str, Heard]:
    """data.compose's utterances, each split's from its own recordings."""
    config = recipe.data
    made = {}
    for split, recordings in splits.items():
        count = utterance_count(config.compose, split, len(recordings), len(splits["train"]))
        sounds = read_sounds(recordings, config)
        utterances = (
            compose_split(recordings, sounds, config, split=split, count=count, seed=recipe.seed)
            if recordings
            else []
        )
        frames = frames_of([u.samples for u in utterances], config)
        texts = np.asarray([u.transcript for u in utterances], dtype=str)
        names = tuple(f"{split} utterance {i}" for i in range(len(utterances)))
        made[split] = heard(stacked(frames, texts, str(config.path), config.mels), names, sounds)
    return made


def audio_splits(recipe: Recipe, *, stratified: bool) -> dict[str, Heard]:
    splits = recording_splits(recipe, stratified=stratified)
    if recipe.data.compose is not None:
        return composed(recipe, splits)
    return {name: hear(found, recipe.data, str(recipe.data.path)) for name, found in splits.items()}


class ReadsAudio:
    """prepare, examples_from_file and predict_file over recordings, for a task that encodes
    Arrays as the arrays tasks do (encode, build_meta, _predicted)."""

    stratified: bool

    def prepare(self, recipe: Recipe, meta: Meta | None = None) -> TaskData:
        splits = audio_splits(recipe, stratified=self.stratified)
        if meta is None:
            plain = self.build_meta(splits["train"].arrays, recipe.data.scaling)
            meta = AudioMeta(plain.labels, plain.scaler, *_counts(splits.values()))
        encoded = {name: self.encode(split.arrays, meta) for name, split in splits.items()}
        return TaskData(meta, encoded)

    def examples_from_file(self, run: Run, path: Path):
        """A folder of recordings, labelled as data.path is, read with the run's scaling."""
        return self.encode(_heard(run.recipe, Path(path)).arrays, run.meta)

    def stack_input(self, run: Run, given: Given) -> StackInput:
        """A recording given as gates --file x.wav, else frames as text (as arrays read)."""
        if given.path is not None and Path(given.path).suffix.lower() == ".wav":
            return recording_input(run, given, every=self.frames_per_step(run))
        every = self.frames_per_step(run)
        typed = ArrayTask.stack_input(self, run, given)
        steps = typed.steps
        grouped = [" ".join(steps[i : i + every]) for i in range(0, len(steps), every)]
        return StackInput(typed.inputs, grouped, typed.kind)

    def frames_per_step(self, run: Run) -> int:
        return 1

    def predict_file(self, run: Run, path: Path) -> list[dict]:
        """A recording (predict --file x.wav), or each one in a folder (subfolders too), every
        answer named by the file it heard."""
        path = Path(path)
        paths = recordings_in(path) if path.is_dir() else [path]
        if not paths:
            raise DataError(f"{path}: holds no .wav files to predict")
        arrays = hear([Recording(p, None) for p in paths], run.recipe.data, str(path)).arrays
        rows = self._predicted(run, arrays)
        return [{**row, "example": str(p)} for row, p in zip(rows, paths, strict=True)]


def recording_input(run: Run, given: Given, *, every: int) -> StackInput:
    """A .wav (gates --file) as the stack reads it: frames scaled as in training, each step
    named by the time it starts, `every` frames a step."""
    arrays = hear([Recording(Path(given.path), None)], run.recipe.data, given.source).arrays
    values = scaled(arrays, run.meta)  # (1, T, F)
    steps = -(-int(arrays.lengths[0]) // every)
    hop = run.recipe.data.hop_ms * every / 1000
    names = [f"{step * hop:.2f}s" for step in range(steps)]
    return StackInput(
        {"values": values, "lengths": torch.from_numpy(arrays.lengths)}, names, "values"
    )


def _counts(splits) -> tuple[int, int, int]:
    """Recordings read, clipped and silent, over every split."""
    splits = list(splits)
    read = sum(split.read for split in splits)
    return read, sum(split.clipped for split in splits), sum(split.silent for split in splits)
