"""query_sm, cancel_sm and data_sm on the messages the SMSC holds."""

import attrs

from pdu import stored
from pdu.status import CommandStatus, MessageState
from pdu.wire import Address, DataSm, DeliverSmResp, SubmitSm
from smsc.testing import run_for

SOURCE = Address(1, 1, "10690001")
SUBMIT = SubmitSm(SOURCE, Address(1, 1, "8613800130000"), b"hello", registered_delivery=1)


def submit(session, value=SUBMIT):
    session.send(value)
    ((_, response),) = session.received()
    return response.message_id


class TestQuery:
    def test_enroute_then_delivered(self, clock, session):
        """query_sm says ENROUTE (routed, not yet delivered) and DELIVERED with a final date after."""
        session.bind()
        message_id = submit(session)
        session.send(stored.QuerySm(message_id, SOURCE))
        ((header, answer),) = session.received()
        assert header.command_status == 0
        assert (answer.message_state, answer.final_date) == (MessageState.ENROUTE, "")
        run_for(clock, 1)
        session.received()  # the receipt
        session.send(stored.QuerySm(message_id, SOURCE))
        ((_, answer),) = session.received()
        assert answer.message_state == MessageState.DELIVERED and answer.final_date.endswith("+")

    def test_unknown_id_fails(self, session):
        """An id the SMSC never gave is ESME_RQUERYFAIL."""
        session.bind()
        session.send(stored.QuerySm("999999", SOURCE))
        assert session.received()[0][0].command_status == CommandStatus.ESME_RQUERYFAIL

    def test_other_accounts_messages_are_not_visible(self, clock):
        """One account cannot query another's message."""
        from smsc.testing import WireSession

        from .conftest import account, make_factory

        factory = make_factory(clock, account(), account(system_id="other", password="pw"))
        mine, theirs = WireSession(factory, port=1), WireSession(factory, port=2)
        mine.bind()
        theirs.bind(system_id="other", password="pw")
        message_id = submit(mine)
        theirs.send(stored.QuerySm(message_id, SOURCE))
        assert theirs.received()[0][0].command_status == CommandStatus.ESME_RQUERYFAIL


class TestCancel:
    def test_cancel_pending_message(self, clock, session):
        """A cancelled message is DELETED and never delivered: its one receipt says DELETED."""
        session.bind()
        message_id = submit(session, attrs.evolve(SUBMIT, schedule_delivery_time="000000010000000R"))
        session.send(stored.CancelSm(message_id, SOURCE))
        answers = {header.command_name: (header, value) for header, value in session.received()}
        assert answers["cancel_sm_resp"][0].command_status == 0
        receipt_header, receipt = answers["deliver_sm"]
        assert b"stat:DELETED" in receipt.short_message
        session.send(DeliverSmResp(), sequence_number=receipt_header.sequence_number)
        run_for(clock, 3600)
        assert session.received() == []
        session.send(stored.QuerySm(message_id, SOURCE))
        assert session.received()[0][1].message_state == MessageState.DELETED

    def test_cancel_after_delivery_fails(self, clock, session):
        """A message already delivered cannot be cancelled: ESME_RCANCELFAIL."""
        session.bind()
        message_id = submit(session)
        run_for(clock, 1)
        session.received()
        session.send(stored.CancelSm(message_id, SOURCE))
        assert session.received()[0][0].command_status == CommandStatus.ESME_RCANCELFAIL


class TestScheduled:
    def test_delivery_waits_for_schedule_delivery_time(self, clock, session):
        """A message scheduled 10 minutes ahead is delivered then, not before."""
        session.bind()
        submit(session, attrs.evolve(SUBMIT, schedule_delivery_time="000000001000000R"))
        run_for(clock, 599.9)
        assert session.received() == []
        run_for(clock, 0.2)
        assert session.received()[0][0].command_name == "deliver_sm"


class TestDataSm:
    def test_data_sm_is_accepted_and_receipted(self, clock, session):
        """data_sm with message_payload gets a data_sm_resp with an id, then a receipt."""
        session.bind()
        session.send(DataSm(SOURCE, Address(1, 1, "8613800130000"), registered_delivery=1, tlvs={"message_payload": b"hi"}))
        ((header, response),) = session.received()
        assert header.command_name == "data_sm_resp" and header.command_status == 0 and response.message_id
        run_for(clock, 1)
        ((_, receipt),) = session.received()
        assert receipt.tlvs["receipted_message_id"] == response.message_id
