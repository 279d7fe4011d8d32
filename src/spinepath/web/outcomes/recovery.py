"""Recovery tracking as service functions: what a deployment offers, a patient's follow-up schedule, saving answers
(scored by the core), the post-operative safety screen with its alert, and the figures behind charts and cohorts.

Views check access first (:mod:`spinepath.web.accounts.access`, or ownership for a patient's own data) and then
call these. Medicine stays in :mod:`spinepath.core.outcomes`: scores, bands, MCIDs, the schedule, the safety screen
and cohort statistics all come from there; nothing here sets a threshold.
"""

from __future__ import annotations

import datetime
import functools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spinepath.core.outcomes import (
    CohortRecord,
    FollowUp,
    Instrument,
    Offering,
    SafetyResult,
    change,
    follow_up_schedule,
    load_catalogue,
    load_item_texts,
    offered_instruments,
    score,
    screen,
)
from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record
from spinepath.web.care import workflow
from spinepath.web.care.models import TreatmentRequest

from . import clock
from .models import (
    SAFETY_INSTRUMENT,
    ProcedureRecord,
    QuestionnaireSubmission,
    SafetyAlert,
    Source,
    TimePoint,
    schedule_id,
    stored_timepoint,
)

__all__ = [
    "ALERT_TEXT",
    "FOLLOW_UP_TIMEPOINTS",
    "baseline_instruments",
    "follow_up_for",
    "offering",
    "raise_alert",
    "save_answers",
    "schedule_for",
]

# Follow-up time points (the schedule's pre_op is the baseline, answered before the operation).
FOLLOW_UP_TIMEPOINTS: tuple[str, ...] = ("week_2", "week_6", "month_3", "month_12", "month_24")
ALERT_TEXT = _("A patient's follow-up answers need care now (request %(reference)s): see the alerts list.")
REMINDER_TEXT = _("Your recovery questionnaire is due: please answer it (request %(reference)s).")


def item_text_dir() -> str | None:
    """The deployer's item-text directory (README, "Outcome instruments"), from settings or the environment."""
    return getattr(settings, "SPINEPATH_INSTRUMENT_TEXT_DIR", None) or os.environ.get("SPINEPATH_INSTRUMENT_TEXT_DIR")


@functools.lru_cache(maxsize=4)
def _offering(directory: str | None) -> Offering:
    return offered_instruments(load_item_texts(directory) if directory else None)


def offering() -> Offering:
    """What this deployment offers (shipped wording, plus the deployer's), loaded once per directory."""
    return _offering(item_text_dir())


def offered(instrument_id: str) -> Instrument | None:
    return next((i for i in offering().offered if i.id == instrument_id), None)


def _instruments_for(schedule_timepoint: str) -> list[Instrument]:
    spec = next(t for t in load_catalogue().schedule if t.id == schedule_timepoint)
    ids = offering().offered_ids
    return [i for i in offering().offered if i.id in spec.instruments and i.id in ids]


def baseline_instruments() -> list[Instrument]:
    return _instruments_for("pre_op")


def follow_up_instruments(timepoint: str) -> list[Instrument]:
    return _instruments_for(schedule_id(timepoint))


def safety_screen_asked(timepoint: str) -> bool:
    # The issue asks for the safety questions at every follow-up, whatever the schedule's default.
    return timepoint in FOLLOW_UP_TIMEPOINTS


# ---- the schedule --------------------------------------------------------------------------------------------------


def submissions_for(record_obj: ProcedureRecord) -> Any:
    """The patient's questionnaires that count for this operation: those attached to its request, and baselines
    not attached to any request."""
    from django.db.models import Q

    return QuestionnaireSubmission.objects.filter(patient=record_obj.patient).filter(
        Q(request=record_obj.request) | Q(request__isnull=True, timepoint=TimePoint.BASELINE))


def schedule_for(record_obj: ProcedureRecord, as_of: datetime.date | None = None) -> tuple[FollowUp, ...]:
    """The core's schedule for this operation on ``as_of`` (default: today), from the dates questionnaires were
    answered (the safety screen counts: it is part of every follow-up)."""
    dates = submissions_for(record_obj).values_list("submitted_on", flat=True)
    return follow_up_schedule(record_obj.procedure_date, as_of=as_of or clock.today(), completed_on=list(dates))


def follow_up_for(record_obj: ProcedureRecord, timepoint: str, as_of: datetime.date | None = None) -> FollowUp:
    return next(f for f in schedule_for(record_obj, as_of) if f.timepoint == schedule_id(timepoint))


def open_for_answers(follow_up: FollowUp, as_of: datetime.date) -> bool:
    """A follow-up can be answered while its window is open (a submission outside every window counts for none)."""
    return follow_up.opens <= as_of <= follow_up.closes


# ---- saving answers ------------------------------------------------------------------------------------------------


def save_answers(patient: Any, instrument: Instrument, answers: dict[str, Any], *, timepoint: str,
                 request_obj: TreatmentRequest | None, source: str = Source.WEB,
                 http: HttpRequest | None = None) -> QuestionnaireSubmission:
    """Score with the core (which validates the answers, raising ``AnswerError``) and store answers and score."""
    result = score(instrument, answers)
    now = timezone.now()
    submission = QuestionnaireSubmission.objects.create(
        patient=patient, request=request_obj, instrument_id=instrument.id, timepoint=timepoint,
        answers={k: v for k, v in answers.items() if v is not None}, score=result.model_dump(mode="json"),
        submitted_at=now, submitted_on=clock.today(), source=source)
    record(http, Action.CREATE, "questionnaire", submission.pk,
           request_reference=request_obj.reference if request_obj else "",
           detail=f"instrument={instrument.id} timepoint={timepoint} source={source}",
           **({"actor_id": patient.pk, "actor_role": "patient"} if http is None else {}))
    return submission


