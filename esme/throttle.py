"""A token bucket for the ESME's sending rate, counted per segment.

Computed from the clock's reading when asked, so it costs nothing while idle and needs no
timer per message: the sender asks how long to wait and sets one timer for the whole queue.
"""

import attrs


@attrs.define
class TokenBucket:
    rate: float  # tokens a second; 0 means no limit
    burst: int = 1  # the most tokens saved up while idle
    _tokens: float = attrs.field(init=False, default=None)
    _at: float = attrs.field(init=False, default=None)

    def _refill(self, now: float) -> None:
        if self._at is None:
            self._tokens, self._at = float(self.burst), now
            return
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now

    def wait(self, now: float, cost: int = 1) -> float:
        """Seconds until `cost` tokens are there (0.0: now)."""
        if not self.rate:
            return 0.0
        self._refill(now)
        missing = cost - self._tokens
        return 0.0 if missing <= 1e-9 else missing / self.rate

    def take(self, now: float, cost: int = 1) -> bool:
        """Spend `cost` tokens if they are there; False (and nothing spent) if not."""
        if not self.rate:
            return True
        if self.wait(now, cost) > 0.0:
            return False
        self._tokens -= cost
        return True
