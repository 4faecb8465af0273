"""The last minutes of the SMSC, a sample a second, for the dashboard's charts: rates worked out
from the counters the core keeps anyway (smsc.stats, the sessions' PDU counts, the receipt
latency histograms), so nothing here runs per message. A browser that opens the page gets the
whole history at once and then each new sample."""

import collections

from twisted.internet import task

from pdu.status import CommandStatus

KEPT = 600  # samples: ten minutes
LATENCY_WINDOW = 10  # seconds of receipts the latency percentiles cover
PERCENTILES = (0.5, 0.95, 0.99)
SUBMIT_ANSWERS = frozenset({0x80000004, 0x80000021, 0x80000103})  # submit_sm_resp, submit_multi_resp, data_sm_resp
FINAL_KINDS = ("delivered", "undeliverable", "expired", "rejected", "deleted", "unknown")
COUNTED = ("submitted", "mo", "throttled", "refused")  # smsc.stats keys summed as they are
RATES = ("submitted", "delivered", "failed", "throttled", "refused", "mo")  # a sample's per-second figures


class History:
    def __init__(self, engine, factory, clock):
        """engine: smsc.engine.Engine; factory: smsc.server.SmscFactory; clock: the wall clock
        (samples are a real second apart even while a trainer pauses the SMSC's clock)."""
        self._engine = engine
        self._factory = factory
        self._clock = clock
        self.samples: collections.deque = collections.deque(maxlen=KEPT)
        self._before: dict | None = None  # the last totals, to take rates from
        self._latencies: collections.deque = collections.deque(maxlen=LATENCY_WINDOW + 1)  # cumulative buckets
        self._loop = task.LoopingCall(self.sample)
        self._loop.clock = clock
        self.on_sample = None  # the live feed: told of each new sample

    def start(self) -> None:
        self._loop.start(1.0, now=True)

    def stop(self) -> None:
        if self._loop.running:
            self._loop.stop()

    def sample(self) -> dict:
        totals = self.totals()
        before, self._before = self._before or totals, totals
        sample = {
            "t": round(self._clock.seconds(), 3),
            **{kind: totals[kind] - before[kind] for kind in RATES},
            "receipts": {state: count - before["receipts"].get(state, 0) for state, count in totals["receipts"].items()
                         if count != before["receipts"].get(state, 0)},  # fmt: skip
            **self.levels(),
            "latency": self._latency(),
        }
        self.samples.append(sample)
        if self.on_sample is not None:
            self.on_sample(sample)
        return sample

    def totals(self) -> dict:
        """Counters since the SMSC started, summed over accounts."""
        counted = collections.Counter()
        for counters in self._engine.stats.snapshot().values():
            for key, count in counters.items():
                kind = key.partition(": ")[0]
                if kind in FINAL_KINDS:
                    counted["delivered" if kind == "delivered" else "failed"] += count
                elif kind in COUNTED:
                    counted[kind] += count
        sessions = self._factory.counts.snapshot()
        counted["throttled"] += sum(sessions["window_full"].values())
        # Refusals as answered on the wire, which also counts those no rule made (a bad address);
        # a throttle is not one, whichever status the account answers it with.
        throttles = {0, CommandStatus.ESME_RTHROTTLED} | {account.throttle_answer.status for account in self._factory.smsc_config.accounts}
        refusals = sum(count for (direction, command, status), count in sessions["pdus"].items()
                       if direction == "out" and command in SUBMIT_ANSWERS and status not in throttles)  # fmt: skip
        # The rules' count also has the destinations of a submit_multi refused one by one
        # (answered inside a submit_multi_resp with status 0); of the two, the larger is nearer.
        counted["refused"] = max(counted["refused"], refusals)
        receipts = collections.Counter()
        for (_, state), (buckets, _) in self._factory.outbound.receipt_latency.snapshot().items():
            receipts[state] += buckets[-1][1]
        return {**{kind: counted[kind] for kind in RATES}, "receipts": dict(receipts)}

    def levels(self) -> dict:
        """What is waiting now: messages pending, at towers, held, and receipts for ESMEs."""
        now = self._engine.now()
        towers = [tower.snapshot(now) for tower in self._engine.network.towers.values()]
        return {
            "pending": self._engine.pending_count(),
            "tower_queue": sum(tower["queue"] for tower in towers),
            "held": sum(tower["held"] for tower in towers),
            "outbound": sum(self._factory.outbound.waiting(account.system_id) for account in self._factory.smsc_config.accounts),
        }

    def _latency(self) -> dict:
        """Receipt latency percentiles over the last LATENCY_WINDOW seconds, read off the
        histogram buckets' upper bounds (what Prometheus' histogram_quantile would say, roughly)."""
        merged: dict[float, int] = {}
        for buckets, _ in self._factory.outbound.receipt_latency.snapshot().values():
            for bound, count in buckets:
                merged[bound] = merged.get(bound, 0) + count
        now = sorted(merged.items())
        self._latencies.append(now)
        then = dict(self._latencies[0])
        window = [(bound, count - then.get(bound, 0)) for bound, count in now]
        total = window[-1][1] if window else 0
        if not total:
            return {}
        shown = {}
        for share in PERCENTILES:
            bound = next(bound for bound, count in window if count >= share * total)
            shown[f"p{round(share * 100)}"] = None if bound == float("inf") else bound
        return shown
