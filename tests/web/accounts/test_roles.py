"""Who may open what, by role: ``role_required`` for pages, ``api_user_with_role`` for the API, the signed-in home
that sends each role to its place, and the account links in the header."""

from __future__ import annotations

from typing import Any

import pytest
from accounts_testkit import add_device
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from ninja.errors import HttpError

from spinepath.web.accounts.decorators import api_user_with_role, otp_required_for_admin, role_required
from spinepath.web.accounts.models import Role
from spinepath.web.care.models import Notification

pytestmark = pytest.mark.django_db


@role_required(Role.COORDINATOR, Role.SURGEON)
def staff_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("staff only")


@role_required(Role.ADMIN)
def admin_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("admins only")


@otp_required_for_admin
def any_role_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("anyone signed in")


def as_request(user: Any, *, otp_verified: bool = False, path: str = "/en/somewhere/?x=1") -> HttpRequest:
    request = RequestFactory().get(path)
    request.user = user
    if not isinstance(user, AnonymousUser):
        user.is_verified = lambda: otp_verified  # what django_otp's OTPMiddleware adds
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


ROWS = [
    # view, role (None: signed out), OTP-verified session, expected status, expected redirect start
    pytest.param(staff_page, None, False, 302, "/en/account/sign-in/?next=/en/somewhere/%3Fx%3D1", id="signed-out"),
    pytest.param(staff_page, Role.PATIENT, False, 403, None, id="patient-refused"),
    pytest.param(staff_page, Role.COORDINATOR, False, 200, None, id="coordinator-allowed"),
    pytest.param(staff_page, Role.SURGEON, False, 200, None, id="surgeon-allowed-without-otp"),
    pytest.param(staff_page, Role.ADMIN, True, 403, None, id="admin-not-in-the-list"),
    pytest.param(admin_page, Role.ADMIN, True, 200, None, id="admin-verified"),
    pytest.param(admin_page, Role.ADMIN, False, 302, "/en/account/two-step/set-up/?next=", id="admin-needs-otp"),
    pytest.param(admin_page, Role.COORDINATOR, False, 403, None, id="coordinator-refused"),
    pytest.param(any_role_page, Role.PATIENT, False, 200, None, id="otp-decorator-lets-patients-in"),
    pytest.param(any_role_page, Role.ADMIN, False, 302, "/en/account/two-step/set-up/", id="otp-decorator-stops-admin"),
    pytest.param(any_role_page, Role.ADMIN, True, 200, None, id="otp-decorator-verified-admin"),
    pytest.param(any_role_page, None, False, 302, "/en/account/sign-in/", id="otp-decorator-signed-out"),
]


@pytest.mark.parametrize(("view", "role", "verified", "status", "location"), ROWS)
def test_role_required_and_otp_required_for_admin(make_user, view: Any, role: str | None, verified: bool,
                                                 status: int, location: str | None):
    from django.utils import translation

    user = AnonymousUser() if role is None else make_user(role)
    with translation.override("en"):
        response = view(as_request(user, otp_verified=verified))
    assert response.status_code == status
    if location is not None:
        assert response["Location"].startswith(location)
    if status == 403:
        assert "Not available to your account" in response.content.decode()


def test_an_admin_with_a_device_but_an_unverified_session_is_asked_for_the_code(make_user):
    admin = make_user(Role.ADMIN)
    add_device(admin)
    response = admin_page(as_request(admin, otp_verified=False))
    assert response["Location"].startswith("/en/account/sign-in/code/?next=")


API_ROWS = [
    pytest.param(None, (Role.PATIENT,), False, 401, id="signed-out-401"),
    pytest.param(Role.PATIENT, (Role.COORDINATOR,), False, 403, id="wrong-role-403"),
    pytest.param(Role.PATIENT, (Role.PATIENT,), False, None, id="patient-ok"),
    pytest.param(Role.ADMIN, (Role.ADMIN,), False, 403, id="admin-without-otp-403"),
    pytest.param(Role.ADMIN, (Role.ADMIN,), True, None, id="admin-with-otp-ok"),
]


@pytest.mark.parametrize(("role", "allowed", "verified", "status"), API_ROWS)
def test_api_user_with_role(make_user, role: str | None, allowed: tuple[str, ...], verified: bool,
                            status: int | None):
    user = AnonymousUser() if role is None else make_user(role)
    request = as_request(user, otp_verified=verified)
    if status is None:
        assert api_user_with_role(request, *allowed) is user
    else:
        with pytest.raises(HttpError) as raised:
            api_user_with_role(request, *allowed)
        assert raised.value.status_code == status


# ---- the signed-in home ------------------------------------------------------------------------------------------

