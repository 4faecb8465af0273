"""The segments of long messages as they arrive, so that the rules about a whole message (a
marketing message's signature and opt-out) judge the whole text, not each 67-character piece.

The SMSC answers every segment on its own, as carriers do; the segment that completes a
message (in any order) is the one judged on the whole text, and refused if the whole fails.
Incomplete messages are forgotten after HOLD seconds, the oldest first past MOST.
"""

import collections

HOLD = 600.0  # seconds a message's first segment waits for the rest
MOST = 10_000  # long messages in progress at once


class LongMessages:
    def __init__(self):
        self._waiting: collections.OrderedDict[tuple, tuple[float, dict[int, str]]] = collections.OrderedDict()

    def add(self, key: tuple, seqnum: int, total: int, text: str, now: float) -> str | None:
        """The whole text when this segment completes its message, else None. key: what
        tells one long message from another (account, source, destination, reference, total)."""
        self._forget_before(now - HOLD)
        started, parts = self._waiting.get(key, (now, {}))
        parts[seqnum] = text
        if len(parts) < total:
            self._waiting[key] = (started, parts)
            while len(self._waiting) > MOST:
                self._waiting.popitem(last=False)
            return None
        self._waiting.pop(key, None)
        return "".join(parts[number] for number in sorted(parts))

    def _forget_before(self, cutoff: float) -> None:
        while self._waiting:
            key, (started, _) = next(iter(self._waiting.items()))
            if started >= cutoff:
                return
            del self._waiting[key]
