"""Fixtures for recovery tracking: an organisation with two hospitals, a coordinator and a surgeon at each, patients
whose requests ended with an accepted plan (made with the ORM, as the request workflow leaves them), and a clock the
test moves forward (``move_to``) instead of sleeping. Everything else is real: PostgreSQL, sessions, tasks run at
once, e-mails in Django's test outbox.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from spinepath.web.accounts.models import Role
from spinepath.web.care.models import HospitalResponse, RequestStatus, Routing, RoutingStatus, TreatmentRequest
from spinepath.web.hospitals.models import Hospital, Organisation
from spinepath.web.outcomes import clock

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
OPERATION_DAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def move_to(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime.date], None]:
    """Set the site's "today" (clock.today) to a date; call again to move on."""

    def move(day: datetime.date) -> None:
        monkeypatch.setattr(clock, "today", lambda: day)

    move(OPERATION_DAY - datetime.timedelta(days=10))
    return move


def _user(email: str, role: str, **profile: Any) -> Any:
    user = get_user_model().objects.create_user(username=email, email=email, password="x" * 20)
    user.profile.role = role
    user.profile.email_verified_at = timezone.now()
    for name, value in profile.items():
        setattr(user.profile, name, value)
    user.profile.save()
    return user


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    organisation = Organisation.objects.create(name="Spine Partners", slug="spine-partners")
    other_org = Organisation.objects.create(name="Elsewhere", slug="elsewhere")

    def hospital(slug: str, name: str, org: Organisation = organisation) -> Hospital:
        return Hospital.objects.create(organisation=org, name=name, slug=slug, city="Istanbul", country="Türkiye",
                                       country_code="TR")

    istanbul, ankara = hospital("ist", "Bosphorus Spine"), hospital("ank", "Ankara Omurga")
    return {
        "organisation": organisation, "istanbul": istanbul, "ankara": ankara,
        "coordinator": _user("coord@example.org", Role.COORDINATOR, organisation=organisation),
        "other_coordinator": _user("coord@elsewhere.example", Role.COORDINATOR, organisation=other_org),
        "surgeon": _user("surgeon@ist.example", Role.SURGEON, hospital=istanbul),
        "other_surgeon": _user("surgeon@ank.example", Role.SURGEON, hospital=ankara),
    }


@pytest.fixture
def make_patient(world: dict[str, Any]) -> Callable[..., Any]:
    count = iter(range(1, 1000))

    def make() -> Any:
        return _user(f"patient{next(count)}@example.org", Role.PATIENT)

    return make


def accepted_request(patient: Any, world: dict[str, Any], hospital: str = "istanbul",
                     procedure: str = "microdiscectomy", intake: dict[str, Any] | None = None) -> TreatmentRequest:
    """A request whose plan from ``hospital`` the patient accepted."""
    request_obj = TreatmentRequest.objects.create(
        patient=patient, organisation=world["organisation"], kind="treatment_plan", status=RequestStatus.ACCEPTED,
        intake=intake or {"symptoms": {"back_pain": 6, "leg_pain": 8}}, urgency="routine",
        submitted_at=timezone.now())
    routing = Routing.objects.create(request=request_obj, hospital=world[hospital], status=RoutingStatus.ACCEPTED)
    HospitalResponse.objects.create(
        routing=routing, kind="plan", procedure_id=procedure, anaesthesia="general", expected_stay_nights=1,
        cost_min=Decimal(1000), cost_max=Decimal(2000), currency="EUR", earliest_date=OPERATION_DAY,
        valid_until=OPERATION_DAY, accepted_at=timezone.now())
    return request_obj


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
