"""Wire faults on demand, each with the effect an ESME sees."""

import struct

import attrs
import pytest

from pdu.status import CommandStatus
from pdu.wire import UNBIND, Address, SubmitSm
from smsc.config_file import ConfigError, structure
from smsc.faults import RECEIPT_FIRST_HOLD, WireFaults
from smsc.testing import WireSession, run_for

from .conftest import account, make_factory

SUBMIT = SubmitSm(Address(1, 1, "10690001"), Address(1, 1, "8613800130000"), b"hello", registered_delivery=1)


def faulty_session(clock, **fault_fields):
    session = WireSession(make_factory(clock, account(faults=WireFaults(**fault_fields))))
    header, _ = session.bind()
    assert header.command_status == 0
    return session


def commands(session):
    return [(header.command_name, header.command_status) for header, _ in session.received()]


class TestAnswers:
    def test_silent(self, clock):
        """silent: submits and enquire_links are read and never answered."""
        session = faulty_session(clock, silent=True)
        session.send(SUBMIT)
        clock.advance(60)
        assert [c for c in commands(session) if c[0] != "deliver_sm"] == []

    def test_fixed_delay(self, clock):
        """response_delay holds every answer that many seconds."""
        session = faulty_session(clock, response_delay=5)
        session.send(SUBMIT)
        run_for(clock, 4.9)
        assert [c for c in commands(session) if c[0] == "submit_sm_resp"] == []
        run_for(clock, 0.1)
        assert ("submit_sm_resp", 0) in commands(session)

    def test_a_late_unbind_resp_is_written_before_the_link_closes(self, clock):
        """response_delay holds the unbind_resp too, and the link closes only after it (it used
        to close at once, so the ESME never had its unbind answered)."""
        session = faulty_session(clock, response_delay=5)
        session.send(UNBIND)
        run_for(clock, 4.9)
        assert commands(session) == [] and not session.closed
        run_for(clock, 0.1)
        assert commands(session) == [("unbind_resp", 0)] and session.closed

    def test_random_delay_stays_within_jitter(self, clock):
        """response_jitter adds between 0 and jitter seconds, different per answer."""
        session = faulty_session(clock, response_delay=1, response_jitter=2)
        for _ in range(20):
            session.send(SUBMIT)
        run_for(clock, 0.99)
        assert [c for c in commands(session) if c[0] == "submit_sm_resp"] == []
        run_for(clock, 1.5)
        early = len([c for c in commands(session) if c[0] == "submit_sm_resp"])
        run_for(clock, 1.0)
        late = len([c for c in commands(session) if c[0] == "submit_sm_resp"])
        assert 0 < early < 20 and early + late == 20

    def test_generic_nack_share(self, clock):
        """generic_nack_share of 1: every submit is nacked (sequence echoed) and nothing is taken."""
        session = faulty_session(clock, generic_nack_share=1.0)
        sequence = session.send(SUBMIT)
        ((header, _),) = session.received()
        assert (header.command_name, header.sequence_number) == ("generic_nack", sequence)
        run_for(clock, 10)
        assert session.received() == []  # no receipt: the message was never accepted

    def test_error_share(self, clock):
        """error_share of a half: about half the submits get error_status, the rest go through."""
        session = faulty_session(clock, error_share=0.5, error_status="ESME_RMSGQFUL")
        for _ in range(200):
            session.send(attrs.evolve(SUBMIT, registered_delivery=0))
        statuses = [status for _, status in commands(session)]
        refused = statuses.count(CommandStatus.ESME_RMSGQFUL)
        assert 70 < refused < 130 and statuses.count(0) == 200 - refused

    def test_malformed_response(self, clock):
        """malformed_share of 1: the submit_sm_resp's message_id loses its NUL terminator."""
        session = faulty_session(clock, malformed_share=1.0)
        session.send(attrs.evolve(SUBMIT, registered_delivery=0))
        octets = session.transport.value()
        (length,) = struct.unpack("!L", octets[:4])
        assert length == len(octets) and b"\0" not in octets[16:]


class TestLink:
    def test_drop_after_n_pdus(self, clock):
        """drop_after 3: the third PDU received (bind included) is answered, then the link is cut."""
        session = faulty_session(clock, drop_after=3)
        session.send(SUBMIT)
        assert not session.closed
        session.send(SUBMIT)
        run_for(clock, 0)
        assert session.closed

    def test_stop_reading_after_bind(self, clock):
        """stop_reading: after the bind, the SMSC stops reading the socket (a half-open link)."""
        session = faulty_session(clock, stop_reading=True)
        assert session.transport.producerState == "paused"

    def test_healed_link_reads_again(self, clock):
        """Switching stop_reading off at run time makes the session read again."""
        session = faulty_session(clock, stop_reading=True)
        session.protocol.faults = WireFaults()
        assert session.transport.producerState == "producing"

    def test_switched_on_at_run_time(self, clock, session):
        """A fault can be switched on for one session while it runs."""
        session.bind()
        session.protocol.faults = WireFaults(silent=True)
        session.send(SUBMIT)
        assert session.received() == []


