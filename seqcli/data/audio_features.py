"""Log-mel frames from samples: torch's STFT (a Hann window) and a mel filterbank built here
from the Slaney definition librosa uses by default (tests hold it to librosa.filters.mel, so
librosa and its slow numba import stay out of a run)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

FLOOR = 1e-10  # power added before the log, so a silent frame is finite
# Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above
LINEAR_STEP = 200.0 / 3
BREAK_HZ = 1000.0
BREAK_MEL = BREAK_HZ / LINEAR_STEP
LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    hz = np.asarray(hz, dtype=np.float64)
    above = BREAK_MEL + np.log(np.maximum(hz, BREAK_HZ) / BREAK_HZ) / LOG_STEP
    return np.where(hz >= BREAK_HZ, above, hz / LINEAR_STEP)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    above = BREAK_HZ * np.exp(LOG_STEP * (np.maximum(mel, BREAK_MEL) - BREAK_MEL))
    return np.where(mel >= BREAK_MEL, above, mel * LINEAR_STEP)


def mel_filterbank(*, sample_rate: int, n_fft: int, mels: int) -> np.ndarray:
    """(mels, n_fft // 2 + 1) triangles evenly spaced in mel from 0 Hz to Nyquist, each
    scaled to unit area (Slaney's normalisation) so wide bands do not outweigh narrow ones."""
    bins = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)  # (K,) Hz of each STFT bin
    edges = mel_to_hz(np.linspace(0, hz_to_mel(sample_rate / 2), mels + 2))  # (M + 2,)
    widths = np.diff(edges)  # (M + 1,)
    slopes = edges[:, None] - bins[None, :]  # (M + 2, K)
    rising = -slopes[:-2] / widths[:-1, None]
    falling = slopes[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(rising, falling))  # (M, K)
    return (weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


@dataclass(frozen=True)
class Framing:
    """How samples become frames: the window and hop in samples, the mel bands."""

    sample_rate: int
    window: int
    hop: int
    mels: int

    @classmethod
    def of(cls, config) -> Framing:
        """From the recipe's data section: its rate, window_ms, hop_ms and mels."""
        rate = config.sample_rate
        window = max(2, round(rate * config.window_ms / 1000))
        return cls(rate, window, max(1, round(rate * config.hop_ms / 1000)), config.mels)

    @property
    def n_fft(self) -> int:
        return 1 << (self.window - 1).bit_length()  # the next power of two

    def filterbank(self) -> torch.Tensor:
        bank = mel_filterbank(sample_rate=self.sample_rate, n_fft=self.n_fft, mels=self.mels)
        return torch.from_numpy(bank)


def log_mel(samples: np.ndarray, framing: Framing, bank: torch.Tensor) -> np.ndarray:
    """(T, mels) log power per mel band, a frame every hop, each frame n_fft samples (the
    window centred in it); a recording shorter than one frame is zero-padded to one."""
    wave = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
    if len(wave) < framing.n_fft:
        wave = torch.nn.functional.pad(wave, (0, framing.n_fft - len(wave)))
    spectrum = torch.stft(
        wave,
        n_fft=framing.n_fft,
        hop_length=framing.hop,
        win_length=framing.window,
        window=torch.hann_window(framing.window),
        center=False,
        return_complex=True,
    )  # (K, T)
    power = spectrum.abs().square()  # (K, T)
    return torch.log(bank @ power + FLOOR).T.numpy()  # (T, mels)