def save_safety(patient: Any, answers: dict[str, bool | None], *, timepoint: str, request_obj: TreatmentRequest,
                http: HttpRequest | None = None) -> tuple[QuestionnaireSubmission, SafetyResult, SafetyAlert | None]:
    """Screen the post-operative safety answers with the core, store them, and raise an alert when they need care."""
    result = screen(answers)
    with transaction.atomic():
        submission = QuestionnaireSubmission.objects.create(
            patient=patient, request=request_obj, instrument_id=SAFETY_INSTRUMENT, timepoint=timepoint,
            answers=answers, score=result.model_dump(mode="json"), submitted_at=timezone.now(),
            submitted_on=clock.today(), source=Source.WEB)
        record(http, Action.CREATE, "questionnaire", submission.pk, request_reference=request_obj.reference,
               detail=f"instrument={SAFETY_INSTRUMENT} timepoint={timepoint} level={result.level}")
        alert = None
        if result.level in ("emergency", "urgent"):
            # The same warning signs sent again (e.g. after fixing another field) while the first alert is still open do
            # not alert the coordinators twice; the patient is told to seek care either way.
            rules = sorted(a.rule for a in result.alerts)
            open_alerts = SafetyAlert.objects.filter(
                submission__patient=patient, submission__request=request_obj, submission__timepoint=timepoint,
                level=result.level, acknowledged_at__isnull=True)
            alert = next((a for a in open_alerts if sorted(r["rule"] for r in a.reasons) == rules), None)
            if alert is None:
                alert = raise_alert(submission, result, http)
    return submission, result, alert


def raise_alert(submission: QuestionnaireSubmission, result: SafetyResult,
                http: HttpRequest | None = None) -> SafetyAlert:
    """A safety alert for the coordinators of the request's organisation: in-app and by e-mail, audited."""
    alert = SafetyAlert.objects.create(
        submission=submission, level=result.level,
        reasons=[{"rule": a.rule, "title": a.title, "level": a.level, "sources": list(a.sources)}
                 for a in result.alerts])
    request_obj = submission.request
    if request_obj is not None:
        workflow.notify(workflow.coordinators_of(request_obj), request_obj, ALERT_TEXT, "outcomes:staff_request")
    record(http, Action.CREATE, "safety_alert", alert.pk,
           request_reference=request_obj.reference if request_obj else "", detail=f"level={result.level}")
    return alert


# ---- figures -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    timepoint: str
    label: str
    on: datetime.date
    value: float | None
    complete: bool
    band: str | None
    days_after: int | None


def latest_by_timepoint(submissions: Iterable[QuestionnaireSubmission], instrument_id: str) \
        -> dict[str, QuestionnaireSubmission]:
    """The latest submission of one instrument at each time point."""
    found: dict[str, QuestionnaireSubmission] = {}
    for submission in sorted(submissions, key=lambda s: (s.submitted_at, s.pk)):
        if submission.instrument_id == instrument_id:
            found[submission.timepoint] = submission
    return found


def series(submissions: Sequence[QuestionnaireSubmission], instrument_id: str,
           procedure_date: datetime.date | None) -> list[Point]:
    """One instrument's scores in time-point order (baseline first), for the chart and its table."""
    by_timepoint = latest_by_timepoint(submissions, instrument_id)
    points = []
    for timepoint in TimePoint.values:
        submission = by_timepoint.get(timepoint)
        if submission is None:
            continue
        points.append(Point(
            timepoint=timepoint, label=str(TimePoint(timepoint).label), on=submission.submitted_on,
            value=submission.value, complete=submission.complete, band=submission.score.get("band"),
            days_after=(submission.submitted_on - procedure_date).days if procedure_date else None))
    return points


def baseline_value(submissions: Sequence[QuestionnaireSubmission], instrument_id: str) -> float | None:
    found = latest_by_timepoint(submissions, instrument_id).get(TimePoint.BASELINE)
    return found.value if found is not None else None


def change_from_baseline(submissions: Sequence[QuestionnaireSubmission], instrument: Instrument, timepoint: str) \
        -> Any:
    """The core's change (with MCID) from the baseline to ``timepoint``, or ``None`` without both scores."""
    from spinepath.core.outcomes import Score

    by_timepoint = latest_by_timepoint(submissions, instrument.id)
    before, after = by_timepoint.get(TimePoint.BASELINE), by_timepoint.get(timepoint)
    if after is None:
        return None
    return change(Score.model_validate(before.score) if before else None, Score.model_validate(after.score),
                  instrument)


def cohort_records(records: Iterable[ProcedureRecord], instrument_id: str) -> list[CohortRecord]:
    """One core CohortRecord per operation: the instrument's baseline, 3- and 12-month scores."""
    rows = []
    for record_obj in records:
        found = latest_by_timepoint(submissions_for(record_obj), instrument_id)

        def value(timepoint: str, found: dict[str, QuestionnaireSubmission] = found) -> float | None:
            submission = found.get(timepoint)
            return submission.value if submission is not None else None

        rows.append(CohortRecord(
            patient=str(record_obj.patient_id), procedure=record_obj.procedure_id,
            hospital=record_obj.hospital.name if record_obj.hospital else "—",
            baseline=value(TimePoint.BASELINE), month_3=value(TimePoint.MONTH_3), month_12=value(TimePoint.MONTH_12)))
    return rows


def stored(schedule_timepoint: str) -> str:
    return stored_timepoint(schedule_timepoint)
