"""Resetting a forgotten password with the e-mailed link, and changing it when signed in."""

from __future__ import annotations

import pytest
from accounts_testkit import PASSWORD, last_link, path_of, sign_in
from django.conf import settings
from django.core import mail
from django.test import Client

from spinepath.web.accounts.verification import is_verified
from spinepath.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

RESET = "/en/account/password/reset/"
NEW_PASSWORD = "another-quite-long-passphrase-9"


def test_a_reset_link_arrives_by_email_and_sets_a_new_password(client: Client, make_user):
    user = make_user(verified=False)

    response = client.post(RESET, {"email": user.email.upper()})

    assert response["Location"] == "/en/account/password/reset/sent/"
    assert mail.outbox[0].to == [user.email]
    assert "Choose a new password" in mail.outbox[0].subject
    link = path_of(last_link(r"https?://\S+/password/reset/\S+/"))
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    form_url = form_page.redirect_chain[-1][0]

    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done["Location"] == "/en/account/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and user.password.startswith("argon2")
    assert is_verified(user)  # the link reached them
    assert "password was changed" in mail.outbox[-1].subject
    assert AuditEvent.objects.filter(object_id=str(user.pk), detail="password set with an e-mailed link").exists()
    # The link works once.
    again = client.get(link, follow=True)
    assert "This link does not work" in again.content.decode()


def test_an_unknown_address_gets_the_same_page_and_no_email(client: Client):
    response = client.post(RESET, {"email": "nobody@example.org"})
    assert response["Location"] == "/en/account/password/reset/sent/"
    assert mail.outbox == []


def test_a_new_password_ends_a_lockout(client: Client, make_user):
    user = make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, user.email, "wrong-password")
    assert sign_in(client, user.email).status_code == 429

    client.post(RESET, {"email": user.email})
    form_url = client.get(path_of(last_link(r"https?://\S+/password/reset/\S+/")), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(("data", "field", "message"), [
    pytest.param({"new_password1": "short", "new_password2": "short"}, "new_password2", "too short", id="short"),
    pytest.param({"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}, "new_password2",
                 "didn’t match", id="mismatch"),
])
def test_a_weak_or_mistyped_new_password_is_explained(client: Client, make_user, data: dict[str, str], field: str,
                                                     message: str):
    user = make_user()
    client.post(RESET, {"email": user.email})
    form_url = client.get(path_of(last_link(r"https?://\S+/password/reset/\S+/")), follow=True).redirect_chain[-1][0]
    response = client.post(form_url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert 'class="error-summary"' in html


def test_changing_the_password_when_signed_in(client: Client, make_user):
    user = make_user()
    client.force_login(user)

    wrong = client.post("/en/account/password/change/", {"old_password": "not-it", "new_password1": NEW_PASSWORD,
                                                         "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 400 and 'id="id_old_password_error"' in wrong.content.decode()

    right = client.post("/en/account/password/change/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                         "new_password2": NEW_PASSWORD}, follow=True)
    assert "Your password has been changed." in right.content.decode()
    assert "_auth_user_id" in client.session  # still signed in
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "password was changed" in mail.outbox[-1].subject
    assert AuditEvent.objects.filter(actor_id=user.pk, detail="password changed").exists()
