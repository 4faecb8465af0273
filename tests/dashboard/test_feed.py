"""The dashboard's live feed and history, in memory on a virtual clock: what a browser gets
each tick, how few messages it follows at any load, that nobody listening costs nothing, and
that a browser that cannot keep up misses ticks instead of growing a buffer."""

import json

from twisted.web.test.requesthelper import DummyRequest

from pdu.wire import Address, SubmitSm
from smsc.dashboard import Dashboard
from smsc.dashboard.feed import FOLLOW_PER_TICK, TICK
from smsc.dashboard.history import KEPT
from smsc.dashboard.stream import LiveStream
from smsc.network_config import Carrier, Network, Tower
from smsc.testing import WireSession, run_for
from smsc.trainer_clock import TrainerClock

from tests.smsc.conftest import make_factory

SOURCE = Address(1, 1, "10690001")


class Browser:
    """A listener as the stream is to the feed: what it was sent, decoded."""

    def __init__(self):
        self.got: list[tuple[str, dict]] = []

    def send(self, kind: str, octets: bytes) -> None:
        self.got.append((kind, json.loads(octets)))

    def of(self, kind: str) -> list[dict]:
        return [data for got_kind, data in self.got if got_kind == kind]


def smsc(clock):
    factory = make_factory(clock)
    session = WireSession(factory, answer_deliveries=True)
    session.bind()
    dashboard = Dashboard(factory.sink, factory, clock)
    return factory, session, dashboard


def submit(session, count: int) -> None:
    """Messages to ordinary numbers (none ends in a test number's suffix)."""
    for index in range(count):
        session.send(SubmitSm(SOURCE, Address(1, 1, f"86138{index:04d}1234"), b"Your code is 1234", registered_delivery=1))


