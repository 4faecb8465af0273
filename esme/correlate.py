"""Receipts matched to the submits they report on, whatever way the carrier writes the id.

A carrier may answer a submit with "1a" and write its receipt about "26" (hex in the response,
decimal in the receipt), pad it with zeros, change its case, or carry the exact id in the
receipted_message_id TLV. Each submit is indexed under every reading of its id
(decimal and hex); a receipt is matched by the TLV first, then the written
text, then by reading. When readings fit several submits, the base pair (response base,
receipt base) seen most often on earlier unambiguous matches decides; with no such evidence
the receipt is left unmatched rather than pinned on the wrong message.

Receipts that never come are found by one deadline queue (submits are registered in time
order, so deadlines are too): no timer per message.

A receipt can overtake the submit_sm_resp it reports on (the SMSC delivered at once and its
response was slow). One that matches nothing is held for `early_hold` seconds, and a submit
answered in that time with the id it names takes it.
"""

import collections

import attrs

SAME = "same text"  # the evidence key for a receipt that writes the id as the response did
_OTHER_BASE = {10: 16, 16: 10}


def _text_key(message_id: str) -> str:
    return message_id.strip().lower().lstrip("0") or "0"


def _by_base(message_id: str) -> tuple[tuple[int, int], ...]:
    """The id's number in each base it reads in ((10, n), (16, m)): pdu.receipts.message_id_readings
    with the base kept, which the evidence needs."""
    written = message_id.strip().lower()
    if not written or len(written) > 40 or not written.isascii():
        return ()
    if not written.strip("0123456789"):
        return (10, int(written, 10)), (16, int(written, 16))
    if not written.strip("0123456789abcdef"):
        return ((16, int(written, 16)),)
    return ()


@attrs.define
class _Entry:
    key: object  # the caller's handle for the submit
    text_key: str
    readings: tuple[tuple[int, int], ...]  # (base, number): every number the response id reads as
    deadline: float
    done: bool = False


@attrs.frozen
class _Early:
    receipt: object  # the caller's reading of the receipt
    keys: tuple[str, ...]  # the text keys it names
    held_until: float


