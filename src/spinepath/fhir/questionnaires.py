"""Outcome instruments as FHIR R4 ``Questionnaire`` resources, and answers as ``QuestionnaireResponse`` (export and
import), built with ``fhir.resources.R4B``.

Why R4B models for R4: ``fhir.resources`` 8 ships R5 as its default package and R4B (4.3.0) and STU3 as
sub-packages; there is no R4 (4.0.1) package any more. ``Questionnaire`` and ``QuestionnaireResponse`` have the
same elements in R4 and R4B for everything used here (items with ``linkId``, ``prefix``, ``text``, ``type``,
``code``, ``answerOption``, ``repeats``, ``readOnly``; answers ``valueCoding`` / ``valueInteger`` /
``valueBoolean`` / ``valueDecimal``), so the JSON produced is valid R4.

Codes: only the LOINC codes named in the instrument data (pain 72514-3 on NRS items; ODI panel 97908-8 and score
97909-6). Answer codes use spinepath's own system ``urn:spinepath:answers:<instrument id>``; each answer option
carries its points in the ``ordinalValue`` extension. Licensed instruments are exported without any item or
answer wording unless the deployer supplied it (the instrument passed in then carries it).

Import validates totally and names the item in every message: an unknown ``linkId`` (with "did you mean"), an
answer of the wrong type, a code the item does not offer, several answers to a single-answer item, a response
to another questionnaire or version. Computed score items (``score``, ``score-<subscale>``) and display items are
read-only and ignored on import: scores are always recomputed by the core.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from spinepath.core.errors import FieldProblem, SpinepathError
from spinepath.core.knowledge.models import did_you_mean
from spinepath.core.outcomes import AnswerError, Instrument, Score, validate_answers
from spinepath.core.outcomes.scoring import Answers

__all__ = [
    "ANSWER_SYSTEM",
    "CANONICAL_BASE",
    "ResponseImportError",
    "answers_from_response",
    "canonical_url",
    "questionnaire",
    "questionnaire_response",
]

CANONICAL_BASE = "urn:spinepath:questionnaire"
ANSWER_SYSTEM = "urn:spinepath:answers"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
_TYPES = {"choice": "choice", "integer": "integer", "tick": "boolean"}


class ResponseImportError(SpinepathError):
    """A QuestionnaireResponse was refused; ``problems`` locate each mistake (``/item/<n>``) and name the item."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"The QuestionnaireResponse cannot be imported ({len(problems)} problem(s)):\n{lines}")


def canonical_url(instrument: Instrument) -> str:
    return f"{CANONICAL_BASE}:{instrument.id}"


def _answer_system(instrument: Instrument) -> str:
    return f"{ANSWER_SYSTEM}:{instrument.id}"


def _fhir_id(instrument: Instrument) -> str:
    return instrument.id.replace("_", "-")  # FHIR ids allow letters, digits, '-' and '.'


# ---- export -----------------------------------------------------------------------------------------------------


def questionnaire(instrument: Instrument) -> Questionnaire:
    """The instrument as an R4 Questionnaire. Item and answer wording is included only where the instrument
    carries it (shipped, or merged in from a deployer's item-text file)."""
    items: list[dict[str, Any]] = []
    if instrument.instructions:
        items.append({"linkId": "instructions", "type": "display", "text": instrument.instructions})
    for item in instrument.items:
        entry: dict[str, Any] = {"linkId": item.id, "prefix": item.number, "type": _TYPES[item.kind]}
        if item.text is not None:
            entry["text"] = item.text
        if item.codes:
            entry["code"] = [{"system": c.system, "code": c.code} for c in item.codes]
        if item.multiple_marks == "highest":
            entry["repeats"] = True  # paper forms may carry two marks; the higher counts when scored
        if item.kind == "choice":
            entry["answerOption"] = [
                {
                    "valueCoding": {"system": _answer_system(instrument), "code": str(option.code)}
                    | ({"display": option.label} if option.label is not None else {}),
                    "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.points}],
                }
                for option in item.options
            ]
        elif item.kind == "integer":
            entry["extension"] = [{"url": MIN_VALUE, "valueInteger": item.minimum},
                                  {"url": MAX_VALUE, "valueInteger": item.maximum}]
            if item.anchors:
                anchors = "; ".join(f"{value} = {label}" for value, label in item.anchors.items())
                entry["item"] = [{"linkId": f"{item.id}-anchors", "type": "display", "text": anchors}]
        items.append(entry)
    items += _score_items(instrument)
    if instrument.licence.statement and instrument.has_item_text:
        items.append({"linkId": "copyright", "type": "display", "text": instrument.licence.statement})

    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": _fhir_id(instrument),
        "url": canonical_url(instrument),
        "version": instrument.version,
        "name": "".join(part.capitalize() for part in instrument.id.split("_")),
        "title": instrument.name,
        "status": "active",
        "description": instrument.description.strip(),
        "copyright": (instrument.licence.statement or instrument.licence.summary).strip(),
        "item": items,
    }
    if instrument.panel_code is not None:
        resource["code"] = [{"system": instrument.panel_code.system, "code": instrument.panel_code.code}]
    return Questionnaire.model_validate(resource)


