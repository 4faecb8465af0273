"""Every pending step on one heap and one timer: each runs at its own time."""

from twisted.internet import task

from smsc.schedule import Schedule
from smsc.testing import run_for


def schedule_on(clock):
    ran = []

    def run(item):
        ran.append((clock.seconds(), item))
        if item == "a":  # what an attempt does: plan the message's next step, far ahead
            schedule.at(clock.seconds() + 100, "c")

    schedule = Schedule(clock, run)
    return schedule, ran


class TestTimes:
    def test_steps_run_at_their_times_in_order(self):
        clock = task.Clock()
        schedule, ran = schedule_on(clock)
        for when, item in [(5, "x"), (1, "y"), (3, "z")]:
            schedule.at(when, item)
        run_for(clock, 10)
        assert ran == [(1, "y"), (3, "z"), (5, "x")]

    def test_a_step_planned_while_running_does_not_delay_one_already_waiting(self):
        """A step that plans another far ahead while an earlier one waits: the earlier one
        still runs on time (the timer was once armed for the new step's time instead, a bug)."""
        clock = task.Clock()
        schedule, ran = schedule_on(clock)
        schedule.at(0, "a")
        schedule.at(10, "b")
        run_for(clock, 200)
        assert ran == [(0, "a"), (10, "b"), (100, "c")]
