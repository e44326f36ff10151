"""The nine processes of the model (docs/ODD.md, "Submodels"), one function each.

Every function reads the state at the start of the step (`SystemState`) and returns
increments; the model adds them up and writes them all at once (synchronous update).
Each rule keeps its variable in [0, 1] by its form: growth is scaled by headroom
``1 - x`` and loss is proportional to ``x``, with rates whose sums stay below 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .parameters import Mechanisms
from .strategies import Strategy, focus, network_quality

#: Years per step: a step is one school term, a quarter of a year.
TERM = 0.25
STEPS_PER_YEAR = round(1 / TERM)

#: A strategy's levers (and its `strategy_terms`) as the rules see them: plain numbers in a
#: single run; in an ensemble, one value per school, middle unit, tie or member.
Levers = Any


@dataclass
class SystemState:
    """All agent state, in arrays (one row per agent of a type)."""

    capacity: np.ndarray  # school instructional capacity c
    performance: np.ndarray  # school performance p (share at the standard)
    commitment: np.ndarray  # school commitment/ownership b
    innovation: np.ndarray  # school innovative practice q
    wellbeing: np.ndarray  # school well-being w
    need: np.ndarray  # school context need z (fixed)
    rest: np.ndarray  # capacity ordinary hiring and training sustain (fixed)
    active: np.ndarray  # school takes part in its network (bool)
    middle: np.ndarray  # row of the school's middle unit (district, or network), -1 none
    middle_capacity: np.ndarray  # capacity C of each middle unit (district, or network)
    middle_coherence: np.ndarray  # coherence H of each middle unit
    peer_trust: np.ndarray  # trust on each school-school tie
    middle_trust: np.ndarray  # trust on each tie between middle units (consortia; fixed)
    quality_draw: np.ndarray  # per school: its network's quality draw epsilon_n (fixed; 7.12)
    worth: np.ndarray  # per school: share of its practice that is good (7.13)
    lift: Any  # the temporary pressure lift L (system level: one per run)
    confidence: Any  # public confidence (system level: one per run)


@dataclass
class StepContext:
    """Quantities every rule of one step shares, computed once from the start state.

    `quality` ... `lift` are seen by schools; `at_middle`, `at_tie` and `at_run` give the
    levers and strategy terms on the middle units' rows, the ties and the runs."""

    quality: Any  # per school: its network's quality Q_n (7.12) from the gated Q of 7.0
    tie_quality: Any  # per school-school tie: the mean quality of its two ends' networks
    focus: Any  # focus from the number of priorities
    central: Any  # budget * central_support
    grants: Any  # budget * school_grants
    investment: Any  # budget * middle_investment
    lift: Any  # the pressure lift L, seen by each school
    at_middle: Levers  # levers and terms on each middle unit's row
    at_tie: Levers  # levers and terms on each school-school tie
    at_run: Levers  # levers and terms of each run (system level)
    middle_ch: np.ndarray  # C*H of each school's middle unit (0 with none)
    middle_c: np.ndarray  # C of each school's middle unit (0 with none)
    peer_capacity: np.ndarray  # trust-weighted mean capacity of active peers
    peer_innovation: np.ndarray  # trust-weighted mean innovation of active peers
    peer_worth: np.ndarray  # worth of the practice a school's peers hold (7.13)
    peer_trust_mean: np.ndarray  # mean trust of a school's live ties (0 with none)
    member: np.ndarray  # 1.0 where the school takes part in a network with live ties
    middle_peer_capacity: np.ndarray  # trust-weighted mean C of consortium peers
    standing: np.ndarray  # share of a run's schools that perform better (0 best, 1 weakest)


def strategy_terms(s: Strategy, mp: Mechanisms, budget: float) -> dict[str, float]:
    """7.0 The strategy's shared terms: gated network quality, focus and the spend."""
    return {
        "quality": 1 - mp.quality_gate * (1 - network_quality(s)),
        "focus": focus(s, mp.per_priority),
        "central": budget * s.central_support,
        "grants": budget * s.school_grants,
        "investment": budget * s.middle_investment,
    }