def _verified_client(client: Client, user: Any) -> Client:
    client.force_login(user)
    if user.profile.role == Role.ADMIN:
        device = add_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.mark.parametrize(("role", "place"), [
    pytest.param(Role.PATIENT, "/en/requests/", id="patient-to-their-requests"),
    pytest.param(Role.COORDINATOR, "/en/console/", id="coordinator-to-the-queue"),
    pytest.param(Role.SURGEON, "/en/review/", id="surgeon-to-review"),
    pytest.param(Role.ADMIN, "/en/audit/", id="admin-to-the-audit-trail"),
])
def test_home_sends_each_role_to_its_place(client: Client, make_user, role: str, place: str):
    response = _verified_client(client, make_user(role)).get("/en/account/")
    assert response.status_code == 302 and response["Location"] == place


def test_home_falls_back_to_a_page_of_links_when_the_role_has_no_place_yet(client: Client, make_user, monkeypatch):
    from spinepath.web.accounts import views

    monkeypatch.setitem(views.ROLE_PLACES, Role.PATIENT, ((("care:not_built_yet",), "My requests"),))
    response = _verified_client(client, make_user(Role.PATIENT)).get("/en/account/")
    assert response.status_code == 200
    assert 'href="/en/account/me/"' in response.content.decode()


def test_home_needs_a_signed_in_user(client: Client):
    assert client.get("/en/account/")["Location"] == "/en/account/sign-in/?next=/en/account/"


# ---- the header ----------------------------------------------------------------------------------------------------

def test_a_visitor_sees_sign_in_and_create_an_account(client: Client):
    html = client.get("/en/").content.decode()
    assert '<nav class="account-nav" aria-label="Your account">' in html
    assert '<a href="/en/account/sign-in/">Sign in</a>' in html
    assert '<a href="/en/account/sign-up/">Create an account</a>' in html
    assert "Sign out" not in html


@pytest.mark.parametrize(("role", "links"), [
    pytest.param(Role.PATIENT, ['<a href="/en/requests/">My requests</a>'], id="patient"),
    pytest.param(Role.COORDINATOR, ['<a href="/en/console/">Request queue</a>'], id="coordinator"),
    pytest.param(Role.SURGEON, ['<a href="/en/review/">Requests to review</a>'], id="surgeon"),
    pytest.param(Role.ADMIN, ['<a href="/en/audit/">Audit trail</a>', '<a href="/admin/">Administration</a>'],
                 id="admin"),
])
def test_a_signed_in_user_sees_their_role_links_account_and_sign_out(client: Client, make_user, role: str,
                                                                     links: list[str]):
    html = _verified_client(client, make_user(role)).get("/en/").content.decode()
    for link in links:
        assert link in html
    assert '<a href="/en/account/me/">My account</a>' in html
    assert '<form class="sign-out" action="/en/account/sign-out/" method="post">' in html
    assert "Sign in</a>" not in html


def test_the_header_counts_unread_notifications(client: Client, make_user):
    from django.utils import timezone

    patient = make_user(Role.PATIENT)
    Notification.objects.create(user=patient, text="A plan arrived")
    Notification.objects.create(user=patient, text="A message arrived")
    Notification.objects.create(user=patient, text="Old news", read_at=timezone.now())
    Notification.objects.create(user=make_user(Role.PATIENT), text="Someone else's")

    html = _verified_client(client, patient).get("/en/").content.decode()

    assert 'href="/en/requests/notifications/">Notifications (2 unread)</a>' in html


def test_the_header_says_notifications_without_a_count_when_all_are_read(client: Client, make_user):
    html = _verified_client(client, make_user(Role.PATIENT)).get("/en/").content.decode()
    assert ">Notifications</a>" in html and "unread" not in html


@pytest.mark.parametrize(("url", "texts"), [
    pytest.param("/tr/account/sign-in/", ["Sign in", "Create an account", "Forgotten your password?",
                                          "E-mail address", "Password"], id="sign-in"),
    pytest.param("/tr/account/sign-up/", ["Create an account", "Create my account", "Password again"], id="sign-up"),
    pytest.param("/tr/account/password/reset/", ["Reset your password", "Send me a link"], id="password-reset"),
])
def test_the_account_pages_and_header_are_in_turkish(client: Client, url: str, texts: list[str]):
    from django.utils import translation
    from django.utils.html import escape
    from django.utils.translation import gettext

    html = client.get(url).content.decode()
    with translation.override("tr"):
        for english in texts:
            turkish = gettext(english)
            assert turkish != english, english
            assert escape(turkish) in html, turkish
            assert f">{english}<" not in html, english
