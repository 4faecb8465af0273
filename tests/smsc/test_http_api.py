"""The HTTP API: endpoints over an in-memory HTTP connection to an SMSC on a virtual clock,
and a few real runs of `smsc serve` and `smsc mo` on loopback."""

import json
import pathlib
import re
import subprocess
import sys
import time

import attrs
import pytest
import smpplib.client
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from pdu import multi
from pdu.multi import SubmitMulti
from pdu.receipts import parse_receipt
from pdu.wire import Address, BindType, SubmitSm
from smsc import rates
from smsc.dashboard import LIVE_PATH
from smsc.http.api import Api, openapi_document
from smsc.http.router import Route, site
from smsc.testing import WireSession, run_for

from .conftest import account, call, make_factory, read_until

SOURCE = Address(1, 1, "10690001")
TRACE = ["received", "stored", "routed", "queued at tower", "attempt 1", "handset", "delivered", "receipt queued", "receipt delivered"]


@attrs.frozen
class Answer:
    status: int
    headers: dict[str, str]
    body: object


class Http:
    """A twisted.web Site on an in-memory connection: one request in, its answer out."""

    def __init__(self, served_site):
        self._site = served_site

    def __call__(self, method: str, path: str, body=None, raw: bytes | None = None) -> Answer:
        octets = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        channel = self._site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 50000))
        transport = StringTransport()
        channel.makeConnection(transport)
        head = f"{method} {path} HTTP/1.1\r\nHost: smsc\r\nContent-Length: {len(octets)}\r\n\r\n"
        channel.dataReceived(head.encode() + octets)
        response_head, _, content = transport.value().partition(b"\r\n\r\n")
        lines = response_head.decode().split("\r\n")
        headers = {key.lower(): value for key, value in (line.split(": ", 1) for line in lines[1:])}
        channel.connectionLost(None)
        return Answer(int(lines[0].split()[1]), headers, json.loads(content))


@pytest.fixture
def smsc(clock):
    factory = make_factory(clock)
    session = WireSession(factory, answer_deliveries=True)
    session.bind()
    return factory, session, Http(Api(factory.sink, factory, clock).site())


def submit(session, suffix: str, text: bytes = b"Your code is 1234") -> str:
    session.send(SubmitSm(SOURCE, Address(1, 1, "861380013" + suffix), text, registered_delivery=1))
    ((header, response),) = [(h, v) for h, v in session.received() if h.command_name == "submit_sm_resp"]
    assert header.command_status == 0
    return response.message_id


def deliveries(session) -> list:
    return [value for header, value in session.received() if header.command_name == "deliver_sm"]


class TestRouting:
    def test_health_is_json(self, smsc):
        """GET /api/health answers 200 ok in JSON, UTF-8."""
        answer = smsc[2]("GET", "/api/health")
        assert (answer.status, answer.body["status"], answer.headers["content-type"]) == (200, "ok", "application/json; charset=utf-8")

    def test_unknown_path_is_a_json_404(self, smsc):
        """A path the API does not serve is a 404 whose message points at the list of endpoints."""
        answer = smsc[2]("GET", "/api/nothing")
        assert answer.status == 404 and "GET /api/ lists them" in answer.body["error"]

    def test_wrong_method_is_405_with_allow(self, smsc):
        """A known path with the wrong method is 405 and says which methods it takes."""
        answer = smsc[2]("DELETE", "/api/towers/CM-1")
        assert (answer.status, answer.headers["allow"]) == (405, "POST")
        assert answer.body == {"status": 405, "error": "/api/towers/CM-1 takes POST, not DELETE"}

    def test_a_failing_handler_is_a_500_without_traceback(self, clock):
        """An unexpected exception becomes a 500 JSON message and a log line, never a traceback."""

        def broken(call):
            raise RuntimeError("secret internals")

        answer = Http(site([Route("GET", "/api/broken", broken)], clock))("GET", "/api/broken")
        assert answer.status == 500 and "secret" not in json.dumps(answer.body) and "Traceback" not in json.dumps(answer.body)

    def test_a_body_that_is_not_json_is_a_400(self, smsc):
        """A body that is not a JSON object is refused with what is wrong with it."""
        answer = smsc[2]("POST", "/api/mo", raw=b"from=1")
        assert answer.status == 400 and answer.body["error"].startswith("the request body is not valid JSON")

    def test_index_lists_every_route(self, smsc):
        """GET /api/ names every endpoint."""
        assert "GET /api/messages/{id}" in smsc[2]("GET", "/api/").body["endpoints"]


