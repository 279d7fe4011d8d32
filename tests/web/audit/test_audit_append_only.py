"""The audit trail is append-only: the model refuses changes and deletions, and on PostgreSQL a trigger refuses
them too, from any client, except removing a deleted account's identity (``trail.forget_actor``). TRUNCATE (test
flushes) still works."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from spinepath.web.audit.models import Action, AppendOnlyError, AuditEvent
from spinepath.web.audit.trail import forget_actor, record

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


@pytest.fixture
def postgresql(db: None) -> None:
    # Decided when the test runs: the database is pointed at PostgreSQL only once the session's cluster is up.
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's (these tests run on SQLite only when PostgreSQL is not installed)")


@pytest.fixture
def events() -> list[AuditEvent]:
    return [
        AuditEvent.objects.create(actor_id=41, actor_role="patient", action=Action.VIEW, object_type="request",
                                  object_id="3", request_reference="SP-CCCC444", ip_address="198.51.100.4"),
        AuditEvent.objects.create(actor_id=41, actor_role="patient", action=Action.CHANGE, object_type="request",
                                  object_id="3", request_reference="SP-CCCC444", ip_address="198.51.100.4",
                                  detail="note changed"),
        AuditEvent.objects.create(actor_id=42, actor_role="coordinator", action=Action.VIEW, object_type="request",
                                  object_id="3", request_reference="SP-CCCC444", ip_address="203.0.113.9"),
    ]


# ---- through the ORM ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("attempt", [
    pytest.param(lambda e: AuditEvent.objects.filter(pk=e.pk).update(detail="x"), id="queryset-update"),
    pytest.param(lambda e: AuditEvent.objects.filter(pk=e.pk).delete(), id="queryset-delete"),
    pytest.param(lambda e: AuditEvent.objects.all().delete(), id="delete-all"),
    pytest.param(lambda e: e.delete(), id="instance-delete"),
    pytest.param(lambda e: (setattr(e, "detail", "x"), e.save()), id="instance-save"),
    pytest.param(lambda e: (setattr(e, "actor_id", None), e.save(update_fields=["actor_id"])),
                 id="instance-save-even-removing-identity"),
])
def test_the_orm_refuses_to_change_or_delete_an_event(events, attempt):
    with pytest.raises(AppendOnlyError):
        attempt(events[0])

    assert AuditEvent.objects.count() == 3
    assert AuditEvent.objects.get(pk=events[0].pk).actor_id == 41


# ---- in the database itself (PostgreSQL) --------------------------------------------------------------------------

def run_sql(sql: str, params: list[object]) -> int:
    with transaction.atomic(), connection.cursor() as cursor:  # a savepoint, so the test goes on after a refusal
        cursor.execute(sql, params)
        return cursor.rowcount


@pytest.mark.usefixtures("postgresql")
@pytest.mark.parametrize("sql", [
    pytest.param(f"UPDATE {TABLE} SET detail = 'rewritten' WHERE id = %s", id="change-a-column"),
    pytest.param(f"UPDATE {TABLE} SET at = at - interval '1 day' WHERE id = %s", id="backdate"),
    pytest.param(f"DELETE FROM {TABLE} WHERE id = %s", id="delete"),
    pytest.param(f"UPDATE {TABLE} SET actor_id = NULL, ip_address = NULL WHERE id = %s",
                 id="remove-identity-without-saying-so"),
    pytest.param(f"UPDATE {TABLE} SET actor_id = NULL, identity_removed = true WHERE id = %s",
                 id="remove-identity-but-keep-the-address"),
    pytest.param(f"UPDATE {TABLE} SET actor_id = NULL, ip_address = NULL, identity_removed = true, "
                 f"detail = 'rewritten' WHERE id = %s", id="remove-identity-and-change-a-column"),
    pytest.param(f"UPDATE {TABLE} SET actor_id = NULL, ip_address = NULL, identity_removed = true, "
                 f"action = 'delete' WHERE id = %s", id="remove-identity-and-change-the-action"),
    pytest.param(f"UPDATE {TABLE} SET actor_id = 99 WHERE id = %s", id="change-the-actor"),
])
def test_postgresql_refuses_raw_updates_and_deletes(events, sql):
    with pytest.raises(DatabaseError, match="audit events are append-only"):
        run_sql(sql, [events[1].pk])

    unchanged = AuditEvent.objects.get(pk=events[1].pk)
    assert (unchanged.actor_id, unchanged.ip_address, unchanged.detail, unchanged.action) == (
        41, "198.51.100.4", "note changed", "change")


@pytest.mark.usefixtures("postgresql")
def test_postgresql_allows_removing_identity_and_nothing_else(events):
    changed = run_sql(f"UPDATE {TABLE} SET actor_id = NULL, ip_address = NULL, identity_removed = true "
                      f"WHERE id = %s", [events[0].pk])

    assert changed == 1
    forgotten = AuditEvent.objects.get(pk=events[0].pk)
    assert (forgotten.actor_id, forgotten.ip_address, forgotten.identity_removed) == (None, None, True)
    assert (forgotten.actor_role, forgotten.action, forgotten.at) == ("patient", "view", events[0].at)


@pytest.mark.usefixtures("postgresql")
def test_truncate_still_works_for_test_flushes(events):
    run_sql(f"TRUNCATE {TABLE}", [])

    assert AuditEvent.objects.count() == 0


@pytest.mark.usefixtures("postgresql")
def test_the_trigger_is_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE])
        assert [row[0] for row in cursor.fetchall()] == ["spinepath_audit_append_only"]


# ---- forgetting a deleted account ---------------------------------------------------------------------------------

def test_forget_actor_removes_identity_and_keeps_the_events(events):
    assert forget_actor(41) == 2

    assert AuditEvent.objects.count() == 3
    for event in AuditEvent.objects.filter(pk__in=[events[0].pk, events[1].pk]):
        assert (event.actor_id, event.ip_address, event.identity_removed) == (None, None, True)
        assert (event.actor_role, event.request_reference) == ("patient", "SP-CCCC444")
    other = AuditEvent.objects.get(pk=events[2].pk)
    assert (other.actor_id, other.ip_address, other.identity_removed) == (42, "203.0.113.9", False)
    assert forget_actor(41) == 0


def test_record_appends_an_event_without_a_request():
    event = record(None, Action.EXPORT, "audit_trail", detail="x" * 300, actor_id=5, actor_role="admin")

    assert (event.actor_id, event.actor_role, event.ip_address, len(event.detail)) == (5, "admin", None, 200)
