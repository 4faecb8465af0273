"""Store and forward: lifecycle, test numbers, towers, retries, receipts, MO and restarts, over
an SMPP session on a virtual clock with the store on a real SQLite file."""

import random

import attrs
import pytest

from pdu import stored
from pdu.receipts import parse_receipt
from pdu.status import CommandStatus, MessageState
from pdu.wire import Address, Bind, BindType, DataSm, SubmitSm
from smsc.config import ThrottleAnswer
from smsc.engine import Engine
from smsc.network import Network as RunningNetwork
from smsc.network_config import DEFAULT_TEST_NUMBERS, Network, Tower
from smsc.sqlite_store import SqliteStore
from smsc.testing import WireSession, run_for

from .conftest import account, make_factory

SOURCE = Address(1, 1, "10690001")
FIVE_MINUTES = "000000000500000R"


def to(suffix: str, text: bytes = b"Your code is 1234", **fields) -> SubmitSm:
    fields.setdefault("registered_delivery", 1)
    return SubmitSm(SOURCE, Address(1, 1, "861380013" + suffix), text, **fields)


def submit(session, message) -> str:
    session.send(message)
    ((header, response),) = [(h, v) for h, v in session.received() if h.command_name == "submit_sm_resp"]
    assert header.command_status == 0, hex(header.command_status)
    return response.message_id


def receipts(session) -> list:
    return [parse_receipt(value.short_message.decode()) for header, value in session.received()
            if header.command_name == "deliver_sm" and value.esm_class & 0x04]  # fmt: skip


def trace(factory, message_id: str) -> list[str]:
    stored_message = factory.sink._store.message(message_id).result
    return [event.hop for event in factory.sink._store.events(stored_message.number).result]


@pytest.fixture
def bound(clock):
    factory = make_factory(clock)
    session = WireSession(factory, answer_deliveries=True)
    session.bind()
    return factory, session


OUTCOMES = {
    "0000": ("DELIVRD", 0, 1),
    "0001": ("UNDELIV", 1, 60),
    "0002": ("EXPIRED", 27, 400),
    "0003": ("DELIVRD", 0, 120),
    "0004": ("EXPIRED", 32, 400),
    "0005": ("REJECTD", 13, 60),
    "0006": ("DELIVRD", 0, 60),
    "0009": ("DELIVRD", 0, 60),
}


class TestTestNumbers:
    @pytest.mark.parametrize("suffix", sorted(OUTCOMES))
    def test_each_reserved_number_gives_its_outcome(self, clock, bound, suffix):
        """Each reserved suffix ends in its documented receipt state and MAP error."""
        factory, session = bound
        state, error, seconds = OUTCOMES[suffix]
        message_id = submit(session, to(suffix, validity_period=FIVE_MINUTES))
        run_for(clock, seconds)
        (receipt,) = receipts(session)
        assert (receipt.message_id, receipt.state.name[:7].replace("UNDELIVE", "UNDELIV"), receipt.error) == (
            message_id, {"DELIVRD": "DELIVER", "UNDELIV": "UNDELIV", "EXPIRED": "EXPIRED", "REJECTD": "REJECTE"}[state], error)  # fmt: skip

    def test_every_default_test_number_is_covered_here(self):
        """The table above and the shipped table name the same suffixes (0007, 0008 and 0010 have their own tests)."""
        assert {number.suffix for number in DEFAULT_TEST_NUMBERS} == set(OUTCOMES) | {"0007", "0008", "0010"}

    def test_slow_tower_takes_its_time(self, clock, bound):
        """0006 waits 30 s in the tower's standing queue before delivery."""
        _, session = bound
        submit(session, to("0006"))
        run_for(clock, 29)
        assert receipts(session) == []
        run_for(clock, 31)
        assert [receipt.state for receipt in receipts(session)] == [MessageState.DELIVERED]

    def test_lost_receipt_never_comes(self, clock, bound):
        """0007 is delivered, but no receipt ever reaches the ESME; the trace says why."""
        factory, session = bound
        message_id = submit(session, to("0007"))
        run_for(clock, 3600)
        assert receipts(session) == []
        assert trace(factory, message_id)[-2:] == ["delivered", "receipt lost"]

    def test_handset_replies_with_an_mo(self, clock, bound):
        """0008 is delivered, then the handset answers "OK" to the sender's address."""
        _, session = bound
        submit(session, to("0008"))
        run_for(clock, 60)
        pdus = [value for header, value in session.received() if header.command_name == "deliver_sm"]
        mo = [value for value in pdus if not value.esm_class & 0x04]
        assert [(value.source.digits, value.destination.digits, value.short_message) for value in mo] == [
            ("8613800130008", "10690001", b"OK")
        ]

    def test_absent_then_back_sends_an_intermediate_notification(self, clock, bound):
        """With registered_delivery 0x11, the first failed attempt on 0003 is reported ENROUTE
        err 027, and the final DELIVRD follows when the handset returns a minute later."""
        _, session = bound
        submit(session, to("0003", registered_delivery=0x11))
        run_for(clock, 30)
        (notification,) = receipts(session)
        assert (notification.state, notification.error) == (MessageState.ENROUTE, 27)
        run_for(clock, 60)
        *retried, final = receipts(session)
        assert {(receipt.state, receipt.error) for receipt in retried} <= {(MessageState.ENROUTE, 27)}
        assert final.state is MessageState.DELIVERED


