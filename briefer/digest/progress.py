"""How a digest run reports its progress: plain log lines here, a bar in ``briefer.cli``."""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger("briefer.digest")


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, label: str, outcome: str) -> None: ...
    def finish(self) -> None: ...


class LogProgress:
    """Plain log lines: what cron mails and journald keep."""

    def __init__(self) -> None:
        self.total, self.done = 0, 0

    def start(self, total: int) -> None:
        self.total = total
        log.info("briefing %d articles", total)

    def advance(self, label: str, outcome: str) -> None:
        self.done += 1
        log.info("[%d/%d] %s: %s", self.done, self.total, outcome, label)

    def finish(self) -> None:
        pass
