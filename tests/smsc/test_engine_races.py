"""The engine when the store is slow, fails or dies mid-way, and when requests race each
other: what an independent review found, kept as regression tests.

SlowStore wraps the real SqliteStore (a real file) and adds what its threads do in
production: commits and reads that land a few milliseconds later on the clock, a write that
fails, or writes that never land because the process is killed.
"""

import attrs
import pytest
from twisted.internet import defer

from pdu import stored, wire
from pdu.multi import ReplaceSm
from pdu.receipts import parse_receipt
from pdu.status import CommandStatus, MessageState
from pdu.wire import Address, Bind, BindType, DeliverSmResp, SubmitSm
from smsc.network_config import Network, Tower
from smsc.policy.config import Policy
from smsc.testing import WireSession, run_for

from .conftest import make_factory
from .test_engine import SOURCE, congested, receipts, submit, to


class SlowStore:
    def __init__(self, store, clock, write_delay=0.0, read_delay=0.0):
        self._store, self._clock = store, clock
        self.write_delay, self.read_delay = write_delay, read_delay
        self.killed = False  # writes never commit: the process dies first
        self.fail_when = None  # operations -> bool: that write fails

    def __getattr__(self, name):
        return getattr(self._store, name)

    def _later(self, deferred, delay):
        if not delay:
            return deferred
        later = defer.Deferred()
        deferred.addBoth(lambda result: self._clock.callLater(delay, later.callback, result) and None)
        return later

    def write(self, operations):
        if self.fail_when is not None and self.fail_when(operations):
            self.fail_when = None
            return defer.fail(OSError("disk I/O error"))
        if self.killed:
            return defer.Deferred()
        return self._later(self._store.write(operations), self.write_delay)

    def message(self, *args, **kwargs):
        return self._later(self._store.message(*args, **kwargs), self.read_delay)


def slow(factory, clock, **settings) -> SlowStore:
    factory.sink._store = SlowStore(factory.sink._store, clock, **settings)
    return factory.sink._store


def bound(clock, **config):
    factory = make_factory(clock, **config)
    session = WireSession(factory, answer_deliveries=True)
    session.bind()
    return factory, session


def restarted(clock, factory, **config):
    factory.sink.stop()
    again = make_factory(clock, data=factory.smsc_config.data, **config)
    session = WireSession(again, port=40001, answer_deliveries=True)
    session.send(Bind(BindType.TRANSCEIVER, "smppclient1", "password"))
    return again, session


def outcomes(session):
    return [(receipt.state, receipt.error) for receipt in receipts(session)]


def cancel(session, message_id) -> list[int]:
    session.send(stored.CancelSm(message_id, SOURCE))
    return [header.command_status for header, _ in session.received() if header.command_name == "cancel_sm_resp"]


def one_tower(name="T1", prefix="86"):
    return Network(carriers=(attrs.evolve(Network().carriers[0], prefixes=(prefix,), towers=(Tower(name),)),))


class TestRestarts:
    def test_message_held_by_an_outage_is_retried_after_a_restart(self, clock):
        """Towers come back up with a restart; a message an outage held goes out then, not
        at the end of its validity."""
        factory, session = congested(clock)
        factory.sink.set_tower("T1", up=False)
        submit(session, to("0000", validity_period="000001000000000R"))
        run_for(clock, 1)
        _, session = restarted(clock, factory, network=one_tower())
        run_for(clock, 60)
        assert outcomes(session) == [(MessageState.DELIVERED, 0)]

    def test_cancel_is_answered_only_once_on_disk(self, clock):
        """If the SMSC dies before the cancel is on disk, the ESME has no ESME_ROK for it."""
        factory, session = bound(clock)
        message_id = submit(session, to("0000", schedule_delivery_time="000000001000000R"))
        slow(factory, clock).killed = True
        assert cancel(session, message_id) == []

    def test_replaced_validity_survives_a_restart(self, clock):
        """replace_sm's new validity is on disk: after a restart the old one does not apply."""
        factory, session = bound(clock)
        message_id = submit(session, to("0002", validity_period="000000001000000R"))
        replace = ReplaceSm(message_id, SOURCE, validity_period="000001000000000R", registered_delivery=1, short_message=b"x")
        factory.sink.replace(factory.smsc_config.accounts[0], replace)
        run_for(clock, 1)
        _, session = restarted(clock, factory)
        run_for(clock, 3600)
        assert outcomes(session) == []


