"""Delivery windows in the recipient's local time: is marketing allowed now, and if not, when
does the window next open?

A window is wall-clock time ("08:00-20:00"), so whether an instant is inside depends on the
zone's offset at that instant: a spring-forward night skips part of the clock, a fall-back
night repeats an hour, and a window's edge can fall into either. We answer from tzdata through
zoneinfo and never read the clock: `now` is UTC epoch seconds.
"""

import functools
import math
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

_DAY = 24 * 3600
_FORMAT = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")
# Far enough to reach the next opening from anywhere: a day, plus the longest DST shift.
_HORIZON = 2 * _DAY


@attrs.frozen
class Window:
    """A daily window of local time, from `opens` (inside) to `closes` (outside), in seconds
    after local midnight. `opens` > `closes` is a window across midnight (22:00-06:00)."""

    opens: int
    closes: int

    @classmethod
    def parse(cls, text: str) -> "Window":
        """A window from "HH:MM-HH:MM"; "24:00" may end a window, "00:00-24:00" is all day."""
        match = _FORMAT.fullmatch(text.strip())
        if not match:
            raise ValueError(f"a window must be HH:MM-HH:MM such as 08:00-20:00, got {text!r}")
        opens_h, opens_m, closes_h, closes_m = (int(part) for part in match.groups())
        if opens_h > 23 or opens_m > 59 or closes_m > 59 or closes_h > 24 or (closes_h == 24 and closes_m):
            raise ValueError(f"a window's times must be 00:00 to 23:59 (or 24:00 to end it), got {text!r}")
        opens, closes = opens_h * 3600 + opens_m * 60, closes_h * 3600 + closes_m * 60
        if opens == closes:
            raise ValueError(f"a window must not open and close at the same time, got {text!r}")
        return cls(opens, closes)

    def __str__(self):
        return f"{_clock(self.opens)}-{_clock(self.closes)}"

    def contains_local(self, seconds_of_day: float) -> bool:
        if self.opens < self.closes:
            return self.opens <= seconds_of_day < self.closes
        return seconds_of_day >= self.opens or seconds_of_day < self.closes

    def is_open(self, now: float, time_zone: str) -> bool:
        """Whether the local time in `time_zone` at `now` falls inside the window."""
        local = datetime.fromtimestamp(now, _zone(time_zone))
        return self.contains_local(local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6)

    def next_opening(self, now: float, time_zone: str) -> float | None:
        """None when the window is open at `now` in `time_zone`; otherwise the UTC epoch seconds
        of the first instant after `now` at which it is open."""
        if self.is_open(now, time_zone):
            return None
        zone = _zone(time_zone)
        today = datetime.fromtimestamp(now, zone).date()
        opening = time(self.opens // 3600, self.opens // 60 % 60)
        # The wall-clock opening on each nearby day, under both readings of a repeated hour...
        candidates = [
            datetime.combine(today + timedelta(days=days), opening, zone).replace(fold=fold).timestamp()
            for days in (-1, 0, 1, 2)
            for fold in (0, 1)
        ]
        # ...and the instant the clock jumps: springing forward over the opening lands inside,
        # and falling back can bring the clock back into a window that had just closed.
        candidates.append(_next_shift(now, zone))
        later = [instant for instant in candidates if instant is not None and instant > now]
        return min(instant for instant in later if self.is_open(instant, time_zone))


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _next_shift(now: float, zone: ZoneInfo) -> float | None:
    """The first instant within the horizon when the zone's UTC offset changes, to the second.
    No zone shifts twice within two days, so comparing the ends finds any shift."""
    low, high = math.floor(now), math.ceil(now) + _HORIZON
    before = _offset(low, zone)
    if _offset(high, zone) == before:
        return None
    while high - low > 1:  # offsets change on whole seconds: narrow to the first new one
        middle = (low + high) // 2
        if _offset(middle, zone) == before:
            low = middle
        else:
            high = middle
    return float(high)


def _offset(instant: int, zone: ZoneInfo) -> timedelta:
    return datetime.fromtimestamp(instant, zone).utcoffset()
