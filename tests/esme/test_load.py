"""The open-loop generator and its tally, on task.Clock: with senders that answer as a test
says, and with real Senders against the SMSC in memory."""

import random

import attrs
import pytest
from twisted.internet import defer, task

from esme import outcome
from esme.load import Load
from esme.load_plan import Plan
from esme.load_tally import Tally
from esme.sender import Sender, receipt_correlator
from esme.settings import Settings
from smsc.testing import MemoryEndpoint, run_for
from tests.smsc.conftest import make_factory


@attrs.define
class Handle:
    destination: str
    parts: list
    accepted: defer.Deferred = attrs.Factory(defer.Deferred)
    finished: defer.Deferred = attrs.Factory(defer.Deferred)


class SilentSender:
    """Takes every message and answers none until the test says so."""

    def __init__(self, segments=1):
        self.handles: list[Handle] = []
        self.segments = segments

    def submit(self, destination, text, source=None, receipt=True):
        self.handles.append(Handle(destination, [None] * self.segments))
        return self.handles[-1]


def part(status=0, state=outcome.ACCEPTED, attempts=1, submit_latency=0.01, receipt_latency=None, unanswered=0):
    return outcome.PartOutcome("1" if status == 0 else None, status, state, None, attempts, submit_latency, receipt_latency, unanswered)


def answer(handle, *parts, receipts=None):
    result = outcome.Outcome(parts)
    handle.accepted.callback(result)
    handle.finished.callback(outcome.Outcome(receipts) if receipts else result)


class TestOpenLoop:
    def test_messages_leave_on_schedule_even_when_none_is_answered(self):
        """At 10 a second, with no answer ever, 5 messages are out after 0.45 s and all 20 after
        2 s: the offer does not wait for the SMSC."""
        clock, sender = task.Clock(), SilentSender()
        load = Load([sender], Plan(10, 2), ["8613800130000"], "hi", "", False, clock)
        load.run()
        run_for(clock, 0.45)
        assert len(sender.handles) == 5
        run_for(clock, 2)
        assert len(sender.handles) == 20 and load.tally.in_flight == 20
        assert load.tally.offer_ended == pytest.approx(1.9)

    def test_binds_share_the_rate_and_destinations_take_turns(self):
        """Round-robin: two binds get half each; three numbers are used in turn."""
        clock, first, second = task.Clock(), SilentSender(), SilentSender()
        load = Load([first, second], Plan(100, 1), ["1", "2", "3"], "hi", "", False, clock)
        load.run()
        for _ in range(100):
            clock.advance(0.01)
        assert (len(first.handles), len(second.handles)) == (50, 50)
        assert [h.destination for h in first.handles[:3]] == ["1", "3", "2"]
        assert [h.destination for h in second.handles[:3]] == ["2", "1", "3"]

    def test_ramp_offers_the_area_under_the_rising_rate(self):
        """A 4 s ramp to 100/s: 50 offered by 2 s, 200 by 4 s, then 100 more each second."""
        clock, sender = task.Clock(), SilentSender()
        load = Load([sender], Plan(100, 6, ramp=4), ["1"], "hi", "", False, clock)
        load.run()
        offered = []
        for second in range(6):
            for _ in range(100):
                clock.advance(0.01)
            offered.append(len(sender.handles))
        assert offered[1] == pytest.approx(50, abs=1) and offered[3] == pytest.approx(200, abs=1)
        assert offered[5] - offered[3] == pytest.approx(200, abs=1)

    def test_long_texts_count_their_segments(self):
        """At 30 segments a second, three-segment messages go 10 a second."""
        clock, sender = task.Clock(), SilentSender(segments=3)
        load = Load([sender], Plan(30, 1, segments=3), ["1"], "x" * 400, "", False, clock)
        load.run()
        clock.advance(0.95)
        assert len(sender.handles) == 10 and load.tally.offered_segments == 30

    def test_fires_when_every_message_is_final(self):
        """The run ends once the offer is over and the last message is answered, not before."""
        clock, sender = task.Clock(), SilentSender()
        load = Load([sender], Plan(5, 1), ["1"], "hi", "", False, clock)
        done = load.run()
        clock.advance(1)
        for handle in sender.handles[:-1]:
            answer(handle, part())
        assert not done.called
        answer(sender.handles[-1], part())
        assert done.called and load.tally.accepted == 5

    def test_stop_offers_nothing_more(self):
        """Ctrl-C: no message leaves after stop()."""
        clock, sender = task.Clock(), SilentSender()
        load = Load([sender], Plan(10, 10), ["1"], "hi", "", False, clock)
        load.run()
        clock.advance(0.25)
        load.stop()
        clock.advance(5)
        assert len(sender.handles) == 3


