"""The ESME's pure rules: token bucket, retry decisions, receipt correlation and submits awaiting
their response, in virtual time."""

import random

from twisted.internet import task

from esme import retry
from esme.correlate import Correlator
from esme.health import Condition, Health
from esme.in_flight import InFlight
from esme.settings import Settings
from esme.throttle import TokenBucket
from pdu.status import CommandStatus


class TestTokenBucket:
    def test_rate_is_kept_per_segment(self):
        """At 10 a second, ten segments go in the first second and the eleventh waits."""
        clock = task.Clock()
        bucket = TokenBucket(rate=10, burst=1)
        sent = 0
        while clock.seconds() < 1.0:
            if bucket.take(clock.seconds()):
                sent += 1
            else:
                clock.advance(bucket.wait(clock.seconds()))
        assert sent == 10

    def test_wait_says_how_long(self):
        """After the burst is spent, the wait for three tokens is three tokens' worth of time."""
        bucket = TokenBucket(rate=2, burst=1)
        assert bucket.take(100.0)
        assert bucket.wait(100.0, cost=3) == 1.5
        assert not bucket.take(100.0, cost=3)
        assert bucket.take(101.5, cost=3) is False  # the burst caps what is saved up: one token
        assert bucket.take(101.5, cost=1)

    def test_no_rate_no_limit(self):
        """A rate of 0 means no limit at all."""
        bucket = TokenBucket(rate=0)
        assert all(bucket.take(0.0) for _ in range(1000))


class TestRetry:
    settings = Settings(max_retries=2, retry_delay=1.0, retry_delay_max=3.0)

    def test_throttled_is_retried_with_growing_backoff(self):
        """0x58 is retried; the delay doubles, with jitter between half and all of it."""
        rng = random.Random(1)
        first = retry.decide(self.settings, CommandStatus.ESME_RTHROTTLED, 1, rng)
        second = retry.decide(self.settings, CommandStatus.ESME_RMSGQFUL, 2, rng)
        assert isinstance(first, retry.Retry) and 0.5 <= first.delay <= 1.0
        assert isinstance(second, retry.Retry) and 1.0 <= second.delay <= 2.0

    def test_retries_run_out(self):
        """After max_retries retries, the status is reported."""
        assert retry.decide(self.settings, CommandStatus.ESME_RTHROTTLED, 3, random.Random(1)) == retry.GiveUp("retries exhausted")

    def test_refusals_are_not_retried(self):
        """A status that is not 'later' (here an invalid destination, and 0x08 unless configured) is final."""
        assert retry.decide(self.settings, CommandStatus.ESME_RINVDSTADR, 1, random.Random(1)) == retry.GiveUp("refused")
        assert retry.decide(self.settings, CommandStatus.ESME_RSYSERR, 1, random.Random(1)) == retry.GiveUp("refused")
        with_syserr = Settings(retry_statuses={CommandStatus.ESME_RSYSERR})
        assert isinstance(retry.decide(with_syserr, CommandStatus.ESME_RSYSERR, 1, random.Random(1)), retry.Retry)

    def test_a_timed_out_submit_is_unknown_not_retried(self):
        """No response: the SMSC may have the message; resubmitting could duplicate it."""
        assert retry.decide(self.settings, None, 1, random.Random(1), unanswered=1) == retry.GiveUp("unknown")

    def test_no_answer_retried_when_allowed(self):
        """With timeout_retries 1, the first unanswered try is resent, the second is unknown."""
        settings = Settings(timeout_retries=1, retry_delay=1.0)
        assert isinstance(retry.decide(settings, None, 1, random.Random(1), unanswered=1), retry.Retry)
        assert retry.decide(settings, None, 2, random.Random(1), unanswered=2) == retry.GiveUp("unknown")


