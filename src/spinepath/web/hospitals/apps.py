from django.apps import AppConfig


class Config(AppConfig):
    name = "spinepath.web.hospitals"
    label = "spinepath_hospitals"
    verbose_name = "Hospitals directory"
