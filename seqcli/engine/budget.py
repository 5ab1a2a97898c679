"""train.max_time: a training session's wall-clock allowance, read from a clock the caller
may replace (tests pass a fake one; nothing here sleeps or waits)."""

from __future__ import annotations

import time
from collections.abc import Callable

from seqcli.recipe.durations import spoken

Clock = Callable[[], float]  # seconds, monotonic


class Budget:
    """Started when the session's training starts; spent once max_time seconds have passed."""

    def __init__(self, max_time: float | None, clock: Clock = time.monotonic):
        self.max_time = max_time
        self.clock = clock
        self.started: float | None = None

    def start(self) -> None:
        self.started = self.clock()

    def spent(self) -> bool:
        if self.max_time is None or self.started is None:
            return False
        return self.clock() - self.started >= self.max_time

    @property
    def reason(self) -> str:
        return f"the time budget (train.max_time {spoken(self.max_time)}) ran out"
