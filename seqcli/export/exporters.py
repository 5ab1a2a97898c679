"""seqcli export: a run's model in a format other tools load, each export checked by loading
it back. EXPORTERS maps a format to its exporter: torchscript and onnx trace the model's forward
for its task on a real training batch (the inputs its Task's batches give the model) and compare
the loaded file's outputs with the model's on that batch and the next; safetensors writes the
weights with the recipe and meta, a folder any seqcli command reads as a run."""

from __future__ import annotations

import io
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from seqcli.engine.run import Run, Stored, build_stored, read_stored
from seqcli.errors import UsageError
from seqcli.extras import require
from seqcli.recipe import recipe_to_dict, recipe_to_yaml
from seqcli.recipe.outputs import Output, check_output, make_folder, vet, write_output
from seqcli.runs.checkpoint import safetensors_bytes
from seqcli.runs.foreign import check_stored_data

TOLERANCE = 1e-5  # largest difference allowed between the exported model's outputs and ours
CPU = torch.device("cpu")


@dataclass(frozen=True)
class Exported:
    files: list[Path]
    check: str  # how the export was verified, for the user


class Forward(nn.Module):
    """The model's forward for its task on positional tensors (tracing takes no keywords),
    giving its output alone: logits, scores or values, as the task's model makes them."""

    def __init__(self, model: nn.Module, names: list[str]):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        return self.model(**dict(zip(self.names, tensors, strict=True))).out


def export_run(target: Path, form: str, out: Path, tasks, *, overwrite: bool = False) -> Exported:
    """Write the run's model (best.pt of a folder) to out in the form asked for, verified.
    Every file it would write is checked first: one that exists is replaced only with
    --overwrite (seqcli cannot tell a file it wrote from a project's own), a link never."""
    if form not in EXPORTERS:
        raise UsageError(f"--format {form}: choose {', '.join(EXPORTERS)}")
    output = Output("--out", replace=overwrite)
    folder = out if form in FOLDER_FORMS else out.parent
    if folder.is_dir() and not folder.is_symlink():
        for path in _files_of(form, out):
            check_output(path, output)
    stored = read_stored(target, tasks)
    return EXPORTERS[form](stored, build_stored(stored, CPU), out, output)


FOLDER_FORMS = ("safetensors",)  # forms whose --out is a folder
FOLDER_FILES = ("model.safetensors", "recipe.yaml", "meta.json")


def _files_of(form: str, out: Path) -> list[Path]:
    if form in FOLDER_FORMS:
        return [out / name for name in FOLDER_FILES]
    return [out, _companion(out)]


def _companion(out: Path) -> Path:
    """The .json beside a traced file: its inputs, output, meta and recipe."""
    return out.with_name(out.name + ".json")


def _traced(form: str, save: Callable, load: Callable) -> Callable:
    """An exporter that traces the forward, writes it, loads it back and compares."""

    def export(stored: Stored, run: Run, out: Path, output: Output) -> Exported:
        spec = run.task.spec
        if spec.untraceable:
            raise UsageError(
                f"--format {form}: a {spec.title} cannot be traced: {spec.untraceable}"
            )
        check_stored_data(
            stored.recipe.data,
            stored.payload.get("data_digest"),
            stored.path.parent,
            advice=f"--format {form} checks the export on that data; safetensors reads none",
        )
        names, batches = _real_batches(run)
        module = Forward(run.model.eval(), names).eval()
        make_folder(out.parent, output)
        write_output(out, save(module, batches[0], names, spec.title), output)
        try:
            worst = _worst_difference(module, load(out, names), batches)
        except BaseException:
            vet(out).unlink(missing_ok=True)
            raise
        if worst > TOLERANCE:
            vet(out).unlink(missing_ok=True)
            raise UsageError(
                f"--format {form}: the exported model's outputs differ from the model's by "
                f"{worst:.2g} (more than {TOLERANCE:g}) on a training batch; nothing written"
            )
        described = write_output(_companion(out), _description(run, form, names, batches), output)
        check = f"outputs within {worst:.1e} of the model's on {len(batches)} training batches"
        return Exported([out, described], check)

    return export


def _real_batches(run: Run) -> tuple[list[str], list[tuple[torch.Tensor, ...]]]:
    """The names of the forward's inputs and two training batches of them, from the run's
    data: the first is traced, both are compared."""
    data = run.task.prepare(run.recipe, run.meta)
    stream = run.task.batches(data, run.recipe)
    first, second = next(stream).to(CPU), next(stream).to(CPU)
    names = list(first.inputs)
    return names, [tuple(batch.inputs[name] for name in names) for batch in (first, second)]


@torch.no_grad()
def _worst_difference(module: nn.Module, loaded: Callable, batches) -> float:
    worst = 0.0
    for batch in batches:
        ours, theirs = module(*batch), loaded(*batch)
        if ours.shape != theirs.shape:
            return float("inf")
        worst = max(worst, float((ours - theirs).abs().max()) if ours.numel() else 0.0)
    return worst


