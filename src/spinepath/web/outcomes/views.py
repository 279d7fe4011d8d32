"""Recovery tracking pages, under /<language>/outcomes/ (namespace ``outcomes``).

Patients: "My recovery" (record the date of the operation, the follow-up schedule), the baseline questionnaires
(offered from the self-check's results and from a request), each follow-up's questionnaires with the safety
questions, the result in plain words, and a chart per score. Staff: the same per request, the coordinator's overdue
and missed follow-ups and safety alerts, and the cohort table with its CSV.

Every request is fetched through :mod:`spinepath.web.accounts.access` (not theirs: 404); a surgeon sees only
operations at their own hospital. Every view of a patient's answers and every change is audited.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from spinepath.core.knowledge import load_knowledge
from spinepath.core.outcomes import (
    AnswerError,
    Instrument,
    cohort_csv,
    cohort_table,
    load_catalogue,
    load_item_texts,
    typical_course,
)
from spinepath.web.accounts import access
from spinepath.web.accounts.access import Do
from spinepath.web.accounts.decorators import role_required
from spinepath.web.accounts.models import Role
from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record
from spinepath.web.care.models import RequestStatus, ResponseKind, TreatmentRequest
from spinepath.web.selfcheck import session as selfcheck_session

from . import charts, clock, meaning, recovery
from .forms import ProcedureDateForm, QuestionnaireForm, field_name, procedure_choices, wording_is_translatable
from .models import (
    SAFETY_INSTRUMENT,
    ProcedureRecord,
    QuestionnaireSubmission,
    RecordedBy,
    SafetyAlert,
    TimePoint,
    schedule_id,
)

patient_only = role_required(Role.PATIENT)
staff_only = role_required(Role.COORDINATOR, Role.SURGEON)
coordinator_only = role_required(Role.COORDINATOR)


# ---- shared ----------------------------------------------------------------------------------------------------------


def _request(http: HttpRequest, reference: str) -> TreatmentRequest:
    """The request through the access policy; a surgeon additionally only for an operation at their hospital."""
    try:
        request_obj = access.get_request_or_404(http.user, reference, Do.VIEW)
        if access.role_of(http.user) == Role.SURGEON:
            record_obj = ProcedureRecord.objects.filter(request=request_obj).first()
            if record_obj is not None and record_obj.hospital_id != http.user.profile.hospital_id:
                raise Http404("No such request")
    except (Http404, PermissionDenied):
        record(http, Action.DENIED, "recovery", "", request_reference=reference[:20])
        raise
    return request_obj


def _procedure_name(procedure_id: str) -> str:
    try:
        return gettext(load_knowledge().procedure(procedure_id).name)
    except KeyError:
        return procedure_id


def _course(record_obj: ProcedureRecord, instrument: Instrument, points: list[recovery.Point],
            charted: bool) -> tuple[charts.CourseMarker, ...]:
    """The typical course of this score (its total, then each subscale) after the recorded procedure, placed on the
    chart from the patient's baseline."""
    baseline = next((p.value for p in points if p.timepoint == TimePoint.BASELINE), None)
    course = [*typical_course(record_obj.procedure_id, instrument.id),
              *(point for subscale in instrument.subscales
                for point in typical_course(record_obj.procedure_id, instrument.id, subscale=subscale.id))]
    return charts.place_course(instrument, course, baseline, charted=charted)


