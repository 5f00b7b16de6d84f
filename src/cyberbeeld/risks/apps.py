from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cyberbeeld.common import demo_hooks
from cyberbeeld.common.navigation import register


class RisksConfig(AppConfig):
    name = "cyberbeeld.risks"
    label = "risks"
    verbose_name = _("Dreigingsbeeld")

    def ready(self) -> None:
        register("risks", _("Dreigingsbeeld"), "risks:picture", order=40)

        # deferred: apps not ready: the card and the demo import the models
        from . import dashboard  # noqa: F401  (dashboard card)
        from .demo import load

        if load not in demo_hooks.HOOKS:
            demo_hooks.HOOKS.append(load)