class TestRaces:
    def test_cancel_while_the_final_state_is_committed(self, clock):
        """A cancel_sm for a message whose DELIVERED is being written is ESME_RCANCELFAIL."""
        factory, session = bound(clock)
        slow(factory, clock, write_delay=0.005)
        session.send(to("0000"))
        run_for(clock, 0.006)
        (message_id,) = [value.message_id for header, value in session.received() if header.command_name == "submit_sm_resp"]
        run_for(clock, 0.001)
        assert cancel(session, message_id) == [CommandStatus.ESME_RCANCELFAIL]

    def test_replace_if_present_racing_the_delivery_becomes_a_new_message(self, clock):
        """If the message to replace is delivered while the replace reads it, the new text
        goes as a message of its own rather than being lost."""
        factory, session = bound(clock)
        slow(factory, clock, read_delay=0.002)
        first = submit(session, to("0000", b"old text"))
        session.send(to("0000", b"new text", replace_if_present_flag=1))
        run_for(clock, 1)
        pdus = session.received()
        answers = [value.message_id for header, value in pdus if header.command_name == "submit_sm_resp"]
        texts = sorted(parse_receipt(value.short_message.decode()).text for header, value in pdus if header.command_name == "deliver_sm")
        assert answers != [first] and texts == ["new text", "old text"]

    def test_failed_final_write_leaves_the_message_pending(self, clock):
        """A final state the disk refused is not reported: the message is tried again and
        ends with its receipt."""
        factory, session = bound(clock)
        slow(factory, clock).fail_when = lambda operations: any(getattr(op, "done_at", None) for op in operations)
        submit(session, to("0000"))
        run_for(clock, 120)
        assert outcomes(session) == [(MessageState.DELIVERED, 0)] and factory.sink.pending_count() == 0


class TestReplaceTimes:
    def test_replace_keeps_a_relative_schedule(self, clock):
        """replace_sm with no schedule keeps the original moment; it is not measured again
        from the replace."""
        factory, session = bound(clock)
        message_id = submit(session, to("0000", schedule_delivery_time="000000001000000R"))
        run_for(clock, 540)
        factory.sink.replace(factory.smsc_config.accounts[0], ReplaceSm(message_id, SOURCE, registered_delivery=1, short_message=b"new"))
        run_for(clock, 70)
        assert outcomes(session) == [(MessageState.DELIVERED, 0)]


def test_national_prefix_is_honoured(clock):
    """An eleven-digit national number gets the configured country code, not always 86."""
    # The made-up UK numbering here is not one libphonenumber knows: no screening.
    factory, session = bound(clock, network=attrs.evolve(one_tower("UK", "44"), national_prefix="44"),
                             policy=Policy(screen_numbers=False))  # fmt: skip
    session.send(SubmitSm(SOURCE, Address(2, 1, "13800130000"), b"hi", registered_delivery=1))
    assert [header.command_status for header, _ in session.received()] == [0]


def refuse_the_receipt(clock, status: int):
    """A delivered message whose receipt the ESME answers with `status`; returns the factory,
    the session and a function reading the message's trace."""
    factory = make_factory(clock)
    session = WireSession(factory)
    session.bind()
    message_id = submit(session, to("0000"))
    run_for(clock, 1)
    (header,) = [h for h, _ in session.received() if h.command_name == "deliver_sm"]
    session.send(DeliverSmResp(), header.sequence_number, status=status)

    def trace():
        store = factory.sink.store
        return store.events(store.message(message_id).result.number).result

    return factory, session, trace


