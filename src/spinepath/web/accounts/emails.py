"""The e-mails the accounts app sends: the verification link, "you already have an account" (sign-up with a known
address, so the sign-up page never reveals who has an account), and "your password was changed".

Each is plain text from a template under ``accounts/email/``, in the account's preferred language. Nothing here
is logged; a failure to send is reported to the caller (:class:`CouldNotSend`) so the page can say so.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .verification import VERIFICATION_MAX_AGE, make_token

log = logging.getLogger(__name__)

# At most one e-mail of each kind per account per minute (resend buttons, repeated sign-ups).
RESEND_INTERVAL_SECONDS = 60


class CouldNotSend(Exception):
    """The mail server refused or could not be reached."""


def send_verification_email(request: HttpRequest, user: Any) -> bool:
    """Send the verification link. Returns False if one was sent to this account less than a minute ago."""
    if not _first_in_interval("verify", user):
        return False
    link = request.build_absolute_uri(reverse("accounts:verify_email", kwargs={"token": make_token(user)}))
    _send(user, "verify", {"link": link, "days": VERIFICATION_MAX_AGE.days})
    return True


def send_account_exists_email(request: HttpRequest, user: Any) -> None:
    """Someone tried to sign up with the address of an existing account: tell its owner how to get in."""
    if not _first_in_interval("exists", user):
        return
    _send(user, "account_exists", {
        "sign_in_link": request.build_absolute_uri(reverse("accounts:login")),
        "reset_link": request.build_absolute_uri(reverse("accounts:password_reset")),
    })


def send_password_changed_email(request: HttpRequest, user: Any) -> None:
    _send(user, "password_changed", {
        "reset_link": request.build_absolute_uri(reverse("accounts:password_reset")),
    })


def _first_in_interval(kind: str, user: Any) -> bool:
    return cache.add(f"spinepath-accounts-mail:{kind}:{user.pk}", 1, timeout=RESEND_INTERVAL_SECONDS)


def _send(user: Any, template: str, context: dict[str, Any]) -> None:
    profile = getattr(user, "profile", None)
    language = (profile.preferred_language if profile is not None else "") or translation.get_language()
    with translation.override(language):
        context = {"name": profile.display_name if profile is not None else "", **context}
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"accounts/email/{template}_body.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except (smtplib.SMTPException, OSError) as exc:
        log.error("accounts: could not send the %s e-mail to account %s: %s", template, user.pk, type(exc).__name__)
        raise CouldNotSend(template) from exc
