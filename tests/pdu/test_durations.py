"""Durations as people write them in flags and files."""

import pytest

from pdu.durations import parse_duration


@pytest.mark.parametrize("text, seconds", [("90", 90), ("90s", 90), ("5m", 300), ("1h", 3600), ("1m30s", 90), ("2.5s", 2.5), ("1h30m", 5400)])
def test_readings(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "1h30", "m", "-5s", "5 minutes"])
def test_mistakes(text):
    """A number after a unit must have its own unit: "1h30" is not guessed."""
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)
