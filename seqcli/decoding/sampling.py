"""Sample tokens from a language model, carrying the recurrent state token by token."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from seqcli.errors import NonFiniteScores, UsageError


@dataclass(frozen=True)
class Sampling:
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    greedy: bool = False


def pick_next(logits: torch.Tensor, sampling: Sampling, generator: torch.Generator):
    """Next token ids (B,) from logits (B, V)."""
    if sampling.greedy:
        return logits.argmax(-1)
    logits = logits / sampling.temperature
    if sampling.top_k is not None and sampling.top_k < logits.shape[-1]:
        kth = torch.topk(logits, sampling.top_k).values[:, -1:]  # (B, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)  # (B, V)
    if sampling.top_p is not None and sampling.top_p < 1:
        probs = _nucleus(probs, sampling.top_p)
    if not math.isfinite(probs.sum().item()):  # NaN or inf anywhere poisons the sum
        raise NonFiniteScores("the model's next-token scores are not finite (NaN or inf)")
    # argmax(p / E) with E ~ Exp(1) is an exact draw from p (the exponential race, a form of
    # Gumbel-max): two elementwise ops instead of multinomial's cumulative-sum search.
    # -log(U) is Exp(1); torch's uniform sampler is ~4x faster than exponential_.
    race = torch.rand(probs.shape, generator=generator, device=probs.device).log_().neg_()
    return (probs / race).argmax(-1)


def _nucleus(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the smallest set of likeliest tokens whose mass reaches top_p (Holtzman 2020)."""
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    mass_before = sorted_probs.cumsum(-1) - sorted_probs
    sorted_probs = sorted_probs.masked_fill(mass_before >= top_p, 0.0)
    return torch.zeros_like(probs).scatter(-1, order, sorted_probs)


def generate(
    run, prime: list[int], *, length: int, sampling: Sampling, num_samples: int = 1, seed: int = 0
) -> Iterator[torch.Tensor]:
    """Yield the next token ids (num_samples,) `length` times after reading the prime."""
    if not prime:  # checked now, not at the first next(), so nothing has been printed yet
        raise UsageError("the prime has no tokens in the model's vocabulary; give at least one")
    return _sample(run, prime, length, sampling, num_samples, seed)


@torch.inference_mode()
def _sample(run, prime, length, sampling, num_samples, seed) -> Iterator[torch.Tensor]:
    model, device = run.model.eval(), run.device
    generator = torch.Generator(device=device).manual_seed(seed)
    stepper = model.stepper()
    context = torch.tensor([prime], device=device).expand(num_samples, -1)  # (N, P)
    layers = None
    if context.shape[1] > 1:
        # The fused module reads the prime in one call; only new tokens go one at a time.
        _, _, state = model(context[:, :-1])
        layers = stepper.layers_from(state)
    token = context[:, -1]  # (N,)
    for _ in range(length):
        logits, layers = stepper(token, layers)  # (N, V)
        token = pick_next(logits, sampling, generator)
        yield token
