"""What the SMSC counts for /metrics as it happens: PDUs by command and status, full windows,
receipt latencies; and the Prometheus endpoint that reads them with the core's snapshots."""

import struct

import pytest

from pdu import wire
from pdu.status import CommandStatus
from pdu.wire import Address, SubmitSm
from smsc.stats import OTHER, Latencies
from smsc.testing import WireSession, run_for

from .conftest import StalledSink, account, make_factory

SOURCE = Address(1, 1, "10690001")
SUBMIT_SM, SUBMIT_SM_RESP, DELIVER_SM, DELIVER_SM_RESP = 0x04, 0x80000004, 0x05, 0x80000005


def submit(session, suffix: str) -> int:
    return session.send(SubmitSm(SOURCE, Address(1, 1, "861380013" + suffix), b"Your code is 1234", registered_delivery=1))


class TestLatencies:
    def test_buckets_are_cumulative_with_sum(self):
        """Each observation counts in the first bucket whose bound it does not pass, and in every one after; the sum adds up."""
        latencies = Latencies((1.0, 10.0))
        for seconds in (0.5, 1.0, 3.0, 60.0):
            latencies.observe(("a", "DELIVERED"), seconds)
        buckets, total = latencies.snapshot()[("a", "DELIVERED")]
        assert buckets == [(1.0, 2), (10.0, 3), (float("inf"), 4)] and total == 64.5

    def test_one_histogram_per_key(self):
        """Keys do not mix, and an unseen key has no histogram."""
        latencies = Latencies((1.0,))
        latencies.observe(("a", "DELIVERED"), 0.1)
        latencies.observe(("a", "EXPIRED"), 5.0)
        assert set(latencies.snapshot()) == {("a", "DELIVERED"), ("a", "EXPIRED")}


class TestSessionCounts:
    def test_pdus_in_and_out_by_command_and_status(self, clock):
        """A bind, two submits and their receipts count each PDU once, in and out, with its command_status."""
        factory = make_factory(clock)
        session = WireSession(factory, answer_deliveries=True)
        session.bind()
        submit(session, "0000")
        submit(session, "0000")
        run_for(clock, 5)
        pdus = factory.counts.snapshot()["pdus"]
        assert pdus[("in", SUBMIT_SM, 0)] == 2 and pdus[("out", SUBMIT_SM_RESP, 0)] == 2
        assert pdus[("out", DELIVER_SM, 0)] == 2 and pdus[("in", DELIVER_SM_RESP, 0)] == 2
        assert pdus[("in", 0x09, 0)] == pdus[("out", 0x80000009, 0)] == 1  # bind_transceiver and its response

    def test_refusals_count_with_their_status(self, clock):
        """A submit before binding is answered ESME_RINVBNDSTS, and counted so."""
        factory = make_factory(clock)
        session = WireSession(factory)
        submit(session, "0000")
        assert factory.counts.snapshot()["pdus"][("out", SUBMIT_SM_RESP, int(CommandStatus.ESME_RINVBNDSTS))] == 1

    def test_what_an_esme_invents_is_counted_as_other(self, clock):
        """An unknown command_id and a status no one defined count as OTHER, so an ESME cannot grow the counts without bound."""
        factory = make_factory(clock)
        session = WireSession(factory)
        session.bind()
        session.send_raw(struct.pack("!LLLL", 16, 0x00000777, 0, 5))
        session.send_raw(struct.pack("!LLLL", 16, 0x00000778, 0, 6))
        session.send_raw(struct.pack("!LLLL", 16, DELIVER_SM_RESP, 0x00123456, 7))
        pdus = factory.counts.snapshot()["pdus"]
        assert pdus[("in", OTHER, 0)] == 2
        assert pdus[("in", DELIVER_SM_RESP, OTHER)] == 1

    def test_a_full_window_counts_for_the_account(self, clock):
        """With a window of 1 and one submit outstanding, the second is throttled and counted for the account."""
        factory = make_factory(clock, account(window=1), sink=StalledSink())
        session = WireSession(factory)
        session.bind()
        submit(session, "0000")
        submit(session, "0000")
        counted = factory.counts.snapshot()
        assert counted["window_full"] == {"smppclient1": 1}
        assert counted["pdus"][("out", SUBMIT_SM_RESP, int(CommandStatus.ESME_RTHROTTLED))] == 1


class TestReceiptLatency:
    def test_timed_when_written_by_state(self, clock):
        """Each receipt is timed from its submit to the moment it is written, under the state it reports."""
        factory = make_factory(clock)
        session = WireSession(factory, answer_deliveries=True)
        session.bind()
        submit(session, "0000")  # delivered at once
        submit(session, "0001")  # unknown subscriber, after the network's latency
        run_for(clock, 30)
        latency = factory.outbound.receipt_latency.snapshot()
        assert set(latency) == {("smppclient1", "DELIVERED"), ("smppclient1", "UNDELIVERABLE")}
        assert latency[("smppclient1", "DELIVERED")][0][-1][1] == 1
        assert latency[("smppclient1", "DELIVERED")][1] < latency[("smppclient1", "UNDELIVERABLE")][1]

    def test_waiting_for_a_receiver_counts_in_the_latency(self, clock):
        """A receipt that waits for the account to bind a receiver is timed when it finally goes out."""
        factory = make_factory(clock)
        sender = WireSession(factory)
        sender.bind(wire.BindType.TRANSMITTER)
        submit(sender, "0000")
        run_for(clock, 60)
        assert factory.outbound.receipt_latency.snapshot() == {}
        receiver = WireSession(factory, port=40001, answer_deliveries=True)
        receiver.send(wire.Bind(wire.BindType.RECEIVER, "smppclient1", "password"))
        run_for(clock, 1)
        ((_, total),) = factory.outbound.receipt_latency.snapshot().values()
        assert total == pytest.approx(60, abs=1)

    def test_a_resent_receipt_is_timed_once(self, clock):
        """A receipt the ESME never answers is sent again on its next bind, but timed only the first time."""
        factory = make_factory(clock)
        silent = WireSession(factory)  # never answers deliver_sm: the response timer ends the session
        silent.bind()
        submit(silent, "0000")
        run_for(clock, 120)
        again = WireSession(factory, port=40001, answer_deliveries=True)
        again.send(wire.Bind(wire.BindType.TRANSCEIVER, "smppclient1", "password"))
        run_for(clock, 10)
        assert factory.counts.snapshot()["pdus"][("out", DELIVER_SM, 0)] == 2
        ((buckets, _),) = factory.outbound.receipt_latency.snapshot().values()
        assert buckets[-1][1] == 1
