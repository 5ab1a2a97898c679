"""A corpus larger than memory: token cache build speed and peak memory, then training on it.

Makes a corpus of --megabytes by repeating the shared Tiny Shakespeare, builds its token cache
in a fresh process (MB/s, peak RSS), then trains recipes/char-lm.yaml on it for a few steps
with two validations (peak RSS, wall time). Peak RSS is the child process's ru_maxrss.

    python bench/big_corpus.py --megabytes 2000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT  # noqa: E402

SOURCE = ROOT.parent / "shared" / "data" / "tinyshakespeare" / "input.txt"
BUILD = (
    "import sys; from pathlib import Path; from seqcli.data.corpus import load_corpus;"
    "ids, vocab = load_corpus(Path(sys.argv[1]), 'char'); print(len(ids), len(vocab))"
)


def make_corpus(path: Path, megabytes: int) -> int:
    text = SOURCE.read_bytes()
    with path.open("wb") as out:
        for _ in range(megabytes * 1_000_000 // len(text) + 1):
            out.write(text)
    return path.stat().st_size


def measured(args: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (this child's own, from wait4) and stdout of a process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(args, env=env, stdout=out)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            raise SystemExit(f"{args[2]} exited {child.returncode}")
        out.seek(0)
        return time.perf_counter() - started, usage.ru_maxrss / 1000, out.read().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        corpus, cache = Path(folder) / "corpus.txt", Path(folder) / "cache"
        size = make_corpus(corpus, args.megabytes)
        env = {**os.environ, "SEQCLI_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
        seconds, peak, out = measured([sys.executable, "-c", BUILD, str(corpus)], env)
        print(f"corpus {size / 1e6:,.0f} MB: {out.split()[0]} tokens, {out.split()[1]} characters")
        print(
            f"cache build: {seconds:.1f} s, {size / 1e6 / seconds:.0f} MB/s, peak RSS {peak:.0f} MB"
        )
        train = [
            *(sys.executable, "-m", "seqcli", "train", str(ROOT / "recipes" / "char-lm.yaml")),
            *("--set", f"data.path={corpus}", "--set", f"train.steps={args.steps}"),
            *("--set", f"train.eval_every={args.steps // 2}", "--quiet"),
            *("--out", str(Path(folder) / "run")),
        ]
        seconds, peak, _ = measured(train, env)
        print(
            f"training {args.steps} steps, 2 validations: {seconds:.1f} s, peak RSS {peak:.0f} MB"
        )


if __name__ == "__main__":
    main()
