"""What the accounts tests share besides fixtures: authenticator codes, signing in, links in e-mails."""

from __future__ import annotations

import re
import time
from typing import Any

from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "a-long-and-unusual-passphrase-7"
LOGIN = "/en/account/sign-in/"


def add_device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the person's app shows now (or ``steps_ahead`` 30-second steps later: a code is accepted once, and
    the device accepts one step either side)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead):06d}"


def unused_code_for(device: TOTPDevice) -> str:
    """A code the device has not accepted yet (the current step, else the next one)."""
    device.refresh_from_db()
    now_step = int((time.time() - device.t0) // device.step) + device.drift
    return code_for(device, 0 if device.last_t < now_step else 1)


def wrong_code_for(device: TOTPDevice) -> str:
    accepted = {code_for(device, step) for step in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000)) if c not in accepted)


def sign_in(client: Any, email: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(LOGIN, {"username": email, "password": password, **extra})


def last_link(pattern: str = r"https?://\S+") -> str:
    assert mail.outbox, "no e-mail was sent"
    found = re.findall(pattern, mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found[0]


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)
