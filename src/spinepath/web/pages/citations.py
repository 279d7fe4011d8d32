"""Which sources a knowledge-base entry cites, in the order a reader meets them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pydantic import BaseModel

from spinepath.core.knowledge import Fact, KnowledgeBase, Risk, Source

__all__ = ["cited_sources"]


def cited_sources(kb: KnowledgeBase, item: BaseModel, also: Iterable[str] = ()) -> list[Source]:
    """Every source cited by a fact or risk anywhere inside ``item`` (after the ids in ``also``), once each."""
    ids = dict.fromkeys([*also, *_source_ids(item)])
    return [kb.source(source_id) for source_id in ids]


def _source_ids(item: BaseModel) -> Iterator[str]:
    if isinstance(item, Fact | Risk):
        yield from item.sources
    for name in type(item).model_fields:
        value = getattr(item, name)
        for element in value if isinstance(value, list) else [value]:
            if isinstance(element, BaseModel):
                yield from _source_ids(element)
