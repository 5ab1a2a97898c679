"""The Hopfield network: storage and recall against hand computations, the energy along a
recall, the capacity experiment, the pattern readers' errors, and the CLI end to end."""

from __future__ import annotations

import json
import math
from itertools import pairwise

import pytest
import torch
import torch.nn.functional as F
import yaml
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.data.patterns import parse_patterns, read_patterns
from seqcli.errors import DataError, RecipeError
from seqcli.metrics.memory import flip, random_patterns, recall_scores
from seqcli.models.hopfield import ClassicalHopfield, ModernHopfield, build_hopfield
from seqcli.recipe import load_recipe, validate_recipe
from seqcli.recipe.model import HopfieldConfig
from seqcli.recipe.pattern_formats import BipolarData, GlyphsData
from seqcli.tasks.hopfield.capacity import capacity_curves
from tests.conftest import ROOT, shipped_recipe

LETTERS = ROOT / "recipes" / "hopfield-letters.yaml"
GLYPHS = "##..\n#..#\n\n.##.\n#..#\n\n....\n####\n"  # three 2x4 glyphs


def classical(patterns, **options) -> ClassicalHopfield:
    return build_hopfield(HopfieldConfig(kind="classical", **options), patterns, seed=0)


def modern(patterns, **options) -> ModernHopfield:
    return build_hopfield(HopfieldConfig(kind="modern", **options), patterns, seed=0)


def generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# The networks, against hand computations.


def test_hebbian_weights_are_the_pattern_outer_products_with_a_zero_diagonal():
    patterns = torch.tensor([[1.0, 1, -1], [1, -1, 1]])
    weights = classical(patterns).weights / 3  # Hopfield's 1/N scale
    by_hand = torch.tensor([[0.0, 0, 0], [0, 0, -2], [0, -2, 0]]) / 3
    torch.testing.assert_close(weights, by_hand)
    assert not weights.requires_grad


def test_classical_energy_is_minus_half_s_w_s_by_hand():
    network = classical(torch.tensor([[1.0, 1, -1], [1, -1, 1]]))
    # W12 = W21 = -2/3, the rest 0: E = -1/2 (2 * -2/3 * s1 s2)
    states = torch.tensor([[1.0, 1, 1], [1, 1, -1]])
    torch.testing.assert_close(network.energy(states), torch.tensor([2 / 3, -2 / 3]))


@pytest.mark.parametrize("update", ["async", "sync"])
def test_every_stored_pattern_is_a_fixed_point(update):
    patterns = random_patterns(3, 64, generator())
    network = classical(patterns, update=update)
    assert torch.equal(network.update(patterns, generator()), patterns)
    assert torch.equal(network(patterns).out, patterns)


@pytest.mark.parametrize("build", [classical, modern])
def test_recall_from_ten_percent_flipped_succeeds_below_capacity(build):
    patterns = random_patterns(5, 100, generator())  # 0.05 N, well below 0.138 N
    targets = patterns.repeat(20, 1)
    probes = flip(targets, 0.1, generator(1))
    recalled = build(patterns)(probes, generator=generator(2)).out
    assert recall_scores(recalled, targets) == {"accuracy": 1.0, "loss": 0.0}


def test_energy_never_increases_under_asynchronous_updates():
    # 0.3 N patterns: past capacity, so recall wanders through many sweeps to spurious states.
    patterns = random_patterns(15, 50, generator())
    network = classical(patterns, update="async")
    probes = flip(patterns.repeat(4, 1), 0.3, generator(1))
    energies = torch.stack([network.energy(s) for s in network.recall(probes)])  # (T, B)
    assert len(energies) > 3
    assert (energies[1:] <= energies[:-1]).all()


def test_max_iterations_and_update_decide_whether_a_two_unit_swing_ends():
    # One stored pattern (1, 1): W = [[0, 1], [1, 0]]. From (1, -1) every synchronous step
    # swaps the two units for ever; asynchronous updates settle after one sweep.
    pattern, probe = torch.tensor([[1.0, 1]]), torch.tensor([[1.0, -1]])
    swinging = list(classical(pattern, update="sync", max_iterations=7).recall(probe))
    assert len(swinging) == 8
    assert torch.equal(swinging[-1], torch.tensor([[-1.0, 1]]))
    settled = list(classical(pattern, update="async").recall(probe))
    assert (
        len(settled) == 2
        and settled[-1].abs().sum() == 2
        and settled[-1][0, 0] == settled[-1][0, 1]
    )


