"""The indicator page's content is cached for every reader alike (public statistics) and is never stale: an
import, a changed area or indicator shows on the next request; a Dutch page is never served in English."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from cyberbeeld.indicators.models import Indicator
from cyberbeeld.indicators.ownership import FigureWriter
from cyberbeeld.indicators.services import import_observations

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(world, tmp_path):
    cache.clear()
    path = tmp_path / "eigen.csv"
    # a gemeente's own figures (the importer names them eigen-<organisation>-<code>)
    path.write_text("indicator;gebied;periode;waarde\n"
                    "gemeente-maastricht-cachetest;GM0935;2019;12,5\ngemeente-maastricht-cachetest;GM0935;2020;13\n",
                    encoding="utf-8")
    import_observations(path, writer=FigureWriter(organisation=world.maastricht))
    return Indicator.objects.get(code__endswith="cachetest")


def _page(client: Client, ind: Indicator, lang: str = "nl") -> str:
    r = client.get(f"/{lang}/monitor/maastricht/{ind.code}/")
    assert r.status_code == 200
    return r.content.decode()


def _client(world, user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_new_import_shows_on_the_next_request(world, figures, tmp_path):
    c = _client(world, world.anna)
    first = _page(c, figures)
    assert "12,5" in first and "17,5" not in first
    main = first.split("<main", 1)[1].split("</main>", 1)[0]
    assert main in _page(c, figures)  # served from the cache: the same content
    (tmp_path / "later").mkdir()
    newer = tmp_path / "later" / "eigen.csv"  # the file's name is part of the indicator's code
    newer.write_text("indicator;gebied;periode;waarde\ngemeente-maastricht-cachetest;GM0935;2020;17,5\n",
                     encoding="utf-8")
    during: list[str] = []  # a reader who opens the page while the file is being staged caches the old content

    def progress(done: int, total: int | None) -> None:
        during.append(_page(c, figures))

    summary = import_observations(newer, writer=FigureWriter(organisation=world.maastricht), progress=progress)
    assert summary.updated == 1
    assert during and "17,5" not in during[-1]  # not yet committed: the old figure
    assert "17,5" in _page(c, figures)


def test_a_renamed_area_and_indicator_show_at_once(world, figures):
    c = _client(world, world.anna)
    assert "Maastricht" in _page(c, figures)
    area = world.gm_maastricht
    area.name = "Maastricht-Heuvelland"  # as the area importers save a changed name
    area.save(update_fields=["name"])
    assert "Maastricht-Heuvelland" in _page(c, figures)
    figures.name_nl = "Eigen testcijfer"
    figures.save()
    assert "Eigen testcijfer" in _page(c, figures)


def test_the_cached_content_is_shared_but_never_across_languages(world, figures):
    nl = _page(_client(world, world.anna), figures, "nl")
    other = _page(_client(world, world.zoe), figures, "nl")
    en = _page(_client(world, world.anna), figures, "en")
    assert "12,5" in nl and "12,5" in other
    assert "12.5" in en and "12,5" not in en
    assert "/en/monitor/" in en and "/nl/monitor/" not in en.split("<main", 1)[-1]


def test_a_cached_page_costs_only_the_sign_in_and_one_generation_read(world, figures):
    """Bounded work per request: once the content is cached, a reader's request reads the session, the user, the
    user's organisations (house style, role and authenticator in the same query: the shell and the second-factor
    check ask nothing more) and the generation — not the area, the indicator or any figure."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = _client(world, world.anna)
    _page(c, figures)
    with CaptureQueriesContext(connection) as queries:
        _page(c, figures)
    # the table of each query's first column (the ORM's queries), else the one after FROM (plain SQL)
    tables = [(re.match(r'SELECT "(\w+)"\.', q["sql"]) or re.search(r"FROM (\w+)", q["sql"])).group(1)
              for q in queries.captured_queries]
    assert tables == ["django_session", "auth_user", "accounts_organisation", "accounts_cachegeneration"]


def test_an_unknown_address_is_a_404_before_and_after_the_cache_is_warm(world, figures):
    c = _client(world, world.anna)
    assert c.get(f"/nl/monitor/nergenshuizen/{figures.code}/").status_code == 404
    assert c.get("/nl/monitor/maastricht/geen-indicator/").status_code == 404
    _page(c, figures)
    assert c.get(f"/nl/monitor/nergenshuizen/{figures.code}/").status_code == 404
    assert "<title>" in _page(c, figures) and "Maastricht" in _page(c, figures).split("<title>", 1)[1].split("</title>")[0]
