"""The run folder's JSON files through one reader: bounded lines and nesting, finite numbers,
a form per file; a damaged log line skipped and counted, damaged state refused at file:line."""

import json
import shutil

import pytest
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.compare.folds import FoldForm
from seqcli.compare.run import finished_result
from seqcli.errors import CheckpointError
from seqcli.recipe import load_recipe, recipe_to_dict
from seqcli.runs.jsonfiles import MAX_LINE, Damaged, parse, read_log, read_metrics
from seqcli.runs.runfolder import RunFolder

GOOD = '{"step": 1, "split": "train", "loss": 2.5}\n'


def write_log(tmp_path, *lines: str):
    (tmp_path / "metrics.jsonl").write_text("".join(lines), encoding="utf-8")
    return tmp_path


def test_a_deeply_nested_log_line_is_skipped_not_a_recursion_error(tmp_path, capsys):
    folder = write_log(tmp_path, GOOD, "[" * 50_000 + "\n", GOOD)
    assert len(read_metrics(folder)) == 2
    assert "line 2: nested 50000 levels deep; at most 32" in capsys.readouterr().err


def test_damaged_log_lines_are_counted_in_one_warning(tmp_path, capsys):
    folder = write_log(tmp_path, GOOD, '{"step": 2, "spl\n', "x" * (MAX_LINE + 5) + "\n", GOOD)
    assert len(read_log(folder / "metrics.jsonl").rows) == 2
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "skipped 2 damaged lines (first: line 2: not JSON" in warnings[0]


def test_an_overlong_log_line_is_never_held_whole(tmp_path):
    log = read_log(write_log(tmp_path, "7" * (10 * MAX_LINE) + "\n", GOOD) / "metrics.jsonl")
    assert [row["step"] for row in log.rows] == [1]
    assert log.damaged == [(1, f"a line longer than {MAX_LINE:,} characters")]


def test_a_row_whose_step_is_infinity_is_damaged_not_an_overflow(tmp_path):
    log = read_log(write_log(tmp_path, '{"step": Infinity, "split": "train"}\n') / "metrics.jsonl")
    assert not log.rows and "step" in log.damaged[0][1]


def test_resuming_drops_rows_whose_step_is_infinity_or_too_deep(tmp_path):
    write_log(tmp_path, GOOD, '{"step": Infinity, "split": "train"}\n', "[" * 50_000 + "\n")
    RunFolder(tmp_path).truncate_logs(5)
    assert (tmp_path / "metrics.jsonl").read_text(encoding="utf-8") == GOOD


def test_a_skipped_steps_non_finite_loss_is_kept_in_the_log(tmp_path):
    log = read_log(write_log(tmp_path, '{"step": 3, "split": "train", "loss": NaN}\n').joinpath(
        "metrics.jsonl"
    ))  # fmt: skip
    assert log.rows[0]["loss"] != log.rows[0]["loss"]  # NaN


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('{"a": NaN}', "NaN"),
        ('{"a": -Infinity}', "minus infinity"),
        ('{"a": 1e999}', "1e999 is infinity"),
        ('{"a": ' + "9" * 50 + "}", "an integer of 50 digits"),
    ],
)
def test_state_numbers_are_finite_and_a_non_finite_one_is_named(text, named):
    with pytest.raises(Damaged, match=named):
        parse(text)


@pytest.fixture
def fold_recipe(write_recipe):
    return load_recipe(write_recipe())


def test_a_damaged_result_json_is_refused_naming_file_and_line(tmp_path, fold_recipe):
    (tmp_path / "result.json").write_text('{\n "recipe": {}\n "fold": 0}', encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"result\.json:3: not JSON \(Expecting ','"):
        finished_result(tmp_path, fold_recipe, FoldForm)


def test_a_result_json_of_the_wrong_form_is_refused_naming_the_field(tmp_path, fold_recipe):
    result = {"recipe": recipe_to_dict(fold_recipe), "fold": 0, "val": {"loss": "low"}}
    (tmp_path / "result.json").write_text(json.dumps(result), encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"result\.json: val\.loss: got 'low'"):
        finished_result(tmp_path, fold_recipe, FoldForm)


def test_a_finished_folds_result_of_the_same_recipe_is_read(tmp_path, fold_recipe):
    result = {"recipe": recipe_to_dict(fold_recipe), "fold": 0, "val": {"loss": 1.5}}
    (tmp_path / "result.json").write_text(json.dumps(result), encoding="utf-8")
    assert finished_result(tmp_path, fold_recipe, FoldForm) == result


def test_plot_warns_once_about_a_damaged_line_and_draws_the_rest(trained_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    with (run / "metrics.jsonl").open("a", encoding="utf-8") as log:
        log.write("[" * 50_000 + "\n" + '{"step": Infinity, "split": "val"}\n')
    out = tmp_path / "curves.png"
    result = CliRunner().invoke(app, ["plot", str(run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning:") == 1 and "skipped 2 damaged lines" in result.stderr


def test_a_variant_result_without_its_monitored_score_is_refused(tmp_path, fold_recipe):
    result = {
        "recipe": recipe_to_dict(fold_recipe), "name": "v", "group": "g", "variant": {},
        "monitor": "loss", "parameters": 1, "wall_s": 1.0, "speed": 1.0, "best_val": 1.0,
        "test": {"accuracy": 0.5}, "target_step": None, "curve": [], "clipping": {},
        "diagnostics": {},
    }  # fmt: skip
    (tmp_path / "result.json").write_text(json.dumps(result), encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"result\.json: test\.loss: got None; expected a"):
        finished_result(tmp_path, fold_recipe)
