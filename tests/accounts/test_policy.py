"""accounts.policy: who sees what, under every TLP 2.0 label and audience."""

from __future__ import annotations

import pytest

from cyberbeeld.accounts import policy, services
from cyberbeeld.accounts.tlp import TLP, most_restrictive
from cyberbeeld.incidents.models import Incident

pytestmark = pytest.mark.django_db


def make(world, tlp: str, **share) -> Incident:
    inc = Incident.objects.create(owner=world.maastricht, created_by=world.anna, title=f"{tlp} test", tlp=tlp)
    if share:
        services.share_set(by=world.anna, obj=inc, tlp=tlp, **share)
    return inc


def viewers(world):
    from django.contrib.auth.models import AnonymousUser

    return {
        "author": world.anna, "same_org": world.lezer, "same_region_gemeente": world.eva,
        "police_same_region": world.paul, "other_region": world.zoe, "no_membership": world.nobody,
        "anonymous": AnonymousUser(),
    }


EXPECTED = {
    # tlp, share -> set of viewers that may see
    ("clear", "none"): {"author", "same_org", "same_region_gemeente", "police_same_region", "other_region",
                        "no_membership", "anonymous"},
    ("green", "none"): {"author", "same_org"},
    ("green", "region"): {"author", "same_org", "same_region_gemeente", "police_same_region"},
    ("green", "community"): {"author", "same_org", "same_region_gemeente", "police_same_region", "other_region"},
    ("amber", "none"): {"author", "same_org"},
    ("amber", "region"): {"author", "same_org", "same_region_gemeente", "police_same_region"},
    ("amber", "named_police"): {"author", "same_org", "police_same_region"},
    ("amber", "community"): {"author", "same_org"},  # community sharing is for GREEN only
    ("amber+strict", "named_police"): {"author", "same_org", "police_same_region"},
    ("red", "none"): {"author"},
    ("red", "recipient_paul"): {"author", "police_same_region"},
}


@pytest.mark.parametrize("tlp,share", sorted(EXPECTED))
def test_visibility_matrix(world, tlp, share):
    kwargs = {
        "none": {},
        "region": {"region": True},
        "community": {"community": True},
        "named_police": {"organisations": [world.politie]},
        "recipient_paul": {"recipients": [world.paul]},
    }[share]
    inc = make(world, tlp, **kwargs) if kwargs else make(world, tlp)
    seen = {name for name, user in viewers(world).items() if policy.can_view(user, inc)}
    assert seen == EXPECTED[(tlp, share)]
    # the list filter agrees with the single-object check
    for name, user in viewers(world).items():
        assert policy.visible(user, Incident.objects.all()).filter(pk=inc.pk).exists() == (name in seen)


def test_audiences_combine_and_nest(world):
    inner = services.audience_save(by=world.anna, owner=world.maastricht, name="Driehoek",
                                   organisations=[world.politie])
    outer = services.audience_save(by=world.anna, owner=world.maastricht, name="Breed", organisations=[world.zaanstad],
                                   includes=[inner])
    inc = make(world, "amber", audiences=[outer])
    assert policy.can_view(world.paul, inc)  # through the included audience
    assert policy.can_view(world.zoe, inc)  # directly in the outer audience
    assert not policy.can_view(world.eva, inc)
    with pytest.raises(ValueError):
        services.audience_save(by=world.anna, owner=world.maastricht, name="Driehoek", audience=inner,
                               organisations=[world.politie], includes=[outer])


def test_confidential_audience_hides_members_from_members(world):
    aud = services.audience_save(by=world.paul, owner=world.politie, name="RIEC", organisations=[world.maastricht],
                                 confidential=True)
    assert policy.audience_members(world.anna, aud) is None
    assert policy.audience_members(world.paul, aud) == [world.maastricht]


def test_change_requires_bewerker_of_owner(world):
    inc = make(world, "green", region=True)
    assert policy.can_change(world.anna, inc)
    assert not policy.can_change(world.lezer, inc)  # lezer
    assert not policy.can_change(world.eva, inc)  # sees it, but is not the owner
    assert policy.can_share(world.anna, inc) and not policy.can_share(world.lezer, inc)


def test_onward_sharing_rules(world):
    amber = make(world, "amber", organisations=[world.politie])
    strict = make(world, "amber+strict", organisations=[world.politie])
    assert policy.may_export(world.paul, amber)
    assert not policy.may_export(world.paul, strict)
    assert policy.may_export(world.anna, strict)
    assert not policy.may_export(world.zoe, amber)


def test_public_ceiling_is_clear_only(world):
    for label in TLP:
        inc = make(world, label.value)
        assert policy.may_publish(inc) == (label is TLP.CLEAR)
    assert set(policy.publishable(Incident.objects.all()).values_list("tlp", flat=True)) == {"clear"}


def test_labels_and_compound_documents():
    assert TLP.parse("TLP:AMBER+STRICT") is TLP.AMBER_STRICT
    assert TLP.parse("white") is TLP.CLEAR
    assert TLP.AMBER_STRICT.label == "TLP:AMBER+STRICT"
    assert most_restrictive([TLP.CLEAR, TLP.AMBER, TLP.GREEN]) is TLP.AMBER
    assert most_restrictive([]) is TLP.CLEAR
    with pytest.raises(ValueError):
        TLP.parse("TLP:PURPLE")


def test_can_create_in_needs_bewerker_of_that_organisation(world):
    assert policy.can_create_in(world.anna, world.maastricht)  # coördinator
    assert not policy.can_create_in(world.lezer, world.maastricht)  # lezer
    assert not policy.can_create_in(world.anna, world.zaanstad)  # not a member
    assert not policy.can_create_in(world.anna, None)
    assert not policy.can_create_in(None, world.maastricht)
