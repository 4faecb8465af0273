"""The dashboard against the project's SMSC: in memory on the SMSC tests' clock, and in a real
browser against `smsc serve`."""

from tests.smsc import conftest as smsc_conftest

clock = smsc_conftest.clock  # a task.Clock at the SMSC tests' NOW
