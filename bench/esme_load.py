"""What rate `esme load` reaches against `smsc serve` on this machine: a sweep of offered
rates, each a fresh `esme load` process against one fresh server, receipts asked.

The server runs bench.compare's config (one tower far above the load) and the load goes to
a test number that delivers at once, so the network model adds no waiting of its own: what
limits the rate is the two processes, ESME and SMSC, sharing the machine's cores. The
highest offered rate whose achieved rate keeps up (within 2%) with a bounded backlog is the
figure to quote.

    python -m bench.esme_load [--rates 250,500,1000,1500,2000] [--duration 10] [--binds 2] [--against raw]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import compare


# What answers: the SMSC with bench.compare's config, or a server that answers from pre-encoded
# bytes (a message_id of its own per submit, and its receipt) and so costs next to nothing.
SERVERS = {"smsc": ["smsc.cli", "serve"], "raw": ["bench.floors", "raw", "--unique-ids"]}


def one_rate(host: str, port: int, rate: float, args, folder: Path) -> dict:
    report = folder / f"load-{rate:g}.json"
    command = [
        sys.executable, "-m", "esme.cli", "load", "--host", host, "--port", str(port), "--to", "8613800130000",
        "--tps", f"{rate:g}", "--duration", f"{args.duration:g}", "--ramp", f"{args.ramp:g}", "--binds", str(args.binds),
        "--window", str(args.window), "--dlr", "--wait-timeout", "30", "--report-json", str(report),
    ]  # fmt: skip
    subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 120)
    return json.loads(report.read_text())


def table(rows: list[tuple[float, dict]]) -> str:
    lines = [
        "| offered /s | achieved /s (steady) | accepted | throttled | submit→resp p50 / p99 ms | due→resp p99 ms | submit→DLR p99 ms | peak in flight |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rate, r in rows:
        submit, due, receipt = r["submit_to_response"], r["due_to_response"], r["submit_to_receipt"]
        lines.append(
            f"| {rate:,.0f} | {r['achieved_tps'] or 0:,.0f} | {r['accepted']:,} | {r['throttled']:,}"
            f" | {submit['p50'] or 0:,.1f} / {submit['p99'] or 0:,.1f} | {due['p99'] or 0:,.1f} | {receipt['p99'] or 0:,.1f}"
            f" | {r['peak_in_flight']:,} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.esme_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="250,500,1000,1500,2000", help="offered rates to try, segments a second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each run (default 10)")
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds of ramp (default 2)")
    parser.add_argument("--binds", type=int, default=2)
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--against", choices=sorted(SERVERS), default="smsc",
                        help="smsc serve (default), or bench.floors' raw server: the ESME's own ceiling")  # fmt: skip
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-esme-load-") as folder:
        for rate in (float(rate) for rate in args.rates.split(",")):
            server, host, port = compare.start(SERVERS[args.against], Path(folder), f"{args.against}-{rate:g}")
            try:
                print(f"{rate:g}/s ... ", end="", flush=True)
                rows.append((rate, one_rate(host, port, rate, args, Path(folder))))
                print(f"achieved {rows[-1][1]['achieved_tps'] or 0:,.0f}/s", flush=True)
            finally:
                server.terminate()
                server.wait(timeout=10)
    print()
    print(f"esme load --binds {args.binds} --window {args.window} --duration {args.duration:g} --ramp {args.ramp:g} --dlr,"
          f" against {' '.join(SERVERS[args.against])}")  # fmt: skip
    print(table(rows))


if __name__ == "__main__":
    main()
