"""GET /metrics: the SMSC's counters in Prometheus' text exposition format.

A collector reads the core's snapshots when Prometheus scrapes (the accounts' counters, the
towers, the queues for receiving binds, the bound sessions, the PDU counts and receipt
latencies the sessions and outbound queue keep), so nothing here runs per message. Each
SMSC answers from a registry of its own, never prometheus_client's global one, so tests and
several SMSCs in one process do not collide.

Labels stay few and bounded: account, carrier, tower, command, status, state, error, rule;
never a message id or a number. docs/api.md lists every metric.
"""

from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.utils import floatToGoString
from smpp.pdu import constants

from pdu.status import CommandStatus, MessageState
from smsc.http.router import Call, Route, Text
from smsc.policy.statuses import PolicyStatus
from smsc.stats import OTHER

# The text format generate_latest writes for our names (prometheus_client 0.26 labels its own
# default "version=1.0.0", which older Prometheus servers do not know).
CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"
FINAL_STATES = frozenset(state.name.lower() for state in MessageState if state.is_final)
BIND_TYPES = ("transmitter", "receiver", "transceiver")
# smsc.stats keys counted per account alone -> (metric, meaning)
PLAIN_COUNTERS = {
    "submitted": ("smsc_messages_submitted", "messages accepted (submit_sm_resp ESME_ROK sent), one per destination"),
    "mo": ("smsc_mo", "mobile-originated messages stored for the account"),
    "opt-outs": ("smsc_opt_outs", "handsets that opted out of a sender of the account"),
    "opt-ins": ("smsc_opt_ins", "handsets that opted back in"),
    "alert_notification": ("smsc_alert_notifications", "alert_notification PDUs sent: a handset the account waited for is back"),
}


def command_name(command_id: int) -> str:
    return constants.command_id_value_map.get(command_id, "unknown")


def status_name(code: int) -> str:
    """ESME_ROK, ESME_RTHROTTLED, CONTENT_BLOCKED (ours, 0x400)...; another vendor code in hex;
    'other' for what the sessions counted as OTHER (a code an ESME sent that we cannot name)."""
    if code == OTHER:
        return "other"
    for kind in (CommandStatus, PolicyStatus):
        try:
            return kind(code).name
        except ValueError:
            pass
    return f"0x{code:08X}"


