"""Screening destination numbers: is this SMPP address a real, assigned phone number, and
where (region, time zone) does it ring?

Built on phonenumbers (Google's libphonenumber metadata). Parsing costs tens of microseconds,
which the submit path pays for every message, so results are cached per address; the same
campaigns send to the same numbers again and again.
"""

import functools
import zoneinfo

import attrs
from phonenumbers import timezone as number_zones

from pdu.fields import TON_NAMES
from pdu.numbers import read

CACHE_SIZE = 100_000  # numbers; ~35 MB when full (~340 bytes an entry), and most campaigns fit

TON_UNKNOWN, TON_INTERNATIONAL, TON_NATIONAL = 0, 1, 2

# When phonenumbers gives several zones for a number (Russian and Kazakh mobiles are not tied
# to a place; Australian mobiles neither), we pick the zone where most subscribers live rather
# than the alphabetically first, which for Russia would be Asia/Anadyr, nine hours off Moscow.
# A region not listed here gets the first zone phonenumbers gives.
PREFERRED_ZONES = {
    "RU": "Europe/Moscow",
    "KZ": "Asia/Almaty",
    "AU": "Australia/Sydney",
    "US": "America/New_York",
    "CA": "America/Toronto",
    "BR": "America/Sao_Paulo",
    "MX": "America/Mexico_City",
    "ID": "Asia/Jakarta",
    "GB": "Europe/London",
}


@attrs.frozen
class Screened:
    """A number that phonenumbers knows as assigned, with where it rings."""

    e164: str  # "+8613800138000"
    region: str  # ISO 3166 code, "CN"; "001" for non-geographic numbers such as +800
    time_zone: str  # IANA name, "Asia/Shanghai"; "UTC" when phonenumbers cannot tell


@attrs.frozen
class Refused:
    """A destination that is not a usable phone number, and why, in words for a QA engineer."""

    reason: str


def screen(digits: str, ton: int, national_region: str | None = None) -> Screened | Refused:
    """Screen an SMPP destination address.

    TON 1 (international): digits with the country code and no "+". TON 0 (unknown): tried as
    international first, as ESMEs mostly send it that way, then as a national number of
    `national_region` when one is configured. TON 2 (national): a number of `national_region`.
    """
    return _screen(digits, ton, national_region)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _screen(digits: str, ton: int, national_region: str | None) -> Screened | Refused:
    if ton not in (TON_UNKNOWN, TON_INTERNATIONAL, TON_NATIONAL):
        name = TON_NAMES.get(ton, "unassigned")
        return Refused(f"type of number {ton} ({name}) is not a phone number we can screen")
    digits = digits.removeprefix("+")
    junk = _not_digits(digits)
    if junk:
        return Refused(f"not a number: {junk}")
    if ton == TON_INTERNATIONAL:
        return _parse("+" + digits, None)
    if ton == TON_NATIONAL:
        if national_region is None:
            return Refused("a national number (TON 2), but no national region is configured to read it")
        return _parse(digits, national_region)
    international = _parse("+" + digits, None)
    if isinstance(international, Screened) or national_region is None:
        return international
    national = _parse(digits, national_region)
    if isinstance(national, Screened):
        return national
    return Refused(f"neither international ({international.reason}) nor national ({national.reason})")


def cache_info():
    """Hits, misses and size of the screening cache, for stats and tests."""
    return _screen.cache_info()


def clear_cache():
    _screen.cache_clear()


def _not_digits(digits: str) -> str:
    if not digits:
        return "empty"
    if digits.isdigit() and digits.isascii():
        return ""
    if any(char.isalpha() for char in digits):
        return "contains letters"
    stray = next(char for char in digits if not (char.isdigit() and char.isascii()))
    return f"contains {stray!r}"


def _parse(text: str, region: str | None) -> Screened | Refused:
    found = read(text, region)
    if isinstance(found, str):
        return Refused(found)
    return Screened(found.e164, found.region, _time_zone(found.parsed, found.region))


def _time_zone(number, region: str) -> str:
    zones = [zone for zone in number_zones.time_zones_for_number(number) if zone != number_zones.UNKNOWN_TIMEZONE]
    preferred = PREFERRED_ZONES.get(region)
    zone = preferred if preferred in zones else (zones[0] if zones else "UTC")
    return zone if _known_zone(zone) else "UTC"


@functools.cache
def _known_zone(name: str) -> bool:
    # phonenumbers may name a zone (Asia/Calcutta) a trimmed tzdata lacks; quiet hours then
    # fall back to UTC rather than fail on every message to the country.
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