def test_the_modern_update_is_one_softmax_attention_step():
    patterns = random_patterns(4, 6, generator())  # X (P, N)
    state = torch.randn(3, 6, generator=generator(1))  # three queries
    beta = 0.7
    by_hand = torch.softmax(beta * state @ patterns.T, dim=-1) @ patterns
    network = modern(patterns, beta=beta)
    torch.testing.assert_close(network.update(state), by_hand)
    attention = F.scaled_dot_product_attention(state, patterns, patterns, scale=beta)
    torch.testing.assert_close(network.update(state), attention)


def test_the_modern_energy_is_ramsauers_and_falls_with_each_update():
    patterns = torch.tensor([[1.0, -1], [1, 1]])
    state = torch.tensor([[0.5, 0.0]])
    # -lse(1, X state) + |state|^2 / 2 + log(2) + M^2 / 2, with X state = (0.5, 0.5), M^2 = 2
    by_hand = -(0.5 + math.log(2)) + 0.125 + math.log(2) + 1.0
    torch.testing.assert_close(modern(patterns).energy(state), torch.tensor([by_hand]))
    stored = random_patterns(8, 20, generator())
    network = modern(stored, beta=0.2)  # soft enough to take several steps
    states = list(network.recall(flip(stored, 0.3, generator(1))))
    energies = [network.energy(s) for s in states]
    assert len(states) > 2
    assert all((later <= earlier + 1e-5).all() for earlier, later in pairwise(energies))


def test_beta_sharpens_the_modern_update_from_a_blend_to_the_nearest_pattern():
    patterns = torch.tensor([[1.0, 1, 1, 1], [1, 1, -1, -1]])
    probe = torch.tensor([[1.0, -1, 1, 1]])  # overlaps 2 with the first, -2 with the second
    blend = modern(patterns, beta=0.01).update(probe)
    nearest = modern(patterns, beta=10.0).update(probe)
    assert blend[0, 2].abs() < 0.1
    torch.testing.assert_close(nearest, patterns[:1], atol=1e-3, rtol=0)


def test_kind_picks_the_network_and_its_weights():
    patterns = random_patterns(3, 8, generator())
    assert list(classical(patterns).state_dict()) == ["weights"]
    assert list(modern(patterns).state_dict()) == ["patterns"]


def test_flip_negates_exactly_the_share_of_each_row():
    patterns = random_patterns(6, 50, generator())
    flipped = flip(patterns, 0.2, generator(1))
    assert ((flipped != patterns).sum(-1) == 10).all()


def test_the_classical_network_collapses_past_capacity_and_the_modern_holds(tmp_path):
    recipe = glyph_recipe(tmp_path)
    curves = capacity_curves(recipe, units=24)
    assert curves.counts == tuple(range(1, 49))
    assert curves.recalled["classical"][0] == 1.0 and curves.recalled["classical"][-1] == 0.0
    assert min(curves.recalled["modern"]) > 0.9


# The pattern readers.


def glyph_data(tmp_path, text: str, **keys) -> GlyphsData:
    (tmp_path / "g.txt").write_text(text, encoding="utf-8")
    return GlyphsData(format="glyphs", path=tmp_path / "g.txt", **keys)


def test_glyphs_are_read_as_plus_and_minus_one_on_their_grid(tmp_path):
    patterns = read_patterns(glyph_data(tmp_path, GLYPHS))
    assert (patterns.rows, patterns.columns) == (2, 4)
    assert patterns.vectors[0].tolist() == [1, 1, -1, -1, 1, -1, -1, 1]


