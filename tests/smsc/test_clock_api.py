"""GET and POST /api/clock: the trainer pauses the SMSC's clock, steps it and lets it go on;
in memory for the answers and refusals, and on a real `smsc serve` for a message held while paused."""

import time

import pytest
import smpplib.client

from smsc.http.api import Api
from smsc.trainer_clock import TrainerClock

from .conftest import call, make_factory, read_until, start_smsc
from .test_http_api import Http


@pytest.fixture
def api(clock):
    trainer = TrainerClock(clock)
    factory = make_factory(clock)
    return trainer, Http(Api(factory.sink, factory, clock, trainer).site())


class TestAnswers:
    def test_get_shows_the_clock(self, clock, api):
        """GET /api/clock: running, the SMSC's time, no lag, the calls waiting."""
        trainer, http = api
        trainer.callLater(5, lambda: None)
        answer = http("GET", "/api/clock")
        assert answer.status == 200
        assert answer.body == {"paused": False, "now": "2026-11-22T09:30:00.000Z", "lag_seconds": 0.0, "due": 1}

    def test_pause_step_and_resume(self, clock, api):
        """Paused, the time stands while the reactor goes on; a step runs the next due call and moves
        there; resumed, the clock lags by the pause less the step."""
        trainer, http = api
        ran = []
        trainer.callLater(5, ran.append, "due")
        assert http("POST", "/api/clock", {"paused": True}).body["paused"] is True
        clock.advance(60)
        assert http("GET", "/api/clock").body["lag_seconds"] == 60.0
        stepped = http("POST", "/api/clock", {"step": True}).body
        assert (stepped["stepped"], stepped["due"], stepped["now"], ran) == (1, 0, "2026-11-22T09:30:05.000Z", ["due"])
        resumed = http("POST", "/api/clock", {"paused": False}).body
        assert (resumed["paused"], resumed["lag_seconds"], resumed["stepped"]) == (False, 55.0, 0)

    def test_a_step_of_n(self, api):
        """{"step": N} steps through up to N due times."""
        trainer, http = api
        for delay in (1, 2, 3):
            trainer.callLater(delay, lambda: None)
        http("POST", "/api/clock", {"paused": True})
        assert http("POST", "/api/clock", {"step": 2}).body["stepped"] == 2


class TestRefusals:
    def test_a_step_while_running_says_pause_first(self, api):
        answer = api[1]("POST", "/api/clock", {"step": True})
        assert answer.status == 409 and "pause it first" in answer.body["error"]

    @pytest.mark.parametrize("body, words", [
        ({"speed": 2}, "unknown field speed"),
        ({}, 'give one of "paused"'),
        ({"paused": True, "step": 1}, 'give one of "paused"'),
        ({"paused": "yes"}, "paused must be true or false"),
        ({"step": 0}, "step must be true or a whole number"),
        ({"step": False}, "step must be true or a whole number"),
        ({"step": 1.5}, "step must be true or a whole number"),
    ])  # fmt: skip
    def test_a_wrong_body_is_400(self, api, body, words):
        answer = api[1]("POST", "/api/clock", body)
        assert answer.status == 400 and words in answer.body["error"]

    def test_without_a_trainer_clock_it_says_so(self, clock):
        """An Api built on a plain clock (as tests build it) answers 409 with why."""
        factory = make_factory(clock)
        http = Http(Api(factory.sink, factory, clock).site())
        answer = http("GET", "/api/clock")
        assert answer.status == 409 and "cannot be paused" in answer.body["error"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    process, served = start_smsc(tmp_path_factory.mktemp("clock-smsc"))
    yield served
    process.terminate()
    process.wait(timeout=10)


def state_of(served, message_id: str) -> str:
    status, body = call(served.api, "GET", f"/api/messages/{message_id}")
    return body["messages"][0]["state"]["name"] if status == 200 else "not stored"


class TestLoopback:
    def test_a_step_with_nothing_due_moves_nothing(self, served):
        """An idle SMSC paused has nothing due (housekeeping keeps the wall clock): a step runs
        nothing and leaves its time where it stood, never an hour ahead."""
        try:
            status, paused = call(served.api, "POST", "/api/clock", {"paused": True})
            assert status == 200 and paused["due"] == 0
            status, stepped = call(served.api, "POST", "/api/clock", {"step": 100})
            assert (stepped["stepped"], stepped["now"]) == (0, paused["now"])
        finally:
            call(served.api, "POST", "/api/clock", {"paused": False})

    def test_a_message_waits_while_paused_and_steps_to_delivery(self, served):
        """Paused, a message sent with smpplib is stored but not delivered, long after its normal time
        (at once, for ...0000); stepping the clock delivers it and its receipt reaches the ESME;
        resumed, the clock lags the wall clock."""
        client = smpplib.client.Client(*served.smpp, timeout=5, allow_unknown_opt_params=True)
        client.connect()
        try:
            client.bind_transceiver(system_id="smppclient1", password="password")
            assert call(served.api, "POST", "/api/clock", {"paused": True})[0] == 200
            sent = []
            client.set_message_sent_handler(lambda pdu: sent.append(pdu.message_id.decode()))
            client.send_message(source_addr_ton=1, source_addr="10690001", dest_addr_ton=1, destination_addr="8613800130000",
                                short_message=b"hold me", registered_delivery=True)  # fmt: skip
            receipts = read_until(client, lambda received: sent and any(b"stat:" in pdu.short_message for pdu in received), 1.5)
            assert sent and receipts == []
            assert state_of(served, sent[0]) == "ENROUTE"
            deadline, steps = time.monotonic() + 10, 0
            while state_of(served, sent[0]) != "DELIVERED" and time.monotonic() < deadline:
                status, clock = call(served.api, "POST", "/api/clock", {"step": True})
                assert status == 200 and clock["paused"]
                steps += 1
                time.sleep(0.05)  # the store commits on its own thread
            assert state_of(served, sent[0]) == "DELIVERED" and steps >= 1
            receipts = read_until(client, lambda received: any(b"stat:DELIVRD" in pdu.short_message for pdu in received))
            assert any(b"stat:DELIVRD" in pdu.short_message for pdu in receipts)
        finally:
            status, clock = call(served.api, "POST", "/api/clock", {"paused": False})
            client.unbind()
            client.disconnect()
        assert status == 200 and not clock["paused"] and clock["lag_seconds"] >= 1.0
