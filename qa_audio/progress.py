"""Progress of a batch on the coordinator: calls done / failed / remaining, audio hours
processed per hour and an ETA. A live bar on a terminal; elsewhere (a log, CI) a plain
line every `PLAIN_EVERY_S` seconds and one at the end."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .pipeline import Outcome, Progress

PLAIN_EVERY_S = 10.0


class BatchProgress(Progress):
    """A batch's progress on `stream` (stderr): a live bar on a terminal, else a plain status
    line every PLAIN_EVERY_S seconds and at the end. `live` forces one or the other.
    """

    def __init__(self, stream: TextIO = sys.stderr, live: bool | None = None):
        self.stream = stream
        self.live = stream.isatty() if live is None else live
        self.queued = self.done = self.failed = 0
        self.audio_s = 0.0
        self.t0 = time.monotonic()
        self._last_line = self.t0
        self._bar = None

    def begin(self, queued: int) -> None:
        """Start counting: `queued` files are about to be analysed."""
        self.queued, self.t0 = queued, time.monotonic()
        if self.live and queued:
            from rich.console import Console
            from rich.progress import BarColumn, Progress as Bar, TextColumn

            self._bar = Bar(TextColumn("calls"), BarColumn(), TextColumn("{task.fields[status]}"), console=Console(file=self.stream), transient=True)
            self._task = self._bar.add_task("calls", total=queued, status=self.status())
            self._bar.start()

    def advance(self, outcome: Outcome) -> None:
        """Count one finished file (skipped files are not counted) and show the status."""
        if outcome.status == "skipped":
            return
        self.done += outcome.status == "done"
        self.failed += outcome.status == "failed"
        self.audio_s += outcome.duration_s
        if self._bar is not None:
            self._bar.update(self._task, completed=self.finished, status=self.status())
            if self.finished >= self.queued:
                self._bar.stop()
        elif self.queued and (self.finished >= self.queued or time.monotonic() - self._last_line >= PLAIN_EVERY_S):
            self._last_line = time.monotonic()
            print(self.status(), file=self.stream, flush=True)

    def note(self, text: str) -> None:
        """Print a line for the person running the batch, above the bar when there is one."""
        (self._bar.console.print if self._bar is not None else lambda t: print(t, file=self.stream, flush=True))(text)

    @property
    def finished(self) -> int:
        """Files finished so far, done or failed."""
        return self.done + self.failed

    def status(self) -> str:
        """e.g. `12/40 calls: 11 done, 1 failed, 28 remaining; 21.3 audio h/h; ETA 4m10s`."""
        elapsed = max(time.monotonic() - self.t0, 1e-9)
        remaining = self.queued - self.finished
        rate = f"{self.audio_s / elapsed:.1f} audio h/h" if self.audio_s else "audio h/h -"
        eta = _clock(remaining * elapsed / self.finished) if self.finished else "-"
        return f"{self.finished}/{self.queued} calls: {self.done} done, {self.failed} failed, {remaining} remaining; {rate}; ETA {eta}"

    def close(self) -> None:
        """Stop the live bar (safe to call more than once)."""
        if self._bar is not None:
            self._bar.stop()


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"
