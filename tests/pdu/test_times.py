"""SMPP absolute and relative times resolved against the SMSC's clock."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pdu import times

NOW = datetime.datetime(2026, 11, 22, 9, 30, tzinfo=datetime.timezone.utc)


class TestResolve:
    def test_empty_is_none(self):
        """An empty time field means 'immediately' or 'the SMSC default'."""
        assert times.resolve("", NOW) is None

    def test_relative(self):
        """000001020304000R is 1 day 2 h 3 min 4 s from now."""
        assert times.resolve("000001020304000R", NOW) == NOW + datetime.timedelta(days=1, hours=2, minutes=3, seconds=4)

    def test_relative_months_and_years_are_30_and_365_days(self):
        """Months and years count 30 and 365 days."""
        assert times.resolve("010200000000000R", NOW) == NOW + datetime.timedelta(days=365 + 60)

    def test_absolute_with_offset(self):
        """261122173000032+ is 17:30 at UTC+8 (32 quarter hours), so 09:30 UTC."""
        assert times.resolve("261122173000032+", NOW) == NOW

    def test_tenths(self):
        """The tenths digit becomes 100 ms steps."""
        assert times.resolve("261122093000500+", NOW) == NOW + datetime.timedelta(milliseconds=500)

    @pytest.mark.parametrize(
        "value", ["2611220930000", "261322093000000+", "261122093000049+", "26112209300000X+", "00000100000000XR"]
    )
    def test_invalid(self, value):
        """Wrong length, month 13, offset over 48, letters: all named errors."""
        with pytest.raises(times.InvalidTime):
            times.resolve(value, NOW)

    @given(st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2099, 12, 31)))
    def test_absolute_round_trip(self, moment):
        """Writing a UTC moment and reading it back loses only what tenths cannot hold."""
        moment = moment.replace(microsecond=moment.microsecond // 100_000 * 100_000, tzinfo=datetime.timezone.utc)
        assert times.resolve(times.absolute(moment), NOW) == moment


class TestRelative:
    def test_written(self):
        """90 minutes is 000000013000000R."""
        assert times.relative(5400) == "000000013000000R"

    @given(st.integers(min_value=1, max_value=99 * 86400))
    def test_round_trip(self, seconds):
        """A written duration resolves to the moment that many seconds later."""
        assert times.resolve(times.relative(seconds), NOW) == NOW + datetime.timedelta(seconds=seconds)

    @pytest.mark.parametrize("seconds", [0, -5, 100 * 86400])
    def test_out_of_range(self, seconds):
        """Nothing, a negative time or 100 days cannot be written."""
        with pytest.raises(ValueError):
            times.relative(seconds)
