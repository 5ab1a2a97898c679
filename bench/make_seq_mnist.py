"""Build sequential-MNIST .npz files for data.format arrays from a copy of MNIST.

    python bench/make_seq_mnist.py MNIST OUT [--train-limit N] [--test-limit N]

MNIST is a folder holding the four standard IDX files (train-images-idx3-ubyte,
train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally
.gz) or a Keras-style mnist.npz (x_train, y_train, x_test, y_test). Fashion-MNIST ships in the
same IDX layout and works unchanged. Nothing is downloaded.

OUT receives, per split (train, test), the two readings the literature uses:
  pixel-SPLIT.npz  x (N, 784, 1): one pixel a step, row by row (Le et al. 2015; Bai et al.
                   2018's "sequential MNIST")
  row-SPLIT.npz    x (N, 28, 28): one row of 28 pixels a step (the easier reading)
with y (N,) the digit. Pixels stay uint8 (0..255); the recipe's data.scaling standardizes them.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np

IDX = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IDX_MAGIC = {3: 2051, 1: 2049}  # images (3 dimensions), labels (1)


def read_idx(path: Path, dimensions: int) -> np.ndarray:
    """An IDX file's unsigned bytes, shaped as its header says."""
    opened = gzip.open if path.suffix == ".gz" else open
    with opened(path, "rb") as handle:
        data = handle.read()
    magic = int.from_bytes(data[:4], "big")
    if magic != IDX_MAGIC[dimensions]:
        raise SystemExit(f"{path}: magic {magic}, not an IDX file of {dimensions} dimension(s)")
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dimensions)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def find(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.exists():
            return candidate
    raise SystemExit(f"{folder}: neither {name} nor {name}.gz")


def load(source: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """split -> (images (N, 28, 28) uint8, labels (N,) uint8)."""
    if source.is_file():
        with np.load(source, allow_pickle=False) as npz:
            return {split: (npz[f"x_{split}"], npz[f"y_{split}"]) for split in IDX}
    return {
        split: (read_idx(find(source, images), 3), read_idx(find(source, labels), 1))
        for split, (images, labels) in IDX.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mnist", type=Path, help="folder of IDX files, or mnist.npz")
    parser.add_argument("out", type=Path)
    parser.add_argument("--train-limit", type=int, help="keep the first N training images")
    parser.add_argument("--test-limit", type=int, help="keep the first N test images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    limits = {"train": args.train_limit, "test": args.test_limit}
    for split, (images, labels) in load(args.mnist).items():
        images, labels = images[: limits[split]], labels[: limits[split]]
        count = len(images)
        np.savez(args.out / f"pixel-{split}.npz", x=images.reshape(count, -1, 1), y=labels)
        np.savez(args.out / f"row-{split}.npz", x=images, y=labels)
        print(f"{split}: {count} images -> {args.out}/pixel-{split}.npz, row-{split}.npz")


if __name__ == "__main__":
    main()
