from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
# User-facing pages carry the language in the URL (/en/..., /tr/...), so a shared link keeps its language.
urlpatterns += i18n_patterns(
    path("", include("spinepath.web.pages.urls")),
    path("check/", include("spinepath.web.selfcheck.urls")),
    path("check/", include("spinepath.web.reports.urls")),
    prefix_default_language=True,
)
