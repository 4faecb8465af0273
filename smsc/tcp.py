"""Socket options for SMPP sessions: no Nagle on our side, and no delayed ACK to feed theirs.

SMPP is a stream of small PDUs answered one by one. Two TCP defaults make that slow:
- Nagle on our socket holds a response back while an earlier one is unacknowledged;
  TCP_NODELAY turns it off.
- Most ESMEs (node `smpp`, python-smpplib, Kannel) leave Nagle on in *their* socket, so each
  of their small writes waits for our ACK of the previous one; Linux delays that ACK by up to
  40 ms when it expects to piggyback it on data. A window of 100 then crawls at about
  100 / 40 ms = 2,500 submits/s whatever we do with the PDUs. TCP_QUICKACK makes the kernel
  ACK at once, but only until it switches back to delayed ACKs on its own, so we re-arm it
  after every read (docs/performance.md has the figures).

Both are best-effort: a transport without a socket (in-memory in tests), a platform without
the option, or a socket that is already closed leaves the session as it was.
"""

import socket

_QUICKACK = getattr(socket, "TCP_QUICKACK", None)  # Linux only


def tune(transport) -> None:
    """Set TCP_NODELAY on the transport's socket and start it in quick-ACK mode."""
    _set(transport, socket.TCP_NODELAY)
    rearm_quickack(transport)


def rearm_quickack(transport) -> None:
    """Acknowledge what the peer sent now, not up to 40 ms later; call after each read."""
    if _QUICKACK is not None:
        _set(transport, _QUICKACK)


def _set(transport, option: int) -> None:
    sock = _socket_of(transport)
    if sock is None:
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, option, 1)
    except OSError:
        pass  # closed, or not TCP (a Unix socket): nothing to tune


def _socket_of(transport) -> socket.socket | None:
    """The socket under a TCP transport, or under the TLS layer wrapping one; else None."""
    for _ in range(2):  # a TCP transport, or a TLS protocol whose .transport is one
        handle = getattr(transport, "getHandle", None)
        sock = handle() if handle is not None else None
        if isinstance(sock, socket.socket):
            return sock
        transport = getattr(transport, "transport", None)  # TLS: its getHandle() is the OpenSSL connection
    return None
