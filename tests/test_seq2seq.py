"""The translator: pairs reader, Seq2Seq model, search, metrics, predict and generate."""

from __future__ import annotations

import io
import json
import math
import random
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import yaml
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.cli.generate import write_generated
from seqcli.cli.requests import build_request
from seqcli.data.pairs import read_pairs, split_pairs, tutorial_normalize
from seqcli.decoding.beam import Markers, beam_search, length_penalty
from seqcli.decoding.requests import Draw, Search
from seqcli.engine.run import Run
from seqcli.errors import DataError, RecipeError, UsageError
from seqcli.metrics.translation import translation_metrics
from seqcli.models.seq2seq import Seq2Seq
from seqcli.recipe import validate_recipe
from seqcli.recipe.cells import CELL_SPECS
from seqcli.recipe.training import Sampling
from seqcli.tasks import TASKS
from seqcli.tasks.translator.search import predict, search_batch
from seqcli.tasks.translator.task import by_sentence, collate

TRANSLATOR = TASKS["translator"]

ROOT = Path(__file__).resolve().parents[1]


def digits_file(path: Path, *, lines: int = 2000, seed: int = 1) -> Path:
    """Digit strings of 3-6 digits and their reversals."""
    rng = random.Random(seed)
    rows = []
    for _ in range(lines):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(3, 6)))
        rows.append(f"{digits}\t{digits[::-1]}\n")
    path.write_text("".join(rows), encoding="utf-8")
    return path


def pairs_recipe(path: Path, **sections) -> dict:
    recipe = {
        "name": "t",
        "seed": 0,
        "mapping": "encoder_decoder",
        "data": {"format": "pairs", "path": str(path), "tokenizer": "char", "normalize": "none"},
        "model": {"cell": "gru", "direction": "bi", "hidden_size": 64, "embedding_size": 16},
        "train": {"batch_size": 32, "lr": 0.01, "monitor": "exact_match"},
    }
    for section, values in sections.items():
        recipe[section] = {**recipe.get(section, {}), **values}
    return validate_recipe(recipe, source="test")


def make_run(recipe, data) -> Run:
    torch.manual_seed(recipe.seed)
    model = TRANSLATOR.build_model(recipe, data.meta)
    return Run(recipe, TRANSLATOR, data.meta, model, torch.device("cpu"))


def train(run, data, *, steps: int) -> None:
    """Adam with a cosine decay to zero: the decay settles the last few errors."""
    optimizer = torch.optim.Adam(run.model.parameters(), lr=run.recipe.train.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / steps))
    )
    batches = TRANSLATOR.batches(data, run.recipe)
    run.model.train()
    for _ in range(steps):
        batch = next(batches)
        loss = run.model(**batch.inputs, targets=batch.targets).loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), 1.0)
        optimizer.step()
        schedule.step()


@pytest.fixture(scope="session")
def reverser(tmp_path_factory):
    """A bi-GRU translator trained once per session to reverse digit strings."""
    path = digits_file(tmp_path_factory.mktemp("digits") / "digits.tsv")
    recipe = pairs_recipe(path)
    data = TRANSLATOR.prepare(recipe)
    run = make_run(recipe, data)
    train(run, data, steps=250)
    return run, data


# --- reading pairs -------------------------------------------------------------------------


def test_tutorial_normalization_lowercases_strips_accents_and_splits_punctuation():
    assert tutorial_normalize("  Ça va, Élodie?") == "ca va elodie ?"
    assert tutorial_normalize("I'm OK.") == "i m ok ."