class TestFeed:
    def test_a_browser_gets_the_network_then_a_tick_every_half_second(self, clock):
        """hello names every tower and account; then one tick each TICK with the levels."""
        factory, session, dashboard = smsc(clock)
        browser = Browser()
        dashboard.feed.listen(browser)
        hello = browser.of("hello")[0]
        assert hello["network"]["accounts"] == ["smppclient1"]
        assert "CM-2" in [tower for carrier in hello["network"]["carriers"] for tower in carrier["towers"]]
        run_for(clock, 2.0)
        ticks = browser.of("tick")
        assert len(ticks) == round(2.0 / TICK)
        assert {tower["id"] for tower in ticks[-1]["towers"]} >= {"CM-1", "CM-2"}
        assert ticks[-1]["accounts"] == [{"system_id": "smppclient1", "sessions": 1, "outbound": 0}]

    def test_every_hop_is_counted_but_only_a_few_messages_are_followed(self, clock):
        """Fifty submits in one tick: every 'stored' counted, FOLLOW_PER_TICK followed, each
        of those with all its hops to the receipt the ESME took."""
        factory, session, dashboard = smsc(clock)
        browser = Browser()
        dashboard.feed.listen(browser)
        submit(session, 50)
        run_for(clock, TICK)
        first = browser.of("tick")[0]
        assert first["counts"]["stored"] == 50
        followed = {hop["n"] for hop in first["hops"]}
        assert len(followed) == FOLLOW_PER_TICK
        run_for(clock, 60)
        hops = [hop for tick in browser.of("tick") for hop in tick["hops"]]
        assert {hop["n"] for hop in hops} == followed  # no new ones: nothing more was stored
        one = [hop["hop"] for hop in hops if hop["n"] == min(followed)]
        assert one[0] == "stored" and "routed" in one and "delivered" in one and one[-1] == "receipt delivered"
        assert {hop["tower"] for hop in hops} <= {"CM-1", "CM-2", "CM-3", "CM-4"}
        assert all(hop["account"] == "smppclient1" and hop["message_id"] for hop in hops)

    def test_a_tick_stays_small_at_5000_messages_a_second(self, clock):
        """2,500 submits within one tick (5,000 a second): the tick counts them all and still
        carries the hops of FOLLOW_PER_TICK messages only, a few kilobytes."""
        factory, session, dashboard = smsc(clock)
        sizes, browser = [], Browser()
        heard = browser.send
        browser.send = lambda kind, octets: (kind == "tick" and sizes.append(len(octets)), heard(kind, octets))
        dashboard.feed.listen(browser)
        for index in range(2500):
            session.send(SubmitSm(SOURCE, Address(1, 1, f"8613{index % 5 + 5}{index:07d}1"), b"Your code is 1234", registered_delivery=1))
        run_for(clock, TICK)
        run_for(clock, 10 * TICK)
        first = browser.of("tick")[0]
        assert first["counts"]["stored"] == 2500 and len({hop["n"] for hop in first["hops"]}) == FOLLOW_PER_TICK
        assert max(sizes) < 8_000, sizes

    def test_a_held_message_names_the_tower_that_is_down(self, clock):
        """A message to a tower that is down shows as held, at that tower."""
        factory, session, dashboard = smsc(clock)
        engine = factory.sink
        tower = engine.tower_of(Address(1, 1, "8613800138000")).id
        engine.set_tower(tower, up=False)
        browser = Browser()
        dashboard.feed.listen(browser)
        session.send(SubmitSm(SOURCE, Address(1, 1, "8613800138000"), b"Hello", registered_delivery=1))
        run_for(clock, 2.0)
        held = [hop for tick in browser.of("tick") for hop in tick["hops"] if hop["hop"] == "held"]
        assert held and held[0]["tower"] == tower
        down = [shown for shown in browser.of("tick")[-1]["towers"] if shown["id"] == tower][0]
        assert down["up"] is False and down["held"] == 1

    def test_phone_to_phone_names_the_senders_tower(self, clock):
        """A handset's message to another handset is followed from the sender's tower."""
        factory, session, dashboard = smsc(clock)
        browser = Browser()
        dashboard.feed.listen(browser)
        alice, bob = Address(1, 1, "8613800138000"), Address(1, 1, "8613900139000")
        factory.sink.send_p2p(alice, bob, "See you at eight")
        run_for(clock, 30)
        hops = [hop for tick in browser.of("tick") for hop in tick["hops"]]
        assert hops[0]["hop"] == "stored" and hops[0]["account"] == "handsets"
        assert {hop["from_tower"] for hop in hops} == {factory.sink.tower_of(alice).id}
        assert [hop["hop"] for hop in hops[-2:]] == ["delivered", "status report"]
        assert hops[-2]["tower"] == factory.sink.tower_of(bob).id

    def test_an_mo_is_shown_from_its_handsets_tower(self, clock):
        factory, session, dashboard = smsc(clock)
        browser = Browser()
        dashboard.feed.listen(browser)
        factory.sink.inject_mo(Address(1, 1, "8613800138000"), Address(1, 1, "10690001"), "STOP")
        run_for(clock, TICK)
        tick = browser.of("tick")[0]
        assert tick["counts"]["mo"] == 1
        assert tick["mo"] == [{"from": "8613800138000", "account": "smppclient1", "tower": factory.sink.tower_of(Address(1, 1, "8613800138000")).id}]

    def test_a_pause_shows_in_every_tick(self, clock):
        """With a trainer clock, each tick says whether it is paused and how far it lags, so
        every page shows a pause whoever made it."""
        factory = make_factory(clock)
        trainer = TrainerClock(clock)
        dashboard = Dashboard(factory.sink, factory, clock, trainer)
        browser = Browser()
        dashboard.feed.listen(browser)
        run_for(clock, TICK)
        trainer.pause()
        run_for(clock, 2)
        assert browser.of("tick")[0]["clock"] == {"paused": False, "lag_seconds": 0.0}
        assert browser.of("tick")[-1]["clock"] == {"paused": True, "lag_seconds": 2.0}

    def test_an_mo_from_a_number_no_carrier_serves_is_shown_without_a_tower(self, clock):
        """A network with no catch-all carrier: an MO from outside it is stored as always and
        the feed shows it with no tower (it used to fail the MO while a browser watched)."""
        carrier = Carrier(name="UK", prefixes=("4477",), towers=(Tower(id="UK-1"),))
        factory = make_factory(clock, network=Network(carriers=(carrier,)))
        dashboard = Dashboard(factory.sink, factory, clock)
        browser = Browser()
        dashboard.feed.listen(browser)
        stored = []
        factory.sink.inject_mo(Address(1, 1, "8613800138000"), Address(1, 1, "10690001"), "STOP").addCallback(stored.append)
        run_for(clock, TICK)
        assert stored == [{"account": "smppclient1", "segments": 1}]
        assert browser.of("tick")[0]["mo"] == [{"from": "8613800138000", "account": "smppclient1", "tower": None}]

    def test_a_failing_watcher_never_fails_a_write(self, clock):
        """Whatever goes wrong in the feed is logged; messages are stored and delivered as always."""
        factory, session, dashboard = smsc(clock)
        dashboard.feed.listen(Browser())
        dashboard.feed.written = lambda operations: 1 / 0
        submit(session, 3)
        run_for(clock, 60)
        assert factory.sink.pending_count() == 0 and factory.sink.stats.snapshot()["smppclient1"]["submitted"] == 3

    def test_a_browser_coming_back_gets_ticks_again(self, clock):
        """listen, leave, listen: the ticks and the watcher start again."""
        factory, session, dashboard = smsc(clock)
        first, second = Browser(), Browser()
        dashboard.feed.listen(first)
        run_for(clock, 1)
        dashboard.feed.leave(first)
        dashboard.feed.listen(second)
        submit(session, 1)
        run_for(clock, 1)
        assert factory.sink.watcher is dashboard.feed
        assert len(second.of("tick")) == 2 and second.of("tick")[0]["counts"]["stored"] == 1

    def test_nobody_listening_means_no_watcher_and_no_ticks(self, clock):
        """The engine is watched only while a browser listens; the last to leave ends it."""
        factory, session, dashboard = smsc(clock)
        assert factory.sink.watcher is None
        first, second = Browser(), Browser()
        dashboard.feed.listen(first)
        dashboard.feed.listen(second)
        assert factory.sink.watcher is dashboard.feed
        dashboard.feed.leave(first)
        assert factory.sink.watcher is dashboard.feed
        run_for(clock, 1)
        dashboard.feed.leave(second)
        assert factory.sink.watcher is None
        ticks = len(second.of("tick"))
        submit(session, 3)
        run_for(clock, 5)
        assert ticks == 2 and len(second.of("tick")) == ticks


