"""A scenario's traffic as a list of messages due at their offsets: each campaign offers its
rate evenly from its start, to numbers and texts drawn with the seed (OTP, notification and
marketing samples, some long, some Chinese; or the campaign's own texts in turn), so a seed
always gives the same traffic."""

import random

import attrs

from pdu import times
from scenarios.model import Campaign, Esme, Scenario

SERVICE_TYPES = {"otp": "OTP", "notification": "", "marketing": "MKT"}

# (English, Chinese) samples; marketing carries the 【signature】 and opt-out CN carriers want.
SAMPLES = {
    "otp": ("Your verification code is {code}. It expires in 5 minutes.", "【云商城】您的验证码是{code}，5分钟内有效，请勿泄露。"),
    "notification": ("Your parcel {code} is out for delivery today.", "【云商城】您的包裹{code}今天派送，请保持电话畅通。"),
    "marketing": ("【云商城】Singles' Day: everything 50% off until midnight. 退订回T", "【云商城】双十一全场五折，今晚零点截止，快来抢购！退订回T"),
}
OPT_OUT = "退订回T"
LONG_TAIL = {
    False: " Thank you for shopping with us; questions are answered around the clock at our service desk.",
    True: "感谢您的支持，如有疑问请随时联系我们的客服，我们将竭诚为您服务，祝您生活愉快，万事如意。",
}


@attrs.frozen
class Outgoing:
    at: float  # seconds from the start
    esme: str
    campaign: str
    kind: str  # otp, notification, marketing
    destination: str
    text: str
    source: str
    receipt: bool
    priority: int = 0
    validity: float | None = None  # seconds; None: the SMSC's default

    @property
    def service_type(self) -> str:
        return SERVICE_TYPES[self.kind]

    @property
    def validity_period(self) -> str:
        return times.relative(self.validity) if self.validity is not None else ""


def plan(scenario: Scenario, reserved_suffixes: tuple[str, ...]) -> list[Outgoing]:
    """Every message of the scenario, in the order it is due."""
    messages = []
    for esme in scenario.esme:
        for campaign in esme.campaign:
            messages += _campaign(scenario, esme, campaign, reserved_suffixes)
    return sorted(messages, key=lambda message: message.at)  # stable: ties keep file order


def _campaign(scenario: Scenario, esme: Esme, campaign: Campaign, reserved: tuple[str, ...]) -> list[Outgoing]:
    rng = random.Random(f"{scenario.seed}/traffic/{esme.name}/{campaign.name}")
    ends = scenario.duration if campaign.duration is None else min(scenario.duration, campaign.start + campaign.duration)
    count = max(0, int((ends - campaign.start) * campaign.rate + 1e-9))
    numbers = campaign.numbers.listed or draw_numbers(rng, campaign.numbers.prefix, campaign.numbers.count, reserved)
    kinds, weights = zip(*campaign.mix.items())
    messages = []
    for index in range(count):
        kind = rng.choices(kinds, weights)[0]
        text = campaign.text or (campaign.texts[index % len(campaign.texts)] if campaign.texts else _text(rng, kind, campaign))
        messages.append(Outgoing(campaign.start + index / campaign.rate, esme.name, campaign.name, kind,
                                 numbers[index % len(numbers)], text, campaign.source, campaign.receipt,
                                 campaign.priority, campaign.validity))  # fmt: skip
    return messages


def draw_numbers(rng: random.Random, prefix: str, count: int, reserved: tuple[str, ...]) -> tuple[str, ...]:
    """count different 13-digit numbers under prefix, none ending in a reserved (test) suffix."""
    width = 13 - len(prefix)
    if width <= 0 or 10**width < count * 2:
        raise ValueError(f"prefix {prefix!r} leaves too few numbers for {count}")
    chosen: dict[str, None] = {}
    while len(chosen) < count:
        number = prefix + f"{rng.randrange(10**width):0{width}d}"
        if not number.endswith(reserved):
            chosen[number] = None
    return tuple(chosen)


def _text(rng: random.Random, kind: str, campaign: Campaign) -> str:
    chinese = rng.random() < campaign.unicode_share
    text = SAMPLES[kind][chinese].format(code=f"{rng.randrange(10**6):06d}")
    if rng.random() < campaign.long_share:
        body, opt_out = (text[: -len(OPT_OUT)], OPT_OUT) if text.endswith(OPT_OUT) else (text, "")
        text = body + LONG_TAIL[chinese] * 2 + opt_out  # the opt-out must stay last
    return text