class TestLifecycle:
    def test_trace_has_every_hop_in_order(self, clock, bound):
        """A delivered message's trace: received, stored, routed, queued at tower, attempt,
        handset, delivered, receipt queued, receipt delivered."""
        factory, session = bound
        message_id = submit(session, to("0000"))
        run_for(clock, 1)
        receipts(session)
        assert trace(factory, message_id) == [
            "received", "stored", "routed", "queued at tower", "attempt 1", "handset",
            "delivered", "receipt queued", "receipt delivered",
        ]  # fmt: skip

    def test_query_follows_the_states(self, clock, bound):
        """ACCEPTED while waiting for its schedule, ENROUTE while retried, then final."""
        _, session = bound
        message_id = submit(session, to("0003", schedule_delivery_time="000000000100000R"))
        states = []
        for seconds in (30, 60, 120):
            run_for(clock, seconds)
            session.received()
            session.send(stored.QuerySm(message_id, SOURCE))
            ((_, answer),) = session.received()
            states.append((MessageState(answer.message_state), answer.error_code))
        assert states == [(MessageState.ACCEPTED, 0), (MessageState.ENROUTE, 27), (MessageState.DELIVERED, 0)]

    def test_absolute_validity_period(self, clock, bound):
        """An absolute validity_period two minutes ahead expires the never-reachable 0002."""
        _, session = bound
        submit(session, to("0002", validity_period="261122093200000+"))
        run_for(clock, 119)
        assert receipts(session) == []
        run_for(clock, 2)
        assert [receipt.state for receipt in receipts(session)] == [MessageState.EXPIRED]

    def test_replace_if_present_replaces_the_pending_message(self, clock, bound):
        """A second submit with replace_if_present_flag to the same handset replaces the text
        of the one still pending and keeps its message_id."""
        _, session = bound
        later = "000000000100000R"
        first = submit(session, to("0000", b"old text", schedule_delivery_time=later))
        second = submit(session, to("0000", b"new text", schedule_delivery_time=later, replace_if_present_flag=1))
        run_for(clock, 61)
        (receipt,) = receipts(session)
        assert first == second and receipt.text == "new text"


def congested(clock, **tower):
    """One carrier with one tower, for queueing tests."""
    carrier = attrs.evolve(Network().carriers[0], prefixes=("86",), towers=(Tower("T1", **tower),))
    network = Network(carriers=(carrier,))
    factory = make_factory(clock, account(throttle_answer=ThrottleAnswer.QUEUE_FULL), network=network)
    session = WireSession(factory, answer_deliveries=True)
    session.bind()
    return factory, session


