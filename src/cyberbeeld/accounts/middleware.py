"""Which organisation the user acts for in this request (a user may belong to several)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse

from . import mfa
from .models import Organisation

SESSION_KEY = "cyberbeeld_organisation"


def _organisations(request: HttpRequest) -> list[Organisation]:
    """All of the user's organisations (with area and house style) from ONE query, kept on the request as
    ``user_organisations`` for the page's shell. Each row also carries what the second-factor check asks of every
    request (``mfa.state``): the user's role in that organisation and whether the user has a confirmed
    authenticator, so that check costs no query of its own."""
    orgs = getattr(request, "user_organisations", None)
    if orgs is None:
        orgs = mfa.organisations_with_facts(request.user)
        request.user_organisations = orgs  # type: ignore[attr-defined]
    return orgs


def _current(request: HttpRequest) -> Organisation | None:
    """The organisation chosen in this session (else the first by name)."""
    user = request.user
    if not user.is_authenticated:  # (no list kept: a view that signs the user in later asks again)
        return None
    orgs = _organisations(request)
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        for org in orgs:
            if org.slug == chosen:
                return org
    return orgs[0] if orgs else None


class CurrentOrganisationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Resolved eagerly: a lazy wrapper around None would not compare equal to None.
        request.organisation = _current(request)  # type: ignore[attr-defined]
        return self.get_response(request)


# Pages a signed-in person may open before their second factor: the step itself, and signing out.
_ALLOWED_BEFORE = {"verify": {"accounts:mfa_verify", "accounts:logout"},
                   "enrol": {"accounts:mfa_enrol", "accounts:logout"}}


class SecondFactorMiddleware:
    """Local accounts with an authenticator enter a code before anything else; a beheerder without one
    enrols before anything else (``accounts.mfa.state``). Fail-closed: every path but the step itself and
    signing out is refused until then (the API with 401, pages with a redirect)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            needed = mfa.state(request, organisations=_organisations)
            if needed != mfa.OK and _route(request) not in _ALLOWED_BEFORE[needed]:
                return _to_step(request, needed)
        return self.get_response(request)


def _route(request: HttpRequest) -> str:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    return match.view_name


def _to_step(request: HttpRequest, needed: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"type": "about:blank", "title": "Second factor required", "status": 401,
                             "detail": "Sign in with your second factor in the browser first."},
                            status=401, content_type="application/problem+json")
    url = reverse("accounts:mfa_verify" if needed == "verify" else "accounts:mfa_enrol")
    if request.method == "GET" and needed == "verify":
        url += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(url)
