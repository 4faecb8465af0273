"""Per-country rules: the shipped table, config overrides, sender ids and length caps."""

import tomllib

import attrs
import pytest

from pdu.fields import Address
from smsc.config_file import ConfigError, structure_part
from smsc.policy.countries import (
    DEFAULT_COUNTRIES,
    FALLBACK,
    CountryRules,
    QuietHoursAction,
    SenderKind,
    check_length,
    check_sender,
    classify_sender,
    rules_for,
)
from smsc.policy.quiet_hours import Window

ALPHA, INTERNATIONAL, UNKNOWN, NETWORK, ABBREVIATED = 5, 1, 0, 3, 6


class TestDefaults:
    def test_china(self):
        """China: carriers' opt-outs, numeric and short-code senders only, daytime marketing held."""
        china = rules_for("CN", {})
        assert "退订回T" in china.opt_out_suffixes and "拒收请回复R" in china.opt_out_suffixes
        assert not china.sender_alphanumeric and china.sender_numeric and china.sender_short_code
        assert china.window == Window.parse("08:00-20:00")
        assert china.quiet_hours_action is QuietHoursAction.HOLD
        assert china.signature_required
        assert not any(rules.signature_required for region, rules in DEFAULT_COUNTRIES.items() if region != "CN")
        assert not FALLBACK.signature_required

    def test_united_states(self):
        us = rules_for("US", {})
        assert "Reply STOP to opt out" in us.opt_out_suffixes
        assert not us.sender_alphanumeric
        assert us.window == Window.parse("08:00-21:00")

    def test_britain_has_no_window(self):
        gb = rules_for("GB", {})
        assert gb.sender_alphanumeric and gb.sender_max_length == 11
        assert gb.window is None

    def test_india_takes_six_character_headers(self):
        india = rules_for("IN", {})
        assert (india.sender_min_length, india.sender_max_length) == (6, 6)
        assert not india.sender_numeric and india.opt_out_suffixes == ()

    def test_one_country_shows_a_length_cap(self):
        assert [region for region, rules in DEFAULT_COUNTRIES.items() if rules.max_length] == ["BR"]
        assert rules_for("BR", {}).max_length == 157

    def test_unlisted_countries_get_the_fallback(self):
        assert rules_for("FR", {}) is FALLBACK
        assert FALLBACK.opt_out_suffixes == ("Reply STOP", "STOP")
        assert FALLBACK.window == Window.parse("08:00-20:00")

    def test_configured_entries_replace_the_shipped_ones_whole(self):
        """A configured CN keeps none of the shipped CN's values; other countries keep theirs."""
        mine = CountryRules(max_length=70)
        assert rules_for("CN", {"CN": mine}) is mine
        assert rules_for("CN", {"CN": mine}).sender_alphanumeric  # the default, not China's
        assert rules_for("US", {"CN": mine}) is DEFAULT_COUNTRIES["US"]
        assert rules_for("FR", {"FR": mine}) is mine


class TestConfig:
    def test_from_toml(self):
        """A [countries.CN]-style table structures into CountryRules, enum by its value."""
        data = tomllib.loads(
            """
            [CN]
            opt_out_suffixes = ["退订回T"]
            quiet_hours = "21:00-07:30"
            quiet_hours_action = "reject"
            max_length = 70
            """
        )
        rules = structure_part(data, dict[str, CountryRules], "smsc.toml")["CN"]
        assert rules == CountryRules(
            opt_out_suffixes=("退订回T",), quiet_hours="21:00-07:30", quiet_hours_action=QuietHoursAction.REJECT, max_length=70
        )

    @pytest.mark.parametrize(
        "data, problem",
        [
            ({"quiet_hours": "8-20"}, 'quiet_hours must be "" or a window: a window must be HH:MM-HH:MM such as 08:00-20:00, got \'8-20\''),
            ({"quiet_hours_action": "later"}, "expected one of 'hold', 'reject', got 'later'"),
            ({"max_length": -1}, "max_length must be 0 or more, got -1"),
            ({"sender_min_length": 6, "sender_max_length": 4}, "sender_max_length must be at least sender_min_length (6), got 4"),
            ({"opt_out_suffixes": ["STOP", " "]}, "opt_out_suffixes must hold non-empty texts, got ' '"),
        ],
    )
    def test_mistakes_are_named(self, data, problem):
        with pytest.raises(ConfigError) as caught:
            structure_part(data, CountryRules, "smsc.toml", path="countries.CN")
        assert [p.message for p in caught.value.problems] == [problem]


