"""Counters the HTTP API and the dashboard read: per account, messages submitted, delivered,
failed by reason, retried and throttled, and how many are pending."""

import collections

from pdu.status import MessageState
from smsc.lifecycle import MapError


def reason(state: MessageState, error: int) -> str:
    """A final outcome as people say it: 'delivered', 'undeliverable: unknown_subscriber'."""
    name = {MessageState.UNDELIVERABLE: "undeliverable"}.get(state, state.name.lower())
    if state is MessageState.DELIVERED or not error:
        return name
    try:
        return f"{name}: {MapError(error).name.lower()}"
    except ValueError:
        return f"{name}: err {error}"


class Stats:
    def __init__(self):
        self._accounts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

    def count(self, account: str, what: str, how_many: int = 1) -> None:
        self._accounts[account][what] += how_many

    def finished(self, account: str, state: MessageState, error: int) -> None:
        self._accounts[account][reason(state, error)] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {account: dict(sorted(counter.items())) for account, counter in sorted(self._accounts.items())}
