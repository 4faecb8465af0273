"""The Sender against the project's SMSC in memory, in virtual time."""

import io
import random

import pytest
from smpp.pdu.error import SMPPTransactionError
from smpp.pdu.pdu_encoding import PDUEncoder
from smpp.pdu.pdu_types import AddrNpi, AddrTon

from esme import outcome
from esme.sender import Sender, receipt_correlator
from esme.settings import BindMode, Settings
from pdu import times
from smsc.faults import WireFaults
from smsc.personality import BUILT_IN
from tests.esme.conftest import Harness
from tests.smsc.conftest import account, make_factory


class TestSend:
    def test_delivered_with_receipt(self, harness):
        """A message to ...0000 is accepted, delivered and its DELIVRD receipt correlated."""
        result = harness.result(harness.sender.send("8613800130000", "hello", source="10690001"))
        (part,) = result.parts
        assert part.accepted and part.message_id
        assert result.state == "DELIVRD" and part.error == 0
        assert part.submit_latency is not None and part.receipt_latency is not None

    def test_unknown_subscriber(self, harness):
        """...0001 is accepted, then its receipt says UNDELIV err 001."""
        result = harness.result(harness.sender.send("8613800130001", "hello", source="10690001"))
        assert result.accepted and result.state == "UNDELIV" and result.parts[0].error == 1

    def test_long_message_is_split(self, harness):
        """A 300-character text goes as segments, each with its own id and receipt."""
        result = harness.result(harness.sender.send("8613800130000", "x" * 300, source="10690001"))
        assert len(result.parts) == 2 and len(set(result.message_ids)) == 2
        assert [part.state for part in result.parts] == ["DELIVRD", "DELIVRD"]

    def test_refusal_is_reported_with_its_status(self, harness):
        """An invalid destination is refused; the status is kept, nothing is retried."""
        result = harness.result(harness.sender.send("12", "hello", source="10690001"))
        (part,) = result.parts
        assert part.state == outcome.REFUSED and part.status == 0x0B and part.attempts == 1

    def test_receipt_before_its_response(self, clock):
        """The SMSC sends each receipt before the submit_sm_resp: every receipt still finds
        its message."""
        harness = Harness(clock, account(faults=WireFaults(receipt_before_response=True))).start()
        results = [harness.result(harness.sender.send(number, "hi", source="10690001")) for number in ("8613800130000", "8613800130001")]
        assert [result.state for result in results] == ["DELIVRD", "UNDELIV"] and harness.sender.unmatched_receipts == 0

    def test_receipt_that_never_comes(self, clock):
        """...0007 loses its receipt: after the receipt timeout it is 'no receipt', not a guess."""
        harness = Harness(clock, settings=Settings(enquire_link=0, receipt_timeout=60)).start()
        result = harness.result(harness.sender.send("8613800130007", "hello", source="10690001"))
        assert result.accepted and result.state == outcome.NO_RECEIPT

    def test_validity_period_goes_out(self, harness):
        """A relative validity_period of two minutes: the handset stays absent (...0002), so the
        message EXPIREs when it ends, not after the SMSC's default of two days."""
        sent = harness.sender.submit("8613800130002", "hello", source="10690001", validity_period=times.relative(120))
        start = harness.clock.seconds()
        result = harness.result(sent.finished, seconds=300)
        assert result.state == "EXPIRED" and 120 <= harness.clock.seconds() - start <= 125


class TestPersonalities:
    @pytest.mark.parametrize("name", sorted(BUILT_IN))
    def test_receipts_correlated(self, clock, name):
        """Whatever way the carrier writes ids and receipts, each receipt finds its message."""
        harness = Harness(clock, account(personality=name)).start()
        sent = [harness.sender.send(f"86138001{n:05d}", f"hello {n}", source="10690001") for n in (30000, 30001, 30005)]
        results = [harness.result(deferred) for deferred in sent]
        assert [result.state for result in results] == ["DELIVRD", "UNDELIV", "REJECTD"]
        assert harness.sender.unmatched_receipts == 0


