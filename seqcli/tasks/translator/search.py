"""The translator's predict and generate: sentences in, translations out, by beam search or,
token by token, through the shared autoregressive loop; attention weights kept on request."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import torch

from seqcli.data.padding import pad
from seqcli.data.pairs import detokenize, pieces, tokenize
from seqcli.data.vocab import EOS, token_ids
from seqcli.decoding.autoregress import autoregress
from seqcli.decoding.beam import Hypothesis, beam_search, step_limit
from seqcli.decoding.requests import Draw, Generated, Request, Search
from seqcli.decoding.sampling import TokenPicker
from seqcli.engine.run import Run
from seqcli.errors import UsageError
from seqcli.models.seq2seq import PAD_ID
from seqcli.recipe.training import Sampling

if TYPE_CHECKING:  # task.py imports this module to decode
    from seqcli.tasks.translator.task import TranslatorMeta

GREEDY = Draw(Sampling(greedy=True))  # evaluation's translations: the likeliest word each step


def source_ids(tokens: Sequence[str], meta: TranslatorMeta) -> list[int]:
    """A sentence's read tokens as the encoder's ids, <eos> last."""
    return [*token_ids(meta.source, pieces(tokens, meta.source)), meta.source.index[EOS]]


@torch.inference_mode()
def search_batch(
    run: Run, source: torch.Tensor, lengths: torch.Tensor, draw: Draw
) -> list[Hypothesis]:
    """One hypothesis per source (B, S), every row picked token by token as draw says."""
    model, markers = run.model.eval(), run.meta.markers
    memory, state = model.encode(source, lengths)
    weights = []

    def step(token, state):
        logits, state, weight = model.decode(token[:, None], state, memory)  # (B, 1, V)
        weights.append(weight)
        return logits[:, -1], state

    generator = torch.Generator(device=source.device).manual_seed(draw.seed)
    picker = TokenPicker(draw.sampling, generator, stop=markers.eos)
    first = torch.full((source.shape[0],), markers.bos, device=source.device)
    picks = list(
        autoregress(
            step, first, steps=step_limit(lengths), pick=picker, state=state, stop=markers.eos
        )
    )
    tokens = torch.stack([p.token for p in picks], dim=1)  # (B, T)
    logp = torch.stack([_logp(p) for p in picks], dim=1).sum(1)  # (B,)
    attention = None if weights[0] is None else torch.cat(weights, dim=1)  # (B, T, S)
    return [
        _hypothesis(row, logp[i].item(), attention, i, int(lengths[i]), markers.eos)
        for i, row in enumerate(tokens.tolist())
    ]


def _logp(picked) -> torch.Tensor:
    """(B,) log-probability of the picked tokens; rows that had ended add nothing."""
    logp = torch.log_softmax(picked.scores, -1).gather(1, picked.token[:, None]).squeeze(1)
    return logp.masked_fill(picked.ended, 0.0)


def _hypothesis(row, score, attention, index, source_length, eos) -> Hypothesis:
    written = row.index(eos) + 1 if eos in row else len(row)
    weights = None
    if attention is not None:
        weights = attention[index, :written, :source_length].tolist()
    return Hypothesis(row[: written - 1] if eos in row else row, score, weights)


def translate_ids(run: Run, source: torch.Tensor, lengths: torch.Tensor) -> list[str]:
    """Greedy translations of a padded source batch, detokenized."""
    target = run.meta.target
    hypotheses = search_batch(run, source, lengths, GREEDY)
    return [detokenize((target.tokens[i] for i in h.tokens), target.tokenizer) for h in hypotheses]


def translate_lines(run: Run, lines: list[str]) -> list[str]:
    """Greedy translations of raw sentences, normalized and tokenized as the recipe says."""
    ids = [source_ids(tokenize(line, run.recipe.data), run.meta) for line in lines]
    source, lengths = pad(ids, value=PAD_ID)  # packing sorts by length itself
    return translate_ids(run, source.to(run.device), lengths)


def translate(run: Run, lines, search: Search | None, draw: Draw) -> list[list[Hypothesis]]:
    """Hypotheses per line, best first: beam search (n_best of them), or one picked token by
    token for all lines at once."""
    ids = [source_ids(tokenize(line, run.recipe.data), run.meta) for line in lines]
    if search is None:
        source, lengths = pad(ids, value=PAD_ID)
        return [[h] for h in search_batch(run, source.to(run.device), lengths, draw)]
    model, markers = run.model.eval(), run.meta.markers
    return [
        beam_search(
            model,
            torch.tensor([row], device=run.device),
            markers,
            search=search,
            sampling=draw.sampling,
        )
        for row in ids
    ]


def words(run: Run, hypothesis: Hypothesis) -> list[str]:
    return [run.meta.target.tokens[i] for i in hypothesis.tokens]


def text_of(run: Run, hypothesis: Hypothesis) -> str:
    return detokenize(words(run, hypothesis), run.meta.target.tokenizer)


def predict(run: Run, lines: list[str]) -> list[dict]:
    """One row per line: its best translation (beam search, the recipe's sampling rules) and
    its score."""
    best = [found[0] for found in translate(run, lines, Search(), Draw(run.recipe.generate))]
    return [
        {"source": line, "translation": text_of(run, h), "score": h.score}
        for line, h in zip(lines, best, strict=True)
    ]


def beam_translations(run: Run, examples, *, beam_size: int) -> list[str]:
    """Beam-search translations of encoded examples (for benchmarks on a split)."""
    model, search = run.model.eval(), Search(beam_size=beam_size)
    return [
        text_of(
            run,
            beam_search(
                model,
                torch.tensor([e.source], device=run.device),
                run.meta.markers,
                search=search,
                sampling=run.recipe.generate,
            )[0],
        )
        for e in examples
    ]


def generate(run: Run, request: Request) -> Generated:
    """Translations, one line per input line (Moses n-best lines with --n-best), and the
    attention weights of each sentence's best translation when asked for."""
    if request.attention and run.recipe.model.attention == "none":
        raise UsageError("--attention: this model has no attention (model.attention none)")
    found = translate(run, request.lines, request.search, request.draw)
    n_best = request.search.n_best if request.search else 1
    rows = attention_rows(run, request.lines, found) if request.attention else None
    return Generated(list(_lines(run, found, n_best)), attention=rows)


def _lines(run: Run, found: list[list[Hypothesis]], n_best: int) -> Iterator[str]:
    for index, hypotheses in enumerate(found):
        if n_best == 1:
            yield text_of(run, hypotheses[0]) + "\n"
            continue
        for h in hypotheses:  # Moses' n-best format: line index ||| text ||| score
            yield f"{index} ||| {text_of(run, h)} ||| {h.score:.4f}\n"


def attention_rows(run: Run, lines, found: list[list[Hypothesis]]) -> list[dict]:
    return [
        {
            "source": [*pieces(tokenize(line, run.recipe.data), run.meta.source), "<eos>"],
            # a row per written token; <eos> has one unless the step limit cut the search
            "target": [*words(run, hypotheses[0]), "<eos>"][: len(hypotheses[0].weights)],
            "weights": hypotheses[0].weights,
        }
        for line, hypotheses in zip(lines, found, strict=True)
    ]
