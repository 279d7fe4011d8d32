from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="events"),
    path("export.csv", views.event_export, {"file_format": "csv"}, name="export_csv"),
    path("export.json", views.event_export, {"file_format": "json"}, name="export_json"),
]
