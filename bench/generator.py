"""An SMPP load generator independent of our code: asyncio, PDUs packed by hand with struct.

It binds one transceiver, keeps a window of submit_sm outstanding (each asking for a
receipt), answers every deliver_sm, and times each submit_sm to its submit_sm_resp. It
imports nothing from pdu/ or smsc/, so a defect there cannot flatter our own figures.

Nagle: asyncio turns TCP_NODELAY on for every connection; `--nagle` turns it back off, and
each PDU is then written on its own (as node `smpp`, python-smpplib and Kannel do), which is
what walks into the delayed-ACK trap described in docs/performance.md.

    python -m bench.generator --port 2775 --messages 20000 --window 100 [--nagle]
"""

import argparse
import asyncio
import socket
import struct
import time

BIND_TRANSCEIVER = 0x00000009
BIND_TRANSCEIVER_RESP = 0x80000009
SUBMIT_SM = 0x00000004
SUBMIT_SM_RESP = 0x80000004
DELIVER_SM = 0x00000005
DELIVER_SM_RESP = 0x80000005
ENQUIRE_LINK = 0x00000015
ENQUIRE_LINK_RESP = 0x80000015
UNBIND = 0x00000006
GENERIC_NACK = 0x80000000

HEADER = struct.Struct("!LLLL")


