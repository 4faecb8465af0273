"""The ESME's own ceiling: our Sender next to smpp.twisted's bare client and the node `smpp`
client, against a server that only frames and answers pre-encoded bytes
(`bench.floors raw --unique-ids`), in one run.

Each client runs in its own process against a fresh server, keeps 100 submit_sm outstanding,
asks each for a receipt and counts until every receipt is in:
- bare smpp.twisted: its client protocol with a window of Deferreds and a receipt counter,
  nothing of ours: the floor our windowing and correlation may cost at most 20% of;
- ours: esme.sender.Sender with everything on (window, rate bucket, retry, receipt
  correlation by every reading of the id);
- node smpp: the npm package's client (tests/peers/node/load_client.js, TCP_NODELAY on),
  the one to beat.
Besides the rates, each client reports the CPU time its process spent from bind to the last
receipt, per message: on a busy machine it moves far less than the rates do. With --runs N
the three take turns N times, and the table gives each figure's median.

    python -m bench.esme_compare [--messages 20000] [--runs 1]
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import compare

WINDOW = 100
CLIENTS = {"bare": "smpp.twisted client", "ours": "esme.sender.Sender", "node": "node smpp client"}
NODE_PEER = Path(__file__).resolve().parent.parent / "tests" / "peers" / "node"


def run_ours(host: str, port: int, messages: int) -> dict:
    import random

    from twisted.internet import defer, endpoints, reactor

    from esme.sender import Sender
    from esme.settings import Settings

    settings = Settings(host=host, port=port, window=WINDOW, enquire_link=0)
    sender = Sender(settings, reactor, random.Random(1), endpoints.TCP4ClientEndpoint(reactor, host, port))
    figures = {}

    @defer.inlineCallbacks
    def load():
        yield sender.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        handles = [sender.submit("8613800138000", "Your code is 482913") for _ in range(messages)]
        accepted = yield defer.gatherResults([handle.accepted for handle in handles])
        figures["answered_in"] = time.perf_counter() - started
        finished = yield defer.gatherResults([handle.finished for handle in handles])
        figures["finished_in"] = time.perf_counter() - started
        figures["cpu_s"] = time.process_time() - cpu_started
        latencies = sorted(part.submit_latency for outcome in accepted for part in outcome.parts)
        figures["latency"] = latencies
        figures["receipts"] = sum(outcome.state == "DELIVRD" for outcome in finished)
        yield sender.stop()
        reactor.stop()

    reactor.callWhenRunning(load)
    reactor.run()
    return _figures(messages, figures)


def run_bare(host: str, port: int, messages: int) -> dict:
    from smpp.pdu.operations import SubmitSM
    from smpp.pdu.pdu_types import AddrNpi, AddrTon, RegisteredDelivery, RegisteredDeliveryReceipt
    from smpp.twisted.client import SMPPClientTransceiver
    from smpp.twisted.config import SMPPClientConfig
    from twisted.internet import defer, reactor

    figures = {"receipts": 0, "latency": []}
    done = defer.Deferred()

    def receipt(smpp, pdu):
        figures["receipts"] += 1
        if figures["receipts"] == messages:
            done.callback(None)

    @defer.inlineCallbacks
    def load():
        config = SMPPClientConfig(host=host, port=port, username="smppclient1", password="password",
                                  enquireLinkTimerSecs=3600, responseTimerSecs=60)  # fmt: skip
        smpp = yield SMPPClientTransceiver(config, receipt).connectAndBind()
        started, cpu_started, sent = time.perf_counter(), time.process_time(), 0
        window = defer.DeferredSemaphore(WINDOW)

        def one():
            sent_at = time.perf_counter()
            request = SubmitSM(source_addr_ton=AddrTon.INTERNATIONAL, source_addr_npi=AddrNpi.ISDN, source_addr="10690001",
                               dest_addr_ton=AddrTon.INTERNATIONAL, dest_addr_npi=AddrNpi.ISDN, destination_addr="8613800138000",
                               short_message=b"Your code is 482913",
                               registered_delivery=RegisteredDelivery(RegisteredDeliveryReceipt.SMSC_DELIVERY_RECEIPT_REQUESTED))  # fmt: skip
            answered = smpp.sendDataRequest(request)
            answered.addCallback(lambda _: figures["latency"].append(time.perf_counter() - sent_at))
            return answered

        answers = []
        while sent < messages:
            answers.append(window.run(one))
            sent += 1
        yield defer.gatherResults(answers)
        figures["answered_in"] = time.perf_counter() - started
        yield done
        figures["finished_in"] = time.perf_counter() - started
        figures["cpu_s"] = time.process_time() - cpu_started
        figures["latency"].sort()
        smpp.transport.loseConnection()
        reactor.stop()

    reactor.callWhenRunning(load)
    reactor.run()
    return _figures(messages, figures)


def _figures(messages: int, figures: dict) -> dict:
    latency = figures["latency"]
    return {
        "submits_per_s": messages / figures["answered_in"],
        "receipts_per_s": figures["receipts"] / figures["finished_in"],
        "receipts": figures["receipts"],
        "p50_ms": 1000 * statistics.median(latency),
        "p99_ms": 1000 * latency[int(0.99 * (len(latency) - 1))],
        "cpu_us": 1e6 * figures["cpu_s"] / messages,
    }


def node_client() -> list[str]:
    """The command that runs the node load client, its locked smpp package installed on first
    use (as tests/smsc/test_loopback_node.py does)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        raise SystemExit("the node smpp row needs node and npm on the PATH")
    if not (NODE_PEER / "node_modules" / "smpp").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_PEER, check=True, capture_output=True, timeout=300)
    return [node, str(NODE_PEER / "load_client.js")]


