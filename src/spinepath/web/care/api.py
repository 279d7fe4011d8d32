"""Treatment-plan requests in the JSON API, under /api/v1/requests (a ninja Router; see spinepath.web.api):

    GET  /requests                          the requests the signed-in user may see, as summaries
    GET  /requests/{reference}              one request, as the user's role may see it (never original files;
                                            a surgeon sees only their own hospital's routing and answers)
    POST /requests/{reference}/routings     coordinator: {"hospitals": [id, ...]}
    POST /requests/{reference}/responses    surgeon: {"kind": "plan" | "more_information" | "decline", ...}
    POST /requests/{reference}/messages     patient or coordinator: {"body": "..."}

Authentication is the browser session (Django's login): 401 without one. Unsafe methods need the CSRF token
(``X-CSRFToken`` header), checked only once the caller is known to be signed in so that an anonymous call is
always 401. A request the user may not see is 404, an action their role may not take on it 403 (decided by
:mod:`spinepath.web.accounts.access`, as for the pages), invalid input 422 ``{"detail": [{"pointer", "message"}]}``
naming every offending field (checked by the same forms as the pages), a change the request's state does not allow
409. Every call that reaches a request is written to the audit trail.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import SessionAuth
from pydantic import Field

from spinepath.web.accounts import access
from spinepath.web.accounts.access import Do
from spinepath.web.accounts.models import Role
from spinepath.web.api_schemas import Message, Problems
from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record

from . import presenters, workflow
from .forms_staff import MessageForm, ResponseForm, RoutingForm
from .models import ImagingFile, ImagingFileKind, Routing, TreatmentRequest
from .staff import get_request

__all__ = ["router"]


class BrowserSession(SessionAuth):
    """Django's session, as ninja's ``django_auth``; the CSRF check comes after the sign-in check, so an anonymous
    call is 401 (not a CSRF 403) whatever its method."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


router = Router(auth=BrowserSession(), tags=["requests"])


# ---- shapes ------------------------------------------------------------------------------------------------------


class HospitalOut(Schema):
    id: int
    name: str
    city: str
    country_code: str


class RoutingSummary(Schema):
    hospital: HospitalOut
    status: str


class RequestSummary(Schema):
    reference: str
    kind: str
    status: str
    urgency: str = Field(description="emergency / urgent / routine, from the frozen self-assessment")
    procedures: list[str] = Field(description="Knowledge-base ids of the procedures of interest")
    countries: list[str]
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None
    updated_at: datetime.datetime
    routings: list[RoutingSummary] = Field(description="The hospitals it was sent to, as the user may see them")


class ResponseOut(Schema):
    id: int
    kind: str
    created_at: datetime.datetime
    accepted_at: datetime.datetime | None
    procedure_id: str
    levels: list[str]
    anaesthesia: str
    expected_stay_nights: int | None
    cost_min: Decimal | None
    cost_max: Decimal | None
    currency: str
    earliest_date: datetime.date | None
    valid_until: datetime.date | None
    notes: str
    question: str
    decline_reason: str


class RoutingOut(Schema):
    id: int
    hospital: HospitalOut
    status: str
    routed_at: datetime.datetime
    responses: list[ResponseOut]


class ImagingFileOut(Schema):
    id: str
    kind: str
    modality: str
    series_uid: str = Field(description="De-identified UID")
    series_description: str
    burned_in_annotation: bool = Field(description="Text may be burned into the pixels: check before sharing")
    preview_url: str | None
    download_url: str | None = Field(description="The de-identified DICOM (or, for a report the user may see, "
                                                 "the PDF); never the original")


class ConsentOut(Schema):
    hospitals: list[HospitalOut]
    text_version: str
    given_at: datetime.datetime
    share_reports_as_is: bool


class MessageOut(Schema):
    id: int
    author_role: str
    body: str
    created_at: datetime.datetime


class EventOut(Schema):
    at: datetime.datetime
    kind: str
    text: str


class RequestDetail(RequestSummary):
    cities: list[str]
    earliest_date: datetime.date | None
    latest_date: datetime.date | None
    note: str
    intake: dict[str, Any] = Field(description="The spinepath.intake/1 document the request was made from")
    assessment: dict[str, Any] = Field(description="The spinepath.assessment/1 document, frozen with the request")
    imaging_summary: dict[str, Any]
    imaging: list[ImagingFileOut]
    consent: ConsentOut | None = Field(description="Not shown to hospitals")
    routings_detail: list[RoutingOut]
    messages: list[MessageOut] = Field(description="Between the patient and the coordinators; not shown to hospitals")
    timeline: list[EventOut]


class RoutingIn(Schema):
    hospitals: list[int] = Field(description="Ids of hospitals the patient consented to that offer a procedure of "
                                             "interest", min_length=1)


