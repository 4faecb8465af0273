"""The Sender: keeps a bound link to one SMSC and sends messages through it.

It connects and binds (ClientService: reconnect with backoff, rebind after the SMSC drops the
link), splits long texts through pdu.segments, holds at most `window` submits in flight and
`tps` segments a second, retries the "later" statuses, correlates receipts, and unbinds on
stop. Time and chance come from the clock and rng it is given.

Never sent twice: a segment is resubmitted only after an answer saying the SMSC did not take
it (a retry status). A segment whose response never came (timeout, or the link fell while it
was in flight) is reported UNKNOWN: the SMSC may have stored it, and a second submit would
reach the handset twice.
"""

import collections
import functools

import attrs
from twisted.application.internet import ClientService
from twisted.internet import defer
from twisted.logger import Logger

from esme import outcome, retry
from esme.correlate import Correlator
from esme.session import EsmeFactory
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
    sent_at: float | None = None
    status: int | None = None
    message_id: str | None = None
    submit_latency: float | None = None
    result: outcome.PartOutcome | None = None

    def finish(self, state: str, error: int | None = None, receipt_latency: float | None = None) -> None:
        self.result = outcome.PartOutcome(
            self.message_id, self.status, state, error, self.attempts, self.submit_latency, receipt_latency
        )
        self.message.part_finished()


@attrs.define(eq=False)
class _Message:
    receipt: bool
    parts: list = attrs.Factory(list)
    accepted: defer.Deferred = attrs.Factory(defer.Deferred)  # every segment answered
    finished: defer.Deferred = attrs.Factory(defer.Deferred)  # every segment final

    def outcome(self) -> outcome.Outcome:
        return outcome.Outcome(tuple(
            part.result or outcome.PartOutcome(part.message_id, part.status, outcome.ACCEPTED, None, part.attempts, part.submit_latency)
            for part in self.parts
        ))  # fmt: skip

    def part_answered(self) -> None:
        if not self.accepted.called and all(part.status is not None or part.result for part in self.parts):
            self.accepted.callback(self.outcome())

    def part_finished(self) -> None:
        self.part_answered()
        if not self.finished.called and all(part.result for part in self.parts):
            final = self.outcome()
            # Its outcome says all now. Letting go of the parts breaks the message <-> part
            # cycle, so a finished message is freed as soon as its handle is, not by a
            # garbage collection, and keeps less alive while its handle is kept.
            self.parts = []
            self.finished.callback(final)


@functools.lru_cache(maxsize=64)  # a campaign has one sender or a few
def _source_address(source: str) -> Address:
    """International number, alphanumeric sender id, or none (the SMSC's default)."""
    if not source:
        return Address(0, 0, "")
    if source.lstrip("+").isdigit():
        return Address(1, 1, source.lstrip("+"))
    return Address(5, 0, source)