class SmscCollector:
    """Every metric of one SMSC, built from snapshots at scrape time."""

    def __init__(self, engine, factory):
        """engine: smsc.engine.Engine; factory: smsc.server.SmscFactory."""
        self._engine = engine
        self._factory = factory

    def collect(self):
        sessions = self._factory.counts.snapshot()
        yield self._pdus(sessions["pdus"])
        yield from self._accounts(sessions["window_full"])
        yield from self._towers()
        yield from self._queues()

    @staticmethod
    def _pdus(counted: dict):
        pdus = CounterMetricFamily("smsc_pdus", "SMPP PDUs read from (in) and written to (out) every session, by command and command_status",
                                   labels=["direction", "command", "status"])  # fmt: skip
        named: dict[tuple, int] = {}
        for (direction, command_id, status), count in counted.items():
            key = (direction, command_name(command_id), status_name(status))
            named[key] = named.get(key, 0) + count
        for labels, count in sorted(named.items()):
            pdus.add_metric(labels, count)
        return pdus

    def _accounts(self, window_full: dict):
        """The engine's counters per account (smsc.stats), one metric for each kind of event."""
        accounts = [account.system_id for account in self._factory.smsc_config.accounts]
        plain = {key: CounterMetricFamily(name, meaning, labels=["account"]) for key, (name, meaning) in PLAIN_COUNTERS.items()}
        finished = CounterMetricFamily("smsc_messages_finished", "messages that reached a final state, by state and the network error a receipt carries",
                                       labels=["account", "state", "error"])  # fmt: skip
        retried = CounterMetricFamily("smsc_messages_retried", "attempts that failed for a reason that may pass, planned again", labels=["account", "error"])
        refused = CounterMetricFamily("smsc_submits_refused", "messages refused at submit by a rule (route, keyword, opt-out, balance...)", labels=["account", "rule"])
        throttled = CounterMetricFamily("smsc_throttled", "submits answered with the account's throttle status: the destination tower's queue or the session's window was full",
                                        labels=["account", "cause"])  # fmt: skip
        events = CounterMetricFamily("smsc_events", "any other event the engine counts, by its name", labels=["account", "event"])
        detailed = {"retried": retried, "refused": refused}
        snapshot = self._engine.stats.snapshot()
        for account in sorted(set(accounts) | set(snapshot)):
            counters = snapshot.get(account, {})
            for key, family in plain.items():  # from 0, so that rate() has a start
                family.add_metric([account], counters.get(key, 0))
            throttled.add_metric([account, "tower_queue_full"], counters.get("throttled", 0))
            throttled.add_metric([account, "window_full"], window_full.get(account, 0))
            for key, count in counters.items():
                kind, _, detail = key.partition(": ")
                if kind in FINAL_STATES:  # "delivered", "undeliverable: unknown_subscriber"
                    finished.add_metric([account, kind.upper(), detail or "none"], count)
                elif kind in detailed:  # "retried: absent_subscriber", "refused: keyword"
                    detailed[kind].add_metric([account, detail], count)
                elif key not in plain and key != "throttled":
                    events.add_metric([account, key], count)
        yield from (plain["submitted"], finished, retried, refused, throttled, *(plain[key] for key in PLAIN_COUNTERS if key != "submitted"), events)

    def _towers(self):
        now = self._engine.now()  # the towers' queues are at the SMSC's time (a paused clock's)
        labels = ["carrier", "tower"]
        up = GaugeMetricFamily("smsc_tower_up", "1 while the tower is up, 0 while it is down", labels=labels)
        capacity = GaugeMetricFamily("smsc_tower_capacity_messages_per_second", "messages a second the tower puts on air", labels=labels)
        queue = GaugeMetricFamily("smsc_tower_queue_messages", "messages waiting at the tower to go on air", labels=labels)
        limit = GaugeMetricFamily("smsc_tower_queue_limit_messages", "queue length past which submits to the tower are throttled", labels=labels)
        held = GaugeMetricFamily("smsc_tower_held_messages", "messages held for the tower while it is down", labels=labels)
        sent = CounterMetricFamily("smsc_tower_sent", "attempts the tower put on air", labels=labels)
        for tower in self._engine.network.towers.values():
            shown = tower.snapshot(now)
            names = [shown["carrier"], shown["id"]]
            up.add_metric(names, 1 if shown["up"] else 0)
            capacity.add_metric(names, shown["capacity"])
            queue.add_metric(names, shown["queue"])
            limit.add_metric(names, shown["queue_limit"])
            held.add_metric(names, shown["held"])
            sent.add_metric(names, shown["sent"])
        yield from (up, capacity, queue, limit, held, sent)

    def _queues(self):
        config = self._factory.smsc_config
        pending = GaugeMetricFamily("smsc_messages_pending", "messages not yet in a final state")
        pending.add_metric([], self._engine.pending_count())
        outbound = GaugeMetricFamily("smsc_outbound_queue_messages", "receipts and MOs in memory waiting for one of the account's receiving binds (none bound, or their windows full)",
                                     labels=["account"])  # fmt: skip
        binds = GaugeMetricFamily("smsc_binds", "bound SMPP sessions", labels=["account", "bind"])
        bound: dict[tuple, int] = {}
        for session in self._factory.sessions():
            key = (session.system_id, session.bind_type.name.removeprefix("bind_"))
            bound[key] = bound.get(key, 0) + 1
        for account in config.accounts:
            outbound.add_metric([account.system_id], self._factory.outbound.waiting(account.system_id))
            for bind in BIND_TYPES:
                if bind in account.bind_types or (account.system_id, bind) in bound:
                    binds.add_metric([account.system_id, bind], bound.get((account.system_id, bind), 0))
        latency = HistogramMetricFamily("smsc_receipt_latency_seconds", "from submit_sm accepted to its receipt written to a receiving bind, by the state the receipt reports",
                                        labels=["account", "state"])  # fmt: skip
        for (account, state), (buckets, total) in sorted(self._factory.outbound.receipt_latency.snapshot().items()):
            latency.add_metric([account, state], [(floatToGoString(le), count) for le, count in buckets], total)
        yield from (pending, outbound, binds, latency)


class MetricsApi:
    """The /metrics route. Its registry is made at the first scrape and kept (Api.routes() makes
    a MetricsApi each time it lists the endpoints; those are never scraped)."""

    def __init__(self, engine, factory):
        self._collector = SmscCollector(engine, factory)
        self._registry = None

    def routes(self) -> list[Route]:
        return [Route("GET", "/metrics", self.metrics)]

    def registry(self) -> CollectorRegistry:
        if self._registry is None:
            self._registry = CollectorRegistry()
            self._registry.register(self._collector)
            ProcessCollector(registry=self._registry)  # memory, CPU, open files: for load tests
        return self._registry

    def metrics(self, call: Call):
        return 200, Text(generate_latest(self.registry()), CONTENT_TYPE)
