"""The trainer's clock: follows the reactor while running, holds every call while paused,
lags by the time spent paused once resumed, and steps through what is due one time at a time."""

import pytest
from twisted.internet import error, task
from twisted.internet.interfaces import IReactorTime

from smsc.testing import run_for
from smsc.trainer_clock import NotPaused, TrainerClock

from .conftest import NOW as START


@pytest.fixture
def reactor():
    """The reactor a TrainerClock follows (the module's `clock` is the TrainerClock itself)."""
    reactor = task.Clock()
    reactor.advance(START)
    return reactor


@pytest.fixture
def clock(reactor):
    return TrainerClock(reactor)


def recorder(clock):
    ran = []
    return ran, lambda name: ran.append((name, clock.seconds()))


class TestRunning:
    def test_it_is_a_reactor_clock(self, clock):
        """It provides IReactorTime, so the engine and LoopingCall take it as their clock."""
        assert IReactorTime.providedBy(clock)

    def test_time_follows_the_reactor(self, reactor, clock):
        """Running, its time is the reactor's."""
        assert clock.seconds() == START
        reactor.advance(12.5)
        assert clock.seconds() == START + 12.5 and clock.lag == 0 and not clock.paused

    def test_calls_run_at_their_time_in_order(self, reactor, clock):
        """Calls run when the reactor reaches their time, earliest first, with their arguments."""
        ran, note = recorder(clock)
        clock.callLater(3, note, "c")
        clock.callLater(1, note, "a")
        clock.callLater(2, note, name="b")
        run_for(reactor, 10)
        assert ran == [("a", START + 1), ("b", START + 2), ("c", START + 3)]
        assert clock.due == 0

    def test_one_reactor_timer_serves_every_call(self, reactor, clock):
        """However many calls wait, the reactor holds one timer, for the earliest."""
        for delay in range(1000, 0, -1):
            clock.callLater(delay, lambda: None)
        assert len(reactor.getDelayedCalls()) == 1
        assert reactor.getDelayedCalls()[0].getTime() == START + 1
        assert clock.due == 1000 and len(clock.getDelayedCalls()) == 1000

    def test_a_failing_call_does_not_stop_the_others(self, reactor, clock):
        """A call that raises is logged; the ones due with it still run."""
        ran, note = recorder(clock)
        clock.callLater(1, lambda: 1 / 0)
        clock.callLater(1, note, "after")
        run_for(reactor, 2)
        assert ran == [("after", START + 1)]

    def test_a_call_made_for_now_runs_in_a_turn_of_its_own(self, reactor, clock):
        """A call that makes another for the same moment does not run it in its own turn (one
        that kept doing so would hold the reactor forever): a new reactor timer runs it."""
        ran, note = recorder(clock)

        def first():
            clock.callLater(0, note, "then")
            ran.append(("first", clock.seconds()))

        clock.callLater(1, first)
        turns = []
        reactor.callLater(1, lambda: turns.append(list(ran)))  # after our timer, before the new one
        reactor.advance(1)
        assert turns == [[("first", START + 1)]]
        assert ran == [("first", START + 1), ("then", START + 1)]

    def test_a_looping_call_runs_on_it(self, reactor, clock):
        """LoopingCall (the engine's hourly purge) keeps its period on this clock."""
        ticks = []
        loop = task.LoopingCall(lambda: ticks.append(clock.seconds()))
        loop.clock = clock
        loop.start(10, now=True)
        run_for(reactor, 35)
        loop.stop()
        assert ticks == [START, START + 10, START + 20, START + 30]


class TestTheCallsItReturns:
    def test_cancel_and_active(self, reactor, clock):
        """A cancelled call never runs and is no longer active; cancelling it again is refused as for the reactor."""
        ran, note = recorder(clock)
        call = clock.callLater(1, note, "x")
        assert call.active() and call.getTime() == START + 1
        call.cancel()
        assert not call.active() and clock.due == 0
        with pytest.raises(error.AlreadyCancelled):
            call.cancel()
        run_for(reactor, 5)
        assert ran == []

    def test_a_call_that_ran_is_not_active(self, reactor, clock):
        call = clock.callLater(1, lambda: None)
        run_for(reactor, 1)
        assert not call.active()
        with pytest.raises(error.AlreadyCalled):
            call.reset(1)

    def test_reset_earlier_and_later(self, reactor, clock):
        """reset() moves a call either way; it runs once, at its new time."""
        ran, note = recorder(clock)
        sooner = clock.callLater(10, note, "sooner")
        later = clock.callLater(2, note, "later")
        sooner.reset(1)
        later.reset(5)
        assert (sooner.getTime(), later.getTime()) == (START + 1, START + 5)
        run_for(reactor, 20)
        assert ran == [("sooner", START + 1), ("later", START + 5)]

    def test_delay_moves_a_call_later(self, reactor, clock):
        ran, note = recorder(clock)
        call = clock.callLater(1, note, "x")
        call.delay(2)
        run_for(reactor, 10)
        assert ran == [("x", START + 3)]

    def test_the_heap_stays_small_under_cancel_churn(self, reactor, clock):
        """Calls made and cancelled by the hundred thousand (a timer re-armed on every submit)
        leave no pile of dead entries behind."""
        keep = [clock.callLater(1000 + index, lambda: None) for index in range(10)]
        for index in range(100_000):
            clock.callLater(index % 50 + 1, lambda: None).cancel()
        assert len(clock._heap) <= 2 * len(keep) + 200
        assert clock.due == 10 and len(reactor.getDelayedCalls()) == 1


