"""Reassembling long messages from segments that arrive out of order, twice, or never.

The caller passes the time with every call (no clock here), and chooses the key that scopes
references: usually (source address, destination address), as a handset does.
"""

from collections.abc import Hashable

import attrs

from pdu.segments import PartInfo


@attrs.frozen
class Incomplete:
    """A long message whose parts stopped arriving before the timeout."""

    key: Hashable
    reference: int
    total: int
    received: tuple[int, ...]
    missing: tuple[int, ...]
    first_seen: float


@attrs.define
class _Pending:
    total: int
    first_seen: float
    bodies: dict[int, bytes] = attrs.Factory(dict)


class Reassembler:
    """Collects segments per (key, reference, total) until every part is in."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._pending: dict[tuple, _Pending] = {}
        # Messages completed within the timeout: a late duplicate of one of their parts is
        # dropped instead of opening a new message that would later expire as incomplete.
        self._completed: dict[tuple, float] = {}

    def __len__(self) -> int:
        """Messages still waiting for parts."""
        return len(self._pending)

    def add(self, key: Hashable, part: PartInfo, body: bytes, now: float) -> bytes | None:
        """Take one part; return the whole body once the last missing part arrives.

        A duplicate of a part already held, or of a message already whole, is ignored.
        """
        if not 1 <= part.seqnum <= part.total:
            raise ValueError(f"segment {part.seqnum} of {part.total} is impossible")
        slot = (key, part.reference, part.total)
        if slot in self._completed:
            return None
        pending = self._pending.setdefault(slot, _Pending(part.total, now))
        pending.bodies.setdefault(part.seqnum, body)
        if len(pending.bodies) < pending.total:
            return None
        del self._pending[slot]
        self._completed[slot] = now
        return b"".join(pending.bodies[seqnum] for seqnum in range(1, pending.total + 1))

    def expire(self, now: float) -> list[Incomplete]:
        """Give up on messages older than the timeout and say which parts never came."""
        for slot, completed_at in list(self._completed.items()):
            if now - completed_at < self.timeout:
                break
            del self._completed[slot]
        expired = []
        # Insertion order is arrival order, so the oldest come first and the scan stops early.
        for slot, pending in list(self._pending.items()):
            if now - pending.first_seen < self.timeout:
                break
            del self._pending[slot]
            key, reference, total = slot
            received = tuple(sorted(pending.bodies))
            missing = tuple(seqnum for seqnum in range(1, total + 1) if seqnum not in pending.bodies)
            expired.append(Incomplete(key, reference, total, received, missing, pending.first_seen))
        return expired