class TestHistory:
    def test_rates_are_per_second_differences_of_the_counters(self, clock):
        factory, session, dashboard = smsc(clock)
        history = dashboard.history
        history.sample()
        submit(session, 20)
        run_for(clock, 0.01)
        sample = history.sample()
        assert sample["submitted"] == 20 and sample["pending"] == 20
        run_for(clock, 60)
        later = history.sample()
        assert later["submitted"] == 0
        finished = sum(entry["delivered"] + entry["failed"] for entry in history.samples)
        assert finished == 20 - later["pending"] and finished > 10  # a few handsets may be away
        receipts = sum(sum(entry["receipts"].values()) for entry in history.samples)
        assert receipts >= finished

    def test_latency_percentiles_cover_the_last_seconds(self, clock):
        """Receipts written in the window give p50 <= p95 <= p99, from the histogram's bounds."""
        factory, session, dashboard = smsc(clock)
        history = dashboard.history
        history.sample()
        submit(session, 40)
        run_for(clock, 8)
        sample = history.sample()
        latency = sample["latency"]
        assert latency and 0 < latency["p50"] <= latency["p95"] <= latency["p99"]
        for _ in range(12):  # nothing more: the window empties
            run_for(clock, 1)
            history.sample()
        assert history.samples[-1]["latency"] == {}

    def test_kept_for_ten_minutes(self, clock):
        factory, session, dashboard = smsc(clock)
        dashboard.start()
        run_for(clock, KEPT + 30)
        assert len(dashboard.history.samples) == KEPT
        dashboard.stop()

    def test_samples_reach_listening_browsers(self, clock):
        factory, session, dashboard = smsc(clock)
        dashboard.start()
        browser = Browser()
        run_for(clock, 3)
        dashboard.feed.listen(browser)
        assert len(browser.of("hello")[0]["history"]) == 4  # at 0, 1, 2 and 3 s
        run_for(clock, 2)
        assert len(browser.of("sample")) == 2


class StreamRequest(DummyRequest):
    """A request whose socket pushes back as Twisted's do (DummyRequest knows pull producers only)."""

    def registerProducer(self, producer, streaming):
        assert streaming
        self.producer = producer


class TestStream:
    def test_events_as_the_browser_reads_them(self, clock):
        """text/event-stream with the kind and the JSON on one data line each."""
        factory, session, dashboard = smsc(clock)
        request = StreamRequest([b"api", b"live"])
        LiveStream(dashboard.feed).render_GET(request)
        run_for(clock, TICK)
        written = b"".join(request.written).decode()
        assert request.responseHeaders.getRawHeaders(b"content-type") == [b"text/event-stream; charset=utf-8"]
        events = [block for block in written.split("\n\n") if block.startswith("event:")]
        assert [block.split("\n")[0] for block in events] == ["event: hello", "event: tick"]
        assert json.loads(events[1].split("\n")[1].removeprefix("data: "))["pending"] == 0
        request.finish()
        assert factory.sink.watcher is None  # the browser left

    def test_a_browser_that_cannot_keep_up_misses_ticks(self, clock):
        """While its socket pauses the stream, ticks are dropped (each is whole on its own);
        once it resumes, the next tick goes."""
        factory, session, dashboard = smsc(clock)
        request = StreamRequest([b"api", b"live"])
        LiveStream(dashboard.feed).render_GET(request)
        browser = request.producer
        browser.pauseProducing()
        before = len(request.written)
        run_for(clock, 5 * TICK)
        assert len(request.written) == before and browser.missed == 5
        browser.resumeProducing()
        run_for(clock, TICK)
        assert len(request.written) == before + 1

    def test_other_methods_are_refused_as_json(self, clock):
        factory, session, dashboard = smsc(clock)
        request = StreamRequest([b"api", b"live"])
        request.method = b"POST"
        answer = json.loads(LiveStream(dashboard.feed).render(request))
        assert (request.responseCode, answer) == (405, {"status": 405, "error": "/api/live takes GET, not POST"})
