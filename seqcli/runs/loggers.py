"""Where a run's numbers go: the recipe's `train.loggers` picks from LOGGERS (jsonl is always
among them). A logger gets every row (stamped with step, split, time and epoch) and sample as
it is logged, a flush at each save of last.pt (so what is on disk matches the checkpoint a
resume starts from) and a close with the summary when the run ends (None if it stopped)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from seqcli.extras import require
from seqcli.recipe import recipe_to_dict
from seqcli.runs.jsonfiles import read_metrics
from seqcli.runs.runfolder import RunFolder

STAMPS = ("step", "split", "time", "epoch")  # when a row was taken, not what was measured
MAX_SAMPLES = 200  # samples.jsonl's rows: a page of them is enough to watch a run learn
MAX_SAMPLE_CHARS = 2000  # of each sample's text; a sample longer than this is cut


class Logger(Protocol):
    def __init__(self, folder: RunFolder, run, start_step: int): ...
    def row(self, record: dict) -> None: ...
    def sample(self, step: int, text: str) -> None: ...
    def flush(self) -> None: ...
    def close(self, summary: dict | None) -> None: ...


class JsonlLogger:
    """metrics.jsonl, one JSON object per row, appended as it comes (RunFolder.log_metrics);
    beside it samples.jsonl, the validation samples (bounded: `seqcli report` shows them), and
    resumes.jsonl, the step each resume started from (the report marks them on the curves).
    Neither goes into metrics.jsonl, whose rows a resumed run must match a straight run's."""

    def __init__(self, folder: RunFolder, run, start_step: int):
        self.folder = folder
        self.samples = _count_lines(folder.live / "samples.jsonl")  # a resume's, truncated
        if start_step:
            folder.log("resumes.jsonl", {"step": start_step, "at": _now()})

    def row(self, record: dict) -> None:
        self.folder.log_metrics(record)

    def sample(self, step: int, text: str) -> None:
        if self.samples < MAX_SAMPLES:  # a long run's first ones; the terminal shows them all
            self.folder.log("samples.jsonl", {"step": step, "text": text[:MAX_SAMPLE_CHARS]})
            self.samples += 1

    def flush(self) -> None:
        pass  # every line is written at once

    def close(self, summary: dict | None) -> None:
        pass  # RunFolder.release closes the file


class CsvLogger:
    """metrics.csv: metrics.jsonl as one flat table, a column for every key a row has (a
    validation metric is empty on training rows). Rows are appended as they come; a row with
    a key the header lacks (the first validation's metrics) has the file rewritten from
    metrics.jsonl with the wider header, as does the start of a resume, so the table always
    holds what the log holds."""

    def __init__(self, folder: RunFolder, run, start_step: int):
        self.folder = folder
        self.columns = []
        self._rewrite()  # empty for a new run; a resumed one's log, truncated already

    def row(self, record: dict) -> None:
        if any(key not in self.columns for key in record):
            self._rewrite()  # jsonl comes first among the loggers: the record is in it
            return
        self.folder.append_line("metrics.csv", _csv_line([record.get(k) for k in self.columns]))

    def _rewrite(self) -> None:
        log = self.folder.live / "metrics.jsonl"
        rows = read_metrics(self.folder.live) if log.exists() else []
        self.columns = list(dict.fromkeys(key for row in rows for key in row))
        lines = [_csv_line(self.columns)]
        lines += [_csv_line([row.get(key) for key in self.columns]) for row in rows]
        self.folder.write_text("metrics.csv", "\n".join(lines) + "\n")

    def sample(self, step: int, text: str) -> None:
        pass  # a table of numbers has no place for text

    def flush(self) -> None:
        pass  # every line is written at once

    def close(self, summary: dict | None) -> None:
        pass  # RunFolder.release closes the file


def _count_lines(path: Path) -> int:
    if path.is_symlink() or not path.is_file():
        return 0  # a link in its place: the first append refuses it, naming the file
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _csv_line(values: list) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="").writerow(values)
    return text.getvalue()


class TensorBoardLogger:
    """tensorboard/ in the run folder, through torch.utils.tensorboard: a scalar per value
    (train/loss, train/lr, train/grad_norm, train/speed, val/<metric>), the samples as text,
    and the recipe's model and train keys as hparams beside the best metric at the end.

    TensorBoard reopens its file by name at each write, so it cannot write into `.new-run/`,
    which the first last.pt moves: what comes before a flush waits in memory, and the writer
    opens at the first flush, after last.pt is saved, in the run folder the run now holds."""

    def __init__(self, folder: RunFolder, run, start_step: int):
        self.board = require(
            "torch.utils.tensorboard", extra="tensorboard", wanted_by="train.loggers tensorboard"
        )
        self.folder = folder
        self.start_step = start_step
        self.recipe = recipe_to_dict(run.recipe)
        self.writer = None
        self.pending = []  # pending: (method, args) until the writer opens

    def row(self, record: dict) -> None:
        for name, value in record.items():
            if name not in STAMPS and not isinstance(value, bool):  # `skipped` is no curve
                self._write("add_scalar", f"{record['split']}/{name}", value, record["step"])

    def sample(self, step: int, text: str) -> None:
        self._write("add_text", "sample", text, step)

    def _write(self, method: str, *args) -> None:
        if self.writer is None:
            self.pending.append((method, args))
        else:
            getattr(self.writer, method)(*args)

    def flush(self) -> None:
        if self.writer is None:
            # A resume drops what was logged after its checkpoint, as metrics.jsonl does
            # (TensorBoard purges from purge_step on).
            folder = str(self.folder.subfolder("tensorboard"))
            purge = self.start_step + 1 if self.start_step else None
            self.writer = self.board.SummaryWriter(folder, purge_step=purge)
            for method, args in self.pending:
                getattr(self.writer, method)(*args)
            self.pending = []
        self.writer.flush()

    def close(self, summary: dict | None) -> None:
        if self.folder.live != self.folder.path:
            return  # the run never saved a checkpoint: it is dropped, and its logs with it
        self.flush()
        if summary is not None and summary["best"]["value"] is not None:
            self._hparams(summary)
        self.writer.close()

    def _hparams(self, summary: dict) -> None:
        from torch.utils.tensorboard.summary import hparams

        knobs = {
            f"{section}.{key}": value
            for section in ("model", "train")
            for key, value in self.recipe[section].items()
            if isinstance(value, int | float | str | bool)
        }
        best = summary["best"]
        for record in hparams(knobs, {f"best/{best['metric']}": best["value"]}):
            self.writer.file_writer.add_summary(record)


LOGGERS: dict[str, type[Logger]] = {
    "jsonl": JsonlLogger,
    "csv": CsvLogger,
    "tensorboard": TensorBoardLogger,
}
