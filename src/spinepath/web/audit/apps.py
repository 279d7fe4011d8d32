from django.apps import AppConfig


class Config(AppConfig):
    name = "spinepath.web.audit"
    label = "spinepath_audit"
    verbose_name = "Audit trail"
