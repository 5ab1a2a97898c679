"""seqcli gates: the trace of a user's input equals what the fused stack computes, every cell's
records have short names, the features and Pearson r are right by hand, the LSTM's
moving-average numbers are right on an LSTM whose gates are set by hand, and the command
prints, writes JSON and draws."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence
from typer.testing import CliRunner

from seqcli.analysis.diagnostics import recurrent_stack
from seqcli.analysis.features import FEATURES, correlations, pearson, step_features, top_units
from seqcli.analysis.gates import HIDDEN, Gates, View, aliases, read_gates, step_summary
from seqcli.analysis.moving_average import moving_average
from seqcli.cli import app
from seqcli.engine.contract import Given, ReadsStackInput
from seqcli.engine.run import new_run
from seqcli.models.cells import make_stack
from seqcli.recipe import ModelConfig
from seqcli.recipe.cells import CELL_FORMS, CELL_SPECS
from seqcli.tasks import TASKS
from tests.conftest import shipped_recipe

runner = CliRunner()
SMALL = ("model.hidden_size=6", "model.embedding_size=5")
# Per task: the shipped recipe's overrides and an input. The classifier's cell is a
# bidirectional GRU; the tagger reads word and character features; the translator's encoder
# is bidirectional; the airline forecaster rescales each window before the stack.
CASES = {
    "language_model": (("model.layers=2",), "First Citizen:\nBefore we proceed"),
    "classifier": (("model.cell=gru", "model.direction=bi"), "Free entry, call now"),
    "regressor": ((), "forty two"),
    "tagger": (("model.char_features=4",), "I saw her duck ."),
    "translator": ((), "1234"),
    "direct_forecaster": (("model.direction=bi",), "112,118,132,129,121,135"),
    "autoregressive_forecaster": (("model.layers=2",), "10,20\n30,25,12"),
    "adding": (("data.val_examples=2", "data.test_examples=2"), "0.2 *0.5 0.1 *0.7"),
    "copy": (("data.val_examples=2", "data.test_examples=2", "data.length=6"), "1234567812"),
    "array_classifier": (("model.cell=lstm",), "0.5 1.5 -1 -2 0.3"),
    "array_tagger": (("model.cell=gru",), "0.5\n1.5 -1"),
    "array_regressor": (("model.direction=uni",), "0.5 1.5 -1 -2"),
    # audio tasks read 40 mel bands a frame; the transcriber stacks 4 frames a step
    "audio_classifier": ((), " ".join([",".join(["0.5"] * 40)] * 3)),
    "transcriber": (("model.subsample=2",), " ".join([",".join(["-0.5"] * 40)] * 5)),
}


def fresh_run(task: str, *overrides: str):
    """An untrained run of the task's shipped recipe, small: the trace is checked, not skill."""
    recipe = shipped_recipe(task, *SMALL, *overrides)
    meta = TASKS[task].prepare(recipe).meta
    return new_run(recipe, TASKS[task], meta, torch.device("cpu"))


def fused_reading(run, inputs: dict) -> tuple[torch.Tensor, tuple]:
    """The first stack's own output (T, D*H) and final state, through the fused kernels."""
    seen = []
    stack = recurrent_stack(run.model)
    handle = stack.register_forward_hook(lambda module, args, out: seen.append(out))
    with torch.no_grad():
        run.model.eval()(**inputs)
    handle.remove()
    output, state = seen[0]
    if isinstance(output, PackedSequence):
        output = pad_packed_sequence(output, batch_first=True)[0]
    return output[0], state


def test_every_task_with_the_hook_is_checked_here():
    assert set(CASES) == {name for name, task in TASKS.items() if isinstance(task, ReadsStackInput)}


@pytest.mark.parametrize("task", sorted(CASES))
def test_the_traced_records_equal_the_fused_stack(task):
    overrides, text = CASES[task]
    run = fresh_run(task, *overrides)
    gates = read_gates(run, Given(text, "--text"))
    output, state = fused_reading(run, run.task.stack_input(run, Given(text, "--text")).inputs)
    layers, directions, steps, units = gates.shape
    assert steps == len(gates.steps) == output.shape[0]
    top = gates.values[HIDDEN][-1]  # (D, T, H)
    fused = output.view(steps, directions, units).permute(1, 0, 2).double().numpy()
    np.testing.assert_allclose(top, fused, atol=1e-6, rtol=0)
    if "cell" in gates.values:  # the LSTM's cell state: the fused module's final c
        final_c = state[1].view(layers, directions, units)[:, 0].double().numpy()  # forward
        np.testing.assert_allclose(gates.values["cell"][:, 0, -1], final_c, atol=1e-6, rtol=0)
    assert list(gates.values) == [*recurrent_stack(run.model).cell.spec.records, HIDDEN]


EVERY_CELL = {**CELL_SPECS, **{".".join(key): spec for key, spec in CELL_FORMS.items()}}


