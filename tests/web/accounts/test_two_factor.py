"""Two-step verification (TOTP): required for admins, optional for coordinators and surgeons, asked for after the
password whenever an account has a confirmed device; the Django admin and the audit pages need a verified session."""

from __future__ import annotations

import re
from base64 import b32decode
from typing import Any

import pytest
from accounts_testkit import add_device, code_for, sign_in, unused_code_for, wrong_code_for
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from spinepath.web.accounts.models import Role
from spinepath.web.accounts.views import MAX_WRONG_CODES
from spinepath.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CODE = "/en/account/sign-in/code/"
SETUP = "/en/account/two-step/set-up/"


@pytest.fixture
def no_throttle(settings: Any) -> None:
    """No wait after a wrong code (django-otp doubles it each time), for tests that follow one with a right one."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def otp_verified(client: Client) -> bool:
    return "otp_device_id" in client.session


# ---- admins must use it ----------------------------------------------------------------------------------------

def test_an_admin_without_a_device_is_sent_to_set_it_up_after_the_password(client: Client, make_user):
    admin = make_user(Role.ADMIN)
    response = sign_in(client, admin.email)
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    assert signed_in(client) and not otp_verified(client)

    for page in ("/en/account/", "/admin/", "/en/audit/"):
        followed = client.get(page, follow=True)
        assert followed.redirect_chain, page
        assert followed.redirect_chain[-1][0].startswith(SETUP), page
        assert "Administrators must use two-step verification" in followed.content.decode(), page


def test_setting_up_shows_a_qr_code_and_the_secret_then_a_code_confirms_it_and_verifies_the_session(
        client: Client, make_user, no_throttle):
    admin = make_user(Role.ADMIN)
    sign_in(client, admin.email)
    html = client.get(SETUP).content.decode()

    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"[^>]*alt="QR code', html)
    shown = re.search(r'<p class="secret"><code>([A-Z2-7 ]+)</code></p>', html).group(1)
    secret = shown.replace(" ", "")
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    assert f"<code>{shown}</code>" in client.get(SETUP).content.decode()  # a reload keeps the same secret

    wrong = client.post(SETUP, {"code": wrong_code_for(device), "next": "/admin/"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.content.decode()

    right = client.post(SETUP, {"code": code_for(device), "next": "/admin/"})
    assert right.status_code == 302 and right["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed and otp_verified(client)
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(actor_id=admin.pk, detail="two-step verification turned on").exists()


def test_an_admin_with_a_device_must_enter_a_code_before_being_signed_in(client: Client, make_user, no_throttle):
    admin = make_user(Role.ADMIN)
    device = add_device(admin)

    response = sign_in(client, admin.email, next="/admin/")
    assert response.status_code == 302 and response["Location"] == CODE
    assert not signed_in(client)  # not yet: the password alone is not enough
    assert client.get("/admin/").status_code == 302

    page = client.get(CODE).content.decode()
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    wrong = client.post(CODE, {"code": wrong_code_for(device)})
    assert wrong.status_code == 400 and not signed_in(client)

    right = client.post(CODE, {"code": code_for(device)})
    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert signed_in(client) and otp_verified(client)
    assert client.get("/admin/").status_code == 200
    events = list(AuditEvent.objects.filter(object_type="account").order_by("id").values_list("action", "detail"))
    assert events == [("login_failed", "authenticator code not accepted"),
                      ("login", "password and authenticator code")]


def test_a_code_is_accepted_only_once(client: Client, make_user):
    admin = make_user(Role.ADMIN)
    device = add_device(admin)
    code = unused_code_for(device)
    sign_in(client, admin.email)
    assert client.post(CODE, {"code": code}).status_code == 302
    client.post("/en/account/sign-out/")

    sign_in(client, admin.email)
    again = client.post(CODE, {"code": code})
    assert again.status_code == 400 and not signed_in(client)


def test_too_many_wrong_codes_send_the_person_back_to_the_password(client: Client, make_user, no_throttle):
    user = make_user(Role.SURGEON)
    device = add_device(user)
    sign_in(client, user.email)
    for _ in range(MAX_WRONG_CODES - 1):
        assert client.post(CODE, {"code": wrong_code_for(device)}).status_code == 400
    last = client.post(CODE, {"code": wrong_code_for(device)}, follow=True)
    assert last.redirect_chain[-1][0] == "/en/account/sign-in/"
    assert "Too many wrong codes" in last.content.decode()
    assert client.post(CODE, {"code": code_for(device)}).status_code == 302  # ...to the sign-in page
    assert not signed_in(client)


def test_wrong_codes_are_throttled(client: Client, make_user):
    user = make_user(Role.COORDINATOR)
    device = add_device(user)
    sign_in(client, user.email)
    client.post(CODE, {"code": wrong_code_for(device)})
    throttled = client.post(CODE, {"code": code_for(device)})
    assert throttled.status_code == 400
    assert "Too many wrong codes. Wait" in throttled.content.decode()


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(client: Client):
    response = client.get(CODE)
    assert response.status_code == 302 and response["Location"] == "/en/account/sign-in/"


@pytest.mark.parametrize("code", ["12345", "abcdef", "1234567", ""], ids=["five", "letters", "seven", "empty"])
def test_a_malformed_code_is_explained_beside_the_field(client: Client, make_user, code: str):
    user = make_user(Role.SURGEON)
    add_device(user)
    sign_in(client, user.email)
    html = client.post(CODE, {"code": code}).content.decode()
    assert re.search(r'<p class="error-message" id="id_code_error">.*?6 digits', html, re.S)


def test_an_admin_signed_in_without_the_code_step_is_asked_for_it_before_admin_pages(client: Client, make_user):
    admin = make_user(Role.ADMIN)
    device = add_device(admin)
    client.force_login(admin)  # e.g. a session from before the device was added

    response = client.get("/admin/", follow=True)
    target = response.redirect_chain[-1][0]
    assert target == "/en/account/sign-in/code/?next=%2Fadmin%2F"
    assert "Enter your code" in response.content.decode()
    assert client.post(target, {"code": code_for(device)})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# ---- staff may use it ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SURGEON])
def test_staff_sign_in_without_a_device_and_may_turn_it_on_and_off(client: Client, make_user, role: str):
    user = make_user(role)
    assert sign_in(client, user.email)["Location"] == "/en/account/"  # no code asked
    assert "off" in client.get("/en/account/two-step/").content.decode()

    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    assert client.post(SETUP, {"code": code_for(device)}).status_code == 302

    client.post("/en/account/sign-out/")
    assert sign_in(client, user.email)["Location"] == CODE  # now it is asked
    client.post(CODE, {"code": code_for(device, 1)})
    assert signed_in(client)

    turned_off = client.post("/en/account/two-step/turn-off/", {"code": unused_code_for(device)}, follow=True)
    assert "Two-step verification is off." in turned_off.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_an_admin_cannot_turn_it_off(client: Client, make_user):
    admin = make_user(Role.ADMIN)
    device = add_device(admin)
    sign_in(client, admin.email)
    client.post(CODE, {"code": code_for(device)})
    response = client.post("/en/account/two-step/turn-off/", {"code": code_for(device, 1)}, follow=True)
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()


def test_patients_have_no_two_step_pages(client: Client, make_user):
    client.force_login(make_user(Role.PATIENT))
    assert client.get(SETUP).status_code == 403
    assert client.get("/en/account/two-step/").status_code == 403


# ---- the admin site ----------------------------------------------------------------------------------------------

def test_the_admin_sign_in_page_is_ours(client: Client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/en/account/sign-in/?next=/admin/"


def test_the_admin_site_lists_devices_without_their_secrets(client: Client, make_user):
    admin = _admin_session(client, make_user)
    device = TOTPDevice.objects.get(user=admin)

    listing = client.get("/admin/otp_totp/totpdevice/").content.decode()
    change = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()

    assert "phone" in listing
    for html in (listing, change):
        assert device.key not in html and "qrcode" not in html.lower()
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403


def _admin_session(client: Client, make_user: Any) -> Any:
    admin = make_user(Role.ADMIN)
    device = add_device(admin)
    sign_in(client, admin.email)
    client.post(CODE, {"code": code_for(device)})
    return admin
