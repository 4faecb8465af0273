"""A run's event log: JSON Lines, one event per hop of every message and per timeline step,
times in milliseconds from the start. The first line holds the scenario file's text and the
seed, so that `smsc scenario replay LOG` can run it again from the log alone.

Written the same way every time (fixed key order, no floats but times rounded to the
millisecond), so that two runs with one seed give byte-identical logs.
"""

import itertools
import json

FORMAT = 1


def _line(fields: dict) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")) + "\n"


class EventLog:
    def __init__(self, stream, start: float):
        """stream: where lines go (a text file); start: the clock's seconds at offset 0."""
        self._stream = stream
        self._start = start
        self.events = 0

    def header(self, name: str, seed: int, source: str, file: str, **extra) -> None:
        """extra: what else a reader should know (a live run: live={smpp, api, speed})."""
        self._stream.write(_line({"format": FORMAT, "scenario": name, "seed": seed, "file": file, **extra, "source": source}))

    def record(self, at: float, kind: str, fields: dict) -> None:
        self._stream.write(_line({"t": round((at - self._start) * 1000), "kind": kind, **fields}))
        self.events += 1


def read_header(path: str) -> dict:
    with open(path, encoding="utf-8") as stream:
        try:
            header = json.loads(stream.readline() or "{}")
        except ValueError:
            header = {}
    if not isinstance(header, dict) or header.get("format") != FORMAT or "source" not in header:
        raise ValueError(f"{path}: not an event log of smsc scenario run (format {FORMAT})")
    return header


def first_difference(logged, replayed) -> tuple[int, str, str] | None:
    """The first line (1-based) where two logs differ, with both lines; None when the same."""
    for number, (one, other) in enumerate(itertools.zip_longest(logged, replayed, fillvalue=""), start=1):
        if one != other:
            return number, one or "(end of log)", other or "(end of log)"
    return None
