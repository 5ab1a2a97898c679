"""one_to_many on real data: surnames written in a requested language (names_by_language).

    python bench/names_generate.py [--steps 1500] [--per-language 20]

Trains recipes/names-generate.yaml twice on the full 18-language data, conditioned
(model.condition both) and unconditioned (none), with the same stratified 90/10 split, and
prints the held-out loss per character of each: conditioning must help. Then trains the
many_to_one classifier of recipes/names-language.yaml on the same data and reports the share
of generated names it assigns to the language they were asked for.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, require, train_quietly  # noqa: E402

from seqcli.decoding.sampling import Sampling  # noqa: E402
from seqcli.engine.run import load_run  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import TASKS  # noqa: E402

NAMES = SHARED / "names_by_language"
CPU = torch.device("cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--per-language", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(2)
    require(NAMES)
    with tempfile.TemporaryDirectory() as tmp:
        runs = {}
        for condition in ("both", "none"):
            recipe = load_recipe(
                ROOT / "recipes/names-generate.yaml",
                [
                    f"data.path={NAMES}",
                    f"model.condition={condition}",
                    f"train.steps={args.steps}",
                    "generate.sample_length=0",
                ],
            )
            last, seconds = train_quietly(recipe, Path(tmp) / condition)
            runs[condition] = load_run(Path(tmp) / condition, CPU, TASKS)
            loss = runs[condition].task.evaluate(
                runs[condition],
                runs[condition].task.prepare(recipe, runs[condition].meta).splits["val"],
            )["loss"]
            print(f"condition {condition:5}: held-out loss {loss:.4f} nats/char ({seconds:.0f} s)")
        classifier_recipe = load_recipe(
            ROOT / "recipes/names-language.yaml", [f"data.path={NAMES}"]
        )
        _, seconds = train_quietly(classifier_recipe, Path(tmp) / "classifier")
        classifier = load_run(Path(tmp) / "classifier", CPU, TASKS)
        print(f"classifier trained in {seconds:.0f} s")
        agreement(runs["both"], classifier, args.per_language)


def agreement(generator, classifier, per_language: int) -> None:
    """Generate names per language; how often the classifier names the requested language."""
    task, hits, total = generator.task, 0, 0
    sampling = Sampling(temperature=0.8)
    for seed, label in enumerate(generator.meta["labels"]):
        # A seed per language: one shared seed would give every language the same draws.
        names = task.sample_texts(generator, label, per_language, sampling, seed=seed)
        names = [name for name in names if name.strip()]
        rows = classifier.task.predict(classifier, names)
        agree = sum(row["label"] == label for row in rows)
        hits, total = hits + agree, total + len(names)
        print(f"  {label:11} {agree:3}/{len(names):<3} e.g. {', '.join(names[:4])}")
    print(f"generated names classified as the requested language: {hits / total:.1%}")


if __name__ == "__main__":
    main()
