"""Generation speed: characters/s at batch 1 and 64, for 1,000 and 10,000 characters.

The model is an LSTM-256 x 2 char model (65 symbols, untrained: speed does not depend on
the weights). Also times the naive way, stepping nn.LSTM itself one token at a time, to
show what the cell-based stepper buys.

    python bench/generate_speed.py [--cell lstm]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402, F401  (this checkout's seqcli, not the venv's)

from seqcli.data.vocab import Vocab  # noqa: E402
from seqcli.decoding.requests import Draw  # noqa: E402
from seqcli.engine.run import new_run  # noqa: E402
from seqcli.recipe import validate_recipe  # noqa: E402
from seqcli.recipe.training import Sampling  # noqa: E402
from seqcli.tasks import TASKS  # noqa: E402
from seqcli.tasks.language_model import sample_tokens  # noqa: E402

VOCAB = Vocab(tokens=tuple(chr(32 + i) for i in range(65)), tokenizer="char")


def build(cell: str):
    recipe = validate_recipe(
        {
            "name": "speed",
            "data": {"path": "unused.txt"},
            "model": {"cell": cell, "layers": 2, "hidden_size": 256, "embedding_size": 64},
        },
        source="bench",
    )
    return new_run(recipe, TASKS[recipe.task], VOCAB, torch.device("cpu"))


def chars_per_s(run, *, batch: int, length: int) -> float:
    start = time.perf_counter()
    for _ in sample_tokens(run, [0, 1, 2], length=length, draw=Draw(Sampling(), num_samples=batch)):
        pass
    return batch * length / (time.perf_counter() - start)


@torch.inference_mode()
def naive_chars_per_s(run, *, length: int) -> float:
    """Step the fused module with T=1, as most examples do."""
    model, token, state = run.model.eval(), torch.tensor([[0]]), None
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(length):
        out, state = model.rnn(model.embed(token), state)
        probs = torch.softmax(model.head(out[:, -1]), -1)
        token = torch.multinomial(probs, 1, generator=generator)
    return length / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", default="lstm", choices=["rnn", "lstm", "gru"])
    args = parser.parse_args()
    run = build(args.cell)
    chars_per_s(run, batch=1, length=200)  # warm-up
    print(f"{args.cell}-256x2  {'batch':>5} {'length':>7} {'chars/s':>10} {'us/char':>8}")
    for batch in (1, 64):
        rates = {}
        for length in (1000, 10000):
            rates[length] = max(chars_per_s(run, batch=batch, length=length) for _ in range(3))
            print(
                f"{'':10} {batch:5} {length:7} {rates[length]:10,.0f} "
                f"{1e6 * batch / rates[length]:8.1f}"
            )
        print(f"{'':10} per-char time at 10,000 vs 1,000: {rates[1000] / rates[10000]:.3f}x")
    naive = naive_chars_per_s(run, length=1000)
    print(
        f"naive nn.LSTM stepping, batch 1: {naive:,.0f} chars/s "
        f"(stepper is {chars_per_s(run, batch=1, length=1000) / naive:.1f}x faster)"
    )


if __name__ == "__main__":
    main()
