"""What a timeline step can do, each a frozen value with the keys it takes in the file and an
apply(world) that does it to the running SMSC (scenarios.world.World)."""

import attrs

from pdu.config_file import ConfigError, ConfigProblem, line_of, structure_part
from pdu.durations import Seconds
from smsc.faults import WireFaults


def _positive(instance, attribute, value):
    if value <= 0:
        raise ValueError(f"{attribute.name} must be above 0, got {value}")


@attrs.frozen
class TowerDown:
    """The tower stops putting messages on air; what is routed to it is held."""

    tower: str

    def apply(self, world) -> None:
        world.tower(self.tower).set(up=False)


@attrs.frozen
class TowerUp:
    """The tower is back: what it held goes on air."""

    tower: str

    def apply(self, world) -> None:
        world.tower(self.tower).set(up=True)


@attrs.frozen
class TowerCapacity:
    """The tower now puts `capacity` messages a second on air; for `seconds` only when given
    (a congestion spike), then back to what it was."""

    tower: str
    capacity: float = attrs.field(validator=_positive)
    seconds: Seconds | None = None

    def apply(self, world) -> None:
        tower = world.tower(self.tower)
        before = tower.capacity
        tower.set(capacity=self.capacity)
        if self.seconds is not None:
            world.later(self.seconds, "tower_capacity", {"tower": self.tower, "capacity": before}, lambda: tower.set(capacity=before))


@attrs.frozen
class LinkDrop:
    """The SMSC drops every bind of the account (the ESMEs reconnect)."""

    account: str = "smppclient1"

    def apply(self, world) -> None:
        world.drop_links(self.account)


@attrs.frozen
class LinkSilent:
    """The SMSC reads the account's requests and answers none for `seconds`."""

    seconds: Seconds = attrs.field(validator=_positive)
    account: str = "smppclient1"

    def apply(self, world) -> None:
        before = world.faults(self.account)
        world.set_faults(self.account, attrs.evolve(before, silent=True))
        world.later(self.seconds, "link_answers", {"account": self.account}, lambda: world.set_faults(self.account, before))


@attrs.frozen
class Faults:
    """Switch the account's wire faults (the keys of [accounts.faults]; all off: a healthy link)."""

    account: str = "smppclient1"
    faults: WireFaults = WireFaults()

    def apply(self, world) -> None:
        world.set_faults(self.account, self.faults)


ACTIONS = {
    "tower_down": TowerDown,
    "tower_up": TowerUp,
    "tower_capacity": TowerCapacity,
    "link_drop": LinkDrop,
    "link_silent": LinkSilent,
    "faults": Faults,
}


def action(step, file: str = "", source: str = "", index: int | None = None):
    """The action a timeline step names, with its keys checked; ConfigError naming the file,
    line and key when the step is wrong."""
    where = f"timeline[{index}]" if index is not None else "timeline"
    kind = ACTIONS.get(step.do)
    if kind is None:
        message = f"expected one of {', '.join(sorted(ACTIONS))}, got {step.do!r}"
        raise ConfigError(file, (ConfigProblem(f"{where}.do", line_of(source, f"{where}.do"), message),))
    return structure_part(step.params, kind, file, source, path=where)
