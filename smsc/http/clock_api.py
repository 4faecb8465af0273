"""GET and POST /api/clock: the trainer pauses the SMSC's clock, steps it from one due time to
the next, and lets it go on (smsc.trainer_clock).

Paused, every message stands where it is (no attempt, retry, expiry or late receipt runs)
while SMPP sessions, enquire_link and the HTTP API carry on: those keep the reactor's time.
"""

import json

from smsc.http import shapes
from smsc.http.router import ApiError, Call, Route
from smsc.trainer_clock import NotPaused

MAX_STEPS = 10_000  # due times one request may step through


class ClockApi:
    def __init__(self, trainer):
        """trainer: smsc.trainer_clock.TrainerClock, or None when the engine's clock cannot pause."""
        self._trainer = trainer

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/clock", self.clock),
            Route("POST", "/api/clock", self.control),
        ]

    def clock(self, call: Call):
        return 200, self._shown(self._clock())

    def control(self, call: Call):
        trainer = self._clock()
        body = call.json()
        allowed = {"paused", "step"}
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise ApiError(400, f"unknown field {', '.join(unknown)}; this endpoint takes paused or step")
        if len(body) != 1:
            raise ApiError(400, 'give one of "paused" (true or false) or "step" (true, or how many due times to step through)')
        if "paused" in body:
            paused = body["paused"]
            if not isinstance(paused, bool):
                raise ApiError(400, f"paused must be true or false, got {json.dumps(paused)}")
            if paused:
                trainer.pause()
            else:
                trainer.resume()
            return 200, {**self._shown(trainer), "stepped": 0}
        times = _step_count(body["step"])
        try:
            stepped = trainer.step(limit=times)
        except NotPaused:
            raise ApiError(409, 'the clock is running: pause it first (POST /api/clock {"paused": true}), then step') from None
        return 200, {**self._shown(trainer), "stepped": stepped}

    def _clock(self):
        if self._trainer is None:
            raise ApiError(409, "this SMSC's clock cannot be paused: it was built without a trainer clock (smsc serve has one)")
        return self._trainer

    @staticmethod
    def _shown(trainer) -> dict:
        return {
            "paused": trainer.paused,
            "now": shapes.iso(trainer.seconds()),
            "lag_seconds": round(trainer.lag, 3),
            "due": trainer.due,
        }


def _step_count(step) -> int:
    """{"step": true} is one due time; {"step": N} up to N."""
    if step is True:
        return 1
    if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= MAX_STEPS:
        raise ApiError(400, f"step must be true or a whole number of due times from 1 to {MAX_STEPS}, got {json.dumps(step)}")
    return step
