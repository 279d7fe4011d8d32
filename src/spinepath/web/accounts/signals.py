"""Every user has a profile: a new account is a patient unless made otherwise (a superuser is an admin)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Profile, Role


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="spinepath_profile_for_every_user")
def ensure_profile(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and not Profile.objects.filter(user=instance).exists():
        Profile.objects.create(user=instance, role=Role.ADMIN if instance.is_superuser else Role.PATIENT)
