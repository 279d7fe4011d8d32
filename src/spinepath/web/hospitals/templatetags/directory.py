"""``{{ procedure_id|procedure_name }}``, ``{{ procedure_id|procedure_short_name }}`` and
``{{ code|language_name }}``, and ``{{ hospital|procedures_offered }}`` (its procedure ids in the knowledge base's
order): the directory's ids as words in the current language."""

from __future__ import annotations

from django import template

from spinepath.web.hospitals import directory
from spinepath.web.hospitals.models import Hospital

register = template.Library()


@register.filter
def procedure_name(procedure_id: str) -> str:
    return directory.procedure_name(procedure_id)


@register.filter
def procedure_short_name(procedure_id: str) -> str:
    return directory.procedure_name(procedure_id, short=True)


@register.filter
def procedures_offered(hospital: Hospital) -> list[str]:
    return directory.procedures_offered(hospital)


@register.filter
def language_name(code: str) -> str:
    return directory.language_name(code)
