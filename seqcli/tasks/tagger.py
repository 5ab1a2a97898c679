"""many_to_many over tagged sentences (CoNLL-U or columns): one label per word."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from seqcli.data.padding import BucketBatches, ordered_batches, pad
from seqcli.data.tagged import Sentence, read_tagged, split_sentences
from seqcli.data.vocab import Vocab, build_vocab, token_ids
from seqcli.errors import DataError, UsageError
from seqcli.metrics.spans import is_span_scheme, micro_scores, per_type_scores, span_counts
from seqcli.metrics.tags import (
    accuracy,
    baseline_labels,
    most_frequent_tags,
    per_tag_accuracy,
    tag_counts,
)
from seqcli.models.tagger import IGNORE, Tagger
from seqcli.tasks.base import Batch, TaskData

MAX_WORD_CHARS = 24  # web text has 100-character URLs; their first letters say enough
SPAN_METRICS = ("f1", "precision", "recall")
NORMALIZE: dict[bool, Callable[[str], str]] = {False: str, True: str.lower}  # data.lowercase


@dataclass(frozen=True)
class TaggerMeta:
    words: Vocab  # normalized training words (min_freq applied), <pad> 0 and <unk> 1
    labels: tuple[str, ...]  # training labels, commonest first; a label's id is its position
    chars: Vocab | None  # characters of training words, when model.char_features is set
    lexicon: dict[str, str]  # the baseline: each training word's commonest label
    default_label: str  # the baseline's label for a word never seen in training

    def __post_init__(self) -> None:
        object.__setattr__(self, "label_ids", {label: i for i, label in enumerate(self.labels)})


def build_meta(train: Sequence[Sentence], recipe) -> TaggerMeta:
    """Vocabularies and the baseline from the training split only, never from held-out data."""
    normalize = NORMALIZE[recipe.data.lowercase]
    words = [[normalize(word) for word in sentence.words] for sentence in train]
    labels = [sentence.labels for sentence in train]
    chars = None
    if recipe.model.char_features is not None:
        chars = build_vocab((word for s in train for word in s.words), tokenizer="char")
    lexicon, default = most_frequent_tags(zip(words, labels, strict=True))
    return TaggerMeta(
        build_vocab(words, tokenizer="word", min_freq=recipe.data.min_freq),
        build_vocab(labels, tokenizer="word", specials=()).tokens,
        chars,
        lexicon,
        default,
    )


def char_ids(sentences: Sequence[Sentence], chars: Vocab, lengths: torch.Tensor) -> torch.Tensor:
    """(B, T, L) character ids of every word, the original case kept."""
    words = [token_ids(chars, word[:MAX_WORD_CHARS]) for s in sentences for word in s.words]
    flat, _ = pad(words)  # (N, L)
    out = torch.zeros((len(sentences), int(lengths.max()), flat.shape[1]), dtype=torch.long)
    out[torch.arange(out.shape[1]) < lengths[:, None]] = flat  # row-major, like `words`
    return out


def encode(sentences: Sequence[Sentence], meta: TaggerMeta, normalize) -> Batch:
    """Padded ids of a batch; a sentence without labels (predict) gets IGNORE targets."""
    tokens, lengths = pad(
        [token_ids(meta.words, map(normalize, sentence.words)) for sentence in sentences]
    )  # (B, T), (B,)
    inputs = {"tokens": tokens, "lengths": lengths}
    if meta.chars is not None:
        inputs["chars"] = char_ids(sentences, meta.chars, lengths)
    targets = torch.full_like(tokens, IGNORE)  # (B, T)
    for row, sentence in enumerate(sentences):
        labels = [meta.label_ids.get(label, IGNORE) for label in sentence.labels]
        targets[row, : len(labels)] = torch.tensor(labels, dtype=torch.long)
    return Batch(inputs, targets, int(lengths.sum()))


class TaggerBatches:
    """Length-bucketed sentence batches, reshuffled every epoch; resumable."""

    def __init__(self, sentences: Sequence[Sentence], meta: TaggerMeta, recipe):
        self.sentences, self.meta = sentences, meta
        self.normalize = NORMALIZE[recipe.data.lowercase]
        self.order = BucketBatches(
            [len(s.words) for s in sentences], batch_size=recipe.train.batch_size, seed=recipe.seed
        )

    def __next__(self) -> Batch:
        return encode([self.sentences[i] for i in next(self.order)], self.meta, self.normalize)

    def __len__(self) -> int:
        return len(self.order)

    def state_dict(self) -> dict:
        return self.order.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.order.load_state_dict(state)


def decode(logits: torch.Tensor, lengths: torch.Tensor, meta: TaggerMeta) -> list[list[str]]:
    best = logits.argmax(-1).tolist()  # (B, T)
    return [
        [meta.labels[i] for i in row[:n]] for row, n in zip(best, lengths.tolist(), strict=True)
    ]


def tag_batches(run, sentences: Sequence[Sentence], *, max_batches: int | None = None):
    """(sentence indices, logits (B, T, L), batch) over the sentences, shortest first."""
    if not sentences:
        return
    normalize = NORMALIZE[run.recipe.data.lowercase]
    lengths = [len(sentence.words) for sentence in sentences]
    order = ordered_batches(lengths, batch_size=run.recipe.train.batch_size)
    run.model.eval()
    with torch.no_grad():
        for indices in order[:max_batches]:
            batch = encode([sentences[i] for i in indices], run.meta, normalize).to(run.device)
            yield indices.tolist(), run.model(**batch.inputs).out, batch


def tagging_metrics(
    examples: Sequence[Sentence], predicted: list[list[str]], loss: float, meta, normalize
) -> dict:
    """Accuracy (and span scores for BIO/BIOES labels), the baseline and per-tag details."""
    gold = [sentence.labels for sentence in examples]
    normalized = [[normalize(word) for word in sentence.words] for sentence in examples]
    baseline = [baseline_labels(words, meta.lexicon, meta.default_label) for words in normalized]
    total, correct = tag_counts(gold, predicted)
    metrics = {"loss": loss, "accuracy": accuracy(total, correct)}
    details = {
        "sentences": len(examples),
        "tokens": sum(total.values()),
        "baseline_accuracy": accuracy(*tag_counts(gold, baseline)),
        "unknown_words": _unknown_word_accuracy(normalized, gold, predicted, meta.words),
        "per_tag": per_tag_accuracy(total, correct),
    }
    if is_span_scheme(meta.labels):
        counts = span_counts(gold, predicted)
        metrics.update(micro_scores(counts))
        details["per_type"] = per_type_scores(counts)
        details["baseline_f1"] = micro_scores(span_counts(gold, baseline))["f1"]
    return {**metrics, "details": details}


def _unknown_word_accuracy(normalized, gold, predicted, words: Vocab) -> dict:
    """How the model does on words it has no embedding for (where char_features help)."""
    unknown = [
        (want, got)
        for sentence, wants, gots in zip(normalized, gold, predicted, strict=True)
        for word, want, got in zip(sentence, wants, gots, strict=True)
        if word not in words.index
    ]
    right = sum(want == got for want, got in unknown)
    return {"tokens": len(unknown), "accuracy": right / len(unknown) if unknown else 0.0}


class TaggerTask:
    unit = "tok"
    metrics = {"loss": True, "accuracy": False, "f1": False, "precision": False, "recall": False}

    def prepare(self, recipe, meta: TaggerMeta | None = None) -> TaskData:
        config = recipe.data
        sentences = read_tagged(config)
        splits = split_sentences(
            sentences, val_fraction=config.val_fraction, test_fraction=config.test_fraction,
            seed=recipe.seed,
        )  # fmt: skip
        if not splits["train"]:
            raise DataError(
                f"{config.path}: {len(sentences)} sentence(s) leave none for training; "
                "lower data.val_fraction / data.test_fraction or add data"
            )
        if config.test_path is not None:
            splits["test"] = read_tagged(config, config.test_path)
        meta = meta or build_meta(splits["train"], recipe)
        _check_monitor(recipe, meta)
        return TaskData(meta, splits)

    def meta_to_dict(self, meta: TaggerMeta) -> dict:
        return {
            "words": meta.words.to_dict(),
            "labels": list(meta.labels),
            "chars": None if meta.chars is None else meta.chars.to_dict(),
            "lexicon": meta.lexicon,
            "default_label": meta.default_label,
        }

    def meta_from_dict(self, data: dict) -> TaggerMeta:
        chars = None if data["chars"] is None else Vocab.from_dict(data["chars"])
        return TaggerMeta(
            Vocab.from_dict(data["words"]), tuple(data["labels"]), chars,
            dict(data["lexicon"]), data["default_label"],
        )  # fmt: skip

    def meta_summary(self, meta: dict) -> list[tuple[str, str]]:
        chars = "none" if meta["chars"] is None else str(len(meta["chars"]["tokens"]))
        return [
            ("words / labels", f"{len(meta['words']['tokens'])} / {len(meta['labels'])}"),
            ("characters", chars),
        ]

    def build_model(self, recipe, meta: TaggerMeta) -> Tagger:
        return Tagger(
            recipe.model, num_words=len(meta.words), num_labels=len(meta.labels),
            num_chars=0 if meta.chars is None else len(meta.chars),
        )  # fmt: skip

    def batches(self, data: TaskData, recipe) -> TaggerBatches:
        return TaggerBatches(data.splits["train"], data.meta, recipe)

    def evaluate(self, run, examples, *, max_batches: int | None = None) -> dict:
        if not examples:
            raise DataError("no sentences to evaluate; raise data.val_fraction")
        chosen, predicted, loss, tokens = [], [], 0.0, 0
        for indices, logits, batch in tag_batches(run, examples, max_batches=max_batches):
            loss += F.cross_entropy(
                logits.flatten(0, 1), batch.targets.flatten(), ignore_index=IGNORE,
                reduction="sum",
            ).item()  # fmt: skip
            tokens += int((batch.targets != IGNORE).sum())
            chosen.extend(examples[i] for i in indices)
            predicted.extend(decode(logits, batch.inputs["lengths"], run.meta))
        normalize = NORMALIZE[run.recipe.data.lowercase]
        return tagging_metrics(chosen, predicted, loss / max(tokens, 1), run.meta, normalize)

    def examples_from_file(self, run, path: Path) -> list[Sentence]:
        return read_tagged(run.recipe.data, Path(path))

    def predict(self, run, lines: list[str]) -> list[dict]:
        """Tag whitespace-tokenized sentences, one row per line (an empty line: no tokens)."""
        sentences = [Sentence(tuple(line.split()), ()) for line in lines]
        rows = [{"tokens": list(s.words), "labels": []} for s in sentences]
        filled = [i for i, sentence in enumerate(sentences) if sentence.words]
        for indices, logits, batch in tag_batches(run, [sentences[i] for i in filled]):
            labels_of = decode(logits, batch.inputs["lengths"], run.meta)
            for i, labels in zip(indices, labels_of, strict=True):
                rows[filled[i]]["labels"] = labels
        return rows

    def sample(self, run, step: int) -> str | None:
        return None

    def generate(self, run, flags: dict):
        raise UsageError(
            "seqcli generate does not apply to a tagger: it labels given text; use seqcli predict"
        )


def _check_monitor(recipe, meta: TaggerMeta) -> None:
    """Span scores exist only for BIO/BIOES labels, which only the data can tell."""
    if recipe.train.monitor in SPAN_METRICS and not is_span_scheme(meta.labels):
        shown = ", ".join(meta.labels[:5])
        raise DataError(
            f"{recipe.data.path}: train.monitor '{recipe.train.monitor}' scores BIO/BIOES spans, "
            f"but the labels ({shown}, ...) are not B-/I-/E-/S- tags and O; monitor accuracy"
        )
