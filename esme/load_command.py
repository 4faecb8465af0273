"""`esme load`: its flags, and a run from the command line: check the input, bind N links,
offer the load, draw the live line, and print the report with the thresholds' verdict.

The SMSC comes from the profile, ESME_* variables and connection flags, as for every esme
command; a profile listing several SMSCs is refused, since a load test measures one SMSC
and prefix routing with failover would mix the figures of several.

Exit status: 0 every threshold holds (or none was set); 1 a threshold failed, a bind failed
or the run was interrupted; 2 bad usage, found before anything is sent (raised as
connection.UsageError, which the esme command reports).
"""

import argparse
import os
import random
import sys

import attrs
from twisted.internet import defer

from esme import connection, load_report
from esme.load import Load
from esme.load_plan import Plan
from esme.load_progress import LiveLine
from esme.numbers_file import NumbersFileError, read_numbers
from esme.sender import Sender, receipt_correlator
from pdu import segments
from pdu.durations import parse_duration

EXIT_OK, EXIT_FAILED = 0, 1
DEFAULT_WINDOW = 50  # submits awaiting a response, per bind, unless the profile or --window says

DEFAULT_TEXT = "Your verification code is 482913. It expires in 5 minutes."

DESCRIPTION = """\
Offer a steady load of submit_sm and measure what the SMSC makes of it.

Messages leave on schedule (--tps segments a second, rising from 0 over --ramp,
for --duration), whether or not the earlier ones were answered: when the SMSC
falls behind, that shows as latency and messages in flight, not as a lower
offered rate. The rate is split evenly over --binds links, each holding at most
--window submits unanswered.

The SMSC comes from --profile (or ESME_PROFILE), ESME_* variables and the
connection flags, as for the other commands; the profile must list one SMSC,
since a load test measures one. A profile's tps is lifted: the schedule paces.

stderr shows a line a second (offered and achieved rate, in flight, p99 so far);
stdout gets the report: offered and achieved rates, accepted, refused by status,
unknown, throttled answers, receipts by state (--dlr), latency p50/p90/p99/max.

Exit status: 0 every threshold holds (or none set); 1 a threshold failed (the
report names it, with the measured value), a bind failed, or Ctrl-C; 2 bad usage.
"""

