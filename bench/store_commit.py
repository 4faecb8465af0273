"""Durable store group commit: writes committed per second with 100 writers each keeping one
write outstanding (a window of 100 submits), for sync=full and sync=normal.

Each write is what accepting a submit_sm costs the store: AddMessage (the encoded submit_sm
as body) and one AddEvent. Prints the rate, the mean writes per commit, commit latency
percentiles (write() to its Deferred firing on the reactor thread) and the file's bytes per
stored message. Each mode runs in a child process with a real reactor, so this benchmark
leaves the caller's reactor untouched.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from pdu import wire
from pdu.wire import Address, SubmitSm

WRITES = 30_000
WRITERS = 100
NOW = 1795339800.0


def measure(sync: str, directory: str) -> dict:
    from twisted.internet import reactor

    from smsc.sqlite_store import SqliteStore
    from smsc.store import AddEvent, AddMessage, StoredMessage, TraceEvent

    store = SqliteStore.open(directory, reactor, sync=sync)
    body = wire.encode(SubmitSm(Address(1, 1, "10690001"), Address(1, 1, "8613800138000"), b"Your code is 482913", registered_delivery=1), 2)
    latencies = []
    issued = 0
    result = {}

    def send():
        nonlocal issued
        issued += 1
        number = issued
        message = StoredMessage(number, f"{number:010x}", "smppclient1", "10690001", f"86138{number % 100_000:08d}",
                                1, NOW, NOW, NOW + 86400, body=body)  # fmt: skip
        started = time.perf_counter()
        write = store.write([AddMessage(message), AddEvent(TraceEvent(number, NOW, "stored"))])
        write.addCallback(committed, started)

    def committed(_, started):
        latencies.append(time.perf_counter() - started)
        if issued < WRITES:
            send()
        elif len(latencies) == WRITES:
            result["seconds"] = time.perf_counter() - began
            store.close().addCallback(lambda _: reactor.stop())

    began = time.perf_counter()
    for _ in range(WRITERS):
        send()
    reactor.run()
    latencies.sort()
    return {
        "rate": WRITES / result["seconds"],
        "batch": store.writes_committed / store.commits,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "bytes": os.path.getsize(store.path) / WRITES,  # after close: the WAL is checkpointed in
    }


def main() -> None:
    print(f"Durable store (SQLite, WAL), {WRITES:,} writes of AddMessage+AddEvent, {WRITERS} writers with one outstanding each:")
    for sync in ("full", "normal"):
        with tempfile.TemporaryDirectory() as directory:
            child = subprocess.run([sys.executable, "-m", "bench.store_commit", sync, directory],
                                   capture_output=True, text=True, check=True)  # fmt: skip
        result = json.loads(child.stdout)
        print(f"  sync={sync:6}  {result['rate']:8,.0f} writes/s   mean batch {result['batch']:5.1f}   "
              f"commit latency p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms   "
              f"{result['bytes']:,.0f} bytes/message on disk")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps(measure(sys.argv[1], sys.argv[2])))
    else:
        main()
