"""The audit trail's pages: for admins only, filtered and paged, exported as CSV or JSON (the export recorded as an
event of its own), and read-only in the Django admin."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.utils import timezone

from spinepath.web.accounts.models import Role
from spinepath.web.audit.export import FIELDS
from spinepath.web.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db

EVENTS = "/en/audit/"
CSV = "/en/audit/export.csv"
JSON = "/en/audit/export.json"
UTC = datetime.UTC


@contextmanager
def clock(at: datetime.datetime) -> Iterator[None]:
    """Events take their time from the database's auto_now_add (timezone.now): set it, since an event can never be
    changed afterwards."""
    real = timezone.now
    timezone.now = lambda: at  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = real  # type: ignore[assignment]


def event(at: datetime.datetime, **fields: object) -> AuditEvent:
    defaults: dict[str, object] = {"actor_id": 7, "actor_role": "coordinator", "action": Action.VIEW,
                                   "object_type": "request", "object_id": "1", "request_reference": "SP-AAAA222",
                                   "ip_address": "192.0.2.1"}
    with clock(at):
        return AuditEvent.objects.create(**{**defaults, **fields})


@pytest.fixture
def trail() -> dict[str, AuditEvent]:
    """Five events over three days, by different people, about two requests."""
    return {
        "coordinator-views": event(datetime.datetime(2001, 3, 1, 9, 0, tzinfo=UTC)),
        "surgeon-downloads": event(datetime.datetime(2001, 3, 2, 10, 0, tzinfo=UTC), actor_id=8,
                                   actor_role="surgeon", action=Action.DOWNLOAD, object_type="imaging_file",
                                   object_id="f-1"),
        "patient-changes": event(datetime.datetime(2001, 3, 2, 23, 59, tzinfo=UTC), actor_id=9, actor_role="patient",
                                 action=Action.CHANGE, request_reference="SP-BBBB333"),
        "anonymous-refused": event(datetime.datetime(2001, 3, 3, 0, 0, tzinfo=UTC), actor_id=None, actor_role="",
                                   action=Action.DENIED, object_type="account", object_id="",
                                   request_reference=""),
        "coordinator-routes": event(datetime.datetime(2001, 3, 3, 12, 0, tzinfo=UTC), action=Action.CHANGE,
                                    detail="routed to 2 hospitals"),
    }


def shown(html: str) -> list[str]:
    """The time of each event row on the page, in order: the test's own events (dated 2001), not those that
    signing in records today."""
    return re.findall(r'<td><time datetime="[^"]+">(2001-[\d-]+ [\d:]+)</time></td>', html)


def times(trail: dict[str, AuditEvent], *names: str) -> list[str]:
    return [f"{trail[name].at:%Y-%m-%d %H:%M:%S}" for name in names]


# ---- who may see it -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [EVENTS, CSV, JSON], ids=["list", "csv", "json"])
@pytest.mark.parametrize("role", [Role.PATIENT, Role.COORDINATOR, Role.SURGEON])
def test_other_roles_are_refused_and_the_refusal_is_recorded(signed_in, trail, url, role):
    response = signed_in(role).get(url)

    assert response.status_code == 403
    assert b"SP-AAAA222" not in response.content
    refused = AuditEvent.objects.filter(action=Action.DENIED, object_type="audit_trail").get()
    assert refused.actor_role == role
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


@pytest.mark.parametrize("url", [EVENTS, CSV, JSON], ids=["list", "csv", "json"])
def test_anonymous_visitors_are_sent_to_sign_in(client, trail, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/en/account/sign-in/?next=")
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_an_admin_must_confirm_the_second_step_first(signed_in, trail):
    response = signed_in(Role.ADMIN, second_step=False).get(EVENTS)

    assert response.status_code == 302
    assert "/en/account/two-step/" in response["Location"] or "/en/account/sign-in/code/" in response["Location"]


def test_an_admin_sees_every_event_newest_first(admin, trail):
    response = admin.get(EVENTS)

    assert response.status_code == 200
    html = response.content.decode()
    assert shown(html) == times(trail, "coordinator-routes", "anonymous-refused", "patient-changes",
                                "surgeon-downloads", "coordinator-views")
    assert "6 events" in html  # and the admin's sign-in
    assert "routed to 2 hospitals" in html and "identity removed" not in html


# ---- filters ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    pytest.param("actor_id=8", ["surgeon-downloads"], id="actor"),
    pytest.param("role=coordinator", ["coordinator-routes", "coordinator-views"], id="role"),
    pytest.param("role=none", ["anonymous-refused"], id="no-role"),
    pytest.param("action=change", ["coordinator-routes", "patient-changes"], id="action"),
    pytest.param("object_type=imaging_file", ["surgeon-downloads"], id="object-type"),
    pytest.param("request_reference=sp-bbbb333", ["patient-changes"], id="request-reference-any-case"),
    pytest.param("date_from=2001-03-02&date_to=2001-03-02", ["patient-changes", "surgeon-downloads"],
                 id="one-whole-day-inclusive"),
    pytest.param("date_from=2001-03-03", ["coordinator-routes", "anonymous-refused"], id="from-midnight"),
    pytest.param("date_to=2001-03-01", ["coordinator-views"], id="up-to-a-day"),
    pytest.param("role=coordinator&action=change&request_reference=SP-AAAA222", ["coordinator-routes"],
                 id="combined"),
    pytest.param("actor_id=99", [], id="nothing-matches"),
])
def test_the_list_filters(admin, trail, query, expected):
    html = admin.get(f"{EVENTS}?{query}").content.decode()

    assert shown(html) == times(trail, *expected)
    if not expected:
        assert "No events match these filters." in html


@pytest.mark.parametrize("query", ["date_from=2001-03-03&date_to=2001-03-01", "actor_id=someone", "action=erase"],
                         ids=["dates-reversed", "actor-not-an-id", "unknown-action"])
def test_a_filter_that_cannot_be_read_is_said_and_shows_nothing(admin, trail, query):
    html = admin.get(f"{EVENTS}?{query}").content.decode()

    assert "Some filters could not be read." in html
    assert shown(html) == []
    assert admin.get(f"{CSV}?{query}").status_code == 400
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_the_list_is_paged_and_the_pages_keep_the_filter(admin):
    start = datetime.datetime(2001, 1, 1, tzinfo=UTC)
    for minute in range(120):
        event(start + datetime.timedelta(minutes=minute), actor_role="surgeon")
    event(start, actor_role="patient")

    first = admin.get(f"{EVENTS}?role=surgeon").content.decode()
    last = admin.get(f"{EVENTS}?role=surgeon&page=3").content.decode()

    assert len(shown(first)) == 50 and len(shown(last)) == 20
    assert "Page 1 of 3" in first and 'href="?role=surgeon&amp;page=2" rel="next"' in first
    assert 'href="?role=surgeon&amp;page=2" rel="prev"' in last
    assert shown(first)[0] == "2001-01-01 01:59:00"


# ---- export -------------------------------------------------------------------------------------------------------

def read_csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def read_json(response) -> list[dict[str, object]]:
    return json.loads(b"".join(response.streaming_content))


@pytest.mark.parametrize(("url", "content_type", "read"), [
    (CSV, "text/csv; charset=utf-8", read_csv),
    (JSON, "application/json", read_json),
], ids=["csv", "json"])
def test_the_export_streams_the_filtered_events_oldest_first(admin, trail, url, content_type, read):
    response = admin.get(f"{url}?request_reference=SP-AAAA222")

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == content_type
    assert re.fullmatch(r'attachment; filename="audit-trail-\d{8}T\d{6}Z\.(csv|json)"',
                        response["Content-Disposition"])
    rows = read(response)
    assert [row["id"] for row in rows] == [str(trail[name].id) if url == CSV else trail[name].id
                                           for name in ("coordinator-views", "surgeon-downloads",
                                                        "coordinator-routes")]
    first = rows[0]
    assert list(first) == list(FIELDS)
    assert first["at"] == "2001-03-01T09:00:00+00:00"
    assert first["action"] == "view" and first["request_reference"] == "SP-AAAA222"
    assert first["ip_address"] == "192.0.2.1"
    assert first["actor_id"] == ("7" if url == CSV else 7)
    assert rows[-1]["detail"] == "routed to 2 hospitals"


@pytest.mark.parametrize("url", [CSV, JSON], ids=["csv", "json"])
def test_the_export_is_itself_recorded(admin, trail, url):
    response = admin.get(f"{url}?role=patient&date_from=2001-03-01")
    b"".join(response.streaming_content)

    exported = AuditEvent.objects.get(action=Action.EXPORT)
    assert exported.actor_role == Role.ADMIN and exported.object_type == "audit_trail"
    assert exported.detail == f"{url[-4:].lstrip('.')}; role=patient; date_from=2001-03-01"


def test_an_unfiltered_export_includes_its_own_event(admin, trail):
    rows = read_json(admin.get(JSON))

    assert [row["action"] for row in rows] == ["view", "download", "change", "denied", "change", "login", "export"]
    assert rows[-1]["detail"] == "json"


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised(admin):
    event(datetime.datetime(2001, 3, 1, tzinfo=UTC), detail='=HYPERLINK("http://example.org","x")')

    rows = read_csv(admin.get(f"{CSV}?request_reference=SP-AAAA222"))

    assert rows[0]["detail"] == '\'=HYPERLINK("http://example.org","x")'


# ---- Django admin: read-only --------------------------------------------------------------------------------------

ADMIN_URL = "/admin/spinepath_audit/auditevent/"


def test_the_django_admin_lists_events_but_cannot_add_change_or_delete(admin_client, trail):
    one = trail["coordinator-views"]

    listing = admin_client.get(ADMIN_URL)
    assert listing.status_code == 200
    assert "SP-AAAA222" in listing.content.decode()
    assert 'name="action"' not in listing.content.decode()  # no bulk actions (no "delete selected")

    assert admin_client.get(f"{ADMIN_URL}add/").status_code == 403
    assert admin_client.get(f"{ADMIN_URL}{one.pk}/delete/").status_code == 403
    view = admin_client.get(f"{ADMIN_URL}{one.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    changed = admin_client.post(f"{ADMIN_URL}{one.pk}/change/", {"detail": "rewritten"})
    assert changed.status_code == 403
    assert AuditEvent.objects.get(pk=one.pk).detail == ""

