"""seqcli generate for a Hopfield network: the recall of a noisy probe drawn state by state,
each with its energy, and a verdict on where it settled."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from seqcli.data.patterns import Patterns, draw, parse_patterns
from seqcli.decoding.requests import Recall
from seqcli.engine.run import Run
from seqcli.errors import DataError, UsageError
from seqcli.metrics.memory import flip, overlap
from seqcli.models.hopfield import polarise


def recall_lines(run: Run, recall: Recall, *, seed: int) -> Iterator[str]:
    """For each probe: a title, every state of its recall with the energy, then the verdict."""
    generator = torch.Generator().manual_seed(seed)
    for title, probe, target in _probes(run, recall, generator):
        yield f"{title}\n"
        states = _states(run, probe, generator)
        before = None
        for iteration, state in enumerate(states):
            picture = polarise(state)
            changed = "" if before is None else f"   {int((picture != before).sum())} units changed"
            yield f"iteration {iteration}   energy {_energy(run, state):.4f}{changed}\n"
            yield _drawn(run, picture) + "\n\n"
            before = picture
        yield _verdict(run, before, len(states) - 1, target) + "\n"


def recall_steps(run: Run, recall: Recall, *, seed: int) -> list[tuple[str, list, list]]:
    """For each probe: its title, every state of its recall as ±1 lists, and their energies
    (what recall_lines draws, as data: seqcli report's slider)."""
    generator = torch.Generator().manual_seed(seed)
    recalls = [
        (title, _states(run, probe, generator))
        for title, probe, _ in _probes(run, recall, generator)
    ]
    return [
        (title, [polarise(s)[0].tolist() for s in states], [_energy(run, s) for s in states])
        for title, states in recalls
    ]


def recall_summary(run: Run) -> str:
    """One line for the training display: stored pattern 0 recalled from data.noise flipped."""
    generator = torch.Generator().manual_seed(run.recipe.seed)
    title, probe, target = _probes(run, Recall(), generator)[0]
    states = _states(run, probe, generator)
    verdict = _verdict(run, polarise(states[-1]), len(states) - 1, target)
    energies = f"energy {_energy(run, states[0]):.4f} -> {_energy(run, states[-1]):.4f}"
    return f"{title}: {verdict}; {energies}"


def _probes(run: Run, recall: Recall, generator) -> list[tuple[str, torch.Tensor, int | None]]:
    """(title, probe (N,), the stored pattern it came from or None) for each probe."""
    stored = run.meta.stored()
    count, units = stored.shape
    if recall.probes is not None:
        vectors = _file_patterns(run, recall)
        noise = recall.noise or 0.0
        flipped = f", {round(noise * units)} more units flipped" if noise else ""
        return [
            (f"{recall.source} pattern {i}{flipped}", probe, None)
            for i, probe in enumerate(flip(vectors, noise, generator))
        ]
    index = recall.pattern or 0
    if index >= count:
        raise UsageError(f"--pattern {index}: the run stores {count} patterns, 0 to {count - 1}")
    noise = run.recipe.data.noise if recall.noise is None else recall.noise
    probe = flip(stored[index : index + 1], noise, generator)[0]
    return [(f"pattern {index}, {round(noise * units)} of {units} units flipped", probe, index)]


def _file_patterns(run: Run, recall: Recall) -> torch.Tensor:
    """--input-file's patterns, read as the run's data format; (B, N)."""
    lines = recall.probes.splitlines()
    return fitting(
        run, parse_patterns(lines, run.recipe.data, recall.source, minimum=1), recall.source
    )


def fitting(run: Run, patterns: Patterns, source: str) -> torch.Tensor:
    """Patterns read from another file as a (B, N) tensor, if they have the run's N units."""
    units, meta = patterns.vectors.shape[1], run.meta
    if units != meta.rows * meta.columns:
        raise DataError(
            f"{source}: patterns of {units} units; the run's have {meta.rows * meta.columns} "
            f"({meta.rows} x {meta.columns})"
        )
    return torch.tensor(patterns.vectors, dtype=torch.float32)


@torch.no_grad()
def _states(run: Run, probe: torch.Tensor, generator) -> list[torch.Tensor]:
    """The probe and each state of its recall, every one (1, N)."""
    return [s.cpu() for s in run.model.recall(probe[None].to(run.device), generator=generator)]


@torch.no_grad()
def _energy(run: Run, state: torch.Tensor) -> float:
    return run.model.energy(state.to(run.device)).item()


def _drawn(run: Run, picture: torch.Tensor) -> str:
    meta = run.meta
    return draw(picture[0].tolist(), columns=meta.columns, ink=meta.ink, paper=meta.paper)


def _verdict(run: Run, picture: torch.Tensor, iterations: int, target: int | None) -> str:
    """Where the recall ended: a stored pattern (the one it came from, or another) or a
    spurious state, and whether it settled within max_iterations."""
    stored = run.meta.stored()
    nearest = int(overlap(picture, stored).argmax())  # (1, N) against (P, N)
    wrong, units = int((picture[0] != stored[nearest]).sum()), stored.shape[1]
    limit = run.recipe.model.max_iterations
    how = (
        f"settled after {iterations} iteration(s)"
        if iterations < limit
        else f"stopped at model.max_iterations ({limit})"
    )
    if wrong:
        return (
            f"{how}: a spurious state, {wrong} of {units} units off pattern {nearest}, the nearest"
        )
    if target is not None and nearest != target:
        return f"{how}: pattern {nearest}, not pattern {target}"
    return f"{how}: pattern {nearest}, exactly"
