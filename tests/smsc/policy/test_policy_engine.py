"""The content rules inside the engine on a virtual clock: what only hours or a restart show
(quiet hours opening, a dropped message's silence, holds and opt-outs after a restart)."""

import attrs
import pytest

from pdu.status import MessageState
from pdu.wire import Address, SubmitSm
from smsc.policy.billing import Tariff
from smsc.policy.config import KeywordList, Policy
from smsc.policy.decisions import KeywordAction
from smsc.policy.keywords import KeywordFileError
from smsc.policy.statuses import OPTED_OUT_ERR, PolicyStatus
from smsc.testing import WireSession, run_for

from ..conftest import account, make_factory
from ..test_engine import SOURCE, receipts, submit, trace
from ..test_engine_races import cancel
from ..test_multi import send_multi

MARKETING = "【京东】双十一全场五折 退订回T"
HANDSET = Address(1, 1, "8613800138888")  # an ordinary number: the handset model decides


def ucs2(destination: Address, text: str, **fields) -> SubmitSm:
    return SubmitSm(SOURCE, destination, text.encode("utf-16-be"), data_coding=0x08, registered_delivery=1, **fields)


def statuses(session) -> list[int]:
    return [header.command_status for header, _ in session.received() if header.command_name == "submit_sm_resp"]


def restarted(clock, factory, *accounts, **config):
    """The same SMSC started again on its data, as after a crash, with a transceiver bound."""
    factory.sink.stop()
    return served(clock, *accounts, data=factory.smsc_config.data, **config)


def served(clock, *accounts, **config):
    factory = make_factory(clock, *accounts, **config)
    session = WireSession(factory, answer_deliveries=True)
    session.bind()
    return factory, session


class TestQuietHours:
    def test_marketing_after_hours_waits_for_the_window_then_goes(self, clock):
        """At 21:00 in Shanghai a marketing message is accepted and held; it is delivered
        once 08:00 comes, not before."""
        factory, session = served(clock, account(message_class="marketing"))
        clock.advance(3.5 * 3600)  # 13:00 UTC: 21:00 in Shanghai
        message_id = submit(session, ucs2(Address(1, 1, "8613800130000"), MARKETING))
        run_for(clock, 10.9 * 3600)  # 07:54 in Shanghai
        assert receipts(session) == []
        run_for(clock, 0.2 * 3600)
        assert [receipt.state for receipt in receipts(session)] == [MessageState.DELIVERED]
        assert trace(factory, message_id)[:4] == ["received", "policy", "stored", "held"]

    def test_transactional_goes_at_any_hour(self, clock):
        factory, session = served(clock)
        clock.advance(3.5 * 3600)
        submit(session, ucs2(Address(1, 1, "8613800130000"), "您的验证码是 482913"))
        run_for(clock, 5)
        assert [receipt.state for receipt in receipts(session)] == [MessageState.DELIVERED]