class TestReceipts:
    def test_receipt_before_response(self, clock):
        """receipt_before_response: the deliver_sm receipt arrives before its submit_sm_resp."""
        session = faulty_session(clock, receipt_before_response=True)
        session.send(SUBMIT)  # to a test number that delivers at once
        run_for(clock, 1)
        assert [name for name, _ in commands(session)] == ["deliver_sm"]
        run_for(clock, RECEIPT_FIRST_HOLD)
        assert [name for name, _ in commands(session)] == ["submit_sm_resp"]

    def test_duplicate_receipts(self, clock):
        """duplicate_receipts: every receipt comes twice, with the same text."""
        session = faulty_session(clock, duplicate_receipts=True)
        session.send(SUBMIT)
        session.received()
        run_for(clock, 1)
        receipts = [value for header, value in session.received() if header.command_name == "deliver_sm"]
        assert len(receipts) == 2 and receipts[0].short_message == receipts[1].short_message

    def test_late_receipts(self, clock):
        """receipt_delay: the receipt is held back that long, then sent; the message was final
        (and on disk with its receipt) all along."""
        session = faulty_session(clock, receipt_delay=30.0)
        session.send(SUBMIT)
        run_for(clock, 29)
        assert [name for name, _ in commands(session)] == ["submit_sm_resp"]
        run_for(clock, 2)
        assert [name for name, _ in commands(session)] == ["deliver_sm"]

    def test_late_receipts_keep_their_order(self, clock):
        """A receipt queued after the fault is switched off waits behind those held back."""
        session = WireSession(make_factory(clock), answer_deliveries=True)
        session.bind()
        session.protocol.factory.set_faults("smppclient1", WireFaults(receipt_delay=60.0))
        session.send(SUBMIT)
        run_for(clock, 1)
        session.protocol.factory.set_faults("smppclient1", WireFaults())
        session.send(SUBMIT)
        run_for(clock, 1)
        assert [name for name, _ in commands(session)] == ["submit_sm_resp", "submit_sm_resp"]
        run_for(clock, 60)
        receipts = [value.tlvs["receipted_message_id"] for header, value in session.received() if header.command_name == "deliver_sm"]
        assert receipts == ["1", "2"]


class TestConfig:
    def test_faults_from_config(self):
        """[accounts.faults] sets an account's faults."""
        config = structure(
            {"accounts": [{"system_id": "a", "password": "b", "faults": {"error_share": 0.1, "error_status": "ESME_RTHROTTLED"}}]},
            "smsc.toml",
        )
        assert config.accounts[0].faults.error is CommandStatus.ESME_RTHROTTLED

    @pytest.mark.parametrize("fields,words", [({"error_share": 2}, "between 0 and 1"), ({"error_status": "NOPE"}, "command_status name")])
    def test_bad_fault_settings_are_named(self, fields, words):
        """A share above 1 or an unknown status name is a config error saying what is expected."""
        with pytest.raises(ConfigError, match=words):
            structure({"accounts": [{"system_id": "a", "password": "b", "faults": fields}]}, "smsc.toml")


class TestSubmitMultiAndReplace:
    """submit_multi and replace_sm, answered from their octets, meet the same faults."""

    def send_multi(self, session):
        from pdu import multi
        from pdu.multi import SubmitMulti

        session.send_raw(multi.write_submit_multi(5, SubmitMulti(SUBMIT.source, (SUBMIT.destination,), (), SUBMIT)))

    def test_generic_nack(self, clock):
        """generic_nack_share 1: a submit_multi is answered with generic_nack."""
        session = faulty_session(clock, generic_nack_share=1.0)
        self.send_multi(session)
        assert commands(session) == [("generic_nack", CommandStatus.ESME_RSYSERR)]

    def test_error_share(self, clock):
        """error_share 1: a submit_multi gets the configured error status."""
        session = faulty_session(clock, error_share=1.0, error_status="ESME_RSYSERR")
        self.send_multi(session)
        assert commands(session) == [("submit_multi_resp", CommandStatus.ESME_RSYSERR)]

    def test_late_answer(self, clock):
        """response_delay holds the submit_multi_resp that long."""
        session = faulty_session(clock, response_delay=5)
        self.send_multi(session)
        run_for(clock, 4.9)
        assert [name for name, _ in commands(session) if name != "deliver_sm"] == []
        run_for(clock, 0.2)
        assert "submit_multi_resp" in [name for name, _ in commands(session)]


class TestNackOnBothPaths:
    @pytest.mark.parametrize("tlvs", [{}, {"user_message_reference": 7}], ids=["pdu.fast", "smpp.pdu"])
    def test_a_late_link_nacks_late(self, clock, tlvs):
        """generic_nack_share with response_delay: the nack is late too, whichever path reads the submit."""
        session = faulty_session(clock, generic_nack_share=1.0, response_delay=5)
        session.send(attrs.evolve(SUBMIT, tlvs=tlvs))
        assert commands(session) == []
        run_for(clock, 5.1)
        assert commands(session) == [("generic_nack", CommandStatus.ESME_RSYSERR)]
