"""Translation quality as papers report it: sacrebleu's corpus BLEU and chrF on detokenized
strings, and exact match; every hypothesis scored against all references of its source."""

from __future__ import annotations

import sacrebleu

# sacrebleu's tokenizer for BLEU: 13a splits words and punctuation; char counts character
# n-grams, so a character-level task (one "word" per line) still gets a meaningful score.
# Subword translations are whole sentences once their pieces are joined: scored as words.
BLEU_TOKENIZERS = {"word": "13a", "char": "char", "bpe": "13a", "unigram": "13a"}


def translation_metrics(
    hypotheses: list[str], references: list[list[str]], *, tokenizer: str
) -> dict[str, float]:
    """Corpus BLEU and chrF (sacrebleu, on detokenized strings) against every reference of
    each sentence, and the share of hypotheses equal to one of their references."""
    exact = sum(h in refs for h, refs in zip(hypotheses, references, strict=True))
    # sacrebleu reads references as streams, one per reference slot; None pads short lists.
    depth = max(len(refs) for refs in references)
    streams = [[refs[k] if k < len(refs) else None for refs in references] for k in range(depth)]
    # force: normalized text looks tokenized ("il est grand .") and sacrebleu would warn
    bleu = sacrebleu.corpus_bleu(
        hypotheses, streams, tokenize=BLEU_TOKENIZERS[tokenizer], force=True
    )
    return {
        "bleu": bleu.score,
        "chrf": sacrebleu.corpus_chrf(hypotheses, streams).score,
        "exact_match": exact / len(references),
    }
