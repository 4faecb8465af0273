"""Memory the engine holds per pending message, measured at one million pending.

The text and the full PDU stay on disk; in memory each pending message is its Pending record,
its entries in the engine's indexes and one step on the schedule's heap. This builds them the
way the engine does after a submit is stored (scheduled an hour ahead, so all stay pending) and
reads the process's memory before and after.

    python -m bench.engine_memory [--messages 1000000]
"""

import argparse
import gc
import random
import tempfile
import time

from twisted.internet import task

from pdu.wire import Address, SubmitSm
from smsc.config import Config
from smsc.engine import ATTEMPT, Engine
from smsc.outbound import Outbound
from smsc.sqlite_store import SqliteStore


def resident_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def measure(messages: int) -> dict:
    clock = task.Clock()
    clock.advance(1_795_339_800)
    config = Config()
    account = config.accounts[0]
    with tempfile.TemporaryDirectory() as data:
        store = SqliteStore.open(data, clock, threaded=False)
        engine = Engine(config, store, Outbound(clock, lambda _: None), clock, random.Random(1))
        gc.collect()
        before = resident_kib()
        started = time.perf_counter()
        for number in range(1, messages + 1):
            message = SubmitSm(Address(0, 0, "10690001"), Address(1, 1, f"86138{number:08d}"), b"Your code is 482913",
                               registered_delivery=1, schedule_delivery_time="000000010000000R")  # fmt: skip
            pending = engine._pending_for(account, message, number, str(number), str(number), clock.seconds())
            engine._pending.add(pending)
            engine._next(pending, pending.not_before, ATTEMPT)
            if number % 200_000 == 0:
                print(f"  {number:,} pending, {(resident_kib() - before) * 1024 / number:,.0f} bytes each so far", flush=True)
        gc.collect()
        after = resident_kib()
        assert engine.pending_count() == messages
        return {"messages": messages, "bytes_each": (after - before) * 1024 / messages, "seconds": time.perf_counter() - started}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.engine_memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(f"engine memory: {args.messages:,} pending messages")
    result = measure(args.messages)
    print(f"engine memory: {result['bytes_each']:,.0f} bytes per pending message at {result['messages']:,} pending "
          f"(resident memory; built in {result['seconds']:.0f} s); the issue's ceiling is 2,048")  # fmt: skip


if __name__ == "__main__":
    main()
