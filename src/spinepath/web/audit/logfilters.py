"""No personal data in logs: a logging filter that removes e-mail addresses and query strings from every record
before a handler writes it.

Django logs the path of every 4xx/5xx response (``django.request``: "Not Found: /en/..."), the development server
logs each request line with its query string (``django.server``), and an exception's text can quote what a user
typed. Paths may carry a request reference (``SP-...``), which is not personal and stays; an e-mail address
(also percent-encoded, ``name%40example.org``) and anything after a ``?`` do not.

Attached to the handlers in ``settings.LOGGING`` (a filter on a handler sees records propagated from every
logger, a filter on a logger only its own).
"""

from __future__ import annotations

import logging
import re

__all__ = ["RedactPersonalData", "redact"]

EMAIL_REDACTED = "[email removed]"
QUERY_REDACTED = "?[query removed]"

_EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# A query string: a "?" right after a URL or path character, up to the next space or quote. A question mark that
# ends a sentence ("Are you sure?") is followed by a space or nothing, so it is left alone.
_QUERY = re.compile(r"(?<=[\w/.\-~%])\?(?!\[query removed\])[^\s\"'<>]+")


def redact(text: str) -> str:
    """``text`` without e-mail addresses and query strings."""
    return _EMAIL.sub(EMAIL_REDACTED, _QUERY.sub(QUERY_REDACTED, text))


class RedactPersonalData(logging.Filter):
    """Rewrites a record's message (and its formatted exception and stack) with :func:`redact`. Never drops a
    record: a redacted warning is still a warning."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # malformed arguments: the handler reports it, as logging always does
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
