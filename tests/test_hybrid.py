"""The hybrid forecaster (model.decomposition, Smyl's ES-RNN): the smoothing recursion against
Holt-Winters written from the paper, the untrained model equal to it, per-series coefficients
in (0, 1), and the refusals."""

from __future__ import annotations

import json
import math

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training
from seqcli.errors import DataError, RecipeError
from seqcli.models.smoothing import Smoothing, smooth
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS, task_for
from tests.series_helpers import (
    CPU,
    generated_text,
    series_recipe,
    sine_csv,
    untrained_run,
    write_csv,
)


def holt_winters(y: list[float], alpha: float, gamma: float, m: int, kind: str):
    """Level and seasonal indices by Smyl (2020) eq. 1 / FPP 8.3 without a trend, started from
    the first season: l = its mean, s_i = y_i / l (or y_i - l)."""
    apart = (lambda a, b: a / b) if kind == "multiplicative" else (lambda a, b: a - b)
    level = sum(y[:m]) / m
    s = [apart(value, level) for value in y[:m]]
    for t in range(m, len(y)):
        level = alpha * apart(y[t], s[t - m]) + (1 - alpha) * level
        s.append(gamma * apart(y[t], level) + (1 - gamma) * s[t - m])
    return level, s


SERIES = [12.0, 9.0, 15.0, 11.0, 13.0, 10.0, 17.0, 12.0, 14.0, 11.0, 18.0, 14.0, 15.0]


@pytest.mark.parametrize("kind", ["multiplicative", "additive"])
def test_the_smoothing_recursion_is_holt_winters_from_the_paper(kind):
    alpha, gamma = 0.35, 0.2
    level, indices = smooth(
        torch.tensor(SERIES, dtype=torch.float64)[None, :, None],
        torch.tensor([[alpha]], dtype=torch.float64),
        torch.tensor([[gamma]], dtype=torch.float64),
        4,
        kind,
    )
    want_level, want_indices = holt_winters(SERIES, alpha, gamma, 4, kind)
    assert level.item() == pytest.approx(want_level, rel=1e-12)
    assert indices[0, :, 0].tolist() == pytest.approx(want_indices, rel=1e-12)


def test_without_a_season_the_level_is_simple_exponential_smoothing():
    level, _ = smooth(
        torch.tensor(SERIES)[None, :, None], torch.tensor([[0.5]]), None, None, "additive"
    )
    want = SERIES[0]
    for value in SERIES[1:]:
        want = 0.5 * value + 0.5 * want
    assert level.item() == pytest.approx(want, rel=1e-6)


def test_coefficients_reach_the_level_through_their_gradient():
    smoothing = Smoothing("multiplicative", series=1, season=4, center=(0.0,), scale=(1.0,))
    window = torch.tensor(SERIES)[None, :, None]
    _, restore = smoothing(window)
    restore(torch.zeros(1, 2, 1, 1)).sum().backward()
    assert (
        smoothing.alpha_logit.grad.abs().item() > 0 and smoothing.gamma_logit.grad.abs().item() > 0
    )


def hybrid_recipe(tmp_path, kind="multiplicative", **data):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one", lookback=24, **data)
    raw["model"]["decomposition"] = kind
    return raw


@pytest.mark.parametrize("kind", ["multiplicative", "additive"])
def test_the_untrained_hybrid_forecasts_the_holt_winters_forecast(tmp_path, kind):
    run, data = untrained_run(hybrid_recipe(tmp_path, kind))
    split = data.splits["val"]
    origin = int(split.points[0])
    history = split.raw[origin - 24 : origin, 0].tolist()
    window = torch.from_numpy(split.scaled[origin - 24 : origin])[None]
    scaled = run.model.forecast(window, 3).detach().double().numpy()[0, :, 0, 0]
    forecast = run.meta.scaler.invert(scaled[:, None])[:, 0]
    alpha = gamma = 0.3  # where the coefficients start
    level, indices = holt_winters(history, alpha, gamma, 12, kind)
    together = (lambda a, b: a * b) if kind == "multiplicative" else (lambda a, b: a + b)
    want = [together(level, indices[len(history) - 12 + h]) for h in range(3)]
    assert forecast.tolist() == pytest.approx(want, rel=1e-4)


