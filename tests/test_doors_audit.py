"""The doors, proved: every command runs in-process on shipped recipes under a Python audit
hook (sys.addaudithook), which sees every open, rename, removal and new folder. A file
written, renamed or removed that no write door vetted (seqcli.recipe.outputs.VETTED), or a
file the user named read without open_input (seqcli.recipe.inputs.VETTED_READS), fails the
test; so does a bypass added on purpose."""

from __future__ import annotations

import json
import os
import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.recipe.inputs import VETTED_READS
from seqcli.recipe.outputs import HANDED, VETTED
from tests.conftest import BRIEF, ROOT

WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
CHANGES = {  # audit event -> the positions of the paths it changes
    "os.rename": (0, 1),  # os.rename and os.replace
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.link": (0, 1),
    "os.symlink": (1,),
    "os.truncate": (0,),
    "shutil.rmtree": (0,),
    "os.mkdir": (0,),
}


@dataclass
class Audit:
    """What the hook saw under the watched folders while a command ran."""

    watched: tuple[str, ...]  # folders whose every write is checked: the user's, the repo's
    named: tuple[str, ...]  # folders of files a user names: recipes, data, inputs
    unvetted: list[str] = field(default_factory=list)
    removing_tree: bool = False  # a vetted rmtree is removing its files by descriptor

    def saw(self, event: str, args: tuple) -> None:
        if event == "open":
            self._opened(args)
        elif event in CHANGES:
            self._changed(event, args)

    def _opened(self, args: tuple) -> None:
        path, mode, flags = args
        if not isinstance(path, str | bytes | os.PathLike):
            return  # a descriptor: its open was seen
        path = os.path.abspath(os.fsdecode(path))
        writing = (flags or 0) & WRITES or (isinstance(mode, str) and set(mode) & set("wax+"))
        if writing and self._within(path, self.watched) and not self._vetted("open", path):
            self.unvetted.append(f"write {path}")
        elif not writing and self._within(path, self.named) and not self._read_vetted(path):
            self.unvetted.append(f"read {path}")

    def _changed(self, event: str, args: tuple) -> None:
        if event in ("os.remove", "os.rmdir") and args[-1] is not None and self.removing_tree:
            return  # shutil.rmtree's removals by descriptor, inside a vetted tree
        for position in CHANGES[event]:
            if not isinstance(args[position], str | bytes | os.PathLike):
                continue  # a descriptor: what it names was opened and seen
            path = os.path.abspath(os.fsdecode(args[position]))
            if self._within(path, self.watched) and not self._vetted(event, path):
                self.unvetted.append(f"{event} {path}")
        if event == "shutil.rmtree":
            self.removing_tree = os.path.abspath(args[0]) in VETTED

    @staticmethod
    def _vetted(event: str, path: str) -> bool:
        # Path.mkdir(parents=True) makes the folders above a vetted one first
        parent = event == "os.mkdir" and any(v.startswith(path + os.sep) for v in VETTED)
        return path in VETTED or parent or os.path.dirname(path) in HANDED

    @staticmethod
    def _read_vetted(path: str) -> bool:
        # a folder is opened to fsync it after a rename, not to read a user's file
        return path in VETTED_READS or os.path.isdir(path)

    @staticmethod
    def _within(path: str, folders: tuple[str, ...]) -> bool:
        return any(path == f or path.startswith(f + os.sep) for f in folders)


RUNNING: list[Audit] = []  # the audit of the command now running, if any


def _hook(event: str, args: tuple) -> None:
    if RUNNING:
        RUNNING[-1].saw(event, args)


sys.addaudithook(_hook)  # once per process: an audit hook cannot be removed


@contextmanager
def audited(watched: Path, named: tuple[Path, ...]):
    cache = os.environ["SEQCLI_CACHE"]  # the token cache: seqcli's files too
    audit = Audit((str(watched), str(ROOT), cache), tuple(str(path) for path in named))
    for vetted in (VETTED, VETTED_READS, HANDED):
        vetted.clear()
    RUNNING.append(audit)
    try:
        yield audit
    finally:
        RUNNING.pop()


@pytest.fixture
def user(tmp_path: Path) -> Path:
    """A user's folder with a recipe and its data copied in, as from the shipped ones."""
    (tmp_path / "inputs").mkdir()
    return tmp_path


def run(user: Path, *args) -> str:
    """One command under the audit; its output. It must succeed and pass only the doors."""
    named = (ROOT / "samples", ROOT / "recipes", user / "inputs")
    with audited(user, named) as audit:
        result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    assert not audit.unvetted, f"{args[0]} went around the doors: {audit.unvetted}"
    return result.output


def brief(*extra: str) -> list[str]:
    return [part for item in (*BRIEF, *extra) for part in ("--set", item)]


def recipe(name: str) -> Path:
    return ROOT / "recipes" / f"{name}.yaml"


def test_training_and_reading_a_language_model_pass_only_through_the_doors(user, full_run):
    lm, out = user / "runs" / "lm", user / "out"
    out.mkdir()
    run(user, "train", recipe("char-lm"), "--out", lm, "--quiet", *brief())
    replace = ["--out", lm, "--quiet", "--overwrite", "--diagnose"]
    run(user, "train", recipe("char-lm"), *replace, *brief())
    run(user, "train", "--resume", lm, "--quiet", "--steps", "4")
    if full_run:  # importing TensorBoard takes seconds; the inner loop leaves it out
        board = ["--set", "train.loggers=[jsonl, csv, tensorboard]", "--quiet"]
        run(user, "train", recipe("char-lm"), "--out", user / "runs" / "board", *board, *brief())
    run(user, "generate", lm, "--length", "12")
    run(user, "evaluate", lm)
    run(user, "plot", lm, "--out", out / "curves.png")
    run(user, "gates", lm, "--text", "to be", "--plot", out / "gates.png")
    run(user, "export", lm, "--format", "torchscript", "--out", out / "lm.pt")
    run(user, "export", lm, "--format", "safetensors", "--out", out / "lm")
    run(user, "export", lm, "--format", "safetensors", "--out", out / "lm", "--overwrite")


