"""Cases and approaches: create, share, withdraw, search with facets, promote an incident, Q&A."""

from __future__ import annotations

import pytest

from cyberbeeld.accounts import policy
from cyberbeeld.sharing import selectors, services
from cyberbeeld.sharing.models import Case, ShareChange

pytestmark = pytest.mark.django_db


def _case(world, title="Phishing bij de gemeentelijke belastingdienst", **data):
    return services.case_save(by=world.anna, owner=world.maastricht, data={"title": title, **data},
                              sectors=["gemeente"])


def test_case_owner_only_until_shared(world, no_redact):
    case = _case(world, summary="Medewerkers kregen valse facturen.")
    assert policy.can_view(world.lezer, case)
    assert not policy.can_view(world.paul, case)
    services.share(by=world.anna, obj=case, tlp="amber", region=True, legal_basis="publieke-taak",
                   purpose="regionale aanpak")
    assert policy.can_view(world.paul, case) and policy.can_view(world.eva, case)
    assert not policy.can_view(world.zoe, case)
    case.refresh_from_db()
    assert case.legal_basis == "publieke-taak" and case.purpose == "regionale aanpak"
    change = services.withdraw(by=world.anna, obj=case)
    assert change.narrowed and change.withdrawn
    assert not policy.can_view(world.paul, case)
    assert policy.can_view(world.lezer, case)


def test_only_coordinator_shares(world, no_redact):
    case = _case(world)
    with pytest.raises(PermissionError):
        services.share(by=world.lezer, obj=case, tlp="clear")
    with pytest.raises(PermissionError):
        services.share(by=world.zoe, obj=case, tlp="clear")


def test_community_only_green(world, no_redact):
    from django.core.exceptions import ValidationError

    case = _case(world)
    with pytest.raises(ValidationError):
        services.share(by=world.anna, obj=case, tlp="amber", community=True)
    services.share(by=world.anna, obj=case, tlp="green", community=True)
    assert policy.can_view(world.zoe, case) and not policy.can_view(None, case)


def test_narrowing_is_recorded_for_recipients(world, no_redact):
    case = _case(world)
    services.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie, world.eijsden])
    services.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie])
    changes = list(selectors.changes_for(world.paul, case))
    assert changes[0].narrowed and not changes[0].widened
    assert list(selectors.changes_for(world.eva, case)) == []  # eva no longer sees it at all


def test_search_dutch_stemming_and_facets_respect_policy(world, taxonomy, no_redact):
    from cyberbeeld.incidents.services import current_forms

    phishing = current_forms().first()
    a = services.case_save(by=world.anna, owner=world.maastricht, forms=[phishing], sectors=["mkb"],
                           data={"title": "Bedrijven ontvingen valse facturen", "tags": "factuurfraude"})
    b = services.case_save(by=world.zoe, owner=world.zaanstad, forms=[phishing], sectors=["mkb"],
                           data={"title": "Valse factuur bij de bakker", "tags": "factuurfraude"})
    services.share(by=world.anna, obj=a, tlp="amber", region=True)
    # 'factuur' finds 'facturen' (Dutch stemming)
    res = selectors.search(world.paul, q="factuur")
    assert list(res.queryset) == [a]
    assert res.total == 1
    assert {f["count"] for f in res.facets["form"]} == {1}
    assert res.facets["sector"] == [{"value": "mkb", "label": "MKB", "count": 1}]
    res_zoe = selectors.search(world.zoe, q="valse")
    assert list(res_zoe.queryset) == [b]
    assert selectors.search(None, q="valse").total == 0
    assert Case.objects.count() == 2


def test_promote_uses_only_redacted_text(world, taxonomy, warm_cores):
    from cyberbeeld.incidents.services import incident_save

    inc = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Helpdeskfraude bij oudere bewoner",
        "raw_description": "Mevrouw Jansen (82) maakte geld over naar NL91ABNA0417164300, bel 06-12345678.",
        "tlp": "amber"})
    case = services.promote_incident(by=world.anna, incident=inc)
    assert case.summary == inc.redacted_description
    assert "NL91ABNA0417164300" not in case.summary and "06-12345678" not in case.summary
    assert "Jansen" not in case.summary
    assert case.source_incident == inc and case.owner == world.maastricht
    with pytest.raises(PermissionError):
        services.promote_incident(by=world.zoe, incident=inc)
    # the raw text is not findable through the casebook search either
    assert selectors.search(world.anna, q="Jansen").total == 0
    assert ShareChange.objects.count() == 0


def test_questions_and_answers_follow_the_case(world, no_redact):
    case = _case(world)
    with pytest.raises(PermissionError):
        services.question_ask(by=world.paul, case=case, organisation=world.politie, text="Hoe?")
    services.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie])
    q = services.question_ask(by=world.paul, case=case, organisation=world.politie, text="Wie was betrokken?")
    with pytest.raises(PermissionError):  # paul cannot ask on behalf of Maastricht
        services.question_ask(by=world.paul, case=case, organisation=world.maastricht, text="x")
    services.answer_give(by=world.anna, question=q, organisation=world.maastricht, text="De afdeling belastingen.")
    assert [a.text for a in selectors.questions_for(world.paul, case)[0].answers.all()] == ["De afdeling belastingen."]
    assert list(selectors.questions_for(world.zoe, case)) == []
