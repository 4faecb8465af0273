"""A run's chart, PNG or SVG: traffic offered, accepted and throttled; what is queued at each
tower, and what it held while down; receipts by state; over the timeline, whose steps are marked as labelled vertical lines.

matplotlib draws it off screen (the Agg canvas, no display needed), imported only when a chart
is asked for. The same run gives the same file: no date or version is written into it.
"""

from pathlib import Path

from scenarios import load
from scenarios.sampling import Series

FORMATS = ("png", "svg")
STATE_COLOURS = {"DELIVRD": "#2ca02c", "EXPIRED": "#ff7f0e", "UNDELIV": "#d62728", "REJECTD": "#9467bd", "DELETED": "#8c564b"}
TRAFFIC = (("offered", "#1f77b4", "-"), ("accepted", "#2ca02c", "--"), ("refused", "#d62728", "-"), ("throttled", "#ff7f0e", "-"))


def check_path(path: str) -> str | None:
    """Why a chart cannot be written there, or None."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        return f"--chart {path}: the file must end in .png or .svg"
    if not Path(path).absolute().parent.is_dir():
        return f"--chart {path}: no folder {Path(path).absolute().parent}"
    return None


def draw(report, path: str) -> None:
    """Draw the report's series (scenarios.report.Report) into path (.png or .svg)."""
    import matplotlib
    from matplotlib.figure import Figure

    series: Series = report.series
    until = load.active_until(series, report.duration)
    minutes = [t / 60 for t in series.t]
    held = any(load_of.peak_held for load_of in report.towers)
    settings = {"svg.fonttype": "none", "svg.hashsalt": report.scenario, "font.size": 9}  # text stays text in SVG
    with matplotlib.rc_context(settings):
        figure = Figure(figsize=(11, 10 if held else 8.5), dpi=100, layout="constrained")
        panels = list(figure.subplots(4 if held else 3, 1, sharex=True))
        traffic, queued, receipts = panels[0], panels[1], panels[-1]
        verdict = "PASSED" if report.passed else "FAILED"
        figure.suptitle(f"{report.scenario}: {report.title}\nseed {report.seed}, sampled every {series.every:g} s, {verdict}")

        for name, colour, style in TRAFFIC:
            values = series.per_second(getattr(series, name))
            if name in ("offered", "accepted") or any(values):
                traffic.plot(minutes, values, color=colour, linestyle=style, drawstyle="steps-pre", label=f"{name} /s")
        traffic.set_ylabel("messages a second")
        traffic.set_title("traffic", loc="left")

        for index, load_of in enumerate(report.towers):
            tower, colour = series.towers[load_of.tower], f"C{index % 10}"
            queued.plot(minutes, tower.queue, color=colour, linewidth=1, label=load_of.tower)
            if load_of.peak_held:
                panels[2].plot(minutes, tower.held, color=colour, linewidth=1.5, label=load_of.tower)
            for start, end in _down_spans(series.t, tower.up):
                for axes in panels[1:-1]:
                    axes.axvspan(start / 60, end / 60, color=colour, alpha=0.12, linewidth=0)
        queued.set_ylabel("messages")
        queued.set_title("queued for the air at each tower (shaded: the tower is down)", loc="left")
        if held:
            panels[2].set_ylabel("messages")
            panels[2].set_title("held at each tower while it is down", loc="left")

        for state, counts in series.receipts.items():
            receipts.plot(minutes, series.per_second(counts), color=STATE_COLOURS.get(state, "#7f7f7f"), drawstyle="steps-pre", label=state)
        receipts.set_ylabel("receipts a second")
        receipts.set_title("receipts by state", loc="left")
        receipts.set_xlabel("minutes from the start")

        for axes in panels:
            axes.set_xlim(0, until / 60)
            axes.set_ylim(bottom=0)
            axes.grid(True, color="#e0e0e0", linewidth=0.6)
            for mark in series.events:
                axes.axvline(mark.t / 60, color="#555555", linestyle=":", linewidth=1)
            handles = axes.get_legend_handles_labels()[0]
            if handles:
                axes.legend(loc="upper right", fontsize=8, ncols=2 if len(handles) > 4 else 1)
        for mark in series.events:
            traffic.annotate(mark.label, (mark.t / 60, 1), xycoords=("data", "axes fraction"), xytext=(3, -4), textcoords="offset points",
                             rotation=90, ha="left", va="top", fontsize=8, color="#333333")  # fmt: skip
        figure.savefig(path, metadata={"Date": None} if path.lower().endswith(".svg") else {"Software": None})


def _down_spans(t: tuple[float, ...], up: tuple[bool | None, ...]) -> list[tuple[float, float]]:
    """Where a tower was down: from the first sample that saw it down to the first that saw it up."""
    spans, start = [], None
    for time, state in zip(t, up):
        if state is False and start is None:
            start = time
        elif state is not False and start is not None:
            spans.append((start, time))
            start = None
    if start is not None:
        spans.append((start, t[-1]))
    return spans
