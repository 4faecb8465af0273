"""Segment and billable counts, including China's 106-channel rule."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pdu.counting import BillingRule, billable_segments, count_segments
from pdu.segments import Concatenation, split
from pdu.text import Encoding


class TestSegmentCount:
    def test_gsm_counts_septets(self):
        """Extension characters count two septets: 80 '€' are 160 septets, one message."""
        count = count_segments("€" * 80)
        assert (count.encoding, count.units, count.segments) == (Encoding.GSM7, 160, 1)
        assert count_segments("€" * 80 + "a").segments == 2

    def test_ucs2_counts_code_units(self):
        """An emoji is two UCS-2 code units."""
        count = count_segments("😀" * 35)
        assert (count.encoding, count.units, count.segments) == (Encoding.UCS2, 70, 1)

    def test_payload_counts_the_parts_the_smsc_sends(self):
        """One message_payload still goes on the air in 153-septet parts."""
        assert count_segments("a" * 1000, method=Concatenation.PAYLOAD).segments == 7

    @given(st.text(max_size=1200), st.sampled_from([Concatenation.UDH8, Concatenation.UDH16, Concatenation.SAR]))
    def test_count_agrees_with_the_split(self, value, method):
        """The count is what split actually produces, two-unit characters included."""
        assert count_segments(value, method=method).segments == len(split(value, method=method, reference=1))


class TestChina106Billing:
    @pytest.mark.parametrize("length,billed", [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
    def test_70_then_67_per_part(self, length, billed):
        """70 characters bill as one; above that, one per 67 (134 bill two)."""
        assert billable_segments("字" * length, BillingRule.CHINA_106) == billed

    def test_every_character_counts_one_whatever_the_script(self):
        """A letter, a digit and a punctuation mark count like a Chinese character."""
        assert billable_segments("a1,字" * 17 + "ab", BillingRule.CHINA_106) == 1  # 70 characters
        assert billable_segments("a1,字" * 17 + "abc", BillingRule.CHINA_106) == 2

    def test_signature_and_opt_out_suffix_count(self):
        """Marketing: 66 characters plus 退订回T make 70; 67 make 71 and bill two."""
        assert billable_segments("字" * 66, BillingRule.CHINA_106, opt_out_suffix="退订回T") == 1
        assert billable_segments("字" * 67, BillingRule.CHINA_106, opt_out_suffix="退订回T") == 2
        assert billable_segments("字" * 64, BillingRule.CHINA_106, signature="【动力思维】") == 1  # 6 + 64
        assert billable_segments("字" * 65, BillingRule.CHINA_106, signature="【动力思维】") == 2


class TestGsmBilling:
    def test_bills_the_air_segments(self):
        """The GSM rule bills what goes on the air: 160 then 153 septets, 70 then 67 units."""
        assert billable_segments("a" * 160) == 1
        assert billable_segments("a" * 161) == 2
        assert billable_segments("a" * 150, opt_out_suffix=" Reply STOP") == 2
        assert billable_segments("字" * 134) == 2