def _score_items(instrument: Instrument) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if instrument.scoring.minimum is not None:
        entry: dict[str, Any] = {"linkId": "score", "type": "decimal", "readOnly": True,
                                 "text": f"{instrument.short_name} score"}
        if instrument.score_code is not None:
            entry["code"] = [{"system": instrument.score_code.system, "code": instrument.score_code.code}]
        items.append(entry)
    items += [
        {"linkId": f"score-{s.id}", "type": "decimal", "readOnly": True, "text": f"{s.name} score"}
        for s in instrument.subscales
        if len(s.items) > 1
    ]
    return items


def questionnaire_response(
    instrument: Instrument,
    answers: Answers,
    *,
    result: Score | None = None,
    subject: str | None = None,
    authored: datetime | None = None,
    status: str = "completed",
    response_id: str | None = None,
) -> QuestionnaireResponse:
    """Answers (validated by the core first) as a QuestionnaireResponse; unanswered items are left out. With
    ``result``, its computed total and subscale scores are added as read-only ``score`` items."""
    validate_answers(instrument, answers)
    items: list[dict[str, Any]] = []
    for item in instrument.items:
        value = answers.get(item.id)
        marks: list[int] = [] if value is None else [value] if isinstance(value, int) else list(value)
        if not marks:
            continue
        entry: dict[str, Any] = {"linkId": item.id, "answer": [_answer(instrument, item, m) for m in marks]}
        if item.text is not None:
            entry["text"] = item.text
        items.append(entry)
    if result is not None:
        if result.value is not None:
            items.append({"linkId": "score", "answer": [{"valueDecimal": result.value}]})
        items += [{"linkId": f"score-{s.id}", "answer": [{"valueDecimal": s.value}]}
                  for s in result.subscales if s.value is not None and s.items > 1]
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{canonical_url(instrument)}|{instrument.version}",
        "status": status,
        "item": items,
    }
    if response_id is not None:
        resource["id"] = response_id
    if subject is not None:
        resource["subject"] = {"reference": subject}
    if authored is not None:
        resource["authored"] = authored.isoformat()
    return QuestionnaireResponse.model_validate(resource)


def _answer(instrument: Instrument, item: Any, code: int) -> dict[str, Any]:
    if item.kind == "tick":
        return {"valueBoolean": bool(code)}
    if item.kind == "integer":
        return {"valueInteger": code}
    label = next(o.label for o in item.options if o.code == code)
    coding = {"system": _answer_system(instrument), "code": str(code)}
    return {"valueCoding": coding | ({"display": label} if label is not None else {})}


# ---- import -----------------------------------------------------------------------------------------------------


