"""Every permission decision lives in accounts.policy: who maintains reference data (areas, taxonomy, powers,
reference figures), what an organisation as a whole may draw on (no RED), what a user may pass on."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from cyberbeeld.accounts import policy, services
from cyberbeeld.incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(world):
    return get_user_model().objects.create_user(username="platform", password=world.password, is_staff=True)


def test_reference_data_is_maintained_by_staff_and_kenniscentrum_beheerders(world, staff):
    may = policy.may_maintain_reference_data
    assert may(staff) and may(staff, world.maastricht) and may(staff, None)
    assert may(world.kees) and may(world.kees, world.kenniscentrum)
    assert not may(world.kees, world.maastricht)  # acting for an organisation he does not maintain
    for user in (world.beheerder, world.anna, world.zoe, world.nobody, AnonymousUser(), None):
        assert not may(user) and not may(user, world.kenniscentrum)
    assert not may(world.beheerder, world.maastricht)  # a gemeente's beheerder maintains no reference data


def test_the_reference_pages_agree_with_the_policy(client, world, taxonomy, staff):
    """The areas maintenance page and the taxonomy page ask the same question (they used to differ on staff)."""
    for user, allowed in ((world.kees, True), (staff, True), (world.beheerder, False)):
        client.force_login(user)
        assert client.get("/nl/gebieden/ontbrekende-koppelingen/").status_code == (200 if allowed else 404), user
        page = client.get("/nl/incidenten/taxonomie/").content.decode()
        assert ("Nieuwe versie inlezen" in page) is allowed, user


def test_staff_may_import_a_taxonomy_version(world, taxonomy, staff):
    from cyberbeeld.incidents import services as incident_services

    text = incident_services.taxonomy_export(lang="en").replace('"version": 1', '"version": 4')
    version, created = incident_services.taxonomy_import(by=staff, organisation=None, text=text)
    assert created and version.version == 4
    with pytest.raises(PermissionError):
        incident_services.taxonomy_import(by=world.beheerder, organisation=world.maastricht, text=text)


def _incident(world, owner, by, tlp, **share):
    inc = Incident.objects.create(owner=owner, created_by=by, title=f"{tlp} van {owner.slug}", tlp=tlp)
    if share:
        services.share_set(by=None, obj=inc, tlp=tlp, **share)  # the platform sets the audience
    return inc


def test_an_organisation_as_a_whole_draws_on_its_own_objects_except_red(world):
    own = {t: _incident(world, world.maastricht, world.anna, t) for t in ("clear", "green", "amber", "amber+strict", "red")}
    other = _incident(world, world.eijsden, world.eva, "amber", organisations=[world.maastricht])
    wide = set(policy.organisation_wide(Incident.objects.all(), world.maastricht))
    assert wide == {own[t] for t in ("clear", "green", "amber", "amber+strict")}
    assert other not in wide and own["red"] not in wide
    assert set(policy.organisation_wide(Incident.objects.all(), [world.maastricht, world.eijsden])) == wide | {other}


def test_what_a_user_may_pass_on_matches_may_export(world):
    own_strict = _incident(world, world.maastricht, world.anna, "amber+strict")
    shared_amber = _incident(world, world.eijsden, world.eva, "amber", organisations=[world.maastricht])
    shared_strict = _incident(world, world.eijsden, world.eva, "amber+strict", organisations=[world.maastricht])
    unseen = _incident(world, world.zaanstad, world.zoe, "amber")
    rows = set(policy.exportable(world.anna, Incident.objects.all()))
    assert rows == {own_strict, shared_amber}
    for inc in (own_strict, shared_amber, shared_strict, unseen):
        assert (inc in rows) is policy.may_export(world.anna, inc)


def test_no_permission_backend_that_decides_nothing():
    """`rules` was installed as a backend with no rule; object permissions are accounts.policy's."""
    assert not any(b.startswith("rules.") for b in settings.AUTHENTICATION_BACKENDS)
    assert not any(a.startswith("rules") for a in settings.INSTALLED_APPS)
