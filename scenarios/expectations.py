"""What must hold after a run, checked against what the ESMEs saw and what the SMSC stored.
Each check gives a Verdict: its name, whether it held, and the figures that say so."""

import collections

import attrs

from esme import outcome
from esme.report import Latency
from pdu.status import MessageState
from scenarios.runner import Run
from smsc.policy.decisions import KeywordAction
from smsc.policy.rules import Policy
from smsc.store import FINAL_STATES

RETRY_STATUSES = frozenset({0x58, 0x14})  # ESME_RTHROTTLED, ESME_RMSGQFUL: "not taken, try later"


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
    if expect.blocked_rejected:
        verdicts.append(_blocked(run))
    if expect.opted_out_untouched:
        verdicts.append(_opted_out(run))
    if expect.quiet_hours_kept:
        verdicts.append(_quiet_hours(run))
    if expect.exact_outcomes:
        verdicts.append(_exact(run))
    if expect.states_at_least or expect.states_at_most:
        verdicts.append(_states(run, expect.states_at_least, expect.states_at_most))
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
    """The SMSC answered submits with a throttle (its towers' queues full), and the ESMEs
    honoured every one: the throttled segment was submitted again later, not dropped, and in
    the end accepted. With no timeout retries, each try after the first followed a throttle."""
    parts = [part for one in run.sent if one.accepted is not None for part in one.accepted.parts]
    retried = [part for part in parts if part.attempts > 1]
    retries = sum(part.attempts - 1 for part in retried)
    gave_up = [part for part in parts if part.status in RETRY_STATUSES]
    messages = sum(any(part.attempts > 1 for part in one.accepted.parts) for one in run.sent if one.accepted is not None)
    throttled = run.survey.throttled  # None in a live run: the ESMEs' retries say it
    held = (throttled is None or throttled > 0) and retries > 0 and not gave_up and all(part.accepted for part in retried)
    said = "the SMSC throttled submits" if throttled is None else f"the SMSC throttled {throttled} submits"
    return Verdict("throttles seen and honoured", held,
                   f"{said}; the ESMEs tried {retries} times again for {messages} "
                   f"messages (at most {max((part.attempts for part in parts), default=0)} tries), "
                   f"{sum(part.accepted for part in retried)} of {len(retried)} segments then accepted; {len(gave_up)} gave up")  # fmt: skip


def _blocked(run: Run) -> Verdict:
    """Each message of a campaign marked `blocked` met its keyword list's configured action;
    no message of another campaign was caught by a list."""
    lists = {entry.name: entry for entry in run.config.policy.keywords}
    marked = {(esme.name, campaign.name): campaign.blocked for esme in run.scenario.esme for campaign in esme.campaign}
    met, missed, clean, caught = collections.Counter(), [], 0, []
    for one in run.sent:
        blocked = marked[(one.outgoing.esme, one.outgoing.campaign)]
        if blocked:
            entry = lists[blocked]
            if _meets(one, entry, run.survey):
                met[(entry.name, entry.action)] += 1
            else:
                missed.append(one)
        else:
            clean += 1
            if any(_meets(one, entry, run.survey) for entry in lists.values()):
                caught.append(one)
    total = sum(met.values()) + len(missed)
    actions = ", ".join(f"{count} {_ACTED[action]} by {name}" for (name, action), count in sorted(met.items(), key=lambda item: item[0][0]))
    detail = f"{sum(met.values())} of {total} blocked messages met their list's action ({actions or 'none'}); {len(caught)} of {clean} others caught"
    if missed:
        one = missed[0]
        state = one.outcome.state if one.outcome else "unfinished"
        detail += f"; missed e.g. {one.outgoing.text!r} ({state})"
    return Verdict("blocked keywords caught", total > 0 and not missed and not caught, detail)


_ACTED = {KeywordAction.REJECT: "refused", KeywordAction.REJECTD: "REJECTD", KeywordAction.UNDELIV: "UNDELIV",
          KeywordAction.DROP: "dropped"}  # fmt: skip


def _meets(one, entry, survey) -> bool:
    """Whether a message ended as the keyword list's action says: refused with its status,
    a REJECTD or UNDELIV receipt with its err, or accepted and silently dropped."""
    if one.outcome is None:
        return False
    parts = one.outcome.parts
    if entry.action is KeywordAction.REJECT:
        return one.outcome.state == outcome.REFUSED and one.outcome.failed_part.status == entry.status
    if entry.action in (KeywordAction.REJECTD, KeywordAction.UNDELIV):
        stat = "REJECTD" if entry.action is KeywordAction.REJECTD else "UNDELIV"
        return all(part.state == stat and part.error == entry.err for part in parts)
    return one.outcome.accepted and all(part.message_id in survey.dropped and part.state == outcome.NO_RECEIPT
                                        and survey.states[part.message_id][0] != MessageState.DELIVERED for part in parts)  # fmt: skip


