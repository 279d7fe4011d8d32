"""The JSON API under /api/v1/ (django-ninja), for machine clients. See urls.py.

    POST /assessments          spinepath.intake/1 in, spinepath.assessment/1 out (exactly the CLI's --json)
    GET  /procedures[/{id}]    the knowledge base, sources resolved
    GET  /conditions[/{id}]
    GET  /health               {"status": "ok"}
    /requests...               treatment-plan requests, signed in (session + CSRF): see spinepath.web.care.api
    GET  /openapi.json, /docs

Errors: 422 ``{"detail": [{"pointer": ..., "message": ...}, ...]}`` for an invalid intake (every offending
field, by JSON pointer; ``""`` for a body that is not a JSON object); 404 ``{"detail": "..."}`` for an unknown id.
The body is validated by :func:`spinepath.core.parse_intake` itself, never by ninja, so the API is exactly as
strict as the CLI (no coercion, unknown keys refused). These need no authentication and no cookies, hence no CSRF
token.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from pydantic import BaseModel

from spinepath.core import IntakeError, assess_json, parse_intake
from spinepath.core.knowledge import KnowledgeBase, load_knowledge
from spinepath.core.knowledge.models import did_you_mean

from .api_schemas import (
    ConditionOut,
    ConditionSummary,
    Health,
    Message,
    Problems,
    ProcedureOut,
    ProcedureSummary,
    contract_components,
    contract_ref,
)
from .care import api as care_api
from .outcomes import api as outcomes_api

_Entry = TypeVar("_Entry")


class SpinepathAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        # The request and response bodies of /assessments are the shipped contract schemas, which ninja cannot
        # derive from a view that reads the raw body: add them as components (ninja's documented extension point).
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in contract_components().items():
            if name in components:
                raise ValueError(f"OpenAPI component {name!r} is defined twice; rename the API schema")
            components[name] = definition
        return schema


api = SpinepathAPI(
    title="spinepath API",
    version="1",
    urls_namespace="api-v1",
    description="Red flags first, then the next step and each procedure's candidacy, with reasons and sources. "
    "Supports a clinician's decision; never replaces one.",
)


api.add_router("/requests", care_api.router)
api.add_router("/", outcomes_api.router)  # /questionnaires, /questionnaire-responses (FHIR)


@api.exception_handler(IntakeError)
def _invalid_intake(request: HttpRequest, exc: IntakeError) -> HttpResponse:
    # The one place an invalid intake becomes an HTTP status (the CLI's is exit code 2).
    problems = [{"pointer": p.pointer, "message": p.message} for p in exc.problems]
    return api.create_response(request, {"detail": problems}, status=422)


@api.post(
    "/assessments",
    response={422: Problems},
    summary="Assess one intake",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A spinepath.intake/1 document. Missing or null means unknown.",
            "content": {"application/json": {"schema": contract_ref("Intake")}},
        },
        "responses": {
            200: {
                "description": "The spinepath.assessment/1 document (no safety_net in an emergency)",
                "content": {"application/json": {"schema": contract_ref("Assessment")}},
            },
        },
    },
)
def create_assessment(request: HttpRequest) -> HttpResponse:
    """Urgency, next step and every procedure's status with reasons and sources, for one
    ``spinepath.intake/1`` document; exactly what ``spinepath assess --json`` prints."""
    # assess_json writes the same text as assess(...).to_json() (a property test checks it) without building the
    # models: about a fifth less time per request.
    return HttpResponse(assess_json(parse_intake(request.body)), content_type="application/json")


@api.get("/procedures", response=list[ProcedureSummary], summary="All seven procedures, in the fixed order")
def list_procedures(request: HttpRequest) -> Any:
    return list(load_knowledge().procedures.values())


@api.get("/procedures/{procedure_id}", response={200: ProcedureOut, 404: Message}, summary="One procedure")
def get_procedure(request: HttpRequest, procedure_id: str) -> Any:
    kb = load_knowledge()
    return _resolved(_known(kb.procedures, procedure_id, "procedure"), kb)


@api.get("/conditions", response=list[ConditionSummary], summary="All conditions")
def list_conditions(request: HttpRequest) -> Any:
    return list(load_knowledge().conditions.values())


@api.get("/conditions/{condition_id}", response={200: ConditionOut, 404: Message}, summary="One condition")
def get_condition(request: HttpRequest, condition_id: str) -> Any:
    kb = load_knowledge()
    return _resolved(_known(kb.conditions, condition_id, "condition"), kb)


@api.get("/health", response=Health, summary="Liveness: answers without touching the database")
def health(request: HttpRequest) -> Any:
    return {"status": "ok"}


def _known(table: dict[str, _Entry], key: str, what: str) -> _Entry:
    if key not in table:
        raise HttpError(404, f"unknown {what} id {key!r}{did_you_mean(key, table)}; known: {', '.join(table)}")
    return table[key]


def _resolved(value: Any, kb: KnowledgeBase) -> Any:
    """A knowledge-base entry as plain data, every ``sources`` id replaced by the source itself and every fact
    carrying its weak-evidence ``flag``."""
    if isinstance(value, BaseModel):
        out = {name: _resolved(getattr(value, name), kb) for name in type(value).model_fields}
        if "sources" in out:
            out["sources"] = [kb.source(source_id).model_dump() for source_id in out["sources"]]
        if hasattr(value, "flag"):
            out["flag"] = value.flag
        return out
    if isinstance(value, list):
        return [_resolved(element, kb) for element in value]
    return value
