"""``manage.py seed_demo``: fictional demo hospitals and one account per role, idempotent, never in production."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from spinepath.web.accounts.models import Profile, Role
from spinepath.web.hospitals.models import Accreditation, Hospital, HospitalProcedure, Organisation

pytestmark = pytest.mark.django_db

MODELS = [Organisation, Hospital, Accreditation, HospitalProcedure, get_user_model(), Profile]


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_running_it_twice_changes_nothing():
    first_output = seed()
    after_first = counts()
    passwords = {user.username: user.password for user in get_user_model().objects.all()}

    second_output = seed()

    assert counts() == after_first
    assert after_first["Organisation"] == 1 and after_first["Hospital"] == 2 and after_first["User"] == 5
    assert {user.username: user.password for user in get_user_model().objects.all()} == passwords
    assert "password is shown this once" in first_output
    assert "password is shown this once" not in second_output
    assert "passwords unchanged" in second_output


def test_the_printed_passwords_are_the_accounts_passwords():
    output = seed()

    lines = [line.split() for line in output.splitlines() if "@demo.spinepath.invalid" in line]
    assert len(lines) == 5
    for _role, email, password in lines:
        assert get_user_model().objects.get(username=email).check_password(password), email


@pytest.mark.parametrize(("email", "role", "hospital_city"), [
    ("coordinator@demo.spinepath.invalid", Role.COORDINATOR, None),
    ("surgeon.istanbul@demo.spinepath.invalid", Role.SURGEON, "Istanbul"),
    ("surgeon.lucknow@demo.spinepath.invalid", Role.SURGEON, "Lucknow"),
    ("admin@demo.spinepath.invalid", Role.ADMIN, None),
    ("patient@demo.spinepath.invalid", Role.PATIENT, None),
])
def test_each_demo_account_has_its_role(email, role, hospital_city):
    seed()

    profile = Profile.objects.select_related("hospital", "organisation").get(user__username=email)
    assert profile.role == role
    assert (profile.hospital.city if profile.hospital else None) == hospital_city
    assert (profile.organisation is not None) == (role == Role.COORDINATOR)
    assert profile.user.is_superuser == (role == Role.ADMIN)


def test_the_demo_hospitals_are_marked_fictional_with_accreditations_procedures_and_languages():
    seed()

    for hospital in Hospital.objects.all():
        assert hospital.name.startswith("Demo ")
        assert "Fictional" in hospital.description
        assert hospital.accreditations.exists() and hospital.procedures.exists() and hospital.languages
    assert {h.city: h.country_code for h in Hospital.objects.all()} == {"Istanbul": "TR", "Lucknow": "IN"}
    assert set(Accreditation.objects.values_list("body", flat=True)) == {"JCI", "NABH"}


def test_reset_passwords_gives_new_ones():
    seed()
    before = dict(get_user_model().objects.values_list("username", "password"))

    output = seed("--reset-passwords")

    after = dict(get_user_model().objects.values_list("username", "password"))
    assert all(before[name] != after[name] for name in before)
    assert "password is shown this once" in output


@override_settings(PRODUCTION=True)
def test_it_refuses_to_run_in_production():
    with pytest.raises(CommandError, match="refused"):
        seed()

    assert all(count == 0 for count in counts().values())