class TestAcrossRestarts:
    def test_a_dropped_message_stays_silent_after_a_restart(self, clock, tmp_path):
        (tmp_path / "lottery.txt").write_text("六合彩\n", encoding="utf-8")
        policy = Policy(keywords=(KeywordList("lottery", str(tmp_path / "lottery.txt"), KeywordAction.DROP),))
        factory, session = served(clock, policy=policy)
        message_id = submit(session, ucs2(Address(1, 1, "8613800130000"), "六合彩开奖", validity_period="000000010000000R"))
        run_for(clock, 60)
        again, session = restarted(clock, factory, policy=policy)
        run_for(clock, 3600 + 60)
        assert receipts(session) == []
        assert trace(again, message_id)[-3:] == ["dropped", "expired", "no receipt"]

    def test_a_held_price_is_held_again_and_charged_once(self, clock):
        """A prepaid message pending across a restart still holds its price (the next one is
        refused) and is charged once when delivered."""
        prepaid = account(billing=Tariff(price_per_segment=0.5, balance=1.0))
        factory, session = served(clock, prepaid)
        submit(session, ucs2(HANDSET, "您的订单已发货", validity_period="000001000000000R"))
        submit(session, ucs2(HANDSET, "您的订单已签收", validity_period="000001000000000R"))
        again, session = restarted(clock, factory, prepaid)
        session.send(ucs2(HANDSET, "one too many"))
        assert statuses(session)[-1] == PolicyStatus.BALANCE_EXHAUSTED
        run_for(clock, 48 * 3600)
        figures = again.sink.ledger.snapshot()["smppclient1"]
        delivered = sum(receipt.state is MessageState.DELIVERED for receipt in receipts(session))
        assert (figures["spent"], figures["held"]) == (0.5 * delivered, 0.0)

    def test_opt_outs_survive_a_restart(self, clock):
        marketer = account(message_class="marketing")
        factory, session = served(clock, marketer)
        factory.sink.inject_mo(Address(1, 1, "8613800130000"), SOURCE, "STOP")
        run_for(clock, 1)  # the MO reaches the bound ESME before the restart
        again, session = restarted(clock, factory, marketer)
        session.send(ucs2(Address(1, 1, "8613800130000"), MARKETING))
        assert statuses(session)[-1] == PolicyStatus.OPTED_OUT


class TestOptOutWhileHeld:
    def test_held_overnight_then_opted_out_is_never_delivered(self, clock):
        """Marketing accepted at 21:00 waits for 08:00; the handset opts out at midnight: in
        the morning the message is REJECTD with err 101 instead of delivered."""
        factory, session = served(clock, account(message_class="marketing"))
        clock.advance(3.5 * 3600)  # 21:00 in Shanghai
        message_id = submit(session, ucs2(HANDSET, MARKETING))
        run_for(clock, 3 * 3600)
        factory.sink.inject_mo(HANDSET, SOURCE, "T")
        run_for(clock, 9 * 3600)
        (receipt,) = receipts(session)
        assert (receipt.state, receipt.error) == (MessageState.REJECTED, OPTED_OUT_ERR)
        assert "delivered" not in trace(factory, message_id)

    def test_the_second_held_message_stops_when_the_first_brings_a_t(self, clock):
        """Two held messages to one handset go out at 08:00 together: the first is delivered
        and answered "T", the second, queued right behind it, is stopped (REJECTD err 101)."""
        from smsc.network_config import Handsets, Network

        network = Network(handsets=Handsets(opt_out_share=1.0))
        factory, session = served(clock, account(message_class="marketing"), network=network)
        clock.advance(3.5 * 3600)
        submit(session, ucs2(HANDSET, MARKETING))
        submit(session, ucs2(HANDSET, MARKETING))
        run_for(clock, 12 * 3600)
        assert [(r.state, r.error) for r in receipts(session)] == [(MessageState.DELIVERED, 0), (MessageState.REJECTED, OPTED_OUT_ERR)]


class TestKeywordsChangedAtRunTime:
    def test_a_list_read_from_another_file_applies_to_the_next_submit(self, clock, tmp_path):
        """reload(keywords=...) swaps a list's file: its new words are refused at once, its
        old ones pass; a bad file changes nothing."""
        (tmp_path / "old.txt").write_text("六合彩\n", encoding="utf-8")
        (tmp_path / "new.txt").write_text("赌场\n", encoding="utf-8")
        (tmp_path / "bad.txt").write_bytes(b"\xff\n")
        entry = KeywordList("gambling", str(tmp_path / "old.txt"))
        factory, session = served(clock, policy=Policy(keywords=(entry,)))
        policy = factory.sink.policy
        summary = policy.reload(keywords=(attrs.evolve(entry, file=str(tmp_path / "new.txt")),))
        assert summary["keyword_lists"][0]["file"] == str(tmp_path / "new.txt")
        session.send(ucs2(HANDSET, "澳门赌场开业"))
        session.send(ucs2(HANDSET, "六合彩开奖"))
        assert statuses(session) == [PolicyStatus.CONTENT_BLOCKED, 0]
        with pytest.raises(KeywordFileError):
            policy.reload(keywords=(attrs.evolve(entry, file=str(tmp_path / "bad.txt")),))
        session.send(ucs2(HANDSET, "澳门赌场开业"))
        assert statuses(session) == [PolicyStatus.CONTENT_BLOCKED]
        assert policy.reload()["keyword_lists"][0]["file"] == str(tmp_path / "new.txt")  # kept


