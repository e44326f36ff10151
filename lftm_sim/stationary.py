"""Starting at baseline's stationary state (docs/ODD.md §5.4).

The initial draws (§5.3) are not the `baseline` preset's rest state, so without this a
`baseline` run drifts for decades. Before year 0 every run of a core is brought to that
state, whatever strategy it will follow (so the strategies of one seed still start from
the same state), in three stages:

1. trust on live ties is set to its baseline fixed point (analytically: it is the slowest
   variable);
2. every other variable is relaxed to the fixed point of the noise-free baseline rules,
   ``x <- x + h * dx`` for `RELAXATION_ITERATIONS` iterations with a step `h` fixed by the
   rates (`relaxation_step`), performance and the worth of practice set to their local
   fixed points each time and public confidence to its own; no random number is drawn;
3. `years` of the real stochastic `baseline` step (join draws, then noise draws, from each
   run's generator, as in any step), not recorded; the clock then reads 0.

Every operation is per row or per run, so a run stacked with others starts exactly where it
would alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import dynamics
from .costs import realise
from .parameters import Mechanisms
from .strategies import PRESETS

if TYPE_CHECKING:
    from .core import Core

#: Noise-free relaxation iterations (stage 2): enough for a residual below 1e-4 of the
#: initial distance on every variable at rates down to 0.03 per term (docs/ODD.md §5.4).
RELAXATION_ITERATIONS = 30
#: The relaxation step makes the fastest rate act at most this fraction per iteration.
STEP_SAFETY = 0.9


def relaxation_step(mp: Mechanisms, s: Any) -> float:
    """The step `h` of stage 2: `STEP_SAFETY` over the largest per-term rate any relaxing
    variable has under the levers `s` (the baseline's), so that no iteration overshoots."""
    rates = [
        2 * mp.autonomy_rate * s.autonomy
        + mp.district_support_rate * (1 + s.responsibility) * (0.5 + 0.5 * s.responsiveness)
        + mp.capacity_decay
        + mp.lateral_rate * s.lateral_learning,  # capacity
        mp.pressure_erosion * s.pressure
        + mp.ownership_rate * s.autonomy
        + mp.district_ownership_rate * s.initiative
        + mp.participation_rate * s.lateral_learning
        + mp.commitment_relax,  # commitment
        mp.innovation_rate + mp.diffusion_rate * s.lateral_learning + mp.practice_decay,
        mp.wellbeing_rate * 1.65,  # well-being: engagement <= 1, half the strain <= 0.65
        mp.humility_rate * s.humility + mp.middle_decay,  # the middle's capacity
        mp.middle_decay + mp.priority_incoherence,  # its coherence
    ]
    return STEP_SAFETY / max(float(np.max(r)) for r in rates)


def trust_fixed_point(tau: np.ndarray, ell: Any, live: np.ndarray, mp: Mechanisms) -> np.ndarray:
    """Trust's fixed point on live ties, gamma*l / (gamma*l + delta*(1 - l)) (7.4); 0 under
    baseline, where nothing is organised (l = 0). Ties with no fixed point keep theirs."""
    up = mp.trust_rate * ell
    total = up + mp.trust_decay * (1 - ell)
    fixed = np.where(total > 0, up / np.where(total > 0, total, 1.0), tau)
    return np.where(live & (total > 0), fixed, tau)


def confidence_fixed_point(s_run: Any, mean_p: Any, below: Any, gap: Any, current: Any) -> Any:
    """Public confidence's fixed point, V p / (V p + (below + gap) / 2) (7.9)."""
    up = np.maximum(s_run.transparency, s_run.pressure) * mean_p
    total = up + 0.5 * (below + gap)
    return np.where(total > 0, up / np.where(total > 0, total, 1.0), current)


def stationary_start(core: Core, years: float) -> None:
    """Bring every run of `core` to baseline's stationary state (the three stages above)."""
    saved = list(core.strategies), list(core.priced), core.spend.copy()
    baseline = PRESETS["baseline"]
    core.strategies = [baseline] * core.runs
    # as a baseline run sees it: priced by the run's budget (the preset is free at any budget)
    core.priced = [realise(baseline, float(b))[0] for b in core.budget]
    core._views = core._lever_views()
    _relax(core)
    for _ in range(int(round(years / dynamics.TERM))):
        core.advance()
    core.strategies, core.priced, core.spend = saved
    core.phases, core._views, core.steps = [None] * core.runs, {}, 0


def _relax(core: Core) -> None:
    """Stages 1 and 2: trust analytically, then the noise-free fixed-point iteration."""
    st, mp, top = core.state, core.mechanisms, core.topology
    s = core._views["school"]
    h = relaxation_step(mp, s)
    cx, live = core.shared_context()
    st.peer_trust = trust_fixed_point(
        st.peer_trust, cx.at_tie.lateral_learning * cx.tie_quality, live, mp
    )
    never = np.ones(top.n_schools)  # join draws of 1 never join; noise draws of 0 add none
    still = np.zeros(top.n_schools)
    speed = mp.performance_speed
    for _ in range(RELAXATION_ITERATIONS):
        cx, live = core.shared_context()
        totals, new_p, _ = core.increments(cx, never, still)
        _, new, new_worth, spread, peer_worth, _ = dynamics.worth_inflow(st, s, mp, cx)
        totals.pop("peer_trust")
        totals.pop("lift")
        totals.pop("worth")
        for name, delta in totals.items():
            setattr(st, name, np.clip(getattr(st, name) + h * delta, 0.0, 1.0))
        inflow = new + spread
        mixed = new * new_worth + spread * peer_worth
        st.worth = np.where(inflow > 0, mixed / np.where(inflow > 0, inflow, 1.0), st.worth)
        if speed > 0:  # the noise-free target itself
            st.performance = st.performance + (new_p - st.performance) / speed
        core.performance_changed()
        p = st.performance
        lo, hi = core.p10_p90()
        below = core.run_mean((p < core.floor).astype(float))
        fixed = confidence_fixed_point(
            core._views["run"], core.run_mean(p), below, hi - lo, st.confidence
        )
        st.confidence = float(fixed) if core.single else fixed
