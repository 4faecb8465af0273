"""A stand-in for the store-and-forward engine: accepts every message and reports it
delivered after the account's receipt_delay (from its schedule_delivery_time when later).

It answers query_sm and cancel_sm for the messages it holds and writes ids and receipts in
the account's carrier personality. It keeps nothing on disk; it goes away when the engine
(with its store, network model and test numbers) lands behind the same three methods.
"""

import collections
import datetime
import random

import attrs

from pdu import segments, times
from pdu import text as textcodec
from pdu.receipts import Receipt, build_receipt
from pdu.status import CommandStatus, MessageState
from pdu.stored import CancelSm, QuerySm, QuerySmResp
from pdu.wire import DataSm, DeliverSm, SubmitSm
from smsc.errors import SmppError
from smsc.personality import Personality, ReceiptPdu, message_ids

HELD_AT_MOST = 100_000  # messages kept for query_sm; the oldest are forgotten first


def preview(message: SubmitSm, length: int = 20) -> str:
    """The first characters of a message for the receipt's text: field, printable ASCII only."""
    try:
        encoding = textcodec.encoding_for_data_coding(message.data_coding)
        body = message.tlvs.get("message_payload") or message.short_message
        if message.udhi and "message_payload" not in message.tlvs:
            _, body = segments.parse_udh(body)
        text = textcodec.decode(body, encoding)
    except (ValueError, TypeError):
        return ""
    return "".join(char for char in text if " " <= char <= "~")[:length]


def receipt_wanted(registered_delivery: int, state: MessageState) -> bool:
    """registered_delivery 1: a receipt for every outcome; 2: only for failures."""
    wanted = registered_delivery & 0x03
    return wanted == 1 or (wanted == 2 and state is not MessageState.DELIVERED)


def is_last_part(message: SubmitSm) -> bool:
    """False for every part of a long message but its last; True for a single message."""
    try:
        info, _ = segments.part_info(message.short_message, message.udhi, message.tlvs)
    except segments.MalformedHeader:
        return True
    return info is None or info.seqnum == info.total


@attrs.define
class _Held:
    account: object
    personality: Personality
    message: SubmitSm
    response_id: str
    receipt_text_id: str
    submitted: datetime.datetime
    state: MessageState = MessageState.ENROUTE
    done: datetime.datetime | None = None
    delivery: object = None  # the pending IDelayedCall while ENROUTE


class StandInEngine:
    def __init__(self, clock, outbound, personalities, rng: random.Random | None = None):
        """personalities(name) gives the Personality an account names."""
        self._clock = clock
        self._outbound = outbound
        self._personalities = personalities
        self._rng = rng or random.Random()
        # message_id -> one _Held per destination (several for submit_multi)
        self._held: collections.OrderedDict[str, list[_Held]] = collections.OrderedDict()
        self._last_number = 0

    def _now(self) -> datetime.datetime:
        return times.utc(self._clock.seconds())

    def submit(self, account, message: SubmitSm) -> str:
        return self.submit_multi(account, [message])

    def submit_multi(self, account, messages: list[SubmitSm]) -> str:
        """One message_id for several destinations; each is delivered and receipted alone."""
        self._last_number += 1
        personality = self._personalities(account.personality)
        ids = message_ids(personality, self._last_number, self._rng)
        now = self._now()
        held = [_Held(account, personality, message, ids.response, ids.receipt_text, now) for message in messages]
        for one in held:
            self._schedule(one)
        self._held[ids.response] = held
        if len(self._held) > HELD_AT_MOST:
            self._held.popitem(last=False)
        return ids.response

    def _schedule(self, held: _Held) -> None:
        now = self._now()
        scheduled = times.resolve(held.message.schedule_delivery_time, now) or now
        delay = max(0.0, (scheduled - now).total_seconds()) + held.account.receipt_delay
        held.delivery = self._clock.callLater(delay, self._deliver, held)

    def query(self, account, request: QuerySm) -> QuerySmResp:
        found = self._find(account, request.message_id, request.source)
        if not found:
            raise SmppError(CommandStatus.ESME_RQUERYFAIL, f"no message {request.message_id!r} from this account")
        held = found[0]
        final_date = times.absolute(held.done) if held.done else ""
        return QuerySmResp(held.response_id, int(held.state), final_date, 0)

    def cancel(self, account, request: CancelSm) -> None:
        pending = [held for held in self._find(account, request.message_id, request.source) if self._pending(held)]
        if not pending:
            raise SmppError(CommandStatus.ESME_RCANCELFAIL, f"no pending message {request.message_id!r}")
        for held in pending:
            held.delivery.cancel()
            held.state, held.done = MessageState.DELETED, self._now()

    def replace(self, account, request) -> None:
        """replace_sm: new text, times or receipt request for a message still pending."""
        pending = [held for held in self._find(account, request.message_id, request.source) if self._pending(held)]
        if not pending:
            raise SmppError(CommandStatus.ESME_RREPLACEFAIL, f"no pending message {request.message_id!r}")
        for held in pending:
            held.message = attrs.evolve(
                held.message,
                short_message=request.short_message,
                schedule_delivery_time=request.schedule_delivery_time or held.message.schedule_delivery_time,
                validity_period=request.validity_period or held.message.validity_period,
                registered_delivery=request.registered_delivery,
            )
            held.delivery.cancel()
            self._schedule(held)

    @staticmethod
    def _pending(held: _Held) -> bool:
        return held.state is MessageState.ENROUTE

    def _find(self, account, message_id: str, source) -> list[_Held]:
        found = self._held.get(message_id, [])
        if not found or found[0].account.system_id != account.system_id:
            return []
        if source.digits and source.digits != found[0].message.source.digits:
            return []
        return found

    def _deliver(self, held: _Held) -> None:
        held.state, held.done = MessageState.DELIVERED, self._now()
        message = held.message
        if not receipt_wanted(message.registered_delivery, held.state):
            return
        if not held.personality.receipts_per_segment and not is_last_part(message):
            return
        receipt = Receipt(held.receipt_text_id, held.state, held.submitted, held.done, text=preview(message))
        text, tlvs = build_receipt(receipt, held.personality.receipt_format())
        receipt_tlvs = {}
        if tlvs is not None:
            receipt_tlvs = {"receipted_message_id": held.response_id, "message_state": int(tlvs.message_state)}
        pdu = self._receipt_pdu(held, text, receipt_tlvs)
        for _ in range(2 if held.account.faults.duplicate_receipts else 1):
            self._outbound.send(held.account.system_id, pdu)

    @staticmethod
    def _receipt_pdu(held: _Held, text: str, tlvs: dict):
        message, personality = held.message, held.personality
        if personality.receipt_pdu is ReceiptPdu.DATA_SM:
            return DataSm(
                source=message.destination,
                destination=message.source,
                esm_class=personality.receipt_esm_class,
                tlvs={**tlvs, "message_payload": text.encode("ascii")},
            )
        return DeliverSm(
            source=message.destination,
            destination=message.source,
            short_message=text.encode("ascii"),
            esm_class=personality.receipt_esm_class,
            tlvs=tlvs,
        )