def measure(client: str, messages: int, folder) -> dict:
    server, host, port = compare.start(["bench.floors", "raw", "--unique-ids"], folder, f"raw-{client}")
    if client == "node":
        command = [*node_client(), host, str(port), str(messages), str(WINDOW)]
    else:
        command = [sys.executable, "-m", "bench.esme_compare", "--client", client, "--host", host, "--port", str(port), "--messages", str(messages)]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            raise SystemExit(f"{client} client failed:\n{run.stderr[-2000:]}")
        return json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=10)


def _row(client: str, figures: dict) -> str:
    return (f"| {CLIENTS[client]} | {figures['submits_per_s']:,.0f} | {figures['receipts_per_s']:,.0f} | "
            f"{figures['receipts']:,} | {figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} | {figures['cpu_us']:.0f} |")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=1, help="turns of the three clients; the table gives medians")
    parser.add_argument("--client", choices=("ours", "bare"), help=argparse.SUPPRESS)  # one client's run, in its process
    parser.add_argument("--host", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        run = run_ours if args.client == "ours" else run_bare
        print(json.dumps(run(args.host, args.port, args.messages)))
        return
    import tempfile

    node_client()  # before any run: a machine without node fails now, not after the others
    print(f"{args.messages:,} submit_sm per client against the raw floor server, window {WINDOW}, receipts requested\n")
    header = "| client | submits/s | receipts/s | receipts | p50 ms | p99 ms | CPU µs/message |\n|---|---:|---:|---:|---:|---:|---:|"
    print(header)
    found = {client: [] for client in CLIENTS}
    with tempfile.TemporaryDirectory(prefix="bench-esme-") as folder:
        for turn in range(args.runs):
            for client in CLIENTS:
                found[client].append(measure(client, args.messages, Path(folder)))
                print(_row(client, found[client][-1]), flush=True)
    if args.runs > 1:
        print(f"\nMedians of {args.runs} runs:\n\n{header}")
        for client, runs in found.items():
            medians = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
            print(_row(client, {**medians, "receipts": min(run["receipts"] for run in runs)}))
    print()
    for other, floor in (("bare", "the issue's floor: 0.80"), ("node", "the goal: above 1")):
        ratios = [ours["receipts_per_s"] / theirs["receipts_per_s"] for ours, theirs in zip(found["ours"], found[other])]
        each = f" (each run: {', '.join(f'{ratio:.2f}' for ratio in ratios)})" if args.runs > 1 else ""
        print(f"ours ÷ {CLIENTS[other]}, receipts/s: {statistics.median(ratios):.2f}{each}; {floor}")


if __name__ == "__main__":
    main()
