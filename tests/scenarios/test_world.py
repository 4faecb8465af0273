"""The scenario's world: what timeline steps do to a running SMSC, and a crash and restart
that leaves no ghost of the dead SMSC running on the shared clock."""

import random

import attrs

from esme.sender import Sender
from esme.settings import Settings
from scenarios import timeline
from scenarios.world import World
from smsc.config import Config
from smsc.faults import WireFaults
from smsc.network_config import Churn
from smsc.policy.config import KeywordList, Policy
from smsc.testing import run_for
from tests.esme.conftest import wait_for
from tests.smsc import conftest as smsc_conftest

NOW = smsc_conftest.NOW
clock = smsc_conftest.clock  # a task.Clock at NOW


def world_and_sender(clock, tmp_path, config=None):
    events = []
    world = World(config or Config(), clock, 1, lambda at, kind, fields: events.append((at, kind, fields)), str(tmp_path / "data"))
    sender = Sender(Settings(enquire_link=30, reconnect_delay=1, reconnect_delay_max=8), clock, random.Random(1), world.endpoint())
    sender.start()
    run_for(clock, 1)
    assert sender.bound
    return world, sender, events


class TestCrash:
    def test_the_dead_smsc_runs_nothing_and_the_new_one_delivers(self, clock, tmp_path):
        """A message to a handset back in a minute (...0003) is acknowledged; the SMSC dies.
        None of its timers fire after, connections are refused while it is down, the ESME
        reconnects by itself, and the restarted SMSC delivers the message once."""
        world, sender, events = world_and_sender(clock, tmp_path)
        handle = sender.submit("8613800130003", "hello", "10690001")
        wait_for(clock, handle.accepted)
        dead, dead_engine = world.process, world.engine
        assert dead.getDelayedCalls()  # the engine's schedule, the sessions' timers
        world.crash(down_for=20)
        assert dead.getDelayedCalls() == [] and not sender.bound
        run_for(clock, 10)
        assert not sender.bound and world.endpoints[0].refuse
        run_for(clock, 30)
        assert sender.bound and world.engine is not dead_engine
        assert wait_for(clock, handle.finished).state == "DELIVRD"
        survey = world.survey()
        assert list(survey.delivered_per_message.values()) == [1] and survey.connections == (2,)
        assert ("smsc_started" in [fields.get("do") for _, kind, fields in events if kind == "timeline"])

    def test_what_the_timeline_changed_outlives_the_restart(self, clock, tmp_path):
        """Towers, wire faults and handset churn are the world's: a restarted SMSC keeps them."""
        world, sender, _ = world_and_sender(clock, tmp_path)
        world.tower("CM-1").set(up=False, capacity=3.0)
        world.set_faults("smppclient1", WireFaults(receipt_delay=5.0))
        churn = attrs.evolve(world.handsets(), absent=Churn(0.5, 1.0))
        world.set_handsets(churn)
        world.crash(down_for=0)
        run_for(clock, 1)
        tower = world.engine.network.towers["CM-1"]
        assert (tower.up, tower.capacity) == (False, 3.0)
        assert world.faults("smppclient1").receipt_delay == 5.0 and world.handsets() == churn

    def test_steps_while_it_is_down_apply_when_it_starts(self, clock, tmp_path):
        """While the SMSC is down there is no engine to read (a sampler sees none); what the
        timeline changes meanwhile is the world's and the new SMSC starts with it."""
        world, sender, _ = world_and_sender(clock, tmp_path)
        world.crash(down_for=10)
        assert world.engine is None and world.down
        world.tower("CM-2").set(up=False)
        timeline.ReceiptsDelay(delay=3).apply(world)
        world.drop_links("smppclient1")
        run_for(clock, 11)
        assert not world.engine.network.towers["CM-2"].up and world.factory.faults_for(world.config.account("smppclient1")).receipt_delay == 3

    def test_a_crash_while_down_changes_nothing(self, clock, tmp_path):
        world, sender, _ = world_and_sender(clock, tmp_path)
        world.crash(down_for=10)
        world.crash(down_for=100)
        run_for(clock, 20)
        assert sender.bound


class TestKeywords:
    def test_words_written_to_a_file_of_the_run(self, clock, tmp_path):
        """Inline words become the list's file; the next submit meets them, and a restarted
        SMSC reads them too."""
        (tmp_path / "old.txt").write_text("六合彩\n", encoding="utf-8")
        config = Config(policy=Policy(keywords=(KeywordList("gambling", str(tmp_path / "old.txt")),)))
        world, sender, _ = world_and_sender(clock, tmp_path, config)
        world.set_keywords("gambling", words=("赌场",))
        first = wait_for(clock, sender.submit("8613800138888", "澳门赌场开业", "10690001").accepted)
        world.crash(down_for=0)
        run_for(clock, 5)
        again = wait_for(clock, sender.submit("8613800138888", "澳门赌场开业", "10690001").accepted)
        assert [first.parts[0].status, again.parts[0].status] == [0x400, 0x400]


class TestStepsForAWhile:
    def test_churn_and_late_receipts_come_back_after_their_seconds(self, clock, tmp_path):
        """handsets and receipts_delay with `seconds`: what they changed, and only that, is
        put back; each return is logged as a timeline event."""
        world, _, events = world_and_sender(clock, tmp_path)
        before = world.handsets()
        timeline.HandsetChurn(absent=Churn(0.5, 1.0), seconds=30).apply(world)
        timeline.ReceiptsDelay(delay=10, seconds=20).apply(world)
        world.set_faults("smppclient1", attrs.evolve(world.faults("smppclient1"), response_delay=1.0))
        assert world.handsets().absent == Churn(0.5, 1.0) and world.faults("smppclient1").receipt_delay == 10
        run_for(clock, 31)
        assert world.handsets() == before
        assert world.faults("smppclient1") == WireFaults(response_delay=1.0)
        assert [fields["do"] for _, kind, fields in events if kind == "timeline"] == ["receipts_delay", "handsets"]
