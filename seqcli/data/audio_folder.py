"""A folder of recordings (data.format audio) as examples: each .wav found and labelled (by
its name, a table or its subfolder), read, turned into log-mel frames and padded into the
Arrays every arrays task reads. Clipped and silent recordings are counted for the report."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqcli.data.arrays import Arrays
from seqcli.data.audio import Sound, read_wav
from seqcli.data.audio_features import Framing, log_mel
from seqcli.data.audio_names import SUFFIX, pattern_regex, recordings_in
from seqcli.data.corpus import read_lines
from seqcli.errors import DataError
from seqcli.recipe.inputs import bundled_sample


@dataclass(frozen=True)
class Recording:
    path: Path
    label: str | None  # None: unlabelled (predict --file)
    fields: tuple[tuple[str, str], ...] = ()  # name_pattern's other fields: (speaker, theo)

    @property
    def where(self) -> str:
        return str(self.path)

    def field(self, name: str) -> str:
        return dict(self.fields)[name]


@dataclass(frozen=True)
class Heard:
    """Recordings as examples, and what the data report says of them."""

    arrays: Arrays
    names: tuple[str, ...]  # file names (or utterances), in the order of arrays' rows
    clipped: int  # recordings read with a peak at full scale
    silent: int  # recordings read with an RMS below -80 dBFS
    read: int  # recordings read


def _wavs(folder: Path) -> list[Path]:
    if not folder.is_dir():
        missing = "no such folder" if not folder.exists() else "not a folder"
        raise DataError(
            f"{folder}: {missing}; data.format audio reads a folder of .wav files"
            + bundled_sample(folder)
        )
    found = recordings_in(folder)
    if not found:
        raise DataError(f"{folder}: holds no {SUFFIX} files")
    return found


def by_name(config, folder: Path) -> list[Recording]:
    regex = pattern_regex(config.name_pattern)
    found = []
    for path in _wavs(folder):
        match = regex.match(path.stem)
        if match is None:
            raise DataError(
                f"{path}: its name does not fit data.name_pattern '{config.name_pattern}'"
            )
        fields = tuple((k, v) for k, v in match.groupdict().items() if k != "label")
        found.append(Recording(path, match["label"], fields))
    return found


def by_table(config, folder: Path) -> list[Recording]:
    found = []
    for number, line in enumerate(read_lines(config.labels_file), start=1):
        if not line.strip():
            continue
        name, tab, label = line.rstrip("\r\n").partition("\t")
        if not tab or not label.strip():
            raise DataError(f"{config.labels_file}: line {number} is not file<TAB>label")
        found.append(Recording(folder / name, label.strip()))
    if not found:
        raise DataError(f"{config.labels_file}: no file<TAB>label lines")
    return found


def by_folder(config, folder: Path) -> list[Recording]:
    found = [Recording(path, path.parent.name) for path in _wavs(folder)]
    loose = [r.path for r in found if r.path.parent == folder]
    if loose:
        raise DataError(
            f"{loose[0]}: not in a class subfolder; without data.name_pattern or "
            "data.labels_file each recording's subfolder is its label"
        )
    return found


def labeller(config) -> Callable[[object, Path], list[Recording]]:
    """Where labels come from: the first of name_pattern, labels_file that is set, else
    subfolders."""
    if config.name_pattern is not None:
        return by_name
    return by_table if config.labels_file is not None else by_folder


def find_recordings(config, folder: Path) -> list[Recording]:
    return labeller(config)(config, folder)


def read_sounds(recordings: list[Recording], config) -> list[Sound]:
    return [
        read_wav(r.path, sample_rate=config.sample_rate, max_seconds=config.max_seconds)
        for r in recordings
    ]


def frames_of(samples: list[np.ndarray], config) -> list[np.ndarray]:
    """Each recording's (T_i, mels) log-mel frames."""
    framing = Framing.of(config)
    bank = framing.filterbank()
    return [log_mel(wave, framing, bank) for wave in samples]


def hear(recordings: list[Recording], config, source: str) -> Heard:
    """Every recording's log-mel frames, padded into Arrays (labels as text)."""
    sounds = read_sounds(recordings, config)
    labels = [r.label for r in recordings]
    y = None if None in labels else np.asarray(labels, dtype=str)
    frames = frames_of([sound.samples for sound in sounds], config)
    names = tuple(r.path.name for r in recordings)
    return heard(stacked(frames, y, source, config.mels), names, sounds)


def heard(arrays: Arrays, names: tuple[str, ...], sounds: list[Sound]) -> Heard:
    clipped = sum(sound.clipped for sound in sounds)
    return Heard(arrays, names, clipped, sum(sound.silent for sound in sounds), len(sounds))


def stacked(frames: list[np.ndarray], y: np.ndarray | None, source: str, width: int) -> Arrays:
    """(T_i, F) frame sequences zero-padded into one (N, T, F) array (N may be 0)."""
    lengths = np.asarray([len(f) for f in frames], dtype=np.int64)
    x = np.zeros((len(frames), int(lengths.max(initial=1)), width), dtype=np.float32)
    for row, sequence in enumerate(frames):
        x[row, : len(sequence)] = sequence
    return Arrays(x, y, lengths, source)


def held_out(names: tuple[str, ...], glob: str | None) -> np.ndarray:
    """(N,) True for the files data.test_files names. The suffix is matched as .wav whatever
    its case, as the files are found: '*_[0-4].wav' holds out 7_a_3.WAV too."""
    matched = [glob is not None and fnmatch.fnmatchcase(_wav(n), glob) for n in names]
    return np.asarray(matched, dtype=bool)


def _wav(name: str) -> str:
    stem, suffix = name[: -len(SUFFIX)], name[-len(SUFFIX) :]
    return stem + SUFFIX if suffix.lower() == SUFFIX else name
