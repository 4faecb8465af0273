"""smsc.tcp: no Nagle and re-armed quick ACKs on SMPP sockets, and harmless where there is no socket."""

import asyncio
import socket

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from bench import generator
from pdu import wire
from smsc import tcp


@pytest.fixture
def connected():
    """Both ends of a real loopback TCP connection: (server side, client side)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    yield server, client
    server.close()
    client.close()


class SocketTransport(StringTransport):
    """An in-memory transport over a real socket, which getHandle() gives as Twisted's TCP does."""

    def __init__(self, sock):
        super().__init__(IPv4Address("TCP", "127.0.0.1", 2775), IPv4Address("TCP", "127.0.0.1", 40000))
        self.sock = sock

    def getHandle(self):
        return self.sock


class TlsLayer:
    """What TLS puts in front of TCP: getHandle() is the OpenSSL connection, .transport the TCP one."""

    def __init__(self, transport):
        self.transport = transport

    def getHandle(self):
        return object()


def nodelay(sock) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


class TestTune:
    def test_sets_nodelay_on_a_tcp_socket(self, connected):
        """After tune, the socket under the transport reports TCP_NODELAY on."""
        server, _ = connected
        assert nodelay(server) == 0
        tcp.tune(SocketTransport(server))
        assert nodelay(server) == 1

    def test_reaches_the_socket_under_tls(self, connected):
        """A TLS-wrapped transport is tuned through the TCP transport it wraps."""
        server, _ = connected
        tcp.tune(TlsLayer(SocketTransport(server)))
        assert nodelay(server) == 1

    def test_in_memory_transport_is_left_alone(self):
        """A transport with no socket (tests, iosim) is a no-op, not an error."""
        transport = StringTransport()
        tcp.tune(transport)
        tcp.rearm_quickack(transport)
        assert transport.value() == b""

    def test_closed_socket_is_a_no_op(self, connected):
        """A socket closed under us raises nothing."""
        server, _ = connected
        server.close()
        tcp.tune(SocketTransport(server))
        tcp.rearm_quickack(SocketTransport(server))

    def test_non_tcp_socket_is_a_no_op(self):
        """A Unix socket has no TCP options; tuning it raises nothing."""
        left, right = socket.socketpair()
        with left, right:
            tcp.tune(SocketTransport(left))
            tcp.rearm_quickack(SocketTransport(left))


class TestRearmQuickack:
    @pytest.mark.skipif(not hasattr(socket, "TCP_QUICKACK"), reason="TCP_QUICKACK is Linux only")
    def test_sets_quickack(self, connected):
        """A socket the kernel has switched to delayed ACKs is put back into quick-ACK mode."""
        server, _ = connected
        server.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 0)
        assert server.getsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK) == 0
        tcp.rearm_quickack(SocketTransport(server))
        assert server.getsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK) == 1


class TestSession:
    def test_server_side_socket_is_tuned_on_connect(self, connected, factory):
        """An SMSC session sets TCP_NODELAY on its socket as the connection opens, and keeps
        answering as reads re-arm the quick ACK."""
        server, _ = connected
        transport = SocketTransport(server)
        session = factory.buildProtocol(transport.getPeer())
        session.makeConnection(transport)
        assert nodelay(server) == 1
        session.dataReceived(wire.encode(wire.Bind(wire.BindType.TRANSCEIVER, "smppclient1", "password"), 1))
        header, _ = wire.decode(transport.value())
        assert header.command_status == 0

    def test_nagle_client_is_answered_in_full(self, smsc_address):
        """`smsc serve` answers a pipelined client that leaves Nagle on, as most ESMEs do:
        every submit_sm answered OK and every receipt delivered."""
        host, port = smsc_address
        result = asyncio.run(generator.run(host, port, messages=300, window=100, nagle=True))
        assert (result["answered"], result["receipts"], result["not_ok"]) == (300, 300, {})