def _opted_out(run: Run) -> Verdict:
    """After a handset opted out of a sender (the SMSC's opt-out list, with when), no
    marketing from that sender reached it: refused at submit, or stopped before delivery."""
    since: dict[tuple[str, str], float] = {}
    for sender, handset, at in run.survey.opt_outs:
        since.setdefault((sender, handset), at)
    refused, stopped, reached = 0, 0, []
    for one in run.sent:
        message = one.outgoing
        opted_at = since.get((message.source, message.destination))
        if message.kind != "marketing" or opted_at is None or one.accepted is None:
            continue
        states = [run.survey.states.get(part.message_id) for part in one.accepted.parts if part.message_id]
        if any(state is not None and state[0] == MessageState.DELIVERED and state[1] > opted_at for state in states):
            reached.append(one)
        elif one.submitted_at > opted_at and not one.accepted.accepted:
            refused += 1
        elif states and all(state is not None and state[0] == MessageState.REJECTED and state[1] > opted_at for state in states):
            stopped += 1
    detail = (f"{len(since)} handsets opted out; later marketing to them: {refused} refused at submit, {stopped} accepted "
              f"before and stopped (REJECTD), {len(reached)} reached the handset")  # fmt: skip
    if reached:
        detail += f", e.g. {reached[0].outgoing.destination}"
    return Verdict("opted-out numbers untouched", bool(since) and not reached, detail)


def _quiet_hours(run: Run) -> Verdict:
    """Every marketing segment the SMSC delivered went inside its recipient's delivery window
    (the country's quiet hours, in the handset's time zone); those submitted outside it waited."""
    policy = Policy(run.config)
    delivered, held, outside = 0, 0, []
    for one in run.sent:
        if one.outgoing.kind != "marketing" or one.accepted is None:
            continue
        for part in one.accepted.parts:
            state = run.survey.states.get(part.message_id) if part.message_id else None
            if state is None or state[0] != MessageState.DELIVERED:
                continue
            delivered += 1
            held += policy.quiet_until(one.outgoing.destination, one.submitted_at) is not None
            if policy.quiet_until(one.outgoing.destination, state[1]) is not None:
                outside.append(one)
    detail = f"{delivered} marketing segments delivered, {held} of them after waiting for the window to open; {len(outside)} outside it"
    return Verdict("quiet hours kept", delivered > 0 and not outside, detail)


def _exact(run: Run) -> Verdict:
    """Each accepted segment's outcome at the ESME is its state at the SMSC ('no receipt' only
    when the SMSC queued no final receipt), and UNKNOWN is reported only for submits in flight
    when a link fell: at most a window's worth per link lost."""
    mismatched, unknown = [], 0
    for one in run.sent:
        for part in one.outcome.parts if one.outcome is not None else ():
            if part.state == outcome.UNKNOWN:
                unknown += 1
            elif part.accepted and part.state != outcome.ACCEPTED and not _same(part, run.survey):
                mismatched.append((part, run.survey.states.get(part.message_id)))
    answered = {part.message_id for one in run.sent if one.accepted is not None for part in one.accepted.parts if part.message_id}
    unanswered = len(run.survey.message_ids - answered)  # stored, but the answer was lost with the link
    if run.survey.connections is None:  # a live run: the links lost are not counted
        held = not mismatched
        detail = f"every accepted segment's outcome is the SMSC's; {unknown} UNKNOWN, {unanswered} of them stored at the SMSC"
    else:
        links_lost = [max(0, count - 1) for count in run.survey.connections]
        most = sum(esme.window * lost for esme, lost in zip(run.scenario.esme, links_lost))
        held = not mismatched and unknown <= most
        detail = (f"every accepted segment's outcome is the SMSC's; {unknown} UNKNOWN after {sum(links_lost)} links lost "
                  f"(at most {most} in flight), {unanswered} of them stored at the SMSC")  # fmt: skip
    if mismatched:
        part, state = mismatched[0]
        truth = MessageState(state[0]).name if state else "not stored"
        detail = f"{len(mismatched)} segments reported otherwise than the SMSC has them, e.g. {part.message_id}: {part.state} at the ESME, {truth} at the SMSC; " + detail.split("; ", 1)[1]
    return Verdict("exact outcomes", held, detail)


def _same(part, survey) -> bool:
    stored = survey.states.get(part.message_id)
    if stored is None:
        return False
    state, _ = stored
    if part.state == outcome.NO_RECEIPT:
        return state not in FINAL_STATES or part.message_id not in survey.receipted
    return state in FINAL_STATES and MessageState(state).receipt_stat == part.state


def _states(run: Run, at_least: dict[str, int], at_most: dict[str, int]) -> Verdict:
    """Messages per final state, within the bounds given."""
    counts = collections.Counter(one.outcome.state if one.outcome is not None else "unfinished" for one in run.sent)
    checks = [(state, counts[state], ">=", bound, counts[state] >= bound) for state, bound in at_least.items()]
    checks += [(state, counts[state], "<=", bound, counts[state] <= bound) for state, bound in at_most.items()]
    detail = ", ".join(f"{state} {count} ({sign} {bound})" for state, count, sign, bound, _ in checks)
    return Verdict("final states", all(ok for *_, ok in checks), detail)
