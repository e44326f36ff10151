"""The patterns (docs/ODD.md section 1.2): each claim once, with its kind, minimum effect,
statistic and knock-out. Helpers and the rule for judging are in `patterns`.

Minimum effects (`MIN_EFFECTS`): performance and capacity are shares in [0, 1] (of
students at the standard, of full capacity), so one percentage point, 0.01, is the
smallest difference a system would report as a change; a difference below that is
inside the year-to-year movement of the published series the model is set against
(England's KS2 and Ontario's EQAO results move by 0-5 points a year; docs/data.md).
On the logit scale the same point is 0.04 (dlogit/dp = 4 at p = 0.5). Commitment and
innovative practice are shares too and take the same 0.01. The equity-gap pattern keeps
the margin it had before the baseline was made stationary, 0.02.
"""

from __future__ import annotations

import numpy as np

from .patterns import (
    EMERGENT,
    ENCODED,
    Pattern,
    Verdict,
    at_year,
    exceeds,
    gain,
    interval,
    share_beyond,
)
from .strategies import INGREDIENTS

#: The minimum effect that matters, by quantity (see the module docstring).
MIN_EFFECTS = {"share": 0.01, "logit": 0.04, "equity": 0.02}
GAP_MARGIN = 0.01  # P4d: middle-led's gap may exceed top-down's by at most this
END = 12.0
PRESETS = ("baseline", "top_down", "bottom_up", "middle_led")
PRESET_RUNS = {name: {"strategy": name} for name in PRESETS}
LOW_QUALITY = {name: 0.2 for name in INGREDIENTS}  # every ingredient weak
ONE = MIN_EFFECTS["share"]
MIDDLE_OFF = {"middle_capacity_rate": 0.0, "district_support_rate": 0.0, "lateral_rate": 0.0}
AUTONOMY_OFF = {"autonomy_rate": 0.0, "grant_rate": 0.0}


def _runs(*names: str, **extra: dict) -> dict:
    return {**{n: PRESET_RUNS[n] for n in names}, **extra}


def _lead(variant: str, rivals: tuple[str, ...], column: str, year: float, what: str):
    """`variant` minus the best of `rivals` in `column` at `year` exceeds one point."""

    def judge(f, rng):
        best = np.max([at_year(f, r, column, year) for r in rivals], axis=0)
        return exceeds(at_year(f, variant, column, year) - best, ONE, what)

    return judge


def _kept(variant: str, start: float, end: float, below: bool, what: str):
    """Share of `variant`'s gain in mean p at `start` still there at `end`."""

    def judge(f, rng):
        num = gain(f, variant, "mean_performance", end)
        den = gain(f, variant, "mean_performance", start)
        return share_beyond(num, den, rng, 0.5, below, ONE, what)

    return judge


def _capacity_share(low: str, high: str, what: str):
    """Capacity gain of `low` over that of `high` at year 12 is below one half."""

    def judge(f, rng):
        num, den = gain(f, low, "mean_capacity", END), gain(f, high, "mean_capacity", END)
        return share_beyond(num, den, rng, 0.5, True, ONE, what)

    return judge


def _p3a(f, rng):
    parts, ok = [], True
    for col, mini in (("gap", ONE), ("gap_logit", MIN_EFFECTS["logit"])):
        v = exceeds(gain(f, "bottom_up", col, END), mini, f"{col} over baseline")
        ok &= v.passed
        parts.append(v.detail)
        if col == "gap":
            first = v
    return Verdict(first.effect, first.low, first.high, bool(ok), "; ".join(parts))


def _p3c(f, rng):
    bu, ml = (
        gain(f, "bottom_up", "mean_performance", END),
        gain(f, "middle_led", "mean_performance", END),
    )
    return share_beyond(bu, ml, rng, 0.5, True, ONE, "bottom-up's gain as a share of middle-led's")


