"""`smsc serve` driven over loopback by the node `smpp` package, a client nobody here wrote.

The fixture installs the package with npm from tests/peers/node (locked versions) when it is
missing; a machine without node or npm fails this test rather than skipping it.
"""

import json
import subprocess

import pytest

from tests.peers import NODE_PEER, node_with_smpp


@pytest.fixture(scope="module")
def node_client():
    return [node_with_smpp(), str(NODE_PEER / "client.js")]


def test_bind_submit_receipt_unbind(node_client, smsc_address):
    """node smpp binds as transceiver, submits, gets the DELIVRD receipt and unbinds cleanly."""
    host, port = smsc_address
    run = subprocess.run([*node_client, host, str(port)], capture_output=True, text=True, timeout=30)
    events = {event["event"]: event for event in map(json.loads, run.stdout.splitlines())}
    assert run.returncode == 0, run.stdout + run.stderr
    assert events["bind_transceiver_resp"]["command_status"] == 0
    assert events["bind_transceiver_resp"]["system_id"] == "SMSC"
    submitted = events["submit_sm_resp"]
    assert submitted["command_status"] == 0 and submitted["message_id"]
    receipt = events["deliver_sm"]
    assert receipt["esm_class"] == 4 and receipt["message_state"] == 2
    assert receipt["receipted_message_id"] == submitted["message_id"]
    assert "stat:DELIVRD" in receipt["short_message"] and "text:Hello from node smpp" in receipt["short_message"]
    assert events["unbind_resp"]["command_status"] == 0
