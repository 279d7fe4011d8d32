"""django-csp's middleware, with the site-wide policy built once instead of twice per response.

django-csp builds the policy string (and the report-only one) from settings on every response, which measured as a
noticeable part of a small API response's time. A response that asks for nothing special (no per-view
``@csp_update``/``@csp_replace``/``@csp`` override, no nonce, not exempt) gets the same header every time, so that
string is built once and reused; anything else goes through django-csp unchanged. The cache is dropped when a test
changes the settings.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

_PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro",
                 "_csp_exempt", "_csp_exempt_ro")


@cache
def _site_policy() -> tuple[str, str] | None:
    """(policy, report-only policy) for a plain response, or None when the settings make it per-request."""
    for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        if (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES"):
            return None
    return build_policy(), build_policy(report_only=True)


@receiver(setting_changed)
def _forget_policy(setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        _site_policy.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        site = _site_policy()
        plain = (site is not None and getattr(request, "_csp_nonce", None) is None
                 and not any(hasattr(response, name) for name in _PER_RESPONSE)
                 and not (settings.DEBUG and response.status_code in (404, 500)))
        if not plain:
            return super().process_response(request, response)
        policy, report_only = site  # type: ignore[misc]
        if policy and HEADER not in response:
            response[HEADER] = policy
        if report_only and HEADER_REPORT_ONLY not in response:
            response[HEADER_REPORT_ONLY] = report_only
        return response
