"""The run folder as ranks other than 0 of a data-parallel job see it."""

from __future__ import annotations

from pathlib import Path


class QuietFolder:
    """The run folder as ranks other than 0 see it: every write is rank 0's, so none here."""

    def __init__(self, path: Path):
        self.path = self.live = path

    def prepare_new(self, *, overwrite: bool) -> None:
        pass

    def lock(self) -> None:
        pass

    def save_checkpoint(self, kind: str, write) -> Path:
        return self.path / f"{kind}.pt"

    def log_metrics(self, record: dict) -> None:
        pass

    def write_json(self, name: str, data: dict) -> None:
        pass

    def write_text(self, name: str, text: str) -> None:
        pass

    def write_atomically(self, name: str, write) -> Path:
        return self.path / name

    def log(self, name: str, record: dict) -> None:
        pass

    def truncate_logs(self, last_step: int) -> None:
        pass

    def release(self) -> None:
        pass
