from django.apps import AppConfig


class Config(AppConfig):
    name = "spinepath.web.accounts"
    label = "spinepath_accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the profile-for-every-user receiver)
