"""one_to_many tasks: a class label or a numeric vector in, a whole sequence out."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from pydantic import Field, model_validator

from seqcli.data.forms import Form
from seqcli.data.labelled import read_examples, stratified_split, text_vocab
from seqcli.data.padding import ordered_batches, pad
from seqcli.data.quality import checked_examples
from seqcli.data.vocab import BOS, EOS, PAD, UNK, Vocab, VocabForm, detokenize, token_ids
from seqcli.decoding.autoregress import autoregress
from seqcli.decoding.requests import Draw, Generated, Request
from seqcli.decoding.sampling import TokenPicker
from seqcli.engine.contract import Batch, IndexedBatches, TaskData
from seqcli.engine.memory import require_samples
from seqcli.engine.run import Run
from seqcli.errors import UsageError
from seqcli.metrics.language import token_metrics
from seqcli.models.conditioned import ConditionedDecoder
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS

SPECIALS = (PAD, UNK, BOS, EOS)  # <pad> is id 0: the loss ignores it
SAMPLE_CONDITIONS = 3  # conditions shown in the sample printed at each validation
MAX_LENGTH = 100  # tokens a sequence may run to without --length, if it never writes <eos>


class LabelsForm(Form):
    labels: list[str] = Field(min_length=1)
    vocab: VocabForm

    @model_validator(mode="after")
    def _specials_first(self) -> LabelsForm:
        if tuple(self.vocab.tokens[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"vocab.tokens: do not begin with {', '.join(SPECIALS)}")
        return self


@dataclass(frozen=True)
class LabelsMeta:
    labels: tuple[str, ...]  # a condition's class id is its position
    vocab: Vocab

    def to_dict(self) -> dict:
        return {"labels": list(self.labels), "vocab": self.vocab.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> LabelsMeta:
        form = LabelsForm.read(data)
        return cls(tuple(form.labels), Vocab.from_form(form.vocab))

    def summary(self) -> list[tuple[str, str]]:
        return [("conditions", f"{len(self.labels)} classes"), *self.vocab.summary()]


class ConditionedText:
    """A class label in, a token sequence out: names by language, lines by author."""

    spec = SPECS["conditioned_text"]
    meta = LabelsMeta

    def prepare(self, recipe: Recipe, meta: LabelsMeta | None = None) -> TaskData:
        data = recipe.data
        splits = stratified_split(
            checked_examples(data)[0],
            val_fraction=data.val_fraction,
            test_fraction=data.test_fraction,
            seed=recipe.seed,
        )
        if meta is None:
            vocab = text_vocab(data, splits["train"], specials=SPECIALS)
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

    def build_model(self, recipe: Recipe, meta: LabelsMeta) -> ConditionedDecoder:
        return ConditionedDecoder(
            recipe.model,
            num_tokens=len(meta.vocab),
            num_classes=len(meta.labels),
            condition_size=0,
        )

    def collate(self, examples, vocab: Vocab) -> Batch:
        bos, eos = vocab.index[BOS], vocab.index[EOS]
        inputs, lengths = pad([[bos, *ids] for _, ids in examples])
        targets, _ = pad([[*ids, eos] for _, ids in examples])
        condition = torch.tensor([label for label, _ in examples])
        batch = {"condition": condition, "inputs": inputs, "lengths": lengths}
        return Batch(batch, targets, int(lengths.sum()))

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        train = data.splits["train"]
        return IndexedBatches(
            [len(ids) for _, ids in train],
            lambda rows: self.collate([train[i] for i in rows], data.meta.vocab),
            batch_size=recipe.train.batch_size,
            seed=recipe.seed,
        )

    @torch.no_grad()
    def evaluate(self, run: Run, examples, *, max_batches: int | None = None) -> dict[str, float]:
        run.model.eval()
        total = 0.0
        correct = 0
        count = 0
        batches = ordered_batches([len(ids) for _, ids in examples], batch_size=256)
        for rows in batches[:max_batches]:
            batch = self.collate([examples[i] for i in rows], run.meta.vocab).to(run.device)
            logits = run.model(**batch.inputs).out  # (B, T, V)
            mask = batch.targets != 0
            total += F.cross_entropy(logits[mask], batch.targets[mask], reduction="sum").item()
            correct += (logits.argmax(-1)[mask] == batch.targets[mask]).sum().item()
            count += int(mask.sum())
        return token_metrics(total, correct, count, chars=None)

    def examples_from_file(self, run: Run, path):
        data = run.recipe.data.model_copy(update={"path": path})
        examples = read_examples(data)
        return self._encode(run.meta, examples)

    def sample(self, run: Run, step: int) -> str | None:
        labels = run.meta.labels[:SAMPLE_CONDITIONS]
        draw = Draw(run.recipe.generate, seed=run.recipe.seed + step)
        texts = (self.sample_texts(run, label, draw, max_length=MAX_LENGTH)[0] for label in labels)
        return "  ".join(f"{label}: {text}" for label, text in zip(labels, texts, strict=True))

    def generate(self, run: Run, request: Request) -> Generated:
        """--condition LABEL --num-samples N: one sequence per line."""
        label = _required_condition(request.condition, run.meta.labels)
        texts = self.sample_texts(run, label, request.draw, max_length=request.length or MAX_LENGTH)
        return Generated(text + "\n" for text in texts)

    def sample_texts(self, run: Run, label: str, draw: Draw, *, max_length: int) -> list[str]:
        vocab = run.meta.vocab
        require_samples(run.recipe.model, len(vocab), draw, max_length, run.device)
        condition = torch.full((draw.num_samples,), run.meta.labels.index(label), device=run.device)
        ids = decode_tokens(run, condition, draw, max_length=max_length)
        return [detokenize((vocab.tokens[i] for i in row), vocab.tokenizer) for row in ids]


def decode_tokens(
    run: Run, condition: torch.Tensor, draw: Draw, *, max_length: int
) -> list[list[int]]:
    """Token ids per row, picked one step at a time until <eos> or max_length."""
    model, vocab = run.model.eval(), run.meta.vocab
    bos, eos = vocab.index[BOS], vocab.index[EOS]

    def step(token, state):
        out = model(condition, token[:, None], state=state)  # scores (B, 1, V)
        return out.out[:, -1], out.state

    generator = torch.Generator(device=run.device).manual_seed(draw.seed)
    picker = TokenPicker(draw.sampling, generator, stop=eos)
    first = torch.full(condition.shape, bos, device=run.device)
    rows: list[list[int]] = [[] for _ in range(condition.shape[0])]
    for picked in autoregress(step, first, steps=max_length, pick=picker, stop=eos):
        written = ~(picked.ended | (picked.token == eos))
        for row in written.nonzero().flatten().tolist():
            rows[row].append(int(picked.token[row]))
    return rows


def _required_condition(label: str | None, labels: tuple[str, ...]) -> str:
    if label is None:
        raise UsageError(f"give --condition, one of: {', '.join(labels)}")
    if label not in labels:
        raise UsageError(
            f"--condition {label}: not a class of this model; choose {', '.join(labels)}"
        )
    return label
