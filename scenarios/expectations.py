"""What must hold after a run, checked against what the ESMEs saw and what the SMSC stored.
Each check gives a Verdict: its name, whether it held, and the figures that say so."""

import collections

import attrs

from esme.report import Latency
from scenarios.runner import Run


@attrs.frozen
class Verdict:
    name: str
    held: bool
    detail: str


def check(run: Run) -> list[Verdict]:
    expect = run.scenario.expect
    verdicts = []
    accepted = [one for one in run.sent if one.accepted is not None and one.accepted.accepted]
    if expect.delivered_share is not None:
        delivered = sum(one.outcome is not None and one.outcome.state == "DELIVRD" for one in accepted)
        share = delivered / len(accepted) if accepted else 0.0
        verdicts.append(Verdict("delivered share", share >= expect.delivered_share,
                                f"{delivered} of {len(accepted)} accepted delivered ({share:.1%}; at least {expect.delivered_share:.0%})"))  # fmt: skip
    if expect.nothing_lost:
        verdicts.append(_nothing_lost(run, accepted))
    if expect.no_duplicates:
        verdicts.append(_no_duplicates(run))
    if expect.receipt_p99 is not None:
        verdicts.append(_receipt_p99("receipt p99", [one for one in run.sent], expect.receipt_p99))
    if expect.otp_receipt_p99 is not None:
        verdicts.append(_receipt_p99("OTP receipt p99", [one for one in run.sent if one.outgoing.kind == "otp"], expect.otp_receipt_p99))
    if expect.throttles_seen:
        verdicts.append(_throttles(run))
    return verdicts


def _nothing_lost(run: Run, accepted) -> Verdict:
    """Every segment the SMSC acknowledged is in its store at the end, final or pending."""
    ids = [part.message_id for one in accepted for part in one.accepted.parts if part.message_id]
    missing = [message_id for message_id in ids if message_id not in run.survey.message_ids]
    detail = f"{len(ids)} acknowledged segments, all stored" if not missing else f"{len(missing)} of {len(ids)} acknowledged segments missing, e.g. {missing[:5]}"
    return Verdict("nothing acknowledged lost", not missing, detail)


def _no_duplicates(run: Run) -> Verdict:
    """No stored message was delivered twice, and the SMSC stored no more segments for a
    handset than the ESMEs sent it (a resubmit after a lost response would show here)."""
    twice = [number for number, count in run.survey.delivered_per_message.items() if count > 1]
    sent = collections.Counter()
    for one in run.sent:
        sent[one.outgoing.destination] += len(one.accepted.parts) if one.accepted is not None else 0
    extra = [number for number, count in run.survey.stored_per_destination.items() if count > sent[number]]
    held = not twice and not extra
    detail = "no message delivered twice, none stored twice" if held else f"{len(twice)} delivered twice; {len(extra)} handsets with more stored than sent"
    return Verdict("no duplicates", held, detail)


def _receipt_p99(name: str, sent, limit: float) -> Verdict:
    latencies = [part.receipt_latency for one in sent if one.outcome for part in one.outcome.parts if part.receipt_latency is not None]
    latency = Latency.of(latencies)
    if not latencies:
        return Verdict(name, False, "no receipts came")
    p99 = latency.p99 / 1000  # Latency is in milliseconds
    return Verdict(name, p99 <= limit, f"p99 {p99:.1f} s over {len(latencies)} receipts (at most {limit:g} s)")


def _throttles(run: Run) -> Verdict:
    retried = [one for one in run.sent if one.accepted is not None and any(part.attempts > 1 for part in one.accepted.parts)]
    refused = [one for one in run.sent if one.accepted is not None and any(part.status == 0x58 for part in one.accepted.parts)]
    held = bool(retried) and not refused
    return Verdict("throttles seen and honoured", held, f"{len(retried)} messages throttled and retried until accepted; {len(refused)} gave up")

