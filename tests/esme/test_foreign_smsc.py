"""Our ESME against an SMSC nobody on this team wrote: tests/peers/node/server.js, a small
server on the node `smpp` package, started per test on a free port. It writes ids in
upper-case hex and receipts in decimal, answers a refusal with a bare header, and logs every
PDU it receives, so each test checks both what the ESME reports and what went over the wire.

The ESME runs as users run it: `esme send` and `esme blast`, and esme.sender.Sender embedded
in a program on the real reactor (tests/esme/loopback_driver.py).
"""

import json
import re
import subprocess
import sys
import time

import pytest

from tests.peers import NODE_PEER, node_with_smpp

HEX_ID = re.compile(r"^[0-9A-F]{10}$")


class ForeignSmsc:
    """A running server.js: its port, and the PDUs it has received so far."""

    def __init__(self, node: str, folder):
        self.log_path = folder / "foreign-smsc.log"
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen([node, str(NODE_PEER / "server.js"), "0"], stdout=log, stderr=subprocess.STDOUT)
        first = self._wait(lambda lines: lines, "the listening line")
        self.port = first[0]["listening"]

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line.startswith("{")]

    def received(self, command: str | None = None) -> list[dict]:
        return [line for line in self.lines() if "command" in line and command in (None, line["command"])]

    def submits_to(self, number: str) -> list[dict]:
        return [line for line in self.received("submit_sm") if line["destination_addr"] == number]

    def closed_links(self) -> list[int]:
        """The links the server saw closed, waiting a moment for the last one to go."""
        self._wait(lambda lines: any(line.get("closed") for line in lines), "a link closed")
        return [line["link"] for line in self.lines() if line.get("closed")]

    def _wait(self, found, what: str, seconds: float = 10):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            lines = self.lines()
            if found(lines):
                return lines
            assert self.process.poll() is None, f"server.js exited: {self.log_path.read_text()}"
            time.sleep(0.02)
        raise AssertionError(f"server.js logged no {what} in {seconds} s: {self.log_path.read_text()}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def node():
    return node_with_smpp()


@pytest.fixture
def foreign(node, tmp_path):
    server = ForeignSmsc(node, tmp_path)
    yield server
    server.stop()


def never_resent_once_accepted(server: ForeignSmsc) -> None:
    """No submit the server answered with a message_id came again, on any link."""
    seen = set()
    for line in server.received("submit_sm"):
        key = (line["destination_addr"], line["text"])
        assert key not in seen, f"resent after it was accepted: {line}"
        if line.get("answer", {}).get("message_id"):
            seen.add(key)


def esme(server: ForeignSmsc, command: str, *arguments: str):
    return subprocess.run(
        [sys.executable, "-m", "esme.cli", command, "--port", str(server.port), "--from", "10690001", *arguments],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def embedded(server: ForeignSmsc, messages, gap: float = 0, **settings) -> dict:
    """The Sender in a program of its own (tests/esme/loopback_driver.py): its JSON report,
    each message's outcome a list of its segments'."""
    smsc = {"name": "node", "settings": {"host": "127.0.0.1", "port": server.port}}
    plan = {"smscs": [smsc], "settings": settings, "messages": messages, "gap": gap}
    run = subprocess.run([sys.executable, "-m", "tests.esme.loopback_driver", json.dumps(plan)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "Unhandled" not in run.stderr, run.stdout + run.stderr  # Twisted's unhandled errors
    return json.loads(run.stdout.splitlines()[-1])


def states(report: dict) -> list[list[str]]:
    return [[part["state"] for part in outcome] for outcome in report["outcomes"]]


class TestSendCommand:
    def test_delivered(self, foreign):
        """`esme send --wait`: binds, prints the carrier's hex id, gets the DELIVRD receipt
        (decimal in its text) for it, answers it and unbinds; exit 0."""
        done = esme(foreign, "send", "--to", "8613800130000", "--text", "hello", "--wait", "--wait-timeout", "10")
        assert done.returncode == 0, done.stdout + done.stderr
        (submit,) = foreign.received("submit_sm")
        message_id = submit["answer"]["message_id"]
        assert HEX_ID.match(message_id) and submit["registered_delivery"] == 1 and submit["text"] == "hello"
        assert done.stdout.splitlines() == [f"message_id: {message_id}", f"{message_id}: DELIVRD err:000 Delivered to the handset."]
        commands = [line["command"] for line in foreign.received()]
        assert commands == ["bind_transceiver", "submit_sm", "deliver_sm_resp", "unbind"]
        assert foreign.received("deliver_sm_resp")[0]["command_status"] == 0
        assert foreign.closed_links() == [1]

    def test_undelivered(self, foreign):
        """...0001: accepted, then UNDELIV err:001; exit 1."""
        done = esme(foreign, "send", "--to", "8613800130001", "--text", "hello", "--wait", "--wait-timeout", "10")
        assert done.returncode == 1, done.stdout + done.stderr
        assert re.search(r"^[0-9A-F]{10}: UNDELIV err:001 ", done.stdout, re.M), done.stdout

    def test_receipt_naming_the_message_only_in_its_text(self, foreign):
        """...0010: the receipt has no TLVs and writes the hex id in decimal; still matched."""
        done = esme(foreign, "send", "--to", "8613800130010", "--text", "hello", "--wait", "--wait-timeout", "10")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "DELIVRD err:000" in done.stdout

    def test_throttled_then_delivered(self, foreign):
        """...0058: the first submit is answered ESME_RTHROTTLED with a bare header; the ESME
        sends it once more, after a backoff, and it is delivered."""
        done = esme(foreign, "send", "--to", "8613800130058", "--text", "hello", "--wait", "--wait-timeout", "10")
        assert done.returncode == 0, done.stdout + done.stderr
        answers = [submit["answer"]["command_status"] for submit in foreign.submits_to("8613800130058")]
        assert answers == [0x58, 0]

    def test_wrong_password(self, foreign):
        """A bind refused with ESME_RINVPASWD: the status named on one line, no traceback,
        nothing submitted; exit 1."""
        done = esme(foreign, "send", "--to", "8613800130000", "--text", "hi", "--password", "wrong")
        assert done.returncode == 1, done.stdout + done.stderr
        assert done.stdout == ""
        assert done.stderr == f"esme send: bind refused by 127.0.0.1:{foreign.port}: 0x0000000E ESME_RINVPASWD: Password is wrong.\n"
        assert [line["answer"]["command_status"] for line in foreign.received()] == [0x0E]


class TestBlastCommand:
    def test_a_campaign(self, foreign, tmp_path):
        """Four numbers, one throttled once and one undeliverable: four submitted and accepted,
        three delivered, one failed; the throttled one went twice, nothing else did."""
        numbers = tmp_path / "numbers.txt"
        numbers.write_text("8613800130000\n8613800130001\n8613800130058\n8613800130010\n")
        report = tmp_path / "report.json"
        done = esme(foreign, "blast", "--numbers", str(numbers), "--text", "Your code is 1234", "--wait-timeout", "10",
                    "--report-json", str(report))  # fmt: skip
        assert done.returncode == 1, done.stdout + done.stderr  # not every message delivered
        summary = json.loads(report.read_text())
        assert (summary["submitted"], summary["accepted"], summary["delivered"], summary["failed"]) == (4, 4, 3, 1)
        assert len(foreign.received("submit_sm")) == 5 and len(foreign.submits_to("8613800130058")) == 2
        never_resent_once_accepted(foreign)


class TestEmbeddedSender:
    def test_receipts_correlated(self, foreign):
        """Delivered, undeliverable, text-only receipt and a two-segment text: every receipt
        finds its segment by the carrier's ids; none is left unmatched."""
        report = embedded(foreign, [["8613800130000", "one"], ["8613800130001", "two"], ["8613800130010", "three"],
                                    ["8613800130000", "long " * 40]])  # fmt: skip
        assert states(report) == [["DELIVRD"], ["UNDELIV"], ["DELIVRD"], ["DELIVRD", "DELIVRD"]]
        assert report["unmatched_receipts"] == 0
        answered = sorted(line["answer"]["message_id"] for line in foreign.received("submit_sm"))
        assert sorted(part["message_id"] for outcome in report["outcomes"] for part in outcome) == answered
        assert len(answered) == 5 and all(HEX_ID.match(message_id) for message_id in answered)

    def test_throttled_is_retried_once(self, foreign):
        """A 0x58 answer is retried; the outcome counts two attempts and the server saw two."""
        report = embedded(foreign, [["8613800130058", "hi"]], retry_delay=0.05)
        ((part,),) = report["outcomes"]
        assert part["state"] == "DELIVRD" and part["attempts"] == 2
        assert len(foreign.submits_to("8613800130058")) == 2

    def test_reconnects_after_the_server_drops_the_link(self, foreign):
        """...0099: the server closes the link after answering; the Sender reconnects, binds
        again, the kept receipt arrives on the new link, and the next message goes there."""
        report = embedded(foreign, [["8613800130099", "first"], ["8613800130000", "second"]], gap=0.5, reconnect_delay=0.05)
        assert states(report) == [["DELIVRD"], ["DELIVRD"]] and report["binds"] == [2]
        binds = [line["link"] for line in foreign.received() if line["command"] == "bind_transceiver"]
        assert binds == [1, 2]
        assert [line["link"] for line in foreign.received("submit_sm")] == [1, 2]
        assert [line["link"] for line in foreign.received("deliver_sm_resp")] == [2, 2]
        never_resent_once_accepted(foreign)

    def test_in_flight_when_the_link_falls_is_unknown(self, foreign):
        """A submit written behind the one that makes the server hang up is never answered:
        UNKNOWN, and not sent again on the new link, though the Sender rebinds."""
        report = embedded(foreign, [["8613800130099", "first"], ["8613800130000", "behind it"]], reconnect_delay=0.05)
        first, behind = report["outcomes"]
        assert first[0]["state"] == "DELIVRD"
        assert behind == [{"state": "UNKNOWN", "status": None, "attempts": 1, "message_id": None}]
        assert len(foreign.submits_to("8613800130000")) <= 1  # it may or may not have arrived
        never_resent_once_accepted(foreign)

    def test_enquire_link_keeps_the_link(self, foreign):
        """With enquire_link every 0.2 s and 0.7 s between two messages, the server answers the
        probes and the same link carries both."""
        report = embedded(foreign, [["8613800130000", "before"], ["8613800130000", "after a pause"]], gap=0.7, enquire_link=0.2)
        assert states(report) == [["DELIVRD"], ["DELIVRD"]]
        probes = foreign.received("enquire_link")
        assert len(probes) >= 2 and all(probe["answer"]["command_status"] == 0 for probe in probes)
        assert {line["link"] for line in foreign.received()} == {1}

    def test_stop_unbinds(self, foreign):
        """stop() ends the session with unbind, after the receipt was answered; then the link closes."""
        embedded(foreign, [["8613800130000", "bye"]])
        assert [line["command"] for line in foreign.received()][-2:] == ["deliver_sm_resp", "unbind"]
        assert foreign.closed_links() == [1]
