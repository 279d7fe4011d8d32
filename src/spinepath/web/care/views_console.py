"""The coordinator console: the organisation's queue of requests and one request's page, from which it is routed
to hospitals, messaged, and (for an urgent or emergency assessment) the patient is told to seek care now.

Requests come only from :mod:`spinepath.web.accounts.access` (``visible_requests`` / ``get_request``); changes
only through :mod:`spinepath.web.care.workflow`. Every page view of a request is written to the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Prefetch, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from spinepath.web.accounts import access
from spinepath.web.accounts.access import Do
from spinepath.web.accounts.decorators import role_required
from spinepath.web.accounts.models import Role
from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record

from . import presenters, workflow
from .forms_staff import MessageForm, QueueFilterForm, RoutingForm
from .models import (
    OPEN_STATUSES,
    Consent,
    ImagingFile,
    ImagingFileKind,
    RequestEvent,
    Routing,
    RoutingStatus,
    TreatmentRequest,
    Upload,
    UploadStatus,
)
from .staff import get_request

PAGE_SIZE = 50

# ---- the queue ---------------------------------------------------------------------------------------------------


def _with_flags(requests: QuerySet[TreatmentRequest]) -> QuerySet[TreatmentRequest]:
    """Each request with what it still lacks (for the flags and the completeness filter) and its place in the
    queue: open emergencies first, then open urgent requests, then the rest."""
    mine = OuterRef("pk")
    return requests.annotate(
        has_mri=Exists(ImagingFile.objects.filter(request=mine, kind=ImagingFileKind.DICOM)),
        has_consent=Exists(Consent.objects.filter(request=mine, withdrawn_at__isnull=True)),
        imaging_processing=Exists(Upload.objects.filter(
            request=mine, status__in=(UploadStatus.RECEIVED, UploadStatus.PROCESSING))),
        imaging_failed=Exists(Upload.objects.filter(request=mine, status=UploadStatus.FAILED)),
        info_requested=Exists(Routing.objects.filter(request=mine, status=RoutingStatus.INFO_REQUESTED)),
        urgent_prompted=Exists(RequestEvent.objects.filter(request=mine, kind="urgent_prompted")),
        pinned=Case(
            When(status__in=OPEN_STATUSES, urgency="emergency", then=Value(0)),
            When(status__in=OPEN_STATUSES, urgency="urgent", then=Value(1)),
            default=Value(2), output_field=IntegerField()),
    ).prefetch_related(Prefetch("routings", queryset=Routing.objects.select_related("hospital")))


_COMPLETENESS = {
    "no_mri": {"has_mri": False},
    "no_consent": {"has_consent": False},
    "processing": {"imaging_processing": True},
    "imaging_failed": {"imaging_failed": True},
    "info_requested": {"info_requested": True},
    "complete": {"has_mri": True, "has_consent": True, "imaging_processing": False},
}
_SORTS = {
    "oldest": (F("submitted_at").asc(nulls_last=True), "created_at"),
    "newest": (F("submitted_at").desc(nulls_last=True), "-created_at"),
    "updated": ("-updated_at",),
    "reference": ("reference",),
}


def _listed(requests: QuerySet[TreatmentRequest], form: QueueFilterForm) -> QuerySet[TreatmentRequest] | list[Any]:
    status = form.value("status")
    if status == form.STATUS_OPEN:
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif status != form.STATUS_ALL:
        requests = requests.filter(status=status)
    if urgency := form.value("urgency"):
        requests = requests.filter(urgency=urgency)
    if completeness := form.value("completeness"):
        requests = requests.filter(**_COMPLETENESS[completeness])
    requests = requests.order_by("pinned", *_SORTS[form.value("sort")])
    wanted = {"procedures": form.value("procedure"), "countries": form.value("country")}
    if not any(wanted.values()):
        return requests
    if connection.features.supports_json_field_contains:  # PostgreSQL: in the database
        for column, value in wanted.items():
            if value:
                requests = requests.filter(**{f"{column}__contains": [value]})
        return requests
    return [r for r in requests if all(not v or v in getattr(r, c) for c, v in wanted.items())]  # SQLite


@require_GET
@role_required(Role.COORDINATOR)
def queue(request: HttpRequest) -> HttpResponse:
    visible = access.visible_requests(request.user)
    countries = sorted({code for codes in visible.values_list("countries", flat=True) for code in codes or []})
    form = QueueFilterForm(request.GET or None, countries=countries)
    page = Paginator(_listed(_with_flags(visible), form), PAGE_SIZE).get_page(request.GET.get("page"))
    record(request, Action.VIEW, "request_queue", detail=f"page={page.number}")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "care/console/queue.html", {
        "form": form, "page": page, "rows": [_row(r) for r in page], "query": query.urlencode(),
    })


def _row(request_obj: TreatmentRequest) -> dict[str, Any]:
    flags = []
    if not request_obj.has_mri:  # type: ignore[attr-defined]
        flags.append(gettext("No MRI yet"))
    if not request_obj.has_consent:  # type: ignore[attr-defined]
        flags.append(gettext("No consent"))
    if request_obj.imaging_processing:  # type: ignore[attr-defined]
        flags.append(gettext("Imaging processing"))
    if request_obj.imaging_failed:  # type: ignore[attr-defined]
        flags.append(gettext("Imaging could not be processed"))
    if request_obj.info_requested:  # type: ignore[attr-defined]
        flags.append(gettext("More information requested"))
    return {
        "request": request_obj,
        "pinned": request_obj.pinned < 2,  # type: ignore[attr-defined]
        "flags": flags,
        "procedures": [presenters.procedure_name(p) for p in request_obj.procedures],
        "routings": list(request_obj.routings.all()),
    }


# ---- one request -------------------------------------------------------------------------------------------------


@require_GET
@role_required(Role.COORDINATOR)
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = get_request(request, reference, Do.VIEW)
    return _render_detail(request, request_obj)


@require_POST
@role_required(Role.COORDINATOR)
def route(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = get_request(request, reference, Do.ROUTE)
    form = RoutingForm(request.POST)
    if form.is_valid():
        try:
            routings = workflow.route(request_obj, form.cleaned_data["hospitals"], request.user, request)
        except workflow.WorkflowError as exc:
            form.add_error("hospitals", str(exc))
        else:
            messages.success(request, gettext("Sent to %(hospitals)s.") % {
                "hospitals": ", ".join(r.hospital.name for r in routings)})
            return redirect("console:detail", reference=request_obj.reference)
    return _render_detail(request, request_obj, routing_form=form)


@require_POST
@role_required(Role.COORDINATOR)
def message(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = get_request(request, reference, Do.MESSAGE)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            workflow.post_message(request_obj, request.user, form.cleaned_data["body"], request)
        except workflow.WorkflowError as exc:
            form.add_error("body", str(exc))
        else:
            messages.success(request, gettext("Message sent to the patient."))
            return redirect("console:detail", reference=request_obj.reference)
    return _render_detail(request, request_obj, message_form=form)


@require_POST
@role_required(Role.COORDINATOR)
def prompt_urgent(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = get_request(request, reference, Do.MESSAGE)
    if not request_obj.is_urgent:
        messages.error(request, gettext("This assessment is not urgent; write the patient a message instead."))
    else:
        workflow.prompt_urgent_care(request_obj, request.user, request)
        messages.success(request, gettext("The patient has been told to seek care now."))
    return redirect("console:detail", reference=request_obj.reference)


def _render_detail(request: HttpRequest, request_obj: TreatmentRequest, *, routing_form: RoutingForm | None = None,
                   message_form: MessageForm | None = None) -> HttpResponse:
    user = request.user
    record(request, Action.VIEW, "request", request_obj.pk, request_reference=request_obj.reference)
    consent = workflow.current_consent(request_obj)
    prompts = RequestEvent.objects.filter(request=request_obj, kind="urgent_prompted").order_by("-at")
    return render(request, "care/console/detail.html", {
        "req": request_obj,
        "assessment": presenters.assessment_context(request_obj.assessment),
        "answers": presenters.answer_sections(request_obj.intake),
        "procedures": [presenters.procedure_name(p) for p in request_obj.procedures],
        "series": presenters.imaging_series(request_obj),
        "reports": list(request_obj.imaging_files.filter(kind=ImagingFileKind.PDF))
        if access.can(user, Do.VIEW_REPORTS, request_obj) else [],
        "uploads": list(request_obj.uploads.all()),
        "consent": consent,
        "consent_hospitals": list(consent.hospitals.all()) if consent else [],
        "can_route": access.can(user, Do.ROUTE, request_obj),
        "routable": [{"hospital": h, "procedures": [presenters.procedure_name(p) for p in h.procedure_ids]}
                     for h in workflow.routable_hospitals(request_obj)],
        "routing_form": routing_form or RoutingForm(),
        "chosen": {str(pk) for pk in (routing_form.data.getlist("hospitals") if routing_form else [])},
        "routings": list(presenters.routings_for(user, request_obj)),
        "can_message": access.can(user, Do.MESSAGE, request_obj),
        "message_form": message_form or MessageForm(),
        "messages_list": presenters.message_list(request_obj),
        "timeline": presenters.timeline(user, request_obj),
        "urgent_prompt": prompts.first(),
    })
