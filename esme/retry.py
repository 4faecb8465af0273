"""What to do with a submit that did not get ESME_ROK: retry it later, or report it.

Only the statuses that mean "not taken, try later" are retried. A submit whose response never
came is NOT retried: the SMSC may have stored it, and a blind resubmit would send a second
copy to the handset. Its outcome is reported as unknown instead.
"""

import attrs

from esme.settings import Settings


@attrs.frozen
class Retry:
    delay: float  # seconds from now


@attrs.frozen
class GiveUp:
    reason: str  # "refused", "retries exhausted", "unknown"


def decide(settings: Settings, status: int | None, attempts: int, rng) -> Retry | GiveUp:
    """The decision after the `attempts`-th try got `status` (None: the response timed out)."""
    if status is None:
        return GiveUp("unknown")
    if status not in settings.retry_statuses:
        return GiveUp("refused")
    if attempts > settings.max_retries:
        return GiveUp("retries exhausted")
    return Retry(backoff(settings.retry_delay, settings.retry_delay_max, attempts, rng))


def backoff(first: float, most: float, attempts: int, rng) -> float:
    """Exponential backoff with jitter (a half to the full delay), so that many senders
    throttled together do not come back together."""
    delay = min(most, first * 2 ** max(0, attempts - 1))
    return delay * (0.5 + rng.random() / 2)
