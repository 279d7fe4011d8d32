"""The shape of a rule. The tables in this package are data of these types; the engine only evaluates them.

A rule *caps* a procedure's status: the final status is the lowest cap of every rule that fired
(spec §2 precedence: not_candidate > insufficient_information > possible > candidate). A rule whose
condition is unknown applies ``if_unknown`` instead: another cap, or ``ASK`` (list the fields as missing,
change nothing — the spec's reading for fitness modifiers and mimics).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from ..assessment import StatusRank
from ..logic import Tri

__all__ = [
    "ASK",
    "CANDIDATE",
    "INSUFFICIENT",
    "NOT_CANDIDATE",
    "POSSIBLE",
    "Ask",
    "Rule",
    "When",
]

NOT_CANDIDATE: Final = StatusRank.NOT_CANDIDATE
INSUFFICIENT: Final = StatusRank.INSUFFICIENT_INFORMATION
POSSIBLE: Final = StatusRank.POSSIBLE
CANDIDATE: Final = StatusRank.CANDIDATE

Ask = Literal["ask"]
ASK: Final[Ask] = "ask"


@dataclass(frozen=True, slots=True)
class When:
    """A named condition. ``describe`` is what the rule table shows; ``test`` computes it.

    Patient-level tests take ``(facts)``; level tests take ``(facts, level_group)``.
    """

    describe: str
    test: Callable[..., Tri]


ALWAYS: Final = When("always", lambda *_: True)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    when: When
    then: StatusRank | None  # cap when the condition is true; None: a note (a reason that changes nothing)
    text: str
    source: str
    if_unknown: StatusRank | Ask = INSUFFICIENT
    unknown_text: str | None = None  # what the person reads when the condition is unknown
    per_level: bool = False
    asks: tuple[str, ...] = ()  # fields listed as missing when the rule fires with a cap (e.g. "/imaging")

    def describe_effect(self) -> str:
        then = "note" if self.then is None else f"at best {self.then.status}"
        unknown = "list as missing" if self.if_unknown == ASK else f"at best {self.if_unknown.status}"
        return f"{then}; if unknown: {unknown}"


def level_rule(**kwargs: Any) -> Rule:
    return Rule(per_level=True, **kwargs)
