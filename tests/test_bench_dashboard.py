"""bench.dashboard still runs end to end (at a tiny load; the figures are the benchmark's): a
served SMSC, its page in Debian's headless Chromium, esme load beside it. A machine without
Chromium installs it or fails this test; it never skips."""

import json
import re
import subprocess
import sys


def test_the_page_is_measured_idle_and_under_load():
    run = subprocess.run([sys.executable, "-m", "bench.dashboard", "--rate", "50", "--duration", "2", "--idle", "1"],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    assert re.search(r"^\| frames per second \| [\d.]+ \| [\d.]+ \|$", run.stdout, re.M)
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["esme_load"]["accepted"] == 100
    assert summary["load"]["fps"] > 0 and summary["load"]["event_loop_lag_ms"]["samples"] > 0
