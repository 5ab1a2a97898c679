"""Plain text read as a language model's corpus."""

from __future__ import annotations

from functools import partial

from seqcli.scaffold.draft import Draft, Option
from seqcli.scaffold.sample import Sample
from seqcli.scaffold.sizes import add_training
from seqcli.scaffold.source import Source

LARGE = 1_000_000  # characters from which a larger model has enough to learn from


def corpus_options(source: Source, sample: Sample) -> dict[str, Option]:
    return {"language-model": partial(corpus_draft, source, sample)}


def corpus_draft(source: Source, sample: Sample) -> Draft:
    chars = sample.estimate(sum(len(line) + 1 for line in sample.lines))
    found = f"{sample.path.name}: {sample.about(len(sample.lines), 'lines')}, {chars:,} characters"
    draft = Draft("language-model", "many_to_many", found=found)
    draft.add("data", "format", "text", "one corpus: the model learns to continue it")
    draft.add("data", "path", source.written, source.path_why)
    draft.add("data", "tokenizer", "char", "every character a token: no unknown words")
    draft.add("data", "val_fraction", 0.1, "the last 10% of the text")
    hidden = 256 if chars >= LARGE else 128
    draft.add("model", "cell", "lstm", "the usual first choice; gru is a little faster on CPU")
    draft.add("model", "layers", 2, "two layers learn spelling and then words")
    draft.add("model", "hidden_size", hidden, f"scaled to {chars:,} characters")
    draft.add("model", "embedding_size", 64, "the width of a character's vector")
    draft.add("model", "dropout", 0.2, "between the layers: a small corpus overfits")
    draft.add("train", "seq_len", 100, "characters per window: how far back gradients flow")
    add_training(draft, batch=32, steps=2000, every=200, monitor="loss")
    draft.add("generate", "length", 400, "characters seqcli generate writes")
    draft.add("generate", "temperature", 0.8, "a little safer than the model's own odds")
    draft.add("generate", "sample_length", 120, "a sample at each validation shows progress")
    return draft
