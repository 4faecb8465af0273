"""The figures of a load run, the thresholds judged on them, and their renderings: a table
for people and JSON for tools.

Rates are in segments a second. The achieved rate counts submit_sm_resp ESME_ROK by the time
they arrive, inside the steady part of the run (after the ramp, before the end), so neither
the ramp nor the drain after the offer ends dilutes it. Percentiles are report.py's exact
nearest-rank ones.
"""

import json
from collections.abc import Mapping

import attrs

from esme.load_plan import Plan
from esme.load_tally import Tally
from esme.report import Latency, status_name


@attrs.frozen
class Threshold:
    """One pass/fail condition of the run, with what was measured."""

    flag: str  # as the user wrote it: "--min-tps", "--max-p99"
    limit: float
    measured: float | None  # None: nothing to measure (no submit accepted)
    holds: bool

    def __str__(self) -> str:
        verdict = "ok  " if self.holds else "FAIL"
        if self.flag == "--min-tps":
            measured = "nothing accepted" if self.measured is None else f"achieved {self.measured:,.1f} segments/s"
            return f"{verdict}  --min-tps {self.limit:g}: {measured} in the steady part"
        measured = "no submit answered" if self.measured is None else f"submit→resp p99 {self.measured:,.1f} ms"
        return f"{verdict}  --max-p99 {self.limit:g} ms: {measured}"


def check_thresholds(achieved_tps: float | None, p99_ms: float | None, min_tps: float | None, max_p99: float | None):
    """The thresholds asked for (None: not asked), each judged."""
    checked = []
    if min_tps is not None:
        checked.append(Threshold("--min-tps", min_tps, achieved_tps, achieved_tps is not None and achieved_tps >= min_tps))
    if max_p99 is not None:
        checked.append(Threshold("--max-p99", max_p99, p99_ms, p99_ms is not None and p99_ms <= max_p99))
    return tuple(checked)


@attrs.frozen
class LoadReport:
    # what was asked
    target_tps: float
    duration: float
    ramp: float
    binds: int
    window: int  # per bind
    receipts_asked: bool
    # what was offered and taken
    messages_offered: int
    segments_offered: int
    offered_tps: float | None  # segments a second offered in the steady part, as measured
    achieved_tps: float | None  # segments a second accepted in the steady part
    overall_tps: float | None  # segments accepted from the start to the last answer
    # what became of the segments
    accepted: int
    refused: Mapping[str, int]  # by status name
    unknown: int  # no answer (timeout or lost link): the SMSC may have them
    not_sent: int  # queued in the ESME when the run was stopped
    unanswered: int  # in flight when the run was stopped
    throttled: int  # 0x58 / 0x14 answers, each retried after a backoff
    receipts: Mapping[str, int]  # by final state, "no receipt" included
    receipts_awaited: int  # accepted segments whose receipt was still awaited when the run stopped
    unmatched_receipts: int  # receipts naming no message of this run
    # how the SMSC kept up
    peak_in_flight: int
    in_flight_at_end: int | None  # when the offer ended; None if it was stopped first
    drain_seconds: float | None  # from the end of the offer to the last answer
    submit_to_response: Latency
    due_to_response: Latency  # from the schedule's due time: waiting in the ESME included
    submit_to_receipt: Latency
    thresholds: tuple[Threshold, ...]
    interrupted: bool

    @property
    def passed(self) -> bool:
        return not self.interrupted and all(threshold.holds for threshold in self.thresholds)

    @classmethod
    def of(cls, tally: Tally, plan: Plan, *, binds: int, window: int, receipts_asked: bool, now: float,
           min_tps: float | None = None, max_p99: float | None = None, interrupted: bool = False,
           unmatched_receipts: int = 0) -> "LoadReport":  # fmt: skip
        """The report of a run finished (or stopped) at `now`."""
        steady_seconds = min(now, tally.steady_to) - tally.steady_from
        if steady_seconds > 0:
            offered_tps, achieved_tps = tally.steady_offered / steady_seconds, tally.steady_accepted / steady_seconds
        else:
            offered_tps = achieved_tps = None
        whole = (tally.last_answer or tally.started) - tally.started
        submit = Latency.of(tally.submit_latency)
        refused = sorted(((status_name(status), n) for status, n in tally.refused.items()), key=lambda item: (-item[1], item[0]))
        return cls(
            target_tps=plan.rate,
            duration=plan.duration,
            ramp=plan.ramp,
            binds=binds,
            window=window,
            receipts_asked=receipts_asked,
            messages_offered=tally.offered_messages,
            segments_offered=tally.offered_segments,
            offered_tps=offered_tps,
            achieved_tps=achieved_tps,
            overall_tps=tally.accepted / whole if whole > 0 else None,
            accepted=tally.accepted,
            refused=dict(refused),
            unknown=tally.unknown,
            not_sent=tally.not_sent,
            unanswered=tally.in_flight,
            throttled=tally.throttled,
            receipts=dict(sorted(tally.receipts.items(), key=lambda item: (-item[1], item[0]))),
            receipts_awaited=tally.accepted - sum(tally.receipts.values()) if receipts_asked else 0,
            unmatched_receipts=unmatched_receipts,
            peak_in_flight=tally.peak_in_flight,
            in_flight_at_end=tally.in_flight_at_end if tally.offer_ended is not None else None,
            drain_seconds=(
                max(0.0, tally.last_answer - tally.offer_ended)
                if tally.offer_ended is not None and tally.last_answer is not None else None
            ),  # fmt: skip
            submit_to_response=submit,
            due_to_response=Latency.of(tally.due_latency),
            submit_to_receipt=Latency.of(tally.receipt_latency),
            thresholds=check_thresholds(achieved_tps, submit.p99, min_tps, max_p99),
            interrupted=interrupted,
        )


