"""How many segments a text takes, and how many a carrier bills for it.

Two billing rules are in use. The GSM rule bills the segments on the air: 160 septets (153 per
part when long), 70 UCS-2 code units (67 per part). China's 106 channels count characters,
whatever the script: one letter, digit, punctuation mark or Chinese character is one; 70 bill
as one message and a longer text bills one per 67. The signature 【…】 and a marketing
opt-out suffix such as 退订回T count toward the length in both rules.
"""

import enum
import math

import attrs

from pdu import text as textcodec
from pdu.segments import Concatenation, segment_capacity, split
from pdu.text import Encoding

CHINA_106_SINGLE = 70
CHINA_106_PART = 67


@attrs.frozen
class SegmentCount:
    """The size of a text in one encoding."""

    encoding: Encoding
    units: int
    segments: int
    single_limit: int
    part_limit: int


def count_segments(
    text: str, encoding: Encoding | None = None, method: Concatenation = Concatenation.UDH8
) -> SegmentCount:
    """Segments text takes on the air, with the limits that decided it.

    Two-unit characters are never split, so a text can need one more part than its unit
    count divided by the part limit suggests.
    """
    encoding = encoding or textcodec.choose_encoding(text)
    units = textcodec.unit_length(text, encoding)
    single = segment_capacity(encoding)
    if method is Concatenation.PAYLOAD:
        method = Concatenation.UDH8  # the SMSC splits a payload into 8-bit UDH parts on the air
    part = segment_capacity(encoding, method.header_octets())
    if units <= single:
        segments = 1
    else:  # the split is the truth: counting must agree with what goes on the wire
        segments = len(split(text, encoding, method=method, reference=0))
    return SegmentCount(encoding, units, segments, single, part)


class BillingRule(enum.Enum):
    """How a carrier turns a text into billable messages."""

    GSM = "gsm"
    CHINA_106 = "china-106"


def billable_segments(
    text: str,
    rule: BillingRule = BillingRule.GSM,
    signature: str = "",
    opt_out_suffix: str = "",
) -> int:
    """Messages billed for text once the platform adds the signature and opt-out suffix."""
    full = signature + text + opt_out_suffix
    if rule is BillingRule.CHINA_106:
        length = len(full)
        return 1 if length <= CHINA_106_SINGLE else math.ceil(length / CHINA_106_PART)
    return count_segments(full).segments
