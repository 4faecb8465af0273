"""Billing on delivery only, failures refunded: billable segments of a submit_sm, holds at
submit, charges on delivery, refunds on failure, and money that does not drift."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pdu import text as textcodec
from pdu.counting import BillingRule
from pdu.fields import Address
from pdu.segments import Concatenation, split
from pdu.text import Encoding
from pdu.wire import SubmitSm
from smsc.config_file import structure_part
from smsc.policy.billing import Charge, Hold, Ledger, Refusal, Tariff, micros, money, segments_of


def submit(text: str = "", encoding: Encoding = Encoding.GSM7, **fields) -> SubmitSm:
    if text:
        fields.setdefault("short_message", textcodec.encode(text, encoding))
    fields.setdefault("data_coding", encoding.data_coding)
    return SubmitSm(Address(1, 1, "10690001"), Address(1, 1, "8613800138000"), **fields)


def payload(text: str, encoding: Encoding = Encoding.GSM7) -> SubmitSm:
    return submit(encoding=encoding, tlvs={"message_payload": textcodec.encode(text, encoding)})


class TestSegmentsOf:
    @pytest.mark.parametrize("length,billed", [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3)])
    def test_gsm_text_counts_160_then_153_septets(self, length, billed):
        """GSM 7-bit text bills 160 septets as one, then one per 153."""
        assert segments_of(submit("a" * length)) == billed

    def test_extension_characters_count_two_septets(self):
        """80 '€' are 160 septets and bill one; 81 bill two."""
        assert segments_of(submit("€" * 80)) == 1
        assert segments_of(payload("€" * 81)) == 2

    @pytest.mark.parametrize("length,billed", [(70, 1), (71, 2), (134, 2), (135, 3)])
    def test_ucs2_text_counts_70_then_67_units(self, length, billed):
        """UCS-2 text bills 70 code units as one, then one per 67."""
        assert segments_of(payload("字" * length, Encoding.UCS2)) == billed

    def test_the_announced_encoding_decides(self):
        """Latin text sent as UCS-2 goes on the air as UCS-2: 71 letters bill two."""
        assert segments_of(payload("a" * 71, Encoding.UCS2)) == 2

    def test_a_udh_part_is_one_segment(self):
        """Each UDH part of a long message is one segment on the air, whatever it holds."""
        parts = split("a" * 400, method=Concatenation.UDH8, reference=7)
        assert len(parts) == 3
        for part in parts:
            assert segments_of(submit(short_message=part.short_message, esm_class=0x40)) == 1

    def test_a_sar_part_is_one_segment(self):
        """A SAR part is one segment too, even under China's character count."""
        part = split("字" * 200, method=Concatenation.SAR, reference=300)[0]
        message = submit(encoding=Encoding.UCS2, short_message=part.short_message, tlvs=part.sar)
        assert segments_of(message, BillingRule.CHINA_106) == 1

    def test_message_payload_counts_its_whole_text(self):
        """A long text in message_payload bills the parts the SMSC splits it into."""
        assert segments_of(payload("a" * 1000)) == 7

    def test_china_106_counts_characters(self):
        """China's 106 rule: 70 characters of any script bill one, then one per 67."""
        assert segments_of(submit("a" * 70), BillingRule.CHINA_106) == 1
        assert segments_of(submit("a" * 71), BillingRule.CHINA_106) == 2
        assert segments_of(submit("a" * 160), BillingRule.CHINA_106) == 3
        assert segments_of(payload("字" * 134, Encoding.UCS2), BillingRule.CHINA_106) == 2
        assert segments_of(payload("字" * 135, Encoding.UCS2), BillingRule.CHINA_106) == 3

    def test_binary_counts_octets(self):
        """8-bit data bills 140 octets as one, then one per 134 as it goes on the air."""
        assert segments_of(submit(encoding=Encoding.BINARY, short_message=bytes(140))) == 1
        assert segments_of(submit(encoding=Encoding.BINARY, tlvs={"message_payload": bytes(141)})) == 2
        assert segments_of(submit(encoding=Encoding.BINARY, tlvs={"message_payload": bytes(268)})) == 2

    def test_undecodable_text_counts_octets(self):
        """Bytes that are not valid UCS-2 or not a known data_coding bill by their octets."""
        assert segments_of(submit(encoding=Encoding.UCS2, tlvs={"message_payload": b"\xd8\x00" * 100})) == 2
        assert segments_of(submit(short_message=bytes(200), data_coding=0x05)) == 2

    def test_an_empty_message_is_one(self):
        """An empty message still goes on the air once."""
        assert segments_of(submit()) == 1

    @given(st.text(st.characters(codec="utf-16", exclude_categories=["Cs"]), max_size=600))
    def test_payload_agrees_with_the_split(self, value):
        """Under the GSM rule a payload bills what the split sends on the air."""
        encoding = textcodec.choose_encoding(value)
        assert segments_of(payload(value, encoding)) == len(split(value, encoding, reference=1))


    @given(st.text(st.sampled_from("a€{字😀é"), max_size=600), st.sampled_from([Encoding.GSM7, Encoding.UCS2]))
    def test_two_unit_characters_agree_with_the_split(self, value, encoding):
        """Extension characters and surrogate pairs never straddle parts, so they can take
        one more part than division says; the count follows the split."""
        if encoding is Encoding.GSM7:
            value = value.translate({ord("字"): "b", ord("😀"): "c"})
        assert segments_of(payload(value, encoding)) == len(split(value, encoding, reference=1))


