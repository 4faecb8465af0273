"""Per-country rules for A2P traffic as config values, and the sender and length checks that
use them.

Carriers police what enters their country: which kinds of sender id they accept, how long a
message may be, when marketing may ring a handset and how it must let the reader opt out. The
shipped table covers the countries QA asks about most; a config file replaces a country's entry
whole, and countries in neither get FALLBACK.
"""

import enum
import functools
from collections.abc import Mapping

import attrs

from pdu.fields import Address
from smsc.policy.quiet_hours import Window
from pdu.validators import not_negative, positive

TON_NETWORK_SPECIFIC, TON_ALPHANUMERIC, TON_ABBREVIATED = 3, 5, 6


class QuietHoursAction(enum.Enum):
    """What happens to marketing submitted outside the delivery window."""

    HOLD = "hold"  # accept it and deliver when the window opens
    REJECT = "reject"  # refuse it at submit


def _quiet_hours(_, attribute, value):
    if not value:
        return
    try:
        Window.parse(value)
    except ValueError as error:  # "quiet_hours must ..." lets the loader name the key
        raise ValueError(f'{attribute.name} must be "" or a window: {error}') from None


def _suffixes(_, attribute, values):
    for value in values:
        if not value.strip():
            raise ValueError(f"{attribute.name} must hold non-empty texts, got {value!r}")


@attrs.frozen
class CountryRules:
    """What one country's carriers require of A2P messages to its numbers."""

    # A marketing message must end with one of these (any one); () requires none.
    opt_out_suffixes: tuple[str, ...] = attrs.field(default=(), validator=_suffixes)
    # When marketing may be DELIVERED, recipient's local time; "" for any time.
    quiet_hours: str = attrs.field(default="08:00-20:00", validator=_quiet_hours)
    quiet_hours_action: QuietHoursAction = QuietHoursAction.HOLD
    # Marketing must name its brand in a 【…】 signature, unless the account's sender id does.
    signature_required: bool = False
    max_length: int = attrs.field(default=0, validator=not_negative)  # characters; 0: no cap
    sender_numeric: bool = True  # long numbers, as a handset's
    sender_short_code: bool = True
    sender_alphanumeric: bool = True
    sender_min_length: int = attrs.field(default=1, validator=positive)  # alphanumeric, characters
    sender_max_length: int = attrs.field(default=11, validator=positive)  # alphanumeric, characters
    short_code_max_digits: int = attrs.field(default=8, validator=positive)

    @sender_max_length.validator
    def _sender_lengths(self, attribute, value):
        if value < self.sender_min_length:
            raise ValueError(f"sender_max_length must be at least sender_min_length ({self.sender_min_length}), got {value}")

    @property
    def window(self) -> Window | None:
        """The delivery window for marketing, or None when marketing may go at any time."""
        return _window(self.quiet_hours) if self.quiet_hours else None


@functools.lru_cache(maxsize=256)
def _window(text: str) -> Window:
    return Window.parse(text)


