"""Prepaid and postpaid billing on delivery only, failures refunded (发送成功计费,失败返款).

The price of a message is held from the account's balance when it is accepted, becomes a
charge when it is delivered and is released when it fails or expires. An account whose
balance cannot cover a message is refused at submit; a postpaid account (no balance) never is.

Money is counted in integer micro-units (millionths of the currency unit): sums of ints are
exact, so ten thousand charges of 0.1 come to exactly 1000, and ints are cheaper than Decimal
on the submit path. Prices and balances are rounded to the micro-unit when read; figures go
back out as floats, each the nearest float to an exact amount.
"""

import decimal
import math
from collections.abc import Mapping

import attrs

from pdu import segments as segmenting
from pdu import text as textcodec
from pdu.counting import CHINA_106_SINGLE, BillingRule, billable_segments, count_segments
from pdu.segments import AIR_OCTETS, Concatenation, TooManySegments, segment_capacity
from pdu.text import Encoding
from pdu.wire import SubmitSm
from pdu.validators import not_negative

MICROS = 1_000_000


def _balance(_, attribute, value):
    if value is not None and not value >= 0:  # NaN fails too
        raise ValueError(f"{attribute.name} must be 0 or more, or left out for postpaid, got {value}")


@attrs.frozen
class Tariff:
    """What one account pays per billable segment, and the prepaid balance it may spend."""

    price_per_segment: float = attrs.field(default=0.0, validator=not_negative)
    balance: float | None = attrs.field(default=None, validator=_balance)  # None: postpaid
    rule: BillingRule = BillingRule.GSM


def segments_of(message: SubmitSm, rule: BillingRule = BillingRule.GSM) -> int:
    """Billable segments of one submit_sm.

    A UDH or SAR part of a long message is one segment on the air whatever it holds. Other
    text counts by the rule, in the encoding the message announces: a UCS-2 "hello" goes on
    the air in 70-unit segments, which billable_segments (choosing its own encoding) would
    not see. Bytes that are not text count by octets, as 8-bit data goes on the air.
    """
    tlvs = message.tlvs
    payload = tlvs.get("message_payload")
    body = message.short_message if payload is None else payload
    try:
        if payload is None and (message.udhi or "sar_msg_ref_num" in tlvs):
            info, body = segmenting.part_info(body, message.udhi, tlvs)
            if info is not None:
                return 1
        encoding = textcodec.encoding_for_data_coding(message.data_coding)
        if encoding is Encoding.BINARY:
            return _octet_segments(body)
        # The common short message fits one segment: no need to decode it. Characters
        # never outnumber units, so a body within the single limit bills one either way.
        units = len(body) // 2 if encoding is Encoding.UCS2 else len(body)
        single = CHINA_106_SINGLE if rule is BillingRule.CHINA_106 else segment_capacity(encoding)
        if units <= single:
            return 1
        if rule is BillingRule.GSM and encoding is Encoding.GSM7 and 0x1B not in body:
            # Unpacked septets with no escape are one unit each: count without decoding,
            # which for GSM 03.38 is a Python loop. A septet above 0x7F is not checked here.
            return _parts(units, encoding)
        text = textcodec.decode(body, encoding)
    except (ValueError, TypeError):  # malformed UDH, unknown data_coding, undecodable text
        return _octet_segments(body)
    if rule is BillingRule.CHINA_106:
        return billable_segments(text, rule)
    if len(text) == units:  # no two-unit character, so no part ends short: plain division
        return _parts(units, encoding)
    try:
        return count_segments(text, encoding).segments
    except TooManySegments:  # a message_payload past 255 parts: bill what the air would carry
        return _parts(units, encoding)


def _parts(units: int, encoding: Encoding) -> int:
    """Parts of a long text of one-unit characters, each part giving room to an 8-bit UDH as
    the SMSC sends them (153 septets, 134 octets, 67 code units)."""
    return math.ceil(units / segment_capacity(encoding, Concatenation.UDH8.header_octets()))


def _octet_segments(body: bytes) -> int:
    return 1 if len(body) <= AIR_OCTETS else _parts(len(body), Encoding.BINARY)


@attrs.frozen
class Hold:
    """Money set aside for one accepted message until it is delivered or fails."""

    account: str
    number: int
    segments: int
    amount: float


@attrs.frozen
class Charge:
    """A delivered message's price, now spent: what the store persists."""

    account: str
    number: int
    segments: int
    amount: float


@attrs.frozen
class Refusal:
    """A submit the account's balance cannot cover."""

    account: str
    reason: str


def micros(amount: float) -> int:
    """An amount in micro-units, read from the shortest decimal that gives back the float
    (0.1 is 100000, not 100000.00000000001 truncated); half a micro-unit rounds to even."""
    return int((decimal.Decimal(repr(float(amount))) * MICROS).to_integral_value())


