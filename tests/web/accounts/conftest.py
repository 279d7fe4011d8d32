"""Accounts tests: people of every role, their authenticator codes, and the e-mails they receive (Django's test
set-up swaps the file e-mail backend for ``mail.outbox``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from accounts_testkit import PASSWORD
from django.contrib.auth import get_user_model
from django.core.cache import cache

from spinepath.web.accounts.models import Role
from spinepath.web.hospitals.models import Hospital, Organisation


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The resend throttle lives in the cache, which outlives a test's database transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def organisation(db: None) -> Organisation:
    return Organisation.objects.create(name="Accounts test coordination", slug="accounts-test")


@pytest.fixture
def hospital(organisation: Organisation) -> Hospital:
    return Hospital.objects.create(organisation=organisation, name="Accounts Test Hospital", slug="accounts-test-h",
                                   city="Ankara", country="Turkey", country_code="TR")


@pytest.fixture
def make_user(organisation: Organisation, hospital: Hospital) -> Callable[..., Any]:
    counter = iter(range(1, 1000))

    def make(role: str = Role.PATIENT, *, verified: bool = True, email: str | None = None,
             password: str = PASSWORD) -> Any:
        address = email or f"{role}-{next(counter)}@example.org"
        is_admin = role == Role.ADMIN
        user = get_user_model().objects.create_user(username=address, email=address, password=password,
                                                    is_staff=is_admin, is_superuser=is_admin)
        profile = user.profile
        profile.role = role
        profile.organisation = organisation if role == Role.COORDINATOR else None
        profile.hospital = hospital if role == Role.SURGEON else None
        if verified:
            from django.utils import timezone

            profile.email_verified_at = timezone.now()
        profile.save()
        return user

    return make
