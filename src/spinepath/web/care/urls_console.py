"""The coordinator console (/<lang>/console/): the queue, one request, and the changes made from its page."""

from django.urls import path

from . import views_console

app_name = "console"
urlpatterns = [
    path("", views_console.queue, name="queue"),
    path("<str:reference>/", views_console.detail, name="detail"),
    path("<str:reference>/route/", views_console.route, name="route"),
    path("<str:reference>/message/", views_console.message, name="message"),
    path("<str:reference>/seek-care-now/", views_console.prompt_urgent, name="prompt_urgent"),
]
