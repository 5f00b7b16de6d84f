from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cyberbeeld.accounts"
    label = "accounts"
    verbose_name = _("Organisaties en personen")

    def ready(self) -> None:
        from django.db.models.signals import pre_save

        from . import receivers  # noqa: F401  (login/logout audit events)
        from .shared_text import redact_before_save

        pre_save.connect(redact_before_save, dispatch_uid="cyberbeeld-shared-text")
