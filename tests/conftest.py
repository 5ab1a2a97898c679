"""Shared fixtures: a private token cache, a tiny corpus and a tiny recipe per test."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest
import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "shakespeare" / "input.txt"


def pytest_addoption(parser):
    parser.addoption("--all", action="store_true", help="run slow tests in full (so does CI=true)")


@pytest.fixture(scope="session")
def full_run(request) -> bool:
    """make test-all and CI run the slow sweeps in full; the inner loop runs a short cut."""
    return request.config.getoption("--all") or os.environ.get("CI") == "true"


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    """Tiny models gain nothing from threads, and idle OpenMP workers spin on shared cores."""
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SEQCLI_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


# One shipped recipe per task (and the overrides that make it that task).
SHIPPED = {
    "language_model": "char-lm",
    "classifier": "sms-spam",
    "regressor": "number-words",
    "tagger": "pos-tagging",
    "translator": "reverse-digits",
    "conditioned_text": "names-generate",
    "conditioned_values": "sine",
    "direct_forecaster": "airline mapping=many_to_one",
    "autoregressive_forecaster": "sunspots",
    "adding": "adding-200",
    "copy": "copy-100",
    "music": "jsb",
    "hopfield": "hopfield-letters",
    "array_classifier": "waves",
    "array_tagger": "wave-segments",
    "array_regressor": "wave-periods",
    "audio_classifier": "spoken-digit data.path=../samples/fsdd/recordings",
    "transcriber": "spoken-digit-strings data.path=../samples/fsdd/recordings "
    "data.compose.utterances=40",
}


def shipped_recipe(task: str, *overrides: str):
    """The shipped recipe of a task, validated, with --set style overrides applied."""
    from seqcli.recipe import load_recipe

    name, *shipped = SHIPPED[task].split()
    return load_recipe(ROOT / "recipes" / f"{name}.yaml", [*shipped, *overrides])


# A few steps of a tiny model: enough to show a task, a cell or a form runs end to end.
BRIEF = (
    "model.hidden_size=6",
    "model.embedding_size=4",
    "model.forget_bias=null",
    "train.epochs=null",
    "train.steps=2",
    "train.eval_every=2",
    "train.eval_batches=1",
)
# A task whose shipped data is long on purpose, shortened: copy-100's 120 steps a sequence and
# 500 validation examples took seconds a cell stepped in Python, and show nothing more.
BRIEF_DATA = {
    "copy": ("data.length=5", "data.val_examples=16", "data.test_examples=16"),
}


def train_briefly(task: str, out: Path, *overrides: str, device: str = "cpu"):
    """The task's shipped recipe, shrunk by BRIEF (and BRIEF_DATA) and overrides, trained into
    out on device:
    the trainer (for its run) and its events."""
    from seqcli.engine.start import fresh_training
    from seqcli.tasks import TASKS

    recipe = shipped_recipe(task, *BRIEF, *BRIEF_DATA.get(task, ()), *overrides)
    trainer = fresh_training(recipe, TASKS[task], device=torch.device(device), out=out)
    try:
        return trainer, list(trainer)
    finally:
        trainer.folder.release()


def write_corpus(path: Path) -> Path:
    """About 20k characters of the Shakespeare sample: enough to learn, quick to read."""
    path.write_text(SAMPLE.read_text(encoding="utf-8")[:20000], encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_corpus(tmp_path / "corpus.txt")


def tiny_recipe(corpus: Path, **sections) -> dict:
    recipe = {
        "name": "tiny",
        "seed": 7,
        "data": {"path": str(corpus), "val_fraction": 0.1},
        "model": {"cell": "lstm", "layers": 1, "hidden_size": 32, "embedding_size": 16},
        "train": {"batch_size": 4, "seq_len": 16, "steps": 30, "eval_every": 10, "lr": 0.01},
        "generate": {"sample_length": 20, "prime": "A"},
    }
    return for_its_task(merge_sections(recipe, sections))


def for_its_task(recipe: dict) -> dict:
    """The recipe without the train keys (a language model's seq_len) its task does not read:
    tests turn the tiny language model into other tasks by changing its data and mapping."""
    from seqcli.recipe.schema import TRAIN_OPTIONS
    from seqcli.recipe.task_choice import task_of

    data = recipe["data"] if isinstance(recipe.get("data"), dict) else {}
    try:
        spec = task_of(
            recipe.get("mapping", "many_to_many"),
            data.get("format", "text"),
            data.get("label_type", "category"),
        )
    except ValueError:
        return recipe  # a test of a mapping or format that names no task
    train = recipe.get("train", {})
    unread = [key for key in TRAIN_OPTIONS if key not in spec.train_options]
    recipe["train"] = {k: v for k, v in train.items() if k not in unread or v is None}
    return recipe


def merge_sections(recipe: dict, sections: dict) -> dict:
    """Merge each section's keys into the recipe (a non-dict value replaces the key)."""
    for section, values in sections.items():
        if isinstance(values, dict):
            recipe[section] = {**recipe.get(section, {}), **values}
        else:
            recipe[section] = values
    return recipe


@pytest.fixture
def write_recipe(tmp_path, corpus):
    """Write a tiny recipe (with section overrides) and return its path."""

    def write(**sections) -> Path:
        path = tmp_path / "recipe.yaml"
        path.write_text(yaml.safe_dump(tiny_recipe(corpus, **sections)), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory) -> Path:
    """A tiny run trained for 20 steps once per session; tests read it and never change it."""
    from seqcli.engine.start import fresh_training
    from seqcli.recipe import validate_recipe
    from seqcli.tasks import task_for

    folder = tmp_path_factory.mktemp("trained")
    corpus = write_corpus(folder / "corpus.txt")
    recipe = validate_recipe(tiny_recipe(corpus, train={"steps": 20}), source="trained_run")
    # The autouse cache fixture is per test; a session fixture needs the same cache by hand.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEQCLI_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
        trainer = fresh_training(
            recipe, task_for(recipe), device=torch.device("cpu"), out=folder / "run"
        )
        try:
            for _ in trainer:
                pass
        finally:
            trainer.folder.release()
    return folder / "run"


# A small disk to fill: a tmpfs, which only root may mount; tests that need one skip otherwise.


def small_disk(folder: Path, size: str = "2m") -> Path:
    """Mount a tmpfs of `size` at folder and return it; skip the test where that fails."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs (for a full disk) needs root")
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]
    done = subprocess.run(mount, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    return folder


def unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(disk: Path) -> None:
    """Take every free byte of the disk: the next write that needs a new block fails."""
    with open(disk / ".filler", "ab", buffering=0) as handle:
        for size in (1 << 16, 1 << 12, 1):
            try:
                while True:
                    handle.write(bytes(size))
            except OSError as err:
                if err.errno != errno.ENOSPC:
                    raise
