"""The audit trail's filter: by actor id, role, action, object type, request reference and date range. Sent with
GET, so the list, its pages and the exports share one URL query."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spinepath.web.accounts.models import Role

from .models import Action, AuditEvent

__all__ = ["AuditFilterForm"]


class AuditFilterForm(forms.Form):
    actor_id = forms.IntegerField(label=_("Actor (user id)"), required=False, min_value=1)
    role = forms.ChoiceField(label=_("Role"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=40,
                                  help_text=_("e.g. request, imaging_file, plan, account"))
    request_reference = forms.CharField(label=_("Request reference"), required=False, max_length=20,
                                        help_text=_("e.g. SP-ABCD234"))
    date_from = forms.DateField(label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (date, included)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("Any role")), *Role.choices, ("none", _("No role (anonymous)"))]
        self.fields["action"].choices = [("", _("Any action")), *Action.choices]

    def clean_request_reference(self) -> str:
        return str(self.cleaned_data.get("request_reference") or "").strip().upper()

    def clean_object_type(self) -> str:
        return str(self.cleaned_data.get("object_type") or "").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def events(self) -> QuerySet[AuditEvent]:
        """The events matching the filter (none when it is invalid), newest first."""
        events = AuditEvent.objects.all()
        if self.is_bound and not self.is_valid():
            return events.none()
        data = self.cleaned_data if self.is_bound else {}
        if data.get("actor_id"):
            events = events.filter(actor_id=data["actor_id"])
        if data.get("role") == "none":
            events = events.filter(actor_role="")
        elif data.get("role"):
            events = events.filter(actor_role=data["role"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("object_type"):
            events = events.filter(object_type=data["object_type"])
        if data.get("request_reference"):
            events = events.filter(request_reference=data["request_reference"])
        if data.get("date_from"):
            events = events.filter(at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            events = events.filter(at__lt=_start_of(data["date_to"] + datetime.timedelta(days=1)))
        return events

    def description(self) -> str:
        """The filters in use, for the export's own audit event (ids, codes and dates only: never names)."""
        if not (self.is_bound and self.is_valid()):
            return ""
        return "; ".join(f"{name}={value}" for name, value in self.cleaned_data.items() if value not in (None, ""))


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