def step_context(
    st: SystemState,
    s: Levers,
    at: dict[str, Levers],
    peer_matrix: sp.csr_matrix,
    middle: tuple[sp.csr_matrix, np.ndarray],
    live_ties: np.ndarray,
    standing: np.ndarray,
    lift: Any,
    mp: Mechanisms,
    ties: tuple[np.ndarray, np.ndarray],
) -> StepContext:
    """Per-step shared quantities; peer means are sparse products over trusted ties.

    `s` holds the levers and `strategy_terms` as schools see them, `at` the same on the
    middle units, the ties and the runs; `middle` is the consortium matrix and its row sums
    (fixed); `live_ties` counts each school's ties whose two ends take part in their
    networks; `standing` comes from the run's one ranking; `ties` are the school-school
    ties' two ends (for the quality of each tie). The four peer sums are one sparse product."""
    has_mid = st.middle >= 0
    mid = np.where(has_mid, st.middle, 0)
    C, H = st.middle_capacity, st.middle_coherence
    middle_c = np.where(has_mid, C[mid] if len(C) else 0.0, 0.0)
    middle_ch = np.where(has_mid, (C * H)[mid] if len(C) else 0.0, 0.0)
    sums = peer_matrix @ np.column_stack(
        (np.ones(len(st.capacity)), st.capacity, st.innovation, st.innovation * st.worth)
    )
    degree = sums[:, 0]
    linked = degree > 0
    safe = np.where(linked, degree, 1.0)
    peer_c = np.where(linked, sums[:, 1] / safe, st.capacity)
    held = sums[:, 2]
    peer_q = np.where(linked, held / safe, st.innovation)
    good = held > 0
    peer_v = np.where(good, sums[:, 3] / np.where(good, held, 1.0), st.worth)
    quality = network_quality_by_network(s.quality, st.quality_draw, mp)
    trust_mean = np.where(linked, degree / np.maximum(live_ties, 1), 0.0)
    middle_matrix, d_degree = middle
    d_linked = d_degree > 0
    d_peer = np.where(d_linked, (middle_matrix @ C) / np.where(d_linked, d_degree, 1.0), C)
    return StepContext(
        quality=quality,
        tie_quality=0.5 * (quality[ties[0]] + quality[ties[1]]),
        focus=s.focus,
        central=s.central,
        grants=s.grants,
        investment=s.investment,
        lift=lift,
        at_middle=at["middle"],
        at_tie=at["tie"],
        at_run=at["run"],
        middle_ch=middle_ch,
        middle_c=middle_c,
        peer_capacity=peer_c,
        peer_innovation=peer_q,
        peer_worth=peer_v,
        peer_trust_mean=trust_mean,
        member=linked.astype(float),
        middle_peer_capacity=d_peer,
        standing=standing,
    )


def central_push(st: SystemState, s: Levers, mp: Mechanisms, cx: StepContext) -> dict:
    """1. Central push: support raises capacity with fidelity set by commitment; pressure
    lifts performance for as long as it lasts, erodes commitment, and many priorities
    erode coherence.

    Seeds: "too difficult to get, and especially to sustain, widespread buy-in from the
    bottom"; "a small number of key priorities"; "may not be suitable for innovation"
    (pressure's brake on innovation is in `innovation`).
    """
    c, b = st.capacity, st.commitment
    return {
        "capacity": mp.central_rate * cx.central * s.precision * cx.focus * b * (1 - c),
        "commitment": -mp.pressure_erosion * s.pressure * b,
        "middle_coherence": -mp.priority_incoherence
        * (1 - cx.at_middle.focus)
        * st.middle_coherence,
        "lift": mp.lift_speed * (cx.at_run.pressure - st.lift),
    }