def test_ink_and_paper_choose_the_characters(tmp_path):
    data = glyph_data(tmp_path, GLYPHS.replace("#", "X").replace(".", "o"), ink="X", paper="o")
    assert read_patterns(data).vectors[0].tolist() == [1, 1, -1, -1, 1, -1, -1, 1]
    with pytest.raises(DataError, match=r"g.txt:1:1: 'X' is neither the ink '#' nor the paper"):
        read_patterns(glyph_data(tmp_path, GLYPHS.replace("#", "X")))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("##..\n#..\n\n.##.\n#..#\n", r"g.txt:2: a row of 3 characters; the glyph's first row"),
        ("##..\n#.x#\n\n.##.\n#..#\n", r"g.txt:2:3: 'x' is neither the ink '#' nor the paper"),
        ("##..\n#..#\n", r"g.txt: 1 pattern; an associative memory needs at least 2"),
        ("##..\n#..#\n\n.##\n#.#\n", r"g.txt:4: a 2x3 glyph; the first \(line 1\) is 2x4"),
        ("\n\n", r"g.txt: holds no patterns"),
    ],
    ids=["ragged-rows", "unknown-character", "one-pattern", "two-sizes", "empty"],
)
def test_a_bad_glyph_file_is_one_error_naming_file_and_line(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        read_patterns(glyph_data(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,-1,1\n-1,0,1\n", r"b.csv:2:2: '0' is not \+1 or -1"),
        ("1,-1,1\n-1,1\n", r"b.csv:2: 2 values; line 1 has 3"),
    ],
)
def test_a_bad_bipolar_file_is_one_error_naming_file_and_line(tmp_path, text, message):
    data = BipolarData(format="bipolar", path=tmp_path / "b.csv")
    with pytest.raises(DataError, match=message):
        parse_patterns(text.splitlines(), data, "b.csv", minimum=2)


def test_bipolar_rows_are_patterns_drawn_on_one_line(tmp_path):
    data = BipolarData(format="bipolar", path=tmp_path / "b.csv")
    patterns = parse_patterns(["1, -1, +1", "", "-1,1.0,1"], data, "b.csv", minimum=2)
    assert patterns.vectors.tolist() == [[1, -1, 1], [-1, 1, 1]]
    assert (patterns.rows, patterns.columns) == (1, 3)


# The task through the CLI.


def glyph_recipe(tmp_path, **model):
    (tmp_path / "g.txt").write_text(GLYPHS, encoding="utf-8")
    raw = {
        "name": "glyphs",
        "mapping": "associative_memory",
        "data": {"format": "glyphs", "path": str(tmp_path / "g.txt"), "noise": 0.125},
        "model": model,
    }
    return validate_recipe(raw, source="test")


def cli(*args):
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    return result


@pytest.fixture(scope="module")
def letters(tmp_path_factory):
    run = tmp_path_factory.mktemp("letters") / "run"
    result = cli("train", LETTERS, "--out", run, "--quiet")
    assert result.exit_code == 0, result.output
    return run


def test_training_stores_the_patterns_in_zero_steps_and_saves_a_normal_run(letters):
    summary = json.loads((letters / "summary.json").read_text(encoding="utf-8"))
    assert summary["steps"] == 0 and summary["best"] == {"metric": "accuracy", "value": 1.0}
    checkpoint = torch.load(letters / "best.pt", weights_only=True)
    assert checkpoint["model"]["weights"].shape == (100, 100)
    assert len(checkpoint["meta"]["patterns"]) == 5
    assert {"best.pt", "last.pt", "meta.json", "recipe.yaml"} <= {p.name for p in letters.iterdir()}


def test_a_stored_run_resumes_and_a_dry_run_shows_zero_steps(letters, tmp_path):
    resumed = cli("train", "--resume", letters, "--quiet")
    assert resumed.exit_code == 0, resumed.output
    summary = json.loads((letters / "summary.json").read_text(encoding="utf-8"))
    assert summary["steps"] == 0 and summary["best"]["value"] == 1.0
    dry = cli("train", LETTERS, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "ClassicalHopfield" in dry.stderr and "0 steps x 5 patterns" in dry.stderr


def test_generate_draws_each_iteration_with_a_falling_energy(letters):
    result = cli("generate", letters, "--pattern", 3, "--noise", 0.3, "--seed", 1)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    energies = [float(line.split()[3]) for line in lines if line.startswith("iteration")]
    assert len(energies) >= 2 and energies == sorted(energies, reverse=True)
    assert lines[0] == "pattern 3, 30 of 100 units flipped"
    assert lines[-1].endswith("pattern 3, exactly")
    assert "##########" in result.stdout  # T's bar, drawn


def test_generate_recalls_the_patterns_of_an_input_file(letters, tmp_path):
    letter = (ROOT / "samples" / "letters" / "letters-5.txt").read_text(encoding="utf-8")
    noisy = letter.split("\n\n")[1].replace("##", "#.", 3)  # H with three units off
    (tmp_path / "noisy.txt").write_text(noisy, encoding="utf-8")
    result = cli("generate", letters, "--input-file", tmp_path / "noisy.txt")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{tmp_path / 'noisy.txt'} pattern 0\n")
    assert result.stdout.rstrip().endswith("pattern 1, exactly")


def test_evaluate_reports_recall_per_noise_level(letters):
    result = cli("evaluate", letters, "--noise", "0.1,0.4", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    rows = report["details"]["recall_by_noise"]["rows"]
    assert [row[0] for row in rows] == [0.1, 0.4]
    assert report["accuracy"] == rows[0][1] == 1.0 and rows[1][1] < 1.0


def test_evaluate_data_recalls_another_files_patterns(letters, tmp_path):
    ten = ROOT / "samples" / "letters" / "letters-10.txt"
    result = cli("evaluate", letters, "--data", ten, "--json")
    assert result.exit_code == 0, result.output
    assert 0 < json.loads(result.stdout)["accuracy"] < 1  # five of the ten are stored
    (tmp_path / "small.txt").write_text(GLYPHS, encoding="utf-8")
    refused = cli("evaluate", letters, "--data", tmp_path / "small.txt")
    assert refused.exit_code == 2
    assert "small.txt: patterns of 8 units; the run's have 100 (10 x 10)" in refused.stderr


def test_evaluate_capacity_writes_a_table_and_a_png(letters):
    result = cli("evaluate", letters, "--capacity", 12)
    assert result.exit_code == 0, result.output
    assert (letters / "capacity-12.png").stat().st_size > 0
    assert "capacity at N = 12 units" in result.stderr
    assert "classical" in result.stderr and "modern" in result.stderr


def test_noise_and_probes_make_the_validation_probes(letters, tmp_path):
    recipe = load_recipe(LETTERS, ["data.noise=0.45", "data.probes=3"])
    from seqcli.tasks import TASKS

    data = TASKS["hopfield"].prepare(recipe)
    assert len(data.splits["val"]) == 15
    probes, targets, _ = data.splits["val"].draw(data.splits["val"].noise)
    assert ((probes != targets).sum(-1) == 45).all()


def test_inspect_describes_a_network_without_a_cell(letters):
    result = cli("inspect", letters)
    assert result.exit_code == 0, result.output
    assert "kind classical" in result.stderr and "5 x 100" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("generate", "{run}", "--pattern", 7), "--pattern 7: the run stores 5 patterns, 0 to 4"),
        (("generate", "{run}", "--pattern", 1, "--input-file", "x.txt"), "not both"),
        (("generate", "{run}", "--prime", "a"), "--prime does not apply to a Hopfield network"),
        (("evaluate", "{run}", "--noise", "0.1,2"), "--noise 0.1,2: expected comma-separated"),
        (("predict", "{run}", "--text", "x"), "predict does not apply to a Hopfield network"),
        (("compare-cells", LETTERS), "compare-cells compares recurrent cells"),
        (("train", LETTERS, "--diagnose", "--out", "d"), "--diagnose follows gradients"),
    ],
)
def test_what_a_hopfield_network_cannot_do_is_one_error_line(
    letters, tmp_path, monkeypatch, args, message
):
    monkeypatch.chdir(tmp_path)
    result = cli(*(str(letters) if arg == "{run}" else arg for arg in args))
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert message in lines[0]


