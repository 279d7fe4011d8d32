"""Create a staff account (coordinator, surgeon or admin) and print a one-time link for its owner to set a password.

    manage.py create_staff --email a.coordinator@example.org --role coordinator --organisation-slug spinecare
    manage.py create_staff --email a.surgeon@example.org --role surgeon --hospital-slug acibadem-maslak
    manage.py create_staff --email an.admin@example.org --role admin

No password is ever set or printed: the link (Django's password-reset token) works once, for
``PASSWORD_RESET_TIMEOUT`` (3 days by default); an expired one is replaced with "Forgotten your password?" on the
sign-in page. An admin is also a Django superuser (the admin site) and must set up two-step verification at
first sign-in. The link's host is ``--base-url``, else the environment variable ``SPINEPATH_BASE_URL``.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record
from spinepath.web.hospitals.models import Hospital, Organisation

from ...forms import normalise_email
from ...models import Role

STAFF_ROLE_CHOICES = [Role.COORDINATOR.value, Role.SURGEON.value, Role.ADMIN.value]


class Command(BaseCommand):
    help = "Create a coordinator, surgeon or admin account and print a one-time link to set its password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="the person's e-mail address (their username)")
        parser.add_argument("--role", required=True, choices=STAFF_ROLE_CHOICES)
        parser.add_argument("--organisation-slug", help="a coordinator's organisation")
        parser.add_argument("--hospital-slug", help="a surgeon's hospital")
        parser.add_argument("--display-name", default="", help="the name shown to others (optional)")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _ in settings.LANGUAGES], help="the link's language")
        parser.add_argument("--base-url", default=os.environ.get("SPINEPATH_BASE_URL", "http://localhost:8000"),
                            help="where the site is served (default: $SPINEPATH_BASE_URL or http://localhost:8000)")

    def handle(self, *args: Any, **options: Any) -> None:
        email = normalise_email(options["email"])
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError("--email is not a valid e-mail address") from exc
        role = options["role"]
        organisation = self._organisation(options["organisation_slug"])
        hospital = self._hospital(options["hospital_slug"])
        if role == Role.COORDINATOR and organisation is None:
            raise CommandError("a coordinator needs --organisation-slug")
        if role == Role.SURGEON and hospital is None:
            raise CommandError("a surgeon needs --hospital-slug")
        users = get_user_model()._default_manager
        if users.filter(username=email).exists():
            raise CommandError("an account with this e-mail address already exists (change it in the admin site; "
                               "the person can use 'Forgotten your password?' to get a new link)")

        with transaction.atomic():
            is_admin = role == Role.ADMIN
            user = users.create_user(username=email, email=email, password=None, is_staff=is_admin,
                                     is_superuser=is_admin)
            profile = user.profile
            profile.role = role
            profile.organisation = organisation
            profile.hospital = hospital
            profile.display_name = options["display_name"]
            profile.preferred_language = options["language"]
            profile.full_clean()
            profile.save()
            record(None, Action.CREATE, "account", user.pk, actor_id=None, actor_role="admin",
                   detail=f"staff account created with manage.py create_staff: role={role}")

        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        with translation.override(options["language"]):
            path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
        link = options["base_url"].rstrip("/") + path
        days = round(settings.PASSWORD_RESET_TIMEOUT / 86400)
        self.stdout.write(f"Created {role} account #{user.pk}.")
        self.stdout.write(f"Send this link to its owner to set a password (works once, for {days} days):")
        self.stdout.write(link)

    def _organisation(self, slug: str | None) -> Organisation | None:
        if not slug:
            return None
        found = Organisation.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"no organisation with slug {slug!r}")
        return found

    def _hospital(self, slug: str | None) -> Hospital | None:
        if not slug:
            return None
        found = Hospital.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"no hospital with slug {slug!r}")
        return found
