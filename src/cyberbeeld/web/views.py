from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from .modules import dashboard_modules


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    org = request.organisation  # type: ignore[attr-defined]
    return render(request, "web/dashboard.html", {"modules": dashboard_modules(request, org)})


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "web/accessibility.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html")


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def safe_reverse(name: str, **kwargs: Any) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


__all__ = ["home", "dashboard", "accessibility", "privacy", "error_404", "error_403", "safe_reverse", "_"]
