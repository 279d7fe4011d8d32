"""Showing the knowledge base in templates.

``{{ text|kb }}`` translates a knowledge-base string through the message catalogues: KB text is data, so
``makemessages`` cannot see it in templates; ``manage.py extract_kb_messages`` lists every such string in
``pages/kb_messages.py`` for it. ``{% evidence item %}`` shows what a fact or risk rests on: its source ids,
linked to the sources page, and the warning of a weak fact, always visible.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from spinepath.core.knowledge import Fact, Risk, load_knowledge

register = template.Library()


@register.filter
def kb(text: str) -> str:
    # gettext("") would return the catalogue's header, so an empty string stays empty.
    return gettext(text) if text else text


@register.inclusion_tag("pages/includes/evidence.html")
def evidence(item: Fact | Risk) -> dict[str, Any]:
    knowledge = load_knowledge()
    return {"sources": [knowledge.source(source_id) for source_id in item.sources], "flag": item.flag}
