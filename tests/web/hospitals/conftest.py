"""A small directory for the hospital tests: four hospitals of one organisation, one of them inactive."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from spinepath.web.hospitals.models import Accreditation, Hospital, HospitalProcedure, Organisation


@dataclass(frozen=True)
class Row:
    slug: str
    city: str
    country: str
    code: str
    procedures: tuple[str, ...]
    languages: tuple[str, ...] = ("en",)
    active: bool = True


DIRECTORY = (
    Row("bosphorus", "Istanbul", "Turkey", "TR", ("microdiscectomy", "mis_tlif"), ("tr", "en")),
    Row("gomti", "Lucknow", "India", "IN", ("mild", "microdiscectomy"), ("hi", "en")),
    Row("ankara", "Ankara", "Turkey", "TR", ("mild",), ("tr",)),
    Row("closed", "Istanbul", "Turkey", "TR", ("microdiscectomy", "mild"), active=False),
)


@pytest.fixture
def organisation(db: None) -> Organisation:
    return Organisation.objects.create(name="Test coordination", slug="test-coordination")


@pytest.fixture
def directory(organisation: Organisation) -> dict[str, Hospital]:
    hospitals = {}
    for row in DIRECTORY:
        hospital = Hospital.objects.create(
            organisation=organisation, name=f"Test {row.slug.title()} Hospital", slug=row.slug, city=row.city,
            country=row.country, country_code=row.code, languages=list(row.languages), is_active=row.active)
        HospitalProcedure.objects.bulk_create(HospitalProcedure(hospital=hospital, procedure_id=p)
                                              for p in row.procedures)
        hospitals[row.slug] = hospital
    return hospitals


@pytest.fixture
def accredit(db: None) -> Callable[..., Accreditation]:
    """Makes an accreditation dated relative to today (the pages judge it on today's date)."""

    def make(hospital: Hospital, body: str, *, from_days: int | None, until_days: int) -> Accreditation:
        today = timezone.localdate()
        return Accreditation.objects.create(
            hospital=hospital, body=body,
            valid_from=None if from_days is None else today + datetime.timedelta(days=from_days),
            expires_on=today + datetime.timedelta(days=until_days))

    return make


@pytest.fixture
def admin_client(client: Client, admin_user: object) -> Client:
    """pytest-django's admin client, with the second step confirmed (the admin site is django-otp's)."""
    client.force_login(admin_user)
    device = TOTPDevice.objects.create(user=admin_user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
