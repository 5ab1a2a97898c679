"""A NumPy .npz of sequences read as a classifier, regressor or tagger of arrays."""

from __future__ import annotations

import zipfile
from functools import partial

import numpy as np

from seqcli.data.npz import check_npz
from seqcli.errors import DataError
from seqcli.recipe.inputs import DATA, open_input
from seqcli.scaffold.draft import Draft, Option, choose
from seqcli.scaffold.sizes import add_model, add_training, batch_size, steps_for
from seqcli.scaffold.source import Source

READ = ("x", "y", "lengths")  # the arrays format's keys (seqcli/data/arrays.py)
FEW_VALUES = 20  # whole-number labels with at most this many values read as classes


def guess_arrays(source: Source, task: str | None) -> Draft:
    shapes, y = npz_contents(source)
    if "x" not in shapes or len(shapes["x"]) != 3 or y is None:
        raise DataError(
            f"{source.path}: the arrays format needs x (N, T, F) and y (N,) or (N, T); found "
            + (", ".join(f"{k} {v}" for k, v in shapes.items()) or "no arrays")
        )
    per_step = y.ndim == 2
    classes = per_step or not np.issubdtype(y.dtype, np.number) or few_whole_numbers(y)
    build = partial(arrays_draft, source, shapes, y)
    options: dict[str, Option] = {}
    if per_step:
        options["tagger"] = partial(build, "tagger")
    else:
        kinds = ("classifier", "regressor") if classes else ("regressor", "classifier")
        numeric = np.issubdtype(y.dtype, np.number)
        options.update({k: partial(build, k) for k in kinds if numeric or k == "classifier"})
    return choose(options, task, source.path, describe(shapes, y))


def npz_contents(source: Source) -> tuple[dict[str, tuple], np.ndarray | None]:
    """Each array's shape (read from its header, not its data) and y itself; the file goes
    through the read door and the zip-bomb check first, as for training."""
    try:
        with open_input(source.path, DATA) as handle:
            check_npz(handle, source.path)
            with zipfile.ZipFile(handle) as archive:
                shapes = {
                    name.removesuffix(".npy"): header_shape(archive, name)
                    for name in archive.namelist()
                }
            handle.seek(0)
            with np.load(handle, allow_pickle=False) as arrays:
                y = arrays["y"] if "y" in arrays.files else None
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise DataError(f"{source.path}: not a readable .npz ({err})") from None
    return shapes, y


def header_shape(archive: zipfile.ZipFile, name: str) -> tuple:
    with archive.open(name) as handle:
        version = np.lib.format.read_magic(handle)
        reader = {(1, 0): np.lib.format.read_array_header_1_0}
        shape, _, _ = reader.get(version, np.lib.format.read_array_header_2_0)(handle)
    return shape


def few_whole_numbers(y: np.ndarray) -> bool:
    values = np.unique(y)
    return bool(np.all(np.mod(values, 1) == 0)) and len(values) <= FEW_VALUES


def describe(shapes: dict, y: np.ndarray) -> str:
    x = shapes["x"]
    return f"x {x} (sequences, steps, features) and y {y.shape} {y.dtype}"


TASKS = {  # init's task -> (mapping, what y is read as, label_type)
    "classifier": ("many_to_one", "a class per sequence", "category"),
    "regressor": ("many_to_one", "a number per sequence", "number"),
    "tagger": ("many_to_many", "a class per step", "category"),
}


def arrays_draft(source: Source, shapes: dict, y: np.ndarray, task: str) -> Draft:
    mapping, read_as, label_type = TASKS[task]
    count = shapes["x"][0]
    found = f"{source.path.name}: {describe(shapes, y)}; y read as {read_as}"
    draft = Draft(task, mapping, found=found)
    draft.add("data", "format", "arrays", "x (N, T, F) numbers with labels y")
    draft.add("data", "path", source.written, source.path_why)
    if label_type == "number":
        draft.add("data", "label_type", "number", "y holds values to predict: a regressor")
    draft.add("data", "scaling", "standard", "per feature, fitted on the training split only")
    draft.add("data", "val_fraction", 0.2, VAL_WHY[label_type])
    for name in shapes:
        if name not in READ:
            draft.ignored.append(f"{name} {shapes[name]} (the arrays format reads x, y, lengths)")
    if "lengths" not in shapes:
        draft.unsure.append("no lengths array: every sequence is read to its full length")
    add_model(draft, count, unit="sequences", embedding=False)
    draft.add("model", "direction", "bi", "a step's meaning shows from both sides")
    if task != "tagger":
        draft.add("model", "pooling", "mean", "every step votes")
    batch = batch_size(count)
    steps, every = steps_for(count, batch, 0.2, epochs=20)
    monitor = "mae" if label_type == "number" else "accuracy"
    why = "in y's units" if label_type == "number" else "share of labels right"
    add_training(draft, batch=batch, steps=steps, every=every, monitor=monitor, why=why)
    return draft


VAL_WHY = {
    "category": "stratified: a fifth of each class picks best.pt",
    "number": "a seeded shuffle: a fifth picks best.pt",
}
