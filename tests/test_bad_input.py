"""Bad input, through the CLI: one line starting "error:" that names the culprit, exit code 2.

The catalogue is one table. Each case is (id, setup, args, expected): `setup(tmp, run)` writes
what the case needs into the test's folder (also the working directory), `args` is the command
line, where `{run}` stands for a tiny trained run, and `expected` is a substring of the error.
Property tests then feed random recipes and random bytes to the validators underneath.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import random
import shlex
import shutil
import struct
import sys
import traceback
import warnings
import zipfile
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.data.corpus import load_corpus
from seqcli.engine import memory
from seqcli.errors import SeqcliError
from seqcli.recipe import (
    GenerateConfig,
    ModelConfig,
    Recipe,
    TextData,
    TrainConfig,
    validate_recipe,
)
from seqcli.runs.runfolder import RUN_FILES
from tests.conftest import fill, shipped_recipe, small_disk, tiny_recipe, unmount, write_corpus
from tests.npz_files import bomb, forged

MARKER = "MARKER"  # a crafted checkpoint tries to create this file; nothing may ever create it


class RunsCode:
    """Unpickling this runs a shell command: the attack that loading with weights_only stops."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


# What a case leaves behind is checked too: files it must not change (a run it may not replace,
# a link's target), and what to undo after it (a mounted disk, an environment variable).
# Setups fill these; every case starts with both empty.
KEEP: dict[Path, bytes] = {}
UNDO: list = []


def keep(path: Path) -> None:
    KEEP[path] = path.read_bytes()


def undo_all() -> None:
    while UNDO:
        UNDO.pop()()
    KEEP.clear()


# Setups: each takes the test's folder and the trained run, and writes what one case needs.


def nothing(tmp: Path, run: Path) -> None:
    pass


def recipe(**sections):
    """The tiny recipe as recipe.yaml, sections overridden, reading corpus.txt beside it."""

    def setup(tmp: Path, run: Path) -> None:
        corpus = tmp / "corpus.txt"
        if not corpus.exists():
            write_corpus(corpus)
        text = yaml.safe_dump(tiny_recipe(corpus, **sections), allow_unicode=True)
        (tmp / "recipe.yaml").write_text(text, encoding="utf-8")

    return setup


def corpus_of(data: bytes, **sections):
    """The tiny recipe over a corpus of exactly these bytes."""

    def setup(tmp: Path, run: Path) -> None:
        (tmp / "corpus.txt").write_bytes(data)
        recipe(**sections)(tmp, run)

    return setup


def file(name: str, content: str | bytes):
    def setup(tmp: Path, run: Path) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(data)

    return setup


def folder(name: str):
    def setup(tmp: Path, run: Path) -> None:
        (tmp / name).mkdir()

    return setup


def both(*setups):
    def setup(tmp: Path, run: Path) -> None:
        for each in setups:
            each(tmp, run)

    return setup


def copy_of_run(name: str):
    """A copy of the trained run that the command must leave as it was."""

    def setup(tmp: Path, run: Path) -> None:
        shutil.copytree(run, tmp / name)
        for path in (tmp / name).iterdir():
            if path.name in RUN_FILES:
                keep(path)

    return setup


def link(name: str, target: str):
    """name: a symbolic link to target, a file of the user's that must stay as it is."""

    def setup(tmp: Path, run: Path) -> None:
        victim = tmp / target
        if not victim.exists():
            victim.write_text("a file of the user's\n", encoding="utf-8")
        keep(victim)
        (tmp / name).unlink(missing_ok=True)
        (tmp / name).symlink_to(victim)

    return setup


def env(name: str, value: str):
    """The environment variable name set to the path value in the test's folder."""

    def setup(tmp: Path, run: Path) -> None:
        UNDO.append(partial(restore_env, name, os.environ.get(name)))
        os.environ[name] = str(tmp / value)

    return setup


def variable(name: str, value: str):
    """The environment variable name set to value as given (not a path)."""

    def setup(tmp: Path, run: Path) -> None:
        UNDO.append(partial(restore_env, name, os.environ.get(name)))
        os.environ[name] = value

    return setup


def without(module: str, *setups):
    """As if the optional package module were not installed (an extra left out)."""

    def setup(tmp: Path, run: Path) -> None:
        UNDO.append(partial(restore_module, module, sys.modules.get(module)))
        sys.modules[module] = None  # importing it now raises ImportError
        both(*setups)(tmp, run)

    return setup


def restore_module(name: str, module) -> None:
    if module is None:
        sys.modules.pop(name, None)
    else:
        sys.modules[name] = module


def restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def on_full_disk(*setups):
    """full/: a small disk holding what setups write into it, then filled to the last byte."""

    def setup(tmp: Path, run: Path) -> None:
        disk = small_disk(tmp / "full")
        UNDO.append(lambda: unmount(disk))
        for each in setups:
            each(disk, run)
        fill(disk)

    return setup


def checkpoint_bytes(change):
    """ckpt.pt: the trained run's best.pt with its bytes changed by change(data)."""

    def setup(tmp: Path, run: Path) -> None:
        (tmp / "ckpt.pt").write_bytes(change((run / "best.pt").read_bytes()))

    return setup


def checkpoint_payload(change):
    """ckpt.pt: the trained run's best.pt re-saved with its payload changed by change(payload)."""

    def setup(tmp: Path, run: Path) -> None:
        payload = torch.load(run / "best.pt", weights_only=True)
        torch.save(change(payload, tmp), tmp / "ckpt.pt")

    return setup


def resize_stored_model(payload: dict, tmp: Path) -> dict:
    recipe = payload["recipe"]
    return {**payload, "recipe": {**recipe, "model": {**recipe["model"], "hidden_size": 8}}}


def stored_meta(**fields):
    return lambda payload, tmp: {**payload, "meta": {**payload["meta"], **fields}}


def last_checkpoint(change):
    """held/: a tiny run whose last.pt is re-saved with its payload changed by change(payload)."""

    def setup(tmp: Path, run: Path) -> None:
        held_run()(tmp, run)
        payload = torch.load(tmp / "held" / "last.pt", weights_only=True)
        torch.save(change(payload), tmp / "held" / "last.pt")

    return setup


def without_optimizer(payload: dict) -> dict:
    training = {key: value for key, value in payload["training"].items() if key != "optimizer"}
    return {**payload, "training": training}


def moment_of_another_shape(payload: dict) -> dict:
    optimizer = payload["training"]["optimizer"]
    moments = {**optimizer["state"][0], "exp_avg": torch.zeros(3)}
    optimizer = {**optimizer, "state": {**optimizer["state"], 0: moments}}
    return {**payload, "training": {**payload["training"], "optimizer": optimizer}}


def free_memory(amount: int):
    """The machine has only amount bytes free, as far as the estimate can tell."""

    def setup(tmp: Path, run: Path) -> None:
        previous = memory.AVAILABLE["cpu"]
        UNDO.append(partial(memory.AVAILABLE.__setitem__, "cpu", previous))
        memory.AVAILABLE["cpu"] = lambda device: amount

    return setup


def pickled_attack(protocol: int):
    """ckpt.pt: a bare pickle, no torch zip around it, of an object that runs a command."""

    def setup(tmp: Path, run: Path) -> None:
        (tmp / "ckpt.pt").write_bytes(pickle.dumps(RunsCode(tmp / MARKER), protocol=protocol))

    return setup


def run_of(task: str, *overrides: str):
    """A run of another task's shipped recipe (--set style overrides applied) in the folder
    `task`, trained for one step."""

    def setup(tmp: Path, run: Path) -> None:
        from seqcli.engine.start import fresh_training
        from seqcli.tasks import TASKS

        small = ("model.hidden_size=4", "train.epochs=null", "train.steps=1", "train.eval_every=1")
        recipe = shipped_recipe(task, *small, *overrides)
        trainer = fresh_training(recipe, TASKS[task], device=torch.device("cpu"), out=tmp / task)
        try:
            for _ in trainer:
                pass
        finally:
            trainer.folder.release()

    return setup


def npz(name: str, **arrays):
    """An .npz of these arrays (lists become arrays; a dict becomes an object array)."""

    def setup(tmp: Path, run: Path) -> None:
        import numpy as np

        values = {
            k: np.asarray(v, dtype=object if isinstance(v, dict) else None)
            for k, v in arrays.items()
        }
        np.savez(tmp / name, **values)

    return setup


def arrays(name: str = "a.npz", mapping: str = "many_to_one", **data):
    """The tiny recipe reading an arrays file."""
    return recipe(mapping=mapping, data={"format": "arrays", "path": name, **data})


