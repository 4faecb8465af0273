"""The ESME library over real TCP loopback, on the real reactor, in a process of its own (a
reactor runs once a process): `python -m tests.esme.loopback_driver PLAN` where PLAN is JSON
naming the SMSCs, the settings and the messages. Prints one JSON line: what became of each
message, and what the Sender saw."""

import json
import random
import sys

import attrs
from twisted.internet import defer, task

from esme import connection
from esme.profile import SmscProfile
from esme.settings import Settings


def _settings(values: dict) -> Settings:
    statuses = values.pop("retry_statuses", None)
    settings = Settings(**values)
    return settings if statuses is None else attrs.evolve(settings, retry_statuses=frozenset(statuses))


@defer.inlineCallbacks
def run(reactor, plan: dict):
    smscs = [SmscProfile(smsc["name"], _settings({**plan["settings"], **smsc["settings"]}), tuple(smsc.get("prefixes", ()))) for smsc in plan["smscs"]]
    sender = connection.build(reactor, smscs, random.Random(plan.get("seed", 1)))
    yield sender.start()
    print(json.dumps({"bound": True}), flush=True)
    handles = []
    for number, text in plan["messages"]:
        handles.append(sender.submit(number, text, "10690001"))
        if plan.get("gap"):
            yield task.deferLater(reactor, plan["gap"], lambda: None)
    outcomes = yield defer.gatherResults([handle.finished for handle in handles])
    yield sender.stop()
    routers = getattr(sender, "routes", None)
    senders = [route.sender for route in routers] if routers else [sender]
    print(json.dumps({
        "outcomes": [
            [{"state": part.state, "status": part.status, "attempts": part.attempts, "message_id": part.message_id} for part in outcome.parts]
            for outcome in outcomes
        ],
        "unmatched_receipts": sum(one.unmatched_receipts for one in senders),
        "binds": [one.binds for one in senders],
    }))  # fmt: skip


def main() -> None:
    plan = json.loads(sys.argv[1])
    task.react(lambda reactor: run(reactor, plan))


if __name__ == "__main__":
    main()
