"""The report of runs: each run's folder read, its checkpoint loaded once for the task's view
and the gates view, the sections joined into one page and written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from seqcli.engine.run import load_run
from seqcli.report import charts
from seqcli.report.cells_view import cells_section, given_input
from seqcli.report.compare_view import compare_section, is_comparison, variant_folders
from seqcli.report.html import Named, Section, page
from seqcli.report.run_view import read_run, run_section, several_runs
from seqcli.report.task_view import evaluated, task_section
from seqcli.report.tune_view import is_study, study_section
from seqcli.report.write import check_page, write_page
from seqcli.tasks import TASKS


@dataclass(frozen=True)
class ReportRequest:
    """What `seqcli report` was asked: the runs, the text to look inside with, the page."""

    runs: list[Path]
    text: str | None
    source: str  # how a message names the text: --text, --file notes.txt
    out: Path
    overwrite: bool
    max_batches: int | None  # the task's evaluate on at most this many batches; None: all
    device: torch.device


def write_report(request: ReportRequest) -> Path:
    """Build every section and write the page whole."""
    check_page(request.out, overwrite=request.overwrite)
    runtime = charts.runtime()  # first: without the report extra, one line and no work done
    plain = [f for f in request.runs if not (is_comparison(f) or is_study(f))]
    read = {folder: read_run(folder) for folder in plain}  # a folder that is no run: at once
    sections: list[Section] = [several_runs(list(read.values()))] if len(read) > 1 else []
    for index, folder in enumerate(request.runs):
        named = Named(folder.resolve().name, f"r{index}")
        if folder in read:
            sections += [
                run_section(read[folder], named),
                *_loaded_sections(folder, named, request),
            ]
        elif is_study(folder):
            sections.append(study_section(folder, named))
        else:
            sections += _comparison(folder, named)
    title = "seqcli report: " + ", ".join(folder.resolve().name for folder in request.runs)
    html = page(title, sections, runtime=runtime)
    return write_page(request.out, html, overwrite=request.overwrite)


def _comparison(folder: Path, named: Named) -> list[Section]:
    """compare-cells' groups and gradient flow, and its variants' curves overlaid."""
    variants = [read_run(variant) for variant in variant_folders(folder)]
    overlaid = [several_runs(variants, named.tag)] if variants else []
    return [compare_section(folder, named), *overlaid]


def _loaded_sections(folder: Path, name: Named, request: ReportRequest) -> list[Section]:
    """What needs the model: the task's view, and the gates view where the task has one."""
    run = load_run(folder, request.device, TASKS)
    scores = evaluated(run, request.max_batches)
    sample = run.task.sample(run, 0)  # drawn once: the task's view shows it, the gates read it
    sections = [task_section(run, name, scores, sample)]
    cells = cells_section(run, name, given_input(request.text, request.source, sample))
    return sections + ([cells] if cells else [])
