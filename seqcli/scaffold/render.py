"""A draft as a recipe file in the style of recipes/*.yaml: every key commented with why."""

from __future__ import annotations

import textwrap

import yaml

from seqcli.scaffold.draft import SECTIONS, Draft, Entry

COMMENT_AT = 29  # the column the shipped recipes' comments start at
WIDTH = 100  # ruff's line length, which the recipes keep too
SEED = 0
# Why each task's mapping, keyed by (task, mapping); a mapping alone when every task agrees.
MAPPING_WHY = {
    ("forecaster", "many_to_many"): "one step ahead at every row; rolled out for longer",
    ("forecaster", "many_to_one"): "the whole horizon at once, from the rows before it",
    ("tagger", "many_to_many"): "one label per token",
    ("language-model", "many_to_many"): "every position predicts the next token",
    ("music model", "many_to_many"): "every frame predicts the next",
    "many_to_one": "one answer per example",
    "one_to_many": "a whole sequence from one condition",
    "many_to_many": "one label per step, aligned with the input",
    "encoder_decoder": "read the whole source, then write the target",
    "associative_memory": "store every pattern; recall the nearest from a noisy copy",
}


def render(draft: Draft, *, name: str, data: str, out: str) -> str:
    """The recipe text: a header saying where it came from and what to check, then keys."""
    lines = header(draft, data, out)
    lines += entry_lines(Entry("name", name, "runs go to runs/<name>/"), "")
    lines += entry_lines(Entry("seed", SEED, "the splits, weights and batch order repeat"), "")
    why = MAPPING_WHY.get((draft.task, draft.mapping)) or MAPPING_WHY[draft.mapping]
    lines += entry_lines(Entry("mapping", draft.mapping, why), "")
    for section in SECTIONS:
        if draft.sections[section]:
            lines.append(f"{section}:")
            for entry in draft.sections[section]:
                lines += entry_lines(entry, "  ")
    return "\n".join(lines) + "\n"


def header(draft: Draft, data: str, out: str) -> list[str]:
    said = [
        f"A {draft.task} written by `seqcli init {data}` from a sample of the file.",
        f"Found: {draft.found}.",
        *(f"Guess: {line}." for line in draft.unsure),
        *(f"Ignored: {line}." for line in draft.ignored_shown()),
        f"Check the guesses, then: seqcli train {out}",
    ]
    return [f"# {line}" for text in said for line in wrap(text, WIDTH - 2)]


def entry_lines(entry: Entry, indent: str) -> list[str]:
    """`key: value   # why`, the why wrapped under its own column when it is long."""
    code = f"{indent}{entry.key}: {flow(entry.value)}"
    if not entry.why:
        return [code]
    column = max(COMMENT_AT, len(code) + 1)
    chunks = wrap(entry.why, max(WIDTH - column - 2, 30))
    first = f"{code.ljust(column)}# {chunks[0]}"
    return [first, *(f"{' ' * column}# {chunk}" for chunk in chunks[1:])]


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most width, a path or a command never split across two."""
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def flow(value: object) -> str:
    """A value as YAML on one line: [a, b] for a list, quoted only when it must be."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1_000)
    return text.removesuffix("\n").removesuffix("\n...")
