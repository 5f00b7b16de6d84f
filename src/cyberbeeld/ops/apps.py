from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Cyberbeeld in production: health endpoints, request ids and JSON logs, the production
    server, deployment checks, backup and restore."""

    name = "cyberbeeld.ops"
    label = "ops"
    verbose_name = _("Beheer en bedrijfsvoering")

    def ready(self) -> None:
        # deferred: apps not ready: the checks import the models
        from . import checks  # noqa: F401  (registers the deployment checks)
