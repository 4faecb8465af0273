"""bench.esme_compare still runs end to end with all three clients (at a tiny size; the figures
are the benchmark's). The node client is part of the comparison: a machine without node or npm
fails this test rather than skipping it."""

import re
import subprocess
import sys


def test_every_client_gets_every_receipt_from_the_raw_server():
    run = subprocess.run([sys.executable, "-m", "bench.esme_compare", "--messages", "50"],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    rows = re.findall(r"^\| (smpp.twisted client|esme.sender.Sender|node smpp client) \| [\d,]+ \| [\d,]+ \| (\d+) \|", run.stdout, re.M)
    assert rows == [("smpp.twisted client", "50"), ("esme.sender.Sender", "50"), ("node smpp client", "50")]
    assert re.search(r"^ours ÷ smpp.twisted client, receipts/s: [\d.]+", run.stdout, re.M)
    assert re.search(r"^ours ÷ node smpp client, receipts/s: [\d.]+", run.stdout, re.M)
