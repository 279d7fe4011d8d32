"""spinepath's knowledge base (the "Educate" part): conditions, procedures and the sources behind them.

The data lives in ``data/*.yaml`` inside the package and is checked once, when first loaded: a fact citing an
unknown source, a missing procedure or a misspelt field fails at start-up with a :class:`KnowledgeError`
saying where and what to do, never in front of a patient. :func:`validate` is the pure check; it takes the
three files' contents as ``{"sources": [...], "procedures": [...], "conditions": [...]}``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..assessment import PROCEDURE_IDS
from ..errors import KnowledgeError
from .models import (
    CONDITION_IDS,
    Condition,
    Fact,
    KnowledgeBase,
    Procedure,
    Risk,
    Source,
    Variant,
    did_you_mean,
)

__all__ = [
    "Condition",
    "Fact",
    "KnowledgeBase",
    "Procedure",
    "Risk",
    "Source",
    "Variant",
    "load_knowledge",
    "validate",
]

# spec/assessment.md §4: the rule table cites these ids, so the knowledge base must resolve every one.
_SPEC_SOURCE_IDS: tuple[str, ...] = (
    "nass-ldh-2014",
    "nass-lss-2011",
    "nice-ng59",
    "acr-lbp-2021",
    "acp-aps-2007",
    "girft-ces-2023",
    "ahcpr-1994",
    "cms-ncd-150-13",
    "midas-encore",
    "nct00995371",
    "aspn-mist-2022",
    "sport-ldh",
    "peul-2007",
    "sport-lss",
    "nordsten-sst",
    "nordsten-ds",
    "sss-2021",
    "nass-fusion-2014",
    "cns-periop-2021",
    "cns-osteoporosis",
)

_SECTIONS: dict[str, type[BaseModel]] = {"sources": Source, "procedures": Procedure, "conditions": Condition}
# libyaml's safe loader when PyYAML has it (the same data, read ~8x faster: every command starts by loading this).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_WHAT = {"sources": "source", "procedures": "procedure", "conditions": "condition"}


@functools.lru_cache(maxsize=1)
def load_knowledge() -> KnowledgeBase:
    """The shipped knowledge base, read and validated once per process."""
    data = resources.files(__name__).joinpath("data")
    raw: dict[str, Any] = {}
    for section in _SECTIONS:
        name = f"{section}.yaml"
        try:
            raw[section] = yaml.load(data.joinpath(name).read_text(encoding="utf-8"), Loader=_SafeLoader)
        except (OSError, yaml.YAMLError) as exc:
            raise KnowledgeError(f"{name}: cannot be read as YAML: {exc}") from exc
    return validate(raw)


def validate(raw: Mapping[str, Any]) -> KnowledgeBase:
    """Build the knowledge base from plain data, or raise :class:`KnowledgeError` listing every problem."""
    problems: list[str] = []
    unknown = [key for key in raw if key not in _SECTIONS]
    problems += [f"unknown section {key!r}{did_you_mean(key, _SECTIONS)}" for key in unknown]
    problems += [f"missing section {key!r} ({key}.yaml)" for key in _SECTIONS if key not in raw]

    built: dict[str, dict[str, Any]] = {}
    for section, model in _SECTIONS.items():
        if section in raw:
            built[section] = _build_section(section, model, raw[section], problems)
    if problems:
        raise _inconsistent(problems)
    kb = KnowledgeBase.model_validate(built)
    problems = _cross_reference_problems(kb)
    if problems:
        raise _inconsistent(problems)
    return kb


def _inconsistent(problems: list[str]) -> KnowledgeError:
    lines = "\n".join(f"  - {p}" for p in problems)
    return KnowledgeError(
        f"The knowledge base is inconsistent ({len(problems)} problem(s)); fix the data files in "
        f"spinepath/core/knowledge/data:\n{lines}"
    )


def _build_section(section: str, model: type[BaseModel], entries: Any, problems: list[str]) -> dict[str, Any]:
    if not isinstance(entries, list):
        problems.append(f"{section}.yaml: expected a list of entries, got {type(entries).__name__}")
        return {}
    built: dict[str, Any] = {}
    for index, entry in enumerate(entries):
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        where = f"{section}.yaml, {_WHAT[section]} {entry_id!r}" if entry_id else f"{section}.yaml, entry {index}"
        try:
            item = model.model_validate(entry)
        except ValidationError as exc:
            problems += [f"{where}: {message}" for message in _describe(exc, model)]
            continue
        item_id = getattr(item, "id")  # noqa: B009 - every section model has an id; BaseModel does not say so
        if item_id in built:
            problems.append(f"{where}: duplicate id (ids must be unique)")
        built[item_id] = item
    return built


def _describe(exc: ValidationError, model: type[BaseModel]) -> Iterator[str]:
    for error in exc.errors():
        loc = error["loc"]
        pointer = "/" + "/".join(str(part) for part in loc)
        if error["type"] == "extra_forbidden":
            allowed = _field_names_at(model, loc[:-1])
            hint = did_you_mean(str(loc[-1]), allowed) or f" (allowed: {', '.join(allowed)})"
            yield f"{pointer}: unknown field{hint}"
        else:
            yield f"{pointer}: {error['msg']}"


def _field_names_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found by following ``loc`` from ``model`` (list indexes skipped)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        current = _model_in(field.annotation) if field is not None else None
    return list(current.model_fields) if current is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _cross_reference_problems(kb: KnowledgeBase) -> list[str]:
    problems: list[str] = []
    missing_spec = [sid for sid in _SPEC_SOURCE_IDS if sid not in kb.sources]
    problems += [f"sources.yaml: missing source {sid!r}, cited by spec/assessment.md §4" for sid in missing_spec]

    if tuple(kb.procedures) != PROCEDURE_IDS:
        problems.append(_id_list_problem("procedures", tuple(kb.procedures), PROCEDURE_IDS))
    if tuple(kb.conditions) != CONDITION_IDS:
        problems.append(_id_list_problem("conditions", tuple(kb.conditions), CONDITION_IDS))

    for procedure in kb.procedures.values():
        where = f"procedures.yaml, procedure {procedure.id!r}"
        problems += _source_problems(where, _evidence_in(procedure), kb)
        for index, other in enumerate(procedure.alternatives):
            if other == procedure.id:
                problems.append(f"{where} (/alternatives/{index}): a procedure is not its own alternative")
            elif other not in kb.procedures:
                problems.append(
                    f"{where} (/alternatives/{index}): unknown procedure id {other!r}"
                    f"{did_you_mean(other, kb.procedures)}"
                )
        for index, condition_id in enumerate(procedure.related_conditions):
            if condition_id not in kb.conditions:
                problems.append(
                    f"{where} (/related_conditions/{index}): unknown condition id {condition_id!r}"
                    f"{did_you_mean(condition_id, kb.conditions)}"
                )

    for condition in kb.conditions.values():
        where = f"conditions.yaml, condition {condition.id!r}"
        cited = [(f"/sources/{i}", sid) for i, sid in enumerate(condition.sources)]
        problems += _source_problems(where, [*cited, *_evidence_in(condition)], kb)
        for index, procedure_id in enumerate(condition.treatment_options):
            if procedure_id not in kb.procedures:
                problems.append(
                    f"{where} (/treatment_options/{index}): unknown procedure id {procedure_id!r}"
                    f"{did_you_mean(procedure_id, kb.procedures)}"
                )
    return problems


def _id_list_problem(section: str, found: tuple[str, ...], expected: tuple[str, ...]) -> str:
    missing = [i for i in expected if i not in found]
    extra = [i for i in found if i not in expected]
    details = []
    if missing:
        details.append(f"missing {', '.join(map(repr, missing))}")
    for i in extra:
        details.append(f"unknown {i!r}{did_you_mean(i, expected)}")
    if not details:
        details.append(f"wrong order: expected {', '.join(expected)}")
    return f"{section}.yaml: the {_WHAT[section]} ids must be exactly {len(expected)}; {'; '.join(details)}"


def _evidence_in(item: BaseModel, pointer: str = "") -> list[tuple[str, str]]:
    """Every (pointer, source id) cited by a fact or risk anywhere inside ``item``."""
    found: list[tuple[str, str]] = []
    if isinstance(item, Fact | Risk):
        found += [(f"{pointer}/sources/{i}", sid) for i, sid in enumerate(item.sources)]
    for name in type(item).model_fields:
        value = getattr(item, name)
        if isinstance(value, BaseModel):
            found += _evidence_in(value, f"{pointer}/{name}")
        elif isinstance(value, list):
            for index, element in enumerate(value):
                if isinstance(element, BaseModel):
                    found += _evidence_in(element, f"{pointer}/{name}/{index}")
    return found


def _source_problems(where: str, cited: list[tuple[str, str]], kb: KnowledgeBase) -> list[str]:
    return [
        f"{where} ({pointer}): unknown source id {sid!r}{did_you_mean(sid, kb.sources)}"
        for pointer, sid in cited
        if sid not in kb.sources
    ]
