"""Store and forward: what happens to a message between submit_sm_resp and its receipt.

A message is answered only once the store has it on disk. It then waits for its
schedule_delivery_time (ACCEPTED), is routed to its carrier and queued at its tower
(ENROUTE), goes on air, and meets the handset: delivered, failed for good, or retried on the
network's schedule until its validity ends (EXPIRED). Every hop is a trace event in the store;
every final state and receipt is committed before anyone hears of it, so a crash loses nothing
that was acknowledged and delivers nothing twice.

One heap and one timer (smsc.schedule) serve every pending message. The SMPP session calls
submit, submit_multi, query, cancel and replace; the HTTP API reads snapshots.
"""

import collections

import attrs
from twisted.internet import defer, task
from twisted.logger import Logger

from pdu import times, wire
from pdu.fields import Address
from pdu.receipts import Receipt
from pdu.segments import TooManySegments
from pdu.status import CommandStatus, MessageState
from pdu.stored import CancelSm, QuerySm, QuerySmResp
from pdu.wire import SubmitSm
from smsc import mo, p2p, receipting
from smsc.errors import SmppError
from smsc.handsets import HandsetState, Handsets, Meeting
from smsc.lifecycle import DESCRIPTIONS, Event, MapError, is_final, next_state
from smsc.network import Network, TowerState, international
from smsc.outbox import Outbox
from smsc.pending import Pending, PendingIndex, belongs, pack_body, unpack_body
from smsc.personality import message_ids
from smsc.rates import Rates
from smsc.schedule import Schedule
from smsc.stats import Stats
from smsc.policy.billing import MICROS, Ledger
from smsc.policy.billing import Refusal as LedgerRefusal
from smsc.policy.decisions import ADMITTED, Admission, KeywordAction, Refusal
from smsc.policy.lists import OptOuts
from smsc.policy.rules import Policy
from smsc.policy.statuses import OPTED_OUT_ERR, PolicyStatus
from smsc.store import AddEvent, AddMessage, ChangeMessage, OptIn, OptOut, Spend, StoreClosed, StoredMessage, TraceEvent

RECENT_REFUSALS = 200  # kept for the API: why the last submits were refused
PURGE_EVERY = 3600.0  # seconds between purges of finished messages past their retention
FLUSH_AFTER = 0.05  # seconds trace events may wait to share a write with others

ATTEMPT, ON_AIR, EXPIRE, ALERT = "attempt", "on air", "expire", "alert"  # the steps on the schedule


