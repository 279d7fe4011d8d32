from django.apps import AppConfig


class Config(AppConfig):
    name = "spinepath.web.outcomes"
    label = "spinepath_outcomes"
    verbose_name = "Recovery tracking (outcome questionnaires)"