class TestTally:
    def run_with_answers(self, plan, answers, receipt=False):
        """A run whose message n gets answers[n % len(answers)] (a list of parts) after 20 ms."""
        clock, sender = task.Clock(), SilentSender()
        load = Load([sender], plan, ["1"], "hi", "", receipt, clock)
        done = load.run()
        answered = 0
        while not done.called:
            clock.advance(0.01)
            for handle in sender.handles[answered:]:
                clock.callLater(0.02, answer, handle, *answers[answered % len(answers)])
                answered += 1
        return done.result

    def test_counts_by_outcome(self):
        """Accepted, refused by status, unknown and throttled answers, each counted once."""
        tally = self.run_with_answers(Plan(10, 1), [
            [part()],
            [part(status=0x0B, state=outcome.REFUSED)],
            [part(status=None, state=outcome.UNKNOWN, unanswered=1)],
            [part(attempts=3)],  # two 0x58 answers, then accepted
            [part(status=0x58, state=outcome.REFUSED, attempts=6)],  # retries ran out
        ])  # fmt: skip
        assert (tally.accepted, tally.unknown, dict(tally.refused)) == (4, 2, {0x0B: 2, 0x58: 2})
        assert tally.throttled == 2 * (2 + 6)

    def test_a_try_with_no_answer_is_no_throttle(self):
        """Only "later" answers count as throttled: not a try that timed out and was sent again
        (timeout_retries), nor the final answer; a segment stopped while it waited out a 0x58
        counts that one."""
        tally = self.run_with_answers(Plan(3, 1), [
            [part(attempts=2, unanswered=1)],  # no answer, sent again, accepted
            [part(status=None, state=outcome.UNKNOWN, attempts=2, unanswered=1)],  # 0x58, then no answer
            [part(status=None, state=outcome.NOT_SENT, submit_latency=None)],  # 0x58, then stopped
        ])  # fmt: skip
        assert (tally.accepted, tally.unknown, tally.not_sent, tally.throttled) == (1, 1, 1, 2)

    def test_achieved_counts_only_the_steady_part(self):
        """With a 1 s ramp over a 2 s run, only answers between 1 s and 2 s count as steady."""
        tally = self.run_with_answers(Plan(100, 2, ramp=1), [[part()]])
        assert tally.accepted == 150
        assert tally.steady_accepted == pytest.approx(100, abs=2)
        assert tally.steady_offered == pytest.approx(100, abs=1)

    def test_latency_from_the_due_time_includes_waiting(self):
        """A message answered 20 ms after it was due, 10 ms after it went on the wire: both kept."""
        tally = self.run_with_answers(Plan(10, 1), [[part(submit_latency=0.01)]])
        assert set(tally.submit_latency) == {0.01}
        assert all(latency == pytest.approx(0.02, abs=0.011) for latency in tally.due_latency)

    def test_receipts_by_state(self):
        """With receipts asked, each accepted segment's final state is counted."""
        tally = self.run_with_answers(Plan(4, 1), [
            [part()],
        ], receipt=True)  # fmt: skip
        assert tally.receipts == {outcome.ACCEPTED: 4}
        receipts = Tally(0, (0, 1))
        receipts.finished(outcome.Outcome((part(state="DELIVRD", receipt_latency=1.5), part(state=outcome.NO_RECEIPT))))
        assert receipts.receipts == {"DELIVRD": 1, outcome.NO_RECEIPT: 1}
        assert list(receipts.receipt_latency) == [1.5]

    def test_live_p99_to_the_millisecond(self):
        """The live p99 of 100 latencies 1..100 ms is 99 ms, as nearest rank says."""
        tally = Tally(0, (0, 1))
        for ms in range(1, 101):
            tally.answered(outcome.Outcome((part(submit_latency=ms / 1000),)), 0, 0)
        assert tally.live_p99_ms() == 99
        assert Tally(0, (0, 1)).live_p99_ms() is None


class TestAgainstTheSmsc:
    def test_two_binds_with_receipts_on_either(self):
        """Two binds to the SMSC in memory at 50 segments a second for 2 s: every message is
        accepted and delivered, and each receipt finds its message whichever bind it came on
        (the SMSC hands receipts to the account's binds in turn; a first message puts that
        turn one off the load's, so each receipt of the load comes on the other bind)."""
        clock = task.Clock()
        clock.advance(1_795_339_800)
        endpoint = MemoryEndpoint(make_factory(clock), clock)
        settings = Settings(enquire_link=0, receipt_timeout=60)
        receipts = receipt_correlator(settings)
        senders = [Sender(settings, clock, random.Random(n), endpoint, correlator=receipts) for n in range(2)]
        for sender in senders:
            sender.start()
        run_for(clock, 1)
        assert all(sender.bound for sender in senders)
        senders[0].send("8613800130000", "first", "10690001")
        run_for(clock, 1)
        load = Load(senders, Plan(50, 2), ["8613800130000"], "Your code is 1234", "10690001", True, clock)
        done = load.run()
        run_for(clock, 10)
        assert done.called, "receipts still awaited: they came on the other bind and were not matched"
        tally = done.result
        assert (tally.offered_messages, tally.accepted) == (100, 100)
        assert tally.receipts == {"DELIVRD": 100} and len(tally.receipt_latency) == 100
        assert tally.steady_accepted == pytest.approx(100, abs=1)
        assert sum(sender.unmatched_receipts for sender in senders) == 0
