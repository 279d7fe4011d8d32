"""The patient's recovery pages: baseline with the self-check's pain prefilled, an incomplete STarT Back shown as
incomplete, the operation date and the schedule as time moves on, follow-ups with the safety questions (an alert
reaches the coordinators at once), reminders sent once, and who may see what."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail

from spinepath.web.audit.models import AuditEvent
from spinepath.web.care.models import Notification
from spinepath.web.outcomes.models import ProcedureRecord, QuestionnaireSubmission, ReminderSent, SafetyAlert
from spinepath.web.outcomes.tasks import send_due_reminders

from .conftest import OPERATION_DAY, accepted_request, client_for

pytestmark = pytest.mark.django_db

AGREE_ALL_START_BACK = {f"start_back__{item}": "1" for item in (
    "leg_pain", "shoulder_or_neck_pain", "walked_short_distances", "dressed_slowly", "not_safe_to_be_active",
    "worrying_thoughts", "never_get_better", "not_enjoyed_things")} | {"start_back__bothersomeness": "4"}
NO_WARNING_SIGNS = {f"safety__{q}": "no" for q in (
    "saddle_numbness", "bladder_change", "bowel_change", "new_weakness", "fever", "wound_problem")}


def days(n: int) -> datetime.date:
    return OPERATION_DAY + datetime.timedelta(days=n)


def record_operation(client: Any, reference: str) -> None:
    response = client.post(f"/en/outcomes/mine/{reference}/operation/",
                           {"procedure_id": "microdiscectomy", "procedure_date": OPERATION_DAY.isoformat()})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_baseline_is_prefilled_from_the_intake_and_saved_with_core_scores(make_patient, world, move_to) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world, intake={"symptoms": {"back_pain": 6, "leg_pain": 8}})
    client = client_for(patient)
    page = client.get(f"/en/outcomes/baseline/?request={request_obj.reference}").content.decode()
    assert 'name="nrs_back_pain__pain" value="6" required' not in page  # optional, never required
    assert 'value="6" id="id_nrs_back_pain__pain_6" checked' in page
    assert 'value="8" id="id_nrs_leg_pain__pain_8" checked' in page

    response = client.post("/en/outcomes/baseline/", {
        "request": request_obj.reference, "nrs_back_pain__pain": "6", "nrs_leg_pain__pain": "8",
        "walking_tolerance__minutes": "15", **AGREE_ALL_START_BACK})
    assert response.status_code == 302
    saved = {s.instrument_id: s for s in QuestionnaireSubmission.objects.filter(request=request_obj)}
    assert set(saved) == {"nrs_back_pain", "nrs_leg_pain", "walking_tolerance", "start_back"}
    assert saved["nrs_leg_pain"].score["value"] == 8 and saved["nrs_leg_pain"].timepoint == "baseline"
    assert saved["start_back"].score["band"] == "high risk"
    result = client.get(response["Location"]).content.decode()
    assert "high risk" in result and "care without surgery" in result
    assert "Keele University" in result  # the copyright statement travels with the tool


@pytest.mark.parametrize(("answers", "shown"), [
    pytest.param({k: v for k, v in AGREE_ALL_START_BACK.items() if k != "start_back__bothersomeness"},
                 "Incomplete", id="one-item-missing-is-incomplete-never-low-risk"),
    pytest.param(AGREE_ALL_START_BACK, "high risk", id="all-answered-gives-a-risk-group"),
])
def test_start_back_incomplete_is_shown_as_incomplete(make_patient, world, move_to, answers, shown) -> None:
    client = client_for(make_patient())
    response = client.post("/en/outcomes/baseline/", answers, follow=True)
    page = response.content.decode()
    assert shown in page
    if shown == "Incomplete":
        assert "risk group: low" not in page and "No risk group" in page


def test_an_invalid_value_is_refused_beside_its_field_and_nothing_is_lost(make_patient, world, move_to) -> None:
    client = client_for(make_patient())
    response = client.post("/en/outcomes/baseline/", {"walking_tolerance__minutes": "500", "nrs_back_pain__pain": "4"})
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert 'id="id_walking_tolerance__minutes_error"' in page
    assert 'value="4" id="id_nrs_back_pain__pain_4" checked' in page
    assert not QuestionnaireSubmission.objects.exists()


@pytest.mark.parametrize(("today", "expected"), [
    (days(-10), {"week_2": "upcoming", "week_6": "upcoming", "month_3": "upcoming"}),
    (days(12), {"week_2": "due", "week_6": "upcoming"}),
    (days(18), {"week_2": "overdue"}),
    (days(22), {"week_2": "missed", "week_6": "upcoming"}),
    (days(40), {"week_2": "missed", "week_6": "due"}),
    (days(100), {"week_6": "missed", "month_3": "overdue"}),
], ids=["before-the-operation", "2-weeks-window-open", "2-weeks-overdue", "2-weeks-missed", "6-weeks-due",
        "3-months-overdue"])
def test_schedule_statuses_as_time_moves_on(make_patient, world, move_to, today, expected) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    client = client_for(patient)
    record_operation(client, request_obj.reference)
    move_to(today)
    from spinepath.web.outcomes import recovery

    statuses = {f.timepoint: f.status for f in recovery.schedule_for(ProcedureRecord.objects.get())}
    assert {k: statuses[k] for k in expected} == expected
    page = client.get(f"/en/outcomes/mine/{request_obj.reference}/").content.decode()
    assert "Overdue" in page if "overdue" in expected.values() else True


def test_a_follow_up_is_completed_and_compared_with_the_baseline(make_patient, world, move_to) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    client = client_for(patient)
    client.post("/en/outcomes/baseline/", {"request": request_obj.reference, "nrs_leg_pain__pain": "8"})
    record_operation(client, request_obj.reference)
    move_to(days(14))
    response = client.post(f"/en/outcomes/mine/{request_obj.reference}/week_2/",
                           {"nrs_leg_pain__pain": "3", **NO_WARNING_SIGNS})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "5 better" in page or "5 points" in page or "that is 5" in page
    assert "This reaches the smallest change" in page
    from spinepath.web.outcomes import recovery

    statuses = {f.timepoint: f.status for f in recovery.schedule_for(ProcedureRecord.objects.get())}
    assert statuses["week_2"] == "completed"
    chart = client.get(f"/en/outcomes/chart/{request_obj.reference}/nrs_leg_pain.png")
    assert chart.status_code == 200 and chart.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("yes", "level", "advice"), [
    ("new_weakness", "emergency", "Go to an emergency department now."),
    ("wound_problem", "urgent", "Contact your surgical team today"),
], ids=["new-weakness-is-an-emergency", "wound-problem-is-urgent"])
def test_a_warning_sign_tells_the_patient_at_once_and_alerts_the_coordinator(
        make_patient, world, move_to, yes, level, advice, django_capture_on_commit_callbacks) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    client = client_for(patient)
    record_operation(client, request_obj.reference)
    move_to(days(14))
    mail.outbox.clear()
    answers = {**NO_WARNING_SIGNS, f"safety__{yes}": "yes", "nrs_leg_pain__pain": "4"}
    with django_capture_on_commit_callbacks(execute=True):  # e-mails leave after the commit
        response = client.post(f"/en/outcomes/mine/{request_obj.reference}/week_2/", answers, follow=True)
    page = response.content.decode()
    assert advice in page and "Your coordinator has been alerted" in page
    alert = SafetyAlert.objects.get()
    assert alert.level == level and alert.submission.request == request_obj
    coordinator = world["coordinator"]
    assert Notification.objects.filter(user=coordinator, request=request_obj).exists()
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "weak" not in mail.outbox[0].body.lower() and "wound" not in mail.outbox[0].body.lower()
    assert AuditEvent.objects.filter(object_type="safety_alert").exists()
    staff = client_for(coordinator).get("/en/outcomes/staff/").content.decode()
    assert request_obj.reference in staff and "Acknowledge" in staff


def test_a_warning_sign_is_acted_on_even_when_the_rest_of_the_form_is_wrong(make_patient, world, move_to) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    client = client_for(patient)
    record_operation(client, request_obj.reference)
    move_to(days(14))
    response = client.post(f"/en/outcomes/mine/{request_obj.reference}/week_2/", {"safety__bladder_change": "yes"})
    page = response.content.decode()
    assert response.status_code == 200 and "Go to an emergency department now." in page
    assert "There is a problem" in page  # the other questions still need answers
    assert SafetyAlert.objects.get().level == "emergency"
    # Sent again with the rest filled in: told again at once, but the coordinators are not alerted a second time.
    again = client.post(f"/en/outcomes/mine/{request_obj.reference}/week_2/",
                        {**NO_WARNING_SIGNS, "safety__bladder_change": "yes", "nrs_leg_pain__pain": "4"}, follow=True)
    assert "Go to an emergency department now." in again.content.decode()
    assert SafetyAlert.objects.count() == 1


def test_reminders_are_sent_once_per_time_point_and_kind(make_patient, world, move_to,
                                                         django_capture_on_commit_callbacks) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    record_operation(client_for(patient), request_obj.reference)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders.call(days(12).isoformat()) == 1  # 2 weeks: due
        assert send_due_reminders.call(days(12).isoformat()) == 0  # the same day again: nothing
        assert send_due_reminders.call(days(13).isoformat()) == 0  # still due: nothing new
        assert send_due_reminders.call(days(16).isoformat()) == 1  # now overdue: one more
    assert list(ReminderSent.objects.values_list("timepoint", "kind").order_by("id")) == [
        ("week_2", "due"), ("week_2", "overdue")]
    assert Notification.objects.filter(user=patient).count() == 2
    assert [m.to for m in mail.outbox] == [[patient.email]] * 2


def test_reminders_task_uses_the_clock_and_skips_answered_time_points(make_patient, world, move_to) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    client = client_for(patient)
    record_operation(client, request_obj.reference)
    move_to(days(14))
    client.post(f"/en/outcomes/mine/{request_obj.reference}/week_2/", {"nrs_leg_pain__pain": "3", **NO_WARNING_SIGNS})
    assert send_due_reminders.call() == 0
    move_to(days(40))
    assert send_due_reminders.call() == 1
    assert ReminderSent.objects.get().timepoint == "week_6"


def test_the_management_command_runs_the_task(make_patient, world, move_to) -> None:
    from django.core.management import call_command

    patient = make_patient()
    record_operation(client_for(patient), accepted_request(patient, world).reference)
    call_command("send_reminders", "--now", "--date", days(12).isoformat())
    assert ReminderSent.objects.count() == 1


# ---- access ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "path", "status"), [
    ("other_patient", "/en/outcomes/mine/{ref}/", 404),
    ("other_patient", "/en/outcomes/chart/{ref}/nrs_leg_pain.png", 404),
    ("other_patient", "/en/outcomes/mine/{ref}/week_2/", 404),
    ("other_surgeon", "/en/outcomes/staff/{ref}/", 404),
    ("other_surgeon", "/en/outcomes/chart/{ref}/nrs_leg_pain.png", 404),
    ("other_coordinator", "/en/outcomes/staff/{ref}/", 404),
    ("surgeon", "/en/outcomes/staff/{ref}/", 200),
    ("coordinator", "/en/outcomes/staff/{ref}/", 200),
    ("coordinator", "/en/outcomes/chart/{ref}/nrs_leg_pain.png", 200),
    ("patient", "/en/outcomes/staff/", 403),
    ("coordinator", "/en/outcomes/mine/{ref}/", 403),
], ids=["other-patient-page", "other-patient-chart", "other-patient-form", "other-hospital-surgeon",
        "other-hospital-surgeon-chart", "other-organisation-coordinator", "own-hospital-surgeon",
        "own-organisation-coordinator", "coordinator-chart", "patient-on-staff-page", "coordinator-on-patient-page"])
def test_who_may_see_a_recovery(make_patient, world, move_to, who, path, status) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    client = client_for(patient)
    client.post("/en/outcomes/baseline/", {"request": request_obj.reference, "nrs_leg_pain__pain": "8"})
    record_operation(client, request_obj.reference)
    # The other hospital's surgeon had the request routed too (and declined): still not theirs to follow.
    from spinepath.web.care.models import Routing

    Routing.objects.create(request=request_obj, hospital=world["ankara"], status="declined")
    user = patient if who == "patient" else make_patient() if who == "other_patient" else world[who]
    assert client_for(user).get(path.format(ref=request_obj.reference)).status_code == status


def test_only_the_hospitals_surgeon_records_the_operation_date(make_patient, world, move_to) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    surgeon = client_for(world["surgeon"])
    response = surgeon.post(f"/en/outcomes/staff/{request_obj.reference}/",
                            {"procedure_id": "microdiscectomy", "procedure_date": OPERATION_DAY.isoformat()})
    assert response.status_code == 302
    record_obj = ProcedureRecord.objects.get()
    assert record_obj.recorded_by == "surgeon" and record_obj.hospital == world["istanbul"]
    coordinator = client_for(world["coordinator"])
    assert coordinator.post(f"/en/outcomes/staff/{request_obj.reference}/",
                            {"procedure_id": "mild", "procedure_date": OPERATION_DAY.isoformat()}).status_code == 403