class TestTowers:
    def test_queue_delay_grows_past_capacity(self, clock):
        """A tower of 10 messages a second takes 50 messages in about 5 seconds."""
        _, session = congested(clock, capacity=10.0, queue_limit=1000)
        for _ in range(50):
            submit(session, to("0000"))
        run_for(clock, 4)
        early = len(receipts(session))
        run_for(clock, 2)
        assert 35 <= early < 50 and early + len(receipts(session)) == 50

    def test_full_queue_pushes_back_with_the_accounts_answer(self, clock):
        """Past the tower's queue limit submits get the account's throttle answer, and are
        accepted again once the queue drains."""
        _, session = congested(clock, capacity=10.0, queue_limit=20)
        statuses = []
        for _ in range(25):
            session.send(to("0000"))
            statuses += [header.command_status for header, _ in session.received() if header.command_name == "submit_sm_resp"]
        assert statuses.count(0) == 20 and set(statuses[20:]) == {CommandStatus.ESME_RMSGQFUL}
        run_for(clock, 3)
        session.received()
        submit(session, to("0000"))

    def test_outage_holds_traffic_until_the_tower_returns(self, clock):
        """Messages for a tower that is down wait (no receipt); they go out when it is back."""
        factory, session = congested(clock, capacity=100.0)
        factory.sink.set_tower("T1", up=False)
        for _ in range(3):
            submit(session, to("0000"))
        run_for(clock, 600)
        assert receipts(session) == []
        factory.sink.set_tower("T1", up=True)
        run_for(clock, 1)
        assert [receipt.state for receipt in receipts(session)] == [MessageState.DELIVERED] * 3

    def test_outage_past_validity_expires(self, clock):
        """A message held by an outage longer than its validity ends EXPIRED."""
        factory, session = congested(clock)
        factory.sink.set_tower("T1", up=False)
        submit(session, to("0000", validity_period=FIVE_MINUTES))
        run_for(clock, 301)
        assert [(receipt.state, receipt.error) for receipt in receipts(session)] == [(MessageState.EXPIRED, 34)]

    def test_a_slow_transit_does_not_hold_up_the_tower(self):
        """A message whose transit is 900 s (the latency's tail) does not make the ones routed
        after it, with a 1 s transit, wait for it: the tower serves them in the order they left."""
        carrier = attrs.evolve(Network().carriers[0], prefixes=("86",), towers=(Tower("T1", capacity=10.0),))
        network = RunningNetwork(Network(carriers=(carrier,)), random.Random(1))
        tower = network.towers["T1"]
        slow = network.route(tower, 0.0, transit=900.0)
        quick = network.route(tower, 0.01, transit=1.0)
        assert slow.on_air_at >= 900.0 and quick.on_air_at < 2.0
        assert tower.air.waiting(0.5) <= 2  # the queue is the booked service time, not the transit

    def test_priority_skips_the_queue(self, clock):
        """A priority message behind a long queue is on air long before the queue drains."""
        _, session = congested(clock, capacity=1.0, queue_limit=1000)
        for _ in range(30):
            submit(session, to("0000", registered_delivery=0))
        urgent = submit(session, to("0000", priority_flag=1))
        run_for(clock, 2)
        assert [receipt.message_id for receipt in receipts(session)] == [urgent]


