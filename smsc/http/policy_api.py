"""The HTTP API's content-rule endpoints: what the rules hold and why submits were refused,
reloading the keyword lists and blacklists, opt-outs, balances and call detail records."""

from twisted.internet import defer

from pdu.status import status_info
from smsc.cdr import CdrRow
from smsc.http import shapes
from smsc.http.router import ApiError, Call, Route, whole_number
from smsc.policy.keywords import KeywordFileError
from smsc.policy.lists import ListFileError
from smsc.policy.statuses import PolicyStatus

MAX_CDRS = 1000


class PolicyApi:
    def __init__(self, engine):
        self._engine = engine

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/policy", self.policy),
            Route("POST", "/api/policy/reload", self.reload),
            Route("GET", "/api/opt-outs", self.opt_outs),
            Route("GET", "/api/billing", self.billing),
            Route("GET", "/api/cdrs", self.cdrs),
        ]

    def policy(self, call: Call):
        refusals = [{**refusal, "at": shapes.iso(refusal["at"]), "status_name": _status_name(refusal["status"])}
                    for refusal in reversed(self._engine.refusals)]  # fmt: skip
        return 200, {**self._engine.policy.summary(), "recent_refusals": refusals}

    def reload(self, call: Call):
        try:
            return 200, self._engine.policy.reload()
        except (KeywordFileError, ListFileError) as error:
            raise ApiError(400, f"nothing reloaded: {error}") from None

    def opt_outs(self, call: Call):
        query = dict(call.query)
        unknown = sorted(set(query) - {"sender"})
        if unknown or not query.get("sender"):
            raise ApiError(400, "give sender=ADDRESS (the ESME's source address the handsets replied to)")
        sender = query["sender"]
        return 200, {"sender": sender, "numbers": self._engine.policy.opt_outs.of(sender)}

    def billing(self, call: Call):
        return 200, {"accounts": self._engine.ledger.snapshot()}

    @defer.inlineCallbacks
    def cdrs(self, call: Call):
        query = dict(call.query)
        unknown = sorted(set(query) - {"account", "after", "limit"})
        if unknown:
            raise ApiError(400, f"unknown parameter {', '.join(unknown)}; this endpoint takes account, after and limit")
        after = _cursor(query.get("after") or "0:0")
        limit = whole_number(query, "limit", 100, 1, MAX_CDRS)
        found = yield self._engine.store.finished(account=query.get("account") or None, after=after, limit=limit)
        rows = [CdrRow.from_stored(stored).as_json() for stored in found]
        last = found[-1] if len(found) == limit else None
        return 200, {"cdrs": rows, "next": f"{last.done_at!r}:{last.number}" if last else None}


def _cursor(text: str) -> tuple[float, int]:
    """`after` as the last answer's `next` gave it: DONE_AT:NUMBER."""
    done_at, _, number = text.partition(":")
    try:
        return float(done_at), int(number)
    except ValueError:
        raise ApiError(400, f"after must be the previous answer's next (DONE_AT:NUMBER), got {text!r}") from None


def _status_name(code: int) -> str:
    try:
        return PolicyStatus(code).name
    except ValueError:
        return status_info(code).name
