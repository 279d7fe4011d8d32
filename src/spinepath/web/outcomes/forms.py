"""Forms built from the instrument definitions: one field per item (named ``<instrument>__<item>``), the wording and
answer labels exactly as the catalogue (or the deployer's file) gives them, and the post-operative safety questions.

Items may be left unanswered: an incomplete questionnaire is scored by the core as incomplete (and shown so), never
refused. A value the item does not offer is refused beside the field. The safety questions must all be answered:
an unanswered one is never read as "no".
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from spinepath.core.outcomes import Instrument, load_catalogue
from spinepath.core.outcomes.models import Item

from .models import ProcedureRecord

__all__ = ["ProcedureDateForm", "QuestionnaireForm", "field_name", "wording_is_translatable"]

_YES_NO = [("yes", _("Yes")), ("no", _("No"))]
_SAFETY_PREFIX = "safety__"


# Licences whose wording may be translated through the message catalogues: spinepath's own questions and generic
# scales. Every other instrument (STarT Back, ODI, ZCQ, COMI, PROMIS, RMDQ) is a validated questionnaire: only a
# validated translation may replace its wording, so its items, answers and copyright statement are shown exactly as
# packaged or supplied, and ``manage.py extract_kb_messages`` never lists them.
TRANSLATABLE_WORDING = frozenset({"generic", "spinepath_wording"})


def wording_is_translatable(instrument: Instrument) -> bool:
    return instrument.licence.status in TRANSLATABLE_WORDING and instrument.item_text_supplied_by is None


def _identity(text: str) -> str:
    return text


def field_name(instrument_id: str, item_id: str) -> str:
    return f"{instrument_id}__{item_id}"


def _item_field(item: Item, translate: bool = False) -> forms.Field:
    tr = gettext if translate else _identity
    label = tr(item.text) if item.text else item.topic
    if item.kind == "choice":
        choices = [(str(o.code), tr(o.label) if o.label else str(o.code)) for o in item.options]
        return forms.TypedChoiceField(label=label, choices=choices, coerce=int, required=False,
                                      empty_value=None, widget=forms.RadioSelect)
    if item.kind == "tick":
        return forms.TypedChoiceField(label=label, choices=[("1", _("Yes")), ("0", _("No"))], coerce=int,
                                      required=False, empty_value=None, widget=forms.RadioSelect)
    assert item.minimum is not None and item.maximum is not None
    anchors = {k: tr(v) for k, v in (item.anchors or {}).items()}
    if item.maximum - item.minimum <= 10:  # a rating scale: every point is a choice, the ends carry their anchors
        choices = [(str(n), f"{n} – {anchors[str(n)]}" if str(n) in anchors else str(n))
                   for n in range(item.minimum, item.maximum + 1)]
        return forms.TypedChoiceField(label=label, choices=choices, coerce=int, required=False, empty_value=None,
                                      widget=forms.RadioSelect)
    ends = " · ".join(f"{k}: {v}" for k, v in anchors.items())
    unit = f" ({tr(item.unit)})" if item.unit else ""
    return forms.IntegerField(
        label=f"{label}{unit}", required=False, min_value=item.minimum, max_value=item.maximum,
        help_text=_("A whole number from %(minimum)s to %(maximum)s.") % {"minimum": item.minimum,
                                                                          "maximum": item.maximum}
        + (f" {ends}" if ends else ""),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class QuestionnaireForm(forms.Form):
    """Every offered instrument of a time point, and the safety questions when they are asked."""

    def __init__(self, *args: Any, instruments: Sequence[Instrument], safety: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instruments = list(instruments)
        self.safety = safety
        if safety:
            for question in load_catalogue().safety.questions:
                self.fields[_SAFETY_PREFIX + question.id] = forms.ChoiceField(
                    label=gettext(question.text), choices=_YES_NO, widget=forms.RadioSelect,
                    error_messages={"required": _("Please answer Yes or No: we cannot tell whether you need care "
                                                  "until you do.")})
        for instrument in self.instruments:
            translate = wording_is_translatable(instrument)
            for item in instrument.items:
                self.fields[field_name(instrument.id, item.id)] = _item_field(item, translate)

    def safety_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(_SAFETY_PREFIX)]

    def instrument_fields(self, instrument: Instrument) -> list[forms.BoundField]:
        return [self[field_name(instrument.id, item.id)] for item in instrument.items]

    def safety_answers(self) -> dict[str, bool | None]:
        """The safety answers given so far (valid or not): read even when another field has an error, so that a
        "yes" is acted on at once."""
        answers: dict[str, bool | None] = {}
        for question in load_catalogue().safety.questions:
            raw = self.data.get(_SAFETY_PREFIX + question.id)
            answers[question.id] = True if raw == "yes" else False if raw == "no" else None
        return answers

    def answers(self) -> dict[str, dict[str, Any]]:
        """Instrument id → item id → code (``None`` when not answered), from cleaned data."""
        return {
            instrument.id: {item.id: self.cleaned_data.get(field_name(instrument.id, item.id))
                            for item in instrument.items}
            for instrument in self.instruments
        }

    def error_list(self) -> list[tuple[str, str]]:
        return [(f"#q-{self.add_prefix(name)}", f"{self.fields[name].label}: {' '.join(errors)}")
                for name, errors in self.errors.items() if name in self.fields]


class ProcedureDateForm(forms.Form):
    """The date of the operation (the follow-up schedule counts from it)."""

    procedure_date = forms.DateField(
        label=_("Date of the operation"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day you had (or will have) the operation, as year-month-day."))
    procedure_id = forms.ChoiceField(label=_("Operation"), choices=[])

    def __init__(self, *args: Any, procedures: Sequence[tuple[str, str]], today: datetime.date,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["procedure_id"].choices = list(procedures)

    def clean_procedure_date(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["procedure_date"]
        # Far dates are almost always typing mistakes; the schedule runs two years from the operation.
        if abs((value - self.today).days) > 3 * 366:
            raise forms.ValidationError(_("Please check the date: it is more than three years from today."))
        return value


def procedure_choices(record_obj: ProcedureRecord | None = None) -> list[tuple[str, str]]:
    from spinepath.core.knowledge import load_knowledge

    return [(p.id, p.name) for p in load_knowledge().procedures.values()]