def test_the_other_tasks_commands_pass_only_through_the_doors(user, full_run):
    runs, out = user / "runs", user / "out"
    out.mkdir()
    spam = runs / "spam"
    run(user, "train", recipe("sms-spam"), "--out", spam, "--quiet", *brief())
    (user / "inputs" / "lines.txt").write_text("win a prize now\nsee you at six\n")
    run(user, "predict", spam, "--file", user / "inputs" / "lines.txt")
    digits = runs / "digits"
    run(user, "train", recipe("reverse-digits"), "--out", digits, "--quiet", *brief())
    run(user, "generate", digits, "--input", "1 2 3", "--attention", out / "attention.json")
    air = runs / "air"
    run(user, "train", recipe("airline"), "--out", air, "--quiet", *brief("train.steps=2"))
    run(user, "generate", air, "--plot", out / "forecast.png", "--output", out / "forecast.csv")
    run(user, "inspect", spam)
    run(user, "recipe", "show", recipe("sms-spam"))
    if full_run:  # a Hopfield network's capacity PNG goes into its run folder
        hopfield = runs / "hopfield"
        run(user, "train", recipe("hopfield-letters"), "--out", hopfield, "--quiet")
        run(user, "evaluate", hopfield, "--capacity", "8")


def test_cross_validation_compare_cells_and_init_pass_only_through_the_doors(user):
    folds = ["--folds", "2", "--out", user / "cv", "--quiet"]
    run(user, "train", recipe("sms-spam"), *folds, *brief())
    small = ("data.length=5", "data.val_examples=16", "data.test_examples=16")
    cells = ["--cells", "rnn", "--steps", "2", "--out", user / "cells"]
    run(user, "compare-cells", recipe("adding-200"), *cells, *brief(*small))
    data = user / "inputs" / "sms.tsv"
    shutil.copy(ROOT / "samples" / "sms_spam" / "sms.tsv", data)
    run(user, "init", data, "--out", user / "inputs" / "sms.yaml")


def test_a_writer_that_goes_around_the_door_fails_the_audit(user, monkeypatch):
    from seqcli.runs.runfolder import RunFolder

    def around(self, name: str, data: dict) -> None:
        (self.live / name).write_text(json.dumps(data), encoding="utf-8")

    monkeypatch.setattr(RunFolder, "write_json", around)
    with pytest.raises(AssertionError, match=r"went around the doors: .*'write .*summary.json"):
        run(user, "train", recipe("char-lm"), "--out", user / "lm", "--quiet", *brief())


def test_a_reader_that_goes_around_open_input_fails_the_audit(user, monkeypatch):
    import seqcli.recipe.load as load

    monkeypatch.setattr(load, "read_input", lambda path, kind: Path(path).read_text())
    with pytest.raises(AssertionError, match=r"went around the doors: .*'read .*char-lm.yaml"):
        run(user, "train", recipe("char-lm"), "--out", user / "lm", "--quiet", *brief())


def test_report_of_a_run_and_of_a_tune_study_pass_only_through_the_doors(user):
    lm, out = user / "runs" / "lm", user / "out"
    out.mkdir()
    run(user, "train", recipe("char-lm"), "--out", lm, "--quiet", *brief())
    (user / "inputs" / "text.txt").write_text("to be\n", encoding="utf-8")
    run(user, "report", lm, "--file", user / "inputs" / "text.txt", "--out", out / "lm.html")
    run(user, "report", lm, "--text", "to be", "--out", out / "lm.html")  # its own page, replaced
    study = user / "study"
    search = ["--trials", "2", "--param", "train.lr=float(1e-3,1e-2)", "--out", study]
    run(user, "tune", recipe("sms-spam"), *search, *brief())
    run(user, "tune", "--show", study)
    run(user, "report", study, "--out", out / "study.html")


def test_an_audio_recipe_passes_only_through_the_doors(user):
    digits, out = user / "runs" / "digits", user / "out"
    out.mkdir()
    recordings = ROOT / "samples" / "fsdd" / "recordings"
    path = f"data.path={recordings}"
    run(user, "train", recipe("spoken-digit"), "--out", digits, "--quiet", *brief(path))
    run(user, "evaluate", digits)
    run(user, "predict", digits, "--file", recordings / "7_jackson_0.wav")
    run(user, "report", digits, "--out", out / "digits.html")
    run(user, "init", recordings, "--out", user / "inputs" / "digits.yaml")


def test_a_recording_read_around_open_input_fails_the_audit(user, monkeypatch):
    import seqcli.data.audio as audio

    monkeypatch.setattr(audio, "open_input", lambda path, kind: open(path, "rb"))
    path = f"data.path={ROOT / 'samples' / 'fsdd' / 'recordings'}"
    with pytest.raises(AssertionError, match=r"went around the doors: .*'read .*\.wav"):
        run(user, "train", recipe("spoken-digit"), "--out", user / "d", "--quiet", *brief(path))
