"""The dashboard's figures (matplotlib), built once per model and updated in place.

Building axes and laying out text costs far more than drawing a few lines, so each figure
is built (and laid out) once for a SideBySide model. A frame then only moves data (line
coordinates, bar ends, dot colours) and draws those artists over a saved background of
the static parts (axes, ticks, labels): matplotlib's blitting. The background is drawn again
only when an axis has to grow to keep the data in view. Nothing global is drawn.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from PIL import Image

from ..plots import LABELS, colour_of
from ..strategies import PRESETS
from .model import METRICS, STEPS_PER_YEAR, SideBySide

CAPACITY_MAP = "viridis"  # perceptually uniform and colour-blind safe
DPI = 80


def colours(model: SideBySide) -> dict[str, str]:
    """One colour per panel: the plotting module's colour for each strategy (a panel that
    is no preset, the scenario's, takes the first colour after the presets')."""
    others = [p.name for p in model.panels if p.name not in PRESETS]
    return {
        p.name: colour_of(p.name, others.index(p.name) if p.name in others else i)
        for i, p in enumerate(model.panels)
    }


def _short(label: str) -> str:
    return label.split(", stops")[0]


class LiveFigure:
    """A figure whose `dynamic` artists change each frame over a static background.

    Subclasses build `fig` and the artists, then call `_start(model)`; `move(model)` sets
    the new data and returns True when the static part must be drawn again.
    """

    fig: Figure
    dynamic: list

    def _start(self, model: SideBySide) -> None:
        for artist in self.dynamic:
            artist.set_animated(True)  # left out of the background
        self.canvas = FigureCanvasAgg(self.fig)
        self.move(model)
        self.canvas.draw()  # lays the figure out once (constrained layout) ...
        self.fig.set_layout_engine("none")  # ... and keeps that layout for every frame
        self.background = None

    def move(self, model: SideBySide) -> bool:
        raise NotImplementedError

    def update(self, model: SideBySide) -> Figure:
        """Move the data to the model's state now (the figure, for savefig)."""
        self.move(model)
        for artist in self.dynamic:
            artist.set_animated(False)
        self.background = None
        return self.fig

    def png(self, model: SideBySide) -> bytes:
        """This frame as PNG bytes: the saved background and the dynamic artists over it."""
        for artist in self.dynamic:
            artist.set_animated(True)
        if self.move(model) or self.background is None:
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self.background)
        for artist in sorted(self.dynamic, key=lambda a: a.get_zorder()):  # as draw() would
            self.fig.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        out = io.BytesIO()
        image.save(out, format="png", compress_level=1)
        return out.getvalue()


