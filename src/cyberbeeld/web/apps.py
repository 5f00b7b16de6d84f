from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "cyberbeeld.web"
    label = "web"
    verbose_name = _("Webomgeving")

    def ready(self) -> None:
        from .navigation import register

        register("dashboard", _("Overzicht"), "web:dashboard", order=0)
