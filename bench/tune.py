"""The gain `seqcli tune` finds over a shipped recipe's own values (docs/guides/tune.md).

    python bench/tune.py [sms-spam|airline ...] [--trials 8] [--out runs/bench-tune]

Each study searches a few keys of the recipe with the median pruner, one thread per trial;
the recipe's own values are its trial 0. Printed: the baseline's and the best trial's
validation and test score, the trials pruned, and the best recipe retrained with `seqcli
train best.yaml` (the same score if training is deterministic).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT  # noqa: E402

from seqcli.compare.run import score  # noqa: E402

STUDIES = {
    "sms-spam": [
        "train.lr=float(3e-4,1e-2,log)",
        "model.hidden_size=int(16,128,log)",
        "model.dropout=float(0,0.5)",
    ],
    "airline": [
        "train.lr=float(1e-3,2e-2,log)",
        "model.hidden_size=int(8,64,log)",
        "train.batch_size=choice(8,16,32)",
    ],
}


def seqcli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "seqcli", *args], check=True, cwd=ROOT)


def run(name: str, trials: int, out: Path) -> None:
    study = out / f"{name}-tune"
    params = [arg for param in STUDIES[name] for arg in ("--param", param)]
    started = time.perf_counter()
    seqcli("tune", f"recipes/{name}.yaml", "--trials", str(trials), *params, "--out", str(study))
    wall = time.perf_counter() - started
    summary = json.loads((study / "tune.json").read_text(encoding="utf-8"))
    retrained = out / f"{name}-best"
    seqcli("train", str(study / "best.yaml"), "--out", str(retrained), "--overwrite", "--quiet")
    again = json.loads((retrained / "summary.json").read_text(encoding="utf-8"))["best"]["value"]
    monitor, device = summary["monitor"], torch.device("cpu")
    print(f"== {name}: {monitor}, {trials} trials, {wall / 60:.1f} min, {summary['counts']}")
    for role in ("baseline", "best"):
        row = summary[role]
        test = score(study / row["folder"], device)
        shown = {key: test["test"][key] for key in (monitor, "loss") if key in test["test"]}
        print(f"  {role:8} trial {row['number']}: val {row['value']:.4f}, "
              f"{test['test_split']} {shown}, params {row['params']}")  # fmt: skip
    print(f"  gain (val): {summary['gain']:+.4f}; best.yaml retrained: val {again:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"of {', '.join(STUDIES)} (default all)")
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench-tune")
    args = parser.parse_args()
    for name in args.names or STUDIES:
        run(name, args.trials, args.out)


if __name__ == "__main__":
    main()
