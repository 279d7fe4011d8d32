"""Outcome instruments and answers as FHIR R4 in the JSON API (a ninja Router; see spinepath.web.api):

    GET  /questionnaires                  every instrument as a Questionnaire (licensed ones without wording unless
                                          the deployer supplied it)
    GET  /questionnaires/{id}             one (``odi`` or its FHIR id ``odi``/``nrs-back-pain``)
    GET  /questionnaire-responses         a searchset Bundle: a patient's own answers; staff name ``?request=REF``
    POST /questionnaire-responses         a patient imports a QuestionnaireResponse (``?timepoint=``, ``&request=``)

Signed in by the browser session (401 without); unsafe methods need the CSRF token. A request the caller may not
see is 404. An invalid response is 422 ``{"detail": [{"pointer", "message"}]}`` naming every offending item.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router
from ninja.errors import HttpError

from spinepath.core.outcomes import Instrument, load_catalogue
from spinepath.fhir import ResponseImportError, answers_from_response, questionnaire, questionnaire_response
from spinepath.fhir.questionnaires import CANONICAL_BASE
from spinepath.web.accounts import access
from spinepath.web.accounts.decorators import api_user_with_role
from spinepath.web.accounts.models import Role
from spinepath.web.api_schemas import Message, Problems
from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record
from spinepath.web.care.api import BrowserSession

from . import recovery
from .models import SAFETY_INSTRUMENT, QuestionnaireSubmission, Source, TimePoint

__all__ = ["router"]

router = Router(auth=BrowserSession(), tags=["outcomes (FHIR)"])
_FHIR_JSON = "application/fhir+json"
# Bodies are FHIR resources (validated by fhir.resources, not by ninja), documented as JSON objects.
_READ = {200: dict[str, Any], 401: Message, 403: Message, 404: Message, 422: Message}
_IMPORT = {201: dict[str, Any], 401: Message, 403: Message, 404: Message, 422: Problems}


def _fhir(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type=_FHIR_JSON)


def _instrument(instrument_id: str) -> Instrument:
    wanted = instrument_id.replace("-", "_")
    offered = recovery.offered(wanted)
    if offered is not None:
        return offered
    try:
        return load_catalogue().instrument(wanted)
    except KeyError as exc:
        raise HttpError(404, str(exc).strip("'\"")) from None


@router.get("/questionnaires", response=_READ, summary="Every instrument as a FHIR Questionnaire (Bundle)")
def list_questionnaires(request: HttpRequest) -> HttpResponse:
    entries = [{"resource": json.loads(questionnaire(_instrument(i)).model_dump_json(exclude_none=True))}
               for i in load_catalogue().instruments]
    return _fhir({"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries})


@router.get("/questionnaires/{instrument_id}", response=_READ, summary="One instrument as a FHIR Questionnaire")
def get_questionnaire(request: HttpRequest, instrument_id: str) -> HttpResponse:
    return _fhir(json.loads(questionnaire(_instrument(instrument_id)).model_dump_json(exclude_none=True)))


def _visible_request(request: HttpRequest, reference: str) -> Any:
    try:
        return access.get_request_or_404(request.user, reference)
    except (Http404, PermissionDenied):
        record(request, Action.DENIED, "questionnaire", "", request_reference=reference[:20])
        raise HttpError(404, "No such request") from None


@router.get("/questionnaire-responses", response=_READ, summary="Answers as FHIR QuestionnaireResponses (Bundle)")
def list_responses(request: HttpRequest, request_reference: str = "") -> HttpResponse:
    user = api_user_with_role(request, Role.PATIENT, Role.COORDINATOR, Role.SURGEON)
    submissions = QuestionnaireSubmission.objects.exclude(instrument_id=SAFETY_INSTRUMENT)
    if access.role_of(user) == Role.PATIENT:
        submissions = submissions.filter(patient=user)
        if request_reference:
            submissions = submissions.filter(request=_visible_request(request, request_reference))
    else:
        if not request_reference:
            raise HttpError(422, "Staff must name a request: ?request_reference=SP-...")
        submissions = submissions.filter(request=_visible_request(request, request_reference))
    entries = []
    for submission in submissions:
        inst = _instrument(submission.instrument_id)
        resource = questionnaire_response(inst, submission.answers, subject=f"Patient/{submission.patient_id}",
                                          authored=submission.submitted_at, response_id=f"sp-{submission.pk}")
        body = json.loads(resource.model_dump_json(exclude_none=True))
        body["extension"] = [{"url": "urn:spinepath:timepoint", "valueCode": submission.timepoint}]
        entries.append({"resource": body})
    record(request, Action.EXPORT, "questionnaire", "", request_reference=request_reference[:20],
           detail=f"fhir responses={len(entries)}")
    return _fhir({"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries})


@router.post("/questionnaire-responses", response=_IMPORT,
             summary="Import one FHIR QuestionnaireResponse (patients, their own)")
def import_response(request: HttpRequest, timepoint: str = TimePoint.BASELINE,
                    request_reference: str = "") -> HttpResponse:
    user = api_user_with_role(request, Role.PATIENT)
    if timepoint not in TimePoint.values:
        message = f"unknown time point; one of {TimePoint.values}"
        return _fhir({"detail": [{"pointer": "/timepoint", "message": message}]}, 422)
    request_obj = _visible_request(request, request_reference) if request_reference else None
    try:
        body = json.loads(request.body)
    except ValueError:
        return _fhir({"detail": [{"pointer": "", "message": "the body is not JSON"}]}, 422)
    reference = str(body.get("questionnaire", "")) if isinstance(body, dict) else ""
    instrument_id = reference.partition("|")[0].removeprefix(f"{CANONICAL_BASE}:")
    try:
        inst = _instrument(instrument_id) if instrument_id and reference.startswith(CANONICAL_BASE) else None
    except HttpError:
        inst = None
    if inst is None:
        return _fhir({"detail": [{"pointer": "/questionnaire",
                                  "message": f"not a spinepath questionnaire: {reference!r}"}]}, 422)
    try:
        answers = answers_from_response(body, inst)
    except ResponseImportError as exc:
        return _fhir({"detail": [{"pointer": p.pointer, "message": p.message} for p in exc.problems]}, 422)
    submission = recovery.save_answers(user, inst, answers, timepoint=timepoint, request_obj=request_obj,
                                       source=Source.FHIR, http=request)
    return _fhir({"id": submission.pk, "instrument": inst.id, "timepoint": timepoint, "score": submission.score},
                 201)
