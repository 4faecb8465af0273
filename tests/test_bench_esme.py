"""bench.esme_compare still runs end to end (at a tiny size; the figures are the benchmark's)."""

import re
import subprocess
import sys


def test_both_clients_get_every_receipt_from_the_raw_server():
    run = subprocess.run([sys.executable, "-m", "bench.esme_compare", "--messages", "50"],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    rows = re.findall(r"^\| (smpp.twisted client|esme.sender.Sender) \| [\d,]+ \| [\d,]+ \| (\d+) \|", run.stdout, re.M)
    assert rows == [("smpp.twisted client", "50"), ("esme.sender.Sender", "50")]
