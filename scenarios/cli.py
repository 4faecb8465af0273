"""`smsc scenario list | show NAME | run NAME|FILE | replay LOG`: the scenario runner's
command line, registered under the `smsc` command."""

import argparse
import hashlib
import io
import logging
import sys
import textwrap
import time

from pdu.config_file import ConfigError
from smsc.config import Config

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(commands) -> None:
    scenario = commands.add_parser(
        "scenario",
        help="run replayable scenarios: outages, congestion, blocked keywords",
        description="Scenarios put the SMSC and simulated ESMEs through a timeline (towers down, links "
        "dropped, congestion, keyword lists changed) in virtual time: an hour of traffic runs in seconds, "
        "and a seed gives the same run every time; or live against a running `smsc serve` (run --realtime, "
        "--speed X), to watch through its HTTP API. The exit status says whether the expectations held.",
    )
    actions = scenario.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="the shipped scenarios, with their titles")
    show = actions.add_parser("show", help="a scenario's description and file")
    show.add_argument("name", metavar="NAME|FILE")
    run = actions.add_parser(
        "run",
        help="run a scenario and report",
        description=textwrap.fill("Run a scenario in virtual time and print its report: expectations (PASS/FAIL), the "
        "delivery funnel, outcomes, latency percentiles, the load of each tower over time; on a terminal, a "
        "progress line shows on stderr while it runs. With --realtime or --speed X it runs instead against "
        "a running `smsc serve`, so that people can watch it through the HTTP API: the ESMEs bind over SMPP "
        "and the timeline's steps go through the API.", 90) + "\n\n" + textwrap.fill("Exit status: 0 every expectation "
        "held; 1 one failed (or Ctrl-C stopped a live run); 2 a mistake in the file (named with its line and key), "
        "or a live run that cannot start (the SMSC unreachable, a step its API cannot do).", 90),
        epilog="Examples:\n"
        "  smsc scenario run tower-outage --seed 3 --log outage.jsonl --report outage.json --chart outage.png\n"
        "  smsc serve &   # then, in another terminal:\n"
        "  smsc scenario run tower-outage --speed 20 --log outage.jsonl\n"
        "  curl -s http://127.0.0.1:8775/api/stats   # watch the towers, queues and rates while it runs\n"
        "Ctrl-C stops a live run: the ESMEs unbind and the report covers what happened until then.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("name", metavar="NAME|FILE", help="a shipped scenario's name, or a TOML file")
    run.add_argument("--seed", type=int, help="override the file's seed")
    run.add_argument("--log", metavar="FILE", help="write the event log (JSON Lines) here")
    run.add_argument("--report", metavar="FILE", help="also write the report as JSON, with the load's time series")
    run.add_argument("--chart", metavar="FILE", help="draw traffic, what waits at each tower and receipts over the timeline "
                     "(FILE.png or FILE.svg)")  # fmt: skip
    live = run.add_argument_group(
        "live", textwrap.fill("Run against a running `smsc serve` instead of in virtual time (docs/scenarios.md, "
        "\"Real time\"). The server keeps its own config: the scenario's [smsc] settings are not applied to it.", 90),
    )
    pace = live.add_mutually_exclusive_group()
    pace.add_argument("--realtime", action="store_const", const=1.0, dest="speed", help="in real time (--speed 1)")
    pace.add_argument("--speed", type=_speed, metavar="X",
                      help="X times faster than real time: the traffic's and the timeline's offsets are divided by X "
                      "(the ESMEs' and the SMSC's own timers stay real)")  # fmt: skip
    live.add_argument("--smpp", metavar="HOST:PORT", help=f"the SMSC's SMPP address (default {Config().smpp})")
    live.add_argument("--api", metavar="URL", help=f"the SMSC's HTTP API (default http://{Config().http})")
    replay = actions.add_parser(
        "replay",
        help="run a logged scenario again and compare",
        description="Run the scenario an event log came from again, with its seed, and compare the two "
        "logs event by event: says they are the same, or shows the first divergence. Exit status 0 same, 1 not.",
    )
    replay.add_argument("log", metavar="LOG")


def _speed(text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        speed = 0.0
    if not speed > 0:
        raise argparse.ArgumentTypeError(f"expected a factor above 0 such as 1 (real time) or 20, got {text!r}")
    return speed


def main(args) -> int:
    logging.getLogger("smpp").setLevel(logging.CRITICAL + 1)  # smpp.twisted logs every bind at WARNING
    try:
        return {"list": _list, "show": _show, "run": _run, "replay": _replay}[args.scenario_command](args)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE


def _list(args) -> int:
    from scenarios import files

    for path in files.shipped():
        scenario = files.load(str(path))
        print(f"{scenario.name:<24} {scenario.title}")
    return EXIT_PASSED


def _show(args) -> int:
    from scenarios import files

    path = files.find(args.name)
    scenario = files.load(args.name)
    print(f"{scenario.name}: {scenario.title}\n{scenario.description.strip()}\n\nfile: {path}")
    return EXIT_PASSED


def _run(args) -> int:
    from scenarios import chart, expectations, files, report, runner
    from scenarios.progress import Progress

    if getattr(args, "speed", None) is None and (getattr(args, "smpp", None) or getattr(args, "api", None)):
        print("smsc scenario run: --smpp and --api are for live runs; add --realtime or --speed X", file=sys.stderr)
        return EXIT_USAGE
    chart_problem = args.chart and chart.check_path(args.chart)
    if chart_problem:
        print(chart_problem, file=sys.stderr)
        return EXIT_USAGE
    scenario, config, source, path = files.prepare(args.name, args.seed)
    if getattr(args, "speed", None) is not None:
        return _run_live(args, scenario, config, source, path)
    started = time.perf_counter()
    progress = Progress(scenario.name, scenario.duration, sys.stderr)
    if args.log:
        with open(args.log, "w", encoding="utf-8") as log:
            run = runner.run(scenario, config, log, source, path, progress=progress)
    else:
        run = runner.run(scenario, config, io.StringIO(), source, path, progress=progress)
    progress.close()
    result = report.build(run, expectations.check(run))
    print(report.to_text(result))
    print(f"({time.perf_counter() - started:.1f} s of wall-clock time)", file=sys.stderr)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as out:
            out.write(report.to_json(result))
    if args.chart and result.series is not None:
        chart.draw(result, args.chart)
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _run_live(args, scenario, config, source: str, path: str) -> int:
    from scenarios import expectations, live, report

    target = live.Target(args.smpp or Config().smpp, (args.api or f"http://{Config().http}").rstrip("/"), args.speed)
    if scenario.smsc:
        print(f"smsc scenario run: note: the scenario's [smsc] settings ({', '.join(sorted(scenario.smsc))}) are not applied: "
              f"the SMSC at {target.smpp} runs with its own config", file=sys.stderr)  # fmt: skip
    print(f"{scenario.name}: live against the SMSC at {target.smpp} (watch it: {target.api}/api/stats), "
          f"{'real time' if target.speed == 1 else f'{target.speed:g} times real time'}", file=sys.stderr, flush=True)  # fmt: skip
    try:
        if args.log:
            with open(args.log, "w", encoding="utf-8", buffering=1) as log:  # by the line: `tail -f` it while it runs
                done = live.run_on_reactor(scenario, config, log, source, path, target)
        else:
            done = live.run_on_reactor(scenario, config, io.StringIO(), source, path, target)
    except live.CannotRun as error:
        print(f"smsc scenario run: cannot run {scenario.name} live:\n{error}", file=sys.stderr)
        return EXIT_USAGE
    result = report.build(done.run, expectations.check(done.run) + done.verdicts())
    print(report.to_text(result))
    print(f"({done.wall_seconds:.1f} s of wall-clock time against {target.smpp}, speed {target.speed:g})", file=sys.stderr)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as out:
            out.write(report.to_json(result))
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _replay(args) -> int:
    from scenarios import eventlog, files, runner

    try:
        header = eventlog.read_header(args.log)
    except (OSError, ValueError) as error:
        print(f"smsc scenario replay: {error}", file=sys.stderr)
        return EXIT_USAGE
    if "live" in header:
        print(f"{args.log}: the log of a live run (against {header['live']['smpp']}); only runs in virtual time can be "
              "replayed: the live SMSC's chances are its own", file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    scenario, config = files.from_source(header["source"], header["file"], header["seed"])
    again = io.StringIO()
    runner.run(scenario, config, again, header["source"], header["file"])
    with open(args.log, encoding="utf-8") as log:
        difference = eventlog.first_difference(log, io.StringIO(again.getvalue()))
    if difference is None:
        digest = hashlib.sha256(again.getvalue().encode()).hexdigest()[:16]
        print(f"same: {again.getvalue().count(chr(10)) - 1} events, the same outcomes (sha256 {digest})")
        return EXIT_PASSED
    line, logged, replayed = difference
    print(f"diverged at line {line}:\n  logged:   {logged.rstrip()}\n  replayed: {replayed.rstrip()}")
    return EXIT_FAILED

