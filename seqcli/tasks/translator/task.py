"""The translator task: (encoder_decoder, pairs). Sentence pairs in, a Seq2Seq model, loss
under teacher forcing, and BLEU / chrF / exact match of greedy translations, each sentence
scored against all its translations in the split."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import torch
import torch.nn.functional as F
from pydantic import Field, model_validator

from seqcli.data.forms import Form
from seqcli.data.padding import ordered_batches, pad
from seqcli.data.pairs import (
    SPECIALS,
    Pair,
    build_vocabs,
    pieces,
    read_pairs,
    sentence,
    split_pairs,
    tokenize,
)
from seqcli.data.vocab import BOS, EOS, Vocab, VocabForm, token_ids
from seqcli.decoding.beam import Markers
from seqcli.decoding.requests import Generated, Request
from seqcli.engine.contract import Batch, Given, IndexedBatches, StackInput, TaskData
from seqcli.engine.run import Run
from seqcli.errors import DataError
from seqcli.metrics.translation import translation_metrics
from seqcli.models.seq2seq import PAD_ID, Seq2Seq
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS
from seqcli.tasks.translator import search as translate
from seqcli.tasks.translator.search import source_ids, translate_ids, translate_lines

SHOWN = 3  # validation sentences translated at each evaluation during training


class TranslatorForm(Form):
    source: VocabForm
    target: VocabForm
    shown: list[Annotated[list[str], Field(min_length=2, max_length=2)]]

    @model_validator(mode="after")
    def _specials_first(self) -> TranslatorForm:
        """Padding is id 0 and decoding starts and ends on the markers: both sides begin
        with the specials."""
        for side in ("source", "target"):
            if tuple(getattr(self, side).tokens[: len(SPECIALS)]) != SPECIALS:
                raise ValueError(f"{side}.tokens: do not begin with {', '.join(SPECIALS)}")
        return self


@dataclass(frozen=True)
class TranslatorMeta:
    source: Vocab
    target: Vocab
    shown: tuple[tuple[str, str], ...]  # (source, reference) pairs translated while training

    @property
    def markers(self) -> Markers:
        return Markers(self.target.index[BOS], self.target.index[EOS])

    def to_dict(self) -> dict:
        return {
            "source": self.source.to_dict(),
            "target": self.target.to_dict(),
            "shown": [list(pair) for pair in self.shown],
        }

    @classmethod
    def from_dict(cls, data: dict) -> TranslatorMeta:
        form = TranslatorForm.read(data)
        shown = tuple(tuple(pair) for pair in form.shown)
        return cls(Vocab.from_form(form.source), Vocab.from_form(form.target), shown)

    def summary(self) -> list[tuple[str, str]]:
        sizes = f"{len(self.source)} / {len(self.target)}"
        return [("tokenizer", self.source.tokenizer), ("vocab source / target", sizes)]


@dataclass(frozen=True)
class Example:
    source: list[int]  # source ids + <eos>: never empty, and the encoder sees where it ends
    target: list[int]  # <bos> + target ids + <eos>
    reference: str  # the detokenized target, unknown words as written (what BLEU compares)
    text: str  # the source as written: sources differing only in unknown words share ids


def encode(pair: Pair, meta: TranslatorMeta, config) -> Example:
    markers = meta.markers
    target = [markers.bos, *token_ids(meta.target, pieces(pair.target, meta.target)), markers.eos]
    return Example(
        source_ids(pair.source, meta),
        target,
        sentence(pair.target, config),
        sentence(pair.source, config),
    )


def collate(examples: list[Example]) -> Batch:
    """Padded source (B, S) with lengths, decoder input (B, T) and shifted targets (B, T)."""
    source, lengths = pad([e.source for e in examples], value=PAD_ID)
    target, _ = pad([e.target for e in examples], value=PAD_ID)  # (B, T+1)
    target_out = target[:, 1:]  # the decoder predicts each next token; <pad> is ignored
    inputs = {"source": source, "source_lengths": lengths, "target_in": target[:, :-1]}
    return Batch(inputs, target_out, size=int((target_out != PAD_ID).sum()))


def by_sentence(examples: list[Example], hypotheses: list[str]):
    """One hypothesis per distinct source, with all of that source's references: Tatoeba
    gives one sentence several translations, and each one is right. Sources are told apart by
    their text, not their ids, which unknown words make alike."""
    found: dict[str, tuple[str, list[str]]] = {}
    for example, hypothesis in zip(examples, hypotheses, strict=True):
        found.setdefault(example.text, (hypothesis, []))[1].append(example.reference)
    return [h for h, _ in found.values()], [refs for _, refs in found.values()]


class Translator:
    spec = SPECS["translator"]
    meta = TranslatorMeta

    def prepare(self, recipe: Recipe, meta: TranslatorMeta | None = None) -> TaskData:
        pairs = read_pairs(recipe.data)
        splits = split_pairs(pairs, recipe.data, seed=recipe.seed)
        if not splits["train"]:
            raise DataError(f"{recipe.data.path}: the training split is empty; add pairs")
        if meta is None:
            source, target = build_vocabs(splits["train"], recipe.data)
            shown = tuple(
                (sentence(p.source, recipe.data), sentence(p.target, recipe.data))
                for p in splits["val"][:SHOWN]
            )
            meta = TranslatorMeta(source, target, shown)
        encoded = {
            name: [encode(p, meta, recipe.data) for p in split] for name, split in splits.items()
        }
        return TaskData(meta, encoded)

    def build_model(self, recipe: Recipe, meta: TranslatorMeta) -> Seq2Seq:
        return Seq2Seq(
            recipe.model,
            source_tokens=len(meta.source),
            target_tokens=len(meta.target),
            teacher_forcing=recipe.train.teacher_forcing,
        )

    def token_embeddings(self, run: Run) -> dict:
        model, meta = run.model, run.meta
        return {
            "source tokens": (model.encoder.embed, meta.source.tokens),
            "target tokens": (model.decoder.embed, meta.target.tokens),
        }

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        train = data.splits["train"]
        return IndexedBatches(
            [max(len(e.source), len(e.target)) for e in train],
            lambda rows: collate([train[i] for i in rows]),
            batch_size=recipe.train.batch_size,
            seed=recipe.seed,
        )

    def examples_from_file(self, run: Run, path: Path) -> list[Example]:
        """Every pair of another file (the recipe's reading and filters, no split)."""
        return [
            encode(pair, run.meta, run.recipe.data) for pair in read_pairs(run.recipe.data, path)
        ]

    @torch.no_grad()
    def evaluate(
        self, run: Run, examples: list[Example], *, max_batches: int | None = None
    ) -> dict:
        """Teacher-forced loss per target token, and metrics of greedy translations."""
        if not examples:
            raise DataError("the split to evaluate is empty; raise data.val_fraction")
        run.model.eval()
        order = ordered_batches(
            [len(e.source) for e in examples], batch_size=run.recipe.train.batch_size
        )
        total_loss = 0.0
        tokens = 0
        read = []
        hypotheses = []
        for indices in order[:max_batches]:
            chosen = [examples[i] for i in indices]
            batch = collate(chosen).to(run.device)
            logits = run.model(**batch.inputs).out  # (B, T, V)
            total_loss += F.cross_entropy(
                logits.flatten(0, 1), batch.targets.flatten(), ignore_index=PAD_ID, reduction="sum"
            ).item()
            tokens += batch.size
            hypotheses += translate_ids(run, batch.inputs["source"], batch.inputs["source_lengths"])
            read += chosen
        per_sentence, references = by_sentence(read, hypotheses)
        tokenizer = run.meta.target.tokenizer
        scores = translation_metrics(per_sentence, references, tokenizer=tokenizer)
        return {"loss": total_loss / tokens, **scores}

    def sample(self, run: Run, step: int) -> str | None:
        if not run.meta.shown:
            return None
        sources = [source for source, _ in run.meta.shown]
        translations = translate_lines(run, sources)
        return "\n".join(
            f"{source} → {translation}  (reference: {reference})"
            for (source, reference), translation in zip(run.meta.shown, translations, strict=True)
        )

    def generate(self, run: Run, request: Request) -> Generated:
        return translate.generate(run, request)

    def predict(self, run: Run, lines: list[str]) -> list[dict]:
        return translate.predict(run, lines)

    def prediction_lines(self, rows: list[dict]) -> Iterator[str]:
        return (row["translation"] for row in rows)

    def stack_input(self, run: Run, given: Given) -> StackInput:
        """The source sentence as the encoder reads it, normalized, <eos> last; the decoder is
        handed <bos> alone, since only the encoder's reading is looked at."""
        tokens = pieces(tokenize(given.text, run.recipe.data), run.meta.source)
        source, lengths = pad([source_ids(tokens, run.meta)], value=PAD_ID)  # (1, S), (1,)
        start = torch.tensor([[run.meta.markers.bos]])  # (1, 1)
        inputs = {"source": source, "source_lengths": lengths, "target_in": start}
        return StackInput(inputs, [*tokens, EOS], run.meta.source.tokenizer)


TRANSLATOR = Translator()