class TestPause:
    def test_paused_time_stands_still_and_calls_wait(self, reactor, clock):
        """Paused, its time does not move and nothing runs, however long the reactor goes on."""
        ran, note = recorder(clock)
        clock.callLater(1, note, "x")
        reactor.advance(0.5)
        clock.pause()
        assert reactor.getDelayedCalls() == []  # nothing of ours left in the reactor
        run_for(reactor, 60)
        assert clock.seconds() == START + 0.5 and ran == [] and clock.due == 1
        assert clock.lag == 60 and clock.paused

    def test_calls_made_while_paused_wait_too(self, reactor, clock):
        ran, note = recorder(clock)
        clock.pause()
        clock.callLater(0, note, "x")
        run_for(reactor, 5)
        assert ran == []

    def test_resumed_it_lags_by_the_pause_and_does_not_catch_up(self, reactor, clock):
        """Resumed after 60 s paused, its time goes on from where it stopped: a call due 1 s
        later runs 1 s later, not at once."""
        ran, note = recorder(clock)
        clock.callLater(1, note, "x")
        clock.pause()
        reactor.advance(60)
        clock.resume()
        assert clock.lag == 60 and not clock.paused
        reactor.advance(0.9)
        assert ran == []
        reactor.advance(0.1)
        assert ran == [("x", START + 1)]
        assert clock.seconds() == reactor.seconds() - 60

    def test_pause_and_resume_twice_are_harmless(self, reactor, clock):
        clock.pause()
        clock.pause()
        reactor.advance(5)
        clock.resume()
        clock.resume()
        assert clock.lag == 5


class TestStep:
    def test_stepping_while_running_is_refused(self, clock):
        with pytest.raises(NotPaused, match="pause it"):
            clock.step()

    def test_a_step_runs_the_next_due_time_and_moves_there(self, reactor, clock):
        """One step moves the clock to the earliest call and runs every call due then, no more."""
        ran, note = recorder(clock)
        clock.callLater(30, note, "c")
        clock.callLater(10, note, "a")
        clock.callLater(10, note, "b")
        clock.pause()
        assert clock.step() == 2
        assert ran == [("a", START + 10), ("b", START + 10)] and clock.seconds() == START + 10
        assert clock.step() == 1
        assert ran[-1] == ("c", START + 30)
        assert clock.step() == 0 and clock.seconds() == START + 30  # nothing left: time stays

    def test_a_step_of_n_runs_n_due_times(self, clock):
        ran, note = recorder(clock)
        for delay in (1, 2, 3, 4):
            clock.callLater(delay, note, delay)
        clock.pause()
        assert clock.step(limit=3) == 3
        assert [name for name, _ in ran] == [1, 2, 3]

    def test_steps_reach_the_calls_earlier_steps_made(self, clock):
        """Calls a step's calls schedule are stepped to in their turn."""
        ran, note = recorder(clock)

        def hop(count):
            note(count)
            if count < 5:
                clock.callLater(2, hop, count + 1)

        clock.callLater(1, hop, 1)
        clock.pause()
        clock.step(limit=4)
        assert ran == [(1, START + 1), (2, START + 3), (3, START + 5), (4, START + 7)]

    def test_a_step_skips_cancelled_calls(self, clock):
        ran, note = recorder(clock)
        clock.callLater(1, note, "gone").cancel()
        clock.callLater(2, note, "kept")
        clock.pause()
        assert clock.step() == 1 and ran == [("kept", START + 2)]

    def test_time_after_steps_goes_on_from_there(self, reactor, clock):
        """Steps advance the clock: resumed, it lags the reactor by the pause less what they advanced."""
        clock.callLater(10, lambda: None)
        clock.pause()
        reactor.advance(30)
        clock.step()
        clock.resume()
        assert clock.lag == 20 and clock.seconds() == START + 10