def _recovery_context(request_obj: TreatmentRequest, *, for_patient: bool) -> dict[str, Any]:
    """What the patient's and the staff's recovery pages both show for one request (``for_patient``: the patient
    reads "you", the staff "this patient")."""
    record_obj = ProcedureRecord.objects.filter(request=request_obj).select_related("hospital").first()
    today = clock.today()
    submissions = list(recovery.submissions_for(record_obj)) if record_obj else list(
        QuestionnaireSubmission.objects.filter(request=request_obj))
    schedule = recovery.schedule_for(record_obj, today) if record_obj else ()
    scores = []
    for instrument in recovery.offering().offered:
        points = recovery.series(submissions, instrument.id, record_obj.procedure_date if record_obj else None)
        if not points:
            continue
        latest = recovery.latest_by_timepoint(submissions, instrument.id)
        last_timepoint = points[-1].timepoint
        change = recovery.change_from_baseline(submissions, instrument, last_timepoint) \
            if last_timepoint != TimePoint.BASELINE else None
        explained = meaning.explain(instrument, latest[last_timepoint].score, change)
        numeric = sum(1 for p in points if p.value is not None)
        chart = numeric >= 1 and instrument.scoring.minimum is not None and record_obj is not None
        course = _course(record_obj, instrument, points, chart) if record_obj is not None else ()
        scores.append({
            "instrument": instrument, "points": points, "meaning": explained, "chart": chart,
            "course": meaning.typical_course(instrument, course, for_patient=for_patient),
            "mcid": instrument.criterion(instrument.primary_mcid) if instrument.primary_mcid else None,
            "start_back": meaning.start_back_meaning(explained.band) if instrument.id == "start_back" else (),
        })
    alerts = SafetyAlert.objects.filter(submission__request=request_obj).select_related("submission")
    return {"r": request_obj, "record": record_obj, "schedule": schedule, "scores": scores, "today": today,
            "procedure_name": _procedure_name(record_obj.procedure_id) if record_obj else "",
            "no_typical_course": gettext(charts.NO_TYPICAL_COURSE), "alerts": alerts,
            "timepoint_labels": {schedule_id(t.value): t.label for t in TimePoint}}


def _accepted_plan(request_obj: TreatmentRequest) -> Any:
    from spinepath.web.care.models import HospitalResponse

    return HospitalResponse.objects.filter(routing__request=request_obj, kind=ResponseKind.PLAN,
                                           accepted_at__isnull=False).select_related("routing__hospital").first()


def _save_procedure(http: HttpRequest, request_obj: TreatmentRequest, form: ProcedureDateForm, by: str,
                    hospital: Any) -> ProcedureRecord:
    with transaction.atomic():
        record_obj, created = ProcedureRecord.objects.update_or_create(
            request=request_obj, defaults={
                "patient": request_obj.patient, "procedure_id": form.cleaned_data["procedure_id"],
                "procedure_date": form.cleaned_data["procedure_date"], "recorded_by": by, "hospital": hospital})
        record(http, Action.CREATE if created else Action.CHANGE, "procedure_record", record_obj.pk,
               request_reference=request_obj.reference, detail="procedure date recorded")
    return record_obj


def _procedure_form(request_obj: TreatmentRequest, data: Any = None) -> ProcedureDateForm:
    record_obj = ProcedureRecord.objects.filter(request=request_obj).first()
    plan = _accepted_plan(request_obj)
    initial = {}
    if record_obj is not None:
        initial = {"procedure_date": record_obj.procedure_date, "procedure_id": record_obj.procedure_id}
    elif plan is not None:
        initial = {"procedure_id": plan.procedure_id}
    return ProcedureDateForm(data, initial=initial, procedures=procedure_choices(), today=clock.today())


# ---- the patient's side ------------------------------------------------------------------------------------------


def _own_request(http: HttpRequest, reference: str) -> TreatmentRequest:
    request_obj = _request(http, reference)
    if request_obj.patient_id != http.user.pk:
        raise Http404("No such request")
    return request_obj


def _trackable(user: Any) -> Any:
    """A patient's requests that can carry a recovery schedule: sent ones (an accepted plan first)."""
    return access.visible_requests(user).exclude(status__in=(RequestStatus.DRAFT, RequestStatus.WITHDRAWN)) \
        .order_by("-updated_at")


