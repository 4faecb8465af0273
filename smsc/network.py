"""The simulated radio network between the SMSC and the handsets: carriers own number
ranges, towers put messages on air at their capacity, and queues grow when traffic passes it.

Queues are virtual: each carrier link and tower keeps the time it is next free, and a
message's time on air is reserved when it is routed (`free_at` moves on by 1 / capacity).
Queue depth follows from that time, so congestion costs no timer and no per-message work.
"""

import math
import zlib

import attrs

from smsc import network_config


def international(digits: str, national_prefix: str = "86", ton: int = 0) -> str:
    """A destination as the network numbers it: no '+' or '00', country code in front of
    eleven-digit national mobile numbers unless the TON says international (1): then
    12025550123 is a number in the USA, not a Chinese mobile."""
    number = digits.strip().removeprefix("+")
    if number.startswith("00"):
        number = number[2:]
    if ton != 1 and len(number) == 11 and number.startswith("1"):
        number = national_prefix + number
    return number


class Link:
    """A carrier link or a tower: one server that takes `rate` messages a second in order."""

    def __init__(self, rate: float | None):
        self.rate = rate
        self.free_at = 0.0

    def reserve(self, arrives_at: float) -> float:
        """When a message arriving then leaves; the link is then busy for 1 / rate more."""
        if self.rate is None:
            return arrives_at
        leaves_at = max(arrives_at, self.free_at)
        self.free_at = leaves_at + 1.0 / self.rate
        return leaves_at

    def waiting(self, now: float) -> int:
        """Messages queued at `now`, as the reserved time ahead implies."""
        if self.rate is None or self.free_at <= now:
            return 0
        return math.ceil((self.free_at - now) * self.rate)


class TowerState:
    def __init__(self, config: network_config.Tower, carrier: "CarrierState"):
        self.id = config.id
        self.config = config
        self.carrier = carrier
        self.up = True
        self.air = Link(config.capacity)
        self.held: list = []  # what waits for the tower to come back up (engine's tokens)
        self.sent = 0  # messages put on air

    @property
    def capacity(self) -> float:
        return self.air.rate

    def full(self, now: float) -> bool:
        return self.air.waiting(now) >= self.config.queue_limit

    def snapshot(self, now: float) -> dict:
        return {
            "id": self.id,
            "carrier": self.carrier.name,
            "up": self.up,
            "capacity": self.capacity,
            "queue": self.air.waiting(now),
            "queue_limit": self.config.queue_limit,
            "held": len(self.held),
            "sent": self.sent,
        }


class CarrierState:
    def __init__(self, config: network_config.Carrier):
        self.name = config.name
        self.config = config
        self.link = Link(config.tps)
        self.towers = [TowerState(tower, self) for tower in config.towers]
        self._by_hash = [tower for tower in self.towers if not tower.config.serves] or self.towers
        self._served = sorted(
            ((prefix, tower) for tower in self.towers for prefix in tower.config.serves),
            key=lambda entry: -len(entry[0]),
        )

    def tower_for(self, number: str) -> TowerState:
        """The configured tower for the number's range, else one chosen by the number's hash,
        so a subscriber always sits in the same cell."""
        for prefix, tower in self._served:
            if number.startswith(prefix):
                return tower
        return self._by_hash[zlib.crc32(number.encode("ascii", "replace")) % len(self._by_hash)]


@attrs.frozen
class Route:
    """One attempt's path: when it reaches its tower and when it goes on air."""

    tower: TowerState
    reaches_tower_at: float
    on_air_at: float


class Network:
    def __init__(self, config: network_config.Network, rng):
        self.config = config
        self._rng = rng
        self.carriers = [CarrierState(carrier) for carrier in config.carriers]
        self.towers = {tower.id: tower for carrier in self.carriers for tower in carrier.towers}
        self._by_prefix = {prefix: carrier for carrier in self.carriers for prefix in carrier.config.prefixes}
        self._prefix_lengths = sorted({len(prefix) for prefix in self._by_prefix}, reverse=True)

    def carrier_for(self, number: str) -> CarrierState | None:
        """The carrier owning the number: the longest matching prefix wins."""
        for length in self._prefix_lengths:
            carrier = self._by_prefix.get(number[:length])
            if carrier is not None:
                return carrier
        return None

    def tower_for(self, number: str) -> TowerState | None:
        carrier = self.carrier_for(number)
        return carrier.tower_for(number) if carrier else None

    def message_class(self, service_type: str) -> str:
        return self.config.classes.get(service_type, self.config.default_class)

    def transit(self, message_class: str) -> float:
        """Seconds from the SMSC to the tower, drawn from the class's distribution."""
        latency = self.config.latency[message_class]
        return self._rng.lognormvariate(math.log(latency.median), latency.sigma)

    @staticmethod
    def route(tower: TowerState, now: float, transit: float, priority: bool = False, backlog: float = 0.0) -> Route:
        """Reserve the tower's carrier link and the tower for one attempt. A priority message
        does not wait behind the tower's queue."""
        departs_at = tower.carrier.link.reserve(now)
        reaches_tower_at = departs_at + transit
        # The tower's turn is booked in the order messages leave the SMSC, then the transit
        # added: booked at each arrival instead, one message with a long transit (the
        # latency's tail) pushed every later booking behind it, minutes of false queue.
        on_air_at = tower.air.reserve(departs_at) + transit
        if priority:
            on_air_at = reaches_tower_at
        on_air_at += tower.config.backlog + backlog
        return Route(tower, reaches_tower_at, on_air_at)
