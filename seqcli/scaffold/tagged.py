"""A token per line, a blank line between sentences: CoNLL-U or plain token/tag columns, read
as a tagger."""

from __future__ import annotations

from collections import Counter
from functools import partial

from seqcli.scaffold.draft import Draft, Option
from seqcli.scaffold.sample import Sample
from seqcli.scaffold.sizes import add_model, add_training, steps_for
from seqcli.scaffold.source import Source

CONLLU_FIELDS = 10
SPLIT_NAMES = {"val_path": "dev", "test_path": "test"}  # UD's train/dev/test files
SPANS = ("B-", "I-", "E-", "S-")  # BIO/BIOES labels: spans, scored by f1


def sentences(sample: Sample) -> list[list[list[str]]]:
    """The sample's sentences, each a list of rows split into fields; comments skipped."""
    found, current = [], []
    for line in sample.lines:
        if line.startswith("#") or line.startswith("-DOCSTART-"):
            continue
        if line.strip():
            current.append(line.split("\t") if "\t" in line else line.split())
        elif current:
            found.append(current)
            current = []
    return [*found, current] if current else found


def looks_conllu(sample: Sample) -> bool:
    rows = [row for sentence in sentences(sample)[:50] for row in sentence]
    return bool(rows) and all(len(row) == CONLLU_FIELDS and row[0][:1].isdigit() for row in rows)


def looks_columns(sample: Sample) -> bool:
    """Two to six whitespace-separated fields per line, nearly always as many, and blank lines
    between at least two sentences."""
    found = sentences(sample)[:200]
    widths = Counter(len(row) for sentence in found for row in sentence)
    if len(found) < 2 or not widths:
        return False
    width, count = widths.most_common(1)[0]
    return 2 <= width <= 6 and count >= 0.95 * sum(widths.values())


def conllu_options(source: Source, sample: Sample) -> dict[str, Option]:
    return {"tagger": partial(conllu_draft, source, sample)}


def columns_options(source: Source, sample: Sample) -> dict[str, Option]:
    return {"tagger": partial(columns_draft, source, sample)}


def conllu_draft(source: Source, sample: Sample) -> Draft:
    found = sentences(sample)
    rows = [row for sentence in found for row in sentence if row[0].isdigit()]
    upos = Counter(row[3] for row in rows)
    label = "xpos" if set(upos) == {"_"} else "upos"
    draft = start(source, sample, found, "conllu", "Universal Dependencies CoNLL-U")
    where = "the 17 universal tags" if label == "upos" else "UPOS is empty here"
    draft.add("data", "label_column", label, where)
    add_split_files(draft, source)
    return finish(draft, sample, found, spans=False)


def columns_draft(source: Source, sample: Sample) -> Draft:
    found = sentences(sample)
    width = Counter(len(row) for sentence in found for row in sentence).most_common(1)[0][0]
    draft = start(source, sample, found, "columns", "a token per line, its tag in a column")
    draft.add("data", "token_column", 0, "the first column: the word")
    draft.add("data", "label_column", -1, "the last column: the tag (as CoNLL-2003's NER)")
    if width > 2:
        draft.ignored.append(
            f"columns 1 to {width - 2} (not read; as inputs: set data.feature_columns)"
        )
    labels = {row[-1] for sentence in found for row in sentence}
    return finish(draft, sample, found, spans=any(label[:2] in SPANS for label in labels))


def start(source: Source, sample: Sample, found: list, form: str, why: str) -> Draft:
    tokens = sum(map(len, found))
    about = (
        f"{sample.path.name}: {sample.about(len(found), 'sentences')}, "
        f"{sample.about(tokens, 'tokens')}"
    )
    draft = Draft("tagger", "many_to_many", found=about)
    draft.add("data", "format", form, why)
    draft.add("data", "path", source.written, source.path_why)
    return draft


def add_split_files(draft: Draft, source: Source) -> None:
    """UD's dev and test files beside a *train* file: their own splits, as published."""
    if "train" not in source.path.name:
        return
    for key, word in SPLIT_NAMES.items():
        split = source.path.with_name(source.path.name.replace("train", word))
        if split.is_file():
            written = source.written.rsplit("/", 1)[0] + "/" if "/" in source.written else ""
            draft.add("data", key, written + split.name, "the treebank's own split file")


def finish(draft: Draft, sample: Sample, found: list, *, spans: bool) -> Draft:
    count = sample.estimate(len(found))
    if not any(entry.key == "val_path" for entry in draft.sections["data"]):
        draft.add("data", "val_fraction", 0.1, "random sentences that pick best.pt")
    draft.add("data", "min_freq", 2, "words seen once become <unk>: the model learns unknowns")
    draft.add("data", "lowercase", True, "The and the share a vector; characters keep the case")
    add_model(draft, count, unit="sentences")
    draft.add("model", "direction", "bi", "a word's tag depends on what follows it too")
    draft.add("model", "char_features", 32, "a character CNN: spelling tags unknown words")
    draft.add("model", "dropout", 0.3, "a few thousand tokens overfit fast")
    steps, every = steps_for(count, 16, 0.1, epochs=20)
    monitor = "f1" if spans else "accuracy"
    why = "labels are BIO spans: f1 over whole spans" if spans else "per-token accuracy"
    add_training(draft, batch=16, steps=steps, every=every, monitor=monitor, why=why)
    return draft