def wav(name: str, *, seconds: float = 0.2, rate: int = 8000):
    """A 16-bit mono PCM .wav of a quiet tone."""

    def setup(tmp: Path, run: Path) -> None:
        import wave

        import numpy as np

        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        tone = 0.3 * np.sin(np.arange(int(seconds * rate)) / 3) * 32767
        with wave.open(str(tmp / name), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(tone.astype("<i2").tobytes())

    return setup


def forged_wav(name: str, *, declared: int):
    """A real 0.2 s recording whose RIFF header claims `declared` bytes of samples."""

    def setup(tmp: Path, run: Path) -> None:
        wav(name)(tmp, run)
        data = bytearray((tmp / name).read_bytes())
        chunk = data.index(b"data")
        data[chunk + 4 : chunk + 8] = struct.pack("<I", declared)
        data[4:8] = struct.pack("<I", declared + 36)
        (tmp / name).write_bytes(bytes(data))

    return setup


def ctc(**data):
    """The tiny recipe transcribing d/'s recordings, each name's label its digits (CTC)."""
    data = {"format": "audio", "path": "d", "val_fraction": 0, **data}
    pattern = {"name_pattern": "{label}_{speaker}", "label_type": "sequence"}
    return recipe(mapping="many_to_many", data={**data, **pattern})


def audio(**data):
    """The tiny recipe reading the recordings in class subfolders of d/."""
    return recipe(
        mapping="many_to_one", data={"format": "audio", "path": "d", "val_fraction": 0, **data}
    )


# Four examples of three steps and two features, two classes.
X = [[[0.0, 1.0], [1.0, 2.0], [2.0, 0.5]]] * 4
Y = ["a", "b", "a", "b"]


TWO_GLYPHS = "##\n#.\n\n..\n.#\n"
MP3 = b"ID3\x04\x00" + bytes(60)  # an MP3's tag header, named .wav


def forecaster_recipe(**model):
    """recipe.yaml: a direct forecaster of s.csv (a short ramp) with these model keys."""
    rows = "".join(f"{i},{i % 5}\n" for i in range(40))
    return both(
        file("s.csv", "t,v\n" + rows),
        recipe(
            mapping="many_to_one",
            data={"format": "series", "path": "s.csv", "lookback": 2, "horizon": 1},
            model=model,
        ),
    )


RAMP = "t,v\n" + "".join(f"{i},{i % 5}\n" for i in range(40))


def folder_recipe(files: dict[str, str]):
    """recipe.yaml: a direct forecaster of the folder series/ holding these files."""

    def setup(tmp: Path, run: Path) -> None:
        (tmp / "series").mkdir()
        for name, text in files.items():
            (tmp / "series" / name).write_text(text, encoding="utf-8")
        raw = {
            "name": "folder",
            "mapping": "many_to_one",
            "data": {"format": "series", "path": "series", "lookback": 2, "horizon": 1},
        }
        (tmp / "recipe.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")

    return setup


def series_of(name: str, values: list[float], **model):
    """recipe.yaml: a direct forecaster of `name`, a monthly series of these values, with a
    season of 12 and these model keys."""
    rows = "".join(f"{i},{value}\n" for i, value in enumerate(values))
    data = {"format": "series", "path": name, "lookback": 24, "horizon": 3, "season": 12}
    return both(file(name, "t,v\n" + rows), recipe(mapping="many_to_one", data=data, model=model))


SEASONAL = [10 + 5 * ((i % 12) - 6) / 6 + i / 10 for i in range(120)]  # above zero throughout
WITH_ZEROS = [0.0 if i in (30, 31) else v for i, v in enumerate(SEASONAL)]
NEGATIVE = [v - 12 for v in SEASONAL]


def future_run(tmp: Path, run: Path) -> None:
    """fc/: a direct forecaster of v in s.csv with x known ahead (data.future_columns),
    trained two steps."""
    rows = "".join(f"{i},{i % 4},{2 * (i % 4) + 1}\n" for i in range(60))
    file("s.csv", "t,x,v\n" + rows)(tmp, run)
    data = {
        "format": "series",
        "path": "s.csv",
        "value_columns": ["v"],
        "future_columns": ["x"],
        "lookback": 4,
        "horizon": 3,
    }
    recipe(mapping="many_to_one", data=data, train={"steps": 2, "eval_every": 2})(tmp, run)
    result = CliRunner().invoke(app, ["train", "recipe.yaml", "--out", "fc", "--quiet"])
    assert result.exit_code == 0, result.output


def memory_recipe(data: str, *, data_format: str = "glyphs", name: str = "g.txt"):
    """recipe.yaml: a Hopfield network storing the patterns in `name`, which holds data."""

    def setup(tmp: Path, run: Path) -> None:
        (tmp / name).write_text(data, encoding="utf-8")
        raw = {
            "name": "memory",
            "mapping": "associative_memory",
            "data": {"format": data_format, "path": name},
        }
        (tmp / "recipe.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")

    return setup


def memory_run(tmp: Path, run: Path) -> None:
    """hop/: a Hopfield network storing two 2x2 glyphs."""
    memory_recipe(TWO_GLYPHS)(tmp, run)
    result = CliRunner().invoke(app, ["train", "recipe.yaml", "--out", "hop", "--quiet"])
    assert result.exit_code == 0, result.output


def fifo(name: str):
    """A named pipe: opening it to read would wait for a writer that never comes."""

    def setup(tmp: Path, run: Path) -> None:
        os.mkfifo(tmp / name)

    return setup


def symlink_loop(name: str):
    def setup(tmp: Path, run: Path) -> None:
        (tmp / name).symlink_to(name)

    return setup


def sparse(name: str, size: int):
    """A file of `size` bytes that takes no room on disk: the size alone must refuse it."""

    def setup(tmp: Path, run: Path) -> None:
        with (tmp / name).open("wb") as handle:
            handle.truncate(size)

    return setup


def pairs_zip(member_bytes: bytes, *, declared: int | None = None):
    """recipe.yaml: a translator reading p.zip, whose one member holds member_bytes; with
    `declared`, the central directory claims that many unpacked bytes instead."""

    def setup(tmp: Path, run: Path) -> None:
        with zipfile.ZipFile(tmp / "p.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("pairs.tsv", member_bytes)
        if declared is not None:
            data = bytearray((tmp / "p.zip").read_bytes())
            entry = data.index(b"PK\x01\x02")  # the central directory's record of the member
            data[entry + 24 : entry + 28] = struct.pack("<I", declared)
            (tmp / "p.zip").write_bytes(bytes(data))
        raw = {
            "name": "z",
            "mapping": "encoder_decoder",
            "data": {"format": "pairs", "path": "p.zip"},
        }
        (tmp / "recipe.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")

    return setup


def alias_bomb(levels: int = 5):
    """Ten aliases of ten aliases of ...: a few lines standing for 10**levels values."""
    lines = ["name: bomb", "data: {path: corpus.txt}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    return file("recipe.yaml", "\n".join(lines) + "\n")


def held_run(change=None):
    """held/: a tiny run of recipe.yaml on corpus.txt (both in the test's folder), trained
    two steps; then change(tmp) alters what the run reads."""

    def setup(tmp: Path, run: Path) -> None:
        recipe(train={"steps": 2, "eval_every": 1}, generate={"sample_length": 0})(tmp, run)
        args = ["train", "recipe.yaml", "--out", "held", "--quiet"]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        if change is not None:
            change(tmp)

    return setup


def corpus_became_a_fifo(tmp: Path) -> None:
    (tmp / "corpus.txt").unlink()
    os.mkfifo(tmp / "corpus.txt")


def corpus_edited(tmp: Path) -> None:
    with (tmp / "corpus.txt").open("a", encoding="utf-8") as handle:
        handle.write("And one line more.\n")


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def noise(data: bytes) -> bytes:
    return random.Random(0).randbytes(len(data))


def case(id: str, setup, args: str, expected: str, *, skip: str | None = None):
    marks = [pytest.mark.skip(reason=skip)] if skip else []
    return pytest.param(setup, args, expected, id=id, marks=marks)


NO_CUDA = "a CUDA device is available here" if torch.cuda.is_available() else None
TRAIN = "train recipe.yaml"
ROW = " ".join(["1"] * 16)  # a word vector as wide as the tiny recipe's embedding


def small_table(**sections):
    """A classifier's recipe over four examples, two per class."""
    rows = "spam\tfree\nham\thi\nspam\twin\nham\tyo\n"
    data = {"format": "table", "path": "d.tsv"}
    return both(file("d.tsv", rows), recipe(mapping="many_to_one", data=data, **sections))


def study_of_another_recipe(tmp: Path, run: Path) -> None:
    """A study folder whose study was started with another recipe or space."""
    import optuna

    (tmp / "study").mkdir()
    storage = f"sqlite:///{tmp / 'study' / 'study.db'}"
    optuna.create_study(study_name="study", storage=storage).set_user_attr("fingerprint", "0")


NO_PSYCOPG2 = None if importlib.util.find_spec("psycopg") else "psycopg is not installed"
NO_OPTUNA = None if importlib.util.find_spec("optuna") else "optuna is not installed"
TUNE = "tune recipe.yaml --trials 1 --param"
REFUSED = "postgresql://u@127.0.0.1:1/db"  # port 1: nothing listens, refused at once


# fmt: off
CASES = [
    # The recipe file itself.
    case("missing-recipe", nothing, "train nope.yaml", "nope.yaml: recipe file not found"),
    case("empty-recipe", file("recipe.yaml", "\n"), TRAIN, "recipe.yaml: recipe file is empty"),
    case("recipe-is-a-folder", folder("recipe.yaml"), TRAIN, "recipe.yaml: is a folder"),
    case(
        "recipe-not-utf8", file("recipe.yaml", b"name: \xff\n"), TRAIN,
        "recipe.yaml: not UTF-8 at byte offset 6 (byte 0xff)",
    ),
    case(
        "yaml-syntax-error", file("recipe.yaml", "name: x\nmodel: [unclosed\n"), TRAIN,
        "recipe.yaml: YAML syntax error at line 3, column 1",
    ),
    case(
        "recipe-not-a-mapping", file("recipe.yaml", "- a\n- b\n"), TRAIN,
        "recipe.yaml: a recipe is a mapping of keys, got list",
    ),
    case(
        "recipe-not-a-mapping-with-set", file("recipe.yaml", "- a\n"),
        "train recipe.yaml --set model.layers=2", "recipe.yaml: a recipe is a mapping of keys",
    ),
    # Values in the recipe.
    case(
        "unknown-key", recipe(model={"hiden_size": 8}), TRAIN,
        "recipe.yaml: model.hiden_size: unknown key (did you mean 'hidden_size'?)",
    ),
    case(
        "wrong-type", recipe(model={"hidden_size": "big"}), TRAIN,
        "recipe.yaml: model.hidden_size: got 'big'",
    ),
    case("hidden-size-zero", recipe(model={"hidden_size": 0}), TRAIN, "model.hidden_size: got 0"),
    case("dropout-above-one", recipe(model={"dropout": 1.5}), TRAIN, "model.dropout: got 1.5"),
    case("negative-lr", recipe(train={"lr": -0.1}), TRAIN, "train.lr: got -0.1"),
    case("accumulate-zero", recipe(train={"accumulate": 0}), TRAIN, "train.accumulate: got 0"),
    case("infinite-lr", recipe(train={"lr": float("inf")}), TRAIN, "train.lr: got inf; input"),
    case(
        "infinite-epochs", recipe(train={"steps": None, "epochs": float("inf")}), TRAIN,
        "train.epochs: got inf",
    ),
    case("huge-seed", recipe(seed=2**70), TRAIN, f"recipe.yaml: seed: got {2**70}"),
    case("unknown-cell", recipe(model={"cell": "lstn"}), TRAIN, "did you mean 'lstm'"),
    case(
        "batch-larger-than-data", recipe(train={"batch_size": 20000}), TRAIN,
        "lower train.batch_size",
    ),
    # Subword tokenizers.
    case(
        "vocab-size-too-small", recipe(data={"tokenizer": "bpe", "vocab_size": 5}), TRAIN,
        "data.vocab_size: 5 does not fit the training text",
    ),
    case(
        "vocab-size-too-large", recipe(data={"tokenizer": "unigram", "vocab_size": 90000}), TRAIN,
        "Vocabulary size too high (90000)",
    ),
    case(
        "tokenizer-file-missing", recipe(data={"tokenizer": "bpe", "tokenizer_file": "no.model"}),
        TRAIN, "no.model: tokenizer file not found",
    ),
    case(
        "tokenizer-file-fifo",
        both(fifo("sp.model"), recipe(data={"tokenizer": "bpe", "tokenizer_file": "sp.model"})),
        TRAIN, "sp.model: is a named pipe (FIFO), expected a regular file",
    ),
    case(
        "tokenizer-file-empty",
        both(file("sp.model", b""),
             recipe(data={"tokenizer": "bpe", "tokenizer_file": "sp.model"})),
        TRAIN, "sp.model is not a sentencepiece model (.model file) (it is empty)",
    ),
    case(
        "tokenizer-file-device", recipe(data={"tokenizer": "bpe", "tokenizer_file": "/dev/zero"}),
        TRAIN, "data.tokenizer_file: /dev/zero: is a character device, expected a regular file",
    ),
    case(
        "tokenizer-file-not-a-model",
        recipe(data={"tokenizer": "bpe", "tokenizer_file": "corpus.txt"}), TRAIN,
        "corpus.txt is not a sentencepiece model",
    ),
    case(
        "vocab-size-with-char", recipe(data={"vocab_size": 100}), TRAIN,
        "data: vocab_size: needs tokenizer bpe or unigram, not char",
    ),
    case(
        "min-freq-with-char", recipe(data={"min_freq": 2}), TRAIN,
        "data: min_freq: needs tokenizer word, not char",
    ),
    case(
        "subwords-without-size", recipe(data={"tokenizer": "bpe"}), TRAIN,
        "give vocab_size (train one) or tokenizer_file",
    ),
    case(
        "table-subwords-without-size", both(file("d.tsv", "a\tfree\nb\thi\n"), recipe(
            mapping="many_to_one", data={"format": "table", "path": "d.tsv", "tokenizer": "bpe"})),
        TRAIN, "data: tokenizer bpe: give vocab_size (train one) or tokenizer_file",
    ),
    case(
        "table-vocab-size-too-large", both(file("d.tsv", "a\tfree\nb\thi\na\twin\nb\tyo\n"), recipe(
            mapping="many_to_one",
            data={"format": "table", "path": "d.tsv", "tokenizer": "bpe", "vocab_size": 500})),
        TRAIN, "d.tsv (Vocabulary size too high (500)",
    ),
    case(
        "pairs-vocab-size-too-large", both(file("p.tsv", "hello\tbonjour\n" * 8), recipe(
            mapping="encoder_decoder",
            data={"format": "pairs", "path": "p.tsv", "tokenizer": "unigram", "vocab_size": 500})),
        TRAIN, "p.tsv (source)",
    ),
    case(
        "pairs-min-freq-with-subwords", both(file("p.tsv", "hello\tbonjour\n"), recipe(
            mapping="encoder_decoder", data={"format": "pairs", "path": "p.tsv",
                                             "tokenizer": "bpe", "vocab_size": 50, "min_freq": 2})),
        TRAIN, "data: min_freq: does not apply to tokenizer bpe",
    ),
    # Options that contradict each other.
    case(
        "bidirectional-language-model", recipe(model={"direction": "bi"}), TRAIN,
        "model.direction: 'bi' would let a next-token language model read the token",
    ),
    case(
        "steps-and-epochs", recipe(train={"steps": 10, "epochs": 2}), TRAIN,
        "recipe.yaml: train: set steps or epochs, not both",
    ),
    case(
        "nonlinearity-with-lstm", recipe(model={"nonlinearity": "relu"}), TRAIN,
        "recipe.yaml: model: nonlinearity applies to cell rnn only, not lstm",
    ),
    case(
        "resume-with-set", copy_of_run("held"), "train --resume held --set model.layers=2",
        "--resume continues a run as it was",
    ),
    case(
        "resume-steps-not-beyond", copy_of_run("held"), "train --resume held --steps 20",
        "--steps 20: the run in held is already at step 20; ask for more",
    ),
    case(
        "steps-and-epochs-on-resume", copy_of_run("held"),
        "train --resume held --steps 40 --epochs 2", "--steps and --epochs: give one of them",
    ),
    case(
        "steps-and-epochs-on-a-new-run", recipe(), "train recipe.yaml --steps 50 --epochs 2",
        "--steps and --epochs: give one of them",
    ),
    case(
        "unknown-logger", recipe(train={"loggers": ["jsonl", "wandb"]}), TRAIN,
        "train.loggers.1: 'wandb' is not one of jsonl, csv, tensorboard",
    ),
    case(
        "logger-extra-missing",
        without("torch.utils.tensorboard", recipe(train={"loggers": ["tensorboard"]})), TRAIN,
               "train.loggers tensorboard: needs tensorboard, which is not installed; pip install "
        "'seqcli[tensorboard]'",
    ),
    case(
        "plot-x-axis-unknown", nothing, "plot {run} --x-axis minutes",
        "--x-axis minutes: choose step, epoch, time",
    ),
    case(
        "plot-of-a-folder-without-metrics", folder("empty"), "plot empty",
        "empty: holds no metrics.jsonl",
    ),
    case(
        "plot-to-a-fifo", fifo("curves.png"), "plot {run} --out curves.png",
        "--out curves.png: is a named pipe (FIFO), not a file seqcli may replace",
    ),
    case(
        "report-to-a-fifo", fifo("page.html"), "report {run} --text A --out page.html",
        "--out page.html: is a named pipe (FIFO), not a file seqcli may replace",
    ),
    case(
        "report-to-a-link", link("page.html", "mine.html"), "report {run} --text A --out page.html",
        "--out page.html: is a symbolic link; seqcli writes no file through a link",
    ),
    case(
        "report-to-a-folder", folder("page.html"), "report {run} --text A --out page.html",
        "--out page.html: is a folder; name the file to write",
    ),
    case(
        "report-to-a-text-file", nothing, "report {run} --text A --out page.txt",
        "--out page.txt: expected a file name ending in .html or .htm",
    ),
    case(
        "report-over-a-page-of-yours",
        both(file("page.html", "<p>mine</p>"), lambda tmp, run: keep(tmp / "page.html")),
        "report {run} --text A --out page.html",
        "--out page.html: exists and is not a seqcli report; pass --overwrite",
    ),
    case(
        "plot-to-a-text-file", nothing, "plot {run} --out curves.txt",
        "--out curves.txt: expected a file name ending in .png",
    ),
    case(
        "export-format-unknown", nothing, "export {run} --format pickle --out m",
        "--format pickle: choose torchscript, onnx, safetensors",
    ),
    case(
        "export-extra-missing", without("onnxruntime"), "export {run} --format onnx --out m.onnx",
        "--format onnx: needs onnx, which is not installed; pip install 'seqcli[onnx]'",
    ),
    case(
        "safetensors-not-ours", file("x/model.safetensors", b"junk" * 8), "evaluate x",
        "x/model.safetensors: not a seqcli safetensors file",
    ),
    case("train-with-nothing", nothing, "train", "give a RECIPE to start a run"),
    # The data the recipe points at.
    case(
        "missing-data-file", recipe(data={"path": "nowhere.txt"}), TRAIN,
        "nowhere.txt: data file not found",
    ),
    case(
        "missing-shared-data-with-a-bundled-sample",
        recipe(data={"path": "../shared/data/tinyshakespeare/input.txt"}), TRAIN,
        "input.txt: data file not found; seqcli ships a sample of this data set: ",
    ),
    case(
        "data-is-a-folder", both(folder("corpus.txt"), recipe()), TRAIN, "corpus.txt: is a folder"
    ),
    case("empty-corpus", corpus_of(b""), TRAIN, "corpus.txt: corpus is empty"),
    case(
        "corpus-shorter-than-a-window", corpus_of(b"abc", train={"windows": "random"}), TRAIN,
        "shorter than one window of train.seq_len",
    ),
    case(
        "corpus-shorter-than-the-streams", corpus_of(b"abc"), TRAIN,
        "cannot fill 4 streams of 2 tokens; lower train.batch_size",
    ),
    case(
        "non-utf8-data", corpus_of(b"good line\nbad \xff here\n"), TRAIN,
        "corpus.txt: not UTF-8 at byte offset 14 (byte 0xff)",
    ),
    # --set overrides.
    case(
        "set-unknown-key", recipe(), "train recipe.yaml --set model.hiden_size=3",
        "--set model.hiden_size=3: unknown key (did you mean 'hidden_size'?)",
    ),
    case(
        "set-unknown-section", recipe(), "train recipe.yaml --set modle.hidden_size=3",
        "--set modle.hidden_size=3: unknown key (did you mean 'model'?)",
    ),
    case(
        "set-without-equals", recipe(), "train recipe.yaml --set model.hidden_size",
        "--set model.hidden_size: expected key=value",
    ),
    case(
        "set-through-a-value", recipe(), "train recipe.yaml --set name.first=x",
        "--set name.first=x: 'name' is a value, not a section",
    ),
    case(
        "set-bad-value", recipe(), "train recipe.yaml --set train.lr=-1",
        "--set train.lr=-1: got -1",
    ),
    # Devices and output folders.
    case(
        "cuda-without-a-gpu", recipe(), "train recipe.yaml --device cuda",
        "--device cuda: no cuda device is available", skip=NO_CUDA,
    ),
    case("unknown-device", recipe(), "train recipe.yaml --device tpu", "--device tpu: choose"),
    case("no-processes", recipe(), "train recipe.yaml --nproc 0", "--nproc: got 0; input should"),
    case(
        "more-processes-than-cores", recipe(), "train recipe.yaml --nproc 100000",
        "--nproc 100000: this machine gives seqcli",
    ),
    case(
        "unwritable-out-folder", both(recipe(), file("taken.txt", "x")),
        "train recipe.yaml --out taken.txt/run", "taken.txt/run: cannot write the run folder",
    ),
    case(
        "folder-holds-another-run", both(recipe(name="other"), copy_of_run("held")),
        "train recipe.yaml --out held",
        "held: already holds a run (best.pt, last.pt, recipe.yaml, meta.json, metrics.jsonl, "
        "summary.json, samples.jsonl); pass --resume held",
    ),
    # The run folder: nothing is written through a link, a run is replaced only by one that
    # has saved a checkpoint, and a write that fails names its file.
    case(
        "folder-holds-seqcli-files", both(recipe(), file("stale/metrics.jsonl", "{}\n")),
        "train recipe.yaml --out stale",
        "stale: already holds a run (metrics.jsonl); pass --overwrite to start over",
    ),
    case("empty-out-folder", recipe(), "train recipe.yaml --out ''", "--out '': empty"),
    case(
        "run-file-is-a-link", both(copy_of_run("held"), link("held/.lock", "notes.txt")),
        "train --resume held", "held/.lock: is a symbolic link",
    ),
    case(
        "overwrite-that-cannot-start", both(recipe(), copy_of_run("held")),
        "train recipe.yaml --out held --overwrite --set train.batch_size=100000",
        "lower train.batch_size",
    ),
    case(
        "disk-full", on_full_disk(copy_of_run("held")), "train --resume full/held --steps 21",
        "cannot write (No space left on device)",
    ),
    case(
        "token-cache-not-writable",
        both(recipe(), file("cache", "x"), env("SEQCLI_CACHE", "cache")), TRAIN,
        "cannot write the token cache (Not a directory)",
    ),
    # Checkpoints.
    case("checkpoint-missing", nothing, "generate missing.pt", "missing.pt: no such run folder"),
    case(
        "run-folder-without-checkpoints", folder("empty"), "inspect empty",
        "empty: run folder holds no last.pt or best.pt",
    ),
    case(
        "run-is-a-recipe", recipe(), "generate recipe.yaml",
        "recipe.yaml: a recipe, not a run; `seqcli train recipe.yaml` makes one (runs/NAME)",
    ),
    case(
        "run-is-a-data-file", file("s.csv", "t,v\n1,2\n"), "evaluate s.csv",
        "s.csv: a data file, not a run; give a run folder (runs/NAME) or its best.pt",
    ),
    case(
        "checkpoint-truncated", checkpoint_bytes(half), "generate ckpt.pt",
        "ckpt.pt: not a readable checkpoint",
    ),
    case(
        "checkpoint-random-bytes", checkpoint_bytes(noise), "inspect ckpt.pt",
        "ckpt.pt: not a readable checkpoint",
    ),
    case(
        "checkpoint-is-text", file("ckpt.pt", "hello\n"), "evaluate ckpt.pt",
        "ckpt.pt: not a readable checkpoint",
    ),
    case(
        "checkpoint-from-newer-format",
        checkpoint_payload(lambda payload, tmp: {**payload, "format": 99}), "generate ckpt.pt",
        "ckpt.pt: written by a newer seqcli (format 99",
    ),
    case(
        "checkpoint-format-not-a-number",
        checkpoint_payload(lambda payload, tmp: {**payload, "format": "2"}), "inspect ckpt.pt",
        "ckpt.pt: not a seqcli checkpoint",
    ),
    case(
        "checkpoint-weights-unlike-its-recipe", checkpoint_payload(resize_stored_model),
        "generate ckpt.pt", "ckpt.pt: weights do not fit the stored recipe",
    ),
    case(
        "checkpoint-of-something-else", checkpoint_payload(lambda payload, tmp: {"a": 1}),
        "inspect ckpt.pt", "ckpt.pt: not a seqcli checkpoint (no format version)",
    ),
    case(
        "checkpoint-that-runs-code",
        checkpoint_payload(lambda payload, tmp: {**payload, "recipe": RunsCode(tmp / MARKER)}),
        "generate ckpt.pt", "ckpt.pt: refused: it holds Python objects that would run code",
    ),
    case(
        "plain-pickle-that-runs-code", pickled_attack(2), "inspect ckpt.pt",
        "ckpt.pt: refused: it holds Python objects that would run code",
    ),
    # torch's weights-only reader stops at protocol 4's first opcode, before the payload.
    case(
        "plain-pickle-5-that-runs-code", pickled_attack(5), "inspect ckpt.pt",
        "ckpt.pt: not a readable checkpoint",
    ),
    case(
        "init-from-checkpoint-that-runs-code",
        both(
            recipe(),
            checkpoint_payload(lambda payload, tmp: {**payload, "model": RunsCode(tmp / MARKER)}),
        ),
        "train recipe.yaml --init-from ckpt.pt", "ckpt.pt: refused",
    ),
    case(
        "init-from-weights-of-another-shape", recipe(model={"hidden_size": 8}),
        "train recipe.yaml --init-from {run}/best.pt",
        "weights do not fit this recipe (size mismatch for rnn.weight_ih_l0",
    ),
    case(
        "resume-without-last-checkpoint", folder("empty"), "train --resume empty",
        "--resume empty: holds no last.pt to resume from",
    ),
    case("resume-a-file", file("run.txt", "x"), "train --resume run.txt", "not a run folder"),
    # Generating and evaluating.
    case(
        "unknown-prime-characters", nothing, "generate {run} --prime A€ß",
        "--prime: 2 token(s) not in the model's vocabulary: 'ß', '€'",
    ),
    case(
        "unknown-prime-file-characters", file("p.txt", "€"), "generate {run} --prime-file p.txt",
        "--prime-file p.txt: 1 token(s) not in the model's vocabulary: '€'",
    ),
    case("empty-prime", nothing, "generate {run} --prime ''", "the prime has no tokens"),
    case(
        "prime-and-prime-file", file("p.txt", "A"), "generate {run} --prime A --prime-file p.txt",
        "give --prime or --prime-file, not both",
    ),
    case("missing-prime-file", nothing, "generate {run} --prime-file p.txt", "--prime-file p.txt"),
    case("unknown-policy", nothing, "generate {run} --unknown maybe", "--unknown maybe: choose"),
    case(
        "evaluate-missing-test-split", nothing, "evaluate {run} --split test",
        "the test split is empty; raise data.test_fraction",
    ),
    case("evaluate-unknown-split", nothing, "evaluate {run} --split train", "--split train"),
    case(
        "evaluate-unseen-characters", file("new.txt", "€€ ßß\n"), "evaluate {run} --data new.txt",
        "new.txt: 2 token(s) the model never saw: 'ß', '€'",
    ),
    case("evaluate-missing-data", nothing, "evaluate {run} --data new.txt", "new.txt: data file"),
    case(
        "evaluate-backtest-of-a-language-model", nothing, "evaluate {run} --backtest",
        "--backtest does not apply to a language model; only a forecaster's evaluate takes it",
    ),
    case(
        "evaluate-stride-without-backtest", nothing, "evaluate {run} --stride 3",
        "--stride sets the rows between a backtest's origins: add --backtest",
    ),
    case(
        "evaluate-stride-zero", nothing, "evaluate {run} --backtest --stride 0",
        "--stride: got 0; input should be greater than or equal to 1",
    ),
    case(
        "evaluate-horizon-beyond-a-direct-head", run_of("direct_forecaster"),
        "evaluate direct_forecaster --horizon 13",
        "--horizon 13: this many_to_one model forecasts 12 step(s) at once",
    ),
    case(
        "evaluate-horizon-longer-than-the-split", run_of("autoregressive_forecaster"),
        "evaluate autoregressive_forecaster --horizon 500",
        "no forecast origin: the split's 282 row(s) are fewer than the horizon 500",
    ),
    case(
        "generate-series-of-a-run-of-one", run_of("autoregressive_forecaster"),
        "generate autoregressive_forecaster --series north",
        "holds one series (no data.series_column, not a folder)",
    ),
    # Other tasks: the mapping and format agree, each reader names file and line.
    case(
        "mapping-with-a-format-it-does-not-read", recipe(mapping="many_to_one"), TRAIN,
        "mapping 'many_to_one' reads data.format 'arrays' or 'audio' or 'folder' or 'series' "
        "or 'synthetic'",
    ),
    case(
        "option-of-another-task", recipe(model={"pooling": "mean"}), TRAIN,
        "model.pooling: applies to classifier and regressor and array_classifier and array_",
    ),
    case(
        "table-row-without-text", both(file("d.tsv", "spam\n"), recipe(
            mapping="many_to_one", data={"format": "table", "path": "d.tsv"})), TRAIN,
        "d.tsv:1: 1 field(s), but text_column is 1 (0-based)",
    ),
    case(
        "unknown-key-of-the-format-in-use", both(file("d.tsv", "spam\tfree\n"), recipe(
            mapping="many_to_one", data={"format": "table", "path": "d.tsv", "text_colum": 1})),
        TRAIN, "data.text_colum: unknown key (did you mean 'text_column'?); allowed: path,",
    ),
    case(
        "unknown-model-key-of-the-task", both(file("d.tsv", "spam\tfree\n"), recipe(
            mapping="many_to_one", data={"format": "table", "path": "d.tsv"},
            model={"poolin": "mean"})),
        TRAIN, "model.poolin: unknown key (did you mean 'pooling'?)",
    ),
    case(
        "folds-one", small_table(), "train recipe.yaml --folds 1",
        "--folds: got 1; input should be greater than or equal to 2",
    ),
    case(
        "folds-beyond-a-thousand", small_table(), "train recipe.yaml --folds 1000000000",
        "--folds: got 1000000000; input should be less than or equal to 1000",
    ),
    case(
        "folds-more-than-examples", small_table(), "train recipe.yaml --folds 5",
        "train.folds 5: only 4 example(s) outside the test split; each fold needs at least one",
    ),
    case(
        "folds-on-a-language-model", recipe(train={"folds": 3}), TRAIN,
        "train.folds: k-fold cross-validation deals a classifier's or text regressor's examples",
    ),
    case(
        "folds-flag-on-a-language-model", recipe(), "train recipe.yaml --folds 3",
        "--folds 3: train.folds: k-fold cross-validation deals a classifier's or text",
    ),
    case(
        "fold-without-folds", small_table(train={"fold": 1}), TRAIN,
        "train: fold 1 needs folds greater than it (folds: None)",
    ),
    case(
        "fold-result-damaged", both(small_table(), file("out/fold-0/result.json", '{"recipe":')),
        "train recipe.yaml --folds 2 --out out",
        "fold-0/result.json:1: not JSON (Expecting value, column 11); delete it to start over",
    ),
    case(
        "torchrun-environment-half-set", both(recipe(), variable("WORLD_SIZE", "2")), TRAIN,
        "a torchrun environment half set: WORLD_SIZE=2 but no RANK, MASTER_ADDR, MASTER_PORT",
    ),
    case(
        "folds-with-resume", recipe(), "train --resume run --folds 3",
        "--folds starts a cross-validation; rerun it to resume its folds",
    ),
    case(
        "dedupe-on-a-regressor", both(file("d.tsv", "1\tfree\n2\thi\n"), recipe(
            mapping="many_to_one",
            data={"format": "table", "path": "d.tsv", "label_type": "number", "dedupe": True})),
        TRAIN, "data: dedupe reads a classifier's data; label_type number is a regressor's",
    ),
    case(
        "conllu-short-line", both(file("d.conllu", "1\tword\n\n"), recipe(
            data={"format": "conllu", "path": "d.conllu"})), TRAIN,
        "d.conllu:1: 2 tab-separated columns; CoNLL-U lines have 10",
    ),
    case(
        "vectors-ragged", both(file("v.txt", f"e {ROW}\nt {ROW[2:]}\n"), recipe(
            model={"pretrained_embeddings": "v.txt"})), TRAIN,
        "v.txt:2: 15 numbers after the word, but the rows before have 16",
    ),
    case(
        "vectors-not-a-number", both(file("v.txt", f"e {ROW[:-1]}x\n"), recipe(
            model={"pretrained_embeddings": "v.txt"})), TRAIN,
        "v.txt:1: 'x' is not a number",
    ),
    case(
        "vectors-of-another-size", both(file("v.txt", "e 1 2 3\n"), recipe(
            model={"pretrained_embeddings": "v.txt"})), TRAIN,
        "v.txt holds 3-dimensional vectors (line 1) but model.embedding_size is 16; "
        "set embedding_size: 3",
    ),
    case(
        "vectors-empty", both(file("v.txt", ""), recipe(
            model={"pretrained_embeddings": "v.txt"})), TRAIN,
        "v.txt holds no vectors (a word then its numbers per line)",
    ),
    case(
        "vectors-not-utf8", both(file("v.txt", b"\xe9 1\n"), recipe(
            model={"pretrained_embeddings": "v.txt"})), TRAIN,
        "v.txt:1: not UTF-8",
    ),
    case(
        "vectors-gzip-broken", both(file("v.txt.gz", b"not gzip"), recipe(
            model={"pretrained_embeddings": "v.txt.gz"})), TRAIN,
        "v.txt.gz: not a readable gzip file",
    ),
    case(
        "freeze-without-vectors", recipe(model={"freeze_embeddings": 5}), TRAIN,
        "model: freeze_embeddings needs pretrained_embeddings",
    ),
    case(
        "feature-column-is-the-label", both(file("d.conllu", "1\tword\n\n"), recipe(
            data={"format": "conllu", "path": "d.conllu", "feature_columns": ["upos"]})), TRAIN,
        "data: feature_columns: 'upos' is label_column; a feature must be another",
    ),
    case(
        "feature-column-missing-in-file", both(file("d.txt", "a X B\n"), recipe(
            data={"format": "columns", "path": "d.txt", "feature_columns": [5]})), TRAIN,
        "d.txt:1: data.feature_columns 5 is missing; lines have 3 columns (0 to 2)",
    ),
    case(
        "pair-without-target", both(file("p.tsv", "hello\n"), recipe(
            mapping="encoder_decoder", data={"format": "pairs", "path": "p.tsv"})), TRAIN,
        "p.tsv:1: 1 tab-separated field(s), need at least 2",
    ),
    case(
        "series-value-not-a-number", both(file("s.csv", "month,value\n2020-01,abc\n"), recipe(
            mapping="many_to_one",
            data={"format": "series", "path": "s.csv", "lookback": 2, "horizon": 1})), TRAIN,
        "s.csv:2:2: 'abc' is not a number (column 'value')",
    ),
    case(
        "series-value-missing", both(file("s.csv", "month,value\n2020-01,1\n2020-02,NA\n"),
            recipe(mapping="many_to_one",
            data={"format": "series", "path": "s.csv", "lookback": 2, "horizon": 1})), TRAIN,
        "s.csv:3:2: 'NA' is not a number (column 'value'); a missing value? set data.missing: "
        "interpolate, ffill or drop",
    ),
    case(
        "series-column-all-missing", both(file("s.csv", "t,v\n" + "1,\n" * 30), recipe(
            mapping="many_to_one", data={"format": "series", "path": "s.csv", "lookback": 2,
            "horizon": 1, "missing": "interpolate"})), TRAIN,
        "s.csv: column 'v' has no value to fill from (data.missing)",
    ),
    case(
        "series-dates-digits-only", both(file("s.csv", "d,v\n" + "".join(
            f"195803{day:02d},{day % 5}\n" for day in range(1, 29))), recipe(
            mapping="many_to_one", data={"format": "series", "path": "s.csv", "lookback": 2,
            "horizon": 1, "date_column": "d"})), TRAIN,
        "s.csv (d): date '19580301' is digits only, which could be many formats; set "
        "data.date_format, e.g. '%Y%m%d'",
    ),
    case(
        "series-date-outside-date-format", both(file("s.csv", "d,v\n" + "".join(
            f"1958-03-{day:02d},{day % 5}\n" for day in range(1, 29))), recipe(
            mapping="many_to_one", data={"format": "series", "path": "s.csv", "lookback": 2,
            "horizon": 1, "date_column": "d", "date_format": "%Y%m%d"})), TRAIN,
        "s.csv (d): date '1958-03-01' does not match data.date_format '%Y%m%d'",
    ),
    case(
        "series-folder-empty", folder_recipe({}), TRAIN,
        "the folder is empty; put one .csv file per series in it",
    ),
    case(
        "series-folder-not-csv", folder_recipe({"a.csv": RAMP, "notes.txt": "hi\n"}), TRAIN,
        "notes.txt: not a .csv file; data.path",
    ),
    case(
        "series-folder-different-columns",
        folder_recipe({"a.csv": RAMP, "b.csv": RAMP.replace("t,v", "t,w")}), TRAIN,
        "b.csv:1: columns t, w; a.csv has t, v: every file of the folder needs the same header",
    ),
    case(
        "ensemble-of-a-rolled-out-forecaster",
        both(file("s.csv", RAMP), recipe(mapping="many_to_many", data={
            "format": "series", "path": "s.csv", "lookback": 2, "horizon": 1})),
        f"{TRAIN} --set train.ensemble=3", "train.ensemble: a forecaster with mapping "
        "many_to_many does not read it (only mapping many_to_one does); remove it",
    ),
    case(
        "forecast-quantiles-unsorted", forecaster_recipe(quantiles=[0.9, 0.5, 0.1]), TRAIN,
        "model: quantiles [0.9, 0.5, 0.1]: list them increasing, each once",
    ),
    case(
        "forecast-quantile-outside-0-1", forecaster_recipe(quantiles=[0.5, 1.0]), TRAIN,
        "model.quantiles.1: got 1.0",
    ),
    case(
        "forecast-quantiles-without-median", forecaster_recipe(quantiles=[0.1, 0.9]), TRAIN,
        "include 0.5, the median, which is the point forecast",
    ),
    case(
        "forecast-quantiles-not-mirrored", forecaster_recipe(quantiles=[0.05, 0.1, 0.5, 0.9]),
        TRAIN, "quantiles [0.05, 0.1, 0.5, 0.9]: 0.05 has no 0.95; list each level with its mirror",
    ),
    case(
        "forecast-validation-shorter-than-horizon", both(
            file("s.csv", "t,v\n" + "".join(f"{i},{i % 5}\n" for i in range(40))),
            recipe(mapping="many_to_one", data={
                "format": "series", "path": "s.csv", "lookback": 2, "horizon": 5,
                "val_fraction": 0.1})), TRAIN,
        "s.csv: the validation split's 4 row(s) hold no whole forecast of data.horizon 5 rows",
    ),
    case(
        "forecast-series-column-missing", both(file("s.csv", "t,v\n1,2\n"), recipe(
            mapping="many_to_one",
            data={"format": "series", "path": "s.csv", "series_column": "id"})), TRAIN,
        "s.csv:1: no column 'id'; the header has 't', 'v'",
    ),
    # Hybrid, residual and ensemble forecasts (docs/guides/forecasting.md), and --future.
    case(
        "hybrid-multiplicative-over-zeros",
        series_of("z.csv", WITH_ZEROS, decomposition="multiplicative"), TRAIN,
        "z.csv: a value of 0; model.decomposition multiplicative needs every value above zero",
    ),
    case(
        "hybrid-multiplicative-over-negatives",
        series_of("n.csv", NEGATIVE, decomposition="multiplicative"), TRAIN,
        "n.csv: a value of -7; model.decomposition multiplicative needs every value above zero",
    ),
    case(
        "hybrid-series-of-three-rows",
        series_of("three.csv", SEASONAL[:3], decomposition="multiplicative"), TRAIN,
        "three.csv: 3 rows leave",
    ),
    case(
        "residual-of-a-series-of-three-rows",
        series_of("three.csv", SEASONAL[:3], residual_of="auto"), TRAIN, "three.csv: 3 rows leave",
    ),
    case(
        "residual-of-a-baseline-that-does-not-apply",
        series_of("n.csv", NEGATIVE, residual_of="holt_winters_multiplicative"), TRAIN,
        "model.residual_of holt_winters_multiplicative: does not apply to this series",
    ),
    case(
        "ensemble-over-a-series-of-three-rows", series_of("three.csv", SEASONAL[:3]),
        f"{TRAIN} --set train.ensemble=3", "three.csv: 3 rows leave",
    ),
    case(
        "future-file-is-a-fifo", both(future_run, fifo("f.csv")),
        "generate fc --future f.csv", "f.csv: is a named pipe (FIFO), expected a regular file",
    ),
    case(
        "future-file-missing-the-column", both(future_run, file("f.csv", "y\n1\n2\n3\n")),
        "generate fc --future f.csv", "f.csv:1: no column 'x'; the header has 'y'",
    ),
    case(
        "future-file-with-nan", both(future_run, file("f.csv", "x\n1\nNaN\n3\n")),
        "generate fc --future f.csv", "f.csv: no value of 'x' in row 2 after the header, "
        "step 2 after the series' end; fill that cell: each row holds its step's value",
    ),
    case(
        "future-file-too-short", both(future_run, file("f.csv", "x\n1\n2\n")),
        "generate fc --future f.csv", "f.csv: 2 row(s) of x; the forecast needs their values "
        "for 3 row(s) after the series' end (--future)",
    ),
    case(
        "future-file-not-text", both(future_run, file("f.csv", bytes(range(256)) * 4)),
        "generate fc --future f.csv", "f.csv:1: no column 'x'",
    ),
    case(
        "generate-flag-of-another-task", nothing, "generate {run} --horizon 3",
        "--horizon does not apply to a language model",
    ),
    # seqcli gates: the flags are checked against the run's cell and sizes.
    case(
        "gates-unknown-gate", nothing, "gates {run} --text ab --gate q",
        "--gate q: not a record of the lstm cell; choose i (input_gate), f (forget_gate)",
    ),
    case(
        "gates-layer-out-of-range", nothing, "gates {run} --text ab --layer 1",
        "--layer 1: this model has 1 layer(s), 0 to 0",
    ),
    case(
        "gates-unit-out-of-range", nothing, "gates {run} --text ab --unit 32",
        "--unit 32: a layer has 32 units, 0 to 31",
    ),
    case(
        "gates-backward-of-a-one-way-model", nothing, "gates {run} --text ab --direction backward",
        "--direction backward: this model reads forward",
    ),
    case(
        "gates-unknown-characters", nothing, "gates {run} --text A€",
        "--text: 1 token(s) not in the model's vocabulary: '€'",
    ),
    case(
        "gates-text-and-file", file("in.txt", "ab"), "gates {run} --text ab --file in.txt",
        "give --text or --file, not both",
    ),
    case(
        "gates-empty-input", file("in.txt", ""), "gates {run} --file in.txt",
        "--file in.txt: nothing to read",
    ),
    case(
        "gates-of-a-task-without-an-input", run_of("conditioned_values"),
        "gates conditioned_values --text 1,2",
        "gates does not apply to a vector-conditioned generator",
    ),
    case(
        "evaluate-flag-of-another-task", nothing, "evaluate {run} --noise 0.1",
        "--noise does not apply to a language model; only a Hopfield network's evaluate takes it",
    ),
    # The command line itself: one line, exit 2, a did-you-mean among the command's own.
    case(
        "unknown-command", nothing, "trian recipe.yaml",
        "trian: seqcli has no such command (did you mean 'train'?)",
    ),
    case(
        "unknown-flag", nothing, "generate {run} --lenght 3",
        "--lenght: seqcli generate has no such option (did you mean '--length'?)",
    ),
    case("missing-argument", nothing, "generate", "seqcli generate: missing argument RUN"),
    case("flag-without-its-value", nothing, "generate {run} --length", "--length: requires"),
    case(
        "unexpected-argument", nothing, "generate {run} more",
        "seqcli generate: got unexpected extra argument",
    ),
    case(
        "flag-value-not-a-number", nothing, "generate {run} --length ten",
        "--length: got ten; input should be a valid integer",
    ),
    case(
        "threads-zero", nothing, "evaluate {run} --threads 0",
        "--threads: got 0; input should be greater than or equal to 1",
    ),
    case(
        "threads-beyond-the-cores", nothing, "evaluate {run} --threads 100000",
        "--threads: got 100000; input should be less than or equal to",
    ),
    case(
        "jobs-beyond-the-cores", recipe(), "compare-cells recipe.yaml --jobs 100000",
        "--jobs: got 100000; input should be less than or equal to",
    ),
    case(
        "threads-variable-not-a-number", variable("SEQCLI_THREADS", "two"), "evaluate {run}",
        "SEQCLI_THREADS (read as --threads): got two; input should be a valid integer",
    ),
    case(
        "flag-out-of-range", nothing, "generate {run} --top-p 1.5",
        "--top-p: got 1.5; input should be less than or equal to 1",
    ),
    case(
        "flag-not-finite", nothing, "generate {run} --temperature inf",
        "--temperature: got inf; input should be a finite number",
    ),
    # Associative memory: pattern files, and probes that do not fit the run.
    case(
        "glyph-ragged-rows", memory_recipe("###\n#.\n\n...\n.#.\n"), TRAIN,
        "g.txt:2: a row of 2 characters; the glyph's first row (line 1) has 3",
    ),
    case(
        "glyph-unknown-character", memory_recipe("##\n#x\n\n..\n.#\n"), TRAIN,
        "g.txt:2:2: 'x' is neither the ink '#' nor the paper '.'",
    ),
    case(
        "glyph-file-of-one-pattern", memory_recipe("##\n#.\n"), TRAIN,
        "g.txt: 1 pattern; an associative memory needs at least 2 to choose between",
    ),
    case(
        "glyphs-of-two-sizes", memory_recipe("##\n#.\n\n...\n.#.\n"), TRAIN,
        "g.txt:4: a 2x3 glyph; the first (line 1) is 2x2",
    ),
    case(
        "bipolar-value-not-plus-or-minus-one",
        memory_recipe("1,-1\n-1,0\n", data_format="bipolar", name="b.csv"), TRAIN,
        "b.csv:2:2: '0' is not +1 or -1",
    ),
    case(
        "recall-pattern-not-stored", memory_run, "generate hop --pattern 5",
        "--pattern 5: the run stores 2 patterns, 0 to 1",
    ),
    case(
        "recall-probe-of-another-size", both(memory_run, file("n.txt", "###\n")),
        "generate hop --input-file n.txt", "n.txt: patterns of 3 units; the run's have 4 (2 x 2)",
    ),
    # Every input is bounded before it is used: a regular file, of a size the command can hold.
    case(
        "recipe-is-a-fifo", fifo("recipe.yaml"), TRAIN,
        "recipe.yaml: is a named pipe (FIFO), expected a regular file",
    ),
    case(
        "data-is-a-fifo", both(fifo("pipe.txt"), recipe(data={"path": "pipe.txt"})), TRAIN,
        "pipe.txt: is a named pipe (FIFO), expected a regular file",
    ),
    case(
        "data-is-a-device", recipe(data={"path": "/dev/zero"}), TRAIN,
        "/dev/zero: is a character device, expected a regular file",
    ),
    case(
        "data-is-a-symlink-loop", both(symlink_loop("loop.txt"), recipe(data={"path": "loop.txt"})),
        TRAIN, "loop.txt: a loop of symbolic links; it leads to no file",
    ),
    case(
        "stored-data-path-became-a-fifo", held_run(corpus_became_a_fifo), "evaluate held",
        "corpus.txt: is a named pipe (FIFO), expected a regular file",
    ),
    case(
        "prime-file-is-a-device", nothing, "generate {run} --prime-file /dev/zero",
        "--prime-file /dev/zero: is a character device, expected a regular file",
    ),
    case(
        "predict-file-is-a-fifo", fifo("in.txt"), "predict {run} --file in.txt",
        "--file in.txt: is a named pipe (FIFO), expected a regular file",
    ),
    case(
        "huge-recipe", sparse("recipe.yaml", 5 << 20), TRAIN,
        "recipe.yaml: 5 MiB; recipe files may be at most 1 MiB",
    ),
    case(
        "huge-prime-file", sparse("p.txt", 1 << 40), "generate {run} --prime-file p.txt",
        "--prime-file p.txt: 1,024 GiB; prime files may be at most 16 MiB",
    ),
    case(
        "huge-gates-input", sparse("in.txt", 1 << 30), "gates {run} --file in.txt",
        "--file in.txt: 1 GiB; input files may be at most 256 KiB",
    ),
    case(
        "gates-input-beyond-its-trace", file("in.txt", "the " * 60_000),
        "gates {run} --file in.txt", "--file in.txt: 240,000 steps of",
    ),
    case(
        "predict-line-too-long", file("in.txt", "a" * 100_001), "predict {run} --file in.txt",
        "--file in.txt: line 1 holds 100,001 characters; a line may hold at most 100,000",
    ),
    case(
        "zip-member-too-large", pairs_zip(b"hello\tbonjour\n", declared=0xFFFFFFF0), TRAIN,
        "p.zip:pairs.tsv: unpacks to 4 GiB; a zip member may be at most 2 GiB",
    ),
    case(
        "zip-bomb", pairs_zip(bytes(80 << 20)), TRAIN,
        "p.zip:pairs.tsv: unpacks to 80 MiB from",
    ),
    case(
        "yaml-alias-bomb", alias_bomb(), TRAIN,
        "recipe.yaml: line 6: its aliases expand to more than 10,000 values",
    ),
    case(
        "yaml-nested-too-deeply", file("recipe.yaml", "name: x\ndata: " + "[" * 5000), TRAIN,
        "recipe.yaml: YAML nested too deeply to read",
    ),
    case(
        "echoed-value-is-cut", recipe(name="!" * 5000), TRAIN,
        "!!!... (5,002 characters); string should match pattern",
    ),
    # Nothing is accepted silently.
    case(
        "yaml-duplicate-key",
        file("recipe.yaml", "name: a\ntrain: {steps: 5}\ndata: {path: c.txt}\ntrain: {lr: 1}\n"),
        TRAIN, "recipe.yaml: line 4: key 'train' appears twice, at lines 2 and 4",
    ),
    case(
        "boolean-for-a-number", recipe(), "train recipe.yaml --set train.steps=true",
        "--set train.steps=true: got true; input should be a valid integer",
    ),
    case(
        "set-empty-key-part", recipe(), "train recipe.yaml --set model..hidden_size=3",
        "--set model..hidden_size=3: empty part in the key",
    ),
    case(
        "set-breaks-another-key", recipe(), "train recipe.yaml --set train.epochs=2",
        "--set train.epochs=2: train: set steps or epochs, not both",
    ),
    case(
        "series-value-beyond-float32", both(file("s.csv", "month,value\n1,1\n2,1e39\n"), recipe(
            mapping="many_to_one",
            data={"format": "series", "path": "s.csv", "lookback": 1, "horizon": 1})), TRAIN,
        "s.csv:3:2: '1e39' is beyond float32's range",
    ),
    case(
        "resume-on-changed-data", held_run(corpus_edited), "train --resume held",
        "changed since the run started (its SHA-256 differs from the one in last.pt)",
    ),
    # Memory, estimated before anything is allocated (the run needs hundreds of GiB).
    case(
        "model-beyond-memory", recipe(), "train recipe.yaml --set model.hidden_size=65536",
        "the run needs about",
    ),
    case(
        "dry-run-beyond-memory", recipe(), "train recipe.yaml --dry-run --set model.layers=32 "
        "--set model.hidden_size=16384", "the run needs about",
    ),
    case(
        "batch-beyond-memory", both(recipe(), free_memory(200_000)), TRAIN,
        "a batch); cpu has 195.3 KiB free; lower model.hidden_size, model.layers, "
        "train.batch_size, train.seq_len",
    ),
    case(
        "hopfield-beyond-memory", both(memory_recipe(TWO_GLYPHS), free_memory(10)), TRAIN,
        "(16 parameters: 64 bytes); cpu has 10 bytes free; the data decides a Hopfield "
        "network's size: use less",
    ),
    case(
        "classifier-beyond-memory", both(small_table(), free_memory(1000)), TRAIN,
        "cpu has 1000 bytes free; lower model.hidden_size, model.layers, train.batch_size",
    ),
    case(
        "samples-beyond-memory", nothing, "generate {run} --num-samples 100000000 --length 5",
        "--num-samples 100,000,000: the samples need about",
    ),
    case(
        "length-beyond-memory", nothing, "generate {run} --length 1000000000000000000000000000000",
        "--length 1,000,000,000,000,000,000,000,000,000,000: one sample of that many tokens needs",
    ),
    case(
        "file-that-fails-when-read", nothing, "generate {run} --prime-file /proc/self/mem",
        "--prime-file /proc/self/mem: cannot read prime file (Input/output error)",
    ),
    case(
        "data-that-fails-when-read", recipe(data={"path": "/proc/self/mem"}), TRAIN,
        "/proc/self/mem: cannot read data file (Input/output error)",
    ),
    case(
        "precision-the-device-lacks", recipe(), "train recipe.yaml --set train.precision=fp16",
        "train.precision: fp16 is not supported on this cpu",
    ),
    case(
        "unknown-precision-flag", nothing, "generate {run} --precision fp8",
        "--precision fp8: choose",
    ),
    case(
        "crf-on-tags-the-scheme-forbids",
        both(file("t.txt", "meet O\nbob I-PER\n\nvisit O\nrome B-LOC\n\nsee O\nit O\n"), recipe(
            data={"format": "columns", "path": "t.txt", "val_fraction": 0.0},
            model={"direction": "bi", "crf": True})), TRAIN,
        "t.txt: the training sentence 'meet bob' has O -> I-PER, which BIO forbids",
    ),
    # A checkpoint is data: every field is checked before it is used.
    case(
        "checkpoint-meta-field-of-another-type",
        checkpoint_payload(stored_meta(tokenizer="morse")), "generate ckpt.pt",
        "ckpt.pt: meta.tokenizer: got 'morse'; input should be 'char', 'word', 'bpe' or 'unigram'",
    ),
    case(
        "checkpoint-empty-subword-model",
        checkpoint_payload(stored_meta(tokenizer="bpe", model="")), "generate ckpt.pt",
        "ckpt.pt: meta.model: not a sentencepiece model in base64",
    ),
    case(
        "checkpoint-negative-step",
        checkpoint_payload(lambda payload, tmp: {**payload, "step": -1}), "inspect ckpt.pt",
        "ckpt.pt: step: got -1",
    ),
    case(
        "resume-without-optimizer-state", last_checkpoint(without_optimizer),
        "train --resume held", "held/last.pt: training.optimizer: missing",
    ),
    case(
        "resume-optimizer-state-of-another-model", last_checkpoint(moment_of_another_shape),
        "train --resume held", "held/last.pt: training.optimizer.state.0.exp_avg: 3",
    ),
    case(
        "allow-changed-data-without-resume", recipe(), "train recipe.yaml --allow-changed-data",
        "--allow-changed-data applies to --resume only",
    ),
    # Sequences of numbers (data.format arrays) and splits from their own files.
    case(
        "arrays-zip-bomb", both(lambda tmp, run: bomb(tmp / "a.npz"), arrays()), TRAIN,
        "a.npz:x: unpacks to 80 MiB from",
    ),
    case(
        "arrays-forged-header",
        both(lambda tmp, run: forged(tmp / "a.npz", (10**9, 3, 2)), arrays()), TRAIN,
        "a.npz: x's header declares (1000000000, 3, 2) float32 (22.4 GiB), but the archive",
    ),
    case("arrays-without-x", both(npz("a.npz", y=Y), arrays()), TRAIN,
         "a.npz: no 'x' array (found: y)"),
    case(
        "arrays-x-not-3d", both(npz("a.npz", x=[[1.0, 2.0]] * 4, y=Y), arrays()), TRAIN,
        "a.npz: x has shape (4, 2); expected (N, T, F)",
    ),
    case(
        "arrays-y-length", both(npz("a.npz", x=X, y=Y[:3]), arrays()), TRAIN,
        "a.npz: y has shape (3,); x makes it (N,) = (4,)",
    ),
    case(
        "arrays-y-per-step-for-many-to-one", both(npz("a.npz", x=X, y=[["a"] * 3] * 4), arrays()),
        TRAIN, "(that is a label per step: check the recipe's mapping)",
    ),
    case(
        "arrays-float-labels", both(npz("a.npz", x=X, y=[0.5, 1.5, 0.5, 1.5]), arrays()), TRAIN,
        "a.npz: y holds float64; labels are integers or strings",
    ),
    case(
        "arrays-lengths-beyond-t", both(npz("a.npz", x=X, y=Y, lengths=[3, 4, 1, 2]), arrays()),
        TRAIN, "a.npz: lengths[1] is 4; each length is 1 to T = 3",
    ),
    case(
        "arrays-nan-in-x",
        both(npz("a.npz", x=[[[0.0, 1.0], [float("nan"), 2.0], [1.0, 1.0]]] * 4, y=Y), arrays()),
        TRAIN, "a.npz: x[0, 1, 0] is nan; every real step needs finite numbers",
    ),
    case(
        "arrays-of-python-objects", both(npz("a.npz", x=X, y={"a": 1}), arrays()), TRAIN,
        "a.npz: not an .npz file NumPy can read (an array of Python objects",
    ),
    case(
        "arrays-not-npz", both(file("a.npz", b"PK\x03\x04 broken"), arrays()), TRAIN,
        "a.npz: not an .npz file NumPy can read",
    ),
    case(
        "arrays-text-to-predict", both(npz("a.npz", x=X, y=Y), arrays(label_type="number")),
        TRAIN, "a.npz: y holds <U1; data.label_type number needs numbers",
    ),
    case(
        "arrays-nan-to-predict",
        both(npz("a.npz", x=X, y=[1.0, float("nan"), 2.0, 3.0]), arrays(label_type="number")),
        TRAIN, "a.npz: y[1] is nan; the values to predict must be finite",
    ),
    case(
        "arrays-numbers-per-step", arrays(mapping="many_to_many", label_type="number"), TRAIN,
        "data.label_type: mapping 'many_to_many' over data.format 'arrays' reads labels of "
        "type 'category' or 'sequence', not 'number'",
    ),
    case(
        "arrays-val-file-label-unseen",
        both(npz("a.npz", x=X, y=Y), npz("v.npz", x=X, y=["a", "c", "a", "a"]),
             arrays(val_path="v.npz", val_fraction=0)),
        TRAIN, "v.npz: y[1] is 'c', not a label the model knows (a, b)",
    ),
    case(
        "arrays-val-file-feature-count",
        both(npz("a.npz", x=X, y=Y), npz("v.npz", x=[[[1.0]]] * 4, y=Y),
             arrays(val_path="v.npz", val_fraction=0)),
        TRAIN, "v.npz: x has 1 feature(s) per step; the run reads 2",
    ),
    case(
        "val-path-and-val-fraction", recipe(data={"val_path": "v.txt", "val_fraction": 0.2}),
        TRAIN, "recipe.yaml: data: val_fraction: the val split comes from val_path; drop",
    ),
    case(
        "test-path-and-test-size",
        recipe(mapping="many_to_one", data={
            "format": "series", "path": "s.csv", "test_path": "t.csv", "test_size": 3}),
        TRAIN, "recipe.yaml: data: set test_size or test_path, not both",
    ),
    case(
        "val-file-token-unseen",
        both(file("v.txt", "\u00a7\u00a7"), recipe(data={"val_path": "v.txt", "val_fraction": 0})),
        TRAIN, "v.txt: 1 token(s) the model never saw",
    ),
    case(
        "val-file-label-unseen",
        both(file("d.tsv", "".join(f"spam\tfree {i}\nham\thi {i}\n" for i in range(4))),
             file("v.tsv", "eggs\thello\n"),
             recipe(mapping="many_to_one", data={
                 "format": "table", "path": "d.tsv", "val_path": "v.tsv", "val_fraction": 0})),
        TRAIN, "label 'eggs' is not one the model knows (ham, spam)",
    ),
    case(
        "arrays-predict-text-feature-count", run_of("array_classifier"),
        "predict array_classifier --text 1,2", "input line 1: step 1 (1,2) has 2 feature(s); ",
    ),
    case(
        "tagger-predict-without-feature-values",
        run_of("tagger", "data.label_column=xpos", "data.feature_columns=[upos]"),
        "predict tagger --text 'I saw'",
        "input line 1: 'I' has no feature values; this run reads each token as word|upos",
    ),
    case(
        "arrays-gates-not-a-number", run_of("array_classifier"),
        "gates array_classifier --text '0.5 x 2'", "--text: step 2: 'x' is not a number",
    ),
    case(
        "audio-not-riff", both(wav("d/a/1.wav"), file("d/b/2.wav", b"ID3 an mp3"), audio()),
        TRAIN, "d/b/2.wav: not a PCM RIFF/WAVE file (file does not start with RIFF id)",
    ),
    case(
        "audio-no-frames", both(wav("d/a/1.wav"), wav("d/b/2.wav", seconds=0), audio()),
        TRAIN, "d/b/2.wav: 0 frames; the recording is empty",
    ),
    case(
        "audio-too-long", both(wav("d/a/1.wav"), wav("d/b/2.wav", seconds=2), audio(max_seconds=1)),
        TRAIN, "d/b/2.wav: 2.0 s long, past data.max_seconds (1); cut it or raise the limit",
    ),
    case(
        "audio-fifo-named-as-a-recording",
        both(wav("d/a/1.wav"), wav("d/b/1.wav"), fifo("d/b/2.wav"), audio()),
        TRAIN, "d/b/2.wav: is a named pipe (FIFO), expected a regular file",
    ),
    case(
        "audio-link-loop-named-as-a-recording",
        both(wav("d/a/1.wav"), wav("d/b/1.wav"), symlink_loop("d/b/2.wav"), audio()),
        TRAIN, "d/b/2.wav: data file not found",
    ),
    case(
        "audio-huge-declared-size",
        both(wav("d/a/1.wav"), forged_wav("d/b/2.wav", declared=2**31), audio()),
        TRAIN, "d/b/2.wav: 134217.7 s long, past data.max_seconds (60)",
    ),
    case(
        "ctc-recording-not-riff", both(wav("d/12_ann.wav"), file("d/34_bob.wav", MP3), ctc()),
        TRAIN, "d/34_bob.wav: not a PCM RIFF/WAVE file (file does not start with RIFF id)",
    ),
    case(
        "ctc-recording-without-frames",
        both(wav("d/12_ann.wav"), wav("d/34_bob.wav", seconds=0), ctc()),
        TRAIN, "d/34_bob.wav: 0 frames; the recording is empty",
    ),
    case(
        "ctc-fifo-named-as-a-recording", both(wav("d/12_ann.wav"), fifo("d/34_bob.wav"), ctc()),
        TRAIN, "d/34_bob.wav: is a named pipe (FIFO), expected a regular file",
    ),
    case(
        "audio-odd-rate", both(wav("d/a/1.wav"), wav("d/b/2.wav", rate=7919), audio()),
        TRAIN, "d/b/2.wav: recorded at 7919 Hz, which does not resample to data.sample_rate 8000",
    ),
    case(
        "audio-name-off-pattern", both(wav("d/7_theo_1.wav"), wav("d/seven.wav"),
                                       audio(name_pattern="{label}_{speaker}_{index}")),
        TRAIN, "d/seven.wav: its name does not fit data.name_pattern '{label}_{speaker}_{index}'",
    ),
    case(
        "audio-folder-missing", audio(path="shared/data/fsdd/recordings"), TRAIN,
        "recordings: no such folder; data.format audio reads a folder of .wav files; seqcli "
        "ships a sample of this data set:",
    ),
    case(
        "audio-loose-file", both(wav("d/a/1.wav"), wav("d/2.wav"), audio()),
        TRAIN, "d/2.wav: not in a class subfolder; without data.name_pattern or data.labels_file",
    ),
    case(
        "init-recordings-with-a-fifo", both(wav("d/a/1.wav"), wav("d/b/1.wav"), fifo("d/b/2.wav")),
        "init d --out d.yaml", "d/b/2.wav: is a named pipe (FIFO), expected a regular file",
    ),
    case(
        "init-recordings-that-are-not-wav", both(file("d/a/1.wav", MP3), file("d/b/2.wav", MP3)),
        "init d --out d.yaml", "d/a/1.wav: not a PCM RIFF/WAVE file (file does not start with RIFF",
    ),
    case(
        "npz-to-a-run-that-reads-lines", run_of("classifier"),
        "predict classifier --file d.npz", "--file d.npz: a classifier reads lines of text",
    ),
    # seqcli tune: the search space and the study's storage, refused before any trial.
    case(
        "tune-unknown-key", recipe(), f"{TUNE} train.lrr=float(1e-4,1e-2)",
        "--param train.lrr=float(0.0001,0.01): at 0.0001: train.lrr: unknown key", skip=NO_OPTUNA,
    ),
    case(
        "tune-range-the-key-refuses", recipe(), f"{TUNE} model.hidden_size=int(0,8)",
        "--param model.hidden_size=int(0,8): at 0: model.hidden_size", skip=NO_OPTUNA,
    ),
    case(
        "tune-bad-dist", recipe(), f"{TUNE} train.lr=uniform(1,2)",
        "--param train.lr=uniform(1,2): expected KEY=DIST", skip=NO_OPTUNA,
    ),
    case(
        "tune-section-unknown-key", recipe(tune={"train.lrr": "float(1e-4,1e-2)"}),
        "tune recipe.yaml", "recipe.yaml: tune: train.lrr=float(0.0001,0.01): at 0.0001: "
        "train.lrr: unknown key", skip=NO_OPTUNA,
    ),
    case(
        "tune-unreachable-storage", recipe(),
        f"{TUNE} train.lr=float(1e-3,1e-2) --out study --storage {REFUSED}",
        f"--storage {REFUSED}: (psycopg.OperationalError) connection failed",
        skip=NO_OPTUNA or NO_PSYCOPG2,
    ),
    case(
        "tune-space-key-does-not-exist", both(recipe(), file("s.yaml", "train.nope: float(1,2)\n")),
        "tune recipe.yaml --trials 1 --space s.yaml",
        "s.yaml: train.nope=float(1,2): at 1.0: train.nope: unknown key", skip=NO_OPTUNA,
    ),
    case(
        "tune-space-file-empty", both(recipe(), file("s.yaml", "")),
        "tune recipe.yaml --trials 1 --space s.yaml", "s.yaml: search space file is empty",
        skip=NO_OPTUNA,
    ),
    case(
        "tune-space-file-missing", recipe(), "tune recipe.yaml --trials 1 --space s.yaml",
        "s.yaml: search space file not found", skip=NO_OPTUNA,
    ),
    case(
        "tune-space-file-a-fifo", both(recipe(), fifo("s.yaml")),
        "tune recipe.yaml --trials 1 --space s.yaml",
        "s.yaml: is a named pipe (FIFO), expected a regular file", skip=NO_OPTUNA,
    ),
    case(
        "tune-storage-not-a-database", both(recipe(), file("db.sqlite", "not a database\n")),
        f"{TUNE} train.lr=float(1e-3,1e-2) --out study --storage sqlite:///db.sqlite",
        "--storage sqlite:///db.sqlite: (sqlite3.DatabaseError) file is not a database",
        skip=NO_OPTUNA,
    ),
    case(
        "tune-study-db-not-a-database", both(recipe(), file("study/study.db", "not a database\n")),
        f"{TUNE} train.lr=float(1e-3,1e-2) --out study",
        "--out study: study.db: (sqlite3.DatabaseError) file is not a database", skip=NO_OPTUNA,
    ),
    case(
        "tune-show-study-db-not-a-database", file("study/study.db", "not a database\n"),
        "tune --show study",
        "--show study: study.db: (sqlite3.DatabaseError) file is not a database", skip=NO_OPTUNA,
    ),
    case(
        "tune-range-of-nan", recipe(), f"{TUNE} train.lr=float(nan,1)",
        "--param train.lr=float(nan,1): NaN is not a bound; give a finite number", skip=NO_OPTUNA,
    ),
    case(
        "tune-range-to-infinity", recipe(), f"{TUNE} train.lr=float(0.1,inf)",
        "--param train.lr=float(0.1,inf): infinity is not a bound; give a finite number",
        skip=NO_OPTUNA,
    ),
    case(
        "tune-storage-in-memory", recipe(),
        f"{TUNE} train.lr=float(1e-3,1e-2) --out study --storage sqlite://",
        "--storage sqlite://: an SQLite study in memory is lost between connections; name a "
        "file, as in sqlite:///study.db", skip=NO_OPTUNA,
    ),
    case(
        "tune-storage-url-malformed", recipe(),
        f"{TUNE} train.lr=float(1e-3,1e-2) --out study --storage postgresql://u@[::1:5/x",
        "--storage postgresql://u@[::1:5/x: cannot read the host and port '[::1:5'; the port is "
        "a number and an IPv6 address goes in brackets, as in [::1]:5432", skip=NO_OPTUNA,
    ),
    case(
        "tune-storage-driver-not-installed", recipe(),
        f"{TUNE} train.lr=float(1e-3,1e-2) --out study --storage mysql://u@localhost/x",
        "--storage mysql://u@localhost/x: its driver MySQLdb is not installed; pip install "
        "mysqlclient", skip=NO_OPTUNA,
    ),
    case(
        "tune-param-given-twice", recipe(),
        f"{TUNE} train.lr=float(1e-3,1e-2) --param train.lr=float(1e-4,1e-2)",
        "--param train.lr: given twice, as float(0.001,0.01) and float(0.0001,0.01); give each "
        "key once", skip=NO_OPTUNA,
    ),
    case(
        "tune-show-a-folder-that-does-not-exist", nothing, "tune --show study",
        "--show study: does not exist; give the study folder (tune's --out)", skip=NO_OPTUNA,
    ),
    case(
        "tune-show-a-file", recipe(), "tune --show recipe.yaml",
        "--show recipe.yaml: is a file; give the study folder (tune's --out)", skip=NO_OPTUNA,
    ),
    case(
        "tune-study-of-another-recipe", both(recipe(), study_of_another_recipe),
        f"{TUNE} train.lr=float(1e-3,1e-2) --out study",
        "study: study study was started with another recipe or search space", skip=NO_OPTUNA,
    ),
]
# fmt: on


def run_command(args: str, run: Path):
    return CliRunner().invoke(app, shlex.split(args.replace("{run}", str(run))))


def explain(result) -> str:
    """Everything a failing assertion should show: the output and any traceback."""
    trace = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
    return f"exit {result.exit_code}\nstderr: {result.stderr}\nstdout: {result.stdout}\n{trace}"


@pytest.fixture(autouse=True)
def undone():
    undo_all()
    yield
    undo_all()


@pytest.mark.parametrize(("setup", "args", "expected"), CASES)
def test_bad_input_prints_one_error_line_and_exits_2(
    tmp_path, monkeypatch, trained_run, setup, args, expected
):
    monkeypatch.chdir(tmp_path)  # relative paths in args, and nothing lands in the repo
    check_case(tmp_path, trained_run, setup, args, expected)


def check_case(tmp: Path, run: Path, setup, args: str, expected: str) -> None:
    """One case of the table, from the current folder tmp; bench/fault_sweep.py runs it too."""
    setup(tmp, run)
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        result = run_command(args, run)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2, explain(result)
    # A user would see these on stderr above the error line (Python hides deprecations).
    shown = [w for w in warned if not issubclass(w.category, DeprecationWarning)]
    assert not shown, [str(w.message) for w in shown]
    assert len(lines) == 1 and lines[0].startswith("error: "), explain(result)
    assert "Traceback" not in result.output
    assert expected in lines[0], explain(result)
    assert not (tmp / MARKER).exists(), "loading a checkpoint ran code"
    changed = [str(path) for path, data in KEEP.items() if path.read_bytes() != data]
    assert not changed, f"changed: {changed}"


def test_crafted_checkpoint_would_run_code_if_unpickled(tmp_path, trained_run):
    """The refusal above means something only if the crafted file is a live attack."""
    pickled_attack(2)(tmp_path, trained_run)
    pickle.loads((tmp_path / "ckpt.pt").read_bytes())
    assert (tmp_path / MARKER).exists()


# Property tests: whatever a recipe or a data file holds, the answer is a result or a SeqcliError.

SECTIONS = {
    "data": TextData,
    "model": ModelConfig,
    "train": TrainConfig,
    "generate": GenerateConfig,
}
WORDS = [
    *("rnn", "lstm", "gru", "tanh", "relu", "uni", "bi", "text", "char", "word"),
    *("carried", "random", "adam", "adamw", "sgd", "rmsprop", "loss", "bpc", "accuracy"),
    *("many_to_many", "encoder_decoder", "corpus.txt", "", "tiny", "\x00", "../x"),
]
SCHEDULES = st.fixed_dictionaries(
    {"name": st.sampled_from(["constant", "cosine", "step", "plateau", "cosin"])},
    optional={
        key: st.integers(-1, 50) | st.floats(0, 2)
        for key in ("warmup_steps", "min_lr", "step_size", "gamma", "factor", "patience")
    },
)
# Values a person might write: mostly in range, a few just outside.
PLAUSIBLE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1, 64),
    st.floats(0, 1.5),
    st.sampled_from(WORDS),
    SCHEDULES,
    st.fixed_dictionaries({}, optional={"patience": st.integers(0, 3), "min_delta": st.floats()}),
)
# Values nobody means: extremes, NaN and infinities, odd text.
IMPLAUSIBLE = st.one_of(st.integers(), st.floats(), st.text(max_size=8))
KEYS = st.one_of(
    st.sampled_from([*Recipe.model_fields, "hiden_size", "modle", "min_lr", "patience"]),
    st.text(max_size=6),
    st.integers(),
    st.booleans(),  # YAML reads a key `on:` or `yes:` as True
    st.none(),
)
VALUES = st.recursive(
    PLAUSIBLE | IMPLAUSIBLE,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=10,
)
# A change is (section or None for the top level, key, value).
REAL_CHANGES = st.sampled_from(sorted(SECTIONS)).flatmap(
    lambda name: st.tuples(
        st.just(name), st.sampled_from(sorted(SECTIONS[name].model_fields)), PLAUSIBLE
    )
)
JUNK_CHANGES = st.tuples(
    st.sampled_from([None, *sorted(SECTIONS)]),
    st.sampled_from(sorted(Recipe.model_fields)) | KEYS,
    VALUES,
)


def changed(changes: list[tuple]) -> dict:
    """The tiny recipe with (section or None, key, value) changes applied in order."""
    raw = tiny_recipe(Path("corpus.txt"))
    for section, key, value in changes:
        target = raw if section is None else raw.get(section)
        if isinstance(target, dict):
            target[key] = value
    return raw


# Near-valid recipes reach the cross-field checks; arbitrary data tests the outer guards.
RECIPES = st.one_of(
    st.builds(
        lambda real, junk: changed(real + junk),
        st.lists(REAL_CHANGES, max_size=4),
        st.lists(JUNK_CHANGES, max_size=1),
    ),
    VALUES,
)


@settings(max_examples=200, deadline=None)
@given(raw=RECIPES)
def test_any_recipe_data_gives_a_recipe_or_one_line_a_problem(raw):
    try:
        recipe = validate_recipe(raw, source="fuzz.yaml", base_dir=Path(__file__).parent)
    except SeqcliError as err:
        for line in err.lines():
            assert line.startswith("fuzz.yaml: ") and "\n" not in line, line
        assert len(set(err.lines())) == len(err.lines())
        return
    assert isinstance(recipe, Recipe)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=64) | st.text(max_size=32).map(str.encode))
