"""Edges of the content rules an independent review found: replace_sm and replace_if_present
meet the rules and the balance, quiet hours hold at every attempt, fates and opt-outs survive
restarts and number forms, submit_multi refuses destination by destination."""

from pdu.multi import ReplaceSm, SubmitMulti
from pdu.status import MessageState
from pdu.wire import Address, DataSm, SubmitSm
from smsc.policy.billing import Tariff
from smsc.policy.config import Blacklist, KeywordList, Policy
from smsc.policy.decisions import KeywordAction
from smsc.policy.statuses import PolicyStatus
from smsc.testing import run_for

from ..conftest import account
from ..test_engine import SOURCE, receipts, submit
from ..test_multi import send_multi
from .test_policy_engine import MARKETING, restarted, served, statuses, ucs2

HANDSET = Address(1, 1, "8613800138888")


def replace(factory, message_id, text: bytes, **fields):
    request = ReplaceSm(message_id, SOURCE, registered_delivery=1, short_message=text, **fields)
    return factory.sink.replace(factory.smsc_config.accounts[0], request)


class TestReplaceBypassesRules:
    def test_replace_sm_bills_the_new_length(self, clock):
        """A 1-segment message replaced by a 3-segment text is billed 3 segments on delivery."""
        factory, session = served(clock, account(billing=Tariff(price_per_segment=1.0)))
        message_id = submit(session, SubmitSm(SOURCE, HANDSET, b"short", registered_delivery=1,
                                              schedule_delivery_time="000000001000000R"))
        replace(factory, message_id, b"x" * 400)
        run_for(clock, 3600)
        assert [r.state for r in receipts(session)] == [MessageState.DELIVERED]
        assert factory.sink.ledger.snapshot()["smppclient1"]["spent"] == 3.0

    def test_replace_sm_cannot_smuggle_a_blocked_keyword(self, clock, tmp_path):
        """A text that would be refused at submit is refused by replace_sm too (0x400); the
        message keeps its first text, which is what reaches the handset."""
        (tmp_path / "lottery.txt").write_text("lottery\n", encoding="utf-8")
        policy = Policy(keywords=(KeywordList("lottery", str(tmp_path / "lottery.txt"), KeywordAction.REJECT),))
        factory, session = served(clock, policy=policy)
        message_id = submit(session, SubmitSm(SOURCE, HANDSET, b"hello", registered_delivery=1,
                                              schedule_delivery_time="000000001000000R"))
        refused = []
        replace(factory, message_id, b"win the lottery now").addErrback(lambda failure: refused.append(failure.value))
        assert [error.subFailure.value.status for error in refused] == [PolicyStatus.CONTENT_BLOCKED]
        run_for(clock, 3600)
        stored = factory.sink._store.message(message_id).result
        assert [r.state for r in receipts(session)] == [MessageState.DELIVERED] and b"hello" in stored.body

    def test_replace_sm_schedule_does_not_open_quiet_hours(self, clock):
        """A marketing message held for quiet hours is not delivered at night because
        replace_sm gave it a schedule_delivery_time."""
        factory, session = served(clock, account(message_class="marketing"))
        clock.advance(3.5 * 3600)  # 21:00 in Shanghai
        message_id = submit(session, ucs2(Address(1, 1, "8613800130000"), MARKETING))
        replace(factory, message_id, MARKETING.encode("utf-16-be"), schedule_delivery_time="000000000100000R")
        run_for(clock, 600)  # 21:10 in Shanghai
        assert receipts(session) == []

    def test_quiet_hours_hold_survives_restart_and_replace(self, clock):
        """After a restart, a replace_sm without times keeps the quiet-hours hold."""
        marketer = account(message_class="marketing")
        factory, session = served(clock, marketer)
        clock.advance(3.5 * 3600)  # 21:00 in Shanghai
        message_id = submit(session, ucs2(Address(1, 1, "8613800130000"), MARKETING))
        again, session = restarted(clock, factory, marketer)
        request = ReplaceSm(message_id, SOURCE, registered_delivery=1, short_message=MARKETING.encode("utf-16-be"))
        again.sink.replace(marketer, request)
        run_for(clock, 600)
        assert receipts(session) == []


class TestOptOutNumberForms:
    def test_opt_out_applies_to_the_national_form_too(self, clock):
        """Test number 0010 replies T; a later marketing message to the same handset written
        nationally (TON 2) is refused as opted out."""
        factory, session = served(clock, account(message_class="marketing"))
        national = Address(2, 1, "13800130010")
        submit(session, ucs2(national, MARKETING))
        run_for(clock, 5)
        session.send(ucs2(national, MARKETING))
        assert statuses(session)[-1] == PolicyStatus.OPTED_OUT


class TestSubmitMultiPerDestination:
    def test_one_blacklisted_destination_does_not_sink_the_rest(self, clock, tmp_path):
        (tmp_path / "bl.txt").write_text("8613800138889\n")
        policy = Policy(blacklists=(Blacklist("bl", str(tmp_path / "bl.txt")),))
        factory, session = served(clock, policy=policy)
        template = ucs2(Address(1, 1, ""), "您好")
        header, response = send_multi(session, SubmitMulti(SOURCE, (HANDSET, Address(1, 1, "8613800138889")), (), template))
        assert header.command_status == 0
        assert [f.status for f in response.unsuccessful] == [PolicyStatus.BLACKLISTED]


