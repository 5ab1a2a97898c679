"""model.pretrained_embeddings and model.freeze_embeddings: word vectors copied into the token
tables, held fixed for N steps, and a frozen run resumed exactly."""

from __future__ import annotations

import gzip
import json

import pytest
import torch

from seqcli.analysis.inspect import summary_rows
from seqcli.data.word_vectors import read_vectors
from seqcli.engine import events
from seqcli.engine.contract import HasTokenTables
from seqcli.engine.start import fresh_run, fresh_training, resumed_training
from seqcli.errors import DataError
from seqcli.recipe import validate_recipe
from seqcli.recipe.tasks import SPECS
from seqcli.runs.checkpoint import load_checkpoint
from seqcli.tasks import TASKS, task_for

CPU = torch.device("cpu")
DIM = 4
WORDS = ("the", "cat", "dog", "sat", "ran", "on", "a", "mat", "big", "red")
TAGS = {"the": "DET", "a": "DET", "on": "ADP", "sat": "VERB", "ran": "VERB"}


def vector(index: int) -> list[float]:
    return [round(0.1 * index + 0.01 * d, 4) for d in range(DIM)]


@pytest.fixture
def tagged(tmp_path):
    """A columns file of short sentences, capitalised starts included."""
    sentences = [["The", "cat", "sat", "on", "a", "mat"], ["a", "big", "dog", "ran"]] * 12
    sentences += [["the", "red", "cat", "ran", "on", "the", "mat"]] * 12
    lines = [
        "\n".join(f"{word} {TAGS.get(word.lower(), 'NOUN')}" for word in sentence) + "\n"
        for sentence in sentences
    ]
    path = tmp_path / "train.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def glove(tmp_path):
    """GloVe text for every word but "big"; "The" only as "the" (the lowercase fallback)."""
    path = tmp_path / "vectors.txt"
    rows = [f"{w} {' '.join(map(str, vector(i)))}" for i, w in enumerate(WORDS) if w != "big"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def tagger_recipe(data, vectors, *, steps=6, **model):
    return validate_recipe(
        {
            "name": "vectors",
            "seed": 3,
            "data": {"format": "columns", "path": str(data), "val_fraction": 0.1},
            "model": {
                "hidden_size": 8,
                "embedding_size": DIM,
                "pretrained_embeddings": str(vectors),
                **model,
            },
            "train": {"batch_size": 4, "steps": steps, "eval_every": 3, "lr": 0.05},
        },
        source="test",
    )


def test_vectors_are_copied_exactly_and_by_lowercase(tagged, glove):
    recipe = tagger_recipe(tagged, glove)
    run, _ = fresh_run(recipe, task_for(recipe), device=CPU)
    words, table = run.meta.words, run.model.embed.weight
    assert torch.equal(table[words.index["cat"]], torch.tensor(vector(WORDS.index("cat"))))
    assert torch.equal(table[words.index["The"]], torch.tensor(vector(WORDS.index("the"))))
    assert not table[0].any()  # <pad> keeps its zero row
    (coverage,) = run.embeddings
    # 11 words + <pad>, <unk>: all but big, <pad> and <unk> found; The by lowercase
    assert coverage == {"table": "words", "tokens": 13, "found": 10, "by_lowercase": 1}


def weights_by_step(trainer) -> dict[int, torch.Tensor]:
    table = trainer.run.model.embed.weight
    seen = {0: table.detach().clone()}
    for event in trainer:
        if isinstance(event, events.Step):
            seen[event.step] = table.detach().clone()
    trainer.folder.release()
    return seen


def test_frozen_vectors_hold_for_n_steps_then_move(tagged, glove, tmp_path):
    recipe = tagger_recipe(tagged, glove, freeze_embeddings=3)
    seen = weights_by_step(fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "r"))
    assert all(torch.equal(seen[step], seen[0]) for step in (1, 2, 3))
    assert not torch.equal(seen[4], seen[3])


def test_a_frozen_run_resumes_exactly(tagged, glove, tmp_path):
    recipe = tagger_recipe(tagged, glove, steps=8, freeze_embeddings=4)
    straight = fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "a")
    expected = weights_by_step(straight)[8]
    first = fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "b")
    for event in first:
        if isinstance(event, events.Step) and event.step == 2:
            first.request_stop("test")
    first.folder.release()
    second = resumed_training(tmp_path / "b", TASKS, device=CPU)
    assert second.step == 2 and second.run.embeddings == straight.run.embeddings
    assert torch.equal(weights_by_step(second)[8], expected)


def test_true_freezes_for_the_whole_run(tagged, glove, tmp_path):
    recipe = tagger_recipe(tagged, glove, freeze_embeddings=True)
    seen = weights_by_step(fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "r"))
    assert torch.equal(seen[6], seen[0])