class TestSharedCorrelator:
    """Two binds of one account sharing their receipts' Correlator, as `esme load --binds 2`
    runs them: the SMSC hands the account's receipts to its binds in turn."""

    def start(self, harness, settings):
        shared = receipt_correlator(settings)
        senders = [Sender(settings, harness.clock, random.Random(n), harness.endpoint, correlator=shared) for n in range(2)]
        for sender in senders:
            sender.start()
        harness.run(1)
        assert all(sender.bound for sender in senders)
        return senders

    @pytest.mark.parametrize("faults", [WireFaults(), WireFaults(receipt_before_response=True)], ids=["in order", "receipt first"])
    def test_a_receipt_finds_its_message_on_either_bind(self, clock, faults):
        """Messages sent on both binds, each receipt coming on one bind or the other, after or
        (the carrier's fault) before the submit_sm_resp: every one is matched to its own
        message, none is counted unmatched."""
        settings = Settings(enquire_link=0, receipt_timeout=60)
        harness = Harness(clock, account(faults=faults))
        senders = self.start(harness, settings)
        numbers = ["8613800130000", "8613800130001"] * 3
        handles = [senders[n % 2].submit(number, "hi", source="10690001") for n, number in enumerate(numbers)]
        results = [harness.result(handle.finished) for handle in handles]
        assert [result.state for result in results] == ["DELIVRD", "UNDELIV"] * 3
        assert all(result.parts[0].receipt_latency < 5 for result in results)
        assert sum(sender.unmatched_receipts for sender in senders) == 0

    def test_waits_end_at_their_own_deadline_whichever_timer_fires(self, clock):
        """Receipts that never come (...0007), awaited by both binds at different times: each
        message ends 'no receipt' at its own deadline, with its own message_id, whichever
        bind's timer finds it overdue (here the timer of the bind that waited first ends them all)."""
        settings = Settings(enquire_link=0, receipt_timeout=60)
        harness = Harness(clock)
        senders = self.start(harness, settings)
        answered, ended = {}, {}
        for n, (which, pause) in enumerate(((1, 0), (0, 20), (1, 15), (0, 5))):
            harness.run(pause)
            handle = senders[which].submit("8613800130007", "lost", source="10690001")
            handle.accepted.addCallback(lambda result, n=n: answered.setdefault(n, (clock.seconds(), result)))
            handle.finished.addCallback(lambda result, n=n: ended.setdefault(n, (clock.seconds(), result)))
        harness.run(120)
        assert len({result.message_ids for _, result in answered.values()}) == 4
        for n in range(4):
            (answered_at, accepted), (ended_at, result) = answered[n], ended[n]
            assert ended_at == pytest.approx(answered_at + 60, abs=0.01)
            assert result.state == outcome.NO_RECEIPT and result.message_ids == accepted.message_ids

    def test_a_receipt_for_nothing_is_counted_once(self, clock):
        """A receipt for a message another client of the account sent (on a transmitter bind, so
        its receipts come to us) is held for a response that might still bring its submit,
        then counted unmatched once, on one bind only."""
        settings = Settings(enquire_link=0, response_timeout=10)
        harness = Harness(clock)
        senders = self.start(harness, settings)
        other = Sender(Settings(enquire_link=0, bind=BindMode.TRANSMITTER), clock, random.Random(9), harness.endpoint)
        other.start()
        harness.result(other.submit("8613800130000", "not yours", source="10690001").accepted)
        harness.run(5)
        assert sum(sender.unmatched_receipts for sender in senders) == 0
        harness.run(10)
        assert sorted(sender.unmatched_receipts for sender in senders) == [0, 1]


