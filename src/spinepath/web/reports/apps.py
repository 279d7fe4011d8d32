from django.apps import AppConfig


class Config(AppConfig):
    name = "spinepath.web.reports"
    label = "spinepath_reports"
