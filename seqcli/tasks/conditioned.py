"""one_to_many tasks: a class label or a numeric vector in, a whole sequence out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Iterator

import torch
import torch.nn.functional as F

from seqcli.data.labelled import read_examples, stratified_split
from seqcli.data.padding import ordered_batches, pad
from seqcli.data.vocab import BOS, EOS, PAD, TOKENIZERS, UNK, Vocab, build_vocab, token_ids
from seqcli.decoding.sampling import Sampling, pick_next
from seqcli.errors import UsageError
from seqcli.models.conditioned import ConditionedDecoder
from seqcli.recipe.tasks import SPECS
from seqcli.engine.contract import Batch, IndexedBatches, TaskData
from seqcli.tasks.flags import reject_unknown

SPECIALS = (PAD, UNK, BOS, EOS)  # <pad> is id 0: the loss ignores it
SAMPLE_CONDITIONS = 3  # conditions shown in the sample printed at each validation


@dataclass(frozen=True)
class LabelsMeta:
    labels: tuple[str, ...]  # a condition's class id is its position
    vocab: Vocab

    def to_dict(self) -> dict:
        return {"labels": list(self.labels), "vocab": self.vocab.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> LabelsMeta:
        return cls(tuple(data["labels"]), Vocab.from_dict(data["vocab"]))

    def summary(self) -> list[tuple[str, str]]:
        return [("conditions", f"{len(self.labels)} classes"), *self.vocab.summary()]


class ConditionedText:
    """A class label in, a token sequence out: names by language, lines by author."""

    spec = SPECS["conditioned_text"]
    meta = LabelsMeta
    generate_flags = frozenset(
        {"condition", "num_samples", "length", "temperature", "top_k", "top_p", "greedy", "seed"}
    )

    def prepare(self, recipe, meta: LabelsMeta | None = None) -> TaskData:
        data = recipe.data
        splits = stratified_split(
            read_examples(data), val_fraction=data.val_fraction,
            test_fraction=data.test_fraction, seed=recipe.seed,
        )  # fmt: skip
        if meta is None:
            tokenize = TOKENIZERS[data.tokenizer]
            vocab = build_vocab(
                (tokenize(e.text) for e in splits["train"]), tokenizer=data.tokenizer,
                min_freq=data.min_freq, specials=SPECIALS,
            )  # fmt: skip
            meta = LabelsMeta(tuple(sorted({e.label for e in splits["train"]})), vocab)
        return TaskData(meta, {name: self._encode(meta, rows) for name, rows in splits.items()})

    def _encode(self, meta: LabelsMeta, examples) -> list[tuple[int, list[int]]]:
        """(class id, token ids) per example; classes the model never saw are dropped."""
        vocab, classes = meta.vocab, {label: i for i, label in enumerate(meta.labels)}
        return [
            (classes[e.label], token_ids(vocab, vocab.tokenize(e.text)))
            for e in examples
            if e.label in classes
        ]

    def build_model(self, recipe, meta: LabelsMeta) -> ConditionedDecoder:
        return ConditionedDecoder(
            recipe.model, num_tokens=len(meta.vocab), num_classes=len(meta.labels),
            condition_size=0,
        )  # fmt: skip

    def collate(self, examples) -> Batch:
        bos, eos = 2, 3  # SPECIALS order
        inputs, lengths = pad([[bos, *ids] for _, ids in examples])
        targets, _ = pad([[*ids, eos] for _, ids in examples])
        condition = torch.tensor([label for label, _ in examples])
        batch = {"condition": condition, "inputs": inputs, "lengths": lengths}
        return Batch(batch, targets, int(lengths.sum()))

    def batches(self, data: TaskData, recipe) -> IndexedBatches:
        train = data.splits["train"]
        return IndexedBatches(
            [len(ids) for _, ids in train], lambda rows: self.collate([train[i] for i in rows]),
            batch_size=recipe.train.batch_size, seed=recipe.seed,
        )  # fmt: skip

    @torch.no_grad()
    def evaluate(self, run, examples, *, max_batches: int | None = None) -> dict[str, float]:
        run.model.eval()
        total, correct, count = 0.0, 0, 0
        batches = ordered_batches([len(ids) for _, ids in examples], batch_size=256)
        for rows in batches[:max_batches]:
            batch = self.collate([examples[i] for i in rows]).to(run.device)
            logits = run.model(**batch.inputs).out  # (B, T, V)
            mask = batch.targets != 0
            total += F.cross_entropy(logits[mask], batch.targets[mask], reduction="sum").item()
            correct += (logits.argmax(-1)[mask] == batch.targets[mask]).sum().item()
            count += int(mask.sum())
        loss = total / max(count, 1)
        return {"loss": loss, "perplexity": math.exp(min(loss, 700)), "accuracy": correct / count}

    def examples_from_file(self, run, path):
        data = run.recipe.data.model_copy(update={"path": path})
        examples = read_examples(data)
        return self._encode(run.meta, examples)

    def sample(self, run, step: int) -> str | None:
        labels = run.meta.labels[:SAMPLE_CONDITIONS]
        texts = (
            next(iter(self.sample_texts(run, label, 1, Sampling(), seed=run.recipe.seed + step)))
            for label in labels
        )
        return "  ".join(f"{label}: {text}" for label, text in zip(labels, texts, strict=True))

    def generate(self, run, flags: dict) -> Iterator[str]:
        """--condition LABEL --num-samples N: one sequence per line."""
        reject_unknown(flags, self.generate_flags, "a class-conditioned generator")
        label = _required_condition(flags, run.meta.labels)
        config = run.recipe.generate
        sampling = Sampling(
            *(flags.get(name, getattr(config, name)) for name in ("temperature", "top_k", "top_p")),
            greedy=flags.get("greedy", False),
        )
        texts = self.sample_texts(
            run, label, flags.get("num_samples", 1), sampling, seed=flags.get("seed", 0),
            max_length=flags.get("length"),
        )  # fmt: skip
        return (text + "\n" for text in texts)

    def sample_texts(self, run, label: str, count: int, sampling, *, seed, max_length=None):
        vocab = run.meta.vocab
        condition = torch.full((count,), run.meta.labels.index(label), device=run.device)
        ids = decode_tokens(run, condition, sampling, seed=seed, max_length=max_length or 100)
        joiner = "" if vocab.tokenizer == "char" else " "
        return [joiner.join(vocab.tokens[i] for i in row) for row in ids]


@torch.inference_mode()
def decode_tokens(run, condition, sampling: Sampling, *, seed: int, max_length: int):
    """Token ids per row, sampled one step at a time until <eos> or max_length."""
    model, device = run.model.eval(), run.device
    generator = torch.Generator(device=device).manual_seed(seed)
    bos, eos = 2, 3
    token = torch.full((condition.shape[0],), bos, device=device)
    rows = [[] for _ in range(condition.shape[0])]
    done = torch.zeros(condition.shape[0], dtype=torch.bool, device=device)
    state = None
    for _ in range(max_length):
        out = model(condition, token.unsqueeze(1), state=state)
        state = out.state
        token = pick_next(out.out[:, -1], sampling, generator)  # NonFiniteScores if diverged
        done |= token == eos
        if bool(done.all()):
            break
        for row, (t, finished) in enumerate(zip(token.tolist(), done.tolist(), strict=True)):
            if not finished:
                rows[row].append(t)
    return rows


def _required_condition(flags: dict, labels: list[str]) -> str:
    label = flags.get("condition")
    if label is None:
        raise UsageError(f"give --condition, one of: {', '.join(labels)}")
    if label not in labels:
        raise UsageError(
            f"--condition {label}: not a class of this model; choose {', '.join(labels)}"
        )
    return label
