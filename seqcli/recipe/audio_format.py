"""The audio data format: a folder of .wav recordings, each labelled by its file name, a table
beside it or its class subfolder, read as log-mel frames (data/audio*.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from seqcli.recipe.data_base import DataSection, resolve_path
from seqcli.recipe.numeric_formats import Scaling
from seqcli.recipe.schedule import Section

LABEL_FIELD = "{label}"  # where a name_pattern's label sits


class Compose(Section):
    """Utterances made of several labelled recordings (spoken digits into digit strings),
    each split from its own recordings, so no test recording is heard in training."""

    utterances: int = Field(
        ge=1,
        le=1_000_000,
        description="training utterances made; validation and test get as many per recording "
        "of theirs as training has per recording",
    )
    length: tuple[int, int] = Field(
        (2, 7), description="[fewest, most] recordings an utterance joins, drawn uniformly"
    )
    pause_ms: tuple[float, float] = Field(
        (30.0, 300.0), description="[shortest, longest] silence before, between and after them"
    )
    gain_db: float = Field(
        6.0, ge=0, le=40, description="each recording's gain is drawn from +-gain_db decibels"
    )
    group: str | None = Field(
        "speaker",
        description="a data.name_pattern field an utterance's recordings share ('speaker': "
        "one voice per utterance); null: any recordings",
    )

    @model_validator(mode="after")
    def _ranges_ascend(self) -> Compose:
        for name in ("length", "pause_ms"):
            low, high = getattr(self, name)
            if not 0 <= low <= high or (name == "length" and low < 1):
                raise ValueError(f"{name}: [{low:g}, {high:g}] is not a range of positive values")
        return self


class Augment(Section):
    """Training batches only, drawn anew each time from (seed, epoch, batch), so a resumed
    run sees the same augmented batches it would have seen."""

    time_masks: int = Field(
        0,
        ge=0,
        le=20,
        description="SpecAugment time masks a recording gets (frames set to the mean)",
    )
    time_mask_frames: int = Field(10, ge=1, le=1000, description="widest time mask, frames")
    freq_masks: int = Field(
        0, ge=0, le=20, description="SpecAugment frequency masks (mel bands set to the mean)"
    )
    freq_mask_bands: int = Field(8, ge=1, le=256, description="widest frequency mask, bands")
    gain_db: float = Field(
        0.0, ge=0, le=40, description="each recording's gain drawn from +-gain_db decibels"
    )
    noise_snr_db: float | None = Field(
        None,
        ge=-20,
        le=100,
        description="white noise added at a signal-to-noise ratio drawn from this many dB up to "
        "20 dB above it; null: none",
    )


class AudioData(DataSection):
    format: Literal["audio"] = Field(
        description="audio: a folder of .wav recordings (PCM, mono or averaged to mono), read "
        "as log-mel frames; labels from the file name (name_pattern), a table (labels_file) "
        "or class subfolders"
    )
    name_pattern: str | None = Field(
        None,
        description="the file name without .wav as fields in braces, {label} among them: "
        "'{label}_{speaker}_{index}' reads 7_jackson_32.wav as label 7; null: labels_file, "
        "else each file's subfolder is its label",
    )
    labels_file: Path | None = Field(
        None,
        description="a TSV of file<TAB>label (a transcript, for label_type sequence), file "
        "names relative to path; not with name_pattern",
    )
    label_type: Literal["category", "sequence"] = Field(
        "category",
        description="category: a class per recording (many_to_one); sequence: a transcript, "
        "one character a label, not aligned to the frames (many_to_many, trained with CTC)",
    )
    test_files: str | None = Field(
        None,
        description="a glob on file names that makes the test split ('*_[0-4].wav': FSDD's "
        "official split; '*_theo_*': one speaker held out); not with test_fraction",
    )
    sample_rate: int = Field(
        8000, ge=1000, le=192_000, description="Hz every recording is resampled to"
    )
    mels: int = Field(40, ge=1, le=256, description="mel bands per frame (the features)")
    window_ms: float = Field(25.0, gt=0, le=1000, description="analysis window per frame, ms")
    hop_ms: float = Field(10.0, gt=0, le=1000, description="step between frames, ms")
    max_seconds: float = Field(
        60.0, gt=0, le=7200, description="a longer recording is refused, naming the file"
    )
    scaling: Scaling = Field(
        "standard",
        description="per mel band, fitted on the training split's frames only: standard, "
        "minmax or none",
    )
    augment: Augment | None = Field(
        None,
        description="SpecAugment masks, random gain and noise on training batches; null: none",
    )
    compose: Compose | None = Field(
        None,
        description="utterances joined from several recordings, the transcript their labels "
        "in order (label_type sequence); null: each recording is an example",
    )

    _labels_file = field_validator("labels_file")(resolve_path)

    @model_validator(mode="after")
    def _one_label_source(self) -> AudioData:
        if self.name_pattern is not None and self.labels_file is not None:
            raise ValueError("set name_pattern or labels_file, not both")
        if self.name_pattern is not None and LABEL_FIELD not in self.name_pattern:
            raise ValueError(f"name_pattern '{self.name_pattern}' has no {LABEL_FIELD} field")
        if self.test_files is not None and (self.test_fraction or self.test_path):
            raise ValueError("set test_files or test_fraction/test_path, not both")
        if self.compose is not None and self.label_type != "sequence":
            raise ValueError("compose: joins recordings into transcripts; set label_type sequence")
        group = self.compose and self.compose.group
        if group and "{" + group + "}" not in (self.name_pattern or ""):
            raise ValueError(f"compose.group: '{group}' is not a field of data.name_pattern")
        if self.hop_ms > self.window_ms:
            raise ValueError(f"hop_ms {self.hop_ms:g} is longer than window_ms {self.window_ms:g}")
        return self