def money(amount_micros: int) -> str:
    """An amount for people: two decimals at least, more when the micro-units need them."""
    whole, part = divmod(abs(amount_micros), MICROS)
    decimals = f"{part:06d}".rstrip("0").ljust(2, "0")
    return f"{'-' if amount_micros < 0 else ''}{whole}.{decimals}"


class Ledger:
    """Each account's spent and held money, in memory; the store keeps what was spent.

    Holds are keyed by the SMSC's message number. Charging or releasing a number with no
    hold does nothing: a message accepted before a restart, or while its account had no
    price, finishes with nothing to bill.
    """

    def __init__(self, tariffs: Mapping[str, Tariff], spent: Mapping[str, float] = {}):
        self._tariffs = dict(tariffs)
        self._price = {account: micros(tariff.price_per_segment) for account, tariff in self._tariffs.items()}
        self._balance = {
            account: micros(tariff.balance) for account, tariff in self._tariffs.items() if tariff.balance is not None
        }
        self._spent = {account: micros(amount) for account, amount in spent.items()}
        self._held: dict[str, int] = {}
        self._pending: dict[str, int] = {}
        self._holds: dict[int, tuple[str, int, int]] = {}  # number -> (account, segments, micros)

    def hold(self, account: str, number: int, segments: int) -> Hold | Refusal:
        """Set the price of an accepted message aside, or refuse it when the balance is short.

        A free message (no tariff, or price 0) holds nothing and is never refused. Holding a
        number already held returns the first hold: a retried submit does not pay twice.
        """
        held = self._holds.get(number)
        if held is not None:
            return Hold(held[0], number, held[1], held[2] / MICROS)
        cost = self._price.get(account, 0) * segments
        if cost == 0:
            return Hold(account, number, segments, 0.0)
        balance = self._balance.get(account)
        if balance is not None:
            available = balance - self._spent.get(account, 0) - self._held.get(account, 0)
            if cost > available:
                return Refusal(account, self._shortfall(account, segments, cost, available))
        self._add(account, number, segments, cost)
        return Hold(account, number, segments, cost / MICROS)

    def restore(self, account: str, number: int, segments: int, cost: int | None = None) -> None:
        """Hold again for a message still pending after a restart, never refusing: it was
        accepted when the money was there. `cost`: what was held then, in micro-units (a
        price changed since does not reprice it); None: at today's price."""
        if cost is None:
            cost = self._price.get(account, 0) * segments
        if cost and number not in self._holds:
            self._add(account, number, segments, cost)

    def held_micros(self, number: int) -> int:
        """What delivering the message will cost, in micro-units: written with its final state."""
        held = self._holds.get(number)
        return held[2] if held else 0

    def charge(self, number: int) -> Charge | None:
        """The message was delivered: its hold becomes spent. None when nothing was held."""
        held = self._take(number)
        if held is None:
            return None
        account, segments, cost = held
        self._spent[account] = self._spent.get(account, 0) + cost
        return Charge(account, number, segments, cost / MICROS)

    def release(self, number: int) -> None:
        """The message failed or expired: its hold is refunded."""
        self._take(number)

    def snapshot(self) -> dict[str, dict]:
        """Per account: balance (None when postpaid), spent, held, available, price, pending."""
        accounts = sorted(set(self._tariffs) | set(self._spent))
        return {account: self._figures(account) for account in accounts}

    def _figures(self, account: str) -> dict:
        spent, held = self._spent.get(account, 0), self._held.get(account, 0)
        balance = self._balance.get(account)
        return {
            "balance": None if balance is None else balance / MICROS,
            "spent": spent / MICROS,
            "held": held / MICROS,
            "available": None if balance is None else (balance - spent - held) / MICROS,
            "price": self._price.get(account, 0) / MICROS,
            "pending": self._pending.get(account, 0),
        }

    def _add(self, account: str, number: int, segments: int, cost: int) -> None:
        self._holds[number] = (account, segments, cost)
        self._held[account] = self._held.get(account, 0) + cost
        self._pending[account] = self._pending.get(account, 0) + 1

    def _take(self, number: int) -> tuple[str, int, int] | None:
        held = self._holds.pop(number, None)
        if held is not None:
            account, _, cost = held
            self._held[account] -= cost
            self._pending[account] -= 1
        return held

    def _shortfall(self, account: str, segments: int, cost: int, available: int) -> str:
        pending = self._pending.get(account, 0)
        plural = "" if segments == 1 else "s"
        messages = "message" if pending == 1 else "messages"
        return (
            f"balance {money(self._balance[account])} with {money(self._spent.get(account, 0))} spent and "
            f"{money(self._held.get(account, 0))} held for {pending} pending {messages} leaves "
            f"{money(available)}, short of {segments} segment{plural} at {money(self._price[account])} "
            f"({money(cost)})"
        )
