"""The Sender: keeps a bound link to one SMSC and sends messages through it.

It binds (esme.link: one transceiver, transmitter or receiver bind, or a transmitter and
receiver pair; reconnect with backoff, rebind after the SMSC drops the link), splits long
texts through pdu.segments, holds at most `window` submits in flight and `tps` segments a
second, retries the "later" statuses, correlates receipts, and unbinds on stop. Time and chance come from the clock and rng it is given.

Never sent twice: a segment is resubmitted only after an answer saying the SMSC did not take
it (a retry status). A segment whose response never came (timeout, or the link fell while it
was in flight) is reported UNKNOWN: the SMSC may have stored it, and a second submit would
reach the handset twice.
"""

import collections
import functools

import attrs
from twisted.internet import defer
from twisted.logger import Logger

from esme import outcome, retry
from esme.correlate import Correlator
from esme.health import Condition, Health
from esme.link import Link
from esme.settings import Settings
from esme.throttle import TokenBucket
from pdu import segments, wire
from pdu.fields import Address
from pdu.receipts import NotAReceipt, receipt_status
from pdu.status import MessageState

log = Logger(namespace="esme.sender")

RECEIPT_TYPES = 0x04 | 0x20  # esm_class message types: delivery receipt, intermediate notification


@attrs.define(eq=False)
class _Part:
    message: "_Message"
    submit: wire.SubmitSm
    attempts: int = 0
    unanswered: int = 0  # tries whose response never came
    first_sent_at: float | None = None  # latencies count from here, retries included
    sent_at: float | None = None  # the latest try
    in_flight: bool = False
    status: int | None = None
    message_id: str | None = None
    submit_latency: float | None = None
    result: outcome.PartOutcome | None = None

    def finish(self, state: str, error: int | None = None, receipt_latency: float | None = None) -> None:
        self.result = outcome.PartOutcome(
            self.message_id, self.status, state, error, self.attempts, self.submit_latency, receipt_latency, self.unanswered
        )
        self.message.part_finished()


@attrs.define(eq=False)
class _Message:
    destination: str
    text: str
    source: str | None
    receipt: bool
    fields: dict  # service_type, priority_flag, validity_period
    built_by: "Sender | None" = None  # whose settings split it (another SMSC's may differ)
    parts: list = attrs.Factory(list)
    accepted: defer.Deferred = attrs.Factory(defer.Deferred)  # every segment answered
    finished: defer.Deferred = attrs.Factory(defer.Deferred)  # every segment final

    def outcome(self) -> outcome.Outcome:
        return outcome.Outcome(tuple(
            part.result or outcome.PartOutcome(part.message_id, part.status, outcome.ACCEPTED, None, part.attempts, part.submit_latency, None, part.unanswered)
            for part in self.parts
        ))  # fmt: skip

    def part_answered(self) -> None:
        if not self.accepted.called and all(part.status is not None or part.result for part in self.parts):
            self.accepted.callback(self.outcome())

    def part_finished(self) -> None:
        self.part_answered()
        if not self.finished.called and all(part.result for part in self.parts):
            self.finished.callback(self.outcome())

    @property
    def untouched(self) -> bool:
        """No segment was taken by the SMSC, is in flight, or went unanswered: it may go to
        another SMSC without any risk of a second copy on the handset."""
        return all(part.status is None and not part.unanswered and not part.in_flight and part.result is None for part in self.parts)


def receipt_correlator(settings: Settings) -> Correlator:
    """The receipts awaited by a Sender, or by several bound to one account: the SMSC may hand
    an account's receipts to any of its receiving binds (smsc serve gives them in turn), so
    a receipt often comes on another bind than its submit, before or after its response."""
    return Correlator(settings.receipt_timeout, early_hold=settings.response_timeout)


@functools.lru_cache(maxsize=64)  # a campaign has one sender or a few
def _source_address(source: str) -> Address:
    """International number, alphanumeric sender id, or none (the SMSC's default)."""
    if not source:
        return Address(0, 0, "")
    if source.lstrip("+").isdigit():
        return Address(1, 1, source.lstrip("+"))
    return Address(5, 0, source)


