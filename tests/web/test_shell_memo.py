"""The page shell remembers what is the same for every request (the menu per language, the other language's address
per path): the results must be exactly what Django computes each time."""

from __future__ import annotations

import pytest
from django.urls import get_script_prefix, get_urlconf, reverse, translate_url
from django.utils import translation

from cyberbeeld.common.navigation import items
from cyberbeeld.web.context_processors import _alternate, _menu

pytestmark = pytest.mark.django_db

PATHS = ["/nl/overzicht/?a=1&b=%20x", "/nl/monitor/maastricht/x/", "/static/x.css?v=1", "/nl/casusboek/?q=phishing",
         "/nl/bestaat-niet/?x=1", "/api/v1/docs", "/en/incidenten/", "/en/maatregelen/te-laat/?page=2"]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_remembered_alternate_address_is_translate_url(lang):
    other = "en" if lang == "nl" else "nl"
    with translation.override(lang):
        for path in PATHS:
            page, sep, query = path.partition("?")
            assert _alternate(page, other, get_script_prefix(), get_urlconf()) + sep + query == \
                translate_url(path, other)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_remembered_menu_is_reversed_in_the_page_language(lang):
    with translation.override(lang):
        assert [url for _label, url in _menu(lang)] == [reverse(i.url_name) for i in items()]
        assert all(url.startswith(f"/{lang}/") for _label, url in _menu(lang))


def test_the_page_links_to_the_same_page_in_the_other_language(client, world):
    client.force_login(world.anna)
    page = client.get("/nl/incidenten/?status=nieuw").content.decode()
    assert 'href="/en/incidenten/?status=nieuw"' in page
