"""Every response carries the Content-Security-Policy: only our own scripts and styles, no inline script."""

from __future__ import annotations

import pytest
from csp.decorators import csp_update
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import Client, RequestFactory

from spinepath.web.csp import ContentSecurityPolicyMiddleware


def _directives(header: str) -> dict[str, set[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: set(words[1:]) for words in parts}


@pytest.mark.parametrize("url", ["/en/", "/en/check/", "/en/hospitals/", "/api/v1/health", "/en/no-such-page/"])
def test_every_response_has_the_site_policy(client: Client, url: str, db: None) -> None:
    response = client.get(url)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == {"'self'"} and policy["style-src"] == {"'self'"}
    assert policy["object-src"] == {"'none'"} and policy["frame-ancestors"] == {"'none'"}
    assert policy == _directives(build_policy())  # the same policy django-csp builds from the settings


def test_a_view_that_widens_its_policy_still_gets_its_own() -> None:
    @csp_update({"img-src": ["https://tiles.example"]})
    def view(request):  # type: ignore[no-untyped-def]
        return HttpResponse("ok")

    middleware = ContentSecurityPolicyMiddleware(view)
    response = middleware(RequestFactory().get("/"))
    assert "https://tiles.example" in _directives(response["Content-Security-Policy"])["img-src"]
