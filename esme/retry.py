"""What to do with a submit that did not get ESME_ROK: retry it later, or report it.

The statuses that mean "not taken, try later" are retried up to `max_retries`. A submit whose
response never came (timeout, lost link) is retried only when `timeout_retries` allows, 0 by
default: the SMSC may have stored it, and a second submit would send a second copy to the
handset. Past that limit its outcome is reported as unknown, not guessed.
"""

import attrs

from esme.settings import Settings


@attrs.frozen
class Retry:
    delay: float  # seconds from now


@attrs.frozen
class GiveUp:
    reason: str  # "refused", "retries exhausted", "unknown"


def decide(settings: Settings, status: int | None, attempts: int, rng, unanswered: int = 0) -> Retry | GiveUp:
    """The decision after the `attempts`-th try got `status` (None: no response came, which
    makes `unanswered` tries so far)."""
    if status is None:
        if unanswered > settings.timeout_retries:
            return GiveUp("unknown")
        return Retry(backoff(settings.retry_delay, settings.retry_delay_max, attempts, rng))
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
