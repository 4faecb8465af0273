"""Outbind: the SMSC dials an ESME, sends outbind, and the ESME binds as a receiver."""

from pdu.wire import Address, Bind, BindType, SubmitSm
from smsc.config import OutbindTarget
from smsc.config_file import structure
from smsc.outbind import OutbindFactory
from smsc.testing import WireSession

from .conftest import make_factory

TARGET = OutbindTarget("127.0.0.1:2800", "SMSC", "secret")


def test_outbind_then_bind_receiver_then_receipts(clock):
    """The first PDU on a dialled connection is outbind; after bind_receiver, receipts flow to it."""
    factory = make_factory(clock)
    dialled = WireSession(OutbindFactory(factory, TARGET))  # a connection the SMSC made itself
    ((header, outbind),) = dialled.received()
    assert header.command_name == "outbind" and (outbind.system_id, outbind.password) == ("SMSC", "secret")
    dialled.send(Bind(BindType.RECEIVER, "smppclient1", "password"))
    assert dialled.received()[0][0].command_status == 0
    transmitter = WireSession(factory, port=2)
    transmitter.bind(BindType.TRANSMITTER)
    transmitter.send(SubmitSm(Address(1, 1, "10690001"), Address(1, 1, "8613800130000"), b"hi", registered_delivery=1))
    clock.advance(1)
    assert [h.command_name for h, _ in dialled.received()] == ["deliver_sm"]


def test_outbind_targets_from_config():
    """[[outbind]] entries name the ESME's listener and what we present."""
    config = structure({"outbind": [{"connect": "127.0.0.1:2800", "system_id": "SMSC", "password": "secret"}]}, "smsc.toml")
    assert config.outbind == (TARGET,)
