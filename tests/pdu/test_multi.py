"""submit_multi and replace_sm, which smpp.pdu cannot decode, read and written by pdu.multi."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pdu import multi, wire
from pdu.multi import BodyError, ReplaceSm, SubmitMulti, Unsuccessful
from pdu.status import CommandStatus
from pdu.wire import Address, SubmitSm

SOURCE = Address(1, 1, "10690001")
TEMPLATE = SubmitSm(SOURCE, Address(), b"hello all", esm_class=0, registered_delivery=1, validity_period="000001000000000R")
digits = st.text(alphabet="0123456789", min_size=1, max_size=20)


class TestSubmitMulti:
    @given(st.lists(digits, min_size=1, max_size=20), st.lists(st.text(alphabet="ABCXYZ", min_size=1, max_size=20), max_size=3))
    def test_round_trip(self, numbers, lists):
        """Every destination, list name and message field survives writing and reading."""
        message = SubmitMulti(SOURCE, tuple(Address(1, 1, n) for n in numbers), tuple(lists), TEMPLATE)
        octets = multi.write_submit_multi(5, message)
        assert multi.read_submit_multi(octets[16:]) == message

    def test_one_message_per_destination(self):
        """for_destination gives each destination its own submit_sm with the shared fields."""
        message = SubmitMulti(SOURCE, (Address(1, 1, "861"), Address(1, 1, "862")), (), TEMPLATE)
        assert message.for_destination(Address(1, 1, "862")).destination.digits == "862"
        assert message.for_destination(Address(1, 1, "862")).short_message == b"hello all"

    @pytest.mark.parametrize(
        "mutate,status",
        [
            (lambda b: b[:12] + b"\x00" + b[13:], CommandStatus.ESME_RINVNUMDESTS),  # number_of_dests 0
            (lambda b: b[:13] + b"\x07" + b[14:], CommandStatus.ESME_RINVDESTFLAG),  # dest_flag 7
            (lambda b: b[:14], CommandStatus.ESME_RINVMSGLEN),  # cut inside the first destination
        ],
    )
    def test_errors_carry_their_status(self, mutate, status):
        """A body that does not read names the status to answer."""
        octets = multi.write_submit_multi(5, SubmitMulti(SOURCE, (Address(1, 1, "861"),), (), TEMPLATE))
        body = bytearray(octets[16:])
        assert body[:13] == b"\x00\x01\x0110690001\x00\x01"  # service_type "", source, number_of_dests
        with pytest.raises(BodyError) as caught:
            multi.read_submit_multi(bytes(mutate(bytes(body))))
        assert caught.value.status == status

    def test_response_lists_unsuccessful_destinations(self):
        """submit_multi_resp carries the id and each failed destination with its status."""
        failures = (Unsuccessful(Address(1, 1, "860"), 0x0B),)
        octets = multi.write_submit_multi_resp(9, 0, "42", failures)
        assert struct.unpack("!L", octets[:4])[0] == len(octets)
        assert multi.read_submit_multi_resp(octets[16:]) == multi.SubmitMultiResp("42", failures)
        header, value = wire.decode(octets)
        assert (header.command_name, header.sequence_number, value.message_id) == ("submit_multi_resp", 9, "42")


class TestReplaceSm:
    def test_round_trip(self):
        """message_id, source, times, receipt request and new text survive."""
        message = ReplaceSm("42", SOURCE, "", "000002000000000R", 1, 0, b"new text")
        assert multi.read_replace_sm(multi.write_replace_sm(3, message)[16:]) == message



@pytest.mark.parametrize("read", [multi.read_submit_multi, multi.read_replace_sm, multi.read_submit_multi_resp])
@given(body=st.binary(max_size=200))
def test_random_bodies_raise_only_body_errors(read, body):
    """Whatever the octets, every reader gives a value or a BodyError with a status."""
    try:
        read(body)
    except BodyError as error:
        assert error.status
