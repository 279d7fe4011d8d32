"""Hospital review (/<lang>/review/): the requests routed to the surgeon's hospital, one request, the answer."""

from django.urls import path

from . import views_review

app_name = "review"
urlpatterns = [
    path("", views_review.queue, name="queue"),
    path("<str:reference>/", views_review.detail, name="detail"),
    path("<str:reference>/respond/", views_review.respond, name="respond"),
]
