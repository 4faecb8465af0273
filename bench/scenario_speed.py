"""How fast scenarios run in virtual time: simulated seconds per wall-clock second, events and
messages a second, for every shipped scenario and for an hour of traffic at a steady rate.

    python -m bench.scenario_speed [--rate 5] [--hours 1]
"""

import argparse
import io
import logging
import tempfile
import time
from pathlib import Path

from scenarios import files, runner

HOUR = """\
title = "an hour of traffic"
duration = "{hours}h"
drain = "10m"
seed = 1

[[esme]]
name = "shop"
window = 20

[[esme.campaign]]
name = "mixed"
rate = {rate}
numbers = {{ prefix = "86138", count = 2000 }}
mix = {{ otp = 0.3, notification = 0.5, marketing = 0.2 }}
unicode_share = 0.5
long_share = 0.1
"""


def measure(path: str) -> dict:
    scenario, config, source, file = files.prepare(path)
    log = io.StringIO()
    started = time.perf_counter()
    run = runner.run(scenario, config, log, source, file)
    wall = time.perf_counter() - started
    events = log.getvalue().count("\n") - 1
    return {"name": scenario.name, "simulated": run.ended_at - run.started_at, "wall": wall, "events": events, "messages": len(run.sent)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scenario_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5.0, help="messages a second in the hour of traffic (default 5)")
    parser.add_argument("--hours", type=float, default=1.0, help="hours of traffic (default 1)")
    args = parser.parse_args(argv)
    logging.getLogger("smpp").setLevel(logging.CRITICAL + 1)
    with tempfile.TemporaryDirectory() as folder:
        hour = Path(folder) / "hour.toml"
        hour.write_text(HOUR.format(rate=args.rate, hours=args.hours))
        paths = [*map(str, files.shipped()), str(hour)]
        print(f"{'scenario':<24}{'simulated':>10}{'wall s':>9}{'sim/wall':>10}{'messages':>10}{'msg/s':>8}{'events/s':>10}")
        for path in paths:
            figures = measure(path)
            print(f"{figures['name']:<24}{figures['simulated'] / 60:>9.0f}m{figures['wall']:>9.1f}{figures['simulated'] / figures['wall']:>10.0f}"
                  f"{figures['messages']:>10}{figures['messages'] / figures['wall']:>8.0f}{figures['events'] / figures['wall']:>10.0f}")


if __name__ == "__main__":
    main()