def _grow(limits: tuple[float, float] | None, values: np.ndarray) -> tuple[float, float]:
    """y limits that hold `limits` and `values`, widened by a margin when they must grow."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if limits is not None and limits[0] <= lo and hi <= limits[1]:
        return limits
    margin = 0.5 * max(hi - lo, 0.1)  # generous, so the axis seldom has to grow
    if limits is None:
        return lo - margin, hi + margin
    return min(limits[0], lo - margin), max(limits[1], hi + margin)


class SeriesFigure(LiveFigure):
    """Mean capacity, mean performance and the gap over time, one line per strategy."""

    def __init__(self, model: SideBySide):
        colour = colours(model)
        self.fig = Figure(figsize=(12, 3.4), dpi=DPI, layout="constrained")
        self.axes = list(self.fig.subplots(1, len(METRICS)))
        self.lines = {}
        for ax, metric in zip(self.axes, METRICS, strict=True):
            for panel in model.panels:
                (self.lines[metric, panel.name],) = ax.plot(
                    [], [], color=colour[panel.name], lw=2.2, label=panel.label
                )
            if model.stop_year:
                ax.axvline(model.start_year + model.stop_year, color="0.4", ls="--", lw=1)
            for phase in model.scenario_phases[1:] if "scenario" in colour else ():
                ax.axvline(model.start_year + phase.start, color=colour["scenario"], ls=":")
            ax.set_xlim(model.start_year, model.start_year + model.years)
            ax.set_title(LABELS.get(metric, metric))
            ax.set_xlabel("Year" if model.calendar else "Years since the start")
            ax.grid(alpha=0.3)
        self.fig.legend(
            handles=self.axes[0].lines[: len(model.panels)],
            loc="outside lower center",
            ncols=min(len(model.panels), 4),
            frameon=False,
        )
        self.dynamic = list(self.lines.values())
        self._start(model)

    def move(self, model: SideBySide) -> bool:
        """Move the lines to the series so far; True if an axis had to grow."""
        grew = False
        reporters = {p.name: p.model.datacollector.model_vars for p in model.panels}
        for ax, metric in zip(self.axes, METRICS, strict=True):
            limits = None if ax.get_autoscaley_on() else ax.get_ylim()
            for name, columns in reporters.items():
                values = np.asarray(columns[metric], dtype=float)
                years = model.start_year + np.arange(len(values)) / STEPS_PER_YEAR
                self.lines[metric, name].set_data(years, values)
                limits = _grow(limits, values)
            if limits != ax.get_ylim() or ax.get_autoscaley_on():
                ax.set_ylim(limits)  # also ends autoscaling: the axis only grows
                grew = True
        return grew


class DistributionFigure(LiveFigure):
    """School performance now, one bar per strategy: P25-P75 thick, P10-P90 thin (the gap),
    the median as a white tick."""

    def __init__(self, model: SideBySide):
        colour = colours(model)
        n = len(model.panels)
        self.fig = Figure(figsize=(4.4, 1.3 + 0.6 * n), dpi=DPI, layout="constrained")
        ax = self.fig.subplots()
        self.parts = []
        for row, panel in enumerate(model.panels):
            y = n - 1 - row
            whisker = ax.plot([], [], color=colour[panel.name], lw=2, solid_capstyle="butt")[0]
            box = ax.plot([], [], color=colour[panel.name], lw=14, solid_capstyle="butt")[0]
            median = ax.plot([], [], "|", color="white", ms=14, mew=2.5)[0]
            self.parts.append((y, whisker, box, median))
        ax.set_yticks(range(n), [_short(p.label) for p in model.panels][::-1])
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlim(0, 1)
        ax.set_xlabel("School performance\n(thin bar: P10 to P90, the gap)")
        ax.set_title("How far apart the schools are")
        ax.grid(alpha=0.3, axis="x")
        self.dynamic = [artist for part in self.parts for artist in part[1:]]
        self._start(model)

    def move(self, model: SideBySide) -> bool:
        """Move the bars to the schools' performance now (the axis is fixed: [0, 1])."""
        for (y, whisker, box, median), panel in zip(self.parts, model.panels, strict=True):
            p10, p25, p50, p75, p90 = np.percentile(
                panel.model.state.performance, [10, 25, 50, 75, 90]
            )
            whisker.set_data([p10, p90], [y, y])
            box.set_data([p25, p75], [y, y])
            median.set_data([p50], [y])
        return False


class NetworkFigure(LiveFigure):
    """Each panel's school network, schools coloured by capacity, on the shared layout;
    grey lines are the peer ties in use (both schools taking part in their network)."""

    def __init__(self, model: SideBySide):
        n = len(model.panels)
        cols = min(n, 4)
        rows = -(-n // cols)
        self.fig = Figure(
            figsize=(2.4 * cols + 0.9, 2.6 * rows + 0.4), dpi=DPI, layout="constrained"
        )
        axes = np.atleast_1d(self.fig.subplots(rows, cols)).ravel()
        xy = model.positions
        size = float(np.clip(10_000 / len(xy), 1, 40))
        self.parts = []
        for ax in axes[:n]:
            ties = LineCollection([], colors="0.45", linewidths=0.5, alpha=0.6, zorder=1)
            ax.add_collection(ties)
            dots = ax.scatter(
                xy[:, 0], xy[:, 1], c=np.zeros(len(xy)), s=size, cmap=CAPACITY_MAP,
                vmin=0, vmax=1, lw=0, zorder=2,
            )  # fmt: skip
            title = ax.set_title("\n")
            ax.set_aspect("equal")
            ax.set_axis_off()
            self.parts.append((ties, dots, title))
        for ax in axes[n:]:
            ax.set_axis_off()
        self.fig.colorbar(self.parts[0][1], ax=list(axes[:n]), shrink=0.8, label="school capacity")
        self.dynamic = [artist for part in self.parts for artist in part]
        self._start(model)

    def move(self, model: SideBySide) -> bool:
        """Recolour the schools and redraw the ties in use (the layout never moves)."""
        xy = model.positions
        for (ties, dots, title), panel in zip(self.parts, model.panels, strict=True):
            st, top = panel.model.state, panel.model.topology
            live = st.active[top.peer_u] & st.active[top.peer_v]
            if not np.array_equal(live, getattr(ties, "live", None)):  # ties seldom change
                ties.set_segments(np.stack([xy[top.peer_u[live]], xy[top.peer_v[live]]], axis=1))
                ties.live = live
            dots.set_array(st.capacity)
            title.set_text(f"{_short(panel.label)}\nmean capacity {st.capacity.mean():.2f}")
        return False
