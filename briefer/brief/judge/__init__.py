"""Does a statement say what its cited spans say? The entailment judge: structural checks, then a model.

See :mod:`briefer.brief.judge.base` for the contract.
"""

from __future__ import annotations

from .base import (
    CHECKS,
    Check,
    Evidence,
    Judge,
    StructuralJudge,
    Verdict,
    checks,
    get_judge,
    judge_names,
    register_check,
    register_judge,
    structural_verdict,
)

__all__ = [
    "CHECKS",
    "Check",
    "Evidence",
    "Judge",
    "StructuralJudge",
    "Verdict",
    "checks",
    "get_judge",
    "judge_names",
    "register_check",
    "register_judge",
    "structural_verdict",
]
