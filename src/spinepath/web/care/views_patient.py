"""The patient's side of treatment-plan requests: start one from the self-check's result, fill it in (a draft saved
as they go), upload imaging, send it, follow it, compare the hospitals' plans and accept one, and their data rights.

Every request, file and plan is fetched through :mod:`spinepath.web.accounts.access` (a request that is not theirs
is "not found"), every view of one is written to the audit trail, and every change goes through
:mod:`spinepath.web.care.workflow`.
"""

from __future__ import annotations

import mimetypes
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, TooManyFilesSent
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language, gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from spinepath.core import RULESET_VERSION
from spinepath.web.accounts import access
from spinepath.web.accounts.access import Do
from spinepath.web.accounts.decorators import role_required
from spinepath.web.accounts.models import Role
from spinepath.web.accounts.verification import is_verified
from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record, record_once
from spinepath.web.hospitals.models import Organisation
from spinepath.web.selfcheck import session as selfcheck_session
from spinepath.web.selfcheck.results import optional_url

from . import data_rights, presenters, uploads, workflow
from .forms_patient import DeleteAccountForm, MessageForm, RequestForm
from .models import (
    OPEN_STATUSES,
    HospitalResponse,
    ImagingFile,
    ImagingFileKind,
    Notification,
    RequestStatus,
    ResponseKind,
    TreatmentRequest,
    Upload,
    UploadStatus,
    private_storage,
)

patient_only = role_required(Role.PATIENT)
_DRAFTS = "care_drafts"  # session: {reference: form data of the draft as last typed}
_NOT_KEPT = ("csrfmiddlewaretoken", "action", "consent", "consent_reports", uploads.FIELD)


def _get(http: HttpRequest, reference: str, action: Do = Do.VIEW) -> TreatmentRequest:
    """The request through the access policy (404 if not theirs, 403 if they may not do this now); refusals are
    audited."""
    try:
        return access.get_request_or_404(http.user, reference, action)
    except (Http404, PermissionDenied):
        record(http, Action.DENIED, "request", "", request_reference=reference[:20], detail=f"action={action}")
        raise


# ---- starting a request from the self-check -----------------------------------------------------------------------


@patient_only
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """From the results page: what a request is, the urgency warning first if there is one, then "Start"."""
    found = selfcheck_session.current_assessment(request)
    organisation = Organisation.objects.order_by("name").first()
    if found is None or organisation is None:
        return render(request, "care/patient/new.html", {
            "no_assessment": found is None, "no_organisation": organisation is None,
            "check_url": reverse("selfcheck:start")})
    intake, assessment = found
    if request.method == "GET":
        return render(request, "care/patient/new.html", {"urgency": assessment.urgency,
                                                         "advice": gettext(assessment.advice)})
    with transaction.atomic():
        request_obj = TreatmentRequest.objects.create(
            patient=request.user, organisation=organisation,
            intake=intake.model_dump(mode="json", by_alias=True, exclude_none=True),
            assessment=assessment.to_dict(),  # exactly what POST /api/v1/assessments returns
            ruleset_version=assessment.ruleset_version or RULESET_VERSION, urgency=assessment.urgency,
            procedures=[p.procedure for p in assessment.procedures if p.status in ("candidate", "possible")],
            language=get_language() or "",
        )
        workflow.add_event(request_obj, "created", Role.PATIENT)
        record(request, Action.CREATE, "request", request_obj.pk, request_reference=request_obj.reference)
    return redirect("care:edit", reference=request_obj.reference)


# ---- the draft -------------------------------------------------------------------------------------------------------


def _has_reports(request_obj: TreatmentRequest) -> bool:
    """PDF reports (or uploads not checked yet, which may be reports): the reports consent is then asked."""
    return (request_obj.imaging_files.filter(kind=ImagingFileKind.PDF).exists()
            or request_obj.uploads.filter(status__in=(UploadStatus.RECEIVED, UploadStatus.PROCESSING)).exists())


def _stored_draft(http: HttpRequest, reference: str) -> dict[str, list[str]] | None:
    return (http.session.get(_DRAFTS) or {}).get(reference)


def _keep_draft(http: HttpRequest, reference: str) -> None:
    drafts = dict(http.session.get(_DRAFTS) or {})
    drafts[reference] = {key: http.POST.getlist(key) for key in http.POST if key not in _NOT_KEPT}
    http.session[_DRAFTS] = drafts


