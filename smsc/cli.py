"""The `smsc` command: serve the SMSC, inject an MO through a running one, export call detail
records, run scenarios."""

import argparse
import json
import logging
import random
import sys
import urllib.error
import urllib.request

import attrs

from scenarios import cli as scenario_cli
from smsc import config_file
from smsc.config import Config, Tls, split_host_port

def _serve_epilog() -> str:
    from smsc.network_config import DEFAULT_TEST_NUMBERS

    numbers = "\n".join(f"  ...{number.suffix}  {number.description}" for number in DEFAULT_TEST_NUMBERS)
    return f"""\
defaults (no config file needed):
  SMPP     127.0.0.1:2775
  HTTP     127.0.0.1:8775  (the dashboard at /; JSON API: /api/health, /api/messages/ID, ...; /metrics)
  account  smppclient1 / password  (transmitter, receiver, transceiver; 4 binds; window 100)
  data     ./var/  (messages.sqlite3: every accepted message, its trace and unsent receipts)

test numbers: a destination ending in one of these suffixes always gives one outcome
(e.g. 8613800130001); give short validity_periods to see EXPIRED quickly.
{numbers}
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smsc",
        description="A carrier-side SMPP 3.4 message centre simulator.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the SMSC over SMPP",
        description="Serve the SMSC: accept ESME binds over SMPP 3.4 and answer them as a carrier would.",
        epilog=_serve_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--config", metavar="FILE", help="TOML config file; flags override it")
    serve.add_argument("--smpp", metavar="HOST:PORT", help="SMPP listen address (default 127.0.0.1:2775)")
    serve.add_argument("--http", metavar="HOST:PORT", help="HTTP listen address: the API at /api/, Prometheus metrics at /metrics (default 127.0.0.1:8775)")
    serve.add_argument("--data", metavar="DIR", help="where the SMSC keeps its data (default ./var)")
    serve.add_argument("--tls", metavar="HOST:PORT", help="also serve SMPP over TLS here (needs --tls-cert and --tls-key)")
    serve.add_argument("--tls-cert", metavar="PEM", help="TLS certificate file (PEM)")
    serve.add_argument("--tls-key", metavar="PEM", help="TLS private key file (PEM); may be the certificate file")
    serve.add_argument("--verbose", action="store_true", help="also log smpp.twisted's own messages")
    mo = commands.add_parser(
        "mo",
        help="send a mobile-originated message through a running SMSC",
        description="Send a mobile-originated message, as a handset would, through a running `smsc serve`'s "
        "HTTP API; it reaches the account's receiver or transceiver binds as deliver_sm. Addresses of 9 "
        "digits or more go as international (TON 1, NPI 1), shorter ones as national (TON 2, NPI 0).",
    )
    mo.add_argument("--from", dest="source", metavar="NUMBER", required=True, help="the handset's number, e.g. 8613800138000")
    mo.add_argument("--to", dest="destination", metavar="NUMBER", required=True, help="the ESME's address, e.g. 10690001")
    mo.add_argument("--text", required=True, help="the message text")
    mo.add_argument("--api", metavar="URL", default=f"http://{Config().http}",
                    help=f"the running SMSC's HTTP API (default http://{Config().http})")  # fmt: skip
    cdr = commands.add_parser(
        "cdr",
        help="call detail records",
        description="Call detail records: one line per finished message with its segments and what it cost "
        "(charged on delivery only). Reads the data folder directly; safe while `smsc serve` runs.",
    )
    cdr_commands = cdr.add_subparsers(dest="cdr_command", metavar="ACTION", required=True)
    export = cdr_commands.add_parser("export", help="write the records as CSV", description="Write the call "
                                     "detail records as CSV (header first; columns in docs/policy.md).")  # fmt: skip
    export.add_argument("--data", metavar="DIR", default=Config().data, help=f"the SMSC's data folder (default ./{Config().data})")
    export.add_argument("--account", metavar="SYSTEM_ID", help="only this account's messages")
    export.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    scenario_cli.add_parser(commands)
    return parser


def load_config(args) -> Config:
    config = config_file.load(args.config) if args.config else Config()
    overrides = {name: getattr(args, name) for name in ("smpp", "http", "data") if getattr(args, name)}
    if args.tls or args.tls_cert or args.tls_key:
        if not (args.tls and args.tls_cert and args.tls_key):
            raise SystemExit("smsc serve: --tls needs all of --tls HOST:PORT, --tls-cert and --tls-key")
        overrides["tls"] = Tls(args.tls, args.tls_cert, args.tls_key)
    try:
        return attrs.evolve(config, **overrides)
    except ValueError as error:
        raise SystemExit(f"smsc serve: {error}") from None


def serve(config: Config, verbose: bool = False) -> int:
    from twisted.internet import defer, reactor
    from twisted.logger import globalLogBeginner, textFileLogObserver

    from smsc import outbind
    from smsc.dashboard import Dashboard
    from smsc.http.api import Api
    from smsc.http.scenario_api import ScenarioApi
    from smsc.server import SmscFactory
    from smsc.engine import Engine
    from smsc.policy.keywords import KeywordFileError
    from smsc.policy.lists import ListFileError
    from smsc.sqlite_store import SqliteStore
    from smsc.trainer_clock import TrainerClock

    globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stderr)], redirectStandardIO=False)
    logging.getLogger("smpp").setLevel(logging.DEBUG if verbose else logging.CRITICAL + 1)

    # The messages' lives run on a clock the trainer can pause and step (POST /api/clock); the
    # SMPP sessions (enquire_link, timeouts, late answers), the store's threads, the engine's
    # write batching and the HTTP API keep the reactor's, so the SMSC still answers while paused.
    # Receipt latency is submitted_at (engine time) to now: it is measured on the engine's clock.
    trainer = TrainerClock(reactor)
    factory = SmscFactory(config, reactor)
    factory.outbound.engine_clock = trainer
    store = SqliteStore.open(config.data, reactor, sync=config.store.sync)
    try:
        engine = Engine(config, store, factory.outbound, trainer, random.Random(), io_clock=reactor)
    except (KeywordFileError, ListFileError) as error:
        print(f"smsc serve: {error}", file=sys.stderr)
        return 2
    engine.faults_for = factory.faults_for  # wire faults switched at run time reach receipts too
    engine.start()
    factory.sink = engine
    reactor.addSystemEventTrigger("before", "shutdown", engine.stop)
    reactor.addSystemEventTrigger("before", "shutdown", store.close)
    dashboard = Dashboard(engine, factory, reactor, trainer)
    dashboard.start()
    reactor.addSystemEventTrigger("before", "shutdown", dashboard.stop)
    listeners = [("SMPP", config.smpp, None)]
    if config.tls is not None:
        listeners.append(("SMPP over TLS", config.tls.listen, config.tls))
    exit_code = [0]
    scenarios = ScenarioApi(config, reactor, trainer)  # POST /api/scenarios/{name} runs one against this SMSC

    def listening(ports):
        for (name, _, _), port in zip(listeners, ports):
            address = port.getHost()
            print(f"SMSC listening for {name} on {address.host}:{address.port}", flush=True)
        address = ports[-1].getHost()
        scenarios.listening((ports[0].getHost().host, ports[0].getHost().port), (address.host, address.port))
        print(f"HTTP API on http://{address.host}:{address.port}/api/", flush=True)
        print(f"Dashboard on http://{address.host}:{address.port}/", flush=True)
        for account in config.accounts:
            print(f"  account {account.system_id} ({', '.join(account.bind_types)})", flush=True)
        print("Ctrl-C to stop.", flush=True)

    def failed(failure):
        print(f"smsc serve: cannot listen: {failure.value.subFailure.getErrorMessage()}", file=sys.stderr)
        exit_code[0] = 1
        reactor.callWhenRunning(reactor.stop)  # a refused listen fails at once, before run()

    for target in config.outbind:
        outbind.start(reactor, factory, target)
    try:
        started = [_endpoint(reactor, address, tls).listen(factory) for _, address, tls in listeners]
        api = Api(engine, factory, reactor, trainer, scenarios, dashboard)
        started.append(_endpoint(reactor, config.http, None).listen(api.site()))
    except (OSError, ValueError) as error:
        print(f"smsc serve: cannot read the TLS certificate or key: {error}", file=sys.stderr)
        return 1
    defer.gatherResults(started, consumeErrors=True).addCallbacks(listening, failed)
    reactor.run()
    return exit_code[0]


def _endpoint(reactor, address: str, tls: Tls | None):
    from twisted.internet import endpoints, ssl

    host, port = split_host_port(address)
    if tls is None:
        return endpoints.TCP4ServerEndpoint(reactor, port, interface=host)
    with open(tls.certificate, "rb") as certificate, open(tls.key, "rb") as key:
        identity = ssl.PrivateCertificate.loadPEM(certificate.read() + b"\n" + key.read())
    return endpoints.SSL4ServerEndpoint(reactor, port, identity.options(), interface=host)


def send_mo(api: str, source: str, destination: str, text: str) -> int:
    """POST the MO to a running SMSC's HTTP API and say what happened."""
    url = api.rstrip("/") + "/api/mo"
    body = json.dumps({"from": source, "to": destination, "text": text}).encode("utf-8")
    request = urllib.request.Request(url, body, {"content-type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        try:
            why = json.load(error).get("error", error.reason)
        except ValueError:
            why = error.reason
        print(f"smsc mo: the SMSC at {api} refused the MO ({error.code}): {why}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        print(f"smsc mo: cannot reach the SMSC's HTTP API at {api}: {reason}. Is `smsc serve` running "
              f"there? (--api sets the address)", file=sys.stderr)  # fmt: skip
        return 1
    segments = answer["segments"]
    print(f"MO from {answer['from']} to {answer['to']} stored for account {answer['account']} "
          f"({segments} segment{'s' if segments != 1 else ''}); it goes out as deliver_sm to its receiving binds")  # fmt: skip
    return 0


def export_cdrs(data: str, account: str | None, output: str | None) -> int:
    import sqlite3

    from smsc import cdr
    from smsc.sqlite_store import read_finished

    try:
        rows = (cdr.CdrRow.from_stored(message) for message in read_finished(data, account))
        if output is None:
            count = cdr.write_csv(rows, sys.stdout)
        else:
            with open(output, "w", newline="", encoding="utf-8") as out:
                count = cdr.write_csv(rows, out)
    except (OSError, LookupError, sqlite3.Error) as error:
        print(f"smsc cdr export: {error}", file=sys.stderr)
        return 1
    print(f"{count} call detail record{'s' if count != 1 else ''} written to {output or 'standard output'}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "mo":
        return send_mo(args.api, args.source, args.destination, args.text)
    if args.command == "cdr":
        return export_cdrs(args.data, args.account, args.output)
    if args.command == "scenario":
        return scenario_cli.main(args)
    if args.command != "serve":
        parser.print_help()
        return 0
    try:
        config = load_config(args)
    except config_file.ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    return serve(config, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
