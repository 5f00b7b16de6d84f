from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """The bottom floor as an installed app: it holds the models every app shares (the import job)."""

    name = "cyberbeeld.common"
    label = "common"
    verbose_name = _("Gemeenschappelijk")
