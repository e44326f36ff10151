"""Pattern-oriented validation (docs/design.md section 6): `validate` (the engine), its markdown
report (`report`); the `lftm validate` command lives in `lftm_sim.commands.validate`."""

from .engine import (
    BOX,
    BOX_BUDGET,
    BOX_WIDTHS,
    ROBUST_SHARE,
    ValidationSettings,
    check_box,
    failure_drivers,
    make_box,
    run_box,
    sample_box,
    validate,
)
from .report import report_markdown, write_report

__all__ = [
    "BOX",
    "BOX_BUDGET",
    "BOX_WIDTHS",
    "ROBUST_SHARE",
    "ValidationSettings",
    "check_box",
    "failure_drivers",
    "make_box",
    "report_markdown",
    "run_box",
    "sample_box",
    "validate",
    "write_report",
]
