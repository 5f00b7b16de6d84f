"""Pages and API of the threat picture: isolation (404, never 403), OOV↔CISO visibility, the flows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cyberbeeld.accounts.models import Role
from cyberbeeld.risks import drafting, services
from cyberbeeld.risks.models import Assessment, Proposal, ProposalStatus, Scenario, ScenarioTemplate

pytestmark = pytest.mark.django_db

SCORES = {"2.1": "0", "2.2": "0", "2.3": "0", "3.1": "C", "5.1": "B", "5.2": "0", "5.3": "A", "L.1": "0", "L.2": "B"}


@pytest.fixture
def ciso(world):
    from django.contrib.auth import get_user_model

    from cyberbeeld.accounts.services import membership_set

    u = get_user_model().objects.create_user(username="ciso", password=world.password)
    membership_set(by=None, user=u, organisation=world.maastricht, role=Role.BEWERKER)
    return u


def login(client, world, user):
    client.force_login(user)
    return client


def adopt(world, code, by):
    services.templates_sync()
    return services.scenario_adopt(by=by, owner=world.maastricht, template=ScenarioTemplate.objects.get(code=code))


def scored(world, code="ransomware-mkb", by=None, likelihood="D"):
    s = adopt(world, code, by or world.anna)
    a = services.assessment_save(by=by or world.anna, scenario=s, data={"likelihood": likelihood, "impact": SCORES})
    services.assessment_finalise(by=by or world.anna, assessment=a)
    return s


def test_other_gemeente_gets_404_in_pages_and_api(client, world):
    s = scored(world)
    assert s.tlp == "amber"
    for user in (world.eva, world.zoe, world.paul):
        c = login(client, world, user)
        for url in (reverse("risks:scenario", args=[s.uuid]), reverse("risks:scenario_edit", args=[s.uuid]),
                    reverse("risks:assess", args=[s.uuid]), f"/api/v1/risks/scenarios/{s.uuid}"):
            assert c.get(url).status_code == 404, (user, url)
        listing = c.get("/api/v1/risks/scenarios").json()["items"]
        assert str(s.uuid) not in [x["uuid"] for x in listing]
        assert s.title not in c.get(reverse("risks:picture")).content.decode()


def test_shared_with_region_is_visible_to_the_neighbour(client, world):
    s = scored(world)
    services.scenario_save(by=world.anna, owner=world.maastricht, scenario=s, data={"audience_region": True})
    c = login(client, world, world.eva)
    assert c.get(f"/api/v1/risks/scenarios/{s.uuid}").status_code == 200
    assert c.get(reverse("risks:scenario_edit", args=[s.uuid])).status_code == 404  # visible, not changeable
    page = c.get(reverse("risks:region")).content.decode()
    assert s.title in page and "Maastricht" in page
    assert c.get(f"/api/v1/risks/scenarios/{s.uuid}").status_code == 200
    c = login(client, world, world.zoe)  # other region
    assert c.get(f"/api/v1/risks/scenarios/{s.uuid}").status_code == 404


def test_oov_and_ciso_see_each_others_scenarios(client, world, ciso):
    oov = scored(world, "helpdeskfraude-ouderen", by=world.anna)
    own = scored(world, "ddos-gemeente", by=ciso)
    assert own.lane == "ciso" and oov.lane == "oov"
    c = login(client, world, ciso)
    page = c.get(reverse("risks:picture")).content.decode()
    assert oov.title in page and own.title in page
    ciso_page = c.get(reverse("risks:ciso")).content.decode()
    assert own.title in ciso_page and oov.title not in ciso_page
    assert c.get(reverse("risks:scenario", args=[oov.uuid])).status_code == 200
    c = login(client, world, world.anna)
    assert c.get(reverse("risks:scenario", args=[own.uuid])).status_code == 200
    assert own.title in c.get(reverse("risks:ciso")).content.decode()


def test_adopt_and_score_through_the_pages(client, world):
    c = login(client, world, world.anna)
    services.templates_sync()
    r = c.post(reverse("risks:adopt", args=["ransomware-mkb"]))
    s = Scenario.objects.get(owner=world.maastricht, template__code="ransomware-mkb")
    assert r.status_code == 302 and r["Location"] == reverse("risks:scenario_edit", args=[s.uuid])
    data = {"likelihood": "E", "likelihood_rationale": "Concreet", "note": "", "finalise": "1"}
    for code, v in SCORES.items():
        data[f"c_{code.replace('.', '_')}_class"] = v
        data[f"c_{code.replace('.', '_')}_rationale"] = f"waarom {code}"
    r = c.post(reverse("risks:assess", args=[s.uuid]), data)
    assert r.status_code == 302
    a = Assessment.objects.get(scenario=s)
    assert a.is_final and a.likelihood == "E" and a.impact_rationale["3.1"] == "waarom 3.1"
    page = c.get(reverse("risks:picture")).content.decode()
    assert 'id="risk-table"' in page and s.title in page and "<svg" in page
    # a read-only member cannot score
    c = login(client, world, world.lezer)
    assert c.get(reverse("risks:assess", args=[s.uuid])).status_code == 404
    assert c.post(reverse("risks:adopt", args=["ddos-gemeente"])).status_code == 404


def test_reassess_keeps_history(client, world):
    s = scored(world)
    first = Assessment.objects.get(scenario=s)
    c = login(client, world, world.anna)
    r = c.post(reverse("risks:reassess", args=[first.uuid]))
    draft = Assessment.objects.exclude(pk=first.pk).get(scenario=s)
    assert r["Location"] == reverse("risks:assessment_edit", args=[draft.uuid]) and draft.supersedes == first
    data = {"likelihood": "B", "finalise": "1"}
    for code, v in SCORES.items():
        data[f"c_{code.replace('.', '_')}_class"] = v
    c.post(reverse("risks:assessment_edit", args=[draft.uuid]), data)
    draft.refresh_from_db()
    first.refresh_from_db()
    assert draft.is_final and draft.likelihood == "B" and first.likelihood == "D"
    assert c.get(reverse("risks:assessment_edit", args=[first.uuid])).status_code == 404  # final: never edited


def test_proposals_from_evidence(client, world, taxonomy):
    from cyberbeeld.incidents.models import Incident
    from cyberbeeld.incidents.services import current_forms
    from cyberbeeld.indicators.models import Indicator, Observation

    services.templates_sync()
    asset = services.asset_save(by=world.anna, owner=world.maastricht, data={"name": "Sluis", "kind": "sluis"})
    ind = Indicator.objects.create(code="vm-online-oplichting-fraude", name_nl="Online oplichting", name_en="Online fraud",
                                   unit="percent", source="veiligheidsmonitor", series="vm-online-2021")
    Observation.objects.create(indicator=ind, area=world.gm_maastricht, period="2021", value=6.0, ci_low=5.5, ci_high=6.5)
    Observation.objects.create(indicator=ind, area=world.gm_maastricht, period="2023", value=8.0, ci_low=7.5, ci_high=8.5)
    form = current_forms().get(code="beleggings-cryptofraude")
    today = dt.date(2026, 11, 20)
    dates = [dt.date(2026, m, 10) for m in (1, 3, 5, 7)] + [dt.date(2026, 11, d) for d in (2, 5, 9, 12, 15, 18)]
    for i, d in enumerate(dates):
        Incident.objects.create(owner=world.maastricht, title=f"Fraude {i}", form=form, occurred_on=d, area=world.gm_maastricht)
    new = drafting.generate(by=world.anna, owner=world.maastricht, today=today)
    kinds = {p.kind for p in new}
    assert kinds == {"indicator-rise", "incident-surge", "form-gap", "asset-gap"}, [(p.kind, p.reason_nl) for p in new]
    assert drafting.generate(by=world.anna, owner=world.maastricht, today=today) == []  # one proposal per signal
    rise = next(p for p in new if p.kind == "indicator-rise")
    assert "significant" in rise.reason_nl
    surge = next(p for p in new if p.kind == "incident-surge")
    assert "2026-11" in surge.reason_nl
    # accept the asset gap in the page: the template for locks is adopted with the asset linked
    gap = next(p for p in new if p.kind == "asset-gap")
    c = login(client, world, world.anna)
    assert gap.title_nl in c.get(reverse("risks:proposals")).content.decode()
    r = c.post(reverse("risks:decide", args=[gap.uuid]), {"decision": "accepted", "note": "Goed punt"})
    gap.refresh_from_db()
    assert r.status_code == 302 and gap.status == ProposalStatus.ACCEPTED and gap.decided_by == world.anna
    assert gap.scenario.template.code == "gehackte-sluis-brug" and asset in gap.scenario.assets.all()
    # dismiss the rise; it stays in the history and is not proposed again
    c.post(reverse("risks:decide", args=[rise.uuid]), {"decision": "dismissed", "note": "Al bekend"})
    rise.refresh_from_db()
    assert rise.status == "dismissed" and rise.decision_note == "Al bekend"
    assert "Al bekend" in c.get(reverse("risks:proposals")).content.decode()
    # accept-and-edit the surge: a scenario with the incidents as evidence, then the edit page
    r = c.post(reverse("risks:decide", args=[surge.uuid]), {"decision": "edited"})
    surge.refresh_from_db()
    assert r["Location"] == reverse("risks:scenario_edit", args=[surge.scenario.uuid])
    assert surge.scenario.evidence_incidents.count() == 6
    # another organisation cannot see or decide
    c = login(client, world, world.eva)
    fg = Proposal.objects.get(kind="form-gap")
    assert c.post(reverse("risks:decide", args=[fg.uuid]), {"decision": "accepted"}).status_code == 404


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_page_renders(client, world, taxonomy, lang):
    from django.utils import translation

    s = scored(world)
    asset = services.asset_save(by=world.anna, owner=world.maastricht, data={"name": "Brug", "kind": "beweegbare-brug"})
    services.assessment_save(by=world.beheerder, scenario=s, data={"likelihood": "B", "impact": SCORES})
    drafting.generate(by=world.anna, owner=world.maastricht)
    c = login(client, world, world.anna)
    with translation.override(lang):
        urls = [reverse("risks:picture"), reverse("risks:ciso"), reverse("risks:region"), reverse("risks:library"),
                reverse("risks:scenario", args=[s.uuid]), reverse("risks:scenario_edit", args=[s.uuid]),
                reverse("risks:scenario_create"), reverse("risks:assess", args=[s.uuid]), reverse("risks:assets"),
                reverse("risks:asset", args=[asset.uuid]), reverse("risks:asset_edit", args=[asset.uuid]),
                reverse("risks:asset_create"), reverse("risks:proposals"), reverse("web:dashboard")]
    for url in urls:
        r = c.get(url)
        assert r.status_code == 200, url
        assert "<script>" not in r.content.decode()  # CSP: no inline scripts


def test_edit_scenario_and_asset_forms(client, world, taxonomy):
    s = adopt(world, "ransomware-mkb", world.anna)
    mine = services.asset_save(by=world.anna, owner=world.maastricht, data={"name": "Beatrixhaven", "kind": "mkb-cluster"})
    theirs = services.asset_save(by=world.eva, owner=world.eijsden, data={"name": "Elders", "kind": "sluis"})
    c = login(client, world, world.anna)
    data = {"title": "Ransomware Beatrixhaven", "description": "x", "road": "cybercrime", "lane": "oov",
            "threat_actor": "cybercrimineel", "malicious": "on", "form_codes": ["malware-ransomware", "phishing"],
            "assets": [str(mine.pk)], "risk_owner": "wethouder EZ", "review_cycle_months": "12",
            "review_date": "2027-06-01", "tlp": "amber"}
    r = c.post(reverse("risks:scenario_edit", args=[s.uuid]), data)
    assert r.status_code == 302, r.content.decode()[-2000:]
    s.refresh_from_db()
    assert s.title == "Ransomware Beatrixhaven" and s.form_codes == ["malware-ransomware", "phishing"]
    assert list(s.assets.all()) == [mine]
    r = c.post(reverse("risks:scenario_edit", args=[s.uuid]), {**data, "assets": [str(theirs.pk)]})
    assert r.status_code == 200  # another organisation's asset is not a valid choice
    r = c.post(reverse("risks:asset_create"), {"name": "E-loket", "kind": "digitale-dienstverlening",
                                               "criticality": "vitaal", "dependencies": [str(mine.pk)], "tlp": "amber"})
    assert r.status_code == 302


def test_shared_scenario_does_not_leak_linked_evidence(client, world, taxonomy):
    from cyberbeeld.incidents.models import Incident

    s = scored(world)
    inc = Incident.objects.create(owner=world.maastricht, title="Geheim incident bij bedrijf X", tlp="amber")
    services.scenario_save(by=world.anna, owner=world.maastricht, scenario=s,
                           data={"audience_region": True, "evidence_incidents": [inc]})
    c = login(client, world, world.eva)
    page = c.get(reverse("risks:scenario", args=[s.uuid])).content.decode()
    assert s.title in page and "Geheim incident" not in page
    c = login(client, world, world.anna)
    assert "Geheim incident" in c.get(reverse("risks:scenario", args=[s.uuid])).content.decode()
