"""The patient's own requests, under /<language>/requests/ (namespace ``care``)."""

from django.urls import path

from . import views_patient as views

app_name = "care"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.new, name="new"),
    path("notifications/", views.notifications, name="notifications"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/export/", views.export, name="export"),
    path("my-data/delete/", views.delete_account, name="delete_account"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/edit/", views.edit, name="edit"),
    path("<str:reference>/edit/hospitals/", views.hospital_choices, name="hospital_choices"),
    path("<str:reference>/uploads/", views.upload, name="upload"),
    path("<str:reference>/uploads/<str:upload_id>/status/", views.upload_status, name="upload_status"),
    path("<str:reference>/uploads/<str:upload_id>/original/", views.upload_original, name="upload_original"),
    path("<str:reference>/files/<str:file_id>/original/", views.file_original, name="file_original"),
    path("<str:reference>/files/<str:file_id>/deidentified/", views.file_deidentified, name="file_deidentified"),
    path("<str:reference>/files/<str:file_id>/preview/", views.file_preview, name="file_preview"),
    path("<str:reference>/messages/", views.message, name="message"),
    path("<str:reference>/plans/<int:response_id>/accept/", views.accept, name="accept"),
    path("<str:reference>/withdraw/", views.withdraw, name="withdraw"),
]
