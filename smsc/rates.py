"""Event rates for the HTTP API: how many submits or deliveries a second over the last 10 or 60
seconds, counted into one bucket per second of the injected clock.

No timer empties the buckets: each remembers the second it counts, and a bucket whose second
has passed out of the window is reset when that slot is reused or skipped when read. Memory
is one ring of SPAN buckets per kind of event, however many events there are.
"""

SPAN = 60  # seconds remembered: the longest window a rate can be asked for


class Rates:
    def __init__(self, clock):
        self._clock = clock
        self._rings: dict[str, list[list[int]]] = {}  # kind -> SPAN x [second, count]

    def count(self, kind: str, how_many: int = 1) -> None:
        second = int(self._clock.seconds())
        ring = self._rings.get(kind)
        if ring is None:
            ring = self._rings[kind] = [[-1, 0] for _ in range(SPAN)]
        bucket = ring[second % SPAN]
        if bucket[0] != second:
            bucket[0], bucket[1] = second, 0
        bucket[1] += how_many

    def per_second(self, kind: str, seconds: int) -> float:
        """Events a second over the last `seconds` (at most SPAN), the current second included."""
        if not 0 < seconds <= SPAN:
            raise ValueError(f"seconds must be 1 to {SPAN}, got {seconds}")
        now = int(self._clock.seconds())
        ring = self._rings.get(kind, ())
        return sum(count for second, count in ring if now - seconds < second <= now) / seconds

    def snapshot(self, kinds=("submitted", "delivered"), windows=(10, 60)) -> dict[str, dict[str, float]]:
        """{"submitted": {"10s": 4.2, "60s": 1.1}, ...}, rounded to what people read."""
        return {kind: {f"{window}s": round(self.per_second(kind, window), 3) for window in windows} for kind in kinds}