class Sender:
    def __init__(self, settings: Settings, clock, rng, endpoint, on_message=None):
        """endpoint: where the SMSC is (an IStreamClientEndpoint: TCP, TLS or in memory).
        on_message(DeliverSm | DataSm): called with every mobile-originated message."""
        self.settings = settings
        self._clock = clock
        self._rng = rng
        self._on_message = on_message
        self._service = ClientService(
            endpoint, EsmeFactory(settings, clock), retryPolicy=self._reconnect_delay, clock=clock, prepareConnection=self._bind
        )
        self._session = None  # the bound EsmeProtocol, while there is one
        self._submit_on_link = self._link_bound = None  # its submit and isBound, once bound
        self._queue: collections.deque[_Part] = collections.deque()
        self._in_flight = 0
        self._bucket = TokenBucket(settings.tps, settings.burst)
        self._correlator = Correlator(settings.receipt_timeout)
        self._wake = None  # the one timer waiting for tokens
        self._receipt_timer = None  # the one timer for receipts that never come
        self._reference = rng.randrange(0x100)
        self.unmatched_receipts = 0

    # -- the link ----------------------------------------------------------------------------

    def start(self) -> defer.Deferred:
        """Connect and bind; fires when bound, fails if the first attempt fails (wrong password,
        nobody listening). Later drops are reconnected with backoff for as long as it runs."""
        self._service.startService()
        return self._service.whenConnected(failAfterFailures=1).addCallback(lambda _: None)

    def _reconnect_delay(self, failures: int) -> float:
        return retry.backoff(self.settings.reconnect_delay, self.settings.reconnect_delay_max, failures, self._rng)

    def _bind(self, session) -> defer.Deferred:
        def bound(_):
            log.info("bound to {host}:{port} as {mode}", host=self.settings.host, port=self.settings.port, mode=self.settings.bind.value)
            self._session = session
            # ClientService hands over a proxy that costs a Python call per attribute read:
            # the two methods every message calls are read once.
            self._submit_on_link, self._link_bound = session.submit, session.isBound
            session.getDisconnectedDeferred().addCallback(self._lost, session)
            self._drain()

        return session.bind_as(self.settings.bind, self._message_received).addCallback(bound)

    def _lost(self, _, session) -> None:
        if self._session is session:
            log.info("link to the SMSC lost; reconnecting")
            self._session = None

    @property
    def bound(self) -> bool:
        return self._session is not None and self._link_bound()

    @defer.inlineCallbacks
    def stop(self):
        """Unbind once the submits in flight are answered, then close. Segments not sent yet
        end NOT_SENT; receipts still awaited end 'no receipt'."""
        for timer in (self._wake, self._receipt_timer):
            if timer is not None and timer.active():
                timer.cancel()
        while self._queue:
            self._queue.popleft().finish(outcome.NOT_SENT)
        if self.bound:
            try:
                yield self._session.unbind()
            except Exception:  # an SMSC that does not answer unbind: we close anyway
                log.failure("unbind failed")
        yield self._service.stopService()
        for part in self._correlator.overdue(float("inf")):
            part.finish(outcome.NO_RECEIPT)

    # -- sending -----------------------------------------------------------------------------

    def send(self, destination: str, text: str, source: str | None = None, receipt: bool = True) -> defer.Deferred:
        """Send a text; fires with its Outcome once every segment is final (its receipt came or
        timed out, when receipt is asked)."""
        return self.submit(destination, text, source, receipt).finished

    def submit(self, destination: str, text: str, source: str | None = None, receipt: bool = True):
        """Queue a text; returns a handle with two Deferreds firing an Outcome: `accepted` when
        the SMSC has answered every segment, `finished` when every segment is final."""
        message = _Message(receipt)
        source_address = _source_address(self.settings.source if source is None else source)
        destination_address = Address(1, 1, destination)
        for part in self._split(text):
            payload = part.message_payload
            submit = wire.SubmitSm(
                source=source_address,
                destination=destination_address,
                short_message=part.short_message,
                esm_class=0x40 if part.udhi else 0,
                data_coding=part.encoding.data_coding,
                registered_delivery=1 if receipt else 0,
                tlvs=part.sar if payload is None else {**part.sar, "message_payload": payload},
            )
            message.parts.append(_Part(message, submit))
        self._queue.extend(message.parts)
        self._drain()
        return message

    def _split(self, text: str):
        method = self.settings.concatenation
        self._reference = (self._reference + 1) % (method.max_reference + 1)
        return segments.split(text, method=method, reference=self._reference)

    def _drain(self) -> None:
        if not self.bound:  # sending binds no link and drops none: asked once, not per submit
            return
        window = self.settings.window
        while self._queue and self._in_flight < window:
            now = self._clock.seconds()
            wait = self._bucket.wait(now)
            if wait > 0:
                if self._wake is None or not self._wake.active():
                    self._wake = self._clock.callLater(wait, self._drain)
                return
            self._bucket.take(now)
            self._send(self._queue.popleft(), now)

    def _send(self, part: _Part, now: float) -> None:
        part.attempts += 1
        part.sent_at = now
        self._in_flight += 1
        self._submit_on_link(part.submit, functools.partial(self._answered, part))

    def _answered(self, part: _Part, status: int | None, message_id: str | None) -> None:
        """The submit's response (status None: none came)."""
        self._in_flight -= 1
        if message_id is not None:
            self._accepted(part, message_id)
        else:
            self._not_accepted(part, status)
        self._drain()

    def _accepted(self, part: _Part, message_id: str) -> None:
        now = self._clock.seconds()
        part.status = 0
        part.message_id = message_id
        part.submit_latency = now - part.sent_at
        if part.message.receipt:
            self._correlator.expect(part, part.message_id, now)
            self._arm_receipt_timer()
            part.message.part_answered()
        else:
            part.finish(outcome.ACCEPTED)

    def _not_accepted(self, part: _Part, status: int | None) -> None:
        decision = retry.decide(self.settings, status, part.attempts, self._rng)
        if isinstance(decision, retry.Retry):
            log.info("submit answered 0x{status:08X}; retry {attempt} in {delay:.2f} s", status=status, attempt=part.attempts, delay=decision.delay)
            self._clock.callLater(decision.delay, self._retry, part)
        else:
            part.status = status
            part.finish(outcome.UNKNOWN if status is None else outcome.REFUSED)

    def _retry(self, part: _Part) -> None:
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
        text = value.tlvs.get("message_payload") or getattr(value, "short_message", b"") or b""
        tlv_id = value.tlvs.get("receipted_message_id")
        try:
            text_id, state, error = receipt_status(text.decode("latin-1"))
        except NotAReceipt:
            if tlv_id is None or "message_state" not in value.tlvs:
                log.info("a receipt that names no message: {text!r}", text=text[:80])
                self.unmatched_receipts += 1
                return
            text_id, state, error = None, None, None
        if "message_state" in value.tlvs:
            state = MessageState(value.tlvs["message_state"])
        if error is None and value.tlvs.get("network_error_code"):
            error = int.from_bytes(value.tlvs["network_error_code"][1:], "big")
        final = state.is_final
        part = self._correlator.match(text_id, tlv_id, final=final)
        if part is None:
            self.unmatched_receipts += 1
            log.info("a receipt for no message we await: id {text_id} / {tlv_id}", text_id=text_id, tlv_id=tlv_id)
            return
        if final:
            part.finish(state.receipt_stat, error, self._clock.seconds() - part.sent_at)

    def _arm_receipt_timer(self) -> None:
        if self._receipt_timer is not None and self._receipt_timer.active():
            return
        deadline = self._correlator.next_deadline()
        if deadline is not None:
            self._receipt_timer = self._clock.callLater(max(0.0, deadline - self._clock.seconds()), self._receipts_overdue)

    def _receipts_overdue(self) -> None:
        for part in self._correlator.overdue(self._clock.seconds()):
            part.finish(outcome.NO_RECEIPT)
        self._arm_receipt_timer()
