"""Object-level access: the one place that decides who may see or do what with a treatment request and the things
hanging off it. Every view and API endpoint that touches a request goes through :func:`visible_requests` /
:func:`get_request_or_404` and :func:`can`; nothing else filters by patient, organisation or hospital.

The rules (least privilege):

* a **patient** sees only their own requests, and is the only one who ever sees the original (identified) files;
* a **coordinator** sees every request of their organisation (de-identified imaging only) and routes, messages,
  and follows the timeline;
* a **surgeon** sees only requests routed to their hospital (de-identified imaging only), and answers them;
* an **admin** manages the directory, accounts and the audit trail; they do not read patients' requests.

A request the user may not see is "not found" (404), never "forbidden": a refusal must not confirm that a
reference exists. An action on a visible request that the role may not take is 403.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import Role

if TYPE_CHECKING:
    from spinepath.web.care.models import Routing, TreatmentRequest


class Do(StrEnum):
    VIEW = "view"  # the request, its assessment, answers, summary, de-identified images, plans, timeline
    EDIT = "edit"  # the patient's draft: procedures, preferences, note, uploads, consent
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    VIEW_ORIGINALS = "view_originals"  # the identified files as uploaded
    VIEW_REPORTS = "view_reports"  # PDF radiology reports (not de-identified): patient, or reviewers with consent
    MESSAGE = "message"
    ROUTE = "route"
    RESPOND = "respond"  # a hospital's plan / more-information / decline
    ACCEPT_PLAN = "accept_plan"


def role_of(user: Any) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    profile = getattr(user, "profile", None)
    if profile is None:
        return Role.ADMIN if user.is_superuser else None
    return str(profile.role)


def visible_requests(user: Any) -> QuerySet[TreatmentRequest]:
    """The requests ``user`` may see at all."""
    from spinepath.web.care.models import TreatmentRequest

    role = role_of(user)
    requests = TreatmentRequest.objects.all()
    if role == Role.PATIENT:
        return requests.filter(patient=user)
    if role == Role.COORDINATOR:
        return requests.filter(organisation_id=user.profile.organisation_id).exclude(status="draft")
    if role == Role.SURGEON:
        return requests.filter(routings__hospital_id=user.profile.hospital_id).exclude(status="draft").distinct()
    return requests.none()


def visible_routings(user: Any, request: TreatmentRequest) -> QuerySet[Routing]:
    """The routings (and through them the hospitals' answers) of a request ``user`` may see: a surgeon only their own
    hospital's, never another hospital's plans or prices; the patient and the coordinator all of them."""
    from spinepath.web.care.models import Routing

    if not visible_requests(user).filter(pk=request.pk).exists():
        return Routing.objects.none()
    routings = request.routings.all()
    if role_of(user) == Role.SURGEON:
        return routings.filter(hospital_id=user.profile.hospital_id)
    return routings


def get_request_or_404(user: Any, reference: str, action: Do = Do.VIEW) -> TreatmentRequest:
    """The request with this reference if ``user`` may see it, else 404; 403 if they may see it but not do
    ``action``."""
    request = visible_requests(user).filter(reference=reference).first()
    if request is None:
        raise Http404("No such request")
    require(user, action, request)
    return request


def can(user: Any, action: Do, request: TreatmentRequest) -> bool:
    """May ``user`` do ``action`` on ``request``? (Visibility is part of it: False for a request they cannot see.)"""
    from spinepath.web.care.models import OPEN_STATUSES, RequestStatus

    role = role_of(user)
    if role is None or not visible_requests(user).filter(pk=request.pk).exists():
        return False
    status = request.status
    if role == Role.PATIENT:
        if action in (Do.VIEW, Do.VIEW_ORIGINALS, Do.VIEW_REPORTS):
            return True
        if action == Do.EDIT:
            return status in (RequestStatus.DRAFT, *OPEN_STATUSES)
        if action == Do.SUBMIT:
            return status == RequestStatus.DRAFT
        if action == Do.WITHDRAW:
            return status in (RequestStatus.DRAFT, *OPEN_STATUSES)
        if action == Do.MESSAGE:
            return status != RequestStatus.DRAFT
        if action == Do.ACCEPT_PLAN:
            return status in OPEN_STATUSES
        return False
    if role == Role.COORDINATOR:
        if action in (Do.VIEW, Do.MESSAGE):
            return True
        if action == Do.ROUTE:
            return status in OPEN_STATUSES
        if action == Do.VIEW_REPORTS:
            return _reports_shared(request)
        return False
    if role == Role.SURGEON:
        if action == Do.VIEW:
            return True
        if action == Do.RESPOND:
            return status in OPEN_STATUSES
        if action == Do.VIEW_REPORTS:
            return _reports_shared(request)
        return False
    return False


def require(user: Any, action: Do, request: TreatmentRequest) -> None:
    if not can(user, action, request):
        raise PermissionDenied(f"not allowed: {action}")


def _reports_shared(request: TreatmentRequest) -> bool:
    consent = request.consents.filter(withdrawn_at__isnull=True).first()
    return bool(consent and consent.share_reports_as_is)
