from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cyberbeeld.common import demo_hooks
from cyberbeeld.common.navigation import register


class SharingConfig(AppConfig):
    name = "cyberbeeld.sharing"
    label = "sharing"
    verbose_name = _("Casusboek")

    def ready(self) -> None:
        register("sharing", _("Casusboek"), "sharing:list", order=40)

        # deferred: apps not ready: the card, the signals and the demo import the models
        from . import dashboard, signals  # noqa: F401  (dashboard registers its card on import)

        signals.connect()
        from .demo import load  # deferred: apps not ready: the demo imports the models

        if load not in demo_hooks.HOOKS:
            demo_hooks.HOOKS.append(load)
