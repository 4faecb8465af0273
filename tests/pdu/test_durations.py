"""Durations as people write them in flags and files."""

import pytest

from pdu.durations import parse_duration

READINGS = [("90", 90), ("90s", 90), ("5m", 300), ("1h", 3600), ("1m30s", 90), ("2.5s", 2.5), ("1h30m", 5400), ("1h2m3s", 3723), (" 10S ", 10)]


@pytest.mark.parametrize("text, seconds", READINGS)
def test_readings(text, seconds):
    """Seconds bare or with s, minutes, hours, and their combinations, in either case."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "ten", "1h30", "m", "s", "m5", "1d", "-5s", "-3", "5 m", "5 minutes"])
def test_mistakes(text):
    """Anything else is refused with the forms that work; a number after a unit must have its
    own unit: "1h30" is not guessed."""
    with pytest.raises(ValueError, match=r"not a duration: .* \(write 90, 90s, 5m, 1h or 1m30s\)"):
        parse_duration(text)
