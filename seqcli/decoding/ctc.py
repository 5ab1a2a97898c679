"""Reading a CTC output (per-frame log-probabilities over blank and the labels) as a label
sequence: greedy (the best label per frame, repeats merged, blanks dropped) or prefix beam
search (Hannun et al. 2014), which sums the probability of every frame path that spells the
same prefix, so it finds the likeliest labelling rather than the likeliest path."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from seqcli.models.ctc import BLANK

NOTHING = -math.inf  # log 0


def collapse(path: list[int]) -> list[int]:
    """The labelling a frame path spells: repeats merged, then blanks dropped."""
    merged = [label for i, label in enumerate(path) if i == 0 or label != path[i - 1]]
    return [label for label in merged if label != BLANK]


def greedy(log_probs: np.ndarray) -> list[int]:
    """log_probs: (T, C) over one utterance's real frames."""
    return collapse(log_probs.argmax(axis=1).tolist())


def _add(*logs: float) -> float:
    top = max(logs)
    if top == NOTHING:
        return NOTHING
    return top + math.log(sum(math.exp(value - top) for value in logs))


def _extend(beams: dict, frame: np.ndarray) -> dict:
    """Every kept prefix, one frame on: (log P ending in blank, log P ending in a label)."""
    grown: dict = defaultdict(lambda: [NOTHING, NOTHING])
    for prefix, (blank, label) in beams.items():
        total = _add(blank, label)
        grown[prefix][0] = _add(grown[prefix][0], total + frame[BLANK])
        for c in range(1, len(frame)):
            longer = grown[prefix + (c,)]
            if prefix and prefix[-1] == c:
                # c again after c is the same label unless a blank came between
                longer[1] = _add(longer[1], blank + frame[c])
                grown[prefix][1] = _add(grown[prefix][1], label + frame[c])
            else:
                longer[1] = _add(longer[1], total + frame[c])
    return grown


def prefix_beam(log_probs: np.ndarray, *, beam_size: int) -> list[int]:
    """The likeliest labelling among the beam_size prefixes kept after each frame; with a
    beam as wide as every prefix it is exact (tests hold it to brute force)."""
    beams: dict = {(): [0.0, NOTHING]}
    for frame in log_probs.astype(np.float64):  # (C,)
        grown = _extend(beams, frame)
        ranked = sorted(grown.items(), key=lambda item: _add(*item[1]), reverse=True)
        beams = dict(ranked[:beam_size])
    best = max(beams.items(), key=lambda item: _add(*item[1]))
    return list(best[0])


def decode(log_probs: np.ndarray, *, beam_size: int = 1) -> list[int]:
    """Greedy for a beam of one, else prefix beam search."""
    return greedy(log_probs) if beam_size == 1 else prefix_beam(log_probs, beam_size=beam_size)
