"""Phone to phone: a handset's message to another handset goes through the SMSC like any
message (stored, routed, queued at the recipient's tower, delivered), under the built-in
account `handsets`, with no receipt and no ESME involved; in memory, and through the API."""

import pytest

from pdu.fields import Address
from smsc import p2p
from smsc.config import Config
from smsc.errors import SmppError
from smsc.network_config import Carrier, Network, Tower
from smsc.policy.config import KeywordList, Policy
from smsc.policy.decisions import KeywordAction
from smsc.policy.statuses import PolicyStatus
from smsc.testing import run_for

from .conftest import make_factory
from .test_http_api import Http
from smsc.http.api import Api

ALICE, BOB = Address(1, 1, "8613800138000"), Address(1, 1, "8613900139000")


def fired(deferred, clock, seconds: float = 1.0):
    got = []
    deferred.addBoth(got.append)
    run_for(clock, seconds)
    assert got, "never fired"
    return got[0]


def trace(engine, clock, message_id: str):
    stored = fired(engine.store.message(message_id), clock)
    return stored, [(event.hop, event.detail) for event in fired(engine.store.events(stored.number), clock)]


class TestEngine:
    def test_delivered_through_both_towers_with_every_hop(self, clock):
        factory = make_factory(clock)
        engine = factory.sink
        message_id, segments = fired(engine.send_p2p(ALICE, BOB, "See you at eight"), clock, 30)
        stored, hops = trace(engine, clock, message_id)
        sender, recipient = engine.tower_of(ALICE).id, engine.tower_of(BOB).id
        assert segments == 1 and stored.account == "handsets" and stored.state == 2  # DELIVERED
        assert hops[0] == ("received", f"from handset 8613800138000 via tower {sender}, 16 octets")
        assert hops[1] == ("stored", "on disk")
        assert ("routed", f"to China Mobile, tower {recipient}") in hops and hops[-2][0] == "delivered"
        assert hops[-1] == ("status report", f"to handset 8613800138000 via tower {sender}: DELIVERED")
        assert not [hop for hop, _ in hops if hop.startswith("receipt")]  # no SMPP receipt for anyone

    def test_a_long_text_goes_as_segments_under_one_message_id(self, clock):
        engine = make_factory(clock).sink
        message_id, segments = fired(engine.send_p2p(ALICE, BOB, "Running late, the train is stuck outside the station. " * 4), clock, 30)
        assert segments == 2 and engine.stats.snapshot()["handsets"]["delivered"] == 2

    def test_a_refused_segment_refuses_the_whole_message(self, clock, tmp_path):
        """A blocked keyword in the second segment only: nothing is stored, nothing delivered;
        the recipient never gets half of it."""
        (tmp_path / "lottery.txt").write_text("lottery\n", encoding="utf-8")
        policy = Policy(keywords=(KeywordList("lottery", str(tmp_path / "lottery.txt"), KeywordAction.REJECT),))
        engine = make_factory(clock, policy=policy).sink
        text = "Running late, the train is stuck outside the station. " * 3 + "Win the lottery!"
        failure = fired(engine.send_p2p(ALICE, BOB, text), clock, 30)
        assert failure.value.status == PolicyStatus.CONTENT_BLOCKED
        assert engine.pending_count() == 0 and "delivered" not in engine.stats.snapshot().get("handsets", {})

    @pytest.mark.parametrize("why, words", [("down", "is down: the handset has no network"), ("none", "there is no tower to send from")])
    def test_a_handset_without_a_tower_cannot_send(self, clock, why, words):
        """The sender's tower down, or no carrier serving the sender: refused, nothing stored."""
        if why == "down":
            engine = make_factory(clock).sink
            engine.set_tower(engine.tower_of(ALICE).id, up=False)
        else:
            carrier = Carrier(name="China Mobile", prefixes=("86139",), towers=(Tower(id="CM-1"),))
            engine = make_factory(clock, network=Network(carriers=(carrier,))).sink
        failure = fired(engine.send_p2p(ALICE, BOB, "hi"), clock)
        assert words in failure.value.reason and engine.pending_count() == 0

    def test_the_sender_is_no_esme_an_mo_goes_to(self, clock):
        """An MO to Alice's number after she sent phone to phone still goes to an ESME account."""
        engine = make_factory(clock).sink
        fired(engine.send_p2p(ALICE, BOB, "hi"), clock)
        answer = fired(engine.inject_mo(BOB, ALICE, "hi back"), clock)
        assert answer["account"] == "smppclient1"

    def test_refused_as_a_submit_would_be(self, clock):
        engine = make_factory(clock).sink
        failure = fired(engine.send_p2p(ALICE, Address(1, 1, "123"), "hi"), clock)
        assert isinstance(failure.value, SmppError) and failure.value.status == 0x0B

    def test_picked_up_again_after_a_restart(self, clock, tmp_path):
        """A phone-to-phone message pending when the SMSC stops is recovered and delivered."""
        factory = make_factory(clock, data=str(tmp_path))
        engine = factory.sink
        engine.set_tower(engine.tower_of(BOB).id, up=False)
        message_id, _ = fired(engine.send_p2p(ALICE, BOB, "held"), clock)
        engine.stop()
        engine.store.close()
        again = make_factory(clock, data=str(tmp_path)).sink
        assert again.pending_count() == 1
        run_for(clock, 30)
        assert trace(again, clock, message_id)[0].state == 2