@pytest.mark.parametrize("name", sorted(EVERY_CELL))
def test_every_record_of_every_cell_has_one_short_name(name):
    spec = EVERY_CELL[name]
    assert len(spec.aliases) == len(spec.records), f"{name}: one alias per record"
    names = aliases(spec)
    assert len(names) == len(spec.records) + 1, "aliases clash"
    assert set(names.values()) == {*spec.records, HIDDEN}
    full_names = {*spec.records, HIDDEN}
    hiding = [a for a, record in names.items() if a in full_names and a != record]
    assert not hiding, f"{name}: these aliases are other records' names"


def test_pearson_matches_the_formula():
    a, b = [1.0, 2.0, 3.0, 4.0, 6.0], [2.0, 1.0, 4.0, 3.0, 7.0]
    mean_a, mean_b = sum(a) / 5, sum(b) / 5
    covariance = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    spread_a = math.sqrt(sum((x - mean_a) ** 2 for x in a))
    spread_b = math.sqrt(sum((y - mean_b) ** 2 for y in b))
    assert pearson(a, b) == pytest.approx(covariance / (spread_a * spread_b), abs=1e-12)
    assert pearson(a, [-y for y in a]) == pytest.approx(-1.0)


def test_a_constant_series_correlates_with_nothing():
    assert pearson([1, 2, 3], [5, 5, 5]) is None
    assert pearson([0.3] * 7, [1, 2, 3, 4, 5, 6, 7]) is None
    units = np.array([[1.0, 4.0], [2.0, 4.0], [3.0, 4.0]])  # the second unit is constant
    r = correlations(units, np.array([[1.0], [2.0], [4.0]]))
    assert r[0, 0] == pytest.approx(pearson([1, 2, 3], [1, 2, 4])) and math.isnan(r[1, 0])


def marks(text: str) -> dict[str, list[int]]:
    return {name: [int(v) for v in values] for name, values in step_features(text, "char").items()}


def test_quotes_and_brackets_count_from_the_opening_mark_to_the_closing_one():
    assert marks('a "bc" d')["inside quotes"] == [0, 0, 1, 1, 1, 0, 0, 0]
    assert marks("say “hi”.")["inside quotes"] == [0, 0, 0, 0, 1, 1, 1, 0, 0]
    assert marks("f(a[b]) c)")["inside brackets"] == [0, 1, 1, 1, 1, 1, 0, 0, 0, 0]


def test_character_features_by_hand():
    features = marks("Hi, you2\nOK")
    assert features["start of word"] == [1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]
    assert features["position in line"] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1]
    assert features["upper case"] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    assert features["vowel"] == [0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0]
    assert features["digit"] == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]


def test_word_features_by_hand():
    words = ["The", "cat", "<eos>", "Was", "3rd"]
    features = {k: [int(v) for v in f] for k, f in step_features(words, "word").items()}
    assert features == {
        "position in line": [0, 1, 2, 0, 1],
        "start of line": [1, 0, 0, 1, 0],
        "upper case first letter": [1, 0, 0, 1, 0],
        "digit": [0, 0, 0, 0, 1],
    }
    assert list(FEATURES["values"]) == ["position"]


def test_the_top_units_are_the_best_correlated_and_skip_constant_features():
    position = np.arange(6, dtype=float)
    values = np.stack([position**2, -position, np.ones(6)], axis=1)  # units (T, 3)
    found = top_units(
        {"hidden": values[None, None]}, list("abcdef"), "char", k=2, directions=("forward",)
    )
    best = found["features"]["position in line"]
    assert [(row["unit"], round(row["r"], 6)) for row in best] == [
        (1, -1.0),
        (0, round(pearson(position, position**2), 6)),
    ]
    assert "inside quotes" in found["constant"] and "inside quotes" not in found["features"]


def lstm_with_gates(forget_rows, input_rows, forget_bias: float, input_bias: float):
    """A one-layer LSTM over 3 inputs whose gates are set by hand: no recurrent weights, the
    candidate and output blocks zero, f and i read the input through the given rows."""
    stack = make_stack(ModelConfig(cell="lstm", hidden_size=2), input_size=3).double()
    hidden = 2
    with torch.no_grad():
        for parameter in stack.parameters():
            parameter.zero_()
        # torch's LSTM blocks: input, forget, cell, output
        stack.weight_ih_l0[:hidden] = torch.as_tensor(input_rows, dtype=torch.float64)
        stack.weight_ih_l0[hidden : 2 * hidden] = torch.as_tensor(forget_rows, dtype=torch.float64)
        stack.bias_ih_l0[:hidden] = input_bias
        stack.bias_ih_l0[hidden : 2 * hidden] = forget_bias
    trace = stack.trace(torch.randn(1, 40, 3, dtype=torch.float64))
    return {name: part[:, :, 0].numpy() for name, part in trace.records.items()}


