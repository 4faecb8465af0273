"""Delivery windows in local time, across midnight and daylight-saving shifts."""

import math
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings, strategies as st

from smsc.policy.quiet_hours import Window


def utc(*parts) -> float:
    return datetime(*parts, tzinfo=timezone.utc).timestamp()


def local(zone: str, *parts, fold=0) -> float:
    return datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold).timestamp()


class TestParse:
    def test_a_day_window(self):
        window = Window.parse("08:00-20:00")
        assert (window.opens, window.closes) == (8 * 3600, 20 * 3600)
        assert str(window) == "08:00-20:00"

    def test_a_window_across_midnight(self):
        assert Window.parse("22:30-06:00") == Window(22 * 3600 + 1800, 6 * 3600)

    def test_24_00_ends_a_day(self):
        assert Window.parse("00:00-24:00") == Window(0, 24 * 3600)

    @pytest.mark.parametrize(
        "text, message",
        [
            ("8:00-20:00", "a window must be HH:MM-HH:MM such as 08:00-20:00, got '8:00-20:00'"),
            ("08:00", "a window must be HH:MM-HH:MM such as 08:00-20:00, got '08:00'"),
            ("", "a window must be HH:MM-HH:MM such as 08:00-20:00, got ''"),
            ("08:00–20:00", "a window must be HH:MM-HH:MM such as 08:00-20:00, got '08:00–20:00'"),  # en dash
            ("25:00-20:00", "a window's times must be 00:00 to 23:59 (or 24:00 to end it), got '25:00-20:00'"),
            ("08:60-20:00", "a window's times must be 00:00 to 23:59 (or 24:00 to end it), got '08:60-20:00'"),
            ("24:00-08:00", "a window's times must be 00:00 to 23:59 (or 24:00 to end it), got '24:00-08:00'"),
            ("08:00-24:30", "a window's times must be 00:00 to 23:59 (or 24:00 to end it), got '08:00-24:30'"),
            ("08:00-08:00", "a window must not open and close at the same time, got '08:00-08:00'"),
        ],
    )
    def test_bad_windows_say_what_is_expected(self, text, message):
        with pytest.raises(ValueError) as caught:
            Window.parse(text)
        assert str(caught.value) == message


class TestShanghai:
    """China keeps one offset all year, UTC+8."""

    window = Window.parse("08:00-20:00")

    def test_inside_the_window(self):
        """17:30 in Shanghai (09:30 UTC) is inside 08:00-20:00: deliver now."""
        assert self.window.next_opening(utc(2026, 11, 22, 9, 30), "Asia/Shanghai") is None

    def test_evening_waits_for_next_morning(self):
        """20:30 in Shanghai waits until 08:00 the next day, 00:00 UTC."""
        assert self.window.next_opening(utc(2026, 11, 22, 12, 30), "Asia/Shanghai") == utc(2026, 11, 23, 0, 0)

    def test_early_morning_waits_for_the_same_day(self):
        """06:00 in Shanghai waits two hours."""
        assert self.window.next_opening(utc(2026, 11, 21, 22, 0), "Asia/Shanghai") == utc(2026, 11, 22, 0, 0)

    def test_closing_time_is_outside(self):
        """At exactly 20:00 the window has closed."""
        assert self.window.next_opening(utc(2026, 11, 22, 12, 0), "Asia/Shanghai") == utc(2026, 11, 23, 0, 0)

    def test_opening_time_is_inside(self):
        assert self.window.next_opening(utc(2026, 11, 22, 0, 0), "Asia/Shanghai") is None

    def test_the_same_instant_differs_by_zone(self):
        """09:30 UTC is 17:30 in Shanghai but 04:30 in New York."""
        now = utc(2026, 11, 22, 9, 30)
        assert self.window.is_open(now, "Asia/Shanghai")
        assert not self.window.is_open(now, "America/New_York")
        assert self.window.next_opening(now, "America/New_York") == local("America/New_York", 2026, 11, 22, 8, 0)


class TestAcrossMidnight:
    window = Window.parse("22:00-06:00")

    def test_late_evening_and_early_morning_are_inside(self):
        assert self.window.is_open(local("Asia/Shanghai", 2026, 11, 22, 23, 0), "Asia/Shanghai")
        assert self.window.is_open(local("Asia/Shanghai", 2026, 11, 22, 5, 59), "Asia/Shanghai")

    def test_daytime_waits_for_the_evening(self):
        now = local("Asia/Shanghai", 2026, 11, 22, 6, 0)
        assert self.window.next_opening(now, "Asia/Shanghai") == local("Asia/Shanghai", 2026, 11, 22, 22, 0)


