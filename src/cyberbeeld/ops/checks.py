"""Deployment checks (``cyberbeeld check --deploy``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.checks import Error, Tags, register


@register(Tags.staticfiles, deploy=True)
def static_manifest_collected(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """With hashed static file names every page needs the manifest: without it every page is a 500."""
    manifest_name = getattr(staticfiles_storage, "manifest_name", None)
    if not manifest_name:
        return []
    if (Path(settings.STATIC_ROOT) / manifest_name).is_file():
        return []
    return [Error(
        f"Static files are not collected: no {manifest_name} in STATIC_ROOT ({settings.STATIC_ROOT}).",
        hint="Run `cyberbeeld collectstatic --no-input`, or start with `cyberbeeld serve --production`, "
             "which collects them first.",
        id="cyberbeeld.ops.E001",
    )]
