"""A folder read as one .txt file per class (a classifier) or one .csv file per series."""

from __future__ import annotations

from pathlib import Path

from seqcli.data.series_folder import series_files
from seqcli.errors import DataError
from seqcli.scaffold.audio import guess_audio, has_recordings
from seqcli.scaffold.draft import Draft, choose
from seqcli.scaffold.labelled import UNBALANCED, VAL_FRACTION
from seqcli.scaffold.sample import SAMPLE_BYTES, read_sample
from seqcli.scaffold.series import series_folder_options
from seqcli.scaffold.sizes import add_model, add_training, batch_size, steps_for
from seqcli.scaffold.source import Source
from seqcli.scaffold.text import add_tokens

CLASS_SUFFIX = ".txt"  # the folder format's class files (seqcli/data/labelled.py)


def guess_folder(source: Source, task: str | None) -> Draft:
    if has_recordings(source.path):
        return guess_audio(source, task)
    entries = sorted(p for p in source.path.iterdir() if not p.name.startswith("."))
    classes = [p for p in entries if p.is_file() and p.suffix == CLASS_SUFFIX]
    series = [p for p in entries if p.is_file() and p.suffix.lower() == ".csv"]
    if len(classes) >= 2:
        options = {"classifier": lambda: class_files_draft(source, classes, entries)}
        return choose(options, task, source.path, "a folder of class files")
    if series:  # the files training would read, or its refusal naming another file
        options = series_folder_options(source, series_files(source.path))
        return choose(options, task, source.path, "a folder of series files")
    raise DataError(f"{source.path}: {folder_problem(entries, classes)}")


def folder_problem(entries: list[Path], classes: list[Path]) -> str:
    folders = [p.name for p in entries if p.is_dir()]
    if folders:
        return (
            f"class subfolders ({', '.join(folders[:3])}, ...) are not read: data.format folder "
            "reads one .txt file per class, one example per line; join each subfolder's texts "
            "into <class>.txt"
        )
    if classes:
        return f"only one class file ({classes[0].name}); a classifier needs two or more"
    return "no .txt class files, .csv series files or .wav recordings in this folder"


def class_files_draft(source: Source, classes: list[Path], entries: list[Path]) -> Draft:
    # The sample is shared among the classes, so a folder of many files reads as much as one.
    limit = max(SAMPLE_BYTES // len(classes), 1 << 14)
    samples = {path.stem: read_sample(path, limit) for path in classes}
    lines = {name: [ln for ln in s.lines if ln.strip()] for name, s in samples.items()}
    counts = {name: samples[name].estimate(len(found)) for name, found in lines.items()}
    count = sum(counts.values())
    about = "" if all(sample.complete for sample in samples.values()) else "about "
    found = (
        f"{source.path.name}/: {len(classes)} class files, {about}{count:,} lines "
        f"(one example each), largest {max(counts, key=counts.get)}"
    )
    draft = Draft("classifier", "many_to_one", found=found)
    draft.add("data", "format", "folder", "one .txt file per class, its name the label")
    draft.add("data", "path", source.written, source.path_why)
    texts = [line for found in lines.values() for line in found[:2000]]
    add_tokens(draft, texts, count, lowercase=False)
    draft.add("data", "val_fraction", VAL_FRACTION, "stratified: each class in proportion")
    for path in entries:
        if path not in classes:
            draft.ignored.append(f"{path.name} (not a .txt class file)")
    add_model(draft, count, unit="examples")
    draft.add("model", "direction", "bi", "beginnings and endings both carry the class")
    draft.add("model", "dropout", 0.1, "regularise the embeddings and the head")
    draft.add("model", "pooling", "mean", "every step votes, not only the last state")
    batch = batch_size(count)
    steps, every = steps_for(count, batch, VAL_FRACTION, epochs=10)
    unbalanced = max(counts.values()) / max(count, 1) >= UNBALANCED
    monitor = "macro_f1" if unbalanced else "accuracy"
    add_training(draft, batch=batch, steps=steps, every=every, monitor=monitor)
    return draft
