"""submit_multi and replace_sm: requests smpp.pdu cannot decode, handled from their octets.

The session hands the body here after framing; the answer is octets to write. Bind state,
window, field checks and the engine are the same as for submit_sm; distribution lists are
expanded from the config, and are refused with 0x34 when the name is not configured.
"""

from twisted.internet import defer

from pdu import multi
from pdu.multi import BodyError, Unsuccessful
from pdu.status import CommandStatus
from pdu.wire import Address, SubmitSm
from pdu import wire
from smsc import faults as wire_faults
from smsc.errors import SmppError
from smsc.validation import check_submit

COMMANDS = {multi.SUBMIT_MULTI: "submit_multi", multi.REPLACE_SM: "replace_sm"}


def error_response(command_id: int, sequence: int, status: int, failures=()) -> bytes:
    if command_id == multi.SUBMIT_MULTI:
        return multi.write_submit_multi_resp(sequence, status, "", failures)
    return multi.write_replace_sm_resp(sequence, status)


@defer.inlineCallbacks
def answer(session, command_id: int, sequence: int, body: bytes):
    """The response octets for one submit_multi or replace_sm (a Deferred)."""
    status = session.admission(COMMANDS[command_id])
    if status != CommandStatus.ESME_ROK:
        return error_response(command_id, sequence, status)
    fault = session.request_fault()
    if fault is wire_faults.GENERIC_NACK:
        return wire.encode(wire.GENERIC_NACK, sequence, CommandStatus.ESME_RSYSERR)
    if fault is not None:
        return error_response(command_id, sequence, fault)
    try:
        if command_id == multi.SUBMIT_MULTI:
            response = yield _submit_multi(session, sequence, body)
        else:
            response = yield _replace_sm(session, sequence, body)
    except (BodyError, SmppError) as refusal:
        return error_response(command_id, sequence, refusal.status)
    return response


@defer.inlineCallbacks
def _submit_multi(session, sequence: int, body: bytes):
    request = multi.read_submit_multi(body)
    destinations = list(request.destinations)
    lists = session.factory.smsc_config.distribution_lists
    for name in request.distribution_lists:
        if name not in lists:
            raise SmppError(CommandStatus.ESME_RINVDLNAME, f"no distribution list {name!r}")
        destinations += [Address(1, 1, number) for number in lists[name]]
    now = session.now()
    accepted, failures = [], []
    for destination in destinations:
        message = request.for_destination(destination)
        try:
            check_submit(message, now)
        except SmppError as refusal:
            failures.append(Unsuccessful(destination, refusal.status))
            continue
        accepted.append(message)
    if not accepted:
        return multi.write_submit_multi_resp(sequence, CommandStatus.ESME_RSUBMITFAIL, "", failures)
    message_id = yield session.factory.sink.submit_multi(session.account, accepted)
    return multi.write_submit_multi_resp(sequence, CommandStatus.ESME_ROK, message_id, failures)


@defer.inlineCallbacks
def _replace_sm(session, sequence: int, body: bytes):
    request = multi.read_replace_sm(body)
    # The new text and times are checked as a submit_sm would be (7-bit limits).
    stand_in = SubmitSm(
        request.source,
        Address(1, 1, "0"),
        request.short_message,
        schedule_delivery_time=request.schedule_delivery_time,
        validity_period=request.validity_period,
        registered_delivery=request.registered_delivery,
        sm_default_msg_id=request.sm_default_msg_id,
    )
    check_submit(stand_in, session.now())
    yield session.factory.sink.replace(session.account, request)
    return multi.write_replace_sm_resp(sequence, CommandStatus.ESME_ROK)
