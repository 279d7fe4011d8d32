"""No personal data in logs: what the configured handlers write never holds an e-mail address or a query string,
even when a request that Django logs (a 404, a 403) carries one; paths and request references stay."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from spinepath.web.accounts.models import Role
from spinepath.web.audit.logfilters import RedactPersonalData, redact

EMAIL = "jane.doe+spine@example.org"


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """What the root handler configured in settings.LOGGING writes, captured."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    captured = io.StringIO()
    previous = handler.setStream(captured)
    try:
        yield captured
    finally:
        handler.setStream(previous)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "url", "status", "kept"), [
    pytest.param(None, f"/en/hospitals/no-such-hospital/?email={EMAIL}", 404,
                 "Not Found: /en/hospitals/no-such-hospital/", id="404-email-in-query"),
    pytest.param(None, f"/en/hospitals/{EMAIL}/", 404, "Not Found: /en/hospitals/", id="404-email-in-path"),
    pytest.param(None, "/en/hospitals/SP-ABCD234/?contact=jane.doe%40example.org", 404,
                 "Not Found: /en/hospitals/SP-ABCD234/", id="404-reference-kept-encoded-email-removed"),
    pytest.param(Role.PATIENT, f"/en/audit/?request_reference=SP-ABCD234&note={EMAIL}", 403,
                 "Forbidden: /en/audit/", id="403-email-in-query"),
])
def test_logged_requests_carry_no_email_or_query_string(signed_in, written, role, url, status, kept):
    response = signed_in(role).get(url)

    assert response.status_code == status
    output = written.getvalue()
    assert kept in output
    assert "jane.doe" not in output and "example.org" not in output
    assert "?" not in output and "email=" not in output and "contact=" not in output


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("Not Found: /en/x/", "Not Found: /en/x/", id="plain-path-kept"),
    pytest.param("Not Found: /en/requests/SP-ABCD234/", "Not Found: /en/requests/SP-ABCD234/", id="reference-kept"),
    pytest.param(f"Not Found: /en/u/{EMAIL}/", "Not Found: /en/u/[email removed]/", id="email-in-path"),
    pytest.param('"GET /en/x/?email=a%40b.org&y=1 HTTP/1.1" 404 12', '"GET /en/x/?[query removed] HTTP/1.1" 404 12',
                 id="runserver-request-line"),
    pytest.param("login failed for JANE@EXAMPLE.ORG", "login failed for [email removed]", id="upper-case-email"),
    pytest.param("Are you sure? Yes.", "Are you sure? Yes.", id="question-mark-in-a-sentence"),
])
def test_redact(text, expected):
    assert redact(text) == expected
    assert redact(redact(text)) == redact(text)


def test_the_filter_redacts_arguments_and_exception_text():
    try:
        raise ValueError(f"no account for {EMAIL}")
    except ValueError:
        record = logging.getLogger("test").makeRecord(
            "test", logging.ERROR, __file__, 1, "Failed for %s at %s", (EMAIL, "/en/x/?next=/y"),
            exc_info=__import__("sys").exc_info())

    assert RedactPersonalData().filter(record) is True
    formatted = logging.Formatter().format(record)
    assert "jane.doe" not in formatted and "next=" not in formatted
    assert "Failed for [email removed] at /en/x/?[query removed]" in formatted
    assert "ValueError: no account for [email removed]" in formatted


@pytest.mark.parametrize("logger_name", ["", "django.server"], ids=["root", "runserver"])
def test_every_configured_handler_redacts(logger_name):
    # Handlers from settings.LOGGING have names; pytest's own capturing handlers have none.
    handlers = [handler for handler in logging.getLogger(logger_name).handlers if handler.name]

    assert handlers
    assert [type(f) for handler in handlers for f in handler.filters] == [RedactPersonalData] * len(handlers)


def test_django_has_no_handler_of_its_own_that_would_bypass_the_filter():
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django").propagate