class TestDeliveringToTheEsme:
    def test_a_receiver_gets_at_most_its_window_outstanding(self, clock):
        """300 receipts wait for a receiver; it gets 100 (the window), the next 100 as it answers."""
        factory = make_factory(clock)
        transmitter = WireSession(factory)
        transmitter.bind(BindType.TRANSMITTER)
        for _ in range(300):
            submit(transmitter, to("0000"))
        run_for(clock, 5)
        receiver = WireSession(factory, port=40002)
        receiver.send(Bind(BindType.RECEIVER, "smppclient1", "password"))
        first = [header for header, _ in receiver.received() if header.command_name == "deliver_sm"]
        assert len(first) == 100
        for header in first:
            receiver.send(DeliverSmResp(), header.sequence_number)
        assert len([h for h, _ in receiver.received() if h.command_name == "deliver_sm"]) == 100

    def test_a_receipt_refused_for_good_is_not_sent_again(self, clock):
        """ESME_RX_R_APPN (0x66) to a receipt: it leaves the outbox, the trace says so, and
        it is not sent again."""
        factory, session, trace = refuse_the_receipt(clock, CommandStatus.ESME_RX_R_APPN)
        run_for(clock, 3600)
        assert [h for h, _ in session.received() if h.command_name == "deliver_sm"] == []
        assert trace()[-1].hop == "receipt refused"


class TestWaitingReceipts:
    def test_memory_stays_bounded_and_order_is_kept(self, clock, monkeypatch):
        """Past IN_MEMORY waiting receipts the rest stay on disk; a receiver that binds later
        gets every one, in order."""
        from smsc import outbox

        monkeypatch.setattr(outbox, "IN_MEMORY", 6)
        factory = make_factory(clock)
        transmitter = WireSession(factory)
        transmitter.bind(BindType.TRANSMITTER)
        ids = [submit(transmitter, to("0000")) for _ in range(20)]
        run_for(clock, 5)
        assert factory.outbound.waiting("smppclient1") == 6
        receiver = WireSession(factory, port=40002, answer_deliveries=True)
        receiver.send(Bind(BindType.RECEIVER, "smppclient1", "password"))
        run_for(clock, 5)
        assert [receipt.message_id for receipt in receipts(receiver)] == ids

    def test_retention_drops_what_no_esme_took(self, clock):
        """Receipts waiting longer than the retention go, from memory as from disk."""
        from smsc.config import StoreSettings

        factory = make_factory(clock, store=StoreSettings(retention_days=1))
        transmitter = WireSession(factory)
        transmitter.bind(BindType.TRANSMITTER)
        submit(transmitter, to("0000"))
        run_for(clock, 2 * 86400)
        receiver = WireSession(factory, port=40002, answer_deliveries=True)
        receiver.send(Bind(BindType.RECEIVER, "smppclient1", "password"))
        run_for(clock, 5)
        assert receipts(receiver) == [] and factory.outbound.waiting("smppclient1") == 0


def test_steps_made_stale_by_an_outage_are_tidied(clock):
    """Expiry steps of messages an outage held do not stay on the heap for their validity."""
    factory, session = congested(clock, capacity=1000.0, queue_limit=100_000)
    factory.sink.set_tower("T1", up=False)
    for _ in range(200):
        submit(session, to("0000", registered_delivery=0))
    factory.sink.set_tower("T1", up=True)
    run_for(clock, 3601)
    assert factory.sink.pending_count() == 0 and len(factory.sink._schedule) < 10


def test_a_failed_purge_does_not_end_the_hourly_purge(clock):
    """One store error during a purge is logged; the next hour purges again."""
    factory, _ = bound(clock)
    store = slow(factory, clock)
    calls = []

    def purge(cutoff):
        calls.append(cutoff)
        return defer.fail(OSError("disk I/O error")) if len(calls) == 1 else store._store.purge(cutoff)

    store.purge = purge
    run_for(clock, 3 * 3600 + 1)
    assert len(calls) == 3  # every hour: the failure at the first stopped nothing


