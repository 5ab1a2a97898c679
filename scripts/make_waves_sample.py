"""Write samples/waves/: noisy waves to tell apart, as data.format arrays reads them.

    python scripts/make_waves_sample.py

Deterministic (seed 0). waves.npz: 900 sequences, 32 to 64 steps each (zero-padded to 64,
their lengths in `lengths`), one feature; y names the wave's shape: sine, square, sawtooth.
Each wave has a random period (8 to 24 steps), phase, amplitude (0.5 to 2) and offset (-1 to
1), plus Gaussian noise of sd 0.3 x amplitude, so no single step tells the shape.
segments.npz: 300 sequences of 96 steps, each two or three stretches of different shapes;
y labels every step with the shape of its stretch (many_to_many).
periods.npz: 600 sequences of 48 steps, any shape; y is the wave's period in steps, a number
to predict (data.label_type number).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "samples" / "waves"
SHAPES = ("sine", "square", "sawtooth")
WAVES, LONGEST, SHORTEST = 900, 64, 32
SEGMENTED, SEGMENT_STEPS = 300, 96
TIMED, TIMED_STEPS = 600, 48


def wave(shape: str, steps: int, rng: np.random.Generator) -> np.ndarray:
    """(steps,) one noisy wave of the shape, of a random period."""
    return periodic(shape, steps, rng.uniform(8, 24), rng)


def periodic(shape: str, steps: int, period: float, rng: np.random.Generator) -> np.ndarray:
    """(steps,) one noisy wave of the shape and period."""
    phase = rng.uniform(0, 1)
    cycle = (np.arange(steps) / period + phase) % 1.0  # position within each period, 0..1
    clean = {
        "sine": np.sin(2 * np.pi * cycle),
        "square": np.where(cycle < 0.5, 1.0, -1.0),
        "sawtooth": 2 * cycle - 1,
    }[shape]
    amplitude, offset = rng.uniform(0.5, 2), rng.uniform(-1, 1)
    return amplitude * (clean + rng.normal(0, 0.3, steps)) + offset


def waves(rng: np.random.Generator) -> dict[str, np.ndarray]:
    x = np.zeros((WAVES, LONGEST, 1), dtype=np.float32)
    lengths = rng.integers(SHORTEST, LONGEST + 1, WAVES)
    y = np.asarray([SHAPES[i % len(SHAPES)] for i in range(WAVES)])
    for row, (shape, length) in enumerate(zip(y, lengths, strict=True)):
        x[row, :length, 0] = wave(shape, length, rng)
    return {"x": x, "y": y, "lengths": lengths}


def segments(rng: np.random.Generator) -> dict[str, np.ndarray]:
    x = np.zeros((SEGMENTED, SEGMENT_STEPS, 1), dtype=np.float32)
    y = np.empty((SEGMENTED, SEGMENT_STEPS), dtype="<U8")
    for row in range(SEGMENTED):
        cuts = np.sort(rng.choice(np.arange(24, SEGMENT_STEPS - 24), rng.integers(1, 3), False))
        start = 0
        shape = rng.integers(len(SHAPES))
        for end in [*cuts.tolist(), SEGMENT_STEPS]:
            x[row, start:end, 0] = wave(SHAPES[shape], end - start, rng)
            y[row, start:end] = SHAPES[shape]
            shape = (shape + rng.integers(1, len(SHAPES))) % len(SHAPES)  # another shape
            start = end
    return {"x": x, "y": y}


def periods(rng: np.random.Generator) -> dict[str, np.ndarray]:
    x = np.zeros((TIMED, TIMED_STEPS, 1), dtype=np.float32)
    y = rng.uniform(8, 24, TIMED)
    for row in range(TIMED):
        x[row, :, 0] = periodic(SHAPES[row % len(SHAPES)], TIMED_STEPS, y[row], rng)
    return {"x": x, "y": y.round(3)}


def main() -> None:
    rng = np.random.default_rng(0)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / "waves.npz", **waves(rng))
    np.savez_compressed(OUT / "segments.npz", **segments(rng))
    np.savez_compressed(OUT / "periods.npz", **periods(rng))


if __name__ == "__main__":
    main()
