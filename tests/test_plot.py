"""seqcli plot: the curves of runs from their metrics.jsonl."""

from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.runs.jsonfiles import read_metrics
from seqcli.ui.curves import panels


def test_plot_writes_one_png_of_several_runs(trained_run, tmp_path):
    out = tmp_path / "curves.png"
    result = CliRunner().invoke(
        app, ["plot", str(trained_run), str(trained_run), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG") and f"wrote {out}" in result.stderr


def test_plot_has_a_panel_for_loss_each_validation_metric_lr_and_speed(trained_run):
    shown = panels({"run": read_metrics(trained_run)})
    assert shown[0] == ("loss", "loss")
    assert {("val", "perplexity"), ("val", "accuracy"), ("train", "lr"), ("train", "speed")} <= set(
        shown
    )


def test_plot_draws_against_epochs_or_seconds_when_asked(trained_run, tmp_path):
    out = tmp_path / "curves.png"
    args = ["plot", str(trained_run), "--out", str(out), "--x-axis", "epoch"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")
