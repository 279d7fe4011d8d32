"""Who may open what: every page of the console, the review and the file views, and every requests API endpoint,
for every role (spinepath.web.accounts.access: a request you may not see is 404, an action your role may not take
on it is 403; the pages of another role are 403; signing in first is a redirect, or 401 in the API).

One row per endpoint; the columns are the roles, in the order of ``ROLES``:

    anonymous, patient owner, other patient, coordinator of the organisation, coordinator of another one,
    surgeon of the routed hospital, surgeon of another hospital, admin
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from care_staff_world import ROLES, World
from django.urls import get_resolver, reverse

from spinepath.web.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    name: str  # URL name, or "api <METHOD> <path>"
    method: str
    expected: tuple[int, ...]  # one status per role, in the order of ROLES
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] | None = None


def page(name: str, **kwargs: Callable[[World], Any]) -> Callable[[World], str]:
    return lambda w: reverse(name, kwargs={key: make(w) for key, make in kwargs.items()})


def ref(w: World) -> str:
    return w.request.reference


def api(path: str) -> Callable[[World], str]:
    return lambda w: "/api/v1/requests" + path.format(reference=w.request.reference)


def post_decline(w: World) -> dict[str, Any]:
    return {"kind": "decline", "decline_reason": "We do not treat this."}


#                                                    anon owner other  coord other  surg  other admin
#                                                              pat.          coord  route surg
ENDPOINTS = [
    Endpoint("console:queue", "get", (302, 403, 403, 200, 200, 403, 403, 403), page("console:queue")),
    Endpoint("console:detail", "get", (302, 403, 403, 200, 404, 403, 403, 403), page("console:detail", reference=ref)),
    Endpoint("console:route", "post", (302, 403, 403, 302, 404, 403, 403, 403), page("console:route", reference=ref),
             lambda w: {"hospitals": [w.hospitals["spare"].pk]}),
    Endpoint("console:message", "post", (302, 403, 403, 302, 404, 403, 403, 403),
             page("console:message", reference=ref), lambda w: {"body": "Hello"}),
    Endpoint("console:prompt_urgent", "post", (302, 403, 403, 302, 404, 403, 403, 403),
             page("console:prompt_urgent", reference=ref), lambda w: {}),
    Endpoint("review:queue", "get", (302, 403, 403, 403, 403, 200, 200, 403), page("review:queue")),
    Endpoint("review:detail", "get", (302, 403, 403, 403, 403, 200, 404, 403), page("review:detail", reference=ref)),
    Endpoint("review:respond", "post", (302, 403, 403, 403, 403, 302, 404, 403),
             page("review:respond", reference=ref), post_decline),
    Endpoint("files:preview", "get", (302, 200, 404, 200, 404, 200, 404, 404),
             page("files:preview", reference=ref, file_id=lambda w: w.dicom.pk)),
    Endpoint("files:dicom", "get", (302, 200, 404, 200, 404, 200, 404, 404),
             page("files:dicom", reference=ref, file_id=lambda w: w.dicom.pk)),
    Endpoint("files:study", "get", (302, 200, 404, 200, 404, 200, 404, 404), page("files:study", reference=ref)),
    # The patient did not agree to share the PDF report as it is: only they may download it.
    Endpoint("files:report", "get", (302, 200, 404, 403, 404, 403, 404, 404),
             page("files:report", reference=ref, file_id=lambda w: w.report.pk)),
    Endpoint("api GET /requests", "get", (401, 200, 200, 200, 200, 200, 200, 200), api("")),
    Endpoint("api GET /requests/{reference}", "get", (401, 200, 404, 200, 404, 200, 404, 404), api("/{reference}")),
    Endpoint("api POST /requests/{reference}/routings", "post", (401, 403, 404, 201, 404, 403, 404, 404),
             api("/{reference}/routings"), lambda w: {"hospitals": [w.hospitals["spare"].pk]}),
    Endpoint("api POST /requests/{reference}/responses", "post", (401, 403, 404, 403, 404, 201, 404, 404),
             api("/{reference}/responses"), post_decline),
    Endpoint("api POST /requests/{reference}/messages", "post", (401, 201, 404, 201, 404, 403, 404, 404),
             api("/{reference}/messages"), lambda w: {"body": "Hello"}),
]
CASES = [pytest.param(endpoint, role, status, id=f"{endpoint.name}-{role}-{status}")
         for endpoint in ENDPOINTS for role, status in zip(ROLES, endpoint.expected, strict=True)]


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES)
def test_access_matrix(world: World, endpoint: Endpoint, role: str, expected: int) -> None:
    client = world.client(role)
    url = endpoint.url(world)
    data = endpoint.data(world) if endpoint.data else None
    is_api = endpoint.name.startswith("api ")
    if endpoint.method == "get":
        response = client.get(url)
    elif is_api:
        response = client.post(url, json.dumps(data), content_type="application/json")
    else:
        response = client.post(url, data)

    assert response.status_code == expected, getattr(response, "content", b"")[:500]
    if role == "anonymous" and not is_api:
        assert "next=" in response["Location"], "an anonymous visitor is sent to sign in"
    if expected == 404 and role != "anonymous" and not endpoint.name.endswith("queue"):
        # A refusal on a request is in the audit trail (with the reference that was tried).
        assert AuditEvent.objects.filter(action=Action.DENIED, request_reference=world.request.reference,
                                         actor_id=world.users[role].pk).exists()
    if endpoint.name.startswith("files:") and expected == 200:
        assert response["Cache-Control"] == "private, no-store"
        assert AuditEvent.objects.filter(object_type="imaging_file", actor_id=world.users[role].pk,
                                         request_reference=world.request.reference).exists()


def test_the_matrix_covers_every_url_of_the_staff_namespaces_and_every_requests_api_path(client: Any) -> None:
    resolver = get_resolver()
    named = set()
    for namespace in ("console", "review", "files"):
        _, sub = resolver.namespace_dict[namespace]
        named |= {f"{namespace}:{name}" for name in sub.reverse_dict if isinstance(name, str)}
    paths = {path for path in client.get("/api/v1/openapi.json").json()["paths"] if path.startswith("/api/v1/requests")}
    api_operations = {f"api {method.upper()} {path.removeprefix('/api/v1')}"
                      for path in paths for method in client.get("/api/v1/openapi.json").json()["paths"][path]}

    assert {e.name for e in ENDPOINTS} == named | api_operations


def test_reports_shared_as_they_are_may_be_downloaded_by_the_reviewers(world: World) -> None:
    world.request.consents.update(share_reports_as_is=True)
    url = reverse("files:report", kwargs={"reference": world.request.reference, "file_id": world.report.pk})

    statuses = {role: world.client(role).get(url).status_code for role in ROLES}

    assert statuses == {"anonymous": 302, "patient_owner": 200, "other_patient": 404, "coordinator": 200,
                        "other_coordinator": 404, "surgeon_routed": 200, "surgeon_other": 404, "admin": 404}
