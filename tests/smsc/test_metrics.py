"""What the SMSC counts for /metrics as it happens: PDUs by command and status, full windows,
receipt latencies; and the Prometheus endpoint that reads them with the core's snapshots."""

import json
import pathlib
import re
import struct
import time
import urllib.request

import prometheus_client
import pytest
import smpplib.client
from prometheus_client.parser import text_string_to_metric_families
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from pdu import wire
from pdu.status import CommandStatus
from pdu.wire import Address, SubmitSm
from smsc.http.api import Api
from smsc.network_config import Carrier, Network, Tower
from smsc.stats import OTHER, Latencies
from smsc.testing import WireSession, run_for

from .conftest import CONFIG, StalledSink, account, call, make_factory, read_until, start_smsc

DOCS = pathlib.Path(__file__).parents[2] / "docs"

SOURCE = Address(1, 1, "10690001")
SUBMIT_SM, SUBMIT_SM_RESP, DELIVER_SM, DELIVER_SM_RESP = 0x04, 0x80000004, 0x05, 0x80000005


def submit(session, suffix: str) -> int:
    return session.send(SubmitSm(SOURCE, Address(1, 1, "861380013" + suffix), b"Your code is 1234", registered_delivery=1))


class TestLatencies:
    def test_buckets_are_cumulative_with_sum(self):
        """Each observation counts in the first bucket whose bound it does not pass, and in every one after; the sum adds up."""
        latencies = Latencies((1.0, 10.0))
        for seconds in (0.5, 1.0, 3.0, 60.0):
            latencies.observe(("a", "DELIVERED"), seconds)
        buckets, total = latencies.snapshot()[("a", "DELIVERED")]
        assert buckets == [(1.0, 2), (10.0, 3), (float("inf"), 4)] and total == 64.5

    def test_one_histogram_per_key(self):
        """Keys do not mix, and an unseen key has no histogram."""
        latencies = Latencies((1.0,))
        latencies.observe(("a", "DELIVERED"), 0.1)
        latencies.observe(("a", "EXPIRED"), 5.0)
        assert set(latencies.snapshot()) == {("a", "DELIVERED"), ("a", "EXPIRED")}


class TestSessionCounts:
    def test_pdus_in_and_out_by_command_and_status(self, clock):
        """A bind, two submits and their receipts count each PDU once, in and out, with its command_status."""
        factory = make_factory(clock)
        session = WireSession(factory, answer_deliveries=True)
        session.bind()
        submit(session, "0000")
        submit(session, "0000")
        run_for(clock, 5)
        pdus = factory.counts.snapshot()["pdus"]
        assert pdus[("in", SUBMIT_SM, 0)] == 2 and pdus[("out", SUBMIT_SM_RESP, 0)] == 2
        assert pdus[("out", DELIVER_SM, 0)] == 2 and pdus[("in", DELIVER_SM_RESP, 0)] == 2
        assert pdus[("in", 0x09, 0)] == pdus[("out", 0x80000009, 0)] == 1  # bind_transceiver and its response

    def test_refusals_count_with_their_status(self, clock):
        """A submit before binding is answered ESME_RINVBNDSTS, and counted so."""
        factory = make_factory(clock)
        session = WireSession(factory)
        submit(session, "0000")
        assert factory.counts.snapshot()["pdus"][("out", SUBMIT_SM_RESP, int(CommandStatus.ESME_RINVBNDSTS))] == 1

    def test_what_an_esme_invents_is_counted_as_other(self, clock):
        """An unknown command_id and a status no one defined count as OTHER, so an ESME cannot grow the counts without bound."""
        factory = make_factory(clock)
        session = WireSession(factory)
        session.bind()
        session.send_raw(struct.pack("!LLLL", 16, 0x00000777, 0, 5))
        session.send_raw(struct.pack("!LLLL", 16, 0x00000778, 0, 6))
        session.send_raw(struct.pack("!LLLL", 16, DELIVER_SM_RESP, 0x00123456, 7))
        pdus = factory.counts.snapshot()["pdus"]
        assert pdus[("in", OTHER, 0)] == 2
        assert pdus[("in", DELIVER_SM_RESP, OTHER)] == 1

    def test_a_full_window_counts_for_the_account(self, clock):
        """With a window of 1 and one submit outstanding, the second is throttled and counted for the account."""
        factory = make_factory(clock, account(window=1), sink=StalledSink())
        session = WireSession(factory)
        session.bind()
        submit(session, "0000")
        submit(session, "0000")
        counted = factory.counts.snapshot()
        assert counted["window_full"] == {"smppclient1": 1}
        assert counted["pdus"][("out", SUBMIT_SM_RESP, int(CommandStatus.ESME_RTHROTTLED))] == 1