def autonomy(st: SystemState, s: Levers, mp: Mechanisms, cx: StepContext) -> dict:
    """2. Autonomy: a school improves on its own only above a capacity threshold (raised by
    need), slides below it; untied grants return in proportion to capacity; autonomy
    raises ownership.

    Seed: "bottom-up change (e.g. school autonomy) does not result in overall system
    improvement; some schools improve, others don't and the gap between high and low
    performers grows wider."
    """
    c, b = st.capacity, st.commitment
    threshold = mp.autonomy_threshold + mp.need_threshold * (st.need - 0.5)
    # strong schools pull away, weak ones slide: a push away from the threshold that
    # vanishes at 0 and 1 (the factor c(1 - c) keeps c in [0, 1])
    own = 2 * mp.autonomy_rate * s.autonomy * (c - threshold) * c * (1 - c)
    grants = mp.grant_rate * cx.grants * c * (1 - c)
    return {
        "capacity": own + grants,
        "commitment": mp.ownership_rate * s.autonomy * (1 - b),
    }


def middle(st: SystemState, s: Levers, mp: Mechanisms, cx: StepContext) -> dict:
    """3. The middle: investment grows district capacity C and coherence H (gated by the
    quality of the middle's collaboration); districts learn from consortium peers; they
    support schools in proportion to C*H, toward the weakest (by performance rank) when
    responsibility is high.

    Seed: LftM "increases the capacity and internal coherence of the middle as it becomes
    a more effective partner upward to the state and downward to its schools"; Hargreaves'
    responsiveness, responsibility, integration, humility ("each district learns from the
    rest").
    """
    C, H = st.middle_capacity, st.middle_coherence
    c, b = st.capacity, st.commitment
    sm = cx.at_middle
    grow = mp.middle_capacity_rate * sm.investment * sm.quality
    learn = mp.humility_rate * sm.humility * np.maximum(cx.middle_peer_capacity - C, 0.0)
    align = 0.5 * (sm.integration + sm.responsiveness)
    weight = 1 - s.responsibility + 2 * s.responsibility * cx.standing
    fit = 0.5 + 0.5 * s.responsiveness
    return {
        "middle_capacity": grow * (1 - C) + learn - mp.middle_decay * (C - mp.middle_rest),
        "middle_coherence": mp.middle_coherence_rate * sm.investment * sm.quality * align * (1 - H)
        - mp.middle_decay * (H - mp.middle_rest),
        "capacity": mp.district_support_rate * cx.middle_ch * fit * weight * (1 - c),
        "commitment": mp.district_ownership_rate * s.initiative * cx.middle_ch * (1 - b),
    }


def lateral_learning(st: SystemState, s: Levers, mp: Mechanisms, cx: StepContext) -> dict:
    """4. Lateral learning: a school moves toward the trust-weighted capacity of its peers
    when they know more, at a rate scaled by network quality and by the trust on its
    ties; taking part raises commitment when the network is co-designed and breeds
    opposition when imposed; trust grows with good interaction and fades without it.

    Seeds: the eight essential ingredients; "every time the middle gets together, it is
    not automatically a good thing".
    """
    c, b = st.capacity, st.commitment
    rate = s.lateral_learning * cx.quality
    take_part = mp.participation_rate * rate * cx.member
    tau = st.peer_trust
    learn = mp.lateral_rate * rate * cx.peer_trust_mean
    tie_rate = cx.at_tie.lateral_learning * cx.tie_quality
    return {
        "capacity": learn * np.maximum(cx.peer_capacity - c, 0.0),
        "commitment": take_part * (s.co_design * (1 - b) - (1 - s.co_design) * b),
        "peer_trust": mp.trust_rate * tie_rate * (1 - tau) - mp.trust_decay * (1 - tie_rate) * tau,
    }


def practice_flows(st: SystemState, s: Levers, mp: Mechanisms, cx: StepContext):
    """5. The flows of practice this step: generated (letting go, autonomy or a district's
    initiative, in proportion to capacity, suppressed by pressure) and kept (reining in),
    spread from better peers, and lapsed. Returns (kept, spread, lapse)."""
    q, c = st.innovation, st.capacity
    freedom = 1 - (1 - s.letting_go) * (1 - s.autonomy) * (1 - s.initiative * cx.middle_c)
    generated = mp.innovation_rate * freedom * (1 - s.pressure) * c * (1 - q)
    kept = mp.retention_floor + (1 - mp.retention_floor) * s.reining_in
    spread = (
        mp.diffusion_rate
        * s.lateral_learning
        * cx.quality
        * cx.peer_trust_mean
        * np.maximum(cx.peer_innovation - q, 0.0)
    )
    lapse = mp.practice_decay * (1 - 0.5 * s.reining_in) * q
    return kept * generated, spread, lapse


