"""Screening destination numbers against phonenumbers' real metadata."""

import pytest

from smsc.policy import numbers
from smsc.policy.numbers import Refused, Screened, screen


class TestValidNumbers:
    @pytest.mark.parametrize(
        "digits, e164, region, zone",
        [
            ("8613800138000", "+8613800138000", "CN", "Asia/Shanghai"),  # China Mobile
            ("8618912345678", "+8618912345678", "CN", "Asia/Shanghai"),  # China Telecom
            ("862012345678", "+862012345678", "CN", "Asia/Shanghai"),  # Guangzhou fixed line
            ("12125550123", "+12125550123", "US", "America/New_York"),  # Manhattan
            ("16505550123", "+16505550123", "US", "America/Los_Angeles"),  # Mountain View
            ("447400123456", "+447400123456", "GB", "Europe/London"),  # mobile
            ("442079460000", "+442079460000", "GB", "Europe/London"),  # London fixed line
            ("919876543210", "+919876543210", "IN", "Asia/Calcutta"),
            ("14165550123", "+14165550123", "CA", "America/Toronto"),  # same +1, another region
        ],
    )
    def test_international_numbers_are_screened(self, digits, e164, region, zone):
        """TON 1 digits without "+" give E.164, the region that owns the number and its zone."""
        assert screen(digits, 1) == Screened(e164, region, zone)

    def test_several_zones_prefer_where_most_subscribers_live(self):
        """A Russian mobile spans eleven zones; Moscow's is chosen, not the alphabetically first."""
        assert screen("79161234567", 1).time_zone == "Europe/Moscow"

    def test_non_geographic_numbers_ring_in_utc(self):
        """+800 freephone belongs to no country: region 001, time zone UTC."""
        assert screen("80012345678", 1) == Screened("+80012345678", "001", "UTC")

    def test_leading_plus_is_tolerated(self):
        """Some ESMEs put the "+" into the address; it is read as if absent."""
        assert screen("+8613800138000", 1) == screen("8613800138000", 1)

    def test_trunk_zero_after_country_code_is_dropped(self):
        """"44 0 20..." is read as +44 20..., as phonenumbers does, so e164 may differ from the digits."""
        assert screen("4402079460000", 1).e164 == "+442079460000"


class TestInvalidNumbers:
    @pytest.mark.parametrize(
        "digits, reason",
        [
            ("86123", "not a valid number for CN: too short"),
            ("8613800138000123", "not a valid number for CN: too long"),
            ("861380013800", "not a valid number for CN: the right length, but in no assigned number range"),
            ("1212555012", "not a valid number for US: too short"),
            ("121255501234", "not a valid number for US: too long"),
            ("11125550123", "not a valid number for US: the right length, but in no assigned number range"),
            ("4420794600", "not a valid number for GB: too short; a local number without its area code"),
            ("4479111234567", "not a valid number for GB: too long"),
            ("9198765", "not a valid number for IN: too short"),
            ("910123456789", "not a valid number for IN: the right length, but in no assigned number range"),
        ],
    )
    def test_invalid_numbers_say_why(self, digits, reason):
        """A number of a known country that is not assigned names the country and the fault."""
        assert screen(digits, 1) == Refused(reason)

    def test_unknown_country_code(self):
        """No calling code starts 999."""
        assert screen("999123456", 1) == Refused("unknown country calling code 999")

    def test_letters(self):
        """An alphanumeric id sent as a destination is not a number."""
        assert screen("86abc", 1) == Refused("not a number: contains letters")

    def test_punctuation(self):
        """SMPP digits carry no spaces or dashes; the first stray character is named."""
        assert screen("86 138 0013 8000", 1) == Refused("not a number: contains ' '")

    def test_empty(self):
        assert screen("", 1) == Refused("not a number: empty")

    def test_bare_country_code(self):
        """Just "86" is too short to be anything."""
        assert screen("86", 1) == Refused("not a valid number: too short")

    def test_absurdly_long(self):
        """More digits than any numbering plan allows fails before the country is read."""
        assert screen("1234567890123456789012", 1) == Refused("not a valid number: too long")


class TestTypeOfNumber:
    def test_unknown_ton_is_read_as_international_first(self):
        """TON 0 digits that form a valid international number are taken as such, region or not."""
        assert screen("8613800138000", 0) == screen("8613800138000", 1)
        assert screen("8613800138000", 0, "US").region == "CN"

    def test_unknown_ton_falls_back_to_the_national_region(self):
        """TON 0 digits that are no international number are read as national to the region."""
        assert screen("13800138000", 0, "CN") == Screened("+8613800138000", "CN", "Asia/Shanghai")
        assert screen("07400123456", 0, "GB").e164 == "+447400123456"

    def test_unknown_ton_with_international_prefix(self):
        """China's 00 international prefix is understood when reading the national way."""
        assert screen("008613800138000", 0, "CN").e164 == "+8613800138000"

    def test_unknown_ton_without_a_region_is_international_only(self):
        """With no national region, a Chinese national mobile is an unassigned +1 number."""
        refused = screen("13800138000", 0)
        assert refused == Refused("not a valid number for US: the right length, but in no assigned number range")

    def test_unknown_ton_refused_both_ways_gives_both_reasons(self):
        refused = screen("1380013800", 0, "CN")
        assert refused == Refused(
            "neither international (not a valid number for US: too short) "
            "nor national (not a valid number for CN: the right length, but in no assigned number range)"
        )

    def test_national_ton_needs_a_region(self):
        assert screen("13800138000", 2, "CN").e164 == "+8613800138000"
        assert screen("13800138000", 2) == Refused(
            "a national number (TON 2), but no national region is configured to read it"
        )

    def test_national_ton_with_the_country_code_in_front(self):
        """phonenumbers recognises the region's own country code before a national number."""
        assert screen("8613800138000", 2, "CN").e164 == "+8613800138000"

    def test_national_ton_is_not_read_as_international(self):
        """TON 2 digits are read for the national region only, even when another country's."""
        assert screen("12125550123", 1).region == "US"
        assert screen("12125550123", 2, "CN") == Refused(
            "not a valid number for CN: the right length, but in no assigned number range"
        )

    def test_other_tons_are_not_screened(self):
        assert screen("ACME", 5) == Refused("type of number 5 (alphanumeric) is not a phone number we can screen")
        assert screen("1234", 6) == Refused("type of number 6 (abbreviated) is not a phone number we can screen")


class TestCache:
    def test_repeated_numbers_are_served_from_the_cache(self):
        """The second screening of an address costs a dictionary look-up, not a parse."""
        numbers.clear_cache()
        first = screen("8613800138000", 1)
        second = screen("8613800138000", 1)
        assert first is second
        info = numbers.cache_info()
        assert (info.hits, info.misses, info.maxsize) == (1, 1, numbers.CACHE_SIZE)

    def test_the_key_includes_ton_and_region(self):
        """The same digits under another TON or region are screened afresh, and may differ."""
        assert screen("13800138000", 2, "CN") != screen("13800138000", 0)
