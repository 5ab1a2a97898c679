"""Error rates of transcripts as speech papers report them (and jiwer computes them): the
edit distance (substitutions, deletions, insertions) to the reference, summed over the
corpus and divided by the reference's length summed, in characters (CER) or words (WER)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def edit_distance(reference: Sequence, hypothesis: Sequence) -> int:
    """Levenshtein distance: the fewest substitutions, deletions and insertions."""
    previous = list(range(len(hypothesis) + 1))
    for i, wanted in enumerate(reference, start=1):
        current = [i]
        for j, given in enumerate(hypothesis, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (wanted != given))
            )
        previous = current
    return previous[-1]


def error_rate(references: Sequence[Sequence], hypotheses: Sequence[Sequence]) -> float:
    """Edits summed over the corpus over the references' length summed (not a mean of
    per-utterance rates, which would weigh a two-digit string as much as a seven)."""
    pairs = list(zip(references, hypotheses, strict=True))
    edits = sum(edit_distance(ref, hyp) for ref, hyp in pairs)
    return edits / max(1, sum(len(ref) for ref, _ in pairs))


def transcript_metrics(references: list[str], hypotheses: list[str]) -> dict[str, float]:
    """CER over characters (spaces included, as jiwer.cer), WER over whitespace-separated
    words, and the share of transcripts exactly right."""
    exact = sum(r == h for r, h in zip(references, hypotheses, strict=True))
    return {
        "cer": error_rate(references, hypotheses),
        "wer": error_rate([r.split() for r in references], [h.split() for h in hypotheses]),
        "exact_match": exact / max(1, len(references)),
    }


def substitutions(references: list[str], hypotheses: list[str]) -> Counter:
    """(wanted, heard) counts from a minimal alignment of each pair: the per-label confusions
    a transcript's errors make ('' on one side: a deletion or an insertion)."""
    counts: Counter = Counter()
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        counts.update(_aligned(reference, hypothesis))
    return counts


def _aligned(reference: str, hypothesis: str) -> list[tuple[str, str]]:
    """The pairs of one minimal alignment, traced back through the edit-distance table."""
    rows, cols = len(reference), len(hypothesis)
    table = [[i + j if i * j == 0 else 0 for j in range(cols + 1)] for i in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            same = reference[i - 1] == hypothesis[j - 1]
            table[i][j] = min(
                table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (not same)
            )
    pairs: list[tuple[str, str]] = []
    i, j = rows, cols
    while i or j:
        if i and j and table[i][j] == table[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            pairs.append((reference[i - 1], hypothesis[j - 1]))
            i, j = i - 1, j - 1
        elif i and table[i][j] == table[i - 1][j] + 1:
            pairs.append((reference[i - 1], ""))
            i -= 1
        else:
            pairs.append(("", hypothesis[j - 1]))
            j -= 1
    return pairs[::-1]
