"""seqcli init: a recipe guessed from a sample of the user's file loads, says what it guessed
and trains first time; a file it cannot use is one line naming it."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import yaml
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine import events
from seqcli.engine.start import fresh_training
from seqcli.recipe import load_recipe
from seqcli.tasks import task_for
from tests.conftest import ROOT

SAMPLES = ROOT / "samples"
# A few steps of a tiny model, whatever the task; keys a recipe lacks are not overridden.
TINY = {
    "train.steps": "2",
    "train.eval_every": "2",
    "train.eval_batches": "1",
    "train.batch_size": "4",
    "model.hidden_size": "6",
    "model.embedding_size": "4",
    "model.char_features": "4",
    "train.seq_len": "16",
    "data.lookback": "6",
}


def invoke(*args):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def init(tmp_path, data, *args) -> tuple[dict, str]:
    """Run seqcli init into tmp_path/recipe.yaml: the recipe as YAML and what was said."""
    out = tmp_path / "recipe.yaml"
    result = invoke("init", data, "--out", out, *args)
    assert result.exit_code == 0, f"{result.stderr}\n{result.exception!r}"
    assert result.stdout == ""  # stdout carries generated output only
    return yaml.safe_load(out.read_text(encoding="utf-8")), result.stderr


def trains(tmp_path) -> list:
    """Train the written recipe, shrunk, for a few steps: its events."""
    out = tmp_path / "recipe.yaml"
    raw = yaml.safe_load(out.read_text(encoding="utf-8"))
    present = [key for key in TINY if key.split(".")[1] in raw.get(key.split(".")[0], {})]
    recipe = load_recipe(out, [f"{key}={TINY[key]}" for key in present])
    trainer = fresh_training(
        recipe, task_for(recipe), device=torch.device("cpu"), out=tmp_path / "run"
    )
    try:
        happened = list(trainer)
    finally:
        trainer.folder.release()
    # A Hopfield network stores its patterns without optimizer steps: it validates and saves.
    losses = [event.loss for event in happened if isinstance(event, events.Step)]
    scores = [v for e in happened if isinstance(e, events.Evaluated) for v in e.metrics.values()]
    assert scores and all(math.isfinite(value) for value in [*losses, *scores])
    assert any(isinstance(event, events.Saved) for event in happened)
    return happened


SHIPPED = {
    "airline_passengers/airline-passengers.csv": ("forecaster", "series"),
    "sunspots/monthly-sunspots.csv": ("forecaster", "series"),
    "eng_fra_mini/eng-fra.tsv": ("translator", "pairs"),
    "reverse_digits/pairs.tsv": ("translator", "pairs"),
    "names": ("classifier", "folder"),
    "number_words/numbers.tsv": ("regressor", "table"),
    "sms_spam/sms.tsv": ("classifier", "table"),
    "shakespeare/input.txt": ("language model", "text"),
    "sine/sine.csv": ("conditioned_values", "vectors"),
    "ud_ewt_mini/train.conllu": ("tagger", "conllu"),
    "waves/waves.npz": ("array_classifier", "arrays"),
    "waves/periods.npz": ("array_regressor", "arrays"),
    "waves/segments.npz": ("array_tagger", "arrays"),
    "letters/letters-5.txt": ("hopfield", "glyphs"),
    "letters/letters-10.txt": ("hopfield", "glyphs"),
    "jsb-chorales/JSB_Chorales_small.mat": ("music", "music"),
    "fsdd/recordings": ("audio_classifier", "audio"),
}


# Every sample's recipe is written and validated in the inner loop; these (a file of each of
# table, series, text and arrays) also train there, and every one with --all (make test-all, CI).
TRAINED_IN_SHORT = {
    "sms_spam/sms.tsv",
    "airline_passengers/airline-passengers.csv",
    "shakespeare/input.txt",
    "waves/waves.npz",
}


@pytest.mark.slow
@pytest.mark.parametrize("sample", sorted(SHIPPED))
def test_a_shipped_sample_makes_a_recipe_of_its_task_that_trains(tmp_path, sample, full_run):
    task, data_format = SHIPPED[sample]
    raw, _ = init(tmp_path, SAMPLES / sample)
    recipe = load_recipe(tmp_path / "recipe.yaml")
    assert raw["data"]["format"] == data_format
    assert task in (recipe.task, recipe.spec.title)
    if full_run or sample in TRAINED_IN_SHORT:
        trains(tmp_path)


def test_every_key_written_says_why(tmp_path):
    init(tmp_path, SAMPLES / "sms_spam" / "sms.tsv")
    text = (tmp_path / "recipe.yaml").read_text(encoding="utf-8")
    keys = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    sections = {"data:", "model:", "train:", "generate:"}
    bare = [line for line in keys if "#" not in line and line not in sections]
    assert not bare, f"keys without a comment: {bare}"


def test_a_csv_with_a_header_finds_text_and_label_and_says_the_id_is_ignored(tmp_path):
    data = tmp_path / "reviews.csv"
    rows = [
        f"{n},{text},{label}"
        for n, (text, label) in enumerate(
            [("a truly wonderful film with great acting", "pos"), ("dull and far too long", "neg")]
            * 15
        )
    ]
    data.write_text("id,review,sentiment\n" + "\n".join(rows) + "\n", encoding="utf-8")
    raw, said = init(tmp_path, data)
    assert raw["mapping"] == "many_to_one"
    assert raw["data"]["header"] is True
    assert (raw["data"]["text_column"], raw["data"]["label_column"]) == ("review", "sentiment")
    assert raw["data"]["tokenizer"] == "word"
    assert "ignored: 'id' (an id" in said
    trains(tmp_path)


def test_a_tsv_without_header_reads_label_and_text_by_position(tmp_path):
    data = tmp_path / "messages.tsv"
    lines = ["spam\tWIN a free prize now, call today", "ham\tsee you at lunch tomorrow then"] * 12
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw, _ = init(tmp_path, data)
    assert "header" not in raw["data"]
    assert (raw["data"]["label_column"], raw["data"]["text_column"]) == (0, 1)
    trains(tmp_path)


def test_a_csv_with_a_number_label_makes_a_regressor(tmp_path):
    data = tmp_path / "prices.csv"
    rows = [f"a small flat with {n % 5 + 1} rooms near the park,{100 + 7.5 * n}" for n in range(40)]
    data.write_text("description,price\n" + "\n".join(rows) + "\n", encoding="utf-8")
    raw, _ = init(tmp_path, data)
    assert raw["data"]["label_type"] == "number"
    assert raw["data"]["label_column"] == "price"
    assert raw["train"]["monitor"] == "mae"
    trains(tmp_path)


def dated_csv(path, *, days: int = 0, months: int = 0, hours: int = 0, rows: int = 120):
    """date,temperature,sales rows at one step: a covariate, and a target that swings with the
    calendar's season (a year of months, a week of days, a day of hours) and a little noise."""
    start = np.datetime64("2021-01-01T00:00")
    if months:
        dates = [str(np.datetime64("2000-01") + np.timedelta64(k, "M")) for k in range(rows)]
    else:
        step = np.timedelta64(days, "D") if days else np.timedelta64(hours, "h")
        form = "%Y-%m-%d" if days else "%Y-%m-%d %H:%M"
        moments = [(start + k * step).astype(object) for k in range(rows)]
        dates = [moment.strftime(form) for moment in moments]
    period = 12 if months else 7 if days else 24  # the calendar's season
    swing = [
        50 + 5 * math.sin(2 * math.pi * k / period) + (k * 7919 % 13) / 13 for k in range(rows)
    ]
    lines = [f"{d},{10 + k % 3},{swing[k]:.3f}" for k, d in enumerate(dates)]
    path.write_text("date,temperature,sales\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_dated_csv_finds_date_target_and_covariate_and_trains(tmp_path):
    raw, said = init(tmp_path, dated_csv(tmp_path / "shop.csv", days=1))
    data = raw["data"]
    assert (data["date_column"], data["value_columns"], data["input_columns"]) == (
        "date",
        ["sales"],
        ["temperature"],
    )
    assert (data["horizon"], data["season"]) == (7, 7)  # daily
    assert raw["mapping"] == "many_to_one"  # covariates have no future: a direct forecast
    assert "data.value_columns" in said  # the target is a guess, with its key
    trains(tmp_path)


def test_a_forecaster_corrects_the_best_baseline_so_a_trend_is_not_lost(tmp_path):
    """A plain network forecasts a trend beyond its training range flat (MASE 4.9 on US real
    GDP, Holt-Winters 0.63); the written design corrects the baseline that forecast the
    rolling origins best, and untrained it is that baseline."""
    rising = [
        f"{np.datetime64('2000-01') + np.timedelta64(k, 'M')},{100 + 2 * k}" for k in range(200)
    ]
    data = tmp_path / "rising.csv"
    data.write_text("month,sales\n" + "\n".join(rising) + "\n", encoding="utf-8")
    raw, _ = init(tmp_path, data)
    model = raw["model"]
    assert (model["residual_of"], model["quantiles"], raw["train"]["monitor"]) == (
        "auto",
        [0.1, 0.5, 0.9],
        "mase",
    )
    trains(tmp_path)
    result = invoke("evaluate", tmp_path / "run", "--split", "test", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["mase"] < 0.1  # a flat forecast scores above 1


@pytest.mark.parametrize(
    ("step", "horizon", "season"),
    [({"months": 1}, 12, 12), ({"hours": 1}, 24, 24), ({"days": 1}, 7, 7)],
)
def test_a_forecasts_horizon_and_season_follow_the_date_frequency(tmp_path, step, horizon, season):
    raw, _ = init(tmp_path, dated_csv(tmp_path / "series.csv", rows=400, **step))
    assert (raw["data"]["horizon"], raw["data"]["season"]) == (horizon, season)
    load_recipe(tmp_path / "recipe.yaml")


def test_an_npz_of_sequences_with_labels_makes_an_array_classifier(tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "sensors.npz"
    np.savez(data, x=rng.normal(size=(40, 12, 3)), y=np.array(["idle", "walk"] * 20), extra=[1])
    raw, said = init(tmp_path, data)
    assert (raw["mapping"], raw["data"]["format"]) == ("many_to_one", "arrays")
    assert "extra" in said
    trains(tmp_path)


def test_a_folder_of_class_files_makes_a_folder_classifier(tmp_path):
    folder = tmp_path / "langs"
    folder.mkdir()
    (folder / "English.txt").write_text("Smith\nBrown\nTaylor\nJones\nWilson\n", encoding="utf-8")
    (folder / "Italian.txt").write_text("Rossi\nRusso\nFerrari\nEsposito\nBianchi\n", "utf-8")
    raw, _ = init(tmp_path, folder)
    assert (raw["data"]["format"], raw["data"]["tokenizer"]) == ("folder", "char")
    assert raw["data"]["path"] == "langs"  # relative to the recipe's folder
    trains(tmp_path)


def test_a_pairs_file_makes_a_translator(tmp_path):
    data = tmp_path / "pairs.tsv"
    colours = {"red": "rouge", "black": "noir", "green": "vert", "grey": "gris", "blue": "bleu"}
    things = ("car", "cat", "dog", "hat", "pen", "cup")
    pairs = [f"the {w} is {c}\tle {w} est {f}" for w in things for c, f in colours.items()]
    data.write_text("\n".join(pairs) + "\n", encoding="utf-8")
    raw, _ = init(tmp_path, data)
    assert (raw["mapping"], raw["data"]["format"]) == ("encoder_decoder", "pairs")
    trains(tmp_path)


def test_a_conllu_file_makes_a_tagger(tmp_path):
    data = tmp_path / "mini.conllu"
    sentence = (
        "1\tDogs\tdog\tNOUN\tNNS\t_\t2\tnsubj\t_\t_\n2\tbark\tbark\tVERB\tVBP\t_\t0\troot\t_\t_\n"
    )
    data.write_text("# text = Dogs bark\n" + (sentence + "\n") * 12, encoding="utf-8")
    raw, _ = init(tmp_path, data)
    assert (raw["data"]["format"], raw["data"]["label_column"]) == ("conllu", "upos")
    trains(tmp_path)


def test_token_tag_columns_make_a_tagger_reading_the_last_column(tmp_path):
    data = tmp_path / "ner.txt"
    sentence = "John NNP B-PER\nlives VBZ O\nin IN O\nRome NNP B-LOC\n"
    data.write_text("\n".join([sentence] * 10), encoding="utf-8")
    raw, said = init(tmp_path, data)
    assert (raw["data"]["format"], raw["data"]["label_column"]) == ("columns", -1)
    assert raw["train"]["monitor"] == "f1"  # BIO labels are spans
    assert "data.feature_columns" in said
    trains(tmp_path)


def test_a_text_corpus_makes_a_language_model(tmp_path):
    data = tmp_path / "poem.txt"
    data.write_text("The rain in Spain falls mainly on the plain.\n" * 60, encoding="utf-8")
    raw, _ = init(tmp_path, data)
    assert (raw["mapping"], raw["data"]["format"]) == ("many_to_many", "text")
    trains(tmp_path)


def test_task_forces_a_number_label_to_be_read_as_classes(tmp_path):
    data = tmp_path / "scores.tsv"
    lines = [f"{n % 30}\tsome words about item {n}" for n in range(60)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert init(tmp_path, data)[0]["data"]["label_type"] == "number"
    raw, _ = init(tmp_path, data, "--task", "classifier", "--overwrite")
    assert "label_type" not in raw["data"]


def one_error(result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    return lines[0]


def test_a_missing_file_is_one_line_naming_it(tmp_path):
    one_error(invoke("init", tmp_path / "nope.csv", "--out", tmp_path / "r.yaml"), "nope.csv")


def test_a_file_that_is_not_text_is_one_line_naming_it(tmp_path):
    data = tmp_path / "binary.csv"
    data.write_bytes(bytes(range(256)) * 4)
    one_error(invoke("init", data, "--out", tmp_path / "r.yaml"), "binary.csv", "not UTF-8")
    assert not (tmp_path / "r.yaml").exists()


def test_an_npz_zip_bomb_is_refused_before_init_reads_its_arrays(tmp_path, monkeypatch):
    from tests.npz_files import bomb

    data = bomb(tmp_path / "bomb.npz")
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("np.load ran before the check"))
    line = one_error(invoke("init", data, "--out", tmp_path / "r.yaml"), "bomb.npz")
    assert "bomb.npz:x: unpacks to 80 MiB from" in line and not (tmp_path / "r.yaml").exists()


def test_a_task_that_does_not_fit_the_file_is_refused_naming_it(tmp_path):
    data = tmp_path / "poem.txt"
    data.write_text("Roses are red.\nViolets are blue.\n", encoding="utf-8")
    line = one_error(
        invoke("init", data, "--task", "tagger", "--out", tmp_path / "r.yaml"), "poem.txt"
    )
    assert "--task tagger" in line and "language-model" in line


def test_an_unknown_task_word_suggests_the_closest(tmp_path):
    result = invoke("init", SAMPLES / "sms_spam" / "sms.tsv", "--task", "clasifier")
    assert "did you mean 'classifier'" in one_error(result, "--task clasifier")


def test_class_subfolders_are_refused_with_what_the_folder_format_reads(tmp_path):
    for name in ("pos", "neg"):
        (tmp_path / "reviews" / name).mkdir(parents=True)
        (tmp_path / "reviews" / name / "1.txt").write_text("fine\n", encoding="utf-8")
    result = invoke("init", tmp_path / "reviews", "--out", tmp_path / "r.yaml")
    one_error(result, "reviews", "subfolders", ".txt file per class")


def test_an_existing_recipe_is_kept_unless_overwrite_is_given(tmp_path):
    out = tmp_path / "recipe.yaml"
    out.write_text("mine\n", encoding="utf-8")
    data = SAMPLES / "sms_spam" / "sms.tsv"
    one_error(invoke("init", data, "--out", out), "recipe.yaml", "--overwrite")
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert invoke("init", data, "--out", out, "--overwrite").exit_code == 0
    assert load_recipe(out).task == "classifier"
    assert [p.name for p in tmp_path.iterdir()] == ["recipe.yaml"]  # no temporary file left


def test_several_series_in_one_csv_with_gaps_find_the_series_column_and_fill_the_gaps(tmp_path):
    data = tmp_path / "stores.csv"
    lines = ["store,date,sales,promo"]
    for store in ("north", "south"):
        for k in range(80):
            sales = "" if k == 5 else f"{100 + 10 * math.sin(k / 2):.1f}"
            lines.append(f"{store},{2010 + k // 12}-{k % 12 + 1:02d},{sales},{k % 2}")
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw, _ = init(tmp_path, data)
    assert (raw["data"]["series_column"], raw["data"]["missing"]) == ("store", "interpolate")
    assert (raw["data"]["value_columns"], raw["data"]["input_columns"]) == (["sales"], ["promo"])
    trains(tmp_path)


def test_one_named_column_of_numbers_is_a_series_of_numbered_rows(tmp_path):
    data = tmp_path / "level.csv"
    values = "".join(f"{100 + 10 * math.sin(k / 3):.2f}\n" for k in range(150))
    data.write_text("level\n" + values, encoding="utf-8")
    raw, said = init(tmp_path, data)
    assert (raw["data"]["format"], raw["data"]["value_columns"]) == ("series", ["level"])
    assert "data.date_column" in said  # no dates: said, with the key
    trains(tmp_path)


def test_the_recipe_is_never_written_over_the_data(tmp_path):
    data = tmp_path / "poem.txt"
    data.write_text("Roses are red.\n", encoding="utf-8")
    one_error(invoke("init", data, "--out", data, "--overwrite"), "--out", "DATA itself")
    assert data.read_text(encoding="utf-8") == "Roses are red.\n"


def test_a_first_row_whose_values_recur_below_is_data_not_a_header(tmp_path):
    # 'Welsh' is seen once, so column 0 alone looks like a header over classes; 'Jones'
    # recurs in column 1, which shows the row is data.
    data = tmp_path / "surnames.tsv"
    rows = ["Welsh\tJones"] + [
        f"{lang}\t{name}"
        for lang, name in [
            ("English", "Jones"),
            ("Scottish", "Smith"),
            ("English", "Smith"),
            ("Scottish", "Brown"),
        ]
        * 5
    ]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    raw, _ = init(tmp_path, data)
    assert "header" not in raw["data"]


def test_rows_of_plus_and_minus_ones_are_patterns_for_a_hopfield_network(tmp_path):
    data = tmp_path / "patterns.csv"
    data.write_text("1,-1,1,-1,1,1\n-1,-1,1,1,1,-1\n1,1,1,-1,-1,-1\n", encoding="utf-8")
    raw, _ = init(tmp_path, data)
    assert (raw["mapping"], raw["data"]["format"]) == ("associative_memory", "bipolar")
    trains(tmp_path)


def test_task_translator_reads_a_number_and_its_words_as_a_pair(tmp_path):
    raw, _ = init(tmp_path, SAMPLES / "number_words" / "numbers.tsv", "--task", "translator")
    assert (raw["data"]["source_column"], raw["data"]["target_column"]) == (0, 1)
    assert load_recipe(tmp_path / "recipe.yaml").task == "translator"
