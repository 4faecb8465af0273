"""A tiny scenario for the tests of what a run reports (sampling, report, chart): a minute of
traffic with a tower down for twenty seconds."""

import io

from scenarios import files, runner

TINY = """\
title = "a minute of traffic, a tower down for twenty seconds"
duration = "1m"
drain = "5m"
seed = 5

[[esme]]
name = "shop"

[[esme.campaign]]
name = "mixed"
rate = 3
numbers = { prefix = "86138", count = 30 }
mix = { otp = 0.5, notification = 0.5 }

[[timeline]]
at = "20s"
do = "tower_down"
tower = "CM-1"

[[timeline]]
at = "40s"
do = "tower_up"
tower = "CM-1"
"""


def run_logged(path: str, every: float | None = None) -> tuple[runner.Run, str]:
    scenario, config, source, file = files.prepare(path)
    log = io.StringIO()
    return runner.run(scenario, config, log, source, file, every=every), log.getvalue()
