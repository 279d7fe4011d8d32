"""The decision aid's two instruments, as data: values clarification and the SURE test.

Written to the IPDAS qualifying criteria for patient decision aids (Joseph-Williams N, et al. Med Decis Making
2014;34:699-710). Nothing here weighs the options: a value only names the knowledge-base facts that speak to
it, and the results page shows those facts side by side for the options the person picked. The SURE test is
scored as published (Légaré F, et al. Can Fam Physician 2010;56:e308-14): one point per "yes"; 4 of 4 means
no decisional conflict, 3 or less suggests it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from spinepath.core.knowledge import Risk

from .comparison import Aspect

__all__ = [
    "NO_CONFLICT_SCORE",
    "RATING_CHOICES",
    "SURE_ITEMS",
    "VALUES",
    "SureItem",
    "Value",
    "highest_rated",
    "sure_score",
]

# Risk names in procedures.yaml that describe a further operation or the problem coming back (second
# operation, repeat surgery, reherniation, "needing another procedure later"); every other risk is a complication.
_FURTHER_OPERATION_WORDS = ("second operation", "repeat surgery", "reherniation", "coming back", "another procedure")


def is_further_operation(risk: Risk) -> bool:
    name = risk.name.lower()
    return any(word in name for word in _FURTHER_OPERATION_WORDS)


def is_complication(risk: Risk) -> bool:
    return not is_further_operation(risk)


@dataclass(frozen=True, slots=True)
class Value:
    """A statement the person rates for importance, and the knowledge-base aspects that speak to it."""

    key: str
    statement: str | Promise
    aspects: tuple[Aspect, ...]


VALUES: tuple[Value, ...] = (
    Value("avoid_operation", _("Avoiding an operation"),
          (Aspect("summary", _("What it is"), "text"), Aspect("how_it_is_done", _("How it is done"), "text"))),
    Value("fast_leg_pain_relief", _("The fastest relief of leg pain"),
          (Aspect("benefits", _("Benefits"), "facts"),)),
    Value("short_recovery", _("The shortest recovery and time off work"),
          (Aspect("setting_and_stay", _("Setting and hospital stay"), "fact"),
           Aspect("return_to_activity", _("Return to normal activity"), "fact"),
           Aspect("return_to_work", _("Return to work"), "fact"))),
    Value("few_complications", _("The lowest risk of complications"),
          (Aspect("risks", _("Complications, with rates"), "risks", keep=is_complication),)),
    Value("no_further_operation", _("The lowest chance of needing another operation"),
          (Aspect("risks", _("Another operation, or the problem coming back, with rates"), "risks",
                  keep=is_further_operation),)),
    Value("avoid_general_anaesthesia", _("Avoiding a general anaesthetic"),
          (Aspect("anaesthesia", _("Anaesthesia"), "fact"),)),
)

RATING_CHOICES: list[tuple[int, str | Promise]] = [
    (1, _("1 – not important")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, _("5 – very important")),
]


def highest_rated(ratings: Mapping[str, int | None]) -> list[tuple[Value, int]]:
    """The values given the highest rating (all of them when tied), with that rating; none if nothing is rated."""
    rated = {key: rating for key, rating in ratings.items() if rating is not None}
    if not rated:
        return []
    top = max(rated.values())
    return [(value, top) for value in VALUES if rated.get(value.key) == top]


@dataclass(frozen=True, slots=True)
class SureItem:
    key: str
    name: str | Promise
    question: str | Promise
    what_may_help: str | Promise


SURE_ITEMS: tuple[SureItem, ...] = (
    SureItem("sure", _("Sure of myself"), _("Do you feel sure about the best choice for you?"),
             _("Take more time: you do not have to decide today. Go through the options and your answers again.")),
    SureItem("understand", _("Understand information"), _("Do you know the benefits and risks of each option?"),
             _("Read the pages about each option and the comparison again, and write down what you want to ask.")),
    SureItem("risk_benefit", _("Risk-benefit ratio"),
             _("Are you clear about which benefits and risks matter most to you?"),
             _("Go back to “What matters most to you” and rate the statements again.")),
    SureItem("encouragement", _("Encouragement"), _("Do you have enough support and advice to make a choice?"),
             _("Talk it over with someone you trust, bring them to your appointment, or ask for a second "
               "opinion.")),
)

NO_CONFLICT_SCORE = 4  # Légaré 2010: 4 of 4 "yes" = no decisional conflict; 3 or less suggests conflict


def sure_score(answers: Mapping[str, str | None]) -> int | None:
    """The number of "yes" answers, or ``None`` until all four items are answered."""
    given = [answers.get(item.key) for item in SURE_ITEMS]
    if any(answer not in ("yes", "no") for answer in given):
        return None
    return sum(answer == "yes" for answer in given)
