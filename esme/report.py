"""The campaign report of `esme blast`: what happened to each message, counted and timed, as a
table for people, JSON for tools and CSV with one row per message.

Percentiles are exact nearest-rank ones: the p-th percentile of n sorted latencies is the
ceil(p/100 * n)-th of them. Every figure is a latency some message really had, and p100 is
the maximum; nothing is interpolated, so small campaigns do not report invented values.
"""

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping

import attrs

from pdu.status import CommandStatus

PERCENTILES = (50, 90, 99)
DELIVERED, EXPIRED = "DELIVRD", "EXPIRED"


@attrs.frozen
class MessageRecord:
    """The outcome of one recipient's message, filled in by the sender.

    Times are seconds on one clock (any epoch). A message split into segments has one
    message_id a segment, and one final state for the whole.
    """

    number: str
    line: int  # in the numbers file
    message_ids: tuple[str, ...]
    submit_status: int | None  # command_status of the submit_sm_resp; None when none came
    final_state: str | None  # receipt stat ("DELIVRD", "UNDELIV", ...); None without a receipt
    error_code: str | None  # receipt err field as the carrier wrote it ("000", "001")
    submitted_at: float
    responded_at: float | None
    receipt_at: float | None


@attrs.frozen
class Latency:
    """Nearest-rank percentiles of one latency, in milliseconds; None when nothing was measured."""

    count: int
    p50: float | None
    p90: float | None
    p99: float | None
    max: float | None

    @classmethod
    def of(cls, seconds: Iterable[float]) -> "Latency":
        ordered = sorted(value * 1000 for value in seconds)
        if not ordered:
            return cls(0, None, None, None, None)
        return cls(len(ordered), *(percentile(ordered, p) for p in PERCENTILES), ordered[-1])


@attrs.frozen
class Summary:
    submitted: int  # messages sent to the SMSC, whatever became of them
    accepted: int  # submit_sm_resp ESME_ROK
    refused: int  # submit_sm_resp with an error status
    no_response: int  # no submit_sm_resp at all: outcome unknown, not guessed
    delivered: int
    expired: int
    failed: int  # a failure receipt (not DELIVRD, not EXPIRED) or a refused submit
    no_receipt: int  # accepted, but no receipt came
    failed_by_reason: Mapping[str, int]  # "UNDELIV err 001", "ESME_RTHROTTLED (0x58)"
    submit_to_response: Latency
    submit_to_receipt: Latency


def percentile(ordered: list[float], p: float) -> float:
    """The nearest-rank p-th percentile of an ascending, non-empty list."""
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def status_name(status: int) -> str:
    try:
        return f"{CommandStatus(status).name} (0x{status:02X})"
    except ValueError:
        return f"unknown status 0x{status:08X}"


def receipt_reason(record: MessageRecord) -> str:
    return f"{record.final_state} err {record.error_code}" if record.error_code else str(record.final_state)


def summarise(records: Iterable[MessageRecord]) -> Summary:
    records = list(records)
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for record in records:
        if record.submit_status is None:
            counts["no_response"] += 1
        elif record.submit_status != 0:
            counts["refused"] += 1
            reasons[status_name(record.submit_status)] += 1
        elif record.final_state is None:
            counts["accepted"] += 1
            counts["no_receipt"] += 1
        else:
            counts["accepted"] += 1
            if record.final_state == DELIVERED:
                counts["delivered"] += 1
            elif record.final_state == EXPIRED:
                counts["expired"] += 1
            else:
                counts["failed_receipt"] += 1
                reasons[receipt_reason(record)] += 1
    return Summary(
        submitted=len(records),
        accepted=counts["accepted"],
        refused=counts["refused"],
        no_response=counts["no_response"],
        delivered=counts["delivered"],
        expired=counts["expired"],
        failed=counts["failed_receipt"] + counts["refused"],
        no_receipt=counts["no_receipt"],
        failed_by_reason=dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0]))),
        submit_to_response=Latency.of(r.responded_at - r.submitted_at for r in records if r.responded_at is not None),
        submit_to_receipt=Latency.of(r.receipt_at - r.submitted_at for r in records if r.receipt_at is not None),
    )


def to_json(summary: Summary) -> str:
    return json.dumps(attrs.asdict(summary), ensure_ascii=False, indent=2)


def to_text(summary: Summary) -> str:
    """A table for people: counts with their share of submitted, reasons, then latencies."""
    total = summary.submitted

    def row(label: str, value: int) -> str:
        share = f"{value / total:7.1%}" if total else "      -"
        return f"  {label:<22}{value:>9}  {share}"

    lines = ["Messages", f"  {'submitted':<22}{total:>9}"]
    lines += [row(label, getattr(summary, field)) for label, field in (
        ("accepted", "accepted"), ("delivered", "delivered"), ("failed", "failed"),
        ("expired", "expired"), ("no receipt", "no_receipt"), ("refused at submit", "refused"),
        ("no response (unknown)", "no_response"),
    )]  # fmt: skip
    if summary.failed_by_reason:
        lines += ["", "Failed by reason"] + [row(reason, n) for reason, n in summary.failed_by_reason.items()]
    lines += ["", f"Latency (ms)  {'count':>8}{'p50':>10}{'p90':>10}{'p99':>10}{'max':>10}"]
    for label, latency in (("submit→resp", summary.submit_to_response), ("submit→DLR", summary.submit_to_receipt)):
        figures = "".join(f"{_ms(getattr(latency, name)) or '-':>10}" for name in ("p50", "p90", "p99", "max"))
        lines.append(f"  {label:<12}{latency.count:>8}{figures}")
    return "\n".join(lines) + "\n"


CSV_COLUMNS = (
    "line", "number", "message_ids", "submit_status", "final_state", "error_code",
    "submitted_at", "response_ms", "receipt_ms", "outcome",
)  # fmt: skip


def outcome(record: MessageRecord) -> str:
    """The one word a CSV row gets, matching the summary's counters."""
    if record.submit_status is None:
        return "no_response"
    if record.submit_status != 0:
        return "refused"
    if record.final_state is None:
        return "no_receipt"
    return {DELIVERED: "delivered", EXPIRED: "expired"}.get(record.final_state, "failed")


def to_csv(records: Iterable[MessageRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow([
            r.line, r.number, " ".join(r.message_ids),
            "" if r.submit_status is None else status_name(r.submit_status),
            r.final_state or "", r.error_code or "", f"{r.submitted_at:.3f}",
            _ms(None if r.responded_at is None else (r.responded_at - r.submitted_at) * 1000),
            _ms(None if r.receipt_at is None else (r.receipt_at - r.submitted_at) * 1000),
            outcome(r),
        ])  # fmt: skip
    return out.getvalue()


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"