class Correlator:
    def __init__(self, receipt_timeout: float, early_hold: float = 0.0):
        self._timeout = receipt_timeout
        self._early_hold = early_hold
        self._early: dict[str, _Early] = {}
        self._early_order: collections.deque[_Early] = collections.deque()
        self._by_text: dict[str, _Entry] = {}
        self._by_reading: dict[tuple[int, int], list[_Entry]] = collections.defaultdict(list)
        self._deadlines: collections.deque[_Entry] = collections.deque()
        self._evidence: collections.Counter = collections.Counter()  # (response base, receipt base)

    def __len__(self) -> int:
        return len(self._by_text)

    def hold(self, receipt, text_id: str | None, tlv_id: str | None, now: float) -> None:
        """Keep a receipt that matched nothing, for a response still on its way."""
        keys = tuple(_text_key(written) for written in (tlv_id, text_id) if written)
        early = _Early(receipt, keys, now + self._early_hold)
        for key in keys:
            self._early[key] = early
        self._early_order.append(early)

    def expired_early(self, now: float) -> list:
        """The held receipts no response came for in time: unmatched for good."""
        gone = []
        while self._early_order and self._early_order[0].held_until <= now:
            early = self._early_order.popleft()
            if any(self._early.get(key) is early for key in early.keys):
                gone.append(early.receipt)
                for key in early.keys:
                    self._early.pop(key, None)
        return gone

    def _take_early(self, text_key: str):
        early = self._early.get(text_key)  # the same text only: see _plausible
        if early is None:
            return None
        for held in early.keys:
            self._early.pop(held, None)
        return early.receipt

    def expect(self, key, message_id: str, now: float):
        """A submit answered with message_id now awaits its receipt; returns its receipt when
        that came first (the caller ends the wait if it is final)."""
        entry = _Entry(key, _text_key(message_id), _by_base(message_id), now + self._timeout)
        early = self._take_early(entry.text_key) if self._early else None
        self._by_text[entry.text_key] = entry
        for reading in entry.readings:
            self._by_reading[reading].append(entry)
        self._deadlines.append(entry)
        return early

    def match(self, text_id: str | None, tlv_id: str | None = None, final: bool = True):
        """The key of the submit a receipt names, or None. A final receipt ends the wait."""
        entry = self._by_text.get(_text_key(tlv_id)) if tlv_id else None
        if entry is not None and text_id:
            self._learn(self._pairs(entry, text_id))  # the carrier's habit
        elif entry is None and text_id:
            entry = self._by_receipt_text(text_id)
        if entry is None:
            return None
        if final:
            self._forget(entry)
        return entry.key

    @staticmethod
    def _pairs(entry: _Entry, text_id: str) -> set:
        """How a receipt's text id relates to the response's id: the same text, or the same
        number in (response base, receipt base)."""
        if entry.text_key == _text_key(text_id):
            return {SAME}
        receipt = _by_base(text_id)
        return {(rb, qb) for rb, number in entry.readings for qb, other in receipt if number == other}

    def _learn(self, pairs) -> None:
        for pair in pairs:
            self._evidence[pair] += 1

    def _by_receipt_text(self, text_id: str):
        candidates = {}
        same = self._by_text.get(_text_key(text_id))
        if same is not None:
            candidates[id(same)] = (same, {SAME})
        for receipt_base, number in _by_base(text_id):
            # The same number in the same base is the same text, seen above.
            response_base = _OTHER_BASE[receipt_base]
            for entry in self._by_reading.get((response_base, number), ()):
                if self._plausible(entry.text_key, text_id, response_base):
                    candidates.setdefault(id(entry), (entry, set()))[1].add((response_base, receipt_base))
        if len(candidates) <= 1:
            for entry, pairs in candidates.values():
                self._learn(pairs)
                return entry
            return None
        # Several fit: trust what this carrier did before; SMPP's own rule (the same text)
        # wins when nothing was seen yet. A tie is left unmatched, not guessed.
        scored = sorted(
            ((max(self._evidence[pair] + (0.5 if pair == SAME else 0) for pair in pairs), entry) for entry, pairs in candidates.values()),
            key=lambda scored: -scored[0],
        )
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
            return None
        return scored[0][1]

    def _plausible(self, response_key: str, text_id: str, response_base: int) -> bool:
        """Whether reading the ids in different bases may be trusted: the hex one shows a
        letter, or this carrier was seen doing it. "63" is 99 in hex, and a stale receipt for
        message 99 must not end message 63's wait."""
        hex_side = response_key if response_base == 16 else text_id.strip().lower()
        return not hex_side.isdigit() or self._evidence[(response_base, _OTHER_BASE[response_base])] > 0

    def _forget(self, entry: _Entry) -> None:
        entry.done = True
        if self._by_text.get(entry.text_key) is entry:  # an SMSC that restarted its counter may reuse an id
            del self._by_text[entry.text_key]
        for reading in entry.readings:
            listed = self._by_reading.get(reading)
            if listed is not None:
                listed.remove(entry)
                if not listed:
                    del self._by_reading[reading]

    def overdue(self, now: float) -> list:
        """Keys of the submits whose receipt did not come in time; they are waited for no more."""
        late = []
        while self._deadlines and (self._deadlines[0].done or self._deadlines[0].deadline <= now):
            entry = self._deadlines.popleft()
            if not entry.done:
                self._forget(entry)
                late.append(entry.key)
        return late

    def next_deadline(self) -> float | None:
        """When overdue() or expired_early() next has something to say."""
        while self._deadlines and self._deadlines[0].done:
            self._deadlines.popleft()
        times = [self._deadlines[0].deadline] if self._deadlines else []
        if self._early_order:
            times.append(self._early_order[0].held_until)
        return min(times, default=None)