class TestCorrelator:
    def test_same_id_padded_or_in_another_case(self):
        """Zero padding and case do not matter."""
        correlator = Correlator(60)
        correlator.expect("a", "00AbC1", 0.0)
        correlator.expect("b", "42", 0.0)
        assert correlator.match("abc1") == "a"
        assert correlator.match("0000000042") == "b"
        assert len(correlator) == 0

    def test_hex_response_decimal_receipt(self):
        """A carrier answering "1a" and reporting "26" is matched by the number."""
        correlator = Correlator(60)
        correlator.expect("a", "1a", 0.0)
        assert correlator.match("26") == "a"

    def test_tlv_wins_and_teaches_the_carrier_habit(self):
        """The receipted_message_id TLV names the submit exactly; the text beside it teaches
        how this carrier rewrites ids, which then settles an ambiguous text-only receipt."""
        correlator = Correlator(60)
        correlator.expect("first", "1a", 0.0)
        assert correlator.match("26", tlv_id="1a") == "first"
        correlator.expect("hex-16", "16", 0.0)  # the number 22
        correlator.expect("hex-22", "22", 0.0)  # the number 34
        assert correlator.match("22") == "hex-16"  # decimal 22, as this carrier writes

    def test_an_id_used_again_keeps_the_newer_wait(self):
        """An SMSC that restarted its counter answers "5" twice: the first wait timing out
        does not end the second's."""
        correlator = Correlator(60)
        correlator.expect("old", "5", 0.0)
        correlator.expect("new", "5", 30.0)
        assert correlator.overdue(61.0) == ["old"]
        assert correlator.match("5") == "new"

    def test_a_stale_receipt_does_not_end_another_wait(self):
        """"99" read as hex is 153, and "63" is 99: with no sign this carrier swaps bases (no
        hex letter, no evidence), a receipt for message 99 or 153 leaves message 63 waiting."""
        correlator = Correlator(60)
        correlator.expect("sixty-three", "63", 0.0)
        assert correlator.match("99") is None and correlator.match("153") is None
        assert correlator.match("63") == "sixty-three"

    def test_a_receipt_before_its_response_is_held(self):
        """A receipt that overtook the submit_sm_resp is handed to the submit answered with
        its id; one nobody claims is unmatched once the hold ends."""
        correlator = Correlator(60, early_hold=5)
        correlator.hold("receipt 7", "7", None, 0.0)
        correlator.hold("receipt 8", None, "8", 0.0)
        assert correlator.next_deadline() == 5
        assert correlator.expect("seven", "7", 1.0) == "receipt 7"
        assert correlator.expired_early(4.9) == [] and correlator.expired_early(5.0) == ["receipt 8"]

    def test_ambiguity_without_evidence_prefers_the_same_text(self):
        """With no history, "10" names the submit answered "10", not the one answered "a"."""
        correlator = Correlator(60)
        correlator.expect("ten", "10", 0.0)
        correlator.expect("a", "a", 0.0)
        assert correlator.match("10") == "ten"

    def test_intermediate_receipts_keep_the_wait(self):
        """An ENROUTE receipt is matched but the submit still waits for its final one."""
        correlator = Correlator(60)
        correlator.expect("a", "7", 0.0)
        assert correlator.match("7", final=False) == "a"
        assert correlator.match("7") == "a"
        assert correlator.match("7") is None

    def test_receipts_that_never_come(self):
        """A submit with no receipt by its deadline is reported once, then forgotten."""
        correlator = Correlator(60)
        correlator.expect("a", "1", 0.0)
        correlator.expect("b", "2", 10.0)
        assert correlator.next_deadline() == 60.0
        assert correlator.overdue(59.0) == []
        assert correlator.overdue(60.0) == ["a"]
        assert correlator.match("1") is None
        assert correlator.match("2") == "b"
        assert correlator.overdue(1000.0) == [] and correlator.next_deadline() is None

    def test_unknown_ids_match_nothing(self):
        """A receipt for a message we never sent (or a uuid we do not know) matches nothing."""
        correlator = Correlator(60)
        correlator.expect("a", "6f1c0c0e-0c39-4b4e-9a3c-3f1f5b1e1a2b", 0.0)
        assert correlator.match("zz-unknown") is None
        assert correlator.match("6F1C0C0E-0C39-4B4E-9A3C-3F1F5B1E1A2B") == "a"


class TestHealth:
    def test_throttled_until_the_backoff_ends(self):
        health = Health(slow_after=5)
        health.throttled(10.0, backoff=2)
        assert health.condition(11.0, owed=0) is Condition.THROTTLING and health.condition(12.0, owed=0) is Condition.UP

    def test_silent_while_owing_is_slow(self):
        health = Health(slow_after=5)
        health.sent(0.0, owed_before=0)
        assert health.condition(4.0, owed=1) is Condition.UP and health.condition(6.0, owed=1) is Condition.SLOW

    def test_slowness_is_forgotten_when_nothing_was_asked(self):
        """Slow answers make it SLOW; with nothing sent to it for 3 × slow_after it is tried again."""
        health = Health(slow_after=1)
        for at in range(10):
            health.answered(float(at), latency=8.0)
        assert health.condition(10.0, owed=0) is Condition.SLOW
        assert health.condition(12.5, owed=0) is Condition.UP


class TestInFlight:
    def test_overdue_are_the_unanswered_past_their_deadline(self):
        """Submits answered in any order are awaited no more; the rest fall due in turn."""
        waiting = InFlight(timeout=10)
        for sequence in (1, 2, 3, 4):
            waiting.add(sequence, f"submit {sequence}", now=float(sequence))
        assert waiting.pop(3) == "submit 3" and waiting.pop(1) == "submit 1"
        assert waiting.overdue(now=11.5) == [] and waiting.next_deadline() == 12
        assert waiting.overdue(now=14) == ["submit 2", "submit 4"]
        assert len(waiting) == 0 and waiting.next_deadline() is None

    def test_a_lost_link_ends_every_wait(self):
        """clear() hands back every submit still waiting, and an unbind waiting for them goes on."""
        waiting = InFlight(timeout=10)
        assert waiting.emptied().called
        waiting.add(1, "a", now=0)
        waiting.add(2, "b", now=0)
        emptied = waiting.emptied()
        waiting.pop(2)
        assert not emptied.called
        assert waiting.clear() == ["a"] and emptied.called
