"""The forms coordinators and hospital surgeons fill in: the queue's filters, routing, a message, and a hospital's
answer (a treatment plan, a request for more information, or a decline).

The same forms check what comes in through the requests API (:mod:`spinepath.web.care.api`), so a plan is
validated in one place whichever way it arrives. What a change may do is still the workflow's to decide
(:mod:`spinepath.web.care.workflow` raises ``WorkflowError``); these forms only check that the values make sense.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spinepath.core.assessment import PROCEDURE_IDS
from spinepath.core.intake import LEVELS
from spinepath.web.hospitals.models import Hospital

from .models import Anaesthesia, RequestStatus, ResponseKind
from .presenters import procedure_name

__all__ = ["CURRENCIES", "MessageForm", "QueueFilterForm", "ResponseForm", "ReviewQueueFilterForm", "RoutingForm"]

# ISO 4217 codes offered for a plan's estimated cost: those of the countries patients travel to and from most.
CURRENCIES: list[tuple[str, Any]] = [
    ("EUR", _("EUR – euro")),
    ("USD", _("USD – US dollar")),
    ("GBP", _("GBP – pound sterling")),
    ("TRY", _("TRY – Turkish lira")),
    ("INR", _("INR – Indian rupee")),
    ("AED", _("AED – UAE dirham")),
    ("SAR", _("SAR – Saudi riyal")),
    ("CHF", _("CHF – Swiss franc")),
    ("THB", _("THB – Thai baht")),
    ("MYR", _("MYR – Malaysian ringgit")),
    ("SGD", _("SGD – Singapore dollar")),
    ("KRW", _("KRW – South Korean won")),
    ("JPY", _("JPY – Japanese yen")),
    ("MXN", _("MXN – Mexican peso")),
    ("BRL", _("BRL – Brazilian real")),
    ("PLN", _("PLN – Polish złoty")),
    ("CZK", _("CZK – Czech koruna")),
    ("HUF", _("HUF – Hungarian forint")),
    ("DKK", _("DKK – Danish krone")),
    ("SEK", _("SEK – Swedish krona")),
    ("NOK", _("NOK – Norwegian krone")),
    ("CAD", _("CAD – Canadian dollar")),
    ("AUD", _("AUD – Australian dollar")),
    ("EGP", _("EGP – Egyptian pound")),
    ("ZAR", _("ZAR – South African rand")),
]
_CHOOSE = ("", _("Choose…"))
_MAX_COST = 10**9  # well within the column's 12 digits; a larger number is a typing error


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


# ---- the queues --------------------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The coordinator's queue: which requests to list and in which order (urgent ones stay on top)."""

    STATUS_OPEN, STATUS_ALL = "open", "all"
    COMPLETENESS = [
        ("", _("Any")),
        ("no_mri", _("No MRI yet")),
        ("no_consent", _("No consent")),
        ("processing", _("Imaging processing")),
        ("imaging_failed", _("Imaging could not be processed")),
        ("info_requested", _("More information requested")),
        ("complete", _("Ready to route (MRI and consent, nothing processing)")),
    ]
    SORTS = [
        ("oldest", _("Waiting longest first")),
        ("newest", _("Newest first")),
        ("updated", _("Recently changed first")),
        ("reference", _("Reference")),
    ]

    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        (STATUS_OPEN, _("Open (submitted, with hospitals, plans received)")),
        *[(value, label) for value, label in RequestStatus.choices if value != RequestStatus.DRAFT],
        (STATUS_ALL, _("All")),
    ])
    urgency = forms.ChoiceField(label=_("Urgency"), required=False, choices=[
        ("", _("Any")), ("emergency", _("Emergency")), ("urgent", _("Urgent")), ("routine", _("Not urgent"))])
    procedure = forms.ChoiceField(label=_("Procedure of interest"), required=False)
    country = forms.ChoiceField(label=_("Preferred country"), required=False)
    completeness = forms.ChoiceField(label=_("Completeness"), required=False, choices=COMPLETENESS)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)

    def __init__(self, data: Any = None, *, countries: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["procedure"].choices = [("", _("Any")), *[(p, procedure_name(p)) for p in PROCEDURE_IDS]]
        self.fields["country"].choices = [("", _("Any")), *[(code, code) for code in countries]]

    def value(self, name: str) -> str:
        """The chosen value, or the default when the form was not sent or this value is not one of the choices (a
        filter link with a stale value still shows the queue, with the other filters applied)."""
        defaults = {"status": self.STATUS_OPEN, "sort": "oldest"}
        if self.is_bound and (self.is_valid() or name in self.cleaned_data):
            return self.cleaned_data.get(name) or defaults.get(name, "")
        return defaults.get(name, "")


class ReviewQueueFilterForm(forms.Form):
    show = forms.ChoiceField(label=_("Show"), required=False, choices=[
        ("waiting", _("Waiting for our answer")), ("all", _("All requests sent to us"))])

    def value(self) -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("show") or "waiting"
        return "waiting"


# ---- the coordinator's changes -----------------------------------------------------------------------------------


class RoutingForm(forms.Form):
    """Which hospitals to send the request to. Any existing hospital is accepted here; whether the request may go
    there (consent, procedures offered, not already sent) is the workflow's to say, so its reason is shown."""

    hospitals = forms.ModelMultipleChoiceField(
        label=_("Send to"), queryset=Hospital.objects.all(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one hospital."),
                        "invalid_choice": _("%(value)s is not a hospital in the directory."),
                        "invalid_pk_value": _("%(pk)s is not a hospital id.")})


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": _("Write a message first.")})


# ---- the hospital's answer ---------------------------------------------------------------------------------------


class ResponseForm(forms.Form):
    """A surgeon's answer to a routed request. Only the fields of the chosen kind are required and kept; the
    procedure is one the hospital offers. ``today`` is an argument so the date checks read as tables in tests."""

    PLAN_REQUIRED = ("procedure_id", "anaesthesia", "expected_stay_nights", "cost_min", "cost_max", "currency",
                     "earliest_date", "valid_until")

    kind = forms.ChoiceField(label=_("Your answer"), choices=ResponseKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": _("Choose a plan, a request for more information, or a "
                                                           "decline.")})
    procedure_id = forms.ChoiceField(label=_("Procedure"), required=False)
    levels = forms.MultipleChoiceField(label=_("Levels"), required=False, choices=[(lv, lv) for lv in LEVELS],
                                       widget=forms.CheckboxSelectMultiple)
    anaesthesia = forms.ChoiceField(label=_("Anaesthesia"), required=False,
                                    choices=[_CHOOSE, *Anaesthesia.choices])
    expected_stay_nights = forms.IntegerField(label=_("Expected stay in hospital (nights)"), required=False,
                                              min_value=0, max_value=365)
    cost_min = forms.DecimalField(label=_("Estimated cost from"), required=False, min_value=0, max_value=_MAX_COST,
                                  max_digits=12, decimal_places=2)
    cost_max = forms.DecimalField(label=_("Estimated cost to"), required=False, min_value=0, max_value=_MAX_COST,
                                  max_digits=12, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), required=False, choices=[_CHOOSE, *CURRENCIES])
    earliest_date = forms.DateField(label=_("Earliest date for the treatment"), required=False, widget=_DateInput())
    valid_until = forms.DateField(label=_("Plan valid until"), required=False, widget=_DateInput())
    notes = forms.CharField(label=_("Notes for the patient"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    question = forms.CharField(label=_("What do you need to know?"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 4}))
    decline_reason = forms.CharField(label=_("Why are you declining?"), required=False, max_length=2000,
                                     widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, data: Any = None, *, offered: list[str], today: datetime.date | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["procedure_id"].choices = [_CHOOSE, *[(p, procedure_name(p)) for p in offered]]
        self.fields["procedure_id"].error_messages["invalid_choice"] = _(
            "Your hospital does not offer this procedure: choose one of those listed.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind == ResponseKind.PLAN:
            self._clean_plan(cleaned)
        elif kind == ResponseKind.MORE_INFORMATION and not cleaned.get("question", "").strip():
            self.add_error("question", _("Write what you need to know."))
        elif kind == ResponseKind.DECLINE and not cleaned.get("decline_reason", "").strip():
            self.add_error("decline_reason", _("Give the patient a reason."))
        return cleaned

    def _clean_plan(self, cleaned: dict[str, Any]) -> None:
        for name in self.PLAN_REQUIRED:
            if cleaned.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, _("A treatment plan needs this."))
        low, high = cleaned.get("cost_min"), cleaned.get("cost_max")
        if low is not None and high is not None and low > high:
            self.add_error("cost_max", _("The highest cost must not be below the lowest (%(low)s).") % {"low": low})
        for name in ("earliest_date", "valid_until"):
            day = cleaned.get(name)
            if day is not None and day < self.today:
                self.add_error(name, _("This date is in the past: give today or a later date."))

    def response_fields(self) -> dict[str, Any]:
        """The cleaned values the chosen kind keeps, for :func:`spinepath.web.care.workflow.respond`."""
        kind = self.cleaned_data["kind"]
        if kind == ResponseKind.PLAN:
            names: tuple[str, ...] = (*self.PLAN_REQUIRED, "levels", "notes")
        elif kind == ResponseKind.MORE_INFORMATION:
            names = ("question",)
        else:
            names = ("decline_reason",)
        return {name: self.cleaned_data[name] for name in names}