class TestRestartKeepsFates:
    def test_a_drop_decided_at_submit_stays_after_a_restart_with_edited_lists(self, clock, tmp_path):
        """The keyword fate is decided at submit; a list edited before a restart does not
        turn a dropped message into a delivered one."""
        (tmp_path / "lottery.txt").write_text("六合彩\n", encoding="utf-8")
        policy = Policy(keywords=(KeywordList("lottery", str(tmp_path / "lottery.txt"), KeywordAction.DROP),))
        factory, session = served(clock, policy=policy)
        submit(session, ucs2(HANDSET, "六合彩开奖", schedule_delivery_time="000000001000000R"))
        (tmp_path / "lottery.txt").write_text("赌场\n", encoding="utf-8")  # edited, e.g. before a reload
        again, session = restarted(clock, factory, policy=policy)
        run_for(clock, 2 * 3600)
        assert [r.state for r in receipts(session)] != [MessageState.DELIVERED]


class TestVendorStatusOnDataSm:
    def test_data_sm_refusal_carries_the_vendor_status(self, clock, tmp_path):
        (tmp_path / "bl.txt").write_text("8613800138888\n")
        policy = Policy(blacklists=(Blacklist("bl", str(tmp_path / "bl.txt")),))
        factory, session = served(clock, policy=policy)
        session.send(DataSm(SOURCE, HANDSET, tlvs={"message_payload": b"hi"}))
        answers = [h.command_status for h, _ in session.received() if h.command_name == "data_sm_resp"]
        assert answers == [PolicyStatus.BLACKLISTED]


class TestMore:
    def test_replace_if_present_keeps_the_new_texts_fate(self, clock, tmp_path):
        """A replace_if_present submit whose new text hits a DROP list is dropped, not delivered."""
        (tmp_path / "lottery.txt").write_text("lottery\n", encoding="utf-8")
        policy = Policy(keywords=(KeywordList("lottery", str(tmp_path / "lottery.txt"), KeywordAction.DROP),))
        factory, session = served(clock, policy=policy)
        submit(session, SubmitSm(SOURCE, HANDSET, b"hello", registered_delivery=1, schedule_delivery_time="000000001000000R"))
        session.send(SubmitSm(SOURCE, HANDSET, b"win the lottery", registered_delivery=1, replace_if_present_flag=1))
        run_for(clock, 2 * 3600)
        assert receipts(session) == []

    def test_numbers_not_spent_by_a_refused_submit(self, clock):
        factory, session = served(clock, account(billing=Tariff(price_per_segment=1.0, balance=1.0)))
        submit(session, SubmitSm(SOURCE, HANDSET, b"one"))
        session.send(SubmitSm(SOURCE, HANDSET, b"two"))
        assert statuses(session)[-1] == PolicyStatus.BALANCE_EXHAUSTED
        assert factory.sink._last_number == 1

    def test_smpp_pdu_path_submit_carries_vendor_status(self, clock, tmp_path):
        (tmp_path / "bl.txt").write_text("8613800138888\n")
        policy = Policy(blacklists=(Blacklist("bl", str(tmp_path / "bl.txt")),))
        factory, session = served(clock, policy=policy)
        session.send(SubmitSm(SOURCE, HANDSET, b"hi", tlvs={"user_message_reference": 7}))
        assert statuses(session) == [PolicyStatus.BLACKLISTED]

    def test_quiet_hours_hold_past_validity_expires_on_time(self, clock):
        """Held at 21:00 with one hour of validity: EXPIRED at 22:00, not at 08:00."""
        factory, session = served(clock, account(message_class="marketing"))
        clock.advance(3.5 * 3600)
        submit(session, ucs2(Address(1, 1, "8613800130000"), MARKETING, validity_period="000000010000000R"))
        run_for(clock, 3601)
        assert [r.state for r in receipts(session)] == [MessageState.EXPIRED]

    def test_opt_out_not_kept_when_the_mo_is_not_stored(self, clock):
        from ..test_engine_races import slow
        marketer = account(message_class="marketing")
        factory, session = served(clock, marketer)
        store = slow(factory, clock)
        store.fail_when = lambda operations: True
        factory.sink.inject_mo(Address(1, 1, "8613800130000"), SOURCE, "STOP").addErrback(lambda f: None)
        # the store never heard of it, so a restart would forget it; memory must agree
        assert ("10690001", "8613800130000") not in factory.sink.policy.opt_outs


class TestQuietHoursAtDelivery:
    def test_scheduled_into_the_night_waits_for_the_window(self, clock):
        """Submitted at 17:30 in Shanghai for 21:30: not delivered until 08:00."""
        factory, session = served(clock, account(message_class="marketing"))
        submit(session, ucs2(Address(1, 1, "8613800130000"), MARKETING, schedule_delivery_time="000000040000000R"))
        run_for(clock, 4 * 3600 + 600)
        assert receipts(session) == []


class TestHostileText:
    def test_a_huge_payload_of_rare_characters_is_read_only_so_far(self, clock, tmp_path):
        """A 64 KB message_payload of characters never seen before: the filter folds the
        first 1,000 of them, not 16,000 (75 ms of reactor time otherwise); a keyword past
        them is not seen (documented)."""
        from smsc.policy import keywords

        (tmp_path / "words.txt").write_text("lottery\n", encoding="utf-8")
        policy = Policy(keywords=(KeywordList("words", str(tmp_path / "words.txt"), KeywordAction.REJECT),))
        factory, session = served(clock, policy=policy)
        text = "".join(chr(0x30000 + (i * 7919) % 60000) for i in range(16000)) + "lottery"
        folded_before = len(keywords._PLAIN)
        session.send(SubmitSm(SOURCE, HANDSET, b"", data_coding=0x08, tlvs={"message_payload": text.encode("utf-16-be")}))
        assert statuses(session) == [0]
        assert len(keywords._PLAIN) - folded_before <= 1000
