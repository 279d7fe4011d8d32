"""Template filters for showing a treatment request: ``{% load care_display %}``."""

from __future__ import annotations

from django import template

from spinepath.web.care.presenters import procedure_name as _procedure_name

register = template.Library()


@register.filter
def procedure_name(procedure_id: str) -> str:
    """The knowledge base's name of a procedure id, in the current language ("mild" -> "MILD ...")."""
    return _procedure_name(procedure_id) if procedure_id else ""
