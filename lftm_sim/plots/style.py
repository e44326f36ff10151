"""One look for every figure: a colour-blind-safe palette with a fixed colour per strategy,
metric names with their units, and figures that need no pyplot and no backend.

The palette is Okabe and Ito's ("Color Universal Design", 2008): eight colours told apart
with every common colour-vision deficiency. Each preset strategy keeps one colour in every
figure; any other variant (a timeline, a scenario or one of its variants) takes the next of
the remaining colours with a dashed line of its own, so it differs from the presets in line
style as well as colour (and still reads in grey print).
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import matplotlib.figure
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

#: Okabe-Ito colours, by their published names.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
GREY = "#8C8C8C"  # the "do nothing" colour: neutral, not one of the eight

#: The fixed colour of each preset strategy, in every figure.
STRATEGY_COLOURS = {
    "baseline": GREY,
    "top_down": OKABE_ITO["vermillion"],
    "bottom_up": OKABE_ITO["blue"],
    "middle_led": OKABE_ITO["bluish_green"],
}
#: Other variants, in order of appearance (yellow is left out: too pale for lines on white).
OTHER_COLOURS = tuple(OKABE_ITO[k] for k in ("reddish_purple", "orange", "sky_blue", "black"))
#: Their dash patterns; dotted lines (":") are kept for switch marks.
OTHER_DASHES: tuple = ("--", "-.", (0, (5, 1.5, 1, 1.5, 1, 1.5)), (0, (9, 3)))
SWITCH_LINESTYLE = ":"
#: Markers for published series (one per series of a figure).
MARKERS = ("o", "s", "^", "D", "v", "P")
#: Roles that are not strategies: the model's own line, published data, naive forecasts.
MODEL_COLOUR = OKABE_ITO["black"]
PUBLISHED_COLOUR = OKABE_ITO["yellow"]  # filled markers with a black edge: seen on any band
NAIVE_COLOUR = GREY
#: Draw order: shading < bands < lines < switch marks < published points.
Z_SHADE, Z_BAND, Z_LINE, Z_MARK, Z_POINTS = 0, 1, 2, 3, 5
#: How a published point is drawn in every figure (keywords of `Axes.plot`).
PUBLISHED_POINT = {"ms": 7, "mfc": PUBLISHED_COLOUR, "mec": "black", "mew": 1.2, "ls": "none",
                   "zorder": Z_POINTS}  # fmt: skip

SHARE = "share of students at the standard"
#: Panel title and axis label (with unit) of each reporter.
METRICS: dict[str, tuple[str, str]] = {
    "mean_capacity": ("Mean capacity", "school capacity (0-1 scale)"),
    "mean_performance": ("Mean performance", SHARE),
    "gap": ("Performance gap (P90 - P10)", "difference in share at the standard"),
    "gap_logit": ("Performance gap, logit scale", "P90 - P10 of logit(performance)"),
    "equity_gap": ("Equity gap", "difference in share at the standard"),
    "performance_sd": ("Spread of performance", "s.d. of share at the standard"),
    "share_below_floor": ("Schools below the floor", "share of schools"),
    "mean_innovation": ("Mean innovative practice", "innovative practice (0-1 scale)"),
    "mean_commitment": ("Mean commitment", "commitment (0-1 scale)"),
    "mean_wellbeing": ("Mean well-being", "well-being (0-1 scale)"),
    "public_confidence": ("Public confidence", "confidence (0-1 scale)"),
    "mean_district_capacity": ("Capacity of the middle", "middle capacity (0-1 scale)"),
    "mean_district_coherence": ("Coherence of the middle", "coherence (0-1 scale)"),
    "network_share": ("Schools in networks", "share of schools"),
}
#: Legend text of each sensitivity index (Morris and Sobol).
INDEX_NAMES = {
    "mu_star": "mu*: mean absolute elementary effect",
    "sigma": "sigma: spread of the elementary effects",
    "S1": "S1: first-order index",
    "ST": "ST: total index",
}
ALIASES = {"stop": "baseline"}  # a timeline's "stop" phase is the baseline


@dataclass(frozen=True)
class Style:
    """How one variant is drawn: its colour and line style."""

    colour: str
    linestyle: str | tuple = "-"


def strategy_key(variant: str) -> str | None:
    """The preset a variant name denotes ("top-down" and "top_down" alike), else None."""
    key = variant.strip().replace("-", "_")
    key = ALIASES.get(key, key)
    return key if key in STRATEGY_COLOURS else None


def variant_styles(variants: Iterable[str]) -> dict[str, Style]:
    """A Style per variant: presets their fixed colour and a solid line; the k-th other
    variant the k-th other colour and a dash pattern of its own."""
    styles, k = {}, 0
    for v in dict.fromkeys(variants):
        key = strategy_key(v)
        if key is not None:
            styles[v] = Style(STRATEGY_COLOURS[key])
            continue
        n = len(OTHER_COLOURS)
        styles[v] = Style(OTHER_COLOURS[k % n], OTHER_DASHES[(k + k // n) % len(OTHER_DASHES)])
        k += 1
    return styles


def wrap(text: str, width: int = 30) -> str:
    """`text` broken into lines of at most `width` characters (legends, titles)."""
    return "\n".join(textwrap.wrap(text, width)) or text


_TIMELINE = re.compile(r"^\s*([A-Za-z_]\w*)\s*@\s*([0-9.]+)\s*$")


def variant_label(variant: str, width: int = 30, within: str | None = None) -> str:
    """Legend text: presets as words ("top-down"); a timeline string as its sequence
    ("top-down, then middle-led from year 4"); a name that starts with `within` (the
    figure's title, e.g. a scenario's name) as what follows it; all wrapped."""
    if strategy_key(variant):
        return variant.replace("_", "-")
    items = [_TIMELINE.match(item) for item in variant.split(",")]
    if len(items) > 1 and all(items):
        words = [m.group(1).replace("_", "-") for m in items]
        text = words[0] + "".join(
            f", then {w} from year {float(m.group(2)):g}"
            for w, m in zip(words[1:], items[1:], strict=True)
        )
        return wrap(text, width)
    if within and variant.startswith(within):
        rest = variant[len(within) :].strip(" :-").removeprefix("(").removesuffix(")")
        return wrap(rest or "scenario as written", width)
    return wrap(variant, width)


class InlineFigure(matplotlib.figure.Figure):
    """A matplotlib Figure that shows itself in Jupyter (IPython's `_repr_png_`), made
    without pyplot: no global list of open figures, no backend chosen or needed."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def new_figure(
    panels: int, cols: int | None = None, panel_size: tuple[float, float] = (4.6, 3.4)
) -> tuple[InlineFigure, list[Axes]]:
    """A constrained-layout figure with `panels` axes (up to 3 a row, four as 2 x 2)."""
    if cols is None:
        cols = panels if panels <= 3 else (2 if panels == 4 else 3)
    cols = max(1, min(cols, panels))
    rows = -(-panels // cols)
    fig = InlineFigure(figsize=(panel_size[0] * cols, panel_size[1] * rows), layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).flat)
    for ax in axes[panels:]:
        ax.set_visible(False)
    return fig, axes[:panels]


