"""The live progress line of long `esme blast` runs: done/total, rate, ETA, accepted and
failed so far.

On a terminal the line is redrawn in place at most a few times a second, since redrawing
for every message would cost more than sending it at thousands a second. Into a file or a
CI log (not a TTY) a plain line is written every few seconds instead, so logs stay readable.
The line goes to stderr, leaving stdout to the report. Formatting is pure; the writer only
decides when to draw, on a clock it is given.
"""

from collections.abc import Callable
from typing import TextIO

import attrs

from esme.status_line import StatusLine

@attrs.frozen
class Progress:
    done: int  # messages with a submit answer (or given up on)
    total: int
    accepted: int
    failed: int  # refused at submit or failed receipts, so far
    elapsed: float  # seconds since sending began

    @property
    def rate(self) -> float | None:
        """Messages a second since the start; None before anything can be measured."""
        return self.done / self.elapsed if self.elapsed > 0 and self.done else None

    @property
    def eta(self) -> float | None:
        """Seconds left at the average rate so far."""
        rate = self.rate
        return (self.total - self.done) / rate if rate else None


def format_duration(seconds: float | None) -> str:
    """"0:07", "12:30", "1:02:03"; "--:--" when unknown."""
    if seconds is None:
        return "--:--"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_line(progress: Progress, width: int = 80) -> str:
    """One line, no wider than width: a bar when there is room for one."""
    share = progress.done / progress.total if progress.total else 1.0
    rate = "-" if progress.rate is None else f"{progress.rate:,.0f}"
    text = (
        f"{progress.done:,}/{progress.total:,} {share:4.0%}  {rate} msg/s  ETA {format_duration(progress.eta)}"
        f"  accepted {progress.accepted:,}  failed {progress.failed:,}"
    )
    room = width - len(text) - 3
    if room >= 10:
        bar_width = min(room, 40)
        filled = int(share * bar_width)
        text = f"[{'#' * filled}{'.' * (bar_width - filled)}] {text}"
    return text[:width]


class ProgressWriter:
    """Draws Progress lines on stream when due by clock (seconds, e.g. time.monotonic)."""

    def __init__(
        self,
        total: int,
        clock: Callable[[], float],
        stream: TextIO | None = None,
        *,
        is_tty: bool | None = None,
        per_second: float = 4.0,
        plain_every: float = 5.0,
        width: int = 80,
    ):
        self.total = total
        self.clock = clock
        self.line = StatusLine(stream, is_tty)
        self.is_tty = self.line.is_tty
        self.interval = 1 / per_second if self.is_tty else plain_every
        self.width = width
        self.started = clock()
        self._last_drawn: float | None = None

    def update(self, done: int, accepted: int, failed: int) -> bool:
        """Draw if the last line is old enough; True when drawn."""
        now = self.clock()
        if self._last_drawn is not None and now - self._last_drawn < self.interval:
            return False
        self._last_drawn = now
        self._draw(Progress(done, self.total, accepted, failed, now - self.started))
        return True

    def finish(self, done: int, accepted: int, failed: int) -> None:
        """The last line, always drawn, and the terminal's line ended."""
        self._draw(Progress(done, self.total, accepted, failed, self.clock() - self.started))
        self.line.end()

    def _draw(self, progress: Progress) -> None:
        self.line.show(format_line(progress, self.width - 1 if self.is_tty else self.width))  # the cursor's column
