"""An ESME's session with the SMSC on the wire: binds, bind states, framing, window, receipts."""

import struct

import attrs
import pytest

from pdu import wire
from pdu.receipts import parse_receipt
from pdu.status import CommandStatus, MessageState
from pdu.wire import Address, Bind, BindType, DeliverSmResp, SubmitSm
from smsc.config import ThrottleAnswer, Timers
from smsc.testing import WireSession, run_for

from .conftest import StalledSink, account, make_factory

SUBMIT = SubmitSm(Address(1, 1, "1069000"), Address(1, 1, "8613800130000"), b"Your code is 1234", registered_delivery=1)


def status_of(response):
    header, _ = response
    return header.command_status


class TestBind:
    @pytest.mark.parametrize("bind_type", list(BindType))
    def test_bind_succeeds_and_names_the_interface_version(self, session, bind_type):
        """Each bind type with the default account answers OK, our system_id and sc_interface_version 0x34."""
        header, response = session.bind(bind_type)
        assert header.command_status == 0 and header.command_name == f"bind_{bind_type.value}_resp"
        assert response.system_id == "SMSC" and response.sc_interface_version == 0x34

    def test_wrong_password(self, session):
        """A known system_id with the wrong password is ESME_RINVPASWD (0x0E)."""
        assert status_of(session.bind(password="wrong")) == CommandStatus.ESME_RINVPASWD

    def test_unknown_system_id(self, session):
        """An unknown system_id is ESME_RINVSYSID (0x0F)."""
        assert status_of(session.bind(system_id="nobody")) == CommandStatus.ESME_RINVSYSID

    def test_bind_type_not_allowed(self, clock):
        """An account limited to transmitter binds cannot bind as receiver: ESME_RBINDFAIL (0x0D)."""
        session = WireSession(make_factory(clock, account(bind_types=("transmitter",))))
        assert status_of(session.bind(BindType.RECEIVER)) == CommandStatus.ESME_RBINDFAIL

    def test_too_many_binds(self, clock):
        """Binds past max_binds are ESME_RBINDFAIL; earlier ones keep working."""
        factory = make_factory(clock, account(max_binds=2))
        sessions = [WireSession(factory, port=40000 + n) for n in range(3)]
        statuses = [status_of(s.bind(BindType.TRANSMITTER)) for s in sessions]
        assert statuses == [0, 0, CommandStatus.ESME_RBINDFAIL]
        sessions[0].send(SUBMIT)
        assert status_of(sessions[0].received()[0]) == 0

    def test_second_bind_on_one_session(self, session):
        """Binding again on a bound session is ESME_RALYBND (0x05)."""
        session.bind()
        assert status_of(session.bind()) == CommandStatus.ESME_RALYBND

    def test_system_type_checked_when_configured(self, clock):
        """An account with a system_type refuses binds that present another: ESME_RINVSYSTYP."""
        session = WireSession(make_factory(clock, account(system_type="VMA")))
        assert status_of(session.bind(system_type="OTHER")) == CommandStatus.ESME_RINVSYSTYP
        assert status_of(session.bind(system_type="VMA")) == 0

    def test_long_password_is_refused_as_wrong_password(self, session):
        """A password over the 3.4 limit of 8 characters is ESME_RINVPASWD, not a crash."""
        body = b"smppclient1\0much-too-long\0\0\x34\x00\x00\0"
        session.send_raw(struct.pack("!LLLL", 16 + len(body), 0x09, 0, 3) + body)
        assert status_of(session.received()[0]) == CommandStatus.ESME_RINVPASWD
        assert not session.closed


class TestBindState:
    def test_submit_before_bind(self, session):
        """submit_sm on an unbound session is ESME_RINVBNDSTS; the session stays open."""
        session.send(SUBMIT)
        assert status_of(session.received()[0]) == CommandStatus.ESME_RINVBNDSTS
        assert not session.closed and status_of(session.bind()) == 0

    def test_receiver_cannot_submit(self, session):
        """A receiver bind may not submit: ESME_RINVBNDSTS."""
        session.bind(BindType.RECEIVER)
        session.send(SUBMIT)
        assert status_of(session.received()[0]) == CommandStatus.ESME_RINVBNDSTS

    def test_enquire_link_before_bind(self, session):
        """enquire_link is answered OK before binding."""
        sequence = session.send(wire.ENQUIRE_LINK)
        ((header, _),) = session.received()
        assert (header.command_name, header.command_status, header.sequence_number) == ("enquire_link_resp", 0, sequence)

    def test_unbind_answers_and_closes(self, session):
        """unbind is answered with unbind_resp, then the connection closes."""
        session.bind()
        session.send(wire.UNBIND)
        ((header, _),) = session.received()
        assert header.command_name == "unbind_resp" and header.command_status == 0
        assert session.closed


