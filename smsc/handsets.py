"""What a delivery attempt meets at the handset: on, switched off, out of coverage, SIM full,
unknown or barred.

Reserved test numbers decide first (by suffix), so a QA engineer can trigger each outcome on
purpose. Other numbers follow the configured churn: unknown and barred numbers are fixed per
number (the same number always fails the same way), the passing states are drawn per attempt
and then last for a while, for every message to that handset.
"""

import enum
import zlib

import attrs

from smsc import network_config
from smsc.lifecycle import MapError


class HandsetState(enum.Enum):
    ON = "on"
    ABSENT = "absent"
    OUT_OF_COVERAGE = "out_of_coverage"
    SIM_FULL = "sim_full"
    UNKNOWN = "unknown"
    BARRED = "barred"


ERRORS = {
    HandsetState.ON: MapError.NONE,
    HandsetState.ABSENT: MapError.ABSENT_SUBSCRIBER,
    HandsetState.OUT_OF_COVERAGE: MapError.ABSENT_SUBSCRIBER,
    HandsetState.SIM_FULL: MapError.SM_DELIVERY_FAILURE,
    HandsetState.UNKNOWN: MapError.UNKNOWN_SUBSCRIBER,
    HandsetState.BARRED: MapError.CALL_BARRED,
}
PERMANENT = frozenset({HandsetState.UNKNOWN, HandsetState.BARRED})


@attrs.frozen
class Meeting:
    """The handset's state at one attempt, and until when it lasts (None: for ever)."""

    state: HandsetState
    until: float | None = None

    @property
    def error(self) -> MapError:
        return ERRORS[self.state]


class Handsets:
    def __init__(self, config: network_config.Network, rng):
        self.churn = config.handsets  # may change at run time (handsets churning): later draws follow it
        self._rng = rng
        self._by_suffix = {number.suffix: number for number in config.test_numbers}
        self._suffix_lengths = sorted({len(suffix) for suffix in self._by_suffix}, reverse=True)
        self._stays: dict[str, Meeting] = {}  # handsets in a passing state, until it ends
        self._tidy_above = 1024  # forget ended stays when the table grows past this

    def test_number(self, number: str) -> network_config.TestNumber | None:
        for length in self._suffix_lengths:
            found = self._by_suffix.get(number[-length:])
            if found is not None:
                return found
        return None

    def meet(self, number: str, now: float, first_attempt_at: float) -> Meeting:
        """The state an attempt finds now. A test number's passing state starts at the
        message's first attempt, so every message to it tells the same story."""
        test = self.test_number(number)
        if test is not None:
            state = HandsetState(test.outcome)
            if state is HandsetState.ON or state in PERMANENT or test.minutes is None:
                return Meeting(state)
            until = first_attempt_at + test.minutes * 60.0
            return Meeting(state, until) if now < until else Meeting(HandsetState.ON)
        permanent = self._permanent(number)
        if permanent is not None:
            return Meeting(permanent)
        stay = self._stays.get(number)
        if stay is not None:
            if now < stay.until:
                return stay
            del self._stays[number]
        return self._draw(number, now)

    def away(self) -> int:
        """Handsets in a passing state right now (switched off, out of coverage, SIM full)."""
        return len(self._stays)

    def _forget_ended(self, now: float) -> None:
        # Amortised: a scan only each time the table has doubled, so each stay costs O(1).
        self._stays = {number: stay for number, stay in self._stays.items() if now < stay.until}
        self._tidy_above = max(1024, 2 * len(self._stays))

    def _permanent(self, number: str) -> HandsetState | None:
        # A fixed point in [0, 1) per number: the same number is always unknown or never.
        point = zlib.crc32(number.encode("ascii", "replace")) / 2**32
        if point < self.churn.unknown_share:
            return HandsetState.UNKNOWN
        if point < self.churn.unknown_share + self.churn.barred_share:
            return HandsetState.BARRED
        return None

    def _draw(self, number: str, now: float) -> Meeting:
        draw = self._rng.random()
        for state, churn in (
            (HandsetState.ABSENT, self.churn.absent),
            (HandsetState.OUT_OF_COVERAGE, self.churn.out_of_coverage),
            (HandsetState.SIM_FULL, self.churn.sim_full),
        ):
            if draw < churn.share:
                stay = Meeting(state, now + self._rng.expovariate(1.0 / (churn.minutes * 60.0)))
                self._stays[number] = stay
                if len(self._stays) > self._tidy_above:
                    self._forget_ended(now)
                return stay
            draw -= churn.share
        return Meeting(HandsetState.ON)