class TestClassifySender:
    @pytest.mark.parametrize(
        "address, kind",
        [
            (Address(ALPHA, 0, "ACME"), SenderKind.ALPHANUMERIC),
            (Address(ALPHA, 0, "12345"), SenderKind.ALPHANUMERIC),  # the TON says so
            (Address(UNKNOWN, 0, "ACME"), SenderKind.ALPHANUMERIC),  # letters say so
            (Address(INTERNATIONAL, 1, "Shop24"), SenderKind.ALPHANUMERIC),
            (Address(UNKNOWN, 0, "12-34"), SenderKind.ALPHANUMERIC),  # not a number either
            (Address(NETWORK, 0, "106900001234567"), SenderKind.SHORT_CODE),  # the TON says so
            (Address(ABBREVIATED, 0, "95588"), SenderKind.SHORT_CODE),
            (Address(UNKNOWN, 0, "10086"), SenderKind.SHORT_CODE),
            (Address(INTERNATIONAL, 1, "12345678"), SenderKind.SHORT_CODE),  # 8 digits: still short
            (Address(INTERNATIONAL, 1, "123456789"), SenderKind.NUMERIC),  # 9 digits: a number
            (Address(INTERNATIONAL, 1, "8613800138000"), SenderKind.NUMERIC),
            (Address(INTERNATIONAL, 1, "+8613800138000"), SenderKind.NUMERIC),
            (Address(UNKNOWN, 0, "1069012345678"), SenderKind.NUMERIC),  # a 106 channel number
        ],
    )
    def test_kinds(self, address, kind):
        assert classify_sender(address, FALLBACK) is kind

    def test_short_code_length_is_per_country(self):
        """India's short codes have at most six digits: seven is a long number there."""
        assert classify_sender(Address(UNKNOWN, 0, "1234567"), FALLBACK) is SenderKind.SHORT_CODE
        assert classify_sender(Address(UNKNOWN, 0, "1234567"), DEFAULT_COUNTRIES["IN"]) is SenderKind.NUMERIC


class TestCheckSender:
    def test_china_refuses_alphanumeric_ids(self):
        reason = check_sender(Address(ALPHA, 0, "ACME"), rules_for("CN", {}))
        assert reason == "alphanumeric sender id 'ACME' is not accepted in this country; only numeric senders and short codes are"

    def test_china_takes_106_numbers_and_short_codes(self):
        china = rules_for("CN", {})
        assert check_sender(Address(UNKNOWN, 0, "1069012345678"), china) is None
        assert check_sender(Address(UNKNOWN, 0, "10086"), china) is None

    def test_us_refuses_alphanumeric_ids(self):
        assert check_sender(Address(ALPHA, 0, "ACME"), rules_for("US", {})) is not None
        assert check_sender(Address(INTERNATIONAL, 1, "18005550123"), rules_for("US", {})) is None

    def test_britain_takes_eleven_characters_not_twelve(self):
        gb = rules_for("GB", {})
        assert check_sender(Address(ALPHA, 0, "ACMEBANKING"), gb) is None
        assert check_sender(Address(ALPHA, 0, "ACMEBANKINGX"), gb) == (
            "alphanumeric sender id 'ACMEBANKINGX' has 12 characters; this country allows at most 11"
        )

    def test_india_needs_exactly_six_characters(self):
        india = rules_for("IN", {})
        assert check_sender(Address(ALPHA, 0, "ACMEBK"), india) is None
        assert check_sender(Address(ALPHA, 0, "ACME"), india) == (
            "alphanumeric sender id 'ACME' has 4 characters; this country allows exactly 6"
        )
        assert check_sender(Address(UNKNOWN, 0, "123456"), india) is None  # a promotional header
        assert check_sender(Address(INTERNATIONAL, 1, "919876543210"), india) == (
            "numeric sender '919876543210' is not accepted in this country; only short codes and alphanumeric sender ids are"
        )

    def test_minimum_alone(self):
        rules = CountryRules(sender_min_length=3)
        assert check_sender(Address(ALPHA, 0, "AB"), rules) == (
            "alphanumeric sender id 'AB' has 2 characters; this country allows at least 3"
        )

    def test_no_kind_allowed(self):
        rules = CountryRules(sender_numeric=False, sender_short_code=False, sender_alphanumeric=False)
        assert check_sender(Address(UNKNOWN, 0, "10086"), rules) == "short code '10086' is not accepted in this country"

    def test_short_codes_can_be_refused(self):
        rules = attrs.evolve(FALLBACK, sender_short_code=False)
        assert check_sender(Address(UNKNOWN, 0, "10086"), rules) is not None

    def test_empty_source_passes(self):
        """The SMSC puts its default source in; nothing to police."""
        assert check_sender(Address(UNKNOWN, 0, ""), rules_for("CN", {})) is None


class TestCheckLength:
    def test_no_cap_by_default(self):
        assert check_length(10_000, FALLBACK) is None

    def test_cap(self):
        brazil = rules_for("BR", {})
        assert check_length(157, brazil) is None
        assert check_length(158, brazil) == "message has 158 characters; at most 157 allowed in this country"
