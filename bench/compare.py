"""Our SMSC next to its floor and its ceiling, in one run on one machine, by one independent client.

Each phase starts a fresh server as a subprocess on a free port and drives it with
bench.generator (one transceiver, window 100, every submit_sm asking for a receipt):
- bare: smpp.twisted answering OK with a receipt (bench.floors), the floor of our stack;
- raw: length-header framing and pre-encoded answers (bench.floors), the ceiling;
- ours: `smsc serve`, started as a user would: the full durable path (SQLite, group commit),
  one tower far above the load, a test number that delivers at once, so receipts come
  as soon as the other two send theirs.
First with TCP_NODELAY on the client, then with Nagle on as most real ESMEs leave it, where
`raw + quick ACK` shows the server-side cure on a server fast enough to need it.

    python -m bench.compare [--messages 20000]
"""

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import generator

WINDOW = 100
OUR_CONFIG = """\
[[accounts]]
system_id = "smppclient1"
password = "password"

# The network must not be the bottleneck here: one tower far above any rate we reach. The
# generator sends to a test number (...0000) that delivers at once, so receipts follow at once.
[[network.carriers]]
name = "Bench"
prefixes = [""]
towers = [{ id = "BENCH", capacity = 1000000, queue_limit = 10000000 }]
"""

BARE, OURS = "bare smpp.twisted", "ours (smsc serve)"
# (label, command after `python -m`, client leaves Nagle on)
PHASES = [
    (BARE, ["bench.floors", "bare"], False),
    ("raw ceiling", ["bench.floors", "raw"], False),
    (OURS, ["smsc.cli", "serve"], False),
    (OURS, ["smsc.cli", "serve"], True),
    (BARE, ["bench.floors", "bare"], True),
    ("raw ceiling", ["bench.floors", "raw"], True),
    ("raw + quick ACK", ["bench.floors", "raw", "--quickack"], True),
]


def start(command: list[str], folder: Path, name: str, wrapper: list[str] = ()) -> tuple[subprocess.Popen, str, int]:
    """Start a server listening on a free port (under `wrapper`, e.g. valgrind, when given);
    its log goes to a file in folder."""
    if command[0] == "smsc.cli":
        config = folder / "smsc.toml"
        config.write_text(OUR_CONFIG)
        # a fresh store per phase: a store left by the last phase would resend its unanswered receipts
        command = [*command, "--smpp", "127.0.0.1:0", "--data", str(folder / f"{name}.data"), "--config", str(config)]
    else:
        command = [*command, "--port", "0"]
    log = (folder / f"{name}.log").open("w")
    server = subprocess.Popen([*wrapper, sys.executable, "-m", *command], stdout=subprocess.PIPE, stderr=log, text=True)
    line = server.stdout.readline()
    found = re.search(r"on ([\d.]+):(\d+)", line)
    if found is None:
        server.kill()
        log.close()
        raise SystemExit(f"{' '.join(command)} did not start: {line!r}\n{Path(log.name).read_text()[-2000:]}")
    return server, found.group(1), int(found.group(2))


def measure(command: list[str], nagle: bool, messages: int, folder: Path, name: str) -> dict:
    server, host, port = start(command, folder, name)
    try:
        return asyncio.run(generator.run(host, port, messages=messages, window=WINDOW, nagle=nagle))
    finally:
        server.terminate()
        server.wait(timeout=10)


def table(rows: list[tuple[str, bool, dict]]) -> str:
    lines = [
        "| server | client Nagle | submits/s | receipts/s | p50 ms | p99 ms | not OK |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, nagle, result in rows:
        lines.append(
            f"| {label} | {'on' if nagle else 'off'} | {result['submits_per_s']:,.0f} | {result['receipts_per_s']:,.0f}"
            f" | {result['p50_ms']:.1f} | {result['p99_ms']:.1f} | {sum(result['not_ok'].values())} |"
        )
    return "\n".join(lines)


def ratios(rows: list[tuple[str, bool, dict]]) -> list[str]:
    """ours ÷ bare in submits/s, for each client setting measured on both."""
    rates = {(label, nagle): result["submits_per_s"] for label, nagle, result in rows}
    lines = []
    for nagle in (False, True):
        ours, bare = rates.get((OURS, nagle)), rates.get((BARE, nagle))
        if ours and bare:
            lines.append(f"ours ÷ bare, client Nagle {'on' if nagle else 'off'}: {ours / bare:.2f} (the issue's floor: 0.70)")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000, help="submit_sm per phase (default 20000)")
    parser.add_argument("--pairs", type=int, default=0,
                        help="then this many more bare/ours runs, alternating, Nagle off: the ratio's spread on a noisy machine")  # fmt: skip
    args = parser.parse_args(argv)
    rows = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as folder:
        for number, (label, command, nagle) in enumerate(PHASES, 1):
            print(f"[{number}/{len(PHASES)}] {label}, client Nagle {'on' if nagle else 'off'}: ", end="", flush=True)
            result = measure(command, nagle, args.messages, Path(folder), f"phase{number}")
            print(generator.report(result), flush=True)
            rows.append((label, nagle, result))
    print()
    print(f"{args.messages:,} submit_sm per server, window {WINDOW}, receipts requested; "
          f"{time.perf_counter() - began:.0f} s in all:")  # fmt: skip
    print(table(rows))
    print("\n".join(ratios(rows)))
    if args.pairs:
        alternating(args.pairs, args.messages)


def alternating(pairs: int, messages: int) -> None:
    """ours ÷ bare from back-to-back pairs: noise that moves both together cancels out."""
    (bare_command,) = [command for label, command, nagle in PHASES if label == BARE and not nagle]
    (our_command,) = [command for label, command, nagle in PHASES if label == OURS and not nagle]
    found = []
    with tempfile.TemporaryDirectory(prefix="bench-pairs-") as folder:
        for number in range(1, pairs + 1):
            bare = measure(bare_command, False, messages, Path(folder), f"bare{number}")["submits_per_s"]
            ours = measure(our_command, False, messages, Path(folder), f"ours{number}")["submits_per_s"]
            found.append(ours / bare)
            print(f"pair {number}/{pairs}: bare {bare:,.0f}/s, ours {ours:,.0f}/s, ours ÷ bare {ours / bare:.2f}", flush=True)
    print(f"ours ÷ bare over {pairs} pairs, Nagle off: median {statistics.median(found):.2f}, "
          f"range {min(found):.2f}–{max(found):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