def _description(run: Run, form: str, names: list[str], batches) -> bytes:
    """What a user of the file needs beside it: its inputs, what it outputs, and the run's
    meta (vocabulary, labels, scaler) and recipe, as JSON."""
    inputs = {
        name: {
            "dtype": str(tensor.dtype).removeprefix("torch."),
            "example_shape": list(tensor.shape),
        }
        for name, tensor in zip(names, batches[0], strict=True)
    }
    described = {
        "format": form,
        "task": run.recipe.task,
        "inputs": inputs,
        "output": f"out: the {run.task.spec.title}'s forward output ({run.task.spec.target})",
        "meta": run.meta.to_dict(),
        "recipe": recipe_to_dict(run.recipe),
    }
    return (json.dumps(described, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _torchscript(module: nn.Module, example, names: list[str], title: str) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python values it freezes
        traced = torch.jit.trace(module, example, check_trace=False)
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    return buffer.getvalue()


def _load_torchscript(path: Path, names: list[str]) -> Callable:
    return torch.jit.load(str(path), map_location=CPU)


def _onnx(module: nn.Module, example, names: list[str], title: str) -> bytes:
    for package in ("onnx", "onnxruntime"):  # onnxruntime checks the file written
        require(package, extra="onnx", wanted_by="--format onnx")
    dynamic = {name: _open_dimensions(t) for name, t in zip(names, example, strict=True)}
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings(), _silenced():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                example,
                buffer,
                input_names=names,
                output_names=["out"],
                dynamic_axes=dynamic,
                dynamo=False,
            )
    except Exception as err:  # the exporter's failures name no common class
        raise UsageError(
            f"--format onnx: torch's ONNX exporter cannot export this {title}'s model "
            f"({_first_line(err)}); --format torchscript can"
        ) from None
    return buffer.getvalue()


def _first_line(err: Exception) -> str:
    """The cause in an exporter's or onnxruntime's message ("Load model from ... failed:")."""
    text = str(err).strip()
    line = text.splitlines()[0] if text else type(err).__name__
    return line.rsplit("failed:", 1)[-1].strip()[:160]


@contextmanager
def _silenced() -> Iterator[None]:
    """Descriptors 1 and 2 to /dev/null: the exporter's C++ side prints its warnings, and on
    failure its whole graph, straight there; a failure is reported in one line instead."""
    sys.stdout.flush()
    sys.stderr.flush()
    quiet = os.open(os.devnull, os.O_WRONLY)
    saved = {descriptor: os.dup(descriptor) for descriptor in (1, 2)}
    try:
        for descriptor in saved:
            os.dup2(quiet, descriptor)
        yield
    finally:
        for descriptor, kept in saved.items():
            os.dup2(kept, descriptor)
            os.close(kept)
        os.close(quiet)


def _open_dimensions(tensor: torch.Tensor) -> dict[int, str]:
    """The dimensions an ONNX input may change in: all of them (batch, time, a word's
    characters), but a float input's last, its features, which the weights fix."""
    fixed = tensor.dim() - 1 if tensor.is_floating_point() and tensor.dim() > 1 else None
    return {dim: f"{dim}" for dim in range(tensor.dim()) if dim != fixed}


def _load_onnx(path: Path, names: list[str]) -> Callable:
    runtime = require("onnxruntime", extra="onnx", wanted_by="--format onnx")
    try:
        session = runtime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as err:  # a graph torch wrote that onnxruntime refuses: theirs, not ours
        raise UsageError(
            "--format onnx: onnxruntime cannot load the model torch's exporter wrote "
            f"({_first_line(err)}); nothing written; --format torchscript can"
        ) from None
    kept = {node.name for node in session.get_inputs()}  # inputs the graph does not use go

    def run(*tensors: torch.Tensor) -> torch.Tensor:
        feed = {name: t.numpy() for name, t in zip(names, tensors, strict=True) if name in kept}
        return torch.from_numpy(session.run(None, feed)[0])

    return run


def _safetensors(stored: Stored, run: Run, out: Path, output: Output) -> Exported:
    """A folder seqcli reads as a run: model.safetensors, recipe.yaml and meta.json; checked
    by loading it back through seqcli and comparing every weight."""
    make_folder(out, output)
    contents = (
        safetensors_bytes(stored.payload),
        recipe_to_yaml(run.recipe).encode("utf-8"),
        json.dumps(run.meta.to_dict(), ensure_ascii=False).encode(),
    )
    files = [
        write_output(out / name, content, output)
        for name, content in zip(FOLDER_FILES, contents, strict=True)
    ]
    back = build_stored(read_stored(out, {run.recipe.task: run.task}), CPU)
    theirs = back.model.state_dict()
    same = all(torch.equal(t, theirs[name]) for name, t in run.model.state_dict().items())
    assert same, "safetensors changed a weight"  # a bug of ours or of safetensors, not the user's
    return Exported(files, "every weight read back identical")


EXPORTERS = {
    "torchscript": _traced("torchscript", _torchscript, _load_torchscript),
    "onnx": _traced("onnx", _onnx, _load_onnx),
    "safetensors": _safetensors,
}
