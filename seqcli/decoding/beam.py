"""Search for a translation: greedy and sampling run a whole batch at once, beam search runs
one sentence at a time with its beams as the batch."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from seqcli.decoding.sampling import Sampling, pick_next
from seqcli.models.cells import map_state

GREEDY = Sampling(greedy=True)


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


@torch.inference_mode()
def search_batch(
    model,
    source: torch.Tensor,
    lengths: torch.Tensor,
    markers: Markers,
    *,
    sampling: Sampling = GREEDY,
    generator: torch.Generator | None = None,
) -> list[Hypothesis]:
    """One hypothesis per source (B, S): the argmax, or a draw, at every step."""
    memory, state = model.encode(source, lengths)
    batch = source.shape[0]
    token = torch.full((batch, 1), markers.bos, dtype=torch.long, device=source.device)
    done = torch.zeros(batch, dtype=torch.bool, device=source.device)
    chosen, scores, weights = [], torch.zeros(batch, device=source.device), []
    for _ in range(step_limit(lengths)):
        logits, state, weight = model.decode(token, state, memory)  # (B, 1, V)
        token = pick_next(logits[:, -1], sampling, generator)[:, None]  # (B, 1)
        logp = torch.log_softmax(logits[:, -1], -1).gather(1, token).squeeze(1)  # (B,)
        scores += logp.masked_fill(done, 0.0)
        chosen.append(token.masked_fill(done[:, None], markers.eos))
        weights.append(weight)
        done |= token.squeeze(1) == markers.eos
        if done.all():
            break
    ids = torch.cat(chosen, dim=1).tolist()  # (B, T)
    attention = None if weights[0] is None else torch.cat(weights, dim=1)  # (B, T, S)
    return [
        _hypothesis(row, scores[i].item(), attention, i, int(lengths[i]), markers.eos)
        for i, row in enumerate(ids)
    ]


def _hypothesis(row, score, attention, index, source_length, eos) -> Hypothesis:
    written = row.index(eos) + 1 if eos in row else len(row)
    weights = None
    if attention is not None:
        weights = attention[index, :written, :source_length].tolist()
    return Hypothesis(row[: written - 1] if eos in row else row, score, weights)


@torch.inference_mode()
def beam_search(
    model,
    source: torch.Tensor,
    markers: Markers,
    *,
    beam_size: int,
    n_best: int = 1,
    alpha: float = 0.0,
) -> list[Hypothesis]:
    """The n_best translations of one source (1, S), best first. Beams are ranked by
    log-probability; finished ones by log-probability / length_penalty. The search ends
    when beam_size hypotheses have finished, so beam_size 1 is exactly greedy search."""
    device = source.device
    lengths = torch.tensor([source.shape[1]], device=device)
    memory, state = model.encode(source, lengths)
    beams = [Beam([], 0.0, [])]
    finished: list[Hypothesis] = []
    for _ in range(step_limit(lengths)):
        last = [[b.tokens[-1] if b.tokens else markers.bos] for b in beams]
        token = torch.tensor(last, device=device)  # (k, 1)
        rows = torch.zeros(len(beams), dtype=torch.long, device=device)
        logits, state, weight = model.decode(token, state, memory.select(rows))  # (k, 1, V)
        logp = torch.log_softmax(logits[:, -1], -1)  # (k, V)
        totals = torch.tensor([b.score for b in beams], device=device)[:, None] + logp  # (k, V)
        # 2k candidates: even if k of them write <eos>, k remain to carry on.
        top = totals.flatten().topk(min(2 * beam_size, totals.numel()))
        candidates = [
            (score, *divmod(index, logp.shape[1]))
            for score, index in zip(top.values.tolist(), top.indices.tolist(), strict=True)
        ]  # (score, row, token), best first
        beams, keep, ended = _advance(beams, candidates, weight, markers.eos, beam_size)
        finished += [b.finish(alpha, wrote_eos=True) for b in ended]
        if len(finished) >= beam_size:
            break
        keep = torch.tensor(keep, device=device)
        state = map_state(lambda part, keep=keep: part.index_select(1, keep), state)
    else:  # the step limit cut the search: the live beams count, unfinished
        finished += [b.finish(alpha, wrote_eos=False) for b in beams]
    finished.sort(key=lambda h: -h.score)
    return finished[:n_best]


@dataclass(frozen=True)
class Beam:
    tokens: list[int]
    score: float  # summed log-probability
    weights: list[list[float]] | None

    def finish(self, alpha: float, *, wrote_eos: bool) -> Hypothesis:
        written = len(self.tokens) + wrote_eos
        return Hypothesis(self.tokens, self.score / length_penalty(written, alpha), self.weights)


def _advance(beams, candidates, weight, eos: int, beam_size: int):
    """The next beams, the old rows they extend, and the beams that just wrote <eos>."""
    kept, rows, ended = [], [], []
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
