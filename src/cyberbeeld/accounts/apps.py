from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _

from .shared_text import redact_before_save


class AccountsConfig(AppConfig):
    name = "cyberbeeld.accounts"
    label = "accounts"
    verbose_name = _("Organisaties en personen")

    def ready(self) -> None:
        # deferred: apps not ready: the receivers import the models
        from . import receivers  # noqa: F401  (login/logout audit events)

        pre_save.connect(redact_before_save, dispatch_uid="cyberbeeld-shared-text")