class TestNewYorkDaylightSaving:
    """New York springs forward at 02:00 on 8 March 2026 and falls back at 02:00 on 1 November."""

    def test_spring_forward_over_the_opening_opens_at_the_jump(self):
        """A window opening at 02:30 opens at 03:00 EDT on the night 02:30 does not exist."""
        window = Window.parse("02:30-20:00")
        now = local("America/New_York", 2026, 3, 8, 1, 0)
        assert window.next_opening(now, "America/New_York") == utc(2026, 3, 8, 7, 0)  # 03:00 EDT

    def test_spring_forward_night_is_an_hour_shorter(self):
        """From 20:00 EST on 7 March to 08:00 EDT is eleven hours, not twelve."""
        window = Window.parse("08:00-20:00")
        now = local("America/New_York", 2026, 3, 7, 20, 0)
        assert window.next_opening(now, "America/New_York") - now == 11 * 3600

    def test_fall_back_night_is_an_hour_longer(self):
        """From 21:00 EDT on 31 October to 08:00 EST is twelve hours, not eleven."""
        window = Window.parse("08:00-21:00")
        now = local("America/New_York", 2026, 10, 31, 21, 0)
        assert window.next_opening(now, "America/New_York") == utc(2026, 11, 1, 13, 0)
        assert window.next_opening(now, "America/New_York") - now == 12 * 3600

    def test_falling_back_reopens_a_window_that_had_just_closed(self):
        """20:00-01:30 closes at 01:30 EDT; at 02:00 EDT the clock falls back to 01:00 EST, inside again."""
        window = Window.parse("20:00-01:30")
        now = local("America/New_York", 2026, 11, 1, 1, 45, fold=0)  # 01:45 EDT
        assert window.next_opening(now, "America/New_York") == utc(2026, 11, 1, 6, 0)  # 01:00 EST

    def test_an_opening_in_the_repeated_hour_is_its_first_occurrence(self):
        window = Window.parse("01:30-20:00")
        now = local("America/New_York", 2026, 11, 1, 0, 30)
        assert window.next_opening(now, "America/New_York") == utc(2026, 11, 1, 5, 30)  # 01:30 EDT


def _open_by_wall_clock(window: Window, instant: float, zone: str) -> bool:
    """An independent reading of 'open': the local hour and minute against the window's."""
    wall = datetime.fromtimestamp(instant, ZoneInfo(zone))
    minute = wall.hour * 60 + wall.minute
    opens, closes = window.opens // 60, window.closes // 60
    return opens <= minute < closes if opens < closes else (minute >= opens or minute < closes)


_windows = st.builds(
    lambda opens, length: Window(opens * 60, (opens + length) * 60 if opens + length <= 1440 else (opens + length - 1440) * 60),
    st.integers(0, 1439),
    st.integers(1, 1439),
)
# Around both 2026 New York shifts and Lord Howe's half-hour ones (5 April, 4 October).
_instants = st.one_of(
    st.floats(utc(2026, 3, 6), utc(2026, 3, 10)),
    st.floats(utc(2026, 10, 30), utc(2026, 11, 3)),
    st.floats(utc(2026, 4, 3), utc(2026, 4, 7)),
    st.floats(utc(2026, 10, 2), utc(2026, 10, 6)),
    st.floats(utc(2026, 1, 1), utc(2027, 1, 1)),
)
_zones = st.sampled_from(["America/New_York", "Asia/Shanghai", "Australia/Lord_Howe", "Europe/London"])


class TestAnyWindow:
    @settings(max_examples=300, deadline=None)
    @given(window=_windows, now=_instants, zone=_zones)
    # Random windows rarely put an edge inside a shifted hour; these two do.
    @example(window=Window.parse("02:30-20:00"), now=utc(2026, 3, 8, 6, 0), zone="America/New_York")
    @example(window=Window.parse("20:00-01:30"), now=utc(2026, 11, 1, 5, 45), zone="America/New_York")
    def test_next_opening_is_the_first_open_instant(self, window, now, zone):
        """The answer is None exactly when open; otherwise it is open, later than now, and no
        whole minute between now and it is open (the state only changes on whole minutes)."""
        opening = window.next_opening(now, zone)
        if _open_by_wall_clock(window, now, zone):
            assert opening is None
            return
        assert opening is not None and opening > now
        assert _open_by_wall_clock(window, opening, zone)
        minute = math.ceil(now / 60) * 60
        while minute < opening:
            assert not _open_by_wall_clock(window, minute, zone), datetime.fromtimestamp(minute, ZoneInfo(zone))
            minute += 60
