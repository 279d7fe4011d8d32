"""The audit trail written out as CSV or JSON, streamed row by row (an export of millions of events holds one
chunk in memory, not the table)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from .models import AuditEvent

__all__ = ["FIELDS", "as_csv", "as_json", "event_as_dict"]

FIELDS = ("id", "at", "actor_id", "actor_role", "action", "object_type", "object_id", "request_reference",
          "detail", "ip_address", "identity_removed")
_CHUNK = 2000
# A cell starting with one of these is read as a formula by spreadsheets (CSV injection): it is prefixed with "'".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def event_as_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "request_reference": event.request_reference,
        "detail": event.detail,
        "ip_address": event.ip_address,
        "identity_removed": event.identity_removed,
    }


class _Line:
    """What csv.writer writes to: hands back each line instead of buffering it."""

    def write(self, line: str) -> str:
        return line


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _events(events: QuerySet[AuditEvent]) -> Iterable[AuditEvent]:
    return events.order_by("at", "id").iterator(chunk_size=_CHUNK)


def as_csv(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(FIELDS)
    for event in _events(events):
        row = event_as_dict(event)
        yield writer.writerow([_cell(row[field]) for field in FIELDS])


def as_json(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """A JSON array of events, oldest first, one event per line."""
    yield "[\n"
    first = True
    for event in _events(events):
        yield ("" if first else ",\n") + json.dumps(event_as_dict(event), ensure_ascii=False)
        first = False
    yield "\n]\n"
