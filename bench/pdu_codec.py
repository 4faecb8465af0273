"""Throughput of the pdu/ hot path: PDU decode and encode, splitting, receipt text."""

import datetime
import time

from pdu import wire
from pdu.receipts import Receipt, build_receipt, parse_receipt
from pdu.segments import split
from pdu.status import MessageState
from pdu.wire import Address, SubmitSm

SUBMIT = SubmitSm(
    Address(5, 0, "SHOP"),
    Address(1, 1, "8613800138000"),
    "Your verification code is 482913. It expires in 5 minutes.".encode(),
    registered_delivery=1,
    validity_period="000001000000000R",
)
OCTETS = wire.encode(SUBMIT, 7)
RECEIPT = build_receipt(
    Receipt(123456789, MessageState.DELIVERED, datetime.datetime(2026, 11, 22, 9, 30), datetime.datetime(2026, 11, 22, 9, 31))
)[0]
LONG_TEXT = "【京东】双十一大促,全场满300减50,点击链接领券,退订回T " * 8

CASES = {
    "decode submit_sm": lambda: wire.decode(OCTETS),
    "encode submit_sm": lambda: wire.encode(SUBMIT, 7),
    "split 264-char UCS-2 text (4 parts)": lambda: split(LONG_TEXT, reference=1),
    "build receipt text": lambda: build_receipt(Receipt(1, MessageState.DELIVERED, None, None)),
    "parse receipt text": lambda: parse_receipt(RECEIPT),
}


def measure(operation, seconds: float = 1.0) -> float:
    """Operations per second, over about `seconds` of repeated calls."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(100):
            operation()
        count += 100
    return count / (time.perf_counter() - start)


def main() -> None:
    print("pdu/ hot path (one core, ops/s):")
    for name, operation in CASES.items():
        rate = measure(operation)
        print(f"  {name:40s} {rate:12,.0f} ops/s  {1e6 / rate:8.1f} µs/op")


if __name__ == "__main__":
    main()
