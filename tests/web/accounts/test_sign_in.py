"""Signing in and out: the lockout after 5 failures, the audit trail (never an address in it), Argon2 hashes."""

from __future__ import annotations

import re

import pytest
from accounts_testkit import LOGIN, PASSWORD, sign_in
from django.conf import settings
from django.test import Client

from spinepath.web.accounts.models import Role
from spinepath.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def audit_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="account").order_by("id"))


def no_address_anywhere(events: list[AuditEvent], *addresses: str) -> bool:
    for event in events:
        text = " ".join(str(getattr(event, field.name)) for field in AuditEvent._meta.fields).lower()
        if "@" in text or any(address.lower() in text for address in addresses):
            return False
    return True


@pytest.mark.parametrize("typed", ["patient@example.org", "  Patient@Example.ORG "], ids=["as-stored", "any-case"])
def test_signing_in_with_the_email_and_password_goes_to_the_signed_in_home(client: Client, make_user, typed: str):
    make_user(email="patient@example.org")
    response = sign_in(client, typed)
    assert response.status_code == 302 and response["Location"] == "/en/account/"
    assert client.session["_auth_user_id"]


def test_signing_in_follows_a_safe_next_and_ignores_another_site(client: Client, make_user):
    user = make_user()
    assert sign_in(client, user.email, next="/en/account/me/")["Location"] == "/en/account/me/"
    client.logout()
    assert sign_in(client, user.email, next="https://evil.example/")["Location"] == "/en/account/"


def test_the_stored_hash_is_argon2(make_user):
    assert make_user().password.startswith("argon2")


def test_a_wrong_password_says_so_without_saying_whether_the_account_exists(client: Client, make_user):
    user = make_user()
    wrong = sign_in(client, user.email, "not-the-password").content.decode()
    unknown = sign_in(client, "nobody@example.org", "not-the-password").content.decode()
    message = "The e-mail address or the password is not right."
    assert message in wrong and message in unknown
    assert 'value="nobody@example.org"' in unknown  # kept...
    assert "not-the-password" not in unknown  # ...except the password
    assert re.search(r'<input[^>]*autocomplete="current-password"', wrong)


def test_five_failures_lock_the_account_for_30_minutes_with_a_clear_page(client: Client, make_user):
    user = make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, user.email, "wrong-password").status_code == 400

    fifth = sign_in(client, user.email, "wrong-password")
    # Even the right password is refused while locked out.
    sixth = sign_in(client, user.email, PASSWORD)

    for response in (fifth, sixth):
        assert response.status_code == 429
        html = response.content.decode()
        assert "Signing in is paused" in html
        assert "There were 5 attempts to sign in with a wrong password" in html
        assert "paused for 30 minutes" in html
        assert "Reset your password" in html
        assert user.email not in html
    assert "_auth_user_id" not in client.session
    assert audit_events()[-1].detail == "locked out"


def test_another_account_from_the_same_address_is_not_locked(client: Client, make_user):
    locked, other = make_user(), make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, locked.email, "wrong-password")
    assert sign_in(client, other.email).status_code == 302


@pytest.mark.parametrize(("who", "password", "action", "detail", "has_actor"), [
    pytest.param("known", PASSWORD, "login", "password", True, id="sign-in"),
    pytest.param("known", "wrong-password", "login_failed", "password not accepted", True, id="wrong-password"),
    pytest.param("unknown", "wrong-password", "login_failed", "no such account", False, id="unknown-account"),
])
def test_sign_in_attempts_are_audited_without_the_address(client: Client, make_user, who: str, password: str,
                                                         action: str, detail: str, has_actor: bool):
    user = make_user(role=Role.COORDINATOR)
    email = user.email if who == "known" else "stranger@example.org"

    sign_in(client, email, password)

    [event] = audit_events()
    assert (event.action, event.object_type, event.detail) == (action, "account", detail)
    assert event.actor_id == (user.pk if has_actor else None)
    assert event.actor_role == ("coordinator" if has_actor else "")
    assert event.object_id == (str(user.pk) if has_actor else "")
    assert event.ip_address == "127.0.0.1"
    assert no_address_anywhere([event], email)


def test_signing_out_is_a_post_and_is_audited(client: Client, make_user):
    user = make_user()
    sign_in(client, user.email)

    confirm = client.get("/en/account/sign-out/")
    assert confirm.status_code == 200 and "_auth_user_id" in client.session  # a GET only asks
    response = client.post("/en/account/sign-out/", follow=True)

    assert "_auth_user_id" not in client.session
    assert "You have signed out." in response.content.decode()
    assert [e.action for e in audit_events()] == ["login", "logout"]
    assert audit_events()[-1].actor_id == user.pk
    assert no_address_anywhere(audit_events(), user.email)


def test_no_address_reaches_the_logs(client: Client, make_user, caplog):
    user = make_user()
    caplog.set_level("DEBUG")
    for password in ("wrong-password",) * settings.AXES_FAILURE_LIMIT + (PASSWORD,):
        sign_in(client, user.email, password)
    sign_in(client, "stranger@example.org", "wrong")
    assert "@" not in caplog.text


def test_the_sign_in_page_has_labels_autocomplete_and_the_way_out_of_a_forgotten_password(client: Client):
    html = client.get(LOGIN).content.decode()
    assert '<label for="id_username">E-mail address</label>' in html
    assert re.search(r'<input[^>]*type="email"[^>]*autocomplete="username"|autocomplete="username"[^>]*type="email"',
                     html)
    assert 'href="/en/account/password/reset/"' in html
    assert 'href="/en/account/sign-up/"' in html
