"""The write door (seqcli.recipe.outputs, RunFolder): no file written through a link, nothing
replaced that seqcli did not write unless --overwrite, output paths checked before the work;
and a checkpoint from someone else cannot make evaluate read a file its recipe names."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import torch
import yaml
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.errors import UsageError
from seqcli.recipe.outputs import Output, check_output, make_folder, write_output
from seqcli.runs.runfolder import RunFolder
from tests.conftest import tiny_recipe, write_corpus
from tests.test_folds import train_folds, write_cv_recipe

BRIEF = {"steps": 4, "eval_every": 2, "eval_batches": 1}


def cli(*args):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def refused(result, *words: str) -> str:
    """The one-line error of a command that exited 2, holding every word."""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) >= 1 and "Traceback" not in result.output
    for word in words:
        assert word in lines[-1], lines[-1]
    return lines[-1]


def write_tiny(tmp: Path, **train) -> Path:
    corpus = tmp / "corpus.txt"
    if not corpus.exists():
        write_corpus(corpus)
    path = tmp / "recipe.yaml"
    recipe = tiny_recipe(corpus, train={**BRIEF, **train}, model={"hidden_size": 8})
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    return path


def victim(tmp: Path) -> Path:
    path = tmp / "elsewhere" / "precious.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("the user's own file\n", encoding="utf-8")
    return path


# --- the door itself -------------------------------------------------------------------------


def test_a_file_is_never_written_through_a_link_in_its_place(tmp_path):
    target = victim(tmp_path)
    (tmp_path / "out.json").symlink_to(target)
    with pytest.raises(UsageError, match="is a symbolic link"):
        write_output(tmp_path / "out.json", b"{}", Output("--out"))
    assert target.read_text(encoding="utf-8") == "the user's own file\n"


def test_a_name_seqcli_picks_replaces_nothing_without_overwrite(tmp_path):
    (tmp_path / "meta.json").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="pass --overwrite"):
        write_output(tmp_path / "meta.json", b"{}", Output("--out", replace=False))
    assert (tmp_path / "meta.json").read_text(encoding="utf-8") == "mine"
    write_output(tmp_path / "meta.json", b"{}", Output("--out"))
    assert (tmp_path / "meta.json").read_text(encoding="utf-8") == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meta.json"]  # no partial left


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path):
    (tmp_path / "a.png").write_bytes(b"old")

    def fails(handle):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(UsageError, match="--plot .*a.png: cannot write"):
        write_output(tmp_path / "a.png", fails, Output("--plot"))
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]
    assert (tmp_path / "a.png").read_bytes() == b"old"


@pytest.mark.parametrize(
    ("name", "problem"),
    [("curves.txt", "ending in .png"), ("missing/c.png", "does not exist"), ("d.png", "folder")],
)
def test_a_figure_path_is_checked_before_any_work(tmp_path, name, problem):
    (tmp_path / "d.png").mkdir()
    with pytest.raises(UsageError, match=problem):
        check_output(tmp_path / name, Output("--out", suffixes=(".png",)))


def test_a_folder_to_write_into_that_is_a_file_is_named_as_such(tmp_path):
    (tmp_path / "exported").write_text("a file", encoding="utf-8")
    with pytest.raises(UsageError, match="exported: is a file; name a folder"):
        make_folder(tmp_path / "exported", Output("--out"))


def test_plot_to_a_txt_path_is_one_line_before_reading_the_runs(tmp_path):
    # before: matplotlib's "Format 'txt' is not supported" traceback, after drawing
    refused(cli("plot", tmp_path / "no-run", "--out", tmp_path / "c.txt"), "--out", ".png")


def test_gates_plot_to_a_txt_path_is_one_line_before_loading(tmp_path):
    refused(cli("gates", tmp_path / "no-run", "--text", "a", "--plot", tmp_path / "g.txt"), ".png")


# --- the run folder's tensorboard/ -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_a_users_tensorboard_entry_in_out_is_refused_and_kept(tmp_path, kind):
    out = tmp_path / "run"
    out.mkdir()
    entry = out / "tensorboard"
    if kind == "folder":
        entry.mkdir()
        (entry / "notes.txt").write_text("mine", encoding="utf-8")
    else:
        entry.write_text("mine", encoding="utf-8")
    # before: trained, and the first last.pt moved tensorboard/ out with the "old run"
    refused(cli("train", write_tiny(tmp_path), "--out", out, "--quiet"), "tensorboard")
    kept = entry / "notes.txt" if kind == "folder" else entry
    assert kept.read_text(encoding="utf-8") == "mine"


def test_a_runs_own_tensorboard_goes_with_it_when_replaced(tmp_path):
    out = tmp_path / "run"
    (out / "tensorboard").mkdir(parents=True)
    (out / "tensorboard" / "events.out.tfevents.1.host").write_bytes(b"old")
    (out / "summary.json").write_text("{}", encoding="utf-8")
    folder = RunFolder(out)
    folder.prepare_new(overwrite=True)
    folder.save_checkpoint("last", lambda handle: handle.write(b"new"))
    folder.release()
    assert not (out / "tensorboard").exists() and not (out / "summary.json").exists()
    assert (out / "last.pt").read_bytes() == b"new"


def test_a_run_folder_that_is_a_link_is_refused(tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "run").symlink_to(tmp_path / "other")
    refused(cli("train", write_tiny(tmp_path), "--out", tmp_path / "run", "--quiet"), "link")
    assert not list((tmp_path / "other").iterdir())


# --- folds and compare-cells -----------------------------------------------------------------


def test_a_fold_folder_that_links_to_another_run_is_refused_and_that_run_kept(tmp_path):
    recipe, out = write_cv_recipe(tmp_path), tmp_path / "cv"
    other = tmp_path / "other"
    other.mkdir()
    (other / "best.pt").write_bytes(b"another run's weights")
    out.mkdir()
    (out / "fold-1").symlink_to(other)
    # before: fold 1 trained with overwrite into the link, replacing the other run, exit 0
    refused(train_folds(recipe, out, "--quiet"), "fold-1", "symbolic link")
    assert (other / "best.pt").read_bytes() == b"another run's weights"
    assert not (out / "fold-0").exists()  # refused before any fold trained


def test_a_finished_cross_validation_rerun_with_another_recipe_keeps_its_folds(tmp_path):
    recipe, out = write_cv_recipe(tmp_path), tmp_path / "cv"
    assert train_folds(recipe, out, "--quiet").exit_code == 0
    stamps = [(out / f"fold-{i}" / "best.pt").stat().st_mtime_ns for i in range(3)]
    changed = train_folds(recipe, out, "--quiet", "--set", "train.steps=6")
    refused(changed, "fold-0", "another recipe", "--overwrite")
    assert [(out / f"fold-{i}" / "best.pt").stat().st_mtime_ns for i in range(3)] == stamps
    replaced = train_folds(recipe, out, "--quiet", "--set", "train.steps=6", "--overwrite")
    assert replaced.exit_code == 0, replaced.output
    assert (out / "fold-0" / "best.pt").stat().st_mtime_ns != stamps[0]


def test_folds_json_is_never_written_through_a_link(tmp_path):
    recipe, out, target = write_cv_recipe(tmp_path), tmp_path / "cv", victim(tmp_path)
    out.mkdir()
    (out / "folds.json").symlink_to(target)
    refused(train_folds(recipe, out, "--quiet"), "folds.json", "symbolic link")
    assert target.read_text(encoding="utf-8") == "the user's own file\n"
    assert not (out / "fold-0").exists()  # refused before the first fold trained


def grid_setup(tmp_path):
    from seqcli.compare import Grid
    from seqcli.recipe import load_recipe
    from tests.test_compare import tiny_grid_recipe

    recipe = load_recipe(tiny_grid_recipe(tmp_path))
    return recipe, Grid(cells=(("rnn", None),), layers=(1,), directions=("uni",), seeds=(0,))


def test_compare_cells_refuses_a_variant_folder_that_links_to_another_run(tmp_path):
    from seqcli.compare import run_grid
    from seqcli.errors import CheckpointError

    recipe, grid = grid_setup(tmp_path)
    other, out = tmp_path / "other", tmp_path / "out"
    other.mkdir()
    (other / "best.pt").write_bytes(b"another run's weights")
    out.mkdir()
    (out / "rnn-1x40-uni-seed0").symlink_to(other)
    with pytest.raises(CheckpointError, match="rnn-1x40-uni-seed0: is a symbolic link"):
        list(run_grid(recipe, grid, out, device=torch.device("cpu")))
    assert (other / "best.pt").read_bytes() == b"another run's weights"


def test_compare_cells_reports_are_never_written_through_a_link(tmp_path):
    from seqcli.compare import run_grid

    recipe, grid = grid_setup(tmp_path)
    target, out = victim(tmp_path), tmp_path / "out"
    out.mkdir()
    (out / "compare.md").symlink_to(target)
    with pytest.raises(UsageError, match="compare.md: is a symbolic link"):
        list(run_grid(recipe, grid, out, device=torch.device("cpu")))
    assert target.read_text(encoding="utf-8") == "the user's own file\n"
    assert [p.name for p in out.iterdir()] == ["compare.md"]  # refused before training


# --- export ----------------------------------------------------------------------------------


def test_export_never_writes_the_description_through_a_link(trained_run, tmp_path):
    target = victim(tmp_path)
    (tmp_path / "model.pt.json").symlink_to(target)
    result = cli("export", trained_run, "--format", "torchscript", "--out", tmp_path / "model.pt")
    refused(result, "model.pt.json", "symbolic link")
    assert target.read_text(encoding="utf-8") == "the user's own file\n"


def test_export_to_a_folder_refuses_a_linked_weights_file(trained_run, tmp_path):
    target, out = victim(tmp_path), tmp_path / "exported"
    out.mkdir()
    (out / "model.safetensors").symlink_to(target)
    result = cli("export", trained_run, "--format", "safetensors", "--out", out, "--overwrite")
    refused(result, "model.safetensors", "symbolic link")
    assert target.read_text(encoding="utf-8") == "the user's own file\n"


def test_export_replaces_a_projects_recipe_only_with_overwrite(trained_run, tmp_path):
    out = tmp_path / "project"
    out.mkdir()
    (out / "recipe.yaml").write_text("the project's recipe\n", encoding="utf-8")
    args = ("export", trained_run, "--format", "safetensors", "--out", out)
    refused(cli(*args), "recipe.yaml", "--overwrite")
    assert (out / "recipe.yaml").read_text(encoding="utf-8") == "the project's recipe\n"
    assert not (out / "model.safetensors").exists()
    assert cli(*args, "--overwrite").exit_code == 0
    assert "seed" in (out / "recipe.yaml").read_text(encoding="utf-8")


# --- evaluate with a checkpoint from someone else --------------------------------------------

SECRET = "-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA"


def foreign_checkpoint(trained_run: Path, tmp: Path, data: Path) -> Path:
    """The trained run's best.pt, its stored recipe pointed at data, with no data digest."""
    payload = torch.load(trained_run / "best.pt", weights_only=True)
    payload["recipe"]["data"]["path"] = str(data)
    payload.pop("data_digest", None)
    folder = tmp / "downloaded"
    folder.mkdir()
    torch.save(payload, folder / "best.pt")
    return folder