class TestFraming:
    def test_unknown_command_id_echoes_sequence_and_keeps_session(self, session):
        """An unknown command_id gets generic_nack 0x03 with the request's sequence; the session goes on."""
        session.bind()
        session.send_raw(struct.pack("!LLLL", 16, 0x00000999, 0, 4242))
        ((header, _),) = session.received()
        assert (header.command_name, header.command_status, header.sequence_number) == ("generic_nack", 3, 4242)
        session.send(SUBMIT)
        assert status_of(session.received()[0]) == 0

    @pytest.mark.parametrize("length", [8, 15, 0xFFFFFFFF, 70_001])
    def test_impossible_command_length_closes_at_once(self, session, length):
        """command_length below 16 or above the maximum: generic_nack 0x02 and close, no buffering."""
        session.send_raw(struct.pack("!LLLL", length, 4, 0, 7))
        ((header, _),) = session.received()
        assert (header.command_name, header.command_status) == ("generic_nack", CommandStatus.ESME_RINVCMDLEN)
        assert session.closed

    def test_garbled_body_is_answered_not_fatal(self, session):
        """A submit_sm whose body ends early is answered with an error status; the session stays."""
        session.bind()
        octets = wire.encode(SUBMIT, 9)
        garbled = struct.pack("!L", 30) + octets[4:30]
        session.send_raw(garbled)
        ((header, _),) = session.received()
        assert header.sequence_number == 9 and header.command_status != 0
        assert not session.closed

    def test_pdu_split_across_reads(self, session):
        """A PDU that arrives in pieces is read whole."""
        session.bind()
        octets = wire.encode(SUBMIT, 5)
        for start in range(0, len(octets), 7):
            session.send_raw(octets[start : start + 7])
        assert status_of(session.received()[0]) == 0

    def test_full_sequence_range_is_echoed(self, session):
        """Sequence numbers up to 0x7FFFFFFF are echoed as sent."""
        session.bind()
        session.send(SUBMIT, sequence_number=0x7FFFFFFF)
        ((header, _),) = session.received()
        assert header.sequence_number == 0x7FFFFFFF

    def test_our_sequence_numbers_wrap(self, session):
        """After 0x7FFFFFFF our own sequence numbers start again at 1."""
        session.protocol.lastSeqNum = 0x7FFFFFFE
        assert [session.protocol.claimSeqNum() for _ in range(3)] == [0x7FFFFFFF, 1, 2]


class TestWindow:
    @pytest.mark.parametrize(
        "answer,status",
        [(ThrottleAnswer.THROTTLED, CommandStatus.ESME_RTHROTTLED), (ThrottleAnswer.QUEUE_FULL, CommandStatus.ESME_RMSGQFUL)],
    )
    def test_requests_past_the_window_get_the_throttle_answer(self, clock, answer, status):
        """With a window of 2 and two submits outstanding, the third gets the account's throttle answer."""
        sink = StalledSink()
        session = WireSession(make_factory(clock, account(window=2, throttle_answer=answer), sink=sink))
        session.bind()
        for _ in range(3):
            session.send(SUBMIT)
        ((header, _),) = session.received()
        assert header.sequence_number == 4 and header.command_status == status
        sink.pending[0].callback("77")
        responses = session.received()
        assert [(h.sequence_number, v.message_id) for h, v in responses] == [(2, "77")]
        session.send(SUBMIT)
        assert session.received() == []  # the freed slot took it: outstanding again, not refused


