"""seqcli tune: the search space checked against the recipe before any trial, trials as
runs in the study folder, pruning recorded, the best recipe retrained to the same score."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.errors import UsageError
from seqcli.tune import study as tune_study
from seqcli.tune.space import parse_param

pytest.importorskip("optuna")

LR = "train.lr=float(1e-3,3e-2,log)"
HIDDEN = "model.hidden_size=int(8,32)"


@pytest.fixture
def recipe(write_recipe):
    return write_recipe(
        train={"steps": 20, "eval_every": 10, "lr": 0.01}, generate={"sample_length": 0}
    )


def tune(*args: str):
    return CliRunner().invoke(app, ["tune", *args, "--threads", "1"])


def read_summary(out) -> dict:
    return json.loads((out / "tune.json").read_text(encoding="utf-8"))


def test_an_unknown_key_is_refused_before_any_trial_naming_it(recipe, tmp_path):
    out = tmp_path / "study"
    result = tune(str(recipe), "--param", "train.lrr=float(1e-4,1e-2)", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "--param train.lrr=float(0.0001,0.01)" in result.stderr
    assert "unknown key (did you mean 'lr'?)" in result.stderr
    assert not out.exists()


def test_a_range_the_key_refuses_names_the_key_and_the_value(recipe, tmp_path):
    result = tune(str(recipe), "--param", "model.hidden_size=int(0,8)", "--out", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert "--param model.hidden_size=int(0,8): at 0: model.hidden_size" in result.stderr


def test_a_choice_the_key_refuses_names_it(recipe, tmp_path):
    result = tune(str(recipe), "--param", "model.cell=choice(lstm,grux)", "--out", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert "at \"grux\": model.cell: 'grux' is not one of" in result.stderr


def test_a_choice_of_file_that_is_missing_names_the_param_before_any_trial(recipe, tmp_path):
    out, there = tmp_path / "study", yaml.safe_load(recipe.read_text())["data"]["path"]
    param = f"data.path=choice({there},missing.csv)"
    result = tune(str(recipe), "--param", param, "--out", str(out))
    assert result.exit_code == 2, result.output
    missing = recipe.parent / "missing.csv"
    said = f'--param {param}: at "missing.csv": {missing}: not found'
    assert result.stderr.strip().splitlines() == [f"error: {said}"]
    assert not out.exists()


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("uniform(1,2)", "expected KEY=DIST"),
        ("float(2,1)", "low 2 must be below high 1"),
        ("float(0,1,log)", "a log scale needs low above 0"),
        ("int(a,3)", "'a' is not an int"),
        ("choice(lstm)", "two or more different values"),
    ],
)
def test_a_badly_written_distribution_is_one_line_naming_it(written, problem):
    with pytest.raises(UsageError, match=problem) as caught:
        parse_param("train.lr", written, source=f"--param train.lr={written}")
    assert str(caught.value).startswith(f"--param train.lr={written}: ")


def test_choices_are_read_as_yaml_reads_values():
    param = parse_param("model.hidden_size", "choice(32, null, lstm)", source="--param")
    assert param.choices == (32, None, "lstm")


def test_a_space_file_and_params_merge_with_the_flag_winning(tmp_path):
    from seqcli.tune.space import search_space

    space = tmp_path / "space.yaml"
    space.write_text("train.lr: float(1e-4,1e-2,log)\nmodel.cell: choice(lstm,gru)\n")
    params = {p.key: p for p in search_space(["model.cell=choice(rnn,gru)"], space)}
    assert params["train.lr"].log and params["train.lr"].low == 1e-4
    assert params["model.cell"].choices == ("rnn", "gru")


def test_a_study_trains_each_trial_as_a_run_and_its_best_recipe_retrains_to_its_score(
    recipe, tmp_path
):
    out = tmp_path / "study"
    args = ["--trials", "3", "--param", LR, "--param", HIDDEN, "--pruner", "none"]
    result = tune(str(recipe), *args, "--out", str(out))
    assert result.exit_code == 0, result.output
    summary = read_summary(out)
    assert [row["state"] for row in summary["trials"]] == ["complete"] * 3
    first = summary["trials"][0]
    assert first["baseline"] and first["params"] == {"train.lr": 0.01, "model.hidden_size": 32}
    for row in summary["trials"]:
        stored = yaml.safe_load((out / row["folder"] / "recipe.yaml").read_text())
        assert stored["train"]["lr"] == row["params"]["train.lr"]
        assert stored["model"]["hidden_size"] == row["params"]["model.hidden_size"]
    best = summary["best"]
    assert best["value"] == min(row["value"] for row in summary["trials"])  # perplexity: lower
    again = CliRunner().invoke(app, ["train", str(out / "best.yaml"), "--out", str(tmp_path / "r")])
    assert again.exit_code == 0, again.output
    retrained = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert retrained["best"]["value"] == pytest.approx(best["value"], rel=1e-6)
    assert (out / "history.png").is_file() and (out / "slices.png").is_file()


def test_a_pruned_trial_stops_and_its_folder_says_at_which_step(recipe, tmp_path, monkeypatch):
    # A pruner that stops every trial at its first report: which step that was is known.
    monkeypatch.setitem(
        tune_study.PRUNERS, "median", lambda optuna: optuna.pruners.ThresholdPruner(upper=0.0)
    )
    out = tmp_path / "study"
    result = tune(str(recipe), "--trials", "2", "--param", LR, "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = read_summary(out)["trials"]
    assert [(row["state"], row["pruned_step"]) for row in rows] == [("pruned", 10)] * 2
    folder = out / rows[0]["folder"]
    assert json.loads((folder / "pruned.json").read_text())["step"] == 10
    assert (folder / "last.pt").is_file() and not (folder / "summary.json").exists()


def test_running_the_command_again_continues_the_study(recipe, tmp_path):
    out = tmp_path / "study"
    assert tune(str(recipe), "--trials", "1", "--param", LR, "--out", str(out)).exit_code == 0
    first = (out / "trials" / "0000" / "summary.json").stat().st_mtime_ns
    result = tune(str(recipe), "--trials", "2", "--param", LR, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [row["number"] for row in read_summary(out)["trials"]] == [0, 1]
    assert (out / "trials" / "0000" / "summary.json").stat().st_mtime_ns == first
    shown = tune("--show", str(out))
    assert shown.exit_code == 0 and "2 complete" in shown.stderr


def test_another_space_in_the_same_study_folder_is_refused(recipe, tmp_path):
    out = tmp_path / "study"
    assert tune(str(recipe), "--trials", "1", "--param", LR, "--out", str(out)).exit_code == 0
    result = tune(str(recipe), "--trials", "2", "--param", HIDDEN, "--out", str(out))
    assert result.exit_code == 2
    assert "was started with another recipe or search space" in result.stderr


def test_no_trial_is_pruned_in_its_first_quarter(write_recipe, tmp_path, monkeypatch):
    monkeypatch.setitem(
        tune_study.PRUNERS, "median", lambda optuna: optuna.pruners.ThresholdPruner(upper=0.0)
    )
    recipe = write_recipe(
        train={"steps": 20, "eval_every": 2, "lr": 0.01}, generate={"sample_length": 0}
    )
    out = tmp_path / "study"
    result = tune(str(recipe), "--trials", "1", "--param", LR, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert read_summary(out)["trials"][0]["pruned_step"] == 6  # validations at 2 and 4 unjudged


def test_a_storage_url_that_cannot_be_used_is_one_line_naming_it(recipe, tmp_path):
    args = ["--param", LR, "--out", str(tmp_path / "s"), "--storage", "nonsense://x"]
    result = tune(str(recipe), *args)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: --storage nonsense://x: SQLAlchemy knows no database 'nonsense'; e.g. "
        "postgresql://user@host/db or sqlite:///study.db"
    ]


def add_finished_trial(out, lr: float) -> None:
    """What another process sharing the study does when its trial ends."""
    import optuna

    study = optuna.load_study(study_name=out.name, storage=f"sqlite:///{out / 'study.db'}")
    lrs = optuna.distributions.FloatDistribution(1e-3, 3e-2, log=True)
    finished = optuna.trial.create_trial(
        params={"train.lr": lr}, distributions={"train.lr": lrs}, value=1.0
    )
    study.add_trial(finished)


def test_tune_json_holds_a_trial_another_process_ended_while_figures_were_drawn(
    recipe, tmp_path, monkeypatch
):
    import seqcli.ui.tune as tune_ui

    out = tmp_path / "study"
    real = tune_ui.plot_study

    def drawn_slowly(summary, keys, folder):
        add_finished_trial(out, 0.005)
        return real(summary, keys, folder)

    monkeypatch.setattr(tune_ui, "plot_study", drawn_slowly)
    result = tune(str(recipe), "--trials", "1", "--param", LR, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [row["state"] for row in read_summary(out)["trials"]] == ["complete"] * 2


def test_show_reads_the_storage_not_the_tune_json_written_before(recipe, tmp_path):
    out = tmp_path / "study"
    assert tune(str(recipe), "--trials", "1", "--param", LR, "--out", str(out)).exit_code == 0
    add_finished_trial(out, 0.005)
    shown = tune("--show", str(out))
    assert shown.exit_code == 0 and "2 complete" in shown.stderr


def test_a_warning_every_worker_prints_is_shown_once_per_study(capsys):
    from rich.console import Console

    from seqcli.tune.runner import _ToParent
    from seqcli.ui.tune import TuneView

    sent = []
    queue = type("Queue", (), {"put": lambda self, event: sent.append(event)})()
    for _worker in range(2):  # each worker reads the data and warns of its duplicates
        console = Console(file=_ToParent(queue), highlight=False)
        console.print("[yellow]warning:[/] 46 duplicate examples", soft_wrap=True)
    capsys.readouterr()
    with TuneView("macro_f1") as view:
        for event in sent:
            view.update(event)
    said = [line for line in capsys.readouterr().err.splitlines() if "duplicate" in line]
    assert said == ["warning: 46 duplicate examples"]
