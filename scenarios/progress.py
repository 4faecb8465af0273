"""The progress line of a long run on stderr: simulated time done of the traffic's span, events
logged, wall-clock time. Rewritten in place at most a few times a second, and only on a
terminal: a log file or a test capturing stderr gets nothing."""

import time

from esme.status_line import StatusLine

EVERY = 0.25  # seconds of wall-clock time between two lines


class Progress:
    def __init__(self, name: str, duration: float, stream, wall=time.monotonic):
        """duration: the traffic's span, seconds; after it the run drains what is still pending."""
        self._name, self._duration, self._wall = name, duration, wall
        self._line = StatusLine(stream)
        self._started = wall()
        self._shown = None  # wall time of the last line; None: nothing shown yet
        self._on = self._line.is_tty  # a log file or a test capturing stderr gets nothing

    def __call__(self, done: float, events: int) -> None:
        """Told after each sample: seconds simulated so far, events logged."""
        now = self._wall()
        if not self._on or (self._shown is not None and now - self._shown < EVERY):
            return
        self._shown = now
        where = f"{_clock(done)} of {_clock(self._duration)}" if done <= self._duration else f"{_clock(done)}, draining"
        self._line.show(f"{self._name}: {where} simulated, {events} events, {now - self._started:.1f} s")

    def close(self) -> None:
        """Clear the line, so that what is printed next starts clean."""
        if self._on and self._shown is not None:
            self._line.clear()


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{rest:02d}"
