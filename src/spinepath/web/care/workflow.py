"""The life of a treatment request, as service functions: every state change happens here, in one transaction
with its timeline event, audit event and in-app notifications; e-mails go out only after the commit (a change that
rolls back notifies nobody).

    draft --submit--> submitted --route--> routed --respond(plan)--> plans_received --accept--> accepted
      \\______________________________ withdraw ______________________________/

Views (patient, console, review, API) check access with :mod:`spinepath.web.accounts.access` and then call these
functions; the functions re-check the state they need and raise :class:`WorkflowError` (a message fit to show to
the user) when the change is not possible now.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from spinepath.web.accounts.models import Role
from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record

from .models import (
    OPEN_STATUSES,
    Consent,
    HospitalResponse,
    Message,
    Notification,
    RequestEvent,
    RequestStatus,
    ResponseKind,
    Routing,
    RoutingStatus,
    TreatmentRequest,
)

log = logging.getLogger(__name__)

CONSENT_TEXT_VERSION = "2026-11-1"
CONSENT_TEXT = _(
    "I agree that spinepath's coordinators and the hospitals I have chosen below may see this request: my "
    "answers, my self-assessment result, my note and my imaging with my name, identity numbers and dates removed "
    "or changed. I can withdraw this request and delete my account at any time."
)
CONSENT_REPORTS_TEXT = _(
    "I also agree to share my radiology report(s) (PDF) as they are. A PDF report cannot be de-identified "
    "automatically and may show my name and date of birth."
)

# The timeline's texts, by event kind (translated when shown; params fill the placeholders).
EVENT_TEXTS: dict[str, Any] = {
    "created": _("Request started"),
    "consent_given": _("Consent given to share with %(hospitals)s"),
    "submitted": _("Request sent to the coordinators"),
    "upload_received": _("Imaging received: %(count)s file(s)"),
    "upload_processed": _("Imaging checked and de-identified: %(accepted)s accepted, %(rejected)s refused"),
    "upload_failed": _("Imaging could not be processed"),
    "routed": _("Sent to %(hospital)s"),
    "plan_sent": _("%(hospital)s sent a treatment plan"),
    "more_information": _("%(hospital)s asked for more information"),
    "declined": _("%(hospital)s declined"),
    "message": _("New message from %(role)s"),
    "accepted": _("Plan from %(hospital)s accepted"),
    "withdrawn": _("Request withdrawn"),
    "urgent_prompted": _("Coordinator told the patient to seek care now"),
}


class WorkflowError(Exception):
    """A change that is not possible now; the message is fit to show to the user."""


# ---- events and notifications ----------------------------------------------------------------------------------


def event_text(event: RequestEvent) -> str:
    template = EVENT_TEXTS.get(event.kind, event.kind)
    try:
        return str(template) % event.params if event.params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


def add_event(request_obj: TreatmentRequest, kind: str, actor_role: str = "", *, visible_to_patient: bool = True,
              **params: Any) -> RequestEvent:
    if kind not in EVENT_TEXTS:
        raise ValueError(f"unknown event kind {kind!r}")
    return RequestEvent.objects.create(request=request_obj, kind=kind, actor_role=actor_role, params=params,
                                       visible_to_patient=visible_to_patient)


def _url(name: str, reference: str) -> str:
    try:
        return reverse(name, kwargs={"reference": reference})
    except NoReverseMatch:  # the page may not exist in this deployment
        return ""


def notify(users: Iterable[Any], request_obj: TreatmentRequest | None, message: Any, url_name: str = "") -> int:
    """Tell ``users`` in-app now and by e-mail after the commit. ``message`` is a lazy translatable text, rendered
    in each user's own language. The e-mail never carries clinical content: it says there is news and links to it.
    """
    count = 0
    reference = request_obj.reference if request_obj is not None else ""
    for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
        language = getattr(getattr(user, "profile", None), "preferred_language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            text = str(message) % {"reference": reference} if "%(reference)s" in str(message) else str(message)
            url = _url(url_name, reference) if url_name and reference else ""
            Notification.objects.create(user=user, request=request_obj, text=text[:300], url=url)
            subject = gettext("spinepath: news about your request %(reference)s") % {"reference": reference} \
                if reference else gettext("spinepath: news")
            body = gettext("%(text)s\n\nSign in to spinepath to see it.") % {"text": text}
        transaction.on_commit(_mailer(user.email, subject, body))
        count += 1
    return count


def _mailer(address: str, subject: str, body: str):  # type: ignore[no-untyped-def]
    def send() -> None:
        if not address:
            return
        try:
            send_mail(subject, body, None, [address])
        except Exception:  # an unreachable mail server must not undo a committed change
            log.exception("notification e-mail could not be sent")  # no address, no content in the log

    return send


def coordinators_of(request_obj: TreatmentRequest) -> list[Any]:
    user_model = get_user_model()
    return list(user_model.objects.filter(profile__role=Role.COORDINATOR,
                                          profile__organisation_id=request_obj.organisation_id, is_active=True))


def surgeons_of(hospital_id: int) -> list[Any]:
    user_model = get_user_model()
    return list(user_model.objects.filter(profile__role=Role.SURGEON, profile__hospital_id=hospital_id,
                                          is_active=True))


def _role(user: Any) -> str:
    profile = getattr(user, "profile", None)
    return str(profile.role) if profile is not None else ""


# ---- the patient's side ------------------------------------------------------------------------------------------


def current_consent(request_obj: TreatmentRequest) -> Consent | None:
    return request_obj.consents.filter(withdrawn_at__isnull=True).first()


@transaction.atomic
def give_consent(request_obj: TreatmentRequest, by: Any, hospitals: Iterable[Any], *, share_reports_as_is: bool,
                 http: HttpRequest | None = None) -> Consent:
    hospitals = list(hospitals)
    if not hospitals:
        raise WorkflowError(gettext("Choose at least one hospital to share your request with."))
    now = timezone.now()
    request_obj.consents.filter(withdrawn_at__isnull=True).update(withdrawn_at=now)
    text = str(CONSENT_TEXT) + ("\n" + str(CONSENT_REPORTS_TEXT) if share_reports_as_is else "")
    consent = Consent.objects.create(request=request_obj, text=text, text_version=CONSENT_TEXT_VERSION,
                                     share_reports_as_is=share_reports_as_is,
                                     given_from_ip=(http.META.get("REMOTE_ADDR") if http else None))
    consent.hospitals.set(hospitals)
    add_event(request_obj, "consent_given", _role(by), hospitals=", ".join(h.name for h in hospitals))
    record(http, Action.CREATE, "consent", consent.pk, request_reference=request_obj.reference,
           detail=f"hospitals={','.join(str(h.pk) for h in hospitals)}")
    return consent


@transaction.atomic
def submit(request_obj: TreatmentRequest, by: Any, http: HttpRequest | None = None) -> TreatmentRequest:
    request_obj = TreatmentRequest.objects.select_for_update().get(pk=request_obj.pk)
    if request_obj.status != RequestStatus.DRAFT:
        raise WorkflowError(gettext("This request has already been sent."))
    if current_consent(request_obj) is None:
        raise WorkflowError(gettext("Please give your consent to share the request with the hospitals you chose."))
    if not request_obj.procedures:
        raise WorkflowError(gettext("Choose at least one procedure you would like to ask about."))
    request_obj.status = RequestStatus.SUBMITTED
    request_obj.submitted_at = timezone.now()
    request_obj.save(update_fields=["status", "submitted_at", "updated_at"])
    add_event(request_obj, "submitted", _role(by))
    record(http, Action.CHANGE, "request", request_obj.pk, request_reference=request_obj.reference,
           detail="status=submitted")
    message = _("A new request %(reference)s is waiting in the queue.")
    if request_obj.is_urgent:
        message = _("URGENT: request %(reference)s has an urgent or emergency assessment. Tell the patient to seek "
                    "care now.")
    notify(coordinators_of(request_obj), request_obj, message, "console:detail")
    return request_obj


@transaction.atomic
def withdraw(request_obj: TreatmentRequest, by: Any, http: HttpRequest | None = None) -> TreatmentRequest:
    request_obj = TreatmentRequest.objects.select_for_update().get(pk=request_obj.pk)
    if request_obj.status not in (RequestStatus.DRAFT, *OPEN_STATUSES):
        raise WorkflowError(gettext("This request can no longer be withdrawn."))
    was_draft = request_obj.status == RequestStatus.DRAFT
    request_obj.status = RequestStatus.WITHDRAWN
    request_obj.save(update_fields=["status", "updated_at"])
    routings = list(request_obj.routings.select_related("hospital"))
    request_obj.routings.exclude(status=RoutingStatus.DECLINED).update(status=RoutingStatus.CLOSED)
    add_event(request_obj, "withdrawn", _role(by))
    record(http, Action.CHANGE, "request", request_obj.pk, request_reference=request_obj.reference,
           detail="status=withdrawn")
    if not was_draft:
        others = coordinators_of(request_obj) + [s for r in routings for s in surgeons_of(r.hospital_id)]
        notify(others, request_obj, _("Request %(reference)s was withdrawn by the patient."), "")
    return request_obj


@transaction.atomic
def accept_plan(response: HospitalResponse, by: Any, http: HttpRequest | None = None) -> HospitalResponse:
    response = HospitalResponse.objects.select_for_update().select_related("routing__request", "routing__hospital") \
        .get(pk=response.pk)
    request_obj = TreatmentRequest.objects.select_for_update().get(pk=response.routing.request_id)
    if response.kind != ResponseKind.PLAN:
        raise WorkflowError(gettext("Only a treatment plan can be accepted."))
    if request_obj.status not in OPEN_STATUSES:
        raise WorkflowError(gettext("This request is no longer open."))
    if response.valid_until is not None and response.valid_until < timezone.localdate():
        raise WorkflowError(gettext("This plan is no longer valid. Ask the hospital for an updated plan."))
    if response.routing.responses.order_by("-created_at").first() != response:
        raise WorkflowError(gettext("The hospital has sent a newer answer; please look at that one."))
    now = timezone.now()
    response.accepted_at = now
    response.save(update_fields=["accepted_at"])
    routing = response.routing
    routing.status = RoutingStatus.ACCEPTED
    routing.save(update_fields=["status"])
    closed = list(request_obj.routings.exclude(pk=routing.pk).exclude(status=RoutingStatus.DECLINED))
    request_obj.routings.filter(pk__in=[r.pk for r in closed]).update(status=RoutingStatus.CLOSED)
    request_obj.status = RequestStatus.ACCEPTED
    request_obj.save(update_fields=["status", "updated_at"])
    add_event(request_obj, "accepted", _role(by), hospital=routing.hospital.name)
    record(http, Action.CHANGE, "plan", response.pk, request_reference=request_obj.reference, detail="accepted")
    notify(surgeons_of(routing.hospital_id), request_obj,
           _("The patient accepted your plan for request %(reference)s."), "review:detail")
    notify(coordinators_of(request_obj), request_obj, _("The patient accepted a plan for request %(reference)s."),
           "console:detail")
    for other in closed:
        notify(surgeons_of(other.hospital_id), request_obj,
               _("Request %(reference)s has been closed: the patient chose another plan."), "review:detail")
    return response


# ---- coordinators ------------------------------------------------------------------------------------------------


def routable_hospitals(request_obj: TreatmentRequest) -> list[Any]:
    """Hospitals the coordinator may route to: those the patient consented to, active, offering at least one of the
    procedures of interest, and not yet routed."""
    consent = current_consent(request_obj)
    if consent is None:
        return []
    already = set(request_obj.routings.values_list("hospital_id", flat=True))
    wanted = set(request_obj.procedures)
    return [
        hospital for hospital in consent.hospitals.filter(is_active=True).prefetch_related("procedures")
        if hospital.pk not in already and wanted & set(hospital.procedure_ids)
    ]


@transaction.atomic
def route(request_obj: TreatmentRequest, hospitals: Iterable[Any], by: Any,
          http: HttpRequest | None = None) -> list[Routing]:
    request_obj = TreatmentRequest.objects.select_for_update().get(pk=request_obj.pk)
    if request_obj.status not in OPEN_STATUSES:
        raise WorkflowError(gettext("Only an open request can be routed."))
    allowed = {h.pk: h for h in routable_hospitals(request_obj)}
    chosen = list(hospitals)
    if not chosen:
        raise WorkflowError(gettext("Choose at least one hospital."))
    refused = [h for h in chosen if h.pk not in allowed]
    if refused:
        raise WorkflowError(
            gettext("Not possible for %(hospitals)s: the patient did not consent to it, it does not offer the "
                    "procedure, or the request is already there.") % {"hospitals": ", ".join(h.name for h in refused)}
        )
    routings = [Routing.objects.create(request=request_obj, hospital=h, routed_by=by) for h in chosen]
    if request_obj.status == RequestStatus.SUBMITTED:
        request_obj.status = RequestStatus.ROUTED
        request_obj.save(update_fields=["status", "updated_at"])
    for routing in routings:
        add_event(request_obj, "routed", _role(by), hospital=routing.hospital.name)
        record(http, Action.CREATE, "routing", routing.pk, request_reference=request_obj.reference,
               detail=f"hospital={routing.hospital_id}")
        notify(surgeons_of(routing.hospital_id), request_obj, _("Request %(reference)s was routed to your hospital."),
               "review:detail")
    notify([request_obj.patient], request_obj,
           _("Your request %(reference)s has been sent to the hospital(s) you chose."), "care:detail")
    return routings


@transaction.atomic
def post_message(request_obj: TreatmentRequest, by: Any, body: str, http: HttpRequest | None = None) -> Message:
    body = body.strip()
    if not body:
        raise WorkflowError(gettext("Write a message first."))
    role = _role(by)
    message = Message.objects.create(request=request_obj, author=by, author_role=role, body=body[:4000])
    add_event(request_obj, "message", role, role=str(Role(role).label) if role in Role.values else role)
    record(http, Action.CREATE, "message", message.pk, request_reference=request_obj.reference)
    if role == Role.PATIENT:
        notify(coordinators_of(request_obj), request_obj, _("New message from the patient on request %(reference)s."),
               "console:detail")
    else:
        notify([request_obj.patient], request_obj, _("New message about your request %(reference)s."), "care:detail")
    return message


@transaction.atomic
def prompt_urgent_care(request_obj: TreatmentRequest, by: Any, http: HttpRequest | None = None) -> Message:
    """The coordinator's one-click message for an urgent/emergency assessment: seek care now, do not wait."""
    patient = request_obj.patient
    language = getattr(getattr(patient, "profile", None), "preferred_language", "") or request_obj.language or "en"
    with translation.override(language):
        if request_obj.urgency == "emergency":
            body = gettext("Your answers suggest an emergency. Please go to an emergency department now; do not wait "
                           "for a treatment plan.")
        else:
            body = gettext("Your answers suggest you should see a doctor within days. Please contact your doctor or "
                           "an urgent care service now; do not wait for a treatment plan.")
    message = post_message(request_obj, by, body, http)
    add_event(request_obj, "urgent_prompted", _role(by))
    return message


