"""Treatment options side by side: which knowledge-base fields are compared, in which order.

A :class:`Comparison` is the same data seen two ways: ``rows`` (one per aspect, one cell per option) for the
table, ``cards`` (one per option, one cell per aspect) for narrow screens. Cells hold knowledge-base objects
unchanged; templates show them with their sources, and ``None`` or an empty list as "Not known".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from spinepath.core.knowledge import KnowledgeBase, Procedure

__all__ = ["BENEFITS_AND_HARMS", "COMPARE_ASPECTS", "Aspect", "Cell", "Comparison", "compare", "ordered_options"]

# How a template shows a cell: plain prose, one fact or none, a list of facts, a list of risks with rates.
Kind = Literal["text", "fact", "facts", "risks"]

FIRST_OPTION = "conservative_care"


@dataclass(frozen=True, slots=True)
class Aspect:
    """One thing to compare: a field of :class:`~spinepath.core.knowledge.Procedure`, and how to show it.
    ``keep`` narrows a list field to the entries that speak to the aspect."""

    field: str
    label: str | Promise
    kind: Kind
    keep: Callable[[Any], bool] | None = None

    def value_for(self, procedure: Procedure) -> Any:
        value = getattr(procedure, self.field)
        if self.keep is not None:
            value = [entry for entry in value if self.keep(entry)]
        return value


@dataclass(frozen=True, slots=True)
class Cell:
    aspect: Aspect
    value: Any


@dataclass(frozen=True, slots=True)
class Row:
    aspect: Aspect
    cells: list[Cell]


@dataclass(frozen=True, slots=True)
class Card:
    procedure: Procedure
    cells: list[Cell]


@dataclass(frozen=True, slots=True)
class Comparison:
    procedures: list[Procedure]
    aspects: tuple[Aspect, ...]

    @property
    def rows(self) -> list[Row]:
        return [Row(a, [Cell(a, a.value_for(p)) for p in self.procedures]) for a in self.aspects]

    @property
    def cards(self) -> list[Card]:
        return [Card(p, [Cell(a, a.value_for(p)) for a in self.aspects]) for p in self.procedures]


COMPARE_ASPECTS: tuple[Aspect, ...] = (
    Aspect("summary", _("What it is"), "text"),
    Aspect("anaesthesia", _("Anaesthesia"), "fact"),
    Aspect("typical_duration", _("How long it takes"), "fact"),
    Aspect("setting_and_stay", _("Setting and hospital stay"), "fact"),
    Aspect("return_to_activity", _("Return to normal activity"), "fact"),
    Aspect("return_to_work", _("Return to work"), "fact"),
    Aspect("risks", _("Main risks, with rates"), "risks"),
    Aspect("who_it_suits", _("Who it suits"), "facts"),
)

BENEFITS_AND_HARMS: tuple[Aspect, ...] = (
    Aspect("benefits", _("Benefits"), "facts"),
    Aspect("risks", _("Risks, with rates"), "risks"),
)


def ordered_options(kb: KnowledgeBase, only: Iterable[str] | None = None) -> list[Procedure]:
    """The options in the knowledge base's order, non-surgical care always first; ``only`` picks some."""
    wanted = set(only) if only is not None else None
    options = [p for p in kb.procedures.values() if wanted is None or p.id in wanted]
    return sorted(options, key=lambda p: p.id != FIRST_OPTION)  # stable: the rest keep their order


def compare(procedures: list[Procedure], aspects: tuple[Aspect, ...] = COMPARE_ASPECTS) -> Comparison:
    return Comparison(procedures, aspects)