class TestMessage:
    def test_state_fields_and_full_trace(self, clock, smsc):
        """A delivered message shows its fields, its MAP error meaning and every hop of its trace in order."""
        factory, session, http = smsc
        message_id = submit(session, "0000")
        run_for(clock, 2)
        answer = http("GET", f"/api/messages/{message_id}")
        (message,) = answer.body["messages"]
        assert [event["hop"] for event in message["trace"]] == TRACE
        assert message["state"] == {"name": "DELIVERED", "number": 2}
        assert message["error"] == {"code": 0, "meaning": "no error"}
        assert (message["destination"], message["account"], message["attempts"]) == ("8613800130000", "smppclient1", 1)
        assert message["submitted_at"] == "2026-11-22T09:30:00.000Z" and message["done_at"].endswith("Z")

    def test_a_failure_carries_its_map_meaning(self, clock, smsc):
        """An undeliverable message names its MAP error in words."""
        factory, session, http = smsc
        message_id = submit(session, "0001")
        run_for(clock, 60)
        (message,) = http("GET", f"/api/messages/{message_id}").body["messages"]
        assert message["state"]["name"] == "UNDELIVERABLE"
        assert message["error"] == {"code": 1, "meaning": "unknown subscriber: the number is not in service"}

    def test_submit_multi_id_names_every_destination(self, clock, smsc):
        """A submit_multi's message_id returns one message per destination, in the order given."""
        factory, session, http = smsc
        submit(session, "0000")  # an earlier message, which must not join the list
        numbers = ("8613800010000", "8613800020000", "8613800030000")
        template = SubmitSm(SOURCE, Address(), b"sale today", registered_delivery=1)
        session.send_raw(multi.write_submit_multi(9, SubmitMulti(SOURCE, tuple(Address(1, 1, n) for n in numbers), (), template)))
        ((_, response),) = [(h, v) for h, v in session.received() if h.command_name == "submit_multi_resp"]
        body = http("GET", f"/api/messages/{response.message_id}").body
        assert [message["destination"] for message in body["messages"]] == list(numbers)

    def test_unknown_id_is_404(self, smsc):
        """A message_id nobody was given is a 404 that says so."""
        answer = smsc[2]("GET", "/api/messages/nope")
        assert answer.status == 404 and "'nope'" in answer.body["error"] and "?dest=" in answer.body["error"]


def named(fields: list[dict]) -> dict:
    return {field["name"]: field["value"] for field in fields}


