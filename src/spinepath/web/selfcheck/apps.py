from django.apps import AppConfig


class Config(AppConfig):
    name = "spinepath.web.selfcheck"
    label = "spinepath_selfcheck"
