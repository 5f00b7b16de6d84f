from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cyberbeeld.common import demo_hooks
from cyberbeeld.common.navigation import register


class ActionsConfig(AppConfig):
    name = "cyberbeeld.actions"
    label = "actions"
    verbose_name = _("Maatregelen en oefeningen")

    def ready(self) -> None:
        register("actions", _("Maatregelen en oefeningen"), "actions:list", order=60)

        # deferred: apps not ready: sharing.services imports the models
        from cyberbeeld.sharing import services as sharing_services

        # deferred: apps not ready: the card's module imports the models
        from . import dashboard  # noqa: F401  (dashboard card)
        from .services import measure_from_approach

        if "actions" not in sharing_services.MEASURE_MAKERS:  # an adopted approach becomes a measure
            sharing_services.MEASURE_MAKERS.add("actions", measure_from_approach)
        from .demo import load  # deferred: apps not ready: the demo imports the models

        if load not in demo_hooks.HOOKS:
            demo_hooks.HOOKS.append(load)