class TestTariff:
    def test_defaults_bill_nothing(self):
        """A default tariff is free and postpaid."""
        assert Tariff() == Tariff(0.0, None, BillingRule.GSM)

    def test_negative_figures_are_refused(self):
        """A negative price or balance is a config mistake."""
        with pytest.raises(ValueError, match="price_per_segment"):
            Tariff(price_per_segment=-0.01)
        with pytest.raises(ValueError, match="balance"):
            Tariff(balance=-1.0)

    def test_loads_from_config(self):
        """The config loader builds a tariff from TOML-like data, rule by its value."""
        tariff = structure_part({"price_per_segment": 0.05, "balance": 10, "rule": "china-106"}, Tariff, "x.toml")
        assert tariff == Tariff(0.05, 10.0, BillingRule.CHINA_106)


class TestHold:
    def test_a_balance_covering_n_messages_refuses_the_next(self):
        """A balance of 0.15 at 0.05 a segment takes three messages and refuses the fourth,
        naming the figures."""
        ledger = Ledger({"acme": Tariff(0.05, 0.15)})
        for number in (1, 2, 3):
            assert ledger.hold("acme", number, 1) == Hold("acme", number, 1, 0.05)
        refusal = ledger.hold("acme", 4, 1)
        assert refusal == Refusal(
            "acme",
            "balance 0.15 with 0.00 spent and 0.15 held for 3 pending messages leaves 0.00, "
            "short of 1 segment at 0.05 (0.05)",
        )

    def test_a_long_message_needs_the_price_of_every_segment(self):
        """Three segments at 0.05 need 0.15; a balance of 0.10 refuses them and holds nothing."""
        ledger = Ledger({"acme": Tariff(0.05, 0.10)})
        refusal = ledger.hold("acme", 1, 3)
        assert isinstance(refusal, Refusal)
        assert "short of 3 segments at 0.05 (0.15)" in refusal.reason
        assert ledger.snapshot()["acme"]["held"] == 0.0
        assert ledger.hold("acme", 2, 2) == Hold("acme", 2, 2, 0.10)

    def test_an_exhausted_balance_refuses(self):
        """What the store says was spent counts against the balance from start-up."""
        ledger = Ledger({"acme": Tariff(0.05, 1.0)}, spent={"acme": 1.0})
        assert isinstance(ledger.hold("acme", 1, 1), Refusal)

    def test_postpaid_is_never_refused(self):
        """No balance: every message is held, none refused."""
        ledger = Ledger({"acme": Tariff(0.05)})
        assert all(isinstance(ledger.hold("acme", number, 10), Hold) for number in range(1000))
        assert ledger.snapshot()["acme"]["held"] == 500.0

    def test_free_messages_hold_nothing(self):
        """Price 0, or an account with no tariff: nothing held, nothing refused, nothing to charge."""
        ledger = Ledger({"free": Tariff(0.0, 0.0)})
        assert ledger.hold("free", 1, 3) == Hold("free", 1, 3, 0.0)
        assert ledger.hold("stranger", 2, 1) == Hold("stranger", 2, 1, 0.0)
        assert ledger.charge(1) is None and ledger.charge(2) is None
        assert ledger.snapshot()["free"]["pending"] == 0

    def test_holding_a_number_twice_holds_once(self):
        """A retried hold for the same message returns the first and does not pay twice."""
        ledger = Ledger({"acme": Tariff(0.05, 1.0)})
        assert ledger.hold("acme", 1, 2) == ledger.hold("acme", 1, 2)
        assert ledger.snapshot()["acme"]["held"] == 0.10


