"""Reminders for follow-up questionnaires, as a django-tasks task: run it daily (``manage.py send_reminders`` from
cron or a scheduler enqueues it; ``manage.py db_worker`` runs queued tasks).

For every recorded operation, each follow-up whose window is open and that has no answers yet gets one reminder
when it falls due and one more when it becomes overdue: in-app and by e-mail (:func:`workflow.notify`, which never
puts clinical content in an e-mail). :class:`ReminderSent` makes the task idempotent: running it twice on one day,
or every day, never reminds twice for the same time point and kind.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django_tasks import task

from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record
from spinepath.web.care import workflow

from . import clock, recovery
from .models import ProcedureRecord, ReminderSent, stored_timepoint

__all__ = ["send_due_reminders"]


@task()
def send_due_reminders(today: str | None = None) -> int:
    """Send the reminders due on ``today`` (ISO date; default: :func:`clock.today`). Returns how many were sent."""
    as_of = datetime.date.fromisoformat(today) if today else clock.today()
    sent = 0
    for record_obj in ProcedureRecord.objects.select_related("patient", "request"):
        patient = record_obj.patient
        if patient is None or not patient.is_active:
            continue
        for follow_up in recovery.schedule_for(record_obj, as_of):
            if follow_up.timepoint == "pre_op" or follow_up.status not in ("due", "overdue"):
                continue
            timepoint = stored_timepoint(follow_up.timepoint)
            try:
                with transaction.atomic():
                    reminder = ReminderSent.objects.create(patient=patient, procedure=record_obj,
                                                           timepoint=timepoint, kind=follow_up.status, sent_on=as_of)
                    workflow.notify([patient], record_obj.request, recovery.REMINDER_TEXT, "outcomes:my_request")
                    record(None, Action.CREATE, "reminder", reminder.pk, request_reference=record_obj.request.reference,
                           detail=f"timepoint={timepoint} kind={follow_up.status}", actor_role="system")
            except IntegrityError:  # already reminded (another run got there first)
                continue
            sent += 1
    return sent
