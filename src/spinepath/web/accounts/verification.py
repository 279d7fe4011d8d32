"""E-mail address verification (not to be confused with django-otp's ``user.is_verified()``, which is about the
authenticator code of the current session).

A patient who has not yet followed the link sent to their address can sign in, but may not submit a request:
other apps ask :func:`is_verified`. The link carries a signed, expiring token naming the account and a keyed
digest of the address it was sent to, so a link stops working if the address changes; it never contains the
address itself (links end up in logs and browser histories).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.utils import timezone
from django.utils.crypto import salted_hmac

__all__ = ["VERIFICATION_MAX_AGE", "is_verified", "make_token", "mark_verified", "user_for_token"]

VERIFICATION_MAX_AGE = datetime.timedelta(days=3)
_SALT = "spinepath.accounts.verify-email"


class BadToken(Exception):
    """The link is not one of ours, or it has expired, or its account or address has changed."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def is_verified(user: Any) -> bool:
    """Has ``user`` confirmed their e-mail address? (False for anonymous users and accounts without a profile.)"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    profile = getattr(user, "profile", None)
    return bool(profile is not None and profile.email_verified_at is not None)


def _address_digest(email: str) -> str:
    return salted_hmac(_SALT, email.lower()).hexdigest()[:20]


def make_token(user: Any) -> str:
    return signing.dumps({"u": user.pk, "a": _address_digest(user.email)}, salt=_SALT)


def user_for_token(token: str) -> Any:
    """The account a token was made for; :class:`BadToken` if it is invalid, expired or out of date."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=VERIFICATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise BadToken(expired=True) from exc
    except signing.BadSignature as exc:
        raise BadToken() from exc
    user = get_user_model().objects.filter(pk=payload.get("u"), is_active=True).first()
    if user is None or payload.get("a") != _address_digest(user.email):
        raise BadToken()
    return user


def mark_verified(user: Any, *, at: datetime.datetime | None = None) -> bool:
    """Record that ``user`` controls their address. Returns False if it was already verified."""
    profile = user.profile
    if profile.email_verified_at is not None:
        return False
    profile.email_verified_at = at or timezone.now()
    profile.save(update_fields=["email_verified_at"])
    return True