def answers_from_response(
    response: QuestionnaireResponse | Mapping[str, Any] | str, instrument: Instrument
) -> dict[str, int | list[int]]:
    """Item id → answer code (a list where an item carries several marks), read from a QuestionnaireResponse
    for ``instrument``; raises :class:`ResponseImportError` naming every offending item."""
    parsed = _parse(response)
    problems: list[FieldProblem] = []
    expected = canonical_url(instrument)
    reference = parsed.questionnaire or ""
    url, _, version = reference.partition("|")
    if url != expected:
        problems.append(FieldProblem("/questionnaire", f"expected a response to {expected!r}, got {reference!r}"))
    elif version and version != instrument.version:
        problems.append(FieldProblem("/questionnaire", f"this spinepath scores {instrument.short_name} version "
                                                       f"{instrument.version!r}, not {version!r}"))
    known = {item.id: item for item in instrument.items}
    ignored = {"instructions", "copyright", "score", *(f"score-{s.id}" for s in instrument.subscales)}
    answers: dict[str, int | list[int]] = {}
    pointers: dict[str, str] = {}
    for index, entry in enumerate(parsed.item or []):
        pointer = f"/item/{index}"
        link = entry.linkId
        if not link:
            problems.append(FieldProblem(f"{pointer}/linkId", "every item needs a linkId"))
            continue
        if link in ignored:
            continue
        item = known.get(link)
        if item is None:
            problems.append(FieldProblem(f"{pointer}/linkId", f"unknown item {link!r} of {instrument.short_name}"
                                                              f"{did_you_mean(link, known)}"))
            continue
        if link in answers:
            problems.append(FieldProblem(f"{pointer}/linkId", f"item {link!r} appears twice"))
            continue
        codes = [
            code
            for a_index, answer in enumerate(entry.answer or [])
            if (code := _code(instrument, item, answer, f"{pointer}/answer/{a_index}", problems)) is not None
        ]
        if not codes:
            continue
        if len(codes) > 1 and item.multiple_marks != "highest":
            problems.append(FieldProblem(f"{pointer}/answer", f"item {link!r} takes one answer, got {len(codes)}"))
            continue
        answers[link] = codes if len(codes) > 1 else codes[0]
        pointers[link] = pointer
    if not problems:
        try:
            validate_answers(instrument, answers)
        except AnswerError as exc:
            problems += [FieldProblem(pointers.get(p.pointer.lstrip("/"), p.pointer),
                                      f"item {p.pointer.lstrip('/')!r}: {p.message}") for p in exc.problems]
    if problems:
        raise ResponseImportError(problems)
    return answers


def _parse(response: QuestionnaireResponse | Mapping[str, Any] | str) -> QuestionnaireResponse:
    if isinstance(response, QuestionnaireResponse):
        return response
    try:
        data = json.loads(response) if isinstance(response, str) else dict(response)
    except ValueError as exc:
        raise ResponseImportError([FieldProblem("", f"not JSON: {exc}")]) from exc
    if data.get("resourceType") != "QuestionnaireResponse":
        raise ResponseImportError([FieldProblem("/resourceType", "expected 'QuestionnaireResponse'")])
    try:
        return QuestionnaireResponse.model_validate(data)
    except ValidationError as exc:
        raise ResponseImportError([
            FieldProblem("/" + "/".join(str(part) for part in error["loc"]), error["msg"]) for error in exc.errors()
        ]) from exc


def _code(instrument: Instrument, item: Any, answer: Any, pointer: str, problems: list[FieldProblem]) -> int | None:
    name = f"item {item.id!r}"
    if item.kind == "tick":
        if answer.valueBoolean is None:
            problems.append(FieldProblem(pointer, f"{name}: expected valueBoolean (ticked or not)"))
            return None
        return int(answer.valueBoolean)
    if item.kind == "integer":
        if answer.valueInteger is None:
            problems.append(FieldProblem(pointer, f"{name}: expected valueInteger {item.minimum}-{item.maximum}"))
            return None
        value: int = answer.valueInteger
        if not item.minimum <= value <= item.maximum:
            problems.append(FieldProblem(pointer, f"{name}: {value} is outside {item.minimum}-{item.maximum}"))
            return None
        return value
    coding = answer.valueCoding
    allowed = ", ".join(str(o.code) for o in item.options)
    if coding is None or coding.system != _answer_system(instrument):
        problems.append(FieldProblem(pointer, f"{name}: expected valueCoding from {_answer_system(instrument)} "
                                              f"(codes {allowed})"))
        return None
    codes: dict[str, int] = {str(o.code): o.code for o in item.options}
    code = str(coding.code)
    if code not in codes:
        problems.append(FieldProblem(pointer, f"{name}: code {code!r} is not an answer (allowed: {allowed})"))
        return None
    return codes[code]