class TestInspector:
    def test_delivered_message_shows_its_submit_answer_and_receipt(self, clock, smsc):
        """A delivered message lists the submit_sm as received, the submit_sm_resp answered with
        the same sequence_number, and its receipt deliver_sm with receipted_message_id and state."""
        factory, session, http = smsc
        message_id = submit(session, "0000")
        run_for(clock, 2)
        (message,) = http("GET", f"/api/messages/{message_id}").body["messages"]
        submit_sm, response, receipt = message["pdus"]
        assert [pdu["command"] for pdu in message["pdus"]] == ["submit_sm", "submit_sm_resp", "deliver_sm"]
        assert (submit_sm["direction"], submit_sm["at"]) == ("received from ESME", message["submitted_at"])
        body = named(submit_sm["body"])
        assert (body["destination_addr"], body["source_addr"], body["registered_delivery"]) == ("8613800130000", "10690001", 1)
        assert [field for field in submit_sm["body"] if field["name"] == "short_message"][0]["text"] == "Your code is 1234"
        assert named(response["body"]) == {"message_id": message_id}
        assert named(response["header"])["sequence_number"] == named(submit_sm["header"])["sequence_number"]
        assert named(response["header"])["command_status"] == 0 and "as the SMSC answered it" in response["note"]
        tlvs = named(receipt["tlvs"])
        assert (tlvs["receipted_message_id"], tlvs["message_state"]) == (message_id, 2)
        (short_message,) = [field for field in receipt["body"] if field["name"] == "short_message"]
        assert short_message["receipt"]["stat"] == "DELIVRD" and receipt["answer"] == "deliver_sm_resp received"
        assert message["why"] is None

    def test_failed_message_says_why(self, clock, smsc):
        """An undeliverable message's why names its receipt stat and its MAP error; its receipt says UNDELIVERABLE."""
        factory, session, http = smsc
        message_id = submit(session, "0001")
        run_for(clock, 60)
        (message,) = http("GET", f"/api/messages/{message_id}").body["messages"]
        assert message["why"] == "UNDELIV: unknown subscriber: the number is not in service"
        assert named(message["pdus"][-1]["tlvs"])["message_state"] == 5

    def test_held_message_says_where_it_waits(self, clock, smsc):
        """A message held for a tower that is down says so, naming the tower."""
        factory, session, http = smsc
        for tower in factory.sink.network.towers:
            factory.sink.set_tower(tower, up=False)
        message_id = submit(session, "0000")
        run_for(clock, 2)
        (message,) = http("GET", f"/api/messages/{message_id}").body["messages"]
        assert re.fullmatch(r"pending: held: tower CM-\d is down; last error 034: system failure in the network .*", message["why"])
        assert [pdu["command"] for pdu in message["pdus"]] == ["submit_sm", "submit_sm_resp"]

    def test_submit_multi_destination_is_marked_as_encoded_by_the_smsc(self, clock, smsc):
        """A submit_multi's destination shows the submit_sm the SMSC encoded for it, marked so, and no made-up answer."""
        factory, session, http = smsc
        template = SubmitSm(SOURCE, Address(), b"sale today", registered_delivery=1)
        session.send_raw(multi.write_submit_multi(9, SubmitMulti(SOURCE, (Address(1, 1, "8613800010000"),), (), template)))
        ((_, response),) = [(h, v) for h, v in session.received() if h.command_name == "submit_multi_resp"]
        (message,) = http("GET", f"/api/messages/{response.message_id}").body["messages"]
        assert [pdu["command"] for pdu in message["pdus"]] == ["submit_sm"] and "encoded by the SMSC" in message["pdus"][0]["note"]

    def test_found_by_the_smsc_number_too(self, clock):
        """An id that is no message_id but a whole number finds the message by the SMSC's own number."""
        factory = make_factory(clock, account(personality="uuid"))
        session = WireSession(factory, answer_deliveries=True)
        session.bind()
        http = Http(Api(factory.sink, factory, clock).site())
        message_id = submit(session, "0000")
        (message,) = http("GET", f"/api/messages/{message_id}").body["messages"]
        assert len(message_id) == 36 and http("GET", f"/api/messages/{message['number']}").body["message_id"] == message_id


class TestMessageList:
    def test_newest_first_in_pages(self, clock, smsc):
        """Pages come newest first; `next` fetches the following page and is null on the last."""
        factory, session, http = smsc
        ids = [submit(session, "0000") for _ in range(5)]
        first = http("GET", "/api/messages?limit=3").body
        second = http("GET", f"/api/messages?limit=3&before={first['next']}").body
        assert [m["message_id"] for m in first["messages"] + second["messages"]] == ids[::-1]
        assert second["next"] is None

    def test_filters_by_state_name_destination_and_account(self, clock, smsc):
        """state takes a name in any case; dest and account narrow the list."""
        factory, session, http = smsc
        delivered, failed = submit(session, "0000"), submit(session, "0001")
        run_for(clock, 60)
        assert [m["message_id"] for m in http("GET", "/api/messages?state=undeliverable").body["messages"]] == [failed]
        assert [m["message_id"] for m in http("GET", "/api/messages?dest=8613800130000&account=smppclient1").body["messages"]] == [delivered]
        assert http("GET", "/api/messages?account=other").body == {"messages": [], "next": None}

    @pytest.mark.parametrize("query, words", [
        ("state=LOST", "state must be one of"),
        ("limit=0", "limit must be a whole number from 1 to 500, got '0'"),
        ("before=x", "before must be a whole number of at least 1"),
        ("dest=abc", "dest must be a number in digits"),
        ("colour=red", "unknown parameter colour"),
    ])  # fmt: skip
    def test_bad_parameters_are_400_naming_them(self, smsc, query, words):
        """Each bad parameter is a 400 naming the parameter and what was expected."""
        answer = smsc[2]("GET", f"/api/messages?{query}")
        assert answer.status == 400 and words in answer.body["error"]


