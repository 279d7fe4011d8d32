"""The shapes the JSON API speaks, for its responses and its OpenAPI document.

The assessment contract (``spinepath.intake/1`` in, ``spinepath.assessment/1`` out) is described by the JSON
Schemas shipped in :mod:`spinepath.schemas` — the same files ``spinepath schema`` prints — so the API and the CLI
cannot drift apart. :func:`contract_components` turns them into OpenAPI components. Everything else (errors, the
knowledge base) is a ninja schema here.
"""

from __future__ import annotations

import json
from typing import Any

from ninja import Schema
from pydantic import Field

from spinepath.core.knowledge.models import SourceKind, Strength
from spinepath.schemas import shipped

__all__ = [
    "ConditionOut",
    "ConditionSummary",
    "Health",
    "Message",
    "Problem",
    "Problems",
    "ProcedureOut",
    "ProcedureSummary",
    "contract_components",
    "contract_ref",
]

_COMPONENTS = "#/components/schemas/"
_CONTRACTS = {"Intake": "intake", "Assessment": "assessment"}


def contract_ref(name: str) -> dict[str, str]:
    """A reference to one of the contract schemas (``Intake`` or ``Assessment``) in the OpenAPI document."""
    if name not in _CONTRACTS:
        raise KeyError(f"unknown contract schema {name!r}; known: {', '.join(_CONTRACTS)}")
    return {"$ref": _COMPONENTS + name}


def contract_components() -> dict[str, Any]:
    """The shipped contract schemas as OpenAPI components: each ``$defs`` entry becomes a component of its own
    and ``#/$defs/X`` references become ``#/components/schemas/X`` (OpenAPI 3.1 is JSON Schema 2020-12)."""
    components: dict[str, Any] = {}
    for name, file in _CONTRACTS.items():
        schema = json.loads(shipped(file))  # type: ignore[arg-type]
        for key in ("$schema", "$id"):  # an $id would change the base that references resolve against
            schema.pop(key, None)
        for def_name, definition in schema.pop("$defs", {}).items():
            _add(components, def_name, definition)
        _add(components, name, schema)
    return _rewrite_refs(components)


def _add(components: dict[str, Any], name: str, schema: Any) -> None:
    if name in components and components[name] != schema:
        raise ValueError(f"two contract schemas define a different {name!r}; rename one of the models")
    components[name] = schema


def _rewrite_refs(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: (_COMPONENTS + item.removeprefix("#/$defs/") if key == "$ref" and isinstance(item, str)
                      else _rewrite_refs(item)) for key, item in value.items()}
    if isinstance(value, list):
        return [_rewrite_refs(item) for item in value]
    return value


class Problem(Schema):
    pointer: str = Field(description="JSON pointer (RFC 6901) of the offending field; \"\" for the whole body")
    message: str = Field(description="What is wrong, for a person to read")


class Problems(Schema):
    """422: the intake was rejected as a whole; every offending field is listed."""

    detail: list[Problem]


class Message(Schema):
    detail: str


class Health(Schema):
    status: str = Field(examples=["ok"])


class SourceOut(Schema):
    id: str
    title: str
    citation: str
    url: str
    kind: SourceKind


class _Evidenced(Schema):
    sources: list[SourceOut] = Field(description="Who says so")
    strength: Strength = Field(description="G guideline, T trial or cohort, P practice page, S secondary summary")
    weak: bool
    flag: str | None = Field(description="Shown beside a weak fact: why it is weak")


class FactOut(_Evidenced):
    text: str


class RiskOut(_Evidenced):
    name: str
    rate: str


class MilestoneOut(_Evidenced):
    """A point in recovery, in days after the operation, with the figure as the source publishes it."""

    label: str
    from_days: float
    to_days: float
    as_published: str


class VariantOut(Schema):
    name: str
    summary: str
    facts: list[FactOut]
    risks: list[RiskOut]
    not_known: list[str]


class ProcedureSummary(Schema):
    id: str
    name: str
    short_name: str
    summary: str


class ProcedureOut(ProcedureSummary):
    """One procedure with everything the knowledge base knows. A ``null`` fact: the evidence has nothing on it;
    ``not_known`` names the gaps the evidence itself marks."""

    also_known_as: list[str]
    who_it_suits: list[FactOut]
    how_it_is_done: str
    anaesthesia: FactOut | None
    typical_duration: FactOut | None
    incision: FactOut | None
    setting_and_stay: FactOut | None
    return_to_activity: FactOut | None
    return_to_work: FactOut | None
    benefits: list[FactOut]
    risks: list[RiskOut]
    variants: list[VariantOut]
    alternatives: list[str] = Field(description="Procedure ids")
    related_conditions: list[str] = Field(description="Condition ids")
    not_known: list[str]
    timeline: list[MilestoneOut] = Field(default=[], description="Sourced recovery milestones, in order")


class ConditionSummary(Schema):
    id: str
    name: str
    summary: str


class ConditionOut(ConditionSummary):
    also_known_as: list[str]
    symptoms: list[FactOut]
    how_it_is_diagnosed: list[FactOut]
    natural_history: list[FactOut]
    treatment_options: list[str] = Field(description="Procedure ids")
    treatment_facts: list[FactOut]
    when_to_seek_urgent_care: list[FactOut]
    sources: list[SourceOut]
    not_known: list[str]
