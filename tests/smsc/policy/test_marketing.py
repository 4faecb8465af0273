"""The form of marketing messages: 【brand】 signatures and opt-outs, in Chinese and English."""

import pytest

from smsc.policy.countries import FALLBACK, CountryRules, rules_for
from smsc.policy.marketing import OPT_OUT, SIGNATURE, MarketingProblem, check_marketing, ends_with_opt_out, signature

CHINA = rules_for("CN", {})
US = rules_for("US", {})
NO_SIGNATURE = "marketing must carry a signature 【…】 of 2 to 8 characters; found none"


class TestSignature:
    @pytest.mark.parametrize(
        "text, inner",
        [
            ("【京东】双11大促，全场5折。退订回T", "京东"),
            ("双11大促，全场5折。退订回T【京东】", "京东"),
            ("  【中国移动】您的话费余额不足 ", "中国移动"),  # surrounding spaces do not matter
            ("【京东】大促【限时】", "京东"),  # the start wins
            ("【】促销", ""),
            ("【Acme Shop】Sale today", "Acme Shop"),
        ],
    )
    def test_found(self, text, inner):
        assert signature(text) == inner

    @pytest.mark.parametrize(
        "text",
        [
            "双11大促，全场5折。退订回T",
            "[京东]双11大促",  # ASCII brackets are not a signature
            "双11大促[京东]",
            "双11【京东】大促",  # in the middle
            "【京东 双11大促",  # never closed
            "",
        ],
    )
    def test_not_found(self, text):
        assert signature(text) is None


class TestChineseMarketing:
    def test_well_formed(self):
        """Signature at the start, opt-out at the end: nothing to object to."""
        assert check_marketing("【京东】双11大促，全场5折。退订回T", CHINA, registered_sender=False) is None

    def test_signature_at_the_end_after_the_opt_out(self):
        """A signature at the end is allowed; the opt-out then ends the text before it."""
        assert check_marketing("双11大促，全场5折，回T退订【京东】", CHINA, registered_sender=False) is None

    @pytest.mark.parametrize("opt_out", ["退订回T", "回T退订", "拒收请回复R", "回TD退订"])
    def test_every_carrier_opt_out_counts(self, opt_out):
        assert check_marketing(f"【京东】大促。{opt_out}", CHINA, registered_sender=False) is None

    def test_no_signature(self):
        problem = check_marketing("双11大促，全场5折。退订回T", CHINA, registered_sender=False)
        assert problem == MarketingProblem(SIGNATURE, NO_SIGNATURE)

    def test_ascii_brackets_are_named(self):
        problem = check_marketing("[京东]双11大促。退订回T", CHINA, registered_sender=False)
        assert problem == MarketingProblem(SIGNATURE, NO_SIGNATURE + " (ASCII [...] is not a signature; use 【】)")

    def test_one_character_is_too_short(self):
        problem = check_marketing("【京】双11大促。退订回T", CHINA, registered_sender=False)
        assert problem == MarketingProblem(SIGNATURE, "signature 【京】 has 1 character; 2 to 8 required")

    def test_empty_signature(self):
        problem = check_marketing("【】双11大促。退订回T", CHINA, registered_sender=False)
        assert problem == MarketingProblem(SIGNATURE, "signature 【】 has 0 characters; 2 to 8 required")

    def test_eight_characters_fit_nine_do_not(self):
        """Length counts characters: eight Chinese characters are eight, not 24 bytes."""
        assert check_marketing("【中国移动通信集团】大促。退订回T", CHINA, registered_sender=False) is None
        problem = check_marketing("【中国移动通信集团公】大促。退订回T", CHINA, registered_sender=False)
        assert problem == MarketingProblem(SIGNATURE, "signature 【中国移动通信集团公】 has 9 characters; 2 to 8 required")

    def test_no_opt_out(self):
        problem = check_marketing("【京东】双11大促，全场5折", CHINA, registered_sender=False)
        assert problem == MarketingProblem(OPT_OUT, "marketing must end with an opt-out such as 退订回T")

    def test_opt_out_in_the_middle_is_not_enough(self):
        problem = check_marketing("【京东】退订回T 双11大促", CHINA, registered_sender=False)
        assert problem is not None and problem.code == OPT_OUT

    def test_signature_is_checked_before_the_opt_out(self):
        """A message with neither is refused for its signature, the first thing a reader misses."""
        assert check_marketing("双11大促", CHINA, registered_sender=False).code == SIGNATURE

    def test_registered_sender_waives_the_signature(self):
        assert check_marketing("双11大促，全场5折。退订回T", CHINA, registered_sender=True) is None

    def test_registered_sender_does_not_waive_the_opt_out(self):
        problem = check_marketing("双11大促，全场5折", CHINA, registered_sender=True)
        assert problem == MarketingProblem(OPT_OUT, "marketing must end with an opt-out such as 退订回T")

    def test_full_width_letters_and_a_final_full_stop(self):
        """Chinese input methods type 退订回Ｔ in full width and end sentences with 。."""
        assert check_marketing("【京东】大促，退订回Ｔ。", CHINA, registered_sender=False) is None


class TestEnglishMarketing:
    def test_well_formed(self):
        """No signature is asked for outside China."""
        assert check_marketing("Acme: 20% off today. Reply STOP to opt out", US, registered_sender=False) is None

    def test_case_trailing_space_and_full_stop_do_not_matter(self):
        assert check_marketing("Acme: 20% off today. reply stop to opt out.  \n", US, registered_sender=False) is None

    def test_no_opt_out(self):
        problem = check_marketing("Acme: 20% off today!", US, registered_sender=False)
        assert problem == MarketingProblem(OPT_OUT, "marketing must end with an opt-out such as Reply STOP to opt out")

    def test_stop_alone_is_enough_for_the_fallback(self):
        assert check_marketing("Soldes -20% aujourd'hui. STOP", FALLBACK, registered_sender=False) is None
        assert check_marketing("Soldes -20% aujourd'hui.", FALLBACK, registered_sender=False).code == OPT_OUT

    def test_a_word_ending_in_stop_is_not_an_opt_out(self):
        """Latin opt-outs match whole words: 'nonstop' does not end with the word STOP."""
        assert not ends_with_opt_out("Deals nonstop", ("STOP",))
        assert ends_with_opt_out("Deals nonstop. STOP", ("STOP",))
        assert ends_with_opt_out("STOP", ("STOP",))

    def test_chinese_opt_outs_need_no_word_boundary(self):
        assert ends_with_opt_out("大促退订回T", ("退订回T",))

    def test_no_opt_out_required(self):
        """India's opt-out is the DND registry: a message needs none of its own."""
        assert check_marketing("Sale today", rules_for("IN", {}), registered_sender=False) is None

    def test_signature_required_elsewhere_by_config(self):
        rules = CountryRules(signature_required=True)
        assert check_marketing("【Acme】Sale today", rules, registered_sender=False) is None
        assert check_marketing("Sale today", rules, registered_sender=False).code == SIGNATURE