def test_constant_gates_give_their_sigmoids_and_no_correlation():
    records = lstm_with_gates(np.zeros((2, 3)), np.zeros((2, 3)), math.log(3), -math.log(3))
    (row,) = moving_average(records, ("forward",))
    assert row["f"]["mean"] == pytest.approx(0.75) and row["f"]["sd"] == pytest.approx(0.0)
    assert row["i"]["mean"] == pytest.approx(0.25) and row["f+i"]["p50"] == pytest.approx(1.0)
    assert row["corr_f_1_minus_i"] is None
    assert row["mean_abs_f_plus_i_minus_1"] == pytest.approx(0.0, abs=1e-12)
    assert sum(row["f"]["histogram"]) == 80  # 40 steps x 2 units


def test_an_input_gate_tied_to_one_minus_forget_is_a_moving_average():
    rows = np.array([[1.0, -2.0, 0.5], [0.3, 0.7, -1.0]])
    # sigmoid(-z) = 1 - sigmoid(z): negated rows and bias make i = 1 - f exactly, as a GRU
    (tied,) = moving_average(lstm_with_gates(rows, -rows, 0.4, -0.4), ("forward",))
    assert tied["corr_f_1_minus_i"] == pytest.approx(1.0)
    assert tied["f+i"]["mean"] == pytest.approx(1.0) and tied["f+i"]["sd"] < 1e-9
    # the same rows make i = f: the two move together, the opposite of the GRU's tie
    (together,) = moving_average(lstm_with_gates(rows, rows, 0.4, 0.4), ("forward",))
    assert together["corr_f_1_minus_i"] == pytest.approx(-1.0)
    assert together["mean_abs_f_plus_i_minus_1"] > 0.05


def test_the_per_step_summary_averages_each_record_over_the_units():
    gate = np.array([[0.2, 0.4], [1.0, 0.0]])  # (T=2, H=2)
    hidden = np.array([[0.995, -0.5], [-0.999, 0.999]])
    values = {"update_gate": gate[None, None], "candidate": -hidden[None, None]}
    gates = Gates(
        CELL_SPECS["gru"], "tanh", ["a", "b"], "char", {**values, HIDDEN: hidden[None, None]}
    )
    summary = step_summary(gates, View(layer=0, directions=(0,), record=HIDDEN, unit=0))
    assert summary["z"] == pytest.approx([0.3, 0.5])
    assert summary["|n|"] == pytest.approx([0.7475, 0.999])
    assert summary["saturated"] == pytest.approx([0.5, 1.0])


def test_gates_prints_the_text_the_steps_and_the_moving_average(trained_run):
    result = runner.invoke(
        app, ["gates", str(trained_run), "--text", "First\\nCitizen", "--gate", "f"]
    )
    assert result.exit_code == 0, result.output
    assert "First↵" in result.stderr and "Citizen" in result.stderr
    assert "corr(f, 1 - i)" in result.stderr and result.stdout == ""


def test_gates_json_holds_every_array(trained_run):
    result = runner.invoke(app, ["gates", str(trained_run), "--text", "Before we", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["steps"] == list("Before we")
    assert set(data["records"]) == {*CELL_SPECS["lstm"].records, HIDDEN}
    assert np.asarray(data["records"]["forget_gate"]).shape == (1, 1, 9, 32)  # (L, D, T, H)
    assert len(data["per_step"]["f"]) == 9 and data["moving_average"][0]["layer"] == 0


def test_gates_reads_stdin_like_text(trained_run):
    args = ["gates", str(trained_run), "--json"]
    piped = runner.invoke(app, args, input="Before we\n")
    typed = runner.invoke(app, [*args, "--text", "Before we\\n"])
    assert piped.exit_code == typed.exit_code == 0, piped.output
    assert json.loads(piped.stdout) == json.loads(typed.stdout)


def test_gates_draws_heat_maps_and_searches_units(trained_run, tmp_path):
    png = tmp_path / "gates.png"
    args = ["gates", str(trained_run), "--text", "Before we go, hear me", "--top-units", "2"]
    result = runner.invoke(app, [*args, "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "start of word" in result.stderr and "constant over this input" in result.stderr


def test_a_forecaster_reads_a_csv_file_as_it_reads_comma_separated_values(tmp_path):
    run = fresh_run("direct_forecaster")
    path = tmp_path / "recent.csv"
    path.write_text('"Month","Passengers"\n"1960-01",417\n"1960-02",391\n"1960-03",419\n')
    from_file = read_gates(run, Given("", f"--file {path}", path=path))
    typed = read_gates(run, Given("417, 391\n419", "--text"))
    assert from_file.steps == typed.steps == ["417", "391", "419"]
    np.testing.assert_array_equal(from_file.values[HIDDEN], typed.values[HIDDEN])
