"""Hostile and garbled input: the session answers or closes cleanly and no one else notices."""

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.logger import globalLogPublisher

from pdu import wire
from pdu.wire import Address, BindType, SubmitSm
from smsc.testing import WireSession, run_for

from .conftest import make_factory

SUBMIT = SubmitSm(Address(1, 1, "10690001"), Address(1, 1, "8613800130000"), b"hi", registered_delivery=1)


@pytest.fixture
def failures():
    """Failures logged by anything in the SMSC during the test (there must be none)."""
    caught = []

    def observer(event):
        if "log_failure" in event:
            caught.append(event["log_failure"])

    globalLogPublisher.addObserver(observer)
    yield caught
    globalLogPublisher.removeObserver(observer)


def valid_pdu(command_id: int):
    return st.builds(
        lambda seq, body: struct.pack("!LLLL", 16 + len(body), command_id, 0, seq) + body,
        st.integers(1, 0x7FFFFFFF),
        st.binary(max_size=80),
    )


garbage = st.lists(
    st.one_of(
        st.binary(min_size=1, max_size=64),
        valid_pdu(0x00000004),  # submit_sm with a random body
        valid_pdu(0x00000009),  # bind_transceiver with a random body
        valid_pdu(0x00000021),  # submit_multi, which smpp.pdu cannot decode
        valid_pdu(0x80000005),  # a random deliver_sm_resp
        st.integers(0, 0xFFFFFFFF).map(lambda n: struct.pack("!LLLL", 16, n, 0, 1)),
    ),
    max_size=8,
)


class TestRandomStreams:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(garbage, st.booleans())
    def test_garbage_never_crashes_or_touches_other_sessions(self, clock, failures, chunks, bound_first):
        """Any byte stream on one session: every answer is a well-formed PDU, nothing raises,
        and another bound session keeps submitting and receiving its receipts."""
        factory = make_factory(clock)
        bystander = WireSession(factory, port=1)
        bystander.bind(BindType.TRANSCEIVER)
        victim = WireSession(factory, port=2)
        if bound_first:
            victim.bind(BindType.TRANSMITTER)
        for chunk in chunks:
            if victim.closed:
                break
            victim.send_raw(chunk)
        for header, _ in victim.received():  # decodes, or the test fails here
            assert header.command_id & 0x80000000 or header.command_name in ("enquire_link", "unbind")
        bystander.send(SUBMIT)
        run_for(clock, 2)
        kinds = [header.command_name for header, _ in bystander.received()]
        assert kinds == ["submit_sm_resp", "deliver_sm"]
        assert failures == []


class TestFloods:
    def test_enquire_link_flood_is_answered_one_for_one(self, session):
        """Ten thousand enquire_links in one read are each answered, in order."""
        session.send_raw(b"".join(wire.encode(wire.ENQUIRE_LINK, n) for n in range(1, 10_001)))
        answers = session.received()
        assert [header.sequence_number for header, _ in answers] == list(range(1, 10_001))

    def test_pdus_only_an_smsc_sends_are_nacked(self, session):
        """An ESME sending alert_notification or outbind gets generic_nack 0x03, not a dropped link."""
        session.bind()
        outbind = b"smsc\0pw\0"
        session.send_raw(struct.pack("!LLLL", 16 + len(outbind), 0x0B, 0, 77) + outbind)
        ((header, _),) = session.received()
        assert (header.command_name, header.command_status, header.sequence_number) == ("generic_nack", 3, 77)
        assert not session.closed

    def test_bind_with_no_password(self, session):
        """A bind whose password is empty is refused as a wrong password, not a crash."""
        header, _ = session.bind(password="")
        assert header.command_status == 0x0E and not session.closed

    def test_truncated_pdu_times_out_and_closes(self, clock, session):
        """A PDU cut short mid-stream: after pdu_read seconds the session gives up cleanly."""
        octets = wire.encode(SUBMIT, 1)
        session.bind()
        session.send_raw(octets[:20])
        run_for(clock, 10)
        assert session.closed
