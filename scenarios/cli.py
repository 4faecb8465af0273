"""`smsc scenario list | show NAME | run NAME|FILE | replay LOG`: the scenario runner's
command line, registered under the `smsc` command."""

import hashlib
import io
import logging
import sys
import time

from pdu.config_file import ConfigError

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(commands) -> None:
    scenario = commands.add_parser(
        "scenario",
        help="run replayable scenarios: outages, congestion, blocked keywords",
        description="Scenarios put the SMSC and simulated ESMEs through a timeline (towers down, links "
        "dropped, congestion, keyword lists changed) in virtual time: an hour of traffic runs in seconds, "
        "and a seed gives the same run every time. The exit status says whether the expectations held.",
    )
    actions = scenario.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="the shipped scenarios, with their titles")
    show = actions.add_parser("show", help="a scenario's description and file")
    show.add_argument("name", metavar="NAME|FILE")
    run = actions.add_parser(
        "run",
        help="run a scenario and report",
        description="Run a scenario in virtual time and print its report: expectations (PASS/FAIL), the "
        "delivery funnel, outcomes, latency percentiles, the load of each tower over time. On a terminal, a "
        "progress line shows on stderr while it runs. Exit status: 0 every expectation held; 1 one failed; "
        "2 a mistake in the file (named with its line and key).",
        epilog="Example: smsc scenario run tower-outage --seed 3 --log outage.jsonl --report outage.json --chart outage.png",
    )
    run.add_argument("name", metavar="NAME|FILE", help="a shipped scenario's name, or a TOML file")
    run.add_argument("--seed", type=int, help="override the file's seed")
    run.add_argument("--log", metavar="FILE", help="write the event log (JSON Lines) here")
    run.add_argument("--report", metavar="FILE", help="also write the report as JSON, with the load's time series")
    run.add_argument("--chart", metavar="FILE", help="draw traffic, what waits at each tower and receipts over the timeline "
                     "(FILE.png or FILE.svg)")  # fmt: skip
    replay = actions.add_parser(
        "replay",
        help="run a logged scenario again and compare",
        description="Run the scenario an event log came from again, with its seed, and compare the two "
        "logs event by event: says they are the same, or shows the first divergence. Exit status 0 same, 1 not.",
    )
    replay.add_argument("log", metavar="LOG")


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

    chart_problem = args.chart and chart.check_path(args.chart)
    if chart_problem:
        print(chart_problem, file=sys.stderr)
        return EXIT_USAGE
    scenario, config, source, path = files.prepare(args.name, args.seed)
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


def _replay(args) -> int:
    from scenarios import eventlog, files, runner

    header = eventlog.read_header(args.log)
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