class TestFlowControl:
    def test_window_respected_under_throttling(self, clock):
        """With slow answers and a fifth of submits throttled (0x58), the SMSC never sees more
        than the window in flight and every message still gets through, after retries."""
        faults = WireFaults(response_delay=0.5, error_share=0.2, error_status="ESME_RTHROTTLED")
        harness = Harness(clock, account(faults=faults, window=3), settings=Settings(enquire_link=0, window=3, retry_delay=0.5)).start()
        (session,) = harness.smsc.sessions()
        most = []
        original = session.admission

        def admission(command):
            most.append(len(session.inTxns) + len(session._raw_waiting))
            return original(command)

        session.admission = admission
        sent = [harness.sender.submit(f"86138001{n:05d}", "hi", source="10690001", receipt=False).accepted for n in range(20)]
        results = [harness.result(deferred) for deferred in sent]
        assert all(result.accepted for result in results)
        assert max(most) < 3  # counted before admitting: at most 2 others in flight
        assert any(result.parts[0].attempts > 1 for result in results)

    def test_throttled_then_success(self, clock):
        """A submit answered 0x58 is retried after a backoff and then accepted."""
        harness = Harness(clock, account(faults=WireFaults(error_share=1.0, error_status="ESME_RTHROTTLED"))).start()
        pending = harness.sender.submit("8613800130000", "hi", source="10690001", receipt=False).accepted
        harness.run(0.5)
        harness.smsc.set_faults("smppclient1", WireFaults())
        result = harness.result(pending)
        assert result.accepted and result.parts[0].attempts >= 2

    def test_retries_run_out(self, clock):
        """Throttled for ever: after max_retries the status 0x58 is reported."""
        harness = Harness(clock, account(faults=WireFaults(error_share=1.0, error_status="ESME_RTHROTTLED")),
                          settings=Settings(enquire_link=0, max_retries=2, retry_delay=0.1)).start()  # fmt: skip
        result = harness.result(harness.sender.send("8613800130000", "hi", source="10690001"))
        assert result.state == outcome.REFUSED and result.parts[0].status == 0x58 and result.parts[0].attempts == 3

    def test_tps_limit(self, clock):
        """At 5 segments a second, 20 segments take about 4 seconds."""
        harness = Harness(clock, settings=Settings(enquire_link=0, tps=5)).start()
        start = clock.seconds()
        answered_at = []
        sent = [harness.sender.submit(f"86138001{n:05d}", "hi", source="10690001", receipt=False).accepted for n in range(20)]
        for deferred in sent:
            deferred.addCallback(lambda result: answered_at.append(clock.seconds()) or result)
        results = [harness.result(deferred) for deferred in sent]
        assert all(result.accepted for result in results)
        assert 3.5 <= max(answered_at) - start <= 4.5

    def test_response_timeout_is_unknown(self, clock):
        """An SMSC that never answers: the submit is reported UNKNOWN and not sent again."""
        harness = Harness(clock, account(faults=WireFaults(silent=True)), settings=Settings(enquire_link=0, response_timeout=5)).start()
        result = harness.result(harness.sender.send("8613800130000", "hi", source="10690001"))
        assert result.state == outcome.UNKNOWN and result.parts[0].attempts == 1 and result.parts[0].status is None

    def test_response_timeout_retried_when_allowed(self, clock):
        """timeout_retries 1: a submit the SMSC left unanswered is sent again once, and the
        outcome says it may have been duplicated."""
        settings = Settings(enquire_link=0, response_timeout=5, timeout_retries=1, retry_delay=1)
        harness = Harness(clock, account(faults=WireFaults(silent=True)), settings=settings).start()
        pending = harness.sender.send("8613800130000", "hi", source="10690001")
        harness.run(5.5)
        harness.smsc.set_faults("smppclient1", WireFaults())
        (part,) = harness.result(pending).parts
        assert part.accepted and part.attempts == 2 and part.unanswered == 1 and part.maybe_duplicated

    def test_generic_nack_is_a_refusal(self, clock):
        """A submit answered with generic_nack is refused with the nack's status (0x08, not a
        retry status by default), sent once."""
        harness = Harness(clock, account(faults=WireFaults(generic_nack_share=1.0))).start()
        result = harness.result(harness.sender.send("8613800130000", "hi", source="10690001"))
        assert result.state == outcome.REFUSED and result.parts[0].status == 0x08 and result.parts[0].attempts == 1

    def test_unreadable_response_is_unknown(self, clock):
        """A submit_sm_resp whose message_id runs off its end tells nothing: UNKNOWN, never resent."""
        harness = Harness(clock, account(faults=WireFaults(malformed_share=1.0)), settings=Settings(enquire_link=0, response_timeout=5)).start()
        result = harness.result(harness.sender.send("8613800130000", "hi", source="10690001"))
        assert result.state == outcome.UNKNOWN and result.parts[0].attempts == 1 and result.parts[0].status is None

    def test_each_submit_times_out_on_its_own(self, clock):
        """Submits sent a second apart to a silent SMSC end UNKNOWN a second apart, each at
        its own response timeout."""
        harness = Harness(clock, account(faults=WireFaults(silent=True)), settings=Settings(enquire_link=0, response_timeout=5)).start()
        ended = {}
        for n in range(3):
            handle = harness.sender.submit(f"86138001{n:05d}", "hi", source="10690001")
            handle.accepted.addCallback(lambda result, n=n: ended.setdefault(n, clock.seconds()))
            harness.run(1)
        start = clock.seconds() - 3
        harness.run(10)
        assert [round(ended[n] - start) for n in range(3)] == [5, 6, 7]