class Engine:
    log = Logger()

    def __init__(self, config, store, outbound, clock, rng, io_clock=None):
        """config: smsc.config.Config; store: smsc.store.Store; outbound: smsc.outbound.Outbound.
        io_clock times the batching of writes (FLUSH_AFTER), `clock` by default: under a
        trainer's clock that can pause (smsc.trainer_clock), the reactor, so that trace events
        still reach the disk while the message's life stands still."""
        self._config = config
        self._store = store
        self._outbound = outbound
        self._clock = clock
        self._io_clock = io_clock or clock
        self._rng = rng
        self.network = Network(config.network, rng)
        self.policy = Policy(config)
        self.ledger = Ledger({account.system_id: account.billing for account in config.accounts})
        self.refusals = collections.deque(maxlen=RECENT_REFUSALS)
        self.handsets = Handsets(config.network, rng)
        self.stats = Stats()
        self.rates = Rates(clock)  # submits and final states a second, for the HTTP API
        self.faults_for = lambda account: account.faults  # the SMPP factory's run-time faults replace it
        self._schedule = Schedule(clock, self._due)
        self._pending = PendingIndex()
        self._last_number = 0
        self._senders: dict[str, str] = {}  # source address -> the account that last sent from it
        self._mo_reference = 0
        self._alerts: set[tuple] = set()  # (account, handset, esme address) with an alert planned
        self.outbox = Outbox(outbound, clock, self._write, store)
        self._unsaved: list = []  # trace events and the like, written with the next commit
        self._flush_call = None
        self._retention = None  # the hourly purge of what is older than the retention
        self.watcher = None  # told of every hop as it is written, while a dashboard watches (smsc.dashboard.feed)

    # -- start-up ---------------------------------------------------------------------------

    def start(self) -> None:
        """Pick up where the last run stopped: pending messages and unsent receipts."""
        recovered = self._store.recover()
        self._last_number = recovered.last_number
        self.policy.opt_outs = OptOuts((entry.sender, entry.number) for entry in recovered.opt_outs)
        self.ledger = Ledger({account.system_id: account.billing for account in self._config.accounts}, {
            account: micros / MICROS for account, micros in recovered.spent.items()})  # fmt: skip
        self.outbox.last_id = recovered.last_outbox_id
        now = self._clock.seconds()
        for stored in recovered.pending:
            account = self._account(stored.account)
            if account is None:
                self.log.warn("message {number} belongs to account {account}, no longer configured; left pending",
                              number=stored.number, account=stored.account)  # fmt: skip
                continue
            receipt_id, message, fate = unpack_body(stored.body)
            admission = Admission(self.policy.is_marketing(account, message), fate, stored.segments)
            pending = self._pending_for(account, message, stored.number, stored.message_id, receipt_id, stored.submitted_at, admission)
            pending.state, pending.attempts, pending.error = MessageState(stored.state), stored.attempts, stored.error
            pending.expires_at = stored.expires_at
            self.ledger.restore(account.system_id, stored.number, stored.segments, stored.charge)
            self._pending.add(pending)
            self._next(pending, max(now, stored.due_at), ATTEMPT)
        self.outbox.recover(recovered.outbox)
        self._retention = task.LoopingCall(self._purge)
        self._retention.clock = self._io_clock  # housekeeping: a trainer's Step moves messages, not the purge
        self._retention.start(PURGE_EVERY, now=True).addErrback(self._write_failed)
        if recovered.pending or recovered.outbox:
            self.log.info("recovered {messages} pending messages and {outbox} receipts or MOs to send",
                          messages=len(recovered.pending), outbox=len(recovered.outbox))  # fmt: skip

    def stop(self) -> None:
        if self._retention is not None and self._retention.running:
            self._retention.stop()
        self._schedule.stop()
        self._flush()

    def _purge(self) -> defer.Deferred:
        cutoff = self._clock.seconds() - self._config.store.retention_days * 86400
        self._schedule.compact(self._live)  # e.g. expiry steps of messages an outage held
        dropped = self._outbound.forget_before(cutoff)  # as the store drops them from disk
        if dropped:
            self.log.info("retention: {dropped} receipts and MOs no ESME took in time dropped", dropped=dropped)
        # A failed purge is logged and tried again next hour; it must not end the loop.
        return self._store.purge(cutoff).addCallbacks(self._purged, self._write_failed)

    def _purged(self, count: int) -> None:
        if count:
            self.log.info("retention: {count} finished messages older than {days} days removed",
                          count=count, days=self._config.store.retention_days)  # fmt: skip

    # -- the session's side -----------------------------------------------------------------

    def submit(self, account, message: SubmitSm, octets: bytes | None = None) -> defer.Deferred:
        """octets: the submit_sm (or data_sm) as read from the wire, kept as it is."""
        return self.submit_multi(account, [message], octets)

    def submit_multi(self, account, messages: list[SubmitSm], octets: bytes | None = None, partial: bool = False) -> defer.Deferred:
        """One message_id for one or several destinations, answered once stored. Fires with
        the message_id; with `partial`, with (message_id, [(message, SmppError)]) for the
        destinations the content rules refused, the rest going on (submit_multi answers
        them one by one). If every one is refused, or without `partial` any, SmppError."""
        now = self._clock.seconds()
        decided = [self._admit(account, message, now) for message in messages]
        refused = [(message, SmppError(d.status, d.reason)) for message, d in zip(messages, decided) if isinstance(d, Refusal)]
        if refused and (not partial or len(refused) == len(messages)):
            raise refused[0][1]
        if refused:
            messages = [message for message, d in zip(messages, decided) if not isinstance(d, Refusal)]
        admissions = [d for d in decided if not isinstance(d, Refusal)]
        if len(messages) == 1 and messages[0].replace_if_present_flag and not partial:
            found = self._pending.to_replace(account, messages[0])
            if found is not None:
                again = attrs.evolve(messages[0], replace_if_present_flag=0)
                return self._replace_pending(found, messages[0], "replaced by a submit_sm (replace_if_present_flag)",
                                             instead=lambda: self.submit_multi(account, [again], octets))  # fmt: skip
        first = self._last_number + 1
        self._hold_money(account, first, messages, admissions)  # before numbers and ids are spent
        self._last_number += len(messages)
        ids = message_ids(self._personality(account), first, self._rng)
        accepted, operations = [], []
        if account is not p2p.HANDSETS:  # a handset is no ESME an MO to its number should go to
            self._remember_sender(messages[0].source.digits, account.system_id)
        for offset, (message, admission) in enumerate(zip(messages, admissions)):
            pending = self._pending_for(account, message, first + offset, ids.response, ids.receipt_text, now, admission)
            accepted.append(pending)
            operations += [
                AddMessage(self._stored(pending, pack_body(ids.receipt_text, message, octets if len(messages) == 1 else None, admission.fate))),
                AddEvent(TraceEvent(pending.number, now, "received", self._arrival(account, message))),
                *(AddEvent(TraceEvent(pending.number, now, "policy", note)) for note in admission.notes),
            ]
        written = self._commit(operations)
        written.addErrback(self._not_accepted, accepted)
        written.addCallback(self._accepted, accepted)
        if partial:
            return written.addCallback(lambda _: (ids.response, refused))
        return written.addCallback(lambda _: ids.response)

    def query(self, account, request: QuerySm):
        pending = self._pending.first(request.message_id)
        if pending is not None:
            if belongs(pending.account.system_id, pending.source, account, request.source):
                return QuerySmResp(pending.message_id, int(pending.state), "", pending.error)
        return self._store.message(request.message_id, account.system_id).addCallback(self._queried, account, request)

    def _queried(self, stored: StoredMessage | None, account, request: QuerySm) -> QuerySmResp:
        if stored is None or not belongs(stored.account, Address(digits=stored.source), account, request.source):
            raise SmppError(CommandStatus.ESME_RQUERYFAIL, f"no message {request.message_id!r} from this account")
        final_date = times.absolute(times.utc(stored.done_at)) if stored.done_at else ""
        return QuerySmResp(stored.message_id, stored.state, final_date, min(stored.error, 255))

    def cancel(self, account, request: CancelSm) -> defer.Deferred:
        """cancel_sm by id, or every pending message from source to destination; fires once
        the DELETED states are on disk, so a crash cannot deliver what was cancelled."""
        if request.message_id:
            found = self._pending.found(account, request.message_id, request.source, lambda p: not is_final(p.state))
        else:
            between = self._pending.between(account, request.source.digits, request.destination.digits, request.service_type)
            found = [pending for pending in between if not is_final(pending.state)]
        if not found:
            raise SmppError(CommandStatus.ESME_RCANCELFAIL, f"no pending message {request.message_id!r}")
        finished = [self._finish(pending, Event.CANCEL, pending.error, "cancelled by cancel_sm") for pending in found]
        return defer.gatherResults(finished, consumeErrors=True).addCallback(lambda _: None)

    def replace(self, account, request) -> defer.Deferred:
        """replace_sm: new text, times or receipt request for a message still pending."""
        found = self._pending.found(account, request.message_id, request.source, lambda p: not is_final(p.state))
        if not found:
            raise SmppError(CommandStatus.ESME_RREPLACEFAIL, f"no pending message {request.message_id!r}")
        return defer.gatherResults(
            [self._replace_pending(pending, request, "replaced by replace_sm") for pending in found], consumeErrors=True
        ).addCallback(lambda _: None)

    # -- what the API and trainers use ------------------------------------------------------

    def set_tower(self, tower_id: str, up: bool | None = None, capacity: float | None = None) -> dict:
        tower = self.network.towers[tower_id]
        if capacity is not None:
            tower.air.rate = capacity
        if up is not None and up != tower.up:
            tower.up = up
            self.log.info("tower {tower} {how}", tower=tower_id, how="back up" if up else "down")
            if up:
                held, tower.held = tower.held, []
                now = self._clock.seconds()
                for number, generation in held:
                    pending = self._pending.get(number)
                    if pending is not None and pending.generation == generation:
                        self._next(pending, now, ATTEMPT)
        return tower.snapshot(self._clock.seconds())

    def inject_mo(self, source: Address, destination: Address, text: str) -> defer.Deferred:
        """A handset's message to an ESME address, kept on disk until an ESME has it. Fires
        with the account it went to and its number of segments."""
        system_id = mo.receiving_account(self._config, destination.digits, self._senders)
        if system_id is None:
            return defer.fail(ValueError("no account may receive mobile-originated messages"))
        self._mo_reference += 1
        now = self._clock.seconds()
        operations = []
        for value in mo.mo_pdus(source, destination, text, self._mo_reference):
            operations += self.outbox.queue(system_id, value, now)
        segments = len(operations)
        self.stats.count(system_id, "mo")
        if self.watcher is not None:
            tower = self.tower_of(source)
            self._tell("mo", source.digits, system_id, tower.id if tower else None)
        replied = self.policy.reply(text)
        handset = self._on_network(source)  # as submits name it, however the MO wrote it
        if replied == "out":
            operations.append(OptOut(destination.digits, handset, now))
        elif replied == "in":
            operations.append(OptIn(destination.digits, handset))
        written = self._commit(operations)
        if replied:
            written.addCallback(self._opted, system_id, replied, destination.digits, handset)
        written.addCallback(lambda _: self.outbox.send(operations))
        written.addCallback(lambda _: {"account": system_id, "segments": segments})
        return written

    def send_p2p(self, source: Address, destination: Address, text: str) -> defer.Deferred:
        """A handset's message to another handset, taken from the sender's tower and forwarded
        like any other (smsc.p2p): all its segments under one message_id, or none of them.
        Fires with (message_id, segments); fails with the SmppError of a refusal (the sender's
        tower down or none, no carrier for the recipient, a keyword, the tower's queue full),
        or TooManySegments."""
        sender = self.tower_of(source)
        if sender is None:
            return defer.fail(SmppError(CommandStatus.ESME_RINVSRCADR, f"no carrier serves {source.digits}: there is no tower to send from"))
        if not sender.up:
            return defer.fail(SmppError(CommandStatus.ESME_RSYSERR, f"tower {sender.id}, which serves {source.digits}, is down: the handset has no network"))
        self._mo_reference += 1
        try:
            parts = p2p.submits(source, destination, text, self._mo_reference)
        except TooManySegments as error:
            return defer.fail(error)
        # One submit_multi of the segments: each admitted before any is stored, so a refused
        # segment refuses the whole message and the recipient never gets part of it.
        return defer.maybeDeferred(self.submit_multi, p2p.HANDSETS, parts).addCallback(lambda message_id: (message_id, len(parts)))

    def _arrival(self, account, message: SubmitSm) -> str:
        """Where a message came from, as its trace's first hop says."""
        octets = len(message.short_message)
        if account is not p2p.HANDSETS:
            return f"from {account.system_id}, {octets} octets"
        return f"from {self._handset_via_tower(message.source)}, {octets} octets"

    def _status_report(self, pending: Pending) -> str:
        return f"to {self._handset_via_tower(pending.source)}: {pending.state.name}"

    def _handset_via_tower(self, handset: Address) -> str:
        """'handset 8613800138000 via tower CM-2', as a phone-to-phone trace names its sender."""
        tower = self.tower_of(handset)
        return f"handset {handset.digits}" + (f" via tower {tower.id}" if tower else "")

    def _account(self, system_id: str):
        """A configured account, or the built-in one phone-to-phone messages belong to."""
        return p2p.HANDSETS if p2p.is_handsets(system_id) else self._config.account(system_id)

    def _opted(self, _, system_id: str, replied: str, sender: str, handset: str) -> None:
        """An opt-out or opt-in that is on disk takes effect."""
        if replied == "out":
            self.policy.opt_outs.add(sender, handset)
        else:
            self.policy.opt_outs.remove(sender, handset)
        self.stats.count(system_id, f"opt-{replied}s")

    def _remember_sender(self, source: str, system_id: str) -> None:
        if len(self._senders) >= 100_000 and source not in self._senders:
            self._senders.clear()  # many one-off senders (a load test): start again
        self._senders[source] = system_id

    def whereabouts(self, number: int) -> dict | None:
        """Where a pending message is: its account, destination and the tower that has or will
        have it; None once final."""
        pending = self._pending.get(number)
        if pending is None:
            return None
        tower = pending.tower or self.tower_of(pending.destination)
        where = {"account": pending.account.system_id, "message_id": pending.message_id,
                 "destination": pending.destination.digits, "tower": tower.id if tower else None}  # fmt: skip
        if pending.account is p2p.HANDSETS:  # it came from a phone: the tower that handed it over
            sender = self.tower_of(pending.source)
            where["from_tower"] = sender.id if sender else None
        return where

    def tower_of(self, handset: Address) -> TowerState | None:
        """The tower serving a handset, as routing picks it; None where no carrier serves it
        (an MO's source, a network without a catch-all carrier)."""
        number = self._on_network(handset)
        carrier = self.network.carrier_for(number)
        return carrier.tower_for(number) if carrier else None

    def _tell(self, what: str, *arguments) -> None:
        """The watcher (the dashboard) hears of a write; whatever goes wrong there is logged,
        never a reason for the write itself to fail."""
        try:
            getattr(self.watcher, what)(*arguments)
        except Exception:
            self.log.failure("the dashboard's watcher failed on {what}", what=what)

    def now(self) -> float:
        """The SMSC's time (a trainer's paused clock stands still)."""
        return self._clock.seconds()

    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def store(self):
        """The durable store, for readers such as the HTTP API."""
        return self._store

    # -- admission and bookkeeping ----------------------------------------------------------

    def _admit(self, account, message: SubmitSm, now: float) -> Admission:
        """The network's and the content rules' answer to one message; SmppError if refused."""
        number = self._on_network(message.destination)
        carrier = self.network.carrier_for(number)
        if carrier is None:
            return self._refused(account, message, Refusal(CommandStatus.ESME_RINVDSTADR, f"no carrier serves {message.destination.digits}", "route"))
        tower = carrier.tower_for(number)
        if tower.full(now):
            self.stats.count(account.system_id, "throttled")
            raise SmppError(account.throttle_answer.status, f"tower {tower.id} has {tower.config.queue_limit} queued")
        decided = self.policy.admit(account, message, number, carrier.name, now)
        if isinstance(decided, Refusal):
            return self._refused(account, message, decided)
        return decided

    def _refused(self, account, message: SubmitSm, refusal: Refusal) -> Refusal:
        """Count and keep a refusal for the API; the caller answers with it."""
        self.stats.count(account.system_id, f"refused: {refusal.rule}")
        self.refusals.append({
            "at": self._clock.seconds(), "account": account.system_id, "source": message.source.digits,
            "destination": message.destination.digits, "status": int(refusal.status), "rule": refusal.rule,
            "reason": refusal.reason,
        })  # fmt: skip
        return refusal

    def _hold_money(self, account, first: int, messages: list[SubmitSm], admissions: list[Admission]) -> None:
        """Hold each message's price from a prepaid balance; refuse them all if one does not fit."""
        for offset, (message, admission) in enumerate(zip(messages, admissions)):
            held = self.ledger.hold(account.system_id, first + offset, admission.segments)
            if isinstance(held, LedgerRefusal):
                for earlier in range(first, first + offset):
                    self.ledger.release(earlier)
                refusal = self._refused(account, message, Refusal(PolicyStatus.BALANCE_EXHAUSTED, held.reason, "balance"))
                raise SmppError(refusal.status, refusal.reason)

    def _not_accepted(self, failure, accepted: list[Pending]):
        for pending in accepted:
            self.ledger.release(pending.number)
        return failure

    def _on_network(self, address: Address) -> str:
        return international(address.digits, self._config.network.national_prefix, address.ton)

    def _pending_for(self, account, message, number, message_id, receipt_id, now, admission: Admission = ADMITTED) -> Pending:
        moment = times.utc(now)
        scheduled = times.resolve(message.schedule_delivery_time, moment)
        expires = times.resolve(message.validity_period, moment)
        not_before = scheduled.timestamp() if scheduled else now
        return Pending(
            number=number,
            message_id=message_id,
            receipt_id=receipt_id,
            account=account,
            source=message.source,
            destination=message.destination,
            service_type=message.service_type,
            registered_delivery=message.registered_delivery,
            priority=message.priority_flag > 0,
            last_part=receipting.is_last_part(message),
            preview=receipting.preview(message),
            submitted_at=now,
            not_before=not_before,
            expires_at=expires.timestamp() if expires else now + self._config.network.default_validity,
            marketing=admission.marketing,
            segments=admission.segments,
            fate=admission.fate,
        )

    def _stored(self, pending: Pending, body: bytes) -> StoredMessage:
        return StoredMessage(
            number=pending.number,
            message_id=pending.message_id,
            account=pending.account.system_id,
            source=pending.source.digits,
            destination=pending.destination.digits,
            state=int(pending.state),
            submitted_at=pending.submitted_at,
            due_at=pending.not_before,
            expires_at=pending.expires_at,
            body=body,
            segments=pending.segments,
            charge=self.ledger.held_micros(pending.number),  # what delivery will cost: held till then
        )

    def _accepted(self, _, accepted: list[Pending]) -> None:
        now = self._clock.seconds()
        events = []
        for pending in accepted:
            self._pending.add(pending)
            self.stats.count(pending.account.system_id, "submitted")
            self.rates.count("submitted")
            stored = "on disk" if pending.account is p2p.HANDSETS else "on disk; submit_sm_resp sent"
            events.append(AddEvent(TraceEvent(pending.number, now, "stored", stored)))
        self._write(events)
        for pending in accepted:
            if pending.not_before <= now:
                self._attempt(pending)  # at once, so that the tower's queue counts it now
            else:
                self._next(pending, pending.not_before, ATTEMPT)

    def _personality(self, account, pending: Pending | None = None):
        carrier = self.network.carrier_for(self._on_network(pending.destination)) if pending else None
        name = (carrier and carrier.config.personality) or account.personality
        return self._config.personality(name)

    def _write(self, operations: list) -> None:
        """Operations nothing waits for (trace events, a retry's next time): they join the
        next commit, or are written on their own within FLUSH_AFTER."""
        self._unsaved += operations
        if self.watcher is not None:
            self._tell("written", operations)
        if self._flush_call is None and self._unsaved:
            self._flush_call = self._io_clock.callLater(FLUSH_AFTER, self._flush)

    def _flush(self) -> None:
        if self._flush_call is not None and self._flush_call.active():
            self._flush_call.cancel()
        self._flush_call = None
        if self._unsaved:
            self._commit([]).addErrback(self._write_failed)

    def _commit(self, operations: list) -> defer.Deferred:
        """Write now, after whatever was waiting, and fire once on disk."""
        if self.watcher is not None:
            self._tell("written", operations)  # what waited was told when it came
        operations, self._unsaved = self._unsaved + operations, []
        return self._store.write(operations)

    def _write_failed(self, failure) -> None:
        if failure.check(StoreClosed):
            self.log.info("shutting down: a trace event was not stored")
        else:
            self.log.failure("the store refused a write", failure)

    def _next(self, pending: Pending, when: float, step: str) -> None:
        pending.generation += 1
        self._schedule.at(when, (step, pending.number, pending.generation))

    # -- the steps ----------------------------------------------------------------------------

    def _live(self, item) -> bool:
        if item[0] == ALERT:
            return True
        pending = self._pending.get(item[1])
        return pending is not None and pending.generation == item[2] and not is_final(pending.state)

    def _due(self, item) -> None:
        if item[0] == ALERT:
            return self._alert(item[1])
        step, number, generation = item
        pending = self._pending.get(number)
        if pending is None or pending.generation != generation or is_final(pending.state):
            return  # stale: retried, replaced, cancelled or finished meanwhile
        try:
            {ATTEMPT: self._attempt, ON_AIR: self._on_air, EXPIRE: self._expire}[step](pending)
        except Exception:
            self.log.failure("step {step} of message {number} failed", step=step, number=number)

    def _attempt(self, pending: Pending) -> None:
        now = self._clock.seconds()
        if now >= pending.expires_at:
            return self._expire(pending)
        number = self._on_network(pending.destination)
        if pending.marketing:
            if self._opted_out(pending, number):
                return
            quiet = self.policy.quiet_until(number, now)
            if quiet is not None:
                return self._quiet(pending, *quiet)
        events = []
        if pending.state is MessageState.ACCEPTED:
            pending.state = next_state(pending.state, Event.ROUTE)
        carrier = self.network.carrier_for(number)
        tower = carrier.tower_for(number)
        if not tower.up:
            return self._hold(pending, tower, events)
        if pending.fate is not None:
            return self._filtered(pending, carrier.name, events)
        test = self.handsets.test_number(number)
        transit = 0.0 if test and test.instant else self.network.transit(self.network.message_class(pending.service_type))
        route = self.network.route(tower, now, transit, pending.priority, test.backlog if test else 0.0)
        pending.tower, pending.reached_tower_at = route.tower, route.reaches_tower_at
        events.append(TraceEvent(pending.number, now, "routed", f"to {carrier.name}, tower {tower.id}"))
        self._next(pending, route.on_air_at, ON_AIR)
        self._write([self._change(pending, route.on_air_at), *map(AddEvent, events)])

    def _opted_out(self, pending: Pending, number: str, events=()) -> bool:
        """Marketing whose recipient opted out of its sender since it was accepted (it waited
        for quiet hours, a retry or the tower's queue) is stopped: REJECTD, never delivered."""
        if (pending.source.digits, number) not in self.policy.opt_outs:
            return False
        why = f"{number} opted out of {pending.source.digits} after this was accepted; not sent"
        self._finish(pending, Event.REJECT, OPTED_OUT_ERR, why, events)
        return True

    def _quiet(self, pending: Pending, opening: float, why: str) -> None:
        """Marketing outside the recipient's window waits for it to open, or for its end."""
        now = self._clock.seconds()
        if opening >= pending.expires_at:
            self._next(pending, pending.expires_at, EXPIRE)
            held = TraceEvent(pending.number, now, "held", f"{why}; validity ends before it opens")
        else:
            self._next(pending, opening, ATTEMPT)
            held = TraceEvent(pending.number, now, "held", f"{why}; until {times.iso(opening)}")
        self._write([self._change(pending, min(opening, pending.expires_at)), AddEvent(held)])

    def _filtered(self, pending: Pending, carrier: str, events: list) -> None:
        """The carrier's content filter acts on a message a keyword list marked."""
        fate, now = pending.fate, self._clock.seconds()
        why = f"{carrier}'s content filter: {fate.reason}"
        if fate.action is KeywordAction.REJECTD:
            self._finish(pending, Event.REJECT, fate.err, why, events)
        elif fate.action is KeywordAction.UNDELIV:
            self._finish(pending, Event.FAIL, fate.err, why, events)
        else:  # dropped: nothing more happens until validity ends, and no receipt then
            events.append(TraceEvent(pending.number, now, "dropped", f"{why}; never delivered, no receipt"))
            self._next(pending, pending.expires_at, EXPIRE)
            self._write([self._change(pending, pending.expires_at), *map(AddEvent, events)])

    def _hold(self, pending: Pending, tower: TowerState, events: list) -> None:
        pending.error = int(MapError.SYSTEM_FAILURE)  # what a receipt says if the outage outlasts validity
        self._next(pending, pending.expires_at, EXPIRE)
        tower.held.append((pending.number, pending.generation))
        events.append(TraceEvent(pending.number, self._clock.seconds(), "held", f"tower {tower.id} is down"))
        self._write([self._change(pending, self._clock.seconds()), *map(AddEvent, events)])  # a restart retries it

    def _on_air(self, pending: Pending) -> None:
        now = self._clock.seconds()
        tower = pending.tower
        queued = TraceEvent(pending.number, pending.reached_tower_at, "queued at tower", tower.id)
        if not tower.up:
            return self._hold(pending, tower, [queued])
        number = self._on_network(pending.destination)
        if pending.marketing and self._opted_out(pending, number, [queued]):
            return
        pending.attempts += 1
        if pending.first_attempt_at is None:
            pending.first_attempt_at = now
        tower.sent += 1
        meeting = self.handsets.meet(number, now, pending.first_attempt_at)
        events = [
            queued,
            TraceEvent(pending.number, now, f"attempt {pending.attempts}", f"on air at tower {tower.id}"),
            TraceEvent(pending.number, now, "handset", _describe(meeting)),
        ]
        if meeting.state is HandsetState.ON:
            test = self.handsets.test_number(number)
            lost = ("receipt lost", "lost in the network (test number)") if test and test.receipt_lost else None
            self._finish(pending, Event.DELIVER, 0, events=events, withheld=lost)
            if test and test.reply:
                self.inject_mo(pending.destination, pending.source, test.reply)
            elif pending.marketing and self._rng.random() < self.handsets.churn.opt_out_share:
                self.inject_mo(pending.destination, pending.source, "T")  # had enough of it
        elif meeting.state is HandsetState.UNKNOWN:
            self._finish(pending, Event.FAIL, int(meeting.error), events=events)
        elif meeting.state is HandsetState.BARRED:
            self._finish(pending, Event.REJECT, int(meeting.error), events=events)
        else:
            self._retry(pending, meeting, events)

    def _retry(self, pending: Pending, meeting: Meeting, events: list) -> None:
        now = self._clock.seconds()
        pending.error = int(meeting.error)
        pending.state = next_state(pending.state, Event.RETRY)
        retries = self._config.network.retries
        retry_at = now + retries[min(pending.attempts, len(retries)) - 1]
        if meeting.until is not None:
            retry_at = min(retry_at, meeting.until)  # the network alerts the SMSC when it returns
        operations = []
        if retry_at >= pending.expires_at:
            self._next(pending, pending.expires_at, EXPIRE)
            events.append(TraceEvent(pending.number, now, "waiting", "no retry before validity ends"))
        else:
            self._next(pending, retry_at, ATTEMPT)
            events.append(TraceEvent(pending.number, now, "retry planned", f"in {retry_at - now:.0f} s"))
        if meeting.until is not None and pending.account.alert_notification:
            self._plan_alert(pending, meeting.until)
        if receipting.receipt_wanted(pending.registered_delivery, pending.state, intermediate=True):
            operations += self._receipt(pending, now)
        self.stats.count(pending.account.system_id, f"retried: {MapError(pending.error).name.lower()}")
        changes = [self._change(pending, min(retry_at, pending.expires_at)), *map(AddEvent, events)]
        if operations:  # an intermediate receipt: on disk before it is sent
            self._commit(changes + operations).addCallbacks(lambda _: self._send_receipts(pending, operations), self._write_failed)
        else:
            self._write(changes)

    def _plan_alert(self, pending: Pending, back_at: float) -> None:
        """alert_notification for when the handset returns: once per handset, however many
        of the account's messages wait for it."""
        key = (pending.account.system_id, pending.destination, pending.source)
        if key not in self._alerts:
            self._alerts.add(key)
            self._schedule.at(back_at, (ALERT, key))

    def _alert(self, key: tuple) -> None:
        self._alerts.remove(key)
        system_id, handset, esme = key
        self.stats.count(system_id, "alert_notification")
        self._outbound.send(system_id, wire.AlertNotification(handset, esme, ms_availability_status=0))

    def _expire(self, pending: Pending) -> None:
        dropped = pending.fate is not None and pending.fate.action is KeywordAction.DROP
        self._finish(pending, Event.EXPIRE, pending.error, "validity period ended",
                     withheld=("no receipt", "dropped by the carrier's content filter") if dropped else None)  # fmt: skip

    def _finish(self, pending, event: Event, error: int, why: str = "", events=(), withheld: tuple[str, str] | None = None):
        """Move to a final state, on disk with its receipt before anything is sent. Fires
        once committed; a failed commit puts the message back to be tried again."""
        now = self._clock.seconds()
        before = pending.state, pending.error
        pending.state = next_state(pending.state, event)
        pending.error = error
        pending.generation += 1  # whatever was still scheduled is stale now
        events = list(events)
        events.append(TraceEvent(pending.number, now, pending.state.name.lower(), why or DESCRIPTIONS.get(error, f"err {error}")))
        micros = self.ledger.held_micros(pending.number) if pending.state is MessageState.DELIVERED else 0
        operations = [self._change(pending, now, done_at=now, charge=micros), *map(AddEvent, events)]
        if micros:
            operations.append(Spend(pending.account.system_id, micros))
        if withheld:  # (hop, why): the trace says why the ESME hears nothing
            operations.append(AddEvent(TraceEvent(pending.number, now, *withheld)))
        elif pending.account is p2p.HANDSETS:  # the sending phone's status report, not an SMPP receipt
            operations.append(AddEvent(TraceEvent(pending.number, now, p2p.STATUS_REPORT, self._status_report(pending))))
        elif receipting.receipt_wanted(pending.registered_delivery, pending.state):
            if self._personality(pending.account, pending).receipts_per_segment or pending.last_part:
                operations += self._receipt(pending, now)
        written = self._commit(operations)
        written.addCallbacks(self._finished, self._not_finished, callbackArgs=(pending, operations), errbackArgs=(pending, before, operations))
        return written

    def _not_finished(self, failure, pending: Pending, before: tuple, operations: list):
        """The final state did not reach the disk: as far as anyone knows the message is
        still pending, so it is tried again later (or expires)."""
        self.log.failure("message {number}: final state not stored; it stays pending", failure, number=pending.number)
        pending.state, pending.error = before
        self.outbox.forget(operations)
        retry_at = self._clock.seconds() + self._config.network.retries[0]
        if retry_at < pending.expires_at:
            self._next(pending, retry_at, ATTEMPT)
        else:
            self._next(pending, pending.expires_at, EXPIRE)
        return failure

    def _finished(self, _, pending: Pending, operations: list) -> None:
        if pending.state is MessageState.DELIVERED:
            self.ledger.charge(pending.number)
        else:
            self.ledger.release(pending.number)  # failures cost nothing
        self._pending.remove(pending)
        self.stats.finished(pending.account.system_id, pending.state, pending.error)
        self.rates.count(pending.state.name.lower())
        self._send_receipts(pending, operations)

    def _send_receipts(self, pending: Pending, operations: list) -> None:
        faults = self.faults_for(pending.account)  # wire faults on demand: duplicate or late receipts
        self.outbox.send(operations, pending.number, 2 if faults.duplicate_receipts else 1, faults.receipt_delay,
                         (pending.state.name, pending.submitted_at))  # fmt: skip

    def _change(self, pending: Pending, due_at: float, done_at: float | None = None, charge: int | None = None) -> ChangeMessage:
        return ChangeMessage(pending.number, int(pending.state), pending.attempts, due_at, done_at, pending.error, charge=charge)

    # -- receipts -----------------------------------------------------------------------------

    def _receipt(self, pending: Pending, now: float) -> list:
        """The operations that queue a receipt for the current state."""
        done = times.utc(now)
        receipt = Receipt(pending.receipt_id, pending.state, times.utc(pending.submitted_at), done,
                          error=pending.error, delivered=int(pending.state is MessageState.DELIVERED), text=pending.preview)  # fmt: skip
        value = receipting.receipt_pdu(self._personality(pending.account, pending), receipt, pending.message_id,
                                       sender=pending.source, recipient=pending.destination)  # fmt: skip
        return self.outbox.queue(pending.account.system_id, value, now, pending.number, pending.state.name)

    # -- replacing ----------------------------------------------------------------------------

    @defer.inlineCallbacks
    def _replace_pending(self, pending: Pending, change, why: str, instead=None):
        """New text, times or receipt request for a pending message, on disk first. If the
        message reaches a final state meanwhile, `instead()` runs (a replace_if_present
        submit becomes a new message) or replace_sm fails."""
        stored = yield self._store.message(pending.number)
        if is_final(pending.state) or stored is None:
            if instead is not None:
                return (yield instead())
            raise SmppError(CommandStatus.ESME_RREPLACEFAIL, f"message {pending.message_id!r} is no longer pending")
        receipt_id, message, _ = unpack_body(stored.body)
        message = attrs.evolve(
            message,
            short_message=change.short_message,
            schedule_delivery_time=change.schedule_delivery_time or message.schedule_delivery_time,
            validity_period=change.validity_period or message.validity_period,
            registered_delivery=change.registered_delivery,
        )
        now = self._clock.seconds()
        admission = self._readmit(pending, message, now)  # the new text meets the rules and is paid for
        moment = times.utc(now)
        # Empty fields keep what the message had: a relative time is not measured again from now.
        if change.schedule_delivery_time:
            pending.not_before = times.resolve(change.schedule_delivery_time, moment).timestamp()
        if change.validity_period:
            pending.expires_at = times.resolve(change.validity_period, moment).timestamp()
        pending.registered_delivery = change.registered_delivery
        pending.preview, pending.last_part = receipting.preview(message), receipting.is_last_part(message)
        due_at = max(now, pending.not_before)
        change_op = ChangeMessage(pending.number, int(pending.state), pending.attempts, due_at, None, pending.error,
                                  pack_body(receipt_id, message, fate=pending.fate), pending.expires_at,
                                  charge=self.ledger.held_micros(pending.number), segments=pending.segments)  # fmt: skip
        self._next(pending, due_at, ATTEMPT)  # before the write: whatever was planned is stale
        notes = [AddEvent(TraceEvent(pending.number, now, "policy", note)) for note in admission.notes]
        yield self._commit([change_op, AddEvent(TraceEvent(pending.number, now, "replaced", why)), *notes])
        return pending.message_id

    def _readmit(self, pending: Pending, message: SubmitSm, now: float) -> Admission:
        """The content rules and the balance for a replacing text; SmppError if refused,
        with the message left as it was."""
        number = self._on_network(pending.destination)
        carrier = self.network.carrier_for(number)
        decided = self.policy.admit(pending.account, message, number, carrier.name, now)
        if isinstance(decided, Refusal):
            refusal = self._refused(pending.account, message, decided)
            raise SmppError(refusal.status, refusal.reason)
        if decided.segments != pending.segments:
            self.ledger.release(pending.number)
            held = self.ledger.hold(pending.account.system_id, pending.number, decided.segments)
            if isinstance(held, LedgerRefusal):
                self.ledger.restore(pending.account.system_id, pending.number, pending.segments)
                refusal = self._refused(pending.account, message, Refusal(PolicyStatus.BALANCE_EXHAUSTED, held.reason, "balance"))
                raise SmppError(refusal.status, refusal.reason)
        pending.marketing, pending.fate, pending.segments = decided.marketing, decided.fate, decided.segments
        return decided


def _describe(meeting: Meeting) -> str:
    if meeting.state is HandsetState.ON:
        return "received the message"
    return f"{meeting.state.value.replace('_', ' ')}: err {int(meeting.error):03d} ({DESCRIPTIONS[meeting.error]})"
