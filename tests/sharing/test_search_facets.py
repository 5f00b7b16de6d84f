"""Facets come from the denormalised ``form_index``: it must always equal the form links, and every
count must equal a count over the authoritative tables for what the user may see."""

from __future__ import annotations

from collections import Counter

import pytest

from cyberbeeld.accounts import policy
from cyberbeeld.sharing import selectors, services
from cyberbeeld.sharing.models import Approach, Case, form_index_text

pytestmark = pytest.mark.django_db


def _forms(n):
    from cyberbeeld.incidents.services import current_forms

    return list(current_forms().select_related("category")[:n])


def _links(obj):
    return sorted(obj.forms.values_list("pk", flat=True))


def test_form_index_follows_every_kind_of_m2m_change(world, taxonomy, no_redact):
    f1, f2, f3 = _forms(3)
    case = services.case_save(by=world.anna, owner=world.maastricht, forms=[f1, f2], data={"title": "Casus"})
    case.refresh_from_db()
    assert case.form_index == form_index_text([f1.pk, f2.pk]) and case.form_id_list == sorted([f1.pk, f2.pk])
    case.forms.add(f3)
    assert Case.objects.get(pk=case.pk).form_index == form_index_text(_links(case))
    case.forms.remove(f1)
    assert Case.objects.get(pk=case.pk).form_index == form_index_text([f2.pk, f3.pk])
    Case.forms.through.objects.create(case=case, form=f1)  # a bare through row sends no signal ...
    case.forms.set([f1])  # ... but the next change through the relation recomputes from the table
    assert Case.objects.get(pk=case.pk).form_index == form_index_text([f1.pk])
    case.forms.clear()
    assert Case.objects.get(pk=case.pk).form_index == ""
    appr = services.approach_save(by=world.anna, owner=world.maastricht, forms=[f2], data={"title": "Aanpak"})
    appr.forms.set([f2, f3])
    assert Approach.objects.get(pk=appr.pk).form_index == form_index_text([f2.pk, f3.pk])


def test_migration_fill_matches_the_signal(world, taxonomy, no_redact):
    """The data migration computes the same text as the signal handler for existing rows."""
    import importlib

    from django.apps import apps

    f1, f2 = _forms(2)
    case = services.case_save(by=world.anna, owner=world.maastricht, forms=[f2, f1], data={"title": "Oud"})
    expected = Case.objects.get(pk=case.pk).form_index
    Case.objects.filter(pk=case.pk).update(form_index="")
    importlib.import_module("cyberbeeld.sharing.migrations.0003_form_index").fill(apps, None)
    assert Case.objects.get(pk=case.pk).form_index == expected == form_index_text([f1.pk, f2.pk])


def test_facet_counts_equal_counts_over_the_visible_set(world, taxonomy, no_redact):
    from cyberbeeld.incidents.services import current_forms

    forms = _forms(4)
    same_category = [f for f in current_forms() if f.category_id == forms[0].category_id][:2]
    assert len(same_category) == 2  # the taxonomy has several forms per category
    made = []
    for i, (owner, by) in enumerate([(world.maastricht, world.anna)] * 4 + [(world.zaanstad, world.zoe)] * 3):
        chosen = same_category if i == 0 else [forms[i % len(forms)]]
        case = services.case_save(by=by, owner=owner, forms=chosen, sectors=["mkb", "burgers"][: 1 + i % 2],
                                  data={"title": f"Valse factuur {i}", "year": 2020 + i % 3})
        made.append(case)
    services.share(by=world.anna, obj=made[1], tlp="amber", region=True)
    services.share(by=world.anna, obj=made[2], tlp="green", community=True)
    for user in (world.anna, world.paul, world.zoe, world.eva, None):
        res = selectors.search(user, q="factuur")
        visible = list(policy.visible(user, Case.objects.all()).prefetch_related("forms__category"))
        assert sorted(res.ids) == sorted(c.pk for c in visible)
        assert res.ids == sorted(res.ids, reverse=True)  # newest first
        expect_form = Counter(f.code for c in visible for f in c.forms.all())
        expect_cat = Counter(code for c in visible for code in {f.category.code for f in c.forms.all()})
        expect_year = Counter(str(c.year) for c in visible)
        expect_sector = Counter(s for c in visible for s in c.sector_list)
        assert {d["value"]: d["count"] for d in res.facets.get("form", [])} == dict(expect_form)
        assert {d["value"]: d["count"] for d in res.facets.get("category", [])} == dict(expect_cat)
        assert {d["value"]: d["count"] for d in res.facets.get("year", [])} == dict(expect_year)
        assert {d["value"]: d["count"] for d in res.facets.get("sector", [])} == dict(expect_sector)
        assert sum(d["count"] for d in res.facets.get("tlp", [])) == res.total
    # the case with two forms of one category counts once in that category
    anna = selectors.search(world.anna, q="factuur")
    cat = {d["value"]: d["count"] for d in anna.facets["category"]}[forms[0].category.code]
    form_counts = {d["value"]: d["count"] for d in anna.facets["form"]}
    assert cat < sum(form_counts.get(f.code, 0) for f in current_forms() if f.category_id == forms[0].category_id)


def test_visible_q_needs_no_distinct(world, no_redact):
    """The policy is a row condition (subqueries, no joins): a case shared several ways appears once."""
    case = services.case_save(by=world.anna, owner=world.maastricht, data={"title": "Meervoudig gedeeld"})
    services.share(by=world.anna, obj=case, tlp="amber", region=True, organisations=[world.politie, world.eijsden])
    qs = policy.visible(world.paul, Case.objects.all())
    assert list(qs) == [case] and qs.count() == 1
    assert " JOIN " not in str(qs.query).upper()