class TestStats:
    def test_accounts_towers_carriers_and_rates(self, clock, smsc):
        """Submits show in the account's counters, the towers' sent counts, the carrier's sums and the rates."""
        factory, session, http = smsc
        for _ in range(3):
            submit(session, "0000")
        run_for(clock, 2)
        stats = http("GET", "/api/stats").body
        assert stats["accounts"]["smppclient1"]["counters"] == {"delivered": 3, "submitted": 3}
        assert stats["accounts"]["smppclient1"]["sessions"] == 1
        (mobile,) = [carrier for carrier in stats["carriers"] if carrier["name"] == "China Mobile"]
        assert (mobile["sent"], mobile["towers"], mobile["towers_up"]) == (3, 4, 4)
        assert sum(tower["sent"] for tower in stats["towers"]) == 3
        assert stats["rates"]["submitted"] == {"10s": 0.3, "60s": 0.05}
        assert stats["pending"] == 0


class TestRates:
    def test_counts_fall_out_of_their_window(self, clock):
        """An event counts in the 10 s rate for 10 seconds and in the 60 s rate for 60."""
        counted = rates.Rates(clock)
        counted.count("submitted", 20)
        clock.advance(9)
        assert (counted.per_second("submitted", 10), counted.per_second("submitted", 60)) == (2.0, 20 / 60)
        clock.advance(1)
        assert counted.per_second("submitted", 10) == 0.0
        clock.advance(50)
        assert counted.per_second("submitted", 60) == 0.0

    def test_memory_stays_one_ring(self, clock):
        """A bucket reused a minute later counts afresh: memory is SPAN buckets however long it runs."""
        counted = rates.Rates(clock)
        for _ in range(500):
            counted.count("delivered")
            clock.advance(1)
        assert counted.per_second("delivered", 60) == 59 / 60 and len(counted._rings["delivered"]) == rates.SPAN


class TestMo:
    def test_mo_reaches_a_bound_receiver(self, clock, smsc):
        """POST /api/mo answers 202 with the account and the ESME gets the text as deliver_sm."""
        factory, session, http = smsc
        answer = http("POST", "/api/mo", {"from": "8613800138000", "to": "10690001", "text": "STOP"})
        assert (answer.status, answer.body) == (202, {"from": "8613800138000", "to": "10690001", "account": "smppclient1", "segments": 1})
        (delivered,) = deliveries(session)
        assert delivered.short_message == b"STOP"
        assert (delivered.source.ton, delivered.source.npi, delivered.destination.ton, delivered.destination.npi) == (1, 1, 2, 0)

    @pytest.mark.parametrize("body, words", [
        ({"from": "+86138", "to": "10690001", "text": "x"}, "from must be a string of 1 to 20 digits"),
        ({"from": "8613800138000", "to": 10690001, "text": "x"}, "to must be a string of 1 to 20 digits"),
        ({"from": "8613800138000", "to": "10690001", "text": ""}, "text must be a non-empty string"),
        ({"from": "8613800138000", "to": "10690001"}, "missing field text"),
        ({"from": "1", "to": "2", "text": "x", "via": "y"}, "unknown field via"),
    ])  # fmt: skip
    def test_bad_bodies_are_400(self, smsc, body, words):
        """A body with a wrong, missing or unknown field is a 400 naming it."""
        answer = smsc[2]("POST", "/api/mo", body)
        assert answer.status == 400 and words in answer.body["error"]


class TestTowers:
    def test_down_holds_messages_and_up_releases_them(self, clock, smsc):
        """A tower taken down holds its messages; brought back up with a new capacity, it delivers them."""
        factory, session, http = smsc
        tower = factory.sink.network.tower_for("8613800130000").id
        assert http("POST", f"/api/towers/{tower}", {"up": False}).body["up"] is False
        submit(session, "0000")
        run_for(clock, 2)
        assert http("GET", "/api/stats").body["towers"][list(factory.sink.network.towers).index(tower)]["held"] == 1
        snapshot = http("POST", f"/api/towers/{tower}", {"up": True, "capacity": 5}).body
        assert (snapshot["up"], snapshot["capacity"]) == (True, 5.0)
        run_for(clock, 2)
        assert parse_receipt(deliveries(session)[0].short_message.decode()).state.name == "DELIVERED"

    def test_unknown_tower_is_404_listing_the_towers(self, smsc):
        """An unknown tower is a 404 that names the real ones."""
        answer = smsc[2]("POST", "/api/towers/XX-1", {"up": False})
        assert answer.status == 404 and "CM-1, CM-2" in answer.body["error"]

    @pytest.mark.parametrize("body, words", [
        ({}, 'give "up"'),
        ({"capacity": 0}, "capacity must be a number of messages a second greater than 0"),
        ({"capacity": True}, "capacity must be a number"),
        ({"down": True}, "unknown field down"),
    ])  # fmt: skip
    def test_bad_bodies_are_400(self, smsc, body, words):
        """An empty body, a bad capacity or an unknown field is a 400 naming it."""
        answer = smsc[2]("POST", "/api/towers/CM-1", body)
        assert answer.status == 400 and words in answer.body["error"]


