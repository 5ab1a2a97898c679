"""Reduced precision: forward passes under autocast, weights and optimizer state kept float32.

bf16 has float32's range, so it needs no loss scaling; fp16 does (a gradient scaler), and
PyTorch runs it fast only on CUDA."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import torch

from seqcli.errors import RecipeError, UsageError

if TYPE_CHECKING:  # for annotations alone
    from seqcli.engine.run import Run

DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def bf16_supported(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":  # emulated without AVX-512 BF16 or AMX: slower than float32
        return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    return device.type == "mps"


SUPPORTED = {
    "fp32": lambda device: True,
    "bf16": bf16_supported,
    "fp16": lambda device: device.type == "cuda",
}


def check_precision(precision: str, device: torch.device, where: str) -> None:
    if not SUPPORTED[precision](device):
        raise RecipeError(
            f"{where}: {precision} is not supported on this {device.type} (fp16 needs CUDA; "
            "bf16 a GPU or a CPU with AVX-512 BF16 or AMX); use fp32"
        )


def autocast(precision: str, device: torch.device) -> AbstractContextManager:
    """The forward passes' arithmetic; fp32 changes nothing."""
    dtype = DTYPES[precision]
    return torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None)


def gradient_scaler(precision: str, device: torch.device) -> torch.amp.GradScaler:
    """Scales fp16 losses so small gradients do not flush to zero; a no-op otherwise."""
    return torch.amp.GradScaler(device.type, enabled=precision == "fp16")


def run_precision(run: Run, precision: str | None, flag: str) -> AbstractContextManager:
    """autocast for a loaded run's generation or evaluation: the flag's precision if given,
    else the one it trained in."""
    if precision is not None and precision not in DTYPES:
        raise UsageError(f"{flag} {precision}: choose {', '.join(DTYPES)}")
    chosen = precision or run.recipe.train.precision
    check_precision(chosen, run.device, flag if precision else "the run's train.precision")
    return autocast(chosen, run.device)
