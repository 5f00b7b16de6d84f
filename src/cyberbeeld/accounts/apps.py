from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cyberbeeld.accounts"
    label = "accounts"
    verbose_name = _("Organisaties en personen")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (login/logout audit events)