class ResponseIn(Schema):
    kind: str = Field(description="plan / more_information / decline")
    procedure_id: str | None = Field(None, description="plan: a procedure the hospital offers")
    levels: list[str] | None = Field(None, description="plan: e.g. [\"L4-L5\"]")
    anaesthesia: str | None = Field(None, description="plan: local / local_sedation / regional / general")
    expected_stay_nights: int | None = None
    cost_min: Decimal | None = None
    cost_max: Decimal | None = None
    currency: str | None = Field(None, description="plan: ISO 4217 code")
    earliest_date: datetime.date | None = Field(None, description="plan: today or later")
    valid_until: datetime.date | None = Field(None, description="plan: today or later")
    notes: str | None = None
    question: str | None = Field(None, description="more_information: what the hospital needs to know")
    decline_reason: str | None = Field(None, description="decline: why")


class MessageIn(Schema):
    body: str = Field(max_length=4000)


_ERRORS: dict[int, Any] = {401: Message, 403: Message, 404: Message}
_CHANGE_ERRORS: dict[int, Any] = {**_ERRORS, 409: Message, 422: Problems}


def _body(schema: type[Schema]) -> dict[str, Any]:
    """The request body's documentation (the body itself is read by :func:`_json` and checked by a form)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema.model_json_schema()}}}}


# ---- reading -----------------------------------------------------------------------------------------------------


@router.get("", response={200: list[RequestSummary], **_ERRORS}, summary="The requests you may see")
def list_requests(request: HttpRequest) -> Any:
    requests = list(access.visible_requests(request.user).order_by("-created_at"))
    record(request, Action.VIEW, "request_list", detail=f"count={len(requests)}")
    return [_summary(request, request_obj) for request_obj in requests]


@router.get("/{reference}", response={200: RequestDetail, **_ERRORS}, summary="One request, as your role sees it")
def get_request_detail(request: HttpRequest, reference: str) -> Any:
    request_obj = _get(request, reference, Do.VIEW)
    record(request, Action.VIEW, "request", request_obj.pk, request_reference=request_obj.reference, detail="api")
    return _detail(request, request_obj)


# ---- changing ----------------------------------------------------------------------------------------------------


@router.post("/{reference}/routings", response={201: list[RoutingOut], **_CHANGE_ERRORS},
             summary="Send the request to hospitals (coordinators)", openapi_extra=_body(RoutingIn))
def create_routings(request: HttpRequest, reference: str) -> Any:
    request_obj = _get(request, reference, Do.ROUTE)
    data, problems = _json(request, RoutingIn)
    form = RoutingForm(data)
    if problems or not form.is_valid():
        return _invalid(request, request_obj, "routing", problems + _form_problems(form))
    try:
        routings = workflow.route(request_obj, form.cleaned_data["hospitals"], request.user, request)
    except workflow.WorkflowError as exc:  # not consented, procedure not offered, already there
        return _invalid(request, request_obj, "routing", [{"pointer": "/hospitals", "message": str(exc)}])
    return Status(201, [_routing(r) for r in routings])


@router.post("/{reference}/responses", response={201: ResponseOut, **_CHANGE_ERRORS},
             summary="Answer a request routed to your hospital (surgeons)", openapi_extra=_body(ResponseIn))
def create_response(request: HttpRequest, reference: str) -> Any:
    request_obj = _get(request, reference, Do.RESPOND)
    routing = presenters.routings_for(request.user, request_obj).first()
    if routing is None:  # a surgeon sees a request only when it was routed to their hospital; a safeguard
        raise HttpError(404, "No such request")
    data, problems = _json(request, ResponseIn)
    form = ResponseForm(data, offered=routing.hospital.procedure_ids)
    if problems or not form.is_valid():
        return _invalid(request, request_obj, "hospital_response", problems + _form_problems(form))
    try:
        response = workflow.respond(routing, request.user, form.cleaned_data["kind"], form.response_fields(),
                                    request)
    except workflow.WorkflowError as exc:
        raise HttpError(409, str(exc)) from exc
    return Status(201, response)


@router.post("/{reference}/messages", response={201: MessageOut, **_CHANGE_ERRORS},
             summary="Write to the patient or the coordinators", openapi_extra=_body(MessageIn))
def create_message(request: HttpRequest, reference: str) -> Any:
    request_obj = _get(request, reference, Do.MESSAGE)
    data, problems = _json(request, MessageIn)
    form = MessageForm(data)
    if problems or not form.is_valid():
        return _invalid(request, request_obj, "message", problems + _form_problems(form))
    try:
        message = workflow.post_message(request_obj, request.user, form.cleaned_data["body"], request)
    except workflow.WorkflowError as exc:
        return _invalid(request, request_obj, "message", [{"pointer": "/body", "message": str(exc)}])
    return Status(201, message)


# ---- helpers -----------------------------------------------------------------------------------------------------


def _get(request: HttpRequest, reference: str, action: Do) -> TreatmentRequest:
    """The request through the access policy (refusals audited), its refusals as API errors."""
    try:
        return get_request(request, reference, action)
    except Http404 as exc:
        raise HttpError(404, "No such request") from exc
    except PermissionDenied as exc:
        raise HttpError(403, f"Your role may not do this on this request ({action})") from exc


Problem = dict[str, str]


def _json(request: HttpRequest, schema: type[Schema]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The body as a JSON object (null values meaning not given) for a form to check, and what is wrong with it
    before that: fields ``schema`` does not name, or no JSON object at all (then None, and no form errors)."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None, [{"pointer": "", "message": "The body is not valid JSON."}]
    if not isinstance(body, dict):
        return None, [{"pointer": "", "message": "The body must be a JSON object."}]
    known = ", ".join(schema.model_fields)
    problems = [{"pointer": f"/{key}", "message": f"Unknown field; known: {known}."}
                for key in sorted(set(body) - set(schema.model_fields))]
    return {key: value for key, value in body.items() if value is not None}, problems


def _form_problems(form: Form) -> list[Problem]:
    return [{"pointer": "" if name == "__all__" else f"/{name}", "message": str(message)}
            for name, messages in form.errors.items() for message in messages]


def _invalid(request: HttpRequest, request_obj: TreatmentRequest, what: str,
             problems: list[Problem]) -> Status[Any]:
    fields = ",".join(sorted({p["pointer"].lstrip("/") or "body" for p in problems}))
    record(request, Action.DENIED, what, "", request_reference=request_obj.reference, detail=f"invalid: {fields}")
    return Status(422, {"detail": problems})


def _hospital(hospital: Any) -> dict[str, Any]:
    return {"id": hospital.pk, "name": hospital.name, "city": hospital.city, "country_code": hospital.country_code}


def _routing(routing: Routing) -> dict[str, Any]:
    return {"id": routing.pk, "hospital": _hospital(routing.hospital), "status": routing.status,
            "routed_at": routing.routed_at, "responses": list(routing.responses.all())}


def _summary(request: HttpRequest, request_obj: TreatmentRequest) -> dict[str, Any]:
    routings = presenters.routings_for(request.user, request_obj)
    return {
        "reference": request_obj.reference, "kind": request_obj.kind, "status": request_obj.status,
        "urgency": request_obj.urgency, "procedures": request_obj.procedures, "countries": request_obj.countries,
        "created_at": request_obj.created_at, "submitted_at": request_obj.submitted_at,
        "updated_at": request_obj.updated_at,
        "routings": [{"hospital": _hospital(r.hospital), "status": r.status} for r in routings],
    }


def _detail(request: HttpRequest, request_obj: TreatmentRequest) -> dict[str, Any]:
    user = request.user
    is_hospital = access.role_of(user) == Role.SURGEON
    consent = None if is_hospital else workflow.current_consent(request_obj)
    routings = list(presenters.routings_for(user, request_obj))
    return {
        **_summary(request, request_obj),
        "cities": request_obj.cities, "earliest_date": request_obj.earliest_date,
        "latest_date": request_obj.latest_date, "note": request_obj.note,
        "intake": request_obj.intake, "assessment": request_obj.assessment,
        "imaging_summary": request_obj.imaging_summary,
        "imaging": _imaging(user, request_obj),
        "consent": None if consent is None else {
            "hospitals": [_hospital(h) for h in consent.hospitals.all()], "text_version": consent.text_version,
            "given_at": consent.given_at, "share_reports_as_is": consent.share_reports_as_is},
        "routings_detail": [_routing(r) for r in routings],
        "messages": [] if is_hospital else list(request_obj.messages.all()),
        "timeline": [{"at": e["at"], "kind": e["kind"], "text": e["text"]}
                     for e in presenters.timeline(user, request_obj)],
    }


def _imaging(user: Any, request_obj: TreatmentRequest) -> list[dict[str, Any]]:
    reports = access.can(user, Do.VIEW_REPORTS, request_obj)
    listed: list[dict[str, Any]] = []
    for imaging_file in request_obj.imaging_files.all():
        if imaging_file.kind == ImagingFileKind.PDF and not reports:
            continue
        listed.append({
            "id": str(imaging_file.pk), "kind": imaging_file.kind, "modality": imaging_file.modality,
            "series_uid": imaging_file.series_uid, "series_description": imaging_file.series_description,
            "burned_in_annotation": imaging_file.burned_in_annotation,
            "preview_url": _file_url("files:preview", request_obj, imaging_file) if imaging_file.preview else None,
            "download_url": _download_url(request_obj, imaging_file),
        })
    return listed


def _download_url(request_obj: TreatmentRequest, imaging_file: ImagingFile) -> str | None:
    if imaging_file.kind == ImagingFileKind.PDF:
        return _file_url("files:report", request_obj, imaging_file)
    return _file_url("files:dicom", request_obj, imaging_file) if imaging_file.deidentified else None


def _file_url(name: str, request_obj: TreatmentRequest, imaging_file: ImagingFile) -> str:
    return reverse(name, kwargs={"reference": request_obj.reference, "file_id": imaging_file.pk})

