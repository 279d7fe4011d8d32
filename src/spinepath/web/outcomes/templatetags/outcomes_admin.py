"""For the admin's front page: which outcome questionnaires this deployment offers, why the others are not, and
which are scored only (never offered)."""

from __future__ import annotations

from django import template

from spinepath.core.outcomes.catalogue import Offering

from ..recovery import item_text_dir, offering

register = template.Library()


@register.simple_tag
def instrument_offering() -> dict[str, object]:
    current: Offering = offering()
    return {"offered": current.offered, "withheld": current.withheld, "scoring_only": current.scoring_only,
            "directory": item_text_dir()}
