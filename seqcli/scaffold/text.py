"""Defaults for reading text, shared by every text task: the tokenizer and its vocabulary."""

from __future__ import annotations

from statistics import median

from seqcli.scaffold.draft import Draft

WORDS_FOR_WORD_TOKENS = 2  # a median text longer than this many words reads as sentences
RARE_AFTER = 2_000  # examples from which words seen once become <unk>


def median_words(texts) -> float:
    return median(len(text.split()) for text in texts) if texts else 0


def add_tokens(draft: Draft, texts: list[str], count: int, *, lowercase: bool = True) -> str:
    """tokenizer (and its companions): words for sentences, characters for names and codes."""
    words = median_words(texts)
    if words <= WORDS_FOR_WORD_TOKENS:
        why = f"a median text is {words:g} word(s): its spelling is the signal"
        draft.add("data", "tokenizer", "char", why)
        return "char"
    draft.add("data", "tokenizer", "word", f"sentences (a median of {words:g} words)")
    if lowercase:
        draft.add("data", "lowercase", True, "FREE, Free and free are one word")
    if count >= RARE_AFTER:
        why = "words seen once become <unk>, so <unk> is trained and means 'unusual word'"
        draft.add("data", "min_freq", 2, why)
    return "word"