def to_json(report: LoadReport) -> str:
    figures = attrs.asdict(report)
    figures["passed"] = report.passed
    return json.dumps(figures, ensure_ascii=False, indent=2)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}/s"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def to_text(report: LoadReport) -> str:
    total = report.segments_offered

    def row(label: str, value: int, note: str = "") -> str:
        share = f"{value / total:7.1%}" if total else "      -"
        return f"  {label:<24}{value:>9,}  {share}{note}".rstrip()

    ramp = f", ramp {report.ramp:g} s" if report.ramp else ""
    receipts = "receipts asked" if report.receipts_asked else "no receipts asked"
    drain = "" if report.drain_seconds is None else f", all answered {_duration(report.drain_seconds)} later"
    lines = [
        f"Load: {report.target_tps:g} segments/s for {report.duration:g} s{ramp}; {report.binds} bind(s), "
        f"window {report.window} each; {receipts}",
        "",
        "Rates (segments a second)",
        f"  {'offered, steady part':<24}{_rate(report.offered_tps):>12}",
        f"  {'achieved, steady part':<24}{_rate(report.achieved_tps):>12}   submit_sm_resp OK after the ramp",
        f"  {'achieved, whole run':<24}{_rate(report.overall_tps):>12}   start to last answer",
        f"  in flight: peak {report.peak_in_flight:,}, " + (
            "the run was stopped before the offer ended" if report.in_flight_at_end is None
            else f"{report.in_flight_at_end:,} when the offer ended{drain}"
        ),
        "",
        f"Submits ({report.messages_offered:,} messages, {total:,} segments)",
        row("accepted", report.accepted),
    ]
    lines += [row(f"refused {name}", n) for name, n in report.refused.items()] or [row("refused", 0)]
    lines += [row("unknown (no answer)", report.unknown)]
    if report.not_sent or report.unanswered:
        lines += [row("not sent (stopped)", report.not_sent), row("unanswered (stopped)", report.unanswered)]
    lines.append(f"  {'throttled answers':<24}{report.throttled:>9,}  (retry_statuses: 0x58/0x14 unless --retry-on says; each retried after a backoff)")
    if report.receipts_asked:
        lines += ["", "Receipts (of accepted segments)"]
        lines += [row(state, n) for state, n in report.receipts.items()] or ["  none"]
        if report.receipts_awaited:
            lines.append(row("still awaited (stopped)", report.receipts_awaited))
        if report.unmatched_receipts:
            lines.append(f"  {'matching no message':<24}{report.unmatched_receipts:>9,}")
    lines += ["", f"Latency (ms)   {'count':>9}{'p50':>10}{'p90':>10}{'p99':>10}{'max':>10}"]
    latencies = [("submit→resp", report.submit_to_response), ("due→resp", report.due_to_response)]
    if report.receipts_asked:
        latencies.append(("submit→DLR", report.submit_to_receipt))
    for label, latency in latencies:
        figures = "".join(f"{_ms(getattr(latency, name)):>10}" for name in ("p50", "p90", "p99", "max"))
        lines.append(f"  {label:<13}{latency.count:>9,}{figures}")
    lines.append("  (from a segment's first try, backoffs after 0x58 included; due→resp also counts waiting for the window)")
    if report.thresholds:
        lines += ["", "Thresholds"] + [f"  {threshold}" for threshold in report.thresholds]
    failed = [threshold.flag for threshold in report.thresholds if not threshold.holds]
    if report.interrupted:
        lines += ["", "INTERRUPTED: the figures cover the run until Ctrl-C"]
    elif report.thresholds:
        lines += ["", f"FAILED: {', '.join(failed)}" if failed else "PASSED"]
    return "\n".join(lines) + "\n"
