from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("timeline.svg", views.timeline, name="timeline"),
]
