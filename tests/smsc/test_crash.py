"""kill -9 under load: `smsc serve` killed while submits are in flight loses no acknowledged
message, sends every requested receipt after it restarts, reuses no message_id and delivers
nothing twice to a handset."""

import asyncio
import collections
import os
import signal
import sqlite3
import struct

from pdu import wire
from pdu.wire import Address, Bind, BindType, DeliverSmResp, SubmitSm

from .conftest import start_smsc

WINDOW = 50
LOAD_SECONDS = 1.5


def message(sequence: int) -> SubmitSm:
    # Every other message waits 3 s for its schedule, so some are pending when the server dies.
    later = "000000000003000R" if sequence % 2 else ""
    # Spread over the three carriers' towers; every number ends 0000: delivered at once.
    destination = f"86{(138, 130, 133)[sequence % 3]}{sequence % 10_000:04d}0000"
    return SubmitSm(Address(1, 1, "10690001"), Address(1, 1, destination), b"crash test",
                    registered_delivery=1, schedule_delivery_time=later)  # fmt: skip


async def read_pdu(reader):
    header = await reader.readexactly(4)
    (length,) = struct.unpack("!L", header)
    return wire.decode(header + await reader.readexactly(length - 4))


async def load_until_killed(address, process) -> set[str]:
    """Submit as a transmitter with WINDOW outstanding; kill the server mid-stream. Returns
    the message_ids it acknowledged (submit_sm_resp ESME_ROK)."""
    reader, writer = await asyncio.open_connection(*address)
    writer.write(wire.encode(Bind(BindType.TRANSMITTER, "smppclient1", "password"), 1))
    await read_pdu(reader)
    acknowledged, slots = set(), asyncio.Semaphore(WINDOW)

    async def send():
        sequence = 2
        while True:
            await slots.acquire()
            writer.write(wire.encode(message(sequence), sequence))
            sequence += 1
            await writer.drain()

    async def receive():
        while True:
            header, value = await read_pdu(reader)
            if header.command_name == "submit_sm_resp":
                slots.release()
                if header.command_status == 0:
                    acknowledged.add(value.message_id)

    sender, receiver = asyncio.ensure_future(send()), asyncio.ensure_future(receive())
    await asyncio.sleep(LOAD_SECONDS)
    os.kill(process.pid, signal.SIGKILL)
    await asyncio.wait([receiver], timeout=5)  # the reader ends with the connection
    sender.cancel()
    writer.close()
    return acknowledged


async def receipts_after_restart(address, expected: set[str], timeout: float) -> collections.Counter:
    """Bind a receiver and count receipts per message_id until every expected one came."""
    reader, writer = await asyncio.open_connection(*address)
    writer.write(wire.encode(Bind(BindType.RECEIVER, "smppclient1", "password"), 1))
    seen = collections.Counter()

    async def collect():
        while not expected <= set(seen):
            header, value = await read_pdu(reader)
            if header.command_name == "deliver_sm":
                writer.write(wire.encode(DeliverSmResp(), header.sequence_number))
                seen[value.tlvs["receipted_message_id"]] += 1

    try:
        await asyncio.wait_for(collect(), timeout)
    except asyncio.TimeoutError:
        pass
    writer.close()
    return seen


def test_kill_9_under_load_loses_nothing(tmp_path):
    """Every acknowledged message ends with exactly one receipt and one handset delivery."""
    process, served = start_smsc(tmp_path)
    acknowledged = asyncio.run(load_until_killed(served.smpp, process))
    process.wait(timeout=5)
    assert process.returncode == -signal.SIGKILL and len(acknowledged) > 100

    process, served = start_smsc(tmp_path)
    try:
        seen = asyncio.run(receipts_after_restart(served.smpp, acknowledged, timeout=20))
        missing = acknowledged - set(seen)
        assert not missing, f"{len(missing)} acknowledged messages never receipted, e.g. {sorted(missing)[:5]}"
        assert max(seen.values()) == 1, "a receipt went out twice"
    finally:
        process.terminate()
        process.wait(timeout=10)

    database = sqlite3.connect(tmp_path / "data" / "messages.sqlite3")
    ids = [row[0] for row in database.execute("SELECT message_id FROM messages")]
    assert len(ids) == len(set(ids)), "a message_id was given twice"
    delivered = database.execute(
        "SELECT number, COUNT(*) FROM events, json_each(events.hops) WHERE json_each.value ->> 1 = 'delivered'"
        " GROUP BY number"
    ).fetchall()
    assert delivered and max(count for _, count in delivered) == 1, "a message reached its handset twice"
    stored = set(ids)
    assert acknowledged <= stored
