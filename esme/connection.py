"""How the esme commands reach their SMSCs: a TOML profile, ESME_* environment variables and
flags, each overriding the last; then one Sender, or a Router over several SMSCs, bound with
errors a user can act on."""

import argparse
import os
import random
import sys

import attrs
from OpenSSL import crypto
from smpp.pdu.error import SMPPTransactionError
from twisted.internet import defer, endpoints, ssl

from esme import profile
from esme.routing import Route, Router
from esme.sender import Sender
from esme.session import response_status
from esme.settings import BindMode, Settings, read_statuses
from pdu.status import describe_status


@attrs.frozen
class Flag:
    field: str  # the Settings field it sets
    flag: str
    env: str
    kind: type
    help: str


def _truth(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


FLAGS = (
    Flag("host", "--host", "ESME_HOST", str, "SMSC host (default 127.0.0.1)"),
    Flag("port", "--port", "ESME_PORT", int, "SMSC port (default 2775)"),
    Flag("system_id", "--system-id", "ESME_SYSTEM_ID", str, "account (default smppclient1)"),
    Flag("password", "--password", "ESME_PASSWORD", str, "password (default password)"),
    Flag("system_type", "--system-type", "ESME_SYSTEM_TYPE", str, "system_type, when the SMSC asks for one"),
    Flag("bind", "--bind", "ESME_BIND", BindMode,
         "transceiver (default), transmitter (gets no receipts), receiver, or pair: a transmitter plus a receiver"),  # fmt: skip
    Flag("address_range", "--address-range", "ESME_ADDRESS_RANGE", str, "the bind's address_range (the MOs this ESME serves)"),
    Flag("addr_ton", "--addr-ton", "ESME_ADDR_TON", int, "the bind's addr_ton (default 0)"),
    Flag("addr_npi", "--addr-npi", "ESME_ADDR_NPI", int, "the bind's addr_npi (default 0)"),
    Flag("tls", "--tls", "ESME_TLS", _truth, "SMPP over TLS (the server's certificate must be trusted)"),
    Flag("retry_statuses", "--retry-on", "ESME_RETRY_ON", read_statuses,
         "command_statuses retried after a backoff, comma-separated (default ESME_RTHROTTLED,ESME_RMSGQFUL; "
         "add ESME_RSYSERR only for an SMSC known not to store before answering it)"),  # fmt: skip
    Flag("timeout_retries", "--timeout-retries", "ESME_TIMEOUT_RETRIES", int,
         "resend a submit left unanswered this many times (default 0: report it UNKNOWN; a resend may duplicate)"),
    Flag("tls_ca", "--tls-ca", "ESME_TLS_CA", str, "with --tls, trust this CA or self-signed certificate (PEM) instead of the system's store"),
)


class UsageError(ValueError):
    """Settings that cannot be used: exit status 2."""


def add_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "connection",
        "A TOML profile (--profile or ESME_PROFILE) may hold these settings, for one SMSC or several "
        "with the prefixes each serves (docs/esme.md); ESME_* environment variables override it, flags override both.",
    )
    group.add_argument("--profile", metavar="FILE", help="TOML profile of the SMSC(s) to use (ESME_PROFILE)")
    for flag in FLAGS:
        help_text = f"{flag.help} ({flag.env})"
        if flag.kind is _truth:
            group.add_argument(flag.flag, dest=flag.field, action="store_const", const=True, help=help_text)
        elif flag.kind is BindMode:
            group.add_argument(flag.flag, dest=flag.field, type=BindMode, choices=list(BindMode), metavar="|".join(m.value for m in BindMode), help=help_text)
        else:
            group.add_argument(flag.flag, dest=flag.field, type=flag.kind, help=help_text)
    group.add_argument("--verbose", action="store_true", help="also log smpp.twisted's own messages")


def overrides(args, environ=os.environ) -> dict:
    """Settings from ESME_* variables, then flags."""
    values = {}
    for flag in FLAGS:
        text = environ.get(flag.env)
        if text is not None:
            try:
                values[flag.field] = flag.kind(text)
            except ValueError:
                raise UsageError(f"{flag.env}={text!r}: expected {_expected(flag)}") from None
        if getattr(args, flag.field, None) is not None:
            values[flag.field] = getattr(args, flag.field)
    return values


