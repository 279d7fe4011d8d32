"""The public directory's filter (sent with GET, so a filtered list can be linked to and bookmarked)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from spinepath.core.knowledge import load_knowledge
from spinepath.web.pages.comparison import ordered_options

from . import directory

__all__ = ["DirectoryFilterForm"]


class DirectoryFilterForm(forms.Form):
    procedure = forms.ChoiceField(label=_("Procedure"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    city = forms.ChoiceField(label=_("City"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [
            ("", _("Any procedure")),
            *((p.id, gettext(p.name)) for p in ordered_options(load_knowledge())),
        ]
        self.fields["country"].choices = [("", _("Any country")), *directory.countries()]
        self.fields["city"].choices = [("", _("Any city")), *((city, city) for city in directory.cities())]

    def filters(self) -> dict[str, list[str]]:
        """The chosen filters as :func:`~spinepath.web.hospitals.directory.hospitals_offering` takes them."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "procedure_ids": [data["procedure"]] if data.get("procedure") else [],
            "countries": [data["country"]] if data.get("country") else [],
            "cities": [data["city"]] if data.get("city") else [],
        }
