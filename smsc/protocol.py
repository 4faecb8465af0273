"""One ESME's SMPP session: smpp.twisted's server protocol with our rules and robustness.

smpp.twisted frames, decodes and tracks transactions. We close the gaps that matter on a
carrier's side (measured against smpp.twisted3 0.8):
- the session rules come from smsc.session_rules (its table), so a receiver cannot submit and
  nothing but bind and enquire_link is accepted before binding;
- an unknown command_id gets a generic_nack echoing the request's sequence number and the
  session stays up (smpp.twisted nacks with sequence 0 and drops the link);
- a command_length below 16 or above MAX_COMMAND_LENGTH is refused at once instead of
  buffering up to 4 GB;
- a body that does not parse is answered with its status, never a crash or a silent drop;
- the window (most outstanding requests) is enforced, which smpp.twisted does not do;
- time comes from the injected clock, so tests run in virtual time.
"""

import datetime
import io
import struct

from smpp.pdu import constants, operations, pdu_types
from smpp.pdu.error import PDUParseError
from smpp.pdu.operations import GenericNack, getPDUClass
from smpp.pdu.pdu_types import CommandId, PDUDataRequest, PDURequest, PDUResponse
from smpp.twisted.protocol import DataHandlerResponse, SMPPClientSessionStateError, SMPPServerProtocol, SMPPSessionStates
from twisted.cred import error as cred_error
from twisted.internet import defer
from twisted.logger import Logger

from pdu import fast, smpp_fixes, stored, times, wire
from pdu.fields import library_knows_status, library_status
from pdu.status import CommandStatus, MessageState
from smsc import faults as wire_faults
from smsc import raw_requests, session_rules, tcp
from smsc.errors import SmppError
from smsc.session_rules import BindState
from smsc.stats import OTHER, SessionCounts
from smsc.validation import check_submit

HEADER_LENGTH = 16
# The largest PDU we accept: a submit_sm with a full 64 KiB message_payload and headroom.
MAX_COMMAND_LENGTH = 70_000

_LIBRARY_STATE = {
    SMPPSessionStates.OPEN: BindState.OPEN,
    SMPPSessionStates.BOUND_TX: BindState.BOUND_TX,
    SMPPSessionStates.BOUND_RX: BindState.BOUND_RX,
    SMPPSessionStates.BOUND_TRX: BindState.BOUND_TRX,
}
_BOUND_LIBRARY_STATE = {
    "bind_transmitter": SMPPSessionStates.BOUND_TX,
    "bind_receiver": SMPPSessionStates.BOUND_RX,
    "bind_transceiver": SMPPSessionStates.BOUND_TRX,
}
_BIND_TYPE_NAMES = {"bind_transmitter": "transmitter", "bind_receiver": "receiver", "bind_transceiver": "transceiver"}
# Statuses counted as themselves when an ESME sends them; any other is counted as OTHER.
_KNOWN_STATUSES = frozenset(constants.command_status_value_map) | frozenset(range(0x400, 0x500))
_DELIVER_SM_OK = (fast.DELIVER_SM, 0)


# Module-level: smpp.twisted sets `self.log` to a stdlib logger in its own __init__.
log = Logger(namespace="smsc.session")


