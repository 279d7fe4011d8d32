"""De-identified imaging of a request (/<lang>/files/), access-checked and audited: see views_files."""

from django.urls import path

from . import views_files

app_name = "files"
urlpatterns = [
    path("<str:reference>/study.zip", views_files.study, name="study"),
    path("<str:reference>/<uuid:file_id>/preview/", views_files.preview, name="preview"),
    path("<str:reference>/<uuid:file_id>/dicom/", views_files.dicom, name="dicom"),
    path("<str:reference>/<uuid:file_id>/report/", views_files.report, name="report"),
]
