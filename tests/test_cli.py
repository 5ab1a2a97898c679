"""Every seqcli verb through the Typer app, on a tiny recipe trained for a few steps.

`trained_run` (conftest) is one tiny run shared by the tests that only read it; tests that
train get their own folder and stay at 20 steps or fewer.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine import events
from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training
from seqcli.models import count_parameters
from seqcli.recipe import load_recipe
from seqcli.runs.checkpoint import load_checkpoint
from seqcli.tasks import TASKS, task_for

ROOT = Path(__file__).resolve().parents[1]
STEPS = 20
VERBS = ("train", "generate", "evaluate", "inspect", "recipe")


def invoke(*args, input: str | None = None):
    return CliRunner().invoke(app, [str(arg) for arg in args], input=input)


def succeed(*args, input: str | None = None):
    """Run a command that must work; on failure show what it printed."""
    result = invoke(*args, input=input)
    assert result.exit_code == 0, f"{result.stderr}\n{result.exception!r}"
    return result


def records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def short_recipe(write_recipe, **sections) -> Path:
    train = {"steps": STEPS, **sections.pop("train", {})}
    return write_recipe(train=train, **sections)


def generated(run: Path, *args) -> str:
    return succeed("generate", run, "--prime", "A", "--length", 40, *args).stdout


def stop_at(recipe: Path, out: Path, step: int) -> None:
    """Train into out and stop after `step`, as Ctrl-C would."""
    loaded = load_recipe(recipe)
    trainer = fresh_training(loaded, task_for(loaded), device=torch.device("cpu"), out=out)
    try:
        for event in trainer:
            if isinstance(event, events.Step) and event.step == step:
                trainer.request_stop("interrupted by the test")
    finally:
        trainer.folder.release()


# train


def test_train_names_the_run_folder_and_prints_a_summary(write_recipe, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = succeed("train", short_recipe(write_recipe))
    assert "runs/tiny: " in result.stderr and "parameters on cpu" in result.stderr
    assert "run tiny" in result.stderr and "best val loss" in result.stderr
    assert result.stdout == ""
    assert json.loads((tmp_path / "runs/tiny/summary.json").read_text())["steps"] == STEPS


def test_train_json_prints_one_event_object_per_line(write_recipe, tmp_path):
    result = succeed("train", short_recipe(write_recipe), "--out", tmp_path / "run", "--json")
    stream = records(result.stdout)
    kinds = [record["event"] for record in stream]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert kinds.count("step") == STEPS and "evaluated" in kinds and "saved" in kinds
    assert stream[-1]["summary"]["steps"] == STEPS
    from seqcli import __version__

    assert stream[0]["seqcli_version"] == __version__


def test_quiet_train_prints_the_summary_only(write_recipe, tmp_path):
    result = succeed("train", short_recipe(write_recipe), "--out", tmp_path / "run", "--quiet")
    assert "run tiny" in result.stderr
    assert "parameters on" not in result.stderr and "val  loss" not in result.stderr


def test_out_puts_the_run_in_the_given_folder(write_recipe, tmp_path):
    out = tmp_path / "deeper" / "my-run"
    succeed("train", short_recipe(write_recipe), "--out", out, "--quiet")
    names = {path.name for path in out.iterdir()}
    assert {"recipe.yaml", "meta.json", "best.pt", "last.pt", "summary.json"} <= names


def test_second_train_into_a_run_folder_is_refused_with_a_hint(write_recipe, tmp_path):
    recipe, out = short_recipe(write_recipe), tmp_path / "run"
    succeed("train", recipe, "--out", out, "--quiet")
    result = invoke("train", recipe, "--out", out)
    assert result.exit_code == 2
    assert "already holds a run" in result.stderr
    assert "--resume" in result.stderr and "--overwrite" in result.stderr


def test_overwrite_replaces_the_run_in_the_folder(write_recipe, tmp_path):
    recipe, out = short_recipe(write_recipe), tmp_path / "run"
    succeed("train", recipe, "--out", out, "--quiet")
    succeed("train", recipe, "--out", out, "--overwrite", "--quiet", "--set", "train.steps=5")
    assert load_checkpoint(out / "last.pt")["step"] == 5
    assert json.loads((out / "summary.json").read_text())["steps"] == 5


def test_resume_continues_to_the_recipe_step_count(write_recipe, tmp_path):
    out = tmp_path / "run"
    stop_at(short_recipe(write_recipe), out, step=8)
    assert load_checkpoint(out / "last.pt")["step"] == 8
    stream = records(succeed("train", "--resume", out, "--json").stdout)
    assert stream[0]["start_step"] == 8
    assert [r["step"] for r in stream if r["event"] == "step"] == list(range(9, STEPS + 1))
    assert load_checkpoint(out / "last.pt")["step"] == STEPS


def test_init_from_starts_from_the_checkpoint_weights(write_recipe, tmp_path, trained_run):
    # One step at a learning rate too small to move anything: the weights are the start.
    out = tmp_path / "warm"
    succeed(
        "train",
        write_recipe(),
        "--init-from",
        trained_run / "best.pt",
        "--out",
        out,
        "--quiet",
        "--set",
        "train.steps=1",
        "--set",
        "train.lr=1e-12",
    )
    source = load_checkpoint(trained_run / "best.pt")["model"]
    started = load_checkpoint(out / "last.pt")["model"]
    for name, tensor in source.items():
        torch.testing.assert_close(started[name], tensor, atol=1e-8, rtol=0)


# generate


def test_generate_continues_the_prime_for_length_tokens(trained_run):
    text = succeed("generate", trained_run, "--prime", "MENE", "--length", 25).stdout
    assert text.startswith("MENE") and len(text) == len("MENE") + 25 + 1


def test_length_sets_how_many_tokens_follow_the_prime(trained_run):
    assert len(generated(trained_run, "--length", 7)) == len("A") + 7 + 1


def test_prime_file_supplies_the_prime(trained_run, tmp_path):
    (tmp_path / "prime.txt").write_text("First Citizen:\n", encoding="utf-8")
    text = succeed("generate", trained_run, "--prime-file", tmp_path / "prime.txt").stdout
    assert text.startswith("First Citizen:\n")


def test_prime_file_dash_reads_the_prime_from_stdin(trained_run):
    text = succeed("generate", trained_run, "--prime-file", "-", "--length", 5, input="MENENIUS")
    assert text.stdout.startswith("MENENIUS") and len(text.stdout) == len("MENENIUS") + 5 + 1


def test_greedy_is_the_same_whatever_the_seed(trained_run):
    assert generated(trained_run, "--greedy", "--seed", 1) == generated(
        trained_run, "--greedy", "--seed", 2
    )


def test_same_seed_gives_the_same_text(trained_run):
    assert generated(trained_run, "--seed", 3) == generated(trained_run, "--seed", 3)


def test_different_seeds_give_different_text(trained_run):
    assert generated(trained_run, "--seed", 3) != generated(trained_run, "--seed", 4)


def test_num_samples_prints_that_many_samples_a_blank_line_apart(trained_run):
    text = succeed("generate", trained_run, "--prime", "AB", "--length", 10, "--num-samples", 3)
    samples = [text.stdout[i * 14 : i * 14 + 12] for i in range(3)]  # "AB" + 10, then "\n\n"
    assert len(text.stdout) == 3 * 12 + 2 * 2 + 1
    assert all(sample.startswith("AB") for sample in samples)
    assert [text.stdout[i * 14 + 12 : i * 14 + 14] for i in range(2)] == ["\n\n", "\n\n"]


def test_top_k_of_one_is_greedy(trained_run):
    assert generated(trained_run, "--top-k", 1) == generated(trained_run, "--greedy")


def test_a_tiny_top_p_is_greedy(trained_run):
    assert generated(trained_run, "--top-p", 1e-6) == generated(trained_run, "--greedy")


def test_top_k_and_top_p_sample_the_requested_length(trained_run):
    assert len(generated(trained_run, "--top-k", 5, "--top-p", 0.9)) == len("A") + 40 + 1


def test_unknown_skip_drops_prime_characters_the_model_never_saw(trained_run):
    text = succeed("generate", trained_run, "--prime", "A€", "--unknown", "skip", "--length", 5)
    assert text.stdout.startswith("A€") and len(text.stdout) == 2 + 5 + 1


def test_unknown_prime_characters_are_an_error_that_lists_them(trained_run):
    result = invoke("generate", trained_run, "--prime", "A€ß")
    assert result.exit_code == 2 and "'ß', '€'" in result.stderr


# evaluate


def test_evaluate_json_reports_loss_perplexity_bpc_and_accuracy(trained_run):
    metrics = json.loads(succeed("evaluate", trained_run, "--json").stdout)
    assert {"loss", "perplexity", "bpc", "accuracy"} <= set(metrics) and metrics["data"] == "val"
    assert metrics["perplexity"] == pytest.approx(math.exp(metrics["loss"]))
    assert metrics["bpc"] == pytest.approx(metrics["loss"] / math.log(2))
    assert 0 <= metrics["accuracy"] <= 1


def test_evaluate_prints_a_metrics_table_without_json(trained_run):
    result = succeed("evaluate", trained_run)
    assert "perplexity" in result.stderr and result.stdout == ""


def test_evaluate_split_test_scores_the_last_test_fraction_of_the_file(write_recipe, tmp_path):
    recipe = write_recipe(data={"test_fraction": 0.1}, train={"steps": 5})
    succeed("train", recipe, "--out", tmp_path / "run", "--quiet")
    test = json.loads(succeed("evaluate", tmp_path / "run", "--split", "test", "--json").stdout)
    text = recipe.parent.joinpath("corpus.txt").read_text(encoding="utf-8")
    tail = tmp_path / "tail.txt"  # char tokens: the test split is the text's last 10%
    tail.write_text(text[len(text) - round(len(text) * 0.1) :], encoding="utf-8")
    alone = json.loads(succeed("evaluate", tmp_path / "run", "--data", tail, "--json").stdout)
    assert test["data"] == "test" and test["loss"] == pytest.approx(alone["loss"], rel=1e-6)


def test_evaluate_data_scores_the_given_file(trained_run, tmp_path, corpus):
    text = corpus.read_text(encoding="utf-8")
    same_as_val = tmp_path / "val.txt"  # trained_run holds out the last 10% for validation
    same_as_val.write_text(text[len(text) - round(len(text) * 0.1) :], encoding="utf-8")
    metrics = json.loads(succeed("evaluate", trained_run, "--data", same_as_val, "--json").stdout)
    val = json.loads(succeed("evaluate", trained_run, "--json").stdout)
    assert metrics["data"] == str(same_as_val)
    assert metrics["loss"] == pytest.approx(val["loss"], rel=1e-6)
    other = tmp_path / "other.txt"
    other.write_text(text[:3000], encoding="utf-8")
    first = json.loads(succeed("evaluate", trained_run, "--data", other, "--json").stdout)
    assert first["loss"] != pytest.approx(val["loss"], rel=1e-3)


# inspect


def test_inspect_prints_the_recipe_summary_and_parameter_total(trained_run):
    result = succeed("inspect", trained_run)
    total = count_parameters(load_run(trained_run, torch.device("cpu"), TASKS).model)
    assert "tiny" in result.stderr and "lstm x 1 layers" in result.stderr
    assert f"total parameters: {total:,}" in result.stderr


def test_inspect_json_parameter_counts_sum_to_the_model_size(trained_run):
    report = json.loads(succeed("inspect", trained_run, "--json").stdout)
    total = count_parameters(load_run(trained_run, torch.device("cpu"), TASKS).model)
    assert sum(row["count"] for row in report["parameters"]) == total
    assert {row["block"] for row in report["parameters"]} >= {"input", "forget", "cell", "output"}
    assert report["summary"]["name"] == "tiny" and report["recipe"]["model"]["hidden_size"] == 32


# recipe


def test_recipe_show_prints_the_resolved_recipe_with_overrides(write_recipe):
    shown = succeed("recipe", "show", write_recipe(), "--set", "model.hidden_size=48").stdout
    resolved = yaml.safe_load(shown)
    assert resolved["model"]["hidden_size"] == 48
    assert resolved["train"]["optimizer"] == "adam"  # a default the file never mentions


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "recipes").glob("*.yaml")))
def test_recipe_show_keeps_the_keys_of_the_recipes_task_and_loads_back_the_same(name, tmp_path):
    from seqcli.recipe import load_recipe
    from seqcli.recipe.load import task_keys

    path = ROOT / "recipes" / f"{name}.yaml"
    shown = yaml.safe_load(succeed("recipe", "show", path).stdout)
    again = tmp_path / f"{name}.yaml"
    again.write_text(yaml.safe_dump(shown), encoding="utf-8")
    recipe = load_recipe(path, [])
    assert task_keys(load_recipe(again, [])) == shown == task_keys(recipe)
    assert ("generate" in shown) == bool(recipe.spec.generate)
    assert ("teacher_forcing" in shown["train"]) == ("teacher_forcing" in recipe.spec.train_options)
    assert ("leak" in shown["model"]) == (getattr(recipe.model, "cell", None) == "leaky")


def test_recipe_schema_is_json_schema_of_every_section():
    schema = json.loads(succeed("recipe", "schema").stdout)
    assert {"name", "data", "model", "train", "generate"} <= set(schema["properties"])


# help and startup

NO_TORCH_ON_HELP = """
import sys
from typer.testing import CliRunner
from seqcli.cli import app
for args in (["--help"], *([verb, "--help"] for verb in sys.argv[1:])):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (args, result.output)
assert "torch" not in sys.modules, "seqcli --help imported torch"
assert "numpy" not in sys.modules, "seqcli --help imported numpy"
"""


def test_help_does_not_import_torch_or_numpy():
    done = subprocess.run(
        [sys.executable, "-c", NO_TORCH_ON_HELP, *VERBS], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_python_m_seqcli_help_lists_every_verb():
    done = subprocess.run(
        [sys.executable, "-m", "seqcli", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert all(verb in done.stdout for verb in VERBS)


def test_dry_run_prints_shapes_and_memory_and_writes_nothing(write_recipe, tmp_path):
    result = invoke("train", write_recipe(), "--dry-run", "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert "4x16x32" in result.output and "activations kept for backward" in result.output
    assert not (tmp_path / "run").exists()


def test_init_from_accepts_a_run_folder(write_recipe, trained_run, tmp_path):
    result = invoke(
        "train",
        write_recipe(),
        "--init-from",
        trained_run,
        "--out",
        tmp_path / "w",
        "--quiet",
        "--set",
        "train.steps=2",
    )
    assert result.exit_code == 0, result.output


def test_the_committed_schema_is_the_one_seqcli_prints_and_every_recipe_names_it():
    """recipe.schema.json is what editors validate recipes against: it must not drift."""
    committed = json.loads((ROOT / "recipe.schema.json").read_text(encoding="utf-8"))
    assert committed == json.loads(succeed("recipe", "schema").stdout), (
        "regenerate it: seqcli recipe schema > recipe.schema.json"
    )
    for path in [*(ROOT / "recipes").glob("*.yaml"), *(ROOT / "bench/recipes").glob("*.yaml")]:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        schema = first.removeprefix("# yaml-language-server: $schema=")
        assert (path.parent / schema).resolve() == ROOT / "recipe.schema.json", path.name


def test_inspect_json_gives_numbers_as_numbers_under_snake_case_keys(trained_run):
    from seqcli import __version__

    report = json.loads(succeed("inspect", trained_run, "--json").stdout)
    summary = report["summary"]
    assert report["seqcli_version"] == __version__
    assert isinstance(summary["steps_trained"], int) and summary["resumable"] is True
    assert isinstance(summary["best_val_loss"], float)
    assert all(key == key.lower() and " " not in key for key in summary)


def test_a_log_file_gets_a_plain_progress_line_between_validations(
    write_recipe, monkeypatch, tmp_path
):
    """Without a terminal (CI, nohup) the live bar shows nothing until the end."""
    import seqcli.ui.training as training

    monkeypatch.setattr(training, "LOG_EVERY", 0.0)  # a line every step
    recipe = write_recipe(train={"steps": 4, "eval_every": 4})
    result = succeed("train", recipe, "--out", tmp_path / "run")
    lines = [line for line in result.stderr.splitlines() if line.startswith("step ")]
    assert [line.split()[1] for line in lines[:4]] == ["1/4", "2/4", "3/4", "4/4"]
    assert all("s elapsed" in line and "loss" in line for line in lines[:4])


def test_a_run_counted_in_epochs_shows_them_as_it_goes(write_recipe, tmp_path):
    recipe = write_recipe(train={"steps": None, "epochs": 0.5, "eval_every": 1000})
    stream = records(succeed("train", recipe, "--out", tmp_path / "run", "--json").stdout)
    epochs = [record["epoch"] for record in stream if record["event"] == "step"]
    assert epochs[-1] == pytest.approx(0.5, abs=1 / len(epochs)) and epochs == sorted(epochs)
    stepped = records(succeed("train", write_recipe(), "--out", tmp_path / "b", "--json").stdout)
    assert {record["epoch"] for record in stepped if record["event"] == "step"} == {None}