class TestReconnect:
    def test_rebinds_and_receipt_arrives_once(self, clock):
        """The SMSC drops the link after accepting a message to a slow tower; the Sender
        reconnects, rebinds, and the receipt comes over the new link. Queued messages sent
        after the drop go once."""
        harness = Harness(clock).start()
        first = harness.sender.submit("8613800130006", "slow", source="10690001")
        harness.result(first.accepted)
        harness.endpoint.cut()
        harness.run(0.01)
        assert not harness.sender.bound
        second = harness.sender.submit("8613800130000", "after", source="10690001")
        results = [harness.result(first.finished), harness.result(second.finished)]
        assert [result.state for result in results] == ["DELIVRD", "DELIVRD"]
        assert len(harness.endpoint.links) == 2
        assert len(harness.result(harness.smsc.sink.store.finished("smppclient1"))) == 2

    def test_in_flight_when_the_link_falls_is_unknown(self, clock):
        """A submit written just before the link fell has no answer: UNKNOWN, never resent,
        even though the Sender rebinds and could."""
        harness = Harness(clock).start()
        harness.endpoint.cut()  # closes on the next clock step, after the submit is written
        result = harness.result(harness.sender.send("8613800130000", "hi", source="10690001"))
        assert result.state == outcome.UNKNOWN and result.parts[0].attempts == 1
        harness.run(5)
        assert harness.sender.bound and len(harness.endpoint.links) == 2


class TestStop:
    def test_a_retry_pending_at_stop_ends_not_sent(self, clock):
        """Throttled and waiting out its backoff when stop() comes: the message ends NOT SENT
        (the SMSC took none of it) instead of waiting for ever."""
        faults = WireFaults(error_share=1.0, error_status="ESME_RTHROTTLED")
        harness = Harness(clock, account(faults=faults), settings=Settings(enquire_link=0, retry_delay=30)).start()
        handle = harness.sender.submit("8613800130000", "hi", source="10690001")
        harness.run(1)
        harness.result(harness.sender.stop())
        assert harness.result(handle.finished, seconds=1).state == outcome.NOT_SENT

    def test_graceful_unbind(self, harness):
        """stop() waits for the submit in flight, unbinds, and the SMSC sees the session go."""
        pending = harness.sender.submit("8613800130000", "hi", source="10690001", receipt=False).accepted
        stopped = harness.sender.stop()
        assert harness.result(pending).accepted
        harness.result(stopped)
        harness.run(1)
        assert harness.smsc.sessions() == [] and not harness.sender.bound


class TestBind:
    def test_transmitter_and_receiver_pair(self, clock):
        """bind=pair opens a transmitter for submits and a receiver that brings the receipt and
        the handset's reply (...0008 answers OK)."""
        replies = []
        harness = Harness(clock, settings=Settings(enquire_link=0, bind=BindMode.PAIR), on_message=replies.append).start()
        assert sorted(session.bind_type.name for session in harness.smsc.sessions()) == ["bind_receiver", "bind_transmitter"]
        result = harness.result(harness.sender.send("8613800130008", "hello", source="10690001"))
        harness.run(60)
        assert result.state == "DELIVRD" and [reply.short_message for reply in replies] == [b"OK"]
        harness.result(harness.sender.stop())
        harness.run(1)
        assert harness.smsc.sessions() == []

    def test_address_range_ton_npi_in_the_bind(self, clock):
        """system_type, address_range, addr_ton and addr_npi go out in the bind as set."""
        settings = Settings(enquire_link=0, address_range="^10690001", addr_ton=1, addr_npi=1)
        harness = Harness(clock, settings=settings).start()
        bind = PDUEncoder().decode(io.BytesIO(bytes(harness.endpoint.links[0].sent)))
        assert bind.params["address_range"] == b"^10690001"
        assert bind.params["addr_ton"] == AddrTon.INTERNATIONAL and bind.params["addr_npi"] == AddrNpi.ISDN

    def test_first_bind_refused_fails_start(self, clock):
        """A wrong password fails start() with the SMSC's status, and the refused link closes
        without an error escaping ClientService."""
        harness = Harness(clock, account(password="other"))
        started = harness.sender.start()
        with pytest.raises(SMPPTransactionError, match="ESME_RINVPASWD"):
            harness.result(started, 5)
        harness.result(harness.sender.stop(), 5)
        harness.run(5)
        assert not harness.sender.bound and harness.smsc.sessions() == []

    def test_refused_rebind_backs_off(self, clock):
        """After a drop, an SMSC that refuses the rebind for a while (restarted with other
        accounts) is asked again with growing backoff, not every second; once it takes the
        bind, the message goes."""
        harness = Harness(clock).start()
        smsc = harness.smsc
        harness.endpoint.smsc = make_factory(clock, account(password="other"))
        harness.endpoint.cut()
        harness.run(10)
        refused = len(harness.endpoint.links) - 1
        assert 2 <= refused <= 5 and not harness.sender.bound  # about 1 + 2 + 4 s of backoff
        harness.endpoint.smsc = smsc
        result = harness.result(harness.sender.send("8613800130000", "back", source="10690001"))
        assert result.state == "DELIVRD" and result.parts[0].attempts == 1
