"""A run's report: the expectations first (the exit status follows them), then the delivery
funnel, failures by reason, latency percentiles and the load over time, as text or JSON."""

import collections
import json
import re

import attrs

from esme import outcome
from esme.report import Latency, status_name
from scenarios import load
from scenarios.expectations import Verdict
from scenarios.runner import Run
from scenarios.sampling import Series
from smsc.policy.statuses import PolicyStatus

_NOT_FINAL = {outcome.NO_RECEIPT: "pending at the end", outcome.NOT_SENT: "not sent"}


@attrs.frozen
class Report:
    scenario: str
    title: str
    seed: int
    simulated_seconds: float
    verdicts: tuple[Verdict, ...]
    funnel: dict[str, int]
    outcomes: dict[str, int]  # final state, or why there is none
    submit_to_response: Latency
    submit_to_receipt: Latency
    by_class: dict[str, Latency]  # submit to receipt, per traffic class
    duration: float = 0.0  # the traffic's span, seconds
    towers: tuple[load.TowerLoad, ...] = ()  # the towers that did anything, summed up
    series: Series | None = None  # the load over time, sampled (scenarios.sampling)

    @property
    def passed(self) -> bool:
        return all(verdict.held for verdict in self.verdicts)


def build(run: Run, verdicts: list[Verdict]) -> Report:
    sent = run.sent
    accepted = [one for one in sent if one.accepted is not None and one.accepted.accepted]
    outcomes = collections.Counter(_outcome(one) for one in sent)
    parts = [(one.outgoing.kind, part) for one in sent if one.outcome for part in one.outcome.parts]
    responses = [part.submit_latency for _, part in parts if part.submit_latency is not None]
    receipts = collections.defaultdict(list)
    for kind, part in parts:
        if part.receipt_latency is not None:
            receipts[kind].append(part.receipt_latency)
    funnel = {
        "offered": len(sent),
        "accepted": len(accepted),
        "refused": sum(one.accepted is not None and not one.accepted.accepted and one.accepted.failed_part.status is not None for one in sent),
        "unknown": sum(one.outcome is not None and one.outcome.state == outcome.UNKNOWN for one in sent),
        "delivered": sum(one.outcome is not None and one.outcome.state == "DELIVRD" for one in sent),
        "stored at the SMSC": len(run.survey.message_ids),
    }
    return Report(
        run.scenario.name, run.scenario.title, run.scenario.seed, run.ended_at - run.started_at, tuple(verdicts), funnel,
        dict(outcomes.most_common()), Latency.of(responses), Latency.of([value for values in receipts.values() for value in values]),
        {kind: Latency.of(values) for kind, values in sorted(receipts.items())},
        run.scenario.duration, tuple(load.towers(run.series)) if run.series else (), run.series,
    )  # fmt: skip


def _outcome(one) -> str:
    """A message's final state, the status it was refused with, or why it has neither."""
    if one.outcome is None:
        return "unfinished"
    if one.outcome.state == outcome.REFUSED:
        return f"refused {_status_name(one.outcome.failed_part.status)}"
    return _NOT_FINAL.get(one.outcome.state, one.outcome.state)


def _status_name(status: int) -> str:
    """The SMPP name, or the policy's own for this SMSC's vendor codes (0x400...)."""
    try:
        return f"{PolicyStatus(status).name} (0x{status:03X})"
    except ValueError:
        return status_name(status)


def to_text(report: Report) -> str:
    lines = [f"{report.scenario}: {report.title}", f"seed {report.seed}, {_duration(report.simulated_seconds)} simulated", ""]
    for verdict in report.verdicts:
        lines.append(f"  {'PASS' if verdict.held else 'FAIL'}  {verdict.name}: {verdict.detail}")
    lines += ["", "funnel:"] + [f"  {name:<30} {count:>8}" for name, count in report.funnel.items()]
    lines += ["", "outcomes:"] + [f"  {name:<30} {count:>8}" for name, count in report.outcomes.items()]
    lines += ["", "latency (s)          p50      p90      p99      max"]
    lines.append(_latency_line("submit -> response", report.submit_to_response))
    lines.append(_latency_line("submit -> receipt", report.submit_to_receipt))
    for kind, latency in report.by_class.items():
        lines.append(_latency_line(f"  {kind}", latency))
    if report.series is not None:
        lines += load.to_text(report.series, report.duration)
    lines += ["", "PASSED" if report.passed else "FAILED"]
    return "\n".join(lines)


def to_json(report: Report) -> str:
    """Indented, with each series of numbers on one line; the series of idle towers left out."""
    fields = {**attrs.asdict(report), "passed": report.passed}
    if report.series is not None:
        active = {load.tower for load in report.towers}
        fields["series"]["towers"] = {tower: values for tower, values in fields["series"]["towers"].items() if tower in active}
    return _FLAT_LIST.sub(_one_line, json.dumps(fields, ensure_ascii=False, indent=2))


def _one_line(match) -> str:
    return "[" + ", ".join(item.strip() for item in match.group(0)[1:-1].split(",") if item.strip()) + "]"


_FLAT_LIST = re.compile(r"\[(?:\s*(?:-?[0-9.eE+-]+|true|false|null)\s*,?)*\s*\]")  # a list of numbers, true, false or null


def _latency_line(name: str, latency: Latency) -> str:
    if latency.count == 0:
        return f"{name:<20} {'-':>8}"
    return f"{name:<20}" + "".join(f"{value / 1000:>9.2f}" for value in (latency.p50, latency.p90, latency.p99, latency.max))


def _duration(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"
