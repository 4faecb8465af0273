"""Durations as people write them in flags and files: "90", "90s", "5m", "1h", "1m30s", "2.5s"."""

import re

_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = re.compile(rf"(?P<bare>{_NUMBER})|(?:(?P<h>{_NUMBER})h)?(?:(?P<m>{_NUMBER})m)?(?:(?P<s>{_NUMBER})s)?")


class Seconds(float):
    """A duration in a config file: a number of seconds, or a string parse_duration reads."""


def parse_duration(text: str) -> float:
    """Seconds in "90", "90s", "5m", "1h", "1m30s" or "2.5s"; ValueError otherwise."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"not a duration: {text!r} (write 90, 90s, 5m, 1h or 1m30s)")
    if match.group("bare"):
        return float(match.group("bare"))
    return sum(float(match.group(unit) or 0) * scale for unit, scale in (("h", 3600), ("m", 60), ("s", 1)))
