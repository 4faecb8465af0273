"""The load over time in the text report: a table of the towers that did anything (peak queue,
time down, messages on air) and sparklines of traffic, receipts and each tower's waiting
messages, drawn with Unicode blocks on one time axis, the timeline's steps numbered under it."""

import math

import attrs

from scenarios.sampling import Series

WIDTH = 48  # characters of a sparkline
BLOCKS = "▁▂▃▄▅▆▇█"


@attrs.frozen
class TowerLoad:
    """One tower over the run, summed up."""

    tower: str
    carrier: str
    capacity: tuple[float, float]  # lowest and highest, messages a second
    on_air: int  # messages put on air
    peak_queue: int  # most queued for the air at a sample
    peak_held: int  # most held while the tower was down
    down_seconds: float  # time down, to the sampling step


def towers(series: Series) -> list[TowerLoad]:
    """Every tower that put something on air, queued, held, went down or changed capacity."""
    loads = []
    ends = [*series.t[1:], series.t[-1]]
    for tower_id, tower in series.towers.items():
        capacities = [value for value in tower.capacity if value is not None]
        down = sum(end - start for up, start, end in zip(tower.up, series.t, ends) if up is False)
        load = TowerLoad(tower_id, tower.carrier, (min(capacities, default=0.0), max(capacities, default=0.0)),
                         sum(tower.on_air), max(tower.queue, default=0), max(tower.held, default=0), down)  # fmt: skip
        if load.on_air or load.peak_queue or load.peak_held or load.down_seconds or load.capacity[0] != load.capacity[1]:
            loads.append(load)
    return loads


def active_until(series: Series, duration: float) -> float:
    """Where a picture of the run may end: after the traffic and the last sample where anything
    moved (a drain spent waiting for receipts that never come would flatten the rest)."""
    moving = [t for index, t in enumerate(series.t) if _moved(series, index)]
    last = max([duration, *moving, *(mark.t for mark in series.events)])
    return max(series.every, min(series.t[-1], last + series.every))  # never an empty axis


def _moved(series: Series, index: int) -> bool:
    counts = (series.offered, series.accepted, series.refused, series.throttled, *series.receipts.values())
    towers = series.towers.values()
    return any(column[index] for column in counts) or any(
        tower.queue[index] or tower.held[index] or tower.on_air[index] or tower.up[index] is False for tower in towers
    )


def sparkline(t: tuple[float, ...], values, until: float, top: float, width: int = WIDTH) -> str:
    """values at times t as blocks, each column the highest value of its slice of [0, until];
    blank where nothing, the full block at `top`."""
    columns = [0.0] * width
    for time, value in zip(t, values):
        if time <= until and value:
            column = min(width - 1, int(time / until * width)) if until > 0 else 0
            columns[column] = max(columns[column], value)
    return "".join(" " if not value else BLOCKS[min(7, max(0, math.ceil(value / top * 8) - 1))] for value in columns)


def to_text(series: Series, duration: float) -> list[str]:
    """The report's lines about the load over time."""
    until = active_until(series, duration)
    loads = towers(series)
    lines = ["", f"towers (sampled every {_seconds(series.every)}):",
             f"  {'tower':<10} {'carrier':<16} {'capacity/s':>11} {'on air':>8} {'peak queue':>11} {'peak held':>10} {'down':>8}"]  # fmt: skip
    for load in loads:
        low, high = load.capacity
        capacity = f"{low:g}" if low == high else f"{low:g}-{high:g}"
        down = _seconds(load.down_seconds) if load.down_seconds else "-"
        lines.append(f"  {load.tower:<10} {load.carrier[:16]:<16} {capacity:>11} {load.on_air:>8} {load.peak_queue:>11} {load.peak_held:>10} {down:>8}")
    idle = len(series.towers) - len(loads)
    if idle:
        lines.append(f"  ({idle} more towers idle)")
    axis = f"0{_seconds(until):>{WIDTH - 1}}"
    lines += ["", f"over time (one column {_seconds(until / WIDTH)}; each line from blank to its peak █):", f"  {'':<22}  {axis}"]
    rates = [("offered /s", series.per_second(series.offered)), ("accepted /s", series.per_second(series.accepted)),
             ("throttled /s", series.per_second(series.throttled))]  # fmt: skip
    rates += [(f"{state} /s", series.per_second(counts)) for state, counts in series.receipts.items()]
    for name, values in rates:
        lines.append(_spark_line(name, series.t, values, until, f"{max(values, default=0):.1f}"))
    for load in loads:
        tower = series.towers[load.tower]
        lines.append(_spark_line(f"{load.tower} queued", series.t, tower.queue, until, str(load.peak_queue)))
        if load.peak_held:
            lines.append(_spark_line(f"{load.tower} held", series.t, tower.held, until, str(load.peak_held)))
    if series.events:
        lines.append(f"  {'timeline':<22} │{_event_marks(series.events, until)}│")
        lines += [f"  {'':<22}  {number} at {_seconds(mark.t)}: {mark.label}" for number, mark in enumerate(series.events, start=1)]
    return lines


def _spark_line(name: str, t, values, until: float, peak: str) -> str:
    top = max(values, default=0)
    return f"  {name:<22} │{sparkline(t, values, until, top) if top else ' ' * WIDTH}│ {peak}"


def _event_marks(events, until: float) -> str:
    marks = [" "] * WIDTH
    for number, mark in enumerate(events, start=1):
        column = min(WIDTH - 1, int(mark.t / until * WIDTH)) if until > 0 else 0
        marks[column] = str(number % 10) if marks[column] == " " else "+"  # "+": more than one
    return "".join(marks)


def _seconds(seconds: float) -> str:
    """'15s', '2m30s', '1h05m': as durations are written in scenario files."""
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s" if rest else f"{minutes}m"
    return f"{minutes // 60}h{minutes % 60:02d}m"
