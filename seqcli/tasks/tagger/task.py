"""many_to_many over tagged sentences (CoNLL-U or columns): one label per word."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import torch

from seqcli.data.padding import ordered_batches
from seqcli.data.tagged import Sentence, read_tagged, split_sentences
from seqcli.engine.contract import Given, IndexedBatches, StackInput, TaskData
from seqcli.engine.run import Run
from seqcli.errors import DataError
from seqcli.metrics.spans import is_span_scheme
from seqcli.models.crf import allowed
from seqcli.models.tagger import IGNORE, Tagger
from seqcli.recipe import Recipe
from seqcli.recipe.errors import cut
from seqcli.recipe.tasks import SPECS
from seqcli.tasks.tagger.batches import TaggerMeta, build_meta, encode
from seqcli.tasks.tagger.report import tagging_metrics

SPAN_METRICS = ("f1", "precision", "recall")


def positions(logits: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(B, T): True at each sentence's words, False in the padding after them."""
    return torch.arange(logits.shape[1], device=logits.device) < lengths.to(logits.device)[:, None]


def decode(run: Run, logits: torch.Tensor, lengths: torch.Tensor) -> list[list[str]]:
    """Each sentence's labels: the best per word, or the best sequence with a CRF."""
    best = run.model.decode(logits, positions(logits, lengths))
    return [[run.meta.labels[i] for i in row] for row in best]


def tag_batches(run: Run, sentences: Sequence[Sentence], *, max_batches: int | None = None):
    """(sentence indices, logits (B, T, L), batch) over the sentences, shortest first."""
    if not sentences:
        return
    lengths = [len(sentence.words) for sentence in sentences]
    order = ordered_batches(lengths, batch_size=run.recipe.train.batch_size)
    run.model.eval()
    with torch.no_grad():
        for indices in order[:max_batches]:
            batch = encode([sentences[i] for i in indices], run.meta).to(run.device)
            yield indices.tolist(), run.model(**batch.inputs).out, batch


def given_sentence(line: str, columns: Sequence, where: str) -> Sentence:
    """A whitespace-tokenized sentence for predict. A run with data.feature_columns reads each
    token as word|value|..., its values split off from the right, so a word may hold '|'."""
    tokens = line.split()
    if not columns:
        return Sentence(tuple(tokens), ())
    parts = [token.rsplit("|", len(columns)) for token in tokens]
    bad = next((token for token in tokens if token.count("|") < len(columns)), None)
    if bad is not None:
        form = "|".join(["word", *map(str, columns)])
        raise DataError(
            f"{where}: {cut(bad)!r} has no feature values; this run reads each token as {form} "
            "(data.feature_columns)"
        )
    return Sentence(tuple(p[0] for p in parts), (), tuple(tuple(p[1:]) for p in parts))


