from django.apps import AppConfig


class Config(AppConfig):
    name = "spinepath.web.pages"
    label = "spinepath_pages"
