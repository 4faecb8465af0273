"""The live line of `esme load` on stderr, once a second: how far the run is, the rates
offered and achieved over the last second, what is in flight, and the p99 so far.

On a terminal the line is redrawn in place; into a file or a CI log each second gets its own
line, which makes the log a time series of the run. Driven by the clock it is given.
"""

from twisted.internet import task

from esme.load_tally import Tally
from esme.status_line import StatusLine


def format_live(elapsed: float, duration: float, offered: float, achieved: float, tally: Tally, receipts: bool) -> str:
    """One line; offered and achieved are segments a second over the last interval."""
    p99 = tally.live_p99_ms()
    stage = f"{elapsed:5.0f} s / {duration:g} s" if tally.offer_ended is None else f"{elapsed:5.0f} s draining"
    awaited = tally.accepted - sum(tally.receipts.values())
    return (
        f"{stage}  offered {offered:,.0f}/s  achieved {achieved:,.0f}/s  in flight {tally.in_flight:,}"
        f"  p99 {'-' if p99 is None else f'{p99:,} ms'}  accepted {tally.accepted:,}  throttled {tally.throttled:,}"
        + (f"  receipts awaited {awaited:,}" if receipts else "")
    )


class LiveLine:
    """Draws format_live for a running Load every `interval` seconds of `clock`."""

    def __init__(self, load, duration: float, clock, stream=None, *, receipts: bool = False, is_tty: bool | None = None,
                 interval: float = 1.0):  # fmt: skip
        self._load = load
        self._receipts = receipts
        self._duration = duration
        self._clock = clock
        self._line = StatusLine(stream, is_tty)
        self._interval = interval
        self._looping = task.LoopingCall(self._draw)
        self._looping.clock = clock
        self._last = None  # (time, offered segments, accepted segments) at the last line

    def start(self) -> None:
        self._last = (self._clock.seconds(), 0, 0)
        self._looping.start(self._interval, now=False)

    def stop(self) -> None:
        if self._looping.running:
            self._looping.stop()
        self._line.end()

    def _draw(self) -> None:
        tally = self._load.tally
        now = self._clock.seconds()
        then, offered, accepted = self._last
        seconds = max(now - then, 1e-9)
        line = format_live(
            now - tally.started, self._duration,
            (tally.offered_segments - offered) / seconds, (tally.accepted - accepted) / seconds, tally, self._receipts,
        )  # fmt: skip
        self._last = (now, tally.offered_segments, tally.accepted)
        self._line.show(line)
