"""Scores of the long-range tasks: Bernoulli NLL of piano-roll frames as Boulanger-Lewandowski
et al. 2012 and Bai et al. 2018 count it, and the lines a model that remembers nothing
scores (adding, copy memory, music by key frequency)."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F


def frame_nll_sum(logits: torch.Tensor, frames: torch.Tensor, lengths: torch.Tensor):
    """Bernoulli NLL summed over keys and over the real (unpadded) frames.

    Divided by the number of frames this is the per-frame NLL of Boulanger-Lewandowski et al.
    2012 and Bai et al. 2018 (their -trace(y log p' + (1-y) log(1-p)') / T), from logits for
    numerical safety.
    """
    steps = torch.arange(frames.shape[1], device=frames.device)
    real = (steps[None, :] < lengths[:, None]).unsqueeze(-1)  # (B, T, 1)
    nll = F.binary_cross_entropy_with_logits(logits, frames, reduction="none")  # (B, T, K)
    return (nll * real).sum()


def baseline_nll(key_frequency: list[float], pieces: list[np.ndarray]) -> float:
    """Per-frame NLL of predicting every key by its training frequency, ignoring the past."""
    p = np.clip(np.asarray(key_frequency), 1e-6, 1 - 1e-6)
    frames = np.concatenate([piece[1:] for piece in pieces])  # (N, K)
    nll = -(frames * np.log(p) + (1 - frames) * np.log(1 - p)).sum()
    return float(nll / len(frames))


def memoryless_adding_mse() -> float:
    """Always predicting 1, the mean, leaves the variance of a sum of two U[0,1]: 2/12."""
    return 1 / 6


def memoryless_copy_loss(length: int, memory: int, symbols: int = 8) -> float:
    """Blanks are certain and the last `memory` digits a uniform guess among `symbols`, over
    the length + 2 * memory steps of a copy-memory example."""
    return memory * math.log(symbols) / (length + 2 * memory)
