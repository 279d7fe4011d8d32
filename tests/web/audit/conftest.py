"""Users of every role for the audit tests, and a client signed in as one (admins with a verified second step)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from spinepath.web.accounts.models import Role
from spinepath.web.hospitals.models import Hospital, Organisation


@pytest.fixture
def make_user(db: None) -> Callable[[str], object]:
    organisation = Organisation.objects.create(name="Audit test coordination", slug="audit-test")
    hospital = Hospital.objects.create(organisation=organisation, name="Audit Test Hospital", slug="audit-test",
                                       city="Izmir", country="Turkey", country_code="TR")

    def make(role: str) -> object:
        user = get_user_model().objects.create_user(username=f"{role}@example.org", email=f"{role}@example.org",
                                                    password=None)  # unusable: no slow hashing
        profile = user.profile
        profile.role = role
        profile.organisation = organisation if role == Role.COORDINATOR else None
        profile.hospital = hospital if role == Role.SURGEON else None
        profile.save()
        return user

    return make


def sign_in(client: Client, user: object, *, second_step: bool = True) -> Client:
    """``client`` signed in as ``user``; an admin's session also confirmed with an authenticator code."""
    client.force_login(user)
    if second_step:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def signed_in(client: Client, make_user: Callable[[str], object]) -> Callable[..., Client]:
    """``signed_in("admin")``: the test client signed in as a new user with that role (or anonymous for None)."""

    def sign_in_as(role: str | None, *, second_step: bool = True) -> Client:
        if role is None:
            return client
        return sign_in(client, make_user(role), second_step=second_step)

    return sign_in_as


@pytest.fixture
def admin(signed_in: Callable[..., Client]) -> Client:
    return signed_in(Role.ADMIN)


@pytest.fixture
def admin_client(client: Client, admin_user: object) -> Client:
    """pytest-django's admin client, with the second step confirmed (the admin site is django-otp's)."""
    return sign_in(client, admin_user)