class TestChargeAndRelease:
    def test_released_holds_make_room_again(self):
        """A failed message's hold is refunded and the balance takes another message."""
        ledger = Ledger({"acme": Tariff(0.05, 0.10)})
        ledger.hold("acme", 1, 1)
        ledger.hold("acme", 2, 1)
        assert isinstance(ledger.hold("acme", 3, 1), Refusal)
        ledger.release(1)
        assert isinstance(ledger.hold("acme", 3, 1), Hold)

    def test_charge_moves_held_to_spent(self):
        """Delivery turns the hold into a charge, which is what the store persists."""
        ledger = Ledger({"acme": Tariff(0.05, 1.0)})
        ledger.hold("acme", 7, 3)
        assert ledger.charge(7) == Charge("acme", 7, 3, 0.15)
        assert ledger.snapshot()["acme"] == {
            "balance": 1.0, "spent": 0.15, "held": 0.0, "available": 0.85, "price": 0.05, "pending": 0,
        }  # fmt: skip

    def test_a_charged_message_is_not_charged_or_refunded_again(self):
        """Once charged, a number is unknown: a second charge or a release does nothing."""
        ledger = Ledger({"acme": Tariff(0.05, 1.0)})
        ledger.hold("acme", 7, 1)
        ledger.charge(7)
        assert ledger.charge(7) is None
        ledger.release(7)
        assert ledger.snapshot()["acme"]["spent"] == 0.05

    def test_unknown_numbers_are_no_ops(self):
        """A message that finishes after a restart with no hold for it bills nothing."""
        ledger = Ledger({"acme": Tariff(0.05, 1.0)})
        assert ledger.charge(99) is None
        ledger.release(99)
        assert ledger.snapshot()["acme"]["available"] == 1.0


class TestRestart:
    def test_restore_holds_pending_messages_without_refusing(self):
        """After a restart the pending messages are held again even past the balance: they
        were accepted when the money was there. New submits are refused until they finish."""
        ledger = Ledger({"acme": Tariff(0.05, 0.10)}, spent={"acme": 0.05})
        ledger.restore("acme", 1, 1)
        ledger.restore("acme", 2, 1)
        figures = ledger.snapshot()["acme"]
        assert (figures["held"], figures["pending"], figures["available"]) == (0.10, 2, -0.05)
        assert isinstance(ledger.hold("acme", 3, 1), Refusal)
        assert ledger.charge(1) == Charge("acme", 1, 1, 0.05)
        ledger.release(2)
        assert ledger.snapshot()["acme"]["available"] == 0.0

    def test_restore_of_a_free_or_known_message_does_nothing(self):
        """Restoring twice, or for a free account, holds nothing more."""
        ledger = Ledger({"acme": Tariff(0.05), "free": Tariff()})
        ledger.restore("acme", 1, 2)
        ledger.restore("acme", 1, 2)
        ledger.restore("free", 2, 1)
        snapshot = ledger.snapshot()
        assert (snapshot["acme"]["held"], snapshot["free"]["held"]) == (0.10, 0.0)

    def test_spent_of_an_account_without_a_tariff_is_shown(self):
        """An account whose tariff was removed still shows what it spent."""
        ledger = Ledger({}, spent={"gone": 2.5})
        assert ledger.snapshot() == {
            "gone": {"balance": None, "spent": 2.5, "held": 0.0, "available": None, "price": 0.0, "pending": 0}
        }


class TestMoney:
    def test_ten_thousand_charges_of_a_tenth_make_exactly_a_thousand(self):
        """Money is summed in micro-units: 10,000 x 0.1 is 1000.0, where floats drift."""
        ledger = Ledger({"acme": Tariff(0.1, 1000.0)})
        for number in range(10_000):
            ledger.hold("acme", number, 1)
            ledger.charge(number)
        figures = ledger.snapshot()["acme"]
        assert (figures["spent"], figures["available"]) == (1000.0, 0.0)
        assert isinstance(ledger.hold("acme", 10_000, 1), Refusal)

    @given(
        st.decimals(min_value=0, max_value=100, places=6).map(float),
        st.lists(st.tuples(st.integers(1, 10), st.booleans()), max_size=200),
    )
    def test_spent_is_the_exact_sum_of_the_charges(self, price, outcomes):
        """Whatever the price and the mix of deliveries and failures, spent is exactly the
        delivered segments times the price, and nothing stays held."""
        ledger = Ledger({"acme": Tariff(price)})
        for number, (segments, delivered) in enumerate(outcomes):
            ledger.hold("acme", number, segments)
            ledger.charge(number) if delivered else ledger.release(number)
        billed = sum(segments for segments, delivered in outcomes if delivered)
        figures = ledger.snapshot()["acme"]
        assert figures["spent"] == micros(price) * billed / 1_000_000
        assert (figures["held"], figures["pending"]) == (0.0, 0)

    @pytest.mark.parametrize(
        "amount,shown", [(0.0, "0.00"), (0.1, "0.10"), (0.0375, "0.0375"), (12.000001, "12.000001"), (-0.05, "-0.05")]
    )
    def test_amounts_read_with_two_decimals_or_more(self, amount, shown):
        """Figures in a refusal show cents, and finer fractions when a price has them."""
        assert money(micros(amount)) == shown
