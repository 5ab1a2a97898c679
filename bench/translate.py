"""Train recipes/eng-fra.yaml on the full filtered English->French set and print BLEU.

    python bench/translate.py [--budget-min 20] [--data fra-eng.zip] [--set key=value ...]

Reads ../shared/data/eng_fra_tatoeba/fra-eng.zip in place; keeps the tutorial's pairs
(both sides <= 10 words, English starting "i am", "he is", ... in both spellings, since
normalization turns "I'm" into "i m"); shuffles with the recipe's seed and holds out 10%.
Trains for the recipe's epochs or until the time budget runs out, then scores the held-out
10% with greedy and beam search. The CPU is shared, so wall times are pessimistic.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, require  # noqa: E402

from seqcli.data.padding import pad  # noqa: E402
from seqcli.engine.optim import LearningRate, build_optimizer  # noqa: E402
from seqcli.metrics.translation import translation_metrics  # noqa: E402
from seqcli.models.seq2seq import PAD_ID  # noqa: E402
from seqcli.recipe import load_recipe  # noqa: E402
from seqcli.tasks import TASKS  # noqa: E402
from seqcli.tasks.translator.search import beam_translations, translate_ids  # noqa: E402
from seqcli.tasks.translator.task import by_sentence  # noqa: E402

TRANSLATOR = TASKS["translator"]

ENG_FRA = SHARED / "eng_fra_tatoeba" / "fra-eng.zip"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ENG_FRA, help="the fra-eng.zip to read")
    parser.add_argument("--budget-min", type=float, default=20.0)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    torch.set_num_threads(1)
    require(args.data)
    overrides = [f"data.path={args.data.resolve()}", *args.overrides]
    recipe = load_recipe(ROOT / "recipes" / "eng-fra.yaml", overrides)
    started = time.perf_counter()
    data = TRANSLATOR.prepare(recipe)
    print(
        f"pairs: train {len(data.splits['train'])}, held out {len(data.splits['val'])}; "
        f"vocab eng {len(data.meta.source)}, fra {len(data.meta.target)}"
    )
    run = train(recipe, data, budget_s=args.budget_min * 60, started=started)
    trained = time.perf_counter() - started
    report(run, data.splits["train"], data.splits["val"], beam_size=args.beam_size)
    print(
        f"wall time: {trained / 60:.1f} min training (data included), "
        f"{(time.perf_counter() - started) / 60:.1f} min in all, on a CPU shared with others"
    )


def train(recipe, data, *, budget_s: float, started: float):
    torch.manual_seed(recipe.seed)
    model = TRANSLATOR.build_model(recipe, data.meta)
    run = SimpleNamespace(recipe=recipe, meta=data.meta, model=model, device=torch.device("cpu"))
    batches = TRANSLATOR.batches(data, recipe)
    total = math.ceil(recipe.train.epochs * len(batches))
    optimizer = build_optimizer(model.parameters(), recipe.train)
    lr = LearningRate(recipe.train, total_steps=total)
    print(f"{'step':>6} {'min':>5} {'train loss':>10} {'val loss':>9} {'BLEU':>6}")
    for step in range(1, total + 1):
        for group in optimizer.param_groups:
            group["lr"] = lr.at(step - 1)
        model.train()
        batch = next(batches)
        loss = model(**batch.inputs, targets=batch.targets).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.train.clip_norm)
        optimizer.step()
        out_of_time = time.perf_counter() - started > budget_s
        if step % recipe.train.eval_every == 0 or step == total or out_of_time:
            # A slice of the held-out part, to watch progress without spending the budget.
            val = TRANSLATOR.evaluate(run, data.splits["val"], max_batches=4)
            minutes = (time.perf_counter() - started) / 60
            print(
                f"{step:>6} {minutes:>5.1f} {loss.item():>10.3f} {val['loss']:>9.3f} "
                f"{val['bleu']:>6.1f}",
                flush=True,
            )
        if out_of_time:
            print(f"time budget reached at step {step} of {total}")
            break
    return run


def report(run, train_pairs, held_out, *, beam_size: int) -> None:
    """Each held-out sentence against all its held-out translations (Tatoeba often has
    several), and, stricter, each pair against its one reference."""
    references = [e.reference for e in held_out]
    greedy = TRANSLATOR.evaluate(run, held_out)
    show("greedy", greedy, single_reference(translate_examples(run, held_out), references))
    beam = beam_translations(run, held_out, beam_size=beam_size)
    show(f"beam {beam_size}", scores(held_out, beam), single_reference(beam, references))
    baseline = nearest_neighbour(train_pairs, held_out)
    show("baseline", scores(held_out, baseline), single_reference(baseline, references))
    print("baseline: the French of the training English sharing the most words (Jaccard)")


def scores(held_out, hypotheses: list[str]) -> dict:
    per_sentence, references = by_sentence(held_out, hypotheses)
    return translation_metrics(per_sentence, references, tokenizer="word")


def single_reference(hypotheses: list[str], references: list[str]) -> dict:
    return translation_metrics(hypotheses, [[r] for r in references], tokenizer="word")


def show(name: str, metrics: dict, single: dict) -> None:
    print(
        f"held-out {name:>9}: BLEU {metrics['bleu']:5.1f}  chrF {metrics['chrf']:5.1f}  "
        f"exact match {metrics['exact_match']:.3f}   (one reference per pair: BLEU "
        f"{single['bleu']:.1f}, chrF {single['chrf']:.1f})"
    )


def translate_examples(run, examples) -> list[str]:
    """Greedy translations in the examples' order."""
    source, lengths = pad([e.source for e in examples], value=PAD_ID)
    return translate_ids(run, source, lengths)


def nearest_neighbour(train, held_out) -> list[str]:
    """For each held-out sentence, the reference of the training example whose source ids
    overlap it most (Jaccard over word sets): what a phrase book would answer."""
    size = 1 + max(max(e.source) for e in [*train, *held_out])
    a, b = bag(held_out, size), bag(train, size)  # (N, V), (M, V)
    overlap = a @ b.T  # (N, M)
    union = a.sum(1, keepdims=True) + b.sum(1)[None, :] - overlap
    best = (overlap / union).argmax(1)
    return [train[i].reference for i in best]


def bag(examples, size: int) -> np.ndarray:
    out = np.zeros((len(examples), size), dtype=np.float32)
    for row, e in enumerate(examples):
        out[row, e.source] = 1.0
    return out


if __name__ == "__main__":
    main()
