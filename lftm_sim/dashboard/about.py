"""The page's plain-words text: what the panels are, which patterns are emergent and which
encode the seeds' hypotheses (read from `lftm_sim.patterns`, so it follows the checks),
and that the model is a tool for argument, not a forecast."""

from __future__ import annotations

from ..patterns import PATTERNS

EMERGENT, ENCODED = "emergent", "encoded hypothesis"


def patterns_by_kind() -> dict[str, list[str]]:
    """Pattern claims grouped by kind ("emergent", "encoded hypothesis")."""
    groups: dict[str, list[str]] = {EMERGENT: [], ENCODED: []}
    for code, pattern in PATTERNS.items():
        groups.setdefault(pattern.kind, []).append(f"{code}: {pattern.claim}")
    return groups


def about_markdown() -> str:
    """The text shown under the plots (Markdown)."""
    groups = patterns_by_kind()
    emergent = "\n".join(f"- {claim}" for claim in groups[EMERGENT])
    encoded = "\n".join(f"- {claim}" for claim in groups[ENCODED])
    return f"""\
### What you are watching

Every panel is the same imaginary school system: the same schools, districts and networks,
and the same luck each term. Each is run under a different strategy at the same budget, so
the strategy is the only difference between them.

The patterns below are the claims the model is checked against (`lftm validate`). Whether
each one shows up at the settings you chose is for you to watch: a claim that fails here is a
finding, not a fault of the page.

**Emergent patterns.** No single rule was written to produce these. They arise from several
processes acting together over the years, so seeing them is evidence that the mechanisms
hang together:

{emergent}

**Patterns that encode the source texts' hypotheses.** A rule was written to express each
of these claims. Seeing them shows the model is faithful to the texts. It does *not* show
that the claims are true:

{encoded}

**A tool for argument, not a forecast.** The defaults are set by hand and the system is
imaginary: no number here predicts any real school system. Use it to ask which assumptions
carry a conclusion, and what would have to be true for another strategy to come out ahead.
"""
