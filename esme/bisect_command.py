"""`esme bisect`: find the word a carrier's filter blocks in a text that is accepted but never
delivered, the way operators do by hand (send halves, then quarters...), one probe at a time.

The signal is the receipt: DELIVRD means the fragment passes; a failure receipt, or none
within the timeout, means it is blocked (a silent drop looks exactly like that); a refused
or unanswered submit tells nothing and is sent once more. Works against any SMSC.
"""

import sys

from twisted.internet import defer

from esme import outcome
from esme.bisect import Bisect, Verdict


def verdict_of(result: outcome.Outcome) -> Verdict:
    if not result.accepted:
        return Verdict.UNKNOWN
    return Verdict.DELIVERED if result.state == "DELIVRD" else Verdict.BLOCKED


@defer.inlineCallbacks
def run(sender, destination: str, text: str, source: str, budget: int, out=sys.stdout):
    """Probe until the search ends; the Finding."""
    search = Bisect(text, budget)
    while (probe := search.next_probe()) is not None:
        result = yield sender.send(destination, probe.fragment, source, receipt=True)
        verdict = verdict_of(result)
        shown = probe.fragment if len(probe.fragment) <= 60 else probe.fragment[:57] + "..."
        print(f"probe {search.probes + 1:>3}  [{probe.start}:{probe.end}]  {verdict.value:<9}  {shown}", file=out, flush=True)
        search.report(verdict)
    return search.finding
