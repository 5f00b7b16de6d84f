from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.translation import get_language

from cyberbeeld import __version__
from cyberbeeld.accounts.models import OrganisationTheme
from cyberbeeld.accounts.policy import organisations_of
from cyberbeeld.common.navigation import items


def shell(request: HttpRequest) -> dict[str, Any]:
    lang = get_language() or "nl"
    other = "en" if lang == "nl" else "nl"
    path = request.get_full_path()
    alternate = translate_url(path, other)
    if alternate == path:  # pages outside i18n_patterns
        alternate = f"/{other}/"
    user_orgs: list[Any] = []
    if request.user.is_authenticated:
        user_orgs = getattr(request, "user_organisations", None)  # CurrentOrganisationMiddleware's one query
        if user_orgs is None:
            user_orgs = list(organisations_of(request.user))

    nav = []
    for item in items():
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        nav.append({"label": item.label, "url": url, "current": request.path.startswith(url)})
    org = getattr(request, "organisation", None)
    house_style = None
    if org is not None:
        # the logo's bytes are served by accounts:house_style_logo; logo_type says whether there is one
        house_style = OrganisationTheme.objects.filter(organisation=org).defer("logo").first()
    return {
        "house_style": house_style,
        "nav_items": nav,
        "theme_class": settings.CYBERBEELD_THEME_CLASS,
        "current_language": lang,
        "other_language": other,
        "alternate_url": alternate,
        "current_organisation": getattr(request, "organisation", None),
        "user_organisations": user_orgs,
        "version": __version__,
    }
