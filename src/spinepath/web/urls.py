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
    path("account/", include("spinepath.web.accounts.urls")),
    path("hospitals/", include("spinepath.web.hospitals.urls")),
    path("requests/", include("spinepath.web.care.urls_patient")),  # the patient's own requests
    path("console/", include("spinepath.web.care.urls_console")),  # coordinators
    path("review/", include("spinepath.web.care.urls_review")),  # hospital surgeons
    path("files/", include("spinepath.web.care.urls_files")),  # de-identified imaging, access-checked
    path("audit/", include("spinepath.web.audit.urls")),  # admins
    path("outcomes/", include("spinepath.web.outcomes.urls")),  # recovery tracking (questionnaires)
    prefix_default_language=True,
)
