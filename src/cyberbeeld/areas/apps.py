from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cyberbeeld.common.navigation import register


class AreasConfig(AppConfig):
    name = "cyberbeeld.areas"
    label = "areas"
    verbose_name = _("Gebieden")

    def ready(self) -> None:
        register("areas", _("Gebieden"), "areas:list", order=90)

        # deferred: apps not ready: the card's module imports the models
        from . import dashboard  # noqa: F401 - registers the dashboard card
