"""submit_multi and replace_sm over the wire (smpp.pdu cannot decode them; pdu.multi does)."""

import attrs

from pdu import multi
from pdu.multi import ReplaceSm, SubmitMulti
from pdu.receipts import parse_receipt
from pdu.status import CommandStatus
from pdu.wire import Address, BindType, SubmitSm
from smsc.testing import WireSession, run_for

from .conftest import make_factory

SOURCE = Address(1, 1, "10690001")
TEMPLATE = SubmitSm(SOURCE, Address(), b"sale today", registered_delivery=1)


def send_multi(session, message, sequence=5):
    session.send_raw(multi.write_submit_multi(sequence, message))
    ((header, response),) = session.received()
    return header, response


class TestSubmitMulti:
    def test_one_id_a_receipt_per_destination(self, clock, session):
        """Three destinations: one message_id, three receipts that all carry it."""
        session.bind()
        numbers = ("8613800010000", "8613800020000", "8613800030000")
        header, response = send_multi(session, SubmitMulti(SOURCE, tuple(Address(1, 1, n) for n in numbers), (), TEMPLATE))
        assert (header.command_name, header.command_status, header.sequence_number) == ("submit_multi_resp", 0, 5)
        assert response.message_id and response.unsuccessful == ()
        run_for(clock, 1)
        receipts = [value for h, value in session.received() if h.command_name == "deliver_sm"]
        assert sorted(r.source.digits for r in receipts) == list(numbers)
        assert {parse_receipt(r.short_message.decode()).message_id for r in receipts} == {response.message_id}

    def test_bad_destinations_are_listed_not_fatal(self, session):
        """An invalid destination goes in unsuccess_sme with its status; the rest are taken."""
        session.bind()
        destinations = (Address(1, 1, "8613800010000"), Address(1, 1, "not-a-number"))
        header, response = send_multi(session, SubmitMulti(SOURCE, destinations, (), TEMPLATE))
        assert header.command_status == 0
        ((failure,),) = [response.unsuccessful]
        assert failure.destination.digits == "not-a-number" and failure.status == CommandStatus.ESME_RINVDSTADR

    def test_all_bad_is_submitfail(self, session):
        """When no destination can be taken the answer is ESME_RSUBMITFAIL with every failure listed."""
        session.bind()
        header, response = send_multi(session, SubmitMulti(SOURCE, (Address(1, 1, "x"),), (), TEMPLATE))
        assert header.command_status == CommandStatus.ESME_RSUBMITFAIL and len(response.unsuccessful) == 1

    def test_unknown_distribution_list(self, session):
        """A distribution list that is not configured is ESME_RINVDLNAME (0x34)."""
        session.bind()
        header, _ = send_multi(session, SubmitMulti(SOURCE, (), ("VIPS",), TEMPLATE))
        assert header.command_status == CommandStatus.ESME_RINVDLNAME

    def test_configured_distribution_list_expands(self, clock):
        """A configured list is sent to each of its numbers."""
        session = WireSession(make_factory(clock, distribution_lists={"VIPS": ("8613900010000", "8613900020000")}))
        session.bind()
        header, _ = send_multi(session, SubmitMulti(SOURCE, (), ("VIPS",), TEMPLATE))
        assert header.command_status == 0
        run_for(clock, 1)
        assert len([h for h, _ in session.received() if h.command_name == "deliver_sm"]) == 2

    def test_receiver_cannot_submit_multi(self, session):
        """The bind state rules hold for submit_multi too."""
        session.bind(BindType.RECEIVER)
        header, _ = send_multi(session, SubmitMulti(SOURCE, (Address(1, 1, "861"),), (), TEMPLATE))
        assert header.command_status == CommandStatus.ESME_RINVBNDSTS

    def test_number_of_dests_zero(self, session):
        """number_of_dests 0 is ESME_RINVNUMDESTS."""
        session.bind()
        octets = bytearray(multi.write_submit_multi(5, SubmitMulti(SOURCE, (Address(1, 1, "861"),), (), TEMPLATE)))
        octets[16 + 12] = 0
        session.send_raw(bytes(octets))
        assert session.received()[0][0].command_status == CommandStatus.ESME_RINVNUMDESTS


class TestReplaceSm:
    def test_replace_pending_text(self, clock, session):
        """replace_sm on a scheduled message changes the text its receipt reports."""
        session.bind()
        session.send(attrs.evolve(TEMPLATE, destination=Address(1, 1, "8613800010000"), schedule_delivery_time="000000001000000R"))
        ((_, accepted),) = session.received()
        session.send_raw(multi.write_replace_sm(8, ReplaceSm(accepted.message_id, SOURCE, "", "", 1, 0, b"new text")))
        ((header, _),) = session.received()
        assert (header.command_name, header.command_status) == ("replace_sm_resp", 0)
        run_for(clock, 601)
        ((_, receipt),) = session.received()
        assert parse_receipt(receipt.short_message.decode()).text == "new text"

    def test_replace_after_delivery_fails(self, clock, session):
        """A delivered message cannot be replaced: ESME_RREPLACEFAIL."""
        session.bind()
        session.send(attrs.evolve(TEMPLATE, destination=Address(1, 1, "8613800010000")))
        ((_, accepted),) = session.received()
        run_for(clock, 2)
        session.received()
        session.send_raw(multi.write_replace_sm(8, ReplaceSm(accepted.message_id, SOURCE, short_message=b"late")))
        assert session.received()[0][0].command_status == CommandStatus.ESME_RREPLACEFAIL
