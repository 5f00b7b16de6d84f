"""Issue 15, "fast under load": the dashboard, the incident list and the risk picture do bounded work.

Work is counted, never timed: the number of SQL queries and the number of rows the queries return
(``fetched``) must be the same with 10× more incidents. Cached page parts (``accounts.pagecache``) are per
organisation and reader, and a write makes them stale at once.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cyberbeeld.accounts import pagecache
from cyberbeeld.incidents.models import Incident
from cyberbeeld.incidents.services import current_forms

pytestmark = pytest.mark.django_db

DASHBOARD, LIST, PICTURE = "/nl/overzicht/", "/nl/incidenten/", "/nl/dreigingsbeeld/"


@contextmanager
def counted(monkeypatch: Any) -> Any:
    """Queries issued and rows fetched from the database cursor while the block runs."""
    fetched = {"rows": 0}

    def counting(name: str) -> Any:
        def method(self: CursorWrapper, *args: Any) -> Any:
            result = getattr(self.cursor, name)(*args)
            if name == "fetchone":
                fetched["rows"] += result is not None
            else:
                fetched["rows"] += len(result)
            return result
        return method

    for name in ("fetchone", "fetchmany", "fetchall"):
        monkeypatch.setattr(CursorWrapper, name, counting(name), raising=False)
    with CaptureQueriesContext(connection) as ctx:
        yield fetched, ctx
    for name in ("fetchone", "fetchmany", "fetchall"):
        monkeypatch.delattr(CursorWrapper, name, raising=False)


def add_incidents(world: Any, n: int, start: int = 0) -> None:
    """``n`` incidents spread over the same few forms and months (own, shared in the region, others')."""
    forms = list(current_forms()[:3])
    today = timezone.localdate()
    owners = [(world.maastricht, "amber", False), (world.eijsden, "amber", True), (world.zaanstad, "green", False)]
    rows = []
    for i in range(start, start + n):
        owner, tlp, region = owners[i % 3]
        rows.append(Incident(owner=owner, tlp=tlp, audience_region=region, title=f"Incident {i}",
                             form=forms[i % len(forms)], area=owner.area or world.gm_maastricht,
                             occurred_on=today.replace(day=1) - dt.timedelta(days=40 * (i % 2)),
                             reported_on=today))
    Incident.objects.bulk_create(rows)


def work(client: Any, path: str, monkeypatch: Any) -> tuple[int, int]:
    cache.clear()  # the work of a cold page, not of a cached one
    with counted(monkeypatch) as (fetched, ctx):
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx), fetched["rows"]


@pytest.mark.parametrize("path,small,large", [(DASHBOARD, 10, 100), (LIST, 60, 600), (PICTURE, 10, 100)])
def test_work_per_page_does_not_grow_with_the_register(client, world, taxonomy, monkeypatch, path, small, large):
    client.force_login(world.anna)
    add_incidents(world, small)
    client.get(path)  # first request of the session (session, organisation choice) is not compared
    queries_small, rows_small = work(client, path, monkeypatch)
    add_incidents(world, large - small, start=small)
    queries_large, rows_large = work(client, path, monkeypatch)
    assert queries_large == queries_small, f"{path}: {queries_small} → {queries_large} queries"
    assert rows_large == rows_small, f"{path}: {rows_small} → {rows_large} rows fetched"


def test_incident_list_counts_up_to_a_ceiling(client, world, taxonomy, monkeypatch):
    from cyberbeeld.incidents import views

    monkeypatch.setattr(views, "LIST_COUNT_CAP", 30)
    add_incidents(world, 60)
    client.force_login(world.anna)  # sees 40: its own 20 and Eijsden's 20 shared in the region
    page = client.get(LIST).content.decode()
    assert "Meer dan 30 incidenten" in page and "page=2" in page
    client.force_login(world.zoe)  # sees its own 20: below the ceiling, counted exactly
    assert "20 incidenten" in client.get(LIST).content.decode()


def test_dashboard_parts_are_cached_until_an_incident_is_written(client, world, taxonomy):
    from cyberbeeld.incidents.services import incident_save

    add_incidents(world, 9)
    client.force_login(world.anna)
    cache.clear()
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as cold:
        client.get(DASHBOARD)
    cache.clear()
    with CaptureQueriesContext(connection) as recompute:
        first = client.get(DASHBOARD).content.decode()
    assert len(cold) < len(recompute), "the second dashboard computed its counts again"
    assert "3 eigen incidenten" in first
    incident_save(by=world.anna, owner=world.maastricht, data={"title": "Nieuw", "tlp": "amber"})
    assert "4 eigen incidenten" in client.get(DASHBOARD).content.decode(), "a write left a stale count"


def test_cached_parts_never_cross_organisations_or_readers(client, world, taxonomy):
    add_incidents(world, 9)
    cache.clear()
    client.force_login(world.anna)
    assert "3 eigen incidenten" in client.get(DASHBOARD).content.decode()
    client.force_login(world.zoe)  # another organisation, same cache
    zoe = client.get(DASHBOARD).content.decode()
    assert "3 eigen incidenten; 3 zichtbaar" in zoe, "Zaanstad was shown a count cached for Maastricht"
    # two readers of one organisation whose visibility differs (a RED incident of anna's) get their own
    Incident.objects.create(owner=world.maastricht, tlp="red", created_by=world.anna, title="Rood")
    pagecache.bump("incidents")
    client.force_login(world.lezer)
    lezer = client.get(DASHBOARD).content.decode()
    client.force_login(world.anna)
    anna = client.get(DASHBOARD).content.decode()
    assert "3 eigen incidenten" in lezer and "4 eigen incidenten" in anna


