from django.apps import AppConfig


class Config(AppConfig):
    name = "spinepath.web.care"
    label = "spinepath_care"
    verbose_name = "Treatment-plan requests"