def _forget_draft(http: HttpRequest, reference: str) -> None:
    drafts = dict(http.session.get(_DRAFTS) or {})
    if drafts.pop(reference, None) is not None:
        http.session[_DRAFTS] = drafts


def _draft_form(http: HttpRequest, request_obj: TreatmentRequest) -> RequestForm:
    """The form as the patient last left it: what they typed (errors shown again), else what is saved."""
    today = timezone.localdate()
    stored = _stored_draft(http, request_obj.reference)
    if stored is not None:
        form = RequestForm(MultiValueDict(stored), today=today, has_reports=_has_reports(request_obj))
        form.is_valid()
        return form
    return RequestForm(initial=RequestForm.initial_for(request_obj), today=today,
                       has_reports=_has_reports(request_obj))


def _edit_page(http: HttpRequest, request_obj: TreatmentRequest, form: RequestForm, *, status: int = 200,
               problem: str = "") -> HttpResponse:
    errors = form.error_summary() if form.is_bound else []
    if problem:
        errors = [("#imaging", problem), *errors]
    return render(http, "care/patient/edit.html", {
        "r": request_obj, "form": form, "errors": errors, "offered": form.offered,
        "uploads": request_obj.uploads.prefetch_related("files"),
        "max_file_bytes": settings.UPLOAD_MAX_BYTES,
        "verified": is_verified(http.user), "verify_url": optional_url("accounts:resend_verification"),
        **_urgency(request_obj),
    }, status=status)


@csrf_exempt  # outside: the upload limits must be in place before anything reads the body (CSRF would)
@patient_only
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, reference: str) -> HttpResponse:
    if request.method == "POST":
        request_obj = _get(request, reference, Do.EDIT)
        too_large = uploads.too_large_to_read(request)
        if too_large:
            return _edit_page(request, request_obj, _draft_form(request, request_obj), status=413, problem=too_large)
        limiter = uploads.install_limits(request)
        try:
            request.POST  # noqa: B018 - parse the body now, with the limits
        except TooManyFilesSent:
            return _edit_page(request, request_obj, _draft_form(request, request_obj), status=400,
                              problem=_too_many_files())
        return _edit_post(request, reference, limiter)
    return _edit_get(request, reference)


@csrf_protect
def _edit_get(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = _get(request, reference, Do.VIEW)
    if request_obj.status != RequestStatus.DRAFT:
        return redirect("care:detail", reference=reference)
    require_edit = access.can(request.user, Do.EDIT, request_obj)
    if not require_edit:
        raise PermissionDenied
    record(request, Action.VIEW, "request", request_obj.pk, request_reference=reference)
    return _edit_page(request, request_obj, _draft_form(request, request_obj))


def _too_many_files() -> str:
    return gettext("That is more than %(count)s files at once. Nothing was uploaded. Please put the files in a ZIP "
                   "file, or upload them in several goes.") % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FILES}


@csrf_protect
def _edit_post(request: HttpRequest, reference: str, limiter: uploads.LimitingUploadHandler) -> HttpResponse:
    request_obj = _get(request, reference, Do.EDIT)
    if request_obj.status != RequestStatus.DRAFT:
        return redirect("care:detail", reference=reference)
    action = request.POST.get("action", "save")
    sending = action == "send"
    _receive_files(request, request_obj, limiter)
    form = RequestForm(request.POST, today=timezone.localdate(), sending=sending,
                       has_reports=_has_reports(request_obj))
    valid = form.is_valid()
    form.save_to(request_obj)  # what is valid is saved even when something else is not
    _keep_draft(request, reference)
    if not valid:
        return _edit_page(request, request_obj, form)
    if not sending:
        messages.success(request, gettext("Your draft is saved. You can come back to it at any time."))
        anchor = "#hospitals" if action == "hospitals" else "#imaging" if action == "upload" else ""
        return redirect(reverse("care:edit", kwargs={"reference": reference}) + anchor)
    if not is_verified(request.user):
        form.add_error(None, gettext("Please confirm your e-mail address before sending: open the link we e-mailed "
                                     "you. Your draft is saved."))
        return _edit_page(request, request_obj, form)
    hospitals = form.chosen_hospitals()
    try:
        with transaction.atomic():
            if hospitals and hospitals[0].organisation_id != request_obj.organisation_id:
                # The request goes to the organisation that coordinates the chosen hospitals.
                request_obj.organisation_id = hospitals[0].organisation_id
                request_obj.save(update_fields=["organisation", "updated_at"])
            workflow.give_consent(request_obj, request.user, hospitals,
                                  share_reports_as_is=bool(form.cleaned_data.get("consent_reports")), http=request)
            workflow.submit(request_obj, request.user, http=request)
    except workflow.WorkflowError as exc:
        form.add_error(None, str(exc))
        return _edit_page(request, request_obj, form)
    _forget_draft(request, reference)
    messages.success(request, gettext("Your request has been sent. We will tell you when a hospital answers."))
    return redirect("care:detail", reference=reference)


