"""How an SMSC has been answering lately, so that traffic can go where it is taken: a bound
link that answers promptly is UP; one that answered "later" (0x58, 0x14) is THROTTLING until
the backoff it asked for has passed; one whose answers are slow, or that owes answers and has
said nothing for `slow_after` seconds, is SLOW; an unbound one is DOWN.

Slowness is forgotten once nothing has been heard for RECENT × slow_after (the router sent it
nothing meanwhile): it is tried again, and is SLOW again soon if it still is."""

import enum


class Condition(enum.Enum):
    UP = "up"
    SLOW = "slow"
    THROTTLING = "throttling"
    DOWN = "down"


SMOOTHING = 0.2  # weight of the newest response time in the running mean
RECENT = 3  # slow_afters after which a slow answer is old news


class Health:
    def __init__(self, slow_after: float):
        self.slow_after = slow_after
        self.latency = 0.0  # smoothed seconds from submit to response
        self.heard = 0.0  # last response, bind, or first submit after an idle spell
        self.throttled_until = float("-inf")

    def bound(self, now: float) -> None:
        self.latency, self.heard, self.throttled_until = 0.0, now, float("-inf")

    def sent(self, now: float, owed_before: int) -> None:
        if not owed_before:  # nothing was owed: silence until now was not the SMSC's fault
            self.heard = now

    def answered(self, now: float, latency: float) -> None:
        self.heard = now
        self.latency += SMOOTHING * (latency - self.latency)

    def throttled(self, now: float, backoff: float) -> None:
        self.throttled_until = max(self.throttled_until, now + backoff)

    def condition(self, now: float, owed: int) -> Condition:
        if now < self.throttled_until:
            return Condition.THROTTLING
        silent = now - self.heard
        if owed and silent > self.slow_after:
            return Condition.SLOW
        if self.latency > self.slow_after and silent <= RECENT * self.slow_after:
            return Condition.SLOW
        return Condition.UP