def innovation(st: SystemState, s: Levers, mp: Mechanisms, cx: StepContext) -> dict:
    """5. Innovation: letting go (or autonomy, or a district's initiative) generates new
    practice in proportion to capacity, pressure suppresses it; reining in keeps a larger
    share; practice spreads toward better peers and lapses without reining in. Which of
    it is good is `practice_worth`.

    Seed: "Directional vision, letting go, and reining in ... good ideas get sorted out
    and retained"; the old model "cannot generate innovation and learning fast enough".
    """
    kept, spread, lapse = practice_flows(st, s, mp, cx)
    return {"innovation": kept + spread - lapse}


def worth_inflow(st: SystemState, s: Levers, mp: Mechanisms, cx: StepContext):
    """13. What enters a school's practice and how good it is: of the kept new practice a
    share `bad_idea_share` is bad, and sorting (reining in with transparency) drops that
    share of the bad. Returns (dropped, new, new_worth, spread, peer_worth, lapse)."""
    kept, spread, lapse = practice_flows(st, s, mp, cx)
    sort = s.reining_in * s.transparency
    bad = mp.bad_idea_share * sort
    unsorted = 1 - bad  # > 0 unless every idea is bad and all bad ones are dropped
    new_worth = np.where(
        unsorted > 0, (1 - mp.bad_idea_share) / np.where(unsorted > 0, unsorted, 1.0), 1.0
    )
    return kept * bad, kept * unsorted, new_worth, spread, cx.peer_worth, lapse


def practice_worth(st: SystemState, s: Levers, mp: Mechanisms, cx: StepContext) -> dict:
    """13. Worth of practice: new ideas vary in worth; reining in with transparent results
    sorts them, dropping bad ones; practice copied from peers brings their worth; lapse
    takes practice of every worth alike. The stock's worth is the mixture (it stays in
    [0, 1] as a convex combination).

    Seed: "Because the model is laden with transparency, precision of action, assessment
    of what is being learned including outcomes, and continuous exchanges and
    deliberation, good ideas get sorted out and retained"; LftM helps "to assess and sort
    out what should be retained and spread".
    """
    q, v = st.innovation, st.worth
    dropped, new, new_worth, spread, peer_worth, lapse = worth_inflow(st, s, mp, cx)
    after = q - lapse + new + spread
    mixed = new * (new_worth - v) + spread * (peer_worth - v)
    return {
        "innovation": -dropped,
        "worth": np.where(after > 0, mixed / np.where(after > 0, after, 1.0), 0.0),
    }


def network_quality_by_network(quality: Any, draw: np.ndarray, mp: Mechanisms) -> np.ndarray:
    """12. Network quality, network by network: the strategy's (gated) Q is the median
    network's; a network's draw epsilon_n sets how well it realises the ingredients,
    Q_n = Q ** exp(quality_spread * epsilon_n), in [0, 1] by form (Q_n = Q when the
    spread is 0; Q_n = 0 whenever Q = 0).

    Seed: "It is crucial to say that every time the middle gets together, it is not
    automatically a good thing."
    """
    return quality ** np.exp(mp.quality_spread * draw)


def sustainability(st: SystemState, s: Levers, mp: Mechanisms, cx: StepContext) -> dict:
    """6. Sustainability: capacity drifts back toward the level ordinary hiring and training
    sustain (lower where need is high), slowly where it is owned (commitment) and embedded
    in the middle (district C*H, trusted networks); commitment drifts back to its ordinary
    level.

    Seed: "Top-down leadership doesn't last even if you get a lot of the pieces right".
    """
    embedded = 1 - (1 - cx.middle_ch) * (1 - cx.peer_trust_mean)
    anchor = 0.5 * (st.commitment + embedded)
    return {
        "capacity": -mp.capacity_decay * (1 - mp.embedding * anchor) * (st.capacity - st.rest),
        "commitment": mp.commitment_relax * (mp.commitment_rest - st.commitment),
    }