@patient_only
@require_GET
def hospital_choices(request: HttpRequest, reference: str) -> HttpResponse:
    """The hospitals matching the treatments and places ticked so far (htmx fragment of the draft form)."""
    request_obj = _get(request, reference, Do.EDIT)
    form = RequestForm(request.GET, today=timezone.localdate(), has_reports=_has_reports(request_obj))
    return render(request, "care/patient/includes/hospital_choices.html", {"form": form, "offered": form.offered})


# ---- uploads ---------------------------------------------------------------------------------------------------------


def _receive_files(http: HttpRequest, request_obj: TreatmentRequest,
                   limiter: uploads.LimitingUploadHandler) -> list[Upload]:
    for refused in limiter.refused:
        messages.error(http, refused.error)
    files = http.FILES.getlist(uploads.FIELD)
    received = uploads.receive(request_obj, files, http)
    if received:
        messages.info(http, gettext("%(count)s file(s) received. They are being checked and de-identified; this page "
                                    "shows when they are ready.") % {"count": len(received)})
    return received


@csrf_exempt  # outside: the upload limits must be in place before anything reads the body (CSRF would)
@patient_only
@require_POST
def upload(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = _get(request, reference, Do.EDIT)
    page = "care:edit" if request_obj.status == RequestStatus.DRAFT else "care:detail"
    back = reverse(page, kwargs={"reference": reference}) + "#imaging"
    too_large = uploads.too_large_to_read(request)
    if too_large:
        messages.error(request, too_large)
        return _detail_page(request, request_obj, status=413)
    limiter = uploads.install_limits(request)
    try:
        request.POST  # noqa: B018 - parse the body now, with the limits
    except TooManyFilesSent:
        messages.error(request, _too_many_files())
        return _detail_page(request, request_obj, status=400)
    return _upload_post(request, request_obj, limiter, back)


@csrf_protect
def _upload_post(request: HttpRequest, request_obj: TreatmentRequest, limiter: uploads.LimitingUploadHandler,
                 back: str) -> HttpResponse:
    if not request.FILES.getlist(uploads.FIELD) and not limiter.refused:
        messages.error(request, gettext("Choose one or more files to upload first."))
    _receive_files(request, request_obj, limiter)
    return redirect(back)


@patient_only
@require_GET
def upload_status(request: HttpRequest, reference: str, upload_id: str) -> HttpResponse:
    """One upload's state (htmx polls it every 2 seconds while it is being processed)."""
    request_obj = _get(request, reference, Do.VIEW)
    found = Upload.objects.filter(request=request_obj, pk=_uuid_or_404(upload_id)).prefetch_related("files").first()
    if found is None:
        raise Http404
    # Polled every 2 seconds: recorded once per state the patient saw (the state, and when done the files).
    record_once(request, Action.VIEW, "upload", found.pk, request_reference=reference, detail=f"status={found.status}")
    return render(request, "care/patient/includes/upload.html", {"r": request_obj, "u": found})


def _uuid_or_404(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise Http404 from exc


def _send_file(name: str, download_as: str, *, inline: bool = False) -> FileResponse:
    storage = private_storage()
    if not name or not storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(download_as)[0] or "application/octet-stream"
    response = FileResponse(storage.open(name, "rb"), as_attachment=not inline, filename=download_as,
                            content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@patient_only
@require_GET
def upload_original(request: HttpRequest, reference: str, upload_id: str) -> HttpResponse:
    """The file exactly as the patient sent it (only they can: originals carry their name)."""
    request_obj = _get(request, reference, Do.VIEW_ORIGINALS)
    found = Upload.objects.filter(request=request_obj, pk=_uuid_or_404(upload_id)).first()
    if found is None:
        raise Http404
    record(request, Action.DOWNLOAD, "upload", found.pk, request_reference=reference, detail="original")
    return _send_file(found.original.name, found.original_name or "upload")


def _imaging_file(request: HttpRequest, reference: str, file_id: str, action: Do) -> tuple[TreatmentRequest,
                                                                                          ImagingFile]:
    request_obj = _get(request, reference, action)
    found = ImagingFile.objects.filter(request=request_obj, pk=_uuid_or_404(file_id)).first()
    if found is None:
        raise Http404
    if found.kind == ImagingFileKind.PDF:
        access.require(request.user, Do.VIEW_REPORTS, request_obj)
    return request_obj, found


@patient_only
@require_GET
def file_original(request: HttpRequest, reference: str, file_id: str) -> HttpResponse:
    request_obj, found = _imaging_file(request, reference, file_id, Do.VIEW_ORIGINALS)
    record(request, Action.DOWNLOAD, "imaging_file", found.pk, request_reference=reference, detail="original")
    suffix = ".pdf" if found.kind == ImagingFileKind.PDF else ".dcm"
    return _send_file(found.original.name, f"{request_obj.reference}-{str(found.pk)[:8]}-original{suffix}")


@patient_only
@require_GET
def file_deidentified(request: HttpRequest, reference: str, file_id: str) -> HttpResponse:
    request_obj, found = _imaging_file(request, reference, file_id, Do.VIEW)
    record(request, Action.DOWNLOAD, "imaging_file", found.pk, request_reference=reference, detail="deidentified")
    return _send_file(found.deidentified.name, f"{request_obj.reference}-{str(found.pk)[:8]}-deidentified.dcm")


@patient_only
@require_GET
def file_preview(request: HttpRequest, reference: str, file_id: str) -> HttpResponse:
    _request_obj, found = _imaging_file(request, reference, file_id, Do.VIEW)
    record(request, Action.VIEW, "imaging_file", found.pk, request_reference=reference, detail="preview")
    return _send_file(found.preview.name, f"{str(found.pk)[:8]}.png", inline=True)


# ---- the request page ------------------------------------------------------------------------------------------------


def _urgency(request_obj: TreatmentRequest) -> dict[str, Any]:
    assessment = presenters.assessment_context(request_obj.assessment)
    return {"urgency": request_obj.urgency,
            "advice": assessment["advice"] if assessment else "",
            "safety_net": assessment["safety_net"] if assessment else None}


def _answers_by_hospital(request_obj: TreatmentRequest, user: Any) -> dict[str, Any]:
    """Each hospital's latest answer: plans side by side, requests for more information, declines."""
    today = timezone.localdate()
    plans, questions, declines, waiting = [], [], [], []
    for routing in presenters.routings_for(user, request_obj):
        responses = sorted(routing.responses.all(), key=lambda r: r.created_at, reverse=True)
        latest = responses[0] if responses else None
        if latest is None:
            waiting.append(routing)
        elif latest.kind == ResponseKind.PLAN:
            expired = latest.valid_until is not None and latest.valid_until < today
            plans.append({"routing": routing, "plan": latest, "expired": expired,
                          "procedure": presenters.procedure_name(latest.procedure_id),
                          "can_accept": not expired and request_obj.status in OPEN_STATUSES
                          and latest.accepted_at is None})
        elif latest.kind == ResponseKind.MORE_INFORMATION:
            questions.append({"routing": routing, "response": latest})
        else:
            declines.append({"routing": routing, "response": latest})
    return {"plans": plans, "questions": questions, "declines": declines, "waiting": waiting}


def _thread(request_obj: TreatmentRequest) -> list[dict[str, Any]]:
    roles = dict(Role.choices)
    return [{"at": m.created_at, "body": m.body, "mine": m.author_role == Role.PATIENT,
             "who": gettext("You") if m.author_role == Role.PATIENT else str(roles.get(m.author_role, ""))}
            for m in request_obj.messages.all()]


def _detail_page(request: HttpRequest, request_obj: TreatmentRequest, *, status: int = 200,
                 message_form: MessageForm | None = None) -> HttpResponse:
    user = request.user
    answers = _answers_by_hospital(request_obj, user)
    for plan in answers["plans"]:
        record(request, Action.VIEW, "plan", plan["plan"].pk, request_reference=request_obj.reference)
    return render(request, "care/patient/detail.html", {
        "r": request_obj,
        **_urgency(request_obj),
        "assessment": presenters.assessment_context(request_obj.assessment),
        "answers": presenters.answer_sections(request_obj.intake),
        "procedures": [presenters.procedure_name(p) for p in request_obj.procedures],
        "consent": workflow.current_consent(request_obj),
        "uploads": request_obj.uploads.prefetch_related("files"),
        "series": presenters.imaging_series(request_obj),
        "reports": request_obj.imaging_files.filter(kind=ImagingFileKind.PDF),
        "summary": request_obj.imaging_summary or {},
        "timeline": presenters.timeline(user, request_obj),
        "thread": _thread(request_obj),
        "message_form": message_form or MessageForm(),
        "can_edit": access.can(user, Do.EDIT, request_obj),
        "can_message": access.can(user, Do.MESSAGE, request_obj),
        "can_withdraw": access.can(user, Do.WITHDRAW, request_obj),
        "max_file_bytes": settings.UPLOAD_MAX_BYTES,
        **answers,
    }, status=status)


@patient_only
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = _get(request, reference, Do.VIEW)
    record(request, Action.VIEW, "request", request_obj.pk, request_reference=reference)
    return _detail_page(request, request_obj)


@patient_only
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    requests = access.visible_requests(request.user).order_by("-created_at")
    return render(request, "care/patient/list.html", {"requests": requests})


@patient_only
@require_POST
def message(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = _get(request, reference, Do.MESSAGE)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, request_obj, message_form=form)
    try:
        workflow.post_message(request_obj, request.user, form.cleaned_data["body"], http=request)
    except workflow.WorkflowError as exc:
        form.add_error("body", str(exc))
        return _detail_page(request, request_obj, message_form=form)
    messages.success(request, gettext("Your message has been sent."))
    return redirect(reverse("care:detail", kwargs={"reference": reference}) + "#messages")


@patient_only
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, reference: str, response_id: int) -> HttpResponse:
    """Accepting a plan: a confirmation page first (it closes the request at every other hospital)."""
    request_obj = _get(request, reference, Do.ACCEPT_PLAN)
    plan = HospitalResponse.objects.filter(routing__request=request_obj, pk=response_id, kind=ResponseKind.PLAN) \
        .select_related("routing__hospital").first()
    if plan is None:
        raise Http404
    record(request, Action.VIEW, "plan", plan.pk, request_reference=reference)
    error = ""
    if request.method == "POST":
        try:
            workflow.accept_plan(plan, request.user, http=request)
        except workflow.WorkflowError as exc:
            error = str(exc)
        else:
            hospital = plan.routing.hospital.name
            messages.success(request, gettext("You accepted the plan from %(hospital)s. The hospital and the "
                                              "coordinators have been told.") % {"hospital": hospital})
            return redirect("care:detail", reference=reference)
    others = request_obj.routings.exclude(pk=plan.routing_id).select_related("hospital")
    return render(request, "care/patient/accept.html", {
        "r": request_obj, "plan": plan, "procedure": presenters.procedure_name(plan.procedure_id),
        "expired": plan.valid_until is not None and plan.valid_until < timezone.localdate(),
        "others": others, "error": error,
    }, status=409 if error else 200)


@patient_only
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = _get(request, reference, Do.WITHDRAW)
    error = ""
    if request.method == "POST":
        try:
            workflow.withdraw(request_obj, request.user, http=request)
        except workflow.WorkflowError as exc:
            error = str(exc)
        else:
            _forget_draft(request, reference)
            messages.success(request, gettext("Your request has been withdrawn."))
            return redirect("care:detail", reference=reference)
    return render(request, "care/patient/withdraw.html", {"r": request_obj, "error": error},
                  status=409 if error else 200)


# ---- notifications ---------------------------------------------------------------------------------------------------


@patient_only
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    items = list(Notification.objects.filter(user=request.user)[:200])
    unread = [n.pk for n in items if n.read_at is None]
    response = render(request, "care/patient/notifications.html", {"notifications": items, "unread": set(unread)})
    Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())  # seen now
    return response


# ---- data rights -----------------------------------------------------------------------------------------------------


@patient_only
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "care/patient/my_data.html", {})


@patient_only
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    archive = data_rights.export_archive(request.user, http=request)
    stamp = timezone.now().strftime("%Y%m%d")
    response = FileResponse(archive, as_attachment=True, filename=f"spinepath-my-data-{stamp}.zip",
                            content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


@patient_only
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user, http=request)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)  # the session goes first: nothing of theirs stays in it
        data_rights.delete_account(user, http=request)
        return render(request, "care/patient/deleted.html", {})
    return render(request, "care/patient/delete_account.html", {
        "form": form, "errors": form.error_summary() if form.is_bound else [],
        "open_requests": access.visible_requests(request.user).filter(
            status__in=(RequestStatus.DRAFT, *OPEN_STATUSES)).count(),
    })
