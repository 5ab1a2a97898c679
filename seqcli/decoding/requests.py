"""What `seqcli generate` asks of a run, typed: the CLI builds one Request from its flags over
the recipe's generate section, once; a task reads the parts its spec says it takes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from seqcli.recipe.schedule import Section
from seqcli.recipe.training import Sampling


@dataclass(frozen=True)
class Draw:
    """How tokens are picked, from which seed, how many samples."""

    sampling: Sampling  # the recipe's generate section with the flags applied
    seed: int = 0
    num_samples: int = 1


@dataclass(frozen=True)
class Prompt:
    text: str  # what the model reads before it writes
    source: str  # where it came from, for an error about its tokens
    skip_unknown: bool = False  # drop tokens outside the vocabulary instead of refusing


class Search(Section):
    """Beam search (the translator's default). seqcli generate's beam flags are built from
    these fields, as its sampling flags are from the Sampling section's."""

    # Each step scores beam_size x vocabulary for every line, and translations get worse,
    # not better, past a few dozen beams (Koehn & Knowles 2017).
    beam_size: int = Field(
        5, ge=1, le=1000, description="beams a translator keeps (OpenNMT's usual 5)"
    )
    n_best: int = Field(1, ge=1, description="best translations written per line")
    length_penalty: float = Field(
        0.6,
        ge=0,
        description="GNMT's alpha: how much the ranking of finished beams favours longer ones",
    )


@dataclass(frozen=True)
class Forecast:
    horizon: int | None = None  # steps after the last row; None: data.horizon
    history: Path | None = None  # a CSV to continue instead of the training series
    keep: bool = False  # keep the streamed rows for a figure (--plot)
    series: str | None = None  # which series of several to continue; None: the last
    future: Path | None = None  # a CSV of the columns known ahead, after the history's end


@dataclass(frozen=True)
class Recall:
    """An associative memory's probe: a stored pattern, or patterns given in a file, with a
    share of their units flipped."""

    pattern: int | None = None  # a stored pattern to start from; None: the file's, or 0
    probes: str | None = None  # --input-file's text, in the run's data format
    source: str = ""  # where that text came from, for an error about it
    noise: float | None = None  # None: data.noise for a stored pattern, 0 for the file's


@dataclass(frozen=True)
class Request:
    draw: Draw
    length: int | None = None  # tokens or steps to write; None: the task's default
    prompt: Prompt | None = None  # language model
    condition: str | None = None  # conditioned generators: a class, or numbers "a,b"
    lines: tuple[str, ...] = ()  # translator: one sentence per line
    search: Search | None = None  # translator: None means greedy or sampled, as draw says
    attention: bool = False  # translator: keep the attention weights
    forecast: Forecast | None = None  # forecaster
    recall: Recall | None = None  # Hopfield network


@dataclass(frozen=True)
class Generated:
    """What a task's generate gives back; the CLI writes it where the flags say."""

    chunks: Iterable[str]  # text for stdout (or --output), streamed as it is written
    attention: list[dict] | None = None  # translator: weights per sentence, for --attention
    figure: object = None  # forecaster: what --plot draws (ForecastFigure)
    note: str | None = None  # something the user should know about the output, on stderr
