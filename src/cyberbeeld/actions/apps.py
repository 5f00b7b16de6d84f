from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "cyberbeeld.actions"
    label = "actions"
    verbose_name = _("Maatregelen en oefeningen")

    def ready(self) -> None:
        from cyberbeeld.common import demo_hooks
        from cyberbeeld.common.navigation import register

        register("actions", _("Maatregelen en oefeningen"), "actions:list", order=60)

        from . import dashboard  # noqa: F401  (dashboard card)
        from .demo import load

        if load not in demo_hooks.HOOKS:
            demo_hooks.HOOKS.append(load)
