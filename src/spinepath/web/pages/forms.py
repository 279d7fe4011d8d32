"""The decision aid's form: which options to weigh, what matters most, and the SURE test. Sent with GET, so
it needs no session and a result can be bookmarked or shown to a doctor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from spinepath.core.knowledge import Procedure

from .decision import RATING_CHOICES, SURE_ITEMS, VALUES

__all__ = ["DecisionForm"]


class DecisionForm(forms.Form):
    options = forms.MultipleChoiceField(
        label=_("Which options do you want to compare?"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to see every option."))

    def __init__(self, *args: Any, procedures: list[Procedure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.procedures = procedures
        self.fields["options"].choices = [(p.id, gettext(p.short_name)) for p in procedures]
        for value in VALUES:
            self.fields[value.key] = forms.TypedChoiceField(
                label=value.statement, choices=RATING_CHOICES, coerce=int, empty_value=None, required=False,
                widget=forms.RadioSelect)
        for item in SURE_ITEMS:
            self.fields[item.key] = forms.ChoiceField(
                label=format_lazy("{}: {}", item.name, item.question), choices=[("yes", _("Yes")), ("no", _("No"))],
                required=False, widget=forms.RadioSelect)

    def value_fields(self) -> list[forms.BoundField]:
        return [self[value.key] for value in VALUES]

    def sure_fields(self) -> list[forms.BoundField]:
        return [self[item.key] for item in SURE_ITEMS]

    def chosen_procedures(self) -> list[Procedure]:
        chosen = set(self.cleaned_data.get("options") or [])
        return [p for p in self.procedures if p.id in chosen] or list(self.procedures)

    def ratings(self) -> dict[str, int | None]:
        return {value.key: self.cleaned_data.get(value.key) for value in VALUES}

    def sure_answers(self) -> dict[str, str | None]:
        return {item.key: self.cleaned_data.get(item.key) or None for item in SURE_ITEMS}
