"""The shape of one procedure's rule table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..assessment import ProcedureId
from .base import Rule
from .definitions import Facts, LevelGroup


@dataclass(frozen=True, slots=True)
class ProcedureRules:
    """``indication`` is the plain statement of what the procedure needs (always shown as a reason).

    ``levels`` picks the levels whose findings the indication rests on; each is judged on its own by the
    per-level rules and the procedure takes the best level (§3.3). ``None``: the procedure is not judged
    per level (conservative care).
    """

    procedure: ProcedureId
    indication: Rule
    rules: tuple[Rule, ...]
    levels: Callable[[Facts], list[LevelGroup]] | None = None
