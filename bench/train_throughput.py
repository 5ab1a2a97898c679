"""Training tokens/s: seqcli's trainer against a minimal hand-written PyTorch loop.

Each measurement runs in a fresh child process (the allocator setting is per process), in
alternation A B A B, on the full Tiny Shakespeare corpus, char-level, batch 64 x 128,
embedding 64, 2 layers of 256 units. Prints tokens/s per run, the median ratio per cell and
peak memory.

    python bench/train_throughput.py [--cells lstm,gru,rnn] [--steps 40] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHAKESPEARE, peak_rss_mb, require  # noqa: E402

BATCH, SEQ_LEN, EMBED, HIDDEN, LAYERS, WARMUP = 64, 128, 64, 256, 2, 5


def recipe_dict(cell: str, steps: int) -> dict:
    return {
        "name": f"bench-{cell}",
        "data": {"path": str(SHAKESPEARE), "val_fraction": 0.1},
        "model": {"cell": cell, "layers": LAYERS, "hidden_size": HIDDEN, "embedding_size": EMBED},
        "train": {
            "batch_size": BATCH,
            "seq_len": SEQ_LEN,
            "steps": steps + WARMUP,
            "eval_every": 10**9,
            "lr": 2e-3,
            "clip_norm": 1.0,
        },
        "generate": {"sample_length": 0},
    }


def child_seqcli(cell: str, steps: int, tune: bool) -> dict:
    import torch

    from seqcli.engine import events
    from seqcli.engine.start import fresh_training
    from seqcli.launch.allocator import tune_allocator
    from seqcli.recipe import validate_recipe
    from seqcli.tasks import task_for

    tuned = tune_allocator() if tune else False
    recipe = validate_recipe(recipe_dict(cell, steps), source="bench")
    with tempfile.TemporaryDirectory() as out:
        trainer = fresh_training(
            recipe, task_for(recipe), device=torch.device("cpu"), out=Path(out) / "run"
        )
        start = None
        for event in trainer:
            if isinstance(event, events.Step) and event.step == WARMUP:
                start = time.perf_counter()
            if isinstance(event, events.Step) and event.step == WARMUP + steps:
                elapsed = time.perf_counter() - start
                trainer.request_stop("benchmark done")
    return {"tokens_per_s": steps * BATCH * SEQ_LEN / elapsed, "tuned": tuned}


def child_raw(cell: str, steps: int) -> dict:
    """The plain loop people write by hand (word_language_model style)."""
    import numpy as np
    import torch
    from torch import nn

    torch.manual_seed(0)
    text = SHAKESPEARE.read_text(encoding="utf-8")
    chars = sorted(set(text))
    ids = np.array([chars.index(c) for c in text[: len(text) * 9 // 10]], dtype=np.int64)
    stream = len(ids) // BATCH
    data = torch.from_numpy(ids[: stream * BATCH].reshape(BATCH, stream))
    rnn_class = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
    embed, head = nn.Embedding(len(chars), EMBED), nn.Linear(HIDDEN, len(chars))
    rnn = rnn_class(EMBED, HIDDEN, num_layers=LAYERS, batch_first=True)
    params = [*embed.parameters(), *rnn.parameters(), *head.parameters()]
    optimizer = torch.optim.Adam(params, lr=2e-3)
    state, start = None, None
    for i in range(WARMUP + steps):
        if i == WARMUP:
            start = time.perf_counter()
        offset = (i * SEQ_LEN) % (stream - SEQ_LEN - 1)
        x, y = data[:, offset : offset + SEQ_LEN], data[:, offset + 1 : offset + SEQ_LEN + 1]
        out, state = rnn(embed(x), state)
        loss = nn.functional.cross_entropy(head(out).flatten(0, 1), y.flatten())
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        state = (
            state.detach() if isinstance(state, torch.Tensor) else tuple(s.detach() for s in state)
        )
    return {"tokens_per_s": steps * BATCH * SEQ_LEN / (time.perf_counter() - start)}


def measure(kind: str, cell: str, steps: int, tune: bool) -> dict:
    args = [sys.executable, __file__, "--child", kind, "--cells", cell, "--steps", str(steps)]
    args += [] if tune else ["--no-tune"]
    result = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="lstm,gru,rnn")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-tune", action="store_true", help="seqcli without allocator tuning")
    parser.add_argument("--child", choices=["seqcli", "raw"])
    args = parser.parse_args()
    if args.child:
        children = {
            "seqcli": lambda: child_seqcli(args.cells, args.steps, not args.no_tune),
            "raw": lambda: child_raw(args.cells, args.steps),
        }
        print(json.dumps({**children[args.child](), "peak_rss_mb": peak_rss_mb()}))
        return
    require(SHAKESPEARE)
    print(f"{'cell':5} {'run':7} {'tokens/s':>10} {'peak MB':>8}")
    for cell in args.cells.split(","):
        ratios = []
        for _ in range(args.rounds):
            raw = measure("raw", cell, args.steps, tune=False)
            ours = measure("seqcli", cell, args.steps, tune=not args.no_tune)
            ratios.append(ours["tokens_per_s"] / raw["tokens_per_s"])
            for name, result in (("raw", raw), ("seqcli", ours)):
                print(
                    f"{cell:5} {name:7} {result['tokens_per_s']:10,.0f} "
                    f"{result['peak_rss_mb']:8.0f}"
                )
        print(f"{cell:5} ratio   {statistics.median(ratios):10.2f}x  (median of {args.rounds})")


if __name__ == "__main__":
    main()
