"""Which organisation the user acts for in this request (a user may belong to several)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .models import Organisation

SESSION_KEY = "cyberbeeld_organisation"


def _current(request: HttpRequest) -> Organisation | None:
    user = request.user
    if not user.is_authenticated:
        return None
    orgs = Organisation.objects.filter(memberships__user=user).order_by("name")
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        org = orgs.filter(slug=chosen).first()
        if org is not None:
            return org
    return orgs.first()


class CurrentOrganisationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Resolved eagerly: a lazy wrapper around None would not compare equal to None.
        request.organisation = _current(request)  # type: ignore[attr-defined]
        return self.get_response(request)
