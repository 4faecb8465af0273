"""The `esme` command: send one message to an SMSC and report what became of it."""

import argparse
import logging
import sys
import time

from twisted.internet import defer, task

from esme import connection, load_command, outcome
from pdu.config_file import ConfigError
from pdu.status import MessageState, describe_status

_STATES = {state.receipt_stat: state for state in MessageState}

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="esme",
        description=(
            "An SMPP 3.4 sender (ESME) for testing SMS integrations against this project's SMSC "
            "or a real carrier. With no connection flags it talks to `smsc serve` on its defaults."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    send = commands.add_parser(
        "send",
        help="send one message and print its message_id",
        description=(
            "Send one message and print the message_id the SMSC gave each segment. With --wait, "
            "also wait for the delivery receipt and print its state (DELIVRD, UNDELIV, EXPIRED, "
            "REJECTD, ...) and err code. Exit status: 0 accepted (or, with --wait, delivered); "
            "1 refused, failed, undelivered or unknown; 2 bad usage."
        ),
        epilog="Example: esme send --to 8613800130000 --text 'hello' --wait   (a test number that is always delivered)",
    )
    send.add_argument("--to", dest="destination", metavar="NUMBER", required=True, help="destination number, e.g. 8613800130000")
    send.add_argument("--text", required=True, help="the message; long texts are split, the encoding chosen for you")
    send.add_argument("--from", dest="source", metavar="SENDER", help="source number or alphanumeric sender id (default: the profile's source, else the SMSC's)")
    send.add_argument("--dlr", action="store_true", help="ask for a delivery receipt (--wait implies it)")
    send.add_argument("--wait", action="store_true", help="wait for the final receipt and print it")
    send.add_argument("--wait-timeout", type=float, default=120.0, metavar="SECONDS",
                      help="how long --wait waits for a receipt before reporting 'no receipt' (default 120)")  # fmt: skip
    connection.add_flags(send)
    blast = commands.add_parser(
        "blast",
        help="send one text (or a template per row) to every number of a file",
        description=(
            "Send to every number of a CSV (a number/phone/msisdn/mobile column; other columns are "
            "template variables) or a plain list, and report what became of each: submitted, "
            "accepted, delivered, failed by reason, expired, no receipt, latency percentiles. "
            "Invalid and duplicate numbers are screened out and listed by line; a template is "
            "checked against every row before anything is sent. Ctrl-C stops, writes the partial "
            "report and the --state file; --resume continues without sending a line twice. "
            "Exit status: 0 all delivered; 1 otherwise; 2 bad input (file, line and field named)."
        ),
        epilog="Example: esme blast --numbers customers.csv --template offer.txt --state run.json --report-json report.json",
    )
    blast.add_argument("--numbers", metavar="FILE", required=True, help="CSV with a header, or one number a line")
    what = blast.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="the message for everyone")
    what.add_argument("--template", metavar="FILE", help="a UTF-8 text with {column} variables filled per row")
    blast.add_argument("--from", dest="source", metavar="SENDER", help="source number or sender id (default: the profile's source)")
    blast.add_argument("--region", default="CN", help="how to read national numbers (default CN)")
    blast.add_argument("--window", type=int, help="most submits awaiting a response (default 100)")
    blast.add_argument("--tps", type=float, help="segments a second at most (default: no limit)")
    blast.add_argument("--wait-timeout", type=float, default=120.0, metavar="SECONDS",
                       help="how long to wait for each receipt before counting 'no receipt' (default 120)")  # fmt: skip
    blast.add_argument("--state", metavar="FILE", help="keep the run's state here, for --resume after Ctrl-C or a crash")
    blast.add_argument("--resume", action="store_true", help="continue the run --state describes")
    blast.add_argument("--report-json", metavar="FILE", help="also write the summary as JSON")
    blast.add_argument("--report-csv", metavar="FILE", help="also write one row a message as CSV")
    connection.add_flags(blast)
    bisect = commands.add_parser(
        "bisect",
        help="find the blocked word in a text that is accepted but never delivered",
        description=(
            "Send halves of the text, then quarters..., reading each fragment's receipt: DELIVRD "
            "passes, a failure receipt or none within --wait-timeout is blocked. Prints each probe "
            "and the smallest blocked fragment. Every probe is a real message to --to: use a number "
            "you own, and --budget to cap what it may spend. Exit status: 0 found; 1 not found."
        ),
        epilog="Example: esme bisect --to 8613800130000 --text '本公司长期代开发票，欢迎来电' --budget 30",
    )
    bisect.add_argument("--to", dest="destination", metavar="NUMBER", required=True, help="a handset you own")
    bisect.add_argument("--text", required=True, help="the text that is accepted but not delivered")
    bisect.add_argument("--from", dest="source", metavar="SENDER", help="source number or sender id (default: the profile's source)")
    bisect.add_argument("--budget", type=int, default=30, help="most messages it may send (default 30)")
    bisect.add_argument("--wait-timeout", type=float, default=60.0, metavar="SECONDS",
                        help="no receipt within this long counts as blocked (default 60)")  # fmt: skip
    connection.add_flags(bisect)
    load = commands.add_parser(
        "load",
        help="offer a steady load and report achieved rate and latency; thresholds for CI",
        description=load_command.DESCRIPTION,
        epilog=load_command.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    load_command.add_arguments(load)
    connection.add_flags(load)
    return parser


def _defaults(args) -> dict:
    """The command's own settings, under the profile's: --wait-timeout is how long receipts are
    awaited; a blast and a load keep more submits in flight."""
    values = {"receipt_timeout": args.wait_timeout, "enquire_link": 30.0}
    if args.command == "blast":
        values.update(window=100)
    if args.command == "load":
        values.update(window=load_command.DEFAULT_WINDOW)
    return values


@defer.inlineCallbacks
def send(reactor, args, out=sys.stdout):
    if args.wait and not all(smsc.settings.receives for smsc in connection.smscs(args, _defaults(args))):
        print("esme send: --wait needs receipts; use --bind transceiver, receiver or pair", file=sys.stderr)
        return EXIT_USAGE
    sender = yield connection.connect(reactor, args, "send", _defaults(args))
    if sender is None:
        return EXIT_FAILED
    message = sender.submit(args.destination, args.text, args.source, receipt=args.dlr or args.wait)
    accepted = yield message.accepted
    for number, part in enumerate(accepted.parts, start=1):
        where = f" (segment {number} of {len(accepted.parts)})" if len(accepted.parts) > 1 else ""
        if part.accepted:
            print(f"message_id: {part.message_id}{where}", file=out)
        elif part.status is None:
            print(f"unknown{where}: no response from the SMSC; it may or may not have the message", file=out)
        else:
            print(f"refused{where}: {describe_status(part.status)}", file=out)
    code = EXIT_OK if accepted.accepted else EXIT_FAILED
    if args.wait and accepted.accepted:
        finished = yield message.finished
        for part in finished.parts:
            print(_receipt_line(part), file=out)
        code = EXIT_OK if finished.state == "DELIVRD" else EXIT_FAILED
    yield sender.stop()
    return code


def _receipt_line(part: outcome.PartOutcome) -> str:
    if part.state == outcome.NO_RECEIPT:
        return f"{part.message_id}: no receipt within the wait timeout"
    meaning = _STATES[part.state].meaning if part.state in _STATES else ""
    return f"{part.message_id}: {part.state} err:{part.error or 0:03d} {meaning}".rstrip()


@defer.inlineCallbacks
def blast(reactor, args, out=sys.stdout):
    from esme import blast as blasting
    from esme.numbers_file import NumbersFileError
    from esme.progress import ProgressWriter
    from esme.resume import ResumeError
    from esme.template import TemplateError

    if args.resume and not args.state:
        print("esme blast: --resume needs --state FILE", file=sys.stderr)
        return EXIT_USAGE
    try:
        campaign = blasting.prepare(args)
    except (NumbersFileError, TemplateError, ResumeError, OSError) as error:
        print(f"esme blast: {error}", file=sys.stderr)
        return EXIT_USAGE
    blasting.describe_input(campaign, args.numbers)
    flags = {key: getattr(args, key) for key in ("window", "tps") if getattr(args, key) is not None}  # over the profile's
    sender = yield connection.connect(reactor, args, "blast", _defaults(args), flags)
    if sender is None:
        return EXIT_FAILED
    ahead = 2 * flags.get("window", _defaults(args)["window"])  # enough to keep the window full, few to lose in a crash
    run = blasting.Blast(sender, campaign, args.source, ProgressWriter(len(campaign.rows), time.monotonic), ahead)
    finished = run.run()

    def interrupt():  # Ctrl-C: stop; lines still queued are given back to the state for --resume
        run.stop()
        return sender.stop()

    trigger = reactor.addSystemEventTrigger("before", "shutdown", interrupt)
    yield finished
    if not run.interrupted:
        reactor.removeSystemEventTrigger(trigger)
        yield sender.stop()
    return run.finish(args, out)


@defer.inlineCallbacks
def bisect(reactor, args, out=sys.stdout):
    from esme import bisect_command
    from esme.bisect import Status

    sender = yield connection.connect(reactor, args, "bisect", _defaults(args))
    if sender is None:
        return EXIT_FAILED
    finding = yield bisect_command.run(sender, args.destination, args.text, args.source, args.budget, out)
    yield sender.stop()
    print(f"{finding.status.value} after {finding.probes} messages: [{finding.start}:{finding.end}] {finding.fragment!r}", file=out)
    return EXIT_OK if finding.status is Status.FOUND else EXIT_FAILED


def load(reactor, args, out=sys.stdout):
    return load_command.run(reactor, args, _defaults(args), out)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command not in ("send", "blast", "bisect", "load"):
        parser.print_help()
        return EXIT_OK if args.command is None else EXIT_USAGE
    # smpp.twisted logs every PDU at WARNING through the standard library; keep the output ours.
    logging.getLogger("smpp").setLevel(logging.DEBUG if args.verbose else logging.CRITICAL)
    codes = []

    def unusable(failure):
        failure.trap(connection.UsageError, ConfigError)
        print(f"esme {args.command}: {failure.value}", file=sys.stderr)
        return EXIT_USAGE

    def run(reactor):
        command = {"send": send, "blast": blast, "bisect": bisect, "load": load}[args.command]
        return command(reactor, args).addErrback(unusable).addCallback(codes.append)

    try:
        task.react(run)
    except SystemExit as exit:
        if exit.code:
            return int(exit.code) if isinstance(exit.code, int) else EXIT_FAILED
    return codes[0] if codes else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