def _p4d(f, rng):
    d = at_year(f, "middle_led", "gap", END) - at_year(f, "top_down", "gap", END)
    m, lo, hi = interval(d)
    note = f"middle-led's gap minus top-down's {m:+.4f} [{lo:+.4f}, {hi:+.4f}]"
    return Verdict(m, lo, hi, bool(hi < GAP_MARGIN), note)


def _p6a(f, rng):
    d = at_year(f, "co_designed", "mean_commitment", 0.25) - at_year(
        f, "imposed", "mean_commitment", 0.25
    )
    return exceeds(d, ONE, "co-designed minus imposed commitment at one term")


def _p6b(f, rng):
    years = (1, 2, 3, 4, 5)
    leads = [
        exceeds(
            at_year(f, "co_designed", "mean_performance", y)
            - at_year(f, "imposed", "mean_performance", y),
            ONE,
            f"year {y}",
        )
        for y in years
    ]
    worst = min(leads, key=lambda v: v.low)
    detail = "co-designed minus imposed mean p: " + "; ".join(v.detail for v in leads)
    return Verdict(worst.effect, worst.low, worst.high, all(v.passed for v in leads), detail)


def _handover_lead(column: str):
    def judge(f, rng):
        d = at_year(f, "handover", column, 13) - at_year(f, "top_down", column, 13)
        return exceeds(d, ONE, f"hand-over minus top-down in {column} at year 13")

    return judge


def _p8(f, rng):
    return exceeds(
        gain(f, "bottom_up", "equity_gap", END),
        MIN_EFFECTS["equity"],
        "bottom-up's equity gap over baseline's",
    )


_HANDOVER = _runs("baseline", "top_down", handover={"timeline": "top_down@0,middle_led@8"})
_STOPPED = _runs(
    "baseline",
    top_down_stopped={"timeline": "top_down@0,stop@6"},
    middle_led_stopped={"timeline": "middle_led@0,stop@6"},
)
_NETWORKS = {
    "imposed": {"strategy": "middle_led", "co_design": 0.0},
    "co_designed": {"strategy": "middle_led", "co_design": 1.0},
}
_ABOVE = "95% CI of the effect above {:g}"
_BELOW_HALF = "bootstrap 95% CI of the share below 0.5; gain at least 0.01"