def test_any_bytes_give_a_corpus_or_a_seqcli_error(tmp_path, data):
    path = tmp_path / "fuzz.txt"
    path.write_bytes(data)
    try:
        ids, vocab = load_corpus(path, "char")
    except SeqcliError as err:
        assert str(err).startswith(f"{path}: "), str(err)
        return
    assert vocab.decode(ids) == data.decode("utf-8")


def test_a_field_checks_message_follows_its_name_and_a_colon():
    from seqcli.tasks.translator.task import TranslatorForm

    vocab = {"tokenizer": "char", "tokens": ["<pad>", "<bos>", "<eos>", "<unk>"]}
    damaged = {"tokenizer": "bpe", "tokens": ["a"], "model": "bm90IGEgbW9kZWw="}
    with pytest.raises(ValueError) as err:
        TranslatorForm.read({"source": damaged, "target": vocab, "shown": []})
    assert str(err.value) == "source.model: not a sentencepiece model in base64"


def test_a_forms_own_check_names_its_field_under_the_forms_path():
    from seqcli.tasks.translator.task import TranslatorForm

    vocab = {"tokenizer": "char", "tokens": ["a", "a"]}
    with pytest.raises(ValueError) as err:
        TranslatorForm.read({"source": vocab, "target": vocab, "shown": []})
    assert str(err.value) == "source.tokens: 'a' appears twice"