class TestFaults:
    def test_account_faults_reach_bound_and_later_sessions(self, clock, smsc):
        """Faults set for an account switch its bound session now and every later bind."""
        factory, session, http = smsc
        answer = http("POST", "/api/faults", {"account": "smppclient1", "faults": {"error_share": 1.0, "error_status": "ESME_RSYSERR"}})
        assert answer.body == {"account": "smppclient1", "faults": {"error_share": 1.0}, "sessions_changed": 1}
        later = WireSession(factory, port=40001)
        later.bind(BindType.TRANSMITTER)
        assert later.protocol.faults.error_share == 1.0
        session.send(SubmitSm(SOURCE, Address(1, 1, "8613800130000"), b"x"))
        ((header, _),) = session.received()
        assert header.command_status == 0x08
        listed = http("GET", "/api/faults").body
        assert listed["accounts"] == {"smppclient1": {"error_share": 1.0}}
        assert [s["session"] for s in listed["sessions"]] == ["127.0.0.1:40000", "127.0.0.1:40001"]

    def test_one_session_by_address(self, clock, smsc):
        """Naming a session's HOST:PORT switches that session alone."""
        factory, session, http = smsc
        other = WireSession(factory, port=40001)
        other.bind()
        answer = http("POST", "/api/faults", {"session": "127.0.0.1:40001", "faults": {"response_delay": 2}})
        assert answer.body == {"session": "127.0.0.1:40001", "account": "smppclient1", "bind": "transceiver", "faults": {"response_delay": 2.0}}
        assert (session.protocol.faults.response_delay, other.protocol.faults.response_delay) == (0.0, 2.0)

    def test_duplicate_receipts_switched_at_run_time(self, clock, smsc):
        """duplicate_receipts set through the API doubles the receipts the engine sends."""
        factory, session, http = smsc
        http("POST", "/api/faults", {"account": "smppclient1", "faults": {"duplicate_receipts": True}})
        submit(session, "0000")
        run_for(clock, 2)
        assert len(deliveries(session)) == 2

    def test_mistakes_read_as_in_the_config_file(self, smsc):
        """A bad fault setting is a 400 naming its path and what was expected, as the config file's check does."""
        answer = smsc[2]("POST", "/api/faults", {"account": "smppclient1", "faults": {"error_share": 2}})
        assert answer.status == 400
        assert answer.body["problems"] == [{"path": "faults.error_share", "message": "error_share must be a share between 0 and 1, got 2.0"}]

    @pytest.mark.parametrize("body, status, words", [
        ({"account": "nobody", "faults": {}}, 404, "no account 'nobody'; accounts are smppclient1"),
        ({"session": "10.0.0.1:1", "faults": {}}, 404, "bound sessions are 127.0.0.1:40000"),
        ({"faults": {}}, 400, 'name either "account"'),
        ({"account": "smppclient1", "faults": []}, 400, "faults must be an object"),
    ])  # fmt: skip
    def test_unknown_targets_and_shapes(self, smsc, body, status, words):
        """An unknown account or session is a 404; a missing target or a faults list is a 400."""
        answer = smsc[2]("POST", "/api/faults", body)
        assert answer.status == status and words in answer.body["error"]


