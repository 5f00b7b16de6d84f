from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "cyberbeeld.sharing"
    label = "sharing"
    verbose_name = _("Casusboek")

    def ready(self) -> None:
        from cyberbeeld.common import demo_hooks
        from cyberbeeld.common.navigation import register

        register("sharing", _("Casusboek"), "sharing:list", order=40)

        from . import dashboard, signals  # noqa: F401  (dashboard registers its card on import)

        signals.connect()
        from .demo import load

        if load not in demo_hooks.HOOKS:
            demo_hooks.HOOKS.append(load)