def test_any_field_validators_message_is_joined_with_a_colon_not_a_dot():
    from pydantic import field_validator

    from seqcli.data.forms import Form

    class Inner(Form):
        name: str

        @field_validator("name")
        @classmethod
        def _short(cls, name: str) -> str:
            if len(name) > 3:
                raise ValueError("longer than 3 characters")
            return name

    class Outer(Form):
        inner: Inner

    with pytest.raises(ValueError) as err:
        Outer.read({"inner": {"name": "abcdef"}})
    assert str(err.value) == "inner.name: longer than 3 characters"


def test_a_mat_element_that_inflates_a_thousandfold_is_refused_before_scipy_inflates_it(
    tmp_path,
):
    from scipy.io import savemat

    from seqcli.data.music import load_music

    path = tmp_path / "bomb.mat"
    savemat(path, {"traindata": np.zeros((80 << 20) // 8)}, do_compression=True)
    assert path.stat().st_size < 1 << 20
    with pytest.raises(SeqcliError) as err:
        load_music(path)
    assert str(err.value).startswith(f"{path}: element 1: unpacks to ")
    assert "as a zip bomb does" in str(err.value)


def test_a_gap_in_a_future_file_is_filled_as_data_missing_says_never_forecast_as_nan(tmp_path):
    from tests.series_helpers import generated_text, series_recipe, untrained_run, write_csv

    rows = "".join(f"{i},{i % 3},{i % 7}\n" for i in range(80))
    series = write_csv(tmp_path / "s.csv", "t,x,v\n" + rows)
    raw = series_recipe(series, future_columns=["x"], value_columns=["v"], missing="interpolate")
    run, _ = untrained_run(raw)
    gap = write_csv(tmp_path / "gap.csv", "x\n1\nnan\n3\n")
    filled = write_csv(tmp_path / "filled.csv", "x\n1\n2\n3\n")
    forecast = generated_text(run, horizon=3, future=gap)
    assert "nan" not in forecast.lower()
    assert forecast == generated_text(run, horizon=3, future=filled)


def test_a_gap_in_a_future_file_is_refused_when_data_missing_drops_rows(tmp_path):
    """Dropping a row of --future would move every later value one step earlier."""
    from tests.series_helpers import generated_text, series_recipe, untrained_run, write_csv

    rows = "".join(f"{i},{i % 3},{i % 7}\n" for i in range(80))
    series = write_csv(tmp_path / "s.csv", "t,x,v\n" + rows)
    raw = series_recipe(series, future_columns=["x"], value_columns=["v"], missing="drop")
    run, _ = untrained_run(raw)
    gap = write_csv(tmp_path / "gap.csv", "x\n1\nnan\n3\n4\n")
    with pytest.raises(SeqcliError, match=r"gap\.csv: no value of 'x' in row 2 after the header"):
        generated_text(run, horizon=3, future=gap)
