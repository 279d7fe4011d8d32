"""Hospital review: a surgeon's list of the requests routed to their hospital, and one request's page with the
de-identified material and the answer form (a treatment plan, a request for more information, or a decline).

A surgeon sees only what :mod:`spinepath.web.accounts.access` lets them see, and of each request only their own
hospital's routing and answers (:func:`spinepath.web.care.presenters.routings_for`): never another hospital's
plan or price. Answers go through :func:`spinepath.web.care.workflow.respond`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
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
from .forms_staff import ResponseForm, ReviewQueueFilterForm
from .models import OPEN_STATUSES, ImagingFileKind, Routing, RoutingStatus, TreatmentRequest
from .staff import get_request

PAGE_SIZE = 50
_ANSWERABLE = (RoutingStatus.AWAITING, RoutingStatus.INFO_REQUESTED, RoutingStatus.PLAN_SENT)


@require_GET
@role_required(Role.SURGEON)
def queue(request: HttpRequest) -> HttpResponse:
    form = ReviewQueueFilterForm(request.GET or None)
    requests = access.visible_requests(request.user).annotate(pinned=Case(
        When(status__in=OPEN_STATUSES, urgency="emergency", then=Value(0)),
        When(status__in=OPEN_STATUSES, urgency="urgent", then=Value(1)),
        default=Value(2), output_field=IntegerField()),
    ).order_by("pinned", "submitted_at")
    rows = []
    for request_obj in requests:
        routing = presenters.routings_for(request.user, request_obj).first()
        if routing is None:
            continue
        if form.value() == "waiting" and not (request_obj.status in OPEN_STATUSES
                                               and routing.status in (RoutingStatus.AWAITING,
                                                                      RoutingStatus.INFO_REQUESTED)):
            continue
        rows.append({"request": request_obj, "routing": routing, "pinned": request_obj.pinned < 2,  # type: ignore[attr-defined]
                     "procedures": [presenters.procedure_name(p) for p in request_obj.procedures]})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    record(request, Action.VIEW, "review_queue", detail=f"page={page.number}")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "care/review/queue.html", {"form": form, "page": page, "query": query.urlencode()})


@require_GET
@role_required(Role.SURGEON)
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = get_request(request, reference, Do.VIEW)
    return _render_detail(request, request_obj, _own_routing(request, request_obj))


@require_POST
@role_required(Role.SURGEON)
def respond(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = get_request(request, reference, Do.RESPOND)
    routing = _own_routing(request, request_obj)
    form = ResponseForm(request.POST, offered=routing.hospital.procedure_ids)
    if form.is_valid():
        try:
            workflow.respond(routing, request.user, form.cleaned_data["kind"], form.response_fields(), request)
        except workflow.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("Your answer has been sent. The patient and the coordinators have "
                                              "been told."))
            return redirect("review:detail", reference=request_obj.reference)
    return _render_detail(request, request_obj, routing, form)


def _own_routing(request: HttpRequest, request_obj: TreatmentRequest) -> Routing:
    routing = presenters.routings_for(request.user, request_obj).select_related("hospital").first()
    if routing is None:  # visible to a surgeon means routed to their hospital; this is only a safeguard
        raise Http404("No such request")
    return routing


def _render_detail(request: HttpRequest, request_obj: TreatmentRequest, routing: Routing,
                   form: ResponseForm | None = None) -> HttpResponse:
    user = request.user
    record(request, Action.VIEW, "request", request_obj.pk, request_reference=request_obj.reference)
    can_respond = access.can(user, Do.RESPOND, request_obj) and routing.status in _ANSWERABLE
    context: dict[str, Any] = {
        "req": request_obj,
        "routing": routing,
        "assessment": presenters.assessment_context(request_obj.assessment),
        "answers": presenters.answer_sections(request_obj.intake),
        "procedures": [presenters.procedure_name(p) for p in request_obj.procedures],
        "series": presenters.imaging_series(request_obj),
        "study_download": True,
        "reports": list(request_obj.imaging_files.filter(kind=ImagingFileKind.PDF))
        if access.can(user, Do.VIEW_REPORTS, request_obj) else [],
        "can_respond": can_respond,
        "form": form or (ResponseForm(offered=routing.hospital.procedure_ids) if can_respond else None),
        "timeline": presenters.timeline(user, request_obj),
    }
    return render(request, "care/review/detail.html", context)