def panel_csv(path):
    """Two series of the same shape at levels 10 and 100 apart."""
    lines = ["month,shop,sales"]
    for shop, base in (("north", 10), ("south", 100)):
        for t in range(120):
            value = base * (1 + 0.3 * math.sin(2 * math.pi * t / 12))
            lines.append(f"{1900 + t // 12}-{t % 12 + 1:02d},{shop},{value:.4f}")
    return write_csv(path, "\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def panel_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hybrid")
    raw = series_recipe(
        panel_csv(folder / "p.csv"), mapping="many_to_one", lookback=24, series_column="shop"
    )
    raw["model"]["decomposition"] = "multiplicative"
    raw["train"] |= {"steps": 60, "eval_every": 30}
    recipe = validate_recipe(raw, source="test")
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=folder / "run")
    events = list(trainer)
    trainer.folder.release()
    return folder / "run", events


def test_a_panel_learns_coefficients_per_series_inside_zero_one(panel_run):
    run = load_run(panel_run[0] / "best.pt", CPU, TASKS)
    alpha = torch.sigmoid(run.model.norm.alpha_logit)
    assert alpha.shape == (2, 1) and run.meta.series_names == ("north", "south")
    assert ((alpha > 0) & (alpha < 1)).all() and alpha[0, 0] != alpha[1, 0]


def test_training_the_hybrid_lowers_its_loss(panel_run):
    losses = [event.loss for event in panel_run[1] if type(event).__name__ == "Step"]
    assert sum(losses[-10:]) < sum(losses[:10])


def test_inspect_reports_each_series_coefficients(panel_run):
    result = CliRunner().invoke(app, ["inspect", str(panel_run[0]), "--json"])
    rows = json.loads(result.stdout)["summary"]
    north, south = rows["smoothing_alpha_gamma_north"], rows["smoothing_alpha_gamma_south"]
    assert all(0 < float(x) < 1 for x in [*north.split(" / "), *south.split(" / ")])


def test_the_hybrid_generates_a_named_series_at_its_own_level(panel_run):
    run = load_run(panel_run[0] / "best.pt", CPU, TASKS)
    lines = generated_text(run, series="north").splitlines()[1:]
    values = [float(line.split(",")[-1]) for line in lines]
    assert all(5 < value < 20 for value in values)  # north lies near 10, south near 100


def test_a_multiplicative_decomposition_refuses_a_value_at_or_below_zero(tmp_path):
    raw = hybrid_recipe(tmp_path)
    path = write_csv(tmp_path / "z.csv", "level\n" + "\n".join(str(t % 5 - 1) for t in range(200)))
    raw["data"] |= {"path": str(path), "season": None}
    with pytest.raises(DataError, match="z.csv: a value of -1; model.decomposition multiplicative"):
        untrained_run(raw)


def test_a_rolled_out_model_refuses_a_decomposition(tmp_path):
    raw = hybrid_recipe(tmp_path)
    raw["mapping"] = "many_to_many"
    with pytest.raises(
        RecipeError, match="model.decomposition multiplicative: needs mapping many_to_one"
    ):
        untrained_run(raw)


def test_window_norm_and_a_decomposition_are_refused_together(tmp_path):
    raw = hybrid_recipe(tmp_path)
    raw["model"]["window_norm"] = True
    with pytest.raises(RecipeError, match="window_norm and decomposition both rescale each"):
        validate_recipe(raw, source="test")


def test_a_series_the_run_was_not_trained_on_takes_the_mean_coefficients():
    smoothing = Smoothing("additive", series=2, season=None, center=(0.0,), scale=(1.0,))
    with torch.no_grad():
        smoothing.alpha_logit.copy_(torch.tensor([[-1.0], [1.0]]))
    alpha, _ = smoothing.coefficients(torch.tensor([0, 1, -1]))
    assert alpha[:, 0].tolist() == pytest.approx(
        [torch.sigmoid(torch.tensor(v)).item() for v in (-1, 1, 0)]
    )


def test_the_hybrid_backtests_each_series_of_a_panel(panel_run):
    run = load_run(panel_run[0] / "best.pt", CPU, TASKS)
    test = run.task.prepare(run.recipe, run.meta).splits["test"]
    details = run.task.evaluate(run, test, backtest=True)["details"]
    assert [row[0] for row in details["series"]["rows"]][:2] == ["north", "south"]
    assert len(details["backtest"]["rows"]) > 1
