"""What the engine keeps of a message not yet final: a small record in memory (the text and
the PDU stay on disk), and the body the store keeps for it."""

import attrs

from pdu import wire
from pdu.fields import Address
from pdu.status import MessageState
from pdu.wire import SubmitSm
from smsc.network import TowerState
from smsc.policy.decisions import pack_fate, unpack_fate


@attrs.define(slots=True, eq=False)
class Pending:
    """What the engine keeps in memory for a message not yet final; the text stays on disk."""

    number: int
    message_id: str
    receipt_id: str  # the id as the receipt text writes it
    account: object  # smsc.config.Account
    source: Address
    destination: Address
    service_type: str
    registered_delivery: int
    priority: bool
    last_part: bool  # a single message, or the last part of a long one
    preview: str  # the receipt's text: field
    submitted_at: float
    not_before: float
    expires_at: float
    state: MessageState = MessageState.ACCEPTED
    attempts: int = 0
    error: int = 0
    first_attempt_at: float | None = None
    tower: TowerState | None = None
    reached_tower_at: float = 0.0
    generation: int = 0  # bumped whenever a new step is scheduled; older steps are stale
    marketing: bool = False
    segments: int = 1  # billable
    fate: object = None  # smsc.policy.decisions.Fate: what the carrier's content filter will do

    @property
    def replace_key(self) -> tuple:
        return (self.account.system_id, self.source.digits, self.destination.digits, self.service_type)


def pack_body(receipt_id: str, message: SubmitSm, octets: bytes | None = None, fate=None) -> bytes:
    """What the store keeps of a message: its receipt-text id, what the carrier's content
    filter will do to it (when a keyword list marked it), and the PDU it came in (the octets
    as read when the session has them, which saves encoding it again; else encoded here, and
    marked "W" so that the message inspector does not show it as read from the wire)."""
    marked = b"F" + pack_fate(fate) + b"\0" if fate is not None else b""
    return receipt_id.encode("utf-8") + b"\0" + marked + (octets or b"W" + wire.encode(message, 1))


def body_pdu(body: bytes) -> tuple[bytes, bool]:
    """The PDU's octets in a body, and whether they are the octets as read from the wire (not
    a submit_multi's destination or a replaced message, which the SMSC encoded itself)."""
    _, _, rest = body.partition(b"\0")
    if rest[:1] == b"F":
        rest = rest[1:].partition(b"\0")[2]
    return (rest[1:], False) if rest[:1] == b"W" else (rest, True)


def unpack_body(body: bytes) -> tuple[str, SubmitSm, object]:
    """(receipt_id, message, fate or None). A PDU's first octet is 0 (its length is under
    16 MB), so an "F" there starts a fate and a "W" the PDU the SMSC wrote."""
    receipt_id, _, rest = body.partition(b"\0")
    fate = None
    if rest[:1] == b"F":
        packed, _, rest = rest[1:].partition(b"\0")
        fate = unpack_fate(packed)
    if rest[:1] == b"W":
        rest = rest[1:]
    _, message = wire.decode(rest)
    if isinstance(message, wire.DataSm):
        message = message.as_submit()
    return receipt_id.decode("utf-8"), message, fate


def belongs(owner: str, source: Address, account, asked_source: Address) -> bool:
    """A message is an account's own, and (when the request names one) from that source."""
    return owner == account.system_id and (not asked_source.digits or asked_source.digits == source.digits)


class PendingIndex:
    """The messages not yet final, by number, by message_id (several for submit_multi) and by
    what replace_if_present matches (account, source, destination, service_type)."""

    def __init__(self):
        self._by_number: dict[int, Pending] = {}
        self._by_id: dict[str, list[int]] = {}
        self._by_replace_key: dict[tuple, int] = {}

    def __len__(self) -> int:
        return len(self._by_number)

    def get(self, number: int) -> Pending | None:
        return self._by_number.get(number)

    def add(self, pending: Pending) -> None:
        self._by_number[pending.number] = pending
        self._by_id.setdefault(pending.message_id, []).append(pending.number)
        self._by_replace_key[pending.replace_key] = pending.number

    def remove(self, pending: Pending) -> None:
        self._by_number.pop(pending.number, None)
        numbers = self._by_id.get(pending.message_id, [])
        if pending.number in numbers:
            numbers.remove(pending.number)
        if not numbers:
            self._by_id.pop(pending.message_id, None)
        if self._by_replace_key.get(pending.replace_key) == pending.number:
            del self._by_replace_key[pending.replace_key]

    def first(self, message_id: str) -> Pending | None:
        numbers = self._by_id.get(message_id)
        return self._by_number[numbers[0]] if numbers else None

    def found(self, account, message_id: str, source: Address, still_pending) -> list[Pending]:
        """The account's messages under an id that `still_pending(pending)` accepts."""
        pendings = [self._by_number[number] for number in self._by_id.get(message_id, [])]
        return [p for p in pendings if belongs(p.account.system_id, p.source, account, source) and still_pending(p)]

    def between(self, account, source: str, destination: str, service_type: str) -> list[Pending]:
        """cancel_sm without an id: every message of the account from source to destination."""
        return [p for p in self._by_number.values() if p.account.system_id == account.system_id
                and p.source.digits == source and p.destination.digits == destination
                and (not service_type or p.service_type == service_type)]  # fmt: skip

    def to_replace(self, account, message: SubmitSm) -> Pending | None:
        number = self._by_replace_key.get((account.system_id, message.source.digits, message.destination.digits, message.service_type))
        return self._by_number.get(number) if number is not None else None