class TestReceiptLatency:
    def test_timed_when_written_by_state(self, clock):
        """Each receipt is timed from its submit to the moment it is written, under the state it reports."""
        factory = make_factory(clock)
        session = WireSession(factory, answer_deliveries=True)
        session.bind()
        submit(session, "0000")  # delivered at once
        submit(session, "0001")  # unknown subscriber, after the network's latency
        run_for(clock, 30)
        latency = factory.outbound.receipt_latency.snapshot()
        assert set(latency) == {("smppclient1", "DELIVERED"), ("smppclient1", "UNDELIVERABLE")}
        assert latency[("smppclient1", "DELIVERED")][0][-1][1] == 1
        assert latency[("smppclient1", "DELIVERED")][1] < latency[("smppclient1", "UNDELIVERABLE")][1]

    def test_waiting_for_a_receiver_counts_in_the_latency(self, clock):
        """A receipt that waits for the account to bind a receiver is timed when it finally goes out."""
        factory = make_factory(clock)
        sender = WireSession(factory)
        sender.bind(wire.BindType.TRANSMITTER)
        submit(sender, "0000")
        run_for(clock, 60)
        assert factory.outbound.receipt_latency.snapshot() == {}
        receiver = WireSession(factory, port=40001, answer_deliveries=True)
        receiver.send(wire.Bind(wire.BindType.RECEIVER, "smppclient1", "password"))
        run_for(clock, 1)
        ((_, total),) = factory.outbound.receipt_latency.snapshot().values()
        assert total == pytest.approx(60, abs=1)

    def test_a_resent_receipt_is_timed_once(self, clock):
        """A receipt the ESME never answers is sent again on its next bind, but timed only the first time."""
        factory = make_factory(clock)
        silent = WireSession(factory)  # never answers deliver_sm: the response timer ends the session
        silent.bind()
        submit(silent, "0000")
        run_for(clock, 120)
        again = WireSession(factory, port=40001, answer_deliveries=True)
        again.send(wire.Bind(wire.BindType.TRANSCEIVER, "smppclient1", "password"))
        run_for(clock, 10)
        assert factory.counts.snapshot()["pdus"][("out", DELIVER_SM, 0)] == 2
        ((buckets, _),) = factory.outbound.receipt_latency.snapshot().values()
        assert buckets[-1][1] == 1


# -- GET /metrics -----------------------------------------------------------------------------


class Scrape:
    """One scrape of /metrics, parsed by prometheus_client's own parser."""

    def __init__(self, content_type: str, text: str):
        self.content_type = content_type
        self.families = {family.name: family for family in text_string_to_metric_families(text)}

    def value(self, name: str, **labels) -> float:
        """The one sample of `name` (a sample name: smsc_pdus_total) whose labels include `labels`."""
        found = [sample.value for family in self.families.values() for sample in family.samples
                 if sample.name == name and labels.items() <= sample.labels.items()]  # fmt: skip
        assert len(found) == 1, f"{len(found)} samples of {name} {labels}"
        return found[0]

    def total(self, name: str, **labels) -> float:
        """The sum over every sample of `name` whose labels include `labels`."""
        return sum(sample.value for family in self.families.values() for sample in family.samples
                   if sample.name == name and labels.items() <= sample.labels.items())  # fmt: skip

    def names(self) -> set[str]:
        """Every name a query may use: each family's samples, whether or not it has any yet."""
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
        return {family.name + suffix for family in self.families.values() for suffix in suffixes.get(family.type, ("",))}


def scrape_site(site) -> Scrape:
    channel = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 50000))
    transport = StringTransport()
    channel.makeConnection(transport)
    channel.dataReceived(b"GET /metrics HTTP/1.1\r\nHost: smsc\r\n\r\n")
    head, _, content = transport.value().partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
    channel.connectionLost(None)
    return Scrape(headers["Content-Type"], content.decode("utf-8"))


def scrape(factory, clock) -> Scrape:
    return scrape_site(Api(factory.sink, factory, clock).site())


SMALL_NETWORK = Network(carriers=(Carrier("Tiny", ("86",), (Tower("T-1", capacity=1.0, queue_limit=1),)),))


