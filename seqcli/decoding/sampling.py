"""Pick the next token from a model's scores, as the recipe's sampling knobs and the flags say.

Every sampler goes through TokenPicker: the language model, the class-conditioned generator,
greedy and sampled translation. Beam search borrows its score rules (adjust_scores)."""

from __future__ import annotations

import math

import torch

from seqcli.errors import NonFiniteScores
from seqcli.recipe.training import Sampling


def adjust_scores(
    scores: torch.Tensor,
    sampling: Sampling,
    *,
    seen: torch.Tensor | None,
    written: int,
    stop: int | None,
) -> torch.Tensor:
    """Scores (B, V) after the rules that do not depend on how the token is then drawn:
    the repetition penalty on tokens already in the context, and no end token before
    min_length tokens are written."""
    if seen is not None and sampling.repetition_penalty != 1:
        # CTRL (Keskar et al. 2019): divide a seen token's positive score, multiply a negative.
        penalized = torch.where(
            scores > 0, scores / sampling.repetition_penalty, scores * sampling.repetition_penalty
        )
        scores = torch.where(seen, penalized, scores)
    if stop is not None and written < sampling.min_length:
        scores = scores.clone()
        scores[:, stop] = float("-inf")
    return scores


def pick_next(scores: torch.Tensor, sampling: Sampling, generator: torch.Generator) -> torch.Tensor:
    """Next token ids (B,) from scores (B, V): the likeliest, or a draw from `distribution`."""
    if sampling.greedy:
        return scores.argmax(-1)
    probs = distribution(scores, sampling)
    if not math.isfinite(probs.sum().item()):  # NaN or inf anywhere poisons the sum
        raise NonFiniteScores("the model's next-token scores are not finite (NaN or inf)")
    # argmax(p / E) with E ~ Exp(1) is an exact draw from p (the exponential race, a form of
    # Gumbel-max): two elementwise ops instead of multinomial's cumulative-sum search.
    # -log(U) is Exp(1); torch's uniform sampler is ~4x faster than exponential_.
    race = torch.rand(probs.shape, generator=generator, device=probs.device).log_().neg_()
    return (probs / race).argmax(-1)


def distribution(scores: torch.Tensor, sampling: Sampling) -> torch.Tensor:
    """What a token is drawn from (B, V), proportional to the probabilities (rows need not
    sum to one): softmax after temperature and top-k, narrowed by each rule of NARROWING."""
    scores = scores / sampling.temperature
    if sampling.top_k is not None and sampling.top_k < scores.shape[-1]:
        kth = torch.topk(scores, sampling.top_k).values[:, -1:]  # (B, 1)
        scores = scores.masked_fill(scores < kth, float("-inf"))
    probs = torch.softmax(scores, dim=-1)  # (B, V)
    narrowed = False
    for key, keep in NARROWING.items():
        mass = getattr(sampling, key)
        if mass is not None and mass < 1:  # a mass of 1 keeps every token
            probs = probs / probs.sum(-1, keepdim=True) if narrowed else probs
            probs = probs.masked_fill(~keep(probs, mass), 0.0)
            narrowed = True
    return probs


def _keep_in_order(probs: torch.Tensor, order: torch.Tensor, mass: float) -> torch.Tensor:
    """(B, V) True for the tokens that, taken in `order` (B, V) of token ids, come before
    the running total of probability reaches mass: the shortest such prefix."""
    in_order = probs.gather(-1, order)
    mass_before = in_order.cumsum(-1) - in_order
    return torch.zeros_like(probs, dtype=torch.bool).scatter(-1, order, mass_before < mass)


def _nucleus(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """The likeliest tokens first, up to top_p of the mass (Holtzman et al. 2020)."""
    return _keep_in_order(probs, probs.argsort(dim=-1, descending=True), top_p)


def _typical(probs: torch.Tensor, typical_p: float) -> torch.Tensor:
    """The tokens whose surprisal -log p is closest to the entropy first, up to typical_p of
    the mass (Meister et al. 2022): they carry the information a typical token would."""
    entropy = -torch.special.xlogy(probs, probs).sum(-1, keepdim=True)  # (B, 1); 0 log 0 = 0
    distance = (entropy + probs.log()).abs()  # (B, V); inf where p = 0, so those come last
    return _keep_in_order(probs, distance.argsort(dim=-1), typical_p)


# The rules that narrow the distribution to a set of tokens, in the order they apply, each
# under the Sampling key whose mass it keeps. A new rule is one entry here and one field there.
NARROWING = {"top_p": _nucleus, "typical_p": _typical}


class TokenPicker:
    """Pick each next token of a batch of sequences, remembering what each row has seen
    (for the repetition penalty) and how many tokens it has written (for min_length)."""

    def __init__(
        self,
        sampling: Sampling,
        generator: torch.Generator,
        *,
        stop: int | None = None,
        context: torch.Tensor | None = None,
    ):
        self.sampling = sampling
        self.generator = generator
        self.stop = stop
        self.context, self.written = context, 0
        self.seen: torch.Tensor | None = None  # (B, V), built at the first scores
        self.penalized = sampling.repetition_penalty != 1

    def __call__(self, scores: torch.Tensor) -> torch.Tensor:
        """Token ids (B,) for scores (B, V)."""
        if self.penalized and self.seen is None:
            self.seen = self._seen_in_context(scores)
        if self.penalized or self.written < self.sampling.min_length:
            scores = adjust_scores(
                scores, self.sampling, seen=self.seen, written=self.written, stop=self.stop
            )
        token = pick_next(scores, self.sampling, self.generator)
        if self.seen is not None:
            self.seen[torch.arange(len(token)), token] = True
        self.written += 1
        return token

    def _seen_in_context(self, scores: torch.Tensor) -> torch.Tensor:
        """(B, V) True for the tokens a row's context (a prime) already holds."""
        seen = torch.zeros_like(scores, dtype=torch.bool)
        if self.context is not None:
            seen[:, self.context] = True
        return seen