class SmscProtocol(SMPPServerProtocol):
    def __init__(self, clock, rng):
        super().__init__()
        self.callLater = clock.callLater
        self.account = None
        self.bind_type = None
        self._rng = rng
        self._faults = wire_faults.HEALTHY
        self._pdus_received = 0
        self._request_octets = None  # the PDU being read, while its handlers run
        self._raw_waiting: set[defer.Deferred] = set()  # requests answered from octets, not yet answered
        self._timers_pushed_at = float("-inf")  # when the link timers were last pushed back
        self._answers_until = float("-inf")  # when the last answer a fault made late is written
        self.outbind = None  # a pdu.wire.Outbind to send first, on connections we dialled
        self.counts = SessionCounts()  # PDUs in and out; the factory shares its own with every session

    def connectionMade(self):
        super().connectionMade()
        tcp.tune(self.transport)
        if self.outbind is not None:
            log.info("{peer}: outbind as {system_id}", peer=self._peer(), system_id=self.outbind.system_id)
            self.sendPDU(self.outbind.to_pdu(self.claimSeqNum()))

    @property
    def faults(self) -> wire_faults.WireFaults:
        return self._faults

    @faults.setter
    def faults(self, value: wire_faults.WireFaults) -> None:
        """Switch wire faults on or off for this session, now."""
        was_stopped, self._faults = self._faults.stop_reading, value
        if self.transport is None:
            return
        if value.stop_reading:
            self.transport.pauseProducing()
        elif was_stopped:
            self.transport.resumeProducing()  # a healed half-open link reads again

    # -- state ------------------------------------------------------------------------------

    @property
    def bind_state(self) -> BindState:
        return _LIBRARY_STATE.get(self.sessionState, BindState.CLOSING)

    # -- framing ----------------------------------------------------------------------------

    def dataReceived(self, data):
        # Before the work: an ESME with Nagle on sends nothing more until this ACK arrives.
        tcp.rearm_quickack(self.transport)
        super().dataReceived(data)

    def getMessageLength(self):
        length = super().getMessageLength()
        if length is not None and not HEADER_LENGTH <= length <= MAX_COMMAND_LENGTH:
            sequence = None
            if len(self.recvBuffer) >= HEADER_LENGTH:
                sequence = struct.unpack("!L", self.recvBuffer[12:16])[0] or None
            log.warn(
                "closing {peer}: command_length {length} outside {low}..{high}; PDU boundaries are lost",
                peer=self._peer(), length=length, low=HEADER_LENGTH, high=MAX_COMMAND_LENGTH,
            )  # fmt: skip
            self.recvBuffer = b""
            self.sendPDU(GenericNack(seqNum=sequence, status=pdu_types.CommandStatus.ESME_RINVCMDLEN))
            self.onCorruptConnection()
            return None
        return length

    def rawMessageReceived(self, message):
        command_id, status, sequence = struct.unpack("!LLL", message[4:16])
        sequence = sequence or None
        if status and status not in _KNOWN_STATUSES:
            status = OTHER
        received = self.counts.received
        if command_id not in constants.command_id_value_map:
            received[OTHER, status] = received.get((OTHER, status), 0) + 1
            log.info("{peer}: unknown command_id 0x{command_id:08X}, nacked", peer=self._peer(), command_id=command_id)
            self.sendPDU(GenericNack(seqNum=sequence, status=pdu_types.CommandStatus.ESME_RINVCMDID))
            return
        received[command_id, status] = received.get((command_id, status), 0) + 1
        if command_id in raw_requests.COMMANDS:
            self._answer_raw(command_id, sequence or 0, message[16:])
            return
        if command_id == fast.DELIVER_SM_RESP and sequence in self.outTxns:
            # Only the status matters to the transaction: no need to parse the body.
            status = struct.unpack("!L", message[8:12])[0]
            response = operations.DeliverSMResp(sequence, library_status(status))
            response.raw_status = status  # smpp.pdu knows no vendor codes: keep the real one
            self.PDUResponseReceived(response)
            return
        if command_id == fast.SUBMIT_SM and sequence:
            submit = fast.read_submit_sm(message[16:])
            if submit is not None:  # the common case, without smpp.pdu; anything else goes below
                self._answer_fast_submit(sequence, submit, message)
                return
        try:
            pdu = self.encoder.decode(io.BytesIO(message))
        except PDUParseError as error:
            self._answer_unparsable(command_id, sequence, smpp_fixes.parse_error_status(error), str(error))
            return
        except Exception as error:  # smpp.pdu raises plain errors on some garbled bodies
            self._answer_unparsable(command_id, sequence, pdu_types.CommandStatus.ESME_RSYSERR, repr(error))
            return
        self._request_octets = message  # the store keeps a submit as it came, not re-encoded
        try:
            self.PDUReceived(pdu)
        finally:
            self._request_octets = None

    def _answer_raw(self, command_id: int, sequence: int, body: bytes) -> None:
        """submit_multi and replace_sm, which smpp.pdu cannot decode: see smsc.raw_requests."""
        self.onSMPPOperation()
        self._answer_from_octets(raw_requests.answer(self, command_id, sequence, body), command_id, sequence)

    def _answer_fast_submit(self, sequence: int, message, octets: bytes) -> None:
        """A plain submit_sm read by pdu.fast: the same rules, faults and engine as the
        smpp.pdu path, with the response written from octets."""
        self.onSMPPOperation()
        self._answer_from_octets(raw_requests.answer_submit(self, sequence, message, octets), fast.SUBMIT_SM, sequence)

    def _answer_from_octets(self, answered, command_id: int, sequence: int) -> None:
        """Write an answer built outside smpp.pdu's transactions. It counts in the window
        until written, and an unbind waits for it as for smpp.twisted's own."""
        answered.addErrback(self._raw_failed, command_id, sequence)
        answered.addCallback(self._write_raw_answer, submit_response=command_id == fast.SUBMIT_SM)
        done = defer.Deferred()
        self._raw_waiting.add(done)

        def finished(result):
            self._raw_waiting.discard(done)
            done.callback(None)
            return result

        answered.addBoth(finished)

    def finishInboundTxns(self):
        return defer.DeferredList([*self.inTxns.values(), *self._raw_waiting])

    def _raw_failed(self, failure, command_id: int, sequence: int) -> bytes:
        command = raw_requests.COMMANDS.get(command_id, "submit_sm")
        log.failure("{peer}: {command} failed inside the SMSC", failure, peer=self._peer(), command=command)
        return raw_requests.error_response(command_id, sequence, CommandStatus.ESME_RSYSERR)

    def onSMPPOperation(self):
        """smpp.twisted pushes back its enquire_link and inactivity timers on every PDU; at
        thousands of PDUs a second, once a second does as well (they count in tens of seconds)."""
        now = self.factory.clock.seconds()
        if now - self._timers_pushed_at >= 1.0 or not self.isBound():
            self._timers_pushed_at = now
            super().onSMPPOperation()

    def request_fault(self):
        """The wire fault (if any) a data request meets before the SMSC reads it."""
        return wire_faults.request_fault(self._faults, self._rng)

    def _write_raw_answer(self, octets: bytes, submit_response: bool = False) -> None:
        """An answer written from octets, through the session's late and malformed faults; a
        submit_sm_resp is malformed or held for its receipt only when it accepts."""
        accepted = submit_response and octets[8:12] == b"\0\0\0\0"
        if (accepted or not submit_response) and self._faults.malformed_share and self._rng.random() < self._faults.malformed_share:
            octets = wire_faults.malformed(octets)
        delay = wire_faults.response_delay(self._faults, self._rng, accepted_submit=accepted)
        if delay:
            self._late_answer(delay)
            self.callLater(delay, self._write_if_connected, octets)
        else:
            self._write_if_connected(octets)

    def _write_if_connected(self, octets: bytes) -> None:
        if self.connected and not self._faults.silent:
            self.transport.write(octets)
            sent, key = self.counts.sent, struct.unpack_from("!LL", octets, 4)
            sent[key] = sent.get(key, 0) + 1

    def endPDURead(self):
        super().endPDURead()
        self._pdus_received += 1
        if self._faults.drop_after and self._pdus_received >= self._faults.drop_after:
            log.info("{peer}: dropping the link after {count} PDUs (wire fault)", peer=self._peer(), count=self._pdus_received)
            self.callLater(0, self.transport.loseConnection)

    def _answer_unparsable(self, command_id, sequence, status, reason):
        command = constants.command_id_value_map[command_id]
        log.info("{peer}: {command} does not parse ({reason}); answered {status}",
                      peer=self._peer(), command=command, reason=reason, status=status.name)  # fmt: skip
        if command_id & 0x80000000:
            return  # never answer a response; the peer's transaction simply times out
        response = getattr(getPDUClass(getattr(CommandId, command)), "requireAck", None)
        if response is None:
            return  # outbind and alert_notification have no response
        try:
            self.sendPDU(response(seqNum=sequence, status=status))
        except Exception:  # a response body that cannot be built without the request's fields
            self.sendPDU(GenericNack(seqNum=sequence, status=status))

    # -- dispatch ---------------------------------------------------------------------------

    def PDUReceived(self, pdu):
        """smpp.twisted's dispatch without its re-encoding of every PDU for a debug log (half
        the encoding work of the server), and with an answer for PDUs only an SMSC may send."""
        self.onSMPPOperation()
        if isinstance(pdu, PDURequest):
            self.PDURequestReceived(pdu)
        elif isinstance(pdu, PDUResponse):
            self.PDUResponseReceived(pdu)
        else:  # outbind, alert_notification: an SMSC's to send, never an ESME's
            log.info("{peer}: {command} is not for an ESME to send; nacked", peer=self._peer(), command=pdu.id.name)
            self.sendPDU(GenericNack(seqNum=pdu.seqNum, status=pdu_types.CommandStatus.ESME_RINVCMDID))

    def admission(self, command: str) -> CommandStatus:
        """ESME_ROK when a request may be processed now: the bind state allows it and, for
        requests to the engine, the window has room. Otherwise the status to answer."""
        verdict = session_rules.verdict(self.bind_state, command)
        if verdict != CommandStatus.ESME_ROK:
            log.info("{peer}: {command} refused in state {state}: {status}",
                          peer=self._peer(), command=command, state=self.bind_state.value, status=verdict.name)  # fmt: skip
            return verdict
        if command in session_rules.SUBMITTING and len(self.inTxns) + len(self._raw_waiting) >= self.account.window:
            answer = self.account.throttle_answer.status
            self.counts.window_full[self.account.system_id] += 1
            log.info("{peer}: window of {window} full; answered {status}",
                          peer=self._peer(), window=self.account.window, status=answer.name)  # fmt: skip
            return answer
        return CommandStatus.ESME_ROK

    def PDURequestReceived(self, reqPDU):
        command = reqPDU.id.name
        status = self.admission(command)
        if status != CommandStatus.ESME_ROK:
            self.sendResponse(reqPDU, library_status(status), **self._error_body(command, reqPDU))
            return
        if command in session_rules.BIND_COMMANDS:
            self.bind(reqPDU)
        elif command == "enquire_link":
            self.sendResponse(reqPDU)
        elif command == "unbind":
            self.onPDURequest_unbind(reqPDU)
        elif isinstance(reqPDU, PDUDataRequest):
            fault = wire_faults.request_fault(self._faults, self._rng)
            if fault is wire_faults.GENERIC_NACK:  # late or silent like any answer, on every path
                self._write_raw_answer(wire.encode(wire.GENERIC_NACK, reqPDU.seqNum, CommandStatus.ESME_RSYSERR), submit_response=True)
            elif fault is not None:
                self.sendResponse(reqPDU, library_status(fault), **self._error_body(command, reqPDU))
            else:
                self.doPDURequest(reqPDU, self._handle_data_request)

    def sendResponse(self, reqPDU, status=pdu_types.CommandStatus.ESME_ROK, **params):
        """Answer a request, through whatever wire faults the session has switched on."""
        if self._faults.silent:
            return
        accepted_submit = reqPDU.id.name == "submit_sm" and status == pdu_types.CommandStatus.ESME_ROK
        delay = wire_faults.response_delay(self._faults, self._rng, accepted_submit)
        response = reqPDU.requireAck(reqPDU.seqNum, status, **params)
        response.answer_status = getattr(reqPDU, "answer_status", None)
        if delay:
            self._late_answer(delay)
            self.callLater(delay, self._send_if_connected, response, accepted_submit)
        else:
            self._send_if_connected(response, accepted_submit)

    def _late_answer(self, delay: float) -> None:
        self._answers_until = max(self._answers_until, self.factory.clock.seconds() + delay)

    def onPDURequest_unbind(self, reqPDU):
        """As smpp.twisted does it, except that the link closes only once the unbind_resp and
        the answers before it are written, however late the session's faults make them (else
        a late unbind_resp never leaves, and the ESME sees its link lost instead)."""
        self.sessionState = SMPPSessionStates.UNBIND_RECEIVED
        self.cancelEnquireLinkTimer()
        self.cancelOutboundTransactions(SMPPClientSessionStateError("Unbind received"))
        self.finishInboundTxns().addCallback(self._unbind_answered, reqPDU)

    def _unbind_answered(self, _, reqPDU) -> None:
        self.sendResponse(reqPDU)
        wait = self._answers_until - self.factory.clock.seconds()
        if wait > 0:
            self.callLater(wait, self.disconnect)
        else:
            self.disconnect()

    def _send_if_connected(self, response, accepted_submit: bool) -> None:
        if not self.connected:
            return
        if accepted_submit and self._faults.malformed_share and self._rng.random() < self._faults.malformed_share:
            self.transport.write(wire_faults.malformed(self.encoder.encode(response)))
            self.counts.wrote(constants.command_id_name_map[response.id.name], 0)
            return
        self.sendPDU(response)

    def sendPDU(self, pdu):
        status = getattr(pdu, "answer_status", None)
        if status is None or library_knows_status(status):
            super().sendPDU(pdu)
            self.counts.wrote(constants.command_id_name_map[pdu.id.name], constants.command_status_name_map[pdu.status.name])
            return
        octets = self.encoder.encode(pdu)  # with ESME_RUNKNOWNERR in place of the vendor code
        self.transport.write(octets[:8] + int(status).to_bytes(4, "big") + octets[12:])
        self.counts.wrote(constants.command_id_name_map[pdu.id.name], int(status))
        self.onSMPPOperation()

    def PDUResponseReceived(self, pdu):
        if pdu.seqNum not in self.outTxns:
            log.info("{peer}: {command} for unknown sequence {sequence} ignored",
                          peer=self._peer(), command=pdu.id.name, sequence=pdu.seqNum)  # fmt: skip
            return
        super().PDUResponseReceived(pdu)

    def claimSeqNum(self):
        """Our own sequence numbers wrap within 1..0x7FFFFFFF, as the spec requires."""
        self.lastSeqNum = self.lastSeqNum % 0x7FFFFFFF + 1
        return self.lastSeqNum

    # -- bind -------------------------------------------------------------------------------

    @defer.inlineCallbacks
    def bind(self, reqPDU):
        request = wire.Bind.from_pdu(reqPDU)
        command = reqPDU.id.name
        try:
            account = yield self._authenticate(request)
            self._check_bind_allowed(account, request, command)
        except SmppError as refusal:
            log.info("{peer}: {command} as {system_id!r} refused: {refusal}",
                          peer=self._peer(), command=command, system_id=request.system_id, refusal=str(refusal))  # fmt: skip
            self.sendPDU(reqPDU.requireAck(seqNum=reqPDU.seqNum, status=library_status(refusal.status)))
            return
        if self.bind_state is not BindState.OPEN:  # a second bind raced the first
            self.sendPDU(reqPDU.requireAck(seqNum=reqPDU.seqNum, status=pdu_types.CommandStatus.ESME_RALYBND))
            return
        self.account = account
        self.system_id = account.system_id
        self.bind_type = reqPDU.commandId
        self.sessionState = _BOUND_LIBRARY_STATE[command]
        self.factory.addBoundConnection(self)
        response = wire.BindResp(wire.BindType(_BIND_TYPE_NAMES[command]), self.factory.smsc_config.system_id)
        self.sendPDU(response.to_pdu(reqPDU.seqNum))
        log.info("{peer}: bound {system_id} as {bind_type}",
                      peer=self._peer(), system_id=account.system_id, bind_type=_BIND_TYPE_NAMES[command])  # fmt: skip
        self.activateEnquireLinkTimer()
        self.faults = self.factory.faults_for(account)
        self.factory.session_bound(self)

    @defer.inlineCallbacks
    def _authenticate(self, request):
        try:
            _, account, _ = yield self.factory.login(request.system_id, request.password, self._peer())
        except cred_error.UnauthorizedLogin:
            if self.factory.smsc_config.account(request.system_id) is None:
                raise SmppError(CommandStatus.ESME_RINVSYSID, "unknown system_id") from None
            raise SmppError(CommandStatus.ESME_RINVPASWD, "wrong password") from None
        return account

    def _check_bind_allowed(self, account, request, command):
        if _BIND_TYPE_NAMES[command] not in account.bind_types:
            raise SmppError(CommandStatus.ESME_RBINDFAIL, f"bind type {_BIND_TYPE_NAMES[command]} not allowed")
        if account.system_type is not None and request.system_type != account.system_type:
            raise SmppError(CommandStatus.ESME_RINVSYSTYP, f"system_type must be {account.system_type!r}")
        if not self.factory.canOpenNewConnection(account.system_id, getattr(CommandId, command)):
            raise SmppError(CommandStatus.ESME_RBINDFAIL, f"already {account.max_binds} binds")

    # -- data requests ----------------------------------------------------------------------

    @defer.inlineCallbacks
    def _handle_data_request(self, _protocol, reqPDU):
        command = reqPDU.id.name
        try:
            handler = self._data_handlers.get(command)
            if handler is None:
                raise SmppError(CommandStatus.ESME_RINVCMDID, f"{command} is not supported yet")
            response = yield handler(reqPDU)
        except SmppError as refusal:
            log.info("{peer}: {command} refused: {refusal}", peer=self._peer(), command=command, refusal=str(refusal))
            if refusal.closes_session:
                self.callLater(0, self.shutdown)
            reqPDU.answer_status = refusal.status  # smpp.pdu may not know it (vendor codes): sendPDU writes it
            return DataHandlerResponse(library_status(refusal.status), **self._error_body(command, reqPDU))
        except Exception:
            log.failure("{peer}: {command} failed inside the SMSC", peer=self._peer(), command=command)
            return DataHandlerResponse(pdu_types.CommandStatus.ESME_RSYSERR, **self._error_body(command, reqPDU))
        return DataHandlerResponse(pdu_types.CommandStatus.ESME_ROK, **response.to_pdu(reqPDU.seqNum).params)

    @staticmethod
    def _error_body(command: str, reqPDU) -> dict:
        """The body an error response must still carry: query_sm_resp has no empty form."""
        if command != "query_sm":
            return {}
        request = stored.QuerySm.from_pdu(reqPDU)
        return stored.QuerySmResp(request.message_id, MessageState.UNKNOWN).to_pdu(reqPDU.seqNum).params

    @property
    def _data_handlers(self):
        return {
            "submit_sm": self._submit_sm,
            "data_sm": self._data_sm,
            "query_sm": self._query_sm,
            "cancel_sm": self._cancel_sm,
        }

    @defer.inlineCallbacks
    def _submit_sm(self, reqPDU):
        message = wire.SubmitSm.from_pdu(reqPDU)
        check_submit(message, self.now())
        message_id = yield self.factory.sink.submit(self.account, message, self._octets_of(reqPDU))
        return wire.SubmitSmResp(message_id)

    @defer.inlineCallbacks
    def _data_sm(self, reqPDU):
        message = wire.DataSm.from_pdu(reqPDU).as_submit()
        check_submit(message, self.now())
        message_id = yield self.factory.sink.submit(self.account, message, self._octets_of(reqPDU))
        return wire.DataSmResp(message_id)

    def _octets_of(self, reqPDU) -> bytes | None:
        """The request's octets as read, when the handler runs while it is being read."""
        octets = self._request_octets
        if octets is not None and struct.unpack("!L", octets[12:16])[0] == reqPDU.seqNum:
            return octets
        return None

    def _query_sm(self, reqPDU):
        return self.factory.sink.query(self.account, stored.QuerySm.from_pdu(reqPDU))

    @defer.inlineCallbacks
    def _cancel_sm(self, reqPDU):
        yield self.factory.sink.cancel(self.account, stored.CancelSm.from_pdu(reqPDU))
        return wire.Bodyless("cancel_sm_resp")

    def deliver(self, value):
        """Send a deliver_sm or data_sm; the Deferred fires with the response or fails on an
        error status or a timeout. An alert_notification has no response: sent is done."""
        if isinstance(value, wire.AlertNotification):
            self.sendPDU(value.to_pdu(self.claimSeqNum()))
            return defer.succeed(None)
        if isinstance(value, wire.DeliverSm) and self.isBound() and not self.connectionCorrupted:
            sequence = self.claimSeqNum()
            octets = fast.write_deliver_sm(value, sequence)
            if octets is not None:  # written without smpp.pdu; smpp.twisted still tracks it
                self.transport.write(octets)
                sent = self.counts.sent
                sent[_DELIVER_SM_OK] = sent.get(_DELIVER_SM_OK, 0) + 1
                self.onSMPPOperation()
                return self.startOutboundTransaction(operations.DeliverSM(sequence), self.config().responseTimerSecs)
        return self.sendDataRequest(value.to_pdu())

    def now(self) -> datetime.datetime:
        """The session's current time (UTC) from the injected clock."""
        return times.utc(self.factory.clock.seconds())

    def peer(self) -> str:
        """host:port of the ESME, for logs."""
        return self._peer()

    def _peer(self) -> str:
        peer = self.transport.getPeer() if self.transport else None
        return f"{getattr(peer, 'host', '?')}:{getattr(peer, 'port', '?')}"
