"""SMPP time strings (SMPP 3.4 section 7.1.1): absolute `YYMMDDhhmmsstnnp` and relative
`YYMMDDhhmmss000R`, read into UTC datetimes given the SMSC's current time.

Relative years and months have no fixed length; we count 365 and 30 days, as SMSCs do.
"""

import datetime
import re

import attrs

_ABSOLUTE = re.compile(r"^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+-])$")
_RELATIVE = re.compile(r"^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})R$")


@attrs.frozen
class InvalidTime(ValueError):
    value: str
    reason: str

    def __str__(self):
        return f"invalid SMPP time {self.value!r}: {self.reason}"


def resolve(value: str, now: datetime.datetime) -> datetime.datetime | None:
    """The UTC moment an SMPP time string names ("" names none). now must be aware (UTC)."""
    if not value:
        return None
    relative = _RELATIVE.match(value)
    if relative:
        years, months, days, hours, minutes, seconds = (int(part) for part in relative.groups()[:6])
        return now + datetime.timedelta(
            days=years * 365 + months * 30 + days, hours=hours, minutes=minutes, seconds=seconds
        )
    absolute = _ABSOLUTE.match(value)
    if not absolute:
        raise InvalidTime(value, "expected YYMMDDhhmmsstnnp or YYMMDDhhmmss000R")
    year, month, day, hour, minute, second, tenths, quarters, sign = absolute.groups()
    if int(quarters) > 48:
        raise InvalidTime(value, "the UTC offset is more than 48 quarter hours")
    offset = datetime.timedelta(minutes=15 * int(quarters)) * (-1 if sign == "-" else 1)
    try:
        local = datetime.datetime(
            2000 + int(year), int(month), int(day), int(hour), int(minute), int(second),
            int(tenths) * 100_000, tzinfo=datetime.timezone(offset),
        )  # fmt: skip
    except ValueError as error:
        raise InvalidTime(value, str(error)) from None
    return local.astimezone(datetime.timezone.utc)


def utc(seconds: float) -> datetime.datetime:
    """An aware UTC datetime for a clock reading in seconds since the epoch."""
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)


def absolute(moment: datetime.datetime) -> str:
    """An aware datetime as an absolute SMPP time in UTC (`...000+`)."""
    utc = moment.astimezone(datetime.timezone.utc)
    return utc.strftime("%y%m%d%H%M%S") + f"{utc.microsecond // 100_000}00+"


def relative(seconds: float) -> str:
    """A duration as a relative SMPP time (`YYMMDDhhmmss000R`), whole seconds, counted in
    days, hours, minutes and seconds (no months or years, which have no fixed length)."""
    if not 0 < seconds < 100 * 86400:
        raise ValueError(f"a relative SMPP time holds 1 s to 99 days, got {seconds} s")
    days, rest = divmod(round(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"0000{days:02d}{hours:02d}{minutes:02d}{seconds:02d}000R"


def iso(seconds: float | None) -> str | None:
    """Clock seconds as ISO 8601 UTC to the millisecond: 2026-11-22T09:30:00.000Z."""
    if seconds is None:
        return None
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