PATTERNS: dict[str, Pattern] = {
    p.code: p
    for p in (
        Pattern(
            "P1",
            "Top-down raises mean performance fastest (year 3)",
            ENCODED,
            3,
            _runs("top_down", "bottom_up", "middle_led"),
            _lead(
                "top_down",
                ("bottom_up", "middle_led"),
                "mean_performance",
                3,
                "top-down's lead in mean p",
            ),
            _ABOVE.format(ONE),
            ONE,
            ("top_down", "middle_led"),
            ("mean_performance",),
            "the pressure lift and central support, written to act at once (7.1, 7.8)",
            knockout={"lift_max": 0.0, "central_rate": 0.0},
        ),
        Pattern(
            "P2a",
            "Top-down gains fade when the push ends",
            ENCODED,
            11,
            _STOPPED,
            _kept("top_down_stopped", 6, 11, True, "share of top-down's gain kept"),
            _BELOW_HALF,
            ONE,
            ("top_down_stopped", "baseline"),
            ("mean_performance",),
            "the pressure lift, defined to vanish when pressure stops (7.1)",
            knockout={"lift_max": 0.0},
        ),
        Pattern(
            "P2b",
            "Middle-led gains stay when it stops",
            ENCODED,
            11,
            _STOPPED,
            _kept("middle_led_stopped", 6, 11, False, "share of middle-led's gain kept"),
            "bootstrap 95% CI of the share above 0.5; gain at least 0.01",
            ONE,
            ("middle_led_stopped", "baseline"),
            ("mean_performance",),
            "the embedding term, written so owned and embedded capacity lasts (7.6)",
            knockout={"embedding": 0.0},
        ),
        Pattern(
            "P3a",
            "Bottom-up widens the gap over baseline's (both scales)",
            ENCODED,
            END,
            _runs("baseline", "bottom_up"),
            _p3a,
            "95% CI above 0.01 (gap) and 0.04 (gap_logit)",
            ONE,
            ("bottom_up", "baseline"),
            ("gap", "gap_logit"),
            "the bistable autonomy push, written so strong schools rise and weak ones slide (7.2)",
            knockout=AUTONOMY_OFF,
        ),
        Pattern(
            "P3b",
            "Bottom-up ends with the widest gap of the three",
            ENCODED,
            END,
            _runs("top_down", "bottom_up", "middle_led"),
            _lead("bottom_up", ("top_down", "middle_led"), "gap", END, "bottom-up's gap lead"),
            _ABOVE.format(ONE),
            ONE,
            ("bottom_up", "middle_led"),
            ("gap",),
            "the bistable autonomy push (7.2)",
            knockout=AUTONOMY_OFF,
        ),
        Pattern(
            "P3c",
            "Bottom-up gains little: under half of middle-led's gain in mean p",
            ENCODED,
            END,
            _runs("baseline", "bottom_up", "middle_led"),
            _p3c,
            _BELOW_HALF,
            ONE,
            ("bottom_up", "middle_led"),
            ("mean_performance",),
            "the symmetric autonomy push: a claim of absence, with no mechanism to remove",
        ),
        Pattern(
            "P4a",
            "Middle-led ends with the highest mean capacity",
            EMERGENT,
            END,
            _runs("top_down", "bottom_up", "middle_led"),
            _lead(
                "middle_led",
                ("top_down", "bottom_up"),
                "mean_capacity",
                END,
                "middle-led's capacity lead",
            ),
            _ABOVE.format(ONE),
            ONE,
            ("middle_led", "top_down"),
            ("mean_capacity",),
            "middle growth, district support and lateral learning together (7.3, 7.4, 7.6)",
            knockout=MIDDLE_OFF,
        ),
        Pattern(
            "P4b",
            "Middle-led ends with the most innovative practice",
            EMERGENT,
            END,
            _runs("top_down", "bottom_up", "middle_led"),
            _lead(
                "middle_led",
                ("top_down", "bottom_up"),
                "mean_innovation",
                END,
                "middle-led's innovation lead",
            ),
            _ABOVE.format(ONE),
            ONE,
            ("middle_led", "bottom_up"),
            ("mean_innovation",),
            "generation on capacity, retention by reining in, and spread (7.5)",
            knockout={"diffusion_rate": 0.0, "retention_floor": 1.0},
        ),
        Pattern(
            "P4c",
            "Middle-led ends with a narrower gap than bottom-up",
            EMERGENT,
            END,
            _runs("bottom_up", "middle_led"),
            lambda f, rng: exceeds(
                at_year(f, "bottom_up", "gap", END) - at_year(f, "middle_led", "gap", END),
                ONE,
                "bottom-up's gap minus middle-led's",
            ),
            _ABOVE.format(ONE),
            ONE,
            ("bottom_up", "middle_led"),
            ("gap",),
            "autonomy widening against support aimed at the weakest (7.2, 7.3)",
            knockout={**AUTONOMY_OFF, "district_support_rate": 0.0},
        ),
        Pattern(
            "P4d",
            "Middle-led's gap is not wider than top-down's by more than 0.01",
            EMERGENT,
            END,
            _runs("top_down", "middle_led"),
            _p4d,
            f"95% CI of the excess below {GAP_MARGIN:g}",
            GAP_MARGIN,
            ("middle_led", "top_down"),
            ("gap",),
            "district support toward the weakest and lateral learning (7.3, 7.4)",
            knockout={"district_support_rate": 0.0, "lateral_rate": 0.0},
        ),
        Pattern(
            "P5",
            "Low-quality networks gain less than half the capacity",
            ENCODED,
            END,
            _runs(
                "baseline",
                "middle_led",
                middle_led_low_quality={"strategy": "middle_led", **LOW_QUALITY},
            ),
            _capacity_share(
                "middle_led_low_quality",
                "middle_led",
                "low-quality capacity gain as a share of high-quality's",
            ),
            _BELOW_HALF,
            ONE,
            ("middle_led_low_quality", "middle_led"),
            ("mean_capacity",),
            "network quality, written to gate lateral learning and the middle's growth (7.0)",
            knockout={**MIDDLE_OFF, "middle_coherence_rate": 0.0},
        ),
        Pattern(
            "P6a",
            "Imposed networks start with lower commitment than co-designed ones",
            ENCODED,
            1,
            _NETWORKS,
            _p6a,
            _ABOVE.format(ONE),
            ONE,
            ("imposed", "co_designed"),
            ("mean_commitment",),
            "the imposition shock, applied directly to commitment (7.7); co-design acts only "
            "through it and the participation term, so removing them removes the comparison",
        ),
        Pattern(
            "P6b",
            "Imposed networks trail co-designed ones in mean p for five years",
            EMERGENT,
            5,
            _NETWORKS,
            _p6b,
            "95% CI above 0.01 in each of years 1-5",
            ONE,
            ("imposed", "co_designed"),
            ("mean_performance",),
            "the commitment gap acting on capacity through anchoring (7.6), its only channel "
            "once trust starts at baseline's 0 (5.4), so removing it removes the comparison "
            "(apart from what co-design's price takes from other levers)",
        ),
        Pattern(
            "P7a",
            "Top-down then middle-led (hand-over at year 8) keeps the early gain",
            EMERGENT,
            13,
            _HANDOVER,
            _kept("handover", 8, 13, False, "share of the year-8 gain kept at year 13"),
            "bootstrap 95% CI of the share above 0.5; gain at least 0.01",
            ONE,
            ("handover", "baseline"),
            ("mean_performance",),
            "the middle taking over capacity building (7.3, 7.4)",
            knockout=MIDDLE_OFF,
        ),
        Pattern(
            "P7b",
            "Five years after the hand-over, capacity is above continuing top-down",
            EMERGENT,
            13,
            _HANDOVER,
            _handover_lead("mean_capacity"),
            _ABOVE.format(ONE),
            ONE,
            ("handover", "top_down"),
            ("mean_capacity",),
            "middle growth, support and lateral learning against central support (7.1-7.4)",
            knockout=MIDDLE_OFF,
        ),
        Pattern(
            "P7c",
            "Five years after the hand-over, commitment is above continuing top-down",
            EMERGENT,
            13,
            _HANDOVER,
            _handover_lead("mean_commitment"),
            _ABOVE.format(ONE),
            ONE,
            ("handover", "top_down"),
            ("mean_commitment",),
            "pressure's erosion of commitment against ownership built by the middle (7.1, 7.3)",
            knockout={
                "pressure_erosion": 0.0,
                "district_ownership_rate": 0.0,
                "participation_rate": 0.0,
            },
        ),
        Pattern(
            "P8",
            "Under autonomy the equity gap widens over baseline's",
            ENCODED,
            END,
            _runs("baseline", "bottom_up"),
            _p8,
            _ABOVE.format(MIN_EFFECTS["equity"]),
            MIN_EFFECTS["equity"],
            ("bottom_up", "baseline"),
            ("equity_gap",),
            "the need-dependent autonomy threshold, written so tiers follow disadvantage (7.2)",
            knockout=AUTONOMY_OFF,
        ),
        Pattern(
            "P9",
            "Middle-led with no investment from the top gains little",
            ENCODED,
            END,
            _runs(
                "baseline",
                "middle_led",
                middle_led_no_investment={"strategy": "middle_led", "middle_investment": 0.0},
            ),
            _capacity_share(
                "middle_led_no_investment",
                "middle_led",
                "no-investment capacity gain as a share of invested",
            ),
            _BELOW_HALF,
            ONE,
            ("middle_led_no_investment", "middle_led"),
            ("mean_capacity",),
            "investment growing the middle's capacity directly (7.3)",
            knockout={"middle_capacity_rate": 0.0},
        ),
    )
}
