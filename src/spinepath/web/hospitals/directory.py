"""The partner-hospital directory as the rest of the web app reads it.

:func:`hospitals_offering` is the one question others ask: which active hospitals offer these procedures, in
these countries or cities. The public pages, the patient's choice of hospitals to consent to and the
coordinators' routing all use it, so "who is listed" is decided here only: an inactive hospital is never offered.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf.locale import LANG_INFO
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext

from spinepath.core.assessment import PROCEDURE_IDS
from spinepath.core.knowledge import load_knowledge

from .models import Accreditation, AccreditationStatus, Hospital, HospitalProcedure

__all__ = [
    "AccreditationShown",
    "accreditations_shown",
    "cities",
    "countries",
    "hospitals_offering",
    "language_name",
    "partner_hospitals",
    "procedure_name",
    "procedures_offered",
]


def partner_hospitals() -> QuerySet[Hospital]:
    """Every hospital shown to the public and offered for requests: active ones only, with what the pages show."""
    return (
        Hospital.objects.filter(is_active=True)
        .select_related("organisation")
        .prefetch_related(
            Prefetch("procedures", queryset=HospitalProcedure.objects.order_by("procedure_id")),
            Prefetch("accreditations", queryset=Accreditation.objects.order_by("body", "expires_on")),
        )
        .order_by("country", "city", "name")
    )


def hospitals_offering(
    procedure_ids: Iterable[str],
    countries: Iterable[str] | None = None,
    cities: Iterable[str] | None = None,
) -> QuerySet[Hospital]:
    """Active hospitals offering **any** of ``procedure_ids`` (knowledge-base ids), in any of ``countries``
    (ISO 3166-1 alpha-2 codes, any case) and any of ``cities`` (names, any case).

    An empty ``procedure_ids`` does not filter by procedure; ``None`` or empty ``countries`` / ``cities`` do not
    filter by place. Ordered by country, city and name, with procedures and accreditations prefetched.
    """
    hospitals = partner_hospitals()
    wanted_procedures = sorted(set(procedure_ids))
    if wanted_procedures:
        hospitals = hospitals.filter(
            pk__in=HospitalProcedure.objects.filter(procedure_id__in=wanted_procedures).values("hospital_id"))
    if place := _any_of("country_code", {code.strip().upper() for code in countries or () if code.strip()}):
        hospitals = hospitals.filter(place)
    if place := _any_of("city", {city.strip() for city in cities or () if city.strip()}):
        hospitals = hospitals.filter(place)
    return hospitals


def _any_of(field: str, values: set[str]) -> Q | None:
    if not values:
        return None
    return reduce(or_, (Q(**{f"{field}__iexact": value}) for value in sorted(values)))


def countries() -> list[tuple[str, str]]:
    """(code, name) of every country with an active hospital, by name: the choices of the directory's filter."""
    rows = Hospital.objects.filter(is_active=True).values_list("country_code", "country").distinct()
    return sorted({(code.upper(), name) for code, name in rows}, key=lambda row: row[1])


def cities() -> list[str]:
    """Every city with an active hospital, by name."""
    return sorted(set(Hospital.objects.filter(is_active=True).values_list("city", flat=True)))


def procedures_offered(hospital: Hospital) -> list[str]:
    """The procedure ids a hospital offers, in the knowledge base's order (non-surgical care first)."""
    order = {procedure_id: index for index, procedure_id in enumerate(PROCEDURE_IDS)}
    return sorted(hospital.procedure_ids, key=lambda procedure_id: order.get(procedure_id, len(order)))


def procedure_name(procedure_id: str, *, short: bool = False) -> str:
    """A procedure's name in the current language, from the knowledge base (the id itself if it is unknown)."""
    procedures = load_knowledge().procedures
    if procedure_id not in procedures:
        return procedure_id
    procedure = procedures[procedure_id]
    return gettext(procedure.short_name if short else procedure.name)


def language_name(code: str) -> str:
    """A BCP 47 language code as a name in the current language ("tr" -> "Turkish", or "Türkçe" in Turkish);
    a code Django does not know is shown as it is."""
    info = LANG_INFO.get(code.lower()) or LANG_INFO.get(code.split("-")[0].lower())
    if info is not None and "fallback" in info:
        info = LANG_INFO.get(info["fallback"][0])
    if info is None or "name" not in info:
        return code
    return gettext(info["name"])


@dataclass(frozen=True, slots=True)
class AccreditationShown:
    body: str
    valid_from: datetime.date | None
    expires_on: datetime.date
    status: AccreditationStatus

    @property
    def is_current(self) -> bool:
        return self.status in (AccreditationStatus.CURRENT, AccreditationStatus.EXPIRING)

    @property
    def is_expired(self) -> bool:
        return self.status == AccreditationStatus.EXPIRED


def accreditations_shown(hospital: Hospital, on: datetime.date) -> list[AccreditationShown]:
    """A hospital's accreditations as the public page shows them on ``on``: current ones first."""
    shown = [AccreditationShown(a.body, a.valid_from, a.expires_on, a.status_on(on))
             for a in hospital.accreditations.all()]
    return sorted(shown, key=lambda a: (not a.is_current, a.body, a.expires_on))
