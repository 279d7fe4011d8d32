"""Recovery tracking, under /<language>/outcomes/ (namespace ``outcomes``)."""

from django.urls import path

from . import views

app_name = "outcomes"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("baseline/", views.baseline, name="baseline"),
    path("baseline/result/", views.baseline_result, name="baseline_result"),
    path("mine/<str:reference>/", views.my_request, name="my_request"),
    path("mine/<str:reference>/operation/", views.my_procedure, name="my_procedure"),
    path("mine/<str:reference>/<str:timepoint>/", views.follow_up, name="follow_up"),
    path("mine/<str:reference>/<str:timepoint>/result/", views.follow_up_result, name="follow_up_result"),
    path("chart/<str:reference>/<str:instrument_id>.png", views.chart, name="chart"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/alerts/<int:alert_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("staff/cohort/", views.cohort, name="cohort"),
    path("staff/cohort.csv", views.cohort_export, name="cohort_export"),
    path("staff/<str:reference>/", views.staff_request, name="staff_request"),
]
