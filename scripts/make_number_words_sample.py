"""Write samples/number_words/numbers.tsv: numbers below ten thousand written out in English
words, and their values.

    python scripts/make_number_words_sample.py

Deterministic (seed 0): every number below 1000 and 3000 of the numbers from 1000 to 9999,
in a shuffled order, one per row as `value<TAB>words`, e.g. `742<TAB>seven hundred and
forty-two`. Every number below 1000 is there so short texts are not rare (drawn uniformly
from 0..9999, nine in ten would have four digits). British "and" after hundreds is used in
half the rows, so the model has to learn that the word carries no value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SMALL, LARGE, LIMIT = 1000, 3000, 10_000
OUT = Path(__file__).resolve().parents[1] / "samples" / "number_words" / "numbers.tsv"
ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def below_hundred(n: int) -> str:
    if n < 20:
        return ONES[n]
    tens, ones = divmod(n, 10)
    return TENS[tens] + (f"-{ONES[ones]}" if ones else "")


def words(n: int, *, british: bool) -> str:
    """n (0 <= n < 10,000) in words: 'three thousand two hundred and five'."""
    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    hundreds, tail = divmod(rest, 100)
    parts = [f"{ONES[thousands]} thousand"] if thousands else []
    if hundreds:
        parts.append(f"{ONES[hundreds]} hundred")
    if tail:
        parts += (["and"] if british and parts else []) + [below_hundred(tail)]
    return " ".join(parts)


def main() -> None:
    rng = np.random.default_rng(0)
    large = SMALL + rng.choice(LIMIT - SMALL, size=LARGE, replace=False)
    values = rng.permutation(np.concatenate([np.arange(SMALL), large]))
    british = rng.random(len(values)) < 0.5
    lines = [
        f"{v}\t{words(int(v), british=bool(b))}\n" for v, b in zip(values, british, strict=True)
    ]
    OUT.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
