from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils.translation import gettext_lazy as _

from .shared_text import redact_before_save


class AccountsConfig(AppConfig):
    name = "cyberbeeld.accounts"
    label = "accounts"
    verbose_name = _("Organisaties en personen")

    def ready(self) -> None:
        # deferred: apps not ready: the receivers and the page cache import the models
        from . import pagecache, receivers  # noqa: F401  (receivers: login/logout audit events)

        pre_save.connect(redact_before_save, dispatch_uid="cyberbeeld-shared-text")
        # the dashboard's cached cards (accounts.pagecache): every committed write of what they show
        for name, signal in (("save", post_save), ("delete", post_delete), ("m2m", m2m_changed)):
            signal.connect(pagecache.dashboard_write, dispatch_uid=f"cyberbeeld-dashboard-{name}", weak=False)