# ---- hospitals ---------------------------------------------------------------------------------------------------

PLAN_FIELDS = ("procedure_id", "levels", "anaesthesia", "expected_stay_nights", "cost_min", "cost_max", "currency",
               "earliest_date", "valid_until", "notes")


@transaction.atomic
def respond(routing: Routing, by: Any, kind: str, fields: dict[str, Any],
            http: HttpRequest | None = None) -> HospitalResponse:
    """A surgeon's plan, request for more information, or decline. ``fields`` are cleaned form values."""
    routing = Routing.objects.select_for_update().select_related("request", "hospital").get(pk=routing.pk)
    request_obj = routing.request
    if request_obj.status not in OPEN_STATUSES or routing.status in (RoutingStatus.DECLINED, RoutingStatus.CLOSED,
                                                                     RoutingStatus.ACCEPTED):
        raise WorkflowError(gettext("This request is no longer open for an answer."))
    if kind not in ResponseKind.values:
        raise WorkflowError(gettext("Unknown kind of answer."))
    allowed = {
        ResponseKind.PLAN: PLAN_FIELDS,
        ResponseKind.MORE_INFORMATION: ("question",),
        ResponseKind.DECLINE: ("decline_reason",),
    }[ResponseKind(kind)]
    values = {name: fields[name] for name in allowed if name in fields}
    if kind == ResponseKind.PLAN:
        _check_plan(values)
    response = HospitalResponse.objects.create(routing=routing, author=by, kind=kind, **values)
    routing.status = {
        ResponseKind.PLAN: RoutingStatus.PLAN_SENT,
        ResponseKind.MORE_INFORMATION: RoutingStatus.INFO_REQUESTED,
        ResponseKind.DECLINE: RoutingStatus.DECLINED,
    }[ResponseKind(kind)]
    routing.save(update_fields=["status"])
    if kind == ResponseKind.PLAN and request_obj.status in (RequestStatus.SUBMITTED, RequestStatus.ROUTED):
        request_obj.status = RequestStatus.PLANS_RECEIVED
        request_obj.save(update_fields=["status", "updated_at"])
    event_kind = {"plan": "plan_sent", "more_information": "more_information", "decline": "declined"}[kind]
    add_event(request_obj, event_kind, _role(by), hospital=routing.hospital.name)
    record(http, Action.CREATE, "plan" if kind == ResponseKind.PLAN else "hospital_response", response.pk,
           request_reference=request_obj.reference, detail=f"kind={kind}")
    news = {
        "plan": _("A hospital sent a treatment plan for your request %(reference)s."),
        "more_information": _("A hospital asked for more information about your request %(reference)s."),
        "decline": _("A hospital declined your request %(reference)s."),
    }[kind]
    notify([request_obj.patient], request_obj, news, "care:detail")
    notify(coordinators_of(request_obj), request_obj, _("A hospital answered request %(reference)s."),
           "console:detail")
    return response


def _check_plan(values: dict[str, Any]) -> None:
    missing = [name for name in PLAN_FIELDS if name not in ("levels", "notes") and values.get(name) in (None, "")]
    if missing:
        raise WorkflowError(gettext("A treatment plan needs: %(fields)s.") % {"fields": ", ".join(missing)})
    if values["cost_min"] > values["cost_max"]:
        raise WorkflowError(gettext("The lowest estimated cost is above the highest."))
    if values["valid_until"] < timezone.localdate():
        raise WorkflowError(gettext("The plan's validity date is in the past."))
    earliest: datetime.date = values["earliest_date"]
    if earliest < timezone.localdate():
        raise WorkflowError(gettext("The earliest date is in the past."))
