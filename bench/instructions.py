"""Instructions each message costs, counted by valgrind's callgrind: ours next to the bare
smpp.twisted floor, free of the machine's noise.

Throughput on a shared 2-core machine moves 20 to 40% between runs of the same code; an
instruction count does not (two runs of the same commit agree within 0.2%). Each server
starts under callgrind with counting off, counting is switched on once it listens, the
generator sends its messages (window 100, receipts requested), and the count is read back:
every instruction of every thread of the server process (reactor, store writer, SQLite)
while it served the load. Under valgrind a server runs some 50 times slower, so the run is
small; the figures are per message. The third row is our server again with a browser's
stream open on the dashboard's live feed (GET /api/live, read as fast as it comes): what
watching costs.

    python -m bench.instructions [--messages 1000]
"""

import argparse
import asyncio
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

from bench import compare, generator

WATCHED = "ours, the dashboard watching"
SERVERS = [
    (compare.BARE, ["bench.floors", "bare"]),
    (compare.OURS, ["smsc.cli", "serve"]),
    (WATCHED, ["smsc.cli", "serve"]),
]


def watch(server: subprocess.Popen) -> None:
    """Open the dashboard's live feed on the server (its HTTP address is the second line it
    prints) and read it on a thread until the server closes it."""
    found = re.search(r"http://([\d.]+):(\d+)/", server.stdout.readline())
    stream = socket.create_connection((found.group(1), int(found.group(2))))
    stream.sendall(b"GET /api/live HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
    threading.Thread(target=lambda: all(iter(lambda: stream.recv(65536), b"")), daemon=True).start()


def count(command: list[str], messages: int, folder: Path, name: str, watched: bool = False) -> int:
    """Instructions the server executed while serving `messages` submits with receipts."""
    output = folder / f"{name}.callgrind"
    wrapper = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={output}"]
    server, host, port = compare.start(command, folder, name, wrapper)
    if watched:
        watch(server)
    try:
        subprocess.run(["callgrind_control", "--instr=on", str(server.pid)], check=True, capture_output=True)
        answered = asyncio.run(generator.run(host, port, messages=messages, window=compare.WINDOW, receipt_timeout=120))
        if answered["receipts"] != messages:
            raise SystemExit(f"{name}: {answered['receipts']} receipts of {messages}; see {folder / name}.log")
        subprocess.run(["callgrind_control", "--instr=off", str(server.pid)], check=True, capture_output=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return int(re.search(r"^totals: (\d+)", output.read_text(), re.M).group(1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    print(f"{args.messages:,} submit_sm per server under callgrind, window {compare.WINDOW}, receipts requested\n")
    print("| server | instructions per message |\n|---|---:|")
    figures = {}
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as folder:
        for label, command in SERVERS:
            name = "watched" if label == WATCHED else label.split()[0]
            figures[label] = count(command, args.messages, Path(folder), name, label == WATCHED) / args.messages
            print(f"| {label} | {figures[label]:,.0f} |", flush=True)
    print(f"\nbare ÷ ours: {figures[compare.BARE] / figures[compare.OURS]:.2f} "
          "(the share of bare's rate ours would reach if both were bound by instructions alone)")  # fmt: skip
    print(f"watching ÷ not: {figures[WATCHED] / figures[compare.OURS]:.3f} (what a browser on the dashboard adds)")


if __name__ == "__main__":
    main()
