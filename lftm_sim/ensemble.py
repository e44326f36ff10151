"""The ensemble path: many runs of one design point stepped together.

`run_ensemble(members, seeds, years)` is what experiments (compare, sweeps, calibration,
validation) use. Each member is a dict of `SystemModel` keywords (its strategy or timeline,
its settings); member k runs with ``np.random.default_rng(seeds[k])``, and its frame equals
`experiments.run_model(members[k], seeds[k], years)`.

This first version runs the members one after another through `SystemModel`; the
array-program version (a run axis on the state, one block-diagonal peer product, ranks per
run) keeps this signature and its results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd


def run_ensemble(
    members: Sequence[Mapping[str, Any]], seeds: Sequence[int], years: float
) -> list[pd.DataFrame]:
    """Run every member for `years` years; one model-level series per member, in order."""
    from .experiments import run_model

    if len(members) != len(seeds):
        raise ValueError(f"{len(members)} members but {len(seeds)} seeds")
    return [run_model(dict(m), int(s), years) for m, s in zip(members, seeds, strict=True)]
