"""The load sampled over a run: it changes nothing in the run, and its series add up to what
the run did (every message offered and accepted, the tower down between its steps)."""

import struct

import pytest
from twisted.internet import task

from scenarios import sampling
from tests.scenarios.tiny import run_logged

class TestSamplingChangesNothing:
    def test_a_sampled_run_logs_what_an_unsampled_one_does(self, tiny, sampled):
        """The event log is byte for byte the same with sampling off, on by default, and on at
        an odd step that falls between every other timer of the run."""
        unsampled_run, unsampled = run_logged(tiny, every=0)
        _, odd = run_logged(tiny, every=0.37)
        assert unsampled_run.series is None
        assert sampled[1] == unsampled == odd


class TestSeries:
    def test_samples_start_at_zero_at_a_steady_step(self, sampled):
        """One sample at 0, then one a step (1 s for a minute of traffic), coarser in the drain."""
        series = sampled[0].series
        assert series.every == 1.0 and series.t[:3] == (0.0, 1.0, 2.0)
        assert all(later > earlier for earlier, later in zip(series.t, series.t[1:]))
        assert series.t[-1] == pytest.approx(sampled[0].ended_at - sampled[0].started_at - 1, abs=series.every * 30)

    def test_counts_add_up_to_the_run(self, sampled):
        """Every message offered is counted once, every accepted one once, every receipt once."""
        run, _ = sampled
        series = run.series
        assert sum(series.offered) == len(run.sent) == 180
        assert sum(series.accepted) == sum(one.accepted is not None and one.accepted.accepted for one in run.sent)
        assert sum(sum(counts) for counts in series.receipts.values()) == sum(
            one.outcome is not None and one.outcome.state in ("DELIVRD", "EXPIRED", "UNDELIV", "REJECTD") for one in run.sent
        )
        assert sum(series.throttled) == 0  # nothing here is throttled
        assert sum(sum(tower.on_air) for tower in series.towers.values()) >= sum(series.accepted) * 0.9

    def test_the_tower_is_down_between_its_steps_and_holds_traffic(self, sampled):
        series = sampled[0].series
        tower = series.towers["CM-1"]
        down = [t for t, up in zip(series.t, tower.up) if up is False]
        assert (down[0], down[-1]) == (20.0, 39.0)
        assert max(tower.held) > 0 and tower.held[series.t.index(40.0)] == 0
        assert [(mark.t, mark.label) for mark in series.events] == [(20.0, "tower_down CM-1"), (40.0, "tower_up CM-1")]

    def test_step_for_keeps_long_scenarios_small(self):
        assert [sampling.step_for(seconds) for seconds in (60, 180, 2400, 3600, 86400)] == [1.0, 1.0, 15.0, 30.0, 600.0]


class _FakeEngine:
    def __init__(self, sent: int):
        from smsc import network, network_config

        self.network = network.Network(network_config.Network(), rng=None)
        self.network.towers["CM-1"].sent = sent


class _Link:
    def __init__(self):
        self.other = self
        self.sent = bytearray()


class _World:
    def __init__(self):
        self.engine = _FakeEngine(sent=5)
        self.link = _Link()
        self.endpoints = [type("Endpoint", (), {"links": [self.link]})()]


def _response(command_id: int, status: int) -> bytes:
    return struct.pack("!LLLL", 16, command_id, status, 1)


class TestSampler:
    def test_throttles_are_read_off_the_wire(self):
        """Submit responses answered ESME_RTHROTTLED or ESME_RMSGQFUL count; others do not,
        and a PDU is counted once however often the wire is read."""
        clock, world = task.Clock(), _World()
        sampler = sampling.Sampler(clock, 0.0, 1.0)
        sampler.start(world)
        world.link.sent += _response(0x80000004, 0x58) + _response(0x80000004, 0) + _response(0x80000015, 0x58)
        clock.advance(1)
        world.link.sent += _response(0x80000004, 0x14) + _response(0x80000004, 0x58)[:10]  # the rest comes later
        clock.advance(1)
        world.link.sent += _response(0x80000004, 0x58)[10:]
        sampler.stop()
        assert sampler.series().throttled == (0, 1, 1)
        clock.advance(1)
        assert sampler.series().t == (0.0, 1.0, 2.0)  # stop() took no second sample at 2, and none follow

    def test_the_event_log_tap_counts_traffic_and_receipts(self):
        clock, world, written = task.Clock(), _World(), []
        sampler = sampling.Sampler(clock, 0.0, 10.0)
        record = sampler.tap(lambda *event: written.append(event))
        sampler.start(world)
        record(1.0, "submit", {"msg": 0})
        record(1.0, "response", {"msg": 0, "ids": ["a", "b"], "status": [0, 0]})
        record(1.0, "response", {"msg": 1, "ids": [None], "status": [0x58]})
        record(1.0, "response", {"msg": 2, "ids": [None], "status": [None]})  # unanswered: neither
        record(2.0, "final", {"msg": 0, "state": "DELIVRD"})
        record(2.0, "final", {"msg": 1, "state": "REFUSED"})  # not a receipt
        record(3.0, "timeline", {"do": "tower_capacity", "tower": "CM-1", "capacity": 2.5, "seconds": 60})
        clock.advance(10)
        series = sampler.series()
        assert len(written) == 7
        assert (series.offered, series.accepted, series.refused) == ((0, 1), (0, 1), (0, 1))
        assert series.receipts == {"DELIVRD": (0, 1)}
        assert [(mark.t, mark.label) for mark in series.events] == [(3.0, "tower_capacity CM-1 capacity=2.5 seconds=60")]

    def test_a_restarted_smsc_counts_its_towers_from_zero(self):
        """on_air is what went on air since the sample before, also across a restart whose
        new engine counts from 0; no SMSC at a sample leaves the towers unknown there."""
        clock, world = task.Clock(), _World()
        sampler = sampling.Sampler(clock, 0.0, 1.0)
        sampler.start(world)  # CM-1 had put 5 on air
        world.engine.network.towers["CM-1"].sent = 8
        clock.advance(1)
        world.engine = None
        clock.advance(1)
        world.engine = _FakeEngine(sent=2)
        clock.advance(1)
        tower = sampler.series().towers["CM-1"]
        assert tower.on_air == (5, 3, 0, 2) and tower.up == (True, True, None, True)