class TaggerTask:
    spec = SPECS["tagger"]
    meta = TaggerMeta

    def prepare(self, recipe: Recipe, meta: TaggerMeta | None = None) -> TaskData:
        config = recipe.data
        sentences = read_tagged(config)
        splits = split_sentences(
            sentences,
            val_fraction=config.val_fraction,
            test_fraction=config.test_fraction,
            seed=recipe.seed,
        )
        if not splits["train"]:
            raise DataError(
                f"{config.path}: {len(sentences)} sentence(s) leave none for training; "
                "lower data.val_fraction / data.test_fraction or add data"
            )
        if meta is None:
            meta = build_meta(splits["train"], recipe)
        _check_monitor(recipe, meta)
        if recipe.model.crf and is_span_scheme(meta.labels):
            _check_scheme(config.path, splits["train"])
        return TaskData(meta, splits)

    def build_model(self, recipe: Recipe, meta: TaggerMeta) -> Tagger:
        return Tagger(
            recipe.model,
            labels=list(meta.labels),
            num_words=len(meta.words),
            num_chars=0 if meta.chars is None else len(meta.chars),
            feature_values=[len(vocab) for vocab in meta.features],
        )

    def token_embeddings(self, run: Run) -> dict:
        return {"words": (run.model.embed, run.meta.words.tokens)}

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        train = data.splits["train"]
        return IndexedBatches(
            [len(s.words) for s in train],
            lambda rows: encode([train[i] for i in rows], data.meta),
            batch_size=recipe.train.batch_size,
            seed=recipe.seed,
        )

    def evaluate(self, run: Run, examples, *, max_batches: int | None = None) -> dict:
        if not examples:
            raise DataError("no sentences to evaluate; raise data.val_fraction")
        chosen: list[Sentence] = []
        predicted: list[list[str]] = []
        loss, tokens = 0.0, 0
        for indices, logits, batch in tag_batches(run, examples, max_batches=max_batches):
            lengths = batch.inputs["lengths"]
            loss += run.model.nll(logits, batch.targets, positions(logits, lengths)).item()
            tokens += int((batch.targets != IGNORE).sum())
            chosen.extend(examples[i] for i in indices)
            predicted.extend(decode(run, logits, lengths))
        return tagging_metrics(chosen, predicted, loss=loss / max(tokens, 1), meta=run.meta)

    def examples_from_file(self, run: Run, path: Path) -> list[Sentence]:
        return read_tagged(run.recipe.data, Path(path))

    def predict(self, run: Run, lines: list[str]) -> list[dict]:
        """Tag whitespace-tokenized sentences, one row per line (an empty line: no tokens)."""
        columns = run.recipe.data.feature_columns
        sentences = [
            given_sentence(line, columns, f"input line {n}") for n, line in enumerate(lines, 1)
        ]
        rows = [{"tokens": list(s.words), "labels": []} for s in sentences]
        filled = [i for i, sentence in enumerate(sentences) if sentence.words]
        for indices, logits, batch in tag_batches(run, [sentences[i] for i in filled]):
            labels_of = decode(run, logits, batch.inputs["lengths"])
            for i, labels in zip(indices, labels_of, strict=True):
                rows[filled[i]]["labels"] = labels
        return rows

    def prediction_lines(self, rows: list[dict]) -> Iterator[str]:
        """token<TAB>label, a blank line between sentences (CoNLL style)."""
        for number, row in enumerate(rows):
            if number:
                yield ""
            pairs = zip(row["tokens"], row["labels"], strict=True)
            yield from (f"{token}\t{label}" for token, label in pairs)

    def sample(self, run: Run, step: int) -> str | None:
        return None

    def stack_input(self, run: Run, given: Given) -> StackInput:
        """One sentence, whitespace-tokenized as predict reads a line: word and character ids."""
        sentence = given_sentence(given.text, run.recipe.data.feature_columns, given.source)
        return StackInput(encode([sentence], run.meta).inputs, list(sentence.words), "word")


def _check_scheme(path, sentences: Sequence[Sentence]) -> None:
    """A constrained CRF can never output a sequence the scheme forbids, so it cannot learn
    one either: data in IOB1 (I- opening a span) must be converted first."""
    bioes = any(label[:2] in ("E-", "S-") for s in sentences for label in s.labels)
    for sentence in sentences:
        named = ["", *sentence.labels, ""]
        for previous, label in zip(named[:-1], named[1:], strict=True):
            if not allowed(previous, label, bioes=bioes):
                words = " ".join(sentence.words[:6])
                raise DataError(
                    f"{path}: the training sentence '{cut(words)}' has "
                    f"{previous or 'the start'} -> {label or 'the end'}, which "
                    f"{'BIOES' if bioes else 'BIO'} forbids and model.crf would never output; "
                    "convert the tags to BIO (IOB2) or BIOES"
                )


def _check_monitor(recipe: Recipe, meta: TaggerMeta) -> None:
    """Span scores exist only for BIO/BIOES labels, which only the data can tell."""
    if recipe.train.monitor in SPAN_METRICS and not is_span_scheme(meta.labels):
        shown = ", ".join(meta.labels[:5])
        raise DataError(
            f"{recipe.data.path}: train.monitor '{recipe.train.monitor}' scores BIO/BIOES spans, "
            f"but the labels ({shown}, ...) are not B-/I-/E-/S- tags and O; monitor accuracy"
        )