def test_no_configured_account_may_be_called_handsets():
    with pytest.raises(ValueError, match="system_id handsets is the SMSC's own"):
        Config(accounts=(p2p.HANDSETS,))


class TestApi:
    @pytest.fixture
    def http(self, clock):
        factory = make_factory(clock)
        return Http(Api(factory.sink, factory, clock).site())

    def test_taken_with_its_message_ids(self, http):
        answer = http("POST", "/api/p2p", {"from": "8613800138000", "to": "8613900139000", "text": "See you at eight"})
        assert (answer.status, answer.body) == (202, {"from": "8613800138000", "to": "8613900139000", "message_id": "1", "segments": 1})

    def test_inspected_as_taken_from_the_tower(self, clock, http):
        """Its one PDU is the submit_sm it stands for, said to come from the sender's tower; no
        submit_sm_resp or receipt is shown, since none crossed a wire."""
        http("POST", "/api/p2p", {"from": "8613800138000", "to": "8613900139000", "text": "See you at eight"})
        run_for(clock, 30)
        [message] = http("GET", "/api/messages/1").body["messages"]
        assert [pdu["direction"] for pdu in message["pdus"]] == ["taken from the sender's tower"]
        assert message["account"] == "handsets" and message["why"] is None

    def test_counted_in_the_stats_under_handsets(self, clock, http):
        http("POST", "/api/p2p", {"from": "8613800138000", "to": "8613900139000", "text": "hi"})
        run_for(clock, 30)
        assert http("GET", "/api/stats").body["accounts"]["handsets"]["counters"]["delivered"] == 1

    def test_an_mo_too_long_is_a_400_too(self, http):
        answer = http("POST", "/api/mo", {"from": "8613800138000", "to": "10690001", "text": "x" * 40_000})
        assert answer.status == 400 and "text is too long" in answer.body["error"]

    @pytest.mark.parametrize("body, status, words", [
        ({"from": "8613800138000", "to": "123", "text": "hi"}, 409, "ESME_RINVDSTADR"),
        ({"from": "8613800138000", "to": "8613900139000", "text": ""}, 400, "text must be a non-empty string"),
        ({"from": "86138²", "to": "8613900139000", "text": "hi"}, 400, "from must be a string of 1 to 20 digits"),
        ({"from": "8613800138000", "text": "hi"}, 400, "missing field to"),
        ({"from": "8613800138000", "to": "8613900139000", "text": "x" * 40_000}, 400, "text is too long: the message needs 262 segments"),
    ])  # fmt: skip
    def test_refusals(self, http, body, status, words):
        answer = http("POST", "/api/p2p", body)
        assert answer.status == status and words in answer.body["error"]
