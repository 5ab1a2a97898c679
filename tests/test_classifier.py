"""The many_to_one classifier: labelled readers, stratified split, packing, pooling, class
weights, metrics against hand computations, and a tiny model that learns."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seqcli import __version__
from seqcli.data.labelled import Example, read_examples, stratified_split
from seqcli.errors import DataError, RecipeError, UsageError
from seqcli.metrics.classification import (
    accuracy,
    classification_details,
    confusion_matrix,
    macro_f1,
)
from seqcli.models.pooled import Classifier
from seqcli.recipe import validate_recipe
from seqcli.recipe.model import PooledConfig
from seqcli.tasks import TASKS
from seqcli.tasks.labelled.classifier import balanced_weights

ROOT = Path(__file__).resolve().parents[1]
TASK = TASKS["classifier"]


def recipe_for(data: dict, **sections) -> object:
    raw = {
        "name": "tiny-classifier",
        "seed": 3,
        "mapping": "many_to_one",
        "data": {"val_fraction": 0.25, **data},
        "model": {"cell": "gru", "hidden_size": 16, "embedding_size": 8},
        "train": {"batch_size": 8, "steps": 10, "eval_every": 5},
        **sections,
    }
    return validate_recipe(raw, source="test")


def table(tmp_path: Path, text: str, name: str = "data.tsv", **data) -> object:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return recipe_for({"format": "table", "path": str(path), **data}).data


def read_error(config) -> str:
    with pytest.raises(DataError) as caught:
        read_examples(config)
    return str(caught.value)


# --- readers ---------------------------------------------------------------------------------


def test_table_reads_label_and_text_in_file_order(tmp_path):
    config = table(tmp_path, 'ham\t"quoted" start\nspam\tWIN now\n\nham\tok\n')
    examples = read_examples(config)
    assert [(e.label, e.text) for e in examples] == [
        ("ham", '"quoted" start'),
        ("spam", "WIN now"),
        ("ham", "ok"),
    ]
    assert examples[2].where.endswith("data.tsv:4")


def test_csv_header_names_the_columns(tmp_path):
    text = 'text,category\n"hello, world",a\nbye,b\n'
    config = table(
        tmp_path, text, "data.csv", header=True, label_column="category", text_column="text"
    )
    assert [(e.label, e.text) for e in read_examples(config)] == [
        ("a", "hello, world"),
        ("b", "bye"),
    ]


def test_lowercase_applies_to_the_data_and_to_predict(tmp_path):
    config = table(tmp_path, "a\tFREE Prize\nb\tHi\n", lowercase=True, val_fraction=0)
    assert [e.text for e in read_examples(config)] == ["free prize", "hi"]
    recipe = recipe_for({**config.model_dump(mode="json"), "path": str(config.path)})
    data = TASK.prepare(recipe)
    run = FakeRun(recipe, data.meta, TASK.build_model(recipe, data.meta))
    assert TASK.predict(run, ["  FREE  "])[0]["text"] == "free"


def test_delimiter_and_columns_pick_the_fields(tmp_path):
    config = table(
        tmp_path,
        "1;ham;hello\n2;spam;WIN\n",
        "data.dat",
        delimiter=";",
        label_column=1,
        text_column=2,
    )
    assert [(e.label, e.text) for e in read_examples(config)] == [("ham", "hello"), ("spam", "WIN")]


def test_header_row_is_not_an_example(tmp_path):
    text = "label\ttext\na\tx\nb\ty\n"
    assert len(read_examples(table(tmp_path, text, header=True))) == 2
    assert read_examples(table(tmp_path, text))[0][:3] == (
        "label",
        "text",
        f"{tmp_path}/data.tsv:1",
    )


def test_min_freq_sends_rare_tokens_to_unk(tmp_path):
    config = table(tmp_path, "a\taab\nb\tbbc\n", val_fraction=0).model_dump(mode="json")
    tokens = [TASK.prepare(recipe_for({**config, "min_freq": n})).meta.vocab.tokens for n in (1, 2)]
    assert tokens == [("<pad>", "<unk>", "b", "a", "c"), ("<pad>", "<unk>", "b", "a")]


def test_class_weights_setting_reaches_the_loss(tmp_path):
    config = table(tmp_path, "a\tx\na\ty\na\tz\nb\tw\n", val_fraction=0)
    weights = {}
    for setting in (None, "balanced", {"b": 5.0}):
        recipe = recipe_for({**config.model_dump(mode="json"), "class_weights": setting})
        meta = TASK.prepare(recipe).meta
        weights[str(setting)] = TASK.build_model(recipe, meta).class_weights
    assert weights["None"] is None
    assert weights["balanced"].tolist() == pytest.approx([4 / (2 * 3), 4 / (2 * 1)])
    assert weights["{'b': 5.0}"].tolist() == [1.0, 5.0]


def test_missing_column_names_file_and_line(tmp_path):
    message = read_error(table(tmp_path, "a\tone\nb\n"))
    assert "data.tsv:2" in message and "text_column is 1" in message


def test_unknown_header_name_lists_the_columns(tmp_path):
    config = table(tmp_path, "label\tbody\na\tx\n", header=True, text_column="text")
    assert "no column named 'text'" in read_error(config) and "'body'" in read_error(config)


def test_empty_text_names_file_and_line(tmp_path):
    assert "data.tsv:3: empty text" in read_error(table(tmp_path, "a\tx\nb\ty\nb\t  \n"))


def test_bad_utf8_names_file_and_line(tmp_path):
    config = table(tmp_path, "a\tx\nb\ty\n")
    config.path.write_bytes(b"a\tx\nb\tcaf\xe9\n")
    assert "data.tsv:2: not UTF-8 (byte 0xe9" in read_error(config)


def test_a_single_class_is_refused(tmp_path):
    assert "least two classes" in read_error(table(tmp_path, "a\tx\na\ty\n"))


def test_unknown_extension_needs_a_delimiter(tmp_path):
    with pytest.raises(RecipeError, match="data.delimiter"):
        table(tmp_path, "a\tx\n", "SMSSpamCollection")


def test_folder_reads_one_class_per_txt_file(tmp_path):
    (tmp_path / "Irish.txt").write_text("Murphy\nKelly\n", encoding="utf-8")
    (tmp_path / "Greek.txt").write_text("Pappas\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("not a class\n", encoding="utf-8")
    config = recipe_for({"format": "folder", "path": str(tmp_path)}).data
    examples = read_examples(config)
    assert [(e.label, e.text) for e in examples] == [
        ("Greek", "Pappas"),
        ("Irish", "Murphy"),
        ("Irish", "Kelly"),
    ]


def test_missing_folder_is_a_data_error(tmp_path):
    config = recipe_for({"format": "folder", "path": str(tmp_path / "nope")}).data
    assert "folder not found" in read_error(config)


# --- stratified split ------------------------------------------------------------------------


def toy_examples(counts: dict[str, int]) -> list[Example]:
    return [
        Example(label, f"{label}{i}", f"f:{i}") for label, n in counts.items() for i in range(n)
    ]


def test_split_keeps_class_proportions_and_file_order():
    examples = toy_examples({"ham": 80, "spam": 20})
    splits = stratified_split(examples, val_fraction=0.2, test_fraction=0.1, seed=0)
    assert Counter(e.label for e in splits["val"]) == {"ham": 16, "spam": 4}
    assert Counter(e.label for e in splits["test"]) == {"ham": 8, "spam": 2}
    assert Counter(e.label for e in splits["train"]) == {"ham": 56, "spam": 14}
    for split in splits.values():
        assert split == sorted(split, key=examples.index)


def test_split_is_deterministic_per_seed():
    examples = toy_examples({"a": 30, "b": 30})
    split = lambda seed: stratified_split(examples, val_fraction=0.2, test_fraction=0, seed=seed)  # noqa: E731
    assert split(5) == split(5)
    assert split(5)["val"] != split(6)["val"]


def test_class_too_small_to_split_names_its_first_line():
    examples = toy_examples({"a": 30, "b": 2})
    with pytest.raises(DataError, match=r"f:0: class 'b' has 2 example\(s\).*at least 3"):
        stratified_split(examples, val_fraction=0.1, test_fraction=0.1, seed=0)


# --- model -----------------------------------------------------------------------------------


def model_for(pooling: str, direction: str = "uni", cell: str = "gru", layers: int = 1):
    torch.manual_seed(0)
    config = PooledConfig(
        cell=cell,
        hidden_size=6,
        embedding_size=5,
        layers=layers,
        direction=direction,
        pooling=pooling,
    )
    return Classifier(config, num_tokens=12, num_classes=3).eval()


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
@pytest.mark.parametrize("direction", ["uni", "bi"])
def test_padding_does_not_change_a_sequences_output(pooling, direction):
    model = model_for(pooling, direction, cell="lstm", layers=2)
    short = torch.tensor([[3, 4, 5]])
    batch = torch.tensor([[3, 4, 5, 0, 0, 0], [6, 7, 8, 9, 10, 11]])
    alone = model(short, torch.tensor([3])).out
    padded = model(batch, torch.tensor([3, 6])).out
    assert torch.allclose(alone[0], padded[0], atol=1e-6)


def test_bi_last_is_each_directions_final_state():
    model = model_for("last", "bi")
    tokens, hidden = torch.tensor([[3, 4, 5, 6, 0, 0]]), 6
    captured = {}
    model.head.register_forward_hook(lambda m, args, out: captured.setdefault("x", args[0]))
    model(tokens, torch.tensor([4]))
    output, _ = model.rnn(model.embed(tokens[:, :4]))  # (1, 4, 2H), no padding at all
    forward_final, backward_final = output[0, -1, :hidden], output[0, 0, hidden:]
    assert torch.allclose(captured["x"][0], torch.cat([forward_final, backward_final]), atol=1e-6)
    assert not torch.allclose(captured["x"][0, hidden:], output[0, -1, hidden:])


def test_mean_and_max_pool_over_real_tokens_only():
    output = torch.tensor([[[1.0], [3.0], [100.0]]])  # (1, 3, 1): the last step is padding
    mask = torch.tensor([[True, True, False]])
    assert model_for("mean").pool(output, None, mask).item() == 2.0
    assert model_for("max").pool(output, None, mask).item() == 3.0


def test_attention_gives_padding_no_weight():
    model = model_for("attention")
    output = torch.tensor([[[1.0] * 6, [2.0] * 6, [900.0] * 6]])  # (1, 3, 6)
    pooled = model.pool(output, None, torch.tensor([[True, True, False]]))
    assert 1.0 <= pooled.min().item() and pooled.max().item() <= 2.0


# --- class weights ---------------------------------------------------------------------------


def test_balanced_weights_are_n_over_k_count():
    weights = balanced_weights(Counter(ham=6, spam=2), ["ham", "spam"])
    assert weights == pytest.approx((8 / (2 * 6), 8 / (2 * 2)))


def test_class_weights_enter_the_loss():
    config = PooledConfig(cell="rnn", hidden_size=4, embedding_size=3)
    model = Classifier(config, num_tokens=5, num_classes=2, class_weights=[1.0, 3.0])
    tokens, lengths, targets = (
        torch.tensor([[2, 3], [4, 0]]),
        torch.tensor([2, 1]),
        torch.tensor([0, 1]),
    )
    out = model(tokens, lengths, targets=targets)
    per_example = F.cross_entropy(out.out, targets, reduction="none")
    assert out.loss.item() == pytest.approx(((per_example[0] + 3 * per_example[1]) / 4).item())


def test_class_weight_for_an_unknown_label_is_refused(tmp_path):
    config = table(tmp_path, "a\tx\na\ty\nb\tz\nb\tw\n", class_weights={"c": 2.0})
    recipe = recipe_for({**config.model_dump(mode="json"), "path": str(config.path)})
    with pytest.raises(DataError, match="no class 'c'"):
        TASK.prepare(recipe)


# --- metrics by hand -------------------------------------------------------------------------


def test_metrics_match_hand_computation():
    targets = [0, 0, 0, 1, 1, 2]
    predictions = [0, 0, 1, 1, 2, 2]
    matrix = confusion_matrix(targets, predictions, classes=3)
    assert matrix.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert accuracy(matrix) == pytest.approx(4 / 6)
    # class 0: p 2/2 r 2/3 f1 0.8; class 1: p 1/2 r 1/2 f1 0.5; class 2: p 1/2 r 1 f1 2/3
    assert macro_f1(matrix) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    details = classification_details(matrix, ["a", "b", "c"])
    rows = details["per class"]["rows"]
    assert [r[1] for r in rows] == pytest.approx([1.0, 0.5, 0.5])  # precision
    assert [r[2] for r in rows] == pytest.approx([2 / 3, 0.5, 1.0])  # recall
    assert [r[4] for r in rows] == [3, 2, 1]  # support
    assert details["confusion (rows: true class, columns: predicted)"]["rows"][1] == ["b", 0, 1, 1]
    # always "a": accuracy 3/6; F1 of a = 2 * 0.5 * 1 / 1.5 = 2/3, the others 0
    assert details["baseline"]["rows"][0][1:] == pytest.approx([0.5, 2 / 9])


def test_a_never_predicted_class_scores_zero_not_nan():
    matrix = confusion_matrix([0, 1, 1], [0, 0, 0], classes=2)
    # class 0: precision 1/3, recall 1, F1 0.5; class 1: nothing predicted, F1 0
    assert macro_f1(matrix) == pytest.approx((0.5 + 0) / 2)
    assert not math.isnan(macro_f1(matrix))


# --- the task end to end ---------------------------------------------------------------------


@dataclass
class FakeRun:
    recipe: object
    meta: object
    model: torch.nn.Module
    device: torch.device = torch.device("cpu")


def vowel_folder(folder: Path) -> Path:
    """Class by the only vowel a word uses (consonant-vowel syllables): learnable in a few
    dozen steps."""
    rng = np.random.default_rng(0)
    for vowel in "aiu":
        words = [
            "".join(f"{consonant}{vowel}" for consonant in rng.choice(list("bdkmt"), size=size))
            for size in rng.integers(2, 5, size=60)
        ]
        (folder / f"{vowel}.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    return folder


def trained(recipe, data) -> FakeRun:
    torch.manual_seed(0)
    run = FakeRun(recipe, data.meta, TASK.build_model(recipe, data.meta))
    optimizer = torch.optim.Adam(run.model.parameters(), lr=0.02)
    batches = TASK.batches(data, recipe)
    for _ in range(recipe.train.steps):
        batch = next(batches)
        loss = run.model(**batch.inputs, targets=batch.targets).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return run


def test_a_tiny_model_learns_a_toy_task(tmp_path):
    recipe = recipe_for(
        {"format": "folder", "path": str(vowel_folder(tmp_path))},
        train={"batch_size": 16, "steps": 40, "eval_every": 20},
    )
    data = TASK.prepare(recipe)
    run = trained(recipe, data)
    metrics = TASK.evaluate(run, data.splits["val"])
    assert metrics["accuracy"] >= 0.9 and metrics["macro_f1"] >= 0.9
    assert [row[0] for row in metrics["details"]["per class"]["rows"]] == ["a", "i", "u"]
    rows = TASK.predict(run, ["babada", "tiki"], top_k=2)
    assert [r["label"] for r in rows] == ["a", "i"] and len(rows[0]["top"]) == 2


def test_meta_round_trips_through_plain_data(tmp_path):
    recipe = recipe_for({"format": "folder", "path": str(vowel_folder(tmp_path))})
    meta = TASK.prepare(recipe).meta
    assert TASK.meta.from_dict(meta.to_dict()) == meta


def test_batches_resume_exactly(tmp_path):
    recipe = recipe_for({"format": "folder", "path": str(vowel_folder(tmp_path))})
    data = TASK.prepare(recipe)
    first = TASK.batches(data, recipe)
    for _ in range(5):
        next(first)
    resumed = TASK.batches(data, recipe)
    resumed.load_state_dict(first.state_dict())
    assert torch.equal(next(first).inputs["tokens"], next(resumed).inputs["tokens"])


def test_predict_refuses_an_empty_line(tmp_path):
    recipe = recipe_for({"format": "folder", "path": str(vowel_folder(tmp_path))})
    data = TASK.prepare(recipe)
    run = FakeRun(recipe, data.meta, TASK.build_model(recipe, data.meta))
    with pytest.raises(UsageError, match="line 2 is empty"):
        TASK.predict(run, ["bab", " "])


# --- recipe ----------------------------------------------------------------------------------


def test_pooling_is_refused_for_a_language_model(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("abc\n", encoding="utf-8")
    with pytest.raises(RecipeError, match="model.pooling: applies to classifier and regressor"):
        validate_recipe(
            {"name": "x", "data": {"path": str(path)}, "model": {"pooling": "max"}}, source="t"
        )


def test_column_name_needs_a_header(tmp_path):
    with pytest.raises(RecipeError, match="needs header: true"):
        table(tmp_path, "a\tx\n", label_column="label")


@pytest.mark.parametrize("name", ["sms-spam", "names-language"])
def test_shipped_recipes_validate(name):
    from seqcli.recipe import load_recipe

    recipe = load_recipe(ROOT / "recipes" / f"{name}.yaml")
    assert recipe.task == "classifier" and read_examples(recipe.data)


def test_another_file_is_read_with_the_runs_labels(tmp_path):
    recipe = recipe_for({"format": "folder", "path": str(vowel_folder(tmp_path))})
    data = TASK.prepare(recipe)
    run = FakeRun(recipe, data.meta, TASK.build_model(recipe, data.meta))
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("baba\n", encoding="utf-8")
    assert TASK.examples_from_file(run, other).targets == [0]
    (other / "o.txt").write_text("bobo\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"o.txt:1: label 'o' is not one the model knows"):
        TASK.examples_from_file(run, other)


# --- through the CLI -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def names_run(tmp_path_factory) -> Path:
    """recipes/names-language.yaml on two languages for a few steps, through `seqcli train`."""
    folder = tmp_path_factory.mktemp("names")
    data = folder / "data"
    data.mkdir()
    for language in ("Japanese", "Russian"):
        lines = (ROOT / "samples/names" / f"{language}.txt").read_text(encoding="utf-8")
        (data / f"{language}.txt").write_text("\n".join(lines.splitlines()[:150]), "utf-8")
    settings = {
        "data.path": data,
        "model.hidden_size": 16,
        "model.embedding_size": 8,
        "train.steps": 30,
        "train.eval_every": 15,
        "train.batch_size": 16,
    }
    overrides = [arg for key, value in settings.items() for arg in ("--set", f"{key}={value}")]
    recipe = ROOT / "recipes/names-language.yaml"
    cli_succeeds("train", recipe, "--out", folder / "run", "--quiet", *overrides)
    return folder / "run"


def cli_succeeds(*args):
    from typer.testing import CliRunner

    from seqcli.cli import app

    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, f"{result.stderr}\n{result.exception!r}"
    return result


def test_cli_evaluate_prints_metrics_and_class_tables(names_run):
    result = cli_succeeds("evaluate", names_run, "--json")
    record = json.loads(result.stdout)
    assert {"loss", "accuracy", "macro_f1"} <= set(record)
    assert [row[0] for row in record["details"]["per_class"]["rows"]] == ["Japanese", "Russian"]
    # Short machine keys; the title a person reads stays beside each table.
    assert set(record["details"]) == {"per_class", "confusion", "baseline"}
    assert record["details"]["confusion"]["title"].startswith("confusion (rows: true class")
    assert record["seqcli_version"] == __version__


def test_cli_predict_labels_each_line(names_run):
    result = cli_succeeds("predict", names_run, "--text", "Nakamura", "--text", "Ivanov", "--json")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["text"] for row in rows] == ["Nakamura", "Ivanov"]
    assert all(row["label"] in ("Japanese", "Russian") for row in rows)
    assert all(0.5 <= row["probability"] <= 1 for row in rows)  # the likeliest of two
    plain = cli_succeeds("predict", names_run, "--text", "Ivanov").stdout
    assert plain.count("\t") == 2 and plain.endswith("\tIvanov\n")


def test_cli_generate_points_to_predict(names_run):
    from typer.testing import CliRunner

    from seqcli.cli import app

    result = CliRunner().invoke(app, ["generate", str(names_run)])
    assert result.exit_code == 2 and "seqcli predict" in result.stderr


def test_a_capped_evaluation_samples_every_class(tmp_path):
    recipe = recipe_for({"format": "folder", "path": str(vowel_folder(tmp_path))})
    data = TASK.prepare(recipe)
    run = FakeRun(recipe, data.meta, TASK.build_model(recipe, data.meta))
    details = TASK.evaluate(run, data.splits["val"], max_batches=1)["details"]
    assert [row[4] for row in details["per class"]["rows"]] == [3, 2, 3]  # 8 of 45, all classes


def test_cli_dry_run_shows_the_packed_recurrent_layer():
    result = cli_succeeds("train", ROOT / "recipes/sms-spam.yaml", "--dry-run")
    assert "rnn" in result.stderr and "ex per step" in result.stderr


def test_the_confusion_table_fits_eighty_columns_whatever_the_classes():
    from seqcli.metrics.classification import WIDTH, confusion_table

    def width(table):  # as ui draws it: each cell its widest entry plus borders
        columns = list(zip(table["columns"], *table["rows"], strict=True))
        return sum(max(len(str(v)) for v in column) + 3 for column in columns) + 1

    two = confusion_table(np.asarray([[50, 2], [3, 45]]), ["ham", "spam"])
    ((title, table),) = two.items()
    assert title.startswith("confusion (rows") and table["columns"] == ["", "ham", "spam"]
    long_names = [f"{name}-language" for name in ("Arabic", "Czech", "Dutch", "Greek", "Irish")]
    five = next(iter(confusion_table(np.eye(5, dtype=int) * 9, long_names).values()))
    assert five["columns"][1:] == ["Arab", "Czec", "Dutc", "Gree", "Iris"] and width(five) <= WIDTH
    rng = np.random.default_rng(0)
    many = rng.integers(0, 30, size=(18, 18))
    ((title, table),) = confusion_table(many, [f"class{i}" for i in range(18)]).items()
    assert title == "confusion (most frequent mistakes)" and len(table["rows"]) == 15
    counts = [row[2] for row in table["rows"]]
    assert (
        counts == sorted(counts, reverse=True) and counts[0] == many[~np.eye(18, dtype=bool)].max()
    )
    assert table["matrix"]["counts"] == many.tolist()  # the whole matrix for --json