def pdu(command_id: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    return HEADER.pack(16 + len(body), command_id, status, sequence) + body


def cstring(text: str) -> bytes:
    return text.encode("ascii") + b"\0"


def bind_transceiver(system_id: str, password: str) -> bytes:
    # system_id, password, system_type, interface_version 3.4, addr_ton, addr_npi, address_range
    body = cstring(system_id) + cstring(password) + cstring("") + bytes([0x34, 0, 0]) + cstring("")
    return pdu(BIND_TRANSCEIVER, 1, body)


def submit_sm_body(source: str, destination: str, text: bytes) -> bytes:
    """A submit_sm body asking for a receipt (registered_delivery 1), GSM default alphabet."""
    return (
        cstring("")  # service_type
        + bytes([1, 1]) + cstring(source)
        + bytes([1, 1]) + cstring(destination)
        + bytes([0, 0, 0])  # esm_class, protocol_id, priority_flag
        + cstring("") + cstring("")  # schedule_delivery_time, validity_period
        + bytes([1, 0, 0, 0])  # registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id
        + bytes([len(text)]) + text
    )  # fmt: skip


class Load(asyncio.Protocol):
    """One transceiver session that keeps `window` submit_sm in flight until `messages` are
    answered (or `duration` seconds have passed), then waits for the receipts."""

    def __init__(self, messages: int | None, duration: float | None, window: int, nagle: bool, system_id: str, password: str):
        self.messages, self.duration, self.window, self.nagle = messages, duration, window, nagle
        self.bind = bind_transceiver(system_id, password)
        # a test number of our SMSC that delivers at once; any other SMSC sees a plain number
        self.submit_body = submit_sm_body("10690001", "8613800130000", b"Your code is 482913")
        self.buffer = b""
        self.sent_at: dict[int, float] = {}
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}  # non-OK answers, by command and status
        self.submitted = self.receipts = 0
        self.next_sequence = 2
        self.started = self.last_response = self.last_receipt = None
        self.answered = asyncio.get_running_loop().create_future()
        self.receipted = asyncio.get_running_loop().create_future()
        self.bound = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        if self.nagle:
            transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
        transport.write(self.bind)

    def connection_lost(self, exc):
        # Only the phase being waited for fails; run() never awaits the later ones.
        for phase in (self.bound, self.answered, self.receipted):
            if not phase.done():
                phase.set_exception(ConnectionError(f"server closed the connection ({exc or 'cleanly'})"))
                return
            if phase.exception() is not None:
                return

    def data_received(self, data):
        buffer = self.buffer + data
        offset, now = 0, time.perf_counter()
        while len(buffer) - offset >= 16:
            length, command_id, status, sequence = HEADER.unpack_from(buffer, offset)
            if len(buffer) - offset < length:
                break
            offset += length
            if command_id == SUBMIT_SM_RESP:
                self.latencies.append(now - self.sent_at.pop(sequence))
                self.last_response = now
                if status:
                    self._count("submit_sm_resp", status)
            elif command_id == DELIVER_SM:
                self.receipts += 1
                self.last_receipt = now
                self.transport.write(pdu(DELIVER_SM_RESP, sequence, b"\0"))
            elif command_id == ENQUIRE_LINK:
                self.transport.write(pdu(ENQUIRE_LINK_RESP, sequence))
            elif command_id == BIND_TRANSCEIVER_RESP:
                self._bound(status)
            else:
                self._count(f"0x{command_id:08x}", status)
                if command_id == GENERIC_NACK:
                    self.sent_at.pop(sequence, None)
        self.buffer = buffer[offset:]
        self._refill(now)
        if self.started is not None and not self.sent_at and self._finished_sending(now) and not self.answered.done():
            self.answered.set_result(None)
        if self.answered.done() and self.receipts >= self.submitted and not self.receipted.done():
            self.receipted.set_result(None)

    def _bound(self, status: int) -> None:
        if status:
            self.bound.set_exception(ConnectionError(f"bind_transceiver refused with status 0x{status:08x}"))
            return
        self.bound.set_result(None)
        self.started = time.perf_counter()
        self._refill(self.started)

    def _count(self, command: str, status: int) -> None:
        key = f"{command} 0x{status:08x}"
        self.statuses[key] = self.statuses.get(key, 0) + 1

    def _finished_sending(self, now: float) -> bool:
        if self.messages is not None:
            return self.submitted >= self.messages
        return now - self.started >= self.duration

    def _refill(self, now: float) -> None:
        """Top the window up, one write per PDU as real ESMEs do."""
        if self.started is None:
            return
        while len(self.sent_at) < self.window and not self._finished_sending(now):
            sequence = self.next_sequence
            self.next_sequence += 1
            self.sent_at[sequence] = now
            self.submitted += 1
            self.transport.write(pdu(SUBMIT_SM, sequence, self.submit_body))


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def run(host: str, port: int, *, messages: int | None = 20_000, duration: float | None = None, window: int = 100,
              nagle: bool = False, system_id: str = "smppclient1", password: str = "password",
              receipt_timeout: float = 30.0) -> dict:  # fmt: skip
    """Drive one server; the figures as a dict (rates per second, latencies in ms)."""
    loop = asyncio.get_running_loop()
    transport, load = await loop.create_connection(
        lambda: Load(messages if duration is None else None, duration, window, nagle, system_id, password), host, port
    )
    try:
        await asyncio.wait_for(load.bound, 10)
        await load.answered
        try:
            await asyncio.wait_for(asyncio.shield(load.receipted), receipt_timeout)
        except asyncio.TimeoutError:
            pass  # the report says how many receipts came
        transport.write(pdu(UNBIND, load.next_sequence))
    finally:
        transport.close()
    latencies = sorted(load.latencies)
    submit_seconds = load.last_response - load.started
    receipt_seconds = (load.last_receipt - load.started) if load.receipts else float("inf")
    return {
        "submitted": load.submitted,
        "answered": len(latencies),
        "receipts": load.receipts,
        "submits_per_s": len(latencies) / submit_seconds,
        "receipts_per_s": load.receipts / receipt_seconds,
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "not_ok": load.statuses,
    }


def report(result: dict) -> str:
    not_ok = ", ".join(f"{key}: {count}" for key, count in result["not_ok"].items()) or "none"
    return (
        f"{result['answered']:,} answered, {result['receipts']:,} receipts; "
        f"{result['submits_per_s']:,.0f} submits/s, {result['receipts_per_s']:,.0f} receipts/s; "
        f"response p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; not OK: {not_ok}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2775)
    parser.add_argument("--window", type=int, default=100, help="submit_sm outstanding at once (default 100)")
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--messages", type=int, default=20_000, help="how many submit_sm to send (default 20000)")
    amount.add_argument("--duration", type=float, help="send for this many seconds instead")
    parser.add_argument("--nagle", action="store_true", help="leave Nagle on, as most real ESMEs do")
    parser.add_argument("--system-id", default="smppclient1")
    parser.add_argument("--password", default="password")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.host, args.port, messages=args.messages, duration=args.duration, window=args.window,
                             nagle=args.nagle, system_id=args.system_id, password=args.password))  # fmt: skip
    print(report(result))


if __name__ == "__main__":
    main()