class TestDropSessions:
    def test_an_accounts_sessions_are_closed(self, clock, smsc):
        """Dropping an account closes each of its bound sessions without an unbind and names them."""
        factory, session, http = smsc
        other = WireSession(factory, port=40001)
        other.bind(BindType.TRANSMITTER)
        answer = http("POST", "/api/sessions/drop", {"account": "smppclient1"})
        assert answer.status == 200
        assert answer.body == {"account": "smppclient1", "dropped": ["127.0.0.1:40000", "127.0.0.1:40001"]}
        assert session.transport.disconnecting and other.transport.disconnecting
        assert [h.command_name for h, _ in session.received()] == []  # no unbind: the link just falls

    def test_one_session_by_address(self, clock, smsc):
        """Naming a session's HOST:PORT drops that session alone."""
        factory, session, http = smsc
        other = WireSession(factory, port=40001)
        other.bind()
        answer = http("POST", "/api/sessions/drop", {"session": "127.0.0.1:40001"})
        assert answer.body == {"dropped": ["127.0.0.1:40001"]}
        assert other.transport.disconnecting and not session.transport.disconnecting

    def test_an_account_with_nothing_bound_drops_nothing(self, clock):
        """An account with no bound session answers an empty list."""
        factory = make_factory(clock)
        http = Http(Api(factory.sink, factory, clock).site())
        assert http("POST", "/api/sessions/drop", {"account": "smppclient1"}).body == {"account": "smppclient1", "dropped": []}

    @pytest.mark.parametrize("body, status, words", [
        ({"account": "nobody"}, 404, "no account 'nobody'; accounts are smppclient1"),
        ({"session": "10.0.0.1:1"}, 404, "bound sessions are 127.0.0.1:40000"),
        ({}, 400, 'name either "account"'),
        ({"account": "smppclient1", "session": "127.0.0.1:40000"}, 400, 'name either "account"'),
        ({"account": "smppclient1", "now": True}, 400, "unknown field now"),
    ])  # fmt: skip
    def test_unknown_targets_and_shapes(self, smsc, body, status, words):
        """An unknown account or session is a 404; naming both, neither or an unknown field is a 400."""
        answer = smsc[2]("POST", "/api/sessions/drop", body)
        assert answer.status == status and words in answer.body["error"]


class TestOpenApi:
    def test_document_and_server_name_the_same_routes(self, clock, smsc):
        """Every route served is in the OpenAPI document with its method, and the document names no other."""
        factory = smsc[0]
        served = {(route.method.lower(), route.template) for route in Api(factory.sink, factory, clock).routes()}
        served.add(("get", LIVE_PATH))  # the dashboard's stream, served beside the JSON routes
        documented = {(method, path) for path, item in openapi_document()["paths"].items() for method in item}
        assert served == documented

    def test_path_parameters_are_documented(self):
        """Each {parameter} in a documented path is declared as a path parameter."""
        for path, item in openapi_document()["paths"].items():
            for operation in item.values():
                declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
                assert declared == set(p.strip("{}") for p in path.split("/") if p.startswith("{")), path

    def test_docs_have_a_section_per_route(self):
        """docs/api.md has a heading for every documented route but the index and the document itself."""
        text = (pathlib.Path(__file__).parents[2] / "docs" / "api.md").read_text()
        missing = [f"{method.upper()} {path}" for path, item in openapi_document()["paths"].items() for method in item
                   if path not in ("/api/", "/api/openapi.json") and f"{method.upper()} {path}" not in text]  # fmt: skip
        assert missing == []

    def test_served_at_api_openapi_json(self, smsc):
        """GET /api/openapi.json answers the document itself."""
        assert smsc[2]("GET", "/api/openapi.json").body["openapi"].startswith("3.")


# -- on loopback, `smsc serve` as a user starts it --------------------------------------------


@pytest.fixture
def client(smsc_server):
    client = smpplib.client.Client(*smsc_server.smpp, timeout=5, allow_unknown_opt_params=True)
    client.connect()
    yield client
    client.disconnect()


