"""The patient's forms: the request itself (a draft until sent), a message, accepting a plan, deleting the account.

The request form checks what it can always (dates, lengths, known choices) and, only when the patient sends the
request, what sending needs (a kind, procedures, hospitals, consent): so a half-filled draft can always be saved.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from spinepath.core.assessment import PROCEDURE_IDS
from spinepath.web.hospitals import directory
from spinepath.web.hospitals.models import Hospital

from .models import RequestKind, TreatmentRequest
from .workflow import CONSENT_REPORTS_TEXT, CONSENT_TEXT

__all__ = ["DeleteAccountForm", "MessageForm", "RequestForm", "hospitals_for", "procedure_choices"]


def procedure_choices() -> list[tuple[str, str]]:
    return [(pid, directory.procedure_name(pid)) for pid in PROCEDURE_IDS]


def hospitals_for(procedure_ids: Iterable[str], countries: Iterable[str] = (),
                  cities: Iterable[str] = ()) -> list[Hospital]:
    """Active hospitals offering any of the procedures, in the chosen countries and cities (none chosen: any)."""
    procedure_ids = list(procedure_ids)
    if not procedure_ids:  # the directory would list every hospital; the patient has not chosen yet
        return []
    return list(directory.hospitals_offering(procedure_ids, countries=list(countries), cities=list(cities)))


def _city_choices() -> list[tuple[str, str]]:
    rows = Hospital.objects.filter(is_active=True).values_list("city", "country").distinct()
    return sorted({(city, f"{city} ({country})") for city, country in rows}, key=lambda row: row[1])


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What would you like?"), choices=RequestKind.choices, required=False,
                             widget=forms.RadioSelect)
    procedures = forms.MultipleChoiceField(
        label=_("Which treatments would you like to ask about?"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("The ones your self-check found may be suitable are already ticked. A specialist decides."))
    countries = forms.MultipleChoiceField(label=_("Countries you would travel to"), required=False,
                                          widget=forms.CheckboxSelectMultiple,
                                          help_text=_("Tick none to consider every country."))
    cities = forms.MultipleChoiceField(label=_("Cities you prefer"), required=False,
                                       widget=forms.CheckboxSelectMultiple,
                                       help_text=_("Tick none to consider every city."))
    earliest_date = forms.DateField(label=_("Earliest date you could have it"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                    help_text=_("For example 2027-03-01."))
    latest_date = forms.DateField(label=_("Latest date"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                  help_text=_("For example 2027-06-30."))
    note = forms.CharField(label=_("Anything else the hospitals should know (optional)"), required=False,
                           max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("Please do not write your name, address or identity numbers here."))
    hospitals = forms.MultipleChoiceField(label=_("Hospitals to send your request to"), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)
    consent_reports = forms.BooleanField(label=CONSENT_REPORTS_TEXT, required=False)

    def __init__(self, *args: Any, today: datetime.date, sending: bool = False, has_reports: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.sending = sending
        self.has_reports = has_reports
        self.fields["procedures"].choices = procedure_choices()
        self.fields["countries"].choices = directory.countries()
        self.fields["cities"].choices = _city_choices()
        if not has_reports:
            del self.fields["consent_reports"]
        self.offered = hospitals_for(self._chosen("procedures"), self._chosen("countries"), self._chosen("cities"))
        self.fields["hospitals"].choices = [(str(h.pk), f"{h.name}, {h.city} ({h.country})") for h in self.offered]

    def _chosen(self, name: str) -> list[str]:
        """The choices currently ticked (what was sent, else the initial values), restricted to known ones."""
        known = {str(value) for value, _label in self.fields[name].choices}
        if self.is_bound:
            values = self.data.getlist(self.add_prefix(name)) if hasattr(self.data, "getlist") else \
                list(self.data.get(self.add_prefix(name)) or [])
        else:
            values = list(self.initial.get(name) or [])
        return [str(v) for v in values if str(v) in known]

    def clean_earliest_date(self) -> datetime.date | None:
        return self._not_in_the_past("earliest_date")

    def clean_latest_date(self) -> datetime.date | None:
        return self._not_in_the_past("latest_date")

    def _not_in_the_past(self, name: str) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get(name)
        if value is not None and value < self.today:
            raise forms.ValidationError(_("This date is in the past. Please enter today or a later date."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        earliest, latest = data.get("earliest_date"), data.get("latest_date")
        if earliest and latest and earliest > latest:
            self.add_error("latest_date", _("The latest date must be the same as or after the earliest date."))
        if self.sending:
            if not data.get("kind"):
                self.add_error("kind", _("Choose whether you would like an examination or a treatment plan."))
            if not data.get("procedures"):
                self.add_error("procedures", _("Choose at least one treatment to ask about."))
            elif not data.get("hospitals"):
                self.add_error("hospitals", _("Choose at least one hospital to send your request to."))
            if not data.get("consent"):
                self.add_error("consent", _("To send your request, tick the box to say you agree to share it."))
        chosen = self.chosen_hospitals()
        organisations = {h.organisation_id for h in chosen}
        if len(organisations) > 1:
            self.add_error("hospitals", _("These hospitals are coordinated by different organisations. Please choose "
                                          "hospitals of one organisation for this request, and send another request "
                                          "for the others."))
        return data

    def chosen_hospitals(self) -> list[Hospital]:
        ids = set((self.cleaned_data if hasattr(self, "cleaned_data") else {}).get("hospitals") or [])
        return [h for h in self.offered if str(h.pk) in ids]

    def save_to(self, request_obj: TreatmentRequest) -> None:
        """Copy the request's own fields (not the hospitals or consent) into the draft."""
        data = self.cleaned_data
        request_obj.kind = data.get("kind") or request_obj.kind
        request_obj.procedures = list(data.get("procedures") or [])
        request_obj.countries = list(data.get("countries") or [])
        request_obj.cities = list(data.get("cities") or [])
        request_obj.earliest_date = data.get("earliest_date")
        request_obj.latest_date = data.get("latest_date")
        request_obj.note = data.get("note") or ""
        request_obj.save(update_fields=["kind", "procedures", "countries", "cities", "earliest_date", "latest_date",
                                        "note", "updated_at"])

    def error_summary(self) -> list[tuple[str, str]]:
        """(link target, message) for every error, in the order of the page."""
        summary = []
        for name, errors in self.errors.items():
            if name == "__all__":
                summary += [("#request-form", str(e)) for e in errors]
                continue
            field = self[name]
            multiple = field.widget_type in ("radioselect", "checkboxselectmultiple")
            target = f"#{field.auto_id}_0" if multiple and field.field.choices else f"#{field.auto_id}"
            summary += [(target, str(e)) for e in errors]
        return summary

    @staticmethod
    def initial_for(request_obj: TreatmentRequest, hospitals: Iterable[str] = ()) -> dict[str, Any]:
        return {"kind": request_obj.kind, "procedures": list(request_obj.procedures),
                "countries": list(request_obj.countries), "cities": list(request_obj.cities),
                "earliest_date": request_obj.earliest_date, "latest_date": request_obj.latest_date,
                "note": request_obj.note, "hospitals": [str(h) for h in hospitals]}


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("The coordinators read it and pass it on to the hospitals when needed."),
                           error_messages={"required": _("Write a message first.")})


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               error_messages={"required": _("Enter your password to confirm it is you.")})
    confirm = forms.BooleanField(
        label=_("I understand: my account, my answers, my notes, my messages and my files will be deleted for good, "
                "and my open requests withdrawn."),
        error_messages={"required": _("Tick the box to confirm you want to delete your account.")})

    def __init__(self, *args: Any, user: Any, http: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.http = http

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        # Through authenticate(), so django-axes counts wrong passwords here as it does at sign-in.
        checked = authenticate(self.http, username=self.user.get_username(), password=password)
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(_("That is not your password."))
        return password

    def error_summary(self) -> list[tuple[str, str]]:
        return [(f"#{self[name].auto_id}", str(e)) for name, errors in self.errors.items() if name != "__all__"
                for e in errors]
