"""A folder of .wav recordings read as a classifier of recordings (one label each) or a
transcriber (a label sequence each, CTC). Torch-free: the headers are read with `wave`."""

from __future__ import annotations

import wave
from collections import Counter
from functools import partial
from pathlib import Path

from seqcli.data.audio_names import recordings_in
from seqcli.errors import DataError
from seqcli.recipe.inputs import DATA, open_input
from seqcli.scaffold.audio_labels import Labelling, labelling
from seqcli.scaffold.draft import Draft, Option, choose
from seqcli.scaffold.labelled import UNBALANCED, VAL_FRACTION
from seqcli.scaffold.sizes import add_model, add_training, batch_size, steps_for
from seqcli.scaffold.source import Source

HEADERS = 200  # recordings whose headers are read for the rate and length
DEFAULT_RATE = 16_000  # when no header is PCM that `wave` reads (float or 24-bit files)
MAX_SECONDS = 60.0  # data.max_seconds' default: a longer recording needs the key written


def has_recordings(folder: Path) -> bool:
    return bool(recordings_in(folder))


def guess_audio(source: Source, task: str | None) -> Draft:
    wavs = recordings_in(source.path)
    labels = labelling(source, wavs)
    build = partial(audio_draft, source, wavs, labels)
    kinds = ("transcriber", "classifier") if labels.sequences else ("classifier", "transcriber")
    options: dict[str, Option] = {kind: partial(build, kind) for kind in kinds}
    return choose(options, task, source.path, f"a folder of recordings labelled by {labels.how}")


def headers(wavs: list[Path]) -> tuple[int | None, float]:
    """The commonest sample rate and the longest duration among the first recordings."""
    rates: Counter[int] = Counter()
    longest = 0.0
    for path in wavs[:HEADERS]:
        # through the read door: a FIFO named .wav is refused by name, never opened to wait
        try:
            with open_input(path, DATA) as handle, wave.open(handle, "rb") as sound:
                rates[sound.getframerate()] += 1
                longest = max(longest, sound.getnframes() / sound.getframerate())
        except wave.Error as err:
            if not str(err).startswith("unknown format"):  # float/24-bit: soundfile reads it
                raise DataError(f"{path}: not a PCM RIFF/WAVE file ({err})") from None
        except (EOFError, ZeroDivisionError):
            continue  # a damaged header: the reader names the file when it trains
    return (rates.most_common(1)[0][0] if rates else None), longest


def audio_draft(source: Source, wavs: list[Path], labels: Labelling, task: str) -> Draft:
    mapping = MAPPINGS[task]
    count = len(wavs)
    found = f"{source.path.name}/: {count:,} recordings labelled by {labels.how}"
    draft = Draft(task, mapping, found=found)
    draft.add("data", "format", "audio", "a folder of .wav recordings, read as log-mel frames")
    draft.add("data", "path", source.written, source.path_why)
    for entry in labels.keys:
        draft.add("data", entry.key, entry.value, entry.why)
    if task == "transcriber":
        draft.add(
            "data", "label_type", "sequence", "each label a transcript, each character a label"
        )
    add_framing(draft, wavs)
    draft.add("data", "val_fraction", VAL_FRACTION, "of the recordings, picks best.pt")
    add_model(draft, count, unit="recordings", embedding=False)
    draft.add("model", "direction", "bi", "a recording is heard whole before it is labelled")
    MODEL_KEYS[task](draft)
    batch = batch_size(count)
    steps, every = steps_for(count, batch, VAL_FRACTION, epochs=20)
    monitor, why = monitor_of(task, labels)
    add_training(draft, batch=batch, steps=steps, every=every, monitor=monitor, why=why)
    return draft


def add_framing(draft: Draft, wavs: list[Path]) -> None:
    rate, longest = headers(wavs)
    if rate is None:
        draft.unsure.append(f"no PCM header read: data.sample_rate {DEFAULT_RATE} assumed")
    why = "the recordings' own rate" if rate else "set it to the recordings' rate"
    draft.add("data", "sample_rate", rate or DEFAULT_RATE, why)
    draft.add("data", "mels", 40, "mel bands per 10 ms frame: the features the stack reads")
    if longest > MAX_SECONDS:
        draft.add("data", "max_seconds", float(int(longest) + 1), "the longest recording read")


def monitor_of(task: str, labels: Labelling) -> tuple[str, str]:
    if task == "transcriber":
        return "cer", "character errors per reference character picks best.pt"
    counts = Counter(labels.labels)
    unbalanced = max(counts.values()) / len(labels.labels) >= UNBALANCED
    return ("macro_f1" if unbalanced else "accuracy"), ""


MAPPINGS = {"classifier": "many_to_one", "transcriber": "many_to_many"}
DATA_KEYS = {
    "classifier": (),
    "transcriber": (("label_type", "sequence", "a transcript per recording, a label a character"),),
}
MODEL_KEYS = {
    "classifier": lambda draft: draft.add("model", "pooling", "mean", "every frame votes"),
    "transcriber": lambda draft: draft.add(
        "model", "subsample", 2, "two frames a step: cheaper, still steps to spare per label"
    ),
}
