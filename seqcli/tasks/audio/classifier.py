"""A class per recording (data.format audio, mapping many_to_one): log-mel frames read by the
arrays classifier; every score, prediction and gate as it gives them."""

from __future__ import annotations

from seqcli.recipe.tasks import SPECS
from seqcli.tasks.arrays.task import ArrayClassifierTask
from seqcli.tasks.audio.reading import AudioMeta, ReadsAudio


class AudioClassifierTask(ReadsAudio, ArrayClassifierTask):
    spec = SPECS["audio_classifier"]
    meta = AudioMeta
    stratified = True
