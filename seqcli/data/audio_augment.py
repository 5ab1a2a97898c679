"""Augmentation of log-mel frames for small data (data.augment), on scaled training batches:
random gain and white noise at a signal-to-noise ratio, applied where they act (in log
power), then SpecAugment's time and frequency masks (Park et al. 2019), set to the training
mean. Every draw comes from the generator given, so a batch's augmentation is reproducible."""

from __future__ import annotations

import math

import torch

DB_TO_LOG_POWER = math.log(10) / 10  # 1 dB of power is this much in natural-log power


def augmented(
    values: torch.Tensor,
    lengths: torch.Tensor,
    scaler: tuple[torch.Tensor, torch.Tensor],
    config,
    generator: torch.Generator,
) -> torch.Tensor:
    """values: (B, T, F) scaled log-mel frames, zero past each length; the same, augmented."""
    center, scale = scaler  # (F,), (F,)
    log_power = values * scale + center  # (B, T, F) back to log power
    real = (torch.arange(values.shape[1]) < lengths[:, None])[..., None]  # (B, T, 1)
    if config.gain_db:
        gain = _uniform(generator, values.shape[0], -config.gain_db, config.gain_db)
        log_power = log_power + (gain * DB_TO_LOG_POWER)[:, None, None]
    if config.noise_snr_db is not None:
        log_power = _noisy(log_power, real, config.noise_snr_db, generator)
    masked = ((log_power - center) / scale) * real
    return _masks(masked, lengths, config, generator)


def _uniform(generator: torch.Generator, count: int, low: float, high: float) -> torch.Tensor:
    return low + (high - low) * torch.rand(count, generator=generator)


def _noisy(log_power, real, snr_db: float, generator) -> torch.Tensor:
    """White noise spreads its power evenly over the area-normalised mel bands, so it adds
    one power to every band: the recording's mean band power over 10^(SNR/10)."""
    power = log_power.exp() * real  # (B, T, F)
    mean = power.sum(dim=(1, 2)) / (real.sum(dim=(1, 2)) * log_power.shape[2])  # (B,)
    snr = _uniform(generator, len(mean), snr_db, snr_db + 20)
    noise = mean / 10 ** (snr / 10)  # (B,)
    return torch.log(log_power.exp() + noise[:, None, None])


def _masks(values, lengths, config, generator) -> torch.Tensor:
    """Each recording's masks: spans of frames (within its length) and of bands set to 0,
    the training mean after scaling."""
    values = values.clone()
    bands = values.shape[2]
    for row, length in enumerate(lengths.tolist()):
        for _ in range(config.time_masks):
            start, width = _span(generator, length, config.time_mask_frames)
            values[row, start : start + width] = 0
        for _ in range(config.freq_masks):
            start, width = _span(generator, bands, config.freq_mask_bands)
            values[row, :, start : start + width] = 0
    return values


def _span(generator: torch.Generator, size: int, widest: int) -> tuple[int, int]:
    """A width drawn from 0..widest (at most size), and where it starts."""
    width = int(torch.randint(0, min(widest, size) + 1, (1,), generator=generator))
    start = int(torch.randint(0, size - width + 1, (1,), generator=generator))
    return start, width