class TestRestart:
    def restart(self, clock, factory):
        """A new SMSC on the same data directory, as after a crash (nothing closed cleanly)."""
        factory.sink.stop()
        again = make_factory(clock, data=factory.smsc_config.data)
        session = WireSession(again, port=40001, answer_deliveries=True)
        session.send(Bind(BindType.TRANSCEIVER, "smppclient1", "password"))  # receipts may follow the response
        return again, session

    def test_pending_messages_survive_a_restart(self, clock, bound):
        """A message scheduled for later is delivered by the next run, under the same id."""
        factory, session = bound
        message_id = submit(session, to("0000", schedule_delivery_time="000000001000000R"))
        _, session = self.restart(clock, factory)
        run_for(clock, 601)
        assert [receipt.message_id for receipt in receipts(session)] == [message_id]

    def test_pending_data_sm_survives_a_restart(self, clock, bound):
        """A data_sm kept as it came (its octets) is read back and delivered by the next run."""
        factory, session = bound
        session.send(DataSm(SOURCE, Address(1, 1, "8613800130003"), registered_delivery=1, tlvs={"message_payload": b"hi"}))
        ((_, response),) = session.received()
        run_for(clock, 10)  # the handset is absent for a minute
        _, session = self.restart(clock, factory)
        run_for(clock, 120)
        (receipt,) = receipts(session)
        assert (receipt.message_id, receipt.state, receipt.text) == (response.message_id, MessageState.DELIVERED, "hi")

    def test_unsent_receipts_survive_a_restart(self, clock):
        """Receipts waiting for a receiver when the SMSC stops are sent by the next run."""
        factory = make_factory(clock)
        transmitter = WireSession(factory)
        transmitter.bind(BindType.TRANSMITTER)
        message_id = submit(transmitter, to("0000"))
        run_for(clock, 1)
        assert factory.outbound.waiting("smppclient1") == 1
        _, session = self.restart(clock, factory)
        assert [receipt.message_id for receipt in receipts(session)] == [message_id]

    def test_numbers_continue_after_a_restart(self, clock, bound):
        """No message_id is given twice, across restarts."""
        factory, session = bound
        first = submit(session, to("0000"))
        _, session = self.restart(clock, factory)
        assert int(submit(session, to("0000"))) > int(first)


class TestMobileOriginated:
    def test_injected_long_mo_arrives_segmented(self, clock, bound):
        """A 200-character MO reaches the ESME as two deliver_sm with a concatenation UDH."""
        factory, session = bound
        factory.sink.inject_mo(Address(1, 1, "8613800138000"), Address(0, 0, "10690001"), "x" * 200)
        pdus = [value for header, value in session.received() if header.command_name == "deliver_sm"]
        assert [value.esm_class for value in pdus] == [0x40, 0x40]
        assert [value.short_message[:3] for value in pdus] == [b"\x05\x00\x03"] * 2


def test_engine_runs_unchanged_on_a_virtual_clock(clock, tmp_path):
    """The engine reads time only from its clock: an hour of retries passes in no real time."""
    factory = make_factory(clock)
    store = SqliteStore.open(str(tmp_path), clock, threaded=False)
    engine = Engine(factory.smsc_config, store, factory.outbound, clock, random.Random(1))
    engine.start()
    engine.submit(factory.smsc_config.accounts[0], to("0002", validity_period="000000010000000R"))
    run_for(clock, 3601)
    assert engine.pending_count() == 0 and engine.stats.snapshot()["smppclient1"]["expired: absent_subscriber"] == 1


class TestAlertNotification:
    def test_sent_when_an_absent_handset_returns(self, clock):
        """An account with alert_notification hears when 0003's handset is back, once."""
        factory = make_factory(clock, account(alert_notification=True))
        session = WireSession(factory, answer_deliveries=True)
        session.bind()
        for _ in range(2):
            submit(session, to("0003", registered_delivery=0))
        run_for(clock, 59)  # absent for a minute from its first attempt, a second or so after submit
        assert session.received() == []
        run_for(clock, 15)
        alerts = [value for header, value in session.received() if header.command_name == "alert_notification"]
        assert [(alert.handset.digits, alert.esme.digits, alert.ms_availability_status) for alert in alerts] == [
            ("8613800130003", "10690001", 0)
        ]

    def test_not_sent_unless_configured(self, clock, bound):
        """By default an account gets no alert_notification."""
        _, session = bound
        submit(session, to("0003", registered_delivery=0))
        run_for(clock, 120)
        assert [header.command_name for header, _ in session.received()] == []


class TestRetention:
    def test_finished_messages_go_after_the_retention(self, clock):
        """A delivered message is kept retention_days, then the hourly purge removes it."""
        from smsc.config import StoreSettings

        factory = make_factory(clock, store=StoreSettings(retention_days=1))
        session = WireSession(factory, answer_deliveries=True)
        session.bind()
        message_id = submit(session, to("0000"))
        run_for(clock, 3600)
        assert factory.sink._store.message(message_id).result is not None
        run_for(clock, 86400)
        assert factory.sink._store.message(message_id).result is None
