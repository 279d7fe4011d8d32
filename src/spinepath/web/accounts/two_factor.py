"""Two-step verification with an authenticator app (TOTP, django-otp's ``otp_totp`` plugin).

Staff (coordinators, surgeons) may turn it on; admins must. A user has at most one confirmed device. Setting one
up creates an unconfirmed device whose secret stays the same until it is confirmed with a code (so reloading the
set-up page does not invalidate a QR code already scanned). Wrong codes are throttled by django-otp itself
(exponentially growing waits), and a code is accepted only once.
"""

from __future__ import annotations

import base64
import io
from base64 import b32encode
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import STAFF_ROLES, Role

ISSUER = "spinepath"
DEVICE_NAME = "Authenticator app"


def may_use_two_factor(role: str | None) -> bool:
    return role in STAFF_ROLES


def required_for(role: str | None) -> bool:
    return role == Role.ADMIN


def confirmed_device(user: Any) -> TOTPDevice | None:
    if not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def has_confirmed_device(user: Any) -> bool:
    return confirmed_device(user) is not None


def device_being_set_up(user: Any) -> TOTPDevice:
    """The user's unconfirmed device, created on first use and kept until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def confirm(device: TOTPDevice) -> None:
    """Make ``device`` the user's one confirmed device (any other unconfirmed ones are removed)."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).exclude(pk=device.pk).delete()


def remove_devices(user: Any) -> int:
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    return deleted


def secret_for_manual_entry(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for apps where the QR code cannot be scanned."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def otpauth_uri(device: TOTPDevice) -> str:
    """The key URI authenticator apps read (https://github.com/google/google-authenticator/wiki/Key-Uri-Format)."""
    label = quote(f"{ISSUER}:{device.user.get_username()}")
    params = urlencode({
        "secret": b32encode(device.bin_key).decode("ascii").rstrip("="),
        "issuer": ISSUER,
        "algorithm": "SHA1",
        "digits": device.digits,
        "period": device.step,
    })
    return f"otpauth://totp/{label}?{params}"


def qr_code_data_uri(text: str) -> str:
    """``text`` as a QR code, an SVG in a ``data:`` URI (the CSP allows ``img-src data:``, and needs no script)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def normalise_code(code: str) -> str:
    return "".join(code.split())


@dataclass(frozen=True)
class CodeCheck:
    accepted: bool
    wait_seconds: int = 0  # > 0: too many wrong codes, try again after this long (the code was not checked)


def check_code(device: TOTPDevice, code: str) -> CodeCheck:
    allowed, details = device.verify_is_allowed()
    if not allowed:
        locked_until = (details or {}).get("locked_until")
        wait = int((locked_until - timezone.now()).total_seconds()) + 1 if locked_until else 1
        return CodeCheck(accepted=False, wait_seconds=max(wait, 1))
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        accepted = locked.verify_token(normalise_code(code))
    if accepted:
        device.refresh_from_db()
    return CodeCheck(accepted=accepted)