HANDSET, ESME = Address(1, 1, "8613800130000"), Address(1, 1, "10690001")


class LateReads:
    """The real store, with an outbox read's result landing 5 ms later (the reader thread),
    and something happening while a given read is out."""

    def __init__(self, store, clock):
        self._store, self._clock = store, clock
        self.reads, self.during_read = 0, {}

    def __getattr__(self, name):
        return getattr(self._store, name)

    def outbox(self, *args):
        rows = self._store.outbox(*args).result  # the snapshot is taken now
        self.reads += 1
        if self.reads in self.during_read:
            self._clock.callLater(0.001, self.during_read[self.reads])
        later = defer.Deferred()
        self._clock.callLater(0.005, later.callback, rows)
        return later


def texts(session) -> list[str]:
    return [value.short_message.decode() for header, value in session.received() if header.command_name == "deliver_sm"]


class TestReadBack:
    def test_an_entry_spilled_during_an_empty_read_back_is_not_stranded(self, clock, monkeypatch):
        """A read-back that finds nothing while a new MO spills reads again: the bound
        receiver gets that MO and every later one."""
        from smsc import outbox

        monkeypatch.setattr(outbox, "IN_MEMORY", 10)
        factory = make_factory(clock)
        engine = factory.sink
        engine.outbox._store = reads = LateReads(engine.outbox._store, clock)
        reads.during_read[2] = lambda: engine.inject_mo(HANDSET, ESME, "late mo")
        for index in range(15):  # no receiver yet: 10 in memory, 5 on disk only
            engine.inject_mo(HANDSET, ESME, f"mo {index}")
        session = WireSession(factory, answer_deliveries=True)
        session.send(Bind(BindType.TRANSCEIVER, "smppclient1", "password"))
        seen = []
        for _ in range(400):
            run_for(clock, 0.005)
            seen += texts(session)
        engine.inject_mo(HANDSET, ESME, "much later mo")
        run_for(clock, 60)
        seen += texts(session)
        assert seen == [f"mo {index}" for index in range(15)] + ["late mo", "much later mo"]

    def test_a_read_back_racing_a_commit_sends_nothing_twice(self, clock, monkeypatch):
        """An MO on disk whose commit callback has not run when a read-back finds it goes once."""
        from smsc import outbox

        monkeypatch.setattr(outbox, "IN_MEMORY", 10)
        factory = make_factory(clock)
        for index in range(11):  # no receiver: 10 wait in memory, the 11th is spilled
            factory.sink.inject_mo(HANDSET, ESME, f"mo {index}")
        slow(factory, clock, write_delay=0.005)
        factory.sink.inject_mo(HANDSET, ESME, "mo 11")
        session = WireSession(factory, answer_deliveries=True)
        session.send(Bind(BindType.TRANSCEIVER, "smppclient1", "password"))
        run_for(clock, 1)
        assert sorted(texts(session)) == sorted(f"mo {index}" for index in range(12))


@pytest.mark.parametrize("tlvs", [{}, {"user_message_reference": 7}], ids=["pdu.fast", "smpp.pdu"])
def test_unbind_waits_for_an_outstanding_submit(clock, tlvs):
    """An unbind right after a submit still being stored: submit_sm_resp comes first, on both paths."""
    factory, session = bound(clock)
    slow(factory, clock, write_delay=0.005)
    session.send(to("0006", tlvs=tlvs))
    session.send(wire.UNBIND)
    run_for(clock, 1)
    assert [header.command_name for header, _ in session.received()][:2] == ["submit_sm_resp", "unbind_resp"]


def test_a_vendor_status_refusal_is_reported_as_written(clock):
    """A receipt refused with a vendor status (0x400) leaves the outbox, the trace naming 0x00000400."""
    _, _, trace = refuse_the_receipt(clock, 0x400)
    run_for(clock, 60)
    (refused,) = [event for event in trace() if event.hop == "receipt refused"]
    assert "0x00000400" in refused.detail
