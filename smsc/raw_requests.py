"""Requests answered from their octets, outside smpp.pdu: submit_multi and replace_sm (which
smpp.pdu cannot decode) and the plain submit_sm pdu.fast reads (the hot path).

The session hands the request here after framing; the answer is octets to write. Bind state,
window, wire faults, field checks and the engine are the same as on the smpp.pdu path;
distribution lists are expanded from the config, and refused with 0x34 when not configured.
"""

from twisted.internet import defer
from twisted.logger import Logger

from pdu import fast, multi, wire
from pdu.multi import BodyError, Unsuccessful
from pdu.status import CommandStatus
from pdu.wire import Address, SubmitSm
from smsc import faults as wire_faults
from smsc.errors import SmppError
from smsc.validation import check_submit

COMMANDS = {multi.SUBMIT_MULTI: "submit_multi", multi.REPLACE_SM: "replace_sm"}
log = Logger(namespace="smsc.session")


def error_response(command_id: int, sequence: int, status: int, failures=()) -> bytes:
    if command_id == fast.SUBMIT_SM:
        return fast.write_submit_sm_resp(sequence, status)
    if command_id == multi.SUBMIT_MULTI:
        return multi.write_submit_multi_resp(sequence, status, "", failures)
    return multi.write_replace_sm_resp(sequence, status)


def _turned_away(session, command: str, command_id: int, sequence: int) -> bytes | None:
    """The answer to a request refused before it is read (bind state, window, a wire fault),
    or None to go on."""
    status = session.admission(command)
    if status != CommandStatus.ESME_ROK:
        return error_response(command_id, sequence, status)
    fault = session.request_fault()
    if fault is wire_faults.GENERIC_NACK:
        return wire.encode(wire.GENERIC_NACK, sequence, CommandStatus.ESME_RSYSERR)
    if fault is not None:
        return error_response(command_id, sequence, fault)
    return None


@defer.inlineCallbacks
def answer(session, command_id: int, sequence: int, body: bytes):
    """The response octets for one submit_multi or replace_sm (a Deferred)."""
    refused = _turned_away(session, COMMANDS[command_id], command_id, sequence)
    if refused is not None:
        return refused
    try:
        if command_id == multi.SUBMIT_MULTI:
            response = yield _submit_multi(session, sequence, body)
        else:
            response = yield _replace_sm(session, sequence, body)
    except (BodyError, SmppError) as refusal:
        return error_response(command_id, sequence, refusal.status)
    return response


def answer_submit(session, sequence: int, message: SubmitSm, octets: bytes) -> defer.Deferred:
    """The submit_sm_resp octets for a submit_sm pdu.fast has read. Plain callbacks rather
    than inlineCallbacks: this runs for every message."""
    refused = _turned_away(session, "submit_sm", fast.SUBMIT_SM, sequence)
    if refused is not None:
        return defer.succeed(refused)
    try:
        check_submit(message, session.now())
    except SmppError as refusal:
        return defer.succeed(_refused(session, sequence, refusal))
    submitted = defer.maybeDeferred(session.factory.sink.submit, session.account, message, octets)
    return submitted.addCallbacks(
        lambda message_id: fast.write_submit_sm_resp(sequence, CommandStatus.ESME_ROK, message_id),
        lambda failure: _refused(session, sequence, failure.trap(SmppError) and failure.value),
    )


def _refused(session, sequence: int, refusal: SmppError) -> bytes:
    log.info("{peer}: submit_sm refused: {refusal}", peer=session.peer(), refusal=str(refusal))
    if refusal.closes_session:
        session.callLater(0, session.shutdown)
    return fast.write_submit_sm_resp(sequence, refusal.status)


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
    message_id, refused = yield session.factory.sink.submit_multi(session.account, accepted, partial=True)
    failures += [Unsuccessful(message.destination, refusal.status) for message, refusal in refused]
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
