"""The translator's predict and generate: sentences in, translations out, searched the way
the command-line flags say, with attention weights written to a file on request."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from seqcli.data.padding import pad
from seqcli.data.pairs import detokenize, tokenize
from seqcli.data.vocab import EOS, token_ids
from seqcli.decoding.beam import Hypothesis, beam_search, search_batch
from seqcli.decoding.sampling import Sampling
from seqcli.errors import UsageError
from seqcli.models.seq2seq import PAD_ID
from seqcli.tasks.attention_plot import ATTENTION_WRITERS
from seqcli.tasks.flags import reject_unknown

FLAGS = frozenset({
    "input", "input_file", "beam_size", "n_best", "length_penalty", "greedy",
    "temperature", "top_k", "top_p", "seed", "attention",
})  # fmt: skip
BEAM_FLAGS = ("beam_size", "n_best", "length_penalty")
SAMPLING_FLAGS = ("temperature", "top_k", "top_p")
DEFAULT_BEAM, DEFAULT_ALPHA = 5, 0.6  # GNMT's alpha; OpenNMT's usual beam


@dataclass(frozen=True)
class Search:
    """How to pick the words: beam search unless --greedy or a sampling flag says otherwise."""

    beam_size: int = DEFAULT_BEAM
    n_best: int = 1
    alpha: float = DEFAULT_ALPHA
    sampling: Sampling | None = None  # greedy or sampling: one batched pass instead of beams
    seed: int = 0


def search_from_flags(flags: dict, seed: int) -> Search:
    """The search the flags ask for; contradictory or unknown flags are a UsageError."""
    given = {name: value for name, value in flags.items() if value not in (None, False)}
    reject_unknown(given, FLAGS, "a translator")
    sampled = [name for name in SAMPLING_FLAGS if name in given]
    beamed = [name for name in BEAM_FLAGS if name in given]
    modes = {"--greedy": "greedy" in given, "sampling": bool(sampled), "beam search": bool(beamed)}
    chosen = [mode for mode, on in modes.items() if on]
    if len(chosen) > 1:
        raise UsageError(f"choose one of {' / '.join(chosen)}: they pick words differently")
    seed = given.get("seed", seed)
    if "greedy" in given:
        return Search(sampling=Sampling(greedy=True), seed=seed)
    if sampled:
        sampling = Sampling(given.get("temperature", 1.0), given.get("top_k"), given.get("top_p"))
        return Search(sampling=sampling, seed=seed)
    search = Search(
        given.get("beam_size", DEFAULT_BEAM), given.get("n_best", 1),
        given.get("length_penalty", DEFAULT_ALPHA), seed=seed,
    )  # fmt: skip
    if search.n_best > search.beam_size:
        raise UsageError(f"--n-best {search.n_best}: at most --beam-size ({search.beam_size})")
    return search


def source_ids(tokens, meta) -> list[int]:
    return [*token_ids(meta.source, tokens), meta.source.index[EOS]]


def translate_ids(run, source: torch.Tensor, lengths: torch.Tensor) -> list[str]:
    """Greedy translations of a padded source batch, detokenized."""
    target = run.meta.target
    hypotheses = search_batch(run.model.eval(), source, lengths, run.meta.markers)
    return [detokenize((target.tokens[i] for i in h.tokens), target.tokenizer) for h in hypotheses]


def translate_lines(run, lines: list[str]) -> list[str]:
    """Greedy translations of raw sentences, normalized and tokenized as the recipe says."""
    ids = [source_ids(tokenize(line, run.recipe.data), run.meta) for line in lines]
    source, lengths = pad(ids, value=PAD_ID)  # packing sorts by length itself
    return translate_ids(run, source.to(run.device), lengths)


def translate(run, lines: list[str], search: Search) -> list[list[Hypothesis]]:
    """Hypotheses per line, best first (one per line unless beam search with n_best)."""
    ids = [source_ids(tokenize(line, run.recipe.data), run.meta) for line in lines]
    model = run.model.eval()
    if search.sampling is None:
        return [
            beam_search(
                model, torch.tensor([row], device=run.device), run.meta.markers,
                beam_size=search.beam_size, n_best=search.n_best, alpha=search.alpha,
            )
            for row in ids
        ]  # fmt: skip
    generator = torch.Generator(device=run.device).manual_seed(search.seed)
    source, lengths = pad(ids, value=PAD_ID)  # greedy and sampling run all lines at once
    found = search_batch(
        model, source.to(run.device), lengths, run.meta.markers,
        sampling=search.sampling, generator=generator,
    )  # fmt: skip
    return [[hypothesis] for hypothesis in found]


def words(run, hypothesis: Hypothesis) -> list[str]:
    return [run.meta.target.tokens[i] for i in hypothesis.tokens]


def text_of(run, hypothesis: Hypothesis) -> str:
    return detokenize(words(run, hypothesis), run.meta.target.tokenizer)


def predict(run, lines: list[str]) -> list[dict]:
    """One row per line: its best translation (default beam search) and log-probability."""
    best = [found[0] for found in translate(run, lines, Search())]
    return [
        {"source": line, "translation": text_of(run, h), "score": h.score}
        for line, h in zip(lines, best, strict=True)
    ]


def beam_translations(run, examples, *, beam_size: int) -> list[str]:
    """Beam-search translations of encoded examples (for benchmarks on a split)."""
    model = run.model.eval()
    return [
        text_of(run, beam_search(
            model, torch.tensor([e.source], device=run.device), run.meta.markers,
            beam_size=beam_size, alpha=DEFAULT_ALPHA,
        )[0])
        for e in examples
    ]  # fmt: skip


def read_lines(flags: dict) -> list[str]:
    """--input, else --input-file, else stdin: one sentence per line."""
    if flags.get("input") is not None:
        return flags["input"].splitlines() or [""]
    if flags.get("input_file") is not None:
        path = Path(flags["input_file"])
        try:
            return path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"--input-file {path}: cannot read ({err})") from None
    return sys.stdin.read().splitlines()


def generate(run, flags: dict) -> Iterator[str]:
    """Translations for stdout, one line per input line (Moses n-best lines with --n-best)."""
    search = search_from_flags(flags, run.recipe.seed)
    attention = attention_target(run, flags.get("attention"))
    lines = read_lines(flags)
    return _generate(run, lines, search, attention)


def _generate(run, lines, search, attention) -> Iterator[str]:
    found = translate(run, lines, search)
    for index, hypotheses in enumerate(found):
        if search.n_best == 1:
            yield text_of(run, hypotheses[0]) + "\n"
            continue
        for h in hypotheses:  # Moses' n-best format: line index ||| text ||| score
            yield f"{index} ||| {text_of(run, h)} ||| {h.score:.4f}\n"
    if attention is not None:
        rows = [
            {
                "source": list(tokenize(line, run.recipe.data)) + ["<eos>"],
                # a row per written token; <eos> has one unless the step limit cut the search
                "target": [*words(run, hypotheses[0]), "<eos>"][: len(hypotheses[0].weights)],
                "weights": hypotheses[0].weights,
            }
            for line, hypotheses in zip(lines, found, strict=True)
        ]
        ATTENTION_WRITERS[attention.suffix.lower()](rows, attention)


def attention_target(run, path) -> Path | None:
    """The --attention file, checked before any translating starts."""
    if path is None:
        return None
    path = Path(path)
    if run.recipe.model.attention == "none":
        raise UsageError(f"--attention {path}: this model has no attention (model.attention none)")
    if path.suffix.lower() not in ATTENTION_WRITERS:
        raise UsageError(f"--attention {path}: write .json or .png")
    return path
