"""What a timeline step can do, each a frozen value with the keys it takes in the file and an
apply(world) that does it to the running SMSC (scenarios.world.World): towers down, up or
slowed, links dropped or silent, wire faults, the SMSC crashing, keyword lists changed,
handsets churning, receipts delayed."""

import os

import attrs

from pdu.config_file import ConfigError, ConfigProblem, line_of, structure_part
from pdu.durations import Seconds
from smsc.faults import WireFaults
from smsc.network_config import Churn
from pdu.validators import not_negative, positive


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
    capacity: float = attrs.field(validator=positive)
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

    seconds: Seconds = attrs.field(validator=positive)
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


@attrs.frozen
class SmscCrash:
    """The SMSC process dies (no clean stop) and is started again on its data after
    `down_for` seconds; meanwhile the ESMEs' connections are refused. They reconnect by
    themselves; the new SMSC recovers pending messages and unsent receipts."""

    down_for: Seconds = attrs.field(default=Seconds(30), validator=not_negative)

    def apply(self, world) -> None:
        world.crash(self.down_for)


@attrs.frozen
class Keywords:
    """A keyword list's words change: from now on the list `list` (a [[smsc.policy.keywords]]
    entry) holds the inline `words`, or the words of `file` (relative to the scenario file).
    Messages accepted before keep the fate decided at their submit."""

    list: str
    words: tuple[str, ...] | None = None
    file: str | None = None

    def __attrs_post_init__(self):
        if (self.words is None) == (self.file is None):
            raise ValueError("give either words (a list of keywords) or file (a keyword file), not both or neither")
        if self.words is not None and not all(word.strip() for word in self.words):
            raise ValueError("words must be keywords, not empty strings")

    def apply(self, world) -> None:
        world.set_keywords(self.list, file=self.file, words=self.words)


@attrs.frozen
class HandsetChurn:
    """Handsets churn: the share of handsets switched off (`absent`), out of coverage or with a
    full SIM, each a table like [smsc.network.handsets.absent]: { share = 0.2, minutes = 5 }.
    What is not given stays; for `seconds` only when given, then back to what it was. Handsets
    already away stay away for the rest of their stay."""

    absent: Churn | None = None
    out_of_coverage: Churn | None = None
    sim_full: Churn | None = None
    seconds: Seconds | None = attrs.field(default=None, validator=attrs.validators.optional(positive))

    def apply(self, world) -> None:
        before = world.handsets()
        changed = [name for name in ("absent", "out_of_coverage", "sim_full") if getattr(self, name) is not None]
        world.set_handsets(attrs.evolve(before, **{name: getattr(self, name) for name in changed}))
        if self.seconds is not None:
            back = {name: getattr(before, name) for name in changed}

            def restore():  # only what this step changed: another step may have changed the rest since
                world.set_handsets(attrs.evolve(world.handsets(), **back))

            world.later(self.seconds, "handsets", {name: attrs.asdict(churn) for name, churn in back.items()}, restore)


@attrs.frozen
class ReceiptsDelay:
    """The account's receipts are held back `delay` seconds each (0: on time again); for
    `seconds` only when given. They are on disk meanwhile, and keep their order."""

    delay: Seconds = attrs.field(validator=not_negative)
    seconds: Seconds | None = attrs.field(default=None, validator=attrs.validators.optional(positive))
    account: str = "smppclient1"

    def apply(self, world) -> None:
        before = world.faults(self.account).receipt_delay
        world.set_faults(self.account, attrs.evolve(world.faults(self.account), receipt_delay=self.delay))
        if self.seconds is not None:

            def restore():  # only the delay: the link's other faults may have changed since
                world.set_faults(self.account, attrs.evolve(world.faults(self.account), receipt_delay=before))

            world.later(self.seconds, "receipts_delay", {"delay": before, "account": self.account}, restore)


ACTIONS = {
    "tower_down": TowerDown,
    "tower_up": TowerUp,
    "tower_capacity": TowerCapacity,
    "link_drop": LinkDrop,
    "link_silent": LinkSilent,
    "faults": Faults,
    "smsc_crash": SmscCrash,
    "keywords": Keywords,
    "handsets": HandsetChurn,
    "receipts_delay": ReceiptsDelay,
}


def action(step, file: str = "", source: str = "", index: int | None = None):
    """The action a timeline step names, with its keys checked; ConfigError naming the file,
    line and key when the step is wrong."""
    where = f"timeline[{index}]" if index is not None else "timeline"
    kind = ACTIONS.get(step.do)
    if kind is None:
        message = f"expected one of {', '.join(sorted(ACTIONS))}, got {step.do!r}"
        raise ConfigError(file, (ConfigProblem(f"{where}.do", line_of(source, f"{where}.do"), message),))
    made = structure_part(step.params, kind, file, source, path=where)
    if isinstance(made, Keywords) and made.file is not None:
        made = attrs.evolve(made, file=os.path.join(step.folder, os.path.expanduser(made.file)))  # next to the scenario
    return made
