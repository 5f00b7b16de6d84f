"""Early warning on the dashboard: an injected rise per form × gemeente gives an alert with its series."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cyberbeeld.incidents import earlywarning
from cyberbeeld.incidents.models import Incident
from cyberbeeld.incidents.services import current_forms

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(world, taxonomy):
    """Three years of ~4 helpdesk frauds a month in Maastricht, then 25 this month (TLP:AMBER, own)."""
    import numpy as np

    rng = np.random.default_rng(3)
    form = current_forms().get(code="helpdeskfraude")
    today = timezone.localdate()
    rows = []
    month = dt.date(today.year - 3, today.month, 1)
    while month <= today.replace(day=1):
        n = 25 if month == today.replace(day=1) else int(rng.poisson(4))
        rows += [Incident(owner=world.maastricht, title=f"Helpdeskfraude {month:%Y-%m} #{i}", form=form,
                          area=world.gm_maastricht, occurred_on=month, tlp="amber") for i in range(n)]
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    Incident.objects.bulk_create(rows)
    return form


def test_alert_for_the_rise_with_its_series(world, series):
    alerts = earlywarning.alerts_for(world.anna, world.maastricht)
    assert alerts, "the injected rise was not detected"
    a = alerts[0]
    assert a.form.code == "helpdeskfraude" and a.area == world.gm_maastricht
    assert a.period == f"{timezone.localdate():%Y-%m}" and a.observed == 25 and a.expected < 10
    assert a.counts[-1] == 25 and len(a.periods) == len(a.counts) >= 36


def test_other_organisations_do_not_see_it(world, series):
    assert earlywarning.alerts_for(world.zoe, world.zaanstad) == []
    # eva is in the same region but cannot see Maastricht's AMBER incidents
    assert earlywarning.alerts_for(world.eva, world.eijsden) == []


def test_page_and_dashboard_card(client, world, series):
    client.force_login(world.anna)
    page = client.get("/nl/incidenten/vroegsignalering/").content.decode()
    assert "Helpdeskfraude" in page and "<svg" in page and 'role="img"' in page and "<table" in page
    dashboard = client.get("/nl/overzicht/").content.decode()
    assert "Vroegsignalering" in dashboard and "Maastricht" in dashboard
    client.force_login(world.zoe)
    assert "Geen ongewone stijgingen" in client.get("/en/incidenten/vroegsignalering/").content.decode() or \
        "No unusual" in client.get("/en/incidenten/vroegsignalering/").content.decode()


def test_one_computation_for_page_and_drafted_picture(world, series):
    """The early-warning page and the drafted picture state the same expectation, threshold and method."""
    from cyberbeeld.risks import drafting
    from cyberbeeld.risks.models import Proposal

    page = earlywarning.alerts_for(world.anna, world.maastricht)
    drafting.generate(by=world.anna, owner=world.maastricht)
    surge = Proposal.objects.get(owner=world.maastricht, kind="incident-surge")
    a = page[0]
    assert surge.data["expected"] == a.expected and surge.data["threshold"] == a.threshold
    assert surge.data["period"] == a.period and a.method in surge.reason_nl
    assert len(surge.data["incidents"]) == 25


def test_threshold_is_never_zero_when_history_holds_incidents():
    """EARS-C3 after a spike: the earlier terms alone exceed the limit. The old code reported a threshold of 0
    (and alarmed on any count ≥ 3); now the month itself must exceed its baseline mean + sd."""
    from cyberbeeld.incidents import surveillance

    counts = [4, 5, 3, 4, 4, 5, 4, 3, 4, 4, 30, 4, 4]
    for t in (len(counts) - 2, len(counts) - 1):
        chk = surveillance.ears(counts, t, variant="C3")
        assert chk is not None and chk.threshold >= chk.expected > 0
        assert not chk.alarm  # back to normal: no alert because an earlier month was high


def test_the_card_shows_when_it_was_computed_and_lags_at_most_its_max_age(client, world, taxonomy, monkeypatch):
    """The dashboard card reuses its computation for a few minutes (a scan of every incident of the area is not
    repeated after each write) and says when it was computed; the early-warning page always computes afresh; a
    reader of another organisation never gets the card's value."""
    from django.core.cache import cache

    from cyberbeeld.incidents import dashboard

    cache.clear()
    client.force_login(world.anna)
    card = client.get("/nl/overzicht/").content.decode()
    assert "Geen ongewone stijgingen" in card and "Berekend om " in card
    _rise(world)
    Incident.objects.filter(owner=world.maastricht).latest("pk").save()  # a write: the incidents generation rises
    assert "Helpdeskfraude" in client.get("/nl/incidenten/vroegsignalering/").content.decode()  # the page: at once
    assert "Geen ongewone stijgingen" in client.get("/nl/overzicht/").content.decode()  # the card: its last value
    import time

    from django.core.cache.backends import locmem

    later = time.time() + dashboard.EARLY_WARNING_MAX_AGE + 1  # the card's value has reached its max age
    monkeypatch.setattr(locmem, "time", type("Clock", (), {"time": staticmethod(lambda: later)}))
    assert "1 ongewone stijging" in client.get("/nl/overzicht/").content.decode()
    client.force_login(world.zoe)
    assert "ongewone stijging in de laatste" not in client.get("/nl/overzicht/").content.decode()


def _rise(world):
    form = current_forms().get(code="helpdeskfraude")
    today = timezone.localdate()
    rows, month = [], dt.date(today.year - 3, today.month, 1)
    while month <= today.replace(day=1):
        n = 25 if month == today.replace(day=1) else 4
        rows += [Incident(owner=world.maastricht, title=f"Helpdeskfraude {month:%Y-%m} #{i}", form=form,
                          area=world.gm_maastricht, occurred_on=month, tlp="amber") for i in range(n)]
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    Incident.objects.bulk_create(rows)
