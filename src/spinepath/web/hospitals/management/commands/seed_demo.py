"""``manage.py seed_demo``: fictional demo data for development (``make run`` calls it after migrate).

One coordinating organisation, two **fictional** partner hospitals (Istanbul and Lucknow) with made-up
accreditations, the procedures they offer and the languages they speak, and one demo account per role
(coordinator, a surgeon per hospital, admin, patient).

Idempotent: running it again changes nothing that is already there (accreditation dates are kept relative to
today, so the demo stays current) and never resets a password, unless asked with ``--reset-passwords``.
Passwords are random and printed once, when an account is created. Refused under ``SPINEPATH_ENV=production``:
fictional hospitals must never be listed, and demo accounts never exist, on a real site.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from spinepath.web.accounts.models import Profile, Role
from spinepath.web.hospitals.models import Accreditation, Hospital, HospitalProcedure, Organisation

DEMO_NOTE = "Fictional demo hospital for trying spinepath out: it does not exist, and its accreditations are made up."
DEMO_DOMAIN = "demo.spinepath.invalid"  # .invalid never resolves: no demo e-mail can reach anyone


@dataclass(frozen=True)
class DemoHospital:
    slug: str
    name: str
    city: str
    country: str
    country_code: str
    languages: tuple[str, ...]
    procedures: tuple[str, ...]
    # (body, valid from, expires on) as days relative to today; a negative expiry shows an expired accreditation.
    accreditations: tuple[tuple[str, int, int], ...]


ORGANISATION = {"slug": "demo-coordination", "name": "Demo Spine Care Coordination",
                "contact_email": f"coordination@{DEMO_DOMAIN}"}

HOSPITALS = (
    DemoHospital(
        slug="demo-bosphorus-spine-hospital", name="Demo Bosphorus Spine Hospital", city="Istanbul",
        country="Turkey", country_code="TR", languages=("tr", "en", "ar"),
        procedures=("conservative_care", "microdiscectomy", "endoscopic_discectomy", "mis_decompression",
                    "mis_tlif", "open_surgery"),
        accreditations=(("JCI", -400, 700),),
    ),
    DemoHospital(
        slug="demo-gomti-spine-hospital", name="Demo Gomti Spine Hospital", city="Lucknow",
        country="India", country_code="IN", languages=("hi", "en"),
        procedures=("conservative_care", "mild", "microdiscectomy", "mis_decompression", "mis_tlif"),
        accreditations=(("NABH", -200, 500), ("JCI", -1100, -30)),
    ),
)


@dataclass(frozen=True)
class DemoUser:
    local_part: str
    display_name: str
    role: Role
    hospital_slug: str | None = None

    @property
    def email(self) -> str:
        return f"{self.local_part}@{DEMO_DOMAIN}"


USERS = (
    DemoUser("coordinator", "Demo coordinator", Role.COORDINATOR),
    DemoUser("surgeon.istanbul", "Demo surgeon (Istanbul)", Role.SURGEON, "demo-bosphorus-spine-hospital"),
    DemoUser("surgeon.lucknow", "Demo surgeon (Lucknow)", Role.SURGEON, "demo-gomti-spine-hospital"),
    DemoUser("admin", "Demo administrator", Role.ADMIN),
    DemoUser("patient", "Demo patient", Role.PATIENT),
)


class Command(BaseCommand):
    help = "Create fictional demo hospitals and demo accounts (development only; safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset-passwords", action="store_true",
                            help="give every demo account a new random password and print it")

    def handle(self, *args: Any, reset_passwords: bool = False, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates fictional hospitals and demo accounts: refused when "
                               "SPINEPATH_ENV=production.")
        today = timezone.localdate()
        with transaction.atomic():
            organisation = _organisation()
            hospitals = {demo.slug: _hospital(demo, organisation, today) for demo in HOSPITALS}
            passwords = [(demo.email, demo.role, password) for demo in USERS
                         if (password := _user(demo, organisation, hospitals, reset_passwords))]
        self.stdout.write(f"Demo directory: {organisation.name}, "
                          f"{', '.join(h.name for h in hospitals.values())} (all fictional).")
        if passwords:
            self.stdout.write("Demo accounts (development only; each password is shown this once):")
            for email, role, password in passwords:
                self.stdout.write(f"  {role:<12} {email:<40} {password}")
        else:
            self.stdout.write("Demo accounts already exist (passwords unchanged; --reset-passwords for new ones).")


def _organisation() -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(slug=ORGANISATION["slug"], defaults=ORGANISATION)
    return organisation


def _hospital(demo: DemoHospital, organisation: Organisation, today: datetime.date) -> Hospital:
    hospital, _ = Hospital.objects.update_or_create(slug=demo.slug, defaults={
        "organisation": organisation, "name": demo.name, "city": demo.city, "country": demo.country,
        "country_code": demo.country_code, "languages": list(demo.languages), "description": DEMO_NOTE,
        "is_active": True,
    })
    for procedure_id in demo.procedures:
        HospitalProcedure.objects.get_or_create(hospital=hospital, procedure_id=procedure_id)
    for body, from_days, until_days in demo.accreditations:
        Accreditation.objects.update_or_create(hospital=hospital, body=body, defaults={
            "valid_from": today + datetime.timedelta(days=from_days),
            "expires_on": today + datetime.timedelta(days=until_days),
        })
    return hospital


def _user(demo: DemoUser, organisation: Organisation, hospitals: dict[str, Hospital], reset: bool) -> str | None:
    """Create or update one demo account; its new password if one was set, else None."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=demo.email).first()
    password = None
    if user is None or reset:
        password = secrets.token_urlsafe(12)
    if user is None:
        user = user_model(username=demo.email, email=demo.email)
    # The admin may use the Django admin (the directory is managed there).
    user.is_staff = user.is_superuser = demo.role == Role.ADMIN
    if password:
        user.set_password(password)
    user.save()
    # The profile is made by a post_save signal (as a patient); give it the demo role and its ties.
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.role = demo.role
    profile.organisation = organisation if demo.role == Role.COORDINATOR else None
    profile.hospital = hospitals[demo.hospital_slug] if demo.hospital_slug else None
    profile.display_name = demo.display_name
    profile.email_verified_at = profile.email_verified_at or timezone.now()
    profile.save()
    return password
