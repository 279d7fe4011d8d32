"""The ruleset: spec/assessment.md version 1.2, as data. One file per area:

- ``urgency.py``       §3.1 red flags and urgency
- ``next_step.py``     §3.2 next step when routine
- ``definitions.py``   §3.3 shared definitions (radicular picture, concordance, failed conservative care, ...)
- ``common.py``        §3.3 rules shared by procedures (imaging, significant symptoms, mimics, fitness, risk factors)
- ``emergency.py``     §3.3 fixed statuses in an emergency
- ``conservative.py``, ``mild.py``, ``discectomy.py``, ``decompression.py``, ``fusion.py``, ``open_surgery.py``:
  §3.4, one table per procedure

To add a rule: add one ``Rule(...)`` row to the table it belongs to (id, condition, cap, text, source); the
engine needs no change. :func:`check_ruleset` (run at import and in the tests) rejects a duplicate id or a
source id the knowledge base does not know.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from ..assessment import PROCEDURE_IDS
from ..errors import KnowledgeError
from .base import Rule
from .common import RISK_FACTOR_RULES
from .conservative import CONSERVATIVE_CARE
from .decompression import MIS_DECOMPRESSION
from .discectomy import ENDOSCOPIC_DISCECTOMY, MICRODISCECTOMY
from .emergency import EMERGENCY_STATUSES, URGENT_REVIEW_FIRST
from .fusion import MIS_TLIF
from .mild import MILD
from .next_step import NEXT_STEPS
from .open_surgery import OPEN_SURGERY
from .procedure import ProcedureRules
from .urgency import RED_FLAG_RULES

__all__ = [
    "EMERGENCY_STATUSES",
    "NEXT_STEPS",
    "PROCEDURE_RULES",
    "RED_FLAG_RULES",
    "RISK_FACTOR_RULES",
    "RULESET_VERSION",
    "URGENT_REVIEW_FIRST",
    "check_ruleset",
    "rule_table",
]

# Semver of the rules. Major.minor follow the spec version they implement (1.2); bump the patch for a change
# of wording or reading that the spec allows, the minor when the spec changes.
RULESET_VERSION = "1.2.0"

PROCEDURE_RULES: tuple[ProcedureRules, ...] = (
    CONSERVATIVE_CARE, MILD, MICRODISCECTOMY, ENDOSCOPIC_DISCECTOMY, MIS_DECOMPRESSION, MIS_TLIF, OPEN_SURGERY,
)


def _procedure_rules() -> Iterator[tuple[str, Rule]]:
    for table in PROCEDURE_RULES:
        yield table.procedure, table.indication
        for rule in table.rules:
            yield table.procedure, rule


def rule_table() -> list[dict[str, str]]:
    """Every rule as a row a clinician can read: area, id, condition, effect, text, source."""
    rows: list[dict[str, str]] = []
    for r in RED_FLAG_RULES:
        rows.append({"area": "urgency", "id": r.id, "when": r.when.describe, "effect": r.urgency,
                     "text": r.title, "source": r.source})
    for s in NEXT_STEPS:
        rows.append({"area": "next step", "id": s.id, "when": s.describe, "effect": s.then, "text": s.advice,
                     "source": s.source})
    for procedure, rule in _procedure_rules():
        scope = " (per level)" if rule.per_level else ""
        rows.append({"area": procedure, "id": rule.id, "when": rule.when.describe + scope,
                     "effect": rule.describe_effect(), "text": rule.text, "source": rule.source})
    for procedure, (status, rule) in EMERGENCY_STATUSES.items():
        rows.append({"area": f"emergency: {procedure}", "id": rule.id, "when": "urgency is emergency",
                     "effect": status, "text": rule.text, "source": rule.source})
    for rf in RISK_FACTOR_RULES:
        rows.append({"area": "risk factor", "id": rf.id, "when": rf.when.describe, "effect": "listed",
                     "text": rf.text, "source": rf.source})
    return rows


def _all_sources() -> Iterable[tuple[str, str]]:
    for row in rule_table():
        yield row["id"], row["source"]
    yield URGENT_REVIEW_FIRST.id, URGENT_REVIEW_FIRST.source


def check_ruleset(known_sources: Iterable[str]) -> None:
    """Fail loudly at start-up, not at the bedside: ids unique per area, every source known, all procedures."""
    known = set(known_sources)
    for rule_id, source in _all_sources():
        if source not in known:
            close = difflib.get_close_matches(source, sorted(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise KnowledgeError(f"rule '{rule_id}' cites unknown source '{source}'{hint}")
    seen: set[tuple[str, str]] = set()
    for procedure, rule in _procedure_rules():
        key = (procedure, rule.id)
        if key in seen:
            raise KnowledgeError(f"duplicate rule id '{rule.id}' in the {procedure} table")
        seen.add(key)
    if tuple(t.procedure for t in PROCEDURE_RULES) != PROCEDURE_IDS:
        raise KnowledgeError("the procedure tables must cover all seven procedures in the contract's order")
