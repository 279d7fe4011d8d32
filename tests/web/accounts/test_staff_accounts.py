"""Staff accounts: made by admins in the Django admin (Profile inline, role rules) or with
``manage.py create_staff``, which prints a one-time link to set a password and never a password."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from accounts_testkit import add_device, sign_in
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from spinepath.web.accounts.models import Role
from spinepath.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "a-staff-members-own-passphrase-3"


def create_staff(*args: str) -> str:
    out = StringIO()
    call_command("create_staff", *args, "--base-url", "https://spinepath.example", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("args", "role", "where"), [
    pytest.param(["--role", "coordinator", "--organisation-slug", "accounts-test"], Role.COORDINATOR, "organisation",
                 id="coordinator"),
    pytest.param(["--role", "surgeon", "--hospital-slug", "accounts-test-h"], Role.SURGEON, "hospital", id="surgeon"),
    pytest.param(["--role", "admin"], Role.ADMIN, None, id="admin"),
])
def test_create_staff_prints_a_one_time_link_that_sets_the_password(client: Client, hospital, args: list[str],
                                                                    role: str, where: str | None):
    out = create_staff("--email", "New.Staff@Example.org", *args)

    user = User.objects.get(username="new.staff@example.org")
    assert user.email == "new.staff@example.org"
    assert user.profile.role == role
    assert not user.has_usable_password()
    assert (user.is_staff, user.is_superuser) == ((True, True) if role == Role.ADMIN else (False, False))
    if where:
        assert getattr(user.profile, where) is not None
    assert "new.staff" not in out.lower()
    link = re.search(r"https://spinepath\.example(/en/account/password/reset/\S+/\S+/)", out)
    assert link, out
    assert AuditEvent.objects.filter(action="create", object_id=str(user.pk)).exists()

    form_url = client.get(link.group(1), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "This link does not work" in client.get(link.group(1), follow=True).content.decode()  # used once


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(["--email", "c@example.org", "--role", "coordinator"], "needs --organisation-slug",
                 id="coordinator-without-organisation"),
    pytest.param(["--email", "s@example.org", "--role", "surgeon"], "needs --hospital-slug",
                 id="surgeon-without-hospital"),
    pytest.param(["--email", "s@example.org", "--role", "surgeon", "--hospital-slug", "nowhere"], "no hospital",
                 id="unknown-hospital"),
    pytest.param(["--email", "not-an-address", "--role", "admin"], "not a valid e-mail", id="bad-address"),
    pytest.param(["--email", "Taken@example.org", "--role", "admin"], "already exists", id="existing-account"),
])
def test_create_staff_refuses_an_incomplete_account(make_user, hospital, args: list[str], message: str):
    make_user(email="taken@example.org")
    with pytest.raises(CommandError, match=message):
        create_staff(*args)
    assert not User.objects.filter(username__in=["c@example.org", "s@example.org"]).exists()


# ---- the Django admin ------------------------------------------------------------------------------------------

@pytest.fixture
def admin_client(client: Client, make_user: Any) -> Client:
    admin = make_user(Role.ADMIN)
    client.force_login(admin)
    device = add_device(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def profile_form(user: Any, **profile: Any) -> dict[str, Any]:
    data = {
        "username": user.username, "email": user.email, "is_active": "on", "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "1", "profile-MIN_NUM_FORMS": "1",
        "profile-MAX_NUM_FORMS": "1", "profile-0-id": str(user.profile.pk), "profile-0-user": str(user.pk),
        "profile-0-role": "patient", "profile-0-organisation": "", "profile-0-hospital": "",
        "profile-0-display_name": "", "profile-0-preferred_language": "",
    }
    data.update({f"profile-0-{key}": value for key, value in profile.items()})
    return data


@pytest.mark.parametrize(("profile", "error"), [
    pytest.param({"role": "surgeon"}, "A surgeon must belong to a hospital.", id="surgeon-needs-hospital"),
    pytest.param({"role": "coordinator"}, "A coordinator must belong to an organisation.",
                 id="coordinator-needs-organisation"),
])
def test_the_admin_refuses_a_surgeon_without_a_hospital_and_a_coordinator_without_an_organisation(
        admin_client: Client, make_user, profile: dict[str, str], error: str):
    user = make_user(Role.PATIENT)
    response = admin_client.post(f"/admin/auth/user/{user.pk}/change/", profile_form(user, **profile))
    assert response.status_code == 200
    assert error in response.content.decode()
    user.profile.refresh_from_db()
    assert user.profile.role == Role.PATIENT


def test_the_admin_makes_someone_a_surgeon_of_a_hospital(admin_client: Client, make_user, hospital):
    user = make_user(Role.PATIENT)
    response = admin_client.post(f"/admin/auth/user/{user.pk}/change/",
                                 profile_form(user, role="surgeon", hospital=str(hospital.pk)))
    assert response.status_code == 302
    user.profile.refresh_from_db()
    assert (user.profile.role, user.profile.hospital) == (Role.SURGEON, hospital)
    assert AuditEvent.objects.filter(object_id=str(user.pk), detail__contains="role=surgeon").exists()


def test_the_admin_adds_a_user_by_email_and_sends_a_password_link(admin_client: Client):
    response = admin_client.post("/admin/auth/user/add/", {"username": "Dr.Who@Example.org",
                                                           "usable_password": "false"})
    assert response.status_code == 302
    user = User.objects.get(username="dr.who@example.org")
    assert user.email == "dr.who@example.org" and not user.has_usable_password()

    admin_client.post("/admin/auth/user/", {"action": "send_password_link", "_selected_action": [str(user.pk)]})

    assert mail.outbox[-1].to == ["dr.who@example.org"]
    assert "/en/account/password/reset/" in mail.outbox[-1].body


def test_the_admin_user_list_needs_a_verified_admin(client: Client, make_user):
    admin = make_user(Role.ADMIN)
    sign_in(client, admin.email)  # no device yet
    assert client.get("/admin/auth/user/").status_code == 302