def test_cache_keys_hold_the_organisation_and_the_reader(world):
    calls: list[str] = []

    def compute(name: str) -> Any:
        def run() -> str:
            calls.append(name)
            return name
        return run

    a = pagecache.cached("incidents", "part", user=world.anna, organisation=world.maastricht, compute=compute("a"))
    z = pagecache.cached("incidents", "part", user=world.zoe, organisation=world.zaanstad, compute=compute("z"))
    again = pagecache.cached("incidents", "part", user=world.anna, organisation=world.maastricht,
                             compute=compute("a2"))
    assert (a, z, again) == ("a", "z", "a") and calls == ["a", "z"]
    pagecache.bump("incidents")
    assert pagecache.cached("incidents", "part", user=world.anna, organisation=world.maastricht,
                            compute=compute("a3")) == "a3"


def test_early_warning_judges_again_only_the_series_a_write_changed(world, taxonomy, monkeypatch):
    from cyberbeeld.incidents import earlywarning, surveillance

    today = timezone.localdate()
    Incident.objects.bulk_create([  # three series (forms) of 8, 9 and 10 incidents in Maastricht
        Incident(owner=world.maastricht, tlp="amber", title=f"I{i}", form=form, area=world.gm_maastricht,
                 occurred_on=today - dt.timedelta(days=31 * (i % 4)))
        for n, form in enumerate(current_forms()[:3]) for i in range(8 + n)])
    judged: list[tuple[float, ...]] = []
    real = surveillance.detect

    def counting(counts: Any, *args: Any, **kwargs: Any) -> Any:
        judged.append(tuple(counts))
        return real(counts, *args, **kwargs)

    monkeypatch.setattr(surveillance, "detect", counting)
    monkeypatch.setattr(earlywarning, "_JUDGED", {})
    first = earlywarning.alerts_for(world.anna, world.maastricht)
    n_series = len(judged)
    assert n_series == 3
    assert earlywarning.alerts_for(world.anna, world.maastricht) == first and len(judged) == n_series
    form = current_forms()[0]
    Incident.objects.bulk_create([Incident(owner=world.maastricht, tlp="amber", title=f"Nog een {i}", form=form,
                                           area=world.gm_maastricht, occurred_on=today) for i in range(5)])
    earlywarning.alerts_for(world.anna, world.maastricht)
    assert len(judged) == n_series + 1, "more than the changed series was judged again"


def _incident_queries(ctx: Any) -> int:
    return sum('FROM "incidents_incident"' in q["sql"] for q in ctx.captured_queries)


def test_a_write_is_seen_at_once_by_its_writer_and_organisation_and_leaves_others_cached(client, world, taxonomy):
    """Invalidation per owner organisation: never stale across the reader's own (or colleague's) write, while
    a write that only the owner can see keeps another organisation's cached parts."""
    from cyberbeeld.incidents.services import incident_save

    add_incidents(world, 9)
    cache.clear()
    client.force_login(world.zoe)
    assert "3 eigen incidenten; 3 zichtbaar" in client.get(DASHBOARD).content.decode()
    client.force_login(world.lezer)
    assert "3 eigen incidenten" in client.get(DASHBOARD).content.decode()
    client.force_login(world.anna)
    assert "3 eigen incidenten" in client.get(DASHBOARD).content.decode()

    incident_save(by=world.anna, owner=world.maastricht, data={"title": "Alleen van ons", "tlp": "amber"})
    assert "4 eigen incidenten" in client.get(DASHBOARD).content.decode(), "the writer was shown a stale count"
    client.force_login(world.lezer)
    assert "4 eigen incidenten" in client.get(DASHBOARD).content.decode(), "a colleague was shown a stale count"
    client.force_login(world.zoe)
    with CaptureQueriesContext(connection) as ctx:
        zoe = client.get(DASHBOARD).content.decode()
    assert "3 eigen incidenten; 3 zichtbaar" in zoe
    assert _incident_queries(ctx) == 0, "a write only Maastricht can see made Zaanstad's cached parts stale"

    # a CLEAR incident is visible to Zaanstad too: its cached parts go at once
    clear = incident_save(by=world.anna, owner=world.maastricht, data={"title": "Voor iedereen", "tlp": "clear"})
    with CaptureQueriesContext(connection) as ctx:
        zoe = client.get(DASHBOARD).content.decode()
    assert "3 eigen incidenten; 4 zichtbaar" in zoe, "Zaanstad was shown a count from before a CLEAR write"
    assert _incident_queries(ctx) > 0

    # an update may narrow who sees the row (CLEAR → AMBER): every organisation's parts go
    Incident.objects.filter(pk=clear.pk).update(tlp="amber")  # (a queryset update sends no signal:)
    clear.refresh_from_db()
    clear.save()  # the save of the narrowed row is what invalidates
    assert "3 eigen incidenten; 3 zichtbaar" in client.get(DASHBOARD).content.decode(), \
        "Zaanstad still counted an incident it may no longer see"


def test_sharing_a_row_afterwards_invalidates_the_organisations_it_reaches(client, world, taxonomy):
    from cyberbeeld.incidents.services import incident_save

    add_incidents(world, 9)
    cache.clear()
    client.force_login(world.zoe)
    assert "3 zichtbaar" in client.get(DASHBOARD).content.decode()
    mine = incident_save(by=world.anna, owner=world.maastricht, data={"title": "Later gedeeld", "tlp": "amber"})
    assert "3 zichtbaar" in client.get(DASHBOARD).content.decode()
    mine.audience_organisations.add(world.zaanstad)  # the many-to-many write alone
    assert "4 zichtbaar" in client.get(DASHBOARD).content.decode(), "a new audience saw a stale count"
    mine.audience_organisations.remove(world.zaanstad)
    assert "3 zichtbaar" in client.get(DASHBOARD).content.decode(), "a removed audience still counted the row"