def secret_file(tmp: Path) -> Path:
    path = tmp / "home" / ".ssh" / "id_ed25519"
    path.parent.mkdir(parents=True)
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


def test_a_foreign_checkpoint_cannot_make_evaluate_read_and_quote_a_file(trained_run, tmp_path):
    secret = secret_file(tmp_path)
    result = cli("evaluate", foreign_checkpoint(trained_run, tmp_path, secret))
    line = refused(result, str(secret), "--data")
    assert "BEGIN" not in result.output and "b3Bl" not in result.output
    assert line.startswith(f"error: {secret}:")


def test_a_link_inside_the_checkpoints_folder_is_outside_it(trained_run, tmp_path):
    secret = secret_file(tmp_path)
    folder = foreign_checkpoint(trained_run, tmp_path, tmp_path / "downloaded" / "data.txt")
    (folder / "data.txt").symlink_to(secret)
    result = cli("evaluate", folder)
    refused(result, "--data")
    assert "BEGIN" not in result.output


def test_evaluate_scores_the_stored_data_when_it_is_the_data_the_run_trained_on(trained_run):
    result = cli("evaluate", trained_run, "--json")
    assert result.exit_code == 0, result.output
    assert '"data": "val"' in result.output


def test_evaluate_of_a_run_whose_data_changed_asks_for_data(trained_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    payload = torch.load(run / "best.pt", weights_only=True)
    corpus = write_corpus(tmp_path / "changed.txt")
    with corpus.open("a", encoding="utf-8") as handle:
        handle.write("a line the run never saw\n")
    payload["recipe"]["data"]["path"] = str(corpus)
    torch.save(payload, run / "best.pt")
    refused(cli("evaluate", run), "changed.txt", "not the data the run was trained on", "--data")
    assert cli("evaluate", run, "--data", corpus).exit_code == 0
    assert os.path.exists(corpus)


def test_a_foreign_checkpoint_cannot_make_export_read_a_file(trained_run, tmp_path):
    secret = secret_file(tmp_path)
    folder = foreign_checkpoint(trained_run, tmp_path, secret)
    result = cli("export", folder, "--format", "torchscript", "--out", tmp_path / "m.pt")
    refused(result, str(secret), "safetensors reads none")
    assert "BEGIN" not in result.output and not (tmp_path / "m.pt").exists()


def test_a_foreign_forecasters_series_and_band_read_no_file_it_names(tmp_path):
    from seqcli.tasks import TASKS
    from tests.conftest import train_briefly

    run = tmp_path / "air"
    train_briefly("direct_forecaster", run, "model.quantiles=[0.1,0.5,0.9]")
    secret = secret_file(tmp_path)
    payload = torch.load(run / "best.pt", weights_only=True)
    payload["recipe"]["data"]["path"] = str(secret)
    torch.save(payload, run / "best.pt")
    result = cli("generate", run, "--series", "x")
    refused(result, str(secret), "--input-file")
    assert "BEGIN" not in result.output
    from seqcli.engine.run import load_run
    from seqcli.tasks.forecaster.calibration import calibrate_to_the_end

    loaded = load_run(run, torch.device("cpu"), TASKS)
    note = calibrate_to_the_end(loaded, loaded.task.prepare, None)
    assert note.startswith(f"{secret}: not the data the run was trained on")