def test_a_recipe_for_a_hopfield_network_refuses_recurrent_keys(tmp_path):
    raw = yaml.safe_load(LETTERS.read_text(encoding="utf-8"))
    raw["data"]["path"] = str(ROOT / "samples" / "letters" / "letters-5.txt")
    raw["model"]["hidden_size"] = 8
    with pytest.raises(RecipeError, match="model.hidden_size: applies to every recurrent task"):
        validate_recipe(raw, source="r.yaml")


def test_the_capacity_experiment_reports_progress_once_per_pattern_count():
    recipe = shipped_recipe("hopfield")
    done = []
    curves = capacity_curves(recipe, units=4, advance=lambda: done.append(len(done) + 1))
    assert done == list(range(1, 9)) and curves.counts == tuple(range(1, 9))


def test_a_large_batch_is_updated_in_parts_each_within_the_product_bound(monkeypatch):
    """Ctrl-C runs only between two products: no product of an update may be the whole of a
    large batch. The parts give the same states as one product."""
    from seqcli.models import hopfield

    patterns = random_patterns(3, 64, torch.Generator().manual_seed(0))
    config = HopfieldConfig(kind="classical", update="sync")
    network = ClassicalHopfield(patterns, config, seed=0)
    probes = flip(patterns.repeat(40, 1), 0.2, torch.Generator().manual_seed(1))  # (120, 64)
    whole = network.update(probes, None)
    rows_seen = []
    monkeypatch.setattr(hopfield, "PRODUCT", 64 * 64 * 16)  # 16 rows a product
    original = hopfield._sync
    monkeypatch.setattr(hopfield, "_sync", lambda w, s: rows_seen.append(len(s)) or original(w, s))
    assert torch.equal(network.update(probes, None), whole)
    assert max(rows_seen) == 16 and sum(rows_seen) == 120
