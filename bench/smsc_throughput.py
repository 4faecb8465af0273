"""submit_sm throughput of `smsc serve` over loopback, with a window of outstanding requests.

The load comes from a separate process written on asyncio with pre-encoded PDUs, so the
figure is the server's (one core), not the client's. Prints submits per second, the
receipts that came back, and response-time percentiles.
"""

import asyncio
import re
import statistics
import struct
import subprocess
import sys
import time

from pdu import wire
from pdu.wire import Address, Bind, BindType, DeliverSmResp, SubmitSm

MESSAGES = 20_000
WINDOW = 100


def submit_octets(sequence: int) -> bytes:
    message = SubmitSm(Address(1, 1, "10690001"), Address(1, 1, "8613800138000"), b"Your code is 482913", registered_delivery=1)
    return wire.encode(message, sequence)


async def load(host: str, port: int, messages: int, window: int) -> dict:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(wire.encode(Bind(BindType.TRANSCEIVER, "smppclient1", "password"), 1))
    template = bytearray(submit_octets(2))
    sent_at, latencies, receipts = {}, [], 0
    slots = asyncio.Semaphore(window)
    done = asyncio.Event()

    async def read():
        nonlocal receipts
        while len(latencies) < messages or receipts < messages:
            header = await reader.readexactly(16)
            length, command_id, _, sequence = struct.unpack("!LLLL", header)
            await reader.readexactly(length - 16)
            if command_id == 0x80000004:
                latencies.append(time.perf_counter() - sent_at.pop(sequence))
                slots.release()
            elif command_id == 0x00000005:
                receipts += 1
                writer.write(wire.encode(DeliverSmResp(), sequence, 0))
        done.set()

    reader_task = asyncio.create_task(read())
    started = time.perf_counter()
    for sequence in range(2, messages + 2):
        await slots.acquire()
        template[12:16] = sequence.to_bytes(4, "big")
        sent_at[sequence] = time.perf_counter()
        writer.write(bytes(template))
    submitted = time.perf_counter() - started
    await asyncio.wait_for(done.wait(), timeout=120)
    writer.close()
    await reader_task
    latencies.sort()
    return {
        "submit_rate": messages / submitted,
        "receipts": receipts,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "mean_ms": 1000 * statistics.fmean(latencies),
    }


def main() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "smsc.cli", "serve", "--smpp", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        host, port = re.search(r"on ([\d.]+):(\d+)", server.stdout.readline()).groups()
        result = asyncio.run(load(host, int(port), MESSAGES, WINDOW))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"smsc serve, {MESSAGES:,} submit_sm over loopback, window {WINDOW}, one transceiver:")
    print(f"  submit rate        {result['submit_rate']:10,.0f} submit_sm/s")
    print(f"  receipts received  {result['receipts']:10,}")
    print(f"  response time      p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, mean {result['mean_ms']:.1f} ms")


if __name__ == "__main__":
    main()