def label_panel(ax: Axes, metric: str, calendar: bool) -> None:
    """Title, axis labels with units, and a light grid for the panel of `metric`."""
    title, unit = METRICS.get(metric, (metric.replace("_", " ").capitalize(), "value"))
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit, fontsize=8.5)
    ax.set_xlabel("Year" if calendar else "Years since the start", fontsize=8.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3, zorder=Z_SHADE)


def legend_below(fig: matplotlib.figure.Figure, handles: Sequence, labels: Sequence[str]) -> None:
    """One legend for the whole figure, under the panels, as many columns as fit."""
    if not handles:
        return
    longest = max(len(line) for label in labels for line in label.splitlines())
    fits = int(fig.get_figwidth() * 11 / (longest + 6))  # ~11 characters an inch at 8.5 pt
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=max(1, min(len(handles), fits)),
        frameon=False,
        fontsize=8.5,
    )


def line_handle(style: Style, **kw) -> Line2D:
    """A legend handle drawn like a variant's line."""
    return Line2D([], [], color=style.colour, linestyle=style.linestyle, **{"lw": 2, **kw})


_OUTPUT = re.compile(r"^(?P<gain>gain_)?(?P<metric>.+?)(?:_y(?P<year>[0-9.]+))?$")


def output_label(output: str) -> tuple[str, str]:
    """Title and unit of a sweep output column: ``gain_mean_performance_y12`` is the gain
    over baseline in mean performance in year 12, in share of students at the standard."""
    m = _OUTPUT.match(output)
    metric, gain, year = m.group("metric"), m.group("gain"), m.group("year")
    title, unit = METRICS.get(metric, (metric.replace("_", " "), "value"))
    title = (f"gain over baseline in {title[0].lower()}{title[1:]}" if gain else title) + (
        f", year {year}" if year else ""
    )
    return title, unit


def parameter_label(name: str) -> str:
    """Axis label of a parameter: its name and its declared unit."""
    from ..declarations import PARAMETERS

    p = PARAMETERS.get(name)
    return f"{name.replace('_', ' ')} ({p.unit})" if p and p.unit else name.replace("_", " ")
