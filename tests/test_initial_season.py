"""The hybrid's learned initial season (model.initial_season: learned, Smyl 2020): the smoothing
started from given indices against the recursion written out by hand, the indices normalised
and above zero, a window at phase k reading them rotated by k, the start from the windows' own
seasons, training moving them, and the checkpoint keeping them."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine.memory import training_need
from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training
from seqcli.errors import RecipeError
from seqcli.export.exporters import TOLERANCE, export_run
from seqcli.models.initial_season import InitialSeason
from seqcli.models.smoothing import COMPOSITIONS, Smoothing, smooth
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS, task_for
from seqcli.tasks.forecaster.batches import starts_of
from tests.series_helpers import CPU, generated_text, series_recipe, sine_csv, untrained_run
from tests.test_hybrid import panel_csv


def reference(y, first, alpha, gamma, kind):
    """Level and indices by the recursion (Smyl 2020 eq. 1) from the season before the window:
    s_(i-m) = first_i, l = the mean of the first season with them taken out."""
    apart = (lambda a, b: a / b) if kind == "multiplicative" else (lambda a, b: a - b)
    m = len(first)
    level = sum(apart(y[i], first[i]) for i in range(m)) / m
    s = list(first)
    for t, value in enumerate(y):
        level = alpha * apart(value, s[t]) + (1 - alpha) * level
        s.append(gamma * apart(value, level) + (1 - gamma) * s[t])
    return level, s[m:]


def test_two_seasons_smoothed_from_given_indices_match_the_hand_computed_recursion():
    # m = 2, alpha = gamma = 0.5, indices 0.5 and 1.5 before the window; by hand:
    # l = (2/0.5 + 6/1.5)/2 = 4; t0: l 4, s 0.5; t1: l 4, s 1.5; t2: l = 3/0.5/2 + 2 = 5,
    # s = 3/5/2 + 0.25 = 0.55; t3: l = 9/1.5/2 + 2.5 = 5.5, s = 9/5.5/2 + 0.75 = 1.5681818...
    level, indices = smooth(
        torch.tensor([2.0, 6.0, 3.0, 9.0], dtype=torch.float64)[None, :, None],
        torch.tensor([[0.5]], dtype=torch.float64),
        torch.tensor([[0.5]], dtype=torch.float64),
        2,
        "multiplicative",
        torch.tensor([0.5, 1.5], dtype=torch.float64)[None, :, None],
    )
    assert level.item() == pytest.approx(5.5, rel=1e-12)
    assert indices[0, :, 0].tolist() == pytest.approx([0.5, 1.5, 0.55, 0.75 + 4.5 / 5.5])


@pytest.mark.parametrize("kind", ["multiplicative", "additive"])
def test_the_smoothing_from_given_indices_is_the_recursion_from_the_paper(kind):
    y = [12.0, 9.0, 15.0, 11.0, 13.0, 10.0, 17.0, 12.0, 14.0, 11.0]
    first = [1.1, 0.8, 1.3, 0.8] if kind == "multiplicative" else [1.0, -2.5, 3.0, -1.5]
    level, indices = smooth(
        torch.tensor(y, dtype=torch.float64)[None, :, None],
        torch.tensor([[0.35]], dtype=torch.float64),
        torch.tensor([[0.2]], dtype=torch.float64),
        4,
        kind,
        torch.tensor(first, dtype=torch.float64)[None, :, None],
    )
    want_level, want_indices = reference(y, first, 0.35, 0.2, kind)
    assert level.item() == pytest.approx(want_level, rel=1e-12)
    assert indices[0, :, 0].tolist() == pytest.approx(want_indices, rel=1e-12)


def season(kind: str, raw: torch.Tensor) -> InitialSeason:
    made = InitialSeason(COMPOSITIONS[kind], series=raw.shape[0], season=raw.shape[1], values=1)
    with torch.no_grad():
        made.raw.copy_(raw)
    return made


def test_multiplicative_indices_stay_above_zero_with_mean_one():
    raw = torch.tensor([[-30.0, 0.0, 2.0, 25.0]])[..., None]  # (1, 4, 1), far from zero
    indices = season("multiplicative", raw)(torch.tensor([0]), torch.tensor([0]), torch.ones(1))
    assert (indices > 0).all()
    assert indices.mean().item() == pytest.approx(1.0, rel=1e-6)


def test_additive_indices_have_mean_zero_in_the_data_scale():
    raw = torch.tensor([[1.0, 2.0, 3.0, 6.0]])[..., None]
    indices = season("additive", raw)(torch.tensor([0]), torch.tensor([0]), torch.tensor([10.0]))
    assert indices[0, :, 0].tolist() == pytest.approx([-20.0, -10.0, 0.0, 30.0])


@pytest.mark.parametrize("row", [0, 1, 3, 6, 13])
def test_a_window_at_phase_k_reads_the_indices_rotated_by_k(row):
    raw = torch.tensor([[1.0, 2.0, 3.0, 6.0]])[..., None]
    made = season("additive", raw)
    at_zero = made(torch.tensor([0]), torch.tensor([0]), torch.ones(1))[0, :, 0]
    at_row = made(torch.tensor([0]), torch.tensor([row]), torch.ones(1))[0, :, 0]
    assert at_row.tolist() == at_zero.roll(-(row % 4)).tolist()


def test_the_first_training_batch_starts_each_phase_at_the_windows_own_mean():
    y = torch.tensor([[4.0, 1, 3, 2, 1], [2.0, 1, 1, 3, 6]])[..., None]  # rows 1 and 2, m = 4
    made = season("additive", torch.zeros(1, 4, 1))
    own = y[:, :4] - y[:, :4].mean(1, keepdim=True)  # [1.5, -1.5, .5, -.5], [-.75, -1.75, ...]
    made.start_from(own, torch.tensor([0, 0]), torch.tensor([1, 2]), torch.ones(1))
    by_phase = [(own[0, (p - 1) % 4, 0] + own[1, (p - 2) % 4, 0]) / 2 for p in range(4)]
    assert made.raw[0, :, 0].tolist() == pytest.approx([float(x) for x in by_phase])
    assert bool(made.started)


def periodic_windows(rows: int = 24) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, rows, 1) windows of one season of 4 repeated, at each phase, and their starts."""
    pattern = torch.tensor([8.0, 12.0, 9.0, 11.0])
    starts = torch.arange(4)
    windows = torch.stack([pattern.roll(-int(k)).repeat(rows // 4) for k in starts])
    return windows[..., None], starts


@pytest.mark.parametrize("kind", ["multiplicative", "additive"])
def test_started_on_a_periodic_series_it_forecasts_as_each_window_alone_does(kind):
    windows, starts = periodic_windows()
    options = {"series": 1, "season": 4, "center": (0.0,), "scale": (1.0,)}
    alone, learned = Smoothing(kind, **options), Smoothing(kind, **options, learned_season=True)
    learned.train()
    normal, restore = learned(windows, torch.zeros(4, dtype=torch.long), starts)
    assert bool(learned.initial.started)
    want_normal, want_restore = alone(windows)
    assert torch.allclose(normal, want_normal, atol=1e-5)
    forecast = torch.zeros(4, 6, 1, 1)
    assert torch.allclose(restore(forecast), want_restore(forecast), rtol=1e-5)


def test_before_the_first_training_batch_a_window_starts_from_its_own_season():
    windows, starts = periodic_windows()
    windows = windows + torch.rand(windows.shape, generator=torch.Generator().manual_seed(0))
    options = {"series": 1, "season": 4, "center": (0.0,), "scale": (1.0,)}
    alone, learned = (
        Smoothing("additive", **options),
        Smoothing("additive", **options, learned_season=True),
    )
    learned.eval()
    assert torch.equal(learned(windows, None, starts)[0], alone(windows)[0])
    assert not bool(learned.initial.started)


def learned_recipe(tmp_path, **model):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one", lookback=24)
    raw["model"] |= {"decomposition": "multiplicative", "initial_season": "learned", **model}
    return raw


def test_training_moves_the_learned_starts_and_lowers_the_loss(tmp_path):
    run, data = untrained_run(learned_recipe(tmp_path))
    model, batches = run.model, run.task.batches(data, run.recipe)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    first = next(batches)
    losses, started = [], None
    for step in range(60):
        batch = first if step == 0 else next(batches)
        loss = model(**batch.inputs, targets=batch.targets).loss
        if step == 0:  # the first training batch has set them
            started = model.norm.initial.raw.detach().clone()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(model(**first.inputs, targets=first.targets).loss.item())
    assert (model.norm.initial.raw - started).abs().max().item() > 1e-3
    assert losses[-1] < 0.5 * losses[0]


def test_a_lookback_of_one_season_follows_the_season_only_with_learned_starts(tmp_path):
    raw = learned_recipe(tmp_path)
    raw["data"]["lookback"] = 12
    assert untrained_run(raw)[0].model.norm.season == 12
    raw["model"]["initial_season"] = "window"
    assert untrained_run(raw)[0].model.norm.season is None


def test_learned_starts_without_a_season_to_follow_are_refused(tmp_path):
    raw = learned_recipe(tmp_path)
    raw["data"]["season"] = None
    with pytest.raises(RecipeError, match="model.initial_season learned: needs a model.deco"):
        untrained_run(raw)


def test_a_window_start_counts_from_its_own_series_first_row(tmp_path):
    raw = series_recipe(
        panel_csv(tmp_path / "p.csv"), mapping="many_to_one", lookback=24, series_column="shop"
    )
    _, data = untrained_run(raw)
    train = data.splits["train"]
    south = train.points[train.panel.of_row[train.points] == 1]
    assert starts_of(train, south[:2], 24).tolist() == [0, 1]


@pytest.fixture(scope="module")
def learned_panel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("learned")
    raw = series_recipe(
        panel_csv(folder / "p.csv"), mapping="many_to_one", lookback=24, series_column="shop"
    )
    raw["model"] |= {"decomposition": "multiplicative", "initial_season": "learned"}
    raw["train"] |= {"steps": 40, "eval_every": 20}
    recipe = validate_recipe(raw, source="test")
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=folder / "run")
    list(trainer)
    trainer.folder.release()
    return folder / "run", trainer.run.model


def test_the_checkpoint_keeps_the_learned_starts_bit_for_bit(learned_panel):
    folder, trained = learned_panel
    loaded = load_run(folder / "last.pt", CPU, TASKS).model
    assert torch.equal(loaded.norm.initial.raw, trained.norm.initial.raw)
    assert bool(loaded.norm.initial.started)


def test_inspect_reports_each_series_learned_initial_season(learned_panel):
    result = CliRunner().invoke(app, ["inspect", str(learned_panel[0]), "--json"])
    rows = json.loads(result.stdout)["summary"]
    for name in ("north", "south"):
        indices = [float(x) for x in rows[f"initial_season_{name}"].split()]
        assert len(indices) == 12 and sum(indices) / 12 == pytest.approx(1.0, abs=2e-3)


def test_generate_continues_the_series_from_its_learned_season(learned_panel):
    run = load_run(learned_panel[0] / "best.pt", CPU, TASKS)
    values = [float(line.split(",")[-1]) for line in generated_text(run).splitlines()[1:]]
    history = torch.tensor(run.meta.history)[:, 0]
    window = torch.from_numpy(run.meta.scaler.apply(history[-24:, None].numpy()))[None]
    start = torch.tensor([len(history) - 24])
    run.model.eval()
    steps = run.recipe.data.horizon
    scaled = run.model.forecast(window, steps, torch.tensor([1]), start=start)[0]  # (S, V, Q)
    want = run.meta.scaler.invert_outputs(scaled.detach().double().numpy())[:, 0, -1]
    assert values == pytest.approx(want.tolist(), rel=1e-4)


def test_the_memory_probe_leaves_the_start_to_the_first_real_batch(tmp_path):
    run, data = untrained_run(learned_recipe(tmp_path))
    training_need(run, data)  # a training forward of one row, then of two
    assert not bool(run.model.norm.initial.started)


def test_a_rolled_out_model_refuses_learned_starts(tmp_path):
    raw = learned_recipe(tmp_path, decomposition="none")
    raw["mapping"] = "many_to_many"
    with pytest.raises(
        RecipeError, match="model.initial_season learned: needs mapping many_to_one"
    ):
        untrained_run(raw)


def test_generate_reads_the_phase_of_a_series_longer_than_the_history_kept(tmp_path):
    raw = learned_recipe(tmp_path)
    raw["data"]["path"] = str(sine_csv(tmp_path / "long.csv", rows=600))
    run, _ = untrained_run(raw)
    assert run.meta.history_start == 100  # 600 rows, the last 500 kept
    assert type(run.meta).from_dict(run.meta.to_dict()).history_start == 100
    with torch.no_grad():  # as if trained: indices that differ by phase
        run.model.norm.initial.raw.copy_(torch.randn(1, 12, 1))
        run.model.norm.initial.started.fill_(True)
    values = [float(line.split(",")[-1]) for line in generated_text(run).splitlines()[1:]]
    history = torch.tensor(run.meta.history)[:, 0]
    window = torch.from_numpy(run.meta.scaler.apply(history[-24:, None].numpy()))[None]
    run.model.eval()
    steps = run.recipe.data.horizon
    scaled = run.model.forecast(window, steps, torch.tensor([0]), start=torch.tensor([576]))
    want = run.meta.scaler.invert_outputs(scaled[0].detach().double().numpy())[:, 0, -1]
    assert values == pytest.approx(want.tolist(), rel=1e-4)


def test_an_exported_model_reads_each_window_start(learned_panel, tmp_path):
    export_run(learned_panel[0], "torchscript", tmp_path / "m.pt", TASKS)
    run = load_run(learned_panel[0], CPU, TASKS)
    batch = next(run.task.batches(run.task.prepare(run.recipe, run.meta), run.recipe))
    names, tensors = list(batch.inputs), list(batch.inputs.values())
    loaded = torch.jit.load(str(tmp_path / "m.pt"))
    shifted = [t + 5 if name == "start" else t for name, t in zip(names, tensors, strict=True)]
    with torch.no_grad():
        run.model.eval()
        for given in (tensors, shifted):
            want = run.model(**dict(zip(names, given, strict=True))).out
            assert torch.allclose(loaded(*given), want, atol=TOLERANCE)
        assert not torch.allclose(loaded(*tensors), loaded(*shifted), atol=TOLERANCE)