def capacity_rest(need: np.ndarray, level: float, mp: Mechanisms) -> np.ndarray:
    """The level capacity drifts back to: the system's ordinary level (hiring and
    training), lower where need is high, and the mean of a school's initial capacity.
    Ordinary district support and autonomy hold schools a little above it under baseline."""
    return level - mp.rest_need_slope * (need - 0.5)


def network_formation(
    st: SystemState, s: Levers, mp: Mechanisms, draws: np.ndarray, has_network: np.ndarray
) -> np.ndarray:
    """7. Network formation: schools outside a network join it with a hazard set by uptake
    and their commitment (the graph's peer ties change during a run). Returns who joins.

    Seed: New Zealand "expected that all schools would participate in networks of 5-20
    schools"; "initially the proposal was imposed ... greeted with widespread opposition".
    The imposition shock itself is `imposition`.
    """
    hazard = mp.join_rate * s.network_uptake * (0.25 + 0.75 * st.commitment)
    chance = 1 - np.exp(-hazard * TERM)
    return (~st.active) & has_network & (draws < chance)


def imposition(s: Levers, mp: Mechanisms, intensity: float) -> Any:
    """7. Network formation: the share of commitment and trust lost when networks are set
    up (or joined) by imposition; none when they are co-designed (the Joint Initiative).

    Seed: "initially the proposal was imposed on the system and was greeted with
    widespread opposition".
    """
    return mp.imposition_shock * (1 - s.co_design) * intensity


def performance(
    st: SystemState, s: Levers, mp: Mechanisms, cx: StepContext, draws: np.ndarray
) -> np.ndarray:
    """8. Performance moves toward a target set by capacity, innovative practice and need
    (need weighs less where a responsive middle fits its support to local need), raised by
    the temporary pressure lift, with bounded noise. Returns the new p.

    Seeds: Ontario's "strong success using an assertive strategy" on basic measures;
    Hargreaves' responsiveness: "local district solutions address and respond to
    distinctive local needs and diversities".
    """
    p = st.performance
    good = st.innovation * st.worth  # only good practice lifts performance (7.13)
    skill = (1 - mp.innovation_weight) * st.capacity + mp.innovation_weight * good
    span = mp.performance_ceiling - mp.performance_floor
    penalty = mp.need_penalty * (1 - mp.need_mitigation * s.responsiveness * cx.middle_ch)
    target = (mp.performance_floor + span * skill) * (1 - penalty * st.need)
    target = target + (1 - target) * mp.lift_max * cx.lift
    return p + mp.performance_speed * (target - p) + mp.noise * draws * p * (1 - p)


def wellbeing(st: SystemState, s: Levers, mp: Mechanisms, cx: StepContext) -> dict:
    """9. Well-being rises with engagement (deep-learning practice, ownership,
    collaboration) and falls under pressure with a narrow test focus.

    Seed: NPDL's deep learning "engages students and teachers"; CODE's pillar of student
    and staff well-being.
    """
    w = st.wellbeing
    engaged = (st.innovation + st.commitment + s.lateral_learning * cx.member) / 3
    strain = s.pressure * (1 - st.innovation) + 0.3 * (1 - engaged)
    return {"wellbeing": mp.wellbeing_rate * (engaged * (1 - w) - 0.5 * strain * w)}


def public_confidence(
    confidence: Any, s: Levers, mp: Mechanisms, mean_p: Any, below: Any, gap: Any
) -> Any:
    """9. Public confidence follows visible, transparent results and falls with the share
    of schools below the floor and a wide gap. Returns the new value.

    Seed: the fourth pillar of "Achieving Excellence"; Hargreaves' "transparency of
    participation and results".
    """
    visible = np.maximum(s.transparency, s.pressure)
    up = visible * mean_p * (1 - confidence)
    down = 0.5 * (below + gap) * confidence
    return confidence + mp.confidence_rate * (up - down)