class TestEndpoint:
    def test_counters_follow_the_traffic(self, clock):
        """After four submits and their receipts, /metrics shows them by PDU, account, final state and receipt latency."""
        factory = make_factory(clock)
        session = WireSession(factory, answer_deliveries=True)
        session.bind()
        for suffix in ("0000", "0000", "0001", "0005"):  # delivered twice, unknown subscriber, barred
            submit(session, suffix)
        run_for(clock, 30)
        metrics = scrape(factory, clock)
        assert metrics.content_type == "text/plain; version=0.0.4; charset=utf-8"
        assert metrics.value("smsc_pdus_total", direction="in", command="submit_sm", status="ESME_ROK") == 4
        assert metrics.value("smsc_pdus_total", direction="out", command="submit_sm_resp", status="ESME_ROK") == 4
        assert metrics.value("smsc_messages_submitted_total", account="smppclient1") == 4
        assert metrics.value("smsc_messages_finished_total", account="smppclient1", state="DELIVERED", error="none") == 2
        assert metrics.value("smsc_messages_finished_total", state="UNDELIVERABLE", error="unknown_subscriber") == 1
        assert metrics.value("smsc_messages_finished_total", state="REJECTED", error="call_barred") == 1
        assert metrics.value("smsc_messages_pending") == 0
        receipts = metrics.value("smsc_pdus_total", direction="out", command="deliver_sm", status="ESME_ROK")
        assert metrics.total("smsc_receipt_latency_seconds_count") == receipts == 4
        assert metrics.value("smsc_receipt_latency_seconds_count", state="DELIVERED") == 2
        assert metrics.value("smsc_binds", account="smppclient1", bind="transceiver") == 1
        assert metrics.value("smsc_binds", account="smppclient1", bind="receiver") == 0
        assert metrics.total("smsc_tower_sent_total", carrier="China Mobile") == 4

    def test_towers_show_up_queue_and_held(self, clock):
        """Every tower has its gauges; a tower taken down shows 0 and the message held for it."""
        factory = make_factory(clock)
        session = WireSession(factory, answer_deliveries=True)
        session.bind()
        tower = factory.sink.network.tower_for("8613800130001")
        factory.sink.set_tower(tower.id, up=False)
        submit(session, "0001")
        run_for(clock, 10)
        metrics = scrape(factory, clock)
        for name in ("smsc_tower_up", "smsc_tower_queue_messages", "smsc_tower_held_messages", "smsc_tower_queue_limit_messages"):
            assert {sample.labels["tower"] for sample in metrics.families[name].samples} == set(factory.sink.network.towers)
        assert metrics.value("smsc_tower_up", tower=tower.id) == 0
        assert metrics.value("smsc_tower_held_messages", tower=tower.id, carrier=tower.carrier.name) == 1
        assert metrics.total("smsc_tower_held_messages") == 1

    def test_queue_depth_throttles_and_refusals(self, clock):
        """A tower of capacity 1 and queue_limit 1 shows its queue, throttles the next submit, and a number no carrier serves is refused by rule."""
        factory = make_factory(clock, network=SMALL_NETWORK)
        session = WireSession(factory, answer_deliveries=True)
        session.bind()
        submit(session, "0000")
        assert scrape(factory, clock).value("smsc_tower_queue_messages", tower="T-1") == 1
        submit(session, "0000")
        session.send(SubmitSm(SOURCE, Address(1, 1, "447700900123"), b"abroad"))
        metrics = scrape(factory, clock)
        assert metrics.value("smsc_throttled_total", account="smppclient1", cause="tower_queue_full") == 1
        assert metrics.value("smsc_throttled_total", account="smppclient1", cause="window_full") == 0
        assert metrics.value("smsc_pdus_total", direction="out", command="submit_sm_resp", status="ESME_RTHROTTLED") == 1
        assert metrics.value("smsc_submits_refused_total", account="smppclient1", rule="route") == 1

    def test_receipts_and_mos_waiting_for_a_bind(self, clock):
        """Receipts for a transmitter-only account wait in the outbound queue, counted per account."""
        factory = make_factory(clock)
        session = WireSession(factory)
        session.bind(wire.BindType.TRANSMITTER)
        submit(session, "0000")
        submit(session, "0000")
        run_for(clock, 5)
        metrics = scrape(factory, clock)
        assert metrics.value("smsc_outbound_queue_messages", account="smppclient1") == 2
        assert metrics.value("smsc_binds", account="smppclient1", bind="transmitter") == 1
        assert metrics.total("smsc_receipt_latency_seconds_count") == 0

    def test_each_smsc_has_its_own_registry(self, clock):
        """Two SMSCs in one process answer their own figures, and nothing lands in prometheus_client's global registry."""
        busy, idle = make_factory(clock), make_factory(clock)
        session = WireSession(busy, answer_deliveries=True)
        session.bind()
        submit(session, "0000")
        run_for(clock, 5)
        assert scrape(busy, clock).value("smsc_messages_submitted_total") == 1
        assert scrape(idle, clock).value("smsc_messages_submitted_total") == 0
        assert b"smsc_" not in prometheus_client.generate_latest(prometheus_client.REGISTRY)

    def test_scraping_again_reads_the_present(self, clock):
        """The same site scraped twice answers what happened in between (the registry is kept, its figures are not)."""
        factory = make_factory(clock)
        site = Api(factory.sink, factory, clock).site()
        session = WireSession(factory, answer_deliveries=True)
        session.bind()
        assert scrape_site(site).value("smsc_messages_submitted_total") == 0
        submit(session, "0000")
        assert scrape_site(site).value("smsc_messages_submitted_total") == 1


