from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse, translate_url
from django.utils.translation import get_language

from cyberbeeld import __version__
from cyberbeeld.accounts.models import OrganisationTheme
from cyberbeeld.accounts.policy import organisations_of
from cyberbeeld.common.navigation import items

_MENUS: dict[tuple[Any, ...], list[tuple[Any, str]]] = {}


def _menu(lang: str) -> list[tuple[Any, str]]:
    """The main menu's (label, url) pairs, reversed once per language, script prefix, URLconf and set of entries: the
    same for every request (the labels stay lazy, translated when the page renders)."""
    entries = items()
    key = (lang, get_script_prefix(), get_urlconf(), tuple((i.key, i.url_name) for i in entries))
    menu = _MENUS.get(key)
    if menu is None:
        menu = []
        for item in entries:
            try:
                menu.append((item.label, reverse(item.url_name)))
            except NoReverseMatch:
                continue
        _MENUS[key] = menu
    return menu


@functools.lru_cache(maxsize=4096)
def _alternate(path: str, other: str, prefix: str, urlconf: Any) -> str:
    """The same page in the other language: ``translate_url`` (a resolve and a reverse) is a function of the path,
    the language, the script prefix and the URLconf alone, so it is remembered (at most 4,096 paths, without their
    query strings)."""
    return translate_url(path, other)


def shell(request: HttpRequest) -> dict[str, Any]:
    lang = get_language() or "nl"
    other = "en" if lang == "nl" else "nl"
    path = request.get_full_path()
    page, sep, query = path.partition("?")  # translate_url keeps the query as it is: only the path is remembered
    alternate = _alternate(page, other, get_script_prefix(), get_urlconf()) + sep + query
    if alternate == path:  # pages outside i18n_patterns
        alternate = f"/{other}/"
    user_orgs: list[Any] = []
    if request.user.is_authenticated:
        user_orgs = getattr(request, "user_organisations", None)  # CurrentOrganisationMiddleware's one query
        if user_orgs is None:
            user_orgs = list(organisations_of(request.user))

    nav = [{"label": label, "url": url, "current": request.path.startswith(url)} for label, url in _menu(lang)]
    org = getattr(request, "organisation", None)
    house_style = None
    if org is not None:
        # joined by the organisation query (the logo's bytes left out: accounts:house_style_logo serves them;
        # logo_type says whether there is one)
        try:
            house_style = org.house_style
        except OrganisationTheme.DoesNotExist:
            house_style = None
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
