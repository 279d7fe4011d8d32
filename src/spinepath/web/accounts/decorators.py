"""Who may open a page or call an endpoint, by role. Object-level decisions (which request) stay in
:mod:`spinepath.web.accounts.access`; these only check that someone is signed in with the right role.

* :func:`role_required` for views: not signed in → the sign-in page (with ``next``); signed in with another role →
  a 403 page. An admin must also have confirmed the session with their authenticator code (two-step
  verification is required for admins), else they are sent to set it up or to enter a code.
* :func:`otp_required_for_admin` for views that any role may open but that an admin may open only with a verified
  session (the audit pages use ``role_required(Role.ADMIN)``, which already includes this).
* :func:`api_user_with_role` for django-ninja endpoints: raises ``HttpError`` 401 / 403 instead of redirecting.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from . import two_factor
from .access import role_of

View = Callable[..., HttpResponse]

__all__ = ["api_user_with_role", "forbidden", "otp_required_for_admin", "role_required", "second_factor_redirect"]


def role_required(*roles: str) -> Callable[[View], View]:
    """Only users with one of ``roles`` (``Role`` members or their values) may open the view."""
    allowed = {str(role) for role in roles}

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            role = role_of(user)
            if role not in allowed:
                return forbidden(request)
            if (go := second_factor_redirect(request)) is not None:
                return go
            return view(request, *args, **kwargs)

        return checked

    return decorator


def otp_required_for_admin(view: View) -> View:
    """Signed-in users only; an admin additionally needs a session verified with their authenticator code."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if (go := second_factor_redirect(request)) is not None:
            return go
        return view(request, *args, **kwargs)

    return checked


def second_factor_redirect(request: HttpRequest, next_url: str | None = None) -> HttpResponseRedirect | None:
    """Where a signed-in admin whose session is not verified must go first (set-up or code), else None."""
    user = request.user
    if not user.is_authenticated or not two_factor.required_for(role_of(user)) or _otp_verified(user):
        return None
    target = "accounts:login_code" if two_factor.has_confirmed_device(user) else "accounts:two_factor_setup"
    query = urlencode({"next": next_url or request.get_full_path()})
    return HttpResponseRedirect(f"{reverse(target)}?{query}")


def forbidden(request: HttpRequest) -> HttpResponse:
    """The 403 page for a signed-in user whose role may not open this page."""
    return render(request, "accounts/forbidden.html", status=403)


def api_user_with_role(request: HttpRequest, *roles: str) -> Any:
    """The signed-in user if their role is one of ``roles``; else ``HttpError`` 401 (not signed in) or 403
    (another role, or an admin whose session is not verified with their authenticator code)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise HttpError(401, _("Sign in first."))
    role = role_of(user)
    if role not in {str(r) for r in roles}:
        raise HttpError(403, _("Your account may not do this."))
    if two_factor.required_for(role) and not _otp_verified(user):
        raise HttpError(403, _("Confirm your sign-in with your authenticator app first."))
    return user


def _otp_verified(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)  # added by django_otp's OTPMiddleware
    return bool(is_verified and is_verified())

