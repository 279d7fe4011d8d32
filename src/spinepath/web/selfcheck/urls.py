from django.urls import path

app_name = "selfcheck"
urlpatterns: list = []
