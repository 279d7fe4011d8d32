"""How the rest of the web app writes to the audit trail: :func:`record` (one call per view or change)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from .models import Action, AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. Behind a proxy (production) SecurityMiddleware trusts only what settings allow; we use
    REMOTE_ADDR, which the deployment's proxy sets (gunicorn ``--forwarded-allow-ips``)."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or None
    return address


def _actor(request: HttpRequest | None) -> tuple[int | None, str]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None, ""
    profile = getattr(user, "profile", None)
    return user.pk, (profile.role if profile is not None else ("admin" if user.is_superuser else ""))


def record(
    request: HttpRequest | None,
    action: Action | str,
    object_type: str,
    object_id: object = "",
    *,
    request_reference: str = "",
    detail: str = "",
    actor_id: int | None = None,
    actor_role: str | None = None,
) -> AuditEvent:
    """Append one event. ``request`` is the HTTP request (for who and from where); background work passes None
    and names the actor explicitly. ``detail`` must never contain clinical content or names."""
    found_id, found_role = _actor(request)
    return AuditEvent.objects.create(
        actor_id=actor_id if actor_id is not None else found_id,
        actor_role=actor_role if actor_role is not None else found_role,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        request_reference=request_reference,
        detail=detail[:200],
        ip_address=client_ip(request),
    )


def record_once(request: HttpRequest, action: Action | str, object_type: str, object_id: object, *,
                request_reference: str = "", detail: str = "") -> None:
    """Append the event unless the same actor already has one with the same action, object and detail: for views
    polled again and again (an upload's state every 2 seconds), so that the trail says once who saw each state
    rather than burying the events that matter under identical ones."""
    actor_id, _ = _actor(request)
    seen = AuditEvent.objects.filter(actor_id=actor_id, action=str(action), object_type=object_type,
                                     object_id=str(object_id), detail=detail[:200])
    if not seen.exists():
        record(request, action, object_type, object_id, request_reference=request_reference, detail=detail)


def forget_actor(user_id: int) -> int:
    """Remove a deleted account's identity from its events (the events themselves stay). Returns how many."""
    changed = 0
    with transaction.atomic():
        for event in AuditEvent.objects.filter(actor_id=user_id).select_for_update():
            event.actor_id = None
            event.ip_address = None
            event.identity_removed = True
            event.save(_forget_actor=True, update_fields=["actor_id", "ip_address", "identity_removed"])
            changed += 1
    return changed
