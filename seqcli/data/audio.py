"""One recording read into samples: a PCM .wav through the standard library's wave module
(a WAV of 24-bit or float samples, which wave cannot read, through soundfile: the audio
extra), averaged to mono, resampled to the recipe's rate. Every problem is one DataError
naming the file: not RIFF/WAVE, no frames, a rate it cannot resample, longer than the limit."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from seqcli.errors import DataError
from seqcli.extras import require
from seqcli.recipe.inputs import DATA, open_input

# Sample widths in bytes PCM .wav files use, and the integer type each is read as.
WIDTHS = {1: np.uint8, 2: np.int16, 4: np.int32}
CLIPPED = 0.999  # a peak this close to full scale: the recording was clipped
SILENT = 1e-4  # an RMS below this (about -80 dBFS): nothing was recorded
# A ratio of rates past this many up/down steps is not a rate anyone records at.
MAX_RATIO_TERMS = 1000


@dataclass(frozen=True)
class Sound:
    samples: np.ndarray  # (S,) float32 in [-1, 1], at the recipe's sample rate
    clipped: bool
    silent: bool


class OtherWav(Exception):
    """A RIFF/WAVE file the wave module does not read (its samples are `what`)."""


def read_wav(path: Path, *, sample_rate: int, max_seconds: float) -> Sound:
    """The recording at sample_rate, mono, as floats in [-1, 1]."""
    try:
        samples, rate = _pcm(path, max_seconds=max_seconds)
    except OtherWav as other:
        samples, rate = _by_soundfile(path, str(other), max_seconds=max_seconds)
    peak = float(np.abs(samples).max())
    silent = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) < SILENT
    return Sound(_resampled(samples, rate, sample_rate, path), peak >= CLIPPED, silent)


def _pcm(path: Path, *, max_seconds: float) -> tuple[np.ndarray, int]:
    try:
        with open_input(path, DATA) as handle, wave.open(handle, "rb") as reader:
            params = reader.getparams()
            _check_header(path, params, max_seconds)
            raw = reader.readframes(params.nframes)
    except (wave.Error, EOFError) as err:
        if str(err).startswith("unknown format"):  # 3: IEEE float; 65534: extensible
            raise OtherWav("float or extensible samples") from None
        raise DataError(f"{path}: not a PCM RIFF/WAVE file ({err})") from None
    data = np.frombuffer(raw, dtype=WIDTHS[params.sampwidth])
    if params.sampwidth == 1:  # 8-bit WAV is unsigned, centred on 128
        data = data.astype(np.int16) - 128
    full_scale = float(2 ** (8 * params.sampwidth - 1))
    frames = data[: len(data) // params.nchannels * params.nchannels]
    mono = frames.reshape(-1, params.nchannels).astype(np.float32).mean(axis=1) / full_scale
    if not len(mono):
        raise DataError(f"{path}: its data chunk holds no whole frame")
    return mono, params.framerate


def _check_header(path: Path, params, max_seconds: float) -> None:
    if params.sampwidth not in WIDTHS:
        raise OtherWav(f"{8 * params.sampwidth}-bit samples")
    _check_length(path, params.nframes, params.framerate, max_seconds)


def _check_length(path: Path, frames: int, rate: int, max_seconds: float) -> None:
    if frames == 0:
        raise DataError(f"{path}: 0 frames; the recording is empty")
    seconds = frames / rate
    if seconds > max_seconds:
        raise DataError(
            f"{path}: {seconds:.1f} s long, past data.max_seconds ({max_seconds:g}); cut it or "
            "raise the limit"
        )


def _by_soundfile(path: Path, what: str, *, max_seconds: float) -> tuple[np.ndarray, int]:
    soundfile = require("soundfile", extra="audio", wanted_by=f"{path}: a WAV of {what}")
    with open_input(path, DATA) as handle:
        try:
            info = soundfile.info(handle)
            _check_length(path, info.frames, info.samplerate, max_seconds)
            handle.seek(0)
            data, rate = soundfile.read(handle, dtype="float32", always_2d=True)
        except (RuntimeError, soundfile.LibsndfileError) as err:
            raise DataError(f"{path}: not a WAV soundfile reads ({err})") from None
    return data.mean(axis=1), rate


def _resampled(samples: np.ndarray, rate: int, wanted: int, path: Path) -> np.ndarray:
    """Polyphase resampling (scipy), which filters out what the new rate cannot hold."""
    if rate == wanted:
        return samples
    ratio = Fraction(wanted, rate)
    if max(ratio.numerator, ratio.denominator) > MAX_RATIO_TERMS:
        raise DataError(
            f"{path}: recorded at {rate} Hz, which does not resample to data.sample_rate "
            f"{wanted} Hz by a ratio of small whole numbers"
        )
    from scipy.signal import resample_poly

    out = resample_poly(samples, ratio.numerator, ratio.denominator)
    return out.astype(np.float32)
