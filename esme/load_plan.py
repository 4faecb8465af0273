"""The offered load of `esme load`: when each message is due, as pure arithmetic.

The load is open-loop: message n goes out when the schedule says, whatever became of the
ones before it, so a slow SMSC shows up as latency and backlog instead of as a quietly lower
offered rate. The rate is in segments a second (what carriers bill and throttle), rising
linearly from 0 to `rate` over the first `ramp` seconds, then flat until `duration`.
"""

import math

import attrs

from pdu.validators import positive

# A tolerance for float sums: 200/s for 2 s offers 400 messages, not 401.
_EPSILON = 1e-9


@attrs.frozen
class Plan:
    """The schedule of one run; times are seconds from its start."""

    rate: float = attrs.field(validator=positive)  # segments a second once the ramp is over
    duration: float = attrs.field(validator=positive)
    ramp: float = attrs.field(default=0.0)
    segments: int = attrs.field(default=1, validator=positive)  # of each message

    @ramp.validator
    def _ramp_inside_the_run(self, attribute, value):
        if not 0 <= value < self.duration:
            raise ValueError(f"the ramp ({value:g} s) must be shorter than the run ({self.duration:g} s)")

    def offered_by(self, elapsed: float) -> float:
        """Segments the schedule has offered `elapsed` seconds into the run."""
        t = min(max(elapsed, 0.0), self.duration)
        if t < self.ramp:
            return self.rate * t * t / (2 * self.ramp)  # the area under a rate rising linearly
        return self.rate * (t - self.ramp / 2)

    def due(self, n: int) -> float:
        """When message n (from 0) is due: when offered_by reaches its first segment."""
        before = n * self.segments
        if before < self.rate * self.ramp / 2:
            return math.sqrt(2 * self.ramp * before / self.rate)
        return before / self.rate + self.ramp / 2

    @property
    def messages(self) -> int:
        """How many messages the run offers: those due before it ends."""
        return math.ceil(self.offered_by(self.duration) / self.segments - _EPSILON)

    @property
    def steady(self) -> tuple[float, float]:
        """The part of the run at full rate, where the achieved rate is judged."""
        return self.ramp, self.duration
