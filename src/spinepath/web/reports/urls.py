from django.urls import path

app_name = "reports"
urlpatterns: list = []  # report.pdf and timeline.svg: see views.py