EPILOG = """\
examples:
  esme load --to 8613800130000 --tps 200 --duration 60s
  esme load --numbers numbers.txt --tps 500 --duration 5m --ramp 30s --binds 4 --window 100 --dlr
  esme load --profile carrier-staging.toml --to 8613800130000 --tps 100 --duration 2m --dlr
  # in CI: fail the job if the SMSC takes under 180 segments/s or answers slower than 50 ms at p99
  esme load --to 8613800130000 --tps 200 --duration 30s --min-tps 180 --max-p99 50 --report-json load.json
"""


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _above_zero(kind):
    def read(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or value <= 0:
            raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
        return value

    return read


def add_arguments(parser: argparse.ArgumentParser) -> None:
    load = parser.add_argument_group("the load")
    load.add_argument("--tps", type=_above_zero(float), required=True, metavar="R",
                      help="segments a second to offer at full load (a long text counts each segment)")  # fmt: skip
    load.add_argument("--duration", type=_duration, required=True, metavar="D",
                      help="how long to offer it: 90, 90s, 5m, 1h, 1m30s")  # fmt: skip
    load.add_argument("--ramp", type=_duration, default=0.0, metavar="S",
                      help="rise linearly from 0 to --tps over the first S (default: full rate at once)")  # fmt: skip
    load.add_argument("--binds", type=_above_zero(int), default=1, metavar="N", help="links to the SMSC, sharing the rate (default 1)")
    load.add_argument("--window", type=_above_zero(int), metavar="W",
                      help=f"most submits awaiting a response, per bind (default: the profile's window, else {DEFAULT_WINDOW})")  # fmt: skip
    what = parser.add_argument_group("the messages")
    to = what.add_mutually_exclusive_group(required=True)
    to.add_argument("--to", dest="destination", metavar="NUMBER", help="one destination for every message")
    to.add_argument("--numbers", metavar="FILE", help="destinations taken in turn: a CSV with a number column, or one a line")
    what.add_argument("--region", default="CN", help="how to read national numbers in --numbers (default CN)")
    what.add_argument("--text", default=DEFAULT_TEXT, help=f"the message (default {DEFAULT_TEXT!r})")
    what.add_argument("--from", dest="source", metavar="SENDER", help="source number or sender id (default: the profile's source)")
    what.add_argument("--dlr", action="store_true", help="ask for receipts and report them, with submit→receipt latency")
    what.add_argument("--wait-timeout", type=_duration, default=60.0, metavar="SECONDS",
                      help="with --dlr, how long after its answer a receipt may take (default 60)")  # fmt: skip
    judged = parser.add_argument_group("thresholds and report")
    judged.add_argument("--min-tps", type=_above_zero(float), metavar="R",
                        help="fail unless submits are accepted at R segments/s or more after the ramp")  # fmt: skip
    judged.add_argument("--max-p99", type=_above_zero(float), metavar="MS", help="fail if the submit→response p99 exceeds MS milliseconds")
    judged.add_argument("--report-json", metavar="FILE", help="also write the report as JSON")


def _destinations(args) -> list[str]:
    """The numbers to cycle through; UsageError saying what is wrong with them."""
    if args.destination is not None:
        return [args.destination]
    try:
        recipients = read_numbers(args.numbers, args.region)
    except NumbersFileError as error:
        raise connection.UsageError(str(error)) from None
    for rejected in recipients.rejected:
        print(f"{args.numbers}, line {rejected.line}: {rejected.value!r} left out: {rejected.reason}", file=sys.stderr)
    if not recipients.rows:
        raise connection.UsageError(f"{args.numbers}: no valid number to send to")
    return [row.number for row in recipients.rows]


def smsc_under_test(args, defaults: dict, environ=os.environ):
    """The one SMSC to load (an esme.profile.SmscProfile), with the run's settings: --window
    over the profile's, no tps limit since the schedule paces. UsageError (or ConfigError)
    when the profile, variables and flags cannot give one."""
    chosen = connection.smscs(args, defaults, environ)
    if len(chosen) > 1:
        names = ", ".join(smsc.name for smsc in chosen)
        raise connection.UsageError(
            f"the profile lists {len(chosen)} SMSCs ({names}); a load test measures one, and routing"
            " between several would mix their figures: use a profile with one SMSC"
        )  # fmt: skip
    (smsc,) = chosen
    window = {} if args.window is None else {"window": args.window}
    return attrs.evolve(smsc, settings=attrs.evolve(smsc.settings, tps=0.0, **window))


def _check(args, settings) -> None:
    """Bad usage found before anything is sent: UsageError saying which."""
    if args.dlr and not settings.receives:
        raise connection.UsageError("--dlr needs receipts; use --bind transceiver or pair")
    if not settings.transmits:
        raise connection.UsageError("a receiver bind cannot send; bind as transceiver, transmitter or pair")
    if args.ramp >= args.duration:
        raise connection.UsageError(f"--ramp ({args.ramp:g} s) must be shorter than --duration ({args.duration:g} s)")
    if args.min_tps is not None and args.min_tps > args.tps:
        raise connection.UsageError(f"--min-tps {args.min_tps:g} can never hold: it is above --tps {args.tps:g}")
    if args.report_json and not os.path.isdir(os.path.dirname(os.path.abspath(args.report_json))):
        raise connection.UsageError(f"--report-json {args.report_json}: no such folder")


@defer.inlineCallbacks
def bind_senders(reactor, settings, count: int, err=sys.stderr, endpoint_for=connection.endpoint_for):
    """`count` Senders bound to the SMSC one after the other, sharing one Correlator since the
    SMSC may hand a receipt to any of the account's binds; None, with the reason on `err`,
    once one fails (those bound are unbound)."""
    receipts = receipt_correlator(settings)
    senders = []
    for number in range(1, count + 1):
        sender = Sender(settings, reactor, random.Random(), endpoint_for(reactor, settings), correlator=receipts)
        senders.append(sender)
        try:
            yield sender.start()
        except Exception as error:  # refused, nobody listening, TLS: say which
            where = f"{settings.host}:{settings.port}"
            print(f"esme load: bind {number} of {count} to {where} failed: {connection.bind_failure(error)}", file=err)
            yield defer.gatherResults([each.stop() for each in senders], consumeErrors=True)
            return None
    return senders


@defer.inlineCallbacks
def run(reactor, args, defaults: dict, out=sys.stdout):
    """The whole command; `defaults` are its settings under the profile's (esme.cli._defaults).
    Fires with the exit status; fails with UsageError or ConfigError on bad usage."""
    settings = smsc_under_test(args, defaults).settings
    _check(args, settings)
    try:
        parts = len(segments.split(args.text, method=settings.concatenation, reference=0))
    except ValueError as error:
        raise connection.UsageError(f"--text cannot be sent: {error}") from None
    plan = Plan(args.tps, args.duration, args.ramp, parts)
    destinations = _destinations(args)
    senders = yield bind_senders(reactor, settings, args.binds)
    if senders is None:
        return EXIT_FAILED

    load = Load(senders, plan, destinations, args.text, args.source, args.dlr, reactor, settings.retry_statuses)
    live = LiveLine(load, plan.duration, reactor, receipts=args.dlr)

    def report(interrupted: bool) -> int:
        figures = load_report.LoadReport.of(
            load.tally, plan, binds=args.binds, window=settings.window, receipts_asked=args.dlr, now=reactor.seconds(),
            min_tps=args.min_tps, max_p99=args.max_p99, interrupted=interrupted,
            unmatched_receipts=sum(sender.unmatched_receipts for sender in senders),
        )  # fmt: skip
        live.stop()
        print(load_report.to_text(figures), file=out, end="")
        if args.report_json:
            with open(args.report_json, "w", encoding="utf-8") as file:
                file.write(load_report.to_json(figures))
        return EXIT_OK if figures.passed else EXIT_FAILED

    def interrupt():  # Ctrl-C: the report of the run so far
        load.stop()
        report(interrupted=True)

    trigger = reactor.addSystemEventTrigger("before", "shutdown", interrupt)
    finished = load.run()
    live.start()
    yield finished
    reactor.removeSystemEventTrigger(trigger)
    code = report(interrupted=False)
    yield defer.gatherResults([sender.stop() for sender in senders], consumeErrors=True)
    return code
