"""Beam search over an encoder-decoder: one source at a time, its beams as the batch. The model
answers encode(source, lengths) -> (memory, state) and decode(tokens, state, memory) ->
(logits, state, attention weights or None)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import torch

from seqcli.decoding.requests import Search
from seqcli.decoding.sampling import adjust_scores
from seqcli.models.state import map_state
from seqcli.recipe.training import Sampling


@dataclass(frozen=True)
class Hypothesis:
    tokens: list[int]  # target ids, without <bos> and <eos>
    score: float  # summed log-probability; divided by the length penalty in beam search
    weights: list[list[float]] | None  # attention (one row per written token, <eos> included)


@dataclass(frozen=True)
class Markers:
    bos: int
    eos: int


def step_limit(source_lengths: torch.Tensor) -> int:
    """Stop a target that never writes <eos>: twice the longest source, plus slack."""
    return 2 * int(source_lengths.max()) + 10


def length_penalty(length: int, alpha: float) -> float:
    """GNMT's lp(Y) = ((5 + |Y|) / 6) ** alpha (Wu et al. 2016; OpenNMT's "wu"); alpha 0
    ranks by raw log-probability, which favours short outputs. |Y| counts <eos>."""
    return ((5 + length) / 6) ** alpha


@dataclass(frozen=True)
class Beam:
    tokens: list[int]
    score: float  # summed log-probability
    weights: list[list[float]] | None

    def finish(self, alpha: float, *, wrote_eos: bool) -> Hypothesis:
        written = len(self.tokens) + wrote_eos
        return Hypothesis(self.tokens, self.score / length_penalty(written, alpha), self.weights)


@torch.inference_mode()
def beam_search(
    model, source: torch.Tensor, markers: Markers, *, search: Search, sampling: Sampling
) -> list[Hypothesis]:
    """The n_best translations of one source (1, S), best first. Beams are ranked by
    log-probability; finished ones by log-probability / length_penalty. The search ends
    when beam_size hypotheses have finished, so beam_size 1 is exactly greedy search.
    The sampling section's repetition penalty and min_length shape the scores here too."""
    lengths = torch.tensor([source.shape[1]], device=source.device)
    memory, state = model.encode(source, lengths)
    beams = [Beam([], 0.0, [])]
    finished = []
    size = search.beam_size
    for written in range(step_limit(lengths)):
        logp, state, weight = _next_scores(model, beams, state, memory, markers, sampling, written)
        totals = torch.tensor([b.score for b in beams], device=logp.device)[:, None] + logp
        # 2k candidates: even if k of them write <eos>, k remain to carry on.
        top = totals.flatten().topk(min(2 * size, totals.numel()))
        candidates = [
            (score, *divmod(index, logp.shape[1]))
            for score, index in zip(top.values.tolist(), top.indices.tolist(), strict=True)
        ]  # (score, row, token), best first
        beams, keep, ended = _advance(beams, candidates, weight, markers.eos, size)
        finished += [b.finish(search.length_penalty, wrote_eos=True) for b in ended]
        if len(finished) >= size:
            break
        keep = torch.tensor(keep, device=logp.device)
        state = map_state(partial(torch.index_select, dim=1, index=keep), state)
    else:  # the step limit cut the search: the live beams count, unfinished
        finished += [b.finish(search.length_penalty, wrote_eos=False) for b in beams]
    finished.sort(key=lambda h: -h.score)
    return finished[: search.n_best]


def _next_scores(model, beams, state, memory, markers: Markers, sampling, written: int):
    """Log-probabilities (k, V) of each beam's next token, the new state and attention."""
    device = memory.values.device
    last = torch.tensor([[b.tokens[-1] if b.tokens else markers.bos] for b in beams], device=device)
    rows = torch.zeros(len(beams), dtype=torch.long, device=device)
    logits, state, weight = model.decode(last, state, memory.select(rows))  # (k, 1, V)
    seen = None
    if sampling.repetition_penalty != 1:
        seen = torch.zeros_like(logits[:, -1], dtype=torch.bool)
        for row, beam in enumerate(beams):
            seen[row, beam.tokens] = True
    scores = adjust_scores(logits[:, -1], sampling, seen=seen, written=written, stop=markers.eos)
    return torch.log_softmax(scores, -1), state, weight


def _advance(beams, candidates, weight, eos: int, beam_size: int):
    """The next beams, the old rows they extend, and the beams that just wrote <eos>."""
    kept, rows = [], []  # rows[i]: the old beam's row that kept[i] extends
    ended = []
    for score, row, token in candidates:
        old = beams[row]
        weights = None if weight is None else [*old.weights, weight[row, -1].tolist()]
        if token == eos:
            ended.append(Beam(old.tokens, score, weights))
            continue
        kept.append(Beam([*old.tokens, token], score, weights))
        rows.append(row)
        if len(kept) == beam_size:
            break
    return kept, rows, ended
