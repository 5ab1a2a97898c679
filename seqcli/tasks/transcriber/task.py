"""A transcriber: frames (recordings, or an .npz of arrays) in, a label sequence out, not
aligned to the frames (mapping many_to_many with data.label_type sequence). Trained with
CTC; read greedily, or by prefix beam search with evaluate --beam-size; scored by CER, WER
and whole-transcript accuracy (exact_match)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from seqcli.data.arrays import Arrays
from seqcli.decoding.ctc import decode
from seqcli.engine.contract import IndexedBatches, Meta, TaskData
from seqcli.engine.run import Run
from seqcli.errors import DataError
from seqcli.metrics.speech import substitutions, transcript_metrics
from seqcli.models.ctc import Transcriber, ctc_loss, output_lengths
from seqcli.models.tagger import IGNORE
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS
from seqcli.tasks.arrays.examples import outputs_of, scaled
from seqcli.tasks.arrays.task import ArrayTask
from seqcli.tasks.audio.batches import audio_batches
from seqcli.tasks.audio.reading import AudioMeta, ReadsAudio
from seqcli.tasks.transcriber.examples import (
    Transcripts,
    encode_transcripts,
    text_of,
    transcript_meta,
)

CONFUSIONS_SHOWN = 12  # the commonest (wanted, heard) pairs evaluate lists


class TranscriberTask(ReadsAudio, ArrayTask):
    spec = SPECS["transcriber"]
    meta = AudioMeta
    target = "sequence"
    stratified = False  # a transcript is no class to balance the splits by

    def prepare(self, recipe: Recipe, meta: Meta | None = None) -> TaskData:
        return READS[recipe.data.format].prepare(self, recipe, meta)

    def build_meta(self, train: Arrays, scaling: str) -> AudioMeta:
        return transcript_meta(train, scaling)

    def encode(self, arrays: Arrays, meta: AudioMeta) -> Transcripts:
        return encode_transcripts(arrays, meta)

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        return audio_batches(data.splits["train"], recipe, data.meta)

    def build_model(self, recipe: Recipe, meta: AudioMeta) -> Transcriber:
        return Transcriber(recipe.model, features=meta.features, num_labels=len(meta.labels))

    def examples_from_file(self, run: Run, path: Path) -> Transcripts:
        """An .npz of arrays, or a folder of recordings labelled as data.path is."""
        return _reader(path).examples_from_file(self, run, path)

    def frames_per_step(self, run: Run) -> int:
        return run.recipe.model.subsample

    def predict_file(self, run: Run, path: Path) -> list[dict]:
        return _reader(path).predict_file(self, run, path)

    def transcribe(self, run: Run, examples: Transcripts, *, beam_size: int = 1) -> list[str]:
        log_probs = outputs_of(run, examples)  # (N, T, K + 1)
        steps = output_lengths(examples.lengths, run.recipe.model.subsample).tolist()
        return [
            text_of(decode(scores[:length].numpy(), beam_size=beam_size), run.meta)
            for scores, length in zip(log_probs, steps, strict=True)
        ]

    def evaluate(
        self, run: Run, examples: Transcripts, *, max_batches: int | None = None, beam_size: int = 1
    ) -> dict:
        """CTC loss, CER, WER and exact_match, with the commonest confusions."""
        if not len(examples):
            raise DataError("nothing to evaluate: the split is empty; raise data.val_fraction")
        if max_batches is not None:
            examples = examples.spread(max_batches * run.recipe.train.batch_size)
        log_probs = outputs_of(run, examples)  # (N, T, K + 1)
        steps = output_lengths(examples.lengths, run.recipe.model.subsample)
        loss = ctc_loss(log_probs, steps, examples.targets).item()
        heard = self.transcribe(run, examples, beam_size=beam_size)
        wanted = list(examples.texts)
        return {
            "loss": loss,
            **transcript_metrics(wanted, heard),
            "details": {"confusions": confusion_table(wanted, heard)},
        }

    def _predicted(self, run: Run, arrays: Arrays) -> list[dict]:
        unlabelled = Transcripts(
            scaled(arrays, run.meta),
            torch.from_numpy(arrays.lengths),
            torch.full((len(arrays), 1), IGNORE, dtype=torch.long),
        )
        texts = self.transcribe(run, unlabelled)
        return [{"example": n, "transcript": text} for n, text in enumerate(texts)]

    def prediction_lines(self, rows: list[dict]) -> Iterator[str]:
        """example<TAB>transcript, numbered from 0 in the file's (or the folder's name) order."""
        for row in rows:
            yield f"{row['example']}\t{row['transcript']}"


READS = {"arrays": ArrayTask, "audio": ReadsAudio}


def _reader(path: Path) -> type:
    return ArrayTask if Path(path).suffix == ".npz" else ReadsAudio


def confusion_table(wanted: list[str], heard: list[str]) -> dict:
    """The commonest errors of one minimal alignment per transcript: a label heard as
    another, dropped (heard nothing) or inserted (wanted nothing)."""
    counts = substitutions(wanted, heard)
    errors = sorted(((n, w, h) for (w, h), n in counts.items() if w != h), reverse=True)
    rows = [[w or "(none)", h or "(none)", n] for n, w, h in errors[:CONFUSIONS_SHOWN]]
    total = int(np.sum([n for n, _, _ in errors])) if errors else 0
    return {
        "title": f"commonest errors ({total} in all)",
        "columns": ["wanted", "heard", "count"],
        "rows": rows,
    }
