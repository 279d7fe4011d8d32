"""The knowledge base as plain-text sections, for any adapter that shows a procedure (CLI, PDF, web).

Every fact carries its sources; a weak fact (practice pages, secondary summaries) carries its flag, and what
the evidence could not confirm is said as "not known", never filled in.
"""

from __future__ import annotations

from .models import Fact, KnowledgeBase, Procedure, Risk


def cite(item: Fact | Risk) -> str:
    flag = f" — {item.flag}" if item.flag else ""
    return f"[{', '.join(item.sources)}]{flag}"


def fact_line(fact: Fact | None) -> str:
    return "not known" if fact is None else f"{fact.text} {cite(fact)}"


def procedure_sections(procedure: Procedure, kb: KnowledgeBase) -> list[tuple[str, list[str]]]:
    sections: list[tuple[str, list[str]]] = [
        ("Who it suits", [fact_line(f) for f in procedure.who_it_suits] or ["not known"]),
        ("How it is done", [procedure.how_it_is_done]),
        ("Anaesthesia", [fact_line(procedure.anaesthesia)]),
        ("Typical duration", [fact_line(procedure.typical_duration)]),
        ("Incision", [fact_line(procedure.incision)]),
        ("Setting and length of stay", [fact_line(procedure.setting_and_stay)]),
        ("Return to normal activity", [fact_line(procedure.return_to_activity)]),
        ("Return to work", [fact_line(procedure.return_to_work)]),
        ("Benefits", [fact_line(f) for f in procedure.benefits] or ["not known"]),
        ("Risks", [f"{r.name}: {r.rate} {cite(r)}" for r in procedure.risks] or ["not known"]),
    ]
    for variant in procedure.variants:
        lines = [variant.summary, *(fact_line(f) for f in variant.facts),
                 *(f"{r.name}: {r.rate} {cite(r)}" for r in variant.risks),
                 *(f"Not known: {gap}" for gap in variant.not_known)]
        sections.append((f"Variant: {variant.name}", lines))
    if procedure.alternatives:
        sections.append(("Alternatives", [kb.procedure(a).name for a in procedure.alternatives]))
    if procedure.not_known:
        sections.append(("What the evidence does not tell us", list(procedure.not_known)))
    cited = sorted(_source_ids(procedure))
    sections.append(("Sources", [f"{kb.source(s).citation} {kb.source(s).url}" for s in cited]))
    return sections


def _source_ids(procedure: Procedure) -> set[str]:
    ids: set[str] = set()
    facts: list[Fact | Risk | None] = [
        *procedure.who_it_suits, procedure.anaesthesia, procedure.typical_duration, procedure.incision,
        procedure.setting_and_stay, procedure.return_to_activity, procedure.return_to_work, *procedure.benefits,
        *procedure.risks]
    for variant in procedure.variants:
        facts += [*variant.facts, *variant.risks]
    for fact in facts:
        if fact is not None:
            ids.update(fact.sources)
    return ids