def test_a_line_without_the_target_column_is_an_error_naming_file_and_line(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("a\tb\nno tab here\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"p\.tsv:2: 1 tab-separated field"):
        read_pairs(pairs_recipe(path).data)


def test_a_side_empty_after_normalization_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("Go.\tVa !\n123\tcent vingt-trois\n", encoding="utf-8")
    recipe = pairs_recipe(path, data={"tokenizer": "word", "normalize": "tutorial"})
    with pytest.raises(DataError, match=r"p\.tsv:2: the source is empty"):
        read_pairs(recipe.data)


def test_a_zip_is_read_in_place_skipping_its_about_file(tmp_path):
    path = tmp_path / "fra-eng.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("_about.txt", "licence text, no tabs")
        archive.writestr("fra.txt", "Go.\tVa !\nHi.\tSalut !\n")
    recipe = pairs_recipe(path, data={"tokenizer": "word", "normalize": "tutorial"})
    assert [p.target for p in read_pairs(recipe.data)] == [("va", "!"), ("salut", "!")]


def test_a_zip_with_two_data_members_asks_for_data_member(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "x\ty\n")
        archive.writestr("b.txt", "x\ty\n")
    with pytest.raises(DataError, match="name one with data.member"):
        read_pairs(pairs_recipe(path).data)
    recipe = pairs_recipe(path, data={"member": "b.txt"})
    assert len(read_pairs(recipe.data)) == 1


def test_filters_keep_short_pairs_whose_source_starts_with_a_prefix(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text(
        "I'm tired.\tJe suis fatigue.\n"
        "He is a very very very tall man.\tC'est un homme tres tres tres grand.\n"
        "You run.\tTu cours.\n"
        "He's here.\tIl est la.\n",
        encoding="utf-8",
    )
    data = {"tokenizer": "word", "normalize": "tutorial", "max_length": 5}
    recipe = pairs_recipe(path, data={**data, "source_prefixes": ["i m ", "he is", "he s "]})
    assert [p.line for p in read_pairs(recipe.data)] == [1, 4]


def test_the_columns_say_which_side_is_which(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("id1\tVa !\tGo.\n", encoding="utf-8")
    data = {"tokenizer": "word", "source_column": 2, "target_column": 1}
    (pair,) = read_pairs(pairs_recipe(path, data=data).data)
    assert (pair.source, pair.target) == (("Go.",), ("Va", "!"))


def test_normalize_none_keeps_the_text_as_written(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("I'm OK.\tÇa va.\n", encoding="utf-8")
    as_written = pairs_recipe(path, data={"tokenizer": "word", "normalize": "none"}).data
    tutorial = pairs_recipe(path, data={"tokenizer": "word", "normalize": "tutorial"}).data
    assert read_pairs(as_written)[0].target == ("Ça", "va.")
    assert read_pairs(tutorial)[0].target == ("ca", "va", ".")


def test_min_freq_turns_rare_tokens_into_unk(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("aab\txxy\n" * 3 + "ac\txz\n", encoding="utf-8")
    recipe = pairs_recipe(path, data={"val_fraction": 0.0, "min_freq": 2})
    meta = TRANSLATOR.prepare(recipe).meta
    assert "c" not in meta.source.tokens and "z" not in meta.target.tokens
    assert "b" in meta.source.tokens and "y" in meta.target.tokens


def test_sources_alike_only_in_unknown_words_keep_their_own_references(tmp_path):
    """Both sources read as a, <unk> with min_freq 2: BLEU must not pool their references."""
    path = tmp_path / "p.tsv"
    path.write_text("ab\txy\n" * 2 + "ac\txz\n" + "ad\txw\n", encoding="utf-8")
    recipe = pairs_recipe(path, data={"val_fraction": 0.0, "min_freq": 2})
    examples = TRANSLATOR.prepare(recipe).splits["train"]
    unknown = [e for e in examples if e.text in ("ac", "ad")]
    assert unknown[0].source == unknown[1].source
    hypotheses, references = by_sentence(unknown, ["x", "x"])
    assert sorted(references) == [["xw"], ["xz"]] and hypotheses == ["x", "x"]


def test_the_split_is_a_seeded_shuffle_of_the_stated_sizes(tmp_path):
    path = tmp_path / "d.tsv"
    path.write_text("".join(f"{n}\t{n}\n" for n in range(100, 200)), encoding="utf-8")
    recipe = pairs_recipe(path, data={"test_fraction": 0.2})
    pairs = read_pairs(recipe.data)
    first, again = (split_pairs(pairs, recipe.data, seed=3) for _ in range(2))
    assert [len(first[s]) for s in ("train", "val", "test")] == [70, 10, 20]
    assert first == again
    assert first != split_pairs(pairs, recipe.data, seed=4)


def test_all_translations_of_a_sentence_land_in_one_split(tmp_path):
    path = tmp_path / "d.tsv"
    path.write_text("".join(f"{n % 20}\t{n}\n" for n in range(100)), encoding="utf-8")
    recipe = pairs_recipe(path, data={"val_fraction": 0.25})
    splits = split_pairs(read_pairs(recipe.data), recipe.data, seed=0)
    assert len(splits["val"]) == 25  # 5 of the 20 sources, 5 translations each
    held_out = {p.source for p in splits["val"]}
    assert not held_out & {p.source for p in splits["train"]}


def test_each_side_has_its_own_vocabulary_with_the_four_specials_first(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("ab\txy\nba\tyx\n", encoding="utf-8")
    meta = TRANSLATOR.prepare(pairs_recipe(path, data={"val_fraction": 0.0})).meta
    specials = ("<pad>", "<unk>", "<bos>", "<eos>")
    assert meta.source.tokens[:4] == specials and set(meta.source.tokens[4:]) == {"a", "b"}
    assert meta.target.tokens[:4] == specials and set(meta.target.tokens[4:]) == {"x", "y"}


# --- recipe ---------------------------------------------------------------------------------


def test_translator_options_are_rejected_for_other_mappings(tmp_path):
    raw = {"name": "x", "data": {"path": "a.txt"}, "model": {"bridge": "sum"}}
    with pytest.raises(
        RecipeError, match="model.bridge: applies to translator, not to a language_model"
    ):
        validate_recipe(raw, source="t")


def test_dot_attention_with_a_bidirectional_encoder_is_rejected_with_the_reason(tmp_path):
    with pytest.raises(RecipeError, match="'dot' needs the source states"):
        pairs_recipe(tmp_path / "p.tsv", model={"attention": "dot"})


# --- model ----------------------------------------------------------------------------------


def toy_batch():
    sources = [[5, 6, 7, 3], [6, 3]]  # different lengths: the second is padded
    targets = [[2, 8, 9, 3], [2, 9, 3]]
    from seqcli.tasks.translator.task import Example

    return collate([Example(s, t, "", "") for s, t in zip(sources, targets, strict=True)])


@pytest.mark.parametrize("cell", CELL_SPECS)
@pytest.mark.parametrize("direction", ["uni", "bi"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bridge", ["concat_project", "sum"])
def test_the_bridge_gives_the_decoder_full_size_states_per_layer(cell, direction, layers, bridge):
    recipe = pairs_recipe(
        Path("p.tsv"),
        model={
            "cell": cell,
            "direction": direction,
            "layers": layers,
            "bridge": bridge,
            "hidden_size": 12,
            "attention": "general",
        },
    )
    model = Seq2Seq(recipe.model, source_tokens=10, target_tokens=11)
    batch = toy_batch()
    memory, state = model.encode(batch.inputs["source"], batch.inputs["source_lengths"])
    assert [tuple(p.shape) for p in state] == [(layers, 2, 12)] * len(CELL_SPECS[cell].state)
    assert memory.values.shape == (2, 4, 12 * (2 if direction == "bi" else 1))
    out = model(**batch.inputs, targets=batch.targets)
    assert out.out.shape == (2, 3, 11) and out.loss.isfinite()


def test_the_bridges_differ_in_parameters_and_output():
    batch = toy_batch()
    states = {}
    for bridge in ("concat_project", "sum"):
        recipe = pairs_recipe(Path("p.tsv"), model={"bridge": bridge, "hidden_size": 12})
        torch.manual_seed(0)
        model = Seq2Seq(recipe.model, source_tokens=10, target_tokens=11)
        (states[bridge],) = model.encode(batch.inputs["source"], batch.inputs["source_lengths"])[1]
        params = sum(p.numel() for p in model.bridge.parameters())
        assert params == (24 * 12 + 12 if bridge == "concat_project" else 0)
    # sum adds the two directions, concat_project squashes its projection through tanh
    assert not torch.allclose(states["concat_project"], states["sum"])
    assert states["concat_project"].abs().max() < 1


@pytest.mark.parametrize("attention", ["dot", "general", "additive"])
def test_attention_weights_sum_to_one_and_skip_source_padding(attention):
    recipe = pairs_recipe(Path("p.tsv"), model={"attention": attention, "direction": "uni"})
    model = Seq2Seq(recipe.model, source_tokens=10, target_tokens=11)
    batch = toy_batch()
    memory, state = model.encode(batch.inputs["source"], batch.inputs["source_lengths"])
    logits, _, weights = model.decode(batch.inputs["target_in"], state, memory)
    assert logits.shape == (2, 3, 11) and weights.shape == (2, 3, 4)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 3))
    assert (weights[1, :, 2:] == 0).all()  # the second source has two tokens


def test_no_attention_decodes_from_the_bridged_state_alone():
    recipe = pairs_recipe(Path("p.tsv"), model={"attention": "none"})
    model = Seq2Seq(recipe.model, source_tokens=10, target_tokens=11)
    batch = toy_batch()
    memory, state = model.encode(batch.inputs["source"], batch.inputs["source_lengths"])
    logits, _, weights = model.decode(batch.inputs["target_in"], state, memory)
    assert logits.shape == (2, 3, 11) and weights is None


def decoder_inputs(teacher_forcing: float, seed: int = 0):
    """The tokens the decoder's embedding reads in one training forward, and the logits."""
    recipe = pairs_recipe(Path("p.tsv"), train={"teacher_forcing": teacher_forcing})
    torch.manual_seed(0)
    model = Seq2Seq(
        recipe.model, source_tokens=10, target_tokens=11, teacher_forcing=teacher_forcing
    )
    fed = []
    model.decoder.embed.register_forward_hook(lambda module, args, out: fed.append(args[0]))
    torch.manual_seed(seed)  # the coin tossed at every step
    out = model.train()(**toy_batch().inputs, targets=toy_batch().targets)
    return fed, out


def test_without_teacher_forcing_the_decoder_reads_its_own_guesses():
    fed, out = decoder_inputs(0.0)
    target_in = toy_batch().inputs["target_in"]
    assert len(fed) == target_in.shape[1]  # one step at a time
    assert torch.equal(fed[0], target_in[:, :1])  # <bos>
    for t in range(1, len(fed)):
        assert torch.equal(fed[t], out.out[:, t - 1 : t].argmax(-1))


def test_full_teacher_forcing_reads_the_whole_target_in_one_call():
    fed, out = decoder_inputs(1.0)
    assert len(fed) == 1 and torch.equal(fed[0], toy_batch().inputs["target_in"])
    out.loss.backward()  # the fused path is differentiable


def test_partial_teacher_forcing_feeds_truth_at_about_that_share_of_steps():
    truth = guesses = 0
    target_in = toy_batch().inputs["target_in"]
    for seed in range(40):
        fed, out = decoder_inputs(0.5, seed=seed)
        for t in range(1, len(fed)):
            forced = torch.equal(fed[t], target_in[:, t : t + 1])
            guessed = torch.equal(fed[t], out.out[:, t - 1 : t].argmax(-1))
            truth, guesses = truth + forced, guesses + (guessed and not forced)
    assert truth + guesses >= 78  # every later step read one or the other (80 steps)
    assert 25 <= truth <= 55  # a fair coin over 80 steps


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize("attention", ["none", "general", "additive"])
def test_beam_search_with_beam_one_is_greedy_search(attention):
    recipe = pairs_recipe(Path("p.tsv"), model={"attention": attention})
    torch.manual_seed(0)
    model = Seq2Seq(recipe.model, source_tokens=10, target_tokens=11).eval()
    markers = Markers(bos=2, eos=3)
    run = SimpleNamespace(model=model, meta=SimpleNamespace(markers=markers))
    greedy_draw, one_beam = Draw(Sampling(greedy=True)), Search(beam_size=1, length_penalty=0.0)
    for source in ([5, 6, 7, 3], [9, 4, 3], [8, 3]):
        row = torch.tensor([source])
        (greedy,) = search_batch(run, row, torch.tensor([len(source)]), greedy_draw)
        (beam,) = beam_search(model, row, markers, search=one_beam, sampling=Sampling())
        assert beam.tokens == greedy.tokens
        assert beam.score == pytest.approx(greedy.score, abs=1e-5)


def test_length_penalty_is_gnmts():
    assert length_penalty(7, 0.0) == 1.0
    assert length_penalty(7, 1.0) == pytest.approx(2.0)  # (5 + 7) / 6
    assert length_penalty(1, 0.6) == pytest.approx(1.0)


def test_a_length_penalty_lets_a_longer_hypothesis_win():
    # log p -2.0 over 1 written token vs -2.4 over 7: raw scores prefer the short one,
    # alpha 1 divides by 1 and 2 and prefers the long one.
    short, long = -2.0, -2.4
    assert short > long
    assert short / length_penalty(1, 1.0) < long / length_penalty(7, 1.0)


# --- metrics --------------------------------------------------------------------------------


def test_bleu_matches_a_hand_computation():
    # n-gram precisions 4/5, 3/4, 2/3, 1/2; same length, so no brevity penalty.
    metrics = translation_metrics(["a b c d e"], [["a b c d f"]], tokenizer="word")
    assert metrics["bleu"] == pytest.approx(100 * (4 / 5 * 3 / 4 * 2 / 3 * 1 / 2) ** 0.25)


def test_exact_match_and_chrf_count_whole_strings():
    references = [["je suis"], ["elle est"]]
    metrics = translation_metrics(["je suis", "il est"], references, tokenizer="word")
    assert metrics["exact_match"] == 0.5
    assert translation_metrics(["abc"], [["abc"]], tokenizer="char")["chrf"] == pytest.approx(100)


def test_a_sentence_is_scored_against_all_its_translations():
    references = [["ca va .", "je vais bien ."], ["salut !"]]
    metrics = translation_metrics(["je vais bien .", "salut !"], references, tokenizer="word")
    assert metrics["exact_match"] == 1.0 and metrics["bleu"] == pytest.approx(100)


def test_loss_is_the_mean_cross_entropy_over_real_target_tokens(reverser):
    run, data = reverser
    examples = data.splits["val"][:3]
    batch = collate(examples)
    logits = run.model.eval()(**batch.inputs).out
    by_hand = [
        -torch.log_softmax(logits[row, t], -1)[batch.targets[row, t]].item()
        for row in range(3)
        for t in range(len(examples[row].target) - 1)
    ]
    reported = TRANSLATOR.evaluate(run, examples)["loss"]
    assert reported == pytest.approx(sum(by_hand) / len(by_hand), rel=1e-5)


def test_the_translator_learns_to_reverse_digit_strings(reverser):
    run, data = reverser
    assert TRANSLATOR.evaluate(run, data.splits["val"])["exact_match"] >= 0.99


# --- predict and generate --------------------------------------------------------------------


def generated_text(run, **options) -> str:
    request = build_request(run.recipe, options)
    return "".join(run.task.generate(run, request).chunks)


def write_attention(run, path: Path, **options) -> None:
    request = build_request(run.recipe, {**options, "attention": path})
    generated = run.task.generate(run, request)
    write_generated(generated, output=path.with_suffix(".txt"), plot=None, attention=path)


def test_predict_translates_each_line(reverser):
    run, _ = reverser
    rows = predict(run, ["1234", "98765"])
    assert [row["translation"] for row in rows] == ["4321", "56789"]


def test_generate_writes_one_line_per_input_line(reverser):
    run, _ = reverser
    out = generated_text(run, input="123\n4567", greedy=True)
    assert out == "321\n7654\n"


def test_n_best_lines_follow_the_moses_format(reverser):
    run, _ = reverser
    lines = generated_text(run, input="123", beam_size=3, n_best=2).splitlines()
    assert len(lines) == 2 and lines[0].startswith("0 ||| 321 ||| -")


def test_generate_reads_stdin_without_input_flags(reverser, monkeypatch):
    run, _ = reverser
    # Lines of 3-6 digits, as the reverser was trained on: a 2-digit line is outside its data
    # and its reversal depends on the machine's floating-point rounding.
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n4567\n"))
    assert generated_text(run, top_k=1) == "321\n7654\n"


def test_an_unknown_flag_is_a_usage_error_naming_it(reverser):
    with pytest.raises(UsageError, match="--prime does not apply to a translator"):
        generated_text(reverser[0], input="1", prime="x")


def test_greedy_and_beam_flags_together_are_a_usage_error(reverser):
    with pytest.raises(UsageError, match="choose one of --greedy / beam search"):
        generated_text(reverser[0], input="1", greedy=True, beam_size=4)


def test_attention_weights_are_dumped_as_json_per_sentence(reverser, tmp_path):
    path = tmp_path / "attention.json"
    write_attention(reverser[0], path, input="1234")
    (row,) = json.loads(path.read_text(encoding="utf-8"))
    assert row["source"] == ["1", "2", "3", "4", "<eos>"]
    assert row["target"] == ["4", "3", "2", "1", "<eos>"]
    assert len(row["weights"]) == 5 and all(len(w) == 5 for w in row["weights"])
    assert max(range(5), key=lambda i: row["weights"][0][i]) == 3  # "4" looks at "4"


def test_attention_weights_are_drawn_as_a_png(reverser, tmp_path):
    path = tmp_path / "attention.png"
    write_attention(reverser[0], path, input="1234")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_meta_round_trips_through_a_weights_only_checkpoint(reverser, tmp_path):
    meta = reverser[1].meta
    torch.save({"meta": meta.to_dict()}, tmp_path / "c.pt")
    stored = torch.load(tmp_path / "c.pt", weights_only=True)["meta"]
    assert TRANSLATOR.meta.from_dict(stored) == meta


def test_training_batches_resume_exactly(reverser):
    run, data = reverser
    batches = TRANSLATOR.batches(data, run.recipe)
    next(batches)
    state = batches.state_dict()
    expected = next(batches)
    again = TRANSLATOR.batches(data, run.recipe)
    again.load_state_dict(state)
    assert torch.equal(next(again).inputs["source"], expected.inputs["source"])


@pytest.mark.parametrize("name", ["eng-fra", "reverse-digits"])
def test_the_shipped_recipes_read_their_samples(name):
    from seqcli.recipe import load_recipe

    recipe = load_recipe(ROOT / "recipes" / f"{name}.yaml")
    data = TRANSLATOR.prepare(recipe)
    assert recipe.train.monitor in ("bleu", "exact_match")
    assert len(data.splits["train"]) > 1000 and data.splits["val"]


# --- through the command line -----------------------------------------------------------------


def cli(*args, input: str | None = None) -> str:
    result = CliRunner().invoke(app, [str(arg) for arg in args], input=input)
    assert result.exit_code == 0, f"{result.stderr}\n{result.exception!r}"
    return result.stdout


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory) -> Path:
    """reverse-digits.yaml trained for a few steps by `seqcli train`."""
    folder = tmp_path_factory.mktemp("cli")
    recipe = yaml.safe_load((ROOT / "recipes" / "reverse-digits.yaml").read_text("utf-8"))
    recipe["data"]["path"] = str(digits_file(folder / "digits.tsv", lines=300))
    recipe["train"].update(steps=6, eval_every=3)
    (folder / "recipe.yaml").write_text(yaml.safe_dump(recipe), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEQCLI_CACHE", str(folder / "cache"))
        cli("train", folder / "recipe.yaml", "--out", folder / "run", "--quiet", "--device", "cpu")
    return folder / "run"


def test_seqcli_train_then_generate_translates_stdin_lines(cli_run):
    out = cli("generate", cli_run, "--greedy", "--device", "cpu", input="123\n4567\n")
    assert len(out.splitlines()) == 2


def test_seqcli_evaluate_reports_the_translator_metrics(cli_run):
    result = json.loads(cli("evaluate", cli_run, "--json", "--device", "cpu"))
    assert {"loss", "bleu", "chrf", "exact_match"} <= set(result)


def test_seqcli_predict_writes_one_translation_per_input(cli_run):
    rows = cli("predict", cli_run, "--text", "12", "--text", "345", "--json", "--device", "cpu")
    assert [json.loads(r)["source"] for r in rows.splitlines()] == ["12", "345"]
