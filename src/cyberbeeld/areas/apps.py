from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "cyberbeeld.areas"
    label = "areas"
    verbose_name = _("Gebieden")

    def ready(self) -> None:
        from cyberbeeld.common.navigation import register

        register("areas", _("Gebieden"), "areas:list", order=90)

        from . import dashboard  # noqa: F401 - registers the dashboard card
