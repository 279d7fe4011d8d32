from django.urls import path, register_converter

from . import views
from .answers import STEP_SLUGS


class StepConverter:
    """Only the five step names: the reports app shares the /check/ prefix, so no catch-all here."""

    regex = "|".join(STEP_SLUGS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(StepConverter, "step")

app_name = "selfcheck"
urlpatterns = [
    path("", views.start, name="start"),
    path("restart/", views.restart, name="restart"),
    path("emergency/", views.emergency, name="emergency"),
    path("results/", views.results, name="results"),
    # One URL per step (red-flags, symptoms, treatments, imaging, health): Back and Forward work in the browser.
    path("<step:slug>/", views.step, name="step"),
]
