"""A class per recording (data.format audio, mapping many_to_one): log-mel frames read by the
arrays classifier; every score, prediction and gate as it gives them."""

from __future__ import annotations

from seqcli.engine.contract import IndexedBatches, TaskData
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS
from seqcli.tasks.arrays.task import ArrayClassifierTask
from seqcli.tasks.audio.batches import audio_batches
from seqcli.tasks.audio.reading import AudioMeta, ReadsAudio


class AudioClassifierTask(ReadsAudio, ArrayClassifierTask):
    spec = SPECS["audio_classifier"]
    meta = AudioMeta
    stratified = True

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        return audio_batches(data.splits["train"], recipe, data.meta)