class TestLoopback:
    def test_trace_of_a_message_sent_over_smpp(self, smsc_server, client):
        """A message submitted with smpplib shows its full trace, receipt delivered included, at /api/messages/{id}."""
        sent = []
        client.set_message_sent_handler(lambda pdu: sent.append(pdu.message_id.decode()))
        client.bind_transceiver(system_id="smppclient1", password="password")
        client.send_message(source_addr_ton=1, source_addr="10690001", dest_addr_ton=1,
                            destination_addr="8613800130000", short_message=b"trace me", registered_delivery=True)  # fmt: skip
        read_until(client, lambda received: any(b"stat:DELIVRD" in pdu.short_message for pdu in received))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            status, body = call(smsc_server.api, "GET", f"/api/messages/{sent[0]}")
            hops = [event["hop"] for event in body["messages"][0]["trace"]] if status == 200 else []
            if hops == TRACE:
                break
            time.sleep(0.05)
        assert hops == TRACE

    def test_inspector_shows_the_pdus_smpplib_sent_and_the_receipts(self, smsc_server, client):
        """Over `smsc serve`: each message's submit_sm reads back with the fields smpplib sent, its
        receipt deliver_sm carries its id and state, and the failed one says why."""
        sent = {}
        client.set_message_sent_handler(lambda pdu: sent.setdefault(pdu.sequence, pdu.message_id.decode()))
        client.bind_transceiver(system_id="smppclient1", password="password")
        submits = {suffix: client.send_message(source_addr_ton=1, source_addr_npi=1, source_addr="10690001", dest_addr_ton=1,
                                               dest_addr_npi=1, destination_addr="861380013" + suffix, esm_class=0,
                                               short_message=f"inspect {suffix}".encode(), registered_delivery=True)
                   for suffix in ("0000", "0001")}  # fmt: skip
        read_until(client, lambda received: sum(b"stat:" in (pdu.short_message or b"") for pdu in received) >= 2)
        found = {}
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(found) < 2:
            for suffix, pdu in submits.items():
                status, body = call(smsc_server.api, "GET", f"/api/messages/{sent[pdu.sequence]}")
                if status == 200 and body["messages"][0]["trace"][-1]["hop"] == "receipt delivered":
                    found[suffix] = body["messages"][0]
            time.sleep(0.05)
        for suffix, pdu in submits.items():
            message = found[suffix]
            submit_sm, response, receipt = message["pdus"]
            body = named(submit_sm["body"])
            assert (body["source_addr_ton"], body["source_addr_npi"], body["source_addr"]) == (1, 1, "10690001")
            assert (body["dest_addr_ton"], body["dest_addr_npi"], body["destination_addr"]) == (1, 1, "861380013" + suffix)
            assert (body["registered_delivery"], body["esm_class"], body["data_coding"]) == (1, 0, 0)
            assert body["short_message"] == f"inspect {suffix}".encode().hex()
            assert named(submit_sm["header"])["sequence_number"] == named(response["header"])["sequence_number"] == pdu.sequence
            assert named(response["body"]) == {"message_id": sent[pdu.sequence]}
            assert named(receipt["tlvs"])["receipted_message_id"] == sent[pdu.sequence]
        assert named(found["0000"]["pdus"][2]["tlvs"])["message_state"] == 2 and found["0000"]["why"] is None
        assert named(found["0001"]["pdus"][2]["tlvs"])["message_state"] == 5
        assert found["0001"]["why"] == "UNDELIV: unknown subscriber: the number is not in service"

    def test_smsc_mo_reaches_a_bound_receiver(self, smsc_server, client):
        """`smsc mo` run as a command reaches the account's receiver as deliver_sm and exits 0."""
        client.bind_receiver(system_id="smppclient1", password="password")
        run = subprocess.run([sys.executable, "-m", "smsc.cli", "mo", "--from", "8613800138000", "--to", "10690001",
                              "--text", "hello from a handset", "--api", smsc_server.api], capture_output=True, text=True, timeout=10)  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert "stored for account smppclient1 (1 segment)" in run.stdout
        received = read_until(client, lambda got: any(pdu.short_message == b"hello from a handset" for pdu in got))
        assert any(pdu.short_message == b"hello from a handset" for pdu in received)

    def test_tower_down_shows_in_stats(self, smsc_server):
        """POST /api/towers/CM-1 {"up": false} shows in GET /api/stats: tower down, its carrier one tower short."""
        try:
            assert call(smsc_server.api, "POST", "/api/towers/CM-1", {"up": False})[0] == 200
            status, stats = call(smsc_server.api, "GET", "/api/stats")
            (tower,) = [t for t in stats["towers"] if t["id"] == "CM-1"]
            (mobile,) = [c for c in stats["carriers"] if c["name"] == "China Mobile"]
            assert (status, tower["up"], mobile["towers_up"], mobile["towers"]) == (200, False, 3, 4)
        finally:
            call(smsc_server.api, "POST", "/api/towers/CM-1", {"up": True})  # other tests share this server

    def test_smsc_mo_names_the_address_it_cannot_reach(self):
        """With no server at --api, `smsc mo` exits non-zero and says which address it tried."""
        run = subprocess.run([sys.executable, "-m", "smsc.cli", "mo", "--from", "1", "--to", "2", "--text", "x",
                              "--api", "http://127.0.0.1:9"], capture_output=True, text=True, timeout=10)  # fmt: skip
        assert run.returncode == 1 and "cannot reach the SMSC's HTTP API at http://127.0.0.1:9" in run.stderr
