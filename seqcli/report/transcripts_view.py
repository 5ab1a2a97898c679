"""A transcriber's utterances on the page: a few of the validation split, spread over it, each
with the transcript it should give and the one the model gives (`seqcli evaluate`'s greedy
decoding); a wrong one stands out."""

from __future__ import annotations

from seqcli.engine.run import Run, with_split_files
from seqcli.report.html import Named, escape
from seqcli.tasks.transcriber.task import TranscriberTask

UTTERANCES = 6  # spread over the validation split, as evaluate's --max-batches spreads them


def transcripts_view(run: Run, name: Named) -> tuple[str, dict[str, dict]]:
    """A table: utterance, reference, hypothesis."""
    examples = with_split_files(run, run.task.prepare(run.recipe, run.meta)).splits["val"]
    if not len(examples):
        return "", {}
    chosen = examples.spread(UTTERANCES)
    assert isinstance(run.task, TranscriberTask)  # VIEWS names this view for the transcriber alone
    heard = run.task.transcribe(run, chosen)
    rows = "".join(
        _row(number, wanted, said)
        for number, (wanted, said) in enumerate(zip(chosen.texts, heard, strict=True))
    )
    head = "<tr><th>utterance</th><th>reference</th><th>hypothesis</th></tr>"
    title = "<h3>Validation utterances: the reference, then what the model heard</h3>"
    return f'{title}<table class="transcripts">{head}{rows}</table>', {}


def _row(number: int, wanted: str, heard: str) -> str:
    kind = "right" if wanted == heard else "wrong"
    return (
        f'<tr class="{kind}"><td>{number}</td><td>{escape(wanted)}</td>'
        f"<td>{escape(heard)}</td></tr>"
    )