class TestDocumented:
    def test_api_md_lists_every_metric(self, clock):
        """docs/api.md names every metric /metrics exposes (our smsc_ ones, by their full sample name)."""
        factory = make_factory(clock)
        names = {re.sub(r"_(bucket|count|sum)$", "", name) for name in scrape(factory, clock).names() if name.startswith("smsc_")}
        text = (DOCS / "api.md").read_text()
        section = text[text.index("## GET /metrics"):]
        section = section[:section.index("\n## ", 1)]
        assert sorted(name for name in names if f"`{name}`" not in section) == []

    def test_grafana_dashboard_queries_only_exposed_metrics(self, clock):
        """docs/grafana-dashboard.json is JSON Grafana can import, and every metric its queries name is one /metrics exposes."""
        text = (DOCS / "grafana-dashboard.json").read_text()
        dashboard = json.loads(text)
        queries = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
        assert dashboard["title"] and len(queries) >= 7 and all(queries)
        used = set(re.findall(r"\b((?:smsc|process)_[a-z_]+)\b", text))  # in queries, variables and descriptions
        exposed = scrape(make_factory(clock), clock).names()
        assert sorted(used - exposed) == []
        for wanted in ("smsc_messages_submitted_total", "smsc_receipt_latency_seconds_bucket", "smsc_throttled_total",
                       "smsc_tower_queue_messages", "smsc_binds", "smsc_receipt_latency_seconds_count"):  # fmt: skip
            assert wanted in used


# -- on loopback, `smsc serve` as a user starts it --------------------------------------------


class TestLoopback:
    def test_metrics_after_traffic_from_smpplib(self, tmp_path):
        """`smsc serve` answers GET /metrics next to /api/; after three submits with smpplib the counters, the tower gauges, the bind and the receipt latencies agree."""
        config = tmp_path / "smsc.toml"
        config.write_text(CONFIG)
        process, served = start_smsc(tmp_path, "--config", str(config))
        try:
            client = smpplib.client.Client(*served.smpp, timeout=5, allow_unknown_opt_params=True)
            client.connect()
            client.bind_transceiver(system_id="smppclient1", password="password")
            for _ in range(3):
                client.send_message(source_addr_ton=1, source_addr="10690001", dest_addr_ton=1,
                                    destination_addr="8613800130000", short_message=b"count me", registered_delivery=True)  # fmt: skip
            receipts = read_until(client, lambda got: sum(b"stat:DELIVRD" in pdu.short_message for pdu in got) >= 3)
            assert sum(b"stat:DELIVRD" in pdu.short_message for pdu in receipts) == 3
            metrics = scrape_http(served.api)
            assert metrics.content_type == "text/plain; version=0.0.4; charset=utf-8"
            assert metrics.value("smsc_pdus_total", direction="in", command="submit_sm", status="ESME_ROK") == 3
            assert metrics.value("smsc_messages_submitted_total", account="smppclient1") == 3
            assert metrics.value("smsc_messages_finished_total", account="smppclient1", state="DELIVERED") == 3
            assert metrics.value("smsc_binds", account="smppclient1", bind="transceiver") == 1
            assert metrics.value("smsc_tower_queue_messages", carrier="China Mobile", tower="CM-1") == 0
            sent = metrics.value("smsc_pdus_total", direction="out", command="deliver_sm", status="ESME_ROK")
            assert metrics.value("smsc_receipt_latency_seconds_count", account="smppclient1", state="DELIVERED") == sent == 3
            assert metrics.value("smsc_receipt_latency_seconds_bucket", state="DELIVERED", le="+Inf") == 3
            assert metrics.value("process_resident_memory_bytes") > 0
            client.unbind()
            client.disconnect()
            assert wait_for(lambda: scrape_http(served.api).value("smsc_binds", bind="transceiver") == 0)
            assert "GET /metrics" in call(served.api, "GET", "/api/")[1]["endpoints"]
        finally:
            process.terminate()
            process.wait(timeout=10)


def scrape_http(api: str) -> Scrape:
    with urllib.request.urlopen(api + "/metrics", timeout=5) as response:
        return Scrape(response.headers["content-type"], response.read().decode("utf-8"))


def wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
