"""seqcli export: each format loads back outside seqcli and gives the model's outputs."""

import json
from functools import cache
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.engine.run import load_run
from seqcli.errors import UsageError
from seqcli.export.exporters import TOLERANCE, export_run
from seqcli.tasks import TASKS
from tests.conftest import ROOT, SHIPPED, train_briefly

CPU = torch.device("cpu")
TRACEABLE = [task for task in SHIPPED if not TASKS[task].spec.untraceable]
# The inner loop exports a task of each kind of input; --all (and CI) exports every one.
SHORT_CUT = {"language_model", "classifier", "tagger", "translator", "conditioned_values", "music"}


@cache
def trained(task: str, root: Path) -> Path:
    train_briefly(task, root / task)
    return root / task


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("export")


def real_batch(run) -> tuple[list[str], tuple]:
    """A training batch, drawn here rather than by the exporter: its third, not one it saw."""
    stream = run.task.batches(run.task.prepare(run.recipe, run.meta), run.recipe)
    for _ in range(2):
        next(stream)
    batch = next(stream)
    return list(batch.inputs), tuple(batch.inputs.values())


def expected(run, names, tensors) -> torch.Tensor:
    with torch.no_grad():
        return run.model.eval()(**dict(zip(names, tensors, strict=True))).out


def check_sweep(task: str, full_run: bool) -> None:
    if not full_run and task not in SHORT_CUT:
        pytest.skip("exported in full with --all")


@pytest.mark.parametrize("task", TRACEABLE)
def test_torchscript_loads_back_and_gives_the_models_outputs(task, root, tmp_path, full_run):
    check_sweep(task, full_run)
    folder = trained(task, root)
    exported = export_run(folder, "torchscript", tmp_path / "model.pt", TASKS)
    run = load_run(folder, CPU, TASKS)
    names, tensors = real_batch(run)
    loaded = torch.jit.load(str(tmp_path / "model.pt"))
    with torch.no_grad():
        assert torch.allclose(loaded(*tensors), expected(run, names, tensors), atol=TOLERANCE)
    described = json.loads((tmp_path / "model.pt.json").read_text(encoding="utf-8"))
    assert list(described["inputs"]) == names and described["meta"] == run.meta.to_dict()
    assert exported.files == [tmp_path / "model.pt", tmp_path / "model.pt.json"]


@pytest.mark.parametrize("task", TRACEABLE)
def test_onnx_loads_in_onnxruntime_and_gives_the_models_outputs(task, root, tmp_path, full_run):
    runtime = pytest.importorskip("onnxruntime")
    check_sweep(task, full_run)
    folder = trained(task, root)
    assert_onnx_matches_torch(runtime, folder, tmp_path / "model.onnx")


def assert_onnx_matches_torch(runtime, folder: Path, path: Path) -> None:
    """The run exported to ONNX gives, in onnxruntime, the model's outputs on a real batch."""
    export_run(folder, "onnx", path, TASKS)
    run = load_run(folder, CPU, TASKS)
    names, tensors = real_batch(run)
    session = runtime.InferenceSession(str(path))
    kept = {node.name for node in session.get_inputs()}
    feed = {name: t.numpy() for name, t in zip(names, tensors, strict=True) if name in kept}
    out = torch.from_numpy(session.run(None, feed)[0])
    assert torch.allclose(out, expected(run, names, tensors), atol=TOLERANCE)


def test_onnx_export_that_onnxruntime_refuses_is_one_line_and_writes_nothing(tmp_path):
    pytest.importorskip("onnxruntime")
    # torch 2.13 exports the leaky cell's packed reading with int32 and int64 lengths mixed
    train_briefly("classifier", tmp_path / "run", "model.cell=leaky")
    with pytest.raises(UsageError, match="onnxruntime cannot load the model torch's exporter"):
        export_run(tmp_path / "run", "onnx", tmp_path / "out" / "model.onnx", TASKS)
    assert not list((tmp_path / "out").iterdir())


def test_a_hopfield_network_is_refused_tracing_and_says_why(tmp_path):
    recipe = str(ROOT / "recipes" / "hopfield-letters.yaml")
    trained = CliRunner().invoke(app, ["train", recipe, "--out", str(tmp_path / "h"), "--quiet"])
    assert trained.exit_code == 0, trained.output
    with pytest.raises(UsageError, match="cannot be traced: its recall updates the state"):
        export_run(tmp_path / "h", "torchscript", tmp_path / "h.pt", TASKS)
    assert not (tmp_path / "h.pt").exists()


def test_a_safetensors_folder_is_a_run_every_command_reads(trained_run, tmp_path):
    out = tmp_path / "exported"
    result = CliRunner().invoke(
        app, ["export", str(trained_run), "--format", "safetensors", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"model.safetensors", "recipe.yaml", "meta.json"}
    ours, theirs = load_run(trained_run, CPU, TASKS), load_run(out, CPU, TASKS)
    for name, weight in ours.model.state_dict().items():
        assert torch.equal(weight, theirs.model.state_dict()[name])
    args = ["generate", "--length", "30", "--seed", "3"]
    generated = [
        CliRunner().invoke(app, [*args[:1], str(run), *args[1:]]) for run in (trained_run, out)
    ]
    assert generated[0].stdout == generated[1].stdout and generated[1].exit_code == 0


def test_safetensors_holds_no_pickle_only_a_json_header_and_tensors(trained_run, tmp_path):
    export_run(trained_run, "safetensors", tmp_path / "out", TASKS)
    data = (tmp_path / "out" / "model.safetensors").read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    stored = header.pop("__metadata__")
    assert json.loads(stored["recipe"])["name"] == "tiny" and stored["format"] == "1"
    assert all(set(entry) == {"dtype", "shape", "data_offsets"} for entry in header.values())
