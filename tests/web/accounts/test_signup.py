"""Signing up as a patient and confirming the e-mail address with the link that arrives by e-mail."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from accounts_testkit import PASSWORD, last_link, path_of, sign_in
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from spinepath.web.accounts.models import Role
from spinepath.web.accounts.verification import VERIFICATION_MAX_AGE, is_verified, make_token
from spinepath.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

SIGNUP = "/en/account/sign-up/"
DONE = "/en/account/sign-up/check-your-email/"
User = get_user_model()


def sign_up(client: Client, **fields: str) -> Any:
    data = {"email": "New.Patient@Example.org", "display_name": "Ayşe", "password": PASSWORD,
            "password_again": PASSWORD, **fields}
    return client.post(SIGNUP, data)


def test_signing_up_creates_an_unverified_patient_with_a_lower_case_email_and_an_argon2_hash(client: Client):
    response = sign_up(client)

    assert response.status_code == 302 and response["Location"] == DONE
    user = User.objects.get()
    assert user.username == user.email == "new.patient@example.org"
    assert user.password.startswith("argon2")
    assert user.profile.role == Role.PATIENT
    assert user.profile.display_name == "Ayşe"
    assert user.profile.preferred_language == "en"
    assert not is_verified(user)
    assert "_auth_user_id" not in client.session  # signs in separately, after reading the e-mail


def test_the_verification_link_from_the_email_confirms_the_address(client: Client):
    sign_up(client)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.patient@example.org"]
    assert "Confirm your e-mail address" in message.subject
    link = last_link(r"https?://\S+/verify/\S+/")
    assert "example.org" not in link.lower()  # the token never carries the address

    response = client.get(path_of(link))

    assert response.status_code == 302 and response["Location"] == "/en/account/sign-in/"
    user = User.objects.get()
    assert is_verified(user)
    assert AuditEvent.objects.filter(action="change", object_id=str(user.pk), detail="e-mail address verified").exists()


def test_an_unverified_patient_can_sign_in_and_is_told_to_confirm(client: Client):
    sign_up(client)
    response = sign_in(client, "new.patient@example.org")
    assert response.status_code == 302
    page = client.get("/en/account/me/").content.decode()
    assert "not yet confirmed" in page
    assert "you can send a request only after that" in page


@pytest.mark.parametrize(("fields", "field", "message"), [
    pytest.param({"email": "not-an-address"}, "email", "Enter a valid email address.", id="bad-email"),
    pytest.param({"email": ""}, "email", "Enter your e-mail address.", id="no-email"),
    pytest.param({"password": "short", "password_again": "short"}, "password", "too short", id="short-password"),
    pytest.param({"password": "1234567890123", "password_again": "1234567890123"}, "password", "entirely numeric",
                 id="numeric-password"),
    pytest.param({"password_again": PASSWORD + "x"}, "password_again", "not the same", id="passwords-differ"),
    pytest.param({"email": "new.patient@example.org", "password": "new.patient@example.org",
                  "password_again": "new.patient@example.org"}, "password", "too similar", id="password-is-email"),
])
def test_a_form_with_errors_says_what_is_wrong_beside_the_field_and_keeps_what_was_typed(
        client: Client, fields: dict[str, str], field: str, message: str):
    response = sign_up(client, **fields)

    assert response.status_code == 400
    html = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary is not None and f'href="#id_{field}"' in summary.group(0) and message in summary.group(0)
    beside = re.search(rf'<p class="error-message" id="id_{field}_error">(.*?)</p>', html, re.S)
    assert beside is not None and message in beside.group(1)
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in html or \
        f'aria-describedby="id_{field}_error"' in html
    assert 'value="Ayşe"' in html  # kept
    assert PASSWORD not in html  # passwords are never sent back
    assert User.objects.count() == 0 and not mail.outbox


def test_every_field_has_a_label_and_an_autocomplete_purpose(client: Client):
    html = client.get(SIGNUP).content.decode()
    for name, purpose in [("email", "email"), ("display_name", "nickname"), ("password", "new-password"),
                          ("password_again", "new-password")]:
        assert f'<label for="id_{name}">' in html
        assert re.search(rf'<input[^>]*autocomplete="{purpose}"[^>]*name="{name}"', html) or \
            re.search(rf'<input[^>]*name="{name}"[^>]*autocomplete="{purpose}"', html), name


def test_signing_up_with_a_known_address_looks_the_same_but_tells_the_owner_instead(client: Client, make_user):
    owner = make_user(email="taken@example.org")
    response = sign_up(client, email="TAKEN@example.org")

    assert response.status_code == 302 and response["Location"] == DONE
    assert User.objects.count() == 1
    assert mail.outbox[0].to == ["taken@example.org"]
    assert "already have" in mail.outbox[0].subject
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)  # nothing about the account changed


@pytest.mark.parametrize(("token_for", "age", "expired"), [
    pytest.param("tampered", datetime.timedelta(0), False, id="tampered"),
    pytest.param("other-address", datetime.timedelta(0), False, id="address-changed-since"),
    pytest.param("same", VERIFICATION_MAX_AGE + datetime.timedelta(minutes=1), True, id="expired"),
])
def test_a_bad_or_old_link_does_not_verify_and_offers_a_new_one(client: Client, make_user, monkeypatch,
                                                               token_for: str, age: datetime.timedelta, expired: bool):
    user = make_user(verified=False)
    token = make_token(user)
    if token_for == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif token_for == "other-address":
        user.email = user.username = "changed@example.org"
        user.save()
    if age:
        later = timezone.now().timestamp() + age.total_seconds()
        monkeypatch.setattr(signing.time, "time", lambda: later)

    response = client.get(f"/en/account/verify/{token}/")

    assert response.status_code == 400
    html = response.content.decode()
    assert "This link does not work" in html
    assert ("has expired" in html) is expired
    assert "Send a new link" in html
    user.refresh_from_db()
    assert not is_verified(user)


def test_a_signed_in_patient_can_ask_for_a_new_link_but_not_twice_a_minute(client: Client, make_user):
    user = make_user(verified=False)
    client.force_login(user)

    first = client.post("/en/account/verify/resend/", follow=True)
    second = client.post("/en/account/verify/resend/", follow=True)

    assert len(mail.outbox) == 1
    assert "We have sent a new link" in first.content.decode()
    assert "less than a minute ago" in second.content.decode()
    client.get(path_of(last_link()))
    user.refresh_from_db()
    assert is_verified(user)


@pytest.mark.parametrize("known", [True, False], ids=["unverified-account", "no-account"])
def test_asking_for_a_new_link_while_signed_out_never_says_whether_the_address_has_an_account(
        client: Client, make_user, known: bool):
    if known:
        make_user(verified=False, email="someone@example.org")
    response = client.post("/en/account/verify/resend/", {"email": "someone@example.org"}, follow=True)
    assert "If that address has an account that is not yet confirmed" in response.content.decode()
    assert len(mail.outbox) == (1 if known else 0)


def test_is_verified_is_false_for_visitors_and_true_once_confirmed(make_user):
    from django.contrib.auth.models import AnonymousUser

    assert not is_verified(AnonymousUser())
    assert not is_verified(None)
    assert is_verified(make_user(verified=True))
    assert not is_verified(make_user(verified=False))