def test_a_word2vec_header_and_gzip_are_read(tmp_path):
    path = tmp_path / "w2v.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(f"2 {DIM}\ncat 1 2 3 4\nDog 5 6 7 8\n")
    aligned = read_vectors(path, ["cat", "dog"], dim=DIM, what="v").align(["cat", "dog"])
    assert aligned.exact == 1 and aligned.folded == 1
    assert aligned.rows[1].tolist() == [5, 6, 7, 8]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("cat 1 2 3 4\ndog 1 2 3\n", "w.txt:2: 3 numbers after the word, but the rows before"),
        ("cat 1 2 x 4\n", "w.txt:1: 'x' is not a number"),
        ("", "holds no vectors"),
        ("cat 1 2 3\n", "holds 3-dimensional vectors (line 1) but model.embedding_size is 4"),
        (b"caf\xe9 1 2 3 4\n", "w.txt:1: not UTF-8"),
        ("cat 1 nan 3 4\n", "w.txt:1: number 2 of the vector is NaN ('nan')"),
        ("cat 1 2 -inf 4\n", "w.txt:1: number 3 of the vector is minus infinity ('-inf')"),
        ("cat 1 2 3 inf\n", "w.txt:1: number 4 of the vector is infinity ('inf')"),
        ("cat 1 2 3 1e39\n", "w.txt:1: number 4 of the vector is beyond float32's range"),
    ],
    ids=["ragged", "not-a-number", "empty", "wrong-dimension", "not-utf8"]
    + ["nan", "-inf", "inf", "past-float32"],
)
def test_a_hostile_vectors_file_is_one_line_naming_where(tmp_path, content, message):
    path = tmp_path / "w.txt"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_vectors(path, ["cat", "dog"], dim=DIM, what="model.pretrained_embeddings")


def test_a_gzip_of_one_endless_line_is_refused_without_holding_it(tmp_path):
    path = tmp_path / "w.txt.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"cat 1 2 3 4\n" + b"0" * (1 << 22))  # 4 MiB of one line, 4 KiB packed
    with pytest.raises(DataError, match=r"w\.txt\.gz:2: a line longer than 4\.25 KiB"):
        read_vectors(path, ["cat"], dim=DIM, what="model.pretrained_embeddings")


def test_every_task_taking_vectors_names_its_token_tables():
    takes = [
        name for name, spec in SPECS.items() if "pretrained_embeddings" in spec.model.model_fields
    ]
    assert set(takes) == {"language_model", "classifier", "regressor", "tagger", "translator"}
    assert {name for name, task in TASKS.items() if isinstance(task, HasTokenTables)} == set(takes)


def test_a_glove_word_with_spaces_is_read_whole_and_a_short_row_is_ragged(tmp_path):
    path = tmp_path / "840B.txt"
    path.write_text("cat 1 2 3 4\nat name@x.com 5 6 7 8\ndog 1 2 3\n", encoding="utf-8")
    with pytest.raises(DataError, match="840B.txt:3: 3 numbers after the word"):
        read_vectors(path, ["cat"], dim=DIM, what="v")
    path.write_text("cat 1 2 3 4\nat name@x.com 5 6 7 8\n", encoding="utf-8")
    vectors = read_vectors(path, ["at name@x.com"], dim=DIM, what="v")
    assert vectors.exact["at name@x.com"].tolist() == [5, 6, 7, 8]


def test_only_the_vocabularys_rows_are_kept(tmp_path):
    path = tmp_path / "big.txt"
    rows = (f"w{i} {' '.join(['0.5'] * DIM)}" for i in range(5000))
    path.write_text("\n".join(["The 1 2 3 4", *rows]) + "\n", encoding="utf-8")
    vectors = read_vectors(path, ["w7", "the", "nope"], dim=DIM, what="v")
    assert set(vectors.exact) == {"w7"} and set(vectors.folded) == {"w7", "the"}


def test_one_file_feeds_a_translators_source_and_target(tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("the cat sat\tle chat\n" * 8, encoding="utf-8")
    vectors = tmp_path / "v.txt"
    vectors.write_text("cat 1 2 3 4\nchat 5 6 7 8\n", encoding="utf-8")
    raw = {
        "name": "t",
        "mapping": "encoder_decoder",
        "data": {"format": "pairs", "path": str(pairs), "normalize": "none"},
        "model": {"hidden_size": 8, "embedding_size": DIM, "pretrained_embeddings": str(vectors)},
        "train": {"steps": 1},
    }
    recipe = validate_recipe(raw, source="test")
    run, _ = fresh_run(recipe, task_for(recipe), device=CPU)
    source, target = run.meta.source.index, run.meta.target.index
    assert run.model.encoder.embed.weight[source["cat"]].tolist() == [1, 2, 3, 4]
    assert run.model.decoder.embed.weight[target["chat"]].tolist() == [5, 6, 7, 8]
    assert [found["table"] for found in run.embeddings] == ["source tokens", "target tokens"]


def test_inspect_and_the_summary_tell_what_the_vectors_covered(tagged, glove, tmp_path):
    recipe = tagger_recipe(tagged, glove, steps=2)
    weights_by_step(fresh_training(recipe, task_for(recipe), device=CPU, out=tmp_path / "r"))
    payload = load_checkpoint(tmp_path / "r" / "last.pt")
    rows = dict(summary_rows(payload, []))
    assert rows["word vectors, words"] == "10 of 13 found (1 by lowercase)"
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert summary["embeddings"] == [
        {"table": "words", "tokens": 13, "found": 10, "by_lowercase": 1}
    ]
