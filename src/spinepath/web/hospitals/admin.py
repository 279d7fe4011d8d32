"""The directory is managed in the Django admin: organisations, and hospitals with their accreditations (and a
warning when one has expired or runs out within EXPIRY_WARNING_DAYS), procedures and languages."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .directory import procedure_name
from .models import (
    EXPIRY_WARNING_DAYS,
    PROCEDURE_CHOICES,
    Accreditation,
    AccreditationStatus,
    Hospital,
    HospitalProcedure,
    Organisation,
)

# A BCP 47 tag as far as the directory needs: a primary language and optional subtags ("en", "pt-BR", "zh-Hant").
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class LanguagesField(forms.CharField):
    """Hospital.languages (a JSON list of codes) edited as "en, tr, ar"."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        codes: list[str] = []
        for part in text.split(","):
            code = part.strip()
            if code and code not in codes:
                codes.append(code)
        return codes

    def validate(self, value: Any) -> None:
        super().validate(value)
        wrong = [code for code in value if not _LANGUAGE_TAG.match(code)]
        if wrong:
            raise forms.ValidationError(
                _("Not a language code: %(codes)s. Use codes such as en, tr, hi, ar, separated by commas."),
                params={"codes": ", ".join(wrong)}, code="language_code")


class HospitalForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    languages = LanguagesField(
        label=_("Languages spoken"), required=False,
        help_text=_("Language codes separated by commas, e.g. en, tr, ar."))

    class Meta:
        model = Hospital
        fields = "__all__"

    def clean_country_code(self) -> str:
        code = (self.cleaned_data.get("country_code") or "").upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise forms.ValidationError(_("Two letters (ISO 3166-1 alpha-2), e.g. TR or IN."))
        return code


def accreditation_warning(accreditation: Accreditation, today: datetime.date) -> str:
    status = accreditation.status_on(today)
    if status == AccreditationStatus.EXPIRED:
        return str(_("Expired"))
    if status == AccreditationStatus.EXPIRING:
        days = (accreditation.expires_on - today).days
        return ngettext("Expires in %(days)d day", "Expires in %(days)d days", days) % {"days": days}
    return str(status.label)


class AccreditationInline(admin.TabularInline):
    model = Accreditation
    extra = 0
    fields = ["body", "valid_from", "expires_on", "status"]
    readonly_fields = ["status"]

    @admin.display(description=_("status"))
    def status(self, accreditation: Accreditation) -> str:
        if accreditation.pk is None:
            return ""
        return accreditation_warning(accreditation, timezone.localdate())


def _procedure_choices() -> list[tuple[str, str]]:
    # Knowledge-base names (in the admin's language) rather than bare ids.
    return [(procedure_id, procedure_name(procedure_id)) for procedure_id, _label in PROCEDURE_CHOICES]


class HospitalProcedureInline(admin.TabularInline):
    model = HospitalProcedure
    extra = 0

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "procedure_id":
            kwargs["choices"] = [("", "---------"), *_procedure_choices()]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class ProcedureFilter(admin.SimpleListFilter):
    title = _("procedure offered")
    parameter_name = "procedure"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return _procedure_choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet[Hospital]) -> QuerySet[Hospital]:
        if self.value():
            return queryset.filter(procedures__procedure_id=self.value()).distinct()
        return queryset


class AccreditationAttentionFilter(admin.SimpleListFilter):
    title = _("accreditation")
    parameter_name = "accreditation"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("attention", _("expired or expiring within %(days)d days") % {"days": EXPIRY_WARNING_DAYS})]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Hospital]) -> QuerySet[Hospital]:
        if self.value() == "attention":
            soon = timezone.localdate() + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
            return queryset.filter(accreditations__expires_on__lte=soon).distinct()
        return queryset


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    form = HospitalForm
    list_display = ["name", "city", "country", "is_active", "accreditation_attention"]
    list_filter = ["is_active", "country", "city", ProcedureFilter, AccreditationAttentionFilter, "organisation"]
    search_fields = ["name", "city", "country"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AccreditationInline, HospitalProcedureInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Hospital]:
        return super().get_queryset(request).prefetch_related("accreditations")

    @admin.display(description=_("accreditation needs attention"))
    def accreditation_attention(self, hospital: Hospital) -> str:
        """Each accreditation that has expired or expires within EXPIRY_WARNING_DAYS, e.g. "JCI: Expired"."""
        today = timezone.localdate()
        attention = [a for a in hospital.accreditations.all()
                     if a.status_on(today) in (AccreditationStatus.EXPIRED, AccreditationStatus.EXPIRING)]
        if not attention:
            return "—"
        return format_html_join(
            ", ", "⚠ {}: {}", ((a.body, accreditation_warning(a, today)) for a in attention))


class HospitalInline(admin.TabularInline):
    model = Hospital
    fields = ["name", "city", "country", "is_active"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_email"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [HospitalInline]
