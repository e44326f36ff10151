"""Figures: each function returns a matplotlib Figure and touches no global state.

Figures are made without pyplot, so importing this package never chooses a backend:
they show in Jupyter by themselves (as the value of a cell) and save anywhere with
``fig.savefig(path)``. Every figure shares one look (`style`): a colour-blind-safe
palette with a fixed colour per strategy, labelled axes with units, legends that never
squash the panels. New figures build on `style.new_figure`, `style.variant_styles`,
`style.label_panel` and `style.legend_below`.
"""

from .fit import calibration_figure
from .networks import network_figure, network_table
from .posterior import posterior_band_figure, posterior_bands
from .series import compare_figure, observed_of, run_figure, scenario_figure, switches_of
from .style import (
    METRICS,
    OKABE_ITO,
    OTHER_COLOURS,
    STRATEGY_COLOURS,
    InlineFigure,
    Style,
    strategy_key,
    variant_styles,
)

#: Earlier names, kept: one colour per preset; panel titles.
COLOURS = STRATEGY_COLOURS
LABELS = {metric: title for metric, (title, _) in METRICS.items()}


def colour_of(variant: str, index: int = 0) -> str:
    """A preset's own colour; another variant the colour of the `index`-th non-preset
    variant of a figure (as `variant_styles` gives it)."""
    key = strategy_key(variant)
    return STRATEGY_COLOURS[key] if key else OTHER_COLOURS[index % len(OTHER_COLOURS)]


__all__ = [
    "COLOURS",
    "InlineFigure",
    "LABELS",
    "METRICS",
    "OKABE_ITO",
    "OTHER_COLOURS",
    "STRATEGY_COLOURS",
    "Style",
    "calibration_figure",
    "colour_of",
    "compare_figure",
    "network_figure",
    "network_table",
    "observed_of",
    "posterior_band_figure",
    "posterior_bands",
    "run_figure",
    "scenario_figure",
    "strategy_key",
    "switches_of",
    "variant_styles",
]
