"""bf16 against fp32 on shipped recipes of several tasks: wall time and the best validation
figure reached in the same steps, whole processes in turn (fp32 bf16 fp32 bf16 ...).

    python bench/precision.py [--recipes sms-spam,pos-tagging,airline] [--steps 200] [--pairs 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT  # noqa: E402


def train(recipe: str, precision: str, steps: int, out: Path) -> dict:
    command = [
        sys.executable, "-m", "seqcli", "train", str(ROOT / "recipes" / f"{recipe}.yaml"),
        "--out", str(out), "--overwrite", "--quiet",
        "--set", f"train.precision={precision}", "--set", "train.epochs=null",
        "--set", f"train.steps={steps}",
    ]  # fmt: skip
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    summary = json.loads((out / "summary.json").read_text())
    return {"seconds": summary["elapsed_s"], "best": summary["best"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default="sms-spam,pos-tagging,airline,names-language")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=2)
    args = parser.parse_args()
    print("| recipe | fp32 s | bf16 s | bf16 speed-up | best val fp32 / bf16 |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for recipe in args.recipes.split(","):
            runs = {"fp32": [], "bf16": []}
            for _ in range(args.pairs):
                for precision in runs:
                    runs[precision].append(train(recipe, precision, args.steps, Path(tmp) / "run"))
            seconds = {p: [r["seconds"] for r in rs] for p, rs in runs.items()}
            ratios = [a / b for a, b in zip(seconds["fp32"], seconds["bf16"], strict=True)]
            best = {p: rs[-1]["best"] for p, rs in runs.items()}
            print(
                f"| {recipe} | {' / '.join(f'{s:.1f}' for s in seconds['fp32'])} "
                f"| {' / '.join(f'{s:.1f}' for s in seconds['bf16'])} "
                f"| {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}) "
                f"| {best['fp32']['metric']} {best['fp32']['value']:.4f} / "
                f"{best['bf16']['value']:.4f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
