"""Several SMSCs at once: routing by destination prefix and failover, against two of the
project's SMSCs in memory, in virtual time."""

import random

import pytest

from esme import outcome
from esme.routing import NoRoute, Route, Router
from esme.sender import Sender
from esme.settings import Settings
from smsc.faults import WireFaults
from smsc.testing import MemoryEndpoint, run_for
from tests.esme.conftest import wait_for
from tests.smsc.conftest import account, make_factory

SETTINGS = Settings(enquire_link=0, slow_after=5, retry_delay=2)


class Network:
    """Two SMSCs, `a` and `b`, each with a Sender bound to it, and a Router over both."""

    def __init__(self, clock, a_prefixes=("86138",), b_prefixes=(), a_account=None, settings=SETTINGS):
        self.clock = clock
        self.smscs, self.endpoints, routes = {}, {}, []
        for name, prefixes in (("a", a_prefixes), ("b", b_prefixes)):
            accounts = (a_account,) if name == "a" and a_account else ()
            self.smscs[name] = make_factory(clock, *accounts)
            self.endpoints[name] = MemoryEndpoint(self.smscs[name], clock)
            sender = Sender(settings, clock, random.Random(name), self.endpoints[name])
            routes.append(Route(name, sender, prefixes))
        self.router = Router(routes)

    def start(self):
        self.result(self.router.start())
        return self

    def result(self, deferred, seconds: float = 120):
        return wait_for(self.clock, deferred, seconds)

    def run(self, seconds: float) -> None:
        run_for(self.clock, seconds)

    def submitted(self, name: str) -> int:
        return self.smscs[name].sink.stats.snapshot().get("smppclient1", {}).get("submitted", 0)

    def destinations(self, name: str) -> list[str]:
        finished = self.result(self.smscs[name].sink.store.finished("smppclient1"))
        return [message.destination for message in finished]


@pytest.fixture
def network(clock):
    return lambda **options: Network(clock, **options)


class TestRouting:
    def test_by_prefix(self, network):
        """86138... goes to a (its prefix), every other number to b (no prefixes: the rest)."""
        net = network().start()
        results = [net.result(net.router.send(number, "hi", source="10690001")) for number in ("8613800130000", "8613900130000")]
        assert [result.state for result in results] == ["DELIVRD", "DELIVRD"]
        assert net.destinations("a") == ["8613800130000"] and net.destinations("b") == ["8613900130000"]

    def test_longest_prefix_wins(self, network):
        """a serves 86, b serves 86139: 86139... goes to b, 86138... to a."""
        net = network(a_prefixes=("86",), b_prefixes=("86139",)).start()
        for number in ("8613800130000", "8613900130000"):
            net.result(net.router.send(number, "hi", source="10690001"))
        assert net.destinations("a") == ["8613800130000"] and net.destinations("b") == ["8613900130000"]

    def test_no_route_is_an_error(self, network):
        net = network(a_prefixes=("86",), b_prefixes=("44",)).start()
        with pytest.raises(NoRoute, match="no SMSC serves 15550100"):
            net.router.submit("15550100", "hi")


class TestFailover:
    def test_down_at_start(self, network):
        """a cannot be reached: start still succeeds with b, and a's numbers go to b."""
        net = network()
        net.endpoints["a"].refuse = True
        net.start()
        result = net.result(net.router.send("8613800130000", "hi", source="10690001"))
        assert result.state == "DELIVRD" and net.destinations("b") == ["8613800130000"]

    def test_none_reachable_fails_start(self, network):
        net = network()
        net.endpoints["a"].refuse = net.endpoints["b"].refuse = True
        with pytest.raises(Exception, match="refused"):
            net.start()

    def test_waiting_messages_move_when_the_link_falls(self, network):
        """a's link falls with messages queued behind its window: those not yet sent go to b;
        the ones in flight end UNKNOWN and are not resent; no handset gets a message twice."""
        net = network(settings=Settings(enquire_link=0, window=2)).start()
        net.endpoints["a"].refuse = True  # it stays down
        handles = [net.router.submit(f"86138{n:02d}130000", "hi", source="10690001") for n in range(10)]
        net.endpoints["a"].cut()
        finished = [net.result(handle.finished) for handle in handles]
        states = [result.state for result in finished]
        assert states.count(outcome.UNKNOWN) == 2 and states.count("DELIVRD") == 8
        delivered = net.destinations("a") + net.destinations("b")
        assert len(delivered) == len(set(delivered)) and len(net.destinations("b")) == 8

    def test_throttling_smsc_is_passed_over(self, network):
        """a answers 0x58: new traffic for its prefix goes to b while a's backoff lasts, and
        so does the throttled message itself, which a did not take."""
        net = network(a_account=account(faults=WireFaults(error_share=1.0, error_status="ESME_RTHROTTLED"))).start()
        first = net.router.submit("8613800130000", "first", source="10690001")
        net.run(0.1)
        assert net.router.routes[0].sender.condition.value == "throttling"
        later = [net.result(net.router.send(f"86138{n:02d}130000", "later", source="10690001")) for n in range(1, 4)]
        assert all(result.state == "DELIVRD" for result in later)
        assert net.result(first.finished).state == "DELIVRD" and net.destinations("a") == [] and net.submitted("b") == 4

    def test_a_queue_moves_off_a_throttling_smsc(self, network):
        """Twenty messages queued at once behind a's window: once a throttles, those it has
        not taken go to b, split again there; none is refused, none reaches a handset twice."""
        net = network(a_account=account(faults=WireFaults(error_share=1.0, error_status="ESME_RTHROTTLED")),
                      settings=Settings(enquire_link=0, window=2, retry_delay=2)).start()  # fmt: skip
        handles = [net.router.submit(f"86138{n:02d}130000", "queued", source="10690001") for n in range(20)]
        results = [net.result(handle.finished) for handle in handles]
        assert [result.state for result in results] == ["DELIVRD"] * 20
        delivered = net.destinations("b")
        assert len(delivered) == 20 == len(set(delivered)) and net.destinations("a") == []

    def test_silent_smsc_is_passed_over(self, network):
        """a stops answering: after slow_after seconds owing answers, new traffic goes to b."""
        net = network(a_account=account(faults=WireFaults(silent=True))).start()
        net.router.submit("8613800130000", "lost", source="10690001")
        net.run(6)
        assert net.router.routes[0].sender.condition.value == "slow"
        result = net.result(net.router.send("8613800130001", "next", source="10690001"))
        assert result.accepted and net.destinations("b") == ["8613800130001"]

