"""``manage.py extract_kb_messages``: list every knowledge-base and engine text for ``makemessages``.

Knowledge-base text is data, shown through the ``kb`` template filter (a ``gettext`` call on a variable), so
``makemessages`` cannot find it. This command writes each such string once, as a ``gettext_noop("...")`` call,
into ``spinepath/web/pages/kb_messages.py``, which ``makemessages`` then reads like any other module. Run it
after changing the knowledge base or the rule texts; a test fails while the file is out of date.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from pydantic import BaseModel

from spinepath.core import assessment
from spinepath.core.knowledge import load_knowledge
from spinepath.core.outcomes import load_catalogue
from spinepath.core.outcomes import reasons as outcomes_reasons
from spinepath.core.outcomes import safety as outcomes_safety
from spinepath.core.outcomes.models import Instrument
from spinepath.core.rules import PROCEDURE_RULES, RED_FLAG_RULES, URGENT_REVIEW_FIRST, next_step, rule_table
from spinepath.web.outcomes.forms import wording_is_translatable

DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "kb_messages.py"

# Fields that are identifiers, references or bibliographic data, not text a reader needs in their language.
_NOT_TEXT = frozenset({
    "id", "sources", "strength", "kind", "url", "citation", "alternatives", "related_conditions",
    "treatment_options",
})

_HEADER = '''\
# ruff: noqa: E501
"""Every knowledge-base and engine text, for makemessages. Generated: do not edit.

Regenerate with ``python -m spinepath.web extract_kb_messages`` after changing
spinepath/core/knowledge/data/*.yaml, spinepath/core/outcomes/data/ or the rule texts. Nothing imports this
module.
"""

from django.utils.translation import gettext_noop

MESSAGES = (
'''


class Command(BaseCommand):
    help = "Write every knowledge-base and engine text as gettext_noop() calls, for makemessages."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                            help=f"where to write the module (default: {DEFAULT_OUTPUT})")

    def handle(self, *args: Any, output: Path, **options: Any) -> None:
        groups = collect_messages()
        output.write_text(render_module(groups), encoding="utf-8")
        self.stdout.write(f"Wrote {sum(len(texts) for _, texts in groups)} messages to {output}")


def collect_messages() -> list[tuple[str, list[str]]]:
    """(group, texts) in a stable order; each text appears once, in the first group that has it."""
    kb = load_knowledge()
    groups: list[tuple[str, Iterable[str]]] = [
        ("knowledge base: procedures", _texts_in(kb.procedures.values())),
        ("knowledge base: conditions", _texts_in(kb.conditions.values())),
        ("knowledge base: source titles", (source.title for source in kb.sources.values())),
        ("engine: red flags", _red_flag_texts()),
        ("engine: rule table", (row["text"] for row in rule_table())),
        ("engine: what is read when a rule's condition is unknown", _unknown_texts()),
        ("engine: advice, safety net, disclaimer and status labels", _engine_texts()),
        ("outcomes: post-operative safety questions, alerts and advice", _safety_texts()),
        ("outcomes: instrument names and descriptions", _instrument_names()),
        ("outcomes: wording of the instruments spinepath wrote or that are generic", _own_wording()),
        ("outcomes: score bands, units, change criteria and their populations", _reading_texts()),
        ("outcomes: why a score is incomplete", _reason_texts()),
        ("outcomes: who a typical-course figure is about", (p.group for p in load_catalogue().typical_courses)),
    ]
    seen: set[str] = set()
    collected: list[tuple[str, list[str]]] = []
    for name, texts in groups:
        fresh = [t for t in dict.fromkeys(texts) if t and t not in seen]
        seen.update(fresh)
        collected.append((name, fresh))
    return collected


def render_module(groups: list[tuple[str, list[str]]]) -> str:
    lines = [_HEADER]
    for name, texts in groups:
        lines.append(f"    # {name}\n")
        for text in texts:
            if "%" in text:
                # "60% of" is plain text, not a format string: keep xgettext from flagging it python-format.
                lines.append("    # xgettext:no-python-format\n")
            lines.append(f"    gettext_noop({_literal(text)}),\n")
    lines.append(")\n")
    return "".join(lines)


def _literal(text: str) -> str:
    # A double-quoted literal, as xgettext reads it: escape backslashes and double quotes only.
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _texts_in(items: Iterable[BaseModel]) -> Iterator[str]:
    for item in items:
        yield from _model_texts(item)


def _model_texts(item: BaseModel) -> Iterator[str]:
    for name in type(item).model_fields:
        if name in _NOT_TEXT:
            continue
        value = getattr(item, name)
        for element in value if isinstance(value, list) else [value]:
            if isinstance(element, str):
                yield element
            elif isinstance(element, BaseModel):
                yield from _model_texts(element)
    flag = getattr(item, "flag", None)  # any evidenced entry (fact, risk, ...) that is weak
    if isinstance(flag, str):
        yield flag


def _safety_texts() -> Iterator[str]:
    screen = load_catalogue().safety
    for question in screen.questions:
        yield question.text
    for level in screen.levels.values():
        yield level.advice
    for rule in screen.rules:
        yield rule.title
        yield rule.explanation
    yield outcomes_safety.ADVICE_INCOMPLETE
    yield outcomes_safety.ADVICE_ROUTINE


def _instruments() -> list[Instrument]:
    return list(load_catalogue().instruments.values())


def _instrument_names() -> Iterator[str]:
    for instrument in _instruments():
        yield instrument.name
        yield instrument.short_name
        yield instrument.description


def _own_wording() -> Iterator[str]:
    # Only spinepath's own questions and generic scales (see forms.wording_is_translatable): the items, answers,
    # instructions and copyright statement of validated third-party questionnaires are never extracted.
    for instrument in _instruments():
        if not wording_is_translatable(instrument):
            continue
        if instrument.instructions:
            yield instrument.instructions
        for item in instrument.items:
            yield item.topic  # names the item in a reason a form is incomplete
            if item.text:
                yield item.text
            for option in item.options:
                if option.label:
                    yield option.label
            yield from (item.anchors or {}).values()
            if item.unit:
                yield item.unit


def _reading_texts() -> Iterator[str]:
    for instrument in _instruments():
        yield instrument.scoring.unit
        for band in instrument.bands:
            yield band.label
        for criterion in instrument.criteria:
            yield criterion.name
            yield criterion.population


def _reason_texts() -> Iterator[str]:
    yield from outcomes_reasons.REASON_TEXTS.values()
    yield outcomes_reasons.IN_SUBSCALE


def _red_flag_texts() -> Iterator[str]:
    for rule in RED_FLAG_RULES:
        yield rule.title
        yield rule.explanation


def _unknown_texts() -> Iterator[str]:
    for table in PROCEDURE_RULES:
        for rule in (table.indication, *table.rules):
            if rule.unknown_text:
                yield rule.unknown_text
    yield URGENT_REVIEW_FIRST.text


def _engine_texts() -> Iterator[str]:
    yield next_step.ADVICE_EMERGENCY
    yield next_step.ADVICE_URGENT
    yield next_step.ADVICE_IMAGING
    yield next_step.ADVICE_CONSERVATIVE
    yield next_step.ADVICE_SPECIALIST
    for step in next_step.NEXT_STEPS:
        yield step.advice
    yield assessment.SAFETY_NET
    yield assessment.DISCLAIMER
    yield from assessment.STATUS_LABELS.values()
    yield assessment.OPEN_SURGERY_NOT_CANDIDATE_LABEL
