"""Write samples/sine/sine.csv: sine waves and the (amplitude, frequency) that made them.

    python scripts/make_sine_sample.py

Deterministic (seed 0): 800 rows, 32 steps each; amplitude in [0.2, 1], frequency in
[0.5, 2] cycles per 32 steps, phase 0 — so the two numbers decide the whole wave.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

ROWS, STEPS = 800, 32
OUT = Path(__file__).resolve().parents[1] / "samples" / "sine" / "sine.csv"


def main() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(1, STEPS + 1) / STEPS
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["amplitude", "frequency", "values"])
        for _ in range(ROWS):
            amplitude, frequency = rng.uniform(0.2, 1.0), rng.uniform(0.5, 2.0)
            wave = amplitude * np.sin(2 * np.pi * frequency * t)
            writer.writerow(
                [f"{amplitude:.4f}", f"{frequency:.4f}", " ".join(f"{v:.4f}" for v in wave)]
            )


if __name__ == "__main__":
    main()