@patient_only
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """My recovery: each request with its operation date, schedule and links; and the baseline."""
    today = clock.today()
    rows = []
    for request_obj in _trackable(request.user):
        record_obj = ProcedureRecord.objects.filter(request=request_obj).first()
        rows.append({"r": request_obj, "record": record_obj,
                     "schedule": recovery.schedule_for(record_obj, today) if record_obj else (),
                     "procedure_name": _procedure_name(record_obj.procedure_id) if record_obj else "",
                     "accepted": request_obj.status == RequestStatus.ACCEPTED})
    baselines = QuestionnaireSubmission.objects.filter(patient=request.user, timepoint=TimePoint.BASELINE) \
        .exclude(instrument_id=SAFETY_INSTRUMENT)
    record(request, Action.VIEW, "recovery", request.user.pk)
    return render(request, "outcomes/mine.html", {"rows": rows, "has_baseline": baselines.exists(), "today": today})


@patient_only
@require_GET
def my_request(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = _own_request(request, reference)
    record(request, Action.VIEW, "recovery", request_obj.pk, request_reference=reference)
    context = _recovery_context(request_obj, for_patient=True)
    context["procedure_form"] = _procedure_form(request_obj)
    return render(request, "outcomes/my_request.html", context)


@patient_only
@require_POST
def my_procedure(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = _own_request(request, reference)
    if request_obj.status in (RequestStatus.DRAFT, RequestStatus.WITHDRAWN):
        raise PermissionDenied("not a request with an operation")
    form = _procedure_form(request_obj, request.POST)
    if not form.is_valid():
        context = _recovery_context(request_obj, for_patient=True)
        context["procedure_form"] = form
        return render(request, "outcomes/my_request.html", context, status=200)
    plan = _accepted_plan(request_obj)
    _save_procedure(request, request_obj, form, RecordedBy.PATIENT, plan.routing.hospital if plan else None)
    messages.success(request, gettext("The date of your operation is saved; your follow-up schedule is below."))
    return redirect("outcomes:my_request", reference=reference)


def _prefill_from_intake(intake: dict[str, Any]) -> dict[str, int]:
    """The self-check's pain answers, so the baseline pain scores agree with the intake (the patient may change
    them: the self-check asks for the worst pain in the last week, the scale for the average)."""
    symptoms = intake.get("symptoms") or {}
    initial = {}
    for key, instrument_id in (("back_pain", "nrs_back_pain"), ("leg_pain", "nrs_leg_pain")):
        if isinstance(symptoms.get(key), int):
            initial[field_name(instrument_id, "pain")] = symptoms[key]
    if isinstance(symptoms.get("walking_tolerance_minutes"), int | float):
        initial[field_name("walking_tolerance", "minutes")] = min(int(symptoms["walking_tolerance_minutes"]), 120)
    return initial


@patient_only
@require_http_methods(["GET", "POST"])
def baseline(request: HttpRequest) -> HttpResponse:
    """The baseline questionnaires, attached to one of the patient's requests when one is chosen."""
    reference = request.GET.get("request") or request.POST.get("request") or ""
    request_obj = _own_request(request, reference) if reference else None
    instruments = recovery.baseline_instruments()
    intake = request_obj.intake if request_obj is not None else (selfcheck_session.stored_intake_document(request)
                                                                 or {})
    form = QuestionnaireForm(request.POST or None, instruments=instruments, safety=False,
                             initial=_prefill_from_intake(intake))
    if request.method == "POST" and form.is_valid():
        saved = _save_all(request, form, TimePoint.BASELINE, request_obj)
        if saved is not None:
            messages.success(request, gettext("Your answers are saved."))
            target = reverse("outcomes:baseline_result")
            return redirect(f"{target}?request={reference}" if reference else target)
    return render(request, "outcomes/questionnaire.html", {
        "form": form, "timepoint_label": TimePoint.BASELINE.label, "r": request_obj, "requests":
        _trackable(request.user), "is_baseline": True, "prefilled": bool(_prefill_from_intake(intake)),
        "errors": form.error_list() if form.is_bound else [], "sections": _sections(form)})


def _sections(form: QuestionnaireForm) -> list[dict[str, Any]]:
    # A validated third-party questionnaire keeps its own wording (no machine or ad-hoc translation): on a page in
    # another language its form says so. Deployer-supplied wording counts as English unless its file names a language.
    language = (get_language() or "en").split("-")[0].lower()
    languages = _supplied_languages(recovery.item_text_dir())
    return [{"instrument": i, "fields": form.instrument_fields(i),
             "wording_not_in_page_language": not wording_is_translatable(i)
             and (languages.get(i.id) or "en").split("-")[0].lower() != language}
            for i in form.instruments]


@functools.lru_cache(maxsize=4)
def _supplied_languages(directory: str | None) -> dict[str, str | None]:
    return {key: texts.language for key, texts in load_item_texts(directory).items()} if directory else {}


def _save_all(http: HttpRequest, form: QuestionnaireForm, timepoint: str,
              request_obj: TreatmentRequest | None) -> list[QuestionnaireSubmission] | None:
    """Score and save every instrument with at least one answer; an answer the core refuses is put beside its field
    (and nothing is saved)."""
    answers = form.answers()
    by_id = {i.id: i for i in form.instruments}
    saved = []
    try:
        with transaction.atomic():
            for instrument_id, given in answers.items():
                if all(v is None for v in given.values()):
                    continue
                saved.append(recovery.save_answers(http.user, by_id[instrument_id], given, timepoint=timepoint,
                                                   request_obj=request_obj, http=http))
    except AnswerError as exc:
        for problem in exc.problems:
            item_id = problem.pointer.lstrip("/")
            name = next((field_name(i, item_id) for i in answers if field_name(i, item_id) in form.fields), None)
            form.add_error(name, problem.message)
        return None
    return saved


@patient_only
@require_GET
def baseline_result(request: HttpRequest) -> HttpResponse:
    reference = request.GET.get("request") or ""
    request_obj = _own_request(request, reference) if reference else None
    submissions = QuestionnaireSubmission.objects.filter(patient=request.user, timepoint=TimePoint.BASELINE,
                                                         request=request_obj)
    return render(request, "outcomes/result.html", {
        "r": request_obj, "timepoint_label": TimePoint.BASELINE.label, "safety": None,
        "results": _explained_latest(list(submissions)), "is_baseline": True})


def _explained_latest(submissions: list[QuestionnaireSubmission]) -> list[dict[str, Any]]:
    results = []
    for instrument in recovery.offering().offered:
        mine = [s for s in submissions if s.instrument_id == instrument.id]
        if not mine:
            continue
        latest = mine[-1]
        change = None
        if latest.timepoint != TimePoint.BASELINE:
            owner_subs = list(QuestionnaireSubmission.objects.filter(patient=latest.patient_id, request=latest.request)
                              | QuestionnaireSubmission.objects.filter(patient=latest.patient_id, request__isnull=True,
                                                                       timepoint=TimePoint.BASELINE))
            change = recovery.change_from_baseline(owner_subs, instrument, latest.timepoint)
        explained = meaning.explain(instrument, latest.score, change)
        results.append({"meaning": explained, "instrument": instrument,
                        "start_back": meaning.start_back_meaning(explained.band)
                        if instrument.id == "start_back" else ()})
    return results


@patient_only
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, reference: str, timepoint: str) -> HttpResponse:
    """One follow-up's questionnaires and the safety questions, while its window is open."""
    request_obj = _own_request(request, reference)
    if timepoint not in recovery.FOLLOW_UP_TIMEPOINTS:
        raise Http404("No such time point")
    record_obj = ProcedureRecord.objects.filter(request=request_obj).first()
    if record_obj is None:
        return redirect("outcomes:my_request", reference=reference)
    today = clock.today()
    due = recovery.follow_up_for(record_obj, timepoint, today)
    if not recovery.open_for_answers(due, today):
        return render(request, "outcomes/closed.html", {"r": request_obj, "due": due,
                                                        "label": TimePoint(timepoint).label}, status=200)
    form = QuestionnaireForm(request.POST or None, instruments=recovery.follow_up_instruments(timepoint),
                             safety=recovery.safety_screen_asked(timepoint))
    safety_result = None
    if request.method == "POST":
        # The safety answers are acted on first, whatever else is wrong with the form: a "yes" that needs care is
        # answered at once and the coordinators are alerted.
        safety_answers = form.safety_answers()
        if form.safety and any(v is True for v in safety_answers.values()):
            _, safety_result, _ = recovery.save_safety(request.user, safety_answers, timepoint=timepoint,
                                                       request_obj=request_obj, http=request)
        if form.is_valid():
            with transaction.atomic():
                saved = _save_all(request, form, timepoint, request_obj)
                if saved is not None and form.safety and safety_result is None:
                    recovery.save_safety(request.user, safety_answers, timepoint=timepoint,
                                         request_obj=request_obj, http=request)
            if saved is not None:
                return redirect("outcomes:follow_up_result", reference=reference, timepoint=timepoint)
    return render(request, "outcomes/questionnaire.html", {
        "form": form, "timepoint_label": TimePoint(timepoint).label, "r": request_obj, "due": due,
        "errors": form.error_list() if form.is_bound else [], "sections": _sections(form),
        "safety_result": safety_result})


@patient_only
@require_GET
def follow_up_result(request: HttpRequest, reference: str, timepoint: str) -> HttpResponse:
    request_obj = _own_request(request, reference)
    if timepoint not in recovery.FOLLOW_UP_TIMEPOINTS:
        raise Http404("No such time point")
    submissions = list(QuestionnaireSubmission.objects.filter(patient=request.user, request=request_obj,
                                                              timepoint=timepoint))
    safety = next((s for s in reversed(submissions) if s.instrument_id == SAFETY_INSTRUMENT), None)
    record(request, Action.VIEW, "recovery", request_obj.pk, request_reference=reference)
    return render(request, "outcomes/result.html", {
        "r": request_obj, "timepoint_label": TimePoint(timepoint).label,
        "safety": safety.score if safety else None, "results": _explained_latest(submissions)})


# ---- charts ------------------------------------------------------------------------------------------------------


@role_required(Role.PATIENT, Role.COORDINATOR, Role.SURGEON)
@require_GET
def chart(request: HttpRequest, reference: str, instrument_id: str) -> HttpResponse:
    request_obj = _request(request, reference)
    record_obj = ProcedureRecord.objects.filter(request=request_obj).first()
    instrument = recovery.offered(instrument_id)
    if record_obj is None or instrument is None:
        raise Http404("No chart")
    points = recovery.series(list(recovery.submissions_for(record_obj)), instrument.id, record_obj.procedure_date)
    record(request, Action.VIEW, "recovery_chart", request_obj.pk, request_reference=reference,
           detail=f"instrument={instrument.id}")
    png = charts.score_chart_png(instrument, points, _procedure_name(record_obj.procedure_id),
                                 course=_course(record_obj, instrument, points, charted=True))
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


# ---- staff -------------------------------------------------------------------------------------------------------


def records_in_scope(user: Any) -> Any:
    """Operations the staff member may follow: a coordinator's organisation's, a surgeon's hospital's."""
    role = access.role_of(user)
    records = ProcedureRecord.objects.select_related("request", "hospital")
    if role == Role.COORDINATOR:
        return records.filter(request__organisation_id=user.profile.organisation_id)
    if role == Role.SURGEON:
        return records.filter(hospital_id=user.profile.hospital_id)
    return records.none()


def alerts_in_scope(user: Any) -> Any:
    role = access.role_of(user)
    alerts = SafetyAlert.objects.select_related("submission__request")
    if role == Role.COORDINATOR:
        return alerts.filter(submission__request__organisation_id=user.profile.organisation_id)
    if role == Role.SURGEON:
        return alerts.filter(submission__request__procedure_record__hospital_id=user.profile.hospital_id)
    return alerts.none()


@staff_only
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    """Overdue and missed follow-ups, and safety alerts (open first)."""
    today = clock.today()
    late = []
    for record_obj in records_in_scope(request.user):
        for item in recovery.schedule_for(record_obj, today):
            if item.timepoint != "pre_op" and item.status in ("overdue", "missed"):
                late.append({"record": record_obj, "follow_up": item,
                             "procedure_name": _procedure_name(record_obj.procedure_id)})
    late.sort(key=lambda row: (row["follow_up"].status != "overdue", row["follow_up"].target))
    alerts = list(alerts_in_scope(request.user).order_by("acknowledged_at", "-created_at")[:200])
    record(request, Action.VIEW, "recovery_overview", "")
    return render(request, "outcomes/staff_home.html", {"late": late, "alerts": alerts, "today": today,
                                                        "is_coordinator": access.role_of(request.user)
                                                        == Role.COORDINATOR})


@coordinator_only
@require_POST
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = alerts_in_scope(request.user).filter(pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert")
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = request.user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record(request, Action.CHANGE, "safety_alert", alert.pk,
               request_reference=alert.submission.request.reference if alert.submission.request else "",
               detail="acknowledged")
        messages.success(request, gettext("Alert acknowledged."))
    return redirect("outcomes:staff_home")


@staff_only
@require_http_methods(["GET", "POST"])
def staff_request(request: HttpRequest, reference: str) -> HttpResponse:
    """One patient's recovery, as the staff see it; a surgeon may record the date of the operation here."""
    request_obj = _request(request, reference)
    is_surgeon = access.role_of(request.user) == Role.SURGEON
    form = _procedure_form(request_obj, request.POST if request.method == "POST" else None) if is_surgeon else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("only the hospital's surgeon records the operation here")
        if form.is_valid():
            _save_procedure(request, request_obj, form, RecordedBy.SURGEON, request.user.profile.hospital)
            messages.success(request, gettext("The date of the operation is saved."))
            return redirect("outcomes:staff_request", reference=reference)
    record(request, Action.VIEW, "recovery", request_obj.pk, request_reference=reference)
    context = _recovery_context(request_obj, for_patient=False)
    context["procedure_form"] = form
    return render(request, "outcomes/staff_request.html", context)


def _cohort(request: HttpRequest) -> tuple[Any, str, list[Any], list[tuple[str, str]]]:
    catalogue = load_catalogue()
    choices = [(f"{i.id}:{c.id}", f"{gettext(i.short_name)} — {gettext(c.name)}") for i in recovery.offering().offered
               for c in i.criteria if c.subscale is None]
    chosen = request.GET.get("measure") or "nrs_leg_pain:ostelo_mic"
    if chosen not in dict(choices):
        chosen = choices[0][0]
    instrument_id, criterion_id = chosen.split(":")
    instrument = catalogue.instrument(instrument_id)
    rows = list(cohort_table(recovery.cohort_records(records_in_scope(request.user), instrument_id), instrument,
                             criterion_id))
    return instrument, chosen, rows, choices


@staff_only
@require_GET
def cohort(request: HttpRequest) -> HttpResponse:
    instrument, chosen, rows, choices = _cohort(request)
    record(request, Action.VIEW, "cohort", chosen)
    return render(request, "outcomes/cohort.html", {
        "rows": [{"row": row, "procedure_name": _procedure_name(row.procedure)} for row in rows],
        "choices": choices, "chosen": chosen, "instrument": instrument,
        "criterion": instrument.criterion(chosen.split(":")[1])})


@staff_only
@require_GET
def cohort_export(request: HttpRequest) -> HttpResponse:
    _, chosen, rows, _ = _cohort(request)
    record(request, Action.EXPORT, "cohort", chosen, detail=f"rows={len(rows)}")
    response = HttpResponse(cohort_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="spinepath-cohort-{chosen.replace(":", "-")}.csv"'
    return response
