"""Two reference servers that bound our figures from below and above, built without our SMSC.

- `bare`: smpp.twisted's own server, as its example would be written: a msgHandler that
  answers every submit_sm OK and sends one deliver_sm receipt. Everything our SMSC builds on,
  nothing we add: the floor of our stack.
- `raw`: a Twisted protocol that only frames by the 4-byte length header and answers with
  pre-encoded bytes (bind_transceiver_resp, submit_sm_resp, a receipt deliver_sm), decoding
  nothing. The ceiling of Python and Twisted on this machine.

Both set TCP_NODELAY and nothing else, as a stock server would. `raw --quickack` adds the one
socket habit our SMSC has (smsc.tcp: a quick ACK re-armed after each read), to show what it
does against clients that leave Nagle on, on a server fast enough to hit that trap.

    python -m bench.floors bare|raw --port P [--quickack]
"""

import argparse
import itertools
import struct
import sys

SUBMIT_SM, DELIVER_SM, UNBIND, BIND_TRANSCEIVER, ENQUIRE_LINK = 0x04, 0x05, 0x06, 0x09, 0x15
RESPONSE = 0x80000000


def bare_factory():
    from smpp.pdu.operations import DeliverSM
    from smpp.pdu.pdu_types import CommandStatus, EsmClass, EsmClassMode, EsmClassType
    from smpp.twisted.config import SMPPServerConfig
    from smpp.twisted.protocol import DataHandlerResponse, SMPPServerProtocol
    from smpp.twisted.server import IAuthenticatedSMPP, SMPPServerFactory
    from twisted.cred import checkers, credentials, error, portal
    from twisted.internet import defer, reactor
    from zope.interface import implementer

    @implementer(portal.IRealm)
    class Realm:
        def requestAvatar(self, avatar_id, mind, *interfaces):
            return IAuthenticatedSMPP, avatar_id, lambda: None

    # Twisted's in-memory checker keys users by bytes; smpp.twisted logs in with str.
    @implementer(checkers.ICredentialsChecker)
    class Checker:
        credentialInterfaces = (credentials.IUsernamePassword,)

        def requestAvatarId(self, offered):
            if offered.username == "smppclient1" and offered.checkPassword("password"):
                return defer.succeed(offered.username)
            return defer.fail(error.UnauthorizedLogin())

    class Protocol(SMPPServerProtocol):
        def connectionMade(self):
            super().connectionMade()
            self.transport.setTcpNoDelay(True)

    numbers = itertools.count(1)

    def receipt(smpp, submit, message_id):
        text = f"id:{message_id} sub:001 dlvrd:001 submit date:2611220930 done date:2611220930 stat:DELIVRD err:000 text:"
        smpp.sendDataRequest(
            DeliverSM(
                source_addr=submit.params["destination_addr"],
                destination_addr=submit.params["source_addr"],
                esm_class=EsmClass(EsmClassMode.DEFAULT, EsmClassType.SMSC_DELIVERY_RECEIPT),
                short_message=text.encode("ascii"),
            )
        ).addErrback(lambda failure: None)  # a receipt the client never answers is not our figure

    def handle(system_id, smpp, request):
        message_id = f"{next(numbers):x}"
        # After the submit_sm_resp, which smpp.twisted writes when this handler returns.
        reactor.callLater(0, receipt, smpp, request, message_id)
        return DataHandlerResponse(CommandStatus.ESME_ROK, message_id=message_id.encode())

    config = SMPPServerConfig(msgHandler=handle, systems={"smppclient1": {"max_bindings": 4}})
    factory = SMPPServerFactory(config, portal.Portal(Realm(), [Checker()]))
    factory.protocol = Protocol
    return factory


def raw_factory(quickack: bool = False, unique_ids: bool = False):
    from twisted.internet import protocol

    from smsc import tcp

    def header(length: int, command_id: int) -> bytes:
        """A PDU header up to its sequence_number, which each answer appends."""
        return struct.pack("!LLL", length, command_id, 0)

    receipt_text = b"id:1 sub:001 dlvrd:001 submit date:2611220930 done date:2611220930 stat:DELIVRD err:000 text:"
    receipt_body = (
        b"\0" + b"\1\1" + b"8613800138000\0" + b"\1\1" + b"10690001\0"
        + bytes([4, 0, 0]) + b"\0\0" + bytes([0, 0, 0, 0, len(receipt_text)]) + receipt_text
    )  # fmt: skip
    receipt_head = header(16 + len(receipt_body), DELIVER_SM)
    # command_id -> (header before the echoed sequence, body after it)
    canned = {
        BIND_TRANSCEIVER: (header(20, RESPONSE | BIND_TRANSCEIVER), b"RAW\0"),
        SUBMIT_SM: (header(18, RESPONSE | SUBMIT_SM), b"1\0"),
        ENQUIRE_LINK: (header(16, RESPONSE | ENQUIRE_LINK), b""),
        UNBIND: (header(16, RESPONSE | UNBIND), b""),
    }

    def unique(number: int, sequence: bytes) -> tuple[bytes, ...]:
        message_id = str(number).encode()
        text = receipt_text.replace(b"id:1 ", b"id:" + message_id + b" ")
        body = receipt_body[: -len(receipt_text) - 1] + bytes([len(text)]) + text
        response = header(17 + len(message_id), RESPONSE | SUBMIT_SM)
        return (response, sequence, message_id + b"\0", header(16 + len(body), DELIVER_SM), number.to_bytes(4, "big"), body)

    class Raw(protocol.Protocol):
        def connectionMade(self):
            self.transport.setTcpNoDelay(True)
            self.buffer = b""
            self.receipts = 0

        def dataReceived(self, data):
            if quickack:
                tcp.rearm_quickack(self.transport)
            buffer, offset, out = self.buffer + data, 0, []
            while len(buffer) - offset >= 16:
                length, command_id = struct.unpack_from("!LL", buffer, offset)
                if len(buffer) - offset < length:
                    break
                if unique_ids and command_id == SUBMIT_SM:
                    # Each message its own id, in its response and its receipt, for clients
                    # that correlate (an ESME under test): still no decoding.
                    self.receipts += 1
                    out += unique(self.receipts, buffer[offset + 12 : offset + 16])
                elif command_id in canned:
                    head, body = canned[command_id]
                    out += (head, buffer[offset + 12 : offset + 16], body)
                    if command_id == SUBMIT_SM:
                        self.receipts += 1
                        out += (receipt_head, self.receipts.to_bytes(4, "big"), receipt_body)
                offset += length
            self.buffer = buffer[offset:]
            self.transport.write(b"".join(out))

    return protocol.Factory.forProtocol(Raw)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floors", description=__doc__.split("\n\n")[0])
    parser.add_argument("server", choices=("bare", "raw"))
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--quickack", action="store_true", help="raw only: re-arm TCP_QUICKACK after each read")
    parser.add_argument("--unique-ids", action="store_true", help="raw only: a message_id of its own for each submit, in its receipt too")
    args = parser.parse_args(argv)
    from twisted.internet import reactor

    factory = bare_factory() if args.server == "bare" else raw_factory(args.quickack, args.unique_ids)
    port = reactor.listenTCP(args.port, factory, interface="127.0.0.1")
    print(f"{args.server} listening on 127.0.0.1:{port.getHost().port}", flush=True)
    reactor.run()


if __name__ == "__main__":
    sys.exit(main())