class TestReceipts:
    def test_receipt_on_the_same_transceiver(self, clock, session):
        """A submit asking for a receipt gets a DELIVRD deliver_sm once the handset has it."""
        session.bind()
        session.send(SUBMIT)
        ((_, accepted),) = session.received()
        run_for(clock, 0.1)
        ((header, deliver),) = session.received()
        assert header.command_name == "deliver_sm" and deliver.esm_class == 0x04
        receipt = parse_receipt(deliver.short_message.decode())
        assert receipt.message_id == accepted.message_id and receipt.state is MessageState.DELIVERED
        assert receipt.text == "Your code is 1234"
        assert deliver.tlvs["receipted_message_id"] == accepted.message_id
        assert deliver.destination == SUBMIT.source and deliver.source == SUBMIT.destination

    def test_no_receipt_unless_asked(self, clock, session):
        """registered_delivery 0 means no receipt."""
        session.bind()
        session.send(attrs.evolve(SUBMIT, registered_delivery=0))
        session.received()
        run_for(clock, 10)
        assert session.received() == []

    def test_receipts_wait_for_a_receiver_and_round_robin(self, clock, factory):
        """A transmitter-only ESME's receipts wait; two receivers then share them in turn."""
        transmitter = WireSession(factory, port=1)
        transmitter.bind(BindType.TRANSMITTER)
        for _ in range(4):
            transmitter.send(SUBMIT)
        run_for(clock, 5)
        assert factory.outbound.waiting("smppclient1") == 4
        receivers = [WireSession(factory, port=2), WireSession(factory, port=3)]
        receivers[0].send(Bind(BindType.RECEIVER, "smppclient1", "password"))
        assert len(receivers[0].received()) == 1 + 4  # bind_receiver_resp, then every waiting receipt
        receivers[1].bind(BindType.RECEIVER)
        for _ in range(4):
            transmitter.send(SUBMIT)
        run_for(clock, 1)
        assert [len(receiver.received()) for receiver in receivers] == [2, 2]

    def test_receipt_resent_after_an_error_response(self, clock, session):
        """A deliver_sm answered with an error is sent again after the retry interval."""
        session.bind()
        session.send(SUBMIT)
        session.received()
        run_for(clock, 1)
        ((first_header, first),) = session.received()
        session.send(DeliverSmResp(), sequence_number=first_header.sequence_number, status=CommandStatus.ESME_RX_T_APPN)
        run_for(clock, 5)
        ((again_header, again),) = session.received()
        assert again.short_message == first.short_message
        assert again_header.sequence_number != first_header.sequence_number

    def test_unknown_response_sequence_is_ignored(self, session):
        """A deliver_sm_resp for a sequence we never sent is logged and ignored."""
        session.bind()
        session.send(DeliverSmResp(), sequence_number=999, status=0)
        assert session.received() == [] and not session.closed


class TestLinkTimers:
    def test_idle_bound_session_is_probed_and_dropped_when_silent(self, clock):
        """After enquire_link seconds idle we probe; no answer within response seconds drops the link."""
        factory = make_factory(clock, timers=Timers(enquire_link=30, response=10, inactivity=300))
        session = WireSession(factory)
        session.bind()
        run_for(clock, 30)
        ((header, _),) = session.received()
        assert header.command_name == "enquire_link"
        run_for(clock, 10)  # no enquire_link_resp: we unbind, then give up on the unbind too
        run_for(clock, 10)
        assert session.closed


class TestLongCredentials:
    BODY = b"a-very-long-system-id-20\0a-long-password-16\0\0\x34\x00\x00\0"

    def test_refused_by_default(self, session):
        """SMPP 3.4 limits: a 24-character system_id is ESME_RINVSYSID, not a crash."""
        session.send_raw(struct.pack("!LLLL", 16 + len(self.BODY), 0x09, 0, 3) + self.BODY)
        assert status_of(session.received()[0]) == CommandStatus.ESME_RINVSYSID

    def test_accepted_when_the_config_allows(self, clock):
        """With longer limits configured, a carrier-issued long system_id and password bind."""
        factory = make_factory(
            clock,
            account(system_id="a-very-long-system-id-20", password="a-long-password-16"),
            max_system_id_length=32,
            max_password_length=32,
        )
        session = WireSession(factory)
        session.send_raw(struct.pack("!LLLL", 16 + len(self.BODY), 0x09, 0, 3) + self.BODY)
        assert status_of(session.received()[0]) == 0
