from django.urls import path

from . import views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("conditions/", views.conditions, name="conditions"),
    path("conditions/<slug:condition_id>/", views.condition, name="condition"),
    path("procedures/", views.procedures, name="procedures"),
    # before procedures/<id>/, so that "compare" is never read as a procedure id
    path("procedures/compare/", views.compare_options, name="compare"),
    path("procedures/<slug:procedure_id>/", views.procedure, name="procedure"),
    path("decide/", views.decide, name="decide"),
    path("sources/", views.sources, name="sources"),
]