class TestHandsetsOptOut:
    def test_test_number_0010_replies_t_and_is_opted_out(self, clock):
        factory, session = served(clock, account(message_class="marketing"))
        submit(session, ucs2(Address(1, 1, "8613800130010"), MARKETING))
        run_for(clock, 5)
        mo = [value for header, value in session.received() if header.command_name == "deliver_sm" and not value.esm_class & 0x04]
        assert [(value.source.digits, value.short_message) for value in mo] == [("8613800130010", b"T")]
        session.send(ucs2(Address(1, 1, "8613800130010"), MARKETING))
        assert statuses(session)[-1] == PolicyStatus.OPTED_OUT

    def test_a_share_of_marketing_recipients_reply_t(self, clock):
        """With every recipient answering, each delivered marketing message brings a "T"."""
        from smsc.network_config import Handsets, Network

        network = Network(handsets=Handsets(opt_out_share=1.0))
        factory, session = served(clock, account(message_class="marketing"), network=network)
        for number in ["8613800130000", "8613900130000"]:
            submit(session, ucs2(Address(1, 1, number), MARKETING))
        run_for(clock, 5)
        assert len(factory.sink.policy.opt_outs.of(SOURCE.digits)) == 2


class TestHoldsComeBack:
    def test_cancel_gives_the_hold_back(self, clock):
        prepaid = account(billing=Tariff(price_per_segment=1.0, balance=1.0))
        factory, session = served(clock, prepaid)
        message_id = submit(session, ucs2(HANDSET, "您的订单已发货", schedule_delivery_time="000000010000000R"))
        assert cancel(session, message_id) == [0]
        assert submit(session, ucs2(HANDSET, "您的订单已签收"))
        assert factory.sink.ledger.snapshot()["smppclient1"]["held"] == 1.0

    def test_a_refused_submit_multi_holds_nothing(self, clock):
        """Two destinations, money for one: both refused, nothing stays held."""
        from pdu.multi import SubmitMulti

        prepaid = account(billing=Tariff(price_per_segment=1.0, balance=1.0))
        factory, session = served(clock, prepaid)
        template = ucs2(Address(1, 1, ""), "您好")
        both = SubmitMulti(SOURCE, (HANDSET, Address(1, 1, "8613800138889")), (), template)
        header, _ = send_multi(session, both)
        assert header.command_status == PolicyStatus.BALANCE_EXHAUSTED
        assert factory.sink.ledger.snapshot()["smppclient1"]["held"] == 0.0


def test_refusals_are_counted_per_rule(clock):
    factory, session = served(clock, account(message_class="marketing"))
    session.send(ucs2(Address(1, 1, "8613800130000"), "双十一全场五折"))
    counters = factory.sink.stats.snapshot()["smppclient1"]
    assert counters["refused: signature"] == 1


def test_a_restart_after_a_price_change_holds_what_was_held(clock):
    """A message held at 0.5 is still held at 0.5 after a restart at a new price of 2.0."""
    factory, session = served(clock, account(billing=Tariff(price_per_segment=0.5, balance=10.0)))
    submit(session, ucs2(HANDSET, "您的订单已发货", schedule_delivery_time="000001000000000R"))
    again, session = restarted(clock, factory, account(billing=Tariff(price_per_segment=2.0, balance=10.0)))
    assert again.sink.ledger.snapshot()["smppclient1"]["held"] == 0.5