DEFAULT_COUNTRIES: dict[str, CountryRules] = {
    # Chinese carriers take A2P only from numeric 106 channel numbers (and their own service
    # short codes such as 10086), never alphanumeric ids; marketing needs a 【brand】 signature
    # and one of the opt-outs the carriers' templates use, and goes out in the daytime only.
    "CN": CountryRules(
        opt_out_suffixes=("退订回T", "回T退订", "拒收请回复R", "回TD退订"),
        quiet_hours="08:00-20:00",
        quiet_hours_action=QuietHoursAction.HOLD,
        signature_required=True,
        sender_alphanumeric=False,
    ),
    # US carriers deliver no alphanumeric ids (short codes, toll-free and 10DLC numbers only);
    # the TCPA's calling hours, 8 am to 9 pm local, are the norm for marketing texts too.
    "US": CountryRules(
        opt_out_suffixes=(
            "Reply STOP to opt out", "Reply STOP to unsubscribe", "Reply STOP to end",
            "Text STOP to opt out", "Txt STOP to opt out", "STOP to end", "STOP to opt out", "Reply STOP",
        ),
        quiet_hours="08:00-21:00",
        sender_alphanumeric=False,
    ),
    # UK networks accept alphanumeric ids up to eleven characters; there are no statutory
    # quiet hours for texts, so marketing may go at any time.
    "GB": CountryRules(
        opt_out_suffixes=("Reply STOP", "Text STOP", "STOP"),
        quiet_hours="",
        sender_alphanumeric=True,
        sender_max_length=11,
    ),
    # India: A2P goes from DLT-registered six-character headers (letters for service messages,
    # six digits for promotional ones, which classify as short codes), never long numbers.
    # Opt-out is the national DND registry, not a text in the message; gateways deliver
    # promotional messages from 10:00 to 21:00.
    "IN": CountryRules(
        opt_out_suffixes=(),
        quiet_hours="10:00-21:00",
        sender_numeric=False,
        sender_min_length=6,
        sender_max_length=6,
        short_code_max_digits=6,
    ),
    # ILLUSTRATIVE, not a documented Brazilian rule: an entry showing a length cap, standing for
    # carriers that cut long messages short (157 characters leaves room for a carrier's tag).
    "BR": CountryRules(
        opt_out_suffixes=("Responda SAIR", "SAIR"),
        max_length=157,
    ),
}

FALLBACK = CountryRules(opt_out_suffixes=("Reply STOP", "STOP"))


def rules_for(region: str, configured: Mapping[str, CountryRules]) -> CountryRules:
    """The rules for a region ("CN"): a configured entry replaces the shipped one whole."""
    rules = configured.get(region)
    if rules is not None:
        return rules
    return DEFAULT_COUNTRIES.get(region, FALLBACK)


class SenderKind(enum.Enum):
    NUMERIC = "numeric sender"
    SHORT_CODE = "short code"
    ALPHANUMERIC = "alphanumeric sender id"


def classify_sender(source: Address, rules: CountryRules) -> SenderKind:
    """What kind of sender id an address is, the way carriers tell them apart: by TON when it
    says so (5 alphanumeric; 3 and 6 short codes), else by the characters and their count."""
    digits = source.digits.removeprefix("+")
    if source.ton == TON_ALPHANUMERIC or not (digits.isdigit() and digits.isascii()):
        return SenderKind.ALPHANUMERIC
    if source.ton in (TON_NETWORK_SPECIFIC, TON_ABBREVIATED) or len(digits) <= rules.short_code_max_digits:
        return SenderKind.SHORT_CODE
    return SenderKind.NUMERIC


def check_sender(source: Address, rules: CountryRules) -> str | None:
    """None when the country accepts this sender id, else why not. An empty source passes:
    the SMSC puts its own default in."""
    if not source.digits:
        return None
    kind = classify_sender(source, rules)
    allowed = {
        SenderKind.NUMERIC: rules.sender_numeric,
        SenderKind.SHORT_CODE: rules.sender_short_code,
        SenderKind.ALPHANUMERIC: rules.sender_alphanumeric,
    }
    if not allowed[kind]:
        others = [other.value + "s" for other in SenderKind if allowed[other]]
        accepted = f"; only {' and '.join(others)} are" if others else ""
        return f"{kind.value} {source.digits!r} is not accepted in this country{accepted}"
    if kind is SenderKind.ALPHANUMERIC:
        return _alphanumeric_length(source.digits, rules)
    return None


def _alphanumeric_length(sender: str, rules: CountryRules) -> str | None:
    length = len(sender)
    if rules.sender_min_length <= length <= rules.sender_max_length:
        return None
    if rules.sender_min_length == rules.sender_max_length:
        wanted = f"exactly {rules.sender_max_length}"
    elif length > rules.sender_max_length:
        wanted = f"at most {rules.sender_max_length}"
    else:
        wanted = f"at least {rules.sender_min_length}"
    return f"alphanumeric sender id {sender!r} has {length} characters; this country allows {wanted}"


def check_length(text_length: int, rules: CountryRules) -> str | None:
    """None when a message of `text_length` characters may go to the country, else why not."""
    if rules.max_length and text_length > rules.max_length:
        return f"message has {text_length} characters; at most {rules.max_length} allowed in this country"
    return None
