"""The `smsc` command: serve the SMSC (later: inject MO messages, run scenarios)."""

import argparse
import logging
import sys

import attrs

from smsc import config_file
from smsc.config import Config, split_host_port

SERVE_EPILOG = """\
defaults (no config file needed):
  SMPP     127.0.0.1:2775
  account  smppclient1 / password  (transmitter, receiver, transceiver; 4 binds; window 100)
  data     ./var/

Until the store-and-forward engine lands, every accepted message is reported DELIVRD
(receipt after the account's receipt_delay, 1 s by default) when registered_delivery asks.
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
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--config", metavar="FILE", help="TOML config file; flags override it")
    serve.add_argument("--smpp", metavar="HOST:PORT", help="SMPP listen address (default 127.0.0.1:2775)")
    serve.add_argument("--data", metavar="DIR", help="where the SMSC keeps its data (default ./var)")
    serve.add_argument("--verbose", action="store_true", help="also log smpp.twisted's own messages")
    return parser


def load_config(args) -> Config:
    config = config_file.load(args.config) if args.config else Config()
    overrides = {name: getattr(args, name) for name in ("smpp", "data") if getattr(args, name)}
    if overrides:
        try:
            config = attrs.evolve(config, **overrides)
        except ValueError as error:
            raise SystemExit(f"smsc serve: {error}") from None
    return config


def serve(config: Config, verbose: bool = False) -> int:
    from twisted.internet import endpoints, reactor
    from twisted.logger import globalLogBeginner, textFileLogObserver

    from smsc.server import SmscFactory
    from smsc.standin import StandInEngine

    globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stderr)], redirectStandardIO=False)
    logging.getLogger("smpp").setLevel(logging.DEBUG if verbose else logging.CRITICAL + 1)

    factory = SmscFactory(config, reactor)
    factory.sink = StandInEngine(reactor, factory.outbound, config.personality)
    host, port = split_host_port(config.smpp)
    endpoint = endpoints.TCP4ServerEndpoint(reactor, port, interface=host)

    def listening(listening_port):
        address = listening_port.getHost()
        print(f"SMSC listening for SMPP on {address.host}:{address.port}", flush=True)
        for account in config.accounts:
            print(f"  account {account.system_id} ({', '.join(account.bind_types)})", flush=True)
        print("Ctrl-C to stop.", flush=True)

    def failed(failure):
        print(f"smsc serve: cannot listen on {config.smpp}: {failure.getErrorMessage()}", file=sys.stderr)
        reactor.stop()
        exit_code[0] = 1

    exit_code = [0]
    endpoint.listen(factory).addCallbacks(listening, failed)
    reactor.run()
    return exit_code[0]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
