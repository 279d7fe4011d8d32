"""Every user has a profile: a new account is a patient unless made otherwise (a superuser is an admin).

Signing in, failing to sign in and signing out are written to the audit trail (object type "account", the
account's id). An event never holds the e-mail address or whatever was typed as a username: a failed sign-in
names the account only when one exists, and leaves the actor empty otherwise.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record

from .access import role_of
from .models import Profile, Role

# Set on the request by the sign-in views before they call ``login()``: how the person proved who they are.
SIGN_IN_METHOD_ATTRIBUTE = "spinepath_sign_in_method"
PASSWORD = "password"
PASSWORD_AND_CODE = "password and authenticator code"


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="spinepath_profile_for_every_user")
def ensure_profile(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and not Profile.objects.filter(user=instance).exists():
        Profile.objects.create(user=instance, role=Role.ADMIN if instance.is_superuser else Role.PATIENT)


@receiver(user_logged_in, dispatch_uid="spinepath_audit_sign_in")
def audit_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(request, Action.LOGIN, "account", user.pk, actor_id=user.pk, actor_role=role_of(user) or "",
           detail=getattr(request, SIGN_IN_METHOD_ATTRIBUTE, ""))


@receiver(user_logged_out, dispatch_uid="spinepath_audit_sign_out")
def audit_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or not user.is_authenticated:
        return
    record(request, Action.LOGOUT, "account", user.pk, actor_id=user.pk, actor_role=role_of(user) or "")


@receiver(user_login_failed, dispatch_uid="spinepath_audit_sign_in_failed")
def audit_sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = credentials.get("username")
    user = None
    if isinstance(username, str) and username:
        user = get_user_model()._default_manager.filter(username=username.strip().lower()).first()
    # django-axes handles this signal first (it is installed before us) and flags a lockout on the request.
    locked_out = bool(getattr(request, "axes_locked_out", False))
    if user is None:
        record(request, Action.LOGIN_FAILED, "account", "", actor_id=None, actor_role="",
               detail="locked out" if locked_out else "no such account")
        return
    record(request, Action.LOGIN_FAILED, "account", user.pk, actor_id=user.pk, actor_role=role_of(user) or "",
           detail="locked out" if locked_out else "password not accepted")


def audit_wrong_code(request: Any, user: Any) -> None:
    record(request, Action.LOGIN_FAILED, "account", user.pk, actor_id=user.pk, actor_role=role_of(user) or "",
           detail="authenticator code not accepted")
