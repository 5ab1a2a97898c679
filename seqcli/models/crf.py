"""A linear-chain CRF over a tagger's label scores (Lafferty et al. 2001; Lample et al. 2016).

A sentence's score is the sum of its labels' emission scores and of the transitions between
consecutive labels (plus a start and an end score); the loss is the negative log-likelihood
of the gold sequence under all sequences (the forward algorithm), and decoding is Viterbi.
For BIO/BIOES labels the transitions no valid sequence takes (O -> I-PER, B-PER -> I-LOC,
starting on I- or E-) are fixed at -inf, so no decoded sequence breaks the scheme."""

from __future__ import annotations

import torch
from torch import nn

NEVER = -1e4  # a forbidden transition: exp() of it is 0 in float32, and it never wins


def allowed(previous: str, label: str, *, bioes: bool) -> bool:
    """May label follow previous ("" stands before the first label and after the last)? I-
    and E- continue a span of their type; in BIOES a span must close (E-, S-) before anything
    else starts or the sentence ends."""
    before, after = _tag(previous), _tag(label)
    if after[0] in "IE":
        return before[0] in "BI" and before[1] == after[1]
    return not (bioes and before[0] in "BI")


def _tag(label: str) -> tuple[str, str]:
    return ("O", "") if label in ("", "O") else (label[0], label[2:])


class LinearChainCRF(nn.Module):
    def __init__(self, labels: list[str], *, constrained: bool):
        super().__init__()
        size = len(labels)
        self.transitions = nn.Parameter(torch.zeros(size, size))  # [from, to]
        self.start = nn.Parameter(torch.zeros(size))
        self.end = nn.Parameter(torch.zeros(size))
        masks = _masks(labels) if constrained else _open(size)
        for name, mask in zip(("never", "never_start", "never_end"), masks, strict=True):
            self.register_buffer(name, mask, persistent=False)

    def scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Transition, start and end scores with forbidden ones at NEVER."""
        return (
            self.transitions.masked_fill(self.never, NEVER),
            self.start.masked_fill(self.never_start, NEVER),
            self.end.masked_fill(self.never_end, NEVER),
        )

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Summed negative log-likelihood of tags (B, T) given emissions (B, T, L); mask (B, T)
        marks real positions, a prefix of each row."""
        return (self._partition(emissions, mask) - self._gold(emissions, tags, mask)).sum()

    def _gold(self, emissions, tags, mask) -> torch.Tensor:
        transitions, start, end = self.scores()
        tags = tags.masked_fill(~mask, 0)
        picked = emissions.gather(-1, tags.unsqueeze(-1)).squeeze(-1)  # (B, T)
        score = start[tags[:, 0]] + (picked * mask).sum(1)
        steps = transitions[tags[:, :-1], tags[:, 1:]] * mask[:, 1:]
        last = tags.gather(1, (mask.sum(1, keepdim=True) - 1)).squeeze(1)
        return score + steps.sum(1) + end[last]

    def _partition(self, emissions, mask) -> torch.Tensor:
        transitions, start, end = self.scores()
        alpha = start + emissions[:, 0]  # (B, L)
        for t in range(1, emissions.shape[1]):
            step = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + emissions[:, t]
            alpha = torch.where(mask[:, t : t + 1], step, alpha)
        return torch.logsumexp(alpha + end, dim=1)

    @torch.no_grad()
    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """The highest-scoring label sequence of each row (Viterbi), as long as the row."""
        transitions, start, end = self.scores()
        score, back = start + emissions[:, 0], []
        for t in range(1, emissions.shape[1]):
            best, index = (score.unsqueeze(2) + transitions).max(dim=1)
            back.append(index)
            score = torch.where(mask[:, t : t + 1], best + emissions[:, t], score)
        lengths = mask.sum(1).tolist()
        last = (score + end).argmax(1).tolist()
        ends = zip(lengths, last, strict=True)
        return [_trace(back, row, length, label) for row, (length, label) in enumerate(ends)]


def _trace(back: list[torch.Tensor], row: int, length: int, label: int) -> list[int]:
    path = [label]
    for t in range(length - 2, -1, -1):
        path.append(int(back[t][row, path[-1]]))
    return path[::-1]


def _open(size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return (
        torch.zeros(size, size, dtype=torch.bool),
        torch.zeros(size, dtype=torch.bool),
        torch.zeros(size, dtype=torch.bool),
    )


def _masks(labels: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    bioes = any(label[:2] in ("E-", "S-") for label in labels)
    never = torch.tensor([[not allowed(a, b, bioes=bioes) for b in labels] for a in labels])
    never_start = torch.tensor([not allowed("", label, bioes=bioes) for label in labels])
    never_end = torch.tensor([not allowed(label, "", bioes=bioes) for label in labels])
    return never, never_start, never_end