class Sender:
    def __init__(self, settings: Settings, clock, rng, endpoint, on_message=None, correlator: Correlator | None = None):
        """endpoint: where the SMSC is (an IStreamClientEndpoint: TCP, TLS or in memory).
        on_message(DeliverSm | DataSm): called with every mobile-originated message.
        correlator: the receipts awaited, shared by the Senders bound to one account (see
        receipt_correlator); stop() ends every wait still in it."""
        self.settings = settings
        self._clock = clock
        self._rng = rng
        self._on_message = on_message
        self._links = [Link(mode, settings, clock, rng, endpoint, self._message_received, self._link_changed) for mode in settings.links]
        self._queue: collections.deque[_Part] = collections.deque()
        self._in_flight = 0
        self._bucket = TokenBucket(settings.tps, settings.burst)
        self._correlator = receipt_correlator(settings) if correlator is None else correlator
        self._wake = None  # the one timer waiting for tokens
        self._receipt_timer = None  # the one timer for receipts that never come
        self._reference = rng.randrange(0x100)
        self._retrying: dict[_Part, object] = {}  # parts waiting out a backoff, with their timer
        self.unmatched_receipts = 0
        self.health = Health(settings.slow_after)
        self.link_watchers = []  # called with this Sender when its sending link is bound or lost

    # -- the links ---------------------------------------------------------------------------

    @defer.inlineCallbacks
    def start(self):
        """Connect and bind; fires when bound, fails if the first attempt fails (wrong password,
        nobody listening). Later drops are reconnected with backoff for as long as it runs."""
        for link in self._links:
            yield link.start()

    def _link_changed(self, link: Link) -> None:
        if link is not self._links[0]:
            return
        if self.bound:
            self.health.bound(self._clock.seconds())
            self._drain()
        for watcher in self.link_watchers:
            watcher(self)

    @property
    def bound(self) -> bool:
        """The sending link is bound (for a receiver-only bind: the receiving one)."""
        return self._links[0].bound

    @property
    def binds(self) -> int:
        """Successful binds of the sending link: 1, plus one a reconnect."""
        return self._links[0].binds

    @property
    def _session(self):
        return self._links[0].session

    @property
    def clock(self):
        return self._clock

    @defer.inlineCallbacks
    def stop(self):
        """Unbind once the submits in flight are answered, then close. Segments not sent yet,
        or waiting to retry after "later", end NOT_SENT; receipts still awaited end 'no receipt'."""
        self.link_watchers.clear()
        if self._wake is not None and self._wake.active():
            self._wake.cancel()
        for part, timer in list(self._retrying.items()):
            timer.cancel()
            self._queue.append(part)
        self._retrying.clear()
        while self._queue:
            self._queue.popleft().finish(outcome.NOT_SENT)
        for link in self._links:
            yield link.stop()
        if self._receipt_timer is not None and self._receipt_timer.active():  # answers during unbind re-arm it
            self._receipt_timer.cancel()
        for part in self._correlator.overdue(float("inf")):
            part.finish(outcome.NO_RECEIPT)
        self._count_unmatched(self._correlator.expired_early(float("inf")))

    # -- sending -----------------------------------------------------------------------------

    def send(self, destination: str, text: str, source: str | None = None, receipt: bool = True) -> defer.Deferred:
        """Send a text; fires with its Outcome once every segment is final (its receipt came or
        timed out, when receipt is asked)."""
        return self.submit(destination, text, source, receipt).finished

    def submit(self, destination: str, text: str, source: str | None = None, receipt: bool = True, service_type: str = "",
               priority: int = 0, validity_period: str = ""):  # fmt: skip
        """Queue a text; returns a handle with two Deferreds firing an Outcome: `accepted` when
        the SMSC has answered every segment, `finished` when every segment is final.
        service_type, priority_flag and validity_period go out as given (carriers class traffic by
        them: OTP, MKT; validity_period is an SMPP time, "" for the SMSC's default, pdu.times.relative
        writes one)."""
        fields = {"service_type": service_type, "priority_flag": priority, "validity_period": validity_period}
        message = _Message(destination, text, source, receipt, fields)
        self.adopt(message)
        return message

    def adopt(self, message: _Message) -> None:
        """Queue a message, split with this Sender's settings (source, concatenation): one
        moved here from another SMSC is split again."""
        if message.built_by is not self:
            message.parts = [_Part(message, submit) for submit in self._submits(message)]
            message.built_by = self
        self._queue.extend(message.parts)
        self._drain()

    def _submits(self, message: _Message) -> list[wire.SubmitSm]:
        source = _source_address(self.settings.source if message.source is None else message.source)
        return [
            wire.SubmitSm(
                source=source,
                destination=Address(1, 1, message.destination),
                short_message=part.short_message,
                esm_class=0x40 if part.udhi else 0,
                data_coding=part.encoding.data_coding,
                registered_delivery=1 if message.receipt else 0,
                tlvs={**part.sar, **({"message_payload": part.message_payload} if part.message_payload is not None else {})},
                **message.fields,
            )
            for part in self._split(message.text)
        ]

    def release_unsent(self, wanted=lambda message: True) -> list[_Message]:
        """Take back the `wanted` messages the SMSC has taken no segment of (queued, or
        waiting to retry after "later"), for another SMSC to send; a message partly taken
        stays, so that its segments reach the handset together, and nothing is sent twice."""
        waiting = [*self._queue, *self._retrying]
        released = [message for message in dict.fromkeys(part.message for part in waiting) if message.untouched and wanted(message)]
        for message in released:
            for part in message.parts:
                timer = self._retrying.pop(part, None)
                if timer is not None:
                    timer.cancel()
        gone = set(released)
        self._queue = collections.deque(part for part in self._queue if part.message not in gone)
        return released

    @property
    def condition(self) -> Condition:
        if not self.bound:
            return Condition.DOWN
        return self.health.condition(self._clock.seconds(), self._in_flight)

    def _split(self, text: str):
        method = self.settings.concatenation
        self._reference = (self._reference + 1) % (method.max_reference + 1)
        return segments.split(text, method=method, reference=self._reference)

    def _drain(self) -> None:
        if not self.bound:  # sending binds no link and drops none: asked once, not per submit
            return
        window, submit = self.settings.window, self._session.submit
        while self._queue and self._in_flight < window:
            now = self._clock.seconds()
            wait = self._bucket.wait(now)
            if wait > 0:
                if self._wake is None or not self._wake.active():
                    self._wake = self._clock.callLater(wait, self._drain)
                return
            self._bucket.take(now)
            self._send(self._queue.popleft(), now, submit)

    def _send(self, part: _Part, now: float, submit) -> None:
        part.attempts += 1
        part.sent_at = now
        part.in_flight = True
        if part.first_sent_at is None:
            part.first_sent_at = now
        self.health.sent(now, self._in_flight)
        self._in_flight += 1
        submit(part.submit, functools.partial(self._answered, part))

    def _answered(self, part: _Part, status: int | None, message_id: str | None) -> None:
        """The submit's response (status None: none came)."""
        self._in_flight -= 1
        part.in_flight = False
        if message_id is not None:
            self._accepted(part, message_id)
        else:
            self._not_accepted(part, status)
        self._drain()

    def _accepted(self, part: _Part, message_id: str) -> None:
        now = self._clock.seconds()
        part.status = 0
        part.message_id = message_id
        part.submit_latency = now - part.first_sent_at
        self.health.answered(now, now - part.sent_at)
        if part.message.receipt:
            early = self._correlator.expect(part, part.message_id, now)
            self._arm_receipt_timer()
            part.message.part_answered()
            if early is not None and early[0].is_final:  # the receipt overtook this response
                self._correlator.match(None, part.message_id, final=True)
                self._final_receipt(part, *early)
        else:
            part.finish(outcome.ACCEPTED)

    def _not_accepted(self, part: _Part, status: int | None) -> None:
        if status is not None:
            self.health.answered(self._clock.seconds(), self._clock.seconds() - part.sent_at)
        else:
            part.unanswered += 1
        decision = retry.decide(self.settings, status, part.attempts, self._rng, part.unanswered)
        if status in self.settings.retry_statuses:
            self.health.throttled(self._clock.seconds(), decision.delay if isinstance(decision, retry.Retry) else self.settings.retry_delay)
        if isinstance(decision, retry.Retry):
            log.info("submit answered {status}; retry {attempt} in {delay:.2f} s", status="nothing" if status is None else f"0x{status:08X}",
                     attempt=part.attempts, delay=decision.delay)  # fmt: skip
            self._retrying[part] = self._clock.callLater(decision.delay, self._retry, part)
        else:
            part.status = status
            part.finish(outcome.UNKNOWN if status is None else outcome.REFUSED)

    def _retry(self, part: _Part) -> None:
        del self._retrying[part]
        self._queue.appendleft(part)  # it already waited its turn once
        self._drain()

    # -- receipts and mobile-originated messages ---------------------------------------------

    def _message_received(self, value) -> None:
        """Answered ESME_ROK once this returns: a receipt we cannot match is still received."""
        if not value.esm_class & RECEIPT_TYPES:
            if self._on_message is not None:
                self._on_message(value)
            return
        self._receipt(value)

    def _receipt(self, value) -> None:
        read = _read_receipt(value)
        if read is None:
            log.info("a receipt that names no message: {value!r}", value=value)
            self.unmatched_receipts += 1
            return
        text_id, tlv_id, state, error = read
        part = self._correlator.match(text_id, tlv_id, final=state.is_final)
        if part is None:  # perhaps its submit_sm_resp is still on the way
            self._correlator.hold((state, error), text_id, tlv_id, self._clock.seconds())
            self._arm_receipt_timer()
            return
        if state.is_final:
            self._final_receipt(part, state, error)

    def _final_receipt(self, part: _Part, state: MessageState, error: int | None) -> None:
        now = self._clock.seconds()
        part.finish(state.receipt_stat, error, now - part.first_sent_at)
        if self.settings.receipts_per_segment:
            return
        for sibling in part.message.parts:  # the one receipt speaks for every segment
            if sibling.result is None and sibling.message_id is not None:
                self._correlator.match(None, sibling.message_id, final=True)
                sibling.finish(state.receipt_stat, error, now - sibling.first_sent_at)

    def _arm_receipt_timer(self) -> None:
        if self._receipt_timer is not None and self._receipt_timer.active():
            return
        deadline = self._correlator.next_deadline()
        if deadline is not None:
            self._receipt_timer = self._clock.callLater(max(0.0, deadline - self._clock.seconds()), self._receipts_overdue)

    def _receipts_overdue(self) -> None:
        now = self._clock.seconds()
        for part in self._correlator.overdue(now):
            part.finish(outcome.NO_RECEIPT)
        self._count_unmatched(self._correlator.expired_early(now))
        self._arm_receipt_timer()

    def _count_unmatched(self, receipts: list) -> None:
        if receipts:
            log.info("{count} receipts for no message we await", count=len(receipts))
            self.unmatched_receipts += len(receipts)


def _read_receipt(value):
    """(text id, receipted_message_id, MessageState, error) of a receipt deliver_sm or
    data_sm, from its text and TLVs; None when it names no message."""
    text = value.tlvs.get("message_payload") or getattr(value, "short_message", b"") or b""
    tlv_id = value.tlvs.get("receipted_message_id")
    try:
        text_id, state, error = receipt_status(text.decode("latin-1"))
    except NotAReceipt:
        if tlv_id is None or "message_state" not in value.tlvs:
            return None
        text_id, state, error = None, None, None
    if "message_state" in value.tlvs:
        try:
            state = MessageState(value.tlvs["message_state"])
        except ValueError:  # a state SMPP 3.4 does not define: the receipt says nothing we can use
            return None
    if error is None and value.tlvs.get("network_error_code"):
        error = int.from_bytes(value.tlvs["network_error_code"][1:], "big")
    return text_id, tlv_id, state, error