def _expected(flag: Flag) -> str:
    if flag.kind is BindMode:
        return "one of " + ", ".join(mode.value for mode in BindMode)
    return {int: "a whole number", _truth: "true or false", read_statuses: "command_statuses such as ESME_RTHROTTLED,0x58"}.get(flag.kind, "text")


def smscs(args, defaults: dict, environ=os.environ, flags: dict | None = None) -> list[profile.SmscProfile]:
    """The SMSCs a command talks to; UsageError (or ConfigError, naming file, line and key)
    when the settings cannot be used. defaults: the command's own, under the profile's;
    flags: the command's own flags that set Settings fields, over everything."""
    given = {**overrides(args, environ), **(flags or {})}
    try:
        Settings(**{**defaults, **given})  # flags and variables checked first, so they are the ones named
    except ValueError as error:
        raise UsageError(_naming_the_flag(str(error))) from None
    path = args.profile or environ.get("ESME_PROFILE")
    if path:
        return profile.load(path, defaults, given)
    return profile.from_flags(defaults, given)


def _naming_the_flag(message: str) -> str:
    """'addr_ton must be ...' -> '--addr-ton (ESME_ADDR_TON): addr_ton must be ...'."""
    for flag in FLAGS:
        if message.startswith(f"{flag.field} "):
            return f"{flag.flag} ({flag.env}): {message}"
    return message


def endpoint_for(reactor, settings: Settings):
    if settings.tls:
        trust = trust_root(settings.tls_ca) if settings.tls_ca else None  # None: the system's store
        options = ssl.optionsForClientTLS(settings.host, trustRoot=trust)
        return endpoints.SSL4ClientEndpoint(reactor, settings.host, settings.port, options)
    return endpoints.TCP4ClientEndpoint(reactor, settings.host, settings.port, timeout=10)


def trust_root(path: str) -> ssl.Certificate:
    """The certificate tls_ca names; UsageError saying why it cannot be used."""
    try:
        with open(path, "rb") as pem:
            return ssl.Certificate.loadPEM(pem.read())
    except OSError as error:
        raise UsageError(f"cannot read the --tls-ca file {path}: {error.strerror}") from None
    except crypto.Error:
        raise UsageError(f"the --tls-ca file {path} is not a PEM certificate") from None


def build(reactor, smscs: list[profile.SmscProfile], rng: random.Random, on_message=None):
    """A Sender for one SMSC, a Router over several."""
    senders = [Sender(smsc.settings, reactor, rng, endpoint_for(reactor, smsc.settings), on_message) for smsc in smscs]
    if len(senders) == 1:
        return senders[0]
    return Router([Route(smsc.name, sender, smsc.prefixes) for smsc, sender in zip(smscs, senders)])


@defer.inlineCallbacks
def connect(reactor, args, command: str, defaults: dict, flags: dict | None = None, err=sys.stderr):
    """The command's bound Sender (or Router); None, with the reason on `err`, when it cannot
    bind. UsageError and ConfigError are the caller's to report."""
    chosen = smscs(args, defaults, flags=flags)
    receivers = [smsc.name for smsc in chosen if not smsc.settings.transmits]
    if receivers:
        raise UsageError(f"a receiver bind cannot send ({', '.join(receivers)}); bind as transceiver, transmitter or pair")
    sender = build(reactor, chosen, random.Random())
    where = ", ".join(f"{smsc.settings.host}:{smsc.settings.port}" for smsc in chosen)
    try:
        yield sender.start()
    except SMPPTransactionError as error:
        yield sender.stop()
        print(f"esme {command}: bind refused by {where}: {describe_status(response_status(error.response))}", file=err)
        return None
    except Exception as error:  # nobody listening, TLS handshake, timeout: say which
        yield sender.stop()
        print(f"esme {command}: cannot reach the SMSC at {where}: {error}", file=err)
        return None
    for route, error in getattr(sender, "unreachable", ()):
        address = f"{route.sender.settings.host}:{route.sender.settings.port}"
        print(f"esme {command}: {route.name} ({address}) not bound yet, its traffic goes to the others: {error}", file=err)
    return sender


def bind_failure(error: Exception) -> str:
    """Why a bind failed, in words a user can act on: the SMSC's status when it refused, else
    the error (nobody listening, TLS handshake, timeout)."""
    if isinstance(error, SMPPTransactionError):
        return describe_status(response_status(error.response))
    return str(error)
